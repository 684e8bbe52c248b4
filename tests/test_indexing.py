"""Graphs that index: a program whose leaves are rows of a table picked by token ids
replays over a batch of ids, repeated ids and documents of several lengths included, as
the scalar engine computes each document (and as PyTorch's Embedding does); what the
tape cannot replay is refused, naming the line."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_plus import Value
from micrograd_plus.functional import softmax
from micrograd_plus.losses import cross_entropy
from micrograd_plus.tape import Tape, Tapes

Table = list[list[Value]]


class TinyLM:
    """A GPT's first and last steps, on lists of Values as a student writes them: a token
    embedding (and a per-token bias, a table of single Values), a position embedding
    read by plain ints, a layer written as Python's sum, and cross-entropy on the next
    token."""

    def __init__(self, vocab: int, width: int, block: int, seed: int) -> None:
        rng = random.Random(seed)

        def matrix(rows: int, columns: int) -> Table:
            return [[Value(rng.gauss(0, 1)) for _ in range(columns)] for _ in range(rows)]

        self.wte, self.wpe, self.head = (
            matrix(vocab, width),
            matrix(block, width),
            matrix(vocab, width),
        )
        self.bias = [Value(rng.gauss(0, 1)) for _ in range(vocab)]
        self.tables: dict[str, list[Any]] = {"wte": self.wte, "bias": self.bias}

    def parameters(self) -> list[Value]:
        return [v for t in (self.wte, self.wpe, self.head) for row in t for v in row] + self.bias

    def loss(self, tokens: list[Any]) -> Value:
        losses = []
        for pos_id in range(len(tokens) - 1):
            token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
            x = [(t + p).tanh() for t, p in zip(self.wte[token_id], self.wpe[pos_id])]
            logits = [
                sum(w * xi for w, xi in zip(row, x)) + self.bias[token_id] for row in self.head
            ]
            losses.append(cross_entropy(logits, target_id))
        return (1 / len(losses)) * sum(losses, Value(0.0))


def _scalar(model: TinyLM, documents: list[list[int]]) -> tuple[list[float], list[float]]:
    """Each document's loss, and the gradient of their mean, by the scalar engine."""
    for p in model.parameters():
        p.grad = 0.0
    losses = []
    for document in documents:
        loss = model.loss(document)
        losses.append(loss.data)
        (loss * (1 / len(documents))).backward()
    return losses, [p.grad for p in model.parameters()]


def _taped(model: TinyLM, tapes: Tapes, documents: list[list[int]], schedule: str) -> Any:
    for p in model.parameters():
        p.grad = 0.0
    losses = tapes.forward(documents, schedule=schedule)
    tapes.backward()
    return losses, [p.grad for p in model.parameters()]


@settings(max_examples=25, deadline=None)
@given(
    vocab=st.integers(2, 5),
    width=st.integers(1, 3),
    seed=st.integers(0, 10**6),
    lengths=st.lists(st.integers(2, 5), min_size=1, max_size=6),
    data=st.data(),
)
def test_a_token_indexed_program_replays_as_the_scalar_engine_computes_each_document(
    vocab: int, width: int, seed: int, lengths: list[int], data: st.DataObject
) -> None:
    model = TinyLM(vocab, width, block=5, seed=seed)
    ids = st.integers(0, vocab - 1)
    documents = [data.draw(st.lists(ids, min_size=n, max_size=n)) for n in lengths]
    documents.append([0] * 5)  # one id, repeated: five rows picked, one row's gradient
    want_losses, want_grads = _scalar(model, documents)
    tapes = Tapes(model.loss, model.tables)
    for schedule in ("fused", "levels", "nodes"):
        losses, grads = _taped(model, tapes, documents, schedule)
        np.testing.assert_allclose(losses, want_losses, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grads, want_grads, rtol=1e-10, atol=1e-12)
    assert sorted(tapes.tapes) == sorted(set(lengths) | {5})  # one program per length


