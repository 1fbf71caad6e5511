"""The model's rules: small, pure functions of state.

Each function works on Python floats (one agent, as the Mesa agents call them), on numpy
arrays (many agents at once) and inside numba-compiled kernels (:mod:`hlssim.engines.batch.kernels` compiles
these same function objects), so every engine applies the same formula. A function that must
branch tests for the scalar case first (``isinstance(x, float)``): numba resolves that test when
it compiles and keeps only the scalar branch. None of them draws random numbers: draws are made
once per step at model level (``hlssim.model.draws``) and passed in. None calls numpy's transcendental
functions (``np.exp``, ``np.log``, ``**`` on arrays...): their last bit depends on the CPU numpy
dispatches to, so a seed would not give the same bits on every machine; :mod:`math` is used instead
(``tests/test_cpu_independence.py`` checks).

The numbered comments name the mechanism of ``MODEL.md`` each rule belongs to; ``docs/ODD.md``
gives the reasoning and sources for each formula and default.
"""

from __future__ import annotations

import math

import numpy as np

#: Number of life factors per person (debt, housing, health, relationships).
N_FACTORS = 4
#: Index of the life factor the contract's indicator measures (e.g. "debt cleared").
MEASURED_FACTOR = 0
#: Number of upstream system barriers (e.g. a debt-recovery policy, a tenancy rule, a threshold).
N_BARRIERS = 3


# --- Starting values (both engines set up and refill posts with these) ------------------------------

START_TRUST_WP = 0.4  # a person's trust in the worker they start with
RESTART_TRUST_WP = 0.3  # ... in a new worker, after a change of worker or provider
NEW_STRESS = 0.3  # a new hire's stress
NEW_TRUST_MW = 0.5  # a new hire's trust with their manager
START_TRUST_CP = 0.5  # commissioner-provider trust at the start
ENTRANT_TRUST_CP = 0.3  # ... with a new entrant after a tender
NEGLECT_EFFORT = 0.4  # share of normal effort a neglecting knave gives
START_LOCAL = 0.5  # the outside forces in each provider's area at the start


def baseline(u):
    """A person's own resilience: where their life factors settle without help."""
    return 0.2 + 0.5 * u


def initial_factor(base, noise):
    """A life factor at the start: near the person's baseline, spread by a standard normal
    ``noise`` (sd 0.1), within [0, 1]."""
    return clip01(base + 0.1 * noise)


def provider_quality(u):
    """How much a provider's help helps, relative to average (management, practice)."""
    return 0.7 + 0.6 * u


def provider_culture(u):
    """How readily a provider's staff game, relative to average (0.5 to 1.5)."""
    return 0.5 + u


def barrier_exposure_chance(complexity):
    """Chance that a person is exposed to a given upstream barrier: complex lives meet more."""
    return 0.05 + 0.45 * complexity


def new_hire(u_knave, u_motivation, knave_share):
    """Whether a new hire is a knave, and their intrinsic motivation (floats or arrays)."""
    knave = u_knave < knave_share
    if isinstance(u_knave, float):
        return knave, (0.1 + 0.15 * u_motivation if knave else 0.6 + 0.3 * u_motivation)
    return knave, np.where(knave, 0.1 + 0.15 * u_motivation, 0.6 + 0.3 * u_motivation)


def prior_belief(n_approaches: int) -> list[float]:
    """What a new worker believes of each approach: the standard one works; nothing known of the
    others."""
    return [0.7 if a == 0 else 0.45 for a in range(n_approaches)]


def regime_signals(regime, mech_pooling: float) -> dict[str, float]:
    """What a regime means for everyone each month: control, indicator pressure, autonomy, and
    the rate at which reflective practice pools knowledge."""
    control = regime_control(regime.target_pressure, regime.pbr_share, regime.audit_rate)
    return {
        "control": control,
        "pressure": indicator_pressure(regime.target_pressure, regime.pbr_share),
        "autonomy": (1.0 - regime.standardisation) * (1.0 - control),
        "pool_rate": mech_pooling * clip01(3.0 * regime.reflection_time),
    }


