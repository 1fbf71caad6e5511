"""Engines: each turns a scenario and a seed into the same tidy table.

The table is wide: one row per step (1..steps), a ``step`` column, then one column per metric in
the order of :data:`hlssim.model.metrics.METRIC_NAMES`. Every engine returns exactly this shape.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from hlssim.common.progress import Progress
from hlssim.errors import HlssimError
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.scenario import Scenario

SeedLike = int | np.random.SeedSequence


def _run_mesa(scenario: Scenario, seed: SeedLike, progress: Progress = None) -> pd.DataFrame:
    from hlssim.engines.mesa.model import CommissioningModel

    table = CommissioningModel(scenario, seed=seed).run(progress)
    table = table[list(METRIC_NAMES)].astype(float)
    table.insert(0, "step", np.arange(1, len(table) + 1, dtype=np.int64))
    return table


def _run_batch(scenario: Scenario, seed: SeedLike, progress: Progress = None) -> pd.DataFrame:
    from hlssim.engines.batch.model import BatchModel

    return BatchModel(scenario, [seed]).run(progress).drop(columns="replication")


ENGINES: dict[str, Callable[..., pd.DataFrame]] = {"mesa": _run_mesa, "batch": _run_batch}
DEFAULT_ENGINE = "batch"  # the same model as "mesa" (tested equal), much faster


def run(scenario: Scenario, seed: SeedLike = 0, engine: str = DEFAULT_ENGINE,
        progress: Progress = None) -> pd.DataFrame:
    """Run one scenario with one seed and return its table (see module docstring).

    ``progress``, if given, is called after every step with (steps done, steps in all).

    >>> from hlssim import Scenario, run
    >>> table = run(Scenario.from_preset("hls", steps=3, n_people=40, n_workers=4), seed=1)
    >>> list(table["step"])
    [1, 2, 3]
    """
    if not isinstance(scenario, Scenario):
        raise HlssimError(f"run(): scenario must be a hlssim.Scenario, not {type(scenario).__name__}")
    if engine not in ENGINES:
        raise HlssimError(f"engine '{engine}': unknown; allowed engines are {', '.join(ENGINES)}")
    check_seed(seed)
    return ENGINES[engine](scenario, seed, progress)


def check_seed(seed) -> None:
    if isinstance(seed, np.random.SeedSequence):
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise HlssimError(f"seed {seed!r}: expected a non-negative integer")


#: Fewest replications worth a thread of their own: below this, what each thread does in Python
#: (setting up its replications, building its table, joining the tables) outweighs what it shares
#: out (2 x 160 people x 120 months: 9.6 ms on one thread, 11.6 ms on two; 4 x 160: 16.5 and 15.4).
MIN_REPLICATIONS_PER_THREAD = 4


def replication_threads(requested: int | None, replications: int) -> int:
    """How many threads :func:`run_many` shares its replications among.

    ``requested`` if given; else the ``HLSSIM_THREADS`` environment variable; else 1 inside a Dask
    worker (a sweep's parallelism is its workers: threads here would oversubscribe the cores);
    else every core this process may use. Never more than one thread per
    :data:`MIN_REPLICATIONS_PER_THREAD` replications."""
    source = "threads"
    if requested is None:
        env = os.environ.get("HLSSIM_THREADS", "").strip()
        if env:
            source, requested = "HLSSIM_THREADS", env
    if requested is not None:
        try:
            count = int(requested)
            valid = count >= 1 and not isinstance(requested, bool) and float(requested) == count
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise HlssimError(f"{source} {requested!r}: expected a whole number of threads, 1 or more")
    elif _in_dask_worker():
        count = 1
    else:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(count, replications // MIN_REPLICATIONS_PER_THREAD))


def _in_dask_worker() -> bool:
    if "distributed" not in sys.modules:
        return False
    try:
        sys.modules["distributed"].get_worker()
    except (ValueError, AttributeError):
        return False
    return True


def run_many(scenario: Scenario, seeds: Sequence[SeedLike], threads: int | None = None) -> pd.DataFrame:
    """Run one scenario once per seed, vectorised over replications (the batch engine).

    Returns the run table stacked over seeds with a leading ``replication`` column (the position
    of the seed in ``seeds``); replication ``r`` equals ``run(scenario, seeds[r])``, bit for bit,
    however many threads share the work (:func:`replication_threads`): each thread runs its own
    consecutive block of replications, and replications share nothing.
    """
    from hlssim.engines.batch.model import metrics_table

    return metrics_table(run_many_metrics(scenario, seeds, threads))


def run_many_metrics(scenario: Scenario, seeds: Sequence[SeedLike],
                     threads: int | None = None, from_step: int = 1) -> np.ndarray:
    """:func:`run_many`'s values without the table: an array (replications, steps, metrics in the
    order of :data:`hlssim.model.metrics.METRIC_NAMES`), for callers that read it as numbers (a sweep
    reads thousands of these; building each table costs about as much as a small run's set-up).

    ``from_step``: the first step whose metrics are worked out (1 to ``scenario.steps``); earlier
    steps' rows are NaN. The runs are the same to the bit whatever it is, and the rows from it on
    equal :func:`run_many`'s; a caller that reads only the last year of a run saves the metrics of
    the months before (about a seventh of a run's time at 120 months)."""
    from hlssim.engines.batch.model import BatchModel

    if not isinstance(scenario, Scenario):
        raise HlssimError(f"run_many(): scenario must be a hlssim.Scenario, not {type(scenario).__name__}")
    seeds = list(seeds)
    if not seeds:
        raise HlssimError("run_many(): seeds is empty; expected at least one seed")
    for seed in seeds:
        check_seed(seed)
    if (isinstance(from_step, bool) or not isinstance(from_step, (int, np.integer))
            or not 1 <= from_step <= scenario.steps):
        raise HlssimError(f"run_many(): from_step {from_step!r}: expected a whole number from 1 to "
                          f"the scenario's steps ({scenario.steps})")
    n_threads = replication_threads(threads, len(seeds))
    if n_threads == 1:
        return BatchModel(scenario, seeds, int(from_step)).run_metrics()
    blocks = np.array_split(np.arange(len(seeds)), n_threads)
    with ThreadPoolExecutor(n_threads, thread_name_prefix="hlssim-run-many") as pool:
        parts = list(pool.map(
            lambda block: BatchModel(scenario, [seeds[i] for i in block], int(from_step)
                                     ).run_metrics(), blocks))
    return np.concatenate(parts, axis=0)
