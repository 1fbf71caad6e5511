"""Running a design's runs in chunks: serially in this process, or on Dask distributed.

A chunk is a list of whole design points (or a slice of one point's replicates) that one task
runs and turns into tidy rows (:func:`run_chunk`): one per run and summary output, and, if the
spec asks for trajectories, one per run, trajectory output and step. With the batch engine the replicates of a point
run in one vectorised pass (:func:`hlssim.engines.registry.run_many_metrics`), whose replication ``r`` equals
``run(scenario, seed_r)``, so a run's rows depend only on its scenario and seed: never on the
chunking, the number of workers or the order in which chunks finish.

Only this module knows about parallelism; it hands each finished chunk's rows to a callback (the
store writes them) and never touches files.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TextIO

import numpy as np
import pandas as pd

from hlssim.engines.registry import run, run_many_metrics
from hlssim.errors import HlssimError
from hlssim.experiments.design import Design, Run
from hlssim.experiments.spec import Output
from hlssim.model.metrics import METRIC_NAMES
from hlssim.model.scenario import Scenario

#: Leading columns of every result row; the run's factor values follow, then ``output`` (the
#: spec's name, ``metric:stat``), ``metric``, ``stat`` (the two parts, stored so a reader need not
#: split strings), ``value`` (trajectory rows: ``output``, ``metric``, ``stat`` = "trajectory",
#: ``step``, ``value``). ``sample``: see :class:`~.design.Run`.
ID_COLUMNS = ("run_id", "point", "sample", "replicate", "seed")
#: The layout of stored rows, recorded in the manifest: 2 added ``sample``, 3 ``metric`` and
#: ``stat``. A folder written in another layout is not resumed (its parts and new ones would not
#: read as one table).
ROW_LAYOUT = 3
#: What each older layout lacked, for the message that says why such a folder is rerun.
LAYOUT_LACKED = {1: "no sample column", 2: "no metric and stat columns"}
_DTYPES = {float: "float64", int: "int64", bool: "bool", str: "str"}
_NUMPY_DTYPES = {float: np.float64, int: np.int64, bool: np.bool_, str: object}
#: Dask settings of the local cluster ``--workers N`` starts. With no dashboard there is no use
#: for the workers' statistical profiler (it samples every thread every 10 ms), and the event
#: loops' health checks need not wake every 20 ms (tick), 500 ms (system monitor) and 100 ms
#: (memory monitor): an idle 2-worker cluster used 12% of a core with Dask's defaults (2.4% a
#: worker, 7.2% the scheduler in the client's process) and 1.5% with these, CPU that a sweep's
#: runs on a 2-core machine had to share. The same settings, as environment variables
#: (``DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=1s`` ...), quieten a cluster started by hand.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
#: How long to try to reach a ``--scheduler`` before giving up.
CONNECT_TIMEOUT = "10s"


@dataclass(frozen=True)
class ChunkItem:
    """Some runs of one design point."""

    point: int
    scenario: Scenario
    values: dict[str, Any]
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Chunk:
    """The unit of work of one task: runs of one or more design points."""

    items: tuple[ChunkItem, ...]

    @property
    def run_ids(self) -> list[int]:
        return [r.run_id for item in self.items for r in item.runs]

    @property
    def n_runs(self) -> int:
        return sum(len(item.runs) for item in self.items)


@dataclass(frozen=True)
class Task:
    """What every chunk needs besides its runs: the engine, the outputs and the column types."""

    engine: str
    outputs: tuple[Output, ...]
    factor_types: tuple[tuple[str, type], ...]  # (factor name, kind), sorted by name
    model: str | None = None  # a user's Vensim/XMILE model (hlssim/stockflow/user_model.py), run by PySD


def task_for(design: Design) -> Task:
    spec = design.spec
    return Task(spec.engine, spec.outputs, tuple((f.name, f.kind) for f in spec.columns),
                spec.model)


class ChunkRows(NamedTuple):
    """What a chunk produces: summary rows, and trajectory rows if any output is a trajectory
    (pandas frames from :func:`run_chunk`, Arrow tables from :func:`run_chunk_tables`)."""

    results: Any
    trajectories: Any = None


#: The share of a sweep's runs that a crash may lose: the runs in flight, one chunk per worker.
LOSS_SHARE = 0.02
#: The smallest chunk (below it a chunk's Dask round trip and Parquet part cost more than its
#: runs), and the largest (a chunk's rows, trajectories included, are held in memory).
MIN_CHUNK, MAX_CHUNK = 16, 4096


def default_chunk_runs(n_runs: int, workers: int, replications: int = 1) -> int:
    """Runs per chunk: ``LOSS_SHARE`` of the runs shared among the workers, so that a crash,
    which loses the chunks in flight (one per worker), loses at most 2% of the work; that is 50
    chunks, so 50 Parquet parts, per worker, read back in a fraction of a second (100 parts of the
    4,608-run Sobol sweep: 0.05 s). Rounded down to whole design points (a point's replicates
    run in one vectorised pass with the batch engine); at least ``MIN_CHUNK`` runs, so a small
    sweep is not all overhead (it then loses more than 2%, of a sweep that takes seconds), and at
    most ``MAX_CHUNK``.

    Chunks this small cost little: a chunk's round trip, its rows and its Parquet part cost the
    sweep's own process (the local scheduler included) a few per cent of the chunk's runs' CPU
    time, and the last chunks leave a worker idle for at most one chunk's time, under 2% of the
    sweep (``benchmarks/bench_sweep_sobol.py`` measures both).

    >>> default_chunk_runs(4608, 2, 2), default_chunk_runs(100_000, 2, 2), default_chunk_runs(64, 2)
    (46, 1000, 16)
    """
    share = max(MIN_CHUNK, min(MAX_CHUNK, int(LOSS_SHARE * n_runs / max(1, workers))))
    if replications > 1 and share >= replications:
        share -= share % replications
    return max(1, min(n_runs, share))


def worker_count(client, default: int = 4) -> int:
    """The worker threads of the cluster a client is connected to (``default`` if none yet)."""
    try:
        workers = client.scheduler_info()["workers"].values()
        return sum(int(w.get("nthreads", 1)) for w in workers) or default
    except Exception:  # noqa: BLE001 - an estimate for chunk sizes only
        return default


def make_chunks(design: Design, todo: Iterable[int] | None = None, chunk_runs: int = 64) -> list[Chunk]:
    """Group the runs still to do (``todo``: run ids; all if None) into chunks, in design order.

    A point's runs stay together unless they are more than ``chunk_runs``; consecutive points share
    a chunk while it holds at most ``chunk_runs`` runs.
    """
    wanted = None if todo is None else set(todo)
    reps = design.spec.replications
    chunks: list[Chunk] = []
    current: list[ChunkItem] = []
    size = 0
    for p, (scenario, values) in enumerate(zip(design.scenarios, design.points)):
        runs = [r for r in design.runs[p * reps:(p + 1) * reps] if wanted is None or r.run_id in wanted]
        for start in range(0, len(runs), chunk_runs):
            piece = tuple(runs[start:start + chunk_runs])
            if current and size + len(piece) > chunk_runs:
                chunks.append(Chunk(tuple(current)))
                current, size = [], 0
            current.append(ChunkItem(p, scenario, values, piece))
            size += len(piece)
    if current:
        chunks.append(Chunk(tuple(current)))
    return chunks


def run_chunk(chunk: Chunk, task: Task) -> ChunkRows:
    """Run every run of a chunk; return its tidy rows (one per run and output, in run order) and,
    if asked for, its trajectory rows (one per run, output and step), as pandas frames."""
    tables = run_chunk_tables(chunk, task)
    return ChunkRows(*(None if t is None else t.to_pandas() for t in tables))


def run_chunk_tables(chunk: Chunk, task: Task) -> ChunkRows:
    """:func:`run_chunk`'s rows as Arrow tables, in the schema (pandas metadata included) that
    writing the frames would give, so parts read back as before. What a sweep's workers return:
    built straight from the values' arrays, the rows cost the worker a fraction of what a pandas
    frame does, and the writer (the sweep's own process, sharing the cores with the workers)
    converts nothing (``benchmarks/bench_sweep_sobol.py``)."""
    summaries = [o for o in task.outputs if not o.is_trajectory]
    trajectories = [o for o in task.outputs if o.is_trajectory]
    ids: dict[str, list[int]] = {c: [] for c in ID_COLUMNS}
    factors: dict[str, list[Any]] = {name: [] for name, _ in task.factor_types}
    values: list[float] = []
    path_steps: list[np.ndarray] = []
    path_values: list[np.ndarray] = []
    if task.model is not None:
        model_tables = user_model_tables(chunk, task.model)
    for j, item in enumerate(chunk.items):
        seeds = [r.seed for r in item.runs]
        if task.model is not None:
            tables = model_tables[j]
        elif task.engine == "batch":
            steps = item.scenario.steps
            first = min((o.first_step_read(steps) for o in task.outputs), default=1)
            tables = per_replication(run_many_metrics(item.scenario, seeds, from_step=first))
        else:
            tables = [run(item.scenario, seed, engine=task.engine) for seed in seeds]
        for r, table in zip(item.runs, tables):
            for key, value in zip(ID_COLUMNS, (r.run_id, r.point, r.sample, r.replicate, r.seed)):
                ids[key].append(value)
            for name, _ in task.factor_types:
                factors[name].append(item.values[name])
            values.extend(out.value(np.asarray(table[out.metric])) for out in summaries)
            if trajectories:
                path_steps.append(np.asarray(table["step"]))
                path_values.append(np.concatenate(
                    [np.asarray(table[o.metric], dtype=float) for o in trajectories]))
    per_run = [len(summaries)] * len(ids["run_id"])
    results = _rows_table(task, ids, factors, per_run, [[o.name for o in summaries]] * len(per_run),
                          [[o.metric for o in summaries]] * len(per_run),
                          [stat_of(o) for o in summaries] * len(per_run), None,
                          np.asarray(values, dtype=np.float64))
    if not trajectories:
        return ChunkRows(results)
    per_run = [len(steps) * len(trajectories) for steps in path_steps]
    names = [np.repeat([o.name for o in trajectories], len(steps)).tolist() for steps in path_steps]
    metrics = [np.repeat([o.metric for o in trajectories], len(steps)).tolist() for steps in path_steps]
    paths = _rows_table(task, ids, factors, per_run, names, metrics, ["trajectory"] * sum(per_run),
                        np.concatenate([np.tile(steps, len(trajectories)) for steps in path_steps]),
                        np.concatenate(path_values))
    return ChunkRows(results, paths)


def _rows_table(task: Task, ids: Mapping[str, list[int]], factors: Mapping[str, list[Any]],
                per_run: list[int], outputs: list[list[str]], metrics: list[list[str]],
                stats: list[str], steps: np.ndarray | None, values: np.ndarray):
    """One table of rows: each run's ids and factor values repeated over its ``per_run`` rows,
    then the rows' own columns (``outputs`` and ``metrics`` listed per run)."""
    import pyarrow as pa

    schema = _rows_schema(task.factor_types, steps is not None)
    counts = np.asarray(per_run, dtype=np.int64)
    columns = [np.repeat(np.asarray(ids[c], dtype=np.int64), counts) for c in ID_COLUMNS]
    for name, kind in task.factor_types:
        column = np.repeat(np.asarray(factors[name], dtype=_NUMPY_DTYPES[kind]), counts)
        columns.append(column.tolist() if kind is str else column)
    columns += [[x for run_rows in outputs for x in run_rows],
                [x for run_rows in metrics for x in run_rows], stats]
    if steps is not None:
        columns.append(np.asarray(steps, dtype=np.int64))
    columns.append(values)
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema)],
                                schema=schema)


