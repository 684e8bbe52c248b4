"""Gradients of gradients: ``grad(output, inputs, create_graph=True)`` gives derivatives
as Values whose own graphs can be differentiated again, to any order.

The engine keeps each node's local derivatives as numbers, which is all ``backward()``
needs; numbers cannot be differentiated again. So here each op's local derivatives are
computed from its entry in the table of ops (``micrograd_plus.ops``) with the ``VALUES``
kit: as Value expressions of the node's inputs and of the node itself. The chain rule is
then run with Value ops,

    grad_of[input] = grad_of[input] + local_derivative(input) * grad_of[node]

which records a graph of its own: the derivative's graph. ``tests/test_ops.py`` checks
every entry against the engine's numbers, and ``tests/test_autograd.py`` the derivatives
of every order against PyTorch's. Where a derivative is piecewise (relu, abs, BCE's
clamp, ``0 ** n``), the piece that holds at the node's numbers is taken, as PyTorch
does: relu'' = 0. A local derivative that is the constant 0 passes nothing back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from micrograd_plus.engine import Value, enable_grad
from micrograd_plus.ops import OPS, VALUES

__all__ = ["grad", "local_derivatives"]


def local_derivatives(node: Value) -> tuple[Value | float, ...]:
    """``node``'s local derivatives as Values (a graph of its inputs), by its op's entry
    in the table; a float is a constant: nothing flows through it to a higher derivative."""
    if node.op not in OPS:
        raise ValueError(
            f"the op {node.op!r} is not in the table of ops (micrograd_plus.ops): a "
            "derivative's graph is built from an op's entry there; add one with ops.define"
        )
    return OPS[node.op].local(VALUES, *node.inputs, node, node.op_number)


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Value | None, ...]:
    """d output / d input for each input, as ``torch.autograd.grad`` gives them for a
    scalar output: a tuple, one per input. Nothing is added to any ``.grad``.

    Without ``create_graph`` each result is a plain leaf Value. With it, each result is
    a Value computed by engine ops from the graph of ``output``, so ``grad`` (or
    ``backward()``) of it gives the next derivative. An input ``output`` does not depend
    on is a ``ValueError`` naming it, or ``None`` with ``allow_unused=True``. Results are
    labelled by what they are: ``dy/dx``.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad differentiates a Value, got {type(output).__name__}")
    wanted = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(f"input {i} must be a Value, got {type(x).__name__}")
    order = output.topological_order()
    existing = set(order)  # d(a*b)/da is b itself: a node of the user's, left as it is
    if create_graph:
        with enable_grad():
            found = _chain_rule_on_values(order, output)
    else:
        found = _chain_rule_on_numbers(order, output)
    results: list[Value | None] = []
    for i, x in enumerate(wanted):
        if x not in found:
            if not allow_unused:
                raise ValueError(
                    f"input {i} ({_name(x, f'x{i}')}) is not used to compute the output; "
                    "pass allow_unused=True to get None for it"
                )
            results.append(None)
            continue
        g = found[x]
        result = g if isinstance(g, Value) and create_graph else Value(_data(g))
        if result not in existing:  # a node grad made: named by what it is
            result.label = f"d{_name(output, 'y')}/d{_name(x, f'x{i}')}"
        results.append(result)
    return tuple(results)


def _chain_rule_on_numbers(order: list[Value], output: Value) -> dict[Value, float | Value]:
    """As ``backward()``, into a dict: every node's d output / d node, as numbers."""
    grads: dict[Value, float] = {output: 1.0}
    for node in reversed(order):
        g = grads.get(node)
        if g is None:
            continue
        for inp, local in zip(node.inputs, node.local_derivatives):
            contribution = local * g
            if contribution != contribution and not local:  # 0 * inf or 0 * nan: a zero
                contribution = 0.0  # local derivative passes nothing back
            grads[inp] = grads[inp] + contribution if inp in grads else contribution
    return dict(grads)


def _chain_rule_on_values(order: list[Value], output: Value) -> dict[Value, float | Value]:
    """The chain rule run with Value ops: every node's d output / d node as a Value whose
    graph reaches back into ``output``'s (a float where it is a constant)."""
    grads: dict[Value, Value | float] = {output: 1.0}
    for node in reversed(order):
        g = grads.get(node)
        if g is None or not node.inputs:
            continue
        for inp, local in zip(node.inputs, local_derivatives(node)):
            _add(grads, inp, _times(local, g))
    return grads


def _add(grads: dict[Value, Any], node: Value, contribution: Value | float) -> None:
    """grads[node] += contribution, where a constant 0 adds nothing to the graph (but
    marks the node as reached)."""
    if node not in grads or _is_zero(grads[node]):
        grads[node] = contribution
    elif not _is_zero(contribution):
        grads[node] = grads[node] + contribution


def _is_zero(x: Value | float) -> bool:
    return isinstance(x, float) and x == 0


def _times(a: Value | float, b: Value | float) -> Value | float:
    """local derivative a times gradient b, with a float 1 left out of the graph (most
    local derivatives are 1); a local derivative that is the constant 0 passes nothing
    back, even times inf or nan, and a constant gradient 0 times a finite local adds 0."""
    if _is_zero(a) or (_is_zero(b) and math.isfinite(_data(a))):
        return 0.0
    if isinstance(a, float) and a == 1.0:
        return b
    if isinstance(b, float) and b == 1.0:
        return a
    return a * b


def _data(g: Value | float) -> float:
    return g.data if isinstance(g, Value) else g


def _name(v: Value, fallback: str) -> str:
    """A Value's label as one unit: ``x``, or ``(x1*w1 + b)`` for an expression."""
    label = v.label or fallback
    return label if label.isidentifier() else f"({label})"
