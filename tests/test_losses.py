"""Losses: hand values, PyTorch parity (extremes included), central differences, bad input."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from parity import RTOL_OP, assert_matches_torch, torch_bce

from micrograd_plus import Value, gradcheck
from micrograd_plus.losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    categorical_cross_entropy,
    cross_entropy,
    hinge_loss,
    mae_loss,
    mse_loss,
    named_loss,
)

# --- by hand ------------------------------------------------------------------------------


def test_regression_losses_by_hand() -> None:
    assert mse_loss([1.0, 3.0], [0.0, 0.0]).data == 5.0  # (1 + 9) / 2
    assert mse_loss([1.0, 3.0], [0.0, 0.0], reduction="sum").data == 10.0
    assert mae_loss([1.0, -3.0], [0.0, 0.0]).data == 2.0
    assert mse_loss(Value(2.0), 1.0).data == 1.0  # one sample


def test_one_sample_is_its_own_loss_with_nothing_to_average() -> None:
    p = Value(3.0)
    for reduction in ["mean", "sum"]:
        loss = mse_loss(p, 1.0, reduction=reduction)
        assert (loss.op, loss.op_number) == ("**n", 2.0)  # no sum, no division by 1
        assert loss.data == 4.0


def test_mse_is_pulled_by_an_outlier_and_mae_is_not() -> None:
    targets = [0.0, 0.0, 0.0, 0.0]
    for loss, outlier_pull in [(mse_loss, 100.0), (mae_loss, 1.0)]:
        predictions = [Value(0.1), Value(-0.1), Value(0.1), Value(10.0)]  # one outlier
        loss(predictions, targets).backward()
        pulls = [abs(p.grad) for p in predictions]
        # MSE's gradient grows with the error; MAE's is the same size for every sample
        assert pulls[3] == pytest.approx(outlier_pull * pulls[0])


def test_classification_losses_by_hand() -> None:
    assert binary_cross_entropy(0.8, 1).data == pytest.approx(-math.log(0.8))
    assert binary_cross_entropy_with_logits(0.0, 1).data == pytest.approx(math.log(2))
    assert cross_entropy([0.0, 0.0, 0.0, 0.0], 2).data == pytest.approx(math.log(4))
    assert categorical_cross_entropy([0.2, 0.5, 0.3], [0, 1, 0]).data == pytest.approx(
        -math.log(0.5)
    )
    assert hinge_loss([2.0, 0.5, -1.0], [1, 1, 1], reduction="sum").data == pytest.approx(2.5)


def test_gradient_of_cross_entropy_is_softmax_minus_one_hot() -> None:
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    cross_entropy(logits, 1).backward()
    exps = [math.exp(z.data) for z in logits]
    expected = [e / sum(exps) - (k == 1) for k, e in enumerate(exps)]
    assert [z.grad for z in logits] == pytest.approx(expected, rel=1e-12)


def test_extremes_are_finite_and_stable() -> None:
    for p, y in [(0.0, 1), (1.0, 0), (0.0, 0), (1.0, 1)]:
        loss = binary_cross_entropy(p, y)
        assert math.isfinite(loss.data)
    assert binary_cross_entropy(0.0, 1).data == 100.0  # log clamped at -100
    for z in [-1000.0, 1000.0]:
        logit = Value(z)
        loss = binary_cross_entropy_with_logits(logit, 1)
        loss.backward()
        assert math.isfinite(loss.data)
        assert logit.grad == (-1.0 if z < 0 else 0.0)  # sigmoid(z) - 1
    assert cross_entropy([1000.0, 0.0, -1000.0], 2).data == 2000.0


# --- PyTorch parity ------------------------------------------------------------------------

probability = st.sampled_from([0.0, 1e-15, 1e-7, 0.3, 0.5, 0.9, 1 - 1e-12, 1.0]) | st.floats(0, 1)
logit = st.sampled_from([-1000.0, -40.0, -1.0, 0.0, 2.0, 40.0, 1000.0]) | st.floats(-50, 50)


reductions = st.sampled_from(["mean", "sum"])


def _f() -> Any:
    return pytest.importorskip("torch").nn.functional


def _tensor(x: Any) -> Any:
    return pytest.importorskip("torch").tensor(x, dtype=pytest.importorskip("torch").float64)


@given(
    st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=1, max_size=5), reductions
)
def test_mse_and_mae_match_pytorch(pairs: list[tuple[float, float]], reduction: str) -> None:
    predictions, targets = [p for p, _ in pairs], [t for _, t in pairs]
    for ours, theirs in [(mse_loss, "mse_loss"), (mae_loss, "l1_loss")]:
        assert_matches_torch(
            lambda p, ours=ours: ours(p, targets, reduction=reduction),
            lambda t, theirs=theirs: getattr(_f(), theirs)(
                t, _tensor(targets), reduction=reduction
            ),
            predictions,
        )


@pytest.mark.parametrize(
    ("ours", "theirs", "inputs"),
    [
        (binary_cross_entropy, "binary_cross_entropy", probability),
        (binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits", logit),
    ],
)
@given(st.data(), reductions)
def test_binary_cross_entropies_match_pytorch(
    ours: Callable[..., Value], theirs: str, inputs: Any, data: st.DataObject, reduction: str
) -> None:
    targets = st.sampled_from([0.0, 1.0]) | st.floats(0, 1)
    pairs = data.draw(st.lists(st.tuples(inputs, targets), min_size=1, max_size=5))
    predictions, labels = [p for p, _ in pairs], [t for _, t in pairs]
    # the targets are inputs of the graph too: their gradients are PyTorch's as well
    assert_matches_torch(
        lambda p, y: ours(p, y, reduction=reduction),
        lambda p, y: _theirs(theirs)(p, y, reduction=reduction),
        predictions,
        labels,
    )


@pytest.mark.parametrize(
    ("ours", "theirs", "p", "y", "loss"),
    [
        # log1p(-p): exact where log(1 - p) is 11% off, or -0.0
        (binary_cross_entropy, "binary_cross_entropy", 1e-16, 0.0, 1e-16),
        (binary_cross_entropy, "binary_cross_entropy", 1e-300, 0.0, 1e-300),
        # a confident logit keeps its digits: log1p(exp(-37)), not log(1 + ...) = 0
        (binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits", 37.0, 1.0, None),
        (binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits", -800.0, 1.0, 800.0),
    ],
)
def test_binary_cross_entropies_at_the_extremes(
    ours: Callable[..., Value], theirs: str, p: float, y: float, loss: float | None
) -> None:
    if loss is not None:
        assert ours(Value(p), y).data == loss
    else:
        assert ours(Value(p), y).data == pytest.approx(math.log1p(math.exp(-37.0)), rel=1e-15)
    assert_matches_torch(
        lambda v: ours(v, y), lambda t: _theirs(theirs)(t, _tensor(y)), p, rtol=RTOL_OP
    )


def _theirs(name: str) -> Callable[..., Any]:
    """PyTorch's loss ``name``; binary cross-entropy as ``parity.torch_bce`` has it (a term
    of weight 0 left out of the gradient)."""
    return torch_bce if name == "binary_cross_entropy" else getattr(_f(), name)


@given(st.integers(2, 5), st.integers(1, 4), st.data(), reductions)
def test_cross_entropy_matches_pytorch(
    classes: int, batch: int, data: st.DataObject, reduction: str
) -> None:
    rows = data.draw(
        st.lists(
            st.lists(logit, min_size=classes, max_size=classes), min_size=batch, max_size=batch
        )
    )
    labels = data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    torch = pytest.importorskip("torch")
    assert_matches_torch(
        lambda z: cross_entropy(z, labels, reduction=reduction),
        lambda t: _f().cross_entropy(t, torch.tensor(labels), reduction=reduction),
        rows,
    )


positive_probability = st.sampled_from([1e-300, 1e-12, 0.5, 1.0]) | st.floats(1e-6, 1.0)


@given(st.integers(2, 5), st.integers(1, 4), st.data(), reductions)
def test_categorical_cross_entropy_matches_pytorch(
    classes: int, batch: int, data: st.DataObject, reduction: str
) -> None:
    # -sum(y * log p) on positive probabilities and one-hot targets, every example checked
    rows = data.draw(
        st.lists(
            st.lists(positive_probability, min_size=classes, max_size=classes),
            min_size=batch,
            max_size=batch,
        )
    )
    labels = data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    one_hot = [[float(c == label) for c in range(classes)] for label in labels]

    def theirs(p: Any) -> Any:
        per_sample = -(_tensor(one_hot) * p.log()).sum(dim=1)
        return per_sample.mean() if reduction == "mean" else per_sample.sum()

    assert_matches_torch(
        lambda p: categorical_cross_entropy(p, one_hot, reduction=reduction), theirs, rows
    )


@given(
    st.lists(st.tuples(st.floats(-3, 3), st.sampled_from([-1, 1])), min_size=1, max_size=5),
    reductions,
)
def test_hinge_matches_its_pytorch_formula(pairs: list[tuple[float, int]], reduction: str) -> None:
    scores, labels = [s for s, _ in pairs], [float(y) for _, y in pairs]

    def theirs(s: Any) -> Any:
        per_sample = pytest.importorskip("torch").relu(1 - _tensor(labels) * s)
        return per_sample.mean() if reduction == "mean" else per_sample.sum()

    assert_matches_torch(lambda s: hinge_loss(s, labels, reduction=reduction), theirs, scores)


# --- central differences --------------------------------------------------------------------


@given(st.lists(st.floats(-5, 5), min_size=3, max_size=3))
def test_losses_match_central_differences(xs: list[float]) -> None:
    def logits_losses(a: Value, b: Value, c: Value) -> Value:
        return (
            cross_entropy([a, b, c], 1)
            + binary_cross_entropy_with_logits([a, b], [1.0, 0.0])
            + mse_loss([a, c], [0.5, -0.5])
        )

    assert gradcheck(logits_losses, xs, atol=1e-6)

    def probability_losses(a: Value, b: Value, c: Value) -> Value:
        p = [a.sigmoid(), b.sigmoid(), c.sigmoid()]
        total = Value.sum(p)
        return binary_cross_entropy(p, [1.0, 0.0, 0.3]) + categorical_cross_entropy(
            [q / total for q in p], [0.0, 1.0, 0.0]
        )

    assert gradcheck(probability_losses, xs, atol=1e-6)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse_loss([1.0, 2.0], [1.0]), ValueError, "2 predictions but 1 targets"),
        (lambda: mae_loss([], []), ValueError, "empty batch"),
        (lambda: mse_loss([1.0], [1.0], reduction="avg"), ValueError, "'mean' or 'sum'"),
        (lambda: cross_entropy([1.0, 2.0], 2), ValueError, "class 2, but there are 2 classes"),
        (lambda: cross_entropy([1.0, 2.0], -1), ValueError, "class -1"),
        (lambda: cross_entropy([1.0, 2.0], 0.5), ValueError, "must be a class index"),
        (lambda: cross_entropy([[1.0, 2.0], [0.0, 1.0]], [0]), ValueError, "2 samples but 1"),
        (lambda: binary_cross_entropy(1.5, 1), ValueError, "probability in"),
        (lambda: binary_cross_entropy(0.5, 2), ValueError, "target 0 must be in"),
        (lambda: binary_cross_entropy_with_logits(3.0, 2), ValueError, "target 0 must be in"),
        (lambda: binary_cross_entropy_with_logits(3.0, -0.5), ValueError, r"in \[0, 1\]"),
        (
            lambda: categorical_cross_entropy([0.5, 0.5], [1, 0, 0]),
            ValueError,
            "2 probabilities but 3",
        ),
        (lambda: categorical_cross_entropy([0.0, 1.0], [1, 0]), ValueError, "use cross_entropy"),
        (lambda: hinge_loss([1.0], [0]), ValueError, "-1 or \\+1"),
        (lambda: mse_loss(["a"], [1.0]), TypeError, "str"),
        (lambda: mse_loss([1.0], ["a"]), TypeError, "str"),
    ],
)
def test_bad_input_names_the_numbers(call: Callable[[], Value], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


TARGETS = [-1.0, 0.0, 0.3, 1.0, 1.5, 2.0, 3.0, math.nan, math.inf]


@pytest.mark.parametrize("name", list(LOSSES))
def test_a_named_loss_takes_the_targets_its_record_says(name: str) -> None:
    """The record's ``fits`` (which the tape checks a batch by) refuses exactly what the
    loss's own function refuses, target by target, and its output reads as it says."""
    loss = named_loss(name)
    classes = 3 if loss.reads == "softmax" else 0
    for y in TARGETS:
        scores: Any = [Value(0.1 * c) for c in range(classes)] if classes else Value(0.2)
        fits = True if loss.fits is None else bool(loss.fits(np.array(y), classes))
        try:
            value = loss.function(scores, y)
        except ValueError:
            assert not fits, (name, y)
        else:
            assert fits and isinstance(value, Value), (name, y)
    assert loss.regression == (name in ("mse", "mae"))
    assert (loss.labels is None) == (loss.reads not in ("sigmoid", "sign"))


def test_an_unknown_loss_name_lists_the_names() -> None:
    with pytest.raises(ValueError, match="unknown loss 'l2': expected one of mse, mae, bce"):
        named_loss("l2")
