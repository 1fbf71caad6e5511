"""The result store: a folder holding a Parquet dataset of tidy rows and a JSON manifest.

Layout of ``OUT/``::

    manifest.json              the spec as run, hlssim version, start/end times, counts
    results/part-FIRST-LAST.parquet   one file per finished chunk (FIRST, LAST: its run ids)
    trajectories/part-FIRST-LAST.parquet   the same chunk's trajectory rows, if the spec asks

Each part is written under a hidden temporary name and renamed into place, so a reader never sees
half a file (Parquet readers skip names starting with '.'). A chunk's trajectory part is written
before its results part, and the results part marks the chunk done: a trajectory part with no
results part of the same name (a sweep killed between the two) is deleted when the sweep resumes,
and its runs are run again. Resuming reads the run ids already present and runs only the others;
a folder holding another experiment's results is refused.

Stored runs are reused only if the same model made them: the manifest records
:func:`~hlssim.experiments.fingerprint.model_fingerprint` (the rules' code and the parameter catalogue), and
a folder of the same experiment made by a different model (or one that recorded none) has its
parts deleted and its manifest started afresh, with one line on stderr saying so, before its runs
are run again. The results parts go first and the manifest is rewritten last, so a sweep killed
half-way through this still finds the old fingerprint, and clears the rest, when run again.
``pandas.read_parquet(OUT / "results")`` reads everything; :func:`read_results` (and
:func:`read_trajectories`) also sort it.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hlssim.common.files import write_atomic, write_text
from hlssim.errors import HlssimError
from hlssim.experiments.fingerprint import model_fingerprint
from hlssim.experiments.spec import ExperimentSpec

MANIFEST = "manifest.json"
RESULTS = "results"
TRAJECTORIES = "trajectories"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _version() -> str:
    from hlssim.common.version import __version__

    return __version__


class ResultStore:
    """One sweep's output folder. :meth:`open` before writing parts; :meth:`finish` at the end."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.results = self.out / RESULTS
        self.trajectories = self.out / TRAJECTORIES
        self.manifest_path = self.out / MANIFEST
        self.manifest: dict[str, Any] = {}

    def check(self, spec: ExperimentSpec) -> dict[str, Any] | None:
        """Fail (one line) unless the folder is absent, empty, or holds this same experiment.

        Returns the existing manifest, if any. Writes nothing.
        """
        out = self.out
        if out.exists() and not out.is_dir():
            raise HlssimError(f"--out '{out}': exists and is not a folder")
        if not out.exists():
            return None
        if not self.manifest_path.is_file():
            if any(out.iterdir()):
                raise HlssimError(f"--out '{out}': is not empty and holds no {MANIFEST}; expected a "
                                  "new or empty folder, or a sweep's folder to resume")
            return None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise HlssimError(f"--out '{out}': {MANIFEST} cannot be read ({err})") from None
        if manifest.get("spec_digest") != spec.digest():
            raise HlssimError(
                f"--out '{out}': holds results of a different experiment (spec "
                f"{manifest.get('spec_digest')}, this one {spec.digest()}); expected a new folder "
                "or the same spec to resume")
        return manifest

    def open(self, spec: ExperimentSpec, counts: dict[str, int], executor: str) -> set[int]:
        """Prepare the folder, clear half-written parts, record the session; return done run ids.

        Parts made by a different model (see :func:`stale_model`) are deleted first: none is done.
        """
        manifest = self.check(spec)
        fingerprint = model_fingerprint()
        if manifest is not None and manifest.get("model_fingerprint") != fingerprint:
            self._discard_parts(manifest.get("model_fingerprint"), fingerprint)
            manifest = None  # started afresh below, and written only once the parts are gone
        self.results.mkdir(parents=True, exist_ok=True)
        for folder in (self.results, self.trajectories):
            for stale in folder.glob(".part-*"):  # left by a killed writer; never complete
                stale.unlink(missing_ok=True)
        for orphan in self.trajectories.glob("part-*.parquet"):  # its chunk never finished
            if not (self.results / orphan.name).exists():
                orphan.unlink()
        done = self.done_run_ids()
        now = _now()
        self.manifest = manifest or {
            "experiment": spec.name,
            "hlssim_version": _version(),
            "spec_digest": spec.digest(),
            "model_fingerprint": fingerprint,
            "spec": spec.to_dict(),
            "started": now,
            "sessions": [],
        }
        self.manifest.update(status="running", finished=None, hlssim_version=_version(),
                             counts=dict(counts, runs_done=len(done)))
        self.manifest["sessions"].append(
            {"started": now, "finished": None, "executor": executor, "runs_resumed": len(done)})
        self._write_manifest()
        return done

    def _discard_parts(self, recorded: str | None, fingerprint: str) -> None:
        """Delete every part (results first: they mark chunks done), saying so if any existed."""
        parts = [p for folder in (self.results, self.trajectories) if folder.is_dir()
                 for p in sorted(folder.glob("part-*.parquet"))]
        for part in parts:
            part.unlink(missing_ok=True)
        if parts:
            print(f"hlssim: --out '{self.out}': {stale_model(recorded, fingerprint)}; "
                  "running them again", file=sys.stderr, flush=True)

    def done_run_ids(self) -> set[int]:
        """Run ids present in the finished parts."""
        done: set[int] = set()
        for part in sorted(self.results.glob("part-*.parquet")):
            done.update(pd.read_parquet(part, columns=["run_id"])["run_id"].tolist())
        return done

    def write_part(self, rows) -> Path:
        """Write one chunk's rows (a :class:`~hlssim.experiments.runner.ChunkRows`, or a frame of
        summary rows) as part files, atomically: trajectories first, the results part last."""
        results, trajectories = (rows, None) if isinstance(rows, pd.DataFrame) else rows
        ids = results["run_id"]
        name = f"part-{int(ids.min()):09d}-{int(ids.max()):09d}.parquet"
        if trajectories is not None:
            self.trajectories.mkdir(exist_ok=True)
            write_atomic(self.trajectories / name, lambda tmp: trajectories.to_parquet(tmp, index=False))
        path = self.results / name
        write_atomic(path, lambda tmp: results.to_parquet(tmp, index=False))
        return path

    def finish(self, runs_run: int) -> dict[str, Any]:
        """Record the end of this session (complete if every run is present)."""
        parts = sorted(self.results.glob("part-*.parquet"))
        done = self.done_run_ids()
        rows = sum(pd.read_parquet(p, columns=["run_id"]).shape[0] for p in parts)
        now = _now()
        counts = self.manifest["counts"] | {"runs_done": len(done), "parts": len(parts), "rows": rows}
        if self.trajectories.is_dir():
            counts["trajectory_rows"] = sum(pd.read_parquet(p, columns=["run_id"]).shape[0]
                                            for p in sorted(self.trajectories.glob("part-*.parquet")))
        complete = len(done) == counts["runs"]
        self.manifest.update(counts=counts, status="complete" if complete else "incomplete",
                             finished=now if complete else None)
        self.manifest["sessions"][-1].update(finished=now, runs_run=runs_run)
        self._write_manifest()
        return self.manifest

    def _write_manifest(self) -> None:
        write_text(json.dumps(self.manifest, indent=2) + "\n", self.manifest_path)


