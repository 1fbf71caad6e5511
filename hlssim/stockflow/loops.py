"""The causal loop diagram of a stock-flow model, drawn from the model's own equations.

:func:`causal_graph` reads a Vensim ``.mdl`` (see :func:`hlssim.stockflow.commissioning.read_mdl`) into a directed
graph: an edge ``cause -> effect`` wherever ``cause`` appears in ``effect``'s equation (for a stock,
in its net flow; the initial value is not a causal link). Constants (parameters) are left out.
Each link's polarity is found numerically: at several operating points taken from a PySD run, the
cause is nudged up and down and the sign of the change in the effect's equation is read off. A
link whose sign differs between points is marked 0 (ambiguous). :func:`feedback_loops` finds the
simple cycles and classifies each as reinforcing (R: product of polarities +) or balancing (B: -).
:func:`draw` writes the diagram as a PNG (``hlssim diagram --out cld.png``).

The main loops are named by the variables on them: a model ``NAME.mdl`` may have a sidecar
``NAME.loops.toml`` listing ``[[loop]]`` entries (``name``, ``kind`` R or B as the theory expects,
``through``: variables the loop passes, ``about``). :func:`name_loops` picks, for each entry, the
shortest found loop through all of ``through`` and reports its polarity as found, so a model whose
structure contradicts the expected kind shows it rather than hiding it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hlssim.errors import HlssimError
from hlssim.stockflow.commissioning import (
    CONTROL_NAMES,
    DEFAULT_MODEL,
    IDENT,
    NUMBER,
    Equation,
    load_model,
    read_mdl,
)

_FUNCTIONS = {"INTEG", "MIN", "MAX", "IF", "THEN", "ELSE", "ABS", "EXP", "LN", "SQRT"}
_CALL = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*\s+)*[A-Za-z_][A-Za-z0-9_]*\s*\(")
#: Vensim's own variables, read by equations but never defined in a model (lower case).
_BUILTINS = {"time"}


@dataclass(frozen=True)
class Loop:
    """A feedback loop: its variables in order (the first follows the last) and its kind."""

    nodes: tuple[str, ...]
    polarity: int  # +1 reinforcing, -1 balancing, 0 contains an ambiguous link

    @property
    def kind(self) -> str:
        return {1: "R", -1: "B", 0: "?"}[self.polarity]

    def __str__(self) -> str:
        return f"{self.kind}: " + " -> ".join(self.nodes + self.nodes[:1])


@dataclass(frozen=True)
class LoopName:
    """A named loop of a model's sidecar file: what to look for and what the theory expects."""

    name: str
    kind: str  # "R" or "B"
    through: tuple[str, ...]
    about: str = ""


@dataclass(frozen=True)
class NamedLoop:
    """A sidecar entry and the loop found for it (``loop`` None: no found loop passes through all
    of its variables, e.g. beyond ``max_length``)."""

    spec: LoopName
    loop: Loop | None

    @property
    def as_expected(self) -> bool:
        return self.loop is not None and self.loop.kind == self.spec.kind

    def __str__(self) -> str:
        if self.loop is None:
            return f"{self.spec.name} (expected {self.spec.kind}): not found"
        note = "" if self.as_expected else f" (expected {self.spec.kind})"
        return f"{self.loop.kind} {self.spec.name}{note}: " + " -> ".join(
            self.loop.nodes + self.loop.nodes[:1])


