"""Behaviour of BackpropRegressor as an estimator.

The five documented differences from MLPRegressor (README, "How
BackpropRegressor differs"), progress output and warnings, divergence and
Ctrl-C, assigning weights, input types and seeding.
"""

import copy
import traceback
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.neural_network import MLPRegressor
from sklearn.utils.validation import check_is_fitted

from skmlp import BackpropRegressor
from skmlp._network import Network

ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)
STOCHASTIC = ["sgd", "adam"]
SOLVERS = ["lbfgs", "sgd", "adam"]


def _data(n_samples=60, n_features=4, n_outputs=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    Y = np.tanh(X @ rng.randn(n_features, n_outputs)) + 0.1 * rng.randn(
        n_samples, n_outputs
    )
    return X, (Y[:, 0] if n_outputs == 1 else Y)


def _weights(est):
    return [a.copy() for a in est.coefs_ + est.intercepts_]


def assert_weights_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype
        assert_array_equal(x, y)


def assert_weights_close(ours, theirs):
    """Our weights against MLPRegressor's (or a list of arrays), to rounding."""
    theirs = theirs if isinstance(theirs, list) else _weights(theirs)
    ours = ours if isinstance(ours, list) else _weights(ours)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert_allclose(a, b, rtol=1e-10, atol=1e-13)


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


def assert_same_state(actual, expected):
    assert actual.keys() == expected.keys()
    for key in expected:
        _assert_equal_values(actual[key], expected[key], key)


def _assert_equal_values(a, b, where):
    if isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray), where
        assert a.dtype == b.dtype, where
        assert_array_equal(a, b, err_msg=where)
    elif isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in b:
            _assert_equal_values(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(b, list | tuple):
        assert type(a) is type(b), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_equal_values(x, y, f"{where}[{i}]")
    elif isinstance(b, float) and np.isnan(b):
        assert np.isnan(a), where
    else:
        assert a == b, where


def _summed_loss(est, X, Y, alpha):
    """Equation (3) from the predictions: summed over outputs, mean over samples."""
    residual = est.predict(X).reshape(len(X), -1) - Y.reshape(len(X), -1)
    l2 = 0.5 * alpha * sum((c**2).sum() for c in est.coefs_) / len(X)
    return 0.5 * (residual**2).sum(axis=1).mean() + l2


# -- difference 1: several outputs ---------------------------------------------


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_multioutput_loss_is_summed_over_outputs(solver):
    X, Y = _data(n_outputs=3)
    alpha = 0.1
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        alpha=alpha,
        batch_size=len(X),  # one step per epoch
        learning_rate_init=0.01,
        random_state=0,
    )
    est.partial_fit(X, Y)
    expected = _summed_loss(est, X, Y, alpha)  # at the weights of the next epoch
    est.partial_fit(X, Y)
    assert_allclose(est.loss_, expected, rtol=1e-12)
    assert_allclose(est.loss_curve_[-1], expected, rtol=1e-12)


def _finite_difference_grad_of_summed_loss(est, X, Y, alpha, h=1e-6):
    coefs = [c.copy() for c in est.coefs_]
    intercepts = [b.copy() for b in est.intercepts_]

    def loss():
        a = X
        for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
            a = a @ W + b
            if i < len(coefs) - 1:
                a = np.tanh(a)
        l2 = 0.5 * alpha * sum((W**2).sum() for W in coefs) / len(X)
        return 0.5 * ((a - Y) ** 2).sum(axis=1).mean() + l2

    grad = []
    for array in coefs + intercepts:
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + h
            plus = loss()
            array[index] = old - h
            minus = loss()
            array[index] = old
            grad.append((plus - minus) / (2 * h))
    return np.array(grad)


