"""A layer is a matrix multiply: the fusion pass over a recorded program.

A network's graph, recorded one scalar at a time, holds each layer as many nodes of the
same shape: for every neuron, products ``w_j * x_j`` of its weights and the same inputs,
and one ``sum`` of them with its bias. This pass finds them in the program, sums that read
the same inputs in the same order, each product used by its sum alone, and replays each
such group as one matrix product,

    h = x @ W.T + b          (and its activation on all of h at once)

whose backward is two more: ``dL/dx = dL/dh @ W`` and ``dL/dW = dL/dh.T @ x`` summed over
the batch (and ``dL/db``, dL/dh summed). Everything else (the loss) replays one node at a
time. ``Tape.fused()`` prints the fused program: the student's own graph, read as the
tensor program it is. A model's W is a view of the array its parameters live in
(``micrograd_plus.parameters``): nothing is copied between the Values and the matrices.
"""

from __future__ import annotations

import heapq
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_plus.arrays import finite, on_arrays, passed_back
from micrograd_plus.engine import Value
from micrograd_plus.parameters import Numbers, matrix
from micrograd_plus.schedule import Instruction, formula

__all__ = ["ACTIVATIONS", "Fused", "Layer"]

Array = np.ndarray
Rows = Sequence[int] | Array  # rows of the program, in order
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


@dataclass(frozen=True)
class Layer:
    """Sums that are one matrix product: ``rows = W @ inputs + b`` (m sums of k inputs)."""

    rows: Array  # (m,) the sums' rows
    inputs: Array  # (k,) the rows every sum reads, in order
    weights: Array  # (m, k) the rows of the weight leaves
    biases: Array  # (m, c) the rows of the leaves each sum adds: its bias (c = 1), or none
    # (c = 0), or its bias and the 0 Python's sum() starts from (c = 2): b is their sum


@dataclass(frozen=True)
class Activation:
    """One activation on every sum of a layer: ``rows = f(inputs)``, element-wise."""

    op: str
    number: float | None
    rows: Array
    inputs: Array


@dataclass(frozen=True)
class Group:
    """Instructions of one op at one depth of the graph, none reading another, replayed
    as one numpy call (as ``schedule.Levels`` runs a whole program): ``rows = op(inputs)``,
    m instructions of k inputs each."""

    op: str
    number: float | None
    rows: Array  # (m,)
    inputs: Array  # (m, k)


@dataclass(frozen=True)
class LayerNumbers:
    """One layer of a replay over a batch, a row per sample: Z = X @ W.T + b and
    H = f(Z); after a backward, dL/dZ (and dL/dH) as it held them (times the seed: 1/batch
    for the mean), from which dL/dW = dL/dZ.T @ X, dL/db = the sum of dL/dZ's rows and
    dL/dX = dL/dZ @ W."""

    weight_name: str  # as the fused program names W: "L1.W"
    activation: str  # "relu", or "" for none
    X: Array  # (batch, k)
    W: Array  # (m, k)
    b: Array  # (m,)
    Z: Array  # (batch, m)
    H: Array | None  # f(Z), where an activation follows
    slope: Array | None  # f'(Z)
    dZ: Array | None  # after a backward
    dH: Array | None

    @property
    def dW(self) -> Array | None:
        return None if self.dZ is None else self.dZ.T @ self.X

    @property
    def db(self) -> Array | None:
        return None if self.dZ is None else self.dZ.sum(axis=0)

    @property
    def dX(self) -> Array | None:
        return None if self.dZ is None else self.dZ @ self.W


Unit = Layer | Activation | Instruction  # as the fused program is printed
Step = Layer | Activation | Group  # as it is replayed


@dataclass(frozen=True)
class _Reads:
    """Where some rows' values are, to gather them as columns and scatter gradients back:
    per block, its columns and their places among the rows; and the leaves among them."""

    parts: tuple[tuple[int, Array, Array, bool], ...]  # block, columns, places, columns unique
    leaves: Array  # the leaves' indices among the loose numbers ...
    leaf_places: Array  # ... and their places among the rows
    size: int


