"""Graphs that index: a row of a table of parameters picked by a token id.

A GPT on Values starts with ``tok_emb = wte[token_id]``: which leaves its graph reads
depends on a number, the token id, so one document's graph is not the next one's. The
tape records such a program once all the same, with the ids as inputs of their own:

    tape = Tape.record(doc_loss, [0, 5, 2, 0], tables={"wte": wte})

With ``tables`` named, an argument of integers is a list of ids. While the function
records, each id is an ``Index`` that picks a row of its own from every named table: each
table is extended, for the time of the recording, by one placeholder row per id, so two
positions with the same id still read two rows, and a row read as itself
(``wpe[pos_id]``, with a plain int) stays a parameter. At each replay a placeholder is a
column of the batch, gathered from its table by the ids (``wte[ids[:, c], j]``); its
gradient goes back into the table's ``grad`` by a scatter that adds where an id repeats,
as ``torch.nn.Embedding`` does.

An ``Index`` does what a token id does in a model: it picks a row of a named table, or it
is the class of a loss (``cross_entropy(logits, target)`` reads it as a one-hot row,
``Index.one_hot``). Anything else (a comparison, ``int()``, picking from a list of
computed Values such as ``probs[target]``) would fix the recorded sample's path, and is
refused.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Iterator, Mapping, MutableSequence, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from micrograd_plus.engine import Value
from micrograd_plus.parameters import Numbers

__all__ = ["Gathers", "Index", "Indexing"]

Array = np.ndarray
Table = MutableSequence[Any]  # rows: each a Value, or a list of Values


class Index:
    """A token id while a tape records: column ``column`` of the tape's ids. As a list
    index it is the row the recording gave it in every named table; ``one_hot(k)`` reads
    it as a class. Comparing it, or reading it as a number, is refused: the tape would
    keep the recorded sample's answer for every sample."""

    __slots__ = ("_indexing", "column")

    def __init__(self, indexing: Indexing, column: int) -> None:
        self._indexing, self.column = indexing, column

    def __index__(self) -> int:
        self._indexing.used(sys._getframe(1))
        return self._indexing.end + self.column

    def one_hot(self, classes: int) -> list[Value]:
        """The id as a one-hot row of ``classes`` Values: inputs of the tape, computed
        for each sample from its id (1 where the id is the class, else 0)."""
        return self._indexing.one_hot(self.column, classes)

    def __repr__(self) -> str:
        return f"Index(i{self.column})"

    def _refused(self, *other: Any) -> Any:
        caller = sys._getframe(1)
        file, line = caller.f_code.co_filename, caller.f_lineno
        raise TypeError(
            f"{file}:{line}: {linecache.getline(file, line).strip()}: {self!r} is a token id "
            "of the program the tape records: it can pick a row of a table named in "
            "tables= (wte[token]) or be a loss's class (cross_entropy(logits, target)); "
            "comparing it or reading its number would keep the recorded sample's answer "
            "for every sample"
        )

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refused
    __int__ = __float__ = __bool__ = __hash__ = _refused


class Indexing:
    """One recording's ids and named tables. ``ids(k)`` makes k Index objects (one, for
    k = None); ``extended()`` adds the placeholder rows for the time of the recording."""

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self.tables = dict(tables)
        for name, table in self.tables.items():
            _check_table(name, table)
        self.end = max(len(table) for table in self.tables.values())  # the first id used
        self.columns = 0  # how many ids so far
        self.placeholders: dict[Value, tuple[str, int, int]] = {}  # leaf: (table, column, j)
        self.one_hots: dict[Value, tuple[int, int]] = {}  # leaf: (column, class)
        self.classes: dict[int, int] = {}  # column: how many classes it was read as
        self.uses: list[tuple[str, int]] = []  # (file, line) where user code used an id

    def ids(self, count: int | None) -> Index | list[Index]:
        made = [Index(self, self.columns + i) for i in range(1 if count is None else count)]
        self.columns += len(made)
        return made[0] if count is None else made

    def used(self, frame: Any) -> None:
        if frame.f_globals.get("__name__", "").partition(".")[0] != "micrograd_plus":
            self.uses.append((frame.f_code.co_filename, frame.f_lineno))

    def one_hot(self, column: int, classes: int) -> list[Value]:
        self.classes[column] = min(classes, self.classes.get(column, classes))
        row = [Value(0.0, f"(i{column} == {k})") for k in range(classes)]
        self.one_hots.update((v, (column, k)) for k, v in enumerate(row))
        return row

    @contextmanager
    def extended(self) -> Iterator[None]:
        """Each named table with a placeholder row for each id, at row ``end + column``
        (rows between a shorter table's end and ``end`` are None), put back as it was
        after."""
        lengths = {name: len(table) for name, table in self.tables.items()}
        try:
            for name, table in self.tables.items():
                table.extend([None] * (self.end - len(table)))
                table.extend(self._placeholder(name, table[0], c) for c in range(self.columns))
            yield
        finally:
            for name, table in self.tables.items():
                del table[lengths[name] :]

    def _placeholder(self, name: str, template: Any, column: int) -> Value | list[Value]:
        if isinstance(template, Value):
            leaf = Value(template.data, f"{name}[i{column}]")
            self.placeholders[leaf] = (name, column, 0)
            return leaf
        row = [Value(v.data, f"{name}[i{column}][{j}]") for j, v in enumerate(template)]
        self.placeholders.update((leaf, (name, column, j)) for j, leaf in enumerate(row))
        return row


