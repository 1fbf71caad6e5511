"""The metrics a run reports, one value each per step, declared once as data.

The public names (the first twenty) are part of hlssim's interface; the rest show mechanisms in
more detail (gaming by kind, neglect, selection). ``docs/metrics.md`` is generated from this table.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np


def _jit(fn):
    """``fn`` compiled by numba (with :mod:`hlssim.kernels`' settings and disk cache) on its first
    call, not at import: ``import hlssim`` (the CLI's ``--help``, say) does not pay numba's import.
    The compiled function replaces the Python one at that first call; the result is the same."""
    compiled = None

    @functools.wraps(fn)
    def call(*args):
        nonlocal compiled
        if compiled is None:
            from hlssim.kernels import _jit as jit

            compiled = jit(fn)
        return compiled(*args)

    return call


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
    Metric("bunching_reported", "Reported values bunch just past the line", 0, None,
           "People whose reported value is in the bin just past the outcome line (line, line + "
           "0.05], over the mean of its two neighbouring bins, each count plus 1: 1 = no bunching."),
    Metric("bunching_true", "True wellbeing bunches just past the line", 0, None,
           "bunching_reported for true wellbeing: the same bins and ratio."),
)

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
PUBLIC_METRICS: tuple[str, ...] = METRIC_NAMES[:20]


@dataclass(frozen=True)
class StateArrays:
    """What the metrics read of a model's state, as arrays with a leading replication axis.

    People arrays are (R, N), workers (R, W), providers (R, P), barriers (R, B); ``n_case`` is (W,)
    and ``leavers``, ``tendered`` and ``target`` are (R,). Both engines build one of these each
    step and call :func:`metrics_from_arrays`, so a metric has one definition.
    """

    wellbeing: np.ndarray
    failure_demand: np.ndarray
    effort: np.ndarray
    reported_value: np.ndarray
    planned_on: np.ndarray
    park: np.ndarray
    trust_wp: np.ndarray
    fit: np.ndarray
    knows: np.ndarray  # bool: the worker's best-believed approach is the one that helps
    reported: np.ndarray
    misreported: np.ndarray
    gaming_time: np.ndarray
    gaming: np.ndarray
    motivation: np.ndarray
    stress: np.ndarray
    trust_mw: np.ndarray
    admin: np.ndarray
    withheld: np.ndarray
    direct: np.ndarray
    knave: np.ndarray
    n_case: np.ndarray
    trust_cp: np.ndarray
    quality: np.ndarray
    culture: np.ndarray
    barriers: np.ndarray
    target: np.ndarray
    leavers: np.ndarray
    tendered: np.ndarray


#: What :func:`_people_sums` adds up over people, per replication, in this order.
_SUMS = ("wellbeing", "over_line", "reported", "sxx", "syy", "sxy", "parked", "trust_wp", "knows",
         "fit", "effort", "near_effort", "failure_demand")
_AT = {name: k for k, name in enumerate(_SUMS)}
BUNCHING_WIDTH = 0.05


@_jit
def _people_sums(wellbeing, reported_value, planned_on, effort, failure_demand, park, trust_wp, fit,
                 knows, line):
    """Every sum over people the metrics need, in one pass (two for the correlation), each added
    in person order: (replications, len(_SUMS)). The correlation of reported value and wellbeing
    uses centred sums: (x - mean x)^2, (y - mean y)^2 and their product."""
    n_reps, n = wellbeing.shape
    out = np.zeros((n_reps, 13))
    for r in range(n_reps):
        s_w = s_over = s_x = s_parked = s_trust = s_knows = s_fit = s_effort = s_near = s_fd = 0.0
        for i in range(n):
            w = wellbeing[r, i]
            e = effort[r, i]
            gap = line - planned_on[r, i]
            s_w += w
            s_over += w > line
            s_x += reported_value[r, i]
            s_parked += 1.0 - park[r, i]
            s_trust += trust_wp[r, i]
            s_knows += knows[r, i]
            s_fit += fit[r, i]
            s_effort += e
            s_near += e if (gap > 0 and gap < 0.1) else 0.0
            s_fd += failure_demand[r, i]
        mx = s_x / n
        my = s_w / n
        sxx = syy = sxy = 0.0
        for i in range(n):
            dx = reported_value[r, i] - mx
            dy = wellbeing[r, i] - my
            sxx += dx * dx
            syy += dy * dy
            sxy += dx * dy
        o = out[r]
        o[0], o[1], o[2], o[3], o[4], o[5], o[6] = s_w, s_over, s_x, sxx, syy, sxy, s_parked
        o[7], o[8], o[9], o[10], o[11], o[12] = s_trust, s_knows, s_fit, s_effort, s_near, s_fd
    return out


def _corr(sxx: np.ndarray, syy: np.ndarray, sxy: np.ndarray) -> np.ndarray:
    """Pearson correlation from centred sums; 0 where either variable is constant."""
    constant = (sxx == 0) | (syy == 0)
    denom = np.sqrt(np.where(constant, 1.0, sxx * syy))
    return np.where(constant, 0.0, np.clip(sxy / denom, -1.0, 1.0))


@_jit
def _three_bin_counts(values, e0, e1, e2, e3):
    """Row-wise counts of values in the bins (e0, e1], (e1, e2] and (e2, e3] (ascending edges):
    (replications, 3). Branch-free: a value's bin is a comparison, not a jump, so values spread
    around the bins cost no mispredicted branches."""
    n_reps, n = values.shape
    out = np.zeros((n_reps, 3))
    for r in range(n_reps):
        c0 = c1 = c2 = 0
        for i in range(n):
            x = values[r, i]
            above0, above1, above2, above3 = x > e0, x > e1, x > e2, x > e3
            c0 += above0 & ~above1
            c1 += above1 & ~above2
            c2 += above2 & ~above3
        out[r, 0], out[r, 1], out[r, 2] = c0, c1, c2
    return out


def _bunching(values: np.ndarray, line: float, width: float = BUNCHING_WIDTH) -> np.ndarray:
    """Row-wise excess mass just past ``line``: (count in (line, line+w] + 1) over (the mean count
    of (line-w, line] and (line+w, line+2w]) + 1). Near 1 for a smooth distribution (exactly, for
    a linear density); above 1 when values pile up just past the line."""
    counts = _three_bin_counts(np.ascontiguousarray(values, dtype=float), float(line - width),
                               float(line), float(line + width), float(line + 2 * width))
    below, past, above = counts[:, 0], counts[:, 1], counts[:, 2]
    return (past + 1.0) / ((below + above) / 2 + 1.0)


@_jit
def _two_order_stats(values, k):
    """Row-wise k-th and (k+1)-th smallest values (0-based; the second is the first if k is the
    last index): (replications, 2). Finite values assumed.

    A bucket selection, linear in the row: values are counted into equal-width buckets between
    the row's smallest and largest (the bucket index never decreases as the value rises, so
    buckets are in value order); the buckets holding the k-th and (k+1)-th are found from the
    counts, and only their values are gathered and sorted (about two per bucket)."""
    n_reps, n = values.shape
    out = np.empty((n_reps, 2))
    n_buckets = max(16, min(n, 1 << 16))
    counts = np.empty(n_buckets, dtype=np.int64)
    for r in range(n_reps):
        row = values[r]
        lo = row[0]
        hi = row[0]
        for i in range(1, n):
            lo = min(lo, row[i])
            hi = max(hi, row[i])
        scale = n_buckets / (hi - lo) if hi > lo else 0.0
        counts[:] = 0
        for i in range(n):
            t = (row[i] - lo) * scale
            counts[min(int(t), n_buckets - 1)] += 1
        k1 = min(k + 1, n - 1)
        before = 0  # values in buckets below the k-th's
        b = 0
        while before + counts[b] <= k:
            before += counts[b]
            b += 1
        b1 = b
        seen = before + counts[b]
        while seen <= k1:
            b1 += 1
            seen += counts[b1]
        gathered = np.empty(counts[b] + (counts[b1] if b1 != b else 0))
        g = 0
        for i in range(n):
            t = (row[i] - lo) * scale
            bucket = min(int(t), n_buckets - 1)
            if bucket == b or bucket == b1:
                gathered[g] = row[i]
                g += 1
        gathered.sort()
        out[r, 0] = gathered[k - before]
        out[r, 1] = gathered[k1 - before]
    return out


def _percentile(values: np.ndarray, q: float) -> np.ndarray:
    """Row-wise ``q``-th percentile, numpy's default ("linear") method computed the way
    ``np.percentile(values, q, axis=1)`` computes it (same result, bit for bit), from one
    partial sort per row in compiled code."""
    n = values.shape[1]
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:
        return values.max(axis=1)
    below = int(np.floor(virtual))
    gamma = virtual - below
    stats = _two_order_stats(np.ascontiguousarray(values, dtype=float), below)
    a, b = stats[:, 0], stats[:, 1]
    diff = b - a
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)


def monthly_cost(scenario, regime, leavers, tendered):
    """Staff, commissioning overhead, recruitment and tendering costs this month (£k)."""
    s, r = scenario, regime
    staff = s.n_workers * s.wage_cost
    oversight = s.n_people * (0.004 + 0.01 * r.target_pressure + 0.012 * r.pbr_share
                              + 0.01 * r.audit_rate + 0.003 * r.stewardship + 0.002 * r.alliance)
    recruitment = leavers * s.wage_cost
    tendering = np.where(tendered, 2.0 * s.wage_cost * s.n_workers / s.n_providers, 0.0)
    return staff + oversight + recruitment + tendering


def _row_means(x: np.ndarray) -> np.ndarray:
    """``x.mean(axis=1)`` for float rows, bit for bit (numpy's mean is this sum over this
    count), without ``mean``'s bookkeeping, which costs more than the sum on small arrays."""
    return np.add.reduce(x, axis=1) / x.shape[1]


