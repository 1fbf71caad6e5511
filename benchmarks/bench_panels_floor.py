"""The floor of a first load with twelve chart panels: a page holding nothing else.

    .venv/bin/python benchmarks/bench_panels_floor.py [--loads 5]

Issue 21 asks for the explorer's first load to the charts in under 3 s. This measures what the
twelve panels alone cost a first-time visitor on this machine, so the explorer's own figure
(``bench_first_load.py``) can be read against it. It serves two throwaway pages, each with one
line of text and the explorer's twelve panels as it draws them (``panel_spec``, one
``st.vega_lite_chart`` each, in a row that wraps), of the same shape as the explorer's (two
regimes, 120 months, a mean line and a 95% band; the data are made up, the shape is what costs).

The page is loaded ``--loads`` times in a fresh headless Chromium, timed in the page from
navigation to the twelve panels drawn, as ``bench_first_load.py`` does.
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

PAGE = r'''
import sys
sys.path.insert(0, %(root)r)
import numpy as np, pandas as pd, pyarrow as pa, streamlit as st
from hlssim.figures.explorer_charts import COMPARE_PANELS, panel_spec

st.markdown("What happened: %(summary)s")
months = np.arange(1, 121) / 12
names = ["Targets", "Learning"]
rows = []
for r, name in enumerate(names):
    m = 0.5 + 0.1 * r + 0.05 * np.sin(months + r)
    rows.append(pd.DataFrame({"regime": name, "years": months, "mean": m, "low": m - 0.03,
                              "high": m + 0.03}))
data = pd.concat(rows, ignore_index=True)
with st.container(horizontal=True, gap="small"):
    for metric in COMPARE_PANELS:
        spec = panel_spec(names, metric)
        spec["config"] = {**spec["config"], "aria": False}
        st.vega_lite_chart(pa.Table.from_pandas(data, preserve_index=False), spec,
                           width=265, theme=None)
'''

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hlssim-floor-"))
    page = folder / "panels.py"
    page.write_text(PAGE % {"root": str(ROOT), "summary": SUMMARY})
    port = free_port()
    before = os.getloadavg()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(page), "--server.headless", "true",
         "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        time.sleep(5)
        bench_first_load.load(url, timeout=120)  # warm
        times = [bench_first_load.load(url, timeout=120)[1] for _ in range(args.loads)]
    finally:
        process.terminate()
    after = os.getloadavg()
    print(f"a page of the twelve panels and nothing else, {args.loads} first visits each in a "
          f"fresh headless Chromium (1400 x 1000); load average {before[0]:.2f} before, "
          f"{after[0]:.2f} after")
    print(f"  to the twelve panels drawn: median {statistics.median(times):.2f} s "
          f"[{', '.join(f'{t:.2f}' for t in times)}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
