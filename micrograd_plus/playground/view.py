"""What a playground's page draws, as JSON-ready frames, and what it exports.

A ``View`` is one page's view of a run: it remembers what it has sent, so a frame
carries only what changed (the points when they change, the network's shape when it
changes, the choices once) and what is on screen. Bound on a frame's size, measured at
the largest network (7 features, 8 hidden layers of 16): under 200 KB without the points
(the plane and 128 neuron maps as bytes, the 2,049 parameters, their gradients and one
sample's products as float32), and up to 1,000 points when the data changes.
"""

from __future__ import annotations

import base64
import copy
import json
import math
from typing import Any

import numpy as np

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.nn import MLP, short_name
from micrograd_plus.parameters import Numbers
from micrograd_plus.playground import data
from micrograd_plus.playground.session import Session, feature_columns
from micrograd_plus.playground.settings import FEATURES, PYTHON_NAMES, Settings, choices
from micrograd_plus.training import class_probabilities

__all__ = ["CURVE", "GRID", "View", "export", "script"]

GRID = 40  # the plane is drawn from GRID x GRID points; a neuron's map from every second
CURVE = 300  # loss points sent to the page at most (the whole history, thinned)
PREVIEW = 60  # points in each data set's preview


def _bytes(values: np.ndarray) -> str:
    """Numbers in [-1, 1] as base64 bytes 0..255: a heat map in a few kilobytes."""
    scaled = np.round((np.clip(np.nan_to_num(values), -1, 1) + 1) * 127.5)
    return base64.b64encode(scaled.astype(np.uint8).tobytes()).decode("ascii")


def _floats(values: np.ndarray) -> str:
    """Numbers as base64 float32 (little-endian): what the page shows, in 4 bytes each."""
    with np.errstate(over="ignore"):  # beyond float32: shown as inf
        return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def _plane_points() -> np.ndarray:
    axis = np.linspace(-data.RADIUS, data.RADIUS, GRID)
    xs, ys = np.meshgrid(axis, axis[::-1])  # row 0 at the top: y = 6
    return np.column_stack([xs.ravel(), ys.ravel()])


PLANE = _plane_points()


class View:
    """One page's view of a session: ``frame(session)`` gives what to draw now."""

    def __init__(self) -> None:
        self.sent: dict[str, Any] = {}

    def forget(self) -> None:
        """The page starts afresh (a reload, a reconnection): send everything again."""
        self.sent = {}

    def frame(self, session: Session) -> dict[str, Any]:
        """Everything the page shows that it does not hold already, as JSON-ready data."""
        s = session.settings
        with session.showing() as row:
            frame: dict[str, Any] = {
                "type": "state",
                "iteration": row.iteration,
                "runIteration": session.iteration,
                "scrubbed": session.shown is not None,
                "trainLoss": row.train_loss,
                "testLoss": row.test_loss,
                "curve": _curve(session),
                **_plane(session),
                "params": _floats(row.parameters),
                "grads": _floats(row.gradients),
                "selected": session.selected,
                "chosen": list(session.chosen),
                "explain": _explain(session),
                "sample": _sample(session),
                "settings": _settings_json(s),
                "losses": list(s.losses),
                "hash": session.url_hash(),
                "notes": session.notes + s.notes(),
                "hints": session.hints(),
            }
        if "choices" not in self.sent:
            frame["choices"] = {**choices(), "previews": _previews()}
            self.sent["choices"] = True
        shape = [len(s.features), *(layer.nout for layer in session.model.layers)]
        key = (tuple(shape), s.features, s.activation, s.loss)
        if self.sent.get("shape") != key:
            frame["shape"] = {
                "sizes": shape,
                "features": [FEATURES[f] for f in s.features],
                "featureMaps": _feature_maps(s.features),
                "activation": session.model.layers[0].activation if len(shape) > 2 else "linear",
                "loss": s.loss,
                "regression": s.regression,
            }
            self.sent["shape"] = key
        if self.sent.get("data") != session.data_version:
            frame["points"] = {
                "train": {"X": session.train_X.round(3).tolist(), "y": _labels(session.train_y)},
                "test": {"X": session.test_X.round(3).tolist(), "y": _labels(session.test_y)},
            }
            self.sent["data"] = session.data_version
        finite: dict[str, Any] = _finite(frame)
        return finite


