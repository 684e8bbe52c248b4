"""Functions of a list of Values, composed from the engine's ops (so they draw as graphs).

Both subtract the largest logit first. That changes nothing mathematically, since
softmax(z - c) = softmax(z) for any constant c, but keeps exp from overflowing:
for logits [1000, 0, -1000] every exp is of a number <= 0. The largest is an op of the
graph (``max``, passing no gradient back, as PyTorch's ``z.max().detach()``), so a tape
replaying the graph finds each sample's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from micrograd_plus.engine import Value
from micrograd_plus.ops import OPS

__all__ = ["log_softmax", "softmax"]


def _shifted(logits: Sequence[Value | float]) -> list[Value]:
    """z_i - max(z): the logits moved so that the largest is 0."""
    values = [v if isinstance(v, Value) else Value(v) for v in logits]
    if not values:
        raise ValueError("expected at least one logit, got an empty sequence")
    top = OPS["max"](*values)
    return [v - top for v in values]


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """softmax(z)_i = exp(z_i) / sum_j exp(z_j): probabilities that sum to 1."""
    exps = [z.exp() for z in _shifted(logits)]
    total = Value.sum(exps)
    return [e / total for e in exps]


def log_softmax(logits: Sequence[Value | float]) -> list[Value]:
    """log_softmax(z)_i = z_i - log(sum_j exp(z_j)), computed without overflow."""
    shifted = _shifted(logits)
    log_total = Value.sum(z.exp() for z in shifted).log()
    return [z - log_total for z in shifted]
