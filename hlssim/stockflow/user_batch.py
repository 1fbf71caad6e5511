"""Many runs of a user's model at once: the batched numpy path where it is exact, PySD elsewhere.

:mod:`hlssim.stockflow.integrator` integrates a Vensim model of a plain subset (``INTEG`` stocks, constants,
arithmetic, ``IF THEN ELSE``, ``MIN``/``MAX`` and a few functions; no lookups, delays or
subscripts) over numpy arrays of parameter sets, hundreds of times faster than PySD one run at a
time. :func:`run_many` uses it for a user's model only when

1. it accepts the model (else it declines with a message naming what it cannot do), and
2. for the time settings in use, its run of the model's own values reproduces PySD's run, every
   variable at every saved time, within ``|batched - pysd| <= 1e-6 |pysd| + 1e-12``
   (:data:`TOLERANCE`); else it declines with the largest difference found.

Declined, every run goes through PySD (:meth:`ExternalModel.run`). Either way the tables have
:meth:`ExternalModel.run`'s columns, and a run's table does not depend on which other points it
was batched with (every operation is elementwise over parameter sets).

>>> from pathlib import Path
>>> from hlssim.stockflow.user_model import open_model
>>> models = Path(__file__).parents[2] / "tests/sd_test_models"
>>> status(open_model(models / "SIR/SIR.mdl"))
'batched numpy path (hlssim.stockflow.integrator), checked against PySD'
>>> status(open_model(models / "delays/test_delays.mdl"))
'PySD, one run at a time (batched path declined: test_delays.mdl: Delay Time: uses STEP, which the batched integrator does not implement)'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.stockflow.pysd_support import one_line, vensim_name
from hlssim.stockflow.user_model import CONTROL, ExternalModel, open_model

#: Relative tolerance of the check against PySD (plus 1e-12 absolute, for values at zero).
TOLERANCE = 1e-6


def _engine(model: ExternalModel):
    """``(BatchedSD, "")`` if sd_batch accepts the model, else ``(None, why)``; once per model."""
    if "_batched" not in model.__dict__:
        if model.path.suffix.lower() != ".mdl":
            model._batched = (None, "it reads Vensim .mdl files only")
        else:
            try:
                from hlssim.stockflow.integrator import BatchedSD

                model._batched = (BatchedSD(model.path), "")
            except HlssimError as err:
                model._batched = (None, str(err))
            except Exception as err:  # noqa: BLE001 - a parser surprise: decline, PySD runs it
                model._batched = (None, one_line(err))
        model._batched_grids = {}
    return model._batched


def _time_key(model: ExternalModel, values: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """The time settings among ``values``, by the model's names, as a hashable key."""
    out = {}
    for name, value in values.items():
        v = model.settable(name)
        if v.kind == "time setting":
            out[v.name] = model.check_value(v, value, f"'{name}'")
    return tuple(sorted(out.items()))


def _integrate(model: ExternalModel, engine, points: Sequence[Mapping[str, float]],
               key: tuple[tuple[str, float], ...], times: np.ndarray, columns: list[str]) -> list[pd.DataFrame]:
    """One batched integration of ``points`` (which share the time settings ``key``)."""
    n = len(points)
    given: dict[str, list[float]] = {}
    for i, values in enumerate(points):
        for name, value in values.items():
            v = model.settable(name)
            if v.kind != "time setting":
                given.setdefault(engine.resolve(v.name), [np.nan] * n)[i] = model.check_value(v, value, f"'{name}'")
    params = {}
    for ident, vals in given.items():
        arr = np.asarray(vals, dtype=float)
        params[ident] = np.where(np.isnan(arr), engine.constants[ident], arr)
    control = {CONTROL[vensim_name(name)]: value for name, value in key}
    out = engine.run(params, final_time=control.get("final_time"), time_step=control.get("time_step"),
                     return_timestamps=times)
    full = {k: np.full(n, v) for k, v in engine.constants.items()} | params
    tables = []
    for i in range(n):
        data: dict[str, np.ndarray] = {"step": np.arange(len(times), dtype=np.int64), "time": times}
        for col in columns:
            ident = engine.resolve(col)
            if ident in out:
                data[col] = out[ident][i]
            elif ident in full:
                data[col] = np.full(len(times), full[ident][i])
            else:
                raise HlssimError(f"'{col}' is not among its variables")
        tables.append(pd.DataFrame(data))
    return tables


