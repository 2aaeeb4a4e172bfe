"""BackpropRegressor reaches MLPRegressor's weights, step for step.

For equal parameters and an integer ``random_state`` both estimators draw the
same initial weights, minibatches and early-stopping split, and apply the same
updates, so every fitted attribute agrees up to rounding (in practice they
are bit-identical for the squared error). The only intended difference with
several outputs is the loss's scale: ours sums over the outputs, MLPRegressor
averages (README, difference 1), while the gradients agree.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import estimator_data
from numpy.testing import assert_allclose
from sklearn.neural_network import MLPRegressor

from skmlp import BackpropRegressor

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.mlp_reference,
]

RTOL = 1e-10


def _close(actual, desired, what):
    desired = np.asarray(desired, dtype=np.float64)
    scale = max(np.abs(desired).max(initial=0.0), 1.0)
    assert_allclose(actual, desired, rtol=RTOL, atol=1e-12 * scale, err_msg=what)


def assert_same_weights(ours, theirs):
    assert len(ours.coefs_) == len(theirs.coefs_)
    for i, (a, b) in enumerate(zip(ours.coefs_, theirs.coefs_, strict=True)):
        assert a.shape == b.shape
        _close(a, b, f"coefs_[{i}]")
    for i, (a, b) in enumerate(zip(ours.intercepts_, theirs.intercepts_, strict=True)):
        assert a.shape == b.shape
        _close(a, b, f"intercepts_[{i}]")


def assert_same_fit(ours, theirs, X, loss_factor=1):
    """Every fitted attribute agrees; ``loss_factor`` scales MLPRegressor's loss."""
    assert_same_weights(ours, theirs)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.n_outputs_ == theirs.n_outputs_
    assert ours.n_layers_ == theirs.n_layers_
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_features_in_ == theirs.n_features_in_
    _close(ours.loss_, loss_factor * theirs.loss_, "loss_")
    if hasattr(theirs, "loss_curve_"):  # MLPRegressor keeps none for lbfgs
        assert len(ours.loss_curve_) == len(theirs.loss_curve_)
        _close(ours.loss_curve_, loss_factor * np.array(theirs.loss_curve_), "curve")
        assert ours.t_ == theirs.t_
    if theirs.solver != "lbfgs":
        if theirs.early_stopping:
            assert ours.best_loss_ is None
            assert len(ours.validation_scores_) == len(theirs.validation_scores_)
            _close(ours.validation_scores_, theirs.validation_scores_, "val scores")
            _close(
                ours.best_validation_score_, theirs.best_validation_score_, "best val"
            )
        else:
            assert ours.validation_scores_ is None
            assert ours.best_validation_score_ is None
            _close(ours.best_loss_, loss_factor * theirs.best_loss_, "best_loss_")
    _close(ours.predict(X), theirs.predict(X), "predict")


def _pair(**params):
    return BackpropRegressor(**params), MLPRegressor(**params)


BASE = {"hidden_layer_sizes": (5,), "random_state": 1, "learning_rate_init": 0.01}


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_same_fit_as_mlpregressor(solver, activation, loss):
    X, y, counts, _ = estimator_data(counts=True)
    target = counts if loss == "poisson" else y
    ours, theirs = _pair(
        **BASE, solver=solver, activation=activation, loss=loss, max_iter=25
    )
    ours.fit(X, target)
    theirs.fit(X, target)
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_same_fit_with_sample_weights_and_two_hidden_layers(solver, loss):
    X, y, counts, sample_weight = estimator_data(counts=True)
    target = counts if loss == "poisson" else y
    params = dict(BASE, hidden_layer_sizes=(6, 3), solver=solver, loss=loss)
    ours, theirs = _pair(**params, activation="tanh", alpha=0.05, max_iter=25)
    ours.fit(X, target, sample_weight=sample_weight)
    theirs.fit(X, target, sample_weight=sample_weight)
    assert_same_fit(ours, theirs, X)


