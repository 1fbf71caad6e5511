"""Does every parameter earn its place? One-at-a-time effects over each parameter's declared range.

For each parameter of the catalogue (all but the run's size and length, the regime switch and
complexity itself, which sets the test's two points), under each regime preset and at each
complexity, the parameter is set to the low end of its declared range and then to the high end
(a switch: off, then on), everything else at the preset's values, over the same replications
(common random numbers: replication ``r`` uses the same seed on both sides). The effect on each
public metric is the difference of its final-year mean (the last twelve months, averaged over
replications); it counts when it is more than twice the larger of the two means' 95% half-widths.
A metric with no spread over replications on either side (set by the regime's settings, such as
the admin share) is marked ``fixed``: its change is exact, and says nothing about behaviour.

A parameter *earns its place* when some public metric moves by more than twice its half-width
under some preset at some complexity; :func:`markdown` writes the table (``docs/parameter_effects.md``
is made by ``hlssim effects``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hlssim.common.stats import mean_interval
from hlssim.engines.registry import run_many_metrics
from hlssim.errors import HlssimError
from hlssim.model.metrics import METRIC_NAMES, PUBLIC_METRICS
from hlssim.model.parameters import PARAMETERS, Param
from hlssim.model.scenario import Scenario, preset_names

#: Parameters not tested: the run's size and length, the mid-run switch, and complexity (the test
#: is run at fixed complexities).
NOT_TESTED = ("n_people", "n_workers", "n_providers", "steps", "switch_step", "switch_to",
              "complexity")
DEFAULT_PRESETS = ("npm_targets", "npm_pbr", "hls")
DEFAULT_COMPLEXITIES = (0.2, 0.8)
#: How many times its half-width a change must be to count.
THRESHOLD = 2.0
FINAL_YEAR = 12
#: A half-width this small relative to the values is rounding, not spread over replications.
NO_SPREAD = 1e-9


@dataclass(frozen=True)
class Level:
    """The two values a parameter is tested at."""

    low: float | int | bool
    high: float | int | bool


def tested_parameters() -> list[Param]:
    """The parameters :func:`parameter_effects` tests, in catalogue order."""
    return [p for p in PARAMETERS.values() if p.name not in NOT_TESTED and p.kind is not str]


def levels(p: Param) -> Level:
    """The ends of ``p``'s declared range (a switch: off and on), or of its plausible span where
    the range's ends mean the same (``Param.span``: re-tendering yearly against five-yearly, where
    0 and 1200 months both mean never)."""
    if p.kind is bool:
        return Level(False, True)
    low, high = p.span if p.span else (p.low, p.high)
    return Level(p.kind(low), p.kind(high))


def _final_year(values: np.ndarray, metric: int) -> np.ndarray:
    """Each replication's mean of one metric over the final year; ``values`` is (reps, steps,
    metrics)."""
    return values[:, -FINAL_YEAR:, metric].mean(axis=1)


def compare_sides(lo, hi):
    """The change from replications ``lo`` to ``hi`` of one metric: the difference of means, the
    larger 95% half-width, and whether the metric is fixed (no spread on either side, bar rounding
    in the last bits, as a setting averaged over months can show); a fixed metric's half-width
    is 0."""
    m_lo, _, b = mean_interval(lo)
    m_hi, _, d = mean_interval(hi)
    half = max(b - m_lo, d - m_hi)
    fixed = bool(half <= NO_SPREAD * max(1.0, abs(m_lo), abs(m_hi)))
    return m_hi - m_lo, (0.0 if fixed else half), fixed


def parameter_effects(names: Sequence[str] | None = None, presets: Sequence[str] = DEFAULT_PRESETS,
                      complexities: Sequence[float] = DEFAULT_COMPLEXITIES, reps: int = 20,
                      seed: int = 0, overrides: dict | None = None,
                      progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per parameter, preset, complexity and public metric: ``low``, ``high``, ``effect``
    (final-year mean at high minus at low), ``half_width`` (the larger 95% half-width),
    ``ratio`` (effect over half-width; inf when fixed and changed), ``fixed`` (no spread on either
    side). ``overrides`` (e.g. a smaller run) apply to every scenario."""
    params = tested_parameters()
    if names is not None:
        unknown = [n for n in names if n not in {p.name for p in params}]
        if unknown:
            raise HlssimError(f"parameter '{unknown[0]}': not one the effects test covers; expected "
                              f"one of {', '.join(p.name for p in params)}")
        params = [p for p in params if p.name in names]
    bad = [p for p in presets if p not in preset_names()]
    if bad:
        raise HlssimError(f"preset '{bad[0]}': no such preset; expected one of "
                          f"{', '.join(preset_names())}")
    if reps < 2:
        raise HlssimError(f"reps {reps}: expected at least 2 replications for an interval")
    seeds = [np.random.SeedSequence(seed, spawn_key=(r,)) for r in range(reps)]
    metric_index = {m: METRIC_NAMES.index(m) for m in PUBLIC_METRICS}
    rows = []
    total, done = len(params) * len(presets) * len(complexities), 0
    for p in params:
        level = levels(p)
        for preset in presets:
            for c in complexities:
                base = dict(overrides or {}, complexity=c)
                runs = {}
                for side in ("low", "high"):
                    scenario = Scenario.from_preset(preset, **base, **{p.name: getattr(level, side)})
                    runs[side] = run_many_metrics(  # only the final year is read
                        scenario, seeds, from_step=max(1, scenario.steps - FINAL_YEAR + 1))
                for metric, k in metric_index.items():
                    lo, hi = _final_year(runs["low"], k), _final_year(runs["high"], k)
                    effect, half, fixed = compare_sides(lo, hi)
                    ratio = abs(effect) / half if half > 0 else (np.inf if effect != 0 else 0.0)
                    rows.append({"parameter": p.name, "group": p.group, "preset": preset,
                                 "complexity": c, "low": level.low, "high": level.high,
                                 "metric": metric, "effect": effect, "half_width": half,
                                 "ratio": ratio, "fixed": fixed})
                done += 1
                if progress is not None:
                    progress(done, total)
    return pd.DataFrame(rows)


