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
def _plan_rep(r, n_case, provider_of, direct, effort_w, allocating, gaming, explore_p, focus_w,
                quality, failure_demand, observed, belief, trust_wp, need,
                draws, at_standard, at_explore, at_pick,
                nominal_caseload, line, failure_demand_load, mech_threshold, mech_creaming,
                pbr_share, standardisation, standard_efficiency, misfit_effect,
                collaboration_time, alliance, complexity, help_gain,
                park, planned_on, approach, fit, effort, focus, help, speed):
    """Phase 1 for people (:meth:`Worker.plan` after the worker's own split of time): weights of
    effort by need and by the gamer's rule, parking, choice of approach, fit and help.

    People are visited in index order; person ``i`` is on worker ``i % W``, so each worker's
    caseload is visited in order and its sums add in caseload order. ``draws`` is replication
    ``r``'s draws for the month (:class:`hlssim.model.draws.StepLayout`) and ``at_*`` the offsets of
    the draws used here.
    """
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
            gw = R.threshold_weight(obs, line)
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
        pk = R.parking_multiplier(obs, line, g, pbr_share) if mech_creaming else 1.0
        park[r, i] = pk
        planned_on[r, i] = obs
        alloc = allocating[r, w]
        wgt = ((1.0 - alloc) * nw / need_total[w] + alloc * gw / game_total[w]) * pk
        effort[r, i] = wgt  # the weight for now; scaled in the last pass
        total[w] += wgt
        # the approach: standard, something new, or the best believed (first largest)
        sp = 1.0
        if draws[at_standard + i] < standardisation:
            a = 0
            sp = standard_speed
        elif draws[at_explore + i] < explore_p[r, w]:
            a = D.pick(draws[at_pick + i], n_approaches)
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
def _live_rep(r, person_provider, factors, base, exposed, barriers, focus, help, wellbeing,
                observed, need, profile, external, failure_demand, effort, fit, local,
                draws, at_shock, at_shift, at_need_u1, at_need_u2, at_need_pick, at_obs_noise,
                at_ext_innovation,
                mech_barriers, barrier_harm, recovery_rate, shock_sd, need_shift_rate, complexity,
                n_approaches, measurement_noise, lam, alpha, mech_failure_demand):
    """Phase 2 (:meth:`Person.live`): help, drift, barriers and shocks on each life factor; needs
    that shift; outside forces; wellbeing and what the indicator observes; failure demand."""
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
                                 shock_sd * draws[at_shock + n_factors * i + k])
            f = R.clip01(f)
            factors[r, i, k] = f
            total += f
            lowest = f if k == 0 else min(lowest, f)
        if draws[at_shift + i] < need_shift_rate * complexity:
            need[r, i] = D.draw_need(draws[at_need_u1 + i], draws[at_need_u2 + i],
                                     draws[at_need_pick + i], profile[r, i], complexity,
                                     n_approaches)
        ext = R.outside_drift(external[r, i], draws[at_ext_innovation + i])
        external[r, i] = ext
        w = R.wellbeing(total / n_factors, lowest, lam)
        outside = R.outside_forces(ext, local[r, person_provider[i]])
        wellbeing[r, i] = w
        observed[r, i] = R.observed_outcome(w, factors[r, i, R.MEASURED_FACTOR], outside,
                                            measurement_noise * draws[at_obs_noise + i],
                                            complexity, alpha)
        drop = R.wellbeing_drop(old_w, w)
        fd = failure_demand[r, i]
        failure_demand[r, i] = max(0.0, fd + R.failure_demand_change(
            fd, effort[r, i], fit[r, i], drop, mech_failure_demand))


