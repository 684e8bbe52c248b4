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

Each engine op has its numpy twin in ``TWINS``: its forward value and its local
derivatives, written element-wise exactly as in ``engine.py`` (a test checks them against
the scalar ops). Two replays of the same program exist: ``schedule="nodes"``, one numpy
call per node, the readable reference; and ``schedule="levels"`` (the default), which runs
all nodes of one op at one depth of the graph as a single numpy call on gathered rows, so
a layer of a network is a handful of calls. They give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_plus.engine import Value, enable_grad, op_result, split_op
from micrograd_plus.floats import BCE_EPSILON, format_number

__all__ = ["TWINS", "Tape"]

Array = np.ndarray
Forward = Callable[..., Array]  # (input arrays..., n) -> value
Locals = Callable[..., tuple[Any, ...]]  # (input arrays..., out, n) -> local derivatives


def _sigmoid(a: Array) -> Array:
    """1 / (1 + exp(-a)), as the engine (floats.sigmoid): 0 where exp(-a) overflows."""
    return np.asarray(1.0 / (1.0 + np.exp(-a)))


def _power_by_number(a: Array, n: float) -> Array:
    """a ** n for a constant n, as the engine (floats.power_by_number) and PyTorch."""
    if n == 0:
        out = np.ones_like(a)
    elif n == 1:
        out = a
    elif n == 2:
        out = a * a
    elif n == 3:
        out = a * a * a
    elif n == -1:
        out = 1.0 / a
    elif n == -2:
        out = 1.0 / (a * a)
    elif n == 0.5:
        out = np.sqrt(a)
    elif n == -0.5:
        out = 1.0 / np.sqrt(a)
    else:
        out = np.power(a, n)
    return np.asarray(out)


def _power_base(a: Array, n: Any, power: Callable[[Array, Any], Array]) -> Any:
    """d(a ** n)/da = n * a ** (n - 1), and 0 where n == 0 (as the engine and PyTorch)."""
    return np.where(n == 0, 0.0, n * power(a, n - 1.0))


# Each op's numpy twin: (forward, local derivatives), element-wise on arrays.
TWINS: dict[str, tuple[Forward, Locals]] = {
    "+": (lambda a, b, n: a + b, lambda a, b, out, n: (1.0, 1.0)),
    "-": (lambda a, b, n: a - b, lambda a, b, out, n: (1.0, -1.0)),
    "neg": (lambda a, n: -a, lambda a, out, n: (-1.0,)),
    "*": (lambda a, b, n: a * b, lambda a, b, out, n: (b, a)),
    "/": (lambda a, b, n: a / b, lambda a, b, out, n: (1.0 / b, -(out / b))),
    "**": (
        lambda a, b, n: np.power(a, b),
        lambda a, b, out, n: (
            _power_base(a, b, np.power),
            np.where((a == 0) & (b >= 0), 0.0, out * np.log(a)),
        ),
    ),
    "**n": (
        lambda a, n: _power_by_number(a, n),
        lambda a, out, n: (_power_base(a, n, _power_by_number),),
    ),
    "sum": (lambda *xs, n: sum(xs[1:], xs[0]), lambda *xs, n: (1.0,) * (len(xs) - 1)),
    "exp": (lambda a, n: np.exp(a), lambda a, out, n: (out,)),
    "log": (lambda a, n: np.log(a), lambda a, out, n: (1.0 / a,)),
    "tanh": (lambda a, n: np.tanh(a), lambda a, out, n: (1.0 - out * out,)),
    "sigmoid": (lambda a, n: _sigmoid(a), lambda a, out, n: (out * (1.0 - out),)),
    "relu": (
        lambda a, n: np.where(a < 0, 0.0, a),
        lambda a, out, n: (np.where(a <= 0, 0.0, 1.0),),
    ),
    "leaky_relu": (
        lambda a, n: np.where(a > 0, a, n * a),
        lambda a, out, n: (np.where(a > 0, 1.0, n),),
    ),
    "abs": (
        lambda a, n: np.abs(a),
        lambda a, out, n: (np.where(a > 0, 1.0, np.where(a < 0, -1.0, 0.0)),),
    ),
    # the perceptron's step (nn.Perceptron.step): flat wherever it is defined
    "step": (lambda z, n: np.where(z >= 0, 1.0, 0.0), lambda z, out, n: (0.0,)),
    # the ops losses.py makes with op_result, with the target as their second input
    "bce": (
        lambda p, y, n: (
            (y - 1.0) * np.maximum(np.log1p(-p), -100.0) - y * np.maximum(np.log(p), -100.0)
        ),
        lambda p, y, out, n: (
            (p - y) / np.maximum(p * (1.0 - p), BCE_EPSILON),
            -np.log(p / (1.0 - p)),
        ),
    ),
    "bce_with_logits": (
        lambda z, y, n: (
            (1.0 - y) * np.maximum(z, 0.0) - y * np.minimum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
        ),
        lambda z, y, out, n: (_sigmoid(z) - y, -z),
    ),
}