@functools.lru_cache(maxsize=64)
def _rows_schema(factor_types: tuple[tuple[str, type], ...], trajectory: bool):
    """The Arrow schema of a chunk's rows (trajectory rows have ``step``), with the pandas
    metadata :meth:`pyarrow.Table.from_pandas` gives the same rows as a frame."""
    import pyarrow as pa

    types = ({c: "int64" for c in ID_COLUMNS} | {n: _DTYPES[k] for n, k in factor_types}
             | {"output": "str", "metric": "str", "stat": "str"}
             | ({"step": "int64"} if trajectory else {}) | {"value": "float64"})
    empty = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in types.items()})
    return pa.Schema.from_pandas(empty, preserve_index=False)


def stat_of(out: Output) -> str:
    """The statistic part of an output's name (``mean_last_12`` of ``wellbeing_mean:mean_last_12``)."""
    return out.name[len(out.metric) + 1:]


def user_model_tables(chunk: Chunk, model: str) -> list[list[pd.DataFrame]]:
    """A user's model's tables for a chunk, one list per item, one table per run: a deterministic
    model's points in one batched pass where exact (a point's table serving every replicate), a
    stochastic model run once per run, seeded from the run's own seed
    (:func:`hlssim.stockflow.user_batch.run_points`)."""
    from hlssim.stockflow.user_batch import run_points

    return run_points(model, [item.scenario for item in chunk.items],
                      [[r.seed for r in item.runs] for item in chunk.items])


