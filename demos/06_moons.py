# %% [markdown]
# # 6. Two moons: binary classification with binary cross-entropy and Adam
#
# micrograd's classic demo, trained the way a PyTorch user would: an MLP with ReLU
# hidden layers outputs a logit, binary cross-entropy (in its stable with-logits form)
# measures it, Adam updates every weight. Watch the loss fall and the boundary bend.

# %% [markdown]
# Train MLP(2 -> [16 relu, 16 relu, 1]) on 100 points. It uses the tape (the same graph
# replayed over the batch with numpy, see the scalars_to_tensors demo): the same
# gradients as the scalar engine, a hundred times faster.

# %%
from micrograd_plus.datasets import make_moons
from micrograd_plus.lecture import setup
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.plots import decision_boundary, loss_curve
from micrograd_plus.training import accuracy, train

demo = setup("moons")
X, y = make_moons(60 if demo.quick else 100, noise=0.1, seed=demo.seed)
model = MLP(2, [8, 8, 1] if demo.quick else [16, 16, 1], seed=demo.seed)
print(model)
history = train(
    model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.05),
    steps=60 if demo.quick else 100, engine="tape",
)  # fmt: skip
correct = accuracy(model, X, y, "bce")
print(f"train accuracy {correct:.0%}; loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}")
assert correct >= 0.97

# %% [markdown]
# The loss (log scale) and the batch accuracy per step, then the boundary: the
# probability of class 1 on a 250x250 grid, the 0.5 line in black.

# %%
demo.show(loss_curve(history, title="two moons: loss and accuracy"), "loss")
demo.show(decision_boundary(model, X, y, title="two moons"), "boundary")
