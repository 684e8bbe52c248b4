"""Hypothesis strategies the tests share: random graphs of engine ops, and hard floats."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from micrograd_plus import Value

# Floats where ops break: overflow of exp, subnormals, 0, the kinks, infinities, nan.
EXTREMES = [-1000.0, -40.0, -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 40.0, 710.0, 1000.0]
HARD = st.sampled_from([*EXTREMES, math.inf, -math.inf, math.nan]) | st.floats(-50, 50)

# A program: each step applies one op to earlier nodes (leaves first), by index.
VALUE_OPS: dict[str, Callable[..., Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "neg": lambda a: -a,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "exp": Value.exp,
    "log": Value.log,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "abs": Value.abs,
}
BINARY = {"add", "sub", "mul", "div", "pow"}
Program = list[tuple[str, int, int]]


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[float], Program]:
    # Leaves on a grid of 0.001 (0 and the kinks included): no subnormal inputs whose
    # 1/x makes the two engines' roundings differ by more than any tolerance.
    leaves = draw(
        st.lists(st.integers(-3000, 3000).map(lambda k: k / 1000), min_size=1, max_size=4)
    )
    program: Program = []
    for step in range(draw(st.integers(1, 12))):
        available = len(leaves) + step
        op = draw(st.sampled_from(sorted(VALUE_OPS)))
        program.append(
            (op, draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1)))
        )
    return leaves, program


def run_program(program: Program, leaves: list[Any], ops: dict[str, Callable[..., Any]]) -> Any:
    """The program's last node, computed with ``ops`` (Values, floats or tensors)."""
    nodes = list(leaves)
    for op, i, j in program:
        args = (nodes[i], nodes[j]) if op in BINARY else (nodes[i],)
        nodes.append(ops[op](*args))
    return nodes[-1]
