"""The tape: each op's numpy twin equals the scalar op; a replayed batch gives the scalar
engine's loss and gradients; the fast schedule equals the per-node reference; misuse is a
clear error."""

from __future__ import annotations

import copy
import gc
import itertools
import math
import random
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import OP_BUILDERS
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import HARD

from micrograd_plus import Value, no_grad
from micrograd_plus.arrays import on_arrays
from micrograd_plus.datasets import make_blobs, make_moons, make_sine
from micrograd_plus.functional import log_softmax, softmax
from micrograd_plus.losses import binary_cross_entropy_with_logits, cross_entropy
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.parameters import Parameter, Store
from micrograd_plus.tape import Tape
from micrograd_plus.training import ModelTape, loss_function, loss_targets, outputs, train

# --- the twins ------------------------------------------------------------------------

SCALAR = OP_BUILDERS  # the engine's ops, and the losses' ops the tape replays too


def _same(ours: np.ndarray, theirs: list[float], atol: float = 1e-300) -> bool:
    ours = np.broadcast_to(np.asarray(ours, dtype=np.float64), (len(theirs),))
    return bool(np.allclose(ours, theirs, rtol=1e-12, atol=atol, equal_nan=True))


# numpy's tanh and exp may differ from the C library's by one unit in the last place;
# 1 - tanh(x)**2 and s * (1 - s) then differ by that much of 1 (about 2e-16), however
# small the derivative: local derivatives are compared to that absolute tolerance too.
ULPS_OF_ONE = 4 * np.finfo(np.float64).eps


@given(
    st.sampled_from(sorted(SCALAR)),
    st.lists(st.tuples(HARD, HARD), min_size=1, max_size=6),
)
def test_each_twin_equals_the_scalar_op_element_wise(
    op: str, pairs: list[tuple[float, float]]
) -> None:
    if op in ("bce", "bce_with_logits"):  # a target is in [0, 1]; a probability too
        pairs = [(a, abs(math.tanh(b)) if math.isfinite(b) else 0.5) for a, b in pairs]
        if op == "bce":
            pairs = [((math.tanh(a) + 1) / 2 if not math.isnan(a) else 0.5, b) for a, b in pairs]
    nodes = [SCALAR[op](Value(a), Value(b)) for a, b in pairs]
    name, number = nodes[0].op, nodes[0].op_number
    assert name == op
    k = len(nodes[0].inputs)
    xs = [np.array([n.inputs[j].data for n in nodes]) for j in range(k)]
    with np.errstate(all="ignore"):  # inf and nan, as the tape replays them
        out, derivatives = on_arrays(op, xs, number)
    assert _same(out, [n.data for n in nodes]), (op, pairs)
    for j in range(k):
        expected = [n.local_derivatives[j] for n in nodes]
        assert _same(derivatives[j], expected, atol=ULPS_OF_ONE), (op, j, pairs)


# --- replay equals the scalar engine ---------------------------------------------------

LOSSES = ["mse", "mae", "bce", "bce_with_logits", "hinge", "cross_entropy"]


def _case(loss: str, activation: str, seed: int) -> tuple[MLP, np.ndarray, np.ndarray, str]:
    """A model, data and the loss name ``train`` takes for it."""
    if loss in ("mse", "mae"):
        X, y = make_sine(24, seed=seed)
        return MLP(1, [5, 4, 1], activation=activation, seed=seed), X, y, loss
    if loss == "cross_entropy":
        X, y = make_blobs(24, n_classes=3, seed=seed)
        return MLP(2, [5, 3], activation=activation, seed=seed), X, y, loss
    X, y = make_moons(24, noise=0.2, seed=seed)
    output = "sigmoid" if loss == "bce" else None
    model = MLP(2, [5, 4, 1], activation=activation, output_activation=output, seed=seed)
    return model, X, y, "bce" if loss == "bce_with_logits" else loss


def _scalar_grads(model: MLP, X: np.ndarray, y: np.ndarray, loss: str) -> tuple[float, list[float]]:
    model = copy.deepcopy(model)
    model.zero_grad()
    targets = loss_targets(loss, y)
    value = loss_function(model, loss)([model(x) for x in X], targets)
    value.backward()
    return value.data, [p.grad for p in model.parameters()]


