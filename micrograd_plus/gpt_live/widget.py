"""``GPTLive``: the GPT live view as a Jupyter widget (anywidget: JupyterLab, Notebook 7,
VS Code, Colab; its JavaScript ships in the package), which works with no front end too:
``live.step(100)``, ``live.losses``, ``live.model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anywidget
import traitlets

from micrograd_plus.gpt import GPT
from micrograd_plus.gpt_live.protocol import Channel, frame
from micrograd_plus.gpt_live.run import LiveRun
from micrograd_plus.gpt_live.server import page_module

__all__ = ["GPTLive"]


class GPTLive(anywidget.AnyWidget):
    """A GPT learning names, live: train with ``step(n)`` or the page's play button;
    ``options`` are ``LiveRun``'s (name, steps, lr, temperature, sample_every, per_tick,
    seed, n_embd, n_head, n_layer)."""

    _esm = traitlets.Unicode(page_module()).tag(sync=True)

    def __init__(self, names: Sequence[str] | None = None, **options: Any) -> None:
        self.run = LiveRun(names, **options)
        self.channel = Channel(self.run)
        super().__init__()
        self.on_msg(self._message)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.send(self.channel.handle(content))

    def _show(self) -> None:
        if self.comm is not None:
            self.send(frame(self.run))

    # --- actions, as the page's controls do them ----------------------------------------------

    def step(self, n: int = 1) -> None:
        """``n`` steps of training (a name each)."""
        self.run.step(n)
        self._show()

    def set(self, **settings: Any) -> None:
        """Change settings (lr, temperature, name, steps, sample_every, per_tick): all are
        checked before any is changed."""
        for key, value in settings.items():
            self.run.checked(key, value)
        for key, value in settings.items():
            self.run.set(key, value)
        self._show()

    def reset(self) -> None:
        """A new model at step 0 (the page's reset button)."""
        self.run.reset()
        self._show()

    def scrub(self, step: int | None) -> None:
        """View a kept step of the history (None: the run now)."""
        self.run.scrub(step)
        self._show()

    def train_from(self, step: int) -> None:
        """Go back to a kept step and train on from there (the rest forgotten)."""
        self.run.train_from(step)
        self._show()

    def sample(self) -> list[str]:
        """New names at the step on view and the temperature now."""
        self.run.sample()
        self._show()
        return list(self.run.fresh.names) if self.run.fresh else []

    # --- what it has ----------------------------------------------------------------------------

    @property
    def losses(self) -> list[float]:
        """Each step's loss."""
        return list(self.run.losses)

    @property
    def model(self) -> GPT:
        return self.run.model

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.run.settings)
