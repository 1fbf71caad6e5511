"""The command line: outputs, and bad input handled with one line, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from hlssim.ui.cli import main

SMALL = ["--set", "n_people=40", "--set", "n_workers=4", "--set", "n_providers=2"]


def test_run_writes_parquet_and_csv(tmp_path, capsys):
    for name in ("run.parquet", "run.csv"):
        out = tmp_path / name
        assert main(["run", "--preset", "hls", "--steps", "6", "--seed", "7", "--out", str(out), *SMALL]) == 0
        table = pd.read_parquet(out) if name.endswith("parquet") else pd.read_csv(out)
        assert len(table) == 6 and "wellbeing_mean" in table
    a = pd.read_parquet(tmp_path / "run.parquet")
    b = pd.read_csv(tmp_path / "run.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    assert "wrote 6 steps" in capsys.readouterr().out


def test_run_scenario_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('preset = "npm_pbr"\ncomplexity = 0.9\nn_people = 40\nn_workers = 4\nn_providers = 2\n')
    out = tmp_path / "r.csv"
    assert main(["run", "--scenario", str(path), "--steps", "3", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 3


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "--preset", "nope"], "preset 'nope': unknown"),
        (["run", "--set", "complexity=1.2"], "parameter 'complexity': 1.2 is not allowed"),
        (["run", "--set", "n_people=-5"], "parameter 'n_people'"),
        (["run", "--set", "wobble=1"], "parameter 'wobble': unknown"),
        (["run", "--set", "complexity"], "expected key=value"),
        (["run", "--steps", "0"], "parameter 'steps': 0 is not allowed"),
        (["compare", "--presets", "hls,nope", "--reps", "2"], "preset 'nope': unknown"),
        (["compare", "--reps", "1"], "--reps 1"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys, args, words):
    out = tmp_path / ("out.csv" if args[0] == "run" else "outdir")
    code = main([*args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_output_type(tmp_path, capsys):
    assert main(["run", "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "unsupported file type '.xlsx'" in capsys.readouterr().err


def test_malformed_scenario_file(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("complexity = [")
    assert main(["run", "--scenario", str(path), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "malformed TOML" in err and err.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()


def test_argparse_errors_exit_2_one_line():
    proc = subprocess.run([sys.executable, "-m", "hlssim.ui.cli", "run", "--bogus", "--out", "x.csv"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "unrecognized arguments" in proc.stderr


def test_a_closed_pipe_stops_quietly():
    """``hlssim params | head -1``: the reader goes away; hlssim stops without a traceback and
    exits as a tool stopped by SIGPIPE would (141)."""
    proc = subprocess.Popen([sys.executable, "-m", "hlssim.ui.cli", "params"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before hlssim has written anything: its first line meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_compare_writes_figures_and_summary(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", "--presets", "npm_targets,hls", "--complexity", "0.8", "--reps", "3",
                 "--steps", "12", *SMALL, "--out", str(out)])
    assert code == 0
    for name in ("trajectories.parquet", "finals.csv", "summary.csv", "summary.md",
                 "trajectories.png", "summary.png"):
        assert (out / name).stat().st_size > 0, name
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["regime"]) == {"npm_targets", "hls"}
    assert {"mean", "ci_low", "ci_high", "n"} <= set(summary.columns)
    assert (summary["ci_low"].dropna() <= summary["mean"][summary["ci_low"].notna()] + 1e-12).all()
    # no zero-width interval: a metric the same in every run (HLS's gaming share: no pressure,
    # no gaming) is marked so and given no interval
    assert not ((summary["ci_low"] == summary["ci_high"])).any()
    gaming = summary[(summary["metric"] == "gaming_share") & (summary["regime"] == "hls")]
    assert len(gaming) == 1 and gaming["fixed"].all() and gaming["ci_low"].isna().all()
    assert not summary[summary["metric"] == "wellbeing_mean"]["fixed"].any()
    printed = capsys.readouterr().out
    assert "wellbeing_mean" in printed and "hls minus npm_targets" in printed
    assert "(same in every run)" in printed
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_params_presets_metrics_commands(capsys):
    assert main(["params"]) == 0
    assert "complexity = 0.5" in capsys.readouterr().out
    assert main(["presets"]) == 0
    assert "npm_targets:" in capsys.readouterr().out
    assert main(["metrics"]) == 0
    assert "goodhart_gap" in capsys.readouterr().out


def test_console_script_installed():
    from pathlib import Path

    script = Path(sys.executable).parent / "hlssim"
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("hlssim ")


@pytest.mark.parametrize("cached, engine, said", [(False, "batch", True), (True, "batch", False),
                                                  (False, "mesa", False)])
def test_first_compile_is_announced_on_stderr(tmp_path, capsys, monkeypatch, cached, engine, said):
    """A run that must first compile the batch engine (half a minute, once) says so on stderr,
    so a quiet terminal is not taken for a hang; a cached engine, or the Mesa engine, says
    nothing of it. (The kernels' cache state is what numba's index says: faked here.)"""
    import hlssim.engines.batch.kernels

    monkeypatch.setattr(hlssim.engines.batch.kernels, "compiled_on_disk", lambda: cached)
    out = tmp_path / "run.csv"
    assert main(["run", "--preset", "hls", "--steps", "2", "--engine", engine, "--out", str(out),
                 *SMALL]) == 0
    assert ("compiling the batch engine" in capsys.readouterr().err) is said


def test_a_sweep_of_a_users_model_does_not_announce_compiling_the_batch_engine(tmp_path, capsys, monkeypatch):
    """A spec with ``model = ...`` runs the user's model through PySD or the numpy batched path,
    never hlssim's numba engine: it says nothing of compiling one (it said so on every sweep)."""
    from pathlib import Path

    import hlssim.engines.batch.kernels

    monkeypatch.setattr(hlssim.engines.batch.kernels, "compiled_on_disk", lambda: False)
    teacup = Path(__file__).parent / "sd_test_models" / "teacup" / "teacup.mdl"
    spec = tmp_path / "s.toml"
    spec.write_text(f'model = "{teacup.as_posix()}"\n[factors]\n"Room Temperature" = [60]\n',
                    encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "0"]) == 0
    assert "compiling the batch engine" not in capsys.readouterr().err


def test_compiled_on_disk_reads_numbas_index():
    """After a batch run the compiled months are on disk and fresh (numba's own index says so)."""
    import hlssim
    from hlssim.engines.batch.kernels import compiled_on_disk

    hlssim.run(hlssim.Scenario.from_preset("hls", steps=2, n_people=20, n_workers=4), seed=1)
    assert compiled_on_disk() is True


def test_python_dash_m_hlssim_is_the_command(tmp_path):
    """``python -m hlssim`` runs the CLI: its usage, its output, and its one-line errors."""
    usage = subprocess.run([sys.executable, "-m", "hlssim", "--help"], capture_output=True,
                           text=True, timeout=120, check=False)
    assert usage.returncode == 0 and usage.stdout.startswith("usage: hlssim")
    out = tmp_path / "run.csv"
    done = subprocess.run([sys.executable, "-m", "hlssim", "run", "--preset", "hls", "--steps", "3",
                           "--out", str(out), *SMALL], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out)) == 3
    bad = subprocess.run([sys.executable, "-m", "hlssim", "run", "--preset", "nope"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "Traceback" not in bad.stderr
