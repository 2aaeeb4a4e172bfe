"""Minibatch optimizers on the flat parameter vector ``theta``.

Each optimizer keeps three things apart, as optax does:

- its hyperparameters, the fields of a small frozen dataclass;
- its state, a ``dict`` of numpy arrays and Python numbers made by ``init``;
- the update ``step(theta, grad, state)``.

The state is plain data, so it pickles, deep-copies and saves with skops as is,
and ``partial_fit`` or a warm start just carries it on. ``step`` updates
``theta`` and the state **in place**: ``theta`` is one contiguous vector, and a
few vectorized operations on it replace scikit-learn's loops over per-layer
arrays. The arithmetic is scikit-learn's, operation for operation, so both
follow the same trajectory up to rounding.

``step`` works in place and in two scratch vectors that each optimizer object
keeps for itself (:meth:`_Scratch.scratch`), never in the state: the update of a
large network then allocates nothing, and the state stays plain data.
Hyperparameters enter the arithmetic as Python floats, so that float32
parameters stay float32 (NEP 50: a numpy float64 scalar would promote them).

Optimizers never decide when training stops and never print: they only say
whether their learning rate can still be reduced (:meth:`SGD.reduce_learning_rate`).
"""

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class _Scratch:
    """Two lazily made work vectors shaped like ``theta``, not part of any state."""

    _buffers: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def scratch(self, theta):
        """Return two arrays shaped like ``theta``, the same ones on every call."""
        key = (theta.shape, theta.dtype)
        if key not in self._buffers:
            self._buffers.clear()
            self._buffers[key] = (np.empty_like(theta), np.empty_like(theta))
        return self._buffers[key]


@dataclass(frozen=True)
class SGD(_Scratch):
    """Stochastic gradient descent with momentum and a learning-rate schedule.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate.

    learning_rate : {'constant', 'invscaling', 'adaptive'}
        The schedule, as in MLPRegressor.

    momentum : float
        Momentum ``mu`` in ``[0, 1]``.

    nesterovs_momentum : bool
        Whether to use Nesterov's momentum.

    power_t : float
        Exponent of the ``'invscaling'`` schedule.
    """

    learning_rate_init: float = 0.1
    learning_rate: str = "constant"
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    power_t: float = 0.5

    def init(self, theta):
        """Return the initial state: zero velocity and the initial rate."""
        return {
            "learning_rate": float(self.learning_rate_init),
            "velocity": np.zeros_like(theta),
        }

    def step(self, theta, grad, state):
        r"""Update ``theta`` and ``state`` in place with one gradient.

        .. math::

            v \leftarrow \mu v - \eta g, \qquad
            \theta \leftarrow \theta + v
            \quad \text{or, with Nesterov,} \quad
            \theta \leftarrow \theta + \mu v - \eta g
        """
        lr, v = float(state["learning_rate"]), state["velocity"]
        mu = float(self.momentum)
        lr_grad, update = self.scratch(theta)
        np.multiply(grad, lr, out=lr_grad)
        v *= mu
        v -= lr_grad
        if self.nesterovs_momentum:
            np.multiply(v, mu, out=update)
            update -= lr_grad
            theta += update
        else:
            theta += v

    def iteration_ends(self, state, time_step):
        """Apply the ``'invscaling'`` schedule at the end of an epoch.

        ``time_step`` is the number of samples seen so far (``t_``).
        """
        if self.learning_rate == "invscaling":
            state["learning_rate"] = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def reduce_learning_rate(self, state):
        """On a plateau, divide an ``'adaptive'`` rate by 5.

        Returns
        -------
        reduced : bool
            False when the schedule is not adaptive or the rate is already at
            most 1e-6, that is when training should stop instead.
        """
        if self.learning_rate != "adaptive" or state["learning_rate"] <= 1e-6:
            return False
        state["learning_rate"] /= 5.0
        return True


@dataclass(frozen=True)
class Adam(_Scratch):
    """Adam (Kingma and Ba, 2014).

    Parameters
    ----------
    learning_rate_init : float
        The step size ``eta``.

    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates, in ``[0, 1)``.

    epsilon : float
        Added to the denominator for numerical stability.
    """

    learning_rate_init: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8

    def init(self, theta):
        """Return the initial state: step count 0 and zero moments."""
        return {
            "learning_rate": float(self.learning_rate_init),
            "t": 0,
            "m": np.zeros_like(theta),
            "v": np.zeros_like(theta),
        }

    def step(self, theta, grad, state):
        r"""Update ``theta`` and ``state`` in place with one gradient.

        .. math::

            m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
            v \leftarrow \beta_2 v + (1 - \beta_2) g^2,

            \theta \leftarrow \theta - \eta
            \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
            \frac{m}{\sqrt{v} + \epsilon}
        """
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        beta_1, beta_2 = float(self.beta_1), float(self.beta_2)
        lr = float(self.learning_rate_init) * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        state["learning_rate"] = lr
        # scikit-learn's operations and order, so the same numbers; the two
        # scratch vectors take the place of its temporaries.
        work, step = self.scratch(theta)
        m *= beta_1
        m += np.multiply(grad, 1 - beta_1, out=work)
        v *= beta_2
        np.multiply(grad, grad, out=work)
        v += np.multiply(work, 1 - beta_2, out=work)
        denom = np.sqrt(v, out=work)
        denom += float(self.epsilon)
        np.multiply(m, lr, out=step)
        theta -= np.divide(step, denom, out=step)

    def iteration_ends(self, state, time_step):
        """Adam has no per-epoch schedule."""

    def reduce_learning_rate(self, state):
        """Adam's rate is never reduced on a plateau: training stops."""
        return False


def clip_grad_norm(grad, max_norm):
    r"""Scale ``grad`` in place so that its L2 norm is at most ``max_norm``.

    .. math::

        g \leftarrow g \min\left(1, \frac{c}{\lVert g \rVert_2}\right)

    The norm is global, over all weights and biases (L2 term included), so
    the direction of the step is kept and only its length is bounded.

    Returns
    -------
    norm : float
        The norm before clipping.
    """
    norm = float(np.linalg.norm(grad))
    if norm > max_norm:
        grad *= max_norm / norm
    return norm
