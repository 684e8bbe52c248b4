"""The neuron-level picture of an MLP, as in the course notes' MLP figure.

A column of circles per layer, the inputs first; an edge per weight, its width
|w| (relative to the layer's largest) and its colour the sign (blue positive, red
negative). Given an input x, each circle shows its activation, and a dead ReLU (its
input w . x + b <= 0, so no gradient passes) is black. When the parameters hold
gradients (after ``loss.backward()``), each neuron also shows delta = dL/d(w . x + b),
which is its bias's gradient, filled red-white-blue by size: a column of pale circles
is a layer whose gradients have vanished.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import graphviz
import numpy as np

from micrograd_plus.engine import no_grad
from micrograd_plus.floats import format_number
from micrograd_plus.nn import MLP, input_values
from micrograd_plus.viz.dot import (
    DEAD,
    FONT,
    NEGATIVE,
    POSITIVE,
    VANISHED,
    VANISHED_BELOW,
    diverging,
    label_text,
)
from micrograd_plus.viz.render import Picture

__all__ = ["draw_network"]


def draw_network(
    model: MLP, x: Sequence[float] | np.ndarray | None = None, *, rankdir: str = "LR"
) -> graphviz.Digraph:
    """The MLP as circles and weighted edges; with ``x``, its activations on x."""
    if not isinstance(model, MLP):
        raise TypeError(f"draw_network draws an MLP, got {type(model).__name__}")
    activations: list[list[float]] = []
    pre: list[list[float]] = []
    if x is not None:
        with no_grad():
            xs = input_values(x, model.nin, "this MLP")
            activations.append([v.data for v in xs])
            for layer in model.layers:
                ns = [neuron.preactivation(xs) for neuron in layer.neurons]
                xs = [neuron.activate(n) for neuron, n in zip(layer.neurons, ns)]
                pre.append([n.data for n in ns])
                activations.append([v.data for v in xs])
    deltas = [[n.b.grad for n in layer.neurons] for layer in model.layers]
    has_grads = any(d for layer in deltas for d in layer)
    delta_scale = max((abs(d) for layer in deltas for d in layer if math.isfinite(d)), default=0.0)

    dot = Picture("network")
    dot.attr(rankdir=rankdir, splines="line", nodesep="0.15", ranksep="1.4", fontname=FONT)
    dot.attr("node", shape="circle", fixedsize="true", width="0.95", fontname=FONT, fontsize="11")
    dot.attr("edge", arrowhead="none")

    with dot.subgraph(name="cluster_inputs") as column:
        column.attr(label="inputs", color="white", fontname=FONT)
        for j in range(model.nin):
            value = f"\n{format_number(activations[0][j])}" if activations else ""
            label = f"<{label_text(f'x{j}{value}')}>"
            column.node(f"i{j}", label, style="filled", fillcolor="#c7e9c0")
    previous = [f"i{j}" for j in range(model.nin)]
    for li, layer in enumerate(model.layers):
        title = "output" if li == len(model.layers) - 1 else f"hidden {li + 1}"
        ids = [f"l{li}n{k}" for k in range(layer.nout)]
        with dot.subgraph(name=f"cluster_l{li}") as column:
            column.attr(label=f"{title}: {layer.nout} {layer.activation}", color="white")
            for k in range(layer.nout):
                lines, fill, ink = [], "#ffffff", "black"
                if activations:
                    lines.append(f"a {format_number(activations[li + 1][k])}")
                if has_grads:
                    d = deltas[li][k]
                    lines.append(f"δ {format_number(d)}")
                    fill, ink = diverging(d, delta_scale)
                    if abs(d) < VANISHED_BELOW:
                        fill, ink = VANISHED, "white"
                if pre and layer.activation == "relu" and pre[li][k] <= 0:
                    fill, ink = DEAD, "white"
                    lines.append("dead")
                column.node(
                    ids[k],
                    f"<{label_text(chr(10).join(lines))}>",
                    style="filled",
                    fillcolor=fill,
                    fontcolor=ink,
                    tooltip=f"layers.{li}.neurons.{k}",
                )
        biggest = max((abs(w.data) for n in layer.neurons for w in n.w), default=0.0) or 1.0
        for k, neuron in enumerate(layer.neurons):
            for j, w in enumerate(neuron.w):
                width = 0.3 + 3.7 * abs(w.data) / biggest
                colour = POSITIVE if w.data > 0 else NEGATIVE
                tip = f"w = {format_number(w.data)}"
                if has_grads:
                    tip += f", grad {format_number(w.grad)}"
                dot.edge(previous[j], ids[k], penwidth=f"{width:.2f}", color=colour, tooltip=tip)
        previous = ids
    key = ["edges: blue w > 0, red w < 0, wider |w| larger"]
    if activations:
        key.append("a: activation on x; black: dead ReLU (w . x + b <= 0)")
    if has_grads:
        key.append("δ: dL/d(w . x + b), the bias's grad; red < 0 < blue; purple: vanished")
    dot.attr(label=f"<{label_text(chr(10).join(key))}>", labelloc="b", fontsize="12")
    return dot
