"""The GPT live view's run, with no front end: the names, the model, microgpt's training a
step at a time (``gpt.Trainer``, on the tape), the history of every step within a memory
budget (``history``, as the playground keeps its run), names sampled every
few steps, and what the model does on one chosen name at the step on view.

Every setting can change at any moment; the next step (or the next look) uses it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from micrograd_plus.datasets import load_names
from micrograd_plus.gpt import GPT, Trainer, Vocabulary
from micrograd_plus.history import BUDGET, History, Row
from micrograd_plus.parameters import Numbers
from micrograd_plus.plots import projection

__all__ = ["LIMITS", "LiveRun", "Look", "Sampled"]

# Each setting's range, inclusive: what the page's controls and ``set`` accept.
LIMITS: dict[str, tuple[float, float]] = {
    "lr": (1e-5, 1.0),  # Adam's learning rate at step 0 (it falls linearly to 0 at steps)
    "temperature": (0.05, 5.0),  # sampling: softmax(logits / temperature)
    "steps": (1, 100_000),  # the run's length: the learning rate reaches 0 there
    "sample_every": (1, 10_000),  # names are sampled every this many steps
    "per_tick": (1, 100),  # steps per tick of the page's play
}
WHOLE = {"steps", "sample_every", "per_tick"}
SAMPLES = 8  # names sampled at a time
BLOCK = 16  # microgpt's block_size: a name of up to 15 letters fills it
SIZES = {"n_embd": (4, 32), "n_head": (1, 8), "n_layer": (1, 2)}  # the model's, inclusive


@dataclass(frozen=True)
class Sampled:
    """Names the model made up at a step, at a temperature."""

    step: int
    temperature: float
    names: tuple[str, ...]


@dataclass(frozen=True)
class Look:
    """What the model does on the chosen name: each head's attention weights (layers,
    heads, n, n), the next token's probabilities per position (n, vocab), the name's
    tokens (BOS, its letters) and each position's next token, and its loss (the mean of
    -log p(next token))."""

    maps: np.ndarray
    probs: np.ndarray
    tokens: list[int]
    targets: list[int]
    loss: float


class LiveRun:
    """One live run: ``step(n)``, ``set(key, value)``, ``reset()``, ``scrub(step)``,
    ``train_from(step)``, ``sample()``; ``look()`` and ``sampled`` at the step on view."""

    def __init__(
        self,
        names: Sequence[str] | None = None,
        *,
        name: str = "emma",
        steps: int = 1000,
        lr: float = 0.01,
        temperature: float = 0.5,
        sample_every: int = 100,
        per_tick: int = 5,
        seed: int = 42,
        n_embd: int = 16,
        n_head: int = 4,
        n_layer: int = 1,
        engine: str = "tape",
        history_bytes: int = BUDGET,
    ) -> None:
        for key, value in (("n_embd", n_embd), ("n_head", n_head), ("n_layer", n_layer)):
            low, high = SIZES[key]
            if type(value) is not int or not low <= value <= high:
                raise ValueError(f"{key} is a whole number from {low} to {high}, got {value!r}")
        if names is None:
            names = load_names()
            random.Random(seed).shuffle(names)  # as microgpt shuffles its documents
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"names is a list of names (text), got {names!r}"[:200])
        self.names = [n.lower() for n in names if n]
        self.vocabulary = Vocabulary.of(self.names)
        self.documents = [self.vocabulary.encode(n) for n in self.names]
        self.sizes = {"n_embd": n_embd, "n_head": n_head, "n_layer": n_layer}
        self.seed, self.engine, self.history_bytes = seed, engine, history_bytes
        self.settings: dict[str, float | int | str] = {}
        given: dict[str, object] = {"lr": lr, "temperature": temperature, "steps": steps}
        given |= {"sample_every": sample_every, "per_tick": per_tick, "name": name}
        for key, setting in given.items():
            self.settings[key] = self.checked(key, setting)
        self.notes: list[str] = []
        self.reset()

    # --- settings ------------------------------------------------------------------------

    def checked(self, key: str, value: object) -> float | int | str:
        """``value`` as setting ``key`` takes it, or a ValueError that says what it takes."""
        if key == "name":
            if not isinstance(value, str):
                raise ValueError(f"name is text, got {type(value).__name__}")
            text = value.strip().lower()
            longest = BLOCK - 1
            unknown = sorted(set(text) - set(self.vocabulary.chars))
            if not 1 <= len(text) <= longest or unknown:
                raise ValueError(
                    f"name is 1 to {longest} of the letters {self.vocabulary.chars!r}, "
                    f"got {value!r}"[:200]
                )
            return text
        if key not in LIMITS:
            raise ValueError(f"no setting {key!r}: the settings are {', '.join([*LIMITS, 'name'])}")
        low, high = LIMITS[key]
        kind = "a whole number" if key in WHOLE else "a number"
        said = f"{key} is {kind} from {low:g} to {high:g}, got {value!r}"[:200]
        if isinstance(value, str):  # as a page's field sends it
            try:
                value = float(value)
            except ValueError:
                raise ValueError(said) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(said)
        if not low <= value <= high or (key in WHOLE and value != int(value)):
            raise ValueError(said)  # (nan is no number between low and high)
        number = int(value) if key in WHOLE else float(value)
        if key == "steps" and number < self.t:
            raise ValueError(f"steps is at least the {self.t:,} steps taken, got {number}")
        return number

    def set(self, key: str, value: object) -> None:
        """Change a setting: the next step (or the next look) uses it."""
        self.settings[key] = self.checked(key, value)
        self.notes = []
        if key == "lr":
            self.trainer.lr = float(self.settings["lr"])
        elif key == "steps":
            self.trainer.total = int(self.settings["steps"])
        elif key == "temperature":
            self.sample()  # new names at the new temperature, at the step on view

    # --- the run -------------------------------------------------------------------------

    @property
    def t(self) -> int:
        """Steps taken."""
        return self.trainer.t if hasattr(self, "trainer") else 0

    def reset(self) -> None:
        """A new model (the same seed), step 0, nothing kept."""
        self.model = GPT(self.vocabulary.size, block_size=BLOCK, seed=self.seed, **self.sizes)
        self.trainer = Trainer(
            self.model,
            self.documents,
            int(self.settings["steps"]),
            engine=self.engine,
            lr=float(self.settings["lr"]),
        )
        self.numbers = Numbers(self.model.parameters())
        self.history = History(len(self.model.parameters()), 3, self.history_bytes)
        self.losses: list[float] = []  # each step's loss
        self.sampled: list[Sampled] = []  # names sampled during the run
        self.fresh: Sampled | None = None  # names sampled since at the step on view
        self.shown: int | None = None  # the history row on view (None: the run now)
        self._record()
        self._sample_run()

    def step(self, n: int = 1) -> None:
        """``n`` steps of training from the run now (the view goes back to it)."""
        left = int(self.settings["steps"]) - self.t
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"step takes a whole number of steps, 0 or more, got {n!r}")
        if n > left:
            raise ValueError(
                f"the run is {self.settings['steps']:,} steps long and has {left:,} left: "
                "set more steps, or reset"
            )
        self.shown, self.fresh, self.notes = None, None, []
        for _ in range(n):
            self.losses.append(self.trainer.step())
            self._record()
            if self.t % int(self.settings["sample_every"]) == 0:
                self._sample_run()

    def _record(self) -> None:
        optimizer = self.trainer.optimizer
        buffers = np.array([getattr(optimizer, b) for b in optimizer.buffers])
        loss = self.losses[-1] if self.losses else math.nan
        self.history.add(
            Row(
                self.t,
                loss,
                math.nan,
                self.numbers.data(),
                self.numbers.grad(),
                buffers,
                optimizer.steps,
                {},
                "adam",
            ),
        )

    def _sample_run(self) -> None:
        self.sampled.append(self._sample(self.t))

    def _sample(self, step: int) -> Sampled:
        temperature = float(self.settings["temperature"])
        names = tuple(
            self.model.sample(self.vocabulary, temperature, seed=self.seed + 1000 * step + i)
            for i in range(SAMPLES)
        )
        return Sampled(step, temperature, names)

    def sample(self) -> None:
        """New names at the step on view, at the temperature now."""
        with self.showing() as step:
            self.fresh = self._sample(step)

    def scrub(self, step: int | None) -> None:
        """View the kept step nearest at or before ``step`` (None: the run now)."""
        if step is not None:
            _check_step(step, self.t)
        self.shown = None if step is None or step == self.t else self.history.find(step)
        self.fresh = None

    def train_from(self, step: int) -> None:
        """Go back to the kept step nearest at or before ``step`` and train on from there:
        its parameters, Adam's state; the steps after it forgotten."""
        _check_step(step, self.t)
        index = self.history.find(step)
        row = self.history.row(index)
        self.history.cut(index)
        self.numbers.set_data(row.parameters)
        optimizer = self.trainer.optimizer
        for name, values in zip(optimizer.buffers, row.buffers):
            getattr(optimizer, name)[:] = values
        optimizer.steps = row.steps
        forgotten = self.t - row.iteration
        self.trainer.t = row.iteration
        del self.losses[row.iteration :]
        self.sampled = [s for s in self.sampled if s.step <= row.iteration]
        self.shown, self.fresh = None, None
        self.notes = [f"training on from step {row.iteration:,}"]
        if forgotten:
            self.notes[0] += f": the {forgotten:,} steps after it are forgotten"

    # --- what is on view -----------------------------------------------------------------

    @property
    def step_on_view(self) -> int:
        return self.t if self.shown is None else int(self.history.iterations[self.shown])

    @contextmanager
    def showing(self) -> Iterator[int]:
        """The model holds the parameters of the step on view while the block runs."""
        if self.shown is None:
            yield self.t
            return
        now = self.numbers.data()
        self.numbers.set_data(self.history.parameters[self.shown])
        try:
            yield self.step_on_view
        finally:
            self.numbers.set_data(now)

    @property
    def diverged(self) -> int | None:
        """The first step whose loss was not a finite number (a learning rate too high),
        or None."""
        bad = np.flatnonzero(~np.isfinite(self.losses))
        return int(bad[0]) + 1 if len(bad) else None

    def look(self) -> Look:
        """What the model on view does on the chosen name."""
        tokens = self.vocabulary.encode(str(self.settings["name"]))
        with self.showing():
            maps, probs = self.model.look(tokens[:-1])
        targets = tokens[1:]
        picked = probs[np.arange(len(targets)), targets]
        with np.errstate(divide="ignore"):  # p = 0: a loss of inf, as it is
            loss = float(-np.mean(np.log(picked)))
        return Look(maps, probs, tokens[:-1], targets, loss)

    def embedding(self) -> tuple[np.ndarray, np.ndarray]:
        """The token embedding on view (a row per token, BOS last) and its rows on their
        first two principal components."""
        with self.showing():
            table = np.array([[p.data for p in row] for row in self.model.state_dict["wte"]])
        if not np.isfinite(table).all():  # a run gone wrong: no directions to project on
            return table, np.full((len(table), 2), np.nan)
        return table, projection(table)

    def samples_on_view(self) -> Sampled | None:
        """The names sampled last at or before the step on view (or since, at it)."""
        if self.fresh is not None:
            return self.fresh
        step = self.step_on_view
        before = [s for s in self.sampled if s.step <= step]
        return before[-1] if before else None


def _check_step(step: object, taken: int) -> None:
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= taken:
        raise ValueError(f"a step is a whole number from 0 to {taken:,}, got {step!r}"[:200])
