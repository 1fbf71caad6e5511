"""Random draws, made at model level as arrays in a fixed order.

Every random number a run uses comes from one ``numpy.random.Generator`` seeded by
``SeedSequence(seed)``: first the initial draws (:func:`initial_draws`), then one block per step
(:func:`step_draws`), always the same shapes in the same order whatever the state. Agents read
their own entries by index. So any engine that makes these calls in this order reproduces a run
exactly, and no draw depends on how many agents happen to act in a step.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

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


#: The draws of one step, in the order they are made: (name, kind, whose, meaning).
#: kind: "uniform" on [0, 1); "normal" standard normal; "noise" uniform with mean 0 and variance 1
#: (on [-sqrt 3, sqrt 3]), a quarter of the cost of a normal, used where only the spread matters.
STEP_DRAWS: tuple[tuple[str, str, str, str], ...] = (
    ("shock", "normal", "people x factors", "shocks to each life factor"),
    ("u_standard", "uniform", "people", "must the standard intervention be used?"),
    ("u_explore", "uniform", "people", "try something new?"),
    ("explore_pick", "uniform", "people", "which approach to try"),
    ("u_shift", "uniform", "people", "does what helps change?"),
    ("need_u1", "uniform", "people", "new need: standard or not"),
    ("need_u2", "uniform", "people", "new need: typical of the profile or not"),
    ("need_pick", "uniform", "people", "new need: which approach if personal"),
    ("obs_noise", "noise", "people", "measurement noise"),
    ("ext_innovation", "noise", "people", "outside forces on a person's measured outcome"),
    ("u_misreport", "uniform", "people", "is this case misreported?"),
    ("u_coproduce", "uniform", "people", "does the person's own view reach the worker?"),
    ("signal_noise", "noise", "people", "noise in what a worker learns from a result"),
    ("u_turnover", "uniform", "workers", "does the worker leave?"),
    ("u_audit", "uniform", "workers", "is the worker audited?"),
    ("u_detect", "uniform", "workers", "is neglect found?"),
    ("u_hire_knave", "uniform", "workers", "is a new hire a knave?"),
    ("hire_motivation", "uniform", "workers", "a new hire's motivation"),
    ("u_tupe", "uniform", "workers", "does the worker stay when a contract moves?"),
    ("tender_quality", "uniform", "providers", "a new entrant's quality"),
    ("tender_noise", "normal", "providers", "noise in tender scoring"),
    ("tender_culture", "uniform", "providers", "a new entrant's propensity to game"),
    ("local_innovation", "noise", "providers", "outside forces in each area"),
)

_SQRT12 = float(np.sqrt(12.0))


def step_draw_shapes(n_people: int, n_workers: int, n_providers: int) -> dict[str, tuple[int, ...]]:
    sizes = {"people": (n_people,), "people x factors": (n_people, N_FACTORS),
             "workers": (n_workers,), "providers": (n_providers,)}
    return {name: sizes[whose] for name, _, whose, _ in STEP_DRAWS}


@dataclass(frozen=True)
class StepLayout:
    """Where each of a step's draws sits in one flat block of floats, in drawing order.

    Consecutive draws of the same generator method are made in one call (``runs``): a generator
    gives the same numbers whether a stream is drawn in one call or in consecutive pieces, so the
    values are exactly those of one call per draw, with a fraction of the calls.
    """

    size: int  # floats in the block
    fields: dict[str, tuple[int, tuple[int, ...]]]  # name -> (offset, shape)
    runs: tuple[tuple[bool, int, int], ...]  # (normal?, start, stop): one generator call each
    noise: tuple[tuple[int, int], ...]  # (start, stop) of the "noise" draws, to rescale


def step_layout(n_people: int, n_workers: int, n_providers: int) -> StepLayout:
    shapes = step_draw_shapes(n_people, n_workers, n_providers)
    fields, runs, noise, offset = {}, [], [], 0
    for name, kind, _, _ in STEP_DRAWS:
        size = int(np.prod(shapes[name]))
        fields[name] = (offset, shapes[name])
        normal = kind == "normal"
        if runs and runs[-1][0] == normal:
            runs[-1] = (normal, runs[-1][1], offset + size)
        else:
            runs.append((normal, offset, offset + size))
        if kind == "noise":
            noise.append((offset, offset + size))
        offset += size
    return StepLayout(offset, fields, tuple(runs), tuple(noise))


_ZIGGURAT_R = 3.6541528853610088  # where the tail starts (Marsaglia and Tsang, 256 layers)
_ZIGGURAT_INV_R = 1.0 / _ZIGGURAT_R
_ZIGGURAT_AREA = 4.92867323399e-3  # each layer's area under exp(-x^2 / 2)
_ZIGGURAT_SPARE = 64  # words drawn beyond one per normal, for the attempts that need more


def ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 256-layer ziggurat for exp(-x^2/2): per layer, the scale from a 52-bit integer to x
    (``width``), the integers below which a point is surely under the curve (``inside``), and the
    curve's height at each layer edge (``height``, 257 values). Layer 0 is the base strip, whose
    part beyond ``_ZIGGURAT_R`` is sampled from the exact tail."""
    def f(x):
        return np.exp(-0.5 * x * x)

    edge = np.zeros(257)
    edge[0] = _ZIGGURAT_AREA / f(_ZIGGURAT_R)
    edge[1] = _ZIGGURAT_R
    for k in range(1, 255):
        edge[k + 1] = np.sqrt(-2.0 * np.log(f(edge[k]) + _ZIGGURAT_AREA / edge[k]))
    edge[256] = 0.0
    width = edge[:256] / 2.0 ** 52
    inside = np.floor(edge[1:] / edge[:256] * 2.0 ** 52).astype(np.uint64)
    return width, inside, f(edge)


