"""What the lecture demos share: where to write, which seed, how big, and saying so.

A demo is a plain script in ``demos/`` with ``# %%`` cells. Run as a script, in VS Code
or Jupyter, it writes to ``./micrograd-plus-out/NAME/``; run by ``micrograd-plus demo
NAME --out DIR --seed N``, it takes those from the command, which runs it inside
``settings(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd_plus.plots import MissingExtra

__all__ = ["Demo", "settings", "setup"]


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


@dataclass(frozen=True)
class _Settings:
    out: Path | None
    seed: int
    quick: bool


_given: ContextVar[_Settings | None] = ContextVar("micrograd_plus_demo_settings", default=None)


@contextmanager
def settings(out: Path | None = None, seed: int = 0, quick: bool = False) -> Iterator[None]:
    """Demos set up inside this block write to ``out``, use ``seed``, and, if ``quick``,
    small sizes; after it, the defaults again."""
    token = _given.set(_Settings(out, seed, quick))
    try:
        yield
    finally:
        _given.reset(token)


def setup(name: str) -> Demo:
    """The settings of this run of demo ``name``, with its output folder made."""
    given = _given.get() or _Settings(None, 0, False)
    out = given.out or Path("micrograd-plus-out") / name
    out.mkdir(parents=True, exist_ok=True)
    return Demo(name, out, given.seed, given.quick)
