"""The batch engine: the agent model's rules over numpy arrays, many replications at once.

State is held as arrays shaped (replications, agents, ...). Each month is one compiled call
(:func:`hlssim.engines.batch.kernels.months`) that runs every phase of the Mesa model's month
(:mod:`hlssim.engines.mesa.model`) on one replication, then the next, with the same rule functions
(:mod:`hlssim.model.rules`), the same draws in the same order (:mod:`hlssim.model.draws`: one SFC64 stream per
replication) and the same metric definitions (:mod:`hlssim.model.metrics`). The result is the Mesa
engine's table to the bit (``tests/test_batch.py`` compares them exactly), much faster.

The kernels walk each caseload in order as the Mesa workers do, so sums over a caseload add people
in caseload order (as :func:`hlssim.engines.mesa.agents.ordered_sum` does over the Mesa caseload list). Set-up (the initial
draws, by numpy) and regime switches stay in Python.

Caseloads never change membership (person ``i`` is on worker ``i % n_workers``, worker ``w`` at
provider ``w % n_providers``); only relationships restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pandas as pd

from hlssim.engines.batch import kernels as K
from hlssim.model import rules as R
from hlssim.model.draws import (
    ZIGGURAT,
    draw_need,
    initial_draws,
    make_rng,
    pick,
    step_layout,
    stream_state,
)
from hlssim.model.metrics import METRIC_NAMES, fixed_monthly_cost, percentile_buckets, tender_cost
from hlssim.model.regime import enter_regime, switch_due
from hlssim.model.scenario import Scenario


def _prior_row(n_approaches: int) -> np.ndarray:
    return np.array(R.prior_belief(n_approaches))


#: The state :func:`hlssim.engines.batch.kernels.months` reads and writes: its argument name -> BatchModel attribute.
_STATE_ARGS = {name: name for name in (
    # providers and the commissioner
    "quality", "culture", "local", "trust_cp", "reported_share", "sanction", "caught_p",
    "lost_tender", "barriers", "target", "leavers", "tendered", "exposed", "exposed_share",
    # workers
    "knave", "motivation", "gaming", "admin", "gaming_time", "direct", "withheld", "reported",
    "misreported", "stress", "trust_mw", "knowledge", "sanctioned", "caught", "futility",
    "neglect_found", "last_reported_share", "fd_sum",
    # people
    "failure_demand", "observed", "belief", "trust_wp", "need", "park", "planned_on", "approach",
    "fit", "effort", "focus", "help", "factors", "base", "wellbeing", "profile", "external",
    "reported_value")} | {
    # scratch
    "effort_w": "_effort_w", "allocating": "_allocating", "explore_p": "_explore_p",
    "focus_w": "_focus_w", "speed": "_speed", "knows": "_knows"}


def metrics_table(values: np.ndarray) -> pd.DataFrame:
    """Metrics (replications, steps, :data:`METRIC_NAMES`) as one tidy-wide table: a
    ``replication`` column (0..R-1), a ``step`` column (1..steps), then one column per metric;
    replication-major rows."""
    n_reps, steps, n_metrics = values.shape
    table = pd.DataFrame(values.reshape(n_reps * steps, n_metrics), columns=list(METRIC_NAMES))
    table.insert(0, "step", np.tile(np.arange(1, steps + 1, dtype=np.int64), n_reps))
    table.insert(0, "replication", np.repeat(np.arange(n_reps, dtype=np.int64), steps))
    return table


class BatchModel:
    """R replications of one scenario, as arrays. ``seeds`` gives each replication's seed."""

    def __init__(self, scenario: Scenario, seeds: Sequence[int | np.random.SeedSequence]):
        s = self.scenario = scenario
        self.sp = SimpleNamespace(**scenario.to_dict())
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
        self.provider_staff = np.bincount(self.provider_of, minlength=P).astype(float)
        self.steps = 0
        self._layout = step_layout(N, W, P)
        self._build()
        enter_regime(self, scenario, reset_target=False)  # self.regime, rp, signals
        self.rows: list[np.ndarray] = []  # each month's metrics: (replications, METRIC_NAMES)
        self._fixed_args = self._world_args()
        self._regime_args_for: tuple[object, dict] = (None, {})

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
        self.local = np.full((R_, P), R.START_LOCAL)
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
        # the kernel's scratch: the workers' part of the plan, speed of work, who knows what helps
        self._effort_w = np.zeros((R_, W))
        self._allocating = np.zeros((R_, W))
        self._explore_p = np.zeros((R_, W))
        self._focus_w = np.zeros((R_, W))
        self._speed = np.ones((R_, N))
        self._knows = np.zeros((R_, N), dtype=bool)
        self._counts = percentile_buckets(N)
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
        self.wellbeing, self.observed = self._outcomes(np.zeros((R_, N)), np.full((R_, N), R.START_LOCAL))
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

    def reset_target(self, level: float) -> None:
        """Every replication's target starts again at ``level`` (at a regime switch)."""
        self.target = np.full(self.R, level)

    def _outcomes(self, obs_noise: np.ndarray, local: np.ndarray):
        f = self.factors
        total = f[..., 0] + f[..., 1]
        for k in range(2, f.shape[-1]):
            total = total + f[..., k]
        lowest = f[..., 0]
        for k in range(1, f.shape[-1]):
            lowest = np.minimum(lowest, f[..., k])  # f.min(axis=-1), without numpy's slow short-axis reduce
        w = R.wellbeing(total / f.shape[-1], lowest, self.lam)
        outside = R.outside_forces(self.external, local)
        observed = R.observed_outcome(w, f[..., R.MEASURED_FACTOR], outside, obs_noise,
                                      self.complexity, self.alpha)
        return w, observed

    # --- the months -------------------------------------------------------------------------------
    def step(self) -> None:
        """One month for every replication."""
        self._advance(1)

    def run(self, progress=None) -> pd.DataFrame:
        """Run every step; return one table with a ``replication`` column (0..R-1)."""
        return metrics_table(self.run_metrics(progress))

    def run_metrics(self, progress=None) -> np.ndarray:
        """Run every step; return the metrics as an array (replications, steps, metrics in the
        order of :data:`METRIC_NAMES`), without building a table.

        Months run in as few compiled calls as the run allows (:func:`hlssim.engines.batch.kernels.months`):
        one, or two around a regime switch, or ~50 when ``progress`` is given (called with
        (steps done, steps in all) after each)."""
        total = self.scenario.steps
        chunk = max(1, total // 50) if progress is not None else total
        while self.steps < total:
            stop = min(total, self.steps + chunk)
            switch = self.scenario.switch_step if self._switched is not None else 0
            if self.steps + 1 < switch <= stop:
                stop = switch - 1  # the switch opens the next call
            self._advance(stop - self.steps)
            if progress is not None:
                progress(self.steps, total)
        return np.stack(self.rows, axis=1)

    def table(self) -> pd.DataFrame:
        """The months run so far as one table with a ``replication`` column (0..R-1)."""
        return metrics_table(np.stack(self.rows, axis=1))

    def _advance(self, n_months: int) -> None:
        """Run the next ``n_months`` months (compiled, :func:`hlssim.engines.batch.kernels.months`) under the
        regime in force, switching first if the switch is due; append their metrics to ``rows``."""
        if switch_due(self.scenario, self.steps + 1):
            enter_regime(self, self._switched, reset_target=True)
        out = np.empty((self.R, n_months, len(METRIC_NAMES)))
        K.months(first=self.steps + 1, out=out, **self._fixed_args, **self._regime_args(),
                 **{name: getattr(self, attr) for name, attr in _STATE_ARGS.items()})
        self.steps += n_months
        self.rows.extend(out[:, k] for k in range(n_months))

    def latest_metrics(self) -> dict[str, np.ndarray]:
        """The last month's metrics, one value per replication."""
        return {name: self.rows[-1][:, k] for k, name in enumerate(METRIC_NAMES)}

    def _world_args(self) -> dict:
        """What :func:`hlssim.engines.batch.kernels.months` reads that never changes in a run: the month's
        draws' layout, the fixed structure, the world's parameters and the mechanisms."""
        m, sp, layout = self, self.sp, self._layout
        width, inside, height, zig_r, zig_inv_r = ZIGGURAT
        at = {name: offset for name, (offset, _) in layout.fields.items()}
        return {
            "streams": self._streams, "kinds": layout.kinds, "starts": layout.starts, "stops": layout.stops,
            "width": width, "inside": inside, "height": height, "zig_r": zig_r, "zig_inv_r": zig_inv_r,
            "size": layout.size, "at_local": at["local_innovation"], "at_standard": at["u_standard"],
            "at_explore": at["u_explore"], "at_pick": at["explore_pick"], "at_shock": at["shock"],
            "at_shift": at["u_shift"], "at_need_u1": at["need_u1"], "at_need_u2": at["need_u2"],
            "at_need_pick": at["need_pick"], "at_obs_noise": at["obs_noise"],
            "at_ext_innovation": at["ext_innovation"], "at_audit": at["u_audit"],
            "at_misreport": at["u_misreport"], "at_signal": at["signal_noise"],
            "at_coproduce": at["u_coproduce"], "at_detect": at["u_detect"],
            "at_turnover": at["u_turnover"], "at_hire_knave": at["u_hire_knave"],
            "at_hire_motivation": at["hire_motivation"], "at_tupe": at["u_tupe"],
            "at_tender_quality": at["tender_quality"], "at_tender_noise": at["tender_noise"],
            "at_tender_culture": at["tender_culture"],
            "n_case": self.n_case, "provider_of": self.provider_of, "person_provider": self.person_provider,
            "provider_people": self.provider_people, "provider_staff": self.provider_staff,
            "prior": self.prior,
            "alpha": float(self.alpha), "lam": float(self.lam), "complexity": float(self.complexity),
            "shock_sd": float(self.shock_sd), "nominal_caseload": float(self.nominal_caseload),
            "line": float(sp.outcome_line), "gaming_max": float(sp.gaming_max),
            "focus_gain": float(sp.focus_gain), "exploration": float(sp.exploration),
            "failure_demand_load": float(sp.failure_demand_load),
            "standard_efficiency": float(sp.standard_efficiency),
            "misfit_effect": float(sp.misfit_effect), "help_gain": float(sp.help_gain),
            "barrier_harm": float(sp.barrier_harm), "recovery_rate": float(sp.recovery_rate),
            "need_shift_rate": float(sp.need_shift_rate), "n_approaches": int(self.A),
            "measurement_noise": float(sp.measurement_noise),
            "trust_build_rate": float(sp.trust_build_rate), "trust_loss_rate": float(sp.trust_loss_rate),
            "crowding_rate": float(sp.crowding_rate), "base_turnover": float(sp.base_turnover),
            "knave_share": float(self.scenario.knave_share),
            "mech_substitution": m.mech_substitution, "mech_misreport": m.mech_misreport,
            "mech_focus": m.mech_focus, "mech_neglect": m.mech_neglect, "mech_ratchet": m.mech_ratchet,
            "mech_threshold": m.mech_threshold, "mech_creaming": m.mech_creaming,
            "mech_barriers": m.mech_barriers, "mech_failure_demand": m.mech_failure_demand,
            "mech_learning": m.mech_learning, "mech_trust": m.mech_trust,
            "mech_crowding": m.mech_crowding, "mech_turnover": m.mech_turnover,
            "wage_cost": float(self.scenario.wage_cost), "tender_cost": float(tender_cost(self.scenario)),
            "counts": self._counts}

    def _regime_args(self) -> dict:
        """What :func:`hlssim.engines.batch.kernels.months` reads of the regime in force (``self.rp``, which a
        switch, or :mod:`hlssim.engines.hybrid`, replaces), worked out once per regime."""
        key, args = self._regime_args_for
        if key is self.rp:
            return args
        m, s, sp = self, self.rp, self.sp
        args = {
            "pressure": float(self.signals.pressure), "control": float(self.signals.control),
            "autonomy": float(self.signals.autonomy), "pool_rate": float(self.signals.pool_rate),
            "audit_rate": float(s.audit_rate),
            "admin_share": float(R.admin_share(s.admin_load, s.target_pressure, s.pbr_share,
                                            s.audit_rate)),
            "reflection_time": float(s.reflection_time),
            "collaboration_time": float(s.collaboration_time),
            "standardisation": float(s.standardisation), "alliance": float(s.alliance),
            "coproduction": float(s.coproduction), "peer_accountability": float(s.peer_accountability),
            "stewardship": float(s.stewardship), "target_pressure": float(s.target_pressure),
            "target_ratchet": float(s.target_ratchet), "retender_interval": int(s.retender_interval),
            "pbr_share": float(s.pbr_share),
            "learning_step": float(R.learning_step_size(sp.learning_rate, s.reflection_time)
                                * m.mech_learning),
            "case_discussion": float(R.case_discussion_rate(self.signals.pool_rate, m.mech_learning)),
            "fixed_cost": float(fixed_monthly_cost(self.scenario, self.regime))}
        self._regime_args_for = (self.rp, args)
        return args
