# %% [markdown]
# # 15. From micrograd to a GPT, one model at a time

# %% [markdown]
# The course's road from counting letters to attention, each model on the same Values
# and trained the same way, each checked against central differences before it trains:
#
# 1. bigram counts: how often each letter follows each letter;
# 2. a bigram net: the same table as parameters, learned by gradient descent;
# 3. an MLP: the last three letters, each an embedding, through a hidden layer;
# 4. attention with one head: every letter so far, weighted by what it asks for;
# 5. attention with four heads: microgpt's GPT.
#
# Each learns from the first names of the 1990 US census, one name per step (Adam, as
# microgpt trains), and is scored on 500 names none of them saw: the mean of -log p(next
# letter), lower is better; a uniform guess over 27 tokens scores ln 27 = 3.30. In a
# notebook the whole run takes a minute or two; `micrograd-plus demo micrograd_to_gpt`
# previews it in seconds on short names (`--full`: the whole run).

# %%
import math
import random
from itertools import pairwise

import numpy as np

from micrograd_plus import Value, gradcheck_parameters
from micrograd_plus.datasets import load_names
from micrograd_plus.gpt import GPT, Trainer, Vocabulary
from micrograd_plus.lecture import setup
from micrograd_plus.losses import cross_entropy
from micrograd_plus.parameters import new_parameters
from micrograd_plus.plots import attention_maps, heat_map, loss_curves

demo = setup("micrograd_to_gpt")
whole = demo.full or demo.notebook
names = load_names()
random.Random(42).shuffle(names)
vocabulary = Vocabulary.of(names)  # the whole alphabet, and BOS
if not whole:  # a preview: short names, few steps
    names = [n for n in names if len(n) <= (4 if demo.quick else 5)]
documents = [vocabulary.encode(name) for name in names]
scored = 500 if whole else 100
dev, train = documents[:scored], documents[scored:]
steps = 5000 if whole else 20 if demo.quick else 150
print(f"{len(train):,} names to learn from, {len(dev)} to score on, {steps} steps per model")
uniform = math.log(vocabulary.size)
scores: dict[str, float] = {}
curves: dict[str, list[float]] = {}

# %% [markdown]
# ## 1. Bigram counts
#
# Count how often each token follows each token (BOS starts and ends every name), add one
# to every count so nothing is impossible, and divide each row by its sum: p(next | this).

# %%
counts = np.ones((vocabulary.size, vocabulary.size))
for doc in train:
    for this, after in pairwise(doc):
        counts[this, after] += 1
probabilities = counts / counts.sum(axis=1, keepdims=True)
labels = [*vocabulary.chars, "."]  # BOS drawn as "."
shown = heat_map(counts, labels, labels, title="how often each token follows each",
                 row_name="this token", column_name="the next")  # fmt: skip
demo.show(shown, "bigram_counts")
scores["bigram counts"] = float(
    np.mean([-math.log(probabilities[a, b]) for doc in dev for a, b in pairwise(doc)])
)
rng = np.random.default_rng(demo.seed)
made_up = []
for _ in range(8):
    token, letters = vocabulary.bos, []
    while True:
        token = int(rng.choice(vocabulary.size, p=probabilities[token]))
        if token == vocabulary.bos:
            break
        letters.append(vocabulary.chars[token])
    made_up.append("".join(letters))
print(f"scores {scores['bigram counts']:.3f} on the names it never saw; makes up:", made_up)

# %% [markdown]
# ## 2. A bigram net
#
# The same table, as parameters: the logits of the next token are the row of `W` that
# this token picks, and training lowers -log softmax(row)[next] by gradient descent.
# A model here is a class with `loss(tokens)` (a name's mean loss over its positions),
# `parameters()`, and `tables` (the tables token ids pick rows from, so the tape can
# replay a name's program for any name of its length). `gradcheck_parameters` checks
# backward against central differences on a sample of parameters before training.


# %%
def table(name: str, rows: int, cols: int, std: float, rng: random.Random) -> list[list[Value]]:
    """A rows x cols table of parameters, each drawn from gauss(0, std), named name[r][c]."""
    labels = [f"{name}[{r}][{c}]" for r in range(rows) for c in range(cols)]
    params = list(new_parameters([rng.gauss(0, std) for _ in labels], labels))
    return [params[r * cols : (r + 1) * cols] for r in range(rows)]


class Bigram:
    block_size = 16

    def __init__(self, vocab_size: int, seed: int = 42) -> None:
        self.W = table("W", vocab_size, vocab_size, 0.0, random.Random(seed))

    @property
    def tables(self) -> dict[str, list[list[Value]]]:
        return {"W": self.W}

    def parameters(self) -> list[Value]:
        return [p for row in self.W for p in row]

    def loss(self, tokens: list[int]) -> Value:
        n = min(self.block_size, len(tokens) - 1)
        return Value.sum(cross_entropy(self.W[tokens[i]], tokens[i + 1]) for i in range(n)) / n


