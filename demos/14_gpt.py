# %% [markdown]
# # 14. From micrograd to a GPT
#
# The lecture that follows micrograd builds a GPT on the same scalar Values: a
# character-level language model that learns to make up names. Each name is a document of
# tokens, its letters between two BOS tokens ("beginning of sequence"), and the model
# learns to give the next token's probabilities from the ones before it: token and
# position embeddings, rmsnorm, multi-head causal attention with a key/value cache, a ReLU
# MLP, softmax and -log p, trained with Adam. This is microgpt's architecture and
# training, on micrograd_plus's Value, with its pictures.

# %% [markdown]
# The data: the first names of the 1990 US census, each name a document of tokens.

# %%
import random
import time

import numpy as np

from micrograd_plus.datasets import load_names
from micrograd_plus.gpt import GPT, Vocabulary, train_gpt
from micrograd_plus.lecture import setup
from micrograd_plus.plots import attention_maps, embedding_map, loss_curves
from micrograd_plus.viz import to_dot

demo = setup("gpt")
names = load_names()  # the 1990 US census first names: 5,494 entries, 5,163 distinct
random.Random(42).shuffle(names)
vocabulary = Vocabulary.of(names)
documents = [vocabulary.encode(name) for name in names]
print(f"{len(names):,} names, {vocabulary.size} tokens: {vocabulary.chars!r} and BOS")
print(f"{names[0]!r} as tokens: {documents[0]}")

# %% [markdown]
# The model: microgpt's sizes, 16 wide, 4 heads, 1 layer, 16 positions. Every part of it
# is computed in a scope (`micrograd_plus.scope`), so the graph of one name's loss, tens
# of thousands of Values, draws as a few boxes, each one a part of the model.

# %%
size = {"n_embd": 8, "n_head": 2} if demo.quick else {}  # quick: a narrower model
model = GPT(vocabulary.size, seed=42, **size)
print(f"{len(model.parameters()):,} parameters")
loss = model.loss(documents[0])
loss.backward()
uniform = np.log(vocabulary.size)  # a uniform guess over the tokens
print(
    f"loss on {names[0]!r}: {loss.data:.4f} (a uniform guess: ln {vocabulary.size} = {uniform:.2f})"
)
print(f"its graph: {len(loss.topological_order()):,} Values")
demo.show(to_dot(loss, open=["position 0", "position 0/layer 0"]), "gpt_graph")

# %% [markdown]
# Training, one name per step as microgpt does, on the tape: each name length's program
# is recorded once and replayed with numpy, the rows of the token embedding gathered by
# the token ids. The first steps again on the scalar engine: the same losses.

# %%
steps = 1000 if demo.full or demo.notebook else 20 if demo.quick else 300  # a notebook: all
model = GPT(vocabulary.size, seed=42, **size)
start = time.perf_counter()
losses = train_gpt(model, documents, steps, engine="tape")
print(f"{steps} steps on the tape in {time.perf_counter() - start:.1f} s")
check = train_gpt(GPT(vocabulary.size, seed=42, **size), documents, 3, engine="scalar", total=steps)
print("the first 3 steps' losses, scalar engine:", [round(x, 12) for x in check])
print("                                    tape:", [round(x, 12) for x in losses[:3]])
assert max(abs(a - b) for a, b in zip(check, losses)) < 1e-9
curve = loss_curves({"one name per step": losses}, max(10, steps // 20), uniform,
                    title="a GPT on Values learning names")  # fmt: skip
demo.show(curve, "gpt_loss")

# %% [markdown]
# What it makes up, at temperature 0.5 (microgpt's): names it has not seen, most of them.

# %%
samples = [model.sample(vocabulary, temperature=0.5, seed=demo.seed + i) for i in range(10)]
print(", ".join(samples))

# %% [markdown]
# Where each position looks: each head's attention weights over one name, row i the
# weights position i gives the positions before it (and itself).

# %%
name = "isabella"
tokens = vocabulary.encode(name)
labels = ["BOS", *name]
demo.show(attention_maps(model.attention_maps(tokens[:-1]), labels), "gpt_attention")

# %% [markdown]
# What the token embedding learned: the table `wte` as an image, a row per token, and its
# rows projected on their two main directions. Tokens the model treats alike sit close.

# %%
table = np.array([[p.data for p in row] for row in model.state_dict["wte"]])
demo.show(embedding_map(table, [*vocabulary.chars, "BOS"]), "gpt_embedding")
