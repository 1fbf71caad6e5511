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

Stored runs are reused only if the same model made them: the manifest records the provenance
of its runs (:mod:`~hlssim.experiments.provenance`: the model fingerprint, the values the presets
resolved to, the spec as written, git commit, library versions, command line, platform) and every
part carries it in its Parquet metadata (key ``hlssim``). A folder of the same experiment made by
a different model (another fingerprint, none recorded, or presets that resolved to other values)
is refused in one line (``on_stale="refuse"``, what ``hlssim sweep`` does unless ``--restart``),
or has its parts deleted and its manifest started afresh, with one line on stderr saying so
(``on_stale="rerun"``: ``check`` and ``validate``, whose folders are caches), before its runs are
run again. The results parts go first and the manifest is rewritten last, so a sweep killed
half-way through this still finds the old fingerprint, and clears the rest, when run again.

The status is true after any ending: ``running`` while a session runs (its process id and host
recorded), ``interrupted`` when it stopped on an exception or Ctrl-C, ``incomplete``/``complete``
at its end; a reader (:func:`true_status`) turns a ``running`` left by a killed process into
``interrupted``. A session that ran nothing keeps the finish time of the one that finished.
``pandas.read_parquet(OUT / "results")`` reads everything; :func:`read_results` (and
:func:`read_trajectories`) also sort it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hlssim.common.files import check_folder, write_atomic, write_text
from hlssim.errors import HlssimError
from hlssim.experiments.fingerprint import model_fingerprint
from hlssim.experiments.provenance import part_metadata
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

    def check(self, spec: ExperimentSpec, restart: bool = False) -> dict[str, Any] | None:
        """Fail (one line) unless the folder is absent, empty, or holds this same experiment
        (with ``restart``: any sweep's folder, to be started afresh).

        Returns the existing manifest, if any. Writes nothing.
        """
        out = self.out
        if out.exists() and not out.is_dir():
            raise HlssimError(f"--out '{out}': exists and is not a folder")
        if not out.exists():
            check_folder(out)  # can be made (and is not, yet)
            return None
        if not os.access(out, os.W_OK | os.X_OK):
            raise HlssimError(f"--out '{out}': is not writable")
        if not self.manifest_path.is_file():
            if any(out.iterdir()):
                raise HlssimError(f"--out '{out}': is not empty and holds no {MANIFEST}; expected a "
                                  "new or empty folder, or a sweep's folder to resume")
            return None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise HlssimError(f"--out '{out}': {MANIFEST} cannot be read ({err})") from None
        if not isinstance(manifest, dict):
            raise HlssimError(f"--out '{out}': {MANIFEST} is not a sweep's manifest")
        if manifest.get("spec_digest") != spec.digest() and not restart:
            raise HlssimError(
                f"--out '{out}': holds results of a different experiment (spec "
                f"{manifest.get('spec_digest')}, this one {spec.digest()}); expected a new folder, "
                "the same spec to resume, or --restart to replace them")
        return manifest

    def open(self, spec: ExperimentSpec, counts: dict[str, int], executor: str,
             record: dict[str, Any] | None = None, *, on_stale: str = "rerun",
             restart: bool = False) -> set[int]:
        """Prepare the folder, clear half-written parts, record the session; return done run ids.

        ``record`` is the session's :func:`~hlssim.experiments.provenance.provenance`. Parts made
        by a different model (see :func:`stale_reason`) are refused (``on_stale="refuse"``) or
        deleted first (``"rerun"``); ``restart`` deletes every part whatever made it.
        """
        if on_stale not in ("refuse", "rerun"):
            raise ValueError(f"on_stale {on_stale!r}: expected 'refuse' or 'rerun'")
        manifest = self.check(spec, restart=restart)
        record = record or {"model_fingerprint": model_fingerprint()}
        fingerprint = record["model_fingerprint"]
        if manifest is not None:
            why = "" if restart else stale_reason(manifest, record)
            if why and on_stale == "refuse":
                self.refuse(why)
            if restart or why:
                self._discard_parts(why)
                manifest = None  # started afresh below, and written only once the parts are gone
        done = self.done_run_ids()  # a corrupt part fails here, before anything is written
        self.results.mkdir(parents=True, exist_ok=True)
        for folder in (self.results, self.trajectories):
            for stale in folder.glob(".part-*"):  # left by a killed writer; never complete
                stale.unlink(missing_ok=True)
        for orphan in self.trajectories.glob("part-*.parquet"):  # its chunk never finished
            if not (self.results / orphan.name).exists():
                orphan.unlink()
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
        self.previous_finished = self.manifest.get("finished")
        self.manifest.update({k: v for k, v in record.items() if k != "environment"})
        self.manifest.update(status="running", finished=None, hlssim_version=_version(),
                             counts=dict(counts, runs_done=len(done)))
        self.manifest["sessions"].append(
            {"started": now, "finished": None, "executor": executor, "runs_resumed": len(done),
             "pid": os.getpid(), "host": socket.gethostname(),
             "environment": record.get("environment")})
        self.metadata = part_metadata(record | {"session": len(self.manifest["sessions"]) - 1})
        self.stored_run_ids = set(done)  # and every run written since (write_part)
        self._write_manifest()
        return done

    def refuse(self, why: str) -> None:
        """Refuse to resume runs another model made, in one line."""
        raise HlssimError(f"--out '{self.out}': {why}; expected the same model and presets to "
                          "resume, or --restart to run them all again")

    def _discard_parts(self, why: str) -> None:
        """Delete every part (results first: they mark chunks done), saying so if any existed."""
        parts = [p for folder in (self.results, self.trajectories) if folder.is_dir()
                 for p in sorted(folder.glob("part-*.parquet"))]
        for part in parts:
            part.unlink(missing_ok=True)
        if parts:
            print(f"hlssim: --out '{self.out}': {why or 'starting afresh (--restart)'}; "
                  "running them again", file=sys.stderr, flush=True)

    def done_run_ids(self) -> set[int]:
        """Run ids present in the finished parts (one line naming a part that cannot be read)."""
        done: set[int] = set()
        for part in sorted(self.results.glob("part-*.parquet")):
            done.update(read_part(part, ["run_id"])["run_id"].tolist())
        return done

    def write_part(self, rows) -> Path:
        """Write one chunk's rows (a :class:`~hlssim.experiments.runner.ChunkRows`, or a frame of
        summary rows) as part files, atomically: trajectories first, the results part last. Each
        carries the session's provenance in its Parquet metadata."""
        results, trajectories = (rows, None) if isinstance(rows, (pd.DataFrame, pa.Table)) else rows
        ids = np.asarray(results["run_id"])
        name = f"part-{int(ids.min()):09d}-{int(ids.max()):09d}.parquet"
        metadata = getattr(self, "metadata", None) or part_metadata(
            {"model_fingerprint": model_fingerprint()})
        if trajectories is not None:
            self.trajectories.mkdir(exist_ok=True)
            write_atomic(self.trajectories / name, lambda tmp: write_parquet(trajectories, tmp, metadata))
        path = self.results / name
        write_atomic(path, lambda tmp: write_parquet(results, tmp, metadata))
        if hasattr(self, "stored_run_ids"):
            self.stored_run_ids.update(ids.tolist())
        return path

    def stored_counts(self, runs_done: int | None = None) -> dict[str, int]:
        """What the parts hold: runs done (read from the parts unless given), parts, rows (and
        trajectory rows if any; both from the parts' footers)."""
        parts = sorted(self.results.glob("part-*.parquet"))
        runs_done = len(self.done_run_ids()) if runs_done is None else runs_done
        counts = {"runs_done": runs_done, "parts": len(parts),
                  "rows": sum(pq.read_metadata(p).num_rows for p in parts)}
        if self.trajectories.is_dir():
            counts["trajectory_rows"] = sum(pq.read_metadata(p).num_rows
                                            for p in sorted(self.trajectories.glob("part-*.parquet")))
        return counts

    def finish(self, runs_run: int) -> dict[str, Any]:
        """Record the end of this session (complete if every run is present). A session that ran
        nothing on a complete folder keeps the earlier finish time."""
        now = _now()
        # the runs found at the start and every run written since: reading each part's run ids
        # back would keep the workers of a sweep's next session (or the user) waiting
        counts = self.manifest["counts"] | self.stored_counts(len(self.stored_run_ids))
        complete = counts["runs_done"] == counts["runs"]
        finished = (self.previous_finished if complete and runs_run == 0 and self.previous_finished
                    else now)
        self.manifest.update(counts=counts, status="complete" if complete else "incomplete",
                             finished=finished if complete else None)
        self.manifest["sessions"][-1].update(finished=now, runs_run=runs_run)
        self._write_manifest()
        return self.manifest

    def interrupted(self) -> None:
        """Record that this session stopped early (Ctrl-C, an error): status ``interrupted``,
        and the counts of what is stored. Never raises: the first error is the one to report."""
        try:
            counts = self.manifest["counts"] | self.stored_counts()
            session = self.manifest["sessions"][-1]
            self.manifest.update(counts=counts, status="interrupted", finished=None)
            session.update(finished=_now(), interrupted=True,
                           runs_run=counts["runs_done"] - session["runs_resumed"])
            self._write_manifest()
        except Exception:  # noqa: BLE001 - the original error matters more than this record
            pass

    def _write_manifest(self) -> None:
        write_text(json.dumps(self.manifest, indent=2) + "\n", self.manifest_path)


