"""The explorer's figures: regimes side by side over time, readable on a projector.

Pure functions from a comparison's trajectories to a matplotlib figure (and PNG bytes, for
download and the brief), to the panels' data (:func:`bands_long`, drawn on the page by
:mod:`hlssim.figures.svg_panels`) and to the legend, kept apart from ``app.py`` so they can be
tested and reused. Colours are the Okabe-Ito palette of
:mod:`hlssim.figures.report_figures`; each regime also has its own line style, so the lines can be told apart
without colour (and in black and white); text is large and lines are thick.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from hlssim.figures.report_figures import OKABE_ITO
from hlssim.model.metrics import METRICS

LINE_STYLES = ("-", "--", ":", "-.")
LABELS = {m.name: m.label for m in METRICS}
BOUNDS = {m.name: (m.low, m.high) for m in METRICS}

#: The side-by-side panels: outcomes and the indicator; staff; trust and cost.
COMPARE_PANELS: tuple[str, ...] = (
    "wellbeing_mean", "wellbeing_p10", "reported_indicator", "goodhart_gap",
    "gaming_share", "motivation_mean", "stress_mean", "admin_time_share",
    "trust_commissioner_provider", "trust_manager_worker", "trust_worker_person", "cost_total",
)

#: The panels around a regime switch: outcomes, trust, and the learning behind them.
SWITCH_PANELS: tuple[str, ...] = (
    "wellbeing_mean", "wellbeing_p10", "reported_indicator", "gaming_share",
    "trust_commissioner_provider", "trust_manager_worker", "motivation_mean", "knowledge_accuracy",
)


def mean_band(trajectories: pd.DataFrame, regime: str, metric: str) -> pd.DataFrame:
    """Per step: the mean over replications and its 95% Student-t interval (zero width for one)."""
    grouped = trajectories.loc[trajectories["regime"] == regime].groupby("step")[metric]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1).fillna(0.0), grouped.count()
    t = stats.t.ppf(0.975, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), 0.0)
    low, high = BOUNDS.get(metric, (None, None))  # a share's interval stays within 0 and 1
    return pd.DataFrame({"mean": mean, "low": (mean - half).clip(lower=low),
                         "high": (mean + half).clip(upper=high)})


def time_panels(trajectories: pd.DataFrame, regimes: Sequence[str],
                labels: Mapping[str, str] | None = None,
                metrics: Sequence[str] = COMPARE_PANELS, cols: int = 4,
                switch_step: int | None = None, title: str = "") -> Figure:
    """One panel per metric over years: each regime's mean over replications with a 95% band.

    ``switch_step`` draws a vertical line where a regime switch happens.
    """
    labels = dict(labels or {})
    rows = int(np.ceil(len(metrics) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for k, regime in enumerate(regimes):
            band = mean_band(trajectories, regime, metric)
            years = band.index.to_numpy() / 12.0
            colour = OKABE_ITO[k % len(OKABE_ITO)]
            ax.fill_between(years, band["low"], band["high"], color=colour, alpha=0.18, lw=0)
            ax.plot(years, band["mean"], color=colour, lw=2.8,
                    ls=LINE_STYLES[k % len(LINE_STYLES)], label=labels.get(regime, regime))
        if switch_step:
            ax.axvline(switch_step / 12.0, color="#444444", lw=1.5, ls=(0, (2, 2)))
        ax.set_title(LABELS.get(metric, metric), fontsize=13)
        ax.tick_params(labelsize=11)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("years", fontsize=12)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    handles, names = axes.flat[0].get_legend_handles_labels()
    if switch_step:
        handles.append(plt.Line2D([], [], color="#444444", lw=1.5, ls=(0, (2, 2))))
        names.append(f"switch (year {switch_step / 12:g})")
    # Fixed margins (in inches) rather than tight_layout: measuring every tick label costs about
    # a second. From the top: the title, the legend, then the panels.
    height = fig.get_figheight()
    title_space = 0.45 if title else 0.0
    if title:
        fig.suptitle(title, fontsize=16, y=1 - 0.08 / height, va="top")
    fig.legend(handles, names, loc="upper center", ncol=len(names), fontsize=14, frameon=False,
               bbox_to_anchor=(0.5, 1 - title_space / height), handlelength=3.5)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.55 / height,
                        top=1 - (title_space + 0.75) / height, wspace=0.22, hspace=0.42)
    return fig


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for the page and for download); closes the figure."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def bands_long(trajectories: pd.DataFrame, regimes: Sequence[str],
               labels: Mapping[str, str] | None = None,
               metrics: Sequence[str] = COMPARE_PANELS) -> pd.DataFrame:
    """The figure's data as one long table: measure, regime, years, mean, low, high.

    The same numbers as :func:`mean_band`, computed for every regime and metric in one pass
    (this runs on every re-draw of the page).
    """
    labels = dict(labels or {})
    runs = trajectories[trajectories["regime"].isin(regimes)]
    grouped = runs.groupby(["regime", "step"], sort=False)[list(metrics)]
    stacked = [grouped.mean().stack().rename("mean"), grouped.std(ddof=1).stack().rename("sd"),
               grouped.count().stack().rename("n")]
    data = pd.concat(stacked, axis=1).reset_index()
    data.columns = ["regime", "step", "metric", "mean", "sd", "n"]
    t = stats.t.ppf(0.975, np.maximum(data["n"] - 1, 1))
    half = np.where(data["n"] > 1, t * data["sd"].fillna(0.0) / np.sqrt(data["n"]), 0.0)
    low = [BOUNDS.get(m, (None, None))[0] for m in data["metric"]]
    high = [BOUNDS.get(m, (None, None))[1] for m in data["metric"]]
    lower = np.fmax(data["mean"] - half, pd.Series(low, dtype=float).fillna(-np.inf))
    upper = np.fmin(data["mean"] + half, pd.Series(high, dtype=float).fillna(np.inf))
    return pd.DataFrame({  # rounded: the browser gets less data and tooltips no long decimals
        "measure": data["metric"].map(lambda m: LABELS.get(m, m)),
        "regime": data["regime"].map(lambda r: labels.get(r, r)),
        "years": (data["step"] / 12.0).round(4), "mean": data["mean"].round(4),
        "low": np.round(lower, 4), "high": np.round(upper, 4)})


# --- one panel per chart, for a page that reflows -------------------------------------------------

#: Okabe-Ito dash patterns for the regimes, in order (solid, dashed, dotted, dash-dot).
DASHES = ([1, 0], [8, 4], [2, 3], [8, 3, 2, 3])


def regime_styles(names: Sequence[str]) -> list[tuple[str, list[int]]]:
    """Each regime's (colour, dash pattern), in order, as every panel and the legend draw them."""
    return [(OKABE_ITO[k % len(OKABE_ITO)], DASHES[k % len(DASHES)]) for k in range(len(names))]


