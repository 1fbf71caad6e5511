"""The plausible range of each uncertain parameter, and what it rests on.

A parameter's declared range (:data:`hlssim.model.parameters.PARAMETERS`: ``low``, ``high``) is
what the tool accepts: the values at which the rules still mean something. It is not a claim that
every value in it is plausible for a public service: ``help_gain`` 0 is help that does nothing,
``base_turnover`` 0.5 is half the staff leaving every month with no stress at all. A sensitivity
analysis over declared ranges therefore spends most of its points in worlds nobody argues for
(issue 18 asks for ranges argued from sources).

Each entry here gives the range the plausible-space analysis
(:mod:`hlssim.validation.plausible`) samples, and its basis, one of two kinds:

- ``"source"``: a published figure bounds it (named in the text);
- ``"judgement"``: no source pins the value; the range is the same rule for every such parameter,
  half to twice the default (clipped to the declared range), fixed before the analysis was run
  and blind to which regime it favours. The defaults themselves are judgement (``docs/ODD.md``,
  8.2), so this says how far that judgement could plausibly be off.

``tests/test_plausible_ranges.py`` checks that every uncertain parameter has an entry, that each
range lies inside the declared one and contains the default, and that every judgement range
follows the half-to-twice rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlausibleRange:
    low: float
    high: float
    basis: str  # "source" or "judgement"
    why: str


JUDGEMENT = "half to twice the default (judgement: no source pins it)"


def _judged(low: float, high: float) -> PlausibleRange:
    return PlausibleRange(low, high, "judgement", JUDGEMENT)


#: Uncertain parameter -> its plausible range (see the module docstring).
PLAUSIBLE: dict[str, PlausibleRange] = {
    "knave_share": PlausibleRange(
        0.0, 0.3, "source",
        "Le Grand 2003: public-service staff are mostly 'knights', some 'knaves'; no survey gives "
        "a share, so from none to a substantial minority of three in ten (the range the project's "
        "sensitivity spec has used since it was written)"),
    "n_approaches": _judged(2, 8),
    "help_gain": _judged(0.03, 0.12),
    "standard_efficiency": _judged(0.1, 0.4),
    "misfit_effect": _judged(0.125, 0.5),
    "recovery_rate": _judged(0.015, 0.06),
    "shock_size": _judged(0.015, 0.06),
    "need_shift_rate": _judged(0.015, 0.06),
    "interaction_strength": _judged(0.3, 1.0),
    "attribution_loss": _judged(0.3, 1.0),
    "measurement_noise": _judged(0.025, 0.1),
    "outcome_line": PlausibleRange(
        0.4, 0.7, "source",
        "a threshold target is set where part of a caseload clears it and part does not (the "
        "Work Programme expected 11.9% sustained job outcomes, Peterborough's trigger was a 7.5% "
        "fall in reconvictions: neither trivial nor out of reach, CASES.md); with wellbeing "
        "mostly between 0.2 and 0.8 in the model, the line sits within 0.15 of its default"),
    "focus_gain": _judged(0.225, 0.9),
    "gaming_max": _judged(0.3, 1.0),
    "crowding_rate": _judged(0.02, 0.08),
    "trust_rate": _judged(0.025, 0.1),
    "learning_rate": _judged(0.15, 0.6),
    "exploration": _judged(0.075, 0.3),
    "barrier_harm": _judged(0.0075, 0.03),
    "failure_demand_load": _judged(0.25, 1.0),
    "base_turnover": PlausibleRange(
        0.005, 0.02, "source",
        "Skills for Care (The state of the adult social care sector and workforce in England) "
        "reports staff turnover of about 29-31% a year (2018/19 to 2022/23), about 2.8% a month, "
        "all causes included, and 20.6% a year (1.9% a month) where jobs are paid above the "
        "minimum, full-time, with training and a qualification; the floor without stress or lost "
        "motivation lies below that: from a quarter of the best jobs' rate up to all of it"),
}
