"""``hlssim validate``: the stylized-facts suite; does the model reproduce what the evidence says?

Each fact is one experiment spec in ``experiments/facts/NN_name.toml`` (the format of
``experiments/README.md``) with its ``[[expect]]`` tables as the fact's statistical test, plus a
``[fact]`` table that this module reads and removes before the rest is read as a spec::

    [fact]
    title = "Targets raise the measured indicator on simple, measurable tasks"
    source = "Propper et al. 2010; Bevan and Hamblin 2009"
    claim = "At low complexity, NPM's reported indicator is clearly above a no-target control."
    reproduced = "... the 95% Welch interval lies above 0."   # what counts as reproduced, in words
    setting = "npm_targets preset; control: ..."             # the setting, in words
    ablation = {mech_focus = false}      # the mechanism the pattern depends on, switched off
    boundary = "complexity"              # optional: a factor to re-judge the expectations along
    figure = {x = "complexity", output = "reported_indicator"}
    kind = "literature"                  # or "hypothesis": the model's own, not a reproduced fact
    by_assumption = "rules.X ..."        # optional: the rule the pattern follows from by construction
    [fact.magnitude]                     # optional: the source's figure and a band around it
    ...                                  # (hlssim/validation/magnitude.py)

A fact *holds* when every one of its expectations passes, and is *reproduced* when it holds and,
where it carries a ``[fact.magnitude]``, the model's figure lies in the band around the source's
(judged on size as well as direction). Only a literature fact that is not by assumption *counts*:
a pattern that follows from one rule by construction (``by_assumption`` names the rule) is an
assumption, not a finding, and the complexity crossover (``kind = "hypothesis"``) is the model's
own hypothesis, formalising qualitative sources, not a fact reproduced from them. Every fact is also run as its
*ablation*: the same spec with the ``ablation`` settings added to ``[base]``; the fact should then
fail, and the report says whether it did. ``boundary`` names a factor the spec varies: each
expectation that pins that factor (in ``where`` or a contrast's terms) is judged again at every
level of it, on the same runs, to show where the pattern stops holding. Model parameters are the
defaults and the presets throughout: nothing is tuned per fact, so one set of defaults serves the
whole table, and a fact the model fails stays in the table as failed.

``validate()`` reads and checks every fact before anything runs, sweeps each spec and its ablation
into ``out`` (resuming whatever is stored), and writes the report (``VALIDATION.md``) with one
figure per fact in a folder beside it, each file atomically. ``--quick`` uses each spec's
``[smoke]`` size (what CI runs).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hlssim.errors import HlssimError
from hlssim.experiments.expect import Expectation, Verdict, judge_all
from hlssim.experiments.spec import ExperimentSpec, SpecError, parse_spec
from hlssim.experiments.store import read_manifest, read_results
from hlssim.experiments.sweep import prepare, sweep
from hlssim.model.scenario import read_toml
from hlssim.validation.fact_report import boundary_text, check_report_path, write_report
from hlssim.validation.magnitude import Magnitude, MagnitudeSpec, measure, parse_magnitude

FACTS_DIR = Path(__file__).resolve().parents[2] / "experiments" / "facts"
DEFAULT_OUT = Path("results") / "validation"
DEFAULT_REPORT = Path("VALIDATION.md")
_REQUIRED = ("title", "source", "claim", "reproduced", "setting", "ablation", "figure")
_OPTIONAL = ("boundary", "kind", "by_assumption", "magnitude")
KINDS = ("literature", "hypothesis")


@dataclass(frozen=True)
class Fact:
    """One stylized fact: its words, its spec (full or quick) and the spec of its ablation."""

    path: Path
    title: str
    source: str
    claim: str
    reproduced: str
    setting: str
    ablation: Mapping[str, Any]
    figure_x: str
    figure_output: str
    spec: ExperimentSpec
    ablated: ExperimentSpec
    boundary: str | None = None
    kind: str = "literature"
    by_assumption: str | None = None
    magnitude: MagnitudeSpec | None = None

    @property
    def counts(self) -> bool:
        """Whether the fact can count as reproduced: from the literature and not by assumption."""
        return self.kind == "literature" and self.by_assumption is None

    @property
    def key(self) -> str:
        """The file's stem (``01_targets_raise_indicator``): the fact's number and name."""
        return self.path.stem


@dataclass(frozen=True)
class BoundaryPoint:
    """The fact's expectations judged again at one level of the boundary factor."""

    level: Any
    verdicts: tuple[Verdict, ...]

    @property
    def holds(self) -> bool:
        return all(v.passed for v in self.verdicts)