def metrics_from_arrays(a: StateArrays, scenario, regime, mech_substitution: float) -> dict[str, np.ndarray]:
    """Every metric, one value per replication."""
    line = scenario.outcome_line
    n = a.wellbeing.shape[1]
    nw = a.motivation.shape[1]
    w = a.wellbeing
    sums = _people_sums(w, a.reported_value, a.planned_on, a.effort, a.failure_demand, a.park,
                        a.trust_wp, a.fit, a.knows, float(line))
    S = {name: sums[:, k] for name, k in _AT.items()}
    reported_total = a.reported.sum(axis=1)
    misreported = a.misreported.sum(axis=1)
    true_share = S["over_line"] / n
    reported_share = reported_total / n
    total_effort = S["effort"]
    fd_sum = S["failure_demand"]
    cost = monthly_cost(scenario, regime, a.leavers, a.tendered)
    safe_reported = np.where(reported_total > 0, reported_total, 1)
    safe_effort = np.where(total_effort > 0, total_effort, 1.0)
    return {
        "wellbeing_mean": S["wellbeing"] / n,
        "wellbeing_p10": _percentile(w, 10),
        "reported_indicator": reported_share,
        "goodhart_gap": reported_share - true_share,
        "indicator_outcome_corr": _corr(S["sxx"], S["syy"], S["sxy"]),
        "gaming_share": _row_means(a.gaming_time),
        "misreport_rate": np.where(reported_total > 0, misreported / safe_reported, 0.0),
        "creamed_share": S["parked"] / n,
        "motivation_mean": _row_means(a.motivation),
        "stress_mean": _row_means(a.stress),
        "turnover_rate": a.leavers / nw,
        "trust_commissioner_provider": _row_means(a.trust_cp),
        "trust_manager_worker": _row_means(a.trust_mw),
        "trust_worker_person": S["trust_wp"] / n,
        "knowledge_accuracy": S["knows"] / n,
        "system_barriers": _row_means(a.barriers),
        "failure_demand": fd_sum / (n + fd_sum),
        "admin_time_share": _row_means(a.admin),
        "cost_total": cost,
        "cost_per_wellbeing": cost / np.maximum(S["wellbeing"], 1e-9),
        "true_indicator": true_share,
        "gaming_intensity": _row_means(a.gaming),
        "substitution_share": 0.4 * _row_means(a.gaming) * mech_substitution,
        "threshold_focus": np.where(total_effort > 0, S["near_effort"] / safe_effort, 0.0),
        "ratchet_withheld": _row_means(a.withheld),
        "direct_time_share": _row_means(a.direct),
        "help_fit": S["fit"] / n,
        "neglect_share": (a.knave * a.n_case).sum(axis=1) / n,
        "provider_quality": _row_means(a.quality),
        "gaming_culture": _row_means(a.culture),
        "target_current": a.target,
        "bunching_reported": _bunching(a.reported_value, line),
        "bunching_true": _bunching(w, line),
    }