def test_sample_weights_matter():
    # The weighted parity test above must not pass by ignoring the weights.
    X, y, _, sample_weight = estimator_data(counts=True)
    params = dict(BASE, solver="lbfgs", max_iter=25)
    weighted = BackpropRegressor(**params).fit(X, y, sample_weight=sample_weight)
    unweighted = BackpropRegressor(**params).fit(X, y)
    assert not np.allclose(weighted.coefs_[0], unweighted.coefs_[0])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_same_early_stopping(solver, weighted):
    X, y, _, sample_weight = estimator_data(n_samples=100, counts=True)
    sw = sample_weight[:100] if weighted else None
    ours, theirs = _pair(
        **dict(BASE, learning_rate_init=0.03),
        solver=solver,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        tol=1e-3,
        max_iter=300,
    )
    ours.fit(X, y, sample_weight=sw)
    theirs.fit(X, y, sample_weight=sw)
    # The test is only meaningful if early stopping stopped the fit and the
    # best weights are not those of the last epoch.
    assert theirs.n_iter_ < 300
    assert np.argmax(theirs.validation_scores_) < theirs.n_iter_ - 1
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_multioutput_trajectory_matches_with_summed_loss(solver):
    X, Y, _, _ = estimator_data(n_outputs=3, counts=True)
    ours, theirs = _pair(**BASE, solver=solver, alpha=0.0, batch_size=16)
    for _ in range(4):
        ours.partial_fit(X, Y)
        theirs.partial_fit(X, Y)
        # Same gradients, so the same weights after every epoch; the loss is
        # summed over the 3 outputs instead of averaged.
        assert_same_fit(ours, theirs, X, loss_factor=3)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_multioutput_fits_with_max_iter_k_match(solver):
    X, Y, _, _ = estimator_data(n_outputs=2, counts=True)
    for max_iter in (1, 3, 6):
        ours, theirs = _pair(**BASE, solver=solver, alpha=0.0, max_iter=max_iter)
        ours.fit(X, Y)
        theirs.fit(X, Y)
        assert_same_fit(ours, theirs, X, loss_factor=2)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_multioutput_loss_with_l2_term(solver):
    # With alpha > 0 only the data term is summed: ours - L2 == 2 (theirs - L2).
    X, Y, _, _ = estimator_data(n_outputs=2, counts=True)
    ours, theirs = _pair(**BASE, solver=solver, alpha=0.5, batch_size=len(X))
    ours.partial_fit(X, Y)
    theirs.partial_fit(X, Y)
    # One full batch per epoch: the next epoch's loss is taken at these weights.
    l2 = 0.5 * 0.5 * sum((c**2).sum() for c in ours.coefs_) / len(X)
    ours.partial_fit(X, Y)
    theirs.partial_fit(X, Y)
    assert_same_weights(ours, theirs)
    assert ours.loss_ - l2 > 0
    _close(ours.loss_ - l2, 2 * (theirs.loss_ - l2), "data term")


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_same_fit_on_sparse_input(solver, fmt):
    X, y, _, _ = estimator_data(counts=True)
    X[np.abs(X) < 0.8] = 0.0
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    ours, theirs = _pair(**BASE, solver=solver, max_iter=15)
    ours.fit(X_sparse, y)
    theirs.fit(X_sparse, y)
    assert_same_fit(ours, theirs, X_sparse)
    _close(ours.predict(X_sparse), ours.predict(X), "sparse vs dense predict")


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_same_warm_start_refits(solver):
    X, y, _, _ = estimator_data(n_samples=80, counts=True)
    ours, theirs = _pair(**BASE, solver=solver, warm_start=True, max_iter=8)
    for rows in (slice(0, 80), slice(0, 50), slice(30, 80)):
        ours.fit(X[rows], y[rows])
        theirs.fit(X[rows], y[rows])
        assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize(
    ("solver", "schedule"),
    [
        ("sgd", "constant"),
        ("sgd", "invscaling"),
        ("sgd", "adaptive"),
        ("adam", "constant"),
    ],
)
def test_same_partial_fit_sequence(solver, schedule):
    X, y, _, sample_weight = estimator_data(n_samples=80, counts=True)
    # n_iter_no_change=1 and a large tol make the adaptive schedule divide its
    # rate by 5 every other call, so the schedule really acts.
    ours, theirs = _pair(
        **BASE,
        solver=solver,
        learning_rate=schedule,
        batch_size=20,
        n_iter_no_change=1,
        tol=0.5,
    )
    for i in range(6):
        rows = slice(0, 80) if i % 2 == 0 else slice(20, 60)
        ours.partial_fit(X[rows], y[rows], sample_weight=sample_weight[rows])
        theirs.partial_fit(X[rows], y[rows], sample_weight=sample_weight[rows])
        assert_same_fit(ours, theirs, X)
    if schedule == "adaptive":
        # The schedule acted: a constant rate ends elsewhere.
        constant = BackpropRegressor(**ours.get_params()).set_params(
            learning_rate="constant"
        )
        for i in range(6):
            rows = slice(0, 80) if i % 2 == 0 else slice(20, 60)
            constant.partial_fit(X[rows], y[rows], sample_weight=sample_weight[rows])
        assert not np.allclose(constant.coefs_[0], ours.coefs_[0])


