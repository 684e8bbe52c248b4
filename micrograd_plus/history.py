"""The run's history: every iteration's parameters, gradients, optimizer state and losses,
kept within a memory budget so that a class can scrub back to any iteration and train
on from there.

Rows live in arrays that double as they fill, up to the budget. When the budget is full,
the older half is thinned to a grid (one row per ``spacing`` iterations, counted from
the first), made twice as coarse whenever that is not enough: the newer half stays
dense, the older rows stay evenly spread over the whole run (a class scrubbing back to
any point finds a row near it), and the budget holds however long the run goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BUDGET", "History", "Row"]

BUDGET = 64 * 1024 * 1024  # bytes of arrays at most, for the default


@dataclass(frozen=True)
class Row:
    """One kept iteration: what training from it again needs, and what it showed."""

    iteration: int
    train_loss: float
    test_loss: float
    parameters: np.ndarray  # in model.parameters() order
    gradients: np.ndarray  # of the iteration's last batch
    buffers: np.ndarray  # the optimizer's state arrays, one row each
    steps: int  # the optimizer's step count
    rng: dict[str, Any]  # the batch order's generator
    optimizer: str = ""  # which optimizer the buffers are of


class History:
    """Rows in iteration order; ``add`` one after each iteration, ``row(i)``, ``cut(i)``."""

    def __init__(self, size: int, buffers: int, budget: int = BUDGET) -> None:
        self.size, self.nbuffers = size, buffers
        row_bytes = 8 * size * (2 + buffers) + 32
        self.capacity = max(8, budget // row_bytes)  # rows at most
        self.rngs: list[dict[str, Any]] = []
        self.optimizers: list[str] = []
        self.count = 0
        self.spacing = 1  # the older rows' grid: one row per this many iterations
        self._allocate(min(self.capacity, 64))

    def _allocate(self, rows: int) -> None:
        """Arrays of ``rows`` rows, holding the rows kept so far."""
        kept = self.count

        def grown(name: str, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
            array: np.ndarray = np.zeros(shape, dtype=dtype)
            if kept:
                array[:kept] = getattr(self, name)[:kept]
            return array

        self.iterations = grown("iterations", (rows,), np.int64)
        self.losses = grown("losses", (rows, 2))
        self.parameters = grown("parameters", (rows, self.size))
        self.gradients = grown("gradients", (rows, self.size))
        self.buffers = grown("buffers", (rows, self.nbuffers, self.size))
        self.steps = grown("steps", (rows,), np.int64)

    @property
    def nbytes(self) -> int:
        arrays = (self.iterations, self.losses, self.parameters, self.gradients, self.buffers)
        return sum(a.nbytes for a in arrays) + self.steps.nbytes

    def add(self, row: Row) -> None:
        if self.count and row.iteration <= self.iterations[self.count - 1]:
            self.cut(self.count - 2)  # the same iteration again (a point added): it replaces
            # the last row
        if self.count == len(self.iterations):
            if self.count < self.capacity:
                self._allocate(min(self.capacity, 2 * self.count))
            else:
                self._thin()
        k = self.count
        self.iterations[k] = row.iteration
        self.losses[k] = (row.train_loss, row.test_loss)
        self.parameters[k] = row.parameters
        self.gradients[k] = row.gradients
        self.buffers[k] = 0.0
        self.buffers[k, : len(row.buffers)] = row.buffers
        self.steps[k] = row.steps
        self.rngs.append(row.rng)
        self.optimizers.append(row.optimizer)
        self.count += 1

    def _thin(self) -> None:
        """The older half on the grid (the first row of each stretch of ``spacing``
        iterations), the grid twice as coarse as often as it takes to free a quarter of
        the rows; the newer half kept whole."""
        newer = self.capacity // 2
        older = self.iterations[: self.count - newer]
        while True:  # the rows that aged onto the grid, and a coarser grid if need be
            stretch = (older - older[0]) // self.spacing
            grid = np.flatnonzero(np.diff(stretch, prepend=-1))  # each stretch's first row
            if len(grid) + newer <= self.capacity * 3 // 4:
                break
            self.spacing *= 2
        keep = np.concatenate([grid, np.arange(len(older), self.count)])
        for array in (self.iterations, self.losses, self.parameters, self.gradients):
            array[: len(keep)] = array[keep]
        self.buffers[: len(keep)] = self.buffers[keep]
        self.steps[: len(keep)] = self.steps[keep]
        self.rngs = [self.rngs[i] for i in keep]
        self.optimizers = [self.optimizers[i] for i in keep]
        self.count = len(keep)

    def find(self, iteration: int) -> int:
        """The index of the kept row nearest to ``iteration`` at or before it."""
        if not self.count:
            raise ValueError("the history is empty")
        first, last = int(self.iterations[0]), int(self.iterations[self.count - 1])
        if iteration < first:
            raise ValueError(f"the history keeps iterations {first} to {last}, got {iteration}")
        index = int(np.searchsorted(self.iterations[: self.count], iteration, side="right")) - 1
        return max(0, index)

    def row(self, index: int) -> Row:
        return Row(
            int(self.iterations[index]),
            float(self.losses[index, 0]),
            float(self.losses[index, 1]),
            self.parameters[index].copy(),
            self.gradients[index].copy(),
            self.buffers[index].copy(),
            int(self.steps[index]),
            self.rngs[index],
            self.optimizers[index],
        )

    def cut(self, index: int) -> None:
        """Forget the rows after ``index`` (training goes on from it)."""
        self.count = index + 1
        del self.rngs[self.count :]
        del self.optimizers[self.count :]

    def table(self) -> dict[str, np.ndarray]:
        """The kept rows as arrays: iteration, train_loss, test_loss, parameters."""
        n = self.count
        return {
            "iteration": self.iterations[:n].copy(),
            "train_loss": self.losses[:n, 0].copy(),
            "test_loss": self.losses[:n, 1].copy(),
            "parameters": self.parameters[:n].copy(),
        }
