# %% [markdown]
# # 9. Optimizers on a 2-D loss surface: SGD, momentum, RMSprop, Adam
#
# The loss f(x, y) = 0.05 x**2 + 2 y**2 is a long narrow valley: steep across (y),
# nearly flat along (x). Plain gradient descent must keep its step small for the steep
# direction, and then crawls along the flat one. Momentum builds up speed along the
# valley; RMSprop and Adam scale each coordinate's step by its own gradient history.

# %%
import math
from pathlib import Path

import numpy as np

from micrograd_plus import Value
from micrograd_plus.lecture import setup
from micrograd_plus.optim import SGD, Adam, RMSprop
from micrograd_plus.plots import pyplot, save

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


# %%
def draw(path: Path) -> Path:
    plt = pyplot()
    xs, ys = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-2, 2, 200))
    figure, axis = plt.subplots(figsize=(8, 5))
    axis.contour(xs, ys, 0.05 * xs**2 + 2 * ys**2, levels=np.geomspace(0.01, 8, 14), cmap="Greys")
    for (name, points), colour in zip(paths.items(), ["#b2182b", "#1b7837", "#762a83", "#2166ac"]):
        shown = points[: reached.get(name, len(points)) + 1]
        axis.plot(
            shown[:, 0],
            shown[:, 1],
            "o-",
            color=colour,
            markersize=3,
            label=f"{name} ({len(shown) - 1} steps)",
        )
    axis.plot(0, 0, "k*", markersize=14)
    axis.legend()
    axis.set_title("f(x, y) = 0.05 x² + 2 y²: paths to the minimum")
    return save(figure, path)


demo.plot(draw, demo.path("paths.png"))
