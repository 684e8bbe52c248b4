# %% [markdown]
# # 1. The perceptron learns AND and OR, and cannot learn XOR
#
# A perceptron computes step(w . x + b): 1 on one side of a straight line, 0 on the
# other. Its learning rule nudges the line towards every sample it gets wrong. When a
# line can separate the classes (AND, OR) the rule stops making mistakes; when none can
# (XOR) its weights come back to where they were, and it would cycle forever.

# %% [markdown]
# Train one perceptron per gate. Look at the mistakes per epoch: they reach 0 for AND
# and OR, and never for XOR, whose weights return to an earlier state. The rule stops at
# the first line that separates the classes, which can graze a point; from the small
# random start used here (seed 21) both lines pass clear of every point.

# %%
import numpy as np

from micrograd_plus.lecture import setup
from micrograd_plus.nn import Perceptron
from micrograd_plus.plots import CLASS_COLOURS, figure, style
from micrograd_plus.viz import RendererNotFound, draw_network, render

demo = setup("perceptron")
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
gates = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}
fitted = {}
for gate, labels in gates.items():
    perceptron = Perceptron(2, seed=21)
    fit = perceptron.fit(X, labels, epochs=100, lr=0.5)
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
# The perceptron as the course notes draw it: inputs times weights, summed with the
# bias, through the step function. Here the AND perceptron on the input (1, 1): the
# sum z is 0 or more only when both inputs are 1.

# %%
try:
    demo.show(draw_network(fitted["AND"], [1.0, 1.0]), "and_perceptron")
    demo.wrote(render(draw_network(fitted["AND"], [1.0, 1.0]), demo.path("and_perceptron.png")))
except RendererNotFound as error:
    print(f"(no diagram: {error})")

# %% [markdown]
# Each perceptron's decision line w0 x0 + w1 x1 + b = 0 over the four points. The shaded
# side is where it says 1 (step(0) = 1, so the line itself counts as 1). For AND and OR
# every point is on its own side; for XOR at least one is always on the wrong side.

# %%
fig, axes = figure(1, 3, size=(13, 4.6))
with style():
    grid_x, grid_y = np.meshgrid(np.linspace(-0.5, 1.5, 201), np.linspace(-0.5, 1.5, 201))
    for axis, (gate, labels) in zip(axes, gates.items()):
        p = fitted[gate].state_dict()
        w0, w1, b = p["w.0"], p["w.1"], p["b"]
        says_one = (w0 * grid_x + w1 * grid_y + b >= 0).astype(float)
        axis.contourf(
            grid_x, grid_y, says_one, levels=[-0.5, 0.5, 1.5], colors=["#ffffff", "#f6d2bd"]
        )
        axis.contour(grid_x, grid_y, w0 * grid_x + w1 * grid_y + b, levels=[0], colors="black")
        for label in (0, 1):
            mine = np.array(labels) == label
            axis.scatter(X[mine, 0], X[mine, 1], s=170, color=CLASS_COLOURS[label],
                         edgecolors="black", zorder=3, label=f"{gate} = {label}")  # fmt: skip
        axis.set_xlim(-0.5, 1.5)
        axis.set_ylim(-0.5, 1.5)
        axis.set_xlabel("x0")
        axis.set_ylabel("x1")
        axis.set_aspect("equal")
        axis.set_title(f"{gate}\nw = ({w0:.2f}, {w1:.2f}), b = {b:.2f}")
        axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2, frameon=False)
        distances = [abs(w0 * x0 + w1 * x1 + b) / np.hypot(w0, w1) for x0, x1 in X]
        if gate != "XOR":  # no point sits on the line: each is clearly on its side
            assert min(distances) > 0.2, distances
demo.show(fig, "decision_lines")
