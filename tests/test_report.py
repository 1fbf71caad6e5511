"""hlssim report: report.md with its figures and tables, the analysis reused or redone, errors."""

from __future__ import annotations

import json
import re

import pytest

from hlssim.ui.cli import main
from hlssim.experiments import parse_spec, sweep
from hlssim.experiments.analysis.report import describe_output, report
from conftest import drawn_figure

SMALL = {"n_people": 40, "n_workers": 4, "n_providers": 1, "steps": 6}


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    spec = parse_spec({"name": "tiny-crossover", "description": "Does HLS overtake NPM?",
                       "factors": {"preset": ["npm_targets", "hls"], "complexity": [0.2, 0.8]},
                       "replications": 3, "base": SMALL, "root_seed": 5,
                       "outputs": {"wellbeing_mean": "mean_last_3", "gaming_share": "final"}})
    sweep(spec, out, chunk_runs=6)  # two parts: a test deletes one
    return out


def links(path):
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", path.read_text())


def test_report_has_design_tables_figures_and_analysis(grid_sweep):
    path = report(grid_sweep)
    text = path.read_text()
    assert text.startswith("# Experiment: tiny-crossover") and "Does HLS overtake NPM?" in text
    for label, value in (("sampler", "grid"), ("replications per point", "3"),
                         ("runs stored", "12 of 12 (complete)"), ("engine", "batch")):
        assert re.search(rf"^\| {re.escape(label)}\s+\| {re.escape(value)}", text, re.MULTILINE), label
    for needle in ("hlssim version", "### wellbeing_mean:mean_last_3", "### gaming_share:final",
                   "## Sensitivity", "## Where does NPM beat HLS on wellbeing?", "95% interval"):
        assert needle in text, needle
    found = links(path)
    assert len(found) >= 4 and all((path.parent / link).is_file() for link in found)
    assert sorted(p.name for p in (path.parent / "figures").glob("*.png")) == [
        "gaming_share-final.png", "wellbeing_mean-mean_last_3.png"]
    # one table row per design point (4 points, each with its 3 runs), in both output tables
    point_rows = re.findall(r"^\|\s+[0-3] \|\s+0\.[28] \| (?:npm_targets|hls)\s+\|.*\|\s+3 \| \[",
                            text, re.MULTILINE)
    assert len(point_rows) == 8


def test_report_reuses_a_current_analysis_and_redoes_a_stale_one(grid_sweep, tmp_path):
    report(grid_sweep, tmp_path / "r1")
    saved = grid_sweep / "analysis" / "analysis.json"
    before = saved.stat().st_mtime_ns
    report(grid_sweep, tmp_path / "r2")
    assert saved.stat().st_mtime_ns == before
    stale = json.loads(saved.read_text()) | {"runs_done": 1}
    saved.write_text(json.dumps(stale))
    report(grid_sweep, tmp_path / "r3")
    assert json.loads(saved.read_text())["runs_done"] == 12


def test_unfinished_sweep_is_reported_as_such(grid_sweep, tmp_path):
    import shutil

    folder = tmp_path / "partial"
    shutil.copytree(grid_sweep, folder)
    shutil.rmtree(folder / "analysis", ignore_errors=True)
    parts = sorted((folder / "results").glob("part-*.parquet"))
    parts[-1].unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["status"] = "running"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    text = report(folder).read_text()
    assert "**This sweep is not finished**" in text and "have no results yet" in text


def test_output_descriptions():
    assert describe_output("wellbeing_mean:mean_last_12") == \
        "True wellbeing (mean), mean over the last 12 months"
    assert describe_output("gaming_share:final").endswith("in the last month")


def test_cli_report(grid_sweep, tmp_path, capsys):
    assert main(["report", str(grid_sweep), "--out", str(tmp_path / "rep")]) == 0
    assert "wrote" in capsys.readouterr().out and (tmp_path / "rep" / "report.md").is_file()


