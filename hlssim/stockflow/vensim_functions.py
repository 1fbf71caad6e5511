"""Vensim functions for the batched integrator, over numpy arrays, as PySD computes them.

:mod:`hlssim.stockflow.integrator` integrates many parameter sets at once; these are the Vensim
functions it understands beyond arithmetic, ``MIN``/``MAX``/``ABS``/``EXP``/``LN``/``SQRT`` and
``IF THEN ELSE``, each written to give PySD's value (``pysd/py_backend/functions.py``, 3.x) for
every element of an array, so that a user's model using them can take the batched path (which is
still checked against a PySD run before use, :mod:`hlssim.stockflow.user_batch`).

The time functions (``STEP``, ``RAMP``, ``PULSE``) need the time and the time step: the integrator
passes them first (``_vstep(Time, _DT, height, t0)``).

>>> import numpy as np
>>> float(vmodulo(np.array(-7.0), 3.0)), float(vzidz(np.array(1.0), 0.0)), float(vstep(1.0, 0.5, 2.0, 1.2))
(-1.0, 0.0, 2.0)
"""

from __future__ import annotations

import numpy as np

#: PySD's tolerance for a zero denominator and for time comparisons (``SMALL_VENSIM``).
SMALL_VENSIM = 1e-6


def vstep(t, dt, value, tstep):
    """``STEP(value, tstep)``: ``value`` from ``tstep`` on (PySD: ``time + dt/2 > tstep``)."""
    return value * (t + dt / 2 > tstep)


def vramp(t, dt, slope, start, finish=None):
    """``RAMP(slope, start, finish)``: 0 before ``start``, then rising by ``slope``, flat after ``finish``."""
    final = t if finish is None else np.minimum(finish, t)
    return (t + SMALL_VENSIM > start) * slope * (final - start)


def vpulse(t, dt, start, width=None):
    """``PULSE(start, width)``: 1 on ``[start, start + width)``, else 0 (a zero width: half a step)."""
    width = 0.5 * dt if width is None else width
    return np.where((start - SMALL_VENSIM <= t) & (t < start + width), 1.0, 0.0)


def vzidz(a, b):
    """``ZIDZ(a, b)``: ``a / b``, or 0 where ``|b| < 1e-6``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(b) < SMALL_VENSIM, 0.0, np.divide(a, b))


def vxidz(a, b, x):
    """``XIDZ(a, b, x)``: ``a / b``, or ``x`` where ``|b| < 1e-6``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(b) < SMALL_VENSIM, x, np.divide(a, b))


def vinteger(x):
    """``INTEGER(x)``: ``x`` truncated toward zero (PySD: ``int(x)``)."""
    return np.trunc(x)


def vmodulo(x, m):
    """``MODULO(x, m)``: ``x - QUANTUM(x, m)``, the remainder of truncated division (PySD's);
    ``m <= 0``: 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m > 0, x - m * np.trunc(np.divide(x, m)), 0.0)


#: Vensim name -> the name the integrator's compiled code calls (plain functions).
FUNCTIONS = {"SIN": "_sin", "COS": "_cos", "TAN": "_tan", "ARCSIN": "_arcsin", "ARCCOS": "_arccos",
             "ARCTAN": "_arctan", "ZIDZ": "_vzidz", "XIDZ": "_vxidz", "INTEGER": "_vinteger",
             "MODULO": "_vmodulo"}
#: Vensim name -> the name called with the time and time step first.
TIME_FUNCTIONS = {"STEP": "_vstep", "RAMP": "_vramp", "PULSE": "_vpulse"}
#: What the compiled code's namespace needs for both.
ENV = {"_sin": np.sin, "_cos": np.cos, "_tan": np.tan, "_arcsin": np.arcsin, "_arccos": np.arccos,
       "_arctan": np.arctan, "_vzidz": vzidz, "_vxidz": vxidz, "_vinteger": vinteger,
       "_vmodulo": vmodulo, "_vstep": vstep, "_vramp": vramp, "_vpulse": vpulse}
