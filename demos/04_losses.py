# %% [markdown]
# # 4. Loss functions: MSE against MAE with outliers, and the cross-entropies
#
# Fit a line y = a*x + b to data with a few outliers, once with mean squared error and
# once with mean absolute error. Squaring makes the outliers' errors dominate, so MSE
# bends the line towards them; MAE treats every error alike and stays with the bulk.
# Then binary and categorical cross-entropy as functions of the predicted probability
# of the true class: near 0 for a confident right answer, steep for a confident wrong one.

# %%
import math
from collections.abc import Callable
from pathlib import Path

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
from micrograd_plus.plots import fitted_curves, pyplot, save

demo = setup("losses")
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


steps = 150 if demo.quick else 400
lines = {"MSE": fit_line(mse_loss, steps), "MAE": fit_line(mae_loss, steps)}
for name, (a, b) in lines.items():
    print(f"{name}: y = {a:.3f} x + {b:.3f}   (the data without outliers: y = 1.5 x + 0.5)")
error = {name: abs(a - 1.5) + abs(b - 0.5) for name, (a, b) in lines.items()}
assert error["MAE"] < error["MSE"], error
demo.plot(
    fitted_curves,
    x,
    y,
    {f"{name} fit": a * x + b for name, (a, b) in lines.items()},
    demo.path("mse_vs_mae.png"),
    title="MSE is pulled by outliers, MAE is not",
)

# %% cross-entropy against the probability given to the true class
ps = np.linspace(0.001, 0.999, 200)
bce = [binary_cross_entropy(float(p), 1).data for p in ps]
cce = [
    categorical_cross_entropy([float(p), (1 - float(p)) / 2, (1 - float(p)) / 2], [1, 0, 0]).data
    for p in ps
]
assert all(math.isclose(a, -math.log(p)) for a, p in zip(bce, ps))
assert all(math.isclose(a, b) for a, b in zip(bce, cce))  # both are -log(p of the true class)
print(
    f"p = 0.99 costs {bce[-1]:.3f}; p = 0.5 costs {-math.log(0.5):.3f}; "
    f"p = 0.001 costs {bce[0]:.2f}"
)


def draw(path: Path) -> Path:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(ps, bce, color="#b2182b", linewidth=2.5, label="BCE, target 1")
    axis.plot(ps, cce, color="#2166ac", linewidth=1.5, linestyle="--", label="CCE, true class")
    axis.set_xlabel("predicted probability of the true class")
    axis.set_ylabel("loss")
    axis.legend()
    axis.set_title("cross-entropy = -log p(true class)")
    return save(figure, path)


demo.plot(draw, demo.path("cross_entropy.png"))
