"""Reading a spec's ``[[expect]]`` tables: each one validated against the spec's factors, levels
and outputs before any run starts, as a one-line :class:`~hlssim.errors.SpecError` naming the
field, the value and what is allowed.

The kinds and what each one tests are described in :mod:`hlssim.experiments.expect`, which judges
the :class:`~hlssim.experiments.expect.Expectation` objects made here on stored results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hlssim.errors import SpecError
from hlssim.experiments.expect import DIRECTIONS, KINDS, Expectation, fmt_level

if TYPE_CHECKING:
    from hlssim.experiments.spec import ExperimentSpec

#: The settings each kind of expectation takes.
KEYS = {
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
        if key not in KEYS[kind]:
            raise _error(f"{field_}.{key}: not a setting of a {kind} expectation; expected one of "
                         f"{', '.join(KEYS[kind])}")
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
                         f"levels of {by}: {', '.join(map(fmt_level, factors[by].levels))}")
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
                         f"{', '.join(map(fmt_level, factors[name].levels))}")
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
                         f"{', '.join(map(fmt_level, factors[name].levels))}")
    if e.between is not None and not all(_has_level(factors[e.by], v) for v in e.between):
        raise _error(f"{field_}.between: {list(e.between)!r} are not both levels of {e.by} here")
    if e.kind == "crossover" and (factors[e.along].levels is None or len(factors[e.along].levels) < 2):
        raise _error(f"{field_}.along: {e.along} needs 2 or more levels here (a grid factor)")
    if e.kind == "crossover" and spec.sampler != "grid":
        raise _error(f"{field_}.kind: crossover needs sampler grid, not {spec.sampler}")
