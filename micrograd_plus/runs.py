"""A training run as ``micrograd-plus train`` makes one: a data set by name, a model
trained on it, and what the run leaves in its folder (model.json, the loss curve, the
decision boundary or fitted curve, the network). The command line checks the arguments;
this does the work."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from micrograd_plus import datasets
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD, Adam, Optimizer, RMSprop
from micrograd_plus.training import History, accuracy, outputs, train

__all__ = ["DATA", "DIVERGED", "OPTIMIZERS", "train_and_write"]

DATA: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "moons": datasets.make_moons,
    "circles": datasets.make_circles,
    "spirals": datasets.make_spirals,
    "xor": datasets.make_xor,
    "blobs": datasets.make_blobs,
    "sine": datasets.make_sine,
}
REGRESSION = ("sine",)
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}
DIVERGED = 1  # the exit status of a run that diverged and did not save its model


def train_and_write(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    out: Path,
    *,
    data: str,
    loss: str,
    optimizer: str,
    lr: float,
    steps: int,
    engine: str,
    format: str,
) -> int:
    """Train ``model`` on (X, y), say how it went, and write the run's files into ``out``.
    Returns the exit status: 0, or ``DIVERGED`` when a parameter became inf or nan (then
    no model file is written, so a good one already there is kept)."""
    out.mkdir(parents=True, exist_ok=True)
    print(f"training {model!r} on {data} ({len(X)} points), {loss} loss, {optimizer}")
    history = train(
        model, X, y, loss=loss, optimizer=OPTIMIZERS[optimizer](model.parameters(), lr=lr),
        steps=steps, engine=engine,
    )  # fmt: skip
    print(f"final loss {history.loss[-1]:.4g}")
    blew_up = next((i for i, v in enumerate(history.loss) if not math.isfinite(v)), None)
    if blew_up is not None:
        print(
            f"the loss became {history.loss[blew_up]} at step {blew_up + 1}: the steps are too "
            f"large for this model; try a smaller --lr (this run: {lr:g})"
        )
    model_path = out / "model.json"
    broken = next((name for name, p in model.named_parameters() if not math.isfinite(p.data)), "")
    if broken:  # a model file that load would refuse is never written over a good one
        kept = "keeps the model it had" if model_path.exists() else "was not written"
        value = model.state_dict()[broken]
        print(f"parameter {broken} is {value}: the model is not saved ({model_path} {kept})")
        _loss_picture(history, out / f"loss.{format}", data)
        return DIVERGED
    if data not in REGRESSION:
        print(f"train accuracy {accuracy(model, X, y, loss, engine=engine):.1%}")
    model.save(model_path)
    print(f"wrote {model_path}")
    _loss_picture(history, out / f"loss.{format}", data)
    _pictures(model, X, y, out, data=data, loss=loss, format=format)
    return 0


def _loss_picture(history: History, path: Path, data: str) -> None:
    from micrograd_plus import plots

    plots.loss_curve(history, path, title=f"{data}: loss")
    print(f"wrote {path}")


def _pictures(
    model: MLP, X: np.ndarray, y: np.ndarray, out: Path, *, data: str, loss: str, format: str
) -> None:
    from micrograd_plus import plots
    from micrograd_plus.viz import RendererNotFound, draw_network, render

    if data in REGRESSION:
        path = out / f"fit.{format}"
        plots.fitted_curves(X, y, {loss: outputs(model, X, engine="tape")}, path, title="fit")
    else:
        path = out / f"boundary.{format}"
        plots.decision_boundary(model, X, y, path, loss=loss, title=data)
    print(f"wrote {path}")
    try:
        print(f"wrote {render(draw_network(model), out / 'network.svg')}")
    except (RendererNotFound, ValueError) as error:  # no renderer, or too big to draw
        print(f"(no network picture: {error})")
