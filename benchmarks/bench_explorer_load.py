"""Load test of the explorer: N concurrent browser sessions moving sliders; redraw times.

    .venv/bin/python benchmarks/bench_explorer_load.py [--sessions 10] [--moves 6] [--hosted]
                                                       [--distinct] [--processes N]
                                                       [--background M]

Starts ``streamlit run app.py`` on a free local port (hosted mode with ``--hosted``), opens N
headless Chromium sessions at 1400 x 1000, waits for each first load (timed: first load to the
summary and the charts), then in every session at once moves the complexity slider one step at a
time, ``--moves`` times, timing each redraw: from the key press to the summary's text changing
and the charts drawn again. Prints first-load and redraw medians and 95th percentiles. Issue 21
asks for a p95 redraw under 2 s with 10 sessions on the project's machine.

The sessions open the same link, so they share the server's cache (one computes, the others
wait for it); with ``--distinct`` each opens the link with its own seed ("luck"), so none gets
another's results: the worst case. The browsers run on the same cores as the server, so the
report also says how much of the machine's CPU time in each phase went to the server, to the
browsers and to everything else (other people's work on a shared machine).

Ten headless Chromiums on the server's two cores measure mostly themselves: each redraw costs a
browser more CPU than the server. ``--sessions 1 --background 9`` is ten sessions as a real
audience makes them: one real browser timed, and nine more sessions that load the server as
browsers on other machines would (Streamlit's protocol, as ``bench_server_load.py``), starting
together and moving the slider as often as the browser, each move after the last redraw.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = "true wellbeing (0 to 1) averaged"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(hosted: bool, root: Path = ROOT,
                 processes: int | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` of the checkout at ``root`` (by its own .venv when it is another
    checkout) on a free port, or with ``processes``, ``hlssim serve --processes N`` (N servers
    behind the sticky proxy); the process and its address."""
    port = free_port()
    env = os.environ | {"PYTHONPATH": str(root)} | ({"HLSSIM_HOSTED": "1"} if hosted else {})
    python = sys.executable if root == ROOT else str(root / ".venv" / "bin" / "python")
    if processes is None:
        command = [python, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless",
                   "true", "--server.address", "127.0.0.1", "--server.port", str(port),
                   "--server.fileWatcherType", "none"]
    else:
        command = [python, "-m", "hlssim", "serve", "--processes", str(processes), "--port",
                   str(port), "--app", str(root / "app.py")]
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("streamlit did not start")


def cpu_seconds(process) -> dict[str, float]:
    """CPU seconds used so far: by the server (its process and any it started: ``hlssim serve``'s
    servers), by the browsers (chromium, chromedriver) and by the whole machine."""
    import psutil

    def used(p):
        try:
            t = p.cpu_times()
            return t.user + t.system
        except psutil.Error:
            return 0.0

    root = psutil.Process(process.pid)
    server = used(root) + sum(used(p) for p in root.children(recursive=True))
    browsers = sum(used(p) for p in psutil.process_iter(["name"])
                   if (p.info["name"] or "").startswith(("chrom", "headless")))
    total = psutil.cpu_times()
    return {"server": server, "browsers": browsers,
            "machine": total.user + total.system + getattr(total, "nice", 0.0),
            "wall": time.perf_counter()}


def cpu_report(phase: str, a: dict, b: dict) -> str:
    wall = b["wall"] - a["wall"]
    available = wall * (os.cpu_count() or 1)
    server, browsers = b["server"] - a["server"], b["browsers"] - a["browsers"]
    machine = b["machine"] - a["machine"]
    other = max(0.0, machine - server - browsers)
    return (f"{phase}: {wall:.1f} s; of the {available:.0f} CPU-s the cores had, the server used "
            f"{server:.1f} ({server / available:.0%}), the browsers {browsers:.1f} "
            f"({browsers / available:.0%}), everything else {other:.1f} ({other / available:.0%})")


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='hlssim-load-')}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


SUMMARY_JS = ("const p = [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
              f".find(e => e.innerText.includes('{SUMMARY}')); return p ? p.innerText : '';")
#: The main chart's panels as the page shows them: SVG pictures, each with its source and whether
#: the browser has drawn it (loaded, with a size).
PANELS_JS = ("return [...document.querySelectorAll('[data-testid=stImage] "
             "img[src^=\"data:image/svg\"]')].map(e => [e.src.length + ':' + e.src.slice(-60), "
             "e.complete && e.naturalWidth > 0])")


def drawn(driver, before: list | None = None) -> bool:
    """The 12 panels are drawn, and (given the panels ``before``) they are not those any more."""
    panels = driver.execute_script(PANELS_JS)
    if len(panels) < 12 or not all(ok for _, ok in panels):
        return False
    return before is None or [src for src, _ in panels] != [src for src, _ in before]


RUNNING_JS = "return !!document.querySelector('[data-testid=stStatusWidget]')"


def wait(driver, test, timeout=120.0, poll=0.02):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if test():
            return True
        time.sleep(poll)
    return False


