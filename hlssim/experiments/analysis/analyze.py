"""``hlssim analyze DIR``: sensitivity indices and scenario discovery for a finished sweep.

Reads the folder (:mod:`hlssim.experiments.sweepdata`: the spec is rebuilt from the manifest),
computes the indices its sampler allows (:mod:`hlssim.experiments.analysis.sensitivity`) and, when an NPM
and an HLS regime ran at the same values of the other factors, where NPM beats HLS on wellbeing
(:mod:`hlssim.experiments.analysis.discovery`). Writes into ``DIR/analysis/`` (each file atomically)::

    indices.csv       output, subset, method, factor, index, value, conf (95% half-width); with
                      ``--second-order`` (Sobol) also S2 of each pair, factor ``A & B``
    indices.png       the indices with their intervals, a row of panels per output
    differences.csv   per paired point: the other factors, each regime's mean, HLS - NPM, interval
    regions.txt       the regions where NPM wins, in words (or why there are none), tree and PRIM
    regions-HLS-vs-NPM.png
    prim-HLS-vs-NPM.csv, .png   PRIM's peeling trajectory (coverage, density, box per step) and
                      the box its coverage/density rule chose (:mod:`.prim`)
    feature_scores.csv, .png    extra-trees scores of the factors for each output (:mod:`.features`)
    analysis.json     all of the above as data, with the notes and the sweep it was made from
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hlssim.common.files import write_atomic, write_text
from hlssim.errors import HlssimError
from hlssim.experiments.analysis.discovery import (
    Discovery,
    find_regions,
    paired_differences,
    plot_regions,
    regime_pairs,
    with_prim,
)
from hlssim.experiments.analysis.features import feature_scores, scores_figure
from hlssim.experiments.analysis.prim import plot_trajectory
from hlssim.experiments.analysis.sensitivity import METHOD_NAMES, sensitivity
from hlssim.experiments.sweepdata import SweepData, load_sweep

ANALYSIS = "analysis"
OUTCOME_METRIC = "wellbeing_mean"


@dataclass
class Analysis:
    """What ``hlssim analyze`` found for one sweep folder."""

    data: SweepData
    outputs: list[str]
    outcome: str | None
    indices: pd.DataFrame
    notes: list[str]
    discoveries: list[Discovery] = field(default_factory=list)
    discovery_notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def method(self) -> str:
        s = self.data.spec.sampler
        return METHOD_NAMES["rbd_fast" if s == "lhs" else s]

    def to_dict(self) -> dict[str, Any]:
        m = self.data.manifest
        return {
            "experiment": self.data.spec.name, "spec_digest": m.get("spec_digest"),
            "model_fingerprint": m.get("model_fingerprint"),
            "runs_done": m.get("counts", {}).get("runs_done"), "status": m.get("status"),
            "sampler": self.data.spec.sampler, "method": self.method, "outputs": self.outputs,
            "notes": self.notes, "indices": json.loads(self.indices.to_json(orient="records")),
            "outcome": self.outcome, "discovery_notes": self.discovery_notes,
            "discovery": [d.to_dict() for d in self.discoveries],
            "feature_scores": json.loads(self.scores.to_json(orient="records")) if len(self.scores) else [],
            "files": [p.name for p in self.files],
        }


def safe_name(text: str) -> str:
    """A file-name-safe form of an output or regime name (``wellbeing_mean:final`` ->
    ``wellbeing_mean-final``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def default_outcome(outputs: list[str]) -> str | None:
    """The wellbeing output scenario discovery uses: a final-window mean if kept, else any."""
    kept = [o for o in outputs if o.partition(":")[0] == OUTCOME_METRIC]
    for prefix in ("mean_last", "final", "mean"):
        for o in kept:
            if o.partition(":")[2].startswith(prefix):
                return o
    return None


def _choose(data: SweepData, outputs: list[str] | None, outcome: str | None) -> tuple[list[str], str | None]:
    allowed = data.outputs
    for name in outputs or []:
        if name not in allowed:
            raise HlssimError(f"--outputs '{name}': not an output of this sweep; expected one of "
                              f"{', '.join(allowed)}")
    if outcome is not None and outcome not in allowed:
        raise HlssimError(f"--outcome '{outcome}': not an output of this sweep; expected one of "
                          f"{', '.join(allowed)}")
    return list(outputs or allowed), outcome or default_outcome(allowed)


def discover(data: SweepData, outcome: str | None) -> tuple[list[Discovery], list[str]]:
    """Scenario discovery for every (HLS, NPM) pair of regimes the sweep ran side by side."""
    spec = data.spec
    compare = getattr(spec, "compare", None)
    regimes = compare.levels if compare else next(
        (f.levels for f in spec.factors if f.name == "preset"), None)
    if outcome is None:
        return [], [(f"No scenario discovery: the sweep kept no {OUTCOME_METRIC} summary (final, mean "
                    "or mean_last_N; whole trajectories are not analysed).")]
    if regimes is None:
        return [], [("No scenario discovery: the regime (preset) is not a factor of this sweep, so "
                    "NPM and HLS were not compared.")]
    pairs = regime_pairs(regimes)
    if not pairs:
        return [], [(f"No scenario discovery: the regimes compared ({', '.join(regimes)}) do not "
                    "include both an NPM-family and an HLS-family regime.")]
    others = [c for c in data.factor_columns if c != "preset"]
    found = []
    for hls, npm in pairs:
        table = paired_differences(data.means, others, outcome, hls, npm)
        found.append(with_prim(find_regions(table, others, hls, npm, outcome)))
    notes = []
    if spec.sampler != "grid" and not compare and any(len(d.table) == 0 for d in found):
        notes.append(f"With sampler {spec.sampler} and preset as a sampled factor, the regimes "
                     "never share the other factors' values; use a grid, or compare = [...] to run "
                     "every sampled point under each regime.")
    return found, notes


def run_analysis(data: SweepData, outputs: list[str] | None = None,
                 outcome: str | None = None, second_order: bool = False) -> Analysis:
    """Compute everything (nothing is written). ``second_order``: Sobol's S2 of every pair."""
    outputs, outcome = _choose(data, outputs, outcome)
    if second_order and data.spec.sampler != "sobol":
        raise HlssimError(f"--second-order: needs a sweep with sampler sobol (its Saltelli design "
                          f"has the pairs); this one used {data.spec.sampler}")
    indices, notes = sensitivity(data.spec, data.means, data.rows, outputs, second_order)
    if not data.complete:
        notes.insert(0, f"The sweep is {data.manifest.get('status', 'incomplete')}: "
                     f"{data.manifest.get('counts', {}).get('runs_done')} of "
                     f"{data.spec.n_runs()} runs stored.")
    found, dnotes = discover(data, outcome)
    compare = getattr(data.spec, "compare", None)
    regimes = list(compare.levels) if compare else None
    factors = [c for c in data.factor_columns if c != "preset"]
    if regimes is None and "preset" in data.factor_columns:
        factors = data.factor_columns  # a text factor is skipped; scored over all points
    scores = feature_scores(data.means, factors, outputs, regimes)
    return Analysis(data, outputs, outcome, indices, notes, found, dnotes, scores=scores)


def analysis_folder(folder: str | Path, out: str | Path | None) -> Path:
    """The folder analysis files go to (``DIR/analysis`` unless given); checked, not created."""
    out = Path(out) if out is not None else Path(folder) / ANALYSIS
    if out.exists() and not out.is_dir():
        raise HlssimError(f"--out '{out}': exists and is not a folder")
    if not out.parent.is_dir():
        raise HlssimError(f"--out '{out}': folder '{out.parent}' does not exist")
    return out


def write_analysis(analysis: Analysis, out: Path) -> list[Path]:
    """Write the tables, texts and figures of ``analysis`` into ``out``, each atomically."""
    out.mkdir(exist_ok=True)
    files = []
    ind = analysis.indices
    files.append(write_atomic(out / "indices.csv", lambda t: ind.to_csv(t, index=False)))
    if len(ind):
        files.append(indices_figure(ind, out / "indices.png"))
    if analysis.discoveries:
        diffs = pd.concat([d.table.assign(outcome=d.outcome, hls_regime=d.hls, npm_regime=d.npm)
                           for d in analysis.discoveries], ignore_index=True)
        files.append(write_atomic(out / "differences.csv", lambda t: diffs.to_csv(t, index=False)))
        for d in analysis.discoveries:  # no plot of a single difference with no factor to vary
            pair = f"{safe_name(d.hls)}-vs-{safe_name(d.npm)}"
            if any(d.table[f].nunique() > 1 for f in d.factors):
                path = out / f"regions-{pair}.png"
                plot_regions(d, path)
                files.append(path)
            if d.prim is not None:
                from hlssim.experiments.analysis.labels import describe_output
                from hlssim.model.cases import preset_label

                trajectory = d.prim.trajectory()
                files.append(write_atomic(out / f"prim-{pair}.csv",
                                          lambda t, tr=trajectory: tr.to_csv(t, index=False)))
                plot_trajectory(d.prim, "PRIM peeling trajectory: where "
                                f"{preset_label(d.npm)} beats {preset_label(d.hls)} on "
                                f"{describe_output(d.outcome)}",
                                out / f"prim-{pair}.png")
                files.append(out / f"prim-{pair}.png")
    if len(analysis.scores):
        sc = analysis.scores
        files.append(write_atomic(out / "feature_scores.csv", lambda t: sc.to_csv(t, index=False)))
        scores_figure(sc, out / "feature_scores.png")
        files.append(out / "feature_scores.png")
    text = "\n\n".join([d.summary() for d in analysis.discoveries] + analysis.discovery_notes)
    files.append(write_text(text + "\n", out / "regions.txt"))
    analysis.files = files + [out / "analysis.json"]
    previous = _previous_files(out)
    write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", out / "analysis.json")
    for name in previous - {p.name for p in analysis.files}:  # an earlier analysis's, now stale
        (out / name).unlink(missing_ok=True)
    return analysis.files


def _previous_files(out: Path) -> set[str]:
    """The files an earlier analysis in ``out`` wrote (from its analysis.json), if any."""
    try:
        names = json.loads((out / "analysis.json").read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {n for n in names if isinstance(n, str) and "/" not in n and n == Path(n).name}


def analyze(folder: str | Path, outputs: list[str] | None = None, out: str | Path | None = None,
            outcome: str | None = None, second_order: bool = False) -> Analysis:
    """Read a sweep folder, analyse it and write the files; see the module docstring."""
    data = load_sweep(folder)
    target = analysis_folder(folder, out)
    analysis = run_analysis(data, outputs, outcome, second_order)
    write_analysis(analysis, target)
    return analysis


def indices_table(part: pd.DataFrame) -> pd.DataFrame:
    """One output's indices as a small table: factors down, ``index`` (value ± conf) across."""
    part = part[part["index"] != "S2"]
    shown = part.assign(cell=[f"{v:.3f}" + ("" if pd.isna(c) else f" ± {c:.3f}")
                              for v, c in zip(part["value"], part["conf"])])
    table = shown.pivot_table(index=["subset", "factor"], columns="index", values="cell",
                              aggfunc="first", sort=False)
    return table[[c for c in ("S1", "ST", "mu_star", "sigma", "mu") if c in table.columns]]


def summary_text(analysis: Analysis) -> str:
    """What ``hlssim analyze`` prints."""
    data, spec = analysis.data, analysis.data.spec
    c = data.manifest.get("counts", {})
    lines = [(f"{spec.name}{' (smoke)' if spec.is_smoke else ''}: sampler {spec.sampler}, "
             f"{spec.n_points()} points x {spec.replications} replications "
             f"({c.get('runs_done')}/{c.get('runs')} runs, {data.manifest.get('status')})"), ""]
    lines += ["Sensitivity. " + " ".join(analysis.notes), ""]
    for output in analysis.outputs:
        part = analysis.indices[analysis.indices["output"] == output]
        if len(part):
            lines += [output, indices_table(part).to_string(), ""]
            pairs = part[part["index"] == "S2"]
            if len(pairs):
                lines += ["  S2 (pairs): " + "; ".join(
                    f"{f} ({s}) {v:.3f} ± {c:.3f}" for f, s, v, c in
                    zip(pairs["factor"], pairs["subset"], pairs["value"], pairs["conf"])), ""]
    lines.append("Scenario discovery: where does NPM beat HLS on wellbeing?")
    lines += [d.summary() for d in analysis.discoveries] + analysis.discovery_notes
    if analysis.files:
        folder = analysis.files[0].parent
        lines += ["", f"wrote {', '.join(p.name for p in analysis.files)} to {folder}/"]
    return "\n".join(lines)


def indices_figure(indices: pd.DataFrame, path: Path) -> Path:
    """Bars of each index per factor, with 95% intervals: a row of panels per output, a column
    per subset (one figure, so that many outputs cost one drawing)."""
    import matplotlib.pyplot as plt
    import numpy as np

    from hlssim.figures.report_figures import OKABE_ITO, save_figure

    indices = indices[indices["index"] != "S2"]  # pairs: in indices.csv and the summary
    outputs = list(dict.fromkeys(indices["output"]))
    subsets = list(dict.fromkeys(indices["subset"]))
    kinds = [k for k in ("S1", "ST", "mu_star", "sigma") if k in set(indices["index"])]
    factors = list(dict.fromkeys(indices["factor"]))
    height = 0.7 + 0.32 * len(factors) * len(kinds)
    fig, axes = plt.subplots(len(outputs), len(subsets), squeeze=False, sharex=True,
                             figsize=(1.6 + 3.6 * len(subsets), 0.6 + height * len(outputs)))
    y = np.arange(len(factors))
    h = 0.8 / len(kinds)
    for r, output in enumerate(outputs):
        for c, subset in enumerate(subsets):
            ax = axes[r][c]
            s = indices[(indices["output"] == output) & (indices["subset"] == subset)]
            if s.empty:  # the output was the same at every point: say so, not a blank panel
                ax.text(0.5, 0.5, "no indices:\nthe same at every point", ha="center",
                        va="center", transform=ax.transAxes, fontsize=8, color="#444444")
            for k, kind in enumerate(kinds):
                rows = s[s["index"] == kind].set_index("factor").reindex(factors)
                ax.barh(y + (k - (len(kinds) - 1) / 2) * h, rows["value"], height=h,
                        xerr=clipped_errors(rows["value"], rows["conf"], kind),
                        color=OKABE_ITO[k], label=LABELS.get(kind, kind),
                        error_kw={"ecolor": "#444444", "capsize": 2, "lw": 0.8})
            ax.set_yticks(y, factors, fontsize=8)
            ax.set_ylabel("factor", fontsize=8)
            ax.invert_yaxis()
            ax.axvline(0, color="#000000", lw=0.8)
            title = output if len(subsets) == 1 else f"{output}\n{subset}"
            ax.set_title(title, fontsize=9)
            ax.grid(axis="x", alpha=0.3)
            if r == len(outputs) - 1:
                ax.set_xlabel("index (S1, ST: share of the output's variance;\nMorris mu*, sigma: "
                              "the output's units)", fontsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=len(kinds), frameon=False)
    fig.suptitle("Sensitivity indices (bars: 95% intervals, clipped at the index's bounds)",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))  # the legend below the panels, off the data
    return save_figure(fig, path)


#: Legend labels of the indices.
LABELS = {"S1": "S1 (first order)", "ST": "ST (total)", "mu_star": "mu* (Morris)",
          "sigma": "sigma (Morris)"}
#: Bounds an index cannot leave: Sobol and RBD-FAST shares in [0, 1], Morris mu* and sigma >= 0.
BOUNDS = {"S1": (0.0, 1.0), "ST": (0.0, 1.0), "mu_star": (0.0, None), "sigma": (0.0, None)}


def clipped_errors(values, confs, kind: str):
    """Error bar lengths (below, above) of ``values`` +- ``confs``, clipped at the index's
    bounds, so no interval of a share of variance reaches below 0 or above 1.

    >>> clipped_errors([0.05, 0.9], [0.2, 0.2], "S1").round(2).tolist()
    [[0.05, 0.2], [0.2, 0.1]]
    """
    import numpy as np

    v = np.asarray(values, dtype=float)
    c = np.nan_to_num(np.asarray(confs, dtype=float))
    low, high = BOUNDS.get(kind, (None, None))
    below = np.minimum(c, v - low) if low is not None else c
    above = np.minimum(c, high - v) if high is not None else c
    return np.vstack([np.clip(np.nan_to_num(below), 0, None), np.clip(np.nan_to_num(above), 0, None)])


