"""Loss functions L(y_hat, y), each with its gradient dL/dy_hat.

Every loss is per sample and summed over the outputs, then averaged over the
samples with ``sample_weight`` (equation (3) of :mod:`skmlp._network`). Each
loss computes its value and its gradient together (:meth:`Loss.value_and_grad`),
so the two can never disagree. (They do in scikit-learn 1.9 with several
outputs: its squared error averages over outputs while its gradient sums them,
scikit-learn issue #8349.)

A loss defines only its pointwise value and gradient; the base class
:class:`Loss` applies ``sample_weight``, once, for all of them. A loss may also
name a *canonical* output activation, for which it gives dL/dz of the output
layer directly (:meth:`Loss.value_and_grad_z`): the exponential for the
Poisson deviance, the softmax for the cross-entropy and the logistic for
the binary cross-entropy. The network then skips that activation's
derivative; for the softmax, whose Jacobian is a full matrix, that is the only
way the gradient is computed.

The losses of the regressor's ``loss`` parameter are in :data:`LOSSES`; the
classifier's two, chosen by its targets and never by the user, are in
:data:`CLASSIFICATION_LOSSES`.

Each public method has a generic twin for the Array API path
(``value_and_grad_xp``, ``value_and_grad_z_xp``, ``value_xp``), written with
the same operations in the same order, without ``out=``, and returning the
loss as a 0-d array on the device: reading it would stall the device, so the
training loop reads the losses once per epoch.

For the same reason of cost, on the host, the minibatch loop may ask for a
batch's loss to be computed later (``defer=True``): a loss that can then
returns a :class:`PendingLoss`, and :func:`resolve_losses` computes an
epoch's pending losses together, in a few array operations over all of its
rows rather than a dozen per batch. The numbers are the same as computed one
by one. Only the one-hot cross-entropy defers today; the others compute
their loss at once.
"""

import functools
from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy

from ._backend import ArraySpace


def _namespace(y):
    """Return numpy for a numpy ``y``, else ``y``'s Array API namespace."""
    return np if isinstance(y, np.ndarray) else ArraySpace.of(y).xp


