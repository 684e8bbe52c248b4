"""What the lecture demos share: where to write, which seed, how big, and showing figures.

A demo is a plain script in ``demos/`` with ``# %%`` cells. Run as a script, in VS Code
or Jupyter, it writes to ``./micrograd-plus-out/NAME/``; run by ``micrograd-plus demo
NAME --out DIR --seed N``, it takes those from the command, which runs it inside
``settings(...)``. In a notebook every figure also shows inline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd_plus.plots import FORMATS, png_bytes, save
from micrograd_plus.viz import render

__all__ = ["Demo", "settings", "setup"]


@dataclass
class Demo:
    """One run of a demo: its output folder, its seed, its sizes (``quick`` small,
    ``full`` large) and the format its figures are saved in."""

    name: str
    out: Path
    seed: int
    quick: bool
    full: bool
    format: str

    def path(self, filename: str) -> Path:
        """Where to write ``filename``; say so once it is written with ``wrote``."""
        return self.out / filename

    def wrote(self, path: Path) -> Path:
        print(f"wrote {path}")
        return path

    def show(self, figure: Any, name: str) -> Path:
        """Save ``figure`` as NAME.png (or .svg, .pdf), say so, and in a notebook show it.

        A matplotlib Figure is saved in the demo's format; a graph picture (``to_dot``,
        ``draw_network``) as SVG, which every renderer here writes."""
        if hasattr(figure, "source"):  # a Graphviz picture
            path = self.wrote(render(figure, self.path(f"{name}.svg")))
        else:
            path = self.wrote(save(figure, self.path(f"{name}.{self.format}")))
        _display(figure)
        return path


def _display(figure: Any) -> None:
    """Show a figure inline when running in a Jupyter kernel; elsewhere do nothing.

    A graph picture shows itself (SVG); a matplotlib Figure made without pyplot has no
    inline display of its own, so it is shown as a PNG."""
    try:
        from IPython.core.getipython import get_ipython
        from IPython.display import Image, display  # type: ignore[attr-defined]
    except ImportError:
        return
    shell = get_ipython()  # type: ignore[no-untyped-call]
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    if hasattr(figure, "source"):
        display(figure)  # type: ignore[no-untyped-call]
    else:
        display(Image(data=png_bytes(figure, dpi=100)))  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class _Settings:
    out: Path | None
    seed: int
    quick: bool
    full: bool
    format: str


_given: ContextVar[_Settings | None] = ContextVar("micrograd_plus_demo_settings", default=None)


@contextmanager
def settings(
    out: Path | None = None,
    seed: int = 0,
    quick: bool = False,
    full: bool = False,
    format: str = "png",
) -> Iterator[None]:
    """Demos set up inside this block write to ``out``, use ``seed``, the small
    (``quick``) or large (``full``) sizes, and save figures as ``format``; after it, the
    defaults again."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    token = _given.set(_Settings(out, seed, quick, full, format))
    try:
        yield
    finally:
        _given.reset(token)


def setup(name: str) -> Demo:
    """The settings of this run of demo ``name``, with its output folder made."""
    given = _given.get() or _Settings(None, 0, False, False, "png")
    out = given.out or Path("micrograd-plus-out") / name
    out.mkdir(parents=True, exist_ok=True)
    return Demo(name, out, given.seed, given.quick, given.full, given.format)