def test_lbfgs_multioutput_minimises_the_summed_loss():
    X, Y = _data(n_samples=50, n_features=3, n_outputs=3)
    Y[:, 1] = X[:, 1] * X[:, 2]
    alpha = 0.1
    est = BackpropRegressor(
        hidden_layer_sizes=(3,),
        activation="tanh",
        solver="lbfgs",
        alpha=alpha,
        tol=1e-5,
        max_iter=1000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, Y)  # converges: its loss and gradient agree
    assert est.n_iter_ < 1000
    # loss_ is the summed loss at the final weights ...
    assert_allclose(est.loss_, _summed_loss(est, X, Y, alpha), rtol=1e-12)
    assert_allclose(est.loss_curve_[-1], est.loss_, rtol=1e-12)
    # ... and those weights are a stationary point of that summed loss.
    grad = _finite_difference_grad_of_summed_loss(est, X, Y, alpha)
    assert np.abs(grad).max() < 1e-3


# -- difference 2: no partial_fit for L-BFGS ------------------------------------


def test_lbfgs_has_no_partial_fit():
    est = BackpropRegressor(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError) as excinfo:
        est.partial_fit(*_data())
    # What the user sees in the traceback says why.
    shown = "".join(traceback.format_exception(excinfo.value))
    assert "stochastic" in shown
    assert "lbfgs" in shown


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stochastic_solvers_have_partial_fit(solver):
    est = BackpropRegressor(hidden_layer_sizes=(3,), solver=solver, random_state=0)
    assert hasattr(est, "partial_fit")
    est.partial_fit(*_data())
    assert est.n_iter_ == 1
    # Switching the solver to lbfgs hides it again.
    est.set_params(solver="lbfgs")
    assert not hasattr(est, "partial_fit")


# -- difference 3: float32 ----------------------------------------------------


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_input_keeps_float32(solver):
    X, y = _data()
    X32 = X.astype(np.float32)
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, max_iter=10, random_state=0
    )
    est.fit(X32, y)
    assert all(c.dtype == np.float32 for c in est.coefs_)
    assert all(b.dtype == np.float32 for b in est.intercepts_)
    assert est.predict(X32).dtype == np.float32
    assert np.isfinite(est.predict(X32)).all()
    # And close to the float64 fit (same seed, same draws).
    est64 = BackpropRegressor(**est.get_params()).fit(X, y)
    assert_allclose(est.predict(X32), est64.predict(X), rtol=1e-3, atol=1e-3)
    if solver != "lbfgs":
        est.partial_fit(X32, y)
        assert est.coefs_[0].dtype == np.float32


# -- difference 4: Poisson with negative targets --------------------------------


def test_poisson_with_negative_targets_raises():
    X, y = _data()
    y = np.abs(y)
    y[3] = -0.5
    est = BackpropRegressor(loss="poisson", solver="lbfgs", random_state=0)
    with pytest.raises(ValueError, match="negative"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")
    with pytest.raises(ValueError, match="negative"):
        BackpropRegressor(loss="poisson", solver="sgd").partial_fit(X, y)


@ignore_convergence
def test_poisson_accepts_zero_targets():
    X, y = _data()
    counts = np.floor(np.abs(3 * y))
    assert (counts == 0).any()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), loss="poisson", solver="lbfgs", random_state=0
    ).fit(X, counts)
    assert est.out_activation_ == "exp"
    assert (est.predict(X) > 0).all()
    assert np.isfinite(est.loss_)


