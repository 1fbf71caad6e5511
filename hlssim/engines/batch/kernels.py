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
    # what the loops read, bound once (numba re-reads a named tuple's members inside a loop:
    # a run is about 8% slower without this; a new term may still read pm.<name> directly)
    allocating, approach, belief, direct = (st.allocating, st.approach, st.belief, st.direct)
    effort, effort_w, explore_p = (st.effort, st.effort_w, st.explore_p)
    failure_demand, fit, focus, focus_w = (st.failure_demand, st.fit, st.focus, st.focus_w)
    gaming, help, need, observed, park = (st.gaming, st.help, st.need, st.observed, st.park)
    planned_on, quality, speed, trust_wp = (st.planned_on, st.quality, st.speed, st.trust_wp)
    alliance, collaboration_time, complexity = (pm.alliance, pm.collaboration_time, pm.complexity)
    failure_demand_load, help_gain = (pm.failure_demand_load, pm.help_gain)
    mech_creaming, mech_threshold = (pm.mech_creaming, pm.mech_threshold)
    misfit_effect, outcome_line, pbr_share = (pm.misfit_effect, pm.outcome_line, pm.pbr_share)
    standard_efficiency, standardisation = (pm.standard_efficiency, pm.standardisation)
    n_case, nominal_caseload, provider_of = (wd.n_case, wd.nominal_caseload, wd.provider_of)
    explore_pick, u_explore, u_standard = (at.explore_pick, at.u_explore, at.u_standard)
    n_people = observed.shape[1]
    n_approaches = belief.shape[2]
    W = n_case.shape[0]
    fd_total = np.empty(W)
    need_total = np.empty(W)
    game_total = np.empty(W)
    total = np.empty(W)
    per_unit = np.empty(W)
    standard_speed = 1.0 + standard_efficiency
    fd_total[:] = 0.0
    need_total[:] = 0.0
    game_total[:] = 0.0
    total[:] = 0.0
    w = 0
    for i in range(n_people):
        obs = observed[r, i]
        fd_total[w] += failure_demand[r, i]
        need_total[w] += R.need_weight(obs)
        if mech_threshold:
            gw = R.threshold_weight(obs, outcome_line)
            help[r, i] = gw  # kept for the next pass
            game_total[w] += gw
        w = w + 1 if w + 1 < W else 0
    if not mech_threshold:
        game_total[:] = need_total
    w = 0
    for i in range(n_people):
        obs = observed[r, i]
        nw = R.need_weight(obs)
        gw = help[r, i] if mech_threshold else nw
        g = gaming[r, w]
        pk = R.parking_multiplier(obs, outcome_line, g, pbr_share) if mech_creaming else 1.0
        park[r, i] = pk
        planned_on[r, i] = obs
        alloc = allocating[r, w]
        wgt = ((1.0 - alloc) * nw / need_total[w] + alloc * gw / game_total[w]) * pk
        effort[r, i] = wgt  # the weight for now; scaled in the last pass
        total[w] += wgt
        # the approach: standard, something new, or the best believed (first largest)
        sp = 1.0
        if draws[u_standard + i] < standardisation:
            a = 0
            sp = standard_speed
        elif draws[u_explore + i] < explore_p[r, w]:
            a = D.pick(draws[explore_pick + i], n_approaches)
        else:
            a = _best_believed(belief, r, i)
        f = R.fit_of(a, need[r, i], misfit_effect)
        approach[r, i] = a
        fit[r, i] = R.collaboration_cover(f, collaboration_time, alliance, complexity)
        speed[r, i] = sp
        w = w + 1 if w + 1 < W else 0
    for w in range(W):
        n = n_case[w]
        if n == 0:
            continue
        load = failure_demand_load * fd_total[w]
        direct_effective = direct[r, w] * n / (n + load)
        per_person = direct_effective * effort_w[r, w] * nominal_caseload / n
        per_unit[w] = per_person * n / total[w] if total[w] > 0 else 0.0
    w = 0
    for i in range(n_people):
        e = per_unit[w] * effort[r, i]
        effort[r, i] = e
        focus[r, i] = focus_w[r, w]
        help[r, i] = (help_gain * speed[r, i] * e * fit[r, i]
                      * R.relationship_quality(trust_wp[r, i], complexity)
                      * quality[r, provider_of[w]])
        w = w + 1 if w + 1 < W else 0


