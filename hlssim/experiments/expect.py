"""Expectations: statements over an experiment's results that pass or fail, each with its test.

A spec may carry ``[[expect]]`` tables; ``hlssim check`` runs the experiment and judges each one
on the stored runs (one value per run and output, see ``store.py``). Four kinds::

    [[expect]]                     # a difference between two levels of a factor
    kind = "difference"
    output = "wellbeing_mean:mean_last_12"   # or the bare metric if the spec keeps one stat of it
    between = ["npm_targets", "hls"]         # second minus first ...
    by = "preset"                            # ... levels of this factor (default "preset")
    where = {complexity = 0.9}               # only runs at these factor levels (others pooled)
    above = 0                                # the whole interval above 0 (or: below = ...)
    confidence = 0.95                        # default 0.95
    paired = false                           # true: pair runs by replicate (needs
                                             # common_random_numbers = true); default false

    [[expect]]                     # a mean, against a bound
    kind = "value"
    output = "goodhart_gap:mean_last_12"
    where = {preset = "hls"}
    below = 0.05

    [[expect]]                     # a monotone trend along a factor
    kind = "trend"
    output = "goodhart_gap:mean_last_12"
    along = "target_pressure"
    direction = "increasing"                 # or "decreasing"
    where = {complexity = 0.8}

    [[expect]]                     # where the second overtakes the first along a factor
    kind = "crossover"
    output = "wellbeing_mean:mean_last_12"
    between = ["npm_targets", "hls"]
    along = "complexity"
    within = [0.1, 0.6]

    [[expect]]                     # a weighted sum of cell means (an interaction, a difference
    kind = "contrast"              # in differences, a comparison across outputs)
    output = "trust_commissioner_provider:final"      # the default output of every term
    terms = [{weight = 1, where = {preset = "hls", switch_to = "hls"}},
             {weight = -1, where = {preset = "hls", switch_to = "npm_targets"}},
             {weight = -1, where = {preset = "npm_targets", switch_to = "hls"}},
             {weight = 1, where = {preset = "npm_targets", switch_to = "npm_targets"}}]
    above = 0

The tables are read and validated by :mod:`hlssim.experiments.expect_parse`; this module holds
the :class:`Expectation` they become and judges it. The tests, so a verdict can be read and
challenged:

- ``difference``: Welch's two-sided t interval at ``confidence`` for the difference of means over
  runs (second minus first); passes when the whole interval lies above ``above`` (below ``below``).
  Runs at factor levels not pinned by ``where`` are pooled, which widens the interval (conservative).
  With ``paired = true`` (a spec with ``common_random_numbers = true``, so replicate r of every
  point shares a seed), runs are paired by replicate and by the levels of the factors not pinned,
  and the interval is the one-sample t interval of the paired differences.
- ``value``: the one-sample t interval of the mean over runs, against ``above``/``below``.
- ``trend``: Kendall's tau-b between the factor's value and each run's output (ties allowed: this
  is the Jonckheere-Terpstra idea for ordered groups); one-sided p-value below ``1 - confidence``
  in the stated direction.
- ``crossover``: the difference of means (second minus first) at each level of ``along``; the
  crossover is the first change of sign, placed by linear interpolation between levels. Its
  uncertainty comes from a bootstrap over runs within each cell (2,000 resamples, seeded from the
  spec's root seed and the expectation's position, so a verdict is reproducible); passes when at
  least ``confidence`` of the resampled crossovers lie ``within`` the bounds (a resample with no
  crossing counts as outside).
- ``contrast``: the sum over terms of weight x the mean of the term's runs (its ``where`` cell, its
  ``output``), with a Welch-Satterthwaite t interval treating the cells as independent samples;
  passes when the whole interval lies above ``above`` (below ``below``). Terms on different outputs
  of the same runs are correlated; the interval ignores that (wider than a paired one when the
  outputs move together, narrower when they move apart).

>>> from hlssim.experiments import parse_spec
>>> spec = parse_spec({"factors": {"preset": ["npm_targets", "hls"], "complexity": [0.2, 0.8]},
...                    "outputs": {"wellbeing_mean": "final"},
...                    "expect": [{"kind": "difference", "output": "wellbeing_mean",
...                                "between": ["npm_targets", "hls"], "where": {"complexity": 0.8}}]})
>>> spec.expectations[0].title
'hls minus npm_targets on wellbeing_mean:final at complexity=0.8 is above 0 (95% confidence)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from hlssim.common.stats import crossing, mean_interval, welch_interval

if TYPE_CHECKING:
    from hlssim.experiments.spec import ExperimentSpec

KINDS = ("difference", "value", "trend", "crossover", "contrast")
DIRECTIONS = ("increasing", "decreasing")
BOOTSTRAP_RESAMPLES = 2000
def fmt_level(value: Any) -> str:
    """A level or bound as written in a title or an error: floats in %g form."""
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Expectation:
    """One validated ``[[expect]]`` table; :meth:`judge` gives its :class:`Verdict`."""

    index: int
    kind: str
    output: str  # "metric:stat", as stored
    where: Mapping[str, Any] = field(default_factory=dict)
    by: str = "preset"
    between: tuple[Any, Any] | None = None
    along: str | None = None
    above: float | None = None
    below: float | None = None
    direction: str = "increasing"
    within: tuple[float, float] | None = None
    confidence: float = 0.95
    name: str = ""
    terms: tuple[tuple[float, str, Mapping[str, Any]], ...] = ()  # contrast: (weight, output, where)
    paired: bool = False  # difference: pair runs by replicate (common random numbers)

    @property
    def title(self) -> str:
        """The expectation in words: the name given, or one made from its fields."""
        if self.name:
            return self.name
        where = (" at " + ", ".join(f"{k}={fmt_level(v)}" for k, v in self.where.items())) if self.where else ""
        level = f"({self.confidence:.0%} confidence)"
        bound = (f"is above {fmt_level(self.above)}" if self.above is not None
                 else f"is below {fmt_level(self.below)}")
        if self.kind == "difference":
            first, second = self.between
            return f"{second} minus {first} on {self.output}{where} {bound} {level}"
        if self.kind == "value":
            return f"mean {self.output}{where} {bound} {level}"
        if self.kind == "trend":
            return f"{self.output} {self.direction.replace('ing', 'es')} with {self.along}{where} {level}"
        if self.kind == "contrast":
            parts = " ".join(f"{'-' if w < 0 else '+'} {fmt_level(abs(w))} x {o}"
                             f"[{', '.join(f'{k}={fmt_level(v)}' for k, v in cell.items())}]"
                             for w, o, cell in self.terms)
            return f"contrast {parts.lstrip('+ ')} {bound} {level}"
        first, second = self.between
        low, high = self.within
        return (f"{second} overtakes {first} on {self.output} at {self.along} between "
                f"{fmt_level(low)} and {fmt_level(high)}{where} {level}")

    def judge(self, results: pd.DataFrame, root_seed: int = 0) -> Verdict:
        """Judge the expectation on a sweep's stored rows (``read_results``)."""
        if self.kind == "contrast":
            return self._contrast(results)
        rows = _select(results, self.output, self.where)
        if self.kind == "difference":
            return self._difference(rows)
        if self.kind == "value":
            return self._value(rows)
        if self.kind == "trend":
            return self._trend(rows)
        return self._crossover(rows, root_seed)

    # --- the tests ---

    def _bounded(self, estimate: float, low: float, high: float, n: int, what: str) -> Verdict:
        if not (np.isfinite(low) and np.isfinite(high)):
            return Verdict(self, False, estimate, low, high, n, f"{what}: too few runs for an interval")
        passed = low > self.above if self.above is not None else high < self.below
        return Verdict(self, bool(passed), estimate, low, high, n,
                       f"{what} {_num(estimate)} [{_num(low)}, {_num(high)}], {n} runs")

    def _difference(self, rows: pd.DataFrame) -> Verdict:
        first, second = self.between
        y = rows.loc[_equal(rows[self.by], first), "value"].to_numpy(float)
        x = rows.loc[_equal(rows[self.by], second), "value"].to_numpy(float)
        if len(x) == 0 or len(y) == 0:
            return Verdict(self, False, math.nan, math.nan, math.nan, 0, "no runs matched")
        if self.paired:
            return self._paired(rows)
        diff, low, high = welch_interval(x, y, self.confidence) if len(x) > 1 and len(y) > 1 else (
            float(x.mean() - y.mean()), math.nan, math.nan)
        return self._bounded(diff, low, high, len(x) + len(y), "difference")

    def _paired(self, rows: pd.DataFrame) -> Verdict:
        first, second = self.between
        keys = [c for c in rows.columns if c not in ("run_id", "point", "sample", "seed", "output",
                                                     "metric", "stat", "value", self.by)]
        a = rows[_equal(rows[self.by], first)].set_index(keys)["value"]
        b = rows[_equal(rows[self.by], second)].set_index(keys)["value"]
        diffs = (b - a).dropna().to_numpy(float)
        if len(diffs) < 2:
            return Verdict(self, False, math.nan, math.nan, math.nan, len(diffs),
                           "fewer than 2 pairs of runs (paired needs common_random_numbers = true)")
        mean, low, high = mean_interval(diffs, self.confidence)
        return self._bounded(mean, low, high, 2 * len(diffs), "paired difference")

    def _value(self, rows: pd.DataFrame) -> Verdict:
        values = rows["value"].to_numpy(float)
        if len(values) < 2:
            return Verdict(self, False, math.nan, math.nan, math.nan, len(values), "too few runs")
        mean, low, high = mean_interval(values, self.confidence)
        return self._bounded(mean, low, high, len(values), "mean")

    def _contrast(self, results: pd.DataFrame) -> Verdict:
        samples = [(w, _select(results, o, cell)["value"].to_numpy(float)) for w, o, cell in self.terms]
        n = sum(len(v) for _, v in samples)
        if any(len(v) < 2 for _, v in samples):
            return Verdict(self, False, math.nan, math.nan, math.nan, n,
                           "a term matched fewer than 2 runs")
        estimate, low, high = contrast_interval(samples, self.confidence)
        return self._bounded(estimate, low, high, n, "contrast")

    def _trend(self, rows: pd.DataFrame) -> Verdict:
        x, y = rows[self.along].to_numpy(float), rows["value"].to_numpy(float)
        if len(np.unique(x)) < 2 or len(y) < 3:
            return Verdict(self, False, math.nan, math.nan, math.nan, len(y),
                           f"fewer than 2 levels of {self.along}")
        alternative = "greater" if self.direction == "increasing" else "less"
        result = sps.kendalltau(x, y, alternative=alternative)
        tau, p = float(result.statistic), float(result.pvalue)
        passed = np.isfinite(p) and p < 1 - self.confidence
        return Verdict(self, bool(passed), tau, math.nan, math.nan, len(y),
                       f"Kendall tau {tau:+.2f}, one-sided p = {p:.2g}, {len(y)} runs", p_value=p)

    def _crossover(self, rows: pd.DataFrame, root_seed: int) -> Verdict:
        first, second = self.between
        levels = np.sort(np.unique(rows[self.along].to_numpy(float)))
        cells = []
        for level in levels:
            at = rows[np.isclose(rows[self.along].to_numpy(float), level)]
            cells.append((at.loc[_equal(at[self.by], first), "value"].to_numpy(float),
                          at.loc[_equal(at[self.by], second), "value"].to_numpy(float)))
        if len(levels) < 2 or any(len(a) < 2 or len(b) < 2 for a, b in cells):
            return Verdict(self, False, math.nan, math.nan, math.nan, len(rows),
                           f"needs 2 or more runs of each at 2 or more levels of {self.along}")
        observed = crossing(levels, np.array([[b.mean() - a.mean() for a, b in cells]]))[0]
        rng = np.random.default_rng(np.random.SeedSequence(root_seed, spawn_key=(self.index,)))
        diffs = np.empty((BOOTSTRAP_RESAMPLES, len(levels)))
        for j, (a, b) in enumerate(cells):
            diffs[:, j] = (_resampled_means(rng, b) - _resampled_means(rng, a))
        crossings = crossing(levels, diffs)
        low_b, high_b = self.within
        inside = float(np.mean((crossings >= low_b) & (crossings <= high_b)))
        found = crossings[np.isfinite(crossings)]
        tail = (1 - self.confidence) / 2
        low, high = ((float(np.quantile(found, tail)), float(np.quantile(found, 1 - tail)))
                     if len(found) else (math.nan, math.nan))
        where = "no crossing in the means" if not np.isfinite(observed) else f"at {_num(observed)}"
        detail = (f"crossover {where} [{_num(low)}, {_num(high)}]; {inside:.0%} of "
                  f"{BOOTSTRAP_RESAMPLES} resamples within [{fmt_level(low_b)}, {fmt_level(high_b)}], "
                  f"{len(rows)} runs")
        return Verdict(self, inside >= self.confidence, float(observed), low, high, len(rows), detail)