def _close_to(ours: list[float], theirs: list[float]) -> None:
    """Equal to 1e-10, relative to each gradient or, where one nearly cancels, to the
    largest: the tape sums in another order than the engine's exact fsum."""
    scale = max(abs(g) for g in theirs) or 1.0
    for a, b in zip(ours, theirs, strict=True):
        assert abs(a - b) <= 1e-10 * max(abs(b), scale * 1e-3) + 1e-300, (a, b)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_a_replayed_batch_gives_the_scalar_engines_loss_and_gradients(
    loss: str, activation: str
) -> None:
    model, X, y, name = _case(loss, activation, seed=3)
    expected_loss, expected = _scalar_grads(model, X, y, name)
    tape = ModelTape(model, name)
    for schedule in ("fused", "levels", "nodes"):
        model.zero_grad()
        losses = tape.forward(X, loss_targets(name, y), schedule=schedule)
        tape.backward("mean")
        assert float(np.mean(losses)) == pytest.approx(expected_loss, rel=1e-10)
        _close_to([p.grad for p in model.parameters()], expected)


def test_the_level_schedule_equals_the_per_node_reference_on_every_node() -> None:
    model, X, y, _ = _case("cross_entropy", "relu", seed=1)
    tape = ModelTape(model, "cross_entropy")
    tape.forward(X, y, schedule="nodes")
    reference = tape.tape._values.copy()  # type: ignore[union-attr]
    tape.forward(X, y, schedule="levels")
    assert np.allclose(tape.tape._values, reference, rtol=1e-13, atol=0)  # type: ignore[arg-type]


def test_sum_reduction_and_accumulation_like_the_engine() -> None:
    model, X, y, _ = _case("bce", "tanh", seed=0)
    tape = ModelTape(model, "bce")
    model.zero_grad()
    tape.forward(X, y)
    tape.backward("sum")
    summed = [p.grad for p in model.parameters()]
    tape.backward("mean")  # a second backward adds, as leaves accumulate in the engine
    mean_plus_sum = [p.grad for p in model.parameters()]
    for s, both in zip(summed, mean_plus_sum):
        assert both == pytest.approx(s + s / len(X), rel=1e-12, abs=1e-15)


def test_the_optimizers_updates_are_seen_at_the_next_replay() -> None:
    model, X, y, _ = _case("mse", "tanh", seed=0)
    tape = ModelTape(model, "mse")
    before = tape.forward(X, y)
    for p in model.parameters():
        p.data *= 0.5
    after = tape.forward(X, y)
    assert not np.allclose(before, after)
    assert float(np.mean(after)) == pytest.approx(_scalar_grads(model, X, y, "mse")[0], rel=1e-10)


def test_training_with_the_tape_follows_the_scalar_engine_step_for_step() -> None:
    X, y = make_moons(30, noise=0.2, seed=0)
    runs = []
    for engine in ("scalar", "tape"):
        model = MLP(2, [6, 1], seed=0)
        history = train(model, X, y, loss="hinge", steps=5, l2=1e-3, engine=engine)
        runs.append((history, model.state_dict()))
    (h1, s1), (h2, s2) = runs
    assert h2.loss == pytest.approx(h1.loss, rel=1e-10)
    assert h2.accuracy == h1.accuracy
    assert list(s2.values()) == pytest.approx(list(s1.values()), rel=1e-9)


def test_outputs_on_a_grid_equal_the_scalar_models() -> None:
    model = MLP(2, [8, 3], seed=0)
    grid = np.random.default_rng(0).normal(size=(50, 2))
    assert np.allclose(outputs(model, grid, "tape"), outputs(model, grid), rtol=1e-12)


def test_outputs_replay_in_chunks_sized_by_the_numbers_the_replay_keeps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = MLP(2, [8, 8, 3], seed=0)
    tape = Tape.record(model, [0.0, 0.0])
    # fused, a layer keeps its sums, activations and their derivatives, not its products
    assert tape.numbers_per_sample < tape.size / 2
    grid = np.random.default_rng(1).normal(size=(50, 2))
    whole = outputs(model, grid, "tape")
    sizes: list[int] = []
    replay = Tape._replay

    def counted(self: Tape, columns: np.ndarray) -> None:
        sizes.append(len(columns))
        replay(self, columns)

    monkeypatch.setattr(Tape, "_replay", counted)
    monkeypatch.setattr("micrograd_plus.tape.REPLAY_BYTES", 8 * tape.numbers_per_sample * 7)
    chunked = outputs(model, grid, "tape")
    assert sizes == [7] * 7 + [1]
    assert np.array_equal(chunked, whole)


