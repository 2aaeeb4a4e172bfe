"""BackpropRegressor: the scikit-learn estimator around :mod:`skmlp._network`.

The estimator validates input, builds a :class:`~skmlp._network.Network`,
runs a solver over the flat parameter vector through
``Network.loss_and_grad``, and keeps the bookkeeping of MLPRegressor (epochs,
minibatches, stopping, fitted attributes). It does no array math of its own.
"""

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d, gen_batches
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    check_X_y,
    validate_data,
)

from ._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from ._callbacks import CallbackSupportMixin, FitTasks
from ._losses import LOSSES, get_loss
from ._metrics import r2
from ._network import Network
from ._optimizers import HYPERPARAMETERS, OPTIMIZERS, SCHEDULES, make_optimizer

_STOCHASTIC_SOLVERS = tuple(OPTIMIZERS)

#: ``stacklevel`` that points a solver's warning at the caller of fit or
#: partial_fit: solver <- _fit <- fit <- _fit_context's wrapper <- caller.
_USER = 5

#: Bookkeeping of the minibatch solvers' stopping rule, started by the solver.
_STOPPING_STATE = (
    "_no_improvement_count",
    "best_loss_",
    "validation_scores_",
    "validation_loss_curve_",
    "best_validation_score_",
)

#: What an epoch advances besides the curves; checkpointed with the weights.
_EPOCH_COUNTERS = (
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "_no_improvement_count",
)


class _ParameterList(list):
    """``coefs_`` or ``intercepts_``: views into ``theta`` that write through.

    ``est.coefs_[0] = W`` copies ``W`` into the model's parameter vector, as
    replacing a list item does for MLPRegressor, instead of changing a list
    that is thrown away.
    """

    def __setitem__(self, index, value):
        if not isinstance(index, Integral):
            raise TypeError("Assign one layer at a time, e.g. est.coefs_[0] = W.")
        self[index][...] = _layer_values(index, self[index], value)


def _layer_values(index, view, value):
    """Return ``value`` as an array for layer ``index``, if it has the view's shape."""
    value = np.asarray(value)
    if value.shape != view.shape:
        raise ValueError(
            f"Layer {index} has shape {view.shape}, got an array of shape "
            f"{value.shape}. Refit with the architecture you need instead."
        )
    return value


def _is_dense(array):
    return array is not None and not sp.issparse(array)


def _take_rows(array, indices, out):
    """Return ``array[indices]``, written into ``out`` for dense arrays."""
    if array is None or out is None:
        return None if array is None else array[indices]
    # mode="clip" skips the bounds check that makes mode="raise" buffer a
    # whole extra copy; the indices are a permutation, always in bounds.
    return np.take(array, indices, axis=0, out=out, mode="clip")


def _reshuffle(order, random_state):
    """Return ``sklearn.utils.shuffle(order, random_state=random_state)``.

    The same draws (``resample`` without replacement shuffles an ``arange``
    in place, then indexes), without the input validation that scikit-learn
    repeats on every call: on small data it took a quarter of each epoch.
    """
    permutation = np.arange(len(order))
    random_state.shuffle(permutation)
    return order[permutation]


def _is_callback_state(name):
    """Say whether an attribute belongs to scikit-learn's callback machinery."""
    return name.startswith(("_skl_callbacks", "_callback_", "_parent_callback"))


def _check_stochastic_solver(estimator):
    # Unlike MLPRegressor 1.9, whose check is never called (it tests the bound
    # method's truth value), hide partial_fit for L-BFGS.
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. "
            f"{estimator.solver!r} is not stochastic: use solver='sgd' or "
            "solver='adam', or call fit."
        )
    return True


