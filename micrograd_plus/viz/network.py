"""The neuron-level picture of a model, as the course notes draw it.

An MLP or a Layer: a column of circles per layer, the inputs first, an edge per weight.
A single Neuron or a Perceptron: the perceptron diagram, inputs x weights -> sum + b ->
activation -> output, with the numbers.

- Without gradients, an edge shows its weight: blue positive, red negative, wider
  for larger |w| (relative to the layer's largest).
- Given an input ``x``, each neuron shows its activation a on x, and a ReLU whose input
  w . x + b is <= 0 is black, "dead": no gradient passes it.
- Given a ``target`` too, the picture runs one backward pass of its own, for that one
  sample, on a copy of the model: each neuron shows delta = dL/d(w . x + b) (red-white-
  blue; 0 grey; purple where it vanished below 1e-6), each edge dL/dw (its colour the
  sign, its width on the same log scale as ``to_dot``'s). Activations, deltas and dead
  flags describe the same sample. The model's own ``grad``s are never read or changed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from micrograd_plus.engine import Value
from micrograd_plus.floats import format_number
from micrograd_plus.nn import MLP, Layer, Neuron, Perceptron, input_values
from micrograd_plus.training import loss_function, loss_targets
from micrograd_plus.viz.dot import VANISH_BELOW
from micrograd_plus.viz.jupyter import Picture
from micrograd_plus.viz.palette import (
    BLANK,
    DEAD,
    FONT,
    KIND_COLOURS,
    NEGATIVE,
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

__all__ = ["MAX_DRAWN_WEIGHTS", "draw_network"]

Model = MLP | Layer | Neuron | Perceptron
Loss = str | Callable[[object, object], Value]
LABELLED_EDGES = 24  # more weights than this: numbers go to the edges' tooltips
MAX_DRAWN_WEIGHTS = 2_000  # more edges than this are a grey blur that takes minutes to lay out


@dataclass
class _Pass:
    """One sample through the model: per layer, per neuron, w . x + b and the activation;
    after a backward pass, delta per neuron and dL/dw per weight."""

    inputs: list[float]
    pre: list[list[float]] = field(default_factory=list)
    out: list[list[float]] = field(default_factory=list)
    delta: list[list[float]] = field(default_factory=list)
    weight_grads: list[list[list[float]]] = field(default_factory=list)


def _layers(model: Model) -> list[Layer]:
    if isinstance(model, MLP):
        return model.layers
    if isinstance(model, Layer):
        return [model]
    raise TypeError(f"expected an MLP or a Layer, got {type(model).__name__}")


def _run(model: Model, x: object, target: object, loss: Loss | None) -> _Pass:
    """Forward (and, with a target, backward) on a copy: the model is left as it was."""
    twin = copy.deepcopy(model)
    neurons_by_layer = (
        [[twin.neuron]]
        if isinstance(twin, Perceptron)
        else [[twin]]
        if isinstance(twin, Neuron)
        else [layer.neurons for layer in _layers(twin)]
    )
    xs = input_values(x, model.nin, f"this {type(model).__name__}")  # type: ignore[arg-type]
    result = _Pass([v.data for v in xs])
    pres: list[list[Value]] = []
    for neurons in neurons_by_layer:
        ns = [neuron.preactivation(xs) for neuron in neurons]
        if isinstance(twin, Perceptron):
            xs = [twin.step(ns[0])]
        else:
            xs = [neuron.activate(n) for neuron, n in zip(neurons, ns)]
        pres.append(ns)
        result.pre.append([n.data for n in ns])
        result.out.append([v.data for v in xs])
    if target is None:
        return result
    if isinstance(loss, str) or loss is None:
        name = loss or "mse"
        fn = loss_function(twin, name)
        target = loss_targets(name, np.asarray(target)).tolist()
    else:
        fn = loss
    output = xs[0] if len(xs) == 1 else xs
    for p in twin.parameters():
        p.grad = 0.0
    value = fn(output, target)
    if not isinstance(value, Value):
        raise TypeError(
            f"the loss must return a Value to backpropagate from, got {type(value).__name__}: "
            f"{value!r}"[:300]
        )
    value.backward()
    result.delta = [[n.grad for n in ns] for ns in pres]
    result.weight_grads = [[[w.grad for w in neuron.w] for neuron in ns] for ns in neurons_by_layer]
    return result


def draw_network(
    model: Model,
    x: Sequence[float] | np.ndarray | None = None,
    *,
    target: object = None,
    loss: Loss | None = None,
    rankdir: str = "LR",
) -> Picture:
    """``model`` (an MLP, Layer, Neuron or Perceptron) as neurons and weights.

    With ``x``, its activations on x; with ``target`` too, the gradients of
    ``loss(model(x), target)`` (``loss`` a name as in ``train``, default "mse", or a
    function) from a backward pass of its own on that one sample.
    """
    if not isinstance(model, MLP | Layer | Neuron | Perceptron):
        raise TypeError(
            f"draw_network draws an MLP, Layer, Neuron or Perceptron, got {type(model).__name__}"
        )
    if target is not None and x is None:
        raise ValueError("a target needs the input x it belongs to: draw_network(model, x, ...)")
    if isinstance(model, MLP | Layer):
        weights = sum(layer.nin * layer.nout for layer in _layers(model))
        if weights > MAX_DRAWN_WEIGHTS:
            raise ValueError(
                f"{model!r} has {weights:,} weights, more than a picture can show "
                f"({MAX_DRAWN_WEIGHTS:,}): draw a smaller model"
            )
    sample = None if x is None else _run(model, x, target, loss)
    if isinstance(model, Neuron | Perceptron):
        return _draw_neuron(model, sample, rankdir)
    return _draw_layers(_layers(model), model.nin, sample, rankdir)


def _delta_look(d: float, scale: float) -> tuple[str, str, str]:
    """(text, fill, ink) for a neuron's delta."""
    if d == 0:
        return "δ 0", ZERO_FILL, ZERO_INK
    if math.isfinite(d) and abs(d) < VANISH_BELOW:
        return f"δ {format_number(d)}\nvanished", VANISHED, "white"  # a line of its own: it fits
    fill, ink = diverging(d, scale)
    return f"δ {format_number(d)}", fill, ink


