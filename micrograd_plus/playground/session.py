"""A playground's state and training, with no front end: Python owns all of it, a page
only draws what ``frame()`` returns and sends back what the user did (``handle``).

Training is the real engine: each step replays one sample's graph over a batch with the
tape (``training.ModelTape``; the scalar engine with ``engine="scalar"``), adds the
L1/L2 gradient of the weights, and lets the project's optimizer move the parameters.
"""

from __future__ import annotations

import base64
import copy
import json
import math
from dataclasses import replace
from typing import Any

import numpy as np

from micrograd_plus.engine import Value
from micrograd_plus.losses import binary_cross_entropy_with_logits, cross_entropy, mse_loss
from micrograd_plus.nn import MLP, short_name
from micrograd_plus.optim import SGD, Adam, AdamW, Optimizer, RMSprop
from micrograd_plus.playground import data
from micrograd_plus.playground.settings import (
    ACTIVATIONS,
    FEATURES,
    LIMITS,
    Settings,
    from_hash,
    to_hash,
)
from micrograd_plus.tape import Tape
from micrograd_plus.training import ModelTape, class_probabilities

__all__ = ["GRID", "Session", "handle"]

GRID = 40  # the plane is drawn from GRID x GRID points
HISTORY = 300  # loss points sent to the page at most (the whole run, thinned)


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


def _bytes(values: np.ndarray) -> str:
    """Numbers in [-1, 1] as base64 bytes 0..255: a heat map in a few kilobytes."""
    scaled = np.round((np.clip(np.nan_to_num(values), -1, 1) + 1) * 127.5)
    return base64.b64encode(scaled.astype(np.uint8).tobytes()).decode("ascii")


