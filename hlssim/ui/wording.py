"""Numbers in words for the explorer's summaries: contrasts between regimes and how to print them.

Shared by the side-by-side summary (:mod:`hlssim.ui.narrative`), the switch summary
(:mod:`hlssim.ui.switch_narrative`) and the computed "why" (:mod:`hlssim.ui.explain`), so that
every page rounds the same way. Two rules a commissioner can check on the page:

- Figures add up after rounding: a difference is printed with as many decimals as it takes for
  the two rounded means and the rounded difference to agree (:func:`decimals_adding_up`).
- "Clearly" is said only when the 95% interval excludes zero, and an interval that excludes zero
  is never printed as touching it: its bounds get the decimals they need (:func:`bound`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hlssim.common.stats import welch_interval

#: Changes smaller than this (on a 0-1 scale) are described as "barely moved".
STEADY = 0.02


@dataclass(frozen=True)
class Contrast:
    """One metric, two regimes: each regime's final mean and ``second - first`` with its interval."""

    metric: str
    first: str
    second: str
    mean_first: float
    mean_second: float
    diff: float
    low: float
    high: float
    n: int

    @property
    def clear(self) -> bool:
        """True when the 95% interval of the difference excludes zero."""
        return bool(np.isfinite(self.low) and np.isfinite(self.high)
                    and (self.low > 0 or self.high < 0))

    @property
    def higher(self) -> str | None:
        """The regime that ended clearly higher, or None when the runs cannot tell."""
        if not self.clear:
            return None
        return self.second if self.diff > 0 else self.first


def contrast(finals: pd.DataFrame, metric: str, first: str, second: str) -> Contrast:
    """Compare ``second`` with ``first`` on ``metric`` over the runs' final values."""
    # plain arrays: a page asks for some forty contrasts per redraw, and pandas' selection by
    # regime (a string column) cost most of a cached redraw; the numbers are difference()'s
    regimes = finals["regime"].to_numpy(object)
    values = finals[metric].to_numpy(float)
    a, b = values[regimes == first], values[regimes == second]
    if len(a) < 2 or len(b) < 2:  # no spread, no interval
        diff = float(b.mean() - a.mean())
        low = high = float("nan")
    else:
        diff, low, high = welch_interval(b, a)
    return Contrast(metric, first, second, float(a.mean()), float(b.mean()), diff, low, high,
                    int(min(len(a), len(b))))


# --- numbers ------------------------------------------------------------------------------------

def num(x: float, decimals: int = 2) -> str:
    """``x`` to ``decimals`` places, never '-0.00'.

    >>> num(-0.001), num(0.456), num(0.4561, 3)
    ('0.00', '0.46', '0.456')
    """
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def signed(x: float, decimals: int = 2) -> str:
    """``x`` with its sign, never '-0.00' or '+0.00' (zero is printed '0.00').

    >>> signed(0.031), signed(-0.0004), signed(-0.2)
    ('+0.03', '0.00', '-0.20')
    """
    text = num(x, decimals)
    return text if text.startswith("-") or float(text) == 0 else f"+{text}"


def decimals_adding_up(a: float, b: float, most: int = 4) -> int:
    """The fewest decimals (2 at least) at which ``round(b) - round(a)`` equals ``round(b - a)``,
    so that "0.72 ... 0.70 ... 0.03 lower" cannot happen.

    >>> decimals_adding_up(0.7249, 0.6951), decimals_adding_up(0.40, 0.60)
    (3, 2)
    """
    for d in range(2, most + 1):
        if abs((round(b, d) - round(a, d)) - round(b - a, d)) < 0.5 * 10 ** -d:
            return d
    return most


