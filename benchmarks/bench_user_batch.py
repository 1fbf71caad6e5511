"""The batched path's speed-up over PySD on the classes of user model it newly accepts.

For each model (lookups, XMILE/Stella files, delays and smooths, DELAY N and SMOOTH N, and the
Vensim teacup and SIR for reference) all figures come from one run of this script, so the ratios compare like with like:
- PySD: milliseconds per run, the median of ``--pysd-runs`` runs (default 10) of random points
  (every constant between half and twice its value) through ``ExternalModel.run``, translation
  and first load excluded;
- batched: milliseconds per run of ``--points`` points (default 200) in one
  ``hlssim.stockflow.user_batch.run_many`` call (best of 3; compile and the one check against
  PySD excluded, as a sweep pays them once per model), every table identical to PySD's for the
  points PySD ran (checked, not assumed);
- the ratio, PySD per run over batched per run.

The load average (``uptime``) is printed: on a shared machine absolute times move with it.

    .venv/bin/python benchmarks/bench_user_batch.py [--pysd-runs N] [--points N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_external_batched import random_points  # every constant at 0.5x to 2x its value

from hlssim.stockflow.user_batch import run_many, status
from hlssim.stockflow.user_model import ExternalModel

MODELS = ROOT / "tests" / "sd_test_models"
#: (class, model): the classes the batched path newly accepts, then two it accepted before
CASES = [
    ("lookups (Vensim table)", "lookups/test_lookups.mdl"),
    ("lookups (WITH LOOKUP)", "suite/lookups_with_expr/test_lookups_with_expr.mdl"),
    ("lookups (XMILE graphical)", "suite/lookups_inline/test_lookups_inline.xmile"),
    ("XMILE", "teacup/teacup.xmile"),
    ("XMILE", "SIR/SIR.xmile"),
    ("Stella .stmx", "suite/if_stmt/if_stmt.stmx"),
    ("delays + smooths + lookups", "stateful/teacup_stateful.mdl"),
    ("SMOOTH", "suite/smooth_and_stock/test_smooth_and_stock.mdl"),
    ("DELAY1/DELAY3", "suite/delay_parentheses/test_delay_parentheses.mdl"),
    ("DELAY N (+ DELAY1, DELAY3)", "delays/test_delays.mdl"),
    ("DELAY N", "suite/delay_numeric_error/test_delay_numeric_error.mdl"),
    ("SMOOTH N (+ SMOOTH, SMOOTH3)", "suite/smooth/test_smooth.mdl"),
    ("before: plain .mdl", "teacup/teacup.mdl"),
    ("before: plain .mdl", "SIR/SIR.mdl"),
]


def bench(case: str, pysd_runs: int, n_points: int) -> tuple[float, float]:
    """(PySD ms a run, batched ms a run) for one model; raises if the tables differ."""
    model = ExternalModel(MODELS / case)
    points = random_points(model, n_points, seed=7)
    if not status(model, points[0]).startswith("batched numpy path"):
        raise SystemExit(f"{case}: not on the batched path: {status(model)}")
    run_many(model, points[:2])  # compile and check once, as a sweep does
    pysd_ms, reference = [], []
    for point in points[:pysd_runs]:
        start = time.perf_counter()
        reference.append(model.run(point))
        pysd_ms.append(1000 * (time.perf_counter() - start))
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        tables = run_many(model, points)
        best = min(best, time.perf_counter() - start)
    for table, ref in zip(tables, reference):
        if not np.array_equal(table.to_numpy(), ref.to_numpy(), equal_nan=True):
            raise SystemExit(f"{case}: the batched tables differ from PySD's")
    return statistics.median(pysd_ms), 1000 * best / len(points)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pysd-runs", type=int, default=10)
    parser.add_argument("--points", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"load average {os.getloadavg()[0]:.1f}; {args.points} points batched, "
          f"{args.pysd_runs} PySD runs each; every batched table equal to PySD's")
    print(f"{'class':28} {'model':52} {'PySD ms/run':>11} {'batched ms/run':>14} {'speed-up':>8}")
    for label, case in CASES:
        pysd_ms, batched_ms = bench(case, args.pysd_runs, args.points)
        print(f"{label:28} {case:52} {pysd_ms:11.1f} {batched_ms:14.3f} {pysd_ms / batched_ms:7.0f}x",
              flush=True)


if __name__ == "__main__":
    main()
