"""Scenarios: validated, immutable sets of parameter values.

A scenario is built from a preset (``models/presets/NAME.toml``), a scenario file or a dict, plus
overrides; it is validated once, at construction, and cannot change afterwards, so a scenario and
a seed fully determine a run.

>>> s = Scenario.from_preset("hls", complexity=0.8)
>>> s.complexity, s.target_pressure
(0.8, 0.0)
>>> s.with_overrides(steps=12).steps
12
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hlssim.errors import ScenarioError
from hlssim.model import rules as R
from hlssim.model.parameters import PARAMETERS, PRESET_NAMES, REGIME_PARAMETERS, defaults


def models_dir() -> Path:
    """The folder of model files (presets, stock-flow models).

    ``HLSSIM_MODELS_DIR`` overrides it; otherwise it is the ``models/`` folder of the checkout the
    package was installed from (``pip install -e .``).
    """
    env = os.environ.get("HLSSIM_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models"


def presets_dir() -> Path:
    return models_dir() / "presets"


def preset_names() -> tuple[str, ...]:
    """Names of the presets available, in a fixed order (the declared ones first)."""
    found = sorted(p.stem for p in presets_dir().glob("*.toml"))
    return tuple(n for n in PRESET_NAMES if n in found) + tuple(n for n in found if n not in PRESET_NAMES)


def read_toml(path: Path, source: str, error: type[Exception] = ScenarioError) -> dict[str, Any]:
    """Read a TOML file; any problem becomes one line ``{source}: ...`` raised as ``error``."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(f"{source}: not found") from None
    except IsADirectoryError:
        raise error(f"{source}: is a folder; expected a .toml file") from None
    except tomllib.TOMLDecodeError as err:
        raise error(f"{source}: malformed TOML ({err})") from None
    except OSError as err:
        raise error(f"{source}: cannot be read ({err.strerror})") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, f"scenario file '{path}'")


