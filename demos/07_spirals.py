# %% [markdown]
# # 7. Three spirals: multi-class classification with softmax and cross-entropy
#
# Three output logits, one per class; softmax turns them into probabilities and
# cross-entropy punishes a low probability for the true class. The classes wind around
# each other, so the network must carve a curved boundary for each arm.

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
steps = 40 if demo.quick else 80
history = train(
    model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.1), steps=steps
)

# %%
correct = accuracy(model, X, y, "cross_entropy")
print(f"train accuracy {correct:.0%}; loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}")
assert correct >= (0.85 if demo.quick else 0.95)

# %%
demo.plot(loss_curve, history, demo.path("loss.png"), title="spirals: loss and accuracy")
demo.plot(
    decision_boundary,
    model,
    X,
    y,
    demo.path("boundary.png"),
    loss="cross_entropy",
    resolution=30 if demo.quick else 60,
    title="three spirals",
)
