"""Experiments as checks: expectations judged on real runs, exit codes, JUnit XML.

The small spec below compares the two regimes at the two ends of complexity. One expectation
states what the model does (HLS ahead when lives are complex) and one states its opposite; the
first must pass and the second fail, on the same real runs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from hlssim.ui.cli import main
from hlssim.experiments import load_spec, parse_spec, read_results, sweep
from hlssim.common.stats import crossing as _crossing
from hlssim.experiments.expect import judge_all
from hlssim.common.stats import welch_interval

SCHEMA = Path(__file__).resolve().parent / "schemas" / "junit.xsd"

SPEC = """
name = "tiny"
sampler = "grid"
replications = 6
root_seed = 7

[base]
n_people = 100
n_workers = 5
n_providers = 2
steps = 48

[factors]
preset = ["npm_targets", "hls"]
complexity = [0.0, 1.0]

[outputs]
wellbeing_mean = "mean_last_12"
goodhart_gap = "mean_last_12"

[[expect]]
name = "HLS ahead where lives are complex"
kind = "difference"
output = "wellbeing_mean"
between = ["npm_targets", "hls"]
where = {complexity = 1.0}
above = 0
"""

WRONG = """
[[expect]]
name = "NPM ahead where lives are complex (the opposite)"
kind = "difference"
output = "wellbeing_mean"
between = ["hls", "npm_targets"]
where = {complexity = 1.0}
above = 0
"""


def write(tmp_path: Path, text: str, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_true_expectation_passes_and_its_opposite_fails(tmp_path, capsys):
    spec_path = write(tmp_path, SPEC + WRONG)
    junit = tmp_path / "report.xml"
    code = main(["check", str(spec_path), "--out", str(tmp_path / "runs"), "--junit", str(junit),
                 "--quiet"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "HLS ahead where lives are complex" in printed and "FAIL" in printed
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(junit))
    report = xmlschema.XMLSchema(str(SCHEMA)).to_dict(str(junit))
    suite = report["testsuite"][0]
    assert (suite["@tests"], suite["@failures"]) == (2, 1)
    cases = {c["@name"]: c for c in suite["testcase"]}
    assert "failure" in cases["NPM ahead where lives are complex (the opposite)"]
    assert "failure" not in cases["HLS ahead where lives are complex"]


def test_all_passing_exits_zero_and_resumes_without_rerunning(tmp_path, capsys):
    spec_path = write(tmp_path, SPEC)
    out = tmp_path / "runs"
    assert main(["check", str(spec_path), "--out", str(out), "--quiet"]) == 0
    parts = sorted((out / "tiny" / "results").glob("part-*.parquet"))
    assert main(["check", str(spec_path), "--out", str(out), "--quiet"]) == 0
    assert sorted((out / "tiny" / "results").glob("part-*.parquet")) == parts
    assert "1 of 1 expectations passed" in capsys.readouterr().err


def test_a_folder_of_specs_runs_every_spec(tmp_path, capsys):
    folder = tmp_path / "specs"
    folder.mkdir()
    write(folder, SPEC, "a.toml")
    write(folder, SPEC.replace('name = "tiny"', 'name = "other"'), "b.toml")
    assert main(["check", str(folder), "--out", str(tmp_path / "runs"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "tiny" in printed and "other" in printed


@pytest.mark.parametrize("change, field", [
    ('where = {complexity = 1.0}', "where = {complexity = 0.5}"),
    ('output = "wellbeing_mean"', 'output = "trust_worker_person"'),
    ('kind = "difference"', 'kind = "bigger"'),
    ('between = ["npm_targets", "hls"]', 'between = ["npm_targets", "alliance"]'),
])
def test_a_bad_expectation_is_one_line_exit_2_and_nothing_runs(tmp_path, capsys, change, field):
    spec_path = write(tmp_path, SPEC.replace(change, field))
    out = tmp_path / "runs"
    assert main(["check", str(spec_path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "expect[0]" in err and "Traceback" not in err
    assert not out.exists()


def test_an_expectation_must_survive_the_smoke_version(tmp_path):
    text = SPEC.replace("complexity = [0.0, 1.0]", "complexity = [0.0, 0.5, 1.0]").replace(
        "where = {complexity = 1.0}", "where = {complexity = 0.5}")
    text += "\n[smoke]\nmax_levels = 2\n"
    with pytest.raises(ValueError, match=r"smoke: expect\[0\]\.where\.complexity: 0\.5 is not a level"):
        load_spec(write(tmp_path, text))


def test_verdicts_are_reproducible(tmp_path):
    text = SPEC + """
[[expect]]
kind = "crossover"
output = "wellbeing_mean"
between = ["npm_targets", "hls"]
along = "complexity"
within = [0.0, 1.0]

[[expect]]
kind = "trend"
output = "goodhart_gap"
along = "complexity"
where = {preset = "npm_targets"}
"""
    spec = load_spec(write(tmp_path, text))
    sweep(spec, tmp_path / "runs")
    results = read_results(tmp_path / "runs")
    first, second = judge_all(spec, results), judge_all(spec, results)
    assert [v.detail for v in first] == [v.detail for v in second]
    crossover = first[1]
    assert 0.0 <= crossover.estimate <= 1.0 and crossover.passed


# --- the statistics, on data with a known answer ------------------------------------------------

@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=12),
       st.lists(st.floats(-5, 5), min_size=2, max_size=12))
def test_welch_interval_matches_scipy(x, y):
    x, y = np.array(x), np.array(y)
    diff, low, high = welch_interval(x, y, 0.9)
    assert diff == pytest.approx(x.mean() - y.mean(), abs=1e-12)
    if np.var(x) + np.var(y) > 1e-6:
        ci = stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.9)
        assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-6, abs=1e-9)


@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=2, max_size=8))
def test_a_crossing_lies_where_the_sign_first_changes(diffs):
    levels = np.linspace(0, 1, len(diffs))
    found = _crossing(levels, np.array([diffs]))[0]
    signs = np.sign(diffs)
    changes = [k for k in range(len(diffs) - 1) if signs[k] == 0 or signs[k] * signs[k + 1] < 0]
    if not changes:
        assert np.isnan(found)
    else:
        k = changes[0]
        assert levels[k] - 1e-12 <= found <= levels[k + 1] + 1e-12


def test_trend_and_value_on_planted_data():
    import pandas as pd

    rng = np.random.default_rng(3)
    x = np.repeat([0.0, 0.5, 1.0], 10)
    rows = pd.DataFrame({"run_id": range(30), "target_pressure": x, "output": "gaming_share:final",
                         "value": 0.3 * x + rng.normal(0, 0.05, 30)})
    spec = parse_spec({"factors": {"target_pressure": [0.0, 0.5, 1.0]},
                       "outputs": {"gaming_share": "final"},
                       "expect": [{"kind": "trend", "output": "gaming_share", "along": "target_pressure"},
                                  {"kind": "trend", "output": "gaming_share", "along": "target_pressure",
                                   "direction": "decreasing"},
                                  {"kind": "value", "output": "gaming_share", "above": 0.05},
                                  {"kind": "value", "output": "gaming_share", "above": 0.2}]})
    rising, falling, value, too_high = judge_all(spec, rows)
    assert rising.passed and not falling.passed
    assert value.passed and value.low > 0.05 and not too_high.passed