def mechanism_switches(scenario) -> dict[str, float]:
    """The mechanism switches as 1.0 (on) or 0.0 (off), under the names the engines use."""
    names = {f"mech_{n}": f"mech_{n}" for n in ("focus", "crowding", "turnover", "trust", "learning",
                                                 "pooling", "barriers", "neglect", "failure_demand")}
    names.update(mech_creaming="mech_gaming_creaming", mech_substitution="mech_gaming_substitution",
                 mech_threshold="mech_gaming_threshold", mech_misreport="mech_gaming_misreport",
                 mech_ratchet="mech_gaming_ratchet")
    return {attr: float(scenario[param]) for attr, param in names.items()}


def clip01(x):
    """Clamp to [0, 1], for floats and arrays alike."""
    if isinstance(x, (int, float)):
        return 0.0 if x < 0.0 else min(x, 1.0)
    return np.minimum(np.maximum(x, 0.0), 1.0)  # np.clip's result, without its overhead


def relax(x, target, rate):
    """Move ``x`` a share ``rate`` of the way to ``target`` (a first-order stock adjustment)."""
    return x + rate * (target - x)


# --- 1. Outcomes emerge from lives as complex systems ---------------------------------------------

def interaction_weight(complexity, interaction_strength):
    """Weight of the weakest life factor in wellbeing: factors interact more in complex lives."""
    return interaction_strength * complexity


def wellbeing(factor_mean, factor_min, lam):
    """True wellbeing: mean of life factors, dragged toward the weakest by interaction ``lam``."""
    return (1.0 - lam) * factor_mean + lam * factor_min


def attribution_share(complexity, attribution_loss, on):
    """Share of the measured outcome driven by forces outside the service (0 when switched off)."""
    return attribution_loss * complexity * on


def observed_outcome(w, measured_factor, external, noise, complexity, alpha):
    """What the indicator sees of a person.

    The proxy drifts from wellbeing toward the single measured factor as complexity rises
    (indicator drift); a share ``alpha`` comes from outside forces (attribution); plus noise.
    """
    proxy = (1.0 - complexity) * w + complexity * measured_factor
    return (1.0 - alpha) * proxy + alpha * external + noise


def external_update(external, innovation):
    """Outside forces on a measured outcome: an AR(1) process around 0.5."""
    return external + 0.2 * (0.5 - external) + innovation


def shock_sd(shock_size, complexity):
    """Circumstances shift faster in complex lives."""
    return shock_size * (0.5 + complexity)


def factor_change(f, base, help_on_factor, recovery_rate, barrier_pressure, shock):
    """One month's change of one life factor.

    Help raises it toward 1 (diminishing as it nears 1); without help it drifts to the person's own
    baseline; barriers push it down in proportion to its level; shocks add noise.
    """
    return help_on_factor * (1.0 - f) + recovery_rate * (base - f) - barrier_pressure * f + shock


# --- 2. Measurement and gaming -------------------------------------------------------------------

def regime_control(target_pressure, pbr_share, audit_rate):
    """How controlling the regime feels to workers: targets, payment on results, inspection."""
    return clip01(0.6 * target_pressure + 0.6 * pbr_share + 0.3 * audit_rate)


def indicator_pressure(target_pressure, pbr_share):
    """Pressure on the reported indicator from targets and payment by results."""
    return clip01(target_pressure + pbr_share)


def gaming_intensity(pressure, alpha, motivation, audit_rate, trust_mw, gaming_max):
    """How far a worker games, in [0, gaming_max].

    Grows more than in proportion to pressure, with targets the worker cannot control (``alpha``) and with low intrinsic
    motivation; audits and the manager's trust temper it (Goodhart, Campbell; MODEL.md 2).
    """
    uncontrollable = 0.3 + 0.7 * clip01(alpha / 0.6)
    deterrence = 1.0 - 0.5 * clip01(4.0 * audit_rate)
    return gaming_max * pressure**1.5 * uncontrollable * (1.0 - 0.7 * motivation) * deterrence * (
        1.0 - 0.3 * trust_mw
    )


