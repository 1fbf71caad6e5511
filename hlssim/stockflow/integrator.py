"""Many runs of a stock-flow model at once: the model's own equations integrated over numpy arrays.

PySD runs one parameter set at a time (about 0.15 s a run of the project's model here), so a
sweep of 1,000 stock-flow runs takes minutes. :class:`BatchedSD` reads the same ``.mdl`` equations
(:func:`hlssim.stockflow.commissioning.read_mdl`), compiles them once into one numpy function, and integrates every
parameter set together with PySD's scheme (Euler, ``TIME STEP``; auxiliaries evaluated from the
stocks at each saved time), so each variable is an array over parameter sets. Tests check it
against PySD to 1e-9 on random parameter sets; benchmarks/bench_sd.py measures the speed-up.

It takes any Vensim model written in the subset this project uses: ``INTEG`` stocks, constants,
auxiliaries with ``+ - * / ^``, comparisons, ``MIN``, ``MAX``, ``IF THEN ELSE``, ``ABS``, ``EXP``,
``LN``, ``SQRT`` and ``Time``; no subscripts, lookups, delays or macros (a model using them is
refused with one line naming the function). For the project's model, :func:`run_sd_many` gives
:func:`hlssim.stockflow.commissioning.run_sd`'s table for many scenarios at once.

>>> from hlssim import Scenario
>>> t = run_sd_many([Scenario.from_preset("hls", steps=3), Scenario.from_preset("npm_targets", steps=3)])
>>> list(t["run"]), list(t["step"])
([0, 0, 0, 1, 1, 1], [1, 2, 3, 1, 2, 3])
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.scenario import Scenario
from hlssim.stockflow.commissioning import (
    CONTROL_NAMES,
    DEFAULT_MODEL,
    IDENT,
    NUMBER,
    model_path,
    read_mdl,
    regime_segments,
    rewrite_if_then_else,
    split_args,
)

# --- Vensim functions beyond arithmetic, as PySD computes them (pysd/py_backend/functions.py, 3.x),
# elementwise over parameter sets; the time functions take the time and time step first.

#: PySD's tolerance for a zero denominator and for time comparisons (``SMALL_VENSIM``).
SMALL_VENSIM = 1e-6


def vstep(t, dt, value, tstep):
    """``STEP(value, tstep)``: ``value`` from ``tstep`` on (PySD: ``time + dt/2 > tstep``)."""
    return value * (t + dt / 2 > tstep)


def vramp(t, dt, slope, start, finish=None):
    """``RAMP(slope, start, finish)``: 0 before ``start``, then rising by ``slope``, flat after ``finish``."""
    final = t if finish is None else np.minimum(finish, t)
    return (t + SMALL_VENSIM > start) * slope * (final - start)


def vpulse(t, dt, start, width=None):
    """``PULSE(start, width)``: 1 on ``[start, start + width)``, else 0 (a zero width: half a step)."""
    width = 0.5 * dt if width is None else width
    return np.where((start - SMALL_VENSIM <= t) & (t < start + width), 1.0, 0.0)


def vzidz(a, b):
    """``ZIDZ(a, b)``: ``a / b``, or 0 where ``|b| < 1e-6``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(b) < SMALL_VENSIM, 0.0, np.divide(a, b))


def vxidz(a, b, x):
    """``XIDZ(a, b, x)``: ``a / b``, or ``x`` where ``|b| < 1e-6``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(b) < SMALL_VENSIM, x, np.divide(a, b))


def vinteger(x):
    """``INTEGER(x)``: ``x`` truncated toward zero (PySD: ``int(x)``)."""
    return np.trunc(x)


def vmodulo(x, m):
    """``MODULO(x, m)``: ``x - QUANTUM(x, m)``, the remainder of truncated division (PySD's);
    ``m <= 0``: 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m > 0, x - m * np.trunc(np.divide(x, m)), 0.0)


#: Vensim name -> the name the compiled code calls (plain functions).
VENSIM_FUNCTIONS = {"SIN": "_sin", "COS": "_cos", "TAN": "_tan", "ARCSIN": "_arcsin", "ARCCOS": "_arccos",
             "ARCTAN": "_arctan", "ZIDZ": "_vzidz", "XIDZ": "_vxidz", "INTEGER": "_vinteger",
             "MODULO": "_vmodulo"}
#: Vensim name -> the name called with the time and time step first.
TIME_FUNCTIONS = {"STEP": "_vstep", "RAMP": "_vramp", "PULSE": "_vpulse"}
#: What the compiled code's namespace needs for both.
VENSIM_ENV = {"_sin": np.sin, "_cos": np.cos, "_tan": np.tan, "_arcsin": np.arcsin, "_arccos": np.arccos,
       "_arctan": np.arctan, "_vzidz": vzidz, "_vxidz": vxidz, "_vinteger": vinteger,
       "_vmodulo": vmodulo, "_vstep": vstep, "_vramp": vramp, "_vpulse": vpulse}


