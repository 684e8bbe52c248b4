"""How long a 1,000-node graph takes to render to SVG, with each Graphviz renderer.

    python benchmarks/render.py [--values 1000]

The graph is a small MLP's loss, grown until it has about ``--values`` Values.
graphviz-pure (the default renderer, installed with micrograd-plus) is always timed,
the system ``dot`` program when it is on PATH. Target: under 2 s.
"""

from __future__ import annotations

import argparse
import time

from micrograd_plus import Value
from micrograd_plus.losses import mse_loss
from micrograd_plus.nn import MLP
from micrograd_plus.viz import render_bytes, to_dot
from micrograd_plus.viz.rendering import RENDERERS, find_renderer


def graph_of_about(values: int) -> Value:
    """The MSE loss of an MLP(2, [w, w], 1) on one sample, with w grown to the size."""
    width = 2
    while True:
        model = MLP(2, [width, width, 1], seed=0)
        loss = mse_loss(model([0.5, -1.0]), 1.0)
        if len(loss.topological_order()) >= values:
            loss.backward()
            return loss
        width += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1000)
    args = parser.parse_args()
    loss = graph_of_about(args.values)
    start = time.perf_counter()
    source = to_dot(loss, max_nodes=10 * args.values).source
    build = time.perf_counter() - start
    print(f"{len(loss.topological_order()):,} Values; building the DOT source: {build:.2f} s")
    for renderer in RENDERERS:
        if not find_renderer(renderer):
            print(f"{renderer + ':':<15} not installed")
            continue
        start = time.perf_counter()
        render_bytes(source, "svg", renderer=renderer)
        print(f"{renderer + ':':<15} {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
