"""A fingerprint of the model: the code and data that decide what a run's results are.

Stored runs (``hlssim sweep``/``check``/``validate --out``) are reused only when they were made by
the same model. An experiment's spec digest says *what* was asked; it cannot say whether the rules
that answered have changed since, and ``__version__`` does not change when they do. So the result
store records :func:`model_fingerprint` in its manifest and runs everything again when it differs
(see ``hlssim/experiments/store.py``).

The fingerprint is a sha256 (its first 16 hex digits) over, in order of relative path, each
file's relative path and bytes:

* the package modules that decide a run's numbers: the rules, draws and metrics, both engines
  (the batch engine and its compiled kernels, the Mesa model and its agents), the engine
  dispatch and stepping, the parameter catalogue, scenarios and cases (how presets and cases are
  resolved), the hybrid model, and the experiment code that turns a spec into stored values
  (design: points and seeds; runner: rows; spec: each output's statistic);
* the code that runs a user's own stock-flow model (``spec.model``: ``model_spec.py`` and
  ``stockflow/``: ``user_model.py``, ``user_batch.py``, ``abstract_batch.py``, ``batch_functions.py``,
  ``commissioning.py``, ``integrator.py``). Such a spec's digest
  already includes the model file's hash; one fingerprint for both kinds of spec keeps the rule
  simple, at the cost of rerunning preset sweeps when only the stock-flow runner changed (a
  needless rerun, never a wrong reuse);
* every file under ``models/presets/`` and ``models/cases/``, found where the package finds them
  (:func:`hlssim.model.scenario.models_dir`, which ``HLSSIM_MODELS_DIR`` moves), hashed under the path
  ``models/...`` so the fingerprint does not depend on where the folder lives.

Library versions are left out on purpose: results are meant to be identical across them (the
draws are built to be). Any edit to a covered file, even a comment, changes the fingerprint: a
needless rerun costs time, a wrongly reused run costs a wrong answer. The modules a run imports
but that cannot change what is stored are listed in :data:`NOT_RESULTS`; a test keeps the two
lists covering every module the runner imports. Nothing here imports
numba (:mod:`hlssim.model.compiled` keeps its own stamp for numba's cache); hashing the files takes milliseconds
and is done once per process for a given models folder.

>>> len(model_fingerprint()), model_fingerprint() == model_fingerprint()
(16, True)
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

#: The package folder whose modules are hashed (a test may point it at a copy).
PACKAGE = Path(__file__).resolve().parent.parent

#: The modules hashed, relative to :data:`PACKAGE`.
SOURCES: tuple[str, ...] = (
    # the model: its rules, draws, metrics, parameters, scenarios and cases
    "model/rules.py", "model/draws.py", "model/stream.py", "model/compiled.py", "model/metrics.py",
    "model/parameters.py", "model/scenario.py", "model/cases.py", "model/regime.py",
    "model/state.py", "model/costs.py", "model/plausible_ranges.py",
    # the engines and how runs are stepped
    "engines/registry.py", "engines/hybrid.py", "engines/mesa/agents.py", "engines/mesa/model.py",
    "engines/batch/model.py", "engines/batch/kernels.py", "engines/batch/organisation.py",
    "engines/batch/arguments.py", "common/progress.py",
    # a spec turned into stored values
    "experiments/design.py", "experiments/runner.py", "experiments/spec.py",
    "experiments/spec_fields.py",
    "experiments/model_spec.py",
    # a user's own stock-flow model, and the project's
    "stockflow/user_model.py", "stockflow/user_batch.py", "stockflow/pysd_support.py",
    "stockflow/commissioning.py",
    "stockflow/integrator.py", "stockflow/abstract_batch.py", "stockflow/batch_functions.py",
)

#: Modules a run imports that cannot change its stored values: re-exports, error classes, and the
#: judging of expectations, which ``check`` redoes on the stored rows every time.
NOT_RESULTS: tuple[str, ...] = (
    "__init__.py", "_compat.py", "errors.py", "engines/__init__.py", "engines/mesa/__init__.py",
    "engines/batch/__init__.py", "model/__init__.py", "stockflow/__init__.py",
    "common/__init__.py", "experiments/__init__.py", "experiments/expect.py", "experiments/expect_parse.py",
    "common/stats.py", "common/files.py",
    "experiments/dask_notices.py")  # a line on stderr when a worker is lost

#: The data folders hashed, relative to the models folder: every file in them.
DATA_FOLDERS: tuple[str, ...] = ("presets", "cases")


def model_fingerprint() -> str:
    """The current model's fingerprint: 16 hex digits (see the module docstring)."""
    from hlssim.model.scenario import models_dir

    return _fingerprint(PACKAGE, models_dir().resolve(), SOURCES, DATA_FOLDERS)


@lru_cache(maxsize=8)
def _fingerprint(package: Path, models: Path, sources: tuple[str, ...],
                 folders: tuple[str, ...]) -> str:
    files = {f"hlssim/{name}": package / name for name in sources}
    for folder in folders:
        root = models / folder
        if root.is_dir():
            files |= {f"models/{p.relative_to(models).as_posix()}": p
                      for p in root.rglob("*") if p.is_file() and not _hidden(p.relative_to(root))}
    digest = hashlib.sha256()
    for rel in sorted(files):
        path = files[rel]
        digest.update(rel.encode("utf-8"))
        if path.is_file():
            data = path.read_bytes()
            digest.update(b"\0" + len(data).to_bytes(8, "little") + data)
        else:  # a module missing from this install: hashed as missing, not as empty
            digest.update(b"\1")
    return digest.hexdigest()[:16]


def _hidden(rel: Path) -> bool:
    """Editors' and atomic writers' temporary files (``.name``) and caches are not model data."""
    return any(part.startswith(".") or part == "__pycache__" for part in rel.parts)


#: Forget the fingerprints computed so far (after files changed within one process).
model_fingerprint.cache_clear = _fingerprint.cache_clear  # type: ignore[attr-defined]
