"""The table of ops, tested from the table: for every entry (and for one more op added in
one entry, softplus, as the README shows), the engine's numbers equal the entry's on
floats, arrays and Values; first to third derivatives equal central differences; the
tape replays it; its text is the same in the printed program, the stepper and the
picture. Then a differential fuzzer: random graphs over every op and loss, at extreme
inputs, against PyTorch's first, second and third derivatives, by backward(), grad(),
grad(create_graph=True) and the tape."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from conftest import OP_BUILDERS, svg_texts
from hypothesis import example, given, reject, settings
from hypothesis import strategies as st
from parity import torch_bce

from micrograd_plus import Value
from micrograd_plus.arrays import ARRAYS, on_arrays
from micrograd_plus.autograd import grad, local_derivatives
from micrograd_plus.functional import log_softmax
from micrograd_plus.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge_loss,
    mae_loss,
    mse_loss,
)
from micrograd_plus.ops import FLOATS, OPS, VALUES, define
from micrograd_plus.tape import Tape
from micrograd_plus.viz import render_bytes, to_dot
from micrograd_plus.viz.passes import forward_steps

NEW = "softplus"  # the op a test adds to the table in one entry


NAMES = [*sorted(OP_BUILDERS), NEW]


@contextmanager
def making(name: str) -> Iterator[Callable[[Value, Value], Value]]:
    """How the engine makes the op ``name`` from two Values: its method; for the new op,
    softplus(a) = log(1 + exp(a)) with d/da = sigmoid(a), added in one entry (and taken
    out of the table afterwards)."""
    if name != NEW:
        yield OP_BUILDERS[name]
        return
    op = define(
        NEW,
        "softplus({a})",
        ("sigmoid({a})",),
        value=lambda m, a, n: m.log1p(m.exp(a)),
        local=lambda m, a, out, n: (m.sigmoid(a),),
    )
    try:
        yield lambda a, b: op(a)
    finally:
        del OPS[NEW]


def test_every_op_in_the_table_is_one_the_engine_makes() -> None:
    assert set(OPS) == set(OP_BUILDERS)


def _names(kit: type) -> set[str]:
    return {name for name in vars(kit) if not name.startswith("_")}


def test_the_three_kits_offer_the_same_math() -> None:
    """An op written with one kit's names runs with the others."""
    assert _names(FLOATS) == _names(ARRAYS) == _names(VALUES)
    assert {"exp", "log", "log1p", "sigmoid", "where", "maximum"} <= _names(FLOATS)


def test_a_bad_entry_is_refused_and_the_table_is_left_as_it_was() -> None:
    before = dict(OPS)
    with pytest.raises(ValueError, match="'\\+' is already in the table"):
        define("+", "{a}", ("1",), value=lambda m, a, n: a, local=lambda m, a, out, n: (1.0,))
    with pytest.raises(ValueError, match=r"has the holes \['c'\], but an op of 2 input"):
        define("f", "{a} + {c}", ("1", "1"), value=max, local=max)
    assert before == OPS
    with making(NEW) as make:
        with pytest.raises(TypeError, match="softplus takes 1 inputs, got 2"):
            OPS[NEW](Value(1.0), Value(2.0))
        assert make(Value(0.0), Value(0.0)).data == pytest.approx(math.log(2.0), rel=1e-15)


def _inputs(node: Value) -> list[float]:
    return [x.data for x in node.inputs]


def _identical(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


SMOOTH = st.floats(0.15, 0.85)  # a probability, a target, a positive base: smooth for all


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=30)
@given(a=SMOOTH, b=SMOOTH)
def test_the_engine_computes_each_entry_bit_for_bit(name: str, a: float, b: float) -> None:
    with making(name) as maker:
        _check_the_entry(maker(Value(a), Value(b)))


