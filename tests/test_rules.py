"""Property tests of the formulas in :mod:`hlssim.model.rules`: the direction and bounds each promises.

Each rule is a small pure function; its docstring, ``docs/ODD.md`` (section 7) and ``MODEL.md``
say which way each argument must move it and what range it must stay in. The tests here state
those promises as hypothesis properties, so that zeroing, dropping or flipping any single term of
a formula fails at least one of them:

* bounds: outputs stay in their promised range for inputs in their domains;
* direction: each argument a term depends on moves the output strictly, the promised way, where
  that term acts (and not at all where the formula says it should not act);
* neutral points: e.g. ``relax(x, x, r) == x``, no trust change without build or loss;
* no asymmetry written into a rule: trust weighs good and bad news alike (where it falls faster
  than it builds, the news makes it: fact 08).

Rules with an array branch (``isinstance`` tests) are also checked to give, element by element,
exactly what the scalar branch gives. ``test_mechanism_terms.py`` checks the same terms at model
level; these tests are fast and pin each formula down directly.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hlssim.model import rules as R
from hlssim.model.parameters import PARAMETERS

PROPERTY = settings(max_examples=200, deadline=None)


def floats(lo: float = 0.0, hi: float = 1.0):
    """Bounded, finite floats in [lo, hi]."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


unit = floats()


@st.composite
def ordered(draw, lo: float = 0.0, hi: float = 1.0, gap: float = 1e-3):
    """Two values ``a < b`` in [lo, hi], at least about ``gap`` apart (so a term that must move
    the output moves it by more than rounding)."""
    a = draw(floats(lo, hi - gap))
    b = draw(floats(min(a + gap, hi), hi))
    return a, b


def float_arrays(lo: float = 0.0, hi: float = 1.0, size: int | None = None):
    """1-D arrays of floats in [lo, hi] (lists drawn by hypothesis, so edge values come up)."""
    n = st.integers(1, 12) if size is None else st.just(size)
    return n.flatmap(lambda k: st.lists(floats(lo, hi), min_size=k, max_size=k)).map(np.array)


# --- Starting values ----------------------------------------------------------------------------

def test_starting_values_are_shares_and_restarts_start_lower():
    """Starting values: trust, stress and effort shares lie in [0, 1]; a new relationship after a
    change of worker starts below the first one, and a tender entrant below the incumbent."""
    for v in (R.START_TRUST_WP, R.RESTART_TRUST_WP, R.NEW_STRESS, R.NEW_TRUST_MW,
              R.START_TRUST_CP, R.ENTRANT_TRUST_CP, R.NEGLECT_EFFORT):
        assert 0.0 <= v <= 1.0
    assert R.RESTART_TRUST_WP < R.START_TRUST_WP
    assert R.ENTRANT_TRUST_CP < R.START_TRUST_CP
    assert R.NEGLECT_EFFORT < 1.0
    assert 0 <= R.MEASURED_FACTOR < R.N_FACTORS


@PROPERTY
@given(ordered())
def test_baseline_quality_culture_exposure_rise_with_their_draw(pair):
    """Starting values: resilience, provider quality and culture, and barrier exposure (which
    rises with complexity) are increasing maps into their stated ranges; quality and culture
    are relative to an average of 1 at the middle draw."""
    u1, u2 = pair
    for f, lo, hi in ((R.baseline, 0.2, 0.7), (R.provider_quality, 0.7, 1.3),
                      (R.provider_culture, 0.5, 1.5), (R.barrier_exposure_chance, 0.05, 0.5)):
        assert lo - 1e-12 <= f(u1) < f(u2) <= hi + 1e-12, f.__name__
    assert R.provider_quality(0.5) == 1.0
    assert R.provider_culture(0.5) == 1.0


@PROPERTY
@given(unit, st.floats(-6, 6), st.floats(-6, 6))
def test_a_life_factor_starts_near_the_baseline_within_the_unit_interval(u, z1, z2):
    """Starting life factors (initial_factor): in [0, 1], rising with the noise, and equal to the
    baseline for zero noise (the spread is around the person's own resilience)."""
    base = R.baseline(u)
    lo, hi = sorted((z1, z2))
    assert 0.0 <= R.initial_factor(base, lo) <= R.initial_factor(base, hi) <= 1.0
    assert R.initial_factor(base, 0.0) == base
    assert abs(R.initial_factor(base, 1.0) - base) <= 0.1 + 1e-12


@PROPERTY
@given(unit, ordered(), unit)
def test_new_hire_is_a_knave_below_the_share_and_knaves_are_less_motivated(u_knave, pair, share):
    """Starting values (new_hire): a hire is a knave exactly when its draw falls below
    ``knave_share``; knaves' motivation lies in [0.1, 0.25] and knights' in [0.6, 0.9], each rising
    with the motivation draw, so every knave is less motivated than every knight."""
    m1, m2 = pair
    knave, motivation = R.new_hire(u_knave, m1, share)
    assert knave == (u_knave < share)
    _, motivation2 = R.new_hire(u_knave, m2, share)
    assert motivation < motivation2
    if knave:
        assert 0.1 <= motivation <= 0.25 + 1e-12
    else:
        assert 0.6 <= motivation <= 0.9 + 1e-12
    _, worst_knight = R.new_hire(1.0, 0.0, 0.5)
    _, best_knave = R.new_hire(0.0, 1.0, 0.5)
    assert best_knave < worst_knight


@PROPERTY
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(float_arrays(size=n), float_arrays(size=n))),
       unit)
def test_new_hire_array_form_equals_scalar_form(arrays, share):
    """Starting values (new_hire, array branch): many hires at once give, element by element,
    exactly what one hire at a time gives."""
    u_knave, u_motivation = arrays
    knaves, motivations = R.new_hire(u_knave, u_motivation, share)
    for i in range(len(u_knave)):
        k, m = R.new_hire(float(u_knave[i]), float(u_motivation[i]), share)
        assert bool(knaves[i]) == k
        assert motivations[i] == m


@given(st.integers(1, 12))
def test_prior_belief_trusts_the_standard_approach(n):
    """Starting values (prior_belief): one belief per approach, all in [0, 1]; the standard
    approach (0) is believed to work better than any untried one, and the others are alike."""
    prior = R.prior_belief(n)
    assert len(prior) == n
    assert all(0.0 <= b <= 1.0 for b in prior)
    assert all(prior[0] > b for b in prior[1:])
    assert len(set(prior[1:])) <= 1


# --- Regime signals and helpers -----------------------------------------------------------------

def regime(target_pressure=0.0, pbr_share=0.0, audit_rate=0.0, standardisation=0.0,
           reflection_time=0.0):
    return SimpleNamespace(target_pressure=target_pressure, pbr_share=pbr_share,
                           audit_rate=audit_rate, standardisation=standardisation,
                           reflection_time=reflection_time)


@PROPERTY
@given(unit, unit, unit, ordered(), floats(0.0, 0.5), st.sampled_from([0.0, 1.0]))
def test_regime_signals(tp, pbr, audit, std_pair, reflection, pooling):
    """Regime signals: control and pressure are those of regime_control and indicator_pressure;
    autonomy lies in [0, 1], falls with standardisation (where control leaves any) and is
    1 - control without it; pooling is off without the switch and needs reflection time."""
    s1, s2 = std_pair
    sig = R.regime_signals(regime(tp, pbr, audit, s1, reflection), pooling)
    assert sig["control"] == R.regime_control(tp, pbr, audit)
    assert sig["pressure"] == R.indicator_pressure(tp, pbr)
    assert 0.0 <= sig["autonomy"] <= 1.0
    assert R.regime_signals(regime(tp, pbr, audit, 0.0, reflection), pooling)["autonomy"] == (
        1.0 - sig["control"])
    if sig["control"] < 1.0:
        assert sig["autonomy"] > R.regime_signals(regime(tp, pbr, audit, s2, reflection),
                                                  pooling)["autonomy"]
    assert 0.0 <= sig["pool_rate"] <= 1.0
    if pooling == 0.0 or reflection == 0.0:
        assert sig["pool_rate"] == 0.0
    else:
        assert sig["pool_rate"] > 0.0


@PROPERTY
@given(ordered(0.0, 1.0 / 3.0), st.sampled_from([1.0, 0.5]))
def test_pool_rate_rises_with_reflection_until_it_saturates(pair, pooling):
    """Regime signals: the pool rate rises strictly with reflection time up to a third of the
    week's time, reaches the pooling switch's value there, and stays flat beyond."""
    r1, r2 = pair
    low = R.regime_signals(regime(reflection_time=r1), pooling)["pool_rate"]
    high = R.regime_signals(regime(reflection_time=r2), pooling)["pool_rate"]
    assert low < high
    assert R.regime_signals(regime(reflection_time=0.4), pooling)["pool_rate"] == pooling


