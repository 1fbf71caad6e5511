"""The whole plausible space: where, over every uncertain parameter at once, NPM beats HLS.

The complexity crossover (fact 11) is one point of a space: it moves with the parameters the
model cannot pin down (how strong help is, how much a misfit costs, how fast trust and motivation
move...). Issue 18 asks for the whole space rather than one crossing: a global sensitivity analysis
over **every non-regime parameter with a declared range** (:func:`uncertain_parameters`: the
calibration parameters and the share of self-interested staff, each over its plausible range,
:data:`hlssim.model.plausible_ranges.PLAUSIBLE`, argued from a source or by one judgement rule for
all; the declared ranges are available too); ``wage_cost`` is left out because it
prices time as money and cannot move wellbeing), at complexity 0.2, 0.5 and 0.8, for the gap HLS
minus NPM (presets ``hls`` and ``npm_targets``) in final-year wellbeing and in the worst-off
decile's wellbeing.

Each complexity is two ordinary ``compare`` sweeps (``hlssim.experiments.sweep``: the same sampled
parameter values and seeds under both regimes, so every difference is paired), analysed by the
same code as ``hlssim analyze``:

1. **Morris screen** (SALib, trajectories over the unit cube): ``mu_star`` of each parameter's
   elementary effect on the gap, cheap, to see which parameters matter at all;
2. **Sobol** (SALib's Saltelli design): first-order ``S1`` and total ``ST`` indices of the gap
   with 95% bootstrap intervals;
3. **The share of the space in which NPM wins**: the share of the Sobol design's points where the
   paired gap is below 0 (the Saltelli rows are each uniform over the space), with a Wilson 95%
   interval, and the share where NPM wins clearly (the replications' 95% interval of the gap lies
   below 0);
4. **Where NPM wins**: PRIM (``hlssim.experiments.analysis.prim``) on "NPM wins" over the
   :data:`PRIM_PARAMETERS` parameters with the largest total Sobol indices, its chosen box in
   words.

``hlssim validate`` runs it in full form (:data:`FULL`) and adds a section and a figure to the
report; ``--quick`` runs :data:`QUICK`, a small form for CI whose figures are rough and say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hlssim.model.parameters import PARAMETERS
from hlssim.model.plausible_ranges import PLAUSIBLE

COMPLEXITIES = (0.2, 0.5, 0.8)
REGIMES = ("npm_targets", "hls")
OUTPUTS = ("wellbeing_mean", "wellbeing_p10")
STAT = "mean_last_12"
#: Parameters with a declared range left out, and why.
EXCLUDED = {"wage_cost": "prices workers' time as money: it moves costs, never wellbeing"}
ROOT_SEED = 7100
#: What ranges the analysis samples: argued plausible ranges (the default) or declared ones.
RANGES = ("plausible", "declared")


@dataclass(frozen=True)
class Form:
    """How big the analysis is: Sobol base N, Morris trajectories, replications, the world."""

    name: str
    sobol_base: int
    morris_trajectories: int
    replications: int
    world: Mapping[str, int]
    ranges: str = "plausible"  # or "declared" (:func:`uncertain_parameters`)


#: The full form runs in the headline's world (the presets' own sizes, ten years).
FULL = Form("full", sobol_base=64, morris_trajectories=40, replications=2,
            world={"n_people": 400, "n_workers": 20, "n_providers": 4, "steps": 120})
QUICK = Form("quick", sobol_base=4, morris_trajectories=4, replications=1,
             world={"n_people": 60, "n_workers": 4, "n_providers": 2, "steps": 36})


def uncertain_parameters(ranges: str = "plausible") -> dict[str, tuple[float, float]]:
    """Every non-regime parameter with a declared range, and the range sampled: its plausible
    range (``ranges="plausible"``, the default: :data:`hlssim.model.plausible_ranges.PLAUSIBLE`,
    each argued from a source or the same half-to-twice judgement rule) or its whole declared
    range (``"declared"``: what the tool accepts, corners nobody argues for included)."""
    if ranges not in RANGES:
        raise ValueError(f"ranges: {ranges!r} is not allowed; expected one of {', '.join(RANGES)}")
    out = {}
    for name, p in PARAMETERS.items():
        uncertain = p.group == "calibration" or name == "knave_share"
        if not uncertain or name in EXCLUDED or p.kind not in (int, float):
            continue
        if ranges == "plausible":
            low, high = PLAUSIBLE[name].low, PLAUSIBLE[name].high
        else:
            low, high = p.span if p.span else (p.low, p.high)
        out[name] = (p.kind(low), p.kind(high))
    return out


def space_spec(complexity: float, sampler: str, form: Form, root_seed: int = ROOT_SEED):
    """The sweep spec of one analysis: ``sampler`` (sobol or morris) over the uncertain
    parameters, both regimes at each sampled point, at ``complexity``."""
    from hlssim.experiments.spec import parse_spec

    samples = form.sobol_base if sampler == "sobol" else form.morris_trajectories
    suffix = "" if form.ranges == "plausible" else f"_{form.ranges}"
    name = f"plausible_{sampler}_c{round(complexity * 100):03d}_{form.name}{suffix}"
    return parse_spec({
        "name": name,
        "description": f"the plausible space at complexity {complexity:g} ({sampler}, {form.name} form)",
        "sampler": sampler, "samples": samples, "replications": form.replications,
        "root_seed": root_seed + round(complexity * 100) + (0 if sampler == "sobol" else 1000),
        "compare": list(REGIMES),
        "base": {"complexity": complexity, **form.world},
        "factors": {n: {"low": lo, "high": hi}
                    for n, (lo, hi) in uncertain_parameters(form.ranges).items()},
        "outputs": {o: STAT for o in OUTPUTS},
    }, source="the plausible-space analysis", name=name)


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson's 95% interval of a proportion ``k / n``.

    >>> [round(x, 3) for x in wilson(1, 10)]
    [0.018, 0.404]
    """
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class AtComplexity:
    """What one complexity level showed, for each output."""

    complexity: float
    indices: pd.DataFrame  # output, method, factor, index, value, conf (the HLS - NPM gap only)
    points: dict[str, int]  # output -> paired points
    npm_wins: dict[str, int]  # output -> points where the gap is below 0
    sure_wins: dict[str, int]  # ... where its 95% interval lies below 0
    mean_gap: dict[str, float]
    prim: dict[str, str]  # output -> PRIM's chosen box in words ('' if none)
    notes: list[str] = field(default_factory=list)

    def share(self, output: str) -> tuple[float, float, float]:
        """Share of the space where NPM wins on ``output``, with its Wilson interval."""
        n, k = self.points[output], self.npm_wins[output]
        low, high = wilson(k, n)
        return (k / n if n else math.nan), low, high


