"""Stored runs are reused only when the same model made them (hlssim/experiments/fingerprint.py, store.py).

The fingerprint covers the model's code and its preset and case files; ``check`` and ``sweep``
run everything again, saying so in one line on stderr, when a folder's runs were made by another
model; ``analyze``/``report`` only warn. A model change is simulated in two ways: by editing the
fingerprint a folder's manifest records, and by patching the fingerprint the store computes.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import hlssim.experiments.store as store
from hlssim.experiments import fingerprint as F
from hlssim.ui.cli import main
from hlssim.experiments import load_spec, sweep
from hlssim.experiments.store import ResultStore, read_manifest, read_results, read_trajectories
from hlssim.experiments.sweepdata import load_sweep
from hlssim.experiments.fingerprint import model_fingerprint
from hlssim.model.metrics import METRICS
from hlssim.model.scenario import models_dir
from hlssim.ui.sweep_browser import saved_analysis

HIGH = next(m.high for m in METRICS if m.name == "wellbeing_mean")  # its declared upper bound

#: A small experiment whose one expectation holds for any run of any model (wellbeing within
#: its declared range) and fails on the out-of-range values planted in "another model's" runs.
SPEC = f"""
name = "fingerprinted"
replications = 2
root_seed = 11

[base]
n_people = 40
n_workers = 4
n_providers = 2
steps = 6

[factors]
preset = ["npm_targets", "hls"]
complexity = [0.2, 0.8]

[outputs]
wellbeing_mean = ["final", "trajectory"]

