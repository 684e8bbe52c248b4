"""draw_network: neurons and weights; activations and gradients of one sample it runs itself."""

from __future__ import annotations

import copy
import re

import pytest
from conftest import shows, svg_texts

from micrograd_plus import Value
from micrograd_plus.losses import mse_loss
from micrograd_plus.nn import MLP, Layer, Neuron, Perceptron
from micrograd_plus.viz import draw_network, render_bytes
from micrograd_plus.viz.palette import DEAD, NEGATIVE, POSITIVE

SVG = "{http://www.w3.org/2000/svg}"


def _label(source: str, node: str) -> str:
    found = re.search(rf"\t{node} \[label=<(.*?)> ", source)
    assert found is not None, node
    return found.group(1)


def test_one_circle_per_neuron_and_one_edge_per_weight() -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    source = draw_network(model).source
    assert len(re.findall(r"^\t+(?:i|l\d+n)\d+ \[", source, flags=re.M)) == 2 + 4 + 4 + 1
    assert source.count(" -> ") == 2 * 4 + 4 * 4 + 4 * 1
    assert "hidden 1: 4 relu" in source and "output: 1 linear" in source
    assert "L2.N3" in _label(source, "l1n2")  # short names, as in to_dot


def test_edges_show_the_weights_sign_and_size() -> None:
    model = MLP(1, [2], seed=0)
    w0, w1 = model.layers[0].neurons[0].w[0], model.layers[0].neurons[1].w[0]
    w0.data, w1.data = 0.5, -1.0
    source = draw_network(model).source
    assert re.search(rf'i0 -> l0n0 \[color="{POSITIVE}" penwidth=2.15', source)
    assert re.search(rf'i0 -> l0n1 \[color="{NEGATIVE}" penwidth=4.00', source)


def _engine_gradients(model: MLP, x: list[float], target: float) -> tuple[list[float], MLP]:
    """The oracle: the engine's own backward on a copy, and the bias grads (= deltas)."""
    twin = copy.deepcopy(model)
    twin.zero_grad()
    out = twin(x)
    assert isinstance(out, Value)
    mse_loss(out, target).backward()
    return [n.b.grad for layer in twin.layers for n in layer.neurons], twin


def test_activations_deltas_and_dead_flags_describe_the_same_sample() -> None:
    model = MLP(2, [3, 1], seed=0)
    x = [1.0, -2.0]
    pre = [n.preactivation([Value(v) for v in x]).data for n in model.layers[0].neurons]
    deltas, twin = _engine_gradients(model, x, 1.0)
    source = draw_network(model, x, target=1.0, loss="mse").source
    for k, z in enumerate(pre):
        label = _label(source, f"l0n{k}")
        assert shows([label], "δ", deltas[k])
        if z <= 0:  # a dead ReLU passes nothing back: its delta is exactly 0
            assert "dead" in label and "δ 0" in label
        else:
            assert shows([label], "a", z)
    assert any(z <= 0 for z in pre) == (f'fillcolor="{DEAD}"' in source)
    w = twin.layers[1].neurons[0].w[0]  # each weight's edge tells its dL/dw
    assert shows([source.split("l0n0 -> l1n0")[1].split("\n")[0]], "label=", w.grad)


def test_a_delta_is_the_bias_gradient_by_central_differences() -> None:
    model = MLP(2, [2, 1], activation="tanh", seed=3)
    x, target, h = [0.3, -0.7], 0.5, 1e-6
    source = draw_network(model, x, target=target).source
    bias = model.layers[0].neurons[1].b

    def loss_at(b: float) -> float:
        twin = copy.deepcopy(model)
        twin.layers[0].neurons[1].b.data = b
        out = twin(x)
        assert isinstance(out, Value)
        return mse_loss(out, target).data

    numeric = (loss_at(bias.data + h) - loss_at(bias.data - h)) / (2 * h)
    shown = float(re.search(r"δ (\S+)", _label(source, "l0n1")).group(1))  # type: ignore[union-attr]
    assert shown == pytest.approx(numeric, rel=1e-3)  # 4 digits are shown