_FUNCTIONS = {"MIN": "_min", "MAX": "_max", "ABS": "_abs", "EXP": "_exp", "LN": "_log",
              "SQRT": "_sqrt"} | VENSIM_FUNCTIONS
_TIME_FUNCTIONS = TIME_FUNCTIONS
_KEYWORDS = {"INTEG", "IF", "THEN", "ELSE", *_FUNCTIONS, *_TIME_FUNCTIONS}
_ENV = {"_min": np.minimum, "_max": np.maximum, "_abs": np.abs, "_exp": np.exp, "_log": np.log,
        "_sqrt": np.sqrt, "_where": np.where, "np": np} | VENSIM_ENV


def _numpy(expr: str, where: str) -> str:
    """A Vensim expression of the subset as numpy Python."""
    expr = rewrite_if_then_else(expr, lambda cond, a, b: f"_where({cond}, {a}, {b})")
    for word in dict.fromkeys(IDENT.findall(expr)):  # in order of appearance: one reason, every run
        if word.isupper() and word not in _FUNCTIONS and word not in _TIME_FUNCTIONS and word != "Time" \
                and word not in ("E",):
            raise HlssimError(f"{where}: uses {word}, which the batched integrator does not implement")
    for name, py in _FUNCTIONS.items():
        expr = re.sub(rf"\b{name}\s*\(", f"{py}(", expr)
    for name, py in _TIME_FUNCTIONS.items():  # STEP, RAMP, PULSE: the time and time step first
        expr = re.sub(rf"\b{name}\s*\(", f"{py}(Time, _DT, ", expr)
    return expr.replace("^", "**").replace(":AND:", "&").replace(":OR:", "|").replace("<>", "!=")


def _names(expr: str) -> set[str]:
    return {w for w in IDENT.findall(expr) if w not in _KEYWORDS and not w.startswith("_")}