def _sign_colour(amount: float) -> str:
    return POSITIVE if amount > 0 else NEGATIVE if amount < 0 else ZERO


def _draw_layers(layers: list[Layer], nin: int, sample: _Pass | None, rankdir: str) -> Picture:
    grads = sample is not None and bool(sample.delta)
    scale = 0.0
    if sample is not None and grads:
        finite = [abs(d) for row in sample.delta for d in row if math.isfinite(d)]
        scale = max(finite, default=0.0)
    dot = Picture("network")
    dot.attr(rankdir=rankdir, splines="line", nodesep="0.15", ranksep="1.6", fontname=FONT)
    dot.attr("node", shape="circle", fixedsize="true", width="1.1", fontname=FONT, fontsize="12")
    dot.attr("edge", arrowhead="none", fontname=FONT, fontsize="10")
    flags: set[str] = set()
    with dot.subgraph(name="cluster_inputs") as column:
        column.attr(label="inputs", color="white", fontname=FONT)
        for j in range(nin):
            value = f"\n{format_number(sample.inputs[j])}" if sample else ""
            column.node(
                f"i{j}",
                f"<{label_text(f'x{j}{value}')}>",
                style="filled",
                fillcolor=KIND_COLOURS["input"],
            )
    previous = [f"i{j}" for j in range(nin)]
    labelled = sum(layer.nout * layer.nin for layer in layers) <= LABELLED_EDGES
    for li, layer in enumerate(layers):
        title = "output" if li == len(layers) - 1 else f"hidden {li + 1}"
        ids = [f"l{li}n{k}" for k in range(layer.nout)]
        with dot.subgraph(name=f"cluster_l{li}") as column:
            column.attr(label=f"{title}: {layer.nout} {layer.activation}", color="white")
            for k in range(layer.nout):
                lines = [f"L{li + 1}.N{k + 1}"]
                fill, ink = BLANK, "black"
                if sample is not None:
                    lines.append(f"a {format_number(sample.out[li][k])}")
                if grads and sample is not None:
                    text, fill, ink = _delta_look(sample.delta[li][k], scale)
                    lines.append(text)
                    flags.add("delta")
                if sample is not None and layer.activation == "relu" and sample.pre[li][k] <= 0:
                    fill, ink = DEAD, "white"
                    lines.append("dead")
                    flags.add("dead")
                column.node(
                    ids[k],
                    f"<{label_text(chr(10).join(lines))}>",
                    style="filled",
                    fillcolor=fill,
                    fontcolor=ink,
                    tooltip=plain_text(f"L{li + 1}.N{k + 1}: layers.{li}.neurons.{k}"),
                )
        biggest = max((abs(w.data) for n in layer.neurons for w in n.w), default=0.0) or 1.0
        for k, neuron in enumerate(layer.neurons):
            for j, w in enumerate(neuron.w):
                tip = f"L{li + 1}.N{k + 1}.w{j} = {format_number(w.data)}"
                attrs: dict[str, str] = {}
                if grads and sample is not None:
                    g = sample.weight_grads[li][k][j]
                    tip += f", dL/dw = {format_number(g)}"
                    attrs.update(color=_sign_colour(g), penwidth=str(edge_width(g, 1.0)))
                    if g == 0:
                        attrs.update(style="dashed")
                    if labelled:
                        attrs.update(label=label_text(format_number(g)), fontcolor=_sign_colour(g))
                else:
                    width = 0.3 + 3.7 * abs(w.data) / biggest
                    attrs.update(penwidth=f"{width:.2f}", color=_sign_colour(w.data))
                dot.edge(previous[j], ids[k], tooltip=plain_text(tip), **attrs)
        previous = ids
    if grads:
        key = ["edges: dL/dw, blue > 0, red < 0, wider larger (log scale); dashed 0"]
    else:
        key = ["edges: weights, blue w > 0, red w < 0, wider |w| larger"]
    if sample is not None:
        key.append("a: activation on x")
    if "dead" in flags:
        key.append("black: dead ReLU (w . x + b <= 0)")
    if "delta" in flags:
        key.append("δ: dL/d(w . x + b) on this sample; red < 0 < blue, grey 0, purple vanished")
    dot.attr(label=f"<{label_text(chr(10).join(key))}>", labelloc="b", fontsize="12")
    return dot


