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
- :func:`switch_story` (from :mod:`hlssim.ui.switch_narrative`, re-exported here): a run that
  switches regime part way, against staying put and against the new regime all along.

Why one regime won is not written here: :mod:`hlssim.ui.explain` computes it from runs with each
mechanism switched off in turn. Figures are rounded as :mod:`hlssim.ui.wording` says (they add up,
and "clearly" only sits beside an interval that excludes zero).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from hlssim.ui.switch_narrative import mean_path, switch_shape, switch_story  # noqa: F401 (re-exported)
from hlssim.ui.switch_narrative import TRUST_LEVELS
from hlssim.ui.wording import (  # noqa: F401 (Contrast, contrast re-exported)
    STEADY,
    Contrast,
    Labels,
    change,
    contrast,
    interval,
    money,
    noise,
    pair,
    num,
    pct,
    points,
    signed,
)


def _start_values(trajectories: pd.DataFrame | None, regime: str, metric: str) -> float | None:
    if trajectories is None:
        return None
    runs = trajectories[trajectories["regime"] == regime]
    if runs.empty:
        return None
    return float(runs.loc[runs["step"] == runs["step"].min(), metric].mean())


# --- the side-by-side comparison ----------------------------------------------------------------

def _headline(wb: Contrast, p10: Contrast, name: Labels) -> str:
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


def _wellbeing(wb: Contrast, name: Labels, years: float | None,
               trajectories: pd.DataFrame | None) -> str:
    when = f"After {years:g} years" if years else "At the end"
    a, b = name(wb.first), name(wb.second)
    first, second, diff = pair(wb.mean_first, wb.mean_second)  # figures that add up as printed
    text = (f"{when}, true wellbeing (0 to 1) averaged {first} under {a} and {second} under {b}. ")
    if wb.mean_first > 0:
        rel = 100 * wb.diff / wb.mean_first
        direction = "higher" if wb.diff > 0 else "lower"
        text += (f"{b} was {diff.lstrip('-')} {direction} ({abs(rel):.0f}% {direction}; "
                 f"{interval(wb)} across {wb.n} runs of each). ")
    text += noise(wb)
    start_a = _start_values(trajectories, wb.first, wb.metric)
    start_b = _start_values(trajectories, wb.second, wb.metric)
    if start_a is not None and start_b is not None:
        text += (f" Over the run it {change(start_a, wb.mean_first)} under {a} and "
                 f"{change(start_b, wb.mean_second)} under {b}.")
    return text


def _worst_off(p10: Contrast, wb: Contrast, name: Labels) -> str:
    a, b = name(p10.first), name(p10.second)
    first, second, diff = pair(p10.mean_first, p10.mean_second)
    diff = diff if diff.startswith("-") or float(diff) == 0 else f"+{diff}"
    text = (f"The worst-off tenth of people ended at {first} under {a} and "
            f"{second} under {b}: a difference of {diff} for {b} "
            f"({interval(p10)}). ")
    if p10.clear and wb.clear and p10.higher != wb.higher:
        text += (f"So the regime that did better on average, {name(wb.higher)}, left the "
                 "worst-off further behind.")
    elif p10.clear:
        text += f"{name(p10.higher)} did clearly better for them."
    else:
        text += "For them the runs cannot tell the two apart."
    return text


def _indicator(finals: pd.DataFrame, first: str, second: str, wb: Contrast, name: Labels) -> str:
    rep = contrast(finals, "reported_indicator", first, second)
    gap = contrast(finals, "goodhart_gap", first, second)
    true_a, true_b = rep.mean_first - gap.mean_first, rep.mean_second - gap.mean_second
    a, b = name(first), name(second)
    text = (f"On paper, {pct(rep.mean_first)} of people were reported over the outcome line "
            f"under {a} and {pct(rep.mean_second)} under {b}; in truth {pct(true_a)} and "
            f"{pct(true_b)} were over it. ")
    parts = []
    for label, g in ((a, gap.mean_first), (b, gap.mean_second)):
        if abs(g) < 0.01:
            parts.append(f"matched the truth under {label}")
        else:
            parts.append(f"{'overstated' if g > 0 else 'understated'} it by {points(g)} "
                         f"under {label}")
    text += f"The reported figure {parts[0]} and {parts[1]}. "
    text += _gap_without_gaming(finals, first, second, gap, name)
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


