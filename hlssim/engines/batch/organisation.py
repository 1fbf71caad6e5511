"""The batch engine's phases over workers, providers and the commissioner, compiled with
:func:`hlssim.engines.batch.kernels.months` (each is registered with numba, ``register_jitable``).

Each runs one replication ``r`` of a month's phase exactly as the Mesa agents do
(:mod:`hlssim.engines.mesa.agents`, :mod:`hlssim.engines.mesa.model`): workers and providers in
index order, the same rule functions (:mod:`hlssim.model.rules`) in the same order, so results
equal the Mesa engine's to the bit (``tests/test_batch.py``). Each reads and writes the state
``st`` (:data:`hlssim.model.state.BatchState`) and reads the parameters in force ``pm``, the
regime's levers ``lv`` and the world ``wd`` (:mod:`hlssim.engines.batch.arguments`).
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from hlssim.model import rules as R


@register_jitable
def plan_workers(r, st, pm, lv, wd, allocating_on):
    """Phase 1 for workers (:meth:`Worker.plan` up to the caseload): gaming, the split of time,
    effort, what is withheld under a ratchet and the chance to explore."""
    for w in range(wd.provider_of.shape[0]):
        g = R.gaming_intensity(lv.pressure, wd.alpha, st.motivation[r, w], pm.audit_rate, st.trust_mw[r, w],
                               pm.gaming_max) * st.culture[r, wd.provider_of[w]]
        substitution, misreport_time = R.gaming_time(g, pm.mech_substitution, pm.mech_misreport)
        admin = R.admin_time(pm.indicators, pm.reports_per_year, pm.pbr_share,
                             st.last_reported_share[r, w], 1.0 if st.audited[r, w] else 0.0,
                             1.0 if st.tendered[r] else 0.0, pm.reflection_time)
        d = max(0.0, 1.0 - admin - pm.reflection_time - pm.collaboration_time - substitution
                - misreport_time)
        e = R.effort_level(st.motivation[r, w], lv.pressure, wd.alpha, pm.focus_gain, pm.mech_focus)
        if pm.mech_neglect and st.knave[r, w]:
            e = e * R.NEGLECT_EFFORT
        held = 0.0
        if pm.mech_ratchet and pm.target_ratchet > 0 and st.last_reported_share[r, w] > st.target[r]:
            held = R.ratchet_holdback(g, st.last_reported_share[r, w], st.target[r])
            e = e * (1.0 - held)
        alloc = R.threshold_allocation(g, pm.pbr_share) if allocating_on else 0.0
        st.gaming[r, w] = g
        st.admin[r, w] = admin
        st.direct[r, w] = d
        st.withheld[r, w] = held
        st.gaming_time[r, w] = substitution + misreport_time + d * (alloc + held)
        st.effort_w[r, w] = e
        st.allocating[r, w] = alloc
        st.explore_p[r, w] = R.exploration_chance(pm.exploration, lv.control, st.trust_mw[r, w])
        st.focus_w[r, w] = g * pm.mech_substitution


@register_jitable
def aggregate(r, st, wd):
    """Each provider's reported share and whether any of its workers was caught
    (:meth:`Provider.aggregate`); workers added in index order."""
    P = st.reported_share.shape[1]
    for p in range(P):
        st.reported_share[r, p] = 0.0
        st.staff_caught[r, p] = 0.0
        st.staff_neglect_found[r, p] = 0.0
        st.lives_lift[r, p] = 0.0
    for w in range(wd.provider_of.shape[0]):
        p = wd.provider_of[w]
        st.reported_share[r, p] += float(st.reported[r, w])
        st.lives_lift[r, p] += st.caseload_lift[r, w] * wd.n_case[w]
        st.staff_caught[r, p] = max(st.staff_caught[r, p], st.caught[r, w])
        if st.neglect_found[r, w]:
            st.staff_neglect_found[r, p] = 1.0
    for p in range(P):
        st.reported_share[r, p] = st.reported_share[r, p] / wd.provider_people[p]
        st.lives_lift[r, p] = st.lives_lift[r, p] / wd.provider_people[p]


@register_jitable
def oversee(r, month, st, pm, wd):
    """The commissioner (:meth:`Commissioner.oversee`): sanctions for a shortfall, the yearly
    ratchet of the target, and barriers removed where what workers see of them is acted on."""
    P = st.reported_share.shape[1]
    for p in range(P):
        st.sanction[r, p] = R.sanction(st.target[r], st.reported_share[r, p], pm.target_pressure)
    total = st.reported_share[r, 0]
    for p in range(1, P):
        total = total + st.reported_share[r, p]
    mean_reported = total / P
    if pm.target_ratchet > 0 and R.ratchet_due(month):
        st.target[r] = R.ratcheted_target(st.target[r], pm.target_ratchet, mean_reported)
    trust_total = st.trust_cp[r, 0]
    for p in range(1, P):
        trust_total = trust_total + st.trust_cp[r, p]
    connection = R.escalation_connection(pm.mech_learning, pm.reflection_time, trust_total, P)
    action = R.barrier_action(pm.stewardship, connection,
                              R.review_strength(pm.target_pressure, wd.alpha, mean_reported),
                              pm.mech_learning)
    n_people, n_barriers = st.exposed.shape[1], st.exposed.shape[2]
    evidence = np.zeros(n_barriers)
    for i in range(n_people):
        seen = R.barrier_seen(st.help[r, i], pm.coproduction)
        for j in range(n_barriers):
            if st.exposed[r, i, j]:
                evidence[j] += seen
    for j in range(n_barriers):
        b = st.barriers[r, j]
        st.barriers[r, j] = R.clip01(b + R.barrier_change(b, evidence[j] / n_people, action,
                                                          pm.mech_barriers))


@register_jitable
def adapt(r, st, pm, lv, wd):
    """Workers and providers adapt (:meth:`Worker.adapt`, :meth:`Provider.adapt`): motivation
    crowded in or out, stress, and trust with managers and with the commissioner."""
    sight_mw = R.supervision_sight(pm.reflection_time)
    sight_cp = R.review_sight(pm.reflection_time, pm.stewardship)
    for w in range(wd.provider_of.shape[0]):
        st.sanctioned[r, w] = st.sanction[r, wd.provider_of[w]]
        if pm.mech_crowding:
            m = st.motivation[r, w]
            st.motivation[r, w] = R.clip01(m + R.motivation_change(
                m, lv.control, lv.autonomy, st.trust_mw[r, w], pm.complexity, 1.0 if st.knave[r, w] else 0.0,
                pm.crowding_rate))
        fd = st.fd_sum[r, w]
        fd_share = fd / (wd.n_case[w] + fd)
        settle = R.stress_target(st.admin[r, w], fd_share, st.sanctioned[r, w], st.futility[r, w],
                                 pm.reflection_time)
        st.stress[r, w] = R.clip01(R.relax(st.stress[r, w], settle, R.STRESS_ADJUSTMENT))
        if pm.mech_trust:
            t = st.trust_mw[r, w]
            good, bad = R.results_seen(sight_mw * R.contact(t), st.caseload_lift[r, w], lv.pressure,
                                       R.target_met(st.target[r], st.last_reported_share[r, w]))
            build = R.manager_trust_build(lv.control, pm.reflection_time, good)
            loss = R.manager_trust_loss(st.sanctioned[r, w], st.caught[r, w], lv.control, bad)
            st.trust_mw[r, w] = R.clip01(t + R.trust_change(t, build, loss, pm.trust_rate))
    if pm.mech_trust:
        for p in range(st.trust_cp.shape[1]):
            t = st.trust_cp[r, p]
            good, bad = R.results_seen(sight_cp * R.contact(t), st.lives_lift[r, p], lv.pressure,
                                       R.target_met(st.target[r], st.reported_share[r, p]))
            build_p = R.provider_trust_build(lv.control, pm.alliance, good)
            loss = R.provider_trust_loss(st.sanction[r, p], st.staff_caught[r, p],
                                         st.staff_neglect_found[r, p], st.lost_tender[r, p], bad)
            st.trust_cp[r, p] = R.clip01(t + R.trust_change(t, build_p, loss, pm.trust_rate))
            st.lost_tender[r, p] = 0.0


@register_jitable
def pool_knowledge(r, st, pm, lv, wd, team, everyone):
    """Reflective practice (MODEL.md 5): each worker's general knowledge moves a share ``rate``
    toward a mix of their provider team's mean and everyone's (weight ``alliance``), in place.
    Means add workers in index order, as :meth:`CommissioningModel._pool_knowledge` does;
    ``team`` (P, A, A) and ``everyone`` (A, A) are scratch."""
    W, A = st.knowledge.shape[1], st.knowledge.shape[2]
    P = wd.provider_staff.shape[0]
    team[:] = 0.0
    for w in range(W):
        p = wd.provider_of[w]
        for k in range(A):
            for a in range(A):
                team[p, k, a] += st.knowledge[r, w, k, a]
    for p in range(P):
        for k in range(A):
            for a in range(A):
                team[p, k, a] /= wd.provider_staff[p]
    everyone[:] = 0.0
    for p in range(P):
        for k in range(A):
            for a in range(A):
                everyone[k, a] += team[p, k, a] * wd.provider_staff[p]
    for k in range(A):
        for a in range(A):
            everyone[k, a] /= W
    for w in range(W):
        p = wd.provider_of[w]
        for k in range(A):
            for a in range(A):
                pooled = (1 - pm.alliance) * team[p, k, a] + pm.alliance * everyone[k, a]
                st.knowledge[r, w, k, a] += lv.pool_rate * (pooled - st.knowledge[r, w, k, a])


@register_jitable
def restart_relationships(r, w, st, restart_trust):
    """Everyone on worker ``w``'s caseload starts again with them: trust at ``restart_trust`` and
    beliefs from the worker's general knowledge of their situation
    (:meth:`Person.new_relationship`)."""
    n_people = st.trust_wp.shape[1]
    W = st.knowledge.shape[1]
    for i in range(w, n_people, W):
        st.trust_wp[r, i] = restart_trust
        for a in range(st.belief.shape[2]):
            st.belief[r, i, a] = st.knowledge[r, w, st.profile[r, i], a]


@register_jitable
def hire(r, w, st, pm, wd, u_knave, u_motivation):
    """A new hire in post ``w`` (:meth:`Worker.hire`): a knave or not, their motivation, fresh
    stress, trust and knowledge; their caseload's relationships restart."""
    k, m = R.new_hire(u_knave, u_motivation, pm.knave_share)
    st.knave[r, w] = k
    st.motivation[r, w] = m
    st.stress[r, w] = R.NEW_STRESS
    st.trust_mw[r, w] = R.NEW_TRUST_MW
    for a in range(st.knowledge.shape[2]):
        for b in range(st.knowledge.shape[3]):
            st.knowledge[r, w, a, b] = wd.prior[b]
    st.sanctioned[r, w] = 0.0
    st.caught[r, w] = 0.0
    st.futility[r, w] = 0.0
    st.last_reported_share[r, w] = 0.0
    st.neglect_found[r, w] = False
    st.audited[r, w] = False
    restart_relationships(r, w, st, R.RESTART_TRUST_WP)


