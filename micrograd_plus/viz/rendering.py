"""Turn a picture's DOT source into a file or bytes: SVG, PNG, JPEG, PDF, or DOT itself.

The renderer is ``graphviz-pure``, a self-contained Graphviz 16.1 installed with this
package as a program of its own (Linux, macOS and Windows wheels): the same input gives
the same bytes on every machine, and no system Graphviz is needed. It writes SVG, PNG
and JPEG. The system's Graphviz ``dot`` is used only when asked for
(``renderer="dot"``) and for PDF, which graphviz-pure does not write. Files are written
whole or not at all, and only the file named.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Protocol

from micrograd_plus._files import write_atomic

__all__ = ["FORMATS", "RENDERERS", "RendererNotFound", "find_renderer", "render", "render_bytes"]

FORMATS = ("svg", "png", "jpeg", "jpg", "pdf", "dot")
RENDERERS = ("graphviz-pure", "dot")
DOT_HINT = "Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz"


class RendererNotFound(RuntimeError):
    """No Graphviz renderer can make the requested format on this machine."""


class HasSource(Protocol):
    """A graph that can say itself in DOT, such as a ``graphviz.Digraph``."""

    @property
    def source(self) -> str: ...


def find_renderer(renderer: str = "graphviz-pure") -> str | None:
    """The path of the ``graphviz-pure`` (or system ``dot``) program, or None.

    graphviz-pure is looked for on PATH and in the running interpreter's scripts folder,
    where pip put it: a notebook kernel's PATH often lacks that folder.
    """
    found = shutil.which(renderer)
    if found or renderer != "graphviz-pure":
        return found
    name = "graphviz-pure.exe" if sys.platform == "win32" else "graphviz-pure"
    beside = Path(sysconfig.get_path("scripts")) / name
    return str(beside) if beside.is_file() else None


def _program(format: str, renderer: str | None) -> str:
    if renderer is not None and renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, got {renderer!r}")
    if renderer == "graphviz-pure" and format == "pdf":
        raise ValueError("graphviz-pure does not write PDF: use .svg or .png, or renderer='dot'")
    wanted = renderer or ("dot" if format == "pdf" else "graphviz-pure")
    program = find_renderer(wanted)
    if program:
        return program
    if wanted == "dot" and format == "pdf":
        raise RendererNotFound(
            "PDF needs the system Graphviz's dot program, which is not installed here "
            f"({DOT_HINT}); SVG and PNG need nothing more: use .svg or .png"
        )
    if wanted == "dot":
        raise RendererNotFound(f"the system Graphviz's dot program is not installed ({DOT_HINT})")
    raise RendererNotFound(
        "the graphviz-pure program that micrograd-plus installs was not found on PATH or "
        f"in {sysconfig.get_path('scripts')}: pip install --force-reinstall graphviz-pure"
    )


def render_bytes(source: str, format: str = "svg", renderer: str | None = None) -> bytes:
    """DOT ``source`` rendered to ``format`` (svg, png, jpeg, pdf, or dot for the source)."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if format == "dot":
        return source.encode("utf-8")
    program = _program(format, renderer)
    done = subprocess.run(
        [program, f"-T{format}"], input=source.encode("utf-8"), capture_output=True, timeout=300
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz ({Path(program).name}) could not render the graph: {message}")
    return done.stdout


def render(
    graph: HasSource | str,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    renderer: str | None = None,
) -> Path:
    """Render ``graph`` (a Digraph such as ``to_dot(o)``, or DOT source) to ``path``.

    The format comes from ``format`` or else from the suffix: .svg .png .jpg .pdf .dot.
    ``renderer`` "dot" asks for the system Graphviz; by default graphviz-pure draws
    (and the system dot, PDF). Returns the path; on any error no file is written.
    """
    target = Path(path)
    fmt = (format or target.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(
            f"cannot tell the picture format of {str(target)!r}: expected a suffix "
            ".svg, .png, .jpg, .pdf or .dot (or format=...)"
        )
    source = graph if isinstance(graph, str) else graph.source
    return write_atomic(target, render_bytes(source, fmt, renderer))