class Fused:
    """The fused replay: layers as matrix products, their activations as one call each,
    every other instruction grouped by depth and op as the levels replay does, one numpy
    call per group. Each step's result is a block of columns, a row per sample, as a
    tensor framework holds them: a layer's sums are one (batch, m) array, and no product
    inside a layer is ever made. What reads no input of the batch (a regularization term
    over the parameters, constants) is a block of one row, computed once per replay and
    broadcast; its gradient comes back summed over the batch. A layer's weights are read
    as a matrix straight from the model's store of parameters (``parameters.matrix``), and
    their gradient is added there, with no Python loop over the weights.

    ``forward(X)`` takes the tape's inputs, (batch, inputs); ``rows(which)`` reads
    computed rows back, (batch, rows); ``backward(row, seed)`` adds d row / d leaf,
    summed over the batch and times ``seed``, to each leaf's ``grad``, and returns d row /
    d input, (batch, inputs), where ``input_gradients`` asks for it (else None)."""

    def __init__(
        self,
        program: list[Instruction],
        leaves: dict[int, Value],
        inputs: list[int],
        input_gradients: bool = False,
    ):
        self.input_gradients = input_gradients
        self.units = _fuse(program, leaves)
        self.steps = _grouped(self.units)
        self.layers = sum(isinstance(unit, Layer) for unit in self.units)
        # where each computed row is, (block, column): block 0 holds the inputs, block
        # s + 1 what step s computes
        self.place = {row: (0, j) for j, row in enumerate(inputs)}
        for s, step in enumerate(self.steps):
            for j, row in enumerate(step.rows):
                self.place[int(row)] = (s + 1, j)
        self.matrices = {  # each layer's W and b
            s: (_Matrix(step.weights, leaves), _Matrix(step.biases, leaves))
            for s, step in enumerate(self.steps)
            if isinstance(step, Layer)
        }
        # the leaves read as numbers (a loss's constants, say): all of them at once
        read = (int(i) for step in self.steps for i in np.ravel(step.inputs))  # W and b aside
        loose = list(dict.fromkeys(i for i in read if i in leaves))
        self.loose = Numbers([leaves[i] for i in loose])
        self.loose_at = {row: i for i, row in enumerate(loose)}
        self.loose_values = np.empty((1, 0))
        self.sources = {  # a layer or activation reading one block's columns as they are
            s: self._block_of(step.inputs)
            for s, step in enumerate(self.steps)
            if not isinstance(step, Group)
        }
        self.reads = {  # every other read: gathered (a sum's inputs all at once)
            (s, j): self._reads(column)
            for s, step in enumerate(self.steps)
            for j, column in enumerate(_read_columns(step))
            if isinstance(step, Group) or self.sources[s] is None
        }
        self.blocks: list[Array] = []
        self.saved: list[Any] = []  # per step, what its backward needs
        self.upstream: dict[int, Array] = {}  # per layer and activation: d out / d its rows

    @property
    def numbers_per_sample(self) -> int:
        """How many numbers a forward keeps per sample: every computed row, and the
        local derivatives of activations and groups."""
        saved = sum(step.inputs.size for step in self.steps if not isinstance(step, Layer))
        return len(self.place) + saved

    def _block_of(self, rows: Rows) -> tuple[int, int] | None:
        """(block, first column) where the rows are one block's columns in order."""
        first = self.place.get(int(rows[0]))
        if first is None:
            return None
        block, start = first
        if all(self.place.get(int(r)) == (block, start + j) for j, r in enumerate(rows)):
            return first
        return None

    def _reads(self, rows: Rows) -> _Reads:
        by_block: dict[int, tuple[list[int], list[int]]] = {}
        leaves: list[int] = []
        leaf_places: list[int] = []
        for place, row in enumerate(int(r) for r in rows):
            if row in self.place:
                block, column = self.place[row]
                columns, places = by_block.setdefault(block, ([], []))
                columns.append(column)
                places.append(place)
            elif row in self.loose_at:
                leaves.append(self.loose_at[row])
                leaf_places.append(place)
            else:
                raise ValueError(
                    f"the fused replay does not compute row {row} (a product or a partial "
                    "sum inside a layer's matrix product): replay with schedule='levels' "
                    "to read it"
                )
        parts = tuple(
            (block, np.array(columns), np.array(places), len(set(columns)) == len(columns))
            for block, (columns, places) in by_block.items()
        )
        return _Reads(
            parts, np.array(leaves, dtype=np.intp), np.array(leaf_places, dtype=np.intp), len(rows)
        )

    def _gather(self, reads: _Reads) -> Array:
        """The rows' values, (batch, rows), or (1, rows) where none depends on the batch."""
        height = max((len(self.blocks[block]) for block, *_ in reads.parts), default=1)
        out = np.empty((height, reads.size))
        for block, columns, places, _ in reads.parts:
            out[:, places] = self.blocks[block][:, columns]
        out[:, reads.leaf_places] = self.loose_values[:, reads.leaves]
        return out

    def forward(self, X: Array) -> None:
        self.blocks = [X]
        self.saved = []
        self.loose_values = self.loose.data()[None, :]
        for s, step in enumerate(self.steps):
            if isinstance(step, Layer):
                weights, biases = self.matrices[s]
                source = self.sources[s]
                x = (
                    self.blocks[source[0]][:, source[1] : source[1] + len(step.inputs)]
                    if source is not None  # a view: the layer reads a block as it is
                    else self._gather(self.reads[s, 0])
                )
                W = weights.read()  # a copy: a step before backward cannot change it
                h = x @ W.T  # h = x @ W.T + b
                h += biases.read().sum(axis=1)
                self.blocks.append(h)
                self.saved.append((x, W))
            elif isinstance(step, Activation):
                h = self.blocks[self.place[int(step.inputs[0])][0]]  # the layer's block
                out, local = on_arrays(step.op, [h], step.number)
                self.blocks.append(out)
                self.saved.append(local[0])
            elif step.op == "sum":  # k inputs each: one reduction, not k - 1 additions
                m, k = step.inputs.shape
                terms = self._gather(self.reads[s, 0])
                self.blocks.append(terms.reshape(len(terms), m, k).sum(axis=2))
                self.saved.append(k)
            else:
                xs = [self._gather(self.reads[s, j]) for j in range(step.inputs.shape[1])]
                out, local = on_arrays(step.op, xs, step.number)
                self.blocks.append(np.asarray(out, dtype=np.float64).reshape(-1, len(step.rows)))
                self.saved.append(local)

    def rows(self, which: Rows) -> Array:
        """Computed rows' values over the batch, (batch, rows)."""
        values = self._gather(self._reads(which))
        return np.broadcast_to(values, (len(self.blocks[0]), values.shape[1]))

    def backward(self, row: int, seed: float) -> Array | None:
        grads: list[Array | None] = [None] * len(self.blocks)  # d row / d each block
        block, column = self.place[row]
        grads[block] = start = np.zeros_like(self.blocks[block])
        # a row computed once stands for every sample: its seed counts once per sample
        start[:, column] = seed * (len(self.blocks[0]) if len(start) == 1 else 1)
        loose = np.zeros(self.loose_values.shape[1])
        self.upstream = {}
        for s in reversed(range(len(self.steps))):
            step, saved, upstream = self.steps[s], self.saved[s], grads[s + 1]
            grads[s + 1] = None  # used once: its memory goes back (layers' kept, small)
            if upstream is None:  # nothing this step computes reaches the output
                continue
            if not isinstance(step, Group):
                self.upstream[s] = upstream
            if isinstance(step, Layer):
                x, W = saved
                weights, biases = self.matrices[s]
                weights.add_grad(upstream.T @ x)  # dL/dW = dL/dh.T @ x
                column_sums = upstream.sum(axis=0)[:, None]  # dL/db: dL/dh over the batch
                # each leaf a sum adds gets it all
                biases.add_grad(np.repeat(column_sums, step.biases.shape[1], axis=1))
                self._pass_back(grads, loose, s, 0, upstream @ W, fresh=True)
            elif isinstance(step, Activation):
                gradient = passed_back(saved, upstream, finite(upstream))
                if gradient is not None:  # new, or the upstream no other step holds
                    self._pass_back(grads, loose, s, 0, gradient, fresh=True)
            elif step.op == "sum":  # each term's local derivative is 1
                self._pass_back(grads, loose, s, 0, np.repeat(upstream, saved, axis=1))
            else:
                upstream_finite = finite(upstream)
                for j, local in enumerate(saved):
                    gradient = passed_back(local, upstream, upstream_finite)
                    if gradient is not None:
                        self._pass_back(grads, loose, s, j, gradient)
        self.loose.add_grad(loose)
        return grads[0]

    def _pass_back(
        self,
        grads: list[Array | None],
        loose: Array,
        s: int,
        j: int,
        gradient: Array,
        fresh: bool = False,
    ) -> None:
        """Add ``gradient``, (batch or 1, rows), to the gradients of the rows step s reads
        in its input j: into their blocks' (a block of one row takes it summed over the
        batch), and the leaves', summed. ``fresh``: nothing else holds ``gradient``, so a
        block's first contribution can be it, not a copy."""
        source = self.sources.get(s)
        if source is not None:
            block, start = source
            parts: tuple[tuple[int, Any, Any, bool], ...] = (
                (block, slice(start, start + gradient.shape[1]), slice(None), True),
            )
            leaves = None
        else:
            reads = self.reads[s, j]
            parts, leaves = reads.parts, reads

        def whole(columns: Any) -> bool:  # every column of the block, in order
            return isinstance(columns, slice) or bool(np.all(columns == np.arange(len(columns))))

        for block, columns, places, unique in parts:
            if block == 0 and not self.input_gradients:  # the inputs need no gradient
                continue
            part = gradient[:, places]
            if len(self.blocks[block]) == 1 and len(part) > 1:  # computed once: summed
                part = part.sum(axis=0, keepdims=True)
            target = grads[block]
            if target is None and part.shape == self.blocks[block].shape and whole(columns):
                grads[block] = part if fresh else np.array(part)  # the whole block's first
                continue
            if target is None:
                target = grads[block] = np.zeros_like(self.blocks[block])
            if unique:
                target[:, columns] += part
            else:  # a row read twice by one group: both contributions
                np.add.at(target.T, columns, part.T)
        if leaves is not None and len(leaves.leaves):
            np.add.at(loose, leaves.leaves, gradient[:, leaves.leaf_places].sum(axis=0))

    def layer_numbers(self, names: list[str]) -> list[LayerNumbers]:
        """Each layer of the last replay as a course writes it for a batch, a row per
        sample (see ``LayerNumbers``), named as the fused program names it."""
        out: list[LayerNumbers] = []
        activations = {
            int(step.inputs[0]): s
            for s, step in enumerate(self.steps)
            if isinstance(step, Activation)
        }
        for s, step in enumerate(self.steps):
            if not isinstance(step, Layer):
                continue
            x, W = self.saved[s]
            prefix = _prefix(names[int(step.weights[0, 0])])
            weights = [names[int(r)] for r in step.weights.ravel()]
            after = activations.get(int(step.rows[0]))
            act = self.steps[after] if after is not None else None
            Z = self.blocks[s + 1]
            H = slope = dH = None
            if after is not None:  # the activation's numbers
                H, dH = self.blocks[after + 1], self.upstream.get(after)
                slope = np.broadcast_to(self.saved[after], Z.shape)
            numbers = LayerNumbers(
                weight_name=_matrix_name(weights, prefix, "W"),
                activation=act.op if isinstance(act, Activation) else "",
                X=x,
                W=W,
                b=self.matrices[s][1].read().sum(axis=1),
                Z=Z,
                H=H,
                slope=slope,
                dZ=self.upstream.get(s),
                dH=dH,
            )
            out.append(numbers)
        return out

    def text(self, names: list[str], inputs: set[int]) -> list[str]:
        """The fused program: ``h1 = relu(x @ L1.W.T + L1.b)``, then the rest line by line
        (a layer's output i is ``h1[i]``); sums of products of computed numbers (attention's
        ``q . k``, its weighted sum of values) as products of the vectors and matrices they
        are, ``[v52, v60] = h6[0:4] @ [h1[4:8]; h6[4:8]].T``, where the names allow."""
        shown = list(names)
        lines = []
        layer_names: dict[int, str] = {}
        pending: dict[int, str] = {}  # a layer's rows -> its product, before its activation
        dots = _dot_products(self.units, inputs)
        hidden = {r for pairs in dots.values() for pair in pairs for r in pair[2:]}
        merged: set[int] = set()  # dot rows already printed with an earlier one
        done = set(inputs)  # rows printed so far
        for unit in self.units:
            done |= set(_rows(unit))
            if isinstance(unit, Instruction) and unit.row in dots:
                if unit.row not in merged:
                    group = _same_left(unit.row, dots, done, merged)
                    merged |= set(group)
                    lines.append(_dot_line(group, dots, shown))
                continue
            if isinstance(unit, Instruction) and unit.row in hidden:
                continue
            if isinstance(unit, Layer):
                source = _source(unit.inputs, shown, inputs)
                prefix = _prefix(names[int(unit.weights[0, 0])])
                W = _matrix_name([names[int(r)] for r in unit.weights.ravel()], prefix, "W")
                added = [
                    _matrix_name([names[int(r)] for r in column], prefix, "b")
                    for column in unit.biases.T
                ]
                if len(added) > 1:  # Python's sum() starts from 0: no term of its own
                    added = [name for name in added if not _zero(name)] or added[:1]
                product = " + ".join([f"{source} @ {W}.T", *added])
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
                    lines[-1] = f"{name} = {formula(unit.op, unit.number, [pending[first]])}"
                else:
                    lines.append(f"{name} = {formula(unit.op, unit.number, [name])}")
                for i, row in enumerate(unit.rows):
                    shown[int(row)] = f"{name}[{i}]"
            else:
                args = [shown[i] for i in unit.inputs]
                lines.append(f"{shown[unit.row]} = {unit.formula(args)}")
        return lines


