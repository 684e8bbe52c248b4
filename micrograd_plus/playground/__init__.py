"""The playground: watch a network learn, live, with one sample's graph on screen.

``Playground(**settings)`` is a Jupyter widget (anywidget: JupyterLab, Notebook 7, VS
Code, Colab; its JavaScript ships in the package) and works with no front end at all:
``pg.step(300)``, ``pg.train_loss``, ``pg.model``. ``micrograd-plus playground`` serves
the same front end in a browser page (``playground.server``).

Settings take TF Playground's names, in Python's spelling: ``Playground(dataset="circle",
network_shape=[4, 2], activation="tanh", learning_rate=0.03, seed=1)``; ``from_url``
reads a TF Playground link and ``url_hash()`` writes one.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import anywidget
import traitlets

from micrograd_plus.nn import MLP
from micrograd_plus.playground.server import page_module
from micrograd_plus.playground.session import Session, handle
from micrograd_plus.playground.settings import Settings, from_hash

__all__ = ["Playground"]


def settings_from(**given: Any) -> Settings:
    """Settings from keyword arguments in snake_case (``network_shape``) or TF
    Playground's camelCase (``networkShape``)."""
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in given.items():
        name = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)
        name = {"trainRatio": "percTrainData"}.get(name, name)
        if name not in names or name == "extra":
            raise TypeError(f"Playground has no setting {key!r}; see Settings for the list")
        values[name] = tuple(value) if isinstance(value, list) else value
    return Settings(**values)


class Playground(anywidget.AnyWidget):
    """A live playground: train with ``step(n)`` or the page's play button."""

    _esm = traitlets.Unicode(page_module()).tag(sync=True)

    def __init__(
        self, *, engine: str = "tape", settings: Settings | None = None, **given: Any
    ) -> None:
        super().__init__()
        self.session = Session(settings or settings_from(**given), engine=engine)
        self.on_msg(self._message)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.send(handle(self.session, content))

    @classmethod
    def from_url(cls, text: str, *, engine: str = "tape") -> Playground:
        """A playground from a TF Playground link (or its hash)."""
        return cls(
            engine=engine, settings=from_hash(text.partition("#")[2] if "#" in text else text)
        )

    def step(self, n: int = 1) -> None:
        """``n`` iterations (each a pass over the training points in batches)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 100_000:
            raise ValueError(
                f"step takes a whole number of iterations from 0 to 100,000, got {n!r}"
            )
        self.session.step(n)
        if self.comm is not None:
            self.send(self.session.frame())

    def url_hash(self) -> str:
        return self.session.url_hash()

    def export(self) -> dict[str, str]:
        return self.session.export()

    @property
    def iteration(self) -> int:
        return self.session.iteration

    @property
    def train_loss(self) -> float:
        return self.session.train_loss

    @property
    def test_loss(self) -> float:
        return self.session.test_loss

    @property
    def model(self) -> MLP:
        return self.session.model

    @property
    def settings(self) -> Settings:
        return self.session.settings