@dataclass(frozen=True)
class _Op:
    """One instruction of the program: ``row = op(input rows)``."""

    row: int
    op: str  # as the engine names it: "*", "**2", "leaky_relu(0.01)"
    name: str  # its entry in TWINS: "*", "**n", "leaky_relu"
    number: float | None  # the number an op carries (exponent, slope)
    inputs: tuple[int, ...]


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

    name: str
    number: float | None
    rows: Array  # (m,) the rows the ops write
    inputs: Array  # (m, k) the rows they read
    scatters: tuple[_Scatter, ...]  # per input slot, for the backward


class Tape:
    """A recorded graph that replays over a batch. Make one with ``Tape.record`` or
    ``Tape.for_model``; ``forward(*arrays)``, then ``backward()``."""

    def __init__(
        self,
        fn: Callable[..., Any],
        shapes: list[int | None],
        order: list[Value],
        outputs: list[Value],
        inputs: list[Value],
        names: dict[Value, str],
    ) -> None:
        row = self._row = {node: i for i, node in enumerate(order)}
        self._fn = fn
        self._shapes = shapes  # per argument of fn: None for one number, k for k numbers
        self._size = len(order)
        self._outputs = [row[node] for node in outputs]
        self._input_rows = [row[node] for node in inputs]
        taken = set(inputs)  # every other leaf is read from .data at each replay
        self._leaves = [node for node in order if not node.inputs and node not in taken]
        self._fixed_rows = np.array([row[node] for node in self._leaves], dtype=np.intp)
        self._names = [names[node] for node in order]
        self._nodes = [node if not node.inputs else None for node in order]  # leaves only
        self._ops: list[_Op] = []
        for node in order:
            if node.inputs:
                name, number = split_op(node.op)
                if name not in TWINS:
                    raise ValueError(
                        f"the op {node.op!r} has no numpy twin in micrograd_plus.tape.TWINS: "
                        "the tape can replay only the engine's ops and the losses'"
                    )
                inputs_of = tuple(row[inp] for inp in node.inputs)
                self._ops.append(_Op(row[node], node.op, name, number, inputs_of))
        self._groups = _schedule(self._ops)
        self._checked = False
        self._values: Array | None = None
        self._locals: dict[int, tuple[Any, ...]] = {}
        self._schedule = "levels"
        self._one_hot = 0  # cross-entropy's targets: class indices made one-hot rows
        self._model_rows: list[int] = []

    @property
    def size(self) -> int:
        """How many Values the program has: the rows of each array a replay holds."""
        return self._size

    # --- recording ----------------------------------------------------------------------

    @classmethod
    def record(cls, fn: Callable[..., Any], *example_inputs: Any) -> Tape:
        """Call ``fn`` once on the example inputs (Values or numbers, or lists of them for
        an argument that takes several) and keep its graph as a program. ``fn`` returns a
        Value (what ``backward`` differentiates) or a list of Values."""
        arguments: list[Any] = []
        inputs: list[Value] = []
        shapes: list[int | None] = []
        for example in example_inputs:
            if isinstance(example, Sequence | np.ndarray) and not isinstance(example, str):
                values = [_leaf(x, f"x{len(inputs) + j}") for j, x in enumerate(example)]
                arguments.append(values)
                inputs += values
                shapes.append(len(values))
            else:
                value = _leaf(example, f"x{len(inputs)}")
                arguments.append(value)
                inputs.append(value)
                shapes.append(None)
        if len(set(map(id, inputs))) != len(inputs):
            raise ValueError("each input of the tape must be a Value of its own")
        with enable_grad():  # a tape is a graph, even when recorded inside no_grad()
            result = fn(*arguments)
        outputs = list(result) if isinstance(result, list | tuple) else [result]
        if not outputs or not all(isinstance(out, Value) for out in outputs):
            raise TypeError(f"the function must return a Value or a list of Values, got {result!r}")
        order = _order(outputs)
        reached = set(order)
        for i, value in enumerate(inputs):
            if value not in reached:
                raise ValueError(
                    f"input {i} ({value.label}) does not reach the output: the function must "
                    "compute with the Value itself, not read its .data (a number read from "
                    ".data is baked into the tape as a constant)"
                )
        names = _names(order, inputs)
        return cls(fn, shapes, order, outputs, inputs, names)

    @classmethod
    def for_model(cls, model: Any, loss: str = "bce") -> Tape:
        """``loss(model(x), y)`` for one sample, with x and the target y as inputs (a
        class index is given as a one-hot row: cross-entropy is recorded on one-hot
        targets). Its replay takes ``forward(X, y)`` with y as ``train`` takes it."""
        from micrograd_plus.functional import log_softmax
        from micrograd_plus.nn import short_name
        from micrograd_plus.training import loss_function

        outputs = model.nout
        x = [Value(0.0, f"x{i}") for i in range(model.nin)]
        scores: list[Any] = []  # the model's outputs, kept so that accuracy can read them

        if loss == "cross_entropy":

            def class_loss(x: list[Value], one_hot: list[Value]) -> Value:
                scores.append(model(x))
                terms = zip(one_hot, log_softmax(scores[-1]))
                return -Value.sum(y * p for y, p in terms)

            one_hot = [Value(float(c == 0), f"y{c}") for c in range(outputs)]
            tape = cls.record(class_loss, x, one_hot)
            tape._one_hot = outputs
        else:
            fn = loss_function(model, loss)

            def sample_loss(x: list[Value], y: Value) -> Value:
                scores.append(model(x))
                return fn(scores[-1], y)

            tape = cls.record(sample_loss, x, Value(1.0, "y"))  # a target every loss takes
        first = scores[0] if isinstance(scores[0], list) else [scores[0]]
        tape._model_rows = [tape._row[node] for node in first]
        short = {p: short_name(name) for name, p in model.named_parameters()}
        tape._names = [short.get(leaf, name) for leaf, name in zip(tape._nodes, tape._names)]
        return tape

    # --- replaying ----------------------------------------------------------------------

    def forward(self, *arrays: Any, schedule: str = "levels") -> Array:
        """Run the program over a batch: one array per argument of the recorded function,
        (batch,) for a number and (batch, k) for k numbers. Returns the output over the
        batch: (batch,), or (batch, k) for a function that returned k Values.

        The first call checks the tape against the scalar engine on up to 8 samples
        spread over the batch: a function whose graph depends on the numbers (a Python
        ``if`` on ``.data``) is an error naming the sample, not a wrong answer."""
        if schedule not in ("levels", "nodes"):
            raise ValueError(f"schedule must be 'levels' or 'nodes', got {schedule!r}")
        columns = self._columns(arrays)
        batch = columns.shape[1]
        values = np.empty((self._size, batch))
        values[self._input_rows] = columns
        values[self._fixed_rows] = np.array([leaf.data for leaf in self._leaves])[:, None]
        self._locals = {}
        with np.errstate(all="ignore"):  # inf and nan as IEEE 754 gives them, no warnings
            if schedule == "nodes":
                self._forward_nodes(values)
            else:
                self._forward_levels(values)
        self._values, self._schedule = values, schedule
        out = values[self._outputs].T
        result = out[:, 0] if len(self._outputs) == 1 else out
        if not self._checked:
            self._check(arrays, result)
            self._checked = True
        return np.array(result)

    def _forward_nodes(self, values: Array) -> None:
        """The reference: one numpy call per node, in topological order."""
        for op in self._ops:
            forward, local = TWINS[op.name]
            xs = [values[i] for i in op.inputs]
            values[op.row] = forward(*xs, n=op.number)
            self._locals[op.row] = local(*xs, values[op.row], n=op.number)

    def _forward_levels(self, values: Array) -> None:
        """All ops of one kind at one depth as one numpy call on gathered rows."""
        for g, group in enumerate(self._groups):
            forward, local = TWINS[group.name]
            gathered = values[group.inputs]  # (m, k, batch)
            if group.name == "sum":  # k inputs: one reduction, not k - 1 additions
                out = gathered.sum(axis=1)
                self._locals[g] = (1.0,)
            else:
                xs = [gathered[:, j] for j in range(gathered.shape[1])]
                out = forward(*xs, n=group.number)
                self._locals[g] = local(*xs, out, n=group.number)
            values[group.rows] = out

    def backward(self, reduction: str = "mean") -> None:
        """The chain rule over the last forward's arrays; adds the batch's mean (or sum)
        gradient to each parameter's (each non-input leaf's) ``.grad``."""
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        if self._values is None:
            raise RuntimeError("backward needs a forward pass first: call tape.forward(...)")
        if len(self._outputs) != 1:
            raise ValueError("backward needs a function that returned one Value")
        values = self._values
        batch = values.shape[1]
        grads = np.zeros_like(values)
        grads[self._outputs[0]] = 1.0 / batch if reduction == "mean" else 1.0
        with np.errstate(all="ignore"):
            if self._schedule == "nodes":
                self._backward_nodes(grads)
            else:
                self._backward_levels(grads)
        for leaf, grad in zip(self._leaves, grads[self._fixed_rows].sum(axis=1).tolist()):
            leaf.grad += grad

    def _backward_nodes(self, grads: Array) -> None:
        for op in reversed(self._ops):
            for i, local in zip(op.inputs, self._locals[op.row]):
                grads[i] += local * grads[op.row]

    def _backward_levels(self, grads: Array) -> None:
        for g in range(len(self._groups) - 1, -1, -1):
            group = self._groups[g]
            upstream = grads[group.rows]  # (m, batch)
            locals_ = self._locals[g]
            for j, scatter in enumerate(group.scatters):
                local = locals_[0 if group.name == "sum" else j]
                ones = isinstance(local, float) and local == 1.0
                scatter.add(grads, upstream if ones else local * upstream)

    def model_outputs(self) -> Array:
        """For a tape made by ``for_model``: the model's outputs in the last forward,
        (batch,) for one output, (batch, k) for k."""
        if self._values is None or not self._model_rows:
            raise RuntimeError("no forward pass of a model's tape yet")
        out = self._values[self._model_rows].T
        return np.array(out[:, 0] if len(self._model_rows) == 1 else out)

    # --- checks and text ----------------------------------------------------------------

    def _columns(self, arrays: tuple[Any, ...]) -> Array:
        """The arguments as rows of the input leaves: (inputs, batch)."""
        if self._one_hot and len(arrays) == 2:
            arrays = (arrays[0], _one_hot(np.asarray(arrays[1]), self._one_hot))
        if len(arrays) != len(self._shapes):
            raise ValueError(f"this tape takes {len(self._shapes)} arrays, got {len(arrays)}")
        rows = []
        batch = None
        for i, (array, shape) in enumerate(zip(arrays, self._shapes)):
            a = np.asarray(array, dtype=np.float64)
            expected = "(batch,)" if shape is None else f"(batch, {shape})"
            fits = a.ndim == 1 if shape is None else a.ndim == 2 and a.shape[1] == shape
            if not fits:
                raise ValueError(f"argument {i} must have shape {expected}, got {a.shape}")
            if batch is None:
                batch = a.shape[0]
            elif a.shape[0] != batch:
                raise ValueError(f"argument {i} has {a.shape[0]} samples, argument 0 has {batch}")
            rows.append(a[None, :] if shape is None else a.T)
        if not batch:
            raise ValueError("the batch is empty")
        return np.concatenate(rows, axis=0)

    def _check(self, arrays: tuple[Any, ...], result: Array) -> None:
        """Re-run the function with the scalar engine on a few samples: the same ops, and
        the same output, or a clear error."""
        if self._one_hot and len(arrays) == 2:
            arrays = (arrays[0], _one_hot(np.asarray(arrays[1]), self._one_hot))
        batch = len(result)
        picks = sorted({round(i) for i in np.linspace(0, batch - 1, min(8, batch))})
        ops = [op.op for op in self._ops]
        for s in picks:
            sample = [np.asarray(a, dtype=np.float64)[s] for a in arrays]
            arguments = [
                [Value(float(v)) for v in x] if shape is not None else Value(float(x))
                for x, shape in zip(sample, self._shapes)
            ]
            with enable_grad():
                out = self._fn(*arguments)
            outs = list(out) if isinstance(out, list | tuple) else [out]
            order = _order(outs)
            if [n.op for n in order if n.inputs] != ops:
                raise ValueError(
                    f"sample {s} takes another path through the function than the recorded "
                    "one (a Python `if` on a Value's .data?): the tape cannot replay it"
                )
            expected = np.array([o.data for o in outs])
            got = np.atleast_1d(result[s])
            if not np.allclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True):
                raise ValueError(
                    f"sample {s}: the tape gives {got.tolist()} but the function gives "
                    f"{expected.tolist()}: it reads numbers the tape cannot see"
                )

    def __str__(self) -> str:
        lines = []
        for op in self._ops:
            args = [self._names[i] for i in op.inputs]
            name = self._names[op.row]
            lines.append(f"{name} = {_formula(op, args)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        inputs = len(self._input_rows)
        return f"Tape({len(self._ops)} ops, {inputs} inputs, {len(self._leaves)} parameters)"


# --- helpers ---------------------------------------------------------------------------------


def _leaf(x: Any, label: str) -> Value:
    return x if isinstance(x, Value) else Value(float(x), label)


def _one_hot(y: Array, classes: int) -> Array:
    if y.ndim == 2:
        return y
    rows = np.zeros((len(y), classes))
    rows[np.arange(len(y)), y.astype(int)] = 1.0
    return rows


def _order(outputs: list[Value]) -> list[Value]:
    """Every node the outputs depend on, inputs first (the engine's order), once each.
    Several outputs are ordered as the inputs of one node that gathers them."""
    if len(outputs) == 1:
        return outputs[0].topological_order()
    with enable_grad():
        gather = op_result(0.0, "gather", tuple(outputs), (0.0,) * len(outputs))
    return gather.topological_order()[:-1]


def _names(order: list[Value], inputs: list[Value]) -> dict[Value, str]:
    """Names in the program's text: labels, constants by value, v1, v2, ... otherwise."""
    names: dict[Value, str] = {}
    counter = 0
    for node in order:
        if node.inputs:
            counter += 1
            names[node] = f"v{counter}"
        elif node.label:
            names[node] = node.label
        else:
            names[node] = format_number(node.data)
    return names


def _formula(op: _Op, args: list[str]) -> str:
    infix = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**"}
    if op.name in infix:
        return f"{args[0]} {infix[op.name]} {args[1]}"
    if op.name == "**n":
        return f"{args[0]} ** {op.op[2:]}"
    if op.name == "neg":
        return f"-{args[0]}"
    return f"{op.op}({', '.join(args)})"


def _schedule(ops: list[_Op]) -> list[_Group]:
    """Ops grouped by depth (1 + the deepest input) and kind: each group one numpy call.
    Inputs of one group are never written by it, so a group can run all at once."""
    depth: dict[int, int] = {}
    groups: dict[tuple[int, str, str, int], list[_Op]] = {}
    for op in ops:
        d = 1 + max((depth.get(i, 0) for i in op.inputs), default=0)
        depth[op.row] = d
        number = repr(op.number)  # as text, nan equals nan: x ** nan ops group together
        groups.setdefault((d, op.name, number, len(op.inputs)), []).append(op)
    out = []
    for (_, name, _, _), members in sorted(groups.items(), key=lambda item: item[0][0]):
        rows = np.array([op.row for op in members])
        inputs = np.array([op.inputs for op in members])
        scatters = tuple(_scatter(inputs[:, j]) for j in range(inputs.shape[1]))
        out.append(_Group(name, members[0].number, rows, inputs, scatters))
    return out


def _scatter(reads: Array) -> _Scatter:
    order = np.argsort(reads, kind="stable")
    targets, starts = np.unique(reads[order], return_index=True)
    return _Scatter(reads, len(targets) == len(reads), order, targets, starts)