@dataclass(frozen=True)
class FactResult:
    """A fact's verdicts, its ablation's verdicts, its boundary and its stored runs."""

    fact: Fact
    verdicts: tuple[Verdict, ...]
    ablation_verdicts: tuple[Verdict, ...]
    boundary: tuple[BoundaryPoint, ...]
    results: pd.DataFrame
    ablation_results: pd.DataFrame
    seconds: float
    magnitude: Magnitude | None = None  # the model's figure against the source's, if it has one
    run_seconds: float = 0.0  # the sweeps' own time (fact and ablation), from their manifests
    runs: int = 0  # runs stored (fact and ablation)

    @property
    def holds(self) -> bool:
        """Every test passes (the direction, and whatever else the tests ask)."""
        return all(v.passed for v in self.verdicts)

    @property
    def size_ok(self) -> bool:
        """The model's figure lies in the band around the source's (True with no magnitude)."""
        if self.fact.magnitude is None:
            return True
        return self.magnitude is not None and self.magnitude.in_band

    @property
    def reproduced(self) -> bool:
        """The tests pass and the size is in the band: whatever the fact's kind."""
        return self.holds and self.size_ok

    @property
    def counts(self) -> bool:
        """Reproduced, and a literature fact that is not by assumption."""
        return self.reproduced and self.fact.counts

    @property
    def status(self) -> str:
        """One phrase: reproduced, direction only, not reproduced, by assumption, hypothesis."""
        if self.fact.kind == "hypothesis":
            return "model hypothesis: " + ("holds" if self.holds else "does not hold")
        if self.fact.by_assumption is not None:
            return "by assumption (" + ("holds" if self.holds else "does not hold") + ")"
        if self.reproduced:
            return "reproduced"
        return "direction only: size outside the band" if self.holds else "not reproduced"

    @property
    def ablation_reproduced(self) -> bool:
        return all(v.passed for v in self.ablation_verdicts)

    @property
    def ablation_breaks(self) -> int:
        """Tests that pass with the mechanism on and fail with it off: what the ablation shows."""
        return sum(v.passed and not a.passed for v, a in zip(self.verdicts, self.ablation_verdicts))


# --- reading ------------------------------------------------------------------------------------

def fact_files(folder: str | Path = FACTS_DIR) -> list[Path]:
    """The fact specs in ``folder``, in file-name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise HlssimError(f"--facts '{folder}': no such folder; expected a folder of fact specs (*.toml)")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise HlssimError(f"--facts '{folder}': a folder with no fact specs (*.toml)")
    return files


def load_fact(path: str | Path, quick: bool = False, root_seed: int | None = None) -> Fact:
    """Read one fact spec; its spec and its ablation's, quick (``[smoke]``) or full size."""
    path = Path(path)
    source = f"fact '{path}'"
    raw = dict(read_toml(path, source, SpecError))
    table = raw.pop("fact", None)
    if not isinstance(table, Mapping):
        raise SpecError(f"{source}: fact: missing; expected a [fact] table ({', '.join(_REQUIRED)})")
    for key in table:
        if key not in _REQUIRED + _OPTIONAL:
            raise SpecError(f"{source}: fact.{key}: not a setting of a fact; expected one of "
                            f"{', '.join(_REQUIRED + _OPTIONAL)}")
    for key in _REQUIRED:
        if key not in table:
            raise SpecError(f"{source}: fact.{key}: missing; expected it in the [fact] table")
    for key in ("title", "source", "claim", "reproduced", "setting"):
        if not isinstance(table[key], str) or not table[key].strip():
            raise SpecError(f"{source}: fact.{key}: {table[key]!r} is not allowed; expected text")
    ablation = table["ablation"]
    if not isinstance(ablation, Mapping) or not ablation:
        raise SpecError(f"{source}: fact.ablation: {ablation!r} is not allowed; expected a table of "
                        "settings that switch the fact's mechanism off, e.g. {mech_focus = false}")
    spec = parse_spec(raw, source=source, name=path.stem)
    if not spec.expectations:
        raise SpecError(f"{source}: expect: none; expected [[expect]] tables (the fact's test)")
    ablated_raw = copy.deepcopy(raw)
    ablated_raw["base"] = dict(ablated_raw.get("base", {})) | dict(ablation)
    ablated_raw["name"] = spec.name + "_ablation"
    ablated = parse_spec(ablated_raw, source=f"{source}: fact.ablation", name=path.stem)
    factors = {f.name: f for f in spec.factors}
    boundary = table.get("boundary")
    if boundary is not None and (boundary not in factors or factors[boundary].levels is None):
        raise SpecError(f"{source}: fact.boundary: {boundary!r} is not allowed; expected a factor "
                        f"with levels ({', '.join(n for n, f in factors.items() if f.levels)})")
    figure = table["figure"]
    outputs = [o.name for o in spec.outputs]
    if not isinstance(figure, Mapping) or figure.get("x") not in factors:
        raise SpecError(f"{source}: fact.figure: {figure!r} is not allowed; expected "
                        f"{{x = FACTOR, output = OUTPUT}} with x one of {', '.join(factors)}")
    matches = [o for o in outputs if o == figure.get("output") or o.split(":")[0] == figure.get("output")]
    if len(matches) != 1:
        raise SpecError(f"{source}: fact.figure.output: {figure.get('output')!r} is not allowed; "
                        f"expected one of the spec's outputs: {', '.join(outputs)}")
    kind = table.get("kind", "literature")
    if kind not in KINDS:
        raise SpecError(f"{source}: fact.kind: {kind!r} is not allowed; expected one of {', '.join(KINDS)}")
    by_assumption = table.get("by_assumption")
    if by_assumption is not None and (not isinstance(by_assumption, str) or not by_assumption.strip()):
        raise SpecError(f"{source}: fact.by_assumption: {by_assumption!r} is not allowed; expected "
                        "text naming the rule the pattern follows from")
    magnitude = (parse_magnitude(table["magnitude"], spec, source) if "magnitude" in table
                 else None)
    if quick:
        spec, ablated = spec.for_smoke(), ablated.for_smoke()
    if root_seed is not None:
        spec = dataclasses.replace(spec, root_seed=root_seed)
        ablated = dataclasses.replace(ablated, root_seed=root_seed)
    return Fact(path=path, title=table["title"].strip(), source=table["source"].strip(),
                claim=table["claim"].strip(), reproduced=" ".join(table["reproduced"].split()),
                setting=table["setting"].strip(), ablation=dict(ablation),
                figure_x=figure["x"], figure_output=matches[0], spec=spec, ablated=ablated,
                boundary=boundary, kind=kind,
                by_assumption=" ".join(by_assumption.split()) if by_assumption else None,
                magnitude=magnitude)


