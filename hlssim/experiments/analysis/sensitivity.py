"""Global sensitivity indices of a sweep's outputs, by the method its sampler allows.

Every method works on the mean of each design point's replications (Monte-Carlo noise left in
those means shows up as small non-zero indices for factors that do nothing). Factors are analysed
on the unit scale the sampler drew them on ([0, 1] per factor; a list factor's levels split that
interval evenly), so a categorical factor such as ``preset`` is handled like any other.

- ``sobol`` (Saltelli design): first-order ``S1`` and total ``ST`` Sobol indices with 95%
  bootstrap intervals, ``SALib.analyze.sobol``. The design's points must be SALib's rows in
  SALib's order; :func:`sample_index` rebuilds the sample and checks this, and
  :func:`check_saltelli` checks the block structure ``A, AB_1..AB_D, BA_1..BA_D, B`` it assumes.
- ``morris`` (trajectories): ``mu_star`` (with a 95% interval), ``sigma`` and ``mu`` of the
  elementary effects, ``SALib.analyze.morris``; an effect is the change in the output when the
  factor moves across its whole range (the unit scale).
- ``lhs``: first-order indices by RBD-FAST (``SALib.analyze.rbd_fast``), which reads any sample
  of the unit cube; only with at least :data:`MIN_RBD_POINTS` points (fewer give spurious values).
- ``grid`` (full factorial): the Sobol indices of the grid itself, exact rather than estimated:
  with each factor uniform over its levels, ``S1`` is the variance of the factor's level means
  and ``ST`` the mean variance across its levels with every other factor fixed, both over the
  total variance. The 95% intervals come from resampling each point's replications.

Every set of indices is checked (:mod:`.reliability`: first-order indices summing above 1,
intervals wider than the index, a shuffled-output noise floor) and a warning added to the notes
when it cannot be believed.

With a ``compare`` list (the same sampled points under each regime) the indices are given per
regime and for the paired difference HLS minus NPM (see :mod:`hlssim.experiments.analysis.discovery`).

>>> import numpy as np
>>> y = np.array([[0.0, 1.0], [2.0, 3.0]])     # factor a: rows, factor b: columns; y = 2a + b
>>> s1, st = grid_indices(y[None])
>>> np.round(s1[0], 3).tolist(), np.round(st[0], 3).tolist()
([0.8, 0.2], [0.8, 0.2])
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.experiments.analysis.discovery import regime_pairs
from hlssim.experiments.analysis.reliability import null_floor, warnings_for
from hlssim.experiments.design import unit_sample
from hlssim.experiments.spec import ExperimentSpec

#: RBD-FAST's fewest points (with its default 10 harmonics, fewer points give spurious indices).
MIN_RBD_POINTS = 64
#: Bootstrap resamples (SALib's and the grid's).
RESAMPLES = 500
#: Bootstrap resamples in each run of the null (shuffled-output) check: only its values are used.
NULL_RESAMPLES = 20
#: Columns of the indices table.
INDEX_COLUMNS = ("output", "subset", "method", "factor", "index", "value", "conf")

METHOD_NAMES = {
    "sobol": "Sobol indices (Saltelli design, SALib)",
    "morris": "Morris elementary effects (SALib)",
    "rbd_fast": "first-order indices by RBD-FAST (SALib) on the Latin hypercube",
    "grid": "Sobol indices of the full-factorial grid (exact variance decomposition over its levels)",
}


@dataclass(frozen=True)
class Subset:
    """What one set of indices is of: one regime of ``compare`` (or all points), or a difference."""

    label: str  # "all", a regime's name, or "hls - npm_targets"
    y: Callable[[np.ndarray], np.ndarray]  # point means (..., points) -> values per sample (..., S)


def _unit(spec: ExperimentSpec) -> np.ndarray:
    """The sampler's unit-cube sample, drawn as :func:`design.design_points` draws it."""
    rng = np.random.default_rng(np.random.SeedSequence(spec.root_seed))
    return unit_sample(spec.sampler, len(spec.factors), spec.samples, rng, spec.morris_levels)


