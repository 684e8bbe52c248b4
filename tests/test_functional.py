"""softmax and log_softmax: values, gradients, stability."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, gradcheck
from micrograd_plus.functional import log_softmax, softmax

logit_lists = st.lists(st.floats(-20, 20), min_size=1, max_size=6)


def test_softmax_by_hand() -> None:
    probs = softmax([0.0, math.log(3.0)])
    assert [p.data for p in probs] == pytest.approx([0.25, 0.75], rel=1e-12)


@given(logit_lists)
def test_softmax_sums_to_one_and_log_softmax_is_its_log(logits: list[float]) -> None:
    probs = softmax(logits)
    assert math.fsum(p.data for p in probs) == pytest.approx(1.0, rel=1e-12)
    for p, lp in zip(probs, log_softmax(logits), strict=True):
        assert lp.data == pytest.approx(math.log(p.data), rel=1e-9, abs=1e-12)


def test_extreme_logits_are_stable() -> None:
    logits = [Value(1000.0), Value(0.0), Value(-1000.0)]
    probs = softmax(logits)
    assert [p.data for p in probs] == [1.0, 0.0, 0.0]
    logs = log_softmax(logits)
    assert [lp.data for lp in logs] == [0.0, -1000.0, -2000.0]
    logs[1].backward()  # d log_softmax_1 / dz_j = [j == 1] - softmax_j
    assert [z.grad for z in logits] == pytest.approx([-1.0, 1.0, 0.0], abs=1e-300)


@given(logit_lists, st.data())
def test_gradients_match_central_differences(logits: list[float], data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(logits) - 1))
    weights = data.draw(st.lists(st.floats(-2, 2), min_size=len(logits), max_size=len(logits)))

    def weighted_softmax(*zs: Value) -> Value:
        return Value.sum(w * p for w, p in zip(weights, softmax(zs), strict=True))

    def one_log_prob(*zs: Value) -> Value:
        return log_softmax(zs)[k]

    assert gradcheck(weighted_softmax, logits, atol=1e-6)
    assert gradcheck(one_log_prob, logits, atol=1e-6)


@given(logit_lists, st.data())
def test_matches_pytorch(logits: list[float], data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    weights = data.draw(st.lists(st.floats(-2, 2), min_size=len(logits), max_size=len(logits)))
    for ours, theirs in [(softmax, torch.softmax), (log_softmax, torch.log_softmax)]:
        zs = [Value(z) for z in logits]
        out = ours(zs)
        Value.sum(w * o for w, o in zip(weights, out, strict=True)).backward()
        t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
        t_out = theirs(t, dim=0)
        (t_out * torch.tensor(weights, dtype=torch.float64)).sum().backward()
        assert [o.data for o in out] == pytest.approx(t_out.tolist(), rel=1e-9, abs=1e-12)
        assert [z.grad for z in zs] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-12)


def test_empty_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least one logit"):
        softmax([])