@given(st.lists(st.booleans(), min_size=14, max_size=14))
def test_mechanism_switches_map_each_switch_to_one_or_zero(flags):
    """Regime signals (mechanism_switches): every mechanism switch appears once, as 1.0 when on
    and 0.0 when off, under the engines' names."""
    params = ["mech_focus", "mech_crowding", "mech_turnover", "mech_trust", "mech_learning",
              "mech_pooling", "mech_barriers", "mech_neglect", "mech_failure_demand",
              "mech_gaming_creaming", "mech_gaming_substitution", "mech_gaming_threshold",
              "mech_gaming_misreport", "mech_gaming_ratchet"]
    scenario = dict(zip(params, flags))
    switches = R.mechanism_switches(scenario)
    assert len(switches) == 14
    assert sorted(switches.values()) == sorted(float(f) for f in flags)
    for attr, value in switches.items():
        param = attr if attr in scenario else attr.replace("mech_", "mech_gaming_")
        assert value == float(scenario[param])


@PROPERTY
@given(floats(-5.0, 5.0))
@example(-1.0)
@example(2.0)
def test_clip01_clamps_to_the_unit_interval(x):
    """Helpers (clip01): the result lies in [0, 1], is x itself inside [0, 1] and the nearer bound
    outside it; ints are clamped too."""
    y = R.clip01(x)
    assert 0.0 <= y <= 1.0
    assert y == min(max(x, 0.0), 1.0)
    assert R.clip01(int(round(x))) == min(max(int(round(x)), 0), 1)


@PROPERTY
@given(float_arrays(-5.0, 5.0))
def test_clip01_array_form_equals_scalar_form(xs):
    """Helpers (clip01, array branch): element by element, exactly the scalar result, whatever
    the shape."""
    for arr in (xs, xs.reshape(1, -1)):
        out = R.clip01(arr)
        assert out.shape == arr.shape
        assert out.ravel().tolist() == [R.clip01(float(x)) for x in arr.ravel()]


@PROPERTY
@given(unit, unit, unit)
def test_relax_moves_a_share_of_the_way_to_the_target(x, target, rate):
    """Helpers (relax): a first-order adjustment: no move at the target or at rate 0; all the way
    at rate 1; otherwise the result lies between x and the target, strictly closer to it."""
    assert R.relax(x, x, rate) == x
    assert R.relax(x, target, 0.0) == x
    assert abs(R.relax(x, target, 1.0) - target) <= 1e-15
    y = R.relax(x, target, rate)
    assert min(x, target) - 1e-15 <= y <= max(x, target) + 1e-15
    if rate > 1e-3 and abs(target - x) > 1e-3:
        assert abs(target - y) < abs(target - x)


# --- 1. Outcomes emerge from lives as complex systems -------------------------------------------

@PROPERTY
@given(ordered(), floats(0.01, 1.0), ordered(), floats(0.01, 1.0))
def test_interaction_and_attribution_grow_with_complexity(c_pair, strength, s_pair, c):
    """1 (interaction_weight, attribution_share): the weight of the weakest factor and the share
    of the outcome outside the service lie in [0, 1], are zero at complexity 0, rise strictly
    with complexity and with their strength; attribution is zero when switched off."""
    c1, c2 = c_pair
    assert R.interaction_weight(0.0, strength) == 0.0
    assert 0.0 <= R.interaction_weight(c1, strength) < R.interaction_weight(c2, strength) <= 1.0
    assert R.interaction_weight(c, s_pair[0]) < R.interaction_weight(c, s_pair[1])
    assert R.attribution_share(0.0, strength, 1.0) == 0.0
    assert (0.0 <= R.attribution_share(c1, strength, 1.0)
            < R.attribution_share(c2, strength, 1.0) <= 1.0)
    assert R.attribution_share(c, s_pair[0], 1.0) < R.attribution_share(c, s_pair[1], 1.0)
    assert R.attribution_share(c2, strength, 0.0) == 0.0


@PROPERTY
@given(ordered(), ordered(0.0, 1.0, 1e-3), unit)
def test_wellbeing_is_the_mean_dragged_toward_the_weakest_factor(factors, lam_pair, lam):
    """1 (wellbeing): between the weakest factor and the mean; the mean at no interaction, the
    weakest at full interaction; strictly lower the stronger the interaction; strictly rising in
    the mean (interaction < 1) and in the weakest factor (interaction > 0)."""
    fmin, fmean = factors
    w = R.wellbeing(fmean, fmin, lam)
    assert fmin - 1e-15 <= w <= fmean + 1e-15
    assert R.wellbeing(fmean, fmin, 0.0) == fmean
    assert R.wellbeing(fmean, fmin, 1.0) == fmin
    l1, l2 = lam_pair
    assert R.wellbeing(fmean, fmin, l1) > R.wellbeing(fmean, fmin, l2)
    # each factor moves wellbeing where its weight is positive
    assert R.wellbeing(fmean, fmin, l1) < R.wellbeing(fmean + 0.01, fmin, l1)
    assert R.wellbeing(fmean, fmin, l2) < R.wellbeing(fmean, fmin + 0.01, l2)


@PROPERTY
@given(unit, unit, unit, floats(-0.2, 0.2), unit, unit, ordered())
def test_observed_outcome_mixes_wellbeing_measured_factor_and_outside_forces(
        w, measured, external, noise, c, alpha, pair):
    """1 (observed_outcome): without noise it lies between the lowest and highest of wellbeing,
    the measured factor and outside forces; it is wellbeing itself at complexity and attribution
    0; it rises strictly in wellbeing (c < 1, alpha < 1), in the measured factor (c > 0,
    alpha < 1) and in outside forces (alpha > 0), ignores the measured factor at c = 0 and outside
    forces at alpha = 0; noise adds one for one."""
    y0 = R.observed_outcome(w, measured, external, 0.0, c, alpha)
    assert min(w, measured, external) - 1e-12 <= y0 <= max(w, measured, external) + 1e-12
    assert R.observed_outcome(w, measured, external, 0.0, 0.0, 0.0) == w
    assert abs(R.observed_outcome(w, measured, external, noise, c, alpha) - (y0 + noise)) <= 1e-12
    a, b = pair
    c_in, alpha_in = min(c, 0.9), min(alpha, 0.9)
    assert (R.observed_outcome(a, measured, external, noise, c_in, alpha_in)
            < R.observed_outcome(b, measured, external, noise, c_in, alpha_in))
    c_pos = max(c, 0.1)
    assert (R.observed_outcome(w, a, external, noise, c_pos, alpha_in)
            < R.observed_outcome(w, b, external, noise, c_pos, alpha_in))
    alpha_pos = max(alpha, 0.1)
    assert (R.observed_outcome(w, measured, a, noise, c, alpha_pos)
            < R.observed_outcome(w, measured, b, noise, c, alpha_pos))
    assert (R.observed_outcome(w, a, external, noise, 0.0, alpha)
            == R.observed_outcome(w, b, external, noise, 0.0, alpha))
    assert (R.observed_outcome(w, measured, a, noise, c, 0.0)
            == R.observed_outcome(w, measured, b, noise, c, 0.0))


@PROPERTY
@given(unit, floats(-0.3, 0.3))
def test_external_update_reverts_to_one_half(external, innovation):
    """1 (external_update): an AR(1) around 0.5: at rest at 0.5; without an innovation it moves
    strictly toward 0.5 without overshooting; the innovation adds one for one."""
    assert R.external_update(0.5, 0.0) == 0.5
    y = R.external_update(external, 0.0)
    if abs(external - 0.5) > 1e-9:
        assert abs(y - 0.5) < abs(external - 0.5)
        assert (y - 0.5) * (external - 0.5) > 0.0
    assert abs(R.external_update(external, innovation) - (y + innovation)) <= 1e-15


@PROPERTY
@given(floats(0.001, 0.3), ordered(), floats(0.0, 0.3), unit)
def test_shocks_are_larger_in_complex_lives(size, c_pair, size2, c):
    """1 (shock_sd): shocks scale with shock_size (none without it) and grow strictly with
    complexity; ``shock_size`` is the sd at complexity 0.5."""
    c1, c2 = c_pair
    assert 0.0 < R.shock_sd(size, c1) < R.shock_sd(size, c2)
    assert R.shock_sd(0.0, c) == 0.0
    assert R.shock_sd(size, 0.5) == size
    assert abs(R.shock_sd(2.0 * size2, c) - 2.0 * R.shock_sd(size2, c)) <= 1e-15


@PROPERTY
@given(floats(0.0, 0.999), unit, floats(0.0, 0.3), floats(0.0, 0.3), floats(0.0, 0.3),
       floats(-0.1, 0.1), ordered(0.0, 0.3))
def test_factor_change_help_recovery_barriers_and_shocks(f, base, help_, rate, barrier, shock,
                                                         pair):
    """1 (factor_change): help raises a factor strictly (f < 1), less the nearer it is to 1;
    without help it drifts toward its baseline (strictly, at a positive rate); barriers push it
    strictly down (f > 0); a shock adds one for one; with no help, barrier, shock or drift there is
    no change; without a shock the factor stays in [0, 1]."""
    a, b = pair
    assert (R.factor_change(f, base, a, rate, barrier, shock)
            < R.factor_change(f, base, b, rate, barrier, shock))
    # diminishing returns: the same help moves a higher factor less
    if f < 0.99:
        assert (R.factor_change(f + 0.01, base, b, 0.0, 0.0, 0.0)
                < R.factor_change(f, base, b, 0.0, 0.0, 0.0))
    assert R.factor_change(f, f, 0.0, rate, 0.0, 0.0) == 0.0
    assert R.factor_change(f, base, 0.0, 0.0, 0.0, 0.0) == 0.0
    drift = R.factor_change(f, base, 0.0, max(rate, 0.01), 0.0, 0.0)
    if abs(base - f) > 1e-9:
        assert drift * (base - f) > 0.0
    f_pos = max(f, 0.01)
    assert (R.factor_change(f_pos, base, help_, rate, b, shock)
            < R.factor_change(f_pos, base, help_, rate, a, shock))
    no_shock = R.factor_change(f, base, help_, rate, barrier, 0.0)
    assert abs(R.factor_change(f, base, help_, rate, barrier, shock) - (no_shock + shock)) <= 1e-15
    assert -1e-12 <= f + no_shock <= 1.0 + 1e-12


