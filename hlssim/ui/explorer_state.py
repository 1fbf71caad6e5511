"""The explorer's settings as data, without Streamlit: a situation's values, a shareable link, the
settings a user changed from the situation's, and the limits of a hosted server.

- :func:`situation_settings`: every control's value for a situation. Choosing a situation sets
  *every* control to these (the world, the mechanisms, the calibration, both regimes, the switch
  page's regimes), so nothing from the previous situation silently stays behind; only how many
  runs and the seed are kept.
- :func:`to_query` and :func:`from_query`: the page's state as URL query parameters: the situation
  and only the settings that differ from it, so a link reproduces the same view and stays short.
  Values read from a link are validated against the parameters' declarations; anything unknown or
  out of range is dropped and named.
- :func:`changed_from_situation`: the settings that differ from the situation's, for the note
  under its description ("you changed: how complex people's lives are, 1.00; the situation has
  0.50"), so the description is never read as describing settings it no longer matches.
- :class:`Limits` and :func:`limits`: hosted mode (``HLSSIM_HOSTED=1`` or a Streamlit secret
  ``hosted = true``): model sizes capped, no file read from a typed path, and models uploaded by a
  user never translated and executed unless ``HLSSIM_ALLOW_USER_MODELS=1``.

Widget keys are those of :mod:`hlssim.ui.explorer` (``shared:NAME``, ``regime:I:NAME``) plus
``run:reps``, ``run:seed``, ``switch:year``, ``switch:start`` and ``switch:target``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hlssim.errors import ScenarioError
from hlssim.model.cases import Case
from hlssim.model.parameters import PARAMETERS
from hlssim.ui.explorer import DEFAULT_REPS, DEFAULT_SEED, case_settings, plain_label

#: The key of the situation in the state and in a link.
CASE = "case"
#: Run settings: kept when the situation changes, and their bounds when read from a link.
RUN_SETTINGS: Mapping[str, tuple[int, int, int]] = {
    "run:reps": (DEFAULT_REPS, 2, 20), "run:seed": (DEFAULT_SEED, 0, 2**31 - 1)}
#: The switch page's year: default and bounds (checked against the run length on the page).
SWITCH_YEAR = ("switch:year", 4.0, 0.5, 100.0)


def situation_settings(case: Case) -> dict[str, Any]:
    """Every control's value for ``case`` (the run settings apart), by widget key."""
    settings = case_settings(case)
    settings["switch:year"] = SWITCH_YEAR[1]
    return settings


