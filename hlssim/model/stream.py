"""The month's random draws in compiled code: numpy's SFC64 generator word for word, uniforms at
32-bit resolution and normals by a 256-layer ziggurat (:func:`fill_row`), shared by both engines
(the Mesa engine through :func:`hlssim.model.draws.fill_step_blocks`, the batch engine's months
call :func:`fill_row` directly).

Imported on first use only (it imports numba): ``import hlssim`` stays quick.
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

from hlssim.model.compiled import jit

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
_SQRT12 = math.sqrt(12.0)


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
def fill_row(states, rep, row, kinds, starts, stops, width, inside, height, r, inv_r):
    """One step's draws for replication ``rep``: ``row`` from the SFC64 stream ``states[rep]``
    (advanced in place), run by run (:class:`hlssim.model.draws.StepLayout`).

    Run kinds: 0 uniforms on [0, 1) at 32-bit resolution, two per word (low half first); 1 the
    same rescaled to mean 0 and variance 1 ("noise"); 2 standard normals by Marsaglia and Tsang's
    256-layer ziggurat (tables from :func:`hlssim.model.draws.ziggurat_tables`): each attempt takes one
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
                            xx = -inv_r * math.log1p(-_unit53(w1))
                            yy = -math.log1p(-_unit53(w2))
                            if yy + yy > xx * xx:
                                break
                        row[i] = -(r + xx) if negative else r + xx
                        break
                    a, b, c, n, w1 = sfc64_next(a, b, c, n)
                    y = height[layer] + _unit53(w1) * (height[layer + 1] - height[layer])
                    if y < math.exp(-0.5 * x * x):
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


@jit
def fill_step_blocks(states, block, kinds, starts, stops, width, inside, height, r, inv_r):
    """One step's draws for each replication: row ``rep`` of ``block`` from the stream
    ``states[rep]`` (:func:`fill_row`)."""
    for rep in range(block.shape[0]):
        fill_row(states, rep, block[rep], kinds, starts, stops, width, inside, height, r, inv_r)


