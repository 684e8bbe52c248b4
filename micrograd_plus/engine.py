"""The engine: a scalar `Value` that remembers how it was computed.

Every operation on Values returns a new Value that records three things:

- ``op``: the name of the operation, e.g. ``"*"`` or ``"tanh"`` (and ``op_number``, the
  number an op carries: the exponent of ``a ** 2``, leaky_relu's slope; else None);
- ``inputs``: the Values it was computed from, as a tuple (``a*a`` keeps both edges);
- ``local_derivatives``: for each input, the partial derivative of this node's
  value with respect to that input, evaluated at the forward pass.

``backward()`` then applies the chain rule from the output back to the leaves:
for each node, in reverse topological order, and for each of its inputs,

    input.grad += local_derivative * node.grad

so every op below is just its forward value and its local derivatives, side by side.
A local derivative that is zero passes nothing back, even times an infinite gradient (as
PyTorch's masks do: ``relu(x) ** 0.5`` at x = -1 gives x.grad = 0, not 0 * inf = nan).

The table of ops (``micrograd_plus.ops``) writes each op once more, for every kind of
number (floats, numpy arrays for the tape, Values for derivatives of derivatives) with its
text for pictures and programs; a test holds each method here equal to its entry there.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from micrograd_plus import floats
from micrograd_plus.floats import exact_text, format_number
from micrograd_plus.grad_mode import enable_grad, is_grad_enabled, no_grad
from micrograd_plus.scopes import current_scope

__all__ = [
    "Value",
    "as_float",
    "as_value",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "op_result",
]


def op_result(
    data: float,
    op: str,
    inputs: tuple[Value, ...],
    local_derivatives: tuple[float, ...],
    number: float | None = None,
) -> Value:
    """The Value an op returns: its data and, for backward, its inputs and the local
    derivative of its data with respect to each input (and the number the op carries).

    Every op below ends with it. A node made with it takes part in ``backward()`` and
    ``grad()`` as it is: for example sin, with d/da = cos(a),
    ``op_result(math.sin(a.data), "sin", (a,), (math.cos(a.data),))``. For its text in
    pictures, the tape's replay and ``grad(create_graph=True)``, an op needs its entry in
    the table of ops: ``micrograd_plus.ops.define`` (whose ``op(a)`` calls this).
    """
    if len(inputs) != len(local_derivatives):
        raise ValueError(
            f"an op needs one local derivative per input: got {len(inputs)} inputs "
            f"and {len(local_derivatives)} local derivatives"
        )
    out = Value(data)
    if is_grad_enabled():  # under no_grad() the result stays a leaf: nothing to go back through
        out.op, out.op_number = op, number
        out.inputs, out.local_derivatives = inputs, local_derivatives
        out.scope = current_scope()  # where in the graph: "attention/head 1", or ""
    return out


class Value:
    """A scalar in a computation graph: its ``data``, and the ``grad`` of the output wrt it."""

    __slots__ = (
        "_data",
        "grad",
        "label",
        "op",
        "op_number",
        "inputs",
        "local_derivatives",
        "scope",
    )
    __array_ufunc__ = None  # numpy scalars defer to us: np.float64(2) * Value(3) is a Value

    def __init__(self, data: float, label: str = "") -> None:
        """A leaf: a number given by the user (an input, a weight); op_result records how
        an op computed the Values it makes."""
        if type(label) is not str:
            raise TypeError(f"a label is text, got {type(label).__name__}: {label!r}")
        self._data = data if type(data) is float else as_float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.op_number: float | None = None
        self.inputs: tuple[Value, ...] = ()
        self.local_derivatives: tuple[float, ...] = ()
        self.scope = ""  # the scope it was computed in (micrograd_plus.scopes), if any

    @property
    def data(self) -> float:
        """The number this Value holds; set it to a number (p.data -= lr * p.grad)."""
        return self._data

    @data.setter
    def data(self, number: float) -> None:
        self._data = number if type(number) is float else as_float(number)

    def __repr__(self) -> str:
        parts = [f"data={format_number(self.data)}", f"grad={format_number(self.grad)}"]
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.op_number is not None:
            parts.append(f"op_number={exact_text(self.op_number)}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    # --- primitive operations: forward value and local derivatives ---------------

    def __add__(self, other: Value | float) -> Value:
        """a + b;  d/da = 1,  d/db = 1."""
        other = as_value(other)
        return op_result(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __sub__(self, other: Value | float) -> Value:
        """a - b;  d/da = 1,  d/db = -1."""
        other = as_value(other)
        return op_result(self.data - other.data, "-", (self, other), (1.0, -1.0))

    def __neg__(self) -> Value:
        """-a;  d/da = -1."""
        return op_result(-self.data, "neg", (self,), (-1.0,))

    def __mul__(self, other: Value | float) -> Value:
        """a * b;  d/da = b,  d/db = a."""
        other = as_value(other)
        a, b = self.data, other.data
        return op_result(a * b, "*", (self, other), (b, a))

    def __truediv__(self, other: Value | float) -> Value:
        """a / b;  d/da = 1 / b,  d/db = -a / b**2 = -(a / b) / b."""
        other = as_value(other)
        b = other.data
        out = floats.divide(self.data, b)
        return op_result(out, "/", (self, other), (floats.divide(1.0, b), -floats.divide(out, b)))

    def __pow__(self, exponent: Value | float) -> Value:
        """a ** n;  d/da = n * a**(n-1),  and for a Value n:  d/dn = a**n * log(a)."""
        if not isinstance(exponent, Value):
            n = as_float(exponent)
            out = floats.power_by_number(self.data, n)
            d_da = 0.0 if n == 0 else n * floats.power_by_number(self.data, n - 1.0)
            return op_result(out, "**n", (self,), (d_da,), number=n)
        a, n = self.data, exponent.data
        out = floats.power(a, n)
        d_da = 0.0 if n == 0 else n * floats.power(a, n - 1.0)
        # PyTorch's convention where the formula is 0 * inf: 0 ** n has d/dn = 0 for n >= 0.
        d_dn = 0.0 if a == 0 and n >= 0 else out * floats.log(a)
        return op_result(out, "**", (self, exponent), (d_da, d_dn))

    def exp(self) -> Value:
        """exp(a);  d/da = exp(a)."""
        out = floats.exp(self.data)
        return op_result(out, "exp", (self,), (out,))

    def log(self) -> Value:
        """Natural log(a);  d/da = 1 / a.  log(0) = -inf, log(a < 0) = nan, as in PyTorch."""
        return op_result(floats.log(self.data), "log", (self,), (floats.divide(1.0, self.data),))

    def tanh(self) -> Value:
        """tanh(a);  d/da = 1 - tanh(a)**2."""
        t = math.tanh(self.data)
        return op_result(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """sigmoid(a) = 1 / (1 + exp(-a));  d/da = sigmoid(a) * (1 - sigmoid(a))."""
        s = floats.sigmoid(self.data)
        return op_result(s, "sigmoid", (self,), (s * (1.0 - s),))

    def relu(self) -> Value:
        """relu(a) = max(0, a);  d/da = 1 if a > 0 else 0."""
        # written as PyTorch has it: relu(-0.0) = -0.0, relu(nan) = nan with d/da = 1
        out = 0.0 if self.data < 0 else self.data
        return op_result(out, "relu", (self,), (0.0 if self.data <= 0 else 1.0,))

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """leaky_relu(a) = a if a > 0 else slope * a;  d/da = 1 if a > 0 else slope."""
        slope = as_float(negative_slope)
        if self.data > 0:
            return op_result(self.data, "leaky_relu", (self,), (1.0,), number=slope)
        return op_result(slope * self.data, "leaky_relu", (self,), (slope,), number=slope)

    def abs(self) -> Value:
        """|a|;  d/da = sign(a), which is 0 at a = 0."""
        sign = 1.0 if self.data > 0 else -1.0 if self.data < 0 else 0.0
        return op_result(abs(self.data), "abs", (self,), (sign,))

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """a_1 + a_2 + ... + a_n as one node;  d/da_i = 1."""
        inputs = tuple([as_value(v) for v in values])
        total = floats.total([v.data for v in inputs])
        return op_result(total, "sum", inputs, (1.0,) * len(inputs))

    # --- derived operations: built from the primitives, no derivative of their own ---

    def __radd__(self, other: float) -> Value:  # number + a
        return self + other

    def __rmul__(self, other: float) -> Value:  # number * a
        return self * other

    def __rsub__(self, other: float) -> Value:  # number - a
        return as_value(other) - self

    def __rtruediv__(self, other: float) -> Value:  # number / a
        return as_value(other) / self

    def __rpow__(self, base: float) -> Value:  # number ** a
        return as_value(base) ** self

    # --- backpropagation -----------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node this Value depends on, each after all of its inputs, ending with self.

        Depth-first search with a stack of its own instead of recursion, so that a chain
        of a million nodes needs no deep Python call stack. A node is taken from the stack
        twice: first it is visited and put back under its inputs, then, once they are all
        placed, it is placed itself.
        """
        order: list[Value] = []
        visited: set[Value] = set()
        placed: set[Value] = set()
        stack = [self]
        while stack:
            node = stack.pop()
            if node not in visited:
                visited.add(node)
                stack.append(node)  # comes back here after its inputs
                for inp in reversed(node.inputs):  # reversed: the first input goes first
                    if inp not in visited:
                        stack.append(inp)
            elif node not in placed:  # back, with its inputs placed
                placed.add(node)
                order.append(node)
        return order

    def backward(self) -> None:
        """Fill in ``grad`` of every node: d(self)/d(node), by the chain rule.

        As in PyTorch, leaves (Values made directly, such as weights) accumulate: each
        pass sums its contributions to a leaf, then adds that sum to what the leaf held,
        so a second call exactly doubles. Inner nodes hold this pass's gradient.
        """
        order = self.topological_order()
        earlier = {}  # leaves' gradients from earlier passes, added back at the end
        for node in order:
            if not node.inputs and node.grad:
                earlier[node] = node.grad
            node.grad = -0.0  # -0.0 + x is exactly x: the first contribution, sign and all
        self.grad = 1.0  # d(self)/d(self)
        for node in reversed(order):
            node.backward_step()
        for leaf, grad in earlier.items():
            leaf.grad += grad

    def backward_step(self) -> None:
        """One node's step of the chain rule: for each input,
        ``input.grad += local_derivative * self.grad``. (micrograd calls it ``_backward``.)"""
        for inp, local_derivative in zip(self.inputs, self.local_derivatives):
            contribution = local_derivative * self.grad
            if contribution != contribution and not local_derivative:  # 0 * inf or 0 * nan:
                contribution = 0.0  # a zero local derivative passes nothing back
            inp.grad += contribution

    # --- what a student types, answered as PyTorch would --------------------------------

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:  # bool(Value(0.0)) is False, as bool(torch.tensor(0.))
        return bool(self.data)

    def __lt__(self, other: Value | float) -> bool:  # compares data; == stays identity,
        return self.data < _data(other)  # so that Values hash as nodes of a graph

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _data(other)

    # --- micrograd's names, so that its lecture runs on this Value ------------------------

    @property
    def _prev(self) -> set[Value]:
        """The inputs as a set (micrograd's name; ``inputs`` keeps order and repeats)."""
        return set(self.inputs)

    @property
    def _op(self) -> str:
        """The op as micrograd writes it: ``*``, ``**2``, ``tanh``."""
        if self.op_number is None:
            return self.op
        return f"**{exact_text(self.op_number)}" if self.op == "**n" else self.op

    def _backward(self) -> None:
        """micrograd's name for ``backward_step``."""
        self.backward_step()


# --- helpers -----------------------------------------------------------------------


def as_float(x: object) -> float:
    """x as a Python float, if it is a real number (int, float, numpy scalar)."""
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(
        f"expected a real number (int, float or numpy scalar), got {type(x).__name__}: {x!r}"
    )


def _data(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else as_float(x)


def as_value(x: Value | float, label: str = "") -> Value:
    """``x`` itself if it is a Value, else a new leaf ``Value(x, label)``."""
    return x if isinstance(x, Value) else Value(x, label)
