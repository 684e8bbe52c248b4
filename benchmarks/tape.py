"""Milliseconds per training step of micrograd's own demo setup, in one process: an
MLP(2, [16, 16, 1]) on 100 moons, binary cross-entropy, one SGD step, for

- micrograd 0.1.0 (``pip install micrograd==0.1.0``, if installed; hinge + L2 as in its
  demo, the loss its engine can compute),
- micrograd_plus's scalar engine,
- micrograd_plus's tape (one sample's graph replayed over the batch with numpy),
- PyTorch with ``nn.Linear`` layers, float64, one thread (if installed);

then one epoch of the 8x8 digits (scikit-learn's, if installed) with the tape.

    python benchmarks/tape.py [--repeat 5]
    python benchmarks/tape.py --grid     depths 2 and 4, widths 16, 64, 256, batches 100 to
                                         100,000: the tape's step time as a ratio to torch
                                         float64's and float32's
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd_plus.datasets import make_moons
from micrograd_plus.losses import binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD
from micrograd_plus.training import ModelTape


def best_ms(step: Callable[[], object], repeat: int, inner: int) -> float:
    step()  # warm up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            step()
        best = min(best, (time.perf_counter() - start) / inner * 1000)
    return best


def micrograd_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object] | None:
    try:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
    except ImportError:
        return None
    model = MMLP(2, [16, 16, 1])
    labels = 2 * y - 1

    def step() -> None:
        scores = [model([MValue(a), MValue(b)]) for a, b in X]
        losses = [(1 + -yi * s).relu() for yi, s in zip(labels, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.01 * p.grad

    return step


def scalar_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.01)

    def step() -> None:
        loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def tape_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.01)
    tape = ModelTape(model, "bce")

    def step() -> None:
        tape.forward(X, y)
        optimizer.zero_grad()
        tape.backward()
        optimizer.step()

    return step


def torch_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, targets = torch.tensor(X), torch.tensor(y, dtype=torch.float64)

    def step() -> None:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(inputs)[:, 0], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def digits_epoch(repeat: int) -> None:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print("digits: scikit-learn is not installed (pip install scikit-learn)")
        return
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    model = MLP(64, [32, 10], seed=0)
    tape = ModelTape(model, "cross_entropy")
    optimizer = SGD(model.parameters(), lr=0.1)

    def epoch() -> None:
        for start in range(0, len(X), 128):
            tape.forward(X[start : start + 128], y[start : start + 128])
            optimizer.zero_grad()
            tape.backward()
            optimizer.step()

    ms = best_ms(epoch, repeat, 1)
    print(f"digits: one epoch ({len(X)} images, batches of 128) with the tape: {ms:.0f} ms")


def grid(repeat: int) -> None:
    """One training step (forward, backward, SGD) of MLP(2, [w] * depth + [1]) with BCE:
    the tape (fused, float64) against torch float64 and float32 on one thread, in this
    process."""
    try:
        import torch
    except ImportError:
        print("the grid compares with PyTorch: pip install torch==2.13.0")
        return
    torch.set_num_threads(1)
    print(f"{'':>21} {'ms per step':^29} {'tape / torch':^13}")
    print(f"{'depth':>5} {'width':>5} {'batch':>9} {'tape':>9} {'f64':>9} {'f32':>9} "
          f"{'f64':>6} {'f32':>6}")  # fmt: skip
    for depth in (2, 4):
        for width in (16, 64, 256):
            for batch in (100, 1_000, 10_000, 100_000):
                ours, f64, f32 = _case(torch, depth, width, batch, repeat)
                print(f"{depth:>5} {width:>5} {batch:>9,} {ours:>9.2f} {f64:>9.2f} {f32:>9.2f} "
                      f"{ours / f64:>5.1f}x {ours / f32:>5.1f}x")  # fmt: skip


def _case(torch: Any, depth: int, width: int, batch: int, repeat: int) -> list[float]:
    """ms per step: the tape (float64), then torch float64 and float32."""
    X = np.random.default_rng(0).normal(size=(batch, 2))
    y = (X[:, 0] > 0).astype(float)
    model = MLP(2, [width] * depth + [1], seed=0)
    tape, optimizer = ModelTape(model, "bce"), SGD(model.parameters(), lr=0.01)

    def ours() -> None:
        optimizer.zero_grad()
        tape.forward(X, y)
        tape.backward()
        optimizer.step()

    inner = max(1, 3_000 // batch)
    return [best_ms(ours, repeat, inner)] + [
        best_ms(_torch_step(torch, dtype, X, y, depth, width), repeat, inner)
        for dtype in (torch.float64, torch.float32)
    ]


def _torch_step(
    torch: Any, dtype: Any, X: np.ndarray, y: np.ndarray, depth: int, width: int
) -> Callable[[], None]:
    """One SGD step of the same MLP in torch, in ``dtype``, with nn.Linear layers."""
    layers: list[Any] = []
    for fan_in in [2] + [width] * (depth - 1):
        layers += [torch.nn.Linear(fan_in, width), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1)).to(dtype)
    reference = torch.optim.SGD(net.parameters(), lr=0.01)
    tx, ty = torch.tensor(X, dtype=dtype), torch.tensor(y, dtype=dtype)

    def step() -> None:
        reference.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(net(tx)[:, 0], ty).backward()
        reference.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--grid", action="store_true", help="the size grid against torch")
    args = parser.parse_args()
    if args.grid:
        grid(args.repeat)
        return
    X, y = make_moons(100, noise=0.1, seed=0)
    results = {}
    for name, make, inner in [
        ("micrograd 0.1.0", micrograd_step, 1),
        ("scalar engine", scalar_step, 2),
        ("tape", tape_step, 50),
        ("PyTorch (float64, 1 thread)", torch_step, 50),
    ]:
        step = make(X, y)
        if step is None:
            print(f"{name:<30} not installed")
            continue
        results[name] = best_ms(step, args.repeat, inner)
        print(f"{name:<30} {results[name]:9.2f} ms per step")
    tape = results["tape"]
    for name, ms in results.items():
        if name != "tape":
            print(
                f"tape vs {name}: {ms / tape:.1f}x"
                if ms > tape
                else f"tape is {tape / ms:.1f}x slower than {name}"
            )
    digits_epoch(args.repeat)


if __name__ == "__main__":
    main()
