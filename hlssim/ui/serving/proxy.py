"""A sticky reverse proxy in front of several Streamlit servers of the explorer.

Streamlit runs every session's page in one Python process, whose lock lets one page's Python run
at a time: ten people moving sliders at once queue behind each other on one core, however many
cores the machine has. Several ``streamlit run app.py`` processes behind this proxy share the
sessions out, so each core serves some of them.

A browser must stay with one process: its session's page, the files it downloads (``/media/``)
and the files it uploads live in that process's memory. The proxy therefore answers a browser's
first request with a cookie naming the process it chose (the one with the fewest open sessions)
and sends every later request carrying that cookie, the page's websocket included, to the same
process. A client without the cookie (a script speaking Streamlit's protocol) is given the
process with the fewest open sessions for its websocket.

Tornado (already installed with Dask's distributed) does the HTTP and websocket work; nothing
here parses Streamlit's own messages, which pass through as they are. For a production host, the
same routing in nginx is shown in ``docs/hosting.md``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tornado import httpclient, web, websocket

#: The cookie naming a browser's server process.
COOKIE = "hlssim_server"
#: The response header naming the process that answered (for tests and for an operator's logs).
HEADER = "X-Hlssim-Server"
#: Headers that describe one connection, not the message: never passed on.
HOP_BY_HOP = frozenset(h.lower() for h in (
    "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailers",
    "Transfer-Encoding", "Upgrade", "Content-Length", "Host"))

log = logging.getLogger(__name__)


@dataclass
class Backends:
    """The Streamlit servers behind the proxy (``host:port`` each) and their open sessions."""

    addresses: list[str]
    sessions: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.addresses:
            raise ValueError("a proxy needs at least one server behind it")
        self.sessions = [0] * len(self.addresses)

    def least_busy(self) -> int:
        """The process with the fewest open sessions (the first such, so the choice is
        predictable)."""
        return min(range(len(self.addresses)), key=lambda k: (self.sessions[k], k))

    def chosen(self, cookie: str | None) -> int | None:
        """The process a cookie names, or None when it names none of them."""
        if cookie is not None and cookie.isdigit() and int(cookie) < len(self.addresses):
            return int(cookie)
        return None


class HttpProxy(web.RequestHandler):
    """Every plain HTTP request: passed to the browser's process, or to the least busy one with
    a cookie naming it from then on."""

    def initialize(self, backends: Backends, client: httpclient.AsyncHTTPClient) -> None:
        self.backends, self.client = backends, client

    def check_xsrf_cookie(self) -> None:
        """Streamlit checks its own XSRF token; the proxy passes requests on as they are."""

    async def _forward(self) -> None:
        cookie = self.get_cookie(COOKIE)
        k = self.backends.chosen(cookie)
        if k is None:
            k = self.backends.least_busy()
            self.set_cookie(COOKIE, str(k), path="/", httponly=True, samesite="Lax")
        headers = {name: value for name, value in self.request.headers.get_all()
                   if name.lower() not in HOP_BY_HOP}
        headers["Host"] = self.request.host  # Streamlit compares it with the page's origin
        body = self.request.body if self.request.method in ("POST", "PUT", "PATCH") else None
        request = httpclient.HTTPRequest(
            f"http://{self.backends.addresses[k]}{self.request.uri}", method=self.request.method,
            headers=headers, body=body, follow_redirects=False, decompress_response=False,
            allow_nonstandard_methods=True, request_timeout=600)
        try:
            response = await self.client.fetch(request, raise_error=False)
        except OSError as error:  # the process is gone: say so, as a gateway does
            log.warning("server %d (%s) did not answer: %s", k, self.backends.addresses[k], error)
            self.set_status(502)
            self.finish(f"the explorer's server {k} did not answer")
            return
        self.set_status(response.code, response.reason)
        self.clear_header("Content-Type")
        for name, value in response.headers.get_all():
            if name.lower() in HOP_BY_HOP or name.lower() in ("date", "server"):
                continue
            self.add_header(name, value)
        self.set_header(HEADER, str(k))
        if response.body:
            self.write(response.body)
        self.finish()

    get = post = put = patch = delete = head = options = _forward


class WebSocketProxy(websocket.WebSocketHandler):
    """A page's websocket (``/_stcore/stream``), joined to one on the browser's process; each
    message passed on unchanged in either direction."""

    def initialize(self, backends: Backends) -> None:
        self.backends = backends
        self.upstream: websocket.WebSocketClientConnection | None = None
        self.chosen = 0
        self.pending: list = []

    def check_origin(self, origin: str) -> bool:
        """Streamlit checks the origin itself, against the Host header passed on to it."""
        return True

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        # Streamlit's page offers ["streamlit", its XSRF token, its session id]; the server picks
        # the first and reads the others, so all are passed on and the first is picked here.
        self.offered = list(subprotocols)
        return subprotocols[0] if subprotocols else None

    def get_compression_options(self):
        return None

    async def open(self, *args) -> None:
        k = self.backends.chosen(self.get_cookie(COOKIE))
        self.chosen = self.backends.least_busy() if k is None else k
        self.backends.sessions[self.chosen] += 1
        headers = {name: value for name, value in self.request.headers.get_all()
                   if name.lower() in ("cookie", "origin", "user-agent")}
        headers["Host"] = self.request.host
        request = httpclient.HTTPRequest(
            f"ws://{self.backends.addresses[self.chosen]}{self.request.uri}", headers=headers,
            connect_timeout=60, request_timeout=None)
        try:
            self.upstream = await websocket.websocket_connect(
                request, on_message_callback=self._from_server, max_message_size=2 ** 31,
                subprotocols=getattr(self, "offered", None) or None)
        except (OSError, websocket.WebSocketError, httpclient.HTTPClientError) as error:
            log.warning("server %d refused a session: %s", self.chosen, error)
            self.close(1011, "the explorer's server did not answer")
            return
        for message in self.pending:
            await self.upstream.write_message(message, binary=isinstance(message, bytes))
        self.pending.clear()

    async def on_message(self, message) -> None:
        if self.upstream is None:
            self.pending.append(message)  # sent while the server's end was being opened
            return
        try:
            await self.upstream.write_message(message, binary=isinstance(message, bytes))
        except websocket.WebSocketClosedError:
            self.close()

    def _from_server(self, message) -> None:
        if message is None:  # the server closed its end
            self.close()
            return
        try:
            self.write_message(message, binary=isinstance(message, bytes))
        except websocket.WebSocketClosedError:
            if self.upstream is not None:
                self.upstream.close()

    def on_close(self) -> None:
        self.backends.sessions[self.chosen] -= 1
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None


def application(addresses: list[str], max_body_bytes: int = 200 * 2 ** 20) -> web.Application:
    """The proxy for Streamlit servers at ``addresses`` (``host:port``); ``max_body_bytes``, the
    largest upload passed on (Streamlit's own default limit, 200 MB)."""
    backends = Backends(list(addresses))
    client = httpclient.AsyncHTTPClient(max_body_size=max_body_bytes, max_clients=64)
    app = web.Application([
        (r"/_stcore/stream", WebSocketProxy, {"backends": backends}),
        (r".*", HttpProxy, {"backends": backends, "client": client}),
    ], websocket_max_message_size=2 ** 31)
    app.backends = backends
    return app
