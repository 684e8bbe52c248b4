"""Checks of the numbers a user passes in, with one rule for their errors: the wrong
type is a ``TypeError``, the right type with a wrong value a ``ValueError``; each says
what was expected and what came."""

from __future__ import annotations

import argparse
import math
import numbers
import re
from collections.abc import Callable


def whole_number(name: str, value: object, at_least: int, at_most: int | None = None) -> int:
    """``value`` as an int in [at_least, at_most]; True and 2.0 are not whole numbers here."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__}: {value!r}")
    number = int(value)
    if number < at_least or (at_most is not None and number > at_most):
        allowed = f">= {at_least}" if at_most is None else f"from {at_least} to {at_most:,}"
        raise ValueError(f"{name} must be a whole number {allowed}, got {number!r}")
    return number


def real_number(name: str, value: object, low: float = 0.0, below: float | None = None) -> float:
    """``value`` as a float in [low, below): a real number, not nan, not a bool."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    number = float(value)
    if math.isnan(number) or number < low or (below is not None and number >= below):
        allowed = f">= {low}" if below is None else f"in [{low}, {below})"
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return number


def whole_number_text(low: int, high: int) -> Callable[[str], int]:
    """For the command line (an argparse type): a whole number written in ASCII digits,
    from low to high."""

    def whole(text: str) -> int:
        if not re.fullmatch(r"-?[0-9]{1,30}", text.strip()):
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        number = int(text)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {high:,}, got {text}"
            )
        return number

    return whole


def positive_number_text(text: str) -> float:
    """For the command line (an argparse type): a finite number > 0."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (number > 0 and math.isfinite(number)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return number