def load_facts(folder: str | Path = FACTS_DIR, quick: bool = False, root_seed: int | None = None
               ) -> list[Fact]:
    """Every fact in ``folder``, all read and checked before anything runs."""
    facts = [load_fact(p, quick, root_seed) for p in fact_files(folder)]
    names = [f.spec.name for f in facts]
    for name in names:
        if names.count(name) > 1:
            raise HlssimError(f"fact spec name '{name}': used by more than one fact; expected unique names")
    return facts


# --- running and judging ------------------------------------------------------------------------

def _folder(out: Path, spec: ExperimentSpec, seed_suffix: bool) -> Path:
    name = spec.name + ("-quick" if spec.is_smoke else "")
    return out / (f"{name}-seed{spec.root_seed}" if seed_suffix else name)


def _at_level(e: Expectation, factor: str, level: Any) -> Expectation | None:
    """``e`` with ``factor`` pinned to ``level`` wherever it pins it; None if it never does."""
    pins = factor in e.where or any(factor in cell for _, _, cell in e.terms)
    if not pins:
        return None
    return dataclasses.replace(
        e, where={**e.where, factor: level} if factor in e.where else e.where,
        terms=tuple((w, o, {**cell, factor: level} if factor in cell else cell) for w, o, cell in e.terms))


def boundary_points(fact: Fact, results: pd.DataFrame) -> tuple[BoundaryPoint, ...]:
    """The fact's expectations judged at each level of its boundary factor (same runs)."""
    if fact.boundary is None:
        return ()
    factor = next(f for f in fact.spec.factors if f.name == fact.boundary)
    points = []
    for level in factor.levels:
        moved = [_at_level(e, fact.boundary, level) for e in fact.spec.expectations]
        verdicts = tuple(e.judge(results, fact.spec.root_seed) for e in moved if e is not None)
        if verdicts:
            points.append(BoundaryPoint(level, verdicts))
    return tuple(points)


def run_fact(fact: Fact, out: str | Path, workers: int = 0, seed_suffix: bool = False,
             progress: bool = False) -> FactResult:
    """Sweep the fact and its ablation (resuming what is stored) and judge both."""
    start = time.perf_counter()
    out = Path(out)
    folder, ablation_folder = (_folder(out, s, seed_suffix) for s in (fact.spec, fact.ablated))
    sweep(fact.spec, folder, workers=workers, progress=progress)
    sweep(fact.ablated, ablation_folder, workers=workers, progress=progress)
    results, ablation_results = read_results(folder), read_results(ablation_folder)
    run_seconds = _sweep_time(folder) + _sweep_time(ablation_folder)
    runs = results["run_id"].nunique() + ablation_results["run_id"].nunique()
    return FactResult(
        fact=fact, verdicts=tuple(judge_all(fact.spec, results)),
        ablation_verdicts=tuple(judge_all(fact.ablated, ablation_results)),
        boundary=boundary_points(fact, results), results=results,
        ablation_results=ablation_results, seconds=time.perf_counter() - start,
        magnitude=measure(fact.magnitude, fact.spec, results) if fact.magnitude else None,
        run_seconds=run_seconds, runs=runs)


