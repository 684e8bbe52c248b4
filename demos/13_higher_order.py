# %% [markdown]
# # 13. Gradients of gradients
#
# `grad(y, x, create_graph=True)` gives dy/dx as a Value whose own graph can be
# differentiated again: the second derivative, the third, a Hessian. Each op's derivative
# is written once more as Value expressions (`micrograd_plus.autograd.RULES`), so the
# chain rule itself builds a graph.

# %% [markdown]
# Newton's method on f(x) = x⁴ - 2x² from x = 2: each step jumps to the bottom of the
# parabola that has f's value, slope f'(x) and curvature f''(x) at x, so x ← x - f'/f''.
# Both derivatives come from `grad`. It reaches the minimum at 1 in a handful of steps.

# %%
import numpy as np

from micrograd_plus import Value, grad
from micrograd_plus.lecture import setup
from micrograd_plus.nn import MLP
from micrograd_plus.plots import OKABE_ITO, figure, style
from micrograd_plus.viz import to_dot

demo = setup("higher_order")


def f(x: Value) -> Value:
    return x**4 - 2 * x**2


def derivatives(x: float) -> tuple[float, float, float]:
    v = Value(x, "x")
    y = f(v)
    (slope,) = grad(y, v, create_graph=True)
    (curvature,) = grad(slope, v)
    return y.data, slope.data, curvature.data


path = [2.0]
for _ in range(8):
    _, slope, curvature = derivatives(path[-1])
    path.append(path[-1] - slope / curvature)
print("Newton from 2:", ", ".join(f"{x:.12f}" for x in path[:6]), "...")
assert abs(path[-1] - 1) < 1e-12

# %% [markdown]
# The curve, and the parabola of each of the first steps: its bottom is the next x.

# %%
fig, axis = figure(size=(7, 4.5))
with style():
    xs = np.linspace(-0.3, 2.3, 300)
    axis.plot(xs, xs**4 - 2 * xs**2, color="black", linewidth=2, label="f(x) = x⁴ - 2x²")
    for k, x in enumerate(path[:4]):
        value, slope, curvature = derivatives(x)
        near = np.linspace(x - 0.6, x + 0.6, 100)
        parabola = value + slope * (near - x) + curvature / 2 * (near - x) ** 2
        colour = OKABE_ITO[k % 7]
        axis.plot(near, parabola, color=colour, linewidth=1.5, linestyle="--")
        axis.plot([x], [value], "o", color=colour, label=f"step {k}: x = {x:.4f}")
    axis.set_ylim(-1.5, 9)
    axis.set_xlabel("x")
    axis.legend(loc="upper left", frameon=False)
    axis.set_title("Newton's method: jump to the bottom of the local parabola")
demo.show(fig, "newton")

# %% [markdown]
# tanh and its first five derivatives, each one `grad` of the one before (as HIPS
# autograd's README draws them).


# %%
def tanh_derivatives(x: float, count: int = 5) -> list[float]:
    v = Value(x, "x")
    out = [v.tanh()]
    for k in range(count):
        (d,) = grad(out[-1], v, create_graph=k < count - 1)
        out.append(d)
    return [o.data for o in out]


xs = np.linspace(-4, 4, 161)
curves = np.array([tanh_derivatives(float(x)) for x in xs])
t = np.tanh(0.5)  # a check by hand: tanh'' = -2 tanh (1 - tanh²)
assert abs(tanh_derivatives(0.5)[2] - (-2 * t * (1 - t * t))) < 1e-12
fig, axis = figure(size=(7, 4.5))
with style():
    for k in range(6):
        axis.plot(xs, curves[:, k], linewidth=2, label="tanh" if k == 0 else f"order {k}")
    axis.set_xlabel("x")
    axis.legend(loc="upper right", frameon=False, ncols=2)
    axis.set_title("tanh and its derivatives, by grad of grad")
demo.show(fig, "tanh_derivatives")

# %% [markdown]
# The Hessian of a small network's loss: every second derivative d²L/dp_i dp_j of
# MLP(2, [3, 1]) with tanh, for one sample. Then a Hessian-vector product H v without
# the Hessian: the gradient of (gradient · v), one more backward pass.

# %%
model = MLP(2, [3, 1], activation="tanh", output_activation="tanh", seed=demo.seed)
params = model.parameters()
out = model([0.4, -0.7])
assert isinstance(out, Value)
loss = (out - 0.3) ** 2
gradient = grad(loss, params, create_graph=True)
hessian = np.array(
    [[h.data if h is not None else 0.0 for h in grad(g, params, allow_unused=True)]
     for g in gradient]
)  # fmt: skip
assert np.allclose(hessian, hessian.T, atol=1e-12)  # second derivatives commute
v = np.random.default_rng(demo.seed).normal(size=len(params))
dot = Value.sum(g * float(vi) for g, vi in zip(gradient, v))
hv = np.array([h.data if h is not None else 0.0 for h in grad(dot, params, allow_unused=True)])
assert np.allclose(hv, hessian @ v, rtol=1e-10, atol=1e-12)
print(f"H v without H equals H @ v: largest difference {np.max(np.abs(hv - hessian @ v)):.1e}")
fig, axis = figure(size=(6.4, 5.4))
with style():
    scale = np.max(np.abs(hessian))
    image = axis.imshow(hessian, cmap="RdBu", vmin=-scale, vmax=scale)
    axis.set_title("Hessian of the loss: d²L / dp_i dp_j")
    axis.set_xlabel("parameter j")
    axis.set_ylabel("parameter i")
    fig.colorbar(image, ax=axis)
demo.show(fig, "hessian")

# %% [markdown]
# The derivative's own graph: dy/dx of y = tanh(x) is 1 - y², built from the graph of y.
# Its backward pass gives the second derivative.

# %%
x = Value(0.5, "x")
y = x.tanh()
y.label = "y"
(dydx,) = grad(y, x, create_graph=True)
dydx.backward()
print(f"dy/dx = {dydx.data:.6f}; d²y/dx² = {x.grad:.6f}")
demo.show(to_dot(dydx), "tanh_derivative_graph")
