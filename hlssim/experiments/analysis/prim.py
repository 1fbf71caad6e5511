"""PRIM (the Patient Rule Induction Method, Friedman and Fisher 1999) for scenario discovery.

The peeling phase as EMA Workbench's ``ema_workbench.analysis.prim.Prim`` does it for numeric
factors, so that the two give the same peeling trajectory (``tests/test_prim.py`` checks this
against ema_workbench on known cases): start from the box holding every point; at each step, for
every factor, try cutting off the points below its ``alpha`` quantile or above its ``1 - alpha``
quantile (ema_workbench's ``get_quantile``, which never splits tied values); keep the cut with the
largest gain in the box's mean per point removed (its ``LENIENT1`` objective; ties go to the box
restricting fewer factors, then to the first tried), while the box keeps at least ``mass_min`` of
the points and the gain is positive. Pasting (ema_workbench's second phase) is not done.

Each step of the trajectory records the box's ``coverage`` (the share of all cases of interest
inside it), ``density`` (the share of its points that are cases of interest), ``mass`` (its share
of all points) and ``res_dim`` (how many factors it restricts). Peeling trades coverage for
density; :func:`choose_box` picks the box by a stated rule: **the densest box with coverage at
least** ``MIN_COVERAGE`` **(0.5)**, the later (smaller) one on ties — the usual choice of keeping
at least half of the cases explained.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> x = pd.DataFrame({"a": rng.random(400), "b": rng.random(400)})
>>> result = prim(x, ((x.a < 0.3) & (x.b > 0.5)).to_numpy())
>>> box = result.chosen
>>> print(box.condition(), f"coverage {box.coverage:.2f}, density {box.density:.2f}")
a < 0.303 and b > 0.529 coverage 0.96, density 1.00
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: The rule choosing a box on the trajectory: the densest with at least this coverage.
MIN_COVERAGE = 0.5
PEEL_ALPHA = 0.05
MASS_MIN = 0.05


def quantile(values: np.ndarray, q: float) -> float:
    """ema_workbench's ``get_quantile``: the midpoint between neighbouring sorted values, moved
    outwards past ties so that a peel never splits equal values."""
    data = np.sort(values)
    i = (len(data) - 1) * q
    lo, hi = int(math.floor(i)), int(math.ceil(i))
    if q > 0.5:
        while data[lo] == data[hi] and lo > 0:
            lo -= 1
    else:
        while data[lo] == data[hi] and hi < len(data) - 1:
            hi += 1
    return float((data[lo] + data[hi]) / 2)


@dataclass(frozen=True)
class PrimBox:
    """One box of the trajectory: ``limits[name] = (low, high)`` (inclusive, the data's range
    when unrestricted) and its statistics."""

    step: int
    limits: dict[str, tuple[float, float]]
    restricted: tuple[str, ...]
    coverage: float
    density: float
    mass: float
    points: int

    def condition(self) -> str:
        """The box as a rule in words, over the factors it restricts."""
        parts = []
        for name in self.restricted:
            lo, hi = self.limits[name]
            low, high = self.full[name]
            if lo > low and hi < high:
                parts.append(f"{lo:.3g} <= {name} <= {hi:.3g}")
            elif lo > low:
                parts.append(f"{name} > {lo:.3g}")
            else:
                parts.append(f"{name} < {hi:.3g}")
        return " and ".join(parts) or "everywhere in the design"

    full: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory (one box per step, the first holding every point) and the box the
    coverage/density rule chose."""

    boxes: list[PrimBox]
    chosen: PrimBox
    rule: str = (f"the densest box on the peeling trajectory with coverage at least {MIN_COVERAGE}")

    def trajectory(self) -> pd.DataFrame:
        """The trajectory as a table: step, coverage, density, mass, res_dim, points, box."""
        return pd.DataFrame({
            "step": [b.step for b in self.boxes], "coverage": [b.coverage for b in self.boxes],
            "density": [b.density for b in self.boxes], "mass": [b.mass for b in self.boxes],
            "res_dim": [len(b.restricted) for b in self.boxes],
            "points": [b.points for b in self.boxes],
            "box": [b.condition() for b in self.boxes],
            "chosen": [b.step == self.chosen.step for b in self.boxes]})


