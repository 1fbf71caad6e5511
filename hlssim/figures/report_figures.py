"""Figures (matplotlib): pure functions from tables to PNG files.

Colours are the Okabe-Ito palette (safe for the common kinds of colour blindness); lines are thick
and labels large enough to read on a projector.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hlssim.common.files import write_atomic  # noqa: E402
from hlssim.model.metrics import METRICS  # noqa: E402
from hlssim.model.parameters import PARAMETERS  # noqa: E402

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
#: One colour per regime in every figure of a sweep's report and analysis: NPM-family presets in
#: warm colours (npm_targets vermilion), HLS-family in cool ones (hls blue); a case's regime
#: ``CASE/KEY`` takes its key's colour.
REGIME_COLOURS = {"npm_targets": "#D55E00", "npm_pbr": "#E69F00", "simple_service": "#CC79A7",
                  "hls": "#0072B2", "alliance": "#56B4E9", "hls_grant": "#009E73"}


def regime_colour(regime, k: int = 0) -> str:
    """The colour of a regime (a preset name, or ``CASE/KEY``), the same in every figure;
    another name gets the palette's ``k``-th colour after those.

    >>> regime_colour("hls"), regime_colour("gateshead/npm_targets")
    ('#0072B2', '#D55E00')
    """
    key = str(regime).rpartition("/")[2]
    if key in REGIME_COLOURS:
        return REGIME_COLOURS[key]
    spare = [c for c in OKABE_ITO if c not in REGIME_COLOURS.values()]
    return spare[k % len(spare)]
LABELS = {m.name: m.label for m in METRICS}
_METRICS = {m.name: m for m in METRICS}


def metric_bounds(metric: str) -> tuple[float | None, float | None]:
    """The range a metric cannot leave, ``(None, None)`` for a name hlssim does not know (a
    user's own model's variable); an output ``metric:statistic`` is looked up by its metric."""
    m = _METRICS.get(str(metric).partition(":")[0])
    return (None, None) if m is None else (m.low, m.high)


def metric_range(metric: str) -> str:
    """``"0 to 1"``, ``"0 and up"``, or ``""`` for a name hlssim does not know.

    >>> metric_range("wellbeing_mean"), metric_range("cost_total"), metric_range("Recovered")
    ('0 to 1', '0 and up', '')
    """
    low, high = metric_bounds(metric)
    if low is None:
        return ""
    return f"{low:g} and up" if high is None else f"{low:g} to {high:g}"


def metric_axis_label(metric: str) -> str:
    """A metric's axis label: its words and range (``True wellbeing (mean), 0 to 1``); a name
    hlssim does not know (a user's model's variable) is shown as it is."""
    m = _METRICS.get(metric)
    return metric if m is None else f"{m.label}, {metric_range(metric)}"


def clip_to_bounds(values, metric: str):
    """``values`` (interval ends) clipped to the metric's declared range; unchanged if it has none."""
    low, high = metric_bounds(metric)
    return np.clip(np.asarray(values, dtype=float), low, high) if low is not None else values


def factor_axis_label(name: str) -> str:
    """A factor's axis label: for a model parameter its words, name and unit or allowed range
    (``How complex are people's lives? (complexity, 0 to 1)``); ``preset`` is the regime; any
    other name (a user's model's constant) is shown as it is."""
    if name == "preset":
        return "regime (preset)"
    p = PARAMETERS.get(name)
    if p is None:
        return name
    if p.kind is bool:
        span = "off or on"
    elif p.kind is str:
        span = ""
    else:
        span = f"{p.low:g} to {p.high:g}"
    detail = "; ".join(x for x in (p.unit, span) if x)
    return f"{p.label} ({name}{', ' + detail if detail else ''})"

HEADLINE_METRICS = (
    "wellbeing_mean", "wellbeing_p10", "reported_indicator", "goodhart_gap",
    "gaming_share", "creamed_share", "motivation_mean", "stress_mean",
    "trust_commissioner_provider", "trust_manager_worker", "trust_worker_person",
    "knowledge_accuracy", "system_barriers", "failure_demand", "admin_time_share",
    "cost_per_wellbeing",
)


def save_figure(fig, path: Path) -> Path:
    def write(tmp: Path) -> None:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")

    try:
        return write_atomic(path, write)
    finally:
        plt.close(fig)


def _value_label(metric: str) -> str:
    """A panel's y (or x) label under a title that already names the metric: the mean over
    runs and the metric's range (``mean over runs (0 to 1)``)."""
    span = metric_range(metric)
    return f"mean over runs ({span})" if span else "mean over runs"


