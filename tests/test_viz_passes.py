"""forward_steps, backward_steps, explain: the engine's order and the engine's numbers."""

from __future__ import annotations

import math
import re

from conftest import assert_inputs_first, readme_neuron
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value
from micrograd_plus.losses import cross_entropy
from micrograd_plus.nn import MLP
from micrograd_plus.viz import backward_steps, explain, forward_steps, steps
from micrograd_plus.viz._graph import describe
from micrograd_plus.viz.passes import local_rules

neuron = readme_neuron


def test_forward_steps_follow_the_topological_order() -> None:
    o, _ = neuron()
    computed = [node for node in o.topological_order() if node.inputs]
    assert [s.node for s in forward_steps(o)] == computed
    assert forward_steps(o)[0].title == "forward: v1 = x1 * w1"
    assert forward_steps(o)[0].lines == ("v1 = 2.0 * (-3.0) = -6.0",)
    assert forward_steps(o)[-1].lines == ("o = tanh(0.8814) = 0.7071",)
    assert forward_steps(o)[-1].text == "forward: o = tanh(n)\no = tanh(0.8814) = 0.7071"


def test_backward_steps_state_the_rule_and_write_out_each_contribution() -> None:
    o, _ = neuron()
    backward = backward_steps(o)
    assert backward[0].lines == ("o.grad = 1.0  (do/do = 1)",)
    assert [s.node for s in backward[1:]] == [
        node for node in reversed(o.topological_order()) if node.inputs
    ]
    tanh = backward[1]
    # the local rules in the node's own names, then their numbers
    assert tanh.lines[0] == "o.grad = 1.0; local derivatives: d(tanh(n))/dn = 1 - o ** 2 = 0.5"
    assert tanh.lines[1] == (
        "n.grad += (1 - o.data ** 2) * o.grad = 0.5 * 1.0 = 0.5  ->  n.grad = 0.5"
    )
    product = next(s for s in backward if s.title == "backward through v1 = x1 * w1")
    assert product.lines[0] == (
        "v1.grad = 0.5; local derivatives: d(x1 * w1)/dx1 = w1 = -3.0, d(x1 * w1)/dw1 = x1 = 2.0"
    )
    assert product.lines[2] == "w1.grad += x1.data * v1.grad = 2.0 * 0.5 = 1.0  ->  w1.grad = 1.0"


def test_local_rules_never_use_letters_that_are_not_the_users_names() -> None:
    a, b = Value(2.0, "b"), Value(3.0, "a")  # the user's own a and b, the other way round
    out = a / b
    rules = local_rules(describe(out), out)
    assert rules == ["d(b / a)/db = 1 / a = 0.3333", "d(b / a)/da = -v1 / a = -0.2222"]


def test_explain_has_one_line_per_contribution() -> None:
    o, _ = neuron()
    lines = explain(o).splitlines()
    edges = sum(len(node.inputs) for node in o.topological_order())
    assert len(lines) == 1 + edges
    assert "x1.grad += w1.data * v1.grad = (-3.0) * 0.5 = -1.5  ->  x1.grad = -1.5" in lines


def test_steps_are_forward_then_backward() -> None:
    o, _ = neuron()
    all_steps = steps(o)
    phases = [s.phase for s in all_steps]
    assert phases == ["forward"] * 5 + ["backward"] * 6


def _final_grads(root: Value) -> dict[Value, float]:
    grads = {root: 1.0}
    for step in backward_steps(root):
        for c in step.contributions:
            grads[c.input] = c.grad_after
    return grads


@given(st.lists(st.floats(-2, 2), min_size=2, max_size=2), st.integers(0, 100))
def test_each_step_adds_up_to_the_engines_gradients_exactly(x: list[float], seed: int) -> None:
    model = MLP(2, [3, 3], activation="tanh", seed=seed)
    logits = model(x)
    assert isinstance(logits, list)
    loss = cross_entropy(logits, seed % 3)
    replayed = _final_grads(loss)
    loss.backward()
    for node in loss.topological_order():
        assert replayed.get(node, 0.0) == node.grad  # same order, same sums: bit for bit


def test_contribution_amounts_are_local_derivative_times_upstream_grad() -> None:
    o, _ = neuron()
    o.backward()
    for step in backward_steps(o)[1:]:
        for c, local in zip(step.contributions, step.node.local_derivatives):
            assert c.local_derivative == local
            assert c.amount == local * step.node.grad


def test_an_op_of_ones_own_is_explained_by_its_numbers() -> None:
    from micrograd_plus import op_result

    a = Value(0.5, "a")
    out = op_result(math.sin(a.data), "sin", (a,), (math.cos(a.data),))
    step = backward_steps(out)[1]
    assert f"d(sin(a))/da = {math.cos(0.5):.4g}" in step.lines[0]
    assert step.lines[1].startswith(f"a.grad += {math.cos(0.5):.4g} * v1.grad")


def test_an_op_of_ones_own_named_like_a_power_is_explained() -> None:
    from micrograd_plus import op_result

    a = Value(2.0, "a")
    out = op_result(a.data * 3, "**hello", (a,), (3.0,))
    out.backward()
    text = explain(out)
    assert "a.grad += 3.0 * v1.grad" in text


def test_constants_are_their_numbers_and_expressions_are_units() -> None:
    x = Value(0.5, "x")
    n = x * 2.0 + 1.0
    n.label = "x*2 + 1"
    o = n.tanh()
    o.backward()
    text = explain(o)
    assert "2.0.grad" not in text and "1.0.grad" not in text  # a constant has no .grad line
    assert "(x*2 + 1).grad += " in text  # an expression's name, as one unit
    assert "x.grad += 2.0 * (x*2 + 1).grad" in text or "x.grad += 2.0 * v1.grad" in text
    forward = forward_steps(o)[0]
    assert forward.lines[0].startswith("v1 = 0.5 * 2.0 = 1.0")


def test_a_loss_ops_local_derivative_is_its_formula_with_numbers() -> None:
    from micrograd_plus.losses import binary_cross_entropy_with_logits

    z = Value(1.0, "z")
    loss = binary_cross_entropy_with_logits(z, 1.0)
    loss.backward()
    step = backward_steps(loss)[1]
    assert "d(bce_with_logits(z, 1.0))/dz = sigmoid(z) - 1.0 = -0.2689" in step.lines[0]
    assert step.lines[1].startswith("z.grad += (sigmoid(z.data) - 1.0) * v1.grad = (-0.2689)")


def test_a_networks_steps_follow_the_model_layer_by_layer() -> None:
    from micrograd_plus.losses import mse_loss
    from micrograd_plus.nn import MLP

    model = MLP(2, [4, 4, 1], seed=0)
    loss = mse_loss(model([0.5, -1.0]), 1.0)
    info = describe(loss, model)
    assert_inputs_first(info.order)  # still a topological order
    assert set(info.order) == set(loss.topological_order())
    neurons = []  # the neuron of each forward step that reads a parameter, in step order
    for step in forward_steps(loss, model):
        for inp in step.node.inputs:
            name = info.names[inp]
            if name.startswith("L") and ".w" in name:
                neurons.append(tuple(int(n) for n in re.findall(r"[LN](\d+)", name)[:2]))
    assert neurons == sorted(neurons)  # layer 1 neuron by neuron, then layer 2, then 3
    backward = [s.node for s in backward_steps(loss, model)[1:]]
    forward = [s.node for s in forward_steps(loss, model)]
    assert backward == forward[::-1]  # backward in the reverse
