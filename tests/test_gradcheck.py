"""gradcheck: passes correct ops, names the input of a wrong one, and checks its arguments."""

from __future__ import annotations

import math
import re

import pytest

from micrograd_plus import GradcheckError, Value, gradcheck, op_result
from micrograd_plus.gradcheck import numerical_gradient


def test_numerical_gradient_of_a_known_function() -> None:
    # f(a, b) = a**2 * b: df/da = 2ab = -12, df/db = a**2 = 9
    grads = numerical_gradient(lambda a, b: a**2 * b, [3.0, -2.0])
    assert grads == pytest.approx([-12.0, 9.0], rel=1e-8)


def test_passes_on_correct_ops() -> None:
    assert gradcheck(lambda a, b: (a * b).tanh() + a / b - b.exp(), [0.3, 1.7])
    assert gradcheck(lambda a: a.sigmoid().log(), [Value(-0.4)])


def test_names_the_input_and_both_numbers_for_a_wrong_derivative() -> None:
    def wrong_sin(a: Value) -> Value:  # a student's bug: d/da sin(a) written as sin(a)
        return op_result(math.sin(a.data), "sin", (a,), (math.sin(a.data),))

    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: x * wrong_sin(y), [2.0, 0.5])
    message = str(caught.value)
    found = re.search(
        r"input (\d+) \(value (\S+)\).*backward gives (\S+), central difference gives (\S+)",
        message,
    )
    assert found is not None, message
    index, value, backward, central = found.groups()
    assert (int(index), float(value)) == (1, 0.5)
    assert float(backward.rstrip(",")) == 2.0 * math.sin(0.5)  # what backward gave
    assert float(central) == pytest.approx(2.0 * math.cos(0.5), rel=1e-8)  # the truth


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="str"):
        gradcheck(lambda a: a, ["x"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda a: 2.0, [1.0])  # type: ignore[arg-type,return-value]


def test_does_not_touch_the_callers_values() -> None:
    x = Value(0.5)
    gradcheck(lambda a: a * a, [x])
    assert x.grad == 0.0
    assert x.data == 0.5


def test_a_models_parameters_are_checked_on_a_sample_and_a_data_read_is_caught() -> None:
    from micrograd_plus.gpt import GPT
    from micrograd_plus.gradcheck import gradcheck_parameters

    model = GPT(5, n_embd=4, n_head=2, block_size=4, seed=1)
    params = model.parameters()
    assert gradcheck_parameters(lambda: model.loss([4, 0, 3, 4]), params, count=12, seed=2)
    assert [p.data for p in params] == [p.data for p in GPT(5, 4, 2, 1, 4, seed=1).parameters()]
    w = model.state_dict["lm_head"][1][2]

    def reads_data() -> Value:  # a student's slip: w.data is a number, its gradient is lost
        return model.loss([4, 0, 3, 4]) + w * w.data

    with pytest.raises(GradcheckError, match=r"gradient of lm_head\[1\]\[2\] \(value"):
        gradcheck_parameters(reads_data, [w])
    with pytest.raises(ValueError, match="at least one parameter"):
        gradcheck_parameters(reads_data, [])
    with pytest.raises(ValueError, match="count must be a whole number, 1 or more, got 0"):
        gradcheck_parameters(reads_data, [w], count=0)
