"""The batch engine: the agent model's rules over numpy arrays, many replications at once.

State is held as arrays shaped (replications, agents, ...); each phase of the Mesa model's month
(:mod:`hlssim.abm.model`) is applied to all agents of all replications together, with the same
rule functions (:mod:`hlssim.rules`), the same draws in the same order (:mod:`hlssim.draws`, one
generator per replication) and the same metric definitions (:mod:`hlssim.metrics`). The result is
the Mesa engine's table to rounding (tests check ``rtol=1e-9``), much faster.

Two details keep it exact:
- sums over a caseload add people in caseload order (``np.bincount`` accumulates in input order,
  as Python's ``sum`` does over the Mesa caseload list);
- a worker's general knowledge is updated person by person through the caseload, so that one
  update (and the case discussion that reads it) runs as a loop over caseload positions,
  vectorised across workers and replications.

Caseloads never change membership (person ``i`` is on worker ``i % n_workers``, worker ``w`` at
provider ``w % n_providers``); only relationships restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pandas as pd

from hlssim import rules as R
from hlssim.draws import draw_need, initial_draws, make_rng, pick, step_draw_shapes, step_draws
from hlssim.metrics import METRIC_NAMES, StateArrays, metrics_from_arrays
from hlssim.scenario import Scenario
from hlssim.stepping import run_steps


def _prior_row(n_approaches: int) -> np.ndarray:
    return np.array(R.prior_belief(n_approaches))


class BatchModel:
    """R replications of one scenario, as arrays. ``seeds`` gives each replication's seed."""

    def __init__(self, scenario: Scenario, seeds: Sequence[int | np.random.SeedSequence]):
        s = self.scenario = scenario
        self.sp = SimpleNamespace(**scenario.to_dict())
        self.rp = self.sp
        self.regime = scenario
        self.rngs = [make_rng(seed) for seed in seeds]
        self.R = R_ = len(self.rngs)
        N, W, P, A = s.n_people, s.n_workers, s.n_providers, s.n_approaches
        self.N, self.W, self.P, self.A = N, W, P, A
        self.complexity = c = s.complexity
        self.lam = R.interaction_weight(c, s.interaction_strength)
        self.alpha = R.attribution_share(c, s.attribution_loss, float(s.mech_attribution))
        self.shock_sd = R.shock_sd(s.shock_size, c)
        self.nominal_caseload = N / W
        self.prior = _prior_row(A)
        for name, value in R.mechanism_switches(s).items():
            setattr(self, name, value)
        self._switched = s.switched_regime() if s.switch_step else None
        # Fixed structure
        self.worker_of = np.arange(N) % W  # (N,)
        self.provider_of = np.arange(W) % P  # (W,)
        self.person_provider = self.provider_of[self.worker_of]  # (N,)
        self.n_case = np.bincount(self.worker_of, minlength=W)  # (W,)
        self.provider_people = np.bincount(self.provider_of, weights=self.n_case, minlength=P)
        self.provider_staff = np.bincount(self.provider_of, minlength=P)
        self.flat_worker = (np.arange(R_)[:, None] * W + self.worker_of[None, :]).ravel()
        self.rep_index = np.arange(R_)[:, None]
        self.steps = 0
        self._draw_buffers = None
        self._build()
        self._derive_regime()
        self.rows: list[dict[str, np.ndarray]] = []

    # --- helpers ----------------------------------------------------------------------------------
    def per_worker_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum a (R, N) array over each caseload, adding people in caseload order."""
        out = np.bincount(self.flat_worker, weights=values.ravel().astype(float), minlength=self.R * self.W)
        return out.reshape(self.R, self.W)

    def _stack_initial(self):
        s = self.scenario
        draws = [initial_draws(rng, s.n_people, s.n_workers, s.n_providers) for rng in self.rngs]
        return SimpleNamespace(**{k: np.stack([getattr(d, k) for d in draws]) for k in vars(draws[0])})

    def _stack_step(self):
        """This step's draws for every replication, each from its own generator, into buffers."""
        s = self.scenario
        if self._draw_buffers is None:
            shapes = step_draw_shapes(s.n_people, s.n_workers, s.n_providers)
            self._draw_buffers = {k: np.empty((self.R,) + shape) for k, shape in shapes.items()}
        buffers = self._draw_buffers
        for r, rng in enumerate(self.rngs):
            step_draws(rng, s.n_people, s.n_workers, s.n_providers, out={k: b[r] for k, b in buffers.items()})
        return SimpleNamespace(**buffers)

    # --- set-up -----------------------------------------------------------------------------------
    def _build(self) -> None:
        s = self.scenario
        d = self._stack_initial()
        R_, N, W, P, A = self.R, self.N, self.W, self.P, self.A
        self.quality = R.provider_quality(d.provider_quality)
        self.culture = R.provider_culture(d.provider_culture)
        self.local = np.full((R_, P), 0.5)
        self.trust_cp = np.full((R_, P), R.START_TRUST_CP)
        self.reported_share = np.zeros((R_, P))
        self.sanction = np.zeros((R_, P))
        self.caught_p = np.zeros((R_, P))
        self.lost_tender = np.zeros((R_, P))
        # workers
        self.knave, self.motivation = self._new_hire(d.worker_knave, d.worker_motivation)
        self.gaming = np.zeros((R_, W))
        self.admin = np.zeros((R_, W))
        self.gaming_time = np.zeros((R_, W))
        self.direct = np.zeros((R_, W))
        self.withheld = np.zeros((R_, W))
        self.reported = np.zeros((R_, W), dtype=np.int64)
        self.misreported = np.zeros((R_, W), dtype=np.int64)
        self.stress = np.full((R_, W), R.NEW_STRESS)
        self.trust_mw = np.full((R_, W), R.NEW_TRUST_MW)
        self.knowledge = np.broadcast_to(self.prior, (R_, W, A, A)).copy()
        self.sanctioned = np.zeros((R_, W))
        self.caught = np.zeros((R_, W))
        self.futility = np.zeros((R_, W))
        self.neglect_found = np.zeros((R_, W), dtype=bool)
        self.last_reported_share = np.zeros((R_, W))
        # people
        self.base = R.baseline(d.base)
        self.factors = R.clip01(self.base[..., None] + 0.1 * d.factor_noise)
        self.profile = pick(d.profile, A)
        self.need = draw_need(d.need_u1, d.need_u2, d.need_pick, self.profile, s.complexity, A)
        exposure_p = R.barrier_exposure_chance(s.complexity)
        self.exposed = d.barrier_exposure < exposure_p  # (R, N, B)
        self.exposed_share = self.exposed.sum(axis=1) / N  # (R, B)
        self.external = d.external.copy()
        self.belief = np.broadcast_to(self.prior, (R_, N, A)).copy()
        self.trust_wp = np.full((R_, N), R.START_TRUST_WP)
        self.failure_demand = np.zeros((R_, N))
        self.wellbeing, self.observed = self._outcomes(np.zeros((R_, N)), np.full((R_, N), 0.5))
        self.reported_value = self.observed.copy()
        self.planned_on = self.observed.copy()
        self.effort = np.zeros((R_, N))
        self.approach = np.zeros((R_, N), dtype=np.int64)
        self.fit = np.ones((R_, N))
        self.help = np.zeros((R_, N))
        self.focus = np.zeros((R_, N))
        self.park = np.ones((R_, N))
        # commissioner
        self.target = np.full(R_, s.target_level)
        self.barriers = np.ones((R_, R.N_BARRIERS))
        self.leavers = np.zeros(R_, dtype=np.int64)
        self.tendered = np.zeros(R_, dtype=bool)

    def _new_hire(self, u_knave: np.ndarray, u_motivation: np.ndarray):
        return R.new_hire(u_knave, u_motivation, self.scenario.knave_share)

    def _derive_regime(self) -> None:
        signals = R.regime_signals(self.regime, self.mech_pooling)
        self.control = signals["control"]
        self.pressure = signals["pressure"]
        self.autonomy = signals["autonomy"]
        self.pool_rate = signals["pool_rate"]

    def _outcomes(self, obs_noise: np.ndarray, local: np.ndarray):
        f = self.factors
        total = f[..., 0] + f[..., 1]
        for k in range(2, f.shape[-1]):
            total = total + f[..., k]
        w = R.wellbeing(total / f.shape[-1], f.min(axis=-1), self.lam)
        outside = 0.5 * (self.external + local)
        observed = R.observed_outcome(w, f[..., R.MEASURED_FACTOR], outside, obs_noise,
                                      self.complexity, self.alpha)
        return w, observed

    def _replace(self, mask: np.ndarray, d) -> None:
        """Fill the posts in ``mask`` (R, W) with new hires; their caseloads' relationships restart."""
        if not mask.any():
            return
        knave, motivation = self._new_hire(d.u_hire_knave, d.hire_motivation)
        self.knave = np.where(mask, knave, self.knave)
        self.motivation = np.where(mask, motivation, self.motivation)
        self.stress = np.where(mask, R.NEW_STRESS, self.stress)
        self.trust_mw = np.where(mask, R.NEW_TRUST_MW, self.trust_mw)
        self.knowledge[mask] = self.prior
        for name in ("sanctioned", "caught", "futility", "last_reported_share"):
            setattr(self, name, np.where(mask, 0.0, getattr(self, name)))
        self.neglect_found = self.neglect_found & ~mask
        self._restart_relationships(mask[:, self.worker_of])

    def _restart_relationships(self, person_mask: np.ndarray) -> None:
        """People in ``person_mask`` (R, N) start again with their worker's current knowledge."""
        if not person_mask.any():
            return
        reps, people = np.nonzero(person_mask)
        self.trust_wp[reps, people] = R.RESTART_TRUST_WP
        self.belief[reps, people] = self.knowledge[reps, self.worker_of[people], self.profile[reps, people]]

    # --- the month --------------------------------------------------------------------------------
    def step(self) -> None:
        s = self.scenario
        self.steps += 1
        if self._switched is not None and self.steps == s.switch_step:
            self.regime = self._switched
            self.rp = SimpleNamespace(**self._switched.to_dict())
            self.target = np.full(self.R, self.regime.target_level)
            self._derive_regime()
        d = self._stack_step()
        self._plan(d)
        self.local = R.clip01(R.external_update(self.local, 0.1 * d.local_innovation))
        self._live(d)
        self._report_and_learn(d)
        self._aggregate()
        self._oversee()
        self._adapt()
        self._pool_knowledge()
        self._turnover(d)
        self._retender(d)
        self.rows.append(self._metrics())

    def _plan(self, d) -> None:
        m, s, sp = self, self.rp, self.sp
        wof = self.worker_of
        gaming = R.gaming_intensity(self.pressure, self.alpha, self.motivation, s.audit_rate,
                                    self.trust_mw, sp.gaming_max) * self.culture[:, self.provider_of]
        self.gaming = gaming
        admin = R.admin_share(s.admin_load, s.target_pressure, s.pbr_share, s.audit_rate)
        substitution, misreport_time = R.gaming_time(gaming, m.mech_substitution, m.mech_misreport)
        direct = np.maximum(0.0, 1.0 - admin - s.reflection_time - s.collaboration_time
                            - substitution - misreport_time)
        n_case = self.n_case
        fd_total = self.per_worker_sum(self.failure_demand)
        load = sp.failure_demand_load * fd_total
        direct_effective = direct * n_case / (n_case + load)
        effort = R.effort_level(self.motivation, self.pressure, self.alpha, sp.focus_gain, m.mech_focus)
        if m.mech_neglect:
            effort = np.where(self.knave, effort * R.NEGLECT_EFFORT, effort)
        withheld = np.zeros_like(effort)
        if m.mech_ratchet and s.target_ratchet > 0:
            holding = self.last_reported_share > self.target[:, None]
            withheld = np.where(holding, gaming * s.target_ratchet, 0.0)
            effort = np.where(holding, effort * (1.0 - withheld), effort)
        allocating = gaming if (m.mech_threshold or m.mech_creaming) else np.zeros_like(gaming)
        self.admin = np.full_like(gaming, admin)
        self.direct = direct
        self.withheld = withheld
        self.gaming_time = substitution + misreport_time + direct * (allocating + withheld)
        line = sp.outcome_line
        obs = self.observed
        need_w = R.need_weight(obs)
        need_total = self.per_worker_sum(need_w)
        if m.mech_threshold:
            game_w = R.threshold_weight(obs, line)
            game_total = self.per_worker_sum(game_w)
        else:
            game_w, game_total = need_w, need_total
        alloc_p = allocating[:, wof]
        if m.mech_creaming:
            park = R.parking_multiplier(obs, line, gaming[:, wof], s.pbr_share)
        else:
            park = np.ones_like(obs)
        self.park = park
        self.planned_on = obs.copy()
        weights = ((1.0 - alloc_p) * need_w / need_total[:, wof] + alloc_p * game_w / game_total[:, wof]) * park
        total = self.per_worker_sum(weights)
        per_person = direct_effective * effort * self.nominal_caseload / n_case
        safe_total = np.where(total > 0, total, 1.0)
        per_unit = np.where(total > 0, per_person * n_case / safe_total, 0.0)
        focus = gaming * m.mech_substitution
        explore_p = R.exploration_chance(sp.exploration, self.control, self.trust_mw)
        standard = d.u_standard < s.standardisation
        exploring = ~standard & (d.u_explore < explore_p[:, wof])
        best = self.belief.argmax(axis=-1)
        approach = np.where(standard, 0, np.where(exploring, pick(d.explore_pick, self.A), best))
        speed = np.where(standard, 1.0 + sp.standard_efficiency, 1.0)
        fit = R.fit_of(approach, self.need, sp.misfit_effect)
        fit = R.collaboration_cover(fit, s.collaboration_time, s.alliance, self.complexity)
        self.approach = approach
        self.fit = fit
        self.effort = per_unit[:, wof] * weights
        self.focus = focus[:, wof]
        self.help = (sp.help_gain * speed * self.effort * fit
                     * R.relationship_quality(self.trust_wp, self.complexity)
                     * self.quality[:, self.person_provider])

    def _live(self, d) -> None:
        sp = self.sp
        bp = np.zeros_like(self.wellbeing)
        if self.mech_barriers:
            for j in range(R.N_BARRIERS):
                bp = bp + np.where(self.exposed[..., j], self.barriers[:, j:j + 1], 0.0)
            bp = bp * sp.barrier_harm
        spread = 1.0 - self.focus
        concentrated = spread + self.focus * R.N_FACTORS
        old_w = self.wellbeing
        # help on each factor: concentrated on the measured one, spread on the rest
        share = np.repeat(spread[..., None], R.N_FACTORS, axis=-1)
        share[..., R.MEASURED_FACTOR] = concentrated
        h = self.help[..., None] * share
        f = self.factors
        f = f + R.factor_change(f, self.base[..., None], h, sp.recovery_rate, bp[..., None],
                                self.shock_sd * d.shock)
        self.factors = R.clip01(f)
        shifting = d.u_shift < sp.need_shift_rate * self.complexity
        if shifting.any():
            fresh = draw_need(d.need_u1, d.need_u2, d.need_pick, self.profile, self.complexity, self.A)
            self.need = np.where(shifting, fresh, self.need)
        self.external = R.clip01(R.external_update(self.external, 0.1 * d.ext_innovation))
        self.wellbeing, self.observed = self._outcomes(sp.measurement_noise * d.obs_noise,
                                                       self.local[:, self.person_provider])
        drop = np.maximum(0.0, old_w - self.wellbeing) * 10.0
        self.failure_demand = np.maximum(0.0, self.failure_demand + R.failure_demand_change(
            self.failure_demand, self.effort, self.fit, drop, self.mech_failure_demand))

    def _report_and_learn(self, d) -> None:
        s, sp = self.rp, self.sp
        wof = self.worker_of
        line = sp.outcome_line
        misreport_p = R.misreport_probability(self.gaming, self.mech_misreport)
        audited = d.u_audit < s.audit_rate
        step = R.learning_step_size(sp.learning_rate, s.reflection_time) * self.mech_learning
        case_discussion = 0.1 * self.pool_rate * self.mech_learning
        success = self.observed > line
        fiddle = ~success & (d.u_misreport < misreport_p[:, wof])
        reported = self.per_worker_sum(success).astype(np.int64)
        misreported = self.per_worker_sum(fiddle).astype(np.int64)
        fit_sum = self.per_worker_sum(self.fit)
        # learning: each person's belief about the approach tried, then (person by person through
        # each caseload) the worker's general knowledge and the case discussion that reads it
        learn = (self.effort > 0.05) & (step > 0)
        signal = R.learning_signal(self.fit, d.signal_noise, self.alpha, self.gaming[:, wof] * self.mech_misreport)
        if step > 0:
            tried = np.take_along_axis(self.belief, self.approach[..., None], axis=-1)[..., 0]
            updated = tried + step * (signal - tried)
            np.put_along_axis(self.belief, self.approach[..., None], np.where(learn, updated, tried)[..., None], axis=-1)
        if step > 0 or case_discussion > 0:
            self._caseload_learning(learn, signal, 0.2 * step, case_discussion)
        if self.mech_learning:
            telling = d.u_coproduce < s.coproduction
            own = np.take_along_axis(self.belief, self.need[..., None], axis=-1)[..., 0]
            told = own + 0.5 * (1.0 - own)
            np.put_along_axis(self.belief, self.need[..., None], np.where(telling, told, own)[..., None], axis=-1)
        if self.mech_trust:
            build, loss = R.person_trust_drivers(self.effort, self.park, self.gaming[:, wof])
            self.trust_wp = R.clip01(self.trust_wp + R.trust_change(
                self.trust_wp, build, loss, sp.trust_build_rate, sp.trust_loss_rate))
        self.caught = np.where(audited & (misreported > 0), 1.0, 0.0)
        misreported = np.where(audited, 0, misreported)
        self.reported_value = np.where(fiddle & ~audited[:, wof], line + 0.01, self.observed)
        self.reported = reported + misreported
        self.misreported = misreported
        self.last_reported_share = self.reported / self.n_case
        self.futility = 1.0 - fit_sum / self.n_case
        self.neglect_found = np.zeros_like(audited)
        if self.mech_neglect:
            p_find = R.neglect_detection(audited, s.peer_accountability, s.reflection_time, s.alliance,
                                         self.pressure, self.alpha)
            self.neglect_found = self.knave & (d.u_detect < p_find)

    def _caseload_learning(self, learn, signal, row_step, case_discussion) -> None:
        """Update general knowledge and run case discussion person by person in caseload order.

        People at the same caseload position belong to different workers, so each position is one
        vectorised update; positions run in order, as the Mesa worker walks its caseload.
        """
        W, N, A = self.W, self.N, self.A
        knowledge = self.knowledge.reshape(-1)  # a view: (R, W, A, A) flattened
        # flat index of each person's knowledge row, and of the cell for the approach tried
        row_start = ((self.rep_index * W + self.worker_of[None, :]) * A + self.profile) * A  # (R, N)
        cell = row_start + self.approach
        offsets = np.arange(A)
        for start in range(0, N, W):
            people = slice(start, min(start + W, N))
            if row_step > 0:
                idx = cell[:, people]
                current = knowledge[idx]
                moved = current + row_step * (signal[:, people] - current)
                knowledge[idx] = np.where(learn[:, people], moved, current)
            if case_discussion > 0:
                row = knowledge[row_start[:, people, None] + offsets]  # (R, n, A)
                b = self.belief[:, people]
                self.belief[:, people] = b + case_discussion * (row - b)

    def _aggregate(self) -> None:
        P = self.P
        reported_by_provider = np.stack(
            [np.bincount(self.provider_of, weights=r, minlength=P) for r in self.reported], axis=0)
        self.reported_share = reported_by_provider / self.provider_people
        caught = np.zeros((self.R, P))
        for p in range(P):
            caught[:, p] = self.caught[:, self.provider_of == p].max(axis=1)
        self.caught_p = caught

    def _oversee(self) -> None:
        s = self.rp
        shortfall = R.clip01((self.target[:, None] - self.reported_share) / 0.2)
        self.sanction = s.target_pressure * shortfall
        if s.target_ratchet > 0 and self.steps % 12 == 0:
            total = self.reported_share[:, 0]
            for p in range(1, self.P):
                total = total + self.reported_share[:, p]
            mean_reported = total / self.P
            self.target = np.minimum(1.0, self.target + s.target_ratchet * np.maximum(0.0, mean_reported - self.target))
        trust_total = self.trust_cp[:, 0]
        for p in range(1, self.P):
            trust_total = trust_total + self.trust_cp[:, p]
        connection = self.mech_learning * R.clip01(s.reflection_time / 0.1) * (0.5 + 0.5 * trust_total / self.P)
        for j in range(R.N_BARRIERS):
            escalation = self.exposed_share[:, j] * connection
            b = self.barriers[:, j]
            self.barriers[:, j] = R.clip01(b + R.barrier_change(b, escalation, s.stewardship, self.mech_barriers))

    def _adapt(self) -> None:
        s, sp = self.rp, self.sp
        sanctioned = self.sanction[:, self.provider_of]
        self.sanctioned = sanctioned
        if self.mech_crowding:
            self.motivation = R.clip01(self.motivation + R.motivation_change(
                self.motivation, self.control, self.autonomy, self.trust_mw, self.complexity,
                np.where(self.knave, 1.0, 0.0), sp.crowding_rate))
        n = self.n_case
        fd = self.per_worker_sum(self.failure_demand)
        fd_share = fd / (n + fd)
        target = R.stress_target(self.admin, fd_share, sanctioned, self.futility, s.reflection_time)
        self.stress = R.clip01(R.relax(self.stress, target, 0.1))
        if self.mech_trust:
            build = R.manager_trust_build(self.control, s.reflection_time)
            loss = sanctioned + self.caught + 0.2 * self.control
            self.trust_mw = R.clip01(self.trust_mw + R.trust_change(
                self.trust_mw, build, loss, sp.trust_build_rate, sp.trust_loss_rate))
            build_p = R.provider_trust_build(self.control, s.alliance)
            loss_p = self.sanction + self.caught_p + self.lost_tender
            self.trust_cp = R.clip01(self.trust_cp + R.trust_change(
                self.trust_cp, build_p, loss_p, sp.trust_build_rate, sp.trust_loss_rate))
            self.lost_tender = np.zeros_like(self.lost_tender)

    def _pool_knowledge(self) -> None:
        if self.pool_rate <= 0:
            return
        P, W = self.P, self.W
        alliance = self.rp.alliance
        if W % P == 0:
            # workers w, w+P, w+2P... are provider w's staff in order: add them up in that order
            blocks = self.knowledge.reshape((self.R, W // P, P) + self.knowledge.shape[2:])
            team = blocks[:, 0].copy()
            for q in range(1, W // P):
                team += blocks[:, q]
        else:
            team = np.zeros((self.R, P) + self.knowledge.shape[2:])
            for start in range(0, W, P):
                workers = np.arange(start, min(start + P, W))
                team[:, self.provider_of[workers]] = team[:, self.provider_of[workers]] + self.knowledge[:, workers]
        team = team / self.provider_staff[None, :, None, None]
        everyone = team[:, 0] * self.provider_staff[0]
        for p in range(1, P):
            everyone = everyone + team[:, p] * self.provider_staff[p]
        everyone = everyone / W
        own = team[:, self.provider_of]
        pooled = (1 - alliance) * own + alliance * everyone[:, None]
        self.knowledge = self.knowledge + self.pool_rate * (pooled - self.knowledge)

    def _turnover(self, d) -> None:
        leave = self.neglect_found | (d.u_turnover < R.turnover_probability(
            self.stress, self.motivation, self.sp.base_turnover, self.mech_turnover))
        self.leavers = leave.sum(axis=1)
        self._replace(leave, d)

    def _retender(self, d) -> None:
        s = self.rp
        interval = s.retender_interval
        self.tendered = np.zeros(self.R, dtype=bool)
        if interval <= 0 or self.steps % interval != 0 or self.P < 2:
            return
        self.tendered[:] = True
        scores = self.reported_share + 0.02 * d.tender_noise
        loser = scores.argmin(axis=1)
        losing = np.zeros((self.R, self.P), dtype=bool)
        losing[np.arange(self.R), loser] = True
        self.lost_tender = np.where(losing, 1.0, 0.5)
        self.quality = np.where(losing, R.provider_quality(d.tender_quality), self.quality)
        self.culture = np.where(losing, R.provider_culture(d.tender_culture), self.culture)
        if self.mech_trust:
            self.trust_cp = np.where(losing, R.ENTRANT_TRUST_CP, self.trust_cp)
        on_lot = losing[:, self.provider_of]
        replaced = on_lot & (d.u_tupe < 0.5)
        kept = on_lot & ~replaced
        self.leavers = self.leavers + replaced.sum(axis=1)
        self._restart_relationships(kept[:, self.worker_of])
        self._replace(replaced, d)

    def _metrics(self) -> dict[str, np.ndarray]:
        knows = self.belief.argmax(axis=-1) == self.need
        arrays = StateArrays(
            wellbeing=self.wellbeing, failure_demand=self.failure_demand, effort=self.effort,
            reported_value=self.reported_value, planned_on=self.planned_on, park=self.park,
            trust_wp=self.trust_wp, fit=self.fit, knows=knows, reported=self.reported,
            misreported=self.misreported, gaming_time=self.gaming_time, gaming=self.gaming,
            motivation=self.motivation, stress=self.stress, trust_mw=self.trust_mw, admin=self.admin,
            withheld=self.withheld, direct=self.direct, knave=self.knave, n_case=self.n_case,
            trust_cp=self.trust_cp, quality=self.quality, culture=self.culture, barriers=self.barriers,
            target=self.target, leavers=self.leavers, tendered=self.tendered,
        )
        return metrics_from_arrays(arrays, self.scenario, self.regime, self.mech_substitution)

    def run(self, progress=None) -> pd.DataFrame:
        """Run every step; return one table with a ``replication`` column (0..R-1)."""
        run_steps(self.step, self.scenario.steps, progress)
        steps = len(self.rows)
        columns = {name: np.stack([row[name] for row in self.rows], axis=1).ravel() for name in METRIC_NAMES}
        table = pd.DataFrame(columns)
        table.insert(0, "step", np.tile(np.arange(1, steps + 1, dtype=np.int64), self.R))
        table.insert(0, "replication", np.repeat(np.arange(self.R, dtype=np.int64), steps))
        return table
