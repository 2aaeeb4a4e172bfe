"""A failed or interrupted call leaves a consistent model; warm starts continue.

Divergence puts back the estimator as it was before the call; Ctrl-C keeps
the last completed epoch (with the optimizer state that goes with it); a warm
start with early stopping keeps the best weights (README, difference 5); and
changing the solver or early stopping between calls continues from the
weights.
"""

import copy
import tracemalloc
import warnings

import numpy as np
import pytest
from _helpers import (
    SOLVERS,
    STOCHASTIC,
    assert_same,
    assert_weights_equal,
    estimator_data,
    interrupt_on_call,
    weights,
)
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from skmlp import BackpropRegressor


def _state(est, X, y):
    """Everything public the estimator holds, and where it goes next.

    The public attributes (hyperparameters and fitted attributes), the
    weights, and the weights after one more partial_fit on a copy, which
    also depend on the optimizer's state (momentum, Adam's moments).
    """
    state = {k: copy.deepcopy(v) for k, v in vars(est).items() if k[0] != "_"}
    state["coefs_"] = copy.deepcopy(est.coefs_)
    state["intercepts_"] = copy.deepcopy(est.intercepts_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        state["next"] = copy.deepcopy(est).partial_fit(X, y).theta_.copy()
    return state


# -- difference 5: warm start with early stopping restores the best weights -----


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_warm_start_early_stopping_that_never_improves_restores_best(solver):
    X, y = estimator_data(n_samples=100)
    est = BackpropRegressor(
        hidden_layer_sizes=(8,),
        solver=solver,
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    best_weights = weights(est)
    best_score = est.best_validation_score_
    best_predictions = est.predict(X)
    n_scores = len(est.validation_scores_)
    assert est.n_iter_ < 300  # early stopping ended the first fit

    # A huge learning rate: every epoch of the refit is worse than the best.
    est.set_params(
        warm_start=True, learning_rate_init=5.0, n_iter_no_change=3, max_iter=6
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        est.fit(X, y)
    new_scores = est.validation_scores_[n_scores:]
    assert len(new_scores) >= 1
    assert all(not score > best_score for score in new_scores)
    assert est.best_validation_score_ == best_score
    assert_weights_equal(weights(est), best_weights)
    assert_array_equal(est.predict(X), best_predictions)


# -- divergence -------------------------------------------------------------------

DIVERGING = {
    "sgd": {
        "solver": "sgd",
        "learning_rate_init": 10.0,
        "max_iter": 50,
        "batch_size": 5,
    },
    "adam": {
        "solver": "adam",
        "learning_rate_init": 1e200,
        "max_iter": 50,
        "batch_size": 5,
    },
}


def _fit_diverging(est, X, y, method="fit"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflows
        with pytest.raises(ValueError, match=r"diverged|non-finite"):
            getattr(est, method)(X, y)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_divergence_raises_and_leaves_an_unfitted_estimator_unfitted(solver):
    X, y = estimator_data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), random_state=0, **DIVERGING[solver]
    )
    params = est.get_params()
    _fit_diverging(est, X, y * 1e6)
    assert not hasattr(est, "coefs_")
    assert not hasattr(est, "n_features_in_")
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert vars(est).keys() == params.keys()
    assert est.get_params() == params


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_divergence_keeps_the_previous_fit(solver):
    X, y = estimator_data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        learning_rate_init=0.01,
        max_iter=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        est.partial_fit(X, y)
    params = est.get_params()
    before = _state(est, X, y)
    predictions = est.predict(X)

    est.set_params(warm_start=True, **DIVERGING[solver])
    _fit_diverging(est, X, y * 1e6)
    _fit_diverging(est, X, y * 1e6, method="partial_fit")
    est.set_params(warm_start=False)
    _fit_diverging(est, X, y * 1e6)

    est.set_params(**params)
    assert_same(_state(est, X, y), before)
    assert_array_equal(est.predict(X), predictions)


# -- Ctrl-C -------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_ctrl_c_keeps_the_last_completed_epoch(monkeypatch, solver):
    X, y = estimator_data()
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "batch_size": 20,  # 3 minibatches an epoch
        "learning_rate_init": 0.01,
        "max_iter": 50,
        "random_state": 0,
    }
    calls = interrupt_on_call(monkeypatch, 8)  # in the 3rd epoch's 2nd batch
    est = BackpropRegressor(**params)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        assert est.fit(X, y) is est
    assert calls["count"] == 8
    monkeypatch.undo()

    if solver == "lbfgs":
        assert 0 < est.n_iter_ < 8
    else:
        assert est.n_iter_ == 2
        assert est.t_ == 2 * len(X)
    assert len(est.loss_curve_) == est.n_iter_
    assert np.isfinite(est.loss_)
    predictions = est.predict(X)
    assert np.isfinite(predictions).all()

    # The weights are exactly those of a fit that stopped after those epochs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = BackpropRegressor(**{**params, "max_iter": est.n_iter_}).fit(X, y)
    assert_weights_equal(weights(est), weights(reference))
    assert_array_equal(predictions, reference.predict(X))
    assert est.loss_curve_ == reference.loss_curve_
    if solver != "lbfgs":
        # The optimizer state is that epoch's too: training continues alike.
        est.partial_fit(X, y)
        reference.partial_fit(X, y)
        assert_weights_equal(weights(est), weights(reference))


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_ctrl_c_during_partial_fit_keeps_the_weights_before_the_call(
    monkeypatch, solver
):
    X, y = estimator_data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, batch_size=20, random_state=0
    )
    est.partial_fit(X, y)
    before = weights(est)
    interrupt_on_call(monkeypatch, 2)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.partial_fit(X, y)
    assert_weights_equal(weights(est), before)
    assert np.isfinite(est.predict(X)).all()


