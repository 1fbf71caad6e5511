"""Throughput of the Mesa engine, and the wall time of `hlssim compare` at its defaults.

Prints agent-steps per second at 1,000 and 10,000 people (person-steps; workers, providers and
the commissioner step too and are counted separately), the ratio between the two sizes, and the
default comparison's time as a fraction of its one-minute budget. All figures from one run.

    .venv/bin/python benchmarks/bench_mesa.py [--quick]
"""

from __future__ import annotations

import argparse
import platform
import time

import hlssim
from hlssim import Scenario
from hlssim.experiments.comparison import compare


def throughput(n_people: int, steps: int, seed: int = 1) -> tuple[float, float, float]:
    scenario = Scenario.from_preset("hls", complexity=0.8, n_people=n_people,
                                    n_workers=max(1, n_people // 20), n_providers=4, steps=steps)
    start = time.perf_counter()
    hlssim.run(scenario, seed=seed, engine="mesa")
    elapsed = time.perf_counter() - start
    people_steps = n_people * steps
    all_agents = (n_people + scenario.n_workers + scenario.n_providers + 1) * steps
    return people_steps / elapsed, all_agents / elapsed, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, for a smoke run")
    args = parser.parse_args()
    steps = 12 if args.quick else 48
    print(f"hlssim {hlssim.__version__}, Python {platform.python_version()}, {platform.machine()}")
    hlssim.run(Scenario.from_preset("hls", n_people=50, n_workers=5, steps=2), seed=0, engine="mesa")
    results = {}
    for n in (1_000, 10_000):
        people_rate, agent_rate, elapsed = throughput(n, steps)
        results[n] = people_rate
        print(f"mesa engine, {n:>6} people x {steps} steps: {people_rate:,.0f} person-steps/s "
              f"({agent_rate:,.0f} agent-steps/s incl. workers), {elapsed:.2f} s")
    print(f"ratio of throughput, 10,000 to 1,000 people: {results[10_000] / results[1_000]:.2f}")
    reps = 4 if args.quick else 20
    for engine in ("mesa", "batch"):
        start = time.perf_counter()
        compare({p: Scenario.from_preset(p, complexity=0.8) for p in ("npm_targets", "hls")}, reps,
                engine=engine)
        elapsed = time.perf_counter() - start
        if args.quick:
            elapsed *= 20 / reps
        print(f"hlssim compare defaults on the {engine} engine (2 presets x 20 reps x 120 steps x "
              f"400 people): {elapsed:.1f} s = {elapsed / 60:.2f} of the one-minute budget"
              + (" (scaled up from 4 replications)" if args.quick else ""))


if __name__ == "__main__":
    main()
