"""Parameters whose numbers live in arrays: one Value each for the scalar engine, one
matrix per layer for a tensor program.

The scalar engine reads and writes a weight one number at a time (``w.data``,
``w.grad``); the tape multiplies a layer's weights as one matrix, and an optimizer moves
all of a model's weights at once. A ``Parameter`` is a Value whose data and grad are one
place in two float64 arrays, its store's ``data`` and ``grad``. Both views see the same
numbers, so nothing is copied between them, and ``model.parameters()`` stays the truth:

    w = model.parameters()[0]
    w.data = 0.5             # the scalar view ...
    w.store.data[w.index]    # ... and the array view: 0.5

A model's constructor puts all its parameters in one store, in ``parameters()`` order, so
a layer's weight matrix is a view of it (``matrix``): no copy, and a gradient added to
the view is added to each weight's ``grad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from micrograd_plus.engine import Value, as_float

__all__ = ["Numbers", "Parameter", "Store", "matrix", "new_parameters", "pack"]

Array = np.ndarray


class Store:
    """The numbers of many parameters: ``data`` and ``grad``, two float64 arrays that
    keep their memory for the store's life (Parameters read them through it)."""

    __slots__ = ("_data", "_grad", "numbers", "gradients")

    def __init__(self, data: Sequence[float] | Array, grad: Sequence[float] | Array | None = None):
        self._data = np.array(data, dtype=np.float64)
        self._grad = np.zeros_like(self._data) if grad is None else np.array(grad, np.float64)
        # memoryviews of the same memory: one element read as a Python float, fast
        self.numbers = self._data.data
        self.gradients = self._grad.data

    @property
    def data(self) -> Array:
        return self._data

    @property
    def grad(self) -> Array:
        return self._grad

    def __len__(self) -> int:
        return len(self._data)

    def __reduce__(self) -> tuple[Any, ...]:  # copied and pickled as its two arrays
        return (Store, (self._data, self._grad))

    def __repr__(self) -> str:
        return f"Store({len(self)} parameters)"


class Parameter(Value):
    """A leaf Value whose ``data`` and ``grad`` are place ``index`` of ``store``'s arrays.

    It is a Value in ops, backward, pictures, repr, equality and hashing (by identity),
    and ``copy.copy(w)`` is a weight of its own, as a copied Value is (PyTorch's copy of
    a Parameter shares its memory; this one does not). One difference: ``copy.deepcopy``
    or a pickle of one weight carries its whole store, so that a copied or pickled model
    keeps its numbers in one store (one weight of MLP(2, [100, 100, 1]) pickles to 168
    KB); ``Value(w.data)`` is the number alone. Value's ``_data`` slot stays empty: the
    number is in the store."""

    __slots__ = ("store", "index")

    def __init__(self, store: Store, index: int, label: str = "") -> None:
        """The Parameter at ``store[index]``, with the data and grad found there."""
        if type(label) is not str:
            raise TypeError(f"a label is text, got {type(label).__name__}: {label!r}")
        self.store, self.index, self.label = store, index, label
        # a leaf, whose data and grad stay the store's (a copied model keeps its grads);
        # Value.__init__ is not called, so Value's own _data slot is never filled
        self.op, self.op_number, self.inputs, self.local_derivatives = "", None, (), ()
        self.scope = ""

    @property
    def data(self) -> float:
        return self.store.numbers[self.index]

    @data.setter
    def data(self, number: float) -> None:
        number = number if type(number) is float else as_float(number)
        self.store.numbers[self.index] = number  # type: ignore[call-overload]

    @property
    def grad(self) -> float:
        return self.store.gradients[self.index]

    @grad.setter
    def grad(self, number: float) -> None:
        self.store.gradients[self.index] = number  # type: ignore[call-overload]

    def __reduce__(self) -> tuple[Any, ...]:  # a copy of a model copies its store once
        return (Parameter, (self.store, self.index, self.label))

    def __copy__(self) -> Parameter:
        """A weight of its own: this one's number, gradient and label in a new store."""
        return Parameter(Store([self.data], [self.grad]), 0, self.label)


def new_parameters(numbers: Sequence[float], labels: Sequence[str]) -> list[Parameter]:
    """Parameters with these starting numbers and labels, in one new store."""
    store = Store(numbers)
    return [Parameter(store, i, label) for i, label in enumerate(labels)]