# --- 2. Measurement and gaming ------------------------------------------------------------------

# Inputs that keep the clipped sums of regime_control and indicator_pressure inside (0, 1).
interior = floats(0.0, 0.3)


@PROPERTY
@given(interior, interior, interior, ordered(0.0, 0.3), unit, unit, unit)
def test_regime_control_and_pressure(tp, pbr, audit, pair, a, b, c):
    """2 (regime_control, indicator_pressure): both lie in [0, 1] and are zero without targets,
    PbR or audit; control rises strictly with targets, PbR and audit; pressure rises strictly
    with targets and PbR and does not depend on audit."""
    x1, x2 = pair
    assert 0.0 <= R.regime_control(a, b, c) <= 1.0
    assert 0.0 <= R.indicator_pressure(a, b) <= 1.0
    assert R.regime_control(0.0, 0.0, 0.0) == 0.0
    assert R.indicator_pressure(0.0, 0.0) == 0.0
    assert R.regime_control(x1, pbr, audit) < R.regime_control(x2, pbr, audit)
    assert R.regime_control(tp, x1, audit) < R.regime_control(tp, x2, audit)
    assert R.regime_control(tp, pbr, x1) < R.regime_control(tp, pbr, x2)
    assert R.indicator_pressure(x1, pbr) < R.indicator_pressure(x2, pbr)
    assert R.indicator_pressure(tp, x1) < R.indicator_pressure(tp, x2)
    assert R.regime_control(1.0, 1.0, 1.0) == 1.0


def gaming(pressure=1.0, alpha=1.0, motivation=0.0, audit=0.0, trust=0.0, gmax=0.6):
    return R.gaming_intensity(pressure, alpha, motivation, audit, trust, gmax)


@PROPERTY
@given(unit, unit, unit, unit, unit, unit)
def test_gaming_intensity_is_bounded_and_zero_without_pressure(p, alpha, m, audit, trust, gmax):
    """2 (gaming_intensity): in [0, gaming_max]; zero without pressure or with gaming_max 0;
    exactly gaming_max under full pressure, uncontrollable targets, no motivation, no audit and
    no trust (the ceiling the parameter names)."""
    g = gaming(p, alpha, m, audit, trust, gmax)
    assert 0.0 <= g <= gmax + 1e-15
    assert gaming(0.0, alpha, m, audit, trust, gmax) == 0.0
    assert gaming(p, alpha, m, audit, trust, 0.0) == 0.0
    assert abs(gaming(1.0, 1.0, 0.0, 0.0, 0.0, gmax) - gmax) <= 1e-15


# "other factors nonzero": motivation < 1 and gaming_max > 0 keep every factor positive.
g_pressure = floats(0.05, 1.0)
g_motivation = floats(0.0, 0.95)
g_max = floats(0.05, 1.0)


@PROPERTY
@given(ordered(0.01, 1.0), unit, g_motivation, unit, unit, g_max)
def test_gaming_grows_more_than_in_proportion_to_pressure(pair, alpha, m, audit, trust, gmax):
    """2 (gaming_intensity): strictly increasing and convex in pressure (gaming per unit of
    pressure rises with pressure: Goodhart, Campbell)."""
    p1, p2 = pair
    g1, g2 = gaming(p1, alpha, m, audit, trust, gmax), gaming(p2, alpha, m, audit, trust, gmax)
    assert g1 < g2
    assert g1 / p1 < g2 / p2


@PROPERTY
@given(g_pressure, ordered(0.0, 0.6), floats(0.6, 1.0), g_motivation, unit, unit, g_max)
def test_gaming_grows_with_targets_the_worker_cannot_control(p, pair, alpha_hi, m, audit, trust,
                                                             gmax):
    """2 (gaming_intensity): strictly increasing in attribution loss ``alpha`` up to 0.6, flat
    beyond; still positive on fully controllable targets (alpha = 0)."""
    a1, a2 = pair
    assert gaming(p, a1, m, audit, trust, gmax) < gaming(p, a2, m, audit, trust, gmax)
    assert gaming(p, alpha_hi, m, audit, trust, gmax) == gaming(p, 0.6, m, audit, trust, gmax)
    assert gaming(p, 0.0, m, audit, trust, gmax) > 0.0


@PROPERTY
@given(g_pressure, unit, ordered(), unit, unit, g_max)
def test_gaming_falls_with_intrinsic_motivation(p, alpha, pair, audit, trust, gmax):
    """2 (gaming_intensity): strictly decreasing in intrinsic motivation, yet fully motivated
    workers under pressure still game a little."""
    m1, m2 = pair
    assert gaming(p, alpha, m1, audit, trust, gmax) > gaming(p, alpha, m2, audit, trust, gmax)
    assert gaming(p, alpha, 1.0, audit, trust, gmax) > 0.0


@PROPERTY
@given(g_pressure, unit, g_motivation, ordered(0.0, 0.25), floats(0.25, 1.0), unit, g_max)
def test_audits_deter_gaming(p, alpha, m, pair, audit_hi, trust, gmax):
    """2 (gaming_intensity): audits temper gaming: strictly decreasing in audit rate on
    [0, 0.25], flat beyond, and never to zero."""
    a1, a2 = pair
    assert gaming(p, alpha, m, a1, trust, gmax) > gaming(p, alpha, m, a2, trust, gmax)
    assert gaming(p, alpha, m, audit_hi, trust, gmax) == gaming(p, alpha, m, 0.25, trust, gmax)
    assert gaming(p, alpha, m, 1.0, trust, gmax) > 0.0


@PROPERTY
@given(g_pressure, unit, g_motivation, unit, ordered(), g_max)
def test_managers_trust_tempers_gaming(p, alpha, m, audit, pair, gmax):
    """2 (gaming_intensity): strictly decreasing in the manager's trust, and never to zero."""
    t1, t2 = pair
    assert gaming(p, alpha, m, audit, t1, gmax) > gaming(p, alpha, m, audit, t2, gmax)
    assert gaming(p, alpha, m, audit, 1.0, gmax) > 0.0


@PROPERTY
@given(floats(0.0, 30.0), floats(0.0, 12.0), unit, unit, st.booleans(), st.booleans(),
       floats(0.0, 0.3), ordered(), ordered(0.0, 30.0))
def test_admin_time_is_the_sum_of_the_activities_held(ind, per_year, pbr, reported, audited,
                                                      tendered, reflection, pair, ind_pair):
    """2 / 8 (admin_time): case records alone when nothing is reported, claimed, audited, bid or
    written up; strictly more with each indicator reported, each report a year, each claim, an
    audit, a bid and reflective practice; never more than most_admin_time."""
    a, t = float(audited), float(tendered)
    x1, x2 = pair
    i1, i2 = ind_pair
    assert R.admin_time(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0) == R.RECORD_TIME
    t0 = R.admin_time(ind, per_year, pbr, reported, a, t, reflection)
    assert R.RECORD_TIME <= t0 <= R.most_admin_time(ind, per_year, pbr, reflection) + 1e-12
    y = max(per_year, 0.5)
    assert R.admin_time(i1, y, pbr, reported, a, t, reflection) < R.admin_time(i2, y, pbr, reported, a, t, reflection)
    p = max(pbr, 0.05)
    assert R.admin_time(ind, per_year, p, x1, a, t, reflection) < R.admin_time(ind, per_year, p, x2, a, t, reflection)
    assert R.admin_time(ind, per_year, pbr, reported, 0.0, t, reflection) < R.admin_time(ind, per_year, pbr, reported, 1.0, t, reflection)
    assert R.admin_time(ind, per_year, pbr, reported, a, 0.0, reflection) < R.admin_time(ind, per_year, pbr, reported, a, 1.0, reflection)
    assert R.admin_time(ind, per_year, pbr, reported, a, t, 0.0) < R.admin_time(ind, per_year, pbr, reported, a, t, 0.1)


@PROPERTY
@given(unit, ordered(), st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 1.0]))
def test_gaming_time_for_substitution_and_misreporting(g, pair, sub_on, mis_on):
    """2 (gaming_time): each kind of gaming takes time only when its switch is on, strictly more
    the more a worker games, each independent of the other's switch; together less than the
    week (and less than the gaming intensity itself)."""
    sub, mis = R.gaming_time(g, sub_on, mis_on)
    assert 0.0 <= sub <= g and 0.0 <= mis <= g
    assert sub + mis < 1.0
    assert R.gaming_time(g, 0.0, mis_on)[0] == 0.0
    assert R.gaming_time(g, sub_on, 0.0)[1] == 0.0
    assert R.gaming_time(g, sub_on, 1.0 - mis_on)[0] == sub
    assert R.gaming_time(g, 1.0 - sub_on, mis_on)[1] == mis
    g1, g2 = pair
    assert R.gaming_time(g1, 1.0, 1.0)[0] < R.gaming_time(g2, 1.0, 1.0)[0]
    assert R.gaming_time(g1, 1.0, 1.0)[1] < R.gaming_time(g2, 1.0, 1.0)[1]


