r"""A public finite-difference check of the backpropagated gradient."""

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["GradientCheck", "check_gradients"]

#: Step of the central differences, relative to max(1, |theta_i|): near the
#: cube root of machine epsilon it balances the O(h^2) truncation error of
#: central differences against rounding.
_STEP = np.cbrt(np.finfo(np.float64).eps)

#: A stencil whose kink indicator exceeds this times the loss crosses a kink.
#: Rounding puts about 20 eps |L| / h ~ 1e-9 |L| in the indicator of a smooth
#: loss; a kink crossed by one sample near the end of the stencil can give
#: less and is missed, but then it moves the difference by as little.
_KINK_TOLERANCE = 1e-7


class GradientCheck(float):
    r"""The result of :func:`check_gradients`: a float, with the details.

    Its value is ``relative_error``, so ``check_gradients(est, X, y) < 1e-6``
    reads as before; the attributes tell how it was obtained.

    Attributes
    ----------
    relative_error : float
        :math:`\lVert g - \hat g \rVert / \max(\lVert g \rVert,
        \lVert \hat g \rVert, |L|)` over the parameters whose stencil
        crosses no kink, with :math:`g` the backpropagated gradient,
        :math:`\hat g` the central differences and :math:`L` the loss.
        ``nan`` if every stencil crosses a kink.

    absolute_error : float
        :math:`\lVert g - \hat g \rVert` over the same parameters.

    loss : float
        The loss :math:`L` at the checked weights.

    n_params : int
        The number of weights and biases.

    n_kinks : int
        The number of parameters whose finite-difference stencil crosses a
        kink of the loss (``'relu'`` at zero, for example); they are left out
        of both errors.

    kinks : ndarray of shape (n_params,), dtype=bool
        Which parameters those are, laid out like ``theta_``.

    gradient : ndarray of shape (n_params,)
        The backpropagated gradient :math:`g`.

    numeric_gradient : ndarray of shape (n_params,)
        The central differences :math:`\hat g`; unreliable where ``kinks``.
    """

    def __new__(cls, relative_error=np.nan, **details):
        self = super().__new__(cls, relative_error)
        self.__dict__.update(details)
        return self

    @property
    def relative_error(self):
        """The value of this float."""
        return float(self)

    def __reduce__(self):
        return type(self), (float(self),), self.__dict__

    def __repr__(self):
        return (
            f"GradientCheck(relative_error={float(self):.3g}, "
            f"absolute_error={self.absolute_error:.3g}, loss={self.loss:.6g}, "
            f"n_kinks={self.n_kinks}, n_params={self.n_params})"
        )


def _differences(loss, theta):
    """Return the loss, the central differences and a kink indicator.

    For each parameter, ``f(t) = loss(theta + t e_i)`` at ``t`` in ``-h, -h/2,
    0, h/2, h``.
    """
    loss0 = loss(theta)
    numeric = np.empty_like(theta)
    indicator = np.empty_like(theta)
    shifted = theta.copy()
    for i, h in enumerate(_STEP * np.maximum(1.0, np.abs(theta))):
        f = []
        for t in (-h, -h / 2, h / 2, h):
            shifted[i] = theta[i] + t
            f.append(loss(shifted))
        shifted[i] = theta[i]
        minus, minus_half, plus_half, plus = f
        numeric[i] = (plus - minus) / (2 * h)
        # For a smooth f both tests are O(h^2) plus rounding. A kink of f at
        # t* in (-h, h), whose slope jumps by J, moves numeric[i] by
        # J (h - |t*|) / 2h; at least a quarter of that shows in one test:
        # halving the step changes the central difference (most for |t*|
        # near h / 2), or the second difference stops shrinking with the
        # step (most for t* near 0).
        halved = (plus_half - minus_half) / h
        second = (plus - 2 * loss0 + minus) / h
        second_halved = (plus_half - 2 * loss0 + minus_half) / (h / 2)
        indicator[i] = max(
            abs(numeric[i] - halved), abs(second - 2 * second_halved) / 2
        )
    return loss0, numeric, indicator


