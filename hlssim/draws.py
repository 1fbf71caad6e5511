"""Random draws, made at model level as arrays in a fixed order.

Every random number a run uses comes from one ``numpy.random.Generator`` seeded by
``SeedSequence(seed)``: first the initial draws (:func:`initial_draws`), then one block per step
(:func:`step_draws`), always the same shapes in the same order whatever the state. Agents read
their own entries by index. So any engine that makes these calls in this order reproduces a run
exactly, and no draw depends on how many agents happen to act in a step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hlssim.rules import N_BARRIERS, N_FACTORS


def make_rng(seed: int | np.random.SeedSequence) -> np.random.Generator:
    """The run's generator: PCG64 seeded by ``SeedSequence(seed)`` (or a spawned sequence)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.Generator(np.random.PCG64(ss))


@dataclass(frozen=True)
class InitialDraws:
    """Draws that set up people, workers and providers."""

    factor_noise: np.ndarray  # (people, factors) normal
    base: np.ndarray  # (people,) uniform: resilience baseline
    profile: np.ndarray  # (people,) uniform: visible presenting situation
    need_u1: np.ndarray  # (people,) uniform: standard need or not
    need_u2: np.ndarray  # (people,) uniform: profile-typical need or not
    need_pick: np.ndarray  # (people,) uniform: which approach if personal
    external: np.ndarray  # (people,) uniform: outside forces at start
    barrier_exposure: np.ndarray  # (people, barriers) uniform
    worker_knave: np.ndarray  # (workers,) uniform
    worker_motivation: np.ndarray  # (workers,) uniform
    provider_quality: np.ndarray  # (providers,) uniform
    provider_culture: np.ndarray  # (providers,) uniform: propensity to game


def initial_draws(rng: np.random.Generator, n_people: int, n_workers: int, n_providers: int) -> InitialDraws:
    return InitialDraws(
        factor_noise=rng.standard_normal((n_people, N_FACTORS)),
        base=rng.random(n_people),
        profile=rng.random(n_people),
        need_u1=rng.random(n_people),
        need_u2=rng.random(n_people),
        need_pick=rng.random(n_people),
        external=rng.random(n_people),
        barrier_exposure=rng.random((n_people, N_BARRIERS)),
        worker_knave=rng.random(n_workers),
        worker_motivation=rng.random(n_workers),
        provider_quality=rng.random(n_providers),
        provider_culture=rng.random(n_providers),
    )


@dataclass(frozen=True)
class StepDraws:
    """Draws for one step: every one made whether or not it is used this step."""

    shock: np.ndarray  # (people, factors) normal
    u_standard: np.ndarray  # (people,) uniform: must use the standard intervention?
    u_explore: np.ndarray  # (people,) uniform: try something new?
    explore_pick: np.ndarray  # (people,) uniform: which approach to try
    u_shift: np.ndarray  # (people,) uniform: does what helps change?
    need_u1: np.ndarray  # (people,) uniform
    need_u2: np.ndarray  # (people,) uniform
    need_pick: np.ndarray  # (people,) uniform
    obs_noise: np.ndarray  # (people,) normal: measurement noise
    ext_innovation: np.ndarray  # (people,) normal: outside forces
    u_misreport: np.ndarray  # (people,) uniform
    u_coproduce: np.ndarray  # (people,) uniform
    signal_noise: np.ndarray  # (people,) normal: noise in what a worker learns
    u_turnover: np.ndarray  # (workers,) uniform
    u_audit: np.ndarray  # (workers,) uniform
    u_detect: np.ndarray  # (workers,) uniform: neglect found?
    u_hire_knave: np.ndarray  # (workers,) uniform: is a new hire a knave?
    hire_motivation: np.ndarray  # (workers,) uniform
    u_tupe: np.ndarray  # (workers,) uniform: does a worker stay when a contract moves?
    tender_quality: np.ndarray  # (providers,) uniform: a new entrant's quality
    tender_noise: np.ndarray  # (providers,) normal: noise in tender scoring
    tender_culture: np.ndarray  # (providers,) uniform: a new entrant's propensity to game
    local_innovation: np.ndarray  # (providers,) normal: outside forces in each area


def step_draws(rng: np.random.Generator, n_people: int, n_workers: int, n_providers: int) -> StepDraws:
    return StepDraws(
        shock=rng.standard_normal((n_people, N_FACTORS)),
        u_standard=rng.random(n_people),
        u_explore=rng.random(n_people),
        explore_pick=rng.random(n_people),
        u_shift=rng.random(n_people),
        need_u1=rng.random(n_people),
        need_u2=rng.random(n_people),
        need_pick=rng.random(n_people),
        obs_noise=rng.standard_normal(n_people),
        ext_innovation=rng.standard_normal(n_people),
        u_misreport=rng.random(n_people),
        u_coproduce=rng.random(n_people),
        signal_noise=rng.standard_normal(n_people),
        u_turnover=rng.random(n_workers),
        u_audit=rng.random(n_workers),
        u_detect=rng.random(n_workers),
        u_hire_knave=rng.random(n_workers),
        hire_motivation=rng.random(n_workers),
        u_tupe=rng.random(n_workers),
        tender_quality=rng.random(n_providers),
        tender_noise=rng.standard_normal(n_providers),
        tender_culture=rng.random(n_providers),
        local_innovation=rng.standard_normal(n_providers),
    )


def pick(u, n: int):
    """Turn a uniform draw into an index in 0..n-1 (floats or arrays)."""
    if isinstance(u, np.ndarray):
        return np.minimum((u * n).astype(np.int64), n - 1)
    return min(int(u * n), n - 1)


def draw_need(u1, u2, u_pick, profile, complexity: float, n_approaches: int):
    """What helps a person: the standard approach at low complexity; at high complexity usually the
    approach typical of their presenting situation (``profile``), sometimes something personal.
    Works on floats (one person) and on arrays (many)."""
    if isinstance(u1, np.ndarray):
        personal = pick(u_pick, n_approaches)
        return np.where(u1 >= complexity, 0, np.where(u2 < 0.7, profile, personal))
    if u1 >= complexity:
        return 0
    if u2 < 0.7:
        return profile
    return pick(u_pick, n_approaches)
