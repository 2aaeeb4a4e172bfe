"""
=====================================================
Out-of-core training on a dask array with partial_fit
=====================================================

``partial_fit`` runs one epoch of the minibatch solver over the rows it is
given and keeps the optimizer state (Adam's moments, SGD's velocity) between
calls. So a network can learn from an array that never fits in memory: call
``partial_fit`` on one block at a time, visiting the blocks in a new random
order each epoch, and predict block by block with ``map_blocks``.

The array below is lazy: dask computes a block only when asked, and the
training loop asks for one at a time. Here the blocks are generated; reading
them from disk (``dask.array.from_zarr``, ``from_array`` over an HDF5
dataset, ...) changes nothing else, however many blocks there are.

The last section shows dask-ml's :class:`~dask_ml.wrappers.Incremental`
wrapper doing one such pass for ``fit`` and ``map_blocks`` for ``predict``.

This example needs the ``dask`` extra: ``pip install -e ".[dask]"`` in the
repository root.
"""

# %%
# A lazy dataset
# --------------
# One million rows, ten features, in blocks of 50,000 rows. The target is
# Friedman's #1 function of the first five features plus noise; the other
# five are irrelevant.
import time

import dask
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np

from skmlp import BackpropRegressor, LossCurveDisplay

n_rows, n_features, block_rows = 1_000_000, 10, 50_000
rng = da.random.default_rng(0)
X = rng.uniform(size=(n_rows, n_features), chunks=(block_rows, n_features))


def friedman1(X):
    return (
        10 * np.sin(np.pi * X[:, 0] * X[:, 1])
        + 20 * (X[:, 2] - 0.5) ** 2
        + 10 * X[:, 3]
        + 5 * X[:, 4]
    )


y = X.map_blocks(friedman1, drop_axis=1, dtype=X.dtype)
y = y + rng.normal(scale=1.0, size=n_rows, chunks=block_rows)
# Center the features: the network trains better on inputs around 0.
X = (X - 0.5) * np.sqrt(12)

n_blocks = X.numblocks[0]
print(
    f"X: {X.nbytes / 2**20:.0f} MiB in {n_blocks} blocks of "
    f"{X.blocks[0].nbytes / 2**20:.1f} MiB"
)

# %%
# The last block is held out to follow the training.
train_blocks = np.arange(n_blocks - 1)
X_val, y_val = X.blocks[-1].compute(), y.blocks[-1].compute()

# %%
# Training: ``partial_fit`` over the blocks, in a new order each epoch
# --------------------------------------------------------------------
est = BackpropRegressor((64, 32), learning_rate_init=1e-3, random_state=0)
order_rng = np.random.default_rng(0)
val_scores = []
start = time.perf_counter()
for epoch in range(3):
    for i in order_rng.permutation(train_blocks):
        # Compute block i of X and y (together: y is made from X), and train
        # one epoch of minibatches on it. Only this block is in memory.
        X_block, y_block = dask.compute(X.blocks[i], y.blocks[i])
        est.partial_fit(X_block, y_block)
    val_scores.append(est.score(X_val, y_val))
    print(f"epoch {epoch + 1}: validation R² = {val_scores[-1]:.4f}")
print(
    f"{len(est.loss_curve_)} partial_fit calls in {time.perf_counter() - start:.1f} s"
)

# %%
# Prediction with ``map_blocks``
# ------------------------------
# ``predict`` runs on each block where it lies; the result is a lazy dask
# array with the blocks of ``y``. Reductions over it also go block by block.
y_pred = X.map_blocks(est.predict, drop_axis=1, dtype=X.dtype)
mse = ((y_pred - y) ** 2).mean().compute()
print(f"mean squared error over all {n_rows} rows: {mse:.3f} (noise variance: 1)")

# %%
# The loss curve has one point per ``partial_fit`` call: the training loss on
# that block. Its best point is the lowest block loss.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
LossCurveDisplay.from_estimator(
    est, ax=axes[0], yscale="log", best_epoch_kwargs={"label": "lowest block loss"}
)
axes[0].set_xlabel("partial_fit call (one block)")
axes[1].plot(np.arange(1, len(val_scores) + 1), val_scores, "o-")
axes[1].set_xlabel("epoch")
axes[1].set_ylabel("R² on the held-out block")
fig.tight_layout()

# %%
# dask-ml's Incremental wrapper
# -----------------------------
# :class:`dask_ml.wrappers.Incremental` does one such pass in ``fit``: it
# calls ``partial_fit`` once per block, in a random block order with
# ``shuffle_blocks=True``. Its ``predict`` is ``map_blocks`` of the fitted
# estimator's ``predict``. Its scoring (``score`` and the ``scoring``
# parameter) fails with current dask (dask-ml issue #1012), so the score is
# computed here from the lazy predictions.
from dask_ml.wrappers import Incremental

inc = Incremental(
    BackpropRegressor((64, 32), learning_rate_init=1e-3, random_state=0),
    shuffle_blocks=True,
    random_state=0,
)
inc.fit(X, y)
y_inc = inc.predict(X)  # lazy
print(type(y_inc).__name__, "with", y_inc.numblocks[0], "blocks")
mse = ((y_inc - y) ** 2).mean().compute()
print(f"one Incremental pass: mean squared error {mse:.3f}")