@dataclass(frozen=True)
class Verdict:
    """The judgement of one expectation: pass or fail, the measured value and its interval."""

    expectation: Expectation
    passed: bool
    estimate: float
    low: float
    high: float
    runs: int
    detail: str
    p_value: float = math.nan

    @property
    def measured(self) -> str:
        return self.detail


def contrast_interval(samples: Sequence[tuple[float, np.ndarray]], confidence: float = 0.95
                      ) -> tuple[float, float, float]:
    """Sum of weight x mean over independent samples, with a Welch-Satterthwaite t interval
    (for two samples with weights 1 and -1, Welch's interval: scipy's ttest_ind gives the same).

    >>> est, low, high = contrast_interval([(1.0, np.array([1.0, 2.0, 3.0])), (-1.0, np.array([0.0, 1.0, 2.0]))])
    >>> est, round(low, 3), round(high, 3)
    (1.0, -1.267, 3.267)
    """
    parts = [(w * v.mean(), (w * w) * v.var(ddof=1) / len(v), len(v)) for w, v in samples]
    estimate = float(sum(m for m, _, _ in parts))
    var = sum(q for _, q, _ in parts)
    if var == 0:
        return estimate, estimate, estimate
    df = 1.0 / sum((q / var) ** 2 / (n - 1) for _, q, n in parts)  # Welch-Satterthwaite, scaled
    half = float(sps.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(var)
    return estimate, estimate - half, estimate + half


def _num(x: float) -> str:
    return "nan" if not np.isfinite(x) else f"{x:.3f}"


def _equal(column: pd.Series, value: Any) -> np.ndarray:
    if isinstance(value, str) or column.dtype == object:
        return (column.astype(str) == str(value)).to_numpy()
    return np.isclose(column.to_numpy(float), float(value))


def _select(results: pd.DataFrame, output: str, where: Mapping[str, Any]) -> pd.DataFrame:
    rows = results[results["output"] == output]
    for name, value in where.items():
        rows = rows[_equal(rows[name], value)]
    return rows


def _resampled_means(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    picks = rng.integers(0, len(values), size=(BOOTSTRAP_RESAMPLES, len(values)))
    return values[picks].mean(axis=1)


def judge_all(spec: ExperimentSpec, results: pd.DataFrame) -> list[Verdict]:
    """Every expectation of ``spec`` judged on its results."""
    return [e.judge(results, spec.root_seed) for e in spec.expectations]
