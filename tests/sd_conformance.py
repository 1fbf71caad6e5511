"""The conformance check of a stock-flow model against its canonical output, as PySD's own
integration harness does it, for plain PySD and for hlssim alike.

PySD's harness (``tests/pytest_integration/`` in SDXorg/pysd) translates a model beside its files,
runs it with ``return_columns`` = the canonical file's columns (``pysd.tools.benchmarking.runner``)
and compares with ``assert_frames_close`` (``rtol = atol = 1e-5`` there). :func:`pysd_alone` does
exactly that (in a copy of the model's folder); :func:`hlssim_run` runs the same model through
``hlssim run --model`` (or any table-producing callable) and compares hlssim's table the same way,
every canonical column except the time settings (which hlssim's tables leave out), matched by
Vensim's name rule.

Run as a script, it measures every model of ``tests/sd_test_models/suite`` three ways (PySD
alone, ``hlssim run --model``, the model in a one-point sweep: :func:`hlssim_sweep`) and prints
the counts (``docs/bring_your_own_model.md`` quotes them)::

    .venv/bin/python tests/sd_conformance.py [--json OUT.json]
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).parent / "sd_test_models"
SUITE = ROOT / "suite"
MODEL_SUFFIXES = (".mdl", ".xmile", ".stmx", ".xml")
RTOL = ATOL = 1e-5  # PySD's integration harness
CONTROLS = {"initial time", "final time", "time step", "saveper", "time"}


def canonical_file(folder: Path) -> Path | None:
    for name in ("output.csv", "output.tab"):
        if (folder / name).is_file():
            return folder / name
    return None


def suite_models(root: Path = SUITE) -> list[Path]:
    """Every model file of the suite that has a canonical output beside it, sorted."""
    return sorted(p for p in root.glob("*/*") if p.suffix.lower() in MODEL_SUFFIXES
                  and canonical_file(p.parent) is not None)


def load_canonical(model: Path) -> pd.DataFrame:
    """The canonical output, read as PySD's harness reads it (``load_outputs``)."""
    from pysd.py_backend.utils import detect_encoding, load_outputs

    path = canonical_file(model.parent)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_outputs(path, encoding=detect_encoding(path))


def key(name: str) -> str:
    """Vensim's name rule (case, runs of spaces and underscores do not matter), also inside
    ``[a, b]``; written out here so the harness can check any hlssim, old or new."""
    name = re.sub(r"[\s_]+", " ", str(name)).strip().lower()
    return re.sub(r"\s*([\[\],])\s*", r"\1", name)


