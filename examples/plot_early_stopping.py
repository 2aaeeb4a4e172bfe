"""
==========================================
Loss curves, validation and early stopping
==========================================

A network large enough to fit the noise gets better on its training data
epoch after epoch, while its score on unseen data peaks and then declines.
This example follows both, epoch by epoch, with
:class:`skmlp.BackpropRegressor`, and shows what ``early_stopping=True`` does
about it: it sets aside ``validation_fraction`` of the training data, scores
the model on it after every epoch (``validation_scores_``), stops after
``n_iter_no_change`` epochs without improvement, and keeps the weights of the
best epoch.
"""

# %%
# Noisy data and a large network
# ------------------------------
# The diabetes data that ships with scikit-learn: 442 patients, 10 features,
# and a target that the features explain only in part. Features and target
# are standardized with the training set's statistics.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_mean, y_std = y_train.mean(), y_train.std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std

params = {
    "hidden_layer_sizes": (128, 128),
    "alpha": 1e-5,
    "learning_rate_init": 2e-4,
    "batch_size": 32,
    "random_state": 0,
}

# %%
# Without early stopping: watch the test score each epoch
# -------------------------------------------------------
# ``partial_fit`` runs one epoch per call, so the test score can be recorded
# after each one. ``loss_curve_`` holds the training loss of every epoch.
n_epochs = 120
model = BackpropRegressor(**params)
test_scores = []
for _ in range(n_epochs):
    model.partial_fit(X_train, y_train)
    test_scores.append(model.score(X_test, y_test))
best_epoch = int(np.argmax(test_scores)) + 1
print(f"test R^2 peaks at epoch {best_epoch}: {max(test_scores):.3f}")
print(f"test R^2 after {n_epochs} epochs: {test_scores[-1]:.3f}")

# %%
# With early stopping
# -------------------
# The same network, fitted with ``early_stopping=True``: 10% of the training
# data becomes a validation set. Training stops once the validation
# :math:`R^2` has not improved by ``tol`` for ``n_iter_no_change`` epochs,
# and the weights of the best validation epoch are restored.
early = BackpropRegressor(
    **params, early_stopping=True, validation_fraction=0.1, n_iter_no_change=15
)
early.fit(X_train, y_train)
early_best = int(np.argmax(early.validation_scores_)) + 1
print(
    f"early stopping ran {early.n_iter_} epochs and kept epoch {early_best} "
    f"(validation R^2 {early.best_validation_score_:.3f})"
)
print(f"its test R^2: {early.score(X_test, y_test):.3f}")

# %%
# The curves
# ----------
# Left, the training loss (log scale): it keeps falling without early
# stopping. Right, the scores on held-out data: the test score without early
# stopping peaks within a few epochs and then declines as the network fits
# the noise. ``validation_scores_`` of the early-stopped fit (on its own
# validation set, so the values differ) rises and falls the same way; the fit
# stops once ``n_iter_no_change`` epochs have passed without improvement and
# keeps the weights of its best epoch (dashed line), whose test score is the
# star.
epochs = np.arange(1, n_epochs + 1)
early_epochs = np.arange(1, early.n_iter_ + 1)
fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(9, 3.8))
ax_loss.plot(epochs, model.loss_curve_, label="no early stopping")
ax_loss.plot(early_epochs, early.loss_curve_, label="early stopping")
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss (loss_curve_)")
ax_loss.legend()

ax_score.plot(epochs, test_scores, label="test R$^2$, no early stopping")
ax_score.plot(
    early_epochs, early.validation_scores_, label="validation_scores_, early stopping"
)
ax_score.axvline(early_best, color="k", linestyle="--", linewidth=1)
ax_score.plot(
    early_best,
    early.score(X_test, y_test),
    "k*",
    markersize=10,
    label="test R$^2$ of the early-stopped model",
)
ax_score.set_xlabel("epoch")
ax_score.set_ylabel("R$^2$ on held-out data")
ax_score.legend(loc="upper right", fontsize="small")
fig.tight_layout()