def _dot_products(units: list[Unit], inputs: set[int]) -> dict[int, list[tuple[int, ...]]]:
    """The sums whose every term is a product of two computed numbers, each read by that
    sum alone: per sum, its terms as (left, right, product row)."""
    by_row = {unit.row: unit for unit in units if isinstance(unit, Instruction)}
    computed = set(inputs) | {r for unit in units for r in _rows(unit)}
    users: dict[int, int] = {}
    for unit in units:
        for r in np.ravel(unit.inputs):
            users[int(r)] = users.get(int(r), 0) + 1
    dots: dict[int, list[tuple[int, ...]]] = {}
    for row, ins in by_row.items():
        if ins.op not in SUMS:
            continue
        terms = [by_row.get(r) for r in ins.inputs]
        if all(
            t is not None and t.op == "*" and users.get(t.row) == 1 and set(t.inputs) <= computed
            for t in terms
        ):
            dots[row] = [(*t.inputs, t.row) for t in terms if t is not None]
    return dots


def _same_left(
    first: int, dots: dict[int, list[tuple[int, ...]]], done: set[int], merged: set[int]
) -> list[int]:
    """The dot sums that take the same left vector as ``first`` (one query against every
    key; one row of weights against every value column), all of whose right operands are
    computed by now: printed together, as one product."""
    left = [pair[0] for pair in dots[first]]
    return [first] + [
        row
        for row, pairs in dots.items()
        if row != first
        and row not in merged
        and [pair[0] for pair in pairs] == left
        and all(pair[1] in done for pair in pairs)
    ]


