"""The stylized-facts suite (hlssim/validation/facts.py) and the expectation kinds it added (contrast,
paired differences) in hlssim/experiments/expect.py."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hlssim.ui.cli import main
from hlssim.experiments import parse_spec
from hlssim.experiments.expect import contrast_interval
from hlssim.experiments.spec import SpecError
from hlssim.validation.fact_report import render
from hlssim.validation.facts import (
    FACTS_DIR,
    boundary_points,
    boundary_text,
    fact_files,
    load_fact,
    load_facts,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]


# --- the fact specs ---------------------------------------------------------------------------

def test_every_fact_loads_full_and_quick_with_its_ablation():
    facts = load_facts(FACTS_DIR)
    assert len(facts) == 11
    assert [f.key[:2] for f in facts] == [f"{i:02d}" for i in range(1, 12)]
    for fact in facts:
        assert fact.spec.expectations, fact.key
        for name, value in fact.ablation.items():
            assert name.startswith("mech_") and value is False
            assert fact.ablated.base[name] is False and name not in fact.spec.base
        # the ablation is the same design: same factors, outputs, expectations, seeds
        assert fact.ablated.factors == fact.spec.factors
        assert [e.title for e in fact.ablated.expectations] == [e.title for e in fact.spec.expectations]
        assert fact.ablated.root_seed == fact.spec.root_seed
        quick = load_fact(fact.path, quick=True)
        assert quick.spec.is_smoke and quick.ablated.is_smoke
        assert quick.ablated.base == {**quick.spec.base, **fact.ablation}


def test_no_fact_tunes_model_parameters():
    """One set of defaults serves the whole table: a fact's [base] and factors may set sizes, the
    regime switch, presets and regime settings it varies, never the calibration parameters."""
    from hlssim.model.parameters import PARAMETERS

    for fact in load_facts(FACTS_DIR):
        for name in fact.spec.base:
            assert PARAMETERS[name].group in ("world", "regime"), (fact.key, name)
        for factor in fact.spec.factors:
            group = PARAMETERS[factor.name].group if factor.name in PARAMETERS else "preset"
            # learning_rate is fact 11's uncertain parameter: varied over a range, never fixed
            assert group in ("world", "regime", "preset") or factor.name == "learning_rate", \
                (fact.key, factor.name)


def test_fact_specs_are_not_canonical_specs():
    """experiments/*.toml (hlssim check experiments/, the canonical-spec tests) skip the facts."""
    assert not any(p.parent.name == "facts" for p in (ROOT / "experiments").glob("*.toml"))


def _write(tmp_path: Path, text: str, name: str = "01_x.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """
name = "x"
replications = 3
[fact]
title = "t"
source = "s"
claim = "c"
reproduced = "r"
setting = "npm"
ablation = {mech_focus = false}
figure = {x = "complexity", output = "wellbeing_mean"}
[base]
preset = "npm_targets"
n_people = 30
n_workers = 3
n_providers = 2
steps = 6
[factors]
complexity = [0.2, 0.8]
target_pressure = [0.0, 1.0]
[outputs]
wellbeing_mean = "final"
[[expect]]
kind = "difference"
output = "wellbeing_mean"
by = "target_pressure"
between = [0.0, 1.0]
where = {complexity = 0.2}
"""


@pytest.mark.parametrize("change, message", [
    (("[fact]\n", "[other]\n"), "fact: missing"),
    (('claim = "c"\n', ""), "fact.claim: missing"),
    (('claim = "c"\n', 'claim = ""\n'), "fact.claim: '' is not allowed"),
    (('claim = "c"\n', 'claim = "c"\ncolour = "red"\n'), "fact.colour: not a setting of a fact"),
    (("ablation = {mech_focus = false}", "ablation = {}"), "fact.ablation: {} is not allowed"),
    (("ablation = {mech_focus = false}", "ablation = {complexity = 0.5}"),
     "factors.complexity: also set in [base]"),
    (("ablation = {mech_focus = false}", "ablation = {mech_nothing = false}"), "mech_nothing"),
    (('setting = "npm"\n', 'setting = "npm"\nboundary = "steps"\n'), "fact.boundary: 'steps' is not allowed"),
    (('output = "wellbeing_mean"}', 'output = "gaming_share"}'), "fact.figure.output: 'gaming_share'"),
    (('x = "complexity"', 'x = "steps"'), "fact.figure:"),
])
def test_bad_fact_is_one_clear_error(tmp_path, change, message):
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(SpecError, match=re.escape(message)):
        load_fact(path)


def test_a_fact_needs_expectations(tmp_path):
    path = _write(tmp_path, GOOD.split("[[expect]]")[0])
    with pytest.raises(SpecError, match="expect: none"):
        load_fact(path)


def test_cli_bad_facts_exit_2_and_nothing_written(tmp_path, capsys):
    _write(tmp_path, GOOD.replace("[fact]\n", "[other]\n"))
    report = tmp_path / "REPORT.md"
    code = main(["validate", "--quick", "--facts", str(tmp_path), "--out", str(tmp_path / "runs"),
                 "--report", str(report)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fact: missing" in err and "Traceback" not in err
    assert not report.exists() and not (tmp_path / "runs").exists()


def test_report_folder_is_checked_before_anything_runs(tmp_path):
    from hlssim.errors import HlssimError

    _write(tmp_path, GOOD)
    with pytest.raises(HlssimError, match="does not exist"):
        validate(tmp_path, quick=True, out=tmp_path / "runs", report=tmp_path / "no" / "R.md")
    assert not (tmp_path / "runs").exists()


# --- a small suite, end to end ------------------------------------------------------------------

GAMING_OFF = ", ".join(f"mech_gaming_{kind} = false"
                       for kind in ("substitution", "misreport", "threshold", "creaming", "ratchet"))


def test_tiny_suite_writes_report_figures_and_judges_the_ablation(tmp_path):
    """A fact whose mechanisms are switched off in its ablation: target pressure makes workers
    game, so the share of time spent gaming rises with it; with every kind of gaming off it does
    not. (An earlier version tested wellbeing rising with pressure through focus: at complexity
    0.2 focus and gaming nearly cancel, and the verdict turned on the seeds.)"""
    facts = tmp_path / "facts"
    facts.mkdir()
    text = (GOOD.replace("replications = 3", "replications = 8\ncommon_random_numbers = true")
            .replace('steps = 6', 'steps = 24').replace("n_people = 30", "n_people = 120")
            .replace("n_workers = 3", "n_workers = 6")
            .replace('where = {complexity = 0.2}', 'where = {complexity = 0.2}\npaired = true\nabove = 0')
            .replace('setting = "npm"\n', 'setting = "npm"\nboundary = "complexity"\n')
            .replace("ablation = {mech_focus = false}", "ablation = {" + GAMING_OFF + "}")
            .replace('wellbeing_mean = "final"', 'wellbeing_mean = "final"\ngaming_share = "final"')
            .replace('output = "wellbeing_mean"\nby', 'output = "gaming_share"\nby'))
    _write(facts, text, "01_focus.toml")
    report = tmp_path / "VALIDATION.md"
    results = validate(facts, quick=False, out=tmp_path / "runs", report=report)
    (r,) = results
    assert r.reproduced and not r.ablation_reproduced
    assert [p.level for p in r.boundary] == [0.2, 0.8]
    md = report.read_text()
    assert "| 01 | [t](#fact-01) |" in md and "1 of 1 facts from the literature reproduced" in md
    assert f"{GAMING_OFF}: 0/1 expectations pass; fact fails, as it should" in md
    png = tmp_path / "validation" / "01_focus.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(validation/01_focus.png)" in md
    # resuming: stored runs are judged again, same verdicts
    again = validate(facts, quick=False, out=tmp_path / "runs", report=None)
    assert again[0].verdicts[0].estimate == r.verdicts[0].estimate


MAGNITUDE = """
[fact.magnitude]
what = "the gap"
output = "wellbeing_mean:final"
control = {target_pressure = 0.0}
treated = {target_pressure = 1.0}
source_figure = 0.5
band = [0.4, 0.6]
source = "a made-up figure"
"""


@pytest.mark.parametrize("change, message", [
    (("band = [0.4, 0.6]", "band = [0.6, 0.7]"), "fact.magnitude.band: [0.6, 0.7] is not allowed"),
    (('output = "wellbeing_mean:final"', 'output = "gaming_share"'), "fact.magnitude.output"),
    (("control = {target_pressure = 0.0}", "control = {steps = 3}"), "fact.magnitude.control"),
    (('source = "a made-up figure"', ""), "fact.magnitude.source: missing"),
    (('what = "the gap"', 'what = "the gap"\nscale = "worker_sd"'), "only for motivation_mean"),
    (('what = "the gap"', 'what = "the gap"\nsd_step = 3'), "only with scale = 'worker_sd'"),
])
def test_bad_magnitude_is_one_clear_error(tmp_path, change, message):
    path = _write(tmp_path, GOOD.replace("[base]\n", MAGNITUDE.replace(*change) + "[base]\n"))
    with pytest.raises(SpecError, match=re.escape(message)):
        load_fact(path)


def test_a_fact_counts_only_when_emergent_from_the_literature_and_in_its_band(tmp_path):
    """The same runs judged four ways: reproduced; in direction but outside its band (not
    reproduced); by assumption (holds, not counted); the model's hypothesis (not counted)."""
    from hlssim.validation.facts import run_fact
    from hlssim.validation.magnitude import measure

    text = GOOD.replace("[base]\n", MAGNITUDE + "[base]\n").replace(
        'where = {complexity = 0.2}', 'where = {complexity = 0.2}\nbelow = 1')
    path = _write(tmp_path, text)
    r = run_fact(load_fact(path), tmp_path / "runs")
    assert r.holds and r.magnitude is not None
    figure = r.magnitude.figure
    band = (figure - 0.01, figure + 0.01)

    def judged(extra: str, low: float, high: float):
        fact = load_fact(_write(tmp_path, text.replace("band = [0.4, 0.6]", f"band = [{low}, {high}]")
                                .replace("source_figure = 0.5", f"source_figure = {(low + high) / 2}")
                                .replace('setting = "npm"\n', 'setting = "npm"\n' + extra)))
        return dataclasses.replace(r, fact=fact, magnitude=measure(fact.magnitude, fact.spec, r.results))

    ok = judged("", *band)
    assert ok.reproduced and ok.counts and ok.status == "reproduced"
    off = judged("", band[1] + 1, band[1] + 2)
    assert off.holds and not off.reproduced and not off.counts
    assert off.status == "direction only: size outside the band"
    assumed = judged('by_assumption = "rules.x makes it so"\n', *band)
    assert assumed.reproduced and not assumed.counts and assumed.status == "by assumption (holds)"
    hypothesis = judged('kind = "hypothesis"\n', *band)
    assert not hypothesis.counts and hypothesis.status == "model hypothesis: holds"
    md = render([ok, off, assumed, hypothesis], quick=False, seconds=1.0, figures="f")
    assert "**1 of 2 facts from the literature reproduced**" in md
    assert "outside the band" in md and "rules.x makes it so" in md


def test_crowding_out_is_judged_in_sd_units_against_the_meta_analysis():
    fact = load_fact(FACTS_DIR / "07_crowding_out.toml")
    m = fact.magnitude
    assert m is not None and m.scale == "worker_sd" and m.source_figure == -0.28
    assert m.band[0] < -0.28 < m.band[1] and m.output == "motivation_mean:at_12"


@pytest.mark.slow
def test_representative_quick_facts_run_and_report(tmp_path):
    """Two facts of the real suite in quick form (the whole quick suite takes about 1.5 minutes
    under load, so the test suite runs a representative part; `make validate` runs all of it):
    both reproduced, both fail under their ablation, and the report has both."""
    facts = tmp_path / "facts"
    facts.mkdir()
    for name in ("04_threshold_bunching.toml", "08_trust_asymmetry.toml"):
        shutil.copy(FACTS_DIR / name, facts / name)
    report = tmp_path / "VALIDATION.md"
    results = validate(facts, quick=True, out=tmp_path / "runs", report=report)
    assert [r.fact.key for r in results] == ["04_threshold_bunching", "08_trust_asymmetry"]
    assert all(r.holds for r in results)
    assert not any(r.ablation_reproduced for r in results)
    md = report.read_text()
    for r in results:
        assert f"## {r.fact.key[:2]}. {r.fact.title}" in md
        assert (tmp_path / "validation" / f"{r.fact.key}.png").is_file()


def test_committed_report_has_every_fact():
    md = (ROOT / "VALIDATION.md").read_text()
    for path in fact_files(FACTS_DIR):
        fact = load_fact(path)
        assert f"## {fact.key[:2]}. {fact.title}" in md, fact.key
        assert (ROOT / "validation" / f"{fact.key}.png").is_file()
    assert re.search(r"\*\*\d+ of \d+ facts from the literature reproduced\*\*", md)


def test_committed_report_is_the_full_form_of_the_current_model():
    """VALIDATION.md says how and when it was made, and was made by the model as it is now: a
    change to the rules, the engines, the presets or anything else the fingerprint covers makes
    this fail until `hlssim validate` is run again (about two minutes)."""
    from hlssim.experiments.fingerprint import model_fingerprint

    header = (ROOT / "VALIDATION.md").read_text().split("\n\n")[1]
    assert "Generated by the full form, `hlssim validate`" in header
    assert "(command `hlssim validate" in header and "root seeds 7001" in header
    found = re.search(r"model fingerprint `([0-9a-f]{16})`", header)
    assert found, "VALIDATION.md does not record the model fingerprint"
    assert found.group(1) == model_fingerprint(), (
        "VALIDATION.md is stale: it was made by another model; run `hlssim validate`")


# --- boundary -----------------------------------------------------------------------------------

def _spec(expect: list[dict], crn: bool = False):
    return parse_spec({"factors": {"complexity": [0.2, 0.8], "preset": ["npm_targets", "hls"]},
                       "common_random_numbers": crn, "outputs": {"wellbeing_mean": "final"},
                       "expect": expect})


def _results(cells: dict) -> pd.DataFrame:
    rows = []
    for (cx, preset), ys in cells.items():
        for i, y in enumerate(ys):
            rows.append({"run_id": len(rows), "point": 0, "replicate": i, "seed": i, "complexity": cx,
                         "preset": preset, "output": "wellbeing_mean:final", "value": float(y)})
    return pd.DataFrame(rows)


def test_boundary_rejudges_at_each_level():
    from types import SimpleNamespace

    spec = _spec([{"kind": "difference", "output": "wellbeing_mean", "between": ["npm_targets", "hls"],
                   "where": {"complexity": 0.8}}])
    rng = np.random.default_rng(1)
    res = _results({(0.2, "npm_targets"): rng.normal(1, 0.1, 10), (0.2, "hls"): rng.normal(0.5, 0.1, 10),
                    (0.8, "npm_targets"): rng.normal(0, 0.1, 10), (0.8, "hls"): rng.normal(1, 0.1, 10)})
    fact = SimpleNamespace(boundary="complexity", spec=spec)
    points = boundary_points(fact, res)
    assert [(p.level, p.holds) for p in points] == [(0.2, False), (0.8, True)]
    text = boundary_text(SimpleNamespace(boundary=points, fact=fact))
    assert text == "holds at complexity = 0.8; not at 0.2"


# --- the contrast and paired expectation kinds ----------------------------------------------------

def test_contrast_of_two_cells_is_welch():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 9), rng.normal(0.4, 2, 13)
    est, low, high = contrast_interval([(1.0, b), (-1.0, a)])
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert est == pytest.approx(b.mean() - a.mean())
    assert (low, high) == pytest.approx((ci.low, ci.high))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3).filter(lambda w: abs(w) > 0.1),
                          st.lists(st.floats(-5, 5), min_size=2, max_size=8)), min_size=1, max_size=4),
       st.floats(-2, 2), st.floats(0.5, 0.99))
def test_contrast_interval_invariants(terms, shift, confidence):
    samples = [(w, np.array(v)) for w, v in terms]
    est, low, high = contrast_interval(samples, confidence)
    assert est == pytest.approx(sum(w * v.mean() for w, v in samples), abs=1e-9)
    assert low <= est + 1e-9 and est - 1e-9 <= high
    # shifting every sample by c shifts the contrast by c * sum(weights), the width unchanged
    moved = contrast_interval([(w, v + shift) for w, v in samples], confidence)
    total = sum(w for w, _ in samples)
    assert moved[0] == pytest.approx(est + shift * total, abs=1e-7)
    assert moved[2] - moved[1] == pytest.approx(high - low, abs=1e-7)


def test_difference_in_differences_contrast_passes_and_its_opposite_fails():
    rng = np.random.default_rng(5)
    res = _results({(0.2, "npm_targets"): rng.normal(1.0, 0.05, 12), (0.2, "hls"): rng.normal(0.9, 0.05, 12),
                    (0.8, "npm_targets"): rng.normal(0.3, 0.05, 12), (0.8, "hls"): rng.normal(0.6, 0.05, 12)})
    terms = [{"weight": 1, "where": {"complexity": 0.8, "preset": "hls"}},
             {"weight": -1, "where": {"complexity": 0.8, "preset": "npm_targets"}},
             {"weight": -1, "where": {"complexity": 0.2, "preset": "hls"}},
             {"weight": 1, "where": {"complexity": 0.2, "preset": "npm_targets"}}]
    up = _spec([{"kind": "contrast", "output": "wellbeing_mean", "terms": terms, "above": 0}])
    down = _spec([{"kind": "contrast", "output": "wellbeing_mean", "terms": terms, "below": 0}])
    (v,) = [e.judge(res) for e in up.expectations]
    assert v.passed and v.estimate == pytest.approx(0.4, abs=0.05)
    assert not down.expectations[0].judge(res).passed
    assert up.expectations[0].title.startswith("contrast 1 x wellbeing_mean:final[complexity=0.8, preset=hls] - 1 x")


@pytest.mark.parametrize("terms, message", [
    ([], "terms: [] is not allowed"),
    ([{"weight": 0, "where": {}}], "terms[0].weight: 0 is not allowed"),
    ([{"weight": 1, "where": {"complexity": 0.5}}], "terms[0].where.complexity: 0.5 is not a level"),
    ([{"weight": 1, "where": {"steps": 5}}], "terms[0].where.steps: not allowed"),
    ([{"weight": 1, "colour": 1}], "terms[0].colour: not a setting of a term"),
    ([{"weight": 1, "output": "gaming_share"}], "terms[0].output: 'gaming_share' is not allowed"),
])
def test_bad_contrast_is_one_clear_error(terms, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        _spec([{"kind": "contrast", "output": "wellbeing_mean", "terms": terms}])


def test_paired_difference_uses_the_pairs():
    """Runs that share a seed move together: the paired test sees a small, steady difference that
    Welch's test, blind to the pairing, cannot tell from noise."""
    rng = np.random.default_rng(11)
    world = rng.normal(0, 1, 10)
    res = _results({(0.2, "npm_targets"): world, (0.2, "hls"): world + 0.05 + rng.normal(0, 0.01, 10),
                    (0.8, "npm_targets"): world, (0.8, "hls"): world})
    table = {"kind": "difference", "output": "wellbeing_mean", "between": ["npm_targets", "hls"],
             "where": {"complexity": 0.2}}
    welch = _spec([table], crn=True).expectations[0].judge(res)
    paired = _spec([table | {"paired": True}], crn=True).expectations[0].judge(res)
    assert not welch.passed and paired.passed
    assert paired.estimate == pytest.approx(0.05, abs=0.01)
    assert paired.detail.startswith("paired difference")
    with pytest.raises(SpecError, match="paired: true needs common_random_numbers = true"):
        _spec([table | {"paired": True}], crn=False)
    with pytest.raises(SpecError, match="paired: 'yes' is not allowed"):
        _spec([table | {"paired": "yes"}], crn=True)


# --- the crossing's Sobol indices (fact 11) ----------------------------------------------------

def test_crossover_sobol_on_a_tiny_design():
    from hlssim.validation.crossover import UNCERTAIN, crossover_sobol, markdown

    r = crossover_sobol(2, replications=1, world={"n_people": 30, "n_workers": 3, "n_providers": 2,
                                                  "steps": 6})
    assert len(r.crossings) == 2 * (len(UNCERTAIN) + 2)  # Saltelli without second order
    assert np.all((r.crossings >= 0) & (r.crossings <= 1))
    assert r.s1.shape == r.st.shape == (len(UNCERTAIN),)
    text = "\n".join(markdown(r))
    assert all(f"`{name}`" in text for name in UNCERTAIN)


@pytest.mark.parametrize("n", [1, 3, 12])
def test_crossover_sobol_size_must_be_a_power_of_two(tmp_path, n):
    from hlssim.errors import HlssimError

    with pytest.raises(HlssimError, match=f"--crossover-sobol {n}: expected 0"):
        validate(tmp_path, quick=True, out=tmp_path / "runs", report=None, crossover_sobol=n)


# --- the whole plausible space (issue 18) -------------------------------------------------------

def test_the_plausible_space_varies_every_uncertain_parameter_and_no_regime_lever():
    from hlssim.model.parameters import PARAMETERS
    from hlssim.validation.plausible import EXCLUDED, uncertain_parameters

    space = uncertain_parameters()
    calibration = {n for n, p in PARAMETERS.items() if p.group == "calibration"}
    assert set(space) == (calibration - set(EXCLUDED)) | {"knave_share"}
    assert not any(PARAMETERS[n].group == "regime" for n in space)
    from hlssim.model.plausible_ranges import PLAUSIBLE

    for name, (low, high) in space.items():
        assert (low, high) == (PLAUSIBLE[name].low, PLAUSIBLE[name].high), name
    for name, (low, high) in uncertain_parameters("declared").items():
        p = PARAMETERS[name]
        assert (low, high) == (p.span or (p.low, p.high)), name


def test_a_tiny_plausible_space_is_paired_reported_and_reproducible(tmp_path):
    """Both regimes run at every sampled point with the same seeds (the gap is paired), the share
    where NPM wins is a proportion of the design's points, and the report has the section."""
    from hlssim.experiments.store import read_results
    from hlssim.validation.plausible import (COMPLEXITIES, Form, analyse_level, markdown,
                                             space_spec)

    tiny = Form("tiny", sobol_base=2, morris_trajectories=2, replications=1,
                world={"n_people": 20, "n_workers": 2, "n_providers": 1, "steps": 12})
    level, runs = analyse_level(0.5, tiny, tmp_path)
    spec = space_spec(0.5, "sobol", tiny)
    rows = read_results(tmp_path / spec.name)
    wide = rows[rows["output"] == "wellbeing_mean:mean_last_12"]
    by_sample = wide.groupby("sample")
    assert all(g["preset"].nunique() == 2 and g["seed"].nunique() == 1 for _, g in by_sample)
    n_points = spec.n_points() // 2
    assert level.points["wellbeing_mean"] == n_points
    share, low, high = level.share("wellbeing_mean")
    assert 0 <= low <= share <= high <= 1
    assert set(level.indices["method"]) == {"morris", "sobol"}
    again, _ = analyse_level(0.5, tiny, tmp_path / "again")
    assert again.npm_wins == level.npm_wins and again.mean_gap == level.mean_gap
    from hlssim.validation.plausible import PlausibleSpace, uncertain_parameters

    text = "\n".join(markdown(PlausibleSpace(tiny, (level,), uncertain_parameters(), runs), "f.png"))
    assert "## The whole plausible space" in text and "quick form" in text and "f.png" in text
    assert "total Sobol indices (ST +- 95%)" in text and "first-order Sobol indices (S1 +- 95%)" in text
    # PRIM describes where NPM wins over the parameters that decide most, not all 21
    from hlssim.validation.plausible import PRIM_PARAMETERS, decisive

    top = decisive(level.indices, "wellbeing_mean", list(uncertain_parameters()))
    assert len(top) == PRIM_PARAMETERS and set(top) <= set(uncertain_parameters())
    assert COMPLEXITIES == (0.2, 0.5, 0.8)
