"""TensorFlow Playground's data sets, on its plane of [-6, 6] x [-6, 6], with its noise
(0 to 50 percent), and two it lacks: moons and three classes.

Labels are class indices (0, 1, and 2 for the three-class set), not TF Playground's -1
and +1; the regression sets (reg-plane, reg-gauss) label each point with a number in
[-1, 1] as TF Playground's do. As there, noise moves where a point's label is decided
(circle, xor, regression) or how far it lies from its centre (gauss, spiral), so that a
noisy set has points on the wrong side."""

from __future__ import annotations

import math

import numpy as np

from micrograd_plus.datasets import make_moons

__all__ = ["RADIUS", "make"]

RADIUS = 6.0  # the plane is [-6, 6] x [-6, 6]
Data = tuple[np.ndarray, np.ndarray]


def make(dataset: str, n: int, noise: float, seed: int) -> Data:
    """``n`` points of ``dataset`` with ``noise`` percent of noise, from ``seed``."""
    rng = np.random.default_rng(seed)
    share = noise / 100  # TF Playground's noise slider is 0..50, its code uses 0..0.5
    if dataset == "circle":
        return _circle(n, share, rng)
    if dataset == "xor":
        return _xor(n, share, rng)
    if dataset == "gauss":
        return _gauss(n, share, rng)
    if dataset == "spiral":
        return _spiral(n, share, rng)
    if dataset == "moons":
        X, y = make_moons(n, noise=0.02 + share / 2, seed=seed)
        return (X - [0.5, 0.25]) * 3.5, y
    if dataset == "three":
        return _three(n, share, rng)
    if dataset in ("reg-plane", "reg-gauss"):
        X = rng.uniform(-RADIUS, RADIUS, (n, 2))
        moved = X + rng.uniform(-RADIUS, RADIUS, (n, 2)) * share
        label = _plane if dataset == "reg-plane" else _gaussians
        return X, label(moved[:, 0], moved[:, 1])
    raise ValueError(f"no data set named {dataset!r}")


def _circle(n: int, noise: float, rng: np.random.Generator) -> Data:
    radius = 5.0
    inner = n // 2
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, n - inner)]
    )
    angle = rng.uniform(0, 2 * math.pi, n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    moved = X + rng.uniform(-radius, radius, X.shape) * noise
    y = (np.hypot(moved[:, 0], moved[:, 1]) < radius * 0.5).astype(np.int64)
    return X, y


def _xor(n: int, noise: float, rng: np.random.Generator) -> Data:
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # a gap along the axes
    moved = X + rng.uniform(-5, 5, X.shape) * noise
    return X, (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)


def _gauss(n: int, noise: float, rng: np.random.Generator) -> Data:
    spread = 0.5 + 3.5 * noise / 0.5  # TF Playground: variance 0.5 .. 4
    half = n // 2
    centres = np.array([[2.0, 2.0]] * half + [[-2.0, -2.0]] * (n - half))
    X = centres + rng.normal(0, math.sqrt(spread), (n, 2))
    return X, np.array([1] * half + [0] * (n - half), dtype=np.int64)


def _spiral(n: int, noise: float, rng: np.random.Generator) -> Data:
    half = n // 2
    points, labels = [], []
    for label, turn, count in ((1, 0.0, half), (0, math.pi, n - half)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * math.pi + turn
        x = r * np.sin(t) + rng.uniform(-1, 1, count) * noise
        y = r * np.cos(t) + rng.uniform(-1, 1, count) * noise
        points.append(np.stack([x, y], axis=1))
        labels += [label] * count
    return np.concatenate(points), np.array(labels, dtype=np.int64)


def _three(n: int, noise: float, rng: np.random.Generator) -> Data:
    angles = np.array([math.pi / 2, math.pi / 2 + 2 * math.pi / 3, math.pi / 2 + 4 * math.pi / 3])
    labels = np.arange(n) % 3
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)[labels]
    X = centres + rng.normal(0, 0.6 + 4 * noise, (n, 2))
    return X, labels.astype(np.int64)


def _plane(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """TF's reg-plane: x + y mapped from [-10, 10] onto [-1, 1] (not clamped)."""
    return np.asarray((x + y) / 10)


# TF's reg-gauss: six bumps of height +1 or -1 and radius 2; a point takes the one
# largest in absolute value.
BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _gaussians(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    heights = np.stack(
        [sign * np.clip(1 - np.hypot(x - cx, y - cy) / 2, 0, 1) for cx, cy, sign in BUMPS]
    )
    pick = np.argmax(np.abs(heights), axis=0)
    return np.asarray(heights[pick, np.arange(len(x))])