def stale_model(recorded: str | None, fingerprint: str | None = None) -> str | None:
    """Why runs recorded under model fingerprint ``recorded`` are stale (a phrase), or None if
    they were made by the current model (or by ``fingerprint``, if given)."""
    fingerprint = fingerprint or model_fingerprint()
    if recorded == fingerprint:
        return None
    was = f"fingerprint {recorded}" if recorded else "no fingerprint recorded"
    return f"stored runs were made by a different model ({was}, now {fingerprint})"


def read_results(out: str | Path) -> pd.DataFrame:
    """Every stored row of a sweep folder, sorted by run id then output."""
    results = Path(out) / RESULTS
    if not results.is_dir() or not any(results.glob("part-*.parquet")):
        raise HlssimError(f"'{out}': holds no sweep results (no {RESULTS}/part-*.parquet)")
    table = pd.read_parquet(results)
    return table.sort_values(["run_id", "output"], kind="stable").reset_index(drop=True)


def read_trajectories(out: str | Path) -> pd.DataFrame:
    """Every stored trajectory row of a sweep folder, sorted by run id, output then step."""
    folder = Path(out) / TRAJECTORIES
    if not folder.is_dir() or not any(folder.glob("part-*.parquet")):
        raise HlssimError(f"'{out}': holds no trajectories (no {TRAJECTORIES}/part-*.parquet); "
                          "ask for them with an output \"trajectory\"")
    table = pd.read_parquet(folder)
    return table.sort_values(["run_id", "output", "step"], kind="stable").reset_index(drop=True)


def read_manifest(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
