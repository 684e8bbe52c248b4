"""The playground with no front end: it learns, reads TF Playground's links, keeps its
numbers bounded, and answers every message (hostile ones with an error)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import frame_numbers

from micrograd_plus.nn import MLP
from micrograd_plus.playground import Playground, settings_from
from micrograd_plus.playground.protocol import Channel
from micrograd_plus.playground.session import Session, feature_columns
from micrograd_plus.playground.settings import Settings, from_hash, to_hash

TF_LINK = (
    "https://playground.tensorflow.org/#activation=relu&batchSize=10&dataset=spiral"
    "&regDataset=reg-plane&learningRate=0.01&regularizationRate=0.003&noise=5"
    "&networkShape=6,5&seed=0.48784&showTestData=false&discretize=true&percTrainData=70"
    "&x=true&y=true&xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=true"
    "&cosY=false&sinY=false&collectStats=false&problem=classification&initZero=false"
    "&hideText=false&regularization=L2"
)


def test_it_learns_the_circle_as_tf_playground_does() -> None:
    pg = Playground(dataset="circle", network_shape=[4, 2], activation="tanh",
                    learning_rate=0.03, seed=1)  # fmt: skip
    start = pg.train_loss
    pg.step(300)
    assert pg.iteration == 300
    assert pg.train_loss < start / 5 and pg.test_loss < start / 3
    assert isinstance(pg.model, MLP) and pg.model.nin == 2 and pg.model.nouts == [4, 2, 1]


def test_a_tf_playground_link_gives_its_settings() -> None:
    pg = Playground.from_url(TF_LINK)
    s = pg.settings
    assert s.networkShape == (6, 5) and s.activation == "relu" and s.learningRate == 0.01
    assert s.features == ("x", "y", "xTimesY", "sinX")
    assert (s.dataset, s.noise, s.percTrainData, s.batchSize) == ("spiral", 5.0, 70.0, 10)
    assert (s.regularization, s.regularizationRate, s.discretize) == ("L2", 0.003, True)
    assert pg.model.nin == 4 and pg.model.nouts == [6, 5, 1]
    assert s.regDataset == "reg-plane" and s.problem == "classification"
    assert s.extra == {"cosX": "false", "cosY": "false", "collectStats": "false",
                       "initZero": "false", "hideText": "false"}  # fmt: skip
    assert s.notes() == []  # all off: nothing to say


def test_the_hash_round_trips() -> None:
    pg = Playground.from_url(TF_LINK)
    again = Playground.from_url(pg.url_hash())
    assert again.settings == pg.settings
    assert from_hash(to_hash(Settings())) == Settings()


def test_settings_take_python_or_tf_names_and_refuse_others() -> None:
    assert settings_from(network_shape=[3], learningRate=0.1).networkShape == (3,)
    with pytest.raises(TypeError, match="no setting 'speed'"):
        settings_from(speed=2)


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("learningRate", "100", "learningRate must be from 1e-06 to 10"),
        ("learningRate", "fast", "learningRate must be a number"),
        ("networkShape", "4,x", "networkShape takes sizes like 4,2"),
        ("networkShape", "4,99", "a hidden layer's size must be a whole number from 1 to 16"),
        ("networkShape", "1,1,1,1,1,1,1,1,1", "at most 8 hidden layers"),
        ("batchSize", "0", "batchSize must be a whole number from 1 to 1000"),
        ("noise", "80", "noise must be from 0 to 50"),
        ("activation", "swish", "activation must be one of"),
        ("x", "maybe", "x must be true or false"),
        ("dataset", "mnist", "dataset must be one of"),
        ("speed", "2", "there is no setting 'speed'"),
    ],
)
def test_every_setting_is_bounded(key: str, text: str, message: str) -> None:
    session = Session()
    before = session.settings
    with pytest.raises(ValueError, match=message):
        session.set(key, text)
    assert session.settings == before


def test_a_setting_applies_where_it_should() -> None:
    session = Session(Settings(seed=3))
    session.step(2)
    session.set("learningRate", "0.3")
    assert session.optimizer.lr == 0.3 and session.iteration == 2  # applied at once
    session.set("optimizer", "adam")
    assert session.iteration == 2 and "state starts afresh" in session.notes[0]
    session.set("networkShape", "3")
    assert session.model.nouts == [3, 1] and session.iteration == 0  # a new network
    assert session.notes == ["a new network for the new networkShape"]
    session.set("dataset", "three")
    assert session.settings.loss == "cross_entropy" and session.model.nouts == [3, 3]
    assert set(np.unique(session.train_y)) == {0, 1, 2}


def test_points_by_hand_and_their_limits() -> None:
    session = Session(Settings(numSamples=10, percTrainData=50))
    count = len(session.train_X)
    session.add_point(1.0, 2.0, 1)
    assert len(session.train_X) == count + 1 and session.train_y[-1] == 1
    session.remove_point(1.1, 2.1)
    assert len(session.train_X) == count
    with pytest.raises(ValueError, match=r"in the plane \[-6, 6\]"):
        session.add_point(7.0, 0.0, 1)
    with pytest.raises(ValueError, match=r"class is 0\.\.1"):
        session.add_point(0.0, 0.0, 2)


def test_zero_hidden_layers_train_and_draw() -> None:
    pg = Playground(network_shape=[], features=["xSquared", "ySquared"], learning_rate=0.1)
    start = pg.train_loss
    pg.step(50)
    frame = Channel(pg.session).frame()
    assert frame["shape"]["sizes"] == [2, 1] and frame["neurons"] == ""  # no hidden maps
    assert pg.train_loss < start / 2


def test_the_tape_and_the_scalar_engine_train_alike() -> None:
    runs = []
    for engine in ("tape", "scalar"):
        session = Session(Settings(networkShape=(3,), seed=2, optimizer="adam"), engine=engine)
        session.step(3)
        if engine == "tape":  # it ran the layers as matrix products
            assert session.tape.tape._schedule == "fused"
        runs.append((list(session.history_table["train_loss"]), session.model.state_dict()))
    (tape_losses, tape_state), (scalar_losses, scalar_state) = runs
    assert tape_losses == pytest.approx(scalar_losses, rel=1e-9)
    assert list(tape_state.values()) == pytest.approx(list(scalar_state.values()), rel=1e-9)


def test_regularization_adds_its_gradient_to_the_weights() -> None:
    plain = Session(Settings(networkShape=(2,), seed=4, batchSize=1000))
    l2 = Session(Settings(networkShape=(2,), seed=4, batchSize=1000, regularization="L2",
                          regularizationRate=0.5))  # fmt: skip
    plain.step(1)
    l2.step(1)
    for a, b in zip(plain.model.layers[0].neurons[0].w, l2.model.layers[0].neurons[0].w):
        # one full batch: the same data gradient, then 0.5 * w more for the L2 run
        assert b.grad == pytest.approx(a.grad + 0.5 * (a.data + 0.03 * a.grad), rel=1e-6)


def test_a_frame_holds_what_the_page_draws_and_later_ones_only_what_changed() -> None:
    session = Session(Settings(networkShape=(3, 2), features=("x", "y", "sinX")))
    channel = Channel(session)
    frame = channel.handle({"type": "tick"})
    json.dumps(frame, allow_nan=False)  # all of it travels as JSON
    assert frame["iteration"] == 1 and frame["re"] == "tick"
    assert frame["shape"]["sizes"] == [3, 3, 2, 1]
    assert frame["shape"]["features"] == ["x1", "x2", "sin x1"]
    assert len(frame_numbers(frame["neurons"], "u1")) == 5 * 20 * 20  # the hidden neurons' maps
    assert {"choices", "points"} <= set(frame)
    params = frame_numbers(frame["params"])
    assert params == pytest.approx(session.numbers.data(), rel=1e-6)
    again = channel.handle({"type": "tick"})
    assert not {"choices", "shape", "points"} & set(again)  # sent once, until they change
    i = session.selected  # the graph is the selected point's, at the current weights
    x = feature_columns(session.train_X[i : i + 1], session.settings.features)[0]
    out = session.model(x)
    assert not isinstance(out, list)
    loss = float(np.logaddexp(0.0, out.data) - session.train_y[i] * out.data)
    assert again["sample"]["loss"] == pytest.approx(loss, rel=1e-12)
    grads = session.numbers.grad()
    assert grads == pytest.approx(frame_numbers(again["grads"]), rel=1e-6, abs=1e-30)


def test_explain_names_the_chosen_weight_and_states_its_update() -> None:
    session = Session(Settings(networkShape=(2,), optimizer="adam"))
    session.choose_weight(1, 0, 1)
    session.step(1)
    text = Channel(session).frame()["explain"]
    assert text.splitlines()[0].startswith("step ") and "for L2.N1.w1" in text
    assert text.splitlines()[-1].startswith("L2.N1.w1 = L2.N1.w1 - step")


def test_explain_after_the_rate_changed_is_the_step_made_and_its_numbers() -> None:
    session = Session(Settings(networkShape=(2,), seed=3))  # SGD, lr 0.03
    session.choose_weight(0, 1, 0)
    session.step(2)
    index = session.weight_index(0, 1, 0)
    w = session.numbers.data()[index]
    session.set("learningRate", "0.5")
    lines = Channel(session).frame()["explain"].splitlines()
    assert "SGD(lr=0.03)" in lines[0]  # the rate that step used
    assert lines[1] == "(the learning rate is 0.5 now: the next step uses it)"
    assert lines[2].startswith("step = lr * g = 0.03 * ")
    assert float(lines[-1].rsplit(" = ", 1)[1]) == pytest.approx(w, rel=1e-3)  # what it made
    session.scrub(1)  # a kept iteration: its own numbers
    text = Channel(session).frame()["explain"]
    shown = float(text.split("L1.N2.w0 = ")[1].split(",")[0])
    assert shown == pytest.approx(session.history.parameters[1, index], rel=1e-3)
    assert text.startswith("iteration 1, from the history")


@pytest.mark.parametrize(
    "message",
    [
        None, 42, "tick", [], {"type": 3}, {"type": "fly"},
        {"type": "set", "key": "learningRate", "value": 1e9},
        {"type": "set", "key": "noise", "value": "x" * 5000},
        {"type": "point", "x": "1", "y": 0, "label": 1},
        {"type": "point", "x": math.inf, "y": 0, "label": 1},
        {"type": "point", "x": 0, "y": 0, "label": True},
        {"type": "select", "sample": 10**9},
        {"type": "weight", "layer": 9, "neuron": 0, "input": 0},
        {"type": "weight", "layer": 0, "neuron": 0, "input": 0, "value": 1e300},
        {"type": "init", "hash": "networkShape=99"},
        {"type": "init", "hash": "seed=" + "9" * 5000},
        {"type": "init", "hash": "batchSize=" + "9" * 3000},
        {"type": "set", "key": "networkShape", "value": "4," + "9" * 4500},
        {"type": "scrub", "iteration": -1},
        {"type": "train_from", "iteration": 10**6},
        {"type": "set", "key": "x", "value": [[[[[[1]]]]]]},
    ],
)  # fmt: skip
def test_a_hostile_message_gets_an_error_and_the_session_goes_on(message: Any) -> None:
    session = Session()
    channel = Channel(session)
    before = (session.settings, session.iteration, len(session.train_X))
    reply = channel.handle(message)
    assert reply["type"] == "error" and reply["message"]
    assert not re.search(
        r"Traceback|numpy|int\(\)|Exceeds the limit|object of type", reply["message"]
    )
    assert (session.settings, session.iteration, len(session.train_X)) == before
    assert channel.handle({"type": "tick"})["iteration"] == 1  # and it still trains


def _run_script(text: str, folder: Path) -> str:
    script = folder / "run.py"
    script.write_text(text)
    done = subprocess.run([sys.executable, str(script)], cwd=folder, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout


def test_the_exported_script_repeats_the_run_bit_for_bit(tmp_path: Path) -> None:
    pg = Playground(network_shape=[3], seed=5, optimizer="adam")
    channel = pg.channel
    pg.step(4)
    assert channel.handle({"type": "weight", "layer": 0, "neuron": 1, "input": 0,
                           "value": 0.7071})["type"] == "state"  # fmt: skip
    channel.handle({"type": "point", "x": 1.25, "y": -2.5, "label": 1})
    channel.handle({"type": "set", "key": "learningRate", "value": "0.1"})
    pg.step(3)
    channel.handle({"type": "scrub", "iteration": 5})
    channel.handle({"type": "train_from", "iteration": 5})
    channel.handle({"type": "remove", "x": 1.25, "y": -2.5})
    channel.handle({"type": "set", "key": "xSquared", "value": "true"})  # a new network
    pg.step(2)
    pg.set_weight(1, 0, 2, -1.5)
    pg.learning_rate = 0.3
    pg.step(2)
    exported = channel.handle({"type": "export", "what": "script"})
    assert exported["note"] == ""
    out = _run_script(exported["script"], tmp_path)
    assert f"train loss {pg.train_loss:.4f}" in out
    mine, theirs = pg.model.state_dict(), MLP.from_file(tmp_path / "model.json").state_dict()
    assert list(mine) == list(theirs)
    assert all(mine[k] == theirs[k] for k in mine)  # every parameter, bit for bit
    assert (tmp_path / "model.json").read_text() == exported["model"]


def test_export_works_after_a_diverged_run(tmp_path: Path) -> None:
    pg = Playground(network_shape=[8, 8], activation="linear", learning_rate=10, seed=1,
                    features=["x", "y", "xSquared"])  # fmt: skip
    pg.step(20)
    assert not np.isfinite(pg.session.numbers.data()).all()  # it diverged
    exported = pg.export()
    assert "diverged: model.json holds iteration" in exported["note"]
    saved = json.loads(exported["model"])
    assert all(math.isfinite(v) for v in saved["parameters"].values())
    assert any("diverging" in hint for hint in pg.session.hints())
    _run_script(exported["script"], tmp_path)
    assert (tmp_path / "model.json").read_text() == exported["model"]


def test_a_learning_rate_of_10_says_the_units_saturated() -> None:
    pg = Playground(network_shape=[4], activation="relu", learning_rate=10, seed=1)
    assert pg.session.hints() == []
    pg.step(20)
    assert np.isfinite(pg.session.numbers.data()).all()
    assert any("saturated" in hint for hint in pg.session.hints())


def test_the_settings_are_traits_that_observe_and_link() -> None:
    ipywidgets = pytest.importorskip("ipywidgets")
    pg = Playground(seed=2)
    seen: list[float] = []
    pg.observe(lambda change: seen.append(change["new"]), names="learning_rate")
    pg.learning_rate = 0.1
    assert pg.session.optimizer.lr == 0.1 and pg.settings.learningRate == 0.1 and seen == [0.1]
    slider = ipywidgets.FloatSlider(min=0.001, max=1.0)
    ipywidgets.link((slider, "value"), (pg, "learning_rate"))
    slider.value = 0.3
    assert pg.learning_rate == 0.3 and pg.session.optimizer.lr == 0.3
    pg.network_shape = [3]
    assert pg.model.nouts == [3, 1] and pg.network_shape == [3]
    pg.dataset = "three"  # brings its loss, and the loss trait follows
    assert pg.loss == "cross_entropy" and pg.model.nouts == [3, 3]
    pg.channel.handle({"type": "set", "key": "activation", "value": "relu"})
    pg._sync()  # what the page's message does after its reply
    assert pg.activation == "relu"
    with pytest.raises(ValueError, match="learningRate must be from 1e-06 to 10, got 99"):
        pg.learning_rate = 99
    with pytest.raises(ValueError, match="networkShape is a list of hidden layer sizes"):
        pg.network_shape = 4
    with pytest.raises(ValueError, match=r"each feature is chosen once, got \['x', 'x'\]"):
        pg.features = ["x", "x"]
    with pytest.raises(ValueError, match="features is a list of feature names"):
        pg.features = "x"
    with pytest.raises(ValueError, match="seed must be a whole number from 0 to 2147483647"):
        pg.seed = -1
    assert pg.learning_rate == 0.3 and pg.network_shape == [3]  # refused: nothing changed


def test_regression_as_tf_playground_makes_it() -> None:
    pg = Playground(problem="regression", reg_dataset="reg-gauss", network_shape=[4, 2], seed=3)
    s = pg.settings
    assert (s.loss, s.outputs, pg.model.output_activation) == ("mse", 1, "linear")
    y = pg.session.train_y
    assert y.dtype == np.float64 and -1 <= y.min() < 0 < y.max() <= 1
    start = pg.train_loss
    pg.step(300)
    assert pg.train_loss < 0.7 * start
    assert "problem=regression" in pg.url_hash() and "regDataset=reg-gauss" in pg.url_hash()
    assert Playground.from_url(pg.url_hash()).settings == pg.settings


def test_unsupported_tf_keys_are_named_in_a_note() -> None:
    pg = Playground.from_url("#networkShape=2&cosX=true&initZero=true&color=red")
    notes = Channel(pg.session).frame()["notes"]
    assert any(note.startswith("cosX=true is not supported") for note in notes)
    assert any(note.startswith("initZero=true is not supported") for note in notes)
    assert "color is not a setting here and was ignored" in notes


def test_three_classes_show_a_map_per_output_and_offer_their_loss_only() -> None:
    session = Session(Settings(dataset="three", loss="cross_entropy", networkShape=(4,)))
    session.step(5)
    frame = Channel(session).frame()
    maps = frame_numbers(frame["outputs"], "u1").reshape(3, -1)
    assert not (maps[0] == maps[1]).all() and not (maps[1] == maps[2]).all()
    assert frame["losses"] == ["cross_entropy"]
    assert Channel(Session()).frame()["losses"] == ["bce", "mse"]


def test_a_frame_at_the_largest_size_stays_under_its_bound() -> None:
    features = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")
    channel = Channel(Session(Settings(networkShape=(16,) * 8, features=features,
                                       numSamples=1000)))  # fmt: skip
    first = json.dumps(channel.handle({"type": "frame"}), allow_nan=False)
    later = json.dumps(channel.handle({"type": "tick"}), allow_nan=False)
    assert len(later) < 200_000  # the view module's stated bound
    assert '"points"' in first and '"points"' not in later  # the points only when they change
    maps = frame_numbers(json.loads(first)["shape"]["featureMaps"], "u1")
    x1 = maps.reshape(7, 20, 20)[0]  # x1 from -6 (byte 0) rising to the right, the same down
    assert x1[0, 0] == 0 and (np.diff(x1[0].astype(int)) > 0).all() and (x1 == x1[0]).all()


def test_no_saturation_hint_for_a_converged_run_or_before_the_first_step() -> None:
    pg = Playground(problem="regression", activation="linear", network_shape=[4],
                    learning_rate=0.01, seed=1)  # fmt: skip
    pg.step(300)
    assert pg.train_loss < 1e-20 and pg.session.hints() == []  # converged, not saturated
    pg.scrub(0)
    assert pg.session.hints() == []  # iteration 0 has no gradients yet
