"""A playground's run, with no front end: its data, model, optimizer, training, history
and the user's actions. It knows nothing of messages (``protocol``) or of what a page
draws (``view``).

Training is the real engine: each step replays one sample's graph over a batch with the
tape (``training.ModelTape``; the scalar engine with ``engine="scalar"``), adds the
L1/L2 gradient of the weights, and lets the project's optimizer move the parameters.
Every setting can change at any moment; the next step uses it. A change that needs a
new model or optimizer makes one and says so in ``notes``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Any

import numpy as np

from micrograd_plus.engine import Value
from micrograd_plus.history import BUDGET, History, Row
from micrograd_plus.losses import LossFn
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD, Adam, AdamW, Optimizer, RMSprop
from micrograd_plus.parameters import Numbers
from micrograd_plus.playground import data
from micrograd_plus.playground.settings import ACTIVATIONS, LIMITS, Settings, from_hash, to_hash
from micrograd_plus.tape import Tape
from micrograd_plus.training import ModelTape, loss_function

__all__ = ["Session", "feature_columns"]

# What a change of each setting needs: new data (and so a new model), a new model, a new
# optimizer, or nothing but the next step (or the next frame) reading it.
NEW_DATA = {"dataset", "regDataset", "problem", "noise", "percTrainData", "numSamples", "seed"}
NEW_MODEL = {"networkShape", "activation", "features", "loss"}
NEW_OPTIMIZER = {"optimizer"}
BUFFERS = 3  # the most state arrays an optimizer here keeps (RMSprop's, Adam's)
SATURATED = 1e-8  # |dL/dw| under this for most weights: the units are saturated


def feature_columns(X: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The chosen features of points (x1, x2), one column each."""
    x1, x2 = X[:, 0], X[:, 1]
    columns = {
        "x": x1,
        "y": x2,
        "xSquared": x1 * x1,
        "ySquared": x2 * x2,
        "xTimesY": x1 * x2,
        "sinX": np.sin(x1),
        "sinY": np.sin(x2),
    }
    return np.stack([columns[f] for f in features], axis=1)


def _optimizer(name: str, params: list[Value], lr: float) -> Optimizer:
    if name == "momentum":
        return SGD(params, lr=lr, momentum=0.9)
    makers: dict[str, type[Optimizer]] = {
        "sgd": SGD,
        "rmsprop": RMSprop,
        "adam": Adam,
        "adamw": AdamW,
    }
    return makers[name](params, lr=lr)


