"""Expressions typed by a person, such as ``tanh(x1*w1 + x2*w2 + b)``, built as Values.

The text is parsed with ``ast`` and walked against a whitelist: numbers, names,
``+ - * / **``, unary ``-`` and ``+``, and calls of the functions in ``FUNCTIONS`` on
plain arguments. Nothing else is accepted, and nothing is ever ``eval``-ed: an
attribute, a call of any other name, a lambda, a subscript, a string... is refused with
a message that quotes the offending part and its column.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from micrograd_plus.engine import Value

__all__ = ["FUNCTIONS", "MAX_LENGTH", "ExpressionError", "build", "compile_expression", "variables"]

MAX_LENGTH = 1000
MAX_DEPTH = 100
FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "abs": Value.abs,
}
_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class ExpressionError(ValueError):
    """The text is not an expression of the allowed kind."""


def _parse(text: str) -> ast.expr:
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; at most {MAX_LENGTH:,} are allowed"
        )
    if not text.strip():
        raise ExpressionError("the expression is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that were not UTF-8, as a shell may pass them
        raise ExpressionError("the expression is not valid UTF-8 text") from None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"not a valid expression{where}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None
    return tree.body


def _refuse(text: str, node: ast.AST, why: str) -> ExpressionError:
    part = ast.get_source_segment(text.strip(), node) or type(node).__name__
    column = getattr(node, "col_offset", 0) + 1
    if len(part) > 40:
        part = part[:37] + "..."
    return ExpressionError(f"{part!r} at column {column}: {why}")


Program = Callable[[Callable[[str | float], Value]], Value]


def _compile(text: str, node: ast.expr, names: list[str], depth: int = 0) -> Program:
    """Check ``node`` against the whitelist and turn it into a program: given a function
    that makes the Value of a name or a number, the program builds the expression."""
    if depth > MAX_DEPTH:
        raise _refuse(text, node, f"nested more than {MAX_DEPTH} deep")
    if isinstance(node, ast.Constant):
        value = _number(text, node, "only numbers are allowed as constants")
        return lambda leaf: leaf(value)
    if isinstance(node, ast.Name):
        name = node.id
        if name in FUNCTIONS:
            raise _refuse(text, node, f"{name} is a function: call it, as in {name}(x)")
        if name not in names:
            names.append(name)
        return lambda leaf: leaf(name)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _compile_chain(text, node, names, depth)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _compile(text, node.operand, names, depth + 1)
        if isinstance(node.op, ast.UAdd):
            return operand
        return lambda leaf: -operand(leaf)
    if isinstance(node, ast.Call):
        return _compile_call(text, node, names, depth)
    allowed = "numbers, names, + - * / **, unary -, and calls of " + ", ".join(FUNCTIONS)
    raise _refuse(text, node, f"not allowed here (only {allowed})")


def _number(text: str, node: ast.expr, why: str) -> float:
    """A constant of the expression as a float; a number too large for one is refused."""
    if not isinstance(node, ast.Constant):
        raise _refuse(text, node, why)
    number = node.value
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise _refuse(text, node, why)
    try:
        return float(number)
    except OverflowError:
        raise _refuse(text, node, "this number is too large for a float") from None


def _compile_chain(text: str, node: ast.BinOp, names: list[str], depth: int) -> Program:
    """``a + b - c * d ...``: Python reads it as ((a + b) - (c * d)) ..., nested to the
    left. The chain is walked in a loop, so a long flat sum counts as one level deep."""
    links: list[tuple[Callable[[Value, Value], Value], ast.expr]] = []
    while isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        links.append((_BINARY[type(node.op)], node.right))
        node = node.left  # type: ignore[assignment]
    first = _compile(text, node, names, depth + 1)  # names in order of appearance
    rest = [
        (combine, _compile(text, right, names, depth + 1)) for combine, right in reversed(links)
    ]

    def program(leaf: Callable[[str | float], Value]) -> Value:
        out = first(leaf)
        for combine, right in rest:
            out = combine(out, right(leaf))
        return out

    return program


def _compile_call(text: str, node: ast.Call, names: list[str], depth: int) -> Program:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        raise _refuse(text, node.func, f"only these can be called: {', '.join(FUNCTIONS)}")
    name = node.func.id
    if node.keywords:
        raise _refuse(text, node, f"{name}() takes no keyword arguments")
    most = 2 if name == "leaky_relu" else 1
    if not 1 <= len(node.args) <= most:
        count = "one argument" if most == 1 else "one or two arguments (x, slope)"
        raise _refuse(text, node, f"{name}() takes {count}, got {len(node.args)}")
    argument = _compile(text, node.args[0], names, depth + 1)
    if len(node.args) == 2:
        negative_slope = _number(text, node.args[1], "the slope of leaky_relu must be a number")
        return lambda leaf: argument(leaf).leaky_relu(negative_slope)
    function = FUNCTIONS[name]
    return lambda leaf: function(argument(leaf))


def compile_expression(text: str) -> tuple[Program, list[str]]:
    """The checked program of ``text`` and the names it uses, in order of appearance."""
    names: list[str] = []
    return _compile(text, _parse(text), names), names


def variables(text: str) -> list[str]:
    """The names the expression uses, in order of first appearance."""
    return compile_expression(text)[1]


def build(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """The expression as a graph of Values, and its variables as labelled leaves.

    Every name must have a value in ``values``; a name used twice is one leaf.
    """
    program, names = compile_expression(text)
    missing = [name for name in names if name not in values]
    if missing:
        raise ExpressionError(
            f"no value for {', '.join(missing)}: give each one, e.g. --set {missing[0]}=1.0"
        )
    leaves = {name: Value(values[name], name) for name in names}

    def leaf(what: str | float) -> Value:
        return Value(what) if isinstance(what, float) else leaves[what]

    return program(leaf), leaves
