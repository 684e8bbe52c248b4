"""IEEE 754 float arithmetic, checked against numpy's float64 (which never raises)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import floats

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -8.0, 2.0, 3.0, 10.0, -10.0, 400.0, 401.0, 1e308, math.inf]
numbers = st.sampled_from(EDGES) | st.floats(allow_nan=False, width=64)


def _same(ours: float, theirs: np.floating) -> bool:
    expected = float(theirs)
    if math.isnan(expected):
        return math.isnan(ours)
    return ours == expected and math.copysign(1, ours) == math.copysign(1, expected)


@given(numbers, numbers)
def test_divide_and_power_agree_with_numpy(a: float, b: float) -> None:
    with np.errstate(all="ignore"):
        assert _same(floats.divide(a, b), np.float64(a) / np.float64(b))
        theirs = np.power(np.float64(a), np.float64(b))
    if abs(b) == 0.5:  # numpy takes these as sqrt, as PyTorch does (power_by_number)
        with np.errstate(all="ignore"):
            root = np.sqrt(np.float64(a)) ** (2 * b)
        assert _same(floats.power_by_number(a, b), root)
        return
    ours = floats.power(a, b)
    # libm's pow and numpy's may differ in the last bit, and in the sign of a zero
    # ((-0.0) ** 0.5); their infinities and nans agree
    if math.isfinite(ours) and math.isfinite(theirs):
        assert ours == pytest.approx(float(theirs), rel=1e-15)
    else:
        assert _same(ours, theirs), (a, b, ours, theirs)


@given(numbers)
def test_exp_and_log_agree_with_numpy(x: float) -> None:
    with np.errstate(all="ignore"):
        assert floats.exp(x) == pytest.approx(float(np.exp(np.float64(x))), rel=1e-15)
        theirs = np.log(np.float64(x))
    assert _same(floats.log(x), theirs) or floats.log(x) == pytest.approx(float(theirs), rel=1e-15)


def test_format_number_looks_like_a_float() -> None:
    assert [floats.format_number(x) for x in [2, 0.76159, 1e-8, -3.0, math.inf, math.nan]] == [
        "2.0",
        "0.7616",
        "1e-08",
        "-3.0",
        "inf",
        "nan",
    ]
