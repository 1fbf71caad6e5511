"""The agents of the Mesa engine: people, frontline workers, providers and the commissioner.

Each agent owns its state and changes only its own state (or, for a worker, the relationship state
it holds with the people on its caseload), in phases the model runs one after another, so the
update is synchronous. The formulas are in :mod:`hlssim.model.rules`; the random draws are read from the
step's arrays by index (:mod:`hlssim.model.draws`).
"""

from __future__ import annotations

import mesa

from hlssim.model import rules as R
from hlssim.model.draws import draw_need, pick
from hlssim.model.state import start_agent


def ordered_sum(values) -> float:
    """The sum of floats added left to right, as the compiled engine adds them. (From Python 3.12,
    the built-in ``sum`` compensates its rounding for floats, so its last bit can differ from a
    plain loop's: the engines would then no longer agree to the bit.)"""
    total = 0.0
    for value in values:
        total += value
    return total


class Person(mesa.Agent):
    """A person whose wellbeing emerges from interacting life factors (MODEL.md 1).

    ``need`` (which approach helps them) is hidden from workers; ``profile`` (their presenting
    situation) is visible. ``belief`` is what their current worker believes of each approach's
    fit for them: it belongs to the relationship and is lost when the worker changes.
    """

    def __init__(self, model, idx, factors, base, profile, need, external, exposure, belief):
        super().__init__(model)
        self.idx = idx
        self.factors = factors
        self.base = base
        self.profile = profile
        self.need = need
        self.external = external
        self.exposure = exposure  # barrier indices this person is exposed to
        self.belief = belief
        self.worker = None
        # trust, failure demand and what the worker did this month (hlssim.model.state.FIELDS)
        start_agent(self, "person")
        self.refresh_outcomes(0.0, R.START_LOCAL)
        self.reported_value = self.observed
        self.planned_on = self.observed

    def refresh_outcomes(self, obs_noise: float, local: float) -> None:
        """True wellbeing, and what the indicator observes (``local``: the area's outside forces)."""
        m = self.model
        f = self.factors
        self.wellbeing = R.wellbeing(ordered_sum(f) / len(f), min(f), m.lam)
        outside = R.outside_forces(self.external, local)
        self.observed = R.observed_outcome(
            self.wellbeing, f[R.MEASURED_FACTOR], outside, obs_noise, m.complexity, m.alpha
        )

    def new_relationship(self, worker) -> None:
        """A new worker: trust starts again and their knowledge of this person is general only."""
        self.worker = worker
        self.trust_wp = R.RESTART_TRUST_WP
        self.belief = list(worker.knowledge[self.profile])

    def live(self) -> None:
        """Phase 2: a month of life: help received, drift, barriers, shocks, shifting needs."""
        m = self.model
        d = m.draws
        i = self.idx
        s = m.sp
        barrier_pressure = 0.0
        if m.mech_barriers:
            for j in self.exposure:
                barrier_pressure += m.commissioner.barriers[j]
            barrier_pressure *= s.barrier_harm
        spread = 1.0 - self.focus
        concentrated = spread + self.focus * R.N_FACTORS
        sd = m.shock_sd
        shocks = d.shock[i]
        old_w = self.wellbeing
        base, recovery, hlp = self.base, s.recovery_rate, self.help
        new = []
        for k, f in enumerate(self.factors):
            h = hlp * (concentrated if k == R.MEASURED_FACTOR else spread)
            f += R.factor_change(f, base, h, recovery, barrier_pressure, sd * shocks[k])
            new.append(0.0 if f < 0.0 else (1.0 if f > 1.0 else f))
        self.factors = new
        if d.u_shift[i] < s.need_shift_rate * m.complexity:
            self.need = draw_need(d.need_u1[i], d.need_u2[i], d.need_pick[i], self.profile,
                                  m.complexity, m.n_approaches)
        self.external = R.outside_drift(self.external, d.ext_innovation[i])
        self.refresh_outcomes(s.measurement_noise * d.obs_noise[i], self.worker.provider.local)
        drop = R.wellbeing_drop(old_w, self.wellbeing)
        self.failure_demand = max(0.0, self.failure_demand + R.failure_demand_change(
            self.failure_demand, self.effort, self.fit, drop, m.mech_failure_demand))


