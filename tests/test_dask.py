"""Scale-out: dask search equals loky search, out-of-core training, BLAS threads.

For both estimators; the classifier's out-of-core ``partial_fit`` passes
``classes``.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from threadpoolctl import threadpool_info

from skmlp import BackpropClassifier, BackpropRegressor

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_ml")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

GRID = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1.0]}
RESULT_KEYS = [
    "params",
    "rank_test_score",
    "mean_test_score",
    "std_test_score",
    *(f"split{i}_test_score" for i in range(3)),
]


@pytest.fixture(scope="module")
def data():
    return make_friedman1(n_samples=120, n_features=5, noise=0.5, random_state=0)


def _local_cluster(processes):
    # TCP on the loopback address only, no dashboard, few workers.
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
    )


@pytest.fixture
def client():
    # Threads in this process, talking over TCP: the estimator and the data
    # are serialized as for remote workers, without starting processes. A
    # cluster per test (it starts in milliseconds): two clusters alive at once
    # would compete for the scheduler's HTTP port.
    with _local_cluster(processes=False) as cluster, distributed.Client(cluster) as c:
        yield c


def _searches():
    est = BackpropRegressor(max_iter=15, random_state=0)
    return [
        GridSearchCV(est, GRID, cv=3),
        RandomizedSearchCV(
            est,
            {"alpha": [1e-5, 1e-3, 1e-1, 1.0], "learning_rate_init": [1e-3, 1e-2]},
            n_iter=3,
            cv=3,
            random_state=0,
        ),
    ]


def _run(search, backend, X, y):
    with joblib.parallel_config(backend=backend, n_jobs=2):
        return search.fit(X, y).cv_results_


@pytest.mark.parametrize("which", [0, 1], ids=["grid", "randomized"])
def test_dask_search_equals_loky_search(which, client, data):
    X, y = data
    loky = _run(_searches()[which], "loky", X, y)
    with distributed.get_task_stream(client) as tasks:
        dask = _run(_searches()[which], "dask", X, y)
    # The fits ran as tasks (joblib batches them) on the cluster's workers.
    assert tasks.data
    assert {task["worker"] for task in tasks.data} <= set(
        client.scheduler_info()["workers"]
    )
    for key in RESULT_KEYS:
        if key == "params":
            assert dask[key] == loky[key]
        else:
            # Exactly equal, not approximately.
            np.testing.assert_array_equal(dask[key], loky[key], strict=True)


def _blas_threads():
    return max(
        (pool["num_threads"] for pool in threadpool_info()),
        default=1,
    )


def _fit_and_report_blas_threads(X, y):
    BackpropRegressor((8,), max_iter=3, random_state=0).fit(X, y)
    return _blas_threads()


def test_dask_worker_processes_get_one_blas_thread():
    # distributed's nanny starts worker processes with OMP_NUM_THREADS,
    # MKL_NUM_THREADS and OPENBLAS_NUM_THREADS set to 1
    # (distributed.nanny.pre-spawn-environ).
    with _local_cluster(processes=True) as cluster, distributed.Client(cluster) as c:
        threads = c.run(_blas_threads)
    assert len(threads) == 2
    assert set(threads.values()) == {1}


def test_no_oversubscription_in_loky_workers(data):
    # joblib gives each of its n_jobs loky workers cpu_count // n_jobs BLAS
    # threads, so that workers x threads never exceeds the cores.
    X, y = data
    n_jobs = 2
    threads = joblib.Parallel(n_jobs=n_jobs, backend="loky")(
        joblib.delayed(_fit_and_report_blas_threads)(X, y) for _ in range(4)
    )
    assert max(threads) == max(1, joblib.cpu_count() // n_jobs)
    assert n_jobs * max(threads) <= max(joblib.cpu_count(), n_jobs)


def _assert_blockwise_predict(y_lazy, est, X):
    """``y_lazy`` is ``predict`` of each block, and ``predict`` of X to rounding.

    Not bit for bit the latter: BLAS may sum in another order for another
    number of rows (1 ulp on a few rows, seen with 50-row blocks).
    """
    blocks = [est.predict(X.blocks[i].compute()) for i in range(X.numblocks[0])]
    np.testing.assert_array_equal(y_lazy, np.concatenate(blocks), strict=True)
    np.testing.assert_allclose(y_lazy, est.predict(X.compute()), rtol=1e-12)


def _dask_data(n_blocks=6, rows=100):
    X, y = make_friedman1(n_samples=n_blocks * rows, noise=0.5, random_state=1)
    return da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows)


def test_out_of_core_partial_fit_over_shuffled_blocks():
    X, y = _dask_data()
    n_blocks = X.numblocks[0]
    est = BackpropRegressor((16,), learning_rate_init=0.01, random_state=0)
    reference = BackpropRegressor((16,), learning_rate_init=0.01, random_state=0)
    X_np, y_np = X.compute(), y.compute()
    rows = X.chunks[0][0]

    rng = np.random.default_rng(0)
    orders = []
    for _ in range(4):  # epochs
        order = rng.permutation(n_blocks)
        orders.append(order)
        for i in order:
            # Only block i is computed and held in memory.
            est.partial_fit(X.blocks[i].compute(), y.blocks[i].compute())
            block = slice(i * rows, (i + 1) * rows)
            reference.partial_fit(X_np[block], y_np[block])
    assert len({tuple(order) for order in orders}) > 1, "order is reshuffled"
    np.testing.assert_array_equal(est.theta_, reference.theta_)
    assert len(est.loss_curve_) == 4 * n_blocks  # one entry per partial_fit
    assert est.t_ == 4 * X.shape[0]
    assert est.loss_curve_[-1] < est.loss_curve_[0]

    # Prediction block by block, lazily.
    y_lazy = X.map_blocks(est.predict, drop_axis=1, dtype=X.dtype)
    assert y_lazy.chunks == y.chunks
    _assert_blockwise_predict(y_lazy.compute(), est, X)


def test_map_blocks_prediction_with_several_outputs():
    X, y = _dask_data()
    Y = da.stack([y, -y], axis=1).rechunk((X.chunks[0], 2))
    est = BackpropRegressor((8,), max_iter=5, random_state=0).fit(X.compute(), Y)
    Y_lazy = X.map_blocks(est.predict, chunks=(X.chunks[0], (2,)), dtype=X.dtype)
    _assert_blockwise_predict(Y_lazy.compute(), est, X)


@pytest.mark.parametrize("use_cluster", [False, True])
def test_dask_ml_incremental_fit_predict(use_cluster, request):
    from dask_ml.wrappers import Incremental

    if use_cluster:
        request.getfixturevalue("client")
    X, y = _dask_data()
    inc = Incremental(
        BackpropRegressor((8,), random_state=0), shuffle_blocks=False
    ).fit(X, y)

    # One pass of partial_fit over the blocks, in order.
    reference = BackpropRegressor((8,), random_state=0)
    for i in range(X.numblocks[0]):
        reference.partial_fit(X.blocks[i].compute(), y.blocks[i].compute())
    np.testing.assert_array_equal(inc.estimator_.theta_, reference.theta_)

    y_lazy = inc.predict(X)
    assert isinstance(y_lazy, da.Array)
    _assert_blockwise_predict(y_lazy.compute(), reference, X)


def test_dask_ml_incremental_score_is_broken_upstream():
    # dask-ml issue #1012: Incremental's scoring fails with current dask. The
    # docs say so; this test notices when it is fixed.
    from dask_ml.wrappers import Incremental

    X, y = _dask_data()
    inc = Incremental(BackpropRegressor((8,), random_state=0)).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match="cannot broadcast shape"):
            inc.score(X, y)


# -- BackpropClassifier ----------------------------------------------------------


def _dask_labels(n_blocks=6, rows=100):
    """A dask array of rows and one of string labels (three classes), in blocks."""
    X, y = make_classification(
        n_samples=n_blocks * rows,
        n_features=6,
        n_informative=4,
        n_classes=3,
        random_state=1,
    )
    labels = np.array(["ant", "bee", "cat"])[y]
    return da.from_array(X, chunks=(rows, 6)), da.from_array(labels, chunks=rows)


def test_classifier_dask_search_equals_loky_search(client):
    X, y = (block.compute() for block in _dask_labels(n_blocks=2))
    search = GridSearchCV(
        BackpropClassifier(max_iter=10, random_state=0),
        {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1.0]},
        cv=3,
    )
    loky = _run(clone(search), "loky", X, y)
    dask = _run(clone(search), "dask", X, y)
    assert dask["params"] == loky["params"]
    for key in RESULT_KEYS[1:]:
        np.testing.assert_array_equal(dask[key], loky[key], strict=True)


def test_classifier_out_of_core_partial_fit_with_classes():
    X, y = _dask_labels()
    classes = np.unique(y.compute())  # every label, before the first call
    est = BackpropClassifier((16,), learning_rate_init=0.01, random_state=0)
    reference = BackpropClassifier((16,), learning_rate_init=0.01, random_state=0)
    X_np, y_np = X.compute(), y.compute()
    rows = X.chunks[0][0]
    rng = np.random.default_rng(0)
    for _ in range(3):  # epochs
        for i in rng.permutation(X.numblocks[0]):
            X_block, y_block = dask.compute(X.blocks[i], y.blocks[i])
            est.partial_fit(X_block, y_block, classes=classes)
            block = slice(i * rows, (i + 1) * rows)
            reference.partial_fit(X_np[block], y_np[block], classes=classes)
    np.testing.assert_array_equal(est.theta_, reference.theta_)
    np.testing.assert_array_equal(est.classes_, classes)
    assert est.loss_curve_[-1] < est.loss_curve_[0]

    # Labels and probabilities block by block, lazily.
    labels = X.map_blocks(est.predict, drop_axis=1, dtype=est.classes_.dtype)
    proba = X.map_blocks(est.predict_proba, chunks=(X.chunks[0], (3,)), dtype=float)
    np.testing.assert_array_equal(labels.compute(), est.predict(X_np))
    np.testing.assert_allclose(proba.compute(), est.predict_proba(X_np), rtol=1e-12)
    assert est.score(X_np, y_np) > 0.6


def test_classifier_dask_ml_incremental_with_classes():
    from dask_ml.wrappers import Incremental

    X, y = _dask_labels()
    classes = np.unique(y.compute())
    inc = Incremental(
        BackpropClassifier((8,), random_state=0), shuffle_blocks=False
    ).fit(X, y, classes=classes)
    reference = BackpropClassifier((8,), random_state=0)
    for i in range(X.numblocks[0]):
        reference.partial_fit(
            X.blocks[i].compute(), y.blocks[i].compute(), classes=classes
        )
    np.testing.assert_array_equal(inc.estimator_.theta_, reference.theta_)
    np.testing.assert_array_equal(inc.predict(X).compute(), reference.predict(X))
