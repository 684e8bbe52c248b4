"""The GPT live view's run and messages, with no page: its training is microgpt's
(``train_gpt``'s losses, step for step), what it shows is the model's own numbers, its
history goes back and trains on to the same numbers, and no sequence of messages breaks
it (a state machine of every action)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from micrograd_plus.gpt import GPT, train_gpt
from micrograd_plus.gpt_live.protocol import CURVE_POINTS, Channel, frame
from micrograd_plus.gpt_live.run import LIMITS, SIZES, LiveRun
from micrograd_plus.loopback import MAX_MESSAGE, Refused, parse

NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn",
         "bo", "lily", "zoe"]  # fmt: skip
SMALL: dict[str, Any] = {"n_embd": 8, "n_head": 2, "name": "ava", "steps": 40}


@pytest.fixture(scope="module")
def stepped() -> LiveRun:
    """A run 5 steps in, shared by the tests of refusals (each leaves it as it was)."""
    run = LiveRun(NAMES, **SMALL)
    run.step(5)
    return run


def _frame_json(run: LiveRun) -> dict[str, Any]:
    """The frame as the page gets it (no NaN, no infinity: strict JSON)."""
    result: dict[str, Any] = json.loads(json.dumps(frame(run), allow_nan=False))
    return result


def test_a_run_trains_as_train_gpt_does_step_for_step() -> None:
    run = LiveRun(NAMES, **SMALL)
    run.step(12)
    model = GPT(run.vocabulary.size, n_embd=8, n_head=2, block_size=16, seed=42)
    theirs = train_gpt(model, run.documents, 12, total=40)
    assert run.losses == theirs  # the same trainer, the same numbers to the last bit
    assert [p.data for p in run.model.parameters()] == [p.data for p in model.parameters()]
    assert run.trainer.optimizer.lr == pytest.approx(0.01 * (1 - 11 / 40))


def test_what_is_shown_is_the_models_own_numbers() -> None:
    run = LiveRun(NAMES, **SMALL)
    run.step(5)
    shown = _frame_json(run)
    tokens = run.vocabulary.encode("ava")
    assert shown["tokens"] == ["BOS", "a", "v", "a"] and shown["targets"] == tokens[1:]
    maps, probs = run.model.look(tokens[:-1])
    np.testing.assert_allclose(shown["maps"], maps, atol=1e-5)  # sent to 5 decimals
    np.testing.assert_allclose(shown["probs"], probs, atol=1e-5)
    # the name's loss from the probabilities is the scalar engine's cross-entropy
    assert shown["name_loss"] == pytest.approx(run.model.loss(tokens).data, rel=1e-12)
    table = [[p.data for p in row] for row in run.model.state_dict["wte"]]
    np.testing.assert_allclose(shown["embedding"], table, atol=1e-5)
    assert shown["vocab"][-1] == "BOS" and len(shown["vocab"]) == run.vocabulary.size
    assert shown["uniform"] == pytest.approx(math.log(run.vocabulary.size))
    assert shown["curve"]["loss"] == pytest.approx(run.losses, abs=1e-5)
    means = [np.mean(run.losses[max(0, i - 49) : i + 1]) for i in range(5)]
    assert shown["curve"]["mean"] == pytest.approx(means, abs=1e-5)


def test_a_long_runs_curve_is_at_most_a_thousand_points_of_means() -> None:
    from micrograd_plus.gpt_live.protocol import _curve

    losses = list(np.linspace(3.0, 2.0, 2_500))
    curve = _curve(losses)
    assert len(curve["step"]) == 833 <= CURVE_POINTS  # bins of 3 steps
    assert curve["step"][:2] == [3, 6] and curve["loss"][0] == pytest.approx(np.mean(losses[:3]))


def test_scrubbing_shows_a_kept_step_and_training_on_from_it_repeats_the_run() -> None:
    run = LiveRun(NAMES, **SMALL, sample_every=4)
    run.step(10)
    later, parameters = list(run.losses), [p.data for p in run.model.parameters()]
    now = _frame_json(run)
    run.scrub(3)
    back = _frame_json(run)
    assert back["shown"] == 3 and not back["live"] and back["step"] == 10
    assert back["samples"]["step"] == 0  # sampled every 4 steps: the last at or before 3
    assert back["maps"] != now["maps"]
    assert [p.data for p in run.model.parameters()] == parameters  # the run is untouched
    run.train_from(3)
    assert run.t == 3 and run.losses == later[:3] and "the 7 steps after it" in run.notes[0]
    run.step(7)
    assert run.losses == later  # Adam's state came back with the parameters
    assert [p.data for p in run.model.parameters()] == parameters


def test_the_history_keeps_within_its_budget_and_finds_the_nearest_step() -> None:
    run = LiveRun(NAMES, **SMALL, history_bytes=600_000)  # 15 rows at most
    run.set("steps", 300)
    run.step(300)
    kept = run.history.iterations[: run.history.count]
    assert run.history.nbytes <= 600_000 and kept[0] == 0 and kept[-1] == 300
    run.scrub(1)
    assert run.step_on_view <= 1
    run.train_from(150)
    assert run.t == kept[kept <= 150][-1] and len(run.losses) == run.t


def test_temperature_and_sampling_make_names_of_the_vocabulary() -> None:
    run = LiveRun(NAMES, **SMALL)
    run.step(2)
    run.set("temperature", 2.0)
    hot = run.samples_on_view()
    assert hot is not None and hot.temperature == 2.0 and hot.step == 2 and len(hot.names) == 8
    assert all(set(n) <= set(run.vocabulary.chars) for n in hot.names)
    run.sample()
    assert run.samples_on_view() == hot  # the same step, temperature and seeds: the same names


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("lr", 0, "lr is a number from 1e-05 to 1, got 0"),
        ("lr", "fast", "lr is a number from 1e-05 to 1, got 'fast'"),
        ("lr", float("nan"), "lr is a number from 1e-05 to 1, got nan"),
        ("temperature", 9, "temperature is a number from 0.05 to 5, got 9"),
        ("steps", 2.5, "steps is a whole number from 1 to 100000, got 2.5"),
        ("steps", 3, "steps is at least the "),
        ("per_tick", True, "per_tick is a whole number from 1 to 100, got True"),
        ("name", "Zoë", "name is 1 to 15 of the letters"),
        ("name", "", "name is 1 to 15 of the letters"),
        ("name", "a" * 16, "name is 1 to 15 of the letters"),
        ("name", 7, "name is text, got int"),
        ("size", 3, "no setting 'size': the settings are lr, temperature"),
    ],
)
def test_a_bad_setting_is_refused_in_words_and_changes_nothing(
    stepped: LiveRun, key: str, value: object, said: str
) -> None:
    run = stepped
    before = _frame_json(run)
    reply = Channel(run).handle({"type": "set", "key": key, "value": value})
    assert reply["type"] == "error" and reply["message"].startswith(said)
    assert _frame_json(run) == before


def test_the_sizes_and_the_runs_end_are_refused_in_words() -> None:
    for key, (low, high) in SIZES.items():
        with pytest.raises(ValueError, match=f"{key} is a whole number from {low} to {high}"):
            LiveRun(NAMES, **{**SMALL, key: high + 1})
    run = LiveRun(NAMES, **{**SMALL, "steps": 6, "per_tick": 4})
    channel = Channel(run)
    assert channel.handle({"type": "tick"})["step"] == 4
    reply = channel.handle({"type": "tick"})  # the last tick takes what is left, and says so
    assert (
        reply["step"] == 6
        and reply["done"]
        and reply["notes"] == ["the run's 6 steps are done: set more steps, or reset"]
    )
    assert channel.handle({"type": "tick"})["step"] == 6  # and no more
    reply = channel.handle({"type": "step", "n": 1})
    assert "has 0 left: set more steps, or reset" in reply["message"]
    assert channel.handle({"type": "set", "key": "steps", "value": "8"})["settings"]["steps"] == 8
    assert channel.handle({"type": "step", "n": 2})["step"] == 8


@pytest.mark.parametrize(
    "message",
    [
        None,
        [],
        {"type": 3},
        {"type": "fly"},
        {"type": "step", "n": -1},
        {"type": "step", "n": "many"},
        {"type": "scrub", "step": -5},
        {"type": "scrub", "step": 1.5},
        {"type": "train_from", "step": 99},
        {"type": "set", "key": "name", "value": "x" * 500},
        {"type": "set", "key": "lr"},
        {"type": "set", "key": "name", "value": [[["deep"]]]},
    ],
)
def test_no_message_ends_a_run(stepped: LiveRun, message: Any) -> None:
    channel = Channel(stepped)
    before = _frame_json(stepped)
    reply = channel.handle(message)
    assert reply["type"] == "error" and reply["message"]
    assert _frame_json(stepped) == before
    assert channel.handle({"type": "step"})["step"] == before["step"] + 1


def test_a_too_large_message_is_refused_before_parsing() -> None:
    with pytest.raises(Refused, match="at most 65,536 bytes"):
        parse('{"type": "frame", "x": "' + "a" * MAX_MESSAGE + '"}')


class LiveRunMachine(RuleBasedStateMachine):
    """Every action of the page, in any order; after each, the frame is whole."""

    def __init__(self) -> None:
        super().__init__()
        names = ["bo", "ava", "emma", "zoe", "mia", "lily"]  # three lengths: three programs
        self.run = LiveRun(names, n_embd=4, n_head=2, name="bo", steps=30, sample_every=3,
                           history_bytes=40_000)  # fmt: skip
        self.channel = Channel(self.run)
        self.reply: dict[str, Any] = self.channel.handle({"type": "frame"})

    def _send(self, message: dict[str, Any]) -> None:
        self.reply = self.channel.handle(message)

    @rule(n=st.integers(0, 6))
    def step(self, n: int) -> None:
        self._send({"type": "step", "n": n})

    @rule()
    def tick(self) -> None:
        self._send({"type": "tick"})

    @rule(
        key=st.sampled_from([*LIMITS, "name"]),
        value=st.one_of(
            st.floats(-1, 200, allow_nan=False),
            st.integers(-5, 200),
            st.sampled_from(["ava", "zoe", "emma", "q!", "", "3"]),
        ),
    )
    def set(self, key: str, value: Any) -> None:
        self._send({"type": "set", "key": key, "value": value})

    @rule()
    def reset(self) -> None:
        self._send({"type": "reset"})

    @rule(step=st.one_of(st.none(), st.integers(-2, 40)))
    def scrub(self, step: int | None) -> None:
        self._send({"type": "scrub", "step": step})

    @precondition(lambda self: self.run.t > 0)
    @rule(data=st.data())
    def train_from(self, data: st.DataObject) -> None:
        self._send({"type": "train_from", "step": data.draw(st.integers(0, self.run.t))})

    @rule()
    def sample(self) -> None:
        self._send({"type": "sample"})

    @invariant()
    def the_frame_is_whole(self) -> None:
        run = self.run
        shown = _frame_json(run)
        assert len(run.losses) == run.t <= int(run.settings["steps"])
        kept = shown["kept"]
        assert kept[0] == 0 and kept[-1] == run.t and kept == sorted(set(kept))
        assert 0 <= shown["shown"] <= run.t and shown["shown"] in kept
        n = len(shown["tokens"])
        maps = np.array(shown["maps"])
        assert maps.shape == (1, 2, n, n)
        np.testing.assert_allclose(maps.sum(axis=-1), 1.0, atol=1e-4)
        assert np.all(np.triu(maps, 1) == 0)  # no position looks ahead
        np.testing.assert_allclose(np.sum(shown["probs"], axis=1), 1.0, atol=1e-4)
        assert self.reply["type"] in ("frame", "error")
        if self.reply["type"] == "frame":
            assert self.reply["step"] == run.t and self.reply["shown"] == shown["shown"]


LiveRunMachine.TestCase.settings = settings(max_examples=6, stateful_step_count=10,
                                            deadline=None)  # fmt: skip
test_no_sequence_of_actions_breaks_a_run = LiveRunMachine.TestCase


def test_a_run_that_diverges_is_said_and_its_frames_stay_json() -> None:
    run = LiveRun(NAMES, **SMALL)
    run.step(2)
    numbers = run.numbers.data()
    numbers[::7] = math.nan  # as a learning rate far too high leaves them
    run.numbers.set_data(numbers)
    run.step(1)
    assert not math.isfinite(run.losses[-1]) and run.diverged == 3
    shown = _frame_json(run)  # strict JSON: what is not a number goes as null
    assert shown["diverged"] == 3 and shown["name_loss"] is None
    assert shown["curve"]["loss"][-1] is None and None in np.ravel(shown["maps"]).tolist()
    assert "stopped being a number at step 3" in shown["notes"][-1]
    run.train_from(2)  # back to before: a number again
    assert run.diverged is None and _frame_json(run)["name_loss"] is not None


def test_steps_given_as_anything_but_whole_numbers_are_refused() -> None:
    run = LiveRun(NAMES, **SMALL)
    run.step(3)
    for bad in ("5", 2.5, True, -1, 4):
        with pytest.raises(ValueError, match="a step is a whole number from 0 to 3, got"):
            run.scrub(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="a step is a whole number from 0 to 3, got"):
            run.train_from(bad)  # type: ignore[arg-type]
    assert run.t == 3 and len(run.losses) == 3
    with pytest.raises(TypeError, match="names is a list of names"):
        LiveRun("emma")
