"""The table of ops on numpy arrays: the ``ARRAYS`` kit, with which each entry of
``micrograd_plus.ops`` computes on a row of the tape (one number per sample), and what
an input receives on the way back. Apart from ``ops`` so that Values and their table
load without numpy.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd_plus.ops import OPS

__all__ = ["ARRAYS", "finite", "on_arrays", "passed_back"]

Array = np.ndarray


def _sigmoid(a: Array) -> Array:
    """1 / (1 + exp(-a)), as floats.sigmoid: 0 where exp(-a) overflows."""
    return np.asarray(1.0 / (1.0 + np.exp(-a)))


def _power_by_number(a: Array, n: float) -> Array:
    """a ** n for a constant n, as floats.power_by_number (and PyTorch)."""
    special: dict[float, Callable[[Array], Any]] = {
        0.0: np.ones_like,
        1.0: lambda x: x,
        2.0: lambda x: x * x,
        3.0: lambda x: x * x * x,
        -1.0: lambda x: 1.0 / x,
        -2.0: lambda x: 1.0 / (x * x),
        0.5: np.sqrt,
        -0.5: lambda x: 1.0 / np.sqrt(x),
    }
    formula = special.get(n)
    return np.asarray(np.power(a, n) if formula is None else formula(a))


def _relu(a: Array) -> Array:
    """max(0, a) as floats: relu(-0.0) = -0.0, relu(nan) = nan. np.maximum gives +0.0 for
    -0.0: where a is a zero, a itself is the answer."""
    out = np.maximum(a, 0.0)
    zeros = a == 0
    if zeros.any():
        out[zeros] = a[zeros]
    return np.asarray(out)


class ARRAYS:
    """The same math element-wise on numpy arrays (a row of the tape: one number per sample)."""

    exp, log, log1p, tanh, abs = np.exp, np.log, np.log1p, np.tanh, np.abs
    divide, power, maximum, minimum, where, equal = (
        np.divide,
        np.power,
        np.maximum,
        np.minimum,
        np.where,
        np.equal,
    )
    sigmoid = staticmethod(_sigmoid)
    power_by_number = staticmethod(_power_by_number)
    relu = staticmethod(_relu)

    @staticmethod
    def total(values: list[Array]) -> Array:
        return np.asarray(sum(values[1:], values[0]))

    @staticmethod
    def largest(values: list[Array]) -> Array:
        return np.asarray(functools.reduce(np.maximum, values))  # nan where any is nan


def on_arrays(name: str, inputs: list[Array], n: float | None) -> tuple[Array, tuple[Any, ...]]:
    """The op ``name`` on arrays, a number per sample in each input: its value and its
    local derivatives (arrays, or a float where one holds for every sample)."""
    op = OPS[name]
    out = op.value(ARRAYS, *inputs, n)
    return out, op.local(ARRAYS, *inputs, out, n)


def finite(array: Array) -> bool:
    """No inf and no nan in ``array`` (one sum: either anywhere makes the sum so; a sum
    that overflows says False too, which costs only the careful way)."""
    return math.isfinite(np.add.reduce(array, axis=None))


def passed_back(local: Any, upstream: Array, upstream_finite: bool) -> Array | None:
    """What an input receives: ``local * upstream``, with nothing where the local
    derivative is 0, even times inf or nan (None: nothing at all). ``upstream_finite``
    (``finite(upstream)``, found once for all the inputs) says no such product exists."""
    if isinstance(local, float):
        return None if local == 0 else upstream if local == 1 else local * upstream
    product = np.multiply(local, upstream)
    if not upstream_finite:  # 0 * inf or 0 * nan: a zero passes nothing back
        product = np.where(local == 0, 0.0, product)
    return np.asarray(product)
