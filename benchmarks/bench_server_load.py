"""Load test of the explorer's server alone: N sessions moving a slider at once, no browsers.

    .venv/bin/python benchmarks/bench_server_load.py [--sessions 10] [--moves 6] [--distinct]

``bench_explorer_load.py`` drives real browsers, but on a two-core machine ten headless Chromiums
take most of the CPU themselves (it reports how much), while a real audience's browsers run on
their own machines. This benchmark measures the server's part: it starts ``streamlit run app.py``
and opens N sessions over Streamlit's own websocket protocol (what the browser's page sends and
receives, without drawing anything), loads the page in each, then in every session at once moves
the complexity slider one step at a time, ``--moves`` times. Each redraw is timed from the move to
the last of the main chart's panels arriving (the summary comes before it), and to the run's end
(the computed why included). With ``--distinct`` each session has its own seed ("luck"), so no
session gets another's results from the server's cache: the worst case. ``--both`` runs shared
then distinct and prints the ratio of their 95th percentiles; ``--baseline ../main`` runs the
same load on another checkout first (e.g. before a change) and prints the ratios.

Run it from ``benchmarks/`` or as ``python benchmarks/bench_server_load.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import warnings
from pathlib import Path

from bench_explorer_load import ROOT, SUMMARY, cpu_seconds, p95, start_server
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import DoubleArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.sync.client import connect

warnings.filterwarnings("ignore", category=DeprecationWarning, module=__name__)

SLIDER = "shared:complexity"
PANELS = 12  # the compare page's main chart


class Session:
    """One browser session, as the server sees it."""

    def __init__(self, url: str, query: str):
        host = url.removeprefix("http://")
        # kept open for the session's life, closed at its end
        self.ws = connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                          origin=url, max_size=None, open_timeout=60)
        self.query = query
        self.slider_id, self.value, self.summary = "", 0.0, ""

    def run(self, widgets: WidgetStates | None = None) -> tuple[float, float]:
        """Ask for a re-run; return the seconds to the main chart's last panel and to the end."""
        message = BackMsg(rerun_script=ClientState(query_string=self.query,
                                                   widget_states=widgets or WidgetStates()))
        start = time.perf_counter()
        self.ws.send(message.SerializeToString())
        charts, drawn = 0, float("inf")
        while True:
            msg = ForwardMsg.FromString(self.ws.recv(timeout=600))
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "slider" and element.slider.id.endswith(SLIDER):
                    self.slider_id = element.slider.id
                    self.value = (element.slider.value or element.slider.default)[0]
                if which == "markdown" and SUMMARY in element.markdown.body:
                    self.summary = element.markdown.body
                if which in ("imgs", "vega_lite_chart"):  # SVG pictures (or Vega-Lite, before)
                    charts += 1
                    if charts == PANELS:
                        drawn = time.perf_counter() - start
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return drawn, time.perf_counter() - start

    def move(self, step: float) -> tuple[float, float]:
        self.value = round(self.value + step, 2)
        state = WidgetState(id=self.slider_id, double_array_value=DoubleArray(data=[self.value]))
        return self.run(WidgetStates(widgets=[state]))


def session(url: str, query: str, moves: int, barrier: threading.Barrier, results: dict) -> None:
    try:
        s = Session(url, query)
        results["loads"].append(s.run()[0])
        if not s.slider_id:
            raise RuntimeError("the complexity slider was not found on the page")
        barrier.wait()
        for m in range(moves):
            before = s.summary
            drawn, done = s.move(0.01 if m % 2 == 0 else -0.01)
            results["drawn"].append(drawn)
            results["done"].append(done)
            results["changed"].append(s.summary != before)
        s.ws.close()
    except Exception as err:  # noqa: BLE001 - a benchmark reports, it does not stop
        results["errors"].append(repr(err))
        barrier.abort()


