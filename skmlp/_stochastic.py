"""One minibatch ``fit`` or ``partial_fit`` call, recorded epoch by epoch.

:class:`EpochRun` composes the pieces of :mod:`skmlp._training` (minibatches,
``train_epoch``, the stopping monitors, the reporter) and writes what each
epoch leaves into the estimator's fitted attributes, in MLPRegressor's order,
so that a checkpoint taken between epochs is consistent. The estimator
(:mod:`skmlp._base`) decides when to checkpoint, restore and stop.
"""

import functools
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._backend import all_finite, copy, copy_into, empty_like, workspace_for
from ._ensemble import mean_member_loss, n_members
from ._optimizers import HYPERPARAMETERS, SCHEDULES, Adaptive, make_optimizer
from ._training import (
    Diverged,
    Minibatches,
    Monitor,
    Reporter,
    diverging,
    train_epoch,
    warn_interrupted,
)

#: What an epoch changes: the checkpoint that Ctrl-C goes back to. The
#: estimator's fitted state from ``_theta`` on (see ``FITTED_STATE``).
EPOCH_STATE = (
    "_theta",
    "_optimizer_state",
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "loss_curve_",
    "_no_improvement_count",
    "validation_scores_",
    "validation_loss_curve_",
    "best_validation_score_",
    "history_",
)

#: What a call replaces but never writes into: the first step of a call that
#: continues the stored optimizer state writes the new moments into spare
#: arrays (``train_epoch``'s ``into``) and only reads the stored ones. So the
#: snapshot of a call's start keeps this without copying it (2/3 of what a
#: snapshot of an adam fit would otherwise copy), and a failed call still
#: goes back to it exactly.
READ_ONLY_STATE = ("_optimizer_state",)

#: Rows of the last minibatch whose predictions are checked after training.
#: One suffices: a non-finite weight makes every output non-finite (0 times
#: inf or NaN is NaN), and weights that overflow do so on any row. The check
#: still reads every weight once, which is its cost.
_N_CHECKED_ROWS = 1


def _optimizer(est, net, batches):
    """Return the optimizer for ``est``'s hyperparameters, kept while they hold.

    Built with the sizes the data decide: the minibatches of an epoch of
    this call (the length of a cosine schedule) and the number of weights
    (what weight decay shrinks).
    """
    # Not get_params(), which inspects __init__ on every call.
    hyperparameters = {name: getattr(est, name) for name in HYPERPARAMETERS}
    # Only a schedule whose length depends on it gets the batch count, so
    # that a partial_fit stream of uneven batches keeps one optimizer (and
    # its scratch vectors).
    steps = SCHEDULES[est.learning_rate].needs_steps_per_epoch
    sizes = {
        "steps_per_epoch": batches.n_batches if steps else None,
        "n_coefs": net.n_coefs,
    }
    return est._buffer(
        "optimizer",
        (est.solver, *hyperparameters.values(), *sizes.values()),
        lambda: make_optimizer(est.solver, hyperparameters, **sizes),
    )


def _warn_schedule_over(est, stacklevel):
    warnings.warn(
        f"learning_rate={est.learning_rate!r} has run its course: its rate is 0 "
        f"after max_iter={est.max_iter} epochs of this size, so this partial_fit "
        "call leaves the weights unchanged. Increase max_iter, or fit anew.",
        UserWarning,
        stacklevel=stacklevel,
    )


def _optimizer_state(est, optimizer, theta, incremental):
    """Continue the stored optimizer state, or start a new one.

    A ``fit`` always starts anew (as MLPRegressor does, warm start or
    not); ``partial_fit`` continues, unless the solver changed since.

    Returns
    -------
    state : NamedTuple
        The optimizer state to start from.

    spare : NamedTuple or None
        When ``state`` continues the stored one, a state whose arrays the
        first step writes into, leaving the stored arrays as they were (see
        :data:`READ_ONLY_STATE`); else None.
    """
    stored = est._optimizer_state
    if incremental and stored is not None and optimizer.owns_state(stored):
        spare = est._buffer(
            "spare_state", _spare_key(optimizer, theta), lambda: optimizer.init(theta)
        )
        return optimizer.state_from_dict(stored), spare
    return optimizer.init(theta), None


def _spare_key(optimizer, theta):
    return (optimizer.kind, type(theta), theta.shape, theta.dtype)


