"""What the pictures and the step-through share: the nodes in the engine's order, their
names, what kind of node each is, and how each op reads as a formula."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.nn import short_name
from micrograd_plus.ops import OPS, fill, slot
from micrograd_plus.viz.palette import readable

Params = Iterable[Value] | Iterable[tuple[str, Value]] | Any


@dataclass(frozen=True)
class OpForm:
    """An op as text: its formula and one local-derivative rule per input, with holes
    {a}, {b}, ... for the inputs, {out} for the node, {local} for a rule known only as a
    number (an op outside the table of ops)."""

    formula: str
    rules: tuple[str, ...]

    def fill(self, template: str, inputs: list[str], out: str, local: str = "") -> str:
        return fill(template, inputs, out, local)


def op_form(node: Value) -> OpForm:
    """``node``'s op as a formula and local-derivative rules, from its entry in the table
    of ops (``micrograd_plus.ops``); an op outside it as ``name(a, b)``."""
    k = len(node.inputs)
    op = OPS.get(node.op)
    if op is not None and op.inputs in (None, k):
        return OpForm(*op.templates(k, node.op_number))
    holes = ", ".join(f"{{{slot(i)}}}" for i in range(k))
    name = readable(node.op).replace("{", "{{").replace("}", "}}")  # the user's text, as text
    return OpForm(f"{name}({holes})", ("{local}",) * k)


def op_label(node: Value) -> str:
    """The op as its circle names it, with the number it carries: ``**2``,
    ``leaky_relu(0.01)``, ``tanh``."""
    op = OPS.get(node.op)
    return readable(node.op) if op is None else readable(op.circle(node.op_number))


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
