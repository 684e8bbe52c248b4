"""Pictures of the graph: gradient flow, a step-through backward pass, an HTML stepper."""

import os
from pathlib import Path

from micrograd_plus.engine import Value
from micrograd_plus.viz import rendering
from micrograd_plus.viz.batch import write_layers
from micrograd_plus.viz.dot import draw_dot, to_dot
from micrograd_plus.viz.network import draw_network
from micrograd_plus.viz.passes import Step, backward_steps, explain, forward_steps, steps
from micrograd_plus.viz.rendering import HasSource, RendererNotFound, render_bytes
from micrograd_plus.viz.stepper import Stepper, write_stepper

__all__ = [
    "RendererNotFound",
    "Step",
    "Stepper",
    "backward_steps",
    "draw_dot",
    "draw_network",
    "explain",
    "forward_steps",
    "render",
    "render_bytes",
    "steps",
    "to_dot",
    "write_layers",
    "write_stepper",
]


def render(
    graph: HasSource | str | Value,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    renderer: str | None = None,
) -> Path:
    """``rendering.render``: a picture (``to_dot(o)``, ``draw_network(model)``) or DOT
    source written to ``path``; given a Value, its graph as ``to_dot`` draws it."""
    picture = to_dot(graph) if isinstance(graph, Value) else graph
    return rendering.render(picture, path, format, renderer=renderer)
