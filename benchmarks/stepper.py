"""The stepper's budgets: how long the page for one sample's loss takes to write, and how
large it is, for MLP(2, [4, 4, 1]) (targets: under 3 s, under 1.5 MB) and MLP(2, [16,
16, 1]) (711 Values, with max_nodes raised; target: under 2 s). The frames are built one
step from the last, so the time grows with the steps, not with their square.

    python benchmarks/stepper.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from micrograd_plus.losses import mse_loss
from micrograd_plus.nn import MLP
from micrograd_plus.viz import write_stepper


def measure(shape: list[int]) -> None:
    model = MLP(2, shape, seed=0)
    loss = mse_loss(model([0.5, -1.0]), 1.0)
    with tempfile.TemporaryDirectory() as folder:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            path = write_stepper(loss, Path(folder) / "mlp.html", params=model, max_nodes=2_000)
            times.append(time.perf_counter() - start)
        size = path.stat().st_size
    values = len(loss.topological_order())
    print(f"MLP(2, {shape}) on one sample: {values} Values")
    print(f"  write_stepper: {min(times):.2f} s (best of 3)")
    print(f"  page size:     {size / 1e6:.2f} MB")


if __name__ == "__main__":
    measure([4, 4, 1])
    measure([16, 16, 1])
