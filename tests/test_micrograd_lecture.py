"""The micrograd lecture (karpathy/nn-zero-to-hero, lecture 1) runs on this Value: a copy
of its cells, written here, with its three defining cells replaced by
``from micrograd_plus import Value``, ``from micrograd_plus.viz import draw_dot`` and
``from micrograd_plus.nn import Neuron, Layer, MLP``. The first half prints the lecture's
numbers; the second half's training loop learns."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

from micrograd_plus import Value
from micrograd_plus.losses import cross_entropy
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.plots import loss_curve
from micrograd_plus.viz import draw_dot, render


def neuron() -> dict[str, Any]:
    """The lecture's neuron cell, with its labels (expressions among them)."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return locals()


def test_the_first_expression_and_its_picture() -> None:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    assert L.data == -8.0
    assert d._prev == {e, c} and d._op == "+" and e._op == "*"
    source = draw_dot(L).source
    assert "rankdir=LR" in source and ">L</B>" in source


def test_backpropagation_by_hand_with_backward_one_node_at_a_time() -> None:
    cell = neuron()
    o = cell["o"]
    o.grad = 1.0
    for name in ["o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"]:  # the lecture's order
        cell[name]._backward()
    assert round(cell["n"].grad, 6) == 0.5  # do/dn = 1 - tanh(n)**2
    grads = {k: cell[k].grad for k in ["x1", "w1", "x2", "w2", "b"]}
    assert grads == pytest.approx({"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5})


def test_the_lectures_topological_sort_over_prev_and_backward() -> None:
    cell = neuron()
    o = cell["o"]
    topo: list[Value] = []
    visited: set[Value] = set()

    def build_topo(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)
    assert len(topo) == 10 and topo[-1] is o
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert cell["x1"].grad == pytest.approx(-1.5) and cell["w1"].grad == pytest.approx(1.0)
    assert round(o.data, 4) == 0.7071


def test_a_node_used_twice_and_tanh_from_exp() -> None:
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    assert a.grad == 2.0  # the lecture's bug, fixed by accumulating
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d, e = a * b, a + b
    f = d * e
    f.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0)
    cell = neuron()
    n = cell["n"]
    e2 = (2 * n).exp()
    o = (e2 - 1) / (e2 + 1)
    o.label = "o"
    o.backward()
    assert round(o.data, 4) == 0.7071 and cell["x1"].grad == pytest.approx(-1.5)
    assert ">o</B>" in draw_dot(o).source


def test_the_torch_cross_check_gives_the_same_numbers() -> None:
    torch = pytest.importorskip("torch")
    x1 = torch.Tensor([2.0]).double()
    x1.requires_grad = True
    x2 = torch.Tensor([0.0]).double()
    x2.requires_grad = True
    w1 = torch.Tensor([-3.0]).double()
    w1.requires_grad = True
    w2 = torch.Tensor([1.0]).double()
    w2.requires_grad = True
    b = torch.Tensor([6.8813735870195432]).double()
    b.requires_grad = True
    o = torch.tanh(x1 * w1 + x2 * w2 + b)
    o.backward()
    cell = neuron()
    cell["o"].backward()
    # torch.Tensor([...]) is float32 before .double(): b loses digits, and the lecture
    # prints 0.7071066904050358 where the exact value is 0.70710678...
    assert o.data.item() == pytest.approx(0.7071066904050358, rel=1e-15)
    assert cell["o"].data == pytest.approx(o.data.item(), rel=1e-6)
    for name, tensor in [("x1", x1), ("x2", x2), ("w1", w1), ("w2", w2)]:
        assert cell[name].grad == pytest.approx(tensor.grad.item(), rel=1e-6, abs=1e-12)


def test_the_second_half_learns_with_the_lectures_network() -> None:
    # The lecture's MLP is tanh everywhere: one argument away from ours
    x = [2.0, 3.0, -1.0]
    n = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=0)
    assert isinstance(n(x), Value)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses: list[float] = []
    for _ in range(20):
        ypred: list[Any] = [n(x) for x in xs]  # the lecture's code, as it is: untyped
        loss: Any = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        assert isinstance(loss, Value)
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.1 < losses[0]
    assert len(n.parameters()) == 41
    assert isinstance(n.layers[0].neurons[0].w[0].grad, float)
    assert "<svg" in draw_dot(loss)._repr_image_svg_xml()


@pytest.mark.parametrize("seed", range(40))
def test_the_lectures_network_does_not_collapse(seed: int) -> None:
    n = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=seed)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    for _ in range(20):
        loss = Value.sum((n(x) - y) ** 2 for x, y in zip(xs, ys))  # type: ignore[operator]
        n.zero_grad()
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
    assert loss.data < 2.0  # 4.0 is the collapse: every prediction about 0
    assert math.isfinite(loss.data)


def test_what_a_student_types_is_answered_as_pytorch_would() -> None:
    a, b = Value(2.0), Value(-1.0)
    assert float(a) == 2.0 and a > b and b < 0 and a >= 2 and b <= -1.0
    assert max([a, b]) is a and sorted([a, b]) == [b, a]
    assert not Value(0.0) and bool(a)
    assert a != Value(2.0) and len({a, Value(2.0)}) == 2  # == stays identity: nodes hash


def test_a_students_mistakes_get_messages_that_say_what_to_do(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"shape \(5, 2\): loop over its rows"):
        model(np.zeros((5, 2)))
    with pytest.raises(TypeError, match=r"not the MLP: pass model.parameters\(\)"):
        Adam(model)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cross_entropy: expected the class scores"):
        cross_entropy(Value(1.0), 0)
    assert isinstance(loss_curve([0.9, 0.5, 0.2]), Figure)  # a plain list of losses
    o = Value(2.0, label="x").tanh()
    o.backward()
    assert render(o, tmp_path / "g.svg").read_text().startswith("<?xml")  # a Value draws