class BatchedSD:
    """A Vensim model (this project's subset) compiled to integrate many parameter sets at once.

    ``constants`` maps each constant to its default; ``stocks`` and ``auxiliaries`` list the
    rest (auxiliaries in evaluation order).
    """

    def __init__(self, mdl: str | Path = DEFAULT_MODEL):
        path = model_path(mdl)
        if path.suffix.lower() != ".mdl":
            raise HlssimError(f"batched stock-flow runs: '{path.name}' is not a Vensim .mdl file")
        eqs = read_mdl(path)
        self.path = path
        for n, e in eqs.items():
            if "[(" in e.expression or "[(" in n or "LOOKUP" in e.expression.upper():
                raise HlssimError(f"{path.name}: {n}: uses a lookup table, which the batched "
                                  "integrator does not implement")
        # Vensim names ignore case and treat spaces and underscores alike: one identifier each
        self.py_name = {n: re.sub(r"[\s_]+", "_", n.strip()).lower() for n in eqs}
        self.model_name = {py: n for n, py in self.py_name.items()}
        patterns = [(re.compile(r"(?<![A-Za-z0-9_])" + r"[\s_]+".join(map(re.escape, n.split()))
                                + r"(?![A-Za-z0-9_])", re.IGNORECASE), py)
                    for n, py in sorted(self.py_name.items(), key=lambda kv: -len(kv[0]))]

        def rename(expr: str) -> str:
            for pattern, py in patterns:
                expr = pattern.sub(py, expr)
            return expr

        self.control = {}
        pending = [n for n in CONTROL_NAMES if n in eqs]
        for _ in range(len(pending)):  # e.g. SAVEPER = TIME STEP: resolve in dependency order
            for n in list(pending):
                known = {self.py_name[c]: v for c, v in self.control.items()}
                expr = rename(eqs[n].expression)
                if _names(expr) <= set(known):
                    self.control[n] = float(eval(expr, {"__builtins__": {}}, known))
                    pending.remove(n)
        if pending:
            raise HlssimError(f"{path.name}: cannot read {', '.join(pending)} (expected numbers)")
        body = {self.py_name[n]: e for n, e in eqs.items() if n not in CONTROL_NAMES}
        self.constants = {n: float(e.expression) for n, e in body.items() if NUMBER.match(e.expression)}
        self.stocks: dict[str, tuple[str, str]] = {}
        aux: dict[str, str] = {}
        for name, e in body.items():
            if name in self.constants:
                continue
            where = f"{path.name}: {self.model_name[name]}"
            if e.is_stock:
                inner = e.expression.strip()[e.expression.index("(") + 1:-1]
                flow, initial = split_args(rename(inner))
                self.stocks[name] = (_numpy(flow, where), _numpy(initial, where))
            else:
                aux[name] = _numpy(rename(e.expression), where)
        known = set(body) | {"Time"}
        for name, expr in [*aux.items(), *[(n, f + " " + i) for n, (f, i) in self.stocks.items()]]:
            missing = _names(expr) - known
            if missing:
                raise HlssimError(f"{path.name}: '{self.model_name[name]}' uses "
                                  f"{', '.join(sorted(missing))}, not defined")
        graph = {n: _names(expr) & set(aux) for n, expr in aux.items()}
        try:
            self.auxiliaries = list(TopologicalSorter(graph).static_order())
        except CycleError as err:
            raise HlssimError(f"{path.name}: auxiliaries depend on each other in a loop "
                              f"({' -> '.join(err.args[1])}) with no stock between") from None
        self._aux = aux
        self._step = self._compile()

    def _compile(self):
        stocks, aux = list(self.stocks), self.auxiliaries
        lines = ["def _eval(_S, _P, Time):", "    _DT = _P['_DT']"]
        lines += [f"    {n} = _P[{n!r}]" for n in self.constants]
        lines += [f"    {n} = _S[{i}]" for i, n in enumerate(stocks)]
        lines += [f"    {n} = {self._aux[n]}" for n in aux]
        lines.append("    return [" + ", ".join(f"({self.stocks[n][0]})" for n in stocks) + "], {"
                     + ", ".join(f"{n!r}: {n}" for n in stocks + aux) + "}")
        namespace = dict(_ENV)
        exec(compile("\n".join(lines), f"<{self.path.name}>", "exec"), namespace)  # noqa: S102 - the model's own equations
        return namespace["_eval"]

    def _initial(self, P: dict, n: int) -> list[np.ndarray]:
        """Stocks' initial values: constant-only auxiliaries first, then the initial expressions."""
        env = dict(_ENV) | dict(P) | {"Time": self.control.get("INITIAL TIME", 0.0)}
        for name in self.auxiliaries:
            if _names(self._aux[name]) <= set(env) - set(_ENV):
                env[name] = eval(self._aux[name], env)
        out = []
        for name, (_, initial) in self.stocks.items():
            missing = _names(initial) - set(env)
            if missing:
                raise HlssimError(f"{self.path.name}: initial value of '{name}' depends on "
                                  f"{', '.join(sorted(missing))}, which depends on a stock")
            out.append(np.broadcast_to(np.asarray(eval(initial, env), dtype=float), (n,)).copy())
        return out

    def resolve(self, name: str) -> str:
        """The identifier of a variable given by its model name (any case, spaces or
        underscores) or its identifier; unknown names are returned unchanged."""
        return self.py_name.get(name) or re.sub(r"[\s_]+", "_", str(name).strip()).lower()

    def _params(self, params: Mapping[str, object], n: int | None = None):
        params = {self.resolve(k): v for k, v in params.items()}
        unknown = sorted(set(params) - set(self.constants))
        if unknown:
            raise HlssimError(f"{self.path.name}: {', '.join(unknown)} not constants of the model")
        arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
        sizes = {a.shape[0] for a in arrays.values() if a.shape != (1,)}
        if n is not None:
            sizes.add(n)
        if len(sizes) > 1 or any(a.ndim != 1 for a in arrays.values()):
            raise HlssimError(f"{self.path.name}: parameter arrays must be 1-D and of one length "
                              f"(got lengths {sorted(sizes)})")
        n = sizes.pop() if sizes else 1
        full = {k: np.full(n, v) for k, v in self.constants.items()}
        full |= {k: np.broadcast_to(a, (n,)).copy() for k, a in arrays.items()}
        return full, n

    def run(self, params: Mapping[str, object] | None = None, *, final_time: float | None = None,
            time_step: float | None = None, return_timestamps: Sequence[float] | None = None,
            columns: Sequence[str] | None = None, params_after: Mapping[str, object] | None = None,
            switch_time: object = math.inf) -> dict[str, np.ndarray]:
        """Integrate every parameter set; return ``{variable: array (sets, timestamps)}``, keyed
        by identifier (the model name in lower case with underscores for spaces).

        ``params`` maps constants to scalars or 1-D arrays (one value per set; scalars apply to
        all). ``params_after`` with ``switch_time`` (a scalar or one time per set) changes
        constants mid-run as a PySD run continued with ``initial_condition="current"`` from
        ``switch_time`` does: the Euler step from ``switch_time`` on, and values saved after it,
        use the new constants. ``return_timestamps`` default: every SAVEPER from the start.
        """
        P, n = self._params(params or {})
        after = {**P}
        if params_after:
            changed, _ = self._params(params_after, n)
            given = {self.resolve(k) for k in params_after}
            after = {k: changed[k] if k in given else v for k, v in P.items()}
        switch = np.broadcast_to(np.asarray(switch_time, dtype=float), (n,))
        start = self.control.get("INITIAL TIME", 0.0)
        stop = self.control.get("FINAL TIME", 100.0) if final_time is None else float(final_time)
        dt = self.control.get("TIME STEP", 1.0) if time_step is None else float(time_step)
        P["_DT"] = after["_DT"] = dt  # the time functions' time step (vstep, vramp, vpulse)
        saveper = self.control.get("SAVEPER", dt)
        times = (np.arange(start, stop + saveper / 2, saveper) if return_timestamps is None
                 else np.asarray(return_timestamps, dtype=float))
        columns = ([self.resolve(c) for c in columns] if columns is not None
                   else list(self.stocks) + self.auxiliaries)
        bad = [c for c in columns if c not in self.stocks and c not in self._aux]
        if bad:
            raise HlssimError(f"{self.path.name}: {', '.join(bad)} not variables of the model")
        out = {c: np.empty((n, len(times))) for c in columns}
        state = self._initial(P, n)
        wanted = {round(float(t) / dt): i for i, t in enumerate(times - start)}
        steps = max(wanted) if wanted else 0
        switching = params_after is not None

        def constants_at(mask):
            if not switching or not mask.any():
                return P
            return {k: np.where(mask, after[k], v) for k, v in P.items()}

        t = start
        for k in range(steps + 1):
            if k in wanted:
                _, values = self._step(state, constants_at(t > switch), t)
                for c in columns:
                    out[c][:, wanted[k]] = values[c]
            if k == steps:
                break
            flows, _ = self._step(state, constants_at(t >= switch), t)
            state = [s + f * dt for s, f in zip(state, flows)]
            t = t + dt
        return out


