"""The explorer's logic, apart from its presentation (``app.py`` only draws what this returns).

- Which parameters the explorer shows up front and which under "advanced", and how each appears
  (:func:`control`): widgets are generated from :data:`hlssim.model.parameters.PARAMETERS`, whose label,
  help, bounds and unit are used as declared; only the slider ranges shown up front are narrowed
  here to sensible ones.
- The settings of a case as a flat mapping of widget keys to values (:func:`case_settings`), and
  the scenarios those settings describe (:func:`case_scenarios`, :func:`switch_scenarios`).
- Running a comparison one regime at a time (:func:`run_comparison`), with the seeds and
  summaries of :func:`hlssim.experiments.comparison.compare`, so the app can cache each regime's runs and re-run
  only what changed.
- Turning a :class:`~hlssim.errors.ScenarioError` into a sentence for the page
  (:func:`friendly_error`); the final-year table is :func:`hlssim.ui.tables.final_table`.

Widget keys: ``shared:NAME`` for a parameter every regime shares (the world, the mechanism
switches, the calibration) and ``regime:I:NAME`` for regime ``I`` (0 or 1) of the case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import hlssim
from hlssim.engines.registry import run_many
from hlssim.errors import ScenarioError
from hlssim.experiments.comparison import Comparison, final_values, replicate_seed, summarize
from hlssim.model.cases import Case
from hlssim.model.parameters import PARAMETERS, REGIME_PARAMETERS, Param
from hlssim.model.scenario import Scenario

#: World settings the explorer starts from: half the model's default system (the same 20 people
#: per worker). With the batch engine a regime's runs take about 0.3 s of CPU whatever the size up
#: to here (the cost is per month simulated), so a change of a slider re-runs and re-draws in
#: about a second. Every one of them can be changed under "advanced".
APP_DEFAULTS: Mapping[str, Any] = {"n_people": 200, "n_workers": 10, "n_providers": 4}

#: Shown up front, for every regime alike: the world the service works in.
HEADLINE_WORLD: tuple[str, ...] = ("complexity", "knave_share", "steps")
#: Shown up front for each regime: the commissioner's main levers.
HEADLINE_REGIME: tuple[str, ...] = ("target_pressure", "pbr_share", "reflection_time",
                                    "audit_rate", "retender_interval", "stewardship",
                                    "peer_accountability")
#: The regime switch has its own page; the side-by-side comparison leaves these at "no switch".
SWITCH_PARAMETERS: tuple[str, ...] = ("switch_step", "switch_to")

#: Sensible slider ranges and steps for the controls shown up front (within the declared bounds).
SLIDER_RANGES: Mapping[str, tuple[float, float, float]] = {
    "steps": (12, 240, 12),
    "retender_interval": (0, 120, 6),
}

#: Replications and root seed the explorer starts from (the batch engine runs a regime's
#: replications in one pass, so five cost little more than one).
DEFAULT_REPS = 5
DEFAULT_SEED = 0


def shared_parameters() -> tuple[str, ...]:
    """Parameters every regime in a comparison shares: the world, mechanisms and calibration."""
    return tuple(n for n, p in PARAMETERS.items() if p.group != "regime")


def advanced_shared() -> dict[str, tuple[str, ...]]:
    """The shared parameters under "advanced", by group, in their declared order."""
    groups: dict[str, tuple[str, ...]] = {}
    for group in ("world", "mechanism", "calibration"):
        groups[group] = tuple(n for n, p in PARAMETERS.items()
                              if p.group == group and n not in HEADLINE_WORLD)
    return groups


def advanced_regime() -> tuple[str, ...]:
    """Regime parameters under "advanced" (every one not shown up front, bar the switch)."""
    return tuple(n for n in REGIME_PARAMETERS if n not in HEADLINE_REGIME)


def fastest_engine() -> str:
    """The fastest engine installed: ``batch`` when present, otherwise ``mesa``."""
    return "batch" if "batch" in hlssim.ENGINES else "mesa"


# --- widgets ------------------------------------------------------------------------------------

#: Labels the explorer shows instead of the declared ones, where the declared label carries the
#: literature's jargon ("knaves"); the declaration keeps it for modellers.
PAGE_LABELS: Mapping[str, str] = {
    "knave_share": "Share of self-interested staff",
    "mech_neglect": "Neglect by self-interested staff",
}


def plain_label(param: Param) -> str:
    """The label a commissioner sees for ``param``."""
    return PAGE_LABELS.get(param.name, param.label)


def label_with_unit(param: Param) -> str:
    """The parameter's plain label, with its unit unless the label already says it."""
    unit, label = param.unit, plain_label(param)
    if not unit or unit.rstrip("s").lower() in label.lower():
        return label
    return f"{label} ({unit})"


