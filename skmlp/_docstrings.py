"""Parameter and attribute documentation shared by the skmlp estimators.

Each estimator's docstring names a shared entry by a line holding only
``{{name}}``; :func:`fill_doc` puts the entry there, indented as the line
is. A task-specific entry (``loss``, ``scoring``...) is written in the
estimator's own docstring, so the classifier does not copy 300 lines and the
two never drift apart.
"""

import re

#: numpydoc entries of the shared hyperparameters, by name.
PARAMETERS = {
    "hidden_layer_sizes": """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    The ith element represents the number of neurons in the ith
    hidden layer.""",
    "activation": """\
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
    - 'silu', returns f(x) = x / (1 + exp(-x))""",
    "solver": """\
solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
    The solver for weight optimization.

    - 'lbfgs' is scipy's L-BFGS-B on the flat parameter vector.
    - 'sgd' refers to stochastic gradient descent.
    - 'adam' refers to the stochastic gradient-based optimizer proposed by
      Kingma and Ba.

    'adam' works well on relatively large datasets (thousands of samples
    or more); on small datasets 'lbfgs' can converge faster and better.""",
    "alpha": """\
alpha : float, default=0.0001
    Strength of the L2 regularization term. The L2 regularization term
    is divided by the sample size (or the sum of the sample weights)
    when added to the loss.""",
    "batch_size": """\
batch_size : int, default='auto'
    Size of minibatches for stochastic optimizers. If the solver is
    'lbfgs', the estimator does not use minibatches. When set to "auto",
    `batch_size=min(200, n_samples)`.""",
    "learning_rate": """\
learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
        default='constant'
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
    - 'cosine' decays the rate of step t (t = 1, 2, ...) along a half
      cosine, after a linear warmup of W steps (see ``warmup_fraction``):
      with s = t - 1, eta_t = learning_rate_init * (s + 1) / W while
      s < W, then learning_rate_init * (1 + cos(pi * p)) / 2 with
      p = min(1, (s - W) / (T - W)). T, the whole schedule, is `max_iter`
      epochs of this call's minibatches, so early stopping may end
      training before the rate has decayed. A `fit` (warm start or not)
      starts the schedule anew; `partial_fit` calls continue it, each
      taken as an epoch (T from its number of minibatches), and after T
      steps the rate is 0 (a warning says so).

    'constant', 'invscaling' and 'adaptive' are only used when
    ``solver='sgd'`` (solver='adam' keeps its rate constant, as
    MLPRegressor's); 'cosine' is used by 'sgd' and 'adam'.""",
    "learning_rate_init": """\
learning_rate_init : float, default=0.001
    The initial learning rate used. It controls the step-size in updating
    the weights. Only used when solver='sgd' or 'adam'.""",
    "power_t": """\
power_t : float, default=0.5
    The exponent for inverse scaling learning rate. Only used when
    solver='sgd' and learning_rate='invscaling'.""",
    "max_iter": """\
max_iter : int, default=200
    Maximum number of iterations. The solver iterates until convergence
    (determined by 'tol') or this number of iterations. For stochastic
    solvers ('sgd', 'adam'), this is the number of epochs (how many times
    each data point is used), not the number of gradient steps.""",
    "shuffle": """\
shuffle : bool, default=True
    Whether to shuffle samples in each iteration. Only used when
    solver='sgd' or 'adam'.""",
    "random_state": """\
random_state : int, RandomState instance, default=None
    Determines random number generation for weights and bias
    initialization, train-test split if early stopping is used, and batch
    sampling when solver='sgd' or 'adam'. Every call to `fit` and
    `partial_fit` draws afresh from it, as in MLPRegressor.
    Pass an int for reproducible results across multiple function calls.
    See :term:`Glossary <random_state>`.""",
    "tol": """\
tol : float, default=1e-4
    Tolerance for the optimization. When the loss or score is not
    improving by at least ``tol`` for ``n_iter_no_change`` consecutive
    iterations, unless ``learning_rate`` is set to 'adaptive', convergence
    is considered to be reached and training stops. For 'lbfgs' it is the
    projected-gradient tolerance ``gtol``.""",
    "verbose": """\
verbose : bool or int, default=False
    Whether to print progress messages to stdout. ``True`` prints
    MLPRegressor's lines; ``2`` prints a table instead, one row per epoch
    with the training and validation loss, the validation score, the
    learning rate, the duration and ``*`` on the best epoch (the records of
    ``history_``).""",
    "warm_start": """\
warm_start : bool, default=False
    When set to True, reuse the solution of the previous call to fit as
    initialization, otherwise, just erase the previous solution. See
    :term:`the Glossary <warm_start>`.""",
    "momentum": """\
momentum : float, default=0.9
    Momentum for gradient descent update. Should be between 0 and 1. Only
    used when solver='sgd'.""",
    "nesterovs_momentum": """\
nesterovs_momentum : bool, default=True
    Whether to use Nesterov's momentum. Only used when solver='sgd' and
    momentum > 0.""",
    "early_stopping": """\
early_stopping : bool, default=False
    Whether to use early stopping to terminate training when validation
    score is not improving. If set to True, it will automatically set
    aside ``validation_fraction`` of training data as validation and
    terminate training when validation score is not improving by at least
    ``tol`` for ``n_iter_no_change`` consecutive epochs; the weights with
    the best validation score are kept. Only effective when solver='sgd'
    or 'adam'.""",
    "validation_fraction": """\
validation_fraction : float, default=0.1
    The proportion of training data to set aside as validation set for
    early stopping. Must be between 0 and 1. Only used if early_stopping
    is True.""",
    "beta_1": """\
beta_1 : float, default=0.9
    Exponential decay rate for estimates of first moment vector in adam,
    should be in [0, 1). Only used when solver='adam'.""",
    "beta_2": """\
beta_2 : float, default=0.999
    Exponential decay rate for estimates of second moment vector in adam,
    should be in [0, 1). Only used when solver='adam'.""",
    "epsilon": """\
epsilon : float, default=1e-8
    Value for numerical stability in adam. Only used when solver='adam'.""",
    "n_iter_no_change": """\
n_iter_no_change : int, default=10
    Maximum number of epochs to not meet ``tol`` improvement. Only
    effective when solver='sgd' or 'adam'.""",
    "max_fun": """\
max_fun : int, default=15000
    Only used when solver='lbfgs'. Maximum number of loss function calls.
    The solver iterates until convergence (determined by ``tol``), number
    of iterations reaches max_iter, or this number of function calls.""",
    "dropout": """\
dropout : float or list of float, default=0.0
    Inverted-dropout rate of the hidden units in ``[0, 1)``: one rate for
    every hidden layer, or one per hidden layer. During minibatch
    training each hidden unit is zeroed with this probability and the
    kept ones are scaled by ``1 / (1 - rate)``, with masks drawn from
    ``random_state``; `predict` uses every unit and is deterministic.
    Not available with solver='lbfgs'.""",
    "init": """\
init : {'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal'}, \
        default='glorot_uniform'
    Weight initialization. 'glorot_uniform' draws exactly what
    MLPRegressor draws (with its narrower bound for 'logistic'). The
    others set the intercepts to zero and draw the weights from
    N(0, 2 / (fan_in + fan_out)), U(-sqrt(6 / fan_in), sqrt(6 / fan_in))
    and N(0, 2 / fan_in) respectively.""",
    "max_grad_norm": """\
max_grad_norm : float, default=None
    If set, the gradient of each minibatch (all weights and biases, L2
    term included) is rescaled so that its global L2 norm is at most
    this value. Not available with solver='lbfgs'.""",
    "warmup_fraction": """\
warmup_fraction : float, default=0.0
    The fraction of the steps of ``learning_rate='cosine'`` spent in a
    linear warmup, in [0, 1): W = round(warmup_fraction * T) steps whose
    rate rises from learning_rate_init / W to learning_rate_init. A
    fraction rather than a number of epochs, so that the shape of the
    schedule stays the same when `max_iter` or `batch_size` change. Only
    used when learning_rate='cosine'.""",
    "weight_decay": """\
weight_decay : float, default=0.0
    Decoupled weight decay (AdamW, SGDW; Loshchilov and Hutter, 2019): at
    every minibatch step, before the optimizer's update, each weight is
    shrunk as w <- (1 - eta * weight_decay) * w, where eta is the step's
    scheduled learning rate (for 'adam' before its bias correction, as in
    PyTorch's AdamW). Biases are not decayed. Unlike ``alpha``, an L2 term
    of the loss whose gradient is divided by the number of samples (or the
    sum of the weights) and, with 'adam', by the running scale of the
    gradient, it shrinks every weight by the same factor per step. 0
    leaves the arithmetic untouched. Not available with solver='lbfgs'.""",
    "numeric_embedding": """\
numeric_embedding : {'periodic', 'piecewise_linear'}, PeriodicEmbedding, \
        PiecewiseLinearEmbedding or None, default=None
    Embed each input feature before the first layer (Gorishniy et al.,
    2022), which then reads the embeddings, concatenated, instead of ``X``.

    - None: no embedding; the first layer reads ``X``.
    - 'periodic' (PLR), :class:`~skmlp.PeriodicEmbedding` with its
      defaults: per feature, trained frequencies c, [cos(2 pi c x),
      sin(2 pi c x)], a trained linear map and a ReLU; 24 inputs per
      feature.
    - 'piecewise_linear' (PLE), :class:`~skmlp.PiecewiseLinearEmbedding`
      with its defaults: per feature, up to 48 quantile bins of the
      training data, each coded 0 below, 1 above and linearly inside.
    - An instance of either, for other settings.

    The embedding is fitted in the first `fit` (or `partial_fit`, on its
    first batch) and kept. ``coefs_[0]`` then has one row per embedding
    input; ``alpha`` and ``weight_decay`` act on ``coefs_`` only, not on
    the embedding's parameters, which follow the intercepts in
    ``theta_``. Sparse ``X`` is made dense batch by batch. Works on numpy
    arrays only (not on the Array API path). See the user guide, "Numeric
    feature embeddings".""",
    "restore_best_weights": """\
restore_best_weights : bool, default=False
    With a validation set that only monitors (``X_val`` given to `fit` and
    ``early_stopping=False``), restore at the end of `fit` the weights of
    the epoch with the best validation score, as early stopping does. Then
    training runs ``max_iter`` epochs or until the training loss stalls,
    and the kept weights are those that did best on ``X_val``. Not used by
    `partial_fit`, whose single epoch has nothing to choose from.""",
    "n_ensemble": """\
n_ensemble : int, default=1
    The number of networks trained together as an ensemble, each from its
    own initial weights (drawn one after another from `random_state`, so
    the first is the network ``n_ensemble=1`` would train), on the same
    minibatches, in one pass of stacked matrix products: 8 members of
    W1's (100,) network cost about 4 times one network's time, not 8
    (benchmark workload E). With ``numeric_embedding`` the members share
    one embedding, whose gradient is the sum of theirs. Training minimizes the sum of
    the members' losses, so each member gets exactly its own gradient and,
    with 'sgd' or 'adam', moves as it would alone (``max_grad_norm``
    clips the norm over all members together). ``loss_``, ``loss_curve_``
    and ``best_loss_`` report the members' mean loss; validation scores and
    losses are those of the ensemble's prediction, the members' mean (the
    mean of their probabilities for a classifier). ``coefs_[i]`` then has
    shape ``(n_ensemble, fan_in, fan_out)`` and ``intercepts_[i]``
    ``(n_ensemble, fan_out)``, member first. numpy arrays only (not the
    Array API path). 1 is a single network, computed exactly as before.""",
}

