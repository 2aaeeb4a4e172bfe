"""Activation functions sigma and their derivatives sigma'.

Each activation is a pair of functions over a whole batch:

- ``forward(z, out)`` writes ``a = sigma(z)`` into ``out`` and returns it. ``out``
  may be ``z`` itself, for the prediction path that needs no ``z`` afterwards.
- ``backward(da, z, a)`` receives ``da``, the gradient dL/da of the loss with
  respect to the activation, multiplies it in place by ``sigma'(z)`` and
  returns it: that is ``dz = dL/dz = da * sigma'(z)``, by the chain rule. It
  receives both ``z`` and ``a = sigma(z)`` because most derivatives are
  cheapest from ``a`` (``a (1 - a)`` for the logistic, ``1 - a**2`` for tanh)
  and the others need ``z``.

All are elementwise but one: the softmax, an output activation only, maps
each row to a probability vector. Its derivative is a full Jacobian per
sample, which is never formed: it is used only with its canonical loss, the
cross-entropy, which gives dL/dz itself (see :mod:`skmlp._losses`).

Each also has a generic pair for the Array API path (torch, cupy,
array-api-strict; see :mod:`skmlp._backend`): ``forward_xp(z, space) -> a``
and ``backward_xp(da, z, a, space) -> dz`` return new arrays instead of
writing into ``out``, and take their constants from ``space``
(:class:`~skmlp._backend.ArraySpace`). They do the numpy pair's operations in
the same order, so on array-api-strict they give the same bits.

They are looked up by name in :data:`ACTIVATIONS`. The estimator stores only
the name, so a fitted model holds no functions (pickle and skops stay simple).
"""

import math
from typing import NamedTuple

import numpy as np
from scipy.special import expit, ndtr

#: Slope of the leaky ReLU for negative inputs.
LEAKY_RELU_SLOPE = 0.01


class Activation(NamedTuple):
    """An activation sigma: its forward map and its derivative.

    ``forward(z, out) -> a`` and ``backward(da, z, a) -> dz``, where ``da`` is
    dL/da, multiplied in place by sigma'(z) into dL/dz.

    ``needs_z`` says whether ``backward`` reads ``z``. When it is false the
    network computes ``a`` in place over ``z`` and passes ``z=None``, which
    saves one array per layer during training.

    ``forward_xp(z, space) -> a`` and ``backward_xp(da, z, a, space) -> dz``
    are the same maps for any Array API namespace, allocating their results.
    """

    forward: object
    backward: object
    needs_z: bool = False
    forward_xp: object = None
    backward_xp: object = None


def _identity(z, out):
    r"""Identity, :math:`\sigma(z) = z`, :math:`\sigma'(z) = 1`."""
    if out is not z:
        out[...] = z
    return out


def _identity_backward(da, z, a):
    # sigma'(z) = 1: nothing to multiply.
    return da


def _logistic(z, out):
    r"""Logistic sigmoid, :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    scipy's ``expit`` saturates to 0 and 1 without overflow warnings, unlike
    ``1 / (1 + np.exp(-z))`` for large negative ``z``.
    """
    return expit(z, out=out)


def _logistic_backward(da, z, a):
    r""":math:`\sigma'(z) = \sigma(z) (1 - \sigma(z)) = a (1 - a)`."""
    da *= a
    da *= 1 - a
    return da


def _tanh(z, out):
    r"""Hyperbolic tangent, :math:`\sigma(z) = \tanh(z)`."""
    return np.tanh(z, out=out)


def _tanh_backward(da, z, a):
    r""":math:`\sigma'(z) = 1 - \tanh^2(z) = 1 - a^2`."""
    da *= 1 - a**2
    return da


def _relu(z, out):
    r"""Rectified linear unit, :math:`\sigma(z) = \max(z, 0)`."""
    return np.maximum(z, 0, out=out)


def _relu_backward(da, z, a):
    r""":math:`\sigma'(z) = 1` where :math:`z > 0`, else 0.

    Multiplying by the mask ``a > 0`` is several times faster than the boolean
    assignment ``da[a == 0] = 0`` and gives the same numbers for finite ``da``.
    """
    da *= a > 0
    return da


def _exp(z, out):
    r"""Exponential, :math:`\sigma(z) = e^z`, the inverse of the log link."""
    return np.exp(z, out=out)