def loop_names(model: str | Path = DEFAULT_MODEL) -> list[LoopName]:
    """The named loops of ``model``'s sidecar ``NAME.loops.toml`` ([] if it has none)."""
    import tomllib

    from hlssim.stockflow.commissioning import model_path

    path = model_path(model)
    sidecar = path.with_name(path.stem + ".loops.toml")
    if not sidecar.is_file():
        return []
    try:
        data = tomllib.loads(sidecar.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise HlssimError(f"{sidecar.name}: malformed TOML ({err})") from None
    names = read_mdl(path)
    out = []
    for i, entry in enumerate(data.get("loop", [])):
        where = f"{sidecar.name}: loop {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise HlssimError(f"{where}: expected a table with a 'name'")
        if entry.get("kind") not in ("R", "B"):
            raise HlssimError(f"{where} '{entry['name']}': kind {entry.get('kind')!r}; expected 'R' or 'B'")
        through = entry.get("through")
        if not isinstance(through, list) or not through or not all(isinstance(v, str) for v in through):
            raise HlssimError(f"{where} '{entry['name']}': 'through' must be a list of variable names")
        unknown = [v for v in through if v not in names]
        if unknown:
            raise HlssimError(f"{where} '{entry['name']}': {', '.join(unknown)} not in the model")
        out.append(LoopName(entry["name"], entry["kind"], tuple(through), entry.get("about", "")))
    return out


def name_loops(loops: list[Loop], names: list[LoopName]) -> list[NamedLoop]:
    """For each name, the shortest loop of ``loops`` through all its variables (see module doc)."""
    out = []
    for spec in names:
        want = set(spec.through)
        found = [lp for lp in loops if want <= set(lp.nodes)]
        out.append(NamedLoop(spec, min(found, key=lambda lp: (len(lp.nodes), lp.nodes)) if found else None))
    return out


def _split_args(inner: str) -> list[str]:
    args, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(inner[start:i])
            start = i + 1
    args.append(inner[start:])
    return [a.strip() for a in args]


def causal_expression(eq: Equation) -> str:
    """The expression whose inputs are causes: a stock's net flow, otherwise the equation."""
    if eq.is_stock:
        inner = eq.expression.strip()[eq.expression.index("(") + 1:-1]
        return _split_args(inner)[0]
    return eq.expression


def _python(expression: str) -> str:
    return (expression.replace("IF THEN ELSE(", "_ite(").replace("^", "**")
            .replace(":AND:", " and ").replace(":OR:", " or "))


_ENV = {"_ite": lambda c, a, b: a if c else b, "MIN": min, "MAX": max, "ABS": abs,
        "EXP": math.exp, "LN": math.log, "SQRT": math.sqrt, "__builtins__": {}}


def names_in(expression: str) -> set[str]:
    """The names an expression reads: identifiers that are not functions (one of
    :data:`_FUNCTIONS`, or words before an opening bracket: ``STEP(...)``, ``DELAY N(...)``, a
    lookup call)."""
    return {w for w in IDENT.findall(_CALL.sub("(", expression)) if w not in _FUNCTIONS}


#: Presets whose runs give the project model's operating points: between them every link is
#: active somewhere (at the model's own defaults target pressure is 0, so gaming links are flat).
OPERATING_PRESETS = ("npm_targets", "npm_pbr", "hls", "alliance")


def causal_graph(model: str | Path = DEFAULT_MODEL, points: int = 4,
                 params: list[dict[str, float]] | None = None):
    """The model's dependency graph with a ``polarity`` (+1, -1 or 0) on every edge.

    Node attribute ``stock`` is True for stocks. Operating points: ``points`` evenly spaced
    times of PySD runs of the model at its own defaults and with each of ``params`` (default:
    for the project's model, the scenario values of :data:`OPERATING_PRESETS` at complexity 0.5
    and 0.9). A link is 0 when its sign differs between points or no point moves it.
    """
    import networkx as nx

    if Path(str(model)).suffix.lower() == ".xmile":
        raise HlssimError(f"{model}: the diagram reads Vensim .mdl files only (not XMILE)")
    eqs = {n: e for n, e in read_mdl(model).items() if n not in CONTROL_NAMES}
    constants = {n for n, e in eqs.items() if NUMBER.match(e.expression)}
    variables = [n for n in eqs if n not in constants]
    names = _Names(eqs)
    causes_of = {name: names.rewrite(causal_expression(eqs[name])) for name in variables}
    graph = nx.DiGraph()
    for name in variables:
        graph.add_node(name, stock=eqs[name].is_stock)
    for name in variables:
        for token in sorted(names_in(causes_of[name])):
            cause = names.name_of.get(token)
            if cause is None and token.lower() in _BUILTINS:
                continue
            if cause is None:
                raise HlssimError(f"{model}: '{name}' uses '{token}', which is not defined")
            if cause not in constants:
                graph.add_edge(cause, name)
    if params is None:
        params = _preset_params(model)
    states = [{names.ident_of[n]: v for n, v in state.items()}
              for p in [{}, *params] for state in _operating_points(model, eqs, points, p)]
    for cause, effect in graph.edges:
        graph.edges[cause, effect]["polarity"] = _polarity(
            names.ident_of[cause], _python(causes_of[effect]), states)
    return graph


class _Names:
    """Vensim names (which may hold spaces, and match whatever their case and whether words are
    joined by spaces or underscores) as Python identifiers, so equations can be parsed and
    evaluated: ``Total Population`` in any expression becomes ``Total_Population``."""

    def __init__(self, eqs: dict[str, Equation]):
        self.ident_of: dict[str, str] = {}
        taken = {f.lower() for f in _FUNCTIONS}
        for name in eqs:
            ident = re.sub(r"\W", "_", name)
            if not re.match(r"[A-Za-z_]", ident) or ident.lower() in taken:
                ident = f"_v{len(self.ident_of)}_{ident}"
            taken.add(ident.lower())
            self.ident_of[name] = ident
        self.name_of = {ident: name for name, ident in self.ident_of.items()}
        self._by_key = {self._key(name): name for name in eqs}
        words = sorted(eqs, key=len, reverse=True)  # longest first: "Total Population" before "Total"
        alternatives = "|".join(r"[ _]+".join(map(re.escape, re.split(r"[ _]+", name))) for name in words)
        self._pattern = re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])",
                                   re.IGNORECASE) if words else None

    @staticmethod
    def _key(text: str) -> str:
        return " ".join(re.split(r"[ _]+", text.strip().lower()))

    def rewrite(self, expression: str) -> str:
        if self._pattern is None:
            return expression
        return self._pattern.sub(lambda m: self.ident_of[self._by_key[self._key(m.group(0))]],
                                 expression)


