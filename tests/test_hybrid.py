"""Hybrid runs (hlssim/engines/hybrid.py): the stock-flow macro context and the agent model, coupled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hlssim
from hlssim import Scenario
from hlssim.errors import HlssimError
from hlssim.engines.hybrid import MACRO_COLUMNS, run_hybrid
from hlssim.model.metrics import METRIC_NAMES

WORLD = {"n_people": 100, "n_workers": 6, "n_providers": 2, "steps": 48}


def npm(**overrides):
    return Scenario.from_preset("npm_targets", complexity=0.8, **(WORLD | overrides))


def test_the_table_is_the_agent_models_plus_the_macro_columns_and_one_seed_one_result():
    a = run_hybrid(npm(), seed=5)
    assert list(a.columns) == ["step", *METRIC_NAMES, *MACRO_COLUMNS]
    assert list(a["step"]) == list(range(1, 49))
    pd.testing.assert_frame_equal(run_hybrid(npm(), seed=5), a)
    assert not run_hybrid(npm(), seed=6)["wellbeing_mean"].equals(a["wellbeing_mean"])


def test_decoupled_agents_run_exactly_as_the_batch_engine():
    plain = hlssim.run(npm(), seed=2)
    off = run_hybrid(npm(), seed=2, coupled=False)
    pd.testing.assert_frame_equal(off[plain.columns], plain)
    assert (off["applied_target_pressure"] == 0.8).all() and (off["political_pressure"] == 0).all()
    # a regime switch goes through the hybrid's own regime setting: still the batch engine's run
    switching = npm(switch_step=20, switch_to="hls")
    pd.testing.assert_frame_equal(run_hybrid(switching, seed=2, coupled=False)[plain.columns],
                                  hlssim.run(switching, seed=2))


def test_with_no_political_response_the_coupling_changes_nothing_in_the_agents():
    plain = hlssim.run(npm(), seed=4)
    quiet = run_hybrid(npm(), seed=4, political_response=0.0)
    pd.testing.assert_frame_equal(quiet[plain.columns], plain)
    assert quiet["public_trust"].iloc[-1] != 0.5  # the macro stocks still follow the agents


def test_the_coupling_matters_low_trust_brings_pressure_that_reaches_the_agents():
    """NPM in a complex world: gaming and failure demand lower public trust, politicians press,
    the agents' commissioner applies harder targets and more audit, and the agents change."""
    on = run_hybrid(npm(), seed=1)
    off = run_hybrid(npm(), seed=1, coupled=False)
    assert on["political_pressure"].iloc[-1] > 0.3
    assert on["applied_target_pressure"].iloc[-12:].min() > 0.8  # above the regime's own 0.8
    assert on["applied_audit_rate"].iloc[-12:].min() > 0.2
    assert on["public_trust"].iloc[-1] < 0.5
    assert not np.allclose(on["gaming_share"], off["gaming_share"])
    assert not np.allclose(on["admin_time_share"], off["admin_time_share"])
    # month 1 applies the stock-flow model's state at time 0: the regime's own values
    assert on["applied_target_pressure"].iloc[0] == 0.8


def test_the_agents_feed_the_macro_stocks():
    """The same macro sector, fed by the agents (coupled) or by the stock-flow model's own stocks
    (decoupled), ends differently: what crosses is the agents' aggregates."""
    hls = Scenario.from_preset("hls", complexity=0.8, **WORLD)
    on = run_hybrid(hls, seed=1, political_response=0.0)
    off = run_hybrid(hls, seed=1, coupled=False)
    assert np.allclose(on["budget_pressure"], on["failure_demand"])  # the agents' failure demand
    assert not np.allclose(on["public_trust"], off["public_trust"])


def test_bad_input_is_one_clear_error():
    with pytest.raises(HlssimError, match="political_response -1.0: expected a number >= 0"):
        run_hybrid(npm(), political_response=-1)
    with pytest.raises(HlssimError, match="seed"):
        run_hybrid(npm(), seed=-3)


def test_hlssim_run_engine_hybrid(tmp_path, capsys):
    from hlssim.ui.cli import main

    out = tmp_path / "hybrid.csv"
    args = ["run", "--engine", "hybrid", "--preset", "npm_targets", "--steps", "24", "--seed", "3",
            "--set", "complexity=0.8", "--set", "n_people=100", "--set", "n_workers=6",
            "--set", "n_providers=2", "--out", str(out)]
    assert main(args) == 0
    expected = run_hybrid(npm(steps=24), seed=3)
    pd.testing.assert_frame_equal(pd.read_csv(out), expected, check_dtype=False)
    assert "wrote 24 steps" in capsys.readouterr().out


def test_a_hybrid_run_leaves_the_cached_stock_flow_model_as_it_was():
    """PySD's models of one translation share their dependency table; stepping must not mark the
    cached model's constants as time-dependent (run_sd's sd_params checks rely on them)."""
    from hlssim.stockflow.commissioning import load_model, run_sd

    before = {k: dict(v) if isinstance(v, dict) else v for k, v in load_model().dependencies.items()}
    run_hybrid(npm(steps=3), seed=0)
    after = {k: dict(v) if isinstance(v, dict) else v for k, v in load_model().dependencies.items()}
    assert after == before
    run_sd(npm(steps=3), sd_params={"political_response": 1.0})
