"""hlssim verify and hlssim reproduce (hlssim/experiments/verify.py): each check passes on a good
folder and fails, naming what is wrong, on a folder broken in its way."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hlssim.experiments import parse_spec, sweep
from hlssim.experiments.store import read_manifest
from hlssim.ui.cli import main

SPEC = {"name": "verified", "replications": 2, "root_seed": 2,
        "base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 4},
        "factors": {"complexity": [0.2, 0.8], "preset": ["npm_targets", "hls"]},
        "outputs": {"wellbeing_mean": ["final", "mean"]}}


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "out"
    sweep(parse_spec(SPEC), out, chunk_runs=2)
    return out


def lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_a_good_folder_verifies_and_every_run_reproduces(folder, capsys):
    assert main(["verify", str(folder)]) == 0
    out = lines(capsys)
    assert out[0] == "ok   complete: 8 of 8 runs stored; 0 stored twice; 0 missing an output"
    assert out[1].startswith("ok   consistent: 0 runs with another seed, 0 factor values")
    assert out[2].startswith("ok   this model: made by fingerprint")
    assert [line.split(":")[0] for line in out[3:]] == ["ok   reproduced"] * 3
    assert "run 0 " in out[3] and "run 7 " in out[5]
    for run in range(8):
        assert main(["reproduce", str(folder), "--run", str(run)]) == 0
        assert lines(capsys)[0].endswith("2 values equal bit for bit")


def plant(folder, change) -> None:
    """Rewrite every results part with ``change(frame)`` applied, keeping its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for part in sorted((folder / "results").glob("part-*.parquet")):
        table = pq.read_table(part)
        frame = change(table.to_pandas())
        new = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(new.replace_schema_metadata(table.schema.metadata), part)


def test_a_changed_value_fails_reproduce(folder, capsys):
    def nudge(frame):
        frame.loc[frame["run_id"] == 3, "value"] += 1e-12
        return frame

    plant(folder, nudge)
    assert main(["reproduce", str(folder), "--run", "3"]) == 1
    line = lines(capsys)[0]
    assert line.startswith("FAIL reproduced: run 3 ") and line.endswith(
        "differ: wellbeing_mean:final, wellbeing_mean:mean")
    assert main(["reproduce", str(folder), "--run", "2"]) == 0


def test_a_wrong_seed_a_missing_run_and_another_model_fail_verify(folder, capsys):
    plant(folder, lambda f: f.assign(seed=f["seed"].where(f["run_id"] != 5, 1)))
    part = sorted((folder / "results").glob("part-*.parquet"))[0]
    kept = pd.read_parquet(part)
    part.unlink()  # runs 0 and 1 gone
    manifest = read_manifest(folder) | {"model_fingerprint": "0123456789abcdef"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert main(["verify", str(folder), "--runs", "0"]) == 1
    out = lines(capsys)
    assert out[0] == "FAIL complete: 6 of 8 runs stored; 0 stored twice; 0 missing an output"
    assert out[1].startswith("FAIL consistent: 1 runs with another seed, 0 factor values not the "
                             "design's, 3 parts made by another model or spec")
    assert out[2].startswith("FAIL this model: made by fingerprint 0123456789abcdef")
    assert len(out) == 3 and len(kept) == 4


def test_bad_run_ids_are_one_line(folder, capsys):
    assert main(["reproduce", str(folder), "--run", "99"]) == 2
    assert capsys.readouterr().err.strip().endswith("expected 0 to 7")