@register_jitable
def turnover_and_retender(r, month, st, pm, wd, at, draws):
    """Turnover (:meth:`CommissioningModel._turnover`: neglect found, or leaving by chance) and
    re-tendering (:meth:`Commissioner.retender`: the lowest reported share, with noise, loses its
    contract; a new entrant; each of its staff stays or is replaced)."""
    W = wd.provider_of.shape[0]
    P = st.quality.shape[1]
    n_leaving = 0
    for w in range(W):
        if st.neglect_found[r, w] or draws[at.u_turnover + w] < R.turnover_probability(
                st.stress[r, w], st.motivation[r, w], pm.base_turnover, pm.mech_turnover):
            n_leaving += 1
            hire(r, w, st, pm, wd, draws[at.u_hire_knave + w],
                      draws[at.hire_motivation + w])
    st.leavers[r] = n_leaving
    st.tendered[r] = False
    if pm.retender_interval <= 0 or month % pm.retender_interval != 0 or P < 2:
        return
    st.tendered[r] = True
    loser = 0
    best = R.tender_score(st.reported_share[r, 0], draws[at.tender_noise])
    for p in range(1, P):
        score = R.tender_score(st.reported_share[r, p], draws[at.tender_noise + p])
        if score < best:
            best = score
            loser = p
    for p in range(P):
        st.lost_tender[r, p] = (R.LOST_TENDER_TRUST_LOSS if p == loser
                            else R.COMPETITION_TRUST_LOSS)
    st.quality[r, loser] = R.provider_quality(draws[at.tender_quality + loser])
    st.culture[r, loser] = R.provider_culture(draws[at.tender_culture + loser])
    if pm.mech_trust:
        st.trust_cp[r, loser] = R.ENTRANT_TRUST_CP
    for w in range(W):
        if wd.provider_of[w] != loser:
            continue
        if draws[at.u_tupe + w] < R.TUPE_REPLACED_SHARE:
            st.leavers[r] += 1
            hire(r, w, st, pm, wd, draws[at.u_hire_knave + w],
                      draws[at.hire_motivation + w])
        else:
            restart_relationships(r, w, st, R.RESTART_TRUST_WP)