def test_torchs_embedding_and_cross_entropy_agree() -> None:
    torch = pytest.importorskip("torch")
    model = TinyLM(vocab=4, width=3, block=4, seed=1)
    documents = [[1, 2, 2, 3], [0, 0, 0, 0], [3, 1, 0, 2]]
    tapes = Tapes(model.loss, model.tables)
    losses, grads = _taped(model, tapes, documents, "fused")

    def tensor(table: Any) -> Any:
        rows = [[v.data for v in row] if isinstance(row, list) else row.data for row in table]
        return torch.tensor(rows, dtype=torch.float64, requires_grad=True)

    wte, wpe, head, bias = (tensor(t) for t in (model.wte, model.wpe, model.head, model.bias))
    ids = torch.tensor(documents)
    x = torch.tanh(torch.nn.functional.embedding(ids[:, :-1], wte) + wpe[:3])
    logits = x @ head.T + bias[ids[:, :-1]][..., None]
    each = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none")
    per_document = each.mean(dim=1)
    per_document.mean().backward()
    np.testing.assert_allclose(losses, per_document.detach().numpy(), rtol=1e-12)
    theirs = torch.cat([wte.grad.ravel(), wpe.grad.ravel(), head.grad.ravel(), bias.grad])
    np.testing.assert_allclose(grads, theirs.numpy(), rtol=1e-10, atol=1e-14)


def test_the_program_reads_picked_rows_by_name_and_the_tables_come_back_whole() -> None:
    model = TinyLM(vocab=3, width=2, block=3, seed=0)
    kept = [list(model.wte), list(model.bias)]
    tape = Tape.record(model.loss, [0, 1, 2], tables=model.tables)
    assert [model.wte, model.bias] == kept  # the placeholder rows are gone again
    text = str(tape)
    assert "wte[i0][0] + " in text and "wte[i1][1] + " in text  # each position its own row
    assert "+ bias[i0]" in text and "(i1 == 2) * " in text  # a 1-D table, a one-hot class
    assert "wte[i2]" not in text  # the last id is only a target
    assert "h1 = [v2, v6] @ W.T" in tape.fused()  # the head, a matrix product


def test_softmax_as_microgpt_picks_a_probability_is_refused_naming_the_line() -> None:
    model = TinyLM(vocab=3, width=2, block=3, seed=0)
    kept = [list(model.wte), list(model.bias)]

    def loss(tokens: list[int]) -> Value:
        x = model.wte[tokens[0]]
        probs = softmax([Value.sum(w * xi for w, xi in zip(row, x)) for row in model.head])
        return -probs[tokens[1]].log()  # picks one computed Value by a token id

    with pytest.raises(ValueError) as refused:
        Tape.record(loss, [0, 1], tables=model.tables)
    line = loss.__code__.co_firstlineno + 3
    assert f"{__file__}:{line}: return -probs[tokens[1]].log()" in str(refused.value)
    assert "cross_entropy(logits, target)" in str(refused.value)
    assert [model.wte, model.bias] == kept


@pytest.mark.parametrize(
    "misuse",
    [
        lambda t: t == 0,
        lambda t: t < 3,
        lambda t: int(t),
        lambda t: {t: 1},
        lambda t: 1 if t else 0,
    ],
)
def test_an_id_is_only_an_index_while_the_tape_records(misuse: Any) -> None:
    model = TinyLM(vocab=3, width=2, block=3, seed=0)

    def loss(tokens: list[Any]) -> Value:
        misuse(tokens[0])
        return model.loss(tokens)

    with pytest.raises(TypeError, match=r"Index\(i0\) is a token id of the program") as refused:
        Tape.record(loss, [0, 1], tables=model.tables)
    assert f"{__file__}:" in str(refused.value)  # the line that used it


def test_bad_ids_and_tables_are_clear_errors() -> None:
    model = TinyLM(vocab=3, width=2, block=3, seed=0)
    tape = Tape.record(model.loss, [0, 1, 2], tables=model.tables)
    with pytest.raises(
        ValueError, match=r"sample 1, id 0: 3 is not a row of table 'wte' \(3 rows\)"
    ):
        tape.forward(np.array([[0, 1, 2], [3, 0, 0]]))
    with pytest.raises(ValueError, match=r"sample 0, id 2: -1 is not one of the 3 classes"):
        tape.forward(np.array([[0, 1, -1]]))
    with pytest.raises(ValueError, match="argument 0 must hold integer ids, got float64"):
        tape.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"argument 0 must have shape \(batch, 3\)"):
        tape.forward(np.zeros((2, 4), dtype=int))
    with pytest.raises(TypeError, match="table 'wte' must be a non-empty list of rows"):
        Tape.record(model.loss, [0, 1], tables={"wte": tuple(model.wte)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"table 'wte': row 1 must be a list of 2 Values"):
        Tape.record(model.loss, [0, 1], tables={"wte": [model.wte[0], [Value(1.0)]]})
