# %% [markdown]
# # 3. Activation functions and their derivatives, computed by backward
#
# For each activation f we put x on a grid, compute f(x) with a Value, call backward,
# and read f'(x) from x.grad: the derivative comes from the engine, not from a formula.
# Sigmoid and tanh flatten out at both ends (their derivatives vanish there); ReLU's
# derivative is 0 for every x < 0 (a dead neuron learns nothing); leaky ReLU keeps a
# small slope. Softmax turns a vector of scores into probabilities.

# %%
import math
from pathlib import Path

import numpy as np

from micrograd_plus import Value
from micrograd_plus.functional import softmax
from micrograd_plus.lecture import setup
from micrograd_plus.plots import pyplot, save

demo = setup("activations")
xs = np.linspace(-6, 6, 61 if demo.quick else 241)
activations = {
    "sigmoid": (Value.sigmoid, lambda x: 1 / (1 + math.exp(-x)) * (1 - 1 / (1 + math.exp(-x)))),
    "tanh": (Value.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "relu": (Value.relu, lambda x: 1.0 if x > 0 else 0.0),
    "leaky_relu": (lambda v: v.leaky_relu(0.1), lambda x: 1.0 if x > 0 else 0.1),
}
curves = {}
for name, (f, derivative) in activations.items():
    values, grads = [], []
    for x in xs:
        v = Value(float(x))
        out = f(v)
        out.backward()
        values.append(out.data)
        grads.append(v.grad)
        assert math.isclose(v.grad, derivative(float(x)), rel_tol=1e-9, abs_tol=1e-12)
    curves[name] = (values, grads)
    print(f"{name:>10}: largest derivative {max(grads):.3f}, at x = 6 it is {grads[-1]:.2e}")
assert curves["sigmoid"][1][-1] < 0.01 and curves["tanh"][1][-1] < 0.001  # they vanish
assert curves["relu"][1][0] == 0.0 and curves["leaky_relu"][1][0] == 0.1


# %%
def draw(name: str, path: Path) -> Path:
    plt = pyplot()
    values, grads = curves[name]
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(xs, values, color="#2166ac", linewidth=2.5, label=f"{name}(x)")
    axis.plot(
        xs, grads, color="#b2182b", linewidth=2, linestyle="--", label="derivative (backward)"
    )
    axis.axhline(0, color="#9e9e9e", linewidth=0.8)
    axis.axvline(0, color="#9e9e9e", linewidth=0.8)
    axis.legend()
    axis.set_title(name)
    return save(figure, path)


for name in curves:
    demo.plot(draw, name, demo.path(f"{name}.png"))

# %% softmax on a vector of scores
scores = [2.0, 1.0, 0.1, -1.0]
probabilities = [p.data for p in softmax(scores)]
print("softmax", scores, "->", [round(p, 3) for p in probabilities])
assert math.isclose(sum(probabilities), 1.0) and probabilities == sorted(
    probabilities, reverse=True
)


def draw_softmax(path: Path) -> Path:
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3.5))
    labels = [f"z{i}" for i in range(len(scores))]
    left.bar(labels, scores, color="#92c5de")
    left.set_title("scores z")
    right.bar(labels, probabilities, color="#2166ac")
    right.set_title("softmax(z): sums to 1")
    return save(figure, path)


demo.plot(draw_softmax, demo.path("softmax.png"))
