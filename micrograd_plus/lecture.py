"""What the lecture demos share: where to write, which seed, how big, and saying so.

A demo is a plain script in ``demos/`` with ``# %%`` cells. Run as a script, in VS Code
or Jupyter, it writes to ``./micrograd-plus-out/NAME/``; run by ``micrograd-plus demo
NAME --out DIR --seed N``, it reads those from the environment the command sets.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd_plus.plots import MissingExtra

__all__ = ["Demo", "setup"]

OUT, SEED, QUICK = "MICROGRAD_PLUS_OUT", "MICROGRAD_PLUS_SEED", "MICROGRAD_PLUS_QUICK"


@dataclass
class Demo:
    """One run of a demo: its output folder, its seed, and whether to use small sizes."""

    name: str
    out: Path
    seed: int
    quick: bool

    def path(self, filename: str) -> Path:
        """Where to write ``filename``; say so once it is written with ``wrote``."""
        return self.out / filename

    def wrote(self, path: Path) -> Path:
        print(f"wrote {path}")
        return path

    def plot(self, draw: Callable[..., Path], *args: Any, **kwargs: Any) -> Path | None:
        """``draw(*args, **kwargs)``, a function that writes a plot and returns its path;
        without matplotlib, say which extra to install and go on without the plot."""
        try:
            return self.wrote(draw(*args, **kwargs))
        except MissingExtra as error:
            print(f"(no plot: {error})")
            return None


def setup(name: str) -> Demo:
    """The settings of this run of demo ``name``, with its output folder made."""
    out = Path(os.environ.get(OUT) or Path("micrograd-plus-out") / name)
    out.mkdir(parents=True, exist_ok=True)
    return Demo(name, out, int(os.environ.get(SEED) or 0), os.environ.get(QUICK) == "1")
