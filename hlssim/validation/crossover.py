"""Where NPM and HLS cross on complexity, and how that point moves with uncertain parameters.

Fact 11 of the validation suite asks where the lines cross and how the crossing moves with the
model's uncertain parameters. This module treats the crossing itself as the output: for each
point of a Saltelli design over the uncertain parameters (each +-50% around its default), both
regimes run at every complexity level under the same seeds (``hlssim.run_many``), the difference
HLS minus NPM in final-year wellbeing is taken at each level, and the crossing is where it first
changes sign (linear interpolation, as in the ``crossover`` expectation). First-order and total
Sobol indices of the crossing come from ``SALib.analyze.sobol`` with 95% bootstrap intervals.

A point where the lines do not cross within [0, 1] gets the end it lies beyond (0 if HLS is ahead
everywhere, 1 if NPM is) and is counted, so that the indices stay defined and the count says how
often that happened.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hlssim.common import stats
from hlssim.model.parameters import PARAMETERS

#: The uncertain parameters and their ranges: each default +-50%.
UNCERTAIN: Mapping[str, tuple[float, float]] = {
    name: (0.5 * PARAMETERS[name].default, 1.5 * PARAMETERS[name].default)
    for name in ("learning_rate", "help_gain", "attribution_loss", "misfit_effect",
                 "interaction_strength")
}
COMPLEXITY = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
REGIMES = ("npm_targets", "hls")
LAST_MONTHS = 12
#: The world the crossings are computed in: the quick form's sizes (2 regimes x 6 levels a point).
SOBOL_WORLD: Mapping[str, int] = {"n_people": 160, "n_workers": 8, "n_providers": 2, "steps": 60}


@dataclass(frozen=True)
class CrossoverSobol:
    """The crossings over the design, their Sobol indices and the settings that made them."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    crossings: np.ndarray
    beyond: int  # points where the lines did not cross inside [0, 1]
    s1: np.ndarray
    s1_conf: np.ndarray
    st: np.ndarray
    st_conf: np.ndarray
    base_n: int
    replications: int
    world: Mapping[str, int]


def differences(values: Mapping[str, float], seeds, world: Mapping[str, int]) -> np.ndarray:
    """HLS minus NPM in final-year wellbeing at each complexity level (same seeds for both)."""
    from hlssim.engines.registry import run_many
    from hlssim.model.scenario import Scenario

    diffs = []
    for c in COMPLEXITY:
        means = []
        for regime in REGIMES:
            table = run_many(Scenario.from_preset(regime, complexity=c, **world, **values), seeds)
            last = table[table["step"] > table["step"].max() - LAST_MONTHS]
            means.append(float(last["wellbeing_mean"].mean()))
        diffs.append(means[1] - means[0])
    return np.array(diffs)


def crossing(diffs: np.ndarray) -> float:
    """Where the differences first change sign along complexity; if never, the end they lie
    beyond (0: HLS ahead everywhere, 1: NPM ahead everywhere) and a NaN flag's place is taken.

    >>> crossing(np.array([-0.1, -0.05, 0.05, 0.1, 0.2, 0.3]))
    0.3
    >>> crossing(np.full(6, 0.1)), crossing(np.full(6, -0.1))
    (0.0, 1.0)
    """
    x = float(stats.crossing(np.array(COMPLEXITY), diffs[None])[0])
    if np.isnan(x):
        return 0.0 if diffs[0] > 0 else 1.0
    return round(x, 12)


def crossover_sobol(base_n: int, replications: int = 4, world: Mapping[str, int] | None = None,
                    root_seed: int = 7011, progress: bool = False) -> CrossoverSobol:
    """Sobol indices of the crossing over :data:`UNCERTAIN` (``base_n`` a power of 2)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    world = dict(world or {})
    names = tuple(UNCERTAIN)
    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(UNCERTAIN[n]) for n in names]}
    sample = sobol_sample.sample(problem, base_n, calc_second_order=False, seed=root_seed)
    seeds = [np.random.SeedSequence(root_seed, spawn_key=(i,)) for i in range(replications)]
    crossings, beyond = np.empty(len(sample)), 0
    for i, row in enumerate(sample):
        diffs = differences(dict(zip(names, map(float, row))), seeds, world)
        beyond += bool(np.isnan(stats.crossing(np.array(COMPLEXITY), diffs[None])[0]))
        crossings[i] = crossing(diffs)
        if progress and (i + 1) % max(1, len(sample) // 10) == 0:
            print(f"crossover sobol: {i + 1}/{len(sample)} points", file=sys.stderr)
    result = sobol_analyze.analyze(problem, crossings, calc_second_order=False, conf_level=0.95,
                                   seed=root_seed, print_to_console=False)
    return CrossoverSobol(names, tuple(tuple(UNCERTAIN[n]) for n in names), crossings, beyond,
                          np.asarray(result["S1"]), np.asarray(result["S1_conf"]),
                          np.asarray(result["ST"]), np.asarray(result["ST_conf"]), base_n,
                          replications, world)


def markdown(r: CrossoverSobol) -> list[str]:
    """The section of VALIDATION.md on how the crossing moves with the uncertain parameters."""
    q = np.quantile(r.crossings, [0.05, 0.5, 0.95])
    lines = [
        "", '<a id="crossover-sobol"></a>',
        "## How the crossover moves with the uncertain parameters (fact 11)", "",
        (f"The crossing of NPM and HLS on final-year wellbeing, along complexity "
        f"({', '.join(f'{c:g}' for c in COMPLEXITY)}), at each of {len(r.crossings)} points of a "
        f"Saltelli design (base N = {r.base_n}, `SALib`) over {len(r.names)} uncertain parameters, "
        f"each its default +-50%; {r.replications} replications per regime and level, paired by "
        f"seed; world {dict(r.world) or 'defaults'}. Crossing: median {q[1]:.2f}, 5-95% "
        f"[{q[0]:.2f}, {q[2]:.2f}]; the lines did not cross inside [0, 1] at {r.beyond} points "
        "(set to the end they lie beyond). Sobol indices of the crossing (95% bootstrap "
        "intervals; with this few points, small indices are within noise of 0):"), "",
        "| parameter | range | S1 | ST |", "|---|---|---|---|",
    ]
    for i, name in enumerate(r.names):
        lo, hi = r.bounds[i]
        lines.append(f"| `{name}` | [{lo:g}, {hi:g}] | {r.s1[i]:.2f} +- {r.s1_conf[i]:.2f} | "
                     f"{r.st[i]:.2f} +- {r.st_conf[i]:.2f} |")
    return lines
