"""Pictures that show themselves in Jupyter, drawn by graphviz-pure.

The ``graphviz`` package's own display runs the system ``dot``, which most students do
not have; a ``Picture`` is a ``graphviz.Digraph`` whose display goes through
``render_bytes`` instead, so it shows the same picture ``render`` writes.
"""

from __future__ import annotations

import graphviz

from micrograd_plus.viz.rendering import render_bytes

__all__ = ["Picture"]


class Picture(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` shown inline in Jupyter as SVG (or PNG, JPEG) by graphviz-pure."""

    def _repr_image_svg_xml(self) -> str:
        return render_bytes(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return render_bytes(self.source, "png")

    def _repr_image_jpeg(self) -> bytes:
        return render_bytes(self.source, "jpeg")
