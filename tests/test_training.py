"""The pieces of skmlp._training, each on its own, without an estimator.

The references are MLPRegressor's own code: its shuffling and batching, its
``_update_no_improvement_count`` and its ``verbose`` lines.
"""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.neural_network._multilayer_perceptron as sklearn_mlp
import sklearn.neural_network._stochastic_optimizers as sklearn_optimizers
from numpy.testing import assert_array_equal
from sklearn.neural_network import MLPRegressor
from sklearn.utils import gen_batches, shuffle

from skmlp._init import initial_theta
from skmlp._losses import CrossEntropy
from skmlp._network import Network
from skmlp._optimizers import SGD
from skmlp._training import (
    DIVERGENCE_FACTOR,
    DIVERGENCE_FLOOR,
    Diverged,
    EpochLosses,
    Minibatches,
    Monitor,
    Reporter,
    diverging,
    minimize_lbfgs,
    train_epoch,
    warn_interrupted,
)

# -- Minibatches -------------------------------------------------------------------


def _numbered_rows(n_samples=23, sparse=False):
    """Arrays whose rows say which sample they are."""
    X = np.arange(3 * n_samples, dtype=np.float64).reshape(n_samples, 3)
    X = sp.csr_matrix(X) if sparse else X
    y = np.arange(n_samples, dtype=np.float64)[:, None]
    return X, y, 0.5 * np.arange(n_samples)


def _mlpregressors_batches(arrays, batch_size, random_state, n_epochs):
    """The batches of _fit_stochastic: shuffle an arange, index each batch."""
    n_samples = arrays[0].shape[0]
    sample_idx = np.arange(n_samples, dtype=int)
    for _ in range(n_epochs):
        sample_idx = shuffle(sample_idx, random_state=random_state)
        yield [
            tuple(a[sample_idx[rows]] for a in arrays)
            for rows in gen_batches(n_samples, batch_size)
        ]


def _dense(a):
    return a.toarray() if sp.issparse(a) else a


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_minibatches_are_mlpregressors_over_several_epochs(sparse):
    arrays = _numbered_rows(sparse=sparse)
    ours_rng, theirs_rng = np.random.RandomState(7), np.random.RandomState(7)
    batches = Minibatches(arrays, 5, True, ours_rng)
    expected = _mlpregressors_batches(arrays, 5, theirs_rng, n_epochs=4)
    for epoch in expected:
        ours = list(batches.epoch())
        assert len(ours) == len(epoch) == 5  # the last batch has 3 rows
        for batch, reference in zip(ours, epoch, strict=True):
            for a, b in zip(batch, reference, strict=True):
                assert sp.issparse(a) == sp.issparse(b)
                assert_array_equal(_dense(a), _dense(b))
    # The same number of draws: what comes next from the generator agrees.
    assert ours_rng.randint(10**9) == theirs_rng.randint(10**9)


def test_minibatches_without_shuffle_are_slices_in_order_and_draw_nothing():
    X, y, sample_weight = _numbered_rows()
    rng = np.random.RandomState(0)
    batches = Minibatches((X, y, sample_weight), 10, False, rng)
    for _ in range(2):
        got = list(batches.epoch())
        assert [len(b[0]) for b in got] == [10, 10, 3]
        assert_array_equal(np.vstack([b[0] for b in got]), X)
        assert_array_equal(np.concatenate([b[2] for b in got]), sample_weight)
    assert rng.randint(10**9) == np.random.RandomState(0).randint(10**9)


def test_minibatches_keep_none_as_none():
    X, y, _ = _numbered_rows()
    batches = Minibatches((X, y, None), 4, True, np.random.RandomState(0))
    for _ in range(2):
        for _, _, sample_weight in batches.epoch():
            assert sample_weight is None


def test_minibatches_reuse_one_buffer_and_never_write_the_input():
    X, y, sample_weight = _numbered_rows()
    original = X.copy()
    batches = Minibatches((X, y, sample_weight), 23, True, np.random.RandomState(0))
    (first,) = batches.epoch()
    first_rows = first[0].copy()
    (second,) = batches.epoch()
    for a, b in zip(first, second, strict=True):
        assert np.shares_memory(a, b)  # the epoch's rows go into the same buffer
    assert not np.array_equal(second[0], first_rows)  # reshuffled into it
    assert not np.shares_memory(second[0], X)
    assert_array_equal(X, original)


# -- train_epoch ------------------------------------------------------------------


