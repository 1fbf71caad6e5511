"""The batch engine's months, compiled (numba): :func:`months` runs every phase of each month, and
its metrics, for one replication after another.

Each phase walks workers, then each worker's caseload in order, exactly as the Mesa agents do
(:mod:`hlssim.engines.mesa.agents`), and calls the very rule functions the agents call: every function of
:mod:`hlssim.model.rules` and :func:`hlssim.model.draws.pick`/:func:`~hlssim.model.draws.draw_need`, and the metrics'
row functions (:mod:`hlssim.model.metrics`), is registered with numba (``register_jitable``), so a
kernel's ``R.clip01(x)`` compiles the same source the Mesa engine runs in Python. A change to a
rule reaches both engines.

Sums over a caseload add people in caseload order, as the Mesa engine's ``ordered_sum`` does over its
list, so results equal the Mesa engine's to the last bit (``tests/test_batch.py`` compares them
exactly, each engine named). Each month's draws continue the run's SFC64 stream here (:func:`hlssim.model.stream.fill_row`, numpy's
SFC64 word for word), the same function that fills the Mesa engine's month
(:func:`hlssim.model.draws.fill_step_blocks`).

Compiled code is cached on disk, keyed on every file compiled code reads
(:mod:`hlssim.model.compiled`), so editing a rule recompiles the kernels.
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from hlssim.engines.batch import organisation as O
from hlssim.model import compiled
from hlssim.model import draws as D
from hlssim.model import metrics as M
from hlssim.model import rules as R
from hlssim.model import stream as S

compiled.register_module(R)
compiled.register_module(D)
compiled.register_module(M, M.COMPILED_ROW_FUNCTIONS)


def compiled_on_disk() -> bool:
    """Whether this machine's compiled months (:func:`months`) are on disk and fresh, so that a
    batch run starts at once; False: the next batch run compiles first (about half a minute, once
    after installing or after a change to the rules)."""
    return compiled.on_disk(months)


@register_jitable
def _best_believed(belief, r, i):
    """Person ``i``'s best-believed approach in replication ``r``: the first largest belief (as
    ``belief.index(max(belief))`` in the Mesa engine)."""
    a = 0
    best = belief[r, i, 0]
    for k in range(1, belief.shape[2]):
        if belief[r, i, k] > best:
            best = belief[r, i, k]
            a = k
    return a


@register_jitable
def _plan_rep(r, st, pm, wd, at, draws):
    """Phase 1 for people (:meth:`Worker.plan` after the worker's own split of time): weights of
    effort by need and by the gamer's rule, parking, choice of approach, fit and help.

    People are visited in index order; person ``i`` is on worker ``i % W``, so each worker's
    caseload is visited in order and its sums add in caseload order. ``draws`` is replication
    ``r``'s draws for the month (:class:`hlssim.model.draws.StepLayout`) and ``at_*`` the offsets of
    the draws used here.
    """
    n_people = st.observed.shape[1]
    n_approaches = st.belief.shape[2]
    W = wd.n_case.shape[0]
    fd_total = np.empty(W)
    need_total = np.empty(W)
    game_total = np.empty(W)
    total = np.empty(W)
    per_unit = np.empty(W)
    standard_speed = 1.0 + pm.standard_efficiency
    fd_total[:] = 0.0
    need_total[:] = 0.0
    game_total[:] = 0.0
    total[:] = 0.0
    w = 0
    for i in range(n_people):
        obs = st.observed[r, i]
        fd_total[w] += st.failure_demand[r, i]
        need_total[w] += R.need_weight(obs)
        if pm.mech_threshold:
            gw = R.threshold_weight(obs, pm.outcome_line)
            st.help[r, i] = gw  # kept for the next pass
            game_total[w] += gw
        w = w + 1 if w + 1 < W else 0
    if not pm.mech_threshold:
        game_total[:] = need_total
    w = 0
    for i in range(n_people):
        obs = st.observed[r, i]
        nw = R.need_weight(obs)
        gw = st.help[r, i] if pm.mech_threshold else nw
        g = st.gaming[r, w]
        pk = R.parking_multiplier(obs, pm.outcome_line, g, pm.pbr_share) if pm.mech_creaming else 1.0
        st.park[r, i] = pk
        st.planned_on[r, i] = obs
        alloc = st.allocating[r, w]
        wgt = ((1.0 - alloc) * nw / need_total[w] + alloc * gw / game_total[w]) * pk
        st.effort[r, i] = wgt  # the weight for now; scaled in the last pass
        total[w] += wgt
        # the approach: standard, something new, or the best believed (first largest)
        sp = 1.0
        if draws[at.u_standard + i] < pm.standardisation:
            a = 0
            sp = standard_speed
        elif draws[at.u_explore + i] < st.explore_p[r, w]:
            a = D.pick(draws[at.explore_pick + i], n_approaches)
        else:
            a = _best_believed(st.belief, r, i)
        f = R.fit_of(a, st.need[r, i], pm.misfit_effect)
        st.approach[r, i] = a
        st.fit[r, i] = R.collaboration_cover(f, pm.collaboration_time, pm.alliance, pm.complexity)
        st.speed[r, i] = sp
        w = w + 1 if w + 1 < W else 0
    for w in range(W):
        n = wd.n_case[w]
        if n == 0:
            continue
        load = pm.failure_demand_load * fd_total[w]
        direct_effective = st.direct[r, w] * n / (n + load)
        per_person = direct_effective * st.effort_w[r, w] * wd.nominal_caseload / n
        per_unit[w] = per_person * n / total[w] if total[w] > 0 else 0.0
    w = 0
    for i in range(n_people):
        e = per_unit[w] * st.effort[r, i]
        st.effort[r, i] = e
        st.focus[r, i] = st.focus_w[r, w]
        st.help[r, i] = (pm.help_gain * st.speed[r, i] * e * st.fit[r, i]
                      * R.relationship_quality(st.trust_wp[r, i], pm.complexity)
                      * st.quality[r, wd.provider_of[w]])
        w = w + 1 if w + 1 < W else 0


@register_jitable
def _live_rep(r, st, pm, wd, at, draws):
    """Phase 2 (:meth:`Person.live`): help, drift, barriers and shocks on each life factor; needs
    that shift; outside forces; wellbeing and what the indicator observes; failure demand."""
    n_people, n_factors = st.factors.shape[1], st.factors.shape[2]
    n_barriers = st.exposed.shape[2]
    for i in range(n_people):
        bp = 0.0
        if pm.mech_barriers:
            for j in range(n_barriers):
                if st.exposed[r, i, j]:
                    bp += st.barriers[r, j]
            bp *= pm.barrier_harm
        spread = 1.0 - st.focus[r, i]
        concentrated = spread + st.focus[r, i] * R.N_FACTORS
        old_w = st.wellbeing[r, i]
        b = st.base[r, i]
        hlp = st.help[r, i]
        total = 0.0
        lowest = 0.0
        for k in range(n_factors):
            h = hlp * (concentrated if k == R.MEASURED_FACTOR else spread)
            f = st.factors[r, i, k]
            f += R.factor_change(f, b, h, pm.recovery_rate, bp,
                                 wd.shock_sd * draws[at.shock + n_factors * i + k])
            f = R.clip01(f)
            st.factors[r, i, k] = f
            total += f
            lowest = f if k == 0 else min(lowest, f)
        if draws[at.u_shift + i] < pm.need_shift_rate * pm.complexity:
            st.need[r, i] = D.draw_need(draws[at.need_u1 + i], draws[at.need_u2 + i],
                                     draws[at.need_pick + i], st.profile[r, i], pm.complexity,
                                     pm.n_approaches)
        ext = R.outside_drift(st.external[r, i], draws[at.ext_innovation + i])
        st.external[r, i] = ext
        w = R.wellbeing(total / n_factors, lowest, wd.lam)
        outside = R.outside_forces(ext, st.local[r, wd.person_provider[i]])
        st.wellbeing[r, i] = w
        st.observed[r, i] = R.observed_outcome(w, st.factors[r, i, R.MEASURED_FACTOR], outside,
                                            pm.measurement_noise * draws[at.obs_noise + i],
                                            pm.complexity, wd.alpha)
        drop = R.wellbeing_drop(old_w, w)
        fd = st.failure_demand[r, i]
        st.failure_demand[r, i] = max(0.0, fd + R.failure_demand_change(
            fd, st.effort[r, i], st.fit[r, i], drop, pm.mech_failure_demand))


@register_jitable
def _report_rep(r, st, pm, lv, wd, at, draws):
    """Phase 3 (:meth:`Worker.report_and_learn`), each caseload in order: report (honestly or
    not), face audit, learn (the person's belief, the worker's general knowledge, case discussion,
    what the person says), trust; also each caseload's failure demand (for phase 5).

    People are visited in index order (person ``i`` is on worker ``i % W``): each worker's
    caseload in its order, which is all the Mesa worker's walk through its caseload fixes."""
    n_people = st.observed.shape[1]
    n_approaches = st.belief.shape[2]
    W = wd.n_case.shape[0]
    row_step = R.knowledge_step(lv.learning_step)
    n_reported = np.empty(W, dtype=np.int64)
    n_misreported = np.empty(W, dtype=np.int64)
    fit_sum = np.empty(W)
    audited = np.empty(W, dtype=np.bool_)
    misreport_p = np.empty(W)
    n_reported[:] = 0
    n_misreported[:] = 0
    fit_sum[:] = 0.0
    for w in range(W):
        st.fd_sum[r, w] = 0.0
        audited[w] = draws[at.u_audit + w] < pm.audit_rate
        misreport_p[w] = R.misreport_probability(st.gaming[r, w], pm.mech_misreport)
    w = 0
    for i in range(n_people):
        g = st.gaming[r, w]
        obs = st.observed[r, i]
        st.reported_value[r, i] = obs
        if obs > pm.outcome_line:
            n_reported[w] += 1
        elif draws[at.u_misreport + i] < misreport_p[w]:
            n_misreported[w] += 1
            if not audited[w]:
                st.reported_value[r, i] = R.misreported_value(pm.outcome_line)
        fit_sum[w] += st.fit[r, i]
        st.fd_sum[r, w] += st.failure_demand[r, i]
        k = st.profile[r, i]
        if st.effort[r, i] > R.LEARNING_EFFORT_MIN and lv.learning_step > 0:
            a = st.approach[r, i]
            signal = R.learning_signal(st.fit[r, i], draws[at.signal_noise + i], wd.alpha,
                                       g * pm.mech_misreport)
            st.belief[r, i, a] += lv.learning_step * (signal - st.belief[r, i, a])
            st.knowledge[r, w, k, a] += row_step * (signal - st.knowledge[r, w, k, a])
        if lv.case_discussion > 0:
            for a in range(n_approaches):
                st.belief[r, i, a] += lv.case_discussion * (st.knowledge[r, w, k, a] - st.belief[r, i, a])
        if pm.mech_learning and draws[at.u_coproduce + i] < pm.coproduction:
            nd = st.need[r, i]
            st.belief[r, i, nd] += R.coproduction_gain(st.belief[r, i, nd])
        if pm.mech_trust:
            build, loss = R.person_trust_drivers(st.effort[r, i], st.park[r, i], g)
            t = st.trust_wp[r, i]
            st.trust_wp[r, i] = R.clip01(t + R.trust_change(
                t, build, loss, pm.trust_build_rate, pm.trust_loss_rate))
        w = w + 1 if w + 1 < W else 0
    for w in range(W):
        st.caught[r, w] = 1.0 if (audited[w] and n_misreported[w] > 0) else 0.0
        if audited[w]:
            n_misreported[w] = 0
        n = wd.n_case[w]
        st.reported[r, w] = n_reported[w] + n_misreported[w]
        st.misreported[r, w] = n_misreported[w]
        st.last_reported_share[r, w] = st.reported[r, w] / n if n else 0.0
        st.futility[r, w] = 1.0 - fit_sum[w] / n if n else 0.0
        found = False
        if st.knave[r, w] and pm.mech_neglect:
            p_find = R.neglect_detection(audited[w], pm.peer_accountability, pm.reflection_time,
                                         pm.alliance, lv.pressure, wd.alpha)
            found = draws[at.u_detect + w] < p_find
        st.neglect_found[r, w] = found


# --- the phases over workers and providers, one replication at a time -------------------------
# Each is the batch engine's former numpy phase written as loops, with the same operations in the
# same order, so every result is the same to the bit (tests/test_golden.py).


@compiled.jit
def months(first, st, pm, lv, wd, at, out):
    """Months ``first``, ``first + 1``, ... of the model for every replication, one replication at
    a time, each month in the Mesa model's order
    (:meth:`hlssim.engines.mesa.model.CommissioningModel.step`): the month's draws (the run's SFC64
    stream, :func:`hlssim.model.stream.fill_row`), the workers' plan (:func:`plan_workers`), the
    people's plan (:func:`_plan_rep`), the drift of each area's outside forces, live
    (:func:`_live_rep`), report and learn (:func:`_report_rep`), the providers' aggregates, the
    commissioner's oversight, adaptation, pooled knowledge, turnover and re-tendering, then the
    month's metrics (:func:`hlssim.model.metrics.metrics_row`) into ``out[:, k]`` for month
    ``first + k`` (``out``: replications, months, metrics). ``first`` is 1 for a run's first month.

    What a month reads and writes comes as named tuples (:mod:`hlssim.engines.batch.arguments`):
    ``st`` the state (:data:`hlssim.model.state.BatchState`, every field of
    :data:`hlssim.model.state.FIELDS`), ``pm`` the parameters in force, ``lv`` the regime's levers,
    ``wd`` the fixed structure and the draws' stream, ``at`` where each draw sits in the month's row.

    Running every month of one replication before the next keeps its arrays in cache and needs no
    Python between phases or months; each replication gets what a run of its own gives, bit for
    bit (replications share nothing). The regime's levers hold for all the months of a call."""
    n_reps = wd.streams.shape[0]
    draws = np.empty(wd.size)
    team = np.empty((st.local.shape[1], st.knowledge.shape[2], st.knowledge.shape[3]))
    everyone = np.empty((st.knowledge.shape[2], st.knowledge.shape[3]))
    allocating_on = bool(pm.mech_threshold) or bool(pm.mech_creaming)
    for r in range(n_reps):
        for k in range(out.shape[1]):
            month = first + k
            S.fill_row(wd.streams, r, draws, wd.kinds, wd.starts, wd.stops, wd.width, wd.inside,
                       wd.height, wd.zig_r, wd.zig_inv_r)
            O.plan_workers(r, st, pm, lv, wd, allocating_on)
            _plan_rep(r, st, pm, wd, at, draws)
            for p in range(st.local.shape[1]):
                st.local[r, p] = R.outside_drift(st.local[r, p], draws[at.local_innovation + p])
            _live_rep(r, st, pm, wd, at, draws)
            _report_rep(r, st, pm, lv, wd, at, draws)
            O.aggregate(r, st, wd)
            O.oversee(r, month, st, pm)
            O.adapt(r, st, pm, lv, wd)
            if lv.pool_rate > 0:
                O.pool_knowledge(r, st, pm, lv, wd, team, everyone)
            O.turnover_and_retender(r, month, st, pm, wd, at, draws)
            for i in range(st.need.shape[1]):
                st.knows[r, i] = _best_believed(st.belief, r, i) == st.need[r, i]
            M.metrics_row(r, st, wd.n_case, pm.outcome_line, pm.mech_substitution, lv.fixed_cost,
                          pm.wage_cost, wd.tender_cost, wd.counts, out[:, k])
