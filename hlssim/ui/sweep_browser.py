"""The explorer's sweep browser, without Streamlit: find, read and summarise a sweep folder.

A folder written by ``hlssim sweep`` (``manifest.json`` and ``results/part-*.parquet``, perhaps
``analysis/`` from ``hlssim analyze``) is read through :func:`hlssim.experiments.sweepdata.load_sweep`
(the spec rebuilt from the manifest, replications averaged per design point with 95% intervals).
This module adds what the page needs on top: which folder to open first (:func:`find_sweeps`),
reading one with a one-line message for anything that is not a sweep (:func:`open_sweep`), the
data and Vega-Lite spec of one output against one factor split by regime (:func:`factor_summary`,
:func:`chart_spec`, the same statistics as ``hlssim report``'s figures), the per-point table, and
the saved analysis in words. ``app.py``'s sweep page only draws these.

It works for a sweep over a user's own stock-flow model as well (no ``preset`` factor: one series).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from hlssim.common.stats import sample_interval
from hlssim.errors import HlssimError
from hlssim.experiments.analysis.analyze import ANALYSIS, default_outcome, indices_table, safe_name
from hlssim.experiments.analysis.report import describe_output
from hlssim.experiments.store import MANIFEST
from hlssim.experiments.sweepdata import SweepData, load_sweep
from hlssim.figures.report_figures import OKABE_ITO
from hlssim.model.cases import preset_label

#: How to make a folder to browse, shown when there is none.
SWEEP_HINT = ("Make one with `hlssim sweep experiments/crossover.toml --out results/crossover "
              "--smoke` (a minute or so), then enter `results/crossover` here.")
#: The factor that holds the regime (commissioning preset) in a sweep's rows.
REGIME = "preset"
#: The series name when a sweep has no regime factor (e.g. a user's own stock-flow model).
ALL_RUNS = "all runs"


def find_sweeps(root: str | Path = "results", depth: int = 2) -> list[Path]:
    """Sweep folders (holding a ``manifest.json``) under ``root`` down to ``depth`` levels, the
    most recently written first ([] if ``root`` is not a folder)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for level in range(1, depth + 1):
        for manifest in root.glob("/".join(["*"] * level) + "/" + MANIFEST):
            try:
                found.append((manifest.stat().st_mtime_ns, manifest.parent))
            except OSError:
                continue
    return [folder for _, folder in sorted(found, key=lambda t: (-t[0], str(t[1])))]


def folder_signature(folder: str | Path) -> tuple:
    """What changes when a sweep folder's contents do (manifest and result parts: names, sizes
    and times), so a cached read of it is refreshed after a resume or a new analysis."""
    folder = Path(folder)
    paths = [folder / MANIFEST, *sorted(folder.glob("results/part-*.parquet")),
             folder / ANALYSIS / "analysis.json"]
    out = []
    for p in paths:
        try:
            s = p.stat()
            out.append((p.name, s.st_size, s.st_mtime_ns))
        except OSError:
            out.append((p.name, None, None))
    return tuple(out)


def open_sweep(folder: str | Path) -> SweepData:
    """Read a sweep folder; any problem becomes one :class:`HlssimError` line (never a traceback
    from a damaged file)."""
    text = str(folder).strip()
    if not text:
        raise HlssimError("No folder given; expected the folder of a sweep (it holds manifest.json "
                          "and results/)")
    try:
        return load_sweep(Path(text).expanduser())
    except HlssimError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, NotImplementedError) as err:
        # a damaged Parquet part (pyarrow's errors subclass these), odd manifest fields, ...
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise HlssimError(f"'{text}': cannot be read as a sweep ({first})") from None


def regime_factor(data: SweepData) -> str | None:
    """``preset`` when the sweep's rows record the regime (as a factor or ``compare``)."""
    return REGIME if REGIME in data.factor_columns else None


def factor_label(name: str) -> str:
    return "regime (how services are commissioned)" if name == REGIME else name


def regime_name(value: Any) -> str:
    """A regime's plain label with its preset name (``Targets and league tables (npm_targets)``)."""
    label = preset_label(str(value))
    return label if label == str(value) else f"{label} ({value})"


def levels_of(data: SweepData, factor: str) -> tuple | None:
    """The factor's levels (a grid or a ``compare`` factor), or None for a sampled range."""
    for f in data.spec.columns:
        if f.name == factor:
            return f.levels
    raise HlssimError(f"factor '{factor}': not a factor of this sweep; expected one of "
                      f"{', '.join(data.factor_columns)}")