@dataclass(frozen=True)
class Control:
    """How one parameter appears: a Streamlit widget (``st.<widget>``) and its arguments."""

    name: str
    widget: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def control(name: str, advanced: bool = False) -> Control:
    """The widget for parameter ``name``.

    Up front, numbers are sliders over a sensible range. Under "advanced" they are free number
    boxes that accept anything, so that a value outside the allowed range reaches the scenario's
    validation and comes back as a message on the page (the help text states the allowed range).
    """
    p = PARAMETERS[name]
    help_text = f"{p.help} Allowed: {p.allowed()}."
    if p.unit:
        help_text += f" Unit: {p.unit}."
    base = {"label": label_with_unit(p), "help": help_text}
    if p.kind is bool:
        return Control(name, "checkbox", base)
    if p.kind is str:
        return Control(name, "selectbox", base | {"options": list(p.options or ())})
    if advanced:
        if p.kind is int:
            return Control(name, "number_input", base | {"step": 1, "format": "%d"})
        step = 0.001 if p.high <= 0.2 else 0.01 if p.high <= 2 else 0.5
        return Control(name, "number_input", base | {"step": step, "format": "%.3f"})
    low, high, step = SLIDER_RANGES.get(name, (p.low, p.high, 1 if p.kind is int else 0.01))
    # ``value``: the slider's value while its key has none in the session (Streamlit's own
    # default without it; a slider's identity is its key and range, not this). Given, Streamlit
    # does not read the whole session state to guess whether the slider is a range: with
    # every setting kept there, that was most of a slider's cost on the server, some 18 of them
    # on every re-run of a page (benchmarks/bench_server_load.py).
    if p.kind is int:
        return Control(name, "slider", base | {"min_value": int(low), "max_value": int(high),
                                               "step": int(step), "value": int(low)})
    return Control(name, "slider", base | {"min_value": float(low), "max_value": float(high),
                                           "step": float(step), "format": "%.2f",
                                           "value": float(low)})


def shared_key(name: str) -> str:
    return f"shared:{name}"


def regime_key(index: int, name: str) -> str:
    return f"regime:{index}:{name}"


# --- settings and scenarios ---------------------------------------------------------------------

def case_settings(case: Case) -> dict[str, Any]:
    """Every parameter widget's value the explorer starts from for ``case``, by widget key.

    Shared parameters take the case's world, then :data:`APP_DEFAULTS`, then their defaults;
    each regime's parameters take its preset and the case's overrides.
    """
    settings = {}
    for name in shared_parameters():
        value = case.world.get(name, APP_DEFAULTS.get(name, PARAMETERS[name].default))
        settings[shared_key(name)] = PARAMETERS[name].coerce(value)  # e.g. 1 -> 1.0 for a slider
    world = {n: settings[shared_key(n)] for n in shared_parameters()}
    for i, regime in enumerate(case.regimes):
        scenario = regime.scenario(world)
        for name in REGIME_PARAMETERS:
            settings[regime_key(i, name)] = scenario[name]
    return settings


