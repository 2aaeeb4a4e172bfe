"""Assigning ``coefs_`` and ``intercepts_``: copied in, checked, and trained on.

MLPRegressor lets users assign its weight lists; BackpropRegressor keeps its
weights in one flat vector, so assignment copies into it, checks shapes
before changing anything, and training continues from the assigned weights
exactly as MLPRegressor's does.
"""

import warnings

import numpy as np
import pytest
from _helpers import (
    SOLVERS,
    STOCHASTIC,
    assert_weights_close,
    assert_weights_equal,
    estimator_data,
    ignore_convergence,
    weights,
)
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skmlp import BackpropRegressor

# -- assigning coefs_ and intercepts_ ---------------------------------------------


def _fitted_pair(solver, **params):
    X, y = estimator_data()
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "learning_rate_init": 0.01,
        "max_iter": 5,
        "random_state": 0,
        **params,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = BackpropRegressor(**params).fit(X, y)
        theirs = MLPRegressor(**params).fit(X, y)
    return ours, theirs, X, y


def _new_weights(seed=3):
    rng = np.random.RandomState(seed)
    return (
        [rng.uniform(-1, 1, (4, 5)), rng.uniform(-1, 1, (5, 1))],
        [rng.uniform(-1, 1, 5), rng.uniform(-1, 1, 1)],
    )


def test_assigning_one_layer_changes_predictions_and_copies():
    ours, theirs, X, _ = _fitted_pair("sgd")
    before = ours.predict(X)
    coefs, intercepts = _new_weights()
    W = coefs[0]
    ours.coefs_[0] = W
    theirs.coefs_[0] = W.copy()
    b = intercepts[1]
    ours.intercepts_[1] = b
    theirs.intercepts_[1] = b.copy()
    after = ours.predict(X)
    assert not np.allclose(after, before)
    assert_allclose(after, theirs.predict(X), rtol=1e-12)
    assert_array_equal(ours.coefs_[0], W)
    assert_array_equal(ours.intercepts_[1], b)

    W[...] = 100.0  # the user's arrays were copied
    b[...] = 100.0
    assert_array_equal(ours.predict(X), after)
    assert not np.shares_memory(ours.coefs_[0], W)


def test_assigning_whole_lists_changes_predictions_and_copies():
    ours, theirs, X, _ = _fitted_pair("adam")
    coefs, intercepts = _new_weights()
    ours.coefs_ = coefs
    ours.intercepts_ = intercepts
    theirs.coefs_ = [c.copy() for c in coefs]
    theirs.intercepts_ = [b.copy() for b in intercepts]
    after = ours.predict(X)
    assert_allclose(after, theirs.predict(X), rtol=1e-12)
    for array in coefs + intercepts:
        array[...] = 7.0
    assert_array_equal(ours.predict(X), after)


def test_assigning_wrong_shapes_raises():
    ours, _, _, _ = _fitted_pair("sgd")
    before = weights(ours)
    with pytest.raises(ValueError, match=r"shape"):
        ours.coefs_[0] = np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"shape"):
        ours.intercepts_[0] = np.zeros(4)
    with pytest.raises(ValueError, match=r"2"):
        ours.coefs_ = [np.zeros((4, 5))]
    with pytest.raises(ValueError, match=r"2"):
        ours.intercepts_ = [np.zeros(5), np.zeros(1), np.zeros(1)]
    assert_weights_equal(weights(ours), before)


def test_assigning_a_list_with_one_wrong_shape_changes_nothing():
    # A failed assignment must not leave the model half-updated: the first
    # layer has a valid shape, the second does not.
    ours, _, X, _ = _fitted_pair("sgd")
    before = weights(ours)
    predictions = ours.predict(X)
    with pytest.raises(ValueError, match=r"shape"):
        ours.coefs_ = [np.zeros((4, 5)), np.zeros((3, 1))]
    assert_weights_equal(weights(ours), before)
    assert_array_equal(ours.predict(X), predictions)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_continues_from_assigned_weights_like_mlpregressor(solver):
    ours, theirs, X, y = _fitted_pair(solver)
    coefs, intercepts = _new_weights()
    ours.coefs_ = coefs
    ours.intercepts_ = intercepts
    theirs.coefs_ = [c.copy() for c in coefs]
    theirs.intercepts_ = [b.copy() for b in intercepts]
    for _ in range(3):
        ours.partial_fit(X, y)
        theirs.partial_fit(X, y)
        assert_weights_close(ours, theirs)
    # And it really started from the assigned weights.
    fresh, _, _, _ = _fitted_pair(solver)
    for _ in range(3):
        fresh.partial_fit(X, y)
    assert not np.allclose(fresh.coefs_[0], ours.coefs_[0])


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_continues_from_assigned_weights_like_mlpregressor(solver):
    ours, theirs, X, y = _fitted_pair(solver, warm_start=True)
    coefs, intercepts = _new_weights()
    ours.coefs_[1] = coefs[1]
    ours.intercepts_[0] = intercepts[0]
    theirs.coefs_[1] = coefs[1].copy()
    theirs.intercepts_[0] = intercepts[0].copy()
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_weights_close(ours, theirs)


def test_coefs_are_not_available_before_fit():
    est = BackpropRegressor()
    assert not hasattr(est, "coefs_")
    assert not hasattr(est, "intercepts_")
