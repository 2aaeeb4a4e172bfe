"""Activation functions sigma and their derivatives sigma'.

Each activation is a pair of functions over a whole batch:

- ``forward(z, out)`` writes ``a = sigma(z)`` into ``out`` and returns it. ``out``
  may be ``z`` itself, for the prediction path that needs no ``z`` afterwards.
- ``backward(dz, z, a)`` multiplies ``dz`` in place by ``sigma'(z)``. It receives
  both ``z`` and ``a = sigma(z)`` because most derivatives are cheapest from
  ``a`` (``a (1 - a)`` for the logistic, ``1 - a**2`` for tanh) and the others
  need ``z``.

They are looked up by name in :data:`ACTIVATIONS`. The estimator stores only
the name, so a fitted model holds no functions (pickle and skops stay simple).
"""

from typing import NamedTuple

import numpy as np
from scipy.special import expit


class Activation(NamedTuple):
    """An activation sigma: its forward map and its derivative.

    ``needs_z`` says whether ``backward`` reads ``z``. When it is false the
    network computes ``a`` in place over ``z`` and passes ``z=None``, which
    saves one array per layer during training.
    """

    forward: object
    backward: object
    needs_z: bool = False


def _identity(z, out):
    r"""Identity, :math:`\sigma(z) = z`, :math:`\sigma'(z) = 1`."""
    if out is not z:
        out[...] = z
    return out


def _identity_backward(dz, z, a):
    # sigma'(z) = 1: nothing to multiply.
    return dz


def _logistic(z, out):
    r"""Logistic sigmoid, :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    scipy's ``expit`` saturates to 0 and 1 without overflow warnings, unlike
    ``1 / (1 + np.exp(-z))`` for large negative ``z``.
    """
    return expit(z, out=out)


def _logistic_backward(dz, z, a):
    r""":math:`\sigma'(z) = \sigma(z) (1 - \sigma(z)) = a (1 - a)`."""
    dz *= a
    dz *= 1 - a
    return dz


def _tanh(z, out):
    r"""Hyperbolic tangent, :math:`\sigma(z) = \tanh(z)`."""
    return np.tanh(z, out=out)


def _tanh_backward(dz, z, a):
    r""":math:`\sigma'(z) = 1 - \tanh^2(z) = 1 - a^2`."""
    dz *= 1 - a**2
    return dz


def _relu(z, out):
    r"""Rectified linear unit, :math:`\sigma(z) = \max(z, 0)`."""
    return np.maximum(z, 0, out=out)


def _relu_backward(dz, z, a):
    r""":math:`\sigma'(z) = 1` where :math:`z > 0`, else 0.

    Multiplying by the mask ``a > 0`` is several times faster than the boolean
    assignment ``dz[a == 0] = 0`` and gives the same numbers for finite ``dz``.
    """
    dz *= a > 0
    return dz


def _exp(z, out):
    r"""Exponential, :math:`\sigma(z) = e^z`, the inverse of the log link."""
    return np.exp(z, out=out)


def _exp_backward(dz, z, a):
    r""":math:`\sigma'(z) = e^z = a`."""
    dz *= a
    return dz


#: Activations by name. ``'exp'`` is only used as an output activation.
ACTIVATIONS = {
    "identity": Activation(_identity, _identity_backward),
    "logistic": Activation(_logistic, _logistic_backward),
    "tanh": Activation(_tanh, _tanh_backward),
    "relu": Activation(_relu, _relu_backward),
    "exp": Activation(_exp, _exp_backward),
}

#: The names a user may choose for the hidden layers.
HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