@register_jitable
def _live_rep(r, st, pm, wd, at, draws):
    """Phase 2 (:meth:`Person.live`): help, drift, barriers and shocks on each life factor; needs
    that shift; outside forces; wellbeing and what the indicator observes; failure demand."""
    # what the loops read, bound once (numba re-reads a named tuple's members inside a loop:
    # a run is about 8% slower without this; a new term may still read pm.<name> directly)
    barriers, base, effort, exposed = (st.barriers, st.base, st.effort, st.exposed)
    external, factors, failure_demand, fit = (st.external, st.factors, st.failure_demand, st.fit)
    focus, help, local, need, observed = (st.focus, st.help, st.local, st.need, st.observed)
    profile, wellbeing = (st.profile, st.wellbeing)
    barrier_harm, complexity = (pm.barrier_harm, pm.complexity)
    measurement_noise, mech_barriers = (pm.measurement_noise, pm.mech_barriers)
    mech_failure_demand, n_approaches = (pm.mech_failure_demand, pm.n_approaches)
    need_shift_rate, recovery_rate = (pm.need_shift_rate, pm.recovery_rate)
    alpha, lam, person_provider, shock_sd = (wd.alpha, wd.lam, wd.person_provider, wd.shock_sd)
    ext_innovation, need_pick, need_u1 = (at.ext_innovation, at.need_pick, at.need_u1)
    need_u2, obs_noise, shock, u_shift = (at.need_u2, at.obs_noise, at.shock, at.u_shift)
    n_people, n_factors = factors.shape[1], factors.shape[2]
    n_barriers = exposed.shape[2]
    for i in range(n_people):
        bp = 0.0
        if mech_barriers:
            for j in range(n_barriers):
                if exposed[r, i, j]:
                    bp += barriers[r, j]
            bp *= barrier_harm
        spread = 1.0 - focus[r, i]
        concentrated = spread + focus[r, i] * R.N_FACTORS
        old_w = wellbeing[r, i]
        b = base[r, i]
        hlp = help[r, i]
        total = 0.0
        lowest = 0.0
        for k in range(n_factors):
            h = hlp * (concentrated if k == R.MEASURED_FACTOR else spread)
            f = factors[r, i, k]
            f += R.factor_change(f, b, h, recovery_rate, bp,
                                 shock_sd * draws[shock + n_factors * i + k])
            f = R.clip01(f)
            factors[r, i, k] = f
            total += f
            lowest = f if k == 0 else min(lowest, f)
        if draws[u_shift + i] < need_shift_rate * complexity:
            need[r, i] = D.draw_need(draws[need_u1 + i], draws[need_u2 + i],
                                     draws[need_pick + i], profile[r, i], complexity,
                                     n_approaches)
        ext = R.outside_drift(external[r, i], draws[ext_innovation + i])
        external[r, i] = ext
        w = R.wellbeing(total / n_factors, lowest, lam)
        outside = R.outside_forces(ext, local[r, person_provider[i]])
        wellbeing[r, i] = w
        observed[r, i] = R.observed_outcome(w, factors[r, i, R.MEASURED_FACTOR], outside,
                                            measurement_noise * draws[obs_noise + i],
                                            complexity, alpha)
        drop = R.wellbeing_drop(old_w, w)
        fd = failure_demand[r, i]
        failure_demand[r, i] = max(0.0, fd + R.failure_demand_change(
            fd, effort[r, i], fit[r, i], drop, mech_failure_demand))


