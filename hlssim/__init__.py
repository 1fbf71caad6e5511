"""hlssim: simulate target-driven (NPM) and learning-led (HLS) commissioning of public services.

>>> import hlssim
>>> table = hlssim.run(hlssim.Scenario.from_preset("npm_targets", steps=2, n_people=30, n_workers=4), seed=7)
>>> table.shape[0]
2
"""

from hlssim.engines import ENGINES, run, run_many
from hlssim.errors import HlssimError, ScenarioError
from hlssim.metrics import METRIC_NAMES, METRICS, PUBLIC_METRICS
from hlssim.parameters import PARAMETERS
from hlssim.scenario import Scenario, preset_names

__version__ = "0.1.0"

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
