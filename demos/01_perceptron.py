# %% [markdown]
# # 1. The perceptron learns AND and OR, and cannot learn XOR
#
# A perceptron computes step(w . x + b): 1 on one side of a straight line, 0 on the
# other. Its learning rule nudges the line towards every sample it gets wrong. When a
# line can separate the classes (AND, OR) the rule stops making mistakes; when none can
# (XOR) its weights come back to where they were, and it would cycle forever.

# %%
from pathlib import Path

import numpy as np

from micrograd_plus.lecture import setup
from micrograd_plus.nn import Perceptron
from micrograd_plus.plots import pyplot, save

demo = setup("perceptron")
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
gates = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}

# %%
fitted = {}
for gate, labels in gates.items():
    perceptron = Perceptron(2)
    fit = perceptron.fit(X, labels, epochs=100)
    fitted[gate] = perceptron
    verdict = "learned" if fit.converged else "did not learn"
    print(
        f"{gate}: {verdict} it in {fit.epochs} epochs; mistakes per epoch {fit.mistakes_per_epoch}"
    )
    if fit.cycled:
        print(f"  {gate}: the weights came back to an earlier state, so no line separates it")
    assert fit.converged == (gate != "XOR")
    assert (perceptron.predict(X).tolist() == labels) == (gate != "XOR")


# %% [markdown]
# The decision line w1 x1 + w2 x2 + b = 0 of each perceptron, over the four points:
# red points should be 1, blue 0; the perceptron says 1 in the red region (on the line
# too, since step(0) = 1) and 0 in the blue one.


# %%
def draw_line(gate: str, path: Path) -> Path:
    plt = pyplot()
    p = fitted[gate].state_dict()
    w1, w2, b = p["w.0"], p["w.1"], p["b"]
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    grid_x, grid_y = np.meshgrid(np.linspace(-0.5, 1.5, 201), np.linspace(-0.5, 1.5, 201))
    says_one = (w1 * grid_x + w2 * grid_y + b >= 0).astype(float)  # step(w . x + b)
    axis.contourf(grid_x, grid_y, says_one, levels=[-0.5, 0.5, 1.5], colors=["#d1e5f0", "#fddbc7"])
    colours = ["#b2182b" if label else "#2166ac" for label in gates[gate]]
    axis.scatter(X[:, 0], X[:, 1], c=colours, s=160, edgecolors="black", zorder=3)
    xs = np.linspace(-0.5, 1.5, 10)
    if w2:
        axis.plot(xs, -(w1 * xs + b) / w2, color="black", linewidth=2)
    elif w1:
        axis.axvline(-b / w1, color="black", linewidth=2)
    axis.set_xlim(-0.5, 1.5)
    axis.set_ylim(-0.5, 1.5)
    axis.set_title(f"{gate}: w = ({w1:g}, {w2:g}), b = {b:g}")
    return save(figure, path)


for gate in gates:
    demo.plot(draw_line, gate, demo.path(f"{gate.lower()}.png"))
