"""The training loops, knowing nothing of estimators.

The pieces a solver is made of, each small and tested on its own:

- :class:`Minibatches`, the shuffled minibatches of one epoch after another,
  drawn as MLPRegressor draws them;
- :func:`train_epoch`, one pass over them: gradient, optimizer step, mean loss;
- :class:`Monitor`, patience on a value that should improve (a validation
  score, or minus the training loss), for early stopping and plateaus;
- :func:`minimize_lbfgs`, the L-BFGS driver over scipy;
- :class:`Reporter`, what ``verbose`` prints, in MLPRegressor's words.

The estimator (:mod:`skmlp._base`) composes them and owns the bookkeeping:
fitted attributes, callbacks, rollback. Nothing here reads or writes an
estimator.
"""

import math
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from ._backend import ArraySpace, gen_batches
from ._losses import PendingLoss, resolve_losses

__all__ = [
    "Diverged",
    "Minibatches",
    "Monitor",
    "Reporter",
    "minimize_lbfgs",
    "train_epoch",
]


class Diverged(ArithmeticError):
    """The training loss stopped being finite, or grew without bound.

    Parameters
    ----------
    loss : float
        The loss that gave it away.
    """

    def __init__(self, loss):
        super().__init__(f"The training loss became {loss}.")
        self.loss = loss


#: A minibatch fit has diverged when an epoch's loss exceeds this factor
#: times the best loss of the call so far (see :func:`diverging`).
DIVERGENCE_FACTOR = 1e4

#: The best loss is floored at this fraction of the call's initial loss, so
#: that a fit that reaches a loss near zero is not called divergent for
#: noise around it.
DIVERGENCE_FLOOR = 1e-4


def diverging(losses, initial):
    """Say whether the last of ``losses`` shows a divergence that stayed finite.

    A finite loss can still run away: with a learning rate far too large it
    may grow by twelve orders of magnitude and then stop by ``tol``. The
    rule: the last epoch's loss exceeds :data:`DIVERGENCE_FACTOR` times the
    best loss of the call so far, that is the smallest of ``initial`` and the
    earlier epochs' losses, floored at :data:`DIVERGENCE_FLOOR` times
    ``initial``.

    Parameters
    ----------
    losses : sequence of float
        The epoch losses of one ``fit`` or ``partial_fit`` call, in order.

    initial : float
        The loss of the call's first minibatch, before its step: the
        loss of the model the call started from.

    Returns
    -------
    diverging : bool
        False too when ``initial`` is 0, which leaves no scale to compare.
    """
    floor = DIVERGENCE_FLOOR * initial
    if floor <= 0:
        return False
    best = max(min([initial, *losses[:-1]]), floor)
    return losses[-1] > DIVERGENCE_FACTOR * best


def _is_dense(array):
    return array is not None and not sp.issparse(array)


def _is_generic(array):
    return (
        array is not None
        and not sp.issparse(array)
        and not isinstance(array, np.ndarray)
    )


def _reshuffle(order, random_state):
    """Return ``sklearn.utils.shuffle(order, random_state=random_state)``.

    The same draws (``resample`` without replacement shuffles an ``arange``
    in place, then indexes), without the input validation that scikit-learn
    repeats on every call: on small data it took a quarter of each epoch.
    """
    permutation = np.arange(len(order))
    random_state.shuffle(permutation)
    return order[permutation]


def _take_rows(array, indices, out):
    """Return ``array[indices]``, written into ``out`` for dense arrays."""
    if array is None or out is None:
        return None if array is None else array[indices]
    # mode="clip" skips the bounds check that makes mode="raise" buffer a
    # whole extra copy; the indices are a permutation, always in bounds.
    return np.take(array, indices, axis=0, out=out, mode="clip")


