"""The batched numpy path for a user's model (hlssim/stockflow/abstract_batch.py, compiled from PySD's
own parse of the model): on the SDXorg test models it either reproduces PySD to 1e-6 or declines
with a message, and then PySD runs every point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hlssim.stockflow.abstract_batch
from hlssim.errors import HlssimError
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
                                        ("inputs/teacup_inputs.mdl", None),  # STEP, RAMP, PULSE
                                        # newly accepted: lookups, delays, smooths, INITIAL, XMILE
                                        ("stateful/teacup_stateful.mdl", None),
                                        ("stateful/teacup_stateful.mdl", {"TIME STEP": 0.25, "FINAL TIME": 20}),
                                        ("suite/lookups_with_expr/test_lookups_with_expr.mdl", None),
                                        ("suite/lookups_inline/test_lookups_inline.xmile", None),
                                        ("suite/smooth_and_stock/test_smooth_and_stock.mdl", None),
                                        ("suite/delay_parentheses/test_delay_parentheses.mdl", None),
                                        ("suite/initial_function/test_initial.xmile", None),
                                        ("suite/if_stmt/if_stmt.stmx", None),
                                        # DELAY N and SMOOTH N (orders that change in time: taken once)
                                        ("delays/test_delays.mdl", None),  # and a delay time that varies
                                        ("suite/smooth/test_smooth.mdl", None),
                                        ("suite/delay_numeric_error/test_delay_numeric_error.mdl", None),
                                        ("suite/logicals/test_logicals.xmile", None),
                                        ("suite/non_negative_stocks/test_non_negative_stocks_behavior.xmile", None),
                                        ("teacup/teacup.xmile", None), ("SIR/SIR.xmile", {"SAVEPER": 1})])
def test_accepted_models_reproduce_pysd(case, extra):
    model = ExternalModel(MODELS / case)
    points = random_points(model, 12, seed=3, extra=extra)
    assert status(model, points[0]).startswith("batched numpy path")
    batched = run_many(model, points)
    for point, table in zip(points, batched):
        reference = model.run(point)
        assert list(table.columns) == list(reference.columns)
        np.testing.assert_array_equal(table["time"], reference["time"])
        # bit for bit: the same operations in the same order as PySD's own code, elementwise
        np.testing.assert_array_equal(table.to_numpy(), reference.to_numpy())


@pytest.mark.parametrize("kind", ["interpolate", "hold_backward", "extrapolate"])
def test_lookup_tables_are_read_as_pysd_reads_them(kind):
    """Every point of a lookup table, between them, and beyond both ends, against PySD's own
    ``HardcodedLookups`` of the same table and interpolation type (Vensim's tables, XMILE's
    continuous, discrete and extrapolating graphical functions)."""
    import warnings

    from pysd.py_backend.lookups import HardcodedLookups

    from hlssim.stockflow.batch_functions import lookup_table

    xs, ys = [0.0, 1.0, 2.5, 4.0, 10.0], [1.0, 3.0, -2.0, 0.5, 0.5]
    pysd = HardcodedLookups(xs, ys, {}, kind, {}, "table")
    pysd.initialize()
    at = np.concatenate([xs, np.linspace(-3, 13, 97), [2.4999999, 2.5000001]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySD warns when it extrapolates
        expected = np.array([float(pysd(x)) for x in at])
    np.testing.assert_array_equal(lookup_table(xs, ys, kind)(at), expected)


@pytest.mark.parametrize("case,why", [
    ("suite/delay_pipeline/test_pipeline_delays.mdl",
     "test_pipeline_delays.mdl: Output Fractional Pipeline Delay: uses DELAY FIXED, which the batched integrator"),
    ("suite/subscript_2d_arrays/test_subscript_2d_arrays.mdl", "uses subscripts, which the batched integrator"),
    ("suite/macro_stock/test_macro_stock.mdl", "macro output: uses MACRO expression_macro, which"),
    ("suite/trend/test_trend.mdl", "TREND of input: uses TREND, which the batched integrator does not implement"),
    ("suite/delay_fixed/test_delay_fixed.mdl", "uses DELAY FIXED, which the batched integrator does not implement"),
    ("noisy/noisy_teacup.mdl", "it draws random numbers (RANDOM functions)"),
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
    real = hlssim.stockflow.abstract_batch.AbstractBatch.run

    def off_by_a_little(self, *args, **kwargs):
        out, times = real(self, *args, **kwargs)
        return {k: v * (1 + 1e-4) for k, v in out.items()}, times

    monkeypatch.setattr(hlssim.stockflow.abstract_batch.AbstractBatch, "run", off_by_a_little)
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


#: DELAY N and SMOOTH N whose orders are constants a sweep may set (the suite's models compute theirs).
ORDERS_MODEL = """{UTF-8}
Input = 1 + STEP(5, 3) + RAMP(0.5, 8, 12) ~ Widgets/Month ~ |
Delay Time = 4 ~ Month ~ |
Delay Order = 3 ~ Dmnl ~ |
Smooth Time = 2 ~ Month ~ |
Smooth Order = %s ~ Dmnl ~ |
Delayed = DELAY N(Input, Delay Time, 0.5, Delay Order) ~ Widgets/Month ~ |
Smoothed = SMOOTH N(Input, Smooth Time, 0.5, Smooth Order) ~ Widgets/Month ~ |
Stock = INTEG(Delayed - Smoothed, 10) ~ Widgets ~ |
FINAL TIME = 20 ~ Month ~ |
INITIAL TIME = 0 ~ Month ~ |
SAVEPER = TIME STEP ~ Month ~ |
TIME STEP = 0.25 ~ Month ~ |
"""


def test_delay_n_orders_set_per_point_reproduce_pysd(tmp_path, monkeypatch):
    """A DELAY N order is taken once, cast to a whole number as PySD casts it (2.7 runs as 2):
    points of different orders are integrated in groups of one order, each table equal to PySD's
    bit for bit; a point whose order PySD would lower (order x TIME STEP > delay time) sends its
    chunk to PySD."""
    path = tmp_path / "orders.mdl"
    path.write_text(ORDERS_MODEL % 2)
    model = ExternalModel(path)
    assert status(model).startswith("batched numpy path")
    runs = []
    real = hlssim.stockflow.abstract_batch.AbstractBatch._run
    monkeypatch.setattr(hlssim.stockflow.abstract_batch.AbstractBatch, "_run",
                        lambda self, P, settings, n: runs.append(n) or real(self, P, settings, n))
    points = [{"Delay Order": o, "Delay Time": d} for o, d in
              [(1, 4), (2, 4), (2.7, 5), (3, 4), (4, 6), (3, 3), (1, 2), (5.99, 7)]]
    tables = run_many(model, points)
    assert runs == [8, 2, 2, 2, 1, 1]  # tried together, then orders 1, 2 (2 and 2.7), 3, 4, 5
    for point, table in zip(points, tables):
        np.testing.assert_array_equal(table.to_numpy(), model.run(point).to_numpy())
    lowered = points[:2] + [{"Delay Order": 40, "Delay Time": 4}]  # PySD runs it at order 16
    for point, table in zip(lowered, run_many(model, lowered)):
        np.testing.assert_array_equal(table.to_numpy(), model.run(point).to_numpy())


def test_a_smooth_n_order_set_from_outside_runs_as_the_models_own_whole_order(tmp_path):
    """PySD's SMOOTH N needs its order as a Python int (``[x] * order``), so PySD fails on any
    order set from outside (a float); the batched path runs a whole one as PySD runs the model
    that writes that order itself, bit for bit, and declines a fractional one (PySD then fails)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "orders.mdl").write_text(ORDERS_MODEL % 2)
    (tmp_path / "b" / "orders.mdl").write_text(ORDERS_MODEL % 3)
    model, written = ExternalModel(tmp_path / "a" / "orders.mdl"), ExternalModel(tmp_path / "b" / "orders.mdl")
    with pytest.raises(HlssimError, match="the run failed"):
        model.run({"Smooth Order": 3})
    (table,) = run_many(model, [{"Smooth Order": 3, "Delay Order": 2}])
    np.testing.assert_array_equal(table.to_numpy(), written.run({"Delay Order": 2}).to_numpy())
    with pytest.raises(HlssimError, match="the run failed"):
        run_many(model, [{"Smooth Order": 2.5}])
