"""Experiment specs over a user's own Vensim or XMILE model (``model = "path/to/MODEL.mdl"``).

Such a spec has the format of ``spec.py`` with three differences: ``model`` replaces a base preset,
``[base]`` and ``[factors]`` name the model's constants (as ``hlssim inspect MODEL`` lists them; the
model's own name in any case/spacing, or PySD's Python name; a subscripted constant as the whole
array, ``"Initial value subscript"``, or one element, ``"Initial value subscript[Lemon]"``;
``[base]`` may also set ``INITIAL TIME``, ``FINAL TIME``, ``TIME STEP`` or ``SAVEPER``), and
``[outputs]`` name its variables (an array's elements by ``Name[a]``), with the usual statistics over
the model's saved times (``final``, ``mean``, ``mean_last_N``: the last N saved times) or
``trajectory`` (every saved time, stored tidy beside the summaries; ``step`` is the saved time's
index, 0 the initial time)::

    model = "../tests/sd_test_models/SIR/SIR.mdl"   # relative to the spec file's folder
    sampler = "sobol"
    samples = 64

    [factors]
    "Contact Infectivity" = {low = 0.1, high = 0.5}
    Duration = {low = 2, high = 10}

    [outputs]
    Recovered = "final"
    Infectious = ["mean", "final"]

``[factors]`` may be left out with sampler ``grid``: one point, the model as it is (a model with no
constant to vary sweeps this way; a stochastic one may replicate it).

A model without random functions runs deterministically, so ``replications`` must be 1 (the
default); a model with them (``RANDOM UNIFORM``, ...; ``hlssim inspect`` says "stochastic") may have
more, each run drawing from its own seed (the run's ``seed`` column, from the spec's
``root_seed``), so replicates differ and a re-run is bit-identical. No ``engine``, ``compare`` or
``common_random_numbers`` applies. Names are stored as the model writes them, so
result columns and outputs read ``Contact Infectivity`` and ``Recovered:final`` whichever spelling
the spec used. Everything is checked, with the model translated, before any run: an unknown
constant or variable is one line naming the spec, the field and the closest names.

>>> from pathlib import Path
>>> sir = Path(__file__).parents[2] / "tests/sd_test_models/SIR/SIR.mdl"
>>> spec = parse_model_spec({"model": str(sir), "factors": {"duration": [2, 5]},
...                          "outputs": {"recovered": "final"}})
>>> spec.factor_names, [o.name for o in spec.outputs], spec.n_runs()
(('Duration',), ['Recovered:final'], 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hlssim.errors import HlssimError, SpecError
from hlssim.experiments.spec_fields import (
    RANGE_KEYS,
    SAMPLERS,
    SMOKE_KEYS,
    STAT,
    ExperimentSpec,
    Factor,
    Output,
    check_sampler,
    distinct_levels,
    int_field,
    no_unknown,
    shown,
    table_field,
    text_field,
)
from hlssim.stockflow.user_model import ExternalModel, Variable, open_model

#: The engine name a model spec records (its runs go through PySD, see hlssim/stockflow/user_model.py).
MODEL_ENGINE = "pysd"
_MODEL_KEYS = ("name", "description", "model", "sampler", "samples", "morris_levels", "replications",
               "root_seed", "base", "factors", "outputs", "smoke",
               # as a manifest records the spec (ExperimentSpec.to_dict), read back by sweepdata.py:
               "engine", "common_random_numbers", "model_sha256")


def parse_model_spec(data: Mapping[str, Any], source: str = "spec",
                     name: str = "experiment") -> ExperimentSpec:
    """Validate a spec that names a ``model``; raise :class:`SpecError` (one line) if bad."""
    no_unknown(data, _MODEL_KEYS, source, "")
    path = text_field(data.get("model"), source, "model")
    try:
        model = open_model(path)
    except HlssimError as err:
        raise SpecError(f"{source}: model: {err}") from None
    recorded = data.get("model_sha256")
    if recorded is not None and recorded != model.digest:
        raise SpecError(f"{source}: model: '{model.path}' has changed since the sweep (content "
                        f"{model.digest}, recorded {shown(recorded)}); expected the same file")
    if data.get("engine", MODEL_ENGINE) != MODEL_ENGINE:
        raise SpecError(f"{source}: engine: {shown(data['engine'])} is not allowed with a model; "
                        f"expected none (its runs go through PySD)")
    if data.get("common_random_numbers", False) is not False:
        raise SpecError(f"{source}: common_random_numbers: not allowed with a model; expected none "
                        "(it runs deterministically)")
    sampler = data.get("sampler", "grid")
    if sampler not in SAMPLERS:
        raise SpecError(f"{source}: sampler: {shown(sampler)} is not allowed; expected one of "
                        f"{', '.join(SAMPLERS)}")
    reps = replications(model, data.get("replications", 1), source, "replications")
    base = _constants(model, table_field(data.get("base", {}), source, "base"), source, "base",
                      time_settings=True)
    factors_raw = table_field(data.get("factors", {}), source, "factors")
    if not factors_raw and sampler != "grid":
        raise SpecError(f"{source}: factors: none; expected at least one of the model's constants for "
                        f"sampler {sampler} (only a grid may have none: one run of the model as it is, "
                        "or its replications)")
    factors: list[Factor] = []
    seen: dict[str, str] = {}
    for key, value in factors_raw.items():
        f = _factor(model, key, value, source)
        if f.name in seen:
            raise SpecError(f"{source}: factors.{key}: the same constant as factors.{seen[f.name]}; "
                            "expected each constant once")
        if f.name in base:
            raise SpecError(f"{source}: factors.{key}: also set in [base]; set it in one place")
        seen[f.name] = key
        factors.append(f)
    factors.sort(key=lambda f: f.name)
    default_outputs = ({v.name: "final" for v in model.variables(["stock"]) if not v.is_array and not v.element}
                       or {v.name: "final" for v in model.variables(["stock"]) if v.element})
    outputs = _outputs(model, table_field(data.get("outputs", default_outputs), source, "outputs"), source)
    smoke = None
    if "smoke" in data:
        smoke = _smoke(model, table_field(data["smoke"], source, "smoke"), {f.name for f in factors}, source)
    spec = ExperimentSpec(
        name=text_field(data.get("name", name), source, "name"),
        description=" ".join(text_field(data.get("description", ""), source, "description").split()),
        factors=tuple(factors), outputs=outputs, base=dict(sorted(base.items())), base_preset=None,
        sampler=sampler, samples=int_field(data["samples"], source, "samples", 1) if "samples" in data else None,
        morris_levels=int_field(data.get("morris_levels", 4), source, "morris_levels", 2),
        replications=reps, engine=MODEL_ENGINE,
        root_seed=int_field(data.get("root_seed", 0), source, "root_seed", 0),
        smoke=smoke, source=source, model=str(model.path.resolve()), model_sha256=model.digest,
    )
    check_sampler(spec, source)
    if smoke:
        spec.for_smoke()  # a bad [smoke] section fails now, not in CI
    return spec


def replications(model: ExternalModel, value: Any, source: str, field: str) -> int:
    """A model spec's replications: any number for a model that draws random numbers, else 1."""
    reps = int_field(value, source, field, 1)
    if reps != 1 and not model.stochastic:
        raise SpecError(f"{source}: {field}: {reps} is not allowed with model '{model.path.name}'; "
                        "expected 1 (it has no random functions, so every replicate would be the same)")
    return reps


