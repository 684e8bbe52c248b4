"""Pictures of the graph: gradient flow, a step-through backward pass, an HTML stepper."""

from micrograd_plus.viz.dot import to_dot
from micrograd_plus.viz.network import draw_network
from micrograd_plus.viz.passes import Step, backward_steps, explain, forward_steps, steps
from micrograd_plus.viz.rendering import RendererNotFound, render, render_bytes
from micrograd_plus.viz.stepper import Stepper, write_stepper

__all__ = [
    "RendererNotFound",
    "Step",
    "Stepper",
    "backward_steps",
    "draw_network",
    "explain",
    "forward_steps",
    "render",
    "render_bytes",
    "steps",
    "to_dot",
    "write_stepper",
]
