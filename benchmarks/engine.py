"""Speed and memory of the engine, beside micrograd 0.1.0 and the closure-free Value a
student writes today (microgpt's), measured in the same process.

    python benchmarks/engine.py [--steps 20000] [--repeat 5] [--train-steps 10]

Two workloads. First, a long chain:
``tanh(x*0.9 + 0.1)`` (micrograd has no tanh-free relu chain, so it
builds ``relu(x*0.9 + 0.1)``); each step makes five nodes (two constants, *, +,
the activation). "Per node" means per Value in the graph. Build and backward are
timed with the garbage collector on, as a user runs them; bytes per node are
counted with tracemalloc while building. Rounds run back to back without
forcing a collection, as in a training loop, so an engine pays for its own garbage.
Install the reference with ``pip install micrograd==0.1.0``; without it only
micrograd_plus is measured.

The engines' rounds alternate (one round of each, then the next), so that a slower
stretch of the machine falls on all of them alike. Besides micrograd (closures), the
chain runs on ``ClosureFreeValue``: microgpt's 25-line Value (``__slots__``, children
and local derivatives, a recursive topological sort), with tanh as its lectures add it.

Second, micrograd's own demo: MLP(2, [16, 16], 1) on 100 two-moons points, max-margin
loss + 1e-4 * L2, one full step (forward, backward, SGD update), in milliseconds per
step (median). Both engines run the same update code on the same data; micrograd_plus
runs it twice, on its model's Parameters (numbers in one array per model) and on the same
model with plain Values in their place.
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median
from typing import Any

import micrograd_plus


@dataclass
class ChainResult:
    nodes: int
    build_ns: float  # per node
    backward_ns: float  # per node
    bytes_per_node: float


class ClosureFreeValue:
    """microgpt's Value (Karpathy, 2026), verbatim but for tanh, added as its lectures do."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data: Any, children: Any = (), local_grads: Any = ()) -> None:
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> ClosureFreeValue:
        other = other if isinstance(other, ClosureFreeValue) else ClosureFreeValue(other)
        return ClosureFreeValue(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other: Any) -> ClosureFreeValue:
        other = other if isinstance(other, ClosureFreeValue) else ClosureFreeValue(other)
        return ClosureFreeValue(self.data * other.data, (self, other), (other.data, self.data))

    def tanh(self) -> ClosureFreeValue:
        t = math.tanh(self.data)
        return ClosureFreeValue(t, (self,), (1 - t**2,))

    def backward(self) -> None:
        topo = []
        visited = set()

        def build_topo(v: ClosureFreeValue) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


def closure_free_chain(n: int) -> Any:
    x = ClosureFreeValue(0.5)
    for _ in range(n):
        x = (x * 0.9 + 0.1).tanh()
    return x


def plus_chain(n: int) -> Any:
    x = micrograd_plus.Value(0.5)
    for _ in range(n):
        x = (x * 0.9 + 0.1).tanh()
    return x


def micrograd_chain(n: int) -> Any:
    from micrograd.engine import Value

    x = Value(0.5)
    for _ in range(n):
        x = (x * 0.9 + 0.1).relu()
    return x


def time_chain(build: Callable[[int], Any], steps: int) -> tuple[float, float]:
    """Nanoseconds per node to build the chain, and to backpropagate through it and drop it.

    Dropping is timed because that is when an engine without reference cycles frees
    its graph; an engine with cycles frees it later, in the garbage collector's runs
    during the next rounds, which are timed too.
    """
    start = time.perf_counter_ns()
    root = build(steps)
    middle = time.perf_counter_ns()
    root.backward()
    del root
    end = time.perf_counter_ns()
    nodes = 5 * steps + 1
    return (middle - start) / nodes, (end - middle) / nodes


def bytes_per_node(build: Callable[[int], Any], steps: int) -> float:
    gc.collect()
    tracemalloc.start()
    root = build(steps)
    allocated, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del root
    return allocated / (5 * steps + 1)


def measure_chains(
    builders: dict[str, Callable[[int], Any]], steps: int, repeat: int
) -> dict[str, ChainResult]:
    """The engines' rounds alternate (a warm-up round of each, then ``repeat`` rounds of
    each in turn; the median), and each pays for its own garbage."""
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in builders}
    for _ in range(repeat + 1):
        for name, build in builders.items():
            gc.collect()
            rounds[name].append(time_chain(build, steps))
    results = {}
    for name, build in builders.items():
        results[name] = ChainResult(
            5 * steps + 1,
            median(r[0] for r in rounds[name][1:]),
            median(r[1] for r in rounds[name][1:]),
            bytes_per_node(build, steps),
        )
    return results


