"""A layer is a matrix multiply: the fusion pass over a recorded program.

A network's graph, recorded one scalar at a time, holds each layer as many nodes of the
same shape: for every neuron, products ``w_j * x_j`` of its weights and the same inputs,
and one ``sum`` of them with its bias. This pass finds them in the program, sums that read
the same inputs in the same order, each product used by its sum alone, and replays each
such group as one matrix product,

    h = x @ W.T + b          (and its activation on all of h at once)

whose backward is two more: ``dL/dx = dL/dh @ W`` and ``dL/dW = dL/dh.T @ x`` summed over
the batch. Everything else (the loss) replays one node at a time. ``Tape.fused()`` prints
the fused program: the student's own graph, read as the tensor program it is.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_plus.schedule import Instruction
from micrograd_plus.twins import TWINS

__all__ = ["ACTIVATIONS", "Fused", "Layer"]

Array = np.ndarray
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


@dataclass(frozen=True)
class Layer:
    """Sums that are one matrix product: ``rows = W @ inputs + b`` (m sums of k inputs)."""

    rows: Array  # (m,) the sums' rows
    inputs: Array  # (k,) the rows every sum reads, in order
    weights: Array  # (m, k) the rows of the weight leaves
    biases: Array  # (m,) the rows of the bias leaves


@dataclass(frozen=True)
class Activation:
    """One activation on every sum of a layer: ``rows = f(inputs)``, element-wise."""

    op: str
    number: float | None
    rows: Array
    inputs: Array


Unit = Layer | Activation | Instruction


class Fused:
    """The fused replay: layers as matrix products, their activations as one call each,
    every other instruction one at a time. It keeps only the rows it computes (no row for
    a product inside a layer) and the parameters as one vector, not a row per parameter
    per sample: memory grows with the activations, as a tensor framework's does.

    ``forward(columns, leaves)`` takes the tape's inputs (rows of ``inputs``, one column
    per sample) and every leaf's value (a vector over all rows); ``rows(which)`` reads
    computed rows back; ``backward(row, seed)`` returns d output / d leaf for every row,
    summed over the batch."""

    def __init__(self, program: list[Instruction], parameters: set[int], inputs: list[int]) -> None:
        self.units = _fuse(program, parameters)
        self.layers = sum(isinstance(unit, Layer) for unit in self.units)
        live = list(inputs)
        for unit in self.units:
            live += [unit.row] if isinstance(unit, Instruction) else [int(r) for r in unit.rows]
        self.where = {row: i for i, row in enumerate(live)}  # row -> its place in `values`
        self.inputs = np.array([self.where[r] for r in inputs], dtype=np.intp)
        self.locals: list[Any] = []
        self.values = np.empty((0, 0))
        self.leaves = np.empty(0)

    def _read(self, row: int) -> Array:
        """A row's values: computed, or a leaf's one number for every sample."""
        place = self.where.get(row)
        return (
            self.values[place]
            if place is not None
            else np.full(self.values.shape[1], self.leaves[row])
        )

    def forward(self, columns: Array, leaves: Array) -> None:
        self.values = np.empty((len(self.where), columns.shape[1]))
        self.values[self.inputs] = columns
        self.leaves = leaves
        self.locals = []
        where, values = self.where, self.values
        for unit in self.units:
            if isinstance(unit, Layer):
                weights = leaves[unit.weights]
                x = values[[where[int(r)] for r in unit.inputs]]
                out = weights @ x + leaves[unit.biases][:, None]
                values[[where[int(r)] for r in unit.rows]] = out
                self.locals.append((weights, x))
            elif isinstance(unit, Activation):
                forward, local = TWINS[unit.op]
                before = values[[where[int(r)] for r in unit.inputs]]
                values[[where[int(r)] for r in unit.rows]] = out = forward(before, n=unit.number)
                self.locals.append(local(before, out, n=unit.number)[0])
            else:
                forward, local = TWINS[unit.op]
                reads = [self._read(i) for i in unit.inputs]
                values[where[unit.row]] = out = forward(*reads, n=unit.number)
                self.locals.append(local(*reads, out, n=unit.number))

    def rows(self, which: list[int]) -> Array:
        return np.array([self._read(r) for r in which])

    def backward(self, row: int, seed: float) -> Array:
        where = self.where
        grads = np.zeros_like(self.values)
        grads[where[row]] = seed
        leaves = np.zeros_like(self.leaves)
        for unit, local in zip(reversed(self.units), reversed(self.locals)):
            if isinstance(unit, Layer):
                weights, x = local
                upstream = grads[[where[int(r)] for r in unit.rows]]  # (m, batch)
                grads[[where[int(r)] for r in unit.inputs]] += weights.T @ upstream
                leaves[unit.weights] += upstream @ x.T
                leaves[unit.biases] += upstream.sum(axis=1)
            elif isinstance(unit, Activation):
                upstream = grads[[where[int(r)] for r in unit.rows]]
                grads[[where[int(r)] for r in unit.inputs]] += local * upstream
            else:
                upstream = grads[where[unit.row]]
                for i, derivative in zip(unit.inputs, local):
                    if i in where:
                        grads[where[i]] += derivative * upstream
                    else:  # a leaf: its number is the same for every sample
                        leaves[i] += float(np.sum(derivative * upstream))
        return leaves

    def text(self, names: list[str], inputs: set[int]) -> list[str]:
        """The fused program: ``h1 = relu(x @ L1.W.T + L1.b)``, then the rest line by line
        (a layer's output i is ``h1[i]``)."""
        shown = list(names)
        lines = []
        layer_names: dict[int, str] = {}
        pending: dict[int, str] = {}  # a layer's rows -> its product, before its activation
        for unit in self.units:
            if isinstance(unit, Layer):
                source = _source(unit.inputs, shown, inputs)
                prefix = _prefix(names[int(unit.weights[0, 0])])
                product = f"{source} @ {prefix}W.T + {prefix}b"
                name = f"h{len(layer_names) + 1}"
                layer_names[int(unit.rows[0])] = name
                for i, row in enumerate(unit.rows):
                    shown[int(row)] = f"{name}[{i}]"
                pending[int(unit.rows[0])] = product
                lines.append(f"{name} = {product}")
            elif isinstance(unit, Activation):
                first = int(unit.inputs[0])
                name = layer_names[first]
                if lines and lines[-1] == f"{name} = {pending[first]}":
                    lines[-1] = f"{name} = {unit.op}({pending[first]})"
                else:
                    lines.append(f"{name} = {unit.op}({name})")
                for i, row in enumerate(unit.rows):
                    shown[int(row)] = f"{name}[{i}]"
            else:
                args = ", ".join(shown[i] for i in unit.inputs)
                lines.append(f"{shown[unit.row]} = {unit.op}({args})")
        return lines


def _source(rows: Array, shown: list[str], inputs: set[int]) -> str:
    """How a layer's inputs read: ``x`` for the tape's inputs, ``h1`` for a layer's outputs."""
    if all(int(r) in inputs for r in rows):
        return "x"
    first = shown[int(rows[0])]
    return first.split("[")[0] if "[" in first else f"[{', '.join(shown[int(r)] for r in rows)}]"


def _prefix(weight_name: str) -> str:
    """``L2.`` for a weight named ``L2.N1.w0``: the layer's matrix is ``L2.W``."""
    head = weight_name.split(".")[0]
    return f"{head}." if head.startswith("L") and head[1:].isdigit() else ""


def _fuse(program: list[Instruction], parameters: set[int]) -> list[Unit]:
    """The program as units in an order that respects every read: layers, activations,
    and the instructions no layer took."""
    by_row = {ins.row: ins for ins in program}
    users: dict[int, int] = {}
    for ins in program:
        for i in ins.inputs:
            users[i] = users.get(i, 0) + 1
    groups: dict[tuple[int, ...], list[tuple[int, list[int], int, list[int]]]] = {}
    for ins in program:
        if ins.op != "sum" or len(ins.inputs) < 2 or ins.inputs[-1] not in parameters:
            continue
        weights, xs = [], []
        for r in ins.inputs[:-1]:
            product = by_row.get(r)
            if product is None or product.op != "*" or users.get(r) != 1:
                break
            if product.inputs[0] not in parameters:
                break
            weights.append(product.inputs[0])
            xs.append(product.inputs[1])
        else:
            if len(set(xs)) == len(xs) and len(set(weights)) == len(weights):
                products = list(ins.inputs[:-1])
                groups.setdefault(tuple(xs), []).append(
                    (ins.row, weights, ins.inputs[-1], products)
                )
    taken: set[int] = set()
    units: list[Unit] = []
    layer_of: dict[int, Layer] = {}
    for read, members in groups.items():
        layer = Layer(
            rows=np.array([m[0] for m in members]),
            inputs=np.array(read),
            weights=np.array([m[1] for m in members]),
            biases=np.array([m[2] for m in members]),
        )
        for row, _, _, products in members:
            taken |= {row, *products}
        units.append(layer)
        for row in layer.rows:
            layer_of[int(row)] = layer
    # one activation on all of a layer's sums: one call
    activations: dict[tuple[int, str, str], list[Instruction]] = {}
    for ins in program:
        if ins.op in ACTIVATIONS and len(ins.inputs) == 1 and ins.inputs[0] in layer_of:
            first = int(layer_of[ins.inputs[0]].rows[0])
            activations.setdefault((first, ins.op, repr(ins.number)), []).append(ins)
    for (first, op, _), applied in activations.items():
        layer = layer_of[first]
        if len(applied) != len(layer.rows):
            continue
        order = {int(r): i for i, r in enumerate(layer.rows)}
        applied.sort(key=lambda ins: order[ins.inputs[0]])
        rows = np.array([ins.row for ins in applied])
        reads = np.array([ins.inputs[0] for ins in applied])
        units.append(Activation(op, applied[0].number, rows, reads))
        taken |= {ins.row for ins in applied}
    units += [ins for ins in program if ins.row not in taken]
    return _in_order(units, set(by_row))


def _in_order(units: list[Unit], computed: set[int]) -> list[Unit]:
    """The units sorted so that each comes after the units writing the rows it reads
    (Kahn's algorithm; ties kept in the order given)."""
    writes: dict[int, int] = {}
    reads: list[set[int]] = []
    for u, unit in enumerate(units):
        rows = [unit.row] if isinstance(unit, Instruction) else [int(r) for r in unit.rows]
        for r in rows:
            writes[r] = u
        read = {int(r) for r in unit.inputs}
        reads.append({r for r in read if r in computed})
    needs = [{writes[r] for r in read if r in writes} - {u} for u, read in enumerate(reads)]
    users: dict[int, list[int]] = {}
    for u, before in enumerate(needs):
        for b in before:
            users.setdefault(b, []).append(u)
    waiting = [len(before) for before in needs]
    ready = [u for u in range(len(units)) if not waiting[u]]
    heapq.heapify(ready)
    out: list[Unit] = []
    while ready:
        u = heapq.heappop(ready)
        out.append(units[u])
        for user in users.get(u, []):
            waiting[user] -= 1
            if not waiting[user]:
                heapq.heappush(ready, user)
    if len(out) != len(units):
        raise RuntimeError("the fused program has a cycle: this is a bug in micrograd_plus")
    return out
