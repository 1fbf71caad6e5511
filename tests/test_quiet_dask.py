"""What a sweep on Dask prints: nothing about ports when 8787 is taken, and one line when a
worker is lost (its runs re-run: the results still equal a serial sweep's)."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pandas as pd

from hlssim.experiments import parse_spec, read_results
from hlssim.experiments.runner import connect, execute, make_chunks, task_for
from hlssim.experiments.design import expand
from hlssim.experiments.sweep import sweep

SPEC = {"name": "quiet", "replications": 2, "root_seed": 4,
        "base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 6},
        "factors": {"complexity": {"low": 0, "high": 1, "levels": 6}},
        "outputs": {"gaming_share": "final"}}

SCRIPT = """
import sys
from hlssim.experiments import parse_spec
from hlssim.experiments.sweep import sweep
if __name__ == "__main__":
    sweep(parse_spec({spec!r}), sys.argv[1], workers=2)
"""


def test_a_local_cluster_says_nothing_about_a_busy_port(tmp_path):
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # 8787 is already taken by someone else: the same situation
    try:
        script = tmp_path / "s.py"
        script.write_text(SCRIPT.format(spec=SPEC))
        done = subprocess.run([sys.executable, str(script), str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=300)
    finally:
        holder.close()
    assert done.returncode == 0, done.stderr
    assert "already in use" not in done.stderr and "Hosting the HTTP server" not in done.stderr
    assert len(read_results(tmp_path / "out")) == 12


def test_a_lost_worker_gets_one_line_and_its_runs_are_run_again(tmp_path):
    spec = parse_spec(SPEC | {"base": SPEC["base"] | {"steps": 60},
                              "factors": {"complexity": {"low": 0, "high": 1, "levels": 16}}})
    sweep(spec, tmp_path / "serial")
    design = expand(spec)
    client, cluster = connect(2)
    err = io.StringIO()
    try:
        pids = list(client.run(os.getpid).values())
        rows = []
        killed = threading.Event()

        def on_chunk(chunk_rows):
            rows.append(chunk_rows.results.to_pandas())
            if not killed.is_set():  # the first chunk is back: kill a worker mid-sweep
                killed.set()
                os.kill(pids[0], signal.SIGKILL)

        stderr, sys.stderr = sys.stderr, err
        try:
            execute(make_chunks(design, chunk_runs=2), task_for(design), on_chunk, client=client)
            deadline = time.monotonic() + 20
            while "worker was lost" not in err.getvalue() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            sys.stderr = stderr
    finally:
        client.close()
        cluster.close()
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    assert len([x for x in lines if "worker was lost" in x]) == 1, lines
    got = pd.concat(rows).sort_values(["run_id", "output"]).reset_index(drop=True)
    want = read_results(tmp_path / "serial")
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_two_sweeps_on_one_cluster_say_nothing(tmp_path):
    import warnings

    client, cluster = connect(2)
    try:
        with warnings.catch_warnings(record=True) as seen:  # the scheduler runs in this process
            warnings.simplefilter("always")
            for k in range(2):
                sweep(parse_spec(SPEC), tmp_path / f"s{k}", scheduler=cluster.scheduler_address)
    finally:
        client.close()
        cluster.close()
    assert not [str(w.message) for w in seen if "plugin" in str(w.message)]


def test_ctrl_c_on_a_local_cluster_is_one_line(tmp_path):
    """Ctrl-C in a terminal signals the whole process group, workers included: only hlssim's
    own line may come out (the workers ignore it; this process closes them)."""
    from pathlib import Path

    spec = tmp_path / "long.toml"
    spec.write_text('name = "long"\nreplications = 2\nroot_seed = 1\n[base]\nsteps = 120\n'
                    '[factors]\ncomplexity = {low = 0, high = 1, levels = 2000}\n'
                    '[outputs]\ngaming_share = "final"\n')
    out = tmp_path / "out"
    hlssim = str(Path(sys.executable).with_name("hlssim"))
    proc = subprocess.Popen([hlssim, "sweep", str(spec), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not list((out / "results").glob("part-*.parquet")):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    lines = [x for x in err.splitlines() if x.strip() and not x.startswith("sweep")]
    assert proc.returncode == 130 and len(lines) == 1 and lines[0].startswith("hlssim: interrupted"), err
