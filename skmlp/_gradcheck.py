"""A public finite-difference check of the backpropagated gradient."""

import numpy as np

__all__ = ["check_gradients"]


def check_gradients(estimator, X, y, sample_weight=None):
    r"""Compare the backpropagated gradient with central finite differences.

    The loss is the one the estimator minimises: equation (3) of the user
    guide's derivation, with its ``loss``, activations and ``alpha``. Both
    gradients are taken over every weight and bias, in float64, with dropout
    switched off, at the estimator's current weights, or, if it is not
    fitted, at the initial weights its ``random_state`` gives (the estimator
    is not changed).

    Parameters
    ----------
    estimator : BackpropRegressor
        The model, fitted or not.

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input data. Keep it small: the check evaluates the loss twice per
        parameter.

    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    relative_error : float
        :math:`\lVert g - \hat{g} \rVert / \max(\lVert g \rVert,
        \lVert \hat{g} \rVert, 10^{-12})`, with :math:`g` the backpropagated
        gradient and :math:`\hat{g}` the central difference. Values near
        1e-8 or below mean the gradient is right; kinks of ``'relu'`` at
        exactly zero can raise it for unlucky weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import BackpropRegressor, check_gradients
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(20, 3), rng.randn(20)
    >>> est = BackpropRegressor(hidden_layer_sizes=(5,), activation="tanh",
    ...                         alpha=0.1, random_state=0)
    >>> check_gradients(est, X, y) < 1e-6
    True
    """
    objective, theta = estimator.get_objective(X, y, sample_weight)

    def loss(t):
        return objective(t)[0]

    _, analytic = objective(theta)
    numeric = np.empty_like(theta)
    # Step near the cube root of machine epsilon balances the O(h^2)
    # truncation error of central differences against rounding.
    steps = np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(theta))
    shifted = theta.copy()
    for i, h in enumerate(steps):
        shifted[i] = theta[i] + h
        upper = loss(shifted)
        shifted[i] = theta[i] - h
        lower = loss(shifted)
        shifted[i] = theta[i]
        numeric[i] = (upper - lower) / (2 * h)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), 1e-12)
    return float(np.linalg.norm(analytic - numeric) / scale)