def micrograd_installed() -> bool:
    try:
        import micrograd.engine  # noqa: F401
    except ImportError:
        return False
    return True


def report_chain(steps: int, repeat: int) -> None:
    builders = {"micrograd_plus": plus_chain, "closure-free": closure_free_chain}
    if micrograd_installed():
        builders["micrograd 0.1.0"] = micrograd_chain
    results = measure_chains(builders, steps, repeat)
    print(f"chain of {5 * steps + 1:,} nodes: tanh(x*0.9 + 0.1) x {steps:,}, median of {repeat}")
    print(f"{'engine':<16}{'build ns/node':>15}{'backward+free':>18}{'bytes/node':>12}")
    for name, r in results.items():
        print(f"{name:<16}{r.build_ns:>15,.0f}{r.backward_ns:>18,.0f}{r.bytes_per_node:>12,.0f}")
    plus, free = results["micrograd_plus"], results["closure-free"]
    print(
        "micrograd_plus vs the closure-free Value (microgpt's): build + backward "
        f"{(free.build_ns + free.backward_ns) / (plus.build_ns + plus.backward_ns):.2f}x "
        "as fast"
    )
    if "micrograd 0.1.0" not in results:
        print("micrograd 0.1.0 is not installed: pip install micrograd==0.1.0 for the ratios")
        return
    plus, ref = results["micrograd_plus"], results["micrograd 0.1.0"]
    speedup = (ref.build_ns + ref.backward_ns) / (plus.build_ns + plus.backward_ns)
    print(
        f"micrograd_plus vs micrograd: build {ref.build_ns / plus.build_ns:.1f}x faster, "
        f"backward {ref.backward_ns / plus.backward_ns:.1f}x, "
        f"build + backward {speedup:.1f}x; "
        f"{plus.bytes_per_node / ref.bytes_per_node:.2f} of its bytes per node"
    )


def moons_step(Value: Any, model: Any, X: Any, y: Any) -> float:
    """One step of micrograd's demo: forward, max-margin loss + L2, backward, SGD."""
    scores = [model([Value(float(v)) for v in row]) for row in X]
    losses = [(1 + -float(yi) * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= 0.05 * p.grad
    return float(total.data)


def time_moons(make_model: Callable[[], Any], Value: Any, steps: int) -> float:
    """Median milliseconds per training step, after one warm-up step."""
    from micrograd_plus.datasets import make_moons

    X, y = make_moons(100, noise=0.1, seed=0)
    y = 2 * y - 1  # labels -1 and +1 for the max-margin loss
    model = make_model()
    gc.collect()
    times = []
    for _ in range(steps + 1):
        start = time.perf_counter()
        moons_step(Value, model, X, y)
        times.append((time.perf_counter() - start) * 1000)
    return median(times[1:])


def plain_values(model: Any) -> Any:
    """The model with a plain Value, same number and label, in place of each Parameter."""
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.w = [micrograd_plus.Value(w.data, w.label) for w in neuron.w]
            neuron.b = micrograd_plus.Value(neuron.b.data, neuron.b.label)
    return model


def report_moons(steps: int) -> None:
    from micrograd_plus.nn import MLP

    plus = time_moons(lambda: MLP(2, [16, 16, 1], seed=0), micrograd_plus.Value, steps)
    plain = time_moons(
        lambda: plain_values(MLP(2, [16, 16, 1], seed=0)), micrograd_plus.Value, steps
    )
    print(f"\nmicrograd's demo step: MLP(2, [16, 16], 1), 100 moons, median of {steps} steps")
    print(f"{'micrograd_plus':<16}{plus:>10,.0f} ms/step")
    print(f"{'  plain Values':<16}{plain:>10,.0f} ms/step  (Parameters: {plus / plain:.2f}x)")
    if not micrograd_installed():
        return
    import micrograd.engine
    import micrograd.nn

    ref = time_moons(lambda: micrograd.nn.MLP(2, [16, 16, 1]), micrograd.engine.Value, steps)
    print(f"{'micrograd 0.1.0':<16}{ref:>10,.0f} ms/step")
    print(f"micrograd_plus vs micrograd: {ref / plus:.1f}x faster per training step")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="chain steps (5 nodes each)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--train-steps", type=int, default=10, help="demo training steps")
    args = parser.parse_args(argv)
    report_chain(args.steps, args.repeat)
    report_moons(args.train_steps)


if __name__ == "__main__":
    # micrograd sorts its graph recursively: give it room for a deep chain.
    sys.setrecursionlimit(10_000_000)
    threading.stack_size(1 << 29)
    thread = threading.Thread(target=main)
    thread.start()
    thread.join()
