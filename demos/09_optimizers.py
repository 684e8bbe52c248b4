# %% [markdown]
# # 9. Optimizers on a 2-D loss surface: SGD, momentum, RMSprop, Adam
#
# The loss f(x, y) = 0.05 x**2 + 2 y**2 is a long narrow valley: steep across (y),
# nearly flat along (x). Plain gradient descent must keep its step small for the steep
# direction, and then crawls along the flat one. Momentum builds up speed along the
# valley; RMSprop and Adam scale each coordinate's step by its own gradient history.

# %% [markdown]
# Run each optimizer from the same start and count the steps to the minimum.

# %%
import math

import numpy as np

from micrograd_plus import Value
from micrograd_plus.lecture import setup
from micrograd_plus.optim import SGD, Adam, RMSprop
from micrograd_plus.plots import OKABE_ITO, figure, style

demo = setup("optimizers")
START = (-4.0, 1.5)


def loss(x: Value, y: Value) -> Value:
    return 0.05 * x**2 + 2 * y**2


optimizers = {
    "SGD": lambda p: SGD(p, lr=0.2),
    "momentum": lambda p: SGD(p, lr=0.2, momentum=0.8),
    "RMSprop": lambda p: RMSprop(p, lr=0.05),
    "Adam": lambda p: Adam(p, lr=0.2),
}
paths, reached = {}, {}
for name, make in optimizers.items():
    x, y = Value(START[0], "x"), Value(START[1], "y")
    optimizer = make([x, y])
    path = [(x.data, y.data)]
    for step in range(1, 301):
        optimizer.zero_grad()
        loss(x, y).backward()
        optimizer.step()
        path.append((x.data, y.data))
        if name not in reached and math.hypot(x.data, y.data) < 0.05:
            reached[name] = step
    paths[name] = np.array(path)
    print(f"{name:>9}: within 0.05 of the minimum after {reached.get(name, 'more than 300')} steps")
for name in ["momentum", "RMSprop", "Adam"]:
    assert reached[name] < reached["SGD"], (name, reached)

# %% [markdown]
# Their paths over the contours of the valley: SGD zig-zags across and crawls along.

# %%
fig, axis = figure(size=(8.5, 5))
with style():
    xs, ys = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-2, 2, 200))
    levels = np.geomspace(0.01, 8, 14)
    axis.contour(xs, ys, 0.05 * xs**2 + 2 * ys**2, levels=levels, colors="#bbbbbb", linewidths=1)
    for (name, points), colour in zip(paths.items(), OKABE_ITO[4:] + OKABE_ITO[:1]):
        shown = points[: reached.get(name, len(points)) + 1]
        axis.plot(shown[:, 0], shown[:, 1], "o-", color=colour, markersize=3,
                  label=f"{name} ({len(shown) - 1} steps)")  # fmt: skip
    axis.plot(0, 0, "k*", markersize=14)
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    axis.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    axis.set_title("f(x, y) = 0.05 x² + 2 y²: paths to the minimum")
demo.show(fig, "paths")

# %% [markdown]
# One Adam step written out for one weight: the running mean m of its gradients, their
# mean square v, the bias corrections that undo their start at 0, and the step.

# %%
w = Value(2.0, "w")
adam = Adam([w], lr=0.1)
for _ in range(3):
    adam.zero_grad()
    (w * w).backward()  # the gradient of w**2 is 2w
    adam.step()
print(adam.explain(0, "w"))
g, before, after = adam.last[0]
m_hat = adam.m[0] / (1 - 0.9**3)
v_hat = adam.v[0] / (1 - 0.999**3)
assert math.isclose(before - after, 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel_tol=1e-12)

# %% [markdown]
# How Adam's step size evolves for one weight on a gradient that is steady, then
# suddenly ten times larger, then noisy: the effective learning rate lr / (sqrt(v_hat) +
# eps) adapts to the gradient's scale, so the step lr * m_hat / (sqrt(v_hat) + eps) stays
# of the order of lr whatever that scale is (briefly more just after the jump, while m
# reacts faster than v).

# %%
rng = np.random.default_rng(demo.seed)
grads = np.concatenate([np.full(60, 0.1), np.full(60, 1.0), rng.normal(0.2, 1.0, 80)])
w = Value(0.0, "w")
adam = Adam([w], lr=0.01)
ms, vs, steps, effective = [], [], [], []
for t, grad in enumerate(grads, start=1):
    w.grad = float(grad)
    adam.step()
    m_hat, v_hat = adam.m[0] / (1 - 0.9**t), adam.v[0] / (1 - 0.999**t)
    ms.append(m_hat)
    vs.append(math.sqrt(v_hat))
    effective.append(0.01 / (math.sqrt(v_hat) + 1e-8))
    steps.append(adam.last[0][1] - adam.last[0][2])
largest = max(abs(s) for s in steps)
print(f"the gradient grew tenfold; the largest step was {largest / 0.01:.2f} lr")
assert largest < 5 * 0.01  # the step stays of the order of lr, whatever the gradient's size
fig, (top, bottom) = figure(2, 1, size=(8, 6.4))
with style():
    top.plot(grads, color="#999999", linewidth=1, label="gradient g")
    top.plot(ms, color=OKABE_ITO[4], linewidth=2, label="m_hat (mean of g)")
    top.plot(vs, color=OKABE_ITO[5], linewidth=2, label="sqrt(v_hat) (size of g)")
    top.set_ylabel("gradient statistics")
    top.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    bottom.plot(steps, color=OKABE_ITO[2], linewidth=2, label="step taken")
    bottom.plot(effective, color=OKABE_ITO[6], linewidth=1.5, linestyle="--",
                label="lr / (sqrt(v_hat) + eps)")  # fmt: skip
    bottom.set_yscale("symlog", linthresh=1e-3)
    bottom.set_xlabel("step t")
    bottom.set_ylabel("size")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    top.set_title("Adam for one weight (lr = 0.01)")
demo.show(fig, "adam_step_size")