@register_jitable
def _report_rep(r, n_case, knave, gaming, observed, fit, effort, approach, profile,
                     need, park, belief, knowledge, trust_wp, failure_demand,
                     draws, at_audit, at_misreport, at_signal, at_coproduce, at_detect,
                     line, audit_rate, mech_misreport, step, case_discussion, alpha, mech_learning,
                     coproduction, mech_trust, trust_build_rate, trust_loss_rate, mech_neglect,
                     peer_accountability, reflection_time, alliance, pressure,
                     reported_value, reported, misreported, caught, last_reported_share, futility,
                     neglect_found, fd_sum):
    """Phase 3 (:meth:`Worker.report_and_learn`), each caseload in order: report (honestly or
    not), face audit, learn (the person's belief, the worker's general knowledge, case discussion,
    what the person says), trust; also each caseload's failure demand (for phase 5).

    People are visited in index order (person ``i`` is on worker ``i % W``): each worker's
    caseload in its order, which is all the Mesa worker's walk through its caseload fixes."""
    n_people = observed.shape[1]
    n_approaches = belief.shape[2]
    W = n_case.shape[0]
    row_step = R.knowledge_step(step)
    n_reported = np.empty(W, dtype=np.int64)
    n_misreported = np.empty(W, dtype=np.int64)
    fit_sum = np.empty(W)
    audited = np.empty(W, dtype=np.bool_)
    misreport_p = np.empty(W)
    n_reported[:] = 0
    n_misreported[:] = 0
    fit_sum[:] = 0.0
    for w in range(W):
        fd_sum[r, w] = 0.0
        audited[w] = draws[at_audit + w] < audit_rate
        misreport_p[w] = R.misreport_probability(gaming[r, w], mech_misreport)
    w = 0
    for i in range(n_people):
        g = gaming[r, w]
        obs = observed[r, i]
        reported_value[r, i] = obs
        if obs > line:
            n_reported[w] += 1
        elif draws[at_misreport + i] < misreport_p[w]:
            n_misreported[w] += 1
            if not audited[w]:
                reported_value[r, i] = R.misreported_value(line)
        fit_sum[w] += fit[r, i]
        fd_sum[r, w] += failure_demand[r, i]
        k = profile[r, i]
        if effort[r, i] > R.LEARNING_EFFORT_MIN and step > 0:
            a = approach[r, i]
            signal = R.learning_signal(fit[r, i], draws[at_signal + i], alpha,
                                       g * mech_misreport)
            belief[r, i, a] += step * (signal - belief[r, i, a])
            knowledge[r, w, k, a] += row_step * (signal - knowledge[r, w, k, a])
        if case_discussion > 0:
            for a in range(n_approaches):
                belief[r, i, a] += case_discussion * (knowledge[r, w, k, a] - belief[r, i, a])
        if mech_learning and draws[at_coproduce + i] < coproduction:
            nd = need[r, i]
            belief[r, i, nd] += R.coproduction_gain(belief[r, i, nd])
        if mech_trust:
            build, loss = R.person_trust_drivers(effort[r, i], park[r, i], g)
            t = trust_wp[r, i]
            trust_wp[r, i] = R.clip01(t + R.trust_change(
                t, build, loss, trust_build_rate, trust_loss_rate))
        w = w + 1 if w + 1 < W else 0
    for w in range(W):
        caught[r, w] = 1.0 if (audited[w] and n_misreported[w] > 0) else 0.0
        if audited[w]:
            n_misreported[w] = 0
        n = n_case[w]
        reported[r, w] = n_reported[w] + n_misreported[w]
        misreported[r, w] = n_misreported[w]
        last_reported_share[r, w] = reported[r, w] / n if n else 0.0
        futility[r, w] = 1.0 - fit_sum[w] / n if n else 0.0
        found = False
        if knave[r, w] and mech_neglect:
            p_find = R.neglect_detection(audited[w], peer_accountability, reflection_time,
                                         alliance, pressure, alpha)
            found = draws[at_detect + w] < p_find
        neglect_found[r, w] = found


# --- the phases over workers and providers, one replication at a time -------------------------
# Each is the batch engine's former numpy phase written as loops, with the same operations in the
# same order, so every result is the same to the bit (tests/test_golden.py).


