"""The batch engine: the agent model's rules over numpy arrays, many replications at once.

State is held as arrays shaped (replications, agents, ...); each phase of the Mesa model's month
(:mod:`hlssim.abm.model`) is applied to all agents of all replications together, with the same
rule functions (:mod:`hlssim.rules`), the same draws in the same order (:mod:`hlssim.draws`, one
generator per replication, drawn by numpy) and the same metric definitions (:mod:`hlssim.metrics`).
The result is the Mesa engine's table to rounding (tests check ``rtol=1e-9``), much faster.

Phases over people (plan, live, report and learn) run in compiled kernels (:mod:`hlssim.kernels`)
that walk each caseload in order as the Mesa workers do and call the same rule functions; the
phases over workers and providers stay numpy, vectorised across replications. Sums over a
caseload add people in caseload order (as Python's ``sum`` does over the Mesa caseload list).

Caseloads never change membership (person ``i`` is on worker ``i % n_workers``, worker ``w`` at
provider ``w % n_providers``); only relationships restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pandas as pd

from hlssim import kernels as K
from hlssim import rules as R
from hlssim.draws import (
    STEP_DRAWS,
    ZIGGURAT,
    draw_need,
    initial_draws,
    make_rng,
    pick,
    step_layout,
    stream_state,
)
from hlssim.metrics import METRIC_NAMES, StateArrays, metrics_from_arrays
from hlssim.scenario import Scenario
from hlssim.stepping import run_steps

#: The draws the phases over workers and providers read (all but the people's).
_TAIL_FIELDS = frozenset(name for name, _, whose, _ in STEP_DRAWS if not whose.startswith("people"))


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
        self.R = len(self.rngs)
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
        self.steps = 0
        self._layout = step_layout(N, W, P)
        self._at = {name: offset for name, (offset, _) in self._layout.fields.items()}
        # the workers' and providers' draws of the month (they follow the people's in the layout)
        self._tail_start = min(self._layout.fields[name][0] for name in _TAIL_FIELDS)
        self._tail = np.empty((self.R, self._layout.size - self._tail_start))
        self._tail_draws = SimpleNamespace(**{
            name: self._tail[:, offset - self._tail_start:offset - self._tail_start + int(np.prod(shape))]
            .reshape((self.R,) + shape)
            for name, (offset, shape) in self._layout.fields.items() if name in _TAIL_FIELDS})
        self._build()
        self._derive_regime()
        self.rows: list[dict[str, np.ndarray]] = []

    # --- helpers ----------------------------------------------------------------------------------
    def _stack_initial(self):
        s = self.scenario
        draws = [initial_draws(rng, s.n_people, s.n_workers, s.n_providers) for rng in self.rngs]
        self._streams = np.stack([stream_state(rng) for rng in self.rngs])  # (R, 4): steps' draws
        return SimpleNamespace(**{k: np.stack([getattr(d, k) for d in draws]) for k in vars(draws[0])})

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
        self.fd_sum = np.zeros((R_, W))
        self._speed = np.ones((R_, N))  # kernels' scratch
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
        lowest = f[..., 0]
        for k in range(1, f.shape[-1]):
            lowest = np.minimum(lowest, f[..., k])  # f.min(axis=-1), without numpy's slow short-axis reduce
        w = R.wellbeing(total / f.shape[-1], lowest, self.lam)
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
        self._restart_relationships(mask)

    def _restart_relationships(self, posts: np.ndarray) -> None:
        """People on the caseloads of ``posts`` (R, W) start again with their worker's current
        knowledge."""
        if posts.any():
            K.restart_relationships(posts, self.knowledge, self.profile, self.trust_wp, self.belief,
                                    R.RESTART_TRUST_WP)

    # --- the month --------------------------------------------------------------------------------
    def step(self) -> None:
        s = self.scenario
        self.steps += 1
        if self._switched is not None and self.steps == s.switch_step:
            self.regime = self._switched
            self.rp = SimpleNamespace(**self._switched.to_dict())
            self.target = np.full(self.R, self.regime.target_level)
            self._derive_regime()
        self._people_month(self._plan_workers())
        d = self._tail_draws
        self._aggregate()
        self._oversee()
        self._adapt()
        self._pool_knowledge()
        self._turnover(d)
        self._retender(d)
        self.rows.append(self._metrics())

    def _plan_workers(self) -> SimpleNamespace:
        """Phase 1 for workers (:meth:`Worker.plan` up to the caseload): gaming, the split of time,
        effort and the chance to explore, over all replications at once."""
        m, s, sp = self, self.rp, self.sp
        gaming = R.gaming_intensity(self.pressure, self.alpha, self.motivation, s.audit_rate,
                                    self.trust_mw, sp.gaming_max) * self.culture[:, self.provider_of]
        self.gaming = gaming
        admin = R.admin_share(s.admin_load, s.target_pressure, s.pbr_share, s.audit_rate)
        substitution, misreport_time = R.gaming_time(gaming, m.mech_substitution, m.mech_misreport)
        direct = np.maximum(0.0, 1.0 - admin - s.reflection_time - s.collaboration_time
                            - substitution - misreport_time)
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
        return SimpleNamespace(
            direct=direct, effort=effort, allocating=allocating,
            explore_p=R.exploration_chance(sp.exploration, self.control, self.trust_mw),
            focus=gaming * m.mech_substitution)

    def _people_month(self, w: SimpleNamespace) -> None:
        """The month's draws and the people phases (plan, live, report and learn), compiled, one
        replication at a time (:func:`hlssim.kernels.people_month`), given the workers' part of
        the plan (``w``, :meth:`_plan_workers`)."""
        m, s, sp = self, self.rp, self.sp
        layout, at = self._layout, self._at
        width, inside, height, zig_r, zig_inv_r = ZIGGURAT
        K.people_month(
            streams=self._streams, tail=self._tail, kinds=layout.kinds, starts=layout.starts,
            stops=layout.stops, width=width, inside=inside, height=height, zig_r=zig_r,
            zig_inv_r=zig_inv_r, size=layout.size, tail_start=self._tail_start,
            at_local=at["local_innovation"], at_standard=at["u_standard"],
            at_explore=at["u_explore"], at_pick=at["explore_pick"], at_shock=at["shock"],
            at_shift=at["u_shift"], at_need_u1=at["need_u1"], at_need_u2=at["need_u2"],
            at_need_pick=at["need_pick"], at_obs_noise=at["obs_noise"],
            at_ext_innovation=at["ext_innovation"], at_audit=at["u_audit"],
            at_misreport=at["u_misreport"], at_signal=at["signal_noise"],
            at_coproduce=at["u_coproduce"], at_detect=at["u_detect"],
            # plan
            n_case=self.n_case, provider_of=self.provider_of, direct=w.direct, effort_w=w.effort,
            allocating=w.allocating, gaming=self.gaming, explore_p=w.explore_p, focus_w=w.focus,
            quality=self.quality, failure_demand=self.failure_demand, observed=self.observed,
            belief=self.belief, trust_wp=self.trust_wp, need=self.need,
            nominal_caseload=float(self.nominal_caseload), line=float(sp.outcome_line),
            failure_demand_load=float(sp.failure_demand_load),
            mech_threshold=bool(m.mech_threshold), mech_creaming=bool(m.mech_creaming),
            pbr_share=float(s.pbr_share), standardisation=float(s.standardisation),
            standard_efficiency=float(sp.standard_efficiency), misfit_effect=float(sp.misfit_effect),
            collaboration_time=float(s.collaboration_time), alliance=float(s.alliance),
            complexity=float(self.complexity), help_gain=float(sp.help_gain),
            park=self.park, planned_on=self.planned_on, approach=self.approach, fit=self.fit,
            effort=self.effort, focus=self.focus, help=self.help, speed=self._speed,
            # live
            person_provider=self.person_provider, factors=self.factors, base=self.base,
            exposed=self.exposed, barriers=self.barriers, wellbeing=self.wellbeing,
            profile=self.profile, external=self.external, local=self.local,
            mech_barriers=bool(m.mech_barriers), barrier_harm=float(sp.barrier_harm),
            recovery_rate=float(sp.recovery_rate), shock_sd=float(self.shock_sd),
            need_shift_rate=float(sp.need_shift_rate), n_approaches=int(self.A),
            measurement_noise=float(sp.measurement_noise), lam=float(self.lam),
            alpha=float(self.alpha), mech_failure_demand=float(m.mech_failure_demand),
            # report and learn
            knave=self.knave, knowledge=self.knowledge, audit_rate=float(s.audit_rate),
            mech_misreport=float(m.mech_misreport),
            step=float(R.learning_step_size(sp.learning_rate, s.reflection_time) * m.mech_learning),
            case_discussion=float(0.1 * self.pool_rate * m.mech_learning),
            mech_learning=bool(m.mech_learning), coproduction=float(s.coproduction),
            mech_trust=bool(m.mech_trust), trust_build_rate=float(sp.trust_build_rate),
            trust_loss_rate=float(sp.trust_loss_rate), mech_neglect=bool(m.mech_neglect),
            peer_accountability=float(s.peer_accountability),
            reflection_time=float(s.reflection_time), pressure=float(self.pressure),
            reported_value=self.reported_value, reported=self.reported,
            misreported=self.misreported, caught=self.caught,
            last_reported_share=self.last_reported_share, futility=self.futility,
            neglect_found=self.neglect_found, fd_sum=self.fd_sum)

    def _aggregate(self) -> None:
        reported_by_provider = K.group_sums(self.reported.astype(float), self.provider_of, self.P)
        self.reported_share = reported_by_provider / self.provider_people
        self.caught_p = K.group_max(self.caught, self.provider_of, self.P)

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
        fd = self.fd_sum  # each caseload's failure demand, summed in phase 3
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
        K.pool_knowledge(self.knowledge, self.provider_of, self.provider_staff.astype(float),
                         float(self.rp.alliance), float(self.pool_rate))

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
        self._restart_relationships(kept)
        self._replace(replaced, d)

    def _metrics(self) -> dict[str, np.ndarray]:
        knows = K.knows_need(self.belief, self.need)
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
