"""The Python face of sweeps: ``hlssim.sweep`` runs (or reads) one and returns a DataFrame,
``hlssim.analyze`` analyses a folder. What Mesa's ``batch_run`` and EMA Workbench's
``perform_experiments`` give a notebook, with the command line's guarantees kept: the same spec
format, the same validation (one-line :class:`~hlssim.errors.HlssimError`), a resumable folder
with its provenance, and a folder of another model refused unless ``restart=True``.

The table has one row per run: ``run_id``, ``point``, ``sample`` (the sampler's point a run
belongs to: ``point // K`` with ``compare``'s K regimes, else ``point``), ``replicate``,
``seed``, the factor values, then one column per output (``wellbeing_mean:final``...). With
``tidy=True`` it is the stored long form instead, one row per run and output, with ``output``
split into ``metric`` and ``stat`` beside it.

>>> rows = sweep({"base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 2},
...               "factors": {"complexity": [0.2, 0.8]}, "replications": 2,
...               "outputs": {"gaming_share": "final"}})
>>> list(rows.columns), len(rows)
(['run_id', 'point', 'sample', 'replicate', 'seed', 'complexity', 'gaming_share:final'], 4)
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hlssim.errors import HlssimError
from hlssim.experiments.spec import ExperimentSpec, load_spec, parse_spec
from hlssim.experiments.store import MANIFEST, read_results
from hlssim.experiments.sweep import sweep as run_sweep
from hlssim.experiments.sweepdata import load_sweep

__all__ = ["analyze", "results_frame", "sweep"]

SpecLike = ExperimentSpec | Mapping[str, Any] | str | Path


def _spec(spec: SpecLike, smoke: bool) -> ExperimentSpec:
    if isinstance(spec, ExperimentSpec):
        return spec.for_smoke() if smoke else spec
    if isinstance(spec, Mapping):
        parsed = parse_spec(spec, source="spec", name=str(spec.get("name", "experiment")))
        if smoke and not parsed.smoke:
            raise HlssimError("spec: smoke: missing; smoke=True needs a [smoke] section")
        return parsed.for_smoke() if smoke else parsed
    if isinstance(spec, (str, Path)):
        return load_spec(spec, smoke=smoke)
    raise HlssimError(f"spec: {type(spec).__name__} is not allowed; expected an ExperimentSpec, "
                      "a dict of settings, the path of a .toml spec or a sweep folder")


def sweep(spec: SpecLike, out: str | Path | None = None, *, workers: int = 0,
          scheduler: str | None = None, smoke: bool = False, restart: bool = False,
          progress: bool = False, tidy: bool = False) -> pd.DataFrame:
    """Run ``spec`` into ``out`` (resuming what is stored there) and return its results.

    ``spec``: an :class:`ExperimentSpec`, a dict laid out like a spec file, the path of a
    ``.toml`` spec, or the path of an existing sweep folder (then it is only read). ``out``: the
    results folder (None: a temporary one, deleted once read). ``workers``: 0 runs serially here,
    N on a local Dask cluster; ``scheduler``: an existing cluster's address. ``restart`` deletes
    what ``out`` stores first (needed when another model or spec made it).
    """
    if isinstance(spec, (str, Path)) and Path(spec).is_dir():
        if not (Path(spec) / MANIFEST).is_file():
            raise HlssimError(f"'{spec}': holds no {MANIFEST}; expected a sweep folder or a spec")
        return results_frame(spec, tidy)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
        raise HlssimError(f"workers {workers!r}: expected 0 (serial, here) or more worker processes")
    parsed = _spec(spec, smoke)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="hlssim-sweep-") as folder:
            run_sweep(parsed, folder, workers=workers, scheduler=scheduler, progress=progress)
            return results_frame(folder, tidy)
    run_sweep(parsed, out, workers=workers, scheduler=scheduler, progress=progress,
              on_stale="refuse", restart=restart)
    return results_frame(out, tidy)


def results_frame(folder: str | Path, tidy: bool = False) -> pd.DataFrame:
    """A sweep folder's stored runs: one row per run (``tidy``: per run and output), with the
    ``sample`` column (see the module docstring)."""
    data = load_sweep(folder)
    rows = read_results(folder)
    compare = data.spec.compare
    k = len(compare.levels) if compare is not None else 1
    if "sample" not in rows.columns:  # a folder an older hlssim wrote
        rows.insert(rows.columns.get_loc("replicate"), "sample", rows["point"] // k)
    if tidy:
        if "metric" not in rows.columns:  # a folder an older hlssim wrote: split the names
            parts = rows["output"].str.split(":", n=1, expand=True)
            at = rows.columns.get_loc("output") + 1
            rows.insert(at, "metric", parts[0])
            rows.insert(at + 1, "stat", parts[1])
        return rows
    keys = [c for c in rows.columns if c not in ("output", "metric", "stat", "value")]
    wide = rows.pivot(index="run_id", columns="output", values="value")
    first = rows.drop_duplicates("run_id").set_index("run_id")[[c for c in keys if c != "run_id"]]
    table = first.join(wide[[o for o in data.outputs if o in wide.columns]]).reset_index()
    table.columns.name = None
    return table


def analyze(folder: str | Path, outputs: list[str] | None = None, outcome: str | None = None,
            out: str | Path | None = None, second_order: bool = False):
    """Sensitivity indices and scenario discovery of a sweep folder (``hlssim analyze``): an
    :class:`~hlssim.experiments.analysis.analyze.Analysis` (``.indices``, ``.notes`` with any
    warnings, ``.discoveries``), its files written to ``out`` (default ``FOLDER/analysis``)."""
    from hlssim.experiments.analysis.analyze import analyze as analyze_folder

    return analyze_folder(folder, outputs, out, outcome, second_order)
