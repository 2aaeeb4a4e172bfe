"""
==========================================
Streaming: partial_fit over chunks of data
==========================================

When a dataset does not fit in memory, a model can still learn from all of it
by reading it a chunk at a time. :meth:`skmlp.BackpropRegressor.partial_fit`
runs one epoch of minibatch training over the data it is given, and keeps
the optimizer's state (Adam's moments, or SGD's momentum and learning rate)
for the next call. Here a CSV file is read with pandas in chunks, each chunk
updates the scaler and the network, and a fixed held-out set measures the
learning curve as the samples stream in.
"""

# %%
# A file too large to load at once
# --------------------------------
# For the example the file is written here, chunk by chunk, from Friedman's
# first regression problem, so that it is never in memory as a whole either.
# In practice it would be an existing file, a database cursor or a message
# queue: anything that yields batches of rows.
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import make_friedman1
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

n_features = 6
columns = [f"x{i}" for i in range(n_features)]
path = Path(tempfile.mkdtemp()) / "stream.csv"
n_chunks_written, rows_per_write = 20, 2_000
for i in range(n_chunks_written):
    X_part, y_part = make_friedman1(
        n_samples=rows_per_write, n_features=n_features, noise=0.5, random_state=i
    )
    part = pd.DataFrame(X_part, columns=columns).assign(y=y_part)
    part.to_csv(path, mode="a", header=i == 0, index=False)
print(f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB")

# A held-out set, drawn from the same distribution.
X_test, y_test = make_friedman1(
    n_samples=2_000, n_features=n_features, noise=0.5, random_state=1_000
)

# %%
# Learning from the stream
# ------------------------
# ``pd.read_csv(..., chunksize=...)`` yields one DataFrame at a time. The
# scaler learns the feature means and variances incrementally with its own
# ``partial_fit``, and the network takes one epoch over each chunk. The
# feature names seen in the first chunk are checked on every later call, as
# in ``fit``.
scaler = StandardScaler()
model = BackpropRegressor(
    hidden_layer_sizes=(64, 32), batch_size=50, learning_rate_init=3e-3, random_state=0
)

chunk_size = 1_000
samples_seen, test_scores, seconds = [], [], []
start = time.perf_counter()
for chunk in pd.read_csv(path, chunksize=chunk_size):
    X_chunk, y_chunk = chunk[columns], chunk["y"].to_numpy()
    scaler.partial_fit(X_chunk)
    model.partial_fit(scaler.transform(X_chunk), y_chunk)

    samples_seen.append(model.t_)  # samples seen by the optimizer so far
    y_pred = model.predict(scaler.transform(pd.DataFrame(X_test, columns=columns)))
    test_scores.append(r2_score(y_test, y_pred))
    seconds.append(time.perf_counter() - start)

print(f"{len(test_scores)} chunks, {model.t_} samples, {seconds[-1]:.1f} s")
print(f"test R^2 after the first chunk: {test_scores[0]:.3f}")
print(f"test R^2 after the whole stream: {test_scores[-1]:.3f}")

# %%
# The learning curve
# ------------------
# The test :math:`R^2` after each chunk, against the number of samples seen.
# Each point is one ``partial_fit`` call: one pass over 1,000 new rows. The
# axis starts at 0, which leaves out the first chunk or two, when the network
# has not yet learned the target's scale.
fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(samples_seen, test_scores, marker="o", markersize=3)
ax.set_ylim(0, 1)
ax.set_xlabel("training samples seen (t_)")
ax.set_ylabel("test R$^2$")
ax.set_title("partial_fit over a CSV read in chunks of 1,000 rows")
ax.grid(alpha=0.3)
fig.tight_layout()

# %%
# A second pass
# -------------
# Nothing stops the stream from being read again: another pass continues from
# the current weights and optimizer state, like a second epoch over the whole
# file.
for chunk in pd.read_csv(path, chunksize=chunk_size):
    X_chunk = scaler.transform(chunk[columns])
    model.partial_fit(X_chunk, chunk["y"].to_numpy())
y_pred = model.predict(scaler.transform(pd.DataFrame(X_test, columns=columns)))
print(f"test R^2 after a second pass: {r2_score(y_test, y_pred):.3f}")

path.unlink()
