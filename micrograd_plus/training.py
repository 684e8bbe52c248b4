"""A training loop a student can read: forward, loss, zero_grad, backward, step.

    history = train(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.05))

Each step runs the model on a batch, measures the loss, clears the old gradients,
backpropagates, and lets the optimizer move every parameter. The history keeps the
loss (and, for classification, the accuracy on that batch) of every step.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from micrograd_plus._checks import whole_number
from micrograd_plus.arrays import ARRAYS
from micrograd_plus.engine import Value, no_grad
from micrograd_plus.functional import log_softmax
from micrograd_plus.losses import LossFn, named_loss
from micrograd_plus.nn import Module, short_name
from micrograd_plus.optim import Adam, Optimizer
from micrograd_plus.tape import Tape

__all__ = [
    "ENGINES",
    "History",
    "ModelTape",
    "accuracy",
    "check_fit",
    "class_probabilities",
    "loss_function",
    "loss_targets",
    "outputs",
    "predict",
    "predicted_classes",
    "target_classes",
    "train",
]


@dataclass
class History:
    """Per step: the loss, and for classification the fraction of the batch classified right."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def _outputs_probabilities(model: Module) -> bool:
    """Whether the model's one output is already a probability (of class 1)."""
    return model.output_activation in ("sigmoid", "step")


def loss_function(model: Module, loss: str) -> LossFn:
    """The loss named ``loss`` (``micrograd_plus.losses.LOSSES``); "bce" takes
    probabilities if the model ends in a sigmoid (or a perceptron's step), else logits
    (the stable form)."""
    named = named_loss(loss)
    if named.on_probabilities is not None and _outputs_probabilities(model):
        return named.on_probabilities
    return named.function


def check_fit(model: Module, loss: str, y: np.ndarray) -> None:
    """A ``ValueError`` that says which loss fits, where the model's outputs or the
    targets do not fit ``loss``: it would train to a meaningless number otherwise."""
    named, outputs = named_loss(loss), model.nout
    labels = np.unique(y) if len(y) else np.array([])
    whole = bool(np.all(labels == np.round(labels))) if labels.size else True
    classes = int(labels.max()) + 1 if labels.size and whole and labels.min() >= 0 else 0
    if named.reads == "softmax":
        if not whole or labels.min() < 0:
            raise ValueError("cross_entropy needs class indices 0, 1, 2, ... as targets")
        if outputs < max(classes, 2):
            raise ValueError(
                f"cross_entropy over {max(classes, 2)} classes needs a model with "
                f"{max(classes, 2)} outputs, not {outputs}"
                + ("; for one output use loss='bce'" if outputs == 1 and classes <= 2 else "")
            )
        return
    if outputs != 1:
        raise ValueError(
            f"loss {loss!r} needs a model with one output, not {outputs}"
            + ("; for several classes use loss='cross_entropy'" if loss != "mse" else "")
        )
    if named.labels is None or set(labels.tolist()) <= {0, 1}:
        return
    if not set(labels.tolist()) <= set(named.labels):
        signed = "+g" if min(named.labels) < 0 else "g"  # -1 and +1
        low, high = (format(label, signed) for label in named.labels)
        also = "" if named.labels == (0, 1) else " (or 0 and 1)"
        hint = "use loss='cross_entropy'" if whole and classes > 2 else f"each is {low} or {high}"
        raise ValueError(
            f"{loss} needs targets {low} and {high}{also}, got {_few_labels(labels)}: {hint}"
        )


def _few_labels(labels: np.ndarray) -> str:
    shown = ", ".join(format(v, "g") for v in labels[:5])
    return shown + (", ..." if len(labels) > 5 else "")


def loss_targets(loss: str, y: np.ndarray) -> np.ndarray:
    """The targets as ``loss`` takes them: class indices 0 and 1 mapped to its labels
    (hinge's -1 and +1); anything else as it is."""
    labels = named_loss(loss).labels
    if labels is not None and set(np.unique(y)) <= {0, 1}:
        return np.where(y == 1, labels[1], labels[0])
    return y


def predict(model: Module, X: np.ndarray) -> list[Any]:
    """The model's output for each row of X, without recording a graph."""
    with no_grad():
        return [model(x) for x in X]


