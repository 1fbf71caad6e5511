"""``hlssim effects``: one-at-a-time effects say which parameters move the model, and which move
only a setting; a parameter whose mechanism is switched off moves nothing."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from hlssim.validation.effects import compare_sides, markdown, parameter_effects, verdicts

SMALL = {"n_people": 60, "n_workers": 6, "n_providers": 3, "steps": 24}


def effects(names, **overrides):
    return parameter_effects(names, presets=("npm_targets",), complexities=(0.5,), reps=4,
                             overrides=SMALL | overrides)


def test_a_parameter_of_a_switched_off_mechanism_moves_nothing():
    """With trust dynamics off, the trust rate cannot move any metric: every effect is
    exactly zero and it does not earn its place (fails if the rate acts outside its mechanism)."""
    e = effects(["trust_rate"], mech_trust=False)
    assert np.all(e["effect"] == 0.0)
    assert not verdicts(e).set_index("parameter").loc["trust_rate", "earns"]


def test_help_that_helps_earns_its_place_and_trust_does_when_on():
    e = effects(["help_gain", "trust_rate"])
    v = verdicts(e).set_index("parameter")
    assert v.loc["help_gain", "earns"] and v.loc["trust_rate", "earns"]
    assert v.loc["help_gain", "ratio"] > 2


def test_a_change_only_in_a_setting_is_marked_fixed_and_does_not_count():
    """With no audits, tenders or claims (the activities that vary from month to month), the
    number of indicators reported sets the admin share exactly (no spread over replications):
    that change is marked ``fixed`` and shown as set by the regime, never as a behavioural
    effect."""
    e = effects(["indicators"], audit_rate=0.0, retender_interval=0)
    admin = e[e["metric"] == "admin_time_share"].iloc[0]
    assert admin["fixed"] and admin["effect"] > 0 and admin["half_width"] == 0


def test_a_parameter_that_moves_only_a_setting_does_not_earn_its_place():
    import pandas as pd

    rows = [{"parameter": "indicators", "group": "regime", "preset": "npm_targets",
             "complexity": 0.5, "low": 0.0, "high": 0.5, "metric": m, "effect": eff,
             "half_width": hw, "ratio": r, "fixed": fx}
            for m, eff, hw, r, fx in (("admin_time_share", 0.3, 0.0, np.inf, True),
                                      ("wellbeing_mean", 0.001, 0.01, 0.1, False))]
    e = pd.DataFrame(rows)
    v = verdicts(e).set_index("parameter").loc["indicators"]
    assert not v["earns"] and v["only_fixed"]
    assert "only a setting" in markdown(e, 4)


def test_the_command_checks_its_arguments_in_one_line():
    for args, field in ((["--complexities", "2"], "--complexities"),
                        (["--params", "no_such"], "no_such"),
                        (["--out", "/nonexistent/dir/x.md"], "--out"),
                        (["--reps", "1"], "reps 1")):
        proc = subprocess.run([sys.executable, "-m", "hlssim.ui.cli", "effects", "--quick", *args],
                              capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        assert field in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_rounding_in_a_setting_is_not_taken_for_spread():
    """A setting averaged over the final year may differ between replications in its last bits
    only: still fixed, never a change of 10^15 half-widths (seen at the --quick size)."""
    e = parameter_effects(["indicators"], presets=("npm_targets",), complexities=(0.2,), reps=5,
                          overrides={"n_people": 100, "n_workers": 10, "n_providers": 4,
                                     "steps": 36, "audit_rate": 0.0, "retender_interval": 0})
    admin = e[e["metric"] == "admin_time_share"].iloc[0]
    assert admin["fixed"] and admin["half_width"] == 0.0
    assert np.isfinite(e.loc[~e["fixed"], "ratio"]).all()
    lo = np.array([0.1, 0.1 + 2.8e-17, 0.1, 0.1 - 1.4e-17, 0.1])
    assert compare_sides(lo, lo + 0.05) == (pytest.approx(0.05), 0.0, True)
    effect, half, fixed = compare_sides(lo + np.array([0, 0.01, 0, 0, 0]), lo)
    assert not fixed and half > 0


def test_a_range_whose_ends_mean_the_same_is_tested_over_its_plausible_span():
    """retender_interval's allowed range runs from 0 to 1200 months, and both ends mean "never"
    in a 120-month run (the effect was exactly 0 everywhere): it is tested yearly against
    five-yearly, and then it moves the model (fails if levels ignores Param.span)."""
    from hlssim.model.parameters import PARAMETERS
    from hlssim.validation.effects import levels

    level = levels(PARAMETERS["retender_interval"])
    assert (level.low, level.high) == (12, 60)
    e = parameter_effects(["retender_interval"], presets=("npm_targets",), complexities=(0.8,),
                          reps=8, overrides={"n_people": 200, "n_workers": 10, "n_providers": 4,
                                             "steps": 72})
    assert verdicts(e).set_index("parameter").loc["retender_interval", "earns"]
