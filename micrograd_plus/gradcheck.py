"""Check backward against central differences, as students check their own ops.

The central difference  (f(x + eps) - f(x - eps)) / (2 * eps)  approximates df/dx
with an error of order eps**2, using nothing but forward evaluations in float64:
an oracle independent of every local derivative written in the engine.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from micrograd_plus.engine import Value, no_grad

__all__ = ["GradcheckError", "gradcheck", "gradcheck_parameters", "numerical_gradient"]


class GradcheckError(AssertionError):
    """backward and the central difference disagree for some input."""


def _evaluate(fn: Callable[..., Value], leaves: list[Value]) -> Value:
    out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck needs fn to return a Value, got {type(out).__name__}")
    return out


def numerical_gradient(
    fn: Callable[..., Value], inputs: Sequence[float | Value], eps: float = 1e-6
) -> list[float]:
    """df/dx_i for each input by central differences: (f(x + eps) - f(x - eps)) / 2eps."""
    xs = [x.data if isinstance(x, Value) else Value(x).data for x in inputs]
    grads = []
    with no_grad():
        for i in range(len(xs)):
            up = [*xs[:i], xs[i] + eps, *xs[i + 1 :]]
            down = [*xs[:i], xs[i] - eps, *xs[i + 1 :]]
            f_up = _evaluate(fn, [Value(x) for x in up]).data
            f_down = _evaluate(fn, [Value(x) for x in down]).data
            grads.append((f_up - f_down) / (2 * eps))
    return grads


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True if fn's backward matches central differences for every input.

    ``fn`` takes one Value per input and returns a Value. Each gradient must satisfy
    ``|backward - numerical| <= atol + rtol * |numerical|``; otherwise a
    ``GradcheckError`` names the first input that fails and both numbers.
    """
    if not inputs:
        raise ValueError("gradcheck needs at least one input, got none")
    xs = [x.data if isinstance(x, Value) else Value(x).data for x in inputs]
    leaves = [Value(x) for x in xs]
    _evaluate(fn, leaves).backward()
    numerical = numerical_gradient(fn, xs, eps)
    for i, (leaf, expected) in enumerate(zip(leaves, numerical, strict=True)):
        if not abs(leaf.grad - expected) <= atol + rtol * abs(expected):
            raise GradcheckError(
                f"gradient of input {i} (value {xs[i]!r}) does not match: "
                f"backward gives {leaf.grad!r}, central difference gives {expected!r} "
                f"(eps={eps}, atol={atol}, rtol={rtol})"
            )
    return True


def gradcheck_parameters(
    loss: Callable[[], Value],
    parameters: Sequence[Value],
    count: int = 8,
    seed: int = 0,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True if a model's backward matches central differences on ``count`` of its
    parameters, picked at random (``seed``): ``loss()`` builds the loss from the model as
    it is, backward gives every dL/dp at once, and each picked p is nudged by +-eps and
    put back. A model has thousands of parameters and each difference is two forward
    passes, so a sample is checked; a ``GradcheckError`` names the first that fails."""
    if not parameters:
        raise ValueError("gradcheck_parameters needs at least one parameter, got none")
    if type(count) is not int or count < 1:
        raise ValueError(f"count must be a whole number, 1 or more, got {count!r}")
    picked = random.Random(seed).sample(range(len(parameters)), min(count, len(parameters)))
    for p in parameters:
        p.grad = 0.0
    _evaluate(loss, []).backward()
    backward = {i: parameters[i].grad for i in picked}
    for i in picked:
        p = parameters[i]
        kept = p.data
        try:
            with no_grad():
                p.data = kept + eps
                up = _evaluate(loss, []).data
                p.data = kept - eps
                down = _evaluate(loss, []).data
        finally:
            p.data = kept
        expected = (up - down) / (2 * eps)
        if not abs(backward[i] - expected) <= atol + rtol * abs(expected):
            name = p.label or f"parameter {i}"
            raise GradcheckError(
                f"gradient of {name} (value {kept!r}) does not match: backward gives "
                f"{backward[i]!r}, central difference gives {expected!r} "
                f"(eps={eps}, atol={atol}, rtol={rtol})"
            )
    return True