class BackpropRegressor(CallbackSupportMixin, RegressorMixin, BaseEstimator):
    """Multi-layer perceptron regressor trained by hand-written backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`:
    the same parameters, defaults, fitted attributes, errors and warnings, and
    for a given integer ``random_state`` the same initial weights, minibatch
    order and early-stopping split, so both reach the same weights up to
    rounding. The gradients are those derived in :mod:`skmlp._network`
    (see the user guide), computed in numpy over one flat parameter vector.

    Where MLPRegressor 1.9 has a confirmed bug this estimator differs; see
    Notes.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element represents the number of neurons in the ith
        hidden layer.

    activation : str or list of str, default='relu'
        Activation function for the hidden layers: one name for all, or a
        list with one name per hidden layer.

        - 'identity', no-op activation, returns f(x) = x
        - 'logistic', the logistic sigmoid, returns f(x) = 1 / (1 + exp(-x))
        - 'tanh', the hyperbolic tangent, returns f(x) = tanh(x)
        - 'relu', the rectified linear unit, returns f(x) = max(0, x)
        - 'leaky_relu', returns f(x) = x for x > 0, else 0.01 x
        - 'elu', returns f(x) = x for x > 0, else exp(x) - 1
        - 'softplus', returns f(x) = log(1 + exp(x))
        - 'gelu', exact, returns f(x) = x Phi(x) with Phi the normal CDF
        - 'silu', returns f(x) = x / (1 + exp(-x))

    loss : {'squared_error', 'poisson', 'huber'}, default='squared_error'
        The loss function to minimize, per sample, summed over outputs and
        averaged over samples (weighted by ``sample_weight``).

        - 'squared_error' is half the squared error.
        - 'poisson' is the half Poisson deviance; it requires ``y >= 0`` and a
          strictly positive output activation ('exp', the default, or
          'softplus').
        - 'huber' is quadratic for residuals up to ``huber_delta`` and linear
          beyond, which makes the fit robust to outliers in ``y``.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The solver for weight optimization.

        - 'lbfgs' is scipy's L-BFGS-B on the flat parameter vector.
        - 'sgd' refers to stochastic gradient descent.
        - 'adam' refers to the stochastic gradient-based optimizer proposed by
          Kingma and Ba.

        'adam' works well on relatively large datasets (thousands of samples
        or more); on small datasets 'lbfgs' can converge faster and better.

    alpha : float, default=0.0001
        Strength of the L2 regularization term. The L2 regularization term
        is divided by the sample size (or the sum of the sample weights)
        when added to the loss.

    batch_size : int, default='auto'
        Size of minibatches for stochastic optimizers. If the solver is
        'lbfgs', the regressor does not use minibatches. When set to "auto",
        `batch_size=min(200, n_samples)`.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule for weight updates.

        - 'constant' is a constant learning rate given by 'learning_rate_init'.
        - 'invscaling' gradually decreases the learning rate at each time
          step 't' using an inverse scaling exponent of 'power_t':
          effective_learning_rate = learning_rate_init / pow(t, power_t).
        - 'adaptive' keeps the learning rate constant to 'learning_rate_init'
          as long as training loss keeps decreasing. Each time two
          consecutive epochs fail to decrease training loss by at least tol,
          or fail to increase validation score by at least tol if
          'early_stopping' is on, the current learning rate is divided by 5.

        Only used when ``solver='sgd'``.

    learning_rate_init : float, default=0.001
        The initial learning rate used. It controls the step-size in updating
        the weights. Only used when solver='sgd' or 'adam'.

    power_t : float, default=0.5
        The exponent for inverse scaling learning rate. Only used when
        solver='sgd' and learning_rate='invscaling'.

    max_iter : int, default=200
        Maximum number of iterations. The solver iterates until convergence
        (determined by 'tol') or this number of iterations. For stochastic
        solvers ('sgd', 'adam'), this is the number of epochs (how many times
        each data point is used), not the number of gradient steps.

    shuffle : bool, default=True
        Whether to shuffle samples in each iteration. Only used when
        solver='sgd' or 'adam'.

    random_state : int, RandomState instance, default=None
        Determines random number generation for weights and bias
        initialization, train-test split if early stopping is used, and batch
        sampling when solver='sgd' or 'adam'. Every call to `fit` and
        `partial_fit` draws afresh from it, as in MLPRegressor.
        Pass an int for reproducible results across multiple function calls.
        See :term:`Glossary <random_state>`.

    tol : float, default=1e-4
        Tolerance for the optimization. When the loss or score is not
        improving by at least ``tol`` for ``n_iter_no_change`` consecutive
        iterations, unless ``learning_rate`` is set to 'adaptive', convergence
        is considered to be reached and training stops. For 'lbfgs' it is the
        projected-gradient tolerance ``gtol``.

    verbose : bool, default=False
        Whether to print progress messages to stdout.

    warm_start : bool, default=False
        When set to True, reuse the solution of the previous call to fit as
        initialization, otherwise, just erase the previous solution. See
        :term:`the Glossary <warm_start>`.

    momentum : float, default=0.9
        Momentum for gradient descent update. Should be between 0 and 1. Only
        used when solver='sgd'.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum. Only used when solver='sgd' and
        momentum > 0.

    early_stopping : bool, default=False
        Whether to use early stopping to terminate training when validation
        score is not improving. If set to True, it will automatically set
        aside ``validation_fraction`` of training data as validation and
        terminate training when validation score is not improving by at least
        ``tol`` for ``n_iter_no_change`` consecutive epochs; the weights with
        the best validation score are kept. Only effective when solver='sgd'
        or 'adam'.

    validation_fraction : float, default=0.1
        The proportion of training data to set aside as validation set for
        early stopping. Must be between 0 and 1. Only used if early_stopping
        is True.

    beta_1 : float, default=0.9
        Exponential decay rate for estimates of first moment vector in adam,
        should be in [0, 1). Only used when solver='adam'.

    beta_2 : float, default=0.999
        Exponential decay rate for estimates of second moment vector in adam,
        should be in [0, 1). Only used when solver='adam'.

    epsilon : float, default=1e-8
        Value for numerical stability in adam. Only used when solver='adam'.

    n_iter_no_change : int, default=10
        Maximum number of epochs to not meet ``tol`` improvement. Only
        effective when solver='sgd' or 'adam'.

    max_fun : int, default=15000
        Only used when solver='lbfgs'. Maximum number of loss function calls.
        The solver iterates until convergence (determined by ``tol``), number
        of iterations reaches max_iter, or this number of function calls.

    out_activation : str, default=None
        Activation of the output layer. ``None`` keeps MLPRegressor's choice:
        'identity', or 'exp' for the Poisson loss. Otherwise any name allowed
        for ``activation``, or 'exp'. For example 'logistic' keeps predictions
        in (0, 1), and 'softplus' or 'exp' keeps them positive. The Poisson
        loss accepts only 'exp' and 'softplus'.

    huber_delta : float, default=1.0
        Where the Huber loss turns from quadratic to linear, in units of
        ``y``. Only used when loss='huber'.

    dropout : float or list of float, default=0.0
        Inverted-dropout rate of the hidden units in ``[0, 1)``: one rate for
        every hidden layer, or one per hidden layer. During minibatch
        training each hidden unit is zeroed with this probability and the
        kept ones are scaled by ``1 / (1 - rate)``, with masks drawn from
        ``random_state``; `predict` uses every unit and is deterministic.
        Not available with solver='lbfgs'.

    init : {'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal'}, \
            default='glorot_uniform'
        Weight initialization. 'glorot_uniform' draws exactly what
        MLPRegressor draws (with its narrower bound for 'logistic'). The
        others set the intercepts to zero and draw the weights from
        N(0, 2 / (fan_in + fan_out)), U(-sqrt(6 / fan_in), sqrt(6 / fan_in))
        and N(0, 2 / fan_in) respectively.

    max_grad_norm : float, default=None
        If set, the gradient of each minibatch (all weights and biases, L2
        term included) is rescaled so that its global L2 norm is at most
        this value. Not available with solver='lbfgs'.

    scoring : str, callable or None, default=None
        The validation score recorded in ``validation_scores_`` and used for
        early stopping. ``None`` is R², as in MLPRegressor. ``'loss'`` is
        minus the validation loss (without the L2 term), so that higher is
        better. Any other value is a scikit-learn scorer name or a callable
        ``scorer(estimator, X, y)``.

    Attributes
    ----------
    loss_ : float
        The current loss computed with the loss function, L2 term included.

    best_loss_ : float or None
        The minimum loss reached by the solver throughout fitting. If
        `early_stopping=True`, this attribute is set to `None`. Refer to the
        `best_validation_score_` fitted attribute instead. Only accessible
        when solver='sgd' or 'adam'.

    loss_curve_ : list of shape (`n_iter_`,)
        The loss at the end of each epoch ('sgd', 'adam') or of each
        iteration ('lbfgs'; MLPRegressor records none).

    validation_scores_ : list of shape (`n_iter_`,) or None
        The score (see ``scoring``; R² by default) at each epoch on the
        validation set: ``X_val`` if given to `fit`, else the internal split
        of early stopping. `None` when there is no validation set. Only
        accessible when solver='sgd' or 'adam'.

    validation_loss_curve_ : list of shape (`n_iter_`,) or None
        The loss on the validation set at each epoch, without the L2 term.
        `None` when there is no validation set. Only accessible when
        solver='sgd' or 'adam'.

    best_validation_score_ : float or None
        The best validation score: the one that chose the restored weights
        with `early_stopping=True`, the best monitored one with ``X_val``
        and `early_stopping=False`, and `None` without a validation set.
        Only accessible when solver='sgd' or 'adam'.

    t_ : int
        The number of training samples seen by the solver during fitting.
        It is used by the optimizer's learning rate scheduler.

    coefs_ : list of shape (n_layers - 1,)
        The ith element in the list is the weight matrix of layer i + 1, of
        shape ``(fan_in, fan_out)``: the transpose of the derivation's
        :math:`W^{i+1}`. The arrays are views into the model's parameter
        vector; assigning to ``coefs_`` or to one of its items copies the
        values in.

    intercepts_ : list of shape (n_layers - 1,)
        The ith element in the list represents the bias vector corresponding
        to layer i + 1. Views, as for ``coefs_``.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    n_iter_ : int
        The number of iterations the solver has run.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Name of the output activation function.

    See Also
    --------
    check_gradients : Finite-difference check of the backpropagated gradient.
    sklearn.neural_network.MLPRegressor : The scikit-learn estimator this one
        replaces.
    sklearn.linear_model.SGDRegressor : Linear model fitted by minimizing a
        regularized empirical loss with SGD.

    Notes
    -----
    Differences from MLPRegressor 1.9, each a fix of a confirmed bug:

    1. With several outputs, MLPRegressor's squared-error loss averages over
       outputs while its gradient sums them (scikit-learn issue #8349). Here
       ``loss_`` is the loss whose gradient is followed: summed over outputs.
       Single-output fits are unaffected.
    2. ``partial_fit`` with ``solver='lbfgs'`` silently runs a full L-BFGS
       fit in MLPRegressor. Here ``partial_fit`` is not available for L-BFGS.
    3. L-BFGS with float32 input returns float64 weights in MLPRegressor.
       Here float32 input keeps float32 weights with every solver.
    4. The Poisson loss with negative targets fits silently to a NaN loss in
       MLPRegressor. Here it raises a ValueError.
    5. A warm-start refit with early stopping that never beats the previous
       best validation score keeps its final weights in MLPRegressor, because
       the restored arrays alias the trained ones. Here the best weights are
       restored.

    Also, ``hidden_layer_sizes`` and ``activation`` are the only positional
    parameters (MLPRegressor 1.9 takes ``loss`` first).

    References
    ----------
    Hinton, Geoffrey E. "Connectionist learning procedures."
    Artificial intelligence 40.1 (1989): 185-234.

    Glorot, Xavier, and Yoshua Bengio.
    "Understanding the difficulty of training deep feedforward neural networks."
    International Conference on Artificial Intelligence and Statistics. 2010.

    :arxiv:`Kingma, Diederik, and Jimmy Ba (2014)
    "Adam: A method for stochastic optimization." <1412.6980>`

    Examples
    --------
    >>> from skmlp import BackpropRegressor
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = make_regression(n_samples=200, n_features=20, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y,
    ...                                                     random_state=1)
    >>> regr = BackpropRegressor(random_state=1, max_iter=2000, tol=0.1)
    >>> regr.fit(X_train, y_train)
    BackpropRegressor(max_iter=2000, random_state=1, tol=0.1)
    >>> regr.predict(X_test[:2]).round(1)
    array([  29. , -290.8])
    >>> round(regr.score(X_test, y_test), 2)
    0.98
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), list, tuple],
        "loss": [StrOptions(set(LOSSES))],
        "solver": [StrOptions({"lbfgs", *OPTIMIZERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "out_activation": [None, StrOptions(set(OUTPUT_ACTIVATIONS))],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "init": [
            StrOptions({"glorot_uniform", "glorot_normal", "he_uniform", "he_normal"})
        ],
        "max_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "scoring": [None, str, callable],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="squared_error",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        out_activation=None,
        huber_delta=1.0,
        dropout=0.0,
        init="glorot_uniform",
        max_grad_norm=None,
        scoring=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.out_activation = out_activation
        self.huber_delta = huber_delta
        self.dropout = dropout
        self.init = init
        self.max_grad_norm = max_grad_norm
        self.scoring = scoring

    # -- the network these hyperparameters describe -------------------------

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(size <= 0 for size in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(size) for size in sizes]

    def _hidden_activations(self, n_hidden):
        if isinstance(self.activation, str):
            return (self.activation,) * n_hidden
        names = tuple(self.activation)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation has {len(names)} names but there are {n_hidden} hidden "
                "layers: give one name per hidden layer, or a single name for all."
            )
        unknown = sorted(set(names) - set(HIDDEN_ACTIVATIONS))
        if unknown:
            raise ValueError(
                f"Unknown activation(s) {unknown}; choose from {HIDDEN_ACTIVATIONS}."
            )
        return names

    def _dropout_rates(self, n_hidden):
        """Return one dropout rate per hidden layer, or ``None`` for no dropout."""
        if np.ndim(self.dropout) and len(self.dropout) != n_hidden:
            raise ValueError(
                f"dropout has {len(self.dropout)} rates but there are {n_hidden} "
                "hidden layers: give one rate per hidden layer, or a single float."
            )
        rates = np.broadcast_to(np.asarray(self.dropout, dtype=float), (n_hidden,))
        if np.any((rates < 0) | (rates >= 1)):
            raise ValueError(f"dropout rates must be in [0, 1); got {self.dropout}.")
        return tuple(float(p) for p in rates) if np.any(rates > 0) else None

    def _loss(self):
        return get_loss(self.loss, self.huber_delta)

    def _out_activation(self):
        loss = self._loss()
        name = self.out_activation or loss.default_out_activation
        if loss.out_activations is not None and name not in loss.out_activations:
            raise ValueError(
                f"loss={self.loss!r} needs a strictly positive output, so "
                f"out_activation must be one of {loss.out_activations}; got "
                f"{name!r}."
            )
        return name

    def _network(self, n_features, n_outputs):
        """Build the network for these hyperparameters and data shapes."""
        hidden = self._hidden_layer_sizes()
        return Network(
            layer_units=(n_features, *hidden, n_outputs),
            activations=(
                *self._hidden_activations(len(hidden)),
                self._out_activation(),
            ),
            loss=self._loss(),
        )

    def _fitted_network(self):
        """Build the network that ``_theta`` was trained for."""
        return Network(
            layer_units=self._layer_units,
            activations=self._activations,
            loss=self._loss(),
        )

    def _initial_theta(self, net, random_state, dtype):
        # MLPRegressor narrows the Glorot bound of every layer when the
        # activation is the logistic. With one name per layer, each hidden
        # layer follows its own activation and the output layer the last
        # hidden one, so a list of equal names matches the single name.
        hidden = net.activations[:-1]
        names = [*hidden, hidden[-1] if hidden else self.activation]
        factors = [2.0 if name == "logistic" else 6.0 for name in names]
        return net.init_theta(random_state, dtype, factors, scheme=self.init)

    @property
    def network_(self):
        """The fitted :class:`~skmlp._network.Network`: architecture and loss.

        Built on demand from the fitted layer sizes, activations and loss; it
        holds no weights (see ``theta_``).
        """
        check_is_fitted(self)
        return self._fitted_network()

    @property
    def theta_(self):
        """All weights and biases as one flat, read-only vector.

        Laid out as ``network_.unpack`` reads it: every ``coefs_[l]`` in C
        order, then every ``intercepts_[l]``. Assign ``coefs_`` or
        ``intercepts_`` to change the weights.
        """
        check_is_fitted(self)
        view = self._theta.view()
        view.flags.writeable = False
        return view

    def get_objective(self, X, y, sample_weight=None):
        """Return the training loss as a function of the parameter vector.

        The seam between the math and the solvers: L-BFGS and the minibatch
        solvers train through the same loss and gradient. Used by
        :func:`skmlp.check_gradients`. The estimator is not changed.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        objective : callable
            ``objective(theta) -> (loss, grad)``: the loss (3) of the
            derivation, L2 term included and dropout off, and its gradient,
            both in float64.

        theta : ndarray of shape (n_params,)
            A float64 copy of the current weights, or of the initial ones
            that ``random_state`` gives if the estimator is not fitted.
        """
        net, theta, X, y, sample_weight = self._objective(X, y, sample_weight)

        def objective(theta):
            return net.loss_and_grad(theta, X, y, sample_weight, self.alpha)

        return objective, theta

    def _objective(self, X, y, sample_weight=None):
        """Return the network, a float64 ``theta`` and validated float64 data.

        The current weights, or the initial ones from ``random_state`` if
        unfitted. The estimator is not changed.
        """
        X, y = check_X_y(
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=np.float64,
        )
        y = self._validate_target(y, np.float64, warn=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if "_theta" in self.__dict__:
            net, theta = self._fitted_network(), self._theta.astype(np.float64)
        else:
            self._validate_params()
            net = self._network(X.shape[1], y.shape[1])
            random_state = check_random_state(self.random_state)
            theta = self._initial_theta(net, random_state, np.float64)
        if net.layer_units[0] != X.shape[1] or net.layer_units[-1] != y.shape[1]:
            raise ValueError(
                f"The network takes {net.layer_units[0]} features and "
                f"{net.layer_units[-1]} outputs; X and y have {X.shape[1]} and "
                f"{y.shape[1]}."
            )
        return net, theta, X, y, sample_weight

    # -- the parameter vector and its views ---------------------------------

    def _views(self, which):
        if "_theta" not in self.__dict__:
            raise AttributeError(
                f"This {type(self).__name__} instance is not fitted yet: it has no "
                f"{which}."
            )
        Ws, bs = self._fitted_network().unpack(self._theta)
        return _ParameterList([W.T for W in Ws] if which == "coefs_" else bs)

    def _assign(self, which, arrays):
        views = self._views(which)
        arrays = list(arrays)
        if len(arrays) != len(views):
            raise ValueError(
                f"{which} needs {len(views)} arrays, one per layer; got {len(arrays)}."
            )
        # Check every shape before writing anything: a failed assignment
        # leaves the model as it was.
        arrays = [
            _layer_values(i, view, array)
            for i, (view, array) in enumerate(zip(views, arrays, strict=True))
        ]
        for view, array in zip(views, arrays, strict=True):
            view[...] = array

    coefs_ = property(
        lambda self: self._views("coefs_"),
        lambda self, value: self._assign("coefs_", value),
        doc="Weight matrices, ``(fan_in, fan_out)`` views into the parameters.",
    )
    intercepts_ = property(
        lambda self: self._views("intercepts_"),
        lambda self, value: self._assign("intercepts_", value),
        doc="Bias vectors, views into the parameters.",
    )

    # -- fitting --------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set, scored after every epoch into
            ``validation_scores_`` and ``validation_loss_curve_``. With
            ``early_stopping=True`` it replaces the internal split for
            stopping and for choosing the best weights; otherwise it only
            monitors. Only used when solver='sgd' or 'adam'. Inside a
            Pipeline, ``X_val`` is not transformed by the earlier steps:
            transform it yourself.

        y_val : array-like of shape (n_val,) or (n_val, n_outputs), \
                default=None
            The targets of ``X_val``.

        sample_weight_val : array-like of shape (n_val,), default=None
            Sample weights of ``X_val``.

        Returns
        -------
        self : object
            Returns a trained MLP model.
        """
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=False,
            validation=(X_val, y_val, sample_weight_val),
        )

    @available_if(_check_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single epoch over the given data.

        Only available for ``solver='sgd'`` and ``solver='adam'``. The
        optimizer's state (momentum, Adam's moments, the learning rate) is
        kept between calls.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _fit(self, X, y, sample_weight, incremental, validation=(None, None, None)):
        self._check_solver_options(validation)
        hidden = self._hidden_layer_sizes()
        first_pass = "_theta" not in self.__dict__ or not (
            self.warm_start or incremental
        )
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        # What this call started from: a failed call puts it back, so the
        # estimator is never left half-updated.
        before = self._fitted_state()
        try:
            X, y, sample_weight = self._validate_fit_data(
                X, y, sample_weight, first_pass
            )
            random_state = check_random_state(self.random_state)
            if first_pass:
                self._initialize(X, y, random_state)
            else:
                self._check_architecture(hidden, y)
            # Overflow is detected where it matters (a non-finite loss or
            # weights) and reported with a remedy; numpy's RuntimeWarnings
            # from deep inside a matmul would only be noise. One BLAS thread
            # when the batches' matrix products are small (see
            # Network.blas_threads).
            stochastic = self.solver in _STOCHASTIC_SOLVERS
            tasks = FitTasks(
                self,
                # L-BFGS begins one iteration more than it runs.
                max_subtasks=(1 if incremental else self.max_iter) + (not stochastic),
                X=X,
                y=y,
                sample_weight=sample_weight,
            )
            with (
                np.errstate(over="ignore", invalid="ignore", divide="ignore"),
                self._fitted_network().blas_threads(
                    # The rows of one gradient evaluation.
                    self._batch_size(X.shape[0], warn=False)
                    if stochastic
                    else X.shape[0]
                ),
            ):
                if stochastic:
                    validation = self._validation_set(X, y, sample_weight, validation)
                    self._fit_stochastic(
                        X,
                        y,
                        sample_weight,
                        random_state,
                        incremental,
                        validation,
                        tasks,
                    )
                else:
                    self._fit_lbfgs(X, y, sample_weight, tasks)
            if not np.isfinite(self._theta).all():
                raise ValueError(
                    "Solver produced non-finite parameter weights. The input data "
                    "may contain large values and need to be preprocessed: scale X "
                    "(e.g. with StandardScaler) and y, or lower learning_rate_init."
                )
            tasks.finish()
        except BaseException:
            self._restore_fitted_state(before)
            raise
        return self

    def _fitted_state(self):
        """Return a deep copy of everything fit changes.

        Hyperparameters are left out (fit never changes them), and so are the
        callbacks and their contexts, which belong to the caller.
        """
        return {
            name: copy.deepcopy(self.__dict__[name]) for name in self._fitted_names()
        }

    def _restore_fitted_state(self, state):
        for name in self._fitted_names():
            del self.__dict__[name]
        self.__dict__.update(state)

    def _fitted_names(self):
        params = set(self._get_param_names())  # inspects __init__: once, not per name
        return [
            name
            for name in self.__dict__
            if name not in params and not _is_callback_state(name)
        ]

    def _check_solver_options(self, validation):
        """Reject options that L-BFGS cannot honour, before any work."""
        if self.solver in _STOCHASTIC_SOLVERS:
            return
        for name, is_set in [
            ("dropout", np.any(np.asarray(self.dropout, dtype=float) > 0)),
            ("max_grad_norm", self.max_grad_norm is not None),
            ("X_val", validation[0] is not None),
        ]:
            if is_set:
                raise ValueError(
                    f"{name} is only used by the minibatch solvers, not by "
                    "solver='lbfgs'. Use solver='adam' or 'sgd', or leave "
                    f"{name} unset."
                )

    def _validate_fit_data(self, X, y, sample_weight, first_pass):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=first_pass,
        )
        if not first_pass:
            # Keep training in the model's dtype.
            X = X.astype(self._theta.dtype, copy=False)
        y = self._validate_target(y, X.dtype)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        return X, y, sample_weight

    def _validate_target(self, y, dtype, warn=True):
        """Return ``y`` as a 2-D array of ``dtype``, checked against the loss."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=warn)
        y = np.asarray(y, dtype=dtype)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        self._loss().check_target(y)
        return y

    def _validation_set(self, X, y, sample_weight, validation):
        """Return ``(X_val, y_val, sample_weight_val)``, or ``None`` if there is none.

        A given ``X_val`` is validated like ``X``. Otherwise, with early
        stopping, the internal split is taken out of ``X``, ``y`` and
        ``sample_weight`` (see :meth:`_fit_stochastic`).
        """
        X_val, y_val, sample_weight_val = validation
        if X_val is None:
            if y_val is not None or sample_weight_val is not None:
                raise ValueError(
                    "y_val and sample_weight_val need X_val: pass X_val too, or "
                    "neither."
                )
            return None
        if y_val is None:
            raise ValueError("X_val needs its targets: pass y_val too.")
        X_val = validate_data(
            self,
            X_val,
            accept_sparse=["csr", "csc"],
            dtype=self._theta.dtype,
            reset=False,
        )
        y_val = check_array(
            y_val, ensure_2d=False, dtype=self._theta.dtype, input_name="y_val"
        )
        check_consistent_length(X_val, y_val)
        y_val = self._validate_target(y_val, X_val.dtype)
        if y_val.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y_val has {y_val.shape[1]} outputs but y has {self.n_outputs_}."
            )
        if sample_weight_val is not None:
            sample_weight_val = _check_sample_weight(
                sample_weight_val, X_val, dtype=X_val.dtype
            )
        return X_val, y_val, sample_weight_val

    def _check_architecture(self, hidden, y):
        expected = (self.n_features_in_, *hidden, y.shape[1])
        if tuple(expected) != tuple(self._layer_units):
            raise ValueError(
                f"The fitted network has layer sizes {self._layer_units}, but "
                f"hidden_layer_sizes and y ask for {expected}. Continuing "
                "(warm_start=True or partial_fit) needs the same architecture: "
                "set warm_start=False, or fit a new estimator."
            )
        activations = self._network(self.n_features_in_, y.shape[1]).activations
        if activations != self._activations:
            raise ValueError(
                f"The fitted network uses activations {self._activations}, but "
                f"the parameters ask for {activations}. Continuing needs the same "
                "activations: set warm_start=False, or fit a new estimator."
            )

    def _initialize(self, X, y, random_state):
        net = self._network(X.shape[1], y.shape[1])
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(net.layer_units)
        self.out_activation_ = net.activations[-1]
        self._layer_units = net.layer_units
        self._activations = net.activations
        self._theta = self._initial_theta(net, random_state, X.dtype)
        self._best_theta = self._theta.copy()
        self._optimizer_state = None
        self.loss_curve_ = []
        for name in _STOPPING_STATE:  # a previous fit's, set anew by the solver
            self.__dict__.pop(name, None)

    def _sync_stopping_state(self, has_validation):
        """Make the stopping bookkeeping match the current settings.

        A fresh fit starts it as MLPRegressor does. A warm start or
        ``partial_fit`` may follow a fit by another solver, or with early
        stopping or a validation set switched on or off; MLPRegressor then
        fails with an AttributeError or a TypeError, while this keeps what
        still applies and starts the rest.
        """
        if "_no_improvement_count" not in self.__dict__:
            self._no_improvement_count = 0
        if self.early_stopping:
            self.best_loss_ = None
        elif self.__dict__.get("best_loss_") is None:
            self.best_loss_ = np.inf
        if not has_validation:
            self.validation_scores_ = self.validation_loss_curve_ = None
            self.best_validation_score_ = None
        elif self.__dict__.get("validation_scores_") is None:
            self.validation_scores_, self.validation_loss_curve_ = [], []
            self.best_validation_score_ = -np.inf

    def _optimizer(self):
        # Not get_params(), which inspects the signature: 90 us per partial_fit.
        params = {name: getattr(self, name) for name in HYPERPARAMETERS}
        return make_optimizer(self.solver, params)

    def _lbfgs_objective(self, net, X, y, sample_weight):
        """Return the function of float64 ``x`` that scipy's L-BFGS-B minimizes."""
        dtype = self._theta.dtype
        workspace = net.workspace(X.shape[0], dtype)
        grad = np.empty_like(self._theta)

        evaluations = 0

        def loss_and_grad(x):
            nonlocal evaluations
            evaluations += 1
            # scipy works in float64; the network keeps the model's dtype.
            loss, _ = net.loss_and_grad(
                x.astype(dtype, copy=False),
                X,
                y,
                sample_weight,
                self.alpha,
                grad,
                workspace=workspace,
            )
            if not (math.isfinite(loss) and np.isfinite(grad).all()):
                raise ValueError(
                    f"The loss or its gradient became non-finite (loss={loss}) at "
                    f"L-BFGS evaluation {evaluations}: the data's scale overflows "
                    f"{dtype.name} in the network. Scale X (e.g. StandardScaler) and "
                    "y (e.g. TransformedTargetRegressor), or increase alpha."
                )
            # A copy: scipy keeps gradients from earlier calls.
            return loss, grad.astype(np.float64, copy=True)

        return loss_and_grad

    def _fit_lbfgs(self, X, y, sample_weight, tasks):
        net = self._fitted_network()
        dtype = self._theta.dtype
        loss_and_grad = self._lbfgs_objective(net, X, y, sample_weight)

        last = {"x": self._theta.astype(np.float64), "nit": 0, "stopped": False}

        def weights():
            return last["x"].astype(dtype)

        def record(intermediate_result):
            last["x"], last["nit"] = intermediate_result.x.copy(), last["nit"] + 1
            self.loss_curve_.append(float(intermediate_result.fun))
            if self.verbose:
                print(f"Iteration {last['nit']}, loss = {self.loss_curve_[-1]:.8f}")
            if tasks.end(weights):
                last["stopped"] = True
                raise StopIteration  # scipy ends the minimization cleanly
            tasks.begin("iteration", weights)

        tasks.begin("iteration", weights)

        try:
            result = scipy.optimize.minimize(
                loss_and_grad,
                last["x"],
                method="L-BFGS-B",
                jac=True,
                options={
                    "maxfun": self.max_fun,
                    "maxiter": self.max_iter,
                    "gtol": self.tol,
                },
                callback=record,
            )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=_USER)
            self._theta[...] = last["x"]
            self.n_iter_ = last["nit"]
            self.loss_ = self.loss_curve_[-1] if last["nit"] else np.nan
            return
        self.n_iter_ = min(result.nit, self.max_iter)
        if result.status != 0 and not last["stopped"]:
            message = (
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}):\n{result.message}\n"
            )
            if self.n_iter_ == self.max_iter:
                message += (
                    "\nIncrease the number of iterations to improve the "
                    f"convergence (max_iter={self.max_iter})."
                )
            message += (
                "\nYou might also want to scale the data as shown in:\n"
                "    https://scikit-learn.org/stable/modules/preprocessing.html"
            )
            warnings.warn(message, ConvergenceWarning, stacklevel=_USER)
        self.loss_ = float(result.fun)
        self._theta[...] = result.x

    def _fit_stochastic(
        self, X, y, sample_weight, random_state, incremental, validation, tasks
    ):
        net = self._fitted_network()
        theta = self._theta
        optimizer = self._optimizer()
        if incremental and optimizer.owns_state(self._optimizer_state):
            state = optimizer.state_from_dict(self._optimizer_state)
        else:  # a fresh fit, or the solver changed since the state was made
            state = optimizer.init(theta)
        self._optimizer_state = optimizer.state_to_dict(state)

        if self.early_stopping and validation is None:
            X, y, sample_weight, validation = self._split(
                X, y, sample_weight, random_state
            )
        self._sync_stopping_state(validation is not None)
        scorer = self._scorer(validation)
        dropout = self._dropout_rates(net.n_layers - 1)
        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)
        sample_idx = np.arange(n_samples)
        grad = np.empty_like(theta)
        # Made once per fit, reused by every batch of every epoch.
        workspace = net.workspace(batch_size, theta.dtype)

        # One shuffled copy of the training data per epoch, gathered into
        # buffers allocated once: minibatches are then contiguous slices.
        training = X_epoch, y_epoch, sw_epoch = (X, y, sample_weight)
        buffers = [
            np.empty(a.shape, a.dtype) if self.shuffle and _is_dense(a) else None
            for a in training
        ]

        # The last completed epoch, restored if training is interrupted.
        self.n_iter_ = 0
        done = self._checkpoint()
        try:
            for _ in range(self.max_iter):
                tasks.begin("epoch", theta.copy)
                if self.shuffle:
                    # The same draws as MLPRegressor: the previous order,
                    # reshuffled, so both see the same minibatches.
                    sample_idx = _reshuffle(sample_idx, random_state)
                    X_epoch, y_epoch, sw_epoch = (
                        _take_rows(a, sample_idx, out)
                        for a, out in zip(training, buffers, strict=True)
                    )

                accumulated_loss = 0.0
                for batch in gen_batches(n_samples, batch_size):
                    masks = None
                    if dropout:
                        masks = net.draw_dropout_masks(
                            batch.stop - batch.start, dropout, random_state, theta.dtype
                        )
                    batch_loss, grad = net.loss_and_grad(
                        theta,
                        X_epoch[batch],
                        y_epoch[batch],
                        None if sw_epoch is None else sw_epoch[batch],
                        self.alpha,
                        grad,
                        dropout_masks=masks,
                        workspace=workspace,
                    )
                    if not math.isfinite(batch_loss):
                        raise self._divergence(batch_loss)
                    accumulated_loss += batch_loss * (batch.stop - batch.start)
                    state = optimizer.step(theta, grad, state)  # clips too

                self.n_iter_ += 1
                self.loss_ = accumulated_loss / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                if validation is not None:
                    self._record_validation(net, validation, scorer)
                if not self.early_stopping:
                    self._update_training_loss()
                state = optimizer.end_epoch(state, self.t_)
                self._optimizer_state = optimizer.state_to_dict(state)
                done = self._checkpoint()
                if tasks.end(theta.copy):
                    break  # a callback asked to stop after this epoch

                if self._no_improvement_count > self.n_iter_no_change:
                    stop, state = self._stop_on_plateau(optimizer, state)
                    self._optimizer_state = optimizer.state_to_dict(state)
                    if stop:
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=_USER,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=_USER)
            self._restore(done)
        else:
            # Each batch's loss was finite before its step; check the weights
            # after the last step too, on the last batch.
            if not np.isfinite(net.predict(theta, X_epoch[batch])).all():
                raise self._divergence(np.inf)

        if self.early_stopping:
            # Restore the best weights. _best_theta is a copy, never a view
            # of theta, so this is right even when a warm-start refit never
            # beats the previous best (MLPRegressor keeps its final weights).
            theta[...] = self._best_theta

    def _checkpoint(self):
        """Save what a completed epoch leaves, to restore on Ctrl-C."""
        curves = ("loss_curve_", "validation_scores_", "validation_loss_curve_")
        return {
            "_theta": self._theta.copy(),
            "_best_theta": self._best_theta.copy(),
            "_optimizer_state": copy.deepcopy(self._optimizer_state),
            "counters": {
                name: self.__dict__[name]
                for name in _EPOCH_COUNTERS
                if name in self.__dict__
            },
            "lengths": {
                name: len(getattr(self, name))
                for name in curves
                if getattr(self, name) is not None
            },
        }

    def _restore(self, done):
        """Go back to a checkpoint: the weights and all epoch bookkeeping."""
        self._theta[...] = done["_theta"]
        self._best_theta[...] = done["_best_theta"]
        self._optimizer_state = done["_optimizer_state"]
        for name in _EPOCH_COUNTERS:
            if name in done["counters"]:
                setattr(self, name, done["counters"][name])
            else:
                self.__dict__.pop(name, None)
        for name, length in done["lengths"].items():
            del getattr(self, name)[length:]

    def _divergence(self, loss):
        return ValueError(
            f"The training loss became {loss} in epoch {self.n_iter_ + 1}: the "
            "fit diverged. Use a smaller learning_rate_init (now "
            f"{self.learning_rate_init}), or scale the data (StandardScaler for "
            "X; TransformedTargetRegressor for y)."
        )

    def _split(self, X, y, sample_weight, random_state):
        """Set aside the early-stopping validation set, as MLPRegressor does."""
        n_val = int(np.ceil(self.validation_fraction * X.shape[0]))
        if n_val < 2 or n_val >= X.shape[0]:
            # Checked here, before train_test_split, whose own message for an
            # empty training set names its parameters, not ours.
            raise ValueError(
                f"The validation set is too small ({n_val} of {X.shape[0]} "
                "samples) or leaves no training data. Increase "
                "'validation_fraction' or the size of your dataset, or pass "
                "X_val and y_val to fit."
            )
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        parts = train_test_split(
            *arrays, random_state=random_state, test_size=self.validation_fraction
        )
        X_train, X_val, y_train, y_val = parts[:4]
        sw_train, sw_val = parts[4:] if sample_weight is not None else (None, None)
        return X_train, y_train, sw_train, (X_val, y_val, sw_val)

    def _batch_size(self, n_samples, warn=True):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples and warn:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                stacklevel=_USER + 1,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _scorer(self, validation):
        if validation is None or self.scoring in (None, "loss"):
            return None
        return check_scoring(self, scoring=self.scoring)

    def _record_validation(self, net, validation, scorer):
        """Score the validation set; with early stopping, track the best weights."""
        X_val, y_val, sample_weight_val = validation
        y_pred = net.predict(self._theta, X_val)
        finite = np.isfinite(y_pred).all()
        val_loss = (
            net.loss.value_and_grad(y_val, y_pred, sample_weight_val)[0]
            if finite
            else np.nan
        )
        if not finite:
            score = np.nan
        elif self.scoring is None:
            score = r2(y_val, y_pred, sample_weight_val)
        elif self.scoring == "loss":
            score = -val_loss
        else:
            kwargs = (
                {}
                if sample_weight_val is None
                else {"sample_weight": sample_weight_val}
            )
            y_true = y_val.ravel() if y_val.shape[1] == 1 else y_val
            with warnings.catch_warnings():
                # X_val is already validated; its column names were dropped.
                warnings.filterwarnings("ignore", "X does not have valid feature names")
                score = scorer(self, X_val, y_true, **kwargs)
        self.validation_scores_.append(float(score))
        self.validation_loss_curve_.append(float(val_loss))
        if self.verbose:
            print(f"Validation score: {score:f}")
        if not self.early_stopping:
            self.best_validation_score_ = max(self.best_validation_score_, score)
            return
        # A NaN score counts as no improvement (MLPRegressor's comparison
        # resets the counter on NaN, so a diverging fit never stops).
        if score >= self.best_validation_score_ + self.tol:
            self._no_improvement_count = 0
        else:
            self._no_improvement_count += 1
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            np.copyto(self._best_theta, self._theta)

    def _update_training_loss(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _stop_on_plateau(self, optimizer, state):
        """Stop, or reduce the rate, after ``n_iter_no_change`` bad epochs.

        Returns whether to stop, and the optimizer's state (with the reduced
        rate if it was reduced).
        """
        what = "Validation score" if self.early_stopping else "Training loss"
        message = (
            f"{what} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        state, reduced = optimizer.on_plateau(state)
        if reduced:
            if self.verbose:
                lr = state.learning_rate
                print(f"{message} Setting learning rate to {lr:f}")
            return False, state
        if self.verbose:
            adaptive = self.solver == "sgd" and self.learning_rate == "adaptive"
            print(
                message
                + (" Learning rate too small." if adaptive else "")
                + " Stopping."
            )
        return True, state

    # -- prediction -------------------------------------------------------------

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y_pred = self._fitted_network().predict(self._theta, X)
        finite = np.isfinite(y_pred).all(axis=1)
        if not finite.all():
            raise ValueError(
                f"The network overflows on {np.count_nonzero(~finite)} of "
                f"{X.shape[0]} rows of X (first: row {np.argmin(finite)}), so their "
                "predictions would not be finite. Those rows are far outside the "
                "scale of the training data: scale X as it was scaled for fit "
                "(e.g. with the same StandardScaler in a Pipeline)."
            )
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
