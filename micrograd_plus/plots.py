"""Plots for lectures, with matplotlib.

Every function returns a ``matplotlib.figure.Figure`` (shown inline when it is the last
line of a Jupyter cell, or with ``display``) and, given a ``path``, also saves it: PNG at
200 dpi, SVG or PDF by the suffix. Figures are made without pyplot and drawn inside
``style()``, a ``matplotlib.rc_context``: the backend and ``rcParams`` stay as the user
had them. Colours are the Okabe-Ito palette, which colour-blind eyes tell apart.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import cycle
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure

from micrograd_plus._files import FIGURE_FORMATS, write_atomic
from micrograd_plus.nn import Module
from micrograd_plus.training import History, class_probabilities, outputs, target_classes

__all__ = [
    "OKABE_ITO",
    "decision_boundary",
    "figure",
    "fitted_curves",
    "heat_map",
    "loss_curve",
    "loss_curves",
    "png_bytes",
    "save",
    "style",
]

# Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
CLASS_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
STYLE: dict[str, Any] = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "legend.fontsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
}


@contextmanager
def style() -> Iterator[None]:
    """The lecture style for figures drawn inside the block; rcParams as before after it."""
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        yield


class LectureFigure(Figure):
    """A Figure that shows itself in Jupyter (as PNG), with no ``%matplotlib`` line and
    without pyplot: the last expression of a cell, or ``display(fig)``."""

    def _repr_png_(self) -> bytes:
        return png_bytes(self, dpi=100)


def figure(nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] = (7, 4.5)) -> Any:
    """A new Figure and its axes (one, or an array), made in the lecture style."""
    with style():
        fig = LectureFigure(figsize=size, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` whole or not at all: .png (200 dpi), .svg or .pdf, by the suffix."""
    target = Path(path)
    fmt = target.suffix.lstrip(".").lower()
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"a figure is saved as .png, .svg or .pdf, got {str(target)!r}")
    buffer = io.BytesIO()
    with style():
        fig.savefig(buffer, format=fmt)
    return write_atomic(target, buffer.getvalue())


def png_bytes(fig: Figure, dpi: int = 200) -> bytes:
    """``fig`` as PNG bytes (for a page or a notebook to show)."""
    buffer = io.BytesIO()
    with style():
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _finish(fig: Figure, path: str | os.PathLike[str] | None) -> Figure:
    if path is not None:
        save(fig, path)
    return fig


def loss_curve(
    history: History | Sequence[float],
    path: str | os.PathLike[str] | None = None,
    title: str = "training",
) -> Figure:
    """The loss per step (log scale) and, where there is one, the accuracy per step, each
    on its own axis; the legend sits below the plot, clear of both curves. ``history``
    is what ``train`` returns, or a plain list of losses."""
    if not isinstance(history, History):
        history = History(loss=[float(v) for v in history])
    fig, axis = figure(size=(7, 4.2))
    with style():
        losses = np.asarray(history.loss, dtype=np.float64)
        shown = np.where(np.isfinite(losses) & (losses > 0), losses, np.nan)
        (line,) = axis.plot(shown, color=OKABE_ITO[5], linewidth=2, label="loss")
        if np.any(np.isfinite(shown)):
            axis.set_yscale("log")
        axis.set_xlabel("step")
        axis.set_ylabel("loss")
        axis.set_title(title)
        handles = [line]
        if history.accuracy:
            twin = axis.twinx()
            (accuracy_line,) = twin.plot(
                history.accuracy, color=OKABE_ITO[4], linewidth=2, label="accuracy (batch)"
            )
            twin.set_ylabel("accuracy")
            twin.set_ylim(0, 1.05)
            twin.spines["right"].set_visible(True)
            handles.append(accuracy_line)
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    return _finish(fig, path)