def check_saltelli(unit: np.ndarray, d: int) -> None:
    """Raise unless ``unit`` has the row blocks ``A, AB_1..AB_D, BA_1..BA_D, B`` SALib's Sobol
    analysis assumes (``AB_i`` is ``A`` with column ``i`` from ``B``, ``BA_i`` the reverse)."""
    size = 2 * d + 2
    if len(unit) % size:
        raise HlssimError(f"sobol design: {len(unit)} points is not a multiple of 2D+2 = {size}")
    blocks = unit.reshape(-1, size, d)
    a, b = blocks[:, 0], blocks[:, -1]
    for i in range(d):
        ab, ba = a.copy(), b.copy()
        ab[:, i], ba[:, i] = b[:, i], a[:, i]
        if not (np.array_equal(blocks[:, 1 + i], ab) and np.array_equal(blocks[:, 1 + d + i], ba)):
            raise HlssimError("sobol design: the points are not in Saltelli order (A, AB_i, BA_i, B)")


def check_morris(unit: np.ndarray, d: int) -> None:
    """Raise unless each run of ``d + 1`` rows moves one factor at a time (Morris trajectories)."""
    traj = unit.reshape(-1, d + 1, d)
    moved = (np.diff(traj, axis=1) != 0).sum(axis=2)
    if not np.all(moved == 1):
        raise HlssimError("morris design: the points are not trajectories moving one factor at a time")


