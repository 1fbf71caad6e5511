"""PRIM and feature scoring inside ``hlssim analyze``: on a real compare sweep, files written and
consistent; feature scores on a planted case rank the factor that matters first."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from hlssim.experiments import parse_spec, sweep
from hlssim.experiments.analysis.analyze import analyze
from hlssim.experiments.analysis.features import feature_scores
from hlssim.experiments.analysis.prim import MIN_COVERAGE

SPEC = {"name": "disc", "sampler": "lhs", "samples": 40, "replications": 1, "root_seed": 2,
        "compare": ["npm_targets", "hls"],
        "base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 12},
        "factors": {"complexity": {"low": 0, "high": 1}, "audit_rate": {"low": 0, "high": 0.4}},
        "outputs": {"wellbeing_mean": "mean_last_6", "gaming_share": "mean_last_6"}}


def test_analyze_writes_prim_trajectory_and_feature_scores(tmp_path, monkeypatch):
    from hlssim.experiments.analysis import analyze as analyze_module

    titles = []
    draw = analyze_module.plot_trajectory
    monkeypatch.setattr(analyze_module, "plot_trajectory",
                        lambda result, title, path: titles.append(title) or draw(result, title, path))
    out = tmp_path / "sweep"
    sweep(parse_spec(SPEC), out)
    analysis = analyze(out)
    # the title in words: no preset or metric code names
    assert titles and all("Targets and KPIs (NPM)" in t and "True wellbeing" in t for t in titles[:1])
    assert not any(code in t for t in titles for code in ("npm_targets", "wellbeing_mean", "(hls)"))
    names = {p.name for p in analysis.files}
    scores = pd.read_csv(out / "analysis" / "feature_scores.csv")
    assert {"feature_scores.csv", "feature_scores.png"} <= names
    assert set(scores["subset"]) == {"npm_targets", "hls"}
    sums = scores.groupby(["output", "subset"])["score"].sum()
    assert np.allclose(sums, 1.0)
    d = analysis.discoveries[0]
    assert 0 < d.wins < len(d.table)  # PRIM needs wins and losses to separate (this design has both)
    assert {"prim-hls-vs-npm_targets.csv", "prim-hls-vs-npm_targets.png"} <= names
    t = pd.read_csv(out / "analysis" / "prim-hls-vs-npm_targets.csv")
    assert t["coverage"].iloc[0] == 1 and t["chosen"].sum() == 1
    chosen = t[t["chosen"]].iloc[0]
    assert chosen["coverage"] >= MIN_COVERAGE
    assert chosen["density"] == t[t["coverage"] >= MIN_COVERAGE]["density"].max()
    assert "PRIM" in (out / "analysis" / "regions.txt").read_text()
    saved = json.loads((out / "analysis" / "analysis.json").read_text())
    assert saved["discovery"][0]["prim"]["trajectory"][0]["coverage"] == 1


def test_feature_scores_rank_the_factor_that_matters_per_regime():
    rng = np.random.default_rng(1)
    n = 60
    frames = []
    for regime, f in (("npm_targets", lambda a, b: a), ("hls", lambda a, b: np.sin(6 * b))):
        a, b = rng.random(n), rng.random(n)
        frames.append(pd.DataFrame({"preset": regime, "a": a, "b": b, "output": "y:final",
                                    "mean": f(a, b) + 0.01 * rng.normal(size=n)}))
    scores = feature_scores(pd.concat(frames), ["a", "b"], ["y:final"], ["npm_targets", "hls"])
    top = scores.sort_values("score").groupby("subset")["factor"].last()
    assert top["npm_targets"] == "a" and top["hls"] == "b"
    few = feature_scores(frames[0].head(10), ["a", "b"], ["y:final"])
    assert few.empty  # too few points to rank anything


def test_differences_name_the_design_points_of_each_pair(tmp_path):
    out = tmp_path / "sweep"
    sweep(parse_spec(SPEC), out)
    analyze(out)
    diffs = pd.read_csv(out / "analysis" / "differences.csv")
    rows = pd.read_csv(out / "analysis" / "differences.csv")[["hls_point", "npm_point"]]
    assert len(rows) == 40 and (rows["hls_point"] // 2 == rows["npm_point"] // 2).all()
    from hlssim.experiments import read_results

    stored = read_results(out).drop_duplicates("point").set_index("point")
    first = diffs.iloc[0]
    assert stored.loc[first["hls_point"], "preset"] == "hls"
    assert stored.loc[first["npm_point"], "complexity"] == first["complexity"]
