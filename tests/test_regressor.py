"""Behaviour of BackpropRegressor as an estimator: what the README documents.

Four of the five documented differences from MLPRegressor (README, "How
BackpropRegressor differs"), progress output and warnings, the defaults, and
the public seams ``network_``, ``theta_`` and ``get_objective``. The fifth
difference (warm start with early stopping) is in test_rollback.py, with
divergence, Ctrl-C and warm starts; assigning weights is in
test_assigning.py; input types and seeding in test_inputs.py.
"""

import traceback
import warnings

import numpy as np
import pytest
from _helpers import (
    SOLVERS,
    STOCHASTIC,
    estimator_data,
    ignore_convergence,
    numeric_grad,
)
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPRegressor

from skmlp import BackpropRegressor


def _summed_loss(est, X, Y, alpha):
    """Equation (3) from the predictions: summed over outputs, mean over samples."""
    residual = est.predict(X).reshape(len(X), -1) - Y.reshape(len(X), -1)
    l2 = 0.5 * alpha * sum((c**2).sum() for c in est.coefs_) / len(X)
    return 0.5 * (residual**2).sum(axis=1).mean() + l2


# -- difference 1: several outputs ---------------------------------------------


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_multioutput_loss_is_summed_over_outputs(solver):
    X, Y = estimator_data(n_outputs=3)
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
    """Finite differences of equation (3) over every weight and bias, in a row."""
    arrays = est.coefs_ + est.intercepts_
    n_coefs = len(est.coefs_)
    ends = np.cumsum([a.size for a in arrays])[:-1]

    def loss(flat):
        layers = [
            part.reshape(a.shape)
            for part, a in zip(np.split(flat, ends), arrays, strict=True)
        ]
        coefs, intercepts = layers[:n_coefs], layers[n_coefs:]
        a = X
        for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
            a = a @ W + b
            if i < len(coefs) - 1:
                a = np.tanh(a)
        l2 = 0.5 * alpha * sum((W**2).sum() for W in coefs) / len(X)
        return 0.5 * ((a - Y) ** 2).sum(axis=1).mean() + l2

    return numeric_grad(loss, np.concatenate([a.ravel() for a in arrays]), h)


def test_lbfgs_multioutput_minimises_the_summed_loss():
    X, Y = estimator_data(n_samples=50, n_features=3, n_outputs=3)
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
        est.partial_fit(*estimator_data())
    # What the user sees in the traceback says why.
    shown = "".join(traceback.format_exception(excinfo.value))
    assert "stochastic" in shown
    assert "lbfgs" in shown


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stochastic_solvers_have_partial_fit(solver):
    est = BackpropRegressor(hidden_layer_sizes=(3,), solver=solver, random_state=0)
    assert hasattr(est, "partial_fit")
    est.partial_fit(*estimator_data())
    assert est.n_iter_ == 1
    # Switching the solver to lbfgs hides it again.
    est.set_params(solver="lbfgs")
    assert not hasattr(est, "partial_fit")


# -- difference 3: float32 ----------------------------------------------------


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_input_keeps_float32(solver):
    X, y = estimator_data()
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
    X, y = estimator_data()
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
    X, y = estimator_data()
    counts = np.floor(np.abs(3 * y))
    assert (counts == 0).any()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), loss="poisson", solver="lbfgs", random_state=0
    ).fit(X, counts)
    assert est.out_activation_ == "exp"
    assert (est.predict(X) > 0).all()
    assert np.isfinite(est.loss_)


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
    X, y = estimator_data(n_samples=100)
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
                *estimator_data()
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
    X, y = estimator_data()
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
    X, y = estimator_data()
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


# -- other documented behaviour -------------------------------------------------------


def test_lbfgs_records_a_loss_curve():
    X, y = estimator_data()
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
        "numeric_embedding": None,
        "n_ensemble": 1,
    }


# -- public seams --------------------------------------------------------------


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