class Session:
    """One playground run: its data, its model, its optimizer, and what it has done."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        engine: str = "tape",
        history_bytes: int = BUDGET,
    ) -> None:
        if engine not in ("tape", "scalar"):
            raise ValueError(f"engine must be 'tape' or 'scalar', got {engine!r}")
        self.engine = engine
        self.history_bytes = history_bytes
        self.settings = settings or Settings()
        self.start = to_hash(self.settings)  # where the log of actions starts
        self.log: list[tuple[Any, ...]] = []  # every action since, to repeat the run
        self.added: list[tuple[float, float, float]] = []  # points placed by hand
        self.selected = 0  # the training point whose graph is shown
        self.chosen: tuple[int, int, int] = (0, 0, 0)  # layer, neuron, input of a weight
        self.shown: int | None = None  # the history row on view (None: the run now)
        self.notes: list[str] = []  # what the last action changed beyond itself
        self.data_version = 0  # grows whenever the points change
        self._regenerate()

    # --- building ------------------------------------------------------------------------

    def _regenerate(self) -> None:
        """New data from the settings (and the points added by hand), then a new model."""
        s = self.settings
        name = s.regDataset if s.regression else s.dataset
        X, y = data.make(name, s.numSamples, s.noise, s.seed)
        y = y.astype(np.float64)
        if self.added:
            X = np.concatenate([X, np.array([p[:2] for p in self.added])])
            y = np.concatenate([y, np.array([p[2] for p in self.added])])
        order = np.random.default_rng(s.seed + 1).permutation(len(X))
        cut = max(1, round(len(X) * s.percTrainData / 100))
        self.train_X, self.train_y = X[order[:cut]], y[order[:cut]]
        self.test_X, self.test_y = X[order[cut:]], y[order[cut:]]
        self.selected = min(self.selected, len(self.train_X) - 1)
        self.data_version += 1
        self.reset()

    def reset(self) -> None:
        """A new model at the settings' seed, iteration 0, no history."""
        s = self.settings
        nin = len(s.features)
        activation = ACTIVATIONS[s.activation]
        self.model = MLP(nin, [*s.networkShape, s.outputs], activation, seed=s.seed)
        self.parameters = self.model.parameters()
        self.numbers = Numbers(self.parameters)
        names = [name for name, _ in self.model.named_parameters()]
        self.is_weight = np.array([".w." in name for name in names])  # not the biases
        self.tape = ModelTape(self.model, s.loss)
        self.loss_fn: LossFn = loss_function(self.model, s.loss)  # one sample's, on Values
        self.grid_tape = Tape.record(self._activations, [0.0] * nin)
        self._rng = np.random.default_rng(s.seed + 2)
        self.iteration = 0
        self.chosen = (0, 0, 0)
        self.shown = None
        self._new_optimizer()
        self.history = History(len(self.parameters), BUFFERS, self.history_bytes)
        self._record()

    def _new_optimizer(self) -> None:
        s = self.settings
        self.optimizer = _optimizer(s.optimizer, self.parameters, s.learningRate)

    def _activations(self, x: list[Value]) -> list[Value]:
        """Every neuron's output for one input: what the network picture shows."""
        out: list[Value] = []
        for layer in self.model.layers:
            x = layer.forward(x)
            out += x
        return out

    # --- training -------------------------------------------------------------------------

    def step(self, n: int = 1) -> None:
        """``n`` iterations as TF Playground counts them: each one a pass over the
        training points in a new random order, an optimizer step per batch."""
        if n:
            self._resume()
        s = self.settings
        features = feature_columns(self.train_X, s.features)
        for _ in range(n):
            order = self._rng.permutation(len(features))
            for start in range(0, len(order), s.batchSize):
                rows = order[start : start + s.batchSize]
                self.optimizer.zero_grad()
                if self.engine == "tape":
                    self.tape.forward(features[rows], self.train_y[rows])
                    self.tape.backward()
                else:
                    self._loss(features[rows], self.train_y[rows]).backward()
                self._regularize()
                self.optimizer.step()
            self.iteration += 1
            self._record()
        if n:
            self._log("step", n)

    def _loss(self, X: np.ndarray, y: np.ndarray) -> Value:
        """The mean loss over (X, y) with the scalar engine: one graph per sample."""
        losses = [self.loss_fn(self.model(x), float(t)) for x, t in zip(X, y)]
        return Value.sum(losses) / len(losses)

    def _regularize(self) -> None:
        """Adds the L1 (rate * sign w) or L2 (rate * w) gradient to each weight (not the
        biases), as TF Playground does."""
        s = self.settings
        if s.regularization == "none" or not s.regularizationRate:
            return
        w = self.numbers.data()
        slope = np.sign(w) if s.regularization == "L1" else w
        self.numbers.add_grad(s.regularizationRate * slope * self.is_weight)

    def mean_loss(self, X: np.ndarray, y: np.ndarray) -> float:
        if not len(X):
            return math.nan
        with np.errstate(all="ignore"):
            return float(np.mean(self.tape.forward(feature_columns(X, self.settings.features), y)))

    def _record(self) -> None:
        """The iteration's row of the history (replacing a row of the same iteration)."""
        optimizer = self.optimizer
        self.history.add(
            Row(
                self.iteration,
                self.mean_loss(self.train_X, self.train_y),
                self.mean_loss(self.test_X, self.test_y),
                self.numbers.data(),
                self.numbers.grad(),
                np.array([getattr(optimizer, b) for b in optimizer.buffers]).reshape(
                    len(optimizer.buffers), len(self.parameters)
                ),
                optimizer.steps,
                dict(self._rng.bit_generator.state),
                self.settings.optimizer,
            )
        )

    @property
    def now(self) -> Row:
        """The history row on view: the run now, or the one scrubbed to."""
        return self.history.row(self.history.count - 1 if self.shown is None else self.shown)

    @property
    def train_loss(self) -> float:
        return float(self.history.losses[self.history.count - 1, 0])

    @property
    def test_loss(self) -> float:
        return float(self.history.losses[self.history.count - 1, 1])

    # --- the user's actions -----------------------------------------------------------------

    def set(self, key: str, text: str) -> None:
        """One setting from its text (a TF Playground URL key)."""
        self.change(self.settings.with_value(key, text))

    def change(self, settings: Settings) -> None:
        """New settings: data settings make new data, model settings a new model, a new
        optimizer a new optimizer (the weights kept); the rest applies at the next step."""
        changed = {
            f.name
            for f in fields(Settings)
            if f.compare and getattr(settings, f.name) != getattr(self.settings, f.name)
        }
        self.settings = settings
        self.notes = []
        first = ("problem", "regDataset", "dataset")  # each brings its loss: logged before it
        for name in sorted(changed, key=lambda name: (name not in first, name)):
            self._log("setting", name, getattr(settings, name))
        if changed & NEW_DATA:
            if changed & {"dataset", "regDataset", "problem"}:
                self.added = []
            self._regenerate()
            self.notes.append("new data, so a new network: iteration 0")
        elif changed & NEW_MODEL:
            self.reset()
            self.notes.append(f"a new network for the new {', '.join(sorted(changed & NEW_MODEL))}")
        elif changed & NEW_OPTIMIZER:
            self._resume()
            self._new_optimizer()
            self._record()
            self.notes.append(
                f"a new {settings.optimizer} optimizer: its state starts afresh, the weights "
                "are kept"
            )
        else:
            self.optimizer.lr = settings.learningRate

    def regenerate(self) -> None:
        """New data from the next seed (TF Playground's "regenerate")."""
        self.change(replace(self.settings, seed=(self.settings.seed + 1) % 2**31))

    def restart(self) -> None:
        """A new model at iteration 0 on the same data (TF Playground's reset button)."""
        self.reset()
        self.notes = []
        self._log("reset")

    def add_point(self, x: float, y: float, label: float) -> None:
        """A training point placed by hand (and kept through regenerations)."""
        if not (math.isfinite(x) and math.isfinite(y) and abs(x) <= 6 and abs(y) <= 6):
            raise ValueError(f"a point must lie in the plane [-6, 6] x [-6, 6], got ({x}, {y})")
        s = self.settings
        if s.regression:
            if isinstance(label, bool) or not -1 <= label <= 1:
                raise ValueError(f"a point's value is a number from -1 to 1, got {label!r}")
        elif label not in range(s.classes):
            raise ValueError(f"a point's class is 0..{s.classes - 1}, got {label!r}")
        if len(self.train_X) + len(self.test_X) >= LIMITS["numSamples"][1]:
            raise ValueError(f"there are {LIMITS['numSamples'][1]} points already, the most")
        self._resume()
        self.added.append((float(x), float(y), float(label)))
        self.train_X = np.concatenate([self.train_X, [[x, y]]])
        self.train_y = np.concatenate([self.train_y, [float(label)]])
        self.data_version += 1
        self._log("add_point", float(x), float(y), float(label))
        self._record()

    def remove_point(self, x: float, y: float) -> None:
        """The training or test point nearest to (x, y), if one is within 0.5."""
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"a point is two finite numbers, got ({x}, {y})")
        best = None
        for name in ("train", "test"):
            X = getattr(self, f"{name}_X")
            if len(X):
                distances = np.hypot(X[:, 0] - x, X[:, 1] - y)
                i = int(np.argmin(distances))
                if distances[i] <= 0.5 and (best is None or distances[i] < best[2]):
                    best = (name, i, float(distances[i]))
        if best is None:
            return
        name, i, _ = best
        if name == "train" and len(self.train_X) == 1:
            raise ValueError("the last training point stays: there would be nothing to learn")
        self._resume()
        X = getattr(self, f"{name}_X")
        gone = (float(X[i, 0]), float(X[i, 1]))
        setattr(self, f"{name}_X", np.delete(X, i, axis=0))
        setattr(self, f"{name}_y", np.delete(getattr(self, f"{name}_y"), i))
        for k, point in enumerate(self.added):  # if it was placed by hand, it is no more
            if point[:2] == gone:
                del self.added[k]
                break
        self.selected = min(self.selected, len(self.train_X) - 1)
        self.data_version += 1
        self._log("remove_point", float(x), float(y))
        self._record()

    def set_weight(self, layer: int, neuron: int, input: int, value: float) -> None:
        """A weight edited by hand."""
        if not math.isfinite(value) or abs(value) > 100:
            raise ValueError(f"a weight must be a number from -100 to 100, got {value}")
        self._weight(layer, neuron, input)  # refused before anything changes
        self._resume()
        self._weight(layer, neuron, input).data = float(value)
        self.chosen = (layer, neuron, input)
        self._log("set_weight", layer, neuron, input, float(value))
        self._record()

    def choose_weight(self, layer: int, neuron: int, input: int) -> None:
        self._weight(layer, neuron, input)
        self.chosen = (layer, neuron, input)

    def select(self, sample: int) -> None:
        """The training point whose graph is shown."""
        if not 0 <= sample < len(self.train_X):
            raise ValueError(f"there are {len(self.train_X)} training points; got {sample}")
        self.selected = sample

    def weight_index(self, layer: int, neuron: int, input: int) -> int:
        """Where a weight sits in ``model.parameters()``."""
        self._weight(layer, neuron, input)
        before = sum(n.nout * (n.nin + 1) for n in self.model.layers[:layer])
        return before + neuron * (self.model.layers[layer].nin + 1) + input

    def _weight(self, layer: int, neuron: int, input: int) -> Value:
        layers = self.model.layers
        if not 0 <= layer < len(layers):
            raise ValueError(f"there are {len(layers)} layers of weights; got {layer}")
        if not 0 <= neuron < layers[layer].nout or not 0 <= input < layers[layer].nin:
            raise ValueError(
                f"layer {layer} has {layers[layer].nout} neurons of {layers[layer].nin} inputs"
            )
        return layers[layer].neurons[neuron].w[input]

    # --- the history -------------------------------------------------------------------------

    def scrub(self, iteration: int | None) -> None:
        """Show the kept iteration nearest at or before ``iteration`` (None: the run now).
        The run itself is not changed until it trains on (``train_from``)."""
        if iteration is None or iteration >= self.iteration:
            self.shown = None
            return
        if iteration < 0:
            raise ValueError(f"an iteration is 0 or more, got {iteration}")
        self.shown = self.history.find(iteration)

    def train_from(self, iteration: int) -> None:
        """Go back to the kept iteration nearest at or before ``iteration``: its
        parameters, its optimizer state and batch order; the rows after it forgotten."""
        if not 0 <= iteration <= self.iteration:
            raise ValueError(f"the run has iterations 0 to {self.iteration}, got {iteration}")
        index = self.history.find(iteration)
        row = self.history.row(index)
        self.history.cut(index)
        self.numbers.set_data(row.parameters)
        self.numbers.zero_grad()
        self.numbers.add_grad(row.gradients)
        afresh = row.optimizer != self.settings.optimizer
        if afresh:  # that iteration was trained by another optimizer: this one starts anew
            self._new_optimizer()
        else:
            for name, values in zip(self.optimizer.buffers, row.buffers):
                getattr(self.optimizer, name)[:] = values
            self.optimizer.steps = row.steps
        self._rng.bit_generator.state = row.rng
        forgotten = self.iteration - row.iteration
        self.iteration = row.iteration
        self.shown = None
        self.notes = [f"training on from iteration {row.iteration}"]
        if forgotten:
            self.notes[0] += f": the {forgotten:,} iterations after it are forgotten"
        if afresh:
            self.notes.append(
                f"it was trained by {row.optimizer}: the {self.settings.optimizer} optimizer "
                "starts afresh from it"
            )
        self._log("train_from", row.iteration)

    def _resume(self) -> None:
        """An action on a scrubbed view trains on from the iteration shown."""
        if self.shown is not None:
            self.train_from(self.history.row(self.shown).iteration)

    @contextmanager
    def showing(self) -> Iterator[Row]:
        """The model holds the parameters (and gradients) of the row on view, for as
        long as the block runs; then those of the run again."""
        row = self.now
        if self.shown is None:
            yield row
            return
        data, grad = self.numbers.data(), self.numbers.grad()
        self.numbers.set_data(row.parameters)
        self.numbers.zero_grad()
        self.numbers.add_grad(row.gradients)
        try:
            yield row
        finally:
            self.numbers.set_data(data)
            self.numbers.zero_grad()
            self.numbers.add_grad(grad)

    # --- what the run says about itself --------------------------------------------------------

    def hints(self) -> list[str]:
        """What a lecturer would point out at the iteration on view: a diverging loss,
        saturated units (gradients gone while the loss is still high: not a run that has
        simply converged)."""
        hints = []
        end = self.history.count if self.shown is None else self.shown + 1
        losses = self.history.losses[:end, 0]
        lowest = np.nanmin(losses) if np.isfinite(losses).any() else math.nan
        recent = float(np.median(losses[-5:]))  # not one noisy batch: the last few
        if not math.isfinite(losses[-1]) or (recent > 10 * lowest and recent - lowest > 0.1):
            hints.append(
                "The loss is diverging (it is inf or nan, or has stayed over ten times its "
                "lowest): each step overshoots the valley. Try a learning rate ten times smaller, "
                "then reset."
            )
        row = self.now
        grads = np.abs(row.gradients[self.is_weight])
        learning = losses[-1] > 0.01 * losses[0]  # not yet a hundred times lower than at first
        if row.steps and learning and np.mean(grads < SATURATED) > 0.5:
            hints.append(
                "Most weights' gradients are under 1e-8 while the loss is still high: the "
                "units are saturated (tanh or sigmoid stuck at their ends, or ReLUs dead), so "
                "almost nothing flows back. Try a smaller learning rate, then reset."
            )
        return hints

    @property
    def history_table(self) -> dict[str, np.ndarray]:
        return self.history.table()

    def url_hash(self) -> str:
        return to_hash(self.settings)

    @classmethod
    def from_url(cls, text: str, **kwargs: Any) -> Session:
        """A session from a URL (or its hash) in TF Playground's keys."""
        return cls(from_hash(text.partition("#")[2] if "#" in text else text), **kwargs)

    def _log(self, action: str, *arguments: Any) -> None:
        if action == "step" and self.log and self.log[-1][0] == "step":
            self.log[-1] = ("step", self.log[-1][1] + arguments[0])
        else:
            self.log.append((action, *arguments))

    def open_link(self, settings: Settings) -> None:
        """A fresh run from a link's settings, as a page that opens it starts: new data
        (no points by hand), a new network, and the log of actions starting here."""
        self.settings = settings
        self.added = []
        self._regenerate()
        self.notes = []
        self.start = to_hash(self.settings)
        self.log = []