@PROPERTY
@given(unit, ordered())
def test_misreport_probability(g, pair):
    """2 (misreport_probability): a probability; zero when the switch is off or nobody games;
    strictly rising with gaming when on; below 1 even at full gaming."""
    assert 0.0 <= R.misreport_probability(g, 1.0) < 1.0
    assert R.misreport_probability(g, 0.0) == 0.0
    assert R.misreport_probability(0.0, 1.0) == 0.0
    g1, g2 = pair
    assert R.misreport_probability(g1, 1.0) < R.misreport_probability(g2, 1.0)


@PROPERTY
@given(ordered())
def test_need_weight_favours_the_worst_off(pair):
    """2 (need_weight): honest allocation by need: positive for every observed outcome in
    [0, 1] and strictly higher the lower the observed outcome."""
    o1, o2 = pair
    assert R.need_weight(o1) > R.need_weight(o2) > 0.0


@PROPERTY
@given(ordered(0.0, 1.0, 1e-3), floats(0.0, 1.0))
def test_threshold_weight_favours_people_just_under_the_line(pair, line):
    """2 (threshold_weight): in (0, 1]; the same small weight for everyone on or over the line;
    below it, strictly more the closer a person is to the line, and just under the line (within
    0.1) more than anyone over it."""
    o1, o2 = pair
    w1, w2 = R.threshold_weight(o1, line), R.threshold_weight(o2, line)
    assert 0.0 < w1 <= 1.0 and 0.0 < w2 <= 1.0
    over = R.threshold_weight(line, line)
    if o1 >= line:
        assert w1 == w2 == over
    elif o2 < line:
        assert w1 < w2
    if 0.0 < line - o2 < 0.1:
        assert w2 > over


@PROPERTY
@given(float_arrays(), unit)
def test_threshold_weight_array_form_equals_scalar_form(observed, line):
    """2 (threshold_weight, array branch): element by element, exactly the scalar result, in the
    same shape (also 2-D), including a person exactly on the line."""
    observed = np.append(observed, line)
    for arr in (observed, observed.reshape(-1, 1)):
        out = R.threshold_weight(arr, line)
        assert out.shape == arr.shape
        assert out.ravel().tolist() == [R.threshold_weight(float(o), line) for o in arr.ravel()]


@PROPERTY
@given(unit, unit, unit, unit, ordered(0.0, 0.3), ordered(0.0, 0.25))
def test_parking_hard_cases_under_pressure_and_pbr(observed, line, g, pbr, g_pair, pbr_pair):
    """2 (parking_multiplier): a share in [0, 1]; 1 for a case not well below the line (gap of
    0.15 or less) and for everyone without gaming; for a hard case strictly lower the more the
    worker games and the larger the PbR share (payment by results makes parking pay)."""
    park = R.parking_multiplier(observed, line, g, pbr)
    assert 0.0 <= park <= 1.0
    if line - observed <= 0.15:
        assert park == 1.0
    assert R.parking_multiplier(observed, line, 0.0, pbr) == 1.0
    hard_line, hard_obs = 0.55, 0.3
    g1, g2 = g_pair
    assert (R.parking_multiplier(hard_obs, hard_line, g1, pbr_pair[0])
            > R.parking_multiplier(hard_obs, hard_line, g2, pbr_pair[0]))
    g_pos = max(g, 0.05) * 0.3
    assert (R.parking_multiplier(hard_obs, hard_line, g_pos, pbr_pair[0])
            > R.parking_multiplier(hard_obs, hard_line, g_pos, pbr_pair[1]))


@PROPERTY
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(float_arrays(size=n), float_arrays(size=n))),
       unit, unit)
def test_parking_multiplier_array_form_equals_scalar_form(arrays, line, pbr):
    """2 (parking_multiplier, array branch): for arrays of outcomes (and of gaming, one per
    case, or a single gaming value), element by element exactly the scalar result."""
    observed, g = arrays
    out = R.parking_multiplier(observed, line, g, pbr)
    assert out.tolist() == [R.parking_multiplier(float(o), line, float(x), pbr)
                            for o, x in zip(observed, g)]
    out = R.parking_multiplier(observed, line, float(g[0]), pbr)
    assert out.tolist() == [R.parking_multiplier(float(o), line, float(g[0]), pbr)
                            for o in observed]


# --- NPM's strengths: focus, standardisation ----------------------------------------------------

def effort(m=0.3, p=0.5, alpha=0.0, gain=0.45, on=1.0):
    return R.effort_level(m, p, alpha, gain, on)


@PROPERTY
@given(unit, unit, unit, unit, st.sampled_from([0.0, 1.0]))
def test_effort_is_motivation_topped_up_within_bounds(m, p, alpha, gain, on):
    """NPM strengths (effort_level): at least intrinsic motivation and at most 1; exactly
    motivation when focus is off, without pressure or with nothing attributable (alpha = 1)."""
    e = effort(m, p, alpha, gain, on)
    assert m <= e <= 1.0 + 1e-12
    assert effort(m, p, alpha, gain, 0.0) == m
    assert effort(m, 0.0, alpha, gain, on) == m
    assert effort(m, p, 1.0, gain, on) == m


lift_m = floats(0.0, 0.95)
lift_alpha = floats(0.0, 0.95)
lift_gain = floats(0.05, 1.0)


@PROPERTY
@given(lift_m, ordered(0.0, 1.0, 1e-2), lift_alpha, lift_gain)
def test_a_clear_target_raises_effort_with_diminishing_returns(m, pair, alpha, gain):
    """NPM strengths (effort_level, focus term): strictly increasing in pressure and concave
    in it (diminishing returns: the midpoint gets more than the average of the ends)."""
    p1, p2 = pair
    assert effort(m, p1, alpha, gain) < effort(m, p2, alpha, gain)
    mid = effort(m, 0.5 * (p1 + p2), alpha, gain)
    assert mid > 0.5 * (effort(m, p1, alpha, gain) + effort(m, p2, alpha, gain))


@PROPERTY
@given(ordered(), floats(0.05, 1.0), ordered(), ordered(), lift_m, lift_alpha, lift_gain)
def test_focus_lifts_the_less_motivated_most_and_fades_with_attribution(
        m_pair, p, a_pair, gain_pair, m, alpha, gain):
    """NPM strengths (effort_level): the lift above motivation is strictly larger for the less
    motivated, strictly smaller as attribution fades (alpha), strictly larger with focus_gain."""
    m1, m2 = m_pair
    assert effort(m1, p, alpha, gain) - m1 > effort(m2, p, alpha, gain) - m2
    a1, a2 = a_pair
    assert effort(m, p, a1, gain) > effort(m, p, a2, gain)
    g1, g2 = gain_pair
    assert effort(m, p, alpha, g1) < effort(m, p, alpha, g2)


@PROPERTY
@given(st.integers(0, 11), st.integers(0, 11), unit)
def test_fit_of_is_one_for_the_right_approach(chosen, need, misfit):
    """NPM strengths (fit_of): 1 when the approach used is what helps, misfit_effect otherwise."""
    assert R.fit_of(chosen, need, misfit) == (1.0 if chosen == need else misfit)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=12), unit)
def test_fit_of_array_form_equals_scalar_form(pairs, misfit):
    """NPM strengths (fit_of, array branch): element by element, exactly the scalar result."""
    chosen = np.array([c for c, _ in pairs])
    need = np.array([n for _, n in pairs])
    out = R.fit_of(chosen, need, misfit)
    assert out.tolist() == [R.fit_of(int(c), int(n), misfit) for c, n in pairs]


@PROPERTY
@given(unit, unit, ordered(), ordered())
def test_relationship_quality_matters_more_in_complicated_lives(t, c, t_pair, c_pair):
    """NPM strengths (relationship_quality): in [0.2, 1]; 1 in a simple life or with full trust;
    strictly rising with trust where life is complex, strictly falling with complexity where trust
    is short, and the gain from trust strictly larger the more complex the life."""
    q = R.relationship_quality(t, c)
    assert 0.2 - 1e-12 <= q <= 1.0
    assert R.relationship_quality(t, 0.0) == 1.0
    assert R.relationship_quality(1.0, c) == 1.0
    t1, t2 = t_pair
    c1, c2 = c_pair
    c_pos, t_short = max(c, 0.01), min(t, 0.99)
    assert R.relationship_quality(t1, c_pos) < R.relationship_quality(t2, c_pos)
    assert R.relationship_quality(t_short, c1) > R.relationship_quality(t_short, c2)
    gain_simple = R.relationship_quality(t2, c1) - R.relationship_quality(t1, c1)
    gain_complex = R.relationship_quality(t2, c2) - R.relationship_quality(t1, c2)
    assert gain_simple < gain_complex


