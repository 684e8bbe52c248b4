"""Gradients of gradients: every rule agrees with the engine; first, second and third
derivatives of every op equal PyTorch's; Hessians, Newton's method, long chains,
unused inputs, and pictures of a derivative's graph."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from parity import torch_bce

from micrograd_plus import Value
from micrograd_plus.autograd import grad, local_derivatives
from micrograd_plus.losses import binary_cross_entropy, binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP, Perceptron
from micrograd_plus.viz import Stepper, explain, render_bytes, to_dot

# Each op on (a, b) for Values and for torch tensors alike, at points where it is smooth.
OPS_OF_TWO: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "neg": (lambda a, b: -a * b, lambda a, b: -a * b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: a**b, lambda a, b: a**b),
    "**n": (lambda a, b: a**3.5 * b, lambda a, b: a**3.5 * b),
    "sum": (lambda a, b: Value.sum([a, b, a * b]), lambda a, b: a + b + a * b),
    "exp": (lambda a, b: (a * b).exp(), lambda a, b: (a * b).exp()),
    "log": (lambda a, b: (a * b).log(), lambda a, b: (a * b).log()),
    "tanh": (lambda a, b: (a * b).tanh(), lambda a, b: (a * b).tanh()),
    "sigmoid": (lambda a, b: (a * b).sigmoid(), lambda a, b: (a * b).sigmoid()),
    "relu": (lambda a, b: (a * b).relu() * a, lambda a, b: (a * b).relu() * a),
    "leaky_relu": (
        lambda a, b: (a - b).leaky_relu(0.1) * a,
        lambda a, b: __import__("torch").nn.functional.leaky_relu(a - b, 0.1) * a,
    ),
    "abs": (lambda a, b: (a - b).abs() * b, lambda a, b: (a - b).abs() * b),
}
LOSS_OPS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "bce": (
        lambda p, y: binary_cross_entropy(p, y),
        lambda p, y: torch_bce(p, y),
    ),
    "bce_with_logits": (
        lambda z, y: binary_cross_entropy_with_logits(z, y),
        lambda z, y: __import__("torch").nn.functional.binary_cross_entropy_with_logits(z, y),
    ),
}
POSITIVE = st.floats(0.2, 3.0)
TARGET = st.floats(0.05, 0.95)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-10)


@given(st.sampled_from(sorted(OPS_OF_TWO)), POSITIVE, POSITIVE)
def test_each_rule_gives_the_engines_local_derivatives(op: str, a: float, b: float) -> None:
    out = OPS_OF_TWO[op][0](Value(a), Value(b))
    nodes = [n for n in out.topological_order() if n.op == op]
    assert nodes, op
    for node in nodes:
        rules = local_derivatives(node)
        for rule, number in zip(rules, node.local_derivatives, strict=True):
            value = rule.data if isinstance(rule, Value) else rule
            assert _close(value, number), (op, value, number)


def test_the_perceptrons_step_and_the_loss_ops_have_rules_that_agree() -> None:
    step = Perceptron.step(Value(0.3))
    assert local_derivatives(step) == (0.0,) == step.local_derivatives
    for make in (binary_cross_entropy, binary_cross_entropy_with_logits):
        node = make(Value(0.3), Value(0.8))
        rules = [r.data if isinstance(r, Value) else r for r in local_derivatives(node)]
        assert all(_close(r, n) for r, n in zip(rules, node.local_derivatives, strict=True))


def _ours(fn: Callable[[Any, Any], Any], a: float, b: float) -> list[float]:
    """f, its 2 first, 4 second and 8 third derivatives at (a, b), by grad()."""
    x, y = Value(a, "a"), Value(b, "b")
    out = fn(x, y)
    found, layer = [out.data], [out]
    for order in range(3):
        following = []
        for g in layer:
            parts = grad(g, (x, y), create_graph=order < 2, allow_unused=True)
            following += [p if p is not None else Value(0.0) for p in parts]
        found += [p.data for p in following]
        layer = following
    return found


def _theirs(fn: Callable[[Any, Any], Any], a: float, b: float) -> list[float]:
    torch = pytest.importorskip("torch")
    x = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = fn(x, y)
    found, layer = [out.item()], [out]
    for _ in range(3):
        following = []
        for g in layer:
            if not g.requires_grad:
                following += [torch.zeros((), dtype=torch.float64)] * 2
                continue
            parts = torch.autograd.grad(g, (x, y), create_graph=True, allow_unused=True,
                                        materialize_grads=True)  # fmt: skip
            following += list(parts)
        found += [p.item() for p in following]
        layer = following
    return found


@given(st.sampled_from(sorted(OPS_OF_TWO)), POSITIVE, POSITIVE)
def test_first_second_and_third_derivatives_are_pytorchs(op: str, a: float, b: float) -> None:
    assume(op not in ("leaky_relu", "abs") or abs(a - b) > 1e-3)  # not at a kink
    ours, theirs = _ours(OPS_OF_TWO[op][0], a, b), _theirs(OPS_OF_TWO[op][1], a, b)
    assert len(ours) == 15
    for k, (u, t) in enumerate(zip(ours, theirs, strict=True)):
        assert math.isclose(u, t, rel_tol=1e-10, abs_tol=1e-10), (op, k, u, t)


@given(st.sampled_from(sorted(LOSS_OPS)), st.floats(-2.0, 2.0), TARGET)
def test_the_loss_ops_derivatives_are_pytorchs(op: str, z: float, y: float) -> None:
    p = (math.tanh(z) + 1) / 2 if op == "bce" else z  # a probability for BCE
    ours, theirs = _ours(LOSS_OPS[op][0], p, y), _theirs(LOSS_OPS[op][1], p, y)
    for k, (u, t) in enumerate(zip(ours, theirs, strict=True)):
        assert math.isclose(u, t, rel_tol=1e-9, abs_tol=1e-10), (op, k, u, t)


def test_relu_has_a_second_derivative_of_zero_as_in_pytorch() -> None:
    x = Value(1.5)
    (g,) = grad((x * x).relu(), x, create_graph=True)
    assert g is not None
    (h,) = grad(g, x)
    assert h is not None and (g.data, h.data) == (3.0, 2.0)  # relu(x²): 2x, then 2
    (r,) = grad(x.relu(), x, create_graph=True)
    assert r is not None
    assert grad(r, x, allow_unused=True) == (None,)  # relu' is a constant: relu'' = 0


def test_the_hessian_of_a_small_mlp_loss_is_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 1], activation="tanh", output_activation="tanh", seed=0)
    params = model.parameters()
    x, target = [0.4, -0.7], 0.3
    out = model(x)
    assert isinstance(out, Value)
    loss = (out - target) ** 2
    gradient = grad(loss, params, create_graph=True)
    hessian = [[h.data if h is not None else 0.0 for h in grad(g, params, allow_unused=True)]
               for g in gradient if g is not None]  # fmt: skip
    assert len(hessian) == 13 and all(len(row) == 13 for row in hessian)
    names = [name for name, _ in model.named_parameters()]
    flat = torch.tensor([p.data for p in params], dtype=torch.float64)

    def torch_loss(theta: Any) -> Any:
        values = dict(zip(names, theta, strict=True))
        inputs = torch.tensor(x, dtype=torch.float64)
        hidden = torch.stack([
            torch.tanh(sum(values[f"layers.0.neurons.{k}.w.{j}"] * inputs[j] for j in range(2))
                       + values[f"layers.0.neurons.{k}.b"]) for k in range(3)
        ])  # fmt: skip
        output = torch.tanh(
            sum(values[f"layers.1.neurons.0.w.{k}"] * hidden[k] for k in range(3))
            + values["layers.1.neurons.0.b"]
        )
        return (output - target) ** 2

    theirs = torch.autograd.functional.hessian(torch_loss, flat).tolist()
    for row, their_row in zip(hessian, theirs, strict=True):
        assert row == pytest.approx(their_row, rel=1e-9, abs=1e-9)
    assert all(p.grad == 0.0 for p in params)  # grad() never touches .grad


def test_newtons_method_reaches_one_in_eight_steps() -> None:
    # f(x) = x^4 - 2x^2, f'(x) = 4x^3 - 4x, f''(x) = 12x^2 - 4; from x = 2 to the minimum at 1
    x = 2.0
    for _ in range(8):
        v = Value(x, "x")
        (slope,) = grad(v**4 - 2 * v**2, v, create_graph=True)
        assert slope is not None
        (curvature,) = grad(slope, v)
        assert curvature is not None
        x -= slope.data / curvature.data
    assert abs(x - 1.0) < 1e-12


def test_backward_through_a_derivative_graph_is_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    a, b = Value(0.7, "a"), Value(-1.3, "b")
    (da,) = grad((a * b).tanh() * a, a, create_graph=True)
    assert da is not None
    da.backward()
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    (tda,) = torch.autograd.grad(torch.tanh(ta * tb) * ta, ta, create_graph=True)
    tda.backward()
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)


def test_a_chain_of_twenty_thousand_needs_no_recursion() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(20_000):
        y = (y * 0.999).tanh()
    (first,) = grad(y, x, create_graph=True)
    (plain,) = grad(y, x)
    assert first is not None and plain is not None
    assert first.data == pytest.approx(plain.data, rel=1e-12)
    (second,) = grad(first, x)
    assert second is not None and math.isfinite(second.data)


def test_an_unused_input_is_named_or_none() -> None:
    x, unused = Value(1.0, "x"), Value(2.0, "w")
    with pytest.raises(ValueError, match=r"input 1 \(w\) is not used.*allow_unused=True"):
        grad(x * 3, (x, unused))
    assert grad(x * 3, (x, unused), allow_unused=True)[1] is None
    with pytest.raises(TypeError, match="input 0 must be a Value, got float"):
        grad(x * 3, [1.0])  # type: ignore[list-item]


def test_results_are_named_by_what_they_are_and_users_nodes_stay_as_they_are() -> None:
    x, w = Value(2.0, "x"), Value(3.0, "w")
    y = (x * w).tanh()
    y.label = "y"
    dx, dw = grad(y, (x, w), create_graph=True)
    assert dx is not None and dx.label == "dy/dx" and dw is not None and dw.label == "dy/dw"
    (same,) = grad(x * w, x, create_graph=True)
    assert same is w and w.label == "w"  # d(x*w)/dx is w itself, not renamed
    n = x * w + x
    n.label = "x*w + x"
    (dn,) = grad(n.tanh(), n, create_graph=True)
    assert dn is not None and dn.label == "dy/d(x*w + x)"


def test_the_derivative_graph_draws_steps_and_explains() -> None:
    x = Value(0.5, "x")
    y = x.tanh()
    y.label = "y"
    (dydx,) = grad(y, x, create_graph=True)
    assert dydx is not None
    dydx.backward()
    svg = render_bytes(to_dot(dydx).source, "svg").decode()
    assert ">dy/dx<" in svg
    assert "(dy/dx).grad = 1.0" in explain(dydx)  # a name with / as one unit
    assert Stepper(dydx).page.count("<svg") == 1
