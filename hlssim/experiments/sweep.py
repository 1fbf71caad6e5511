"""A sweep from start to end: spec -> design -> store (resume) -> runner -> parts + manifest.

>>> import tempfile
>>> from hlssim.experiments import parse_spec
>>> spec = parse_spec({"base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 2},
...                    "factors": {"complexity": [0.2, 0.8]}, "outputs": {"gaming_share": "final"}})
>>> with tempfile.TemporaryDirectory() as out:
...     summary = sweep(spec, out)
...     rows = read_results(out)
>>> summary["counts"]["runs_done"], list(rows.columns)
(2, ['run_id', 'point', 'sample', 'replicate', 'seed', 'complexity', 'output', 'metric', 'stat', 'value'])
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hlssim.experiments.design import expand
from hlssim.experiments.provenance import provenance
from hlssim.experiments.runner import (
    Progress,
    connect,
    default_chunk_runs,
    execute,
    make_chunks,
    task_for,
    worker_count,
)
from hlssim.experiments.spec import ExperimentSpec
from hlssim.experiments.store import ResultStore, read_results, stale_reason

__all__ = ["prepare", "read_results", "sweep"]


def prepare(spec: ExperimentSpec, out: str | Path, restart: bool = False,
            on_stale: str = "rerun"):
    """Expand the spec and check the output folder: everything that can fail before any run
    (with ``on_stale="refuse"``, a folder whose runs another model made, too)."""
    design = expand(spec)
    store = ResultStore(out)
    manifest = store.check(spec, restart=restart)
    if manifest is not None and on_stale == "refuse" and not restart:
        why = stale_reason(manifest, provenance(design))
        if why:
            store.refuse(why)
    return design, store


def sweep(spec: ExperimentSpec, out: str | Path, *, workers: int = 0, scheduler: str | None = None,
          chunk_runs: int | None = None, progress: Callable[[int], None] | bool = False,
          on_stale: str = "rerun", restart: bool = False) -> dict[str, Any]:
    """Run every run of ``spec`` not yet stored in ``out``; return the manifest.

    ``workers=0`` runs serially here; ``workers=N`` on a local Dask cluster of N processes;
    ``scheduler='tcp://HOST:PORT'`` on an existing Dask cluster (connected to before anything is
    written, so an unreachable one leaves no folder behind). ``progress=True`` prints a progress
    line on stderr (or pass a callable taking the number of runs just finished). Stored runs of
    another model are run again (``on_stale="rerun"``) or refused (``"refuse"``); ``restart``
    deletes every stored run first. Ctrl-C or an error marks the folder ``interrupted``.
    """
    design, store = prepare(spec, out, restart, on_stale)
    record = provenance(design)
    executor = scheduler or (f"local:{workers}" if workers else "serial")
    counts = {"points": len(design.points), "replications": spec.replications, "runs": len(design.runs)}
    client, cluster = connect(0, scheduler) if scheduler else (None, None)  # fails before writing
    try:
        done = store.open(spec, counts, executor, record, on_stale=on_stale, restart=restart)
        todo = [r.run_id for r in design.runs if r.run_id not in done]
        n_workers = worker_count(client) if client is not None else workers or 1
        size = chunk_runs or default_chunk_runs(len(design.runs), n_workers, spec.replications)
        chunks = make_chunks(design, todo, size)
        if progress is True:
            if done:
                print(f"resumed: {len(done)} runs were already stored", file=sys.stderr, flush=True)
            progress = Progress(len(design.runs), done=len(done))
        try:
            execute(chunks, task_for(design), store.write_part, workers=workers,
                    progress=progress or None, client=client)
        except BaseException:
            store.interrupted()
            raise
        return store.finish(runs_run=len(todo))
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
