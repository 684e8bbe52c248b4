"""The computation graph as a ``graphviz.Digraph``, with its gradients flowing.

What a picture shows (its legend lists only what it contains):

- Each Value is a box: its name, its data, its grad. The name cell tells the kind of
  node: input (green), parameter (orange), intermediate (white), output (yellow). A
  constant is a small grey box holding just its number.
- The grad cell is filled by the gradient on a red-white-blue scale (red negative, blue
  positive, deeper is larger, relative to the largest in the picture). A gradient that
  is exactly 0 reads "grad 0" in grey, with the reason where one factor says it
  ("x2 = 0": multiplied by zero; "dead ReLU"). A non-zero gradient smaller than
  ``vanish_below`` times the output's is purple, "vanished"; inf or nan is yellow.
- A ReLU whose input is <= 0 is a black op, "dead": nothing flows back through it.
- An edge from a Value into an op carries what flowed back along it: the local
  derivative times the op's output grad. Blue positive, red negative; its label is the
  number; its width grows with log10(|flow| / |output grad|) on one fixed scale, from
  1e-6 (thinnest) to 1 (widest), so the same flow has the same width in every picture.
  No flow at all is a thin dashed grey edge.
- In a step of the step-through, the current node and its edges are gold; gradients
  not yet computed are blank, and grads still waiting for contributions are in italics.

Building the picture renders nothing and changes nothing in the graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo, Params, describe, op_label
from micrograd_plus.viz.collapsed import draw_collapsed, opened_scopes
from micrograd_plus.viz.jupyter import Picture
from micrograd_plus.viz.palette import (
    BLANK,
    CURRENT,
    DEAD,
    DIVERGING,
    FLAGS,
    FONT,
    FRAME,
    KIND_COLOURS,
    NEGATIVE,
    NOT_FINITE,
    OP_FILL,
    POSITIVE,
    VANISHED,
    ZERO,
    ZERO_FILL,
    ZERO_INK,
    diverging,
    edge_width,
    label_text,
    plain_text,
)
from micrograd_plus.viz.passes import Step, steps

__all__ = ["VANISH_BELOW", "draw_dot", "to_dot"]

VANISH_BELOW = 1e-6


@dataclass
class _State:
    """What is known at a moment of the step-through (or, without steps, all of it)."""

    computed: set[Value]
    grads: dict[Value, float]  # gradients known so far
    pending: set[Value] = field(default_factory=set)  # grads still to receive contributions
    flowed: dict[tuple[Value, int], float] = field(default_factory=dict)  # (node, i) -> amount
    current: Value | None = None


def full_state(info: GraphInfo) -> _State:
    flowing = info.root.grad != 0
    state = _State(set(info.order), {node: node.grad for node in info.order} if flowing else {})
    if flowing:
        for node in info.order:
            for i, local in enumerate(node.local_derivatives):
                state.flowed[(node, i)] = local * node.grad
    return state


def state_after(info: GraphInfo, all_steps: list[Step], k: int) -> _State:
    state = _State({node for node in info.order if not node.inputs}, {})
    users: dict[Value, int] = {}
    for node in info.order:
        for inp in node.inputs:
            users[inp] = users.get(inp, 0) + 1
    for step in all_steps[:k]:
        state.current = step.node
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


def is_dead_relu(node: Value) -> bool:
    """A ReLU whose input is <= 0: its output is 0 and no gradient passes back."""
    return node.op == "relu" and node.inputs[0].data <= 0


def _uses(info: GraphInfo) -> dict[Value, list[tuple[Value, int]]]:
    """Each node's users: (user, which input of it the node is)."""
    uses: dict[Value, list[tuple[Value, int]]] = {}
    for user in info.order:
        for i, inp in enumerate(user.inputs):
            uses.setdefault(inp, []).append((user, i))
    return uses


def _zero_reason(
    info: GraphInfo,
    node: Value,
    state: _State,
    uses: dict[Value, list[tuple[Value, int]]],
    reasons: dict[Value, str],
) -> str:
    """Why ``node``'s gradient is exactly 0, if one op downstream says it (its users'
    reasons already known): a factor of 0, a dead ReLU, or a user's own reason."""
    for user, i in uses.get(node, []):
        if state.flowed.get((user, i)) != 0:
            continue
        if is_dead_relu(user):
            return "dead ReLU"
        if user.op == "*" and user.local_derivatives[i] == 0:
            return f"{info.names[user.inputs[1 - i]]} = 0"
        if user in reasons:
            return reasons[user]
    return ""


