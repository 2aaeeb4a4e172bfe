"""Minibatch optimizers on the flat parameter vector ``theta``, optax-style.

Three things are kept apart, as optax does:

- **hyperparameters**, the fields of small frozen dataclasses: an optimizer
  (:class:`SGD`, :class:`Adam`), the learning-rate schedule it follows
  (:class:`Constant`, :class:`InvScaling`, :class:`Adaptive`,
  :class:`Cosine`), the transforms applied to each gradient before the step
  (:class:`ClipByGlobalNorm`) and the decoupled weight decay applied to
  ``theta`` at each step (:class:`DecoupledWeightDecay`);
- **state**, a ``NamedTuple`` per optimizer (:class:`SGDState`,
  :class:`AdamState`) made by ``init(theta)``: the current learning rate, the
  step count and the moment vectors;
- **the update**, ``step(theta, grad, state) -> state``, and the two
  per-epoch hooks ``end_epoch(state, n_seen)`` and ``on_plateau(state)``.

A schedule is a piece of its own that any optimizer takes, as optax's
``scale_by_schedule``: it is asked for the rate before every step
(:meth:`Schedule.step`), at the end of every epoch (:meth:`Schedule.end_epoch`)
and on a plateau (:meth:`Schedule.on_plateau`), so a schedule that changes the
rate per step, per epoch or on a plateau is one new class and no change to the
optimizers. Likewise a gradient transform is a callable on ``grad``, applied
in order before the step (optax's ``chain``).

``step`` updates ``theta`` and the state's arrays **in place**, deliberately:
``theta`` is one contiguous vector holding every weight and bias, and a few
vectorized in-place operations on it replace scikit-learn's loops over
per-layer arrays and their temporaries. Only the state's scalars (rate, count)
are replaced, by returning a new state, so the state a caller holds is always
the current one. ``step(theta, grad, state, into=other)`` instead writes the
new moments into the arrays of ``other`` (a state of the same optimizer) and
only reads those of ``state``: a ``partial_fit`` keeps the stored moments to
go back to if it fails without copying them, its calls alternating between
two sets of arrays. ``step`` works in two scratch vectors that the optimizer
object keeps for itself (:meth:`_Scratch.scratch`), never in the state: the
update of a large network allocates no array, and the state stays plain data.
The arithmetic is scikit-learn's (``sklearn/neural_network/
_stochastic_optimizers.py``), operation for operation, so both follow the
same trajectory bit for bit. Hyperparameters are stored as Python floats, so
that float32 parameters stay float32 (NEP 50: a numpy float64 scalar would
promote them).

The fitted estimator keeps the state as a plain ``dict`` of arrays and Python
numbers (:meth:`~SGD.state_to_dict`), which pickles, deep-copies and loads
with skops without trusting any type of ours (skops would list a NamedTuple).
Its ``"kind"`` names the optimizer that made it, so a warm start after a
change of solver starts afresh (:meth:`~SGD.owns_state`).

On the Array API path (``theta`` a torch, cupy or array-api-strict array),
``step`` does the same operations in the same order with in-place operators
and temporaries instead of ``out=`` and scratch vectors, and never reads a
value back from the device (clipping included).

Optimizers never decide when training stops and never print: on a plateau
they only say whether their rate could be reduced.

:data:`OPTIMIZERS` and :data:`SCHEDULES` map the estimator's ``solver`` and
``learning_rate`` names to these classes; :func:`make_optimizer` builds an
optimizer from the estimator's hyperparameters and the two sizes that the data
decide: the minibatches per epoch (for :class:`Cosine`) and the number of
weights at the head of ``theta`` (for :class:`DecoupledWeightDecay`).
"""

import dataclasses
import math
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np

from ._backend import ArraySpace


def _floats(obj):
    """Store the ``float`` fields of a frozen dataclass as Python floats."""
    for f in dataclasses.fields(obj):
        if f.type is float:
            object.__setattr__(obj, f.name, float(getattr(obj, f.name)))


