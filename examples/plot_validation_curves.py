"""
==================================================
Validation curves with X_val, scoring and dropout
==================================================

``fit`` takes a validation set (``X_val``, ``y_val``), as
HistGradientBoostingRegressor does. After every epoch the model records the
validation score (``validation_scores_``, chosen by ``scoring``) and the
validation loss without the L2 term (``validation_loss_curve_``). With
``early_stopping=False`` they only monitor; with ``early_stopping=True`` they
decide when to stop and which weights to keep. MLPRegressor offers neither a
user-supplied validation set (scikit-learn issue #18748) nor a validation-loss
curve (#18507), nor a choice of stopping metric (#24411).
"""

# %%
# An over-parameterised network on a small noisy problem
# ------------------------------------------------------
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import BackpropRegressor

X, y = make_friedman1(n_samples=200, noise=1.0, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.5, random_state=0)

params = {
    "hidden_layer_sizes": (128, 128),
    "alpha": 0.0,
    "learning_rate_init": 1e-2,
    "max_iter": 300,
    "random_state": 0,
}
# n_iter_no_change=300: no stopping on the training loss, to see the whole
# curve. Both fits run to max_iter on purpose, so the ConvergenceWarning that
# says so is expected here, and silenced for these two fits only.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    plain = BackpropRegressor(n_iter_no_change=300, **params).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )
    dropped = BackpropRegressor(dropout=0.3, n_iter_no_change=300, **params).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )

# %%
# Early stopping on the validation loss
# -------------------------------------
# ``scoring='loss'`` stops on minus the validation loss, and restores the
# weights of the best epoch.
stopped = BackpropRegressor(
    early_stopping=True, scoring="loss", n_iter_no_change=20, **params
).fit(X_train, y_train, X_val=X_val, y_val=y_val)
best_epoch = stopped.validation_scores_.index(stopped.best_validation_score_) + 1
print(f"early stopping ran {stopped.n_iter_} epochs; best epoch {best_epoch}")
print(f"best validation loss {-stopped.best_validation_score_:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
for name, model in [("no dropout", plain), ("dropout=0.3", dropped)]:
    (line,) = axes[0].plot(model.loss_curve_, label=f"{name}: training")
    axes[0].plot(
        model.validation_loss_curve_,
        "--",
        color=line.get_color(),
        label=f"{name}: validation",
    )
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("loss")
axes[0].set_yscale("log")
axes[0].legend(fontsize=7)
axes[1].plot(stopped.validation_scores_, label="validation score (-loss)")
axes[1].axvline(best_epoch - 1, color="k", ls=":", label="best epoch (restored)")
axes[1].set_xlabel("epoch")
axes[1].legend(fontsize=7)
fig.tight_layout()