def _exp_backward(da, z, a):
    r""":math:`\sigma'(z) = e^z = a`."""
    da *= a
    return da


def _leaky_relu(z, out):
    r"""Leaky ReLU, :math:`\sigma(z) = z` for :math:`z > 0`, else :math:`0.01 z`."""
    slope = np.where(z > 0, 1, LEAKY_RELU_SLOPE).astype(z.dtype, copy=False)
    return np.multiply(z, slope, out=out)


def _leaky_relu_backward(da, z, a):
    r""":math:`\sigma'(z) = 1` for :math:`z > 0`, else 0.01.

    ``a`` has the sign of ``z``, so the derivative is read from ``a``.
    """
    da *= np.where(a > 0, 1, LEAKY_RELU_SLOPE).astype(da.dtype, copy=False)
    return da


def _elu(z, out):
    r"""ELU (:math:`\alpha = 1`): :math:`z` for :math:`z > 0`, else :math:`e^z - 1`.

    ``expm1`` of ``min(z, 0)`` is accurate near 0 and never overflows.
    """
    out[...] = np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    return out


def _elu_backward(da, z, a):
    r""":math:`\sigma'(z) = 1` for :math:`z > 0`, else :math:`e^z = a + 1`."""
    da *= np.where(a > 0, 1, a + 1)
    return da


def _softplus(z, out):
    r"""Softplus, :math:`\sigma(z) = \log(1 + e^z)`, computed without overflow."""
    return np.logaddexp(0, z, out=out)


def _softplus_backward(da, z, a):
    r""":math:`\sigma'(z) = 1 / (1 + e^{-z}) = 1 - e^{-a}`.

    From :math:`e^a = 1 + e^z`; ``-expm1(-a)`` keeps full precision when
    ``a`` is tiny (large negative ``z``).
    """
    da *= -np.expm1(-a)
    return da


def _gelu(z, out):
    r"""GELU, exact: :math:`\sigma(z) = z\,\Phi(z)`, :math:`\Phi` the normal CDF."""
    return np.multiply(z, ndtr(z), out=out)


def _gelu_backward(da, z, a):
    r""":math:`\sigma'(z) = \Phi(z) + z\,\varphi(z)`."""
    da *= ndtr(z) + z * np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return da


def _silu(z, out):
    r"""SiLU (swish), :math:`\sigma(z) = z\, s(z)` with :math:`s` the logistic."""
    return np.multiply(z, expit(z), out=out)


def _silu_backward(da, z, a):
    r""":math:`\sigma'(z) = s(z)\,(1 + z (1 - s(z)))`."""
    s = expit(z)
    da *= s * (1 + z * (1 - s))
    return da


def _softmax(z, out):
    r"""Softmax of each row, :math:`\sigma(z)_j = e^{z_j} / \sum_k e^{z_k}`.

    Not elementwise: every output of a row depends on every input of the row.
    The row maximum is subtracted first, which leaves the result unchanged
    and keeps ``exp`` from overflowing; the operations are scikit-learn's
    ``inplace_softmax``, in its order, so both round alike.

    The row maximum is taken over a transposed copy: numpy reduces a row of a
    few classes in one short inner loop per row, which cost a batch of 200
    rows and 10 classes three times as much as copying and reducing the
    columns of the copy, element by element over all rows at once. A maximum
    does not round, so any order gives the same numbers.
    """
    row_max = np.maximum.reduce(z.T.copy(), axis=0)
    np.subtract(z, row_max[:, np.newaxis], out=out)
    np.exp(out, out=out)
    out /= np.add.reduce(out, axis=1)[:, np.newaxis]
    return out


def _softmax_backward(da, z, a):
    r"""Refuse: the softmax's derivative is a Jacobian, never formed here.

    Row by row, :math:`\partial a_j / \partial z_k = a_j (\delta_{jk} - a_k)`.
    With the cross-entropy, its canonical loss, the loss gives dL/dz directly
    (``y_hat - y``), and the network never calls this.
    """
    raise ValueError(
        "The softmax is only used as the output activation with its canonical "
        "loss, the cross-entropy (loss 'log_loss'), which gives dL/dz directly; "
        "its Jacobian is never formed, so it cannot follow another loss."
    )


# -- the generic pairs (any Array API namespace): the same operations, in the
# same order, returning new arrays; constants come from ``space``.