def write_parquet(table: pd.DataFrame | pa.Table, path: Path, metadata: dict[bytes, bytes]) -> None:
    """Write a frame (as ``to_parquet(index=False)`` does) or an Arrow table as Parquet, with
    ``metadata`` added to its schema's key/value metadata."""
    arrow = table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata((arrow.schema.metadata or {}) | metadata)
    pq.write_table(arrow, path)


def read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """One part file; one line naming it (and what to do) if it cannot be read."""
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, pa.ArrowException) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise HlssimError(f"'{path.parent.parent}': cannot be read as a sweep ({path.parent.name}/"
                          f"{path.name}: {reason}); delete that part and run the sweep again to "
                          "remake its runs") from None


def part_provenance(path: Path) -> dict[str, Any] | None:
    """The provenance a part's Parquet metadata records (None if it records none)."""
    raw = (pq.read_schema(path).metadata or {}).get(b"hlssim")
    return json.loads(raw) if raw else None


def stale_reason(manifest: dict[str, Any], record: dict[str, Any]) -> str:
    """Why the runs a manifest records cannot be resumed by the session ``record`` describes
    ('' if they can): another model fingerprint, or presets that resolved to other values."""
    why = stale_model(manifest.get("model_fingerprint"), record["model_fingerprint"])
    if why:
        return why
    layout = record.get("row_layout")
    stored = manifest.get("row_layout", 1)
    if layout is not None and stored != layout:
        from hlssim.experiments.runner import LAYOUT_LACKED

        lacked = LAYOUT_LACKED.get(stored)
        return ("stored rows are in an older layout" + (f" ({lacked})" if lacked else "")
                if stored < layout else f"stored rows are in another layout ({stored})")
    before, now = manifest.get("resolved"), record.get("resolved")
    if before is None or now is None or before == now:
        return ""
    for regime in sorted(set(before) | set(now)):
        old, new = before.get(regime, {}), now.get(regime, {})
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                return (f"stored runs were made with {regime}'s {name} = {old.get(name)!r}, now "
                        f"{new.get(name)!r}")
    return "stored runs were made with other regimes"


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
    table = read_dataset(results)
    return table.sort_values(["run_id", "output"], kind="stable").reset_index(drop=True)


