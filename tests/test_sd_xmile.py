"""The XMILE twin of the stock-flow model: written from the .mdl, and runs to the same output."""

from __future__ import annotations

import pandas as pd
import pytest

from hlssim import Scenario
from hlssim.errors import HlssimError
from hlssim.stockflow.commissioning import load_model, model_path, run_sd
from hlssim.stockflow.xmile import _flows, mdl_to_xmile


def test_the_committed_twin_is_what_the_mdl_gives():
    committed = model_path("hls_commissioning.xmile").read_text(encoding="utf-8")
    assert committed == mdl_to_xmile(), "run: python -m hlssim.stockflow.xmile"


def test_pysd_reads_the_twin_with_the_same_variables():
    mdl, xmile = load_model(), load_model("hls_commissioning.xmile")
    names = lambda m: {n for n in m.namespace if n.upper() not in ("TIME", "FINAL TIME", "INITIAL TIME",
                                                                    "TIME STEP", "SAVEPER")}
    assert names(mdl) == names(xmile)


@pytest.mark.parametrize("preset, overrides", [
    ("npm_targets", {"complexity": 0.8, "switch_step": 40, "switch_to": "hls"}),
    ("hls", {"complexity": 0.3, "mech_trust": False, "n_people": 1000}),
])
def test_the_twin_runs_to_the_mdls_output(preset, overrides):
    s = Scenario.from_preset(preset, steps=72, **overrides)
    extra = ("staff", "unmet_need", "public_trust", "political_pressure")
    pd.testing.assert_frame_equal(run_sd(s, model="hls_commissioning.xmile", extra=extra),
                                  run_sd(s, extra=extra), rtol=0, atol=1e-12)
    pressed = {"political_response": 1.0}
    pd.testing.assert_frame_equal(
        run_sd(s, model="hls_commissioning.xmile", extra=extra, sd_params=pressed),
        run_sd(s, extra=extra, sd_params=pressed), rtol=0, atol=1e-12)


def test_a_net_flow_the_twin_cannot_express_is_one_clear_error():
    assert _flows("hires - leavers", "staff") == (["hires"], ["leavers"])
    with pytest.raises(HlssimError, match="stock 'x': net flow 'a \\* b'"):
        _flows("a * b", "x")
