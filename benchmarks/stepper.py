"""The stepper's budgets: how long the page for one sample through MLP(2, [4, 4, 1]) takes
to write, and how large it is (targets: under 3 s, under 1.5 MB).

    python benchmarks/stepper.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from micrograd_plus.losses import mse_loss
from micrograd_plus.nn import MLP
from micrograd_plus.viz import write_stepper


def main() -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    loss = mse_loss(model([0.5, -1.0]), 1.0)
    with tempfile.TemporaryDirectory() as folder:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            path = write_stepper(loss, Path(folder) / "mlp.html", params=model)
            times.append(time.perf_counter() - start)
        size = path.stat().st_size
    values = len(loss.topological_order())
    print(f"MLP(2, [4, 4, 1]) on one sample: {values} Values")
    print(f"write_stepper: {min(times):.2f} s (best of 3; budget 3 s)")
    print(f"page size:     {size / 1e6:.2f} MB (budget 1.5 MB)")


if __name__ == "__main__":
    main()
