"""The batch engine against the Mesa engine, and against the machine's memory bandwidth.

All figures come from one run of this script, so the ratios compare like with like:
- person-steps per second of both engines on the same scenario at 1,000 and 10,000 people;
- ``run_many`` with 100 replications of 1,000 people against Mesa's cost per run;
- this machine's memory bandwidth (a large numpy copy), the bytes the batch engine touches per
  person-step (counted from its arrays: every array read or written in a step, once each), and
  the fraction of the bandwidth bound reached;
- peak memory of a run with many people (``--big`` for 1,000,000 people x 100 steps).

    .venv/bin/python benchmarks/bench_engines.py [--quick] [--big]
"""

from __future__ import annotations

import argparse
import platform
import resource
import subprocess
import sys
import time

import numpy as np

import hlssim
from hlssim import Scenario
from hlssim.batch import BatchModel


def scenario(n_people: int, steps: int) -> Scenario:
    return Scenario.from_preset("hls", complexity=0.8, n_people=n_people,
                                n_workers=max(4, n_people // 20), n_providers=4, steps=steps)


def rate(engine: str, n_people: int, steps: int) -> float:
    s = scenario(n_people, steps)
    start = time.perf_counter()
    hlssim.run(s, seed=1, engine=engine)
    return n_people * steps / (time.perf_counter() - start)


def bandwidth_gbs(n_bytes: int = 800_000_000) -> float:
    """Memory bandwidth from a large copy: bytes read plus bytes written per second."""
    a = np.ones(n_bytes // 8)
    b = np.empty_like(a)
    np.copyto(b, a)
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        np.copyto(b, a)
        best = max(best, 2 * a.nbytes / (time.perf_counter() - start))
    return best / 1e9


def bytes_per_person_step(n_people: int = 10_000) -> float:
    """Bytes of state and draws a step reads and writes, per person (each array counted once read
    and once written): the minimum traffic a step must move through memory."""
    model = BatchModel(scenario(n_people, 1), [1])
    model.step()
    total = 0
    for value in list(vars(model).values()) + [model._draw_block]:
        if isinstance(value, np.ndarray) and value.size >= n_people // 20:
            total += value.nbytes
    return 2 * total / n_people


def peak_memory_child(n_people: int, steps: int) -> float:
    """Peak resident memory (GiB) of a fresh process running one batch run."""
    code = (
        "import resource, hlssim\n"
        f"s = hlssim.Scenario.from_preset('hls', complexity=0.8, n_people={n_people}, "
        f"n_workers={n_people // 20}, n_providers=4, steps={steps})\n"
        "hlssim.run(s, seed=1, engine='batch')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--big", action="store_true", help="also 1,000,000 people x 100 steps")
    args = parser.parse_args()
    steps = 6 if args.quick else 24
    print(f"hlssim {hlssim.__version__}, Python {platform.python_version()}, numpy {np.__version__}")
    hlssim.run(scenario(50, 2), seed=0)
    hlssim.run(scenario(50, 2), seed=0, engine="batch")
    for n in (1_000, 10_000):
        mesa = rate("mesa", n, steps)
        batch = rate("batch", n, steps * 4)
        print(f"{n:>6} people: mesa {mesa:>12,.0f} person-steps/s | batch {batch:>12,.0f} | "
              f"batch/mesa {batch / mesa:6.1f}x")
    reps = 20 if args.quick else 100
    s = scenario(1_000, steps * 4)
    mesa_per_run = s.n_people * s.steps / rate("mesa", 1_000, steps) 
    start = time.perf_counter()
    hlssim.run_many(s, seeds=range(reps))
    per_run = (time.perf_counter() - start) / reps
    print(f"run_many {reps} x 1,000 people x {s.steps} steps: {per_run * 1e3:.1f} ms per run; "
          f"Mesa {mesa_per_run * 1e3:.0f} ms per run; ratio {mesa_per_run / per_run:.1f}x")
    gbs = bandwidth_gbs()
    per_step = bytes_per_person_step()
    batch_rate = rate("batch", 10_000, steps * 4)
    achieved = batch_rate * per_step / 1e9
    print(f"memory bandwidth (copy, read+write): {gbs:.1f} GB/s; batch engine moves at least "
          f"{per_step:.0f} bytes per person-step; at {batch_rate:,.0f} person-steps/s that is "
          f"{achieved:.2f} GB/s = {achieved / gbs:.1%} of the bound")
    if args.big:
        for n in (250_000, 1_000_000):
            print(f"peak memory, {n:,} people x 100 steps: {peak_memory_child(n, 100):.2f} GiB")
    print(f"(this process's peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB)")


if __name__ == "__main__":
    main()
