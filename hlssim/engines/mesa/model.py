"""The Mesa model: sets up the system, runs the monthly phases, collects the metrics.

A step is a month, in phases (each agent changes only its own state within a phase, so the
update is synchronous and the order of agents within a phase does not matter):

0. the commissioner's regime switches if this is the switch month; the step's draws are made;
1. workers plan: time split, gaming, effort allocation, approach per person; outside forces in
   each provider's area move;
2. people live the month: help, drift, barriers, shocks, shifting needs, observed outcomes;
3. workers report (honestly or not), face audits, learn; neglect may be found;
4. providers aggregate reports; the commissioner sanctions, ratchets, stewards barriers;
5. workers and providers adapt: motivation, stress, trust; teams pool knowledge;
6. turnover and re-tendering; 7. metrics are collected.
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd

from hlssim.common.progress import run_steps
from hlssim.engines.mesa.agents import Commissioner, Person, Provider, Worker, ordered_sum
from hlssim.model import rules as R
from hlssim.model.draws import (
    InitialDraws,
    StepDraws,
    draw_need,
    initial_draws,
    make_rng,
    pick,
    step_draws,
    stream_state,
)
from hlssim.model.metrics import METRIC_NAMES, compute_metrics
from hlssim.model.regime import enter_regime, switch_due
from hlssim.model.scenario import Scenario
from hlssim.model.state import start_agent


def prior_knowledge(n_approaches: int) -> list[list[float]]:
    """A new worker's general knowledge: the prior belief, for every presenting situation."""
    return [R.prior_belief(n_approaches) for _ in range(n_approaches)]


class _ListDraws:
    """A step's draws as Python lists, so agents index floats rather than numpy scalars."""

    def __init__(self, draws: StepDraws):
        for name, value in vars(draws).items():
            setattr(self, name, value.tolist())