@dataclass(frozen=True)
class PlausibleSpace:
    form: Form
    levels: tuple[AtComplexity, ...]
    parameters: Mapping[str, tuple[float, float]]
    runs: int


def _gap_indices(analysis, method: str) -> pd.DataFrame:
    subset = f"{REGIMES[1]} - {REGIMES[0]}"
    t = analysis.indices
    t = t[(t["subset"] == subset)].copy()
    t["output"] = t["output"].str.partition(":")[0]
    t["method"] = method
    return t[["output", "method", "factor", "index", "value", "conf"]]


def analyse_level(complexity: float, form: Form, out: Path, workers: int = 0,
                  progress: bool = False) -> tuple[AtComplexity, int]:
    """Run (or resume) and analyse both sweeps at one complexity; (result, runs stored)."""
    from hlssim.experiments.analysis.analyze import run_analysis
    from hlssim.experiments.analysis.discovery import paired_differences, find_regions, with_prim
    from hlssim.experiments.sweep import sweep
    from hlssim.experiments.sweepdata import load_sweep

    parts, runs, notes = [], 0, []
    sobol_data = None
    for sampler in ("morris", "sobol"):
        spec = space_spec(complexity, sampler, form)
        folder = out / spec.name
        sweep(spec, folder, workers=workers, progress=progress)
        data = load_sweep(folder)
        runs += spec.n_runs()
        outputs = [f"{o}:{STAT}" for o in OUTPUTS]
        analysis = run_analysis(data, outputs=outputs, outcome=outputs[0])
        parts.append(_gap_indices(analysis, sampler))
        gap = f"({REGIMES[1]} - {REGIMES[0]})"
        notes += [n for n in analysis.notes if n.startswith("Warning") and gap in n]
        if sampler == "sobol":
            sobol_data = data
    points, wins, sure, mean_gap, prim = {}, {}, {}, {}, {}
    others = [c for c in sobol_data.factor_columns if c != "preset"]
    indices = pd.concat(parts, ignore_index=True)
    for o in OUTPUTS:
        table = paired_differences(sobol_data.means, others, f"{o}:{STAT}", REGIMES[1], REGIMES[0])
        found = with_prim(find_regions(table, decisive(indices, o, others), REGIMES[1], REGIMES[0],
                                       f"{o}:{STAT}"))
        points[o], wins[o], sure[o] = len(found.table), found.wins, found.sure_wins
        mean_gap[o] = float(found.table["difference"].mean()) if len(found.table) else math.nan
        prim[o] = found.prim_sentence()
    return AtComplexity(complexity, indices, points, wins, sure, mean_gap, prim, notes), runs


