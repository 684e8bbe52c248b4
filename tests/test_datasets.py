"""Toy data sets: shapes, labels, seeding, and the geometry each one promises."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from micrograd_plus.datasets import (
    make_blobs,
    make_circles,
    make_moons,
    make_sine,
    make_spirals,
    make_xor,
)

CLASSIFIERS: list[tuple[Callable[..., tuple[np.ndarray, np.ndarray]], int]] = [
    (make_moons, 2),
    (make_circles, 2),
    (make_spirals, 3),
    (make_xor, 2),
    (make_blobs, 3),
]


@pytest.mark.parametrize(("make", "n_classes"), CLASSIFIERS)
def test_shapes_dtypes_and_classes(
    make: Callable[..., tuple[np.ndarray, np.ndarray]], n_classes: int
) -> None:
    X, y = make(n_samples=61, seed=0)
    assert X.shape == (61, 2)
    assert y.shape == (61,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(n_classes))
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # balanced


@pytest.mark.parametrize(("make", "n_classes"), [*CLASSIFIERS, (make_sine, 0)])
def test_the_same_seed_gives_the_same_data(
    make: Callable[..., tuple[np.ndarray, np.ndarray]], n_classes: int
) -> None:
    X1, y1 = make(n_samples=40, noise=0.1, seed=7)
    X2, y2 = make(n_samples=40, noise=0.1, seed=7)
    X3, y3 = make(n_samples=40, noise=0.1, seed=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not (np.array_equal(X1, X3) and np.array_equal(y1, y3))


def test_moons_without_noise_lie_on_their_arcs() -> None:
    X, y = make_moons(50, noise=0.0, seed=0)
    upper = X[y == 0]
    lower = X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert upper[:, 1].min() >= -1e-12 and lower[:, 1].max() <= 0.5 + 1e-12


def test_circles_without_noise_have_their_radii() -> None:
    X, y = make_circles(40, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0)
    assert np.allclose(radius[y == 1], 0.3)


def test_spiral_arms_are_the_same_arm_rotated() -> None:
    X, y = make_spirals(300, n_classes=3, noise=0.0, seed=0)
    arms = [X[y == c][np.argsort(np.hypot(*X[y == c].T))] for c in range(3)]
    assert np.hypot(*arms[0].T).max() == pytest.approx(1.0)
    turn = 2 * math.pi / 3  # arm c starts c thirds of a turn later: x = r sin(a), y = r cos(a)
    rotation = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]])
    assert np.allclose(arms[0] @ rotation.T, arms[1])


def test_xor_is_the_truth_table() -> None:
    X, y = make_xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    X, y = make_xor(100, noise=0.1, seed=0)
    corners = np.round(X)
    assert np.array_equal((corners[:, 0] != corners[:, 1]).astype(int), y)


def test_blobs_centre_on_a_circle() -> None:
    X, y = make_blobs(300, n_classes=4, noise=0.05, seed=0)
    for c in range(4):
        centre = X[y == c].mean(axis=0)
        assert np.hypot(*centre) == pytest.approx(2.0, abs=0.05)


def test_sine_is_sin_of_x() -> None:
    X, y = make_sine(50, noise=0.0)
    assert X.shape == (50, 1)
    assert y.dtype == np.float64
    assert np.allclose(y, np.sin(X[:, 0]))
    assert X.min() == pytest.approx(-math.pi) and X.max() == pytest.approx(math.pi)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(0), "n_samples must be a whole number from 2 to 1,000,000, got 0"),
        (lambda: make_moons(10, noise=-1), "noise must be >= 0"),
        (lambda: make_circles(10, factor=1.5), "factor must be between 0 and 1"),
        (lambda: make_spirals(10, n_classes=1), "n_classes must be a whole number >= 2"),
        (lambda: make_moons(10**9), "from 2 to 1,000,000"),
    ],
)
def test_bad_arguments(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_blobs(2.5), "n_samples must be a whole number, got float"),  # type: ignore[arg-type]
        (lambda: make_sine(True), "n_samples must be a whole number, got bool"),
        (lambda: make_moons(10, noise="lots"), "noise must be a number, got str"),  # type: ignore[arg-type]
    ],
)
def test_wrong_types(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()