def test_cli_bad_input_is_one_line_and_exit_2(grid_sweep, tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing-here")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a folder" in err
    (tmp_path / "afile").write_text("x")
    assert main(["report", str(grid_sweep), "--out", str(tmp_path / "afile")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


# --- axis labels: each axis says what it shows in words, with its unit or range -------------


def plain(label: str) -> str:
    return " ".join(label.split())  # labels are wrapped onto lines to fit a panel


def test_results_figure_names_factor_and_output_with_their_units(grid_sweep, monkeypatch, tmp_path):
    from hlssim.experiments.analysis.report import output_figure
    from hlssim.experiments.sweepdata import load_sweep

    data = load_sweep(grid_sweep)
    fig = drawn_figure(monkeypatch, lambda: output_figure(data, "wellbeing_mean:mean_last_3", tmp_path / "w.png"))
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 1  # complexity; the regime is split by colour, not a panel
    ax = panels[0]
    assert plain(ax.get_xlabel()) == "How complex are people's lives? (complexity, 0 to 1)"
    assert plain(ax.get_ylabel()) == ("True wellbeing (mean), mean over the last 3 months, 0 to 1")
    fig = drawn_figure(monkeypatch, lambda: output_figure(data, "gaming_share:final", tmp_path / "g.png"))
    assert plain(fig.axes[0].get_ylabel()) == "Share of effort that is gaming, in the last month, 0 to 1"


def test_results_figure_intervals_stay_within_the_metric_range(grid_sweep, monkeypatch, tmp_path):
    """Three runs give wide t intervals; a share's band must not reach below 0 or above 1."""
    import numpy as np

    from hlssim.common import stats
    from hlssim.experiments.analysis import report as report_module
    from hlssim.experiments.sweepdata import load_sweep

    real = stats.sample_interval

    def wide(values):  # the real mean with an interval far wider than any share's range
        mean, *_ = real(values)
        return mean, mean - 5.0, mean + 5.0, 3

    monkeypatch.setattr(report_module, "sample_interval", wide)
    data = load_sweep(grid_sweep)
    fig = drawn_figure(monkeypatch, lambda: report_module.output_figure(
        data, "wellbeing_mean:mean_last_3", tmp_path / "w.png"))
    bands = [p for coll in fig.axes[0].collections for p in coll.get_paths()]
    assert bands
    ys = np.concatenate([p.vertices[:, 1] for p in bands])
    assert ys.min() >= 0.0 and ys.max() <= 1.0, (ys.min(), ys.max())


def test_regions_figure_names_its_axes(monkeypatch, tmp_path):
    import pandas as pd

    from hlssim.experiments.analysis import discovery

    one = pd.DataFrame({"complexity": [0.1, 0.5, 0.9], "difference": [-0.1, 0.1, 0.2],
                        "ci_low": [-0.2, 0.0, 0.1], "ci_high": [0.0, 0.2, 0.3]})
    found = discovery.find_regions(one, ["complexity"], "hls", "npm_targets",
                                   outcome="wellbeing_mean:mean_last_12")
    ax = drawn_figure(monkeypatch, lambda: discovery.plot_regions(found, tmp_path / "r.png")).axes[0]
    assert plain(ax.get_xlabel()) == "How complex are people's lives? (complexity, 0 to 1)"
    assert plain(ax.get_ylabel()) == ("difference HLS - NPM in True wellbeing (mean), 0 to 1 "
                                      "(with its 95% interval)")
    two = one.assign(audit_rate=[0.2, 0.8, 0.5])
    found = discovery.find_regions(two, ["complexity", "audit_rate"], "hls", "npm_targets",
                                   outcome="wellbeing_mean:mean_last_12")
    ax = drawn_figure(monkeypatch, lambda: discovery.plot_regions(found, tmp_path / "r2.png")).axes[0]
    labels = {plain(ax.get_xlabel()), plain(ax.get_ylabel())}
    assert labels == {"How complex are people's lives? (complexity, 0 to 1)",
                      "How often are reports audited? (audit_rate, per month; 0 to 1)"}


def test_regions_figure_clips_a_difference_of_shares_to_plus_minus_one(monkeypatch, tmp_path):
    import numpy as np
    import pandas as pd

    from hlssim.experiments.analysis import discovery

    table = pd.DataFrame({"complexity": [0.1, 0.5, 0.9], "difference": [-0.9, 0.1, 0.9],
                          "ci_low": [-1.6, -0.1, 0.5], "ci_high": [-0.5, 0.3, 1.4]})
    found = discovery.find_regions(table, ["complexity"], "hls", "npm_targets",
                                   outcome="wellbeing_mean:mean_last_12")
    ax = drawn_figure(monkeypatch, lambda: discovery.plot_regions(found, tmp_path / "r.png")).axes[0]
    ys = np.concatenate([seg[:, 1] for c in ax.collections if hasattr(c, "get_segments")
                         for seg in c.get_segments()])
    assert ys.min() == -1.0 and ys.max() == 1.0


def test_regions_figure_speaks_plainly_and_keeps_its_legend_off_the_data(monkeypatch, tmp_path):
    """Titles in words (no metric or preset code names); the regions legend beside the panel."""
    import numpy as np
    import pandas as pd

    from hlssim.experiments.analysis import discovery

    rng = np.random.default_rng(3)
    x = rng.uniform(size=(60, 2))
    table = pd.DataFrame({"complexity": x[:, 0], "audit_rate": x[:, 1],
                          "difference": x[:, 0] - 0.5})
    table = table.assign(ci_low=table["difference"] - 0.05, ci_high=table["difference"] + 0.05)
    found = discovery.find_regions(table, ["complexity", "audit_rate"], "hls", "npm_targets",
                                   outcome="wellbeing_mean:mean_last_12")
    fig = drawn_figure(monkeypatch, lambda: discovery.plot_regions(found, tmp_path / "r.png"))
    ax = fig.axes[0]
    title = ax.get_title()
    assert "True wellbeing" in title and "Learning-led (HLS)" in title, title
    assert not any(code in title for code in ("wellbeing_mean", "npm_targets", "hls)")), title
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend, panel = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend.x0 >= panel.x1, (legend, panel)  # wholly to the right of the data
