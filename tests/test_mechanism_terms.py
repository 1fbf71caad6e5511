"""Each mechanism's terms, at model level: a test fails when that one term is zeroed.

``test_mechanisms.py`` switches whole mechanisms on and off, which catches only the removal of a
whole mechanism. The tests here hold the switch on and vary what a single term of a formula in
:mod:`hlssim.model.rules` responds to, so each fails when that term is zeroed in both engines (the
engines share the rules; ``test_batch.py`` holds them equal). ``tests/mutation/run_mutations.py``
zeroes each term in turn and shows which test kills it; ``test_rules.py`` checks each formula's
direction and bounds directly.

Runs use the batch engine over replications with common random numbers (the same seeds on both
sides), so a difference that a term makes is measured against the same draws.
"""

from __future__ import annotations

import numpy as np
from conftest import small

import hlssim
from hlssim import Scenario
from hlssim.engines.batch.model import BatchModel
from hlssim.model import rules as R

SEEDS = list(range(8))


def finals(scenario, metric: str, window: int = 12) -> np.ndarray:
    """Each replication's mean of ``metric`` over the last ``window`` months (one per seed)."""
    table = hlssim.run_many(scenario, seeds=SEEDS)
    return table.groupby("replication")[metric].apply(lambda x: x.iloc[-window:].mean()).to_numpy()


def by_month(scenario, metric: str) -> np.ndarray:
    """``metric`` at each month, averaged over the replications."""
    return hlssim.run_many(scenario, seeds=SEEDS).groupby("step")[metric].mean().to_numpy()


# --- 4. trust: the worker-person update and the loss term ----------------------------------------

def test_people_come_to_trust_a_worker_who_gives_them_time():
    """Time in a relationship builds a person's trust (rules.person_trust_drivers feeding
    rules.trust_change): with nobody parked it rises well above where it starts."""
    trust = finals(small("hls", complexity=0.7), "trust_worker_person")
    assert trust.mean() > R.START_TRUST_WP + 0.05, trust


def test_being_parked_costs_a_persons_trust():
    """Cream-skimming parks hard cases, and parked people trust their worker less (the erosion
    term of rules.person_trust_drivers)."""
    parked = finals(small("npm_pbr", complexity=0.7), "trust_worker_person")
    unparked = finals(small("npm_pbr", complexity=0.7, mech_gaming_creaming=False),
                      "trust_worker_person")
    assert (unparked - parked).mean() > 0.015, (parked.mean(), unparked.mean())


def test_sanctions_and_caught_gaming_pull_trust_down():
    """Trust falls under loss (the loss term of rules.trust_change): under heavy targets,
    managers' trust with workers and the commissioner's with providers sink far below where they
    start, which no build term alone can do."""
    s = small("npm_targets", complexity=0.8)
    assert by_month(s, "trust_manager_worker").min() < R.NEW_TRUST_MW - 0.2
    assert by_month(s, "trust_commissioner_provider").min() < R.START_TRUST_CP - 0.2


# --- 2. gaming: audit deterrence; 5. learning: gamed data misleads --------------------------------

def test_audits_deter_gaming():
    """The deterrence factor of rules.gaming_intensity: a quarter of workers audited each month
    cuts how far they game by well over a quarter (audits also catch misreports, which cuts
    managers' trust and so raises gaming: without deterrence, audits would not lower it)."""
    free = finals(small("npm_targets", complexity=0.6, audit_rate=0.0), "gaming_intensity")
    audited = finals(small("npm_targets", complexity=0.6, audit_rate=0.25), "gaming_intensity")
    assert audited.mean() < 0.7 * free.mean(), (audited.mean(), free.mean())


def overconfidence(**overrides) -> float:
    """How far workers' belief in the approach they used exceeds how well it fitted, over the
    people they worked with this month (last month of the run), averaged over replications."""
    model = BatchModel(small("npm_targets", complexity=0.8, **overrides), SEEDS)
    model.run_metrics()
    believed = np.take_along_axis(model.belief, model.approach[..., None], axis=2)[..., 0]
    worked = model.effort > 0.05
    return float((believed - model.fit)[worked].mean())


def test_gamed_data_teaches_the_wrong_lesson():
    """The gamed-data term of rules.learning_signal: where workers massage their figures, what
    they learn from them flatters what they did, so they believe in their approaches more than the
    approaches deserve, well beyond the optimism of honest data."""
    gamed = overconfidence()
    honest = overconfidence(mech_gaming_misreport=False)
    assert gamed > honest + 0.03, (gamed, honest)


def false_report_depths(audit_rate: float, steps: int = 24) -> list[float]:
    """How far under the line each case a worker reported falsely (and no audit struck out) truly
    was, month by month of a Mesa run of heavy targets with everyone gaming."""
    from hlssim.engines.mesa.model import CommissioningModel
    model = CommissioningModel(small("npm_targets", complexity=0.5, knave_share=1.0,
                                     audit_rate=audit_rate, steps=steps), seed=5)
    line = model.sp.outcome_line
    depths = []
    for _ in range(steps):
        model.step()
        depths += [line - p.observed for p in model.people if p.reported_value != p.observed]
    return depths