def read_trajectories(out: str | Path) -> pd.DataFrame:
    """Every stored trajectory row of a sweep folder, sorted by run id, output then step."""
    folder = Path(out) / TRAJECTORIES
    if not folder.is_dir() or not any(folder.glob("part-*.parquet")):
        raise HlssimError(f"'{out}': holds no trajectories (no {TRAJECTORIES}/part-*.parquet); "
                          "ask for them with an output \"trajectory\"")
    table = read_dataset(folder)
    return table.sort_values(["run_id", "output", "step"], kind="stable").reset_index(drop=True)


def read_dataset(folder: Path) -> pd.DataFrame:
    """Every part of a folder as one frame; a part that cannot be read is named in one line."""
    try:
        return pd.read_parquet(folder)
    except (OSError, ValueError, pa.ArrowException):
        for part in sorted(folder.glob("part-*.parquet")):
            read_part(part)  # raises, naming the part
        raise


def true_status(manifest: dict[str, Any], runs_done: int) -> str:
    """The status of a folder from what it stores: ``complete`` when every run is there;
    ``interrupted`` for a ``running`` one whose session's process is gone (killed, even by
    ``kill -9``, which no handler sees); otherwise the status the manifest records."""
    runs = (manifest.get("counts") or {}).get("runs")
    if runs is not None and runs_done >= runs:
        return "complete"
    status = manifest.get("status") or "incomplete"
    if status == "complete":  # runs are missing: parts were deleted since
        return "incomplete"
    if status == "running":
        session = (manifest.get("sessions") or [{}])[-1]
        if session.get("host") == socket.gethostname() and not _alive(session.get("pid")):
            return "interrupted"
    return status


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def read_manifest(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
