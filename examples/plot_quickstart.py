"""
===================================================
Quick start: BackpropRegressor next to MLPRegressor
===================================================

Fit :class:`skmlp.BackpropRegressor` and scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor` with the same parameters, in
the same :class:`~sklearn.pipeline.Pipeline`, on the same split of the
diabetes data that ships with scikit-learn. A
:class:`~sklearn.preprocessing.StandardScaler` scales the features, and a
:class:`~sklearn.compose.TransformedTargetRegressor` standardises the target
(in the hundreds here) for training and maps predictions back. With the same
``random_state`` both start from the same weights and see the same
minibatches, so they reach the same model: the scores agree, and the time
differs.
"""

# %%
# Data and the two pipelines
# --------------------------
import time

import matplotlib.pyplot as plt
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

params = {
    "hidden_layer_sizes": (16,),
    "alpha": 10.0,
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
    # Scaled features, and a standardised target: the default learning rate
    # and tol suit a target of unit scale, not one in the hundreds. predict
    # and score work on the original scale.
    model = TransformedTargetRegressor(
        regressor=make_pipeline(StandardScaler(), estimator),
        transformer=StandardScaler(),
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    r2 = model.score(X_test, y_test)
    results[name] = (model, r2, seconds)
    print(
        f"{name:>17}: test R^2 = {r2:.4f}, fit time = {seconds:.3f} s, "
        f"{model.regressor_[-1].n_iter_} epochs"
    )

ours, theirs = results["BackpropRegressor"][1], results["MLPRegressor"][1]
print(f"R^2 difference: {abs(ours - theirs):.2e}")
ratio = results["MLPRegressor"][2] / results["BackpropRegressor"][2]
if ratio >= 1:
    print(f"BackpropRegressor fitted {ratio:.2f}x faster than MLPRegressor")
else:
    print(f"MLPRegressor fitted {1 / ratio:.2f}x faster than BackpropRegressor")

# %%
# The learning curves coincide
# ----------------------------
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, (model, _, _) in results.items():
    style = "-" if name == "MLPRegressor" else "--"
    ax.plot(model.regressor_[-1].validation_scores_, style, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("validation R$^2$")
ax.legend()
fig.tight_layout()