def load(url: str, process, sessions: int, moves: int, distinct: bool) -> list[float]:
    results = {"loads": [], "drawn": [], "done": [], "errors": [], "changed": []}
    marks = []
    barrier = threading.Barrier(sessions, action=lambda: marks.append(cpu_seconds(process)))
    threads = [threading.Thread(target=session, args=(
        url, f"run:seed={k + 1}" if distinct else "", moves, barrier, results))
        for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    marks.append(cpu_seconds(process))
    for err in results["errors"][:5]:
        print("error:", err[:300])
    kind = "each with its own seed" if distinct else "all on the same link"
    print(f"{sessions} sessions ({kind}), {moves} moves each; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    loads, drawn, done = results["loads"], results["drawn"], results["done"]
    print(f"  first load to the charts: median {statistics.median(loads):.2f} s, "
          f"p95 {p95(loads):.2f} s")
    print(f"  slider to the charts: median {statistics.median(drawn):.2f} s, p95 "
          f"{p95(drawn):.2f} s, max {max(drawn):.2f} s over {len(drawn)} redraws")
    print(f"  slider to the page complete (the why too): median {statistics.median(done):.2f} s,"
          f" p95 {p95(done):.2f} s")
    print(f"  {sum(results['changed'])} of {len(results['changed'])} moves changed the summary "
          "(the others gave the same rounded summary, or were ignored)")
    if len(marks) == 2:
        wall = marks[1]["wall"] - marks[0]["wall"]
        server = marks[1]["server"] - marks[0]["server"]
        machine = marks[1]["machine"] - marks[0]["machine"]
        cores = wall * (os.cpu_count() or 1)
        print(f"  slider moves: {wall:.1f} s; the server used {server:.1f} of the {cores:.0f} "
              f"CPU-s the cores had ({server / cores:.0%}), everything else "
              f"{max(0.0, machine - server):.1f} ({max(0.0, machine - server) / cores:.0%})")
    return drawn


def measure(root: Path, args) -> list[float]:
    """Start the server of the checkout at ``root``, warm it, run the load; the redraw times."""
    process, url = start_server(args.hosted, root, args.processes)
    try:
        # warm: the compiled engine, the caches of the first view; one session open on each
        # server process at once (the proxy gives each new session the least busy process)
        warm = [Session(url, "") for _ in range(args.processes or 1)]
        for s in warm:
            s.run()
        for s in warm:
            s.ws.close()
        if args.both:
            shared = load(url, process, args.sessions, args.moves, False)
            distinct = load(url, process, args.sessions, args.moves, True)
            print(f"p95 slider to charts, each its own seed / all on the same link: "
                  f"{p95(distinct) / p95(shared):.1f}x")
            return distinct
        return load(url, process, args.sessions, args.moves, args.distinct)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--moves", type=int, default=6)
    parser.add_argument("--distinct", action="store_true", help="each session its own seed")
    parser.add_argument("--both", action="store_true", help="shared, then distinct; ratio")
    parser.add_argument("--hosted", action="store_true")
    parser.add_argument("--processes", type=int, default=None, metavar="N",
                        help="serve with 'hlssim serve --processes N' (N server processes "
                             "behind the sticky proxy) instead of one 'streamlit run'")
    parser.add_argument("--compare-processes", type=int, default=None, metavar="N",
                        help="run the load on one 'streamlit run', then on 'hlssim serve "
                             "--processes N', and print the ratios")
    parser.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                        help="first the same load on another checkout (with its own .venv), "
                             "e.g. main, then this one; prints the ratio of their figures")
    args = parser.parse_args()
    if args.baseline:
        print(f"== baseline: {args.baseline}")
        before = measure(args.baseline.resolve(), args)
        print(f"== this checkout: {ROOT}")
    if args.compare_processes:
        print("== one process: streamlit run app.py")
        before = measure(ROOT, argparse.Namespace(**{**vars(args), "processes": None}))
        print(f"== hlssim serve --processes {args.compare_processes}")
        after = measure(ROOT, argparse.Namespace(**{**vars(args),
                                                    "processes": args.compare_processes}))
        print(f"one process / {args.compare_processes} processes, slider to charts: median "
              f"{statistics.median(before) / statistics.median(after):.1f}x, p95 "
              f"{p95(before) / p95(after):.1f}x")
        return 0
    after = measure(ROOT, args)
    if args.baseline:
        print(f"baseline / this checkout, slider to charts: median "
              f"{statistics.median(before) / statistics.median(after):.1f}x, p95 "
              f"{p95(before) / p95(after):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
