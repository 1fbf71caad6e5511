"""``hlssim check``: run experiments and judge their expectations; pass/fail, a table, JUnit XML.

Every spec named (a file, or every ``*.toml`` in a folder) is read and validated before any run
starts. Each is then swept into its own folder under ``--out`` (resuming whatever is already
there), its ``[[expect]]`` tables are judged on the stored runs (``expect.py``) and a table is
printed: the expectation, the measured value with its interval, pass or fail. The exit code is 0
when every expectation passes, 1 when any fails, 2 for a bad spec or bad arguments.

``--stability N`` re-runs each spec under N further root seeds and reports, per expectation,
whether the verdict is the same under all of them: an expectation whose verdict depends on the
luck of the seed is a defect of the spec (too few replications), not a finding.
"""

from __future__ import annotations

import dataclasses
import platform
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

from hlssim.common.files import write_text
from hlssim.errors import HlssimError
from hlssim.experiments.expect import Verdict, judge_all
from hlssim.experiments.spec import ExperimentSpec, load_spec
from hlssim.experiments.store import read_results
from hlssim.experiments.sweep import prepare, sweep

DEFAULT_OUT = Path("results") / "check"


@dataclass(frozen=True)
class SpecResult:
    """One spec's run and verdicts."""

    spec: ExperimentSpec
    path: Path
    out: Path
    verdicts: tuple[Verdict, ...]
    seconds: float

    @property
    def failures(self) -> int:
        return sum(not v.passed for v in self.verdicts)


def spec_files(paths: Sequence[str | Path]) -> list[Path]:
    """The spec files named: files as given, folders as their ``*.toml`` files (sorted)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise HlssimError(f"'{path}': a folder with no experiment specs (*.toml)")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise HlssimError(f"'{path}': no such file or folder; expected a spec (.toml) or a "
                              "folder of specs")
    return files


def load_specs(files: Sequence[Path], quick: bool, root_seed: int | None = None
               ) -> list[ExperimentSpec]:
    """Read and validate every spec (its smoke version with ``quick``) before anything runs."""
    specs = []
    for path in files:
        spec = load_spec(path, smoke=quick)
        if root_seed is not None:
            spec = dataclasses.replace(spec, root_seed=root_seed)
        specs.append(spec)
    names = [s.name for s in specs]
    for name in names:
        if names.count(name) > 1:
            raise HlssimError(f"spec name '{name}': used by more than one spec; expected each "
                              "spec's name (or file stem) to be unique")
    return specs


def out_folder(root: Path, spec: ExperimentSpec, seed_suffix: bool = False) -> Path:
    """Where a spec's runs are kept: one folder per spec, size and (for stability) root seed."""
    name = spec.name + ("-quick" if spec.is_smoke else "")
    return root / (f"{name}-seed{spec.root_seed}" if seed_suffix else name)


def run_and_judge(spec: ExperimentSpec, path: Path, out: Path, workers: int = 0,
                  scheduler: str | None = None, progress: bool = False) -> SpecResult:
    """Sweep ``spec`` into ``out`` (resuming) and judge its expectations on what is stored.

    A spec with no expectations has nothing to judge and is not run (``hlssim sweep`` runs it).
    """
    start = time.perf_counter()
    if not spec.expectations:
        return SpecResult(spec, path, out, (), 0.0)
    sweep(spec, out, workers=workers, scheduler=scheduler, progress=progress)
    verdicts = tuple(judge_all(spec, read_results(out)))
    return SpecResult(spec, path, out, verdicts, time.perf_counter() - start)


