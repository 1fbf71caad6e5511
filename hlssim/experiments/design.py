"""Expanding a spec into design points and runs, in a fixed order, each run with its own seed.

Order: points in the sampler's order (a grid varies the last factor, by sorted name, fastest;
``lhs``, ``sobol`` and ``morris`` keep SALib's row order), then replicates ``0..R-1``. Run ``i`` of
that order has ``run_id = i`` and the seed :func:`run_seed` ``(root_seed, i)``; with
``common_random_numbers`` replicate ``r`` of every point shares the seed of index ``r`` instead.

With ``compare`` (K regimes) each sampled point ``s`` becomes the K points ``s*K + k``, one per
regime in the listed order, and they share seeds: replicate ``r`` of each uses the seed of index
``s*R + r``, as if the point were run once (a paired comparison; ``sample = point // K``).
Nothing here depends on how or where runs execute, so a run id and its seed determine its rows.

>>> from hlssim.experiments.spec import parse_spec
>>> spec = parse_spec({"factors": {"preset": ["npm_targets", "hls"], "complexity": [0.2, 0.8]}})
>>> [tuple(p.values()) for p in expand(spec).points]
[(0.2, 'npm_targets'), (0.2, 'hls'), (0.8, 'npm_targets'), (0.8, 'hls')]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hlssim.errors import ScenarioError
from hlssim.experiments.spec import CASE_SEP, ExperimentSpec, Factor, SpecError
from hlssim.model.scenario import Scenario


def run_seed(root_seed: int, index: int) -> int:
    """The integer seed of run ``index``: 63 bits of ``SeedSequence(root_seed, spawn_key=(index,))``.

    An integer (not the sequence itself) so that the seed stored with a run's rows reproduces it
    alone: ``hlssim run --seed SEED`` with the run's parameters gives the same table.

    >>> run_seed(1, 0) == run_seed(1, 0) != run_seed(1, 1)
    True
    """
    state = np.random.SeedSequence(root_seed, spawn_key=(index,)).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


@dataclass(frozen=True)
class Run:
    """One run of the design: its id (index in the design order), point, replicate and seed, and
    its sample: the sampler's point it belongs to (with ``compare``'s K regimes the K design
    points ``s*K .. s*K+K-1`` share sample ``s``, its factor values and its seeds; else the
    point)."""

    run_id: int
    point: int
    replicate: int
    seed: int
    sample: int = 0


@dataclass(frozen=True)
class Design:
    """A spec expanded: the factor values and scenario of every point, and every run."""

    spec: ExperimentSpec
    points: tuple[dict[str, Any], ...]
    scenarios: tuple[Scenario, ...]
    runs: tuple[Run, ...]


def unit_sample(sampler: str, n_factors: int, samples: int, rng: np.random.Generator,
                morris_levels: int = 4) -> np.ndarray:
    """SALib's ``lhs``, ``sobol`` (Saltelli, second order) or ``morris`` design on [0, 1]^d.

    Rows are points, columns factors; the values are later mapped onto each factor's range or
    levels by :meth:`Factor.from_unit`.
    """
    problem = {"num_vars": n_factors, "names": [f"x{i}" for i in range(n_factors)],
               "bounds": [[0.0, 1.0]] * n_factors}
    if sampler == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, samples, seed=rng)
    if sampler == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=True, seed=rng)
    if sampler == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=morris_levels, seed=rng)
    raise ValueError(f"sampler '{sampler}': expected lhs, sobol or morris")


def grid_points(factors: Sequence[Factor]) -> list[dict[str, Any]]:
    """Every combination of the factors' levels; the last factor varies fastest."""
    names = [f.name for f in factors]
    return [dict(zip(names, combo)) for combo in itertools.product(*(f.levels for f in factors))]


def sampled_points(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """The sampler's points (the values of ``spec.factors``), in its order."""
    if spec.sampler == "grid":
        return grid_points(spec.factors)
    rng = np.random.default_rng(np.random.SeedSequence(spec.root_seed))
    unit = unit_sample(spec.sampler, len(spec.factors), spec.samples, rng, spec.morris_levels)
    return [{f.name: f.from_unit(u) for f, u in zip(spec.factors, row)} for row in unit]


def design_points(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """The factor values of every design point, in design order (each sampled point under every
    ``compare`` regime in turn), keys sorted by name."""
    points = sampled_points(spec)
    if spec.compare is not None:
        points = [p | {"preset": level} for p in points for level in spec.compare.levels]
    return [dict(sorted(p.items())) for p in points]


def regime_scenario(ref: str | None, overrides: dict[str, Any]) -> Scenario:
    """The scenario of a preset name, or of a case's regime ``CASE/KEY`` (the case's world, then
    the regime's overrides), with ``overrides`` applied last."""
    if ref is not None and CASE_SEP in ref:
        from hlssim.model.cases import load_case

        case_name, key = ref.split(CASE_SEP, 1)
        case = load_case(case_name)
        regime = next(r for r in case.regimes if r.key == key)
        return regime.scenario(case.world, **overrides)
    return Scenario(overrides, preset=ref)


def point_scenario(spec: ExperimentSpec, values: dict[str, Any],
                   bases: dict[Any, Scenario | None] | None = None) -> Scenario:
    """The scenario of one point: its preset or case regime (or the base's), the base overrides,
    its values. A spec over a user's model gets its constants' values instead of a Scenario.

    ``bases`` (a dict kept across the points of one design) caches each preset's scenario with
    the base overrides, so that a preset file is read once per design, not once per point (it
    was 80% of the expansion's time: 2 s for the 2,304 points of ``sensitivity.toml``); a
    point's scenario is then that one with its own values, the same values either way."""
    if spec.model is not None:
        return dict(spec.base) | values
    preset = values.get("preset", spec.base_preset)
    own = {k: v for k, v in values.items() if k != "preset"}
    if bases is None or (preset is not None and CASE_SEP in preset):
        return regime_scenario(preset, dict(spec.base) | own)
    if preset not in bases:
        try:
            bases[preset] = regime_scenario(preset, dict(spec.base))
        except ScenarioError:
            bases[preset] = None  # not valid alone (a point's values may make it valid)
    base = bases[preset]
    if base is None:
        return regime_scenario(preset, dict(spec.base) | own)
    return base.with_overrides(**own)


def expand(spec: ExperimentSpec) -> Design:
    """Expand a spec into its design; every point's scenario is validated here, before any run."""
    points = design_points(spec)
    scenarios = []
    bases: dict[Any, Scenario | None] = {}
    for i, values in enumerate(points):
        try:
            scenarios.append(point_scenario(spec, values, bases))
        except ScenarioError as err:
            shown = ", ".join(f"{k}={v}" for k, v in values.items())
            raise SpecError(f"{spec.source}: design point {i} ({shown}): {err}") from None
    reps = spec.replications
    k = len(spec.compare.levels) if spec.compare is not None else 1
    runs = []
    for p in range(len(points)):
        for r in range(reps):
            i = p * reps + r
            index = r if spec.common_random_numbers else (p // k) * reps + r
            runs.append(Run(i, p, r, run_seed(spec.root_seed, index), p // k))
    return Design(spec, tuple(points), tuple(scenarios), tuple(runs))