#: PRIM describes where NPM wins over this many parameters, those with the largest total Sobol
#: indices: a box over all of them restricts many that decide nothing (each restriction trims a
#: sliver of a range), which reads as a finding and is not one.
PRIM_PARAMETERS = 5


def decisive(indices: pd.DataFrame, output: str, factors: list[str],
             k: int = PRIM_PARAMETERS) -> list[str]:
    """The ``k`` parameters with the largest total Sobol index of the gap in ``output`` (all
    ``factors``, in order, where there are no Sobol indices to rank them by)."""
    st = indices[(indices["method"] == "sobol") & (indices["index"] == "ST")
                 & (indices["output"] == output) & indices["factor"].isin(factors)]
    if st.empty:
        return list(factors)
    return list(st.sort_values("value", ascending=False)["factor"].head(k))


def plausible_space(form: Form = FULL, out: str | Path = Path("results") / "plausible",
                    workers: int = 0, progress: bool = False) -> PlausibleSpace:
    """The analysis at every complexity of :data:`COMPLEXITIES` (sweeps stored under ``out``)."""
    out = Path(out)
    levels, runs = [], 0
    for c in COMPLEXITIES:
        level, n = analyse_level(c, form, out, workers, progress)
        levels.append(level)
        runs += n
    return PlausibleSpace(form, tuple(levels), uncertain_parameters(form.ranges), runs)


# --- the report ---------------------------------------------------------------------------------

def _top(level: AtComplexity, output: str, index: str, k: int = 5) -> str:
    t = level.indices
    t = t[(t["output"] == output) & (t["index"] == index)].sort_values("value", ascending=False)
    return ", ".join(f"`{r.factor}` {r.value:.2f} +- {r.conf:.2f}" for r in t.head(k).itertuples())


