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
the cache is keyed on the contents of this file, :mod:`hlssim.rules` and :mod:`hlssim.draws`
together (:class:`_RulesAwareLocator`), so editing a rule recompiles the kernels.
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
from hlssim import rules as R

# The rules' scalar-or-array test (isinstance) is an experimental numba feature; it is resolved at
# compile time here, which is all we use it for.
warnings.filterwarnings("ignore", category=NumbaExperimentalFeatureWarning)

for _module in (R, D):
    for _name, _fn in inspect.getmembers(_module, inspect.isfunction):
        if _fn.__module__ == _module.__name__:
            register_jitable(_fn)

_HERE = Path(__file__).resolve()
_SOURCES = (_HERE, Path(R.__file__).resolve(), Path(D.__file__).resolve())


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


@_jit
def plan_people(n_case, provider_of, direct, effort_w, allocating, gaming, explore_p, focus_w,
                quality, failure_demand, observed, belief, trust_wp, need,
                draws, at_standard, at_explore, at_pick,
                nominal_caseload, line, failure_demand_load, mech_threshold, mech_creaming,
                pbr_share, standardisation, standard_efficiency, misfit_effect,
                collaboration_time, alliance, complexity, help_gain,
                park, planned_on, approach, fit, effort, focus, help, speed):
    """Phase 1 for people (:meth:`Worker.plan` after the worker's own split of time): weights of
    effort by need and by the gamer's rule, parking, choice of approach, fit and help.

    People are visited in index order; person ``i`` is on worker ``i % W``, so each worker's
    caseload is visited in order and its sums add in caseload order. ``draws`` is the step's draw
    block (replications x draws) and ``at_*`` the offsets of the draws used here.
    """
    n_reps, n_people = observed.shape
    n_approaches = belief.shape[2]
    W = n_case.shape[0]
    fd_total = np.empty(W)
    need_total = np.empty(W)
    game_total = np.empty(W)
    total = np.empty(W)
    per_unit = np.empty(W)
    standard_speed = 1.0 + standard_efficiency
    for r in range(n_reps):
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
            if draws[r, at_standard + i] < standardisation:
                a = 0
                sp = standard_speed
            elif draws[r, at_explore + i] < explore_p[r, w]:
                a = D.pick(draws[r, at_pick + i], n_approaches)
            else:
                a = 0
                best = belief[r, i, 0]
                for k in range(1, n_approaches):
                    if belief[r, i, k] > best:
                        best = belief[r, i, k]
                        a = k
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


@_jit
def live_people(person_provider, factors, base, exposed, barriers, focus, help, wellbeing,
                observed, need, profile, external, failure_demand, effort, fit, local,
                draws, at_shock, at_shift, at_need_u1, at_need_u2, at_need_pick, at_obs_noise,
                at_ext_innovation,
                mech_barriers, barrier_harm, recovery_rate, shock_sd, need_shift_rate, complexity,
                n_approaches, measurement_noise, lam, alpha, mech_failure_demand):
    """Phase 2 (:meth:`Person.live`): help, drift, barriers and shocks on each life factor; needs
    that shift; outside forces; wellbeing and what the indicator observes; failure demand."""
    n_reps, n_people, n_factors = factors.shape
    n_barriers = exposed.shape[2]
    for r in range(n_reps):
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
                                     shock_sd * draws[r, at_shock + n_factors * i + k])
                f = R.clip01(f)
                factors[r, i, k] = f
                total += f
                lowest = f if k == 0 else min(lowest, f)
            if draws[r, at_shift + i] < need_shift_rate * complexity:
                need[r, i] = D.draw_need(draws[r, at_need_u1 + i], draws[r, at_need_u2 + i],
                                         draws[r, at_need_pick + i], profile[r, i], complexity,
                                         n_approaches)
            ext = R.clip01(R.external_update(external[r, i], 0.1 * draws[r, at_ext_innovation + i]))
            external[r, i] = ext
            w = R.wellbeing(total / n_factors, lowest, lam)
            outside = 0.5 * (ext + local[r, person_provider[i]])
            wellbeing[r, i] = w
            observed[r, i] = R.observed_outcome(w, factors[r, i, R.MEASURED_FACTOR], outside,
                                                measurement_noise * draws[r, at_obs_noise + i],
                                                complexity, alpha)
            drop = max(0.0, old_w - w) * 10.0
            fd = failure_demand[r, i]
            failure_demand[r, i] = max(0.0, fd + R.failure_demand_change(
                fd, effort[r, i], fit[r, i], drop, mech_failure_demand))


