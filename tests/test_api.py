"""hlssim.sweep and hlssim.analyze from Python (hlssim/experiments/api.py): the frame is the stored
rows, exactly, one per run; it reads existing folders; bad input is one HlssimError line."""

from __future__ import annotations

import pandas as pd
import pytest

import hlssim
from hlssim.errors import HlssimError
from hlssim.experiments.store import read_results

SPEC = {"name": "api", "sampler": "lhs", "samples": 4, "replications": 2, "root_seed": 3,
        "compare": ["npm_targets", "hls"],
        "base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 4},
        "factors": {"complexity": {"low": 0, "high": 1}},
        "outputs": {"gaming_share": "final", "wellbeing_mean": ["final", "mean"]}}


def test_a_sweep_returns_one_row_per_run_equal_to_the_stored_rows(tmp_path):
    out = tmp_path / "out"
    table = hlssim.sweep(SPEC, out=out)
    stored = read_results(out)
    assert list(table.columns) == ["run_id", "point", "sample", "replicate", "seed", "complexity",
                                   "preset", "gaming_share:final", "wellbeing_mean:final",
                                   "wellbeing_mean:mean"]
    assert len(table) == 4 * 2 * 2 and table["run_id"].tolist() == list(range(16))
    assert (table["sample"] == table["point"] // 2).all()
    for output in ("gaming_share:final", "wellbeing_mean:final", "wellbeing_mean:mean"):
        want = stored[stored["output"] == output].set_index("run_id")["value"]
        assert table.set_index("run_id")[output].equals(want.rename(output))
    pd.testing.assert_frame_equal(hlssim.sweep(str(out)), table)  # reading the folder back
    pd.testing.assert_frame_equal(hlssim.sweep(SPEC, out=out), table)  # resumed: nothing to run
    tidy = hlssim.sweep(out, tidy=True)
    assert (tidy["metric"] + ":" + tidy["stat"]).equals(tidy["output"])
    pd.testing.assert_frame_equal(tidy, stored)  # the stored rows carry metric and stat


def test_without_out_the_frame_is_the_same_and_nothing_is_kept(tmp_path):
    kept = hlssim.sweep(SPEC, out=tmp_path / "kept")
    pd.testing.assert_frame_equal(hlssim.sweep(SPEC), kept)


def test_a_spec_file_and_analyze(tmp_path):
    path = tmp_path / "api.toml"
    path.write_text('sampler = "grid"\nreplications = 2\n[base]\nn_people = 30\nn_workers = 3\n'
                    'n_providers = 1\nsteps = 4\n[factors]\ncomplexity = [0.2, 0.8]\n'
                    'preset = ["npm_targets", "hls"]\n[outputs]\nwellbeing_mean = "final"\n')
    table = hlssim.sweep(path, out=tmp_path / "o")
    assert len(table) == 8
    analysis = hlssim.analyze(tmp_path / "o")
    assert set(analysis.indices["factor"]) == {"complexity", "preset"}
    assert (tmp_path / "o" / "analysis" / "analysis.json").is_file()


@pytest.mark.parametrize("spec, kwargs, message", [
    ({"factors": {"complexity": [2.0]}}, {}, "factors.complexity: level 2.0 is not allowed"),
    (SPEC, {"workers": -1}, "workers -1: expected 0"),
    (SPEC, {"smoke": True}, "smoke: missing"),
    (42, {}, "spec: int is not allowed"),
])
def test_bad_input_is_one_line(spec, kwargs, message):
    with pytest.raises(HlssimError) as err:
        hlssim.sweep(spec, **kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)
