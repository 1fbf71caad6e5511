"""Sweeps over a user's own model: specs naming ``model = ...`` are checked before any run, their
rows equal direct runs of the model, Dask equals serial, a SIGKILLed sweep resumes exactly, and
``hlssim analyze`` gives Sobol indices that recover a known answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from resume_check import assert_resume_after_sigkill_equals_a_whole_sweep

from hlssim.ui.cli import main
from hlssim.experiments import parse_spec
from hlssim.experiments.spec import SpecError, load_spec
from hlssim.experiments.store import read_manifest, read_results
from hlssim.experiments.sweep import sweep
from hlssim.stockflow.user_model import open_model

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "sd_test_models"
SIR = str(MODELS / "SIR" / "SIR.mdl")
TEACUP = str(MODELS / "teacup" / "teacup.xmile")
FAST = {"TIME STEP": 0.125, "SAVEPER": 1}  # SIR at dt 1/8 day: 4x fewer steps than the model's own


def sir_spec(**data):
    data = {"model": SIR, "base": FAST, "factors": {"Contact Infectivity": [0.2, 0.4],
                                                   "duration": {"low": 3, "high": 7, "levels": 3}},
            "outputs": {"Recovered": "final", "infectious": ["mean", "mean_last_10"]}} | data
    return parse_spec(data)


def test_names_are_the_models_own_whatever_the_spelling():
    spec = sir_spec()
    assert spec.factor_names == ("Contact Infectivity", "Duration")
    assert [o.name for o in spec.outputs] == ["Infectious:mean", "Infectious:mean_last_10", "Recovered:final"]
    assert spec.n_runs() == 6 and spec.engine == "pysd" and spec.base == {"SAVEPER": 1.0, "TIME STEP": 0.125}


BAD = [
    ({"factors": {"Contact Infectivty": [0.2, 0.4]}},
     "factors.Contact Infectivty: model '", "no constant named 'Contact Infectivty'; did you mean 'Contact Infectivity'?"),
    ({"factors": {"Recovering": [1, 2]}}, "factors.Recovering:", "is an auxiliary (computed by the model)"),
    ({"factors": {"FINAL TIME": [50, 100]}}, "factors.FINAL TIME:", "a time setting cannot vary"),
    ({"factors": {"Duration": [2, "long"]}}, "factors.Duration:", "'long' is not allowed; expected a finite number"),
    ({"factors": {"Duration": {"low": 5, "high": 2}}}, "factors.Duration:", "expected low < high"),
    ({"factors": {"Duration": [2, 3], "duration": [4, 5]}}, "factors.duration:", "the same constant as factors.Duration"),
    ({"base": {"Duration": 4}}, "factors.duration:", "also set in [base]"),
    ({"outputs": {"Recoverd": "final"}}, "outputs.Recoverd:", "did you mean 'Recovered', 'Recovering'?"),
    ({"outputs": {"Recovered": "max"}}, "outputs.Recovered:", "expected \"final\", \"mean\", \"mean_last_N\""),
    ({"outputs": {"Recovered": "at_5"}}, "outputs.Recovered: at_5 is not allowed", "mean_last_N"),
    ({"replications": 3}, "replications: 3", "expected 1 (it has no random functions"),
    ({"engine": "mesa"}, "engine: mesa", "not allowed with a model"),
    ({"preset": "hls"}, "preset: unknown", "allowed keys are"),
    ({"model": str(MODELS / "nope.mdl")}, "model: model '", "no such file"),
    ({"model": 3}, "model: 3", "expected text"),
    ({"smoke": {"base": {"Contact Infectivity": 0.3}}}, "smoke.base.Contact Infectivity:", "is a factor"),
    ({"factors": {}, "sampler": "lhs", "samples": 4}, "factors: none",
     "expected at least one of the model's constants for sampler lhs"),
]


def test_a_grid_of_no_factors_is_the_model_as_it_is(tmp_path):
    """A model with no constant to vary (here every input is computed) still sweeps: no factors
    is one point, run once (or replicated, for a model with random functions); the report
    draws every run."""
    model = MODELS / "suite/sqrt/test_sqrt.mdl"
    assert not open_model(model).variables(["constant"])
    spec = parse_spec({"model": str(model), "outputs": {"StockA": ["final", "trajectory"]}})
    assert spec.factors == () and spec.n_runs() == 1
    sweep(spec, tmp_path / "s")
    rows = read_results(tmp_path / "s")
    assert list(rows["value"]) == [open_model(model).run()["StockA"].iloc[-1]]
    assert main(["report", str(tmp_path / "s")]) == 0
    text = (tmp_path / "s" / "report" / "report.md").read_text()
    assert "none (one point: the model as it is)" in text and "StockA-final.png" in text
    noisy = parse_spec({"model": str(MODELS / "noisy/noisy_teacup.mdl"), "replications": 3,
                        "outputs": {"Teacup Temperature": "final"}})
    sweep(noisy, tmp_path / "n")
    assert read_results(tmp_path / "n")["value"].nunique() == 3


@pytest.mark.parametrize("change,field,message", BAD)
def test_bad_model_specs_are_one_line(change, field, message):
    with pytest.raises(SpecError) as err:
        sir_spec(**change)
    text = str(err.value)
    assert "\n" not in text and field in text and message in text, text


def test_cli_refuses_a_bad_spec_before_any_run(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text(f'model = "{SIR}"\n[factors]\n"Contact Infectivty" = [0.2, 0.4]\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'Contact Infectivity'?" in err
    assert not out.exists()


def test_model_path_is_relative_to_the_spec_file(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "sir.mdl").write_bytes(Path(SIR).read_bytes())
    (tmp_path / "specs").mkdir()
    path = tmp_path / "specs" / "s.toml"
    path.write_text('model = "../models/sir.mdl"\n[factors]\nDuration = [2, 3]\n', encoding="utf-8")
    spec = load_spec(path)
    assert spec.model == str((tmp_path / "models" / "sir.mdl").resolve())
    assert [o.name for o in spec.outputs] == ["Infectious:final", "Recovered:final", "Susceptible:final"]


def test_rows_equal_direct_runs_of_the_model(tmp_path):
    spec = sir_spec()
    sweep(spec, tmp_path / "out")
    rows = read_results(tmp_path / "out")
    model = open_model(SIR)
    assert len(rows) == 6 * 3 and set(rows.columns) >= {"Contact Infectivity", "Duration", "output", "value"}
    for _, row in rows.iterrows():
        table = model.run(FAST | {"Contact Infectivity": row["Contact Infectivity"], "Duration": row["Duration"]})
        metric, stat = row["output"].split(":")
        column = table[metric].to_numpy()
        expected = {"final": column[-1], "mean": column.mean(), "mean_last_10": column[-10:].mean()}[stat]
        # the sweep takes the batched numpy path for this model: PySD's values to 1e-6 (in fact equal)
        np.testing.assert_allclose(row["value"], expected, rtol=1e-6, atol=1e-12)
    # and the factors did something: the epidemic's final size rises with infectivity
    final = rows[rows["output"] == "Recovered:final"].groupby("Contact Infectivity")["value"].mean()
    assert final[0.4] > final[0.2] + 100


def test_changed_model_file_is_refused_on_resume(tmp_path):
    model = tmp_path / "sir.mdl"
    model.write_bytes(Path(SIR).read_bytes())
    data = {"model": str(model), "base": FAST, "factors": {"Duration": [2, 3]}, "outputs": {"Recovered": "final"}}
    sweep(parse_spec(data), tmp_path / "out")
    model.write_text(model.read_text(encoding="utf-8").replace("Duration=\n\t5", "Duration=\n\t6"),
                     encoding="utf-8")
    assert open_model(model).resolve("Duration").value == 6  # the edit took
    with pytest.raises(Exception, match="different experiment"):
        sweep(parse_spec(data), tmp_path / "out")


def test_local_dask_cluster_equals_serial(tmp_path):
    spec = sir_spec(sampler="sobol", samples=2, factors={"Contact Infectivity": {"low": 0.1, "high": 0.5},
                                                         "Duration": {"low": 2, "high": 10}})
    sweep(spec, tmp_path / "serial")
    sweep(spec, tmp_path / "dask", workers=2)
    assert read_manifest(tmp_path / "dask")["sessions"][-1]["executor"] == "local:2"
    pd.testing.assert_frame_equal(read_results(tmp_path / "serial"), read_results(tmp_path / "dask"),
                                  check_exact=True)


def test_resume_after_sigkill_equals_an_uninterrupted_sweep(tmp_path):
    data = {"model": SIR, "base": {"TIME STEP": 0.0625, "SAVEPER": 1},
            "factors": {"Duration": {"low": 2, "high": 10, "levels": 40}},
            "outputs": {"Recovered": "final", "Infectious": "mean"}}
    assert_resume_after_sigkill_equals_a_whole_sweep(data, 40, tmp_path, timeout=120)


def _indices(folder: Path, column: str = "value") -> pd.Series:
    table = pd.read_csv(folder / "analysis" / "indices.csv")
    return table[table["subset"] == "all"].set_index(["output", "factor", "index"])[column]


def test_sobol_indices_through_hlssim_analyze_recover_a_known_answer(tmp_path, capsys):
    """Teacup: the room's temperature reported at the end is the factor itself (S1 = ST = 1 for it,
    0 for the cooling time); the tea's final temperature depends on both."""
    spec = tmp_path / "teacup.toml"
    spec.write_text(f'model = "{TEACUP}"\nsampler = "sobol"\nsamples = 64\n'
                    '[base]\nSAVEPER = 1\n'
                    '[factors]\n"Characteristic Time" = {low = 5, high = 15}\n'
                    '"Room Temperature" = {low = 50, high = 90}\n'
                    '[outputs]\n"Room Temperature" = "final"\n"Teacup Temperature" = "final"\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 0
    assert "teacup.xmile: batched numpy path (hlssim.stockflow.abstract_batch), checked against PySD" \
        in capsys.readouterr().err  # an XMILE model on the batched path
    assert main(["analyze", str(out)]) == 0
    idx = _indices(out)
    room, tau = "Room Temperature", "Characteristic Time"
    # a factor the output ignores: exactly zero (its A and AB columns give identical outputs)
    np.testing.assert_allclose([idx[(f"{room}:final", tau, i)] for i in ("S1", "ST")], [0, 0], atol=1e-12)
    # the factor that is the output: 1, up to the Saltelli estimator's error at N = 64
    conf = _indices(out, "conf")
    for i in ("S1", "ST"):
        assert abs(idx[(f"{room}:final", room, i)] - 1) <= max(conf[(f"{room}:final", room, i)], 0.05)
    tea = "Teacup Temperature:final"
    assert idx[(tea, tau, "ST")] > 0.05 and idx[(tea, room, "ST")] > 0.5  # both matter, the room more


def test_the_sir_example_sweeps_and_analyses(tmp_path, capsys):
    """docs/examples/sir_sensitivity.toml, smoke size: sweep on two local Dask workers, analyse."""
    example = ROOT / "docs" / "examples" / "sir_sensitivity.toml"
    out = tmp_path / "sir"
    assert main(["sweep", str(example), "--out", str(out), "--smoke", "--workers", "2"]) == 0
    assert "SIR.mdl: batched numpy path (hlssim.stockflow.abstract_batch), checked against PySD" in capsys.readouterr().err
    assert read_manifest(out)["status"] == "complete"
    assert main(["analyze", str(out)]) == 0
    idx = _indices(out)
    assert {f for (_, f, _) in idx.index} == {"Contact Infectivity", "Duration"}
    assert {o for (o, _, _) in idx.index} == {"Recovered:final", "Infectious:mean", "Infectious:final"}
    assert main(["report", str(out)]) == 0
    report = (out / "report" / "report.md").read_text()
    assert "Recovered, at the final saved time." in report and "month" not in report
    assert "hlssim run --model MODEL" in report and "--seed" not in report