def check(paths: Sequence[str | Path], quick: bool = False, out: str | Path = DEFAULT_OUT,
          workers: int = 0, scheduler: str | None = None, root_seed: int | None = None,
          progress: bool = False) -> list[SpecResult]:
    """Run and judge every spec under ``paths``; bad specs fail before any run starts."""
    files = spec_files(paths)
    specs = load_specs(files, quick, root_seed)
    if not any(s.expectations for s in specs):
        shown = ", ".join(str(f) for f in files[:3]) + (", ..." if len(files) > 3 else "")
        raise HlssimError(f"{shown}: no [[expect]] tables, so nothing to judge; expected a spec "
                          "with expectations (hlssim sweep runs a spec without them)")
    folders = [out_folder(Path(out), s, seed_suffix=root_seed is not None) for s in specs]
    for spec, folder in zip(specs, folders):
        prepare(spec, folder)  # a folder holding another experiment fails now, not half-way
    return [run_and_judge(s, f, o, workers, scheduler, progress)
            for s, f, o in zip(specs, files, folders)]


# --- presenting ---------------------------------------------------------------------------------

def verdict_table(results: Sequence[SpecResult]) -> str:
    """The printed table: one row per expectation."""
    rows = []
    for r in results:
        if not r.verdicts:
            rows.append([r.spec.name, "(no expectations: not run)", "", "-"])
        for v in r.verdicts:
            rows.append([r.spec.name, v.expectation.title, v.detail, "pass" if v.passed else "FAIL"])
    return tabulate(rows, headers=["experiment", "expectation", "measured", "verdict"],
                    tablefmt="simple", maxcolwidths=[18, 60, 60, 7])


def junit_xml(results: Sequence[SpecResult]) -> str:
    """JUnit XML: one testsuite per spec, one testcase per expectation, a failure if it failed."""
    tests = sum(len(r.verdicts) for r in results)
    failures = sum(r.failures for r in results)
    root = ET.Element("testsuites", name="hlssim check", tests=str(tests), failures=str(failures),
                      errors="0", time=f"{sum(r.seconds for r in results):.3f}")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=r.spec.name, tests=str(len(r.verdicts)),
                              failures=str(r.failures), errors="0", skipped="0",
                              time=f"{r.seconds:.3f}", timestamp=stamp,
                              hostname=platform.node() or "localhost", file=str(r.path))
        props = ET.SubElement(suite, "properties")
        for name, value in (("root_seed", r.spec.root_seed), ("quick", r.spec.is_smoke),
                            ("replications", r.spec.replications), ("engine", r.spec.engine),
                            ("results", r.out)):
            ET.SubElement(props, "property", name=name, value=str(value))
        for v in r.verdicts:
            case = ET.SubElement(suite, "testcase", classname=f"experiments.{r.spec.name}",
                                 name=v.expectation.title, time="0")
            if not v.passed:
                failure = ET.SubElement(case, "failure", type="ExpectationNotMet",
                                        message=f"measured {v.detail}")
                failure.text = (f"{v.expectation.title}\nmeasured: {v.detail}\n"
                                f"results: {r.out}")
            else:
                ET.SubElement(case, "system-out").text = f"measured: {v.detail}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(results: Sequence[SpecResult], path: str | Path) -> None:
    write_text(junit_xml(results), Path(path))


def stability(paths: Sequence[str | Path], seeds: Sequence[int], quick: bool, out: str | Path,
              workers: int = 0, scheduler: str | None = None) -> tuple[str, bool]:
    """Judge every expectation under each root seed (the same seeds for every spec, in place of
    the specs' own); a table, and whether every verdict agrees across the seeds."""
    runs = [check(paths, quick, out, workers, scheduler, root_seed=seed) for seed in seeds]
    rows, stable = [], True
    for i, first in enumerate(runs[0]):
        for j, verdict in enumerate(first.verdicts):
            marks = ["pass" if run[i].verdicts[j].passed else "FAIL" for run in runs]
            same = len(set(marks)) == 1
            stable &= same
            rows.append([first.spec.name, verdict.expectation.title,
                         f"{marks.count('pass')}/{len(marks)} pass",
                         "stable" if same else "FLAKY"])
    table = tabulate(rows, headers=["experiment", "expectation", f"over {len(seeds)} root seeds",
                                    "verdict"], tablefmt="simple", maxcolwidths=[18, 70, 20, 7])
    return table, stable