def _labels(y: np.ndarray) -> list[float]:
    return [round(float(v), 4) for v in y]


def _plane(session: Session) -> dict[str, Any]:
    """The prediction over the plane and each hidden neuron's map, as bytes."""
    s = session.settings
    with np.errstate(all="ignore"):
        activations = session.grid_tape.forward(feature_columns(PLANE, s.features))
    activations = activations.reshape(len(PLANE), -1)
    out = activations[:, -s.outputs :]
    if s.regression:
        shade = out[:, 0]
        classes = np.sign(shade)
    else:
        probabilities = class_probabilities(
            session.model, out[:, 0] if s.outputs == 1 else out, s.loss
        )
        if probabilities.ndim == 1:
            shade = 2 * probabilities - 1  # -1 class 0 .. +1 class 1
            classes = (probabilities > 0.5).astype(float) * 2 - 1
        else:
            shade = probabilities.max(axis=1)
            classes = probabilities.argmax(axis=1) - 1.0  # -1, 0, 1 for classes 0, 1, 2
    # each class's probability, as a map of its output neuron
    outputs = _bytes(2 * _maps(probabilities).ravel() - 1) if s.outputs > 1 else ""
    maps = _maps(activations[:, : activations.shape[1] - s.outputs])
    finite = np.where(np.isfinite(maps), np.abs(maps), 0.0)
    scale = finite.max(axis=1, initial=0.0, keepdims=True)
    scaled = maps / np.where(scale > 0, scale, 1.0)  # one row per hidden neuron
    return {
        "grid": GRID,
        "shade": _bytes(shade),
        "classes": _bytes(classes),
        "neurons": _bytes(scaled.ravel()),
        "outputs": outputs,
    }


def _maps(columns: np.ndarray) -> np.ndarray:
    """Each column of numbers over the plane's grid as a small map: a row each, of every
    second grid point in both directions (what a neuron's picture shows)."""
    grid = columns.reshape(GRID, GRID, -1)[::2, ::2]
    rows, columns, count = grid.shape  # count may be 0 (no hidden layer): no -1 here
    return np.asarray(grid.reshape(rows * columns, count).T)


def _feature_maps(features: tuple[str, ...]) -> str:
    """Each input feature's map, scaled to [-1, 1]."""
    maps = _maps(feature_columns(PLANE, features))
    return _bytes((maps / np.abs(maps).max(axis=1, keepdims=True)).ravel())


def _curve(session: Session) -> dict[str, Any]:
    """The loss curves with at most CURVE points each (and their iterations)."""
    history = session.history
    n = history.count
    every = max(1, math.ceil(n / CURVE))
    rows = list(range(0, n, every))
    if rows[-1] != n - 1:
        rows.append(n - 1)
    return {
        "iteration": [int(history.iterations[i]) for i in rows],
        "train": [float(history.losses[i, 0]) for i in rows],
        "test": [float(history.losses[i, 1]) for i in rows],
    }


def weight_name(layer: int, neuron: int, input: int) -> str:
    return short_name(f"layers.{layer}.neurons.{neuron}.w.{input}")


def _explain(session: Session) -> str:
    layer, neuron, input = session.chosen
    name = weight_name(layer, neuron, input)
    index = session.weight_index(layer, neuron, input)
    if session.shown is not None:
        row = session.now
        return (
            f"iteration {row.iteration}, from the history: {name} = "
            f"{format_number(row.parameters[index])}, its gradient in that iteration's last "
            f"batch {format_number(row.gradients[index])}.\nPress play or step to train on "
            "from here."
        )
    if not session.optimizer.steps:
        return "the optimizer has not stepped yet: press step or play"
    try:
        return session.optimizer.explain(index, name)
    except (RuntimeError, IndexError) as error:  # never lets a frame fail
        return f"this step cannot be explained: {error}"