# -- learning-rate schedules ----------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Base of the learning-rate schedules: by default the rate never changes.

    Each hook receives the current rate and returns the next one; a schedule
    overrides only the hooks it needs.
    """

    #: Whether Adam follows it too. MLPRegressor's adam ignores
    #: ``learning_rate``, so the schedules it has are for sgd only.
    with_adam: ClassVar[bool] = False
    needs_steps_per_epoch: ClassVar[bool] = False

    def __post_init__(self):
        _floats(self)

    @classmethod
    def from_params(cls, params):
        """Build the schedule from the estimator's ``get_params()``."""
        return cls()

    def is_over(self, count):
        """Say whether the schedule has ended after ``count`` steps (rate 0)."""
        return False

    def step(self, learning_rate, learning_rate_init, count):
        """Return the rate for step ``count`` (1 for the first step)."""
        return learning_rate

    def end_epoch(self, learning_rate, learning_rate_init, n_seen):
        """Return the rate after an epoch; ``n_seen`` counts samples so far."""
        return learning_rate

    def on_plateau(self, learning_rate):
        """Return the reduced rate, or None if it cannot be reduced (stop)."""
        return None


@dataclass(frozen=True)
class Constant(Schedule):
    r"""A constant learning rate: :math:`\eta = \eta_0` throughout.

    :math:`\eta_0` is the optimizer's ``learning_rate_init`` of the moment, so
    a new value set between two ``partial_fit`` calls takes effect.
    """

    def step(self, learning_rate, learning_rate_init, count):
        """Return ``learning_rate_init``."""
        return learning_rate_init


@dataclass(frozen=True)
class InvScaling(Schedule):
    r"""After each epoch, :math:`\eta = \eta_0 / (t + 1)^{p}`.

    Parameters
    ----------
    power_t : float, default=0.5
        The exponent :math:`p`; :math:`t` is the number of samples seen.
    """

    power_t: float = 0.5

    @classmethod
    def from_params(cls, params):
        """Build the schedule from the estimator's ``get_params()``."""
        return cls(power_t=params["power_t"])

    def end_epoch(self, learning_rate, learning_rate_init, n_seen):
        r"""Return :math:`\eta_0 / (t + 1)^{p}`, as MLPRegressor's sgd."""
        return learning_rate_init / (n_seen + 1) ** self.power_t


@dataclass(frozen=True)
class Adaptive(Schedule):
    """Constant while training improves; divided by 5 on each plateau.

    Once the rate is at most 1e-6 it is not reduced any more, and training
    stops, as MLPRegressor's ``learning_rate='adaptive'``.
    """

    def on_plateau(self, learning_rate):
        """Return the rate divided by 5, or None if it is at most 1e-6."""
        if learning_rate <= 1e-6:
            return None
        return learning_rate / 5.0


@dataclass(frozen=True)
class Cosine(Schedule):
    r"""Cosine decay over ``total_steps`` steps, after an optional linear warmup.

    With :math:`T` = ``total_steps``, :math:`W` = ``warmup_steps`` and
    :math:`s = t - 1` the number of steps taken before step :math:`t`:

    .. math::

        \eta_t = \begin{cases}
            \eta_0 \, \frac{s + 1}{W} & s < W \\
            \eta_0 \, \frac{1}{2}\left(1 + \cos(\pi p)\right),
            \quad p = \min\left(1, \frac{s - W}{T - W}\right) & s \ge W
        \end{cases}

    The warmup rises linearly from :math:`\eta_0 / W` to :math:`\eta_0`; the
    decay starts at :math:`\eta_0` (:math:`p = 0`) and its last step
    (:math:`s = T - 1`) is still positive. Past :math:`T` steps the rate is
    0: the schedule is over (:meth:`is_over`). Both SGD and Adam follow it.

    Parameters
    ----------
    total_steps : int
        :math:`T`, the steps of the whole schedule: ``max_iter`` epochs of
        ``steps_per_epoch`` minibatches.

    warmup_steps : int, default=0
        :math:`W < T`, the steps of the linear warmup.
    """

    total_steps: int
    warmup_steps: int = 0
    with_adam: ClassVar[bool] = True
    #: Its length depends on the minibatches per epoch.
    needs_steps_per_epoch: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        if not 0 <= self.warmup_steps < self.total_steps:
            raise ValueError(
                f"Cosine needs 0 <= warmup_steps < total_steps; got "
                f"{self.warmup_steps} and {self.total_steps}."
            )

    @classmethod
    def from_params(cls, params):
        r"""Build the schedule from the hyperparameters and ``steps_per_epoch``.

        :math:`T` = ``max_iter`` :math:`\times` ``steps_per_epoch`` and
        :math:`W` = ``round(warmup_fraction`` :math:`\times T)`, at most
        :math:`T - 1`.
        """
        if params.get("steps_per_epoch") is None:
            raise ValueError("learning_rate='cosine' needs steps_per_epoch.")
        total = params["max_iter"] * params["steps_per_epoch"]
        warmup = min(round(params["warmup_fraction"] * total), total - 1)
        return cls(total_steps=total, warmup_steps=warmup)

    def step(self, learning_rate, learning_rate_init, count):
        r"""Return :math:`\eta_t` for step ``count`` (1 for the first)."""
        s, W = count - 1, self.warmup_steps
        if s < W:
            return learning_rate_init * (s + 1) / W
        p = min(1.0, (s - W) / (self.total_steps - W))
        return learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * p))

    def is_over(self, count):
        """Say whether ``count`` steps have used up the schedule."""
        return count >= self.total_steps