def sample_index(spec: ExperimentSpec, points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each design point's row in the rebuilt unit sample, checked against its stored values.

    ``points`` holds one row per design point (``point`` and the factor columns). Returns the
    unit sample and, per point (sorted by ``point``), its sample row. With ``compare`` the design
    has every sample once per regime; both plausible orders are tried and the one whose values
    match every stored point is used; if none does, the analysis stops rather than guess.
    """
    unit = _unit(spec)
    n_samples = len(unit)
    names = [f.name for f in spec.factors]
    expected = pd.DataFrame([[f.from_unit(u) for f, u in zip(spec.factors, row)] for row in unit],
                            columns=names)
    points = points.sort_values("point")
    p = points["point"].to_numpy()
    n_compare = len(spec.compare.levels) if getattr(spec, "compare", None) else 1
    if len(unit) * n_compare != spec.n_points():
        raise HlssimError(f"{spec.sampler} design: rebuilt {len(unit)} samples for "
                          f"{spec.n_points()} points")
    orders = {"sample-major": p // n_compare, "regime-major": p % n_samples}
    for rows in orders.values():
        got = points[names].reset_index(drop=True)
        want = expected.iloc[rows].reset_index(drop=True)
        if got.equals(want.astype(got.dtypes.to_dict())):
            return unit, rows
    raise HlssimError(f"{spec.sampler} design: the stored points do not match the sample rebuilt "
                      "from the spec (different hlssim or SALib version?); cannot analyse")


def grid_indices(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact first-order and total indices of a full grid of values.

    ``y`` has shape ``(B, L_1, ..., L_d)``: B repetitions (bootstrap draws) of the grid. Returns
    ``S1`` and ``ST``, each ``(B, d)``; NaN where the grid is constant.
    """
    d = y.ndim - 1
    total = y.reshape(len(y), -1).var(axis=1)
    s1 = np.empty((len(y), d))
    st = np.empty((len(y), d))
    for i in range(d):
        others = tuple(a for a in range(1, d + 1) if a != i + 1)
        s1[:, i] = y.mean(axis=others).var(axis=1) if others else y.var(axis=1)
        st[:, i] = y.var(axis=i + 1).reshape(len(y), -1).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return s1 / total[:, None], st / total[:, None]


def _subsets(spec: ExperimentSpec, points: pd.DataFrame, rows: np.ndarray) -> list[Subset]:
    """The sets of points to analyse: all, or each ``compare`` regime, and HLS minus NPM pairs."""
    compare = getattr(spec, "compare", None)
    n_samples = int(rows.max()) + 1 if len(rows) else 0
    if not compare:
        order = np.empty(n_samples, dtype=int)
        order[rows] = np.arange(len(rows))
        return [Subset("all", lambda m, o=order: m[..., o])]
    regimes = points.sort_values("point")["preset"].to_numpy()
    at = {}
    for level in compare.levels:
        mask = regimes == level
        order = np.full(n_samples, -1)
        order[rows[mask]] = np.flatnonzero(mask)
        at[level] = order
    subsets = [Subset(level, lambda m, o=at[level]: m[..., o]) for level in compare.levels]
    for hls, npm in regime_pairs(compare.levels):
        subsets.append(Subset(f"{hls} - {npm}",
                              lambda m, h=at[hls], n=at[npm]: m[..., h] - m[..., n]))
    return subsets


def salib_indices(spec: ExperimentSpec, unit: np.ndarray, y: np.ndarray, resamples: int = RESAMPLES,
                  second_order: bool = False) -> list[tuple[str, str, float, float]]:
    """(factor, index, value, conf) from SALib for one vector of sample values (``resamples``:
    bootstrap draws for ``conf``; the null check needs none to speak of). ``second_order``
    (Sobol only) adds each pair's ``S2``, its factor named ``A & B``: the share of the
    variance due to A and B together beyond their first-order effects."""
    names = [f.name for f in spec.factors]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    seed = spec.root_seed
    out = []
    if spec.sampler == "sobol":
        from SALib.analyze import sobol

        r = sobol.analyze(problem, y, calc_second_order=True, num_resamples=resamples, seed=seed)
        for i, name in enumerate(names):
            out += [(name, "S1", r["S1"][i], r["S1_conf"][i]), (name, "ST", r["ST"][i], r["ST_conf"][i])]
        if second_order:
            for i, j in itertools.combinations(range(len(names)), 2):
                out.append((f"{names[i]} & {names[j]}", "S2", r["S2"][i, j], r["S2_conf"][i, j]))
    elif spec.sampler == "morris":
        from SALib.analyze import morris

        r = morris.analyze(problem, unit, y, num_resamples=resamples, num_levels=spec.morris_levels,
                           seed=seed)
        for i, name in enumerate(names):
            out += [(name, "mu_star", r["mu_star"][i], r["mu_star_conf"][i]),
                    (name, "sigma", r["sigma"][i], math.nan), (name, "mu", r["mu"][i], math.nan)]
    else:
        from SALib.analyze import rbd_fast

        r = rbd_fast.analyze(problem, unit, y, num_resamples=resamples, seed=seed)
        for i, name in enumerate(names):
            out.append((name, "S1", r["S1"][i], r["S1_conf"][i]))
    return [(f, k, float(v), float(c)) for f, k, v, c in out]


def _method(spec: ExperimentSpec) -> str:
    return "rbd_fast" if spec.sampler == "lhs" else spec.sampler


def sensitivity(spec: ExperimentSpec, means: pd.DataFrame, rows: pd.DataFrame,
                outputs: list[str], second_order: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Indices for ``outputs``: a table (:data:`INDEX_COLUMNS`) and notes for the reader.

    ``means`` is :func:`sweepdata.point_means` of ``rows`` (the tidy rows, used by the grid's
    bootstrap). Every design point must have results; otherwise a note says why there are none.
    """
    method = _method(spec)
    notes = [(f"Method: {METHOD_NAMES[method]}. Each design point's replications are averaged "
             "first; factors are on the unit scale the design used.")]
    n_points = spec.n_points()
    have = means["point"].nunique()
    if have < n_points:
        notes.append(f"No indices: {n_points - have} of {n_points} design points have no results "
                     "yet (resume the sweep to finish it).")
        return pd.DataFrame(columns=INDEX_COLUMNS), notes
    factor_cols = [f.name for f in getattr(spec, "columns", spec.factors)]
    points = means.drop_duplicates("point")[["point", *factor_cols]].sort_values("point")
    if method == "grid":
        return _grid_table(spec, points, rows, outputs, notes)
    if method == "rbd_fast" and spec.samples < MIN_RBD_POINTS:
        notes.append(f"No indices: RBD-FAST needs at least {MIN_RBD_POINTS} Latin hypercube points; "
                     f"this design has {spec.samples}. Use more samples, or sampler sobol or morris.")
        return pd.DataFrame(columns=INDEX_COLUMNS), notes
    if method in ("sobol", "morris") and spec.samples < 64:
        notes.append(f"With {spec.samples} {'base samples' if method == 'sobol' else 'trajectories'} "
                     "the indices are rough (their intervals say how rough); hundreds are usual.")
    unit, idx = sample_index(spec, points)
    if method == "sobol":
        check_saltelli(unit, len(spec.factors))
    elif method == "morris":
        check_morris(unit, len(spec.factors))
    subsets = _subsets(spec, points, idx)
    table = []
    for output in outputs:
        m = means[means["output"] == output].sort_values("point")["mean"].to_numpy()
        for subset in subsets:
            y = subset.y(m)
            if np.ptp(y) == 0:
                notes.append(f"{output} ({subset.label}): the same at every point; no indices.")
                continue
            found = salib_indices(spec, unit, y, second_order=second_order)
            for factor, index, value, conf in found:
                table.append((output, subset.label, method, factor, index, value, conf))
            floor = null_floor(lambda z: salib_indices(spec, unit, z, NULL_RESAMPLES), y, spec.root_seed)
            notes += warnings_for(output, subset.label, [f for f in found if f[1] != "S2"], floor)
    return pd.DataFrame(table, columns=INDEX_COLUMNS), notes


def _grid_table(spec: ExperimentSpec, points: pd.DataFrame, rows: pd.DataFrame, outputs: list[str],
                notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Grid indices with bootstrap intervals (replications resampled within each point)."""
    factors = list(spec.factors)
    shape = tuple(len(f.levels) for f in factors)
    cell = np.zeros(len(points), dtype=int)  # each point's flat position in the grid
    for f in factors:
        cell = cell * len(f.levels) + points[f.name].map({v: k for k, v in enumerate(f.levels)}).to_numpy()
    compare = getattr(spec, "compare", None)
    regimes = points["preset"].to_numpy() if compare else np.array(["all"] * len(points))
    groups = list(compare.levels) if compare else ["all"]
    pos = {}
    for g in groups:
        mask = regimes == g
        order = np.full(math.prod(shape), -1)
        order[cell[mask]] = np.flatnonzero(mask)
        if (order < 0).any():
            raise HlssimError("grid design: the stored points do not fill the grid; cannot analyse")
        pos[g] = order
    subsets = [(g, lambda m, o=pos[g]: m[..., o]) for g in groups]
    if compare:
        subsets += [(f"{h} - {n}", lambda m, a=pos[h], b=pos[n]: m[..., a] - m[..., b])
                    for h, n in regime_pairs(compare.levels)]
    table = []
    for output in outputs:
        # one stream per output, so an output's intervals do not depend on which others are asked
        rng = np.random.default_rng([spec.root_seed, zlib.crc32(output.encode())])
        values = rows[rows["output"] == output].sort_values(["point", "replicate"])
        per_point = [g.to_numpy() for _, g in values.groupby("point", sort=True)["value"]]
        est = np.array([v.mean() for v in per_point])
        boot = np.stack([v[rng.integers(0, len(v), (RESAMPLES, len(v)))].mean(axis=1)
                         for v in per_point], axis=1)  # (RESAMPLES, points)
        for label, pick in subsets:
            y = pick(est)
            if np.ptp(y) == 0:
                notes.append(f"{output} ({label}): the same at every point; no indices.")
                continue
            s1, st = grid_indices(pick(est)[None].reshape(1, *shape))
            b1, bt = grid_indices(pick(boot).reshape(RESAMPLES, *shape))
            for i, f in enumerate(factors):
                for name, v, b in (("S1", s1[0, i], b1[:, i]), ("ST", st[0, i], bt[:, i])):
                    conf = 1.96 * float(np.nanstd(b, ddof=1)) if len(per_point[0]) > 1 else math.nan
                    table.append((output, label, "grid", f.name, name, float(v), conf))
            notes += warnings_for(output, label, [r[3:] for r in table[-2 * len(factors):]])
    return pd.DataFrame(table, columns=INDEX_COLUMNS), notes
