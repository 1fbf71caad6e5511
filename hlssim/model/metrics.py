"""The metrics a run reports, one value each per step, declared once as data.

The public names (the first twenty) are part of hlssim's interface; the rest show mechanisms in
more detail (gaming by kind, neglect, selection). ``docs/metrics.md`` is generated from this table.
"""

from __future__ import annotations

import functools
import sys
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from hlssim.model import rules as R
from hlssim.model.costs import (AUDIT_COST, claim_check_cost, fixed_monthly_cost,
                                reports_received_cost, tender_cost)


def _jit(fn):
    """``fn`` compiled by numba (with :mod:`hlssim.model.compiled`'s settings and disk cache) on its first
    call, not at import: ``import hlssim`` (the CLI's ``--help``, say) does not pay numba's import.
    The compiled function replaces the Python one at that first call; the result is the same."""
    compiled = None

    @functools.wraps(fn)
    def call(*args):
        nonlocal compiled
        if compiled is None:
            from hlssim.model import compiled as C

            C.register_module(R)
            C.register_module(sys.modules[__name__], COMPILED_ROW_FUNCTIONS)
            compiled = C.jit(fn)
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
    Metric("turnover_rate", "Staff turnover (monthly)", 0, 2,
           "People who left a post this month (left, were managed out, or were not kept when a "
           "contract moved) per post; above 1 only when a post refilled this month is refilled "
           "again at a tender the same month."),
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
    Metric("funder_monitoring", "Funder monitoring cost per person (£k)", 0, None,
           "The commissioner's monitoring this month per person: indicator reports read, audits "
           "held and outcome claims checked (hlssim.model.costs)."),
)

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
PUBLIC_METRICS: tuple[str, ...] = METRIC_NAMES[:20]


#: The fields of the model's state (:data:`hlssim.model.state.FIELDS`) the metrics read.
METRIC_FIELDS: tuple[str, ...] = (
    "wellbeing", "failure_demand", "effort", "reported_value", "planned_on", "park", "trust_wp",
    "fit", "knows", "reported", "misreported", "gaming_time", "gaming", "motivation", "stress",
    "trust_mw", "admin", "withheld", "direct", "knave", "trust_cp", "quality", "culture",
    "barriers", "target", "leavers", "tendered", "audited")
#: What the metrics read of a model's state, as arrays with a leading replication axis (shaped as
#: the batch engine's, :func:`hlssim.model.state.shape_of`). The batch engine passes its whole
#: state (:data:`hlssim.model.state.BatchState`, which has these fields and more); the Mesa engine
#: gathers one of these from its agents (:func:`compute_metrics`). Either way
#: :func:`metrics_row` reads ``st.<field>``, so a metric has one definition.
StateArrays = namedtuple("StateArrays", METRIC_FIELDS)


BUNCHING_WIDTH = 0.05

# --- the metrics of one replication, compiled -------------------------------------------------------
# Plain functions, compiled by numba where they are called from compiled code (registered
# with numba by name, COMPILED_ROW_FUNCTIONS): the batch engine's month kernel calls
# metrics_row for each replication, and metrics_from_arrays (the Mesa engine's way in) calls the
# same function through _metrics_rows, so a metric has one definition for both engines.


