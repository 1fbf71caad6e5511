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

The tests, so a verdict can be read and challenged:

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
from hlssim.errors import SpecError

if TYPE_CHECKING:
    from hlssim.experiments.spec import ExperimentSpec

KINDS = ("difference", "value", "trend", "crossover", "contrast")
DIRECTIONS = ("increasing", "decreasing")
BOOTSTRAP_RESAMPLES = 2000
_KEYS = {
    "difference": ("name", "kind", "output", "between", "by", "where", "above", "below", "confidence",
                   "paired"),
    "value": ("name", "kind", "output", "where", "above", "below", "confidence"),
    "trend": ("name", "kind", "output", "along", "direction", "where", "confidence"),
    "crossover": ("name", "kind", "output", "between", "by", "along", "within", "where",
                  "confidence"),
    "contrast": ("name", "kind", "output", "terms", "above", "below", "confidence"),
}


def _error(message: str) -> Exception:

    return SpecError(message)


def _fmt(value: Any) -> str:
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
        where = (" at " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.where.items())) if self.where else ""
        level = f"({self.confidence:.0%} confidence)"
        bound = (f"is above {_fmt(self.above)}" if self.above is not None
                 else f"is below {_fmt(self.below)}")
        if self.kind == "difference":
            first, second = self.between
            return f"{second} minus {first} on {self.output}{where} {bound} {level}"
        if self.kind == "value":
            return f"mean {self.output}{where} {bound} {level}"
        if self.kind == "trend":
            return f"{self.output} {self.direction.replace('ing', 'es')} with {self.along}{where} {level}"
        if self.kind == "contrast":
            parts = " ".join(f"{'-' if w < 0 else '+'} {_fmt(abs(w))} x {o}"
                             f"[{', '.join(f'{k}={_fmt(v)}' for k, v in cell.items())}]"
                             for w, o, cell in self.terms)
            return f"contrast {parts.lstrip('+ ')} {bound} {level}"
        first, second = self.between
        low, high = self.within
        return (f"{second} overtakes {first} on {self.output} at {self.along} between "
                f"{_fmt(low)} and {_fmt(high)}{where} {level}")

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
        keys = [c for c in rows.columns if c not in ("run_id", "point", "seed", "output", "value", self.by)]
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
                  f"{BOOTSTRAP_RESAMPLES} resamples within [{_fmt(low_b)}, {_fmt(high_b)}], "
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


# --- reading and validating ---------------------------------------------------------------------

def parse_expectations(raw: Any, spec: ExperimentSpec, source: str) -> tuple[Expectation, ...]:
    """Validate the spec's ``[[expect]]`` tables against its factors and outputs."""
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        raise _error(f"{source}: expect: expected a list of tables ([[expect]])")
    return tuple(_parse_one(i, table, spec, f"{source}: expect[{i}]") for i, table in enumerate(raw))


def check_expectations(spec: ExperimentSpec) -> None:
    """Fail unless every expectation can be judged on ``spec``'s design (e.g. its smoke version)."""
    for e in spec.expectations:
        _check_design(e, spec, f"{spec.source}{': smoke' if spec.is_smoke else ''}: expect[{e.index}]")


