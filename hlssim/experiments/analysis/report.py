"""``hlssim report DIR``: figures and a Markdown report of a sweep, readable without hlssim.

Writes ``DIR/report/`` (or ``--out``)::

    report.md                 what was asked, how it was run, the results, the analysis
    figures/OUTPUT.png        each output against each factor (split by regime when the regime
                              varies): means with 95% intervals over replications

The analysis (``hlssim analyze``) is read from ``DIR/analysis/analysis.json`` when it was made
from the same runs; otherwise it is run first (with its defaults) and written there. Every file
is written atomically, ``report.md`` last, so a report that exists links only to files that do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from hlssim.common.files import write_text
from hlssim.common.stats import sample_interval
from hlssim.errors import HlssimError
from hlssim.experiments.analysis.analyze import ANALYSIS, analyze, indices_table, safe_name
from hlssim.experiments.analysis.labels import describe_output
from hlssim.experiments.sweepdata import SweepData, load_sweep

REPORT = "report"
#: Up to this many design points, the report tabulates every point; beyond, a table by factor.
MAX_POINT_ROWS = 40


def _own_model(data: SweepData) -> bool:
    return bool(getattr(data.spec, "model", None))


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return "" if np.isnan(x) else f"{x:.4g}"
    return str(x)


def output_axis_label(output: str, own_model: bool = False) -> str:
    """The y label of an output: what it is in words and, for an hlssim metric, its range
    (``True wellbeing (mean), mean over the last 12 months, 0 to 1``), wrapped to fit a panel."""
    import textwrap

    from hlssim.figures.report_figures import metric_range

    span = "" if own_model else metric_range(output)
    return "\n".join(textwrap.wrap(describe_output(output, own_model) + (f", {span}" if span else ""), 40))


def output_figure(data: SweepData, output: str, path: Path) -> Path:
    """One panel per factor: the output's mean at each level (over the runs there, and so over
    the other factors' values) with a 95% interval, or, for a sampled range, each point's mean
    with its interval; one colour per regime when the regime varies. Each x axis names the
    factor in words with its unit or range, each y axis the output with its range; intervals
    are clipped to the range an hlssim metric cannot leave."""
    import textwrap

    import matplotlib.pyplot as plt

    from hlssim.figures.report_figures import (
        OKABE_ITO,
        factor_axis_label,
        metric_bounds,
        regime_colour,
        save_figure,
    )

    own = _own_model(data)
    low, high = (None, None) if own else metric_bounds(output)

    def clip(v):  # an interval end, kept within the metric's declared range
        v = np.asarray(v, dtype=float)
        return np.clip(v, low, high) if low is not None else v

    ylabel = output_axis_label(output, own)
    rows = data.rows[data.rows["output"] == output]
    means = data.means[data.means["output"] == output]
    columns = data.factor_columns
    if not columns:  # a sweep of no factors (a user's model as it is): every run's value
        fig, ax = plt.subplots(figsize=(4.6, 3.4))
        values = rows["value"].to_numpy(dtype=float)
        ax.plot(np.arange(len(values)), values, "o", color=OKABE_ITO[0], ms=4)
        mean, lo, hi, _ = sample_interval(rows["value"])
        ax.axhline(mean, color=OKABE_ITO[0], lw=1.5)
        if np.isfinite(lo):
            ax.axhspan(*clip([lo, hi]), color=OKABE_ITO[0], alpha=0.2, lw=0)
        ax.set_xlabel("run (no factors: replicates of one point)")
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
        fig.suptitle(describe_output(output, own), fontsize=12)
        fig.tight_layout()
        return save_figure(fig, path)
    split = "preset" in columns
    panels = [c for c in columns if c != "preset"] or ["preset"]
    regimes = list(dict.fromkeys(rows["preset"])) if split else [None]
    levels = {f.name: f.levels for f in getattr(data.spec, "columns", data.spec.factors)}
    cols = min(3, len(panels))
    nrows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.4 * nrows), squeeze=False)
    for ax, factor in zip(axes.flat, panels):
        for k, regime in enumerate(regimes):
            colour = OKABE_ITO[k % len(OKABE_ITO)] if regime is None else regime_colour(regime, k)
            r = rows if regime is None or factor == "preset" else rows[rows["preset"] == regime]
            m = means if regime is None or factor == "preset" else means[means["preset"] == regime]
            if levels.get(factor) is not None:  # levels: mean over the runs at each level
                stat = [(lv, *sample_interval(r.loc[r[factor] == lv, "value"])) for lv in levels[factor]
                        if (r[factor] == lv).any()]
                x = [s[0] for s in stat]
                xs = np.arange(len(x)) if isinstance(x[0], str) else np.asarray(x, dtype=float)
                y = np.array([s[1] for s in stat])
                lo, hi = clip([s[2] for s in stat]), clip([s[3] for s in stat])
                ax.plot(xs, y, "o-", color=colour, lw=2, label=regime)
                ax.fill_between(xs, lo, hi, color=colour, alpha=0.2, lw=0)
                if isinstance(x[0], str):
                    ax.set_xticks(xs, x, rotation=20, fontsize=9)
            else:  # a sampled range: every point's mean and interval
                err = np.vstack([m["mean"] - clip(m["ci_low"]), clip(m["ci_high"]) - m["mean"]])
                ax.errorbar(m[factor], m["mean"], yerr=np.nan_to_num(err), fmt="o", ms=3.5,
                            color=colour, ecolor=colour, elinewidth=0.8, alpha=0.8, label=regime)
            if factor == "preset":
                break
        ax.set_xlabel("\n".join(textwrap.wrap(factor_axis_label(factor), 45)), fontsize=9)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    if split and panels != ["preset"]:
        axes.flat[0].legend(fontsize=9, loc="best")
    fig.suptitle(describe_output(output, own), fontsize=12)
    fig.tight_layout()
    return save_figure(fig, path)


def output_table(data: SweepData, output: str) -> pd.DataFrame:
    """Every design point (mean, 95% interval, runs), or for large designs a table by factor:
    the rank correlation of each factor with the point means and the mean in its lowest and
    highest quarter (per regime when the regime varies)."""
    means = data.means[data.means["output"] == output]
    columns = data.factor_columns
    if len(means) <= MAX_POINT_ROWS:
        t = means[["point", *columns, "mean", "ci_low", "ci_high", "n"]].copy()
        t["95% interval"] = [f"[{_fmt(a)}, {_fmt(b)}]" for a, b in zip(t["ci_low"], t["ci_high"])]
        return t.drop(columns=["ci_low", "ci_high"]).rename(columns={"n": "runs"})
    groups = means.groupby("preset") if "preset" in columns else [("all", means)]
    out = []
    for regime, m in groups:
        for f in [c for c in columns if c != "preset"]:
            x = m[f].astype(float)
            varies = x.nunique() > 1 and m["mean"].nunique() > 1
            rho = stats.spearmanr(x, m["mean"]).statistic if varies else np.nan
            low, high = x.quantile(0.25), x.quantile(0.75)
            out.append({"regime": regime, "factor": f, "rank correlation": rho,
                        "mean, lowest quarter": m.loc[x <= low, "mean"].mean(),
                        "mean, highest quarter": m.loc[x >= high, "mean"].mean()})
    return pd.DataFrame(out)


def _markdown(table: pd.DataFrame) -> str:
    shown = table.copy()
    for c in shown.columns:
        shown[c] = [_fmt(v) for v in shown[c]]
    return shown.to_markdown(index=False)


def _load_analysis(data: SweepData) -> dict[str, Any]:
    """The analysis of these same runs: read if current, else made now (into DIR/analysis)."""
    path = data.folder / ANALYSIS / "analysis.json"
    counts = data.manifest.get("counts", {})
    if path.is_file():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if (saved.get("spec_digest") == data.manifest.get("spec_digest")
                and saved.get("model_fingerprint") == data.manifest.get("model_fingerprint")
                and saved.get("runs_done") == counts.get("runs_done")):
            return saved
    return analyze(data.folder).to_dict()


def design_table(data: SweepData) -> str:
    spec, m = data.spec, data.manifest
    c = m.get("counts", {})
    d = spec.to_dict()
    base = ", ".join(f"{k} = {v}" for k, v in d["base"].items() if v is not None) or "defaults"
    factors = "; ".join(
        f"{name}: " + (", ".join(str(v) for v in f["levels"]) if "levels" in f
                       else f"{f['low']} to {f['high']}")
        for name, f in d["factors"].items())
    sampler = {"grid": "grid (every combination of levels)", "lhs": "Latin hypercube (SALib)",
               "sobol": "Sobol/Saltelli (SALib)", "morris": "Morris trajectories (SALib)"}[spec.sampler]
    sessions = m.get("sessions", [])
    rows = [
        ("sampler", sampler + (f", {spec.samples} samples" if spec.samples else "")),
        ("factors", factors or "none (one point: the model as it is)"),
        *([("every point under each regime", ", ".join(d["compare"]))] if d.get("compare") else []),
        ("base scenario", base),
        ("design points", spec.n_points()),
        ("replications per point", spec.replications),
        ("runs stored", f"{c.get('runs_done')} of {c.get('runs')} ({m.get('status')})"),
        ("engine", spec.engine),
        ("root seed", f"{spec.root_seed}" + (", common random numbers (replicate r of every "
                                              "point shares a seed)" if spec.common_random_numbers else "")),
        ("smoke (small CI version)", "yes" if spec.is_smoke else "no"),
        ("hlssim version", m.get("hlssim_version")),
        ("started", m.get("started")), ("finished", m.get("finished") or "not finished"),
        ("sessions (resumes)", f"{len(sessions)}: " + ", ".join(s.get("executor", "?") for s in sessions)),
        ("spec digest", m.get("spec_digest")),
        ("model fingerprint", m.get("model_fingerprint") or "not recorded"),
    ]
    return pd.DataFrame(rows, columns=["", "value"]).astype(str).to_markdown(index=False)


def _analysis_section(analysis: dict[str, Any], report_dir: Path, folder: Path) -> list[str]:
    analysis_dir = folder / ANALYSIS
    written = set(analysis.get("files", []))  # link only what this analysis wrote
    lines = ["## Sensitivity", "", " ".join(analysis.get("notes", [])), ""]
    indices = pd.DataFrame(analysis.get("indices", []))
    for output in analysis.get("outputs", []):
        part = indices[indices["output"] == output] if len(indices) else indices
        if not len(part):
            continue
        table = indices_table(part).reset_index()
        lines += [f"### {output}", "", table.to_markdown(index=False), ""]
    fig = analysis_dir / "indices.png"
    if fig.name in written and fig.is_file():
        lines += [f"![sensitivity indices]({_rel(fig, report_dir)})", ""]
    if len(indices):
        lines += [("S1: the share of the output's variance due to the factor alone; ST: including "
                  "its interactions; mu_star: the mean absolute change when the factor moves "
                  "across its whole range (Morris); ± is a 95% bootstrap interval."), ""]
    lines += ["## Where does NPM beat HLS on wellbeing?", ""]
    for d in analysis.get("discovery", []):
        n = d["paired_points"]
        lines += [(f"{d['outcome']}, HLS ({d['hls']}) minus NPM ({d['npm']}) at "
                  f"{n} paired point{'' if n == 1 else 's'}: NPM ahead at {d['npm_wins']} "
                  f"({d['npm_wins_sure']} with a 95% interval below zero)."), ""]
        lines += [f"- {r}" for r in d["rules"]] or [f"- {d['message']}"]
        lines.append("")
        fig = analysis_dir / f"regions-{safe_name(d['hls'])}-vs-{safe_name(d['npm'])}.png"
        if fig.name in written and fig.is_file():
            lines += [f"![where NPM beats HLS]({_rel(fig, report_dir)})", ""]
    lines += [n for n in analysis.get("discovery_notes", [])]
    if analysis.get("discovery"):
        lines += ["", ("Regions come from a shallow decision tree (scikit-learn) fitted to whether "
                  "NPM is ahead at each paired point; coverage is the share of all NPM wins inside "
                  "a region, density the share of the region's points that are NPM wins."), ""]
    return lines


def _rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of a sweep folder; return the path of ``report.md``."""
    data = load_sweep(folder)
    out = Path(out) if out is not None else data.folder / REPORT
    if out.exists() and not out.is_dir():
        raise HlssimError(f"--out '{out}': exists and is not a folder")
    if not out.parent.is_dir():
        raise HlssimError(f"--out '{out}': folder '{out.parent}' does not exist")
    analysis = _load_analysis(data)
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    spec = data.spec
    lines = [f"# Experiment: {spec.name}{' (smoke version)' if spec.is_smoke else ''}", ""]
    if spec.description:
        lines += [spec.description, ""]
    if not data.complete:
        lines += [(f"**This sweep is not finished** ({data.manifest.get('status')}): the results "
                  "below use the runs stored so far."), ""]
    lines += ["## Design", "", design_table(data), "",
              (("Each run is `hlssim run --model MODEL --set NAME=VALUE ...` with the run's factor "
                "values (a model with random functions also takes the run's stored seed). " if _own_model(data)
                else "Each run's seed is stored with its rows: `hlssim run --seed SEED --set "
                "NAME=VALUE ...` with the run's factor values repeats it alone. ")
               + "The rows are in `results/` (Parquet; `pandas.read_parquet(\"results\")` reads "
               "them)."), "",
              "## Results", "",
              ("Each figure shows one output against each factor: at each level the mean over the "
              "runs there (and so over the other factors' values), with a 95% interval; for a "
              "sampled range, each design point's mean over its replications with its interval."),
              ""]
    for output in data.outputs:
        fig = output_figure(data, output, figures / f"{safe_name(output)}.png")
        lines += [f"### {output}", "", f"{describe_output(output, _own_model(data))}.", "",
                  f"![{output}]({_rel(fig, out)})", "", _markdown(output_table(data, output)), ""]
    lines += _trajectories_section(data, out, figures)
    lines += _analysis_section(analysis, out, data.folder)
    return write_text("\n".join(lines).rstrip() + "\n", out / "report.md")


def _trajectories_section(data: SweepData, out: Path, figures: Path) -> list[str]:
    """A figure per output stored over time (``"trajectory"`` outputs): each design point's mean
    path and its envelope over replications; nothing when the sweep stored none."""
    from hlssim.experiments.store import TRAJECTORIES, read_trajectories
    from hlssim.figures.report_figures import envelope_figure

    if not any((data.folder / TRAJECTORIES).glob("part-*.parquet")):
        return []
    rows = read_trajectories(data.folder)
    lines = ["## Trajectories", "",
             "Each output stored over time: for each design point the mean over its replications "
             "at each saved step (line) and the 5th to 95th percentile over them (band; with "
             "fewer than five replications, their range). The rows are in `trajectories/`.", ""]
    for output in rows["output"].unique():
        name = str(output).removesuffix(":trajectory")
        fig = envelope_figure(rows[rows["output"] == output], name, data.factor_columns,
                              figures / f"{safe_name(name)}-trajectory.png",
                              own_model=_own_model(data))
        lines += [f"### {name} over time", "", f"![{name} over time]({_rel(fig, out)})", ""]
    return lines


