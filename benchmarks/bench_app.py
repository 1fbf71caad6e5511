"""How long the explorer takes to answer a slider: the issue asks for under a second.

Opens ``app.py`` on its embedded default with Streamlit's AppTest (the same script run a browser
session gets, without the network), then moves the "How complex are people's lives?" slider to
new values, timing each re-run and re-draw. For comparison it times the engine alone on the same
two scenarios (both regimes, the default replications), so the report says how much of a re-run
is simulation and how much is Streamlit and the charts; and the computed "why" alone, by the
quick path the explorer uses (:mod:`hlssim.ui.explain_runs`) against the path through full
comparisons (what it did before), with their ratio from this one run.

    .venv/bin/python benchmarks/bench_app.py [--moves 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hlssim.model.cases import load_cases
from hlssim.ui.explorer import (
    DEFAULT_REPS,
    DEFAULT_SEED,
    case_scenarios,
    case_settings,
    fastest_engine,
    run_comparison,
    shared_key,
)

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def engine_seconds(complexity: float) -> float:
    """The engine alone: both regimes of the first case at ``complexity``, no cache."""
    case = next(iter(load_cases().values()))
    settings = case_settings(case) | {shared_key("complexity"): complexity}
    scenarios = case_scenarios(case, settings)
    start = time.perf_counter()
    run_comparison(scenarios, DEFAULT_REPS, DEFAULT_SEED, fastest_engine())
    return time.perf_counter() - start


def why_seconds(complexity: float) -> tuple[float, float]:
    """The computed why alone, uncached: (quick path, through full comparisons)."""
    from hlssim.ui.explain import explain
    from hlssim.ui.explorer import run_regime

    case = next(iter(load_cases().values()))
    settings = case_settings(case) | {shared_key("complexity"): complexity}
    scenarios = case_scenarios(case, settings)
    start = time.perf_counter()
    quick = explain(scenarios, DEFAULT_REPS, DEFAULT_SEED)
    middle = time.perf_counter()
    full = explain(scenarios, DEFAULT_REPS, DEFAULT_SEED, runner=run_regime)
    end = time.perf_counter()
    assert quick == full, "the two paths must give the same explanation"
    return middle - start, end - middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=5, help="slider moves to time")
    args = parser.parse_args()

    at = AppTest.from_file(APP, default_timeout=300)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    assert not at.exception, at.exception

    values = [round(0.30 + 0.6 * i / max(1, args.moves - 1), 2) for i in range(args.moves)]
    reruns = []
    for value in values:
        at.slider(key="shared:complexity").set_value(value)
        start = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    engine = [engine_seconds(v + 0.005) for v in values]
    whys = [why_seconds(v + 0.0025) for v in values]

    load = os.getloadavg()[0]
    median_rerun, median_engine = statistics.median(reruns), statistics.median(engine)
    print(f"engine: {fastest_engine()}, {DEFAULT_REPS} replications of each regime; "
          f"load average {load:.2f} on {os.cpu_count()} cores")
    print(f"first load (cold, includes imports and JIT warm-up): {cold:.2f} s")
    print("slider re-run + re-draw, s: " + ", ".join(f"{r:.2f}" for r in reruns))
    print(f"median re-run: {median_rerun:.2f} s (target < 1 s: "
          f"{'met' if median_rerun < 1 else 'not met'}); worst {max(reruns):.2f} s")
    print(f"engine alone, median: {median_engine:.2f} s = "
          f"{median_engine / median_rerun:.0%} of a re-run")
    quick = statistics.median(w[0] for w in whys)
    full = statistics.median(w[1] for w in whys)
    print(f"the computed why alone, median: {quick:.2f} s quick path, {full:.2f} s through full "
          f"comparisons (before): {full / quick:.1f}x faster")


if __name__ == "__main__":
    main()
