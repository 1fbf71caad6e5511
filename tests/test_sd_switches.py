"""The mech_* switches and the mid-run regime switch in the stock-flow model (hlssim/stockflow/commissioning.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hlssim import Scenario
from hlssim.ui.cli import main
from hlssim.errors import HlssimError
from hlssim.stockflow.commissioning import run_sd

C = 0.8


def run(preset="npm_targets", extra=(), **overrides):
    return run_sd(Scenario.from_preset(preset, complexity=C, steps=60, **overrides), extra=extra)


def tail(table, name):
    return float(table[name].iloc[-12:].mean())


# --- mechanism switches ---------------------------------------------------------------------------

def test_trust_off_keeps_every_trust_at_its_start():
    for preset in ("npm_targets", "hls"):
        t = run(preset, mech_trust=False)
        for name, start in (("trust_commissioner_provider", 0.5), ("trust_manager_worker", 0.5),
                            ("trust_worker_person", 0.3)):
            assert np.allclose(t[name], start), (preset, name)
        assert not np.allclose(run(preset)["trust_manager_worker"], 0.5)


def test_learning_off_keeps_knowledge_at_the_prior_and_barriers_untouched():
    on, off = run("hls"), run("hls", mech_learning=False)
    prior = 1 - C * (1 - 1 / 4)
    assert np.allclose(off["knowledge_accuracy"], prior)
    assert tail(on, "knowledge_accuracy") > prior + 0.05
    assert np.allclose(off["system_barriers"], 1.0) and tail(on, "system_barriers") < 0.9


def test_switches_that_zero_their_mechanism():
    assert np.allclose(run(mech_barriers=False)["system_barriers"], 1.0)
    assert tail(run(mech_barriers=False), "wellbeing_mean") > tail(run(), "wellbeing_mean")
    assert np.allclose(run(mech_failure_demand=False)["failure_demand"], 0.0)
    assert tail(run(), "failure_demand") > 0.05
    assert np.allclose(run(mech_neglect=False)["neglect_share"], 0.0)
    assert np.allclose(run(mech_gaming_creaming=False)["creamed_share"], 0.0)
    assert np.allclose(run(mech_attribution=False, extra=("attribution_share",))["attribution_share"], 0)


def test_switches_that_remove_a_push():
    base = run(extra=("effort",))
    assert tail(run(mech_focus=False, extra=("effort",)), "effort") < tail(base, "effort")
    assert tail(run(mech_gaming_misreport=False), "reported_indicator") < tail(base, "reported_indicator")
    assert tail(run(mech_gaming_substitution=False), "direct_time_share") > tail(base, "direct_time_share")
    # crowding off: motivation stays at a new hire's (replacement keeps it there)
    off = run(mech_crowding=False)
    assert np.allclose(off["motivation_mean"], off["motivation_mean"].iloc[0])
    # turnover off: only the base rate (hls has no re-tenders)
    assert np.allclose(run("hls", mech_turnover=False)["turnover_rate"], 0.01)


@pytest.mark.parametrize("mech", ["mech_pooling", "mech_gaming_threshold", "mech_gaming_ratchet"])
def test_switches_without_an_aggregate_counterpart_change_nothing(mech):
    pd.testing.assert_frame_equal(run(**{mech: False}), run())


# --- the regime switch ----------------------------------------------------------------------------

def test_a_switch_to_the_same_regime_changes_nothing_and_months_before_it_are_untouched():
    base = run()
    pd.testing.assert_frame_equal(run(switch_step=25, switch_to="npm_targets"), base)
    switched = run(switch_step=25, switch_to="hls")
    pd.testing.assert_frame_equal(switched.iloc[:24], base.iloc[:24])
    assert not np.allclose(switched["gaming_share"].iloc[24:], base["gaming_share"].iloc[24:])
    assert tail(switched, "wellbeing_mean") > tail(base, "wellbeing_mean")


def test_a_switch_at_month_one_is_the_target_regime_and_one_after_the_run_is_none():
    a = Scenario.from_preset("npm_targets", complexity=C, steps=60)
    at_one = a.with_overrides(switch_step=1, switch_to="hls")
    pd.testing.assert_frame_equal(run_sd(at_one), run_sd(at_one.switched_regime()))
    pd.testing.assert_frame_equal(run_sd(a.with_overrides(switch_step=61, switch_to="hls")), run_sd(a))


def test_switching_back_collapses_trust_faster_than_switching_forward_builds_it():
    """MODEL.md: NPM to HLS is a slow start; HLS back to NPM collapses commissioner-provider trust
    faster (hysteresis). Trust weighs good and bad news at one rate (trust_rate), so this comes
    from the news: sanctions and tenders arrive whatever the relationship, at full strength, while
    good news of results comes by degrees and only through contact, which distrust cuts (the
    formal events carry it here: with contact held at 1 it still holds). Between managers and workers the news runs the
    other way (good news in supervision under HLS outweighs what NPM passes down), in the agent
    model as here, so no asymmetry is asserted for them."""
    k = 31
    forward = run("npm_targets", switch_step=k, switch_to="hls")
    back = run("hls", switch_step=k, switch_to="npm_targets")
    name = "trust_commissioner_provider"
    rise = forward[name].iloc[k + 5] - forward[name].iloc[k - 2]
    fall = back[name].iloc[k - 2] - back[name].iloc[k + 5]
    assert rise > 0 and fall > 1.25 * rise, (name, rise, fall)


def test_the_command_honours_switches(tmp_path):
    out = tmp_path / "sd.csv"
    args = ["run", "--engine", "sd", "--preset", "npm_targets", "--steps", "36", "--set",
            "complexity=0.8", "--set", "mech_trust=false", "--set", "switch_step=13", "--set",
            "switch_to=hls", "--out", str(out)]
    assert main(args) == 0
    expected = run_sd(Scenario.from_preset("npm_targets", steps=36, complexity=0.8, mech_trust=False,
                                           switch_step=13, switch_to="hls"))
    pd.testing.assert_frame_equal(pd.read_csv(out), expected, check_dtype=False)
    assert np.allclose(expected["trust_manager_worker"], 0.5)


def test_sd_params_set_model_only_constants_and_refuse_the_rest():
    s = Scenario.from_preset("npm_targets", complexity=C, steps=36)
    plain = run_sd(s, extra=("political_pressure",))
    assert np.allclose(plain["political_pressure"], 0.0)  # off unless asked for
    pressed = run_sd(s, extra=("political_pressure",), sd_params={"political_response": 1.0})
    assert pressed["political_pressure"].iloc[-1] > 0.05
    with pytest.raises(HlssimError, match="'complexity' is not a constant"):
        run_sd(s, sd_params={"complexity": 0.2})
    with pytest.raises(HlssimError, match="'wellbeing_mean' is not a constant"):
        run_sd(s, sd_params={"wellbeing_mean": 0.2})
    with pytest.raises(HlssimError, match="'TIME STEP'|'time_step'"):
        run_sd(s, sd_params={"time_step": 1})