def _settable(model: ExternalModel, key: str, source: str, field: str) -> Variable:
    try:
        return model.settable(key)
    except HlssimError as err:
        raise SpecError(f"{source}: {field}: {err}") from None


def _value(model: ExternalModel, v: Variable, value: Any, source: str, field: str) -> float:
    try:
        return model.check_value(v, value, f"{source}: {field}")
    except HlssimError as err:
        raise SpecError(str(err)) from None


def _constants(model: ExternalModel, table: Mapping[str, Any], source: str, prefix: str,
               time_settings: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in table.items():
        field = f"{prefix}.{key}"
        v = _settable(model, key, source, field)
        if v.kind == "time setting" and not time_settings:
            raise SpecError(f"{source}: {field}: a time setting cannot vary; set it in [base]")
        if v.name in out:
            raise SpecError(f"{source}: {field}: '{v.name}' is set twice; expected each constant once")
        out[v.name] = _value(model, v, value, source, field)
    return out


def _factor(model: ExternalModel, key: str, value: Any, source: str) -> Factor:
    field = f"factors.{key}"
    v = _settable(model, key, source, field)
    if v.kind == "time setting":
        raise SpecError(f"{source}: {field}: a time setting cannot vary; set it in [base]")
    if isinstance(value, list):
        levels = tuple(_value(model, v, x, source, field) for x in value)
        return Factor(v.name, float, levels=distinct_levels(levels, source, field))
    if isinstance(value, Mapping):
        no_unknown(value, RANGE_KEYS, source, f"{field}.")
        for k in ("low", "high"):
            if k not in value:
                raise SpecError(f"{source}: {field}.{k}: missing; expected a number")
        low = _value(model, v, value["low"], source, f"{field}.low")
        high = _value(model, v, value["high"], source, f"{field}.high")
        if not low < high:
            raise SpecError(f"{source}: {field}: low {low!r} and high {high!r} are not allowed; "
                            "expected low < high")
        if "levels" in value:
            import numpy as np

            n = int_field(value["levels"], source, f"{field}.levels", 2)
            levels = tuple(float(round(x, 12)) for x in np.linspace(low, high, n))
            return Factor(v.name, float, levels=distinct_levels(levels, source, f"{field}.levels"))
        return Factor(v.name, float, low=low, high=high)
    raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected a list of levels "
                    "or a range {low, high} (with levels for a grid)")