def test_ctrl_c_before_the_first_lbfgs_iteration_keeps_the_initial_weights(
    monkeypatch,
):
    X, y = estimator_data()
    params = {"hidden_layer_sizes": (5,), "solver": "lbfgs", "random_state": 0}
    interrupt_on_call(monkeypatch, 1)
    est = BackpropRegressor(**params)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.fit(X, y)
    monkeypatch.undo()
    assert est.n_iter_ == 0
    # The initial weights are those of every solver for this seed.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        tiny_step = BackpropRegressor(
            hidden_layer_sizes=(5,),
            solver="adam",
            learning_rate_init=1e-300,
            max_iter=1,
            random_state=0,
        ).fit(X, y)
    assert_weights_equal(weights(est), weights(tiny_step))
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("where", ["training", "validation"])
def test_ctrl_c_with_early_stopping_leaves_a_consistent_model(monkeypatch, where):
    # Ctrl-C may land while a minibatch trains or while the epoch's validation
    # score is computed. Either way the model must be exactly that of a fit
    # stopped after the epochs it reports (n_iter_).
    X, y = estimator_data(n_samples=100)
    params = {
        "hidden_layer_sizes": (5,),
        "solver": "adam",
        "early_stopping": True,
        "learning_rate_init": 0.01,
        "max_iter": 50,
        "random_state": 0,
    }
    if where == "training":
        interrupt_on_call(monkeypatch, 3)  # the 3rd epoch (one batch each)
    else:
        interrupt_on_call(monkeypatch, 3, "predict")  # the 3rd epoch's validation
    est = BackpropRegressor(**params)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.fit(X, y)
    monkeypatch.undo()

    assert est.n_iter_ == len(est.loss_curve_)
    assert len(est.validation_scores_) == est.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = BackpropRegressor(**{**params, "max_iter": est.n_iter_}).fit(X, y)
    assert est.t_ == reference.t_
    assert est.loss_curve_ == reference.loss_curve_
    assert est.validation_scores_ == reference.validation_scores_
    assert est.best_validation_score_ == reference.best_validation_score_
    assert_weights_equal(weights(est), weights(reference))


# -- continuing after changing the solver or early stopping ---------------------------


def _tiny_step(**params):
    """Parameters whose one epoch moves no weight: lr 1e-300 rounds away."""
    return {"learning_rate_init": 1e-300, "max_iter": 1, **params}


