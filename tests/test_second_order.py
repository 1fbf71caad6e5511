"""Sobol second-order indices when asked (``hlssim analyze --second-order``): Ishigami's known
pair interactions, and a clean refusal for a sampler that has no pairs."""

from __future__ import annotations

import pytest

from hlssim.errors import HlssimError
from hlssim.experiments import parse_spec, sweep
from hlssim.experiments.analysis.analyze import analyze
from hlssim.experiments.analysis.sensitivity import sensitivity
from hlssim.ui.cli import main
from test_analyze import ishigami, synthetic


def test_second_order_indices_of_ishigami_match_the_known_values():
    spec = parse_spec({"sampler": "sobol", "samples": 1024, "root_seed": 3,
                       "factors": {k: {"low": 0, "high": 1} for k in
                                   ("complexity", "target_pressure", "audit_rate")},
                       "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, ishigami)
    table, _ = sensitivity(spec, means, rows, ["wellbeing_mean:final"], second_order=True)
    s2 = table[table["index"] == "S2"].set_index("factor")
    # Ishigami (a=7, b=0.1): S13 = 0.244, S12 = S23 = 0 (Saltelli et al. 2008)
    assert s2.loc["audit_rate & complexity", "value"] == pytest.approx(0.244, abs=0.08)
    assert s2.loc["complexity & target_pressure", "value"] == pytest.approx(0.0, abs=0.08)
    assert s2.loc["audit_rate & target_pressure", "value"] == pytest.approx(0.0, abs=0.08)
    plain, _ = sensitivity(spec, means, rows, ["wellbeing_mean:final"])
    assert "S2" not in set(plain["index"])  # only when asked


def test_second_order_on_a_latin_hypercube_is_one_line(tmp_path, capsys):
    spec = parse_spec({"sampler": "lhs", "samples": 8, "root_seed": 1,
                       "base": {"n_people": 20, "n_workers": 2, "n_providers": 1, "steps": 2},
                       "factors": {"complexity": {"low": 0, "high": 1}},
                       "outputs": {"wellbeing_mean": "final"}})
    sweep(spec, tmp_path / "s")
    with pytest.raises(HlssimError, match="--second-order: needs a sweep with sampler sobol"):
        analyze(tmp_path / "s", second_order=True)
    assert main(["analyze", str(tmp_path / "s"), "--second-order"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sampler sobol" in err[0]