def _check_the_entry(node: Value) -> None:
    """The node's value and local derivatives are its entry's on floats, bit for bit, and
    on arrays and Values to rounding."""
    op, xs, n = OPS[node.op], _inputs(node), node.op_number
    value = op.value(FLOATS, *xs, n)
    assert _identical(value, node.data)
    assert all(map(_identical, op.local(FLOATS, *xs, value, n), node.local_derivatives))
    arrays, locals_ = on_arrays(node.op, [np.array([x]) for x in xs], n)
    assert float(arrays[0]) == pytest.approx(node.data, rel=1e-15)
    for array, number in zip(locals_, node.local_derivatives, strict=True):
        assert float(np.broadcast_to(array, (1,))[0]) == pytest.approx(number, rel=1e-14)
    for rule, number in zip(local_derivatives(node), node.local_derivatives, strict=True):
        assert float(rule) == pytest.approx(number, rel=1e-14)


def _derivatives(make: Callable[[Value], Value], x: float, order: int) -> list[float]:
    """d^k/dx^k of make at x for k = 0..order, by grad(create_graph=True)."""
    leaf = Value(x)
    out: Value | None = make(leaf)
    found = [out.data]  # type: ignore[union-attr]
    for _ in range(order):
        (out,) = grad(out, leaf, create_graph=True, allow_unused=True)  # type: ignore[arg-type]
        found.append(0.0 if out is None else out.data)
        if out is None:
            break
    return found + [0.0] * (order + 1 - len(found))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=15, deadline=None)
@given(a=SMOOTH, b=SMOOTH)
def test_first_to_third_derivatives_equal_central_differences(
    name: str, a: float, b: float
) -> None:
    """Each input in turn: the k-th derivative equals the central difference of the
    (k-1)-th, k = 1, 2, 3 (each order checked against the one below it)."""
    with making(name) as maker:
        if name == "max":  # softmax's shift passes no gradient: checked where it serves
            assert maker(Value(a), Value(b)).local_derivatives == (0.0, 0.0, 0.0)
            maker = _first_log_softmax
        _check_three_orders(maker, a, b)


def _first_log_softmax(a: Value, b: Value) -> Value:
    return log_softmax([a, b, Value(0.3)])[0]


def _check_three_orders(maker: Callable[[Value, Value], Value], a: float, b: float) -> None:
    k = len(maker(Value(a), Value(b)).inputs)
    for slot in range(min(k, 2)):

        def make(x: Value, slot: int = slot) -> Value:
            return maker(x, Value(b)) if slot == 0 else maker(Value(a), x)

        x0, h = (a, b)[slot], 1e-5
        at = _derivatives(make, x0, 3)
        up, down = _derivatives(make, x0 + h, 3), _derivatives(make, x0 - h, 3)
        for order in (1, 2, 3):
            central = (up[order - 1] - down[order - 1]) / (2 * h)
            assert at[order] == pytest.approx(central, rel=1e-4, abs=1e-5), (slot, order)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(SMOOTH, SMOOTH), min_size=1, max_size=5))
def test_the_tape_replays_each_op(name: str, pairs: list[tuple[float, float]]) -> None:
    with making(name) as maker:
        _check_the_tape_replays(maker, pairs)


