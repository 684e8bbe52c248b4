"""The table of ops: every op a Value can record, each in one entry, for every kind of number.

An entry holds everything the project knows about an op:

- its **value** and its **local derivatives**, written once with ``m``, the math they
  are computed with: ``FLOATS`` (Python floats, as the engine), ``ARRAYS`` (numpy arrays,
  as the tape replays a batch) or ``VALUES`` (Values, so that ``grad(create_graph=True)``
  can differentiate a derivative again);
- its **text**: the formula the printed programs, the pictures and the stepper write
  (``{a} * {b}``), each input's local derivative as text, and the label of its circle.

``n`` is the number an op carries (the exponent of ``a ** 2``, leaky_relu's slope), else
None. The engine's methods (``engine.py``) compute the same values and local derivatives
on floats, written out for a student to read and for speed; ``tests/test_ops.py`` holds
every method equal to its entry bit for bit, at random points and at the extremes.

A new op is one more entry: ``define`` it, and ``op(*values)`` makes its node::

    softplus = define("softplus", "softplus({a})", ("sigmoid({a})",),
                      value=lambda m, a, n: m.log1p(m.exp(a)),
                      local=lambda m, a, out, n: (m.sigmoid(a),))
    y = softplus(Value(0.5))  # backward(), grad() to any order, the tape, pictures, stepper

Its lines may use what every kit has (the same names in the three: ``exp``, ``log``,
``where`` ...); an op that needs more math adds it to each kit.

**A local derivative that is zero passes nothing back**, even times an infinite or nan
gradient, as PyTorch's masks do (relu, ``x ** 0``): ``relu(x) ** 0.5`` at x = -1 gives
x.grad = 0, not 0 * inf = nan. Where a zero is a Value's number in a derivative's graph
(``a * b`` at b = 0), ``grad(create_graph=True)`` multiplies, so that higher derivatives
keep the term.
"""

from __future__ import annotations

import math
import operator
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from micrograd_plus import floats
from micrograd_plus.engine import Value, as_float, op_result
from micrograd_plus.floats import exact_text

__all__ = ["FLOATS", "OPS", "VALUES", "Op", "define", "fill", "slot"]

# --- the kits: the same math on floats, on arrays and on Values ------------------------


class FLOATS:
    """Math on Python floats, as IEEE 754 and PyTorch define it (inf and nan, no errors)."""

    exp, log, log1p, sigmoid = floats.exp, floats.log, floats.log1p, floats.sigmoid
    divide, power, power_by_number, total, largest = (
        floats.divide,
        floats.power,
        floats.power_by_number,
        floats.total,
        floats.largest,
    )
    tanh, abs, maximum, minimum = math.tanh, abs, max, min

    @staticmethod
    def relu(a: float) -> float:
        return 0.0 if a < 0 else a  # relu(-0.0) = -0.0 and relu(nan) = nan, as PyTorch

    @staticmethod
    def where(condition: bool, yes: Any, no: Any) -> Any:
        return yes if condition else no

    @staticmethod
    def equal(a: float, number: float) -> bool:
        return a == number


