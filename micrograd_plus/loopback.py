"""A page and its two-way channel from a small server on this machine: the playground's
and the GPT live view's (``micrograd-plus playground``, ``micrograd-plus gpt-live``).

The server is the ``websockets`` library (sync API): one small, well-kept, pure-Python
package that speaks both plain HTTP (for the page and its module) and WebSocket, with no
framework behind it. It listens on 127.0.0.1 only, asks for the token it printed on
every request (401 without one, 403 with a wrong one), answers only to a Host header
that names the loopback (400 otherwise: no DNS rebinding), accepts WebSocket
connections only from its own page's origin, and reads no file but its own page.
Each connection is a run of its own: ``channel()`` makes its ``Channel``, whose
``handle(message)`` gives the one reply to each message (never an exception).
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from http import HTTPStatus
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

__all__ = ["MAX_MESSAGE", "Channel", "LoopbackServer", "Refused", "parse"]

MAX_MESSAGE = 64 * 1024  # a user's action is small; anything larger is refused
MAX_DEPTH = 4  # a message is an object of numbers and text: nothing nests deeper


class Refused(ValueError):
    """A message that cannot be done, with the sentence that says why."""


def parse(text: str | bytes) -> Any:
    """A message's JSON, refused (``Refused``) when too large or nested too deep, before
    the parser sees it."""
    if len(text) > MAX_MESSAGE:
        raise Refused(f"a message is at most {MAX_MESSAGE:,} bytes, got {len(text):,}")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = deepest = 0
    quoted = escaped = False
    for char in text:  # nesting outside strings, without parsing
        if quoted:
            escaped, quoted = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                raise Refused(f"a message nests at most {MAX_DEPTH} levels deep")
        elif char in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except ValueError:
        raise Refused("a message is a JSON object, and this is not JSON") from None


def deep(message: Any) -> bool:
    """Whether an object (already parsed, as Jupyter hands it over) nests too deep."""
    level = [message]
    for _ in range(MAX_DEPTH + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True


def text(message: dict[str, Any], key: str) -> str:
    value = message.get(key)
    if not isinstance(value, str) or len(value) > 4000:
        raise Refused(f"{key} must be text (at most 4,000 characters), got {type(value).__name__}")
    return value


def number(message: dict[str, Any], key: str) -> float:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused(f"{key} must be a finite number, got {value!r}"[:200])
    return float(value)


def whole(message: dict[str, Any], key: str) -> int:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**31:
        raise Refused(f"{key} must be a whole number, got {value!r}"[:200])
    return value


class Channel:
    """One page's conversation with a run: its messages in, one reply out each, never an
    exception. ``_do`` answers a message already checked to be an object with a 'type'
    and nested no deeper than ``MAX_DEPTH``; a refusal (or a bad value) becomes
    ``{"type": "error", "message": ...}`` in its own words, and even a failure of ours
    becomes an error reply: no message ends a run."""

    what = "the page"  # how a failure of ours names what could not act

    def handle(self, message: Any) -> dict[str, Any]:
        """The reply to one message."""
        kind = str(message.get("type") if isinstance(message, dict) else None)[:20]
        try:
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise Refused("a message is an object with a 'type'")
            if deep(message):
                raise Refused(f"a message nests at most {MAX_DEPTH} levels deep")
            return {**self._do(message), "re": kind}
        except (Refused, ValueError, KeyError, TypeError, IndexError) as error:
            return {"type": "error", "message": str(error)[:300], "re": kind}
        except Exception as error:  # a failure of ours: said, and the run goes on
            said = f"{self.what} could not do {kind!r} ({type(error).__name__})"
            return {"type": "error", "message": said, "re": kind}

    def _do(self, message: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


class LoopbackServer:
    """The page and its channel on 127.0.0.1: ``url`` to open, ``serve_forever()``,
    ``shutdown()`` (from another thread, or Ctrl-C). The page is ``page_index.html``
    loading ``module`` (its file name and its text), which renders into it as anywidget
    renders a widget."""

    def __init__(
        self,
        title: str,
        module: tuple[str, str],
        channel: Callable[[], Channel],
        port: int = 0,
        token: str | None = None,
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)  # a given one: the same link again
        self._channel = channel
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
        page = resources.files("micrograd_plus") / "page_index.html"
        self._page = Template(page.read_text(encoding="utf-8")).substitute(
            token=self.token, title=title, module=module[0]
        )
        self._module_path = "/" + module[0]
        self._module = module[1]

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
        if parts.path == self._module_path:
            return _reply(HTTPStatus.OK, self._module, "text/javascript; charset=utf-8")
        return _reply(HTTPStatus.NOT_FOUND, "not found")

    def _connection(self, connection: ServerConnection) -> None:
        channel = self._channel()
        try:
            for text in connection:
                try:
                    reply = channel.handle(parse(text))
                    said = json.dumps(reply, allow_nan=False)
                except Refused as error:
                    said = json.dumps({"type": "error", "message": str(error)})
                except ValueError:  # a number JSON cannot carry: a failure of ours, said
                    bug = "the reply held a number that is not finite: a bug in micrograd_plus"
                    said = json.dumps({"type": "error", "message": bug})
                connection.send(said)
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
