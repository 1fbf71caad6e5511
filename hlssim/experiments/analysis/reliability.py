"""Can these sensitivity indices be believed? Warnings when the estimates are unreliable.

A sensitivity index from a small design can look like an answer while being mostly estimator
bias: RBD-FAST on a 128-point Latin hypercube gave audit_rate a first-order index of 0.18 for an
output that depends on complexity alone. Three checks, each a plain warning in the analysis's
notes (so in ``hlssim analyze``'s summary and the report):

1. **Sum over one** (first-order indices only): the S1 of one output sum to the share of
   variance explained by single factors, at most 1. A sum above ``1 + SUM_TOLERANCE`` means the
   estimates are biased or noisy.
2. **Interval wider than the index**: an index whose 95% half-width exceeds its value cannot be
   told from zero (or from twice itself); it is named.
3. **A null output** (the dummy-parameter check): the same estimator run on the output shuffled
   across the design's points, which no factor can explain, :data:`NULL_SHUFFLES` times. The
   largest index it gives is the estimator's noise floor at this design size; an index not above
   it is indistinguishable from no effect. Applied to S1 (Sobol, RBD-FAST) and Morris's mu_star;
   not to Sobol's ST (a shuffled output has every ST near 1 by construction) or to the grid's
   exact decomposition.

>>> rows = [("a", "S1", 0.7, 0.05), ("b", "S1", 0.5, 0.6)]
>>> for line in warnings_for("y", "all", rows, null_floor=0.55):
...     print(line)
Warning: y (all): first-order indices sum to 1.20, above 1: estimator bias or noise at this design size; treat every index as rough.
Warning: y (all): 1 of 2 indices have an interval wider than the index (b S1).
Warning: y (all): b S1 is not above 0.55, the largest index a shuffled output (no effect at all) gets: indistinguishable from no effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

#: How far above 1 the first-order indices may sum before it is called bias.
SUM_TOLERANCE = 0.1
#: Shuffles of the output for the null (dummy) check.
NULL_SHUFFLES = 10
#: The indices the null check applies to.
NULL_INDICES = ("S1", "mu_star")

Index = tuple[str, str, float, float]  # factor, index, value, conf (95% half-width)


def null_floor(estimate: Callable[[np.ndarray], Sequence[Index]], y: np.ndarray,
               seed: int) -> float | None:
    """The largest S1 or mu_star the estimator gives for ``y`` shuffled across the points
    (``NULL_SHUFFLES`` times, seeded by ``seed``); None if it gives none of them."""
    rng = np.random.default_rng([seed, 1919])
    found = [abs(v) for _ in range(NULL_SHUFFLES) for _, index, v, _ in estimate(rng.permutation(y))
             if index in NULL_INDICES and math.isfinite(v)]
    return max(found) if found else None


def warnings_for(output: str, subset: str, rows: Sequence[Index],
                 null_floor: float | None = None) -> list[str]:
    """The warnings one output's indices (for one subset of points) deserve; none if sound."""
    where = f"{output} ({subset})"
    lines = []
    s1 = [v for _, index, v, _ in rows if index == "S1" and math.isfinite(v)]
    if s1 and sum(s1) > 1 + SUM_TOLERANCE:
        lines.append(f"Warning: {where}: first-order indices sum to {sum(s1):.2f}, above 1: "
                     "estimator bias or noise at this design size; treat every index as rough.")
    judged = [(f, i, v, c) for f, i, v, c in rows if i in ("S1", "ST", "mu_star")
              and math.isfinite(v) and math.isfinite(c)]
    wide = [f"{f} {i}" for f, i, v, c in judged if c > abs(v)]
    if wide:
        lines.append(f"Warning: {where}: {len(wide)} of {len(judged)} indices have an interval "
                     f"wider than the index ({', '.join(wide)}).")
    if null_floor is not None:
        low = [f"{f} {i}" for f, i, v, _ in rows if i in NULL_INDICES and math.isfinite(v)
               and v <= null_floor]
        if low:
            lines.append(f"Warning: {where}: {', '.join(low)} {'is' if len(low) == 1 else 'are'} "
                         f"not above {null_floor:.2f}, the largest index a shuffled output (no "
                         "effect at all) gets: indistinguishable from no effect.")
    return lines
