"""The best design of each regime family at each complexity: the frontier (issue 18).

For every complexity on a grid, each regime family's own levers are searched within their
declared ranges for the design with the best mean final-year wellbeing, and separately the best
wellbeing per unit cost; the winners are then judged on fresh seeds. This answers the
commissioner's question "could better targets do as well?" without pitting a good design of one
regime against an extreme one of the other.

- **Families.** NPM starts from the preset ``npm_targets`` and moves ``target_pressure``,
  ``audit_rate``, ``retender_interval``, ``standardisation`` and ``pbr_share``; HLS starts from
  ``hls`` and moves ``reflection_time``, ``stewardship``, ``coproduction``,
  ``peer_accountability`` and ``alliance``. Every other setting stays at the family's preset.
- **Search.** :func:`scipy.optimize.differential_evolution` with a seed drawn from the root seed
  (so a root seed gives the same search), the preset's own design in the first population
  (``x0``), no gradient polish (the objective is a mean over runs, not smooth), and
  ``retender_interval`` searched as a whole number (``integrality``): months 1 to the run's length,
  and one more value meaning "never" (0), so longer intervals sit next to "never".
- **Common random numbers.** Every design at every complexity, in both families, is run on the
  same search seeds ``SeedSequence(root, spawn_key=(0, r))``; designs differ only by their levers.
- **Held out.** The best few designs of each family (by their search mean) are run again on fresh
  seeds ``SeedSequence(root, spawn_key=(1, r))``, disjoint from the search's, with more
  replications. The winner is the finalist with the best held-out mean, and every figure reported
  (its mean and 95% interval, the paired difference best HLS minus best NPM) comes from the
  held-out runs only, never from the seeds the search tuned to (the winner's curse).
- **Per unit cost.** A run's wellbeing per unit cost is its final-year mean wellbeing over its
  final-year mean monthly cost per person (``cost_total / n_people``, £k): wellbeing bought per £k
  per person a month, the reciprocal of ``cost_per_wellbeing`` over the year.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from hlssim.common.stats import mean_interval
from hlssim.engines.registry import run_many_metrics
from hlssim.errors import HlssimError, ScenarioError
from hlssim.experiments.comparison import FINAL_WINDOW
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.parameters import PARAMETERS
from hlssim.model.scenario import Scenario

#: Each family: the preset it starts from and the levers it may move.
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "npm": ("npm_targets", ("target_pressure", "audit_rate", "retender_interval",
                            "standardisation", "pbr_share")),
    "hls": ("hls", ("reflection_time", "stewardship", "coproduction", "peer_accountability",
                    "alliance")),
}
FAMILY_LABELS = {"npm": "target-driven (NPM)", "hls": "learning-led (HLS)"}
#: What a search maximises: a run's final-year mean wellbeing, or that per unit cost.
OBJECTIVES = ("wellbeing", "wellbeing_per_cost")
OBJECTIVE_LABELS = {"wellbeing": "best wellbeing", "wellbeing_per_cost": "best wellbeing per cost"}
LEVERS: tuple[str, ...] = FAMILIES["npm"][1] + FAMILIES["hls"][1]

#: The complexities of the full frontier, and its sizes (see docs/frontier.md).
FULL_COMPLEXITIES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
#: The small world of ``--quick``: about a minute on two cores once the engine is compiled.
QUICK_WORLD = {"n_people": 60, "n_workers": 6, "n_providers": 2, "steps": 48}

_WELL = METRIC_NAMES.index("wellbeing_mean")
_COST = METRIC_NAMES.index("cost_total")
_SEARCH, _HELD_OUT, _OPTIMISER = 0, 1, 2  # first entries of the seeds' spawn keys


def search_seeds(root: int, reps: int) -> list[np.random.SeedSequence]:
    """The seeds every design is searched on (the same for every complexity and family)."""
    return [np.random.SeedSequence(root, spawn_key=(_SEARCH, r)) for r in range(reps)]


def held_out_seeds(root: int, reps: int) -> list[np.random.SeedSequence]:
    """Fresh seeds for judging the finalists: spawn keys disjoint from :func:`search_seeds`'."""
    return [np.random.SeedSequence(root, spawn_key=(_HELD_OUT, r)) for r in range(reps)]