_CACHE: dict[tuple[str, float], BatchedSD] = {}


def batched_model(mdl: str | Path = DEFAULT_MODEL) -> BatchedSD:
    """:class:`BatchedSD` for ``mdl``, compiled once per file content."""
    path = model_path(mdl)
    key = (str(path.resolve()), path.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = BatchedSD(path)
    return _CACHE[key]


def run_sd_many(scenarios: Sequence[Scenario], *, model: str | Path = DEFAULT_MODEL,
                extra: tuple[str, ...] = (), sd_params: Mapping[str, float] | None = None) -> pd.DataFrame:
    """:func:`hlssim.stockflow.commissioning.run_sd`'s table for every scenario (one integration over all of them),
    stacked with a leading ``run`` column (the scenario's position). Scenarios must share
    ``steps``; a regime switch may differ between them."""
    scenarios = list(scenarios)
    if not scenarios or not all(isinstance(s, Scenario) for s in scenarios):
        raise HlssimError("run_sd_many(): expected a non-empty list of hlssim.Scenario")
    steps = {int(s.steps) for s in scenarios}
    if len(steps) > 1:
        raise HlssimError(f"run_sd_many(): scenarios must share steps (got {sorted(steps)})")
    steps = steps.pop()
    m = batched_model(model)
    shared = [name for name in Scenario.from_preset("hls") if name in m.constants]
    own = dict(sd_params or {})
    bad = [k for k in own if k not in m.constants or k in shared]
    if bad:
        raise HlssimError(f"run_sd_many(): sd_params {', '.join(bad)} not model-only constants")
    before, after, switch = {}, {}, np.full(len(scenarios), math.inf)
    segs = [regime_segments(s) for s in scenarios]
    for i, seg in enumerate(segs):
        if len(seg) == 2:
            switch[i] = seg[1][1] - 1  # model time at which the second regime takes over
    first = [seg[0][0] for seg in segs]
    last = [seg[-1][0] for seg in segs]
    for name in shared:
        before[name] = np.array([float(s[name]) for s in first])
        after[name] = np.array([float(s[name]) for s in last])
    for k, v in own.items():
        before[k] = after[k] = np.full(len(scenarios), float(v))
    metrics = [name for name in METRIC_NAMES if name in m._aux or name in m.stocks]
    for name in extra:
        if name not in m._aux and name not in m.stocks:
            raise HlssimError(f"run_sd_many(): '{name}' is not a variable of the stock-flow model")
    columns = metrics + [c for c in extra if c not in metrics]
    out = m.run(before, final_time=steps, return_timestamps=np.arange(1, steps + 1),
                columns=columns, params_after=after, switch_time=switch)
    n = len(scenarios)
    table = pd.DataFrame({c: out[c].ravel() for c in columns})
    table.insert(0, "step", np.tile(np.arange(1, steps + 1, dtype=np.int64), n))
    table.insert(0, "run", np.repeat(np.arange(n, dtype=np.int64), steps))
    return table
