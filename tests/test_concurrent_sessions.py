"""Several people on one server at once: each session's page is laid out as if it were alone.

Streamlit runs every session's script in one process, each run on its own thread. The explorer
once kept the sidebar's boxes in a module-level dict, so one session's run wrote into boxes made
by another's, and elements landed in the wrong places (a heading third instead of first, sliders
moved; in a browser, a redraw that never finished). This opens sessions over Streamlit's own
protocol on a real server, first one alone, then six at once with different luck (so their runs
overlap), and checks every element of every page arrives at the same place as the lone page's.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hlssim.ui.serving.servers import free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``streamlit run app.py`` (one process) on a free port."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
             "true", "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, [process], timeout=120)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=60)


def layout(url: str, query: str) -> list[tuple[tuple[int, ...], str]]:
    """One session over Streamlit's websocket protocol: every element and block the page's run
    sends, as (where it goes, what it is), until the run has finished."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    host = url.removeprefix("http://")
    found = []
    with connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], origin=url,
                 max_size=None, open_timeout=60) as ws:
        ws.send(BackMsg(rerun_script=ClientState(query_string=query)).SerializeToString())
        while True:
            msg = ForwardMsg.FromString(ws.recv(timeout=300))
            kind = msg.WhichOneof("type")
            if kind == "delta":
                delta = msg.delta.WhichOneof("type")
                if delta == "new_transient":  # spinners and the like: they come and go
                    continue
                what = msg.delta.new_element.WhichOneof("type") if delta == "new_element" else delta
                found.append((tuple(msg.metadata.delta_path), what))
            elif kind == "script_finished":
                return sorted(found)


def test_six_sessions_at_once_each_get_the_page_a_lone_session_gets(server):
    alone = layout(server, "run:seed=900")
    assert sum(what == "slider" for _, what in alone) >= 10  # the sidebar's controls
    with ThreadPoolExecutor(6) as pool:
        pages = list(pool.map(lambda k: layout(server, f"run:seed={k}"), range(1, 7)))
    for k, page in enumerate(pages, start=1):
        moved = sorted(set(page) ^ set(alone))
        assert page == alone, f"session {k}: elements out of place, e.g. {moved[:4]}"
