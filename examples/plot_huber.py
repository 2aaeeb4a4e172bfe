"""
=======================================
Robust regression with the Huber loss
=======================================

The squared error grows with the square of a residual, so a few gross
outliers in ``y`` pull the whole fit towards them. The Huber loss
(``loss='huber'``) is quadratic for residuals up to ``huber_delta`` and linear
beyond: an outlier's gradient is capped at ``huber_delta``, and the fit
follows the bulk of the data. MLPRegressor has no such loss (scikit-learn
issue #14571).
"""

# %%
# Data with 10 % gross outliers
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import mean_absolute_error

from skmlp import BackpropRegressor

rng = np.random.RandomState(0)
X = np.sort(rng.uniform(-3, 3, size=(400, 1)), axis=0)
y_clean = np.sin(X[:, 0]) * 2
y = y_clean + 0.1 * rng.randn(400)
outliers = rng.choice(400, size=40, replace=False)
y[outliers] += rng.choice([-1, 1], size=40) * rng.uniform(10, 20, size=40)

# %%
# Squared error against Huber
# ---------------------------
# max_iter=2000: enough for both fits to converge (the squared error, pulled
# about by the outliers, needs about 1000 epochs).
params = {"hidden_layer_sizes": (32, 32), "max_iter": 2000, "random_state": 0}
models = {
    "squared_error": BackpropRegressor(**params).fit(X, y),
    "huber (delta=0.5)": BackpropRegressor(loss="huber", huber_delta=0.5, **params).fit(
        X, y
    ),
}
for name, model in models.items():
    error = mean_absolute_error(y_clean, model.predict(X))
    print(f"{name:>18}: mean absolute error to the clean curve = {error:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(X[:, 0], y, s=6, c="0.7", label="training data")
ax.plot(X[:, 0], y_clean, "k:", label="clean target")
for name, model in models.items():
    ax.plot(X[:, 0], model.predict(X), label=name)
ax.set_ylim(-5, 5)
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
