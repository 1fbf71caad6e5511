"""hlssim calibrate (hlssim/validation/calibrate.py): ABC recovers known parameters; problems are checked;
the fitted preset is a valid new preset and never a declared one."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hlssim.validation.calibrate import (
    abc_fit,
    calibrate,
    load_problem,
    model_simulator,
    parse_problem,
    preset_toml,
    write_preset,
)
from hlssim.ui.cli import main
from hlssim.errors import HlssimError
from hlssim.model.scenario import Scenario, preset_names

ROOT = Path(__file__).resolve().parents[1]
BORDERS = ROOT / "experiments" / "calibration" / "scottish_borders.toml"


def test_abc_recovers_the_parameters_of_a_known_noisy_simulator():
    truth = {"a": 0.3, "b": 0.7}
    noise = np.random.default_rng(0)

    def simulate(v):
        return np.array([v["a"] + v["b"], v["a"] - v["b"], v["a"] * v["b"]]) + noise.normal(0, 0.01, 3)

    targets = np.array([1.0, -0.4, 0.21])
    fit = abc_fit(simulate, {"a": (0.0, 1.0), "b": (0.0, 1.0)}, targets, np.full(3, 0.05),
                  draws=400, accept=0.05, seed=1)
    assert fit.estimate == pytest.approx(truth, abs=0.05)
    for row in fit.summary():  # the targets pin both down: the posterior is far narrower than the prior
        assert row["sd_over_prior_sd"] < 0.3 and row["q05"] <= truth[row["parameter"]] <= row["q95"]


def test_abc_is_one_seed_one_result():
    def simulate(v):
        return np.array([v["x"]])

    a = abc_fit(simulate, {"x": (0.0, 1.0)}, np.array([0.5]), np.array([0.1]), 20, 0.2, seed=7)
    b = abc_fit(simulate, {"x": (0.0, 1.0)}, np.array([0.5]), np.array([0.1]), 20, 0.2, seed=7)
    assert np.array_equal(a.draws, b.draws) and a.estimate == b.estimate


SMALL = {
    "name": "fitted_test", "preset": "simple_service", "baseline": "npm_targets",
    "world": {"n_people": 40, "n_workers": 4, "n_providers": 2, "steps": 12},
    "replications": 2, "draws": 40, "accept": 0.1, "root_seed": 3,
    "free": {"reports_per_year": [0.0, 12.0], "audit_rate": [0.0, 0.1]},
    "target": [{"name": "admin", "quantity": "admin_time_share", "change": 0.0, "tolerance": 0.05},
               {"name": "monitoring", "quantity": "funder_monitoring", "change": 0.0, "tolerance": 0.05}],
}


def test_calibration_recovers_known_parameters_of_the_model():
    """Targets made by the model itself at known values: the fit finds them again."""
    truth = {"reports_per_year": 6.0, "audit_rate": 0.06}
    problem = parse_problem(SMALL)
    simulate, _ = model_simulator(problem)
    made = simulate(truth)
    targets = [dict(t, change=float(c)) for t, c in zip(SMALL["target"], made)]
    c = calibrate(parse_problem(SMALL | {"target": targets}))
    assert c.fit.estimate["reports_per_year"] == pytest.approx(6.0, abs=1.5)
    assert c.fit.estimate["audit_rate"] == pytest.approx(0.06, abs=0.015)
    for t, (est, low, high) in zip(c.problem.targets, c.achieved):
        assert est == pytest.approx(t.change, abs=0.1)
    # a preset written from it loads as a scenario with the fitted values
    text = preset_toml(c)
    values = tomllib.loads(text)["parameters"]
    s = Scenario(values)
    assert s.reports_per_year == pytest.approx(c.fit.estimate["reports_per_year"], abs=1e-3)
    assert s.stewardship == Scenario.from_preset("simple_service").stewardship  # the rest kept


def test_funder_monitoring_is_the_sum_of_the_activities_held():
    """The funder's monitoring is a run metric, the sum of what it does: with no audits and no
    payment by results it is the reports read, exactly (0.016 £k each; 20 workers x 10 indicators
    monthly under npm_targets, over 400 people); with audits it varies between runs (audits are
    drawn), and the HLS grant's is lower. Fails if audits or reports were left out."""
    import hlssim

    npm = Scenario.from_preset("npm_targets", steps=24)
    quiet = hlssim.run(npm.with_overrides(audit_rate=0.0), seed=1)["funder_monitoring"]
    assert np.allclose(quiet, 0.016 * 20 * 10 / 400)
    audited = [hlssim.run(npm, seed=k)["funder_monitoring"].iloc[-12:].mean() for k in range(3)]
    assert min(audited) > quiet.iloc[0] and len(set(np.round(audited, 12))) > 1
    grant = hlssim.run(Scenario.from_preset("hls_grant", steps=24), seed=1)["funder_monitoring"]
    assert grant.mean() < quiet.mean()