def _flatten(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Accept parameters at top level or inside a ``[parameters]`` table; keep ``preset``."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key == "parameters":
            if not isinstance(value, Mapping):
                raise ScenarioError(f"{source}: 'parameters' must be a table of name = value")
            flat.update(value)
        elif key in ("description", "name", "title", "sources"):
            continue  # documentation, not parameters
        else:
            flat[key] = value
    return flat


def load_preset_values(name: str) -> dict[str, Any]:
    """The raw parameter values a preset file sets (not yet merged with defaults)."""
    path = presets_dir() / f"{name}.toml"
    if not path.is_file():
        allowed = ", ".join(preset_names()) or "(none found in " + str(presets_dir()) + ")"
        raise ScenarioError(f"preset '{name}': unknown; allowed presets are {allowed}")
    values = _flatten(_read_toml(path), f"preset '{name}'")
    if "preset" in values:
        raise ScenarioError(f"preset '{name}': a preset may not name another preset")
    return values


def preset_description(name: str) -> str:
    data = _read_toml(presets_dir() / f"{name}.toml")
    return str(data.get("description", "")).strip()


def _validate(values: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in values.items():
        param = PARAMETERS.get(key)
        if param is None:
            raise ScenarioError(
                f"parameter '{key}': unknown; see 'hlssim params' for the {len(PARAMETERS)} allowed names"
            )
        clean[key] = param.coerce(value)
    return clean


def _check_consistency(v: Mapping[str, Any]) -> None:
    if v["n_providers"] > v["n_workers"]:
        raise ScenarioError(
            f"parameter 'n_providers': {v['n_providers']} is not allowed; expected at most "
            f"n_workers ({v['n_workers']}) so every provider has a worker"
        )
    if v["n_workers"] > v["n_people"]:
        raise ScenarioError(
            f"parameter 'n_workers': {v['n_workers']} is not allowed; expected at most "
            f"n_people ({v['n_people']})"
        )
    # a month's regular admin (records, reports, every outcome claimed, write-ups; audits and bids
    # come and go): with reflection and joint work it must leave time for direct work
    regular = R.admin_time(v["indicators"], v["reports_per_year"], v["pbr_share"], 1.0, 0.0, 0.0,
                           v["reflection_time"])
    busy = regular + v["reflection_time"] + v["collaboration_time"]
    if busy > 0.8:
        raise ScenarioError(
            f"parameter 'reflection_time': the regular admin time (records, indicators x "
            f"reports_per_year, claims) + reflection_time + collaboration_time = {busy:g} is not "
            "allowed; expected at most 0.8 so some time is left for direct work"
        )
    if bool(v["switch_step"]) != bool(v["switch_to"]):
        raise ScenarioError(
            f"parameter 'switch_to': {v['switch_to']!r} with switch_step {v['switch_step']} is not "
            "allowed; set both (a preset name and a month above 0) or neither"
        )


class Scenario(Mapping[str, Any]):
    """An immutable, validated set of every parameter's value.

    Read values as attributes (``s.complexity``) or as a mapping (``s["complexity"]``).
    """

    __slots__ = ("_values", "_preset")

    def __init__(self, values: Mapping[str, Any] | None = None, *, preset: str | None = None):
        merged = defaults()
        if preset is not None:
            merged.update(_validate(load_preset_values(preset)))
        merged.update(_validate(values or {}))
        _check_consistency(merged)
        object.__setattr__(self, "_values", MappingProxyType(merged))
        object.__setattr__(self, "_preset", preset)

    # --- construction ----------------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> Scenario:
        return cls(overrides, preset=name)

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> Scenario:
        """Load a scenario file: optional ``preset = "NAME"`` plus parameter values."""
        path = Path(path)
        values = _flatten(_read_toml(path), f"scenario file '{path}'")
        preset = values.pop("preset", None)
        if preset is not None and not isinstance(preset, str):
            raise ScenarioError(f"scenario file '{path}': 'preset' must be a preset name")
        values.update(overrides)
        return cls(values, preset=preset)

    def with_overrides(self, **overrides: Any) -> Scenario:
        """This scenario with some values changed: only the changes are validated (the rest
        already were), then the whole for consistency."""
        merged = dict(self._values)
        merged.update(_validate(overrides))
        _check_consistency(merged)
        new = Scenario.__new__(Scenario)
        object.__setattr__(new, "_values", MappingProxyType(merged))
        object.__setattr__(new, "_preset", self._preset)
        return new

    def switched_regime(self) -> Scenario:
        """The scenario that applies after the regime switch: this world, the target's regime."""
        target = Scenario(preset=self.switch_to)
        regime = {k: target[k] for k in REGIME_PARAMETERS}
        return self.with_overrides(**regime, switch_step=0, switch_to="")

    # --- reading --------------------------------------------------------------------------------
    @property
    def preset(self) -> str | None:
        return self._preset

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Scenario is immutable; use with_overrides()")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and dict(self._values) == dict(other._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != PARAMETERS[k].default}
        origin = f"preset={self._preset!r}, " if self._preset else ""
        return f"Scenario({origin}{changed})"

    def __reduce__(self):
        return (_rebuild, (dict(self._values), self._preset))

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)


def _rebuild(values: dict[str, Any], preset: str | None) -> Scenario:
    """Unpickle a scenario: its values were validated when it was made, so they are not again
    (a sweep's scenarios are unpickled by Dask's scheduler and by a worker for each chunk)."""
    s = Scenario.__new__(Scenario)
    object.__setattr__(s, "_values", MappingProxyType(dict(values)))
    object.__setattr__(s, "_preset", preset)
    return s


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings (the CLI's ``--set``); values are coerced by the parameter."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError(f"--set '{item}': expected key=value, e.g. complexity=0.8")
        if key not in PARAMETERS:
            raise ScenarioError(
                f"parameter '{key}': unknown; see 'hlssim params' for the {len(PARAMETERS)} allowed names"
            )
        out[key] = value.strip()
    return out