def _preset_params(model) -> list[dict[str, float]]:
    from hlssim.model.scenario import Scenario
    from hlssim.stockflow.commissioning import model_parameters

    if Path(model).name != DEFAULT_MODEL:
        return []
    shared = model_parameters(load_model(model))
    points = [{py: float(s[name]) for name, py in shared.items()}
              for preset in OPERATING_PRESETS for c in (0.5, 0.9)
              for s in [Scenario.from_preset(preset, complexity=c)]]
    # the macro-context sector acts only when politicians respond (as in a hybrid run)
    return points + [p | {"political_response": 1.0} for p in points[1::2]]


def _operating_points(model, eqs, points: int, params: dict) -> list[dict[str, float]]:
    import warnings

    from hlssim.stockflow.pysd_support import quiet

    m = load_model(model)
    final = float(eqs["FINAL TIME"].expression) if "FINAL TIME" in eqs else 100.0
    start = float(eqs["INITIAL TIME"].expression) if "INITIAL TIME" in eqs else 0.0
    times = np.linspace(start, final, max(points, 1))
    ctx = quiet()
    try:
        warnings.simplefilter("ignore", UserWarning)
        out = m.run(params=params, return_columns=list(eqs), return_timestamps=times, reload=True,
                    progress=False)
    finally:
        ctx.__exit__(None, None, None)
    return [{name: float(out[name].iloc[i]) for name in eqs} for i in range(len(out))]


def _polarity(cause: str, expression: str, states: list[dict[str, float]]) -> int:
    try:
        code = compile(expression, "<equation>", "eval")
    except SyntaxError:  # Vensim syntax Python cannot read (``DELAY N(...)``): sign unknown
        return 0

    def at(state, x):
        try:
            value = eval(code, _ENV, state | {cause: x})  # the model's own equations
        except (ZeroDivisionError, ValueError, OverflowError, NameError, TypeError):
            return None  # outside the function's domain, or a function not evaluated here
        return float(value) if isinstance(value, (int, float, bool, np.number)) else None

    signs = set()
    for state in states:
        x = state[cause]
        h = 1e-4 * max(1.0, abs(x))
        up, mid, down = at(state, x + h), at(state, x), at(state, x - h)
        if up is not None and down is not None:
            diff = up - down
        elif up is not None and mid is not None:  # one-sided at a boundary (e.g. 0 ** 1.5)
            diff = up - mid
        elif down is not None and mid is not None:
            diff = mid - down
        else:
            continue
        if abs(diff) > 1e-12:
            signs.add(1 if diff > 0 else -1)
    return signs.pop() if len(signs) == 1 else 0