def trajectories_figure(trajectories: pd.DataFrame, path: str | Path,
                        metrics: Sequence[str] = HEADLINE_METRICS, title: str = "") -> Path:
    """A grid of panels, one per metric: each regime's mean over replications with a 95% band."""
    n = len(metrics)
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    regimes = list(dict.fromkeys(trajectories["regime"]))
    for ax, metric in zip(axes.flat, metrics):
        for k, regime in enumerate(regimes):
            runs = trajectories[trajectories["regime"] == regime]
            grouped = runs.groupby("step")[metric]
            mean = grouped.mean()
            count = grouped.count()
            sem = grouped.std(ddof=1).fillna(0.0) / np.sqrt(count.clip(lower=1))
            colour = regime_colour(regime, k)
            ax.plot(mean.index / 12.0, mean.values, color=colour, lw=2.2, label=regime)
            ax.fill_between(mean.index / 12.0, clip_to_bounds(mean - 1.96 * sem, metric),
                            clip_to_bounds(mean + 1.96 * sem, metric), color=colour, alpha=0.2, lw=0)
        ax.set_title(LABELS.get(metric, metric), fontsize=11)
        ax.set_xlabel("time (years)", fontsize=9)
        ax.set_ylabel(_value_label(metric), fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(regimes), fontsize=12,
               bbox_to_anchor=(0.5, 1.02), frameon=False)
    if title:
        fig.suptitle(title, y=1.06, fontsize=14)
    fig.tight_layout()
    return save_figure(fig, Path(path))


def summary_figure(summary: pd.DataFrame, path: str | Path,
                   metrics: Sequence[str] = HEADLINE_METRICS, title: str = "") -> Path:
    """Final-year means with 95% intervals, regimes side by side, one small panel per metric."""
    regimes = list(dict.fromkeys(summary["regime"]))
    n = len(metrics)
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.4 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        part = summary[summary["metric"] == metric].set_index("regime").loc[regimes]
        y = np.arange(len(regimes))
        colours = [regime_colour(r, k) for k, r in enumerate(regimes)]
        spread = part["ci_low"].notna().to_numpy()  # no interval: the same in every run
        low = clip_to_bounds(part["ci_low"], metric)
        high = clip_to_bounds(part["ci_high"], metric)
        ax.errorbar(part["mean"][spread], y[spread],
                    xerr=[(part["mean"] - low)[spread], (high - part["mean"])[spread]],
                    fmt="none", ecolor="#444444", capsize=4, lw=1.5)
        ax.scatter(part["mean"][spread], y[spread], c=[c for c, k in zip(colours, spread) if k],
                   s=70, zorder=3)
        for k in np.flatnonzero(~spread):  # a fixed value: a hollow diamond, labelled
            ax.scatter([part["mean"].iloc[k]], [y[k]], s=110, marker="D", facecolors="white",
                       edgecolors=colours[k], zorder=4)
            ax.annotate("same in every run", (part["mean"].iloc[k], y[k]), xytext=(6, 6),
                        textcoords="offset points", fontsize=7, color="#444444")
        ax.set_yticks(y, regimes, fontsize=10)
        ax.set_ylim(-0.7, len(regimes) - 0.3)
        ax.set_title(LABELS.get(metric, metric), fontsize=11)
        ax.set_xlabel(_value_label(metric), fontsize=8)
        ax.set_ylabel("regime", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return save_figure(fig, Path(path))


#: Design points drawn in one envelope figure at most (the first ones, in point order).
ENVELOPE_POINTS = 8


def envelope_figure(rows: pd.DataFrame, output: str, factors: Sequence[str], path: Path,
                    title: str = "", own_model: bool = False) -> Path:
    """One output's trajectories over time, a line and a band per design point: the mean over
    the point's replications at each saved step, and the 5th to 95th percentile over them (with
    fewer than five replications, their range). ``rows`` are a sweep's trajectory rows
    (``point``, ``replicate``, ``step``, ``value`` and the factors' columns) for ``output``.
    ``own_model``: ``output`` is a variable of a user's stock-flow model (no label or range is
    known; its steps are its saved times), not an hlssim metric (steps are months)."""
    fig, ax = plt.subplots(figsize=(8.0, 4.6), dpi=110)
    try:
        points = sorted(rows["point"].unique())[:ENVELOPE_POINTS]
        for k, point in enumerate(points):
            part = rows[rows["point"] == point]
            wide = part.pivot_table(index="step", columns="replicate", values="value",
                                    aggfunc="first").sort_index()
            steps = wide.index.to_numpy()
            values = wide.to_numpy(float)
            colour = OKABE_ITO[k % len(OKABE_ITO)]
            first = part.iloc[0]
            label = ", ".join(f"{f}={first[f]:g}" if isinstance(first[f], (int, float, np.number))
                              else f"{f}={first[f]}" for f in factors) or f"point {point}"
            n = values.shape[1]
            low, high = ((np.percentile(values, 5, axis=1), np.percentile(values, 95, axis=1))
                         if n >= 5 else (values.min(axis=1), values.max(axis=1)))
            ax.plot(steps, values.mean(axis=1), color=colour, lw=2.2,
                    label=f"{label} ({n} run{'s' if n != 1 else ''})")
            if n > 1:  # percentiles or the range of the runs: within the metric's range already
                ax.fill_between(steps, low, high, color=colour, alpha=0.18, lw=0)
        ax.set_xlabel("saved time step" if own_model else "time (month)")
        ax.set_ylabel(output if own_model else metric_axis_label(output))
        shown = f"first {len(points)} of {rows['point'].nunique()} design points" if (
            rows["point"].nunique() > len(points)) else "every design point"
        ax.set_title(title or f"{output}: mean and 5-95% band over replications ({shown})",
                     fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
    except BaseException:
        plt.close(fig)
        raise
    return save_figure(fig, path)
