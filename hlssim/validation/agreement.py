"""Do the stock-flow and agent views point the same way? (issue #3, "direction agreement")

Across a grid of ``complexity`` and ``target_pressure``, each cell compares two regimes in the same
world: NPM (the ``npm_targets`` preset with its target pressure set to the cell's value) and HLS
(the ``hls`` preset, which has no targets, so the pressure axis moves only the NPM side). For each
metric both views report (wellbeing, trust at its three levels, gaming) the cell holds:

- the agent model's difference HLS minus NPM in final-year means over ``reps`` replications (batch
  engine, :func:`hlssim.run_many`), with a Welch 95% interval (:func:`hlssim.experiments.comparison.difference`);
- the stock-flow model's difference (deterministic: one run per regime, :func:`hlssim.stockflow.commissioning.run_sd`).

The agent model's difference is *clear* when its interval excludes 0; the views *agree* in a cell
when the two differences have the same sign. :func:`agreement_rate` is the share of agreeing cells
among the clear ones: cells where the agent model cannot tell the regimes apart say nothing about
direction and are left out (and counted, so a grid that is mostly noise shows as such).

>>> table = direction_grid([0.8], [1.0], reps=3, world={"n_people": 60, "n_workers": 4,
...                        "n_providers": 2, "steps": 24}, metrics=("wellbeing_mean",))
>>> list(table.columns[:4])
['complexity', 'target_pressure', 'metric', 'abm_diff']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hlssim.engines.registry import run_many
from hlssim.experiments.comparison import FINAL_WINDOW, difference, final_values, replicate_seed
from hlssim.model.scenario import Scenario
from hlssim.stockflow.commissioning import run_sd

#: Metrics both views report on which the issue asks for agreement.
DIRECTION_METRICS = ("wellbeing_mean", "trust_commissioner_provider", "trust_manager_worker",
                     "trust_worker_person", "gaming_share")

#: The two regimes compared in each cell: HLS minus NPM.
NPM, HLS = "npm_targets", "hls"


def cell_scenarios(complexity: float, target_pressure: float,
                   world: Mapping[str, object] | None = None) -> dict[str, Scenario]:
    """The NPM and HLS scenarios of one grid cell (``world`` overrides, e.g. size and steps)."""
    world = dict(world or {})
    return {NPM: Scenario.from_preset(NPM, complexity=complexity, target_pressure=target_pressure,
                                      **world),
            HLS: Scenario.from_preset(HLS, complexity=complexity, **world)}


def direction_grid(complexities: Sequence[float], pressures: Sequence[float], reps: int = 10,
                   world: Mapping[str, object] | None = None, seed: int = 0,
                   metrics: Sequence[str] = DIRECTION_METRICS) -> pd.DataFrame:
    """One row per (complexity, target_pressure, metric); see the module docstring.

    Columns: ``complexity, target_pressure, metric, abm_diff, abm_low, abm_high, sd_diff, clear,
    agree``. Replication ``r`` of regime ``i`` in every cell uses ``replicate_seed(seed, i, r)``.
    """
    rows = []
    for c in complexities:
        for tp in pressures:
            scenarios = cell_scenarios(c, tp, world)
            tables = []
            for i, (name, scenario) in enumerate(scenarios.items()):
                seeds = [replicate_seed(seed, i, r) for r in range(reps)]
                table = run_many(scenario, seeds).rename(columns={"replication": "rep"})
                table.insert(0, "regime", name)
                tables.append(table)
            finals = final_values(pd.concat(tables, ignore_index=True))
            window = {name: _final_year(run_sd(s)) for name, s in scenarios.items()}
            for metric in metrics:
                d, low, high = difference(finals, metric, HLS, NPM)
                sd = float(window[HLS][metric] - window[NPM][metric])
                rows.append({"complexity": float(c), "target_pressure": float(tp), "metric": metric,
                             "abm_diff": d, "abm_low": low, "abm_high": high, "sd_diff": sd,
                             "clear": bool(low > 0 or high < 0),
                             "agree": bool(np.sign(d) == np.sign(sd))})
    return pd.DataFrame(rows)


def _final_year(table: pd.DataFrame, window: int = FINAL_WINDOW) -> pd.Series:
    """The stock-flow run's final-window mean (the agent model's :func:`final_values` window)."""
    return table.iloc[-window:].mean()


def agreement_rate(grid: pd.DataFrame) -> tuple[float, int, int]:
    """(share of clear cells where the views agree, clear cells, all cells); NaN if none clear."""
    clear = grid[grid["clear"]]
    rate = float(clear["agree"].mean()) if len(clear) else float("nan")
    return rate, len(clear), len(grid)


def main() -> None:  # pragma: no cover - the study reported in docs/stock_flow.md
    """``python -m hlssim.validation.agreement``: the full grid of docs/stock_flow.md, printed."""
    grid = direction_grid([0.0, 0.15, 0.25, 0.5, 0.75, 1.0], [0.0, 0.25, 0.5, 0.75, 1.0], reps=10,
                          world={"n_people": 400, "n_workers": 20, "n_providers": 4, "steps": 120})
    rate, clear, cells = agreement_rate(grid)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(grid.round(4).to_string(index=False))
    print(f"\nclear cells {clear} of {cells}; agreement among them {rate:.3f}")
    print(grid[grid["clear"]].groupby("metric")["agree"].agg(["mean", "count"]).to_string())
    disagree = grid[grid["clear"] & ~grid["agree"]]
    if len(disagree):
        print("\ndisagreements:\n" + disagree.round(4).to_string(index=False))


if __name__ == "__main__":  # pragma: no cover
    main()
