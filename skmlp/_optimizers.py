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

Optimizers never decide when training stops and never print: they only say
whether their learning rate can still be reduced (:meth:`SGD.reduce_learning_rate`).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SGD:
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
        lr, v = state["learning_rate"], state["velocity"]
        v *= self.momentum
        v -= lr * grad
        if self.nesterovs_momentum:
            theta += self.momentum * v - lr * grad
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
class Adam:
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
        m *= self.beta_1
        m += (1 - self.beta_1) * grad
        v *= self.beta_2
        v += (1 - self.beta_2) * grad**2
        # A Python float, so that float32 theta stays float32 (NEP 50).
        lr = float(
            self.learning_rate_init * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        )
        state["learning_rate"] = lr
        denom = np.sqrt(v)
        denom += self.epsilon
        theta -= lr * m / denom

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