class Loss:
    """Base class of the losses: weighting, averaging and the public methods.

    A subclass defines ``name``, ``default_out_activation``,
    ``out_activations`` (``None`` for any) and :meth:`_pointwise`; and, if it
    has a canonical output activation, ``canonical_activation`` and
    :meth:`_pointwise_z`. ``estimator_params`` maps its dataclass fields to the
    estimator parameters that set them (see :func:`get_loss`).
    """

    name = None
    default_out_activation = "identity"
    #: Output activations the loss works with; ``None`` means any.
    out_activations = None
    #: The output activation whose dL/dz :meth:`value_and_grad_z` gives.
    canonical_activation = None
    #: Dataclass field -> the estimator parameter that sets it.
    estimator_params = {}

    def check_target(self, y):
        """Raise a ValueError if ``y`` is not a valid target; any finite is."""

    def value(self, y, y_hat, sample_weight=None):
        """Return the weighted mean over samples of the loss summed over outputs.

        The ``loss`` of :meth:`value_and_grad`, with the same parameters
        except ``out``, for callers that need no gradient.
        """
        return self._weighted_mean(self._pointwise(y, y_hat, None)[0], sample_weight)

    def value_and_grad(self, y, y_hat, sample_weight=None, out=None, defer=False):
        """Return the mean loss and the per-sample gradient dL/dy_hat.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
            Target values.

        y_hat : ndarray of shape (n_samples, n_outputs)
            Predicted values.

        sample_weight : ndarray of shape (n_samples,), default=None
            Sample weights ``s``; ``None`` means all ones.

        out : ndarray of shape (n_samples, n_outputs), default=None
            Where to write ``dy_hat``. A new array if ``None``.

        defer : bool, default=False
            Whether the loss may be returned as a :class:`PendingLoss`, to be
            computed later with others by :func:`resolve_losses`; ``y`` must
            then stay unchanged until then. A loss that cannot defer (this
            base class) computes it now.

        Returns
        -------
        loss : float or PendingLoss
            The weighted mean over samples of the loss summed over outputs.

        dy_hat : ndarray of shape (n_samples, n_outputs)
            Row ``i`` is ``s_i dL_i/dy_hat_i``: the gradient of the weighted
            *sum* of the losses. The caller divides by the weight total
            together with the L2 term, in scikit-learn's order of operations,
            so that both estimators round alike.
        """
        return self._weighted(*self._pointwise(y, y_hat, out), sample_weight)

    def value_and_grad_z(self, y, y_hat, sample_weight=None, out=None, defer=False):
        """Return the mean loss and dL/dz, for ``y_hat = sigma(z)`` canonical.

        Only for a loss with a ``canonical_activation`` sigma. Where
        :meth:`value_and_grad` gives dL/dy_hat, to be multiplied by
        sigma'(z), this gives the product itself, in the simpler and exact form
        the pair allows (``y_hat - y`` for the Poisson deviance and the
        exponential, as scikit-learn computes it).

        Parameters and returns are those of :meth:`value_and_grad`, with
        ``dz`` (row ``i`` is ``s_i dL_i/dz_i``) in place of ``dy_hat``.
        """
        return self._weighted(*self._pointwise_z(y, y_hat, out), sample_weight)

    def value_xp(self, y, y_hat, sample_weight, space):
        """Return :meth:`value` as a 0-d array of ``space``'s namespace."""
        pointwise = self._pointwise_xp(y, y_hat, space)[0]
        return self._weighted_mean_xp(pointwise, sample_weight, space.xp)

    def value_and_grad_xp(self, y, y_hat, sample_weight, space):
        """Return :meth:`value_and_grad` for any namespace; the loss is 0-d.

        ``space`` is the fit's :class:`~skmlp._backend.ArraySpace`.
        """
        return self._weighted_xp(
            *self._pointwise_xp(y, y_hat, space), sample_weight, space.xp
        )

    def value_and_grad_z_xp(self, y, y_hat, sample_weight, space):
        """Return :meth:`value_and_grad_z` for any namespace; the loss is 0-d."""
        return self._weighted_xp(
            *self._pointwise_z_xp(y, y_hat, space), sample_weight, space.xp
        )

    def _pointwise(self, y, y_hat, out):
        """Return the loss and dL/dy_hat of each sample and output, unweighted."""
        raise NotImplementedError

    def _pointwise_xp(self, y, y_hat, space):
        """:meth:`_pointwise` for any namespace, allocating its results."""
        raise NotImplementedError

    def _pointwise_z(self, y, y_hat, out):
        """Return the loss and dL/dz of each sample and output, unweighted."""
        raise NotImplementedError(f"{self.name!r} has no canonical activation.")

    @staticmethod
    def _weighted_mean(pointwise, sample_weight):
        if sample_weight is None:
            # np.average(axis=0)'s arithmetic without its overhead per call.
            mean = np.add.reduce(pointwise, axis=0) / len(pointwise)
        else:
            mean = np.average(pointwise, weights=sample_weight, axis=0)
        return float(mean.sum())

    def _weighted(self, pointwise, grad, sample_weight):
        loss = self._weighted_mean(pointwise, sample_weight)
        if sample_weight is not None:
            grad *= sample_weight[:, np.newaxis]
        return loss, grad

    @staticmethod
    def _weighted_mean_xp(pointwise, sample_weight, xp):
        # np.average's operations: the weighted sum over samples, divided by
        # the weights' total.
        if sample_weight is None:
            mean = xp.sum(pointwise, axis=0) / pointwise.shape[0]
        else:
            weighted = pointwise * sample_weight[:, None]
            mean = xp.sum(weighted, axis=0) / xp.sum(sample_weight)
        return xp.sum(mean)

    def _weighted_xp(self, pointwise, grad, sample_weight, xp):
        loss = self._weighted_mean_xp(pointwise, sample_weight, xp)
        if sample_weight is not None:
            grad = grad * sample_weight[:, None]
        return loss, grad


class PendingLoss:
    """A minibatch's loss, to be computed later with the rest of its epoch.

    What :meth:`Loss.value_and_grad` returns with ``defer=True``, when the
    loss can defer: ``data``, what ``loss`` needs of the batch (for the one-hot
    cross-entropy, each row's class and the probability predicted for it).
    :func:`resolve_losses` computes it. Adding a number (the network's L2
    term) records it, to be added to the loss once computed: the same
    operation, later, so the same float.

    Parameters
    ----------
    loss : Loss
        The loss that computes it, with ``pending_values``.

    data : tuple
        What ``loss.pending_values`` reads of the batch.

    addends : tuple of float, default=()
        Numbers to add, in order, once the loss is computed.
    """

    __slots__ = ("addends", "data", "loss")

    def __init__(self, loss, data, addends=()):
        self.loss, self.data, self.addends = loss, data, addends

    def __add__(self, other):
        return PendingLoss(self.loss, self.data, (*self.addends, other))