def _draw_neuron(model: Neuron | Perceptron, sample: _Pass | None, rankdir: str) -> Picture:
    """The perceptron diagram: inputs x weights -> sum + b -> activation -> output."""
    neuron = model.neuron if isinstance(model, Perceptron) else model
    activation = "step" if isinstance(model, Perceptron) else neuron.activation
    grads = sample is not None and bool(sample.delta)
    dot = Picture("neuron")
    dot.attr(rankdir=rankdir, nodesep="0.3", ranksep="0.9", fontname=FONT)
    dot.attr("node", fontname=FONT, fontsize="14")
    dot.attr("edge", fontname=FONT, fontsize="13", arrowsize="0.8")
    for j in range(neuron.nin):
        value = f" = {format_number(sample.inputs[j])}" if sample else ""
        _circle(dot, f"x{j}", f"x{j}{value}", KIND_COLOURS["input"])
    b = neuron.b.data
    sum_lines = ["Σ w·x + b", f"b = {format_number(b)}"]
    if sample is not None:
        sum_lines.append(f"z = {format_number(sample.pre[0][0])}")
    if grads and sample is not None:
        sum_lines.append(f"δ = dL/dz = {format_number(sample.delta[0][0])}")
    _circle(dot, "sum", "\n".join(sum_lines), KIND_COLOURS["parameter"])
    for j, w in enumerate(neuron.w):
        text = f"× w{j} = {format_number(w.data)}"
        attrs = {"color": _sign_colour(w.data)}
        if grads and sample is not None:
            g = sample.weight_grads[0][0][j]
            text += f"\ndL/dw{j} = {format_number(g)}"
            attrs.update(penwidth=str(edge_width(g, 1.0)))
        dot.edge(f"x{j}", "sum", label=f"<{label_text(text)}>", **attrs)
    dead = sample is not None and activation == "relu" and sample.pre[0][0] <= 0
    act_text = f"{activation}\ndead" if dead else activation
    dot.node(
        "activation",
        f"<{label_text(act_text)}>",
        shape="box",
        style="rounded,filled",
        fillcolor=DEAD if dead else OP_FILL,
        fontcolor="white" if dead else "black",
    )
    dot.edge("sum", "activation", label="z" if sample is None else "")
    out = "output" if sample is None else f"output\n{format_number(sample.out[0][0])}"
    _circle(dot, "output", out, KIND_COLOURS["output"])
    dot.edge("activation", "output")
    return dot


def _circle(dot: Picture, node_id: str, text: str, fill: str) -> None:
    dot.node(node_id, f"<{label_text(text)}>", shape="circle", style="filled", fillcolor=fill)
