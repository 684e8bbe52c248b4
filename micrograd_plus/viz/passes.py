"""The forward and backward passes as steps, in the exact order the engine takes them.

Forward: one step per computed node, in ``root.topological_order()``. Backward: first
the seed (d root / d root = 1), then one step per computed node in the reverse of that
order, which is the order of ``Value.backward``: each step passes the node's gradient
to its inputs, one contribution per input,

    input.grad += local derivative * node.grad

The steps replay the backward pass from gradients of zero, as a first ``backward()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number, operand_text
from micrograd_plus.viz._graph import GraphInfo, Params, describe, op_form, unit

__all__ = [
    "Contribution",
    "Step",
    "backward_steps",
    "explain",
    "forward_steps",
    "local_rules",
    "steps",
]


@dataclass(frozen=True)
class Contribution:
    """What one backward step adds to one input's gradient."""

    input: Value
    local_derivative: float
    amount: float  # local_derivative * node.grad
    grad_after: float  # the input's gradient once this is added
    text: str  # "w1.grad += x1.data * n.grad = 2.0 * 0.5 = 1.0"


@dataclass(frozen=True)
class Step:
    """One step of the forward or backward pass, with its arithmetic written out."""

    phase: str  # "forward" or "backward"
    node: Value
    title: str
    lines: tuple[str, ...]
    contributions: tuple[Contribution, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.lines])


def _forward(info: GraphInfo, node: Value) -> Step:
    form = op_form(node)
    name = info.names[node]
    symbolic = form.fill(form.formula, [info.names[inp] for inp in node.inputs], name)
    numeric = form.fill(form.formula, [operand_text(inp.data) for inp in node.inputs], name)
    title = f"forward: {name} = {symbolic}"
    return Step("forward", node, title, (f"{name} = {numeric} = {format_number(node.data)}",))


def forward_steps(root: Value, params: Params = None) -> list[Step]:
    """One step per computed node, inputs first: its formula, its numbers, its value."""
    info = describe(root, params)
    return [_forward(info, node) for node in info.order if node.inputs]


def _seed(info: GraphInfo) -> Step:
    name = info.names[info.root]
    return Step(
        "backward",
        info.root,
        f"backward: start at {name}",
        (f"{unit(name)}.grad = 1.0  (d{unit(name)}/d{unit(name)} = 1)",),
    )


def local_rules(info: GraphInfo, node: Value) -> list[str]:
    """Each input's local derivative, in the node's own names and then as a number:
    ``d(x1 * w1)/dx1 = w1 = -3.0``. A sum says it once for all its inputs."""
    form = op_form(node)
    names = [info.names[inp] for inp in node.inputs]
    out = info.names[node]
    formula = form.fill(form.formula, names, out)
    if node.op == "sum":
        return [f"d({formula})/d(each input) = 1"]
    rules = []
    for inp, name, rule, local in zip(node.inputs, names, form.rules, node.local_derivatives):
        if info.kinds[inp] == "constant":  # a number: nothing to differentiate it by
            continue
        symbolic = form.fill(rule, names, out, format_number(local))
        number = format_number(local)
        rule_text = symbolic if symbolic in (number, "1", "-1", "0") else f"{symbolic} = {number}"
        rules.append(f"d({formula})/d{unit(name)} = {rule_text}")
    return rules


def _backward(info: GraphInfo, node: Value, grads: dict[Value, float]) -> Step:
    name = info.names[node]
    names = [info.names[inp] for inp in node.inputs]
    form = op_form(node)
    g = grads.get(node, 0.0)
    rules = ", ".join(local_rules(info, node))
    lines = [f"{unit(name)}.grad = {format_number(g)}; local derivatives: {rules}"]
    data_names = [  # a constant is its number; a Value, its .data
        n if info.kinds[inp] == "constant" else f"{unit(n)}.data"
        for inp, n in zip(node.inputs, names)
    ]
    contributions = []
    for inp, inp_name, template, local in zip(
        node.inputs, names, form.rules, node.local_derivatives
    ):
        rule = form.fill(template, data_names, f"{unit(name)}.data", format_number(local))
        rule = f"({rule})" if " " in rule else rule
        amount = local * g
        grads[inp] = grads.get(inp, 0.0) + amount
        text = (
            f"{unit(inp_name)}.grad += {rule} * {unit(name)}.grad = {operand_text(local)} * "
            f"{operand_text(g)} = {format_number(amount)}  ->  "
            f"{unit(inp_name)}.grad = {format_number(grads[inp])}"
        )
        contribution = Contribution(inp, local, amount, grads[inp], text)
        contributions.append(contribution)
        if info.kinds[inp] != "constant":  # a constant's gradient is not shown or said
            lines.append(text)
    title = f"backward through {name} = {form.fill(form.formula, names, name)}"
    return Step("backward", node, title, tuple(lines), tuple(contributions))


def backward_steps(root: Value, params: Params = None) -> list[Step]:
    """The seed, then one step per computed node in the engine's backward order."""
    info = describe(root, params)
    grads: dict[Value, float] = {root: 1.0}
    out = [_seed(info)]
    out += [_backward(info, node, grads) for node in reversed(info.order) if node.inputs]
    return out


def steps(root: Value, params: Params = None) -> list[Step]:
    """Forward steps, then backward steps: the frames of the stepper after its start."""
    return forward_steps(root, params) + backward_steps(root, params)


def explain(root: Value, params: Params = None) -> str:
    """The whole backward pass as text: the seed, then one line per contribution."""
    backward = backward_steps(root, params)
    lines = list(backward[0].lines)
    for step in backward[1:]:
        lines += step.lines[1:]
    return "\n".join(lines)
