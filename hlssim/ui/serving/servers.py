"""Start the explorer's Streamlit servers (one per process asked for) and, for more than one, the
sticky proxy in front of them (:mod:`hlssim.ui.serving.proxy`); stop them all together.

Every server runs ``streamlit run app.py`` with the same settings (``.streamlit/config.toml`` of
the app's folder) and the same cookie secret, so a browser's XSRF token is good on any of them.
Servers listen on 127.0.0.1 only; the proxy alone faces the network.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hlssim.errors import HlssimError

#: ``app.py`` beside the package (a checkout or an editable install).
DEFAULT_APP = Path(__file__).resolve().parents[3] / "app.py"
#: The most processes ``hlssim serve`` starts: each holds the model's compiled engine and its own
#: cache (a few hundred MB); more than the cores only adds waiting.
MAX_PROCESSES = 64


def free_port(address: str = "127.0.0.1") -> int:
    """A port on ``address`` free at the time of asking."""
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ServeSettings:
    """What ``hlssim serve`` was asked for, checked (:func:`settings`)."""

    processes: int
    address: str
    port: int
    app: Path
    hosted: bool


def settings(processes: int | None, address: str, port: int, app: str | Path | None,
             hosted: bool) -> ServeSettings:
    """Check ``hlssim serve``'s arguments; a bad one raises a one-line :class:`HlssimError`.

    ``processes`` None means one per core."""
    count = (os.cpu_count() or 1) if processes is None else processes
    if not 1 <= count <= MAX_PROCESSES:
        raise HlssimError(f"--processes {processes}: expected a whole number from 1 to "
                          f"{MAX_PROCESSES} (one per core is usual)")
    if not 0 <= port <= 65535:
        raise HlssimError(f"--port {port}: expected a port number from 0 to 65535 (0: any free "
                          "port)")
    path = Path(app) if app is not None else DEFAULT_APP
    if not path.is_file():
        raise HlssimError(f"--app '{path}': no such file; expected the explorer's app.py "
                          "(it is at the top of a checkout of hlssim)")
    return ServeSettings(count, address, port, path.resolve(), hosted)


def streamlit_command(app: Path, port: int, address: str) -> list[str]:
    """``streamlit run`` of ``app`` on ``address:port``, headless (the cookie secret goes in
    the environment: Streamlit refuses it on the command line)."""
    return [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
            "--server.address", address, "--server.port", str(port),
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]


def wait_healthy(url: str, processes: Sequence[subprocess.Popen], timeout: float = 120) -> None:
    """Wait until ``url``'s health check answers; raise if a process ends first or it takes
    longer than ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise HlssimError(f"the explorer's server ended at start (exit code "
                                  f"{process.returncode}); run 'streamlit run app.py' to see why")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise HlssimError(f"the explorer's server at {url} did not answer within {timeout:.0f} s")


def stop(processes: Sequence[subprocess.Popen], timeout: float = 15) -> None:
    """Ask each process to end, then kill any still running after ``timeout`` seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _end_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """In a server process (Linux): be sent SIGTERM when ``hlssim serve`` ends, even by
    ``kill -9``, so no server is left running without its proxy."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_servers(config: ServeSettings, env: Mapping[str, str] | None = None,
                  output=None) -> tuple[list[subprocess.Popen], list[str]]:
    """Start ``config.processes`` Streamlit servers on free ports of 127.0.0.1 and wait until
    each answers; their processes and ``host:port`` addresses. All are stopped if one fails.

    ``output`` takes each server's standard output (its banner names its own port, which the
    browser must not use); its errors go to this process's standard error."""
    environ = dict(os.environ if env is None else env)
    if config.hosted:
        environ["HLSSIM_HOSTED"] = "1"
    environ.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(16))
    processes, addresses = [], []
    try:
        for _ in range(config.processes):
            port = free_port()
            processes.append(subprocess.Popen(
                streamlit_command(config.app, port, "127.0.0.1"),
                cwd=config.app.parent, env=environ, stdout=output,
                preexec_fn=_end_with_parent if sys.platform == "linux" else None))
            addresses.append(f"127.0.0.1:{port}")
        for address in addresses:
            wait_healthy(f"http://{address}", processes)
    except BaseException:
        stop(processes)
        raise
    return processes, addresses


def serve(config: ServeSettings, announce=print) -> int:
    """Run the explorer until interrupted: one Streamlit server on ``config.port`` for one
    process, else the servers behind the proxy on ``config.port``. Returns an exit code."""
    if config.processes == 1:  # this process becomes the server: signals reach it directly
        environ = os.environ | ({"HLSSIM_HOSTED": "1"} if config.hosted else {})
        command = streamlit_command(config.app, config.port or free_port(config.address),
                                    config.address)
        os.chdir(config.app.parent)
        sys.stdout.flush()
        os.execve(command[0], command, environ)
    processes, addresses = start_servers(config, output=subprocess.DEVNULL)
    try:
        return asyncio.run(_run_proxy(config, addresses, processes, announce))
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


async def _run_proxy(config: ServeSettings, addresses: list[str],
                     processes: list[subprocess.Popen], announce) -> int:
    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets

    from hlssim.ui.serving.proxy import application

    sockets = bind_sockets(config.port, config.address)  # port 0: the one the system picked
    server = HTTPServer(application(addresses))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    announce(f"hlssim explorer: http://{config.address}:{port} ({config.processes} server "
             f"processes behind a sticky proxy; Ctrl+C to stop)", flush=True)
    finished = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, finished.set)
    code = 0
    while not finished.is_set():
        ended = [p for p in processes if p.poll() is not None]
        if ended:
            announce(f"hlssim explorer: a server process ended (exit code "
                     f"{ended[0].returncode}); stopping", file=sys.stderr, flush=True)
            code = 1
            break
        try:
            await asyncio.wait_for(finished.wait(), timeout=1.0)
        except TimeoutError:
            pass
    server.stop()
    return code