class _ScriptedNetwork:
    """A network whose batch losses are given; its gradient is all ones."""

    def __init__(self, losses):
        self.losses = list(losses)
        self.rows = []

    def loss_and_grad(self, theta, X, y, sample_weight, alpha, grad, **kwargs):
        self.rows.append(X.shape[0])
        grad[...] = 1.0
        return self.losses[len(self.rows) - 1], grad


def _run_scripted(losses, batch_size=4, n_samples=10):
    """Train an epoch of a scripted network; the loss, or the Diverged raised."""
    network = _ScriptedNetwork(losses)
    theta = np.zeros(3)
    optimizer = SGD(learning_rate_init=0.5, momentum=0.0)
    X, y, _ = _numbered_rows(n_samples)
    batches = Minibatches((X, y, None), batch_size, False, None).epoch()
    try:
        loss, _, first = train_epoch(
            network,
            theta,
            optimizer,
            optimizer.init(theta),
            batches,
            alpha=0.0,
            grad=np.empty(3),
            workspace=None,
        )
    except Diverged as error:
        return error, theta, network
    assert first == losses[0]  # the first batch's loss, before its step
    return loss, theta, network


def test_train_epoch_returns_the_mean_over_samples_of_the_batch_losses():
    loss, theta, network = _run_scripted([1.0, 2.0, 7.0])
    assert network.rows == [4, 4, 2]
    # Weighted by rows, as MLPRegressor's loss_: not (1 + 2 + 7) / 3.
    assert loss == (4 * 1.0 + 4 * 2.0 + 2 * 7.0) / 10
    assert_array_equal(theta, -1.5)  # three steps of 0.5 * the gradient


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_train_epoch_raises_diverged_without_taking_that_step(bad):
    error, theta, network = _run_scripted([1.0, bad, 3.0])
    assert isinstance(error, Diverged)
    assert_array_equal(error.loss, bad)
    assert network.rows == [4, 4]  # stopped at the bad batch
    assert_array_equal(theta, -0.5)  # only the first batch's step


def _classification_epoch(theta_scale=1.0):
    """An epoch of a softmax network on one-hot targets (its losses deferred).

    Returns what train_epoch returns (or the Diverged raised), theta after
    it, and the losses of each batch computed at once, before its step, with
    theta after, by a loop of the same steps without deferral.
    """
    rng = np.random.RandomState(0)
    X = rng.randn(53, 4)
    y = np.eye(3)[rng.randint(3, size=53)]
    net = Network((4, 6, 3), ("relu", "softmax"), CrossEntropy(one_hot=True))
    theta0 = initial_theta(net, np.random.RandomState(1), np.float64) * theta_scale
    optimizer = SGD(learning_rate_init=0.1)
    reference, theta, state = [], theta0.copy(), optimizer.init(theta0)
    for Xb, yb, _ in Minibatches((X, y, None), 10, False, None).epoch():
        loss, grad = net.loss_and_grad(theta, Xb, yb, None, 1e-3)
        reference.append((loss, Xb.shape[0]))
        state = optimizer.step(theta, grad, state)
    reference_theta, theta = theta, theta0.copy()
    try:
        result = train_epoch(
            net,
            theta,
            optimizer,
            optimizer.init(theta),
            Minibatches((X, y, None), 10, False, None).epoch(),
            alpha=1e-3,
            grad=np.empty_like(theta),
            workspace=net.workspace(10, np.float64),
        )
    except Diverged as error:
        result = error
    return result, theta, reference, reference_theta


def test_train_epoch_computes_deferred_losses_as_the_immediate_ones():
    # The one-hot cross-entropy's losses are computed at the end of the
    # epoch, together: the epoch's mean and first loss are those of the
    # losses computed batch by batch, to the bit, and the steps the same.
    (loss, _, first), theta, reference, reference_theta = _classification_epoch()
    assert_array_equal(theta, reference_theta)
    total = 0.0
    for value, n_rows in reference:
        total += value * n_rows
    assert first == reference[0][0]
    assert loss == total / 53
    assert type(loss) is type(total / 53)


def test_train_epoch_raises_diverged_for_a_deferred_non_finite_loss():
    # Weights so large that the softmax saturates and the products overflow:
    # the deferred loss is checked when computed, at the end of the epoch.
    with np.errstate(all="ignore"):
        error, _, reference, _ = _classification_epoch(theta_scale=1e300)
    assert isinstance(error, Diverged)
    bad = next(value for value, _ in reference if not np.isfinite(value))
    assert_array_equal(error.loss, bad)


