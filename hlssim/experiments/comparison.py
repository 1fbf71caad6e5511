"""Comparing regimes over replications: runs, per-run summaries, means with 95% intervals.

Seeds: replication ``r`` of the regime at position ``i`` uses ``SeedSequence(seed, spawn_key=(i, r))``,
so each run's seed depends only on the root seed and its place in the design, never on the order
in which runs finish. With ``paired=True`` every regime's replication ``r`` uses the same draws
(common random numbers), which sharpens differences between regimes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hlssim.common.stats import mean_interval, welch_interval
from hlssim.engines.registry import DEFAULT_ENGINE, run, run_many
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.scenario import Scenario

#: Months at the end of a run over which each run's summary value is averaged.
FINAL_WINDOW = 12


def replicate_seed(seed: int, regime_index: int, rep: int, paired: bool = False) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(0 if paired else regime_index, rep))


@dataclass(frozen=True)
class Comparison:
    """All trajectories of a comparison and their summaries."""

    trajectories: pd.DataFrame  # regime, rep, step, metrics...
    finals: pd.DataFrame  # regime, rep, metrics... (mean over the final window)
    summary: pd.DataFrame  # regime, metric, mean, ci_low, ci_high, n


def run_replications(
    scenarios: dict[str, Scenario],
    reps: int,
    seed: int = 0,
    engine: str = DEFAULT_ENGINE,
    paired: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every scenario ``reps`` times; return one long table with ``regime`` and ``rep``."""
    tables = []
    total = len(scenarios) * reps
    done = 0
    for i, (name, scenario) in enumerate(scenarios.items()):
        seeds = [replicate_seed(seed, i, rep, paired) for rep in range(reps)]
        if engine == "batch":  # all replications of a regime in one vectorised pass
            table = run_many(scenario, seeds).rename(columns={"replication": "rep"})
            table.insert(0, "regime", name)
            tables.append(table)
            done += reps
            if progress:
                progress(done, total)
            continue
        for rep, rep_seed in enumerate(seeds):
            table = run(scenario, seed=rep_seed, engine=engine)
            table.insert(0, "rep", rep)
            table.insert(0, "regime", name)
            tables.append(table)
            done += 1
            if progress:
                progress(done, total)
    return pd.concat(tables, ignore_index=True)


def final_values(trajectories: pd.DataFrame, window: int = FINAL_WINDOW) -> pd.DataFrame:
    """Each run's metrics averaged over its last ``window`` steps."""
    last = trajectories["step"].max()
    tail = trajectories[trajectories["step"] > last - window]
    return tail.groupby(["regime", "rep"], sort=False)[list(METRIC_NAMES)].mean().reset_index()


#: How a metric that is the same in every replication is shown instead of an interval.
SAME_IN_EVERY_RUN = "same in every run: set by the scenario, not a result with spread"


def summarize(finals: pd.DataFrame, metrics: Sequence[str] = METRIC_NAMES) -> pd.DataFrame:
    """Each regime's final-year mean of each metric with its 95% interval over replications.

    A metric with the same value in every replication (fixed by the regime's settings, such as
    the admin share, or not moved by anything random) gets ``fixed`` True and no interval
    (``ci_low``/``ci_high`` NaN): a zero-width interval would present a setting as a finding."""
    rows = []
    for regime, group in finals.groupby("regime", sort=False):
        for metric in metrics:
            values = group[metric].to_numpy(float)
            # the same in every run, but for rounding in the last bits (a setting averaged
            # over the final year)
            fixed = len(values) > 1 and bool(
                np.ptp(values) <= 1e-9 * max(1.0, float(np.abs(values).max())))
            mean, low, high = mean_interval(values)
            if fixed:
                low = high = float("nan")
            rows.append({"regime": regime, "metric": metric, "mean": mean, "ci_low": low,
                         "ci_high": high, "n": len(group), "fixed": fixed})
    return pd.DataFrame(rows)


def difference(finals: pd.DataFrame, metric: str, a: str, b: str) -> tuple[float, float, float]:
    """Mean of regime ``a`` minus regime ``b`` on ``metric``, with a Welch 95% interval."""
    x = finals.loc[finals["regime"] == a, metric].to_numpy(float)
    y = finals.loc[finals["regime"] == b, metric].to_numpy(float)
    return welch_interval(x, y)


def compare(
    scenarios: dict[str, Scenario],
    reps: int,
    seed: int = 0,
    engine: str = DEFAULT_ENGINE,
    paired: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    trajectories = run_replications(scenarios, reps, seed, engine, paired, progress)
    finals = final_values(trajectories)
    return Comparison(trajectories, finals, summarize(finals))


def summary_wide(summary: pd.DataFrame, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Metrics as rows, regimes as columns, cells 'mean [low, high]' (or 'mean (same in every
    run)' for a metric with no spread over replications): the printed table."""
    if metrics is not None:
        summary = summary[summary["metric"].isin(metrics)]
    fixed = summary["fixed"] if "fixed" in summary else [False] * len(summary)
    cells = summary.assign(cell=[
        f"{m:.3f} (same in every run)" if f else f"{m:.3f} [{lo:.3f}, {hi:.3f}]"
        for m, lo, hi, f in zip(summary["mean"], summary["ci_low"], summary["ci_high"], fixed)
    ])
    wide = cells.pivot(index="metric", columns="regime", values="cell")
    order = [m for m in METRIC_NAMES if m in wide.index]
    return wide.loc[order, list(dict.fromkeys(summary["regime"]))]
