"""The playground's history: rows kept in order within a budget, thinned when full, and
what a session does with them (scrub to a row, train on from one, show them as arrays)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import frame_numbers
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus.history import BUDGET, History, Row
from micrograd_plus.playground import Playground
from micrograd_plus.playground.protocol import Channel
from micrograd_plus.playground.session import Session
from micrograd_plus.playground.settings import OPTIMIZERS, Settings

SIZE, BUFFERS = 3, 2  # a small history's parameters and optimizer buffers


def _row(iteration: int, mark: float = 0.0) -> Row:
    """A row whose every number tells its iteration (and ``mark``)."""
    value = iteration + mark
    return Row(
        iteration,
        value,
        -value,
        np.full(SIZE, value),
        np.full(SIZE, value + 0.5),
        np.full((BUFFERS, SIZE), value + 0.25),
        2 * iteration,
        {"iteration": iteration, "mark": mark},
    )


def _assert_row_is(history: History, index: int, iteration: int, mark: float = 0.0) -> None:
    """Row ``index`` holds, in every array, the numbers ``_row(iteration, mark)`` had."""
    row, expected = history.row(index), _row(iteration, mark)
    assert (row.iteration, row.train_loss, row.test_loss, row.steps, row.rng) == (
        expected.iteration,
        expected.train_loss,
        expected.test_loss,
        expected.steps,
        expected.rng,
    )
    for name in ("parameters", "gradients", "buffers"):
        assert np.array_equal(getattr(row, name), getattr(expected, name)), name


@given(
    budget=st.integers(0, 4_000),
    gaps=st.lists(st.integers(1, 4), max_size=150),
    queries=st.lists(st.integers(-2, 700), max_size=5),
)
def test_thinning_keeps_the_first_and_last_rows_in_order_within_capacity(
    budget: int, gaps: list[int], queries: list[int]
) -> None:
    history = History(SIZE, BUFFERS, budget)
    added = [int(i) for i in np.cumsum([0, *gaps])]
    for k, iteration in enumerate(added):
        history.add(_row(iteration))
        kept = history.iterations[: history.count]
        assert 1 <= history.count <= history.capacity
        assert kept[0] == added[0] and kept[-1] == iteration  # the first and last rows
        assert (np.diff(kept) > 0).all()
        recent = added[max(0, k + 1 - history.capacity // 2) : k + 1]
        assert set(recent) <= set(kept.tolist())  # the newer half is never thinned
    kept = history.iterations[: history.count]
    assert set(kept.tolist()) <= set(added)
    for index, iteration in enumerate(kept):  # each kept row moved whole
        _assert_row_is(history, index, int(iteration))
    for query in queries:  # the kept row nearest at or before; none before the first
        if query < kept[0]:
            with pytest.raises(ValueError, match="the history keeps iterations"):
                history.find(query)
            continue
        at_or_before = [i for i in kept.tolist() if i <= query]
        assert kept[history.find(query)] == at_or_before[-1]


def test_a_full_history_drops_every_second_row_of_its_older_half() -> None:
    history = History(SIZE, BUFFERS, budget=0)  # the fewest rows: 8
    assert history.capacity == 8
    for iteration in range(9):
        history.add(_row(iteration))
    assert history.iterations[: history.count].tolist() == [0, 2, 4, 5, 6, 7, 8]
    for index, iteration in enumerate([0, 2, 4, 5, 6, 7, 8]):
        _assert_row_is(history, index, iteration)


def test_a_row_of_the_same_iteration_replaces_the_last() -> None:
    history = History(SIZE, BUFFERS)
    history.add(_row(0))
    history.add(_row(1))
    history.add(_row(1, mark=0.125))  # a point added at iteration 1: its new losses
    assert history.iterations[: history.count].tolist() == [0, 1]
    _assert_row_is(history, 0, 0)
    _assert_row_is(history, 1, 1, mark=0.125)


@pytest.mark.parametrize(
    ("size", "buffers", "budget"),
    [(3, 0, 100_000), (105, 3, BUDGET), (2_049, 1, BUDGET), (2_049, 3, BUDGET)],
)  # 105: MLP(2, [8, 8, 1]) (Adam keeps 3 buffers); 2,049: the largest network
def test_a_full_history_stays_within_its_budget(size: int, buffers: int, budget: int) -> None:
    history = History(size, buffers, budget)
    assert history.capacity > 8  # the budget, not the least number of rows, sets the size
    row = Row(0, 0.0, 0.0, np.zeros(size), np.zeros(size), np.zeros((buffers, size)), 0, {})
    for iteration in range(history.capacity + 3):  # full, then thinned
        history.add(replace(row, iteration=iteration))
        assert history.nbytes <= budget, f"{history.nbytes:,} bytes, over {budget:,}"
    assert history.count < history.capacity


def test_5000_iterations_of_adam_keep_one_row_each_under_50_mb() -> None:
    session = Session(Settings(networkShape=(8, 8), optimizer="adam", numSamples=10,
                               batchSize=1_000))  # fmt: skip
    assert session.model.nouts == [8, 8, 1] and len(session.parameters) == 105
    session.step(5_000)
    history = session.history
    assert session.iteration == 5_000
    assert history.iterations[: history.count].tolist() == list(range(5_001))  # none thinned
    assert history.nbytes < 50_000_000, f"{history.nbytes:,} bytes"


def _run(optimizer: str, history_bytes: int = BUDGET) -> Session:
    """A run of several batches per iteration (the batch order matters)."""
    settings = Settings(networkShape=(3, 2), optimizer=optimizer, numSamples=30, batchSize=4,
                        seed=7, regularization="L2", regularizationRate=0.01)  # fmt: skip
    return Session(settings, history_bytes=history_bytes)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(("k", "m"), [(0, 5), (3, 4), (6, 1)])
def test_training_on_from_a_row_repeats_the_run_bit_for_bit(optimizer: str, k: int, m: int) -> None:
    session = _run(optimizer)
    session.step(k + m)
    first = session.history.table()
    final = session.numbers.data()
    assert not np.array_equal(first["parameters"][k], final)  # it learned since k
    session.train_from(k)
    assert session.iteration == k and session.history.count == k + 1
    assert np.array_equal(session.numbers.data(), first["parameters"][k])
    session.step(m)
    again = session.history.table()
    assert again["iteration"].tolist() == list(range(k + m + 1))
    assert np.array_equal(session.numbers.data(), final)
    for name in ("parameters", "train_loss", "test_loss"):
        assert np.array_equal(again[name], first[name]), name


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_training_on_from_a_thinned_history_repeats_the_run(optimizer: str) -> None:
    session = _run(optimizer, history_bytes=0)  # 8 rows: thinned as it goes
    session.step(20)
    final = session.numbers.data()
    kept = session.history.iterations[: session.history.count].tolist()
    assert len(kept) < 21 and 13 not in kept  # 13 was thinned away
    session.train_from(13)
    start = max(i for i in kept if i <= 13)
    assert session.iteration == start
    session.step(20 - start)
    assert np.array_equal(session.numbers.data(), final)


def test_scrubbing_shows_a_row_in_the_frame_and_leaves_the_run() -> None:
    session = _run("adam")
    session.step(6)
    channel = Channel(session)
    now, table, grads = session.numbers.data(), session.history.table(), session.numbers.grad()
    frame = channel.handle({"type": "scrub", "iteration": 2})
    assert frame["type"] == "state" and frame["scrubbed"]
    assert (frame["iteration"], frame["runIteration"]) == (2, 6)
    row = session.history.row(2)
    assert np.array_equal(frame_numbers(frame["params"]), row.parameters.astype("<f4"))
    assert np.array_equal(frame_numbers(frame["grads"]), row.gradients.astype("<f4"))
    assert not np.array_equal(row.parameters, now)
    assert (frame["trainLoss"], frame["testLoss"]) == (row.train_loss, row.test_loss)
    # the run is as it was: its iteration, parameters, gradients and history
    assert session.iteration == 6
    assert np.array_equal(session.numbers.data(), now)
    assert np.array_equal(session.numbers.grad(), grads)
    for name, values in session.history.table().items():
        assert np.array_equal(values, table[name]), name
    frame = channel.handle({"type": "scrub", "iteration": None})
    assert not frame["scrubbed"] and frame["iteration"] == frame["runIteration"] == 6
    assert np.array_equal(frame_numbers(frame["params"]), now.astype("<f4"))
    assert frame["trainLoss"] == table["train_loss"][-1]


def test_the_playgrounds_history_is_arrays_one_row_per_iteration() -> None:
    pg = Playground(network_shape=[3], seed=2, num_samples=20, optimizer="momentum")
    pg.step(5)
    history = pg.history
    assert set(history) == {"iteration", "train_loss", "test_loss", "parameters"}
    assert all(isinstance(values, np.ndarray) for values in history.values())
    parameters = pg.model.parameters()
    assert history["iteration"].tolist() == [0, 1, 2, 3, 4, 5]
    assert history["train_loss"].shape == history["test_loss"].shape == (6,)
    assert history["parameters"].shape == (6, len(parameters))
    assert history["parameters"][-1].tolist() == [p.data for p in parameters]  # the model now
    assert (history["train_loss"][-1], history["test_loss"][-1]) == (pg.train_loss, pg.test_loss)
    assert history["train_loss"][-1] < history["train_loss"][0]  # it learned
    for i in (0, 3):  # row i is the run after i iterations
        other = Playground(network_shape=[3], seed=2, num_samples=20, optimizer="momentum")
        other.step(i)
        assert history["parameters"][i].tolist() == [p.data for p in other.model.parameters()]
        assert history["train_loss"][i] == other.train_loss
    history["parameters"][:] = 0.0  # a copy: the run's history is untouched
    assert pg.history["parameters"][-1].tolist() == [p.data for p in parameters]


def test_a_long_run_keeps_rows_evenly_over_its_whole_length() -> None:
    history = History(SIZE, BUFFERS, budget=20_000)
    for iteration in range(5_001):
        history.add(_row(iteration))
    kept = history.iterations[: history.count]
    assert history.count <= history.capacity and kept[0] == 0 and kept[-1] == 5_000
    gaps = np.diff(kept)
    assert gaps.max() == history.spacing  # the older rows on one grid, no hole wider
    assert history.spacing <= 4 * 5_000 / history.capacity  # as fine as the budget allows
    newest = kept[-(history.capacity // 2) :]
    assert (np.diff(newest) == 1).all()  # the newer half whole
