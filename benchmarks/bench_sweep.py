"""Sweep throughput on Dask (1 and 2 workers), scaling efficiency, and the Dask path's overhead.

All figures come from one run of this script, on the same runs, so the ratios compare like with
like. A grid of design points at the default run size (400 people, 20 workers, 120 months; NPM
targets and HLS at several complexities), ``--reps`` replications each, is run in four modes:

- ``direct``: the engine called directly on the same runs: ``hlssim.run_many(scenario, seeds)``
  once per design point, in this process (exactly the engine calls a sweep makes): the baseline;
- ``2 processes``: two plain warmed-up processes (no Dask) sharing the same points: the best
  this machine allows at two workers, whatever the other load on it;
- ``serial sweep``: ``hlssim sweep --workers 0``: the whole sweep path (expansion, chunks, tidy
  rows, atomic Parquet parts, manifest) in this process;
- ``dask N``: the same sweep on a ``distributed.LocalCluster`` of N single-threaded worker
  processes, started (and warmed up: hlssim imported and its compiled kernels loaded from numba's
  cache on every worker) before any timing, with the chunk size ``hlssim sweep --workers N``
  uses. The cluster's start-up is shown apart: it is paid once per sweep, not per run.

Each mode runs ``--rounds`` times, in rotating order, and its best wall time is kept (the machine
is shared: the best is the run least disturbed by others). Per-run overhead of a mode = its wall
time over the direct time, minus 1 (target: under 10% for ``dask 1``); also given in CPU time
(this process plus the workers, least of the rounds), which other load disturbs much less.
Dask's own cost per chunk is also timed apart, as a round trip carrying a real chunk that runs
nothing, and set against the runs in a chunk: the part of the overhead that is Dask's, whatever
the load. Scaling efficiency at 2 workers = (rate at 2) / (2 x rate at 1) (target: 85% or better), shown
also against the machine's own ceiling, (direct rate) / (2 x rate of the two plain processes). Every
sweep's results are checked to be identical. The load average is printed before and after.
Every mode runs on one thread per process (``HLSSIM_THREADS=1``, set here and inherited by the
workers): the modes compare processes, not ``run_many``'s threads over replications.

    .venv/bin/python benchmarks/bench_sweep.py [--reps 10] [--points 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os

os.environ["HLSSIM_THREADS"] = "1"  # before hlssim is imported or any worker starts
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from hlssim import Scenario, run_many
from hlssim.experiments import expand, parse_spec, read_results
from hlssim.experiments.runner import default_chunk_runs
from hlssim.experiments.sweep import sweep


def bench_spec(points: int, reps: int):
    """NPM targets and HLS at ``points // 2`` complexities, default run size."""
    levels = max(1, points // 2)
    return parse_spec({
        "name": "bench", "replications": reps, "root_seed": 99,
        "factors": {"preset": ["npm_targets", "hls"],
                    "complexity": {"low": 0.1, "high": 0.9, "levels": levels} if levels > 1 else [0.5]},
        "outputs": {"wellbeing_mean": ["final", "mean_last_12"], "gaming_share": "mean_last_12",
                    "trust_worker_person": "mean_last_12", "cost_per_wellbeing": "mean_last_12"},
    })


def warm() -> str:
    """Import hlssim and load (or compile) its kernels for both regimes; runs on each worker."""
    for preset in ("npm_targets", "hls"):
        run_many(Scenario.from_preset(preset, n_people=40, n_workers=4, n_providers=2, steps=3), [0, 1])
    return str(os.getpid())


def direct(design) -> float:
    """Seconds to call the engine on every point's seeds, nothing else."""
    reps = design.spec.replications
    start = time.perf_counter()
    for p, scenario in enumerate(design.scenarios):
        run_many(scenario, [r.seed for r in design.runs[p * reps:(p + 1) * reps]])
    return time.perf_counter() - start


def run_points(scenarios, seed_lists) -> None:
    """The engine on some points: what one plain process does in the ``2 processes`` mode."""
    for scenario, seeds in zip(scenarios, seed_lists):
        run_many(scenario, seeds)


def two_processes(design, pool) -> float:
    """Seconds for two warmed-up plain processes (no Dask) to share the points, alternately."""
    reps = design.spec.replications
    seeds = [[r.seed for r in design.runs[p * reps:(p + 1) * reps]] for p in range(len(design.points))]
    start = time.perf_counter()
    halves = [pool.submit(run_points, design.scenarios[k::2], seeds[k::2]) for k in (0, 1)]
    for half in halves:
        half.result()
    return time.perf_counter() - start


def task_latency(client, chunk, task, n: int = 30) -> float:
    """Seconds of one Dask round trip that carries a real chunk and task description but runs
    nothing (the median of ``n``, sequential): what Dask adds per chunk, apart from the runs."""
    import statistics as st

    laps = []
    for _ in range(n):
        start = time.perf_counter()
        client.submit(_nothing, chunk, task, pure=False).result()
        laps.append(time.perf_counter() - start)
    return st.median(laps)


def _nothing(chunk, task) -> int:
    return chunk.n_runs


def start_cluster(workers: int):
    """A LocalCluster of ``workers`` single-threaded processes, warmed up; (cluster, client, s)."""
    import dask
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with dask.config.set({"distributed.worker.profile.enabled": False}):  # as hlssim sweep does
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    client.run(warm)
    return cluster, client, time.perf_counter() - start


def timed_sweep(spec, out: Path, workers: int, scheduler: str | None = None) -> float:
    """Seconds for ``sweep`` into a new folder: serially, or on the cluster at ``scheduler`` with
    the chunk size ``hlssim sweep --workers N`` uses."""
    chunk = default_chunk_runs(spec.n_runs(), max(1, workers), spec.replications)
    start = time.perf_counter()
    sweep(spec, out, scheduler=scheduler, chunk_runs=chunk)
    return time.perf_counter() - start


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by this process and the processes ``pids``."""
    import psutil

    total = time.process_time()
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10, help="replications per design point")
    parser.add_argument("--points", type=int, default=16, help="design points (even)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of every mode, in rotating order; the best of each is kept")
    args = parser.parse_args()
    spec = bench_spec(args.points, args.reps)
    design = expand(spec)
    n = len(design.runs)
    print(f"load average before: {_load()} on {os.cpu_count()} cores")
    print(f"{len(design.points)} design points x {spec.replications} replications = {n} runs of "
          f"{design.scenarios[0].n_people} people x {design.scenarios[0].steps} months "
          f"(chunks: {default_chunk_runs(n, 1, spec.replications)} runs at 1 worker, "
          f"{default_chunk_runs(n, 2, spec.replications)} at 2); best of {args.rounds} rounds")
    warm()
    clusters = {w: start_cluster(w) for w in (1, 2)}
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=warm)
    for f in [pool.submit(os.getpid) for _ in range(4)]:
        f.result()  # the pool is up, and every process has run the initializer (warm)
    pool_pids = list(pool._processes)  # a spawn pool starts all its processes at once
    times: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    pids = {w: [int(pid) for pid in c[1].run(os.getpid).values()] for w, c in clusters.items()}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
            tmp = Path(tmp)
            for k in range(args.rounds):
                order = MODES[k % len(MODES):] + MODES[:k % len(MODES)]
                for mode in order:
                    out = tmp / f"{mode.replace(' ', '_')}_{k}"
                    used = pids[int(mode[-1])] if mode.startswith("dask") else pool_pids if mode == "2 processes" else []
                    cpu_before = cpu_seconds(used)
                    if mode == "direct":
                        times[mode].append(direct(design))
                    elif mode == "2 processes":
                        times[mode].append(two_processes(design, pool))
                    elif mode == "serial sweep":
                        times[mode].append(timed_sweep(spec, out, 0))
                    else:
                        w = int(mode.split()[1])
                        times[mode].append(timed_sweep(spec, out, w, clusters[w][0].scheduler_address))
                    cpu[mode].append(cpu_seconds(used) - cpu_before)
                    if mode.startswith(("serial", "dask")):
                        pd.testing.assert_frame_equal(read_results(out), read_results(first(tmp, k)),
                                                      check_exact=True)
    finally:
        pool.shutdown()
        for cluster, client, _ in clusters.values():
            client.close()
            cluster.close()

    from hlssim.experiments.runner import make_chunks, task_for

    chunk_runs = default_chunk_runs(n, 1, spec.replications)
    chunk = make_chunks(design, chunk_runs=chunk_runs)[0]
    cluster1, client1, _ = start_cluster(1)
    try:
        latency = task_latency(client1, chunk, task_for(design))
    finally:
        client1.close()
        cluster1.close()
    best = {m: min(v) for m, v in times.items()}
    base = best["direct"]
    rows = []
    for mode in MODES:
        extra = f"cluster start {clusters[int(mode[-1])][2]:.1f} s, not counted" if mode.startswith("dask") else ""
        least = min(cpu[mode])
        rows.append((mode, n, f"{best[mode]:.2f}", f"{statistics.median(times[mode]):.2f}",
                     f"{n / best[mode]:.2f}", f"{best[mode] / base - 1:+.1%}", f"{least:.2f}",
                     f"{least / min(cpu['direct']) - 1:+.1%}", extra))
    widths = [max(len(str(r[i])) for r in rows + [HEAD]) for i in range(len(HEAD))]
    for row in [HEAD] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    efficiency = best["dask 1"] / (2 * best["dask 2"])
    ceiling = best["direct"] / (2 * best["2 processes"])
    print(f"per-run overhead of the Dask path at 1 worker: {best['dask 1'] / base - 1:+.1%} of wall "
          f"time (target < 10%), {min(cpu['dask 1']) / min(cpu['direct']) - 1:+.1%} of CPU time "
          f"(this process and the workers'); of the serial sweep path: "
          f"{best['serial sweep'] / base - 1:+.1%}")
    per_run = best["direct"] / n
    print(f"Dask's own cost per chunk (a round trip carrying a {chunk.n_runs}-run chunk, running "
          f"nothing; median): {latency * 1000:.1f} ms = {latency / chunk.n_runs * 1000:.2f} ms per "
          f"run, {latency / (chunk.n_runs * per_run):.2%} of a run ({per_run * 1000:.1f} ms direct)")
    print(f"scaling efficiency at 2 workers: {efficiency:.1%} (target >= 85%): "
          f"{n / best['dask 2']:.2f} runs/s against 2 x {n / best['dask 1']:.2f}")
    print(f"the machine's own ceiling (two plain processes sharing the same runs, no Dask): "
          f"{ceiling:.1%}; Dask at 2 workers against that ceiling: {efficiency / ceiling:.1%}")
    print("every sweep's results identical to the round's first sweep's: yes")
    print(f"load average after: {_load()}")


def first(tmp: Path, k: int) -> Path:
    """The folder of round ``k``'s first sweep (the reference its others are compared with)."""
    return min((p for p in tmp.iterdir() if p.name.endswith(f"_{k}")), key=lambda p: p.stat().st_mtime)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


MODES = ("direct", "2 processes", "serial sweep", "dask 1", "dask 2")
HEAD = ("mode", "runs", "best s", "median s", "runs/s", "vs direct", "CPU s", "CPU vs direct", "")

if __name__ == "__main__":
    main()
