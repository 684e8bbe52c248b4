# %% [markdown]
# # 3. Activation functions and their derivatives, computed by backward
#
# For each activation f we put x on a grid, compute f(x) with a Value, call backward,
# and read f'(x) from x.grad: the derivative comes from the engine, not from a formula.
# Sigmoid and tanh flatten out at both ends (their derivatives vanish there); ReLU's
# derivative is 0 for every x < 0 (a dead neuron learns nothing); leaky ReLU keeps a
# small slope. Softmax turns a vector of scores into probabilities.

# %% [markdown]
# Each curve and its derivative from backward, checked against the formula. Look at
# the largest derivative (sigmoid's is only 0.25) and at x = 6, where sigmoid's and
# tanh's have all but vanished.

# %%
import math

import numpy as np

from micrograd_plus import Value
from micrograd_plus.functional import softmax
from micrograd_plus.lecture import setup
from micrograd_plus.plots import OKABE_ITO, figure, style

demo = setup("activations")
xs = np.linspace(-6, 6, 61 if demo.quick else 241)
# name: (the op, its derivative by formula, the formula, its range, its derivative at 0)
ACTIVATIONS = {
    "sigmoid": (Value.sigmoid, lambda x: math.exp(-abs(x)) / (1 + math.exp(-abs(x))) ** 2,
                "1 / (1 + e^-x)", "(0, 1)", "f'(0) = 0.25"),
    "tanh": (Value.tanh, lambda x: 1 - math.tanh(x) ** 2,
             "(e^x - e^-x) / (e^x + e^-x)", "(-1, 1)", "f'(0) = 1"),
    "relu": (Value.relu, lambda x: 1.0 if x > 0 else 0.0,
             "max(0, x)", "[0, inf)", "f'(0) taken as 0"),
    "leaky_relu": (lambda v: v.leaky_relu(0.1), lambda x: 1.0 if x > 0 else 0.1,
                   "x if x > 0 else 0.1 x", "(-inf, inf)", "f'(0) taken as 0.1"),
}  # fmt: skip
curves = {}
for name, (f, derivative, *_) in ACTIVATIONS.items():
    values, grads = [], []
    for x in xs:
        v = Value(float(x))
        out = f(v)
        out.backward()
        values.append(out.data)
        grads.append(v.grad)
        assert math.isclose(v.grad, derivative(float(x)), rel_tol=1e-9, abs_tol=1e-12)
    curves[name] = (np.array(values), np.array(grads))
    print(f"{name:>10}: largest derivative {max(grads):.3f}, at x = 6 it is {grads[-1]:.2e}")
assert curves["sigmoid"][1][-1] < 0.01 and curves["tanh"][1][-1] < 0.001  # they vanish
assert curves["relu"][1][0] == 0.0 and curves["leaky_relu"][1][0] == 0.1

# %% [markdown]
# The derivative at exactly 0, where ReLU has a kink: the engine takes relu'(0) = 0 (as
# PyTorch does) and leaky_relu'(0) = the slope.

# %%
for name, (f, *_rest, at_zero) in ACTIVATIONS.items():
    zero = Value(0.0)
    f(zero).backward()
    print(f"{name:>10}: {at_zero}; the engine gives {zero.grad}")
    assert zero.grad == float(at_zero.split()[-1])  # the convention the plot states

# %% [markdown]
# One picture per activation: the function (solid), its derivative from backward
# (dashed), its formula, its range and its derivative at 0.

# %%
for name, (_, _, formula, value_range, at_zero) in ACTIVATIONS.items():
    values, grads = curves[name]
    fig, axis = figure(size=(6.4, 4.2))
    with style():
        axis.plot(xs, values, color=OKABE_ITO[4], linewidth=2.5, label=f"{name}(x)")
        axis.plot(xs, grads, color=OKABE_ITO[5], linewidth=2, linestyle="--",
                  label="derivative (backward)")  # fmt: skip
        axis.axhline(0, color="#9e9e9e", linewidth=0.8)
        axis.axvline(0, color="#9e9e9e", linewidth=0.8)
        axis.set_xlabel("x")
        axis.set_title(f"{name}(x) = {formula}")
        box = {"facecolor": "white", "edgecolor": "#cccccc"}
        note = f"range {value_range}\n{at_zero}"
        axis.text(0.02, 0.97, note, transform=axis.transAxes, va="top", fontsize=11, bbox=box)
        axis.legend(loc="lower right", frameon=False)
    demo.show(fig, name)

# %% [markdown]
# Softmax on a vector of scores: probabilities that sum to 1, the largest score getting
# the largest share.

# %%
scores = [2.0, 1.0, 0.1, -1.0]
probabilities = [p.data for p in softmax(scores)]
print("softmax", scores, "->", [round(p, 3) for p in probabilities])
assert math.isclose(sum(probabilities), 1.0)
assert probabilities == sorted(probabilities, reverse=True)

# %% [markdown]
# All five side by side, the overview for a slide: each curve with its formula and range.

# %%
fig, axes = figure(1, 5, size=(18, 3.9))
with style():
    for axis, (name, (_, _, formula, value_range, _)) in zip(axes, ACTIVATIONS.items()):
        values, grads = curves[name]
        first = name == "sigmoid"
        axis.plot(xs, values, color=OKABE_ITO[4], linewidth=2.5, label="f(x)" if first else None)
        axis.plot(xs, grads, color=OKABE_ITO[5], linewidth=1.8, linestyle="--",
                  label="f'(x), from backward" if first else None)  # fmt: skip
        axis.axhline(0, color="#9e9e9e", linewidth=0.8)
        axis.set_title(f"{name}\n{formula}\nrange {value_range}", fontsize=12)
        axis.set_xlabel("x")
    labels = [f"z{i}" for i in range(len(scores))]
    axes[4].bar(labels, probabilities, color=OKABE_ITO[4])
    axes[4].set_title("softmax\ne^z_i / sum_j e^z_j\nrange (0, 1), sums to 1", fontsize=12)
    axes[4].set_xlabel(f"scores {scores}")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
demo.show(fig, "overview")
