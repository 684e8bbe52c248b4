"""The training loop: it reaches what the course promises, and keeps a faithful history."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from micrograd_plus.datasets import make_moons, make_sine, make_spirals, make_xor
from micrograd_plus.nn import MAX_PARAMETERS, MLP, Module, Neuron, Perceptron
from micrograd_plus.optim import SGD, Adam
from micrograd_plus.training import (
    accuracy,
    class_probabilities,
    outputs,
    predict,
    predicted_classes,
    target_classes,
    train,
)


def test_xor_is_solved_by_a_small_mlp() -> None:
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = train(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.1), steps=200)
    assert accuracy(model, X, y, "bce") == 1.0
    assert history.loss[-1] < history.loss[0] / 10


# The larger runs train on the tape: test_tape.py shows it takes the scalar engine's steps.


def test_two_moons_reach_full_train_accuracy_with_adam() -> None:
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.05)
    train(model, X, y, loss="bce", optimizer=optimizer, steps=60, engine="tape")
    assert accuracy(model, X, y, "bce") == 1.0


def test_three_spirals_reach_95_percent_with_softmax_cross_entropy() -> None:
    X, y = make_spirals(150, n_classes=3, seed=0)
    model = MLP(2, [16, 16, 3], seed=0)
    optimizer = Adam(model.parameters(), lr=0.1)
    train(model, X, y, loss="cross_entropy", optimizer=optimizer, steps=50, engine="tape")
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


def test_a_diverging_run_finishes_with_inf_or_nan_as_pytorch_would() -> None:
    X, y = make_sine(100, seed=0)
    model = MLP(1, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=2.0)
    history = train(model, X, y, loss="mse", optimizer=optimizer, steps=30, engine="tape")
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


# --- one prediction rule ---------------------------------------------------------------

POINTS = np.array([[-1.0, 0.0], [2.0, 5.0], [0.0, -1.0], [0.3, 0.2]])


def _line(model: Module) -> Module:
    """Weights that put the boundary at x0 = 0.1 (the last output is x0 - 0.1, others
    its negative)."""
    neurons = (
        [model.neuron]
        if isinstance(model, Perceptron)
        else [model]
        if isinstance(model, Neuron)
        else model.layers[-1].neurons  # type: ignore[attr-defined]
    )
    for k, neuron in enumerate(neurons):
        sign = 1.0 if k == len(neurons) - 1 else -1.0
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = sign, 0.0, -0.1 * sign
    return model


MODELS: dict[str, Callable[[], Module]] = {
    "sigmoid neuron": lambda: Neuron(2, "sigmoid", seed=0),
    "linear neuron": lambda: Neuron(2, "linear", seed=0),
    "perceptron": lambda: Perceptron(2, seed=0),
    "MLP, logits": lambda: MLP(2, [1], seed=0),
    "MLP, sigmoid output": lambda: MLP(2, [1], output_activation="sigmoid", seed=0),
}


@pytest.mark.parametrize("kind", MODELS)
@pytest.mark.parametrize("engine", ["scalar", "tape"])
def test_one_rule_reads_every_models_outputs(kind: str, engine: str) -> None:
    model = _line(MODELS[kind]())
    out = outputs(model, POINTS, engine=engine)
    z = POINTS[:, 0] - 0.1  # w . x + b
    expected = {  # P(class 1), computed here from the weights alone
        "perceptron": (z >= 0).astype(float),
    }.get(kind, 1 / (1 + np.exp(-z)))
    assert np.allclose(class_probabilities(model, out, "bce"), expected, rtol=1e-12)
    assert predicted_classes(model, out, "bce").tolist() == [0, 1, 0, 1]
    y = np.array([0, 1, 0, 0])
    assert accuracy(model, POINTS, y, "bce", engine=engine) == 0.75
    history = train(model, POINTS, y, loss="bce", optimizer=SGD(model.parameters(), lr=0.0),
                    steps=1, progress=False, engine=engine)  # fmt: skip
    assert history.accuracy == [0.75]  # training reads the outputs the same way


def test_the_rule_for_several_classes_and_for_hinge() -> None:
    two = _line(MLP(2, [2], seed=0))
    out = outputs(two, POINTS)
    probabilities = class_probabilities(two, out, "cross_entropy")
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert predicted_classes(two, out, "cross_entropy").tolist() == [0, 1, 0, 1]
    one = _line(MLP(2, [1], seed=0))
    assert class_probabilities(one, outputs(one, POINTS), "hinge").tolist() == [0, 1, 0, 1]


@pytest.mark.slow
def test_a_model_at_the_parameter_cap_trains_on_the_tape() -> None:
    model = MLP(2, [995, 995, 1], seed=0)
    assert len(model.parameters()) == 995_001 <= MAX_PARAMETERS
    X, y = make_moons(100, noise=0.1, seed=0)
    store = model.parameters()[0].store  # type: ignore[attr-defined]
    before = store.data.copy()
    optimizer = SGD(model.parameters(), lr=0.1)
    # a batch of one; a program of three million Values is not checked on a sample
    history = train(
        model, X, y, loss="bce", optimizer=optimizer, steps=1, batch_size=1, engine="tape"
    )
    assert math.isfinite(history.loss[0])
    assert np.array_equal(store.data, before - 0.1 * store.grad)
    assert np.count_nonzero(store.grad) > 100_000  # one point: many ReLUs are off
    assert [w.data for w in model.parameters()[-5:]] == store.data[-5:].tolist()


def test_each_target_names_its_class_for_every_loss_that_classifies() -> None:
    assert target_classes("hinge", np.array([-1, 1, 1])).tolist() == [0, 1, 1]
    assert target_classes("hinge", np.array([0, 1, 0])).tolist() == [0, 1, 0]
    assert target_classes("bce", np.array([1.0, 0.0])).tolist() == [1, 0]
    assert target_classes("cross_entropy", np.array([2.0, 0.0, 1.0])).tolist() == [2, 0, 1]