def zero_reasons(info: GraphInfo, state: _State) -> dict[Value, str]:
    """Why a gradient is exactly 0, where one op downstream says it (``_zero_reason``);
    a node whose every flow comes from a zero gradient takes the reason of that one."""
    uses = _uses(info)
    reasons: dict[Value, str] = {}
    for node in reversed(info.order):  # every user of a node comes before it here
        if state.grads.get(node) != 0 or node in state.pending:
            continue
        reason = _zero_reason(info, node, state, uses, reasons)
        if reason:
            reasons[node] = reason
    return reasons


@dataclass
class _Drawn:
    """What a picture ended up containing, for its legend."""

    kinds: set[str] = field(default_factory=set)
    grads: bool = False
    flags: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class NodeLook:
    """What a Value's box shows: its data and grad texts, and the grad cell's colours."""

    data: str  # "data 2.0", or "data ?" before the forward pass reaches it
    grad: str  # "grad -1.5", "grad" (not yet known), "grad ?" (quiz), "grad 0 (x2 = 0)"
    fill: str
    ink: str
    italic: bool  # a gradient still waiting for contributions


@dataclass(frozen=True)
class EdgeLook:
    """What an edge into an op shows: what flowed back along it, if anything yet."""

    colour: str
    width: float
    label: str
    dashed: bool


@dataclass
class Looks:
    """Everything that can change between two moments of one picture: box texts and
    colours, edges, dead ReLUs, the current node."""

    nodes: dict[Value, NodeLook]
    edges: dict[tuple[Value, int], EdgeLook]
    dead: set[Value]
    current: Value | None
    drawn: _Drawn


def looks(
    info: GraphInfo, state: _State, reference: _State, quiz: bool, vanish_below: float
) -> Looks:
    """How every box and edge looks in ``state``. Colours and widths are scaled by the
    ``reference`` state (the finished backward pass): they mean the same at every step."""
    grad_scale = max((abs(g) for g in reference.grads.values() if math.isfinite(g)), default=0.0)
    root_grad = reference.grads.get(info.root, 0.0)
    reasons = zero_reasons(info, state)
    drawn = _Drawn()
    nodes = {}
    edges = {}
    for node in info.order:
        drawn.kinds.add(info.kinds[node])
        nodes[node] = _node_look(
            node, state, quiz, grad_scale, root_grad * vanish_below, reasons, drawn
        )
        for i in range(len(node.inputs)):
            edges[(node, i)] = _edge_look(state.flowed.get((node, i)), quiz, root_grad, drawn)
    dead = {node for node in info.order if is_dead_relu(node) and node in state.computed}
    if dead:
        drawn.flags.add("dead")
    if state.current is not None:
        drawn.flags.add("current")
    return Looks(nodes, edges, dead, state.current, drawn)


def looks_along(
    info: GraphInfo, all_steps: list[Step], vanish_below: float = VANISH_BELOW
) -> Iterator[tuple[Looks, set[Value], set[tuple[Value, int]]]]:
    """The looks at each moment of the step-through, 0 (before the first step) to the
    last, with what changed since the moment before. Each is built from the one before:
    a step looks again only at the nodes and edges it changes, so a graph of n steps
    costs n small updates, not n whole pictures. The same Looks object is yielded each
    time, changed in place: read it before taking the next."""
    reference = state_after(info, all_steps, len(all_steps))
    grad_scale = max((abs(g) for g in reference.grads.values() if math.isfinite(g)), default=0.0)
    vanished = reference.grads.get(info.root, 0.0) * vanish_below
    root_grad = reference.grads.get(info.root, 0.0)
    state = state_after(info, all_steps, 0)
    shown = looks(info, state, reference, False, vanish_below)
    yield shown, set(shown.nodes), set(shown.edges)
    uses = _uses(info)
    users = {node: len(found) for node, found in uses.items()}
    reasons: dict[Value, str] = {}
    for step in all_steps:
        nodes: set[Value] = {step.node}
        edges: set[tuple[Value, int]] = set()
        if step.phase == "forward":
            state.computed.add(step.node)
            if is_dead_relu(step.node):
                shown.dead.add(step.node)
                shown.drawn.flags.add("dead")
        elif not step.contributions:  # the seed
            state.grads[step.node] = 1.0
        else:
            for i, c in enumerate(step.contributions):
                state.grads[c.input] = c.grad_after
                state.flowed[(step.node, i)] = c.amount
                users[c.input] -= 1
                if users[c.input]:
                    state.pending.add(c.input)
                else:
                    state.pending.discard(c.input)
                nodes.add(c.input)
                edges.add((step.node, i))
        for node in nodes:
            if state.grads.get(node) == 0 and node not in state.pending:
                reason = _zero_reason(info, node, state, uses, reasons)
                if reason:
                    reasons[node] = reason
            shown.nodes[node] = _node_look(
                node, state, False, grad_scale, vanished, reasons, shown.drawn
            )
        for key in edges:
            shown.edges[key] = _edge_look(state.flowed[key], False, root_grad, shown.drawn)
        shown.current = step.node
        shown.drawn.flags.add("current")
        yield shown, nodes, edges