class CommissioningModel(mesa.Model):
    """NPM vs HLS commissioning of a service for people with lives of varying complexity."""

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence = 0):
        super().__init__(rng=make_rng(seed))
        # Mesa may consume a draw from the generator while seeding its own Python RNG; restart it
        # so the model's draws depend only on the seed (and other engines can reproduce them).
        self.rng = make_rng(seed)
        s = self.scenario = scenario
        self.sp = SimpleNamespace(**scenario.to_dict())  # fast attribute access for agents
        self.complexity = s.complexity
        self.n_approaches = s.n_approaches
        self.lam = R.interaction_weight(s.complexity, s.interaction_strength)
        self.alpha = R.attribution_share(s.complexity, s.attribution_loss, float(s.mech_attribution))
        self.shock_sd = R.shock_sd(s.shock_size, s.complexity)
        self.nominal_caseload = s.n_people / s.n_workers
        self.prior_knowledge = prior_knowledge(s.n_approaches)
        self._read_switches(s)
        self._switched = s.switched_regime() if s.switch_step else None
        self._build(initial_draws(self.rng, s.n_people, s.n_workers, s.n_providers))
        self._stream = stream_state(self.rng)  # the steps' draws continue the generator's stream
        self.draws = None
        start_agent(self, "run")  # this month's leavers and tender (hlssim.model.state.FIELDS)
        self.datacollector = mesa.DataCollector(tables={"metrics": list(METRIC_NAMES)})

    # --- set-up -----------------------------------------------------------------------------------
    def _read_switches(self, s: Scenario) -> None:
        for name, value in R.mechanism_switches(s).items():
            setattr(self, name, value)

    def _build(self, d: InitialDraws) -> None:
        s = self.scenario
        self.providers = [Provider(self, p, R.provider_quality(float(d.provider_quality[p])),
                                   R.provider_culture(float(d.provider_culture[p])))
                          for p in range(s.n_providers)]
        self.workers = []
        for w in range(s.n_workers):
            provider = self.providers[w % s.n_providers]
            knave, motivation = self._new_hire(float(d.worker_knave[w]), float(d.worker_motivation[w]))
            worker = Worker(self, w, provider, knave, motivation)
            provider.workers.append(worker)
            self.workers.append(worker)
        exposure_p = R.barrier_exposure_chance(s.complexity)
        self.people = []
        for i in range(s.n_people):
            base = R.baseline(float(d.base[i]))
            factors = [R.initial_factor(base, float(x)) for x in d.factor_noise[i]]
            profile = pick(float(d.profile[i]), s.n_approaches)
            need = draw_need(float(d.need_u1[i]), float(d.need_u2[i]), float(d.need_pick[i]),
                             profile, s.complexity, s.n_approaches)
            exposure = [j for j in range(R.N_BARRIERS) if d.barrier_exposure[i, j] < exposure_p]
            worker = self.workers[i % s.n_workers]
            person = Person(self, i, factors, base, profile, need, float(d.external[i]), exposure,
                            list(worker.knowledge[profile]))
            person.worker = worker
            worker.caseload.append(person)
            self.people.append(person)
        self.commissioner = Commissioner(self, s.target_level)
        enter_regime(self, s, reset_target=False)  # the regime in force: self.regime, rp, signals

    def _new_hire(self, u_knave: float, u_motivation: float) -> tuple[bool, float]:
        return R.new_hire(u_knave, u_motivation, self.scenario.knave_share)

    def reset_target(self, level: float) -> None:
        """The commissioner's target starts again at ``level`` (at a regime switch)."""
        self.commissioner.target = level

    def replace_worker(self, worker: Worker) -> None:
        """A post is filled by a new hire (knave or knight by the step's draws)."""
        d = self.draws
        knave, motivation = self._new_hire(d.u_hire_knave[worker.idx], d.hire_motivation[worker.idx])
        worker.hire(knave, motivation)

    # --- the month --------------------------------------------------------------------------------
    def step(self) -> None:
        s = self.scenario
        if switch_due(s, self.steps):  # Mesa counts this month in self.steps already
            enter_regime(self, self._switched, reset_target=True)
        self.draws = _ListDraws(step_draws(self._stream, s.n_people, s.n_workers, s.n_providers))
        workers = self.agents_by_type[Worker]
        workers.do("plan")
        self.agents_by_type[Provider].do("drift")
        self.agents_by_type[Person].do("live")
        workers.do("report_and_learn")
        self.agents_by_type[Provider].do("aggregate")
        self.commissioner.oversee()
        workers.do("adapt")
        self.agents_by_type[Provider].do("adapt")
        self._pool_knowledge()
        self._turnover()
        replaced = self.commissioner.retender()
        self.tendered = replaced is not None
        self.leavers += replaced or 0
        self.datacollector.add_table_row("metrics", compute_metrics(self))

    def _pool_knowledge(self) -> None:
        if self.signals.pool_rate <= 0:
            return
        alliance = self.regime.alliance
        A = self.n_approaches
        team = {}
        for p in self.providers:
            tables = [w.knowledge for w in p.workers]
            team[p.idx] = [[ordered_sum(t[k][a] for t in tables) / len(tables) for a in range(A)]
                           for k in range(A)]
        everyone = [[ordered_sum(team[p.idx][k][a] * len(p.workers) for p in self.providers) / len(self.workers)
                     for a in range(A)] for k in range(A)]
        for w in self.workers:
            own = team[w.provider.idx]
            pooled = [[(1 - alliance) * own[k][a] + alliance * everyone[k][a] for a in range(A)]
                      for k in range(A)]
            w.pool_knowledge(pooled)

    def _turnover(self) -> None:
        d = self.draws
        base = self.scenario.base_turnover
        leavers = 0
        for w in self.workers:
            if w.neglect_found:
                leavers += 1
                self.replace_worker(w)
                continue
            if d.u_turnover[w.idx] < R.turnover_probability(w.stress, w.motivation, base,
                                                            self.mech_turnover):
                leavers += 1
                self.replace_worker(w)
        self.leavers = leavers

    def run(self, progress=None) -> pd.DataFrame:
        """Run every step of the scenario; return the metrics table (one row per step)."""
        run_steps(self.step, self.scenario.steps, progress)
        return self.datacollector.get_table_dataframe("metrics")


__all__ = ["CommissioningModel", "METRIC_NAMES"]