def factor_summary(data: SweepData, output: str, factor: str) -> pd.DataFrame:
    """One output against one factor, per regime: columns ``x`` (the factor's value), ``regime``,
    ``mean``, ``low``, ``high`` (95% interval; NaN with one run) and ``runs``.

    As in ``hlssim report``'s figures: for a factor with levels, at each level the mean over the
    runs there (so over the other factors' values); for a sampled range, each design point's mean
    over its replications. When the factor is the regime itself, one row per regime.
    """
    if output not in data.outputs:
        raise HlssimError(f"output '{output}': not an output of this sweep; expected one of "
                          f"{', '.join(data.outputs)}")
    levels = levels_of(data, factor)
    split = regime_factor(data) if factor != REGIME else None
    rows = data.rows[data.rows["output"] == output]
    means = data.means[data.means["output"] == output]
    regimes = list(dict.fromkeys(rows[split])) if split else [None]
    records = []
    for regime in regimes:
        if levels is not None:
            r = rows if regime is None else rows[rows[split] == regime]
            for level in levels:
                values = r.loc[r[factor] == level, "value"]
                if len(values):
                    mean, low, high, n = sample_interval(values)
                    name = (regime_name(level) if factor == REGIME else
                            regime_name(regime) if regime is not None else ALL_RUNS)
                    records.append({"x": level, "regime": name, "mean": mean, "low": low,
                                    "high": high, "runs": n})
        else:
            m = means if regime is None else means[means[split] == regime]
            for _, p in m.sort_values(factor).iterrows():
                records.append({"x": p[factor], "regime": regime_name(regime) if regime is not None
                                else ALL_RUNS, "mean": p["mean"], "low": p["ci_low"],
                                "high": p["ci_high"], "runs": int(p["n"])})
    return pd.DataFrame(records, columns=["x", "regime", "mean", "low", "high", "runs"])


def chart_spec(summary: pd.DataFrame, factor: str, output: str, levels: bool,
               width: int = 760, height: int = 420, own_model: bool = False) -> dict:
    """A Vega-Lite spec for :func:`factor_summary` data: a colour (Okabe-Ito) and a point shape
    per regime; lines joining levels with a shaded 95% interval, or for a sampled range each
    point's mean with its interval as a bar. Large text, for a projector. ``own_model``: the
    output is a user's stock-flow model's (its title counts saved times, not months)."""
    names = list(dict.fromkeys(summary["regime"]))
    nominal = levels and any(isinstance(v, str) for v in summary["x"])
    legend = {"orient": "top", "labelLimit": 600, "symbolSize": 300, "symbolOpacity": 1,
              "columns": min(len(names), 3)}
    colour = {"field": "regime", "type": "nominal", "title": None, "sort": names, "legend": legend,
              "scale": {"domain": names, "range": [OKABE_ITO[k % len(OKABE_ITO)]
                                                   for k in range(len(names))]}}
    shape = {"field": "regime", "type": "nominal", "title": None, "sort": names, "legend": legend,
             "scale": {"domain": names, "range": ["circle", "square", "triangle-up", "diamond",
                                                  "cross", "triangle-down", "circle", "square"][:len(names)]}}
    x = {"field": "x", "type": "nominal" if nominal else "quantitative", "title": factor_label(factor),
         "scale": {} if nominal else {"zero": False}}
    if nominal:
        x["axis"] = {"labelAngle": -20, "labelLimit": 300}
    y = {"field": "mean", "type": "quantitative", "title": None, "scale": {"zero": False}}
    tooltip = [{"field": "regime", "type": "nominal"}, {"field": "x", "type": x["type"], "title": factor},
               {"field": "mean", "type": "quantitative", "format": ".4g"},
               {"field": "low", "type": "quantitative", "format": ".4g"},
               {"field": "high", "type": "quantitative", "format": ".4g"},
               {"field": "runs", "type": "quantitative"}]
    interval = {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"},
                "color": colour}
    layers: list[dict] = []
    if levels and not nominal:
        layers.append({"mark": {"type": "area", "opacity": 0.2}, "encoding": interval})
        layers.append({"mark": {"type": "line", "strokeWidth": 3},
                       "encoding": {"x": x, "y": y, "color": colour}})
    else:
        layers.append({"mark": {"type": "rule", "strokeWidth": 2.5 if levels else 1.2,
                                "opacity": 1 if levels else 0.6}, "encoding": interval})
    layers.append({"mark": {"type": "point", "filled": True, "size": 140 if levels else 60,
                            "opacity": 1 if levels else 0.8},
                   "encoding": {"x": x, "y": y, "color": colour, "shape": shape,
                                "tooltip": tooltip}})
    return {
        "width": width, "height": height, "layer": layers,
        "title": {"text": describe_output(output, own_model), "fontSize": 18, "anchor": "start"},
        "config": {"axis": {"labelFontSize": 15, "titleFontSize": 16, "titleLimit": 600},
                   "legend": {"labelFontSize": 16}},
    }