@register_jitable
def _report_rep(r, st, pm, lv, wd, at, draws):
    """Phase 3 (:meth:`Worker.report_and_learn`), each caseload in order: report (honestly or
    not), face audit, learn (the person's belief, the worker's general knowledge, case discussion,
    what the person says), trust; also each caseload's failure demand (for phase 5).

    People are visited in index order (person ``i`` is on worker ``i % W``): each worker's
    caseload in its order, which is all the Mesa worker's walk through its caseload fixes."""
    # what the loops read, bound once (numba re-reads a named tuple's members inside a loop:
    # a run is about 8% slower without this; a new term may still read pm.<name> directly)
    approach, belief, caught, effort = (st.approach, st.belief, st.caught, st.effort)
    failure_demand, fd_sum, fit, futility = (st.failure_demand, st.fd_sum, st.fit, st.futility)
    gaming, knave, knowledge = (st.gaming, st.knave, st.knowledge)
    last_reported_share, misreported, need = (st.last_reported_share, st.misreported, st.need)
    neglect_found, observed, park, profile = (st.neglect_found, st.observed, st.park, st.profile)
    reported, reported_value, trust_wp = (st.reported, st.reported_value, st.trust_wp)
    alliance, audit_rate, coproduction = (pm.alliance, pm.audit_rate, pm.coproduction)
    mech_learning, mech_misreport = (pm.mech_learning, pm.mech_misreport)
    mech_neglect, mech_trust, outcome_line = (pm.mech_neglect, pm.mech_trust, pm.outcome_line)
    peer_accountability, reflection_time = (pm.peer_accountability, pm.reflection_time)
    trust_rate = pm.trust_rate
    case_discussion, learning_step, pressure = (lv.case_discussion, lv.learning_step, lv.pressure)
    alpha, n_case = (wd.alpha, wd.n_case)
    signal_noise, u_audit, u_coproduce = (at.signal_noise, at.u_audit, at.u_coproduce)
    u_detect, u_misreport, u_audit_sees = (at.u_detect, at.u_misreport, at.u_audit_sees)
    n_people = observed.shape[1]
    n_approaches = belief.shape[2]
    W = n_case.shape[0]
    row_step = R.knowledge_step(learning_step)
    n_reported = np.empty(W, dtype=np.int64)
    n_misreported = np.empty(W, dtype=np.int64)
    n_found = np.empty(W, dtype=np.int64)
    fit_sum = np.empty(W)
    lift_sum = np.empty(W)
    audited = np.empty(W, dtype=np.bool_)
    misreport_p = np.empty(W)
    n_reported[:] = 0
    n_misreported[:] = 0
    n_found[:] = 0
    fit_sum[:] = 0.0
    lift_sum[:] = 0.0
    factors, base, caseload_lift = (st.factors, st.base, st.caseload_lift)
    n_factors = factors.shape[2]
    for w in range(W):
        fd_sum[r, w] = 0.0
        audited[w] = draws[u_audit + w] < audit_rate
        misreport_p[w] = R.misreport_probability(gaming[r, w], mech_misreport)
    w = 0
    for i in range(n_people):
        g = gaming[r, w]
        obs = observed[r, i]
        reported_value[r, i] = obs
        if obs > outcome_line:
            n_reported[w] += 1
        elif (draws[u_misreport + i] < misreport_p[w]
              and R.misreport_payoff(obs, outcome_line, audit_rate) > 0.0):
            lie = R.misreported_value(outcome_line)
            if audited[w] and draws[u_audit_sees + i] < R.audit_sees_misreport(lie - obs):
                n_found[w] += 1  # the audit sees it and strikes it out
            else:
                n_misreported[w] += 1
                reported_value[r, i] = lie
        fit_sum[w] += fit[r, i]
        factor_total = 0.0
        for k in range(n_factors):
            factor_total += factors[r, i, k]
        lift_sum[w] += R.life_lift(factor_total, base[r, i])
        fd_sum[r, w] += failure_demand[r, i]
        k = profile[r, i]
        if effort[r, i] > R.LEARNING_EFFORT_MIN and learning_step > 0:
            a = approach[r, i]
            signal = R.learning_signal(fit[r, i], draws[signal_noise + i], alpha,
                                       g * mech_misreport)
            belief[r, i, a] += learning_step * (signal - belief[r, i, a])
            knowledge[r, w, k, a] += row_step * (signal - knowledge[r, w, k, a])
        if case_discussion > 0:
            for a in range(n_approaches):
                belief[r, i, a] += case_discussion * (knowledge[r, w, k, a] - belief[r, i, a])
        if mech_learning and draws[u_coproduce + i] < coproduction:
            nd = need[r, i]
            belief[r, i, nd] += R.coproduction_gain(belief[r, i, nd])
        if mech_trust:
            build, loss = R.person_trust_drivers(effort[r, i], park[r, i], g, fit[r, i])
            t = trust_wp[r, i]
            trust_wp[r, i] = R.clip01(t + R.trust_change(
                t, build, loss, trust_rate))
        w = w + 1 if w + 1 < W else 0
    for w in range(W):
        caught[r, w] = 1.0 if n_found[w] > 0 else 0.0
        n = n_case[w]
        reported[r, w] = n_reported[w] + n_misreported[w]
        misreported[r, w] = n_misreported[w]
        last_reported_share[r, w] = reported[r, w] / n if n else 0.0
        futility[r, w] = 1.0 - fit_sum[w] / n if n else 0.0
        caseload_lift[r, w] = lift_sum[w] / n if n else 0.0
        found = False
        if knave[r, w] and mech_neglect:
            p_find = R.neglect_detection(audited[w], peer_accountability, reflection_time,
                                         alliance, pressure, alpha, pm.complexity)
            found = draws[u_detect + w] < p_find
        neglect_found[r, w] = found
        st.audited[r, w] = audited[w]


