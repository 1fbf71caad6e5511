"""Scenarios: presets, files, overrides and validation."""

from __future__ import annotations

import pickle

import pytest

from hlssim import PARAMETERS, Scenario, ScenarioError, preset_names
from hlssim.model.parameters import PRESET_NAMES, REGIME_PARAMETERS
from hlssim.model.scenario import parse_assignments


def test_every_declared_preset_exists_and_loads():
    assert set(PRESET_NAMES) <= set(preset_names())
    for name in preset_names():
        s = Scenario.from_preset(name)
        assert s.preset == name


def test_presets_differ_only_in_declared_parameters():
    for name in preset_names():
        s = Scenario.from_preset(name)
        for key in s:
            assert key in PARAMETERS


def test_regimes_are_parameter_bundles_not_names():
    """The same numbers under another name give the same scenario: no code branches on names."""
    npm = Scenario.from_preset("npm_targets")
    rebuilt = Scenario({k: npm[k] for k in REGIME_PARAMETERS})
    assert rebuilt == npm.with_overrides()


def test_overrides_and_immutability():
    s = Scenario.from_preset("hls", complexity=0.8)
    assert s.complexity == 0.8
    t = s.with_overrides(complexity=0.2)
    assert (s.complexity, t.complexity) == (0.8, 0.2)
    with pytest.raises(AttributeError):
        s.complexity = 0.1  # type: ignore[misc]
    assert hash(s) == hash(Scenario.from_preset("hls", complexity=0.8))
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize(
    "values, words",
    [
        ({"complexity": 1.5}, "parameter 'complexity': 1.5 is not allowed; expected a number from 0 to 1"),
        ({"n_people": -3}, "parameter 'n_people': -3"),
        ({"n_people": 2.5}, "expected an integer"),
        ({"flux": 1}, "parameter 'flux': unknown"),
        ({"mech_trust": "maybe"}, "expected true or false"),
        ({"switch_to": "hls"}, "set both"),
        ({"switch_to": "nonsense", "switch_step": 5}, "parameter 'switch_to'"),
        ({"n_providers": 9, "n_workers": 4}, "parameter 'n_providers'"),
    ],
)
def test_bad_values_give_one_clear_line(values, words):
    with pytest.raises(ScenarioError) as err:
        Scenario(values)
    message = str(err.value)
    assert words in message
    assert "\n" not in message


def test_unknown_preset_lists_allowed():
    with pytest.raises(ScenarioError, match="preset 'nope': unknown; allowed presets are npm_targets"):
        Scenario.from_preset("nope")


def test_toml_scenario_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('preset = "npm_pbr"\ncomplexity = 0.7\n[parameters]\naudit_rate = 0.3\n')
    s = Scenario.from_toml(path)
    assert (s.complexity, s.audit_rate, s.pbr_share) == (0.7, 0.3, Scenario.from_preset("npm_pbr").pbr_share)


def test_malformed_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("complexity = = 3\n")
    with pytest.raises(ScenarioError, match="malformed TOML"):
        Scenario.from_toml(path)


def test_parse_assignments():
    assert parse_assignments(["complexity=0.8", "mech_trust=false"]) == {
        "complexity": "0.8", "mech_trust": "false"}
    with pytest.raises(ScenarioError, match="expected key=value"):
        parse_assignments(["complexity"])
    assert Scenario(parse_assignments(["mech_trust=false"])).mech_trust is False


def test_switched_regime_keeps_world_takes_regime():
    s = Scenario.from_preset("npm_targets", complexity=0.9, switch_step=10, switch_to="hls")
    after = s.switched_regime()
    hls = Scenario.from_preset("hls")
    assert after.complexity == 0.9
    assert all(after[k] == hls[k] for k in REGIME_PARAMETERS)


def test_time_left_for_direct_work_counts_the_regular_admin_activities():
    """The regular month's admin (records, indicators x reports a year, claims, write-ups) with
    reflection and joint work must leave time for direct work: 30 monthly indicators, half
    the week on reflection and a tenth on joint work do not; audits and bids, which come and go,
    are not counted."""
    import pytest

    from hlssim import Scenario, ScenarioError
    Scenario.from_preset("npm_targets", reflection_time=0.5)
    with pytest.raises(ScenarioError, match="parameter 'reflection_time': the regular admin time"):
        Scenario.from_preset("npm_targets", reflection_time=0.5, indicators=30.0,
                             collaboration_time=0.1)
