"""A layer as a course writes it: the scalar graph's numbers as small matrices.

A layer of m neurons over k inputs is m weighted sums and m activations in the scalar
graph; a course writes the same as one equation, and its backward pass as three:

    z = W x + b,   h = f(z)
    delta = dL/dh * f'(z),   dL/dW = delta x^T,   dL/db = delta,   dL/dx = W^T delta

``layers(info)`` finds the neurons and layers of a model's graph (their parameters are
named ``L1.N2.w0``, ``L1.N2.b``: ``nn``'s names); ``forward_math`` and ``backward_math``
give one layer's (or one neuron's, a layer of one) matrices with their numbers, each entry
tied to the scalar node it is and the edge it travels (so a page can point at it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo

__all__ = ["Neuron", "backward_math", "forward_math", "layers", "shown_places", "three_digits"]

# The most rows or columns a matrix shows; a bigger one shows its first SHOWN - 2, a
# column (or row) of dots, and its last.
SHOWN = 8


@dataclass(frozen=True)
class Neuron:
    """One neuron in the scalar graph: z = sum_j w_j x_j + b, h = f(z)."""

    name: str  # "L1.N2"
    weights: tuple[Value, ...]  # w_0 .. w_{k-1}
    inputs: tuple[Value, ...]  # x_j, the other factor of w_j's product
    products: tuple[Value, ...]  # w_j * x_j
    bias: Value | None
    total: Value  # z
    activation: Value | None  # h = f(z), where a unary op follows the sum

    @property
    def out(self) -> Value:
        return self.activation if self.activation is not None else self.total


def layers(info: GraphInfo) -> dict[str, list[Neuron]]:
    """The graph's layers by name ("L1"), each its neurons in order, where every neuron
    of a layer reads the same inputs (a layer that is a matrix product). A neuron whose
    graph is not a weighted sum of its parameters (and at most one activation) is left
    out, and with it its layer."""
    by_group: dict[str, list[Value]] = {}
    for node in info.order:
        group = info.groups.get(node)
        if group:
            by_group.setdefault(group, []).append(node)
    neurons = [n for group, nodes in by_group.items() if (n := _neuron(info, group, nodes))]
    found: dict[str, list[Neuron]] = {}
    for neuron in sorted(neurons, key=lambda n: _numbers(n.name)):
        found.setdefault(neuron.name.split(".")[0], []).append(neuron)
    incomplete = {g.split(".")[0] for g in by_group} - {n.name.split(".")[0] for n in neurons}
    return {
        name: members
        for name, members in found.items()
        if name not in incomplete and all(m.inputs == members[0].inputs for m in members)
    }


def _numbers(name: str) -> tuple[int, ...]:
    return tuple(int(d) for d in re.findall(r"\d+", name))


def _neuron(info: GraphInfo, group: str, nodes: list[Value]) -> Neuron | None:
    names = {node: info.names[node] for node in nodes if info.kinds[node] == "parameter"}
    weights = sorted(
        (node for node, name in names.items() if re.fullmatch(r"w\d+", name.split(".")[-1])),
        key=lambda node: int(names[node].split(".")[-1][1:]),
    )
    biases = [node for node, name in names.items() if name.split(".")[-1] == "b"]
    products: list[Value] = []
    inputs: list[Value] = []
    for w in weights:
        found = [n for n in nodes if n.op == "*" and w in n.inputs and len(n.inputs) == 2]
        if len(found) != 1:
            return None
        products.append(found[0])
        inputs.append(found[0].inputs[1] if found[0].inputs[0] is w else found[0].inputs[0])
    terms = set(products) | set(biases)
    sums = [n for n in nodes if n.op in ("sum", "+") and terms == set(n.inputs)]
    if not weights or len(biases) > 1 or len(sums) != 1:
        return None
    total = sums[0]
    after = [n for n in nodes if len(n.inputs) == 1 and n.inputs[0] is total]
    return Neuron(
        group,
        tuple(weights),
        tuple(inputs),
        tuple(products),
        biases[0] if biases else None,
        total,
        after[0] if len(after) == 1 else None,
    )


def three_digits(x: float) -> str:
    """A matrix entry: 3 significant digits, plain or e-notation: 0.0969, -0.680, 1.23e+03."""
    return "0" if x == 0 else f"{x:#.3g}"


# An entry of a matrix on the page: [text, the scalar node's id, the edge's key, the
# number in full (for a quiz), its name by its place ("z-11", "W-2-0")]; None where rows
# or columns are left out.
Entry = list[str] | None


def _entry(info: GraphInfo, number: float, node: Value, edge: tuple[Value, int] | None) -> Entry:
    key = f"{info.ids[edge[0]]}-{edge[1]}" if edge else ""
    return [three_digits(number), info.ids[node], key, format_number(number)]


def shown_places(count: int, most: int = SHOWN) -> list[int | None]:
    """Which rows (or columns) a matrix shows: all, or the first few, a gap, the last."""
    if count <= most:
        return list(range(count))
    return [*range(most - 2), None, count - 1]


def _column(entries: list[Any]) -> list[Any]:
    return [entries[i] if i is not None else None for i in shown_places(len(entries))]


def _edge_of(product: Value, factor: Value) -> tuple[Value, int]:
    return product, product.inputs.index(factor)


def forward_math(info: GraphInfo, neurons: list[Neuron], name: str) -> dict[str, Any]:
    """z = W x + b and h = f(z), with the graph's numbers: W (a row per neuron), x, b,
    z and h as lists of entries (W as rows), for a page to draw."""
    first = neurons[0]
    rows = shown_places(len(neurons))
    columns = shown_places(len(first.weights))

    def row(neuron: Neuron) -> list[Entry]:
        return [
            None
            if j is None
            else _entry(
                info,
                neuron.weights[j].data,
                neuron.weights[j],
                _edge_of(neuron.products[j], neuron.weights[j]),
            )
            for j in columns
        ]

    return _named(
        len(neurons),
        len(first.weights),
        {
            "phase": "forward",
            "name": name,
            "activation": _activation(first),
            "W": [row(neurons[i]) if i is not None else None for i in rows],
            "x": _column(
                [
                    _entry(info, x.data, x, _edge_of(first.products[j], x))
                    for j, x in enumerate(first.inputs)
                ]
            ),
            "b": _column([_bias(info, n) for n in neurons]),
            "z": _column([_entry(info, n.total.data, n.total, None) for n in neurons]),
            "h": _column([_entry(info, n.out.data, n.out, None) for n in neurons])
            if first.activation is not None
            else None,
        },
    )


def backward_math(
    info: GraphInfo, neurons: list[Neuron], name: str, grads: Mapping[Value, float]
) -> dict[str, Any]:
    """delta = dL/dh * f'(z), dL/dW = delta x^T, dL/db = delta, dL/dx = W^T delta, each
    entry the gradient the scalar graph holds (``grads``, as of this step)."""
    first = neurons[0]
    rows = shown_places(len(neurons))
    columns = shown_places(len(first.weights))

    def grad(node: Value, edge: tuple[Value, int] | None = None) -> Entry:
        return _entry(info, grads.get(node, 0.0), node, edge)

    def slope(n: Neuron) -> Entry:
        assert n.activation is not None
        return _entry(info, n.activation.local_derivatives[0], n.activation, (n.activation, 0))

    return _named(
        len(neurons),
        len(first.weights),
        {
            "phase": "backward",
            "name": name,
            "activation": _activation(first),
            "dh": _column([grad(n.out) for n in neurons]) if first.activation is not None else None,
            "slope": _column([slope(n) for n in neurons]) if first.activation is not None else None,
            "delta": _column([grad(n.total) for n in neurons]),
            "dW": [
                [
                    None if j is None else grad(n.weights[j], _edge_of(n.products[j], n.weights[j]))
                    for j in columns
                ]
                if (n := neurons[i] if i is not None else None)
                else None
                for i in rows
            ],
            "db": _column([grad(n.bias) if n.bias is not None else None for n in neurons]),
            "x": _column([_entry(info, x.data, x, None) for x in first.inputs]),
            "dx": _column(
                [grad(x, _edge_of(first.products[j], x)) for j, x in enumerate(first.inputs)]
            ),
        },
    )


def _named(m: int, k: int, math: dict[str, Any]) -> dict[str, Any]:
    """Each entry given its name by its place in the whole matrix (rows and columns left
    out counted): "z-11" in a column of m (or k) entries, "W-2-0" in W (m x k)."""
    for key, value in math.items():
        if not isinstance(value, list):
            continue
        if key in ("W", "dW"):
            for i, row in zip(shown_places(m), value):
                for j, entry in zip(shown_places(k), row or []):
                    if entry is not None and i is not None and j is not None:
                        entry.append(f"{key}-{i}-{j}")
        else:
            size = k if key in ("x", "dx") else m
            for i, entry in zip(shown_places(size), value):
                if entry is not None and i is not None:
                    entry.append(f"{key}-{i}")
    return math


def _bias(info: GraphInfo, neuron: Neuron) -> Entry:
    if neuron.bias is None:
        return None
    return _entry(info, neuron.bias.data, neuron.bias, _edge_of(neuron.total, neuron.bias))


def _activation(neuron: Neuron) -> str:
    return neuron.activation.op if neuron.activation is not None else ""