def fit_stochastic(
    est,
    X,
    y,
    sample_weight,
    random_state,
    incremental,
    validation,
    tasks,
    before,
    stacklevel,
):
    """Train ``est`` with its minibatch solver for one ``fit`` or ``partial_fit``.

    ``before`` is the snapshot of the call's start (``partial_fit`` goes back
    to it on Ctrl-C); ``stacklevel`` points warnings at the caller of ``fit``,
    as if this were ``est``'s method.
    """
    theta = est._theta
    net = est._fitted_network()
    if est.early_stopping and validation is None:
        X, y, sample_weight, validation = est._split(X, y, sample_weight, random_state)
    batches = Minibatches(
        (X, y, sample_weight), est._batch_size(X.shape[0]), est.shuffle, random_state
    )
    optimizer = _optimizer(est, net, batches)
    state, spare = _optimizer_state(est, optimizer, theta, incremental)
    if incremental and optimizer.schedule.is_over(state.count):
        _warn_schedule_over(est, stacklevel + 1)
    est._sync_stopping_state(validation is not None)
    run = EpochRun(
        estimator=est,
        net=net,
        optimizer=optimizer,
        validation=validation,
        batches=batches,
        dropout=est._dropout_rates(net.n_layers - 1),
        random_state=random_state,
        keep_best=est.early_stopping
        or (est.restore_best_weights and validation is not None and not incremental),
        spare=spare,
    )
    est.n_iter_ = 0
    # Ctrl-C goes back to the last completed epoch. partial_fit runs one
    # epoch, so for a fitted model that is the state before the call: no
    # second copy.
    continued = incremental and "_theta" in before
    checkpoint = run.checkpoint(before if continued else None)
    # A copy in theta's namespace (the standard's arrays have no copy method).
    weights = functools.partial(copy, theta)
    try:
        for _ in range(est.max_iter):
            tasks.begin("epoch", weights)
            state, stop = run.epoch(state)
            if not incremental:
                checkpoint = run.checkpoint()
            if tasks.end(weights) or stop or incremental:
                break
            _warn_if_max_iter(est, stacklevel + 1)
    except KeyboardInterrupt:
        warn_interrupted(stacklevel=stacklevel)
        run.restore(checkpoint)
    else:
        run.check_last_step()
    if run.best_theta is not None:
        # Restore the best weights: a copy, never a view of theta, so
        # this is right even when a warm-start refit never beats the
        # previous best (MLPRegressor keeps its final weights).
        est._theta[...] = run.best_theta


def _warn_if_max_iter(est, stacklevel):
    if est.n_iter_ == est.max_iter:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )


