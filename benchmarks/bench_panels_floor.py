"""The floor of a first load with twelve chart panels, drawn two ways: Vega-Lite or SVG pictures.

    .venv/bin/python benchmarks/bench_panels_floor.py [--loads 5]

Issue 21 asks for the explorer's first load to the charts in under 3 s. This measures what the
twelve panels alone cost a first-time visitor on this machine, drawn as the explorer drew them
until December 2026 (one ``st.vega_lite_chart`` each, the browser drawing every chart) and as it
draws them now (one SVG picture each, made on the server by
:func:`hlssim.figures.svg_panels.panel_svg`, shown with ``st.image``). It serves two throwaway
pages, each with one line of text and the twelve panels in a row that wraps, of the explorer's
shape (two regimes, 120 months, a mean line and a 95% band; the data are made up, the shape is
what costs).

Each page is loaded ``--loads`` times, taking turns, in a fresh headless Chromium, timed in the
page from navigation to the twelve panels drawn (``bench_first_load.py``'s probe, which knows
both kinds); the report gives each kind's median, the browser's CPU seconds per load, and the
ratio Vega-Lite / SVG from this one run. The Vega-Lite spec is kept here, as the explorer had it,
so the comparison can be run again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_first_load
from bench_explorer_load import ROOT, SUMMARY, free_port

COMMON = r"""
import sys
sys.path.insert(0, %(root)r)
import numpy as np, pandas as pd, pyarrow as pa, streamlit as st
from hlssim.figures.explorer_charts import COMPARE_PANELS

st.markdown("What happened: %(summary)s")
months = np.arange(1, 121) / 12
names = ["Targets", "Learning"]
rows = []
for r, name in enumerate(names):
    m = 0.5 + 0.1 * r + 0.05 * np.sin(months + r)
    rows.append(pd.DataFrame({"regime": name, "years": months, "mean": m, "low": m - 0.03,
                              "high": m + 0.03}))
data = pd.concat(rows, ignore_index=True)
"""

VEGA = COMMON + r"""
from bench_panels_floor import panel_spec
with st.container(horizontal=True, gap="small"):
    for metric in COMPARE_PANELS:
        spec = panel_spec(names, metric)
        spec["config"] = {**spec["config"], "aria": False}
        st.vega_lite_chart(pa.Table.from_pandas(data, preserve_index=False), spec,
                           width=265, theme=None)
"""

SVG = COMMON + r"""
from hlssim.figures.svg_panels import panel_svg, series_from_table
series = series_from_table(data)
with st.container(horizontal=True, gap="small"):
    for metric in COMPARE_PANELS:
        st.image(panel_svg(series, names, metric), width=265)