def pack(parameters: Sequence[Value]) -> None:
    """Move these Parameters into one new store, in this order, numbers and gradients
    kept; other Values are left as they are. A model's constructor does this once, for
    all its parameters: do not pack parameters an optimizer or a tape already holds."""
    members = [p for p in parameters if isinstance(p, Parameter)]
    numbers = Numbers(members)
    store = Store(numbers.data(), numbers.grad())
    for i, p in enumerate(members):
        p.store, p.index = store, i


def matrix(values: Sequence[Sequence[Value]]) -> tuple[Array, Array] | None:
    """The data and grad of an m x k grid of Parameters as (m, k) views of their store's
    arrays, if they are all in one store at evenly spaced places, each once (a layer's
    weights in a packed model are); else None."""
    first = values[0][0] if values and values[0] else None
    if not isinstance(first, Parameter) or len({len(row) for row in values}) != 1:
        return None
    store = first.store
    if not all(isinstance(p, Parameter) and p.store is store for row in values for p in row):
        return None
    index = np.array([[p.index for p in row] for row in values])  # type: ignore[attr-defined]
    m, k = index.shape
    row_step = int(index[1, 0] - index[0, 0]) if m > 1 else k
    column_step = int(index[0, 1] - index[0, 0]) if k > 1 else 1
    grid = index[0, 0] + row_step * np.arange(m)[:, None] + column_step * np.arange(k)
    if row_step <= 0 or column_step <= 0 or not np.array_equal(index, grid):
        return None
    if len(np.unique(index)) != index.size:
        return None
    start = int(index[0, 0])
    shape, strides = (m, k), (row_step * 8, column_step * 8)
    return tuple(  # type: ignore[return-value]
        np.lib.stride_tricks.as_strided(array[start:], shape, strides)
        for array in (store.data, store.grad)
    )


class Numbers:
    """The data and grad of a list of Values as arrays, read and written all at once:
    Parameters by numpy indexing into their stores (a slice where they fill a store in
    order, as a model's parameters do), any other Value one at a time."""

    def __init__(self, values: Sequence[Value]) -> None:
        if len({id(v) for v in values}) != len(values):
            raise ValueError("a Value appears more than once")
        self.count = len(values)
        groups: dict[int, tuple[Store, list[int], list[int]]] = {}
        self._loose = [v for v in values if not isinstance(v, Parameter)]
        self._loose_at = np.array(
            [i for i, v in enumerate(values) if not isinstance(v, Parameter)], dtype=np.intp
        )
        for position, v in enumerate(values):
            if isinstance(v, Parameter):
                _, positions, places = groups.setdefault(id(v.store), (v.store, [], []))
                positions.append(position)
                places.append(v.index)
        self._groups = [(s, _index(ps), _index(places)) for s, ps, places in groups.values()]

    def data(self) -> Array:
        return self._read("data")

    def grad(self) -> Array:
        return self._read("grad")

    def _read(self, field: str) -> Array:
        """Each Value's ``data`` or ``grad``, a new array."""
        out = np.empty(self.count)
        for store, positions, places in self._groups:
            out[positions] = getattr(store, field)[places]
        out[self._loose_at] = [getattr(v, field) for v in self._loose]
        return out

    def set_data(self, numbers: Array) -> None:
        for store, positions, places in self._groups:
            store.data[places] = numbers[positions]
        for v, number in zip(self._loose, numbers[self._loose_at].tolist()):
            v.data = number

    def add_grad(self, numbers: Array) -> None:
        for store, positions, places in self._groups:
            store.grad[places] += numbers[positions]
        for v, number in zip(self._loose, numbers[self._loose_at].tolist()):
            v.grad += number

    def zero_grad(self) -> None:
        for store, _, places in self._groups:
            store.grad[places] = 0.0
        for v in self._loose:
            v.grad = 0.0


def _index(places: list[int]) -> slice | Array:
    """``places`` as a slice where they run on one by one, else an index array."""
    if places and places == list(range(places[0], places[0] + len(places))):
        return slice(places[0], places[0] + len(places))
    return np.array(places, dtype=np.intp)
