"""Persistence: pickle, joblib and skops round trips are exact.

Exact means: the fitted state is equal value for value and type for type,
predictions are bit-identical, and ``partial_fit`` after loading continues
exactly as the original would (the optimizer state travels with the model).
"""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from _helpers import assert_same
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skmlp import BackpropRegressor

TRUSTED = ["skmlp._regressor.BackpropRegressor"]


@pytest.fixture(scope="module")
def data():
    X, y = make_friedman1(n_samples=150, n_features=5, noise=0.3, random_state=0)
    return X[:100], y[:100], X[100:], y[100:]


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _fitted(solver, data, **params):
    X, y, X_val, y_val = data
    est = BackpropRegressor((8, 4), solver=solver, max_iter=8, random_state=0, **params)
    if solver != "lbfgs" and not params.get("early_stopping"):
        return _fit(est, X, y, X_val=X_val, y_val=y_val)
    return _fit(est, X, y)


def _pickle(est):
    return pickle.loads(pickle.dumps(est))


def _joblib(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def _skops(est):
    sio = pytest.importorskip("skops.io")
    return sio.loads(sio.dumps(est), trusted=TRUSTED)


def _check_round_trip(est, loaded, data):
    X, y, X_val, _ = data
    assert loaded is not est
    assert_same(est.__getstate__(), loaded.__getstate__())
    # Bit-identical predictions.
    np.testing.assert_array_equal(loaded.predict(X_val), est.predict(X_val))
    if est.solver == "lbfgs":
        return
    # partial_fit continues exactly, optimizer state included. The seam
    # read here is documented (docs/user_guide/ecosystem.rst, "Saving and
    # loading"): the optimizer state is part of the pickled fitted state.
    assert est._optimizer_state is not None
    assert est._optimizer_state is not loaded._optimizer_state
    for model in (est, loaded):
        model.partial_fit(X, y)
        model.partial_fit(X[:50], y[:50])
    assert_same(_timeless(est), _timeless(loaded))


def _timeless(est):
    """The persisted state, without the epochs' durations (clock time)."""
    state = est.__getstate__()
    state["history_"] = [
        {k: v for k, v in record.items() if k != "duration"}
        for record in state["history_"]
    ]
    return state


@pytest.mark.parametrize("round_trip", [_pickle, _joblib, _skops])
@pytest.mark.parametrize(
    ("solver", "params"),
    [
        ("adam", {}),
        ("sgd", {}),
        ("sgd", {"learning_rate": "invscaling", "dropout": 0.2}),
        ("adam", {"activation": ["gelu", "elu"], "scoring": "loss"}),
        ("lbfgs", {}),
    ],
)
def test_round_trip_is_exact(round_trip, solver, params, data):
    est = _fitted(solver, data, **params)
    _check_round_trip(est, round_trip(est), data)


@pytest.mark.parametrize("round_trip", [_pickle, _joblib, _skops])
def test_round_trip_after_partial_fit_only(round_trip, data):
    X, y, _, _ = data
    est = BackpropRegressor((8,), solver="sgd", random_state=0)
    est.partial_fit(X, y)
    _check_round_trip(est, round_trip(est), data)


def test_optimizer_state_matters_for_continuation(data):
    # Without the optimizer state the continuation differs: the round-trip
    # tests above would catch a model that dropped it.
    X, y, _, _ = data
    est = _fitted("adam", data)
    reset = _pickle(est)
    # The documented seam (ecosystem.rst): the optimizer state travels in the
    # fitted state. Dropping it is what a weights-only save would restore.
    reset._optimizer_state = None
    est.partial_fit(X, y)
    reset.partial_fit(X, y)
    assert not np.array_equal(est.theta_, reset.theta_)


def test_early_stopping_state_round_trips(data):
    est = _fitted("adam", data, early_stopping=True, learning_rate_init=0.02)
    for round_trip in (_pickle, _joblib, _skops):
        loaded = round_trip(est)
        assert_same(est.__getstate__(), loaded.__getstate__())
        np.testing.assert_array_equal(loaded.predict(data[2]), est.predict(data[2]))


@pytest.mark.parametrize(
    ("solver", "params"),
    [
        ("adam", {}),
        ("sgd", {}),
        ("lbfgs", {}),
        ("adam", {"early_stopping": True}),
        ("sgd", {"early_stopping": True, "learning_rate": "adaptive"}),
        ("adam", {"loss": "huber", "init": "he_normal", "max_grad_norm": 1.0}),
    ],
)
def test_skops_lists_only_the_estimator_class(solver, params, data):
    sio = pytest.importorskip("skops.io")
    est = _fitted(solver, data, **params)
    assert sio.get_untrusted_types(data=sio.dumps(est)) == TRUSTED


def test_skops_float32_model(data):
    sio = pytest.importorskip("skops.io")
    X, y, X_val, _ = data
    est = _fit(
        BackpropRegressor((8,), max_iter=5, random_state=0),
        X.astype(np.float32),
        y.astype(np.float32),
    )
    blob = sio.dumps(est)
    assert sio.get_untrusted_types(data=blob) == TRUSTED
    loaded = sio.loads(blob, trusted=TRUSTED)
    assert loaded.theta_.dtype == np.float32
    _check_round_trip(est, loaded, (X.astype(np.float32), y, X_val, None))


def test_skops_file_round_trip_as_documented(tmp_path, data):
    # The exact calls shown in docs/user_guide/ecosystem.rst.
    sio = pytest.importorskip("skops.io")
    est = _fitted("adam", data)
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    assert sio.get_untrusted_types(file=path) == ["skmlp._regressor.BackpropRegressor"]
    loaded = sio.load(path, trusted=["skmlp._regressor.BackpropRegressor"])
    _check_round_trip(est, loaded, data)


def test_skops_refuses_untrusted_estimator_by_default(data):
    sio = pytest.importorskip("skops.io")
    blob = sio.dumps(_fitted("adam", data))
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(blob)


def test_skops_mlpregressor_adam_has_an_untrusted_optimizer(data):
    # The contrast: scikit-learn's own MLPRegressor stores its Adam optimizer,
    # a helper-class instance, in the fitted state.
    sio = pytest.importorskip("skops.io")
    X, y, _, _ = data
    mlp = _fit(MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X, y)
    blob = sio.dumps(mlp)
    untrusted = sio.get_untrusted_types(data=blob)
    assert "sklearn.neural_network._stochastic_optimizers.AdamOptimizer" in untrusted
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(blob)