@PROPERTY
@given(unit, floats(0.0, 0.5), unit, unit, floats(0.0, 0.95), floats(0.05, 1.0), ordered(),
       ordered(0.0, 0.25), floats(0.01, 0.25))
def test_collaboration_covers_part_of_a_misfit(fit, ct, alliance, c, fit_lo, c_pos, pair,
                                               ct_pair, ct_pos):
    """NPM strengths / 7 (collaboration_cover): between the fit and 1; the fit itself at
    complexity 0, without collaboration time or with a perfect fit; below saturation, strictly
    rising with collaboration time, alliance, complexity and the fit itself."""
    cov = R.collaboration_cover(fit, ct, alliance, c)
    assert fit - 1e-15 <= cov <= 1.0 + 1e-15
    assert R.collaboration_cover(fit, ct, alliance, 0.0) == fit
    assert R.collaboration_cover(fit, 0.0, alliance, c) == fit
    assert R.collaboration_cover(1.0, ct, alliance, c) == 1.0
    x1, x2 = pair
    t1, t2 = ct_pair
    assert (R.collaboration_cover(fit_lo, t1, alliance, c_pos)
            < R.collaboration_cover(fit_lo, t2, alliance, c_pos))
    assert (R.collaboration_cover(fit_lo, ct_pos, x1, c_pos)
            < R.collaboration_cover(fit_lo, ct_pos, x2, c_pos))
    assert (R.collaboration_cover(fit_lo, ct_pos, alliance, x1)
            < R.collaboration_cover(fit_lo, ct_pos, alliance, x2))
    assert (R.collaboration_cover(x1, ct_pos, alliance, c_pos)
            < R.collaboration_cover(x2, ct_pos, alliance, c_pos))


# --- 3. Motivation, stress and turnover ---------------------------------------------------------

def crowding(m=0.5, control=0.0, autonomy=0.0, trust=0.5, c=0.5, knave=0.0, rate=0.04):
    return R.motivation_change(m, control, autonomy, trust, c, knave, rate)


# "where the term acts": motivation strictly inside (0, 1), positive complexity and rate
inner_m = floats(0.05, 0.95)
pos_c = floats(0.05, 1.0)
pos_rate = floats(0.01, 0.5)
knave_flag = st.sampled_from([0.0, 1.0])


@PROPERTY
@given(unit, unit, unit, unit, unit, knave_flag, floats(0.0, 1.0))
def test_motivation_stays_a_share_and_rests_without_control_or_autonomy(m, control, autonomy,
                                                                        trust, c, knave, rate):
    """3 (motivation_change): motivation after a month stays in [0, 1]; no change without
    control and autonomy, or at crowding rate 0."""
    dm = crowding(m, control, autonomy, trust, c, knave, rate)
    assert -1e-12 <= m + dm <= 1.0 + 1e-12
    assert crowding(m, 0.0, 0.0, trust, c, knave, rate) == 0.0
    assert crowding(m, control, autonomy, trust, c, knave, 0.0) == 0.0


@PROPERTY
@given(inner_m, ordered(), unit, unit, pos_c, knave_flag, pos_rate, unit)
def test_control_crowds_motivation_out_on_complex_work_only(m, pair, autonomy, trust, c, knave,
                                                            rate, control):
    """3 (motivation_change, crowd-out term): strictly decreasing in control on complex work;
    on simple work (complexity 0) control does not crowd out at all (Weibel et al. 2010); with
    control and no autonomy, the more complex the work the faster motivation falls."""
    x1, x2 = pair
    assert (crowding(m, x1, autonomy, trust, c, knave, rate)
            > crowding(m, x2, autonomy, trust, c, knave, rate))
    assert (crowding(m, x1, autonomy, trust, 0.0, knave, rate)
            == crowding(m, x2, autonomy, trust, 0.0, knave, rate))
    assert (crowding(m, max(control, 0.05), 0.0, trust, x1, knave, rate)
            > crowding(m, max(control, 0.05), 0.0, trust, x2, knave, rate))


@PROPERTY
@given(inner_m, unit, ordered(), unit, unit, knave_flag, pos_rate, floats(0.05, 1.0), ordered())
def test_autonomy_and_trust_crowd_motivation_in(m, control, pair, trust, c, knave, rate,
                                                autonomy, t_pair):
    """3 (motivation_change, crowd-in term): strictly increasing in autonomy (even on simple
    work) and, given autonomy, in the manager's trust and in complexity (work interesting enough);
    knaves are crowded in strictly less than knights."""
    a1, a2 = pair
    assert (crowding(m, control, a1, trust, c, knave, rate)
            < crowding(m, control, a2, trust, c, knave, rate))
    t1, t2 = t_pair
    assert (crowding(m, control, autonomy, t1, c, knave, rate)
            < crowding(m, control, autonomy, t2, c, knave, rate))
    assert (crowding(m, 0.0, autonomy, trust, t1, knave, rate)
            < crowding(m, 0.0, autonomy, trust, t2, knave, rate))
    assert (crowding(m, control, autonomy, trust, c, 1.0, rate)
            < crowding(m, control, autonomy, trust, c, 0.0, rate))
    assert (crowding(m, control, autonomy, trust, c, True, rate)
            == crowding(m, control, autonomy, trust, c, 1.0, rate))


@PROPERTY
@given(ordered(0.05, 0.95), unit, unit, unit, pos_c, knave_flag, pos_rate)
def test_crowding_pulls_toward_an_interior_balance(pair, control, autonomy, trust, c, knave,
                                                   rate):
    """3 (motivation_change): the change is strictly decreasing in motivation itself where
    either force acts (crowding in fills the gap to 1, crowding out drains what is there)."""
    m1, m2 = pair
    control, autonomy = max(control, 0.05), max(autonomy, 0.05)
    assert (crowding(m1, control, autonomy, trust, c, knave, rate)
            > crowding(m2, control, autonomy, trust, c, knave, rate))


def stress(admin, fd, sanctioned, futility, reflection):
    return R.stress_target(admin, fd, sanctioned, futility, reflection)


# Inputs that keep stress_target's sum strictly inside (0, 1), away from the clip.
stress_inputs = dict(admin=floats(0.0, 0.2), fd=floats(0.0, 0.3), sanctioned=floats(0.0, 0.3),
                     futility=floats(0.0, 0.3), reflection=floats(0.0, 0.15))


@PROPERTY
@given(unit, unit, unit, unit, floats(0.0, 0.5))
def test_stress_target_is_a_share(admin, fd, sanctioned, futility, reflection):
    """3 (stress_target): in [0, 1] for any inputs in their domains."""
    assert 0.0 <= R.stress_target(admin, fd, sanctioned, futility, reflection) <= 1.0


@PROPERTY
@given(st.fixed_dictionaries(stress_inputs), ordered(0.0, 0.15),
       st.sampled_from(["admin", "fd", "sanctioned", "futility", "reflection"]))
def test_stress_target_rises_with_load_and_falls_with_reflection(args, pair, which):
    """3 (stress_target): away from the clip, strictly rising in admin load, failure demand,
    sanctions and futility, strictly falling in reflection time; above zero with none of them."""
    x1, x2 = pair
    low, high = dict(args, **{which: x1}), dict(args, **{which: x2})
    s_low, s_high = stress(**low), stress(**high)
    if which == "reflection":
        assert s_low > s_high
    else:
        assert s_low < s_high
    assert R.stress_target(0.0, 0.0, 0.0, 0.0, 0.0) > 0.0


@PROPERTY
@given(unit, unit, floats(0.0, 0.5), ordered(), unit)
def test_turnover_rises_with_stress_and_low_motivation(stress, m, base, pair, x):
    """3 (turnover_probability): a probability, at least the base rate; exactly the base rate
    when the switch is off (whatever stress and motivation); when on, strictly rising with stress
    and strictly falling with motivation."""
    p = R.turnover_probability(stress, m, base, 1.0)
    assert base <= p <= 1.0
    assert R.turnover_probability(stress, m, base, 0.0) == base
    s1, s2 = pair
    assert R.turnover_probability(s1, m, base, 0.0) == R.turnover_probability(s2, m, base, 0.0)
    assert R.turnover_probability(s1, m, base, 1.0) < R.turnover_probability(s2, m, base, 1.0)
    assert R.turnover_probability(stress, s1, base, 1.0) > R.turnover_probability(stress, s2,
                                                                                  base, 1.0)
    assert R.turnover_probability(x, s1, base, 0.0) == R.turnover_probability(x, s2, base, 0.0)


# --- 4. Trust -----------------------------------------------------------------------------------