_ZIGGURAT = ziggurat_tables()
_KERNEL = []  # the compiled ziggurat, imported on first use (numba only once a run draws)


def standard_normals(bit_generator: np.random.BitGenerator, out: np.ndarray) -> None:
    """Fill ``out`` (1-d float64) with standard normals made by a compiled ziggurat from the bit
    generator's raw 64-bit words (:func:`hlssim.kernels.ziggurat_normals`): exact in distribution
    like numpy's own ``standard_normal`` (the same method), at a fraction of its cost here. The
    words taken depend only on the generator's state, so a seed still gives one result."""
    if not _KERNEL:
        from hlssim.kernels import ziggurat_normals

        _KERNEL.append(ziggurat_normals)
    kernel, (width, inside, height) = _KERNEL[0], _ZIGGURAT
    n, done, tail = out.shape[0], 0, np.zeros(2, dtype=np.int64)
    while done < n:
        words = bit_generator.random_raw(n - done + _ZIGGURAT_SPARE)
        done = kernel(words, out, done, tail, width, inside, height, _ZIGGURAT_R, _ZIGGURAT_INV_R)


def uniforms(bit_generator: np.random.BitGenerator, out: np.ndarray) -> None:
    """Fill ``out`` (1-d float64) with uniforms on [0, 1) at 32-bit resolution (k / 2**32): two
    from each raw 64-bit word of the bit generator (low half first), about half the cost of
    ``Generator.random`` (53-bit, one word each). A probability p is hit with error below 2**-32."""
    n = out.shape[0]
    words = bit_generator.random_raw((n + 1) // 2)
    halves = words.astype("<u8", copy=False).view("<u4")[:n]
    np.multiply(halves, 2.0 ** -32, out=out)


def fill_step_block(rng: np.random.Generator, block: np.ndarray, layout: StepLayout) -> None:
    """Draw one step's raw numbers into ``block`` (1-d, ``layout.size``), before rescaling noise."""
    for normal, start, stop in layout.runs:
        if normal:
            rng.standard_normal(out=block[start:stop])
        else:
            rng.random(out=block[start:stop])


def fill_step_block_raw(rng: np.random.Generator, block: np.ndarray, layout: StepLayout) -> None:
    """:func:`fill_step_block` from raw words (:func:`standard_normals`, :func:`uniforms`): the same
    distributions, a different stream. One step's draws at 1,000 people, CPU ns per person-step
    (one run, load about 8): 91 now (PCG64, numpy), 77 with this, 76 with SFC64 and numpy, 61 with
    SFC64 and this (with tender_noise moved next to shock, so a step makes two calls, not four).

    NOT USED BY THE ENGINES YET. Switched on (SFC64 in :func:`make_rng`, this in both engines), the
    engines stay equal (tests/test_batch.py), but every seed's run changes and test_mechanisms.py's
    test_tendering_on_a_valid_measure_selects_better_providers then fails. That test passes on only
    15 of 25 blocks of 8 seeds under the current stream too: its effect (about 0.03-0.05, over 200
    seeds) sits near its 0.02 threshold with a standard error of about 0.04 at 8 seeds. It needs
    more power before the stream can change.
    """
    for normal, start, stop in layout.runs:
        if normal:
            standard_normals(rng.bit_generator, block[start:stop])
        else:
            uniforms(rng.bit_generator, block[start:stop])


def rescale_noise(block: np.ndarray, layout: StepLayout) -> None:
    """Turn the uniform "noise" draws of a block (last axis: the layout) into mean 0, variance 1."""
    for start, stop in layout.noise:
        part = block[..., start:stop]
        part -= 0.5
        part *= _SQRT12


def block_views(block: np.ndarray, layout: StepLayout) -> dict[str, np.ndarray]:
    """Each draw as a view of ``block`` (leading axes kept: one per replication, say)."""
    lead = block.shape[:-1]
    return {name: block[..., off:off + int(np.prod(shape))].reshape(lead + shape)
            for name, (off, shape) in layout.fields.items()}


class StepDraws(SimpleNamespace):
    """Draws for one step, as attributes named in :data:`STEP_DRAWS`: every one made every step."""


def step_draws(rng: np.random.Generator, n_people: int, n_workers: int, n_providers: int) -> StepDraws:
    """Make one step's draws in the fixed order."""
    layout = step_layout(n_people, n_workers, n_providers)
    block = np.empty(layout.size)
    fill_step_block(rng, block, layout)
    rescale_noise(block, layout)
    return StepDraws(**block_views(block, layout))


def pick(u, n: int):
    """Turn a uniform draw into an index in 0..n-1 (floats or arrays)."""
    if isinstance(u, float):
        return min(int(u * n), n - 1)
    return np.minimum((u * n).astype(np.int64), n - 1)


def draw_need(u1, u2, u_pick, profile, complexity: float, n_approaches: int):
    """What helps a person: the standard approach at low complexity; at high complexity usually the
    approach typical of their presenting situation (``profile``), sometimes something personal.
    Works on floats (one person) and on arrays (many)."""
    if isinstance(u1, float):
        if u1 >= complexity:
            return 0
        if u2 < 0.7:
            return profile
        return pick(u_pick, n_approaches)
    personal = pick(u_pick, n_approaches)
    return np.where(u1 >= complexity, 0, np.where(u2 < 0.7, profile, personal))
