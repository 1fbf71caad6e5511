"""Scenario discovery: where in the space of the other factors does NPM beat HLS on an outcome?

A sweep that runs an NPM-family and an HLS-family regime at the same values of every other
factor (``preset`` as a grid factor, or a ``compare`` list) gives, per such pair of points, the
difference HLS minus NPM of the outcome's mean over replications. NPM "wins" where it is below
zero. A shallow decision tree (scikit-learn, depth 2, or 3 from :data:`DEEPER_FROM` pairs on) is
fitted to "does NPM win here?" over the other factors; each leaf where NPM wins at most of the
points is a box of parameter space, reported as a rule in words with its coverage (the share of
all NPM wins inside the box) and density (the share of the box's points that are NPM wins).
Nothing is reported as a region unless the data put it there: no NPM wins, no pairs, or wins
scattered so that no leaf holds a majority of them, each get a plain sentence instead.

>>> table = pd.DataFrame({"complexity": [0.1, 0.3, 0.5, 0.7, 0.9],
...                       "difference": [-0.05, -0.02, 0.01, 0.04, 0.08]})
>>> print(find_regions(table, ["complexity"], "hls", "npm_targets").sentences()[0])
NPM (npm_targets) beats HLS (hls) on wellbeing_mean where complexity < 0.4: 2 of 2 points, coverage 1, density 1 (mean difference HLS - NPM -0.035).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

#: Presets of each family (the labels in ``hlssim.model.cases.PRESET_LABELS`` say which is which).
NPM_PRESETS = ("npm_targets", "npm_pbr", "simple_service")
HLS_PRESETS = ("hls", "alliance", "hls_grant")
#: From this many pairs on, the tree may be three levels deep (else two).
DEEPER_FROM = 40


def family(level: str) -> str | None:
    """``"NPM"``, ``"HLS"`` or None for a preset name or a case regime ``CASE/KEY``."""
    preset = level
    if "/" in level:
        from hlssim.model.cases import load_case

        case, _, key = level.partition("/")
        from hlssim.errors import ScenarioError

        try:
            preset = next(r.preset for r in load_case(case).regimes if r.key == key)
        except (ScenarioError, StopIteration):  # an unknown case or key: no family
            return None
    if preset in NPM_PRESETS or preset.startswith("npm_"):
        return "NPM"
    if preset in HLS_PRESETS or preset.startswith("hls"):
        return "HLS"
    return None


def regime_pairs(levels: Sequence[str]) -> list[tuple[str, str]]:
    """Every (HLS-family, NPM-family) pair among ``levels``, in the levels' order; case regimes
    ``CASE/KEY`` pair only within their case (each case has its own world).

    >>> regime_pairs(["gateshead/npm_targets", "gateshead/hls", "plymouth/alliance"])
    [('gateshead/hls', 'gateshead/npm_targets')]
    """
    hls = [v for v in levels if family(v) == "HLS"]
    npm = [v for v in levels if family(v) == "NPM"]

    def case(level: str) -> str | None:
        return level.partition("/")[0] if "/" in level else None

    return [(h, n) for h, n in itertools.product(hls, npm) if case(h) == case(n)]


def paired_differences(means: pd.DataFrame, others: list[str], outcome: str, hls: str,
                       npm: str) -> pd.DataFrame:
    """Per combination of the ``others`` factors run under both regimes: each regime's mean of
    ``outcome``, the difference HLS minus NPM and a 95% (Welch) interval of it, and the pair's
    design points (``hls_point``, ``npm_point``: with ``compare`` the sample is
    ``hls_point // K``).

    ``means`` is :func:`sweepdata.point_means`; points with equal other values under one regime
    (repeated samples) are pooled.
    """
    m = means[(means["output"] == outcome) & means["preset"].isin([hls, npm])].copy()
    m["sum"] = m["mean"] * m["n"]
    m["ss"] = m["sd"].fillna(0.0) ** 2 * (m["n"] - 1) + m["n"] * m["mean"] ** 2
    keys = others or ["_all"]
    if not others:
        m["_all"] = 0
    g = m.groupby([*keys, "preset"], sort=True).agg(
        sum=("sum", "sum"), ss=("ss", "sum"), n=("n", "sum"), point=("point", "min")).reset_index()
    g["mean"] = g["sum"] / g["n"]
    g["var"] = (g["ss"] - g["n"] * g["mean"] ** 2) / (g["n"] - 1).where(g["n"] > 1)
    # unstack, not pivot_table: keeps the variance columns when every one is NaN (1 replication)
    wide = g.set_index([*keys, "preset"])[["mean", "var", "n", "point"]].unstack("preset")
    if wide.empty or hls not in wide["mean"] or npm not in wide["mean"]:
        return pd.DataFrame(columns=[*others, "hls", "npm", "difference", "ci_low", "ci_high",
                                     "hls_point", "npm_point"])
    wide = wide.dropna(subset=[("mean", hls), ("mean", npm)])
    out = wide.index.to_frame(index=False)
    if not others:
        out = out.drop(columns="_all")
    mh, mn = wide[("mean", hls)].to_numpy(), wide[("mean", npm)].to_numpy()
    vh, vn = wide[("var", hls)].to_numpy(), wide[("var", npm)].to_numpy()
    nh, nn = wide[("n", hls)].to_numpy(), wide[("n", npm)].to_numpy()
    se2 = vh / nh + vn / nn
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = se2 ** 2 / ((vh / nh) ** 2 / (nh - 1) + (vn / nn) ** 2 / (nn - 1))
        half = stats.t.ppf(0.975, dof) * np.sqrt(se2)
    out["hls"], out["npm"], out["difference"] = mh, mn, mh - mn
    out["ci_low"], out["ci_high"] = out["difference"] - half, out["difference"] + half
    # the design points (run ids' ``point``) of the pair: each regime's first at these values
    out["hls_point"] = wide[("point", hls)].to_numpy().astype("int64")
    out["npm_point"] = wide[("point", npm)].to_numpy().astype("int64")
    return out


@dataclass(frozen=True)
class Box:
    """A region of the other factors: ``bounds[name] = (low, high)`` (exclusive, None = open)."""

    bounds: dict[str, tuple[float | None, float | None]]
    points: int
    wins: int
    coverage: float
    density: float
    mean_difference: float

    def condition(self) -> str:
        parts = []
        for name, (lo, hi) in self.bounds.items():
            if lo is not None and hi is not None:
                parts.append(f"{lo:.3g} < {name} < {hi:.3g}")
            elif lo is not None:
                parts.append(f"{name} > {lo:.3g}")
            elif hi is not None:
                parts.append(f"{name} < {hi:.3g}")
        return " and ".join(parts) or "everywhere in the design"


@dataclass(frozen=True)
class Discovery:
    """Where NPM beats HLS on ``outcome``: the pairs, the boxes found and a plain message."""

    outcome: str
    hls: str
    npm: str
    table: pd.DataFrame  # paired_differences, plus a column "npm_wins"
    factors: list[str]
    boxes: list[Box] = field(default_factory=list)
    message: str = ""
    prim: Any = None  # a prim.PrimResult over the same points, when there are enough

    def prim_sentence(self) -> str:
        """PRIM's chosen box in words, with the rule that chose it ('' if PRIM was not run)."""
        if self.prim is None:
            return ""
        c = self.prim.chosen
        return (f"PRIM ({len(self.prim.boxes)} peeling steps; chosen: {self.prim.rule}): NPM "
                f"ahead where {c.condition()}: coverage {c.coverage:.2g}, density "
                f"{c.density:.2g}, {c.points} of {len(self.table)} points.")

    @property
    def wins(self) -> int:
        return int((self.table["difference"] < 0).sum())

    @property
    def sure_wins(self) -> int:
        """NPM wins whose 95% interval of the difference lies wholly below zero."""
        return int((self.table["ci_high"] < 0).sum())

    def sentences(self) -> list[str]:
        """The rules in words, one per box, or the message when there is no box."""
        metric = self.outcome.partition(":")[0]
        if not self.boxes:
            return [self.message]
        return [f"NPM ({self.npm}) beats HLS ({self.hls}) on {metric} "
                + (f"where {b.condition()}" if b.bounds else "everywhere in the design")
                + f": {b.wins} of {_points(b.points)}, coverage {b.coverage:.2g}, density "
                f"{b.density:.2g} (mean difference HLS - NPM {b.mean_difference:+.3g})."
                for b in self.boxes]

    def summary(self) -> str:
        n = len(self.table)
        head = (f"{self.outcome}, HLS ({self.hls}) minus NPM ({self.npm}) at {_points(n, 'paired ')}: "
                f"NPM ahead at {self.wins}" + (f" ({self.sure_wins} with a 95% interval below zero)"
                                               if n else ""))
        return head + ".\n" + "\n".join(self.sentences() + ([self.prim_sentence()] if self.prim else []))

    def to_dict(self) -> dict:
        return {"outcome": self.outcome, "hls": self.hls, "npm": self.npm,
                "paired_points": len(self.table), "npm_wins": self.wins,
                "npm_wins_sure": self.sure_wins, "factors": self.factors,
                "rules": self.sentences() if self.boxes else [], "message": self.message,
                "boxes": [{"bounds": {k: list(v) for k, v in b.bounds.items()}, "points": b.points,
                           "wins": b.wins, "coverage": b.coverage, "density": b.density,
                           "mean_difference": b.mean_difference} for b in self.boxes],
                "prim": None if self.prim is None else {
                    "rule": self.prim.rule, "chosen": self.prim_sentence(),
                    "trajectory": self.prim.trajectory().to_dict(orient="records")}}


def _points(n: int, kind: str = "") -> str:
    return f"{n} {kind}point" + ("" if n == 1 else "s")


def _features(table: pd.DataFrame, factors: list[str]) -> np.ndarray:
    return np.column_stack([table[f].astype(float).to_numpy() for f in factors]) if factors else \
        np.zeros((len(table), 0))


def find_regions(table: pd.DataFrame, factors: list[str], hls: str, npm: str,
                 outcome: str = "wellbeing_mean") -> Discovery:
    """Fit the shallow tree to ``difference < 0`` over ``factors`` and read its NPM leaves."""
    from sklearn.tree import DecisionTreeClassifier

    table = table.reset_index(drop=True).copy()
    table["npm_wins"] = table["difference"] < 0
    n, wins = len(table), int(table["npm_wins"].sum())
    found = Discovery(outcome, hls, npm, table, list(factors))
    metric = outcome.partition(":")[0]
    if n == 0:
        return _with(found, f"No paired points: {hls} and {npm} were never run at the same values "
                     "of the other factors, so there is no difference to explain.")
    if wins == 0:
        where = "the one paired point" if n == 1 else f"all {n} paired points"
        return _with(found, f"NPM ({npm}) does not beat HLS ({hls}) on {metric} anywhere in the "
                     f"design: HLS is ahead at {where}. No region to report.")
    # The tree splits on numbers: a text factor (e.g. switch_to) still pairs points but is not
    # a feature, and the message says so rather than the analysis failing on it.
    numeric = [f for f in factors if pd.api.types.is_numeric_dtype(table[f])]
    text = [f for f in factors if f not in numeric and table[f].nunique() > 1]
    varying = [f for f in numeric if table[f].nunique() > 1]
    if wins == n or not varying:
        box = Box({}, n, wins, 1.0, wins / n, float(table["difference"].mean()))
        if wins == n:
            return _with(found, "", [box])
        if text:
            return _with(found, f"NPM ({npm}) is ahead at {wins} of {n} paired points; only text "
                         f"factors ({', '.join(text)}) vary between them, and the tree splits on "
                         "numbers only, so no region is drawn.")
        return _with(found, f"NPM ({npm}) is ahead at {wins} of {n} paired points; no factor "
                     "varies between them, so there is no region to separate.")
    x = _features(table, varying)
    y = table["npm_wins"].to_numpy()
    tree = DecisionTreeClassifier(max_depth=3 if n >= DEEPER_FROM else 2,
                                  min_samples_leaf=max(1, n // 20), random_state=0).fit(x, y)
    leaves = tree.apply(x)
    boxes = []
    for leaf, bounds in _leaf_bounds(tree, varying).items():
        inside = leaves == leaf
        k, w = int(inside.sum()), int(y[inside].sum())
        if k and w / k > 0.5:
            boxes.append(Box(bounds, k, w, w / wins, w / k,
                             float(table.loc[inside, "difference"].mean())))
    boxes.sort(key=lambda b: (-b.wins, -b.density))
    if not boxes:
        return _with(found, f"NPM ({npm}) is ahead at {wins} of {n} paired points, but scattered: "
                     f"no region of a depth-{tree.get_depth()} tree holds a majority of NPM wins. "
                     "No region to report.")
    return _with(found, "", boxes)


#: Fewer paired points than this get no PRIM (its 5% peels need points to peel).
PRIM_FROM = 20


def with_prim(found: Discovery) -> Discovery:
    """``found`` with PRIM run on "NPM wins" over its varying numeric factors, if it has at
    least ``PRIM_FROM`` points, some wins and some losses (else unchanged)."""
    from hlssim.experiments.analysis.prim import prim

    table = found.table
    if len(table) < PRIM_FROM or not 0 < found.wins < len(table):
        return found
    used = [f for f in found.factors
            if pd.api.types.is_numeric_dtype(table[f]) and table[f].nunique() > 1]
    if not used:
        return found
    return replace(found, prim=prim(table[used].astype(float), table["npm_wins"].to_numpy()))


def _with(found: Discovery, message: str, boxes: list[Box] | None = None) -> Discovery:
    return Discovery(found.outcome, found.hls, found.npm, found.table, found.factors,
                     boxes or [], message)


def _leaf_bounds(tree, names: list[str]) -> dict[int, dict[str, tuple[float | None, float | None]]]:
    """Each leaf's box: the tightest bounds on each factor along its path from the root."""
    t = tree.tree_
    out = {}

    def walk(node: int, bounds: dict[str, tuple[float | None, float | None]]) -> None:
        if t.children_left[node] == t.children_right[node]:
            out[node] = bounds
            return
        name, thr = names[t.feature[node]], float(t.threshold[node])
        lo, hi = bounds.get(name, (None, None))
        walk(t.children_left[node], bounds | {name: (lo, thr if hi is None else min(hi, thr))})
        walk(t.children_right[node], bounds | {name: (thr if lo is None else max(lo, thr), hi)})

    walk(0, {})
    return out


def plot_regions(found: Discovery, path) -> None:
    """The paired differences and the boxes: a line over one factor, a scatter over two."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from hlssim.experiments.analysis.labels import describe_output
    from hlssim.figures.report_figures import (
        factor_axis_label,
        metric_axis_label,
        metric_bounds,
        regime_colour,
        save_figure,
    )
    from hlssim.model.cases import preset_label

    table, metric = found.table, found.outcome.partition(":")[0]
    npm_c, hls_c = regime_colour(found.npm), regime_colour(found.hls)  # as in every figure
    colours = np.where(table["npm_wins"], npm_c, hls_c)
    # filled: the 95% interval of the difference lies wholly on one side of zero; hollow: not
    sure = ((table["ci_high"] < 0) | (table["ci_low"] > 0)).to_numpy()
    faces = np.where(sure, colours, "none")
    used = [f for f in found.factors if table[f].nunique() > 1]
    for b in found.boxes:  # plot the factors the boxes use first
        used = sorted(used, key=lambda f: f not in b.bounds)
    fig, ax = plt.subplots(figsize=(8.6, 4.6))
    title = (f"{describe_output(found.outcome)}:\n"
             f"{preset_label(found.hls)} minus {preset_label(found.npm)}")
    if len(used) >= 2:
        fx, fy = used[:2]
        ax.scatter(table[fx], table[fy], facecolors=list(faces), edgecolors=list(colours), s=40,
                   linewidths=1.5, zorder=3)
        xlo, xhi = ax.get_xlim()
        ylo, yhi = ax.get_ylim()
        for b in found.boxes:
            (x0, x1), (y0, y1) = b.bounds.get(fx, (None, None)), b.bounds.get(fy, (None, None))
            x0, x1 = xlo if x0 is None else x0, xhi if x1 is None else x1
            y0, y1 = ylo if y0 is None else y0, yhi if y1 is None else y1
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=npm_c, lw=2, ls="--"))
        ax.set_xlim(xlo, xhi), ax.set_ylim(ylo, yhi)
        ax.set_xlabel(_wrap(factor_axis_label(fx), 80)), ax.set_ylabel(_wrap(factor_axis_label(fy), 40))
        ax.scatter([], [], c=npm_c, label="NPM ahead"), ax.scatter([], [], c=hls_c, label="HLS ahead")
        ax.plot([], [], c=npm_c, ls="--", label="region where NPM wins")
    else:
        fx = used[0] if used else None
        x = table[fx].astype(float).to_numpy() if fx else np.zeros(len(table))
        d = table["difference"].to_numpy()
        low, high = metric_bounds(metric)  # a difference of two values in [low, high]
        span = None if low is None or high is None else high - low
        ci_low, ci_high = table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float)
        if span is not None:
            ci_low, ci_high = np.clip(ci_low, -span, span), np.clip(ci_high, -span, span)
        err = np.vstack([d - ci_low, ci_high - d])
        ax.errorbar(x, d, yerr=np.nan_to_num(err), fmt="none", ecolor="#444444", capsize=3, lw=1)
        ax.scatter(x, d, facecolors=list(faces), edgecolors=list(colours), s=45, linewidths=1.5,
                   zorder=3)
        ax.axhline(0, color="#000000", lw=1)
        for b in found.boxes:
            lo, hi = b.bounds.get(fx, (None, None)) if fx else (None, None)
            ax.axvspan(x.min() - 0.05 if lo is None else lo, x.max() + 0.05 if hi is None else hi,
                       color=npm_c, alpha=0.12, lw=0)
        ax.set_xlabel(_wrap(factor_axis_label(fx), 60) if fx else "no factor varies: one paired point")
        ax.set_ylabel(_wrap(f"difference HLS - NPM in {metric_axis_label(metric)} "
                            "(with its 95% interval)", 45))
        ax.scatter([], [], c=npm_c, label="NPM ahead"), ax.scatter([], [], c=hls_c, label="HLS ahead")
    ax.scatter([], [], facecolors="none", edgecolors="#444444", label="hollow: 95% interval spans 0")
    ax.set_title(title + ("" if found.boxes else "\n" + _wrap(found.message)), fontsize=10)
    ax.grid(alpha=0.3)
    # beside the panel, never over the points
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    fig.tight_layout()
    save_figure(fig, path)


def _wrap(text: str, width: int = 80) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
