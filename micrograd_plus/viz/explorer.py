"""The stepper's page for a graph too big to draw node by node: the graph collapsed by
scope (``viz.collapsed``), one box per scope, each box opened in place by a click.

Each way the picture can be opened is a view, drawn once here by Graphviz: all scopes
closed, and for each scope the picture with it (and the scopes around it) opened. A click
on a box shows its view, the box now a frame around its inside; the path above the
picture closes it again. The steps go through the boxes in view, forward in the order
they finish computing, then backward in the reverse, each with its numbers: what it
gives, the gradients that reach it and the largest that left it. Views are drawn breadth
first while the page stays under ``PAGE_BYTES``; a scope deeper than that says so. The
steps of a view with a scope opened go through the boxes inside it.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from string import Template
from typing import Any

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo
from micrograd_plus.viz.collapsed import Box, collapsed_picture, scope_path, scopes
from micrograd_plus.viz.matrices import shown_places, three_digits
from micrograd_plus.viz.palette import CURRENT, readable, script_json
from micrograd_plus.viz.rendering import render_bytes

__all__ = ["PAGE_BYTES", "explorer_page"]

PAGE_BYTES = 4_500_000  # the views drawn stop short of this: the page stays under 5 MB
VIEW_BYTES = 450_000  # a view bigger than this (hundreds of Values one by one) is left out
VIEWS = 120  # the most views drawn (each a Graphviz layout: a GPT's heads at each position)
SHOWN = 6  # the numbers a step shows, at most (then how many more)


def explorer_page(info: GraphInfo, heading: str, max_nodes: int) -> str:
    """The page: the views that fit, breadth first, and the steps of each."""
    paths = sorted(scopes(info), key=lambda p: (p.count("/"), p))
    grads = _backward(info)  # as the node stepper does: the backward pass, replayed
    views: dict[str, dict[str, Any]] = {}
    drawings: list[str] = []  # each view's SVG, in a <template> of its own
    used = 0
    by_scope: dict[str, list[Value]] = {}
    for node in info.order:
        if node.inputs:
            by_scope.setdefault(node.scope, []).append(node)
    for path in ["", *paths][:VIEWS]:
        parts = path.split("/") if path else []
        opened = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        picture, boxes = collapsed_picture(info, opened, max_nodes=max_nodes, grads=grads)
        svg = _compact(render_bytes(picture.source).decode("utf-8"))
        if views and (len(svg) > VIEW_BYTES or used + len(svg) > PAGE_BYTES):
            continue  # a scope with no view: the page says so
        used += len(svg)
        inside = {i: b for i, b in boxes.items() if not path or b.path.startswith(path + "/")}
        values = [
            f"value-{info.ids[n]}"
            for n in info.order
            if path and (scope_path(info, n) + "/").startswith(path + "/") and n.inputs
        ]
        views[path] = {
            "svg": f"view-{len(drawings)}",
            "boxes": {i: b.path for i, b in boxes.items()},
            "inside": list(inside),
            "values": values[:50] if not inside else [],  # where the camera looks
            "steps": _steps(info, inside, grads),
            "attention": _attention(info, path) if path else None,
            "linear": _linear(info, path, by_scope.get(path, [])) if path else None,
        }
        drawings.append(f'<template id="view-{len(drawings)}">{svg}</template>')
    # a scope too big to draw node by node that is a matrix product or a head: its numbers
    matrices = {
        path: {"linear": linear, "count": len(by_scope.get(path, []))}
        for path in paths
        if path not in views and (linear := _linear(info, path, by_scope.get(path, [])))
    }
    data = {"views": views, "matrices": matrices, "heading": heading}
    folder = resources.files("micrograd_plus.viz") / "page"
    template = Template((folder / "explorer.html").read_text(encoding="utf-8"))
    return template.substitute(
        title=html.escape(heading),
        style=(folder / "stepper.css").read_text(encoding="utf-8")
        + (folder / "explorer.css").read_text(encoding="utf-8").replace("CURRENT", CURRENT),
        script="".join(
            (folder / name).read_text(encoding="utf-8")
            for name in ("matrices.js", "camera.js", "explorer.js")
        ),
        data=script_json(data),
        views="\n".join(drawings),
    )


def _attention(info: GraphInfo, path: str) -> dict[str, Any] | None:
    """An attention head's numbers as matrices, where ``path`` is a head scoped as the
    GPT scopes one (scores, softmax, weighted sum inside it): q, the keys K (a row per
    position so far), scores = K q / sqrt(d), the softmax's weights, the values V (a row
    per position) and out = weights^T V; None for any other scope (one that holds the
    head of several positions, as a scope named once for all of them does)."""
    parts = {name: [n for n in info.order if n.inputs and n.scope == f"{path}/{name}"]
             for name in ("scores", "softmax", "weighted sum")}  # fmt: skip
    if not all(parts.values()):
        return None
    scored, soft = set(parts["scores"]), set(parts["softmax"])
    scores = list(dict.fromkeys(i for n in parts["softmax"] for i in n.inputs if i in scored))
    weights = list(dict.fromkeys(i for n in parts["weighted sum"] for i in n.inputs if i in soft))
    outs = [n for n in parts["weighted sum"] if n.op == "sum"]
    dots = [s.inputs[0] for s in scores]
    shaped = all(s.op == "/" and d.op == "sum" for s, d in zip(scores, dots)) and dots
    if not shaped or len(weights) != len(scores):
        return None
    products = [[p for p in d.inputs if p.op == "*"] for d in dots]
    q = [p.inputs[0] for p in products[0]]
    one_position = len(outs) == len(q) and all(len(o.inputs) == len(weights) for o in outs)
    if not one_position:  # a scope that holds several positions' heads: no one matrix
        return None
    keys = [[p.inputs[1] for p in row] for row in products]
    values = [[out.inputs[t].inputs[1] for out in outs] for t in range(len(weights))]

    def entry(node: Value, name: str) -> list[str]:
        return [three_digits(node.data), info.ids[node], "", format_number(node.data), name]

    return {
        "d": len(q),
        "q": [entry(v, f"q-{i}") for i, v in enumerate(q)],
        "K": [[entry(v, f"K-{t}-{i}") for i, v in enumerate(row)] for t, row in enumerate(keys)],
        "scores": [entry(v, f"scores-{t}") for t, v in enumerate(scores)],
        "weights": [entry(v, f"weights-{t}") for t, v in enumerate(weights)],
        "V": [[entry(v, f"V-{t}-{j}") for j, v in enumerate(row)] for t, row in enumerate(values)],
        "out": [entry(v, f"out-{j}") for j, v in enumerate(outs)],
    }


def _linear(info: GraphInfo, path: str, nodes: list[Value]) -> dict[str, Any] | None:
    """A scope that is one matrix product, as a course writes it: y = W x, each y a sum of
    parameters times the same inputs x (a GPT's qkv, its attention's output W_o, its
    logits), and y + r where each y has a residual r added in the scope; W named by its
    parameters' table(s), its rows and columns cut to the first few, a gap and the last
    where there are many. None for any other scope. ``nodes``: the scope's own computed
    Values (not its inner scopes'), in the graph's order."""
    users: dict[Value, int] = {}
    for node in nodes:
        for i in node.inputs:
            users[i] = users.get(i, 0) + 1
    found: dict[Value, list[tuple[Value, Value]]] = {}  # each sum's (weight, input) pairs
    partial: set[Value] = set()  # the partial sums of a sum found
    for node in reversed(nodes):  # the whole sum before its partial sums
        if node.op not in ("sum", "+") or node in partial:
            continue
        terms, inner, pending = [], [], list(node.inputs)
        while pending:  # through the + chain of Python's sum() or a loop
            term = pending.pop(0)
            if term.op in ("sum", "+") and users.get(term) == 1 and term.scope == path:
                pending[:0] = term.inputs
                inner.append(term)
            elif term.inputs or term.data != 0:  # (not the 0 Python's sum starts from)
                terms.append(term)
        pairs = [_weight_first(info, t) for t in terms]
        if pairs and all(pairs):
            found[node] = [p for p in pairs if p is not None]
            partial |= set(inner)
    sums = [n for n in nodes if n in found]
    if not sums:
        return None
    weights = [[w for w, _ in found[t]] for t in sums]
    xs = [[x for _, x in found[t]] for t in sums]
    if any(x != xs[0] for x in xs):
        return None
    added = {n.inputs[0]: n for n in nodes if n.op == "+" and n.inputs[0] in set(sums)}
    residual = len(added) == len(sums)
    tables = list(dict.fromkeys(info.names[w].split("[", 1)[0] for row in weights for w in row))
    labelled = all(info.names[w].endswith("]") for row in weights for w in row)
    name = (tables[0] if len(tables) == 1 else f"[{'; '.join(tables)}]") if labelled else "W"
    rows, columns = shown_places(len(sums)), shown_places(len(xs[0]), most=6)  # the panel

    def entry(node: Value, key: str) -> list[str]:
        return [three_digits(node.data), info.ids[node], "", format_number(node.data), key]

    def column(values: list[Value], key: str) -> list[Any]:
        return [None if i is None else entry(values[i], f"{key}-{i}") for i in rows]

    return {
        "name": name,
        "W": [
            None
            if i is None
            else [None if j is None else entry(weights[i][j], f"W-{i}-{j}") for j in columns]
            for i in rows
        ],
        "x": [None if j is None else entry(xs[0][j], f"x-{j}") for j in columns],
        "y": column(sums, "y"),
        "r": column([added[t].inputs[1] for t in sums], "r") if residual else None,
        "out": column([added[t] for t in sums], "out") if residual else None,
        "size": [len(sums), len(xs[0])],
    }


def _weight_first(info: GraphInfo, product: Value) -> tuple[Value, Value] | None:
    """(weight, input) of a product of two: the weight a parameter, or where the model
    gave none, the leaf of a leaf times a computed number; None for anything else."""
    if product.op != "*" or len(product.inputs) != 2:
        return None
    a, b = product.inputs
    for w, x in ((a, b), (b, a)):
        if info.kinds.get(w) == "parameter" or (not w.inputs and x.inputs):
            return w, x
    return None


def _backward(info: GraphInfo) -> dict[Value, float]:
    """Each Value's gradient from the root, by the chain rule over the graph (what a
    first ``backward()`` gives), without changing any Value's ``grad``."""
    grads: dict[Value, float] = {info.root: 1.0}
    for node in reversed(info.order):
        g = grads.get(node, 0.0)
        for inp, local in zip(node.inputs, node.local_derivatives):
            if local:  # a zero local derivative passes nothing back, even times inf
                grads[inp] = grads.get(inp, 0.0) + local * g
    return grads


