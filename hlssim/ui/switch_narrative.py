"""What a regime switch did, in words and as marks for the chart, written from the runs.

A switch design (:func:`hlssim.ui.explorer.switch_scenarios`) runs three services over the same
seeds: one that stays with its regime (``stay``), one that switches part way (``switched``) and
one that had the new regime all along (``target``). This module reads their trajectories:

- :func:`switch_shape`: the shape of one (mean) path around the switch: its pre-switch level, its
  lowest point after the switch, when it was back for good.
- :func:`recoveries`: for each headline measure, per run (the runs are paired by seed, so each run
  is compared with the same run of the other services): did it dip first, how deep, how long until
  back to its pre-switch level and until level with the regime switched to; then means over the
  runs with 95% intervals, and how many runs got there within the run at all.
- :func:`switch_story`: paragraphs for the page; :func:`recovery_sentence` one measure's recovery.

Periods are named by their real length: "in the 6 months after the switch" when six months
remain, never "the first year".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hlssim.common.stats import mean_interval
from hlssim.experiments.comparison import FINAL_WINDOW
from hlssim.model.metrics import METRICS
from hlssim.ui.wording import (
    STEADY,
    Labels,
    bound,
    change,
    contrast,
    interval,
    months,
    num,
    signed,
)

#: The measures whose recovery the switch page reports, in its order.
RECOVERY_MEASURES: tuple[str, ...] = (
    "wellbeing_mean", "wellbeing_p10", "trust_commissioner_provider", "trust_manager_worker",
    "trust_worker_person", "motivation_mean", "knowledge_accuracy")

#: Plain, lower-case names of the measures, for sentences.
MEASURE_WORDS: Mapping[str, str] = {
    "wellbeing_mean": "true wellbeing",
    "wellbeing_p10": "wellbeing of the worst-off tenth",
    "trust_commissioner_provider": "trust between the commissioner and providers",
    "trust_manager_worker": "trust between managers and workers",
    "trust_worker_person": "trust between workers and the people they support",
    "motivation_mean": "workers' intrinsic motivation",
    "knowledge_accuracy": "workers' knowledge of what helps whom",
}

TRUST_LEVELS = (
    ("trust_commissioner_provider", "the commissioner and providers"),
    ("trust_manager_worker", "managers and workers"),
    ("trust_worker_person", "workers and the people they support"),
)

_LABELS = {m.name: m.label for m in METRICS}


def mean_path(trajectories: pd.DataFrame, regime: str, metric: str, smooth: int = 1) -> pd.Series:
    """The mean over replications of ``metric`` per step, smoothed by a centred moving average."""
    runs = trajectories[trajectories["regime"] == regime]
    path = runs.groupby("step")[metric].mean()
    if smooth > 1:
        path = path.rolling(smooth, center=True, min_periods=1).mean()
    return path


def first_lasting(mask: pd.Series, run: int) -> int | None:
    """First index (step) from which ``mask`` holds for ``run`` steps in a row (or to the end)."""
    values = mask.to_numpy()
    steps = mask.index.to_numpy()
    for i in range(len(values)):
        if values[i:i + run].all():
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
        recovered = first_lasting(after[after.index > low_step] >= before, lasting)
    else:
        recovered = switch_step
    return SwitchShape(before=before, low=low, low_step=low_step, recovered_step=recovered,
                       end=float(path[path.index > path.index.max() - FINAL_WINDOW].mean()),
                       dipped=dipped)


# --- recovery, measure by measure, run by run ---------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """A mean over the runs where something happened, its 95% interval, and in how many runs."""

    mean: float
    low: float
    high: float
    count: int  # runs in which it happened (within the run)
    runs: int  # runs in all


def _estimate(values: Sequence[float], runs: int) -> Estimate:
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return Estimate(float("nan"), float("nan"), float("nan"), 0, runs)
    if len(values) == 1:
        return Estimate(float(values[0]), float("nan"), float("nan"), 1, runs)
    mean, low, high = mean_interval(values)
    return Estimate(float(mean), float(low), float(high), len(values), runs)


@dataclass(frozen=True)
class Recovery:
    """One measure after a switch, over the runs (see :func:`recoveries`)."""

    metric: str
    before: Estimate  # level over the year before the switch
    depth: Estimate  # how far below ``before`` the lowest point was, in runs that dipped
    low_after: Estimate  # months from the switch to that lowest point, in runs that dipped
    back_after: Estimate  # months from the switch until back at ``before`` for good
    level_after: Estimate | None  # months until level with the target regime for good
    remaining: int  # months from the switch to the end of the run
    mean_low_step: int | None  # the mean path's lowest point, when the mean path dipped
    mean_back_step: int | None  # when the mean path was back for good (None: not in the run)
    mean_level_step: int | None  # when the mean path was level with the target regime's


def _per_run(path: pd.Series, other: pd.Series | None, switch_step: int, lasting: int,
             tolerance: float) -> tuple[float, float | None, float | None, float | None, float]:
    """One run: (depth of dip or nan, months to the low, months back, months level, before)."""
    shape = switch_shape(path, switch_step, lasting, tolerance)
    after = path[path.index >= switch_step]
    level = None
    if other is not None:
        level_step = first_lasting(after >= other.reindex(after.index) - tolerance, lasting)
        level = None if level_step is None else level_step - switch_step
    back = None if shape.recovered_step is None else shape.recovered_step - switch_step
    if not shape.dipped:  # no dip: nothing to come back from (counted in no dip estimate)
        return float("nan"), None, None, level, shape.before
    return shape.before - shape.low, shape.low_step - switch_step, back, level, shape.before


def recoveries(trajectories: pd.DataFrame, switched: str, switch_step: int,
               target: str | None = None, metrics: Sequence[str] = RECOVERY_MEASURES,
               smooth: int = 6, tolerance: float = 0.01) -> list[Recovery]:
    """For each of ``metrics``: did the switched service dip first, how deep, how long until back
    to its pre-switch level and until level with ``target`` (within ``tolerance``, for ``smooth``
    months in a row), run by run, summarised over the runs. Paths are smoothed over ``smooth``
    months (a centred moving average) so that one noisy month is not taken for a recovery.
    """
    steps = int(trajectories["step"].max())
    runs = trajectories[trajectories["regime"] == switched]
    reps = sorted(runs["rep"].unique())
    others = trajectories[trajectories["regime"] == target] if target else None
    out = []
    for metric in metrics:
        rows = []
        for rep in reps:
            path = runs.loc[runs["rep"] == rep].set_index("step")[metric]
            path = path.rolling(smooth, center=True, min_periods=1).mean()
            other = None
            if others is not None:
                other = others.loc[others["rep"] == rep].set_index("step")[metric]
                other = other.rolling(smooth, center=True, min_periods=1).mean()
            rows.append(_per_run(path, other, switch_step, smooth, tolerance))
        n = len(rows)
        mean = mean_path(trajectories, switched, metric, smooth)
        shape = switch_shape(mean, switch_step, smooth, tolerance)
        level_step = None
        if target:
            target_mean = mean_path(trajectories, target, metric, smooth)
            after = mean[mean.index >= switch_step]
            level_step = first_lasting(after >= target_mean.reindex(after.index) - tolerance,
                                       smooth)
        out.append(Recovery(
            metric=metric,
            before=_estimate([r[4] for r in rows], n),
            depth=_estimate([r[0] for r in rows], n),
            low_after=_estimate([r[1] for r in rows], n),
            back_after=_estimate([r[2] for r in rows], n),
            level_after=_estimate([r[3] for r in rows], n) if target else None,
            remaining=steps - switch_step,
            mean_low_step=shape.low_step if shape.dipped else None,
            mean_back_step=shape.recovered_step if shape.dipped else None,
            mean_level_step=level_step))
    return out


def _months_estimate(e: Estimate, remaining: int) -> str:
    """'19 months (95% interval 12 to 26)', the interval kept within the run."""
    text = f"{e.mean:.0f} months"
    if np.isfinite(e.low):
        text += f" (95% interval {max(e.low, 0):.0f} to {min(e.high, remaining):.0f})"
    return text


def _when(months_after: float) -> str:
    return ("right at the switch" if round(months_after) == 0
            else f"about {months_after:.0f} months after the switch")


def _in_runs(e: Estimate) -> str:
    return "" if e.count == e.runs else f" in {e.count} of {e.runs} runs; in the others not within the run"


def recovery_sentence(r: Recovery, target_label: str | None = None) -> str:
    """One measure's recovery in a sentence, e.g. "**True wellbeing** dipped first in 5 of 5
    runs, by 0.04 on average (95% interval 0.03 to 0.05), lowest 8 months after the switch;
    back to its pre-switch level after 19 months (...); level with ... after 40 months (...)."""
    what = _LABELS.get(r.metric, r.metric)
    dipped = r.depth.count
    if dipped == 0:
        text = f"**{what}** did not dip after the switch in any run"
    else:
        share = "every run" if dipped == r.depth.runs else f"{dipped} of {r.depth.runs} runs"
        depth = f"by {num(r.depth.mean)} on average"
        if np.isfinite(r.depth.low):
            depth += f" (95% interval {num(max(r.depth.low, 0))} to {num(r.depth.high)})"
        text = f"**{what}** dipped first in {share}, {depth}, at its lowest {_when(r.low_after.mean)}"
        back = r.back_after
        if back.count == 0:
            text += f"; it was not back to its pre-switch level within the run ({months(r.remaining)})"
        else:
            back_runs = "" if back.count == dipped else (
                f" in {back.count} of the {dipped} runs that dipped; in the others not within the run")
            text += (f"; back to its pre-switch level after {_months_estimate(back, r.remaining)}"
                     f"{back_runs}")
    if r.level_after is not None and target_label:
        lv = r.level_after
        if lv.count == 0:
            text += f"; not level with {target_label} within the run"
        elif lv.mean == 0 and lv.count == lv.runs:
            text += f"; level with {target_label} from the switch on"
        else:
            text += (f"; level with {target_label} after {_months_estimate(lv, r.remaining)}"
                     f"{_in_runs(lv)}")
    return text + "."


# --- the story ----------------------------------------------------------------------------------

def _after(n: int) -> str:
    """'within a month of the switch' or '7 months after the switch'."""
    return "within a month of the switch" if n <= 1 else f"{months(n)} after the switch"


def _switch_path(shape: SwitchShape, switch_step: int, steps: int, who: str) -> str:
    year = f"year {switch_step / 12:g}"
    text = f"Before the switch at {year}, true wellbeing under {who} stood at {num(shape.before)}. "
    if not shape.dipped:
        return text + (f"After it, wellbeing never fell below that level and ended at "
                       f"{num(shape.end)}: {change(shape.before, shape.end)} with no dip.")
    lowest = f"to {num(shape.low)} at its lowest ({_after(shape.low_step - switch_step)})"
    if shape.recovered_step is None:
        return text + (f"After it, wellbeing fell, {lowest}, and had not got back to its "
                       f"pre-switch level by the end of the run, {months(steps - switch_step)} "
                       f"later: it ended at {num(shape.end)}.")
    return text + (f"After it, wellbeing first fell, {lowest}: a slow, painful start. It was back "
                   f"above its pre-switch level for good "
                   f"{_after(shape.recovered_step - switch_step)} and ended at {num(shape.end)}.")


def level_change(before: float, after: float) -> str:
    """'collapsed from ... to ...', 'fell', 'rose' or 'barely moved (...)'."""
    delta = after - before
    if delta < -0.15:
        verb = "collapsed"
    elif delta < -STEADY:
        verb = "fell"
    elif delta > STEADY:
        verb = "rose"
    else:
        return f"barely moved (from {num(before)} to {num(after)})"
    return f"{verb} from {num(before)} to {num(after)}"


def _period(switch_step: int, steps: int) -> tuple[int, str]:
    """The months after the switch the early change is read over (a year, or what remains),
    and its name: 'the first year after the switch' or 'the 6 months after the switch'."""
    span = min(12, steps - switch_step)
    return span, ("the first year after the switch" if span == 12
                  else f"the {months(span)} after the switch")


def _early(trajectories: pd.DataFrame, regime: str, metric: str, switch_step: int, span: int,
           smooth: int) -> tuple[float, float, float]:
    """Mean of ``metric`` over the 3 months before the switch, ``span`` months after it, and at
    the end."""
    path = mean_path(trajectories, regime, metric, smooth)
    before = float(path[(path.index >= switch_step - 3) & (path.index < switch_step)].mean())
    step = min(switch_step + span, int(path.index.max()))
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
    name = Labels(labels)
    steps = int(trajectories["step"].max())
    wellbeing = mean_path(trajectories, switched, "wellbeing_mean", smooth)
    shape = switch_shape(wellbeing, switch_step, lasting=smooth, tolerance=tolerance)
    paragraphs = [_switch_path(shape, switch_step, steps, name(switched))]

    vs_stay = contrast(finals, "wellbeing_mean", stay, switched)
    stay_path = mean_path(trajectories, stay, "wellbeing_mean", smooth)
    after = wellbeing.index >= switch_step
    text = (f"Against {name(stay)}, it ended {bound(vs_stay.diff, vs_stay.clear)} on wellbeing "
            f"({interval(vs_stay)}). ")
    if vs_stay.clear and vs_stay.diff > 0:
        ahead = first_lasting((wellbeing > stay_path)[after], smooth)
        text += "Switching clearly paid off"
        text += f": it pulled ahead for good {_after(ahead - switch_step)}." if ahead else "."
    elif vs_stay.clear:
        behind = first_lasting((wellbeing < stay_path)[after], smooth)
        text += "Switching clearly left people worse off"
        text += f": it fell behind for good {_after(behind - switch_step)}." if behind else "."
    else:
        text += "By the end, these runs cannot tell switching from staying."
    paragraphs.append(text)

    if target is not None:
        vs_target = contrast(finals, "wellbeing_mean", target, switched)
        later = months(steps - switch_step)
        if vs_target.clear and vs_target.diff < 0:
            paragraphs.append(
                f"{later[0].upper() + later[1:]} after the switch it was still "
                f"{num(-vs_target.diff)} behind {name(target)} ({interval(vs_target)}): "
                "where it started from still shows.")
        elif vs_target.clear:
            paragraphs.append(f"By the end it was {num(vs_target.diff)} ahead of {name(target)} "
                              f"({interval(vs_target)}).")
        else:
            paragraphs.append(
                f"By the end it could not be told apart from {name(target)} (difference "
                f"{signed(vs_target.diff)}, {interval(vs_target)}).")

    span, period = _period(switch_step, steps)
    trust = []
    for metric, words in TRUST_LEVELS:
        before, early, _ = _early(trajectories, switched, metric, switch_step, span, smooth)
        trust.append(f"between {words} {level_change(before, early)}")
    paragraphs.append(f"In {period}, trust " + "; ".join(trust) + ".")

    people = []
    for metric in ("motivation_mean", "knowledge_accuracy"):
        before, early, end = _early(trajectories, switched, metric, switch_step, span, smooth)
        people.append(f"{MEASURE_WORDS[metric]} {level_change(before, early)} in {period} and "
                      f"ended at {num(end)}")
    text = "; ".join(people) + "."
    paragraphs.append(text[0].upper() + text[1:])
    return paragraphs