class Minibatches:
    """The minibatches of one epoch after another, as MLPRegressor draws them.

    With ``shuffle``, each epoch reshuffles the previous epoch's order with
    ``random_state`` (the same draws as MLPRegressor, so both see the same
    minibatches) and gathers the rows once into buffers allocated once;
    minibatches are then contiguous slices.

    Parameters
    ----------
    arrays : tuple of (ndarray, sparse matrix or None)
        Arrays with one row per sample, such as ``(X, y, sample_weight)``.
        ``None`` stays ``None`` in every batch.

    batch_size : int
        Rows per minibatch; the last one may be smaller.

    shuffle : bool
        Whether to reshuffle the rows every epoch.

    random_state : numpy.random.RandomState
        The generator to shuffle with.

    Notes
    -----
    Arrays of another namespace (the Array API path) are shuffled with the
    same host draws: the epoch's order goes to the device once, and
    ``xp.take`` gathers the rows there.
    """

    def __init__(self, arrays, batch_size, shuffle, random_state):
        self.arrays = tuple(arrays)
        self.n_samples = self.arrays[0].shape[0]
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self._order = np.arange(self.n_samples)
        self._space = (
            ArraySpace.of(self.arrays[0]) if _is_generic(self.arrays[0]) else None
        )
        self._buffers = [
            np.empty(a.shape, a.dtype)
            if shuffle and _is_dense(a) and self._space is None
            else None
            for a in self.arrays
        ]
        #: The rows of the current epoch, in its order.
        self.epoch_arrays = self.arrays

    @property
    def n_batches(self):
        """The number of minibatches in an epoch."""
        return -(-self.n_samples // self.batch_size)

    def epoch(self):
        """Start an epoch: reshuffle, and return an iterator over its batches.

        Yields
        ------
        batch : tuple
            One slice of each array, in the order of ``arrays``.
        """
        if self.shuffle:
            self._order = _reshuffle(self._order, self.random_state)
            if self._space is not None:
                self.epoch_arrays = self._take_xp(self._order)
            else:
                self.epoch_arrays = tuple(
                    _take_rows(a, self._order, out)
                    for a, out in zip(self.arrays, self._buffers, strict=True)
                )
        return self._batches(self.epoch_arrays)

    def _take_xp(self, order):
        space = self._space
        indices = space.xp.asarray(order, device=space.device)
        return tuple(
            None if a is None else space.xp.take(a, indices, axis=0)
            for a in self.arrays
        )

    def _batches(self, arrays):
        if self._space is not None:  # the standard indexes every axis
            for rows in gen_batches(self.n_samples, self.batch_size):
                yield tuple(None if a is None else a[rows, ...] for a in arrays)
            return
        for rows in gen_batches(self.n_samples, self.batch_size):
            yield tuple(None if a is None else a[rows] for a in arrays)

    def last_rows(self, n):
        """Return the last ``n`` rows (or fewer) of the epoch's first array."""
        X = self.epoch_arrays[0]
        return X[max(X.shape[0] - n, 0) :, ...] if self._space is not None else X[-n:]


def train_epoch(
    network,
    theta,
    optimizer,
    state,
    batches,
    *,
    alpha,
    grad,
    workspace,
    dropout=None,
    random_state=None,
    into=None,
):
    """Train ``theta`` in place for one pass over ``batches``.

    Parameters
    ----------
    network : Network
        The architecture and loss.

    theta : ndarray of shape (n_params,)
        The parameters, updated in place.

    optimizer : object
        From :mod:`skmlp._optimizers`.

    state : NamedTuple
        The optimizer's state; its arrays are updated in place.

    batches : iterable of (X, y, sample_weight)
        The epoch's minibatches (:meth:`Minibatches.epoch`).

    alpha : float
        Strength of the L2 term.

    grad : ndarray of shape (n_params,)
        Where the gradient is computed.

    workspace : Workspace
        Buffers for the largest batch.

    dropout : tuple of float, default=None
        Dropout rate of each hidden layer, or ``None`` for no dropout.

    random_state : numpy.random.RandomState, default=None
        The generator to draw dropout masks from.

    into : NamedTuple, default=None
        Another state of ``optimizer``: the first step writes the new
        moments into its arrays, and later steps update those in place, so
        that ``state``'s arrays are left as they were (to go back to).
        ``None`` updates ``state``'s arrays in place.

    Returns
    -------
    loss : float
        The mean over samples of the minibatch losses, each computed before
        its step, as MLPRegressor's ``loss_``.

    state : NamedTuple
        The optimizer's state after the epoch.

    first_loss : float
        The loss of the first minibatch, before its step.

    Raises
    ------
    Diverged
        If a minibatch's loss is not finite. A loss computed at once is
        checked at once, and its step is not taken. A loss the network
        defers (:class:`~skmlp._losses.PendingLoss`, computed with the
        epoch's others) and every loss on the Array API path (read once) are
        checked at the end of the epoch: the steps after the first
        non-finite loss have been taken, and the caller rolls the whole call
        back, as it does for any divergence.
    """
    losses = EpochLosses() if isinstance(theta, np.ndarray) else DeviceLosses(alpha)
    # Bound once: a small network's batch takes a few hundred microseconds,
    # and every attribute lookup in this loop is paid on each of them.
    loss_and_grad, step, add = network.loss_and_grad, optimizer.step, losses.add
    masks = None
    for X, y, sample_weight in batches:
        n_rows = X.shape[0]
        if dropout is not None:
            masks = network.draw_dropout_masks(
                n_rows, dropout, random_state, theta.dtype, workspace
            )
        loss, grad = loss_and_grad(
            theta,
            X,
            y,
            sample_weight,
            alpha,
            grad,
            dropout_masks=masks,
            workspace=workspace,
            defer_loss=True,
        )
        add(loss, n_rows)
        state = step(theta, grad, state, into=into)
        into = None
    losses.close(workspace)
    return losses.total / losses.n_samples, state, losses.first


class EpochLosses:
    """The minibatch losses of an epoch, summed as MLPRegressor sums them.

    A loss computed at once is checked at once; a
    :class:`~skmlp._losses.PendingLoss` waits for :meth:`close`, which
    computes the epoch's together, then sums every loss in batch order.
    """

    def __init__(self):
        self.total, self.n_samples, self.first = 0.0, 0, None
        self._losses = []

    def add(self, loss, n_rows):
        """Keep a minibatch's mean loss; raise Diverged if it is not finite."""
        if not isinstance(loss, PendingLoss) and not math.isfinite(loss):
            raise Diverged(loss)
        self._losses.append((loss, n_rows))

    def close(self, workspace):
        """Compute the pending losses, and sum them all in order."""
        pending = [loss for loss, _ in self._losses if isinstance(loss, PendingLoss)]
        values = iter(resolve_losses(pending))
        for loss, n_rows in self._losses:
            self._sum(next(values) if isinstance(loss, PendingLoss) else loss, n_rows)
        self._losses = []

    def _sum(self, loss, n_rows):
        if not math.isfinite(loss):
            raise Diverged(loss)
        if self.first is None:
            self.first = loss
        self.total += loss * n_rows
        self.n_samples += n_rows


class DeviceLosses(EpochLosses):
    """The losses of an epoch on a device: kept there, read once at the end.

    Reading a loss per batch would wait for the device to finish the batch
    and stall its queue. At the end of the epoch, one read brings every
    loss to the host, where they are summed as :class:`EpochLosses` sums
    them, with the numpy path's types (a Python float, or with ``alpha`` a
    numpy scalar of the model's dtype), so the numbers are the same.
    """

    def __init__(self, alpha):
        super().__init__()
        self.alpha = alpha

    def add(self, loss, n_rows):
        """Keep a minibatch's 0-d loss array, without reading it."""
        self._losses.append((loss, n_rows))

    def close(self, workspace):
        """Read the epoch's losses (one device read) and sum them."""
        if not self._losses:
            return
        stacked = workspace.xp.stack([loss for loss, _ in self._losses])
        values = workspace.read(stacked)
        for value, (_, n_rows) in zip(values, self._losses, strict=True):
            self._sum(value if self.alpha else float(value), n_rows)
        self._losses = []


class Monitor:
    """Patience on a value that should go up.

    A validation score, or minus the training loss. An update counts as an
    improvement when it beats the best value by at least ``tol``; a NaN never
    does (MLPRegressor's comparison resets its counter on NaN, so a diverging
    fit would never stop).

    Parameters
    ----------
    tol : float
        The smallest improvement that resets the patience.

    patience : int or float
        How many updates without improvement are tolerated: the monitor is
        :attr:`exhausted` after more than this many.

    best : float, default=-inf
        The best value so far.

    count : int, default=0
        Updates without improvement so far.
    """

    def __init__(self, tol, patience, best=-np.inf, count=0):
        self.tol = tol
        self.patience = patience
        self.best = best
        self.count = count

    def update(self, value):
        """Record ``value``; return whether it is a new best."""
        if value >= self.best + self.tol:
            self.count = 0
        else:
            self.count += 1
        if value > self.best:
            self.best = value
            return True
        return False

    @property
    def exhausted(self):
        """Whether patience has run out."""
        return self.count > self.patience


def minimize_lbfgs(fun, x0, *, max_iter, max_fun, tol, callback):
    """Minimize ``fun`` with scipy's L-BFGS-B.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (loss, grad)`` on float64 vectors.

    x0 : ndarray of shape (n_params,)
        The starting point, float64.

    max_iter, max_fun : int
        The most iterations and function evaluations.

    tol : float
        The projected-gradient tolerance ``gtol``.

    callback : callable
        ``callback(x, loss)`` after each iteration; it returns True to stop
        there.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        scipy's result, with ``stopped`` set when ``callback`` asked to stop.
    """
    stopped = False

    def record(intermediate_result):
        nonlocal stopped
        if callback(intermediate_result.x, float(intermediate_result.fun)):
            stopped = True
            raise StopIteration  # scipy ends the minimization cleanly

    # scipy 1.17 deprecates iprint and disp: neither is passed.
    result = scipy.optimize.minimize(
        fun,
        x0,
        method="L-BFGS-B",
        jac=True,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        callback=record,
    )
    result.stopped = stopped
    return result


class Reporter:
    """What ``verbose`` prints.

    ``verbose=True`` (or 1) prints MLPRegressor's lines, word for word.
    ``verbose=2`` prints a table instead, one row per epoch (or L-BFGS
    iteration) from the records of ``history_``, with ``*`` on the best.
    Messages about plateaus are printed at any level.

    Parameters
    ----------
    verbose : bool or int
        Nothing is printed when false.
    """

    #: The table's columns: (history key, header, width, format).
    COLUMNS = (
        ("epoch", "epoch", 6, "d"),
        ("loss", "train loss", 12, ".6g"),
        ("validation_loss", "valid loss", 12, ".6g"),
        ("validation_score", "valid score", 12, ".6g"),
        ("learning_rate", "lr", 10, ".3g"),
        ("duration", "dur [s]", 8, ".3f"),
    )

    def __init__(self, verbose):
        self.verbose = verbose
        # True == 1 in Python: only an int of 2 or more asks for the table.
        self.table = verbose is not True and verbose >= 2
        self._header_printed = False

    def _print(self, message):
        if self.verbose and not self.table:
            print(message)

    def iteration(self, n_iter, loss):
        """Report the training loss at the end of an epoch or L-BFGS iteration."""
        self._print(f"Iteration {n_iter}, loss = {loss:.8f}")

    def validation(self, score):
        """Report the epoch's validation score."""
        self._print(f"Validation score: {score:f}")

    def plateau(self, message, learning_rate=None):
        """Report a plateau: the rate drops to ``learning_rate``, or training stops."""
        if not self.verbose:
            return
        if learning_rate is None:
            print(f"{message} Stopping.")
        else:
            print(f"{message} Setting learning rate to {learning_rate:f}")

    def row(self, record):
        """Print one record of ``history_`` as a row of the table."""
        if not self.table:
            return
        if not self._header_printed:
            print(" ".join(f"{title:>{width}}" for _, title, width, _ in self.COLUMNS))
            self._header_printed = True
        cells = []
        for key, _, width, spec in self.COLUMNS:
            value = record.get(key)
            cells.append(f"{'-' if value is None else format(value, spec):>{width}}")
        print(" ".join(cells) + (" *" if record["best"] else ""))


def warn_interrupted(stacklevel):
    """Warn, as MLPRegressor does, that Ctrl-C ended training."""
    warnings.warn("Training interrupted by user.", stacklevel=stacklevel + 1)