@pytest.mark.parametrize("schedule", ["fused", "levels"])
def test_a_batch_in_chunks_gives_the_gradients_of_the_whole(
    schedule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, X, y, name = _case("cross_entropy", "tanh", seed=5)
    tape = ModelTape(model, name)
    model.zero_grad()
    losses = tape.forward(X, y, schedule=schedule)
    tape.backward()
    grads, scores = [p.grad for p in model.parameters()], tape.outputs()
    per_sample = tape.tape._numbers_per_sample(schedule)
    monkeypatch.setattr("micrograd_plus.tape.REPLAY_BYTES", 8 * per_sample * 5)
    model.zero_grad()
    assert np.allclose(tape.forward(X, y, schedule=schedule), losses, rtol=1e-13)
    assert len(tape.tape._parts) == 5  # 24 samples: 5, 5, 5, 5, 4
    tape.backward()
    _close_to([p.grad for p in model.parameters()], grads)
    assert np.allclose(tape.outputs(), scores, rtol=1e-13)


# --- the program and its errors ---------------------------------------------------------


def test_the_tape_prints_its_program() -> None:
    tape = ModelTape(MLP(2, [1], seed=0), "mse")
    lines = str(tape).splitlines()
    assert lines[0] == "v1 = L1.N1.w0 * x0"
    assert lines[2] == "v3 = v1 + v2 + L1.N1.b"
    assert lines[-1].startswith("v") and " ** 2" in lines[-1]
    assert repr(tape) == "ModelTape(Tape(5 ops, 3 inputs, 3 parameters))"


def test_an_input_that_does_not_reach_the_output_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"input 1 \(x1\) does not reach the output"):
        Tape.record(lambda a, b: a * 2.0, 1.0, 2.0)


def _softmax_as_microgpt_writes_it(logits: list[Value]) -> list[Value]:
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _branch_on_data(x: Value) -> Value:
    return x * 2 if x.data > 0 else x.exp()


def _branch_on_a_comparison(x: Value) -> Value:
    return x * 2 if x > 0 else x.exp()


def _truth_test(x: Value) -> Value:
    return x * 2 if x else x.exp()


def _float(x: Value) -> Value:
    return x * float(x)


def _pythons_max(xs: list[Value]) -> Value:
    return max(xs) * 2


def _a_weight_read(x: Value) -> Value:
    w = Parameter(Store([0.5]), 0, "w")
    return x * w + w.data


@pytest.mark.parametrize(
    ("fn", "example", "how"),
    [
        (_softmax_as_microgpt_writes_it, [1.0, 2.0], ".data"),
        (_branch_on_data, 1.0, ".data"),
        (_branch_on_a_comparison, 1.0, "a comparison"),
        (_truth_test, 1.0, "a truth test"),
        (_float, 1.0, "float()"),
        (_pythons_max, [1.0, 2.0], "a comparison"),
        (_a_weight_read, 1.0, ".data"),
    ],
)
def test_a_function_that_reads_a_number_is_refused_at_recording_naming_its_line(
    fn: Callable[..., Any], example: Any, how: str
) -> None:
    line = fn.__code__.co_firstlineno + 1 + (fn is _a_weight_read)
    kept = {name: vars(Value)[name] for name in ("data", "__bool__", "__gt__", "__float__")}
    with pytest.raises(ValueError, match="reads a Value's number") as refused:
        Tape.record(fn, example)
    where = f"{__file__}:{line}: {how}"
    assert where in str(refused.value), str(refused.value)
    assert {name: vars(Value)[name] for name in kept} == kept  # the class as it was
    assert vars(Parameter)["data"].fget.__qualname__ == "Parameter.data"


def test_the_librarys_own_reads_and_other_threads_reads_pass() -> None:
    seen: list[object] = []

    def fn(logits: list[Value]) -> Value:
        reader = threading.Thread(target=lambda: seen.append(logits[0].data > 0))
        reader.start()
        reader.join()  # another thread's read is not this function's
        seen.append(repr(logits[0]))  # repr reads the number: shown, not computed with
        return log_softmax(logits)[0]  # softmax reads the largest logit, as an op

    tape = Tape.record(fn, [1.0, 2.0])
    assert seen == [True, "Value(data=1.0, grad=0.0, label='x0')"]
    rows = np.array([[0.0, 1000.0], [3.0, -1.0]])
    want = [log_softmax([Value(a), Value(b)])[0].data for a, b in rows]
    np.testing.assert_allclose(tape.forward(rows), want, rtol=1e-15)


def test_a_random_number_drawn_at_each_call_is_caught_at_the_first_forward(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws = random.Random(0)
    tape = Tape.record(lambda x: x * 2 + draws.random(), 1.0)
    with pytest.raises(ValueError, match=r"sample 0: the tape gives .*a random number"):
        tape.forward(np.array([0.0, 1.0]))
    monkeypatch.setattr("micrograd_plus.tape.CHECK_VALUES", 4)  # as if it were huge
    unchecked = Tape.record(lambda x: x * 2 + draws.random(), 1.0)  # 5 Values
    unchecked.forward(np.array([0.0, 1.0]))  # not recorded a second time: not caught


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ((np.zeros((4, 3)), np.zeros(4)), r"argument 0 must have shape \(batch, 2\)"),
        ((np.zeros((4, 2)), np.zeros(3)), "argument 1 has 3 samples, argument 0 has 4"),
        ((np.zeros((4, 2)),), "this tape takes 2 arrays, got 1"),
        ((np.zeros((0, 2)), np.zeros(0)), "the batch is empty"),
    ],
)
def test_wrong_arrays_are_clear_errors(arrays: tuple[Any, ...], message: str) -> None:
    tape = ModelTape(MLP(2, [1], seed=0), "mse")
    with pytest.raises(ValueError, match=message):
        tape.forward(*arrays)


