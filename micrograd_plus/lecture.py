"""The lecture demos: finding them, running them, writing them as notebooks, and what
they share (where to write, which seed, how big, showing figures).

A demo is a plain script in ``demos/`` with ``# %%`` cells. Run as a script, in VS Code
or Jupyter, it writes to ``./micrograd-plus-out/NAME/``; run by ``micrograd-plus demo
NAME --out DIR --seed N``, it takes those from the command, which runs it inside
``settings(...)``. In a notebook every figure also shows inline. Plots and pictures are
imported only when a demo shows one, so listing the demos is quick.
"""

from __future__ import annotations

import importlib
import re
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd_plus._files import FIGURE_FORMATS, write_atomic

__all__ = [
    "Demo",
    "demo_files",
    "demo_summary",
    "notebook",
    "run_demo",
    "settings",
    "setup",
    "write_notebooks",
]

DEMOS_HOME = Path(__file__).parent / "demos"  # in an installed wheel
DEMOS_SOURCE = Path(__file__).parent.parent / "demos"  # in a source checkout


def demo_files() -> dict[str, Path]:
    """Each demo's name (``moons``) and script (``demos/06_moons.py``), in lecture order."""
    folder = DEMOS_HOME if DEMOS_HOME.is_dir() else DEMOS_SOURCE
    return {path.stem.split("_", 1)[1]: path for path in sorted(folder.glob("[0-9][0-9]_*.py"))}


def demo_summary(path: Path) -> str:
    """The demo's title: the first markdown heading of its script."""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*#+\s*(.+)", line)
        if match:
            return match.group(1).strip()
    return ""


def run_demo(name: str, **given: Any) -> None:
    """Run demo ``name`` as a script, inside ``settings(**given)``."""
    with settings(**given):
        runpy.run_path(str(demo_files()[name]), run_name="__main__")


def notebook(script: str) -> Any:
    """A demo script as a Jupyter notebook (an ``nbformat`` v4 node, validated): a cell per
    ``# %%`` marker, markdown for ``# %% [markdown]`` (its ``# `` prefixes taken off), no
    outputs."""
    from nbformat import v4, validate

    cells: list[Any] = []
    kind, lines = "", list[str]()

    def close() -> None:
        text = "\n".join(lines).strip("\n")
        if kind and text:
            make = v4.new_markdown_cell if kind == "markdown" else v4.new_code_cell
            cells.append(make(text, id=f"cell-{len(cells) + 1}"))

    for line in script.splitlines():
        if line.startswith("# %%"):
            close()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind == "markdown":
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        else:
            lines.append(line)
    close()
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    document = v4.new_notebook(cells=cells, metadata={"kernelspec": kernel})
    document.metadata["language_info"] = {"name": "python"}
    validate(document)
    return document


def write_notebooks(folder: Path) -> list[tuple[str, Path]]:
    """Every demo as a notebook in ``folder`` (made if missing): (name, path) each."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, path in demo_files().items():
        target = folder / f"{path.stem}.ipynb"
        write_atomic(target, nbformat.writes(notebook(path.read_text(encoding="utf-8"))) + "\n")
        written.append((name, target))
    return written


@dataclass
class Demo:
    """One run of a demo: its output folder, its seed, its sizes (``quick`` small,
    ``full`` large), the format its figures are saved in, and whether it runs as a
    notebook a class opened (in a Jupyter kernel, no settings given: the lectures whose
    default run is a preview show their whole run there)."""

    name: str
    out: Path
    seed: int
    quick: bool
    full: bool
    format: str
    notebook: bool = False

    def path(self, filename: str) -> Path:
        """Where to write ``filename``; say so once it is written with ``wrote``."""
        return self.out / filename

    def wrote(self, path: Path) -> None:
        print(f"wrote {path}")

    def show(self, figure: Any, name: str) -> None:
        """Save ``figure`` as NAME.png (or .svg, .pdf), say so, and in a notebook show it.

        A matplotlib Figure is saved in the demo's format; a graph picture (``to_dot``,
        ``draw_network``) as SVG, which every renderer here writes; a stepper as its page,
        NAME.html."""
        if hasattr(figure, "page"):  # a Stepper
            self.wrote(figure.save(self.path(f"{name}.html")))
        elif hasattr(figure, "source"):  # a Graphviz picture
            from micrograd_plus.viz import render

            self.wrote(render(figure, self.path(f"{name}.svg")))
        else:
            from micrograd_plus.plots import save

            self.wrote(save(figure, self.path(f"{name}.{self.format}")))
        _display(figure)


def _kernel_display() -> Any:
    """``IPython.display`` when running in a Jupyter kernel, else None."""
    try:  # looked up by name: IPython is there only in a notebook's kernel
        ipython = importlib.import_module("IPython")
        shown = importlib.import_module("IPython.display")
    except ImportError:
        return None
    shell = ipython.get_ipython()
    return None if shell is None or getattr(shell, "kernel", None) is None else shown


def _display(figure: Any) -> None:
    """Show a figure inline when running in a Jupyter kernel; elsewhere do nothing.

    A graph picture shows itself (SVG); a matplotlib Figure made without pyplot has no
    inline display of its own, so it is shown as a PNG."""
    shown = _kernel_display()
    if shown is None:
        return
    if hasattr(figure, "source") or hasattr(figure, "page"):
        shown.display(figure)
    else:
        from micrograd_plus.plots import png_bytes

        shown.display(shown.Image(data=png_bytes(figure, dpi=100)))


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
    if format not in FIGURE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(FIGURE_FORMATS)}, got {format!r}")
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
    opened = _given.get() is None and _kernel_display() is not None
    return Demo(name, out, given.seed, given.quick, given.full, given.format, opened)