#: numpydoc entries of the shared fitted attributes, by name.
ATTRIBUTES = {
    "loss_": """\
loss_ : float
    The current loss computed with the loss function, L2 term included.""",
    "best_loss_": """\
best_loss_ : float or None
    The minimum loss reached by the solver throughout fitting. If
    `early_stopping=True`, this attribute is set to `None`. Refer to the
    `best_validation_score_` fitted attribute instead. Only accessible
    when solver='sgd' or 'adam'.""",
    "loss_curve_": """\
loss_curve_ : list of shape (`n_iter_`,)
    The loss at the end of each epoch ('sgd', 'adam') or of each
    iteration ('lbfgs'; MLPRegressor records none).""",
    "validation_loss_curve_": """\
validation_loss_curve_ : list of shape (`n_iter_`,) or None
    The loss on the validation set at each epoch, without the L2 term.
    `None` when there is no validation set. Only accessible when
    solver='sgd' or 'adam'.""",
    "best_validation_score_": """\
best_validation_score_ : float or None
    The best validation score: the one that chose the restored weights
    with `early_stopping=True`, the best monitored one with ``X_val``
    and `early_stopping=False`, and `None` without a validation set.
    Only accessible when solver='sgd' or 'adam'.""",
    "t_": """\
t_ : int
    The number of training samples seen by the solver during fitting.
    It is used by the optimizer's learning rate scheduler.""",
    "coefs_": """\
coefs_ : list of shape (n_layers - 1,)
    The ith element in the list is the weight matrix of layer i + 1, of
    shape ``(fan_in, fan_out)``: the transpose of the derivation's
    :math:`W^{i+1}`. The arrays are views into the model's parameter
    vector; assigning to ``coefs_`` or to one of its items copies the
    values in. With ``n_ensemble > 1``, of shape
    ``(n_ensemble, fan_in, fan_out)``: member ``m``'s matrix is
    ``coefs_[i][m]``.""",
    "intercepts_": """\
intercepts_ : list of shape (n_layers - 1,)
    The ith element in the list represents the bias vector corresponding
    to layer i + 1. Views, as for ``coefs_``; of shape
    ``(n_ensemble, fan_out)`` with ``n_ensemble > 1``.""",
    "n_features_in_": """\
n_features_in_ : int
    Number of features seen during :term:`fit`.""",
    "feature_names_in_": """\
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during :term:`fit`. Defined only when `X`
    has feature names that are all strings.""",
    "n_iter_": """\
n_iter_ : int
    The number of iterations the solver ran in the last call: epochs for
    'sgd' and 'adam', L-BFGS iterations for 'lbfgs'. Each `partial_fit`
    call runs one epoch and sets it to 1, as in scikit-learn, while
    ``loss_curve_`` keeps one value per epoch over all calls.""",
    "n_layers_": """\
n_layers_ : int
    Number of layers, input and output included.""",
    "n_outputs_": """\
n_outputs_ : int
    Number of outputs.""",
    "out_activation_": """\
out_activation_ : str
    Name of the output activation function.""",
    "history_": """\
history_ : list of dict
    One record per epoch (or, for 'lbfgs', per iteration), over every call
    of `fit` and `partial_fit` since the estimator was (re)initialised, as
    ``loss_curve_``: ``'epoch'`` (its number in ``loss_curve_``),
    ``'loss'``, ``'validation_loss'`` and ``'validation_score'`` (with a
    validation set), ``'learning_rate'`` (the schedule's rate during the
    epoch; 'sgd' and 'adam'), ``'duration'`` (seconds) and ``'best'``
    (whether the epoch set a new best: the validation score when there is
    a validation set, else the training loss). ``verbose=2`` prints it as a
    table while training.""",
}

_PLACEHOLDER = re.compile(r"^( *)\{\{(\w+)\}\}$", re.MULTILINE)


def _entry(match):
    indent, name = match.groups()
    text = PARAMETERS.get(name) or ATTRIBUTES[name]
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def fill_doc(cls):
    """Replace each ``{{name}}`` line of ``cls.__doc__`` by that shared entry.

    Parameters
    ----------
    cls : type
        The estimator class; its docstring is changed in place.

    Returns
    -------
    cls : type
        The same class, for use as a decorator.
    """
    cls.__doc__ = _PLACEHOLDER.sub(_entry, cls.__doc__)
    return cls
