"""hlssim analyze: sensitivity indices against known answers, scenario discovery on planted
regions, a real Sobol sweep, and the command's handling of bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from hlssim.ui.cli import main
from hlssim.errors import HlssimError
from hlssim.experiments import parse_spec, sweep
from hlssim.experiments.analysis.analyze import analyze, default_outcome
from hlssim.experiments.design import design_points
from hlssim.experiments.analysis.discovery import find_regions, regime_pairs
from hlssim.experiments.analysis.sensitivity import sensitivity
from hlssim.experiments.sweepdata import load_sweep, point_means

SMALL = {"n_people": 40, "n_workers": 4, "n_providers": 1, "steps": 6}


def synthetic(spec, f, reps: int = 1, noise: float = 0.0, seed: int = 0):
    """Tidy rows of a made-up model ``f(point values) -> value`` over the spec's design."""
    rng = np.random.default_rng(seed)
    names = [x.name for x in spec.factors]
    rows = []
    for p, values in enumerate(design_points(spec)):
        y = f(values)
        for r in range(reps):
            rows.append({"run_id": p * reps + r, "point": p, "replicate": r, "seed": 0, **values,
                         "output": "wellbeing_mean:final", "value": y + noise * rng.normal()})
    rows = pd.DataFrame(rows)
    return rows, point_means(rows, names)


def ishigami(v, a=7.0, b=0.1):
    x1, x2, x3 = (-math.pi + 2 * math.pi * v[k] for k in ("complexity", "target_pressure", "audit_rate"))
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3 ** 4 * math.sin(x1)