def _outputs(model: ExternalModel, table: Mapping[str, Any], source: str) -> tuple[Output, ...]:
    if not table:
        raise SpecError(f"{source}: outputs: empty; expected at least one of the model's variables "
                        "= \"final\"")
    outputs: dict[str, Output] = {}
    for key, stats in table.items():
        field = f"outputs.{key}"
        try:
            v = model.output(key)
        except HlssimError as err:
            raise SpecError(f"{source}: {field}: {err}") from None
        stats = stats if isinstance(stats, list) else [stats]
        if not stats:
            raise SpecError(f"{source}: {field}: empty; expected \"final\", \"mean\", \"mean_last_N\" "
                            "or \"trajectory\"")
        for stat in stats:
            m = STAT.match(stat) if isinstance(stat, str) else None
            if m is None or m.group(3):  # at_N: hlssim's months only
                raise SpecError(f"{source}: {field}: {shown(stat)} is not allowed; expected \"final\", "
                                "\"mean\", \"mean_last_N\" (N a whole number of saved times) or "
                                "\"trajectory\"")
            out = Output(v.name, "mean_last", int(m.group(2))) if m.group(2) else Output(v.name, stat)
            outputs[out.name] = out
    if all(o.is_trajectory for o in outputs.values()):
        raise SpecError(f"{source}: outputs: only trajectories; expected at least one \"final\", "
                        "\"mean\" or \"mean_last_N\" too (a run's summary rows mark it done)")
    return tuple(outputs[k] for k in sorted(outputs))


def _smoke(model: ExternalModel, table: Mapping[str, Any], factors: set[str], source: str) -> dict[str, Any]:
    no_unknown(table, SMOKE_KEYS, source, "smoke.")
    smoke: dict[str, Any] = {}
    for key in ("samples", "max_levels"):
        if key in table:
            smoke[key] = int_field(table[key], source, f"smoke.{key}", 1)
    if "replications" in table:
        smoke["replications"] = replications(model, table["replications"], source, "smoke.replications")
    if "base" in table:
        base = _constants(model, table_field(table["base"], source, "smoke.base"), source, "smoke.base",
                          time_settings=True)
        for name in base:
            if name in factors:
                raise SpecError(f"{source}: smoke.base.{name}: is a factor; expected only constants "
                                "that do not vary")
        smoke["base"] = base
    return smoke


def resolve_model_path(data: Mapping[str, Any], spec_file: Path) -> Mapping[str, Any]:
    """``data`` with a relative ``model`` path taken relative to the spec file's folder."""
    if isinstance(data.get("model"), str):
        return dict(data) | {"model": str(spec_file.parent / data["model"])}
    return data

