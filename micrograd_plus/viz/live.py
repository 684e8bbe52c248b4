"""A graph laid out once and then updated in place: the stepper's frames.

Graphviz lays a graph out in a second or so, far too slow for every frame. So the graph
is laid out once, with each box as wide as the longest text it will show, and each
later look at it (a later step) is sent as rows of
texts, colours and widths that a page writes into the same SVG
(``page/graph_update.js``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from micrograd_plus.viz._graph import GraphInfo
from micrograd_plus.viz.dot import (
    EdgeLook,
    Looks,
    NodeLook,
    emit,
)
from micrograd_plus.viz.rendering import render_bytes

__all__ = ["GRAD_CELL", "edge_row", "layout_svg", "node_row", "rows"]

GRAD_CELL = "#fdfdfd"  # the grad cell's fill in the layout, by which a page finds it
SVG = "{http://www.w3.org/2000/svg}"


def node_row(look: NodeLook) -> list[object]:
    return [look.data, look.grad, look.fill, look.ink, int(look.italic)]


def edge_row(look: EdgeLook) -> list[object]:
    return [look.colour, look.width, look.label, int(look.dashed)]


def rows(info: GraphInfo, shown: Looks) -> tuple[dict[str, list[object]], ...]:
    nodes = {info.ids[n]: node_row(look) for n, look in shown.nodes.items()}
    edges = {f"{info.ids[n]}-{i}": edge_row(look) for (n, i), look in shown.edges.items()}
    dead: dict[str, list[object]] = {
        info.ids[n]: [int(n in shown.dead)] for n in info.order if n.op == "relu"
    }
    return nodes, edges, dead


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?[\d.]+(?:e-?\d+)?", text)]


def _extent(group: ET.Element) -> list[float] | None:
    """[x, y, width, height] of an SVG group's shapes, in the SVG's own coordinates."""
    xs: list[float] = []
    ys: list[float] = []
    for element in group.iter():
        if element.tag == f"{SVG}ellipse":
            cx, cy = float(element.get("cx", 0)), float(element.get("cy", 0))
            rx, ry = float(element.get("rx", 0)), float(element.get("ry", 0))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        for attribute in ("points", "d"):
            coordinates = _numbers(element.get(attribute, ""))
            xs += coordinates[0::2]
            ys += coordinates[1::2]
    if not xs:
        return None
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def layout_svg(info: GraphInfo, layout: Looks) -> tuple[str, dict[str, list[float]]]:
    """The one layout as inline SVG, and where each box and op sits in it."""
    picture = emit(info, layout, boxes=info.from_model, legend=False, element_ids=True)
    svg = render_bytes(picture.source, "svg").decode("utf-8")
    root = ET.fromstring(svg)
    graph = root.find(f"{SVG}g")
    shift = _numbers(graph.get("transform", "").split("translate")[-1]) if graph is not None else []
    dx, dy = [*shift, 0.0, 0.0][:2]
    extents: dict[str, list[float]] = {}
    for group in root.iter(f"{SVG}g"):
        element_id = group.get("id", "")
        if element_id.startswith(("node-", "op-")):
            extent = _extent(group)
            if extent:
                extents[element_id] = [
                    round(extent[0] + dx, 1),
                    round(extent[1] + dy, 1),
                    round(extent[2], 1),
                    round(extent[3], 1),
                ]
    text = svg[svg.index("<svg") :]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg id="picture"', text, count=1)
    return text, extents
