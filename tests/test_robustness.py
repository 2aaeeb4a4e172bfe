"""Bad data, divergence and interruption never fail silently or lose a model.

The property-based tests draw shapes, dtypes, magnitudes and degenerate
columns with hypothesis. Every fit must end one of two ways: it succeeds and
its predictions are finite, or it raises a ValueError whose message names the
problem and a remedy. No NaN or inf prediction, no numpy RuntimeWarning and no
other exception may escape.
"""

import os
import pickle
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import interrupt_on_call
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skmlp import BackpropRegressor
from skmlp._init import initial_theta
from skmlp._network import Network

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

#: A ValueError must say what to do: one of these words names the remedy.
REMEDIES = ("scale", "Scale", "StandardScaler", "smaller", "Increase", "increase")


@st.composite
def datasets(draw):
    n_samples = draw(st.integers(1, 300))
    n_features = draw(st.integers(1, 30))
    n_outputs = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from(["float32", "float64", "int", "bool"]))
    exponent = draw(st.integers(-30, 30))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    X = rng.randn(n_samples, n_features) * 10.0**exponent
    if draw(st.booleans()):  # a constant feature
        X[:, rng.randint(n_features)] = 10.0 ** draw(st.integers(-30, 30))
    if draw(st.booleans()) and n_samples > 1:  # duplicated rows
        X[n_samples // 2 :] = X[: n_samples - n_samples // 2]
    if dtype == "int":
        X = np.clip(np.round(X), -(2**31), 2**31).astype(np.int64)
    elif dtype == "bool":
        X = X > 0
    else:
        X = X.astype(dtype)
    y = rng.randn(n_samples, n_outputs) * 10.0 ** draw(st.integers(-30, 30))
    if draw(st.booleans()):  # constant targets
        y[:] = y[0]
    if n_outputs == 1:
        y = y.ravel()
    if draw(st.booleans()):
        X = sp.csr_matrix(X.astype(np.float64) if dtype == "bool" else X)
    return X, y


@given(
    data=datasets(),
    solver=st.sampled_from(["lbfgs", "sgd", "adam"]),
    early_stopping=st.booleans(),
)
def test_fit_succeeds_with_finite_predictions_or_explains(data, solver, early_stopping):
    X, y = data
    est = BackpropRegressor(
        (5,),
        solver=solver,
        max_iter=5,
        early_stopping=early_stopping,
        random_state=0,
    )
    pred, message = None, None
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            est.fit(X, y)
        except ValueError as error:
            message = str(error)
        if message is None:
            pred = est.predict(X)  # a fit that succeeded predicts its data
    if message is not None:
        assert any(word in message for word in REMEDIES), message
        assert not hasattr(est, "n_iter_")  # and left the estimator unfitted
        return
    assert np.isfinite(pred).all()
    assert pred.shape == np.shape(y)


@pytest.mark.parametrize(
    ("solver", "dtype", "y_scale"),
    # Adam's steps are bounded by its learning rate, so it overflows only
    # where the targets themselves do: squared, 1e20 is past float32's range.
    [("sgd", np.float64, 1e6), ("adam", np.float32, 1e20)],
)
def test_divergence_raises_and_keeps_previous_model(solver, dtype, y_scale):
    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 5).astype(dtype), rng.randn(100).astype(dtype)
    est = BackpropRegressor((20,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    before = pickle.dumps(est)
    est.set_params(learning_rate_init=10.0, warm_start=True)
    with pytest.raises(ValueError, match="smaller learning_rate_init") as info:
        est.fit(X * 1e3, y * y_scale)
    assert "epoch" in str(info.value)
    assert pickle.dumps(est.set_params(learning_rate_init=0.001, warm_start=False))
    restored = pickle.loads(before)
    for name in ("coefs_", "intercepts_"):
        for a, b in zip(getattr(est, name), getattr(restored, name), strict=True):
            np.testing.assert_array_equal(a, b)
    assert est.loss_curve_ == restored.loss_curve_
    assert est.n_iter_ == restored.n_iter_
    # partial_fit too: a diverging call leaves the previous state.
    est.set_params(learning_rate_init=10.0)

    def stream():
        for _ in range(20):
            est.partial_fit(X * 1e3, y * y_scale)

    with pytest.raises(ValueError, match="diverged"):
        stream()
    assert np.isfinite(est.predict(X)).all()


def test_divergence_of_an_unfitted_model_leaves_it_unfitted():
    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 5) * 1e3, rng.randn(100) * 1e6
    est = BackpropRegressor((20,), solver="sgd", learning_rate_init=10.0)
    with pytest.raises(ValueError, match="scale the data"):
        est.fit(X, y)
    assert not hasattr(est, "n_features_in_")
    assert not hasattr(est, "coefs_")


def test_lbfgs_overflow_raises_at_the_evaluation():
    rng = np.random.RandomState(0)
    X = (rng.randn(50, 3) * 1e30).astype(np.float32)
    y = (rng.randn(50) * 1e30).astype(np.float32)
    est = BackpropRegressor((5,), solver="lbfgs", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"evaluation 1: .* Scale X"):
            est.fit(X, y)
    assert not hasattr(est, "coefs_")


def test_predict_refuses_to_overflow_silently():
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 3), rng.rand(50)
    est = BackpropRegressor((5,), loss="poisson", solver="lbfgs", random_state=0)
    est.fit(X, y)
    X_far = X.copy()
    X_far[7] = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"1 of 50 rows .* row 7"):
            est.predict(X_far)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_interrupt_keeps_the_last_completed_epoch(monkeypatch, early_stopping):
    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 4), rng.randn(100)
    params = {
        "hidden_layer_sizes": (8,),
        "batch_size": 20,  # 5 batches an epoch (90 or 100 training rows)
        "early_stopping": early_stopping,
        "random_state": 0,
    }
    n_batches = 5
    reference = BackpropRegressor(max_iter=3, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, y)
    interrupt_on_call(monkeypatch, 3 * n_batches + 3)  # epoch 4's 3rd batch
    est = BackpropRegressor(max_iter=10, **params)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        est.fit(X, y)
    # Epoch 3's weights (or, with early stopping, the best up to epoch 3).
    for a, b in zip(est.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(est.predict(X)).all()


def test_interrupt_lbfgs_keeps_the_last_iterate(monkeypatch):
    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 4), rng.randn(100)
    interrupt_on_call(monkeypatch, 7)
    est = BackpropRegressor((8,), solver="lbfgs", random_state=0)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        est.fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) >= 1
    assert np.isfinite(est.predict(X)).all()


