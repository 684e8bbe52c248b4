"""Loss functions: how far predictions are from targets, as a Value to backpropagate from.

Each takes one sample or a batch. One sample: a prediction (a Value or number) and its
target; for the multi-class losses, a list of class scores and a target. A batch: lists
of those. ``reduction="mean"`` (the default) averages over the batch, ``"sum"`` adds.
Targets are inputs of the graph: numbers (made constant Values) or Values, with local
derivatives of their own, so a graph recorded for one sample holds for any target.

Every loss is built from Value ops, so it draws as a graph; binary cross-entropy on
probabilities is one op per sample because PyTorch defines its gradient directly (see
``binary_cross_entropy``).

``LOSSES`` holds what the rest of the library knows of a loss by its name ("bce", as
``train(loss=...)``, the command line's ``--loss`` and the playground take it): its
function, how a model's output reads as a prediction, what a target must be, its label.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_plus import floats
from micrograd_plus.engine import Value, as_value, op_result
from micrograd_plus.functional import log_softmax
from micrograd_plus.indexing import Index

__all__ = [
    "LOSSES",
    "NamedLoss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "categorical_cross_entropy",
    "cross_entropy",
    "hinge_loss",
    "mae_loss",
    "mse_loss",
    "named_loss",
]


def _is_scalar(x: object) -> bool:
    scalar = isinstance(x, Value | numbers.Real | Index)  # Index: an id while a tape records
    return scalar or (isinstance(x, np.ndarray) and x.ndim == 0)


def _pairs(name: str, predictions: Any, targets: Any) -> list[tuple[Value, Value]]:
    """(prediction, target) per sample, for losses with one number per sample. A target
    is an input of the loss's graph: a Value as given, or a number as a constant Value."""
    if _is_scalar(predictions):
        predictions, targets = [predictions], [targets]
    if _is_scalar(targets):
        targets = [targets]
    predictions, targets = list(predictions), list(targets)
    if len(predictions) != len(targets):
        raise ValueError(f"{name}: got {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{name}: got an empty batch")
    return [(_value(name, p), _value(name, t, "target")) for p, t in zip(predictions, targets)]


def _rows(name: str, predictions: Any, targets: Any) -> list[tuple[list[Value], Any]]:
    """(class scores, target) per sample, for the multi-class losses."""
    if _is_scalar(predictions):
        raise TypeError(
            f"{name}: expected the class scores of a sample (a list of Values, one per "
            f"class), or a list of such lists; got one {type(predictions).__name__}"
        )
    predictions = list(predictions)
    if predictions and _is_scalar(predictions[0]):  # one sample: a list of class scores
        predictions, targets = [predictions], [targets]
    targets = [targets] if _is_scalar(targets) else list(targets)
    if len(predictions) != len(targets):
        raise ValueError(f"{name}: got {len(predictions)} samples but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{name}: got an empty batch")
    return [([_value(name, s) for s in row], t) for row, t in zip(predictions, targets)]


def _value(name: str, x: Any, role: str = "prediction") -> Value:
    """A prediction or a target as a Value: itself, or a number as a constant leaf."""
    if isinstance(x, bool) or not (isinstance(x, Value) or _is_scalar(x)):
        raise TypeError(f"{name}: a {role} must be a number or a Value, got {type(x).__name__}")
    return as_value(x if isinstance(x, Value) else float(x))


def _numbers(name: str, targets: Any) -> list[float]:
    if _is_scalar(targets):
        targets = [targets]
    out = []
    for t in targets:
        if isinstance(t, Value):
            t = t.data
        if isinstance(t, bool) or not _is_scalar(t):
            raise TypeError(f"{name}: targets must be numbers, got {type(t).__name__}")
        out.append(float(t))
    return out


def _reduce(name: str, losses: list[Value], reduction: str) -> Value:
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{name}: reduction must be 'mean' or 'sum', got {reduction!r}")
    if len(losses) == 1:  # one sample: its loss, with no sum or division to draw
        return losses[0]
    if reduction == "mean":
        return Value.sum(losses) / len(losses)
    return Value.sum(losses)