def _number(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else x


class VALUES:
    """The same math on Values, recorded as a graph (a derivative that can be differentiated
    again). A choice (``where``, ``maximum``) is made on the numbers and keeps the branch
    taken, as PyTorch's derivatives of piecewise functions do; a constant stays a float."""

    exp, log, tanh, sigmoid, relu, abs = (
        Value.exp,
        Value.log,
        Value.tanh,
        Value.sigmoid,
        Value.relu,
        Value.abs,
    )
    total = staticmethod(Value.sum)

    @staticmethod
    def largest(values: list[Value | float]) -> Value:
        """A constant: the largest number, which passes no gradient (softmax's shift)."""
        return Value(floats.largest([_number(v) for v in values]))

    @staticmethod
    def log1p(a: Value) -> Value:
        return (1.0 + a).log()

    divide = staticmethod(operator.truediv)  # 1.0 / b: b.__rtruediv__, a Value

    @staticmethod
    def power(a: Value, b: Value) -> Value:
        return a**b

    @staticmethod
    def power_by_number(a: Value, n: float) -> Value:
        return a**n

    @staticmethod
    def where(condition: bool, yes: Any, no: Any) -> Any:
        return yes if condition else no

    @staticmethod
    def maximum(a: Value | float, b: Value | float) -> Value | float:
        return a if _number(a) >= _number(b) else b

    @staticmethod
    def minimum(a: Value | float, b: Value | float) -> Value | float:
        return a if _number(a) <= _number(b) else b

    @staticmethod
    def equal(a: Value | float, number: float) -> bool:
        return _number(a) == number


# --- the table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One op: its value and local derivatives for any kit ``m``, and its text.

    ``formula`` and ``rules`` have holes ``{a}``, ``{b}``, ... for the inputs, ``{out}``
    for the node itself and ``{n}`` for the number it carries; ``label`` is its circle's
    text. ``inputs`` is how many it takes (None: any number, as ``sum``, whose formula
    writes them all in the hole ``{all}``)."""

    name: str
    formula: str
    rules: tuple[str, ...]
    value: Callable[..., Any]  # (m, *inputs, n) -> the value
    local: Callable[..., tuple[Any, ...]]  # (m, *inputs, out, n) -> one per input
    label: str = ""
    inputs: int | None = field(default=None)

    def __call__(self, *inputs: Value | float, number: float | None = None) -> Value:
        """This op applied to Values (or numbers), as the engine applies its own: the node
        with its data and its local derivatives, computed on floats."""
        values = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
        if self.inputs is not None and len(values) != self.inputs:
            raise TypeError(f"{self.name} takes {self.inputs} inputs, got {len(values)}")
        n = None if number is None else as_float(number)
        numbers = [v.data for v in values]
        out = self.value(FLOATS, *numbers, n)
        local = tuple(as_float(d) for d in self.local(FLOATS, *numbers, out, n))
        return op_result(as_float(out), self.name, values, local, n)

    def templates(self, count: int, number: float | None) -> tuple[str, tuple[str, ...]]:
        """The formula and each input's local derivative as text, for ``count`` inputs,
        with the op's number written in and the holes {a}, {b}, ..., {out} left open."""
        n = "" if number is None else exact_text(number)
        holes = [f"{{{slot(i)}}}" for i in range(count)]
        joined = " + ".join(holes) if self.formula == "{all}" else ", ".join(holes)
        formula = self.formula.replace("{all}", joined)  # sum's terms, max's arguments
        rules = self.rules * count if self.inputs is None else self.rules
        return formula.replace("{n}", n), tuple(rule.replace("{n}", n) for rule in rules)

    def text(self, inputs: list[str], number: float | None = None) -> str:
        """The formula with its inputs named: ``x1 * w1``, ``v3 ** 2``, ``relu(h)``."""
        return fill(self.templates(len(inputs), number)[0], inputs)

    def circle(self, number: float | None) -> str:
        """The text of the op's circle in a picture: ``**2``, ``leaky_relu(0.01)``, ``tanh``."""
        n = "" if number is None else exact_text(number)
        return (self.label or self.name).replace("{n}", n)


def slot(i: int) -> str:
    """The hole of input i in a template: {a}, {b}, ..., {z} ({n} left out: it is the
    number an op carries), then {a25}, {a26}, ..."""
    letters = "abcdefghijklmopqrstuvwxyz"
    return letters[i] if i < len(letters) else f"a{i}"


def fill(template: str, inputs: list[str], out: str = "", local: str = "") -> str:
    """A template with its holes filled: the inputs' texts, the node's (``{out}``), and a
    local derivative known only as a number (``{local}``, an op outside the table)."""
    holes = {slot(i): text for i, text in enumerate(inputs)}
    return template.format(out=out, local=local, **holes)


OPS: dict[str, Op] = {}


def define(
    name: str,
    formula: str,
    rules: tuple[str, ...],
    *,
    value: Callable[..., Any],
    local: Callable[..., tuple[Any, ...]],
    label: str = "",
) -> Op:
    """A new op in the table (its name not taken): see the module's docstring. Its
    formula and rules may use the holes of its inputs (one rule each), {out} and {n}."""
    if name in OPS:
        raise ValueError(f"the op {name!r} is already in the table")
    inputs = None if "{all}" in formula else len(rules)
    allowed = {"out", "n", *(slot(i) for i in range(inputs or 1))}
    for text in (formula, *rules):
        holes = {field for _, field, _, _ in string.Formatter().parse(text) if field}
        if inputs is not None and holes - allowed:
            raise ValueError(
                f"{name}: {text!r} has the holes {sorted(holes - allowed)}, but an op of "
                f"{inputs} input(s) has only {sorted(allowed)} (one rule per input)"
            )
    op = Op(name, formula, rules, value, local, label, inputs)
    OPS[name] = op
    return op


def _power_base(m: Any, a: Any, n: Any) -> Any:
    """d(a ** n)/da = n * a ** (n - 1), and 0 where n = 0 (as PyTorch)."""
    return m.where(m.equal(n, 0.0), 0.0, n * m.power(a, n - 1.0))


def _bce(m: Any, p: Any, y: Any, n: Any) -> Any:
    """(y - 1) max(log(1 - p), -100) - y max(log p, -100), PyTorch's clamp of each log."""
    return (y - 1.0) * m.maximum(m.log1p(-p), -100.0) - y * m.maximum(m.log(p), -100.0)


def _bce_d_dp(m: Any, p: Any, y: Any) -> Any:
    """d/dp = -y/p + (1 - y)/(1 - p). A term whose weight (y or 1 - y) is 0 is left out,
    so y = 1 gives -1/p and y = 0 gives 1/(1 - p), exactly, at every order (0 where
    that log is clamped at -100, flat); between them PyTorch's
    (p - y) / max(p (1 - p), 1e-12), finite at p = 0 and 1."""
    between = m.divide(p - y, m.maximum(p * (1.0 - p), floats.BCE_EPSILON))
    one = m.where(m.log(p) > -100.0, m.divide(-1.0, p), 0.0)  # 0 where the log is clamped
    zero = m.where(m.log1p(-p) > -100.0, m.divide(1.0, 1.0 - p), 0.0)
    return m.where(m.equal(y, 1.0), one, m.where(m.equal(y, 0.0), zero, between))


# The engine's ops, as engine.py computes them on floats.
define(
    "+",
    "{a} + {b}",
    ("1", "1"),
    value=lambda m, a, b, n: a + b,
    local=lambda m, a, b, out, n: (1.0, 1.0),
)
define(
    "-",
    "{a} - {b}",
    ("1", "-1"),
    value=lambda m, a, b, n: a - b,
    local=lambda m, a, b, out, n: (1.0, -1.0),
)
define("neg", "-{a}", ("-1",), value=lambda m, a, n: -a, local=lambda m, a, out, n: (-1.0,))
define(
    "*",
    "{a} * {b}",
    ("{b}", "{a}"),
    value=lambda m, a, b, n: a * b,
    local=lambda m, a, b, out, n: (b, a),
)
define(
    "/",
    "{a} / {b}",
    ("1 / {b}", "-{out} / {b}"),
    value=lambda m, a, b, n: m.divide(a, b),
    local=lambda m, a, b, out, n: (m.divide(1.0, b), -m.divide(out, b)),
)
define(
    "**",
    "{a} ** {b}",
    ("{b} * {a} ** ({b} - 1)", "{out} * log({a})"),
    value=lambda m, a, b, n: m.power(a, b),
    local=lambda m, a, b, out, n: (
        _power_base(m, a, b),
        # 0 ** b has d/db = 0 for b >= 0, where the formula is 0 * -inf (as PyTorch)
        m.where(m.equal(a, 0.0) & (b >= 0), 0.0, out * m.log(a)),
    ),
)
define(
    "**n",
    "{a} ** {n}",
    ("{n} * {a} ** ({n} - 1)",),
    value=lambda m, a, n: m.power_by_number(a, n),
    local=lambda m, a, out, n: (0.0 if n == 0 else n * m.power_by_number(a, n - 1.0),),
    label="**{n}",
)
define(
    "sum",
    "{all}",
    ("1",),
    value=lambda m, *xs: m.total(list(xs[:-1])),
    local=lambda m, *xs: (1.0,) * (len(xs) - 2),
)
# softmax's shift (functional._shifted): the largest input, read per sample and passing
# no gradient back, as PyTorch's softmax does (z.max().detach()). Shifting all logits by
# any number changes nothing softmax computes, so its derivatives of every order hold.
define(
    "max",
    "max({all})",
    ("0",),
    value=lambda m, *xs: m.largest(list(xs[:-1])),
    local=lambda m, *xs: (0.0,) * (len(xs) - 2),
)
define(
    "exp", "exp({a})", ("{out}",), value=lambda m, a, n: m.exp(a), local=lambda m, a, out, n: (out,)
)
define(
    "log",
    "log({a})",
    ("1 / {a}",),
    value=lambda m, a, n: m.log(a),
    local=lambda m, a, out, n: (m.divide(1.0, a),),
)
define(
    "tanh",
    "tanh({a})",
    ("1 - {out} ** 2",),
    value=lambda m, a, n: m.tanh(a),
    local=lambda m, a, out, n: (1.0 - out * out,),
)
define(
    "sigmoid",
    "sigmoid({a})",
    ("{out} * (1 - {out})",),
    value=lambda m, a, n: m.sigmoid(a),
    local=lambda m, a, out, n: (out * (1.0 - out),),
)
define(
    "relu",
    "relu({a})",
    ("1 if {a} > 0 else 0",),
    value=lambda m, a, n: m.relu(a),
    # 1 where a > 0, and where a is nan (PyTorch passes the gradient on there)
    local=lambda m, a, out, n: (m.where(a <= 0, 0.0, 1.0),),
)
define(
    "leaky_relu",
    "leaky_relu({a}, {n})",
    ("1 if {a} > 0 else {n}",),
    value=lambda m, a, n: m.where(a > 0, a, n * a),
    local=lambda m, a, out, n: (m.where(a > 0, 1.0, n),),
    label="leaky_relu({n})",
)
define(
    "abs",
    "abs({a})",
    ("sign({a})",),
    value=lambda m, a, n: m.abs(a),
    local=lambda m, a, out, n: (m.where(a > 0, 1.0, m.where(a < 0, -1.0, 0.0)),),
)
# The perceptron's step (nn.Perceptron.step): flat wherever it is defined.
define(
    "step",
    "step({a})",
    ("0",),
    value=lambda m, a, n: m.where(a >= 0, 1.0, 0.0),
    local=lambda m, a, out, n: (0.0,),
)
# The ops losses.py makes, with the target as their second input.
define(
    "bce",
    "bce({a}, {b})",
    ("-{b} / {a} + (1 - {b}) / (1 - {a})", "-log({a} / (1 - {a}))"),
    value=_bce,
    local=lambda m, p, y, out, n: (_bce_d_dp(m, p, y), -m.log(m.divide(p, 1.0 - p))),
)
define(
    "bce_with_logits",
    "bce_with_logits({a}, {b})",
    ("sigmoid({a}) - {b}", "-{a}"),
    value=lambda m, z, y, n: (
        (1.0 - y) * m.maximum(z, 0.0) - y * m.minimum(z, 0.0) + m.log1p(m.exp(-m.abs(z)))
    ),
    local=lambda m, z, y, out, n: (m.sigmoid(z) - y, -z),
)