class Worker(mesa.Agent):
    """A frontline worker: divides time, chooses approaches, games or not, learns, may leave."""

    def __init__(self, model, idx, provider, knave, motivation):
        super().__init__(model)
        self.idx = idx
        self.provider = provider
        self.caseload: list[Person] = []
        # this month's record of the post, kept when the holder changes mid-month, and the
        # holder's own state (hlssim.model.state.FIELDS)
        start_agent(self, "worker")
        self.hire(knave, motivation)

    def hire(self, knave: bool, motivation: float) -> None:
        """(Re)start this post with a new person in it: no relationships, general knowledge only."""
        m = self.model
        self.knave = knave
        self.motivation = motivation
        start_agent(self, "worker", on_hire=True)  # stress, trust, sanctions... start again
        self.knowledge = [list(row) for row in m.prior_knowledge]
        for person in self.caseload:
            person.new_relationship(self)

    # --- phase 1 ----------------------------------------------------------------------------------
    def plan(self) -> None:
        """Phase 1: split time, decide how far to game, allocate effort and choose approaches."""
        m = self.model
        s = m.rp
        d = m.draws
        sig = m.signals
        gaming = R.gaming_intensity(sig.pressure, m.alpha, self.motivation, s.audit_rate,
                                    self.trust_mw, m.sp.gaming_max) * self.provider.culture
        self.gaming = gaming
        admin = R.admin_time(s.indicators, s.reports_per_year, s.pbr_share, self.last_reported_share,
                             1.0 if self.audited else 0.0, 1.0 if m.tendered else 0.0,
                             s.reflection_time)
        substitution, misreport_time = R.gaming_time(gaming, m.mech_substitution, m.mech_misreport)
        direct = max(0.0, 1.0 - admin - s.reflection_time - s.collaboration_time
                     - substitution - misreport_time)
        case = self.caseload
        n_case = len(case)
        fd_total = ordered_sum(p.failure_demand for p in case)
        load = m.sp.failure_demand_load * fd_total
        direct_effective = direct * n_case / (n_case + load) if n_case else 0.0
        effort = R.effort_level(self.motivation, sig.pressure, m.alpha, m.sp.focus_gain,
                                m.mech_focus)
        if self.knave and m.mech_neglect:
            effort *= R.NEGLECT_EFFORT
        withheld = 0.0
        if m.mech_ratchet and s.target_ratchet > 0 and self.last_reported_share > m.commissioner.target:
            withheld = R.ratchet_holdback(gaming, self.last_reported_share, m.commissioner.target)
            effort *= 1.0 - withheld
        allocating = (R.threshold_allocation(gaming, s.pbr_share)
                      if (m.mech_threshold or m.mech_creaming) else 0.0)
        self.admin = admin
        self.direct = direct
        self.withheld = withheld
        self.gaming_time = substitution + misreport_time + direct * (allocating + withheld)
        if not n_case:
            return
        line = m.sp.outcome_line
        # Effort goes by need; a share `allocating` of it goes by the gamer's rule instead (people
        # just under the line); parking then cuts hard cases' share. Both rules are normalised
        # first, so `allocating` is the share of effort misdirected.
        need_w = [R.need_weight(p.observed) for p in case]
        game_w = [R.threshold_weight(p.observed, line) for p in case] if m.mech_threshold else need_w
        need_total, game_total = ordered_sum(need_w), ordered_sum(game_w)
        weights = []
        for p, nw, gw in zip(case, need_w, game_w):
            park = R.parking_multiplier(p.observed, line, gaming, s.pbr_share) if m.mech_creaming else 1.0
            p.park = park
            p.planned_on = p.observed
            weights.append(((1.0 - allocating) * nw / need_total + allocating * gw / game_total) * park)
        total = ordered_sum(weights)
        per_person = direct_effective * effort * m.nominal_caseload / n_case
        per_unit = per_person * n_case / total if total > 0 else 0.0
        focus = gaming * m.mech_substitution
        explore_p = R.exploration_chance(m.sp.exploration, sig.control, self.trust_mw)
        q = self.provider.quality
        standard_speed = 1.0 + m.sp.standard_efficiency
        for p, wgt in zip(case, weights):
            i = p.idx
            speed = 1.0
            if d.u_standard[i] < s.standardisation:
                a = 0
                speed = standard_speed
            elif d.u_explore[i] < explore_p:
                a = pick(d.explore_pick[i], m.n_approaches)
            else:
                b = p.belief
                a = b.index(max(b))
            fit = R.fit_of(a, p.need, m.sp.misfit_effect)
            fit = R.collaboration_cover(fit, s.collaboration_time, s.alliance, m.complexity)
            p.approach = a
            p.fit = fit
            p.effort = per_unit * wgt
            p.focus = focus
            p.help = (m.sp.help_gain * speed * p.effort * fit
                      * R.relationship_quality(p.trust_wp, m.complexity) * q)

    # --- phase 3 ----------------------------------------------------------------------------------
    def report_and_learn(self) -> None:
        """Phase 3: report outcomes (honestly or not), face audit, learn from what happened."""
        m = self.model
        s = m.rp
        d = m.draws
        line = m.sp.outcome_line
        misreport_p = R.misreport_probability(self.gaming, m.mech_misreport)
        audited = d.u_audit[self.idx] < s.audit_rate
        step = R.learning_step_size(m.sp.learning_rate, s.reflection_time) * m.mech_learning
        trust_on = m.mech_trust
        case_discussion = R.case_discussion_rate(m.signals.pool_rate, m.mech_learning)
        reported = misreported = 0
        fit_sum = 0.0
        lift_sum = 0.0
        gaming = self.gaming
        know = self.knowledge
        fiddled = []
        for p in self.case_iter():
            i = p.idx
            p.reported_value = p.observed
            if p.observed > line:
                reported += 1
            elif (d.u_misreport[i] < misreport_p
                  and R.misreport_payoff(p.observed, line, s.audit_rate) > 0.0):
                misreported += 1
                fiddled.append(p)
                p.reported_value = R.misreported_value(line)
            fit_sum += p.fit
            factor_total = 0.0
            for f in p.factors:
                factor_total += f
            lift_sum += R.life_lift(factor_total, p.base)
            if p.effort > R.LEARNING_EFFORT_MIN and step > 0:
                a = p.approach
                signal = R.learning_signal(p.fit, d.signal_noise[i], m.alpha, gaming * m.mech_misreport)
                p.belief[a] += step * (signal - p.belief[a])
                row = know[p.profile]
                row[a] += R.knowledge_step(step) * (signal - row[a])
            if case_discussion > 0:
                # Reflective practice brings the team's experience of similar cases to this one.
                row = know[p.profile]
                b = p.belief
                for a in range(len(b)):
                    b[a] += case_discussion * (row[a] - b[a])
            if m.mech_learning and d.u_coproduce[i] < s.coproduction:
                p.belief[p.need] += R.coproduction_gain(p.belief[p.need])
            if trust_on:
                build, loss = R.person_trust_drivers(p.effort, p.park, gaming, p.fit)
                p.trust_wp = R.clip01(p.trust_wp + R.trust_change(
                    p.trust_wp, build, loss, m.sp.trust_rate))
        self.audited = audited
        found = 0
        if audited:
            # The audit re-checks each case; it sees a false report the more plainly the further
            # it is from the truth. What it sees is struck out.
            for p in fiddled:
                if d.u_audit_sees[p.idx] < R.audit_sees_misreport(p.reported_value - p.observed):
                    found += 1
                    p.reported_value = p.observed
            misreported -= found
        self.caught = 1.0 if found > 0 else 0.0
        n = len(self.caseload)
        self.reported = reported + misreported
        self.misreported = misreported
        self.last_reported_share = self.reported / n if n else 0.0
        self.futility = 1.0 - fit_sum / n if n else 0.0
        self.caseload_lift = lift_sum / n if n else 0.0
        # Neglect found: by audit, by peers in reflective practice, or by poor attributable numbers.
        self.neglect_found = False
        if self.knave and m.mech_neglect:
            p_find = R.neglect_detection(audited, s.peer_accountability, s.reflection_time, s.alliance,
                                         m.signals.pressure, m.alpha, m.complexity)
            self.neglect_found = d.u_detect[self.idx] < p_find

    def case_iter(self):
        return iter(self.caseload)

    # --- phase 5 ----------------------------------------------------------------------------------
    def adapt(self) -> None:
        """Phase 5: motivation, stress and trust in the manager respond to the month."""
        m = self.model
        s = m.rp
        sig = m.signals
        sanctioned = self.provider.sanction
        self.sanctioned = sanctioned
        if m.mech_crowding:
            self.motivation = R.clip01(self.motivation + R.motivation_change(
                self.motivation, sig.control, sig.autonomy, self.trust_mw, m.complexity,
                1.0 if self.knave else 0.0, m.sp.crowding_rate))
        n = len(self.caseload)
        fd = ordered_sum(p.failure_demand for p in self.caseload)
        fd_share = fd / (n + fd) if n else 0.0
        target = R.stress_target(self.admin, fd_share, sanctioned, self.futility, s.reflection_time)
        self.stress = R.clip01(R.relax(self.stress, target, R.STRESS_ADJUSTMENT))
        if m.mech_trust:
            sight = R.supervision_sight(s.reflection_time) * R.contact(self.trust_mw)
            good, bad = R.results_seen(sight, self.caseload_lift, sig.pressure,
                                       R.target_met(m.commissioner.target, self.last_reported_share))
            build = R.manager_trust_build(sig.control, s.reflection_time, good)
            loss = R.manager_trust_loss(sanctioned, self.caught, sig.control, bad)
            self.trust_mw = R.clip01(self.trust_mw + R.trust_change(
                self.trust_mw, build, loss, m.sp.trust_rate))

    def pool_knowledge(self, pooled) -> None:
        """Reflective practice pulls a worker's general knowledge toward the team's (MODEL.md 5)."""
        rate = self.model.signals.pool_rate
        if rate <= 0:
            return
        for row, target in zip(self.knowledge, pooled):
            for a in range(len(row)):
                row[a] += rate * (target[a] - row[a])