@register_jitable
def _plan_workers_rep(r, provider_of, motivation, trust_mw, culture, knave, last_reported_share,
                      target, pressure, alpha, audit_rate, gaming_max, admin_share,
                      reflection_time, collaboration_time, mech_substitution, mech_misreport,
                      focus_gain, mech_focus, mech_neglect, mech_ratchet, target_ratchet,
                      allocating_on, exploration, control,
                      gaming, admin, direct, withheld, gaming_time, effort_w, allocating,
                      explore_p, focus_w):
    """Phase 1 for workers (:meth:`Worker.plan` up to the caseload): gaming, the split of time,
    effort, what is withheld under a ratchet and the chance to explore."""
    for w in range(provider_of.shape[0]):
        g = R.gaming_intensity(pressure, alpha, motivation[r, w], audit_rate, trust_mw[r, w],
                               gaming_max) * culture[r, provider_of[w]]
        substitution, misreport_time = R.gaming_time(g, mech_substitution, mech_misreport)
        d = max(0.0, 1.0 - admin_share - reflection_time - collaboration_time - substitution
                - misreport_time)
        e = R.effort_level(motivation[r, w], pressure, alpha, focus_gain, mech_focus)
        if mech_neglect and knave[r, w]:
            e = e * R.NEGLECT_EFFORT
        held = 0.0
        if mech_ratchet and target_ratchet > 0 and last_reported_share[r, w] > target[r]:
            held = g * target_ratchet
            e = e * (1.0 - held)
        alloc = g if allocating_on else 0.0
        gaming[r, w] = g
        admin[r, w] = admin_share
        direct[r, w] = d
        withheld[r, w] = held
        gaming_time[r, w] = substitution + misreport_time + d * (alloc + held)
        effort_w[r, w] = e
        allocating[r, w] = alloc
        explore_p[r, w] = R.exploration_chance(exploration, control, trust_mw[r, w])
        focus_w[r, w] = g * mech_substitution


@register_jitable
def _aggregate_rep(r, provider_of, reported, caught, provider_people, reported_share, caught_p):
    """Each provider's reported share and whether any of its workers was caught
    (:meth:`Provider.aggregate`); workers added in index order."""
    P = reported_share.shape[1]
    for p in range(P):
        reported_share[r, p] = 0.0
        caught_p[r, p] = 0.0
    for w in range(provider_of.shape[0]):
        p = provider_of[w]
        reported_share[r, p] += float(reported[r, w])
        caught_p[r, p] = max(caught_p[r, p], caught[r, w])
    for p in range(P):
        reported_share[r, p] = reported_share[r, p] / provider_people[p]


@register_jitable
def _oversee_rep(r, month, reported_share, trust_cp, exposed_share, target, sanction, barriers,
                 target_pressure, target_ratchet, mech_learning, reflection_time, stewardship,
                 mech_barriers):
    """The commissioner (:meth:`Commissioner.oversee`): sanctions for a shortfall, the yearly
    ratchet of the target, and barriers removed where learning is escalated."""
    P = reported_share.shape[1]
    for p in range(P):
        sanction[r, p] = R.sanction(target[r], reported_share[r, p], target_pressure)
    if target_ratchet > 0 and R.ratchet_due(month):
        total = reported_share[r, 0]
        for p in range(1, P):
            total = total + reported_share[r, p]
        mean_reported = total / P
        target[r] = R.ratcheted_target(target[r], target_ratchet, mean_reported)
    trust_total = trust_cp[r, 0]
    for p in range(1, P):
        trust_total = trust_total + trust_cp[r, p]
    connection = R.escalation_connection(mech_learning, reflection_time, trust_total, P)
    for j in range(barriers.shape[1]):
        escalation = exposed_share[r, j] * connection
        b = barriers[r, j]
        barriers[r, j] = R.clip01(b + R.barrier_change(b, escalation, stewardship, mech_barriers))