#: Characters a panel title keeps on one line: three panels a row at 1400 px fit about this many
#: at 15 px (a longer title was cut at the panel's edge, e.g. the worst-off's).
TITLE_LINE = 30


def title_lines(label: str, width: int = TITLE_LINE) -> str | list[str]:
    """A panel's title: ``label`` as it is when short, else split at spaces into lines of at most
    ``width`` characters (each drawn as a line of the panel's title)."""
    if len(label) <= width:
        return label
    return textwrap.wrap(label, width=width, break_long_words=False)


def dash_css(colour: str, dash: Sequence[int], vertical: bool = False) -> str:
    """A CSS background drawing a line in ``colour`` with the dash pattern ``dash`` (on, off, ...
    in pixels, as SVG's ``stroke-dasharray``); a solid line for ``[1, 0]``."""
    stops, at = [], 0
    for k, length in enumerate(dash):
        paint = colour if k % 2 == 0 else "transparent"
        stops.append(f"{paint} {at}px {at + length}px")
        at += length
    angle = "180deg" if vertical else "90deg"
    return f"repeating-linear-gradient({angle},{','.join(stops)})"


#: The switch page's marks: what each means (as :func:`hlssim.ui.pages.switch.chart_events`
#: names it), the shape the panels draw it as, and that shape as a character for the legend.
MARKS = (("lowest after the switch", "triangle", "\u25bc"),
         ("back to its pre-switch level", "circle", "\u25cf"),
         ("level with the new way all along", "diamond", "\u25c6"))


def legend_html(names: Sequence[str], switch: str | None = None, marks: bool = False) -> str:
    """The regimes' legend as HTML, shown once above the panels: a short line in each regime's
    colour and dash with its label, so it reads without colour too; with ``marks``, what each
    mark on the switch page's panels means.

    The lines are CSS backgrounds, not SVG: Streamlit's ``st.html`` removes SVG from what it
    shows (it keeps HTML only), which once left the legend as bare names."""
    swatch = ('<span aria-hidden="true" class="hlssim-swatch" style="display:inline-block;'
              'width:{w}px;height:{h}px;margin-right:0.4em;background:{bg}"></span>')
    items = []
    for name, (colour, dash) in zip(names, regime_styles(names)):
        items.append(
            '<span style="display:inline-flex;align-items:center;margin-right:1.5em;'
            f'white-space:nowrap">{swatch.format(w=44, h=4, bg=dash_css(colour, dash))}'
            f'{name}</span>')
    if switch:
        items.append('<span style="display:inline-flex;align-items:center;white-space:nowrap">'
                     f'{swatch.format(w=2, h=16, bg=dash_css("#444444", [4, 4], True))}'
                     f'{switch}</span>')
    if marks:
        items.extend('<span style="display:inline-flex;align-items:center;margin-right:1.5em;'
                     f'white-space:nowrap"><span aria-hidden="true" style="margin-right:0.3em">'
                     f'{shape}</span>{meaning}</span>' for meaning, _, shape in MARKS)
    return ('<div style="display:flex;flex-wrap:wrap;row-gap:0.3em;font-size:1.05rem">'
            + "".join(items) + "</div>")
