"""``hlssim serve``: the real explorer on two server processes behind the sticky proxy.

Sessions spoken over Streamlit's own protocol get the page from either process; a real browser
through the proxy draws the charts and downloads a file (which lives in its own process's memory,
so it arrives only if the proxy keeps the browser there); stopping ``hlssim serve`` stops its
servers; bad arguments get one line and exit code 2.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
from test_browser import ROOT, browser, chart_drawn, chromium, page_text, wait_for  # noqa: F401

from hlssim.ui.serving.proxy import COOKIE, HEADER
from hlssim.ui.serving.servers import free_port, wait_healthy

SUMMARY = "true wellbeing (0 to 1) averaged"


@pytest.fixture(scope="module")
def serve() -> Iterator[tuple[str, subprocess.Popen]]:
    """``hlssim serve --processes 2`` on a free port; its address and process."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hlssim", "serve", "--processes", "2", "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, [process], timeout=120)
            yield url, process
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=60)


@pytest.fixture(scope="module")
def server(serve) -> str:
    """The address the browser fixture (from test_browser) opens: the proxy's."""
    return serve[0]


def page_summary(url: str, query: str = "") -> str:
    """One session over Streamlit's websocket protocol: ask for the page, return the summary's
    text once the page's run has finished."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    host = url.removeprefix("http://")
    with connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], origin=url,
                 max_size=None, open_timeout=60) as ws:
        ws.send(BackMsg(rerun_script=ClientState(query_string=query)).SerializeToString())
        summary = ""
        while True:
            msg = ForwardMsg.FromString(ws.recv(timeout=300))
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "markdown" and SUMMARY in element.markdown.body:
                    summary = element.markdown.body
            elif kind == "script_finished":
                return summary


def test_two_server_processes_answer_behind_one_address(serve):
    url, process = serve
    servers = psutil.Process(process.pid).children()
    assert len(servers) == 2
    for k in ("0", "1"):
        request = urllib.request.Request(f"{url}/_stcore/health",
                                         headers={"Cookie": f"{COOKIE}={k}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and response.headers[HEADER] == k
    # two sessions open at once go to the two processes; each gets the whole page
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(page_summary, [url, url]))
    assert all(SUMMARY in s for s in summaries)
    assert summaries[0] == summaries[1]  # the same settings and luck on either process


def test_a_browser_through_the_proxy_draws_the_charts_and_downloads(browser, server):
    browser.set_window_size(1600, 2000)
    browser.get(server)
    wait_for(browser, lambda d: "From 5 runs" in page_text(d), 120)
    wait_for(browser, chart_drawn, 60)
    assert "Traceback" not in page_text(browser)
    assert browser.get_cookie(COOKIE) is not None
    click = ("const b = [...document.querySelectorAll('button')]"
             ".find(e => e.innerText.trim() === arguments[0]);"
             "if (!b) return false; b.scrollIntoView(); b.click(); return true;")
    wait_for(browser, lambda d: d.execute_script(click, "Final-year summary (CSV)"), 60)

    def arrived(_):
        names = [p.name for p in browser.downloads.iterdir()]
        return any(n.endswith("_summary.csv") for n in names) and not any(
            n.endswith(".crdownload") for n in names)

    wait_for(browser, arrived, 60)
    summary = next(p for p in browser.downloads.iterdir() if p.name.endswith("_summary.csv"))
    assert summary.read_text().startswith("Regime")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["terminate", "kill -9"])
def test_stopping_serve_stops_its_servers(how):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hlssim", "serve", "--processes", "2", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", [process], timeout=120)
        servers = psutil.Process(process.pid).children()
        assert len(servers) == 2
        process.send_signal(how)
        assert process.wait(timeout=60) == (0 if how == signal.SIGTERM else -signal.SIGKILL)
        gone, alive = psutil.wait_procs(servers, timeout=30)
        assert not alive, f"{len(alive)} server process(es) left running"
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("arguments, message", [
    (["--processes", "0"], "--processes 0: expected a whole number from 1 to 64"),
    (["--port", "70000"], "--port 70000: expected a port number from 0 to 65535"),
    (["--app", "no/such/app.py"], "--app 'no/such/app.py': no such file"),
])
def test_bad_arguments_get_one_line_and_exit_code_2(arguments, message):
    done = subprocess.run([sys.executable, "-m", "hlssim", "serve", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_one_process_is_plain_streamlit_without_the_proxy():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hlssim", "serve", "--processes", "1", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, [process], timeout=120)
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as response:
            assert response.status == 200 and HEADER not in response.headers
        assert SUMMARY in page_summary(url)
        assert not psutil.Process(process.pid).children()  # it is the server itself
        process.terminate()
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