def test_sobol_indices_of_ishigami_match_the_known_values():
    spec = parse_spec({"sampler": "sobol", "samples": 1024, "root_seed": 3,
                       "factors": {k: {"low": 0, "high": 1} for k in
                                   ("complexity", "target_pressure", "audit_rate")},
                       "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, ishigami)
    table, _ = sensitivity(spec, means, rows, ["wellbeing_mean:final"])
    got = table.set_index(["factor", "index"])
    # Ishigami (a=7, b=0.1): S1 = .314, .442, 0; ST = .558, .442, .244 (Saltelli et al. 2008)
    known = {("complexity", "S1"): 0.314, ("target_pressure", "S1"): 0.442, ("audit_rate", "S1"): 0.0,
             ("complexity", "ST"): 0.558, ("target_pressure", "ST"): 0.442, ("audit_rate", "ST"): 0.244}
    for key, value in known.items():
        assert got.loc[key, "value"] == pytest.approx(value, abs=0.06), key
        assert 0 < got.loc[key, "conf"] < 0.2, key


def test_morris_finds_the_factor_that_matters_and_the_one_that_does_not():
    spec = parse_spec({"sampler": "morris", "samples": 20, "morris_levels": 4,
                       "factors": {"complexity": {"low": 0, "high": 1},
                                   "audit_rate": {"low": 0, "high": 1}},
                       "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, lambda v: 3 * v["complexity"])
    got = sensitivity(spec, means, rows, ["wellbeing_mean:final"])[0].set_index(["factor", "index"])
    assert got.loc[("complexity", "mu_star"), "value"] == pytest.approx(3.0)  # over the whole range
    assert got.loc[("audit_rate", "mu_star"), "value"] == 0.0
    assert np.isfinite(got["value"]).all()


def test_grid_indices_are_the_exact_variance_shares():
    # y = a + 2 b on a 2 x 2 grid of {0, 1}: Var = 1/4 + 1, so S1 = ST = 0.2 and 0.8
    spec = parse_spec({"factors": {"complexity": [0.0, 1.0], "audit_rate": [0.0, 1.0]},
                       "replications": 3, "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, lambda v: v["complexity"] + 2 * v["audit_rate"], reps=3, noise=1e-9)
    got = sensitivity(spec, means, rows, ["wellbeing_mean:final"])[0].set_index(["factor", "index"])
    for index in ("S1", "ST"):
        assert got.loc[("complexity", index), "value"] == pytest.approx(0.2, abs=1e-6)
        assert got.loc[("audit_rate", index), "value"] == pytest.approx(0.8, abs=1e-6)
    assert (got["conf"] < 1e-6).all()


def test_lhs_with_too_few_points_says_so_rather_than_giving_numbers():
    spec = parse_spec({"sampler": "lhs", "samples": 10, "factors": {"complexity": {"low": 0, "high": 1}},
                       "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, lambda v: v["complexity"])
    table, notes = sensitivity(spec, means, rows, ["wellbeing_mean:final"])
    assert table.empty and "needs at least 64" in notes[-1]


def test_points_out_of_salib_order_are_refused():
    spec = parse_spec({"sampler": "sobol", "samples": 4,
                       "factors": {"complexity": {"low": 0, "high": 1}, "audit_rate": {"low": 0, "high": 1}},
                       "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, lambda v: v["complexity"])
    swapped = means.copy()
    swapped["point"] = swapped["point"].map({0: 1, 1: 0}).fillna(swapped["point"]).astype(int)
    with pytest.raises(HlssimError, match="do not match"):
        sensitivity(spec, swapped, rows, ["wellbeing_mean:final"])


def grid_table(f, n=10):
    xs = np.linspace(0.05, 0.95, n)
    c, t = np.meshgrid(xs, xs, indexing="ij")
    table = pd.DataFrame({"complexity": c.ravel(), "target_pressure": t.ravel()})
    table["difference"] = [f(a, b) for a, b in zip(table["complexity"], table["target_pressure"])]
    table["ci_low"], table["ci_high"] = table["difference"] - 0.01, table["difference"] + 0.01
    return table


def test_scenario_discovery_finds_a_planted_region():
    table = grid_table(lambda c, t: -0.1 if c < 0.35 and t > 0.6 else 0.1)
    found = find_regions(table, ["complexity", "target_pressure"], "hls", "npm_targets")
    assert len(found.boxes) == 1
    box = found.boxes[0]
    assert box.coverage == 1 and box.density == 1 and box.wins == found.wins == 12
    assert box.bounds["complexity"][0] is None and 0.25 < box.bounds["complexity"][1] < 0.35
    assert 0.55 < box.bounds["target_pressure"][0] < 0.65 and box.bounds["target_pressure"][1] is None
    assert "complexity < 0.3" in found.sentences()[0] and "target_pressure > 0.6" in found.sentences()[0]


def test_a_text_factor_pairs_points_but_is_not_split_on():
    """A text factor (a regime switch's target) varies too: the tree uses the numeric factors."""
    table = grid_table(lambda c, t: -0.1 if c < 0.35 else 0.1)
    table["switch_to"] = np.where(np.arange(len(table)) % 2 == 0, "hls", "npm_targets")
    found = find_regions(table, ["complexity", "switch_to"], "hls", "npm_targets")
    assert len(found.boxes) == 1 and "complexity < 0.3" in found.sentences()[0]
    only_text = table[table["complexity"] < 0.35]
    found = find_regions(only_text, ["switch_to"], "hls", "npm_targets")
    assert found.wins == len(only_text) and found.boxes  # all NPM: one box, nothing to split


def test_scenario_discovery_reports_no_region_when_npm_never_wins():
    found = find_regions(grid_table(lambda c, t: 0.05 + c), ["complexity", "target_pressure"], "hls",
                         "npm_targets")
    assert found.boxes == [] and found.wins == 0
    assert "does not beat" in found.sentences()[0] and "No region" in found.sentences()[0]


def test_scattered_wins_are_not_turned_into_a_region():
    rng = np.random.default_rng(5)
    signs = rng.permutation([-1] * 6 + [1] * 94)
    table = grid_table(lambda c, t: 0.0).assign(difference=signs * 0.1)
    found = find_regions(table, ["complexity", "target_pressure"], "hls", "npm_targets")
    for box in found.boxes:  # whatever is reported really is mostly NPM wins
        assert box.density > 0.5
    assert found.wins == 6


def test_regime_families():
    assert regime_pairs(["npm_targets", "hls", "alliance", "npm_pbr"]) == [
        ("hls", "npm_targets"), ("hls", "npm_pbr"), ("alliance", "npm_targets"), ("alliance", "npm_pbr")]
    assert regime_pairs(["hls", "alliance"]) == []
    assert default_outcome(["gaming_share:final", "wellbeing_mean:final", "wellbeing_mean:mean_last_6"]) \
        == "wellbeing_mean:mean_last_6"


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory):
    """A real Sobol sweep in which wage_cost cannot move wellbeing (it only prices staff time);
    common random numbers make the runs that differ only in wage_cost identical in wellbeing."""
    out = tmp_path_factory.mktemp("sobol")
    spec = parse_spec({"sampler": "sobol", "samples": 8, "replications": 2, "root_seed": 11,
                       "common_random_numbers": True, "base": {"preset": "hls", **SMALL},
                       "factors": {"complexity": {"low": 0.1, "high": 0.9},
                                   "wage_cost": {"low": 1.0, "high": 10.0}},
                       "outputs": {"wellbeing_mean": "final", "cost_per_wellbeing": "mean_last_3"}})
    sweep(spec, out)
    return out


def test_real_sobol_sweep_gives_finite_indices_and_zero_for_a_factor_that_cannot_matter(sobol_sweep):
    result = analyze(sobol_sweep)
    t = result.indices.set_index(["output", "factor", "index"])
    assert np.isfinite(t["value"]).all() and np.isfinite(t["conf"]).all()
    assert t.loc[("wellbeing_mean:final", "wage_cost", "ST"), "value"] == pytest.approx(0, abs=1e-12)
    assert t.loc[("wellbeing_mean:final", "complexity", "ST"), "value"] > 0.5
    assert t.loc[("cost_per_wellbeing:mean_last_3", "wage_cost", "ST"), "value"] > 0.2
    assert "No scenario discovery" in result.discovery_notes[0]  # one regime: nothing to compare
    saved = json.loads((sobol_sweep / "analysis" / "analysis.json").read_text())
    assert saved["sampler"] == "sobol" and len(saved["indices"]) == len(result.indices)
    assert (sobol_sweep / "analysis" / "indices.png").stat().st_size > 1000


def test_analysis_is_reproducible(sobol_sweep, tmp_path):
    a = analyze(sobol_sweep, out=tmp_path / "a").indices
    b = analyze(sobol_sweep, outputs=["wellbeing_mean:final"], out=tmp_path / "b").indices
    pd.testing.assert_frame_equal(a[a["output"] == "wellbeing_mean:final"].reset_index(drop=True), b)


def test_grid_sweep_with_both_regimes_runs_discovery(tmp_path):
    spec = parse_spec({"factors": {"preset": ["npm_targets", "hls"], "complexity": [0.1, 0.5, 0.9]},
                       "replications": 2, "base": SMALL, "outputs": {"wellbeing_mean": "mean_last_3"}})
    sweep(spec, tmp_path)
    result = analyze(tmp_path)
    (found,) = result.discoveries
    assert len(found.table) == 3  # one pair per complexity level
    data = load_sweep(tmp_path)
    m = data.means.set_index(["preset", "complexity"])["mean"]
    for _, row in found.table.iterrows():
        c = row["complexity"]
        assert row["difference"] == pytest.approx(m[("hls", c)] - m[("npm_targets", c)])
    text = (tmp_path / "analysis" / "regions.txt").read_text()
    assert f"NPM ahead at {found.wins}" in text
    assert (tmp_path / "analysis" / "regions-hls-vs-npm_targets.png").is_file()


def test_cli_bad_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a folder" in err
    assert main(["analyze", str(tmp_path)]) == 2
    assert "holds no manifest.json" in capsys.readouterr().err
    assert not (tmp_path / "analysis").exists()


def test_cli_bad_output_name_is_refused(sobol_sweep, capsys):
    assert main(["analyze", str(sobol_sweep), "--outputs", "wellbeing_mean:mean"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--outputs 'wellbeing_mean:mean'" in err and "wellbeing_mean:final" in err


def test_cli_prints_the_indices(sobol_sweep, capsys):
    assert main(["analyze", str(sobol_sweep), "--outputs", "wellbeing_mean:final"]) == 0
    out = capsys.readouterr().out
    assert "Sobol indices" in out and "wage_cost" in out and "averaged" in out


def test_npm_ahead_everywhere_is_said_so():
    found = find_regions(grid_table(lambda c, t: -0.1), ["complexity", "target_pressure"], "hls",
                         "npm_targets")
    assert len(found.boxes) == 1 and "everywhere in the design: 100 of 100 points" in found.sentences()[0]


def test_files_of_an_earlier_analysis_are_removed_others_kept(sobol_sweep, tmp_path):
    out = tmp_path / "an"
    out.mkdir()
    (out / "analysis.json").write_text(json.dumps({"files": ["regions-old.png", "analysis.json"]}))
    (out / "regions-old.png").write_bytes(b"old")
    (out / "mine.txt").write_text("not hlssim's")
    analyze(sobol_sweep, out=out)
    assert not (out / "regions-old.png").exists() and (out / "mine.txt").exists()
    assert (out / "indices.png").is_file()


def test_compare_sweep_indices_per_regime_and_for_the_paired_difference(tmp_path):
    """Every sampled point under both regimes, all with the same seed: wage_cost (which only prices
    staff time) has ST exactly 0 for each regime's wellbeing and for their difference; were the
    points matched to the wrong sample rows or regimes, the Saltelli pairs would differ by more
    than wage_cost and ST would not vanish."""
    spec = parse_spec({"sampler": "sobol", "samples": 4, "replications": 1, "root_seed": 2,
                       "compare": ["npm_targets", "hls"], "base": SMALL,
                       "common_random_numbers": True,
                       "factors": {"complexity": {"low": 0.1, "high": 0.9},
                                   "wage_cost": {"low": 1.0, "high": 10.0}},
                       "outputs": {"wellbeing_mean": "final"}})
    sweep(spec, tmp_path)
    t = analyze(tmp_path).indices.set_index(["subset", "factor", "index"])
    assert set(t.index.get_level_values("subset")) == {"npm_targets", "hls", "hls - npm_targets"}
    for subset in ("npm_targets", "hls", "hls - npm_targets"):
        assert t.loc[(subset, "wage_cost", "ST"), "value"] == pytest.approx(0, abs=1e-12)
        assert t.loc[(subset, "complexity", "ST"), "value"] > 0.3


def test_lhs_rbd_fast_first_order_indices():
    # y = complexity + audit_rate / 3 on [0, 1]^2: S1 = 0.9 and 0.1 (variances 1/12 and 1/108)
    spec = parse_spec({"sampler": "lhs", "samples": 256, "root_seed": 4,
                       "factors": {"complexity": {"low": 0, "high": 1}, "audit_rate": {"low": 0, "high": 1}},
                       "outputs": {"wellbeing_mean": "final"}})
    rows, means = synthetic(spec, lambda v: v["complexity"] + v["audit_rate"] / 3)
    table, notes = sensitivity(spec, means, rows, ["wellbeing_mean:final"])
    got = table.set_index(["factor", "index"])
    assert set(got.index.get_level_values("index")) == {"S1"} and "RBD-FAST" in notes[0]
    assert got.loc[("complexity", "S1"), "value"] == pytest.approx(0.9, abs=0.07)
    assert got.loc[("audit_rate", "S1"), "value"] == pytest.approx(0.1, abs=0.07)
    assert np.isfinite(got["conf"]).all()


def test_one_replication_gives_differences_without_intervals(tmp_path):
    spec = parse_spec({"factors": {"complexity": [0.1, 0.9]}, "compare": ["npm_targets", "hls"],
                       "replications": 1, "base": SMALL, "outputs": {"wellbeing_mean": "final"}})
    sweep(spec, tmp_path)
    (found,) = analyze(tmp_path).discoveries
    assert len(found.table) == 2 and found.table["ci_low"].isna().all()
    assert np.isfinite(found.table["difference"]).all()
