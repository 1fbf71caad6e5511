"""Is a results folder complete, consistent, and reproducible by this code? (``hlssim verify``,
``hlssim reproduce``.)

:func:`verify` checks, in order, each a line of its report:

* **complete**: every run of the design is stored, once, with every summary output;
* **consistent**: each stored run's seed and factor values are the design's (rebuilt from the
  manifest's spec), and every part's Parquet metadata names the manifest's model fingerprint and
  spec digest (a part another model or spec wrote is named);
* **this model**: the manifest's fingerprint is the current code's;
* **reproduced**: a few stored runs (the first, the middle and the last) run again here equal
  their stored values bit for bit.

:func:`reproduce_run` re-runs one run from its seed and scenario alone and compares every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hlssim.errors import HlssimError
from hlssim.experiments.design import expand
from hlssim.experiments.fingerprint import model_fingerprint
from hlssim.experiments.runner import Chunk, ChunkItem, run_chunk, task_for
from hlssim.experiments.store import RESULTS, part_provenance
from hlssim.experiments.sweepdata import load_sweep


@dataclass(frozen=True)
class Check:
    """One line of a verification: what was checked, whether it holds, and the detail."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def reproduce_run(folder: str | Path, run_id: int, data=None) -> Check:
    """Run ``run_id`` of a folder again here and compare each stored value, bit for bit."""
    data = data or load_sweep(folder)
    design = expand(data.spec)
    if not isinstance(run_id, int) or not 0 <= run_id < len(design.runs):
        raise HlssimError(f"--run {run_id}: not a run of '{folder}'; expected 0 to "
                          f"{len(design.runs) - 1}")
    stored = data.rows[data.rows["run_id"] == run_id].sort_values("output")
    if stored.empty:
        raise HlssimError(f"--run {run_id}: not stored in '{folder}' (the sweep has not run it yet)")
    run = design.runs[run_id]
    item = ChunkItem(run.point, design.scenarios[run.point], design.points[run.point], (run,))
    again = run_chunk(Chunk((item,)), task_for(design)).results.sort_values("output")
    left = stored.set_index("output")["value"]
    right = again.set_index("output")["value"].reindex(left.index)
    same = np.array_equal(left.to_numpy(), right.to_numpy(), equal_nan=True)
    differ = [o for o in left.index if not (left[o] == right[o] or (np.isnan(left[o]) and np.isnan(right[o])))]
    detail = (f"run {run_id} (point {run.point}, seed {run.seed}): {len(left)} values "
              + ("equal bit for bit" if same else f"differ: {', '.join(differ)}"))
    return Check("reproduced", same, detail)


def verify(folder: str | Path, runs: int = 3) -> list[Check]:
    """Every check of the module docstring, in order (``runs``: how many runs to re-run)."""
    data = load_sweep(folder)
    design = expand(data.spec)
    rows = data.rows
    checks = [_complete(data, design, rows), _consistent(data, design, rows)]
    recorded = data.manifest.get("model_fingerprint")
    now = model_fingerprint()
    checks.append(Check("this model", recorded == now,
                        f"made by fingerprint {recorded}, this code is {now}"))
    stored = np.unique(rows["run_id"].to_numpy())
    picks = sorted({int(stored[i]) for i in np.linspace(0, len(stored) - 1, max(0, runs)).round().astype(int)}
                   ) if len(stored) and runs > 0 else []
    checks += [reproduce_run(folder, r, data) for r in picks]
    return checks


def _complete(data, design, rows: pd.DataFrame) -> Check:
    counts = rows.groupby("run_id")["output"].agg(["count", "nunique"])
    missing = len(design.runs) - len(counts)
    repeated = int((counts["count"] > counts["nunique"]).sum())
    short = int((counts["nunique"] < len(data.outputs)).sum())
    ok = missing == 0 and repeated == 0 and short == 0
    return Check("complete", ok, f"{len(counts)} of {len(design.runs)} runs stored; "
                 f"{repeated} stored twice; {short} missing an output")


def _consistent(data, design, rows: pd.DataFrame) -> Check:
    firsts = rows.drop_duplicates("run_id").set_index("run_id")
    seeds = pd.Series({r.run_id: r.seed for r in design.runs})
    wrong_seed = int((firsts["seed"] != seeds.reindex(firsts.index)).sum())
    wrong_values = 0
    for name in data.factor_columns:
        want = pd.Series([design.points[p][name] for p in firsts["point"]], index=firsts.index)
        wrong_values += int((firsts[name].astype(str) != want.astype(str)).sum())
    foreign = []
    manifest = data.manifest
    for part in sorted((Path(data.folder) / RESULTS).glob("part-*.parquet")):
        recorded = part_provenance(part)
        if recorded is not None and (
                recorded.get("model_fingerprint") != manifest.get("model_fingerprint")
                or recorded.get("spec_digest", manifest.get("spec_digest")) != manifest.get("spec_digest")):
            foreign.append(part.name)
    ok = not (wrong_seed or wrong_values or foreign)
    detail = (f"{wrong_seed} runs with another seed, {wrong_values} factor values not the design's, "
              f"{len(foreign)} parts made by another model or spec"
              + (f" ({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''})" if foreign else ""))
    return Check("consistent", ok, detail)
