"""`hlssim inspect` and `hlssim run --model`: tables, names, and one-line errors with exit 2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hlssim.ui.cli import main
from hlssim.stockflow.user_model import ExternalModel, open_model

MODELS = Path(__file__).parent / "sd_test_models"
TEACUP = MODELS / "teacup" / "teacup.mdl"
SIR_XMILE = MODELS / "SIR" / "SIR.xmile"


def test_inspect_lists_constants_and_stocks_with_units_ranges_and_docs(capsys):
    assert main(["inspect", str(TEACUP)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    row = next(ln for ln in lines if ln.strip().startswith("Characteristic Time"))
    assert "10" in row and "Minutes" in row and "[0, ]" in row and "How long will it take" in row
    stock = next(ln for ln in lines if ln.strip().startswith("Teacup Temperature"))
    assert "[32, 212]" in stock and "Degrees Fahrenheit" in stock
    assert "FINAL TIME 30" in text and "Heat Loss to Room" not in text  # an auxiliary: --all only
    assert main(["inspect", "--all", str(TEACUP)]) == 0
    assert "Heat Loss to Room" in capsys.readouterr().out


def test_inspect_json(capsys):
    assert main(["inspect", "--json", str(SIR_XMILE)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sweeps"] == "batched numpy path (hlssim.stockflow.abstract_batch), checked against PySD"
    by_name = {v["name"]: v for v in data["variables"]}
    assert (by_name["duration"]["kind"], by_name["duration"]["units"], by_name["duration"]["value"]) \
        == ("constant", "days", 5.0)
    assert {n for n, v in by_name.items() if v["kind"] == "stock"} == {"infectious", "recovered", "susceptible"}


@pytest.mark.parametrize("name", ["Characteristic Time", "characteristic_time", "CHARACTERISTIC  time"])
def test_run_sets_a_constant_by_any_spelling_of_its_name(name, tmp_path):
    out = tmp_path / "run.parquet"
    assert main(["run", "--model", str(TEACUP), "--set", f"{name}=20", "--out", str(out)]) == 0
    table = pd.read_parquet(out)
    assert list(table.columns) == ["step", "time", "Characteristic Time", "Heat Loss to Room",
                                   "Room Temperature", "Teacup Temperature"]
    assert (table["Characteristic Time"] == 20).all() and table["step"].tolist() == list(range(241))
    # Euler with dt = 1/8: T(t+dt) = T(t) - dt (T(t) - 70) / 20, exactly as Vensim integrates
    t = table["Teacup Temperature"].to_numpy()
    np.testing.assert_allclose(t[1:], t[:-1] - 0.125 * (t[:-1] - 70) / 20, rtol=1e-12)


def test_final_time_and_saveper(tmp_path):
    out = tmp_path / "run.csv"
    assert main(["run", "--model", str(TEACUP), "--final-time", "5", "--set", "SAVEPER=1",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table["time"].tolist() == [0, 1, 2, 3, 4, 5]
    whole = ExternalModel(TEACUP).run()
    np.testing.assert_array_equal(table["Teacup Temperature"],
                                  whole.set_index("time").loc[[0, 1, 2, 3, 4, 5], "Teacup Temperature"])


def test_runs_do_not_leak_changed_values_into_later_runs():
    model = open_model(TEACUP)
    first = model.run()
    model.run({"Characteristic Time": 3, "FINAL TIME": 4})
    pd.testing.assert_frame_equal(model.run(), first)


BAD = [
    (["--set", "Charcteristic Time=20"], "no constant named 'Charcteristic Time'; did you mean 'Characteristic Time'?"),
    (["--set", "Characteristic Time=warm"], "'warm' is not allowed; expected a finite number"),
    (["--set", "Characteristic Time=nan"], "is not allowed; expected a finite number"),
    (["--set", "Heat Loss to Room=3"], "'Heat Loss to Room' is an auxiliary (computed by the model), not a constant"),
    (["--set", "TIME STEP=0"], "expected a positive TIME STEP"),
    (["--set", "Characteristic Time"], "expected NAME=VALUE"),
    (["--steps", "3"], "--steps: not with --model"),
]


@pytest.mark.parametrize("args,message", BAD)
def test_bad_input_is_one_line_exit_2_and_no_file(args, message, tmp_path, capsys):
    out = tmp_path / "run.csv"
    assert main(["run", "--model", str(TEACUP), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert str(TEACUP) in err or args[0] == "--steps" or "NAME=VALUE" in message  # names the file
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name,text,message", [
    ("garbage.mdl", "this is not a model\n", "PySD cannot translate it"),
    ("empty.mdl", "", "PySD cannot translate it"),
    ("broken.xmile", "<xmile><model", "PySD cannot translate it"),
    ("unknown.mdl", TEACUP.read_text(encoding="utf-8").replace(
        "(Teacup Temperature - Room Temperature) / Characteristic Time", "FOOBAR(Teacup Temperature)"),
     "uses FOOBAR, which PySD does not implement"),
    ("table.csv", "a,b\n", "expected a Vensim (.mdl) or XMILE"),
])
def test_bad_model_files_are_one_line(name, text, message, tmp_path, capsys):
    model = _write(tmp_path / name, text)
    out = tmp_path / "run.csv"
    assert main(["run", "--model", str(model), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(model) in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing translated beside the model
    assert main(["inspect", str(model)]) == 2


def test_missing_model_file(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "nope.mdl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_translation_never_writes_beside_the_model(tmp_path):
    copy = tmp_path / "teacup.mdl"
    copy.write_bytes(TEACUP.read_bytes())
    ExternalModel(copy).run()
    assert [p.name for p in tmp_path.iterdir()] == ["teacup.mdl"]


def test_processes_translating_at_once_share_one_cache_entry(tmp_path):
    """Four processes translate the same new model into an empty cache at the same moment."""
    model = tmp_path / "sir.mdl"
    model.write_bytes((MODELS / "SIR" / "SIR.mdl").read_bytes())
    code = ("import sys; from hlssim.stockflow.user_model import ExternalModel; "
            "t = ExternalModel(sys.argv[1]).run(); print(t['Infectious'].iloc[-1])")
    env = os.environ | {"HLSSIM_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(model)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1][-300:] for r in results]
    assert len({r[0] for r in results}) == 1
    entries = list((tmp_path / "cache" / "models").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")  # no half-made folders left


def test_the_guide_shows_what_inspect_prints(capsys):
    """docs/bring_your_own_model.md quotes `hlssim inspect` on the teacup: it must stay true."""
    guide = (Path(__file__).parent.parent / "docs" / "bring_your_own_model.md").read_text(encoding="utf-8")
    quoted = guide.split("```text\n", 1)[1].split("```", 1)[0].rstrip().splitlines()
    assert main(["inspect", str(TEACUP)]) == 0
    printed = capsys.readouterr().out.rstrip().splitlines()
    assert printed[0].endswith(quoted[0]) and [ln.rstrip() for ln in printed[1:]] == [ln.rstrip() for ln in quoted[1:]]


@pytest.mark.parametrize("case", ["suite/delay_pipeline/test_pipeline_delays.mdl",  # DELAY FIXED
                                  "suite/macro_stock/test_macro_stock.mdl",
                                  "suite/subscript_2d_arrays/test_subscript_2d_arrays.mdl"])
def test_inspect_and_sweep_give_the_same_one_reason_for_declining(case, tmp_path, capsys):
    """The batched path's one reason for declining a model, as `hlssim inspect` prints it and as
    `hlssim sweep` prints it when it starts, is the same text."""
    model = Path(__file__).parent / "sd_test_models" / case
    assert main(["inspect", str(model)]) == 0
    inspected = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("sweeps run it by: "))
    reason = inspected.split("(batched path declined: ", 1)[1].split("); about", 1)[0]
    # and how much slower the PySD path is: one run timed, set beside the batched path's cost
    assert re.search(r"\); about \d+ ms a run \(one run timed here; 1000 runs ~\d+ s on one worker\), "
                     r"~\d+x the batched path's ~[\d.]+ ms a run$", inspected), inspected
    stock = next(v.name for v in open_model(model).variables(["stock", "auxiliary"]) if not v.is_array)
    spec = tmp_path / "s.toml"
    spec.write_text(f'model = "{model}"\n[outputs]\n"{stock}" = "final"\n', encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "0"]) == 0
    swept = next(ln for ln in capsys.readouterr().err.splitlines() if "batched path declined" in ln)
    assert f"(batched path declined: {reason}); about" in swept and "\n" not in reason


@pytest.mark.parametrize("flag", [[], ["--json"]])
def test_inspect_into_a_closed_pipe_stops_quietly(flag):
    """``hlssim inspect MODEL | head``: the reader is gone before the listing is written; hlssim
    stops without a traceback, as a tool stopped by SIGPIPE (141)."""
    proc = subprocess.Popen([sys.executable, "-m", "hlssim.ui.cli", "inspect", *flag, str(TEACUP)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
