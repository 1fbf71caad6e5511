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
from hlssim.engines.batch.arguments import levers_of, world_of
from hlssim.model import rules as R
from hlssim.model.draws import (
    draw_need,
    draw_offsets,
    initial_draws,
    make_rng,
    pick,
    step_layout,
    stream_state,
)
from hlssim.model.metrics import METRIC_NAMES, percentile_buckets
from hlssim.model.regime import enter_regime, parameters_in_force, switch_due
from hlssim.model.scenario import Scenario
from hlssim.model.state import FIELDS, BatchState, allocate


def _prior_row(n_approaches: int) -> np.ndarray:
    return np.array(R.prior_belief(n_approaches))


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
    """R replications of one scenario, as arrays. ``seeds`` gives each replication's seed.

    ``from_step``: the first month whose metrics are worked out; earlier months' metrics are NaN
    (the runs themselves are the same to the bit). For callers that read only the last months of
    a run (:func:`hlssim.engines.registry.run_many_metrics`)."""

    def __init__(self, scenario: Scenario, seeds: Sequence[int | np.random.SeedSequence],
                 from_step: int = 1):
        s = self.scenario = scenario
        self.from_step = from_step
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
        self.layout = step_layout(N, W, P)
        self.counts = percentile_buckets(N)  # the metrics' scratch
        self._build()
        enter_regime(self, scenario, reset_target=False)  # self.regime, rp, signals
        self.rows: list[np.ndarray] = []  # each month's metrics: (replications, METRIC_NAMES)
        self._world = world_of(self)
        self._offsets = draw_offsets(self.layout)
        self._in_force: tuple[object, tuple] = (None, ())

    # --- helpers ----------------------------------------------------------------------------------
    def _stack_initial(self):
        s = self.scenario
        draws = [initial_draws(rng, s.n_people, s.n_workers, s.n_providers) for rng in self.rngs]
        self.streams = np.stack([stream_state(rng) for rng in self.rngs])  # (R, 4): steps' draws
        return SimpleNamespace(**{k: np.stack([getattr(d, k) for d in draws]) for k in vars(draws[0])})

    # --- set-up -----------------------------------------------------------------------------------
    def _build(self) -> None:
        """Every field of :data:`hlssim.model.state.FIELDS` as an attribute of this model: those
        that start at a constant allocated from the declaration, the rest from the initial draws
        (in the Mesa engine's order of use)."""
        s = self.scenario
        d = self._stack_initial()
        A = self.A
        sizes = {"person": self.N, "worker": self.W, "provider": self.P, "n_approaches": A,
                 "n_factors": R.N_FACTORS, "n_barriers": R.N_BARRIERS}
        for name, array in allocate(self.R, sizes, s.target_level).items():
            setattr(self, name, array)
        # providers
        self.quality = R.provider_quality(d.provider_quality)
        self.culture = R.provider_culture(d.provider_culture)
        # workers
        self.knave, self.motivation = self._new_hire(d.worker_knave, d.worker_motivation)
        self.knowledge = np.broadcast_to(self.prior, (self.R, self.W, A, A)).copy()
        # people
        self.base = R.baseline(d.base)
        self.factors = R.initial_factor(self.base[..., None], d.factor_noise)
        self.profile = pick(d.profile, A)
        self.need = draw_need(d.need_u1, d.need_u2, d.need_pick, self.profile, s.complexity, A)
        exposure_p = R.barrier_exposure_chance(s.complexity)
        self.exposed = d.barrier_exposure < exposure_p  # (R, N, B)
        self.external = d.external.copy()
        self.belief = np.broadcast_to(self.prior, (self.R, self.N, A)).copy()
        self.wellbeing, self.observed = self._outcomes(np.zeros((self.R, self.N)),
                                                       np.full((self.R, self.N), R.START_LOCAL))
        self.reported_value = self.observed.copy()
        self.planned_on = self.observed.copy()

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
        parameters, levers = self._regime_in_force()
        K.months(self.steps + 1, self.from_step, self.state(), parameters, levers, self._world, self._offsets, out)
        self.steps += n_months
        self.rows.extend(out[:, k] for k in range(n_months))

    def latest_metrics(self) -> dict[str, np.ndarray]:
        """The last month's metrics, one value per replication."""
        return {name: self.rows[-1][:, k] for k, name in enumerate(METRIC_NAMES)}

    def state(self) -> BatchState:
        """Every field of the model's state (:data:`hlssim.model.state.FIELDS`): these arrays,
        which the compiled months read and write in place."""
        return BatchState(**{f.name: getattr(self, f.name) for f in FIELDS})

    def _regime_in_force(self) -> tuple:
        """The parameters and levers of the regime in force (``self.rp``, which a switch, or
        :mod:`hlssim.engines.hybrid`, replaces), worked out once per regime."""
        key, values = self._in_force
        if key is not self.rp:
            values = (parameters_in_force(self.scenario, self.regime), levers_of(self))
            self._in_force = (self.rp, values)
        return values
