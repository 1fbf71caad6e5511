"""Many runs of a user's model at once: the batched numpy path where it is exact, PySD elsewhere.

:mod:`hlssim.stockflow.abstract_batch` compiles a Vensim or XMILE model from PySD's own parse of it
(``INTEG`` stocks, constants, arithmetic and logic, ``IF THEN ELSE`` and PySD's other plain
functions, lookups and ``WITH LOOKUP``, ``DELAY1``, ``DELAY3``, ``DELAY N``, ``SMOOTH``, ``SMOOTH3``,
``SMOOTH N``, ``INITIAL``;
no subscripts, macros, data or random functions) and integrates it over numpy arrays of parameter
sets, tens to hundreds of times faster than PySD one run at a time. :func:`run_many` uses it for a
user's model only when

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
'batched numpy path (hlssim.stockflow.abstract_batch), checked against PySD'
>>> status(open_model(models / "suite/delay_fixed/test_delay_fixed.mdl")).split("; about")[0]
'PySD, one run at a time (batched path declined: test_delay_fixed.mdl: DF05: uses DELAY FIXED, which the batched integrator does not implement)'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.stockflow.abstract_batch import Declined
from hlssim.stockflow.pysd_support import one_line, quiet, vensim_name
from hlssim.stockflow.user_model import CONTROL, ExternalModel, open_model

#: Relative tolerance of the check against PySD (plus 1e-12 absolute, for values at zero).
TOLERANCE = 1e-6


def _engine(model: ExternalModel):
    """``(AbstractBatch, "")`` if the batched path compiles the model, else ``(None, why)``; once
    per model."""
    if "_batched" not in model.__dict__:
        if model.stochastic:
            model._batched = (None, "it draws random numbers (RANDOM functions), which the batched "
                              "integrator does not implement")
        else:
            from hlssim.stockflow.abstract_batch import AbstractBatch

            ctx = quiet()
            try:
                model._batched = (AbstractBatch(model.path), "")
            except HlssimError as err:
                model._batched = (None, str(err))
            except Exception as err:  # noqa: BLE001 - a parser surprise: decline, PySD runs it
                model._batched = (None, one_line(err))
            finally:
                ctx.__exit__(None, None, None)
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
    out, saved = engine.run(params, n=n, **control)
    if len(saved) != len(times) or not np.allclose(saved, times, rtol=0, atol=1e-9 * max(1.0, np.abs(times).max())):
        raise HlssimError(f"it saves {len(saved)} times where PySD saves {len(times)}")
    tables = []
    for i in range(n):
        data: dict[str, np.ndarray] = {"step": np.arange(len(times), dtype=np.int64), "time": times}
        for col in columns:
            ident = engine.resolve(col)
            if ident in out:
                data[col] = out[ident][i]
            else:
                raise HlssimError(f"'{col}' is not among its variables")
        tables.append(pd.DataFrame(data))
    return tables


def _batchable(model: ExternalModel, engine, values: Mapping[str, float]) -> bool:
    """Whether every constant ``values`` sets is a constant the integrator takes as a parameter
    (PySD also calls a constant expression, ``= 3 * 4``, a constant; the integrator computes it)."""
    return all(model.settable(name).kind == "time setting"
               or engine.resolve(model.settable(name).name) in engine.constants for name in values)


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
    """:meth:`ExternalModel.run` of every point (settable names -> numbers), batched where exact.

    For a deterministic model; a stochastic one goes through :func:`run_seeded`."""
    engine, _ = _engine(model)
    if engine is None:
        return [model.run(p) for p in points]
    groups: dict[tuple, list[int]] = {}
    for i, values in enumerate(points):
        groups.setdefault(_time_key(model, values), []).append(i)
    tables: list[pd.DataFrame | None] = [None] * len(points)
    for key, idx in groups.items():
        grid = _grid(model, engine, key)
        done = None
        if grid is not None and all(_batchable(model, engine, points[i]) for i in idx):
            try:
                done = _integrate(model, engine, [points[i] for i in idx], key, *grid)
            except Declined:  # a point it would not run as PySD does (a delay's order lowered, ...)
                done = None
        if done is None:
            done = [model.run(points[i]) for i in idx]
        for i, table in zip(idx, done):
            tables[i] = table
    return tables  # type: ignore[return-value]


def run_seeded(model: ExternalModel, points: Sequence[Mapping[str, float]],
               seeds: Sequence[Sequence[int]]) -> list[list[pd.DataFrame]]:
    """Every point's runs, one per seed in ``seeds[i]``: a stochastic model runs once per seed
    (PySD, its random functions seeded from it); a deterministic one once per point, its table
    serving every seed."""
    if not model.stochastic:
        return [[table] * len(s) for table, s in zip(run_many(model, points), seeds)]
    return [[model.run(p, seed=seed) for seed in s] for p, s in zip(points, seeds)]


def status(model: ExternalModel, values: Mapping[str, float] | None = None) -> str:
    """Which path many runs of ``model`` take (at the time settings in ``values``), in words;
    declined: the one reason, and what a run through PySD costs."""
    engine, _ = _engine(model)
    if engine is not None and _grid(model, engine, _time_key(model, values or {})) is not None:
        return "batched numpy path (hlssim.stockflow.abstract_batch), checked against PySD"
    return (f"PySD, one run at a time (batched path declined: {model._batched[1]}); "
            f"{pysd_cost(model, values or {})}")


def pysd_cost(model: ExternalModel, values: Mapping[str, float]) -> str:
    """What a run through PySD costs, measured once here: per run and per 1000 runs, beside
    what the batched path costs where it applies (:data:`BATCHED_MS_PER_RUN`)."""
    import time

    start = time.perf_counter()
    model.run(dict(values))
    ms = 1000 * (time.perf_counter() - start)
    return (f"about {ms:.0f} ms a run (one run timed here; 1000 runs ~{ms:.0f} s on one worker), "
            f"~{max(1, round(ms / BATCHED_MS_PER_RUN))}x the batched path's ~{BATCHED_MS_PER_RUN:g} ms "
            "a run")


#: What a run of a small model costs on the batched path (SIR at a 1/8-day step, 1536 runs in a
#: batch, docs/bring_your_own_model.md): the yardstick a declined model's PySD runs are set beside.
BATCHED_MS_PER_RUN = 1.1


def run_points(path: str, points: list[Mapping[str, float]],
               seeds: Sequence[Sequence[int]] | None = None) -> list[list[pd.DataFrame]]:
    """Run the model at ``path`` at every point (settable names -> numbers), once per seed of
    ``seeds[i]`` (default: one run, seed 0): what a sweep's worker calls for a chunk. The batched
    numpy path where it reproduces PySD, else PySD (:mod:`hlssim.stockflow.user_batch`)."""
    return run_seeded(open_model(path), points, seeds if seeds is not None else [[0]] * len(points))


# --- what `hlssim inspect` prints -----------------------------------------------------------------

def describe(model: ExternalModel, every: bool = False, width: int = 60) -> str:
    """A readable listing: the time settings, whether the model is stochastic, which path sweeps
    take, then the constants (a subscripted one as its array and each element, all settable) and
    the stocks (``every``: every variable)."""
    lines = [f"{model.path}"]
    times = {v.name: v for v in model.variables(["time setting"])}
    shown = ", ".join(f"{v.name} {v.value:g}" for v in times.values() if v.value is not None)
    unit = next((v.units for v in times.values() if v.units), "")
    lines.append(f"time: {shown}" + (f" ({unit})" if unit else ""))
    lines.append("random functions: " + ("yes, stochastic: --seed (in a sweep, each run's seed) drives "
                                         "them" if model.stochastic else "none, deterministic"))
    if model.data_files:
        lines.append("reads: " + ", ".join(f.ref for f in model.data_files) + " (beside the model)")
    lines.append(f"sweeps run it by: {status(model)}")
    groups = [("constants (settable with --set NAME=VALUE, an array whole or NAME[element]=VALUE; "
               "sweepable)", ["constant"], True), ("stocks", ["stock"], False)]
    if every:
        groups += [("other stateful (delays, smooths, ...)", ["stateful"], False),
                   ("auxiliaries", ["auxiliary", "data"], False), ("lookups", ["lookup"], False)]
    for title, kinds, elements in groups:
        vs = model.variables(kinds, elements=elements)
        if not vs:
            continue
        lines += ["", f"{title}:"]
        rows = [(("  " if v.element else "") + v.name + (f"[{','.join(v.subscripts)}]" if v.subscripts else ""),
                 "" if v.value is None else f"{v.value:g}", v.units, v.range_text(),
                 "" if v.element else v.doc) for v in vs]
        header = ("name", "value", "units", "range", "documentation")
        cols = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        for r in [header, *rows]:
            doc = r[4] if len(r[4]) <= width else r[4][:width - 3] + "..."
            lines.append(("  " + "  ".join(r[i].ljust(cols[i]) for i in range(4)) + "  " + doc).rstrip())
    if any(v.is_array for v in model.variables()):
        lines += ["", "an array's elements are output columns Name[element] (outputs in sweeps, too)"]
    return "\n".join(lines).rstrip()