def admin_time(indicators, reports_per_year, pbr_share, reported_share, audited, tendered,
               reflection_time):
    """A worker's share of the month on administration (MODEL.md 8): the sum of the activities
    the model holds, each with its time cost. Case records (every regime keeps them); each
    indicator reported, as often as the regime asks; claims for last month's outcomes reported
    over the line, with evidence in proportion to the pay riding on them (``pbr_share``);
    preparing for an audit drawn last month (``audited``, 0 or 1); writing a bid in the month
    after a tender is called (``tendered``, 0 or 1); writing up reflective practice and learning
    reviews. Audits, tenders and claims vary from month to month and run to run."""
    return (RECORD_TIME + REPORT_TIME * indicators * reports_per_year / 12.0
            + CLAIM_TIME * pbr_share * reported_share + AUDIT_PREP_TIME * audited
            + BID_TIME * tendered + REVIEW_NOTE_TIME * clip01(reflection_time / 0.1))


def most_admin_time(indicators, reports_per_year, pbr_share, reflection_time):
    """The most :func:`admin_time` can take in a month (everything claimed, audited, a bid)."""
    return admin_time(indicators, reports_per_year, pbr_share, 1.0, 1.0, 1.0, reflection_time)


def gaming_time(gaming, substitution_on, misreport_on):
    """Time gaming takes: counted activity in place of real work, and massaging reports."""
    return 0.4 * gaming * substitution_on, 0.05 * gaming * misreport_on


def misreport_probability(gaming, misreport_on):
    """Chance that a case under the line is reported as over it."""
    return 0.6 * gaming * misreport_on


def need_weight(observed):
    """Effort by need: more for people whose observed outcome is lower."""
    return 1.2 - observed


def threshold_allocation(gaming, pbr_share):
    """Share of a gaming worker's effort allocated by the gamer's rule (people just under the
    line, none over it) instead of by need: their gaming intensity, up to 2.4 times as much under
    payment by results, which pays for each person over the line (as parking parks harder,
    :func:`parking_multiplier`), never more than all of it."""
    return clip01(gaming * (1.0 + 2.0 * pbr_share))


def ratchet_holdback(gaming, reported_share, target):
    """Share of effort a gaming worker holds back when their reports run above a target that
    ratchets up with performance (MODEL.md 2, ratchet avoidance; Bevan and Hood 2006): what is not
    shown cannot be ratcheted, so the further above the target, the more is held back, all of the
    gaming intensity at 0.1 above it."""
    return gaming * clip01((reported_share - target) / 0.1)


def threshold_weight(observed, line):
    """Effort allocation under threshold gaming: people just under the line, nobody over it."""
    gap = line - observed
    # z * z, not z ** 2: Python's ** calls the C library's pow, which is not always correctly
    # rounded (numba multiplies), so the engines would part in the last bit (a hypothesis case
    # found it: tests/test_batch.py)
    if isinstance(observed, float):
        z = gap / 0.08
        return math.exp(-(z * z)) if gap > 0.0 else 0.02
    # math.exp one value at a time: numpy's exp differs in the last bit from one CPU to another
    return np.array([math.exp(-((g / 0.08) * (g / 0.08))) if g > 0.0 else 0.02
                     for g in np.ravel(gap).tolist()]).reshape(np.shape(gap))


def parking_multiplier(observed, line, gaming, pbr_share):
    """Share of a fair allocation a hard case still gets when cream-skimming (1 = not parked).

    A case counts as hard when its observed outcome is well below the line; payment by results
    makes parking pay, so it parks harder (MODEL.md 2; Rees, Whitworth and Carter 2014).
    """
    strength = clip01(gaming * (0.5 + 2.5 * pbr_share))
    hard = (line - observed) > 0.15
    if isinstance(observed, float):
        return 1.0 - strength if hard else 1.0
    return np.where(hard, 1.0 - strength, 1.0)


# --- NPM's strengths: focus, standardisation ------------------------------------------------------

def effort_level(motivation, pressure, alpha, focus_gain, focus_on):
    """Effort per hour of direct work: intrinsic motivation, topped up by a clear target.

    A pressed, attributable target raises effort most among the less motivated (Propper et al.
    2010; Kelman and Friedman 2009), with diminishing returns to pressure; as attribution fades,
    so does the lift.
    """
    return motivation + (1.0 - motivation) * focus_gain * pressure * (2.0 - pressure) * (
        1.0 - alpha) * focus_on


def fit_of(chosen, need, misfit_effect):
    """How well the approach used fits what helps this person."""
    if isinstance(chosen, int):
        return 1.0 if chosen == need else misfit_effect
    return np.where(chosen == need, 1.0, misfit_effect)


