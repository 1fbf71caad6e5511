"""The frontier figure (:mod:`hlssim.experiments.frontier`): the best design of each regime family
against the default presets across complexity, with 95% intervals from held-out runs.

Colours are the package's regime colours (:data:`hlssim.figures.report_figures.REGIME_COLOURS`):
the NPM family in npm_targets' vermilion, the HLS family in hls' blue; the best designs are solid
lines with filled markers, the presets dashed with hollow ones, so it reads without colour too.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from hlssim.figures.report_figures import regime_colour, save_figure  # noqa: E402

#: Each family's colour: that of the preset it starts from.
FAMILY_COLOURS = {"npm": regime_colour("npm_targets"), "hls": regime_colour("hls")}
FAMILY_NAMES = {"npm": "NPM", "hls": "HLS"}


def _series(ax, table: pd.DataFrame, family: str, design: str, value: str, low: str, high: str,
            label: str) -> None:
    part = table[(table["family"] == family) & (table["design"] == design)]
    part = part.sort_values("complexity")
    best = design != "preset"
    colour = FAMILY_COLOURS[family]
    x = part["complexity"].to_numpy(float) + (0.006 if best else -0.006) * (1 if family == "hls"
                                                                              else -1)
    ax.errorbar(x, part[value], yerr=[part[value] - part[low], part[high] - part[value]],
                color=colour, lw=2.6 if best else 1.6, ls="-" if best else "--", capsize=4,
                marker="o", ms=7, mfc=colour if best else "white", mec=colour, label=label)


def frontier_figure(table: pd.DataFrame, differences: pd.DataFrame, path: str | Path,
                    title: str = "") -> Path:
    """Three panels over complexity: final-year wellbeing of the best design of each family and
    of the presets; the paired difference best HLS minus best NPM (and preset minus preset); and
    wellbeing per unit cost of the designs best on that. Intervals are 95%, from held-out runs."""
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.0))
    ax = axes[0]
    for family in ("npm", "hls"):
        name = FAMILY_NAMES[family]
        _series(ax, table, family, "wellbeing", "wellbeing", "wellbeing_ci_low",
                "wellbeing_ci_high", f"best {name} design")
        preset = "npm_targets" if family == "npm" else "hls"
        _series(ax, table, family, "preset", "wellbeing", "wellbeing_ci_low",
                "wellbeing_ci_high", f"{name} preset ({preset})")
    ax.set_title("Final-year wellbeing (mean)", fontsize=12)
    ax.set_ylabel("wellbeing, held-out runs")
    ax.legend(fontsize=9, frameon=False)

    ax = axes[1]
    for design, style, label in (("wellbeing", "-", "best HLS minus best NPM"),
                                 ("preset", "--", "hls preset minus npm_targets preset")):
        part = differences[(differences["design"] == design)
                           & (differences["measure"] == "wellbeing")].sort_values("complexity")
        ax.errorbar(part["complexity"], part["hls_minus_npm"],
                    yerr=[part["hls_minus_npm"] - part["ci_low"],
                          part["ci_high"] - part["hls_minus_npm"]],
                    color="#333333", ls=style, lw=2.4 if style == "-" else 1.4, capsize=4,
                    marker="o", mfc="#333333" if style == "-" else "white", label=label)
    ax.axhline(0, color="#999999", lw=1)
    ax.set_title("HLS minus NPM, same seeds (above 0: HLS ahead)", fontsize=12)
    ax.set_ylabel("difference in wellbeing")
    ax.legend(fontsize=9, frameon=False)

    ax = axes[2]
    for family in ("npm", "hls"):
        name = FAMILY_NAMES[family]
        _series(ax, table, family, "wellbeing_per_cost", "wellbeing_per_cost", "per_cost_ci_low",
                "per_cost_ci_high", f"best {name} design per cost")
        _series(ax, table, family, "preset", "wellbeing_per_cost", "per_cost_ci_low",
                "per_cost_ci_high", f"{name} preset")
    ax.set_title("Wellbeing per £k per person a month", fontsize=12)
    ax.set_ylabel("wellbeing / monthly cost per person")
    ax.legend(fontsize=9, frameon=False)
    for ax in axes:
        ax.set_xlabel("complexity of people's lives")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return save_figure(fig, Path(path))