class ModelTape:
    """``loss(model(x), y)`` for one sample, recorded once as a program (a ``Tape``) and
    replayed over batches: ``forward(X, y)`` gives each sample's loss, ``backward()`` adds
    the batch's mean gradient to each parameter's ``.grad``, ``outputs()`` the model's
    outputs in the last forward. ``y`` as ``train`` takes it: cross-entropy's class
    indices are replayed as one-hot rows, ``-sum_c y_c log_softmax(z)_c``. ``str()``
    shows the program, with the parameters' short names (``L1.N2.w0``)."""

    def __init__(self, model: Module, loss: str = "bce") -> None:
        fn = loss_function(model, loss)
        self.loss, self._named = loss, named_loss(loss)
        if self._named.reads == "softmax" and model.nout < 2:
            raise ValueError(f"{loss} needs a model with 2 or more outputs, not {model.nout}")
        self.classes = model.nout if self._named.reads == "softmax" else 0

        def loss_and_scores(x: list[Value], y: Value | list[Value]) -> list[Value]:
            """The loss, then the model's outputs (kept for ``outputs()``)."""
            scores = model(x)
            rows = scores if isinstance(scores, list) else [scores]
            if isinstance(y, list):  # one-hot targets
                return [-Value.sum(t * p for t, p in zip(y, log_softmax(rows))), *rows]
            return [fn(scores, y), *rows]

        target = (
            [Value(float(c == 0), f"y{c}") for c in range(self.classes)]
            if self.classes
            else Value(1.0, "y")
        )

        def names() -> dict[Value, str]:  # a million names take seconds: only when printed
            return {p: short_name(name) for name, p in model.named_parameters()}

        self.tape = Tape.record(loss_and_scores, [0.0] * model.nin, target, names=names)
        self._last = np.empty((0, 1 + model.nout))  # the last forward's loss and outputs

    def forward(self, *arrays: Any, schedule: str | None = None) -> np.ndarray:
        """Each sample's loss over the batch: ``forward(X, y)`` (``schedule`` as
        ``Tape.forward`` takes it)."""
        if len(arrays) == 2:
            self._check_targets(np.asarray(arrays[1]))
        if self.classes and len(arrays) == 2 and np.ndim(arrays[1]) == 1:
            y = np.asarray(arrays[1])
            one_hot = np.zeros((len(y), self.classes))
            one_hot[np.arange(len(y)), y.astype(int)] = 1.0
            arrays = (arrays[0], one_hot)
        self._last = self.tape.forward(*arrays, schedule=schedule)
        return self._last[:, 0].copy()

    def _check_targets(self, y: np.ndarray) -> None:
        """The targets the scalar losses refuse, refused here too, naming the first row."""
        if y.dtype.kind not in "biuf":
            raise ValueError(f"targets must be real numbers, got an array of {y.dtype}")
        fits = self._named.fits
        if fits is None or (self.classes and y.ndim == 2):  # any number, or one-hot rows
            return
        bad = ~fits(y, self.classes)
        if np.any(bad):
            row = int(np.argmax(bad))
            what = f"a class index 0..{self.classes - 1}" if self.classes else self._named.targets
            raise ValueError(f"{self.loss}: target {row} must be {what}, got {y[row].item()!r}")

    def backward(self, reduction: str = "mean") -> None:
        self.tape.backward(reduction, output=0)

    def outputs(self) -> np.ndarray:
        """The model's outputs in the last forward: (batch,) for one, (batch, k)."""
        if not len(self._last):
            raise RuntimeError("no forward pass yet: call tape.forward(...)")
        scores = self._last[:, 1:]
        return scores[:, 0].copy() if scores.shape[1] == 1 else scores.copy()

    def __str__(self) -> str:
        return str(self.tape)

    def __repr__(self) -> str:
        return f"ModelTape({self.tape!r})"


ENGINES = ("scalar", "tape")


def outputs(model: Module, X: np.ndarray, engine: str = "scalar") -> np.ndarray:
    """The model's outputs on the rows of X as numbers: (n,), or (n, k) for k outputs.

    ``engine="tape"`` records the model once and replays it over X with numpy
    (``micrograd_plus.tape``): the same numbers, far faster on many rows.
    """
    X = np.asarray(X, dtype=np.float64)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "scalar":
        return _numbers(predict(model, X))
    return Tape.record(model, [0.0] * model.nin).forward(X)  # in chunks, where X is big


def _numbers(rows: list[Any]) -> np.ndarray:
    """Outputs (Values, or lists of Values) as an array of their data."""
    return np.asarray([[o.data for o in r] if isinstance(r, list) else r.data for r in rows])


