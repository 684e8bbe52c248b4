"""Every op at the extremes of float64: 0, -0, +-1e-320 (subnormal), +-710 (where exp
overflows), +-1e308, +-inf and nan. The value and each gradient equal PyTorch's float64
bit for bit (nan equals nan, the sign of a zero counts), and each op's entry in the table
of ops, on arrays, equals the scalar op bit for bit there."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pytest
from conftest import BINARY_OPS
from parity import torch_bce

from micrograd_plus import Value
from micrograd_plus.arrays import on_arrays
from micrograd_plus.losses import binary_cross_entropy, binary_cross_entropy_with_logits

inf, nan = math.inf, math.nan
POINTS = [0.0, -0.0, 1e-320, -1e-320, 710.0, -710.0, 1e308, -1e308, inf, -inf, nan]
EXPONENTS = [0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.5, -1.5, 0.25, 7.0, *POINTS]
PROBABILITIES = [0.0, -0.0, 1e-320, 0.5, 1.0 - 1e-16, 1.0]
TARGETS = [0.0, -0.0, 0.25, 1.0]


def identical(ours: float, theirs: float) -> bool:
    """The same float64: nan equals nan, 0.0 differs from -0.0."""
    if math.isnan(theirs):
        return math.isnan(ours)
    return ours == theirs and math.copysign(1.0, ours) == math.copysign(1.0, theirs)


def engine(fn: Callable[..., Value], *xs: float) -> tuple[float, ...]:
    """fn on leaves made from xs, after backward: (value, d/dx for each x)."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return (out.data, *(leaf.grad for leaf in leaves))


def pytorch(fn: Callable[..., Any], *xs: float) -> tuple[float, ...]:
    torch = pytest.importorskip("torch")
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*leaves)
    out.backward()
    return (out.item(), *(0.0 if t.grad is None else t.grad.item() for t in leaves))


def differences(
    ours: Callable[..., Value], theirs: Callable[..., Any], cases: Sequence[tuple[float, ...]]
) -> list[tuple[Any, ...]]:
    """The cases where the engine and PyTorch give different bits, with both results."""
    out = []
    for xs in cases:
        a, b = engine(ours, *xs), pytorch(theirs, *xs)
        if not all(identical(u, v) for u, v in zip(a, b, strict=True)):
            out.append((xs, a, b))
    return out


UNARY: dict[str, tuple[Callable[[Value], Value], str]] = {
    "neg": (lambda a: -a, "neg"),
    "exp": (Value.exp, "exp"),
    "log": (Value.log, "log"),
    "tanh": (Value.tanh, "tanh"),
    "sigmoid": (Value.sigmoid, "sigmoid"),
    "relu": (Value.relu, "relu"),
    "abs": (Value.abs, "abs"),
    "leaky_relu": (Value.leaky_relu, "nn.functional.leaky_relu"),
    "leaky_relu(0.2)": (lambda a: a.leaky_relu(0.2), "leaky_relu(0.2)"),
}


def _torch_unary(name: str) -> Callable[[Any], Any]:
    torch = pytest.importorskip("torch")
    if name == "leaky_relu(0.2)":
        return lambda t: torch.nn.functional.leaky_relu(t, 0.2)
    fn: Any = torch
    for part in name.split("."):
        fn = getattr(fn, part)
    return fn  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_are_pytorchs_bit_for_bit(name: str) -> None:
    ours, theirs = UNARY[name]
    assert differences(ours, _torch_unary(theirs), [(x,) for x in POINTS]) == []


BINARY = BINARY_OPS


@pytest.mark.parametrize("op", BINARY)
def test_binary_ops_are_pytorchs_bit_for_bit(op: str) -> None:
    pairs = [(x, y) for x in POINTS for y in POINTS]
    assert differences(BINARY[op], BINARY[op], pairs) == []


@pytest.mark.parametrize("n", EXPONENTS, ids=repr)
def test_powers_by_a_number_are_pytorchs_bit_for_bit(n: float) -> None:
    # (-0.0) ** 0.5 is -0.0 with grad -inf, (-inf) ** 0.5 is nan: PyTorch takes sqrt there
    power = lambda a: a**n  # noqa: E731
    assert differences(power, power, [(x,) for x in POINTS]) == []


def test_sum_is_pytorchs_bit_for_bit() -> None:
    torch = pytest.importorskip("torch")
    pairs = [(x, y) for x in POINTS for y in POINTS]
    theirs = lambda a, b: torch.stack([a, b]).sum()  # noqa: E731
    assert differences(lambda a, b: Value.sum([a, b]), theirs, pairs) == []