def resolve_losses(pending):
    """Compute :class:`PendingLoss` values, those of one loss together.

    Parameters
    ----------
    pending : sequence of PendingLoss
        Of one fit: every one has the same ``loss``.

    Returns
    -------
    losses : list of numpy.float64
        In order, each the number the batch's loss would have been if
        computed at once.
    """
    if not pending:
        return []
    values = pending[0].loss.pending_values([p.data for p in pending])
    losses = []
    for value, p in zip(values, pending, strict=True):
        for addend in p.addends:
            value += addend
        losses.append(value)
    return losses


@dataclass(frozen=True)
class HalfSquaredError(Loss):
    r"""Half squared error, the seed's loss.

    .. math::

        L = \frac{1}{2} \lVert \hat{y} - y \rVert^2, \qquad
        \frac{\partial L}{\partial \hat{y}} = \hat{y} - y
    """

    name = "squared_error"

    def _pointwise(self, y, y_hat, out):
        dy_hat = np.subtract(y_hat, y, out=out)
        loss = dy_hat**2
        loss *= 0.5  # exact, so the mean rounds as 0.5 * mean(dy_hat**2) does
        return loss, dy_hat

    def _pointwise_xp(self, y, y_hat, space):
        dy_hat = y_hat - y
        return dy_hat**2 * 0.5, dy_hat


@dataclass(frozen=True)
class HalfPoissonDeviance(Loss):
    r"""Half Poisson deviance, for counts and other non-negative targets.

    .. math::

        L = y \log\frac{y}{\hat{y}} - y + \hat{y}, \qquad
        \frac{\partial L}{\partial \hat{y}} = \frac{\hat{y} - y}{\hat{y}}

    Its canonical output is the exponential (log link), whose derivative is
    :math:`\hat{y}`, so the output's dL/dz is :math:`\hat{y} - y`, computed
    as such (as scikit-learn does) rather than as the product of the two.
    """

    name = "poisson"
    default_out_activation = "exp"
    #: The deviance needs a strictly positive prediction.
    out_activations = ("exp", "softplus")
    canonical_activation = "exp"

    def check_target(self, y):
        """Raise a ValueError for negative targets.

        scikit-learn 1.9 fits them silently to a NaN loss.
        """
        xp = _namespace(y)  # on a device: one read, once per fit
        if xp.any(y < 0):
            raise ValueError(
                "loss='poisson' requires non-negative targets, but y has negative "
                f"values (min {float(xp.min(y)):.6g}). Use loss='squared_error' for "
                "targets of any sign, or shift y so that it is non-negative."
            )

    def _pointwise(self, y, y_hat, out):
        loss, nonzero = self._deviance(y, y_hat)
        dy_hat = np.subtract(y_hat, y, out=out)
        # Where y == 0, dL/dy_hat is 1: finite even when y_hat underflows to 0,
        # where (y_hat - y) / y_hat is 0/0.
        np.divide(dy_hat, y_hat, out=dy_hat, where=nonzero)
        dy_hat[~nonzero] = 1.0
        return loss, dy_hat

    def _pointwise_z(self, y, y_hat, out):
        # dL/dz = dL/dy_hat * exp'(z) = (y_hat - y) / y_hat * y_hat: written
        # y_hat - y, finite where y == 0 even if y_hat underflows to 0.
        return self._deviance(y, y_hat)[0], np.subtract(y_hat, y, out=out)

    def _pointwise_xp(self, y, y_hat, space):
        loss, nonzero = self._deviance_xp(y, y_hat, space)
        dy_hat = space.xp.where(nonzero, (y_hat - y) / y_hat, space.constant(1.0))
        return loss, dy_hat

    def _pointwise_z_xp(self, y, y_hat, space):
        return self._deviance_xp(y, y_hat, space)[0], y_hat - y

    @staticmethod
    def _deviance_xp(y, y_hat, space):
        nonzero = y != 0
        ratio = space.xp.where(nonzero, y / y_hat, space.constant(1.0))
        return space.special(xlogy, y, ratio) - y + y_hat, nonzero

    @staticmethod
    def _deviance(y, y_hat):
        # Where y == 0 the loss is y_hat, finite even when y_hat underflows to
        # 0, where y / y_hat is 0/0.
        nonzero = y != 0
        ratio = np.divide(y, y_hat, out=np.ones_like(y_hat), where=nonzero)
        return xlogy(y, ratio) - y + y_hat, nonzero


