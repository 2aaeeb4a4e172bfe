"""Rough edges a new user hit: each case has a clear error and a regression test."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skmlp import BackpropClassifier, BackpropRegressor


def _data(n_samples=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 3)
    return X, X[:, 0] + 0.1 * rng.randn(n_samples)


@pytest.mark.parametrize("sizes", [[10.5], [0.5], [True, 3], (4, np.float64(2.0))])
def test_hidden_layer_sizes_must_be_integers(sizes):
    X, y = _data()
    # MLPRegressor raises a TypeError too, from deep inside numpy.
    with pytest.raises(TypeError):
        MLPRegressor(hidden_layer_sizes=sizes, max_iter=1).fit(X, y)
    with pytest.raises(TypeError, match="hidden_layer_sizes must hold integers"):
        BackpropRegressor(hidden_layer_sizes=sizes).fit(X, y)


def test_numpy_integers_are_integers():
    X, y = _data()
    est = BackpropRegressor(hidden_layer_sizes=np.array([3, 2]), max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert [c.shape for c in est.coefs_] == [(3, 3), (3, 2), (2, 1)]


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_negative_sample_weight_is_refused(method):
    X, y = _data()
    sample_weight = np.ones(len(y))
    sample_weight[3] = -0.5
    est = BackpropRegressor((4,))
    with pytest.raises(ValueError, match="sample_weight has negative values"):
        getattr(est, method)(X, y, sample_weight=sample_weight)
    assert not hasattr(est, "n_iter_")


def test_negative_validation_weight_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match="sample_weight_val has negative values"):
        BackpropRegressor((4,)).fit(
            X, y, X_val=X, y_val=y, sample_weight_val=-np.ones(len(y))
        )


def test_zero_weights_are_allowed():
    X, y = _data()
    sample_weight = np.ones(len(y))
    sample_weight[:5] = 0
    est = BackpropRegressor((4,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=sample_weight)


def test_partial_fit_with_lbfgs_says_why_in_the_message():
    est = BackpropRegressor(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError) as info:
        est.partial_fit  # noqa: B018
    message = str(info.value)
    assert "only available for stochastic optimizers" in message
    assert "'lbfgs' is not stochastic" in message


def test_a_divergence_that_stays_finite_raises_and_rolls_back():
    # The case: the loss runs from 7.7e6 to 5e20, MLPRegressor stops
    # by tol at epoch 12 and returns R² of -2.7e12.
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = 4e3 * (y - y.mean()) / y.std()
    X, y = X[:150], y[:150]
    est = BackpropRegressor(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y / 1e3)
    before = pickle.dumps(est)
    est.set_params(learning_rate_init=1e4, max_iter=200)
    with pytest.raises(ValueError, match=r"epoch 2: the fit diverged"):
        est.fit(X, y)
    restored = pickle.loads(before)
    np.testing.assert_array_equal(est.theta_, restored.theta_)
    assert est.loss_curve_ == restored.loss_curve_


def test_a_first_epoch_that_runs_away_is_a_divergence():
    # Many minibatches: the first epoch's mean loss is already 1e12 times
    # the loss its first batch started from.
    rng = np.random.RandomState(0)
    X = rng.randn(1000, 8)
    y = 1e3 * (np.sin(X[:, 0]) * 3 + X[:, 1] * 2 + rng.randn(1000))
    est = BackpropRegressor(learning_rate_init=1e4, random_state=0)
    with pytest.raises(ValueError, match=r"epoch 1: the fit diverged"):
        est.fit(X, y)
    assert not hasattr(est, "n_iter_")


def _with(array, index, value):
    array = array.copy()
    array[index] = value
    return array


#: Inputs to a continued partial_fit that validate_data refuses, warns about
#: or converts; ours skips validate_data only for plain finite float arrays.
_CONTINUED = {
    "NaN in X": lambda X, y: (_with(X, (2, 1), np.nan), y),
    "inf in X": lambda X, y: (_with(X, (2, 1), -np.inf), y),
    "NaN in y": lambda X, y: (X, _with(y, 3, np.nan)),
    "inf in y": lambda X, y: (X, _with(y, 3, np.inf)),
    "a feature more": lambda X, y: (np.c_[X, X[:, 0]], y),
    "a feature less": lambda X, y: (X[:, :-1], y),
    "a label less": lambda X, y: (X, y[:-1]),
    "no rows": lambda X, y: (X[:0], y[:0]),
    "no outputs": lambda X, y: (X, y[:, np.newaxis][:, :0]),
    "complex X": lambda X, y: (X + 0j, y),
    "3-D y": lambda X, y: (X, y[:, np.newaxis, np.newaxis]),
    "1-D X": lambda X, y: (X[:, 0], y),
    "a DataFrame": lambda X, y: (_frame(X), y),
    "float16 X": lambda X, y: (X.astype(np.float16), y),
    "big-endian X": lambda X, y: (X.astype(">f8"), y),
    "a list": lambda X, y: (X.tolist(), y.tolist()),
    "integer y": lambda X, y: (X, np.round(10 * y).astype(np.int64)),
    "column y": lambda X, y: (X, y[:, np.newaxis]),
}


def _frame(X):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def _outcome(est, X, y):
    """What ``est.partial_fit(X, y)`` raises or warns, names swapped, and theta."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.partial_fit(X, y)
            error = None
        except Exception as exc:  # any: compared with MLPRegressor's
            error = (type(exc), str(exc))
    found = [
        (w.category, str(w.message))
        for w in caught
        if not issubclass(w.category, ConvergenceWarning | RuntimeWarning)
    ]
    name = type(est).__name__
    if error is not None:
        error = (error[0], error[1].replace(name, "<estimator>"))
    return error, [(c, message.replace(name, "<estimator>")) for c, message in found]


