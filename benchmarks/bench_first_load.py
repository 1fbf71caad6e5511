"""First load of the explorer in a real browser, on a warm server: navigation to the charts.

    .venv/bin/python benchmarks/bench_first_load.py [--loads 6] [--baseline REF_OR_CHECKOUT]
                                                    [--returning]

Issue 21 asks for the first load to charts under 3 s on a warm server. This starts ``streamlit
run app.py`` of this checkout (and, with ``--baseline``, of another: a git ref such as ``main``,
checked out into a temporary worktree, or the path of a checkout), loads the page once in each
(the warm-up: the engine compiled, the default view's runs and "why" in the server's cache), then
opens it ``--loads`` times in a fresh headless Chromium each (a first-time visitor: no cached
scripts), taking turns between the checkouts so that other work on a shared machine falls on
both alike. Every server runs with this interpreter and ``PYTHONPATH`` set to its own checkout.

Each load is timed inside the page, from the start of navigation (``performance.now()``) to the
summary's text, to the first panel's element on the page and to the main chart's 12 panels
drawn (as Vega-Lite charts, the explorer's panels before they were pictures, or as SVG pictures
loaded), so a checkout of either kind can be the baseline. The check runs once per frame and
reads no layout (text content, the panels' ``width`` attributes, the pictures' loaded state), so
measuring does not slow the page: polling from outside with ``getBoundingClientRect`` every 20 ms, as the load test does,
forces a layout each time and adds to the browser's work. The report gives each checkout's
median and worst time, the browser's CPU seconds per load, the ratio baseline / this checkout
from this one run, and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_explorer_load import ROOT, SUMMARY, browser, free_port

#: Installed in every new document: records when the summary and the 12 panels are on the page.
PROBE = """
(() => {
  const marks = window.__hlssim = {};
  const check = () => {
    const now = performance.now();
    if (!('summary' in marks) && [...document.querySelectorAll(
        '[data-testid=stMarkdownContainer]')].some(e => e.textContent.includes(%r))) {
      marks.summary = now;
    }
    if (!('chart' in marks) && document.querySelector(
        '[data-testid=stVegaLiteChart], [data-testid=stImage] img[src^="data:image/svg"]')) {
      marks.chart = now;
    }
    const vega = [...document.querySelectorAll(
        '[data-testid=stVegaLiteChart] canvas.marks, [data-testid=stVegaLiteChart] svg.marks')]
        .filter(e => +e.getAttribute('width') > 100).length;
    const pictures = [...document.querySelectorAll(
        '[data-testid=stImage] img[src^="data:image/svg"]')]
        .filter(e => e.complete && e.naturalWidth > 0).length;
    if (!('charts' in marks) && Math.max(vega, pictures) >= 12) {
      marks.charts = now;
    }
    if (!('summary' in marks && 'charts' in marks)) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
""" % SUMMARY


class Server:
    """``streamlit run app.py`` of the checkout at ``root``, importing hlssim from it."""

    def __init__(self, name: str, root: Path):
        self.name, self.root, port = name, root, free_port()
        env = os.environ | {"PYTHONPATH": str(root)}
        env.pop("HLSSIM_HOSTED", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless",
             "true", "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        self.loads: list[tuple[float, float, float]] = []

    def wait_healthy(self) -> None:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.name}: streamlit did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def browser_cpu(driver) -> float:
    """CPU seconds used so far by this Chromium (every process under its driver)."""
    import psutil

    root = psutil.Process(driver.service.process.pid)
    total = 0.0
    for p in (root, *root.children(recursive=True)):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def load(url: str, driver=None, timeout: float = 600) -> tuple[float, float, float, float]:
    """One visit: (s to the summary, s to the charts, browser CPU s, s to the first chart's
    element). In a fresh browser (a first visit), or in ``driver`` (a returning visitor:
    Streamlit's scripts in its cache)."""
    own = driver is None
    driver = browser() if own else driver
    try:
        if own:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        else:
            driver.get("about:blank")
        cpu = browser_cpu(driver)
        driver.get(url)
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            marks = driver.execute_script("return window.__hlssim || {}")
            if "summary" in marks and "charts" in marks:
                return (marks["summary"] / 1000, marks["charts"] / 1000,
                        browser_cpu(driver) - cpu, marks.get("chart", float("nan")) / 1000)
            time.sleep(0.1)
        return float("inf"), float("inf"), float("nan"), float("nan")
    finally:
        if own:
            driver.quit()


def baseline_checkout(spec: str) -> tuple[Path, bool]:
    """The baseline's checkout: ``spec`` itself when it is a directory, else a temporary git
    worktree of the ref ``spec`` (True: remove it afterwards)."""
    if Path(spec).is_dir():
        return Path(spec).resolve(), False
    path = Path(tempfile.mkdtemp(prefix="hlssim-baseline-")) / "checkout"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), spec],
                   check=True, capture_output=True)
    return path, True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=6, help="first visits timed per checkout")
    parser.add_argument("--baseline", metavar="REF_OR_CHECKOUT",
                        help="also time this git ref (or checkout directory), e.g. main")
    parser.add_argument("--returning", action="store_true",
                        help="a returning visitor: one browser per checkout, kept open, so "
                             "Streamlit's own scripts come from its cache")
    args = parser.parse_args()
    before = os.getloadavg()
    temporary = None
    servers = []
    try:
        if args.baseline:
            path, made = baseline_checkout(args.baseline)
            temporary = path if made else None
            servers.append(Server(f"baseline ({args.baseline})", path))
        servers.append(Server("this checkout", ROOT))
        for server in servers:  # warm: compiled engine, the default view's runs and why cached
            server.wait_healthy()
            load(server.url)
            if args.returning:
                server.browser = browser()
                server.browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                               {"source": PROBE})
                load(server.url, server.browser)  # its first visit fills its cache
        for k in range(args.loads):
            for server in servers if k % 2 == 0 else servers[::-1]:
                server.loads.append(load(server.url, getattr(server, "browser", None)))
    finally:
        for server in servers:
            if getattr(server, "browser", None) is not None:
                server.browser.quit()
            server.stop()
        if temporary is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(temporary)], check=False, capture_output=True)
            shutil.rmtree(temporary.parent, ignore_errors=True)
    after = os.getloadavg()
    visits = ("visits by a returning visitor (one Chromium kept open)" if args.returning
              else "first visits, each in a fresh headless Chromium")
    print(f"first load on a warm server, {args.loads} {visits} per checkout "
          f"(1400 x 1000), timed in the page from navigation; {os.cpu_count()} cores, load "
          f"average {before[0]:.2f} before, {after[0]:.2f} after")
    medians = {}
    for server in servers:
        summary, charts, cpu, chart = zip(*server.loads)
        medians[server.name] = statistics.median(charts)
        print(f"{server.name}: to the charts median {statistics.median(charts):.2f} s, worst "
              f"{max(charts):.2f} s [{', '.join(f'{c:.2f}' for c in charts)}]; to the summary "
              f"median {statistics.median(summary):.2f} s, to the first chart's element "
              f"{statistics.median(chart):.2f} s; browser CPU per load median "
              f"{statistics.median(cpu):.2f} s")
    if args.baseline:
        base, this = (medians[s.name] for s in servers)
        print(f"baseline / this checkout, median to the charts: {base / this:.2f}x "
              f"({base:.2f} s -> {this:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
