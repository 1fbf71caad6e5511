"""Compiled kernels for the batch engine's per-person phases (numba).

Each kernel walks replications, then workers, then each worker's caseload in order, exactly as the
Mesa agents do (:mod:`hlssim.abm.agents`), and calls the very rule functions the agents call:
every function of :mod:`hlssim.rules` and :func:`hlssim.draws.pick`/:func:`~hlssim.draws.draw_need`
is registered with numba (``register_jitable``), so a kernel's ``R.clip01(x)`` compiles the same
source the Mesa engine runs in Python. A change to a rule reaches both engines.

Sums over a caseload add people in caseload order, as Python's ``sum`` does over the Mesa list, so
results agree with the Mesa engine to the last bit or nearly (``tests/test_batch.py`` checks
``rtol=1e-9``). Random draws are never made here: numpy makes them (:mod:`hlssim.draws`) and the
kernels read them.

Compiled code is cached on disk (``cache=True``, in ``__pycache__`` or numba's user-wide cache);
the cache is keyed on the contents of this file, :mod:`hlssim.rules`, :mod:`hlssim.draws` and
:mod:`hlssim.metrics` together (:class:`_RulesAwareLocator`), so editing a rule recompiles the
kernels.
"""

from __future__ import annotations

import hashlib
import inspect
import warnings
from pathlib import Path

import numba
import numpy as np
from numba.core import caching
from numba.core.errors import NumbaExperimentalFeatureWarning
from numba.extending import register_jitable

from hlssim import draws as D
from hlssim import metrics as M
from hlssim import rules as R

# The rules' scalar-or-array test (isinstance) is an experimental numba feature; it is resolved at
# compile time here, which is all we use it for.
warnings.filterwarnings("ignore", category=NumbaExperimentalFeatureWarning)

for _module in (R, D):
    for _name, _fn in inspect.getmembers(_module, inspect.isfunction):
        if _fn.__module__ == _module.__name__:
            register_jitable(_fn)
for _name in M._COMPILED_ROW_FUNCTIONS:
    register_jitable(getattr(M, _name))

_HERE = Path(__file__).resolve()
_SOURCES = (_HERE, Path(R.__file__).resolve(), Path(D.__file__).resolve(),
            Path(M.__file__).resolve())


def _sources_stamp() -> str:
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _rules_aware(base):
    """A numba cache locator for this file whose freshness stamp covers the rules' sources too
    (numba's own stamp covers only the file that defines the kernel)."""

    class Locator(base):
        def get_source_stamp(self):
            return _sources_stamp()

        @classmethod
        def from_function(cls, py_func, py_file):
            if Path(py_file).resolve() != _HERE:
                return None
            return super().from_function(py_func, py_file)

    Locator.__name__ = f"RulesAware{base.__name__}"
    return Locator


def _install_locators() -> bool:
    def find(*names):
        for name in names:
            if hasattr(caching, name):
                return getattr(caching, name)
        raise AttributeError(names[0])

    try:
        classes = find("CacheImpl", "_CacheImpl")._locator_classes
        bases = (find("InTreeCacheLocator", "_InTreeCacheLocator"),
                 find("UserWideCacheLocator", "_UserWideCacheLocator"))
    except AttributeError:  # numba's internals changed: compile without a disk cache
        return False
    if not any(getattr(c, "__name__", "").startswith("RulesAware") for c in classes):
        classes[:0] = [_rules_aware(b) for b in bases]
    return True


_CACHE = _install_locators()
_jit = numba.njit(cache=_CACHE, error_model="numpy", nogil=True)


@_jit
def group_sums(values, group, n_groups):
    """Sum (R, X) values into (R, n_groups) by ``group`` (X,), adding in index order (as
    ``np.bincount`` and Python's ``sum`` over a list do)."""
    n_reps, n = values.shape
    out = np.zeros((n_reps, n_groups))
    for r in range(n_reps):
        for i in range(n):
            out[r, group[i]] += values[r, i]
    return out


