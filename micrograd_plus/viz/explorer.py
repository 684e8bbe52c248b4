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

from micrograd_plus.floats import format_number
from micrograd_plus.viz._graph import GraphInfo
from micrograd_plus.viz.collapsed import Box, collapsed_picture, scope_path
from micrograd_plus.viz.palette import CURRENT, readable, script_json
from micrograd_plus.viz.rendering import render_bytes

__all__ = ["PAGE_BYTES", "explorer_page"]

PAGE_BYTES = 4_500_000  # the views drawn stop short of this: the page stays under 5 MB
SHOWN = 6  # the Values a step names, at most (then how many more)


def explorer_page(info: GraphInfo, heading: str, max_nodes: int) -> str:
    """The page: every view that fits in PAGE_BYTES, and the steps of each."""
    paths = sorted(_scopes(info), key=lambda p: (p.count("/"), p))
    views: dict[str, dict[str, Any]] = {}
    drawings: list[str] = []  # each view's SVG, in a <template> of its own
    used = 0
    for path in ["", *paths]:
        parts = path.split("/") if path else []
        opened = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        picture, boxes = collapsed_picture(info, opened, max_nodes=max_nodes)
        svg = _compact(render_bytes(picture.source).decode("utf-8"))
        if views and used + len(svg) > PAGE_BYTES:
            break  # this scope and the deeper ones have no view: the page says so
        used += len(svg)
        inside = {i: b for i, b in boxes.items() if not path or b.path.startswith(path + "/")}
        views[path] = {
            "svg": f"view-{len(drawings)}",
            "boxes": {i: b.path for i, b in boxes.items()},
            "inside": list(inside),
            "steps": _steps(info, inside),
        }
        drawings.append(f'<template id="view-{len(drawings)}">{svg}</template>')
    data = {"views": views, "scopes": paths, "heading": heading}
    folder = resources.files("micrograd_plus.viz") / "page"
    template = Template((folder / "explorer.html").read_text(encoding="utf-8"))
    return template.substitute(
        title=html.escape(heading),
        style=(folder / "stepper.css").read_text(encoding="utf-8")
        + (folder / "explorer.css").read_text(encoding="utf-8").replace("CURRENT", CURRENT),
        script=(folder / "explorer.js").read_text(encoding="utf-8"),
        data=script_json(data),
        views="\n".join(drawings),
    )


def _scopes(info: GraphInfo) -> set[str]:
    """Every scope of the graph, the scopes around scopes included."""
    found: set[str] = set()
    for node in info.order:
        parts = scope_path(info, node).split("/")
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)) if parts[0])
    return found


def _compact(svg: str) -> str:
    """Graphviz's SVG without its comments, titles (a box's tooltip stays) and spaces
    between tags: about a tenth smaller. Its texts are escaped XML: it goes in the page
    as markup, in a <template> (inert until shown)."""
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>", "", svg)
    svg = re.sub(r"<\?xml[^>]*>|<!DOCTYPE[^>]*>", "", svg)
    return re.sub(r">\s+<", "><", svg).strip()


def _steps(info: GraphInfo, boxes: dict[str, Box]) -> list[dict[str, Any]]:
    """The steps through a view's boxes: forward as they finish computing, then backward."""
    at = {node: i for i, node in enumerate(info.order)}
    order = sorted(boxes.items(), key=lambda item: max(at[n] for n in item[1].nodes))
    computing = [(i, b) for i, b in order if any(n.inputs for n in b.nodes)]
    forward = [_step(info, i, b, "forward") for i, b in computing]
    flowing = info.root.grad != 0
    backward = [_step(info, i, b, "backward") for i, b in reversed(computing)] if flowing else []
    return forward + backward


def _step(info: GraphInfo, box_id: str, box: Box, phase: str) -> dict[str, Any]:
    gives = sorted(box.gives, key=lambda n: info.ids[n])
    computed = sum(1 for n in box.nodes if n.inputs)
    if phase == "forward":
        title = f"forward through {readable(box.path)}"
        lines = [f"{computed:,} Values computed, {len(box.reads):,} read from outside"]
        lines += _numbers(info, gives, "gives", lambda n: n.data)
    else:
        title = f"backward through {readable(box.path)}"
        lines = _numbers(info, gives, "gradients arriving", lambda n: n.grad)
        lines.append(f"the largest gradient that left it: {format_number(box.grad_left)}")
    return {"box": box_id, "phase": phase, "title": title, "lines": lines}


def _numbers(info: GraphInfo, nodes: list[Any], what: str, number: Any) -> list[str]:
    shown = [f"{info.names[n]} = {format_number(number(n))}" for n in nodes[:SHOWN]]
    more = f" and {len(nodes) - SHOWN:,} more" if len(nodes) > SHOWN else ""
    return [f"{what}: " + ", ".join(shown) + more] if nodes else [f"{what}: none"]