def prim(x: pd.DataFrame, y: np.ndarray, peel_alpha: float = PEEL_ALPHA,
         mass_min: float = MASS_MIN) -> PrimResult:
    """Peel ``x`` (numeric factors, one row per point) towards the points where ``y`` (bool, or
    0/1) is true; return the trajectory and the chosen box."""
    names = list(x.columns)
    values = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    n, total = len(y), float(y.sum())
    full = {c: (float(values[:, j].min()), float(values[:, j].max())) for j, c in enumerate(names)}
    limits = dict(full)
    inside = np.arange(n)
    boxes = [_box(0, limits, full, y, inside, n, total)]
    while True:
        mean_old = y[inside].mean()
        best = None
        for j, name in enumerate(names):
            xj = values[inside, j]
            for upper in (True, False):  # ema_workbench tries the upper peel first
                cut = quantile(xj, 1 - peel_alpha if upper else peel_alpha)
                keep = inside[xj <= cut] if upper else inside[xj >= cut]
                new = dict(limits) | {name: (limits[name][0], cut) if upper else (cut, limits[name][1])}
                obj = _lenient1(mean_old, len(inside), y[keep])
                free = len(names) - len(_restricted(new, full))
                if best is None or (obj, free) > (best[0], best[1]):
                    best = (obj, free, new, keep)
        obj, _, new, keep = best
        if not (len(keep) / n >= mass_min and len(keep) < len(inside) and obj > 0):
            break
        limits, inside = new, keep
        boxes.append(_box(len(boxes), limits, full, y, inside, n, total))
    return PrimResult(boxes, choose_box(boxes))


def choose_box(boxes: list[PrimBox], min_coverage: float = MIN_COVERAGE) -> PrimBox:
    """The densest box with coverage at least ``min_coverage`` (the later one on ties)."""
    allowed = [b for b in boxes if b.coverage >= min_coverage] or boxes[:1]
    return max(allowed, key=lambda b: (round(b.density, 12), b.step))


def _lenient1(mean_old: float, n_old: int, y_new: np.ndarray) -> float:
    mean_new = y_new.mean() if len(y_new) else 0.0
    if mean_new == mean_old or n_old == len(y_new):
        return 0.0
    return float((mean_new - mean_old) / abs(n_old - len(y_new)))


def _restricted(limits, full) -> tuple[str, ...]:
    return tuple(k for k in limits if limits[k] != full[k])


def _box(step, limits, full, y, inside, n, total) -> PrimBox:
    k = len(inside)
    hits = float(y[inside].sum())
    return PrimBox(step, dict(limits), _restricted(limits, full), hits / total if total else 0.0,
                   hits / k if k else 0.0, k / n, k, full)


def plot_trajectory(result: PrimResult, title: str, path) -> None:
    """The peeling trajectory: density against coverage, each box coloured by how many factors
    it restricts, the chosen box ringed and its rule written below."""
    import matplotlib.pyplot as plt

    from hlssim.figures.report_figures import save_figure

    t = result.trajectory()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.plot(t["coverage"], t["density"], color="#999999", lw=1, zorder=1)
    dims = sorted(set(t["res_dim"]))
    cmap = plt.get_cmap("viridis", max(2, len(dims)))
    for i, d in enumerate(dims):
        part = t[t["res_dim"] == d]
        ax.scatter(part["coverage"], part["density"], color=cmap(i), s=28, zorder=2,
                   label=f"{d} factor{'s' if d != 1 else ''} restricted")
    c = result.chosen
    ax.scatter([c.coverage], [c.density], s=180, facecolors="none", edgecolors="#D55E00",
               linewidths=2, zorder=3, label="chosen box")
    ax.axvline(MIN_COVERAGE, color="#D55E00", lw=0.8, ls=":")
    ax.set_xlim(-0.02, 1.02), ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("coverage (share of all cases of interest inside the box)")
    ax.set_ylabel("density (share of the box's points\nthat are cases of interest)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    fig.text(0.01, 0.01, _wrap(f"Chosen ({result.rule}): {c.condition()}; coverage "
                              f"{c.coverage:.2f}, density {c.density:.2f}"), fontsize=8, va="bottom")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    save_figure(fig, path)


def _wrap(text: str, width: int = 110) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