def fit(name: str, model: object) -> Trainer:
    """Check the model's gradients, train it one name per step, score it."""
    assert gradcheck_parameters(lambda: model.loss(train[0]), model.parameters(), count=6)
    trainer = Trainer(model, train, steps)
    curves[name] = [trainer.step() for _ in range(steps)]
    scores[name] = trainer.evaluate(dev)
    size = len(model.parameters())
    print(f"{name}: {size:,} parameters, gradients checked, scores {scores[name]:.3f}")
    return trainer


bigram = Bigram(vocabulary.size)
fit("bigram net", bigram)
learned = np.array([[p.data for p in row] for row in bigram.W])
q = vocabulary.chars.index("q")
print(f"after 'q' the counts say '{labels[int(np.argmax(counts[q]))]}', "
      f"the net says '{labels[int(np.argmax(learned[q]))]}'")  # fmt: skip

# %% [markdown]
# ## 3. An MLP on the last three letters
#
# Bengio et al. (2003): each of the last three tokens (BOS before the name's start) picks
# its row of an embedding table `C`, the three rows side by side go through a tanh layer
# and then a linear layer to the logits. About as many parameters as microgpt's GPT.


# %%
class MLPModel:
    block_size = 16

    def __init__(self, vocab_size: int, context: int = 3, n_embd: int = 10, hidden: int = 64,
                 seed: int = 42) -> None:  # fmt: skip
        rng = random.Random(seed)
        self.context = context
        self.C = table("C", vocab_size, n_embd, 1.0, rng)
        self.W1 = table("W1", hidden, context * n_embd, (context * n_embd) ** -0.5, rng)
        self.b1 = table("b1", 1, hidden, 0.0, rng)[0]
        self.W2 = table("W2", vocab_size, hidden, 0.1 * hidden**-0.5, rng)
        self.b2 = table("b2", 1, vocab_size, 0.0, rng)[0]

    @property
    def tables(self) -> dict[str, list[list[Value]]]:
        return {"C": self.C}

    def parameters(self) -> list[Value]:
        matrices = [p for t in (self.C, self.W1, self.W2) for row in t for p in row]
        return matrices + self.b1 + self.b2

    def loss(self, tokens: list[int]) -> Value:
        n = min(self.block_size, len(tokens) - 1)
        losses = []
        for i in range(n):
            last = [tokens[max(j, 0)] for j in range(i - self.context + 1, i + 1)]
            x = [v for token in last for v in self.C[token]]
            h = [(Value.sum(w * xi for w, xi in zip(row, x)) + b).tanh()
                 for row, b in zip(self.W1, self.b1)]  # fmt: skip
            logits = [Value.sum(w * hi for w, hi in zip(row, h)) + b
                      for row, b in zip(self.W2, self.b2)]  # fmt: skip
            losses.append(cross_entropy(logits, tokens[i + 1]))
        return Value.sum(losses) / n


size = {"n_embd": 4, "hidden": 16} if demo.quick else {}
fit("MLP, 3 letters", MLPModel(vocabulary.size, **size))

# %% [markdown]
# ## 4. Attention with one head
#
# microgpt's GPT with a single head: each position's query is compared with the keys of
# every position so far (q . k / sqrt(d)), softmax turns the scores into weights, and the
# values are summed with them. Its context is the whole name, not three letters.

# %%
small = {"n_embd": 8} if demo.quick else {}
one_head = GPT(vocabulary.size, n_head=1, **small)
fit("GPT, 1 head", one_head)
name = "isabella" if whole else "anna"
tokens = vocabulary.encode(name)[:-1]
demo.show(attention_maps(one_head.attention_maps(tokens), ["BOS", *name]), "one_head")

# %% [markdown]
# ## 5. Attention with four heads: microgpt
#
# The same width split into four heads of 4, each free to look for something else.

# %%
gpt = GPT(vocabulary.size, n_head=2 if demo.quick else 4, **small)
fit("GPT, 4 heads" if not demo.quick else "GPT, 2 heads", gpt)
demo.show(attention_maps(gpt.attention_maps(tokens), ["BOS", *name]), "four_heads")
print(
    "it makes up:", [gpt.sample(vocabulary, temperature=0.5, seed=demo.seed + i) for i in range(8)]
)

# %% [markdown]
# ## All five, side by side
#
# The training loss of each (a running mean over its steps) and each model's score on
# the 500 names none of them saw. On names, where a letter depends mostly on the two or
# three before it, the MLP's window already holds most of what matters; attention's
# context is the whole name, and it learns where to look (the heat maps above).

# %%
smooth = max(50, steps // 20)
demo.show(loss_curves(curves, smooth, uniform, title="one name per step"), "five_models")
for model_name, score in scores.items():
    print(f"{model_name:>16}: {score:.3f}")