#: The schedules by the estimator's ``learning_rate`` name.
SCHEDULES = {
    "constant": Constant,
    "invscaling": InvScaling,
    "adaptive": Adaptive,
    "cosine": Cosine,
}


# -- gradient transforms --------------------------------------------------------


@dataclass(frozen=True)
class ClipByGlobalNorm:
    r"""Scale the gradient in place so that its L2 norm is at most ``max_norm``.

    .. math::

        g \leftarrow g \min\left(1, \frac{c}{\lVert g \rVert_2}\right)

    The norm is global, over all weights and biases (L2 term included), so
    the direction of the step is kept and only its length is bounded.

    Parameters
    ----------
    max_norm : float
        The bound :math:`c`.
    """

    max_norm: float

    def __post_init__(self):
        _floats(self)

    def __call__(self, grad):
        """Clip ``grad`` in place."""
        if not isinstance(grad, np.ndarray):
            # No branch, so no device read: a factor of exactly 1 leaves
            # grad as it is. sqrt(g @ g) is np.linalg.norm's own arithmetic.
            space = ArraySpace.of(grad)
            norm = space.xp.sqrt(grad @ grad)
            grad *= space.xp.minimum(space.constant(1.0), self.max_norm / norm)
            return
        norm = float(np.linalg.norm(grad))
        if norm > self.max_norm:
            grad *= self.max_norm / norm


def _transforms(params):
    """Return the gradient transforms that the hyperparameters ask for."""
    if params["max_grad_norm"] is None:
        return ()
    return (ClipByGlobalNorm(params["max_grad_norm"]),)


@dataclass(frozen=True)
class DecoupledWeightDecay:
    r"""Shrink the weights in place, apart from the gradient step (AdamW, SGDW).

    .. math::

        W \leftarrow W - \eta_t \lambda W = (1 - \eta_t \lambda) W

    on the weights only: the first ``n_decayed`` entries of ``theta``, where
    the network keeps every weight before any bias. :math:`\eta_t` is the
    step's scheduled learning rate (for Adam, before its bias correction), as
    PyTorch's ``AdamW`` and optax's ``adamw`` scale the decay. Applied to
    :math:`\theta_{t-1}`, before the optimizer's own update, so the decay
    never passes through the momentum or Adam's moments (Loshchilov and
    Hutter, 2019).

    Parameters
    ----------
    weight_decay : float
        The rate :math:`\lambda`.

    n_decayed : int
        How many leading entries of ``theta`` are weights.
    """

    weight_decay: float
    n_decayed: int

    def __post_init__(self):
        _floats(self)

    def __call__(self, theta, learning_rate):
        """Decay the weights of ``theta`` in place, with the step's rate."""
        theta[: self.n_decayed] *= 1.0 - learning_rate * self.weight_decay