"""


# --- the explorer's Vega-Lite panel, as it was ------------------------------------------------

from collections.abc import Mapping, Sequence  # noqa: E402

from hlssim.figures.explorer_charts import BOUNDS, LABELS, regime_styles, title_lines  # noqa: E402


def panel_spec(names: Sequence[str], metric: str, switch_step: int | None = None,
               events: Sequence[Mapping] = (), height: int = 170) -> dict:
    """A Vega-Lite spec of one measure over time: each regime's mean and 95% band.

    One chart per measure lets the page lay panels out in rows that wrap to the screen's width
    (a faceted chart has a fixed width and is cut off on a narrow screen). The spec's width is
    the container's. The y axis starts at zero (and the title says if it does not, e.g. for a
    measure that goes below zero), so that 0.52 against 0.59 does not look dramatic. ``names``
    are the regimes' plain labels as in the data's ``regime`` column; ``events`` are points to
    mark (dicts with ``years``, ``value`` and ``event``), e.g. the low after a switch.
    """
    styles = regime_styles(names)
    colour = {"field": "regime", "type": "nominal", "legend": None,
              "scale": {"domain": list(names), "range": [c for c, _ in styles]}}
    dash = {"field": "regime", "type": "nominal", "legend": None,
            "scale": {"domain": list(names), "range": [d for _, d in styles]}}
    low, _ = BOUNDS.get(metric, (0, None))
    # said under the title, not as a y-axis title: a rotated axis title longer than the panel is
    # tall pushed the panel's own title out of sight (seen at 1400 and 1920 px)
    below_zero = (low or 0) < 0
    x = {"field": "years", "type": "quantitative", "title": "years",
         "axis": {"tickMinStep": 1}}
    tip = [{"field": "regime", "type": "nominal", "title": "regime"},
           {"field": "years", "type": "quantitative", "format": ".1f", "title": "year"},
           {"field": "mean", "type": "quantitative", "format": ".2f", "title": "mean"},
           {"field": "low", "type": "quantitative", "format": ".2f", "title": "95% low"},
           {"field": "high", "type": "quantitative", "format": ".2f", "title": "95% high"}]
    layers: list[dict] = [
        {"mark": {"type": "area", "opacity": 0.18},
         "encoding": {"x": x, "y": {"field": "low", "type": "quantitative", "title": None,
                                    "scale": {"zero": True}},
                      "y2": {"field": "high"}, "color": colour, "tooltip": tip}},
        {"mark": {"type": "line", "strokeWidth": 3},
         "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative"},
                      "color": colour, "strokeDash": dash, "tooltip": tip}},
    ]
    if switch_step:
        layers.append({"data": {"values": [{"switch": switch_step / 12.0}]},
                       "mark": {"type": "rule", "color": "#444444", "strokeDash": [4, 4],
                                "strokeWidth": 2},
                       "encoding": {"x": {"field": "switch", "type": "quantitative"}}})
    if events:
        layers.append({"data": {"values": [dict(e) for e in events]},
                       "mark": {"type": "point", "filled": True, "size": 110, "color": "#000000",
                                "shape": "diamond"},
                       "encoding": {"x": {"field": "years", "type": "quantitative"},
                                    "y": {"field": "value", "type": "quantitative"},
                                    "tooltip": [{"field": "event", "type": "nominal",
                                                 "title": "what"},
                                                {"field": "years", "type": "quantitative",
                                                 "format": ".1f", "title": "year"}]}})
    return {
        "width": "container", "height": height,
        "title": {"text": title_lines(LABELS.get(metric, metric)), "fontSize": 15,
                  "anchor": "start", "limit": 0,
                  **({"subtitle": "the axis goes below zero", "subtitleFontSize": 12}
                     if below_zero else {})},
        "layer": layers,
        "config": {"axis": {"labelFontSize": 13, "titleFontSize": 12},
                   "view": {"stroke": None}},
    }


def serve(page: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {"PYTHONPATH": f"{ROOT}{os.pathsep}{Path(__file__).parent}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(page), "--server.headless", "true",
         "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hlssim-floor-"))
    servers = {}
    for kind, source in (("Vega-Lite", VEGA), ("SVG pictures", SVG)):
        page = folder / f"{kind.split()[0].lower()}.py"
        page.write_text(source % {"root": str(ROOT), "summary": SUMMARY})
        servers[kind] = serve(page)
    before = os.getloadavg()
    results: dict[str, list] = {kind: [] for kind in servers}
    try:
        time.sleep(5)
        for _, url in servers.values():
            bench_first_load.load(url, timeout=120)  # warm
        for _ in range(args.loads):
            for kind, (_, url) in servers.items():
                results[kind].append(bench_first_load.load(url, timeout=120))
    finally:
        for process, _ in servers.values():
            process.terminate()
    after = os.getloadavg()
    print(f"a page of the twelve panels and nothing else, {args.loads} first visits of each kind "
          f"in a fresh headless Chromium (1400 x 1000), taking turns; load average "
          f"{before[0]:.2f} before, {after[0]:.2f} after")
    medians = {}
    for kind, loads in results.items():
        times = [load[1] for load in loads]
        medians[kind] = statistics.median(times)
        print(f"  {kind}: to the twelve panels drawn, median {medians[kind]:.2f} s "
              f"[{', '.join(f'{t:.2f}' for t in times)}]; browser CPU per load median "
              f"{statistics.median(load[2] for load in loads):.2f} s")
    print(f"Vega-Lite / SVG pictures, median to the panels: "
          f"{medians['Vega-Lite'] / medians['SVG pictures']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
