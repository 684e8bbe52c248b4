"""The step-through page: one self-contained HTML file a lecturer opens in class.

The graph is laid out once by Graphviz, with room for the longest text any step shows,
so no box ever moves. Each step is data: which texts, colours and widths change, which
node is current, and what the class may be asked. The page (``page/stepper.html``,
``.css``, ``.js``, package files) updates that one SVG in place and moves a camera to
the current node.

Keys: arrows (or the buttons) step, Home/End jump, space plays, Q asks the class for
what the current step computes (type an answer, Enter checks it), R reveals, O shows the
whole graph, G the legend, L puts the arithmetic beside or below the graph. The wheel
zooms and a drag pans.
"""

from __future__ import annotations

import html
import os
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from micrograd_plus._files import write_atomic
from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo, Params, describe, unit
from micrograd_plus.viz.dot import VANISH_BELOW, EdgeLook, Looks, NodeLook, looks_along
from micrograd_plus.viz.explorer import explorer_page
from micrograd_plus.viz.live import GRAD_CELL, edge_row, layout_svg, node_row
from micrograd_plus.viz.matrices import Neuron, backward_math, forward_math, layers
from micrograd_plus.viz.palette import (
    BLANK,
    CURRENT,
    DEAD,
    DIVERGING,
    FLAGS,
    KIND_COLOURS,
    NEGATIVE,
    OP_FILL,
    POSITIVE,
    ZERO,
    readable,
    script_json,
)
from micrograd_plus.viz.passes import Step, steps

__all__ = ["BY", "Stepper", "write_stepper"]

BY = ("node", "neuron", "layer")  # what one step of the stepper is


class Stepper:
    """The forward and backward passes through ``root``'s graph, one step at a time.

    ``save(path)`` writes the page; in Jupyter the same page shows inline. ``params``
    names parameters as in ``to_dot``; ``title`` heads the page. ``by`` sets what one
    step is: a ``"node"``, or with a model's parameters a whole ``"neuron"`` (its
    weighted sum and activation) or ``"layer"``. A graph of more than ``max_nodes``
    Values is a ``ValueError``.
    """

    def __init__(
        self,
        root: Value,
        *,
        params: Params = None,
        title: str | None = None,
        max_nodes: int = 400,
        by: str = "node",
    ) -> None:
        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}, got {by!r}")
        if not isinstance(root, Value):
            raise TypeError(
                f"a Stepper steps through the graph of a Value (the output of a computation), "
                f"got {type(root).__name__}: {root!r}"[:300]
            )
        size = len(root.topological_order())
        info = describe(root, params)
        heading = (
            readable(title) if title is not None else f"Backpropagation through {info.names[root]}"
        )
        if size > max_nodes and by != "node":
            raise ValueError(
                f"by={by!r} steps through a graph of up to max_nodes={max_nodes:,} Values, "
                f"and this one has {size:,}: pass a larger max_nodes, or by='node' for the "
                "page that collapses a big graph by scope"
            )
        if size > max_nodes:  # collapsed by scope, each scope a box that opens
            self.page = explorer_page(info, heading, max_nodes)
        else:
            self.page = _page(info, steps(root, params), heading, by)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (an .html file), whole or not at all."""
        return write_atomic(path, self.page)

    def _repr_html_(self) -> str:
        """The page in an iframe, for Jupyter: click it, then the keys work."""
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            'style="width: 100%; height: 680px; border: 1px solid #ccc" '
            'sandbox="allow-scripts" title="micrograd_plus stepper"></iframe>'
        )


def write_stepper(
    root: Value,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    params: Params = None,
    max_nodes: int = 400,
    by: str = "node",
) -> Path:
    """``Stepper(root, ...).save(path)``: write the page and return its path."""
    return Stepper(root, params=params, title=title, max_nodes=max_nodes, by=by).save(path)


# --- the frames: what changes at each step ------------------------------------------------


def _quiz(info: GraphInfo, step: Step) -> list[dict[str, object]]:
    """What a step computes, for the class to work out: a forward step's value, a
    backward step's gradients (the last contribution to an input is its new grad)."""
    if step.phase == "forward":
        node = step.node
        return [
            {
                "node": info.ids[node],
                "kind": "data",
                "name": info.names[node],
                "value": format_number(node.data),
            }
        ]
    if not step.contributions:  # the seed
        root = step.node
        name = f"{info.names[root]}.grad"
        return [{"node": info.ids[root], "kind": "grad", "name": name, "value": "1.0"}]
    asked: dict[Value, float] = {}
    for c in step.contributions:
        if info.kinds[c.input] != "constant":  # a constant's box shows no gradient
            asked[c.input] = c.grad_after
    return [
        {
            "node": info.ids[n],
            "kind": "grad",
            "name": f"{unit(info.names[n])}.grad",
            "value": format_number(g),
        }
        for n, g in asked.items()
    ]


