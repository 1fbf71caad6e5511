"""Running sweeps: rows match single runs, serial equals Dask, parts are atomic, resume is exact."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from resume_check import assert_resume_after_sigkill_equals_a_whole_sweep

import hlssim
from hlssim.errors import HlssimError
from hlssim.experiments import expand, parse_spec
from hlssim.experiments.runner import make_chunks, run_chunk, task_for
from hlssim.experiments.store import ResultStore, read_manifest, read_results, read_trajectories
from hlssim.experiments.sweep import sweep

BASE = {"n_people": 60, "n_workers": 6, "n_providers": 2, "steps": 12}
OUTPUTS = {"wellbeing_mean": ["final", "mean_last_4"], "gaming_share": "mean"}


def small_spec(**data):
    data = {"base": BASE, "factors": {"preset": ["npm_targets", "hls"], "complexity": [0.2, 0.8]},
            "replications": 3, "root_seed": 11, "outputs": OUTPUTS} | data
    return parse_spec(data)


def test_rows_are_tidy_and_equal_single_runs():
    spec = small_spec()
    design = expand(spec)
    rows = run_chunk(make_chunks(design, chunk_runs=100)[0], task_for(design)).results
    assert list(rows.columns) == ["run_id", "point", "sample", "replicate", "seed", "complexity",
                                  "preset", "output", "metric", "stat", "value"]
    assert len(rows) == len(design.runs) * 3 and rows["run_id"].is_monotonic_increasing
    # the metric and the statistic are stored apart, and make up the output's name
    assert (rows["metric"] + ":" + rows["stat"] == rows["output"]).all()
    assert set(rows["stat"]) == {"final", "mean_last_4", "mean"}
    run = design.runs[7]  # point 2 (complexity 0.8, npm_targets), replicate 1
    table = hlssim.run(design.scenarios[run.point], seed=run.seed, engine="batch")
    mine = rows[rows["run_id"] == run.run_id].set_index("output")["value"]
    assert mine["wellbeing_mean:final"] == table["wellbeing_mean"].iloc[-1]
    assert mine["wellbeing_mean:mean_last_4"] == table["wellbeing_mean"].iloc[-4:].mean()
    assert mine["gaming_share:mean"] == table["gaming_share"].mean()
    first = rows[rows["run_id"] == run.run_id].iloc[0]
    assert (first["complexity"], first["preset"], first["replicate"], first["seed"]) == (0.8, "npm_targets", 1, run.seed)


@pytest.mark.parametrize("outputs, first", [
    ({"wellbeing_mean": "mean_last_4", "gaming_share": "final"}, 9),
    ({"wellbeing_mean": ["at_5", "final"]}, 5),
    ({"wellbeing_mean": "mean_last_12"}, 1),  # as long as the run: all of it
    ({"wellbeing_mean": "final", "gaming_share": "mean"}, 1),
])
def test_rows_need_only_the_months_their_outputs_read(outputs, first, monkeypatch):
    """A sweep works out a run's metrics only from the first month its outputs read (a final
    year's mean: the last 12 months), and its rows equal a direct run's values to the bit."""
    import hlssim.experiments.runner as runner

    asked = []
    real = runner.run_many_metrics

    def spy(scenario, seeds, threads=None, from_step=1):
        asked.append(from_step)
        return real(scenario, seeds, threads, from_step=from_step)

    monkeypatch.setattr(runner, "run_many_metrics", spy)
    design = expand(small_spec(outputs=outputs, replications=2))
    rows = run_chunk(make_chunks(design, chunk_runs=100)[0], task_for(design)).results
    assert set(asked) == {first}
    assert rows["value"].notna().all()
    for run in design.runs[::3]:
        table = hlssim.run(design.scenarios[run.point], seed=run.seed, engine="batch")
        mine = rows[rows["run_id"] == run.run_id].set_index("output")["value"]
        for out in task_for(design).outputs:
            assert mine[out.name] == out.value(table[out.metric].to_numpy()), out.name


def test_mesa_engine_rows_equal_batch_rows():
    spec = small_spec(replications=1, factors={"complexity": [0.5]}, base=BASE | {"steps": 4})
    design = expand(spec)
    chunk = make_chunks(design)[0]
    batch = run_chunk(chunk, task_for(design)).results
    mesa = run_chunk(chunk, task_for(expand(small_spec(replications=1, factors={"complexity": [0.5]},
                                                       base=BASE | {"steps": 4}, engine="mesa")))).results
    pd.testing.assert_frame_equal(batch, mesa, check_exact=False, rtol=1e-12)


def test_chunking_does_not_change_results(tmp_path):
    spec = small_spec()
    a = sweep(spec, tmp_path / "a", chunk_runs=100)
    b = sweep(spec, tmp_path / "b", chunk_runs=2)
    assert a["counts"]["parts"] == 1 and b["counts"]["parts"] > 4
    pd.testing.assert_frame_equal(read_results(tmp_path / "a"), read_results(tmp_path / "b"), check_exact=True)


def test_serial_equals_local_cluster_with_two_workers(tmp_path):
    spec = small_spec()
    sweep(spec, tmp_path / "serial")
    manifest = sweep(spec, tmp_path / "dask", workers=2, chunk_runs=2)
    assert manifest["sessions"][-1]["executor"] == "local:2"
    serial, dask = read_results(tmp_path / "serial"), read_results(tmp_path / "dask")
    pd.testing.assert_frame_equal(serial, dask, check_exact=True)
    assert len(serial) == 12 * 3  # 12 runs x 3 outputs


def test_manifest_and_plain_pandas(tmp_path):
    spec = small_spec()
    sweep(spec, tmp_path / "o")
    manifest = read_manifest(tmp_path / "o")
    assert manifest["status"] == "complete" and manifest["hlssim_version"] == hlssim.__version__
    assert manifest["spec"] == json.loads(json.dumps(spec.to_dict()))
    assert manifest["counts"]["points"] == 4 and manifest["counts"]["runs"] == 12
    assert manifest["counts"]["rows"] == 36 and manifest["started"] <= manifest["finished"]
    plain = pd.read_parquet(tmp_path / "o" / "results")
    assert len(plain) == 36 and not plain.duplicated(["run_id", "output"]).any()


def test_resume_skips_done_runs_and_ignores_half_written_parts(tmp_path):
    spec = small_spec()
    out = tmp_path / "o"
    sweep(spec, tmp_path / "whole", chunk_runs=3)
    sweep(spec, out, chunk_runs=3)
    parts = sorted((out / "results").glob("part-*.parquet"))
    for part in parts[1::2]:
        part.unlink()  # as if the sweep had died before these chunks finished
    (out / "results" / ".part-000000009-000000011.parquet.abc.tmp").write_bytes(b"PAR1 half a file")
    manifest = sweep(spec, out, chunk_runs=5)
    assert manifest["sessions"][-1]["runs_resumed"] == 6 and manifest["sessions"][-1]["runs_run"] == 6
    assert not list((out / "results").glob(".part-*"))
    pd.testing.assert_frame_equal(read_results(out), read_results(tmp_path / "whole"), check_exact=True)


def test_store_refuses_another_experiment_or_a_foreign_folder(tmp_path):
    sweep(small_spec(), tmp_path / "o")
    with pytest.raises(HlssimError, match="holds results of a different experiment"):
        sweep(small_spec(root_seed=12), tmp_path / "o")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(HlssimError, match="is not empty and holds no manifest.json"):
        ResultStore(tmp_path / "other").check(small_spec())


def test_resume_after_sigkill_equals_an_uninterrupted_sweep(tmp_path):
    data = {"base": BASE | {"n_people": 150, "n_workers": 10, "steps": 30},
            "factors": {"complexity": {"low": 0.1, "high": 0.9, "levels": 30}}, "replications": 1,
            "root_seed": 5, "outputs": OUTPUTS}
    assert_resume_after_sigkill_equals_a_whole_sweep(data, 30, tmp_path, timeout=60)


def _dask_cli():
    path = Path(sys.executable).parent / "dask"
    return str(path) if path.exists() else shutil.which("dask")


@pytest.mark.skipif(_dask_cli() is None, reason="the dask command is not installed")
def test_real_cluster_on_localhost_equals_serial(tmp_path):
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1, as on a real cluster."""
    dask = _dask_cli()
    file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(file)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, cwd=tmp_path)]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        for _ in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", "--scheduler-file", str(file), "--host", "127.0.0.1", "--nworkers", "1",
                 "--nthreads", "1", "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=tmp_path))
        address = json.loads(file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        spec = small_spec()
        manifest = sweep(spec, tmp_path / "cluster", scheduler=address, chunk_runs=2)
        assert manifest["sessions"][-1]["executor"] == address
        sweep(spec, tmp_path / "serial")
        pd.testing.assert_frame_equal(read_results(tmp_path / "cluster"), read_results(tmp_path / "serial"),
                                      check_exact=True)
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_unreachable_scheduler_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr("hlssim.experiments.runner.CONNECT_TIMEOUT", "2s")
    with pytest.raises(HlssimError, match=r"--scheduler 'tcp://127.0.0.1:9': cannot connect"):
        sweep(small_spec(), tmp_path / "o", scheduler="tcp://127.0.0.1:9")


# --- trajectories -----------------------------------------------------------------------------------

TRAJ_OUTPUTS = OUTPUTS | {"trust_commissioner_provider": "trajectory", "wellbeing_mean": ["final", "trajectory"]}


def test_trajectories_equal_a_direct_run_step_by_step(tmp_path):
    spec = small_spec(outputs=TRAJ_OUTPUTS, base=BASE | {"switch_step": 6, "switch_to": "hls"})
    design = expand(spec)
    manifest = sweep(spec, tmp_path / "o", chunk_runs=4)
    paths = read_trajectories(tmp_path / "o")
    assert list(paths.columns) == ["run_id", "point", "sample", "replicate", "seed", "complexity", "preset",
                                   "output", "metric", "stat", "step", "value"]
    assert (paths["stat"] == "trajectory").all()
    assert len(paths) == manifest["counts"]["trajectory_rows"] == len(design.runs) * 2 * 12
    assert not paths.duplicated(["run_id", "output", "step"]).any()
    assert set(read_results(tmp_path / "o")["output"]) == {"wellbeing_mean:final", "gaming_share:mean"}
    for run in (design.runs[0], design.runs[10]):
        table = hlssim.run(design.scenarios[run.point], seed=run.seed)
        mine = paths[paths["run_id"] == run.run_id]
        for metric in ("wellbeing_mean", "trust_commissioner_provider"):
            one = mine[mine["output"] == f"{metric}:trajectory"]
            assert one["step"].tolist() == table["step"].tolist()
            assert one["value"].tolist() == table[metric].tolist()  # exact
        assert (mine["seed"] == run.seed).all() and (mine["point"] == run.point).all()


def test_trajectories_resume_exactly_and_orphans_are_rerun(tmp_path):
    spec = small_spec(outputs=TRAJ_OUTPUTS)
    out = tmp_path / "o"
    sweep(spec, tmp_path / "whole", chunk_runs=3)
    sweep(spec, out, chunk_runs=3)
    parts = sorted((out / "results").glob("part-*.parquet"))
    for part in parts[1::2]:
        part.unlink()  # died after the trajectory part, before the results part
    (out / "trajectories" / ".part-000000009-000000011.parquet.x.tmp").write_bytes(b"half")
    manifest = sweep(spec, out, chunk_runs=5)
    assert manifest["sessions"][-1]["runs_run"] == 6
    assert sorted(p.name for p in (out / "trajectories").iterdir()) == sorted(
        p.name for p in (out / "results").iterdir())
    pd.testing.assert_frame_equal(read_trajectories(out), read_trajectories(tmp_path / "whole"), check_exact=True)
    pd.testing.assert_frame_equal(read_results(out), read_results(tmp_path / "whole"), check_exact=True)


def test_no_trajectories_asked_none_stored(tmp_path):
    sweep(small_spec(), tmp_path / "o")
    assert not (tmp_path / "o" / "trajectories").exists()
    with pytest.raises(HlssimError, match="holds no trajectories"):
        read_trajectories(tmp_path / "o")
