"""The parts every experiment spec is made of: the spec itself (:class:`ExperimentSpec`, its
:class:`Factor` and :class:`Output`), the sampler rules, and the readers that check one field of a
TOML table and name it in a one-line :class:`~hlssim.errors.SpecError` when it is wrong.

:mod:`.spec` reads a spec over presets with these, :mod:`.model_spec` one over a user's own
stock-flow model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hlssim.errors import SpecError
from hlssim.experiments.expect_parse import check_expectations
from hlssim.model.parameters import PARAMETERS

SAMPLERS = ("grid", "lhs", "sobol", "morris")

DEFAULT_ENGINE = "batch"


def check_steps(spec: ExperimentSpec, source: str, stats: tuple[str, ...] = ("at",)) -> None:
    """An ``at_N`` output needs every run to last N steps or more. So does a ``mean_last_N`` the
    spec names (``stats=("mean_last",)``; a mean over more steps than a run has would be stored
    under a label that says otherwise). A smoke version's or the default outputs' ``mean_last_12``
    on shorter runs means every step, as documented."""
    wanted = [o for o in spec.outputs if o.stat in stats]
    if not wanted:
        return
    steps_factor = next((f for f in spec.factors if f.name == "steps"), None)
    if steps_factor is not None:
        steps = int(min(steps_factor.levels) if steps_factor.levels else steps_factor.low)
    else:
        steps = int(spec.base.get("steps", PARAMETERS["steps"].default))
    for out in wanted:
        if out.window > steps:
            stat = f"{out.stat}_{out.window}"
            raise SpecError(f"{source}: outputs.{out.metric}: \"{stat}\" is not allowed; "
                            f"runs last {steps} steps, so expected {out.stat}_1 to {out.stat}_{steps}")



#: A spec may not ask for more runs than this (a typo in a grid multiplies quickly).
MAX_RUNS = 10_000_000


SMOKE_KEYS = ("replications", "samples", "max_levels", "base")


RANGE_KEYS = ("low", "high", "levels")


STAT = re.compile(r"^(final|mean|mean_last_([1-9][0-9]*)|at_([1-9][0-9]*)|trajectory)$")


#: A case's regime, named where a preset may be: ``CASE/KEY`` (``models/cases/CASE.toml``).
CASE_SEP = "/"


def shown(value: Any) -> str:
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
    #: A sampled range's distribution, if not uniform: ``(name, ((key, value), ...))``, e.g.
    #: ``("normal", (("mean", 0.5), ("sd", 0.1)))``; see :data:`DISTRIBUTIONS`.
    dist: tuple[str, tuple[tuple[str, float], ...]] | None = None

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
        if self.dist is not None:
            return inverse_cdf(self.dist, self.low, self.high, u)
        return float(self.low + u * (self.high - self.low))

    def to_dict(self) -> dict[str, Any]:
        if self.levels is not None:
            return {"levels": list(self.levels)}
        extra = {"dist": self.dist[0], **dict(self.dist[1])} if self.dist else {}
        return {"low": self.low, "high": self.high} | extra


#: Distributions a sampled float range may have besides uniform, with the keys each needs. The
#: values are drawn by the inverse of the distribution function, truncated to [low, high] (a
#: parameter's declared bounds hold), from the sampler's unit design (as SALib's ``dists``
#: ``norm``, ``triang`` and ``lognorm`` do), so every sampler and index stays valid.
DISTRIBUTIONS = {"uniform": (), "normal": ("mean", "sd"), "triangular": ("mode",),
                 "lognormal": ("median", "sigma")}
DIST_KEYS = ("dist", "mean", "sd", "mode", "median", "sigma")


def _frozen(dist: str, low: float, high: float, params: dict[str, float]):
    from scipy import stats

    if dist == "normal":
        return stats.norm(params["mean"], params["sd"])
    if dist == "lognormal":
        return stats.lognorm(params["sigma"], scale=params["median"])
    return stats.triang((params["mode"] - low) / (high - low), loc=low, scale=high - low)


def inverse_cdf(dist, low: float, high: float, u: float) -> float:
    """The value at unit position ``u`` of ``dist`` truncated to [low, high].

    >>> inverse_cdf(("normal", (("mean", 0.5), ("sd", 0.1))), 0.0, 1.0, 0.5)
    0.5
    >>> round(inverse_cdf(("triangular", (("mode", 0.0),)), 0.0, 1.0, 0.75), 4)
    0.5
    """
    name, params = dist
    d = _frozen(name, low, high, dict(params))
    a, b = d.cdf(low), d.cdf(high)
    return float(min(high, max(low, d.ppf(a + u * (b - a)))))


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

    def first_step_read(self, steps: int) -> int:
        """The first step (1 is a run's first month) whose value :meth:`value` reads in a run of
        ``steps`` steps: a run's metrics need not be worked out before it."""
        if self.stat == "final":
            return steps
        if self.stat == "at":
            return min(self.window, steps)
        if self.stat == "mean_last":
            return max(1, steps - self.window + 1)
        return 1  # mean, trajectory

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
    text: str | None = None  # the spec file as written (comments too), for the manifest; not digested

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
            factors = tuple(thin_factor(f, s["max_levels"]) for f in factors)
        spec = dataclasses.replace(
            self, factors=factors, replications=s.get("replications", self.replications),
            samples=s.get("samples", self.samples) if self.sampler != "grid" else None,
            base=dict(sorted((dict(self.base) | dict(s.get("base", {}))).items())), is_smoke=True)
        check_sampler(spec, f"{self.source}: smoke")
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


def thin_factor(factor: Factor, keep: int) -> Factor:
    """Keep at most ``keep`` levels, evenly spread and always including the first and last."""
    if factor.levels is None or len(factor.levels) <= keep:
        return factor
    idx = sorted({round(float(i)) for i in np.linspace(0, len(factor.levels) - 1, keep)})
    return dataclasses.replace(factor, levels=tuple(factor.levels[i] for i in idx))


def check_sampler(spec: ExperimentSpec, source: str) -> None:
    check_steps(spec, source)
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


def no_unknown(table: Mapping[str, Any], allowed: tuple[str, ...], source: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise SpecError(f"{source}: {prefix}{key}: unknown; allowed keys are {', '.join(allowed)}")


def table_field(value: Any, source: str, field: str, required: bool = False) -> Mapping[str, Any]:
    if value is None and required:
        raise SpecError(f"{source}: {field}: missing; expected a [{field}] table")
    if not isinstance(value, Mapping):
        raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected a table")
    return value


def text_field(value: Any, source: str, field: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected text")
    return value


def int_field(value: Any, source: str, field: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected a whole "
                        f"number of at least {low}")
    return value


def bool_field(value: Any, source: str, field: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{source}: {field}: {shown(value)} is not allowed; expected true or false")
    return value


def distinct_levels(levels: tuple[Any, ...], source: str, field: str) -> tuple[Any, ...]:
    if not levels:
        raise SpecError(f"{source}: {field}: empty; expected at least one level")
    seen = set()
    for v in levels:
        if v in seen:
            raise SpecError(f"{source}: {field}: level {shown(v)} appears twice; expected distinct levels")
        seen.add(v)
    return levels
