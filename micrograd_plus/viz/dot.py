"""The computation graph as a ``graphviz.Digraph``, with its gradients flowing.

Colours (also drawn in the legend of every picture):

- Each Value is a box: its name, its data, its grad. The name cell tells the kind of
  node: input (green), parameter (orange), constant (grey), intermediate (white),
  output (yellow).
- The grad cell is filled by the gradient, on a diverging scale: red negative, white
  zero, blue positive; deeper means larger, relative to the largest in the graph.
- A vanished gradient (|grad| < 1e-6 where the output's grad is not 0) is purple; a
  dead ReLU (input <= 0: nothing flows back through it) is a black op.
- An edge from a Value into an op carries what flowed back along it: the local
  derivative times the op's output grad. Blue positive, red negative, grey zero; the
  wider, the larger; its label is the number.
- In a step of the step-through, the current node and its edges are gold; gradients
  not yet computed are blank, and grads still waiting for contributions are in italics.

Building the picture renders nothing and changes nothing in the graph.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import graphviz

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo, Params, describe
from micrograd_plus.viz.render import Picture
from micrograd_plus.viz.steps import Step, steps

__all__ = ["KIND_COLOURS", "to_dot"]

FONT = "Helvetica"
KIND_COLOURS = {
    "input": "#c7e9c0",
    "parameter": "#fdd0a2",
    "constant": "#e0e0e0",
    "intermediate": "#ffffff",
    "output": "#ffe680",
}
# Red-white-blue (ColorBrewer RdBu), negative to positive.
DIVERGING = [
    *("#b2182b", "#d6604d", "#f4a582", "#fddbc7"),
    "#f7f7f7",
    *("#d1e5f0", "#92c5de", "#4393c3", "#2166ac"),
]
POSITIVE, NEGATIVE, ZERO = "#2166ac", "#b2182b", "#9e9e9e"
VANISHED = "#7b3294"
DEAD = "#212121"
CURRENT = "#e6a000"
VANISHED_BELOW = 1e-6


def label_text(text: str) -> str:
    """Any text, escaped for an HTML-like Graphviz label: it renders as itself."""
    printable = "".join(ch for ch in text if ch == "\n" or ch >= " ")
    return html.escape(printable, quote=True).replace("\n", "<BR/>")


def diverging(value: float, scale: float) -> tuple[str, str]:
    """(fill, text colour) for ``value`` on the red-white-blue scale up to +-scale."""
    if not scale or not math.isfinite(value) or value == 0:
        return DIVERGING[4], "black"
    size = max(1, round(4 * min(1.0, abs(value) / scale) ** 0.5))  # 1..4; sqrt: small ones show
    index = 4 + size if value > 0 else 4 - size
    return DIVERGING[index], "white" if abs(index - 4) >= 3 else "black"


def _width(amount: float, scale: float) -> float:
    if not scale or not math.isfinite(amount):
        return 1.0
    return round(1.0 + 5.0 * math.sqrt(min(1.0, abs(amount) / scale)), 2)


def _sign_colour(amount: float) -> str:
    return POSITIVE if amount > 0 else NEGATIVE if amount < 0 else ZERO


@dataclass
class _State:
    """What is known at a moment of the step-through (or, without steps, all of it)."""

    computed: set[Value]
    grads: dict[Value, float]  # gradients known so far
    pending: set[Value] = field(default_factory=set)  # grads still to receive contributions
    flowed: dict[tuple[Value, int], float] = field(default_factory=dict)  # (node, i) -> amount
    current: Value | None = None
    phase: str = ""


def _full_state(info: GraphInfo) -> _State:
    flowing = info.root.grad != 0
    state = _State(set(info.order), {node: node.grad for node in info.order} if flowing else {})
    if flowing:
        for node in info.order:
            for i, local in enumerate(node.local_derivatives):
                state.flowed[(node, i)] = local * node.grad
    return state


def _state_after(info: GraphInfo, all_steps: list[Step], k: int) -> _State:
    state = _State({node for node in info.order if not node.inputs}, {})
    users: dict[Value, int] = {}
    for node in info.order:
        for inp in node.inputs:
            users[inp] = users.get(inp, 0) + 1
    for step in all_steps[:k]:
        state.current, state.phase = step.node, step.phase
        if step.phase == "forward":
            state.computed.add(step.node)
            continue
        if not step.contributions:  # the seed
            state.grads[step.node] = 1.0
            continue
        for i, c in enumerate(step.contributions):
            state.grads[c.input] = c.grad_after
            state.flowed[(step.node, i)] = c.amount
            users[c.input] -= 1
    state.pending = {node for node, count in users.items() if count and node in state.grads}
    return state


def to_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    params: Params = None,
    step: int | None = None,
    quiz: bool = False,
    max_nodes: int = 500,
    cluster: bool = False,
    legend: bool = True,
) -> graphviz.Digraph:
    """The graph of ``root`` as a Digraph: one box per Value, one circle per op.

    ``params`` (a Module, (name, Value) pairs, or Values) marks and names parameters.
    ``step=k`` draws the graph as it stands after step k of ``steps(root)`` (0: before
    the first). ``quiz`` hides every gradient. ``cluster`` boxes each neuron's nodes
    under its name. A graph of more than ``max_nodes`` Values is a ``ValueError``.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    size = len(root.topological_order())
    if size > max_nodes:
        raise ValueError(
            f"this graph has {size:,} Values, more than max_nodes={max_nodes:,}: a picture "
            "that big cannot be read. Draw one sample's loss instead of a whole batch's, "
            "use draw_network(model) for the neuron-level picture, or raise max_nodes."
        )
    info = describe(root, params)
    if step is None:
        state = reference = _full_state(info)
    else:
        all_steps = steps(root, params)
        if not 0 <= step <= len(all_steps):
            raise ValueError(f"step must be between 0 and {len(all_steps)}, got {step}")
        state = _state_after(info, all_steps, step)
        reference = _state_after(info, all_steps, len(all_steps))  # scales fixed for all steps
    grad_scale = max(
        (
            abs(g)
            for n, g in reference.grads.items()
            if info.kinds[n] != "constant" and math.isfinite(g)
        ),
        default=0.0,
    )
    flow_scale = max((abs(a) for a in reference.flowed.values() if math.isfinite(a)), default=0.0)
    root_grad = reference.grads.get(root, 0.0)

    dot = Picture("micrograd_plus")
    dot.attr(rankdir=rankdir, fontname=FONT, nodesep="0.25", ranksep="0.35", bgcolor="white")
    if size > 300:  # fewer rounds of edge-crossing reduction: a big graph lays out in seconds
        dot.attr(mclimit="0.1")
    dot.attr("node", fontname=FONT, fontsize="14")
    dot.attr("edge", fontname=FONT, fontsize="11", arrowsize="0.7")

    clusters: dict[str, list[Value]] = {}
    for node in info.order:
        group = info.groups.get(node, "")
        if cluster and group:
            clusters.setdefault(group, []).append(node)
        else:
            _add_node(dot, info, node, state, quiz, grad_scale, root_grad, short=False)
    for i, (group, nodes) in enumerate(clusters.items()):
        with dot.subgraph(name=f"cluster_{i}") as box:
            box.attr(
                label=label_text(group), style="rounded,dashed", color="#757575", fontname=FONT
            )
            for node in nodes:  # in the neuron's box, w0 says enough of layers.0.neurons.3.w.0
                _add_node(box, info, node, state, quiz, grad_scale, root_grad, short=True)
    for node in info.order:
        _add_edges(dot, info, node, state, quiz, flow_scale)
    if legend:
        dot.attr(label=LEGEND, labelloc="b", labeljust="l")
    return dot