def test_epoch_losses_sum_immediate_losses_after_pending_ones_in_order():
    loss = CrossEntropy(one_hot=True)
    y = np.eye(3)[[0, 1, 2, 1]]
    y_hat = np.full((4, 3), 0.25)
    y_hat[:, 1] = 0.5
    values = [loss.value_and_grad_z(y, y_hat)[0], 2.0, 3.0]
    losses = EpochLosses()
    losses.add(loss.value_and_grad_z(y, y_hat, defer=True)[0], 4)
    losses.add(2.0, 1)
    losses.add(3.0, 2)
    losses.close(None)
    assert losses.first == values[0]
    assert losses.total == (values[0] * 4 + 2.0) + 6.0
    assert losses.n_samples == 7
    # Behind a pending loss, an immediate one is still checked at once.
    losses = EpochLosses()
    losses.add(loss.value_and_grad_z(y, y_hat, defer=True)[0], 4)
    with pytest.raises(Diverged):
        losses.add(np.nan, 1)


def _dropout_problem():
    X, y, sample_weight = _numbered_rows(12)
    X = np.sin(X)  # moderate values
    net = Network((3, 5, 4, 1), ("tanh", "relu", "identity"))
    theta = initial_theta(net, np.random.RandomState(0), np.float64)
    return net, theta, (X, y, sample_weight)


def _train_with_dropout(seed, record=None):
    net, theta, arrays = _dropout_problem()
    optimizer = SGD(learning_rate_init=0.01)
    rng = np.random.RandomState(seed)

    class Recording(Network):
        def loss_and_grad(self, *args, dropout_masks=None, **kwargs):
            if record is not None:
                record.append(dropout_masks)
            return super().loss_and_grad(*args, dropout_masks=dropout_masks, **kwargs)

    recording = Recording(net.layer_units, net.activations)
    train_epoch(
        recording,
        theta,
        optimizer,
        optimizer.init(theta),
        Minibatches(arrays, 5, False, None).epoch(),
        alpha=0.0,
        grad=np.empty_like(theta),
        workspace=net.workspace(5, np.float64),
        dropout=(0.5, 0.0),
        random_state=rng,
    )
    return theta, rng


def test_train_epoch_draws_dropout_masks_from_the_given_generator():
    masks = []
    theta, rng = _train_with_dropout(3, record=masks)
    net, _, _ = _dropout_problem()
    reference = np.random.RandomState(3)
    assert len(masks) == 3  # batches of 5, 5, 2 rows
    for used, n_rows in zip(masks, [5, 5, 2], strict=True):
        expected = net.draw_dropout_masks(n_rows, (0.5, 0.0), reference, np.float64)
        assert used[1] is expected[1] is None  # no dropout, no mask
        assert_array_equal(used[0], expected[0])
    assert rng.randint(10**9) == reference.randint(10**9)  # nothing else drawn
    # The same seed gives the same epoch, another seed another one.
    assert_array_equal(_train_with_dropout(3)[0], theta)
    assert not np.array_equal(_train_with_dropout(4)[0], theta)


# -- Monitor ----------------------------------------------------------------------


class _MLPRegressorCounter:
    """The attributes MLPRegressor._update_no_improvement_count reads and writes."""

    def __init__(self, tol, scores):
        self.tol = tol
        self.verbose = False
        self._no_improvement_count = 0
        self.best_loss_, self.loss_curve_ = np.inf, []
        self.best_validation_score_, self.validation_scores_ = -np.inf, []
        self.coefs_, self.intercepts_ = [], []
        self._scores = iter(scores)

    def _score(self, X, y, sample_weight):
        return next(self._scores)


# Ties, steps just under and just over tol, a new best that is no improvement
# by tol, and a long run without improvement.
VALUES = [1.0, 1.0, 1.05, 1.1, 1.2, 1.2999, 1.35, 1.0, 1.0, 1.0, 1.0, 2.0, 2.1]


