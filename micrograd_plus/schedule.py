"""The level schedule: a recorded program replayed one op kind at one depth at a time.

A network's graph is wide: a layer is many nodes of the same op, none reading another.
Grouped by depth (1 + the depth of the deepest input) and by op, every group can run as
one numpy call on gathered rows, so a layer is a handful of calls instead of one per
node. ``Levels`` gives the same numbers as the tape's reference replay, one node at a
time (``tape.Nodes``); a test checks that on every node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_plus.arrays import finite, on_arrays, passed_back
from micrograd_plus.ops import OPS

__all__ = ["Instruction", "Levels"]

Array = np.ndarray


@dataclass(frozen=True)
class Instruction:
    """One instruction of a recorded program: ``row = op(input rows)``."""

    row: int
    op: str  # its name in the table of ops (micrograd_plus.ops): "*", "**n", "leaky_relu"
    number: float | None  # the number an op carries (exponent, slope), else None
    inputs: tuple[int, ...]

    def formula(self, args: list[str]) -> str:
        """The instruction as a line of the program shows it, its inputs named ``args``."""
        return formula(self.op, self.number, args)


def formula(op: str, number: float | None, args: list[str]) -> str:
    """An op on named inputs as the printed programs write it, by its entry in the table
    of ops: ``a + b``, ``-a``, ``a ** 3``, ``leaky_relu(a, 0.2)``, ``relu(a)``."""
    return OPS[op].text(args, number=number)


@dataclass(frozen=True)
class _Scatter:
    """How one input slot of a group adds its contributions to the rows it read. Rows
    read more than once (an activation feeding every neuron of the next layer) are
    summed first, in runs of the sorted reads; numpy's ``a[rows] += b`` alone would keep
    only one contribution per row."""

    rows: Array  # (m,) the row each op of the group read in this slot
    direct: bool  # every row read once: added directly; else by the sort ...
    order: Array  # ... the reads sorted by row ...
    targets: Array  # ... the distinct rows read ...
    starts: Array  # ... and where each one's run starts in the sorted reads

    def add(self, grads: Array, contributions: Array) -> None:
        if self.direct:
            grads[self.rows] += contributions
        else:
            grads[self.targets] += np.add.reduceat(contributions[self.order], self.starts, axis=0)


@dataclass(frozen=True)
class _Group:
    """Ops of one kind at one depth of the graph, replayed as one numpy call."""

    op: str
    number: float | None
    rows: Array  # (m,) the rows the ops write
    inputs: Array  # (m, k) the rows they read
    scatters: tuple[_Scatter, ...]  # per input slot, for the backward


class Levels:
    """A program replayed group by group: ``forward(values)`` fills every computed row of
    ``values`` (Values x batch) and keeps each group's local derivatives;
    ``backward(grads)`` then adds each group's contributions to the rows it read."""

    def __init__(self, program: list[Instruction]) -> None:
        self.groups = _groups(program)
        self.locals: list[tuple[Any, ...]] = []  # per group, from the last forward

    def forward(self, values: Array) -> None:
        self.locals = []
        for group in self.groups:
            gathered = values[group.inputs]  # (m, k, batch)
            if group.op == "sum":  # k inputs: one reduction, not k - 1 additions
                out = gathered.sum(axis=1)
                self.locals.append((1.0,) * gathered.shape[1])
            else:
                xs = [gathered[:, j] for j in range(gathered.shape[1])]
                out, local = on_arrays(group.op, xs, group.number)
                self.locals.append(local)
            values[group.rows] = out

    def backward(self, grads: Array) -> None:
        for group, locals_ in zip(reversed(self.groups), reversed(self.locals)):
            upstream = grads[group.rows]  # (m, batch)
            upstream_finite = finite(upstream)
            for scatter, local in zip(group.scatters, locals_):
                contribution = passed_back(local, upstream, upstream_finite)
                if contribution is not None:
                    scatter.add(grads, contribution)


def _groups(program: list[Instruction]) -> list[_Group]:
    """Instructions grouped by depth (1 + the deepest input) and kind: each group one
    numpy call. Inputs of one group are never written by it, so it runs all at once."""
    depth: dict[int, int] = {}
    groups: dict[tuple[int, str, str, int], list[Instruction]] = {}
    for instruction in program:
        d = 1 + max((depth.get(i, 0) for i in instruction.inputs), default=0)
        depth[instruction.row] = d
        number = repr(instruction.number)  # as text, nan equals nan: x ** nan ops group
        key = (d, instruction.op, number, len(instruction.inputs))
        groups.setdefault(key, []).append(instruction)
    out = []
    for _, members in sorted(groups.items(), key=lambda item: item[0][0]):
        rows = np.array([m.row for m in members])
        inputs = np.array([m.inputs for m in members])
        scatters = tuple(_scatter(inputs[:, j]) for j in range(inputs.shape[1]))
        out.append(_Group(members[0].op, members[0].number, rows, inputs, scatters))
    return out


def _scatter(reads: Array) -> _Scatter:
    order = np.argsort(reads, kind="stable")
    targets, starts = np.unique(reads[order], return_index=True)
    return _Scatter(reads, len(targets) == len(reads), order, targets, starts)
