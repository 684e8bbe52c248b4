"""Each op's numpy twin: its forward value and its local derivatives, element-wise on
arrays, written as ``engine.py`` (and ``losses.py``, ``nn.Perceptron``) write them on
floats. The tape replays a graph with these; ``tests/test_extremes.py`` checks each twin
against its scalar op bit for bit at the extremes of float64, and ``tests/test_tape.py``
at random points.

Each entry is ``(forward, local)``: ``forward(*inputs, n=number)`` gives the value and
``local(*inputs, out, n=number)`` one local derivative per input, where ``number`` is
the one an op carries (the exponent of ``**2``, leaky_relu's slope), or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd_plus.floats import BCE_EPSILON

__all__ = ["TWINS", "sigmoid"]

Array = np.ndarray
Forward = Callable[..., Array]  # (input arrays..., n) -> value
Locals = Callable[..., tuple[Any, ...]]  # (input arrays..., out, n) -> local derivatives


def sigmoid(a: Array) -> Array:
    """1 / (1 + exp(-a)), as the engine (floats.sigmoid): 0 where exp(-a) overflows."""
    return np.asarray(1.0 / (1.0 + np.exp(-a)))


def _power_by_number(a: Array, n: float) -> Array:
    """a ** n for a constant n, as the engine (floats.power_by_number) and PyTorch."""
    if n == 0:
        out = np.ones_like(a)
    elif n == 1:
        out = a
    elif n == 2:
        out = a * a
    elif n == 3:
        out = a * a * a
    elif n == -1:
        out = 1.0 / a
    elif n == -2:
        out = 1.0 / (a * a)
    elif n == 0.5:
        out = np.sqrt(a)
    elif n == -0.5:
        out = 1.0 / np.sqrt(a)
    else:
        out = np.power(a, n)
    return np.asarray(out)


def _relu(a: Array) -> Array:
    """max(0, a) as the engine and PyTorch: relu(-0.0) = -0.0, relu(nan) = nan. np.maximum
    is the fast way, but gives +0.0 for -0.0: where a is a zero, a itself is the answer."""
    out = np.maximum(a, 0.0)
    zeros = a == 0
    if zeros.any():
        out[zeros] = a[zeros]
    return np.asarray(out)


def _power_base(a: Array, n: Any, power: Callable[[Array, Any], Array]) -> Any:
    """d(a ** n)/da = n * a ** (n - 1), and 0 where n == 0 (as the engine and PyTorch)."""
    return np.where(n == 0, 0.0, n * power(a, n - 1.0))


# Each op's numpy twin: (forward, local derivatives), element-wise on arrays.
TWINS: dict[str, tuple[Forward, Locals]] = {
    "+": (lambda a, b, n: a + b, lambda a, b, out, n: (1.0, 1.0)),
    "-": (lambda a, b, n: a - b, lambda a, b, out, n: (1.0, -1.0)),
    "neg": (lambda a, n: -a, lambda a, out, n: (-1.0,)),
    "*": (lambda a, b, n: a * b, lambda a, b, out, n: (b, a)),
    "/": (lambda a, b, n: a / b, lambda a, b, out, n: (1.0 / b, -(out / b))),
    "**": (
        lambda a, b, n: np.power(a, b),
        lambda a, b, out, n: (
            _power_base(a, b, np.power),
            np.where((a == 0) & (b >= 0), 0.0, out * np.log(a)),
        ),
    ),
    "**n": (
        lambda a, n: _power_by_number(a, n),
        lambda a, out, n: (_power_base(a, n, _power_by_number),),
    ),
    "sum": (lambda *xs, n: sum(xs[1:], xs[0]), lambda *xs, n: (1.0,) * (len(xs) - 1)),
    "exp": (lambda a, n: np.exp(a), lambda a, out, n: (out,)),
    "log": (lambda a, n: np.log(a), lambda a, out, n: (1.0 / a,)),
    "tanh": (lambda a, n: np.tanh(a), lambda a, out, n: (1.0 - out * out,)),
    "sigmoid": (lambda a, n: sigmoid(a), lambda a, out, n: (out * (1.0 - out),)),
    "relu": (
        lambda a, n: _relu(a),
        lambda a, out, n: (~(a <= 0),),  # 1 (True) where a > 0, and where a is nan
    ),
    "leaky_relu": (
        lambda a, n: np.where(a > 0, a, n * a),
        lambda a, out, n: (np.where(a > 0, 1.0, n),),
    ),
    "abs": (
        lambda a, n: np.abs(a),
        lambda a, out, n: (np.where(a > 0, 1.0, np.where(a < 0, -1.0, 0.0)),),
    ),
    # the perceptron's step (nn.Perceptron.step): flat wherever it is defined
    "step": (lambda z, n: np.where(z >= 0, 1.0, 0.0), lambda z, out, n: (0.0,)),
    # the ops losses.py makes with op_result, with the target as their second input
    "bce": (
        lambda p, y, n: (
            (y - 1.0) * np.maximum(np.log1p(-p), -100.0) - y * np.maximum(np.log(p), -100.0)
        ),
        lambda p, y, out, n: (
            (p - y) / np.maximum(p * (1.0 - p), BCE_EPSILON),
            -np.log(p / (1.0 - p)),
        ),
    ),
    "bce_with_logits": (
        lambda z, y, n: (
            (1.0 - y) * np.maximum(z, 0.0) - y * np.minimum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
        ),
        lambda z, y, out, n: (sigmoid(z) - y, -z),
    ),
}
