# %% [markdown]
# # 5. An MLP solves XOR, which no single perceptron can
#
# XOR's classes sit on opposite corners of a square: no straight line splits them (see
# demo 1). A hidden layer bends the space: MLP(2 -> [4 tanh, 1]) learns all four points.

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

# %%
for row, label, out in zip(X, y, predict(model, X)):
    print(f"x = {row.tolist()}  xor = {label}  model's logit {out.data:+.2f}")
correct = accuracy(model, X, y, "bce")
print(f"accuracy {correct:.0%} after {len(history.loss)} steps; final loss {history.loss[-1]:.4f}")
assert correct == 1.0

# %%
demo.plot(decision_boundary, model, X, y, demo.path("boundary.png"), title="XOR, learned")
demo.plot(loss_curve, history, demo.path("loss.png"), title="XOR: loss")