class EpochRun:
    """One minibatch ``fit`` or ``partial_fit`` call: its epochs' bookkeeping.

    It composes the pieces of :mod:`skmlp._training` and writes what each
    epoch leaves into the estimator's fitted attributes, in MLPRegressor's
    order, so that a checkpoint taken between epochs is consistent.
    """

    def __init__(
        self,
        estimator,
        net,
        optimizer,
        validation,
        batches,
        dropout,
        random_state,
        keep_best,
        spare=None,
    ):
        est = self.estimator = estimator
        self.spare = spare
        self.net = net
        self.optimizer = optimizer
        self.validation = validation
        self.batches = batches
        self.dropout = dropout
        self.random_state = random_state
        self.scorer = est._scorer(validation)
        self.reporter = Reporter(est.verbose)
        theta = est._theta
        # Made once, reused by every batch of every epoch and call.
        self.grad = est._buffer(
            "grad", (theta.shape, theta.dtype), lambda: empty_like(theta)
        )
        rows = batches.batch_size
        # An ArraySpace instead on the Array API path (see _backend).
        self.workspace = est._buffer(
            "workspace",
            (net.layer_units, net.activations, n_members(net), theta.dtype, rows),
            lambda: workspace_for(net, rows, theta),
        )
        # Early stopping follows the validation score; otherwise the
        # training loss stops training, and a validation set only monitors.
        self.training = Monitor(
            est.tol,
            est.n_iter_no_change,
            best=-est.best_loss_ if est.best_loss_ is not None else -np.inf,
            count=est._no_improvement_count,
        )
        self.scores = None
        if validation is not None:
            self.scores = Monitor(
                est.tol,
                est.n_iter_no_change,
                best=est.best_validation_score_,
                count=est._no_improvement_count,
            )
        self.stopping = self.scores if est.early_stopping else self.training
        # The weights of the best validation score, restored at the end.
        self.best_theta = copy(theta) if keep_best else None
        # This call's losses, for the divergence rule.
        self.initial_loss, self.losses = None, []

    def epoch(self, state):
        """Train one epoch and record it; return the state and whether to stop."""
        est = self.estimator
        start = time.perf_counter()
        spare, read = self.spare, state
        try:
            loss, state, first_loss = train_epoch(
                self.net,
                est._theta,
                self.optimizer,
                state,
                self.batches.epoch(),
                alpha=est.alpha,
                grad=self.grad,
                workspace=self.workspace,
                dropout=self.dropout,
                random_state=self.random_state,
                into=spare,
            )
        except Diverged as error:
            raise est._divergence(error.loss) from None
        # An ensemble's objective is the sum of its members' losses (E1);
        # the estimator reports their mean, comparable with one network's.
        loss = mean_member_loss(self.net, loss)
        first_loss = mean_member_loss(self.net, first_loss)
        if spare is not None:
            # The moments read are the next call's spare: the snapshot keeps
            # them only until this call ends, and a failed call copies them.
            self.spare = None
            key = _spare_key(self.optimizer, est._theta)
            est._buffers["spare_state"] = (key, read)
        if self.initial_loss is None:
            self.initial_loss = first_loss
        self.losses.append(loss)
        if diverging(self.losses, self.initial_loss):
            raise est._divergence(loss)
        est.n_iter_ += 1
        est.loss_ = loss
        est.t_ += self.batches.n_samples
        est.loss_curve_.append(loss)
        self.reporter.iteration(est.n_iter_, loss)
        record = {"epoch": len(est.loss_curve_), "loss": loss}
        best = self._score_validation(record) if self.validation is not None else None
        if not est.early_stopping:
            improved = self.training.update(-loss)
            est.best_loss_ = -self.training.best
            best = improved if best is None else best
        est._no_improvement_count = self.stopping.count
        record["learning_rate"] = state.learning_rate
        state = self.optimizer.end_epoch(state, est.t_)
        state, stop = self._on_plateau(state)
        est._optimizer_state = self.optimizer.state_to_dict(state)
        record["duration"] = time.perf_counter() - start
        record["best"] = best
        est.history_.append(record)
        self.reporter.row(record)
        return state, stop

    def _score_validation(self, record):
        """Score the validation set and keep the best weights if asked.

        Returns whether the score is the best so far.
        """
        est = self.estimator
        X_val, y_val, sample_weight_val = self.validation
        y_pred = self.net.predict(est._theta, X_val)
        if all_finite(y_pred):
            val_loss = self._validation_loss(y_val, y_pred, sample_weight_val)
            score = est._validation_score(
                self.scorer, X_val, y_val, y_pred, sample_weight_val, val_loss
            )
        else:
            val_loss = score = np.nan
        est.validation_scores_.append(float(score))
        est.validation_loss_curve_.append(float(val_loss))
        record["validation_loss"] = float(val_loss)
        record["validation_score"] = float(score)
        self.reporter.validation(score)
        improved = self.scores.update(score)
        if improved and self.best_theta is not None:
            copy_into(self.best_theta, est._theta)
        est.best_validation_score_ = self.scores.best
        return improved

    def _validation_loss(self, y_val, y_pred, sample_weight_val):
        if isinstance(y_pred, np.ndarray):
            return self.net.loss.value(y_val, y_pred, sample_weight_val)
        space = self.workspace  # an ArraySpace: one device read per epoch
        loss = self.net.loss.value_xp(y_val, y_pred, sample_weight_val, space)
        return float(space.read(loss))

    def _on_plateau(self, state):
        """On a plateau of ``n_iter_no_change`` epochs, reduce the rate or stop."""
        if not self.stopping.exhausted:
            return state, False
        est = self.estimator
        what = "Validation score" if est.early_stopping else "Training loss"
        message = (
            f"{what} did not improve more than tol={est.tol:f} for "
            f"{est.n_iter_no_change} consecutive epochs."
        )
        state, reduced = self.optimizer.on_plateau(state)
        if reduced:
            self.reporter.plateau(message, state.learning_rate)
            self.stopping.count = est._no_improvement_count = 0
            return state, False
        if isinstance(self.optimizer.schedule, Adaptive):
            message += " Learning rate too small."
        self.reporter.plateau(message)
        return state, True

    def checkpoint(self, snapshot=None):
        """Save what a completed epoch leaves, to go back to on Ctrl-C."""
        if snapshot is None:
            snapshot = self.estimator._snapshot(EPOCH_STATE)
        best = None if self.best_theta is None else copy(self.best_theta)
        return snapshot, best

    def restore(self, checkpoint):
        """Go back to a checkpoint: the weights and all epoch bookkeeping."""
        snapshot, best = checkpoint
        self.estimator._restore(snapshot, EPOCH_STATE)
        if best is not None:
            self.best_theta[...] = best

    def check_last_step(self):
        """Check the weights after the last step on a few rows of the last batch.

        Each batch's loss was finite before its step (a deferred one was
        checked at the end of the epoch); the last step is checked here, on
        a few rows rather than the whole batch, which would cost as much as
        a third of a ``partial_fit`` call.
        """
        est = self.estimator
        X = self.batches.last_rows(_N_CHECKED_ROWS)
        if not all_finite(self.net.predict(est._theta, X)):
            raise est._divergence(np.inf)
