"""Milliseconds per training step of micrograd's own demo setup, in one process: an
MLP(2, [16, 16, 1]) on 100 moons, binary cross-entropy, one SGD step, for

- micrograd 0.1.0 (``pip install micrograd==0.1.0``, if installed; hinge + L2 as in its
  demo, the loss its engine can compute),
- micrograd_plus's scalar engine,
- micrograd_plus's tape (one sample's graph replayed over the batch with numpy),
- PyTorch with ``nn.Linear`` layers, float64, one thread (if installed);
- micrograd's demo as micrograd writes it (its ``Neuron``: ``sum((wi*xi ...), self.b)``,
  hinge + 1e-4 * sum of p*p, a Python loop ``p.data -= lr * p.grad``) on micrograd_plus's
  Values, recorded with ``Tape.record``, beside the same loss in PyTorch with
  ``torch.optim.SGD``;

then one epoch of the 8x8 digits (scikit-learn's, if installed) with the tape.

    python benchmarks/tape.py [--repeat 5]
    python benchmarks/tape.py --grid     depths 2 and 4, widths 16, 64, 256, batches 100 to
                                         100,000: the tape's step time and peak extra memory
                                         as ratios to torch float64's and float32's, each
                                         case in its own process, all on one thread
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_tape import MicrogradNeuron

from micrograd_plus import Value
from micrograd_plus.datasets import make_moons
from micrograd_plus.losses import binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD
from micrograd_plus.tape import Tape
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


def _torch_demo_model(torch: Any) -> tuple[Any, Any]:
    """micrograd's demo MLP(2, [16, 16, 1]) in torch, float64 on one thread, and its SGD."""
    torch.set_num_threads(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()  # fmt: skip
    return model, torch.optim.SGD(model.parameters(), lr=0.01)


def torch_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    model, optimizer = _torch_demo_model(torch)
    inputs, targets = torch.tensor(X), torch.tensor(y, dtype=torch.float64)

    def step() -> None:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(inputs)[:, 0], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def micrograd_code_on_the_tape(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    rng = random.Random(1337)
    sizes = [2, 16, 16, 1]
    layers = [
        [MicrogradNeuron(rng, nin, nonlin=i < 2) for _ in range(nout)]
        for i, (nin, nout) in enumerate(itertools.pairwise(sizes))
    ]
    params = [p for layer in layers for n in layer for p in [*n.w, n.b]]

    def loss(x: list[Value], label: Value) -> Value:
        for layer in layers:
            x = [n(x) for n in layer]
        return (1 + -label * x[0]).relu() + 1e-4 * sum(p * p for p in params)

    tape = Tape.record(loss, [0.0, 0.0], 1.0)
    labels = 2.0 * y - 1

    def step() -> None:  # as micrograd's demo runs it
        for p in params:
            p.grad = 0.0
        tape.forward(X, labels)
        tape.backward()  # the batch's mean: mean hinge + the L2 term
        for p in params:
            p.data -= 0.01 * p.grad

    return step


def torch_hinge_step(X: np.ndarray, y: np.ndarray) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    model, optimizer = _torch_demo_model(torch)
    inputs, labels = torch.tensor(X), torch.tensor(2.0 * y - 1)

    def step() -> None:
        hinge = torch.relu(1 - labels * model(inputs)[:, 0]).mean()
        loss = hinge + 1e-4 * sum((p * p).sum() for p in model.parameters())
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


# Each case runs in a process of its own, numpy's BLAS and torch on one thread each.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
ENGINES = ("tape", "float64", "float32")


def grid(repeat: int) -> None:
    """One training step (forward, backward, SGD) of MLP(2, [w] * depth + [1]) with BCE:
    the tape (fused, float64) against torch float64 and float32, time and peak extra
    memory of a step, and the peak from before the tape is recorded through its first
    step (torch's from before its model is made), each case in its own process on one
    thread."""
    try:
        import torch  # noqa: F401
    except ImportError:
        print("the grid compares with PyTorch: pip install torch==2.13.0")
        return
    print(
        f"{'':>21} {'ms per step':^26} {'tape/torch':^11} {'extra MB':^20} {'tape/torch':^11}"
        f" {'MB from before recording':^26}"
    )
    print(f"{'depth':>5} {'width':>5} {'batch':>9} {'tape':>8} {'f64':>8} {'f32':>8} "
          f"{'f64':>5} {'f32':>5} {'tape':>6} {'f64':>6} {'f32':>6} "
          f"{'f64':>5} {'f32':>5} {'tape':>6} {'f64':>6} {'tape/f64':>8}")  # fmt: skip
    for depth in (2, 4):
        for width in (16, 64, 256):
            for batch in (100, 1_000, 10_000, 100_000):
                ms, mb, first = zip(*(_in_process(e, depth, width, batch, repeat) for e in ENGINES))
                print(f"{depth:>5} {width:>5} {batch:>9,} {ms[0]:>8.2f} {ms[1]:>8.2f} "
                      f"{ms[2]:>8.2f} {ms[0] / ms[1]:>4.1f}x {ms[0] / ms[2]:>4.1f}x "
                      f"{mb[0]:>6.0f} {mb[1]:>6.0f} {mb[2]:>6.0f} {_ratio(mb[0], mb[1]):>5} "
                      f"{_ratio(mb[0], mb[2]):>5} {first[0]:>6.0f} {first[1]:>6.0f} "
                      f"{_ratio(first[0], first[1]):>8}", flush=True)  # fmt: skip


def _ratio(ours: float, theirs: float) -> str:
    """A ratio of memory; below a megabyte, both are noise (allocator pages)."""
    return f"{max(ours, 1) / max(theirs, 1):.1f}x"


def _in_process(engine: str, depth: int, width: int, batch: int, repeat: int) -> list[float]:
    """[ms per step, peak extra MB, MB from before recording] of one case, measured in a
    new Python process."""
    arguments = [engine, str(depth), str(width), str(batch), str(repeat)]
    done = subprocess.run(
        [sys.executable, __file__, "--case", *arguments],
        env={**os.environ, **ONE_THREAD},
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(x) for x in done.stdout.split()]


def case(engine: str, depth: int, width: int, batch: int, repeat: int) -> None:
    """Print ms per step, the peak memory of one step above what the process held before
    it (Linux's VmHWM, reset just before), and the peak from before the model's tape is
    recorded through its first step (for torch, from before the model is made). A step of
    a small model comes first: imports, torch's kernels, the tape's code."""
    X = np.random.default_rng(0).normal(size=(batch, 2))
    y = (X[:, 0] > 0).astype(float)
    if engine == "tape":
        make, data = (lambda w: _tape_step(depth, w)), (X, y)
    else:
        import torch

        torch.set_num_threads(1)
        dtype = torch.float64 if engine == "float64" else torch.float32
        make = lambda w: _torch_step(torch, dtype, depth, w)  # noqa: E731
        data = (torch.tensor(X, dtype=dtype), torch.tensor(y, dtype=dtype))
    make(2)(data[0][:2], data[1][:2])
    gc.collect()
    _reset_peak()
    before = _status_kb("VmRSS")
    step = make(width)  # the model, and the tape's recording
    step(*data)  # the first step: the tape checks itself on one sample
    recorded = (_status_kb("VmHWM") - before) / 1024
    gc.collect()
    _reset_peak()
    before = _status_kb("VmRSS")
    step(*data)
    extra = (_status_kb("VmHWM") - before) / 1024
    ms = best_ms(lambda: step(*data), repeat, max(1, 3_000 // batch))
    print(f"{ms} {extra} {recorded}")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")  # the peak resident memory starts again from here


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as file:
        line = next(line for line in file if line.startswith(field + ":"))
    return int(line.split()[1])


def _tape_step(depth: int, width: int) -> Callable[[np.ndarray, np.ndarray], None]:
    """One SGD step of MLP(2, [width] * depth + [1]) with BCE on the tape."""
    model = MLP(2, [width] * depth + [1], seed=0)
    tape, optimizer = ModelTape(model, "bce"), SGD(model.parameters(), lr=0.01)

    def step(X: np.ndarray, y: np.ndarray) -> None:
        optimizer.zero_grad()
        tape.forward(X, y)
        tape.backward()
        optimizer.step()

    return step


def _torch_step(torch: Any, dtype: Any, depth: int, width: int) -> Callable[[Any, Any], None]:
    """One SGD step of the same MLP in torch, in ``dtype``, with nn.Linear layers."""
    layers: list[Any] = []
    for fan_in in [2] + [width] * (depth - 1):
        layers += [torch.nn.Linear(fan_in, width), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1)).to(dtype)
    reference = torch.optim.SGD(net.parameters(), lr=0.01)

    def step(X: Any, y: Any) -> None:
        reference.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(net(X)[:, 0], y).backward()
        reference.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--grid", action="store_true", help="the size grid against torch")
    parser.add_argument("--case", nargs=5, help=argparse.SUPPRESS)  # one case of the grid
    args = parser.parse_args()
    if args.case:
        engine, *sizes = args.case
        case(engine, *map(int, sizes))
        return
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
    written = {}
    for name, make in [
        ("micrograd's own code, taped", micrograd_code_on_the_tape),
        ("PyTorch, hinge + L2", torch_hinge_step),
    ]:
        step = make(X, y)
        if step is None:
            print(f"{name:<30} not installed")
            continue
        written[name] = best_ms(step, args.repeat, 50)
        print(f"{name:<30} {written[name]:9.2f} ms per step")
    if len(written) == 2:
        taped, torch_ms = written.values()
        print(f"micrograd's own code on the tape: {taped / torch_ms:.2f}x PyTorch's step")
    digits_epoch(args.repeat)


if __name__ == "__main__":
    main()