# -- difference 5: warm start with early stopping restores the best weights -----


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_warm_start_early_stopping_that_never_improves_restores_best(solver):
    X, y = _data(n_samples=100)
    est = BackpropRegressor(
        hidden_layer_sizes=(8,),
        solver=solver,
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    best_weights = _weights(est)
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
    assert_weights_equal(_weights(est), best_weights)
    assert_array_equal(est.predict(X), best_predictions)


# -- verbose output ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected_line"),
    [
        (
            {
                "solver": "sgd",
                "learning_rate": "adaptive",
                "n_iter_no_change": 2,
                "tol": 1e-2,
                "max_iter": 500,
            },
            "Setting learning rate to",
        ),
        (
            {
                "solver": "adam",
                "early_stopping": True,
                "validation_fraction": 0.2,
                "n_iter_no_change": 3,
                "tol": 1e-3,
                "learning_rate_init": 0.03,
                "max_iter": 300,
            },
            "Validation score did not improve",
        ),
    ],
    ids=["sgd-adaptive", "adam-early-stopping"],
)
def test_verbose_prints_what_mlpregressor_prints(capsys, params, expected_line):
    X, y = _data(n_samples=100)
    common = {"hidden_layer_sizes": (5,), "random_state": 1, "verbose": True}
    common.setdefault("learning_rate_init", 0.01)
    params = {**common, **params}
    MLPRegressor(**params).fit(X, y)
    theirs = capsys.readouterr().out
    BackpropRegressor(**params).fit(X, y)
    ours = capsys.readouterr().out
    assert expected_line in theirs
    assert "Iteration 1, loss = " in theirs
    assert ours == theirs


def test_not_verbose_prints_nothing(capsys):
    for solver in SOLVERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            BackpropRegressor(hidden_layer_sizes=(3,), solver=solver, max_iter=3).fit(
                *_data()
            )
    assert capsys.readouterr().out == ""


# -- ConvergenceWarning -------------------------------------------------------------


def _convergence_messages(est, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return [str(w.message) for w in caught if w.category is ConvergenceWarning]


@pytest.mark.mlp_reference
@pytest.mark.parametrize("solver", SOLVERS)
def test_convergence_warning_at_max_iter_is_mlpregressors(solver):
    X, y = _data()
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "max_iter": 3,
        "random_state": 0,
    }
    ours = _convergence_messages(BackpropRegressor(**params), X, y)
    theirs = _convergence_messages(MLPRegressor(**params), X, y)
    assert len(theirs) == 1
    assert ours == theirs


def test_no_convergence_warning_when_converged():
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        BackpropRegressor(
            hidden_layer_sizes=(5,),
            solver="adam",
            learning_rate_init=0.01,
            tol=1e-2,
            max_iter=500,
            random_state=0,
        ).fit(X, y)


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
    X, y = _data()
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
    X, y = _data()
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
    assert_same_state(_state(est, X, y), before)
    assert_array_equal(est.predict(X), predictions)


# -- Ctrl-C -------------------------------------------------------------------------


def _interrupt_on_call(monkeypatch, n, method="loss_and_grad"):
    """Make the n-th call of Network.<method> raise KeyboardInterrupt."""
    original = getattr(Network, method)
    calls = {"count": 0}

    def interrupting(self, *args, **kwargs):
        calls["count"] += 1
        if calls["count"] == n:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, method, interrupting)
    return calls


@pytest.mark.parametrize("solver", SOLVERS)
def test_ctrl_c_keeps_the_last_completed_epoch(monkeypatch, solver):
    X, y = _data()
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "batch_size": 20,  # 3 minibatches an epoch
        "learning_rate_init": 0.01,
        "max_iter": 50,
        "random_state": 0,
    }
    calls = _interrupt_on_call(monkeypatch, 8)  # in the 3rd epoch's 2nd batch
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
    assert_weights_equal(_weights(est), _weights(reference))
    assert_array_equal(predictions, reference.predict(X))
    assert est.loss_curve_ == reference.loss_curve_
    if solver != "lbfgs":
        # The optimizer state is that epoch's too: training continues alike.
        est.partial_fit(X, y)
        reference.partial_fit(X, y)
        assert_weights_equal(_weights(est), _weights(reference))


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_ctrl_c_during_partial_fit_keeps_the_weights_before_the_call(
    monkeypatch, solver
):
    X, y = _data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, batch_size=20, random_state=0
    )
    est.partial_fit(X, y)
    before = _weights(est)
    _interrupt_on_call(monkeypatch, 2)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.partial_fit(X, y)
    assert_weights_equal(_weights(est), before)
    assert np.isfinite(est.predict(X)).all()