@_jit
def group_max(values, group, n_groups):
    """Largest of (R, X) values in each group, 0 for an empty group or all-negative values
    (``max(..., default=0.0)`` over non-negative flags)."""
    n_reps, n = values.shape
    out = np.zeros((n_reps, n_groups))
    for r in range(n_reps):
        for i in range(n):
            out[r, group[i]] = max(out[r, group[i]], values[r, i])
    return out


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
    ``r``'s draws for the month (:class:`hlssim.draws.StepLayout`) and ``at_*`` the offsets of
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
        ext = R.clip01(R.external_update(external[r, i], 0.1 * draws[at_ext_innovation + i]))
        external[r, i] = ext
        w = R.wellbeing(total / n_factors, lowest, lam)
        outside = 0.5 * (ext + local[r, person_provider[i]])
        wellbeing[r, i] = w
        observed[r, i] = R.observed_outcome(w, factors[r, i, R.MEASURED_FACTOR], outside,
                                            measurement_noise * draws[at_obs_noise + i],
                                            complexity, alpha)
        drop = max(0.0, old_w - w) * 10.0
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
    row_step = 0.2 * step
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
                reported_value[r, i] = line + 0.01  # reported as just over the line
        fit_sum[w] += fit[r, i]
        fd_sum[r, w] += failure_demand[r, i]
        k = profile[r, i]
        if effort[r, i] > 0.05 and step > 0:
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
            belief[r, i, nd] += 0.5 * (1.0 - belief[r, i, nd])
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


@_jit
def knows_need(belief, need):
    """Whether each person's best-believed approach (the first largest belief) is their need."""
    n_reps, n_people, _ = belief.shape
    out = np.empty((n_reps, n_people), dtype=np.bool_)
    for r in range(n_reps):
        for i in range(n_people):
            out[r, i] = _best_believed(belief, r, i) == need[r, i]
    return out


@_jit
def restart_relationships(posts, knowledge, profile, trust_wp, belief, restart_trust):
    """Every person on a caseload in ``posts`` (R, W) starts again with their worker: trust at
    ``restart_trust`` and beliefs from the worker's general knowledge of their situation
    (:meth:`Person.new_relationship`)."""
    n_reps, n_people = trust_wp.shape
    W = posts.shape[1]
    n_approaches = belief.shape[2]
    for r in range(n_reps):
        for w in range(W):
            if posts[r, w]:
                for i in range(w, n_people, W):
                    trust_wp[r, i] = restart_trust
                    for a in range(n_approaches):
                        belief[r, i, a] = knowledge[r, w, profile[r, i], a]


@_jit
def pool_knowledge(knowledge, provider_of, staff, alliance, rate):
    """Reflective practice (MODEL.md 5): each worker's general knowledge moves a share ``rate``
    toward a mix of their provider team's mean and everyone's (weight ``alliance``), in place.

    Means add workers in index order, as :meth:`CommissioningModel._pool_knowledge` does (written
    as plain loops: array expressions here would allocate a temporary at every step)."""
    n_reps, W, A, _ = knowledge.shape
    P = staff.shape[0]
    team = np.empty((P, A, A))
    everyone = np.empty((A, A))
    for r in range(n_reps):
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


_U64_1 = np.uint64(1)
_U64_3 = np.uint64(3)
_U64_8 = np.uint64(8)
_U64_11 = np.uint64(11)
_U64_24 = np.uint64(24)
_U64_32 = np.uint64(32)
_U64_40 = np.uint64(40)
_U64_255 = np.uint64(255)
_U64_MASK32 = np.uint64(0xFFFFFFFF)
_U64_MASK52 = np.uint64(0x000FFFFFFFFFFFFF)
_SQRT12 = np.sqrt(12.0)


