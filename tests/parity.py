"""The one PyTorch parity helper (early tinygrad's ``helper_test_op``): the same function
in micrograd_plus and in PyTorch (float64), forward value and every gradient compared in
one place, with the tolerances stated once. Tests that use it skip without torch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from micrograd_plus import Value

# One op: as exact as float64 allows. Composed graphs (losses, networks) may round in
# another order than PyTorch, hence the promise of DESIGN.md: equal to 1e-9.
RTOL_OP = 1e-12
RTOL = 1e-9
ATOL = 1e-12

Nested = float | list[Any]


def same(ours: float, theirs: float, rtol: float = RTOL) -> bool:
    """Equal to ``rtol``; nan where PyTorch has nan, the same inf where it has inf."""
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return bool(ours == pytest.approx(theirs, rel=rtol, abs=ATOL if rtol >= RTOL else 1e-300))


def _values(x: Nested) -> Any:
    return [_values(item) for item in x] if isinstance(x, list) else Value(float(x))


def _flat(x: Any) -> list[Any]:
    return [leaf for item in x for leaf in _flat(item)] if isinstance(x, list) else [x]


def assert_matches_torch(
    ours: Callable[..., Value],
    theirs: Callable[..., Any],
    *inputs: Nested,
    rtol: float = RTOL,
) -> None:
    """Call ``ours`` on Values and ``theirs`` on float64 tensors made from the same
    ``inputs`` (numbers, or nested lists of them); compare the output and each input's
    gradient. Targets and other constants go in the two functions' closures."""
    torch = pytest.importorskip("torch")
    values = [_values(x) for x in inputs]
    out = ours(*values)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    t_out = theirs(*tensors)
    if t_out.requires_grad:
        t_out.backward()
    assert same(out.data, t_out.item(), rtol), ("value", inputs, out.data, t_out.item())
    for v, t in zip(values, tensors, strict=True):
        grads = [0.0] * t.numel() if t.grad is None else t.grad.flatten().tolist()
        for leaf, theirs_grad in zip(_flat(v), grads, strict=True):
            assert same(leaf.grad, theirs_grad, rtol), ("grad", inputs, leaf.grad, theirs_grad)


def torch_bce(p: Any, y: Any, reduction: str = "mean") -> Any:
    """PyTorch's binary cross-entropy (its value and its gradient for the targets), whose
    gradient for p leaves out a term of weight 0 as micrograd_plus does: where y is 0 or
    1, d/dp is that of the one clamped log left, -clamp(log p, -100) or
    -clamp(log(1 - p), -100), by PyTorch's autograd; elsewhere PyTorch's own."""
    torch = pytest.importorskip("torch")
    terms = []
    for p_i, y_i in zip(p.reshape(-1), y.reshape(-1), strict=True):
        formula = torch.nn.functional.binary_cross_entropy(p_i, y_i, reduction="none")
        if y_i.item() not in (0.0, 1.0):
            terms.append(formula)
            continue
        log = torch.log(p_i) if y_i.item() == 1 else torch.log1p(-p_i)
        # clamped: flat, so d/dp = 0, a zero that flows on as a zero (through log's
        # infinite derivative PyTorch would get 0 * inf = nan)
        flat = p_i * 0.0 + 100.0
        alone = -torch.clamp(log, min=-100.0) if log.item() > -100 else flat
        kept = torch.nn.functional.binary_cross_entropy(p_i.detach(), y_i, reduction="none")
        terms.append(kept - (alone.detach() - alone))  # kept's value, bit for bit
    losses = torch.stack(terms).reshape(p.shape)
    return losses if reduction == "none" else getattr(losses, reduction)()