def _check_the_tape_replays(
    maker: Callable[[Value, Value], Value], pairs: list[tuple[float, float]]
) -> None:
    tape = Tape.record(lambda a, b: maker(a, b) * 1.0 + 0.0 * (a + b), 0.5, 0.5)
    a, b = (np.array(column) for column in zip(*pairs, strict=True))
    for schedule in ("nodes", "levels"):
        out = tape.forward(a, b, schedule=schedule)
        expected = [maker(Value(x), Value(y)).data for x, y in pairs]
        np.testing.assert_allclose(out, expected, rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_its_text_is_one_in_the_program_the_stepper_and_the_picture(name: str) -> None:
    with making(name) as maker:
        x, y = Value(0.4, "x"), Value(0.6, "y")
        node = maker(x, y)
        op = OPS[node.op]
        if y in node.inputs:  # the tape's inputs are named x0 and x1
            tape = Tape.record(maker, 0.4, 0.6)
        else:
            tape = Tape.record(lambda a: maker(a, Value(0.6)), 0.4)
        text = op.text([{x: "x0", y: "x1"}[i] for i in node.inputs], node.op_number)
        assert str(tape).splitlines()[-1].split(" = ", 1)[1] == text
        assert tape.fused().splitlines()[-1] == str(tape).splitlines()[-1]
        formula = op.text([i.label for i in node.inputs], node.op_number)
        assert forward_steps(node)[-1].title.endswith(f" = {formula}")  # the stepper's text
        texts = svg_texts(render_bytes(to_dot(node).source, "svg"))
        assert op.circle(node.op_number) in texts


# --- the differential fuzzer against PyTorch ---------------------------------------------


def _torch() -> Any:
    return pytest.importorskip("torch")


def _f() -> Any:
    return _torch().nn.functional


def _sum(a: Any, b: Any) -> Any:
    return Value.sum([a, b, a]) if isinstance(a, Value) else _torch().stack([a, b, a]).sum()


# name -> (ours on Values, theirs on float64 tensors); each takes two operands. A loss of
# one sample is that sample's loss: PyTorch's reduction="none" (its mean of one -0.0 is 0.0).
FUZZ_OPS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: a**b, lambda a, b: a**b),
    "neg": (lambda a, b: -a, lambda a, b: -a),
    "sum": (_sum, _sum),
    **{
        f"**{n}": (lambda a, b, n=n: a**n, lambda a, b, n=n: a**n)
        for n in (0.0, 0.5, 2.0, 3.0, -1.0, 1.5)
    },
    "exp": (lambda a, b: a.exp(), lambda a, b: a.exp()),
    "log": (lambda a, b: a.log(), lambda a, b: a.log()),
    "tanh": (lambda a, b: a.tanh(), lambda a, b: a.tanh()),
    "sigmoid": (lambda a, b: a.sigmoid(), lambda a, b: a.sigmoid()),
    "relu": (lambda a, b: a.relu(), lambda a, b: a.relu()),
    "leaky_relu": (lambda a, b: a.leaky_relu(0.1), lambda a, b: _f().leaky_relu(a, 0.1)),
    "abs": (lambda a, b: a.abs(), lambda a, b: a.abs()),
    "mse": (lambda a, b: mse_loss(a, b), lambda a, b: _f().mse_loss(a, b, reduction="none")),
    "mae": (lambda a, b: mae_loss(a, b), lambda a, b: _f().l1_loss(a, b, reduction="none")),
    "hinge": (lambda a, b: hinge_loss(a, 1.0), lambda a, b: (1.0 - a).relu()),
    **{
        f"bce{y}": (
            lambda a, b, y=y: binary_cross_entropy(a.sigmoid(), y),
            lambda a, b, y=y: torch_bce(
                a.sigmoid(), _torch().tensor(y, dtype=a.dtype), reduction="none"
            ),
        )
        for y in (0.0, 0.3, 1.0)
    },
    # a logit in [-5, 5]: where it is infinite the engine's loss is exact and PyTorch's
    # nan (tests/test_extremes.py)
    "bce_with_logits": (
        lambda a, b: binary_cross_entropy_with_logits(a.tanh() * 5.0, 0.7),
        lambda a, b: _f().binary_cross_entropy_with_logits(
            a.tanh() * 5.0, _torch().tensor(0.7, dtype=a.dtype), reduction="none"
        ),
    ),
}
ULPS_OF_ONE = 4 * sys.float_info.epsilon
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 40.0, -40.0, 800.0, -800.0, math.inf, -math.inf]
Graph = tuple[list[float], list[tuple[str, int, int]]]


@st.composite
def graphs(draw: st.DrawFn, leaves: st.SearchStrategy[float]) -> Graph:
    numbers = draw(st.lists(leaves, min_size=1, max_size=3))
    steps = []
    for step in range(draw(st.integers(1, 6))):
        available = len(numbers) + step
        steps.append(
            (
                draw(st.sampled_from(sorted(FUZZ_OPS))),
                draw(st.integers(0, available - 1)),
                draw(st.integers(0, available - 1)),
            )
        )
    return numbers, steps