class Provider(mesa.Agent):
    """A provider organisation holding a contract (a lot of people) and employing workers."""

    def __init__(self, model, idx, quality, culture):
        super().__init__(model)
        self.idx = idx
        self.quality = quality  # how much its help helps (management, practice)
        self.culture = culture  # how readily its staff game, relative to others (0.5 to 1.5)
        self.workers: list[Worker] = []
        start_agent(self, "provider")  # outside forces in its area, trust, this month's record

    def drift(self) -> None:
        """Phase 1b: outside forces in the provider's area move (an AR(1) process)."""
        self.local = R.outside_drift(self.local, self.model.draws.local_innovation[self.idx])

    def people(self):
        for w in self.workers:
            yield from w.caseload

    def aggregate(self) -> None:
        """Phase 4a: the provider's reported indicator and whether any gaming was caught."""
        n = sum(len(w.caseload) for w in self.workers)
        self.reported_share = sum(w.reported for w in self.workers) / n if n else 0.0
        self.staff_caught = max((w.caught for w in self.workers), default=0.0)
        self.staff_neglect_found = max((1.0 if w.neglect_found else 0.0 for w in self.workers),
                                       default=0.0)
        self.lives_lift = (ordered_sum(w.caseload_lift * len(w.caseload) for w in self.workers) / n
                           if n else 0.0)

    def adapt(self) -> None:
        """Phase 5: trust between commissioner and provider."""
        m = self.model
        if not m.mech_trust:
            return
        s = m.rp
        sight = R.review_sight(s.reflection_time, s.stewardship) * R.contact(self.trust_cp)
        good, bad = R.results_seen(sight, self.lives_lift, m.signals.pressure,
                                   R.target_met(m.commissioner.target, self.reported_share))
        build = R.provider_trust_build(m.signals.control, s.alliance, good)
        loss = R.provider_trust_loss(self.sanction, self.staff_caught, self.staff_neglect_found,
                                     self.lost_tender, bad)
        self.trust_cp = R.clip01(self.trust_cp + R.trust_change(
            self.trust_cp, build, loss, m.sp.trust_rate))
        self.lost_tender = 0.0


