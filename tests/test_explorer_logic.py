"""Issue 21's logic without Streamlit: the computed why, the link, the situation's settings,
rounding that adds up, recovery after a switch, plain tables and safe uploads."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from hlssim import PARAMETERS, HlssimError
from hlssim.model.cases import load_case, load_cases
from hlssim.ui import explain_runs
from hlssim.ui.explain import ALL_SWITCHES, MECHANISM_GROUPS, explain, why_text
from hlssim.ui.explorer import case_scenarios, case_settings, case_switch, switchable
from hlssim.ui.explorer_state import (
    Limits,
    changed_from_situation,
    from_query,
    limits,
    situation_settings,
    to_query,
)
from hlssim.ui.switch_narrative import recoveries, recovery_sentence, switch_story
from hlssim.ui.tables import summary_csv
from hlssim.ui.uploads import unpack_sweep
from hlssim.ui.wording import bound, pair

SMALL = {"shared:n_people": 60, "shared:n_workers": 4, "shared:n_providers": 2,
         "shared:steps": 48}


def small_scenarios(name: str):
    case = load_case(name)
    return case, case_scenarios(case, case_settings(case) | SMALL)


# --- the computed why ---------------------------------------------------------------------------

def test_every_mechanism_switch_is_in_the_decomposition():
    assert set(ALL_SWITCHES) == {n for n, p in PARAMETERS.items() if p.group == "mechanism"}
    assert len(ALL_SWITCHES) == len(set(ALL_SWITCHES))
    assert len(MECHANISM_GROUPS) >= 8


@pytest.mark.parametrize("name,winner", [("simple_service", 0), ("gateshead", 1)])
def test_why_names_the_winner_from_the_runs_not_a_side(name, winner):
    """Where targets win the reasons are for targets, where HLS wins for HLS: derived, not canned.
    (The explorer's own size and runs: about a second each on the batch engine.)"""
    case = load_case(name)
    scenarios = case_scenarios(case, case_settings(case))
    ex = explain(scenarios, reps=5, seed=0)
    labels = {r.key: r.label for r in case.regimes}
    text = "\n".join(why_text(ex, labels))
    assert ex.winner == case.regimes[winner].key
    assert text.startswith(f"**Why {labels[ex.winner]} came out ahead here**")
    top = ex.ranked()[0]
    assert (top.contribution > 0) == (ex.gap > 0)  # the first reason favours the winner
    assert top.mechanism in text
    loser = case.regimes[1 - winner].key
    assert f"Working the other way, in **{labels[loser]}**'s favour" in text or \
        not [c for c in ex.contributions if c.clear and (c.contribution > 0) != (ex.gap > 0)]


def test_a_tie_is_called_a_tie():
    case, scenarios = small_scenarios("simple_service")
    ex = explain(scenarios, reps=4, seed=2)  # seeds where the interval straddles zero
    assert ex.winner is None
    assert why_text(ex)[0].startswith("Neither regime was clearly ahead on true wellbeing")


def test_explain_uses_the_comparison_s_seeds():
    from hlssim.ui.explorer import run_comparison

    _, scenarios = small_scenarios("gateshead")
    ex = explain(scenarios, reps=3, seed=5)
    finals = run_comparison(scenarios, 3, 5).finals
    first, second = list(scenarios)
    gap = (finals[finals.regime == second].wellbeing_mean.mean()
           - finals[finals.regime == first].wellbeing_mean.mean())
    assert ex.gap == pytest.approx(gap)
    again = explain(scenarios, reps=3, seed=5)
    assert again == ex  # one seed, one result


def test_the_quick_why_gives_the_comparison_s_numbers_to_the_last_bit():
    """The explorer's quick path (final-year numbers only, several runs at once) and the path
    through full comparisons give the same explanation, exactly."""
    from hlssim.ui.explorer import run_regime

    _, scenarios = small_scenarios("gateshead")
    quick = explain(scenarios, reps=3, seed=7)
    assert quick == explain(scenarios, reps=3, seed=7, runner=run_regime)
    one_thread = explain_runs.variant_gaps([scenarios], 3, 7, "wellbeing_mean", threads=1)[0]
    many = explain_runs.variant_gaps([scenarios] * 3, 3, 7, "wellbeing_mean", threads=3)
    assert all(np.array_equal(one_thread, g) for g in many)
    assert quick.gap == float(one_thread.mean())


def test_a_contrast_is_the_comparison_s_difference_exactly():
    """The page's quick contrast gives difference()'s interval and pandas' means, to the bit."""
    from hlssim.experiments.comparison import difference
    from hlssim.model.metrics import METRIC_NAMES
    from hlssim.ui.explorer import run_comparison
    from hlssim.ui.wording import contrast

    _, scenarios = small_scenarios("gateshead")
    finals = run_comparison(scenarios, 4, 2).finals
    first, second = list(scenarios)
    for metric in METRIC_NAMES:
        c = contrast(finals, metric, first, second)
        a = finals.loc[finals["regime"] == first, metric]
        b = finals.loc[finals["regime"] == second, metric]
        expected = difference(finals, metric, second, first)
        assert (c.mean_first, c.mean_second) == (float(a.mean()), float(b.mean())), metric
        assert np.array_equal([c.diff, c.low, c.high], expected, equal_nan=True), metric


def test_a_mechanism_switched_off_by_the_user_is_not_decomposed():
    case, scenarios = small_scenarios("gateshead")
    scenarios = case_scenarios(case, case_settings(case) | SMALL | {"shared:mech_trust": False})
    ex = explain(scenarios, reps=2, seed=1)
    assert not any(c.mechanism.startswith("trust") for c in ex.contributions)


# --- the situation, the link -------------------------------------------------------------------

def test_a_situation_sets_every_parameter_control():
    settings = situation_settings(load_case("scottish_borders"))
    for name, p in PARAMETERS.items():
        if p.group != "regime":
            assert f"shared:{name}" in settings
    assert settings["shared:knave_share"] == PARAMETERS["knave_share"].default


def test_a_link_round_trips_and_drops_what_is_not_allowed():
    defaults = situation_settings(load_case("gateshead"))
    state = defaults | {"shared:complexity": 0.95, "regime:1:reflection_time": 0.2,
                        "shared:mech_trust": False, "run:reps": 7}
    query = to_query("gateshead", defaults, state)
    assert query == {"case": "gateshead", "shared:complexity": "0.95",
                     "regime:1:reflection_time": "0.2", "shared:mech_trust": "0", "run:reps": "7"}
    values, dropped = from_query(query, defaults)
    assert values == {"shared:complexity": 0.95, "regime:1:reflection_time": 0.2,
                      "shared:mech_trust": False, "run:reps": 7}
    assert not dropped
    _, dropped = from_query({"shared:complexity": "2", "run:reps": "999", "x": "1",
                             "shared:n_people": "many"}, defaults)
    assert sorted(dropped) == ["run:reps", "shared:complexity", "shared:n_people", "x"]


def test_changes_from_the_situation_are_named_plainly():
    defaults = situation_settings(load_case("scottish_borders"))
    changes = changed_from_situation(defaults, defaults | {"shared:knave_share": 1.0},
                                     ("Conventional", "HLS"))
    assert [(c.label, c.situation, c.now) for c in changes] == [
        ("Share of self-interested staff", 0.1, 1.0)]


def test_hosted_limits():
    assert limits({}) == Limits()
    hosted = limits({}, {"hosted": True})
    assert hosted.hosted and not hosted.allow_user_models
    assert limits({"HLSSIM_HOSTED": "1", "HLSSIM_ALLOW_USER_MODELS": "1"}).allow_user_models
    with pytest.raises(HlssimError, match="at most 2000"):
        hosted.check({"n_people": 5000})
    hosted.check({"n_people": 200, "steps": 120})


# --- the switch ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(load_cases()))
def test_the_switch_uses_the_situation_s_regimes(name):
    case = load_case(name)
    settings = case_settings(case) | SMALL
    design = case_switch(case, settings, 2.0)
    first, second = case.regimes
    assert design.scenarios[design.stay]["target_pressure"] == \
        case_scenarios(case, settings)[first.key]["target_pressure"]
    assert design.scenarios[design.switched]["switch_to"] == switchable(second.preset)
    back = case_switch(case, settings, 2.0, reverse=True)
    assert back.labels[back.stay] == f"{second.label} throughout"


def test_the_borders_situation_uses_its_fitted_preset_and_switches_to_the_nearest():
    case = load_case("scottish_borders")
    assert case.regimes[1].preset == "hls_grant_borders"
    design = case_switch(case, case_settings(case) | SMALL, 2.0)
    assert design.switched_to_nearest == "hls_grant"


def paths(values: dict[str, np.ndarray], reps: int = 3) -> pd.DataFrame:
    rows = []
    for regime, path in values.items():
        for rep in range(reps):
            for step, value in enumerate(path, start=1):
                rows.append({"regime": regime, "rep": rep, "step": step,
                             **{m: value + 0.001 * rep for m in ("wellbeing_mean",)}})
    return pd.DataFrame(rows)


def test_recovery_reads_the_dip_its_depth_and_the_time_back():
    dip = np.concatenate([np.full(48, 0.5), np.linspace(0.5, 0.4, 12), np.linspace(0.4, 0.7, 60)])
    data = paths({"switch": dip, "target": np.full(120, 0.6)})
    (r,) = recoveries(data, "switch", 48, "target", metrics=("wellbeing_mean",), smooth=1)
    assert r.depth.count == 3 and r.depth.mean == pytest.approx(0.1, abs=0.005)
    assert r.low_after.mean == pytest.approx(11, abs=1)
    first_back = 48 + 12 + int(np.ceil(0.1 / (0.3 / 59))) - 48
    assert r.back_after.mean == pytest.approx(first_back, abs=2)
    assert r.level_after.count == 3
    text = recovery_sentence(r, "the new way")
    assert "dipped first in every run, by 0.10" in text and "back to its pre-switch level" in text
    never = paths({"switch": np.concatenate([np.full(48, 0.5), np.full(72, 0.3)]),
                   "target": np.full(120, 0.6)})
    (r,) = recoveries(never, "switch", 48, "target", metrics=("wellbeing_mean",), smooth=1)
    text = recovery_sentence(r, "the new way")
    assert "not back to its pre-switch level within the run (6 years)" in text
    assert "not level with the new way within the run" in text


def test_a_short_remainder_is_not_called_the_first_year():
    from hlssim.experiments.comparison import final_values
    from hlssim.model.metrics import METRIC_NAMES

    rows = []
    for regime in ("stay", "switch"):
        for rep in range(3):
            for step in range(1, 37):
                rows.append({"regime": regime, "rep": rep, "step": step}
                            | {m: 0.5 + 0.001 * rep for m in METRIC_NAMES})
    data = pd.DataFrame(rows)
    text = "\n".join(switch_story(data, final_values(data), "stay", "switch", 30))
    assert "In the 6 months after the switch" in text and "first year" not in text
    assert "-0.00" not in text


# --- numbers, tables, uploads -------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [(0.7249, 0.6951), (0.5235, 0.5760), (0.4, 0.6), (0.715, 0.7)])
def test_printed_figures_add_up(a, b):
    first, second, diff = pair(a, b)
    assert float(second) - float(first) == pytest.approx(float(diff), abs=1e-9)


def test_a_clear_interval_is_never_printed_as_touching_zero():
    assert bound(-0.0003, clear=True) == "-0.0003"
    assert bound(-0.0003, clear=False) == "0.00"


def test_summary_csv_has_plain_headers_and_intervals_in_range():
    summary = pd.DataFrame([{"regime": "a", "metric": "wellbeing_p10", "mean": 0.01,
                             "ci_low": -0.019, "ci_high": 0.04, "n": 5},
                            {"regime": "a", "metric": "misreport_rate", "mean": 0.99,
                             "ci_low": 0.9, "ci_high": 1.145, "n": 5}])
    table = pd.read_csv(io.StringIO(summary_csv(summary, {"a": "Targets"})))
    assert "Measure [measure]" in table.columns and "Mean [mean]" in table.columns
    assert table["95% interval low [ci_low]"].min() >= 0
    assert table["95% interval high [ci_high]"].max() <= 1


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_an_uploaded_sweep_unpacks_to_its_manifest_folder(tmp_path):
    folder = unpack_sweep(zipped({"run/manifest.json": b"{}", "run/results/part-0.parquet": b"x"}),
                          5, tmp_path)
    assert (folder / "manifest.json").is_file() and folder.name == "run"


@pytest.mark.parametrize("files,words", [
    ({"../evil.json": b"{}", "manifest.json": b"{}"}, "outside its folder"),
    ({"/etc/x.json": b"{}", "manifest.json": b"{}"}, "outside its folder"),
    ({"manifest.json": b"{}", "model.py": b"print(1)"}, "does not"),
    ({"results/a.parquet": b"x"}, "no manifest.json"),
])
def test_a_bad_upload_is_refused(tmp_path, files, words):
    with pytest.raises(HlssimError, match=words):
        unpack_sweep(zipped(files), 5, tmp_path)


def test_an_upload_over_the_limit_is_refused(tmp_path):
    with pytest.raises(HlssimError, match="at most 1 MB"):
        unpack_sweep(b"x" * (2 * 2**20), 1, tmp_path)
    with pytest.raises(HlssimError, match="not a zip"):
        unpack_sweep(b"not a zip", 1, tmp_path)


def test_hlssim_explain_prints_the_same_decomposition(capsys):
    from hlssim.ui.cli import main

    assert main(["explain", "--case", "gateshead", "--reps", "3", "--set", "n_people=60",
                 "--set", "n_workers=4", "--set", "steps=36"]) == 0
    out = capsys.readouterr().out
    assert "mechanism switched off" in out and "every mechanism off: gap left" in out
    assert "Why " in out or "Neither regime" in out
    assert "**" not in out  # plain text in a terminal
    assert main(["explain", "--case", "nowhere"]) == 2
    assert "--case 'nowhere'" in capsys.readouterr().err


# --- the one-page brief -------------------------------------------------------------------------

def test_the_brief_holds_the_situation_headline_why_and_caveats_on_one_page():
    """Every part the issue asks of the brief is on it, inside the page, none over another."""
    import matplotlib.pyplot as plt

    from hlssim.ui.brief import CAVEATS, brief_figure, brief_png, plain
    from hlssim.ui.explorer import run_comparison
    from hlssim.ui.narrative import compare_story

    case, scenarios = small_scenarios("gateshead")
    first, second = list(scenarios)
    labels = {r.key: r.label for r in case.regimes}
    comparison = run_comparison(scenarios, 3, 0)
    story = compare_story(comparison.finals, first, second, labels, 4, comparison.trajectories,
                          {k: dict(s.items()) for k, s in scenarios.items()})
    why = why_text(explain(scenarios, 3, 0), labels)
    fig = brief_figure(case.title, comparison, first, second, labels, story[0], why, 3)
    fig.canvas.draw()
    texts = [t for t in fig.texts if t.get_text().strip()]
    words = " ".join(" ".join(t.get_text().split()) for t in texts)
    assert case.title in words
    assert " ".join(plain(story[0]).split()) in words
    assert f"{labels[second]} minus {labels[first]}" in words and "3 runs of each" in words
    assert " ".join(plain(why[0]).split()) in words
    assert all(" ".join(c.split()) in words for c in CAVEATS)
    page = fig.bbox
    boxes = [t.get_window_extent() for t in texts] + [
        ax.get_tightbbox() for ax in fig.axes]
    for box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)
    plt.close(fig)
    png = brief_png(case.title, comparison, first, second, labels, story[0], why, 3)
    assert png.startswith(b"\x89PNG")


def test_cache_keys_are_hashed_by_their_exact_values():
    """The explorer's caches hash a comparison's key by its digest (made once per key): equal
    settings give one digest, any change to a value, the runs or the seed another."""
    from hlssim import Scenario
    from hlssim.ui.pages.common import runs_key

    def key(reps=5, seed=1, **values):
        return runs_key({"hls": Scenario.from_preset("hls", **values)}, reps, seed)

    assert key().digest == key().digest
    assert key() == key() and isinstance(key(), tuple)
    others = [key(complexity=0.5000001), key(reps=6), key(seed=2), key(knave_share=0.25)]
    digests = {key().digest} | {k.digest for k in others}
    assert len(digests) == 1 + len(others)