def _run(graph: Graph, leaves: list[Any], side: int) -> Any:
    nodes = list(leaves)
    for name, i, j in graph[1]:
        nodes.append(FUZZ_OPS[name][side](nodes[i], nodes[j]))
    return nodes[-1]


def _agree(ours: float, theirs: float, rtol: float, scale: float = 0.0, atol: float = 0.0) -> bool:
    """Equal to rtol of the larger, or of ``scale`` (a sum's terms, which its rounding
    errors are a fraction of), or to ``atol``; nan to nan, inf to the same inf."""
    if math.isnan(theirs) or math.isnan(ours):
        return math.isnan(theirs) and math.isnan(ours)
    if math.isinf(theirs) or math.isinf(ours):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=rtol, abs_tol=max(rtol * scale, atol, 1e-300))


def _scales(out: Value, slack: float = 0.0) -> dict[Value, float]:
    """Each node's gradient as a sum of absolute terms: the chain rule on |local| (plus
    ``slack``). Two right orders of one sum differ by a few ulps of this, not of the sum
    (which may cancel to 0, where PyTorch rounds 1/x - x/x**2 to 1e-4 and the engine to
    0). With slack 4 ulps of 1: how far a local derivative such as 1 - tanh**2 moves
    when numpy's tanh differs from C's by an ulp, carried to each input."""
    scales: dict[Value, float] = {out: 1.0}
    for node in reversed(out.topological_order()):
        for inp, local in zip(node.inputs, node.local_derivatives, strict=True):
            if local:  # as the engine: a zero passes nothing back
                term = (abs(local) + slack) * scales.get(node, 0.0)
                scales[inp] = scales.get(inp, 0.0) + term
    return scales


def _value_scale(out: Value) -> float:
    """The output's rounding scale: each node's rounding (a fraction of its size) carried
    to the output by |d out / d node|. tanh(x) - x at x = 0.008 is -1.9e-7, and an ulp of
    tanh(x) is 1e-11 of that."""
    scales = _scales(out)
    terms = (scales.get(n, 0.0) * abs(n.data) for n in out.topological_order())
    return sum(term for term in terms if math.isfinite(term))


def _multiplying_every_zero(out: Value) -> dict[Value, float]:
    """The chain rule as PyTorch runs it where it has no mask: every local derivative
    multiplied, 0 * inf = nan included (the documented difference, worked out)."""
    grads: dict[Value, float] = {out: 1.0}
    for node in reversed(out.topological_order()):
        for inp, local in zip(node.inputs, node.local_derivatives, strict=True):
            grads[inp] = grads.get(inp, 0.0) + local * grads.get(node, 0.0)
    return grads


def _torch_derivatives(graph: Graph, order: int) -> tuple[float, list[list[float]]]:
    """PyTorch: the output and, per order, d^k out / d leaf^k for each leaf."""
    torch = _torch()
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in graph[0]]
    try:
        out = _run(graph, leaves, 1)
    except RuntimeError:  # a nan probability: refused by both (the engine's ValueError)
        with pytest.raises(ValueError, match="must be a probability"):
            _run(graph, [Value(x) for x in graph[0]], 0)
        reject()
    per_order = []
    for leaf in leaves:
        found, current = [], out
        for _ in range(order):
            if not current.requires_grad:
                found.append(0.0)
                current = torch.zeros(())
                continue
            (d,) = torch.autograd.grad(current, leaf, create_graph=True, allow_unused=True)
            current = torch.zeros(()) if d is None else d
            found.append(current.item())
        per_order.append(found)
    return out.item(), per_order


