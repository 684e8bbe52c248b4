"""From scalars to tensors: one sample's graph recorded as a program, replayed over a
whole batch with numpy.

The scalar engine builds a new graph for every sample. But for a network the graph is
the same for every sample; only the numbers flowing through it change. So record it once,
as a program: the nodes in topological order, each with its op and the rows of its
inputs. Replaying the program with numpy arrays in place of floats runs the whole batch
at once, each node's value an array over the batch; replaying the chain rule backwards
over those arrays gives every sample's gradients at once. That is what a tensor
framework does, and ``str(tape)`` shows the program:

    v1 = L1.N1.w0 * x0
    v2 = L1.N1.w1 * x1
    v3 = sum(v1, v2, L1.N1.b)
    ...

Leaves passed to ``record`` are the batch inputs; every other leaf (a parameter, a
constant) is read from its ``.data`` at each replay, so an optimizer's updates are seen.
``backward`` adds the batch's mean (or summed) gradient to each such leaf's ``.grad``:
what the scalar engine gives for the mean of the samples' losses.

Each op runs on arrays by its entry in the table of ops (``micrograd_plus.ops``). Three
replays of the same program exist: ``Nodes`` below, one numpy call per node, the readable
reference (compare autodidax's ``eval_jaxpr``); ``schedule.Levels``, all nodes of one op
at one depth of the graph as one numpy call; and ``fusion.Fused`` (the default where the
program has layers), each layer one matrix product.
"""

from __future__ import annotations

import gc
import linecache
import numbers
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from functools import cached_property
from typing import Any

import numpy as np

from micrograd_plus.arrays import finite, on_arrays, passed_back
from micrograd_plus.engine import Value, as_value, enable_grad, op_result
from micrograd_plus.floats import format_number
from micrograd_plus.fusion import Fused, LayerNumbers
from micrograd_plus.indexing import Gathers, Indexing, Table
from micrograd_plus.ops import OPS
from micrograd_plus.parameters import Numbers, Parameter
from micrograd_plus.schedule import Instruction, Levels

__all__ = ["Nodes", "Tape", "Tapes"]

Array = np.ndarray
Names = Mapping[Value, str] | Callable[[], Mapping[Value, str]]
# The first forward checks the tape against the scalar engine on one sample, which
# builds that sample's scalar graph again: past this many Values the check is left out.
CHECK_VALUES = 1_000_000
# A replay keeps the numbers its backward needs for every sample of the batch: a batch
# that would need more than about this many bytes is replayed in chunks of rows, and
# backward replays each chunk's forward again before its chain rule (memory bounded, for
# the price of a second forward).
REPLAY_BYTES = 2**30


class Nodes:
    """The reference replay: one numpy call per instruction, in the recorded order.
    ``forward(values)`` fills every computed row of ``values`` (Values x batch);
    ``backward(grads)`` applies the chain rule to ``grads`` in reverse."""

    def __init__(self, program: list[Instruction]) -> None:
        self.program = program
        self.locals: list[tuple[Any, ...]] = []  # per instruction, from the last forward

    def forward(self, values: Array) -> None:
        self.locals = []
        for instruction in self.program:
            xs = [values[i] for i in instruction.inputs]
            out, local = on_arrays(instruction.op, xs, instruction.number)
            values[instruction.row] = out
            self.locals.append(local)

    def backward(self, grads: Array) -> None:
        for instruction, locals_ in zip(reversed(self.program), reversed(self.locals)):
            upstream = grads[instruction.row]
            upstream_finite = finite(upstream)
            for i, local in zip(instruction.inputs, locals_):
                contribution = passed_back(local, upstream, upstream_finite)
                if contribution is not None:
                    grads[i] += contribution


