"""Plots: valid PNG files, the classes a boundary is drawn from, and the missing extra."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd_plus.nn import MLP
from micrograd_plus.plots import (
    MissingExtra,
    _class_scores,
    decision_boundary,
    fitted_curves,
    loss_curve,
    pyplot,
)
from micrograd_plus.training import History

PNG = b"\x89PNG\r\n\x1a\n"


def _line_model(output_activation: str | None = None, outputs: int = 1) -> MLP:
    """A one-layer model whose class is decided by the sign of x0: the last output is x0,
    any other is -x0."""
    model = MLP(2, [outputs], output_activation=output_activation, seed=0)
    for k, neuron in enumerate(model.layers[0].neurons):
        w0 = 1.0 if k == outputs - 1 else -1.0
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = w0, 0.0, 0.0
    return model


def test_classes_come_from_the_models_outputs_as_the_loss_reads_them() -> None:
    points = np.array([[-1.0, 0.0], [2.0, 5.0], [-3.0, -1.0]])
    assert _class_scores(_line_model(), points, "bce").tolist() == [0, 1, 0]
    assert _class_scores(_line_model("sigmoid"), points, "bce").tolist() == [0, 1, 0]
    two_classes = _line_model(outputs=2)  # class 1 where x0 > 0
    assert _class_scores(two_classes, points, "cross_entropy").tolist() == [0, 1, 0]


def test_each_plot_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    X = np.array([[-1.0, 0.0], [1.0, 0.5], [0.5, -1.0], [-0.5, 1.0]])
    y = np.array([0, 1, 1, 0])
    paths = [
        loss_curve(History([1.0, 0.5, 0.1], [0.5, 0.75, 1.0]), tmp_path / "loss.png"),
        decision_boundary(_line_model(), X, y, tmp_path / "boundary.png", resolution=10),
        fitted_curves(X[:, :1], y, {"fit": [0.0, 1.0, 1.0, 0.0]}, tmp_path / "fit.png"),
    ]
    for path in paths:
        assert path.read_bytes().startswith(PNG)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.png", "fit.png", "loss.png"]


def test_without_matplotlib_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtra, match="pip install matplotlib"):
        pyplot()
