"""Reading a finished (or partly finished) sweep folder back for analysis and reporting.

The spec is rebuilt from the manifest, never guessed from the rows: ``manifest.json`` records the
spec as run (:meth:`ExperimentSpec.to_dict`); :func:`spec_from_manifest` turns that back into an
:class:`ExperimentSpec` and checks that its digest equals the one recorded, so the design (the
sampler's points, in order) can be rebuilt exactly. :func:`point_means` averages the replications
of each design point, the unit every analysis here works on.

>>> import tempfile
>>> from hlssim.experiments import parse_spec, sweep
>>> spec = parse_spec({"base": {"n_people": 30, "n_workers": 3, "n_providers": 1, "steps": 2},
...                    "factors": {"complexity": [0.2, 0.8]}, "replications": 2,
...                    "outputs": {"gaming_share": "final"}})
>>> with tempfile.TemporaryDirectory() as out:
...     _ = sweep(spec, out)
...     data = load_sweep(out)
>>> data.spec.digest() == spec.digest(), list(data.means["n"])
(True, [2, 2])
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from hlssim.errors import HlssimError
from hlssim.experiments.spec import ExperimentSpec, SpecError, parse_spec
from hlssim.experiments.store import MANIFEST, RESULTS, read_results, stale_model, true_status

#: Summary columns of :func:`point_means` (the rest are ``point``, the factors and ``output``).
MEAN_COLUMNS = ("mean", "sd", "n", "ci_low", "ci_high")


@dataclass(frozen=True)
class SweepData:
    """A sweep folder read back: manifest, rebuilt spec, tidy rows and per-point means."""

    folder: Path
    manifest: dict[str, Any]
    spec: ExperimentSpec
    rows: pd.DataFrame  # the stored tidy rows of the scalar outputs
    means: pd.DataFrame  # one row per (point, output): factor values, mean, sd, n, 95% interval

    @property
    def factor_columns(self) -> list[str]:
        """The factor columns the rows record (the sampled factors and any ``compare``)."""
        columns = getattr(self.spec, "columns", self.spec.factors)
        return [f.name for f in columns]

    @property
    def outputs(self) -> list[str]:
        """The scalar outputs (not whole trajectories), in the spec's order."""
        return [o.name for o in self.spec.outputs if not getattr(o, "is_trajectory", False)]

    @property
    def complete(self) -> bool:
        return self.manifest.get("status") == "complete"


def spec_from_manifest(manifest: dict[str, Any], source: str) -> ExperimentSpec:
    """The spec a manifest records, rebuilt and checked against the recorded digest."""
    try:
        recorded = dict(manifest["spec"])
        digest = manifest["spec_digest"]
    except (KeyError, TypeError):
        raise HlssimError(f"{source}: {MANIFEST} has no spec; expected a folder written by "
                          "'hlssim sweep'") from None
    smoke = bool(recorded.pop("smoke", False))
    data = {k: v for k, v in recorded.items() if v is not None}
    base = dict(data.pop("base", {}) or {})
    if base.get("preset") is None:
        base.pop("preset", None)
    data["base"] = base
    data["factors"] = {name: f["levels"] if "levels" in f else {"low": f["low"], "high": f["high"]}
                       for name, f in (data.get("factors") or {}).items()}
    outputs: dict[str, list[str]] = {}
    for name in data.get("outputs") or []:
        metric, _, stat = name.partition(":")
        outputs.setdefault(metric, []).append(stat)
    data["outputs"] = outputs
    try:
        spec = parse_spec(data, source=f"{source}: {MANIFEST}: spec", name=data.get("name", "sweep"))
    except SpecError as err:
        raise HlssimError(f"{err} (written by another hlssim version?)") from None
    spec = dataclasses.replace(spec, is_smoke=smoke)
    if spec.digest() != digest:
        raise HlssimError(f"{source}: {MANIFEST}: the spec rebuilt from it has digest "
                          f"{spec.digest()}, the manifest says {digest}; expected equal (written "
                          "by another hlssim version?)")
    return spec


def point_means(rows: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Per design point and output: the factor values, mean, sd, n and a 95% t-interval of the
    mean over the point's replications (no interval with one replication)."""
    grouped = rows.groupby(["point", "output"], sort=True)
    means = grouped["value"].agg(mean="mean", sd="std", n="count").reset_index()
    firsts = rows.drop_duplicates("point").set_index("point")[factors]
    means = means.join(firsts, on="point")
    n = means["n"].to_numpy()
    half = np.full(len(means), np.nan)
    ok = n >= 2
    half[ok] = stats.t.ppf(0.975, n[ok] - 1) * means["sd"].to_numpy()[ok] / np.sqrt(n[ok])
    means["ci_low"] = means["mean"] - half
    means["ci_high"] = means["mean"] + half
    return means[["point", *factors, "output", *MEAN_COLUMNS]]


@lru_cache(maxsize=None)
def _warn_once(line: str) -> None:
    """Print a warning on stderr once per process (a report reads its folder more than once)."""
    print(line, file=sys.stderr, flush=True)


def load_sweep(folder: str | Path) -> SweepData:
    """Read a sweep folder; one-line :class:`HlssimError` if it is not one.

    Runs made by a different model (another fingerprint, see ``store.py``) are read all the
    same, with a one-line warning on stderr: reading never reruns anything."""
    folder = Path(folder)
    source = f"'{folder}'"
    if not folder.is_dir():
        raise HlssimError(f"{source}: not a folder; expected a folder written by 'hlssim sweep'")
    path = folder / MANIFEST
    if not path.is_file():
        raise HlssimError(f"{source}: holds no {MANIFEST}; expected a folder written by 'hlssim sweep'")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise HlssimError(f"{source}: {MANIFEST} cannot be read ({err})") from None
    spec = spec_from_manifest(manifest, source)
    rows = read_results(folder)
    stored = int(rows["run_id"].nunique())  # the truth, whatever a killed sweep left recorded
    manifest = manifest | {"counts": dict(manifest.get("counts") or {}, runs_done=stored),
                           "status": true_status(manifest, stored)}
    stale = stale_model(manifest.get("model_fingerprint"))
    if stale:  # still worth reading, but not as this model's answer
        _warn_once(f"hlssim: warning: {source}: {stale}; run its 'hlssim sweep' (or 'check') "
                   "again to remake them")
    columns = [f.name for f in getattr(spec, "columns", spec.factors)]
    missing = [c for c in ("run_id", "point", "replicate", "output", "value", *columns)
               if c not in rows.columns]
    if missing:
        raise HlssimError(f"{source}: {RESULTS}/ rows lack the columns {', '.join(missing)}; "
                          "expected the columns 'hlssim sweep' writes")
    scalar = [o.name for o in spec.outputs if not getattr(o, "is_trajectory", False)]
    rows = rows[rows["output"].isin(scalar)].reset_index(drop=True)
    return SweepData(folder, manifest, spec, rows, point_means(rows, columns))
