"""Cases: situations like a commissioner's, kept as data in ``models/cases/*.toml``.

A case is what the explorer (``app.py``) offers as "a situation like yours": a title, a plain
description, its sources (from ``CASES.md``), the world it is set in (overrides of world
parameters such as ``complexity``) and the two regimes it compares, the status quo first. Each
regime is a preset plus optional overrides of regime parameters and a plain label, so a regime
that is not a preset (the Scottish Borders' previous grant system) can still be described in one
place, in the case file, with the reasoning next to the numbers.

A case file::

    title = "Gateshead council-tax debt work"
    order = 3
    description = "..."
    sources = ["CASES.md: ...", "seed 003"]

    [world]
    complexity = 0.85

    [[regimes]]
    preset = "npm_targets"

    [[regimes]]
    preset = "hls"
    label = "Learning-led (HLS)"      # optional: defaults to the preset's plain label
    key = "hls"                       # optional: the name in tables; defaults to the preset
    [regimes.overrides]               # optional: regime parameters changed from the preset
    reflection_time = 0.12

>>> case = load_case("gateshead")
>>> [r.preset for r in case.regimes], case.world["complexity"]
(['npm_targets', 'hls'], 0.85)
>>> sorted(case.scenarios())
['hls', 'npm_targets']
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hlssim.errors import ScenarioError
from hlssim.model.parameters import PARAMETERS, REGIME_PARAMETERS
from hlssim.model.scenario import Scenario, models_dir, preset_names

#: Plain names for the presets, for people who have not read the preset files. The preset files
#: carry a description but no short label; if they gain one, read it from there instead.
PRESET_LABELS: Mapping[str, str] = MappingProxyType({
    "npm_targets": "Targets and KPIs (NPM)",
    "npm_pbr": "Payment by results (NPM)",
    "hls": "Learning-led (HLS)",
    "alliance": "Alliance contract (HLS)",
    "hls_grant": "HLS grant funding",
    "simple_service": "Targets in a simple service (NPM)",
    "hls_grant_borders": "HLS grant funding, fitted to the Borders figures",
})

#: World parameters a case may set (the regime parameters belong to its regimes).
WORLD_PARAMETERS: tuple[str, ...] = tuple(n for n, p in PARAMETERS.items() if p.group == "world")


def preset_label(name: str) -> str:
    """The plain name of a preset, or the preset's own name if it has none."""
    return PRESET_LABELS.get(name, name)


def cases_dir() -> Path:
    """The folder of case files: ``models/cases`` (``HLSSIM_MODELS_DIR`` moves ``models``)."""
    return models_dir() / "cases"


@dataclass(frozen=True)
class Regime:
    """One way of commissioning within a case: a preset, plus overrides, under a plain label."""

    key: str
    preset: str
    label: str
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def scenario(self, world: Mapping[str, Any] | None = None, **values: Any) -> Scenario:
        """This regime in ``world``; ``values`` (e.g. the user's settings) win over both."""
        return Scenario.from_preset(self.preset, **(dict(world or {}) | dict(self.overrides) | values))


@dataclass(frozen=True)
class Case:
    """A situation to explore: its story, its world and the two regimes it compares."""

    name: str
    title: str
    description: str
    sources: tuple[str, ...]
    world: Mapping[str, Any]
    regimes: tuple[Regime, ...]
    order: int = 100

    def scenarios(self, world: Mapping[str, Any] | None = None,
                  regime_values: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Scenario]:
        """One validated scenario per regime, keyed by regime key.

        ``world`` overrides the case's world for every regime alike (so the regimes are always
        compared in the same world); ``regime_values[key]`` overrides that regime's parameters.
        Raises :class:`~hlssim.errors.ScenarioError` on any bad value.
        """
        shared = dict(self.world) | dict(world or {})
        extra = regime_values or {}
        return {r.key: r.scenario(shared, **dict(extra.get(r.key, {}))) for r in self.regimes}


def _error(name: str, message: str) -> ScenarioError:
    return ScenarioError(f"case '{name}': {message}")