def test_backward_needs_a_forward_and_one_output() -> None:
    tape = ModelTape(MLP(2, [1], seed=0), "mse")
    with pytest.raises(RuntimeError, match="forward pass first"):
        tape.backward()
    model = MLP(2, [2], seed=0)
    multi = Tape.record(model, [0.0, 0.0])
    multi.forward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"returned 2 Values: say which .*backward\(output=i\)"):
        multi.backward()
    with pytest.raises(ValueError, match=r"output must be in 0..1, got 2"):
        multi.backward(output=2)
    multi.backward(output=1)  # the second neuron's output: only its weights get gradients
    assert [p.grad != 0 for p in model.parameters()] == [False] * 3 + [True] * 3
    with pytest.raises(ValueError, match="reduction must be"):
        tape.forward(np.zeros((3, 2)), np.zeros(3))
        tape.backward("avg")


def test_an_op_without_a_twin_is_named() -> None:
    from micrograd_plus import op_result

    with pytest.raises(ValueError, match=r"the op .sin. is not in the table of ops"):
        Tape.record(lambda x: op_result(math.sin(x.data), "sin", (x,), (math.cos(x.data),)), 1.0)


def test_extremes_replay_as_ieee_without_warnings() -> None:
    tape = Tape.record(lambda x: [(x * 1000).exp(), (x - 1).log()], 1.0)
    with np.errstate(all="raise"):
        out = tape.forward(np.array([1.0, 2.0, 0.0]))
    assert out[:, 0].tolist()[:2] == [math.inf, math.inf] and out[2, 0] == 1.0
    assert out[0, 1] == -math.inf and out[1, 1] == 0.0 and math.isnan(out[2, 1])


def test_a_layer_with_cross_entropy_records_one_hot_targets_of_its_width() -> None:
    from micrograd_plus.nn import Layer

    layer = Layer(2, 3, activation=None, seed=0)
    X, y = make_blobs(12, n_classes=3, seed=0)
    expected_loss, expected = _scalar_grads(layer, X, y, "cross_entropy")  # type: ignore[arg-type]
    tape = ModelTape(layer, "cross_entropy")
    layer.zero_grad()
    assert float(np.mean(tape.forward(X, y))) == pytest.approx(expected_loss, rel=1e-10)
    tape.backward()
    _close_to([p.grad for p in layer.parameters()], expected)


def test_a_tape_records_and_replays_inside_no_grad() -> None:
    model = MLP(2, [3, 1], seed=0)
    X, y = make_moons(20, seed=0)
    with no_grad():
        tape = ModelTape(model, "bce")
        losses = tape.forward(X, y)
    expected = [binary_cross_entropy_with_logits(model(x), t).data for x, t in zip(X, y)]
    assert np.allclose(losses, expected, rtol=1e-12)


@pytest.mark.parametrize("make", [lambda a: a**math.nan, lambda a: a.leaky_relu(math.nan)])
def test_an_op_carrying_nan_replays_on_the_level_schedule(make: Callable[[Value], Value]) -> None:
    tape = Tape.record(lambda a, b: make(a) + make(b), 1.0, 2.0)
    a, b = np.array([1.0, -1.0]), np.array([0.5, -3.0])
    levels = tape.forward(a, b)
    nodes = tape.forward(a, b, schedule="nodes")
    scalar = [(make(Value(x)) + make(Value(z))).data for x, z in zip(a, b)]
    assert np.array_equal(levels, scalar, equal_nan=True)
    assert np.array_equal(nodes, scalar, equal_nan=True)