def _fit_quietly(est, X, y, method="fit"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(est, method)(X, y)


def _five_epochs(n_samples=60, **params):
    """A (5,) network fitted for 5 epochs, and its data."""
    X, y = estimator_data(n_samples=n_samples)
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), max_iter=5, random_state=0, **params
    )
    return _fit_quietly(est, X, y), X, y


@pytest.mark.parametrize(
    ("first", "then"),
    [("lbfgs", "sgd"), ("lbfgs", "adam"), ("sgd", "adam"), ("adam", "sgd")],
)
def test_warm_start_after_changing_the_solver_continues_from_the_weights(first, then):
    # E.g. L-BFGS for a good start, then Adam to fine-tune: warm_start reuses
    # the previous solution (the weights) with the new solver.
    est, X, y = _five_epochs(solver=first)
    before = weights(est)
    est.set_params(warm_start=True, **_tiny_step(solver=then, max_fun=1))
    _fit_quietly(est, X, y)
    assert_weights_equal(weights(est), before)


@pytest.mark.parametrize(
    ("first", "then"), [("lbfgs", "sgd"), ("sgd", "adam"), ("adam", "sgd")]
)
def test_partial_fit_after_changing_the_solver_continues_from_the_weights(first, then):
    est, X, y = _five_epochs(solver=first)
    before = weights(est)
    est.set_params(**_tiny_step(solver=then))
    est.partial_fit(X, y)
    assert_weights_equal(weights(est), before)
    assert est.n_iter_ == 1


@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_warm_start_after_switching_early_stopping(solver, early_stopping):
    est, X, y = _five_epochs(100, solver=solver, early_stopping=early_stopping)
    before = weights(est)
    est.set_params(warm_start=True, **_tiny_step(early_stopping=not early_stopping))
    _fit_quietly(est, X, y)
    assert_weights_equal(weights(est), before)
    if early_stopping:  # switched off
        assert est.best_loss_ == est.loss_curve_[-1]
    else:  # switched on
        assert len(est.validation_scores_) == 1
        assert est.best_loss_ is None


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_a_continued_partial_fit_allocates_no_copy_of_the_weights(solver):
    # The snapshot that rollback needs copies into the previous call's arrays,
    # and the work buffers are kept: a stream of partial_fit calls allocates
    # nothing the size of theta (pickling a copy of the estimator first must
    # not take its buffers away).
    rng = np.random.RandomState(0)
    X, y = rng.randn(200, 20), rng.randn(200)
    est = BackpropRegressor((256, 256), solver=solver, random_state=0)
    for _ in range(3):
        est.partial_fit(X, y)
    reference = copy.deepcopy(est)
    tracemalloc.start()
    est.partial_fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < est.theta_.nbytes / 2
    # ... and computes what a fresh copy computes.
    reference.partial_fit(X, y)
    np.testing.assert_array_equal(est.theta_, reference.theta_)


@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("failure", ["ctrl-c", "divergence"])
def test_a_failed_call_in_a_partial_fit_stream_keeps_the_optimizer_state(
    monkeypatch, solver, failure
):
    # The snapshot of a call keeps the optimizer's moments without copying
    # them, and the calls of a stream alternate between two sets of arrays:
    # a call that fails after a few (so both sets are in use) must still
    # leave the moments of the call before, as the next call shows.
    X, y = estimator_data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, batch_size=20, random_state=0
    )
    for _ in range(3):
        est.partial_fit(X, y)
    reference = copy.deepcopy(est)
    before = _state(est, X, y)
    if failure == "ctrl-c":
        interrupt_on_call(monkeypatch, 2)  # the first step is taken
        with pytest.warns(UserWarning, match="Training interrupted by user."):
            est.partial_fit(X, y)
        monkeypatch.undo()
    else:
        params = est.get_params()
        est.set_params(**DIVERGING[solver])
        _fit_diverging(est, X, y * 1e6, method="partial_fit")
        est.set_params(**params)
    assert_same(_state(est, X, y), before)
    for _ in range(2):
        est.partial_fit(X, y)
        reference.partial_fit(X, y)
        assert_array_equal(est.theta_, reference.theta_)