def class_probabilities(model: Module, out: np.ndarray, loss: str) -> np.ndarray:
    """What the model's outputs ``out`` say, as ``loss`` reads them: for several outputs,
    each class's softmax probability, (n, k); for one, the probability of class 1, (n,):
    the output itself where it already is one (a sigmoid, a perceptron's step), else the
    sigmoid of the logit, or for hinge 0 or 1 by the score's sign."""
    out, reads = np.asarray(out, dtype=np.float64), named_loss(loss).reads
    if reads == "softmax":
        with np.errstate(invalid="ignore"):  # a row of nan stays nan
            shifted = np.exp(out - out.max(axis=1, keepdims=True))
            return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))
    if reads == "sign":
        return np.asarray((out > 0).astype(np.float64))
    if _outputs_probabilities(model):
        return out
    with np.errstate(over="ignore"):
        return np.asarray(ARRAYS.sigmoid(out))


def predicted_classes(model: Module, out: np.ndarray, loss: str) -> np.ndarray:
    """The class each output names: the most probable one, or 1 where P(class 1) > 0.5."""
    probabilities = class_probabilities(model, out, loss)
    if probabilities.ndim == 2:
        return np.asarray(np.argmax(probabilities, axis=1))
    return np.asarray((probabilities > 0.5).astype(int))


def _correct(loss: str, model: Module, out: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which outputs name the right class (targets as ``loss_targets`` gives them)."""
    return np.asarray(predicted_classes(model, out, loss) == target_classes(loss, y))


def target_classes(loss: str, y: np.ndarray) -> np.ndarray:
    """The class index each target names: for a two-class loss, 1 where the target is
    its second label (hinge's +1), else the index itself."""
    labels = named_loss(loss).labels
    y = np.asarray(y)
    return (y == labels[1]).astype(int) if labels is not None else y.astype(int)


def accuracy(
    model: Module, X: np.ndarray, y: np.ndarray, loss: str, engine: str = "scalar"
) -> float:
    """The fraction of rows of X that the model classifies right, as ``loss`` reads outputs."""
    if named_loss(loss).regression:
        raise ValueError(f"accuracy needs a classification loss, not {loss!r}")
    y = loss_targets(loss, np.asarray(y))
    return float(np.mean(_correct(loss, model, outputs(model, X, engine), y)))


def train(
    model: Module,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str = "mse",
    optimizer: Optimizer | None = None,
    steps: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    seed: int | None = None,
    progress: bool | None = None,
    engine: str = "scalar",
) -> History:
    """Train ``model`` on (X, y) for ``steps`` optimizer steps, and return the history.

    ``loss`` names one of ``micrograd_plus.losses.LOSSES``: "mse", "mae", "bce",
    "cross_entropy", "hinge". ``optimizer`` defaults to Adam(lr=0.01). ``batch_size``
    None uses all of X each step; else a random batch (drawn with ``seed``). ``l2`` adds
    l2 * sum(p**2) over the parameters.
    ``progress`` shows a bar with the loss; None shows it only on a terminal.
    ``engine="tape"`` records one sample's graph and replays it over each batch with
    numpy (``micrograd_plus.tape``): the same gradients, hundreds of times faster.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} targets")
    if len(X) == 0:
        raise ValueError("there is nothing to train on: X is empty")
    whole_number("steps", steps, 0)
    if batch_size is not None:
        whole_number("batch_size", batch_size, 1)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    named, loss_fn = named_loss(loss), loss_function(model, loss)
    check_fit(model, loss, y)
    y = loss_targets(loss, y)
    optimizer = optimizer or Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(seed)
    history = History()
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(range(steps), disable=not show, desc="training", unit="step")
    tape = ModelTape(model, loss) if engine == "tape" else None
    for _ in bar:
        rows = slice(None) if batch_size is None else rng.choice(len(X), batch_size)
        optimizer.zero_grad()
        if tape is None:  # the scalar engine: one graph per sample, then backward
            scores = [model(x) for x in X[rows]]
            value = loss_fn(scores, y[rows])
            got = _numbers(scores)
        else:  # the tape: one program replayed over the batch
            loss_value = float(np.mean(tape.forward(X[rows], y[rows])))
            tape.backward("mean")
            value = Value(loss_value)
            got = tape.outputs()
        if l2:
            value = value + l2 * Value.sum(p * p for p in model.parameters())
        value.backward()  # the scalar graph; with the tape, only the l2 term's
        optimizer.step()
        history.loss.append(value.data)
        if not named.regression:
            history.accuracy.append(float(np.mean(_correct(loss, model, got, y[rows]))))
        bar.set_postfix(loss=f"{value.data:.4f}")
    return history
