"""What a results folder records about what made it, and a status that is true after any ending
(hlssim/experiments/provenance.py, store.py).

Exact checks: every field of the provenance is compared with what it should be, computed here
another way; every Parquet part carries it; a resume with other resolved preset values is
refused; Ctrl-C, an error and kill -9 leave a status that says so, with true counts.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import textwrap
import time
from importlib import metadata
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hlssim.experiments import load_spec, sweep
from hlssim.experiments.fingerprint import PACKAGE, model_fingerprint
from hlssim.experiments.provenance import PACKAGES
from hlssim.experiments.store import ResultStore, part_provenance, read_manifest
from hlssim.experiments.sweepdata import load_sweep
from hlssim.model.scenario import Scenario
from hlssim.ui.cli import main

SPEC = """
# a comment the manifest must keep
name = "provenanced"
replications = 2
root_seed = 5

[base]
n_people = 40
n_workers = 4
n_providers = 2
steps = 6

[factors]
preset = ["npm_targets", "hls"]   # two regimes
complexity = [0.2, 0.8]

[outputs]
wellbeing_mean = "final"
"""


@pytest.fixture
def spec_path(tmp_path) -> Path:
    path = tmp_path / "provenanced.toml"
    path.write_text(textwrap.dedent(SPEC), encoding="utf-8")
    return path


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(PACKAGE.parent), *args], capture_output=True, text=True)


def test_the_manifest_and_every_part_record_what_made_the_runs(tmp_path, spec_path):
    out = tmp_path / "out"
    argv = ["sweep", str(spec_path), "--out", str(out), "--workers", "0"]
    assert main(argv) == 0
    manifest = read_manifest(out)
    assert manifest["model_fingerprint"] == model_fingerprint()
    assert manifest["spec_text"] == spec_path.read_text(encoding="utf-8")  # comments and all
    spec = load_spec(spec_path)
    assert manifest["spec_digest"] == spec.digest()
    base = dict(spec.base)
    assert manifest["resolved"] == {
        name: {k: v for k, v in sorted(Scenario.from_preset(name, **base).items())
               if k not in ("preset", "complexity")}
        for name in ("npm_targets", "hls")}
    env = manifest["sessions"][-1]["environment"]
    assert env["command"] == sys.argv  # main() was called in this process
    assert env["python"] == platform.python_version()
    assert env["platform"] == platform.platform()
    for name in PACKAGES:
        try:
            assert env["packages"][name] == metadata.version(name)
        except metadata.PackageNotFoundError:
            assert env["packages"][name] is None
    head = git("rev-parse", "HEAD")
    if head.returncode == 0:
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").stdout.strip())
        assert env["git"] == {"commit": head.stdout.strip(), "dirty": dirty}
    else:
        assert env["git"] is None
    session = manifest["sessions"][-1]
    assert session["pid"] == os.getpid()
    parts = sorted((out / "results").glob("part-*.parquet"))
    assert parts
    for part in parts:
        recorded = part_provenance(part)
        assert recorded["model_fingerprint"] == manifest["model_fingerprint"]
        assert recorded["spec_digest"] == manifest["spec_digest"]
        assert recorded["resolved"] == manifest["resolved"]
        assert recorded["environment"] == env and recorded["session"] == 0
        assert "pandas" in pq.read_schema(part).metadata[b"pandas"].decode()  # still pandas' own


def test_a_resume_with_presets_resolved_otherwise_is_refused(tmp_path, spec_path, capsys):
    out = tmp_path / "out"
    argv = ["sweep", str(spec_path), "--out", str(out), "--workers", "0"]
    assert main(argv) == 0
    manifest = read_manifest(out)
    was = manifest["resolved"]["hls"]["audit_rate"]
    manifest["resolved"]["hls"]["audit_rate"] = 0.5
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"hlssim: error: --out '{out}': stored runs were made with hls's audit_rate = 0.5, now "
        f"{was!r}; expected the same model and presets to resume, or --restart to run them all "
        "again"]
    assert main(argv + ["--restart"]) == 0
    assert read_manifest(out)["resolved"]["hls"]["audit_rate"] == was


def test_a_rerun_of_a_finished_sweep_keeps_its_finish_time(tmp_path, spec_path):
    out = tmp_path / "out"
    first = sweep(load_spec(spec_path), out)
    assert first["status"] == "complete" and first["finished"]
    time.sleep(1.1)  # times are recorded to the second
    again = sweep(load_spec(spec_path), out)
    assert again["finished"] == first["finished"]
    assert again["sessions"][-1]["finished"] != first["sessions"][-1]["finished"]


def test_ctrl_c_or_an_error_marks_the_folder_interrupted_with_true_counts(tmp_path, spec_path,
                                                                           monkeypatch):
    out = tmp_path / "out"
    spec = load_spec(spec_path)
    written = []
    original = ResultStore.write_part

    def stop_after_two(self, rows):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(original(self, rows))

    monkeypatch.setattr(ResultStore, "write_part", stop_after_two)
    with pytest.raises(KeyboardInterrupt):
        sweep(spec, out, chunk_runs=1)
    manifest = read_manifest(out)
    assert manifest["status"] == "interrupted" and manifest["finished"] is None
    assert manifest["counts"]["runs_done"] == 2 and manifest["counts"]["parts"] == 2
    assert manifest["sessions"][-1]["runs_run"] == 2 and manifest["sessions"][-1]["interrupted"]
    monkeypatch.undo()
    assert sweep(spec, out)["status"] == "complete"


KILLABLE = """
import sys, time
from hlssim.experiments import load_spec
from hlssim.experiments.store import ResultStore
from hlssim.experiments.sweep import sweep
original = ResultStore.write_part
def slow(self, rows):
    path = original(self, rows)
    time.sleep(0.3)
    return path
ResultStore.write_part = slow
sweep(load_spec(sys.argv[1]), sys.argv[2], chunk_runs=1)
"""


def test_after_kill_9_readers_see_interrupted_and_count_what_is_stored(tmp_path, spec_path):
    out = tmp_path / "out"
    script = tmp_path / "killable.py"
    script.write_text(KILLABLE)
    proc = subprocess.Popen([sys.executable, str(script), str(spec_path), str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "results").glob("part-*"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    manifest = read_manifest(out)
    assert manifest["status"] == "running" and manifest["counts"]["runs_done"] == 0  # as left
    data = load_sweep(out)
    stored = len(list((out / "results").glob("part-*.parquet")))  # one run per part
    assert 2 <= stored < 8
    assert data.manifest["status"] == "interrupted"
    assert data.manifest["counts"]["runs_done"] == stored