def _grid(X: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pad = 0.15 * (X.max(axis=0) - X.min(axis=0)) + 0.1
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return xs, ys, np.column_stack([xs.ravel(), ys.ravel()])


def decision_boundary(
    model: Module,
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike[str] | None = None,
    *,
    loss: str = "bce",
    resolution: int = 250,
    title: str = "decision boundary",
) -> Figure:
    """The plane shaded by the model's predicted probability on a fine grid (at least
    200x200 points, replayed with the tape), the 0.5 line drawn, the data on top."""
    X, labels = _data("decision_boundary", X, y, features=2)
    labels = target_classes(loss, labels)
    xs, ys, grid = _grid(X, max(resolution, 200))
    probabilities = class_probabilities(model, outputs(model, grid, engine="tape"), loss)
    classes = int(max(labels.max() + 1, 2))
    fig, axis = figure(size=(6.4, 5.6))
    with style():
        if probabilities.ndim == 1:  # one output: shade P(class 1), draw where it is 0.5
            shade = LinearSegmentedColormap.from_list(
                "two", ["#cfe3f2", "#ffffff", "#f6d2bd"]
            )  # pale blue (class 0) .. pale vermillion (class 1)
            p = probabilities.reshape(xs.shape)
            axis.contourf(xs, ys, p, levels=np.linspace(0, 1, 21), cmap=shade)
            axis.contour(xs, ys, p, levels=[0.5], colors="black", linewidths=2)
        else:  # several classes: each point in its predicted class's pale colour
            predicted = probabilities.argmax(axis=1).reshape(xs.shape)
            pale = ListedColormap([_pale(c) for c in CLASS_COLOURS[:classes]])
            levels = np.arange(classes + 1) - 0.5
            axis.contourf(xs, ys, predicted, levels=levels, cmap=pale)
            axis.contour(xs, ys, predicted, levels=levels[1:-1], colors="black", linewidths=1.5)
        for c in range(classes):
            mine = labels == c
            axis.scatter(
                X[mine, 0], X[mine, 1], color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                edgecolors="white", linewidths=0.8, s=42, label=f"class {c}", zorder=3,
            )  # fmt: skip
        axis.set_xlabel("x0")
        axis.set_ylabel("x1")
        axis.set_title(title)
        axis.set_aspect("equal")
        axis.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return _finish(fig, path)


def _data(who: str, X: Any, y: Any, features: int) -> tuple[np.ndarray, np.ndarray]:
    """X as (n, features) numbers and y as (n,): a ValueError saying what was expected
    and what came, before anything is drawn."""
    try:
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{who}: X and y must be arrays of numbers") from None
    if X.ndim == 1 and features == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != features:
        raise ValueError(
            f"{who} draws points with {features} feature{'s' if features > 1 else ''}: X must "
            f"have shape (n, {features}), got {X.shape}"
        )
    if len(X) == 0:
        raise ValueError(f"{who}: there are no points to draw (X is empty)")
    if y.shape != (len(X),):
        raise ValueError(f"{who}: X has {len(X)} points but y has shape {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError(f"{who}: X and y must be finite numbers; they hold inf or nan")
    return X, y


def _pale(colour: str) -> str:
    """``colour`` mixed with 75% white: a background its points stand out on."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(v + (255 - v) * 0.75):02x}" for v in (r, g, b))


def fitted_curves(
    X: np.ndarray,
    y: np.ndarray,
    curves: dict[str, Sequence[float] | np.ndarray],
    path: str | os.PathLike[str] | None = None,
    title: str = "fit",
) -> Figure:
    """Data points of a 1-D regression and one fitted curve per name."""
    X, y = _data("fitted_curves", X, y, features=1)
    for name, values in curves.items():
        if np.shape(values) != (len(X),):
            raise ValueError(
                f"fitted_curves: curve {name!r} has shape {np.shape(values)}, expected one "
                f"value per point: ({len(X)},)"
            )
    fig, axis = figure(size=(7, 4.5))
    with style():
        x = X.ravel()
        order = np.argsort(x)
        axis.scatter(x, y, color="#595959", s=18, label="data")
        for (name, values), colour in zip(
            curves.items(), [OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[2]]
        ):
            axis.plot(x[order], np.asarray(values)[order], color=colour, linewidth=2.5, label=name)
        axis.set_xlabel("x")
        axis.set_ylabel("y")
        axis.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
        axis.set_title(title)
    return _finish(fig, path)


def attention_maps(
    maps: np.ndarray, labels: Sequence[str], path: str | os.PathLike[str] | None = None
) -> Figure:
    """Each head's attention weights over a document as a heat map, a panel per head
    (layers x heads): row i is where position i looks, among positions 0..i."""
    layers, heads, n, _ = maps.shape
    fig, axes = figure(layers, heads, size=(2.6 * heads + 0.8, 2.6 * layers + 0.6))
    grid = np.atleast_2d(axes).reshape(layers, heads)
    with style():
        for layer in range(layers):
            for head in range(heads):
                axis = grid[layer, head]
                shown = np.where(np.tril(np.ones((n, n))) > 0, maps[layer, head], np.nan)
                image = axis.imshow(shown, vmin=0, vmax=1, cmap="viridis")
                axis.set_title(f"layer {layer}, head {head}", fontsize=10)
                axis.set_xticks(range(n), list(labels)[:n], fontsize=8)
                axis.set_yticks(range(n), list(labels)[:n], fontsize=8)
                axis.grid(False)
                if layer == layers - 1:
                    axis.set_xlabel("looks at (key)", fontsize=10)
                if head == 0:
                    axis.set_ylabel("position (query)", fontsize=10)
        fig.colorbar(image, ax=grid, shrink=0.8, label="attention weight")
    return _finish(fig, path)


def heat_map(
    values: np.ndarray,
    rows: Sequence[str],
    columns: Sequence[str],
    title: str = "",
    path: str | os.PathLike[str] | None = None,
    *,
    row_name: str = "",
    column_name: str = "",
) -> Figure:
    """A table of numbers as an image, a labelled row and column each (a bigram count
    table, a weight matrix), with its colour bar; ``row_name`` and ``column_name`` say
    what the rows and the columns are."""
    table = np.asarray(values, dtype=np.float64)
    if table.ndim != 2 or table.shape != (len(rows), len(columns)):
        raise ValueError(
            f"expected a table of {len(rows)} rows and {len(columns)} columns (a label "
            f"each), got shape {table.shape}"
        )
    fig, axis = figure(size=(0.26 * len(columns) + 2.4, 0.26 * len(rows) + 1.2))
    with style():
        image = axis.imshow(table, cmap="Blues", aspect="auto")
        axis.set_xticks(range(len(columns)), list(columns), fontsize=9)
        axis.set_yticks(range(len(rows)), list(rows), fontsize=9)
        axis.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False)
        axis.grid(False)
        axis.set_title(title)
        axis.set_ylabel(row_name)
        axis.set_xlabel(column_name)
        axis.xaxis.set_label_position("top")
        fig.colorbar(image, ax=axis, shrink=0.8)
    return _finish(fig, path)


def loss_curves(
    curves: dict[str, Sequence[float]],
    smooth: int = 50,
    guess: float | None = None,
    title: str = "training",
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Several runs' losses per step, each as the mean of its last ``smooth`` steps, on
    one axis (and ``guess``, a uniform guess's loss, as a dashed line)."""
    if not curves:
        raise ValueError("loss_curves needs at least one run's losses")
    fig, axis = figure(size=(7, 4.2))
    with style():
        for (name, losses), colour in zip(curves.items(), cycle(CLASS_COLOURS)):
            loss = np.asarray(losses, dtype=np.float64)
            total = np.concatenate([[0.0], np.cumsum(loss)])
            ends = np.arange(1, len(loss) + 1)
            mean = (total[ends] - total[np.maximum(0, ends - smooth)]) / np.minimum(ends, smooth)
            axis.plot(ends, mean, label=name, linewidth=2, color=colour)  # no yellow
        if guess is not None:
            axis.axhline(guess, color="#555555", linestyle="--", linewidth=1,
                         label=f"uniform guess ({guess:.2f})")  # fmt: skip
        axis.set_xlabel("step")
        axis.set_ylabel(f"loss (mean of the last {smooth} steps)")
        axis.set_title(title)
        axis.legend(loc="best")
    return _finish(fig, path)


def projection(table: np.ndarray) -> np.ndarray:
    """Each row of ``table`` (an embedding per token) on the table's first two principal
    components: the rows centred, then on the two directions of largest variance (the
    right singular vectors of the centred table), signs fixed so that each direction's
    largest entry is positive. (n, 2)."""
    rows = np.asarray(table, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] < 2:
        raise ValueError(f"expected a table of rows of 2 or more numbers, got shape {rows.shape}")
    centred = rows - rows.mean(axis=0)
    _, _, directions = np.linalg.svd(centred, full_matrices=False)
    top = directions[:2]
    top *= np.sign(top[np.arange(2), np.argmax(np.abs(top), axis=1)])[:, None]
    points: np.ndarray = centred @ top.T
    return points


def embedding_map(
    table: np.ndarray, labels: Sequence[str], path: str | os.PathLike[str] | None = None
) -> Figure:
    """An embedding table as an image (a row per token) beside its rows projected on their
    first two principal components, each point labelled with its token."""
    rows = np.asarray(table, dtype=np.float64)
    if len(labels) != len(rows):
        raise ValueError(f"expected a label per row: {len(rows)} rows, {len(labels)} labels")
    points = projection(rows)
    fig, (image_axis, points_axis) = figure(1, 2, size=(10, 4.8))
    with style():
        limit = float(np.max(np.abs(rows))) or 1.0
        image = image_axis.imshow(rows, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        image_axis.set_yticks(range(len(rows)), list(labels), fontsize=8)
        image_axis.set_xticks(range(0, rows.shape[1], max(1, rows.shape[1] // 8)))  # whole
        image_axis.set_xlabel("dimension")
        image_axis.set_title("the embedding table, a row per token")
        image_axis.grid(False)
        fig.colorbar(image, ax=image_axis, shrink=0.8)
        points_axis.scatter(points[:, 0], points[:, 1], s=12, color=OKABE_ITO[5])
        for (x, y), label in zip(points, labels):
            points_axis.annotate(
                label, (x, y), textcoords="offset points", xytext=(3, 3), fontsize=9
            )
        points_axis.set_xlabel("first principal component")
        points_axis.set_ylabel("second principal component")
        points_axis.set_title("the rows, projected on two directions")
    return _finish(fig, path)
