"""The display forms of the ops: one for every engine op, each equal to the engine's math."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from conftest import OP_BUILDERS
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value
from micrograd_plus.losses import binary_cross_entropy, binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP, Perceptron, short_name
from micrograd_plus.ops import OPS
from micrograd_plus.viz._graph import describe, op_form

BUILDERS: dict[str, Callable[[Value, Value], Value]] = {
    **OP_BUILDERS,  # the engine's ops, and the ops the perceptron and the losses make
    "step": lambda a, b: Perceptron.step(a),
    "bce": lambda a, b: binary_cross_entropy((a.tanh() + 1) / 2 * 0.98 + 0.01, b.sigmoid()),
    "bce_with_logits": lambda a, b: binary_cross_entropy_with_logits(a, b.sigmoid()),
}


def test_every_op_has_a_display_form_and_a_test_builder() -> None:
    assert set(OPS) == set(BUILDERS)


def _evaluate(text: str) -> float:
    """A filled-in rule as a number (test only: the text is ours, never a user's)."""
    sign = lambda x: (x > 0) - (x < 0)  # noqa: E731
    sigmoid = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    names = {"log": math.log, "sign": sign, "sigmoid": sigmoid, "max": max}
    return float(eval(text, {"__builtins__": {}}, names))


@given(
    st.sampled_from(sorted(BUILDERS)),
    st.floats(0.1, 3.0) | st.floats(-3.0, -0.1),
    st.floats(0.1, 3.0),
)
def test_each_forms_local_derivatives_equal_the_engines(op: str, a: float, b: float) -> None:
    if op in ("log", "**", "**n"):
        a = abs(a)  # where these are real
    node = next(n for n in reversed(BUILDERS[op](Value(a), Value(b)).topological_order())
                if n.op == op)  # fmt: skip
    form = op_form(node)
    numbers = [f"({x.data!r})" for x in node.inputs]
    for rule, local in zip(form.rules, node.local_derivatives, strict=True):
        shown = _evaluate(form.fill(rule, numbers, f"({node.data!r})"))
        assert shown == pytest.approx(local, rel=1e-12, abs=1e-300), (op, rule)
    formula = form.fill(form.formula, numbers, "")
    plain = (
        "abs",
        "exp",
        "tanh",
        "sigmoid",
        "relu",
        "leaky_relu",
        "step",
        "bce",
        "bce_with_logits",
    )
    if op not in plain:  # plain arithmetic
        assert _evaluate(formula) == pytest.approx(node.data, rel=1e-12)


def test_an_ops_own_number_shows_in_its_form() -> None:
    x = Value(2.0, "x")
    assert op_form(x**3).fill(op_form(x**3).formula, ["x"], "") == "x ** 3"
    leaky = x.leaky_relu(0.2)
    assert op_form(leaky).rules == ("1 if {a} > 0 else 0.2",)


def test_a_users_op_with_braces_in_its_name_stays_text() -> None:
    from micrograd_plus import op_result

    out = op_result(1.0, "f{x}", (Value(1.0, "a"),), (2.0,))
    form = op_form(out)
    assert form.fill(form.formula, ["a"], "") == "f{x}(a)"


@pytest.mark.parametrize(
    ("long", "short"),
    [
        ("layers.0.neurons.1.w.0", "L1.N2.w0"),
        ("layers.2.neurons.0.b", "L3.N1.b"),
        ("neurons.2.b", "N3.b"),
        ("w.1", "w1"),
        ("b", "b"),
    ],
)
def test_short_parameter_names(long: str, short: str) -> None:
    assert short_name(long) == short


def test_a_models_parameters_get_short_names_grouped_by_neuron() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, Value)
    info = describe(out, model)
    w = model.layers[0].neurons[1].w[0]
    assert info.names[w] == "L1.N2.w0" and info.groups[w] == "L1.N2"
    assert max(len(info.names[p]) for p in model.parameters()) <= 10