@register_jitable
def sfc64_next(a, b, c, n):
    """One step of SFC64 (Chris Doty-Humphrey's Small Fast Chaotic generator, as numpy's
    ``SFC64`` makes it): the new state (a, b, c, counter) and the output word."""
    out = a + b + n
    n = n + _U64_1
    a = b ^ (b >> _U64_11)
    b = c + (c << _U64_3)
    c = ((c << _U64_24) | (c >> _U64_40)) + out
    return a, b, c, n, out


@register_jitable
def _unit53(word):
    """A uniform on [0, 1) from a word's top 53 bits (numpy's ``random``)."""
    return float(np.int64(word >> _U64_11)) * 2.0 ** -53


@register_jitable
def _fill_row(states, rep, row, kinds, starts, stops, width, inside, height, r, inv_r):
    """One step's draws for replication ``rep``: ``row`` from the SFC64 stream ``states[rep]``
    (advanced in place), run by run (:class:`hlssim.draws.StepLayout`).

    Run kinds: 0 uniforms on [0, 1) at 32-bit resolution, two per word (low half first); 1 the
    same rescaled to mean 0 and variance 1 ("noise"); 2 standard normals by Marsaglia and Tsang's
    256-layer ziggurat (tables from :func:`hlssim.draws.ziggurat_tables`): each attempt takes one
    word (8 bits pick a layer, 1 the sign, 52 the position in it), a point surely under the curve
    is returned at once (about 99% of attempts); otherwise one more word decides the wedge, or
    pairs of words sample the exact tail beyond ``r``. Each run starts on a fresh word."""
    a, b, c, n = states[rep, 0], states[rep, 1], states[rep, 2], states[rep, 3]
    for k in range(kinds.shape[0]):
        kind = kinds[k]
        if kind == 2:
            for i in range(starts[k], stops[k]):
                while True:
                    a, b, c, n, bits = sfc64_next(a, b, c, n)
                    layer = int(bits & _U64_255)
                    bits = bits >> _U64_8
                    negative = np.int64(bits & _U64_1)
                    rabs = (bits >> _U64_1) & _U64_MASK52
                    # the sign without a branch (a coin toss would be mispredicted half the
                    # time), through int64 (exact below 2**52: one instruction to float)
                    x = float(np.int64(rabs)) * width[layer] * (1.0 - 2.0 * negative)
                    if rabs < inside[layer]:
                        row[i] = x
                        break
                    if layer == 0:
                        while True:
                            a, b, c, n, w1 = sfc64_next(a, b, c, n)
                            a, b, c, n, w2 = sfc64_next(a, b, c, n)
                            xx = -inv_r * np.log1p(-_unit53(w1))
                            yy = -np.log1p(-_unit53(w2))
                            if yy + yy > xx * xx:
                                break
                        row[i] = -(r + xx) if negative else r + xx
                        break
                    a, b, c, n, w1 = sfc64_next(a, b, c, n)
                    y = height[layer] + _unit53(w1) * (height[layer + 1] - height[layer])
                    if y < np.exp(-0.5 * x * x):
                        row[i] = x
                        break
        else:
            shift = 0.5 if kind == 1 else 0.0
            scale = _SQRT12 if kind == 1 else 1.0
            i = starts[k]
            stop = stops[k]
            while i < stop:
                a, b, c, n, word = sfc64_next(a, b, c, n)
                row[i] = (float(np.int64(word & _U64_MASK32)) * 2.0 ** -32 - shift) * scale
                if i + 1 < stop:
                    row[i + 1] = (float(np.int64(word >> _U64_32)) * 2.0 ** -32
                                         - shift) * scale
                i += 2
    states[rep, 0], states[rep, 1], states[rep, 2], states[rep, 3] = a, b, c, n


@_jit
def fill_step_blocks(states, block, kinds, starts, stops, width, inside, height, r, inv_r):
    """One step's draws for each replication: row ``rep`` of ``block`` from the stream
    ``states[rep]`` (:func:`_fill_row`)."""
    for rep in range(block.shape[0]):
        _fill_row(states, rep, block[rep], kinds, starts, stops, width, inside, height, r, inv_r)