def feedback_loops(graph, max_length: int | None = 8) -> list[Loop]:
    """The simple cycles of ``graph`` (up to ``max_length`` links), shortest first."""
    import networkx as nx

    loops = []
    for cycle in nx.simple_cycles(graph, length_bound=max_length):
        i = cycle.index(min(cycle))
        cycle = cycle[i:] + cycle[:i]  # a canonical start, so the order is reproducible
        sign = 1
        for a, b in zip(cycle, cycle[1:] + cycle[:1]):
            sign *= graph.edges[a, b]["polarity"]
        loops.append(Loop(tuple(cycle), sign))
    return sorted(loops, key=lambda lp: (len(lp.nodes), lp.nodes))


def draw(graph, loops: list[Loop], out: str | Path, title: str = "", show_loops: int = 12,
         named: list[NamedLoop] = ()) -> Path:
    """Draw the diagram: stocks in boxes, links blue (+) or vermillion (-) with their sign; beside it the
    named loops (``named``, see :func:`name_loops`) and then the shortest other loops. Only
    variables on at least one loop are drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    on_loops = {n for lp in loops for n in lp.nodes}
    sub = graph.subgraph(on_loops).copy() if on_loops else graph
    pos = nx.kamada_kawai_layout(sub) if len(sub) > 1 else {n: (0, 0) for n in sub}
    fig, (ax, side) = plt.subplots(1, 2, figsize=(22, 14), gridspec_kw={"width_ratios": [3, 1]})
    colour = {1: "#0072B2", -1: "#D55E00", 0: "#999999"}  # Okabe-Ito: blue, vermillion, grey
    for (a, b), pol in nx.get_edge_attributes(sub, "polarity").items():
        nx.draw_networkx_edges(sub, pos, edgelist=[(a, b)], ax=ax, edge_color=colour[pol],
                               arrows=True, arrowsize=12, node_size=1800,
                               connectionstyle="arc3,rad=0.12", alpha=0.7)
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.text(x0 + 0.75 * (x1 - x0), y0 + 0.75 * (y1 - y0), {1: "+", -1: "−", 0: "±"}[pol],
                color=colour[pol], fontsize=11, fontweight="bold", ha="center", va="center")
    for node, (x, y) in pos.items():
        stock = sub.nodes[node].get("stock", False)
        ax.text(x, y, node.replace("_", " "), ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "square,pad=0.4" if stock else "round,pad=0.3",
                      "fc": "lightyellow" if stock else "white",
                      "ec": "black" if stock else "lightgray"})
    ax.set_axis_off()
    n_r = sum(lp.polarity == 1 for lp in loops)
    n_b = sum(lp.polarity == -1 for lp in loops)
    n_q = len(loops) - n_r - n_b
    ax.set_title(title or f"Causal loop diagram: {len(loops)} feedback loops ({n_r} reinforcing, "
                 f"{n_b} balancing, {n_q} with a link whose sign depends on the state); boxes are "
                 "stocks; blue +, vermillion −")
    side.set_axis_off()
    minor = [lp for lp in loops if len(lp.nodes) <= 2]  # a stock and its own net flow
    major = [lp for lp in loops if len(lp.nodes) > 2]
    named_loops = {n.loop for n in named if n.loop is not None}
    others = [lp for lp in major if lp not in named_loops]
    listed = "\n\n".join(str(lp) for lp in others[:show_loops])
    more = f"\n\n... and {len(others) - show_loops} longer loops" if len(others) > show_loops else ""
    legend = ""
    if named:
        legend = "Main loops, named by the variables on them\n\n" + "\n\n".join(
            str(n) for n in named) + "\n\n\n"
    side.text(0, 1, legend + f"Shortest other loops through more than one stock or flow "
              f"({len(minor)} first-order loops of a stock and its own net flow not listed)\n\n"
              + listed + more, va="top", ha="left", fontsize=7, wrap=True, transform=side.transAxes)
    out = Path(out)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
