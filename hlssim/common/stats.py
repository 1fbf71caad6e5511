"""Small statistics shared by comparisons, reports and expectations: means and differences of
means over replications, with t intervals.

>>> round(mean_interval([1.0, 2.0, 3.0])[0], 3), [round(v, 3) for v in mean_interval([1.0, 2.0, 3.0])[1:]]
(2.0, [-0.484, 4.484])
>>> [round(v, 3) for v in welch_interval([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])]
[1.0, -1.267, 3.267]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def mean_interval(values: Sequence[float] | np.ndarray, confidence: float = 0.95
                  ) -> tuple[float, float, float]:
    """The mean of ``values`` with its two-sided Student-t interval; a single value (or no spread)
    gives a zero-width interval."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if len(x) < 2 or x.std(ddof=1) == 0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


def welch_interval(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray,
                   confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``x`` minus mean of ``y``, with a two-sided Welch t interval.

    Welch's interval does not assume equal spread in the two groups (regimes differ in how much
    luck matters). NaN bounds when either group has fewer than 2 values.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    diff = float(x.mean() - y.mean())
    if len(x) < 2 or len(y) < 2:
        return diff, float("nan"), float("nan")
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = float(np.sqrt(vx + vy))
    if se == 0:
        return diff, diff, diff
    wx, wy = vx / (vx + vy), vy / (vx + vy)  # Welch-Satterthwaite on shares: no underflow
    dof = 1.0 / (wx**2 / (len(x) - 1) + wy**2 / (len(y) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof) * se)
    return diff, diff - half, diff + half


def sample_interval(values: pd.Series) -> tuple[float, float, float, int]:
    """Mean, 95% t-interval and count of a sample (no interval below two values)."""
    v = values.to_numpy(dtype=float)
    n, mean = len(v), float(np.mean(v))
    if n < 2:
        return mean, np.nan, np.nan, n
    half = float(stats.t.ppf(0.975, n - 1) * np.std(v, ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def crossing(levels: np.ndarray, diffs: np.ndarray) -> np.ndarray:
    """Per row of ``diffs`` (a difference at each level), where it first changes sign; NaN if never.

    >>> crossing(np.array([0.0, 0.5, 1.0]), np.array([[-1.0, 1.0, 2.0], [1.0, 2.0, 3.0]]))
    array([0.25,  nan])
    """
    out = np.full(len(diffs), np.nan)
    for k in range(len(levels) - 1):
        d0, d1 = diffs[:, k], diffs[:, k + 1]
        hit = np.isnan(out) & ((d0 == 0) | (np.sign(d0) * np.sign(d1) < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(d0 == 0, levels[k],
                         levels[k] + (levels[k + 1] - levels[k]) * d0 / (d0 - d1))
        out[hit] = x[hit]
    return out