@dataclass(frozen=True)
class Huber(Loss):
    r"""Huber loss, quadratic near zero and linear beyond ``delta``.

    Per output component, with residual :math:`r = \hat{y} - y`:

    .. math::

        \ell(r) = \begin{cases}
            \frac{1}{2} r^2 & |r| \le \delta \\
            \delta \left(|r| - \frac{\delta}{2}\right) & |r| > \delta
        \end{cases}, \qquad
        \frac{\partial \ell}{\partial \hat{y}} = \operatorname{clip}(r, -\delta, \delta)

    summed over outputs and averaged over samples like the squared error. Its
    bounded gradient makes the fit robust to outliers in ``y``.

    Parameters
    ----------
    delta : float, default=1.0
        Where the loss turns from quadratic to linear, in units of ``y``.
    """

    delta: float = 1.0
    name = "huber"
    estimator_params = {"delta": "huber_delta"}

    def _pointwise(self, y, y_hat, out):
        r = np.subtract(y_hat, y, out=out)
        abs_r = np.abs(r)
        loss = np.where(
            abs_r <= self.delta, 0.5 * r**2, self.delta * (abs_r - 0.5 * self.delta)
        )
        return loss, np.clip(r, -self.delta, self.delta, out=r)

    def _pointwise_xp(self, y, y_hat, space):
        xp = space.xp
        r = y_hat - y
        abs_r = xp.abs(r)
        loss = xp.where(
            abs_r <= self.delta, 0.5 * r**2, self.delta * (abs_r - 0.5 * self.delta)
        )
        return loss, xp.clip(r, -self.delta, self.delta)


class _CrossEntropy(Loss):
    """What the two cross-entropies share: scikit-learn's clipping of ``y_hat``.

    Targets are 0 or 1 (the classifier binarizes its labels). The loss is
    computed on ``y_hat`` clipped to ``[eps, 1 - eps]``, ``eps`` the machine
    epsilon of its dtype, as scikit-learn's ``log_loss`` and
    ``binary_log_loss`` do, so that a saturated output gives a large but
    finite loss. The gradient dL/dz of the canonical pair, ``y_hat - y``,
    uses the unclipped ``y_hat``, also as scikit-learn does.

    The logarithms are taken in float64 even for float32 data: scikit-learn's
    targets are boolean, for which scipy's ``xlogy`` picks its float64 loop,
    so its float32 losses are float64 sums of float64 terms. Computing them
    alike keeps float32 loss curves equal to the last bit.
    """

    def check_target(self, y):
        """Raise a ValueError unless every target is in [0, 1]."""
        xp = _namespace(y)  # on a device: one read, once per fit
        if xp.any((y < 0) | (y > 1)):
            raise ValueError(
                f"loss={self.name!r} needs targets in [0, 1] (binarized labels); "
                f"got values from {float(xp.min(y)):.6g} to {float(xp.max(y)):.6g}."
            )

    @staticmethod
    def _weighted_mean(pointwise, sample_weight):
        # A numpy float64, not a Python float, which NumPy treats as weak:
        # the float32 L2 term added to it must give float64, as it does in
        # scikit-learn.
        return np.float64(Loss._weighted_mean(pointwise, sample_weight))

    @staticmethod
    def _clipped(y_hat):
        eps = np.finfo(y_hat.dtype).eps
        return np.clip(y_hat, eps, 1 - eps)

    def _pointwise_z(self, y, y_hat, out):
        # The canonical pair's dL/dz = y_hat - y: see the class docstrings.
        return self._pointwise_loss(y, self._clipped(y_hat)), np.subtract(
            y_hat, y, out=out
        )

    @staticmethod
    def _clipped_xp(y_hat, space):
        eps = space.xp.finfo(y_hat.dtype).eps
        return space.xp.clip(y_hat, eps, 1 - eps)

    @staticmethod
    def _xlogy_xp(x, y, space):
        # In float64, as the numpy path's xlogy(..., dtype=np.float64).
        xp = space.xp
        x, y = xp.astype(x, xp.float64), xp.astype(y, xp.float64)
        return space.special(xlogy, x, y)

    def _pointwise_z_xp(self, y, y_hat, space):
        y_prob = self._clipped_xp(y_hat, space)
        return self._pointwise_loss_xp(y, y_prob, space), y_hat - y


