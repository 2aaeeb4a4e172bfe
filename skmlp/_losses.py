"""Loss functions L(y_hat, y), each with its gradient dL/dy_hat.

Every loss is per sample and summed over the outputs, then averaged over the
samples with ``sample_weight`` (equation (3) of :mod:`skmlp._network`). Each
loss computes its value and its gradient together in :meth:`value_and_grad`,
so the two can never disagree. (They do in scikit-learn 1.9 with several
outputs: its squared error averages over outputs while its gradient sums them,
scikit-learn issue #8349.)
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy


@dataclass(frozen=True)
class HalfSquaredError:
    r"""Half squared error, the seed's loss.

    .. math::

        L = \frac{1}{2} \lVert \hat{y} - y \rVert^2, \qquad
        \frac{\partial L}{\partial \hat{y}} = \hat{y} - y
    """

    name = "squared_error"
    default_out_activation = "identity"
    #: Output activations the loss works with; ``None`` means any.
    out_activations = None

    def check_target(self, y):
        """Any finite target is valid."""

    def value_and_grad(self, y, y_hat, sample_weight=None, out=None):
        """Return the mean loss and the per-sample gradient.

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
        dy_hat = np.subtract(y_hat, y, out=out)
        squared = dy_hat**2
        if sample_weight is None:
            # np.average(axis=0)'s arithmetic without its overhead per call.
            loss = 0.5 * (np.add.reduce(squared, axis=0) / len(squared)).sum()
        else:
            loss = 0.5 * np.average(squared, weights=sample_weight, axis=0).sum()
        if sample_weight is not None:
            dy_hat *= sample_weight[:, np.newaxis]
        return float(loss), dy_hat


@dataclass(frozen=True)
class HalfPoissonDeviance:
    r"""Half Poisson deviance, for counts and other non-negative targets.

    .. math::

        L = y \log\frac{y}{\hat{y}} - y + \hat{y}, \qquad
        \frac{\partial L}{\partial \hat{y}} = \frac{\hat{y} - y}{\hat{y}}

    Used with the exponential output (log link), whose derivative is
    :math:`\hat{y}`, so the output's ``dL/dz`` is :math:`\hat{y} - y`.
    """

    name = "poisson"
    default_out_activation = "exp"
    #: The deviance needs a strictly positive prediction.
    out_activations = ("exp", "softplus")

    def check_target(self, y):
        """Raise a ValueError for negative targets.

        scikit-learn 1.9 fits them silently to a NaN loss.
        """
        if np.any(y < 0):
            raise ValueError(
                "loss='poisson' requires non-negative targets, but y has negative "
                f"values (min {np.min(y):.6g}). Use loss='squared_error' for "
                "targets of any sign, or shift y so that it is non-negative."
            )

    def value_and_grad(self, y, y_hat, sample_weight=None, out=None):
        """Return the mean loss and the per-sample gradient.

        See :meth:`HalfSquaredError.value_and_grad` for the contract.
        """
        # Where y == 0 the loss is y_hat and dL/dy_hat is 1: finite even when
        # y_hat underflows to 0, where y / y_hat and (y_hat - y) / y_hat are 0/0.
        nonzero = y != 0
        ratio = np.divide(y, y_hat, out=np.ones_like(y_hat), where=nonzero)
        loss = np.average(
            xlogy(y, ratio) - y + y_hat, weights=sample_weight, axis=0
        ).sum()
        dy_hat = np.subtract(y_hat, y, out=out)
        np.divide(dy_hat, y_hat, out=dy_hat, where=nonzero)
        dy_hat[~nonzero] = 1.0
        if sample_weight is not None:
            dy_hat *= sample_weight[:, np.newaxis]
        return float(loss), dy_hat


@dataclass(frozen=True)
class Huber:
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
    default_out_activation = "identity"
    out_activations = None

    def check_target(self, y):
        """Any finite target is valid."""

    def value_and_grad(self, y, y_hat, sample_weight=None, out=None):
        """Return the mean loss and the per-sample gradient.

        See :meth:`HalfSquaredError.value_and_grad` for the contract.
        """
        r = np.subtract(y_hat, y, out=out)
        abs_r = np.abs(r)
        per_component = np.where(
            abs_r <= self.delta, 0.5 * r**2, self.delta * (abs_r - 0.5 * self.delta)
        )
        loss = np.average(per_component, weights=sample_weight, axis=0).sum()
        dy_hat = np.clip(r, -self.delta, self.delta, out=r)
        if sample_weight is not None:
            dy_hat *= sample_weight[:, np.newaxis]
        return float(loss), dy_hat


def get_loss(name, huber_delta=1.0):
    """Return the loss object for the estimator's ``loss`` parameter."""
    if name == "huber":
        return Huber(delta=huber_delta)
    return LOSSES[name]


#: Losses by the name of the estimator's ``loss`` parameter, with their
#: default parameters.
LOSSES = {
    loss.name: loss for loss in (HalfSquaredError(), HalfPoissonDeviance(), Huber())
}
