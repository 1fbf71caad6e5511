"""No traceback on any input: every bad input gets one line on stderr naming the field, the value
and what is allowed, a non-zero exit, and leaves nothing behind (issue 19's list, case by case),
and property tests prove it for the classes: any spec table, any mangled spec file, any --set.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hlssim.errors import HlssimError
from hlssim.experiments import expand, load_spec, parse_spec, sweep
from hlssim.model.parameters import PARAMETERS
from hlssim.model.scenario import Scenario
from hlssim.ui.cli import main
from hlssim.ui.cli.entry import error_line
from hlssim.ui.cli.shared import parse_sets

ROOT = Path(__file__).resolve().parent.parent
SMALL = """name = "small"
replications = 2
[base]
n_people = 30
n_workers = 3
n_providers = 1
steps = 12
[factors]
complexity = [0.2, 0.8]
[outputs]
wellbeing_mean = "final"
"""


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("swept") / "good"
    sweep(parse_spec(__import__("tomllib").loads(SMALL)), out, chunk_runs=2)  # several parts
    return out


def one_line(capsys, expected_code: int, argv: list[str]) -> str:
    """Run ``hlssim ARGV`` here; it must exit ``expected_code`` with one ``hlssim: error:`` line."""
    capsys.readouterr()
    assert main(argv) == expected_code
    err = [line for line in capsys.readouterr().err.splitlines()
           if not line.startswith(("sweep ", "hlssim: compiling"))]
    assert len(err) == 1 and err[0].startswith("hlssim: error: "), err
    return err[0]


def corrupt_copy(swept: Path, tmp_path: Path) -> Path:
    broken = tmp_path / "corrupt"
    shutil.copytree(swept, broken)
    part = sorted((broken / "results").glob("part-*.parquet"))[0]
    part.write_bytes(b"not parquet")
    return broken


# --- the cases of the issue -----------------------------------------------------------------------

def test_a_non_utf8_spec_or_scenario_is_one_line(tmp_path, capsys, small):
    spec = tmp_path / "latin1.toml"
    spec.write_bytes(b'name = "caf\xe9"\n' + small.read_bytes())
    line = one_line(capsys, 2, ["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert line.endswith("not UTF-8 text (byte 11 is 0xe9); expected a text file saved as UTF-8")
    scenario = tmp_path / "latin1_scenario.toml"
    scenario.write_bytes(b'# caf\xe9\npreset = "hls"\n')
    one_line(capsys, 2, ["run", "--scenario", str(scenario), "--steps", "2",
                         "--out", str(tmp_path / "r.csv")])
    assert not (tmp_path / "o").exists() and not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("command", ["sweep", "compare", "check"])
def test_an_out_folder_that_cannot_be_made_is_one_line(tmp_path, capsys, small, command):
    afile = tmp_path / "afile"
    afile.write_text("")
    spec = str(ROOT / "experiments" / "crossover.toml")
    for out in ("/proc/hlssim/out", str(afile / "out")):
        argv = {"sweep": ["sweep", str(small), "--out", out, "--workers", "0"],
                "compare": ["compare", "--reps", "2", "--out", out],
                "check": ["check", spec, "--quick", "--out", out]}[command]
        line = one_line(capsys, 2, argv)
        assert f"--out '{out}': cannot be made" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "small.toml"]


def test_junit_into_a_missing_folder_fails_before_the_check_runs(tmp_path, capsys):
    spec = str(ROOT / "experiments" / "crossover.toml")
    line = one_line(capsys, 2, ["check", spec, "--quick", "--out", str(tmp_path / "runs"),
                                "--junit", str(tmp_path / "no" / "r.xml")])
    assert line.endswith(f"folder '{tmp_path / 'no'}' does not exist")
    assert not (tmp_path / "runs").exists()  # nothing ran


@pytest.mark.parametrize("command", ["analyze", "report", "sweep"])
def test_a_damaged_part_is_named_in_one_line(tmp_path, capsys, swept, small, command):
    broken = corrupt_copy(swept, tmp_path)
    manifest = (broken / "manifest.json").read_text()
    argv = {"analyze": ["analyze", str(broken)], "report": ["report", str(broken)],
            "sweep": ["sweep", str(small), "--out", str(broken), "--workers", "0"]}[command]
    line = one_line(capsys, 2, argv)
    assert "cannot be read as a sweep (results/part-000000000-000000001.parquet" in line
    assert line.endswith("delete that part and run the sweep again to remake its runs")
    assert (broken / "manifest.json").read_text() == manifest
    assert not (broken / "report").exists() and not (broken / "analysis").exists()


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "notanaddress"])
def test_an_unreachable_scheduler_leaves_nothing_behind(tmp_path, capsys, small, address,
                                                        monkeypatch):
    monkeypatch.setattr("hlssim.experiments.runner.CONNECT_TIMEOUT", "1s")
    out = tmp_path / "o"
    line = one_line(capsys, 2, ["sweep", str(small), "--out", str(out), "--scheduler", address])
    assert line.startswith(f"hlssim: error: --scheduler '{address}': cannot connect (")
    assert not out.exists()


@pytest.mark.parametrize("argv, expected", [
    (["diagram", "--out", "{tmp}/d.png", "--show", "-3"], "--show -3: expected 0 or more loops"),
    (["compare", "--reps", "100000000", "--out", "{tmp}/c"],
     "--reps 100000000: 200000000 runs is not allowed; expected at most 50000"),
    (["run", "--preset", "hls", "--steps", "2", "--out", "{tmp}"], "is a folder; expected a file"),
    (["run", "--preset", "hls", "--steps", "2", "--out", "{tmp}/small.toml/x.csv"],
     "small.toml' is a file, not a folder"),
    (["check", "{tmp}/small.toml", "--out", "{tmp}/c"], "no [[expect]] tables, so nothing to judge"),
    (["sweep", "{tmp}/small.toml", "--out", "{tmp}/s", "--smoke"], "smoke: missing; --smoke"),
], ids=["diagram-show", "compare-reps", "out-is-folder", "parent-is-file", "check-nothing",
        "smoke-missing"])
def test_options_out_of_range_are_one_line(tmp_path, capsys, small, argv, expected):
    before = sorted(p.name for p in tmp_path.iterdir())
    line = one_line(capsys, 2, [a.format(tmp=tmp_path) for a in argv])
    assert expected in line
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_infinite_whole_number_is_one_line():
    with pytest.raises(HlssimError, match="factors.n_people: level inf is not allowed"):
        parse_spec({"factors": {"n_people": [float("inf")]}})


def test_spec_mistakes_get_a_hint(tmp_path, capsys):
    mean99 = tmp_path / "mean99.toml"
    mean99.write_text(SMALL.replace('"final"', '"mean_last_99"'))
    line = one_line(capsys, 2, ["sweep", str(mean99), "--out", str(tmp_path / "o")])
    assert line.endswith('outputs.wellbeing_mean: "mean_last_99" is not allowed; runs last 12 '
                         "steps, so expected mean_last_1 to mean_last_12")
    late = tmp_path / "late.toml"
    late.write_text('[base]\nsteps = 4\ncompare = ["npm_targets", "hls"]\n'
                    "[factors]\ncomplexity = [0.2]\n")
    line = one_line(capsys, 2, ["sweep", str(late), "--out", str(tmp_path / "o")])
    assert "base.compare: unknown parameter; 'compare' is a top-level setting: move it above" in line
    assert not (tmp_path / "o").exists()


def test_a_spec_with_no_outputs_says_what_it_keeps(tmp_path, capsys):
    spec = tmp_path / "plain.toml"
    spec.write_text(SMALL.split("[outputs]")[0].replace("replications = 2", "replications = 1")
                    .replace("n_people = 30", "n_people = 20"))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "0"]) == 0
    assert ("note: the spec names no [outputs]; keeping every public metric's mean over the last "
            "12 months") in capsys.readouterr().err


def test_the_command_itself_prints_no_traceback(tmp_path, swept):
    """The same through a real process: exit 2, one line, no traceback."""
    broken = corrupt_copy(swept, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "hlssim.ui.cli", "analyze", str(broken)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# --- the classes: property tests -------------------------------------------------------------------

SCALARS = (st.integers(-5, 10**7) | st.floats(allow_nan=True) | st.booleans()
           | st.text(max_size=12) | st.sampled_from(["npm_targets", "hls", "final", "mean_last_12",
                                                    "at_3", "trajectory", "grid", "lhs", "sobol"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(["low", "high", "levels", "x"]), inner,
                                        max_size=3), max_leaves=8)
KEYS = st.sampled_from(["sampler", "samples", "replications", "engine", "root_seed", "compare",
                        "common_random_numbers", "morris_levels", "name", "nonsense"])
NAMES = st.sampled_from(["complexity", "audit_rate", "preset", "n_people", "steps", "nonsense",
                         "wellbeing_mean", "mech_trust"])
SPECS = st.fixed_dictionaries(
    {"factors": st.dictionaries(NAMES, VALUES, max_size=3)},
    optional={"base": st.dictionaries(NAMES, VALUES, max_size=3),
              "outputs": st.dictionaries(st.sampled_from(["wellbeing_mean", "gaming_share", "x"]),
                                         VALUES, max_size=2),
              "smoke": st.dictionaries(st.sampled_from(["replications", "samples", "base", "q"]),
                                       VALUES, max_size=2),
              "expect": st.lists(st.dictionaries(st.sampled_from(["kind", "output", "above",
                                                                  "between", "where"]), VALUES,
                                                 max_size=4), max_size=2)},
).flatmap(lambda d: st.dictionaries(KEYS, VALUES, max_size=3).map(lambda top: top | d))

#: A valid spec, and the places where an edit may put any value (or a plausible one).
VALID = {"replications": 2, "base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 4},
         "factors": {"complexity": [0.2, 0.8]}, "outputs": {"wellbeing_mean": "final"}}
PLACES = st.sampled_from([
    ("sampler",), ("samples",), ("replications",), ("engine",), ("root_seed",), ("compare",),
    ("morris_levels",), ("common_random_numbers",), ("factors", "complexity"),
    ("factors", "audit_rate"), ("factors", "preset"), ("factors", "mech_trust"),
    ("factors", "steps"), ("base", "steps"), ("base", "preset"), ("base", "n_workers"),
    ("outputs", "wellbeing_mean"), ("outputs", "gaming_share"), ("smoke", "replications"),
    ("smoke", "max_levels"), ("smoke", "base"), ("expect",)])
PLAUSIBLE = st.sampled_from([
    "lhs", "sobol", "morris", 4, 8, ["npm_targets", "hls"], {"low": 0, "high": 1},
    {"low": 0, "high": 1, "levels": 3}, ["final", "at_4"], "mean_last_3", [True, False],
    [{"kind": "difference", "output": "wellbeing_mean", "between": ["npm_targets", "hls"]}],
    [{"kind": "value", "output": "wellbeing_mean", "above": 0}], {"steps": 2}])


def edited(edits) -> dict:
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in VALID.items()}
    for place, value in edits:
        table = data
        for key in place[:-1]:
            table = table.setdefault(key, {}) if isinstance(table.get(key, {}), dict) else {}
        table[place[-1]] = value
    return data


SPECS = (SPECS | st.lists(st.tuples(PLACES, VALUES), min_size=1, max_size=2).map(edited)
         | st.lists(st.tuples(PLACES, PLAUSIBLE), min_size=1, max_size=3).map(edited))


def one_line_error(call) -> object:
    """``call()``'s result, or None if it raised a one-line HlssimError (anything else fails)."""
    try:
        return call()
    except HlssimError as err:
        assert str(err) and "\n" not in error_line(err), repr(err)
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPECS)
def test_any_spec_table_is_valid_or_refused_in_one_line(data):
    spec = one_line_error(lambda: parse_spec(data))
    if spec is not None and spec.n_runs() <= 2000:
        one_line_error(lambda: expand(spec))  # every design point a valid scenario, or one line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=0, max_size=3)),
                      min_size=1, max_size=4))
def test_any_mangled_spec_file_is_valid_or_refused_in_one_line(tmp_path, edits):
    text = (ROOT / "experiments" / "crossover.toml").read_bytes()
    for at, replacement in edits:
        at %= len(text)
        text = text[:at] + replacement + text[at + len(replacement):]
    path = tmp_path / "mangled.toml"
    path.write_bytes(text)
    one_line_error(lambda: load_spec(path))
    one_line_error(lambda: load_spec(path, smoke=True))


@settings(max_examples=300, deadline=None)
@example(key="n_people", value="inf")  # overflowed Param.coerce's whole-number check
@example(key="n_approaches", value="-INF")
@given(key=st.sampled_from(sorted(PARAMETERS)) | st.text(max_size=8),
       value=st.text(max_size=10) | st.integers(-10**9, 10**9).map(str)
       | st.floats(allow_nan=True).map(str))
def test_any_set_value_is_valid_or_refused_in_one_line(key, value):
    def build():  # what hlssim run and compare do with --set
        return Scenario.from_preset("hls", **parse_sets([f"{key}={value}"]))

    one_line_error(build)