def relationship_quality(trust_wp, complexity):
    """How much of the help lands: continuity and trust matter more in complicated lives."""
    return 1.0 - 0.8 * complexity * (1.0 - trust_wp)


def collaboration_cover(fit, collaboration_time, alliance, complexity):
    """Joined-up working covers part of what a misfitting approach misses (MODEL.md 7)."""
    cover = clip01(2.0 * collaboration_time * (0.5 + 0.5 * alliance)) * complexity
    return fit + (1.0 - fit) * cover


# --- 3. Motivation, stress and turnover -----------------------------------------------------------

def motivation_change(m, control, autonomy, trust_mw, complexity, knave, crowding_rate):
    """Crowding: control crowds intrinsic motivation out on complex (interesting) work; autonomy
    and trust crowd it in, most where the work is complex enough to be interesting. Weibel et al.
    (2010): no crowding out on simple tasks."""
    crowd_out = control * complexity**1.5
    crowd_in = autonomy * (0.3 + 0.7 * trust_mw) * (1.0 - 0.8 * knave) * (0.2 + 0.8 * complexity)
    return crowding_rate * (crowd_in * (1.0 - m) - crowd_out * m)


def stress_target(admin, failure_share, sanctioned, futility, reflection_time):
    """Where stress settles: admin load, failure demand, sanctions and futility raise it."""
    return clip01(0.15 + 1.2 * admin + 0.5 * failure_share + 0.4 * sanctioned + 0.4 * futility
                  - 0.8 * reflection_time)


def turnover_probability(stress, motivation, base_turnover, on):
    """Monthly chance a worker leaves."""
    return base_turnover + on * (0.03 * stress + 0.02 * (1.0 - motivation))


# --- 4. Trust -------------------------------------------------------------------------------------

def person_trust_drivers(effort, park, gaming, fit):
    """Time in relationship builds a person's trust; being parked and gamed around erodes it, and
    so does help that does not fit what matters to them (a promise of help not kept)."""
    capped = min(1.0, effort) if isinstance(effort, float) else np.minimum(1.0, effort)
    return capped * park, 0.5 * (1.0 - park) + 0.2 * gaming + MISFIT_TRUST_LOSS * (1.0 - fit)


def life_lift(factor_total, base):
    """How far a person's life stands above where their own resilience would hold it without help
    (their mean life factor less their baseline): the difference a service makes, as a learning
    review or a supervision hears it in people's stories. Negative where people fall back."""
    return factor_total / N_FACTORS - base


def target_met(target, reported_share):
    """How fully reports meet the target (1 at or over it, 0 at 0.2 short): the good news a
    report carries (a shortfall is the bad news, counted as a sanction)."""
    return 1.0 - clip01((target - reported_share) / 0.2)


def supervision_sight(reflection_time):
    """How much of a worker's caseload their manager sees in supervision and reflective practice
    (all of it with 0.1 of the week for reflection)."""
    return clip01(reflection_time / 0.1)


def review_sight(reflection_time, stewardship):
    """How much of a provider's people's lives the commissioner sees in learning reviews: they
    draw on the provider's reflective practice, and a steward takes part in them."""
    return clip01(reflection_time / 0.1) * (0.5 + 0.5 * stewardship)


def results_seen(sight, lift, attention, met):
    """The good and bad news one side sees of the other's results this month (each in [0, 1]):
    people's lives as far as they are seen (``sight``), a mean ``lift`` (:func:`life_lift`) of
    :data:`LIFT_SEEN` reading as plainly good and its negative as plainly bad; and reports as far
    as they are attended to (``attention``: the pressure on them) meeting the target (``met``,
    :func:`target_met`). Gamed reports read as good news: that is how gaming fools."""
    good = clip01(sight * clip01(lift / LIFT_SEEN) + attention * met)
    bad = sight * clip01(-lift / LIFT_SEEN)
    return good, bad


def manager_trust_build(control, reflection_time, good):
    """Managers and workers build trust through honest dealing and time together (light control,
    time to reflect) on good news of the worker's results (``good``, :func:`results_seen`)."""
    return (1.0 - control) * (0.5 + 0.5 * clip01(reflection_time / 0.1)) * good