def mse_loss(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error: mean of (prediction - target)**2. Regression; punishes big errors."""
    pairs = _pairs("mse_loss", predictions, targets)
    return _reduce("mse_loss", [(p - t) ** 2 for p, t in pairs], reduction)


def mae_loss(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean absolute error: mean of |prediction - target|. Regression; all errors alike."""
    pairs = _pairs("mae_loss", predictions, targets)
    return _reduce("mae_loss", [(p - t).abs() for p, t in pairs], reduction)


def _check_targets(name: str, pairs: list[tuple[Value, Value]]) -> None:
    for i, (_, y) in enumerate(pairs):
        if not 0.0 <= y.data <= 1.0:
            raise ValueError(f"{name}: target {i} must be in [0, 1], got {y.data!r}")


def _bce(p: Value, target: Value) -> Value:
    """-(y log p + (1 - y) log(1 - p)) for one probability p, exactly as PyTorch has it:
    (y - 1) * max(log1p(-p), -100) - y * max(log(p), -100).

    The target y is an input of the node, so a graph recorded once can be replayed with
    other targets. Each log is clamped at -100, so p = 0 or 1 gives a finite loss, and
    log1p(-p) keeps tiny p exact. The local derivatives: d/dp = -y/p + (1 - y)/(1 - p),
    where a term whose weight (y or 1 - y) is 0 is left out (y = 1: -1/p exactly, also at
    p = 1, where PyTorch's formula gives 0; 0 where the log is clamped), otherwise PyTorch's
    (p - y) / max(p (1 - p), 1e-12), finite at p = 0 or 1;  d/dy = -log(p / (1 - p)).
    """
    y = target.data
    log_p, log_1mp = floats.log(p.data), floats.log1p(-p.data)
    loss = (y - 1.0) * max(log_1mp, -100.0) - y * max(log_p, -100.0)
    if y == 1:  # -log p alone: -1/p, and 0 where the log is clamped (flat)
        d_dp = floats.divide(-1.0, p.data) if log_p > -100.0 else 0.0
    elif y == 0:  # -log(1 - p) alone: 1/(1 - p), and 0 where the log is clamped
        d_dp = floats.divide(1.0, 1.0 - p.data) if log_1mp > -100.0 else 0.0
    else:
        d_dp = (p.data - y) / max(p.data * (1.0 - p.data), floats.BCE_EPSILON)
    d_dy = -floats.log(floats.divide(p.data, 1.0 - p.data))
    return op_result(loss, "bce", (p, target), (d_dp, d_dy))


def binary_cross_entropy(probabilities: Any, targets: Any, reduction: str = "mean") -> Value:
    """-(y log p + (1 - y) log(1 - p)) for predicted probabilities p in [0, 1], y in [0, 1].

    For a model that outputs raw scores, ``binary_cross_entropy_with_logits`` is the
    stable choice; this one expects probabilities, e.g. after a sigmoid.
    """
    name = "binary_cross_entropy"
    pairs = _pairs(name, probabilities, targets)
    for i, (p, _) in enumerate(pairs):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"{name}: prediction {i} must be a probability in [0, 1], got {p.data!r}"
            )
    _check_targets(name, pairs)
    return _reduce(name, [_bce(p, y) for p, y in pairs], reduction)


def _bce_with_logits(z: Value, target: Value) -> Value:
    """Binary cross-entropy of sigmoid(z) from the logit z, in one op:
    max(z, 0) - z y + log1p(exp(-|z|)), so exp never overflows and a confident logit
    keeps its digits (z = 37, y = 1: 8.5e-17; z = -40, y = 0: 4.2e-18, not 0).
    d/dz = sigmoid(z) - y,  d/dy = -z.

    max(z, 0) - z y is written (1 - y) max(z, 0) - y min(z, 0), the same number for a
    finite z, so that an infinite logit gives an infinite loss (or nan where y says
    nothing: z = inf, y = 1), never inf - inf."""
    a, y = z.data, target.data
    loss = (1.0 - y) * max(a, 0.0) - y * min(a, 0.0) + math.log1p(floats.exp(-abs(a)))
    return op_result(loss, "bce_with_logits", (z, target), (floats.sigmoid(a) - y, -a))


def binary_cross_entropy_with_logits(logits: Any, targets: Any, reduction: str = "mean") -> Value:
    """Binary cross-entropy of sigmoid(z), computed from the logit z without overflow.

    -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))  equals
    max(z, 0) - z y + log(1 + exp(-|z|)):  the same function written so that exp never
    sees a large positive number. Its derivative is sigmoid(z) - y.
    """
    name = "binary_cross_entropy_with_logits"
    pairs = _pairs(name, logits, targets)
    _check_targets(name, pairs)
    return _reduce(name, [_bce_with_logits(z, y) for z, y in pairs], reduction)


def cross_entropy(logits: Any, targets: Any, reduction: str = "mean") -> Value:
    """-log softmax(z)[target]: multi-class loss from raw scores and class indices.

    One sample: a list of K logits and an index in 0..K-1; a batch: lists of both.
    log_softmax subtracts the largest logit first, so logits like 1000 are safe.
    """
    losses = []
    for i, (row, target) in enumerate(_rows("cross_entropy", logits, targets)):
        if isinstance(target, Index):  # a tape's id: the class as a one-hot row
            hot = target.one_hot(len(row))
            losses.append(-Value.sum(h * z for h, z in zip(hot, log_softmax(row))))
            continue
        whole = isinstance(target, numbers.Real) and float(target).is_integer()
        if isinstance(target, bool) or not whole:
            raise ValueError(f"cross_entropy: target {i} must be a class index, got {target!r}")
        index = int(target)
        if not 0 <= index < len(row):
            raise ValueError(
                f"cross_entropy: target {i} is class {index}, but there are {len(row)} classes "
                f"(0..{len(row) - 1})"
            )
        losses.append(-log_softmax(row)[index])
    return _reduce("cross_entropy", losses, reduction)


