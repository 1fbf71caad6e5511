"""The explorer's sweep browser and loop-diagram logic (hlssim.ui.sweep_browser, hlssim.ui.loop_diagram),
on small real sweeps: summaries agree with the stored rows, bad folders give one line, the saved
analysis is used only when it was made from the same runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from hlssim.stockflow.loops import Loop, LoopName, NamedLoop
from hlssim.errors import HlssimError
from hlssim.experiments import load_spec, parse_spec, sweep
from hlssim.experiments.analysis.analyze import analyze
from hlssim.ui.loop_diagram import build, loop_path, loop_words
from hlssim.figures.report_figures import OKABE_ITO
from hlssim.ui.sweep_browser import (
    ALL_RUNS,
    chart_spec,
    discovery_text,
    factor_summary,
    find_sweeps,
    first_output,
    folder_signature,
    indices_for,
    open_sweep,
    point_table,
    regime_name,
    saved_analysis,
)

ROOT = Path(__file__).resolve().parent.parent
SIR = ROOT / "docs" / "examples" / "sir_sensitivity.toml"

#: Two regimes over two complexities, three replications: 12 quick runs.
SMALL = {"name": "small", "description": "A small test sweep.",
         "base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 12},
         "factors": {"preset": ["npm_targets", "hls"], "complexity": [0.2, 0.8]},
         "replications": 3, "root_seed": 5,
         "outputs": {"wellbeing_mean": ["final", "mean"], "gaming_share": "final"}}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweeps") / "small"
    sweep(parse_spec(SMALL), out)
    return out


@pytest.fixture(scope="module")
def sir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweeps") / "sir"
    sweep(load_spec(SIR, smoke=True), out)
    return out


def test_find_sweeps_lists_folders_with_a_manifest_newest_first(tmp_path, small):
    assert find_sweeps(tmp_path / "nowhere") == []
    for i, name in enumerate(["old", "deep/new", "plain"]):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        if name != "plain":
            (folder / "manifest.json").write_text("{}")
            os.utime(folder / "manifest.json", ns=(10**18 + i, 10**18 + i))
    assert find_sweeps(tmp_path) == [tmp_path / "deep" / "new", tmp_path / "old"]
    assert find_sweeps(tmp_path, depth=1) == [tmp_path / "old"]


@pytest.mark.parametrize("make, words", [
    (lambda p: "", "No folder given"),
    (lambda p: p / "missing", "not a folder"),
    (lambda p: p, "holds no manifest.json"),
])
def test_a_folder_that_is_not_a_sweep_gives_one_line(tmp_path, make, words):
    with pytest.raises(HlssimError, match=words) as err:
        open_sweep(make(tmp_path))
    assert "\n" not in str(err.value)


def test_a_damaged_results_file_gives_one_line(tmp_path, small):
    broken = tmp_path / "broken"
    (broken / "results").mkdir(parents=True)
    (broken / "manifest.json").write_text((small / "manifest.json").read_text())
    (broken / "results" / "part-00000.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(HlssimError) as err:
        open_sweep(broken)
    assert "cannot be read as a sweep" in str(err.value) and "\n" not in str(err.value)
    (broken / "manifest.json").write_text("{ not json")
    with pytest.raises(HlssimError, match="manifest.json cannot be read"):
        open_sweep(broken)


def test_summary_over_a_factors_levels_matches_the_stored_rows(small):
    data = open_sweep(small)
    summary = factor_summary(data, "wellbeing_mean:final", "complexity")
    assert len(summary) == 4  # two regimes x two levels
    rows = data.rows[data.rows["output"] == "wellbeing_mean:final"]
    for preset in ("npm_targets", "hls"):
        for level in (0.2, 0.8):
            values = rows.loc[(rows["preset"] == preset) & (rows["complexity"] == level), "value"]
            got = summary[(summary["regime"] == regime_name(preset)) & (summary["x"] == level)]
            assert got["runs"].item() == len(values) == 3
            assert got["mean"].item() == pytest.approx(values.mean())
            half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
            assert got["low"].item() == pytest.approx(values.mean() - half)
            assert got["high"].item() == pytest.approx(values.mean() + half)


def test_summary_against_the_regime_has_one_row_per_regime(small):
    data = open_sweep(small)
    summary = factor_summary(data, "gaming_share:final", "preset")
    assert list(summary["x"]) == ["npm_targets", "hls"]
    assert list(summary["runs"]) == [6, 6]
    spec = chart_spec(summary, "preset", "gaming_share:final", levels=True)
    point = spec["layer"][-1]["encoding"]
    assert point["x"]["type"] == "nominal"
    assert point["color"]["scale"]["range"] == list(OKABE_ITO[:2])


def test_a_different_output_or_factor_gives_different_chart_data(small):
    data = open_sweep(small)
    a = factor_summary(data, "wellbeing_mean:final", "complexity")
    b = factor_summary(data, "gaming_share:final", "complexity")
    c = factor_summary(data, "wellbeing_mean:final", "preset")
    assert not a["mean"].equals(b["mean"]) and len(c) != len(a)
    with pytest.raises(HlssimError, match="not an output of this sweep"):
        factor_summary(data, "nonsense:final", "complexity")
    with pytest.raises(HlssimError, match="not a factor of this sweep"):
        factor_summary(data, "gaming_share:final", "nonsense")


def test_the_first_output_shown_is_wellbeing_when_kept(small, sir):
    assert first_output(open_sweep(small)) == "wellbeing_mean:final"
    assert first_output(open_sweep(sir)) == "Infectious:final"  # no wellbeing: the first


def test_point_table_has_every_design_point(small):
    data = open_sweep(small)
    table = point_table(data, "wellbeing_mean:mean")
    assert len(table) == 4 and list(table["runs"]) == [3] * 4
    assert {"preset", "complexity", "mean", "95% low", "95% high"} <= set(table.columns)
    assert (table["95% low"] <= table["mean"]).all() and (table["mean"] <= table["95% high"]).all()


def test_saved_analysis_is_used_only_when_current(small, tmp_path):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(small, folder)
    data = open_sweep(folder)
    assert saved_analysis(data) is None
    before = folder_signature(folder)
    analyze(folder)
    assert folder_signature(folder) != before  # a cached read is refreshed
    analysis = saved_analysis(data)
    assert analysis is not None
    assert indices_for(analysis, "gaming_share:final") is not None
    text = "\n".join(discovery_text(analysis))
    assert "NPM ahead at" in text and "paired point" in text
    path = folder / "analysis" / "analysis.json"
    stale = json.loads(path.read_text()) | {"runs_done": 1}
    path.write_text(json.dumps(stale))
    assert saved_analysis(data) is None


def test_a_sweep_over_a_users_own_model_has_one_series(sir):
    data = open_sweep(sir)
    assert "preset" not in data.factor_columns
    summary = factor_summary(data, "Recovered:final", "Duration")
    assert set(summary["regime"]) == {ALL_RUNS}
    assert len(summary) == data.spec.n_points()  # a sampled range: one row per design point
    assert summary["x"].is_monotonic_increasing
    assert summary["low"].isna().all()  # one run per point: no interval
    means = data.means[data.means["output"] == "Recovered:final"].sort_values("Duration")
    assert np.allclose(summary["mean"], means["mean"])
    spec = chart_spec(summary, "Duration", "Recovered:final", levels=False, own_model=True)
    assert spec["layer"][0]["mark"]["type"] == "rule"
    assert spec["title"]["text"] == "Recovered, at the final saved time"
    analyze(sir)
    assert any("No scenario discovery" in t for t in discovery_text(saved_analysis(open_sweep(sir))))


def test_loop_words_say_the_kind_found_and_any_disagreement():
    spec = LoopName("gaming circle", "R", ("a", "b"), "Gaming breeds gaming.")
    found = NamedLoop(spec, Loop(("a", "b_c"), 1))
    assert loop_words(found).startswith("**Gaming circle** (reinforcing): Gaming breeds gaming.")
    assert "theory expects" not in loop_words(found)
    assert loop_path(found) == "a → b c → a"
    flipped = NamedLoop(spec, Loop(("a", "b"), -1))
    assert "(balancing)" in loop_words(flipped) and "theory expects a reinforcing" in loop_words(flipped)
    missing = NamedLoop(spec, None)
    assert "not found" in loop_words(missing) and loop_path(missing) == ""


#: A small stock-flow model with two named loops of known kind (as in test_cld.py).
POPULATION = """{UTF-8}
population = INTEG(births - deaths, 100)
\t~\tpeople\t~\tStock of people.\t|
births = population * birth_rate
\t~\tpeople/month\t~\tBirths.\t|
birth_rate = 0.03
\t~\t1/month\t~\tBirth rate.\t|
deaths = population / lifetime
\t~\tpeople/month\t~\tDeaths.\t|
lifetime = 50
\t~\tmonth\t~\tAverage lifetime.\t|
FINAL TIME = 24\t~\tmonth\t~\tEnd.\t|
INITIAL TIME = 0\t~\tmonth\t~\tStart.\t|
SAVEPER = 1\t~\tmonth\t~\tSave.\t|
TIME STEP = 0.25\t~\tmonth\t~\tStep.\t|
\\\\\\---/// Sketch information - do not modify anything except names
V300  Do not put anything below this section - it will be ignored
"""

LOOPS = """
[[loop]]
name = "births"
kind = "R"
through = ["population", "births"]
about = "More people, more births."

[[loop]]
name = "deaths"
kind = "R"
through = ["population", "deaths"]
about = "Expected wrongly as reinforcing, to see the disagreement reported."
"""


def test_build_draws_a_models_diagram_and_finds_its_named_loops(tmp_path):
    (tmp_path / "population.mdl").write_text(POPULATION, encoding="utf-8")
    (tmp_path / "population.loops.toml").write_text(LOOPS, encoding="utf-8")
    diagram = build(tmp_path / "population.mdl")
    assert diagram.png.startswith(b"\x89PNG") and diagram.model == "population.mdl"
    assert diagram.kinds == {"R": 1, "B": 1, "?": 0} and diagram.loops == 2
    assert diagram.variables == 3 and diagram.links == 4
    births, deaths = diagram.named
    assert births.as_expected and "(reinforcing): More people" in loop_words(births)
    assert not deaths.as_expected and "(balancing)" in loop_words(deaths)
