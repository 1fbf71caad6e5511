"""Experiments: declarative sweep specs, their expansion into runs, runners and a result store.

The flow is one way (see ``ARCHITECTURE.md``)::

    spec.py    experiments/*.toml -> ExperimentSpec (validated before any run starts)
    design.py  ExperimentSpec -> Design: points x replicates, each run with an id and a seed
    runner.py  Design -> rows, serially or on Dask distributed (same rows either way)
    store.py   rows -> Parquet parts written atomically + manifest.json; resume skips done runs
               (trajectories, if asked for, in a second dataset beside the results)

>>> from hlssim.experiments import expand, parse_spec
>>> spec = parse_spec({"base": {"n_people": 40, "n_workers": 4, "steps": 3},
...                    "factors": {"complexity": [0.2, 0.8]}, "replications": 2,
...                    "outputs": {"wellbeing_mean": "final"}})
>>> [(r.run_id, r.point, r.replicate) for r in expand(spec).runs]  # sweep(spec, "out/") runs them
[(0, 0, 0), (1, 0, 1), (2, 1, 0), (3, 1, 1)]
"""

from hlssim.experiments.design import Design, Run, expand, run_seed
from hlssim.experiments.spec import ExperimentSpec, SpecError, load_spec, parse_spec
from hlssim.experiments.store import read_results, read_trajectories
from hlssim.experiments.sweep import sweep

__all__ = [
    "Design",
    "ExperimentSpec",
    "Run",
    "SpecError",
    "expand",
    "load_spec",
    "parse_spec",
    "read_results",
    "read_trajectories",
    "run_seed",
    "sweep",
]