def optimiser_seed(root: int, complexity_index: int, family: str, objective: str
                   ) -> np.random.Generator:
    """The random generator of one search (its initial population and mutations)."""
    key = (_OPTIMISER, complexity_index, list(FAMILIES).index(family), OBJECTIVES.index(objective))
    return np.random.default_rng(np.random.SeedSequence(root, spawn_key=key))


# --- the search space ---------------------------------------------------------------------------
def lever_bounds(lever: str, steps: int) -> tuple[float, float]:
    """The searched range of a lever: its declared range; ``retender_interval`` as months 1 to
    ``steps`` plus ``steps + 1`` for "never" (any interval beyond the run means the same)."""
    if lever == "retender_interval":
        return 1.0, float(steps + 1)
    p = PARAMETERS[lever]
    return float(p.low), float(p.high)


def decode(lever: str, x: float, steps: int) -> float | int:
    """A searched value as the parameter's value."""
    if lever == "retender_interval":
        months = int(round(x))
        return 0 if months > steps else months
    return float(x)


def encode(lever: str, value: float, steps: int) -> float:
    """A parameter's value as a point of the search space (the inverse of :func:`decode`)."""
    if lever == "retender_interval":
        return float(steps + 1) if value == 0 or value > steps else float(value)
    return float(value)