def _gap_without_gaming(finals: pd.DataFrame, first: str, second: str, gap: Contrast,
                        name: Labels) -> str:
    """Why the reported figure can differ from the truth under a regime where nobody games: the
    indicator counts people whose *observed* outcome is over the line, and the observation holds
    forces outside the service (more of them the more complex lives are) and noise. Said only for
    a regime whose gap is 1 point or more while its gaming and misreporting are under 1%."""
    quiet = []
    for regime, g in ((first, gap.mean_first), (second, gap.mean_second)):
        rows = finals[finals["regime"] == regime]
        if (abs(g) >= 0.01 and rows["gaming_share"].mean() < 0.01
                and rows["misreport_rate"].mean() < 0.01):
            quiet.append(name(regime))
    if not quiet:
        return ""
    who = " and ".join(quiet)
    return (f"Under {who} almost nobody gamed or misreported, so that gap is not cheating: the "
            "figure counts people whose *observed* outcome is over the line, and what is observed "
            "includes forces outside the service's influence (more of them the more complex "
            "people's lives are) and measurement noise. ")


def _gaming(finals: pd.DataFrame, first: str, second: str, name: Labels) -> str:
    g = contrast(finals, "gaming_share", first, second)
    a, b = name(first), name(second)
    if max(g.mean_first, g.mean_second) < 0.01:
        return "Neither regime saw measurable gaming (under 1% of workers' effort)."
    text = (f"Gaming (effort spent on looking good rather than doing good: counted activity, "
            f"misreporting, focusing on people near the line, parking hard cases) took "
            f"{pct(g.mean_first)} of workers' effort under {a} and {pct(g.mean_second)} under "
            f"{b}.")
    parked = contrast(finals, "creamed_share", first, second)
    if max(parked.mean_first, parked.mean_second) >= 0.02:
        text += (f" Parking cut the effort people would fairly have had by {pct(parked.mean_first)}"
                 f" on average under {a} and {pct(parked.mean_second)} under {b}.")
    mis = contrast(finals, "misreport_rate", first, second)
    if max(mis.mean_first, mis.mean_second) >= 0.02:
        text += (f" Of the successes reported, {pct(mis.mean_first)} under {a} and "
                 f"{pct(mis.mean_second)} under {b} were misreports that audits did not catch.")
    return text


def _staff(finals: pd.DataFrame, trajectories: pd.DataFrame | None, first: str, second: str,
           name: Labels) -> str:
    mot = contrast(finals, "motivation_mean", first, second)
    stress = contrast(finals, "stress_mean", first, second)
    a, b = name(first), name(second)
    start_a = _start_values(trajectories, first, "motivation_mean")
    start_b = _start_values(trajectories, second, "motivation_mean")
    if start_a is not None and start_b is not None:
        text = (f"Workers' intrinsic motivation {change(start_a, mot.mean_first)} under {a} and "
                f"{change(start_b, mot.mean_second)} under {b}")
    else:
        text = (f"Workers' intrinsic motivation ended at {num(mot.mean_first)} under {a} and "
                f"{num(mot.mean_second)} under {b}")
    text += (f"; their stress ended at {num(stress.mean_first)} and {num(stress.mean_second)}. ")
    clear = [(c, word) for c, word in ((mot, "motivated"), (stress, "stressed")) if c.clear]
    if clear:
        text += " ".join(f"Staff were clearly more {word} under {name(c.higher)}."
                         for c, word in clear)
    else:
        text += "Neither difference is clear of the noise."
    return text.strip()