def test_the_fused_printout_writes_every_op_as_the_program_does() -> None:
    def every_op(x: list[Value], y: Value) -> Value:
        h = (x[0] * 0.5 + x[1] / 3 - y).leaky_relu(0.2) ** 3
        g = (-h).exp() + h.abs().log() + h.tanh() * h.sigmoid() + (1 - y * h).relu()
        return g**0.5 + 2**y

    tape = Tape.record(every_op, [1.0, 2.0], 0.5)
    assert tape.fused() == str(tape)  # no layer here: line for line the same text
    assert "leaky_relu(v4, 0.2)" in str(tape) and " ** 3" in str(tape)
    for loss, tail in [
        ("mse", ["v17 = h2[0] - y", "v18 = v17 ** 2"]),
        ("mae", ["v17 = h2[0] - y", "v18 = abs(v17)"]),
        ("hinge", ["v17 = y * h2[0]", "v18 = 1.0 - v17", "v19 = relu(v18)"]),
    ]:
        model = MLP(2, [3, 1], activation="leaky_relu", seed=0)
        lines = ModelTape(model, loss).tape.fused().splitlines()
        assert lines[0] == "h1 = leaky_relu(x @ L1.W.T + L1.b, 0.01)"  # the slope kept
        assert lines[2:] == tail


def test_the_fused_program_reads_as_matrix_products() -> None:
    tape = ModelTape(MLP(2, [16, 16, 1], seed=0), "bce")
    lines = tape.tape.fused().splitlines()
    assert lines[:3] == [
        "h1 = relu(x @ L1.W.T + L1.b)",
        "h2 = relu(h1 @ L2.W.T + L2.b)",
        "h3 = h2 @ L3.W.T + L3.b",
    ]
    assert len(lines) == 4 and lines[3].endswith(" = bce_with_logits(h3[0], y)")
    assert tape.tape._default == "fused"  # a model's tape replays fused by default
    matrices = tape.tape._fused.matrices.values()  # W and b read in place: views, no copies
    assert len(matrices) == 3 and all(m.views is not None for pair in matrices for m in pair)
    plain = Tape.record(lambda a, b: (a * b).tanh(), 1.0, 2.0)
    assert plain._default == "levels"  # no layer: nothing to fuse


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_fused_and_unfused_replays_equal_on_every_node(activation: str) -> None:
    model, X, y, _ = _case("cross_entropy", activation, seed=2)
    tape = ModelTape(model, "cross_entropy")
    tape.forward(X, y, schedule="nodes")
    reference = tape.tape._values
    assert reference is not None
    tape.forward(X, y, schedule="fused")
    fused = tape.tape._fused
    kept = sorted(fused.place)  # every row it computes: all but the products in layers
    assert len(kept) < tape.tape.size / 2  # far fewer rows than the scalar program
    assert np.allclose(fused.rows(kept).T, reference[kept], rtol=1e-12, atol=1e-15)


def _hand_layer(shared: bool) -> tuple[Callable[..., Value], list[Value]]:
    """Two tanh neurons over three inputs from Values made by hand (not a model's
    Parameters), the second neuron's first weight the first's when ``shared``, and a
    loss over their outputs; and its leaves."""
    w = [[Value(0.1 * (i + 1) * (-1) ** j, f"w{i}{j}") for j in range(3)] for i in range(2)]
    if shared:
        w[1][0] = w[0][0]
    b = [Value(0.3, "b0"), Value(-0.2, "b1")]

    def fn(x: list[Value], y: Value) -> Value:
        h = [Value.sum([*(wi * xi for wi, xi in zip(row, x)), bi]).tanh() for row, bi in zip(w, b)]
        return (h[0] * h[1] - y) ** 2

    return fn, list(dict.fromkeys([v for row in w for v in row] + b))


@pytest.mark.parametrize("shared", [False, True])
def test_a_layer_of_values_made_by_hand_replays_fused_as_the_engine(shared: bool) -> None:
    fn, leaves = _hand_layer(shared)
    X = np.random.default_rng(0).normal(size=(7, 3))
    y = np.linspace(-1, 1, 7)
    for leaf in leaves:
        leaf.grad = 0.0
    expected = []
    for x, t in zip(X, y):
        out = fn([Value(float(v)) for v in x], Value(float(t)))
        out.backward()
        expected.append(out.data)
    grads = [leaf.grad / len(X) for leaf in leaves]
    tape = Tape.record(fn, [0.0] * 3, 0.0)
    # shared, the two sums are no one matrix: replayed one node at a time, as levels
    assert tape._default == ("levels" if shared else "fused")
    assert ("@" in tape.fused()) is not shared
    for leaf in leaves:
        leaf.grad = 0.0
    assert np.allclose(tape.forward(X, y), expected, rtol=1e-12)
    tape.backward()
    _close_to([leaf.grad for leaf in leaves], grads)


def test_the_fused_backward_uses_the_weights_of_its_forward() -> None:
    model, X, y, name = _case("bce_with_logits", "tanh", seed=4)
    _, expected = _scalar_grads(model, X, y, name)
    tape = ModelTape(model, name)
    model.zero_grad()
    tape.forward(X, y)
    for p in model.parameters():  # as an optimizer step between them would
        p.data += 1.0
    tape.backward()  # the chain rule at the forward's weights, as the engine records them
    _close_to([p.grad for p in model.parameters()], expected)