def compute_metrics(model) -> dict[str, float]:
    """Every metric for a Mesa model's current state (gathered into arrays, one replication)."""
    people, workers, providers = model.people, model.workers, model.providers

    def row(values, dtype=float):
        return np.array([list(values)], dtype=dtype)

    arrays = StateArrays(
        wellbeing=row(p.wellbeing for p in people),
        failure_demand=row(p.failure_demand for p in people),
        effort=row(p.effort for p in people),
        reported_value=row(p.reported_value for p in people),
        planned_on=row(p.planned_on for p in people),
        park=row(p.park for p in people),
        trust_wp=row(p.trust_wp for p in people),
        fit=row(p.fit for p in people),
        knows=row((p.belief.index(max(p.belief)) == p.need for p in people), bool),
        reported=row((wk.reported for wk in workers), np.int64),
        misreported=row((wk.misreported for wk in workers), np.int64),
        gaming_time=row(wk.gaming_time for wk in workers),
        gaming=row(wk.gaming for wk in workers),
        motivation=row(wk.motivation for wk in workers),
        stress=row(wk.stress for wk in workers),
        trust_mw=row(wk.trust_mw for wk in workers),
        admin=row(wk.admin for wk in workers),
        withheld=row(wk.withheld for wk in workers),
        direct=row(wk.direct for wk in workers),
        knave=row((wk.knave for wk in workers), bool),
        n_case=np.array([len(wk.caseload) for wk in workers]),
        trust_cp=row(p.trust_cp for p in providers),
        quality=row(p.quality for p in providers),
        culture=row(p.culture for p in providers),
        barriers=row(model.commissioner.barriers),
        target=np.array([model.commissioner.target]),
        leavers=np.array([model.leavers]),
        tendered=np.array([model.tendered]),
    )
    values = metrics_from_arrays(arrays, model.scenario, model.regime, model.mech_substitution)
    return {name: float(v[0]) for name, v in values.items()}
