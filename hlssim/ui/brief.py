"""A one-page brief for a meeting: the situation, the headline with its interval, the main chart,
the computed "why" and the caveats, as one portrait PNG (A4 proportions).

Built from the same comparison, summary and explanation the page shows (nothing is written here
that the page does not say), so the brief and the screen agree.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from hlssim.experiments.comparison import Comparison
from hlssim.figures.explorer_charts import LABELS, LINE_STYLES, mean_band, png_bytes
from hlssim.figures.report_figures import OKABE_ITO
from hlssim.ui.wording import contrast, interval, num

#: The brief's four panels.
BRIEF_PANELS = ("wellbeing_mean", "wellbeing_p10", "reported_indicator", "trust_worker_person")

CAVEATS = (
    "A simulation for exploring mechanisms, not a forecast of a real service.",
    "Results come from the model's assumptions about gaming, trust, motivation, learning and "
    "system barriers; with other settings the other way of commissioning can win.",
    "Intervals show the spread between runs with different luck, not uncertainty about the "
    "assumptions themselves.",
)


def plain(markdown: str) -> str:
    """Markdown without its emphasis marks."""
    return re.sub(r"\*\*|\*|`", "", markdown)


def _wrap(text: str, width: int = 105) -> str:
    return "\n".join(textwrap.fill(p, width) for p in text.split("\n"))


def brief_png(title: str, comparison: Comparison, first: str, second: str,
              labels: Mapping[str, str], headline: str, why: Sequence[str], reps: int) -> bytes:
    """The brief as PNG bytes."""
    return png_bytes(brief_figure(title, comparison, first, second, labels, headline, why, reps))


def brief_figure(title: str, comparison: Comparison, first: str, second: str,
                 labels: Mapping[str, str], headline: str, why: Sequence[str], reps: int):
    """The brief as a matplotlib figure (one A4 page, portrait)."""
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.06, 0.965, "Target-driven or learning-led commissioning?", fontsize=17,
             weight="bold", va="top")
    fig.text(0.06, 0.935, title, fontsize=13, va="top")
    wb = contrast(comparison.finals, "wellbeing_mean", first, second)
    name_a, name_b = labels.get(first, first), labels.get(second, second)
    numbers = (f"True wellbeing after the run: {num(wb.mean_first)} under {name_a}, "
               f"{num(wb.mean_second)} under {name_b} ({name_b} minus {name_a}: "
               f"{interval(wb)}; {reps} runs of each).")
    fig.text(0.06, 0.905, _wrap(plain(headline) + "\n" + numbers, 100), fontsize=10.5,
             va="top", weight="normal")
    grid = fig.add_gridspec(2, 2, left=0.08, right=0.97, top=0.80, bottom=0.50, hspace=0.45,
                            wspace=0.25)
    regimes = [first, second]
    for k, metric in enumerate(BRIEF_PANELS):
        ax = fig.add_subplot(grid[k // 2, k % 2])
        for j, regime in enumerate(regimes):
            band = mean_band(comparison.trajectories, regime, metric)
            years = band.index.to_numpy() / 12.0
            colour = OKABE_ITO[j % len(OKABE_ITO)]
            ax.fill_between(years, band["low"], band["high"], color=colour, alpha=0.18, lw=0)
            ax.plot(years, band["mean"], color=colour, lw=2.2, ls=LINE_STYLES[j],
                    label=labels.get(regime, regime))
        ax.set_ylim(bottom=0)
        ax.set_title(LABELS.get(metric, metric), fontsize=10)
        ax.set_xlabel("years", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.845), ncol=2,
               fontsize=10, frameon=False)
    why_text = "Why (computed by switching each mechanism off in turn):\n" + "\n".join(
        plain(p) for p in why)
    fig.text(0.06, 0.455, _wrap(why_text, 110), fontsize=8.6, va="top")
    fig.text(0.06, 0.10, _wrap("Caveats: " + " ".join(CAVEATS), 110), fontsize=8.6, va="top",
             color="#333333")
    fig.text(0.06, 0.03, "Made with hlssim's explorer. Lines: mean over runs; shaded: 95% "
             "interval. Axes start at zero.", fontsize=7.5, color="#555555")
    return fig