def _parse_regime(name: str, index: int, raw: Any) -> Regime:
    if not isinstance(raw, Mapping):
        raise _error(name, f"regimes[{index}] must be a table with a 'preset'")
    unknown = set(raw) - {"preset", "key", "label", "overrides"}
    if unknown:
        raise _error(name, f"regimes[{index}]: unknown field(s) {', '.join(sorted(unknown))}")
    preset = raw.get("preset")
    if preset not in preset_names():
        raise _error(name, f"regimes[{index}]: preset {preset!r} is unknown; allowed presets are "
                           + ", ".join(preset_names()))
    overrides = dict(raw.get("overrides", {}))
    not_regime = sorted(set(overrides) - set(REGIME_PARAMETERS))
    if not_regime:
        raise _error(name, f"regimes[{index}]: {', '.join(not_regime)} is not a regime parameter; "
                           "set world parameters under [world]")
    return Regime(key=str(raw.get("key", preset)), preset=preset,
                  label=str(raw.get("label", preset_label(preset))),
                  overrides=MappingProxyType(overrides))


def parse_case(name: str, data: Mapping[str, Any]) -> Case:
    """Build a case from the parsed contents of its file, checking every field and value."""
    unknown = set(data) - {"title", "description", "sources", "order", "world", "regimes"}
    if unknown:
        raise _error(name, f"unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("title", "description", "regimes"):
        if required not in data:
            raise _error(name, f"'{required}' is missing")
    sources = data.get("sources", [])
    if isinstance(sources, str):
        sources = [sources]
    world = dict(data.get("world", {}))
    not_world = sorted(set(world) - set(WORLD_PARAMETERS))
    if not_world:
        raise _error(name, f"[world]: {', '.join(not_world)} is not a world parameter; "
                           f"allowed: {', '.join(WORLD_PARAMETERS)}")
    raw_regimes = data["regimes"]
    if not isinstance(raw_regimes, list) or len(raw_regimes) != 2:
        raise _error(name, "expected exactly two [[regimes]] (the status quo first)")
    regimes = tuple(_parse_regime(name, i, raw) for i, raw in enumerate(raw_regimes))
    if regimes[0].key == regimes[1].key:
        raise _error(name, f"both regimes have the key {regimes[0].key!r}; give one a 'key'")
    case = Case(name=name, title=str(data["title"]).strip(),
                description=" ".join(str(data["description"]).split()),
                sources=tuple(str(s) for s in sources), world=MappingProxyType(world),
                regimes=regimes, order=int(data.get("order", 100)))
    try:
        case.scenarios()  # validate every value now, not when the app first runs the case
    except ScenarioError as err:
        raise _error(name, str(err)) from None
    return case


def load_case(name: str) -> Case:
    """Read and validate ``models/cases/NAME.toml``."""
    path = cases_dir() / f"{name}.toml"
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise _error(name, f"not found in {cases_dir()}") from None
    except tomllib.TOMLDecodeError as err:
        raise _error(name, f"malformed TOML ({err})") from None
    return parse_case(name, data)


def load_cases() -> dict[str, Case]:
    """Every case in ``models/cases``, in the order their files give (then by name)."""
    cases = [load_case(p.stem) for p in sorted(cases_dir().glob("*.toml"))]
    return {c.name: c for c in sorted(cases, key=lambda c: (c.order, c.name))}


def custom_case(first: str, second: str, world: Mapping[str, Any] | None = None) -> Case:
    """A case of the user's own: any two presets compared in ``world``.

    >>> custom_case("npm_pbr", "alliance").title
    'Payment by results (NPM) or Alliance contract (HLS)'
    """
    regimes = (Regime(first, first, preset_label(first)),
               Regime(second if second != first else f"{second}_2", second,
                      preset_label(second) + (" (2)" if second == first else "")))
    case = Case(name="custom", title=f"{regimes[0].label} or {regimes[1].label}",
                description="Two regimes of your choice, compared in the same world.",
                sources=(), world=MappingProxyType(dict(world or {})), regimes=regimes)
    case.scenarios()
    return case