def provider_trust_build(control, alliance, good):
    """Commissioner and providers build trust through honest dealing (light control, faster in an
    alliance) on good news of the provider's results (``good``, :func:`results_seen`)."""
    return (1.0 - control) * (0.5 + 0.5 * alliance) * good


def provider_trust_loss(sanction, staff_caught, staff_neglect_found, lost_tender, bad):
    """What erodes the commissioner's trust in a provider this month, in every regime: a sanction
    for a reported shortfall, staff caught misreporting, a knave's neglect found (by an audit or by
    peers: a broken commitment to the people served), competition at a tender, and bad news of
    people's lives seen in learning reviews (``bad``, :func:`results_seen`)."""
    return sanction + staff_caught + staff_neglect_found + lost_tender + bad


def trust_change(t, build, loss, rate):
    """Trust weighs the month's good news (``build``, toward 1) and bad news (``loss``, toward 0)
    alike, at one ``rate``. Nothing here makes it fall faster than it builds: where it does, that
    comes from the news each side sees (bad news arrives as formal events, sanctions, caught
    gaming, neglect found, tenders, whatever the relationship; good news of results only as far
    as the two sides are in contact, :func:`contact`, which distrust itself cuts)."""
    return rate * (build * (1.0 - t) - loss * t)


def contact(trust):
    """How much of each other's work two sides see, given their trust: distrust brings fewer,
    shorter, more guarded meetings and less disclosure, so less of the news that could overturn it
    (Slovic 1993). Half at no trust, all at full trust."""
    return 0.5 + 0.5 * trust


# --- 5. Learning ----------------------------------------------------------------------------------

def learning_step_size(learning_rate, reflection_time):
    """Learning needs time: reflection turns results into knowledge."""
    return learning_rate * clip01((0.02 + reflection_time) / 0.12)


def exploration_chance(exploration, control, trust_mw):
    """Trying something new needs safety to fail: control and distrust suppress it."""
    return exploration * (1.0 - control) * (0.5 + 0.5 * trust_mw)


def learning_signal(fit, noise, alpha, gaming):
    """What a worker sees of whether an approach helped: fit, blurred by outside forces, and
    biased upward by gamed data (gamed data teaches the wrong lesson)."""
    return fit + 0.25 * noise * (0.5 + alpha) + 0.6 * gaming


# --- 9. Neglect versus complexity -----------------------------------------------------------------

def audit_finds_neglect(audited, complexity):
    """Chance that an audit this month finds a knave's neglect: it samples
    :data:`AUDIT_CASES` of the caseload's records and visits, and a neglected case shows against the
    record standard with chance :data:`NEGLECT_SHOWS_TO_AUDIT`, halved at complexity 1 (in complex
    lives what should have been done is unclear, so a thin record proves less)."""
    missed = 1.0 - NEGLECT_SHOWS_TO_AUDIT * (1.0 - 0.5 * complexity)
    return audited * (1.0 - missed * missed * missed)


def peers_find_neglect(peer_accountability, reflection_time, alliance, complexity):
    """Chance that peers find a knave's neglect this month: the cases a worker brings to
    reflective practice (:data:`PEER_CASES` a month with full time for it, 0.1 of the week, more
    across an alliance's partners, as far as peers hold each other to account), each recognised as
    neglect with chance :data:`NEGLECT_SHOWS_TO_PEERS`, which falls only by a quarter at
    complexity 1 (peers discuss the person's story, not a record against a standard)."""
    shared = peer_accountability * PEER_CASES * clip01(reflection_time / 0.1) * (1.0 + alliance / 3.0)
    return clip01(NEGLECT_SHOWS_TO_PEERS * (1.0 - 0.25 * complexity) * shared)


def neglect_detection(audited, peer_accountability, reflection_time, alliance, pressure, alpha,
                      complexity):
    """Monthly chance that a neglecting worker is found by any of three independent routes: an
    audit (:func:`audit_finds_neglect`), peers (:func:`peers_find_neglect`) or poor numbers on an
    attributable target (seed 002: neglect is not complexity)."""
    audit = audit_finds_neglect(audited, complexity)
    peers = peers_find_neglect(peer_accountability, reflection_time, alliance, complexity)
    numbers = 0.03 * pressure * (1.0 - alpha)
    return 1.0 - (1.0 - audit) * (1.0 - peers) * (1.0 - numbers)