@dataclass(frozen=True)
class CrossEntropy(_CrossEntropy):
    r"""Cross-entropy of a one-hot target, for multiclass classification.

    scikit-learn's ``log_loss``. Per sample, with :math:`y` one-hot over the
    :math:`k` classes and :math:`\hat{y}` a probability vector:

    .. math::

        L = -\sum_j y_j \log \hat{y}_j, \qquad
        \frac{\partial L}{\partial \hat{y}_j} = -\frac{y_j}{\hat{y}_j}

    Its canonical output is the softmax,
    :math:`\hat{y}_j = e^{z_j} / \sum_k e^{z_k}`. Each :math:`\hat{y}_j`
    depends on every :math:`z_k`, with Jacobian
    :math:`\partial \hat{y}_j / \partial z_k = \hat{y}_j
    (\delta_{jk} - \hat{y}_k)`, and its product with dL/dy_hat, using
    :math:`\sum_j y_j = 1`, is

    .. math::

        \frac{\partial L}{\partial z_k}
        = -\sum_j \frac{y_j}{\hat{y}_j} \hat{y}_j (\delta_{jk} - \hat{y}_k)
        = \hat{y}_k - y_k,

    which :meth:`value_and_grad_z` returns without forming the Jacobian.

    Parameters
    ----------
    one_hot : bool, default=False
        Whether every row of the targets is one-hot: a single 1, zeros
        elsewhere, as the classifier's encoded labels are. Then, without
        ``sample_weight``, the loss takes the logarithm of each row's true
        class only (one entry in ``n_classes``) and sums those terms by class
        in scikit-learn's order (:meth:`_one_hot_value`), which gives the
        same number to the last bit for a fraction of the work. Other
        targets with ``one_hot=True`` give a wrong loss, never an error.
    """

    one_hot: bool = False
    name = "log_loss"
    default_out_activation = "softmax"
    out_activations = ("softmax",)
    canonical_activation = "softmax"

    def value(self, y, y_hat, sample_weight=None):
        """Return the mean loss; see :meth:`Loss.value`."""
        if self.one_hot and sample_weight is None:
            return self._one_hot_value(y, y_hat)
        return super().value(y, y_hat, sample_weight)

    def value_and_grad_z(self, y, y_hat, sample_weight=None, out=None, defer=False):
        """Return the mean loss and dL/dz; see :meth:`Loss.value_and_grad_z`.

        With ``one_hot``, no ``sample_weight`` and ``defer``, the loss is a
        :class:`PendingLoss`: only each row's class and the probability
        predicted for it are taken now.
        """
        if self.one_hot and sample_weight is None:
            true_classes = self._true_classes(y, y_hat)
            loss = (
                PendingLoss(self, true_classes)
                if defer
                else self._one_hot_values([true_classes])[0]
            )
            return loss, np.subtract(y_hat, y, out=out)
        return super().value_and_grad_z(y, y_hat, sample_weight, out)

    def _one_hot_value(self, y, y_hat):
        """Return the mean loss of one-hot targets, as :meth:`Loss.value` does."""
        return self._one_hot_values([self._true_classes(y, y_hat)])[0]

    def pending_values(self, pending):
        """Return the losses of this loss's :class:`PendingLoss` data, in float64."""
        return self._one_hot_values(pending)

    @staticmethod
    def _true_classes(y, y_hat):
        """Return the rows' classes, their predicted probabilities, the classes.

        ``(labels, y_prob, n_classes)``; ``y_prob`` is a copy, so ``y_hat``
        may be overwritten.
        """
        n_samples, n_classes = y_hat.shape
        # The rows' classes: exact, the targets being 0 and 1.
        labels = np.matmul(y, _class_indices(n_classes, y.dtype)).astype(np.intp)
        y_prob = y_hat.take(labels + _row_starts(n_samples, n_classes))
        return labels, y_prob, n_classes

    @staticmethod
    def _one_hot_values(batches):
        """Return the mean loss of each batch of one-hot targets, together.

        ``batches`` holds what :meth:`_true_classes` returned for each batch.
        scikit-learn sums ``xlogy(y, y_prob)`` over a batch's samples, class
        by class, row after row (numpy's sum over the first axis of a
        C-ordered array), then divides by the samples and sums over the
        classes. All but the true class's terms are ``xlogy(0, p) = 0``,
        which leave the sums as they are, so the same sums are those of the
        true classes' terms alone, row after row: ``np.bincount`` with
        weights adds them in that order, here keyed by batch and class, so
        one call makes every batch's sums. The terms are ``xlogy(1, p)``,
        computed by the same function on the same clipped probabilities, in
        float64; each batch's class means are then summed as a row of their
        own (the same pairwise sum as scikit-learn's over a vector of them).
        The sign is applied last, which changes no rounding.

        Returns
        -------
        losses : ndarray of shape (n_batches,)
            float64.
        """
        n_classes = batches[0][2]
        sizes = np.array([len(labels) for labels, _, _ in batches])
        if len(batches) == 1:
            keys, y_prob, _ = batches[0]
        else:
            rows_batch = np.repeat(np.arange(len(batches)), sizes)
            labels = np.concatenate([labels for labels, _, _ in batches])
            keys = rows_batch * n_classes + labels
            y_prob = np.concatenate([y_prob for _, y_prob, _ in batches])
        low, high = _clip_bounds(y_prob.dtype)
        y_prob = np.maximum(y_prob, low)  # np.clip's numbers, fewer calls
        np.minimum(y_prob, high, out=y_prob)
        terms = xlogy(1.0, y_prob, dtype=np.float64)  # the true classes' y is 1
        means = np.bincount(keys, terms, minlength=len(batches) * n_classes)
        means = means.reshape(len(batches), n_classes)
        means /= sizes[:, np.newaxis]
        return np.negative(np.add.reduce(means, axis=1))

    @staticmethod
    def _pointwise_loss(y, y_prob):
        # xlogy: 0 * log(y_prob) is 0. In float64 (see _CrossEntropy).
        return -xlogy(y, y_prob, dtype=np.float64)

    def _pointwise(self, y, y_hat, out):
        y_prob = self._clipped(y_hat)
        dy_hat = np.divide(y, y_prob, out=out)
        np.negative(dy_hat, out=dy_hat)
        return self._pointwise_loss(y, y_prob), dy_hat

    def _pointwise_loss_xp(self, y, y_prob, space):
        return -self._xlogy_xp(y, y_prob, space)

    def _pointwise_xp(self, y, y_hat, space):
        y_prob = self._clipped_xp(y_hat, space)
        return self._pointwise_loss_xp(y, y_prob, space), -(y / y_prob)


