"""A tape's layers over a batch as a course writes them, Z = X W^T + b with a row per
sample: every entry on the page is the number the scalar engine computes for that sample
(forward), and the model's gradient after the tape's backward."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from micrograd_plus import Value
from micrograd_plus.datasets import make_moons
from micrograd_plus.losses import binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP
from micrograd_plus.tape import Tape
from micrograd_plus.training import ModelTape
from micrograd_plus.viz import write_layers


class _Cells(HTMLParser):
    """Each named entry of the page's matrices: its text (3 significant digits)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, str] = {}
        self._name: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td":
            self._name = dict(attrs).get("data-name")

    def handle_data(self, data: str) -> None:
        if self._name:
            self.cells[self._name] = data
            self._name = None


def _page_numbers(path: Path) -> dict[str, float]:
    parser = _Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return {name: float(text) for name, text in parser.cells.items()}


def test_every_entry_is_the_scalar_engines_number_and_the_models_gradient(tmp_path: Path) -> None:
    model = MLP(2, [4, 4, 1], seed=2)
    X, y = make_moons(10, noise=0.1, seed=0)
    tape = ModelTape(model, "bce")
    tape.forward(X, y)
    for p in model.parameters():
        p.grad = 0.0
    tape.backward()
    shown = _page_numbers(write_layers(tape, tmp_path / "layers.html", samples=4))
    grads = {id(p): p.grad for p in model.parameters()}
    expected: dict[str, float] = {}
    for s, x in enumerate(X[:4]):  # the first four samples, each on the scalar engine
        xs = [Value(float(v)) for v in x]
        for i, layer in enumerate(model.layers):
            L = f"L{i + 1}"
            zs = [n.preactivation(xs) for n in layer.neurons]
            expected |= {f"{L}:X-{s}-{j}": v.data for j, v in enumerate(xs)}
            expected |= {f"{L}:Z-{s}-{m}": z.data for m, z in enumerate(zs)}
            xs = [n.activate(z) for n, z in zip(layer.neurons, zs)]
            if i < 2:
                expected |= {f"{L}:H-{s}-{m}": h.data for m, h in enumerate(xs)}
    for i, layer in enumerate(model.layers):
        L = f"L{i + 1}"
        for m, neuron in enumerate(layer.neurons):
            expected |= {f"{L}:WT-{j}-{m}": w.data for j, w in enumerate(neuron.w)}
            expected |= {f"{L}:dW-{m}-{j}": grads[id(w)] for j, w in enumerate(neuron.w)}
            expected |= {f"{L}:b-0-{m}": neuron.b.data, f"{L}:db-0-{m}": grads[id(neuron.b)]}
    for key, value in expected.items():
        assert shown[key] == pytest.approx(value, rel=5e-3, abs=1e-12), key
    per_sample = (2 + 4 + 4) + (4 + 4 + 4) + (4 + 1)  # X, Z, H of each layer
    per_layer = (8 + 8 + 4 + 4) + (16 + 16 + 4 + 4) + (4 + 4 + 1 + 1)  # W, dW, b, db
    assert len(expected) == 4 * per_sample + per_layer  # every entry shown, checked
    text = (tmp_path / "layers.html").read_text(encoding="utf-8")
    assert "h1 = relu(x @ L1.W.T + L1.b)" in text  # under the line of the fused program
    assert "first 4 of 10 samples" in text


def test_per_sample_gradients_sum_to_the_models_and_dx_feeds_the_layer_before() -> None:
    model = MLP(2, [3, 1], seed=0)
    X, y = make_moons(6, noise=0.1, seed=1)

    def loss(x: list[Value], target: Value) -> Value:
        out = model(x)
        assert isinstance(out, Value)
        return binary_cross_entropy_with_logits(out, target)

    tape = Tape.record(loss, [0.0, 0.0], 0.0)
    tape.forward(X, y)
    for p in model.parameters():
        p.grad = 0.0
    tape.backward("sum")
    first, last = tape.layers()
    assert first.dW is not None
    assert np.allclose(first.dW, [[w.grad for w in n.w] for n in model.layers[0].neurons])
    assert last.dX is not None and first.dH is not None
    assert np.allclose(last.dX, first.dH)  # dL/dX of layer 2 is dL/dH of layer 1
    assert np.allclose(first.Z, first.X @ first.W.T + first.b)
    with pytest.raises(RuntimeError, match=r"no forward pass yet: call tape.forward\(X, y\)"):
        Tape.record(loss, [0.0, 0.0], 0.0).layers()
    tape.forward(X, y, schedule="levels")
    with pytest.raises(RuntimeError, match="layers\\(\\) reads the last forward of the fused"):
        tape.layers()
    with pytest.raises(ValueError, match="samples must be a whole number of rows"):
        write_layers(tape, "unused.html", samples=0)
    with pytest.raises(TypeError, match="expected a Tape or a ModelTape, got int"):
        write_layers(3, "unused.html")


def test_a_wide_layer_shows_its_corners_and_a_forward_alone_says_what_is_missing(
    tmp_path: Path,
) -> None:
    model = MLP(2, [32, 1], seed=0)
    X, y = make_moons(20, noise=0.1, seed=0)
    tape = ModelTape(model, "mse")
    tape.forward(X, y)  # no backward
    shown = _page_numbers(write_layers(tape, tmp_path / "wide.html"))
    text = (tmp_path / "wide.html").read_text(encoding="utf-8")
    rows = {int(k.split("-")[1]) for k in shown if k.startswith("L2:WT-")}
    assert rows == {0, 1, 2, 3, 4, 5, 31}  # W^T of 32 rows: its first six, dots, its last
    columns = {int(k.rsplit("-", 1)[1]) for k in shown if k.startswith("L1:Z-0-")}
    assert columns == {0, 1, 2, 3, 4, 5, 31}
    assert text.count("no backward yet") == 2
