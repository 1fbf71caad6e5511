"""Every scenario parameter, declared once as data.

Validation, the CLI's ``--set``, preset files, the docs tables and (later) sweep ranges and
Streamlit widgets all read this one table, so a parameter is added or changed in one place.

Groups:
  ``world``      the situation being served (complexity, sizes, run length);
  ``regime``     how the commissioner funds and manages (what a preset sets, what a switch changes);
  ``mechanism``  switches that turn one mechanism of ``MODEL.md`` off, for tests and teaching;
  ``calibration`` rates and strengths of the mechanisms, with defaults argued in ``docs/ODD.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hlssim.errors import ScenarioError


@dataclass(frozen=True)
class Param:
    """One parameter: its name, type, allowed range or options, default, unit and plain words."""

    name: str
    kind: type  # float, int, bool or str
    default: Any
    group: str
    label: str
    help: str
    low: float | None = None
    high: float | None = None
    unit: str = ""
    options: tuple[str, ...] | None = None  # for str parameters; None means free text
    #: the plausible span one-at-a-time effects use, where the allowed range's ends mean the same
    #: thing (retender_interval: 0 and 1200 both mean "never" in a run of 120 months)
    span: tuple[float, float] | None = None

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and docs."""
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "one of " + ", ".join(self.options) if self.options else "text"
        if self.kind is int:
            return f"an integer from {int(self.low)} to {int(self.high)}"
        return f"a number from {self.low:g} to {self.high:g}"

    def coerce(self, value: Any) -> Any:
        """Return ``value`` as this parameter's type, or raise ScenarioError naming the field."""
        try:
            return self._coerce(value)
        except _NotAllowed:
            shown = value if isinstance(value, str) and value else repr(value)
            raise ScenarioError(f"parameter '{self.name}': {shown} is not allowed; expected "
                                f"{self.allowed()}") from None

    def _coerce(self, value: Any) -> Any:
        """:meth:`coerce` without the message (built only on failure: a sweep coerces every
        parameter of every design point)."""
        bad = _NotAllowed
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
                return value.strip().lower() in {"true", "1", "yes", "on"}
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            raise bad
        if self.kind is str:
            if not isinstance(value, str):
                raise bad
            if self.options is not None and value not in self.options:
                raise bad
            return value
        if isinstance(value, bool):
            raise bad
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise bad from None
        if not isinstance(value, (int, float)):
            raise bad
        if value != value:  # NaN
            raise bad
        if self.kind is int:
            if float(value) != int(value):
                raise bad
            value = int(value)
        else:
            value = float(value)
        if not (self.low <= value <= self.high):
            raise bad
        return value


class _NotAllowed(Exception):
    """A value :meth:`Param.coerce` refuses; turned into a ScenarioError naming the field."""


def _p(name, kind, default, group, label, help, low=None, high=None, unit="", options=None,
       span=None):
    return Param(name, kind, default, group, label, help, low, high, unit, options, span)


def _switch(name: str, label: str, help: str) -> Param:
    return _p(name, bool, True, "mechanism", label, help)


PRESET_NAMES = ("npm_targets", "npm_pbr", "hls", "alliance", "hls_grant", "simple_service")