@dataclass(frozen=True)
class BinaryCrossEntropy(_CrossEntropy):
    r"""Binary cross-entropy of each output, for binary and multilabel targets.

    scikit-learn's ``binary_log_loss``. Per sample, summed over the outputs
    (one for a binary problem, one per label for multilabel targets):

    .. math::

        L = -\sum_j \left(y_j \log \hat{y}_j
            + (1 - y_j) \log (1 - \hat{y}_j)\right), \qquad
        \frac{\partial L}{\partial \hat{y}_j}
        = \frac{\hat{y}_j - y_j}{\hat{y}_j (1 - \hat{y}_j)}

    Its canonical output is the logistic, elementwise, whose derivative
    :math:`\hat{y}_j (1 - \hat{y}_j)` cancels the denominator:
    :math:`\partial L / \partial z_j = \hat{y}_j - y_j`, which
    :meth:`value_and_grad_z` returns.
    """

    name = "binary_log_loss"
    default_out_activation = "logistic"
    out_activations = ("logistic",)
    canonical_activation = "logistic"

    @staticmethod
    def _pointwise_loss(y, y_prob):
        # In float64 (see _CrossEntropy).
        return -(
            xlogy(y, y_prob, dtype=np.float64)
            + xlogy(1 - y, 1 - y_prob, dtype=np.float64)
        )

    def _pointwise(self, y, y_hat, out):
        y_prob = self._clipped(y_hat)
        dy_hat = np.subtract(y_prob, y, out=out)
        dy_hat /= y_prob * (1 - y_prob)
        return self._pointwise_loss(y, y_prob), dy_hat

    def _pointwise_loss_xp(self, y, y_prob, space):
        return -(
            self._xlogy_xp(y, y_prob, space) + self._xlogy_xp(1 - y, 1 - y_prob, space)
        )

    def _pointwise_xp(self, y, y_hat, space):
        y_prob = self._clipped_xp(y_hat, space)
        dy_hat = (y_prob - y) / (y_prob * (1 - y_prob))
        return self._pointwise_loss_xp(y, y_prob, space), dy_hat