def session(url: str, moves: int, start: threading.Barrier, loads: list, redraws: list,
            completes: list, errors: list, end: threading.Barrier | None = None) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser()
    try:
        t0 = time.perf_counter()
        driver.get(url)
        ok = wait(driver, lambda: driver.execute_script(SUMMARY_JS) and drawn(driver), 300)
        loads.append(time.perf_counter() - t0 if ok else float("inf"))
        start.wait()
        for k in range(moves):
            before, panels = driver.execute_script(SUMMARY_JS), driver.execute_script(PANELS_JS)
            thumb = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSlider"] input[type="range"]')[0]
            t0 = time.perf_counter()
            thumb.send_keys(Keys.RIGHT if k % 2 == 0 else Keys.LEFT)
            ok = wait(driver, lambda: driver.execute_script(SUMMARY_JS) not in ("", before)
                      and drawn(driver, panels))
            redraws.append(time.perf_counter() - t0 if ok else float("inf"))
            ok = wait(driver, lambda: not driver.execute_script(RUNNING_JS))
            completes.append(time.perf_counter() - t0 if ok else float("inf"))
    except Exception as err:  # noqa: BLE001 - a benchmark reports, it does not stop
        errors.append(repr(err))
    finally:
        if end is not None:  # the browsers' CPU time is counted while they still run
            try:
                end.wait(timeout=600)
            except threading.BrokenBarrierError:
                pass
        driver.quit()


def background(url: str, query: str, count: int, loaded: threading.Semaphore,
               started: threading.Event, stop: threading.Event, moves: list,
               errors: list) -> None:
    """One more session over Streamlit's protocol (``bench_server_load.Session``: what a browser
    sends and receives, nothing drawn): loads the page (then releases ``loaded``), then, from
    ``started``, moves the slider ``count`` times, each time waiting for the page to be complete
    (as a browser's user would see it) before the next move."""
    from bench_server_load import Session  # (it imports this module)

    try:
        s = Session(url, query)
        try:
            s.run()
        finally:
            loaded.release()
        started.wait()
        for k in range(count):
            if stop.is_set():
                break
            s.move(0.01 if k % 2 == 0 else -0.01)
            moves.append(1)
        s.ws.close()
    except Exception as err:  # noqa: BLE001 - a benchmark reports, it does not stop
        errors.append(repr(err))


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--moves", type=int, default=6)
    parser.add_argument("--hosted", action="store_true")
    parser.add_argument("--processes", type=int, default=None, metavar="N",
                        help="serve with 'hlssim serve --processes N' (N server processes "
                             "behind the sticky proxy) instead of one 'streamlit run'")
    parser.add_argument("--distinct", action="store_true",
                        help="each session its own seed, so no session uses another's results")
    parser.add_argument("--background", type=int, default=0, metavar="M",
                        help="M more sessions over Streamlit's protocol, no browser (their "
                             "browsers would be on other machines), moving the slider as often "
                             "as the browsers, at the same time")
    args = parser.parse_args()
    process, url = start_server(args.hosted, processes=args.processes)
    try:
        warm = browser()  # the first load of a cold server compiles and fills caches
        warm.get(url)
        wait(warm, lambda: warm.execute_script(SUMMARY_JS), timeout=300)
        warm.quit()
        loads, redraws, completes, errors = [], [], [], []
        started, stop, background_moves = threading.Event(), threading.Event(), []
        loaded = threading.Semaphore(0)
        others = [threading.Thread(target=background, args=(
            url, f"run:seed={args.sessions + k + 1}" if args.distinct else "", args.moves, loaded,
            started, stop, background_moves, errors)) for k in range(args.background)]
        for t in others:
            t.start()
        for _ in others:  # their first loads done before the browsers' are timed
            loaded.acquire(timeout=900)
        marks = [cpu_seconds(process)]
        mark = lambda: marks.append(cpu_seconds(process))  # noqa: E731
        barrier = threading.Barrier(args.sessions, action=lambda: (mark(), started.set()))
        end = threading.Barrier(args.sessions, action=lambda: (mark(), stop.set()))
        threads = [threading.Thread(target=session, args=(
            f"{url}/?run:seed={k + 1}" if args.distinct else url, args.moves, barrier, loads,
            redraws, completes, errors, end)) for k in range(args.sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        started.set()
        for t in others:
            t.join(timeout=600)
    finally:
        process.terminate()
        process.wait(timeout=30)
    for err in errors:
        print("error:", err[:300])
    kind = "each with its own seed" if args.distinct else "all on the same link"
    print(f"{args.sessions} browser sessions ({kind}), {args.moves} slider moves each, on "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    if args.background:
        print(f"and {args.background} sessions over Streamlit's protocol, no browser, moving the "
              f"slider meanwhile: {len(background_moves)} redraws in all")
    print(f"first load to summary and charts: median {statistics.median(loads):.2f} s, "
          f"p95 {p95(loads):.2f} s, max {max(loads):.2f} s")
    print(f"slider to redraw: median {statistics.median(redraws):.2f} s, p95 {p95(redraws):.2f} s, "
          f"max {max(redraws):.2f} s over {len(redraws)} redraws (summary and charts redrawn)")
    print(f"slider to the page complete (the computed why too): median "
          f"{statistics.median(completes):.2f} s, p95 {p95(completes):.2f} s")
    if len(marks) == 3:
        print(cpu_report("first loads", marks[0], marks[1]))
        print(cpu_report("slider moves", marks[1], marks[2]))
        # per redraw: what the server's work is, against what ten browsers drawing cost
        n = max(1, len(redraws))
        server = marks[2]["server"] - marks[1]["server"]
        browsers = marks[2]["browsers"] - marks[1]["browsers"]
        print(f"per redraw: the server {server / n:.2f} CPU-s, the browsers {browsers / n:.2f} "
              f"CPU-s (the machine has {os.cpu_count()} cores: {os.cpu_count()} CPU-s a second)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