# --- 6. Barriers and failure demand ---------------------------------------------------------------

def barrier_change(level, evidence, action, on):
    """Barriers seen (``evidence``, :func:`barrier_seen` over the people they meet) and acted on
    (``action``, :func:`barrier_action`) are removed; new ones slowly appear in every regime."""
    return on * (0.002 * (1.0 - level) - 0.08 * action * evidence * level)


def barrier_seen(help_received, coproduction):
    """How clearly a person's worker sees this month what an upstream barrier does to them: only
    through help that otherwise works (help that does nothing shows no contrast: then no one can
    tell a barrier from a service that fails), and more where people say what gets in their way
    (co-production). Half seen at help :data:`HELP_SEEN`."""
    return help_received / (help_received + HELP_SEEN) * (0.5 + 0.5 * coproduction)


def review_strength(target_pressure, alpha, mean_reported_share):
    """How hard a performance review traces indicator shortfalls to their causes (NPM's channel):
    the weight on the target, the share of the indicator the service is held to account for
    (``1 - alpha``: what attribution leaves) and the share reported under the line (gaming that
    inflates reports hides the shortfall, and the barrier with it)."""
    return target_pressure * (1.0 - alpha) * (1.0 - mean_reported_share)


def barrier_action(stewardship, connection, review, mech_learning):
    """How strongly what workers see of barriers is acted on: stewards acting on learning escalated
    through reflective practice and trust (``connection``, :func:`escalation_connection`), and the
    commissioner acting on what performance reviews trace to a policy. Both are learning: with no
    one who learns (``mech_learning`` 0) nothing is acted on."""
    return stewardship * connection + mech_learning * review


def failure_demand_change(fd, effort, fit, wellbeing_drop, on):
    """People come back when the first response did not fit or they were left to get worse."""
    return on * (0.5 * effort * (1.0 - fit) + 0.5 * wellbeing_drop) - 0.25 * fd


# --- The fixed numbers of a month's rules, each written once (both engines read them here) ------

AUDIT_CASES = 3  # cases an audit samples (records checked and visits made)
NEGLECT_SHOWS_TO_AUDIT = 0.25  # chance a neglected case shows against the record standard (simple world)
PEER_CASES = 2.0  # cases a worker brings to a month of full reflective practice
NEGLECT_SHOWS_TO_PEERS = 0.1  # chance peers recognise neglect in a case they discuss (simple world)
RECORD_TIME = 0.02  # share of a worker's month keeping case records (every regime)
REPORT_TIME = 0.008  # ... reporting one indicator once
CLAIM_TIME = 0.15  # ... claiming a whole caseload's outcomes with all pay riding on them
AUDIT_PREP_TIME = 0.1  # ... preparing for an audit (files pulled, records brought up to date)
BID_TIME = 0.1  # ... writing a bid when the contract is re-tendered
REVIEW_NOTE_TIME = 0.01  # ... writing up a month of full reflective practice (0.1 of the week)
LIFT_SEEN = 0.1  # a lift in people's lives read as plainly good news (a tenth of a life factor's scale)
MISFIT_TRUST_LOSS = 0.3  # a person's trust loss from help that does not fit at all
HELP_SEEN = 0.02  # help at which a worker sees half of what a barrier does (about a month's typical help)
LEARNING_EFFORT_MIN = 0.05  # a person gets less effort than this: nothing is learnt from them
RATCHET_MONTHS = 12  # the commissioner ratchets the target once a year
TUPE_REPLACED_SHARE = 0.5  # share of a losing provider's staff who leave at a tender (TUPE keeps the rest)
COMPETITION_TRUST_LOSS = 0.5  # every provider's trust loss in a tender month
LOST_TENDER_TRUST_LOSS = 1.0  # ... the losing provider's
STRESS_ADJUSTMENT = 0.1  # share of the way stress moves toward its settling point each month
KNOWLEDGE_STEP_SHARE = 0.2  # a worker's general knowledge learns at this share of a case's step
REPORT_STEP = 0.01  # reports carry outcomes to two decimals: the smallest step over the line
DISCREPANCY_PLAIN = 0.2  # a false report this far from the re-measured truth: an audit cannot miss it
CAUGHT_COST = 5.0  # being caught, in counted cases' worth: the month's misreports struck out, a
#                  sanction passed down, the manager's trust lost (manager_trust_loss)


