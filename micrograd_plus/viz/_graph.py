"""What the pictures and the step-through share: the nodes in the engine's order, their
names, what kind of node each is, and how each op reads as a formula."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from micrograd_plus.engine import Value

Params = Iterable[Value] | Iterable[tuple[str, Value]] | Any

# Each op's formula in terms of its inputs a, b, ... and, per input, its local derivative;
# in a derivative, {a} and {b} stand for the inputs' data and {out} for the node's own.
OP_FORMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "+": ("a + b", ("1", "1")),
    "*": ("a * b", ("{b}", "{a}")),
    "/": ("a / b", ("1 / {b}", "-{out} / {b}")),
    "**": ("a ** b", ("{b} * {a}**({b} - 1)", "{out} * log({a})")),
    "exp": ("exp(a)", ("{out}",)),
    "log": ("log(a)", ("1 / {a}",)),
    "tanh": ("tanh(a)", ("1 - {out}**2",)),
    "sigmoid": ("sigmoid(a)", ("{out} * (1 - {out})",)),
    "relu": ("relu(a)", ("1 if {a} > 0 else 0",)),
    "leaky_relu": ("leaky_relu(a)", ("1 if {a} > 0 else slope",)),
    "abs": ("|a|", ("sign({a})",)),
    "step": ("step(a)", ("0",)),
    "bce": ("bce(a)", ("({a} - y) / max({a} * (1 - {a}), 1e-12)",)),
}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def op_form(node: Value) -> tuple[str, tuple[str, ...]]:
    """The formula of ``node``'s op and its per-input local-derivative templates."""
    op, k = node.op, len(node.inputs)
    if op == "sum":
        return " + ".join(_letter(i) for i in range(k)), ("1",) * k
    if op.startswith("**") and k == 1:
        n = op[2:]
        return f"a ** {n}", (f"{n} * {{a}}**({n} - 1)",)
    if op in OP_FORMS and len(OP_FORMS[op][1]) == k:
        return OP_FORMS[op]
    # an op of the user's own: its local derivatives are known only as numbers
    return f"{op}({', '.join(_letter(i) for i in range(k))})", ("{local}",) * k


def _letter(i: int) -> str:
    return LETTERS[i] if i < len(LETTERS) else f"a{i}"


def substitute(template: str, names: list[str], out: str, local: str = "") -> str:
    """Fill a formula template: input letters and {a}, {b}, {out}, {local} by the given text."""
    values = {_letter(i): name for i, name in enumerate(names)}
    values["out"] = out
    values["local"] = local
    return template.format(**values)


def fill_letters(formula: str, names: list[str]) -> str:
    """``"a * b"`` with a and b replaced by ``names`` (whole letters only)."""
    out = []
    for token in _tokens(formula):
        if len(token) == 1 and token in LETTERS[: len(names)]:
            out.append(names[LETTERS.index(token)])
        else:
            out.append(token)
    return "".join(out)


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for ch in text:
        if tokens and ch.isalnum() and tokens[-1][-1:].isalnum():
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


@dataclass
class GraphInfo:
    """The graph of ``root`` as the pictures see it."""

    root: Value
    order: list[Value]  # the engine's topological order: inputs first, root last
    ids: dict[Value, str]  # DOT node ids, from the order: n0, n1, ...
    names: dict[Value, str]  # names in texts: the label, a parameter's name, or v<i>
    kinds: dict[Value, str]  # input, parameter, constant, intermediate or output
    groups: dict[Value, str]  # the neuron whose parameters an op works on, if any


def describe(root: Value, params: Params = None) -> GraphInfo:
    """Order, name and classify every node of ``root``'s graph."""
    order = root.topological_order()
    param_names = _param_names(params)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    label_counts: dict[str, int] = {}
    for node in order:
        if node.label and node not in param_names:
            label_counts[node.label] = label_counts.get(node.label, 0) + 1
    names: dict[Value, str] = {}
    kinds: dict[Value, str] = {}
    groups: dict[Value, str] = {}
    for i, node in enumerate(order):
        if node in param_names:
            names[node] = param_names[node]
        elif node.label and label_counts[node.label] == 1:
            names[node] = node.label
        elif node.label:
            names[node] = f"{node.label}#{i}"
        else:
            names[node] = f"v{i}"
        if node is root:
            kinds[node] = "output"
        elif node.inputs:
            kinds[node] = "intermediate"
        elif node in param_names:
            kinds[node] = "parameter"
        elif node.label:
            kinds[node] = "input"
        else:
            kinds[node] = "constant"
        group = _group(node, param_names, groups)
        if group:
            groups[node] = group
    return GraphInfo(root, order, ids, names, kinds, groups)


def _param_names(params: Params) -> dict[Value, str]:
    """Parameters by name: from a Module, (name, Value) pairs, or plain Values (by label)."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    named: dict[Value, str] = {}
    for item in params:
        if isinstance(item, Value):
            named[item] = item.label or f"param{len(named)}"
        else:
            name, value = item
            named[value] = name
    return named


def _group(node: Value, param_names: dict[Value, str], groups: dict[Value, str]) -> str:
    """A neuron's nodes: its parameters, the ops taking one of them, and unary ops on those.

    Parameter names end in ``.w.<i>`` or ``.b``; what comes before is the neuron's name.
    """
    if node in param_names:
        return _neuron_of(param_names[node])
    for inp in node.inputs:
        if inp in param_names:
            return _neuron_of(param_names[inp])
    if len(node.inputs) == 1 and node.inputs[0] in groups:
        return groups[node.inputs[0]]
    return ""


def _neuron_of(name: str) -> str:
    parts = name.split(".")
    if parts[-1] == "b":
        return ".".join(parts[:-1])
    if len(parts) >= 3 and parts[-2] == "w":
        return ".".join(parts[:-2])
    return ""