def _sample(session: Session) -> dict[str, Any]:
    """The selected training point's graph at the weights on view, as the overview
    draws it: each neuron's sum z and activation a (data and grad), each weight's
    product w*x (data and grad) and the sample's dL/dw, the loss. The model's own grads
    are kept: they are restored after this sample's backward pass."""
    s = session.settings
    i = session.selected
    x = feature_columns(session.train_X[i : i + 1], s.features)[0]
    kept = session.numbers.grad()
    session.numbers.zero_grad()
    xs = [Value(float(v)) for v in x]
    sums, outs, products = [], [], []
    inputs = xs
    for layer in session.model.layers:
        outputs = []
        for neuron in layer.neurons:
            z = neuron.preactivation(inputs)
            a = neuron.activate(z)
            sums.append(z)
            outs.append(a)
            products += [*z.inputs[:-1], None]  # None: the bias's place in the parameters
            outputs.append(a)
        inputs = outputs
    with np.errstate(all="ignore"):
        scores = inputs[0] if len(inputs) == 1 else inputs
        loss = session.loss_fn(scores, float(session.train_y[i]))
        loss.backward()
    dw = session.numbers.grad()
    session.numbers.zero_grad()
    session.numbers.add_grad(kept)
    product_data = [p.data if p is not None else 0.0 for p in products]
    product_grad = [p.grad if p is not None else 0.0 for p in products]
    return {
        "x": [float(v) for v in x],
        "dx": [v.grad for v in xs],
        "z": [[v.data, v.grad] for v in sums],
        "a": [[v.data, v.grad] for v in outs],
        "dw": _floats(dw),
        "product": _floats(np.array(product_data)),
        "productGrad": _floats(np.array(product_grad)),
        "loss": loss.data,
        "target": float(session.train_y[i]),
        "point": [float(v) for v in session.train_X[i]],
    }


def _previews() -> dict[str, Any]:
    """A few points of each data set, for the small pictures on its button."""
    out = {}
    for name in ("circle", "xor", "gauss", "spiral", "moons", "three", "reg-plane", "reg-gauss"):
        X, y = data.make(name, PREVIEW, 0.0, 0)
        out[name] = {"X": X.round(2).tolist(), "y": _labels(y)}
    return out


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


def saved_model(session: Session) -> tuple[MLP, int]:
    """The model to save: the run's now, or, where a diverged run left a parameter inf
    or nan, the last kept iteration whose parameters are all finite (and which it is)."""
    if np.isfinite(session.numbers.data()).all():
        return session.model, session.iteration
    history = session.history
    for index in range(history.count - 1, -1, -1):
        if np.isfinite(history.parameters[index]).all():
            model = copy.deepcopy(session.model)
            Numbers(model.parameters()).set_data(history.parameters[index])
            return model, int(history.iterations[index])
    raise ValueError("no kept iteration of this run has finite parameters")


def script(session: Session) -> str:
    """A Python script that repeats the run: its first settings, then every action."""
    lines = [
        '"""Repeats a micrograd_plus playground run: its settings, then each action."""',
        "",
        "from micrograd_plus.playground import Playground",
        "",
        f"pg = Playground.from_url({session.start!r})",
    ]
    for action, *arguments in session.log:
        if action == "setting":
            name, value = arguments
            value = list(value) if isinstance(value, tuple) else value
            lines.append(f"pg.{PYTHON_NAMES[name]} = {value!r}")
        else:
            lines.append(f"pg.{action}({', '.join(repr(a) for a in arguments)})")
    lines += [
        'print(f"iteration {pg.iteration}: train loss {pg.train_loss:.4f}, '
        'test loss {pg.test_loss:.4f}")',
        'pg.save("model.json")  # the page\'s model.json',
        "",
    ]
    return "\n".join(lines)


def export(session: Session) -> dict[str, str]:
    """The model as the page's ``model.json`` and a script that repeats the run (with a
    note when a diverged run's last finite iteration is what was saved, or when no kept
    iteration can be saved: then only the script)."""
    try:
        model, iteration = saved_model(session)
    except ValueError as error:
        return {"model": "", "script": script(session), "note": f"{error}: no model.json"}
    note = ""
    if model is not session.model:
        note = (
            f"the run diverged: model.json holds iteration {iteration}, its last with "
            "finite parameters"
        )
    return {"model": model.to_json(), "script": script(session), "note": note}