def _vector(names: list[str]) -> str:
    """Names as one vector: ``h1[4:8]`` for h1[4], ..., h1[7]; else ``[a, b, c]``."""
    parts = [name.rpartition("[") for name in names]
    if all(sep and name.endswith("]") for name, (_, sep, _) in zip(names, parts)):
        heads = {head for head, _, _ in parts}
        digits = [tail[:-1] for _, _, tail in parts]
        if len(heads) == 1 and all(d.isdigit() for d in digits):
            start = int(digits[0])
            if [int(d) for d in digits] == list(range(start, start + len(names))):
                return (
                    f"{heads.pop()}[{start}:{start + len(names)}]" if len(names) > 1 else names[0]
                )
    return f"[{', '.join(names)}]"


def _dot_line(group: list[int], dots: dict[int, list[tuple[int, ...]]], shown: list[str]) -> str:
    """``v52 = h1[0:4] . h1[4:8]``, or for several sums with one left vector, that vector
    times the matrix of the right ones: a row per sum (``[...].T``), or a row per term
    where the columns read as vectors (values: a row per position)."""
    left = _vector([shown[pair[0]] for pair in dots[group[0]]])
    rights = [[shown[pair[1]] for pair in dots[row]] for row in group]
    out = shown[group[0]] if len(group) == 1 else f"[{', '.join(shown[r] for r in group)}]"
    if len(group) == 1:
        return f"{out} = {left} . {_vector(rights[0])}"
    rows = [_vector(r) for r in rights]
    columns = [_vector(list(c)) for c in zip(*rights)]
    rows_read, columns_read = (all(not v.startswith("[") for v in vs) for vs in (rows, columns))
    if columns_read and (not rows_read or len(columns) == 1):
        return f"{out} = {left} @ [{'; '.join(columns)}]"
    return f"{out} = {left} @ [{'; '.join(rows)}].T"


