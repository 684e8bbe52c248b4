"""The playground as a page drives it: random sequences of every message a page sends,
answered by ``Channel(Session(...))``, with the run checked after each one.

Each rule sends one message and says whether the session should take it or refuse it;
``check`` states what holds after any message: the frame builds and travels as JSON, the
model and the optimizer are the settings', the history ends at the run's iteration and
its last row is the model now, a refusal changed nothing, the losses are finite or said
to diverge, and the points placed by hand are the ones the session lists. At the end of
each sequence the exported script is run (in this process, writing nothing) and must
repeat the run bit for bit. ``KNOWN`` keeps the sequences that found bugs.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import math
import os
import types
from collections import Counter
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from conftest import frame_numbers
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from micrograd_plus.history import BUDGET
from micrograd_plus.playground.data import RADIUS
from micrograd_plus.playground.protocol import Channel
from micrograd_plus.playground.session import NEW_DATA, NEW_MODEL, NEW_OPTIMIZER, Session
from micrograd_plus.playground.settings import (
    ACTIVATIONS,
    FEATURES,
    LIMITS,
    UNSUPPORTED,
    Settings,
    choices,
    from_hash,
    to_hash,
)
from micrograd_plus.playground.view import saved_model
from micrograd_plus.playground.widget import Playground

# Each setting a menu of the page sets, and its menu (a key of choices()).
MENUS = {
    "dataset": "datasets",
    "regDataset": "regDatasets",
    "problem": "problems",
    "activation": "activations",
    "loss": "losses",
    "optimizer": "optimizers",
    "regularization": "regularizations",
    "learningRate": "learningRates",
    "regularizationRate": "regularizationRates",
}
SWITCHES = [f.name for f in fields(Settings) if isinstance(f.default, bool)]


def _whole(key: str) -> tuple[int, int]:
    """A whole-number setting's limits."""
    low, high = LIMITS[key]
    return int(low), int(high)


SAMPLES = (max(_whole("numSamples")[0], 20), 60)  # small data: hundreds of runs in seconds
# At most 3 hidden layers of 4 here (the largest network is measured elsewhere).
LAYERS, NEURONS = min(3, _whole("hiddenLayers")[1]), min(4, _whole("neurons")[1])


def _text(value: object) -> str:
    """A value as a URL hash writes it (the page sends the same text)."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _menu(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([_text(value) for value, _label in choices()[name]])


def _between(key: str) -> st.SearchStrategy[str]:
    """Any number within a setting's limits, its ends included, at full precision."""
    low, high = LIMITS[key]
    return st.sampled_from([repr(float(low)), repr(float(high))]) | st.floats(low, high).map(repr)


SHAPES = st.lists(st.integers(_whole("neurons")[0], NEURONS), max_size=LAYERS)
ON_OFF = st.sampled_from(["true", "false"])
# Every key a page's "set" message may carry, and the texts it sends for it.
SET_VALUES: dict[str, st.SearchStrategy[str]] = {
    **{key: _menu(menu) for key, menu in MENUS.items()},
    "learningRate": _menu("learningRates") | _between("learningRate"),
    "regularizationRate": _menu("regularizationRates") | _between("regularizationRate"),
    "noise": _between("noise"),
    "percTrainData": _between("percTrainData"),
    "batchSize": st.integers(*_whole("batchSize")).map(str),
    "numSamples": st.integers(*SAMPLES).map(str),
    "seed": st.integers(*_whole("seed")).map(str) | st.just("0.48784"),  # TF's seeds are text
    "networkShape": SHAPES.map(lambda sizes: ",".join(map(str, sizes))),  # "": no hidden layer
    **dict.fromkeys(SWITCHES, ON_OFF),
    **dict.fromkeys(FEATURES, ON_OFF),
}
SETS = st.one_of([st.tuples(st.just(key), texts) for key, texts in SET_VALUES.items()])