def test_ctrl_c_before_the_first_lbfgs_iteration_keeps_the_initial_weights(
    monkeypatch,
):
    X, y = _data()
    params = {"hidden_layer_sizes": (5,), "solver": "lbfgs", "random_state": 0}
    _interrupt_on_call(monkeypatch, 1)
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
    assert_weights_equal(_weights(est), _weights(tiny_step))
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("where", ["training", "validation"])
def test_ctrl_c_with_early_stopping_leaves_a_consistent_model(monkeypatch, where):
    # Ctrl-C may land while a minibatch trains or while the epoch's validation
    # score is computed. Either way the model must be exactly that of a fit
    # stopped after the epochs it reports (n_iter_).
    X, y = _data(n_samples=100)
    params = {
        "hidden_layer_sizes": (5,),
        "solver": "adam",
        "early_stopping": True,
        "learning_rate_init": 0.01,
        "max_iter": 50,
        "random_state": 0,
    }
    if where == "training":
        _interrupt_on_call(monkeypatch, 3)  # the 3rd epoch (one batch each)
    else:
        _interrupt_on_call(monkeypatch, 3, "predict")  # the 3rd epoch's validation
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
    assert_weights_equal(_weights(est), _weights(reference))


# -- assigning coefs_ and intercepts_ ---------------------------------------------


def _fitted_pair(solver, **params):
    X, y = _data()
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
    before = _weights(ours)
    with pytest.raises(ValueError, match=r"shape"):
        ours.coefs_[0] = np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"shape"):
        ours.intercepts_[0] = np.zeros(4)
    with pytest.raises(ValueError, match=r"2"):
        ours.coefs_ = [np.zeros((4, 5))]
    with pytest.raises(ValueError, match=r"2"):
        ours.intercepts_ = [np.zeros(5), np.zeros(1), np.zeros(1)]
    assert_weights_equal(_weights(ours), before)


def test_assigning_a_list_with_one_wrong_shape_changes_nothing():
    # A failed assignment must not leave the model half-updated: the first
    # layer has a valid shape, the second does not.
    ours, _, X, _ = _fitted_pair("sgd")
    before = _weights(ours)
    predictions = ours.predict(X)
    with pytest.raises(ValueError, match=r"shape"):
        ours.coefs_ = [np.zeros((4, 5)), np.zeros((3, 1))]
    assert_weights_equal(_weights(ours), before)
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


# -- input types ---------------------------------------------------------------------


@ignore_convergence
def test_dataframe_input_sets_feature_names():
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0}
    est = BackpropRegressor(**params).fit(df, pd.Series(y))
    assert_array_equal(est.feature_names_in_, ["a", "b", "c", "d"])
    assert est.n_features_in_ == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no feature-name warning
        predictions = est.predict(df)
    assert_array_equal(predictions, BackpropRegressor(**params).fit(X, y).predict(X))
    assert not hasattr(BackpropRegressor(**params).fit(X, y), "feature_names_in_")


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_1d_and_2d_targets(solver):
    X, Y = _data(n_outputs=2)
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "max_iter": 5,
        "random_state": 0,
    }
    one = BackpropRegressor(**params).fit(X, Y[:, 0])
    assert one.n_outputs_ == 1
    assert one.predict(X).shape == (len(X),)
    two = BackpropRegressor(**params).fit(X, Y)
    assert two.n_outputs_ == 2
    assert two.coefs_[-1].shape == (5, 2)
    assert two.predict(X).shape == (len(X), 2)