def _add_node(
    dot: graphviz.Digraph,
    info: GraphInfo,
    node: Value,
    state: _State,
    quiz: bool,
    grad_scale: float,
    root_grad: float,
    short: bool,
) -> None:
    node_id = info.ids[node]
    name = node.label if short and node.label else info.names[node]
    kind = info.kinds[node]
    current = node is state.current
    data = format_number(node.data) if node in state.computed else "?"
    if quiz or node not in state.grads:
        grad_text, fill, ink = ("grad ?" if quiz else "grad"), "#ffffff", "black"
    else:
        g = state.grads[node]
        fill, ink = diverging(g, grad_scale)
        grad_text = f"grad {format_number(g)}"
        vanished = kind != "constant" and abs(g) < VANISHED_BELOW and root_grad != 0
        if vanished and node not in state.pending:
            fill, ink, grad_text = VANISHED, "white", f"{grad_text} (vanished)"
    grad_cell = label_text(grad_text)
    if node in state.pending:
        grad_cell = f"<I>{grad_cell}</I>"
    border = f' BORDER="3" COLOR="{CURRENT}"' if current else ' BORDER="0"'
    label = (
        f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
        f'<TR><TD BGCOLOR="{KIND_COLOURS[kind]}"><B>{label_text(name)}</B></TD>'
        f"<TD>data {label_text(data)}</TD>"
        f'<TD BGCOLOR="{fill}"><FONT COLOR="{ink}">{grad_cell}</FONT></TD></TR></TABLE>>'
    )
    dot.node(node_id, label, shape="plain", tooltip=f"{info.names[node]} ({kind})")
    if node.inputs:
        dead = node.op == "relu" and node.inputs[0].data <= 0 and node in state.computed
        attrs = {"shape": "circle", "style": "filled", "fillcolor": "#f0f0f0", "width": "0.5"}
        text = node.op
        if dead:
            attrs.update(fillcolor=DEAD, fontcolor="white")
            text = f"{node.op}\n(dead)"
        if current:
            attrs.update(color=CURRENT, penwidth="3")
        dot.node(f"{node_id}op", label=f"<{label_text(text)}>", fixedsize="false", **attrs)