class Tape:
    """A recorded graph that replays over a batch. Make one with ``Tape.record``;
    ``forward(*arrays)``, then ``backward()``."""

    def __init__(
        self,
        fn: Callable[..., Any],
        arguments: list[tuple[bool, int | None]],
        order: list[Value],
        outputs: list[Value],
        inputs: list[Value],
        names: Names,
        gathers: Gathers | None = None,
    ) -> None:
        # the scalar graph is not kept: its program, and its leaves by row
        row = {node: i for i, node in enumerate(order)}
        self._size = len(order)
        self._leaf_at = {i: node for i, node in enumerate(order) if not node.inputs}
        self._fn = fn
        # per argument of fn: whether it is ids, and None for one, k for k of them
        self._arguments = arguments
        self._outputs = [row[node] for node in outputs]
        # the batch's inputs: the arguments' numbers, then what ids pick (gathers.count)
        self._input_rows = [row[node] for node in inputs]
        self._gathers = gathers
        taken = set(inputs)  # every other leaf is read from .data at each replay
        self._leaves = [node for node in order if not node.inputs and node not in taken]
        self._fixed_rows = np.array([row[node] for node in self._leaves], dtype=np.intp)
        self._given_names = names
        self.program: list[Instruction] = []
        for node in order:
            if node.inputs:
                reads = tuple(row[inp] for inp in node.inputs)
                self.program.append(Instruction(row[node], node.op, node.op_number, reads))
        self._fused = Fused(
            self.program,
            {row[leaf]: leaf for leaf in self._leaves},
            self._input_rows,
            input_gradients=gathers is not None,
        )
        # the fastest replay: layers as matrix products where the program has them
        self._default = "fused" if self._fused.layers else "levels"
        self._schedule = self._default
        self._checked = False
        self._values: Array | None = None  # every row, for the levels and nodes replays
        self._batch = 0  # the last forward's batch size
        self._parts: list[tuple[Array, Array]] = []  # its inputs and ids, in chunks

    @property
    def size(self) -> int:
        """How many Values the program has: the rows of each array a replay holds."""
        return self._size

    @property
    def numbers_per_sample(self) -> int:
        """About how many numbers the default replay keeps per sample."""
        return self._numbers_per_sample(self._default)

    # --- recording ----------------------------------------------------------------------

    @classmethod
    def record(
        cls,
        fn: Callable[..., Any],
        *example_inputs: Any,
        names: Names | None = None,
        tables: Mapping[str, Table] | None = None,
    ) -> Tape:
        """Call ``fn`` once on the example inputs (Values or numbers, or lists of them for
        an argument that takes several) and keep its graph as a program. ``fn`` returns a
        Value (what ``backward`` differentiates) or a list of Values. ``names`` gives
        leaves (parameters, say) their names in the program's text: a mapping, or a
        function that makes it, called only when the text is first asked for.

        The program is the same for every sample, so ``fn`` must not read a Value's number:
        ``.data``, ``float(v)``, ``bool(v)`` (an ``if v:``) and comparisons (``v > 0``,
        ``max(values)``) are noticed while ``fn`` runs, and the function is refused with
        the file and line of each read. The library's own reads (softmax's shift) are ops
        of the program, computed for every sample.

        ``tables`` names the tables of parameters that ids pick rows from (``{"wte":
        wte}``, each a list of rows of Values): then an argument of integers (one, or a
        list) is ids, and ``forward`` takes them as an integer array (see
        ``micrograd_plus.indexing``). The program is for that many ids; ``Tapes`` keeps
        one per length."""
        indexing = None if tables is None else Indexing(tables)
        arguments: list[Any] = []
        inputs: list[Value] = []
        kinds: list[tuple[bool, int | None]] = []
        for example in example_inputs:
            several = isinstance(example, Sequence | np.ndarray) and not isinstance(example, str)
            if indexing is not None and _are_ids(example):
                count = len(example) if several else None
                arguments.append(indexing.ids(count))
                kinds.append((True, count))
            elif several:
                values = [as_value(float(x), f"x{len(inputs) + j}") for j, x in enumerate(example)]
                arguments.append(values)
                inputs += values
                kinds.append((False, len(values)))
            else:
                value = as_value(example, f"x{len(inputs)}")
                arguments.append(value)
                inputs.append(value)
                kinds.append((False, None))
        if len(set(map(id, inputs))) != len(inputs):
            raise ValueError("each input of the tape must be a Value of its own")
        with _no_cycle_collection():  # a graph of Values has no cycles to collect
            with enable_grad(), _noticing_reads() as reads:  # a tape is a graph, even in no_grad()
                result = _call(fn, arguments, indexing)
            outputs = list(result) if isinstance(result, list | tuple) else [result]
            if not outputs or not all(isinstance(out, Value) for out in outputs):
                raise TypeError(
                    f"the function must return a Value or a list of Values, got {result!r}"
                )
            order = _order(outputs)
            for node in order:
                if node.inputs and node.op not in OPS:
                    raise ValueError(
                        f"the op {node.op!r} is not in the table of ops (micrograd_plus.ops): "
                        "the tape replays an op by its entry there; add one with ops.define"
                    )
            if reads:
                raise ValueError(_refusal(reads))
            reached = set(order)
            for i, value in enumerate(inputs):
                if value not in reached:
                    raise ValueError(
                        f"input {i} ({value.label}) does not reach the output: the function "
                        "must compute with the Value itself"
                    )
            if indexing is None:
                return cls(fn, kinds, order, outputs, inputs, names or {})
            picked = [v for v in order if v in indexing.placeholders]
            hots = [v for v in order if v in indexing.one_hots]
            gathers = Gathers(
                indexing.tables,
                [indexing.placeholders[v] for v in picked],
                [indexing.one_hots[v] for v in hots],
                {
                    c: k
                    for c, k in indexing.classes.items()
                    if c in {indexing.one_hots[v][0] for v in hots}
                },
            )
            named = _with_tables(names or {}, indexing.tables)
            return cls(fn, kinds, order, outputs, inputs + picked + hots, named, gathers)

    # --- replaying ----------------------------------------------------------------------

    def forward(self, *arrays: Any, schedule: str | None = None) -> Array:
        """Run the program over a batch: one array per argument of the recorded function,
        (batch,) for a number and (batch, k) for k numbers. Returns the output over the
        batch: (batch,), or (batch, k) for a function that returned k Values.
        ``schedule``: ``"fused"`` (layers as matrix products, the default where the
        program has layers), ``"levels"`` (the default elsewhere), ``"nodes"`` (one node
        at a time, the reference); all three give the same numbers.

        The first call checks the tape against the scalar engine on the first sample: a
        function that computes something the program does not hold (a random number
        drawn at each call, say) is an error, not a wrong answer. (A program of more than
        CHECK_VALUES Values is not checked: the check would record it a second time.)"""
        schedule = self._default if schedule is None else schedule
        if schedule not in ("fused", "levels", "nodes"):
            raise ValueError(f"schedule must be 'fused', 'levels' or 'nodes', got {schedule!r}")
        columns, ids = self._columns(arrays)
        self._schedule = schedule
        rows = max(1, REPLAY_BYTES // (8 * self._numbers_per_sample(schedule)))
        self._parts = [
            (columns[i : i + rows], ids[i : i + rows]) for i in range(0, len(columns), rows)
        ]
        out = self._replay_and_read(self._outputs)
        self._batch = len(columns)
        result = out[:, 0] if len(self._outputs) == 1 else out
        if not self._checked and self.size <= CHECK_VALUES:
            self._check(arrays, result)
        self._checked = True
        return np.array(result)

    def backward(self, reduction: str = "mean", output: int | None = None) -> None:
        """The chain rule over the last forward's arrays; adds the batch's mean (or sum)
        gradient to each parameter's (each non-input leaf's) ``.grad``. ``output``: which
        of the function's outputs to differentiate, where it returned several. A batch
        replayed in chunks has each chunk's forward replayed again, then its chain rule."""
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        if not self._batch:
            raise RuntimeError("backward needs a forward pass first: call tape.forward(...)")
        if output is None and len(self._outputs) != 1:
            raise ValueError(
                f"the function returned {len(self._outputs)} Values: say which to "
                "differentiate, backward(output=i)"
            )
        if output is not None and not 0 <= output < len(self._outputs):
            raise ValueError(f"output must be in 0..{len(self._outputs) - 1}, got {output}")
        self._backward(1.0 / self._batch if reduction == "mean" else 1.0, output or 0)

    def _backward(self, seed: float, output: int = 0) -> None:
        """Add d output / d leaf, summed over the batch and times ``seed``, to each
        parameter's ``.grad`` (and to each row of a table that ids picked)."""
        for columns, ids in self._parts:
            if len(self._parts) > 1:
                self._replay(columns)
            with np.errstate(all="ignore"):
                if self._schedule == "fused":
                    inputs = self._fused.backward(self._outputs[output], seed)
                else:
                    assert self._values is not None
                    grads = np.zeros_like(self._values)
                    grads[self._outputs[output]] = seed
                    self._unfused().backward(grads)
                    self._numbers.add_grad(grads[self._fixed_rows].sum(axis=1))
                    inputs = grads[self._input_rows].T
            if self._gathers is not None and inputs is not None:
                picked = len(self._input_rows) - self._gathers.count
                self._gathers.add_grad(ids, inputs[:, picked:])

    def _numbers_per_sample(self, schedule: str) -> int:
        """About how many numbers a replay keeps per sample: fused, the rows it computes
        (none for a product inside a layer) and the local derivatives its backward needs;
        else a few per Value (its value, gradient and local derivatives)."""
        return self._fused.numbers_per_sample if schedule == "fused" else 4 * self.size

    def _replay(self, columns: Array) -> None:
        """The forward pass over some rows of inputs, (rows, inputs), on the schedule."""
        with np.errstate(all="ignore"):  # inf and nan as IEEE 754 gives them, no warnings
            if self._schedule == "fused":
                self._fused.forward(columns)
                self._values = None
            else:
                values = np.empty((self.size, len(columns)))
                values[self._input_rows] = columns.T
                values[self._fixed_rows] = self._numbers.data()[:, None]
                self._unfused().forward(values)
                self._values = values

    @cached_property
    def _numbers(self) -> Numbers:
        """The leaves' data and grad, all at once (the levels and nodes replays)."""
        return Numbers(self._leaves)

    @cached_property
    def _names(self) -> list[str]:
        """Each Value's name in the program's text, made when first asked for."""
        given = self._given_names
        return _names(self._size, self._leaf_at, given() if callable(given) else given)

    def _unfused(self) -> Nodes | Levels:
        """The levels or the nodes replay (each made the first time it is asked for)."""
        return self._nodes if self._schedule == "nodes" else self._levels

    @cached_property
    def _levels(self) -> Levels:
        return Levels(self.program)

    @cached_property
    def _nodes(self) -> Nodes:
        return Nodes(self.program)

    def _replay_and_read(self, rows: list[int]) -> Array:
        """Replay the last forward's inputs, chunk by chunk, and read these rows from
        each: (batch, rows)."""
        outs = []
        for columns, _ in self._parts:
            self._replay(columns)
            outs.append(self._read(rows))
        return outs[0] if len(outs) == 1 else np.concatenate(outs)

    def _read(self, rows: list[int]) -> Array:
        """The last replay's values of these rows: (samples, rows)."""
        return self._fused.rows(rows) if self._values is None else self._values[rows].T

    # --- checks and text ----------------------------------------------------------------

    def _columns(self, arrays: tuple[Any, ...]) -> tuple[Array, Array]:
        """The arguments' numbers side by side, a column per input leaf, then what the
        ids pick: (batch, inputs); and the ids side by side, (batch, ids)."""
        if len(arrays) != len(self._arguments):
            raise ValueError(f"this tape takes {len(self._arguments)} arrays, got {len(arrays)}")
        given_numbers: list[Array] = []
        given_ids: list[Array] = []
        batch = None
        for i, (array, (are_ids, shape)) in enumerate(zip(arrays, self._arguments)):
            given = np.asarray(array)
            kinds, what = ("iu", "integer ids") if are_ids else ("biuf", "real numbers")
            if given.dtype.kind not in kinds:  # complex, text, objects: not real numbers
                raise ValueError(f"argument {i} must hold {what}, got {given.dtype}")
            a = given.astype(np.intp if are_ids else np.float64)
            expected = "(batch,)" if shape is None else f"(batch, {shape})"
            fits = a.ndim == 1 if shape is None else a.ndim == 2 and a.shape[1] == shape
            if not fits:
                raise ValueError(f"argument {i} must have shape {expected}, got {a.shape}")
            if batch is None:
                batch = a.shape[0]
            elif a.shape[0] != batch:
                raise ValueError(f"argument {i} has {a.shape[0]} samples, argument 0 has {batch}")
            (given_ids if are_ids else given_numbers).append(a[:, None] if shape is None else a)
        if not batch:
            raise ValueError("the batch is empty")
        ids = np.concatenate(given_ids, axis=1) if given_ids else np.empty((batch, 0), np.intp)
        if self._gathers is not None:
            self._gathers.check(ids)
            given_numbers.append(self._gathers.columns(ids))
        columns = np.concatenate(given_numbers, axis=1) if given_numbers else np.empty((batch, 0))
        return columns, ids

    def _check(self, arrays: tuple[Any, ...], result: Array) -> None:
        """Re-run the function with the scalar engine on the first sample: the same ops and
        the same output, or a clear error. (Reads of numbers, which would make another
        sample's graph another program, were refused when the tape was recorded.) A
        program with ids reads them as one-hot rows where the scalar engine picks one
        entry: only the outputs are compared."""
        arguments: list[Any] = []
        for array, (are_ids, shape) in zip(arrays, self._arguments):
            x = np.asarray(array)[0]
            if are_ids:
                arguments.append(int(x) if shape is None else [int(i) for i in x])
            else:
                arguments.append(Value(float(x)) if shape is None else [Value(float(v)) for v in x])
        with enable_grad(), _no_cycle_collection():
            out = self._fn(*arguments)
            outs = list(out) if isinstance(out, list | tuple) else [out]
            ops = [(n.op, repr(n.op_number)) for n in _order(outs) if n.inputs]
        recorded = [(i.op, repr(i.number)) for i in self.program]  # as text: nan equals nan
        if self._gathers is None and ops != recorded:
            raise ValueError(
                "sample 0 takes another path through the function than the recorded one: "
                "the tape cannot replay it"
            )
        expected = np.array([o.data for o in outs])
        got = np.atleast_1d(result[0])
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True):
            raise ValueError(
                f"sample 0: the tape gives {got.tolist()} but the function gives "
                f"{expected.tolist()}: it computes numbers the tape cannot see (a random "
                "number drawn at each call? a table of tables= read whole, as a matrix?)"
            )

    def layers(self) -> list[LayerNumbers]:
        """The last replay's layers as matrices over the batch, a row per sample
        (``fusion.LayerNumbers``: X, W, b, Z = X @ W.T + b, H = f(Z), and after a
        backward dL/dZ, dL/dW, dL/db, dL/dX), in the fused program's order and names."""
        if not self._batch:
            raise RuntimeError("no forward pass yet: call tape.forward(X, y) first")
        if self._schedule != "fused" or len(self._parts) != 1:
            raise RuntimeError(
                "layers() reads the last forward of the fused replay, in one piece: call "
                "tape.forward(...) with schedule='fused' on a batch that fits REPLAY_BYTES"
            )
        return self._fused.layer_numbers(self._names)

    def fused(self) -> str:
        """The program as the fused replay runs it: each layer one matrix product,
        ``h1 = relu(x @ L1.W.T + L1.b)``, then what is left, line by line."""
        return "\n".join(self._fused.text(self._names, set(self._input_rows)))

    def __str__(self) -> str:
        lines = []
        for instruction in self.program:
            args = [self._names[i] for i in instruction.inputs]
            lines.append(f"{self._names[instruction.row]} = {instruction.formula(args)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        inputs = len(self._input_rows)
        return f"Tape({len(self.program)} ops, {inputs} inputs, {len(self._leaves)} parameters)"


class Tapes:
    """A function of one list of ids (a document's tokens) whose graph depends on its
    length, replayed over documents of any lengths: one ``Tape`` per length, recorded the
    first time a length comes. ``forward(documents)`` gives each document's output, in
    order; ``backward()`` adds the mean (or summed) gradient over all of them, as the
    scalar engine gives it for the mean of the documents' losses."""

    def __init__(
        self,
        fn: Callable[[list[int]], Value],
        tables: Mapping[str, Table],
        names: Names | None = None,
    ) -> None:
        self._fn, self._tables, self._names = fn, tables, names
        self.tapes: dict[int, Tape] = {}  # by length
        self._batch = 0

    def tape(self, length: int) -> Tape:
        """The program for documents of this many ids (recorded now, if it is new)."""
        if length not in self.tapes:
            self.tapes[length] = Tape.record(
                self._fn, [0] * length, names=self._names, tables=self._tables
            )
        return self.tapes[length]

    def forward(self, documents: Sequence[Sequence[int]], schedule: str | None = None) -> Array:
        """Each document's output: (documents,). ``schedule`` as ``Tape.forward`` takes it."""
        by_length: dict[int, list[int]] = {}
        for d, document in enumerate(documents):
            by_length.setdefault(len(document), []).append(d)
        if not by_length:
            raise ValueError("no documents")
        out = np.empty(len(documents))
        self._used: list[Tape] = []
        for length, which in by_length.items():
            tape = self.tape(length)
            ids = np.array([documents[d] for d in which]).reshape(len(which), length)
            out[which] = tape.forward(ids, schedule=schedule)
            self._used.append(tape)
        self._batch = len(documents)
        return out

    def backward(self, reduction: str = "mean") -> None:
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        if not self._batch:
            raise RuntimeError("backward needs a forward pass first: call tapes.forward(...)")
        for tape in self._used:
            tape._backward(1.0 / self._batch if reduction == "mean" else 1.0)

    def __repr__(self) -> str:
        return f"Tapes({len(self.tapes)} lengths: {sorted(self.tapes)})"


# --- helpers ---------------------------------------------------------------------------------


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a graph is built. Values hold no reference
    cycles, so it would find nothing in a graph, yet it walks every live Value again and
    again as the graph grows: a graph of a million Values builds about 3x faster without."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _order(outputs: list[Value]) -> list[Value]:
    """Every node the outputs depend on, inputs first (the engine's order), once each.
    Several outputs are ordered as the inputs of one node that gathers them."""
    if len(outputs) == 1:
        return outputs[0].topological_order()
    with enable_grad():
        gather = op_result(0.0, "gather", tuple(outputs), (0.0,) * len(outputs))
    return gather.topological_order()[:-1]


def _are_ids(example: Any) -> bool:
    """Whether an example argument is ids: an integer, or a list or array of them."""
    if isinstance(example, np.ndarray):
        return example.dtype.kind in "iu"
    items = example if isinstance(example, Sequence) and not isinstance(example, str) else [example]
    whole = [isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in items]
    return bool(whole) and all(whole)


def _call(fn: Callable[..., Any], arguments: list[Any], indexing: Indexing | None) -> Any:
    """fn(*arguments), with the tables extended where ids pick their rows. An id that
    indexes any other list (a list of computed Values, probs[target]) finds no row there."""
    try:
        with nullcontext() if indexing is None else indexing.extended():
            return fn(*arguments)
    except IndexError as error:
        if indexing is None or not indexing.uses:
            raise
        where = traceback.extract_tb(error.__traceback__)[-1]
        raise ValueError(
            f"{where.filename}:{where.lineno}: {where.line}: an id indexes a list that is not "
            "a table named in tables=; the tape can replay a row picked from a named table "
            "(wte[token]), or a loss's class: cross_entropy(logits, target) reads the "
            "target as a one-hot row, where probs[target] picks one computed Value"
        ) from error


def _with_tables(names: Names, tables: Mapping[str, Table]) -> Names:
    """The names given, and each table's leaves by place: ``wte[3][0]``."""

    def named() -> Mapping[Value, str]:
        out: dict[Value, str] = {}
        for name, table in tables.items():
            for r, row in enumerate(table):
                if isinstance(row, Value):
                    out[row] = f"{name}[{r}]"
                else:
                    out.update((v, f"{name}[{r}][{j}]") for j, v in enumerate(row))
        out.update(names() if callable(names) else names)
        return out

    return named


# Reading a Value's number: the methods noticed while a tape records, and what each is.
_READS = {
    "data": ".data",
    "__float__": "float()",
    "__bool__": "a truth test (if, and, or, not)",
    "__lt__": "a comparison",
    "__le__": "a comparison",
    "__gt__": "a comparison",
    "__ge__": "a comparison",
}
_recording = threading.RLock()  # one recording at a time: each swaps methods of the class


@contextmanager
def _noticing_reads() -> Iterator[list[tuple[str, int, str]]]:
    """Every place outside this library where this thread reads a Value's number while
    the block runs: (file, line, how). For that time only, the methods that read one are
    swapped on the class for ones that also look at who called them; the scalar engine
    keeps its speed the rest of the time."""
    reads: list[tuple[str, int, str]] = []
    thread = threading.get_ident()
    ours = {id(vars(module)) for name, module in list(sys.modules.items()) if _ours(name)}

    def noticed(method: Callable[..., Any], how: str) -> Callable[..., Any]:
        def read(self: Value, *other: Any) -> Any:
            caller = sys._getframe(1)
            if id(caller.f_globals) not in ours:  # the library's reads: most of them
                if _ours(caller.f_globals.get("__name__", "")):  # a module loaded since
                    ours.add(id(caller.f_globals))
                elif threading.get_ident() == thread:
                    reads.append((caller.f_code.co_filename, caller.f_lineno, how))
            return method(self, *other)

        return read

    with _recording:
        kept = [
            (cls, name, method)
            for cls in (Value, Parameter)  # a Parameter reads its number from its store
            for name, method in vars(cls).items()
            if name in _READS
        ]
        try:
            for cls, name, method in kept:
                if isinstance(method, property):
                    assert method.fget is not None
                    setattr(cls, name, property(noticed(method.fget, _READS[name]), method.fset))
                else:
                    setattr(cls, name, noticed(method, _READS[name]))
            yield reads
        finally:
            for cls, name, method in kept:
                setattr(cls, name, method)


def _ours(module: str) -> bool:
    """Whether a module (by name) is this library's."""
    return module.partition(".")[0] == "micrograd_plus"


def _refusal(reads: list[tuple[str, int, str]]) -> str:
    """Why a function that reads numbers is refused, with the file and line of each read."""
    places = list(dict.fromkeys(reads))  # once each, in the order first read
    lines = [
        f"  {file}:{line}: {how}: {linecache.getline(file, line).strip()}"
        for file, line, how in places[:5]
    ]
    if len(places) > 5:
        lines.append(f"  and {len(places) - 5} more places")
    return (
        "the function reads a Value's number while the tape records it; the tape would "
        "replay the recorded sample's number, or the path it chose, for every sample:\n"
        + "\n".join(lines)
        + "\ncompute with the Values themselves (relu and abs stand for a branch); "
        "micrograd_plus.functional.softmax shifts each row by its own largest logit"
    )


def _names(size: int, leaves: Mapping[int, Value], given: Mapping[Value, str]) -> list[str]:
    """Names in the program's text: as given, labels, constants by value, v1, v2, ..."""
    names: list[str] = []
    counter = 0
    for row in range(size):
        node = leaves.get(row)
        if node is None:
            counter += 1
            names.append(f"v{counter}")
        elif node in given:
            names.append(given[node])
        elif node.label:
            names.append(node.label)
        else:
            names.append(format_number(node.data))
    return names