class Gathers:
    """A tape's placeholders and one-hot rows, computed for a batch of ids:
    ``columns(ids)`` gathers each placeholder's number from its table and sets each
    one-hot entry, (batch, placeholders + one-hots); ``add_grad(ids, grads)`` scatters
    the placeholders' gradients, (batch, placeholders), into the tables' ``grad``."""

    def __init__(
        self,
        tables: Mapping[str, Table],
        placeholders: Sequence[tuple[str, int, int]],
        one_hots: Sequence[tuple[int, int]],
        classes: Mapping[int, int],
    ) -> None:
        self.count = len(placeholders) + len(one_hots)
        self.limits: dict[int, tuple[int, str]] = {}  # per column read: (rows, of what)
        self.tables = []  # per table read: its numbers, shape, and placeholders' places
        for name, table in tables.items():
            places = [p for p, (t, _, _) in enumerate(placeholders) if t == name]
            if not places:
                continue
            flat = isinstance(table[0], Value)
            leaves = list(table) if flat else [v for row in table for v in row]
            columns = np.array([placeholders[p][1] for p in places], dtype=np.intp)
            js = np.array([placeholders[p][2] for p in places], dtype=np.intp)
            shape = (len(table), 1 if flat else len(table[0]))
            self.tables.append((Numbers(leaves), shape, np.array(places), columns, js))
            for c in set(columns.tolist()):
                self._limit(c, len(table), f"a row of table {name!r} ({len(table)} rows)")
        for c, k in classes.items():
            self._limit(c, k, f"one of the {k} classes")
        self.hot_columns = np.array([c for c, _ in one_hots], dtype=np.intp)
        self.hot_classes = np.array([k for _, k in one_hots], dtype=np.float64)
        self.first_hot = len(placeholders)

    def _limit(self, column: int, rows: int, what: str) -> None:
        if rows < self.limits.get(column, (rows + 1, ""))[0]:
            self.limits[column] = (rows, what)

    def check(self, ids: Array) -> None:
        """Every id a row of each table it picks from (and a class of each loss)."""
        for c, (rows, what) in self.limits.items():
            bad = (ids[:, c] < 0) | (ids[:, c] >= rows)
            if np.any(bad):
                s = int(np.argmax(bad))
                raise ValueError(
                    f"sample {s}, id {c}: {ids[s, c]} is not {what}: an id must be in 0..{rows - 1}"
                )

    def columns(self, ids: Array) -> Array:
        out = np.empty((len(ids), self.count))
        for numbers, shape, places, columns, js in self.tables:
            out[:, places] = numbers.data().reshape(shape)[ids[:, columns], js]
        out[:, self.first_hot :] = ids[:, self.hot_columns] == self.hot_classes
        return out

    def add_grad(self, ids: Array, grads: Array) -> None:
        for numbers, shape, places, columns, js in self.tables:
            total = np.zeros(shape)
            np.add.at(total, (ids[:, columns], js), grads[:, places])
            numbers.add_grad(total.ravel())


def _check_table(name: str, table: object) -> None:
    """A table is a list of rows, each a Value or a list of Values of one length."""
    if not isinstance(table, MutableSequence) or not len(table):
        raise TypeError(
            f"table {name!r} must be a non-empty list of rows (the tape extends it while it "
            f"records), got {type(table).__name__}"
        )
    first = table[0]
    width = None if isinstance(first, Value) else len(first)
    for r, row in enumerate(table):
        fits = (
            isinstance(row, Value)
            if width is None
            else isinstance(row, Sequence)
            and len(row) == width
            and all(isinstance(v, Value) for v in row)
        )
        if not fits:
            expected = "a Value" if width is None else f"a list of {width} Values"
            raise TypeError(f"table {name!r}: row {r} must be {expected}, like row 0")
