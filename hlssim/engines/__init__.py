"""Engines: each turns a scenario and a seed into the same table of metrics.

* :mod:`.mesa`: the agent model as Mesa agents (the reference, readable engine);
* :mod:`.batch`: the same rules over arrays, many replications at once, compiled;
* :mod:`.hybrid`: the agent model coupled to the stock-flow model's macro context;
* :mod:`.registry`: ``run``/``run_many`` and the engine names.

Imports: :mod:`hlssim.model`, :mod:`hlssim.stockflow` (the hybrid), :mod:`hlssim.common`,
:mod:`hlssim.errors` (``tests/test_layers.py``).
"""

from hlssim.engines.registry import (
    DEFAULT_ENGINE,
    ENGINES,
    check_seed,
    replication_threads,
    run,
    run_many,
    run_many_metrics,
)

__all__ = ["DEFAULT_ENGINE", "ENGINES", "check_seed", "replication_threads", "run", "run_many",
           "run_many_metrics"]


def __getattr__(name: str):
    # ``hlssim.engines`` was the registry module until 0.2: its other names still work, with a warning
    from hlssim._compat import forward

    return forward(__name__, name)
