"""The plausible ranges the whole-space analysis samples (hlssim.model.plausible_ranges)."""

from __future__ import annotations

import math

import pytest

from hlssim.model.parameters import PARAMETERS
from hlssim.model.plausible_ranges import JUDGEMENT, PLAUSIBLE
from hlssim.validation.plausible import uncertain_parameters


def test_every_uncertain_parameter_has_an_argued_range_inside_its_declared_one():
    declared = uncertain_parameters("declared")
    assert set(PLAUSIBLE) == set(declared)
    for name, r in PLAUSIBLE.items():
        p = PARAMETERS[name]
        assert p.low <= r.low < r.high <= p.high, name
        assert r.low <= p.default <= r.high, name
        assert r.basis in ("source", "judgement") and r.why.strip(), name


def test_judgement_ranges_all_follow_one_rule_fixed_in_advance():
    """Half to twice the default, clipped to the declared range: one rule for every parameter no
    source pins, so no range was drawn to favour a regime."""
    for name, r in PLAUSIBLE.items():
        if r.basis != "judgement":
            continue
        p = PARAMETERS[name]
        assert r.why == JUDGEMENT
        assert math.isclose(r.low, max(p.low, p.default / 2)), name
        assert math.isclose(r.high, min(p.high, p.default * 2)), name


def test_the_analysis_samples_the_plausible_ranges_unless_asked_for_the_declared_ones():
    plausible, declared = uncertain_parameters(), uncertain_parameters("declared")
    assert plausible["help_gain"] == (0.03, 0.12) and declared["help_gain"] == (0.0, 0.5)
    with pytest.raises(ValueError, match="ranges: 'wide' is not allowed"):
        uncertain_parameters("wide")
