"""A tape's layers over a batch, as a course writes them: one row per sample.

The scalar stepper shows a layer for one sample, ``z = W x + b``. A tape replays the
same layer for a whole batch at once, and that is the equation a tensor framework runs:

    Z = X W^T + b          (a row of X, Z, H per sample)
    H = f(Z)
    Delta = dL/dH * f'(Z),   dL/dW = Delta^T X,   dL/db = the sum of Delta's rows,
    dL/dX = Delta W

``write_layers(tape, path)`` writes a page with each of the tape's fused layers so, its
numbers from the tape's last forward (and backward), under the line of the fused program
that computes it (``h1 = relu(x @ L1.W.T + L1.b)``).
"""

from __future__ import annotations

import html
import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from micrograd_plus._files import write_atomic
from micrograd_plus.fusion import LayerNumbers
from micrograd_plus.tape import Tape
from micrograd_plus.viz.matrices import three_digits

__all__ = ["layers_page", "write_layers"]

COLUMNS = 8  # the most columns a matrix shows (then its first 6, a gap, its last)


def write_layers(tape: Any, path: str | os.PathLike[str], samples: int = 6) -> Path:
    """Write the page of ``tape``'s layers (a ``Tape``, or a ``ModelTape``) over its last
    batch, showing the first ``samples`` rows of each matrix: whole or not at all."""
    return write_atomic(path, layers_page(tape, samples))


def layers_page(tape: Any, samples: int = 6) -> str:
    """The page ``write_layers`` writes."""
    inner = tape.tape if hasattr(tape, "tape") and isinstance(tape.tape, Tape) else tape
    if not isinstance(inner, Tape):
        raise TypeError(f"expected a Tape or a ModelTape, got {type(tape).__name__}")
    if type(samples) is not int or samples < 1:
        raise ValueError(f"samples must be a whole number of rows, 1 or more, got {samples!r}")
    layers = inner.layers()
    lines = [line for line in inner.fused().splitlines() if " @ " in line]
    sections = [_section(layer, line, samples) for layer, line in zip(layers, lines)]
    batch = len(layers[0].X) if layers else 0
    style = (resources.files("micrograd_plus.viz") / "page" / "stepper.css").read_text("utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>The tape's layers over a batch</title>"
        f"<style>{style}{_STYLE}</style></head><body class='layers'>"
        f"<header><h1>The tape's layers over a batch of {batch:,}</h1></header>"
        f"<main class='layers'>{''.join(sections)}</main></body></html>"
    )


_STYLE = """
body.layers { overflow: auto; }
main.layers { display: block; padding: 0.5em 1.2em; }
main.layers section { margin-bottom: 1.6em; }
main.layers h2 { font-size: 1.1em; margin: 0.4em 0; font-family: "DejaVu Sans Mono", Menlo,
                 Consolas, monospace; }
main.layers .eq { display: flex; align-items: center; gap: 0.4em; white-space: nowrap;
                  margin: 0.3em 0 0.7em; font-size: 0.9em; overflow-x: auto; }
main.layers figure { margin: 0; display: flex; flex-direction: column; align-items: center; }
main.layers figcaption { font-size: 0.8em; color: #455a64; }
main.layers .note { color: #607d8b; font-size: 0.8em; }
"""


def _section(layer: LayerNumbers, line: str, samples: int) -> str:
    name = layer.weight_name.rsplit(".", 1)[0] if "." in layer.weight_name else "layer"
    f = layer.activation
    parts = [f"<section><h2>{html.escape(line)}</h2>"]
    rows = min(samples, len(layer.X))
    more = len(layer.X) - rows
    note = f"<span class='note'>first {rows} of {len(layer.X):,} samples</span>" if more else ""
    parts.append(
        _equation(
            "Z =",
            _matrix(layer.X[:rows], f"{name}:X", "X", more),
            _matrix(layer.W.T, f"{name}:WT", f"{layer.weight_name}\u1d40"),
            "+",
            _matrix(layer.b[None, :], f"{name}:b", f"{name}.b"),
            "=",
            _matrix(layer.Z[:rows], f"{name}:Z", "Z", more),
        )
    )
    if layer.H is not None:
        parts.append(
            _equation(f"H = {f}(Z) =", _matrix(layer.H[:rows], f"{name}:H", "H", more), note)
        )
    if layer.dZ is None:
        parts.append("<p class='note'>no backward yet: tape.backward() adds the gradients</p>")
    else:
        dW, db, dX = layer.dW, layer.db, layer.dX
        assert dW is not None and db is not None and dX is not None
        if layer.dH is not None and layer.slope is not None:
            parts.append(
                _equation(
                    "\u0394 =",
                    _matrix(layer.dH[:rows], f"{name}:dH", "dL/dH", more),
                    "\u2299",
                    _matrix(layer.slope[:rows], f"{name}:slope", f"{f}\u2032(Z)", more),
                    "=",
                    _matrix(layer.dZ[:rows], f"{name}:delta", "\u0394 = dL/dZ", more),
                )
            )
        else:
            parts.append(
                _equation(
                    "\u0394 = dL/dZ =", _matrix(layer.dZ[:rows], f"{name}:delta", "\u0394", more)
                )
            )
        parts.append(
            _equation(
                "dL/dW = \u0394\u1d40 X =",
                _matrix(dW, f"{name}:dW", f"dL/d{layer.weight_name}"),
                "dL/db = 1\u1d40\u0394 =",
                _matrix(db[None, :], f"{name}:db", f"dL/d{name}.b"),
            )
        )
        parts.append(
            _equation("dL/dX = \u0394 W =", _matrix(dX[:rows], f"{name}:dX", "dL/dX", more), note)
        )
    parts.append("</section>")
    return "".join(parts)


def _equation(*parts: str) -> str:
    shown = [p if p.startswith("<") else f"<span>{html.escape(p)}</span>" for p in parts if p]
    return f"<div class='eq'>{''.join(shown)}</div>"


def _matrix(numbers: np.ndarray, key: str, caption: str, more: int = 0) -> str:
    """An HTML table of ``numbers`` (rows x columns), each entry named by its place
    (``Z-3-1``), 3 significant digits; past COLUMNS columns (or rows), a gap; ``more``
    rows left out are a row of dots."""
    columns = list(range(numbers.shape[1]))
    if len(columns) > COLUMNS:
        columns = [*columns[: COLUMNS - 2], -1, columns[-1]]
    shown = list(range(len(numbers)))
    if len(shown) > COLUMNS:  # a tall matrix (W^T of a wide layer): its first rows and last
        shown = [*shown[: COLUMNS - 2], -1, shown[-1]]
    rows = []
    for i in shown:
        if i < 0:
            rows.append(f"<tr><td colspan='{len(columns)}'>\u22ee</td></tr>")
            continue
        row = numbers[i]
        cells = []
        for j in columns:
            if j < 0:
                cells.append("<td>\u22ef</td>")
                continue
            x = float(row[j])  # the number in full on hover, 3 digits shown
            cells.append(f"<td data-name='{key}-{i}-{j}' title='{x!r}'>{three_digits(x)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    if more:
        rows.append(f"<tr><td colspan='{len(columns)}'>\u22ee</td></tr>")
    table = f"<table class='matrix' data-name='{key}'>{''.join(rows)}</table>"
    return f"<figure>{table}<figcaption>{html.escape(caption)}</figcaption></figure>"