def _weight_decay(params):
    """Return the decoupled weight decay the hyperparameters ask for, or None."""
    if not params.get("weight_decay"):
        return None
    if params.get("n_coefs") is None:
        raise ValueError("weight_decay > 0 needs n_coefs, the number of weights.")
    return DecoupledWeightDecay(params["weight_decay"], params["n_coefs"])


# -- optimizers -----------------------------------------------------------------


class SGDState(NamedTuple):
    """State of :class:`SGD`."""

    learning_rate: float
    """The current learning rate."""
    count: int
    """The number of steps taken."""
    velocity: np.ndarray
    """The velocity :math:`v`, shaped like ``theta``."""


class AdamState(NamedTuple):
    """State of :class:`Adam`."""

    learning_rate: float
    """The scheduled learning rate, before Adam's bias correction."""
    count: int
    """The number of steps taken, :math:`t`."""
    m: np.ndarray
    """The first moment estimate, shaped like ``theta``."""
    v: np.ndarray
    """The second moment estimate, shaped like ``theta``."""


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
class _Optimizer(_Scratch):
    """What every optimizer shares: schedule, transforms, weight decay, state dict.

    A subclass sets ``kind`` (its ``solver`` name) and ``State``, and defines
    ``from_params``, ``init`` and ``step``.
    """

    kind: ClassVar[str]
    State: ClassVar[type]

    learning_rate_init: float = 0.1
    schedule: Schedule = Constant()
    transforms: tuple = ()
    decay: DecoupledWeightDecay | None = None

    def __post_init__(self):
        _floats(self)

    def _begin_step(self, theta, grad, state):
        """Transform ``grad``, decay ``theta``, in place; return the count and rate."""
        for transform in self.transforms:
            transform(grad)
        count = state.count + 1
        rate = self.schedule.step(state.learning_rate, self.learning_rate_init, count)
        if self.decay is not None:
            self.decay(theta, rate)
        return count, rate

    def end_epoch(self, state, n_seen):
        """Return the state after an epoch; ``n_seen`` is ``t_``."""
        rate = self.schedule.end_epoch(
            state.learning_rate, self.learning_rate_init, n_seen
        )
        return state._replace(learning_rate=rate)

    def on_plateau(self, state):
        """Reduce the rate on a plateau if the schedule allows.

        Returns
        -------
        state : NamedTuple
            The state, with the reduced rate.

        reduced : bool
            False when the rate cannot be reduced, that is when training
            should stop instead.
        """
        rate = self.schedule.on_plateau(state.learning_rate)
        if rate is None:
            return state, False
        return state._replace(learning_rate=rate), True

    def state_to_dict(self, state):
        """Return ``state`` as a dict of arrays and numbers (the arrays shared)."""
        return {"kind": self.kind, **state._asdict()}

    def owns_state(self, stored):
        """Say whether a stored state dict (or None) was made by this optimizer."""
        return stored is not None and stored.get("kind") == self.kind

    def state_from_dict(self, stored):
        """Return the state a dict of :meth:`state_to_dict` holds (arrays shared)."""
        return self.State(**{name: stored[name] for name in self.State._fields})


