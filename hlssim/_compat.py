"""Old import paths, kept working for one release with a ``DeprecationWarning``.

Until 0.2 the package's modules sat side by side (``hlssim.batch``, ``hlssim.rules``,
``hlssim.sd``...). They now live in subpackages by layer (``docs/architecture.md``). A user's
``import hlssim.rules`` or ``from hlssim.compare import compare`` still works: the finder below,
installed on ``import hlssim``, answers an old name with the module at its new path (the same
module object, not a copy) and warns once per old name. Remove in 0.3.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: Old module path -> new module path.
OLD_PATHS: dict[str, str] = {
    "hlssim.tables": "hlssim.common.files",
    "hlssim.stats": "hlssim.common.stats",
    "hlssim.stepping": "hlssim.common.progress",
    "hlssim.parameters": "hlssim.model.parameters",
    "hlssim.scenario": "hlssim.model.scenario",
    "hlssim.rules": "hlssim.model.rules",
    "hlssim.draws": "hlssim.model.draws",
    "hlssim.metrics": "hlssim.model.metrics",
    "hlssim.cases": "hlssim.model.cases",
    "hlssim.abm.agents": "hlssim.engines.mesa.agents",
    "hlssim.abm.model": "hlssim.engines.mesa.model",
    "hlssim.abm": "hlssim.engines.mesa",
    "hlssim.batch": "hlssim.engines.batch.model",
    "hlssim.kernels": "hlssim.engines.batch.kernels",
    "hlssim.hybrid": "hlssim.engines.hybrid",
    "hlssim.sd": "hlssim.stockflow.commissioning",
    "hlssim.sd_batch": "hlssim.stockflow.integrator",
    "hlssim.sd_xmile": "hlssim.stockflow.xmile",
    "hlssim.cld": "hlssim.stockflow.loops",
    "hlssim.external": "hlssim.stockflow.user_model",
    "hlssim.external_batch": "hlssim.stockflow.user_batch",
    "hlssim.sd_agreement": "hlssim.validation.agreement",
    "hlssim.compare": "hlssim.experiments.comparison",
    "hlssim.fingerprint": "hlssim.experiments.fingerprint",
    "hlssim.experiments.analyze": "hlssim.experiments.analysis.analyze",
    "hlssim.experiments.sensitivity": "hlssim.experiments.analysis.sensitivity",
    "hlssim.experiments.discovery": "hlssim.experiments.analysis.discovery",
    "hlssim.experiments.report": "hlssim.experiments.analysis.report",
    "hlssim.validation_sobol": "hlssim.validation.crossover",
    "hlssim.calibrate": "hlssim.validation.calibrate",
    "hlssim.plots": "hlssim.figures.report_figures",
    "hlssim.charts": "hlssim.figures.explorer_charts",
    "hlssim.cli": "hlssim.ui.cli",
    "hlssim.narrative": "hlssim.ui.narrative",
    "hlssim.explorer": "hlssim.ui.explorer",
    "hlssim.sweep_browser": "hlssim.ui.sweep_browser",
    "hlssim.loop_diagram": "hlssim.ui.loop_diagram",
}
#: Old module paths that are now packages whose ``__init__`` forwards the old module's names.
FORWARDED = {"hlssim.engines": "hlssim.engines.registry", "hlssim.validation": "hlssim.validation.facts"}


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str):
        self.new = new

    def create_module(self, spec):
        return importlib.import_module(self.new)

    def exec_module(self, module) -> None:  # already executed at its new path
        pass


class OldPathFinder(importlib.abc.MetaPathFinder):
    """Finds ``hlssim``'s old module paths (:data:`OLD_PATHS`) and hands out the moved module."""

    def find_spec(self, fullname, path=None, target=None):
        new = OLD_PATHS.get(fullname)
        if new is None:
            return None
        warnings.warn(f"{fullname} is deprecated and will be removed in hlssim 0.3: import {new}",
                      DeprecationWarning, stacklevel=2)
        return importlib.util.spec_from_loader(fullname, _Alias(new))


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, OldPathFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, OldPathFinder())


def forward(package: str, name: str):
    """``package.name`` for an old module that became ``package`` (see :data:`FORWARDED`): the
    name from the module it moved to, with a ``DeprecationWarning``."""
    new = FORWARDED[package]
    if name.startswith("__"):
        raise AttributeError(name)
    module = importlib.import_module(new)
    try:
        value = getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
    warnings.warn(f"{package}.{name} is deprecated and will be removed in hlssim 0.3: use "
                  f"{new}.{name}", DeprecationWarning, stacklevel=3)
    return value
