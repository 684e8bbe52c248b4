"""Plots for lectures with matplotlib.

Each function draws one figure and writes it whole to a PNG, returning the path.
Where matplotlib is missing (a broken install), each raises ``MissingExtra`` saying so.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from micrograd_plus._files import write_atomic
from micrograd_plus.nn import Module
from micrograd_plus.training import History, predict

__all__ = ["MissingExtra", "decision_boundary", "fitted_curves", "loss_curve", "pyplot", "save"]


class MissingExtra(ImportError):
    """An optional dependency for this feature is not installed."""


def pyplot() -> Any:
    """matplotlib's pyplot on a file-only backend, or ``MissingExtra``."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtra(
            "plots need matplotlib, which micrograd-plus depends on: pip install matplotlib"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 13, "axes.titlesize": 15, "figure.dpi": 110})
    return plt


def save(figure: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``figure`` as a PNG, whole or not at all, and close it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    pyplot().close(figure)
    return write_atomic(path, buffer.getvalue())


def loss_curve(history: History, path: str | os.PathLike[str], title: str = "training") -> Path:
    """The loss per step (log scale), and the accuracy per step where there is one."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 4))
    axis.plot(history.loss, color="#b2182b", label="loss")
    axis.set_yscale("log")
    axis.set_xlabel("step")
    axis.set_ylabel("loss")
    axis.set_title(title)
    if history.accuracy:
        twin = axis.twinx()
        twin.plot(history.accuracy, color="#2166ac", label="accuracy")
        twin.set_ylabel("accuracy")
        twin.set_ylim(0, 1.05)
        figure.legend(loc="upper right", bbox_to_anchor=(0.88, 0.85))
    return save(figure, path)


def _class_scores(model: Module, points: np.ndarray, loss: str) -> np.ndarray:
    """The predicted class of each point, as the loss reads the model's output."""
    outputs = predict(model, points)
    if loss == "cross_entropy":
        return np.array([int(np.argmax([o.data for o in out])) for out in outputs])
    threshold = 0.5 if getattr(model, "output_activation", "") == "sigmoid" else 0.0
    return np.array([int(out.data > threshold) for out in outputs])


def decision_boundary(
    model: Module,
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike[str],
    loss: str = "bce",
    resolution: int = 50,
    title: str = "decision boundary",
) -> Path:
    """The plane coloured by the model's class, with the data points on top."""
    plt = pyplot()
    pad = 0.4
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    classes = _class_scores(model, grid, loss).reshape(xs.shape)
    labels = np.asarray(y)
    labels = (labels > 0).astype(int) if loss == "hinge" else labels
    figure, axis = plt.subplots(figsize=(6, 5.5))
    levels = np.arange(classes.max(initial=labels.max()) + 2) - 0.5
    axis.contourf(xs, ys, classes, levels=levels, cmap="coolwarm", alpha=0.35)
    axis.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", edgecolors="black", s=40)
    axis.set_title(title)
    axis.set_aspect("equal")
    return save(figure, path)


def fitted_curves(
    X: np.ndarray,
    y: np.ndarray,
    curves: dict[str, Sequence[float]],
    path: str | os.PathLike[str],
    title: str = "fit",
) -> Path:
    """Data points of a 1-D regression and one fitted curve per name."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 4.5))
    x = np.asarray(X).ravel()
    order = np.argsort(x)
    axis.scatter(x, y, color="#424242", s=18, label="data")
    for (name, values), colour in zip(curves.items(), ["#b2182b", "#2166ac", "#1b7837"]):
        axis.plot(x[order], np.asarray(values)[order], color=colour, linewidth=2.5, label=name)
    axis.legend()
    axis.set_title(title)
    return save(figure, path)