@pytest.mark.parametrize("change, message", [
    ({"name": "hls_grant"}, "name: 'hls_grant' is a declared preset"),
    ({"name": "has space"}, "name: 'has space' is not allowed"),
    ({"preset": "nope"}, "preset: 'nope' is not allowed"),
    ({"free": {"indicators": [3.0, 0.0]}}, "free.indicators: [3.0, 0.0] is not allowed"),
    ({"free": {"indicators": [0.0, 90.0]}}, "free.indicators: [0.0, 90.0] is not allowed"),
    ({"free": {"mech_focus": [0, 1]}}, "free.mech_focus: not allowed"),
    ({"target": [{"quantity": "happiness", "change": 0.1, "tolerance": 0.1}]},
     "target[0].quantity: 'happiness' is not allowed"),
    ({"target": [{"quantity": "admin_time_share", "change": -1.5, "tolerance": 0.1}]},
     "target[0].change: -1.5 is not allowed"),
    ({"target": [{"quantity": "admin_time_share", "change": 0.1, "tolerance": 0}]},
     "target[0].tolerance: 0 is not allowed"),
    ({"accept": 0.01}, "accept: 0.01 of 40 draws keeps fewer than 2"),
    ({"colour": "red"}, "colour: not a setting"),
    ({"world": {"audit_rate": 0.1}}, "free.audit_rate: also set in world"),
])
def test_bad_problem_is_one_clear_error(change, message):
    with pytest.raises(HlssimError, match=re.escape(message)):
        parse_problem(SMALL | change)


def test_writes_new_presets_never_declared_ones(tmp_path):
    problem = parse_problem(SMALL | {"draws": 8, "accept": 0.25})
    c = calibrate(problem)
    path = write_preset(c, tmp_path / "fitted_test.toml")
    assert (Scenario(tomllib.loads(path.read_text())["parameters"]).target_pressure
            == Scenario.from_preset("simple_service").target_pressure)
    from hlssim.model.scenario import presets_dir

    with pytest.raises(HlssimError, match="a declared preset"):
        write_preset(c, presets_dir() / "hls_grant.toml")
    with pytest.raises(HlssimError, match="expected a file name ending .toml"):
        write_preset(c, tmp_path / "x.txt")


def test_cli_bad_problem_exit_2(tmp_path, capsys):
    bad = tmp_path / "p.toml"
    bad.write_text('name = "x"\npreset = "hls_grant"\n')
    assert main(["calibrate", str(bad), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "baseline: missing" in err


def test_the_borders_problem_and_its_fitted_preset():
    problem = load_problem(BORDERS)
    assert problem.preset == "hls_grant" and problem.baseline == "npm_targets"
    assert {t.quantity for t in problem.targets} == {"admin_time_share", "funder_monitoring",
                                                      "direct_time_share"}
    assert [name for name, _ in problem.unmatched] == ["claims-staff time up to 50% lower"]
    assert replace(problem).quick_version().draws < problem.draws
    assert "hls_grant_borders" in preset_names()
    fitted = Scenario.from_preset("hls_grant_borders")
    grant = Scenario.from_preset("hls_grant")
    for name in ("target_pressure", "stewardship", "coproduction", "alliance"):
        assert fitted[name] == grant[name]