class _Matrix:
    """A layer's W, (m, k), or b, (m, 1): views of the Parameters' store where they lie on
    a grid of it, as a model's do (no copy; a gradient added to the view is added to each
    parameter's grad), else the leaves' numbers gathered, and their gradients scattered."""

    def __init__(self, rows: Array, leaves: dict[int, Value]) -> None:
        values = [[leaves[int(r)] for r in row] for row in rows]
        self.views = matrix(values)
        self.numbers = None if self.views else Numbers([v for row in values for v in row])
        self.shape = rows.shape

    def read(self) -> Array:
        if self.views is not None:
            return self.views[0].copy()
        assert self.numbers is not None
        return self.numbers.data().reshape(self.shape)

    def add_grad(self, gradient: Array) -> None:
        if self.views is not None:
            grad = self.views[1]
            grad += gradient  # in place: into the parameters' own grads
        else:
            assert self.numbers is not None
            self.numbers.add_grad(gradient.ravel())


def _read_columns(step: Step) -> list[Array]:
    """What a step reads, as the rows of each gather: a layer's inputs; a group's inputs
    slot by slot, or a sum's all at once (row by row, each one's k terms together)."""
    if not isinstance(step, Group):
        return [np.asarray(step.inputs)]
    return [step.inputs.ravel()] if step.op == "sum" else list(step.inputs.T)


