"""Parameters: a Value whose data and grad live in a store's arrays. They compute, back-
propagate, copy and pickle as Values do; a model's parameters are one store in
``parameters()`` order and a layer's weights a matrix view of it; ``Numbers`` reads and
writes any list of Values as arrays."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import VALUE_OPS, Program, programs, run_program

from micrograd_plus import Value
from micrograd_plus.nn import MLP, Layer, Neuron, Perceptron
from micrograd_plus.parameters import Numbers, Parameter, Store, matrix, new_parameters, pack


@settings(max_examples=60)
@given(programs())
def test_parameters_compute_and_backpropagate_as_values(case: tuple[list[float], Program]) -> None:
    leaves, program = case
    plain = [Value(x) for x in leaves]
    stored = new_parameters(leaves, [""] * len(leaves))
    for inputs in (plain, stored):
        out = run_program(program, inputs, VALUE_OPS)
        out.backward()
    ours = run_program(program, stored, VALUE_OPS)
    theirs = run_program(program, plain, VALUE_OPS)
    assert (math.isnan(ours.data) and math.isnan(theirs.data)) or ours.data == theirs.data
    same = [a.grad == b.grad or (math.isnan(a.grad) and math.isnan(b.grad)) for a, b in
            zip(stored, plain)]  # fmt: skip
    assert all(same)
    assert np.array_equal(stored[0].store.grad, [p.grad for p in plain], equal_nan=True)


def test_the_scalar_view_and_the_array_view_are_the_same_numbers() -> None:
    w, b = new_parameters([0.5, -2.0], ["w", "b"])
    assert w.store is b.store and (w.index, b.index) == (0, 1)
    w.data = 3  # an int is a real number: stored as 3.0
    b.store.data[1] = 7.5
    assert (w.data, b.data) == (3.0, 7.5) and type(w.data) is float
    (w * b).backward()
    assert list(w.store.grad) == [7.5, 3.0] and (w.grad, b.grad) == (7.5, 3.0)
    w.store.grad[:] = 0.0
    assert w.grad == 0.0
    assert (w.label, repr(w)) == ("w", "Value(data=3.0, grad=0.0, label='w')")


def test_a_parameter_refuses_what_a_value_refuses_and_keeps_its_number() -> None:
    (w,) = new_parameters([0.5], ["w"])
    with pytest.raises(TypeError, match=r"expected a real number .* got str"):
        w.data = "1.0"  # type: ignore[assignment]
    with pytest.raises(TypeError, match="got complex"):
        w.data = 1j  # type: ignore[assignment]
    assert w.data == 0.5


def test_a_copied_model_has_its_own_store_with_the_same_numbers_and_grads() -> None:
    model = MLP(2, [3, 1], seed=0)
    model(np.array([0.5, -1.0])).backward()  # type: ignore[union-attr]
    twin = copy.deepcopy(model)
    ours, theirs = model.parameters(), twin.parameters()
    store = theirs[0].store  # type: ignore[attr-defined]
    assert store is not ours[0].store  # type: ignore[attr-defined]
    assert all(p.store is store for p in theirs)  # type: ignore[attr-defined]
    assert [p.data for p in theirs] == [p.data for p in ours]
    assert [p.grad for p in theirs] == [p.grad for p in ours] and any(p.grad for p in ours)
    theirs[0].data = 99.0
    theirs[1].grad = 5.0
    assert ours[0].data != 99.0 and ours[1].grad != 5.0
    again = pickle.loads(pickle.dumps(model))
    assert [p.data for p in again.parameters()] == [p.data for p in ours]
    assert len({id(p.store) for p in again.parameters()}) == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(3, [4, 5, 2], seed=0),
        lambda: Layer(3, 4, seed=1),
        lambda: Neuron(5, seed=2),
        lambda: Perceptron(2, seed=3),
    ],
)
def test_a_models_parameters_are_one_store_in_their_order(make: object) -> None:
    model = make()  # type: ignore[operator]
    params = model.parameters()
    store = params[0].store
    assert [p.store for p in params] == [store] * len(params) and len(store) == len(params)
    assert [p.index for p in params] == list(range(len(params)))
    assert list(store.data) == [p.data for p in params]
    assert params == [p for _, p in model.named_parameters()]  # one order, with or without names


def test_a_layers_weights_are_a_matrix_view_of_the_store() -> None:
    model = MLP(3, [4, 2], seed=0)
    for layer in model.layers:
        grid = [neuron.w for neuron in layer.neurons]
        views = matrix(grid)
        assert views is not None
        W, dW = views
        assert np.array_equal(W, [[w.data for w in row] for row in grid])
        W_before = W.copy()
        dW += 1.0  # a gradient added to the view is each weight's grad
        assert np.array_equal([[w.grad for w in row] for row in grid], np.ones(W.shape))
        assert all(n.b.grad == 0.0 for n in layer.neurons)  # the biases between rows untouched
        layer.neurons[0].w[1].data = 42.0
        assert W[0, 1] == 42.0 and W_before[0, 1] != 42.0
    biases = matrix([[n.b] for n in model.layers[0].neurons])
    assert biases is not None and biases[0][:, 0].tolist() == [
        n.b.data for n in model.layers[0].neurons
    ]


def test_a_grid_that_is_no_view_is_none() -> None:
    a, b, c, d = new_parameters([1.0, 2.0, 3.0, 4.0], ["a", "b", "c", "d"])
    (e,) = new_parameters([5.0], ["e"])
    assert matrix([[a, b], [c, d]]) is not None
    assert matrix([[b, a], [d, c]]) is None  # backwards along a row
    assert matrix([[a, b], [b, c]]) is None  # b twice
    assert matrix([[a, b], [c, e]]) is None  # two stores
    assert matrix([[a, Value(2.0)]]) is None  # not a Parameter
    assert matrix([[a, b], [c]]) is None and matrix([]) is None  # no grid at all
    assert matrix([[a, c], [b, d]]) is not None  # columns two apart: still a view
    assert matrix([[a, c], [b, d]])[0].tolist() == [[1.0, 3.0], [2.0, 4.0]]  # type: ignore[index]


def test_numbers_read_and_write_parameters_of_several_stores_and_plain_values() -> None:
    first = new_parameters([1.0, 2.0, 3.0], ["a", "b", "c"])
    second = new_parameters([10.0, 20.0], ["d", "e"])
    loose = Value(100.0)
    values: list[Value] = [second[1], first[0], loose, first[2], second[0]]
    numbers = Numbers(values)
    assert numbers.data().tolist() == [20.0, 1.0, 100.0, 3.0, 10.0]
    numbers.set_data(np.array([-1.0, -2.0, -3.0, -4.0, -5.0]))
    assert [v.data for v in values] == [-1.0, -2.0, -3.0, -4.0, -5.0]
    assert first[1].data == 2.0  # not in the list: untouched
    numbers.add_grad(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    numbers.add_grad(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert numbers.grad().tolist() == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert [v.grad for v in values] == [2.0, 4.0, 6.0, 8.0, 10.0]
    numbers.zero_grad()
    assert [v.grad for v in values] == [0.0] * 5
    with pytest.raises(ValueError, match="appears more than once"):
        Numbers([loose, loose])


def test_pack_moves_parameters_into_one_store_keeping_their_numbers() -> None:
    a, b = new_parameters([1.0, 2.0], ["a", "b"])
    (c,) = new_parameters([3.0], ["c"])
    b.grad = 0.25
    loose = Value(9.0)
    pack([c, loose, b, a])
    assert a.store is b.store is c.store and isinstance(a.store, Store)
    assert [c.index, b.index, a.index] == [0, 1, 2]
    assert a.store.data.tolist() == [3.0, 2.0, 1.0] and a.store.grad.tolist() == [0, 0.25, 0]
    assert (a.data, b.data, c.data, b.grad) == (1.0, 2.0, 3.0, 0.25)
    assert not isinstance(loose, Parameter) and loose.data == 9.0


def test_a_parameter_keeps_no_number_of_its_own() -> None:
    """Its number is in the store only: Value's _data slot is never filled, so nothing
    there can go stale when an optimizer moves the store's array."""
    (p,) = new_parameters([1.5], ["w"])
    p.store.data[0] = 2.5
    assert p.data == 2.5
    with pytest.raises(AttributeError):
        object.__getattribute__(p, "_data")


