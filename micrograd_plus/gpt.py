"""A GPT on scalar Values: the lecture that follows micrograd (microgpt's architecture).

A character-level language model: each name is a document of tokens (its letters, and
BOS, "beginning of sequence", at both ends), and the model learns to give the next
token's probabilities from the ones before it. Per position:

    x = wte[token] + wpe[position]                  the token's and the position's rows
    x = rmsnorm(x)                                  x / sqrt(mean(x**2) + 1e-5)
    for each layer:
        attention: q, k, v = Wq x, Wk x, Wv x; each head compares its q with the keys of
        every position so far (q . k / sqrt(d)), softmax, a weighted sum of their values;
        x = x + Wo [heads]
        mlp: x = x + W2 relu(W1 rmsnorm(x))
    logits = lm_head x;  loss = cross_entropy(logits, next token)

with microgpt's sizes (16 wide, 4 heads, 1 layer, 16 positions), its initialisation
(gauss(0, 0.08)), and its training: Adam with betas (0.85, 0.99), eps 1e-8, a learning
rate of 0.01 falling linearly to 0 over the steps, one document per step. Every part of
the computation is in a scope (``micrograd_plus.scope``), so its pictures collapse into
embedding, attention, heads, mlp, logits and loss. ``train_gpt(..., engine="tape")``
replays each document's program over numpy (``tape.Tapes``: one program per length, rows
of ``wte`` gathered by the token ids), as the scalar engine computes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from micrograd_plus.engine import Value, no_grad
from micrograd_plus.functional import softmax
from micrograd_plus.losses import cross_entropy
from micrograd_plus.optim import Adam
from micrograd_plus.parameters import new_parameters
from micrograd_plus.scopes import scope
from micrograd_plus.tape import Tapes

__all__ = ["GPT", "LanguageModel", "Trainer", "Vocabulary", "train_gpt"]

Matrix = list[list[Value]]


@dataclass(frozen=True)
class Vocabulary:
    """The characters of the documents, a token each (0..n-1), and BOS = n."""

    chars: str

    @classmethod
    def of(cls, documents: Sequence[str]) -> Vocabulary:
        chars = "".join(sorted(set("".join(documents))))
        if not chars:
            raise ValueError("the documents hold no characters to make a vocabulary of")
        return cls(chars)

    @property
    def bos(self) -> int:
        return len(self.chars)

    @property
    def size(self) -> int:
        return len(self.chars) + 1

    def encode(self, document: str) -> list[int]:
        """BOS, a token per character, BOS: ``"ann"`` -> ``[26, 0, 13, 13, 26]``."""
        unknown = sorted(set(document) - set(self.chars))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {''.join(unknown)!r}")
        return [self.bos, *(self.chars.index(c) for c in document), self.bos]

    def decode(self, tokens: Sequence[int]) -> str:
        return "".join(self.chars[t] for t in tokens if t != self.bos)


class GPT:
    """microgpt's model on this project's Values: its parameters are Parameters in one
    store (``parameters.new_parameters``), so Adam steps them as one array, and its tables
    are lists of rows of them, as microgpt's ``state_dict`` is."""

    def __init__(
        self,
        vocab_size: int,
        n_embd: int = 16,
        n_head: int = 4,
        n_layer: int = 1,
        block_size: int = 16,
        seed: int = 42,
    ) -> None:
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        if vocab_size < 2:
            raise ValueError(f"a vocabulary has a token and BOS at least: vocab_size {vocab_size}")
        self.vocab_size, self.n_embd, self.n_head = vocab_size, n_embd, n_head
        self.n_layer, self.block_size = n_layer, block_size
        shapes = {"wte": (vocab_size, n_embd), "wpe": (block_size, n_embd)}
        shapes["lm_head"] = (vocab_size, n_embd)
        for i in range(n_layer):
            shapes |= {f"layer{i}.attn_wq": (n_embd, n_embd), f"layer{i}.attn_wk": (n_embd, n_embd)}
            shapes |= {f"layer{i}.attn_wv": (n_embd, n_embd), f"layer{i}.attn_wo": (n_embd, n_embd)}
            shapes |= {f"layer{i}.mlp_fc1": (4 * n_embd, n_embd)}
            shapes |= {f"layer{i}.mlp_fc2": (n_embd, 4 * n_embd)}
        rng = random.Random(seed)
        labels = [
            f"{k}[{r}][{c}]"
            for k, (rows, cols) in shapes.items()
            for r in range(rows)
            for c in range(cols)
        ]
        params: list[Value] = list(new_parameters([rng.gauss(0, 0.08) for _ in labels], labels))
        self.state_dict: dict[str, Matrix] = {}
        at = 0
        for name, (rows, cols) in shapes.items():
            self.state_dict[name] = [
                params[at + r * cols : at + (r + 1) * cols] for r in range(rows)
            ]
            at += rows * cols
        self._params = params

    def parameters(self) -> list[Value]:
        return list(self._params)

    @property
    def tables(self) -> dict[str, Matrix]:
        """The tables token ids pick rows from (for ``Tape.record(..., tables=...)``)."""
        return {"wte": self.state_dict["wte"]}

    # --- the model, one position at a time, as microgpt writes it -------------------------

    def forward(self, token: int, position: int, keys: list[list[list[Value]]],
                values: list[list[list[Value]]],
                seen: list[list[Value]] | None = None) -> list[Value]:  # fmt: skip
        """The logits of the next token after ``token`` at ``position``; ``keys`` and
        ``values`` hold each layer's keys and values of the positions before (and get this
        position's). ``seen`` gets each head's attention weights, layer by layer."""
        sd = self.state_dict
        with scope("embedding"):
            x = [t + p for t, p in zip(sd["wte"][token], sd["wpe"][position])]
        x = rmsnorm(x)
        head_dim = self.n_embd // self.n_head
        for li in range(self.n_layer):
            with scope(f"layer {li}"):
                with scope("attention"):
                    residual = x
                    x = rmsnorm(x)
                    with scope("qkv"):
                        q = linear(x, sd[f"layer{li}.attn_wq"])
                        k = linear(x, sd[f"layer{li}.attn_wk"])
                        v = linear(x, sd[f"layer{li}.attn_wv"])
                    keys[li].append(k)
                    values[li].append(v)
                    heads: list[Value] = []
                    for h in range(self.n_head):
                        with scope(f"head {h}"):
                            part = slice(h * head_dim, (h + 1) * head_dim)
                            heads += attention(q[part], [k[part] for k in keys[li]],
                                               [v[part] for v in values[li]], seen)  # fmt: skip
                    with scope("output"):
                        x = [
                            a + b for a, b in zip(linear(heads, sd[f"layer{li}.attn_wo"]), residual)
                        ]
                with scope("mlp"):
                    residual = x
                    hidden = [h.relu() for h in linear(rmsnorm(x), sd[f"layer{li}.mlp_fc1"])]
                    x = [a + b for a, b in zip(linear(hidden, sd[f"layer{li}.mlp_fc2"]), residual)]
        with scope("logits"):
            return linear(x, sd["lm_head"])

    def loss(self, tokens: Sequence[int]) -> Value:
        """The mean over positions of -log p(next token): a document's loss (at most
        ``block_size`` positions, as microgpt cuts a long name)."""
        n = min(self.block_size, len(tokens) - 1)
        if n < 1:
            raise ValueError(f"a document needs 2 tokens or more, got {len(tokens)}")
        bad = [t for t in tokens[: n + 1] if isinstance(t, int) and not 0 <= t < self.vocab_size]
        if bad:  # (an id while a tape records is checked by the tape, batch by batch)
            raise ValueError(f"token {bad[0]} is not in 0..{self.vocab_size - 1}")
        keys: list[list[list[Value]]] = [[] for _ in range(self.n_layer)]
        values: list[list[list[Value]]] = [[] for _ in range(self.n_layer)]
        losses = []
        for position in range(n):
            with scope(f"position {position}"):
                logits = self.forward(tokens[position], position, keys, values)
                with scope("loss"):
                    losses.append(cross_entropy(logits, tokens[position + 1]))
        loss = Value.sum(losses) / n
        loss.label = "loss"  # the name pictures and pages give it
        return loss

    def attention_maps(self, tokens: Sequence[int]) -> np.ndarray:
        """Each head's attention weights over a document: (layers, heads, n, n), row i the
        weights position i gives positions 0..i (0 above the diagonal)."""
        return self.look(tokens)[0]

    def look(self, tokens: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """What the model does on a document, in one pass with no graph kept: each head's
        attention weights (as ``attention_maps``) and, per position, the probabilities of
        the next token, softmax(logits): (n, vocab_size)."""
        n = min(self.block_size, len(tokens))
        bad = [t for t in tokens[:n] if not 0 <= t < self.vocab_size]
        if bad:
            raise ValueError(f"token {bad[0]} is not in 0..{self.vocab_size - 1}")
        keys: list[list[list[Value]]] = [[] for _ in range(self.n_layer)]
        values: list[list[list[Value]]] = [[] for _ in range(self.n_layer)]
        maps = np.zeros((self.n_layer, self.n_head, n, n))
        probs = np.zeros((n, self.vocab_size))
        with no_grad():
            for position in range(n):
                seen: list[list[Value]] = []
                logits = self.forward(tokens[position], position, keys, values, seen)
                probs[position] = [p.data for p in softmax(logits)]
                for i, weights in enumerate(seen):  # layer by layer, head by head
                    layer, head = divmod(i, self.n_head)
                    maps[layer, head, position, : position + 1] = [w.data for w in weights]
        return maps, probs

    def sample(
        self, vocabulary: Vocabulary, temperature: float = 0.5, seed: int | None = None
    ) -> str:
        """A new document, token by token from BOS until BOS (or ``block_size`` tokens),
        each drawn from softmax(logits / temperature)."""
        if not temperature > 0:
            raise ValueError(f"temperature must be above 0, got {temperature!r}")
        rng = random.Random(seed)
        keys: list[list[list[Value]]] = [[] for _ in range(self.n_layer)]
        values: list[list[list[Value]]] = [[] for _ in range(self.n_layer)]
        token, out = vocabulary.bos, []
        with no_grad():
            for position in range(self.block_size):
                logits = self.forward(token, position, keys, values)
                probs = softmax([z / temperature for z in logits])
                token = rng.choices(range(self.vocab_size), weights=[p.data for p in probs])[0]
                if token == vocabulary.bos:
                    break
                out.append(token)
        return vocabulary.decode(out)


def linear(x: Sequence[Value], w: Matrix) -> list[Value]:
    """W x: a row of W times x for each output."""
    return [Value.sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def rmsnorm(x: Sequence[Value]) -> list[Value]:
    """x / sqrt(mean(x**2) + 1e-5): each vector scaled to a root mean square of 1."""
    with scope("rmsnorm"):
        scale = (Value.sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
        return [xi * scale for xi in x]


def attention(q: Sequence[Value], keys: Sequence[Sequence[Value]],
              values: Sequence[Sequence[Value]],
              seen: list[list[Value]] | None = None) -> list[Value]:  # fmt: skip
    """One head: softmax over the positions so far of q . k / sqrt(d), then the values
    weighted by it (the weights appended to ``seen``, where given)."""
    with scope("scores"):
        d = len(q)
        scores = [Value.sum(qi * ki for qi, ki in zip(q, k)) / d**0.5 for k in keys]
    with scope("softmax"):
        weights = softmax(scores)
        if seen is not None:
            seen.append(weights)
    with scope("weighted sum"):
        return [Value.sum(w * v[j] for w, v in zip(weights, values)) for j in range(d)]


class LanguageModel(Protocol):
    """What ``Trainer`` trains: a GPT, or a lecture's bigram or MLP model written the same
    way (a document's mean loss over its positions, the tables ids pick rows from)."""

    block_size: int

    def loss(self, tokens: Sequence[int]) -> Value: ...

    def parameters(self) -> list[Value]: ...

    @property
    def tables(self) -> Mapping[str, Matrix]: ...


class Trainer:
    """microgpt's training, a step at a time: step t takes document t (cycling), Adam with
    betas (0.85, 0.99) and eps 1e-8 at a learning rate falling linearly from ``lr`` to 0
    over ``total`` steps. ``engine``: "tape" (each length's program replayed with numpy)
    or "scalar". ``step()`` returns the step's loss; ``t`` counts the steps taken;
    ``evaluate(documents)`` is the mean loss per token over documents, with no step."""

    def __init__(
        self,
        model: LanguageModel,
        documents: Sequence[Sequence[int]],
        total: int,
        *,
        engine: str = "tape",
        lr: float = 0.01,
    ) -> None:
        if engine not in ("tape", "scalar"):
            raise ValueError(f"engine must be 'tape' or 'scalar', got {engine!r}")
        if not documents:
            raise ValueError("no documents to train on")
        if type(total) is not int or total < 0:
            raise ValueError(f"total must be a whole number of steps, 0 or more, got {total!r}")
        if not all(isinstance(t, int) for t in documents[0]):
            raise TypeError("documents are lists of token ids: vocabulary.encode(name) makes one")
        self.model, self.documents, self.total, self.lr = model, documents, total, lr
        self.optimizer = Adam(model.parameters(), lr=lr, betas=(0.85, 0.99), eps=1e-8)
        self.tapes = Tapes(model.loss, model.tables) if engine == "tape" else None
        self.t = 0

    def step(self) -> float:
        """One step: the next document's loss, its gradients, Adam's update."""
        model, optimizer = self.model, self.optimizer
        tokens = list(self.documents[self.t % len(self.documents)])[: model.block_size + 1]
        optimizer.lr = self.lr_at(self.t)
        optimizer.zero_grad()
        if self.tapes is not None:
            loss = float(self.tapes.forward([tokens])[0])
            self.tapes.backward()
        else:
            value = model.loss(tokens)
            value.backward()
            loss = value.data
        optimizer.step()
        self.t += 1
        return loss

    def lr_at(self, t: int) -> float:
        """Step t's learning rate: ``lr`` falling linearly to 0 at ``total``."""
        return self.lr * max(0.0, 1 - t / max(1, self.total))

    def evaluate(self, documents: Sequence[Sequence[int]]) -> float:
        """The mean of -log p(next token) over every position of the documents (each cut
        to the model's block), the model as it is now; no gradient, no step."""
        cut = [list(d)[: self.model.block_size + 1] for d in documents]
        positions = np.array([len(d) - 1 for d in cut])
        if self.tapes is not None:
            losses = self.tapes.forward(cut)
        else:
            with no_grad():
                losses = np.array([self.model.loss(d).data for d in cut])
        return float(np.sum(losses * positions) / np.sum(positions))


def train_gpt(
    model: GPT,
    documents: Sequence[Sequence[int]],
    steps: int,
    *,
    engine: str = "tape",
    lr: float = 0.01,
    total: int | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """``steps`` steps of microgpt's training (``Trainer``), the learning rate falling to 0
    over ``total`` steps (``steps`` unless given: the first steps of a longer run).
    Returns each step's loss; ``on_step(t, loss)`` is called after each."""
    if type(steps) is not int or steps < 0:
        raise ValueError(f"steps must be a whole number, 0 or more, got {steps!r}")
    if total is not None and (type(total) is not int or total < steps):
        raise ValueError(f"total must be a whole number of steps, {steps} or more, got {total!r}")
    trainer = Trainer(model, documents, total or steps, engine=engine, lr=lr)
    losses = []
    for t in range(steps):
        loss = trainer.step()
        losses.append(loss)
        if on_step is not None:
            on_step(t, loss)
    return losses
