"""draw_network: one circle per neuron, one edge per weight, activations and gradients."""

from __future__ import annotations

import re

import pytest

from micrograd_plus import Value
from micrograd_plus.losses import mse_loss
from micrograd_plus.nn import MLP
from micrograd_plus.viz import draw_network
from micrograd_plus.viz.dot import DEAD, NEGATIVE, POSITIVE


def test_one_circle_per_neuron_and_one_edge_per_weight() -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    source = draw_network(model).source
    assert len(re.findall(r"^\t+(?:i|l\d+n)\d+ \[", source, flags=re.M)) == 2 + 4 + 4 + 1
    assert source.count(" -- ") + source.count(" -> ") == 2 * 4 + 4 * 4 + 4 * 1
    assert "hidden 1: 4 relu" in source and "output: 1 linear" in source


def test_edges_show_the_weights_sign_and_size() -> None:
    model = MLP(1, [2], seed=0)
    w0, w1 = model.layers[0].neurons[0].w[0], model.layers[0].neurons[1].w[0]
    w0.data, w1.data = 0.5, -1.0
    source = draw_network(model).source
    assert re.search(rf'i0 -> l0n0 \[color="{POSITIVE}" penwidth=2.15', source)
    assert re.search(rf'i0 -> l0n1 \[color="{NEGATIVE}" penwidth=4.00', source)


def test_activations_dead_relus_and_gradients() -> None:
    model = MLP(2, [3, 1], seed=0)
    x = [1.0, -2.0]
    hidden = model.layers[0]
    pre = [n.preactivation([Value(v) for v in x]).data for n in hidden.neurons]
    out = model(x)
    assert isinstance(out, Value)
    mse_loss(out, 1.0).backward()
    source = draw_network(model, x).source
    for k, n in enumerate(pre):
        node = re.search(rf"l0n{k} \[label=<(.*?)> ", source)
        assert node is not None
        if n <= 0:
            assert "dead" in node.group(1)
        else:
            assert f"a {n:.4g}"[:5] in node.group(1)
    assert "δ" in source
    assert any(n <= 0 for n in pre) == (f'fillcolor="{DEAD}"' in source)


def test_wrong_input_size_and_wrong_model() -> None:
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        draw_network(MLP(2, [1]), [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="draws an MLP"):
        draw_network(Value(1.0))  # type: ignore[arg-type]
