"""Float arithmetic as IEEE 754 (and PyTorch) define it: inf and nan where Python raises.

Python raises ``OverflowError`` for ``math.exp(1000)``, ``ZeroDivisionError`` for
``1 / 0`` and ``ValueError`` for ``math.pow(-8, 0.5)``; a float64 tensor gives inf, inf
and nan. The engine uses these so that its values at the extremes are PyTorch's.
"""

from __future__ import annotations

import functools
import math

__all__ = [
    "BCE_EPSILON",
    "divide",
    "exact_text",
    "exp",
    "format_number",
    "largest",
    "log",
    "log1p",
    "operand_text",
    "power",
    "power_by_number",
    "sigmoid",
    "sqrt",
    "total",
]

# PyTorch's floor under p (1 - p) in the gradient of binary cross-entropy: 1e-12 as a
# float32, exactly.
BCE_EPSILON = 9.999999960041972e-13


def exp(x: float) -> float:
    """e ** x; inf where it overflows."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def sigmoid(x: float) -> float:
    """1 / (1 + e ** -x), as PyTorch computes it: 0 where e ** -x overflows."""
    return 1.0 / (1.0 + exp(-x))


def divide(a: float, b: float) -> float:
    """a / b; +-inf for b = 0, or nan for 0 / 0."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def log(x: float) -> float:
    """Natural log; log(0) = -inf, log of a negative number or of nan = nan."""
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def log1p(x: float) -> float:
    """log(1 + x), exact for tiny x; -inf at x = -1, nan below."""
    if x > -1:
        return math.log1p(x)
    return -math.inf if x == -1 else math.nan


def sqrt(x: float) -> float:
    """Square root; nan for a negative number (and for nan), inf for inf, -0.0 for -0.0."""
    return math.sqrt(x) if x >= 0 else math.nan


def total(values: list[float]) -> float:
    """The sum, correctly rounded (math.fsum) where it is finite; IEEE's inf or nan where
    fsum raises: on overflow (1e308 + 1e308 = inf) and for inf + -inf (nan)."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values, 0.0)


def largest(values: list[float]) -> float:
    """The largest number, nan if any is nan (as torch.max; Python's max keeps whichever
    comes first of a number and nan)."""
    return math.nan if any(v != v for v in values) else max(values)


def power(base: float, exponent: float) -> float:
    """base ** exponent as C's pow; inf where it overflows or divides by 0, nan for
    (-8) ** 0.5."""
    try:
        return math.pow(base, exponent)
    except (OverflowError, ValueError):
        if base < 0 and not exponent.is_integer():
            return math.nan  # no real value
        odd = exponent % 2 == 1  # an odd whole exponent keeps the base's sign
        return math.copysign(math.inf, base) if odd else math.inf


def power_by_number(base: float, n: float) -> float:
    """base ** n for a constant n, as PyTorch computes a tensor to a number's power: the
    exponents 0, 1, 2, 3, -1, -2, 0.5 and -0.5 by their own formulas (so that
    (-0.0) ** 0.5 = sqrt(-0.0) = -0.0, and (-inf) ** 0.5 = nan), others as C's pow."""
    if n == 0:
        return 1.0
    if n == 1:
        return base
    if n == 2:
        return base * base
    if n == 3:
        return base * base * base
    if n == -1:
        return divide(1.0, base)
    if n == -2:
        return divide(1.0, base * base)
    if n == 0.5:
        return sqrt(base)
    if n == -0.5:
        return divide(1.0, sqrt(base))
    return power(base, n)


def exact_text(x: float) -> str:
    """x written so that it reads back exactly: 2 for 2.0, 0.01, 0.3333333333333333."""
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def operand_text(x: float) -> str:
    """A number as it stands in a formula: 4 digits, a negative one in brackets, so that
    ``(-3.0) ** 2`` and ``2.0 - (-0.5)`` read right; a whole count (an int) as itself."""
    text = str(x) if isinstance(x, int) else format_number(x)
    return f"({text})" if text.startswith("-") else text


@functools.lru_cache(maxsize=65536)  # pictures write the same numbers again and again
def format_number(x: float) -> str:
    """4 significant digits, still looking like a float: 2.0, 0.7616, 1e-08."""
    text = f"{x + 0.0:.4g}"  # + 0.0: -0.0 reads 0.0; the sign of a zero teaches nothing
    return text if "." in text or "e" in text or "n" in text else text + ".0"