def _identity_xp(z, space):
    return z


def _identity_backward_xp(da, z, a, space):
    return da


def _logistic_xp(z, space):
    return space.special(expit, z)


def _logistic_backward_xp(da, z, a, space):
    return da * a * (1 - a)


def _tanh_xp(z, space):
    return space.xp.tanh(z)


def _tanh_backward_xp(da, z, a, space):
    return da * (1 - a**2)


def _relu_xp(z, space):
    return space.xp.maximum(z, space.constant(0.0))


def _relu_backward_xp(da, z, a, space):
    # The mask a > 0 as 0.0 or 1.0 (a >= 0): bool times float is not in the
    # standard; this gives the numpy path's bits and is the fastest on torch.
    xp = space.xp
    return da * xp.minimum(xp.ceil(a), space.constant(1.0))


def _exp_xp(z, space):
    return space.xp.exp(z)


def _exp_backward_xp(da, z, a, space):
    return da * a


def _leaky_relu_xp(z, space):
    slope = space.xp.where(z > 0, space.constant(1.0), space.constant(LEAKY_RELU_SLOPE))
    return z * slope


def _leaky_relu_backward_xp(da, z, a, space):
    slope = space.xp.where(a > 0, space.constant(1.0), space.constant(LEAKY_RELU_SLOPE))
    return da * slope


def _elu_xp(z, space):
    xp = space.xp
    return xp.where(z > 0, z, xp.expm1(xp.minimum(z, space.constant(0.0))))


def _elu_backward_xp(da, z, a, space):
    return da * space.xp.where(a > 0, space.constant(1.0), a + 1)


def _softplus_xp(z, space):
    return space.xp.logaddexp(space.constant(0.0), z)


def _softplus_backward_xp(da, z, a, space):
    return da * -space.xp.expm1(-a)


def _gelu_xp(z, space):
    return z * space.special(ndtr, z)


def _gelu_backward_xp(da, z, a, space):
    density = z * space.xp.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return da * (space.special(ndtr, z) + density)


def _silu_xp(z, space):
    return z * space.special(expit, z)


def _silu_backward_xp(da, z, a, space):
    s = space.special(expit, z)
    return da * (s * (1 + z * (1 - s)))


def _softmax_xp(z, space):
    xp = space.xp
    shifted = z - xp.max(z, axis=1, keepdims=True)
    a = xp.exp(shifted)
    return a / xp.sum(a, axis=1, keepdims=True)


def _softmax_backward_xp(da, z, a, space):
    return _softmax_backward(da, z, a)


#: Activations by name. ``'exp'`` and ``'softmax'`` are only used as output
#: activations, and ``'softmax'`` only with the cross-entropy.
ACTIVATIONS = {
    "identity": Activation(
        _identity, _identity_backward, False, _identity_xp, _identity_backward_xp
    ),
    "logistic": Activation(
        _logistic, _logistic_backward, False, _logistic_xp, _logistic_backward_xp
    ),
    "tanh": Activation(_tanh, _tanh_backward, False, _tanh_xp, _tanh_backward_xp),
    "relu": Activation(_relu, _relu_backward, False, _relu_xp, _relu_backward_xp),
    "leaky_relu": Activation(
        _leaky_relu,
        _leaky_relu_backward,
        False,
        _leaky_relu_xp,
        _leaky_relu_backward_xp,
    ),
    "elu": Activation(_elu, _elu_backward, False, _elu_xp, _elu_backward_xp),
    "softplus": Activation(
        _softplus, _softplus_backward, False, _softplus_xp, _softplus_backward_xp
    ),
    "gelu": Activation(_gelu, _gelu_backward, True, _gelu_xp, _gelu_backward_xp),
    "silu": Activation(_silu, _silu_backward, True, _silu_xp, _silu_backward_xp),
    "exp": Activation(_exp, _exp_backward, False, _exp_xp, _exp_backward_xp),
    "softmax": Activation(
        _softmax, _softmax_backward, False, _softmax_xp, _softmax_backward_xp
    ),
}

#: The names a user may choose for the hidden layers (MLPRegressor's first).
HIDDEN_ACTIVATIONS = (
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "gelu",
    "silu",
)

#: The names a user may choose for the regressor's output layer (not the
#: softmax, a classifier's output for the cross-entropy alone).
OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "exp")
