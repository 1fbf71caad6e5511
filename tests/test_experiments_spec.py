"""Experiment specs and their expansion: validation, samplers, order and seeds (no runs here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hlssim.experiments import SpecError, expand, load_spec, parse_spec, run_seed
from hlssim.experiments.design import design_points, unit_sample
from hlssim.experiments.spec import Factor

ROOT = Path(__file__).resolve().parent.parent
BASE = {"n_people": 60, "n_workers": 6, "n_providers": 2, "steps": 12}


def spec_of(**data):
    data.setdefault("base", BASE)
    data.setdefault("factors", {"complexity": [0.2, 0.8]})
    return parse_spec(data, source="spec 'x.toml'")


# --- validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, words", [
    ({"factors": {}}, "factors: empty"),
    ({"factors": {"wobble": [1, 2]}}, "factors.wobble: unknown parameter"),
    ({"factors": {"complexity": []}}, "factors.complexity: empty"),
    ({"factors": {"complexity": [0.2, 1.5]}}, "factors.complexity: level 1.5 is not allowed; expected a number from 0 to 1"),
    ({"factors": {"complexity": [0.2, 0.2]}}, "factors.complexity: level 0.2 appears twice"),
    ({"factors": {"complexity": {"low": 0.1, "high": 2.0, "levels": 3}}}, "factors.complexity.high: 2.0 is not allowed; expected a number from 0 to 1"),
    ({"factors": {"complexity": {"low": 0.5, "high": 0.1, "levels": 3}}}, "expected low < high"),
    ({"factors": {"complexity": {"low": 0.1, "high": 0.9}}}, "factors.complexity: a range without levels is not allowed with sampler grid"),
    ({"factors": {"complexity": {"low": 0.1, "hi": 0.9}}}, "factors.complexity.hi: unknown"),
    ({"factors": {"complexity": 0.5}}, "factors.complexity: 0.5 is not allowed; expected a list of levels"),
    ({"factors": {"n_people": [5, 100]}}, "factors.n_people: level 5 is not allowed; expected an integer from 10"),
    ({"factors": {"mech_trust": {"low": 0, "high": 1}}}, "factors.mech_trust: a range is not allowed for a bool"),
    ({"factors": {"preset": ["hls", "nope"]}}, "factors.preset: nope is not allowed; expected one of npm_targets"),
    ({"factors": {"n_people": [60, 100]}}, "factors.n_people: also set in [base]"),
    ({"sampler": "random"}, "sampler: random is not allowed; expected one of grid, lhs, sobol, morris"),
    ({"sampler": "lhs", "factors": {"complexity": {"low": 0, "high": 1}}}, "samples: missing"),
    ({"sampler": "sobol", "samples": 6, "factors": {"complexity": {"low": 0, "high": 1}}}, "samples: 6 is not allowed with sampler sobol; expected a power of 2"),
    ({"samples": 4}, "samples: 4 is not allowed with sampler grid"),
    ({"replications": 0}, "replications: 0 is not allowed; expected a whole number of at least 1"),
    ({"engine": "warp"}, "engine: warp is not allowed; expected one of batch, mesa"),
    ({"root_seed": -1}, "root_seed: -1 is not allowed"),
    ({"outputs": {}}, "outputs: empty"),
    ({"outputs": {"happiness": "final"}}, "outputs.happiness: unknown metric"),
    ({"outputs": {"wellbeing_mean": "median"}}, "outputs.wellbeing_mean: median is not allowed; expected \"final\", \"mean\", \"mean_last_N\""),
    ({"outputs": {"wellbeing_mean": ["final", "at_13"]}}, "outputs.wellbeing_mean: \"at_13\" is not allowed; runs last 12 steps, so expected at_1 to at_12"),
    ({"outputs": {"wellbeing_mean": ["final", "at_0"]}}, "outputs.wellbeing_mean: at_0 is not allowed"),
    ({"factors": {"steps": [8, 12]}, "base": {"n_people": 60, "n_workers": 6, "n_providers": 2},
      "outputs": {"wellbeing_mean": ["final", "at_10"]}}, "\"at_10\" is not allowed; runs last 8 steps"),
    ({"base": {"complexity": 3}}, "base.complexity: 3 is not allowed; expected a number from 0 to 1"),
    ({"base": {"preset": "nope"}}, "base.preset: nope is not allowed"),
    ({"colour": "red"}, "colour: unknown; allowed keys are"),
    ({"smoke": {"replications": 0}}, "smoke.replications: 0 is not allowed"),
    ({"smoke": {"base": {"complexity": 0.5}}}, "smoke.base.complexity: is a factor"),
    ({"smoke": {"speed": 1}}, "smoke.speed: unknown"),
    ({"factors": {"preset": ["hls", "gateshead/nope"]}}, "factors.preset: gateshead/nope is not allowed; expected one of npm_targets"),
    ({"base": {"preset": "nowhere/hls"}}, "base.preset: nowhere/hls is not allowed; expected one of npm_targets"),
    ({"compare": ["hls"]}, "compare: [\"hls\"] is not allowed; expected at least two presets"),
    ({"compare": "hls"}, "compare: hls is not allowed; expected a list of preset names"),
    ({"compare": ["hls", "hls"]}, "compare: level hls appears twice"),
    ({"compare": ["hls", "npm_targets"], "base": {"preset": "hls"}}, "compare: set together with base.preset"),
    ({"compare": ["hls", "npm_targets"], "factors": {"preset": ["hls", "alliance"]}}, "compare: set together with factors.preset"),
    ({"outputs": {"wellbeing_mean": "trajectory"}}, "outputs: only trajectories; expected at least one"),
    ({"factors": {"complexity": {"low": 0, "high": 1, "levels": 200}, "target_pressure": {"low": 0, "high": 1, "levels": 200},
                  "audit_rate": {"low": 0, "high": 1, "levels": 300}}}, "runs is not allowed; expected at most"),
])
def test_bad_spec_one_line_naming_field(data, words):
    with pytest.raises(SpecError) as info:
        spec_of(**data)
    message = str(info.value)
    assert words in message
    assert message.startswith("spec 'x.toml': ") and "\n" not in message


def test_at_n_is_the_value_at_step_n_and_the_smoke_version_is_checked_too():
    from hlssim.experiments.spec import Output

    assert Output("wellbeing_mean", "at", 3).value(np.array([0.1, 0.2, 0.3, 0.4])) == 0.3
    assert Output("wellbeing_mean", "at", 3).name == "wellbeing_mean:at_3"
    assert spec_of(outputs={"wellbeing_mean": ["final", "at_12"]})  # the full form is fine
    with pytest.raises(SpecError, match="smoke: outputs.wellbeing_mean: .* runs last 6 steps"):
        spec_of(outputs={"wellbeing_mean": ["final", "at_12"]}, smoke={"base": {"steps": 6}})


def test_design_point_that_is_no_valid_scenario_is_rejected_before_runs():
    spec = spec_of(base={"n_people": 60, "steps": 12}, factors={"n_workers": [6, 100]})
    with pytest.raises(SpecError, match=r"design point 1 \(n_workers=100\): parameter 'n_workers'"):
        expand(spec)


def test_load_spec_file_errors(tmp_path):
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("factors = [\n")
    with pytest.raises(SpecError, match="malformed TOML"):
        load_spec(bad)


@pytest.mark.parametrize("name", ["crossover", "goodhart"])
def test_example_specs_are_valid_and_have_a_smoke_version(name):
    spec = load_spec(ROOT / "experiments" / f"{name}.toml")
    smoke = load_spec(ROOT / "experiments" / f"{name}.toml", smoke=True)
    assert smoke.is_smoke and smoke.n_runs() < spec.n_runs() <= 1000
    assert smoke.digest() != spec.digest()
    assert expand(smoke).scenarios[0].n_people < expand(spec).scenarios[0].n_people
    assert len(expand(spec).runs) == spec.n_runs()


def test_smoke_keeps_the_ends_of_each_factor():
    spec = spec_of(factors={"complexity": {"low": 0.1, "high": 0.9, "levels": 5}},
                   smoke={"max_levels": 2, "replications": 1, "base": {"steps": 6}})
    smoke = spec.for_smoke()
    assert smoke.factors[0].levels == (0.1, 0.9)
    assert smoke.replications == 1 and smoke.base["steps"] == 6 and spec.base["steps"] == 12


# --- expansion: order and seeds -----------------------------------------------------------------

def test_grid_order_sorted_names_last_fastest_then_replicates():
    spec = spec_of(factors={"preset": ["npm_targets", "hls"], "complexity": [0.2, 0.8],
                            "audit_rate": [0.1, 0.3]}, replications=2)
    design = expand(spec)
    assert spec.factor_names == ("audit_rate", "complexity", "preset")
    assert [tuple(p.values()) for p in design.points[:3]] == [
        (0.1, 0.2, "npm_targets"), (0.1, 0.2, "hls"), (0.1, 0.8, "npm_targets")]
    assert len(design.points) == 8 and len(design.runs) == 16
    assert [(r.run_id, r.point, r.replicate) for r in design.runs[:4]] == [(0, 0, 0), (1, 0, 1), (2, 1, 0), (3, 1, 1)]
    s = design.scenarios[1]
    assert (s.preset, s.target_pressure, s.audit_rate, s.n_people) == ("hls", 0.0, 0.1, 60)


def test_seeds_are_spawned_from_the_root_by_run_index():
    design = expand(spec_of(replications=3, root_seed=7))
    for r in design.runs:
        expected = np.random.SeedSequence(7, spawn_key=(r.run_id,)).generate_state(1, np.uint64)[0] >> np.uint64(1)
        assert r.seed == int(expected) == run_seed(7, r.run_id)
    assert len({r.seed for r in design.runs}) == len(design.runs)
    assert expand(spec_of(replications=3, root_seed=7)) == design  # fixed
    assert [r.seed for r in expand(spec_of(replications=3, root_seed=8)).runs] != [r.seed for r in design.runs]


def test_common_random_numbers_share_seeds_across_points():
    design = expand(spec_of(replications=2, common_random_numbers=True))
    assert [r.seed for r in design.runs] == [run_seed(0, 0), run_seed(0, 1)] * 2


def test_base_preset_then_base_overrides_then_factor_values():
    spec = spec_of(base=BASE | {"preset": "npm_targets", "audit_rate": 0.5},
                   factors={"target_pressure": [0.1, 0.9]})
    s = expand(spec).scenarios[1]
    assert (s.preset, s.audit_rate, s.target_pressure, s.retender_interval) == ("npm_targets", 0.5, 0.9, 36)


# --- samplers ---------------------------------------------------------------------------------------

def rng(seed=0):
    return np.random.default_rng(seed)


def test_lhs_hits_every_stratum_once_per_factor():
    u = unit_sample("lhs", 3, 10, rng())
    assert u.shape == (10, 3)
    for column in u.T:
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))


def test_sobol_saltelli_size_and_bounds():
    u = unit_sample("sobol", 2, 8, rng())
    assert u.shape == (8 * (2 * 2 + 2), 2)
    assert ((u >= 0) & (u <= 1)).all()


def test_morris_trajectories_on_the_level_grid():
    u = unit_sample("morris", 3, 5, rng(), morris_levels=4)
    assert u.shape == (5 * 4, 3)
    assert set(np.round(u.ravel() * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}
    steps = np.abs(np.diff(u.reshape(5, 4, 3), axis=1))  # one factor moves per step of a trajectory
    assert ((steps > 1e-12).sum(axis=2) == 1).all()


def test_samplers_are_fixed_by_the_root_seed():
    data = {"sampler": "lhs", "samples": 6,
            "factors": {"complexity": {"low": 0.1, "high": 0.9}, "preset": ["npm_targets", "hls"]}}
    a, b = design_points(spec_of(**data)), design_points(spec_of(**data))
    c = design_points(spec_of(**data, root_seed=1))
    assert a == b != c
    assert all(0.1 <= p["complexity"] <= 0.9 and p["preset"] in ("npm_targets", "hls") for p in a)


def test_factor_from_unit_maps_ranges_ints_and_levels():
    f = Factor("complexity", float, low=0.2, high=0.6)
    assert f.from_unit(0.0) == 0.2 and f.from_unit(1.0) == pytest.approx(0.6)
    n = Factor("n_providers", int, low=1, high=3)
    assert [n.from_unit(u) for u in (0.0, 0.34, 0.67, 1.0)] == [1, 2, 3, 3]
    c = Factor("preset", str, levels=("npm_targets", "hls"))
    assert [c.from_unit(u) for u in (0.0, 0.49, 0.5, 1.0)] == ["npm_targets", "npm_targets", "hls", "hls"]


@pytest.mark.parametrize("sampler, samples, points", [("lhs", 5, 5), ("sobol", 4, 4 * 6), ("morris", 3, 3 * 3)])
def test_sampled_specs_expand_to_valid_scenarios(sampler, samples, points):
    spec = spec_of(sampler=sampler, samples=samples, replications=2, base={"n_people": 60, "steps": 12},
                   factors={"complexity": {"low": 0, "high": 1}, "n_providers": {"low": 1, "high": 3}})
    design = expand(spec)
    assert len(design.points) == spec.n_points() == points and len(design.runs) == 2 * points
    assert all(s.n_providers in (1, 2, 3) for s in design.scenarios)


# --- case regimes and paired comparisons ------------------------------------------------------------

def test_case_regimes_name_a_case_world_and_regime_overrides():
    from hlssim.model.cases import load_case

    spec = spec_of(factors={"preset": ["scottish_borders/conventional_grant", "gateshead/hls"]},
                   base=BASE | {"steps": 6})
    design = expand(spec)
    borders = load_case("scottish_borders").scenarios()["conventional_grant"]
    gateshead = load_case("gateshead").scenarios()["hls"]
    for scenario, case in zip(design.scenarios, (borders, gateshead)):
        assert scenario == case.with_overrides(**(BASE | {"steps": 6}))
    assert design.scenarios[0].retender_interval == 36 and design.scenarios[1].complexity == 0.85
    base_case = expand(spec_of(base=BASE | {"preset": "gateshead/npm_targets"}))
    assert {s.complexity for s in base_case.scenarios} == {0.2, 0.8}  # factors win over the world


def test_compare_crosses_every_sampled_point_with_each_regime_and_pairs_seeds():
    spec = spec_of(sampler="sobol", samples=2, replications=2, root_seed=3,
                   factors={"complexity": {"low": 0.1, "high": 0.9}, "audit_rate": {"low": 0, "high": 0.4}},
                   compare=["npm_targets", "hls"])
    design = expand(spec)
    k, samples = 2, 2 * (2 * 2 + 2)
    assert spec.n_points() == len(design.points) == samples * k and [f.name for f in spec.columns] == [
        "audit_rate", "complexity", "preset"]
    plain = design_points(spec_of(sampler="sobol", samples=2, root_seed=3,
                                  factors={"complexity": {"low": 0.1, "high": 0.9},
                                           "audit_rate": {"low": 0, "high": 0.4}}))
    for p, values in enumerate(design.points):
        assert values == plain[p // k] | {"preset": ("npm_targets", "hls")[p % k]}
        assert design.scenarios[p].complexity == values["complexity"]
        assert design.scenarios[p].preset == values["preset"]
    for run in design.runs:
        assert run.seed == run_seed(3, (run.point // k) * 2 + run.replicate)
    seeds = [r.seed for r in design.runs]
    assert seeds[0:2] == seeds[2:4] and seeds[0:2] != seeds[4:6]  # paired within a sample only
    assert spec.to_dict()["compare"] == ["npm_targets", "hls"]
    assert "compare" not in spec_of().to_dict()  # older specs keep their digest