def _add_edges(
    dot: graphviz.Digraph, info: GraphInfo, node: Value, state: _State, quiz: bool, scale: float
) -> None:
    if not node.inputs:
        return
    node_id = info.ids[node]
    current = node is state.current
    for i, inp in enumerate(node.inputs):
        attrs: dict[str, str] = {}
        amount = state.flowed.get((node, i))
        if amount is not None and not quiz:
            attrs.update(
                color=_sign_colour(amount),
                penwidth=str(_width(amount, scale)),
                label=f"<{label_text(format_number(amount))}>",
                fontcolor=_sign_colour(amount),
            )
        else:
            attrs.update(color=ZERO)
        if current:
            attrs.update(color=CURRENT, penwidth="3")
        dot.edge(info.ids[inp], f"{node_id}op", **attrs)
    out_attrs = {"color": CURRENT, "penwidth": "3"} if current else {"color": "#616161"}
    dot.edge(f"{node_id}op", node_id, **out_attrs)


def _legend() -> str:
    """The legend, drawn as the graph's own label: below the picture, apart from its layout."""

    def row(title: str, cells: str) -> str:
        inner = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3">'
            f"<TR>{cells}</TR></TABLE>"
        )
        return f'<TR><TD ALIGN="LEFT">{title}</TD><TD ALIGN="LEFT">{inner}</TD></TR>'

    kinds = "".join(f'<TD BGCOLOR="{c}">{k}</TD>' for k, c in KIND_COLOURS.items())
    scale = "".join(
        f'<TD BGCOLOR="{c}" WIDTH="22"><FONT COLOR="{"white" if abs(i - 4) >= 3 else "black"}">'
        f"{'-' if i < 4 else '+' if i > 4 else '0'}</FONT></TD>"
        for i, c in enumerate(DIVERGING)
    )
    flags = (
        f'<TD BGCOLOR="{VANISHED}"><FONT COLOR="white">vanished grad</FONT></TD>'
        f'<TD BGCOLOR="{DEAD}"><FONT COLOR="white">dead ReLU</FONT></TD>'
        f'<TD BORDER="2" COLOR="{CURRENT}">current step</TD>'
    )
    edges = (
        f'<TD>what flowed back: <FONT COLOR="{POSITIVE}">positive</FONT>, '
        f'<FONT COLOR="{NEGATIVE}">negative</FONT>; wider is larger</TD>'
    )
    return (
        '<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" COLOR="#9e9e9e">'
        '<TR><TD ALIGN="LEFT" COLSPAN="2"><B>legend</B></TD></TR>'
        f"{row('node', kinds)}{row('grad', scale)}{row('flags', flags)}{row('edges', edges)}"
        "</TABLE>>"
    )


LEGEND = _legend()