def first_output(data: SweepData) -> str:
    """The output to show first: the wellbeing summary ``hlssim analyze`` uses, else the first."""
    return default_outcome(data.outputs) or data.outputs[0]


def point_table(data: SweepData, output: str) -> pd.DataFrame:
    """Every design point's mean of ``output`` over its replications: the factor values, mean,
    standard deviation, runs and the 95% interval (for display and CSV)."""
    means = data.means[data.means["output"] == output]
    table = means[["point", *data.factor_columns, "mean", "sd", "n", "ci_low", "ci_high"]]
    return table.rename(columns={"n": "runs", "ci_low": "95% low", "ci_high": "95% high"}
                        ).reset_index(drop=True)


def csv_name(data: SweepData, output: str) -> str:
    return f"{safe_name(data.spec.name)}_{safe_name(output)}_points.csv"


def saved_analysis(data: SweepData) -> dict[str, Any] | None:
    """The ``hlssim analyze`` results saved in ``DIR/analysis/analysis.json``, if they were made
    from these same runs (same spec digest, model fingerprint and run count); else None (none,
    stale or unreadable)."""
    path = data.folder / ANALYSIS / "analysis.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict):
        return None
    current = (saved.get("spec_digest") == data.manifest.get("spec_digest")
               and saved.get("model_fingerprint") == data.manifest.get("model_fingerprint")
               and saved.get("runs_done") == data.manifest.get("counts", {}).get("runs_done"))
    return saved if current else None


def indices_for(analysis: dict[str, Any], output: str) -> pd.DataFrame | None:
    """One output's sensitivity indices as ``hlssim analyze`` tabulates them (None if none)."""
    indices = pd.DataFrame(analysis.get("indices") or [])
    if not len(indices) or "output" not in indices:
        return None
    part = indices[indices["output"] == output]
    return indices_table(part).reset_index() if len(part) else None


def discovery_text(analysis: dict[str, Any]) -> list[str]:
    """Where NPM beats HLS, in words (Markdown paragraphs): per pair of regimes the count of
    paired points where NPM is ahead and the rules found, or why there is no discovery."""
    out = []
    for d in analysis.get("discovery") or []:
        n = d.get("paired_points", 0)
        head = (f"**{regime_name(d.get('npm'))}** against **{regime_name(d.get('hls'))}** on "
                f"{describe_output(str(d.get('outcome')))}: NPM ahead at {d.get('npm_wins')} of {n} "
                f"paired point{'' if n == 1 else 's'} ({d.get('npm_wins_sure')} with a 95% interval "
                "of the difference below zero).")
        rules = d.get("rules") or []
        out.append(head + ("\n\n" + "\n".join(f"- {r}" for r in rules) if rules
                           else (f" {d['message']}" if d.get("message") else "")))
    out += [str(n) for n in analysis.get("discovery_notes") or []]
    return out


def region_figures(data: SweepData, analysis: dict[str, Any]) -> list[Path]:
    """The region plots the saved analysis wrote (only those it lists, so none is stale)."""
    written = set(analysis.get("files") or [])
    out = []
    for d in analysis.get("discovery") or []:
        name = f"regions-{safe_name(str(d.get('hls')))}-vs-{safe_name(str(d.get('npm')))}.png"
        path = data.folder / ANALYSIS / name
        if name in written and path.is_file():
            out.append(path)
    return out


def headline(data: SweepData) -> str:
    """One line: what ran, how far it got."""
    spec, counts = data.spec, data.manifest.get("counts", {})
    what = f"a stock-flow model ({Path(spec.model).name})" if spec.model else "hlssim's model"
    return (f"{spec.n_points()} design points x {spec.replications} replication"
            f"{'' if spec.replications == 1 else 's'} of {what}, sampler {spec.sampler}, engine "
            f"{spec.engine}, root seed {spec.root_seed}: {counts.get('runs_done')} of "
            f"{counts.get('runs')} runs stored ({data.manifest.get('status', 'unknown')}).")