class Session:
    """One playground: its data, its model, its optimizer, and what it has done."""

    def __init__(self, settings: Settings | None = None, *, engine: str = "tape") -> None:
        if engine not in ("tape", "scalar"):
            raise ValueError(f"engine must be 'tape' or 'scalar', got {engine!r}")
        self.engine = engine
        self.settings = settings or Settings()
        self.added: list[tuple[float, float, int]] = []  # points placed by hand
        self.selected = 0  # the training point whose graph is shown
        self.chosen: tuple[int, int, int] = (0, 0, 0)  # layer, neuron, input of a weight
        self._regenerate()

    # --- building ------------------------------------------------------------------------

    def _regenerate(self) -> None:
        """New data from the settings (and the points added by hand), then a new model."""
        s = self.settings
        X, y = data.make(s.dataset, s.numSamples, s.noise, s.seed)
        if self.added:
            X = np.concatenate([X, np.array([p[:2] for p in self.added])])
            y = np.concatenate([y, np.array([p[2] for p in self.added], dtype=np.int64)])
        order = np.random.default_rng(s.seed + 1).permutation(len(X))
        cut = max(1, round(len(X) * s.percTrainData / 100))
        self.train_X, self.train_y = X[order[:cut]], y[order[:cut]]
        self.test_X, self.test_y = X[order[cut:]], y[order[cut:]]
        self.selected = min(self.selected, len(self.train_X) - 1)
        self.reset()

    def reset(self) -> None:
        """A new model at the settings' seed, iteration 0, no history."""
        s = self.settings
        outputs = s.classes if s.loss == "cross_entropy" else 1
        nin = len(s.features)
        self.model = MLP(nin, [*s.networkShape, outputs], ACTIVATIONS[s.activation], seed=s.seed)
        self.optimizer = _optimizer(s.optimizer, self.model.parameters(), s.learningRate)
        self.tape = ModelTape(self.model, s.loss)
        self._neurons = [neuron for layer in self.model.layers for neuron in layer.neurons]
        self._grid_tape = Tape.record(self._activations, [0.0] * nin)
        self.iteration = 0
        self.train_losses: list[float] = []
        self.test_losses: list[float] = []
        self._rng = np.random.default_rng(s.seed + 2)
        self.chosen = (0, 0, 0)
        self._live: Any = None
        self._record_losses()

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
        self._record_losses()

    def _loss(self, X: np.ndarray, y: np.ndarray) -> Value:
        """The mean loss over (X, y) with the scalar engine: one graph per sample."""
        scores = [self.model(x) for x in X]
        if self.settings.loss == "cross_entropy":
            return cross_entropy(scores, [int(t) for t in y])
        if self.settings.loss == "mse":
            return mse_loss(scores, [float(t) for t in y])
        return binary_cross_entropy_with_logits(scores, [float(t) for t in y])

    def _regularize(self) -> None:
        """Adds the L1 (rate * sign w) or L2 (rate * w) gradient to each weight (not the
        biases), as TF Playground does."""
        s = self.settings
        if s.regularization == "none" or not s.regularizationRate:
            return
        for neuron in self._neurons:
            for w in neuron.w:
                slope = math.copysign(1.0, w.data) if w.data else 0.0
                w.grad += s.regularizationRate * (slope if s.regularization == "L1" else w.data)

    def _mean_loss(self, X: np.ndarray, y: np.ndarray) -> float:
        if not len(X):
            return math.nan
        return float(np.mean(self.tape.forward(feature_columns(X, self.settings.features), y)))

    def _record_losses(self) -> None:
        self.train_losses.append(self._mean_loss(self.train_X, self.train_y))
        self.test_losses.append(self._mean_loss(self.test_X, self.test_y))

    @property
    def train_loss(self) -> float:
        return self.train_losses[-1]

    @property
    def test_loss(self) -> float:
        return self.test_losses[-1]

    # --- the user's actions -----------------------------------------------------------------

    def set(self, key: str, text: str) -> None:
        """One setting from its text (TF Playground's key): data settings make new data,
        model settings a new model; the learning rate and regularization apply at once."""
        new = self.settings = self.settings.with_value(key, text)
        if key == "learningRate":
            self.optimizer.lr = new.learningRate
        elif key in ("regularization", "regularizationRate", "showTestData", "discretize"):
            pass
        elif key in ("dataset", "noise", "percTrainData", "numSamples", "seed"):
            self.added = [] if key == "dataset" else self.added
            self._regenerate()
        else:
            self.reset()

    def add_point(self, x: float, y: float, label: int) -> None:
        """A training point placed by hand (and kept through regenerations)."""
        if not (math.isfinite(x) and math.isfinite(y) and abs(x) <= 6 and abs(y) <= 6):
            raise ValueError(f"a point must lie in the plane [-6, 6] x [-6, 6], got ({x}, {y})")
        if label not in range(self.settings.classes):
            raise ValueError(f"a point's class is 0..{self.settings.classes - 1}, got {label!r}")
        if len(self.train_X) + len(self.test_X) >= LIMITS["numSamples"][1]:
            raise ValueError(f"there are {LIMITS['numSamples'][1]} points already, the most")
        self.added.append((float(x), float(y), int(label)))
        self.train_X = np.concatenate([self.train_X, [[x, y]]])
        self.train_y = np.concatenate([self.train_y, [label]])
        self._record_losses()

    def remove_point(self, x: float, y: float) -> None:
        """The training or test point nearest to (x, y), if one is within 0.5."""
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
        setattr(self, f"{name}_X", np.delete(getattr(self, f"{name}_X"), i, axis=0))
        setattr(self, f"{name}_y", np.delete(getattr(self, f"{name}_y"), i))
        self.added = [p for p in self.added if math.hypot(p[0] - x, p[1] - y) > 0.5]
        self.selected = min(self.selected, len(self.train_X) - 1)
        self._record_losses()

    def set_weight(self, layer: int, neuron: int, input: int, value: float) -> None:
        """A weight edited by hand."""
        if not math.isfinite(value) or abs(value) > 100:
            raise ValueError(f"a weight must be a number from -100 to 100, got {value}")
        self._weight(layer, neuron, input).data = float(value)
        self.chosen = (layer, neuron, input)

    def choose_weight(self, layer: int, neuron: int, input: int) -> None:
        self._weight(layer, neuron, input)
        self.chosen = (layer, neuron, input)

    def select(self, sample: int) -> None:
        """The training point whose graph is shown."""
        if not 0 <= sample < len(self.train_X):
            raise ValueError(f"there are {len(self.train_X)} training points; got {sample}")
        self.selected = sample

    def _weight(self, layer: int, neuron: int, input: int) -> Value:
        layers = self.model.layers
        if not 0 <= layer < len(layers):
            raise ValueError(f"there are {len(layers)} layers of weights; got {layer}")
        if not 0 <= neuron < layers[layer].nout or not 0 <= input < layers[layer].nin:
            raise ValueError(
                f"layer {layer} has {layers[layer].nout} neurons of {layers[layer].nin} inputs"
            )
        return layers[layer].neurons[neuron].w[input]

    # --- what the page draws ------------------------------------------------------------------

    def url_hash(self) -> str:
        return to_hash(self.settings)

    @classmethod
    def from_url(cls, text: str, **kwargs: Any) -> Session:
        """A session from a URL (or its hash) in TF Playground's keys."""
        return cls(from_hash(text.partition("#")[2] if "#" in text else text), **kwargs)

    def frame(self, graph: bool = True) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready data."""
        s = self.settings
        axis = np.linspace(-data.RADIUS, data.RADIUS, GRID)
        xs, ys = np.meshgrid(axis, axis[::-1])  # row 0 at the top: y = 6
        plane = np.column_stack([xs.ravel(), ys.ravel()])
        activations = self._grid_tape.forward(feature_columns(plane, s.features))
        last = self.model.layers[-1].nout
        out = activations[:, -last:]
        probabilities = class_probabilities(self.model, out[:, 0] if last == 1 else out, s.loss)
        if probabilities.ndim == 1:
            shade = 2 * probabilities - 1  # -1 class 0 .. +1 class 1
            classes = (probabilities > 0.5).astype(float)
        else:
            shade = probabilities.max(axis=1)
            classes = probabilities.argmax(axis=1).astype(float)
        neurons = []
        for k in range(len(self._neurons) - last):  # the hidden neurons; the output is above
            a = activations[:, k]
            scale = float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) or 1.0
            neurons.append(_bytes(a / scale))
        layers = []
        for layer in self.model.layers:
            layers.append(
                {
                    "w": [[w.data for w in n.w] for n in layer.neurons],
                    "g": [[w.grad for w in n.w] for n in layer.neurons],
                    "b": [n.b.data for n in layer.neurons],
                }
            )
        frame: dict[str, Any] = {
            "type": "state",
            "iteration": self.iteration,
            "trainLoss": self.train_loss,
            "testLoss": self.test_loss,
            "history": _thin(self.train_losses, self.test_losses),
            "grid": GRID,
            "shade": _bytes(shade),
            "classes": _bytes(classes / max(1, s.classes - 1) * 2 - 1),
            "nclasses": s.classes,
            "neurons": neurons,
            "layers": layers,
            "features": [FEATURES[f] for f in s.features],
            "train": {"X": self.train_X.round(3).tolist(), "y": self.train_y.tolist()},
            "test": {"X": self.test_X.round(3).tolist(), "y": self.test_y.tolist()},
            "selected": self.selected,
            "chosen": list(self.chosen),
            "explain": self._explain(),
            "settings": _settings_json(s),
            "hash": self.url_hash(),
        }
        if graph:
            frame["graph"] = self._graph_frame()
        finite: dict[str, Any] = _finite(frame)
        return finite

    def _explain(self) -> str:
        layer, neuron, input = self.chosen
        if not self.optimizer.last:
            return "the optimizer has not stepped yet: press step or play"
        index = self.model.parameters().index(self._weight(layer, neuron, input))
        name = short_name(f"layers.{layer}.neurons.{neuron}.w.{input}")
        return self.optimizer.explain(index, name)

    def _sample_loss(self) -> tuple[Value, MLP]:
        """The selected training point's loss, on a copy of the model (pictures never
        touch the model's own grads), after its backward pass."""
        twin = copy.deepcopy(self.model)
        i = self.selected
        x = feature_columns(self.train_X[i : i + 1], self.settings.features)[0]
        loss = _one_loss(self.settings.loss, twin, x, int(self.train_y[i]))
        loss.backward()
        return loss, twin

    def _graph_frame(self) -> dict[str, Any]:
        """The selected sample's loss graph at the current weights: the layout when the
        graph's shape is new, then the numbers, colours and widths to show in it."""
        from micrograd_plus.viz.live import GRAD_CELL, LiveGraph
        from micrograd_plus.viz.palette import DEAD, OP_FILL

        loss, twin = self._sample_loss()
        shape = (self.settings.networkShape, self.settings.features, self.settings.loss)
        fresh = self._live is None or self._live[0] != shape
        if fresh:
            self._live = (shape, LiveGraph(loss, twin))
        rows: dict[str, Any] = self._live[1].frame(loss, twin, with_layout=fresh)
        rows.update(gradCell=GRAD_CELL, colours={"dead": DEAD, "op": OP_FILL})
        return rows

    def stepper_page(self) -> str:
        """The stepper page for the selected sample at the current weights."""
        from micrograd_plus.viz import Stepper

        loss, twin = self._sample_loss()
        title = f"training point {self.selected} at iteration {self.iteration}"
        return Stepper(loss, params=twin, title=title, max_nodes=2_000).page

    def export(self) -> dict[str, str]:
        """The trained model as JSON, and a script that repeats this run."""
        script = (
            "from micrograd_plus.playground import Playground\n\n"
            f"pg = Playground.from_url({self.url_hash()!r})\n"
            f"pg.step({self.iteration})\n"
            'print(f"train loss {pg.train_loss:.4f}, test loss {pg.test_loss:.4f}")\n'
            'pg.model.save("playground_model.json")\n'
        )
        return {"model": self.model.to_json(), "script": script}