def _parameter(key: str) -> str | None:
    """The parameter a widget key controls (``shared:X`` and ``regime:I:X``), or None."""
    parts = key.split(":")
    if parts[0] == "shared" and len(parts) == 2:
        return parts[1]
    if parts[0] == "regime" and len(parts) == 3 and parts[1] in {"0", "1"}:
        return parts[2]
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def to_query(case_name: str, defaults: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters of a link to this view: the situation, then every setting in
    ``state`` that differs from the situation's ``defaults`` (:func:`situation_settings`) and
    every run setting that differs from its default.

    >>> to_query("gateshead", {"shared:complexity": 0.85}, {"shared:complexity": 1.0})
    {'case': 'gateshead', 'shared:complexity': '1'}
    """
    query = {CASE: case_name}
    for key, default in defaults.items():
        if key in state and state[key] != default and key.startswith(("shared:", "regime:",
                                                                         "switch:")):
            query[key] = _text(state[key])
    for key, (default, _, _) in RUN_SETTINGS.items():
        if key in state and state[key] != default:
            query[key] = _text(state[key])
    return query


def _read(key: str, raw: str, defaults: Mapping[str, Any]) -> Any:
    """One value from a link, validated; raises ScenarioError if it is not allowed."""
    name = _parameter(key)
    if name is not None and name in PARAMETERS:
        p = PARAMETERS[name]
        value: Any = raw
        if p.kind is bool:
            if raw not in {"0", "1", "true", "false", "True", "False"}:
                raise ScenarioError(f"{key}: {raw!r} is not a yes/no value")
            value = raw in {"1", "true", "True"}
        elif p.kind is int:
            value = int(float(raw))
        elif p.kind is float:
            value = float(raw)
        return p.coerce(value)
    if key in RUN_SETTINGS:
        _, low, high = RUN_SETTINGS[key]
        value = int(raw)
        if not low <= value <= high:
            raise ScenarioError(f"{key}: {value} is outside {low} to {high}")
        return value
    if key == SWITCH_YEAR[0]:
        value = float(raw)
        if not SWITCH_YEAR[2] <= value <= SWITCH_YEAR[3]:
            raise ScenarioError(f"{key}: {value} is outside the run")
        return value
    if key in {"switch:start", "switch:target"} and key in defaults:
        return raw
    raise ScenarioError(f"{key}: not a setting of the explorer")


def from_query(query: Mapping[str, str], defaults: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The settings a link asks for, validated against their declarations, and the keys that were
    dropped (unknown, or a value that is not allowed). ``defaults`` are the situation's.

    >>> from_query({"shared:complexity": "0.9", "shared:nope": "1"}, {"shared:complexity": 0.5})
    ({'shared:complexity': 0.9}, ['shared:nope'])
    """
    values, dropped = {}, []
    for key, raw in query.items():
        if key == CASE:
            continue
        try:
            values[key] = _read(key, raw, defaults)
        except (ScenarioError, ValueError):
            dropped.append(key)
    return values, dropped


@dataclass(frozen=True)
class Change:
    """A setting changed from the situation's value."""

    key: str
    label: str
    situation: Any
    now: Any


def changed_from_situation(defaults: Mapping[str, Any], state: Mapping[str, Any],
                           regime_labels: tuple[str, ...] = ()) -> list[Change]:
    """The settings in ``state`` that differ from the situation's ``defaults``, in plain labels
    (a regime's setting is prefixed with its regime's label)."""
    changes = []
    for key, default in defaults.items():
        name = _parameter(key)
        if name is None or key not in state or state[key] == default:
            continue
        if isinstance(default, float) and abs(float(state[key]) - default) < 1e-9:
            continue
        label = plain_label(PARAMETERS[name])
        if key.startswith("regime:") and regime_labels:
            label = f"{regime_labels[int(key.split(':')[1])]}: {label}"
        changes.append(Change(key, label, default, state[key]))
    return changes


def show_value(value: Any) -> str:
    """A setting's value for a sentence: yes/no, a whole number, or two decimals."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# --- hosting ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """What a server allows. Hosted: sizes capped, no typed paths, no user models executed."""

    hosted: bool = False
    allow_user_models: bool = True
    max_people: int = 2_000_000
    max_workers: int = 200_000
    max_steps: int = 1200
    max_upload_mb: int = 50

    def check(self, world: Mapping[str, Any]) -> None:
        """Raise ScenarioError if ``world`` is bigger than this server allows."""
        for name, cap in (("n_people", self.max_people), ("n_workers", self.max_workers),
                          ("steps", self.max_steps)):
            if name in world and world[name] > cap:
                raise ScenarioError(f"parameter '{name}': {world[name]} is not allowed on this "
                                    f"server; expected at most {cap}")


def _yes(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def limits(environ: Mapping[str, str], secrets: Mapping[str, Any] | None = None) -> Limits:
    """The server's limits from its environment (``HLSSIM_HOSTED``, ``HLSSIM_ALLOW_USER_MODELS``)
    or Streamlit secrets (``hosted``, ``allow_user_models``); a local run has no limits.

    >>> limits({}).hosted, limits({"HLSSIM_HOSTED": "1"}).max_people
    (False, 2000)
    """
    secrets = secrets or {}
    hosted = _yes(environ.get("HLSSIM_HOSTED", "")) or _yes(secrets.get("hosted", ""))
    if not hosted:
        return Limits()
    allow = (_yes(environ.get("HLSSIM_ALLOW_USER_MODELS", ""))
             or _yes(secrets.get("allow_user_models", "")))
    return Limits(hosted=True, allow_user_models=allow, max_people=2000, max_workers=100,
                  max_steps=240, max_upload_mb=20)
