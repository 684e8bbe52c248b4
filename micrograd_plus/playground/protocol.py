"""The playground's messages: what a page (or a kernel) asks, and the one reply to each.

``Channel(session).handle(message)`` answers every message exactly once: the new frame,
an export, the stepper's page, or ``{"type": "error", "message": ...}`` that says what
was wrong in this project's words. No message can end a session: a refusal leaves the
session as it was, and even a failure of our own becomes an error reply.

Messages (JSON objects with a ``type``): ``init`` (a URL hash), ``frame``, ``tick`` or
``step``, ``set`` (key, value as a URL hash writes them), ``reset``, ``regenerate``,
``point`` (x, y, label), ``remove`` (x, y), ``select`` (sample), ``weight`` (layer,
neuron, input, and value to edit it), ``scrub`` (iteration, or null for now),
``train_from`` (iteration), ``export`` (what: model or script), ``stepper``.
"""

from __future__ import annotations

import copy
from typing import Any

from micrograd_plus import loopback
from micrograd_plus.loopback import Refused, number, text, whole
from micrograd_plus.playground.session import Session, feature_columns
from micrograd_plus.playground.settings import from_hash
from micrograd_plus.playground.view import View, export
from micrograd_plus.viz import Stepper

__all__ = ["Channel"]


class Channel(loopback.Channel):
    """One page's conversation with a session: its messages in, one reply out each."""

    what = "the playground"

    def __init__(self, session: Session) -> None:
        self.session = session
        self.view = View()

    def frame(self) -> dict[str, Any]:
        return self.view.frame(self.session)

    def _do(self, message: dict[str, Any]) -> dict[str, Any]:
        session, kind = self.session, message["type"]
        if kind in ("tick", "step"):
            session.step(1)
        elif kind == "init":
            link = text(message, "hash")  # a link's missing keys take their defaults
            session.open_link(from_hash(link) if link.strip("#") else session.settings)
            self.view.forget()
        elif kind == "frame":
            self.view.forget()
        elif kind == "set":
            session.set(text(message, "key"), text(message, "value"))
        elif kind == "reset":
            session.restart()
        elif kind == "regenerate":
            session.regenerate()
        elif kind == "point":
            label = message.get("label")
            if isinstance(label, bool) or not isinstance(label, int | float):
                raise Refused(f"a point's label is a number, got {label!r}"[:200])
            session.add_point(number(message, "x"), number(message, "y"), label)
        elif kind == "remove":
            session.remove_point(number(message, "x"), number(message, "y"))
        elif kind == "select":
            session.select(whole(message, "sample"))
        elif kind == "weight":
            where = (whole(message, "layer"), whole(message, "neuron"), whole(message, "input"))
            if "value" in message:
                session.set_weight(*where, number(message, "value"))
            else:
                session.choose_weight(*where)
        elif kind == "scrub":
            session.scrub(None if message.get("iteration") is None else whole(message, "iteration"))
        elif kind == "train_from":
            session.train_from(whole(message, "iteration"))
        elif kind == "export":
            what = message.get("what", "model")
            return {"type": "export", "what": "script" if what == "script" else "model",
                    **export(session)}  # fmt: skip
        elif kind == "stepper":
            return {"type": "stepper", "page": stepper_page(session)}
        else:
            raise Refused(f"unknown message type {kind!r}"[:200])
        return self.frame()


def stepper_page(session: Session) -> str:
    """The stepper page for the selected sample at the weights on view."""
    with session.showing():
        twin = copy.deepcopy(session.model)
    i = session.selected
    x = feature_columns(session.train_X[i : i + 1], session.settings.features)[0]
    loss = session.loss_fn(twin(x), float(session.train_y[i]))
    loss.backward()
    title = f"training point {i} at iteration {session.now.iteration}"
    return Stepper(loss, params=twin, title=title, max_nodes=2_000).page