def _node_look(
    node: Value,
    state: _State,
    quiz: bool,
    grad_scale: float,
    vanished_below: float,
    reasons: dict[Value, str],
    drawn: _Drawn,
) -> NodeLook:
    data = f"data {format_number(node.data) if node in state.computed else '?'}"
    if quiz or node not in state.grads:
        return NodeLook(data, "grad ?" if quiz else "grad", BLANK, "black", False)
    g = state.grads[node]
    drawn.grads = True
    fill, ink = diverging(g, grad_scale)
    text = f"grad {format_number(g)}"
    pending = node in state.pending
    if not pending:
        if not math.isfinite(g):
            fill, ink = NOT_FINITE, "black"
            drawn.flags.add("not finite")
        elif g == 0:
            reason = reasons.get(node, "")
            fill, ink, text = ZERO_FILL, ZERO_INK, "grad 0" + (f" ({reason})" if reason else "")
            drawn.flags.add("zero")
        elif abs(g) < vanished_below and not _passes_nothing(node):
            fill, ink, text = VANISHED, "white", f"{text} (vanished)"
            drawn.flags.add("vanished")
    return NodeLook(data, text, fill, ink, pending)


def _passes_nothing(node: Value) -> bool:
    """An op whose local derivatives are all 0 (softmax's shift, the perceptron's step):
    what gradient it holds goes nowhere, so a tiny one has not vanished from anything."""
    return bool(node.inputs) and not any(node.local_derivatives)


def _edge_look(amount: float | None, quiz: bool, root_grad: float, drawn: _Drawn) -> EdgeLook:
    if amount is None or quiz:
        return EdgeLook(ZERO, 1.0, "", False)
    if not math.isfinite(amount):
        colour = NOT_FINITE
    else:
        colour = POSITIVE if amount > 0 else NEGATIVE if amount < 0 else ZERO
    drawn.flags.add("no flow" if amount == 0 else "flow")
    return EdgeLook(colour, edge_width(amount, root_grad), format_number(amount), amount == 0)


