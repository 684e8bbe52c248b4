"""The playground: watch a network learn, live, with one sample's graph on screen.

``Playground(**settings)`` is a Jupyter widget (``playground.widget``; anywidget:
JupyterLab, Notebook 7, VS Code, Colab) and works with no front end at all:
``pg.step(300)``, ``pg.train_loss``, ``pg.model``, ``pg.history``. ``micrograd-plus
playground`` serves the same front end in a browser page (``playground.server``), and
that path loads nothing of Jupyter: the widget is imported only when it is first named.

The house: ``settings`` and ``data`` (what can be chosen), ``history`` and ``session``
(the run: its state and every kept iteration), ``view`` (the frames a page draws),
``protocol`` (a page's messages in, one reply out each), ``server`` and ``widget`` (the
two ways a page reaches a run).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Playground", "settings_from"]


def __getattr__(name: str) -> Any:
    """``Playground`` and ``settings_from`` from ``playground.widget``, loaded when first
    asked for, so that the server's path never imports Jupyter."""
    if name in __all__:
        from micrograd_plus.playground import widget

        return getattr(widget, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