def test_a_product_inside_a_fused_layer_cannot_be_an_output() -> None:
    model = MLP(2, [3, 1], seed=0)

    def out_and_a_product(x: list[Value]) -> list[Value]:
        out = model(x)
        assert isinstance(out, Value)
        return [out, next(node for node in out.topological_order() if node.op == "*")]

    tape = Tape.record(out_and_a_product, [0.0, 0.0])
    with pytest.raises(
        ValueError, match=r"does not compute row \d+ \(a product or a partial sum inside"
    ):
        tape.forward(np.zeros((4, 2)))
    assert tape.forward(np.zeros((4, 2)), schedule="levels").shape == (4, 2)


@pytest.mark.parametrize(
    ("loss", "y", "message"),
    [
        ("cross_entropy", [0, 1, -1], r"cross_entropy: target 2 must be a class index 0..2"),
        ("cross_entropy", [0, 1.5, 2], r"target 1 must be a class index 0..2, got 1.5"),
        ("cross_entropy", [0, 3, 2], r"target 1 must be a class index 0..2, got 3"),
        ("bce", [0.0, 1.2, 1.0], r"bce: target 1 must be a target in \[0, 1\], got 1.2"),
        ("bce", [0.0, np.nan, 1.0], r"bce: target 1 must be a target in \[0, 1\]"),
        ("hinge", [1, 0, -1], r"hinge: target 1 must be -1 or \+1, got 0"),
        ("bce", ["a", "b", "c"], "targets must be real numbers"),
    ],
)
def test_the_tape_refuses_the_targets_the_scalar_losses_refuse(
    loss: str, y: list[Any], message: str
) -> None:
    outputs = 3 if loss == "cross_entropy" else 1
    tape = ModelTape(MLP(2, [outputs], seed=0), loss)
    with pytest.raises(ValueError, match=message):
        tape.forward(np.zeros((3, 2)), np.array(y))


def test_the_tape_refuses_arrays_that_are_not_real_numbers() -> None:
    tape = Tape.record(lambda a: a * 2, 1.0)
    with pytest.raises(ValueError, match="argument 0 must hold real numbers, got complex128"):
        tape.forward(np.array([1 + 2j, 3.0]))
    with pytest.raises(ValueError, match="argument 0 must hold real numbers, got object"):
        tape.forward(np.array([1.0, None], dtype=object))


