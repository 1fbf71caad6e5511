"""hlssim: simulate target-driven (NPM) and learning-led (HLS) commissioning of public services.

>>> import hlssim
>>> table = hlssim.run(hlssim.Scenario.from_preset("npm_targets", steps=2, n_people=30, n_workers=4), seed=7)
>>> table.shape[0]
2

Sweeps from Python: ``hlssim.sweep(spec_or_dict, out=..., workers=...)`` returns a DataFrame, one
row per run (``hlssim/experiments/api.py``); ``hlssim.analyze(folder)`` its sensitivity indices
and scenario discovery.
"""

from hlssim import _compat
from hlssim.common.version import __version__
from hlssim.engines.registry import ENGINES, run, run_many
from hlssim.errors import HlssimError, ScenarioError
from hlssim.model.metrics import METRIC_NAMES, METRICS, PUBLIC_METRICS
from hlssim.model.parameters import PARAMETERS
from hlssim.model.scenario import Scenario, preset_names

#: Public names imported on first use (the sweep machinery, pyarrow and scipy cost a second or
#: more to import, which ``import hlssim`` and ``hlssim --help`` should not pay).
_LAZY = {"sweep": "hlssim.experiments.api", "analyze": "hlssim.experiments.api"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hlssim' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


_compat.install()  # old module paths (hlssim.batch, hlssim.rules...) keep working, with a warning

__all__ = [
    "ENGINES",
    "HlssimError",
    "METRICS",
    "METRIC_NAMES",
    "PARAMETERS",
    "PUBLIC_METRICS",
    "Scenario",
    "ScenarioError",
    "__version__",
    "analyze",
    "preset_names",
    "run",
    "run_many",
    "sweep",
]