def test_workers_misreport_only_the_cases_where_the_lie_pays():
    """Which cases are misreported is a choice given detection (rules.misreport_payoff): where
    audits bite, a case far under the line is not worth the lie (an audit would see it plainly),
    so every false report is of a case shallower than the deterrent allows; without audits the
    same workers misreport deep cases too. Fails if the payoff test is dropped from either side."""
    audited = false_report_depths(audit_rate=0.3)
    unaudited = false_report_depths(audit_rate=0.0)
    limit = R.DISCREPANCY_PLAIN / (0.3 * R.CAUGHT_COST) - R.REPORT_STEP
    assert len(audited) > 20 and max(audited) < limit, (len(audited), max(audited), limit)
    assert max(unaudited) > 2 * limit, (max(unaudited), limit)


# --- 5. learning: the step size and reflection ----------------------------------------------------

def learning_world(**overrides):
    """A world where workers learn only from results: no co-production, no pooled knowledge."""
    return small("hls", complexity=0.8, coproduction=0.0, mech_pooling=False, **overrides)


def test_workers_learn_what_helps_from_results():
    """The step of rules.learning_step_size: from results alone, workers come to know what helps
    most of their people."""
    accuracy = by_month(learning_world(), "knowledge_accuracy")
    assert accuracy[-12:].mean() > accuracy[0] + 0.3, (accuracy[0], accuracy[-12:].mean())


def test_learning_from_results_needs_time_to_reflect():
    """rules.learning_step_size grows with reflection time: without it, workers learn less."""
    reflective = finals(learning_world(reflection_time=0.1), "knowledge_accuracy")
    hurried = finals(learning_world(reflection_time=0.0), "knowledge_accuracy")
    assert reflective.mean() > hurried.mean() + 0.1, (reflective.mean(), hurried.mean())


# --- 3. stress drives turnover --------------------------------------------------------------------

def test_stress_drives_turnover_holding_motivation_fixed():
    """The stress term of rules.turnover_probability: more admin means more stress, and more
    stressed staff leave more often. Motivation is held still (no crowding), so with the same
    draws, only stress can make the difference: in no replication do fewer leave, and more leave
    on average."""
    def turnover(indicators):
        return finals(small("hls", complexity=0.3, mech_crowding=False, indicators=indicators,
                            reports_per_year=12), "turnover_rate", window=48)
    stressed, calm = turnover(30), turnover(0)
    assert (stressed >= calm).all() and stressed.mean() > calm.mean() + 0.003, (stressed, calm)


def test_funder_monitoring_is_the_sum_of_the_activities_held():
    """The funder's monitoring is a run metric, the sum of what it does: with no audits and no
    payment by results it is the reports read, exactly (0.016 £k each; 20 workers x 10 indicators
    monthly under npm_targets, over 400 people); with audits it varies between runs (audits are
    drawn), and the HLS grant's is lower. Fails if audits or reports were left out."""
    npm = Scenario.from_preset("npm_targets", steps=24)
    quiet = hlssim.run(npm.with_overrides(audit_rate=0.0), seed=1)["funder_monitoring"]
    assert np.allclose(quiet, 0.016 * 20 * 10 / 400)
    audited = [hlssim.run(npm, seed=k)["funder_monitoring"].iloc[-12:].mean() for k in range(3)]
    assert min(audited) > quiet.iloc[0] and len(set(np.round(audited, 12))) > 1
    grant = hlssim.run(Scenario.from_preset("hls_grant", steps=24), seed=1)["funder_monitoring"]
    assert grant.mean() < quiet.mean()


def test_admin_time_counts_the_audits_held_and_the_claims_filed():
    """rules.admin_time at model level: audited every month (and no one leaving), a worker spends
    AUDIT_PREP_TIME more of every month after the first on administration, exactly; paid entirely by results, workers
    file claims for the people they report over the line, which takes time that a contract
    without payment by results does not (fails with either term dropped)."""
    def admin(preset, **overrides):
        s = small(preset, complexity=0.3, steps=24, retender_interval=0, **overrides)
        return hlssim.run(s, seed=3)["admin_time_share"].to_numpy()

    # nobody leaves (a new hire has not been audited yet)
    steady = {"mech_turnover": False, "base_turnover": 0.0, "knave_share": 0.0}
    audited = admin("hls", audit_rate=1.0, **steady) - admin("hls", audit_rate=0.0, **steady)
    assert np.allclose(audited[1:], R.AUDIT_PREP_TIME, atol=1e-12)
    claims = admin("npm_pbr", audit_rate=0.0, pbr_share=1.0) - admin("npm_pbr", audit_rate=0.0,
                                                                     pbr_share=0.0)
    assert claims[1:].mean() > 0.3 * R.CLAIM_TIME