# --- the phases over workers and providers, one replication at a time -------------------------
# Each is the batch engine's former numpy phase written as loops, with the same operations in the
# same order, so every result is the same to the bit (tests/test_golden.py).


@compiled.jit
def months(first, from_month, st, pm, lv, wd, at, out):
    """Months ``first``, ``first + 1``, ... of the model for every replication, one replication at
    a time, each month in the Mesa model's order
    (:meth:`hlssim.engines.mesa.model.CommissioningModel.step`): the month's draws (the run's SFC64
    stream, :func:`hlssim.model.stream.fill_row`), the workers' plan (:func:`plan_workers`), the
    people's plan (:func:`_plan_rep`), the drift of each area's outside forces, live
    (:func:`_live_rep`), report and learn (:func:`_report_rep`), the providers' aggregates, the
    commissioner's oversight, adaptation, pooled knowledge, turnover and re-tendering, then the
    month's metrics (:func:`hlssim.model.metrics.metrics_row`) into ``out[:, k]`` for month
    ``first + k`` (``out``: replications, months, metrics). ``first`` is 1 for a run's first month.

    Metrics are worked out only from month ``from_month`` on; earlier months' rows are NaN. They
    read the state and change nothing in it, so the months after are the same to the bit whatever
    ``from_month`` is; a caller that reads only a run's last year (a sweep's ``mean_last_12``, the
    explorer's "why") skips about a seventh of a run's time (``benchmarks/bench_sweep_100k.py``).

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
            O.oversee(r, month, st, pm, wd)
            O.adapt(r, st, pm, lv, wd)
            if lv.pool_rate > 0:
                O.pool_knowledge(r, st, pm, lv, wd, team, everyone)
            O.turnover_and_retender(r, month, st, pm, wd, at, draws)
            if month < from_month:
                out[r, k, :] = np.nan
                continue
            for i in range(st.need.shape[1]):
                st.knows[r, i] = _best_believed(st.belief, r, i) == st.need[r, i]
            M.metrics_row(r, st, wd.n_case, pm.outcome_line, pm.mech_substitution, lv.fixed_cost,
                          pm.wage_cost, wd.tender_cost, lv.reports_cost, lv.claim_cost, wd.counts,
                          out[:, k])
