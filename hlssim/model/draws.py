"""Random draws, made at model level as arrays in a fixed order.

Every random number a run uses comes from one SFC64 stream seeded by ``SeedSequence(seed)``:
first numpy makes the initial draws (:func:`initial_draws`), then compiled code continues the same
stream for one block per step (:func:`fill_step_blocks`, :func:`step_draws`), always the same
shapes in the same order whatever the state. Agents read their own entries by index. So any engine
that makes these calls in this order reproduces a run exactly, and no draw depends on how many
agents happen to act in a step.
"""

from __future__ import annotations

import functools
import math
from collections import namedtuple
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from hlssim.model.rules import N_BARRIERS, N_FACTORS


def make_rng(seed: int | np.random.SeedSequence) -> np.random.Generator:
    """The run's generator: numpy's SFC64 seeded by ``SeedSequence(seed)`` (or a spawned sequence).

    numpy makes the initial draws with it (:func:`initial_draws`); the steps' draws then continue
    the same generator's stream in compiled code (:func:`stream_state`, :func:`fill_step_blocks`)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.Generator(np.random.SFC64(ss))


def stream_state(rng: np.random.Generator) -> np.ndarray:
    """The generator's SFC64 state (a, b, c, counter) as 4 uint64s, to continue its stream in
    compiled code (:func:`hlssim.model.stream.sfc64_next` is numpy's SFC64 step, word for word). The
    generator itself must not be used after: its state no longer moves with the stream."""
    state = rng.bit_generator.state
    if state["bit_generator"] != "SFC64" or state["has_uint32"]:
        raise ValueError("the run's generator must be a fresh-word SFC64 (see make_rng)")
    return np.array(state["state"]["state"], dtype=np.uint64)


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
    ("u_audit_sees", "uniform", "people", "does an audit of the worker see this case's misreport?"),
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

def step_draw_shapes(n_people: int, n_workers: int, n_providers: int) -> dict[str, tuple[int, ...]]:
    sizes = {"people": (n_people,), "people x factors": (n_people, N_FACTORS),
             "workers": (n_workers,), "providers": (n_providers,)}
    return {name: sizes[whose] for name, _, whose, _ in STEP_DRAWS}


#: How each kind of draw is made from the stream's 64-bit words (the codes the kernel reads).
DRAW_KINDS = {"uniform": 0, "noise": 1, "normal": 2}


@dataclass(frozen=True)
class StepLayout:
    """Where each of a step's draws sits in one flat block of floats, in drawing order.

    ``runs`` groups consecutive draws of the same kind; each run starts on a fresh word of the
    stream (a run of uniforms takes two from each word, so an odd one leaves half a word unused).
    """

    size: int  # floats in the block
    fields: dict[str, tuple[int, tuple[int, ...]]]  # name -> (offset, shape)
    kinds: np.ndarray  # (runs,) int64: DRAW_KINDS code of each run
    starts: np.ndarray  # (runs,) int64
    stops: np.ndarray  # (runs,) int64


#: Where each of a step's draws starts in its flat block, by name (for compiled code, which reads
#: ``at.u_standard + i``); made by :func:`draw_offsets`.
DrawOffsets = namedtuple("DrawOffsets", [name for name, *_ in STEP_DRAWS])


def draw_offsets(layout: StepLayout) -> DrawOffsets:
    """``layout``'s offset of each draw, as a :data:`DrawOffsets`."""
    return DrawOffsets(**{name: offset for name, (offset, _) in layout.fields.items()})


@functools.lru_cache(maxsize=64)
def step_layout(n_people: int, n_workers: int, n_providers: int) -> StepLayout:
    """The layout of a step's draws for this many people, workers and providers (worked out once
    per size and shared: every engine and every step reads the same object, never writes it)."""
    shapes = step_draw_shapes(n_people, n_workers, n_providers)
    fields, runs, offset = {}, [], 0
    for name, kind, _, _ in STEP_DRAWS:
        size = math.prod(shapes[name])
        fields[name] = (offset, shapes[name])
        code = DRAW_KINDS[kind]
        if runs and runs[-1][0] == code:
            runs[-1][2] = offset + size
        else:
            runs.append([code, offset, offset + size])
        offset += size
    kinds, starts, stops = (np.array(col, dtype=np.int64) for col in zip(*runs))
    return StepLayout(offset, fields, kinds, starts, stops)


_ZIGGURAT_R = 3.6541528853610088  # where the tail starts (Marsaglia and Tsang, 256 layers)
_ZIGGURAT_INV_R = 1.0 / _ZIGGURAT_R
_ZIGGURAT_AREA = 4.92867323399e-3  # each layer's area under exp(-x^2 / 2)


def ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 256-layer ziggurat for exp(-x^2/2): per layer, the scale from a 52-bit integer to x
    (``width``), the integers below which a point is surely under the curve (``inside``), and the
    curve's height at each layer edge (``height``, 257 values). Layer 0 is the base strip, whose
    part beyond ``_ZIGGURAT_R`` is sampled from the exact tail.

    Built with :mod:`math`, one value at a time, never numpy's ``exp``/``log``: numpy's vectorised
    transcendentals are chosen by CPU dispatch (SSE, AVX2, AVX-512) and may differ in the last bit
    from one CPU to another, and every normal a run draws is scaled by these tables
    (``tests/test_cpu_independence.py`` checks them against a stored copy, to the bit)."""
    def f(x: float) -> float:
        return math.exp(-0.5 * x * x)

    edge = [0.0] * 257
    edge[0] = _ZIGGURAT_AREA / f(_ZIGGURAT_R)
    edge[1] = _ZIGGURAT_R
    for k in range(1, 255):
        edge[k + 1] = math.sqrt(-2.0 * math.log(f(edge[k]) + _ZIGGURAT_AREA / edge[k]))
    edge[256] = 0.0
    width = np.array([e / 2.0 ** 52 for e in edge[:256]])
    inside = np.array([math.floor(edge[k + 1] / edge[k] * 2.0 ** 52) for k in range(256)],
                      dtype=np.uint64)
    height = np.array([f(e) for e in edge])
    return width, inside, height


_ZIGGURAT = ziggurat_tables()
#: What the compiled ziggurat reads: (width, inside, height, tail start r, 1 / r).
ZIGGURAT = (*_ZIGGURAT, _ZIGGURAT_R, _ZIGGURAT_INV_R)
_KERNEL = []  # the compiled filler, imported on first use (numba only once a run draws)


def fill_step_blocks(states: np.ndarray, block: np.ndarray, layout: StepLayout) -> None:
    """One step's draws for each replication: row ``r`` of ``block`` (R, ``layout.size``) from the
    stream whose state is ``states[r]`` (R, 4; advanced in place), in the layout's order.

    Made by :func:`hlssim.model.stream.fill_step_blocks`: uniforms at 32-bit resolution (k / 2**32, two
    from each word, low half first: a probability p is hit with error below 2**-32), "noise" the
    same rescaled to mean 0 and variance 1, and normals by Marsaglia and Tsang's ziggurat (the
    method numpy's ``standard_normal`` uses; one word per normal about 99% of the time). The words
    taken depend only on the stream's state, so a seed gives one result whatever the engine."""
    if not _KERNEL:
        from hlssim.model.stream import fill_step_blocks as kernel

        _KERNEL.append(kernel)
    _KERNEL[0](states, block, layout.kinds, layout.starts, layout.stops, *ZIGGURAT)


def block_views(block: np.ndarray, layout: StepLayout) -> dict[str, np.ndarray]:
    """Each draw as a view of ``block`` (leading axes kept: one per replication, say)."""
    lead = block.shape[:-1]
    return {name: block[..., off:off + int(np.prod(shape))].reshape(lead + shape)
            for name, (off, shape) in layout.fields.items()}


class StepDraws(SimpleNamespace):
    """Draws for one step, as attributes named in :data:`STEP_DRAWS`: every one made every step."""


def step_draws(state: np.ndarray, n_people: int, n_workers: int, n_providers: int) -> StepDraws:
    """Make one step's draws from the stream whose state is ``state`` (4 uint64s, advanced)."""
    layout = step_layout(n_people, n_workers, n_providers)
    block = np.empty((1, layout.size))
    fill_step_blocks(state.reshape(1, 4), block, layout)
    return StepDraws(**block_views(block[0], layout))


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
