"""A sweep from start to end: spec -> design -> store (resume) -> runner -> parts + manifest.

>>> import tempfile
>>> from hlssim.experiments import parse_spec
>>> spec = parse_spec({"base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 2},
...                    "factors": {"complexity": [0.2, 0.8]}, "outputs": {"gaming_share": "final"}})
>>> with tempfile.TemporaryDirectory() as out:
...     summary = sweep(spec, out)
...     rows = read_results(out)
>>> summary["counts"]["runs_done"], list(rows.columns)
(2, ['run_id', 'point', 'replicate', 'seed', 'complexity', 'output', 'value'])
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hlssim.experiments.design import expand
from hlssim.experiments.runner import Progress, default_chunk_runs, execute, make_chunks, task_for
from hlssim.experiments.spec import ExperimentSpec
from hlssim.experiments.store import ResultStore, read_results

__all__ = ["prepare", "read_results", "sweep"]


def prepare(spec: ExperimentSpec, out: str | Path):
    """Expand the spec and check the output folder: everything that can fail before any run."""
    design = expand(spec)
    store = ResultStore(out)
    store.check(spec)
    return design, store


def sweep(spec: ExperimentSpec, out: str | Path, *, workers: int = 0, scheduler: str | None = None,
          chunk_runs: int | None = None, progress: Callable[[int], None] | bool = False,
          ) -> dict[str, Any]:
    """Run every run of ``spec`` not yet stored in ``out``; return the manifest.

    ``workers=0`` runs serially here; ``workers=N`` on a local Dask cluster of N processes;
    ``scheduler='tcp://HOST:PORT'`` on an existing Dask cluster. ``progress=True`` prints a
    progress line on stderr (or pass a callable taking the number of runs just finished).
    """
    design, store = prepare(spec, out)
    executor = scheduler or (f"local:{workers}" if workers else "serial")
    counts = {"points": len(design.points), "replications": spec.replications, "runs": len(design.runs)}
    done = store.open(spec, counts, executor)
    todo = [r.run_id for r in design.runs if r.run_id not in done]
    size = chunk_runs or default_chunk_runs(len(todo), workers or (4 if scheduler else 1),
                                             spec.replications)
    chunks = make_chunks(design, todo, size)
    if progress is True:
        progress = Progress(len(design.runs), done=len(done))
    execute(chunks, task_for(design), store.write_part, workers=workers, scheduler=scheduler,
            progress=progress or None)
    return store.finish(runs_run=len(todo))
