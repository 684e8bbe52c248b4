"""A graph too big for a screen, drawn collapsed by scope: each scope one box.

A Value belongs to the scope it was computed in (``micrograd_plus.scope``), or, in a
model's graph, to its layer and neuron (``L1/L1.N2``, from the parameters' names). A
picture draws each Value inside its outermost scope that is not open as that scope's
box, and the rest one by one; a leaf read inside one box only (a weight of that scope, a
constant; not an input, the data that flows in) is drawn inside it too. Each box says
its name, how many Values it holds, how many it reads and gives, and the largest
gradient that left it (flowed back to what it reads, or to its own leaves); the edges
between two boxes are drawn as one, labelled with how many it stands for. Opening a
scope (``open=["attention"]``) draws its inside, framed: its own Values one by one and
its inner scopes as boxes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo, op_label
from micrograd_plus.viz.jupyter import Picture
from micrograd_plus.viz.palette import (
    FONT,
    FRAME,
    KIND_COLOURS,
    NEGATIVE,
    OP_FILL,
    POSITIVE,
    ZERO,
    edge_width,
    label_text,
    plain_text,
)

__all__ = [
    "Box",
    "collapse",
    "collapsed_picture",
    "draw_collapsed",
    "opened_scopes",
    "scope_path",
    "scopes",
    "tally",
]

OUTSIDE = "(outside any scope)"  # the box for what no scope holds, where it is too much
LOOSE_LEAVES = 12  # more leaves than this read from several boxes: a box per kind


@dataclass
class Box:
    """A scope drawn as one box: its Values, what it reads from outside and gives out."""

    path: str  # "layer 1/attention"
    nodes: list[Value] = field(default_factory=list)
    reads: set[Value] = field(default_factory=set)  # Values outside it that it reads
    gives: set[Value] = field(default_factory=set)  # its Values read outside it
    grad_left: float = 0.0  # the largest |flow| back along an edge from it to what it reads

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def scope_path(info: GraphInfo, node: Value) -> str:
    """Where ``node`` is: its scope, or in a model its layer and neuron ("L1/L1.N2")."""
    if node.scope:
        return node.scope
    group = info.groups.get(node, "")
    return f"{group.split('.')[0]}/{group}" if group else ""


def _visible(path: str, opened: set[str]) -> str:
    """The outermost scope of ``path`` that is not open ("" if all are: drawn as itself)."""
    parts = path.split("/") if path else []
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        if prefix not in opened:
            return prefix
    return ""


def collapse(info: GraphInfo, opened: Iterable[str] = (), max_nodes: int = 500) -> dict[Value, str]:
    """Each Value's box ("" for one drawn as itself): its outermost scope not in
    ``opened``; a leaf read only from one box goes in it. Where more than ``max_nodes``
    would still be drawn one by one, they all go in one box, OUTSIDE."""
    opened = set(opened)
    visible: dict[str, str] = {}  # per scope path: a graph has few, and many Values
    where: dict[Value, str] = {}
    for node in info.order:
        path = scope_path(info, node)
        if path not in visible:
            visible[path] = _visible(path, opened)
        where[node] = visible[path]
    users: dict[Value, set[str]] = {}
    for node in info.order:
        for inp in node.inputs:
            if not inp.inputs:
                users.setdefault(inp, set()).add(where[node])
    for node in info.order:
        if not node.inputs:
            own = where[node]
            read_by = users.get(node, set())
            taken = len(read_by) == 1 and info.kinds[node] != "input"  # data stays outside
            where[node] = own or (next(iter(read_by)) if taken else "")
    loose = [node for node in info.order if not node.inputs and not where[node]]
    if len(loose) > LOOSE_LEAVES:  # the weights every position reads, say
        for node in loose:  # unnamed leaves are "constants" to describe(): say leaves
            kind = info.kinds[node]
            where[node] = "(leaves)" if kind == "constant" else f"({kind}s)"
    alone = [node for node, box in where.items() if not box]
    if len(alone) > max_nodes:
        for node in alone:
            where[node] = OUTSIDE
    return where


def tally(
    info: GraphInfo, where: dict[Value, str], grads: Mapping[Value, float] | None = None
) -> tuple[dict[str, Box], dict[tuple[Value | str, Value | str], list[float]]]:
    """The boxes, with what each reads and gives and the largest gradient that left it;
    and the edges as drawn, each pair of ends (a box's path, or a Value drawn as itself)
    with the flows of the edges it stands for. One pass over the edges: an edge inside
    a box only matters where it ends at a leaf (a gradient leaving the box). ``grads``:
    each Value's gradient (else its ``grad``)."""
    grad = _grads(grads)
    found: dict[str, Box] = {}
    for node in info.order:
        if where[node]:
            found.setdefault(where[node], Box(where[node])).nodes.append(node)
    flowing = grad(info.root) != 0
    bundles: dict[tuple[Value | str, Value | str], list[float]] = {}
    for node in info.order:
        inside = where[node]
        for inp, local in zip(node.inputs, node.local_derivatives):
            outside = where[inp]
            if inside and outside == inside:
                if flowing and not inp.inputs:  # back to one of its own leaves
                    flow = abs(local * grad(node))
                    if flow > found[inside].grad_left or math.isnan(flow):
                        found[inside].grad_left = flow
                continue
            flow = local * grad(node) if flowing else 0.0
            if inside:
                box = found[inside]
                box.reads.add(inp)
                if abs(flow) > box.grad_left or math.isnan(flow):
                    box.grad_left = abs(flow)
            if outside:
                found[outside].gives.add(inp)
            bundles.setdefault((outside or inp, inside or node), []).append(flow)
    if where[info.root]:
        found[where[info.root]].gives.add(info.root)
    return found, bundles


def _grads(grads: Mapping[Value, float] | None) -> Callable[[Value], float]:
    if grads is None:
        return lambda node: node.grad
    return lambda node: grads.get(node, 0.0)


def opened_scopes(info: GraphInfo, names: Iterable[str]) -> list[str]:
    """The scopes ``names`` open: each name is a scope's path ("position 0/attention") or
    its last parts ("attention": every attention scope), with the scopes around it."""
    paths = scopes(info)
    out: list[str] = []
    for name in names:
        found = [p for p in paths if p == name or p.endswith("/" + name)]
        if not found:
            tops = sorted(p for p in paths if "/" not in p)
            raise ValueError(f"no scope {name!r} in this graph; its outermost: {', '.join(tops)}")
        for path in found:
            parts = path.split("/")
            out += ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return list(dict.fromkeys(out))


def scopes(info: GraphInfo) -> set[str]:
    """Every scope of the graph, the scopes around scopes included."""
    found: set[str] = set()
    for node in info.order:
        parts = scope_path(info, node).split("/")
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)) if parts[0])
    return found


