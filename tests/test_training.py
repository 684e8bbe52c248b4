"""The training loop: it reaches what the course promises, and keeps a faithful history."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd_plus.datasets import make_moons, make_sine, make_spirals, make_xor
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD, Adam
from micrograd_plus.training import accuracy, predict, train


def test_xor_is_solved_by_a_small_mlp() -> None:
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = train(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.1), steps=200)
    assert accuracy(model, X, y, "bce") == 1.0
    assert history.loss[-1] < history.loss[0] / 10


@pytest.mark.slow
def test_two_moons_reach_full_train_accuracy_with_adam() -> None:
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    train(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.05), steps=60)
    assert accuracy(model, X, y, "bce") == 1.0


@pytest.mark.slow
def test_three_spirals_reach_95_percent_with_softmax_cross_entropy() -> None:
    X, y = make_spirals(150, n_classes=3, seed=0)
    model = MLP(2, [16, 16, 3], seed=0)
    train(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.1), steps=50)
    assert accuracy(model, X, y, "cross_entropy") >= 0.95


def test_sine_regression_gets_below_a_hundredth() -> None:
    X, y = make_sine(40, noise=0.0, seed=0)
    model = MLP(1, [10, 1], activation="tanh", seed=0)
    history = train(model, X, y, loss="mse", optimizer=Adam(model.parameters(), lr=0.05), steps=150)
    assert history.loss[-1] < 0.01
    assert history.accuracy == []  # regression has no accuracy
    fitted = np.array([out.data for out in predict(model, X)])
    assert np.mean((fitted - y) ** 2) < 0.01  # measured again, independently of the loop


def test_history_has_one_entry_per_step_and_matches_a_recomputed_loss() -> None:
    X, y = make_moons(20, seed=1)
    model = MLP(2, [4, 1], seed=1)
    history = train(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), steps=5)
    assert len(history.loss) == len(history.accuracy) == 5
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    # a fresh model with the same seed, one step: the first recorded loss is its loss
    fresh = MLP(2, [4, 1], seed=1)
    first = train(fresh, X, y, loss="hinge", optimizer=SGD(fresh.parameters(), lr=0.1), steps=1)
    assert first.loss[0] == history.loss[0]
    signs = 2 * y - 1
    scores = [out.data for out in predict(MLP(2, [4, 1], seed=1), X)]
    assert first.loss[0] == pytest.approx(np.mean(np.maximum(0, 1 - signs * np.array(scores))))


def test_batches_and_l2() -> None:
    X, y = make_moons(30, seed=2)
    model = MLP(2, [4, 1], seed=2)
    history = train(model, X, y, loss="bce", steps=3, batch_size=8, l2=1e-3, seed=0)
    assert len(history.loss) == 3
    # the first recorded loss is BCE on the first seeded batch plus l2 * sum(p**2),
    # recomputed here with numpy on a fresh model of the same seed
    fresh = MLP(2, [4, 1], seed=2)
    rows = np.random.default_rng(0).choice(len(X), 8)
    logits = np.array([out.data for out in predict(fresh, X[rows])])
    targets = y[rows]
    bce = np.mean(np.logaddexp(0, logits) - targets * logits)  # log(1 + e^z) - y z
    penalty = 1e-3 * sum(p.data**2 for p in fresh.parameters())
    assert history.loss[0] == pytest.approx(bce + penalty, rel=1e-12)


def test_bce_reads_probabilities_from_a_sigmoid_output() -> None:
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    train(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.1), steps=300)
    probabilities = [out.data for out in predict(model, X)]
    assert all(0 < p < 1 for p in probabilities)
    assert accuracy(model, X, y, "bce") == 1.0


def test_progress_bar_shows_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_xor()
    model = MLP(2, [2, 1], seed=0)
    train(model, X, y, loss="bce", steps=2)  # stderr is not a terminal here
    assert "training" not in capsys.readouterr().err
    train(model, X, y, loss="bce", steps=2, progress=True)
    assert "loss=" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loss": "l2"}, "unknown loss 'l2'"),
        ({"steps": -1}, "steps must be a whole number"),
        ({"y": np.array([0, 1])}, "4 rows but y has 2"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    X, y = make_xor()
    arguments: dict[str, object] = {"loss": "bce", "y": y, **kwargs}
    with pytest.raises(ValueError, match=message):
        train(MLP(2, [2, 1]), X, **arguments)  # type: ignore[arg-type]


def test_accuracy_needs_a_classification_loss() -> None:
    X, y = make_sine(5)
    with pytest.raises(ValueError, match="classification loss"):
        accuracy(MLP(1, [1]), X, y, "mse")


@pytest.mark.slow
def test_a_diverging_run_finishes_with_inf_or_nan_as_pytorch_would() -> None:
    X, y = make_sine(100, seed=0)
    model = MLP(1, [16, 16, 1], seed=0)
    history = train(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=2.0), steps=30)
    assert len(history.loss) == 30
    assert not all(math.isfinite(v) for v in history.loss)  # it diverged, and carried on


@pytest.mark.parametrize(
    ("model", "loss", "labels", "message"),
    [
        (MLP(2, [4, 3]), "bce", [0, 1], "'bce' needs a model with one output, not 3"),
        (MLP(2, [4, 1]), "cross_entropy", [0, 1, 2], "3 classes needs a model with 3 outputs"),
        (MLP(2, [4, 1]), "bce", [0, 1, 2], "use loss='cross_entropy'"),
        (MLP(2, [4, 1]), "hinge", [0, 2], "hinge needs targets -1 and \\+1"),
        (MLP(2, [4, 2]), "mse", [0.5, 1.5], "'mse' needs a model with one output, not 2"),
    ],
)
def test_a_model_that_does_not_fit_the_loss_or_the_data_is_refused(
    model: MLP, loss: str, labels: list[float], message: str
) -> None:
    X = np.zeros((len(labels), 2))
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        train(model, X, np.array(labels), loss=loss, steps=1)
    assert model.state_dict() == before
