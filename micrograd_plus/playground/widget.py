"""``Playground``: the playground as a Jupyter widget (anywidget: JupyterLab, Notebook 7,
VS Code, Colab; its JavaScript ships in the package), which works with no front end too.

Its settings are the widget's traits, in TF Playground's keys in snake_case
(``learning_rate``, ``network_shape``, ``dataset``, ...): ``pg.learning_rate = 0.1``
changes the run and the page, a change on the page shows in ``pg.learning_rate``, and
``traitlets.observe`` and ``ipywidgets.link`` work. A value is checked by the settings
before traitlets keeps it, so a refusal is the same sentence the page shows.
"""

from __future__ import annotations

import os
from typing import Any

import anywidget
import numpy as np
import traitlets

from micrograd_plus._files import write_atomic
from micrograd_plus.nn import MLP
from micrograd_plus.playground.protocol import Channel
from micrograd_plus.playground.server import page_module
from micrograd_plus.playground.session import Session
from micrograd_plus.playground.settings import TRAITS, Settings, from_hash
from micrograd_plus.playground.view import export, saved_model

__all__ = ["Playground", "settings_from"]


def _trait_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def settings_from(**given: Any) -> Settings:
    """Settings from keyword arguments in snake_case (``network_shape``) or TF
    Playground's camelCase (``networkShape``)."""
    fields = set(TRAITS.values())
    values: dict[str, Any] = {}
    for key, value in given.items():
        name = {"train_ratio": "percTrainData"}.get(key, TRAITS.get(key, key))
        if name not in fields:
            raise TypeError(f"Playground has no setting {key!r}; see Settings for the list")
        values[name] = tuple(value) if isinstance(value, list) else value
    settings = Settings()
    for name, value in values.items():  # one at a time: a data set brings its loss
        settings = settings.with_field(name, value)
    return settings


class Playground(anywidget.AnyWidget):
    """A live playground: train with ``step(n)`` or the page's play button."""

    _esm = traitlets.Unicode(page_module()).tag(sync=True)
    locals().update(
        {
            trait: traitlets.Any(_trait_value(getattr(Settings(), name))).tag(sync=True)
            for trait, name in TRAITS.items()
        }
    )

    def __init__(
        self, *, engine: str = "tape", settings: Settings | None = None, **given: Any
    ) -> None:
        self.session = Session(settings or settings_from(**given), engine=engine)
        self.channel = Channel(self.session)
        self._syncing = True
        super().__init__(**self._traits_now())
        self._syncing = False
        self.on_msg(self._message)

    # --- settings as traits ----------------------------------------------------------------

    def _traits_now(self) -> dict[str, Any]:
        s = self.session.settings
        return {trait: _trait_value(getattr(s, name)) for trait, name in TRAITS.items()}

    def _sync(self) -> None:
        """The traits from the session's settings (after the page changed them)."""
        self._syncing = True
        try:
            with self.hold_trait_notifications():
                for trait, value in self._traits_now().items():
                    if getattr(self, trait) != value:
                        setattr(self, trait, value)
        finally:
            self._syncing = False

    @traitlets.validate(*TRAITS)
    def _check(self, proposal: Any) -> Any:
        name = TRAITS[proposal["trait"].name]
        if self._syncing:
            return proposal["value"]
        checked = self.session.settings.with_field(name, proposal["value"])  # our sentence
        return _trait_value(getattr(checked, name))

    @traitlets.observe(*TRAITS)
    def _changed(self, change: Any) -> None:
        if self._syncing:
            return
        self.session.change(self.session.settings.with_field(TRAITS[change["name"]], change["new"]))
        self._sync()
        self._show()

    # --- the page --------------------------------------------------------------------------

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.send(self.channel.handle(content))
        self._sync()

    def _show(self) -> None:
        if self.comm is not None:
            self.send(self.channel.frame())

    @classmethod
    def from_url(cls, text: str, *, engine: str = "tape") -> Playground:
        """A playground from a TF Playground link (or its hash)."""
        return cls(
            engine=engine, settings=from_hash(text.partition("#")[2] if "#" in text else text)
        )

    # --- actions, as the page's controls do them -----------------------------------------------

    def step(self, n: int = 1) -> None:
        """``n`` iterations (each a pass over the training points in batches)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 100_000:
            raise ValueError(
                f"step takes a whole number of iterations from 0 to 100,000, got {n!r}"
            )
        self.session.step(n)
        self._show()

    def reset(self) -> None:
        """A new network at iteration 0 on the same data (the page's reset button)."""
        self.session.restart()
        self._show()

    def regenerate(self) -> None:
        """New data from the next seed, and a new network."""
        self.session.regenerate()
        self._sync()
        self._show()

    def add_point(self, x: float, y: float, label: float) -> None:
        """A training point by hand: a class number (or a value in [-1, 1] for
        regression)."""
        self.session.add_point(x, y, label)
        self._show()

    def remove_point(self, x: float, y: float) -> None:
        self.session.remove_point(x, y)
        self._show()

    def set_weight(self, layer: int, neuron: int, input: int, value: float) -> None:
        """Weight ``input`` of neuron ``neuron`` of layer ``layer`` (from 0) set by hand."""
        self.session.set_weight(layer, neuron, input, value)
        self._show()

    def scrub(self, iteration: int | None) -> None:
        """Show a kept iteration of the history (None: the run now)."""
        self.session.scrub(iteration)
        self._show()

    def train_from(self, iteration: int) -> None:
        """Go back to a kept iteration and train on from there (the rest forgotten)."""
        self.session.train_from(iteration)
        self._show()

    # --- what it has ----------------------------------------------------------------------------

    def url_hash(self) -> str:
        return self.session.url_hash()

    def export(self) -> dict[str, str]:
        """The page's exports: ``model`` (model.json's text) and ``script`` (a script that
        repeats this run)."""
        return export(self.session)

    def save(self, path: str | os.PathLike[str]) -> None:
        """The model as the page's ``model.json`` (a diverged run's last finite one)."""
        model, _ = saved_model(self.session)
        write_atomic(path, model.to_json())

    @property
    def history(self) -> dict[str, np.ndarray]:
        """The kept iterations: ``iteration``, ``train_loss``, ``test_loss`` (one number
        per row) and ``parameters`` (a row each, in ``model.parameters()`` order); the
        last row is the model now."""
        return self.session.history_table

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
