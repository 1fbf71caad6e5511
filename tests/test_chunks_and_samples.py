"""Chunk sizes (a crash loses at most ~2% of a sweep, in few parts) and the stored ``sample`` id."""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hlssim.errors import HlssimError
from hlssim.experiments import expand, parse_spec, read_results
from hlssim.experiments.runner import (
    MAX_CHUNK,
    MIN_CHUNK,
    default_chunk_runs,
    make_chunks,
    worker_count,
)
from hlssim.experiments.sweep import sweep

BASE = {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 3}


@pytest.mark.parametrize("workers", [1, 2, 4, 8])
@pytest.mark.parametrize("n_runs", [4_608, 20_000, 100_000, 1_000_000])
@pytest.mark.parametrize("reps", [1, 2, 10])
def test_a_crash_loses_at_most_2_percent_in_few_parts(n_runs, workers, reps):
    chunk = default_chunk_runs(n_runs, workers, reps)
    if 0.02 * n_runs / workers >= MIN_CHUNK:  # big enough for the rule to bind
        assert workers * chunk <= 0.02 * n_runs  # the chunks in flight: one per worker
        assert math.ceil(n_runs / chunk) <= 60 * workers or chunk > MAX_CHUNK - reps  # few parts
        if chunk >= reps:
            assert chunk % reps == 0  # whole design points
    assert chunk >= 1


def test_the_sobol_sweep_of_the_issue_is_cut_in_about_100_chunks():
    spec = parse_spec({"sampler": "sobol", "samples": 64, "replications": 2,
                       "compare": ["npm_targets", "hls"], "base": BASE,
                       "factors": {f"{name}": {"low": 0.1, "high": 0.2} for name in (
                           "complexity", "knave_share", "help_gain", "learning_rate", "crowding_rate",
                           "trust_rate", "attribution_loss", "measurement_noise")},
                       "outputs": {"wellbeing_mean": "final"}})
    design = expand(spec)
    assert len(design.runs) == 4608
    chunks = make_chunks(design, chunk_runs=default_chunk_runs(4608, 2, 2))
    assert 95 <= len(chunks) <= 105 and max(c.n_runs for c in chunks) * 2 <= 0.02 * 4608
    assert sorted(r for c in chunks for r in c.run_ids) == list(range(4608))


class _Client:
    def __init__(self, threads):
        self.threads = threads

    def scheduler_info(self):
        return {"workers": {f"w{i}": {"nthreads": t} for i, t in enumerate(self.threads)}}


def test_chunks_on_a_scheduler_are_sized_for_its_workers():
    assert worker_count(_Client([1, 1])) == 2 and worker_count(_Client([4, 4, 4])) == 12
    assert worker_count(_Client([])) == 4 and worker_count(object()) == 4


SPEC = {"sampler": "lhs", "samples": 3, "replications": 2, "root_seed": 3, "base": BASE,
        "compare": ["npm_targets", "hls"], "factors": {"complexity": {"low": 0, "high": 1}},
        "outputs": {"gaming_share": "final"}}


def test_stored_rows_carry_the_sample_their_paired_points_share(tmp_path):
    sweep(parse_spec(SPEC), tmp_path / "out")
    rows = read_results(tmp_path / "out")
    assert list(rows.columns)[:5] == ["run_id", "point", "sample", "replicate", "seed"]
    assert (rows["sample"] == rows["point"] // 2).all()
    for _, pair in rows.groupby(["sample", "replicate"]):  # the two regimes of one sampled point
        assert len(pair) == 2 and pair["seed"].nunique() == 1 and pair["complexity"].nunique() == 1
        assert set(pair["preset"]) == {"npm_targets", "hls"}


def test_a_folder_in_the_older_row_layout_is_not_mixed_with_new_rows(tmp_path):
    out = tmp_path / "out"
    sweep(parse_spec(SPEC), out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("row_layout")  # as an older hlssim wrote it (its parts had no sample column)
    (out / "manifest.json").write_text(json.dumps(manifest))
    part = next((out / "results").glob("part-*.parquet"))
    pq.write_table(pq.read_table(part).drop(["sample"]), part)
    with pytest.raises(HlssimError, match="older layout"):
        sweep(parse_spec(SPEC), out, on_stale="refuse")
    sweep(parse_spec(SPEC), out)  # rerun: its parts are deleted and run again
    rows = read_results(out)
    assert isinstance(rows, pd.DataFrame) and (rows["sample"] == rows["point"] // 2).all()


def test_a_folder_without_stored_metric_and_stat_is_rerun_not_mixed(tmp_path):
    out = tmp_path / "out"
    sweep(parse_spec(SPEC), out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["row_layout"] = 2  # as hlssim wrote it before metric and stat were stored
    (out / "manifest.json").write_text(json.dumps(manifest))
    for part in (out / "results").glob("part-*.parquet"):
        pq.write_table(pq.read_table(part).drop(["metric", "stat"]), part)
    with pytest.raises(HlssimError, match=r"older layout \(no metric and stat columns\)"):
        sweep(parse_spec(SPEC), out, on_stale="refuse")
    sweep(parse_spec(SPEC), out)
    rows = read_results(out)
    assert (rows["metric"] + ":" + rows["stat"] == rows["output"]).all()