def _our_derivatives(
    graph: Graph, order: int
) -> tuple[float, list[list[float]], list[list[float]]]:
    """The output and, per leaf, its derivatives of order 1..order by
    grad(create_graph=True), with each one's rounding scale (``_scales`` of the graph it
    was taken from)."""
    leaves = [Value(x) for x in graph[0]]
    out = _run(graph, leaves, 0)
    per_order, per_scale = [], []
    for leaf in leaves:
        found: list[float] = []
        scales: list[float] = []
        current: Value | None = out
        for _ in range(order):
            scales.append(_scales(current).get(leaf, 0.0))  # type: ignore[arg-type]
            (d,) = grad(current, leaf, create_graph=True, allow_unused=True)  # type: ignore[arg-type]
            found.append(0.0 if d is None else d.data)
            current = d if d is not None else Value(0.0)
        per_order.append(found)
        per_scale.append(scales)
    return out.data, per_order, per_scale


@settings(max_examples=150, deadline=None)
# no subnormal leaves: a local derivative is a number, so at b = 5e-324 the engine's
# g * (1 / b) is g * inf where PyTorch's g / b is finite (a difference README.md states)
@given(graphs(st.sampled_from(EDGES) | st.floats(-5, 5, allow_subnormal=False)))
# where PyTorch masks a zero local derivative under an infinite one: relu(x) ** 0.5 and
# log(relu(x)) at x = -1, (x * 0) ** 0 ... a zero passes nothing back, in every path
@example(graph=([-1.0], [("relu", 0, 0), ("**0.5", 1, 1)]))
@example(graph=([-1.0], [("relu", 0, 0), ("log", 1, 1)]))
@example(graph=([0.0, 2.0], [("**0.0", 0, 0), ("**-1.0", 0, 0), ("*", 2, 3)]))
# a value that cancels: |tanh(x) - x| = 1.9e-7, where an ulp of tanh(x) is 1e-11 of it
@example(graph=([0.0, 0.00823214186694976], [("tanh", 1, 0), ("*", 0, 0), ("mae", 2, 1)]))
# 1 - tanh(x)**2 at x = 9.77 keeps 8 digits: an ulp of torch's tanh moves its 8th
@example(graph=([3.125], [("*", 0, 0), ("tanh", 1, 0)]))
def test_first_derivatives_are_pytorchs_by_every_path(graph: Graph) -> None:
    """backward(), grad(), grad(create_graph=True) and the tape give PyTorch's first
    derivatives at extreme inputs (inf, 0, -0, 800, ...)."""
    value, theirs = _torch_derivatives(graph, 1)
    leaves = [Value(x) for x in graph[0]]
    out = _run(graph, leaves, 0)
    assert _agree(out.data, value, 1e-12, _value_scale(out)), ("value", out.data, value)
    out.backward()
    by_grad = grad(out, leaves, allow_unused=True)
    by_graph = [row[0] for row in _our_derivatives(graph, 1)[1]]
    unmasked, scales = _multiplying_every_zero(out), _scales(out)
    slack = _scales(out, ULPS_OF_ONE)  # torch's and numpy's tanh may differ from C's by an ulp
    tolerance = {v: slack[v] - scales[v] for v in scales}
    for leaf, numbers, g, g2 in zip(leaves, theirs, by_grad, by_graph, strict=True):
        scale = scales.get(leaf, 0.0)
        if math.isnan(numbers[0]) and not math.isnan(leaf.grad):
            # PyTorch multiplied a zero by inf or nan: so does the unmasked chain rule
            assert math.isnan(unmasked.get(leaf, 0.0)), (leaf.grad, unmasked.get(leaf))
        else:
            near = _agree(leaf.grad, numbers[0], 1e-9, scale, tolerance.get(leaf, 0.0))
            assert near, ("backward", leaf.grad, numbers[0])
        assert _identical(0.0 if g is None else g.data, leaf.grad) or leaf.grad == 0.0
        # create_graph multiplies a local derivative that is a Value at 0 (so that higher
        # derivatives keep its term): where PyTorch's 0 * inf is nan, so is it
        same = _identical(g2, leaf.grad) or _agree(g2, leaf.grad, 1e-12, scale)
        assert same or (math.isnan(g2) and math.isnan(numbers[0])), (g2, leaf.grad)
    _check_the_tape(graph, leaves, tolerance)