@pytest.mark.parametrize("case", list(_CONTINUED))
def test_a_continued_partial_fit_checks_its_input_as_mlpregressor(case):
    # partial_fit after the first skips validate_data for plain finite float
    # arrays; every other input still gets MLPRegressor's error or warning.
    X, y = _data()
    X_bad, y_bad = _CONTINUED[case](X, y)
    params = {"hidden_layer_sizes": (4,), "random_state": 0}
    ours, theirs = BackpropRegressor(**params), MLPRegressor(**params)
    outcomes = []
    for est in (ours, theirs):
        est.partial_fit(X, y)
        outcomes.append(_outcome(est, X_bad, y_bad))
    assert outcomes[0] == outcomes[1]
    if outcomes[0][0] is None and case != "a DataFrame":
        # Accepted: the same step as after validate_data, bit for bit.
        np.testing.assert_array_equal(
            np.concatenate([c.ravel() for c in ours.coefs_]),
            np.concatenate([c.ravel() for c in theirs.coefs_]),
        )


def test_a_continued_partial_fit_after_feature_names_still_checks_them():
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    params = {"hidden_layer_sizes": (4,), "random_state": 0}
    outcomes = [
        _outcome(est.partial_fit(frame, y), X, y)
        for est in (BackpropRegressor(**params), MLPRegressor(**params))
    ]
    assert outcomes[0] == outcomes[1]
    assert "X does not have valid feature names" in outcomes[0][1][0][1]


@pytest.mark.parametrize(
    "case", ["NaN in X", "a feature more", "no rows", "float16 X", "a DataFrame"]
)
def test_a_continued_classifier_partial_fit_checks_x_as_mlpclassifier(case):
    X, y = _data()
    labels = (y > 0).astype(np.int64)
    X_bad, labels_bad = _CONTINUED[case](X, labels)
    params = {"hidden_layer_sizes": (4,), "random_state": 0}
    outcomes = []
    for est in (BackpropClassifier(**params), MLPClassifier(**params)):
        est.partial_fit(X, labels, classes=[0, 1])
        outcomes.append(_outcome(est, X_bad, labels_bad))
    assert outcomes[0] == outcomes[1]