_DECLARED: tuple[Param, ...] = (
    # --- the world -----------------------------------------------------------------------------
    _p("complexity", float, 0.5, "world", "How complex are people's lives?",
       "0: everyone is helped by the same standard approach, outcomes are attributable and stable. "
       "1: what helps differs from person to person and shifts over time, life factors interact "
       "strongly, and much of a measured outcome lies outside the service's influence.",
       0.0, 1.0),
    _p("n_people", int, 400, "world", "People supported", "People in the system, on caseloads.",
       10, 2_000_000, "people"),
    _p("n_workers", int, 20, "world", "Frontline workers", "Workers across all providers.",
       1, 200_000, "workers"),
    _p("n_providers", int, 4, "world", "Provider organisations",
       "Providers holding contracts (lots); each has at least one worker.", 1, 1000, "providers"),
    _p("steps", int, 120, "world", "Months simulated", "One step is a month.", 1, 1200, "months"),
    # --- the regime ----------------------------------------------------------------------------
    _p("target_pressure", float, 0.0, "regime", "How hard are targets pushed?",
       "Weight of targets, KPIs, league tables and sanctions on the reported indicator.", 0.0, 1.0),
    _p("pbr_share", float, 0.0, "regime", "Share of payment tied to results",
       "Share of the contract value paid on the reported outcome indicator.", 0.0, 1.0),
    _p("audit_rate", float, 0.05, "regime", "How often are reports audited?",
       "Monthly probability that a worker's reports are audited by the commissioner.",
       0.0, 1.0, "per month"),
    _p("retender_interval", int, 0, "regime", "Months between re-tenders",
       "Competitive re-tendering on reported performance every this many months; 0 for never.",
       0, 1200, "months", span=(12, 60)),
    _p("reflection_time", float, 0.05, "regime", "Time for reflective practice",
       "Share of worker time protected for reflection and learning with peers.", 0.0, 0.5,
       "share of time"),
    _p("stewardship", float, 0.0, "regime", "System stewardship",
       "How far the commissioner acts on escalated learning to remove upstream barriers.",
       0.0, 1.0),
    _p("standardisation", float, 0.3, "regime", "How far is the intervention specified?",
       "Share of cases where workers must deliver the specified standard intervention.",
       0.0, 1.0),
    _p("coproduction", float, 0.1, "regime", "Asking people what matters to them",
       "Monthly chance that a person's own view of what would help reaches their worker.",
       0.0, 1.0, "per month"),
    _p("collaboration_time", float, 0.02, "regime", "Time for working across organisations",
       "Share of worker time spent collaborating with other services around a person.",
       0.0, 0.5, "share of time"),
    _p("alliance", float, 0.0, "regime", "Alliance (shared accountability)",
       "0: providers compete and learn alone. 1: providers share accountability and pool "
       "learning across organisations.", 0.0, 1.0),
    _p("knave_share", float, 0.1, "world", "Share of self-interested staff ('knaves')",
       "Share of newly hired workers who are not intrinsically motivated and neglect cases "
       "unless watched.", 0.0, 1.0),
    _p("peer_accountability", float, 0.0, "regime", "Accountability for learning",
       "Strength of peer review in reflective practice: how far colleagues notice and address "
       "neglect.", 0.0, 1.0),
    _p("target_level", float, 0.5, "regime", "Target for the indicator",
       "Share of people the contract expects over the outcome line.", 0.0, 1.0, "share"),
    _p("target_ratchet", float, 0.0, "regime", "Ratchet on targets",
       "How far next year's target rises toward this year's reported performance.", 0.0, 1.0),
    _p("indicators", float, 4.0, "regime", "Indicators reported",
       "How many indicators (KPIs, outcome measures) each worker reports on.", 0.0, 30.0,
       "indicators"),
    _p("reports_per_year", float, 4.0, "regime", "Reports a year",
       "How often each indicator is reported to the commissioner.", 0.0, 12.0,
       "reports a year"),
    _p("switch_step", int, 0, "regime", "Switch regime at month",
       "Month at which the regime changes to 'switch_to'; 0 for no switch.", 0, 1200, "months"),
    _p("switch_to", str, "", "regime", "Switch to regime",
       "Preset whose regime parameters apply from 'switch_step' on; empty for no switch.",
       options=("",) + PRESET_NAMES),
    # --- mechanism switches --------------------------------------------------------------------
    _switch("mech_focus", "Targets focus effort",
            "Clear, attributable targets raise effort, most among the less motivated."),
    _switch("mech_attribution", "Attribution fades with complexity",
            "Measured outcomes carry forces outside the service's influence as complexity rises."),
    _switch("mech_gaming_creaming", "Gaming: cream-skimming and parking",
            "Workers under pressure park hard cases unlikely to cross the outcome line."),
    _switch("mech_gaming_substitution", "Gaming: effort substitution",
            "Time and help shift toward what is measured and counted."),
    _switch("mech_gaming_threshold", "Gaming: threshold behaviour",
            "Effort goes to people just under the line and stops once they are over it."),
    _switch("mech_gaming_misreport", "Gaming: misreporting",
            "Reported outcomes are inflated; audits catch some of it."),
    _switch("mech_gaming_ratchet", "Gaming: ratchet avoidance",
            "Where targets ratchet up, performance above target is held back."),
    _switch("mech_crowding", "Motivation crowding",
            "Controlling incentives crowd intrinsic motivation out; autonomy and trust crowd it in."),
    _switch("mech_turnover", "Stress and turnover",
            "Stressed, demotivated workers leave, taking relationships and learning with them."),
    _switch("mech_trust", "Trust dynamics",
            "Trust at three levels moves on the good and bad news each side sees; otherwise it stays at its start."),
    _switch("mech_learning", "Learning what helps",
            "Workers learn what helps whom from real results; otherwise beliefs stay at the prior."),
    _switch("mech_pooling", "Pooled learning",
            "Reflective practice pools learning across a team (and an alliance)."),
    _switch("mech_barriers", "System barriers",
            "Upstream barriers harm many people at once; stewardship can remove them."),
    _switch("mech_failure_demand", "Failure demand",
            "Help that does not fit brings people back, loading caseloads."),
    _switch("mech_neglect", "Neglect by knaves",
            "Knaves give their caseload a fraction of the effort; audits, peer review and "
            "attributable targets can find and remove them."),
    # --- calibration ---------------------------------------------------------------------------
    _p("n_approaches", int, 4, "calibration", "Distinct approaches",
       "Number of distinct ways of helping; approach 0 is the standard, evidence-based one.", 2, 12),
    _p("help_gain", float, 0.06, "calibration", "Help strength",
       "Monthly rise of a life factor toward 1 under one unit of well-fitting help.", 0.0, 0.5,
       "per month"),
    _p("standard_efficiency", float, 0.2, "calibration", "Efficiency of the specified intervention",
       "Extra help per hour when the specified standard intervention is delivered as specified: "
       "a manualised, evidence-based intervention is quicker to deliver.", 0.0, 1.0),
    _p("misfit_effect", float, 0.25, "calibration", "Effect of an ill-fitting approach",
       "Share of the full effect that an approach which does not fit still achieves.", 0.0, 1.0),
    _p("recovery_rate", float, 0.03, "calibration", "Drift to own baseline",
       "Monthly pull of each life factor back to the person's baseline without help.", 0.0, 0.5,
       "per month"),
    _p("shock_size", float, 0.03, "calibration", "Life shocks",
       "Standard deviation of monthly shocks to each life factor at complexity 0.5.", 0.0, 0.3),
    _p("need_shift_rate", float, 0.03, "calibration", "Shifting needs",
       "Monthly chance, at complexity 1, that what helps a person changes.", 0.0, 0.5,
       "per month"),
    _p("interaction_strength", float, 0.6, "calibration", "Interaction of life factors",
       "At complexity 1, weight of the weakest life factor in wellbeing.", 0.0, 1.0),
    _p("attribution_loss", float, 0.6, "calibration", "Outcome outside the service's influence",
       "At complexity 1, share of the measured outcome driven by outside forces.", 0.0, 1.0),
    _p("measurement_noise", float, 0.05, "calibration", "Measurement noise",
       "Standard deviation of noise in observing a person's outcome.", 0.0, 0.5),
    _p("outcome_line", float, 0.55, "calibration", "Outcome line",
       "Observed outcome above which a person counts as a success in the indicator.", 0.0, 1.0),
    _p("focus_gain", float, 0.45, "calibration", "Effort from a clear target",
       "Extra effort a fully attributable, fully pressed target draws from an unmotivated worker.",
       0.0, 1.0),
    _p("gaming_max", float, 0.6, "calibration", "Ceiling on gaming",
       "Gaming intensity of a worker under maximum pressure, minimum motivation and no audit.",
       0.0, 1.0),
    _p("crowding_rate", float, 0.04, "calibration", "Crowding rate",
       "Monthly rate at which control crowds out, and autonomy crowds in, intrinsic motivation.",
       0.0, 0.5, "per month"),
    _p("trust_rate", float, 0.05, "calibration", "Trust rate",
       "How far one month's news moves trust, good and bad alike (trust falls faster than it "
       "builds only where the news each side sees makes it).", 0.0, 0.5, "per month"),
    _p("learning_rate", float, 0.3, "calibration", "Learning rate",
       "How far one honest, reflected-on result moves a worker's belief.", 0.0, 1.0),
    _p("exploration", float, 0.15, "calibration", "Trying new approaches",
       "Chance of trying an untested approach when it is safe to fail and beliefs are unsure.",
       0.0, 1.0),
    _p("barrier_harm", float, 0.015, "calibration", "Harm from a barrier",
       "Monthly fall of an affected person's life factor under a barrier at full strength.",
       0.0, 0.2, "per month"),
    _p("failure_demand_load", float, 0.5, "calibration", "Time taken by failure demand",
       "Workload of one unit of failure demand relative to one person on the caseload.",
       0.0, 2.0),
    _p("base_turnover", float, 0.01, "calibration", "Base turnover",
       "Monthly chance that a worker leaves with no stress and full motivation.", 0.0, 0.5,
       "per month"),
    _p("wage_cost", float, 3.0, "calibration", "Cost of a worker",
       "Cost of one worker-month, in thousands of pounds.", 0.0, 100.0, "£k per month"),
)

PARAMETERS: dict[str, Param] = {p.name: p for p in _DECLARED}

REGIME_PARAMETERS: tuple[str, ...] = tuple(
    p.name for p in _DECLARED if p.group == "regime" and p.name not in ("switch_step", "switch_to")
)
"""Parameters a regime switch replaces: the commissioner's choices, not the world."""


def defaults() -> dict[str, Any]:
    """Every parameter's default value."""
    return {p.name: p.default for p in _DECLARED}