@PROPERTY
@given(floats(0.0, 2.0), unit, unit, ordered(0.0, 1.0), ordered(), floats(1.0, 3.0), unit)
def test_person_trust_drivers(e, park, g, e_pair, pair, e_over, fit):
    """4 (person_trust_drivers): build lies in [0, 1], strictly rising with effort up to 1 (flat
    beyond) and with park, zero for a fully parked case; loss lies in [0, 1], zero for an
    unparked case without gaming given help that fits, strictly rising as the case is parked, as
    the worker games and as help fits less (trust can fall under every regime)."""
    build, loss = R.person_trust_drivers(e, park, g, fit)
    assert 0.0 <= build <= 1.0
    assert 0.0 <= loss <= 0.7 + R.MISFIT_TRUST_LOSS + 1e-12
    e1, e2 = e_pair
    p_pos = max(park, 0.05)
    assert R.person_trust_drivers(e1, p_pos, g, fit)[0] < R.person_trust_drivers(e2, p_pos, g, fit)[0]
    assert R.person_trust_drivers(e_over, park, g, fit)[0] == R.person_trust_drivers(1.0, park, g, fit)[0]
    assert R.person_trust_drivers(e, 0.0, g, fit)[0] == 0.0
    assert R.person_trust_drivers(e, 1.0, 0.0, 1.0)[1] == 0.0
    x1, x2 = pair
    e_pos = max(e, 0.05)
    assert R.person_trust_drivers(e_pos, x1, g, fit)[0] < R.person_trust_drivers(e_pos, x2, g, fit)[0]
    assert R.person_trust_drivers(e, x1, g, fit)[1] > R.person_trust_drivers(e, x2, g, fit)[1]
    assert R.person_trust_drivers(e, park, x1, fit)[1] < R.person_trust_drivers(e, park, x2, fit)[1]
    assert R.person_trust_drivers(e, park, g, x1)[1] > R.person_trust_drivers(e, park, g, x2)[1]


@PROPERTY
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    float_arrays(0.0, 2.0, n), float_arrays(size=n), float_arrays(size=n), float_arrays(size=n))))
def test_person_trust_drivers_array_form_equals_scalar_form(arrays):
    """4 (person_trust_drivers, array branch): element by element, exactly the scalar result."""
    e, park, g, fit = arrays
    build, loss = R.person_trust_drivers(e, park, g, fit)
    expected = [R.person_trust_drivers(float(a), float(b), float(c), float(d))
                for a, b, c, d in zip(e, park, g, fit)]
    assert build.tolist() == [b for b, _ in expected]
    assert loss.tolist() == [x for _, x in expected]


@PROPERTY
@given(unit, floats(0.0, 0.5), ordered(), ordered(0.0, 0.1), floats(0.1, 0.5), floats(0.01, 1.0))
def test_manager_trust_builds_under_light_control_with_time_to_reflect(control, reflection, pair,
                                                                       r_pair, r_over, good):
    """4 (manager_trust_build): in [0, 1]; zero under full control and with no good news;
    strictly falling with control; strictly rising with reflection time up to 0.1, flat beyond,
    and with good news; positive with no reflection where control is not total."""
    assert 0.0 <= R.manager_trust_build(control, reflection, good) <= 1.0
    assert R.manager_trust_build(1.0, reflection, good) == 0.0
    assert R.manager_trust_build(control, reflection, 0.0) == 0.0
    c1, c2 = pair
    assert R.manager_trust_build(c1, reflection, good) > R.manager_trust_build(c2, reflection, good)
    c_light = min(control, 0.95)
    r1, r2 = r_pair
    assert R.manager_trust_build(c_light, r1, good) < R.manager_trust_build(c_light, r2, good)
    assert R.manager_trust_build(c_light, r_over, good) == R.manager_trust_build(c_light, 0.1, good)
    assert R.manager_trust_build(c_light, 0.0, good) > 0.0
    assert R.manager_trust_build(c_light, reflection, c1) < R.manager_trust_build(c_light, reflection, c2)


@PROPERTY
@given(unit, unit, ordered(), floats(0.01, 1.0))
def test_provider_trust_builds_under_light_control_faster_in_an_alliance(control, alliance, pair,
                                                                        good):
    """4 (provider_trust_build): in [0, 1]; zero under full control and with no good news;
    strictly falling with control; strictly rising with alliance and with good news; positive
    without an alliance where control is not total."""
    assert 0.0 <= R.provider_trust_build(control, alliance, good) <= 1.0
    assert R.provider_trust_build(1.0, alliance, good) == 0.0
    assert R.provider_trust_build(control, alliance, 0.0) == 0.0
    x1, x2 = pair
    assert R.provider_trust_build(x1, alliance, good) > R.provider_trust_build(x2, alliance, good)
    c_light = min(control, 0.95)
    assert R.provider_trust_build(c_light, x1, good) < R.provider_trust_build(c_light, x2, good)
    assert R.provider_trust_build(c_light, alliance, x1) < R.provider_trust_build(c_light, alliance, x2)
    assert R.provider_trust_build(c_light, 0.0, good) > 0.0


@PROPERTY
@given(unit, floats(-0.5, 0.5), unit, unit, ordered(-0.5, 0.5), ordered())
def test_results_seen_are_good_and_bad_news_of_lives_and_reports(sight, lift, attention, met,
                                                                 lifts, pair):
    """4 (results_seen): good and bad news lie in [0, 1]; nothing seen or attended to, no news; a
    better lift in people's lives is never worse news and strictly better news where seen and not
    already plainly good; a lift below zero is bad news where seen, and reports meeting the target
    are good news only as far as they are attended to (they never carry bad news: a shortfall is
    the sanction)."""
    good, bad = R.results_seen(sight, lift, attention, met)
    assert 0.0 <= good <= 1.0 and 0.0 <= bad <= 1.0
    assert R.results_seen(0.0, lift, 0.0, met) == (0.0, 0.0)
    l1, l2 = lifts
    g1, b1 = R.results_seen(sight, l1, attention, met)
    g2, b2 = R.results_seen(sight, l2, attention, met)
    assert g1 <= g2 and b1 >= b2
    s = max(sight, 0.05)
    assert R.results_seen(s, -0.2, 0.0, met)[1] > 0.0
    assert R.results_seen(s, 0.05, 0.0, met)[0] < R.results_seen(s, 0.08, 0.0, met)[0]
    a1, a2 = pair
    assert R.results_seen(0.0, lift, a1, 1.0)[0] < R.results_seen(0.0, lift, a2, 1.0)[0]
    assert R.results_seen(0.0, lift, attention, met)[1] == 0.0


@PROPERTY
@given(floats(0.0, 4.0), unit)
def test_life_lift_is_the_mean_life_factor_over_the_baseline(total, base):
    """4 (life_lift): zero where the mean life factor is at the person's own baseline; the mean
    factor less the baseline otherwise."""
    assert abs(R.life_lift(base * R.N_FACTORS, base)) < 1e-15
    assert abs(R.life_lift(total, base) - (total / R.N_FACTORS - base)) < 1e-15


@PROPERTY
@given(unit, unit, unit, unit)
def test_trust_change_keeps_trust_a_share_and_rests_without_build_or_loss(t, build, loss, rate):
    """4 (trust_change): no change without build and loss (or at rate 0); trust after a month
    stays in [0, 1] for build, loss and rate in [0, 1]."""
    assert R.trust_change(t, 0.0, 0.0, rate) == 0.0
    assert R.trust_change(t, build, loss, 0.0) == 0.0
    assert -1e-12 <= t + R.trust_change(t, build, loss, rate) <= 1.0 + 1e-12


@PROPERTY
@given(floats(0.0, 0.99), floats(0.01, 1.0), unit, unit, ordered(), floats(0.01, 1.0))
def test_trust_builds_with_build_and_falls_with_loss(t, t_pos, build, loss, pair, rate):
    """4 (trust_change): strictly rising in build where trust is below 1; strictly falling in
    loss where there is trust to lose; building slows as trust nears 1, falling slows as it nears
    0."""
    x1, x2 = pair
    assert R.trust_change(t, x1, loss, rate) < R.trust_change(t, x2, loss, rate)
    assert R.trust_change(t_pos, build, x1, rate) > R.trust_change(t_pos, build, x2, rate)
    b_pos, l_pos = max(build, 0.05), max(loss, 0.05)
    assert R.trust_change(x1, b_pos, 0.0, rate) > R.trust_change(x2, b_pos, 0.0, rate)
    assert R.trust_change(x1, 0.0, l_pos, rate) > R.trust_change(x2, 0.0, l_pos, rate)


@PROPERTY
@given(unit, unit, unit, floats(0.0, 0.5))
def test_trust_weighs_good_and_bad_news_alike(t, good, bad, rate):
    """4 (trust_change; issue 18): the rule itself has no asymmetry. The same news moves trust
    down from ``t`` exactly as far as the mirror news moves it up from ``1 - t``, so where trust
    falls faster than it builds in a run, the news each side sees makes it (formal bad events
    arrive whatever the relationship; good news of results only through contact, which distrust
    cuts: rules.contact), and fact 08 tests it as emergent."""
    assert abs(R.trust_change(t, good, bad, rate) + R.trust_change(1.0 - t, bad, good, rate)) < 1e-12


@given(ordered())
def test_distrust_cuts_contact(pair):
    """4 (contact): what two sides see of each other's work rises with their trust, from half."""
    assert R.contact(0.0) == 0.5 and R.contact(1.0) == 1.0
    assert R.contact(pair[0]) < R.contact(pair[1])


# --- 5. Learning --------------------------------------------------------------------------------