# --- the fused step against independent oracles -----------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    nin=st.integers(1, 3),
    widths=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]),
    loss=st.sampled_from(LOSSES),
    batch=st.integers(1, 12),
    chunk=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_random_networks_replay_fused_and_in_chunks_as_the_reference(
    nin: int,
    widths: list[int],
    activation: str,
    loss: str,
    batch: int,
    chunk: int,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    classes = 3 if loss == "cross_entropy" else 1
    output = "sigmoid" if loss == "bce" else None
    model = MLP(nin, [*widths, classes], activation, output, seed=seed)
    name = "bce" if loss == "bce_with_logits" else loss
    X = rng.normal(size=(batch, nin))
    y = {
        "cross_entropy": rng.integers(0, 3, batch),
        "hinge": rng.choice([-1.0, 1.0], batch),
        "mse": rng.normal(size=batch),
        "mae": rng.normal(size=batch),
    }.get(loss, rng.integers(0, 2, batch).astype(float))
    tape = ModelTape(model, name)
    results = []
    for schedule, chunk_bytes in [("nodes", 2**30), ("fused", 2**30), ("fused", None)]:
        per_sample = tape.tape._numbers_per_sample(schedule)
        size = 8 * per_sample * chunk if chunk_bytes is None else chunk_bytes
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("micrograd_plus.tape.REPLAY_BYTES", size)
            model.zero_grad()
            losses = tape.forward(X, y, schedule=schedule)
            tape.backward()
            results.append((losses, [p.grad for p in model.parameters()], tape.outputs()))
    (losses, grads, scores), *others = results
    for ours, our_grads, our_scores in others:
        assert np.allclose(ours, losses, rtol=1e-11, atol=1e-13)
        assert np.allclose(our_scores, scores, rtol=1e-11, atol=1e-13)
        _close_to(our_grads, grads)


def test_the_fused_gradient_is_the_slope_of_the_mean_loss() -> None:
    model, X, y, name = _case("cross_entropy", "tanh", seed=6)
    tape = ModelTape(model, name)
    model.zero_grad()
    tape.forward(X, y)
    tape.backward()
    store = model.parameters()[0].store  # type: ignore[attr-defined]
    h = 1e-6
    for i in range(0, len(store), 7):
        kept = store.data[i]
        store.data[i] = kept + h
        up = float(np.mean(tape.forward(X, y)))
        store.data[i] = kept - h
        down = float(np.mean(tape.forward(X, y)))
        store.data[i] = kept
        assert store.grad[i] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


def test_a_fused_adam_step_is_torchs() -> None:
    torch = pytest.importorskip("torch")
    model, X, y, name = _case("cross_entropy", "relu", seed=7)
    layers = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout).double()
        with torch.no_grad():
            weights = [[w.data for w in n.w] for n in layer.neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        layers += [linear, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    reference = torch.optim.Adam(net.parameters(), lr=0.05, weight_decay=0.01)
    optimizer = Adam(model.parameters(), lr=0.05, weight_decay=0.01)
    tape = ModelTape(model, name)
    for _ in range(3):
        optimizer.zero_grad()
        loss = float(np.mean(tape.forward(X, y)))
        tape.backward()
        optimizer.step()
        reference.zero_grad()
        theirs = torch.nn.functional.cross_entropy(net(torch.tensor(X)), torch.tensor(y))
        theirs.backward()
        reference.step()
        assert loss == pytest.approx(theirs.item(), rel=1e-12)
    flat = torch.cat([torch.cat([m.weight, m.bias[:, None]], 1).ravel() for m in net[::2]])
    ours = np.array([p.data for p in model.parameters()])
    assert np.allclose(ours, flat.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("enabled", [True, False])
def test_recording_pauses_the_cycle_collector_and_restores_it(enabled: bool) -> None:
    seen: list[bool] = []

    def fn(a: Value) -> Value:
        seen.append(gc.isenabled())
        if len(seen) == 2:
            raise RuntimeError("a function that fails while it is checked")
        return a.tanh()

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        tape = Tape.record(fn, 0.5)
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError, match="fails while it is checked"):
            tape.forward(np.array([0.1, 0.2]))  # checks sample 0: the second call fails
        assert gc.isenabled() is enabled and seen == [False, False]
    finally:
        gc.enable() if was else gc.disable()


def test_a_model_tape_keeps_its_loss_by_name() -> None:
    for name in ("mse", "bce", "hinge"):
        assert ModelTape(MLP(2, [3, 1], seed=0), name).loss == name
    assert ModelTape(MLP(2, [3, 3], seed=0), "cross_entropy").loss == "cross_entropy"


@pytest.mark.parametrize("which", ["softmax", "log_softmax", "cross_entropy"])
@pytest.mark.parametrize("schedule", ["nodes", "levels", "fused"])
def test_softmax_shifts_each_row_by_its_own_largest_logit(which: str, schedule: str) -> None:
    """Recorded at logits 0, replayed on rows 1,000 apart: the same numbers and gradients
    as the scalar engine row by row (the shift was a constant of the recording once, and
    exp(1000) overflowed)."""
    w = [Value(1.0, "w0"), Value(1.1, "w1"), Value(0.9, "w2")]

    def loss(x: list[Value]) -> Value:
        z = [wi * xi for wi, xi in zip(w, x, strict=True)]
        if which == "cross_entropy":
            return cross_entropy(z, 1)
        out = softmax(z) if which == "softmax" else log_softmax(z)
        return out[0] + 2.0 * out[1]

    X = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 2.0], [-1000.0, -999.0, 5.0], [1, 2, 3]])
    tape = Tape.record(loss, [0.0, 0.0, 0.0])
    got = tape.forward(X, schedule=schedule)
    tape.backward(reduction="sum")
    from_tape = [p.grad for p in w]
    for p in w:
        p.grad = 0.0
    expected = []
    for row in X:
        out = loss([Value(float(v)) for v in row])
        out.backward()
        expected.append(out.data)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(from_tape, [p.grad for p in w], rtol=1e-12, atol=1e-300)


# --- a layer however a student writes it ---------------------------------------------------


def _neuron_sum(spelling: str, w: list[Value], b: Value, x: list[Value]) -> Value:
    """One neuron's w . x + b, written as students write it."""
    products = [wi * xi for wi, xi in zip(w, x, strict=True)]
    if spelling == "Value.sum":
        return Value.sum([*products, b])
    if spelling == "sum, bias first":  # micrograd's Neuron: sum((wi*xi ...), self.b)
        return sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
    if spelling == "sum, bias last":
        return sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
    if spelling == "sum, no bias":  # a GPT's linear: sum(w[o][i] * x[i] for i ...)
        return sum(w[i] * x[i] for i in range(len(x)))  # type: ignore[return-value]
    if spelling == "chain of +":
        out = b
        for p in products:
            out = p + out if len(products) % 2 else out + p
        return out
    assert spelling == "loop, x * w"
    act = b
    for wi, xi in zip(w, x, strict=True):
        act = act + xi * wi  # the input first
    return act


