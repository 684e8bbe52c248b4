"""What a second derivative costs beside the first, on a 1,000-node graph.

The first derivative by ``grad`` without a graph is a backward pass over numbers; with
``create_graph=True`` it builds the derivative's graph with engine ops (a few nodes per
node of the original); the second derivative is a backward pass over that graph.

    python benchmarks/higher_order.py
"""

from __future__ import annotations

import statistics
import time

from micrograd_plus import Value, grad

NODES = 1_000


def chain() -> tuple[Value, Value]:
    x = Value(0.3, "x")
    y = x
    for _ in range(NODES // 3):  # three nodes a link: *, +, tanh
        y = (y * 0.9 + 0.1).tanh()
    return y, x


def timed(work: object, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def first() -> None:
    y, x = chain()
    grad(y, x)


def second() -> None:
    y, x = chain()
    (dy,) = grad(y, x, create_graph=True)
    assert dy is not None
    grad(dy, x)


if __name__ == "__main__":
    build = timed(chain)
    one = timed(first) - build
    two = timed(second) - build
    print(f"{NODES:,}-node chain of tanh(x*0.9 + 0.1), median of 7, graph building left out")
    print(f"first derivative (numbers):        {one * 1e3:7.2f} ms")
    print(f"second derivative (graph + grad):  {two * 1e3:7.2f} ms")
    print(f"second / first: {two / one:.1f}x")