def test_repeated_fits_are_bit_identical():
    rng = np.random.RandomState(0)
    X, y = rng.randn(200, 6), rng.randn(200, 2)
    for solver in ["lbfgs", "sgd", "adam"]:
        fits = [
            BackpropRegressor((16, 8), solver=solver, max_iter=8, random_state=3)
            for _ in range(2)
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for est in fits:
                est.fit(X, y)
        np.testing.assert_array_equal(fits[0].theta_, fits[1].theta_)


_SUBPROCESS_FIT = """
import sys, warnings
import numpy as np
from threadpoolctl import threadpool_limits
from skmlp import BackpropRegressor
warnings.simplefilter("ignore")
rng = np.random.RandomState(0)
X, y = rng.randn(300, 20), rng.randn(300)
with threadpool_limits(limits=int(sys.argv[1]), user_api="blas"):
    est = BackpropRegressor((64, 64), max_iter=5, random_state=0).fit(X, y)
sys.stdout.write(est.theta_.tobytes().hex())
"""


def test_bit_identical_across_processes_and_blas_threads():
    # Documented in docs/reliability.rst: OpenBLAS splits a matrix product
    # between threads by blocks of the output, so each entry is summed in the
    # same order whatever the thread count.
    outputs = {
        threads: subprocess.run(
            [sys.executable, "-c", _SUBPROCESS_FIT, str(threads)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for threads in (1, 2)
    }
    with threadpool_limits(limits=1, user_api="blas"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rng = np.random.RandomState(0)
            X, y = rng.randn(300, 20), rng.randn(300)
            here = BackpropRegressor((64, 64), max_iter=5, random_state=0).fit(X, y)
    assert outputs[1] == here.theta_.tobytes().hex()
    assert outputs[2] == outputs[1]


def test_network_gradient_is_bit_identical_with_one_and_two_blas_threads():
    # A fit chooses one BLAS thread for small products on its own (see
    # Network.blas_threads), so check the network directly, with products
    # large enough for OpenBLAS to split them between two threads.
    rng = np.random.RandomState(0)
    net = Network((256, 256, 256, 2), ("relu", "tanh", "identity"))
    theta = initial_theta(net, rng, np.float64)
    X, y = rng.randn(512, 256), rng.randn(512, 2)
    results = {}
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            results[threads] = net.loss_and_grad(theta, X, y, None, 1e-3)
            predictions = net.predict(theta, X)
        results[threads] += (predictions,)
    assert results[1][0] == results[2][0]
    np.testing.assert_array_equal(results[1][1], results[2][1])
    np.testing.assert_array_equal(results[1][2], results[2][2])


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_inputs_are_never_written(tmp_path, solver):
    rng = np.random.RandomState(0)
    X, y, sw = rng.randn(60, 4), rng.randn(60), rng.rand(60) + 0.5
    paths = {}
    for name, array in {"X": X, "y": y, "sw": sw}.items():
        paths[name] = tmp_path / f"{name}.npy"
        np.save(paths[name], array)
    mapped = {name: np.load(path, mmap_mode="r") for name, path in paths.items()}
    for array in (X, y, sw):
        array.flags.writeable = False
    est = BackpropRegressor(
        (8,), solver=solver, max_iter=3, early_stopping=solver != "lbfgs"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for inputs in [(X, y, sw), (mapped["X"], mapped["y"], mapped["sw"])]:
            est.fit(*inputs)
            est.predict(inputs[0])
            if solver != "lbfgs":
                est.set_params(early_stopping=False).partial_fit(*inputs)
                est.set_params(early_stopping=True)
    np.testing.assert_array_equal(mapped["X"], X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_assigned_coefs_are_copied():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), rng.randn(30)
    est = BackpropRegressor((4,), max_iter=2).fit(X, y)
    W = rng.randn(3, 4)
    est.coefs_ = [W, rng.randn(4, 1)]
    W_before = W.copy()
    est.partial_fit(X, y)
    np.testing.assert_array_equal(W, W_before)  # trained a copy, not W
    assert not np.array_equal(est.coefs_[0], W)


def test_predict_is_thread_safe():
    rng = np.random.RandomState(0)
    X, y = rng.randn(200, 5), rng.randn(200, 2)
    est = BackpropRegressor((32, 16), solver="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    chunks = [rng.randn(500, 5) for _ in range(16)]
    serial = [est.predict(chunk) for chunk in chunks]
    barrier = threading.Barrier(4)

    def predict(chunk):
        barrier.wait(timeout=10) if threading.current_thread().name else None
        return est.predict(chunk)

    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(est.predict, chunks))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_copies_x_at_most_once():
    # The case is 1,000,000 x 50 float32 with batch 256; the bound is
    # the same at a tenth of the rows: one shuffled copy of X, reused by
    # every epoch (two epochs, so that a per-epoch copy would show), plus
    # per-batch arrays.
    import tracemalloc

    rng = np.random.RandomState(0)
    X = rng.randn(100_000, 50).astype(np.float32)
    y = rng.randn(100_000).astype(np.float32)
    est = BackpropRegressor((16,), batch_size=256, max_iter=2, random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.25 * X.nbytes, f"peak {peak / X.nbytes:.2f} x X.nbytes"