def draw_collapsed(
    info: GraphInfo, opened: Iterable[str] = (), *, rankdir: str = "LR", max_nodes: int = 500
) -> Picture:
    """The picture of ``info``'s graph collapsed by scope (see the module's text)."""
    return collapsed_picture(info, opened, rankdir=rankdir, max_nodes=max_nodes)[0]


def collapsed_picture(
    info: GraphInfo,
    opened: Iterable[str] = (),
    *,
    rankdir: str = "LR",
    max_nodes: int = 500,
    grads: Mapping[Value, float] | None = None,
) -> tuple[Picture, dict[str, Box]]:
    """``draw_collapsed``'s picture, and its boxes by their ids in it (``box3``: the SVG
    group ``scope-box3``; a Value drawn as itself is ``value-n12``)."""
    where = collapse(info, opened, max_nodes)
    found, bundles = tally(info, where, grads)
    dot = Picture("micrograd_plus")
    dot.attr(rankdir=rankdir, fontname=FONT, nodesep="0.3", ranksep="0.5", bgcolor="white")
    dot.attr("node", fontname=FONT, fontsize="14")
    dot.attr("edge", fontname=FONT, fontsize="12", arrowsize="0.7")
    ids = {path: f"box{i}" for i, path in enumerate(found)}  # no path in the DOT text
    frames = _Frame("")  # the opened scopes, each a frame around what it holds
    for box in found.values():
        frames.within(box.path.rsplit("/", 1)[0] if "/" in box.path else "").boxes.append(box)
    for node in info.order:
        if not where[node]:
            frames.within(scope_path(info, node)).values.append(node)
    frames.emit(dot, info, ids, _grads(grads))

    def end(at: Value | str, into: bool) -> str:  # a box, a Value's op (in), or its box
        if isinstance(at, str):
            return ids[at]
        return f"{info.ids[at]}op" if into else info.ids[at]

    for (source, target), flows in bundles.items():
        root_grad = _grads(grads)(info.root)
        dot.edge(end(source, False), end(target, True), **_bundle_look(flows, root_grad))
    for node in info.order:
        if node.inputs and not where[node]:  # a Value drawn as itself: its op into it
            dot.edge(f"{info.ids[node]}op", info.ids[node], color=ZERO)
    return dot, {ids[path]: box for path, box in found.items()}


