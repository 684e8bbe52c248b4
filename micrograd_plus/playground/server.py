"""``micrograd-plus playground``: the playground's page from a small server on this
machine (``micrograd_plus.loopback``: 127.0.0.1, a token, a WebSocket for the two-way
channel). Each connection is a playground of its own.
"""

from __future__ import annotations

from importlib import resources

from micrograd_plus.loopback import LoopbackServer
from micrograd_plus.playground.protocol import Channel
from micrograd_plus.playground.session import Session
from micrograd_plus.playground.settings import Settings

__all__ = ["PlaygroundServer", "page_module"]


def page_module() -> str:
    """The front end's ES module."""
    own = resources.files("micrograd_plus.playground") / "page"
    return (own / "playground.js").read_text(encoding="utf-8")


class PlaygroundServer(LoopbackServer):
    """The playground's page and its channel on 127.0.0.1."""

    def __init__(
        self, port: int = 0, settings: Settings | None = None, token: str | None = None
    ) -> None:
        self.settings = settings
        super().__init__(
            "micrograd_plus playground",
            ("playground.js", page_module()),
            lambda: Channel(Session(self.settings)),
            port,
            token,
        )
