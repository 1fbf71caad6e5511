"""Dask's news that a sweep's user should hear, each in one line: a worker lost.

Kept apart from :mod:`~hlssim.experiments.runner` so that Dask is imported only by sweeps that
use it; the scheduler plugin's class must be importable where the scheduler runs (a cluster
started by hand has hlssim installed on it, as its workers need).
"""

from __future__ import annotations

import sys
from typing import TextIO

from distributed.diagnostics.plugin import SchedulerPlugin

#: The scheduler's event topic on which :class:`WorkerLossNotice` reports a lost worker.
LOST_TOPIC = "hlssim-worker-lost"


class WorkerLossNotice(SchedulerPlugin):
    """A scheduler plugin that logs an event when a worker leaves the cluster (killed, crashed
    or out of memory); the client prints one line for it (:func:`watch_workers`). Dask re-runs
    the lost worker's unfinished tasks on the others, so no run is lost or run twice in the
    results: a chunk's rows are written once, when its task finishes."""

    name = "hlssim-worker-loss"
    #: Registered once per scheduler: a later sweep on the same cluster reuses it (without this,
    #: Dask warns "Scheduler already contains a plugin ...; overwriting").
    idempotent = True

    def remove_worker(self, scheduler, worker, *args, **kwargs):
        scheduler.log_event(LOST_TOPIC, {"worker": str(worker)})


def watch_workers(client, stream: TextIO | None = None) -> bool:
    """Print one line on ``stream`` (stderr) whenever a worker of ``client``'s cluster is lost;
    False if the scheduler would not take the plugin (the sweep runs on regardless)."""
    out = stream if stream is not None else sys.stderr

    def notice(event) -> None:
        _, info = event
        print(f"\nhlssim: a Dask worker was lost ({info.get('worker')}); its unfinished runs "
              "are being run again on the other workers", file=out, flush=True)

    try:
        client.register_plugin(WorkerLossNotice())
        client.subscribe_topic(LOST_TOPIC, notice)
    except Exception:  # noqa: BLE001 - a notice only; an old or locked-down scheduler
        return False
    return True
