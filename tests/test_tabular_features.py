"""The opt-ins of issue 11 on the estimator: cosine, weight decay, quantile.

The math of each is tested on its own in ``test_optimizers.py`` and
``test_losses.py``; here, that the estimator wires it in and that it does
what it is for.
"""

import math
import warnings

import numpy as np
import pytest
from _helpers import cosine_rate, regression_data
from numpy.testing import assert_array_equal
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning

from skmlp import BackpropRegressor, check_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def data():
    return regression_data(n_samples=50, n_features=4, n_outputs=1)


# -- learning_rate='cosine' ----------------------------------------------------


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_cosine_rate_of_each_epoch_in_history(data, solver):
    # 50 samples in batches of 10: 5 steps an epoch, T = 4 * 5, W = 4.
    X, y, _ = data
    est = BackpropRegressor(
        (5,),
        solver=solver,
        learning_rate="cosine",
        warmup_fraction=0.2,
        learning_rate_init=0.01,
        batch_size=10,
        max_iter=4,
        n_iter_no_change=np.inf,
        random_state=0,
    ).fit(X, y[:, 0])
    # The record holds the rate of the epoch's last step.
    rates = [record["learning_rate"] for record in est.history_]
    assert rates == [cosine_rate(5 * epoch, 0.01, 20, 4) for epoch in (1, 2, 3, 4)]
    constant = BackpropRegressor(
        (5,), solver=solver, learning_rate_init=0.01, batch_size=10, max_iter=4,
        n_iter_no_change=np.inf, random_state=0,
    ).fit(X, y[:, 0])  # fmt: skip
    assert not np.array_equal(est.predict(X), constant.predict(X))


def test_cosine_length_counts_the_minibatches_after_the_early_stopping_split(data):
    X, y, _ = data
    # 45 training rows after a 10 % split: 5 batches of 9 an epoch, T = 15.
    est = BackpropRegressor(
        (5,),
        learning_rate="cosine",
        batch_size=9,
        max_iter=3,
        early_stopping=True,
        n_iter_no_change=np.inf,
        random_state=0,
    ).fit(X, y[:, 0])
    assert est.history_[-1]["learning_rate"] == cosine_rate(15, 0.001, 15, 0)


def test_cosine_with_partial_fit_spans_max_iter_calls_then_warns(data):
    X, y, _ = data
    est = BackpropRegressor(
        (5,), learning_rate="cosine", batch_size=25, max_iter=3, random_state=0
    )
    for call in (1, 2, 3):
        est.partial_fit(X, y[:, 0])
        assert est.history_[-1]["learning_rate"] == cosine_rate(2 * call, 0.001, 6, 0)
    weights = est.theta_.copy()
    with pytest.warns(UserWarning, match="has run its course"):
        est.partial_fit(X, y[:, 0])
    assert est.history_[-1]["learning_rate"] == 0.0
    assert_array_equal(est.theta_, weights)


def test_cosine_restarts_with_every_fit(data):
    X, y, _ = data
    est = BackpropRegressor(
        (5,), learning_rate="cosine", max_iter=2, warm_start=True, random_state=0
    )
    est.fit(X, y[:, 0])
    first = [record["learning_rate"] for record in est.history_]
    est.fit(X, y[:, 0])
    assert [record["learning_rate"] for record in est.history_[2:]] == first


# -- weight_decay ----------------------------------------------------------------


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_weight_decay_shrinks_the_weights_not_the_biases(data, solver):
    X, y, _ = data
    params = {
        "hidden_layer_sizes": (8,),
        "solver": solver,
        "alpha": 0.0,
        "learning_rate_init": 0.01,
        "max_iter": 30,
        "random_state": 0,
    }
    plain = BackpropRegressor(**params).fit(X, y[:, 0])
    decayed = BackpropRegressor(weight_decay=5.0, **params).fit(X, y[:, 0])

    def norm_of(arrays):
        return math.sqrt(sum(float(np.sum(a**2)) for a in arrays))

    assert norm_of(decayed.coefs_) < 0.8 * norm_of(plain.coefs_)
    # The biases are not decayed: only the gradient moves them.
    assert norm_of(decayed.intercepts_) > 0.3 * norm_of(plain.intercepts_)


def test_weight_decay_by_hand_for_one_step_of_sgd(data):
    # One full batch, one step, no momentum: W <- (1 - eta lam) W - eta dW.
    X, y, _ = data
    params = {
        "hidden_layer_sizes": (4,),
        "solver": "sgd",
        "momentum": 0.0,
        "batch_size": 50,
        "max_iter": 1,
        "learning_rate_init": 0.1,
        "random_state": 0,
    }
    est = BackpropRegressor(weight_decay=0.3, **params)
    objective, theta = est.get_objective(X, y[:, 0])
    _, grad = objective(theta)
    est.fit(X, y[:, 0])
    n_coefs = est.network_.n_coefs
    expected = theta - 0.1 * grad
    expected[:n_coefs] -= 0.1 * 0.3 * theta[:n_coefs]
    np.testing.assert_allclose(est.theta_, expected, rtol=1e-12, atol=1e-15)


def test_weight_decay_needs_a_minibatch_solver(data):
    X, y, _ = data
    est = BackpropRegressor(solver="lbfgs", weight_decay=0.1)
    with pytest.raises(ValueError, match="weight_decay is only used by the minibatch"):
        est.fit(X, y[:, 0])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"warmup_fraction": 1.0}, "warmup_fraction"),
        ({"quantile": 1.0}, "quantile"),
        ({"quantile": 0.0}, "quantile"),
        ({"learning_rate": "cosin"}, "learning_rate"),
    ],
)
def test_new_parameters_are_validated(data, params, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        BackpropRegressor(**params).fit(X, y[:, 0])


# -- loss='quantile' --------------------------------------------------------------


def test_quantile_gradient_is_the_finite_difference(data):
    X, y, sw = regression_data(n_samples=40, n_features=4, n_outputs=2)
    est = BackpropRegressor(
        (5,), activation="tanh", loss="quantile", quantile=0.8, alpha=0.1,
        random_state=0,
    )  # fmt: skip
    assert check_gradients(est, X, y, sample_weight=sw) < 1e-6


def _heteroscedastic(n=1000, seed=0):
    """y = sin(2x) + (0.1 + x / 2) e, e standard normal, x in [0, 2]."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 2, size=(n, 1))
    scale = 0.1 + 0.5 * X[:, 0]
    y = np.sin(2 * X[:, 0]) + scale * rng.randn(n)

    def true_quantile(q):
        return np.sin(2 * X[:, 0]) + scale * norm.ppf(q)

    return X, y, true_quantile


def test_quantile_fits_cover_their_level_on_heteroscedastic_data():
    X, y, true_quantile = _heteroscedastic()
    predictions = {}
    for q in (0.1, 0.5, 0.9):
        est = BackpropRegressor(
            (32,), loss="quantile", quantile=q, learning_rate_init=0.01,
            random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            predictions[q] = est.fit(X, y).predict(X)
        # Measured: 0.103, 0.498 and 0.910 of the training targets.
        assert abs(np.mean(y <= predictions[q]) - q) < 0.03
        # And it follows the conditional quantile (measured: 0.05 to 0.07).
        assert np.mean(np.abs(predictions[q] - true_quantile(q))) < 0.12
    # The band widens with the noise.
    width = predictions[0.9] - predictions[0.1]
    assert width[X[:, 0] > 1.5].mean() > 2 * width[X[:, 0] < 0.5].mean()
    assert np.mean(predictions[0.1] < predictions[0.9]) > 0.99