@register_jitable
def _adapt_rep(r, provider_of, n_case, knave, admin, fd_sum, futility, caught, sanction, caught_p,
               sanctioned, motivation, stress, trust_mw, trust_cp, lost_tender, control, autonomy,
               complexity, crowding_rate, reflection_time, alliance, trust_build_rate,
               trust_loss_rate, mech_crowding, mech_trust):
    """Workers and providers adapt (:meth:`Worker.adapt`, :meth:`Provider.adapt`): motivation
    crowded in or out, stress, and trust with managers and with the commissioner."""
    build = R.manager_trust_build(control, reflection_time)
    for w in range(provider_of.shape[0]):
        sanctioned[r, w] = sanction[r, provider_of[w]]
        if mech_crowding:
            m = motivation[r, w]
            motivation[r, w] = R.clip01(m + R.motivation_change(
                m, control, autonomy, trust_mw[r, w], complexity, 1.0 if knave[r, w] else 0.0,
                crowding_rate))
        fd = fd_sum[r, w]
        fd_share = fd / (n_case[w] + fd)
        settle = R.stress_target(admin[r, w], fd_share, sanctioned[r, w], futility[r, w],
                                 reflection_time)
        stress[r, w] = R.clip01(R.relax(stress[r, w], settle, R.STRESS_ADJUSTMENT))
        if mech_trust:
            t = trust_mw[r, w]
            loss = R.manager_trust_loss(sanctioned[r, w], caught[r, w], control)
            trust_mw[r, w] = R.clip01(t + R.trust_change(t, build, loss, trust_build_rate,
                                                         trust_loss_rate))
    if mech_trust:
        build_p = R.provider_trust_build(control, alliance)
        for p in range(trust_cp.shape[1]):
            t = trust_cp[r, p]
            loss = sanction[r, p] + caught_p[r, p] + lost_tender[r, p]
            trust_cp[r, p] = R.clip01(t + R.trust_change(t, build_p, loss, trust_build_rate,
                                                         trust_loss_rate))
            lost_tender[r, p] = 0.0


@register_jitable
def _pool_knowledge_rep(r, knowledge, provider_of, staff, alliance, rate, team, everyone):
    """Reflective practice (MODEL.md 5): each worker's general knowledge moves a share ``rate``
    toward a mix of their provider team's mean and everyone's (weight ``alliance``), in place.
    Means add workers in index order, as :meth:`CommissioningModel._pool_knowledge` does;
    ``team`` (P, A, A) and ``everyone`` (A, A) are scratch."""
    W, A = knowledge.shape[1], knowledge.shape[2]
    P = staff.shape[0]
    team[:] = 0.0
    for w in range(W):
        p = provider_of[w]
        for k in range(A):
            for a in range(A):
                team[p, k, a] += knowledge[r, w, k, a]
    for p in range(P):
        for k in range(A):
            for a in range(A):
                team[p, k, a] /= staff[p]
    everyone[:] = 0.0
    for p in range(P):
        for k in range(A):
            for a in range(A):
                everyone[k, a] += team[p, k, a] * staff[p]
    for k in range(A):
        for a in range(A):
            everyone[k, a] /= W
    for w in range(W):
        p = provider_of[w]
        for k in range(A):
            for a in range(A):
                pooled = (1 - alliance) * team[p, k, a] + alliance * everyone[k, a]
                knowledge[r, w, k, a] += rate * (pooled - knowledge[r, w, k, a])


@register_jitable
def _restart_relationships_rep(r, w, knowledge, profile, trust_wp, belief, restart_trust):
    """Everyone on worker ``w``'s caseload starts again with them: trust at ``restart_trust`` and
    beliefs from the worker's general knowledge of their situation
    (:meth:`Person.new_relationship`)."""
    n_people = trust_wp.shape[1]
    W = knowledge.shape[1]
    for i in range(w, n_people, W):
        trust_wp[r, i] = restart_trust
        for a in range(belief.shape[2]):
            belief[r, i, a] = knowledge[r, w, profile[r, i], a]


