"""The explorer's logic: controls from the parameter table, settings to scenarios, runs, errors."""

from __future__ import annotations

import pandas as pd
import pytest

import hlssim
from hlssim import PARAMETERS, Scenario, ScenarioError
from hlssim.model.cases import load_case, load_cases
from hlssim.experiments.comparison import compare
from hlssim.ui.tables import final_table
from hlssim.ui.explorer import (
    APP_DEFAULTS,
    HEADLINE_REGIME,
    HEADLINE_WORLD,
    SWITCH_PARAMETERS,
    advanced_regime,
    advanced_shared,
    case_scenarios,
    case_settings,
    control,
    fastest_engine,
    friendly_error,
    label_with_unit,
    regime_key,
    run_comparison,
    run_regime,
    shared_key,
    switch_scenarios,
)

TINY = {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 24}


def test_every_parameter_has_exactly_one_place_in_the_explorer():
    places = [*HEADLINE_WORLD, *HEADLINE_REGIME, *advanced_regime(), *SWITCH_PARAMETERS]
    for names in advanced_shared().values():
        places.extend(names)
    assert sorted(places) == sorted(PARAMETERS)


def test_the_issue_s_plain_controls_are_up_front():
    up_front = {PARAMETERS[n].label for n in (*HEADLINE_WORLD, *HEADLINE_REGIME)}
    assert {"How complex are people's lives?", "How hard are targets pushed?",
            "Share of payment tied to results", "Time for reflective practice"} <= up_front


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_controls_are_generated_from_the_declaration(name):
    p = PARAMETERS[name]
    for advanced in (False, True):
        spec = control(name, advanced)
        assert spec.kwargs["label"] == label_with_unit(p)
        assert spec.kwargs["help"].startswith(p.help)
        assert p.allowed() in spec.kwargs["help"]
        if spec.widget == "slider":  # up front: within the declared bounds
            assert p.low <= spec.kwargs["min_value"] < spec.kwargs["max_value"] <= p.high
        if spec.widget == "number_input":  # advanced: no clamping, validation speaks
            assert "min_value" not in spec.kwargs and "max_value" not in spec.kwargs
    assert control(name, False).widget == {bool: "checkbox", str: "selectbox"}.get(p.kind, "slider")


def test_units_appear_once():
    assert label_with_unit(PARAMETERS["reflection_time"]) == (
        "Time for reflective practice (share of time)")
    assert label_with_unit(PARAMETERS["retender_interval"]) == "Months between re-tenders"
    assert label_with_unit(PARAMETERS["n_people"]) == "People supported"
    assert label_with_unit(PARAMETERS["complexity"]) == "How complex are people's lives?"


@pytest.mark.parametrize("name", list(load_cases()))
def test_case_settings_describe_the_case(name):
    case = load_case(name)
    settings = case_settings(case)
    expected = case.scenarios(world=APP_DEFAULTS)
    assert case_scenarios(case, settings) == expected
    assert settings[shared_key("complexity")] == case.world["complexity"]
    for key, value in settings.items():  # every value has its parameter's type (for widgets)
        assert type(value) is PARAMETERS[key.rsplit(":", 1)[1]].kind


def test_a_regime_setting_changes_only_its_regime():
    case = load_case("gateshead")
    settings = case_settings(case)
    before = case_scenarios(case, settings)
    settings[regime_key(0, "target_pressure")] = 0.1
    after = case_scenarios(case, settings)
    assert after["npm_targets"].target_pressure == 0.1
    assert after["hls"] == before["hls"]


def test_a_shared_setting_changes_every_regime():
    case = load_case("gateshead")
    settings = case_settings(case) | {shared_key("complexity"): 0.3}
    assert {s.complexity for s in case_scenarios(case, settings).values()} == {0.3}


def test_bad_settings_raise_and_read_as_a_friendly_sentence():
    case = load_case("gateshead")
    settings = case_settings(case) | {shared_key("n_people"): 0}
    with pytest.raises(ScenarioError) as err:
        case_scenarios(case, settings)
    message = friendly_error(err.value)
    assert "**People supported**: 0 is not allowed" in message and "n_people" not in message
    assert "parameter '" not in message


@pytest.mark.parametrize("engine", ["batch", "mesa"])  # the engines the explorer may use
def test_run_comparison_matches_compare_and_calls_the_runner_once_per_regime(engine):
    scenarios = {"a": Scenario.from_preset("npm_targets", **TINY),
                 "b": Scenario.from_preset("hls", **TINY)}
    calls = []

    def runner(items, seed, spawn_keys, engine):
        calls.append((items, seed, spawn_keys, engine))
        return run_regime(items, seed, spawn_keys, engine)

    for paired in (False, True):
        calls.clear()
        ours = run_comparison(scenarios, reps=2, seed=5, engine=engine, paired=paired,
                              runner=runner)
        theirs = compare(scenarios, reps=2, seed=5, engine=engine, paired=paired)
        pd.testing.assert_frame_equal(ours.trajectories, theirs.trajectories)
        pd.testing.assert_frame_equal(ours.summary, theirs.summary)
        assert [c[0] for c in calls] == [tuple(sorted(s.items())) for s in scenarios.values()]
        assert (calls[0][2] == calls[1][2]) is paired  # paired: the same draws for both


def test_fastest_engine_prefers_batch(monkeypatch):
    assert fastest_engine() == ("batch" if "batch" in hlssim.ENGINES else "mesa")
    monkeypatch.setitem(hlssim.ENGINES, "batch", hlssim.ENGINES["mesa"])
    assert fastest_engine() == "batch"


def test_switch_design():
    design = switch_scenarios("npm_targets", "hls", 2.5, {"complexity": 0.8} | TINY | {"steps": 60},
                              {"npm_targets": "Targets", "hls": "Learning"})
    stay, switched, target = (design.scenarios[k] for k in (design.stay, design.switched,
                                                           design.target))
    assert design.switch_step == 30
    assert (switched.switch_step, switched.switch_to) == (30, "hls")
    assert stay.switch_step == 0 and target.preset == "hls"
    assert {s.complexity for s in design.scenarios.values()} == {0.8}
    assert design.labels[design.switched] == "Switch to Learning at year 2.5"
    assert design.labels[design.stay] == "Targets throughout"


@pytest.mark.parametrize("start, target, year, words", [
    ("npm_targets", "hls", 5.0, "before the end of the run"),
    ("npm_targets", "hls", 0.0, "after the start"),
    ("hls", "hls", 1.0, "other than the one the run starts with"),
])
def test_bad_switches_are_errors(start, target, year, words):
    with pytest.raises(ScenarioError, match=words):
        switch_scenarios(start, target, year, TINY)


def test_final_table_shows_both_regimes_and_the_difference():
    world = TINY | {"complexity": 0.8}
    result = compare({"a": Scenario.from_preset("npm_targets", **world),
                      "b": Scenario.from_preset("hls", **world)}, reps=2, seed=1)
    table = final_table(result, "a", "b", {"a": "Targets", "b": "Learning"},
                        ("wellbeing_mean", "gaming_share"))
    assert list(table.columns) == ["Targets", "Learning", "Learning minus Targets",
                                   "clear of the noise?"]
    assert list(table.index) == ["True wellbeing (mean)", "Share of effort that is gaming"]
    mean_a = result.finals.loc[result.finals["regime"] == "a", "wellbeing_mean"].mean()
    assert table.iloc[0, 0].startswith(f"{mean_a:.2f} [")