def _trust(finals: pd.DataFrame, first: str, second: str, name: Labels) -> str:
    a, b = name(first), name(second)
    contrasts = [(contrast(finals, m, first, second), words) for m, words in TRUST_LEVELS]
    text = "Trust (0 to 1) between " + "; between ".join(
        f"{words} ended at {num(c.mean_first)} under {a} and {num(c.mean_second)} under {b}"
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


def _costs(finals: pd.DataFrame, first: str, second: str, name: Labels,
           inputs: Mapping[str, Mapping] | None = None) -> str:
    admin = contrast(finals, "admin_time_share", first, second)
    cost = contrast(finals, "cost_total", first, second)
    cpw = contrast(finals, "cost_per_wellbeing", first, second)
    a, b = name(first), name(second)
    text = (f"Reporting, claims and audit took {pct(admin.mean_first)} of worker time under {a} "
            f"and {pct(admin.mean_second)} under {b}. "
            + _admin_set_by_regime(first, second, name, inputs) + "The service cost "
            f"{money(cost.mean_first)} a month under {a} and {money(cost.mean_second)} under "
            f"{b}; per unit of wellbeing, {money(cpw.mean_first)} and {money(cpw.mean_second)}. ")
    if cpw.clear:
        cheaper = cpw.first if cpw.diff > 0 else cpw.second
        text += f"So {name(cheaper)} was clearly cheaper for each unit of wellbeing."
    else:
        text += "The cost per unit of wellbeing cannot be told apart."
    return text


def _admin_set_by_regime(first: str, second: str, name: Labels,
                         inputs: Mapping[str, Mapping] | None) -> str:
    """Reporting time is the sum of the activities each regime holds, and how many indicators it
    asks for, how often, is an input: say so, with the two settings, so the share above is not
    read as a finding about behaviour."""
    if not inputs or first not in inputs or second not in inputs:
        return ""
    a, b = inputs[first], inputs[second]
    if any(k not in x for x in (a, b) for k in ("indicators", "reports_per_year")):
        return ""

    def schedule(x):
        return f"{x['indicators']:g} indicators {x['reports_per_year']:g} times a year"
    return (f"Much of this follows from what each regime asks to be reported ({schedule(a)} under "
            f"{name(first)}, {schedule(b)} under {name(second)}), an assumption about the regime; "
            "audits, bids and claims add time that varies from run to run. ")


MECHANISMS = (
    ("knowledge_accuracy",
     "workers knew what helps for {a} of people under {A} against {b} under {B}", pct),
    ("system_barriers",
     "upstream barriers stood at {a} of their strength under {A} against {b} under {B}", pct),
    ("failure_demand",
     ("failure demand (people coming back because help did not fit) was {a} of all demand "
      "under {A} against {b} under {B}"), pct),
    ("turnover_rate", "{a} of posts changed hands each month under {A} against {b} under {B}",
     lambda x: f"{100 * x:.1f}%"),
)


def _mechanisms(finals: pd.DataFrame, first: str, second: str, name: Labels) -> str:
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
                  trajectories: pd.DataFrame | None = None,
                  inputs: Mapping[str, Mapping] | None = None) -> list[str]:
    """Paragraphs (Markdown) summarising ``second`` against ``first``; the first is a headline.

    ``finals`` is :attr:`hlssim.experiments.comparison.Comparison.finals` (one row per run, each metric averaged
    over the run's final year); ``trajectories``, when given, adds how things moved over time;
    ``labels`` maps regime keys to plain names; ``years`` is the length of the runs; ``inputs``,
    when given, maps each regime to its scenario's values, so that a measure largely set by a
    setting (the reporting load) is called an assumption, not a result.
    """
    name = Labels(labels)
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
        _costs(finals, first, second, name, inputs),
        _mechanisms(finals, first, second, name),
    ]