def _one_loss(loss: str, model: MLP, x: np.ndarray, label: int) -> Value:
    scores = model(x)
    if loss == "cross_entropy":
        return cross_entropy(scores, label)
    if loss == "mse":
        return mse_loss(scores, float(label))
    return binary_cross_entropy_with_logits(scores, float(label))


def _thin(train: list[float], test: list[float]) -> dict[str, Any]:
    """The loss curves with at most HISTORY points each (and their step numbers)."""
    every = max(1, math.ceil(len(train) / HISTORY))
    steps = list(range(0, len(train), every))
    if steps[-1] != len(train) - 1:
        steps.append(len(train) - 1)
    return {"step": steps, "train": [train[i] for i in steps], "test": [test[i] for i in steps]}


def _settings_json(settings: Settings) -> dict[str, Any]:
    fields = json.loads(json.dumps(settings.__dict__, default=list))
    fields.pop("extra", None)
    return dict(fields)


def _finite(value: Any) -> Any:
    """JSON has no inf or nan: they travel as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def handle(session: Session, message: Any) -> dict[str, Any]:
    """What a page asked for, done: the reply is the new frame, an export, or an error
    that says what was wrong (and leaves the session as it was before the message)."""
    try:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise ValueError("a message is an object with a 'type'")
        kind = message["type"]
        if kind in ("tick", "step"):
            session.step(1)
        elif kind == "init":
            session.settings = from_hash(_text(message, "hash"), session.settings)
            session.added = []
            session._regenerate()
        elif kind == "set":
            session.set(_text(message, "key"), _text(message, "value"))
        elif kind == "reset":
            session.reset()
        elif kind == "regenerate":
            session.settings = replace(session.settings, seed=(session.settings.seed + 1) % 2**31)
            session._regenerate()
        elif kind == "point":
            label = message.get("label")
            if not isinstance(label, int) or isinstance(label, bool):
                raise ValueError(f"a point's label is a class number, got {label!r}"[:200])
            session.add_point(_number(message, "x"), _number(message, "y"), label)
        elif kind == "remove":
            session.remove_point(_number(message, "x"), _number(message, "y"))
        elif kind == "select":
            session.select(_whole(message, "sample"))
        elif kind == "weight":
            where = (_whole(message, "layer"), _whole(message, "neuron"), _whole(message, "input"))
            if "value" in message:
                session.set_weight(*where, _number(message, "value"))
            else:
                session.choose_weight(*where)
        elif kind == "export":
            what = message.get("what", "model")
            return {
                "type": "export",
                "what": what if what == "script" else "model",
                **session.export(),
            }
        elif kind == "stepper":
            return {"type": "stepper", "page": session.stepper_page()}
        elif kind != "frame":
            raise ValueError(f"unknown message type {kind!r}"[:200])
        return session.frame()
    except (ValueError, KeyError, TypeError) as error:
        return {"type": "error", "message": str(error)[:300]}


def _text(message: dict[str, Any], key: str) -> str:
    value = message.get(key)
    if not isinstance(value, str) or len(value) > 4000:
        raise ValueError(
            f"{key} must be text (at most 4,000 characters), got {type(value).__name__}"
        )
    return value


def _number(message: dict[str, Any], key: str) -> float:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number, got {value!r}"[:200])
    return float(value)


def _whole(message: dict[str, Any], key: str) -> int:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number, got {value!r}"[:200])
    return value
