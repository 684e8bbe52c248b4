# %% [markdown]
# # 5. XOR: what one perceptron cannot do, one hidden layer can
#
# XOR is 1 when exactly one input is 1. No straight line separates its classes (see the
# perceptron demo), but an MLP with one hidden layer of tanh neurons bends the boundary.

# %% [markdown]
# Train MLP(2 -> [4 tanh, 1]) with binary cross-entropy and Adam. Look at the logits:
# positive for the two 1s, negative for the two 0s.

# %%
from micrograd_plus.datasets import make_xor
from micrograd_plus.lecture import setup
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.plots import decision_boundary, loss_curve
from micrograd_plus.training import accuracy, predict, train

demo = setup("xor")
X, y = make_xor()
model = MLP(2, [4, 1], activation="tanh", seed=demo.seed)
history = train(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.1), steps=200)
for row, label, out in zip(X, y, predict(model, X)):
    print(f"x = {row.tolist()}  xor = {label}  model's logit {out.data:+.2f}")
correct = accuracy(model, X, y, "bce")
print(f"accuracy {correct:.0%} after {len(history.loss)} steps; final loss {history.loss[-1]:.4f}")
assert correct == 1.0

# %% [markdown]
# The learned boundary: the probability of class 1 shaded, the 0.5 line in black. Two
# regions, not one half-plane.

# %%
demo.show(decision_boundary(model, X, y, title="XOR, learned"), "boundary")
demo.show(loss_curve(history, title="XOR: loss"), "loss")