# MLPRegressor 1.9's private method is the reference (1.6 has another signature).
@pytest.mark.mlp_reference
@pytest.mark.parametrize("patience", [0, 2, 3])
@pytest.mark.parametrize("tol", [0.0, 0.1])
def test_monitor_counts_a_score_as_mlpregressor(tol, patience):
    theirs = _MLPRegressorCounter(tol, VALUES)
    monitor = Monitor(tol, patience)
    for value in VALUES:
        new_best = monitor.update(value)
        previous_best = theirs.best_validation_score_
        MLPRegressor._update_no_improvement_count(theirs, True, None, None, None)
        assert monitor.count == theirs._no_improvement_count
        assert monitor.best == theirs.best_validation_score_
        assert new_best == (value > previous_best)  # strictly better
        assert monitor.exhausted == (theirs._no_improvement_count > patience)


# MLPRegressor 1.9's private method is the reference (1.6 has another signature).
@pytest.mark.mlp_reference
@pytest.mark.parametrize("tol", [0.0, 0.1])
def test_monitor_counts_a_loss_as_mlpregressor_through_minus_the_loss(tol):
    losses = [3.0 - v for v in VALUES]
    theirs = _MLPRegressorCounter(tol, [])
    monitor = Monitor(tol, patience=2)
    for loss in losses:
        monitor.update(-loss)
        theirs.loss_curve_.append(loss)
        MLPRegressor._update_no_improvement_count(theirs, False, None, None, None)
        assert monitor.count == theirs._no_improvement_count
        assert -monitor.best == theirs.best_loss_


def test_monitor_is_exhausted_after_more_than_patience():
    monitor = Monitor(tol=0.1, patience=2)
    monitor.update(1.0)
    for _ in range(2):
        monitor.update(1.05)  # a new best, but not by tol
        assert not monitor.exhausted
    monitor.update(1.0)
    assert monitor.exhausted
    assert monitor.best == 1.05


# MLPRegressor 1.9's private method is the reference (1.6 has another signature).
@pytest.mark.mlp_reference
def test_monitor_counts_nan_as_no_improvement():
    # MLPRegressor's comparison is False for NaN, so it resets its counter
    # and a diverging fit never stops early; the monitor counts NaN instead.
    monitor = Monitor(tol=1e-4, patience=2, best=0.5, count=1)
    assert not monitor.update(np.nan)
    assert monitor.count == 2
    assert monitor.best == 0.5
    monitor.update(np.nan)
    assert monitor.exhausted
    theirs = _MLPRegressorCounter(1e-4, [np.nan])
    theirs.best_validation_score_, theirs._no_improvement_count = 0.5, 1
    MLPRegressor._update_no_improvement_count(theirs, True, None, None, None)
    assert theirs._no_improvement_count == 0  # the difference, documented


def test_monitor_continues_from_a_given_best_and_count():
    monitor = Monitor(tol=0.0, patience=1, best=2.0, count=1)
    monitor.update(1.5)
    assert monitor.exhausted
    assert monitor.best == 2.0


# -- diverging --------------------------------------------------------------------


def test_the_first_epoch_is_measured_from_the_initial_loss():
    # The initial loss (the first batch's, before its step) is a candidate
    # best: an epoch that runs away within itself diverges at once.
    assert not diverging([1.0], initial=1.0)
    assert diverging([1.01e4], initial=1.0)
    assert not diverging([0.99e4], initial=1.0)
    # A zero initial loss leaves no scale: never called a divergence.
    assert not diverging([1e300], initial=0.0)


def test_a_curve_that_grows_by_the_factor_over_its_best_is_divergent():
    assert DIVERGENCE_FACTOR == 1e4
    best = 0.01
    assert diverging([1.0, best, 1.01e4 * best], initial=1.0)
    assert not diverging([1.0, best, 0.99e4 * best], initial=1.0)
    # Measured from the best epoch, not the first: 101x the first loss.
    assert diverging([1.0, best, 101.0], initial=1.0)
    # Only the last epoch counts: an earlier spike is history.
    assert not diverging([1.0, 1e6, 0.5], initial=1.0)


def test_noise_near_a_zero_loss_is_not_divergent():
    # The best is floored at DIVERGENCE_FLOOR times the initial loss, so a
    # fit that reached 1e-12 may wobble to 1e-6 (a million times its best).
    assert DIVERGENCE_FLOOR == 1e-4
    floor = DIVERGENCE_FLOOR * 1.0
    assert not diverging([1.0, 1e-12, 1e-6], initial=1.0)
    assert not diverging([1.0, 1e-12, 0.99 * DIVERGENCE_FACTOR * floor], initial=1.0)
    assert diverging([1.0, 1e-12, 1.01 * DIVERGENCE_FACTOR * floor], initial=1.0)