def strongest(effects: pd.DataFrame) -> pd.DataFrame:
    """Per parameter, preset and complexity: the public metric it moves most (relative to its
    half-width), behavioural metrics first (a change in a metric fixed by the regime's settings is
    listed only when nothing else moves)."""
    ranked = effects.assign(behavioural=~effects["fixed"]).sort_values(
        ["behavioural", "ratio"], ascending=False, kind="stable")
    return ranked.groupby(["parameter", "preset", "complexity"], sort=False).head(1)


def verdicts(effects: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: whether it earns its place (some behavioural metric moves by more than
    :data:`THRESHOLD` half-widths somewhere), and its best showing."""
    best = strongest(effects)
    out = []
    for name, group in best.groupby("parameter", sort=False):
        behavioural = group[~group["fixed"]]
        top = (behavioural if len(behavioural) else group).sort_values("ratio").iloc[-1]
        earns = bool(len(behavioural) and behavioural["ratio"].max() > THRESHOLD)
        moves_a_setting = bool((effects[(effects["parameter"] == name) & effects["fixed"]]
                                ["effect"] != 0).any())
        out.append({"parameter": name, "earns": earns, "metric": top["metric"],
                    "preset": top["preset"], "complexity": top["complexity"],
                    "effect": top["effect"], "ratio": top["ratio"],
                    "only_fixed": not earns and moves_a_setting})
    return pd.DataFrame(out)


def _ratio_text(row) -> str:
    if row["fixed"]:
        return f"{row['metric']} {row['effect']:+.3f} (set by the regime)"
    return f"{row['metric']} {row['effect']:+.3f} ({row['ratio']:.1f}x)"


def markdown(effects: pd.DataFrame, reps: int, overrides: dict | None = None) -> str:
    """The table of effects, one row per parameter: for each preset and complexity the public
    metric it moves most and by how many half-widths, and whether it earns its place."""
    best = strongest(effects)
    cells = sorted({(r.preset, r.complexity) for r in best.itertuples()},
                   key=lambda pc: (pc[0], pc[1]))
    verdict = verdicts(effects).set_index("parameter")
    header = ["parameter", "range", *(f"{p} at {c:g}" for p, c in cells), "earns its place"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    order = [p.name for p in tested_parameters() if p.name in set(best["parameter"])]
    for name in order:
        group = best[best["parameter"] == name]
        first = group.iloc[0]
        by_cell = {(r["preset"], r["complexity"]): r for _, r in group.iterrows()}
        v = verdict.loc[name]
        word = "yes" if v["earns"] else ("only a setting" if v["only_fixed"] else "**no**")
        span = ("off / on" if isinstance(first["low"], (bool, np.bool_))
                else f"{first['low']:g} to {first['high']:g}")
        lines.append("| " + " | ".join([f"`{name}`", span,
                                         *(_ratio_text(by_cell[c]) for c in cells), word]) + " |")
    earned = int(verdict["earns"].sum())
    size = ", ".join(f"{k} = {v}" for k, v in (overrides or {}).items()) or "the presets' own"
    intro = [
        "# Does every parameter earn its place?", "",
        "Generated by `hlssim effects`; do not edit by hand. Each parameter is set to the low and "
        "then the high end of its declared range (a switch: off, then on), one at a time, under "
        f"each regime preset at each complexity, over {reps} replications with common random "
        "numbers; everything else stays at the preset's values (run size: "
        f"{size}). A cell names the public metric the parameter moves most, its change in the "
        "final-year mean (high minus low), and that change in units of the larger 95% half-width. "
        f"A parameter earns its place when some behavioural metric moves by more than {THRESHOLD:g} "
        "half-widths; a change only in a metric set by the regime's settings (no spread over "
        "replications, such as the admin share) is marked as such and does not count.", "",
        f"{earned} of {len(verdict)} parameters earn their place.", ""]
    return "\n".join(intro + lines) + "\n"
