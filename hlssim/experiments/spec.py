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
hlssim.experiments.spec.SpecError: spec: factors.complexity: level 1.5 is not allowed; expected a number from 0 to 1
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hlssim.engines import ENGINES
from hlssim.errors import HlssimError, ScenarioError
from hlssim.experiments.expect import check_expectations, parse_expectations
from hlssim.metrics import METRIC_NAMES, PUBLIC_METRICS
from hlssim.parameters import PARAMETERS, Param
from hlssim.scenario import preset_names, read_toml

SAMPLERS = ("grid", "lhs", "sobol", "morris")
DEFAULT_ENGINE = "batch"
#: Outputs kept when a spec names none: every public metric, averaged over the final year.
DEFAULT_OUTPUTS = {m: "mean_last_12" for m in PUBLIC_METRICS}
#: A spec may not ask for more runs than this (a typo in a grid multiplies quickly).
MAX_RUNS = 10_000_000

_TOP_KEYS = ("name", "description", "sampler", "samples", "morris_levels", "replications", "engine",
             "root_seed", "common_random_numbers", "base", "factors", "compare", "outputs", "smoke",
             "expect")
_SMOKE_KEYS = ("replications", "samples", "max_levels", "base")
_RANGE_KEYS = ("low", "high", "levels")
_STAT = re.compile(r"^(final|mean|mean_last_([1-9][0-9]*)|at_([1-9][0-9]*)|trajectory)$")
#: A case's regime, named where a preset may be: ``CASE/KEY`` (``models/cases/CASE.toml``).
CASE_SEP = "/"


class SpecError(HlssimError, ValueError):
    """An experiment spec is invalid: the message names the field, the value and what is allowed."""


def _shown(value: Any) -> str:
    """A value as written in an error message: text bare, TOML lists, tables and booleans as JSON."""
    if isinstance(value, str):
        return value if value else "''"
    if isinstance(value, (list, dict, bool)):
        return json.dumps(value, default=str)
    return repr(value)


@dataclass(frozen=True)
class Factor:
    """One thing a sweep varies: a parameter (or ``preset``), by levels or over a range.

    ``levels`` holds the values to use (grid levels, or categories a sampler picks among);
    otherwise ``low`` and ``high`` bound a continuous (or, for integers, whole-number) range.
    """

    name: str
    kind: type  # float, int, bool or str (str for presets)
    levels: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        return self.levels is None

    def from_unit(self, u: float) -> Any:
        """The factor's value at ``u`` in [0, 1]: a point of the range, or one of the levels."""
        if self.levels is not None:
            k = len(self.levels)
            return self.levels[min(math.floor(u * k), k - 1)]
        if self.kind is int:
            span = int(self.high) - int(self.low) + 1
            return int(self.low) + min(math.floor(u * span), span - 1)
        return float(self.low + u * (self.high - self.low))

    def to_dict(self) -> dict[str, Any]:
        if self.levels is not None:
            return {"levels": list(self.levels)}
        return {"low": self.low, "high": self.high}