# -- minimize_lbfgs ---------------------------------------------------------------


def _quadratic(x):
    scale = np.arange(1.0, x.size + 1)
    return 0.5 * float(scale @ x**2), scale * x


def test_minimize_lbfgs_stops_when_the_callback_says_so():
    seen = []

    def callback(x, loss):
        seen.append((x.copy(), loss))
        return len(seen) == 2

    result = minimize_lbfgs(
        _quadratic,
        np.ones(20),
        max_iter=100,
        max_fun=1000,
        tol=1e-12,
        callback=callback,
    )
    assert result.stopped
    assert len(seen) == 2
    x, loss = seen[-1]
    assert loss == _quadratic(x)[0]
    assert_array_equal(result.x, x)


def test_minimize_lbfgs_runs_to_convergence_otherwise():
    seen = []

    def callback(x, loss):
        seen.append(loss)
        return False

    result = minimize_lbfgs(
        _quadratic, np.ones(5), max_iter=100, max_fun=1000, tol=1e-10, callback=callback
    )
    assert not result.stopped
    assert result.success
    assert len(seen) == result.nit > 2
    assert result.fun < 1e-12


# -- Reporter ---------------------------------------------------------------------

_MLP_SOURCE = inspect.getsource(sklearn_mlp)
_OPTIMIZER_SOURCE = inspect.getsource(sklearn_optimizers)


def _theirs(source, fmt, *args):
    """A line printed by scikit-learn: its format string, as in its source."""
    assert f'"{fmt}"' in source, f"scikit-learn no longer prints {fmt!r}"
    return fmt % args if args else fmt


@pytest.mark.parametrize("verbose", [True, 1])
def test_reporter_prints_mlpregressors_lines(capsys, verbose):
    message = "Training loss did not improve."  # made by the caller
    reporter = Reporter(verbose)
    reporter.iteration(3, 0.123456789123)
    reporter.validation(0.987654321)
    reporter.validation(np.nan)
    reporter.plateau(message, learning_rate=0.0002)
    reporter.plateau(message)
    expected = [
        _theirs(_MLP_SOURCE, "Iteration %d, loss = %.8f", 3, 0.123456789123),
        _theirs(_MLP_SOURCE, "Validation score: %f", 0.987654321),
        _theirs(_MLP_SOURCE, "Validation score: %f", np.nan),
        message + _theirs(_OPTIMIZER_SOURCE, " Setting learning rate to %f", 0.0002),
        message + _theirs(_OPTIMIZER_SOURCE, " Stopping."),
    ]
    assert capsys.readouterr().out.splitlines() == expected


def test_reporter_prints_a_table_at_verbose_2(capsys):
    reporter = Reporter(2)
    reporter.iteration(1, 0.5)  # MLPRegressor's lines give way to the table
    reporter.validation(0.25)
    reporter.row({"epoch": 1, "loss": 0.5, "duration": 0.012, "best": True})
    reporter.row(
        {
            "epoch": 2,
            "loss": 0.25,
            "validation_loss": 0.3,
            "validation_score": 0.75,
            "learning_rate": 0.001,
            "duration": 0.011,
            "best": False,
        }
    )
    reporter.plateau("Stuck.")
    header, first, second, plateau = capsys.readouterr().out.splitlines()
    assert header.split() == [
        "epoch", "train", "loss", "valid", "loss", "valid", "score", "lr", "dur",
        "[s]",
    ]  # fmt: skip
    assert first.split() == ["1", "0.5", "-", "-", "-", "0.012", "*"]
    assert second.split() == ["2", "0.25", "0.3", "0.75", "0.001", "0.011"]
    assert plateau == "Stuck. Stopping."


@pytest.mark.parametrize("verbose", [False, 0])
def test_reporter_prints_nothing_when_not_verbose(capsys, verbose):
    reporter = Reporter(verbose)
    reporter.iteration(1, 0.5)
    reporter.validation(0.5)
    reporter.plateau("Stuck.", learning_rate=0.01)
    reporter.plateau("Stuck.")
    assert capsys.readouterr().out == ""


def test_warn_interrupted_says_what_mlpregressor_says_and_points_at_the_caller():
    assert '"Training interrupted by user."' in _MLP_SOURCE
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_interrupted(stacklevel=1)
    (warning,) = caught
    assert warning.category is UserWarning
    assert str(warning.message) == "Training interrupted by user."
    assert warning.filename == __file__