def _sweep_time(folder: Path) -> float:
    """Seconds the folder's runs took: its manifest's sessions that ran anything, summed (so a
    report re-made from stored runs still gives the time the runs took)."""
    total = 0.0
    for session in read_manifest(folder).get("sessions", []):
        if session.get("runs_run") and session.get("finished"):
            total += (datetime.fromisoformat(session["finished"])
                      - datetime.fromisoformat(session["started"])).total_seconds()
    return total


def run_facts(facts: Sequence[Fact], out: str | Path = DEFAULT_OUT, workers: int = 0,
              seed_suffix: bool = False, progress: bool = False) -> list[FactResult]:
    """Run every fact; every results folder is checked before the first run starts."""
    out = Path(out)
    for fact in facts:
        for spec in (fact.spec, fact.ablated):
            prepare(spec, _folder(out, spec, seed_suffix))
    return [run_fact(f, out, workers, seed_suffix, progress) for f in facts]


# --- the report ---------------------------------------------------------------------------------


def validate(facts: str | Path = FACTS_DIR, quick: bool = False, out: str | Path = DEFAULT_OUT,
             report: str | Path | None = DEFAULT_REPORT, workers: int = 0,
             root_seed: int | None = None, progress: bool = False,
             crossover_sobol: int = 0, plausible: bool = False) -> list[FactResult]:
    """Run the suite and (unless ``report`` is None) write the report and its figures.

    ``plausible`` adds the whole plausible space (``plausible.py``: its full form, or with
    ``quick`` its small form). ``crossover_sobol = N`` (a power of 2) adds Sobol indices of the NPM/HLS crossing over the
    uncertain parameters (``validation_sobol.py``; base N, 4 replications, the quick world)."""
    start = time.perf_counter()
    if crossover_sobol and (crossover_sobol < 2 or crossover_sobol & (crossover_sobol - 1)):
        raise HlssimError(f"--crossover-sobol {crossover_sobol}: expected 0 (none) or a power of 2 "
                          "from 2 (the Saltelli base sample size)")
    if report is not None:
        check_report_path(report)
    loaded = load_facts(facts, quick, root_seed)
    results = run_facts(loaded, out, workers, seed_suffix=root_seed is not None, progress=progress)
    sobol = None
    if crossover_sobol:
        from hlssim.validation.crossover import SOBOL_WORLD
        from hlssim.validation.crossover import crossover_sobol as run_sobol

        sobol = run_sobol(crossover_sobol, replications=4, world=SOBOL_WORLD, progress=progress)
    space = None
    if plausible and report is not None:
        from hlssim.validation.plausible import FULL, QUICK, plausible_space

        space = plausible_space(QUICK if quick else FULL, Path(out) / "plausible", workers, progress)
    if report is not None:
        write_report(results, report, quick, time.perf_counter() - start, sobol, space)
    return results


def stability(facts: str | Path, seeds: Sequence[int], quick: bool, out: str | Path,
              workers: int = 0) -> tuple[list[list[Any]], bool]:
    """Every fact's and ablation's verdicts under each root seed: rows, and whether all agree."""
    runs = [validate(facts, quick, out, None, workers, root_seed=seed) for seed in seeds]
    rows, stable = [], True
    for i, first in enumerate(runs[0]):
        for what, pick in (("the fact is reproduced", lambda r: r.reproduced),
                           ("the fact is reproduced [ablation]", lambda r: r.ablation_reproduced)):
            marks = [pick(run[i]) for run in runs]
            same = len(set(marks)) == 1
            stable &= same
            rows.append([first.fact.key, what, f"{sum(marks)}/{len(marks)} yes",
                         "stable" if same else "FLAKY"])
        for j, v in enumerate(first.verdicts):
            for what, pick in (("", lambda r: r.verdicts), (" [ablation]", lambda r: r.ablation_verdicts)):
                marks = [pick(run[i])[j].passed for run in runs]
                same = len(set(marks)) == 1
                stable &= same
                rows.append([first.fact.key, v.expectation.title + what,
                             f"{sum(marks)}/{len(marks)} pass", "stable" if same else "FLAKY"])
    return rows, stable


__all__ = ["Fact", "FactResult", "boundary_points", "boundary_text", "fact_files", "load_fact",
           "load_facts", "run_facts", "validate", "write_report"]