def _grouped(units: list[Unit]) -> list[Step]:
    """The units as the replay runs them: the instructions no layer took grouped by depth
    (1 + the deepest input's) and op, each group one numpy call; layers and activations
    as they are; all in order of depth, so that every step comes after what it reads."""
    units = _chains_as_sums(units)
    depth: dict[int, int] = {}
    steps: list[tuple[int, Step]] = []
    groups: dict[tuple[int, str, str, int], list[Instruction]] = {}
    for unit in units:  # in an order that respects every read
        d = 1 + max((depth.get(int(i), 0) for i in np.ravel(unit.inputs)), default=0)
        for row in _rows(unit):
            depth[row] = d
        if isinstance(unit, Instruction):
            key = (d, unit.op, repr(unit.number), len(unit.inputs))  # nan groups with nan
            groups.setdefault(key, []).append(unit)
        else:
            steps.append((d, unit))
    for (d, op, _, k), members in groups.items():
        rows = np.array([m.row for m in members])
        inputs = np.array([m.inputs for m in members], dtype=np.intp).reshape(len(members), k)
        steps.append((d, Group(op, members[0].number, rows, inputs)))
    steps.sort(key=lambda item: item[0])
    return [step for _, step in steps]


def _chains_as_sums(units: list[Unit]) -> list[Unit]:
    """The instructions no layer took, with each chain of + (Python's sum() of a
    regularization term, a loop that accumulates) as one sum of all its terms: one
    reduction, not a level per term. Its partial sums are then not computed."""
    loose = [unit for unit in units if isinstance(unit, Instruction)]
    by_row = {ins.row: ins for ins in loose}
    users: dict[int, int] = {}
    for unit in units:
        for i in np.ravel(unit.inputs):
            users[int(i)] = users.get(int(i), 0) + 1
    read_by_sums = {i for ins in loose if ins.op in SUMS for i in ins.inputs}

    def _ends_a_chain(row: int) -> bool:  # not a partial sum: read by no sum, or by more
        return not (users.get(row) == 1 and row in read_by_sums)

    out: list[Unit] = []
    dropped: set[int] = set()
    for unit in reversed(units):
        if isinstance(unit, Instruction) and unit.row in dropped:
            continue
        if isinstance(unit, Instruction) and unit.op in SUMS and _ends_a_chain(unit.row):
            terms, partials = _terms(unit.row, by_row, users)
            if partials:
                dropped |= set(partials)
                unit = Instruction(unit.row, "sum", None, tuple(terms))
        out.append(unit)
    return out[::-1]