@dataclass
class _Frame:
    """An opened scope: its inner boxes, its own Values, and the scopes opened inside."""

    path: str
    boxes: list[Box] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    inner: dict[str, _Frame] = field(default_factory=dict)

    def within(self, path: str) -> _Frame:
        """The frame of ``path``, made (with the frames around it) where new."""
        frame = self
        parts = path.split("/") if path else []
        for i in range(len(parts)):
            prefix = "/".join(parts[: i + 1])
            frame = frame.inner.setdefault(prefix, _Frame(prefix))
        return frame

    def emit(
        self, dot: Picture, info: GraphInfo, ids: dict[str, str], grad: Callable[[Value], float]
    ) -> None:
        for box in self.boxes:
            _add_box(dot, box, ids[box.path])
        for node in self.values:
            _add_value(dot, info, node, grad)
        for frame in self.inner.values():
            # a cluster's name only has to differ from the others': its place in the text
            with dot.subgraph(name=f"cluster_{len(dot.body)}") as sub:
                name = frame.path.rsplit("/", 1)[-1]
                sub.attr(label=label_text(name), style="rounded,dashed", color=FRAME, fontsize="18")
                frame.emit(sub, info, ids, grad)


def _add_box(dot: Picture, box: Box, box_id: str) -> None:
    size = f"{len(box.nodes):,} Value{'s' if len(box.nodes) != 1 else ''}"
    left = f"grad left {format_number(box.grad_left)}" if box.grad_left else "no grad left"
    label = (
        f'<<TABLE BORDER="2" COLOR="{FRAME}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="5"'
        ' STYLE="ROUNDED">'
        f'<TR><TD><B><FONT POINT-SIZE="18">{label_text(box.name)}</FONT></B></TD></TR>'
        f"<TR><TD>{label_text(size)}</TD></TR>"
        f"<TR><TD>{label_text(f'reads {len(box.reads):,}, gives {len(box.gives):,}')}</TD></TR>"
        f"<TR><TD>{label_text(left)}</TD></TR>"
        + ("<TR><TD><I>name regions with scope()</I></TD></TR>" if box.path == OUTSIDE else "")
        + "</TABLE>>"
    )
    tooltip = plain_text(f"scope {box.path}: {size}; open it with open=[{box.path!r}]")
    dot.node(box_id, label, shape="plain", tooltip=tooltip, id=f"scope-{box_id}")


def _add_value(
    dot: Picture, info: GraphInfo, node: Value, grad_of: Callable[[Value], float]
) -> None:
    name, kind = info.names[node], info.kinds[node]
    grad = format_number(grad_of(node)) if grad_of(info.root) else ""
    label = (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
        f'<TR><TD BGCOLOR="{KIND_COLOURS[kind]}"><B>{label_text(name)}</B></TD>'
        f"<TD>data {label_text(format_number(node.data))}</TD>"
        f"<TD>grad {label_text(grad)}</TD></TR></TABLE>>"
    )
    tooltip = plain_text(f"{name} ({kind})")
    dot.node(info.ids[node], label, shape="plain", tooltip=tooltip, id=f"value-{info.ids[node]}")
    if node.inputs:
        dot.node(
            f"{info.ids[node]}op",
            f"<{label_text(op_label(node))}>",
            shape="circle",
            style="filled",
            fillcolor=OP_FILL,
            width="0.5",
        )


def _bundle_look(flows: list[float], root_grad: float) -> dict[str, str]:
    """An edge standing for ``flows`` (one per edge it bundles): coloured and as wide as
    its largest flow, labelled with how many it stands for."""
    largest = max(flows, key=lambda f: abs(f) if not math.isnan(f) else math.inf)
    colour = ZERO if not root_grad or largest == 0 else POSITIVE if largest > 0 else NEGATIVE
    look = {"color": colour, "penwidth": str(edge_width(largest, root_grad))}
    if len(flows) > 1:
        look.update(label=f"<{label_text(f'x{len(flows):,}')}>", fontcolor=colour)
    return look
