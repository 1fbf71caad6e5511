"""The patterns of MODEL.md, as statistical tests over replications.

Each pattern comes out of the mechanisms; none is written into the model. Sample sizes are
chosen so the verdicts are stable across seeds (the differences tested are several standard
errors wide at these sizes).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import finals, small

from hlssim import Scenario
from hlssim.experiments.comparison import compare, difference

REPS = 20


#: Root seeds the crossover is judged under: each must give the verdict on its own.
CROSSOVER_SEEDS = (2026, 1, 2, 3, 4)
#: How far HLS may lead in a simple world and still count as "level" (wellbeing, 0..1).
LEVEL = 0.01


def crossover_gap(complexity: float, root_seed: int, **world) -> tuple[float, float, float]:
    """HLS minus NPM (targets) on final wellbeing at this complexity: mean and 95% interval over
    REPS replications of each (the default world, 120 months)."""
    scenarios = {name: Scenario.from_preset(name, complexity=complexity, **world)
                 for name in ("npm_targets", "hls")}
    finals = compare(scenarios, REPS, seed=root_seed).finals
    return difference(finals, "wellbeing_mean", "hls", "npm_targets")


@pytest.mark.parametrize("root_seed", CROSSOVER_SEEDS)
def test_crossover_npm_level_or_ahead_in_a_simple_world(root_seed):
    """One-sided, with a margin: at complexity 0.1 HLS leads by less than LEVEL, with 95%
    confidence (the interval's upper end is below it). Measured: NPM ahead by 0.013-0.026, upper
    ends -0.005 to -0.019, so each seed clears the margin by several standard errors; a model in
    which HLS led a simple world by a hundredth or more would fail."""
    diff, low, high = crossover_gap(0.1, root_seed)
    assert high < LEVEL, f"hls ahead at complexity 0.1 by {diff:.4f} [{low:.4f}, {high:.4f}]"


@pytest.mark.parametrize("root_seed", CROSSOVER_SEEDS)
def test_crossover_hls_clearly_ahead_in_a_complex_world(root_seed):
    diff, low, high = crossover_gap(0.9, root_seed)
    assert low > 0.05, f"hls minus npm at complexity 0.9: {diff:.4f} [{low:.4f}, {high:.4f}]"


def test_the_simple_world_verdict_can_fail():
    """Without the strengths NPM has in a simple world (focus on a clear target, a standard
    approach that is quicker) HLS leads there too, beyond the margin: the test above can fail."""
    diff, low, high = crossover_gap(0.1, CROSSOVER_SEEDS[0], focus_gain=0.0,
                                    standard_efficiency=0.0)
    assert high >= LEVEL, (diff, low, high)


def test_crossover_needs_complexity_mechanisms():
    """Take away what grows with complexity (need heterogeneity is kept) and the HLS lead shrinks."""
    flat = dict(mech_attribution=False, mech_crowding=False, mech_gaming_creaming=False,
                mech_gaming_substitution=False, mech_gaming_threshold=False,
                mech_gaming_misreport=False, mech_trust=False, mech_barriers=False)
    def lead(**flags):
        hls = finals(small("hls", complexity=0.9, steps=120, **flags), "wellbeing_mean", seeds=range(6))
        npm = finals(small("npm_targets", complexity=0.9, steps=120, **flags), "wellbeing_mean", seeds=range(6))
        return hls.mean() - npm.mean()
    assert lead() > 1.5 * lead(**flat)


def test_goodhart_reported_up_true_down_gap_widens():
    def at(pressure, metric):
        s = small("npm_targets", complexity=0.6, target_pressure=pressure, steps=120)
        return finals(s, metric, seeds=range(6)).mean()
    assert at(1.0, "reported_indicator") > at(0.0, "reported_indicator")
    assert at(1.0, "true_indicator") < at(0.0, "true_indicator")
    assert at(1.0, "goodhart_gap") > at(0.0, "goodhart_gap") + 0.05
    assert at(1.0, "indicator_outcome_corr") < at(0.0, "indicator_outcome_corr")


def test_goodhart_true_outcomes_rise_then_fall_with_pressure():
    def true_share(pressure):
        s = small("npm_targets", complexity=0.3, target_pressure=pressure, steps=120)
        return finals(s, "true_indicator", seeds=range(10)).mean()
    low, mid, high = true_share(0.0), true_share(0.5), true_share(1.0)
    assert mid > low and mid > high


def test_payment_by_results_parks_the_worst_off():
    def at(pbr, metric):
        return finals(small("npm_pbr", complexity=0.7, pbr_share=pbr, steps=120), metric, seeds=range(6))
    assert at(0.9, "wellbeing_p10").mean() < at(0.0, "wellbeing_p10").mean()
    assert at(0.9, "creamed_share").mean() > at(0.0, "creamed_share").mean() + 0.05


def test_switch_to_hls_slow_start_then_gain_switch_back_collapses_trust():
    def runs(first, then):
        s = small(first, complexity=0.8, steps=144, switch_step=60, switch_to=then)
        from hlssim import run
        return [run(s, seed=k) for k in range(4)]
    up = runs("npm_targets", "hls")
    w = np.mean([t["wellbeing_mean"].to_numpy() for t in up], axis=0)
    first_half_year = w[65] - w[58]
    next_five_years = w[125] - w[65]
    assert next_five_years > 0.05 and first_half_year < 0.25 * next_five_years
    trust_up = np.mean([t["trust_commissioner_provider"].to_numpy() for t in up], axis=0)
    down = runs("hls", "npm_targets")
    trust_down = np.mean([t["trust_commissioner_provider"].to_numpy() for t in down], axis=0)
    rise = trust_up[71] - trust_up[58]
    fall = trust_down[58] - trust_down[71]
    assert fall > 2 * rise > 0