@dataclass(frozen=True)
class SGD(_Optimizer):
    r"""Stochastic gradient descent with momentum and a learning-rate schedule.

    Parameters
    ----------
    learning_rate_init : float, default=0.1
        The initial learning rate :math:`\eta_0`.

    schedule : Schedule, default=Constant()
        How the learning rate changes.

    transforms : tuple of callables, default=()
        Applied in order, in place, to each gradient before the step.

    decay : DecoupledWeightDecay, default=None
        Applied to ``theta`` with the step's rate, before the step.

    momentum : float, default=0.9
        Momentum :math:`\mu` in ``[0, 1]``.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum.
    """

    kind: ClassVar[str] = "sgd"
    State: ClassVar[type] = SGDState

    learning_rate_init: float = 0.1
    momentum: float = 0.9
    nesterovs_momentum: bool = True

    @classmethod
    def from_params(cls, params):
        """Build the optimizer from the estimator's ``get_params()``."""
        return cls(
            learning_rate_init=params["learning_rate_init"],
            schedule=SCHEDULES[params["learning_rate"]].from_params(params),
            transforms=_transforms(params),
            decay=_weight_decay(params),
            momentum=params["momentum"],
            nesterovs_momentum=params["nesterovs_momentum"],
        )

    def init(self, theta):
        """Return the initial state: the initial rate and zero velocity."""
        return SGDState(self.learning_rate_init, 0, _zeros_like(theta))

    def step(self, theta, grad, state, into=None):
        r"""Update ``theta`` and the velocity in place with one gradient.

        .. math::

            v \leftarrow \mu v - \eta g, \qquad
            \theta \leftarrow \theta + v
            \quad \text{or, with Nesterov,} \quad
            \theta \leftarrow \theta + \mu v - \eta g

        With ``into`` (another state of this optimizer), the new velocity
        goes into its array and ``state``'s is only read.
        """
        count, lr = self._begin_step(theta, grad, state)
        mu = self.momentum
        (v_old,), (v,) = _moments(state, into, ("velocity",))
        if not isinstance(theta, np.ndarray):
            lr_grad = grad * lr
            v[...] = v_old * mu
            v -= lr_grad
            theta += v * mu - lr_grad if self.nesterovs_momentum else v
            return state._replace(learning_rate=lr, count=count, velocity=v)
        lr_grad, update = self.scratch(theta)
        np.multiply(grad, lr, out=lr_grad)
        np.multiply(v_old, mu, out=v)
        v -= lr_grad
        if self.nesterovs_momentum:
            np.multiply(v, mu, out=update)
            update -= lr_grad
            theta += update
        else:
            theta += v
        return state._replace(learning_rate=lr, count=count, velocity=v)


#: Entries of ``theta`` that :meth:`Adam.step` updates at a time: the blocks
#: of its six vectors (theta, gradient, moments, scratch) then take 1.5 MiB
#: in float64, within a core's L2 cache, instead of streaming every vector
#: through it nine times. Measured on 84,000 parameters: 10% faster in
#: float64, the same in float32; shorter blocks cost more in numpy calls.
ADAM_BLOCK = 32768


