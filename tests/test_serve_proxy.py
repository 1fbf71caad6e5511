"""The sticky proxy of ``hlssim serve`` (hlssim.ui.serving.proxy), against two small stand-in
servers that say which one answered: each browser stays on the process it was first given (its
page, downloads and uploads live there), new sessions go to the least busy process, and messages
and requests pass through unchanged both ways."""

from __future__ import annotations

import asyncio

import pytest
from tornado import httpclient, web, websocket

from hlssim.ui.serving.proxy import COOKIE, HEADER, application
from hlssim.ui.serving.servers import free_port


class Echo(web.RequestHandler):
    """A stand-in server's HTTP: says its name, the path, the Host it saw and the body."""

    def initialize(self, name: str) -> None:
        self.name = name

    def check_xsrf_cookie(self) -> None:
        pass

    def get(self, *args) -> None:
        self.set_header("X-Seen-Host", self.request.host)
        self.write(f"{self.name} {self.request.uri}")

    def post(self, *args) -> None:
        self.write(f"{self.name} got {self.request.body.decode()}")


class EchoSocket(websocket.WebSocketHandler):
    """A stand-in server's websocket: answers each message with its name, the message, the
    subprotocols it was offered and the Host it saw."""

    def initialize(self, name: str) -> None:
        self.name = name

    def check_origin(self, origin: str) -> bool:
        return True

    def select_subprotocol(self, subprotocols):
        self.offered = list(subprotocols)
        return subprotocols[0] if subprotocols else None

    def on_message(self, message) -> None:
        if isinstance(message, bytes):
            self.write_message(message[::-1], binary=True)
        else:
            self.write_message(f"{self.name}|{message}|{','.join(self.offered)}|"
                               f"{self.request.host}")


async def start(names=("a", "b")):
    """Two stand-in servers and the proxy in front of them; the proxy's port and servers."""
    servers, addresses = [], []
    for name in names:
        port = free_port()
        app = web.Application([(r"/_stcore/stream", EchoSocket, {"name": name}),
                               (r"(.*)", Echo, {"name": name})])
        servers.append(app.listen(port, "127.0.0.1"))
        addresses.append(f"127.0.0.1:{port}")
    proxy_app = application(addresses)
    port = free_port()
    servers.append(proxy_app.listen(port, "127.0.0.1"))
    return port, servers, proxy_app


async def fetch(port: int, path: str = "/", cookie: str | None = None, **kwargs):
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie is not None else {}
    return await httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{port}{path}", headers=headers, raise_error=False, **kwargs)


async def connect(port: int, cookie: str | None = None, subprotocols=("streamlit", "tok", "")):
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie is not None else {}
    request = httpclient.HTTPRequest(f"ws://127.0.0.1:{port}/_stcore/stream", headers=headers)
    return await websocket.websocket_connect(request, subprotocols=list(subprotocols))


def run(test):
    """Run the coroutine ``test(port, proxy_app)`` against fresh stand-ins and proxy."""
    async def main():
        port, servers, app = await start()
        try:
            return await test(port, app)
        finally:
            for server in servers:
                server.stop()
    return asyncio.run(main())


def test_a_first_request_gets_a_cookie_and_later_ones_stay_on_its_server():
    async def test(port, app):
        first = await fetch(port, "/index.html")
        assert first.code == 200
        cookie = first.headers.get("Set-Cookie", "")
        assert cookie.startswith(f"{COOKIE}=0"), cookie
        assert first.body == b"a /index.html"
        for path in ("/media/x.png", "/_stcore/health", "/static/js/y.js?v=1"):
            again = await fetch(port, path, cookie="1")
            assert again.body == f"b {path}".encode()
            assert again.headers[HEADER] == "1"
            assert "Set-Cookie" not in again.headers  # it has one already
        # a cookie naming no server is replaced by a good one
        stale = await fetch(port, "/", cookie="7")
        assert stale.headers["Set-Cookie"].startswith(f"{COOKIE}=0")
    run(test)


def test_the_request_reaches_its_server_whole():
    async def test(port, app):
        posted = await fetch(port, "/_stcore/upload_file/s/f", cookie="1", method="POST",
                             body="the file's bytes")
        assert posted.body == b"b got the file's bytes"
        seen = await fetch(port, "/", cookie="0")
        # Streamlit compares the page's origin with the Host it sees: the proxy's, not its own
        assert seen.headers["X-Seen-Host"] == f"127.0.0.1:{port}"
    run(test)


def test_sessions_without_a_cookie_go_to_the_least_busy_server_and_with_one_to_theirs():
    async def test(port, app):
        first, second = await connect(port), await connect(port)
        third = await connect(port, cookie="0")  # a browser given server 0 stays there
        names = []
        for ws in (first, second, third):
            await ws.write_message("hello")
            names.append((await ws.read_message()).split("|")[0])
        assert names == ["a", "b", "a"]
        assert app.backends.sessions == [2, 1]
        second.close()
        for _ in range(100):  # the proxy sees the close a moment later
            if app.backends.sessions == [2, 0]:
                break
            await asyncio.sleep(0.02)
        assert app.backends.sessions == [2, 0]
        fourth = await connect(port)  # now server b is the least busy
        await fourth.write_message("hi")
        assert (await fourth.read_message()).startswith("b|hi|")
        for ws in (first, third, fourth):
            ws.close()
    run(test)


def test_messages_pass_unchanged_both_ways_with_the_offered_subprotocols():
    async def test(port, app):
        ws = await connect(port, subprotocols=("streamlit", "xsrf-token", "session-7"))
        assert ws.selected_subprotocol == "streamlit"
        await ws.write_message("text")
        name, message, offered, host = (await ws.read_message()).split("|")
        assert (message, offered, host) == ("text", "streamlit,xsrf-token,session-7",
                                             f"127.0.0.1:{port}")
        payload = bytes(range(256)) * 40
        await ws.write_message(payload, binary=True)
        assert await ws.read_message() == payload[::-1]
        ws.close()
    run(test)


def test_a_server_that_is_gone_gives_a_clear_gateway_error():
    async def test(port, app):
        app.backends.addresses[1] = f"127.0.0.1:{free_port()}"  # nothing listens there
        response = await fetch(port, "/", cookie="1")
        assert response.code == 502
        assert b"did not answer" in response.body
    run(test)


def test_a_proxy_needs_a_server():
    with pytest.raises(ValueError, match="at least one server"):
        application([])