def to_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    params: Params = None,
    step: int | None = None,
    quiz: bool = False,
    max_nodes: int = 500,
    cluster: bool | None = None,
    legend: bool = True,
    vanish_below: float = VANISH_BELOW,
    open: Iterable[str] | None = None,
) -> Picture:
    """The graph of ``root`` as a Digraph: one box per Value, one circle per op.

    ``params`` (a Module, (name, Value) pairs, or Values) marks and names parameters; a
    Module's get short names grouped by neuron (L1.N2.w0), and ``cluster`` (default: on
    for a Module) boxes each neuron's nodes under its name. ``step=k`` draws the graph as
    it stands after step k of ``steps(root)`` (0: before the first); ``quiz`` hides
    every gradient. ``vanish_below``: a non-zero gradient below this times the output's
    is flagged vanished.

    A graph of more than ``max_nodes`` Values is drawn collapsed by scope
    (``micrograd_plus.scope``; a model's layers and neurons): each scope one box, with
    its size, what it reads and gives, and the gradient that left it
    (``viz.collapsed``). ``open`` names scopes to draw opened, framed: a path
    ("position 0/attention") or its last parts ("attention": every attention scope), the
    scopes around each opened too; given, the picture is collapsed at any size. ``step`` and
    ``quiz`` draw the whole graph only.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    size = len(root.topological_order())
    if size > max_nodes or open is not None:
        if step is not None or quiz:
            raise ValueError(
                f"step and quiz draw the whole graph: this one has {size:,} Values, more "
                f"than max_nodes={max_nodes:,}, and is drawn collapsed by scope"
            )
        info = describe(root, params)
        names = [open] if isinstance(open, str) else list(open or [])
        opened = opened_scopes(info, names)
        return draw_collapsed(info, opened, rankdir=rankdir, max_nodes=max_nodes)
    info = describe(root, params)
    if step is None:
        state = reference = full_state(info)
    else:
        all_steps = steps(root, params)
        if not 0 <= step <= len(all_steps):
            raise ValueError(f"step must be between 0 and {len(all_steps)}, got {step}")
        state = state_after(info, all_steps, step)
        reference = state_after(info, all_steps, len(all_steps))  # scales fixed for all steps
    boxes = info.from_model if cluster is None else cluster
    shown = looks(info, state, reference, quiz, vanish_below)
    return emit(info, shown, rankdir=rankdir, boxes=boxes, legend=legend)


def draw_dot(root: Value, format: str = "svg", rankdir: str = "LR") -> Picture:
    """micrograd's ``draw_dot(root)``, for its lecture: this package's picture of the
    graph of ``root`` (``to_dot``), shown inline in Jupyter as ``format`` (svg or png)."""
    if format not in ("svg", "png"):
        raise ValueError(f"format must be 'svg' or 'png', got {format!r}")
    picture = to_dot(root, rankdir=rankdir)
    picture.format = format
    return picture


def emit(
    info: GraphInfo,
    shown: Looks,
    *,
    rankdir: str = "LR",
    boxes: bool = False,
    legend: bool = True,
    element_ids: bool = False,
) -> Picture:
    """The Digraph of ``info``'s graph as ``shown``. With ``element_ids``, each box, op
    and edge carries an SVG id (node-n3, op-n3, edge-n3-0) for a page to update."""
    dot = Picture("micrograd_plus")
    dot.attr(rankdir=rankdir, fontname=FONT, nodesep="0.25", ranksep="0.35", bgcolor="white")
    if len(info.order) > 300:  # fewer rounds of edge-crossing reduction: lays out in seconds
        dot.attr(mclimit="0.1")
    dot.attr("node", fontname=FONT, fontsize="14")
    dot.attr("edge", fontname=FONT, fontsize="11", arrowsize="0.7")
    clusters: dict[str, list[Value]] = {}
    for node in info.order:
        group = info.groups.get(node, "")
        if boxes and group:
            clusters.setdefault(group, []).append(node)
        else:
            _add_node(dot, info, node, shown, element_ids)
    for i, (group, nodes) in enumerate(clusters.items()):
        with dot.subgraph(name=f"cluster_{i}") as box:
            box.attr(label=label_text(group), style="rounded,dashed", color=FRAME, fontname=FONT)
            for node in nodes:
                _add_node(box, info, node, shown, element_ids)
    for node in info.order:
        _add_edges(dot, info, node, shown, element_ids)
    if legend:
        dot.attr(label=_legend(shown.drawn), labelloc="b", labeljust="l")
    return dot


def _add_node(dot: Picture, info: GraphInfo, node: Value, shown: Looks, element_ids: bool) -> None:
    node_id = info.ids[node]
    name = info.names[node]
    kind = info.kinds[node]
    current = node is shown.current
    tooltip = plain_text(f"{name} ({kind})")
    ids = {"id": f"node-{node_id}"} if element_ids else {}
    if kind == "constant":  # just its number: a constant's gradient is of no use
        attrs = {"color": CURRENT, "penwidth": "3"} if current else {"color": ZERO}
        dot.node(
            node_id,
            f"<{label_text(name)}>",
            shape="box",
            style="rounded,filled",
            fillcolor=KIND_COLOURS["constant"],
            fontsize="12",
            width="0.3",
            height="0.3",
            margin="0.05,0.03",
            tooltip=tooltip,
            **attrs,
            **ids,
        )
    else:
        look = shown.nodes[node]
        grad = label_text(look.grad)
        if look.italic:
            grad = f"<I>{grad}</I>"
        border = f' BORDER="3" COLOR="{CURRENT}"' if current else ' BORDER="0"'
        label = (
            f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
            f'<TR><TD BGCOLOR="{KIND_COLOURS[kind]}"><B>{label_text(name)}</B></TD>'
            f"<TD>{label_text(look.data)}</TD>"
            f'<TD BGCOLOR="{look.fill}"><FONT COLOR="{look.ink}">{grad}</FONT></TD>'
            "</TR></TABLE>>"
        )
        dot.node(node_id, label, shape="plain", tooltip=tooltip, **ids)
    if node.inputs:
        attrs = {"shape": "circle", "style": "filled", "fillcolor": OP_FILL, "width": "0.5"}
        text = op_label(node)
        if node in shown.dead:
            attrs.update(fillcolor=DEAD, fontcolor="white")
            text += "\ndead"
        if current:
            attrs.update(color=CURRENT, penwidth="3")
        if element_ids:
            attrs["id"] = f"op-{node_id}"
        tooltip = plain_text(f"{op_label(node)}: computes {name}")
        dot.node(f"{node_id}op", f"<{label_text(text)}>", tooltip=tooltip, **attrs)


def _add_edges(dot: Picture, info: GraphInfo, node: Value, shown: Looks, element_ids: bool) -> None:
    if not node.inputs:
        return
    node_id = info.ids[node]
    current = node is shown.current
    for i, inp in enumerate(node.inputs):
        look = shown.edges[(node, i)]
        attrs: dict[str, str] = {"color": look.colour}
        if look.label:
            attrs.update(
                penwidth=str(look.width), label=f"<{label_text(look.label)}>", fontcolor=look.colour
            )
        if look.dashed:
            attrs.update(style="dashed")
        if current:
            attrs.update(color=CURRENT, penwidth="3")
        if element_ids:
            attrs["id"] = f"edge-{node_id}-{i}"
        dot.edge(info.ids[inp], f"{node_id}op", **attrs)
    out_attrs = {"color": CURRENT, "penwidth": "3"} if current else {"color": ZERO_INK}
    dot.edge(f"{node_id}op", node_id, **out_attrs)


def _legend(drawn: _Drawn) -> str:
    """The legend of what the picture contains, drawn as the graph's own label: below
    the picture, apart from its layout."""

    def row(title: str, cells: list[str]) -> str:
        inner = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3">'
            f"<TR>{''.join(cells)}</TR></TABLE>"
        )
        return f'<TR><TD ALIGN="LEFT">{title}</TD><TD ALIGN="LEFT">{inner}</TD></TR>'

    def chip(fill: str, text: str, ink: str = "black") -> str:
        return f'<TD BGCOLOR="{fill}"><FONT COLOR="{ink}">{text}</FONT></TD>'

    rows = [
        row(
            "node",
            [chip(c, k) for k, c in KIND_COLOURS.items() if k in drawn.kinds],
        )
    ]
    if drawn.grads:
        scale = [
            chip(
                c, "-" if i < 4 else "+" if i > 4 else "0", "white" if abs(i - 4) >= 3 else "black"
            )
            for i, c in enumerate(DIVERGING)
        ]
        rows.append(row("grad", scale))
    flags = {flag: chip(fill, label_text(text), ink) for flag, (fill, text, ink) in FLAGS.items()}
    flags["current"] = f'<TD BORDER="2" COLOR="{CURRENT}">current step</TD>'
    shown = [cell for flag, cell in flags.items() if flag in drawn.flags]
    if shown:
        rows.append(row("flags", shown))
    edges = []
    if "flow" in drawn.flags:
        edges.append(
            f'<TD>what flowed back: <FONT COLOR="{POSITIVE}">positive</FONT>, '
            f'<FONT COLOR="{NEGATIVE}">negative</FONT>; wider is larger (log scale)</TD>'
        )
    if "no flow" in drawn.flags:
        edges.append(f'<TD><FONT COLOR="{ZERO}">dashed: nothing flowed</FONT></TD>')
    if edges:
        rows.append(row("edges", edges))
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" COLOR="{ZERO}">'
        f"{''.join(rows)}</TABLE>>"
    )