def categorical_cross_entropy(probabilities: Any, one_hot: Any, reduction: str = "mean") -> Value:
    """-sum_c y_c log p_c: the course notes' formula, on probabilities and one-hot targets.

    Classes whose target is 0 add nothing (0 log p = 0), and are left out of the graph.
    A class with a positive target and probability 0 has an infinite loss: that is an
    error here; ``cross_entropy`` on logits never meets it.
    """
    losses = []
    for i, (row, target) in enumerate(_rows("categorical_cross_entropy", probabilities, one_hot)):
        ys = _numbers("categorical_cross_entropy", target)
        if len(ys) != len(row):
            raise ValueError(
                f"categorical_cross_entropy: sample {i} has {len(row)} probabilities "
                f"but {len(ys)} targets"
            )
        terms = []
        for c, (p, y) in enumerate(zip(row, ys)):
            if y == 0:
                continue
            if not p.data > 0:
                raise ValueError(
                    f"categorical_cross_entropy: sample {i}, class {c} has target {y} but "
                    f"probability {p.data!r}, whose log is -infinity; use cross_entropy on logits"
                )
            terms.append(y * p.log())
        losses.append(-Value.sum(terms))
    return _reduce("categorical_cross_entropy", losses, reduction)


def hinge_loss(scores: Any, targets: Any, reduction: str = "mean") -> Value:
    """max(0, 1 - y * score) for labels y in {-1, +1}: micrograd's demo loss (an SVM's)."""
    pairs = _pairs("hinge_loss", scores, targets)
    for i, (_, y) in enumerate(pairs):
        if y.data not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: target {i} must be -1 or +1, got {y.data!r}")
    return _reduce("hinge_loss", [(1.0 - y * s).relu() for s, y in pairs], reduction)


LossFn = Callable[[Any, Any], Value]


@dataclass(frozen=True)
class NamedLoss:
    """A loss as the library knows it by name, in one place: training, the tape (which
    records ``function`` and replays it over batches: no second copy in numpy), the
    command line and the playground all read it from here.

    ``reads`` says how a model's output reads as a prediction: "value" (regression: the
    output is the prediction), "sigmoid" (a logit: P(class 1) = sigmoid(output)),
    "softmax" (one logit per class) or "sign" (hinge: class 1 where the score is
    positive). ``labels`` are the two class labels a two-class loss trains on (class
    0's first); ``fits(y, classes)`` says which targets it takes (None: any number),
    ``targets`` says it in words."""

    name: str
    label: str
    function: LossFn
    reads: str
    targets: str
    fits: Callable[[np.ndarray, int], np.ndarray] | None = None  # None: any number
    labels: tuple[float, float] | None = None
    on_probabilities: LossFn | None = None

    @property
    def regression(self) -> bool:
        """Whether the targets are numbers to fit, not classes."""
        return self.reads == "value"


LOSSES: dict[str, NamedLoss] = {
    loss.name: loss
    for loss in (
        NamedLoss("mse", "MSE", mse_loss, "value", "a number"),
        NamedLoss("mae", "MAE", mae_loss, "value", "a number"),
        NamedLoss(
            "bce",
            "BCE",
            binary_cross_entropy_with_logits,  # on logits, the stable form
            "sigmoid",
            "a target in [0, 1]",
            lambda y, classes: (y >= 0) & (y <= 1),
            labels=(0.0, 1.0),
            on_probabilities=binary_cross_entropy,  # a model that ends in a sigmoid
        ),
        NamedLoss(
            "cross_entropy",
            "Cross-entropy",
            cross_entropy,
            "softmax",
            "a class index 0, 1, 2, ...",
            lambda y, classes: (y == np.round(y)) & (y >= 0) & (y < classes),
        ),
        NamedLoss(
            "hinge",
            "Hinge",
            hinge_loss,
            "sign",
            "-1 or +1",
            lambda y, classes: (y == -1) | (y == 1),
            labels=(-1.0, 1.0),
        ),
    )
}


def named_loss(name: str) -> NamedLoss:
    """The loss called ``name``, or a ValueError that lists the names there are."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}: expected one of {', '.join(LOSSES)}")
    return LOSSES[name]
