"""`hlssim sweep` end to end at smoke size; bad specs get one line and exit 2 before any run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hlssim.ui.cli import main
from hlssim.experiments import load_spec
from hlssim.experiments.store import read_manifest, read_results

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "experiments").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_spec_runs_at_smoke_size_and_resumes(tmp_path, capsys, path):
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--smoke", "--workers", "0"]) == 0
    captured = capsys.readouterr()
    spec = load_spec(path, smoke=True)
    assert f"{spec.n_runs()}/{spec.n_runs()} runs stored" in captured.out
    assert f"sweep: {spec.n_runs()}/{spec.n_runs()} runs" in captured.err
    rows = read_results(out)
    assert rows["run_id"].nunique() == spec.n_runs()
    assert set(rows["output"]) == {o.name for o in spec.outputs if not o.is_trajectory}
    assert rows["value"].notna().all()
    assert read_manifest(out)["spec"]["smoke"] is True
    assert main(["sweep", str(path), "--out", str(out), "--smoke", "--workers", "0"]) == 0  # resume: nothing to do
    assert f"resumed: {spec.n_runs()} runs were already stored" in capsys.readouterr().err
    pd.testing.assert_frame_equal(read_results(out), rows)
    assert read_manifest(out)["sessions"][-1]["runs_run"] == 0


def write(tmp_path, text):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


GOOD = """
replications = 1
[base]
n_people = 40
n_workers = 4
n_providers = 2
steps = 3
[factors]
complexity = [0.2, 0.8]
[outputs]
wellbeing_mean = "final"
"""


@pytest.mark.parametrize("text, extra, words", [
    (GOOD.replace("complexity = [0.2, 0.8]", "complexity = [0.2, 1.8]"), [],
     "factors.complexity: level 1.8 is not allowed; expected a number from 0 to 1"),
    (GOOD.replace("complexity = [0.2, 0.8]", "wobble = [1]"), [], "factors.wobble: unknown parameter"),
    (GOOD.replace("complexity = [0.2, 0.8]", "complexity = []"), [], "factors.complexity: empty"),
    ("sampler = 'sobol'\nsamples = 3\n" + GOOD.replace("[0.2, 0.8]", "{low = 0, high = 1}"), [],
     "samples: 3 is not allowed with sampler sobol"),
    (GOOD.replace("n_workers = 4", "n_workers = 400"), [], "design point 0"),
    ("factors = [\n", [], "malformed TOML"),
    (GOOD, ["--workers", "-1"], "--workers -1"),
    (GOOD, ["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--workers and --scheduler"),
])
def test_bad_spec_one_line_exit_2_nothing_written(tmp_path, capsys, text, extra, words):
    spec = write(tmp_path, text)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_missing_spec_file(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "nope.toml': not found" in capsys.readouterr().err


def test_out_folder_of_another_experiment_is_refused(tmp_path, capsys):
    spec = write(tmp_path, GOOD)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 0
    spec.write_text(GOOD.replace("replications = 1", "replications = 2"))
    before = sorted(p.name for p in (out / "results").iterdir())
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 2
    assert "holds results of a different experiment" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "results").iterdir()) == before


def test_installed_command_on_a_local_cluster(tmp_path):
    """The `hlssim` entry point, as a user runs it, with two Dask worker processes."""
    exe = Path(sys.executable).parent / "hlssim"
    if not exe.exists():
        pytest.skip("the hlssim command is not installed beside this Python")
    spec = write(tmp_path, GOOD)
    proc = subprocess.run([str(exe), "sweep", str(spec), "--out", str(tmp_path / "dask"), "--workers", "2"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "2 local worker(s)" in proc.stderr and "2/2 runs stored" in proc.stdout
    assert main(["sweep", str(spec), "--out", str(tmp_path / "serial"), "--workers", "0"]) == 0
    pd.testing.assert_frame_equal(read_results(tmp_path / "dask"), read_results(tmp_path / "serial"),
                                  check_exact=True)
