"""The GPT live view: watch a GPT learn names, with its attention, its next-token
probabilities, its embedding and the names it makes up as it trains.

``GPTLive(**options)`` is a Jupyter widget (``gpt_live.widget``; anywidget) and works with
no front end at all: ``live.step(100)``, ``live.losses``, ``live.model``.
``micrograd-plus gpt-live`` serves the same front end in a browser page
(``gpt_live.server``), and that path loads nothing of Jupyter: the widget is imported
only when it is first named.

The house, as the playground's: ``run`` (the run: its state and every kept step),
``protocol`` (a page's messages in, one reply out each, and the frame a page draws),
``server`` and ``widget`` (the two ways a page reaches a run).
"""

from __future__ import annotations

from typing import Any

__all__ = ["GPTLive"]


def __getattr__(name: str) -> Any:
    """``GPTLive`` from ``gpt_live.widget``, loaded when first asked for, so that the
    server's path never imports Jupyter."""
    if name in __all__:
        from micrograd_plus.gpt_live import widget

        return getattr(widget, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
