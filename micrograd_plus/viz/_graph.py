"""What the pictures and the step-through share: the nodes in the engine's order, their
names, what kind of node each is, and how each op reads as a formula."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from micrograd_plus.engine import Value
from micrograd_plus.floats import exact_text, format_number
from micrograd_plus.nn import short_name
from micrograd_plus.viz.palette import readable

Params = Iterable[Value] | Iterable[tuple[str, Value]] | Any

# Each op of the engine's OPS as a formula of its inputs {a}, {b}, and per input its local
# derivative; {out} stands for the node itself and {n} for the number an op carries
# (the exponent of ``**2``, leaky_relu's slope). A test checks these against the engine.
FORMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "+": ("{a} + {b}", ("1", "1")),
    "-": ("{a} - {b}", ("1", "-1")),
    "neg": ("-{a}", ("-1",)),
    "*": ("{a} * {b}", ("{b}", "{a}")),
    "/": ("{a} / {b}", ("1 / {b}", "-{out} / {b}")),
    "**": ("{a} ** {b}", ("{b} * {a} ** ({b} - 1)", "{out} * log({a})")),
    "**n": ("{a} ** {n}", ("{n} * {a} ** ({n} - 1)",)),
    "sum": ("", ()),  # a + b + ... with one "1" per input: written out by op_form
    "exp": ("exp({a})", ("{out}",)),
    "log": ("log({a})", ("1 / {a}",)),
    "tanh": ("tanh({a})", ("1 - {out} ** 2",)),
    "sigmoid": ("sigmoid({a})", ("{out} * (1 - {out})",)),
    "relu": ("relu({a})", ("1 if {a} > 0 else 0",)),
    "leaky_relu": ("leaky_relu({a}, {n})", ("1 if {a} > 0 else {n}",)),
    "abs": ("|{a}|", ("sign({a})",)),
    # the perceptron's step and the ops the losses make, with the target as {b}
    "step": ("step({a})", ("0",)),
    "bce": ("bce({a}, {b})", ("({a} - {b}) / ({a} * (1 - {a}))", "-log({a} / (1 - {a}))")),
    "bce_with_logits": ("bce_with_logits({a}, {b})", ("sigmoid({a}) - {b}", "-{a}")),
}
_SLOTS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class OpForm:
    """An op as text: its formula and one local-derivative rule per input, with holes
    {a}, {b}, ... for the inputs, {out} for the node, {local} for a rule known only as a
    number (an op of the user's own)."""

    formula: str
    rules: tuple[str, ...]

    def fill(self, template: str, inputs: list[str], out: str, local: str = "") -> str:
        holes = {_slot(i): text for i, text in enumerate(inputs)}
        return template.format(out=out, local=local, **holes)


def _slot(i: int) -> str:
    return _SLOTS[i] if i < len(_SLOTS) else f"a{i}"


def op_form(node: Value) -> OpForm:
    """``node``'s op as a formula and local-derivative rules (see FORMS)."""
    k = len(node.inputs)
    name, number = node.op, node.op_number
    if name == "sum":
        return OpForm(" + ".join(f"{{{_slot(i)}}}" for i in range(k)), ("1",) * k)
    if name in FORMS and len(FORMS[name][1]) == k:
        formula, rules = FORMS[name]
        if number is not None:  # the op's own number is part of its text
            n = exact_text(number)
            formula, rules = formula.replace("{n}", n), tuple(r.replace("{n}", n) for r in rules)
        return OpForm(formula, rules)
    holes = ", ".join(f"{{{_slot(i)}}}" for i in range(k))
    op = readable(node.op).replace("{", "{{").replace("}", "}}")  # the user's text, as text
    return OpForm(f"{op}({holes})", ("{local}",) * k)


def op_label(node: Value) -> str:
    """The op as its circle names it, with the number it carries: ``**2``,
    ``leaky_relu(0.01)``, ``tanh``."""
    op = readable(node.op)
    if node.op_number is None:
        return op
    n = exact_text(node.op_number)
    return f"**{n}" if node.op == "**n" else f"{op}({n})"


def unit(name: str) -> str:
    """A name as one unit before ``.grad`` or ``.data``: ``x1``, ``L1.N2.w0``, or an
    expression in brackets, ``(x1*w1 + x2*w2)``."""
    return name if re.fullmatch(r"[\w.#]+", name) else f"({name})"


@dataclass
class GraphInfo:
    """The graph of ``root`` as the pictures see it."""

    root: Value
    order: list[Value]  # the engine's topological order: inputs first, root last
    ids: dict[Value, str]  # DOT node ids, from the order: n0, n1, ...
    names: dict[Value, str]  # names in texts: a parameter's name, the label, v1, v2, ...
    kinds: dict[Value, str]  # input, parameter, constant, intermediate or output
    groups: dict[Value, str]  # the neuron whose parameters an op works on, if any
    from_model: bool  # the parameters' names came from a Module


def describe(root: Value, params: Params = None) -> GraphInfo:
    """Order, name and classify every node of ``root``'s graph.

    Parameters are named by ``params``, other nodes by their label; unnamed constants by
    their number, and unnamed computed nodes v1, v2, v3, ... in forward order.
    """
    param_names = parameter_names(params)
    order = root.topological_order()
    if hasattr(params, "named_parameters"):
        order = _model_order(order, param_names)
    label_counts: dict[str, int] = {}
    for node in order:
        if node.label and node not in param_names:
            label_counts[node.label] = label_counts.get(node.label, 0) + 1
    seen_labels: dict[str, int] = {}
    unnamed = 0
    names: dict[Value, str] = {}
    kinds: dict[Value, str] = {}
    groups: dict[Value, str] = {}
    for node in order:
        if node in param_names:
            names[node] = readable(param_names[node])
        elif node.label:
            seen_labels[node.label] = seen_labels.get(node.label, 0) + 1
            repeated = label_counts[node.label] > 1
            label = readable(node.label)
            names[node] = f"{label}#{seen_labels[node.label]}" if repeated else label
        elif node.inputs:
            unnamed += 1
            names[node] = f"v{unnamed}"
        else:
            names[node] = format_number(node.data)
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
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    from_model = hasattr(params, "named_parameters")
    return GraphInfo(root, order, ids, names, kinds, groups, from_model)


def _model_order(order: list[Value], param_names: dict[Value, str]) -> list[Value]:
    """The order a network computes in: layer 1 neuron by neuron, then layer 2, ... (a
    node belongs to the neuron whose parameter it takes, or to the latest of its
    inputs'), still inputs before every node that uses them."""
    position = {node: i for i, node in enumerate(order)}
    key: dict[Value, tuple[int, int]] = {}
    users: dict[Value, list[Value]] = {}
    waiting: dict[Value, int] = {}
    for node in order:
        if node in param_names:
            found = re.findall(r"[LN](\d+)", param_names[node])
            key[node] = (int(found[0]), int(found[1])) if len(found) >= 2 else (0, 0)
        for inp in node.inputs:
            users.setdefault(inp, []).append(node)
        own = [key[inp] for inp in node.inputs if inp in param_names]
        key.setdefault(node, max(own or [key[inp] for inp in node.inputs] or [(0, 0)]))
        waiting[node] = len(node.inputs)
    ready = [(key[n], position[n], n) for n in order if not n.inputs]
    heapq.heapify(ready)
    out: list[Value] = []
    while ready:
        _, _, node = heapq.heappop(ready)
        out.append(node)
        for user in users.get(node, []):
            waiting[user] -= 1
            if not waiting[user]:
                heapq.heappush(ready, (key[user], position[user], user))
    return out


def parameter_names(params: Params) -> dict[Value, str]:
    """Parameters by name: a Module's short names (L1.N2.w0), (name, Value) pairs, or plain
    Values by their label."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        return {value: short_name(name) for name, value in params.named_parameters()}
    named: dict[Value, str] = {}
    for item in params:
        if isinstance(item, Value):
            named[item] = item.label or f"p{len(named) + 1}"
        else:
            name, value = item
            named[value] = name
    return named


def _group(node: Value, param_names: dict[Value, str], groups: dict[Value, str]) -> str:
    """A neuron's nodes: its parameters, the ops taking one of them, and unary ops on those.

    A parameter's short name ends in ``w<i>`` or ``b``; what comes before is its neuron.
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
    head, _, last = name.rpartition(".")
    if last == "b" or (last[:1] == "w" and last[1:].isdigit()):
        return head
    return ""