def test_garbage_in_the_models_grads_is_never_shown_and_never_changed() -> None:
    model = MLP(2, [3, 1], seed=0)
    for i, p in enumerate(model.parameters()):
        p.grad = 1000.0 + i  # left by some other batch
    before = [p.grad for p in model.parameters()]
    activations_only = draw_network(model, [1.0, -2.0]).source
    assert "δ" not in activations_only and "100" not in activations_only
    with_grads = draw_network(model, [1.0, -2.0], target=1.0).source
    assert not re.search(r"10\d\d", with_grads)
    assert [p.grad for p in model.parameters()] == before


def test_a_target_needs_an_input() -> None:
    with pytest.raises(ValueError, match="a target needs the input x"):
        draw_network(MLP(2, [1]), target=1.0)


def test_bce_and_cross_entropy_targets() -> None:
    model = MLP(2, [3, 3], seed=1)
    source = draw_network(model, [0.5, 0.5], target=2, loss="cross_entropy").source
    assert "δ" in _label(source, "l1n2")
    binary = MLP(2, [2, 1], seed=1)
    assert "δ" in _label(draw_network(binary, [0.5, 0.5], target=1, loss="bce").source, "l1n0")


def test_a_layer_draws_as_one_column() -> None:
    layer = Layer(3, 2, seed=0)
    source = draw_network(layer, [1.0, 2.0, 3.0]).source
    assert source.count(" -> ") == 3 * 2 and "output: 2 relu" in source


def test_a_perceptron_draws_as_the_course_notes_draw_it() -> None:
    # inputs x weights -> sum + b -> step -> output, with the numbers
    p = Perceptron(2)
    p.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1])  # AND
    texts = svg_texts(render_bytes(draw_network(p, [1.0, 1.0]).source, "svg"))
    w0, w1, b = (v.data for v in p.parameters())
    assert "x0 = 1.0" in texts and "x1 = 1.0" in texts
    assert shows(texts, "× w0 =", w0) and shows(texts, "× w1 =", w1)
    assert "Σ w·x + b" in texts and shows(texts, "b =", b)
    assert shows(texts, "z =", w0 + w1 + b)
    assert "step" in texts and "output" in texts and "1.0" in texts


def test_a_neuron_with_gradients() -> None:
    neuron = Neuron(2, "relu", seed=0)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.5, -0.25, 0.1
    texts = svg_texts(render_bytes(draw_network(neuron, [2.0, 1.0], target=0.0).source, "svg"))
    # z = 2.0 * 0.5 + 1.0 * -0.25 + 0.1 = 0.85; mse: dL/dz = 2 * (0.85 - 0) = 1.7
    assert "z = 0.85" in texts and "δ = dL/dz = 1.7" in texts
    assert "dL/dw0 = 3.4" in texts and "dL/dw1 = 1.7" in texts


def test_a_dead_relu_neuron_is_black() -> None:
    neuron = Neuron(1, "relu", seed=0)
    neuron.w[0].data, neuron.b.data = 1.0, -2.0
    source = draw_network(neuron, [1.0]).source
    assert f'fillcolor="{DEAD}"' in source and "relu<BR/>dead" in source


def test_wrong_input_size_and_wrong_model() -> None:
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        draw_network(MLP(2, [1]), [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="draws an MLP, Layer, Neuron or Perceptron"):
        draw_network(Value(1.0))  # type: ignore[arg-type]


def test_a_loss_that_returns_no_value_is_a_clear_error() -> None:
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match=r"the loss must return a Value .* got float: 0\.5"):
        draw_network(model, [1.0, 2.0], target=1.0, loss=lambda out, y: 0.5)  # type: ignore[arg-type]


def test_a_model_too_big_to_draw_is_refused_before_any_layout() -> None:
    with pytest.raises(ValueError, match="2,650 weights, more than a picture can show"):
        draw_network(MLP(2, [50, 50, 1], seed=0))


def test_a_vanished_delta_fits_its_circle() -> None:
    # a deep sigmoid network: the first layers' deltas vanish, and say so on a line of their
    # own (the circle is 79 pt wide: 13 characters of 12 pt text fit, "δ -5.893e-10
    # (vanished)" did not)
    model = MLP(2, [6] * 8 + [1], activation="sigmoid", seed=0)
    texts = svg_texts(render_bytes(draw_network(model, [1.741, -0.4561], target=1.0,
                                                loss="bce").source, "svg"))  # fmt: skip
    assert "vanished" in texts
    neuron_lines = [t for t in texts if t.startswith(("δ ", "a ", "L"))]
    assert neuron_lines and max(len(t) for t in neuron_lines) <= 13, max(neuron_lines, key=len)
