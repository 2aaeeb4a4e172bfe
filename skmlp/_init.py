"""Initialisation schemes: the first ``theta`` of a fit.

Each scheme draws one layer's ``coefs_`` (shape ``(fan_in, fan_out)``, the
transpose of the derivation's :math:`W^l`) and ``intercepts_``. They are looked
up by name in :data:`INIT_SCHEMES`, whose keys are the estimator's ``init``
options, and :func:`initial_theta` draws every layer in turn.

The default, ``'glorot_uniform'``, draws exactly what
:class:`~sklearn.neural_network.MLPRegressor` draws, in the same order and
from the same generator, so that an integer ``random_state`` gives both
estimators the same initial weights.
"""

import numpy as np


def _glorot_uniform(random_state, fan_in, fan_out, activation):
    r"""Glorot and Bengio's uniform scheme, as scikit-learn draws it.

    ``coefs_`` then ``intercepts_`` from :math:`U(-r, r)` with
    :math:`r = \sqrt{f / (\text{fan\_in} + \text{fan\_out})}`, where
    :math:`f = 2` for the logistic activation and 6 otherwise (scikit-learn's
    narrower bound for the logistic, after Glorot and Bengio).
    """
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
    intercept = random_state.uniform(-bound, bound, fan_out)
    return coef, intercept


def _glorot_normal(random_state, fan_in, fan_out, activation):
    r"""Glorot normal; zero biases.

    :math:`N(0, s^2)` with :math:`s = \sqrt{2 / (\text{fan\_in} + \text{fan\_out})}`.
    """
    scale = np.sqrt(2 / (fan_in + fan_out))
    return random_state.normal(0, scale, (fan_in, fan_out)), np.zeros(fan_out)


def _he_uniform(random_state, fan_in, fan_out, activation):
    r"""He uniform; zero biases.

    :math:`U(-r, r)` with :math:`r = \sqrt{6 / \text{fan\_in}}`.
    """
    bound = np.sqrt(6 / fan_in)
    coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
    return coef, np.zeros(fan_out)


def _he_normal(random_state, fan_in, fan_out, activation):
    r"""He normal; zero biases.

    :math:`N(0, s^2)` with :math:`s = \sqrt{2 / \text{fan\_in}}`.
    """
    scale = np.sqrt(2 / fan_in)
    return random_state.normal(0, scale, (fan_in, fan_out)), np.zeros(fan_out)


#: Initialisation schemes by the name of the estimator's ``init`` parameter.
#: Each is ``scheme(random_state, fan_in, fan_out, activation) -> (coef,
#: intercept)``, in float64, ``coef`` of shape ``(fan_in, fan_out)``.
INIT_SCHEMES = {
    "glorot_uniform": _glorot_uniform,
    "glorot_normal": _glorot_normal,
    "he_uniform": _he_uniform,
    "he_normal": _he_normal,
}


def initial_theta(
    network, random_state, dtype, scheme="glorot_uniform", activation=None
):
    """Draw the initial weights and biases of ``network`` as one flat vector.

    Layers are drawn in turn, ``coefs_`` then ``intercepts_`` of each, in
    float64 and then cast to ``dtype``, as scikit-learn does; then the
    parameters of the network's numeric embedding, if it has one, by the
    embedding's own scheme (``init`` does not apply to them).

    Parameters
    ----------
    network : Network
        The architecture; read for ``activations`` and the layout of ``theta``.

    random_state : numpy.random.RandomState
        The generator to draw from.

    dtype : numpy dtype
        The dtype of the returned vector.

    scheme : {'glorot_uniform', 'glorot_normal', 'he_uniform', \
            'he_normal'}, default='glorot_uniform'
        A key of :data:`INIT_SCHEMES`.

    activation : str or list of str, default=None
        The estimator's ``activation`` parameter, which decides the
        activation a layer's scheme sees when there are no hidden layers.

    Returns
    -------
    theta : ndarray of shape (n_params,)
    """
    try:
        draw = INIT_SCHEMES[scheme]
    except KeyError:
        raise ValueError(
            f"Unknown init scheme {scheme!r}; choose from {sorted(INIT_SCHEMES)}."
        ) from None
    # MLPRegressor decides the Glorot bound of every layer by its single
    # activation. With one name per hidden layer, each hidden layer follows
    # its own and the output layer the last hidden one, so a list of equal
    # names draws what the single name draws.
    hidden = network.activations[:-1]
    names = [*hidden, hidden[-1] if hidden else activation]
    theta = np.empty(network.n_params, dtype=dtype)
    Ws, bs = network.unpack(theta)
    for W, b, name in zip(Ws, bs, names, strict=True):
        fan_out, fan_in = W.shape
        # Drawn as coefs_, i.e. W.T, like scikit-learn.
        W.T[...], b[...] = draw(random_state, fan_in, fan_out, name)
    if network.embedding is not None:
        # After the layers, so that they draw what they draw without one.
        phi = network.embedding.initial_params(random_state)
        network.embedding_params(theta)[...] = phi
    return theta