@PROPERTY
@given(floats(0.01, 1.0), floats(0.0, 0.5), ordered(0.0, 0.1), floats(0.1, 0.5), ordered())
def test_learning_needs_time_to_reflect(lr, reflection, pair, r_over, lr_pair):
    """5 (learning_step_size): in [0, learning_rate]; strictly rising with reflection time up to
    0.1 (saturating there at the full learning rate), positive but small without reflection,
    strictly rising with the learning rate."""
    step = R.learning_step_size(lr, reflection)
    assert 0.0 < step <= lr
    r1, r2 = pair
    assert R.learning_step_size(lr, r1) < R.learning_step_size(lr, r2)
    assert R.learning_step_size(lr, r_over) == R.learning_step_size(lr, 0.1) == lr
    assert R.learning_step_size(lr, 0.0) < 0.5 * lr
    assert R.learning_step_size(lr_pair[0], reflection) < R.learning_step_size(lr_pair[1],
                                                                              reflection)


@PROPERTY
@given(unit, unit, unit, ordered(), floats(0.01, 1.0))
def test_trying_new_approaches_needs_safety_to_fail(e, control, trust, pair, e_pos):
    """5 (exploration_chance): in [0, exploration]; zero under full control; strictly falling
    with control and strictly rising with the manager's trust (where exploration is possible);
    still positive without trust where control is not total."""
    p = R.exploration_chance(e, control, trust)
    assert 0.0 <= p <= e
    assert R.exploration_chance(e, 1.0, trust) == 0.0
    x1, x2 = pair
    assert R.exploration_chance(e_pos, x1, trust) > R.exploration_chance(e_pos, x2, trust)
    c_light = min(control, 0.95)
    assert R.exploration_chance(e_pos, c_light, x1) < R.exploration_chance(e_pos, c_light, x2)
    assert R.exploration_chance(e_pos, c_light, 0.0) > 0.0


@PROPERTY
@given(unit, floats(-3.0, 3.0), unit, unit, ordered(), floats(0.1, 3.0))
def test_learning_signal_is_fit_blurred_by_outside_forces_and_biased_by_gaming(
        fit, z, alpha, g, pair, z_pos):
    """5 (learning_signal): the fit itself with no noise and no gaming; strictly rising in fit
    and in the noise draw; blurred more the more of the outcome lies outside the service (alpha),
    and blurred even at alpha 0; biased strictly upward by gamed data."""
    assert R.learning_signal(fit, 0.0, alpha, 0.0) == fit
    x1, x2 = pair
    assert R.learning_signal(x1, z, alpha, g) < R.learning_signal(x2, z, alpha, g)
    assert R.learning_signal(fit, z, alpha, x1) < R.learning_signal(fit, z, alpha, x2)
    assert R.learning_signal(fit, 0.0, alpha, g) >= fit
    assert R.learning_signal(fit, -z_pos, alpha, g) < R.learning_signal(fit, z_pos, alpha, g)
    blur = [abs(R.learning_signal(fit, z_pos, a, 0.0) - fit) for a in (x1, x2)]
    assert blur[0] < blur[1]
    assert abs(R.learning_signal(fit, z_pos, 0.0, 0.0) - fit) > 0.0


# --- 9. Neglect versus complexity ---------------------------------------------------------------

def detection(audited=0.0, peer=0.0, reflection=0.0, alliance=0.0, pressure=0.0, alpha=0.0,
              complexity=0.0):
    return R.neglect_detection(audited, peer, reflection, alliance, pressure, alpha, complexity)


@PROPERTY
@given(st.sampled_from([0.0, 1.0]), unit, floats(0.0, 0.5), unit, unit, unit, unit)
def test_neglect_detection_is_a_probability_and_zero_under_pure_trust(audited, peer, reflection,
                                                                      alliance, pressure, alpha, c):
    """9 (neglect_detection): a probability; zero under pure trust (no audit, no peer
    accountability, no pressure), whatever the reflection time, alliance, attribution or
    complexity."""
    p = detection(audited, peer, reflection, alliance, pressure, alpha, c)
    assert 0.0 <= p <= 1.0
    assert detection(0.0, 0.0, reflection, alliance, 0.0, alpha, c) == 0.0


@PROPERTY
@given(st.sampled_from([0.0, 1.0]), unit, floats(0.0, 0.5), unit, unit, floats(0.0, 0.95),
       ordered(), ordered(0.0, 0.1), floats(0.1, 0.5), floats(0.05, 1.0), floats(0.01, 0.5), unit)
def test_neglect_is_found_by_audits_peers_and_attributable_numbers(
        audited, peer, reflection, alliance, pressure, alpha, pair, r_pair, r_over, peer_pos,
        r_pos, c):
    """9 (neglect_detection): strictly more likely when audited; strictly rising with peer
    accountability (given reflection time), with reflection time up to 0.1 (given peers; flat
    beyond), with alliance (given peers and reflection), with pressure on an attributable target
    (alpha < 1); strictly falling with alpha under pressure."""
    args = dict(peer=peer, reflection=reflection, alliance=alliance, pressure=pressure,
                alpha=alpha, complexity=c)
    assert detection(0.0, **args) < detection(1.0, **args)
    x1, x2 = pair
    base = dict(audited=audited, alliance=alliance, pressure=pressure, alpha=alpha, complexity=c)
    assert (detection(peer=x1, reflection=r_pos, **base)
            < detection(peer=x2, reflection=r_pos, **base))
    r1, r2 = r_pair
    assert detection(peer=peer_pos, reflection=r1, **base) < detection(peer=peer_pos,
                                                                       reflection=r2, **base)
    assert detection(peer=peer_pos, reflection=r_over, **base) == detection(peer=peer_pos,
                                                                            reflection=0.1,
                                                                            **base)
    no_alliance = dict(audited=audited, peer=peer_pos, reflection=r_pos, pressure=pressure,
                       alpha=alpha, complexity=c)
    assert detection(alliance=x1, **no_alliance) < detection(alliance=x2, **no_alliance)
    others = dict(audited=audited, peer=peer, reflection=reflection, alliance=alliance,
                  complexity=c)
    assert detection(pressure=x1, alpha=alpha, **others) < detection(pressure=x2, alpha=alpha,
                                                                     **others)


@PROPERTY
@given(ordered(), floats(0.05, 1.0), floats(0.02, 0.5), unit)
def test_audits_and_peers_each_find_less_in_complex_lives_audits_more_so(cs, peer, reflection,
                                                                        alliance):
    """9 (audit_finds_neglect, peers_find_neglect): each route finds less as complexity rises (an
    audit checks records against a standard; peers discuss a person's story), and an audit loses
    a larger share of its power than peers do; at complexity 0 an audit of three cases finds
    1 - 0.75^3 of neglect, and neither route is set equal to the other."""
    c1, c2 = cs
    a1, a2 = R.audit_finds_neglect(1.0, c1), R.audit_finds_neglect(1.0, c2)
    p1 = R.peers_find_neglect(peer, reflection, alliance, c1)
    p2 = R.peers_find_neglect(peer, reflection, alliance, c2)
    assert a2 < a1 and p2 <= p1
    if p1 < 1.0:
        assert p2 < p1 and a2 / a1 < p2 / p1
    assert abs(R.audit_finds_neglect(1.0, 0.0) - (1 - 0.75 ** 3)) < 1e-12
    assert R.audit_finds_neglect(0.0, c1) == 0.0


@PROPERTY
@given(unit, unit, unit, unit, floats(0.01, 1.0))
def test_every_broken_commitment_costs_the_commissioners_trust(sanction, caught, neglect, lost, x):
    """4 (provider_trust_loss): nothing lost when nothing happened; each of a sanction, staff
    caught gaming, neglect found, a lost tender and bad news of lives seen in reviews strictly adds
    to the loss, in every regime."""
    assert R.provider_trust_loss(0.0, 0.0, 0.0, 0.0, 0.0) == 0.0
    base = R.provider_trust_loss(sanction, caught, neglect, lost, 0.0)
    assert R.provider_trust_loss(sanction + x, caught, neglect, lost, 0.0) > base
    assert R.provider_trust_loss(sanction, caught + x, neglect, lost, 0.0) > base
    assert R.provider_trust_loss(sanction, caught, neglect + x, lost, 0.0) > base
    assert R.provider_trust_loss(sanction, caught, neglect, lost + x, 0.0) > base
    assert R.provider_trust_loss(sanction, caught, neglect, lost, x) > base


@PROPERTY
@given(ordered(0.0, 0.5), unit, ordered())
def test_a_barrier_is_seen_only_through_help_that_works(helps, coproduction, copro):
    """6 (barrier_seen): no help, nothing seen (help that does nothing shows no contrast); seen
    more with more help and more co-production, never more than fully."""
    h1, h2 = helps
    assert R.barrier_seen(0.0, coproduction) == 0.0
    assert 0.0 <= R.barrier_seen(h1, coproduction) < R.barrier_seen(h2, coproduction) <= 1.0
    c1, c2 = copro
    assert R.barrier_seen(h2, c1) < R.barrier_seen(h2, c2)
    assert R.barrier_seen(R.HELP_SEEN, 1.0) == 0.5


