"""Engines: each turns a scenario and a seed into the same tidy table.

The table is wide: one row per step (1..steps), a ``step`` column, then one column per metric in
the order of :data:`hlssim.metrics.METRIC_NAMES`. Every engine returns exactly this shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.metrics import METRIC_NAMES
from hlssim.scenario import Scenario
from hlssim.stepping import Progress

SeedLike = int | np.random.SeedSequence


def _run_mesa(scenario: Scenario, seed: SeedLike, progress: Progress = None) -> pd.DataFrame:
    from hlssim.abm.model import CommissioningModel

    table = CommissioningModel(scenario, seed=seed).run(progress)
    table = table[list(METRIC_NAMES)].astype(float)
    table.insert(0, "step", np.arange(1, len(table) + 1, dtype=np.int64))
    return table


def _run_batch(scenario: Scenario, seed: SeedLike, progress: Progress = None) -> pd.DataFrame:
    from hlssim.batch import BatchModel

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
    _check_seed(seed)
    return ENGINES[engine](scenario, seed, progress)


def _check_seed(seed) -> None:
    if isinstance(seed, np.random.SeedSequence):
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise HlssimError(f"seed {seed!r}: expected a non-negative integer")


def run_many(scenario: Scenario, seeds: Sequence[SeedLike]) -> pd.DataFrame:
    """Run one scenario once per seed in a single vectorised pass (the batch engine).

    Returns the run table stacked over seeds with a leading ``replication`` column (the position
    of the seed in ``seeds``); replication ``r`` equals ``run(scenario, seeds[r])``.
    """
    from hlssim.batch import BatchModel

    if not isinstance(scenario, Scenario):
        raise HlssimError(f"run_many(): scenario must be a hlssim.Scenario, not {type(scenario).__name__}")
    seeds = list(seeds)
    if not seeds:
        raise HlssimError("run_many(): seeds is empty; expected at least one seed")
    for seed in seeds:
        _check_seed(seed)
    return BatchModel(scenario, seeds).run()