@ignore_convergence
def test_column_vector_y_warns_like_mlpregressor():
    X, y = _data()
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0}
    with pytest.warns(DataConversionWarning) as ours:
        est = BackpropRegressor(**params).fit(X, y[:, None])
    with pytest.warns(DataConversionWarning) as theirs:
        MLPRegressor(**params).fit(X, y[:, None])
    messages = [str(w.message) for w in ours if w.category is DataConversionWarning]
    expected = [str(w.message) for w in theirs if w.category is DataConversionWarning]
    assert messages == expected
    assert est.n_outputs_ == 1
    assert est.predict(X).shape == (len(X),)
    assert_array_equal(est.predict(X), BackpropRegressor(**params).fit(X, y).predict(X))


@ignore_convergence
@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool])
def test_int_and_bool_input(dtype):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 3, size=(40, 3)).astype(dtype)
    y = X.sum(axis=1).astype(np.float64)
    params = {"hidden_layer_sizes": (4,), "max_iter": 5, "random_state": 0}
    est = BackpropRegressor(**params).fit(X, y)
    reference = BackpropRegressor(**params).fit(X.astype(np.float64), y)
    assert est.coefs_[0].dtype == np.float64
    assert_array_equal(est.predict(X), reference.predict(X.astype(np.float64)))


def test_integer_targets_are_regression_targets():
    X, y = _data()
    y_int = np.round(3 * y).astype(int)
    est = BackpropRegressor(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0)
    est.fit(X, y_int)
    assert est.predict(X).dtype == np.float64


# -- seeding ---------------------------------------------------------------------------


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_every_fit_reseeds_from_an_integer_random_state(solver):
    X, y = _data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=5,
        early_stopping=solver != "lbfgs",
        random_state=0,
    )
    first = _weights(est.fit(X, y))
    second = _weights(est.fit(X, y))
    assert_weights_equal(second, first)
    if solver != "lbfgs":
        est.set_params(early_stopping=False)
        a = _weights(clone_of(est).partial_fit(X, y).partial_fit(X, y))
        b = _weights(clone_of(est).partial_fit(X, y).partial_fit(X, y))
        assert_weights_equal(a, b)


def clone_of(est):
    return BackpropRegressor(**est.get_params())


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_random_state_none_draws_from_numpys_global_generator(solver):
    X, y = _data()
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "max_iter": 5,
        "random_state": None,
    }
    np.random.seed(12)  # noqa: NPY002 (the global generator is the point)
    ours = BackpropRegressor(**params).fit(X, y)
    np.random.seed(12)  # noqa: NPY002
    theirs = MLPRegressor(**params).fit(X, y)
    assert_weights_close(ours, theirs)
    # Without reseeding, the next fit draws other weights.
    again = BackpropRegressor(**params).fit(X, y)
    assert not np.allclose(again.coefs_[0], ours.coefs_[0])


@ignore_convergence
def test_random_state_instance_is_drawn_from_like_mlpregressor():
    X, y = _data()
    params = {"hidden_layer_sizes": (5,), "solver": "sgd", "max_iter": 3}
    ours = BackpropRegressor(**params, random_state=np.random.RandomState(4))
    theirs = MLPRegressor(**params, random_state=np.random.RandomState(4))
    first = _weights(ours.fit(X, y))
    theirs.fit(X, y)
    second = _weights(ours.fit(X, y))
    theirs.fit(X, y)
    assert not np.allclose(first[0], second[0])  # the generator moved on
    assert_weights_close(second, theirs)


# -- other documented behaviour -------------------------------------------------------


def test_lbfgs_records_a_loss_curve():
    X, y = _data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=500, random_state=0
    ).fit(X, y)
    assert len(est.loss_curve_) == est.n_iter_ > 1
    assert_allclose(est.loss_curve_[-1], est.loss_, rtol=1e-12)
    assert np.all(np.diff(est.loss_curve_) <= 0)  # the line search never goes up
    assert_allclose(est.loss_, _summed_loss(est, X, y, est.alpha), rtol=1e-12)


