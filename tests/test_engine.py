"""The engine: hand-computed cases, graph shape, accumulation semantics, no_grad, errors."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Generator

import numpy as np
import pytest
from conftest import BINARY_OPS, assert_inputs_first, readme_neuron
from hypothesis import assume, given
from parity import RTOL_OP, assert_matches_torch, same
from strategies import VALUE_OPS, Program, programs, run_program

from micrograd_plus import Value, enable_grad, is_grad_enabled, no_grad, op_result

# --- the textbook neuron, by hand ----------------------------------------------------


def test_textbook_neuron_matches_hand_computed_gradients() -> None:
    # o = tanh(x1*w1 + x2*w2 + b) with b chosen so that n = 0.8813..., tanh(n) = 1/sqrt(2)
    o, (x1, x2, w1, w2, b) = readme_neuron()
    o.backward()
    assert o.data == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    # do/dn = 1 - tanh(n)**2 = 0.5, then each product passes on the other factor
    assert x1.grad == pytest.approx(-3.0 * 0.5, rel=1e-12)
    assert w1.grad == pytest.approx(2.0 * 0.5, rel=1e-12)
    assert x2.grad == pytest.approx(1.0 * 0.5, rel=1e-12)
    assert w2.grad == 0.0
    assert b.grad == pytest.approx(0.5, rel=1e-12)


def test_each_primitive_by_hand() -> None:
    a, b = Value(3.0), Value(-2.0)
    cases: list[tuple[Callable[[], Value], float, float, float]] = [
        (lambda: a + b, 1.0, 1.0, 1.0),
        (lambda: a * b, -6.0, -2.0, 3.0),
        (lambda: a - b, 5.0, 1.0, -1.0),
        (lambda: a / b, -1.5, -0.5, -3.0 / 4.0),  # d/db = -a/b**2
        (lambda: a**b, 3.0**-2, -2.0 * 3.0**-3, 3.0**-2 * math.log(3.0)),
    ]
    for make, value, da, db in cases:
        a.grad = b.grad = 0.0
        out = make()
        out.backward()
        assert out.data == pytest.approx(value, rel=1e-12)
        assert a.grad == pytest.approx(da, rel=1e-12)
        assert b.grad == pytest.approx(db, rel=1e-12)


@pytest.mark.parametrize(
    ("method", "x", "value", "derivative"),
    [
        ("exp", 1.0, math.e, math.e),
        ("log", 2.0, math.log(2.0), 0.5),
        ("tanh", 0.5, math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
        ("sigmoid", 0.0, 0.5, 0.25),
        ("relu", 2.0, 2.0, 1.0),
        ("relu", -2.0, 0.0, 0.0),
        ("relu", 0.0, 0.0, 0.0),
        ("leaky_relu", -2.0, -0.02, 0.01),
        ("leaky_relu", 0.0, 0.0, 0.01),
        ("leaky_relu", 3.0, 3.0, 1.0),
        ("abs", -2.0, 2.0, -1.0),
        ("abs", 0.0, 0.0, 0.0),
    ],
)
def test_unary_ops_by_hand(method: str, x: float, value: float, derivative: float) -> None:
    a = Value(x)
    out = getattr(a, method)()
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-12, abs=1e-300)
    assert a.grad == pytest.approx(derivative, rel=1e-12)
    assert out.op == method
    assert out.inputs == (a,)


def test_leaky_relu_slope_is_a_parameter() -> None:
    a = Value(-4.0)
    out = a.leaky_relu(0.2)
    out.backward()
    assert out.data == pytest.approx(-0.8)
    assert a.grad == pytest.approx(0.2)


@pytest.mark.parametrize("x", [-4.0, 3.0])
def test_an_ops_own_number_is_recorded_in_its_node(x: float) -> None:
    # On either side of 0 the node says its slope (the tape replays it for other inputs).
    leaky, power, tanh = Value(x).leaky_relu(0.2), Value(x) ** (1 / 3), Value(x).tanh()
    assert (leaky.op, leaky.op_number) == ("leaky_relu", 0.2)
    assert (power.op, power.op_number) == ("**n", 1 / 3)
    assert (tanh.op, tanh.op_number) == ("tanh", None)
    assert repr(power).endswith("op='**n', op_number=0.3333333333333333)")


def test_subtraction_and_negation_are_one_node_each() -> None:
    a, b = Value(5.0, "a"), Value(2.0, "b")
    diff = a - b
    assert len(diff.topological_order()) == 3 and diff.op == "-"
    neg = -a
    assert len(neg.topological_order()) == 2 and neg.op == "neg"
    rsub = 2 - a
    assert rsub.op == "-" and rsub.inputs[1] is a and rsub.data == -3.0
    (diff * neg + rsub).backward()
    # d/da [(a - b) * (-a) + (2 - a)] = -a - (a - b) - 1 = -5 - 3 - 1; d/db = a = 5
    assert (a.grad, b.grad) == (-9.0, 5.0)


def test_power_with_a_number_exponent_keeps_one_input() -> None:
    a = Value(3.0)
    out = a**2
    out.backward()
    assert out.data == 9.0
    assert a.grad == 6.0
    assert out.inputs == (a,)
    assert (out.op, out.op_number) == ("**n", 2.0)


def test_number_on_either_side() -> None:
    a = Value(4.0)
    assert (2 + a).data == 6.0
    assert (2 - a).data == -2.0
    assert (2 * a).data == 8.0
    assert (2 / a).data == 0.5
    assert (2**a).data == 16.0
    assert (a + 2).data == 6.0
    assert (a - 2).data == 2.0
    assert (a / 2).data == 2.0
    assert (-a).data == -4.0
    out = 2**a
    out.backward()
    assert a.grad == pytest.approx(16.0 * math.log(2.0), rel=1e-12)


def test_numpy_scalars_on_either_side_give_values() -> None:
    a = Value(np.float32(1.5))  # type: ignore[arg-type]
    assert type(a.data) is float
    product = np.float64(2.0) * a
    assert isinstance(product, Value)
    assert product.data == 3.0
    assert isinstance(np.int64(1) + a, Value)  # type: ignore[operator]
    assert Value(np.int64(7)).data == 7.0  # type: ignore[arg-type]


# --- the graph -------------------------------------------------------------------------


def test_inputs_are_a_tuple_and_a_times_a_keeps_two_edges() -> None:
    a = Value(3.0)
    square = a * a
    assert square.inputs == (a, a)
    square.backward()
    assert a.grad == 6.0  # both edges contribute 3.0


def test_diamond_sums_both_paths() -> None:
    # a feeds b and c, both feed d:  d = (2a) * (a + 1);  dd/da = 2(a + 1) + 2a = 4a + 2
    a = Value(1.5)
    b = a * 2
    c = a + 1
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(4 * 1.5 + 2)
    assert_inputs_first(d.topological_order())


def test_node_reused_a_hundred_times() -> None:
    a = Value(0.7)
    total = Value.sum(a * k for k in range(100))
    total.backward()
    assert a.grad == pytest.approx(sum(range(100)))
    chain = a
    for _ in range(99):
        chain = chain + a
    chain.backward()
    assert a.grad == pytest.approx(sum(range(100)) + 100)


def test_topological_order_ends_with_the_output_and_has_every_node_once() -> None:
    x, w = Value(1.0), Value(2.0)
    h = (x * w).tanh()
    out = h * h + x
    order = out.topological_order()
    assert order[-1] is out
    assert_inputs_first(order)
    assert {id(n) for n in order} >= {id(x), id(w), id(h), id(out)}


@pytest.mark.slow
def test_a_million_node_chain_needs_no_recursion() -> None:
    x = Value(1.0)
    node = x
    for _ in range(1_000_000):
        node = node.relu()
    node.backward()
    assert x.grad == 1.0
    assert len(node.topological_order()) == 1_000_001


def test_sum_is_one_node_with_unit_local_derivatives() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    total = Value.sum([a, b, c, 4])
    assert total.data == 10.0
    assert total.op == "sum"
    assert total.local_derivatives == (1.0, 1.0, 1.0, 1.0)
    total.backward()
    assert (a.grad, b.grad, c.grad) == (1.0, 1.0, 1.0)


# --- backward semantics ----------------------------------------------------------------


def test_backward_twice_doubles_leaves_and_keeps_inner_nodes() -> None:
    x, w = Value(0.5), Value(-1.5)
    h = x * w
    out = h.tanh()
    out.backward()
    first = (x.grad, w.grad, h.grad)
    out.backward()
    assert x.grad == 2 * first[0]
    assert w.grad == 2 * first[1]
    assert h.grad == first[2]  # inner nodes hold the latest pass
    assert out.grad == 1.0


def test_backward_of_a_leaf_accumulates_one() -> None:
    a = Value(2.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_gradients_of_separate_outputs_accumulate_into_shared_leaves() -> None:
    w = Value(3.0)
    (w * 2).backward()
    (w * 5).backward()
    assert w.grad == 7.0


def test_grad_starts_at_zero_as_a_float() -> None:
    a = Value(1)
    assert a.grad == 0.0
    assert type(a.grad) is float
    assert type(a.data) is float


# --- no_grad ---------------------------------------------------------------------------


def test_no_grad_records_no_graph() -> None:
    a = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        out = (a * 3).tanh()
    assert is_grad_enabled()
    assert out.inputs == ()
    assert out.op == ""
    assert out.data == pytest.approx(math.tanh(6.0))
    out.backward()
    assert a.grad == 0.0


def test_no_grad_nests_and_restores_after_an_error() -> None:
    with pytest.raises(RuntimeError), no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
        raise RuntimeError("boom")
    assert is_grad_enabled()


def test_no_grad_works_as_a_decorator() -> None:
    @no_grad()
    def predict(x: Value) -> Value:
        return x * 2

    assert predict(Value(1.0)).inputs == ()
    assert is_grad_enabled()


def test_no_grad_in_one_thread_leaves_other_threads_recording() -> None:
    inside, done = threading.Event(), threading.Event()

    def predictor() -> None:
        with no_grad():
            inside.set()
            done.wait(10)

    thread = threading.Thread(target=predictor)
    thread.start()
    assert inside.wait(10)
    try:
        assert is_grad_enabled()  # this thread is still training
        a = Value(2.0)
        out = a * a
        out.backward()
        assert a.grad == 4.0
    finally:
        done.set()
        thread.join()


def test_no_grad_blocks_left_out_of_order_end_with_recording_on() -> None:
    def quietly() -> Generator[int, None, None]:
        with no_grad():
            yield 1
            yield 2

    first, second = quietly(), quietly()
    next(first)
    next(second)
    assert not is_grad_enabled()
    first.close()  # the first one in leaves first
    assert not is_grad_enabled()  # the second is still inside its block
    second.close()
    assert is_grad_enabled()


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1 + 2j, {"x": 1}])
def test_value_rejects_non_numbers_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["x", None, [1.0], 1 + 2j, Value(2.0)])
def test_setting_data_to_a_non_number_is_refused_and_keeps_the_number(bad: object) -> None:
    v = Value(1.5)
    with pytest.raises(TypeError, match=f"expected a real number .*got {type(bad).__name__}"):
        v.data = bad  # type: ignore[assignment]
    assert v.data == 1.5 and type(v.data) is float


def test_data_set_to_an_int_or_numpy_scalar_is_stored_as_a_float() -> None:
    v = Value(1.5)
    v.data = 3
    assert type(v.data) is float and v.data == 3.0
    v.data = np.float32(0.1)
    assert type(v.data) is float and v.data == float(np.float32(0.1))
    v.data -= 0.5  # an update as the lecture writes it
    assert v.data == float(np.float32(0.1)) - 0.5


def test_a_label_must_be_text() -> None:
    with pytest.raises(TypeError, match="a label is text, got int"):
        Value(1.0, 5)  # type: ignore[arg-type]


def test_ops_reject_non_numbers() -> None:
    a = Value(1.0)
    with pytest.raises(TypeError, match="str"):
        a + "2"  # type: ignore[operator]
    with pytest.raises(TypeError, match="str"):
        "2" * a  # type: ignore[operator]
    with pytest.raises(TypeError, match="NoneType"):
        a - None  # type: ignore[operator]


@pytest.mark.parametrize(
    ("x", "value", "grad"),
    [(0.0, -math.inf, math.inf), (-0.0, -math.inf, -math.inf), (-1.0, math.nan, -1.0)],
)
def test_log_of_zero_and_negatives_is_ieee(x: float, value: float, grad: float) -> None:
    a = Value(x)
    out = a.log()
    out.backward()
    assert same(out.data, value) and same(a.grad, grad)
    nan = Value(math.nan)
    nan.log().backward()
    assert math.isnan(nan.grad)


def test_a_sum_that_overflows_is_inf_and_inf_minus_inf_is_nan() -> None:
    assert Value.sum([Value(1e308), Value(1e308)]).data == math.inf
    assert math.isnan(Value.sum([Value(math.inf), Value(-math.inf)]).data)
    assert Value.sum([Value(1e308), Value(1e308), Value(-1e308)]).data == math.inf  # as torch
    # where it is finite the sum is still correctly rounded (fsum), whatever the order
    assert Value.sum([Value(1e16), Value(1.0), Value(-1e16)]).data == 1.0
    assert Value.sum([Value(0.1)] * 10).data == 1.0


def test_op_result_needs_one_local_derivative_per_input() -> None:
    a = Value(1.0)
    with pytest.raises(ValueError, match="2 inputs and 1 local derivatives"):
        op_result(2.0, "bad", (a, a), (1.0,))


def test_a_new_op_from_op_result_backpropagates() -> None:
    def sin(a: Value) -> Value:
        return op_result(math.sin(a.data), "sin", (a,), (math.cos(a.data),))

    a = Value(0.3)
    out = sin(a * 2)
    out.backward()
    assert a.grad == pytest.approx(2 * math.cos(0.6), rel=1e-12)


# --- extremes: IEEE 754 results, never Python exceptions ----------------------------


def test_sigmoid_and_exp_at_extremes() -> None:
    low, high = Value(-1000.0), Value(1000.0)
    s_low, s_high = low.sigmoid(), high.sigmoid()
    (s_low + s_high).backward()
    assert (s_low.data, s_high.data) == (0.0, 1.0)
    assert (low.grad, high.grad) == (0.0, 0.0)
    assert Value(1000.0).exp().data == math.inf
    assert Value(-1000.0).exp().data == 0.0


def test_power_edges() -> None:
    assert (Value(0.0) ** -1).data == math.inf
    assert (Value(-0.0) ** -1).data == -math.inf
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    zero = Value(0.0)
    out = zero**0
    out.backward()
    assert out.data == 1.0
    assert zero.grad == 0.0  # PyTorch: d(x**0)/dx = 0, not 0 * 0**-1


def test_division_by_zero_is_inf_not_an_exception() -> None:
    assert (Value(1.0) / 0).data == math.inf
    assert math.isnan((Value(0.0) / 0).data)


# --- repr ------------------------------------------------------------------------------


def test_repr_reads_like_the_docs() -> None:
    n = Value(1.0, "n").tanh()
    n.label = "n"
    n.grad = 0.42
    assert repr(n) == "Value(data=0.7616, grad=0.42, op='tanh', label='n')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(1e-8, "tiny")) == "Value(data=1e-08, grad=0.0, label='tiny')"


# --- random expression graphs against float64 central differences ---------------------
#
# A random program of ops is run twice: on Values (backward gives the gradients) and on
# plain floats with the math module (central differences give them). The float version
# shares no code with the engine, so it is an independent oracle.


class _OutsideDomain(Exception):
    """The random program reached a point where an op is undefined or not smooth."""


def _check(condition: bool) -> None:
    if not condition:
        raise _OutsideDomain


def _float_ops() -> dict[str, Callable[..., float]]:
    def kink(f: Callable[[float], float]) -> Callable[[float], float]:
        def guarded(a: float) -> float:
            _check(abs(a) > 1e-3)  # relu, leaky_relu and abs have no derivative at 0
            return f(a)

        return guarded

    def log(a: float) -> float:
        _check(a > 1e-2)
        return math.log(a)

    def exp(a: float) -> float:
        _check(a < 30)
        return math.exp(a)

    def div(a: float, b: float) -> float:
        _check(abs(b) > 0.1)
        return a / b

    def power(a: float, b: float) -> float:
        _check(0.1 < a < 10 and abs(b) < 3)
        return float(a**b)

    return {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": div,
        "pow": power,
        "square": lambda a: a**2,
        "cube": lambda a: a**3,
        "neg": lambda a: -a,
        "tanh": math.tanh,
        "sigmoid": lambda a: 1 / (1 + math.exp(-a)) if a > -700 else 0.0,
        "exp": exp,
        "log": log,
        "relu": kink(lambda a: max(a, 0.0)),
        "leaky_relu": kink(lambda a: a if a > 0 else 0.01 * a),
        "abs": kink(abs),
    }


@given(programs())
def test_random_graphs_match_central_differences(case: tuple[list[float], Program]) -> None:
    xs, program = case
    float_ops = _float_ops()
    try:
        expected = run_program(program, xs, float_ops)
        eps = 1e-6
        numerical = []
        for i in range(len(xs)):
            up = [x + eps * (k == i) for k, x in enumerate(xs)]
            down = [x - eps * (k == i) for k, x in enumerate(xs)]
            numerical.append(
                (run_program(program, up, float_ops) - run_program(program, down, float_ops)) / 2e-6
            )
    except (_OutsideDomain, OverflowError, ZeroDivisionError):
        assume(False)
    assume(abs(expected) < 1e6 and all(abs(g) < 1e6 for g in numerical))

    leaves = [Value(x) for x in xs]
    out = run_program(program, leaves, VALUE_OPS)
    out.backward()
    assert out.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    for leaf, g in zip(leaves, numerical, strict=True):
        assert leaf.grad == pytest.approx(g, rel=1e-4, abs=1e-5)
    assert_inputs_first(out.topological_order())


@given(programs())
def test_backward_twice_doubles_every_leaf(case: tuple[list[float], Program]) -> None:
    xs, program = case
    leaves = [Value(x) for x in xs]
    out = run_program(program, leaves, VALUE_OPS)
    out.backward()
    first = [leaf.grad for leaf in leaves]
    out.backward()
    for leaf, g in zip(leaves, first, strict=True):
        assert leaf.grad == 2 * g or (math.isnan(g) and math.isnan(leaf.grad))


# --- PyTorch parity, extremes included -------------------------------------------------

EDGES = [-1000.0, -50.0, -3.0, -1.0, -0.5, -1e-8, 0.0, 1e-8, 0.5, 1.0, 3.0, 50.0, 1000.0]
EXTREMES = [*EDGES, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize(
    ("method", "torch_fn"),
    [
        ("exp", "exp"),
        ("tanh", "tanh"),
        ("sigmoid", "sigmoid"),
        ("relu", "relu"),
        ("leaky_relu", "nn.functional.leaky_relu"),
        ("abs", "abs"),
        ("log", "log"),
        ("__neg__", "neg"),
    ],
)
def test_unary_ops_match_pytorch(method: str, torch_fn: str) -> None:
    torch = pytest.importorskip("torch")
    fn = torch
    for part in torch_fn.split("."):
        fn = getattr(fn, part)
    for x in EXTREMES:  # log of 0 and of negatives, inf and nan too, as in PyTorch
        assert_matches_torch(lambda a: getattr(a, method)(), fn, x, rtol=RTOL_OP)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_binary_ops_match_pytorch(op: str) -> None:
    grid = [-3.0, -1.5, -1.0, 0.0, 0.5, 1.0, 2.0, 1e3]
    apply = BINARY_OPS
    for x in grid:
        for y in grid:
            assert_matches_torch(apply[op], apply[op], x, y, rtol=RTOL_OP)


def test_numbers_on_the_left_match_pytorch() -> None:
    for x in [-2.0, 0.0, 0.5, 3.0]:
        assert_matches_torch(lambda a: 2.0 - a, lambda t: 2.0 - t, x, rtol=RTOL_OP)
        assert_matches_torch(lambda a: -a, lambda t: -t, x, rtol=RTOL_OP)


@pytest.mark.parametrize("exponent", [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
def test_power_by_a_number_matches_pytorch(exponent: float) -> None:
    for x in [-2.0, -1.0, 0.0, 0.25, 1.0, 3.0]:
        assert_matches_torch(lambda a: a**exponent, lambda t: t**exponent, x, rtol=RTOL_OP)


@given(programs())
def test_random_graphs_match_pytorch(case: tuple[list[float], Program]) -> None:
    torch = pytest.importorskip("torch")
    xs, program = case
    leaves = [Value(x) for x in xs]
    out = run_program(program, leaves, VALUE_OPS)
    # Where a nan appears (0 / 0, log of a negative base in a ** b, or 0 * inf when an
    # infinite local derivative meets a zero one), PyTorch's backward masks it in some
    # ops (relu, pow with exponent 0) and keeps it in others (abs); such points are not
    # compared here. The per-op tests cover the edges one op at a time.
    nodes = out.topological_order()
    assume(not any(math.isnan(n.data) for n in nodes))
    assume(all(math.isfinite(d) for n in nodes for d in n.local_derivatives))
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    torch_ops = {
        **VALUE_OPS,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "exp": torch.exp,
        "log": torch.log,
        "relu": torch.relu,
        "leaky_relu": torch.nn.functional.leaky_relu,
        "abs": torch.abs,
    }
    t_out = run_program(program, tensors, torch_ops)
    t_out.backward()
    assert same(out.data, t_out.item())
    for leaf, t in zip(leaves, tensors, strict=True):
        theirs = 0.0 if t.grad is None else t.grad.item()
        assert same(leaf.grad, theirs), (leaf.grad, theirs)


def test_nan_passes_through_activations_as_in_pytorch() -> None:
    # relu(nan) is nan with local derivative 1; leaky_relu's is the slope; abs's is 0
    for method, derivative in [("relu", 1.0), ("leaky_relu", 0.01), ("abs", 0.0)]:
        a = Value(math.nan)
        out = getattr(a, method)()
        out.backward()
        assert math.isnan(out.data)
        assert a.grad == derivative


def test_no_grad_on_a_generator_covers_every_step() -> None:
    @no_grad()
    def doubles(xs: list[Value]) -> Generator[Value, str | None, None]:
        for x in xs:
            assert not is_grad_enabled()
            reply = yield x * 2
            assert reply in (None, "sent")

    a = Value(1.0)
    steps = doubles([a, a, a])
    first = next(steps)
    assert is_grad_enabled()  # between steps, the caller records as before
    second = steps.send("sent")
    assert first.inputs == () and second.inputs == ()  # recorded nothing: leaves
    assert (a * 2).inputs[0] is a
    steps.close()
    assert is_grad_enabled()


def test_a_no_grad_generator_runs_to_its_end_in_each_way_a_student_loops() -> None:
    @no_grad()
    def doubles(xs: list[Value]) -> Generator[Value, None, str]:
        for x in xs:
            assert not is_grad_enabled()
            yield x * 2
        return "done"

    a = Value(1.5)
    assert [v.data for v in doubles([a, a])] == [3.0, 3.0]  # list() runs it to its end
    total = 0.0
    for v in doubles([a, a, a]):  # a for loop too
        assert v.inputs == ()
        total += v.data
    assert total == 9.0

    def outer() -> Generator[Value, None, str]:
        result = yield from doubles([a])
        return result

    steps = outer()
    next(steps)
    with pytest.raises(StopIteration) as stop:
        next(steps)
    assert stop.value.value == "done" and is_grad_enabled()  # its return value comes out
    assert list(doubles([])) == []


def test_nested_grad_mode_generators_keep_their_own_modes_to_the_end() -> None:
    a = Value(2.0)

    @enable_grad()
    def recording() -> Generator[bool, None, None]:
        yield is_grad_enabled()
        yield len((a * a).inputs) == 2

    @no_grad()
    def quiet() -> Generator[bool, None, None]:
        yield is_grad_enabled()
        yield from recording()  # enable_grad inside no_grad: records
        yield is_grad_enabled()

    assert list(quiet()) == [False, True, True, False]
    assert is_grad_enabled()
    with no_grad():
        assert list(recording()) == [True, True] and not is_grad_enabled()
    assert is_grad_enabled()


def test_an_exception_thrown_into_a_no_grad_generator_reaches_it_inside_the_block() -> None:
    seen = []

    @no_grad()
    def guarded() -> Generator[int, None, None]:
        try:
            yield 1
        except KeyError:
            seen.append(is_grad_enabled())
            yield 2

    steps = guarded()
    next(steps)
    assert steps.throw(KeyError("k")) == 2
    assert seen == [False]
    assert is_grad_enabled()


def test_enable_grad_records_inside_no_grad_and_restores_it() -> None:
    a = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            assert (a * a).inputs == (a, a)
        assert not is_grad_enabled()
        assert len((a * a).inputs) == 0
    assert is_grad_enabled()