# Messages no session takes: each must be refused and change nothing.
INVALID: list[Any] = [
    None,
    "tick",
    [],
    {"type": 3},
    {"type": "fly"},
    {"type": "set", "key": "speed", "value": "2"},
    {"type": "set", "key": "learningRate", "value": _text(10 * LIMITS["learningRate"][1])},
    {"type": "set", "key": "noise", "value": _text(LIMITS["noise"][1] + 1)},
    {"type": "set", "key": "batchSize", "value": str(LIMITS["batchSize"][1] + 1)},
    {"type": "set", "key": "networkShape", "value": str(LIMITS["neurons"][1] + 1)},
    {"type": "set", "key": "activation", "value": "swish"},
    {"type": "set", "key": "learningRate", "value": 0.1},  # a number, not its text
    {"type": "point", "x": RADIUS + 1, "y": 0, "label": 0},
    {"type": "point", "x": "1", "y": 0, "label": 0},
    {"type": "point", "x": 0, "y": 0, "label": True},
    {"type": "remove", "x": math.nan, "y": 0},
    {"type": "select", "sample": -1},
    {"type": "weight", "layer": 0, "neuron": 0, "input": 0, "value": 1e300},
    {"type": "weight", "layer": -1, "neuron": 0, "input": 0},
    {"type": "scrub", "iteration": -1},
    {"type": "scrub", "iteration": 1.5},
    {"type": "train_from", "iteration": -1},
    {"type": "init", "hash": "networkShape=99"},
    {"type": "init", "hash": "&".join(f"{feature}=false" for feature in FEATURES)},
    {"type": "set", "key": "x", "value": [[[[[[1]]]]]]},
]


@st.composite
def hashes(draw: st.DrawFn, base: Settings) -> str:
    """A valid URL hash: some keys of random valid settings (the features all or none;
    the problem, data set and loss together, as they constrain each other; always the
    number of samples, kept small), perhaps with keys this playground does not have."""
    chosen = base
    for key, text in draw(st.lists(SETS, max_size=6)):
        with contextlib.suppress(ValueError):  # a value these settings cannot take
            chosen = chosen.with_value(key, text)
    groups: dict[str, list[str]] = {}
    for part in to_hash(chosen).split("&"):
        key = part.partition("=")[0]
        group = "features" if key in FEATURES else key
        group = "data" if key in ("problem", "dataset", "regDataset", "loss") else group
        groups.setdefault(group, []).append(part)
    others = sorted(set(groups) - {"numSamples"})
    kept = ["numSamples", *draw(st.lists(st.sampled_from(others), unique=True))]
    parts = [part for group in kept for part in groups[group]]
    parts += draw(st.lists(st.sampled_from([*(f"{k}=true" for k in UNSUPPORTED), "speed=2"])))
    return ("#" if draw(st.booleans()) else "") + "&".join(draw(st.permutations(parts)))