def shared_values(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The shared parameter values present in ``settings`` (keyed by widget key)."""
    return {n: settings[shared_key(n)] for n in shared_parameters() if shared_key(n) in settings}


def case_scenarios(case: Case, settings: Mapping[str, Any]) -> dict[str, Scenario]:
    """The case's two scenarios under ``settings``; raises ScenarioError on any bad value."""
    regime_values = {
        regime.key: {n: settings[regime_key(i, n)] for n in REGIME_PARAMETERS
                     if regime_key(i, n) in settings}
        for i, regime in enumerate(case.regimes)
    }
    return case.scenarios(shared_values(settings), regime_values)


@dataclass(frozen=True)
class SwitchDesign:
    """The runs that show a switch: stay put, switch at ``switch_step``, the new regime all along."""

    scenarios: dict[str, Scenario]
    labels: dict[str, str]
    stay: str
    switched: str
    target: str
    switch_step: int
    #: True when the new regime's settings in the case differ from its preset's, which the
    #: model's switch brings in (see :func:`case_switch`).
    target_changed: bool = False
    #: The standard preset the switch brings in when the case's new regime cannot be switched to
    #: itself (see :func:`switchable`), else None.
    switched_to_nearest: str | None = None


def switch_scenarios(start: str, target: str, switch_year: float, world: Mapping[str, Any],
                     labels: Mapping[str, str] | None = None) -> SwitchDesign:
    """Three scenarios in one world: ``start`` throughout, ``start`` switching to ``target`` at
    ``switch_year`` (the switch brings in the target preset's regime parameters), and ``target``
    throughout. Raises ScenarioError on a bad value, e.g. a switch after the run ends.
    """
    names = dict(labels or {})
    start_label, target_label = names.get(start, start), names.get(target, target)
    step = round(12 * switch_year)
    world = {k: v for k, v in world.items() if k not in SWITCH_PARAMETERS}
    if not 0 < step < world.get("steps", PARAMETERS["steps"].default):
        raise ScenarioError(f"parameter 'switch_step': year {switch_year:g} is not allowed; "
                            "expected a year after the start and before the end of the run")
    if start == target:
        raise ScenarioError(f"parameter 'switch_to': {target} is not allowed; expected a regime "
                            f"other than the one the run starts with ({start})")
    stay, switched = f"{start}_throughout", f"{start}_to_{target}_at_month_{step}"
    other = f"{target}_throughout"
    scenarios = {
        stay: Scenario.from_preset(start, **world),
        switched: Scenario.from_preset(start, **world, switch_step=step, switch_to=target),
        other: Scenario.from_preset(target, **world),
    }
    labels_out = {stay: f"{start_label} throughout",
                  switched: f"Switch to {target_label} at year {switch_year:g}",
                  other: f"{target_label} throughout"}
    return SwitchDesign(scenarios, labels_out, stay, switched, other, step)


def case_switch(case: Case, settings: Mapping[str, Any], switch_year: float,
                reverse: bool = False) -> SwitchDesign:
    """The switch design for a case's own two regimes: its first regime (with the settings in
    ``settings``, e.g. the conventional grant scheme's) switching to its second at
    ``switch_year``, or the other way round with ``reverse``. The model's switch brings in the new
    regime's preset settings, so the "new regime all along" run uses those same preset settings,
    and :attr:`SwitchDesign.target_changed` says whether they differ from the case's (the page
    says so). Raises ScenarioError on a bad value.
    """
    scenarios = case_scenarios(case, settings)
    order = list(case.regimes)[::-1] if reverse else list(case.regimes)
    start, target = order
    world = shared_values(settings)
    step = round(12 * switch_year)
    steps = scenarios[start.key]["steps"]
    if not 0 < step < steps:
        raise ScenarioError(f"parameter 'switch_step': year {switch_year:g} is not allowed; "
                            "expected a year after the start and before the end of the run")
    if start.preset == target.preset:
        raise ScenarioError(f"parameter 'switch_to': {target.preset} is not allowed; expected a "
                            "regime other than the one the run starts with")
    base = dict(scenarios[start.key].items())
    stay, switched, other = "stay", "switch", "target"
    switch_to = switchable(target.preset, world)
    target_preset = Scenario.from_preset(switch_to, **world)
    design = {
        stay: Scenario(base),
        switched: Scenario(base | {"switch_step": step, "switch_to": switch_to}),
        other: target_preset,
    }
    own = scenarios[target.key]
    changed = any(own[n] != target_preset[n] for n in REGIME_PARAMETERS
                  if n not in SWITCH_PARAMETERS)
    labels = {stay: f"{start.label} throughout",
              switched: f"Switch to {target.label} at year {switch_year:g}",
              other: f"{target.label} throughout"}
    return SwitchDesign(design, labels, stay, switched, other, step, changed,
                        None if switch_to == target.preset else switch_to)


def switchable(preset: str, world: Mapping[str, Any] | None = None) -> str:
    """``preset`` if the model can switch to it mid-run, else the switchable preset whose regime
    settings are nearest to it (the sum of absolute differences over the numeric settings).

    The model's switch (``switch_to``) accepts its standard presets only; a fitted preset such as
    the Borders one is not among them, so a switch to it brings in the nearest standard one, and
    the page says which.
    """
    options = [o for o in PARAMETERS["switch_to"].options or () if o]
    if preset in options:
        return preset
    own = Scenario.from_preset(preset, **dict(world or {}))

    def distance(other: str) -> float:
        values = Scenario.from_preset(other, **dict(world or {}))
        return sum(abs(float(own[n]) - float(values[n])) for n in REGIME_PARAMETERS
                   if n not in SWITCH_PARAMETERS and PARAMETERS[n].kind in (int, float)
                   and PARAMETERS[n].high and PARAMETERS[n].high <= 1)

    return min(options, key=distance)


# --- running ------------------------------------------------------------------------------------

#: Runs every replication of one scenario: (scenario values as sorted items, root seed, one spawn
#: key per replication, engine) -> the runs' table with a ``rep`` column.
RunRegime = Callable[[tuple, int, tuple[tuple[int, int], ...], str], pd.DataFrame]


def scenario_items(scenario: Scenario) -> tuple:
    """A scenario's values as a sorted tuple: hashable, so it can key a cache."""
    return tuple(sorted(scenario.items()))


def run_regime(items: tuple, seed: int, spawn_keys: tuple[tuple[int, int], ...],
               engine: str) -> pd.DataFrame:
    """Every replication of the scenario with ``items``; replication ``r`` is seeded
    ``SeedSequence(seed, spawn_key=spawn_keys[r])``. The batch engine runs them all in one
    vectorised pass (about as fast as a single run); other engines run them one by one.
    """
    scenario = Scenario(dict(items))
    seeds = [np.random.SeedSequence(seed, spawn_key=key) for key in spawn_keys]
    if engine == "batch":
        return run_many(scenario, seeds).rename(columns={"replication": "rep"})
    tables = []
    for rep, rep_seed in enumerate(seeds):
        table = hlssim.run(scenario, seed=rep_seed, engine=engine)
        table.insert(0, "rep", rep)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def run_comparison(scenarios: Mapping[str, Scenario], reps: int, seed: int = 0,
                   engine: str | None = None, paired: bool = False,
                   runner: RunRegime = run_regime) -> Comparison:
    """Run every scenario ``reps`` times through ``runner``; the same result as ``compare``.

    Seeds follow :func:`hlssim.experiments.comparison.replicate_seed`, so the app shows exactly what
    ``hlssim compare`` (or :func:`hlssim.experiments.comparison.compare`) gives for the same scenarios and seed.
    Passing a caching ``runner`` lets the app re-run only the regimes whose settings changed.
    """
    engine = engine or fastest_engine()
    tables = []
    for i, (name, scenario) in enumerate(scenarios.items()):
        keys = tuple(tuple(replicate_seed(seed, i, rep, paired).spawn_key) for rep in range(reps))
        table = runner(scenario_items(scenario), seed, keys, engine).copy()
        table.insert(0, "regime", name)
        tables.append(table)
    trajectories = pd.concat(tables, ignore_index=True)
    finals = final_values(trajectories)
    return Comparison(trajectories, finals, summarize(finals))


# --- presenting ---------------------------------------------------------------------------------

def friendly_error(error: Exception) -> str:
    """A bad-input error as a sentence for the page, naming the control by its label.

    >>> friendly_error(ScenarioError("parameter 'n_people': 0 is not allowed; expected an "
    ...                              "integer from 10 to 2000000"))
    "These settings can't be simulated: **People supported**: 0 is not allowed; expected \
an integer from 10 to 2000000. Change it in the sidebar and the results will come back."
    """
    message = str(error)
    for name, p in PARAMETERS.items():
        message = message.replace(f"parameter '{name}'", f"**{plain_label(p)}**")
    return (f"These settings can't be simulated: {message}. Change it in the sidebar and the "
            "results will come back.")
