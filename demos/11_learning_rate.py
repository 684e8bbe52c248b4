# %% [markdown]
# # 11. Gradient descent and the learning rate
#
# Gradient descent steps against the gradient: w = w - lr * dL/dw. The learning rate lr
# sets the size of each step. Too small and it crawls; well chosen and it settles in a
# few steps; too large and each step overshoots the minimum by more than the last, and
# the loss grows without bound.

# %% [markdown]
# A 1-D loss L(w) = (w - 3)**2 from w = -2, with three learning rates. Its curvature is
# 2, so any lr above 1 diverges: each step multiplies the distance to 3 by |1 - 2 lr|.

# %%
import numpy as np

from micrograd_plus import Value
from micrograd_plus.lecture import setup
from micrograd_plus.plots import OKABE_ITO, figure, style

demo = setup("learning_rate")
RATES = {"too small (0.02)": 0.02, "good (0.3)": 0.3, "too large (1.05)": 1.05}


def descend(lr: float, steps: int) -> list[float]:
    w = Value(-2.0, "w")
    path = [w.data]
    for _ in range(steps):
        w.grad = 0.0
        ((w - 3) ** 2).backward()
        w.data -= lr * w.grad
        path.append(w.data)
    return path


paths = {name: descend(lr, 12) for name, lr in RATES.items()}
for name, path in paths.items():
    print(f"{name:>17}: w after 12 steps {path[-1]:+.3f}, loss {(path[-1] - 3) ** 2:.3g}")
small, good, large = (abs(p[-1] - 3) for p in paths.values())
assert good < 1e-3 < small and large > 5  # crawls, settles, diverges

# %% [markdown]
# The steps drawn on the loss curve: small steps creep down one side, good ones reach
# the bottom, large ones jump from side to side, higher each time.

# %%
fig, axes = figure(1, 3, size=(14, 4.4))
with style():
    ws = np.linspace(-5, 11, 300)
    for axis, (name, path), colour in zip(
        axes, paths.items(), [OKABE_ITO[4], OKABE_ITO[2], OKABE_ITO[5]]
    ):
        p = np.array(path)
        axis.plot(ws, (ws - 3) ** 2, color="#999999", linewidth=1.5)
        axis.plot(p, (p - 3) ** 2, "o-", color=colour, markersize=5, linewidth=1.5)
        axis.set_title(f"lr {name}")
        axis.set_xlabel("w")
        axis.set_ylim(-5, 100)
    axes[0].set_ylabel("L(w) = (w - 3)²")
demo.show(fig, "learning_rate_1d")

# %% [markdown]
# The same on a 2-D loss L(x, y) = x**2 + 4 y**2, steeper in y: the largest stable lr is
# set by the steepest direction (here lr < 0.25), so a rate that is fine along x
# diverges along y.

# %%
RATES_2D = {"too small (0.01)": 0.01, "good (0.2)": 0.2, "too large (0.26)": 0.26}


def descend_2d(lr: float, steps: int) -> np.ndarray:
    x, y = Value(-4.0, "x"), Value(2.0, "y")
    path = [(x.data, y.data)]
    for _ in range(steps):
        x.grad = y.grad = 0.0
        (x**2 + 4 * y**2).backward()
        x.data -= lr * x.grad
        y.data -= lr * y.grad
        path.append((x.data, y.data))
    return np.array(path)


paths_2d = {name: descend_2d(lr, 25) for name, lr in RATES_2D.items()}
ends = [float(np.hypot(*p[-1])) for p in paths_2d.values()]
print("distance to the minimum after 25 steps:", [f"{e:.3g}" for e in ends])
assert ends[1] < 0.01 < ends[0] and ends[2] > 2.0
fig, axis = figure(size=(8, 5.2))
with style():
    xs, ys = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-3.5, 3.5, 200))
    axis.contour(xs, ys, xs**2 + 4 * ys**2, levels=np.geomspace(0.1, 60, 12), colors="#bbbbbb")
    for (name, p), colour in zip(paths_2d.items(), [OKABE_ITO[4], OKABE_ITO[2], OKABE_ITO[5]]):
        axis.plot(p[:, 0], p[:, 1], "o-", color=colour, markersize=3, label=f"lr {name}")
    axis.plot(0, 0, "k*", markersize=14)
    axis.set_xlim(-5, 5)
    axis.set_ylim(-3.5, 3.5)
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    axis.set_title("L(x, y) = x² + 4 y²: 25 steps of gradient descent")
    axis.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
demo.show(fig, "learning_rate_2d")
