"""Input distributions other than uniform for sampled ranges: normal, triangular, lognormal
(truncated to [low, high]); their samples have the asked moments, they survive the manifest, and
every bad value is one line naming the field, the value and what is allowed."""

from __future__ import annotations

import pandas as pd
import pytest

from hlssim.errors import SpecError
from hlssim.experiments import expand, parse_spec

FACTORS = {"complexity": {"low": 0, "high": 1, "dist": "normal", "mean": 0.7, "sd": 0.1},
           "audit_rate": {"low": 0, "high": 0.4, "dist": "triangular", "mode": 0.1},
           "help_gain": {"low": 0.01, "high": 0.2, "dist": "lognormal", "median": 0.05, "sigma": 0.5}}


def spec(factors, sampler="lhs", samples=512):
    return parse_spec({"sampler": sampler, "samples": samples, "root_seed": 1, "factors": factors,
                       "outputs": {"wellbeing_mean": "final"}})


@pytest.mark.parametrize("sampler,samples", [("lhs", 512), ("sobol", 128)])
def test_samples_follow_the_asked_distributions(sampler, samples):
    points = pd.DataFrame(expand(spec(FACTORS, sampler, samples)).points)
    assert points["complexity"].mean() == pytest.approx(0.7, abs=0.01)
    assert points["complexity"].std() == pytest.approx(0.1, abs=0.01)
    assert points["audit_rate"].mean() == pytest.approx(0.5 / 3, abs=0.01)  # (low+mode+high)/3
    assert points["help_gain"].median() == pytest.approx(0.05, abs=0.004)
    assert points["help_gain"].between(0.01, 0.2).all()
    assert (points["audit_rate"] < 0.1).mean() == pytest.approx(0.25, abs=0.03)  # P(X < mode)


def test_a_distribution_survives_the_manifest_and_uniform_is_unchanged():
    s = spec(FACTORS)
    again = spec(s.to_dict()["factors"])  # as a manifest's spec is read back
    assert again.digest() == s.digest() and again.factors == s.factors
    plain = spec({"complexity": {"low": 0, "high": 1}})
    assert plain.to_dict()["factors"]["complexity"] == {"low": 0.0, "high": 1.0}


@pytest.mark.parametrize("factor,message", [
    ({"low": 0, "high": 1, "dist": "gamma"}, "factors.complexity.dist: gamma is not allowed; expected one of uniform, normal"),
    ({"low": 0, "high": 1, "dist": "normal", "mean": 0.5}, "factors.complexity.sd: missing; dist normal needs mean, sd"),
    ({"low": 0, "high": 1, "dist": "normal", "mean": 0.5, "sd": 0}, "factors.complexity.sd: 0.0 is not allowed; expected a number above 0"),
    ({"low": 0, "high": 1, "dist": "triangular", "mode": 2}, "factors.complexity.mode: 2.0 is not allowed; expected a value from 0.0 to 1.0"),
    ({"low": 0, "high": 1, "dist": "uniform", "mean": 0.5}, "factors.complexity.mean: not allowed with dist uniform"),
    ({"low": 0, "high": 1, "dist": "normal", "mean": "x", "sd": 1}, "factors.complexity.mean: x is not allowed; expected a number"),
    ({"low": 0, "high": 1, "levels": 3, "dist": "normal", "mean": 0.5, "sd": 0.1}, "not allowed with levels"),
])
def test_bad_distributions_are_one_clear_line(factor, message):
    with pytest.raises(SpecError) as err:
        spec({"complexity": factor})
    assert message in str(err.value) and "\n" not in str(err.value)