def _check_the_tape(graph: Graph, leaves: list[Value], tolerance: dict[Value, float]) -> None:
    """The tape's reference replay (nodes) and levels give backward()'s numbers, to the
    rounding ``tolerance`` of each leaf's gradient."""
    for schedule in ("nodes", "levels"):
        copies = [Value(leaf.data) for leaf in leaves]
        tape = Tape.record(lambda x, copies=copies: _run(graph, copies, 0) + 0.0 * x, 0.0)
        with np.errstate(all="ignore"):
            tape.forward(np.zeros(1), schedule=schedule)
            tape.backward(reduction="sum")
        for copy, leaf in zip(copies, leaves, strict=True):
            same = _agree(copy.grad, leaf.grad, 1e-12, atol=tolerance.get(leaf, 0.0))
            assert _identical(copy.grad, leaf.grad) or same, (schedule, copy.grad, leaf.grad)


@settings(max_examples=60, deadline=None)
@given(graphs(st.integers(-2500, 2500).map(lambda k: k / 1000)))
@example(  # sigmoid(z) - y cancels to 5e-7 in bce_with_logits: an ulp of sigmoid is 1e-9 of it
    graph=([1.686, 0.0], [("**3.0", 0, 0), ("sum", 2, 1), ("bce_with_logits", 3, 0)])
)
def test_second_and_third_derivatives_are_pytorchs(graph: Graph) -> None:
    """Equal to PyTorch's, or closer than PyTorch's to the central difference of the order
    below (PyTorch's double backward of BCE after a saturated sigmoid loses digits: 10.08405
    where the exact second derivative is 10.08447745, as here)."""
    value, theirs = _torch_derivatives(graph, 3)
    ours_value, ours, sizes = _our_derivatives(graph, 3)
    leaves = [Value(x) for x in graph[0]]
    out = _run(graph, leaves, 0)
    assert _agree(ours_value, value, 1e-12, _value_scale(out))
    scales, slack = _scales(out), _scales(out, ULPS_OF_ONE)  # an ulp of torch's sigmoid, tanh
    ulps = [slack.get(leaf, 0.0) - scales.get(leaf, 0.0) for leaf in leaves]
    if math.isnan(value):
        return  # a nan output: no derivative to compare
    for i, (mine, torch_numbers, scale) in enumerate(zip(ours, theirs, sizes, strict=True)):
        for order, (a, b, s) in enumerate(zip(mine, torch_numbers, scale, strict=True), 1):
            if math.isnan(b) and not math.isnan(a):
                break  # a zero's mask, as in the first-order test: the orders above follow it
            if order == 1 and _agree(a, b, 1e-9, s, ulps[i]):
                continue
            if not _agree(a, b, 1e-6 if order > 1 else 1e-9, s):
                central = _central_difference(graph, i, order)
                assert abs(a - central) < abs(b - central), (order, a, b, central)


def _central_difference(graph: Graph, leaf: int, order: int) -> float:
    """d/dx of our derivative of order - 1 at leaf ``leaf``, by central differences."""
    x = graph[0][leaf]
    h = 1e-6 * max(1.0, abs(x))

    def below(at: float) -> float:
        numbers = [*graph[0][:leaf], at, *graph[0][leaf + 1 :]]
        found = _our_derivatives((numbers, graph[1]), order)
        return found[0] if order == 1 else found[1][leaf][order - 2]

    return (below(x + h) - below(x - h)) / (2 * h)


def test_a_subnormal_divisor_overflows_its_local_derivative_as_the_readme_says() -> None:
    a, b = Value(2.0), Value(5e-324)
    ((a / b) * 5e-324).backward()
    assert a.grad == math.inf  # g * (1 / b), with 1 / b = inf; PyTorch's g / b gives 1.0


def test_a_sum_of_many_terms_writes_every_term() -> None:
    names = [f"t{i}" for i in range(40)]  # past 13 inputs, one hole was {n}: the number
    assert OPS["sum"].text(names) == " + ".join(names)
    assert OPS["max"].text(names) == f"max({', '.join(names)})"