def test_a_copied_weight_is_a_weight_of_its_own_as_a_copied_value_is() -> None:
    model = MLP(2, [3, 1], seed=0)
    model(np.array([0.5, -1.0])).backward()  # type: ignore[union-attr]
    w = model.parameters()[0]
    for original in (w, Value(w.data, "w0")):
        original.grad = 0.25
        twin = copy.copy(original)
        assert (twin.data, twin.grad, twin.label, repr(twin)) == (
            original.data, original.grad, original.label, repr(original),
        )  # fmt: skip
        twin.data, twin.grad = 99.0, 5.0
        assert original.data != 99.0 and original.grad == 0.25
        assert twin != original and twin == twin and hash(twin) != hash(original)
    assert copy.copy(w).store is not w.store  # type: ignore[attr-defined]


def test_a_pickled_weight_carries_its_store_as_the_docstring_says() -> None:
    model = MLP(2, [100, 100, 1], seed=0)
    w = model.parameters()[0]
    size = len(pickle.dumps(w))
    assert 160_000 < size < 180_000  # "168 KB", as README.md and Parameter's docstring say
    assert len(pickle.dumps(Value(w.data))) < 300
    alone = pickle.loads(pickle.dumps(w))
    assert alone.data == w.data and len(alone.store) == len(model.parameters())
