# %% [markdown]
# # 8. Regression: fitting a sine with MSE and with MAE
#
# The same network fitted twice to noisy samples of sin(x): once minimising the mean
# squared error, once the mean absolute error. Both follow the curve; MSE chases the
# larger deviations harder, MAE the median.

# %%
import numpy as np

from micrograd_plus.datasets import make_sine
from micrograd_plus.lecture import setup
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.plots import fitted_curves
from micrograd_plus.training import predict, train

demo = setup("regression")
X, y = make_sine(40, noise=0.1, seed=demo.seed)
fits = {}
for loss in ["mse", "mae"]:
    model = MLP(1, [10, 1], activation="tanh", seed=demo.seed)
    history = train(
        model,
        X,
        y,
        loss=loss,
        optimizer=Adam(model.parameters(), lr=0.05),
        steps=150 if demo.quick else 300,
    )
    fits[loss] = np.array([out.data for out in predict(model, X)])
    true_error = float(np.mean((fits[loss] - np.sin(X[:, 0])) ** 2))
    print(
        f"{loss}: final loss {history.loss[-1]:.4f}; "
        f"mean squared distance to sin(x) {true_error:.4f}"
    )
    assert true_error < 0.02

# %%
demo.plot(
    fitted_curves,
    X,
    y,
    {f"{k.upper()} fit": v for k, v in fits.items()},
    demo.path("fit.png"),
    title="sin(x) + noise",
)
