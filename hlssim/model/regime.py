"""The regime in force, and the one way an engine enters a regime: at the start of a run, at a
scenario's mid-run switch, or each month of a hybrid run (whose stock-flow side sets the
commissioner's target pressure and audit rate).

Both engines and :mod:`hlssim.engines.hybrid` call :func:`enter_regime`, so a regime means the
same in each: the regime's values (``engine.rp``), what it signals to everyone
(:class:`RegimeSignals`, from :func:`hlssim.model.rules.regime_signals`) and, at a switch, a target
that starts again at the new regime's level.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from types import SimpleNamespace

from hlssim.model import rules as R
from hlssim.model.parameters import PARAMETERS


@dataclass(frozen=True)
class RegimeSignals:
    """What the regime in force means for everyone each month (derived once per regime)."""

    control: float
    pressure: float
    autonomy: float
    pool_rate: float


def enter_regime(engine, regime, *, reset_target: bool) -> None:
    """Put ``regime`` (a :class:`~hlssim.model.scenario.Scenario`) in force in ``engine`` (either
    engine's model): ``engine.regime``, ``engine.rp`` (its values as attributes, for fast access)
    and ``engine.signals``; with ``reset_target``, the commissioner's target restarts at the
    regime's ``target_level`` (``engine.reset_target``). ``engine.mech_pooling`` must be set."""
    engine.regime = regime
    engine.rp = SimpleNamespace(**regime.to_dict())
    engine.signals = RegimeSignals(**R.regime_signals(regime, engine.mech_pooling))
    if reset_target:
        engine.reset_target(regime.target_level)


def switch_due(scenario, month: int) -> bool:
    """Whether ``scenario`` switches regime at the start of ``month`` (1 = a run's first)."""
    return bool(scenario.switch_step) and month == scenario.switch_step


#: The engines' names of the gaming switches (:func:`hlssim.model.rules.mechanism_switches`) that
#: differ from the catalogue's ``mech_gaming_*``.
_ENGINE_SWITCHES = ("mech_creaming", "mech_substitution", "mech_threshold", "mech_misreport",
                    "mech_ratchet")
#: Every numeric parameter in force, by its catalogue name (switches as 1.0/0.0, also under the
#: engines' names), for compiled code: ``pm.audit_rate``. Made by :func:`parameters_in_force`.
ParametersInForce = namedtuple("ParametersInForce", [
    *(p.name for p in PARAMETERS.values() if p.kind is not str), *_ENGINE_SWITCHES])


def parameters_in_force(scenario, regime) -> ParametersInForce:
    """The values a month reads: the regime's parameters from ``regime`` (the one in force), the
    world's, the mechanisms' and the calibration's from ``scenario``. Integers stay integers;
    switches are 1.0 (on) or 0.0 (off)."""
    values = {}
    for p in PARAMETERS.values():
        if p.kind is str:
            continue
        value = (regime if p.group == "regime" else scenario)[p.name]
        values[p.name] = int(value) if p.kind is int else float(value)
    values.update(R.mechanism_switches(scenario))
    return ParametersInForce(**values)
