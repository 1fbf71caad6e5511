"""A sweep killed with SIGKILL part way, then resumed, equals the same sweep run without a break:
the check shared by the tests of hlssim's own sweeps and of sweeps over a user's model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from hlssim.experiments import parse_spec
from hlssim.experiments.store import read_manifest, read_results
from hlssim.experiments.sweep import sweep

#: A sweep of one chunk per run, in a process of its own (so it can be killed).
RESUMABLE = """
import sys
from hlssim.experiments import parse_spec
from hlssim.experiments.sweep import sweep
spec = parse_spec({spec!r})
sweep(spec, sys.argv[1], chunk_runs=1)
"""


def assert_resume_after_sigkill_equals_a_whole_sweep(data: dict[str, Any], runs: int,
                                                     tmp_path: Path, timeout: float) -> None:
    """Run the spec ``data`` (``runs`` runs) in a subprocess, SIGKILL it once 3 parts are stored,
    resume it, and compare every stored row with an uninterrupted sweep's, exactly."""
    script = tmp_path / "sweep.py"
    script.write_text(RESUMABLE.format(spec=data))
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(list((out / "results").glob("part-*"))) < 3:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list((out / "results").glob("part-*.parquet")))
    assert 3 <= done_before < runs, "the sweep should have been killed part way"
    assert read_manifest(out)["status"] == "running"
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True)
    manifest = read_manifest(out)
    assert manifest["status"] == "complete" and manifest["sessions"][-1]["runs_resumed"] >= done_before
    sweep(parse_spec(data), tmp_path / "whole")
    resumed = read_results(out)
    assert not resumed.duplicated(["run_id", "output"]).any()
    pd.testing.assert_frame_equal(resumed, read_results(tmp_path / "whole"), check_exact=True)
