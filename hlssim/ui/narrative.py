"""Plain-English summaries of a comparison, written from its numbers.

The explorer (``app.py``) shows these under its charts. Nothing here is canned: every sentence is
chosen and filled in from the runs' final values and trajectories (the tables of
:mod:`hlssim.experiments.comparison`), so contrasting results give contrasting words. Differences between two
regimes come with their 95% interval from :func:`hlssim.experiments.comparison.difference`; a difference is
called clear only when that interval excludes zero, and otherwise the text says the runs cannot
tell the regimes apart.

Two summaries:

- :func:`compare_story`: two regimes run side by side: who ended ahead on true wellbeing and for
  the worst-off, by how much and how surely; the reported indicator against the truth (the
  Goodhart gap); gaming; motivation and stress; trust; admin time and cost; and the mechanisms
  that differed.
- :func:`switch_story`: a run that switches regime part way, against staying put (and against the
  new regime all along): the slow start or the gain, how long until it passed its pre-switch
  level, and what happened to trust.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hlssim.experiments.comparison import FINAL_WINDOW, difference

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
    a = finals.loc[finals["regime"] == first, metric]
    b = finals.loc[finals["regime"] == second, metric]
    if len(a) < 2 or len(b) < 2:  # no spread, no interval
        diff = float(b.mean() - a.mean())
        low = high = float("nan")
    else:
        diff, low, high = difference(finals, metric, second, first)
    return Contrast(metric, first, second, float(a.mean()), float(b.mean()), diff, low, high,
                    int(min(len(a), len(b))))


# --- formatting ---------------------------------------------------------------------------------

def _num(x: float) -> str:
    """Two decimals, never '-0.00'."""
    text = f"{x:.2f}"
    return "0.00" if text == "-0.00" else text


def _pct(x: float) -> str:
    """A share as a percentage, e.g. 0.213 -> '21%', 0.003 -> 'under 1%'."""
    if 0 < x < 0.005:
        return "under 1%"
    return f"{100 * x:.0f}%".replace("-0%", "0%")


def _points(x: float) -> str:
    """A difference of shares in percentage points."""
    value = abs(100 * x)
    return f"{value:.0f} percentage point{'' if round(value) == 1 else 's'}"


def _money(x: float) -> str:
    """An amount in £k, e.g. 17.14 -> '£17.1k', 0.504 -> '£504'."""
    return f"£{1000 * x:.0f}" if abs(x) < 1 else f"£{x:.1f}k"


def _interval(c: Contrast, fmt=_num) -> str:
    if not np.isfinite(c.low):
        return "no interval with a single run each"
    return f"95% interval {fmt(c.low)} to {fmt(c.high)}"


def _noise(c: Contrast) -> str:
    if not np.isfinite(c.low):
        return "With one run of each, the size of the run-to-run noise is unknown."
    if c.clear:
        return "The interval excludes zero, so the difference is larger than the run-to-run noise."
    return ("The interval includes zero, so the difference is within the run-to-run noise: these "
            f"runs cannot tell the two apart (more replications than {c.n} would narrow it).")


def _change(start: float, end: float, fmt=_num) -> str:
    """'rose from 0.40 to 0.55', 'fell from ...' or 'stayed near ...'."""
    if abs(end - start) < STEADY:
        return f"stayed near {fmt(end)}"
    return f"{'rose' if end > start else 'fell'} from {fmt(start)} to {fmt(end)}"


def _bold(label: str) -> str:
    return f"**{label}**"


class _Labels:
    def __init__(self, labels: Mapping[str, str] | None):
        self._labels = dict(labels or {})

    def __call__(self, key: str | None) -> str:
        return _bold(self._labels.get(key, key))


def _start_values(trajectories: pd.DataFrame | None, regime: str, metric: str) -> float | None:
    if trajectories is None:
        return None
    runs = trajectories[trajectories["regime"] == regime]
    if runs.empty:
        return None
    return float(runs.loc[runs["step"] == runs["step"].min(), metric].mean())


# --- the side-by-side comparison ----------------------------------------------------------------

def _headline(wb: Contrast, p10: Contrast, name: _Labels) -> str:
    if wb.clear and p10.clear:
        if wb.higher == p10.higher:
            return (f"{name(wb.higher)} ended ahead, both on average wellbeing and for the "
                    "worst-off.")
        return (f"{name(wb.higher)} ended ahead on average wellbeing, but {name(p10.higher)} did "
                "better for the worst-off.")
    if wb.clear:
        return (f"{name(wb.higher)} ended ahead on average wellbeing; for the worst-off these runs "
                "cannot tell the two apart.")
    if p10.clear:
        return (f"On average wellbeing the two ended level within the noise, but "
                f"{name(p10.higher)} did better for the worst-off.")
    return "Neither regime ended clearly ahead on wellbeing in these runs."


def _wellbeing(wb: Contrast, name: _Labels, years: float | None,
               trajectories: pd.DataFrame | None) -> str:
    when = f"After {years:g} years" if years else "At the end"
    a, b = name(wb.first), name(wb.second)
    text = (f"{when}, true wellbeing (0 to 1) averaged {_num(wb.mean_first)} under {a} and "
            f"{_num(wb.mean_second)} under {b}. ")
    if wb.mean_first > 0:
        rel = 100 * wb.diff / wb.mean_first
        direction = "higher" if wb.diff > 0 else "lower"
        text += (f"{b} was {_num(abs(wb.diff))} {direction} ({abs(rel):.0f}% {direction}; "
                 f"{_interval(wb)} across {wb.n} runs of each). ")
    text += _noise(wb)
    start_a = _start_values(trajectories, wb.first, wb.metric)
    start_b = _start_values(trajectories, wb.second, wb.metric)
    if start_a is not None and start_b is not None:
        text += (f" Over the run it {_change(start_a, wb.mean_first)} under {a} and "
                 f"{_change(start_b, wb.mean_second)} under {b}.")
    return text


def _worst_off(p10: Contrast, wb: Contrast, name: _Labels) -> str:
    a, b = name(p10.first), name(p10.second)
    text = (f"The worst-off tenth of people ended at {_num(p10.mean_first)} under {a} and "
            f"{_num(p10.mean_second)} under {b}: a difference of {p10.diff:+.2f} for {b} "
            f"({_interval(p10)}). ")
    if p10.clear and wb.clear and p10.higher != wb.higher:
        text += (f"So the regime that did better on average, {name(wb.higher)}, left the "
                 "worst-off further behind.")
    elif p10.clear:
        text += f"{name(p10.higher)} did clearly better for them."
    else:
        text += "For them the runs cannot tell the two apart."
    return text


def _indicator(finals: pd.DataFrame, first: str, second: str, wb: Contrast, name: _Labels) -> str:
    rep = contrast(finals, "reported_indicator", first, second)
    gap = contrast(finals, "goodhart_gap", first, second)
    true_a, true_b = rep.mean_first - gap.mean_first, rep.mean_second - gap.mean_second
    a, b = name(first), name(second)
    text = (f"On paper, {_pct(rep.mean_first)} of people were reported over the outcome line "
            f"under {a} and {_pct(rep.mean_second)} under {b}; in truth {_pct(true_a)} and "
            f"{_pct(true_b)} were over it. ")
    parts = []
    for label, g in ((a, gap.mean_first), (b, gap.mean_second)):
        if abs(g) < 0.01:
            parts.append(f"matched the truth under {label}")
        else:
            parts.append(f"{'overstated' if g > 0 else 'understated'} it by {_points(g)} "
                         f"under {label}")
    text += f"The reported figure {parts[0]} and {parts[1]}. "
    if rep.clear and wb.clear:
        if rep.higher != wb.higher:
            text += (f"**The reported figures pointed the wrong way:** they made "
                     f"{name(rep.higher)} look better, while true wellbeing was higher under "
                     f"{name(wb.higher)}.")
        else:
            text += "Here the reported figures pointed the same way as true wellbeing."
    elif rep.clear:
        text += (f"The reported figures favoured {name(rep.higher)}, though true wellbeing cannot "
                 "tell the two apart.")
    elif wb.clear:
        text += (f"The reported figures could not tell the two apart, though true wellbeing was "
                 f"higher under {name(wb.higher)}.")
    return text.strip()


def _gaming(finals: pd.DataFrame, first: str, second: str, name: _Labels) -> str:
    g = contrast(finals, "gaming_share", first, second)
    a, b = name(first), name(second)
    if max(g.mean_first, g.mean_second) < 0.01:
        return "Neither regime saw measurable gaming (under 1% of workers' effort)."
    text = (f"Gaming (effort spent on looking good rather than doing good: counted activity, "
            f"misreporting, focusing on people near the line, parking hard cases) took "
            f"{_pct(g.mean_first)} of workers' effort under {a} and {_pct(g.mean_second)} under "
            f"{b}.")
    parked = contrast(finals, "creamed_share", first, second)
    if max(parked.mean_first, parked.mean_second) >= 0.02:
        text += (f" Parking cut the effort people would fairly have had by {_pct(parked.mean_first)}"
                 f" on average under {a} and {_pct(parked.mean_second)} under {b}.")
    mis = contrast(finals, "misreport_rate", first, second)
    if max(mis.mean_first, mis.mean_second) >= 0.02:
        text += (f" Of the successes reported, {_pct(mis.mean_first)} under {a} and "
                 f"{_pct(mis.mean_second)} under {b} were misreports that audits did not catch.")
    return text


def _staff(finals: pd.DataFrame, trajectories: pd.DataFrame | None, first: str, second: str,
           name: _Labels) -> str:
    mot = contrast(finals, "motivation_mean", first, second)
    stress = contrast(finals, "stress_mean", first, second)
    a, b = name(first), name(second)
    start_a = _start_values(trajectories, first, "motivation_mean")
    start_b = _start_values(trajectories, second, "motivation_mean")
    if start_a is not None and start_b is not None:
        text = (f"Workers' intrinsic motivation {_change(start_a, mot.mean_first)} under {a} and "
                f"{_change(start_b, mot.mean_second)} under {b}")
    else:
        text = (f"Workers' intrinsic motivation ended at {_num(mot.mean_first)} under {a} and "
                f"{_num(mot.mean_second)} under {b}")
    text += (f"; their stress ended at {_num(stress.mean_first)} and {_num(stress.mean_second)}. ")
    clear = [(c, word) for c, word in ((mot, "motivated"), (stress, "stressed")) if c.clear]
    if clear:
        text += " ".join(f"Staff were clearly more {word} under {name(c.higher)}."
                         for c, word in clear)
    else:
        text += "Neither difference is clear of the noise."
    return text.strip()


TRUST_LEVELS = (
    ("trust_commissioner_provider", "the commissioner and providers"),
    ("trust_manager_worker", "managers and workers"),
    ("trust_worker_person", "workers and the people they support"),
)


def _trust(finals: pd.DataFrame, first: str, second: str, name: _Labels) -> str:
    a, b = name(first), name(second)
    contrasts = [(contrast(finals, m, first, second), words) for m, words in TRUST_LEVELS]
    text = "Trust (0 to 1) between " + "; between ".join(
        f"{words} ended at {_num(c.mean_first)} under {a} and {_num(c.mean_second)} under {b}"
        for c, words in contrasts) + ". "
    winners = {c.higher for c, _ in contrasts}
    if winners == {second} or winners == {first}:
        text += f"It was clearly higher under {name(winners.pop())} at all three levels."
    elif winners == {None}:
        text += "At no level was the difference clear of the noise."
    else:
        clear = [f"{words} under {name(c.higher)}" for c, words in contrasts if c.clear]
        text += "It was clearly higher between " + " and between ".join(clear) + "."
    return text


def _costs(finals: pd.DataFrame, first: str, second: str, name: _Labels) -> str:
    admin = contrast(finals, "admin_time_share", first, second)
    cost = contrast(finals, "cost_total", first, second)
    cpw = contrast(finals, "cost_per_wellbeing", first, second)
    a, b = name(first), name(second)
    text = (f"Reporting, claims and audit took {_pct(admin.mean_first)} of worker time under {a} "
            f"and {_pct(admin.mean_second)} under {b}. The service cost "
            f"{_money(cost.mean_first)} a month under {a} and {_money(cost.mean_second)} under "
            f"{b}; per unit of wellbeing, {_money(cpw.mean_first)} and {_money(cpw.mean_second)}. ")
    if cpw.clear:
        cheaper = cpw.first if cpw.diff > 0 else cpw.second
        text += f"So {name(cheaper)} was clearly cheaper for each unit of wellbeing."
    else:
        text += "The cost per unit of wellbeing cannot be told apart."
    return text


MECHANISMS = (
    ("knowledge_accuracy",
     "workers knew what helps for {a} of people under {A} against {b} under {B}", _pct),
    ("system_barriers",
     "upstream barriers stood at {a} of their strength under {A} against {b} under {B}", _pct),
    ("failure_demand",
     ("failure demand (people coming back because help did not fit) was {a} of all demand "
      "under {A} against {b} under {B}"), _pct),
    ("turnover_rate", "{a} of posts changed hands each month under {A} against {b} under {B}",
     lambda x: f"{100 * x:.1f}%"),
)


def _mechanisms(finals: pd.DataFrame, first: str, second: str, name: _Labels) -> str:
    parts = []
    for metric, template, fmt in MECHANISMS:
        c = contrast(finals, metric, first, second)
        if c.clear:
            parts.append(template.format(a=fmt(c.mean_first), b=fmt(c.mean_second),
                                         A=name(first), B=name(second)))
    if not parts:
        return ("None of the mechanisms the model tracks behind these outcomes (knowledge of what "
                "helps, system barriers, failure demand, staff turnover) differed clearly.")
    text = "; ".join(parts)
    return f"Behind these outcomes, as the model tracks them: {text}."


def compare_story(finals: pd.DataFrame, first: str, second: str,
                  labels: Mapping[str, str] | None = None, years: float | None = None,
                  trajectories: pd.DataFrame | None = None) -> list[str]:
    """Paragraphs (Markdown) summarising ``second`` against ``first``; the first is a headline.

    ``finals`` is :attr:`hlssim.experiments.comparison.Comparison.finals` (one row per run, each metric averaged
    over the run's final year); ``trajectories``, when given, adds how things moved over time;
    ``labels`` maps regime keys to plain names; ``years`` is the length of the runs.
    """
    name = _Labels(labels)
    wb = contrast(finals, "wellbeing_mean", first, second)
    p10 = contrast(finals, "wellbeing_p10", first, second)
    return [
        _headline(wb, p10, name),
        _wellbeing(wb, name, years, trajectories),
        _worst_off(p10, wb, name),
        _indicator(finals, first, second, wb, name),
        _gaming(finals, first, second, name),
        _staff(finals, trajectories, first, second, name),
        _trust(finals, first, second, name),
        _costs(finals, first, second, name),
        _mechanisms(finals, first, second, name),
    ]


# --- a regime switch ----------------------------------------------------------------------------

def mean_path(trajectories: pd.DataFrame, regime: str, metric: str, smooth: int = 1) -> pd.Series:
    """The mean over replications of ``metric`` per step, smoothed by a centred moving average."""
    runs = trajectories[trajectories["regime"] == regime]
    path = runs.groupby("step")[metric].mean()
    if smooth > 1:
        path = path.rolling(smooth, center=True, min_periods=1).mean()
    return path


def _first_lasting(mask: pd.Series, run: int) -> int | None:
    """First index (step) from which ``mask`` holds for ``run`` steps in a row (or to the end)."""
    values = mask.to_numpy()
    steps = mask.index.to_numpy()
    for i in range(len(values)):
        window = values[i:i + run]
        if window.all():
            return int(steps[i])
    return None


@dataclass(frozen=True)
class SwitchShape:
    """What a switched run's path did after the switch (see :func:`switch_shape`)."""

    before: float  # mean over the year before the switch
    low: float  # lowest point after the switch
    low_step: int
    recovered_step: int | None  # first step after the low from which it stayed >= ``before``
    end: float  # mean over the final year
    dipped: bool  # whether the low is more than the tolerance below ``before``


def switch_shape(path: pd.Series, switch_step: int, lasting: int = 6,
                 tolerance: float = 0.01) -> SwitchShape:
    """Summarise a (smoothed) path around a switch at ``switch_step``.

    The path *dipped* if its lowest point after the switch is more than ``tolerance`` below its
    mean over the year before the switch. ``recovered_step`` is then the first step after that low
    from which the path stays at or above the pre-switch level for ``lasting`` months in a row (or
    to the end of the run); without a dip it is the switch itself.
    """
    before = float(path[(path.index >= switch_step - 12) & (path.index < switch_step)].mean())
    after = path[path.index >= switch_step]
    low_step = int(after.idxmin())
    low = float(after.min())
    dipped = before - low > tolerance
    if dipped:
        recovered = _first_lasting(after[after.index > low_step] >= before, lasting)
    else:
        recovered = switch_step
    return SwitchShape(before=before, low=low, low_step=low_step, recovered_step=recovered,
                       end=float(path[path.index > path.index.max() - FINAL_WINDOW].mean()),
                       dipped=dipped)


def _months(n: int) -> str:
    if n >= 24 and n % 12 == 0:
        return f"{n // 12} years"
    return f"{n} month{'' if n == 1 else 's'}"


def _after(n: int) -> str:
    """'within a month of the switch' or '7 months after the switch'."""
    return "within a month of the switch" if n <= 1 else f"{_months(n)} after the switch"


def _switch_path(shape: SwitchShape, switch_step: int, steps: int, who: str) -> str:
    year = f"year {switch_step / 12:g}"
    text = f"Before the switch at {year}, true wellbeing under {who} stood at {_num(shape.before)}. "
    if not shape.dipped:
        return text + (f"After it, wellbeing never fell below that level and ended at "
                       f"{_num(shape.end)}: {_change(shape.before, shape.end)} with no dip.")
    lowest = f"to {_num(shape.low)} at its lowest ({_after(shape.low_step - switch_step)})"
    if shape.recovered_step is None:
        return text + (f"After it, wellbeing fell, {lowest}, and had not got back to its "
                       f"pre-switch level by the end of the run, {_months(steps - switch_step)} "
                       f"later: it ended at {_num(shape.end)}.")
    return text + (f"After it, wellbeing first fell, {lowest}: a slow, painful start. It was back "
                   f"above its pre-switch level for good "
                   f"{_after(shape.recovered_step - switch_step)} and ended at {_num(shape.end)}.")


def _level_change(before: float, after: float) -> str:
    change = after - before
    if change < -0.15:
        verb = "collapsed"
    elif change < -STEADY:
        verb = "fell"
    elif change > STEADY:
        verb = "rose"
    else:
        return f"barely moved (from {_num(before)} to {_num(after)})"
    return f"{verb} from {_num(before)} to {_num(after)}"


def _year_on(trajectories: pd.DataFrame, regime: str, metric: str, switch_step: int,
             smooth: int) -> tuple[float, float, float]:
    """Mean of ``metric`` over the 3 months before the switch, a year after it, and at the end."""
    path = mean_path(trajectories, regime, metric, smooth)
    before = float(path[(path.index >= switch_step - 3) & (path.index < switch_step)].mean())
    step = min(switch_step + 12, int(path.index.max()))
    end = float(path[path.index > path.index.max() - FINAL_WINDOW].mean())
    return before, float(path.loc[step]), end


def switch_story(trajectories: pd.DataFrame, finals: pd.DataFrame, stay: str, switched: str,
                 switch_step: int, target: str | None = None,
                 labels: Mapping[str, str] | None = None, smooth: int = 6,
                 tolerance: float = 0.01) -> list[str]:
    """Paragraphs (Markdown) on a run that switches regime at ``switch_step``.

    ``stay`` keeps the first regime throughout, ``switched`` changes at ``switch_step`` and
    ``target`` (optional) has the new regime all along; all are regimes in ``trajectories`` and
    ``finals``. Paths are replication means smoothed over ``smooth`` months; a dip is a fall of
    more than ``tolerance`` below the pre-switch level (see :func:`switch_shape`).
    """
    name = _Labels(labels)
    steps = int(trajectories["step"].max())
    wellbeing = mean_path(trajectories, switched, "wellbeing_mean", smooth)
    shape = switch_shape(wellbeing, switch_step, lasting=smooth, tolerance=tolerance)
    paragraphs = [_switch_path(shape, switch_step, steps, name(switched))]

    vs_stay = contrast(finals, "wellbeing_mean", stay, switched)
    stay_path = mean_path(trajectories, stay, "wellbeing_mean", smooth)
    after = wellbeing.index >= switch_step
    text = (f"Against {name(stay)}, it ended {vs_stay.diff:+.2f} on wellbeing "
            f"({_interval(vs_stay)}). ")
    if vs_stay.clear and vs_stay.diff > 0:
        ahead = _first_lasting((wellbeing > stay_path)[after], smooth)
        text += "Switching clearly paid off"
        text += f": it pulled ahead for good {_after(ahead - switch_step)}." if ahead else "."
    elif vs_stay.clear:
        behind = _first_lasting((wellbeing < stay_path)[after], smooth)
        text += "Switching clearly left people worse off"
        text += f": it fell behind for good {_after(behind - switch_step)}." if behind else "."
    else:
        text += "By the end, these runs cannot tell switching from staying."
    paragraphs.append(text)

    if target is not None:
        vs_target = contrast(finals, "wellbeing_mean", target, switched)
        later = _months(steps - switch_step)
        if vs_target.clear and vs_target.diff < 0:
            paragraphs.append(
                f"{later[0].upper() + later[1:]} after the switch it was still "
                f"{_num(-vs_target.diff)} behind {name(target)} ({_interval(vs_target)}): "
                "where it started from still shows.")
        elif vs_target.clear:
            paragraphs.append(f"By the end it was {_num(vs_target.diff)} ahead of {name(target)} "
                              f"({_interval(vs_target)}).")
        else:
            paragraphs.append(
                f"By the end it could not be told apart from {name(target)} (difference "
                f"{vs_target.diff:+.2f}, {_interval(vs_target)}).")

    trust = []
    for metric, words in TRUST_LEVELS:
        before, year_on, _ = _year_on(trajectories, switched, metric, switch_step, smooth)
        trust.append(f"between {words} {_level_change(before, year_on)}")
    paragraphs.append("In the first year after the switch, trust " + "; ".join(trust) + ".")

    people = []
    for metric, words in (("motivation_mean", "workers' intrinsic motivation"),
                          ("knowledge_accuracy", "their knowledge of what helps whom")):
        before, year_on, end = _year_on(trajectories, switched, metric, switch_step, smooth)
        people.append(f"{words} {_level_change(before, year_on)} in the first year and ended at "
                      f"{_num(end)}")
    text = "; ".join(people) + "."
    paragraphs.append(text[0].upper() + text[1:])
    return paragraphs
