# %% [markdown]
# # 8. Regression: fit sin(x) with an MLP, under MSE and under MAE
#
# A regression network ends in a linear neuron: its output is the prediction itself.
# Both losses pull the curve towards the noisy points; the fit should follow sin(x).

# %% [markdown]
# Train MLP(1 -> [10 tanh, 1]) once per loss and measure how far each fit is from the
# true sin(x), which neither saw.

# %%
import numpy as np

from micrograd_plus.datasets import make_sine
from micrograd_plus.lecture import setup
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.plots import fitted_curves
from micrograd_plus.training import outputs, train

demo = setup("regression")
X, y = make_sine(40, noise=0.1, seed=demo.seed)
fits = {}
for loss in ["mse", "mae"]:
    model = MLP(1, [10, 1], activation="tanh", seed=demo.seed)
    history = train(
        model, X, y, loss=loss, optimizer=Adam(model.parameters(), lr=0.05),
        steps=150 if demo.quick else 300, engine="tape",
    )  # fmt: skip
    fits[loss] = outputs(model, X)
    true_error = float(np.mean((fits[loss] - np.sin(X[:, 0])) ** 2))
    print(f"{loss}: final loss {history.loss[-1]:.4f}; distance to sin(x) {true_error:.4f}")
    assert true_error < 0.02

# %% [markdown]
# The two fits over the data.

# %%
fig = fitted_curves(X, y, {f"{k.upper()} fit": v for k, v in fits.items()}, title="sin(x) + noise")
demo.show(fig, "fit")
