"""Why one regime beat the other, computed: the gap decomposed by mechanism.

The model's mechanisms (``MODEL.md``) each have a switch (the ``mechanism`` group of
:data:`hlssim.model.parameters.PARAMETERS`). To find what carries the gap between two regimes on a
measure, :func:`explain` runs both regimes again with one mechanism switched off in turn, over the
same seeds as the comparison itself (so the luck is the same and only the mechanism differs), and
once with every mechanism off. A mechanism's *contribution* is how much the gap shrinks when it is
off: ``gap(all on) - gap(this one off)``, with a 95% interval over the runs (each run is paired
with the same-seeded run without the mechanism). What is left with every mechanism off is what
the regimes' settings do directly (how workers' time is divided, the specified intervention).

Mechanisms interact, so the contributions need not add up to the gap; the text says so. Nothing
is written in favour of either regime: :func:`why_text` names whichever regime won and the two or
three mechanisms that carry most of the gap in its favour, and those that worked the other way.

Five kinds of gaming have a switch each; they are switched off together here as one mechanism
("gaming of the targets"), the same for every regime. It runs on the fastest engine: at the
explorer's size about 26 runs of a regime's replications, a few at once
(:mod:`hlssim.ui.explain_runs`). ``hlssim explain`` prints the same table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hlssim.common.stats import mean_interval
from hlssim.model.metrics import METRICS
from hlssim.model.scenario import Scenario
from hlssim.ui.explain_runs import variant_gaps
from hlssim.ui.explorer import RunRegime, fastest_engine, run_comparison, run_regime
from hlssim.ui.wording import Labels, bound, decimals_adding_up, num, pct

#: The mechanisms switched off in turn: a plain name and the switches it turns off.
MECHANISM_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("targets focusing effort", ("mech_focus",)),
    ("outcomes lying outside the service's influence", ("mech_attribution",)),
    ("gaming of the targets (cream-skimming, effort substitution, threshold effects, "
     "misreporting, ratchet avoidance)",
     ("mech_gaming_creaming", "mech_gaming_substitution", "mech_gaming_threshold",
      "mech_gaming_misreport", "mech_gaming_ratchet")),
    ("control crowding out workers' own motivation", ("mech_crowding",)),
    ("stress and staff turnover", ("mech_turnover",)),
    ("trust building and collapsing", ("mech_trust",)),
    ("workers learning what helps whom", ("mech_learning",)),
    ("learning pooled across a team", ("mech_pooling",)),
    ("upstream system barriers", ("mech_barriers",)),
    ("failure demand (people coming back)", ("mech_failure_demand",)),
    ("neglect by self-interested staff", ("mech_neglect",)),
)

#: Every switch the groups cover (all the model's mechanism switches).
ALL_SWITCHES: tuple[str, ...] = tuple(s for _, group in MECHANISM_GROUPS for s in group)
#: The name of what remains with every mechanism off.
DIRECT = "the regimes' own settings (how workers' time is divided, the specified intervention)"

_LABELS = {m.name: m.label for m in METRICS}
#: Plain names of the measures a gap is explained on, for sentences.
MEASURE_WORDS = {"wellbeing_mean": "true wellbeing", "wellbeing_p10": "wellbeing of the worst-off"}


@dataclass(frozen=True)
class Contribution:
    """How much of the gap one mechanism carries (see the module's docstring)."""

    mechanism: str
    contribution: float  # gap(all on) - gap(this off); same sign as the gap: it favours the winner
    low: float
    high: float
    gap_without: float  # the gap with this mechanism off

    @property
    def clear(self) -> bool:
        return bool(np.isfinite(self.low) and (self.low > 0 or self.high < 0))


@dataclass(frozen=True)
class Explanation:
    """The gap on ``metric`` between two regimes and what carries it."""

    metric: str
    first: str
    second: str
    gap: float  # second minus first, every mechanism on
    gap_low: float
    gap_high: float
    contributions: tuple[Contribution, ...]  # in MECHANISM_GROUPS order, skipping ones already off
    direct: float  # the gap with every mechanism off
    runs: int

    @property
    def winner(self) -> str | None:
        """The regime ahead on the measure when the gap's interval excludes zero."""
        if not (np.isfinite(self.gap_low) and (self.gap_low > 0 or self.gap_high < 0)):
            return None
        return self.second if self.gap > 0 else self.first

    def ranked(self) -> list[Contribution]:
        """Contributions in the winner's favour first, largest first (by the gap's sign)."""
        sign = 1.0 if self.gap >= 0 else -1.0
        return sorted(self.contributions, key=lambda c: -sign * c.contribution)

    def table(self, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """One row per mechanism: contribution, its interval, share of the gap, gap without it."""
        rows = []
        for c in self.ranked():
            rows.append({"mechanism": c.mechanism, "contribution": c.contribution,
                         "95% low": c.low, "95% high": c.high,
                         "share of the gap": c.contribution / self.gap if self.gap else np.nan,
                         "gap with it switched off": c.gap_without})
        rows.append({"mechanism": "every mechanism off: " + DIRECT, "contribution": np.nan,
                     "95% low": np.nan, "95% high": np.nan,
                     "share of the gap": self.direct / self.gap if self.gap else np.nan,
                     "gap with it switched off": self.direct})
        return pd.DataFrame(rows)


def _gap_per_run(comparison_finals: pd.DataFrame, metric: str, first: str,
                 second: str) -> np.ndarray:
    """second minus first, run by run (rep r of each regime)."""
    table = comparison_finals.pivot(index="rep", columns="regime", values=metric)
    return (table[second] - table[first]).to_numpy(float)


def _without(scenarios: Mapping[str, Scenario], switches: Sequence[str]) -> dict[str, Scenario]:
    return {key: Scenario(dict(s.items()) | {name: False for name in switches})
            for key, s in scenarios.items()}


def explain(scenarios: Mapping[str, Scenario], reps: int, seed: int = 0,
            metric: str = "wellbeing_mean", engine: str | None = None,
            runner: RunRegime | None = None) -> Explanation:
    """Decompose the gap between the two regimes of ``scenarios`` on ``metric`` by mechanism.

    Seeds are those of :func:`hlssim.ui.explorer.run_comparison` for the same ``reps`` and
    ``seed``, so the gap is the one the comparison shows. A mechanism already switched off in
    both scenarios is skipped. On the batch engine the runs go through
    :func:`hlssim.ui.explain_runs.variant_gaps` (only the final-year numbers, several runs at
    once); with another engine, or a ``runner`` given, through :func:`run_comparison`. Both give
    the same numbers.
    """
    first, second = list(scenarios)[:2]
    on = [s for s in ALL_SWITCHES if any(sc[s] for sc in scenarios.values())]
    groups = [(name, [s for s in switches if s in on]) for name, switches in MECHANISM_GROUPS]
    groups = [(name, active) for name, active in groups if active]
    variants = [dict(scenarios), *(_without(scenarios, active) for _, active in groups),
                _without(scenarios, on)]
    if runner is None and (engine or fastest_engine()) == "batch":
        gaps_each = variant_gaps(variants, reps, seed, metric)
    else:
        gaps_each = [_gap_per_run(run_comparison(v, reps, seed, engine,
                                                 runner=runner or run_regime).finals,
                                  metric, first, second) for v in variants]
    gaps, *withouts, everything_off = gaps_each
    gap, gap_low, gap_high = mean_interval(gaps) if reps > 1 else (gaps.mean(), np.nan, np.nan)
    contributions = []
    for (name, _), without in zip(groups, withouts):
        delta = gaps - without
        if reps > 1:
            mean, low, high = mean_interval(delta)
        else:
            mean, low, high = float(delta.mean()), np.nan, np.nan
        contributions.append(Contribution(name, float(mean), float(low), float(high),
                                          float(without.mean())))
    return Explanation(metric, first, second, float(gap), float(gap_low), float(gap_high),
                       tuple(contributions), float(everything_off.mean()), reps)


def why_text(ex: Explanation, labels: Mapping[str, str] | None = None, top: int = 3) -> list[str]:
    """The explanation in plain words (Markdown paragraphs), for whichever regime won."""
    name = Labels(labels)
    measure = MEASURE_WORDS.get(ex.metric, _LABELS.get(ex.metric, ex.metric).lower())
    winner = ex.winner
    if winner is None:
        lead = (f"Neither regime was clearly ahead on {measure} (difference "
                f"{bound(ex.gap, False)}), so there is no winning side to explain. ")
        lead += "What each mechanism did to the difference is still in the table below."
        return [lead]
    loser = ex.first if winner == ex.second else ex.second
    size = abs(ex.gap)
    d = decimals_adding_up(0.0, size)
    sign = 1.0 if ex.gap > 0 else -1.0
    favour = [c for c in ex.ranked() if sign * c.contribution > 0 and c.clear][:top]
    against = [c for c in ex.ranked()[::-1] if sign * c.contribution < 0 and c.clear][:2]
    lead = (f"**Why {name.plain(winner)} came out ahead here**, computed from the runs: each of "
            f"the model's mechanisms was switched off in turn, over the same {ex.runs} runs, and "
            f"the gap on {measure} ({num(size, d)} in favour of {name(winner)}) measured again. ")
    if favour:
        parts = [f"**{c.mechanism}** (switched off, the gap shrinks by {num(sign * c.contribution, d)}"
                 f", {pct(sign * c.contribution / size)} of it)" for c in favour]
        lead += "It is carried mainly by " + _and(parts) + "."
    else:
        lead += "No single mechanism carries a clear part of it on its own."
    paragraphs = [lead]
    if against:
        parts = [f"**{c.mechanism}** (without it {name(winner)}'s lead would be "
                 f"{num(size + abs(c.contribution), d)})" for c in against]
        paragraphs.append(f"Working the other way, in {name(loser)}'s favour: " + _and(parts) + ".")
    direct = sign * ex.direct
    if abs(direct) < 0.5 * 10 ** -d:
        rest = "leave the two level"
    elif direct > 0:
        rest = f"give {name(winner)} a lead of {num(direct, d)}"
    else:
        rest = f"put {name(loser)} ahead by {num(-direct, d)}"
    paragraphs.append(
        f"With every mechanism off, {DIRECT} alone {rest}. Mechanisms work together, so these "
        "parts need not add up to the whole gap.")
    return paragraphs


def _and(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return "; ".join(parts[:-1]) + "; and " + parts[-1]


def explain_table_text(ex: Explanation, labels: Mapping[str, str] | None = None) -> str:
    """The explanation as plain text for a terminal (``hlssim explain``)."""
    name = Labels(labels)
    lines = [f"{_LABELS.get(ex.metric, ex.metric)}: {name.plain(ex.second)} minus "
             f"{name.plain(ex.first)} = {ex.gap:+.4f} [95% {ex.gap_low:+.4f}, {ex.gap_high:+.4f}]"
             f" over {ex.runs} runs", ""]
    lines.append(f"{'mechanism switched off':70s} {'contribution':>12s} {'95% interval':>20s}")
    for c in ex.ranked():
        lines.append(f"{c.mechanism[:70]:70s} {c.contribution:+12.4f} "
                     f"{f'[{c.low:+.4f}, {c.high:+.4f}]':>20s}")
    lines.append(f"{'every mechanism off: gap left':70s} {ex.direct:+12.4f}")
    return "\n".join(lines)