@PROPERTY
@given(unit, unit, unit, ordered(), ordered())
def test_performance_reviews_look_harder_under_targets_and_gaming_hides_shortfalls(
        pressure, alpha, reported, reports, alphas):
    """6 (review_strength): no target pressure, no review; a review sees less where more of the
    indicator is outside forces (attribution) and where more is reported over the line (gaming
    hides the shortfall); within [0, 1]."""
    assert R.review_strength(0.0, alpha, reported) == 0.0
    assert 0.0 <= R.review_strength(pressure, alpha, reported) <= 1.0
    if pressure > 1e-6:  # (a subnormal pressure rounds every review to 0)
        r1, r2 = reports
        assert R.review_strength(pressure, 0.3, r1) > R.review_strength(pressure, 0.3, r2)
        a1, a2 = alphas
        assert R.review_strength(pressure, a1, 0.3) > R.review_strength(pressure, a2, 0.3)


@PROPERTY
@given(unit, unit, unit, st.sampled_from([0.0, 1.0]))
def test_barriers_are_acted_on_by_stewards_or_reviews_and_only_where_someone_learns(
        stewardship, connection, review, learning):
    """6 (barrier_action): stewards act on escalated learning, reviews on traced shortfalls; with
    no steward and no review nothing is acted on; with learning off (connection 0, as
    escalation_connection gives) nothing either."""
    assert R.barrier_action(0.0, connection, 0.0, learning) == 0.0
    assert R.barrier_action(stewardship, 0.0, review, 0.0) == 0.0
    assert R.barrier_action(stewardship, connection, review, learning) >= (
        R.barrier_action(stewardship, connection, 0.0, learning))


@PROPERTY
@given(floats(0.0, 5.0), unit, unit, floats(0.0, 1.0), st.sampled_from([0.0, 1.0]), ordered(),
       floats(0.05, 1.0), floats(0.0, 0.95), ordered(0.0, 5.0))
def test_failure_demand_comes_from_misfit_and_getting_worse(fd, e, fit, drop, on, pair, e_pos,
                                                            fit_lo, fd_pair):
    """6 (failure_demand_change): it decays by a quarter a month (strictly falling in its own
    level, never below zero); when on, people return strictly more with more effort that did
    not fit (given misfit), with a worse fit (given effort), and with a bigger drop in
    wellbeing; when off, only the decay acts."""
    change = R.failure_demand_change(fd, e, fit, drop, on)
    assert fd + change >= 0.0
    assert R.failure_demand_change(fd, e, fit, drop, 0.0) == -0.25 * fd
    assert R.failure_demand_change(fd, e, 1.0, 0.0, on) == -0.25 * fd
    f1, f2 = fd_pair
    assert R.failure_demand_change(f1, e, fit, drop, on) > R.failure_demand_change(f2, e, fit,
                                                                                   drop, on)
    x1, x2 = pair
    assert R.failure_demand_change(fd, x1, fit_lo, drop, 1.0) < R.failure_demand_change(
        fd, x2, fit_lo, drop, 1.0)
    assert R.failure_demand_change(fd, e_pos, x1, drop, 1.0) > R.failure_demand_change(
        fd, e_pos, x2, drop, 1.0)
    assert R.failure_demand_change(fd, e, fit, x1, 1.0) < R.failure_demand_change(fd, e, fit, x2,
                                                                                  1.0)


# --- The fixed numbers of a month's rules (written once, read by both engines) ------------------

@given(unit, unit, unit)
def test_ratcheted_target_never_falls_or_passes_one(target, ratchet, reported):
    new = R.ratcheted_target(target, ratchet, reported)
    assert target <= new <= 1.0
    if reported > target and ratchet > 0:
        assert new <= max(target, reported)


@given(unit, unit, unit, unit)
def test_sanction_grows_with_the_shortfall_and_is_zero_at_the_target(target, a, b, pressure):
    low, high = sorted((a, b))
    assert R.sanction(target, target, pressure) == 0.0
    assert R.sanction(target, low, pressure) >= R.sanction(target, high, pressure)
    assert 0.0 <= R.sanction(target, low, pressure) <= pressure


@given(unit, unit)
def test_wellbeing_drop_counts_falls_only(old, new):
    drop = R.wellbeing_drop(old, new)
    assert drop >= 0.0
    assert (drop > 0.0) == (new < old)


@given(st.integers(1, 600))
def test_the_ratchet_is_yearly(month):
    assert R.ratchet_due(month) == (month % 12 == 0)


@given(unit, unit, unit, unit, st.integers(1, 10))
def test_escalation_rises_with_reflection_and_trust(r1, r2, t1, t2, n):
    (r_lo, r_hi), (t_lo, t_hi) = sorted((r1, r2)), sorted((t1, t2))
    assert R.escalation_connection(1.0, r_lo, t_lo * n, n) <= R.escalation_connection(
        1.0, r_hi, t_lo * n, n) <= R.escalation_connection(1.0, r_hi, t_hi * n, n)
    assert R.escalation_connection(0.0, r_hi, t_hi * n, n) == 0.0
    assert 0.0 <= R.escalation_connection(1.0, r_hi, t_hi * n, n) <= 1.0


@given(unit, floats(-3.0, 3.0))
def test_outside_drift_stays_in_unit_interval(value, noise):
    assert 0.0 <= R.outside_drift(value, noise) <= 1.0


@given(unit)
def test_coproduction_moves_belief_toward_certainty_never_past_it(belief):
    gain = R.coproduction_gain(belief)
    assert gain >= 0.0 and belief + gain <= 1.0


@PROPERTY
@given(floats(0.2, 0.8), floats(0.0, 1.0), floats(0.001, 1.0))
def test_a_misreport_is_the_report_that_pays_best(line, depth, audit_rate):
    """2 (misreported_value, misreport_payoff): among every value a report can take over the line
    (steps of REPORT_STEP up to 1), the one a misreporting worker writes has the best expected
    payoff (a counted case at the risk of an audit seeing the lie, audit_sees_misreport); and
    misreport_payoff is that payoff. So the value just past the line is the worker's choice given
    detection, not a convention: with detection flat in the discrepancy it would not be unique."""
    observed = line - depth * line
    def payoff(value):
        return 1.0 - audit_rate * R.CAUGHT_COST * R.audit_sees_misreport(value - observed)
    candidates = [line + k * R.REPORT_STEP for k in range(1, int((1.0 - line) / R.REPORT_STEP) + 1)]
    best = max(payoff(v) for v in candidates)
    chosen = R.misreported_value(line)
    assert line < chosen <= line + R.REPORT_STEP + 1e-12
    assert payoff(chosen) == best
    saturated = R.audit_sees_misreport(chosen - observed) == 1.0
    assert saturated or sum(payoff(v) == best for v in candidates) == 1  # the best, and the only one
    assert R.misreport_payoff(observed, line, audit_rate) == payoff(chosen)


@PROPERTY
@given(floats(0.2, 0.8), ordered(), floats(0.01, 1.0))
def test_deeper_shortfalls_are_less_worth_misreporting(line, pair, audit_rate):
    """2 (misreport_payoff): the further under the line a case truly is, the plainer the lie to
    an audit and the less it pays; without audits every lie pays fully."""
    shallow, deep = (line - pair[0] * line, line - pair[1] * line)
    assert R.misreport_payoff(deep, line, audit_rate) <= R.misreport_payoff(shallow, line, audit_rate)
    assert R.misreport_payoff(deep, line, 0.0) == 1.0


@given(floats(0.0, 2.0), ordered())
def test_audits_see_bigger_lies_more_plainly(discrepancy, pair):
    """2 (audit_sees_misreport): a probability, growing with the discrepancy, certain from
    DISCREPANCY_PLAIN."""
    assert 0.0 <= R.audit_sees_misreport(discrepancy) <= 1.0
    assert R.audit_sees_misreport(pair[0]) <= R.audit_sees_misreport(pair[1])
    assert R.audit_sees_misreport(R.DISCREPANCY_PLAIN) == 1.0


@PROPERTY
@given(unit, unit, ordered(), ordered())
def test_threshold_allocation_pays_more_under_payment_by_results(g, pbr, pair, g_pair):
    """2 (threshold_allocation): the gaming intensity without payment by results; strictly more
    with more of the contract paid per person over the line (where there is gaming and room);
    strictly more with more gaming; never more than all the effort."""
    assert R.threshold_allocation(g, 0.0) == g
    assert 0.0 <= R.threshold_allocation(g, pbr) <= 1.0
    x1, x2 = pair
    gg = min(max(g, 0.01), 0.3)
    assert R.threshold_allocation(gg, x1) < R.threshold_allocation(gg, x2)
    g1, g2 = g_pair
    assert R.threshold_allocation(g1 * 0.3, pbr) < R.threshold_allocation(g2 * 0.3, pbr)


@PROPERTY
@given(unit, unit, unit, ordered(0.0, 0.1))
def test_ratchet_holdback_grows_with_the_surplus_over_the_target(g, reported, target, surplus):
    """2 (ratchet_holdback): nothing held back at or under the target; strictly more the further
    reports run above it, up to 0.1 (for a gamer); all the gaming intensity beyond."""
    assert R.ratchet_holdback(g, min(reported, target), target) == 0.0
    assert 0.0 <= R.ratchet_holdback(g, reported, target) <= g
    s1, s2 = surplus
    gg = max(g, 0.01)
    assert R.ratchet_holdback(gg, 0.4 + s1, 0.4) < R.ratchet_holdback(gg, 0.4 + s2, 0.4)
    assert R.ratchet_holdback(g, 0.9, 0.4) == g