@dataclass(frozen=True)
class Output:
    """One value kept per run: a metric's ``final`` value, its ``mean`` over every step, its
    ``mean_last`` over the last ``window`` steps (all steps if a run is shorter), or its value
    ``at`` step ``window`` (1 is the first month: before and after a regime switch, say); or, for
    ``trajectory``, its value at every step (stored apart, see ``store.py``)."""

    metric: str
    stat: str  # "final", "mean", "mean_last", "at" or "trajectory"
    window: int | None = None  # mean_last: how many steps; at: which step

    @property
    def is_trajectory(self) -> bool:
        return self.stat == "trajectory"

    @property
    def name(self) -> str:
        return f"{self.metric}:{self.stat}" + (f"_{self.window}" if self.window else "")

    def value(self, column: np.ndarray) -> float:
        if self.stat == "final":
            return float(column[-1])
        if self.stat == "mean":
            return float(np.mean(column))
        if self.stat == "at":
            return float(column[self.window - 1])
        return float(np.mean(column[-self.window:]))


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment spec (see the module docstring for the file format)."""

    name: str
    factors: tuple[Factor, ...]  # sorted by name
    outputs: tuple[Output, ...]  # sorted by name
    base: Mapping[str, Any]  # parameter overrides, coerced; sorted by name
    base_preset: str | None = None
    sampler: str = "grid"
    samples: int | None = None
    morris_levels: int = 4
    replications: int = 1
    engine: str = DEFAULT_ENGINE
    root_seed: int = 0
    common_random_numbers: bool = False
    description: str = ""
    smoke: Mapping[str, Any] | None = None  # validated [smoke] section, or None
    is_smoke: bool = False
    source: str = "spec"
    model: str | None = None  # a user's Vensim/XMILE model instead of a preset (model_spec.py)
    model_sha256: str | None = None  # its content, part of the digest
    compare: Factor | None = None  # a ``preset`` factor crossed with every sampled point
    expectations: tuple = ()  # validated [[expect]] tables (expect.py); not part of the digest

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    @property
    def columns(self) -> tuple[Factor, ...]:
        """Every factor a result row records: the sampled ones and ``compare``, sorted by name."""
        extra = (self.compare,) if self.compare else ()
        return tuple(sorted(self.factors + extra, key=lambda f: f.name))

    def n_samples(self) -> int:
        """How many points the sampler makes (before ``compare`` multiplies them)."""
        d = len(self.factors)
        if self.sampler == "grid":
            return math.prod(len(f.levels) for f in self.factors)
        if self.sampler == "lhs":
            return self.samples
        if self.sampler == "sobol":
            return self.samples * (2 * d + 2)
        return self.samples * (d + 1)  # morris

    def n_points(self) -> int:
        """How many design points there are: the sampler's, each under every ``compare`` level."""
        return self.n_samples() * (len(self.compare.levels) if self.compare else 1)

    def n_runs(self) -> int:
        return self.n_points() * self.replications

    def for_smoke(self) -> ExperimentSpec:
        """The spec's small version (its ``[smoke]`` section applied); itself if it has none."""
        if not self.smoke or self.is_smoke:
            return dataclasses.replace(self, is_smoke=True)
        s = self.smoke
        factors = self.factors
        if "max_levels" in s:
            factors = tuple(_thin(f, s["max_levels"]) for f in factors)
        spec = dataclasses.replace(
            self, factors=factors, replications=s.get("replications", self.replications),
            samples=s.get("samples", self.samples) if self.sampler != "grid" else None,
            base=dict(sorted((dict(self.base) | dict(s.get("base", {}))).items())), is_smoke=True)
        _check_sampler(spec, f"{self.source}: smoke")
        check_expectations(spec)
        return spec

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (JSON-able), as run: what the manifest records."""
        return {
            "name": self.name, "description": self.description, "sampler": self.sampler,
            "samples": self.samples, "morris_levels": self.morris_levels,
            "replications": self.replications, "engine": self.engine, "root_seed": self.root_seed,
            "common_random_numbers": self.common_random_numbers,
            "base": {"preset": self.base_preset, **dict(self.base)},
            "factors": {f.name: f.to_dict() for f in self.factors},
            "outputs": [o.name for o in self.outputs], "smoke": self.is_smoke,
        } | ({"compare": list(self.compare.levels)} if self.compare else {}) | (
            {"model": self.model, "model_sha256": self.model_sha256} if self.model else {})

    def digest(self) -> str:
        """A hash of everything that determines the results (not the name or description)."""
        data = self.to_dict()
        data.pop("name"), data.pop("description")
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _thin(factor: Factor, keep: int) -> Factor:
    """Keep at most ``keep`` levels, evenly spread and always including the first and last."""
    if factor.levels is None or len(factor.levels) <= keep:
        return factor
    idx = sorted({round(float(i)) for i in np.linspace(0, len(factor.levels) - 1, keep)})
    return dataclasses.replace(factor, levels=tuple(factor.levels[i] for i in idx))


# --- reading and validating ---------------------------------------------------------------------

def load_spec(path: str | Path, smoke: bool = False) -> ExperimentSpec:
    """Read and validate a spec file; with ``smoke``, return its small version."""
    path = Path(path)
    source = f"spec '{path}'"
    data = read_toml(path, source, SpecError)
    if "model" in data:  # a user's own model: its path is relative to the spec file's folder
        from hlssim.experiments.model_spec import resolve_model_path

        data = resolve_model_path(data, path)
    spec = parse_spec(data, source=source, name=path.stem)
    return spec.for_smoke() if smoke else spec


def parse_spec(data: Mapping[str, Any], source: str = "spec", name: str = "experiment") -> ExperimentSpec:
    """Validate a spec given as a dict (a parsed TOML file); raise :class:`SpecError` if bad."""
    if not isinstance(data, Mapping):
        raise SpecError(f"{source}: expected a table of settings")
    if "model" in data:  # a user's Vensim/XMILE model: its constants and variables, not presets
        from hlssim.experiments.model_spec import parse_model_spec

        return parse_model_spec(data, source, name)
    _no_unknown(data, _TOP_KEYS, source, "")
    sampler = data.get("sampler", "grid")
    if sampler not in SAMPLERS:
        raise SpecError(f"{source}: sampler: {_shown(sampler)} is not allowed; expected one of "
                        f"{', '.join(SAMPLERS)}")
    engine = data.get("engine", DEFAULT_ENGINE)
    if engine not in ENGINES:
        raise SpecError(f"{source}: engine: {_shown(engine)} is not allowed; expected one of "
                        f"{', '.join(sorted(ENGINES))}")
    base_raw = _table(data.get("base", {}), source, "base")
    base_preset = base_raw.get("preset")
    if base_preset is not None:
        _check_preset(base_preset, source, "base.preset")
    base = _parameters({k: v for k, v in base_raw.items() if k != "preset"}, source, "base")

    factors_raw = _table(data.get("factors"), source, "factors", required=True)
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
            raise SpecError(f"{source}: compare: {_shown(data['compare'])} is not allowed; expected "
                            "at least two presets (or case regimes) to compare")
        if base_preset is not None or "preset" in factors_raw:
            where = "base.preset" if base_preset is not None else "factors.preset"
            raise SpecError(f"{source}: compare: set together with {where}; expected one of them")

    outputs_raw = data.get("outputs", DEFAULT_OUTPUTS)
    outputs = _outputs(_table(outputs_raw, source, "outputs"), source)

    smoke = None
    if "smoke" in data:
        smoke = _smoke(_table(data["smoke"], source, "smoke"), factors, source)

    spec = ExperimentSpec(
        name=_text(data.get("name", name), source, "name"),
        description=" ".join(_text(data.get("description", ""), source, "description").split()),
        factors=factors, outputs=outputs, base=dict(sorted(base.items())), base_preset=base_preset,
        sampler=sampler, samples=_int(data["samples"], source, "samples", 1) if "samples" in data else None,
        morris_levels=_int(data.get("morris_levels", 4), source, "morris_levels", 2),
        replications=_int(data.get("replications", 1), source, "replications", 1),
        engine=engine, root_seed=_int(data.get("root_seed", 0), source, "root_seed", 0),
        common_random_numbers=_bool(data.get("common_random_numbers", False), source,
                                    "common_random_numbers"),
        smoke=smoke, source=source, compare=compare,
    )
    _check_sampler(spec, source)
    if "expect" in data:
        spec = dataclasses.replace(spec, expectations=parse_expectations(data["expect"], spec, source))
    if smoke:
        spec.for_smoke()  # a bad [smoke] section fails now, not in CI
    return spec


def _check_steps(spec: ExperimentSpec, source: str) -> None:
    """An ``at_N`` output needs every run to last N steps or more."""
    wanted = [o for o in spec.outputs if o.stat == "at"]
    if not wanted:
        return
    steps_factor = next((f for f in spec.factors if f.name == "steps"), None)
    if steps_factor is not None:
        steps = int(min(steps_factor.levels) if steps_factor.levels else steps_factor.low)
    else:
        steps = int(spec.base.get("steps", PARAMETERS["steps"].default))
    for out in wanted:
        if out.window > steps:
            raise SpecError(f"{source}: outputs.{out.metric}: \"at_{out.window}\" is not allowed; "
                            f"runs last {steps} steps, so expected at_1 to at_{steps}")


def _check_sampler(spec: ExperimentSpec, source: str) -> None:
    _check_steps(spec, source)
    if spec.sampler == "grid":
        if spec.samples is not None:
            raise SpecError(f"{source}: samples: {spec.samples} is not allowed with sampler grid; "
                            "expected no samples (a grid runs every combination of levels)")
        for f in spec.factors:
            if f.is_range:
                raise SpecError(
                    f"{source}: factors.{f.name}: a range without levels is not allowed with sampler "
                    "grid; expected a list of levels or {low, high, levels}")
    else:
        if spec.samples is None:
            raise SpecError(f"{source}: samples: missing; expected a whole number of samples for "
                            f"sampler {spec.sampler}")
        if spec.sampler == "sobol" and (spec.samples < 2 or spec.samples & (spec.samples - 1)):
            raise SpecError(f"{source}: samples: {spec.samples} is not allowed with sampler sobol; "
                            "expected a power of 2 (2, 4, 8, ...)")
        if spec.sampler == "morris" and spec.morris_levels % 2:
            raise SpecError(f"{source}: morris_levels: {spec.morris_levels} is not allowed; "
                            "expected an even whole number of at least 2")
    runs = spec.n_runs()
    if runs > MAX_RUNS:
        raise SpecError(f"{source}: {spec.n_points()} points x {spec.replications} replications = "
                        f"{runs} runs is not allowed; expected at most {MAX_RUNS}")


def _no_unknown(table: Mapping[str, Any], allowed: tuple[str, ...], source: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise SpecError(f"{source}: {prefix}{key}: unknown; allowed keys are {', '.join(allowed)}")


def _table(value: Any, source: str, field: str, required: bool = False) -> Mapping[str, Any]:
    if value is None and required:
        raise SpecError(f"{source}: {field}: missing; expected a [{field}] table")
    if not isinstance(value, Mapping):
        raise SpecError(f"{source}: {field}: {_shown(value)} is not allowed; expected a table")
    return value


def _text(value: Any, source: str, field: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{source}: {field}: {_shown(value)} is not allowed; expected text")
    return value


def _int(value: Any, source: str, field: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SpecError(f"{source}: {field}: {_shown(value)} is not allowed; expected a whole "
                        f"number of at least {low}")
    return value


def _bool(value: Any, source: str, field: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{source}: {field}: {_shown(value)} is not allowed; expected true or false")
    return value


def case_regimes() -> tuple[str, ...]:
    """Every case regime a spec may name where a preset goes: ``CASE/KEY``, in case order."""
    from hlssim.cases import load_cases

    try:
        cases = load_cases()
    except ScenarioError as err:
        raise SpecError(f"models/cases: {err}") from None
    return tuple(f"{c.name}{CASE_SEP}{r.key}" for c in cases.values() for r in c.regimes)


def _check_preset(value: Any, source: str, field: str) -> str:
    """A preset name, or a case's regime ``CASE/KEY`` (its world and regime overrides, see
    ``hlssim/cases.py``)."""
    names = preset_names()
    if isinstance(value, str) and value in names:
        return value
    regimes = case_regimes() if isinstance(value, str) and CASE_SEP in value else ()
    if value not in regimes:
        raise SpecError(f"{source}: {field}: {_shown(value)} is not allowed; expected one of "
                        f"{', '.join(names)}, or a case regime CASE{CASE_SEP}KEY: "
                        f"{', '.join(regimes or case_regimes())}")
    return value


def _param(name: str, source: str, field: str) -> Param:
    param = PARAMETERS.get(name)
    if param is None:
        raise SpecError(f"{source}: {field}: unknown parameter; see 'hlssim params' for the "
                        f"{len(PARAMETERS)} allowed names")
    return param


def _coerce(param: Param, value: Any, source: str, field: str, what: str = "") -> Any:
    try:
        return param.coerce(value)
    except ScenarioError:
        raise SpecError(f"{source}: {field}: {what}{_shown(value)} is not allowed; expected "
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
            raise SpecError(f"{source}: {field}: {_shown(value)} is not allowed; expected a list of "
                            "preset names (or case regimes CASE/KEY)")
        levels = tuple(_check_preset(v, source, field) for v in value)
        return Factor(name, str, levels=_distinct(levels, source, field))
    param = _param(name, source, field)
    if isinstance(value, list):
        levels = tuple(_coerce(param, v, source, field, "level ") for v in value)
        return Factor(name, param.kind, levels=_distinct(levels, source, field))
    if isinstance(value, Mapping):
        _no_unknown(value, _RANGE_KEYS, source, f"{field}.")
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
        if "levels" in value:
            n = _int(value["levels"], source, f"{field}.levels", 2)
            points = np.linspace(low, high, n)
            if param.kind is int:
                levels = tuple(round(float(x)) for x in points)
            else:
                levels = tuple(float(round(x, 12)) for x in points)
            return Factor(name, param.kind, levels=_distinct(levels, source, f"{field}.levels"))
        return Factor(name, param.kind, low=low, high=high)
    raise SpecError(f"{source}: {field}: {_shown(value)} is not allowed; expected a list of levels "
                    "or a range {low, high} (with levels for a grid)")


def _distinct(levels: tuple[Any, ...], source: str, field: str) -> tuple[Any, ...]:
    if not levels:
        raise SpecError(f"{source}: {field}: empty; expected at least one level")
    seen = set()
    for v in levels:
        if v in seen:
            raise SpecError(f"{source}: {field}: level {_shown(v)} appears twice; expected distinct levels")
        seen.add(v)
    return levels


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
            m = _STAT.match(stat) if isinstance(stat, str) else None
            if m is None:
                raise SpecError(f"{source}: {field}: {_shown(stat)} is not allowed; expected "
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
    _no_unknown(table, _SMOKE_KEYS, source, "smoke.")
    smoke: dict[str, Any] = {}
    for key in ("replications", "samples", "max_levels"):
        if key in table:
            smoke[key] = _int(table[key], source, f"smoke.{key}", 1)
    if "base" in table:
        base = _parameters(_table(table["base"], source, "smoke.base"), source, "smoke.base")
        for name in base:
            if name in {f.name for f in factors}:
                raise SpecError(f"{source}: smoke.base.{name}: is a factor; expected only "
                                "parameters that do not vary")
        smoke["base"] = base
    return smoke
