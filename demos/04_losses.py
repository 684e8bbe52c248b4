# %% [markdown]
# # 4. Loss functions: MSE against MAE, and the cross-entropies
#
# A loss says how far a prediction is from its target. Mean squared error squares the
# error, so big errors dominate; mean absolute error treats every error alike. Binary
# and categorical cross-entropy score a predicted probability: near 0 for a confident
# right answer, steep for a confident wrong one.

# %% [markdown]
# Each regression loss against the error e = prediction - target, with its derivative
# from backward: MSE's grows with the error (2e), MAE's is always 1 in size (sign(e)).

# %%
import math
from collections.abc import Callable

import numpy as np

from micrograd_plus import Value
from micrograd_plus.lecture import setup
from micrograd_plus.losses import (
    binary_cross_entropy,
    categorical_cross_entropy,
    mae_loss,
    mse_loss,
)
from micrograd_plus.optim import Adam
from micrograd_plus.plots import OKABE_ITO, figure, fitted_curves, style

demo = setup("losses")
errors = np.linspace(-3, 3, 121)
regression = {}
for name, loss in [("MSE", mse_loss), ("MAE", mae_loss)]:
    values, slopes = [], []
    for e in errors:
        prediction = Value(float(e))
        out = loss(prediction, 0.0)
        out.backward()
        values.append(out.data)
        slopes.append(prediction.grad)
    regression[name] = (values, slopes)
assert np.allclose(regression["MSE"][1], 2 * errors) and np.allclose(
    regression["MAE"][0], abs(errors)
)
fig, axis = figure(size=(7, 4.5))
with style():
    for (name, (values, slopes)), colour in zip(regression.items(), [OKABE_ITO[5], OKABE_ITO[4]]):
        axis.plot(errors, values, color=colour, linewidth=2.5, label=f"{name}")
        axis.plot(errors, slopes, color=colour, linewidth=1.5, linestyle="--",
                  label=f"d{name}/dprediction")  # fmt: skip
    axis.axhline(0, color="#9e9e9e", linewidth=0.8)
    axis.set_xlabel("error = prediction - target")
    axis.set_ylabel("loss, and its derivative (dashed)")
    axis.set_title("MSE = e², MAE = |e|")
    axis.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
demo.show(fig, "mse_mae_against_error")

# %% [markdown]
# Fit a line y = a x + b to data with three outliers, once with each loss. Squaring
# makes the outliers' errors dominate, so MSE bends the line towards them; MAE stays
# with the bulk of the points.

# %%
rng = np.random.default_rng(demo.seed)
x = np.linspace(-2, 2, 30)
y = 1.5 * x + 0.5 + rng.normal(scale=0.2, size=x.size)
y[[3, 7, 25]] += [8.0, 9.0, -7.0]  # three outliers


def fit_line(loss: Callable[..., Value], steps: int) -> tuple[float, float]:
    a, b = Value(0.0, "a"), Value(0.0, "b")
    optimizer = Adam([a, b], lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        loss([a * float(xi) + b for xi in x], y).backward()
        optimizer.step()
    return a.data, b.data


steps = 150 if demo.quick else 300
lines = {"MSE": fit_line(mse_loss, steps), "MAE": fit_line(mae_loss, steps)}
for name, (a, b) in lines.items():
    print(f"{name}: y = {a:.3f} x + {b:.3f}   (the data without outliers: y = 1.5 x + 0.5)")
distance = {name: abs(a - 1.5) + abs(b - 0.5) for name, (a, b) in lines.items()}
assert distance["MAE"] < distance["MSE"], distance
fig = fitted_curves(x, y, {f"{name} fit": a * x + b for name, (a, b) in lines.items()},
                    title="MSE is pulled by outliers, MAE is not")  # fmt: skip
demo.show(fig, "mse_vs_mae")

# %% [markdown]
# Binary cross-entropy -(y log p + (1 - y) log(1 - p)) for both targets: for y = 1 it
# punishes a small p, for y = 0 a large one. Categorical cross-entropy -sum_c y_c log p_c
# with a one-hot target is -log of the probability given to the true class: the same
# curve as BCE for y = 1.

# %%
ps = np.linspace(0.001, 0.999, 999)
bce_1 = [binary_cross_entropy(float(p), 1).data for p in ps]
bce_0 = [binary_cross_entropy(float(p), 0).data for p in ps]
cce = [
    categorical_cross_entropy([float(p), (1 - float(p)) / 2, (1 - float(p)) / 2], [1, 0, 0]).data
    for p in ps
]
assert all(math.isclose(a, -math.log(p)) for a, p in zip(bce_1, ps))
assert all(math.isclose(a, -math.log1p(-p)) for a, p in zip(bce_0, ps))
assert all(math.isclose(a, b) for a, b in zip(bce_1, cce))  # -log p(true class)
costs = {p: binary_cross_entropy(p, 1).data for p in (0.99, 0.5, 0.001)}
print(f"target 1: p = 0.99 costs {costs[0.99]:.3f}; p = 0.5 costs {costs[0.5]:.3f}; "
      f"p = 0.001 costs {costs[0.001]:.2f}")  # fmt: skip
assert f"{costs[0.99]:.3f}" == "0.010" and f"{costs[0.5]:.3f}" == "0.693"
fig, axis = figure(size=(7, 4.5))
with style():
    axis.plot(ps, bce_1, color=OKABE_ITO[5], linewidth=2.5, label="BCE, target y = 1: -log p")
    axis.plot(ps, bce_0, color=OKABE_ITO[4], linewidth=2.5, label="BCE, target y = 0: -log(1 - p)")
    axis.plot(
        ps, cce, color="black", linewidth=1.2, linestyle=":", label="CCE, p of the true class"
    )
    axis.set_xlabel("predicted probability p (of class 1, or of the true class)")
    axis.set_ylabel("loss")
    axis.set_ylim(0, 7)
    axis.set_title("cross-entropy: -log of the probability given to the truth")
    axis.legend(loc="upper center", frameon=False)
demo.show(fig, "cross_entropy")