def per_replication(values: np.ndarray) -> list[Mapping[str, np.ndarray]]:
    """``run_many_metrics``'s array (replications, steps, metrics) as one ``{column: values}``
    per replication (a ``step`` column and one per metric), each a view: no copies, no table."""
    steps = np.arange(1, values.shape[1] + 1, dtype=np.int64)
    return [{"step": steps} | {name: values[r, :, k] for k, name in enumerate(METRIC_NAMES)}
            for r in range(values.shape[0])]


# --- executing ------------------------------------------------------------------------------------

class Progress:
    """A progress line on stderr: runs done, rate and time left (rewritten in place on a terminal,
    otherwise printed at most every ``every`` seconds and at the end)."""

    def __init__(self, total: int, done: int = 0, label: str = "sweep", stream: TextIO | None = None,
                 every: float = 2.0):
        self.total, self.done, self.label, self.every = total, done, label, every
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.start_done = done
        self.last = -math.inf

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        elapsed = now - self.start
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        line = (f"{self.label}: {self.done}/{self.total} runs, {rate:.1f} runs/s, "
                f"{left:.0f} s left" if not math.isnan(left) else f"{self.label}: {self.done}/{self.total} runs")
        finished = self.done >= self.total
        if self.stream.isatty():
            print("\r" + line, end="\n" if finished else "", file=self.stream, flush=True)
        elif finished or now - self.last >= self.every:
            print(line, file=self.stream, flush=True)
            self.last = now


