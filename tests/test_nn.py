"""Neuron, Layer, MLP, Perceptron: shapes, names, initialisation, saving, bad input."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import char_device, one, python_prints
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_plus import Value
from micrograd_plus.nn import MLP, Layer, Neuron, Perceptron

# --- shapes and names ------------------------------------------------------------------


def test_repr_shows_the_shape() -> None:
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 -> [16 relu, 16 relu, 1 linear], 337 parameters)"
    assert repr(Layer(3, 4, "tanh")) == "Layer(3 -> 4 tanh, 16 parameters)"
    assert repr(Neuron(2, None)) == "Neuron(2 -> linear, 3 parameters)"
    assert repr(Perceptron(2)) == "Perceptron(2 -> step, 3 parameters)"


def test_parameter_order_is_layer_by_layer_neuron_by_neuron_weights_then_bias() -> None:
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == 3 * 3 + 4
    first = model.layers[0].neurons[0]
    assert model.parameters()[:3] == [*first.w, first.b]


def test_mlp_returns_a_value_for_one_output_and_a_list_for_several() -> None:
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    outputs = MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(outputs, list)
    assert len(outputs) == 3


def test_a_width_one_hidden_layer_works() -> None:
    model = MLP(2, [1, 1], activation="tanh", seed=0)
    out = model([0.5, -0.5])
    assert isinstance(out, Value)
    out.backward()
    assert all(math.isfinite(p.grad) for p in model.parameters())


def test_inputs_may_be_numbers_numpy_rows_or_values() -> None:
    model = MLP(2, [3, 1], seed=1)
    expected = one(model([0.5, -1.0])).data
    assert one(model(np.array([0.5, -1.0]))).data == expected
    assert one(model(np.array([[0.5, -1.0]])[0])).data == expected
    assert one(model([Value(0.5), Value(-1.0)])).data == expected
    single = one(MLP(1, [2, 1], seed=0)(0.5))  # type: ignore[arg-type]
    assert single.data == one(MLP(1, [2, 1], seed=0)([0.5])).data


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (MLP(2, [3, 1]), "this MLP expects 2 inputs, got 3"),
        (Layer(2, 3), "this layer expects 2 inputs, got 3"),
        (Neuron(2), "this neuron expects 2 inputs, got 3"),
    ],
)
def test_wrong_number_of_inputs_names_both_numbers(module: MLP, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        module([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(2, [3, 1], activation="swish"), "unknown activation 'swish'"),
        (lambda: MLP(0, [1]), "nin must be a whole number >= 1, got 0"),
        (lambda: MLP(2, []), "at least one layer"),
        (lambda: MLP(2, [0, 1]), "nouts must be a whole number >= 1, got 0"),
        (lambda: MLP(2, [10**8]), "300,000,000 parameters, more than the 1,000,000"),
        (lambda: Layer(10**6, 2), "more than the 1,000,000"),
    ],
)
def test_bad_shapes_are_value_errors(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Neuron(2.5), "nin must be a whole number, got float: 2.5"),  # type: ignore[arg-type]
        (lambda: MLP(True, [1]), "nin must be a whole number, got bool"),
        (lambda: MLP(2, "4,4"), "nouts must be a list of layer sizes, got str"),  # type: ignore[arg-type]
        (lambda: MLP(2, [4.0]), "nouts must be a whole number, got float"),  # type: ignore[list-item]
    ],
)
def test_wrong_types_are_type_errors(make: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make()  # type: ignore[operator]


def test_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        MLP(2, [1])("ab")  # type: ignore[arg-type]


# --- initialisation ----------------------------------------------------------------------


def test_initialisation_is_uniform_within_one_over_sqrt_nin_and_seeded() -> None:
    model = MLP(9, [50, 4], seed=3)
    first = np.array([p.data for p in model.layers[0].parameters()])
    second = np.array([p.data for p in model.layers[1].parameters()])
    assert np.all(np.abs(first) <= 1 / 3)
    assert np.all(np.abs(second) <= 1 / math.sqrt(50))
    assert np.abs(first).max() > 0.3  # spread over the whole interval, not squeezed
    assert model.state_dict() == MLP(9, [50, 4], seed=3).state_dict()
    assert model.state_dict() != MLP(9, [50, 4], seed=4).state_dict()


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()  # type: ignore[union-attr]
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# --- the forward pass against PyTorch ----------------------------------------------------


def _torch_mlp(model: MLP):  # type: ignore[no-untyped-def]
    """A torch.nn.Sequential with the same weights as ``model``."""
    torch = pytest.importorskip("torch")
    activations = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": torch.nn.LeakyReLU,
    }
    parts = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            weights = [[w.data for w in n.w] for n in layer.neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        parts.append(linear)
        if layer.activation != "linear":
            parts.append(activations[layer.activation]())
    return torch.nn.Sequential(*parts)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3), st.integers(0, 1000))
def test_forward_and_every_gradient_match_pytorch(
    activation: str, x: list[float], seed: int
) -> None:
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 5, 2], activation=activation, seed=seed)
    reference = _torch_mlp(model)
    out = model(x)
    assert isinstance(out, list)
    (out[0] * 1.5 - out[1]).backward()
    t_out = reference(torch.tensor(x, dtype=torch.float64))
    (t_out[0] * 1.5 - t_out[1]).backward()
    assert [o.data for o in out] == pytest.approx(t_out.tolist(), rel=1e-12, abs=1e-12)
    torch_grads = []
    for part in reference:
        if isinstance(part, torch.nn.Linear):
            for weights, bias in zip(part.weight.grad.tolist(), part.bias.grad.tolist()):
                torch_grads += [*weights, bias]
    ours = [p.grad for p in model.parameters()]
    assert ours == pytest.approx(torch_grads, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_every_parameter_gradient_matches_central_differences(activation: str) -> None:
    model = MLP(2, [3, 2, 1], activation=activation, seed=5)
    x = [0.3, -0.7]

    def loss() -> Value:
        out = model(x)
        assert isinstance(out, Value)
        return out * out

    loss().backward()
    eps = 1e-6
    for name, p in model.named_parameters():
        start = p.data
        p.data = start + eps
        up = loss().data
        p.data = start - eps
        down = loss().data
        p.data = start
        assert p.grad == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8), name


# --- saving and loading ------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = MLP(2, [4, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    other = MLP(2, [4, 1], seed=99)
    other.load(path)
    assert other.state_dict() == model.state_dict()
    document = json.loads(path.read_text())
    assert document["format"] == "micrograd_plus"
    assert document["config"] == {
        "nin": 2,
        "nouts": [4, 1],
        "activation": "relu",
        "output_activation": "linear",
    }
    rebuilt = MLP.from_file(path)
    assert repr(rebuilt) == repr(model)
    assert rebuilt.state_dict() == model.state_dict()


def test_save_leaves_no_temporary_file_and_replaces_whole(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text("old contents")
    MLP(2, [2, 1], seed=0).save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
    assert json.loads(path.read_text())["format"] == "micrograd_plus"


def test_a_failed_save_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.json"
    path.write_text("old contents")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [2, 1], seed=0).save(path)
    assert path.read_text() == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def _write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ([1, 2], "not a micrograd_plus model file"),
        ({"format": "micrograd_plus"}, "no 'parameters'"),
        ({"format": "micrograd_plus", "parameters": {}}, "missing layers.0.neurons.0.w.0"),
    ],
)
def test_a_bad_file_is_a_clear_error_and_changes_nothing(
    tmp_path: Path, content: object, message: str
) -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load(_write(tmp_path, content))
    assert model.state_dict() == before


def test_a_file_of_another_shape_says_what_differs_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    MLP(2, [2, 1], seed=0).save(path)
    model = MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"missing layers\.0\.neurons\.2\.w\.0"):
        model.load(path)
    assert model.state_dict() == before
    bigger = MLP(2, [1, 1], seed=1)
    with pytest.raises(ValueError, match=r"unexpected layers\.0\.neurons\.1\.w\.0"):
        bigger.load(path)


def test_a_non_number_anywhere_changes_nothing(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    state = model.state_dict()
    before = dict(state)
    last = list(state)[-1]
    for bad in ["1.0", None, True, [1.0]]:
        state[last] = bad  # type: ignore[assignment]
        with pytest.raises(ValueError, match=f"parameter '{last}' must be a number"):
            model.load_state_dict(state)
        assert model.state_dict() == before


def test_from_file_refuses_a_file_without_an_mlp_config(tmp_path: Path) -> None:
    path = _write(tmp_path, {"format": "micrograd_plus", "config": None, "parameters": {}})
    with pytest.raises(ValueError, match="does not describe an MLP"):
        MLP.from_file(path)


# --- the perceptron ---------------------------------------------------------------------

TRUTH_TABLE = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


@pytest.mark.parametrize(("name", "labels"), [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1])])
def test_perceptron_learns_and_and_or(name: str, labels: list[int]) -> None:
    perceptron = Perceptron(2)
    fit = perceptron.fit(TRUTH_TABLE, labels, epochs=100)
    assert fit.converged, name
    assert fit.mistakes_per_epoch[-1] == 0
    assert perceptron.predict(TRUTH_TABLE).tolist() == labels


def test_perceptron_cannot_learn_xor_and_proves_it_by_cycling() -> None:
    perceptron = Perceptron(2)
    fit = perceptron.fit(TRUTH_TABLE, [0, 1, 1, 0], epochs=1000)
    assert not fit.converged
    assert fit.cycled  # the weights came back: the rule would repeat forever
    assert perceptron.predict(TRUTH_TABLE).tolist() != [0, 1, 1, 0]


def test_no_line_separates_xor() -> None:
    # An independent check of the claim: for w.x + b >= 0 to hold at (0,1) and (1,0)
    # but not at (0,0) and (1,1) we would need b < 0, w1 + b >= 0, w2 + b >= 0 and
    # w1 + w2 + b < 0; the middle two sum to w1 + w2 + 2b >= 0, so w1 + w2 + b >= -b > 0.
    rng = np.random.default_rng(0)
    for w1, w2, b in rng.uniform(-5, 5, size=(20000, 3)):
        predictions = [int(w1 * x1 + w2 * x2 + b >= 0) for x1, x2 in TRUTH_TABLE]
        assert predictions != [0, 1, 1, 0]


def test_perceptron_step_has_zero_derivative() -> None:
    perceptron = Perceptron(2)
    out = perceptron([1.0, 1.0])
    assert out.op == "step"
    out.backward()
    assert all(p.grad == 0.0 for p in perceptron.parameters())


def test_perceptron_rejects_bad_labels() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        Perceptron(2).fit(TRUTH_TABLE, [0, 2, 1, 0])
    with pytest.raises(ValueError, match="4 rows but y has 3"):
        Perceptron(2).fit(TRUTH_TABLE, [0, 1, 1])


# --- loading hostile files: a clear ValueError, fast, and the model unchanged ------------


def test_a_number_too_large_for_a_float_changes_nothing(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    model.save(tmp_path / "m.json")
    text = (tmp_path / "m.json").read_text()
    last = list(before)[-1]
    head, _, tail = text.rpartition(repr(before[last]))  # the file's last number
    for bad in ("1" + "0" * 400, "NaN", "Infinity"):
        (tmp_path / "m.json").write_text(head + bad + tail)
        with pytest.raises(ValueError, match=f"parameter '{last}'"):
            model.load(tmp_path / "m.json")
        assert model.state_dict() == before


def _refused(path: object, message: str, load_message: str | None = None) -> None:
    """Refused by what the file is, before a byte is read (a pipe would hang, /dev/zero
    would never end): the message says why, and the model is as it was."""
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=load_message or message):
        model.load(path)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        MLP.from_file(path)  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_a_folder_a_pipe_and_a_device_are_refused(tmp_path: Path) -> None:
    _refused(tmp_path, "not a regular file")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")  # would hang if opened
    _refused(tmp_path / "missing.json", "cannot read")


def test_a_device_is_refused_before_a_byte_is_read(tmp_path: Path) -> None:
    _refused(char_device(tmp_path / "zero", 5), "not a regular file")  # would eat all memory


def test_json_nested_too_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    _refused(path, "nested too deep")


def test_a_tiny_file_declaring_a_huge_model_is_refused_before_building(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "format": "micrograd_plus",
            "config": {
                "nin": 2,
                "nouts": [10**8],
                "activation": "relu",
                "output_activation": None,
            },
            "parameters": {},
        },
    )
    assert path.stat().st_size < 200
    _refused(path, "more than the 1,000,000 a scalar engine can train", "does not fit")


def test_a_file_over_the_size_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import micrograd_plus.nn as nn

    monkeypatch.setattr(nn, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_text(" " * 200)
    _refused(path, "more than a model file may be")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _hostile_documents() -> st.SearchStrategy[bytes]:
    model = MLP(2, [2, 1], seed=0)
    names = list(model.state_dict())
    numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers() | JSON
    near_miss = st.fixed_dictionaries(
        {
            "format": st.just("micrograd_plus"),
            "config": st.just(model.config()) | JSON,
            "parameters": st.dictionaries(st.sampled_from(names) | st.text(max_size=4), numbers),
        }
    )
    return (
        st.binary(max_size=200)
        | JSON.map(lambda doc: json.dumps(doc).encode())
        | near_miss.map(lambda doc: json.dumps(doc).encode())
    )


@settings(max_examples=150)
@given(_hostile_documents())
def test_loading_random_bytes_and_json_is_a_value_error_that_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "model.json"
    path.write_bytes(data)
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    try:
        model.load(path)
    except ValueError:
        assert model.state_dict() == before
    else:
        assert all(math.isfinite(v) for v in model.state_dict().values())
    try:
        loaded = MLP.from_file(path)
    except ValueError:
        pass
    else:
        assert all(math.isfinite(v) for v in loaded.state_dict().values())


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_model_with_a_non_finite_parameter_is_not_saved(tmp_path: Path, bad: float) -> None:
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    good = path.read_bytes()
    model.layers[1].neurons[0].w[1].data = bad
    with pytest.raises(ValueError, match=rf"parameter layers\.1\.neurons\.0\.w\.1 is {bad}"):
        model.save(path)
    assert path.read_bytes() == good  # the file that loads is kept
    MLP.from_file(path)


def test_a_model_without_a_seed_follows_pythons_random_seed_as_micrograds_does() -> None:
    import random

    random.seed(1337)  # micrograd's demo notebook
    first = MLP(2, [16, 16, 1]).state_dict()
    random.seed(1337)
    again = MLP(2, [16, 16, 1]).state_dict()
    assert first == again
    assert MLP(2, [16, 16, 1]).state_dict() != again  # not reseeded: another model
    random.seed(7)
    neuron = Neuron(3)
    random.seed(7)
    assert [w.data for w in Neuron(3).w] == [w.data for w in neuron.w]


def test_importing_the_package_and_making_values_draw_nothing_from_random() -> None:
    code = (
        "import random\n"
        "random.seed(5); before = random.getstate()\n"
        "import micrograd_plus\n"
        "from micrograd_plus import Value\n"
        "x = Value(2.0) * Value(3.0); x.backward()\n"
        "print(random.getstate() == before)\n"
    )
    assert python_prints(code).strip() == "True"
