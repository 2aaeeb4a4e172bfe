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
Poisson deviance, and later the softmax for the cross-entropy. The network
then skips that activation's derivative.

Each public method has a generic twin for the Array API path
(``value_and_grad_xp``, ``value_and_grad_z_xp``, ``value_xp``), written with
the same operations in the same order, without ``out=``, and returning the
loss as a 0-d array on the device: reading it would stall the device, so the
training loop reads the losses once per epoch.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy

from ._backend import ArraySpace


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

    def value_and_grad(self, y, y_hat, sample_weight=None, out=None):
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

        Returns
        -------
        loss : float
            The weighted mean over samples of the loss summed over outputs.

        dy_hat : ndarray of shape (n_samples, n_outputs)
            Row ``i`` is ``s_i dL_i/dy_hat_i``: the gradient of the weighted
            *sum* of the losses. The caller divides by the weight total
            together with the L2 term, in scikit-learn's order of operations,
            so that both estimators round alike.
        """
        return self._weighted(*self._pointwise(y, y_hat, out), sample_weight)

    def value_and_grad_z(self, y, y_hat, sample_weight=None, out=None):
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
        # On a device: one read, once per fit.
        xp = np if isinstance(y, np.ndarray) else ArraySpace.of(y).xp
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


#: Loss classes by the name of the estimator's ``loss`` parameter.
LOSSES = {loss.name: loss for loss in (HalfSquaredError, HalfPoissonDeviance, Huber)}


def get_loss(name, huber_delta=1.0):
    """Return the loss for the estimator's ``loss`` and its parameters.

    Parameters
    ----------
    name : str
        A key of :data:`LOSSES`.

    huber_delta : float, default=1.0
        The estimator's ``huber_delta``. Only used when ``name='huber'``.

    Returns
    -------
    loss : Loss
    """
    params = {"huber_delta": huber_delta}
    loss_class = LOSSES[name]
    return loss_class(
        **{field: params[param] for field, param in loss_class.estimator_params.items()}
    )