def connect(workers: int = 0, scheduler: str | None = None):
    """The Dask client (and the local cluster it owns, or None) that :func:`execute` runs on:
    ``(None, None)`` serially. Connecting first lets a sweep fail on an unreachable
    ``--scheduler`` before it writes anything."""
    if scheduler is None and workers == 0:
        return None, None
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT), None
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise HlssimError(f"--scheduler '{scheduler}': cannot connect ({reason}); expected "
                              "the address of a running Dask scheduler, tcp://HOST:PORT") from None
    import dask

    # dashboard_address=None still serves the scheduler's health routes on port 8787, warning
    # "Port 8787 is already in use" when another cluster has it: a free port instead, no dashboard.
    with dask.config.set(LOCAL_CLUSTER_CONFIG), _workers_ignore_ctrl_c():
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR,
                               scheduler_kwargs={"dashboard_address": ":0"})
    return Client(cluster), cluster


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Ignore SIGINT while the local workers start, so that they inherit that: Ctrl-C in a
    terminal reaches every process of its group, and each worker printed a 20-line traceback.
    This process still gets it, stops the sweep in one line and closes the workers itself."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def execute(chunks: Sequence[Chunk], task: Task, on_chunk: Callable[[ChunkRows], None], *,
            workers: int = 0, scheduler: str | None = None,
            progress: Callable[[int], None] | None = None, client=None) -> None:
    """Run every chunk and call ``on_chunk(rows)`` as each finishes (in the calling process).

    ``workers=0`` and no ``scheduler``: serially, here. ``workers=N``: on a new
    ``distributed.LocalCluster`` of N single-threaded worker processes. ``scheduler``: on the
    existing Dask cluster at that address (``tcp://HOST:PORT``), whose workers must have the same
    hlssim installed. ``client``: on that Dask client (from :func:`connect`; left open).
    """
    if not chunks:
        return
    cluster = None
    if client is None:
        if scheduler is None and workers == 0:
            for chunk in chunks:
                on_chunk(run_chunk_tables(chunk, task))
                if progress:
                    progress(chunk.n_runs)
            return
        client, cluster = connect(workers, scheduler)
        owned = True
    else:
        owned = False
    from distributed import as_completed

    from hlssim.experiments.dask_notices import LOST_TOPIC, watch_workers

    watching = watch_workers(client)
    try:
        futures = [client.submit(run_chunk_tables, chunk, task, pure=False) for chunk in chunks]
        sizes = {f.key: c.n_runs for f, c in zip(futures, chunks)}
        for future in as_completed(futures):
            rows = future.result()
            on_chunk(rows)
            if progress:
                progress(sizes[future.key])
            future.release()
    finally:
        if watching:
            client.unsubscribe_topic(LOST_TOPIC)  # before closing: a closing cluster's workers leave
        if owned:
            client.close()
            if cluster is not None:
                cluster.close()
