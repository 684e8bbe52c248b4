# %% [markdown]
# # 7. Three spirals: multi-class classification with softmax cross-entropy
#
# CS231n's spiral data: three arms that no line separates. The MLP outputs three logits
# per point; cross-entropy (log-softmax of the logits at the true class) trains it.

# %% [markdown]
# Train MLP(2 -> [16 relu, 16 relu, 3]) with Adam on the tape.

# %%
from micrograd_plus.datasets import make_spirals
from micrograd_plus.lecture import setup
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.plots import decision_boundary, loss_curve
from micrograd_plus.training import accuracy, train

demo = setup("spirals")
X, y = make_spirals(90 if demo.quick else 150, n_classes=3, seed=demo.seed)
model = MLP(2, [16, 16, 3], seed=demo.seed)
print(model)
steps = 80 if demo.quick else 300
history = train(
    model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05),
    steps=steps, engine="tape",
)  # fmt: skip
correct = accuracy(model, X, y, "cross_entropy")
print(f"train accuracy {correct:.0%}; loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}")
assert correct >= (0.85 if demo.quick else 0.95)

# %% [markdown]
# Each point of the plane in the colour of the class the model predicts there.

# %%
demo.show(loss_curve(history, title="spirals: loss and accuracy"), "loss")
demo.show(decision_boundary(model, X, y, loss="cross_entropy", title="three spirals"), "boundary")