def compare(actual: pd.DataFrame, canon: pd.DataFrame) -> str | None:
    """None if ``actual`` (indexed by time, columns by any spelling) matches ``canon`` as PySD's
    harness requires, else why not (one line)."""
    from pysd.tools.benchmarking import assert_frames_close

    by_key = {key(c): c for c in actual.columns}
    wanted = [c for c in canon.columns if key(c) not in CONTROLS]
    missing = [c for c in wanted if key(c) not in by_key]
    if missing:
        return f"missing columns {missing[:3]}"
    times, canon_times = actual.index.to_numpy(dtype=float), canon.index.to_numpy(dtype=float)
    if len(times) != len(canon_times) or not np.allclose(times, canon_times, rtol=1e-5, atol=1e-9):
        return f"saved times differ: {len(times)} from {times[:1]}, canonical {len(canon_times)}"
    # the canonical file keeps 6 digits of the times too (92.21875 is written 92.2188): matched above
    mine = pd.DataFrame({c: actual[by_key[key(c)]].to_numpy(dtype=float) for c in wanted},
                        index=canon.index)
    expected = canon[wanted].astype(float)
    for c in wanted:  # Vensim writes a constant in the first row only: filled down, as PySD's
        col = expected[c].to_numpy()  # harness does (its own filler fails on one such column)
        if len(col) > 1 and np.isnan(col[1:]).all():
            expected[c] = col[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_frames_close(mine, expected, rtol=RTOL, atol=ATOL)
    except (AssertionError, ValueError, KeyError, TypeError) as err:
        return f"{type(err).__name__}: {' '.join(str(err).split())[:200]}"
    return None


def pysd_alone(model: Path) -> str | None:
    """PySD's own harness on ``model`` (in a copy of its folder): None if it matches, else why not."""
    from pysd.tools.benchmarking import assert_frames_close, runner

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shutil.copytree(model.parent, Path(tmp) / "m")
        try:
            out, canon = runner(str(Path(tmp) / "m" / model.name))
            assert_frames_close(out, canon, rtol=RTOL, atol=ATOL)
        except Exception as err:  # noqa: BLE001 - any failure is 'does not match'
            return f"{type(err).__name__}: {' '.join(str(err).split())[:200]}"
    return None


def hlssim_table(model: Path, tmp: Path) -> pd.DataFrame:
    """``hlssim run --model MODEL --out TABLE.csv`` and its table, indexed by time."""
    from hlssim.ui.cli import main

    out = tmp / "run.csv"
    code = main(["run", "--model", str(model), "--out", str(out)])
    if code != 0:
        raise RuntimeError(f"hlssim run exited {code}")
    table = pd.read_csv(out)
    return table.drop(columns=["step"]).set_index("time")


def hlssim_run(model: Path) -> str | None:
    """``hlssim run --model`` on ``model`` against its canonical output: None if it matches."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            table = hlssim_table(model, Path(tmp))
        except Exception as err:  # noqa: BLE001 - any failure is 'does not match'
            return f"{type(err).__name__}: {' '.join(str(err).split())[:200]}"
    return compare(table, load_canonical(model))


def sweep_spec(model: Path) -> dict:
    """A small sweep spec over ``model`` (one point: a constant at its own value) whose outputs are
    every canonical variable hlssim reports, as a ``trajectory`` (the first also ``final``: a chunk
    of trajectories alone is not stored). A model with no constant to vary gets no factors (a grid
    of one point: the model as it is)."""
    from hlssim.stockflow.user_model import CONTROL, open_model

    m = open_model(model)
    outputs: dict = {}
    for col in load_canonical(model).columns:
        try:
            outputs[m.output(col).name] = "trajectory"
        except Exception:  # noqa: BLE001 - the time settings (not outputs) and lookups
            if key(col) not in set(CONTROL) | {"time"} and m.resolve(col).kind != "lookup":
                raise
    first = next(iter(outputs))
    outputs[first] = ["final", "trajectory"]
    factor = next((v for v in m.variables(["constant"]) if v.value is not None), None)
    if factor is None:  # its inputs are all computed, data or lookups: a grid of no factors, one run
        return {"model": str(model), "outputs": outputs}
    return {"model": str(model), "factors": {factor.name: [factor.value]}, "outputs": outputs}


def sweep_table(model: Path, out: Path) -> pd.DataFrame:
    """The model in a one-point sweep (serial, here) and its stored trajectories as a table
    indexed by the saved time, one column per output."""
    from hlssim.experiments import parse_spec
    from hlssim.experiments.store import read_trajectories
    from hlssim.experiments.sweep import sweep
    from hlssim.stockflow.user_model import open_model

    spec = parse_spec(sweep_spec(model))
    sweep(spec, out)
    paths = read_trajectories(out)
    table = paths.pivot(index="step", columns="output", values="value")
    table.columns = [c.removesuffix(":trajectory") for c in table.columns]
    times = open_model(model).run()["time"].to_numpy()  # a step's time (SAVEPER may vary in time)
    table.index = times[table.index.to_numpy()]
    return table


def hlssim_sweep(model: Path) -> str | None:
    """The model in a one-point sweep (:func:`sweep_table`) against its canonical output: None if
    it matches."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            table = sweep_table(model, Path(tmp) / "s")
        except Exception as err:  # noqa: BLE001 - any failure is 'does not match'
            return f"{type(err).__name__}: {' '.join(str(err).split())[:200]}"
    return compare(table, load_canonical(model))


def main(argv: list[str]) -> int:
    import contextlib
    import io
    import json

    results = {}
    for model in suite_models():
        name = str(model.relative_to(SUITE))
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            results[name] = {"pysd": pysd_alone(model), "hlssim": hlssim_run(model),
                             "sweep": hlssim_sweep(model)}
        r = results[name]
        print(f"{name}: pysd {'match' if r['pysd'] is None else 'no'}, "
              f"hlssim {'match' if r['hlssim'] is None else 'no: ' + r['hlssim']}, "
              f"sweep {'match' if r['sweep'] is None else 'no: ' + r['sweep']}", flush=True)
    lost = []
    for suffixes, label in [(MODEL_SUFFIXES, "all"), ((".mdl",), "Vensim"), ((".xmile", ".xml"), "XMILE"),
                            ((".stmx",), "Stella")]:
        group = {n: r for n, r in results.items() if Path(n).suffix.lower() in suffixes}
        counts = [sum(r[k] is None for r in group.values()) for k in ("pysd", "hlssim", "sweep")]
        print(f"{label}: {len(group)} models: PySD alone matches {counts[0]}, hlssim run matches "
              f"{counts[1]}, hlssim sweep matches {counts[2]}")
    lost = [n for n, r in results.items() if r["pysd"] is None and (r["hlssim"] or r["sweep"])]
    print(f"PySD matches but hlssim (run or sweep) does not: {lost}")
    if "--json" in argv:
        Path(argv[argv.index("--json") + 1]).write_text(json.dumps(results, indent=1))
    return 0 if not lost else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))
    raise SystemExit(main(sys.argv[1:]))