# --- evaluating designs -------------------------------------------------------------------------
def run_finals(scenario: Scenario, seeds: Sequence[np.random.SeedSequence]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each run's final-year mean wellbeing and wellbeing per unit cost."""
    values = run_many_metrics(scenario, seeds,
                              from_step=max(1, scenario.steps - FINAL_WINDOW + 1))
    window = min(FINAL_WINDOW, values.shape[1])
    tail = values[:, -window:, :]
    wellbeing = tail[:, :, _WELL].mean(axis=1)
    cost_per_person = tail[:, :, _COST].mean(axis=1) / scenario.n_people
    return wellbeing, wellbeing / np.maximum(cost_per_person, 1e-12)


Evaluate = Callable[[Scenario, Sequence[np.random.SeedSequence]], tuple[np.ndarray, np.ndarray]]


@dataclass
class Search:
    """One family's search at one complexity for one objective: every design it tried."""

    family: str
    objective: str
    tried: dict[tuple, tuple[float, float]] = field(default_factory=dict)  # design -> means

    def gain_last_half(self) -> float:
        """How far the best search mean rose over the second half of the designs tried: near 0
        when the search had settled, larger when a bigger budget might find more."""
        col = OBJECTIVES.index(self.objective)
        values = [means[col] for means in self.tried.values()]
        half = len(values) // 2
        return float(max(values) - max(values[:half])) if half else float("nan")

    def finalists(self, k: int) -> list[tuple]:
        """The ``k`` designs with the best search mean of the objective, best first."""
        col = OBJECTIVES.index(self.objective)
        ranked = sorted(self.tried.items(), key=lambda item: (-item[1][col], item[0]))
        return [design for design, _ in ranked[:k]]


def search_family(base: Scenario, family: str, objective: str, seeds, *, budget: int,
                  rng: np.random.Generator, evaluate: Evaluate = run_finals,
                  popsize: int = 10) -> Search:
    """Search one family's levers for the best mean ``objective`` over ``seeds``.

    ``base`` is the family's preset in the world searched; ``budget`` is about how many designs
    are run (a population of ``popsize`` designs for ``budget // popsize`` generations)."""
    _, levers = FAMILIES[family]
    steps = base.steps
    bounds = [lever_bounds(lv, steps) for lv in levers]
    integrality = [lv == "retender_interval" for lv in levers]
    x0 = [encode(lv, base[lv], steps) for lv in levers]
    col = OBJECTIVES.index(objective)
    found = Search(family, objective)

    def design_of(x) -> tuple:
        return tuple(decode(lv, v, steps) for lv, v in zip(levers, x))

    def loss(x) -> float:
        design = design_of(x)
        if design not in found.tried:
            try:
                scenario = base.with_overrides(**dict(zip(levers, design)))
            except ScenarioError:  # a combination the model refuses (no time left for work)
                return 1e9
            wellbeing, per_cost = evaluate(scenario, seeds)
            found.tried[design] = (float(np.mean(wellbeing)), float(np.mean(per_cost)))
        return -found.tried[design][col]

    generations = max(1, budget // popsize - 1)
    differential_evolution(loss, bounds, x0=x0, integrality=integrality, rng=rng,
                           popsize=max(1, popsize // len(levers)), maxiter=generations,
                           init="latinhypercube", polish=False, tol=0.0, updating="deferred",
                           workers=1)
    return found


# --- the frontier -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrontierSettings:
    complexities: tuple[float, ...] = FULL_COMPLEXITIES
    reps: int = 50  # held-out replications of each finalist and preset
    search_reps: int = 10  # replications of each design during the search
    budget: int = 320  # designs run per search (family, objective, complexity)
    finalists: int = 3  # designs per search judged on the held-out seeds
    seed: int = 0
    world: Mapping[str, Any] = field(default_factory=dict)  # e.g. QUICK_WORLD

    def check(self) -> None:
        """One line naming the field, the value and what is allowed, for any bad setting."""
        cs = self.complexities
        if not cs:
            raise HlssimError("complexities: none given; expected one or more numbers from 0 to 1")
        for c in cs:
            if isinstance(c, bool) or not isinstance(c, (int, float)) or not 0 <= c <= 1:
                raise HlssimError(f"complexities: {c!r} is not allowed; expected numbers from 0 "
                                  "to 1")
        if len(set(cs)) != len(cs):
            raise HlssimError(f"complexities: {', '.join(f'{c:g}' for c in cs)} repeats a value; "
                              "expected each complexity once")
        for name, low in (("reps", 2), ("search_reps", 2), ("budget", 4), ("finalists", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise HlssimError(f"{name}: {value!r} is not allowed; expected a whole number, "
                                  f"{low} or more")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) \
                or self.seed < 0:
            raise HlssimError(f"seed: {self.seed!r} is not allowed; expected a non-negative "
                              "whole number")
        bad = [k for k in self.world if k in LEVERS or k == "complexity"]
        if bad:
            raise HlssimError(f"world: '{bad[0]}' is not allowed; the levers and complexity are "
                              "set by the search, not the world")
        for family, (preset, _) in FAMILIES.items():
            Scenario.from_preset(preset, **dict(self.world))  # one line for any bad world value


@dataclass(frozen=True)
class Frontier:
    """The frontier's tables (see :func:`frontier`)."""

    table: pd.DataFrame  # one row per complexity x (best design per family and objective, preset)
    differences: pd.DataFrame  # complexity, objective, best HLS - best NPM (paired), presets too
    trials: pd.DataFrame  # every design tried during the searches, with its search means
    settings: FrontierSettings


def _held_out_row(values: np.ndarray) -> dict[str, float]:
    mean, low, high = mean_interval(values)
    return {"mean": mean, "ci_low": low, "ci_high": high}


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of a - b over runs on the same seeds, with a 95% t interval."""
    return mean_interval(np.asarray(a) - np.asarray(b))


def frontier(settings: FrontierSettings, evaluate: Evaluate = run_finals,
             progress: Callable[[str], None] | None = None) -> Frontier:
    """Search both families at every complexity, judge the finalists on held-out seeds, and
    return the frontier. The same settings (root seed included) give the same tables, bit for bit.
    """
    settings.check()
    s = settings
    search = search_seeds(s.seed, s.search_reps)
    held = held_out_seeds(s.seed, s.reps)
    rows, diffs, trials = [], [], []
    start = time.perf_counter()
    total = len(s.complexities) * len(FAMILIES) * len(OBJECTIVES)
    done = 0
    for j, c in enumerate(s.complexities):
        held_runs: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        for family, (preset, levers) in FAMILIES.items():
            base = Scenario.from_preset(preset, complexity=float(c), **dict(s.world))
            cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

            def judge(design: tuple) -> tuple[np.ndarray, np.ndarray]:
                if design not in cache:
                    cache[design] = evaluate(base.with_overrides(**dict(zip(levers, design))),
                                             held)
                return cache[design]

            preset_design = tuple(base[lv] for lv in levers)
            held_runs[(family, "preset")] = judge(preset_design)
            rows.append(_row(c, family, "preset", levers, preset_design, None,
                             held_runs[(family, "preset")], s))
            for objective in OBJECTIVES:
                col = OBJECTIVES.index(objective)
                found = search_family(base, family, objective, search, budget=s.budget,
                                      rng=optimiser_seed(s.seed, j, family, objective),
                                      evaluate=evaluate)
                for design, means in found.tried.items():
                    trials.append({"complexity": c, "family": family, "objective": objective,
                                   **dict(zip(levers, design)),
                                   "search_wellbeing": means[0],
                                   "search_wellbeing_per_cost": means[1]})
                finalists = found.finalists(s.finalists)
                # the winner: the finalist best on the held-out runs (ties: the search's order)
                scores = [float(np.mean(judge(d)[col])) for d in finalists]
                winner = finalists[int(np.argmax(scores))]
                held_runs[(family, objective)] = judge(winner)
                rows.append(_row(c, family, objective, levers, winner, found.tried[winner],
                                 held_runs[(family, objective)], s)
                            | {"search_gain_last_half": found.gain_last_half()})
                done += 1
                if progress:
                    elapsed = time.perf_counter() - start
                    progress(f"frontier: complexity {c:g}, {FAMILY_LABELS[family]}, "
                             f"{OBJECTIVE_LABELS[objective]}: {done}/{total} searches, "
                             f"{elapsed:.0f} s, about {elapsed / done * (total - done):.0f} s left")
        for objective in (*OBJECTIVES, "preset"):
            for k, name in enumerate(("wellbeing", "wellbeing_per_cost")):
                diff, low, high = _paired(held_runs[("hls", objective)][k],
                                          held_runs[("npm", objective)][k])
                diffs.append({"complexity": c, "design": objective, "measure": name,
                              "hls_minus_npm": diff, "ci_low": low, "ci_high": high,
                              "reps": s.reps})
    return Frontier(pd.DataFrame(rows), pd.DataFrame(diffs), pd.DataFrame(trials), s)


def _row(c, family, design_kind, levers, design, search_means, runs, s) -> dict[str, Any]:
    wellbeing, per_cost = runs
    w = _held_out_row(wellbeing)
    p = _held_out_row(per_cost)
    row: dict[str, Any] = {"complexity": c, "family": family, "design": design_kind}
    row.update({lv: np.nan for lv in LEVERS})
    row.update(dict(zip(levers, design)))
    row.update({"wellbeing": w["mean"], "wellbeing_ci_low": w["ci_low"],
                "wellbeing_ci_high": w["ci_high"],
                "wellbeing_per_cost": p["mean"], "per_cost_ci_low": p["ci_low"],
                "per_cost_ci_high": p["ci_high"],
                "search_mean": (np.nan if search_means is None
                                else search_means[OBJECTIVES.index(design_kind)]),
                "search_gain_last_half": np.nan, "reps": s.reps, "search_reps": s.search_reps})
    return row


# --- reading a frontier in words ----------------------------------------------------------------
def verdicts(differences: pd.DataFrame, objective: str = "wellbeing") -> pd.DataFrame:
    """At each complexity, who is ahead on ``objective`` between the best designs: "NPM",
    "HLS" or "neither" (the 95% interval of the paired difference covers 0)."""
    part = differences[(differences["design"] == objective)
                       & (differences["measure"] == objective)].copy()
    part["ahead"] = np.where(part["ci_low"] > 0, "HLS",
                             np.where(part["ci_high"] < 0, "NPM", "neither"))
    return part[["complexity", "hls_minus_npm", "ci_low", "ci_high", "ahead"]]




def _cell(mean: float, low: float, high: float, sign: bool = False) -> str:
    f = "+.3f" if sign else ".3f"
    return f"{mean:{f}} [{low:{f}}, {high:{f}}]"


def design_text(row: Mapping[str, Any], family: str) -> str:
    """A design's levers as ``name value`` pairs (``retender_interval`` 0 as "never")."""
    parts = []
    for lever in FAMILIES[family][1]:
        value = row[lever]
        if lever == "retender_interval":
            parts.append(f"{lever} {'never' if int(value) == 0 else f'{int(value)} months'}")
        else:
            parts.append(f"{lever} {float(value):.2f}")
    return ", ".join(parts)


def who_is_ahead(verdict: pd.DataFrame) -> list[str]:
    """Sentences saying where the best NPM design beats the best HLS design, and where not."""
    def listed(ahead: str) -> str:
        cs = verdict.loc[verdict["ahead"] == ahead, "complexity"]
        return ", ".join(f"{c:g}" for c in cs)

    npm, hls, neither = listed("NPM"), listed("HLS"), listed("neither")
    lines = [f"The best NPM design beats the best HLS design at complexity {npm}." if npm else
             "The best NPM design beats the best HLS design at no complexity on the grid."]
    if hls:
        lines.append(f"The best HLS design beats the best NPM design at complexity {hls}.")
    if neither:
        lines.append(f"Neither is clearly ahead (the 95% interval of the difference covers 0) at "
                     f"complexity {neither}.")
    return lines


def summary_markdown(result: Frontier, seconds: float | None = None, command: str = "") -> str:
    """The frontier in a short Markdown report: who is ahead where, the figures, the designs."""
    s = result.settings
    t, d = result.table, result.differences
    lines = ["# The best design of each regime (the frontier)", ""]
    if command:
        lines += [f"Made by `{command}`" + (f" in {seconds / 60:.1f} minutes" if seconds else "")
                  + ".", ""]
    lines += [f"Root seed {s.seed}; each search ran about {s.budget} designs on {s.search_reps} "
              f"search seeds; the best {s.finalists} of each search, and the presets, were run "
              f"again on {s.reps} fresh held-out seeds, and every figure below is from those "
              "held-out runs only. Means with 95% intervals; differences are paired (the same "
              "seeds).", ""]
    for objective, heading in (("wellbeing", "Wellbeing"),
                               ("wellbeing_per_cost", "Wellbeing per unit cost")):
        verdict = verdicts(d, objective)
        lines += [f"## {heading}", "", *who_is_ahead(verdict), ""]
        value, low, high = (("wellbeing", "wellbeing_ci_low", "wellbeing_ci_high")
                            if objective == "wellbeing" else
                            ("wellbeing_per_cost", "per_cost_ci_low", "per_cost_ci_high"))
        lines += ["| complexity | best NPM | best HLS | HLS - NPM | ahead | npm_targets preset "
                  "| hls preset |", "|---|---|---|---|---|---|---|"]
        for _, v in verdict.iterrows():
            c = v["complexity"]
            at = t[t["complexity"] == c].set_index(["family", "design"])
            cells = [_cell(at.loc[(f, k), value], at.loc[(f, k), low], at.loc[(f, k), high])
                     for f, k in (("npm", objective), ("hls", objective), ("npm", "preset"),
                                  ("hls", "preset"))]
            lines.append(f"| {c:g} | {cells[0]} | {cells[1]} | "
                         f"{_cell(v['hls_minus_npm'], v['ci_low'], v['ci_high'], True)} | "
                         f"{v['ahead']} | {cells[2]} | {cells[3]} |")
        searched = t[t["design"] == objective]
        if len(searched):
            top = searched.loc[searched["search_gain_last_half"].idxmax()]
            curse = searched["search_mean"] - searched[value]
            lines += ["", f"Did the searches settle? The most a search's best rose over the second "
                      f"half of its designs was {top['search_gain_last_half']:.4f} "
                      f"({FAMILY_LABELS[top['family']]}, complexity {top['complexity']:g}). The "
                      f"winner's curse (the winner's search mean minus its held-out mean) was "
                      f"{curse.min():+.4f} to {curse.max():+.4f}."]
        lines += ["", "The designs found:", ""]
        for c in t["complexity"].drop_duplicates():
            for family in FAMILIES:
                row = t[(t["complexity"] == c) & (t["family"] == family)
                        & (t["design"] == objective)].iloc[0]
                lines.append(f"- complexity {c:g}, {FAMILY_LABELS[family]}: "
                             f"{design_text(row, family)}")
        lines.append("")
    return "\n".join(lines)


#: The files a frontier folder holds.
FILES = ("frontier.csv", "frontier_differences.csv", "frontier_trials.csv", "frontier.png",
         "frontier.md", "manifest.json")


def code_state() -> dict[str, Any]:
    """What made a frontier: the package version, the model's fingerprint and the git state. Take
    it before the run starts (a commit made while a long run goes on is not what ran)."""
    from hlssim.common.version import __version__
    from hlssim.experiments.fingerprint import model_fingerprint
    from hlssim.experiments.provenance import git_state

    return {"hlssim": __version__, "model_fingerprint": model_fingerprint(), "git": git_state()}


def write_frontier(result: Frontier, out, seconds: float | None = None,
                   command: str = "", code: Mapping[str, Any] | None = None) -> list[str]:
    """Write the frontier's files into folder ``out``: all are made in a temporary folder first
    and moved in only when every one is whole, so a failure leaves nothing half-written."""
    import json
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from hlssim.figures.frontier_figure import frontier_figure

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".frontier.", dir=out))
    try:
        table = result.table.copy()
        table["retender_interval"] = table["retender_interval"].astype("Int64")
        table.to_csv(tmp / "frontier.csv", index=False)
        result.differences.to_csv(tmp / "frontier_differences.csv", index=False)
        trials = result.trials.copy()
        if "retender_interval" in trials:
            trials["retender_interval"] = trials["retender_interval"].astype("Int64")
        trials.to_csv(tmp / "frontier_trials.csv", index=False)
        s = result.settings
        title = (f"Best design of each regime: {s.reps} held-out runs each, root seed {s.seed}"
                 + (" (quick world)" if s.world else ""))
        frontier_figure(result.table, result.differences, tmp / "frontier.png", title=title)
        (tmp / "frontier.md").write_text(summary_markdown(result, seconds, command) + "\n",
                                         encoding="utf-8")
        manifest = {"command": command, "seconds": None if seconds is None else round(seconds, 1),
                    "settings": {"complexities": list(s.complexities), "reps": s.reps,
                                 "search_reps": s.search_reps, "budget": s.budget,
                                 "finalists": s.finalists, "seed": s.seed,
                                 "world": dict(s.world)},
                    "method": "scipy.optimize.differential_evolution",
                    **dict(code if code is not None else code_state())}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
        for name in FILES:
            os.chmod(tmp / name, 0o644)  # as any other file written here, not the temp's 0600
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return list(FILES)


def read_frontier(folder) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A frontier folder's table, differences and manifest (one line if it is not one)."""
    import json
    from pathlib import Path

    folder = Path(folder)
    missing = [n for n in ("frontier.csv", "frontier_differences.csv", "manifest.json")
               if not (folder / n).is_file()]
    if missing:
        raise HlssimError(f"frontier folder '{folder}': {missing[0]} is missing; expected a "
                          "folder written by 'hlssim frontier'")
    try:
        return (pd.read_csv(folder / "frontier.csv"),
                pd.read_csv(folder / "frontier_differences.csv"),
                json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
    except (ValueError, OSError) as err:
        raise HlssimError(f"frontier folder '{folder}': cannot be read ({err})") from None
