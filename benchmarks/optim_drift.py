"""How far each optimizer's path drifts from its ``torch.optim`` namesake's over 2,000 steps.

Each step is the same formula as torch's, but not always in the same order, so a step can
round an ulp apart, and training carries an ulp on (or amplifies it, where the path is
sensitive). For every combination of options the tests run (``tests/test_optim.py``),
both optimizers train the same small network (2 inputs, 4 tanh units, 1 output; 17
parameters; mean squared error on 8 points) from the same start in float64 (with
``maximize``, on the negated loss), and this prints the largest difference of the
parameters, relative to the largest parameter, after 1, 150 and 2,000 steps, and how many
combinations pass 1e-10 and 1e-7: once with each engine's own gradients (a whole
training run), once with torch's gradient fed to both (the optimizer's rounding alone).
Needs ``pip install torch==2.13.0``; about a minute.

    python benchmarks/optim_drift.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_optim import COMBINATIONS

from micrograd_plus import Value, optim

STEPS = 2_000
SHOWN = (1, 150, STEPS)
HIDDEN = 4
_rng = random.Random(0)
START = [_rng.uniform(-1, 1) for _ in range(HIDDEN * 4 + 1)]
POINTS = [((_rng.uniform(-2, 2), _rng.uniform(-2, 2)), _rng.choice((-1.0, 1.0))) for _ in range(8)]


def network_loss(p: list[Any]) -> Any:
    """Mean squared error of a 2-4-1 tanh network, written once for Values and tensors:
    p holds each hidden unit's two weights and bias, then the output's four and bias."""
    total = 0.0
    for (x1, x2), y in POINTS:
        hidden = [(p[3 * j] * x1 + p[3 * j + 1] * x2 + p[3 * j + 2]).tanh() for j in range(HIDDEN)]
        out = p[-1]
        for j, h in enumerate(hidden):
            out = out + p[3 * HIDDEN + j] * h
        total = total + (out - y) ** 2
    return total * (1 / len(POINTS))


def walk(params: list[Any], optimizer: Any, read: Any, sign: float) -> list[list[float]]:
    """The parameters after each step, each engine's gradients its own."""
    path = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        (network_loss(params) * sign).backward()
        optimizer.step()
        path.append([read(p) for p in params])
    return path


def walk_on_torchs_gradients(params: list[Value], optimizer: Any, sign: float) -> list[list[float]]:
    """Our optimizer's path with each gradient computed by torch at our parameters: any
    difference from torch's path is the optimizer's own rounding."""
    path = []
    for _ in range(STEPS):
        twins = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in params]
        (network_loss(twins) * sign).backward()
        for p, twin in zip(params, twins, strict=True):
            p.grad = twin.grad.item()
        optimizer.step()
        path.append([p.data for p in params])
    return path


def relative(a: list[float], b: list[float]) -> float:
    """The largest difference, relative to the largest parameter (a coordinate near 0
    would make any difference look large)."""
    size = max(max(abs(x) for x in a), max(abs(y) for y in b), 1e-300)
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) / size


def main() -> None:
    torch.set_num_threads(1)
    steps = " ".join(f"{f'step {s}':>9}" for s in SHOWN)
    print(f"{'':50} {'own gradients':^29} | {'same gradients':^29}")
    print(f"{'optimizer and options':50} {steps} | {steps}")
    worst: dict[str, list[float]] = {"own": [], "same": []}
    for name, options in COMBINATIONS:
        sign = -1.0 if options["maximize"] else 1.0  # maximize climbs the negated loss
        theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
        b = walk(theirs, getattr(torch.optim, name)(theirs, **options), lambda p: p.item(), sign)
        ours = [Value(x) for x in START]
        a = walk(ours, getattr(optim, name)(ours, **options), lambda p: p.data, sign)
        ours = [Value(x) for x in START]
        c = walk_on_torchs_gradients(ours, getattr(optim, name)(ours, **options), sign)
        row = []
        for kind, path in (("own", a), ("same", c)):
            worst[kind].append(max(relative(x, y) for x, y in zip(path, b, strict=True)))
            row.append(" ".join(f"{relative(path[s - 1], b[s - 1]):9.1e}" for s in SHOWN))
        shown = ", ".join(f"{k}={v}" for k, v in options.items() if v not in (0.0, False))
        print(f"{name + ' ' + shown.replace('weight_decay', 'decay'):50} {row[0]} | {row[1]}")
    for kind, numbers in worst.items():
        print(
            f"{kind} gradients, {len(numbers)} combinations over {STEPS:,} steps: "
            f"{sum(w == 0 for w in numbers)} bit for bit all the way, "
            f"{sum(w > 1e-10 for w in numbers)} past 1e-10 at some step, "
            f"{sum(w > 1e-7 for w in numbers)} past 1e-7; largest {max(numbers):.1e}"
        )


if __name__ == "__main__":
    main()
