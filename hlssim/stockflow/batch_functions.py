"""PySD's functions and lookup tables as the batched path computes them: elementwise over numpy
arrays of parameter sets, with the same operations in the same order as ``pysd.py_backend``
(``functions.py`` and ``lookups.py``, PySD 3.x), so a batched run equals PySD's bit for bit.

The time functions take the time and the time step first, as the compiled code calls them.
``ZIDZ`` and ``XIDZ`` are :mod:`hlssim.stockflow.integrator`'s ``vzidz`` and ``vxidz``, shared with
the project's own model's batched integrator.

>>> float(_step(2.0, 0.5, 3.0, 2.1)), float(vzidz(1.0, 0.0)), float(lookup_table([0, 1], [0, 10], "interpolate")(0.25))
(3.0, 0.0, 2.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hlssim.errors import HlssimError
from hlssim.stockflow.integrator import vxidz, vzidz

#: PySD's tolerance for zero denominators and time comparisons (``SMALL_VENSIM``).
SMALL_VENSIM = 1e-6


class Declined(HlssimError):
    """A run the batched path does not do as PySD would (PySD runs it instead)."""


class MixedOrders(Exception):
    """``DELAY N`` or ``SMOOTH N`` orders that differ between the parameter sets: ``orders`` holds
    each set's (whole) order, so the sets can be integrated in groups of one order each."""

    def __init__(self, orders: np.ndarray):
        super().__init__("orders differ between the parameter sets")
        self.orders = orders


def _uniform_order(x, delay: bool, n: int) -> int:
    """A ``DELAY N`` or ``SMOOTH N`` order as PySD takes it, once at the start: a delay's cast to a
    whole number (``int(order)``), a smooth's used as it is (so it must be whole). One whole
    number >= 1 for every set; :class:`MixedOrders` if they differ, else :class:`Declined`."""
    values = np.broadcast_to(np.asarray(x, dtype=float), (n,))
    whole = np.trunc(values) if delay else values
    if not np.all(np.isfinite(whole)) or np.any(whole != np.trunc(whole)) or np.any(whole < 1):
        raise Declined(f"{'DELAY N' if delay else 'SMOOTH N'} of order "
                       f"{', '.join(f'{v:g}' for v in sorted(set(values.tolist())))}")
    if np.any(whole != whole[0]):
        raise MixedOrders(whole)
    return int(whole[0])


def _float(x):
    """A comparison's or logical operation's truth values as numbers (PySD's ``True`` is 1.0)."""
    return np.asarray(x, dtype=float)


def _stages(value, order: int, n: int) -> np.ndarray:
    """A stateful object's initial state: ``order`` stages of ``value``, one column per set."""
    return np.broadcast_to(np.asarray(value, dtype=float), (order, n)).copy()


def _if_then_else(cond, a, b):
    return np.where(cond, a, b)


def _step(t, dt, value, tstep):
    return value * (t + dt / 2 > tstep)


def _ramp(t, dt, slope, start, finish=None):
    final = t if finish is None else np.minimum(finish, t)
    return (t + SMALL_VENSIM > start) * slope * (final - start)


def _pulse(t, dt, start, repeat_time=0, width=None, magnitude=None, end=None):
    """PySD's ``pulse``: ``PULSE``, ``PULSE TRAIN`` and XMILE's ``PULSE`` (with a magnitude)."""
    width = 0.5 * dt if width is None else width
    out = magnitude / dt if magnitude is not None else 1
    if np.all(np.asarray(repeat_time) == 0):
        return np.where((start - SMALL_VENSIM <= t) & (t < start + width), out, 0)
    on = (start <= t) & (True if end is None else t < end)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(on & ((t - start + SMALL_VENSIM) % repeat_time < width), out, 0)


def _quantum(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b < SMALL_VENSIM, a, b * np.trunc(np.divide(a, b)))


def _modulo(x, m):
    return x - _quantum(x, m)


#: PySD's function name (``CallStructure.function.reference``) -> (code, takes the time first).
FUNCTIONS = {
    "abs": ("np.abs", False), "min": ("np.minimum", False), "max": ("np.maximum", False),
    "exp": ("np.exp", False), "sqrt": ("np.sqrt", False), "ln": ("np.log", False),
    "sin": ("np.sin", False), "cos": ("np.cos", False), "tan": ("np.tan", False),
    "arcsin": ("np.arcsin", False), "arccos": ("np.arccos", False), "arctan": ("np.arctan", False),
    "sinh": ("np.sinh", False), "cosh": ("np.cosh", False), "tanh": ("np.tanh", False),
    "power": ("np.power", False), "integer": ("np.trunc", False), "if_then_else": ("_if_then_else", False),
    "zidz": ("vzidz", False), "xidz": ("vxidz", False), "quantum": ("_quantum", False),
    "modulo": ("_modulo", False), "step": ("_step", True), "ramp": ("_ramp", True),
    "Xramp": ("_ramp", True), "pulse": ("_pulse", True), "pulse_train": ("_pulse", True),
    "Xpulse": ("_pulse", True), "Xpulse_train": ("_pulse", True),
}
#: How PySD's builder names the arguments of the pulse variants (python_functions.py).
PULSE_ARGS = {"pulse": ("", "width="), "pulse_train": ("", "repeat_time=", "width=", "end="),
               "Xpulse": ("", "magnitude="), "Xpulse_train": ("", "repeat_time=", "magnitude=")}


def lookup_table(xs: Sequence[float], ys: Sequence[float], kind: str):
    """A lookup table as PySD's ``Lookups._call`` evaluates it, elementwise."""
    xp, fp = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)

    def interpolate(x):
        return np.interp(x, xp, fp)

    def hold_backward(x):
        x = np.asarray(x, dtype=float)
        i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 1)
        return np.where(x > xp[-1], fp[-1], np.where(x < xp[0], fp[0], fp[i]))

    def extrapolate(x):
        x = np.asarray(x, dtype=float)
        hi = fp[-1] + (fp[-1] - fp[-2]) / (xp[-1] - xp[-2]) * (x - xp[-1])
        lo = fp[0] + (fp[1] - fp[0]) / (xp[1] - xp[0]) * (x - xp[0])
        return np.where(x > xp[-1], hi, np.where(x < xp[0], lo, np.interp(x, xp, fp)))

    if kind == "extrapolate" and len(xp) < 2:
        kind = "interpolate"
    return {"interpolate": interpolate, "hold_backward": hold_backward, "extrapolate": extrapolate}[kind]


#: What the compiled code's namespace holds.
NAMESPACE = {"np": np, **{f.__name__: f for f in (
    _float, _stages, _uniform_order, _if_then_else, _step, _ramp, _pulse, vzidz, vxidz, _quantum, _modulo)}}
