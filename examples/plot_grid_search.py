"""
=========================================================
Grid search over architecture and alpha in a Pipeline
=========================================================

:class:`skmlp.BackpropRegressor` is a scikit-learn estimator, so it goes in a
:class:`~sklearn.pipeline.Pipeline` and :class:`~sklearn.model_selection.GridSearchCV`
tunes it like any other. Here the search runs over the hidden layers and the
L2 strength ``alpha`` on a noisy non-linear problem, and ``cv_results_``
shows how the cross-validated score depends on both.
"""

# %%
# Data and pipeline
# -----------------
# Friedman's first problem: five informative features (out of eight) combined
# non-linearly, plus noise. The scaler is fitted inside each fold, as it must
# be.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

X, y = make_friedman1(n_samples=450, n_features=8, noise=1.0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

pipeline = Pipeline(
    [
        ("scale", StandardScaler()),
        # L-BFGS suits a few hundred samples. max_iter is a budget here: the
        # largest networks use all of it, and warn (silenced below).
        (
            "mlp",
            BackpropRegressor(solver="lbfgs", max_iter=100, tol=1e-4, random_state=0),
        ),
    ]
)

# %%
# The search
# ----------
# Three architectures times five values of ``alpha``, three folds each: 45 fits.
param_grid = {
    "mlp__hidden_layer_sizes": [(4,), (32,), (16, 16)],
    "mlp__alpha": np.logspace(-2, 2, 5),
}
search = GridSearchCV(
    pipeline,
    param_grid,
    cv=KFold(n_splits=3, shuffle=True, random_state=0),
    scoring="r2",
    n_jobs=1,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated R^2: {search.best_score_:.3f}")
print(f"test R^2 of the refitted best model: {search.score(X_test, y_test):.3f}")

# %%
# The scores in ``cv_results_``
# -----------------------------
# One line per architecture: the mean cross-validated :math:`R^2` against
# ``alpha``, with one standard deviation over the folds as a band. With too
# little regularization the larger networks fit some of the noise; with too
# much (``alpha=100``) the penalty flattens every network. The smallest
# network is limited by its size whatever ``alpha``, while the larger ones
# gain the most from the right ``alpha``: the two interact, which is why they
# are searched together.
results = pd.DataFrame(search.cv_results_)
results["architecture"] = results["param_mlp__hidden_layer_sizes"].astype(str)
results["alpha"] = results["param_mlp__alpha"].astype(float)

fig, ax = plt.subplots(figsize=(6.5, 4))
for architecture, group in results.groupby("architecture", sort=False):
    group = group.sort_values("alpha")
    mean, std = group["mean_test_score"], group["std_test_score"]
    ax.plot(
        group["alpha"], mean, marker="o", label=f"hidden_layer_sizes={architecture}"
    )
    ax.fill_between(group["alpha"], mean - std, mean + std, alpha=0.15)
ax.set_xscale("log")
ax.set_xlabel("alpha (L2 strength)")
ax.set_ylabel("mean cross-validated R$^2$")
ax.set_title("GridSearchCV over architecture and alpha")
ax.legend(loc="lower left", fontsize="small", framealpha=0.9)
fig.tight_layout()

# %%
# The same results as a table, best first, with the mean fit time of each
# candidate:
columns = [
    "architecture",
    "alpha",
    "mean_test_score",
    "std_test_score",
    "mean_fit_time",
]
print(results.sort_values("rank_test_score")[columns].head(8).to_string(index=False))