def _rows(unit: Unit) -> list[int]:
    """The rows a unit computes."""
    return [unit.row] if isinstance(unit, Instruction) else [int(r) for r in unit.rows]


def _source(rows: Array, shown: list[str], inputs: set[int]) -> str:
    """How a layer's inputs read: ``x`` for the tape's inputs, ``h1`` for a layer's outputs."""
    if all(int(r) in inputs for r in rows):
        return "x"
    first = shown[int(rows[0])]
    return first.split("[")[0] if "[" in first else f"[{', '.join(shown[int(r)] for r in rows)}]"


def _matrix_name(names: list[str], prefix: str, letter: str) -> str:
    """A layer's W or b by the student's names: ``L1.W`` in a model, ``wte`` where every
    entry has that label (or an unlabeled constant's number), ``layer0.attn_wq`` where
    every entry is a place of it (``layer0.attn_wq[3][1]``), ``[wq; wk; wv]`` where the
    rows come from several (three projections of one input, one product), else ``W``."""
    if prefix:
        return prefix + letter
    if len(set(names)) == 1:
        return names[0]
    if not all(name.endswith("]") for name in names):
        return letter
    tables = list(dict.fromkeys(name.split("[", 1)[0] for name in names))
    return tables[0] if len(tables) == 1 else f"[{'; '.join(tables)}]"


def _zero(name: str) -> bool:
    """A leaf named by its number, 0: the 0 Python's sum() starts from."""
    try:
        return float(name) == 0
    except ValueError:
        return False


def _prefix(weight_name: str) -> str:
    """``L2.`` for a weight named ``L2.N1.w0``: the layer's matrix is ``L2.W``."""
    head = weight_name.split(".")[0]
    return f"{head}." if head.startswith("L") and head[1:].isdigit() else ""