@pytest.mark.parametrize("nesterovs_momentum", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_same_sgd_momentum(nesterovs_momentum, momentum):
    X, y, _, _ = estimator_data(counts=True)
    ours, theirs = _pair(
        **BASE,
        solver="sgd",
        momentum=momentum,
        nesterovs_momentum=nesterovs_momentum,
        max_iter=15,
    )
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch_size", [7, 25, "auto"])
def test_same_minibatches(solver, shuffle, batch_size):
    X, y, _, _ = estimator_data(counts=True)
    ours, theirs = _pair(
        **BASE, solver=solver, shuffle=shuffle, batch_size=batch_size, max_iter=8
    )
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_same_stopping_on_a_training_loss_plateau(solver):
    X, y, _, _ = estimator_data(counts=True)
    ours, theirs = _pair(
        **BASE, solver=solver, n_iter_no_change=2, tol=1e-2, max_iter=500
    )
    ours.fit(X, y)
    theirs.fit(X, y)
    assert theirs.n_iter_ < 500  # stopped on the plateau, not at max_iter
    assert_same_fit(ours, theirs, X)


def test_same_sgd_adaptive_fit_until_the_rate_is_too_small():
    X, y, _, _ = estimator_data(counts=True)
    ours, theirs = _pair(
        **BASE,
        solver="sgd",
        learning_rate="adaptive",
        n_iter_no_change=2,
        tol=1e-2,
        max_iter=500,
    )
    ours.fit(X, y)
    theirs.fit(X, y)
    assert theirs.n_iter_ < 500
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_same_fit_without_hidden_layers(solver):
    X, y, _, _ = estimator_data(counts=True)
    ours, theirs = _pair(**dict(BASE, hidden_layer_sizes=()), solver=solver)
    ours.set_params(max_iter=10)
    theirs.set_params(max_iter=10)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.n_layers_ == 2
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_poisson_fit_is_bit_identical(solver):
    # With the exponential output the Poisson loss gives dL/dz = y_hat - y,
    # MLPRegressor's own expression, instead of dL/dy_hat * y_hat, which
    # rounds differently: the weights agree to the last bit.
    X, _, counts, sample_weight = estimator_data(counts=True)
    params = dict(BASE, hidden_layer_sizes=(6, 3), solver=solver, loss="poisson")
    ours, theirs = _pair(**params, activation="tanh", alpha=0.05, max_iter=25)
    ours.fit(X, counts, sample_weight=sample_weight)
    theirs.fit(X, counts, sample_weight=sample_weight)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
