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
from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo, Params, describe, fill_letters, op_form, substitute

__all__ = ["Contribution", "Step", "backward_steps", "explain", "forward_steps", "steps"]


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


def _n(x: float) -> str:
    return format_number(x)


def _forward(info: GraphInfo, node: Value) -> Step:
    names = [info.names[inp] for inp in node.inputs]
    formula, _ = op_form(node)
    name = info.names[node]
    symbolic = fill_letters(formula, names)
    numeric = fill_letters(formula, [_n(inp.data) for inp in node.inputs])
    title = f"forward: {name} = {symbolic}"
    return Step("forward", node, title, (f"{name} = {numeric} = {_n(node.data)}",))


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
        (f"{name}.grad = 1.0  (d{name}/d{name} = 1)",),
    )


def _backward(info: GraphInfo, node: Value, grads: dict[Value, float]) -> Step:
    name = info.names[node]
    names = [info.names[inp] for inp in node.inputs]
    formula, templates = op_form(node)
    letters = [chr(ord("a") + i) for i in range(len(names))] if len(names) <= 26 else names
    generic_out = f"({formula})" if len(node.inputs) > 1 else formula
    rules = [
        f"d({formula})/d{letter} = {substitute(t, letters, generic_out, 'local')}"
        for letter, t in zip(letters, templates)
    ]
    if node.op == "sum":  # one rule says it for every input
        rules = [f"d({formula})/d(each input) = 1"]
    g = grads.get(node, 0.0)
    lines = [f"{name}.grad = {_n(g)}; local derivatives: {', '.join(rules)}"]
    data_names = [f"{n}.data" for n in names]
    contributions = []
    for inp, inp_name, template, local in zip(
        node.inputs, names, templates, node.local_derivatives
    ):
        rule = substitute(template, data_names, f"{name}.data", _n(local))
        rule = f"({rule})" if " " in rule else rule
        amount = local * g
        grads[inp] = grads.get(inp, 0.0) + amount
        text = (
            f"{inp_name}.grad += {rule} * {name}.grad = {_n(local)} * {_n(g)} = {_n(amount)}"
            f"  ->  {inp_name}.grad = {_n(grads[inp])}"
        )
        contributions.append(Contribution(inp, local, amount, grads[inp], text))
        lines.append(text)
    title = f"backward through {name} = {fill_letters(formula, names)}"
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
        lines += [c.text for c in step.contributions]
    return "\n".join(lines)