def _parse_one(index: int, table: Any, spec: ExperimentSpec, field_: str) -> Expectation:
    if not isinstance(table, Mapping):
        raise _error(f"{field_}: expected a table of settings")
    kind = table.get("kind")
    if kind not in KINDS:
        raise _error(f"{field_}.kind: {kind!r} is not allowed; expected one of {', '.join(KINDS)}")
    for key in table:
        if key not in _KEYS[kind]:
            raise _error(f"{field_}.{key}: not a setting of a {kind} expectation; expected one of "
                         f"{', '.join(_KEYS[kind])}")
    values: dict[str, Any] = {"index": index, "kind": kind, "name": str(table.get("name", ""))}
    values["output"] = _output(table.get("output"), spec, field_)
    factors = _factors(spec)
    if kind in ("difference", "crossover"):
        by = table.get("by", "preset")
        if by not in factors or factors[by].levels is None:
            raise _error(f"{field_}.by: {by!r} is not allowed; expected a factor with levels "
                         f"({', '.join(n for n, f in factors.items() if f.levels) or 'none'})")
        between = table.get("between")
        if (not isinstance(between, list) or len(between) != 2 or between[0] == between[1]
                or any(not _has_level(factors[by], v) for v in between)):
            raise _error(f"{field_}.between: {between!r} is not allowed; expected two different "
                         f"levels of {by}: {', '.join(map(_fmt, factors[by].levels))}")
        values["by"], values["between"] = by, tuple(between)
    if kind == "difference" and "paired" in table:
        paired = table["paired"]
        if not isinstance(paired, bool):
            raise _error(f"{field_}.paired: {paired!r} is not allowed; expected true or false")
        if paired and not spec.common_random_numbers:
            raise _error(f"{field_}.paired: true needs common_random_numbers = true in the spec "
                         "(pairs share a seed)")
        values["paired"] = paired
    if kind in ("trend", "crossover"):
        along = table.get("along")
        numeric = [n for n, f in factors.items() if f.kind in (int, float)]
        if along not in numeric:
            raise _error(f"{field_}.along: {along!r} is not allowed; expected a numeric factor "
                         f"({', '.join(numeric) or 'none'})")
        values["along"] = along
    if kind == "trend":
        direction = table.get("direction", "increasing")
        if direction not in DIRECTIONS:
            raise _error(f"{field_}.direction: {direction!r} is not allowed; expected "
                         f"{' or '.join(DIRECTIONS)}")
        values["direction"] = direction
    if kind == "crossover":
        within = table.get("within")
        if (not isinstance(within, list) or len(within) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in within)
                or not within[0] < within[1]):
            raise _error(f"{field_}.within: {within!r} is not allowed; expected [low, high] with "
                         "low < high")
        values["within"] = (float(within[0]), float(within[1]))
    if kind == "contrast":
        values["terms"] = _terms(table.get("terms"), spec, values["output"], field_)
    if kind in ("difference", "value", "contrast"):
        above, below = table.get("above"), table.get("below")
        if above is not None and below is not None:
            raise _error(f"{field_}: both above and below given; expected one of them")
        if kind == "value" and above is None and below is None:
            raise _error(f"{field_}: no bound; expected above = NUMBER or below = NUMBER")
        for key, bound in (("above", above), ("below", below)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                raise _error(f"{field_}.{key}: {bound!r} is not allowed; expected a number")
        values["above"] = float(above) if above is not None else (0.0 if below is None else None)
        values["below"] = float(below) if below is not None else None
    confidence = table.get("confidence", 0.95)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0.5 <= confidence < 1:
        raise _error(f"{field_}.confidence: {confidence!r} is not allowed; expected a number from "
                     "0.5 up to (not including) 1")
    values["confidence"] = float(confidence)
    values["where"] = _where(table.get("where", {}), factors, field_,
                             compared=(values.get("by"), values.get("along")))
    expectation = Expectation(**values)
    _check_design(expectation, spec, field_)
    return expectation


def _terms(raw: Any, spec: ExperimentSpec, output: str, field_: str
           ) -> tuple[tuple[float, str, dict[str, Any]], ...]:
    """A contrast's terms: each a weight, an output (default the expectation's) and a cell."""
    if not isinstance(raw, list) or not raw:
        raise _error(f"{field_}.terms: {raw!r} is not allowed; expected a list of tables "
                     "{weight = NUMBER, where = {factor = level, ...}}")
    factors = _factors(spec)
    terms = []
    for i, term in enumerate(raw):
        at = f"{field_}.terms[{i}]"
        if not isinstance(term, Mapping):
            raise _error(f"{at}: expected a table {{weight = NUMBER, where = {{...}}}}")
        for key in term:
            if key not in ("weight", "where", "output"):
                raise _error(f"{at}.{key}: not a setting of a term; expected weight, where, output")
        weight = term.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight == 0:
            raise _error(f"{at}.weight: {weight!r} is not allowed; expected a non-zero number")
        where = _where(term.get("where", {}), factors, at)
        out = _output(term["output"], spec, at) if "output" in term else output
        terms.append((float(weight), out, where))
    return tuple(terms)


def _where(where: Any, factors: Mapping[str, Any], at: str, compared: tuple = ()) -> dict[str, Any]:
    """A ``where`` cell checked: a table of factor = level, each a factor with levels (none of
    ``compared``, the factors an expectation compares along or between) and one of its levels."""
    if not isinstance(where, Mapping):
        raise _error(f"{at}.where: expected a table of factor = level")
    for name, value in where.items():
        if name not in factors or factors[name].levels is None:
            raise _error(f"{at}.where.{name}: not allowed; expected a factor with levels "
                         f"({', '.join(n for n, f in factors.items() if f.levels) or 'none'})")
        if name in compared:
            raise _error(f"{at}.where.{name}: also the factor compared along or between; "
                         "expected a different factor")
        if not _has_level(factors[name], value):
            raise _error(f"{at}.where.{name}: {value!r} is not a level; expected one of "
                         f"{', '.join(map(_fmt, factors[name].levels))}")
    return dict(where)


def _factors(spec: ExperimentSpec) -> dict[str, Any]:
    """The spec's factors by name, with a ``compare`` preset factor if it has one."""
    factors = {f.name: f for f in spec.factors}
    compare = getattr(spec, "compare", None)
    if compare is not None:
        factors[compare.name] = compare
    return factors


def _has_level(factor, value: Any) -> bool:
    if factor.levels is None:
        return False
    if isinstance(value, str) or factor.kind is str:
        return any(str(level) == str(value) for level in factor.levels)
    if factor.kind is bool or isinstance(value, bool):  # a switch: true/false, never 1/0
        return isinstance(value, bool) and factor.kind is bool and value in factor.levels
    if not isinstance(value, (int, float)):
        return False
    return any(np.isclose(float(level), float(value)) for level in factor.levels)


def _output(value: Any, spec: ExperimentSpec, field_: str) -> str:
    names = [o.name for o in spec.outputs if not getattr(o, "is_trajectory", False)]
    if value in names:
        return value
    matches = [n for n in names if n.split(":")[0] == value]
    if len(matches) == 1:
        return matches[0]
    raise _error(f"{field_}.output: {value!r} is not allowed; expected one of the spec's outputs: "
                 f"{', '.join(names)}")


def _check_design(e: Expectation, spec: ExperimentSpec, field_: str) -> None:
    """The levels an expectation needs exist in this version of the design (e.g. after thinning)."""
    factors = _factors(spec)
    cells = [e.where] + [cell for _, _, cell in e.terms]
    for name, value in ((n, v) for cell in cells for n, v in cell.items()):
        if not _has_level(factors[name], value):
            raise _error(f"{field_}.where.{name}: {value!r} is not a level here; expected one of "
                         f"{', '.join(map(_fmt, factors[name].levels))}")
    if e.between is not None and not all(_has_level(factors[e.by], v) for v in e.between):
        raise _error(f"{field_}.between: {list(e.between)!r} are not both levels of {e.by} here")
    if e.kind == "crossover" and (factors[e.along].levels is None or len(factors[e.along].levels) < 2):
        raise _error(f"{field_}.along: {e.along} needs 2 or more levels here (a grid factor)")
    if e.kind == "crossover" and spec.sampler != "grid":
        raise _error(f"{field_}.kind: crossover needs sampler grid, not {spec.sampler}")


def judge_all(spec: ExperimentSpec, results: pd.DataFrame) -> list[Verdict]:
    """Every expectation of ``spec`` judged on its results."""
    return [e.judge(results, spec.root_seed) for e in spec.expectations]
