"""The GPT on Values: microgpt's architecture, checked against PyTorch's own layers with
the same weights; trained through the tape as the scalar engine trains it, step for step;
its data, the 1990 census first names, read from the installed names package."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from micrograd_plus.gpt import GPT, Vocabulary, train_gpt

NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn"]


def test_the_vocabulary_is_the_documents_characters_and_bos() -> None:
    vocab = Vocabulary.of(NAMES)
    assert vocab.chars == "abehilmnoprsvy" and vocab.bos == 14 and vocab.size == 15
    assert vocab.encode("ava") == [14, 0, 12, 0, 14]
    assert vocab.decode(vocab.encode("harper")) == "harper"
    with pytest.raises(ValueError, match="characters not in the vocabulary: 'z'"):
        vocab.encode("zoe")


def test_the_census_names_are_read_from_the_names_package() -> None:
    pytest.importorskip("names")
    from micrograd_plus.datasets import load_names

    names = load_names()
    assert len(names) == 5_494 and len(set(names)) == 5_163  # 1,219 male, 4,275 female
    assert names[0] == "james" and names[1_219] == "mary"
    assert set("".join(names)) == set("abcdefghijklmnopqrstuvwxyz")


def test_a_documents_loss_and_gradients_are_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    vocab = Vocabulary.of(NAMES)
    model = GPT(vocab.size, n_embd=8, n_head=2, n_layer=2, block_size=8, seed=3)
    tokens = vocab.encode("isabella")[:9]
    loss = model.loss(tokens)
    loss.backward()

    weights = {
        name: torch.tensor(
            [[p.data for p in row] for row in rows], dtype=torch.float64, requires_grad=True
        )
        for name, rows in model.state_dict.items()
    }

    def rmsnorm(x: Any) -> Any:
        return x * (x.pow(2).mean(-1, keepdim=True) + 1e-5) ** -0.5

    n = len(tokens) - 1
    ids = torch.tensor(tokens[:n])
    x = rmsnorm(weights["wte"][ids] + weights["wpe"][:n])
    heads, d = 2, 4
    mask = torch.ones(n, n).tril().bool()
    attention = []
    for i in range(2):
        w = {k.split(".")[1]: v for k, v in weights.items() if k.startswith(f"layer{i}.")}
        h = rmsnorm(x)
        q, k, v = (h @ w[m].T for m in ("attn_wq", "attn_wk", "attn_wv"))
        q, k, v = (t.view(n, heads, d).transpose(0, 1) for t in (q, k, v))
        scores = (q @ k.transpose(1, 2) / math.sqrt(d)).masked_fill(~mask, -math.inf)
        attention.append(torch.softmax(scores, dim=-1))
        out = (attention[-1] @ v).transpose(0, 1).reshape(n, heads * d)
        x = x + out @ w["attn_wo"].T
        x = x + torch.relu(rmsnorm(x) @ w["mlp_fc1"].T) @ w["mlp_fc2"].T
    logits = x @ weights["lm_head"].T
    theirs = torch.nn.functional.cross_entropy(logits, torch.tensor(tokens[1 : n + 1]))
    theirs.backward()
    assert loss.data == pytest.approx(theirs.item(), rel=1e-12)
    for name, rows in model.state_dict.items():
        ours = np.array([[p.grad for p in row] for row in rows])
        grad = weights[name].grad
        assert grad is not None
        np.testing.assert_allclose(ours, grad.numpy(), rtol=1e-9, atol=1e-13, err_msg=name)
    # what the live view and the plots draw: each head's weights, each position's p
    maps, probs = model.look(tokens[:n])
    np.testing.assert_allclose(maps, torch.stack(attention).detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(probs, torch.softmax(logits, -1).detach().numpy(), atol=1e-13)
    np.testing.assert_array_equal(model.attention_maps(tokens[:n]), maps)


def test_training_on_the_tape_is_the_scalar_engines_step_for_step() -> None:
    vocab = Vocabulary.of(NAMES)
    docs = [vocab.encode(n) for n in NAMES]
    steps = 12
    small = {"n_embd": 8, "n_head": 2, "block_size": 8, "seed": 1}
    tape_model, scalar_model = GPT(vocab.size, **small), GPT(vocab.size, **small)
    on_tape = train_gpt(tape_model, docs, steps, engine="tape")
    on_scalar = train_gpt(scalar_model, docs, steps, engine="scalar")
    np.testing.assert_allclose(on_tape, on_scalar, rtol=1e-9)
    assert on_tape[-1] < on_tape[0]  # it learns
    ours = np.array([p.data for p in tape_model.parameters()])
    np.testing.assert_allclose(
        ours, [p.data for p in scalar_model.parameters()], rtol=1e-9, atol=1e-12
    )
    with pytest.raises(ValueError, match="engine must be 'tape' or 'scalar'"):
        train_gpt(tape_model, docs, 1, engine="gpu")


def test_samples_are_names_of_the_vocabulary_and_repeat_with_a_seed() -> None:
    vocab = Vocabulary.of(NAMES)
    model = GPT(vocab.size, block_size=6, seed=0)
    samples = [model.sample(vocab, temperature=0.8, seed=s) for s in range(5)]
    assert samples == [model.sample(vocab, temperature=0.8, seed=s) for s in range(5)]
    assert all(set(s) <= set(vocab.chars) and len(s) <= 6 for s in samples)
    assert len(set(samples)) > 1
    with pytest.raises(ValueError, match="temperature must be above 0"):
        model.sample(vocab, temperature=0.0)


def test_a_too_short_document_and_a_bad_width_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="n_embd \\(10\\) must be a multiple of n_head \\(4\\)"):
        GPT(5, n_embd=10)
    with pytest.raises(ValueError, match="a document needs 2 tokens or more, got 1"):
        GPT(5).loss([4])
    for token in (5, -1):  # past the table, or Python's last row: neither is a token
        with pytest.raises(ValueError, match=f"token {token} is not in 0..4"):
            GPT(5).loss([4, token, 4])
    with pytest.raises(ValueError, match="a token and BOS at least"):
        GPT(1)
    with pytest.raises(ValueError, match="no characters"):
        Vocabulary.of([])
    docs = [[4, 0, 4]]
    with pytest.raises(ValueError, match="steps must be a whole number, 0 or more, got -1"):
        train_gpt(GPT(5), docs, -1)
    with pytest.raises(ValueError, match="total must be a whole number of steps, 3 or more"):
        train_gpt(GPT(5), docs, 3, total=1)  # a learning rate below 0: gradient ascent
    with pytest.raises(TypeError, match=r"vocabulary\.encode"):
        train_gpt(GPT(5), ["ava"], 1)  # type: ignore[list-item]
    random.seed(0)  # nothing above used the global random state


def test_the_fused_program_of_a_document_names_the_models_matrices() -> None:
    from micrograd_plus.tape import Tape

    vocab = Vocabulary.of(NAMES)
    model = GPT(vocab.size, n_embd=8, n_head=2, block_size=8)
    tokens = vocab.encode("ava")
    tape = Tape.record(model.loss, tokens, tables=model.tables)
    lines = tape.fused().splitlines()
    tables = [line.split(" = ", 1)[1] for line in lines if line.startswith("h")]
    positions = 4  # BOS a v a: four positions predict the next token
    expected = [
        "@ [layer0.attn_wq; layer0.attn_wk; layer0.attn_wv].T",  # q, k, v: one product
        "@ layer0.attn_wo.T",
        "@ layer0.mlp_fc1.T)",  # inside relu(...)
        "@ layer0.mlp_fc2.T",
        "@ lm_head.T",
    ]
    assert len(tables) == positions * len(expected)
    for i, product in enumerate(tables):
        assert product.endswith(expected[i % 5]), product
    assert any(line.startswith("v1 = wte[i0][0] + wpe[0][0]") for line in lines)
    # attention as products of what the layers computed: h1, h6, h11, h16 are each
    # position's [q; k; v] (rows 0:8 q, 8:16 k, 16:24 v; head 0 the first 4 of each)
    attention = [line.split(" = ", 1)[1] for line in lines if "h1[" in line or " . h" in line]
    assert "h1[0:4] . h1[8:12]" in attention  # position 0, head 0: q . k, one key
    keys = [a for a in attention if a.startswith("h11[0:4] @ ")]
    assert keys == ["h11[0:4] @ [h1[8:12]; h6[8:12]; h11[8:12]].T"]  # position 2: K q
    values = [a for a in attention if a.endswith("@ [h1[20:24]; h6[20:24]; h11[20:24]]")]
    assert len(values) == 1  # head 1's weights times its values, a row per position
    # what the text claims, in numbers: h1's columns are the stacked tables' rows
    tape.forward(np.array([tokens]), schedule="fused")
    first = tape.layers()[0]
    stacked = [
        [p.data for p in row]
        for name in ("attn_wq", "attn_wk", "attn_wv")
        for row in model.state_dict[f"layer0.{name}"]
    ]
    np.testing.assert_array_equal(first.W, stacked)


def test_each_positions_heads_are_scopes_the_explorer_reads_as_matrices() -> None:
    from micrograd_plus.viz._graph import describe
    from micrograd_plus.viz.explorer import _attention

    vocab = Vocabulary.of(NAMES)
    model = GPT(vocab.size, n_embd=8, n_head=2, block_size=8)
    info = describe(model.loss(vocab.encode("mia")))  # BOS m i a: positions 0..3
    head = _attention(info, "position 2/layer 0/attention/head 1")
    assert head is not None and head["d"] == 4
    assert (len(head["K"]), len(head["K"][0]), len(head["V"]), len(head["out"])) == (3, 4, 3, 4)
    weights = [float(e[3]) for e in head["weights"]]
    assert sum(weights) == pytest.approx(1.0, abs=1e-3)  # a softmax, to the digits shown
    assert _attention(info, "position 2/layer 0/attention") is None  # not a head


def test_a_scope_that_is_one_matrix_product_reads_as_its_equation() -> None:
    from micrograd_plus.viz._graph import describe
    from micrograd_plus.viz.explorer import _linear

    vocab = Vocabulary.of(NAMES)
    model = GPT(vocab.size, n_embd=4, n_head=2, block_size=8)  # 4 wide: W_o shown whole
    info = describe(model.loss(vocab.encode("mia")), params=model.parameters())
    nodes: dict[str, list[Any]] = {}
    for node in info.order:
        if node.inputs:
            nodes.setdefault(node.scope, []).append(node)

    def linear(path: str) -> Any:
        return _linear(info, path, nodes.get(path, []))

    def number(entries: list[Any]) -> np.ndarray:  # the numbers in full, gaps left out
        return np.array([float(e[3]) for e in entries if e is not None])

    out = linear("position 2/layer 0/attention/output")
    assert out["name"] == "layer0.attn_wo" and out["size"] == [4, 4]
    wo = np.array([[p.data for p in row] for row in model.state_dict["layer0.attn_wo"]])
    shown_w = np.array([[float(e[3]) for e in row] for row in out["W"]])
    np.testing.assert_allclose(shown_w, wo, rtol=1e-3)  # all 4 x 4: no gap
    x, y, r, total = (number(out[k]) for k in ("x", "y", "r", "out"))
    np.testing.assert_allclose(y, wo @ x, rtol=2e-3, atol=1e-5)  # y = W_o (the heads)
    np.testing.assert_allclose(total, y + r, rtol=2e-3, atol=1e-5)
    qkv = linear("position 2/layer 0/attention/qkv")
    assert qkv["name"] == "[layer0.attn_wq; layer0.attn_wk; layer0.attn_wv]"
    assert qkv["size"] == [12, 4] and qkv["r"] is None and qkv["W"][6] is None  # a gap
    assert linear("position 2/logits")["name"] == "lm_head"
    assert linear("position 2/layer 0/mlp") is None  # two products and a relu: no one W
    assert linear("position 2/layer 0/attention/head 1/scores") is None  # q . k: no weights