@dataclass(frozen=True)
class Adam(_Optimizer):
    r"""Adam (Kingma and Ba, 2014).

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The step size :math:`\eta`.

    schedule : Schedule, default=Constant()
        How :math:`\eta` changes, before the bias correction.

    transforms : tuple of callables, default=()
        Applied in order, in place, to each gradient before the step.

    decay : DecoupledWeightDecay, default=None
        Applied to ``theta`` with the scheduled rate :math:`\eta` (before
        the bias correction), before the step: AdamW.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in ``[0, 1)``.

    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    """

    kind: ClassVar[str] = "adam"
    State: ClassVar[type] = AdamState

    learning_rate_init: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8

    @classmethod
    def from_params(cls, params):
        """Build the optimizer from the estimator's ``get_params()``."""
        # MLPRegressor's adam ignores ``learning_rate``: only the schedules
        # it lacks (``with_adam``) apply.
        schedule = SCHEDULES[params["learning_rate"]]
        return cls(
            learning_rate_init=params["learning_rate_init"],
            schedule=schedule.from_params(params) if schedule.with_adam else Constant(),
            transforms=_transforms(params),
            decay=_weight_decay(params),
            beta_1=params["beta_1"],
            beta_2=params["beta_2"],
            epsilon=params["epsilon"],
        )

    def init(self, theta):
        """Return the initial state: the initial rate, step 0, zero moments."""
        return AdamState(
            self.learning_rate_init, 0, _zeros_like(theta), _zeros_like(theta)
        )

    def step(self, theta, grad, state, into=None):
        r"""Update ``theta`` and the moments in place with one gradient.

        .. math::

            m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
            v \leftarrow \beta_2 v + (1 - \beta_2) g^2,

            \theta \leftarrow \theta - \eta
            \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
            \frac{m}{\sqrt{v} + \epsilon}

        With ``into`` (another state of this optimizer), the new moments go
        into its arrays and ``state``'s are only read.
        """
        t, eta = self._begin_step(theta, grad, state)
        (m_old, v_old), (m, v) = _moments(state, into, ("m", "v"))
        beta_1, beta_2 = self.beta_1, self.beta_2
        lr = eta * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        if not isinstance(theta, np.ndarray):
            m[...] = m_old * beta_1
            m += grad * (1 - beta_1)
            v[...] = v_old * beta_2
            v += grad * grad * (1 - beta_2)
            theta -= m * lr / (ArraySpace.of(theta).xp.sqrt(v) + self.epsilon)
            return state._replace(learning_rate=eta, count=t, m=m, v=v)
        work, step = self.scratch(theta)
        n = theta.shape[0]
        if n <= ADAM_BLOCK:
            self._update(theta, grad, m_old, v_old, m, v, work, step, lr)
        else:
            # Block by block, so that the six vectors' blocks stay in the
            # cache through the nine operations, rather than each operation
            # streaming whole vectors larger than the cache. Elementwise, so
            # the same numbers.
            for start in range(0, n, ADAM_BLOCK):
                rows = slice(start, start + ADAM_BLOCK)
                self._update(
                    theta[rows], grad[rows], m_old[rows], v_old[rows], m[rows],
                    v[rows], work[rows], step[rows], lr,
                )  # fmt: skip
        # A new state rather than state._replace, which costs a microsecond
        # more, as much as one of the vector operations.
        return AdamState(eta, t, m, v)

    def _update(self, theta, grad, m_old, v_old, m, v, work, step, lr):
        """Apply the step to ``theta`` in place and write the new moments, in numpy.

        scikit-learn's operations and order, so the same numbers; the two
        scratch vectors ``work`` and ``step`` take the place of its
        temporaries. ``m``, ``v`` may be ``m_old``, ``v_old`` (in place).
        """
        beta_1, beta_2 = self.beta_1, self.beta_2
        np.multiply(m_old, beta_1, out=m)
        m += np.multiply(grad, 1 - beta_1, out=work)
        np.multiply(v_old, beta_2, out=v)
        np.multiply(grad, grad, out=work)
        v += np.multiply(work, 1 - beta_2, out=work)
        denom = np.sqrt(v, out=work)
        denom += self.epsilon
        np.multiply(m, lr, out=step)
        theta -= np.divide(step, denom, out=step)


def _moments(state, into, names):
    """Return the moment arrays a step reads and those it writes.

    The same arrays (an update in place) without ``into``; else the new
    values go into ``into``'s, and ``state``'s are left as they were.
    """
    read = tuple(getattr(state, name) for name in names)
    return read, read if into is None else tuple(getattr(into, n) for n in names)


def _zeros_like(theta):
    if isinstance(theta, np.ndarray):
        return np.zeros_like(theta)
    return ArraySpace.of(theta).xp.zeros_like(theta)


#: The optimizers by the estimator's ``solver`` name.
OPTIMIZERS = {cls.kind: cls for cls in (SGD, Adam)}

#: The estimator's hyperparameters that :func:`make_optimizer` reads.
HYPERPARAMETERS = (
    "learning_rate_init",
    "learning_rate",
    "power_t",
    "momentum",
    "nesterovs_momentum",
    "beta_1",
    "beta_2",
    "epsilon",
    "max_grad_norm",
    "max_iter",
    "warmup_fraction",
    "weight_decay",
)


def make_optimizer(solver, params, *, steps_per_epoch=None, n_coefs=None):
    """Build the optimizer for ``solver`` from the estimator's hyperparameters.

    ``params`` is a mapping with (at least) the keys :data:`HYPERPARAMETERS`,
    such as ``get_params()``; each optimizer reads those it uses.
    ``steps_per_epoch`` (the minibatches of one epoch) is needed by
    ``learning_rate='cosine'``, and ``n_coefs`` (how many leading entries of
    ``theta`` are weights, ``Network.n_coefs``) by ``weight_decay > 0``.
    """
    sizes = {"steps_per_epoch": steps_per_epoch, "n_coefs": n_coefs}
    return OPTIMIZERS[solver].from_params({**params, **sizes})