class Commissioner(mesa.Agent):
    """The commissioner: holds the regime, sanctions on reports, re-tenders, stewards the system."""

    def __init__(self, model, target):
        super().__init__(model)
        self.target = target
        self.barriers = [1.0] * R.N_BARRIERS

    def oversee(self) -> None:
        """Phase 4b: sanctions on reported shortfalls, the target ratchet, barrier removal."""
        m = self.model
        s = m.rp
        for p in m.providers:
            p.sanction = R.sanction(self.target, p.reported_share, s.target_pressure)
        mean_reported = ordered_sum(p.reported_share for p in m.providers) / len(m.providers)
        if s.target_ratchet > 0 and R.ratchet_due(m.steps):
            self.target = R.ratcheted_target(self.target, s.target_ratchet, mean_reported)
        # Barriers: workers see what a barrier does to the people they help (and hear it where
        # people co-produce); it is acted on where learning is escalated through reflective
        # practice and trust to stewards, or where a performance review traces a shortfall to it.
        connection = R.escalation_connection(m.mech_learning, s.reflection_time,
                                             ordered_sum(p.trust_cp for p in m.providers),
                                             len(m.providers))
        action = R.barrier_action(s.stewardship, connection,
                                  R.review_strength(s.target_pressure, m.alpha, mean_reported),
                                  m.mech_learning)
        evidence = [0.0] * R.N_BARRIERS
        for person in m.people:
            seen = R.barrier_seen(person.help, s.coproduction)
            for j in person.exposure:
                evidence[j] += seen
        for j in range(R.N_BARRIERS):
            self.barriers[j] = R.clip01(self.barriers[j] + R.barrier_change(
                self.barriers[j], evidence[j] / len(m.people), action, m.mech_barriers))

    def retender(self) -> int | None:
        """Phase 6: on a tender month, the provider with the worst reported score withdraws and a
        new entrant takes its lot; TUPE keeps about half the staff, every relationship on the lot
        starts again. Returns the number of staff replaced, or None if no tender was held."""
        m = self.model
        s = m.rp
        interval = s.retender_interval
        if interval <= 0 or m.steps % interval != 0 or len(m.providers) < 2:
            return None
        d = m.draws
        scores = [R.tender_score(p.reported_share, d.tender_noise[p.idx]) for p in m.providers]
        loser = m.providers[scores.index(min(scores))]
        for p in m.providers:
            p.lost_tender = R.COMPETITION_TRUST_LOSS  # competition itself erodes trust
        loser.lost_tender = R.LOST_TENDER_TRUST_LOSS
        loser.quality = R.provider_quality(d.tender_quality[loser.idx])
        loser.culture = R.provider_culture(d.tender_culture[loser.idx])
        if m.mech_trust:
            loser.trust_cp = R.ENTRANT_TRUST_CP
        replaced = 0
        for w in loser.workers:
            if d.u_tupe[w.idx] < R.TUPE_REPLACED_SHARE:
                m.replace_worker(w)
                replaced += 1
            else:
                for person in w.caseload:
                    person.new_relationship(w)
        return replaced
