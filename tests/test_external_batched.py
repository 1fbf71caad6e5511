"""The batched numpy path (hlssim/stockflow/integrator.py) for a user's model: on the SDXorg test models it
either reproduces PySD to 1e-6 or declines with a message, and then PySD runs every point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hlssim.stockflow.integrator
from hlssim.experiments import parse_spec
from hlssim.experiments.store import read_results
from hlssim.experiments.sweep import sweep
from hlssim.stockflow.user_model import ExternalModel
from hlssim.stockflow.user_batch import TOLERANCE, run_many, status

MODELS = Path(__file__).parent / "sd_test_models"


def random_points(model: ExternalModel, n: int, seed: int, extra=None) -> list[dict[str, float]]:
    """n points with every scalar constant drawn between half and twice the model's value."""
    rng = np.random.default_rng(seed)
    constants = [v for v in model.variables(["constant"]) if v.settable and v.value]
    return [{v.name: float(v.value * rng.uniform(0.5, 2.0)) for v in constants} | (extra or {})
            for _ in range(n)]


@pytest.mark.parametrize("case,extra", [("teacup/teacup.mdl", None),
                                        ("SIR/SIR.mdl", {"TIME STEP": 0.125, "SAVEPER": 0.5}),
                                        # functions the batched path now takes (integrator.vstep, ...)
                                        ("suite/trig/test_trig.mdl", None),  # SIN, COS, TAN, ARC*
                                        ("suite/xidz_zidz/xidz_zidz.mdl", None),  # XIDZ, ZIDZ
                                        ("suite/rounding/test_rounding.mdl", None),  # INTEGER, MODULO
                                        ("suite/euler_step_vs_saveper/test_euler_step_vs_saveper.mdl", None),
                                        ("suite/nested_functions/test_nested_functions.mdl", None),
                                        ("inputs/teacup_inputs.mdl", None)])  # STEP, RAMP, PULSE
def test_accepted_models_reproduce_pysd(case, extra):
    model = ExternalModel(MODELS / case)
    points = random_points(model, 12, seed=3, extra=extra)
    assert status(model, points[0]).startswith("batched numpy path")
    batched = run_many(model, points)
    for point, table in zip(points, batched):
        reference = model.run(point)
        assert list(table.columns) == list(reference.columns)
        np.testing.assert_array_equal(table["time"], reference["time"])
        np.testing.assert_allclose(table.to_numpy(), reference.to_numpy(), rtol=TOLERANCE, atol=1e-12)


@pytest.mark.parametrize("case,why", [
    ("lookups/test_lookups.mdl", "uses a lookup table, which the batched integrator does not implement"),
    ("delays/test_delays.mdl", "Output Delay1I: uses DELAY1I, which the batched integrator does not implement"),
    ("teacup/teacup.xmile", "it reads Vensim .mdl files only"),
    ("SIR/SIR.xmile", "it reads Vensim .mdl files only"),
])
def test_other_models_are_declined_with_a_message_and_run_by_pysd(case, why):
    model = ExternalModel(MODELS / case)
    text = status(model)
    assert text.startswith("PySD, one run at a time (batched path declined: ") and why in text
    assert "\n" not in text
    points = random_points(model, 3, seed=4)
    for point, table in zip(points, run_many(model, points)):
        pd.testing.assert_frame_equal(table, model.run(point))


def test_a_batched_path_that_disagrees_with_pysd_is_declined(monkeypatch):
    """If the integrator got a model wrong, the check against PySD catches it and PySD runs."""
    real = hlssim.stockflow.integrator.BatchedSD.run

    def off_by_a_little(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        return {k: v * (1 + 1e-4) for k, v in out.items()}

    monkeypatch.setattr(hlssim.stockflow.integrator.BatchedSD, "run", off_by_a_little)
    model = ExternalModel(MODELS / "teacup" / "teacup.mdl")
    points = random_points(model, 3, seed=5)
    tables = run_many(model, points)
    assert "batched path declined: it differs from PySD by" in status(model)
    for point, table in zip(points, tables):
        pd.testing.assert_frame_equal(table, model.run(point))


def test_time_settings_are_checked_separately():
    """Each distinct set of time settings gets its own check and its own saved times."""
    model = ExternalModel(MODELS / "SIR" / "SIR.mdl")
    points = [{"Duration": 4, "FINAL TIME": 20, "SAVEPER": 2}, {"Duration": 4, "TIME STEP": 0.25, "SAVEPER": 1},
              {"Duration": 6, "FINAL TIME": 20, "SAVEPER": 2}]
    tables = run_many(model, points)
    assert [len(t) for t in tables] == [11, 101, 11]
    for point, table in zip(points, tables):
        np.testing.assert_allclose(table.to_numpy(), model.run(point).to_numpy(), rtol=TOLERANCE, atol=1e-12)


def test_a_sweeps_rows_do_not_depend_on_how_points_are_batched(tmp_path):
    spec = parse_spec({"model": str(MODELS / "SIR" / "SIR.mdl"), "base": {"TIME STEP": 0.125, "SAVEPER": 1},
                       "sampler": "lhs", "samples": 24, "root_seed": 2,
                       "factors": {"Contact Infectivity": {"low": 0.1, "high": 0.5}, "Duration": {"low": 2, "high": 10}},
                       "outputs": {"Recovered": "final", "Infectious": ["mean", "final"]}})
    sweep(spec, tmp_path / "one", chunk_runs=1)
    sweep(spec, tmp_path / "many", chunk_runs=24)
    pd.testing.assert_frame_equal(read_results(tmp_path / "one"), read_results(tmp_path / "many"), check_exact=True)


def test_the_reason_for_declining_is_the_same_in_every_process():
    """inspect and sweep run in different processes, whose string hashing differs: the reason must
    not depend on it (it named MACRO in one and EXPRESSION in another when it came from a set)."""
    import os
    import subprocess
    import sys

    model = MODELS / "suite/macro_expression/test_macro_expression.mdl"
    code = ("from hlssim.stockflow.user_batch import _engine; from hlssim.stockflow.user_model import "
            f"open_model; print(_engine(open_model({str(model)!r}))[1])")
    reasons = {subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True,
                              env=os.environ | {"PYTHONHASHSEED": str(h)}, check=True).stdout.strip()
               for h in range(6)}
    assert len(reasons) == 1 and "which the batched integrator does not implement" in reasons.pop()
