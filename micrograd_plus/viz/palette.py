"""How the pictures look: fonts, colours, edge widths, and text made safe for a label.

Colours read on a projector and for colour-blind eyes: kinds of node are pale fills;
gradients use ColorBrewer's red-white-blue diverging scale; flags are purple (vanished),
black (dead ReLU) and Okabe-Ito yellow (inf or nan).
"""

from __future__ import annotations

import html
import json
import math
import unicodedata

__all__ = [
    "BLANK",
    "CURRENT",
    "DEAD",
    "DIVERGING",
    "FLAGS",
    "FONT",
    "FRAME",
    "KIND_COLOURS",
    "NEGATIVE",
    "NOT_FINITE",
    "OP_FILL",
    "POSITIVE",
    "VANISHED",
    "ZERO",
    "ZERO_FILL",
    "ZERO_INK",
    "diverging",
    "edge_width",
    "label_text",
    "plain_text",
    "readable",
]

FONT = "Helvetica"
KIND_COLOURS = {
    "input": "#c7e9c0",
    "parameter": "#fdd0a2",
    "constant": "#e0e0e0",
    "intermediate": "#ffffff",
    "output": "#ffe680",
}
# Red-white-blue (ColorBrewer RdBu), negative to positive.
DIVERGING = [
    *("#b2182b", "#d6604d", "#f4a582", "#fddbc7"),
    "#f7f7f7",
    *("#d1e5f0", "#92c5de", "#4393c3", "#2166ac"),
]
POSITIVE, NEGATIVE, ZERO = "#2166ac", "#b2182b", "#9e9e9e"
VANISHED = "#7b3294"  # a non-zero gradient too small to matter
DEAD = "#212121"  # a ReLU whose input is <= 0
NOT_FINITE = "#f0e442"  # inf or nan
CURRENT = "#e6a000"  # the node of the current step
ZERO_FILL, ZERO_INK = "#eeeeee", "#616161"  # a gradient that is exactly 0
BLANK = "#ffffff"  # a cell with nothing known yet
OP_FILL = "#f0f0f0"  # an op's circle
FRAME = "#757575"  # a neuron's box of parameters

# Each flag as the legends show it: (fill, text, ink).
FLAGS = {
    "zero": (ZERO_FILL, "grad exactly 0", ZERO_INK),
    "vanished": (VANISHED, "vanished grad", "white"),
    "not finite": (NOT_FINITE, "inf or nan", "black"),
    "dead": (DEAD, "dead ReLU (input <= 0)", "white"),
}

# Edge widths: one fixed log scale of |flow| / |output grad|, so the same flow has the
# same width in every picture: 1e-6 and below is the thinnest, 1 and above the widest.
THINNEST, WIDEST, DECADES = 0.75, 5.5, 6


def readable(text: str) -> str:
    """``text`` with each character no one can see written as its Python escape: control
    characters (``a\\x01b``), lone surrogates (``\\udcff``) and non-characters
    (``\\ufffe``), which a picture or a page would show as nothing, or not at all.
    Newlines and tabs stay."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if _invisible(ch) else ch for ch in text
    )


def _invisible(ch: str) -> bool:
    code = ord(ch)
    if ch in "\n\t":
        return False
    noncharacter = 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE
    return noncharacter or unicodedata.category(ch) in ("Cc", "Cs")


def label_text(text: str) -> str:
    """Any text for an HTML-like Graphviz label: it renders as itself, newlines as breaks.

    A backslash is doubled, or Graphviz would expand \\N, \\G, \\E, \\l in it."""
    safe = readable(text).replace("\\", "\\\\")
    return html.escape(safe, quote=True).replace("\n", "<BR/>")


def plain_text(text: str) -> str:
    """Any text for a plain Graphviz attribute (a tooltip): it shows as itself.

    Graphviz reads escapes in such an attribute twice, so one backslash is written as four.
    """
    return readable(text).replace("\\", "\\\\\\\\")


def diverging(value: float, scale: float) -> tuple[str, str]:
    """(fill, text colour) for ``value`` on the red-white-blue scale up to +-scale."""
    if not scale or not math.isfinite(value) or value == 0:
        return DIVERGING[4], "black"
    size = max(1, round(4 * min(1.0, abs(value) / scale) ** 0.5))  # 1..4; sqrt: small ones show
    index = 4 + size if value > 0 else 4 - size
    return DIVERGING[index], "white" if abs(index - 4) >= 3 else "black"


def edge_width(flow: float, output_grad: float) -> float:
    """The width of an edge carrying ``flow``: linear in log10(|flow| / |output grad|)."""
    if not output_grad or not math.isfinite(flow) or not math.isfinite(output_grad):
        return 1.0
    if flow == 0:
        return THINNEST
    decades = math.log10(abs(flow) / abs(output_grad)) + DECADES  # 0 at 1e-6, 6 at 1
    share = min(1.0, max(0.0, decades / DECADES))
    return round(THINNEST + (WIDEST - THINNEST) * share, 2)


def script_json(data: object) -> str:
    """JSON for a page's <script> block: <, > and & escaped, so no text can end the block
    or open a comment (``</script>``, ``<!--``) whatever the labels hold."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
