"""The frontier (issue 18): the best design of each regime family at each complexity.

Determinism, held-out seeds disjoint from the search's, the search finding a known optimum, bad
inputs refused in one line with nothing written, the quick command's files, the explorer page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from hlssim.errors import HlssimError
from hlssim.experiments import frontier as F
from hlssim.model.scenario import Scenario
from hlssim.ui.cli import main

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TINY = {"n_people": 30, "n_workers": 3, "n_providers": 2, "steps": 12}


def tiny(seed: int = 3, **kw) -> F.FrontierSettings:
    values = dict(complexities=(0.3,), reps=3, search_reps=2, budget=10, finalists=2, seed=seed,
                  world=TINY) | kw
    return F.FrontierSettings(**values)


def test_the_same_root_seed_gives_a_bit_identical_frontier():
    first, again = F.frontier(tiny()), F.frontier(tiny())
    pd.testing.assert_frame_equal(first.table, again.table, check_exact=True)
    pd.testing.assert_frame_equal(first.differences, again.differences, check_exact=True)
    pd.testing.assert_frame_equal(first.trials, again.trials, check_exact=True)
    other = F.frontier(tiny(seed=4))
    assert not other.table["wellbeing"].equals(first.table["wellbeing"])  # the seed matters


def state(seed: np.random.SeedSequence) -> tuple:
    return tuple(seed.generate_state(4))


def fake_evaluate(calls: list):
    """A stand-in for the model: a smooth function of the levers plus seed noise; every call's
    seeds recorded."""
    def evaluate(scenario: Scenario, seeds):
        calls.append((scenario, [state(s) for s in seeds]))
        noise = np.array([np.random.default_rng(s).normal(0, 0.01) for s in seeds])
        level = 0.5 - (scenario.target_pressure - 0.3) ** 2 - (scenario.stewardship - 0.6) ** 2
        return level + noise, 2 * level + noise
    return evaluate


def test_winners_are_judged_on_fresh_seeds_disjoint_from_the_search_seeds():
    calls: list = []
    s = tiny(reps=7, search_reps=3, budget=20)
    result = F.frontier(s, evaluate=fake_evaluate(calls))
    search = {state(x) for x in F.search_seeds(s.seed, s.search_reps)}
    held = {state(x) for x in F.held_out_seeds(s.seed, s.reps)}
    assert len(search) == 3 and len(held) == 7 and not search & held
    used_search = {st for _, seeds in calls if len(seeds) == 3 for st in seeds}
    used_held = {st for _, seeds in calls if len(seeds) == 7 for st in seeds}
    assert used_search == search and used_held == held  # every design on the same seeds (CRN)
    # every figure reported is the held-out runs' mean, not the search's
    for _, row in result.table[result.table["design"] == "wellbeing"].iterrows():
        family_levers = F.FAMILIES[row["family"]][1]
        runs = [seeds for sc, seeds in calls if len(seeds) == 7
                and all(sc[lv] == row[lv] for lv in family_levers)]
        assert runs and sorted(runs[0]) == sorted(held)
        assert row["wellbeing"] != row["search_mean"]


def test_the_search_finds_a_known_optimum_with_a_whole_number_lever():
    """A stand-in objective with its best at target_pressure 0.3, audit_rate 0.7, re-tendering
    every 24 months, standardisation 0.1, pbr_share 0: differential evolution finds it."""
    best = {"target_pressure": 0.3, "audit_rate": 0.7, "retender_interval": 24,
            "standardisation": 0.1, "pbr_share": 0.0}

    def evaluate(scenario, seeds):
        value = -sum((scenario[k] - v) ** 2 / (120.0 ** 2 if k == "retender_interval" else 1.0)
                     for k, v in best.items())
        return np.full(len(seeds), value), np.full(len(seeds), value)

    base = Scenario.from_preset("npm_targets", **TINY | {"steps": 120})
    found = F.search_family(base, "npm", "wellbeing", F.search_seeds(0, 2), budget=600,
                            rng=np.random.default_rng(1), evaluate=evaluate)
    top = dict(zip(F.FAMILIES["npm"][1], found.finalists(1)[0]))
    assert isinstance(top["retender_interval"], int)
    assert abs(top["retender_interval"] - 24) <= 2
    for k in ("target_pressure", "audit_rate", "standardisation", "pbr_share"):
        assert abs(top[k] - best[k]) < 0.08, (k, top)


def test_never_re_tendering_is_a_searched_value():
    assert F.decode("retender_interval", 121, 120) == 0
    assert F.decode("retender_interval", 120.4, 120) == 120
    assert F.encode("retender_interval", 0, 120) == 121
    assert F.lever_bounds("retender_interval", 120) == (1.0, 121.0)


@pytest.mark.parametrize("argv, words", [
    (["--complexities", "0.2,1.5"], "--complexities '0.2,1.5': '1.5' is not allowed"),
    (["--complexities", "0.2,x"], "'x' is not allowed"),
    (["--complexities", "0.2,0.2"], "repeats a value"),
    (["--reps", "1"], "--reps 1: "),
    (["--search-reps", "0"], "--search-reps 0: "),
    (["--budget", "2"], "--budget 2: "),
    (["--seed", "-1"], "--seed -1: "),
])
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(capsys, tmp_path, argv, words):
    out = tmp_path / "out"
    assert main(["frontier", "--quick", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hlssim: error: ") and words in err[0], err
    assert not out.exists()


def test_an_out_path_under_a_file_is_refused(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["frontier", "--quick", "--out", str(blocker / "out")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_settings_refused_by_the_library_name_the_field():
    with pytest.raises(HlssimError, match="^world: 'target_pressure' is not allowed"):
        F.frontier(tiny(world={"target_pressure": 0.1}))
    with pytest.raises(HlssimError, match="^parameter 'n_people'"):
        F.frontier(tiny(world={"n_people": -3}))


def test_the_quick_command_writes_its_files(capsys, tmp_path):
    out = tmp_path / "frontier"
    assert main(["frontier", "--quick", "--complexities", "0.5", "--budget", "20",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "searches" in captured.err and "ahead" in captured.out
    assert sorted(p.name for p in out.iterdir()) == sorted(F.FILES)
    table, differences, manifest = F.read_frontier(out)
    assert set(table["design"]) == {"preset", "wellbeing", "wellbeing_per_cost"}
    assert (table["wellbeing_ci_low"] <= table["wellbeing"]).all()
    assert manifest["settings"]["world"] == F.QUICK_WORLD
    assert "The best NPM design" in (out / "frontier.md").read_text()


def test_the_explorer_page_shows_the_stored_frontier_in_plain_words():
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["shared:n_people"] = 40
    at.session_state["shared:n_workers"] = 4
    at.session_state["shared:n_providers"] = 2
    at.session_state["shared:steps"] = 12
    at.session_state["run:reps"] = 2
    at.run()
    at.button(key="goto:frontier").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Could better targets do as well?"
    text = "\n".join(m.value for m in at.markdown)
    table = F.read_frontier(ROOT / "docs" / "frontier")[0]
    for c in table["complexity"].drop_duplicates():
        assert f"(complexity {c:g})" in text
    assert at.dataframe


def test_the_explorer_page_says_so_when_no_frontier_is_stored(monkeypatch, tmp_path):
    monkeypatch.setenv("HLSSIM_FRONTIER_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["shared:steps"] = 12
    at.run()
    at.button(key="goto:frontier").click().run()
    assert not at.exception
    assert at.error and "No stored frontier" in at.error[0].value


def test_the_figure_draws_each_family_in_its_preset_s_colour(monkeypatch, tmp_path):
    import matplotlib

    from hlssim.figures import frontier_figure as FF
    from hlssim.figures.report_figures import regime_colour

    result = F.frontier(tiny(complexities=(0.2, 0.8), budget=8))
    drawn = []
    monkeypatch.setattr(FF, "save_figure", lambda fig, path: drawn.append(fig) or path)
    FF.frontier_figure(result.table, result.differences, tmp_path / "f.png")
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in drawn[0].axes[0].get_lines()}
    assert colours == {regime_colour("npm_targets").lower(), regime_colour("hls").lower()}


def test_a_failure_while_writing_leaves_nothing_half_written(monkeypatch, tmp_path):
    from hlssim.figures import frontier_figure as FF

    result = F.frontier(tiny(budget=4), evaluate=fake_evaluate([]))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(FF, "frontier_figure", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        F.write_frontier(result, out, code={})
    assert list(out.iterdir()) == []  # no table without its figure, no temporary folder left
