"""BackpropRegressor: the drop-in MLPRegressor on the shared machinery.

Everything but regression lives in :mod:`skmlp._base`: this module adds the
docstring, the regression-only parameters (``loss``, ``huber_delta``,
``quantile``, ``out_activation``) and the regression hooks (numeric targets
checked by the loss, R² as the default validation score, 1-D predictions for
one output).
"""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.preprocessing import StandardScaler
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _array_api
from ._activations import OUTPUT_ACTIVATIONS
from ._backend import ArraySpace
from ._base import BaseBackprop, stochastic_only
from ._docstrings import fill_doc
from ._losses import LOSSES, get_loss
from ._metrics import r2


def _astype(array, dtype):
    """``array.astype(dtype, copy=False)``, in ``array``'s namespace."""
    if isinstance(array, np.ndarray):
        return array.astype(dtype, copy=False)
    return ArraySpace.of(array).xp.astype(array, dtype, copy=False)


def _one_output_1d(y):
    """Return ``y`` of one column as 1-D (``ravel``), in ``y``'s namespace."""
    if y.shape[1] != 1:
        return y
    if isinstance(y, np.ndarray):
        return y.ravel()
    return ArraySpace.of(y).xp.reshape(y, (-1,))


@fill_doc
class BackpropRegressor(RegressorMixin, BaseBackprop):
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
    {{hidden_layer_sizes}}

    {{activation}}

    loss : {'squared_error', 'poisson', 'huber', 'quantile'}, \
            default='squared_error'
        The loss function to minimize, per sample, summed over outputs and
        averaged over samples (weighted by ``sample_weight``).

        - 'squared_error' is half the squared error.
        - 'poisson' is the half Poisson deviance; it requires ``y >= 0`` and a
          strictly positive output activation ('exp', the default, or
          'softplus').
        - 'huber' is quadratic for residuals up to ``huber_delta`` and linear
          beyond, which makes the fit robust to outliers in ``y``.
        - 'quantile' is the pinball loss max(q r, (q - 1) r) of the residual
          r = y - y_hat, with q = ``quantile``: the fit predicts the
          ``quantile`` of ``y`` given ``X`` (0.5, the median, by default).
          At r = 0 its sub-gradient 0 is used.

    {{solver}}

    {{alpha}}

    {{weight_decay}}

    {{batch_size}}

    {{learning_rate}}

    {{learning_rate_init}}

    {{power_t}}

    {{warmup_fraction}}

    {{max_iter}}

    {{shuffle}}

    {{random_state}}

    {{tol}}

    {{verbose}}

    {{warm_start}}

    {{momentum}}

    {{nesterovs_momentum}}

    {{early_stopping}}

    {{validation_fraction}}

    {{beta_1}}

    {{beta_2}}

    {{epsilon}}

    {{n_iter_no_change}}

    {{max_fun}}

    out_activation : str, default=None
        Activation of the output layer. ``None`` keeps MLPRegressor's choice:
        'identity', or 'exp' for the Poisson loss. Otherwise any name allowed
        for ``activation``, or 'exp'. For example 'logistic' keeps predictions
        in (0, 1), and 'softplus' or 'exp' keeps them positive. The Poisson
        loss accepts only 'exp' and 'softplus'.

    huber_delta : float, default=1.0
        Where the Huber loss turns from quadratic to linear, in units of
        ``y``. Only used when loss='huber'.

    quantile : float, default=0.5
        The quantile to predict, in (0, 1). Only used when
        loss='quantile'.

    {{dropout}}

    {{init}}

    {{numeric_embedding}}

    {{max_grad_norm}}

    scoring : str, callable or None, default=None
        The validation score recorded in ``validation_scores_`` and used for
        early stopping. ``None`` is R², as in MLPRegressor. ``'loss'`` is
        minus the validation loss (without the L2 term), so that higher is
        better. Any other value is a scikit-learn scorer name or a callable
        ``scorer(estimator, X, y)``.

    {{restore_best_weights}}

    {{n_ensemble}}

    standardize_y : bool, default=False
        Whether to standardise the target inside the estimator: each output
        is centred and scaled to unit variance (weighted by
        ``sample_weight``) by a :class:`~sklearn.preprocessing.StandardScaler`
        fitted in the first `fit` or `partial_fit`, the network is trained on
        that scale, and `predict` undoes it. ``y_val`` is scaled the same way,
        which a :class:`~sklearn.compose.TransformedTargetRegressor` cannot
        do (it transforms ``y`` but not ``y_val``). ``loss_``, ``loss_curve_``
        and ``validation_loss_curve_`` are then on the standardised scale.
        Needs an identity output activation (the loss 'squared_error',
        'huber' or 'quantile').

    Attributes
    ----------
    {{loss_}}

    {{best_loss_}}

    {{loss_curve_}}

    validation_scores_ : list of shape (`n_iter_`,) or None
        The score (see ``scoring``; R² by default) at each epoch on the
        validation set: ``X_val`` if given to `fit`, else the internal split
        of early stopping. `None` when there is no validation set. Only
        accessible when solver='sgd' or 'adam'.

    {{validation_loss_curve_}}

    {{best_validation_score_}}

    {{t_}}

    {{coefs_}}

    {{intercepts_}}

    {{n_features_in_}}

    {{feature_names_in_}}

    {{n_iter_}}

    {{n_layers_}}

    {{n_outputs_}}

    {{out_activation_}}

    {{history_}}

    target_scaler_ : StandardScaler or None
        The scaler of ``y`` when ``standardize_y=True``, else `None`.

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

    With ``sklearn.set_config(array_api_dispatch=True)`` (scikit-learn 1.9 or
    later, ``SCIPY_ARRAY_API=1``), torch, cupy and array-api-strict ``X``
    train and predict in their namespace and on their device, a GPU included;
    ``y``, ``sample_weight`` and ``X_val`` follow ``X``, and the fitted
    arrays stay there. Random draws and L-BFGS run on the host. See the user
    guide, "GPUs and the Array API".

    References
    ----------
    Hinton, Geoffrey E. "Connectionist learning procedures."
    Artificial intelligence 40.1 (1989): 185-234.

    Glorot, Xavier, and Yoshua Bengio.
    "Understanding the difficulty of training deep feedforward neural networks."
    International Conference on Artificial Intelligence and Statistics. 2010.

    :arxiv:`Kingma, Diederik, and Jimmy Ba (2014)
    "Adam: A method for stochastic optimization." <1412.6980>`

    :arxiv:`Loshchilov, Ilya, and Frank Hutter (2017)
    "SGDR: Stochastic gradient descent with warm restarts." <1608.03983>`
    (``learning_rate='cosine'``)

    :arxiv:`Loshchilov, Ilya, and Frank Hutter (2019)
    "Decoupled weight decay regularization." <1711.05101>` (``weight_decay``)

    Koenker, Roger, and Gilbert Bassett Jr. "Regression quantiles."
    Econometrica 46.1 (1978): 33-50. (``loss='quantile'``)

    :arxiv:`Gorishniy, Yury, Ivan Rubachev and Artem Babenko (2022) "On
    Embeddings for Numerical Features in Tabular Deep Learning."
    <2203.05556>` (``numeric_embedding``)

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
        **BaseBackprop._parameter_constraints,
        "loss": [StrOptions(set(LOSSES))],
        "out_activation": [None, StrOptions(set(OUTPUT_ACTIVATIONS))],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "standardize_y": ["boolean"],
    }

    _y_numeric = True
    _target_scaling_hint = "; standardize_y=True for y"
    _extra_fitted_state = ("target_scaler_",)
    _y_val_advice = (
        "A TransformedTargetRegressor transforms y but not the y_val routed "
        "to its regressor: use standardize_y=True on this estimator instead, "
        "or pass y_val transformed as y is."
    )

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="squared_error",
        solver="adam",
        alpha=0.0001,
        weight_decay=0.0,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        warmup_fraction=0.0,
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
        quantile=0.5,
        dropout=0.0,
        init="glorot_uniform",
        max_grad_norm=None,
        scoring=None,
        restore_best_weights=False,
        standardize_y=False,
        numeric_embedding=None,
        n_ensemble=1,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.alpha = alpha
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.warmup_fraction = warmup_fraction
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
        self.quantile = quantile
        self.dropout = dropout
        self.init = init
        self.max_grad_norm = max_grad_norm
        self.scoring = scoring
        self.restore_best_weights = restore_best_weights
        self.standardize_y = standardize_y
        self.numeric_embedding = numeric_embedding
        self.n_ensemble = n_ensemble

    # -- the task hooks ----------------------------------------------------------

    def _loss(self):
        return get_loss(self.loss, huber_delta=self.huber_delta, quantile=self.quantile)

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

    def _validate_target(self, y, dtype, warn=True, reset=True):
        """Return a checked ``y`` as a 2-D array of ``dtype``, valid for the loss."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=warn)
        if _array_api.is_device_array(y):  # Array API path: X's dtype already
            xp = ArraySpace.of(y).xp
            y = xp.astype(y, dtype)
            y = xp.reshape(y, (-1, 1)) if y.ndim == 1 else y
            self._loss().check_target(y)
            return y
        y = np.asarray(y, dtype=dtype)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        self._loss().check_target(y)
        return y

    def _stratify(self, y):
        """Regression splits without stratification, as MLPRegressor does."""
        return None

    def _default_score(self, y, y_pred, sample_weight):
        """R², as MLPRegressor's early stopping scores."""
        return r2(y, y_pred, sample_weight)

    def _scorer_targets(self, y):
        return _one_output_1d(self._inverse_transform_target(y))

    def _target_scaler(self, y, sample_weight):
        """Fit the scaler of ``standardize_y`` on ``y`` (not stored)."""
        if self._out_activation() != "identity":
            raise ValueError(
                "standardize_y=True centres y, so it needs an identity output "
                f"activation; loss={self.loss!r} with out_activation="
                f"{self.out_activation!r} uses {self._out_activation()!r}. Use "
                "loss='squared_error', 'huber' or 'quantile' without "
                "out_activation, or "
                "standardize_y=False."
            )
        return StandardScaler().fit(y, sample_weight=sample_weight)

    def _transform_target(self, y, sample_weight, reset):
        """Standardise ``y`` with ``target_scaler_`` if ``standardize_y``."""
        if reset:
            self.target_scaler_ = (
                self._target_scaler(y, sample_weight) if self.standardize_y else None
            )
        elif self.standardize_y != (self.target_scaler_ is not None):
            raise ValueError(
                f"standardize_y is {self.standardize_y} but the model was fitted "
                f"with {not self.standardize_y}. Continuing (warm_start=True or "
                "partial_fit) needs the same setting: set it back, or fit anew "
                "with warm_start=False."
            )
        if self.target_scaler_ is None:
            return y
        return _astype(self.target_scaler_.transform(y), y.dtype)

    def _objective_target(self, y, sample_weight):
        """Standardise ``y`` as training would, without storing a scaler."""
        if "target_scaler_" in self.__dict__:
            return self._transform_target(y, sample_weight, reset=False)
        if not self.standardize_y:
            return y
        return self._target_scaler(y, sample_weight).transform(y)

    def _inverse_transform_target(self, y):
        """Undo ``standardize_y`` on predictions or targets."""
        scaler = self.__dict__.get("target_scaler_")
        if scaler is None:
            return y
        return _astype(scaler.inverse_transform(y), y.dtype)

    # -- fitting and prediction ------------------------------------------------

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
            Sample weights, non-negative.

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

    @stochastic_only
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single epoch over the given data.

        Only available for ``solver='sgd'`` and ``solver='adam'``. The
        optimizer's state (momentum, Adam's moments, the learning rate) is
        kept between calls. Each call is one epoch: it appends one value to
        ``loss_curve_`` and sets ``n_iter_`` to 1, as MLPRegressor does.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, non-negative.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X, return_std=False):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        return_std : bool, default=False
            Whether to return, besides the ensemble's mean prediction, the
            standard deviation of its members' predictions (on the scale of
            ``y``: after undoing ``standardize_y``). Only with
            ``n_ensemble > 1``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values: with ``n_ensemble > 1``, the mean of the
            members' predictions.

        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The standard deviation of the members' predictions (``ddof=0``).
            Only returned when ``return_std`` is True.
        """
        if not return_std:
            return _one_output_1d(self._inverse_transform_target(self._forward(X)))
        check_is_fitted(self)
        if self.__dict__.get("_n_members", 1) == 1:
            raise ValueError(
                "return_std=True needs an ensemble, whose members' spread it "
                "returns; this model was fitted with n_ensemble=1. Fit it with "
                "n_ensemble > 1 (e.g. 8)."
            )
        members = self._forward(X, members=True)
        # The mean as predict computes it (the network's mean, then the
        # inverse of standardize_y); the spread of the members on y's scale.
        y_pred = self._inverse_transform_target(members.mean(axis=0))
        k, n_samples, n_outputs = members.shape
        on_y_scale = self._inverse_transform_target(
            members.reshape(k * n_samples, n_outputs)
        ).reshape(k, n_samples, n_outputs)
        return _one_output_1d(y_pred), _one_output_1d(on_y_scale.std(axis=0))