def _objective(estimator, X, y, sample_weight):
    """Return the objective and theta of a skmlp estimator, or of a Pipeline's."""
    if isinstance(estimator, Pipeline):
        try:
            check_is_fitted(estimator)
            X = estimator[:-1].transform(X)
        except NotFittedError:
            # Unfitted: the earlier steps are fitted on X as Pipeline.fit
            # would, on a copy, so the pipeline is not changed.
            X = clone(estimator[:-1]).fit_transform(X, y)
        estimator = estimator[-1]
    if not hasattr(estimator, "get_objective"):
        raise TypeError(
            "check_gradients needs a skmlp estimator, such as BackpropRegressor, "
            f"or a Pipeline ending in one; got {type(estimator).__name__}, which "
            "has no get_objective."
        )
    return estimator.get_objective(X, y, sample_weight)


def check_gradients(estimator, X, y, sample_weight=None):
    r"""Compare the backpropagated gradient with central finite differences.

    The loss is the one the estimator minimises: equation (3) of the user
    guide's derivation, with its ``loss``, activations and ``alpha``. Both
    gradients are taken over every weight and bias, in float64, with dropout
    switched off, at the estimator's current weights, or, if it is not
    fitted, at the initial weights its ``random_state`` gives (the estimator
    is not changed).

    A parameter whose finite-difference stencil crosses a kink of the loss
    (``'relu'``, ``'leaky_relu'`` or the Huber loss, where some sample's
    input to the kink changes sign within the step) has a central
    difference that need not equal the gradient: such parameters are
    detected from the loss alone, counted in ``n_kinks`` and left out of the
    errors. At a converged fit with ``'relu'`` many are: the optimum sits
    where samples are on kinks.

    Parameters
    ----------
    estimator : BackpropRegressor, BackpropClassifier or Pipeline
        The model, fitted or not, or a Pipeline ending in one. The last step
        of a fitted Pipeline is checked on ``X`` transformed by the earlier
        steps; for an unfitted Pipeline, the earlier steps are fitted on
        ``X`` and ``y`` first, on a copy (the Pipeline is not changed).

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input data. Keep it small: the check evaluates the loss four times
        per parameter.

    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    result : GradientCheck
        A float, the relative error :math:`\lVert g - \hat{g} \rVert /
        \max(\lVert g \rVert, \lVert \hat{g} \rVert, |L|)` over the
        parameters whose stencil crosses no kink, with :math:`g` the
        backpropagated gradient, :math:`\hat{g}` the central differences and
        :math:`L` the loss. Its attributes give the absolute error, the loss,
        ``n_kinks`` and both gradients. The loss in the denominator keeps
        the ratio meaningful at an optimum, where both gradients are nearly
        zero and their difference is rounding. Values near 1e-8 or below
        mean the gradient is right; a wrong derivative gives 1e-4 or more.

    Raises
    ------
    TypeError
        If ``estimator`` is neither a skmlp estimator nor a Pipeline ending
        in one (scikit-learn's MLPRegressor, for example).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import BackpropRegressor, check_gradients
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(20, 3), rng.randn(20)
    >>> est = BackpropRegressor(hidden_layer_sizes=(5,), activation="tanh",
    ...                         alpha=0.1, random_state=0)
    >>> result = check_gradients(est, X, y)
    >>> result < 1e-6
    True
    >>> result.n_kinks, result.n_params
    (0, 26)
    """
    objective, theta = _objective(estimator, X, y, sample_weight)
    _, gradient = objective(theta)
    loss, numeric, indicator = _differences(lambda t: objective(t)[0], theta)
    kinks = indicator > _KINK_TOLERANCE * abs(loss)
    smooth = ~kinks
    absolute_error = float(np.linalg.norm(gradient[smooth] - numeric[smooth]))
    scale = max(
        np.linalg.norm(gradient[smooth]),
        np.linalg.norm(numeric[smooth]),
        abs(loss),
        1e-12,
    )
    return GradientCheck(
        absolute_error / scale if smooth.any() else np.nan,
        absolute_error=absolute_error,
        loss=float(loss),
        n_params=theta.size,
        n_kinks=int(kinks.sum()),
        kinks=kinks,
        gradient=gradient,
        numeric_gradient=numeric,
    )
