"""A user's own model beyond plain constants: data files read beside the model, subscripted
constants set whole or by element, random functions seeded from hlssim's seed, INITIAL TIME, and
sweeps with replications and trajectories."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hlssim.errors import HlssimError
from hlssim.experiments import parse_spec
from hlssim.experiments.sweep import read_results, sweep
from hlssim.stockflow.user_model import ExternalModel, open_model
from hlssim.ui.cli import main

MODELS = Path(__file__).parent / "sd_test_models"
SUITE = MODELS / "suite"
XLS = SUITE / "get_lookups_subscripted_args"
SMOOTH = SUITE / "subscripted_smooth" / "test_subscripted_smooth.mdl"
NOISY = MODELS / "noisy" / "noisy_teacup.mdl"
TEACUP = MODELS / "teacup" / "teacup.mdl"


def copy_model(folder: Path, tmp: Path) -> Path:
    dest = tmp / folder.name
    shutil.copytree(folder, dest)
    return dest


# --- data files -----------------------------------------------------------------------------------

def test_a_model_reading_an_excel_file_runs_and_matches_its_canonical_output(tmp_path, monkeypatch):
    import sd_conformance

    monkeypatch.setenv("HLSSIM_CACHE", str(tmp_path / "cache"))
    model = copy_model(XLS, tmp_path) / "test_get_lookups_subscripted_args.mdl"
    assert sd_conformance.hlssim_run(model) is None


def test_a_missing_data_file_is_named_by_the_users_path(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HLSSIM_CACHE", str(tmp_path / "cache"))
    folder = copy_model(XLS, tmp_path)
    (folder / "input.xls").unlink()
    out = tmp_path / "run.csv"
    assert main(["run", "--model", str(folder / "test_get_lookups_subscripted_args.mdl"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"'{folder / 'input.xls'}' does not exist" in err, err
    assert "hlssim-models" not in err and str(tmp_path / "cache") not in err
    assert not out.exists()


def test_the_cache_is_keyed_by_the_data_files_content(tmp_path, monkeypatch):
    monkeypatch.setenv("HLSSIM_CACHE", str(tmp_path / "cache"))
    folder = copy_model(SUITE / "get_constants_subranges", tmp_path)
    model = folder / "test_get_constants_subranges.mdl"
    (data,) = ExternalModel(model).data_files
    first = ExternalModel(model)
    before = first.run()
    raw = data.path.read_bytes()
    import openpyxl

    book = openpyxl.load_workbook(data.path)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.value = cell.value * 2 + 1
    book.save(data.path)
    assert data.path.read_bytes() != raw
    second = ExternalModel(model)
    assert second.digest != first.digest and second._py_file != first._py_file
    after = second.run()
    cols = [c for c in before.columns if c not in ("step", "time")]
    assert not np.allclose(before[cols].to_numpy(), after[cols].to_numpy())


# --- subscripted constants ------------------------------------------------------------------------

def test_subscripted_constants_are_listed_and_set_by_element_or_whole(tmp_path, capsys):
    assert main(["inspect", str(SMOOTH)]) == 0
    text = capsys.readouterr().out
    assert "Initial value subscript[Lemon]" in text and "Initial value subscript[Citrus]" in text
    model = open_model(SMOOTH)
    assert model.settable("initial_value_subscript[ lemon ]").name == "Initial value subscript[Lemon]"
    base = model.run()
    one = model.run({"Initial value subscript[Lemon]": 3})
    whole = model.run({"Initial value subscript": 3})
    assert (one["Initial value subscript[Lemon]"] == 3).all()
    assert (one["Initial value subscript[Lime]"] == base["Initial value subscript[Lime]"]).all()
    for e in ("Lemon", "Lime", "Orange", "Clementine", "Grapefruit"):
        assert (whole[f"Initial value subscript[{e}]"] == 3).all()
    out = tmp_path / "run.csv"
    assert main(["run", "--model", str(SMOOTH), "--set", "Initial value subscript[Lemon]=3",
                 "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out), one, check_dtype=False)
    assert model.output("Smooth output[Macoun,Lemon]").element == ("Macoun", "Lemon")
    with pytest.raises(HlssimError, match="is an array; expected one of its elements"):
        model.output("Smooth output")


def test_the_array_row_inspect_lists_is_a_name_set_and_factors_accept(tmp_path, capsys):
    """`inspect` lists a subscripted constant's array as `Name[Range]` (Citrus here): written as
    listed, `--set` and a sweep factor set the whole array, as `Name` alone does."""
    model = open_model(SMOOTH)
    array = model.settable("Initial value subscript[Citrus]")
    assert array is model.settable("Initial value subscript") and array.is_array
    assert model.settable("initial_value_subscript[ citrus ]") is array
    out = tmp_path / "run.csv"
    assert main(["run", "--model", str(SMOOTH), "--set", "Initial value subscript[Citrus]=3",
                 "--final-time", "1", "--out", str(out)]) == 0
    whole = model.run({"Initial value subscript": 3, "FINAL TIME": 1})
    pd.testing.assert_frame_equal(pd.read_csv(out), whole, check_dtype=False)
    spec = parse_spec({"model": str(SMOOTH), "factors": {"Initial value subscript[Citrus]": [1, 2]},
                       "outputs": {"Smooth output[Macoun,Lemon]": "final"}})
    assert [f.name for f in spec.factors] == ["Initial value subscript"]


# --- seeds ----------------------------------------------------------------------------------------

def test_a_stochastic_model_follows_the_seed_and_leaves_numpys_generator_alone(tmp_path):
    model = open_model(NOISY)
    assert model.stochastic and not open_model(TEACUP).stochastic
    np.random.seed(12345)
    state = np.random.get_state(legacy=False)
    a, b, c = model.run(seed=3), model.run(seed=3), model.run(seed=4)
    after = np.random.get_state(legacy=False)
    assert after["state"]["key"].tolist() == state["state"]["key"].tolist()
    assert after["state"]["pos"] == state["state"]["pos"]
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["Teacup Temperature"], c["Teacup Temperature"])
    runs = []
    for seed in ("3", "3"):
        out = tmp_path / f"run{len(runs)}.csv"
        assert main(["run", "--model", str(NOISY), "--seed", seed, "--out", str(out)]) == 0
        runs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_inspect_says_whether_a_model_is_stochastic(capsys):
    """`hlssim inspect` (text and --json) says whether the model draws random numbers."""
    import json

    for path, line, flag in ((NOISY, "random functions: yes, stochastic", True),
                             (TEACUP, "random functions: none, deterministic", False)):
        assert main(["inspect", str(path)]) == 0
        assert line in capsys.readouterr().out.splitlines()[2], path
        assert main(["inspect", "--json", str(path)]) == 0
        assert json.loads(capsys.readouterr().out)["stochastic"] is flag


def test_initial_time_can_be_set(tmp_path):
    out = tmp_path / "run.csv"
    assert main(["run", "--model", str(TEACUP), "--set", "INITIAL TIME=5", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table["time"].iloc[0] == 5 and table["time"].iloc[-1] == 30
    assert table["Teacup Temperature"].iloc[0] == 180


# --- sweeps ---------------------------------------------------------------------------------------

def noisy_spec(**extra):
    data = {"model": str(NOISY), "replications": 3, "root_seed": 7,
            "factors": {"Characteristic Time": [10, 20]},
            "outputs": {"Teacup Temperature": ["final", "trajectory"]}} | extra
    return parse_spec(data)


def test_a_stochastic_sweep_has_differing_replicates_and_reruns_bit_identically(tmp_path):
    spec = noisy_spec()
    sweep(spec, tmp_path / "a")
    sweep(spec, tmp_path / "b")
    a, b = read_results(tmp_path / "a"), read_results(tmp_path / "b")
    pd.testing.assert_frame_equal(a, b)
    finals = a[a["output"] == "Teacup Temperature:final"]
    assert finals.groupby("point")["value"].nunique().tolist() == [3, 3]
    row = finals.iloc[0]
    direct = open_model(NOISY).run({"Characteristic Time": row["Characteristic Time"]}, seed=int(row["seed"]))
    assert row["value"] == direct["Teacup Temperature"].iloc[-1]
    paths = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "a" / "trajectories").glob("*.parquet")))
    one = paths[(paths["run_id"] == row["run_id"])].sort_values("step")
    np.testing.assert_array_equal(one["value"].to_numpy(), direct["Teacup Temperature"].to_numpy())


def test_replications_are_refused_for_a_deterministic_model_only():
    from hlssim.errors import SpecError

    with pytest.raises(SpecError, match="replications: 2 is not allowed with model 'teacup.mdl'; expected 1"):
        parse_spec({"model": str(TEACUP), "replications": 2, "factors": {"Room Temperature": [60, 70]}})
    assert noisy_spec().replications == 3


def test_a_sweep_sets_an_array_and_an_element_and_reports_elements(tmp_path):
    spec = parse_spec({"model": str(SMOOTH), "base": {"FINAL TIME": 2},
                       "factors": {"Initial value subscript": [1, 2], "Initial value subscript[Lemon]": [8]},
                       "outputs": {"Smooth output[Macoun,Lemon]": "final", "Smooth output[Macoun,Lime]": "final"}})
    sweep(spec, tmp_path / "s")
    rows = read_results(tmp_path / "s")
    model = open_model(SMOOTH)
    for point, whole in ((0, 1.0), (1, 2.0)):
        direct = model.run({"Initial value subscript": whole, "Initial value subscript[Lemon]": 8,
                            "FINAL TIME": 2})
        got = rows[rows["point"] == point].set_index("output")["value"]
        assert got["Smooth output[Macoun,Lemon]:final"] == direct["Smooth output[Macoun,Lemon]"].iloc[-1]
        assert got["Smooth output[Macoun,Lime]:final"] == direct["Smooth output[Macoun,Lime]"].iloc[-1]


def test_the_report_draws_trajectory_envelopes(tmp_path):
    """Time-series outputs of a user's model are plotted as envelopes in the report: a figure per
    trajectory output (a band per design point over its replications); no section without them."""
    from hlssim.experiments.analysis.report import report

    sweep(noisy_spec(), tmp_path / "s")
    text = report(tmp_path / "s").read_text()
    assert "## Trajectories" in text and "Teacup Temperature over time" in text
    figure = tmp_path / "s" / "report" / "figures" / "Teacup-Temperature-trajectory.png"
    assert figure.stat().st_size > 0
    sweep(noisy_spec(outputs={"Teacup Temperature": "final"}), tmp_path / "f")
    assert "## Trajectories" not in report(tmp_path / "f").read_text()


def test_a_spec_of_trajectories_only_is_refused_in_one_line():
    """A run is marked done by its summary rows: a user-model spec that asks only for
    trajectories is refused before anything runs (it crashed in the store before)."""
    from hlssim.errors import SpecError

    with pytest.raises(SpecError, match="only trajectories; expected at least one"):
        noisy_spec(outputs={"Teacup Temperature": "trajectory"})


def test_a_sweep_sets_the_time_settings_from_its_base(tmp_path):
    """`[base]` sets INITIAL TIME, FINAL TIME, TIME STEP and SAVEPER: the stored trajectory is the
    run from t = 5 to 10 saved every 1 (6 times), on the batched path (teacup) as through PySD."""
    times = {"INITIAL TIME": 5, "FINAL TIME": 10, "TIME STEP": 0.5, "SAVEPER": 1}
    spec = parse_spec({"model": str(TEACUP), "base": times, "factors": {"Room Temperature": [60, 70]},
                       "outputs": {"Teacup Temperature": ["final", "trajectory"]}})
    sweep(spec, tmp_path / "s")
    paths = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "s" / "trajectories").glob("*.parquet")))
    for room in (60, 70):
        direct = open_model(TEACUP).run({**times, "Room Temperature": room})
        assert direct["time"].tolist() == [5, 6, 7, 8, 9, 10]
        one = paths[paths["Room Temperature"] == room].sort_values("step")
        assert one["step"].tolist() == [0, 1, 2, 3, 4, 5]
        np.testing.assert_array_equal(one["value"].to_numpy(), direct["Teacup Temperature"].to_numpy())