SPELLINGS = ["Value.sum", "sum, bias first", "sum, bias last", "sum, no bias", "chain of +",
             "loop, x * w"]  # fmt: skip


@settings(max_examples=15, deadline=None)
@given(
    spelling=st.sampled_from(SPELLINGS),
    widths=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    inputs=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_a_layer_in_any_spelling_is_a_matrix_product(
    spelling: str, widths: list[int], inputs: int, seed: int
) -> None:
    """Whatever way the neurons' sums are written, the fused program has one line per
    layer, and its numbers and gradients are the scalar engine's and numpy's own
    ``x @ W.T + b`` (to 1e-12: the order of a sum may differ)."""
    rng = np.random.default_rng(seed)
    sizes = [inputs, *widths]
    Ws = [rng.normal(size=(m, k)) for k, m in itertools.pairwise(sizes)]
    bs = [rng.normal(size=m) for m in sizes[1:]]
    w = [[[Value(float(v), f"L{i}w") for v in row] for row in W] for i, W in enumerate(Ws)]
    b = [[Value(float(v), f"L{i}b") for v in bias] for i, bias in enumerate(bs)]
    no_bias = spelling == "sum, no bias"

    def model(x: list[Value]) -> Value:
        for layer, (rows, biases) in enumerate(zip(w, b, strict=True)):
            x = [_neuron_sum(spelling, row, bi, x) for row, bi in zip(rows, biases, strict=True)]
            x = [h.tanh() for h in x] if layer < len(w) - 1 else x
        return Value.sum(x)

    X = rng.normal(size=(6, inputs))
    tape = Tape.record(model, [0.0] * inputs)
    fused = tape.fused().splitlines()
    assert sum("@" in line for line in fused) == len(widths), fused
    assert len(fused) <= len(widths) + 1  # and the output's sum (one term: the layer's own)
    got = tape.forward(X, schedule="fused")
    tape.backward(reduction="sum")
    h = X
    for layer, (W, bias) in enumerate(zip(Ws, bs, strict=True)):  # numpy, independently
        h = h @ W.T + (0.0 if no_bias else bias)
        h = np.tanh(h) if layer < len(Ws) - 1 else h
    np.testing.assert_allclose(got, h.sum(axis=1), rtol=1e-12, atol=1e-12)
    leaves = [v for layer in w for row in layer for v in row]
    leaves += [] if no_bias else [v for layer in b for v in layer]
    from_tape = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    for row in X:
        model([Value(float(v)) for v in row]).backward()
    np.testing.assert_allclose(from_tape, [v.grad for v in leaves], rtol=1e-12, atol=1e-12)


class MicrogradNeuron:
    """micrograd's Neuron, as its nn.py writes it (benchmarks/tape.py times it too)."""

    def __init__(self, rng: random.Random, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: list[Value]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act


def test_micrograds_demo_as_micrograd_writes_it_replays_in_a_few_numpy_steps() -> None:
    """Its Neuron's sum(..., self.b), hinge loss and 1e-4 * sum(p * p) over the 337
    parameters: three matrix products, the L2 term one reduction computed once for the
    batch, a dozen steps in all; loss and gradients the scalar engine's."""
    rng = random.Random(1337)
    sizes = [2, 16, 16, 1]
    layers = [
        [MicrogradNeuron(rng, nin, nonlin=i < 2) for _ in range(nout)]
        for i, (nin, nout) in enumerate(itertools.pairwise(sizes))
    ]
    params = [p for layer in layers for n in layer for p in [*n.w, n.b]]
    assert len(params) == 337

    def loss(x: list[Value], y: Value) -> Value:
        for layer in layers:
            x = [n(x) for n in layer]
        return (1 + -y * x[0]).relu() + 1e-4 * sum(p * p for p in params)

    X, labels = make_moons(40, noise=0.1, seed=0)
    y = 2.0 * labels - 1
    tape = Tape.record(loss, [0.0, 0.0], 1.0)
    assert tape._default == "fused" and tape.fused().count("@") == 3
    steps = tape._fused.steps
    assert len(steps) <= 15  # of the program's 1,320 instructions
    got = tape.forward(X, y)
    tape.backward()
    from_tape = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    total = Value.sum(loss([Value(a), Value(b)], Value(t)) for (a, b), t in zip(X, y)) / len(X)
    total.backward()
    np.testing.assert_allclose(np.mean(got), total.data, rtol=1e-12)
    np.testing.assert_allclose(from_tape, [p.grad for p in params], rtol=1e-10, atol=1e-15)