def _float32(values: np.ndarray) -> np.ndarray:
    """Numbers as a frame sends them (a diverged run's beyond float32 become inf)."""
    with np.errstate(over="ignore"):
        return values.astype("<f4")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (nan where nan)."""
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _snapshot(session: Session) -> tuple[Any, ...]:
    """Everything a message may change."""
    return (
        session.settings,
        dict(session.settings.extra),
        id(session.model),
        id(session.optimizer),
        session.optimizer.lr,
        session.iteration,
        session.shown,
        session.history.count,
        session.numbers.data().tobytes(),
        session.train_X.tobytes(),
        session.train_y.tobytes(),
        session.test_X.tobytes(),
        session.test_y.tobytes(),
        list(session.added),
        session.selected,
        session.chosen,
        list(session.log),
        session.start,
        session.data_version,
    )


def _points(session: Session) -> set[tuple[float, float, float]]:
    """The training and test points, as (x, y, label)."""
    return {
        (float(x), float(y), float(label))
        for X, Y in ((session.train_X, session.train_y), (session.test_X, session.test_y))
        for (x, y), label in zip(X, Y)
    }


def _nearest(session: Session, x: float, y: float) -> tuple[str, int] | None:
    """The point a click at (x, y) removes: the nearest within 0.5, training points first."""
    best: tuple[str, int, float] | None = None
    for name, X in (("train", session.train_X), ("test", session.test_X)):
        if len(X):
            distances = np.hypot(X[:, 0] - x, X[:, 1] - y)
            i = int(np.argmin(distances))
            if distances[i] <= 0.5 and (best is None or distances[i] < best[2]):
                best = (name, i, float(distances[i]))
    return None if best is None else (best[0], best[1])


def _changed(before: Settings, after: Settings) -> set[str]:
    return {f.name for f in fields(Settings) if getattr(before, f.name) != getattr(after, f.name)}


class _ScriptPlayground(Playground):
    """The exported script's ``Playground``: ``save`` keeps model.json's text in memory."""

    saved = ""

    def save(self, path: str | os.PathLike[str]) -> None:
        self.saved = saved_model(self.session)[0].to_json()


def run_script(script: str) -> tuple[_ScriptPlayground, list[str]]:
    """An exported script, run here as written (its import of ``Playground`` gives
    ``_ScriptPlayground``): its playground, and the lines it printed."""
    made: list[_ScriptPlayground] = []
    printed: list[str] = []

    def from_url(text: str) -> _ScriptPlayground:
        pg = _ScriptPlayground.from_url(text)
        assert isinstance(pg, _ScriptPlayground)
        made.append(pg)
        return pg

    module = types.SimpleNamespace(Playground=types.SimpleNamespace(from_url=from_url))

    def importer(name: str, *args: Any, **kwargs: Any) -> Any:
        return module if name == "micrograd_plus.playground" else __import__(name, *args, **kwargs)

    def printer(*values: Any) -> None:
        printed.append(" ".join(map(str, values)))

    names = {"__builtins__": {**vars(builtins), "__import__": importer, "print": printer}}
    try:
        exec(compile(script, "exported_script.py", "exec"), names)
    except Exception as error:
        raise AssertionError(f"the exported script fails: {error!r}\n{script}") from error
    assert len(made) == 1, f"the script made {len(made)} playgrounds"
    return made[0], printed


START = {"samples": 20, "batch": 10, "seed": 0, "history_bytes": BUDGET, "trained": 0}


@settings(max_examples=max(80, settings().max_examples), stateful_step_count=8, deadline=None)
class PlaygroundMachine(RuleBasedStateMachine):
    """A page's messages, in any order; the session checked after each."""

    def __init__(self) -> None:
        super().__init__()
        self.placed: list[tuple[float, float, float]] = []  # hand-placed points in the data

    @initialize(
        samples=st.integers(*SAMPLES),
        batch=st.integers(10, _whole("batchSize")[1]),
        seed=st.integers(0, 2**10),
        history_bytes=st.sampled_from([0, 4_000, BUDGET]),  # 0: a history of 8 rows
        trained=st.sampled_from([0, 12]),  # 12 iterations: a history of 8 rows is thinned
    )
    def start(self, samples: int, batch: int, seed: int, history_bytes: int, trained: int) -> None:
        given = Settings(numSamples=samples, batchSize=batch, seed=seed, networkShape=(3,))
        self.session = Session(given, history_bytes=history_bytes)
        self.session.step(trained)
        self.channel = Channel(self.session)

    def send(self, message: Any, ok: bool) -> dict[str, Any]:
        """The reply to ``message``, which the session should take (``ok``) or refuse."""
        session = self.session
        before = _snapshot(session)
        reply = self.channel.handle(message)
        assert isinstance(reply, dict), reply
        assert reply.get("type") in ("state", "export", "error"), reply.get("type")
        if reply["type"] == "error":
            text = reply["message"]
            assert isinstance(text, str) and text.strip(), f"an empty refusal of {message!r}"
            assert "Traceback" not in text
            assert "could not do" not in text, f"{message!r} failed inside: {text}"
            assert _snapshot(session) == before, f"the refused {message!r} changed the session"
            assert not ok, f"{message!r} was refused: {text}"
        else:
            assert ok, f"{message!r} was taken, and should have been refused"
        return reply

    def recorded_now(self) -> None:
        """The history's last row has the losses of the model now on the data now (after
        an action that records a row; a row kept from before a change of the data holds
        the losses it had then)."""
        session = self.session
        for name in ("train", "test"):
            kept = getattr(session, f"{name}_loss")
            now = session.mean_loss(getattr(session, f"{name}_X"), getattr(session, f"{name}_y"))
            assert _same(np.array(kept), np.array(now)), f"{name} loss kept {kept}, now {now}"

    def on_view(self) -> int:
        """The iteration on view: an action there trains on from it."""
        session = self.session
        return session.iteration if session.shown is None else session.now.iteration

    def place(self, near: int | None, x: float, y: float) -> tuple[float, float]:
        """(x, y), or near the existing point ``near`` (modulo their count), (x, y) / 20
        away from it."""
        if near is None:
            return x, y
        points = np.concatenate([self.session.train_X, self.session.test_X])
        px, py = points[near % len(points)] + np.array([x, y]) / 20
        return float(np.clip(px, -RADIUS, RADIUS)), float(np.clip(py, -RADIUS, RADIUS))

    # --- the rules: every message a page sends (all but "stepper", 0.15 s each) ----------

    @rule(kind=st.sampled_from(["tick", "step"]))
    def tick(self, kind: str) -> None:
        expected = self.on_view() + 1
        reply = self.send({"type": kind}, ok=True)
        assert reply["iteration"] == reply["runIteration"] == expected == self.session.iteration
        self.recorded_now()

    @rule(setting=SETS)
    def set_value(self, setting: tuple[str, str]) -> None:
        key, text = setting
        session = self.session
        before, params = session.settings, session.numbers.data()
        try:
            expected: Settings | None = before.with_value(key, text)
        except ValueError:
            expected = None
        self.send({"type": "set", "key": key, "value": text}, ok=expected is not None)
        if expected is None:
            return
        assert session.settings == expected
        changed = _changed(before, expected)
        if changed & {"dataset", "regDataset", "problem"}:
            self.placed = []  # new data of another kind: the points placed by hand go
        if changed & (NEW_DATA | NEW_MODEL):
            assert session.iteration == 0 and session.history.count == 1
            self.recorded_now()
        if changed & NEW_DATA:
            total = len(session.train_X) + len(session.test_X)
            assert total == expected.numSamples + len(session.added)
        if not changed & (NEW_DATA | NEW_MODEL | NEW_OPTIMIZER):
            assert _same(session.numbers.data(), params)  # it applies at the next step

    @rule()
    def reset(self) -> None:
        self.send({"type": "reset"}, ok=True)
        assert self.session.iteration == 0 and self.session.history.count == 1
        self.recorded_now()

    @rule()
    def regenerate(self) -> None:
        session = self.session
        seed = session.settings.seed
        self.send({"type": "regenerate"}, ok=True)
        assert session.settings.seed == (seed + 1) % 2**31 and session.iteration == 0
        total = len(session.train_X) + len(session.test_X)
        assert total == session.settings.numSamples + len(session.added)
        self.recorded_now()

    @rule(
        near=st.none() | st.integers(0, SAMPLES[1]),
        x=st.floats(-RADIUS, RADIUS),
        y=st.floats(-RADIUS, RADIUS),
        label=st.integers(-1, 3) | st.floats(-1.5, 1.5),
    )
    def point(self, near: int | None, x: float, y: float, label: float) -> None:
        session = self.session
        x, y = self.place(near, x, y)
        s = session.settings
        ok = -1 <= label <= 1 if s.regression else label in range(s.classes)
        count, expected = len(session.train_X), self.on_view()
        self.send({"type": "point", "x": x, "y": y, "label": label}, ok=ok)
        if ok:
            self.placed.append((x, y, float(label)))
            assert len(session.train_X) == count + 1 and session.train_y[-1] == label
            assert session.iteration == expected
            self.recorded_now()

    @rule(
        near=st.none() | st.integers(0, SAMPLES[1]),
        x=st.floats(-RADIUS, RADIUS),
        y=st.floats(-RADIUS, RADIUS),
    )
    def remove(self, near: int | None, x: float, y: float) -> None:
        session = self.session
        x, y = self.place(near, x, y)
        target = _nearest(session, x, y)
        ok = target is None or target[0] == "test" or len(session.train_X) > 1
        total = len(session.train_X) + len(session.test_X)
        if target is not None:
            name, i = target
            X, Y = getattr(session, f"{name}_X"), getattr(session, f"{name}_y")
            gone = (float(X[i, 0]), float(X[i, 1]), float(Y[i]))
        self.send({"type": "remove", "x": x, "y": y}, ok=ok)
        if ok and target is not None:
            assert len(session.train_X) + len(session.test_X) == total - 1
            if gone in self.placed:
                self.placed.remove(gone)
            self.recorded_now()
        elif ok:
            assert len(session.train_X) + len(session.test_X) == total

    @rule(sample=st.integers(0, SAMPLES[1]))
    def select(self, sample: int) -> None:
        session = self.session
        sample %= len(session.train_X) + 1  # the last: one too far
        ok = sample < len(session.train_X)
        reply = self.send({"type": "select", "sample": sample}, ok=ok)
        if ok:
            assert session.selected == reply["selected"] == sample

    @rule(
        layer=st.integers(0, LAYERS + 1),
        neuron=st.integers(0, NEURONS),
        input_=st.integers(0, max(NEURONS, len(FEATURES))),
        value=st.none() | st.floats(-100, 100) | st.just(100.5),
    )
    def weight(self, layer: int, neuron: int, input_: int, value: float | None) -> None:
        """A weight chosen (``value`` None) or edited; each index modulo its count + 1:
        one past the last is refused."""
        session = self.session
        layers = session.model.layers
        layer %= len(layers) + 1
        last = layers[min(layer, len(layers) - 1)]
        neuron, input_ = neuron % (last.nout + 1), input_ % (last.nin + 1)
        message: dict[str, Any] = {"type": "weight", "layer": layer, "neuron": neuron,
                                   "input": input_}  # fmt: skip
        ok = layer < len(layers) and neuron < last.nout and input_ < last.nin
        if value is not None:
            message["value"] = value
            ok = ok and abs(value) <= 100
        expected = self.on_view()
        self.send(message, ok=ok)
        if ok:
            assert session.chosen == (layer, neuron, input_)
        if ok and value is not None:
            index = session.weight_index(layer, neuron, input_)
            assert session.numbers.data()[index] == value and session.iteration == expected
            self.recorded_now()

    @rule(iteration=st.none() | st.integers(0, 12))
    def scrub(self, iteration: int | None) -> None:
        """A kept iteration on view: the nearest at or before the one asked for (an
        iteration before the first kept one, after a new optimizer, has none)."""
        session = self.session
        params, now = session.numbers.data(), session.iteration
        ok = iteration is None or iteration >= session.history.iterations[0]
        reply = self.send({"type": "scrub", "iteration": iteration}, ok=ok)
        if not ok:
            return
        assert session.iteration == reply["runIteration"] == now  # the run is as it was
        assert _same(session.numbers.data(), params)
        if iteration is None or iteration >= now:
            assert session.shown is None and not reply["scrubbed"] and reply["iteration"] == now
        else:
            index = session.history.find(iteration)
            assert session.shown == index and reply["scrubbed"]
            assert reply["iteration"] == session.history.iterations[index] <= iteration
            assert _same(
                frame_numbers(reply["params"]), _float32(session.history.parameters[index])
            )

    @rule(iteration=st.integers(0, 12))
    def train_from(self, iteration: int) -> None:
        """Back to the kept iteration nearest at or before the one asked for (none before
        the first kept one, nor after the run)."""
        session = self.session
        iteration %= session.iteration + 2  # the last: one too far
        ok = session.history.iterations[0] <= iteration <= session.iteration
        index = session.history.find(iteration) if ok else 0
        kept = session.history.row(index)
        self.send({"type": "train_from", "iteration": iteration}, ok=ok)
        if ok:
            assert session.iteration == kept.iteration <= iteration
            assert session.history.count == index + 1 and session.shown is None
            assert _same(session.numbers.data(), kept.parameters)

    @rule(what=st.sampled_from(["model", "script"]))
    def export(self, what: str) -> None:
        self.exported(what)

    def exported(self, what: str) -> dict[str, Any]:
        """The exports, always; the model is left out (and the note says so) only where
        no kept iteration (nor the run now) has finite parameters."""
        session = self.session
        history = session.history
        finite = np.isfinite(history.parameters[: history.count]).all(axis=1).any()
        saveable = bool(finite or np.isfinite(session.numbers.data()).all())
        reply = self.send({"type": "export", "what": what}, ok=True)
        assert reply["what"] == what and reply["script"]
        assert bool(reply["model"]) == saveable
        if not saveable:
            assert reply["note"].endswith("no model.json")
        else:
            saved = json.loads(reply["model"])["parameters"]
            assert all(math.isfinite(v) for v in saved.values())
            if np.isfinite(session.numbers.data()).all():
                assert list(saved.values()) == list(session.numbers.data())
        return reply

    @rule()
    def frame(self) -> None:
        reply = self.send({"type": "frame"}, ok=True)
        assert {"choices", "shape", "points"} <= set(reply)  # a new page gets everything

    @rule(data=st.data())
    def init(self, data: st.DataObject) -> None:
        session = self.session
        before = session.settings
        text = data.draw(hashes(Settings(numSamples=before.numSamples)), label="hash")
        self.init_with(text)

    def init_with(self, text: str) -> None:
        session = self.session
        version = session.data_version
        try:  # a link's missing keys take their defaults; no link keeps the settings
            expected: Settings | None = from_hash(text) if text.strip("#") else session.settings
        except ValueError:
            expected = None
        reply = self.send({"type": "init", "hash": text}, ok=expected is not None)
        if expected is None:
            return
        assert session.settings == expected and session.settings.extra == expected.extra
        assert session.log == [] and session.start == to_hash(expected)
        assert reply["notes"] == expected.notes()
        assert {"choices", "shape", "points"} <= set(reply)
        if session.data_version != version:
            self.placed = []  # new data for the page that opens, without the points placed

    @rule(message=st.sampled_from(INVALID))
    def invalid(self, message: Any) -> None:
        self.send(message, ok=False)

    # --- after every message, and at the end ------------------------------------------------

    @invariant()
    def check(self) -> None:
        self.the_frame_travels_as_json()
        self.the_model_and_optimizer_are_the_settings()
        self.the_history_ends_at_the_run()
        self.the_losses_are_finite_or_said_to_diverge()
        self.the_data_fits_the_problem()
        self.the_hand_placed_points_are_the_sessions()

    def the_frame_travels_as_json(self) -> None:
        session = self.session
        frame = self.channel.frame()
        json.dumps(frame, allow_nan=False)
        assert frame["type"] == "state" and frame["runIteration"] == session.iteration
        assert frame["iteration"] == session.now.iteration
        assert _same(frame_numbers(frame["params"]), _float32(session.now.parameters))
        assert from_hash(frame["hash"]) == session.settings, "the hash loses a setting"

    def the_model_and_optimizer_are_the_settings(self) -> None:
        session = self.session
        s = session.settings
        assert session.model.nin == len(s.features)
        assert session.model.nouts == [*s.networkShape, s.outputs]
        hidden = session.model.layers[:-1]
        assert all(layer.activation == ACTIVATIONS[s.activation] for layer in hidden)
        assert session.optimizer.lr == s.learningRate

    def the_history_ends_at_the_run(self) -> None:
        session = self.session
        history = session.history
        iterations = history.iterations[: history.count]
        assert 1 <= history.count <= history.capacity
        assert iterations[-1] == session.iteration
        assert (np.diff(iterations) > 0).all(), f"iterations not increasing: {iterations}"
        assert _same(history.parameters[history.count - 1], session.numbers.data())
        assert session.shown is None or 0 <= session.shown < history.count - 1

    def the_losses_are_finite_or_said_to_diverge(self) -> None:
        session = self.session
        train_loss, test_loss = session.train_loss, session.test_loss
        diverging = any("diverging" in hint for hint in session.hints())
        assert math.isfinite(train_loss) or diverging, f"train loss {train_loss}, no hint"
        if not len(session.test_X):
            assert math.isnan(test_loss)  # no test points, no test loss
        else:
            assert math.isfinite(test_loss) or diverging, f"test loss {test_loss}, no hint"

    def the_data_fits_the_problem(self) -> None:
        session = self.session
        s = session.settings
        if not s.regression:
            labels = np.concatenate([session.train_y, session.test_y])
            assert set(np.unique(labels)) <= set(range(s.classes))
        assert len(session.train_X) >= 1 and 0 <= session.selected < len(session.train_X)
        session.weight_index(*session.chosen)  # the chosen weight exists

    def the_hand_placed_points_are_the_sessions(self) -> None:
        session = self.session
        assert Counter(self.placed) == Counter(session.added), (self.placed, session.added)
        assert set(self.placed) <= _points(session)

    def teardown(self) -> None:
        """The exported script, run, repeats the run: its settings, data and parameters
        bit for bit, the line it prints and the model it saves."""
        if not hasattr(self, "session"):
            return
        session = self.session
        reply = self.exported("script")
        pg, printed = run_script(reply["script"])
        again = pg.session
        assert again.settings == session.settings
        for name in ("train_X", "train_y", "test_X", "test_y"):
            assert _same(getattr(again, name), getattr(session, name)), f"its {name} differ"
        assert again.iteration == session.iteration, (again.iteration, session.iteration)
        assert _same(again.numbers.data(), session.numbers.data()), "its parameters differ"
        assert printed == [
            f"iteration {session.iteration}: train loss {session.train_loss:.4f}, "
            f"test loss {session.test_loss:.4f}"
        ]
        assert pg.saved == reply["model"]


