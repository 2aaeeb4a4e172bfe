"""Clear errors: each test checks that the message says what is wrong."""

import warnings
from functools import partial

import numpy as np
import pytest
from _helpers import SOLVERS, assert_weights_equal, estimator_data, weights
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import BackpropRegressor

#: A noise-free linear problem: the data these tests have always used.
_data = partial(estimator_data, n_samples=40, link=None, noise=0.0)


def _fitted(solver="sgd", **params):
    X, y = _data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, max_iter=3, random_state=0, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return est, X, y


def _methods(solver):
    return ["fit", "partial_fit"] if solver != "lbfgs" else ["fit"]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("bad", "message"), [(np.nan, "NaN"), (np.inf, "infinity")], ids=["nan", "inf"]
)
def test_non_finite_X_or_y_in_training(solver, bad, message):
    X, y = _data()
    X_bad, y_bad = X.copy(), y.copy()
    X_bad[3, 1] = bad
    y_bad[5] = bad
    for method in _methods(solver):
        est = BackpropRegressor(hidden_layer_sizes=(3,), solver=solver)
        with pytest.raises(ValueError, match=rf"Input X contains {message}"):
            getattr(est, method)(X_bad, y)
        with pytest.raises(ValueError, match=rf"Input y contains {message}"):
            getattr(est, method)(X, y_bad)
        assert not hasattr(est, "coefs_")


@pytest.mark.parametrize(
    ("bad", "message"), [(np.nan, "NaN"), (np.inf, "infinity")], ids=["nan", "inf"]
)
def test_non_finite_X_at_predict(bad, message):
    est, X, _ = _fitted()
    X_bad = X.copy()
    X_bad[0, 0] = bad
    with pytest.raises(ValueError, match=rf"Input X contains {message}"):
        est.predict(X_bad)


def test_non_finite_X_in_partial_fit_of_a_fitted_model_changes_nothing():
    est, X, y = _fitted()
    before = weights(est)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.partial_fit(X_bad, y)
    assert_weights_equal(weights(est), before)


def test_non_finite_sample_weight():
    X, y = _data()
    sample_weight = np.ones(len(X))
    sample_weight[2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BackpropRegressor(solver="lbfgs").fit(X, y, sample_weight=sample_weight)


def test_wrong_number_of_features_at_predict():
    est, X, _ = _fitted()
    with pytest.raises(ValueError, match=r"X has 3 features.*expecting 4 features"):
        est.predict(X[:, :3])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_wrong_number_of_features_at_partial_fit(solver):
    est, X, y = _fitted(solver)
    before = weights(est)
    with pytest.raises(ValueError, match=r"X has 5 features.*expecting 4 features"):
        est.partial_fit(np.c_[X, X[:, 0]], y)
    assert_weights_equal(weights(est), before)


def test_wrong_number_of_features_at_warm_start():
    est, X, y = _fitted("lbfgs", warm_start=True)
    with pytest.raises(ValueError, match=r"X has 3 features.*expecting 4 features"):
        est.fit(X[:, :3], y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_y_of_the_wrong_length(solver):
    X, y = _data()
    for method in _methods(solver):
        est = BackpropRegressor(solver=solver)
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            getattr(est, method)(X, y[:-3])


@pytest.mark.parametrize("solver", SOLVERS)
def test_sample_weight_of_the_wrong_length(solver):
    X, y = _data()
    for method in _methods(solver):
        est = BackpropRegressor(solver=solver)
        with pytest.raises(ValueError, match=r"sample_weight.*\(37,\).*\(40,\)"):
            getattr(est, method)(X, y, sample_weight=np.ones(37))


def test_sample_weight_of_the_wrong_shape():
    X, y = _data()
    with pytest.raises(ValueError, match=r"Sample weights must be 1D"):
        BackpropRegressor(solver="lbfgs").fit(X, y, sample_weight=np.ones((40, 2)))


@pytest.mark.parametrize("solver", SOLVERS)
def test_negative_y_with_poisson(solver):
    X, y = _data()
    counts = np.abs(np.round(y))
    counts[7] = -1.0
    for method in _methods(solver):
        est = BackpropRegressor(loss="poisson", solver=solver)
        with pytest.raises(ValueError, match=r"poisson.*negative"):
            getattr(est, method)(X, counts)
        assert not hasattr(est, "coefs_")


def test_negative_y_with_poisson_in_partial_fit_of_a_fitted_model():
    X, y = _data()
    counts = np.abs(np.round(y))
    est = BackpropRegressor(hidden_layer_sizes=(3,), loss="poisson", solver="adam")
    est.partial_fit(X, counts)
    before = weights(est)
    counts[0] = -2.0
    with pytest.raises(ValueError, match="negative"):
        est.partial_fit(X, counts)
    assert_weights_equal(weights(est), before)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_with_early_stopping(solver):
    X, y = _data()
    est = BackpropRegressor(solver=solver, early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        est.partial_fit(X, y)
    assert not hasattr(est, "coefs_")


def test_early_stopping_with_a_validation_set_too_small():
    X, y = _data(n_samples=12)  # 5% of 12 samples is 1 validation sample
    est = BackpropRegressor(
        solver="adam", early_stopping=True, validation_fraction=0.05
    )
    with pytest.raises(ValueError, match="validation set is too small"):
        est.fit(X, y)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"activation": "softmax"}, "activation"),
        ({"solver": "newton"}, "solver"),
        ({"loss": "absolute_error"}, "loss"),
        ({"alpha": -1.0}, "alpha"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"momentum": 1.5}, "momentum"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_iter": 0}, "max_iter"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"beta_2": 1.0}, "beta_2"),
        ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": "5"}, "hidden_layer_sizes"),
    ],
)
def test_invalid_parameters(params, name):
    X, y = _data()
    est = BackpropRegressor(**params)
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter"):
        est.fit(X, y)
    if name != "solver":  # an unknown solver has no partial_fit at all
        with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter"):
            est.partial_fit(X, y)


