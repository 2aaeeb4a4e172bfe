"""
======================================================
Distributed hyperparameter search with dask
======================================================

scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` runs its fits
through joblib, and joblib can hand them to a dask cluster instead of local
processes. Nothing about BackpropRegressor changes: each fit is a plain
scikit-learn fit on a worker, and with an integer ``random_state`` every fit
is deterministic, so the dask search gives exactly the scores, ranks and
parameters that the default (loky) backend gives.

Here the cluster is a :class:`distributed.LocalCluster` on this machine,
listening on 127.0.0.1 only. Pointing a :class:`distributed.Client` at a
remote scheduler instead is the only change for a real cluster.

This example needs the ``dask`` extra: ``pip install -e ".[dask]"`` in the
repository root.
"""

# %%
# The search
# ----------
import warnings

import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from skmlp import BackpropRegressor

X, y = make_friedman1(n_samples=500, noise=1.0, random_state=0)
model = make_pipeline(
    StandardScaler(),
    BackpropRegressor(solver="lbfgs", max_iter=150, random_state=0),
)
param_grid = {
    "backpropregressor__hidden_layer_sizes": [(8,), (32,)],
    "backpropregressor__alpha": [1e-4, 1e-2, 1.0],
}


def search():
    # Every candidate gets the same budget of 150 L-BFGS iterations; most use
    # all of it, and say so with a ConvergenceWarning, silenced here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GridSearchCV(model, param_grid, cv=3).fit(X, y)


# %%
# With joblib's default backend, loky: local worker processes.
with joblib.parallel_config(backend="loky", n_jobs=2):
    loky = search()

# %%
# With the dask backend: the same code inside ``parallel_config``. The
# workers here are threads of this process (``processes=False``) that talk to
# the scheduler over TCP on 127.0.0.1, so the estimator and the data are
# serialized as they would be for remote workers.
#
# Threads in one process share its BLAS thread pool: two dask threads, each
# running a BLAS with one thread per core, would put twice as many threads as
# cores to work. ``threadpool_limits`` keeps BLAS to one thread while the
# search runs. (With ``processes=True`` this is automatic: distributed starts
# each worker process with ``OPENBLAS_NUM_THREADS=1``, ``MKL_NUM_THREADS=1``
# and ``OMP_NUM_THREADS=1``.)
with (
    LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
    ) as cluster,
    Client(cluster) as client,
    threadpool_limits(limits=1, user_api="blas"),
):
    with joblib.parallel_config(backend="dask"):
        dask = search()
    blas_threads = client.run(
        lambda: [
            pool["num_threads"]
            for pool in threadpool_info()
            if pool["user_api"] == "blas"
        ]
    )
print("BLAS threads seen by each dask worker:", blas_threads)

# %%
# The two searches agree exactly
# ------------------------------
for key in ["mean_test_score", "std_test_score", "rank_test_score"]:
    same = np.array_equal(loky.cv_results_[key], dask.cv_results_[key])
    print(f"{key:16s} identical: {same}")
print("params identical:", loky.cv_results_["params"] == dask.cv_results_["params"])
print("best parameters:", dask.best_params_)

# %%
# Threads inside loky workers
# ---------------------------
# joblib starts each of its ``n_jobs`` loky workers with
# ``cpu_count() // n_jobs`` BLAS threads, so that workers times threads never
# exceeds the cores: no oversubscription with ``n_jobs > 1``.


def blas_threads_in_worker():
    return max(
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
    )


n_jobs = 2
threads = joblib.Parallel(n_jobs=n_jobs, backend="loky")(
    joblib.delayed(blas_threads_in_worker)() for _ in range(n_jobs)
)
print(f"{joblib.cpu_count()} cores, {n_jobs} loky workers, BLAS threads: {threads}")

# %%
# The scores of every candidate, from both backends
# -------------------------------------------------
labels = [
    f"{p['backpropregressor__hidden_layer_sizes']}, "
    f"alpha={p['backpropregressor__alpha']:g}"
    for p in dask.cv_results_["params"]
]
positions = np.arange(len(labels))
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh(positions, loky.cv_results_["mean_test_score"], color="tab:blue", label="loky")
ax.plot(
    dask.cv_results_["mean_test_score"],
    positions,
    "o",
    color="tab:orange",
    label="dask (same values)",
)
ax.set_yticks(positions, labels)
ax.set_xlabel("mean R² over 3 folds")
ax.set_xlim(0, 1.3)
ax.legend(loc="lower right")
fig.tight_layout()