def _grid(model: ExternalModel, engine, key: tuple[tuple[str, float], ...]):
    """``(times, columns)`` for the time settings ``key`` once the batched path reproduced PySD's
    run of the model's own values there; None (and the reason kept) if it did not."""
    grids = model._batched_grids
    if key not in grids:
        reference = model.run(dict(key))
        times = reference["time"].to_numpy()
        columns = [c for c in reference.columns if c not in ("step", "time")]
        try:
            got = _integrate(model, engine, [dict(key)], key, times, columns)[0]
        except Exception as err:  # noqa: BLE001 - anything it cannot do is a decline, not a failure
            grids[key] = None
            model._batched = (None, one_line(err))
            return None
        a, r = got[columns].to_numpy(), reference[columns].to_numpy()
        excess = np.abs(a - r) - (TOLERANCE * np.abs(r) + 1e-12)
        if not np.all(np.isfinite(a) == np.isfinite(r)) or np.nanmax(excess) > 0:
            j = int(np.nanargmax(excess.max(axis=0)))
            worst = float(np.nanmax(np.abs(a[:, j] - r[:, j])))
            grids[key] = None
            model._batched = (None, f"it differs from PySD by {worst:.3g} on '{columns[j]}'")
            return None
        grids[key] = (times, columns)
    return grids[key]


def run_many(model: ExternalModel, points: Sequence[Mapping[str, float]]) -> list[pd.DataFrame]:
    """:meth:`ExternalModel.run` of every point (settable names -> numbers), batched where exact."""
    engine, _ = _engine(model)
    if engine is None:
        return [model.run(p) for p in points]
    groups: dict[tuple, list[int]] = {}
    for i, values in enumerate(points):
        groups.setdefault(_time_key(model, values), []).append(i)
    tables: list[pd.DataFrame | None] = [None] * len(points)
    for key, idx in groups.items():
        grid = _grid(model, engine, key)
        if grid is None:
            done = [model.run(points[i]) for i in idx]
        else:
            done = _integrate(model, engine, [points[i] for i in idx], key, *grid)
        for i, table in zip(idx, done):
            tables[i] = table
    return tables  # type: ignore[return-value]


def status(model: ExternalModel, values: Mapping[str, float] | None = None) -> str:
    """Which path many runs of ``model`` take (at the time settings in ``values``), in words."""
    engine, _ = _engine(model)
    if engine is not None and _grid(model, engine, _time_key(model, values or {})) is not None:
        return "batched numpy path (hlssim.stockflow.integrator), checked against PySD"
    return f"PySD, one run at a time (batched path declined: {model._batched[1]})"


def run_points(path: str, points: list[Mapping[str, float]]) -> list[pd.DataFrame]:
    """Run the model at ``path`` at every point (settable names -> numbers): what a sweep's worker
    calls for a chunk. The batched numpy path where it reproduces PySD, else PySD
    (:mod:`hlssim.stockflow.user_batch`)."""
    return run_many(open_model(path), points)


# --- what `hlssim inspect` prints -----------------------------------------------------------------

def describe(model: ExternalModel, every: bool = False, width: int = 60) -> str:
    """A readable listing: the time settings, then the constants and stocks (``every``: all)."""
    lines = [f"{model.path}"]
    times = {v.name: v for v in model.variables(["time setting"])}
    shown = ", ".join(f"{v.name} {v.value:g}" for v in times.values() if v.value is not None)
    unit = next((v.units for v in times.values() if v.units), "")
    lines.append(f"time: {shown}" + (f" ({unit})" if unit else ""))
    lines.append(f"sweeps run it by: {status(model)}")
    groups = [("constants (settable with --set NAME=VALUE; sweepable)", ["constant"]),
              ("stocks", ["stock"])]
    if every:
        groups += [("other stateful (delays, smooths, ...)", ["stateful"]),
                   ("auxiliaries", ["auxiliary", "data"]), ("lookups", ["lookup"])]
    for title, kinds in groups:
        vs = model.variables(kinds)
        if not vs:
            continue
        lines += ["", f"{title}:"]
        rows = [(v.name + (f"[{','.join(v.subscripts)}]" if v.subscripts else ""),
                 "" if v.value is None else f"{v.value:g}", v.units, v.range_text(), v.doc) for v in vs]
        header = ("name", "value", "units", "range", "documentation")
        cols = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        for r in [header, *rows]:
            doc = r[4] if len(r[4]) <= width else r[4][:width - 3] + "..."
            lines.append("  " + "  ".join(r[i].ljust(cols[i]) for i in range(4)) + "  " + doc)
    return "\n".join(lines).rstrip()