@pytest.mark.parametrize("hidden", [(5, 0), [0], (3, -2)])
def test_hidden_layer_sizes_with_zero(hidden):
    X, y = _data()
    est = BackpropRegressor(hidden_layer_sizes=hidden, solver="lbfgs")
    with pytest.raises(ValueError, match=r"hidden_layer_sizes must be > 0"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_after_changing_hidden_layer_sizes(solver):
    est, X, y = _fitted(solver, warm_start=True)
    before = weights(est)
    est.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match=r"warm_start=False") as excinfo:
        est.fit(X, y)
    message = str(excinfo.value)
    assert "(4, 5, 1)" in message  # what the fitted network is
    assert "(4, 7, 1)" in message  # what the parameters ask for
    assert_weights_equal(weights(est), before)
    # Doing what the message says works.
    est.set_params(warm_start=False, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert est.coefs_[0].shape == (4, 7)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_after_changing_the_architecture(solver):
    est, X, y = _fitted(solver)
    est.set_params(hidden_layer_sizes=(5, 2))
    with pytest.raises(ValueError, match=r"same architecture"):
        est.partial_fit(X, y)
    est.set_params(hidden_layer_sizes=(5,), activation="tanh")
    with pytest.raises(ValueError, match=r"activation"):
        est.partial_fit(X, y)


def test_warm_start_with_a_different_number_of_outputs():
    est, X, y = _fitted("adam", warm_start=True)
    with pytest.raises(ValueError, match=r"\(4, 5, 2\)"):
        est.fit(X, np.c_[y, y])


def test_predict_before_fit():
    X, _ = _data()
    with pytest.raises(NotFittedError, match="not fitted"):
        BackpropRegressor().predict(X)


def test_fit_with_an_empty_dataset():
    with pytest.raises(ValueError, match="0 sample"):
        BackpropRegressor().fit(np.empty((0, 3)), np.empty(0))


def test_non_numeric_y():
    X, _ = _data()
    with pytest.raises(ValueError, match="could not convert string to float"):
        BackpropRegressor().fit(X, np.array(["a", "b"] * 20))
