"""Where a sweep's results came from: the code, the environment, the command and the values.

A results folder must say what made it, so that a reader (or ``hlssim verify``) can tell whether
this code would make the same numbers, and so that a resumed sweep never adds runs of another
model to it. :func:`provenance` gathers, once per sweep session:

* ``model_fingerprint``: :func:`~hlssim.experiments.fingerprint.model_fingerprint`, the code and
  preset/case files that decide a run's values;
* ``git``: the commit of the checkout hlssim runs from and whether it has uncommitted changes
  (``None`` for an installed package, or when ``git`` is missing or slow);
* ``python``, ``platform`` and the versions of the libraries a run or its analysis uses
  (:data:`PACKAGES`; ``None`` for one not installed);
* ``command``: the command line (``sys.argv``) of the process that ran the session.

:func:`resolved_values` records, per regime (preset or case regime) of a design, every
parameter's value before the factors vary it: what the preset names resolved to when the runs
were made. The store compares it, and the fingerprint, when a sweep resumes.

>>> env = environment()
>>> sorted(env) == ["command", "git", "packages", "platform", "python"]
True
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from typing import Any

from hlssim.experiments.fingerprint import PACKAGE, model_fingerprint
from hlssim.experiments.runner import ROW_LAYOUT

#: The distributions whose versions are recorded (by their names on PyPI).
PACKAGES = ("hlssim", "numpy", "numba", "pandas", "pyarrow", "scipy", "mesa", "pysd", "dask",
            "distributed", "SALib")

#: Seconds to wait for ``git`` before recording no commit.
GIT_TIMEOUT = 5.0


def package_versions() -> dict[str, str | None]:
    """The installed version of each of :data:`PACKAGES` (``None`` if it is not installed)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@lru_cache(maxsize=1)
def git_state() -> dict[str, Any] | None:
    """``{"commit": SHA, "dirty": bool}`` of the git checkout holding the package, or None.

    ``dirty`` is true when tracked files differ from the commit (untracked files are ignored: a
    results folder inside the checkout must not make it dirty)."""
    root = PACKAGE.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=GIT_TIMEOUT)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                 "--untracked-files=no"], capture_output=True, text=True,
                                timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    if status.returncode != 0:
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def environment() -> dict[str, Any]:
    """The session's environment: command line, Python, platform, library versions, git state."""
    return {
        "command": list(sys.argv),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_state(),
    }


def resolved_values(design) -> dict[str, dict[str, Any]]:
    """Per regime of a :class:`~hlssim.experiments.design.Design` (its ``preset`` column, or the
    base preset; ``"base"`` with none): every parameter's value at that regime's first point,
    leaving out the factors the design varies. JSON-ready (sorted keys, plain values)."""
    spec = design.spec
    varied = {f.name for f in spec.columns}
    resolved: dict[str, dict[str, Any]] = {}
    for values, scenario in zip(design.points, design.scenarios):
        regime = str(values.get("preset", spec.base_preset or "base"))
        if regime not in resolved:
            resolved[regime] = {k: scenario[k] for k in sorted(scenario) if k not in varied}
    return json.loads(json.dumps(resolved, default=str))


def provenance(design) -> dict[str, Any]:
    """Everything a manifest records about what made its runs (see the module docstring)."""
    spec = design.spec
    return {
        "model_fingerprint": model_fingerprint(),
        "spec_digest": spec.digest(),
        "spec_text": spec.text,
        "resolved": resolved_values(design),
        "row_layout": ROW_LAYOUT,
        "environment": environment(),
    }


def part_metadata(record: dict[str, Any]) -> dict[bytes, bytes]:
    """The key/value pair each Parquet part carries in its schema metadata: ``hlssim`` -> the
    provenance of the session that wrote it (without the spec text, which the manifest holds)."""
    slim = {k: v for k, v in record.items() if k != "spec_text"}
    return {b"hlssim": json.dumps(slim, sort_keys=True).encode("utf-8")}