def _compact(svg: str) -> str:
    """Graphviz's SVG without its comments, titles (a box's tooltip stays) and spaces
    between tags: about a tenth smaller. Its texts are escaped XML: it goes in the page
    as markup, in a <template> (inert until shown)."""
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>", "", svg)
    svg = re.sub(r"<\?xml[^>]*>|<!DOCTYPE[^>]*>", "", svg)
    return re.sub(r">\s+<", "><", svg).strip()


def _steps(
    info: GraphInfo, boxes: dict[str, Box], grads: dict[Value, float]
) -> list[dict[str, Any]]:
    """The steps through a view's boxes: forward in an order that computes each after the
    boxes it reads (ties as the engine meets them), then backward in the reverse."""
    computing = {i: b for i, b in boxes.items() if any(n.inputs for n in b.nodes)}
    forward = [_step(info, i, computing[i], "forward", grads) for i in _in_order(info, computing)]
    backward = [
        _step(info, step["box"], computing[step["box"]], "backward", grads)
        for step in reversed(forward)
    ]
    return forward + backward


def _in_order(info: GraphInfo, boxes: dict[str, Box]) -> list[str]:
    """The boxes so that each comes after every box it reads from (Kahn's algorithm;
    a box first computed earlier goes first among those ready)."""
    at = {node: i for i, node in enumerate(info.order)}
    box_of = {node: i for i, b in boxes.items() for node in b.nodes}
    first = {i: min(at[n] for n in b.nodes if n.inputs) for i, b in boxes.items()}
    after: dict[str, set[str]] = {i: set() for i in boxes}
    for i, b in boxes.items():
        after[i] = {box_of[r] for r in b.reads if r in box_of and box_of[r] != i}
    order: list[str] = []
    waiting = dict(after)
    while waiting:
        ready = [i for i, needs in waiting.items() if not needs - set(order)]
        chosen = min(ready or waiting, key=first.__getitem__)  # a cycle: the earliest
        order.append(chosen)
        del waiting[chosen]
    return order


def _step(
    info: GraphInfo, box_id: str, box: Box, phase: str, grads: dict[Value, float]
) -> dict[str, Any]:
    gives = sorted(box.gives, key=lambda n: info.ids[n])
    computed = sum(1 for n in box.nodes if n.inputs)
    if phase == "forward":
        title = f"forward through {readable(box.path)}"
        lines = [f"{computed:,} Values computed from {len(box.reads):,} read from outside"]
        lines.append(_numbers(gives, "it gives", lambda n: n.data))
    else:
        title = f"backward through {readable(box.path)}"
        lines = [_numbers(gives, "the gradients that reach it", lambda n: grads.get(n, 0.0))]
        lines.append(f"the largest gradient that left it: {format_number(box.grad_left)}")
    return {"box": box_id, "phase": phase, "title": title, "lines": lines}


def _numbers(nodes: list[Any], what: str, number: Any) -> str:
    if not nodes:
        return f"{what}: nothing"
    shown = ", ".join(format_number(number(n)) for n in nodes[:SHOWN])
    more = f" and {len(nodes) - SHOWN:,} more" if len(nodes) > SHOWN else ""
    return f"{what} ({len(nodes):,} Value{'s' if len(nodes) != 1 else ''}): {shown}{more}"