def test_only_two_positional_parameters():
    est = BackpropRegressor((7, 3), "tanh")
    assert est.hidden_layer_sizes == (7, 3)
    assert est.activation == "tanh"
    with pytest.raises(TypeError):
        BackpropRegressor((7,), "tanh", "poisson")


@pytest.mark.mlp_reference
def test_defaults_are_mlpregressors():
    ours = BackpropRegressor().get_params()
    theirs = MLPRegressor().get_params()
    assert {name: ours[name] for name in theirs} == theirs
    # The parameters MLPRegressor lacks default to its behaviour.
    assert {name: ours[name] for name in set(ours) - set(theirs)} == {
        "out_activation": None,
        "huber_delta": 1.0,
        "dropout": 0.0,
        "init": "glorot_uniform",
        "max_grad_norm": None,
        "scoring": None,
        "restore_best_weights": False,
        "standardize_y": False,
        "quantile": 0.5,
        "warmup_fraction": 0.0,
        "weight_decay": 0.0,
    }


# -- continuing after changing the solver or early stopping ---------------------------


def _tiny_step(**params):
    """Parameters whose one epoch moves no weight: lr 1e-300 rounds away."""
    return {"learning_rate_init": 1e-300, "max_iter": 1, **params}


@pytest.mark.parametrize(
    ("first", "then"),
    [("lbfgs", "sgd"), ("lbfgs", "adam"), ("sgd", "adam"), ("adam", "sgd")],
)
def test_warm_start_after_changing_the_solver_continues_from_the_weights(first, then):
    # E.g. L-BFGS for a good start, then Adam to fine-tune: warm_start reuses
    # the previous solution (the weights) with the new solver.
    X, y = _data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=first, max_iter=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        before = _weights(est)
        est.set_params(warm_start=True, **_tiny_step(solver=then, max_fun=1))
        est.fit(X, y)
    assert_weights_equal(_weights(est), before)


@pytest.mark.parametrize(
    ("first", "then"), [("lbfgs", "sgd"), ("sgd", "adam"), ("adam", "sgd")]
)
def test_partial_fit_after_changing_the_solver_continues_from_the_weights(first, then):
    X, y = _data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=first, max_iter=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    before = _weights(est)
    est.set_params(**_tiny_step(solver=then))
    est.partial_fit(X, y)
    assert_weights_equal(_weights(est), before)
    assert est.n_iter_ == 1


@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_warm_start_after_switching_early_stopping(solver, early_stopping):
    X, y = _data(n_samples=100)
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        early_stopping=early_stopping,
        max_iter=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        before = _weights(est)
        est.set_params(warm_start=True, **_tiny_step(early_stopping=not early_stopping))
        est.fit(X, y)
    assert_weights_equal(_weights(est), before)
    if early_stopping:  # switched off
        assert est.best_loss_ == est.loss_curve_[-1]
    else:  # switched on
        assert len(est.validation_scores_) == 1
        assert est.best_loss_ is None


def test_public_seams_network_theta_and_objective():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), rng.randn(30)
    est = BackpropRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with pytest.raises(NotFittedError):
        _ = est.theta_
    objective, theta0 = est.get_objective(X, y)
    assert theta0.dtype == np.float64
    assert theta0.shape == (3 * 4 + 4 + 4 + 1,)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.network_.layer_units == (3, 4, 1)
    assert not est.theta_.flags.writeable
    Ws, bs = est.network_.unpack(est.theta_)
    np.testing.assert_array_equal(Ws[0].T, est.coefs_[0])
    np.testing.assert_array_equal(bs[1], est.intercepts_[1])
    objective, theta = est.get_objective(X, y)
    np.testing.assert_array_equal(theta, est.theta_)
    loss, grad = objective(theta)
    assert grad.shape == theta.shape
    l2 = sum((W**2).sum() for W in est.coefs_) * est.alpha / (2 * len(X))
    expected = 0.5 * np.mean((est.predict(X) - y) ** 2) + l2
    assert loss == pytest.approx(expected, rel=1e-12)