def test_binary_cross_entropy_is_pytorchs_bit_for_bit() -> None:
    """The value and the target's gradient are PyTorch's formula's; the gradient for p,
    where the target is 0 or 1, is that of the one clamped log left (``torch_bce``), so
    that p = 1, y = 1 gives -1 where PyTorch's formula gives 0."""
    torch = pytest.importorskip("torch")
    bce = lambda p, y: torch.nn.functional.binary_cross_entropy(p, y, reduction="none")  # noqa: E731
    cases = [(p, y) for p in PROBABILITIES for y in TARGETS]
    for xs, ours, theirs in differences(binary_cross_entropy, bce, cases):
        assert identical(ours[0], theirs[0]) and identical(ours[2], theirs[2]), xs
        assert xs[1] in (0.0, 1.0), xs
        exact = pytorch(lambda p, y: torch_bce(p, y, reduction="none"), *xs)
        assert identical(ours[1], exact[1]), (xs, ours, exact)
    one = binary_cross_entropy(p := Value(1.0), 1.0)
    one.backward()
    assert p.grad == -1.0


def _exact_bce_with_logits(z: float, y: float) -> float:
    """max(z, 0) - z y + log(1 + exp(-|z|)) in 60-digit decimals, rounded once to float64."""
    if math.isinf(z):  # the limit: a certain logit on the wrong side costs inf
        wrong = y > 0 if z < 0 else y < 1
        return inf if wrong else nan
    with localcontext() as context:
        context.prec = 60
        d, t = Decimal(z), Decimal(y)
        return float(max(d, Decimal(0)) - d * t + (1 + (-abs(d)).exp()).ln())


def test_binary_cross_entropy_with_logits_is_pytorchs_or_exact() -> None:
    """Equal to PyTorch bit for bit, except where PyTorch's arrangement loses the answer:
    there the engine gives the exact value (a confident logit's tiny loss, not 0; an
    infinite loss, not nan, for a certain logit on the wrong side)."""
    torch = pytest.importorskip("torch")
    bce = lambda z, y: torch.nn.functional.binary_cross_entropy_with_logits(  # noqa: E731
        z, y, reduction="none"
    )
    cases = [(z, y) for z in [*POINTS, -40.0, 37.0, -2.5] for y in TARGETS]
    for (z, y), ours, theirs in differences(binary_cross_entropy_with_logits, bce, cases):
        assert ours[1:] == theirs[1:], ("gradients", z, y)
        exact = _exact_bce_with_logits(z, y)
        assert identical(ours[0], exact) or ours[0] == pytest.approx(exact, rel=1e-15), (z, y)
    loss = binary_cross_entropy_with_logits(Value(-40.0), 0.0)
    assert loss.data == pytest.approx(4.248354255291589e-18, rel=1e-15)


# --- the tape's twins, bit for bit -------------------------------------------------------


def _power(n: float) -> Callable[[Value], Value]:
    return lambda a: a**n


TWIN_CASES: dict[str, tuple[Callable[..., Value], list[tuple[float, ...]]]] = {
    **{name: (ours, [(x,) for x in POINTS]) for name, (ours, _) in UNARY.items()},
    **{op: (fn, [(x, y) for x in POINTS for y in POINTS]) for op, fn in BINARY.items()},
    "sum": (lambda a, b, c: Value.sum([a, b, c]), [(x, y, 1.0) for x in POINTS for y in POINTS]),
    **{f"**{n!r}": (_power(n), [(x,) for x in POINTS]) for n in EXPONENTS},
    "bce": (binary_cross_entropy, [(p, y) for p in PROBABILITIES for y in TARGETS]),
    "bce_with_logits": (
        binary_cross_entropy_with_logits,
        [(z, y) for z in POINTS for y in TARGETS],
    ),
}


@pytest.mark.parametrize("case", TWIN_CASES)
def test_each_twin_equals_the_scalar_op_bit_for_bit(case: str) -> None:
    fn, inputs = TWIN_CASES[case]
    nodes = [fn(*(Value(x) for x in xs)) for xs in inputs]
    name, number = nodes[0].op, nodes[0].op_number
    columns = [np.array([node.inputs[j].data for node in nodes]) for j in range(len(inputs[0]))]
    with np.errstate(all="ignore"):
        value, derivatives = on_arrays(name, columns, number)
        out = np.broadcast_to(value, (len(nodes),))
    for i, node in enumerate(nodes):
        assert identical(float(out[i]), node.data), (case, inputs[i], "value")
        for j, d in enumerate(node.local_derivatives):
            twin = float(np.broadcast_to(derivatives[j], (len(nodes),))[i])
            assert identical(twin, d), (case, inputs[i], "local derivative", j)