@register_jitable
def _hire_rep(r, w, u_knave, u_motivation, knave_share, prior, knave, motivation, stress,
              trust_mw, knowledge, sanctioned, caught, futility, last_reported_share,
              neglect_found, profile, trust_wp, belief):
    """A new hire in post ``w`` (:meth:`Worker.hire`): a knave or not, their motivation, fresh
    stress, trust and knowledge; their caseload's relationships restart."""
    k, m = R.new_hire(u_knave, u_motivation, knave_share)
    knave[r, w] = k
    motivation[r, w] = m
    stress[r, w] = R.NEW_STRESS
    trust_mw[r, w] = R.NEW_TRUST_MW
    for a in range(knowledge.shape[2]):
        for b in range(knowledge.shape[3]):
            knowledge[r, w, a, b] = prior[b]
    sanctioned[r, w] = 0.0
    caught[r, w] = 0.0
    futility[r, w] = 0.0
    last_reported_share[r, w] = 0.0
    neglect_found[r, w] = False
    _restart_relationships_rep(r, w, knowledge, profile, trust_wp, belief, R.RESTART_TRUST_WP)


@register_jitable
def _turnover_and_retender_rep(r, month, draws, at_turnover, at_hire_knave, at_hire_motivation,
                               at_tupe, at_tender_quality, at_tender_noise, at_tender_culture,
                               provider_of, base_turnover, mech_turnover, knave_share, prior,
                               retender_interval, mech_trust, reported_share, quality, culture,
                               trust_cp, lost_tender, leavers, tendered, knave, motivation,
                               stress, trust_mw, knowledge, sanctioned, caught, futility,
                               last_reported_share, neglect_found, profile, trust_wp, belief):
    """Turnover (:meth:`CommissioningModel._turnover`: neglect found, or leaving by chance) and
    re-tendering (:meth:`Commissioner.retender`: the lowest reported share, with noise, loses its
    contract; a new entrant; each of its staff stays or is replaced)."""
    W = provider_of.shape[0]
    P = quality.shape[1]
    n_leaving = 0
    for w in range(W):
        if neglect_found[r, w] or draws[at_turnover + w] < R.turnover_probability(
                stress[r, w], motivation[r, w], base_turnover, mech_turnover):
            n_leaving += 1
            _hire_rep(r, w, draws[at_hire_knave + w], draws[at_hire_motivation + w], knave_share,
                      prior, knave, motivation, stress, trust_mw, knowledge, sanctioned, caught,
                      futility, last_reported_share, neglect_found, profile, trust_wp, belief)
    leavers[r] = n_leaving
    tendered[r] = False
    if retender_interval <= 0 or month % retender_interval != 0 or P < 2:
        return
    tendered[r] = True
    loser = 0
    best = R.tender_score(reported_share[r, 0], draws[at_tender_noise])
    for p in range(1, P):
        score = R.tender_score(reported_share[r, p], draws[at_tender_noise + p])
        if score < best:
            best = score
            loser = p
    for p in range(P):
        lost_tender[r, p] = (R.LOST_TENDER_TRUST_LOSS if p == loser
                            else R.COMPETITION_TRUST_LOSS)
    quality[r, loser] = R.provider_quality(draws[at_tender_quality + loser])
    culture[r, loser] = R.provider_culture(draws[at_tender_culture + loser])
    if mech_trust:
        trust_cp[r, loser] = R.ENTRANT_TRUST_CP
    for w in range(W):
        if provider_of[w] != loser:
            continue
        if draws[at_tupe + w] < R.TUPE_REPLACED_SHARE:
            leavers[r] += 1
            _hire_rep(r, w, draws[at_hire_knave + w], draws[at_hire_motivation + w], knave_share,
                      prior, knave, motivation, stress, trust_mw, knowledge, sanctioned, caught,
                      futility, last_reported_share, neglect_found, profile, trust_wp, belief)
        else:
            _restart_relationships_rep(r, w, knowledge, profile, trust_wp, belief,
                                       R.RESTART_TRUST_WP)