def pair(a: float, b: float) -> tuple[str, str, str]:
    """Two means and their difference ``b - a`` as printed figures that add up: two decimals when
    the rounded figures agree, else three, and if even three do not, the difference printed is
    that of the printed means (off from the exact one by under 0.001).

    >>> pair(0.40, 0.60), pair(0.7249, 0.6951), pair(0.5235, 0.5760)
    (('0.40', '0.60', '0.20'), ('0.725', '0.695', '-0.030'), ('0.523', '0.576', '0.053'))
    """
    d = decimals_adding_up(a, b, most=3)
    diff = b - a
    if abs((round(b, d) - round(a, d)) - round(diff, d)) >= 0.5 * 10 ** -d:
        diff = round(b, d) - round(a, d)
    return num(a, d), num(b, d), num(diff, d)


def bound(x: float, clear: bool, decimals: int = 2, most: int = 4) -> str:
    """An interval bound; when the interval excludes zero (``clear``) the bound gets as many
    decimals as it takes not to print as zero, so "clearly" never sits beside "0.00".

    >>> bound(-0.0004, True), bound(-0.0004, False), bound(0.031, True)
    ('-0.0004', '0.00', '+0.03')
    """
    d = decimals
    while clear and d < most and float(num(x, d)) == 0:
        d += 1
    return signed(x, d)


def pct(x: float) -> str:
    """A share as a percentage, e.g. 0.213 -> '21%', 0.003 -> 'under 1%'.

    >>> pct(0.213), pct(0.003), pct(-0.001)
    ('21%', 'under 1%', '0%')
    """
    if 0 < x < 0.005:
        return "under 1%"
    return f"{100 * x:.0f}%".replace("-0%", "0%")


def points(x: float) -> str:
    """A difference of shares in percentage points."""
    value = abs(100 * x)
    return f"{value:.0f} percentage point{'' if round(value) == 1 else 's'}"


def money(x: float) -> str:
    """An amount given in £k, e.g. 17.14 -> '£17.1k', 0.504 -> '£504'."""
    return f"£{1000 * x:.0f}" if abs(x) < 1 else f"£{x:.1f}k"


def interval(c: Contrast, fmt=None) -> str:
    """'95% interval -0.04 to -0.01' (the bounds as :func:`bound`, or with ``fmt``)."""
    if not np.isfinite(c.low):
        return "no interval with a single run each"
    if fmt is not None:
        return f"95% interval {fmt(c.low)} to {fmt(c.high)}"
    return f"95% interval {bound(c.low, c.clear)} to {bound(c.high, c.clear)}"


def noise(c: Contrast) -> str:
    """Whether the difference is larger than the run-to-run noise, in a sentence."""
    if not np.isfinite(c.low):
        return "With one run of each, the size of the run-to-run noise is unknown."
    if c.clear:
        return "The interval excludes zero, so the difference is larger than the run-to-run noise."
    return ("The interval includes zero, so the difference is within the run-to-run noise: these "
            f"runs cannot tell the two apart (more runs than {c.n} would narrow it).")


def change(start: float, end: float, fmt=num) -> str:
    """'rose from 0.40 to 0.55', 'fell from ...' or 'stayed near ...'."""
    if abs(end - start) < STEADY:
        return f"stayed near {fmt(end)}"
    return f"{'rose' if end > start else 'fell'} from {fmt(start)} to {fmt(end)}"


def months(n: int) -> str:
    """'7 months', '1 month', '2 years' (whole years from 24 months on).

    >>> months(1), months(7), months(24), months(30)
    ('1 month', '7 months', '2 years', '30 months')
    """
    if n >= 24 and n % 12 == 0:
        return f"{n // 12} years"
    return f"{n} month{'' if n == 1 else 's'}"


def bold(label: str) -> str:
    return f"**{label}**"


class Labels:
    """Regime keys to their plain names, in bold (``name(key)``)."""

    def __init__(self, labels: Mapping[str, str] | None):
        self.labels = dict(labels or {})

    def __call__(self, key: str | None) -> str:
        return bold(self.labels.get(key, key))

    def plain(self, key: str | None) -> str:
        return self.labels.get(key, key)
