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
# ``max_iter``, each timed from start to end. The time is the CPU time of
# this process, the best of three runs, which other work on a busy machine
# disturbs much less than the wall-clock time. Every fit is scored on the
# same quantity: half the mean squared error on the whole training set, the
# loss (3) without its small L2 term.
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
    times = np.full(len(iterations[name]), np.inf)
    losses = []
    # The best of three runs of each fit, the runs interleaved so that a busy
    # spell of the machine does not slow all runs of one fit.
    for run in range(3):
        for i, k in enumerate(iterations[name]):
            model = BackpropRegressor(**common, **params, max_iter=k)
            start = time.process_time()
            with warnings.catch_warnings():
                # Stopping after k iterations is the point here.
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, y)
            times[i] = min(times[i], time.process_time() - start)
            if run == 0:  # the losses are the same in every run
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
ax.set_xlabel("fit time, CPU seconds")
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
# adam and sgd make fast progress early on. adam then levels off at its
# constant step size, while L-BFGS keeps descending and ends with the lowest
# training loss of the three: on small data like this, it is the solver that
# fits best. The losses are the same on every machine; the times are those of
# this build's machine, with one BLAS thread, and only their ratios carry
# over. For each solver, the first fit that reached a training loss of 0.01:
for name, (times, losses) in curves.items():
    reached = [t for t, loss in zip(times, losses, strict=True) if loss <= 0.01]
    print(f"{name:>25}: " + (f"{reached[0]:.3f} s" if reached else "not reached"))

# %%
# A lower training loss is not a better model, though (see
# :ref:`sphx_glr_auto_examples_plot_early_stopping.py`); and on large data, or
# data that arrives in chunks (:meth:`~skmlp.BackpropRegressor.partial_fit`),
# only the minibatch solvers are practical. The :ref:`solvers page <solvers>`
# of the user guide has the details.
