"""Losses: hand values, PyTorch parity (extremes included), central differences, bad input."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, gradcheck
from micrograd_plus.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    categorical_cross_entropy,
    cross_entropy,
    hinge_loss,
    mae_loss,
    mse_loss,
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
        assert loss.op == "**2"  # no sum node, no division by 1 in the picture
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


def _torch_check(
    ours: Callable[..., Value],
    theirs: Callable[..., Any],
    predictions: list[float],
    targets: Any,
    reduction: str,
    torch_targets: Any = None,
) -> None:
    torch = pytest.importorskip("torch")
    values = [Value(p) for p in predictions]
    loss = ours(values, targets, reduction=reduction)
    loss.backward()
    t = torch.tensor(predictions, dtype=torch.float64, requires_grad=True)
    target_tensor = torch.tensor(
        targets if torch_targets is None else torch_targets, dtype=torch.float64
    )
    t_loss = theirs(t, target_tensor, reduction=reduction)
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-9, abs=1e-12)
    assert [v.grad for v in values] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-12)


reductions = st.sampled_from(["mean", "sum"])


@given(
    st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=1, max_size=5), reductions
)
def test_mse_and_mae_match_pytorch(pairs: list[tuple[float, float]], reduction: str) -> None:
    torch = pytest.importorskip("torch")
    predictions, targets = [p for p, _ in pairs], [t for _, t in pairs]
    _torch_check(mse_loss, torch.nn.functional.mse_loss, predictions, targets, reduction)
    _torch_check(mae_loss, torch.nn.functional.l1_loss, predictions, targets, reduction)


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
    torch = pytest.importorskip("torch")
    targets = st.sampled_from([0.0, 1.0]) | st.floats(0, 1)
    pairs = data.draw(st.lists(st.tuples(inputs, targets), min_size=1, max_size=5))
    predictions, labels = [p for p, _ in pairs], [t for _, t in pairs]
    _torch_check(ours, getattr(torch.nn.functional, theirs), predictions, labels, reduction)


@given(st.integers(2, 5), st.integers(1, 4), st.data(), reductions)
def test_cross_entropy_and_categorical_match_pytorch(
    classes: int, batch: int, data: st.DataObject, reduction: str
) -> None:
    torch = pytest.importorskip("torch")
    rows = data.draw(
        st.lists(
            st.lists(logit, min_size=classes, max_size=classes), min_size=batch, max_size=batch
        )
    )
    labels = data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    values = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(values, labels, reduction=reduction)
    loss.backward()
    t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(t, torch.tensor(labels), reduction=reduction)
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-9, abs=1e-12)
    ours = [[v.grad for v in row] for row in values]
    for mine, theirs in zip(ours, t.grad.tolist()):
        assert mine == pytest.approx(theirs, rel=1e-9, abs=1e-12)

    # categorical cross-entropy on softmax probabilities: -sum(y * log p)
    probs = [
        [Value(p) for p in row]
        for row in torch.softmax(torch.tensor(rows, dtype=torch.float64), 1).tolist()
    ]
    assume_positive = all(p.data > 0 for row in probs for p in row)
    if not assume_positive:
        return
    one_hot = [[float(c == label) for c in range(classes)] for label in labels]
    cce = categorical_cross_entropy(probs, one_hot, reduction=reduction)
    cce.backward()
    tp = torch.tensor(
        [[p.data for p in row] for row in probs], dtype=torch.float64, requires_grad=True
    )
    per_sample = -(torch.tensor(one_hot, dtype=torch.float64) * tp.log()).sum(dim=1)
    t_cce = per_sample.mean() if reduction == "mean" else per_sample.sum()
    t_cce.backward()
    assert cce.data == pytest.approx(t_cce.item(), rel=1e-9, abs=1e-12)
    for row, theirs in zip(probs, tp.grad.tolist()):
        assert [p.grad for p in row] == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@given(
    st.lists(st.tuples(st.floats(-3, 3), st.sampled_from([-1, 1])), min_size=1, max_size=5),
    reductions,
)
def test_hinge_matches_its_pytorch_formula(pairs: list[tuple[float, int]], reduction: str) -> None:
    torch = pytest.importorskip("torch")
    scores, labels = [s for s, _ in pairs], [y for _, y in pairs]

    def torch_hinge(s: Any, y: Any, reduction: str) -> Any:
        per_sample = torch.relu(1 - y * s)
        return per_sample.mean() if reduction == "mean" else per_sample.sum()

    _torch_check(
        hinge_loss, torch_hinge, scores, labels, reduction, torch_targets=[float(y) for y in labels]
    )


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
