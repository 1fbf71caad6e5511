"""The batch engine against the Mesa engine, and against the machine's memory bandwidth.

All figures come from one run of this script, so the ratios compare like with like:
- person-steps per second of both engines on the same scenario at 1,000 and 10,000 people
  (best of a few repeats each), and their ratio;
- ``run_many`` with 100 replications of 1,000 people, on one thread and on every core, against
  Mesa's cost per run, in CPU time and in wall time;
- these timings each in a fresh process (:func:`in_fresh_process`: the Mesa engine slows as its
  process fills), after a warm-up run there, the processes taking turns over three rounds
  (:func:`interleaved`) so that a slow spell on the machine hits both sides of a ratio;
- this machine's memory bandwidth (a large numpy copy, bytes read plus bytes written), the bytes
  the batch engine moves per person-step (counted, not guessed: every array argument of the
  compiled month read once, and written once if the month changed it; the month's draws written
  and read once; a floor, since the metrics read again arrays the month has just written), and the
  fraction of the bound reached;
- where a batch run's time goes: setting up, the compiled month, and Python around it (CPU time);
- ``run_many`` at the size the experiments sweep (2 replications of 160 people) against Mesa;
- what a step's draws cost: the engines' way (the compiled SFC64 stream) and numpy's Generator
  calls on PCG64 (the engines' way before);
- peak memory of runs with many people (``--big``: 250,000 and 1,000,000 people x 100 steps).

Compiled kernels are warmed up (compiled or loaded from numba's cache) before any timing, so no
figure includes compile time. The load average (``uptime``) is printed: on a shared machine the
absolute rates move with it; the ratios, measured side by side, much less.

    .venv/bin/python benchmarks/bench_engines.py [--quick] [--big]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time

import numba
import numpy as np

import hlssim
from hlssim import Scenario
from hlssim.engines.batch import kernels as K
from hlssim.engines.batch.model import BatchModel

KERNELS = ("months",)


def scenario(n_people: int, steps: int) -> Scenario:
    return Scenario.from_preset("hls", complexity=0.8, n_people=n_people,
                                n_workers=max(4, n_people // 20), n_providers=4, steps=steps)


def timed(fn, repeats: int) -> tuple[float, float]:
    """Seconds of (CPU time, wall time) of ``fn()``: the best of ``repeats`` calls each.

    CPU time is the process's own (both engines run on one core), so it is the figure least moved
    by other work on a shared machine; wall time is printed beside it."""
    cpu = wall = float("inf")
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return cpu, wall


def rate(engine: str, n_people: int, steps: int, repeats: int) -> tuple[float, float]:
    """Person-steps per second of CPU time and of wall time (best of ``repeats`` runs)."""
    s = scenario(n_people, steps)
    cpu, wall = timed(lambda: hlssim.run(s, seed=1, engine=engine), repeats)
    return n_people * steps / cpu, n_people * steps / wall


def in_fresh_process(what: str, n_people: int, steps: int, repeats: int, reps: int = 1,
                     threads: int = 1) -> tuple[float, float]:
    """(CPU, wall) seconds per run, best of ``repeats``, measured in a fresh Python process (after
    a warm-up run there): ``what`` is ``mesa`` or ``batch`` (one run) or ``run_many`` (``reps``
    replications on ``threads`` threads, per replication). A fresh process each, because the Mesa
    engine's speed depends on what else the process holds (its garbage collector walks every
    live object: after the other figures, the same Mesa run took up to 60% longer)."""
    out = subprocess.run([sys.executable, __file__, "--child", what, str(n_people), str(steps),
                          str(repeats), str(reps), str(threads)],
                         capture_output=True, text=True, check=True)
    cpu, wall = map(float, out.stdout.split()[-2:])
    return cpu, wall


def interleaved(jobs: dict[str, tuple], rounds: int) -> tuple[dict, dict]:
    """Run every job (the arguments of :func:`in_fresh_process`) once per round, in turn, for
    ``rounds`` rounds: the best (CPU, wall) of each job, and every round's. On a shared machine a
    slow spell lasts seconds to minutes; taking turns puts it on both sides of a ratio rather than
    on one side only, and the rounds show how far a ratio moves."""
    seen: dict[str, list[tuple[float, float]]] = {key: [] for key in jobs}
    for _ in range(rounds):
        for key, job in jobs.items():
            seen[key].append(in_fresh_process(*job))
    best = {key: (min(c for c, _ in runs), min(w for _, w in runs)) for key, runs in seen.items()}
    return best, seen


def _child(what: str, n_people: int, steps: int, repeats: int, reps: int, threads: int) -> None:
    s = scenario(n_people, steps)
    warm = scenario(100, 3)
    if what == "run_many":
        hlssim.run_many(warm, seeds=range(2 * threads), threads=threads)
        cpu, wall = timed(lambda: hlssim.run_many(s, seeds=range(reps), threads=threads), repeats)
        cpu, wall = cpu / reps, wall / reps
    else:
        hlssim.run(warm, seed=0, engine=what)
        cpu, wall = timed(lambda: hlssim.run(s, seed=1, engine=what), repeats)
    print(cpu, wall)


def bandwidth_gbs(n_bytes: int = 800_000_000) -> float:
    """Memory bandwidth from a large copy: bytes read plus bytes written per CPU second (best of
    5; CPU time, like the engine rates it is compared with)."""
    a = np.ones(n_bytes // 8)
    b = np.empty_like(a)
    np.copyto(b, a)
    cpu, _ = timed(lambda: np.copyto(b, a), 5)
    return 2 * a.nbytes / cpu / 1e9


def bytes_per_person_step(n_people: int = 10_000, steps: int = 6) -> float:
    """Bytes a batch step reads and writes per person, counted over ``steps`` steps."""
    model = BatchModel(scenario(n_people, steps), [1])
    counted = {"bytes": 0}
    originals = {name: getattr(K, name) for name in KERNELS}

    def counting(fn):
        def wrapper(*args, **kwargs):
            # the compiled months take named tuples of arrays (state, world...): look inside
            values = [*args, *kwargs.values()]
            values += [v for t in values if isinstance(t, tuple) for v in t]
            arrays = [a for a in values if isinstance(a, np.ndarray)]
            before = [a.copy() for a in arrays]
            result = fn(*args, **kwargs)
            for a, old in zip(arrays, before):
                counted["bytes"] += a.nbytes * (1 if np.array_equal(a, old) else 2)
            return result
        return wrapper

    try:
        for name, fn in originals.items():
            setattr(K, name, counting(fn))
        for _ in range(steps):
            model.step()
            counted["bytes"] += 2 * 8 * model.layout.size  # the month's draws: written, then read
    finally:
        for name, fn in originals.items():
            setattr(K, name, fn)
    return counted["bytes"] / (n_people * steps)


def time_profile(n_people: int, reps: int, steps: int) -> dict[str, float]:
    """CPU nanoseconds per person-step of a batch run: setting up (the initial draws and arrays),
    the compiled months (:func:`hlssim.engines.batch.kernels.months`, every phase and the metrics) and the Python
    around it (the call's arguments, each month's row, the table)."""
    spent = {"set-up": 0.0, "compiled months": 0.0}
    original = K.months

    def timed(*args, **kwargs):
        start = time.process_time()
        original(*args, **kwargs)
        spent["compiled months"] += time.process_time() - start

    start = time.process_time()
    model = BatchModel(scenario(n_people, steps), list(range(reps)))
    spent["set-up"] = time.process_time() - start
    K.months = timed
    try:
        model.run()
    finally:
        K.months = original
    total = time.process_time() - start
    spent["Python per month"] = total - spent["set-up"] - spent["compiled months"]
    spent["total"] = total
    return {k: v / (n_people * reps * steps) * 1e9 for k, v in spent.items()}


def draw_costs(n_people: int = 1_000, reps: int = 100, steps: int = 12) -> dict[str, float]:
    """CPU nanoseconds per person-step to make a month's draws for ``reps`` replications: the
    engines' way (the run's SFC64 stream continued in compiled code,
    :func:`hlssim.model.draws.fill_step_blocks`) and, for comparison, numpy's Generator methods on
    PCG64 (``random``/``standard_normal``, one call per run of a kind; the engines' way before).
    Best of three."""
    from hlssim.model import draws as D

    layout = D.step_layout(n_people, max(4, n_people // 20), 4)
    block = np.empty((reps, layout.size))
    states = np.stack([D.stream_state(D.make_rng(r)) for r in range(reps)])
    rngs = [np.random.Generator(np.random.PCG64(r)) for r in range(reps)]

    def compiled():
        for _ in range(steps):
            D.fill_step_blocks(states, block, layout)

    def numpy_calls():
        for _ in range(steps):
            for r, rng in enumerate(rngs):
                for kind, start, stop in zip(layout.kinds, layout.starts, layout.stops):
                    if kind == D.DRAW_KINDS["normal"]:
                        rng.standard_normal(out=block[r, start:stop])
                    else:
                        rng.random(out=block[r, start:stop])

    out = {}
    for label, fn in (("compiled SFC64", compiled), ("numpy PCG64", numpy_calls)):
        fn()
        cpu, _ = timed(fn, 3)
        out[label] = cpu / (n_people * reps * steps) * 1e9
    return out


def peak_memory_child(n_people: int, steps: int) -> float:
    """Peak resident memory (GiB) of a fresh process running one batch run: its own high-water
    mark (VmHWM; ``ru_maxrss`` would carry this process's peak over into the child on Linux)."""
    code = (
        "import hlssim\n"
        f"s = hlssim.Scenario.from_preset('hls', complexity=0.8, n_people={n_people}, "
        f"n_workers={n_people // 20}, n_providers=4, steps={steps})\n"
        "hlssim.run(s, seed=1, engine='batch')\n"
        "print([ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--big", action="store_true", help="also 250,000 and 1,000,000 people x 100 steps")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, *numbers = args.child
        _child(what, *map(int, numbers))
        return
    steps = 6 if args.quick else 24
    repeats = 1 if args.quick else 2
    rounds = 1 if args.quick else 3
    print(f"hlssim {hlssim.__version__}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba.__version__}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")
    # warm-up: compile (or load from cache) every kernel, and import Mesa, before timing anything
    warm = Scenario.from_preset("npm_pbr", n_people=50, n_workers=5, n_providers=2, steps=13,
                                retender_interval=12, knave_share=0.3)
    hlssim.run(warm, seed=0, engine="mesa")
    hlssim.run(warm, seed=0, engine="batch")
    hlssim.run_many(warm, seeds=[0, 1])
    print("(kernels warmed up first: no figure includes compile time)")
    print(f"each figure below measured in a fresh process, best of {repeats} there; the processes "
          f"run in turn, {rounds} rounds, best round kept (a slow spell hits both sides of a ratio)")
    reps = 20 if args.quick else 100
    long = 12 if args.quick else 120
    jobs = {
        "mesa 1k": ("mesa", 1_000, steps, repeats), "batch 1k": ("batch", 1_000, steps * 4, repeats),
        "mesa 10k": ("mesa", 10_000, max(2, steps // 3), repeats),
        "batch 10k": ("batch", 10_000, steps * 4, repeats),
        "run_many 1": ("run_many", 1_000, steps, repeats, reps, 1),
        "run_many all": ("run_many", 1_000, steps, repeats, reps, os.cpu_count() or 1),
        "mesa long": ("mesa", 1_000, long, 1), "run_many long": ("run_many", 1_000, long, 1, reps, 1),
        "mesa sweep": ("mesa", 160, long, repeats),
        "run_many sweep": ("run_many", 160, long, repeats, 2, 1),
    }
    best, rounds_seen = interleaved(jobs, rounds)
    print("person-steps per second, CPU time (wall time in brackets):")
    for n, label in ((1_000, "1k"), (10_000, "10k")):
        m_rate = [jobs[f"mesa {label}"][1] * jobs[f"mesa {label}"][2] / t for t in best[f"mesa {label}"]]
        b_rate = [jobs[f"batch {label}"][1] * jobs[f"batch {label}"][2] / t for t in best[f"batch {label}"]]
        print(f"{n:>6} people: mesa {m_rate[0]:>10,.0f} ({m_rate[1]:>10,.0f}) | batch {b_rate[0]:>12,.0f} "
              f"({b_rate[1]:>12,.0f}) | batch/mesa {b_rate[0] / m_rate[0]:6.1f}x ({b_rate[1] / m_rate[1]:.1f}x)")
    mesa_cpu, mesa_wall = best["mesa 1k"]
    print(f"Mesa, 1,000 people x {steps} steps: {mesa_cpu * 1e3:.0f} ms CPU per run "
          f"({mesa_wall * 1e3:.0f} wall)")
    for key, threads in (("run_many 1", 1), ("run_many all", os.cpu_count() or 1)):
        cpu, wall = best[key]
        per_round = ", ".join(f"{m[0] / r[0]:.0f}" for m, r in zip(rounds_seen["mesa 1k"], rounds_seen[key]))
        print(f"run_many {reps} x 1,000 people x {steps} steps, {threads} thread(s): "
              f"{cpu * 1e3:.2f} ms CPU per run ({wall * 1e3:.2f} wall); vs Mesa per run "
              f"{mesa_cpu / cpu:.1f}x in CPU time, {mesa_wall / wall:.1f}x in wall time "
              f"(CPU, round by round: {per_round})")
    # the default run length (120 months), where setting up weighs less
    mesa_long, cpu = best["mesa long"][0], best["run_many long"][0]
    print(f"the default length, {long} steps: Mesa {mesa_long * 1e3:.0f} ms CPU per run, run_many "
          f"{reps} x 1,000 people {cpu * 1e3:.2f} ms CPU per run on 1 thread: {mesa_long / cpu:.1f}x")
    # the size the experiments sweep: 2 replications of 160 people a point
    mesa_small, cpu = best["mesa sweep"][0], best["run_many sweep"][0]
    print(f"a sweep point (2 x 160 people x {long} steps): Mesa {mesa_small * 1e3:.0f} ms CPU per "
          f"run, run_many {cpu * 1e3:.2f} ms CPU per run: {mesa_small / cpu:.1f}x")
    gbs = bandwidth_gbs()
    per_step = bytes_per_person_step()
    batch_rate = rate("batch", 10_000, steps * 4, repeats)[0]
    achieved = batch_rate * per_step / 1e9
    print(f"memory bandwidth (copy, read+write): {gbs:.1f} GB/s; batch engine moves "
          f"{per_step:.0f} bytes per person-step (counted floor); at {batch_rate:,.0f} "
          f"person-steps per CPU second that is {achieved:.2f} GB/s = {achieved / gbs:.1%} of the "
          f"bound")
    for n, reps_, months in ((10_000, 1, 24), (1_000, 100, 24), (1_000, 100, 120), (160, 2, 120)):
        months = months if not args.quick else 4
        prof = time_profile(n, reps_, months)
        parts = ", ".join(f"{k} {v:.0f}" for k, v in prof.items() if k != "total")
        print(f"CPU ns per person-step, {reps_} x {n:,} people x {months} months: total {prof['total']:.0f} = {parts}")
    costs = draw_costs(1_000, 20 if args.quick else 100, 4 if args.quick else 12)
    print("a step's draws, CPU ns per person-step: "
          + ", ".join(f"{k} {v:.1f}" for k, v in costs.items()))
    if args.big:
        for n in (250_000, 1_000_000):
            print(f"peak memory, {n:,} people x 100 steps: {peak_memory_child(n, 100):.2f} GiB")
    print(f"(this process's peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