TestPlaygroundState = pytest.mark.slow(PlaygroundMachine.TestCase)  # 300 sequences, ~15 s


def test_the_rules_send_every_setting_and_every_menu() -> None:
    keys = {f.name for f in fields(Settings)} - {"extra", "features"} | set(FEATURES)
    assert set(SET_VALUES) == keys
    assert set(MENUS.values()) == set(choices()) - {"features", "limits"}
    assert {key for key, _label in choices()["features"]} == set(FEATURES)


def _set(key: str, text: str) -> tuple[str, dict[str, Any]]:
    return ("set_value", {"setting": (key, text)})


TICK = ("tick", {"kind": "tick"})
# Sequences that found bugs, replayed as the machine runs them (rule, its arguments).
KNOWN: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "a point replaces its iteration's history row": [
        ("point", {"near": None, "x": 0.0, "y": 0.0, "label": 0}),
    ],
    "a refused edit of a weight on a scrubbed view trains on": [
        TICK,
        ("scrub", {"iteration": 0}),
        ("weight", {"layer": 2, "neuron": 0, "input_": 0, "value": 1.0}),  # 2 layers
    ],
    "a point removed takes only itself from the hand-placed ones": [
        ("point", {"near": None, "x": 1.0, "y": 1.0, "label": 1}),
        ("point", {"near": None, "x": 1.2, "y": 1.0, "label": 0}),
        ("remove", {"near": None, "x": 1.0, "y": 1.0}),
    ],
    "a page that opens keeps its points listed": [
        ("point", {"near": None, "x": 0.0, "y": 0.0, "label": 0}),
        ("init_with", {"text": ""}),
    ],
    "the script of a run a page reopened repeats it": [TICK, ("init_with", {"text": ""})],
    "the script of a run back from regression repeats it": [
        _set("problem", "regression"),
        _set("problem", "classification"),
    ],
    "a scrub to before the first kept row is refused": [
        TICK,
        _set("optimizer", "adam"),  # the history starts again at iteration 1
        ("scrub", {"iteration": 0}),
    ],
    "training on from before the first kept row is refused": [
        TICK,
        _set("optimizer", "adam"),
        ("train_from", {"iteration": 0}),
    ],
    "the hash keeps a learning rate of full precision": [_set("learningRate", "0.1234567")],
    "a diverged run's script is exported after a new optimizer": [
        _set("activation", "linear"),
        _set("networkShape", "4,4,4"),
        _set("learningRate", "10"),
        *[TICK] * 8,
        _set("optimizer", "adam"),
        ("export", {"what": "script"}),
    ],
}


@pytest.mark.parametrize("name", KNOWN)
def test_a_sequence_that_found_a_bug(name: str) -> None:
    machine = PlaygroundMachine()
    machine.start(**START)
    machine.check()
    for rule_name, arguments in KNOWN[name]:
        getattr(machine, rule_name)(**arguments)
        machine.check()
    machine.teardown()