[[expect]]
name = "wellbeing within its declared range"
kind = "value"
output = "wellbeing_mean:final"
below = {HIGH + 1}
"""

PLANTED = HIGH + 100  # what the "other model" stored: far outside the declared range
OTHER = "0123456789abcdef"  # a fingerprint no real model has here


@pytest.fixture
def spec_path(tmp_path) -> Path:
    path = tmp_path / "fingerprinted.toml"
    path.write_text(textwrap.dedent(SPEC))
    return path


def plant_other_models_runs(out: Path, recorded: str | None) -> None:
    """Make ``out`` look made by another model: its stored values changed (same part files) and
    its manifest recording ``recorded`` as the fingerprint (None: recording none, as before)."""
    for folder in (out / "results", out / "trajectories"):
        for part in folder.glob("part-*.parquet"):
            table = pd.read_parquet(part)
            table["value"] = PLANTED
            table.to_parquet(part, index=False)
    manifest = read_manifest(out)
    manifest.pop("model_fingerprint")
    if recorded is not None:
        manifest["model_fingerprint"] = recorded
    (out / "manifest.json").write_text(json.dumps(manifest))


def stale_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "different model" in line]


def part_names(out: Path) -> dict[str, list[str]]:
    """Every file in the part folders, hidden ones too (nothing half-written may remain)."""
    return {f: sorted(p.name for p in (out / f).iterdir()) for f in ("results", "trajectories")}


# --- the fingerprint ------------------------------------------------------------------------------

def copy_model(root: Path, monkeypatch) -> tuple[Path, Path]:
    """Point the fingerprint at a copy of the covered files under ``root``: (package, models)."""
    package, models = root / "hlssim", root / "models"
    for name in F.SOURCES:
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(F.PACKAGE / name, package / name)
    for folder in F.DATA_FOLDERS:
        shutil.copytree(models_dir() / folder, models / folder)
    monkeypatch.setattr(F, "PACKAGE", package)
    monkeypatch.setenv("HLSSIM_MODELS_DIR", str(models))
    model_fingerprint.cache_clear()
    return package, models


def fresh_fingerprint() -> str:
    model_fingerprint.cache_clear()
    return model_fingerprint()


def test_fingerprint_is_stable_and_does_not_depend_on_where_the_files_are(tmp_path, monkeypatch):
    copy_model(tmp_path / "a", monkeypatch)
    first = model_fingerprint()
    assert len(first) == 16 and int(first, 16) >= 0
    assert model_fingerprint() == first == fresh_fingerprint()
    copy_model(tmp_path / "b", monkeypatch)
    assert fresh_fingerprint() == first


def test_any_change_to_a_covered_file_changes_the_fingerprint(tmp_path, monkeypatch):
    package, models = copy_model(tmp_path, monkeypatch)
    base = model_fingerprint()
    covered = [package / n for n in F.SOURCES] + [p for f in F.DATA_FOLDERS
                                                  for p in sorted((models / f).rglob("*.toml"))]
    assert any(p.parent.name == "presets" for p in covered)
    assert any(p.parent.name == "cases" for p in covered)
    for path in covered:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# an edit\n")
        assert fresh_fingerprint() != base, path
        path.write_bytes(original)
        assert fresh_fingerprint() == base, path
    (models / "presets" / "new_preset.toml").write_text("complexity = 0.5\n")
    assert fresh_fingerprint() != base  # a new preset is a change too
    (models / "presets" / "new_preset.toml").unlink()
    assert fresh_fingerprint() == base
    (package / "README.txt").write_text("not model code")  # not covered: no change
    (models / "presets" / ".hls.toml.swp").write_text("an editor's swap file")
    assert fresh_fingerprint() == base
    model_fingerprint.cache_clear()


def test_every_module_a_stored_run_imports_is_classified():
    """Each hlssim module the runner and design import (transitively) is either fingerprinted
    or listed as unable to change stored values, so a new module cannot slip past."""
    package = F.PACKAGE

    def path_of(module: str) -> Path | None:
        base = package.joinpath(*module.split(".")[1:])
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path
        return None

    seen, todo = set(), ["hlssim.experiments.runner", "hlssim.experiments.design"]
    while todo:
        module = todo.pop()
        path = path_of(module)
        if module in seen or path is None:
            continue
        seen.add(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hlssim"):
                todo += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.startswith("hlssim")]
    imported = {path_of(m).relative_to(package).as_posix() for m in seen}
    assert {"model/rules.py", "engines/batch/kernels.py", "engines/batch/model.py",
            "engines/mesa/model.py", "model/parameters.py"} <= imported
    assert imported <= set(F.SOURCES) | set(F.NOT_RESULTS), imported - set(F.SOURCES)


def test_the_fingerprint_is_cheap_it_does_not_import_numba():
    code = ("import sys; from hlssim.experiments.fingerprint import model_fingerprint as f; f(); "
            "print('numba' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert proc.stdout.strip() == "False"


# --- check and sweep ------------------------------------------------------------------------------

@pytest.mark.parametrize("recorded", [OTHER, None], ids=["other-fingerprint", "none-recorded"])
def test_check_reuses_its_runs_until_the_model_changes(tmp_path, capsys, spec_path, recorded):
    root = tmp_path / "runs"
    out = root / "fingerprinted"
    argv = ["check", str(spec_path), "--out", str(root), "--quiet"]
    n_runs = load_spec(spec_path).n_runs()
    assert main(argv) == 0
    fresh, fresh_paths, fresh_files = read_results(out), read_trajectories(out), part_names(out)
    assert read_manifest(out)["model_fingerprint"] == model_fingerprint()

    capsys.readouterr()
    assert main(argv) == 0  # the same model: its runs are reused
    assert not stale_lines(capsys.readouterr().err)
    session = read_manifest(out)["sessions"][-1]
    assert {k: session[k] for k in ("executor", "runs_resumed", "runs_run")} == {
        "executor": "serial", "runs_resumed": n_runs, "runs_run": 0}

    plant_other_models_runs(out, model_fingerprint())  # stored runs are believed when the
    assert main(argv) == 1                              # model is the same: the planted fail
    capsys.readouterr()

    plant_other_models_runs(out, recorded)  # now they are another model's: all run again
    assert main(argv) == 0
    lines = stale_lines(capsys.readouterr().err)
    was = f"fingerprint {recorded}" if recorded else "no fingerprint recorded"
    assert lines == [f"hlssim: --out '{out}': stored runs were made by a different model "
                     f"({was}, now {model_fingerprint()}); running them again"]
    pd.testing.assert_frame_equal(read_results(out), fresh, check_exact=True)
    pd.testing.assert_frame_equal(read_trajectories(out), fresh_paths, check_exact=True)
    assert part_names(out) == fresh_files
    manifest = read_manifest(out)
    assert manifest["model_fingerprint"] == model_fingerprint()
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 1
    assert manifest["sessions"][0]["runs_resumed"] == 0
    assert manifest["sessions"][0]["runs_run"] == n_runs


def test_sweep_refuses_runs_of_another_model_unless_restarted(tmp_path, capsys, spec_path,
                                                              monkeypatch):
    """``hlssim sweep`` never mixes: a folder another model made is refused in one line (exit 2,
    nothing touched) and ``--restart`` runs everything again."""
    out = tmp_path / "out"
    argv = ["sweep", str(spec_path), "--out", str(out), "--workers", "0"]
    n_runs = load_spec(spec_path).n_runs()
    assert main(argv) == 0
    fresh, fresh_paths, fresh_files = read_results(out), read_trajectories(out), part_names(out)
    before = model_fingerprint()
    capsys.readouterr()
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"resumed: {n_runs} runs were already stored" in err and not stale_lines(err)

    plant_other_models_runs(out, before)
    changed = "feedfacefeedface"  # the rules changed since the runs were stored
    monkeypatch.setattr(store, "model_fingerprint", lambda: changed)
    monkeypatch.setattr("hlssim.experiments.provenance.model_fingerprint", lambda: changed)
    manifest_text = (out / "manifest.json").read_text()
    files = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"hlssim: error: --out '{out}': stored runs were made by a different model (fingerprint "
        f"{before}, now {changed}); expected the same model and presets to resume, or --restart "
        "to run them all again"]
    assert (out / "manifest.json").read_text() == manifest_text
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == files

    assert main(argv + ["--restart"]) == 0
    err = capsys.readouterr().err
    assert stale_lines(err) == []
    assert f"hlssim: --out '{out}': starting afresh (--restart); running them again" in err
    assert "resumed:" not in err
    pd.testing.assert_frame_equal(read_results(out), fresh, check_exact=True)
    pd.testing.assert_frame_equal(read_trajectories(out), fresh_paths, check_exact=True)
    assert part_names(out) == fresh_files
    assert read_manifest(out)["model_fingerprint"] == changed

    assert main(argv) == 0  # made by this model now: resumed again, nothing rerun
    err = capsys.readouterr().err
    assert f"resumed: {n_runs} runs were already stored" in err and not stale_lines(err)


def test_a_sweep_killed_while_clearing_stale_runs_leaves_nothing_to_trust(tmp_path, spec_path,
                                                                          monkeypatch):
    spec = load_spec(spec_path)
    out = tmp_path / "out"
    sweep(spec, out)
    fresh = read_results(out)
    plant_other_models_runs(out, OTHER)

    def killed(self):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(ResultStore, "_write_manifest", killed)  # killed before the new manifest
        with pytest.raises(KeyboardInterrupt):
            sweep(spec, out)
    assert part_names(out) == {"results": [], "trajectories": []}
    assert read_manifest(out)["model_fingerprint"] == OTHER  # still marked as another model's
    manifest = sweep(spec, out)
    assert manifest["status"] == "complete" and manifest["model_fingerprint"] == model_fingerprint()
    pd.testing.assert_frame_equal(read_results(out), fresh, check_exact=True)


# --- reading: analyze, report ---------------------------------------------------------------------

def test_reading_another_models_runs_warns_once_and_changes_nothing(tmp_path, capsys, spec_path):
    out = tmp_path / "out"
    sweep(load_spec(spec_path), out)
    assert main(["analyze", str(out)]) == 0
    assert not stale_lines(capsys.readouterr().err)
    assert saved_analysis(load_sweep(out)) is not None  # current: the analysis is reused

    manifest = read_manifest(out) | {"model_fingerprint": OTHER}
    (out / "manifest.json").write_text(json.dumps(manifest))
    files = {p: p.stat().st_mtime_ns for p in out.rglob("part-*.parquet")}
    capsys.readouterr()
    assert main(["report", str(out), "--out", str(tmp_path / "report")]) == 0
    assert stale_lines(capsys.readouterr().err) == [
        f"hlssim: warning: '{out}': stored runs were made by a different model (fingerprint "
        f"{OTHER}, now {model_fingerprint()}); run its 'hlssim sweep' (or 'check') again to "
        "remake them"]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("part-*.parquet")} == files
    assert read_manifest(out)["model_fingerprint"] == OTHER  # reading never reruns anything
    # the saved analysis was made before the change: redone by the report, for these runs
    saved = json.loads((out / "analysis" / "analysis.json").read_text())
    assert saved["model_fingerprint"] == OTHER

    other = tmp_path / "copy"  # its manifest back to this model: that analysis is stale for it
    shutil.copytree(out, other)
    (other / "manifest.json").write_text(json.dumps(manifest | {"model_fingerprint":
                                                                model_fingerprint()}))
    assert saved_analysis(load_sweep(other)) is None
    assert not stale_lines(capsys.readouterr().err)
