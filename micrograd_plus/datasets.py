"""Small toy data sets, made with numpy and a seed: the same seed gives the same data.

Each returns ``(X, y)``: X of shape (n_samples, n_features) as float64, y of shape
(n_samples,): class indices 0, 1, ... as int64, or targets as float64 for ``make_sine``.
``noise`` is the standard deviation of Gaussian noise added to X (to y for make_sine).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np

from micrograd_plus._checks import real_number, whole_number

__all__ = [
    "load_digits",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_sine",
    "make_spirals",
    "make_xor",
]

Data = tuple[np.ndarray, np.ndarray]
MAX_SAMPLES = 1_000_000  # more would take the scalar engine hours, and memory to match


def _check(n_samples: int, noise: float, minimum: int = 1) -> None:
    whole_number("n_samples", n_samples, minimum, MAX_SAMPLES)
    real_number("noise", noise)


def _split(n_samples: int, n_classes: int) -> list[int]:
    """n_samples shared among n_classes as evenly as possible (earlier classes get the rest)."""
    return [n_samples // n_classes + (c < n_samples % n_classes) for c in range(n_classes)]


def _finish(X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator) -> Data:
    X = X + rng.normal(scale=noise, size=X.shape) if noise else X
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), y[order].astype(np.int64)


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int | None = None) -> Data:
    """Two interleaving half circles: class 0 the upper arc, class 1 the lower one."""
    _check(n_samples, noise, 2)
    rng = np.random.default_rng(seed)
    n_upper, n_lower = _split(n_samples, 2)
    upper = np.linspace(0, math.pi, n_upper)
    lower = np.linspace(0, math.pi, n_lower)
    X = np.concatenate(
        [
            np.stack([np.cos(upper), np.sin(upper)], axis=1),
            np.stack([1 - np.cos(lower), 0.5 - np.sin(lower)], axis=1),
        ]
    )
    y = np.repeat([0, 1], [n_upper, n_lower])
    return _finish(X, y, noise, rng)


def make_circles(
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | None = None
) -> Data:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` (< 1)."""
    _check(n_samples, noise, 2)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1, got {factor!r}")
    rng = np.random.default_rng(seed)
    n_outer, n_inner = _split(n_samples, 2)
    outer = np.linspace(0, 2 * math.pi, n_outer, endpoint=False)
    inner = np.linspace(0, 2 * math.pi, n_inner, endpoint=False)
    X = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            factor * np.stack([np.cos(inner), np.sin(inner)], axis=1),
        ]
    )
    y = np.repeat([0, 1], [n_outer, n_inner])
    return _finish(X, y, noise, rng)


def make_spirals(
    n_samples: int = 150, n_classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> Data:
    """``n_classes`` spiral arms around the origin, as in Stanford's CS231n: arm c turns
    from radius 0 to 1 through one full turn; noise is added to the angle."""
    _check(n_samples, noise, n_classes)
    whole_number("n_classes", n_classes, 2)
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for c, count in enumerate(_split(n_samples, n_classes)):
        radius = np.linspace(0.0, 1.0, count)
        start = c * 2 * math.pi / n_classes
        angle = np.linspace(start, start + 2 * math.pi, count)
        angle = angle + rng.normal(scale=noise, size=count) if noise else angle
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(count, c))
    return _finish(np.concatenate(points), np.concatenate(labels), 0.0, rng)


def make_xor(n_samples: int = 4, noise: float = 0.0, seed: int | None = None) -> Data:
    """The XOR truth table: points at the corners (0,0), (0,1), (1,0), (1,1), labelled
    x1 xor x2; with more samples the corners repeat, each point moved by the noise."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    X = corners[np.arange(n_samples) % 4]
    y = (X[:, 0] != X[:, 1]).astype(np.int64)
    if n_samples == 4 and not noise:
        return X, y  # the truth table in its usual order
    return _finish(X, y, noise, rng)


def make_blobs(
    n_samples: int = 100, n_classes: int = 3, noise: float = 0.5, seed: int | None = None
) -> Data:
    """Gaussian clouds, one per class, centred evenly on a circle of radius 2."""
    _check(n_samples, noise, n_classes)
    whole_number("n_classes", n_classes, 1)
    rng = np.random.default_rng(seed)
    angles = 2 * math.pi * np.arange(n_classes) / n_classes
    centres = 2 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    counts = _split(n_samples, n_classes)
    y = np.repeat(np.arange(n_classes), counts)
    return _finish(centres[y], y, noise, rng)


def make_sine(n_samples: int = 100, noise: float = 0.1, seed: int | None = None) -> Data:
    """Regression: x evenly spread over [-pi, pi], y = sin(x) + noise. X has shape (n, 1)."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    x = np.linspace(-math.pi, math.pi, n_samples)
    y = np.sin(x) + (rng.normal(scale=noise, size=n_samples) if noise else 0.0)
    return x.reshape(-1, 1), y.astype(np.float64)


def load_digits() -> Data:
    """The 8x8 handwritten digits scikit-learn ships (1,797 images, 64 pixels of 0..16,
    labels 0..9), read from its own data file: no download, and no import of scikit-learn
    (which takes seconds). Needs scikit-learn installed: ``pip install "micrograd-plus[data]"``.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            'the digits come with scikit-learn: pip install "micrograd-plus[data]"'
        )
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():  # a scikit-learn that keeps it elsewhere: ask it
        from sklearn.datasets import load_digits as sklearn_digits

        images, labels = sklearn_digits(return_X_y=True)
        return np.asarray(images, dtype=np.float64), np.asarray(labels, dtype=np.int64)
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_names() -> list[str]:
    """The first names of the 1990 US census, lower case, as the MIT-licensed ``names``
    package ships them (the male list, then the female): 5,494 entries, 5,163 distinct
    (the data is public domain). Read from its own files: no download. Needs it
    installed: ``pip install "micrograd-plus[data]"``."""
    spec = importlib.util.find_spec("names")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            'the names come with the names package: pip install "micrograd-plus[data]"'
        )
    folder = Path(spec.origin).parent
    out = []
    for part in ("dist.male.first", "dist.female.first"):  # each line: NAME freq cumulative rank
        text = (folder / part).read_text(encoding="ascii")
        out += [line.split()[0].lower() for line in text.splitlines() if line.strip()]
    return out