@compiled.jit
def months(first, streams, kinds, starts, stops, width, inside, height, zig_r, zig_inv_r, size,
           at_local, at_standard, at_explore, at_pick, at_shock, at_shift, at_need_u1, at_need_u2,
           at_need_pick, at_obs_noise, at_ext_innovation, at_audit, at_misreport, at_signal,
           at_coproduce, at_detect, at_turnover, at_hire_knave, at_hire_motivation, at_tupe,
           at_tender_quality, at_tender_noise, at_tender_culture,
           # fixed structure
           n_case, provider_of, person_provider, provider_people, provider_staff, exposed,
           exposed_share, prior,
           # providers and the commissioner
           quality, culture, local, trust_cp, reported_share, sanction, caught_p, lost_tender,
           barriers, target, leavers, tendered,
           # workers
           knave, motivation, gaming, admin, gaming_time, direct, withheld, reported, misreported,
           stress, trust_mw, knowledge, sanctioned, caught, futility, neglect_found,
           last_reported_share, fd_sum, effort_w, allocating, explore_p, focus_w,
           # people
           failure_demand, observed, belief, trust_wp, need, park, planned_on, approach, fit,
           effort, focus, help, speed, factors, base, wellbeing, profile, external, reported_value,
           knows,
           # the regime's levers this month
           pressure, control, autonomy, pool_rate, audit_rate, admin_share, reflection_time,
           collaboration_time, standardisation, alliance, coproduction, peer_accountability,
           stewardship, target_pressure, target_ratchet, retender_interval, pbr_share,
           # the world's parameters
           alpha, lam, complexity, shock_sd, nominal_caseload, line, gaming_max, focus_gain,
           exploration, failure_demand_load, standard_efficiency, misfit_effect, help_gain,
           barrier_harm, recovery_rate, need_shift_rate, n_approaches, measurement_noise,
           learning_step, case_discussion, trust_build_rate, trust_loss_rate, crowding_rate,
           base_turnover, knave_share,
           # mechanisms (1.0 on, 0.0 off)
           mech_substitution, mech_misreport, mech_focus, mech_neglect, mech_ratchet,
           mech_threshold, mech_creaming, mech_barriers, mech_failure_demand, mech_learning,
           mech_trust, mech_crowding, mech_turnover,
           # the metrics
           fixed_cost, wage_cost, tender_cost, counts, out):
    """Months ``first``, ``first + 1``, ... of the model for every replication, one replication at
    a time, each month in the Mesa model's order
    (:meth:`hlssim.engines.mesa.model.CommissioningModel.step`): the month's draws (the run's SFC64 stream,
    :func:`hlssim.model.stream.fill_row`), the workers' plan (:func:`_plan_workers_rep`), the people's plan
    (:func:`_plan_rep`), the drift of each area's outside forces, live (:func:`_live_rep`), report
    and learn (:func:`_report_rep`), the providers' aggregates, the commissioner's oversight,
    adaptation, pooled knowledge, turnover and re-tendering, then the month's metrics
    (:func:`hlssim.model.metrics.metrics_row`) into ``out[:, k]`` for month ``first + k``
    (``out``: replications, months, metrics). ``first`` is 1 for a run's first month.

    Running every month of one replication before the next keeps its arrays in cache and needs no
    Python between phases or months; each replication gets what a run of its own gives, bit for
    bit (replications share nothing). The regime's levers hold for all the months of a call."""
    n_reps = streams.shape[0]
    draws = np.empty(size)
    team = np.empty((local.shape[1], knowledge.shape[2], knowledge.shape[3]))
    everyone = np.empty((knowledge.shape[2], knowledge.shape[3]))
    allocating_on = bool(mech_threshold) or bool(mech_creaming)
    for r in range(n_reps):
        for k in range(out.shape[1]):
            month = first + k
            month_out = out[:, k]
            S.fill_row(streams, r, draws, kinds, starts, stops, width, inside, height, zig_r,
                zig_inv_r)
            _plan_workers_rep(r, provider_of, motivation, trust_mw, culture, knave,
                last_reported_share, target, pressure, alpha, audit_rate, gaming_max, admin_share,
                reflection_time, collaboration_time, mech_substitution, mech_misreport, focus_gain,
                mech_focus, mech_neglect, mech_ratchet, target_ratchet, allocating_on, exploration,
                control, gaming, admin, direct, withheld, gaming_time, effort_w, allocating,
                explore_p, focus_w)
            _plan_rep(r, n_case, provider_of, direct, effort_w, allocating, gaming, explore_p,
                focus_w, quality, failure_demand, observed, belief, trust_wp, need, draws,
                at_standard, at_explore, at_pick, nominal_caseload, line, failure_demand_load,
                bool(mech_threshold), bool(mech_creaming), pbr_share, standardisation,
                standard_efficiency, misfit_effect, collaboration_time, alliance, complexity,
                help_gain, park, planned_on, approach, fit, effort, focus, help, speed)
            for p in range(local.shape[1]):
                local[r, p] = R.outside_drift(local[r, p], draws[at_local + p])
            _live_rep(r, person_provider, factors, base, exposed, barriers, focus, help, wellbeing,
                observed, need, profile, external, failure_demand, effort, fit, local, draws,
                at_shock, at_shift, at_need_u1, at_need_u2, at_need_pick, at_obs_noise,
                at_ext_innovation, bool(mech_barriers), barrier_harm, recovery_rate, shock_sd,
                need_shift_rate, complexity, n_approaches, measurement_noise, lam, alpha,
                mech_failure_demand)
            _report_rep(r, n_case, knave, gaming, observed, fit, effort, approach, profile, need,
                park, belief, knowledge, trust_wp, failure_demand, draws, at_audit, at_misreport,
                at_signal, at_coproduce, at_detect, line, audit_rate, mech_misreport, learning_step,
                case_discussion, alpha, bool(mech_learning), coproduction, bool(mech_trust),
                trust_build_rate, trust_loss_rate, bool(mech_neglect), peer_accountability,
                reflection_time, alliance, pressure, reported_value, reported, misreported, caught,
                last_reported_share, futility, neglect_found, fd_sum)
            _aggregate_rep(r, provider_of, reported, caught, provider_people, reported_share,
                caught_p)
            _oversee_rep(r, month, reported_share, trust_cp, exposed_share, target, sanction,
                barriers, target_pressure, target_ratchet, mech_learning, reflection_time,
                stewardship, mech_barriers)
            _adapt_rep(r, provider_of, n_case, knave, admin, fd_sum, futility, caught, sanction,
                caught_p, sanctioned, motivation, stress, trust_mw, trust_cp, lost_tender, control,
                autonomy, complexity, crowding_rate, reflection_time, alliance, trust_build_rate,
                trust_loss_rate, mech_crowding, mech_trust)
            if pool_rate > 0:
                _pool_knowledge_rep(r, knowledge, provider_of, provider_staff, alliance, pool_rate,
                                    team, everyone)
            _turnover_and_retender_rep(r, month, draws, at_turnover, at_hire_knave,
                at_hire_motivation, at_tupe, at_tender_quality, at_tender_noise, at_tender_culture,
                provider_of, base_turnover, mech_turnover, knave_share, prior, retender_interval,
                mech_trust, reported_share, quality, culture, trust_cp, lost_tender, leavers,
                tendered, knave, motivation, stress, trust_mw, knowledge, sanctioned, caught,
                futility, last_reported_share, neglect_found, profile, trust_wp, belief)
            for i in range(need.shape[1]):
                knows[r, i] = _best_believed(belief, r, i) == need[r, i]
            M.metrics_row(r, wellbeing, failure_demand, effort, reported_value, planned_on, park,
                trust_wp, fit, knows, reported, misreported, gaming_time, gaming, motivation,
                stress, trust_mw, admin, withheld, direct, knave, n_case, trust_cp, quality,
                culture, barriers, target, leavers, tendered, line, mech_substitution, fixed_cost,
                wage_cost, tender_cost, counts, month_out)
