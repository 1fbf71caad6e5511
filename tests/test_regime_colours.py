"""One colour per regime across every figure: the results figures and the regions plot draw
npm_targets and hls in the same colours (the issue: NPM blue in one, orange in the other)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from hlssim.experiments.analysis import discovery  # noqa: E402
from hlssim.figures import report_figures  # noqa: E402
from hlssim.figures.report_figures import regime_colour as _colour  # noqa: E402


def regime_colour(name):
    return _colour(name).lower()


def drawn_colours(monkeypatch, draw) -> list:
    figures = []
    monkeypatch.setattr(report_figures, "save_figure", lambda fig, path: figures.append(fig) or path)
    draw()
    fig = figures[0]
    colours = []
    for ax in fig.axes:
        colours += [matplotlib.colors.to_hex(line.get_color()) for line in ax.get_lines()]
        for coll in ax.collections:
            colours += [matplotlib.colors.to_hex(c) for c in coll.get_edgecolors()]
    plt.close(fig)
    return colours


def test_regions_and_results_use_the_same_regime_colours(monkeypatch, tmp_path):
    table = pd.DataFrame({"complexity": [0.1, 0.5, 0.9], "difference": [-0.1, 0.1, 0.2],
                          "ci_low": [-0.2, 0.0, 0.1], "ci_high": [0.0, 0.2, 0.3]})
    found = discovery.find_regions(table, ["complexity"], "hls", "npm_targets")
    regions = drawn_colours(monkeypatch, lambda: discovery.plot_regions(found, tmp_path / "r.png"))
    assert regime_colour("npm_targets") in regions and regime_colour("hls") in regions
    steps = pd.DataFrame({"regime": ["npm_targets"] * 4 + ["hls"] * 4, "step": [1, 2] * 4,
                          "wellbeing_mean": [0.5, 0.6, 0.5, 0.6, 0.4, 0.7, 0.4, 0.7]})
    results = drawn_colours(monkeypatch, lambda: report_figures.trajectories_figure(
        steps, tmp_path / "t.png", ["wellbeing_mean"]))
    assert results[:2] == [regime_colour("npm_targets"), regime_colour("hls")]
    assert regime_colour("npm_targets") != regime_colour("hls")
    assert regime_colour("gateshead/hls") == regime_colour("hls")
