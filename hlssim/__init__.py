"""hlssim: simulate target-driven (NPM) and learning-led (HLS) commissioning of public services.

>>> import hlssim
>>> table = hlssim.run(hlssim.Scenario.from_preset("npm_targets", steps=2, n_people=30, n_workers=4), seed=7)
>>> table.shape[0]
2
"""

from hlssim import _compat
from hlssim.common.version import __version__
from hlssim.engines.registry import ENGINES, run, run_many
from hlssim.errors import HlssimError, ScenarioError
from hlssim.model.metrics import METRIC_NAMES, METRICS, PUBLIC_METRICS
from hlssim.model.parameters import PARAMETERS
from hlssim.model.scenario import Scenario, preset_names

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
    "preset_names",
    "run",
    "run_many",
]