def _focus(info: GraphInfo, node: Value | None) -> list[str]:
    """What the camera shows at a step: the node, its op, and its inputs."""
    if node is None:
        return []
    ids = [f"node-{info.ids[node]}"]
    if node.inputs:
        ids.append(f"op-{info.ids[node]}")
    ids += [f"node-{info.ids[inp]}" for inp in node.inputs]
    return ids


def _math(
    info: GraphInfo,
    found: dict[str, list[Neuron]],
    taken: list[Step],
    by: str,
    grads: dict[Value, float],
) -> tuple[dict[str, Any] | None, list[dict[str, object]], list[dict[str, object]]]:
    """A neuron or layer frame as its equations (``viz.matrices``), where the graph has
    that neuron or layer; what its quiz asks, entry by entry: z and h (forward) or delta
    (backward); and what it hides besides, as it follows from those (dL/dW, dL/db, dL/dx)."""
    group = info.groups.get(taken[-1].node, "")
    members = found.get(group.split(".")[0], [])
    if by == "neuron":
        members = [n for n in members if n.name == group]
    if by == "node" or not members:
        return None, [], []
    name = f"{group}.w" if by == "neuron" else f"{group.split('.')[0]}.W"
    phase = taken[-1].phase
    if phase == "forward":
        math = forward_math(info, members, name)
        asked, hidden, kind = ["z", "h"], [], "data"
    else:
        math = backward_math(info, members, name, grads)
        asked, hidden, kind = ["delta"], ["db", "dW", "dx"], "grad"

    def items(keys: list[str]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for key in keys:
            for row in math[key] or []:
                for e in row if key == "dW" and row else [row]:
                    if e is not None:  # e[4], its name by its place: "z-3", "dW-0-11"
                        place = e[4].split("-", 1)[1].replace("-", ", ")
                        out.append(
                            {"node": e[1], "kind": kind, "name": f"{key}[{place}]",
                             "value": e[3], "cell": e[4]}
                        )  # fmt: skip
        return out

    return math, items(asked), items(hidden)


def _core(info: GraphInfo, found: dict[str, list[Neuron]], node: Value) -> list[str]:
    """What the camera frames at a neuron or layer step: the current node and its op,
    then its neuron's sum, activation and output (where they fit at a readable size)."""
    ids = [f"node-{info.ids[node]}", f"op-{info.ids[node]}"]
    group = info.groups.get(node, "")
    for neuron in found.get(group.split(".")[0], []):
        if neuron.name == group:
            ids += [f"node-{info.ids[neuron.total]}", f"node-{info.ids[neuron.out]}"]
            ids += [f"op-{info.ids[neuron.out]}"] if neuron.activation is not None else []
    return list(dict.fromkeys(ids))


def _close(
    info: GraphInfo,
    frames: list[dict[str, object]],
    pending: dict[str, Any],
    shown: Looks,
    start_lines: list[str],
    by: str = "node",
    found: dict[str, list[Neuron]] | None = None,
    grads: dict[Value, float] | None = None,
) -> None:
    """A frame for the steps gathered in ``pending`` (none: the start), as ``shown``;
    a neuron or layer frame with its equations (``found``: the graph's layers; ``grads``:
    the gradients as of this frame)."""
    taken: list[Step] = pending["steps"]
    quiz: list[dict[str, object]] = []
    hidden: list[dict[str, object]] = []
    math: dict[str, Any] | None = None
    core: list[str] = []
    if not taken:
        phase, title, lines = "start", "start: the inputs and parameters", start_lines
        dead = [n for n in info.order if n.op == "relu"]
    else:
        last = taken[-1]
        phase = last.phase
        if len(taken) == 1:
            title, lines = last.title, list(last.lines)
        else:  # a neuron or a layer: each of its steps, titled
            group = info.groups.get(last.node, "")
            what = f"layer {group.split('.')[0]}" if by == "layer" else f"neuron {group}"
            title = f"{phase} through {what} ({len(taken)} steps)"
            lines = [line for step in taken for line in (step.title, *step.lines)]
        lines = [line.replace(" -> ", " \u2192 ") for line in lines]
        asked: dict[tuple[object, object], dict[str, object]] = {}
        for step in taken:  # the last word on each number
            for item in _quiz(info, step):
                asked[(item["node"], item["kind"])] = item
        quiz = list(asked.values())
        dead = [s.node for s in taken if s.node.op == "relu" and s.phase == "forward"]
        if found is not None and grads is not None:
            math, matrix_quiz, hidden = _math(info, found, taken, by, grads)
            if math is not None:
                # the graph's boxes would give the asked entries away (a product beside its
                # sum, a gradient beside its delta): every number the frame computes hides
                listed = {(item["node"], item["kind"]) for item in matrix_quiz + hidden}
                for item in asked.values():
                    if (item["node"], item["kind"]) not in listed:
                        hidden.append({k: v for k, v in item.items() if k != "value"})
                quiz = matrix_quiz
                core = _core(info, found, taken[-1].node)
    current = shown.current
    focus: list[str] = list(core)
    for step in taken:
        focus += [f for f in _focus(info, step.node) if f not in focus]
    frames.append(
        {
            "phase": phase,
            "title": title,
            "lines": lines,
            "current": None if current is None or not taken else info.ids[current],
            "focus": focus,
            "core": len(core),
            "math": math,
            "quiz": quiz,
            "hidden": hidden,
            "nodes": {info.ids[n]: node_row(shown.nodes[n]) for n in pending["nodes"]},
            "edges": {
                f"{info.ids[n]}-{i}": edge_row(shown.edges[(n, i)]) for n, i in pending["edges"]
            },
            "dead": {info.ids[n]: [int(n in shown.dead)] for n in dead},
        }
    )


def _grouping(info: GraphInfo, all_steps: list[Step], by: str) -> list[str]:
    """Per step, the frame it belongs to: steps in a row with the same key are one frame
    (a neuron "L1.N2", or a layer "L1"); a step outside any neuron is a frame of its own."""
    keys = []
    for k, step in enumerate(all_steps):
        group = info.groups.get(step.node, "") if by != "node" else ""
        if by == "layer":
            group = group.split(".")[0]
        keys.append(f"{step.phase} {group}" if group else f"{step.phase} #{k}")
    return keys


def _frames(
    info: GraphInfo, all_steps: list[Step], by: str = "node"
) -> tuple[list[dict[str, object]], Looks]:
    """The first frame in full, then each frame's changes (a frame is one step, or the
    steps of one neuron or layer); and the looks the one layout is made with (each text
    as long as the longest it will show)."""
    name = info.names[info.root]
    frames: list[dict[str, object]] = []
    longest: dict[object, str] = {}  # per box (data, grad) and edge: the longest text

    def keep_longest(key: object, text: str) -> None:
        if len(text) > len(longest.get(key, "")):
            longest[key] = text

    keys = _grouping(info, all_steps, by)
    along = looks_along(info, all_steps, VANISH_BELOW)
    shown, nodes, edges = next(along)
    forward = sum(1 for s in all_steps if s.phase == "forward")
    start_lines = [
        f"{forward} forward steps compute {name};",
        f"then {len(all_steps) - forward} backward steps send the gradient back.",
    ]
    for node in nodes:
        keep_longest((node, "data"), shown.nodes[node].data)
        keep_longest((node, "grad"), shown.nodes[node].grad)
    for key in edges:
        keep_longest(key, shown.edges[key].label)
    start: dict[str, Any] = {"nodes": set(nodes), "edges": set(edges), "steps": []}
    _close(info, frames, start, shown, start_lines)
    pending: dict[str, Any] = start
    found = layers(info) if by != "node" else {}
    grads: dict[Value, float] = {}  # each node's gradient as of the step
    for k, (looked, changed_nodes, changed_edges) in enumerate(along):
        step = all_steps[k]
        if step.phase == "backward" and not step.contributions:
            grads[step.node] = 1.0  # the seed
        grads.update((c.input, c.grad_after) for c in step.contributions)
        if k == 0 or keys[k] != keys[k - 1]:
            pending = {"nodes": set(), "edges": set(), "steps": []}
        pending["nodes"] |= changed_nodes
        pending["edges"] |= changed_edges
        pending["steps"].append(step)
        for node in changed_nodes:
            keep_longest((node, "data"), looked.nodes[node].data)
            keep_longest((node, "grad"), looked.nodes[node].grad)
        for key in changed_edges:
            keep_longest(key, looked.edges[key].label)
        if k + 1 == len(all_steps) or keys[k + 1] != keys[k]:
            _close(info, frames, pending, looked, start_lines, by, found, grads)
    layout_nodes = {
        node: NodeLook(longest[(node, "data")], max(longest[(node, "grad")], "grad ?", key=len),
                       GRAD_CELL, "black", False)
        for node in shown.nodes
    }  # fmt: skip
    layout_edges = {
        key: EdgeLook(look.colour, look.width, longest.get(key, ""), look.dashed)
        for key, look in shown.edges.items()
    }
    return frames, Looks(layout_nodes, layout_edges, set(shown.dead), None, shown.drawn)


# --- the page -------------------------------------------------------------------------------


def _legend(drawn_flags: set[str], kinds: set[str]) -> list[list[str]]:
    """The legend as [fill, text, ink] rows, for what the page shows."""
    rows = [[c, k, "black"] for k, c in KIND_COLOURS.items() if k in kinds]
    rows += [
        [DIVERGING[1], "negative grad", "white"],
        [DIVERGING[7], "positive grad", "white"],
    ]
    rows += [list(look) for flag, look in FLAGS.items() if flag in drawn_flags]
    rows += [
        [CURRENT, "current step", "black"],
        [POSITIVE, "edge: what flowed back, positive (wider is larger)", "white"],
        [NEGATIVE, "edge: what flowed back, negative", "white"],
    ]
    return rows


def _page(info: GraphInfo, all_steps: list[Step], heading: str, by: str = "node") -> str:
    frames, layout = _frames(info, all_steps, by)  # quiz answers travel as the text shown
    svg, extents = layout_svg(info, layout)
    data = {
        "frames": frames,
        "boxes": extents,
        "legend": _legend(layout.drawn.flags, layout.drawn.kinds),
        "gradCell": GRAD_CELL,
        "colours": {"dead": DEAD, "op": OP_FILL, "blank": BLANK, "edge": ZERO, "current": CURRENT},
    }
    folder = resources.files("micrograd_plus.viz") / "page"
    template = Template((folder / "stepper.html").read_text(encoding="utf-8"))
    return template.substitute(
        title=html.escape(heading),
        style=(folder / "stepper.css").read_text(encoding="utf-8"),
        shared="".join(
            (folder / name).read_text(encoding="utf-8")
            for name in ("graph_update.js", "matrices.js", "camera.js")
        ),
        script=(folder / "stepper.js").read_text(encoding="utf-8"),
        svg=svg,
        data=script_json(data),
    )
