"""The main feedback loops for a commissioner: each drawn on its own as a small labelled circle.

The full causal loop diagram (:mod:`hlssim.ui.loop_diagram`) holds thousands of loops and is for
modellers. A commissioner needs the few loops the model names (``models/*.loops.toml``), each
as a circle of a handful of things in plain words with the sign of each link. A found loop passes
through helper variables (a "change" rate, a "target" level); :func:`simplify` keeps the
variables the loop is named by and gives each step the product of the signs along the way, so the
circle's signs are still the model's own. :func:`gaming_role` says what a loop does to gaming:
drives it (reinforcing, inside the service), drives it only through politics, or holds it back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch

from hlssim.figures.explorer_charts import png_bytes
from hlssim.stockflow.loops import NamedLoop

#: Plain words for the variables the named loops pass through.
WORDS: Mapping[str, str] = {
    "trust_manager_worker": "trust between managers and workers",
    "learning_speed": "how fast workers learn",
    "knowledge_accuracy": "knowing what helps whom",
    "help_fit": "help that fits the person",
    "gaming_norm": "gaming",
    "gaming_target": "pull to game",
    "public_trust": "public trust",
    "political_pressure": "political pressure",
    "applied_target_pressure": "pressure of targets",
    "applied_audit_rate": "audits",
    "failure_demand": "people coming back",
    "stress_mean": "staff stress",
    "turnover_rate": "staff leaving",
    "failure_returns": "returns after help that did not fit",
    "capacity": "time for each person",
    "help_rate": "help given",
    "crowd_in": "autonomy and trust for workers",
    "motivation_mean": "workers' own motivation",
    "system_barriers": "upstream barriers",
    "wellbeing_mean": "people's wellbeing",
    "trust_commissioner_provider": "trust between commissioner and providers",
    "escalation": "learning taken upstream",
}

#: Variables that put a loop in the political context (acting only where politics responds).
POLITICS = frozenset({"political_pressure", "public_trust"})


def words(variable: str) -> str:
    """A variable in plain words (its name with spaces when it has none)."""
    return WORDS.get(variable, variable.replace("_", " "))


@dataclass(frozen=True)
class Circle:
    """A named loop reduced to its named variables: (variable, sign of the link to the next)."""

    name: str
    kind: str  # "R", "B" or "?" as found in the equations
    steps: tuple[tuple[str, int], ...]
    about: str
    role: str  # what it does to gaming ("" if it does not pass through gaming)


def simplify(named: NamedLoop, polarity: Mapping[tuple[str, str], int]) -> Circle | None:
    """The loop as a circle of its named variables (None if the model has no such loop).
    ``polarity`` gives each link's sign (+1, -1, or 0 when it depends on the state)."""
    loop = named.loop
    if loop is None:
        return None
    nodes = list(loop.nodes)
    named_ones = [n for n in nodes if n in set(named.spec.through)]
    keep = [n for n in named_ones if not n.endswith("_change")]  # a rate: its stock says it
    keep = keep if len(keep) >= 3 else (named_ones or nodes)
    start = nodes.index(keep[0])
    ring = nodes[start:] + nodes[:start]
    steps, sign, current = [], 1, ring[0]
    for a, b in zip(ring, ring[1:] + ring[:1]):
        sign *= polarity.get((a, b), 0)
        if b in keep:
            steps.append((current, sign))
            current, sign = b, 1
    return Circle(named.spec.name, loop.kind, tuple(steps), plain_about(named.spec.about, nodes),
                  gaming_role(loop.kind, nodes))


def plain_about(about: str, nodes) -> str:
    """The sidecar's sentence without code names: a note on the political context instead."""
    text = re.sub(r"\s*\(macro context[^)]*\)", "", about).strip()
    if POLITICS & set(nodes):
        text += (" It runs through politics, so it acts only where politicians answer gaming "
                 "scandals (with harder targets or more audits).")
    return text


def gaming_role(kind: str, nodes) -> str:
    """What the loop does to gaming, from its kind and whether it runs through politics."""
    if "gaming_norm" not in nodes:
        return ""
    if kind == "B":
        return "holds gaming back"
    if POLITICS & set(nodes):
        return "drives gaming, where politics answers scandals"
    return "drives gaming inside the service"


def circle_png(circle: Circle, size: float = 3.6) -> bytes:
    """The circle drawn small: its variables around a ring, arrows with their signs, the loop's
    kind in the middle (R: reinforcing, B: balancing)."""
    fig, ax = plt.subplots(figsize=(size, size))
    ax.set_xlim(-1.75, 1.75)
    ax.set_ylim(-1.6, 1.6)
    ax.axis("off")
    n = len(circle.steps)
    angles = [math.pi / 2 - 2 * math.pi * k / n for k in range(n)]
    points = [(math.cos(a), math.sin(a)) for a in angles]
    for k, (variable, sign) in enumerate(circle.steps):
        x, y = points[k]
        label = "\n".join(_lines(words(variable), 16))
        ax.text(x, y, label, ha="center", va="center", fontsize=8.5,
                bbox={"boxstyle": "round,pad=0.3", "fc": "#f2f2f2", "ec": "#999999"})
        nx, ny = points[(k + 1) % n]
        colour = {1: "#0072B2", -1: "#D55E00"}.get(sign, "#555555")
        ax.add_patch(FancyArrowPatch((x, y), (nx, ny), connectionstyle="arc3,rad=-0.35",
                                     arrowstyle="-|>", mutation_scale=14, lw=1.8, color=colour,
                                     shrinkA=24, shrinkB=24))
        mx, my = (x + nx) / 2 * 1.5, (y + ny) / 2 * 1.5
        ax.text(mx, my, {1: "+", -1: "−"}.get(sign, "±"), ha="center", va="center",
                fontsize=14, weight="bold", color=colour)
    ax.text(0, 0, {"R": "R\nreinforcing", "B": "B\nbalancing"}.get(circle.kind, "?"),
            ha="center", va="center", fontsize=9, color="#333333")
    fig.subplots_adjust(0, 0, 1, 1)
    return png_bytes(fig, dpi=110)


def _lines(text: str, width: int) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return out + [line]