@_jit
def people_month(streams, tail, kinds, starts, stops, width, inside, height, zig_r, zig_inv_r,
        size, tail_start, at_local, at_standard, at_explore, at_pick, at_shock, at_shift,
        at_need_u1, at_need_u2, at_need_pick, at_obs_noise, at_ext_innovation, at_audit,
        at_misreport, at_signal, at_coproduce, at_detect, n_case, provider_of, direct, effort_w,
        allocating, gaming, explore_p, focus_w, quality, failure_demand, observed, belief,
        trust_wp, need, nominal_caseload, line, failure_demand_load, mech_threshold, mech_creaming,
        pbr_share, standardisation, standard_efficiency, misfit_effect, collaboration_time,
        alliance, complexity, help_gain, park, planned_on, approach, fit, effort, focus, help,
        speed, person_provider, factors, base, exposed, barriers, wellbeing, profile, external,
        local, mech_barriers, barrier_harm, recovery_rate, shock_sd, need_shift_rate, n_approaches,
        measurement_noise, lam, alpha, mech_failure_demand, knave, knowledge, audit_rate,
        mech_misreport, step, case_discussion, mech_learning, coproduction, mech_trust,
        trust_build_rate, trust_loss_rate, mech_neglect, peer_accountability, reflection_time,
        pressure, reported_value, reported, misreported, caught, last_reported_share, futility,
        neglect_found, fd_sum):
    """A month of the people phases, one replication at a time: the replication's draws for the
    month (:func:`_fill_row`; the workers' and providers' part kept in ``tail`` for the phases
    over workers), then plan (:func:`_plan_rep`), the drift of each area's outside forces, live
    (:func:`_live_rep`) and report and learn (:func:`_report_rep`), in the Mesa model's order.

    Running every phase on one replication before the next keeps its arrays in cache from one
    phase to the next; each replication's results are what the phases run one at a time over all
    replications give, bit for bit (replications share nothing)."""
    n_reps = streams.shape[0]
    n_providers = local.shape[1]
    draws = np.empty(size)
    for r in range(n_reps):
        _fill_row(streams, r, draws, kinds, starts, stops, width, inside, height, zig_r, zig_inv_r)
        for k in range(tail_start, size):
            tail[r, k - tail_start] = draws[k]
        _plan_rep(r, n_case, provider_of, direct, effort_w, allocating, gaming, explore_p, focus_w,
            quality, failure_demand, observed, belief, trust_wp, need, draws, at_standard,
            at_explore, at_pick, nominal_caseload, line, failure_demand_load, mech_threshold,
            mech_creaming, pbr_share, standardisation, standard_efficiency, misfit_effect,
            collaboration_time, alliance, complexity, help_gain, park, planned_on, approach, fit,
            effort, focus, help, speed)
        for p in range(n_providers):
            local[r, p] = R.clip01(R.external_update(local[r, p], 0.1 * draws[at_local + p]))
        _live_rep(r, person_provider, factors, base, exposed, barriers, focus, help, wellbeing,
            observed, need, profile, external, failure_demand, effort, fit, local, draws, at_shock,
            at_shift, at_need_u1, at_need_u2, at_need_pick, at_obs_noise, at_ext_innovation,
            mech_barriers, barrier_harm, recovery_rate, shock_sd, need_shift_rate, complexity,
            n_approaches, measurement_noise, lam, alpha, mech_failure_demand)
        _report_rep(r, n_case, knave, gaming, observed, fit, effort, approach, profile, need, park,
            belief, knowledge, trust_wp, failure_demand, draws, at_audit, at_misreport, at_signal,
            at_coproduce, at_detect, line, audit_rate, mech_misreport, step, case_discussion, alpha,
            mech_learning, coproduction, mech_trust, trust_build_rate, trust_loss_rate,
            mech_neglect, peer_accountability, reflection_time, alliance, pressure, reported_value,
            reported, misreported, caught, last_reported_share, futility, neglect_found, fd_sum)
