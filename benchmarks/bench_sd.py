"""The stock-flow model's speed: PySD per run and per 1,000 runs, against the batched path.

All figures come from one run of this script, so the ratio compares like with like:
- PySD (``hlssim.stockflow.commissioning.run_sd``): seconds per run of the project model (120 months, TIME STEP 0.25),
  median over ``--pysd-runs`` runs (default 100) of random scenarios, translation and first load
  excluded; per 1,000 runs = 1,000 x that (``--full`` times 1,000 runs for real instead);
- the batched path (``hlssim.stockflow.integrator.run_sd_many``): seconds for the same 1,000 scenarios in one
  integration over numpy arrays (best of 3, compile excluded), and the largest difference from
  PySD over the scenarios PySD ran (the tests require 1e-9);
- the speed-up, PySD per 1,000 runs over batched per 1,000 runs.

The load average (``uptime``) is printed: on a shared machine absolute times move with it.

    .venv/bin/python benchmarks/bench_sd.py [--pysd-runs N] [--full]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_sd_batch import random_scenarios  # random valid scenarios, some switching

from hlssim.stockflow.commissioning import run_sd
from hlssim.stockflow.integrator import batched_model, run_sd_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pysd-runs", type=int, default=100)
    parser.add_argument("--full", action="store_true", help="time 1,000 PySD runs for real")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    scenarios = [s.with_overrides(steps=120) for s in random_scenarios(1000, seed=1)]
    run_sd(scenarios[0])  # translation and first load
    batched_model()  # compile

    n = 1000 if args.full else args.pysd_runs
    times, tables = [], []
    for s in scenarios[:n]:
        start = time.perf_counter()
        tables.append(run_sd(s))
        times.append(time.perf_counter() - start)
    per_run = statistics.median(times)
    pysd_1000 = sum(times) if args.full else 1000 * per_run

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        many = run_sd_many(scenarios)
        best = min(best, time.perf_counter() - start)
    worst = 0.0
    for i, one in enumerate(tables):
        got = many[many["run"] == i].drop(columns="run").to_numpy(float)
        worst = max(worst, float(np.abs(got - one.to_numpy(float)).max()))

    print(f"PySD: {per_run * 1000:.0f} ms per run (median of {n}, {sum(s.switch_step > 0 for s in scenarios[:n])} "
          f"with a regime switch, i.e. two PySD segments); 1,000 runs: {pysd_1000:.0f} s"
          + (" (timed)" if args.full else " (1,000 x median)"))
    print(f"batched: 1,000 runs in {best:.2f} s (best of 3); largest difference from PySD over "
          f"{n} runs: {worst:.1e}")
    print(f"speed-up: {pysd_1000 / best:.0f}x")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