def _fuse(program: list[Instruction], parameters: Mapping[int, Value]) -> list[Unit]:
    """The program as units in an order that respects every read: layers, activations,
    and the instructions no layer took."""
    by_row = {ins.row: ins for ins in program}
    users: dict[int, int] = {}
    for ins in program:
        for i in ins.inputs:
            users[i] = users.get(i, 0) + 1
    # per sum: whether every term is a weight times an input or a leaf, looking through
    # the + and sums read only by it (the whole chain of Python's sum() or a loop), and
    # how many leaves it adds (a neuron adds at most two: its bias and sum()'s 0)
    shaped: dict[int, tuple[bool, int]] = {}
    for ins in program:
        if ins.op in SUMS:
            ok, added = True, 0
            for r in ins.inputs:
                inner = shaped.get(r) if users.get(r) == 1 else None
                if r in parameters:
                    added += 1
                elif inner is not None:
                    ok, added = ok and inner[0], added + inner[1]
                else:
                    ok = ok and _weighted_input(r, by_row, users, parameters) is not None
            shaped[ins.row] = (ok and added <= 2, added)
    groups: dict[tuple[Any, ...], list[tuple[int, list[int], list[int], list[int]]]] = {}
    claimed: set[int] = set()
    for ins in reversed(program):  # the whole sum first: its partial sums are not layers
        if not shaped.get(ins.row, (False, 0))[0] or ins.row in claimed:
            continue
        terms, partials = _terms(ins.row, by_row, users)
        found = _neuron(terms, by_row, users, parameters)
        if found is not None:
            weights, xs, biases, products = found
            key = (tuple(xs), len(biases))
            groups.setdefault(key, []).append((ins.row, weights, biases, products + partials))
            claimed |= set(partials)
    taken: set[int] = set()
    units: list[Unit] = []
    layer_of: dict[int, Layer] = {}
    for (read, _), members in groups.items():
        members.sort(key=lambda m: _stored(parameters[m[1][0]], m[0]))  # W's rows as stored
        leaves = [w for m in members for w in m[1]] + [b for m in members for b in m[2]]
        if len(set(leaves)) != len(leaves):  # a weight shared inside the layer: not one W
            continue
        layer = Layer(
            rows=np.array([m[0] for m in members]),
            inputs=np.array(read),
            weights=np.array([m[1] for m in members]),
            biases=np.array([m[2] for m in members], dtype=np.intp).reshape(len(members), -1),
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


SUMS = ("+", "sum")


def _stored(weight: Value, row: int) -> tuple[int, int]:
    """Where a layer's row goes in its W: by its first weight's place in the parameters'
    store (``[wq; wk; wv]`` stacked, however the program interleaves their uses), else
    in the program's order."""
    index = getattr(weight, "index", None)
    return (0, index) if isinstance(index, int) else (1, row)


def _terms(
    row: int, by_row: dict[int, Instruction], users: dict[int, int]
) -> tuple[list[int], list[int]]:
    """The terms of a sum however it is written, in order, and the partial sums on the
    way: ``Value.sum``'s inputs, Python's ``sum()`` (a chain of ``+`` from its start), a
    loop that accumulates. A ``+`` or sum read only by the next one is looked through."""
    terms: list[int] = []
    partials: list[int] = []
    pending = list(reversed(by_row[row].inputs))
    while pending:
        r = pending.pop()
        inner = by_row.get(r)
        if inner is not None and inner.op in SUMS and users.get(r) == 1:
            partials.append(r)
            pending += reversed(inner.inputs)
        else:
            terms.append(r)
    return terms, partials


def _weighted_input(
    row: int, by_row: dict[int, Instruction], users: dict[int, int], leaves: Container[int]
) -> tuple[int, int] | None:
    """(weight, input) where ``row`` is a weight (a leaf) times an input (not one), read
    by one sum alone, in either order; None for any other row (q . k has no leaf)."""
    product = by_row.get(row)
    if product is None or product.op != "*" or users.get(row) != 1:
        return None
    a, b = product.inputs
    if (a in leaves) == (b in leaves):
        return None
    return (a, b) if a in leaves else (b, a)


def _neuron(
    terms: list[int], by_row: dict[int, Instruction], users: dict[int, int], leaves: Container[int]
) -> tuple[list[int], list[int], list[int], list[int]] | None:
    """A neuron's sum: weights times distinct inputs, and the leaves it adds (its bias,
    anywhere: first as micrograd's ``sum(..., self.b)``, last, or none; Python's ``sum()``
    adds the 0 it starts from). Its weights, inputs, those leaves and its products."""
    weights, xs, biases, products = [], [], [], []
    for r in terms:
        pair = None if r in leaves else _weighted_input(r, by_row, users, leaves)
        if r in leaves:
            biases.append(r)
        elif pair is None:
            return None
        else:
            weights.append(pair[0])
            xs.append(pair[1])
            products.append(r)
    if not xs or len(set(xs)) != len(xs) or len(set(weights)) != len(weights) or len(biases) > 2:
        return None
    return weights, xs, biases, products


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
