"""Experiment specs: a TOML file saying what to vary, how to sample it and what to keep.

A spec is read and validated whole before any run starts; every problem is reported as one line
naming the field, the value and what is allowed. The format (``experiments/README.md``)::

    name = "crossover"             # optional; defaults to the file's stem
    sampler = "grid"               # grid (full factorial) | lhs | sobol | morris
    samples = 64                   # lhs: points; sobol: base size N (a power of 2); morris: trajectories
    replications = 10              # runs per design point, each with its own seed
    engine = "batch"               # batch (default) | mesa
    root_seed = 1                  # every run's seed is spawned from it by run index

    [base]                         # the scenario every point starts from
    preset = "npm_targets"
    n_people = 400

    [factors]                      # what varies: a list of levels, or a range
    preset = ["npm_targets", "hls"]              # regimes are parameter bundles: a factor too
                                                 # (or a case's regime: "gateshead/hls")
    complexity = [0.1, 0.5, 0.9]                 # levels
    target_pressure = {low = 0, high = 1}        # a range, for lhs/sobol/morris
    audit_rate = {low = 0, high = 0.4, levels = 5}   # evenly spaced levels

    [outputs]                      # per metric: "final", "mean" (all steps), "mean_last_N",
    wellbeing_mean = ["final", "mean_last_12", "trajectory"]  # "at_N" (step N), or every step

With ``compare = ["npm_targets", "hls"]`` (instead of a ``preset`` factor) every point the sampler
makes runs under each listed regime, with the same seeds: a paired comparison.

    [smoke]                        # a small version for CI: hlssim sweep --smoke
    replications = 2
    max_levels = 2                 # grid: keep at most this many levels of each factor (ends first)
    samples = 4
    base = {n_people = 60, n_workers = 6, steps = 12}

>>> spec = parse_spec({"factors": {"complexity": [0.2, 0.8]}, "outputs": {"gaming_share": "mean_last_6"}})
>>> spec.sampler, spec.engine, spec.factors[0].levels, spec.outputs[0].name
('grid', 'batch', (0.2, 0.8), 'gaming_share:mean_last_6')
>>> parse_spec({"factors": {"complexity": [0.2, 1.5]}})
Traceback (most recent call last):
...
hlssim.errors.SpecError: spec: factors.complexity: level 1.5 is not allowed; expected a number from 0 to 1
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hlssim.common.files import utf8_text
from hlssim.engines.registry import ENGINES
from hlssim.errors import ScenarioError, SpecError
from hlssim.experiments.expect_parse import parse_expectations
from hlssim.experiments.spec_fields import (
    CASE_SEP,
    DEFAULT_ENGINE,
    MAX_RUNS,
    DISTRIBUTIONS,
    DIST_KEYS,
    RANGE_KEYS,
    SAMPLERS,
    SMOKE_KEYS,
    STAT,
    ExperimentSpec,
    Factor,
    Output,
    bool_field,
    check_sampler,
    check_steps,
    distinct_levels,
    int_field,
    no_unknown,
    shown,
    table_field,
    text_field,
)
from hlssim.model.metrics import METRIC_NAMES, PUBLIC_METRICS
from hlssim.model.parameters import PARAMETERS, Param
from hlssim.model.scenario import preset_names, read_toml

#: Outputs kept when a spec names none: every public metric, averaged over the final year.
DEFAULT_OUTPUTS = {m: "mean_last_12" for m in PUBLIC_METRICS}

_TOP_KEYS = ("name", "description", "sampler", "samples", "morris_levels", "replications", "engine",
             "root_seed", "common_random_numbers", "base", "factors", "compare", "outputs", "smoke",
             "expect")


# --- reading and validating ---------------------------------------------------------------------

def load_spec(path: str | Path, smoke: bool = False) -> ExperimentSpec:
    """Read and validate a spec file; with ``smoke``, return its small version."""
    path = Path(path)
    source = f"spec '{path}'"
    text = utf8_text(path, source, SpecError)
    data = read_toml(path, source, SpecError)
    if "model" in data:  # a user's own model: its path is relative to the spec file's folder
        from hlssim.experiments.model_spec import resolve_model_path

        data = resolve_model_path(data, path)
    spec = dataclasses.replace(parse_spec(data, source=source, name=path.stem), text=text)
    if smoke and not spec.smoke:
        raise SpecError(f"{source}: smoke: missing; --smoke (or --quick) needs a [smoke] section "
                        "saying how to make the spec small (see experiments/README.md)")
    return spec.for_smoke() if smoke else spec


def parse_spec(data: Mapping[str, Any], source: str = "spec", name: str = "experiment") -> ExperimentSpec:
    """Validate a spec given as a dict (a parsed TOML file); raise :class:`SpecError` if bad."""
    if not isinstance(data, Mapping):
        raise SpecError(f"{source}: expected a table of settings")
    if "model" in data:  # a user's Vensim/XMILE model: its constants and variables, not presets
        from hlssim.experiments.model_spec import parse_model_spec

        return parse_model_spec(data, source, name)
    no_unknown(data, _TOP_KEYS, source, "")
    sampler = data.get("sampler", "grid")
    if not isinstance(sampler, str) or sampler not in SAMPLERS:
        raise SpecError(f"{source}: sampler: {shown(sampler)} is not allowed; expected one of "
                        f"{', '.join(SAMPLERS)}")
    engine = data.get("engine", DEFAULT_ENGINE)
    if not isinstance(engine, str) or engine not in ENGINES:
        raise SpecError(f"{source}: engine: {shown(engine)} is not allowed; expected one of "
                        f"{', '.join(sorted(ENGINES))}")
    base_raw = table_field(data.get("base", {}), source, "base")
    base_preset = base_raw.get("preset")
    if base_preset is not None:
        _check_preset(base_preset, source, "base.preset")
    base = _parameters({k: v for k, v in base_raw.items() if k != "preset"}, source, "base")

    factors_raw = table_field(data.get("factors"), source, "factors", required=True)
    if not factors_raw:
        raise SpecError(f"{source}: factors: empty; expected at least one parameter (or preset) to vary")
    factors = tuple(_factor(k, factors_raw[k], sampler, source) for k in sorted(factors_raw))
    for f in factors:
        clash = f.name in base or (f.name == "preset" and base_preset is not None)
        if clash:
            raise SpecError(f"{source}: factors.{f.name}: also set in [base]; set it in one place")
    compare = None
    if "compare" in data:
        compare = _factor("preset", data["compare"], sampler, source, field="compare")
        if len(compare.levels) < 2:
            raise SpecError(f"{source}: compare: {shown(data['compare'])} is not allowed; expected "
                            "at least two presets (or case regimes) to compare")
        if base_preset is not None or "preset" in factors_raw:
            where = "base.preset" if base_preset is not None else "factors.preset"
            raise SpecError(f"{source}: compare: set together with {where}; expected one of them")

    outputs_raw = data.get("outputs", DEFAULT_OUTPUTS)
    outputs = _outputs(table_field(outputs_raw, source, "outputs"), source)

    smoke = None
    if "smoke" in data:
        smoke = _smoke(table_field(data["smoke"], source, "smoke"), factors, source)

    spec = ExperimentSpec(
        name=text_field(data.get("name", name), source, "name"),
        description=" ".join(text_field(data.get("description", ""), source, "description").split()),
        factors=factors, outputs=outputs, base=dict(sorted(base.items())), base_preset=base_preset,
        sampler=sampler, samples=int_field(data["samples"], source, "samples", 1) if "samples" in data else None,
        morris_levels=int_field(data.get("morris_levels", 4), source, "morris_levels", 2),
        replications=int_field(data.get("replications", 1), source, "replications", 1),
        engine=engine, root_seed=int_field(data.get("root_seed", 0), source, "root_seed", 0),
        common_random_numbers=bool_field(data.get("common_random_numbers", False), source,
                                    "common_random_numbers"),
        smoke=smoke, source=source, compare=compare,
    )
    check_sampler(spec, source)
    if "outputs" in data:
        check_steps(spec, source, ("mean_last",))
    if "expect" in data:
        spec = dataclasses.replace(spec, expectations=parse_expectations(data["expect"], spec, source))
    if smoke:
        spec.for_smoke()  # a bad [smoke] section fails now, not in CI
    return spec


def case_regimes() -> tuple[str, ...]:
    """Every case regime a spec may name where a preset goes: ``CASE/KEY``, in case order."""
    from hlssim.model.cases import load_cases

    try:
        cases = load_cases()
    except ScenarioError as err:
        raise SpecError(f"models/cases: {err}") from None
    return tuple(f"{c.name}{CASE_SEP}{r.key}" for c in cases.values() for r in c.regimes)


def _check_preset(value: Any, source: str, field: str) -> str:
    """A preset name, or a case's regime ``CASE/KEY`` (its world and regime overrides, see
    ``hlssim/model/cases.py``)."""
    names = preset_names()
    if isinstance(value, str) and value in names:
        return value
    regimes = case_regimes() if isinstance(value, str) and CASE_SEP in value else ()
    if value not in regimes:
        raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected one of "
                        f"{', '.join(names)}, or a case regime CASE{CASE_SEP}KEY: "
                        f"{', '.join(regimes or case_regimes())}")
    return value


def _param(name: str, source: str, field: str) -> Param:
    param = PARAMETERS.get(name)
    if param is None and name in _TOP_KEYS:
        raise SpecError(f"{source}: {field}: unknown parameter; '{name}' is a top-level setting: "
                        "move it above the first [table] (in TOML every key after [table] belongs "
                        "to that table)")
    if param is None:
        raise SpecError(f"{source}: {field}: unknown parameter; see 'hlssim params' for the "
                        f"{len(PARAMETERS)} allowed names")
    return param


def _coerce(param: Param, value: Any, source: str, field: str, what: str = "") -> Any:
    try:
        return param.coerce(value)
    except (ScenarioError, OverflowError):  # OverflowError: inf for a whole number (Param.coerce)
        raise SpecError(f"{source}: {field}: {what}{shown(value)} is not allowed; expected "
                        f"{param.allowed()}") from None


def _parameters(values: Mapping[str, Any], source: str, prefix: str) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        field = f"{prefix}.{key}"
        out[key] = _coerce(_param(key, source, field), value, source, field)
    return out


def _factor(name: str, value: Any, sampler: str, source: str, field: str = "") -> Factor:
    field = field or f"factors.{name}"
    if name == "preset":
        if not isinstance(value, list):
            raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected a list of "
                            "preset names (or case regimes CASE/KEY)")
        levels = tuple(_check_preset(v, source, field) for v in value)
        return Factor(name, str, levels=distinct_levels(levels, source, field))
    param = _param(name, source, field)
    if isinstance(value, list):
        levels = tuple(_coerce(param, v, source, field, "level ") for v in value)
        return Factor(name, param.kind, levels=distinct_levels(levels, source, field))
    if isinstance(value, Mapping):
        no_unknown(value, RANGE_KEYS + DIST_KEYS, source, f"{field}.")
        if param.kind not in (int, float):
            raise SpecError(f"{source}: {field}: a range is not allowed for a {param.kind.__name__} "
                            "parameter; expected a list of levels")
        for key in ("low", "high"):
            if key not in value:
                raise SpecError(f"{source}: {field}.{key}: missing; expected {param.allowed()}")
        low = _coerce(param, value["low"], source, f"{field}.low")
        high = _coerce(param, value["high"], source, f"{field}.high")
        if not low < high:
            raise SpecError(f"{source}: {field}: low {low!r} and high {high!r} are not allowed; "
                            "expected low < high")
        dist = _distribution(value, param, low, high, source, field)
        if "levels" in value:
            n = int_field(value["levels"], source, f"{field}.levels", 2)
            points = np.linspace(low, high, n)
            if param.kind is int:
                levels = tuple(round(float(x)) for x in points)
            else:
                levels = tuple(float(round(x, 12)) for x in points)
            return Factor(name, param.kind, levels=distinct_levels(levels, source, f"{field}.levels"))
        return Factor(name, param.kind, low=low, high=high, dist=dist)
    raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected a list of levels "
                    "or a range {low, high} (with levels for a grid)")


def _distribution(value: Mapping[str, Any], param, low: float, high: float, source: str,
                  field: str):
    """A sampled range's distribution (``dist`` and its keys), checked; None for uniform."""
    keys = [k for k in DIST_KEYS if k in value]
    name = value.get("dist", "uniform")
    if not isinstance(name, str) or name not in DISTRIBUTIONS:
        raise SpecError(f"{source}: {field}.dist: {shown(name)} is not allowed; expected one of "
                        f"{', '.join(DISTRIBUTIONS)}")
    if "levels" in value and keys:
        raise SpecError(f"{source}: {field}.dist: not allowed with levels; expected a sampled "
                        "range {low, high, dist, ...}")
    needed = DISTRIBUTIONS[name]
    for key in keys:
        if key != "dist" and key not in needed:
            raise SpecError(f"{source}: {field}.{key}: not allowed with dist {name}; expected "
                            + (", ".join(needed) if needed else "only low and high"))
    if name == "uniform":
        return None
    if param.kind is not float:
        raise SpecError(f"{source}: {field}.dist: {name} is not allowed for a whole-number "
                        "parameter; expected uniform")
    params = {}
    for key in needed:
        if key not in value:
            raise SpecError(f"{source}: {field}.{key}: missing; dist {name} needs "
                            f"{', '.join(needed)}")
        v = value[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise SpecError(f"{source}: {field}.{key}: {shown(v)} is not allowed; expected a number")
        params[key] = float(v)
    where = {"mean": (low, high), "mode": (low, high), "median": (max(low, 1e-300), high)}
    for key, (lo, hi) in where.items():
        if key in params and not lo <= params[key] <= hi:
            raise SpecError(f"{source}: {field}.{key}: {params[key]!r} is not allowed; expected a "
                            f"value from {low!r} to {high!r}" + (" above 0" if key == "median" else ""))
    for key in ("sd", "sigma"):
        if key in params and not params[key] > 0:
            raise SpecError(f"{source}: {field}.{key}: {params[key]!r} is not allowed; expected a "
                            "number above 0")
    return (name, tuple((k, params[k]) for k in needed))


def _outputs(table: Mapping[str, Any], source: str) -> tuple[Output, ...]:
    if not table:
        raise SpecError(f"{source}: outputs: empty; expected at least one metric = \"final\"")
    outputs = {}
    for metric, stats in table.items():
        field = f"outputs.{metric}"
        if metric not in METRIC_NAMES:
            raise SpecError(f"{source}: {field}: unknown metric; see 'hlssim metrics' for the "
                            f"{len(METRIC_NAMES)} allowed names")
        stats = stats if isinstance(stats, list) else [stats]
        if not stats:
            raise SpecError(f"{source}: {field}: empty; expected \"final\", \"mean\", "
                            "\"mean_last_N\" or \"trajectory\"")
        for stat in stats:
            m = STAT.match(stat) if isinstance(stat, str) else None
            if m is None:
                raise SpecError(f"{source}: {field}: {shown(stat)} is not allowed; expected "
                                "\"final\", \"mean\", \"mean_last_N\" (N a whole number of steps), "
                                "\"at_N\" (the value at step N) or \"trajectory\"")
            if m.group(2):
                out = Output(metric, "mean_last", int(m.group(2)))
            elif m.group(3):
                out = Output(metric, "at", int(m.group(3)))
            else:
                out = Output(metric, stat)
            outputs[out.name] = out
    if all(o.is_trajectory for o in outputs.values()):
        raise SpecError(f"{source}: outputs: only trajectories; expected at least one \"final\", "
                        "\"mean\" or \"mean_last_N\" too (a run's summary rows mark it done)")
    return tuple(outputs[k] for k in sorted(outputs))


def _smoke(table: Mapping[str, Any], factors: tuple[Factor, ...], source: str) -> dict[str, Any]:
    no_unknown(table, SMOKE_KEYS, source, "smoke.")
    smoke: dict[str, Any] = {}
    for key in ("replications", "samples", "max_levels"):
        if key in table:
            smoke[key] = int_field(table[key], source, f"smoke.{key}", 1)
    if "base" in table:
        base = _parameters(table_field(table["base"], source, "smoke.base"), source, "smoke.base")
        for name in base:
            if name in {f.name for f in factors}:
                raise SpecError(f"{source}: smoke.base.{name}: is a factor; expected only "
                                "parameters that do not vary")
        smoke["base"] = base
    return smoke


#: Names other modules read from here (several now live in :mod:`.spec_fields`).
__all__ = ["CASE_SEP", "DEFAULT_ENGINE", "DEFAULT_OUTPUTS", "MAX_RUNS", "SAMPLERS", "ExperimentSpec",
           "Factor", "Output", "SpecError", "case_regimes", "load_spec", "parse_spec"]
