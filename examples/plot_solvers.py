"""
===================================================
adam, sgd and L-BFGS: training loss against time
===================================================

:class:`skmlp.BackpropRegressor` has the three solvers of scikit-learn's
MLPRegressor. ``'adam'`` and ``'sgd'`` take one step per minibatch;
``'lbfgs'`` runs scipy's L-BFGS-B on the whole training set, over the flat
vector of all weights and biases. All three follow the same gradient
(:ref:`derivation`). This example fits each to the same problem and plots the
training loss reached against the time it took.
"""

# %%
# Problem and measurement
# -----------------------
# A fit that stops after ``k`` iterations (epochs for adam and sgd) follows
# exactly the first ``k`` iterations of a longer fit with the same
# ``random_state``. So each curve is a series of fits with growing
# ``max_iter``, each timed from start to end (the best of three runs). Every
# fit is scored on the same quantity: half the mean squared error on the whole
# training set, the loss (3) without its small L2 term.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

X, y = make_friedman1(n_samples=1_000, n_features=8, noise=0.5, random_state=0)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()

common = {"hidden_layer_sizes": (32, 32), "tol": 0.0, "random_state": 0}
solvers = {
    "adam": {"solver": "adam", "learning_rate_init": 3e-3},
    "sgd (momentum, Nesterov)": {
        "solver": "sgd",
        "learning_rate_init": 3e-2,
        "momentum": 0.9,
    },
    "lbfgs": {"solver": "lbfgs"},
}
iterations = {
    "adam": [1, 2, 4, 8, 16, 32, 64, 128, 256],
    "sgd (momentum, Nesterov)": [1, 2, 4, 8, 16, 32, 64, 128, 256],
    "lbfgs": [4, 8, 16, 32, 64, 128, 256],
}


def half_mse(model):
    return 0.5 * np.mean((model.predict(X) - y) ** 2)


curves = {}
for name, params in solvers.items():
    times, losses = [], []
    for k in iterations[name]:
        model = BackpropRegressor(**common, **params, max_iter=k)
        best = np.inf
        for _ in range(3):  # the best of three runs, as the machine may be busy
            start = time.perf_counter()
            with warnings.catch_warnings():
                # Stopping after k iterations is the point here.
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, y)
            best = min(best, time.perf_counter() - start)
        times.append(best)
        losses.append(half_mse(model))
    curves[name] = (times, losses)
    for k, t, loss in zip(iterations[name], times, losses, strict=True):
        print(f"{name:>25}: {k:>3} iterations in {t:6.3f} s, training loss {loss:.4f}")

# %%
# Loss against time
# -----------------
fig, ax = plt.subplots(figsize=(6.5, 4))
for name, (times, losses) in curves.items():
    ax.plot(times, losses, marker="o", label=name)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("fit time (s)")
ax.set_ylabel("training loss, half MSE")
ax.set_title("1,000 samples, hidden_layer_sizes=(32, 32)")
ax.legend()
fig.tight_layout()

# %%
# Reading the plot
# ----------------
# Each epoch of adam or sgd is five minibatch steps here, and costs about one
# pass over the data; each L-BFGS iteration is one step with the full
# gradient, plus a line search that may evaluate the loss more than once.
# The minibatch solvers get to a moderate loss first. adam then levels off at
# its constant step size, while L-BFGS, given more time, keeps descending to
# a lower training loss: on small data like this, it is the solver that fits
# best. A lower training loss is not a better model, though (see
# :ref:`sphx_glr_auto_examples_plot_early_stopping.py`); and on large data, or
# data that arrives in chunks (:meth:`~skmlp.BackpropRegressor.partial_fit`),
# only the minibatch solvers are practical. The :ref:`solvers page <solvers>`
# of the user guide has the details. The times are of this build's machine,
# with one BLAS thread; only their ratios carry over.