@dataclass(frozen=True)
class Pinball(Loss):
    r"""Pinball (quantile) loss: its minimizer is the ``quantile`` of ``y``.

    Per output component, with residual :math:`r = y - \hat{y}` and
    quantile :math:`q \in (0, 1)`:

    .. math::

        \ell(r) = \max\left(q r, (q - 1) r\right), \qquad
        \frac{\partial \ell}{\partial \hat{y}} = \begin{cases}
            -q & \hat{y} < y \\
            0 & \hat{y} = y \\
            1 - q & \hat{y} > y
        \end{cases}

    At the kink :math:`\hat{y} = y` the loss has no derivative; its
    sub-differential is :math:`[-q, 1 - q]`, which holds 0, and 0 is the
    sub-gradient taken there: the one of least norm, and for :math:`q = 1/2`
    numpy's ``sign(0) = 0`` of the absolute error. (scikit-learn's
    ``PinballLoss`` takes :math:`-q` there.)

    Parameters
    ----------
    quantile : float, default=0.5
        The quantile :math:`q` to predict; 0.5 is the median.
    """

    quantile: float = 0.5
    name = "quantile"
    estimator_params = {"quantile": "quantile"}

    def _pointwise(self, y, y_hat, out):
        q = self.quantile
        r = np.subtract(y, y_hat)
        loss = np.maximum(q * r, (q - 1) * r)
        # dl/dy_hat: 1 - q where y_hat is above y, 0 at the kink, then -q
        # where y_hat is below y.
        dy_hat = np.multiply(r < 0, 1 - q, out=out, dtype=r.dtype)
        np.subtract(dy_hat, q, out=dy_hat, where=r > 0)
        return loss, dy_hat

    def _pointwise_xp(self, y, y_hat, space):
        q, xp = self.quantile, space.xp
        r = y - y_hat
        loss = xp.maximum(q * r, (q - 1) * r)
        # The numpy path's values: 1 - q, 0 at the kink, -q; in the model's dtype.
        dy_hat = xp.where(r < 0, space.constant(1 - q), space.constant(0.0))
        return loss, xp.where(r > 0, -space.constant(q), dy_hat)


@functools.lru_cache(maxsize=8)
def _clip_bounds(dtype):
    """Return ``eps`` and ``1 - eps`` of ``dtype``, as scikit-learn clips."""
    eps = np.finfo(dtype).eps
    return eps, 1 - eps


@functools.lru_cache(maxsize=8)
def _class_indices(n_classes, dtype):
    """Return ``0, ..., n_classes - 1`` in ``dtype`` (read only, shared)."""
    indices = np.arange(n_classes, dtype=dtype)
    indices.flags.writeable = False
    return indices


@functools.lru_cache(maxsize=8)
def _row_starts(n_samples, n_classes):
    """Return the flat index of each row's first entry (read only, shared)."""
    starts = np.arange(0, n_samples * n_classes, n_classes, dtype=np.intp)
    starts.flags.writeable = False
    return starts


#: Loss classes by the name of the regressor's ``loss`` parameter.
LOSSES = {
    loss.name: loss for loss in (HalfSquaredError, HalfPoissonDeviance, Huber, Pinball)
}

#: The classifier's losses, by name: chosen by the type of target (softmax
#: and cross-entropy for multiclass, logistic and binary cross-entropy for
#: binary and multilabel targets), never by a parameter.
CLASSIFICATION_LOSSES = {loss.name: loss for loss in (CrossEntropy, BinaryCrossEntropy)}


def get_loss(name, **params):
    """Return the loss for the estimator's ``loss`` and its parameters.

    Parameters
    ----------
    name : str
        A key of :data:`LOSSES` or :data:`CLASSIFICATION_LOSSES`.

    **params
        Estimator parameters, such as ``huber_delta`` or ``quantile``: each
        loss takes those its ``estimator_params`` names, and the others are
        ignored. A missing one keeps the loss's default.

    Returns
    -------
    loss : Loss
    """
    loss_class = LOSSES.get(name) or CLASSIFICATION_LOSSES[name]
    return loss_class(
        **{
            field: params[param]
            for field, param in loss_class.estimator_params.items()
            if param in params
        }
    )
