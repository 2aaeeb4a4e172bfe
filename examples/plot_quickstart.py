"""
===================================================
Quick start: BackpropRegressor next to MLPRegressor
===================================================

Fit :class:`skmlp.BackpropRegressor` and scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor` with the same parameters, in
the same :class:`~sklearn.pipeline.Pipeline`, on the same split of the
diabetes data that ships with scikit-learn. With the same ``random_state``
both start from the same weights and see the same minibatches, so they reach
the same model: the scores agree, and the time differs.
"""

# %%
# Data and the two pipelines
# --------------------------
import time
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
y_scale = y_train.std()  # scale the target so the default learning rate suits it

params = {
    "hidden_layer_sizes": (16,),
    "alpha": 10.0,
    "learning_rate_init": 1e-2,
    "max_iter": 500,
    "early_stopping": True,
    "random_state": 0,
}

# %%
# Fit both and compare
# --------------------
results = {}
for name, estimator in [
    ("MLPRegressor", MLPRegressor(**params)),
    ("BackpropRegressor", BackpropRegressor(**params)),
]:
    model = make_pipeline(StandardScaler(), estimator)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train / y_scale)
    seconds = time.perf_counter() - start
    r2 = model.score(X_test, y_test / y_scale)
    results[name] = (model, r2, seconds)
    print(
        f"{name:>17}: test R^2 = {r2:.4f}, fit time = {seconds:.3f} s, "
        f"{model[-1].n_iter_} epochs"
    )

ours, theirs = results["BackpropRegressor"][1], results["MLPRegressor"][1]
print(f"R^2 difference: {abs(ours - theirs):.2e}")
print(f"speed-up: {results['MLPRegressor'][2] / results['BackpropRegressor'][2]:.2f}x")

# %%
# The learning curves coincide
# ----------------------------
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, (model, _, _) in results.items():
    style = "-" if name == "MLPRegressor" else "--"
    ax.plot(model[-1].validation_scores_, style, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("validation R$^2$")
ax.legend()
fig.tight_layout()
