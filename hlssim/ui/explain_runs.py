"""The runs behind the computed "why" (:mod:`hlssim.ui.explain`), done quickly.

The decomposition needs, for every variant (every mechanism on, each mechanism off in turn, every
mechanism off), the gap between the two regimes on one measure, run by run: about 26 runs of a
regime's replications per explanation. Only one number per run is needed (the measure's mean over
the run's final year), so :func:`variant_gaps` skips what a comparison builds for the page (the
month-by-month table of every measure, the summary with its intervals of every measure), reads the
batch engine's array directly, and runs the variants on a few threads (the batch engine's
compiled months release the GIL), at most :data:`RUNS_AT_ONCE` at a time in the whole process, so
that a server's explanations leave a core to the pages. The values are those of
:func:`hlssim.experiments.comparison.final_values` over :func:`hlssim.ui.explorer.run_comparison`'s
runs, bit for bit: the same seeds, the same final window, the same (pandas) mean.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from hlssim.experiments.comparison import FINAL_WINDOW, replicate_seed
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.scenario import Scenario

#: Threads the variants share at most: the machine's cores, up to this many.
MAX_THREADS = 4

#: How many of the why's runs may compute at once in this process, whichever sessions they serve:
#: one core fewer than the machine has (at least one). A server's pages are Python, which runs on
#: one core at a time; without this bound, ten sessions' explanations (each a few runs at once)
#: would take every core and hold back every page's summary and charts behind them.
RUNS_AT_ONCE = threading.BoundedSemaphore(max(1, (os.cpu_count() or 1) - 1))


def default_threads() -> int:
    """As many threads as cores, at most :data:`MAX_THREADS`."""
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


def final_metric(scenario: Scenario, regime_index: int, reps: int, seed: int,
                 metric: str) -> np.ndarray:
    """The mean of ``metric`` over the final year of each of ``reps`` runs of ``scenario`` on the
    batch engine, seeded as regime ``regime_index`` of :func:`run_comparison` seeds them."""
    from hlssim.engines.registry import run_many_metrics

    seeds = [replicate_seed(seed, regime_index, rep) for rep in range(reps)]
    with RUNS_AT_ONCE:
        values = run_many_metrics(scenario, seeds,
                                  from_step=max(1, scenario.steps - FINAL_WINDOW + 1))
    values = values[:, -FINAL_WINDOW:, METRIC_NAMES.index(metric)]
    window = values.shape[1]
    # the same grouped mean as final_values, so that the numbers match to the last bit
    table = pd.DataFrame({"rep": np.repeat(np.arange(reps), window), metric: values.ravel()})
    return table.groupby("rep", sort=False)[metric].mean().to_numpy(float)


def variant_gaps(variants: Sequence[Mapping[str, Scenario]], reps: int, seed: int, metric: str,
                 threads: int | None = None) -> list[np.ndarray]:
    """For each variant (two scenarios: first, second), second minus first on ``metric``'s
    final-year mean, run by run (run ``r`` of each with the same seeds as the comparison's)."""
    jobs = [(v, i, scenario) for v, variant in enumerate(variants)
            for i, scenario in enumerate(list(variant.values())[:2])]

    def one(job):
        _, i, scenario = job
        return final_metric(scenario, i, reps, seed, metric)

    n = max(1, min(threads or default_threads(), len(jobs)))
    if n == 1:
        finals = [one(job) for job in jobs]
    else:
        with ThreadPoolExecutor(n, thread_name_prefix="hlssim-explain") as pool:
            finals = list(pool.map(one, jobs))
    return [finals[2 * v + 1] - finals[2 * v] for v in range(len(variants))]
