"""``micrograd-plus playground``: the playground's page from a small server on this
machine, with a WebSocket for the two-way channel.

The server is the ``websockets`` library (sync API): one small, well-kept, pure-Python
package that speaks both plain HTTP (for the page and its module) and WebSocket, with no
framework behind it. It listens on 127.0.0.1 only, asks for the token it printed on
every request (401 without one, 403 with a wrong one), answers only to a Host header
that names the loopback (400 otherwise: no DNS rebinding), accepts WebSocket
connections only from its own page's origin, and reads no file but its own page.
Each connection is a playground of its own.
"""

from __future__ import annotations

import json
import secrets
from http import HTTPStatus
from importlib import resources
from string import Template
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from micrograd_plus.playground.protocol import MAX_MESSAGE, Channel, Refused, parse
from micrograd_plus.playground.session import Session
from micrograd_plus.playground.settings import Settings

__all__ = ["PlaygroundServer", "page_module"]


def page_module() -> str:
    """The front end's ES module."""
    own = resources.files("micrograd_plus.playground") / "page"
    return (own / "playground.js").read_text(encoding="utf-8")


class PlaygroundServer:
    """The page and its channel on 127.0.0.1: ``url`` to open, ``serve_forever()``,
    ``shutdown()`` (from another thread, or Ctrl-C)."""

    def __init__(
        self, port: int = 0, settings: Settings | None = None, token: str | None = None
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)  # a given one: the same link again
        self.settings = settings
        self._server: Server = serve(
            self._connection,
            "127.0.0.1",
            port,
            process_request=self._request,
            max_size=4 * MAX_MESSAGE,  # larger ones get an error reply, not a closed socket
            compression=None,
        )
        self.port = int(self._server.socket.getsockname()[1])
        self._hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        page = resources.files("micrograd_plus.playground") / "page" / "index.html"
        self._page = Template(page.read_text(encoding="utf-8")).substitute(token=self.token)
        self._module = page_module()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def shutdown(self) -> None:
        self._server.shutdown()

    def _request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Every request, before anything is served: Host, then token, then the path."""
        hosts = request.headers.get_all("Host")
        if len(hosts) != 1 or hosts[0] not in self._hosts:
            return _reply(
                HTTPStatus.BAD_REQUEST, "this server answers only to 127.0.0.1 and localhost"
            )
        parts = urlsplit(request.path)
        given = parse_qs(parts.query).get("token", [""])[0]
        if not given:
            return _reply(HTTPStatus.UNAUTHORIZED, "add the token the command printed: ?token=...")
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return _reply(HTTPStatus.FORBIDDEN, "that token is not this server's")
        if parts.path == "/ws":
            origin = request.headers.get("Origin")
            if origin is not None and urlsplit(origin).netloc not in self._hosts:
                return _reply(HTTPStatus.FORBIDDEN, "the channel is for this server's own page")
            return None  # go on to the WebSocket handshake
        if parts.path == "/":
            return _reply(HTTPStatus.OK, self._page, "text/html; charset=utf-8")
        if parts.path == "/playground.js":
            return _reply(HTTPStatus.OK, self._module, "text/javascript; charset=utf-8")
        return _reply(HTTPStatus.NOT_FOUND, "not found")

    def _connection(self, connection: ServerConnection) -> None:
        channel = Channel(Session(self.settings))
        try:
            for text in connection:
                try:
                    reply = channel.handle(parse(text))
                except Refused as error:
                    reply = {"type": "error", "message": str(error)}
                connection.send(json.dumps(reply, allow_nan=False))
        except ConnectionClosed:
            pass


def _reply(status: HTTPStatus, body: str, kind: str = "text/plain; charset=utf-8") -> Response:
    data = body.encode("utf-8")
    headers = Headers(
        [
            ("Content-Type", kind),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
        ]
    )
    return Response(status.value, status.phrase, headers, data)