@_jit
def report_and_learn(n_case, knave, gaming, observed, fit, effort, approach, profile,
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
    n_reps, n_people = observed.shape
    n_approaches = belief.shape[2]
    W = n_case.shape[0]
    row_step = 0.2 * step
    n_reported = np.empty(W, dtype=np.int64)
    n_misreported = np.empty(W, dtype=np.int64)
    fit_sum = np.empty(W)
    audited = np.empty(W, dtype=np.bool_)
    misreport_p = np.empty(W)
    for r in range(n_reps):
        n_reported[:] = 0
        n_misreported[:] = 0
        fit_sum[:] = 0.0
        for w in range(W):
            fd_sum[r, w] = 0.0
            audited[w] = draws[r, at_audit + w] < audit_rate
            misreport_p[w] = R.misreport_probability(gaming[r, w], mech_misreport)
        w = 0
        for i in range(n_people):
            g = gaming[r, w]
            obs = observed[r, i]
            reported_value[r, i] = obs
            if obs > line:
                n_reported[w] += 1
            elif draws[r, at_misreport + i] < misreport_p[w]:
                n_misreported[w] += 1
                if not audited[w]:
                    reported_value[r, i] = line + 0.01  # reported as just over the line
            fit_sum[w] += fit[r, i]
            fd_sum[r, w] += failure_demand[r, i]
            k = profile[r, i]
            if effort[r, i] > 0.05 and step > 0:
                a = approach[r, i]
                signal = R.learning_signal(fit[r, i], draws[r, at_signal + i], alpha,
                                           g * mech_misreport)
                belief[r, i, a] += step * (signal - belief[r, i, a])
                knowledge[r, w, k, a] += row_step * (signal - knowledge[r, w, k, a])
            if case_discussion > 0:
                for a in range(n_approaches):
                    belief[r, i, a] += case_discussion * (knowledge[r, w, k, a] - belief[r, i, a])
            if mech_learning and draws[r, at_coproduce + i] < coproduction:
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
                found = draws[r, at_detect + w] < p_find
            neglect_found[r, w] = found


@_jit
def knows_need(belief, need):
    """Whether each person's best-believed approach (the first largest belief) is their need."""
    n_reps, n_people, n_approaches = belief.shape
    out = np.empty((n_reps, n_people), dtype=np.bool_)
    for r in range(n_reps):
        for i in range(n_people):
            a = 0
            best = belief[r, i, 0]
            for k in range(1, n_approaches):
                if belief[r, i, k] > best:
                    best = belief[r, i, k]
                    a = k
            out[r, i] = a == need[r, i]
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

    Means add workers in index order, as :meth:`CommissioningModel._pool_knowledge` does."""
    n_reps, W, A, _ = knowledge.shape
    P = staff.shape[0]
    team = np.empty((P, A, A))
    everyone = np.empty((A, A))
    for r in range(n_reps):
        team[:] = 0.0
        for w in range(W):
            team[provider_of[w]] += knowledge[r, w]
        for p in range(P):
            team[p] /= staff[p]
        everyone[:] = 0.0
        for p in range(P):
            everyone += team[p] * staff[p]
        everyone /= W
        for w in range(W):
            own = team[provider_of[w]]
            for k in range(A):
                for a in range(A):
                    pooled = (1 - alliance) * own[k, a] + alliance * everyone[k, a]
                    knowledge[r, w, k, a] += rate * (pooled - knowledge[r, w, k, a])


_U64_8 = np.uint64(8)
_U64_1 = np.uint64(1)
_U64_11 = np.uint64(11)
_U64_255 = np.uint64(255)
_U64_MASK52 = np.uint64(0x000FFFFFFFFFFFFF)


@_jit
def ziggurat_normals(words, out, start, tail, width, inside, height, r, inv_r):
    """Standard normals into ``out[start:]`` from the raw 64-bit ``words`` of a bit generator, by
    Marsaglia and Tsang's ziggurat (256 layers; tables from :func:`hlssim.draws.ziggurat_tables`).

    Each attempt takes one word: 8 bits pick a layer, 1 bit the sign, 52 bits the position in the
    layer; a point inside the curve is returned at once (about 99% of attempts); otherwise one more
    word decides the wedge, or pairs of words sample the tail beyond ``r`` exactly. Returns the
    index of the first normal not yet made: an attempt (or tail round) starts only while two words
    are left, so the caller passes fresh words and calls again; ``tail`` (2 int64s: in the tail?,
    its sign) carries a tail sampling across calls, so no attempt is cut short or biased. Words
    left over (fewer than two) are discarded, whatever their values."""
    n = out.shape[0]
    m = words.shape[0]
    w = 0
    i = start
    while i < n:
        if m - w < 2:
            return i
        if tail[0] != 0:
            xx = -inv_r * np.log1p(-float(np.int64(words[w] >> _U64_11)) * 2.0 ** -53)
            yy = -np.log1p(-float(np.int64(words[w + 1] >> _U64_11)) * 2.0 ** -53)
            w += 2
            if yy + yy > xx * xx:
                out[i] = -(r + xx) if tail[1] != 0 else r + xx
                tail[0] = 0
                i += 1
            continue
        bits = words[w]
        w += 1
        layer = int(bits & _U64_255)
        bits = bits >> _U64_8
        negative = np.int64(bits & _U64_1)
        rabs = (bits >> _U64_1) & _U64_MASK52
        # sign without a branch (it is a coin toss, so a branch would be mispredicted half the
        # time), and through int64 (exact below 2**52), which converts to float in one instruction
        x = float(np.int64(rabs)) * width[layer] * (1.0 - 2.0 * negative)
        if rabs < inside[layer]:
            out[i] = x
            i += 1
        elif layer == 0:
            tail[0] = 1
            tail[1] = negative
        else:
            u = float(np.int64(words[w] >> _U64_11)) * 2.0 ** -53
            w += 1
            if height[layer] + u * (height[layer + 1] - height[layer]) < np.exp(-0.5 * x * x):
                out[i] = x
                i += 1
    return n
