"""Sensitivity indices that cannot mislead (hlssim/experiments/analysis/reliability.py): the
issue's case (RBD-FAST at 128 points giving audit_rate an index for an output of complexity
alone) now warns, while a well-estimated design does not."""

from __future__ import annotations

import math

from test_analyze import ishigami, synthetic

from hlssim.experiments import parse_spec
from hlssim.experiments.analysis.reliability import warnings_for
from hlssim.experiments.analysis.sensitivity import sensitivity

OUT = "wellbeing_mean:final"


def lhs_spec(samples: int):
    return parse_spec({"sampler": "lhs", "samples": samples, "root_seed": 4,
                       "factors": {"complexity": {"low": 0, "high": 1},
                                   "audit_rate": {"low": 0, "high": 0.4}},
                       "outputs": {"wellbeing_mean": "final"}})


def test_an_index_of_a_factor_the_output_ignores_is_flagged_at_128_points():
    spec = lhs_spec(128)
    rows, means = synthetic(spec, lambda v: math.sin(3 * v["complexity"]) + v["complexity"] ** 2,
                            noise=0.1, seed=2)  # a little replication noise, as in a sweep
    table, notes = sensitivity(spec, means, rows, [OUT])
    s1 = table.set_index("factor")
    assert s1.loc["audit_rate", "conf"] > 0.2  # audit_rate does nothing; its index is all noise
    warned = [n for n in notes if n.startswith("Warning:") and "shuffled output" in n]
    assert len(warned) == 1 and "audit_rate S1" in warned[0] and "complexity S1" not in warned[0]


def test_sound_indices_get_no_warning():
    spec = parse_spec({"sampler": "sobol", "samples": 1024, "root_seed": 3,
                       "factors": {k: {"low": 0, "high": 1} for k in
                                   ("complexity", "target_pressure", "audit_rate")},
                       "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, lambda v: ishigami(v) + 10 * v["audit_rate"])
    _, notes = sensitivity(spec, means, rows, [OUT])
    assert not [n for n in notes if n.startswith("Warning:")], notes


def test_each_check_fires_alone():
    assert warnings_for("y", "all", [("a", "S1", 0.6, 0.01), ("b", "S1", 0.5, 0.01)]) == []
    assert warnings_for("y", "all", [("a", "S1", 0.7, 0.01), ("b", "S1", 0.45, 0.01)])[0].startswith(
        "Warning: y (all): first-order indices sum to 1.15")
    assert warnings_for("y", "all", [("a", "ST", 0.2, 0.21)]) == [
        "Warning: y (all): 1 of 1 indices have an interval wider than the index (a ST)."]
    assert warnings_for("y", "all", [("a", "mu_star", 0.2, 0.01)], null_floor=0.2) == [
        "Warning: y (all): a mu_star is not above 0.20, the largest index a shuffled output (no "
        "effect at all) gets: indistinguishable from no effect."]
    assert warnings_for("y", "all", [("a", "mu_star", 0.21, 0.01)], null_floor=0.2) == []
    assert "a S1 is not above" in warnings_for("y", "all", [("a", "S1", -0.05, 0.01)], 0.1)[0]