def _block_sum(x, start, n):
    """Sum of ``x[start:start + n]`` (n at most 128) as numpy adds a block: one by one below 8
    values, else eight running sums combined in pairs, then the remainder."""
    if n < 8:
        res = 0.0
        for i in range(start, start + n):
            res += x[i]
        return res
    r0, r1, r2, r3 = x[start], x[start + 1], x[start + 2], x[start + 3]
    r4, r5, r6, r7 = x[start + 4], x[start + 5], x[start + 6], x[start + 7]
    i = start + 8
    stop = start + n - n % 8
    while i < stop:
        r0 += x[i]
        r1 += x[i + 1]
        r2 += x[i + 2]
        r3 += x[i + 3]
        r4 += x[i + 4]
        r5 += x[i + 5]
        r6 += x[i + 6]
        r7 += x[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < start + n:
        res += x[i]
        i += 1
    return res


def _pairwise_sum(x, start, n):
    """Sum of ``x[start:start + n]`` added in numpy's order (its pairwise summation: blocks of up
    to 128 values, :func:`_block_sum`, and above that the two halves summed apart and added), so a
    row sum here equals ``np.add.reduce`` bit for bit. The halving is walked with a stack (numba
    does not compile this recursion through ``register_jitable``)."""
    if n <= 128:
        return _block_sum(x, start, n)
    starts = np.empty(64, dtype=np.int64)  # the pending ranges, deepest last
    sizes = np.empty(64, dtype=np.int64)
    stage = np.empty(64, dtype=np.int64)  # 0: go left, 1: go right, 2: add the halves
    sums = np.empty(64)  # finished sums, in order
    depth, done = 1, 0
    starts[0], sizes[0], stage[0] = start, n, 0
    while depth > 0:
        top = depth - 1
        m = sizes[top]
        if m <= 128:
            sums[done] = _block_sum(x, starts[top], m)
            done += 1
            depth -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:
            stage[top] = 1
            starts[depth], sizes[depth], stage[depth] = starts[top], half, 0
            depth += 1
        elif stage[top] == 1:
            stage[top] = 2
            starts[depth], sizes[depth], stage[depth] = starts[top] + half, m - half, 0
            depth += 1
        else:
            sums[done - 2] = sums[done - 2] + sums[done - 1]
            done -= 1
            depth -= 1
    return sums[0]


def _mean(x):
    """``x.mean()`` of a float row, bit for bit (numpy's mean is its pairwise sum over the count)."""
    return _pairwise_sum(x, 0, x.shape[0]) / x.shape[0]


def _two_order_stats(row, k, counts):
    """The k-th and (k+1)-th smallest values of ``row`` (0-based; the second is the first if k is
    the last index). Finite values assumed; ``counts`` is scratch (16 or more int64s).

    A bucket selection, linear in the row: values are counted into equal-width buckets between
    the row's smallest and largest (the bucket index never decreases as the value rises, so
    buckets are in value order); the buckets holding the k-th and (k+1)-th are found from the
    counts, and only their values are gathered and sorted (about two per bucket)."""
    n = row.shape[0]
    n_buckets = counts.shape[0]
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
    return gathered[k - before], gathered[k1 - before]


def _percentile_of(row, q, counts):
    """The ``q``-th percentile of a row, numpy's default ("linear") method computed the way
    ``np.percentile`` computes it (same result, bit for bit), from one bucket selection."""
    n = row.shape[0]
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:
        return row.max()
    below = int(np.floor(virtual))
    gamma = virtual - below
    a, b = _two_order_stats(row, below, counts)
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


def _bunching_of(row, line, width):
    """Excess mass just past ``line``: (count in (line, line+w] + 1) over (the mean count of
    (line-w, line] and (line+w, line+2w]) + 1). Near 1 for a smooth distribution (exactly, for
    a linear density); above 1 when values pile up just past the line. Counted without branches
    (a value's bin is a comparison, not a jump)."""
    e0, e1, e2, e3 = line - width, line, line + width, line + 2 * width
    below = past = above = 0
    for i in range(row.shape[0]):
        x = row[i]
        above0, above1, above2, above3 = x > e0, x > e1, x > e2, x > e3
        below += above0 & ~above1
        past += above1 & ~above2
        above += above2 & ~above3
    return (past + 1.0) / ((below + above) / 2 + 1.0)


def metrics_row(r, st, n_case, line, mech_substitution, fixed_cost, wage_cost, tender_cost,
                reports_cost, claim_cost, counts, out):
    """Every metric of replication ``r`` of state ``st`` (fields :data:`METRIC_FIELDS`) into ``out[r]``, in
    the order of :data:`METRIC_NAMES`. Sums over people add in person order; means over workers,
    providers and barriers are numpy's (:func:`_mean`). ``fixed_cost`` is the month's staff and
    oversight cost, ``tender_cost`` a tender's, ``reports_cost`` the reports read this month and
    ``claim_cost`` checking one claim (:func:`hlssim.model.costs.monthly_cost`); ``counts`` is
    scratch."""
    # what the loops read, bound once (numba re-reads a named tuple's members inside a loop:
    # a run is about 8% slower without this; a new term may still read pm.<name> directly)
    admin, barriers, culture, direct = (st.admin, st.barriers, st.culture, st.direct)
    effort, failure_demand, fit, gaming = (st.effort, st.failure_demand, st.fit, st.gaming)
    gaming_time, knave, knows, leavers = (st.gaming_time, st.knave, st.knows, st.leavers)
    misreported, motivation, park = (st.misreported, st.motivation, st.park)
    planned_on, quality, reported = (st.planned_on, st.quality, st.reported)
    reported_value, stress, target, tendered = (st.reported_value, st.stress, st.target, st.tendered)
    trust_cp, trust_mw, trust_wp, wellbeing = (st.trust_cp, st.trust_mw, st.trust_wp, st.wellbeing)
    withheld, audited = (st.withheld, st.audited)
    n = wellbeing.shape[1]
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
    # the correlation of reported value and wellbeing, from centred sums
    mx = s_x / n
    my = s_w / n
    sxx = syy = sxy = 0.0
    for i in range(n):
        dx = reported_value[r, i] - mx
        dy = wellbeing[r, i] - my
        sxx += dx * dx
        syy += dy * dy
        sxy += dx * dy
    if sxx == 0 or syy == 0:
        corr = 0.0
    else:
        corr = min(max(sxy / np.sqrt(sxx * syy), -1.0), 1.0)
    reported_total = 0
    n_misreported = 0
    neglected = 0
    audits = 0
    for k in range(reported.shape[1]):
        audits += audited[r, k]
        reported_total += reported[r, k]
        n_misreported += misreported[r, k]
        neglected += knave[r, k] * n_case[k]
    true_share = s_over / n
    reported_share = reported_total / n
    monitoring = reports_cost + AUDIT_COST * audits + claim_cost * reported_total
    cost = (fixed_cost + leavers[r] * wage_cost + (tender_cost if tendered[r] else 0.0)
            + AUDIT_COST * audits + claim_cost * reported_total)
    gaming_mean = _mean(gaming[r])
    o = out[r]
    o[0] = s_w / n  # wellbeing_mean
    o[1] = _percentile_of(wellbeing[r], 10, counts)  # wellbeing_p10
    o[2] = reported_share  # reported_indicator
    o[3] = reported_share - true_share  # goodhart_gap
    o[4] = corr  # indicator_outcome_corr
    o[5] = _mean(gaming_time[r])  # gaming_share
    o[6] = n_misreported / reported_total if reported_total > 0 else 0.0  # misreport_rate
    o[7] = s_parked / n  # creamed_share
    o[8] = _mean(motivation[r])  # motivation_mean
    o[9] = _mean(stress[r])  # stress_mean
    o[10] = leavers[r] / motivation.shape[1]  # turnover_rate
    o[11] = _mean(trust_cp[r])  # trust_commissioner_provider
    o[12] = _mean(trust_mw[r])  # trust_manager_worker
    o[13] = s_trust / n  # trust_worker_person
    o[14] = s_knows / n  # knowledge_accuracy
    o[15] = _mean(barriers[r])  # system_barriers
    o[16] = s_fd / (n + s_fd)  # failure_demand
    o[17] = _mean(admin[r])  # admin_time_share
    o[18] = cost  # cost_total
    o[19] = cost / max(s_w, 1e-9)  # cost_per_wellbeing
    o[20] = true_share  # true_indicator
    o[21] = gaming_mean  # gaming_intensity
    o[22] = R.gaming_time(gaming_mean, mech_substitution, 0.0)[0]  # substitution_share
    o[23] = s_near / s_effort if s_effort > 0 else 0.0  # threshold_focus
    o[24] = _mean(withheld[r])  # ratchet_withheld
    o[25] = _mean(direct[r])  # direct_time_share
    o[26] = s_fit / n  # help_fit
    o[27] = neglected / n  # neglect_share
    o[28] = _mean(quality[r])  # provider_quality
    o[29] = _mean(culture[r])  # gaming_culture
    o[30] = target[r]  # target_current
    o[31] = _bunching_of(reported_value[r], line, BUNCHING_WIDTH)  # bunching_reported
    o[32] = _bunching_of(wellbeing[r], line, BUNCHING_WIDTH)  # bunching_true
    o[33] = monitoring / n  # funder_monitoring


#: The plain functions above that compiled code calls (registered with numba by hlssim.engines.batch.kernels).
COMPILED_ROW_FUNCTIONS = ("_block_sum", "_pairwise_sum", "_mean", "_two_order_stats", "_percentile_of",
                           "_bunching_of", "metrics_row")


def percentile_buckets(n: int) -> np.ndarray:
    """Scratch for :func:`_two_order_stats` over rows of ``n`` values: a bucket per value, 16 to
    65,536 of them."""
    return np.empty(max(16, min(n, 1 << 16)), dtype=np.int64)


@_jit
def _metrics_rows(st, n_case, line, mech_substitution, fixed_cost, wage_cost, tender_cost,
                  reports_cost, claim_cost, counts, out):
    for r in range(st.wellbeing.shape[0]):
        metrics_row(r, st, n_case, line, mech_substitution, fixed_cost, wage_cost, tender_cost,
                    reports_cost, claim_cost, counts, out)


@_jit
def _percentile_rows(values, q, counts):
    out = np.empty(values.shape[0])
    for r in range(values.shape[0]):
        out[r] = _percentile_of(values[r], q, counts)
    return out


@_jit
def _bunching_rows(values, line, width):
    out = np.empty(values.shape[0])
    for r in range(values.shape[0]):
        out[r] = _bunching_of(values[r], line, width)
    return out


def _percentile(values: np.ndarray, q: float) -> np.ndarray:
    """Row-wise ``q``-th percentile, as ``np.percentile(values, q, axis=1)`` (bit for bit)."""
    values = np.ascontiguousarray(values, dtype=float)
    return _percentile_rows(values, float(q), percentile_buckets(values.shape[1]))


def _bunching(values: np.ndarray, line: float, width: float = BUNCHING_WIDTH) -> np.ndarray:
    """Row-wise excess mass just past ``line`` (:func:`_bunching_of`)."""
    return _bunching_rows(np.ascontiguousarray(values, dtype=float), float(line), float(width))


def metrics_from_arrays(st: StateArrays, n_case: np.ndarray, scenario, regime,
                        mech_substitution: float) -> dict[str, np.ndarray]:
    """Every metric, one value per replication (:func:`metrics_row`, compiled); ``n_case`` is
    each worker's caseload size."""
    n_reps, n = st.wellbeing.shape
    out = np.empty((n_reps, len(METRIC_NAMES)))
    _metrics_rows(st, n_case, float(scenario.outcome_line), float(mech_substitution),
                  float(fixed_monthly_cost(scenario, regime)), float(scenario.wage_cost),
                  float(tender_cost(scenario)), float(reports_received_cost(scenario, regime)),
                  float(claim_check_cost(regime)), percentile_buckets(n), out)
    return {name: out[:, k] for k, name in enumerate(METRIC_NAMES)}


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
        trust_cp=row(p.trust_cp for p in providers),
        quality=row(p.quality for p in providers),
        culture=row(p.culture for p in providers),
        barriers=row(model.commissioner.barriers),
        target=np.array([model.commissioner.target], dtype=float),
        leavers=np.array([model.leavers], dtype=np.int64),
        tendered=np.array([model.tendered], dtype=bool),
        audited=row((wk.audited for wk in workers), bool),
    )
    n_case = np.array([len(wk.caseload) for wk in workers])
    values = metrics_from_arrays(arrays, n_case, model.scenario, model.regime,
                                 model.mech_substitution)
    return {name: float(v[0]) for name, v in values.items()}
