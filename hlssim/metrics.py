"""The metrics a run reports, one value each per step, declared once as data.

The public names (the first twenty) are part of hlssim's interface; the rest show mechanisms in
more detail (gaming by kind, neglect, selection). ``docs/metrics.md`` is generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    low: float
    high: float | None  # None: unbounded above
    description: str


METRICS: tuple[Metric, ...] = (
    Metric("wellbeing_mean", "True wellbeing (mean)", 0, 1,
           "Mean over people of true wellbeing: the mean of their life factors, pulled toward the "
           "weakest factor by the interaction weight."),
    Metric("wellbeing_p10", "Wellbeing of the worst-off (10th percentile)", 0, 1,
           "10th percentile of true wellbeing across people: 'leave no-one behind'."),
    Metric("reported_indicator", "Reported indicator", 0, 1,
           "Share of people reported over the outcome line: observed outcome over the line, plus "
           "misreports not caught by audit."),
    Metric("goodhart_gap", "Gap: reported minus true", -1, 1,
           "reported_indicator minus the share of people whose true wellbeing is over the line."),
    Metric("indicator_outcome_corr", "Indicator tracks outcome (correlation)", -1, 1,
           "Correlation across people between the value reported for them (observed outcome, or "
           "just over the line if misreported and not caught) and their true wellbeing; 0 when "
           "either is constant."),
    Metric("gaming_share", "Share of effort that is gaming", 0, 1,
           "Mean over workers of the share of time spent on effort substitution, misreporting, "
           "misdirected allocation (threshold targeting, parking) and withheld effort."),
    Metric("misreport_rate", "Misreported share of reported successes", 0, 1,
           "Share of reported successes that were misreported and not caught by audit."),
    Metric("creamed_share", "Share of people parked", 0, 1,
           "Mean over people of how far their fair share of effort was cut by cream-skimming (1 = "
           "fully parked)."),
    Metric("motivation_mean", "Intrinsic motivation", 0, 1, "Mean intrinsic motivation of workers."),
    Metric("stress_mean", "Stress", 0, 1, "Mean stress of workers."),
    Metric("turnover_rate", "Staff turnover (monthly)", 0, 1,
           "Share of posts whose holder left, was managed out or was not kept when a contract "
           "moved, this month."),
    Metric("trust_commissioner_provider", "Trust: commissioner and providers", 0, 1,
           "Mean trust between the commissioner and each provider."),
    Metric("trust_manager_worker", "Trust: managers and workers", 0, 1,
           "Mean trust between workers and their managers."),
    Metric("trust_worker_person", "Trust: workers and people", 0, 1,
           "Mean trust between people and their current worker."),
    Metric("knowledge_accuracy", "Workers know what helps", 0, 1,
           "Share of people whose worker's best-believed approach is the one that helps them."),
    Metric("system_barriers", "System barriers", 0, 1,
           "Mean strength of the upstream barriers (1 = untouched, 0 = removed)."),
    Metric("failure_demand", "Failure demand share", 0, 1,
           "Failure demand as a share of all demand on caseloads: sum(fd) / (people + sum(fd))."),
    Metric("admin_time_share", "Admin time share", 0, 1,
           "Mean share of worker time on reporting, claims and audit preparation."),
    Metric("cost_total", "Total cost (£k per month)", 0, None,
           "Staff wages plus the commissioner's monitoring, claims and stewardship costs, "
           "recruitment of replacements and tendering, this month."),
    Metric("cost_per_wellbeing", "Cost per unit of wellbeing (£k)", 0, None,
           "cost_total divided by the sum of true wellbeing over people this month."),
    # --- detail -------------------------------------------------------------------------------
    Metric("true_indicator", "True share over the line", 0, 1,
           "Share of people whose true wellbeing is over the outcome line."),
    Metric("gaming_intensity", "Gaming intensity", 0, 1, "Mean gaming intensity of workers."),
    Metric("substitution_share", "Gaming: effort substitution", 0, 1,
           "Mean share of worker time moved to counted activity."),
    Metric("threshold_focus", "Gaming: threshold focus", 0, 1,
           "Share of direct effort going to people who were within 0.1 under the line when "
           "the effort was allocated."),
    Metric("ratchet_withheld", "Gaming: effort withheld (ratchet)", 0, 1,
           "Mean share of effort withheld to avoid a rising target."),
    Metric("direct_time_share", "Direct work share", 0, 1,
           "Mean share of worker time on direct work with people."),
    Metric("help_fit", "Fit of help", 0, 1,
           "Mean over people of the fit of the approach used for them this month."),
    Metric("neglect_share", "People with a neglecting worker", 0, 1,
           "Share of people whose worker is a knave (neglect)."),
    Metric("provider_quality", "Provider quality", 0, None,
           "Mean quality multiplier of providers (selection through tendering)."),
    Metric("gaming_culture", "Providers' gaming culture", 0, None,
           "Mean propensity of providers' staff to game (0.5 to 1.5; tendering can select for it)."),
    Metric("target_current", "Current target", 0, 1, "The target in force (after any ratchet)."),
)

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
PUBLIC_METRICS: tuple[str, ...] = METRIC_NAMES[:20]


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    if x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def monthly_cost(model) -> float:
    """Staff, commissioning overhead, recruitment and tendering costs this month (£k)."""
    s, r = model.scenario, model.regime
    staff = s.n_workers * s.wage_cost
    oversight = s.n_people * (0.004 + 0.01 * r.target_pressure + 0.012 * r.pbr_share
                              + 0.01 * r.audit_rate + 0.003 * r.stewardship + 0.002 * r.alliance)
    recruitment = model.leavers * s.wage_cost
    tendering = 2.0 * s.wage_cost * s.n_workers / s.n_providers if model.tendered else 0.0
    return staff + oversight + recruitment + tendering


def compute_metrics(model) -> dict[str, float]:
    """Every metric for the model's current state."""
    s = model.scenario
    line = s.outcome_line
    people = model.people
    workers = model.workers
    n, nw = len(people), len(workers)
    w = np.fromiter((p.wellbeing for p in people), float, n)
    fd = np.fromiter((p.failure_demand for p in people), float, n)
    effort = np.fromiter((p.effort for p in people), float, n)
    reported_total = sum(wk.reported for wk in workers)
    misreported = sum(wk.misreported for wk in workers)
    true_share = float(np.mean(w > line))
    reported_share = reported_total / n
    rep_values = np.fromiter((p.reported_value for p in people), float, n)
    planned_on = np.fromiter((p.planned_on for p in people), float, n)
    near = (line - planned_on > 0) & (line - planned_on < 0.1)
    total_effort = effort.sum()
    row = {
        "wellbeing_mean": float(w.mean()),
        "wellbeing_p10": float(np.percentile(w, 10)),
        "reported_indicator": reported_share,
        "goodhart_gap": reported_share - true_share,
        "indicator_outcome_corr": _corr(rep_values, w),
        "gaming_share": float(np.mean([wk.gaming_time for wk in workers])),
        "misreport_rate": misreported / reported_total if reported_total else 0.0,
        "creamed_share": float(np.mean([1.0 - p.park for p in people])),
        "motivation_mean": float(np.mean([wk.motivation for wk in workers])),
        "stress_mean": float(np.mean([wk.stress for wk in workers])),
        "turnover_rate": model.leavers / nw,
        "trust_commissioner_provider": float(np.mean([p.trust_cp for p in model.providers])),
        "trust_manager_worker": float(np.mean([wk.trust_mw for wk in workers])),
        "trust_worker_person": float(np.mean([p.trust_wp for p in people])),
        "knowledge_accuracy": float(np.mean([p.belief.index(max(p.belief)) == p.need for p in people])),
        "system_barriers": float(np.mean(model.commissioner.barriers)),
        "failure_demand": float(fd.sum() / (n + fd.sum())),
        "admin_time_share": float(np.mean([wk.admin for wk in workers])),
    }
    cost = monthly_cost(model)
    row["cost_total"] = cost
    row["cost_per_wellbeing"] = cost / max(float(w.sum()), 1e-9)
    row.update({
        "true_indicator": true_share,
        "gaming_intensity": float(np.mean([wk.gaming for wk in workers])),
        "substitution_share": 0.4 * float(np.mean([wk.gaming for wk in workers])) * model.mech_substitution,
        "threshold_focus": float(effort[near].sum() / total_effort) if total_effort > 0 else 0.0,
        "ratchet_withheld": float(np.mean([wk.withheld for wk in workers])),
        "direct_time_share": float(np.mean([wk.direct for wk in workers])),
        "help_fit": float(np.mean([p.fit for p in people])),
        "neglect_share": sum(len(wk.caseload) for wk in workers if wk.knave) / n,
        "provider_quality": float(np.mean([p.quality for p in model.providers])),
        "gaming_culture": float(np.mean([p.culture for p in model.providers])),
        "target_current": model.commissioner.target,
    })
    return row
