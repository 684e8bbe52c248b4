"""Expressions from text: the whitelist, the refusals, and the values they build."""

from __future__ import annotations

import math

import pytest

from micrograd_plus.expression import ExpressionError, build, variables


def test_the_neuron_builds_and_backpropagates() -> None:
    values = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    root, leaves = build("tanh(x1*w1 + x2*w2 + b)", values)
    root.backward()
    assert root.data == pytest.approx(1 / math.sqrt(2))
    assert leaves["w1"].grad == pytest.approx(1.0)
    assert leaves["x1"].grad == pytest.approx(-1.5)
    assert list(leaves) == ["x1", "w1", "x2", "w2", "b"]


def test_every_allowed_form() -> None:
    values = {"x": 0.5, "y": 2.0}
    root, leaves = build(
        "-x + +y - x/y * 3 ** x + exp(x) - log(y) + sigmoid(relu(abs(-x)))", values
    )
    expected = (
        -0.5 + 2.0 - 0.5 / 2.0 * 3**0.5 + math.exp(0.5) - math.log(2.0) + 1 / (1 + math.exp(-0.5))
    )
    assert root.data == pytest.approx(expected)
    assert build("leaky_relu(x - 1, 0.2)", values)[0].data == pytest.approx(-0.1)
    root, leaves = build("x * x", values)
    root.backward()
    assert leaves["x"].grad == 1.0  # one leaf used twice: d(x*x)/dx = 2x


def test_variables_in_order() -> None:
    assert variables("b + a * b") == ["b", "a"]


@pytest.mark.parametrize(
    ("text", "points_at"),
    [
        ("__import__('os')", "'__import__' at column 1"),
        ("__import__('os').system('ls')", "at column 1: only these can be called"),
        ("x.real", "'x.real' at column 1"),
        ("x + foo(x)", "'foo' at column 5"),
        ("lambda: 1", "'lambda: 1' at column 1"),
        ("x[0]", "'x[0]'"),
        ("'text'", "only numbers"),
        ("True + x", "only numbers"),
        ("x if x else x", "not allowed here"),
        ("exp", "exp is a function"),
        ("log(x, 2)", "takes one argument"),
        ("exp(x=1)", "no keyword arguments"),
        ("leaky_relu(x, x)", "slope of leaky_relu must be a number"),
        ("x @ x", "not allowed here"),
        ("x ** ", "not a valid expression"),
        ("", "empty"),
    ],
)
def test_refusals_point_at_the_offending_part(text: str, points_at: str) -> None:
    with pytest.raises(ExpressionError, match=points_at.replace("(", r"\(").replace("[", r"\[")):
        build(text, {"x": 1.0})


def test_a_ten_thousand_character_input_is_refused_before_parsing() -> None:
    with pytest.raises(ExpressionError, match="10,000 characters long; at most 1,000"):
        build("x+" * 5000, {"x": 1.0})


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ExpressionError, match="nested"):
        build("-" * 150 + "x", {"x": 1.0})


def test_missing_values_and_bad_values() -> None:
    with pytest.raises(ExpressionError, match=r"no value for b: give each one, e.g. --set b=1\.0"):
        build("a * b", {"a": 1.0})
    root, _ = build("log(x)", {"x": -1.0})  # nan, as in PyTorch (the picture flags it)
    assert math.isnan(root.data)
