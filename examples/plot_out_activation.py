"""
=============================================
Bounded and positive targets: out_activation
=============================================

MLPRegressor's output layer is always the identity (or the exponential for
the Poisson loss), so its predictions can leave the range the target lives
in. ``out_activation`` chooses the output activation: ``'logistic'`` keeps
predictions in (0, 1), ``'softplus'`` and ``'exp'`` keep them positive.
"""

# %%
# A target in [0, 1]: a fraction
# ------------------------------
import matplotlib.pyplot as plt
import numpy as np

from skmlp import BackpropRegressor

rng = np.random.RandomState(0)
X = rng.uniform(-4, 4, size=(300, 1))
fraction = 1 / (1 + np.exp(-2 * X[:, 0])) + 0.03 * rng.randn(300)
fraction = np.clip(fraction, 0, 1)
X_wide = np.linspace(-8, 8, 200).reshape(-1, 1)  # beyond the training range

# max_iter=500: enough for every fit below to converge (the slowest, Poisson
# with softplus, takes about 320 epochs).
params = {"hidden_layer_sizes": (16,), "max_iter": 500, "random_state": 0}
identity = BackpropRegressor(**params).fit(X, fraction)
logistic = BackpropRegressor(out_activation="logistic", **params).fit(X, fraction)
for name, model in [("identity", identity), ("logistic", logistic)]:
    pred = model.predict(X_wide)
    print(f"{name:>8} output: predictions in [{pred.min():.3f}, {pred.max():.3f}]")

# %%
# A positive target: counts-like values with the Poisson loss
# -----------------------------------------------------------
# The Poisson loss needs a strictly positive output: 'exp' (its default, the
# log link) or 'softplus', which grows linearly instead of exponentially.
rate = np.exp(0.5 * X[:, 0])
counts = rng.poisson(rate)
poisson_exp = BackpropRegressor(loss="poisson", **params).fit(X, counts)
poisson_softplus = BackpropRegressor(
    loss="poisson", out_activation="softplus", **params
).fit(X, counts)
print("out_activation_:", poisson_exp.out_activation_, poisson_softplus.out_activation_)

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
axes[0].scatter(X[:, 0], fraction, s=5, c="0.7")
axes[0].plot(X_wide[:, 0], identity.predict(X_wide), label="identity")
axes[0].plot(X_wide[:, 0], logistic.predict(X_wide), label="logistic")
axes[0].axhspan(0, 1, color="C2", alpha=0.1)
axes[0].set_title("fraction in [0, 1]")
axes[0].legend(fontsize=8)
axes[1].scatter(X[:, 0], counts, s=5, c="0.7")
axes[1].plot(X_wide[:, 0], poisson_exp.predict(X_wide), label="poisson, exp")
axes[1].plot(X_wide[:, 0], poisson_softplus.predict(X_wide), label="poisson, softplus")
axes[1].set_ylim(0, 30)
axes[1].set_title("counts")
axes[1].legend(fontsize=8)
fig.tight_layout()
