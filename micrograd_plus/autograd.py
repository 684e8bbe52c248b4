"""Gradients of gradients: ``grad(output, inputs, create_graph=True)`` gives derivatives
as Values whose own graphs can be differentiated again, to any order.

The engine keeps each node's local derivatives as numbers, which is all ``backward()``
needs; numbers cannot be differentiated again. So each op's local derivatives are also
written here as Value expressions of the node's inputs and of the node itself (``RULES``,
keyed by op, as autodidax keeps its rules), and the chain rule is run with Value ops:

    grad_of[input] = grad_of[input] + local_derivative(input) * grad_of[node]

which records a graph of its own: the derivative's graph. ``tests/test_autograd.py``
checks every rule against the engine's numbers at random points, and the derivatives of
every order against PyTorch's. Where PyTorch's derivative is piecewise (relu, abs, the
clamp in BCE, ``0 ** n``), the piece that holds at the node's numbers is taken, as
PyTorch does: relu'' = 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from micrograd_plus import floats
from micrograd_plus.engine import Value, enable_grad

__all__ = ["RULES", "grad", "local_derivatives"]

Rule = Callable[[tuple[Value, ...], Value, float], tuple[Value | float, ...]]


def _power(a: Value, n: Value, out: Value) -> tuple[Value | float, ...]:
    """out = a ** n, n a Value:  d/da = n * a**(n - 1) (0 where n = 0),  d/dn =
    out * log(a) (0 where a = 0 and n >= 0)."""
    d_da: Value | float = 0.0 if n.data == 0 else n * a ** (n - 1)
    d_dn: Value | float = 0.0 if a.data == 0 and n.data >= 0 else out * a.log()
    return d_da, d_dn


def _bce(p: Value, y: Value) -> tuple[Value | float, ...]:
    """d/dp = (p - y) / max(p (1 - p), eps),  d/dy = -log(p / (1 - p)), as PyTorch."""
    spread = p * (1 - p)
    d_dp = (p - y) / spread if spread.data > floats.BCE_EPSILON else (p - y) / floats.BCE_EPSILON
    return d_dp, -(p / (1 - p)).log()


# Each op's local derivatives as Values: (inputs, the node itself, its op_number or 0) ->
# one per input. A float is a constant: nothing flows through it to a higher derivative.
RULES: dict[str, Rule] = {
    "+": lambda xs, out, n: (1.0, 1.0),
    "-": lambda xs, out, n: (1.0, -1.0),
    "neg": lambda xs, out, n: (-1.0,),
    "*": lambda xs, out, n: (xs[1], xs[0]),
    "/": lambda xs, out, n: (1 / xs[1], -(out / xs[1])),
    "**": lambda xs, out, n: _power(xs[0], xs[1], out),
    "**n": lambda xs, out, n: (0.0 if n == 0 else n * xs[0] ** (n - 1),),
    "sum": lambda xs, out, n: (1.0,) * len(xs),
    "exp": lambda xs, out, n: (out,),
    "log": lambda xs, out, n: (1 / xs[0],),
    "tanh": lambda xs, out, n: (1 - out * out,),
    "sigmoid": lambda xs, out, n: (out * (1 - out),),
    "relu": lambda xs, out, n: (1.0 if xs[0].data > 0 else 0.0,),
    "leaky_relu": lambda xs, out, n: (1.0 if xs[0].data > 0 else n,),
    "abs": lambda xs, out, n: (1.0 if xs[0].data > 0 else -1.0 if xs[0].data < 0 else 0.0,),
    "step": lambda xs, out, n: (0.0,),
    "bce": lambda xs, out, n: _bce(xs[0], xs[1]),
    "bce_with_logits": lambda xs, out, n: (xs[0].sigmoid() - xs[1], -xs[0]),
}


def local_derivatives(node: Value) -> tuple[Value | float, ...]:
    """``node``'s local derivatives as Values (a graph of its inputs), by ``RULES``."""
    if node.op not in RULES:
        raise ValueError(
            f"the op {node.op!r} has no rule in micrograd_plus.autograd.RULES: a derivative "
            "graph can be built through the engine's ops and the losses' only"
        )
    number = 0.0 if node.op_number is None else node.op_number
    return RULES[node.op](node.inputs, node, number)


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
            grads[inp] = grads[inp] + local * g if inp in grads else local * g
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
            contribution = _times(local, g)
            grads[inp] = grads[inp] + contribution if inp in grads else contribution
    return grads


def _times(a: Value | float, b: Value | float) -> Value | float:
    """a * b, with a float 1 left out of the graph (most local derivatives are 1)."""
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