def audit_sees_misreport(discrepancy):
    """Chance that an audit re-checking a case sees that its report is false: it grows with the
    ``discrepancy`` between the reported value and the truth the auditor re-measures (a small one
    hides in measurement noise), certain at :data:`DISCREPANCY_PLAIN`."""
    return clip01(discrepancy / DISCREPANCY_PLAIN)


def misreport_payoff(observed, line, audit_rate):
    """A worker's expected payoff of the smallest report that counts for a case under the line
    (``line`` + :data:`REPORT_STEP`; :func:`misreported_value`) against reporting it honestly:
    the case counts (1) at the risk of an audit (``audit_rate``: the regime's policy, known to
    staff) seeing the lie (:func:`audit_sees_misreport`) and costing :data:`CAUGHT_COST`. Above 0
    when the lie pays: cases far under the line are not worth the risk where audits bite."""
    lie = misreported_value(line)
    return 1.0 - audit_rate * CAUGHT_COST * audit_sees_misreport(lie - observed)


def misreported_value(line):
    """What a worker who chooses to misreport writes: the smallest value over the outcome line
    that reports carry (``line`` + :data:`REPORT_STEP`). A worker's choice, not a convention:
    every value over the line counts the same (the indicator is a threshold), and the chance an
    audit sees a false report (:func:`audit_sees_misreport`) grows with its distance from the
    truth, which is under the line, so the smallest value that counts carries the least risk
    (``tests/test_rules.py`` checks it against every value a report can take). Reports bunch
    just past the line because the payoff has a notch there (MODEL.md 2, threshold behaviour)."""
    return line + REPORT_STEP


def wellbeing_drop(old, new):
    """How hard a fall in wellbeing presses on services (failure demand's driver); 0 for a rise."""
    return max(0.0, old - new) * 10.0


def ratchet_due(month):
    """Whether the commissioner ratchets the target at the end of ``month``."""
    return month % RATCHET_MONTHS == 0


def ratcheted_target(target, ratchet, mean_reported):
    """The target after a yearly ratchet: up a share ``ratchet`` of the way to what was reported
    (never down, never above 1)."""
    return min(1.0, target + ratchet * max(0.0, mean_reported - target))


def sanction(target, reported_share, target_pressure):
    """A provider's sanction for reporting short of the target (full at 0.2 short)."""
    return target_pressure * clip01((target - reported_share) / 0.2)


def escalation_connection(mech_learning, reflection_time, trust_total, n_providers):
    """How well what workers learn reaches those who can remove barriers: reflective time (full at
    0.1 of the week) and commissioner-provider trust (``trust_total`` over ``n_providers``)."""
    return mech_learning * clip01(reflection_time / 0.1) * (0.5 + 0.5 * trust_total / n_providers)


def manager_trust_loss(sanctioned, caught, control, bad):
    """What erodes a worker's trust with their manager this month: sanctions passed down, being
    caught misreporting, control, and bad news of the caseload's lives seen in supervision
    (``bad``, :func:`results_seen`)."""
    return sanctioned + caught + 0.2 * control + bad


def tender_score(reported_share, noise):
    """A provider's score at a tender: its reported share, judged with a little noise."""
    return reported_share + 0.02 * noise


def outside_drift(value, innovation):
    """Outside forces one month on (an AR(1) process kept in [0, 1]; ``innovation`` ~ noise)."""
    return clip01(external_update(value, 0.1 * innovation))


def outside_forces(external, local):
    """The outside forces on a person's measured outcome: their own and their area's, equally."""
    return 0.5 * (external + local)


def knowledge_step(step):
    """A worker's general knowledge's learning step, for a case's ``step``."""
    return KNOWLEDGE_STEP_SHARE * step


def case_discussion_rate(pool_rate, mech_learning):
    """How far reflective case discussion pulls a person's belief toward the team's knowledge."""
    return 0.1 * pool_rate * mech_learning


def coproduction_gain(belief):
    """What co-production adds to the belief in what really helps (half the way to certain)."""
    return 0.5 * (1.0 - belief)
