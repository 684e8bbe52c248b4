"""microgpt's training run, 1,000 steps of a one-layer GPT on the 1990 census first names,
on the tape and on the scalar engine in one process: seconds for each, their ratio, and
how far the two runs' losses ever are apart (the tape is to equal the scalar engine's at
every step to 1e-9). Needs the data extra (``pip install "micrograd-plus[data]"``); about
two minutes, most of it the scalar engine.

    python benchmarks/gpt.py [--steps 1000]
"""

from __future__ import annotations

import argparse
import random
import time

from micrograd_plus.datasets import load_names
from micrograd_plus.gpt import GPT, Vocabulary, train_gpt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    names = load_names()
    random.Random(42).shuffle(names)
    vocabulary = Vocabulary.of(names)
    documents = [vocabulary.encode(name) for name in names]
    seconds, losses = {}, {}
    for engine in ("tape", "scalar"):
        model = GPT(vocabulary.size)  # the same start for both: microgpt's seed, 42
        start = time.perf_counter()
        losses[engine] = train_gpt(model, documents, args.steps, engine=engine)
        seconds[engine] = time.perf_counter() - start
        print(f"{engine:>6}: {seconds[engine]:7.1f} s for {args.steps:,} steps, "
              f"loss {losses[engine][0]:.3f} -> {sum(losses[engine][-50:]) / 50:.3f} "
              f"(mean of the last 50)", flush=True)  # fmt: skip
    gap = max(abs(a - b) / abs(b) for a, b in zip(losses["tape"], losses["scalar"]))
    ratio = seconds["scalar"] / seconds["tape"]
    print(f"the tape is {ratio:.1f}x as fast as the scalar engine; the largest relative "
          f"gap between their losses at a step: {gap:.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