def markdown(r: PlausibleSpace, figure: str | None = None) -> list[str]:
    """The section of VALIDATION.md on the whole plausible space."""
    f = r.form
    declared = f.ranges == "declared"
    names = ", ".join(f"`{n}` [{lo:g}, {hi:g}]"
                      + (" (source)" if not declared and PLAUSIBLE[n].basis == "source" else "")
                      for n, (lo, hi) in r.parameters.items())
    ranges = ("Each is sampled over its whole declared range: what the tool accepts, worlds "
              "nobody argues for included (help that does nothing, half the staff leaving each "
              "month)." if declared else
              "Each range is argued in `hlssim/model/plausible_ranges.py` (and `docs/validation.md`): "
              "from a source where one bounds it (marked), otherwise by one rule for all, half to "
              "twice the default, fixed before this analysis was run. The declared ranges, what the "
              "tool accepts, include worlds nobody argues for (help that does nothing, half the "
              "staff leaving each month).")
    lines = [
        "", '<a id="plausible-space"></a>',
        "## The whole plausible space: where NPM wins, and which parameters decide it", "",
        (f"Every non-regime parameter with a declared range varied at once over its "
         f"{'declared' if declared else 'plausible'} range ({len(r.parameters)}: {names}; "
         f"`wage_cost` left out: {EXCLUDED['wage_cost']}). {ranges} At complexity "
         f"{', '.join(f'{c:g}' for c in COMPLEXITIES)}, the presets `{REGIMES[0]}` and "
         f"`{REGIMES[1]}` run at each sampled point under the same seeds "
         f"({f.replications} replication{'s' if f.replications > 1 else ''}, world "
         f"{', '.join(f'{k} {v}' for k, v in f.world.items())}). A Morris screen "
         f"({f.morris_trajectories} trajectories) then Sobol indices (Saltelli design, base N = "
         f"{f.sobol_base}) of the gap HLS minus NPM in final-year wellbeing and in the worst-off "
         f"decile's; {r.runs} runs in all (`hlssim/validation/plausible.py`, the {f.name} form). "
         "The share of the space in which NPM wins is the share of the Sobol design's points "
         "where the paired gap is below 0 (Wilson 95% interval); *clearly* where the "
         "replications' 95% interval lies below 0."),
    ]
    if f.name != "full":
        lines += ["", ("*This is the quick form: too few points for the indices or the shares "
                       "to be read as findings; the full form is `hlssim validate`.*")]
    lines += ["", "| complexity | outcome | NPM wins in (share of the space) | clearly | mean gap HLS - NPM | largest total Sobol indices (ST +- 95%) | largest first-order Sobol indices (S1 +- 95%) | largest Morris mu* |",
              "|---|---|---|---|---|---|---|---|"]
    for level in r.levels:
        for o in OUTPUTS:
            share, low, high = level.share(o)
            sure = level.sure_wins[o] / level.points[o] if level.points[o] else math.nan
            lines.append(
                f"| {level.complexity:g} | {o} | {share:.0%} [{low:.0%}, {high:.0%}] of "
                f"{level.points[o]} points | {sure:.0%} | {level.mean_gap[o]:+.3f} | "
                f"{_top(level, o, 'ST', 4)} | {_top(level, o, 'S1', 3)} | "
                f"{_top(level, o, 'mu_star', 3)} |")
    lines += ["", (f"Where NPM wins, by PRIM over the {PRIM_PARAMETERS} parameters with the "
                   "largest total Sobol indices at each complexity (on wellbeing_mean):"), ""]
    for level in r.levels:
        text = level.prim[OUTPUTS[0]] or "no PRIM box (too few points, or NPM wins nowhere or everywhere)"
        lines.append(f"- complexity {level.complexity:g}: {text}")
    warnings = [n for level in r.levels for n in level.notes]
    if warnings:
        lines += ["", f"Warnings from the index checks ({len(warnings)}): "
                  + " ".join(warnings[:4]) + (" ..." if len(warnings) > 4 else "")]
    if figure:
        lines += ["", f"![Where NPM wins across the plausible space]({figure})"]
    return lines


def figure_png(r: PlausibleSpace, path: Path) -> Path:
    """Left: the share of the space in which NPM wins, by complexity (both outcomes, Wilson
    intervals). Right: each parameter's total Sobol index of the wellbeing gap at each complexity."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hlssim.common.files import write_atomic

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4), dpi=110,
                                      gridspec_kw={"width_ratios": [1, 1.6]})
    xs = [lv.complexity for lv in r.levels]
    for o, marker in zip(OUTPUTS, ("o", "s")):
        shares = [lv.share(o) for lv in r.levels]
        mid = [s[0] for s in shares]
        err = [[m - s[1] for m, s in zip(mid, shares)], [s[2] - m for m, s in zip(mid, shares)]]
        left.errorbar(xs, mid, yerr=err, marker=marker, capsize=3, label=o)
    left.set_ylim(0, 1)
    left.set_xlabel("complexity")
    left.set_ylabel("share of the space where NPM wins")
    left.set_title("NPM wins (Wilson 95% intervals)", fontsize=9)
    left.legend(fontsize=7, loc="upper right")
    left.grid(alpha=0.3)
    names = list(r.parameters)
    width = 0.8 / len(r.levels)
    for j, lv in enumerate(r.levels):
        t = lv.indices[(lv.indices["output"] == OUTPUTS[0]) & (lv.indices["index"] == "ST")]
        t = t.set_index("factor").reindex(names)
        values = t["value"].to_numpy(float)
        conf = np.nan_to_num(t["conf"].to_numpy(float))
        lower = np.minimum(conf, np.clip(values, 0, None))  # intervals clipped at 0
        right.bar(np.arange(len(names)) + j * width, np.clip(values, 0, None), width,
                  yerr=[lower, conf], capsize=1.5, label=f"complexity {lv.complexity:g}")
    right.set_xticks(np.arange(len(names)) + width, names, rotation=70, ha="right", fontsize=7)
    right.set_ylabel("total Sobol index (ST)")
    right.set_title("what decides the HLS - NPM wellbeing gap (95% bootstrap intervals)", fontsize=9)
    right.legend(fontsize=7)
    right.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)
