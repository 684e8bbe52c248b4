"""``micrograd-plus gpt-live``: the GPT live view's page from a small server on this
machine (``micrograd_plus.loopback``: 127.0.0.1, a token, a WebSocket for the two-way
channel). Each connection is a run of its own.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from micrograd_plus.gpt_live.protocol import Channel
from micrograd_plus.gpt_live.run import LiveRun
from micrograd_plus.loopback import LoopbackServer

__all__ = ["GPTLiveServer", "page_module"]


def page_module() -> str:
    """The front end's ES module."""
    return (resources.files("micrograd_plus.gpt_live") / "page" / "gpt_live.js").read_text(
        encoding="utf-8"
    )


class GPTLiveServer(LoopbackServer):
    """The live view's page and its channel on 127.0.0.1; ``options`` go to each
    connection's ``LiveRun``."""

    def __init__(self, port: int = 0, token: str | None = None, **options: Any) -> None:
        self.options = options
        super().__init__(
            "micrograd_plus: a GPT, live",
            ("gpt_live.js", page_module()),
            lambda: Channel(LiveRun(**self.options)),
            port,
            token,
        )
