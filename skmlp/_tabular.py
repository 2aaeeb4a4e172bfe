"""TabularMLPRegressor: raw tables in, a tabular-default MLP inside.

A meta-estimator, as :class:`~sklearn.compose.TransformedTargetRegressor`
is: it fits scikit-learn's transformers (a ``ColumnTransformer``) and one
:class:`~skmlp.BackpropRegressor` with tabular defaults, and keeps both as
fitted attributes. Nothing of the network is written again here: the
regressor validates, trains (``sample_weight``, early stopping, the best
epoch, the callbacks) and predicts; this module chooses columns,
preprocessing and defaults.
"""

from numbers import Integral

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._array_api import namespace_and_device
from ._callbacks import CallbackSupportMixin, sub_estimator_task
from ._embeddings import (
    EMBEDDINGS,
    NumericEmbedding,
    PiecewiseLinearEmbedding,
    weighted_quantiles,
)
from ._regressor import BackpropRegressor

#: Parameters passed to the inner BackpropRegressor under the same name.
NETWORK_PARAMS = (
    "hidden_layer_sizes",
    "activation",
    "loss",
    "quantile",
    "alpha",
    "weight_decay",
    "batch_size",
    "learning_rate",
    "learning_rate_init",
    "warmup_fraction",
    "max_iter",
    "beta_1",
    "beta_2",
    "validation_fraction",
    "n_iter_no_change",
    "tol",
    "random_state",
    "verbose",
    "n_ensemble",
    "numeric_embedding",
)

#: What every TabularMLPRegressor's network has, whatever its parameters:
#: Adam and y standardised (``y_val`` too). Early stopping is added by
#: ``_regressor`` when the data are large enough.
FIXED_NETWORK_PARAMS = {
    "solver": "adam",
    "standardize_y": True,
    # Minus the validation loss, not R²: right for the pinball loss too, and
    # the same ranking of epochs as R² for the squared error.
    "scoring": "loss",
}

#: numeric_embedding='auto': the piecewise linear encoding on this many
#: quantile bins per column. Chosen on the development sets
#: (``benchmarks/tabular_defaults.py``, round four): 8 bins raised the mean
#: R² there, 16 left it unchanged and rtdl's 48 lowered it (too many bins
#: per feature overfit the smaller sets).
AUTO_BINS = 8

#: batch_size='auto': at least this many minibatches an epoch, of sizes in
#: this range. Small data then still take enough steps in ``max_iter``
#: epochs (a 1,000-row set: 45 rows, 16 steps an epoch, not 3 of 256).
AUTO_BATCHES = 16
AUTO_BATCH_RANGE = (32, 256)

#: The fewest validation rows worth choosing an epoch by. With fewer (fewer
#: than 200 training rows at validation_fraction=0.1) the best epoch would
#: be chosen by noise, so all rows train for the whole cosine schedule,
#: even with early_stopping=True.
MIN_VALIDATION_ROWS = 20

#: early_stopping='auto' holds out a validation split above this many rows,
#: the rule of HistGradientBoostingRegressor's early_stopping='auto'. Below
#: it, training on every row for the whole cosine schedule measured better
#: than restoring the best epoch on a 10 % split (the development sets,
#: round five of ``benchmarks/tabular_defaults.py``). Above it the two
#: measured the same (two sets of 24,000 and 28,000 rows, within 0.002 R²,
#: the same time), and the split is kept: it costs a smaller share of the
#: rows there, and guards the best epoch in longer schedules.
AUTO_EARLY_STOPPING_ROWS = 10_000


class WeightedRobustScaler(RobustScaler):
    """A RobustScaler that takes ``sample_weight``, as HGB's bins do not.

    ``center_`` is the weighted median and ``scale_`` the weighted
    interquartile range (``quantile_range``) of each column, NaN ignored,
    so that an integer weight is the same as repeating a row. A column
    whose quartiles coincide (a mostly constant one, such as a count that
    is mostly 0) is scaled by half its range instead (as RealMLP does), and
    a constant column by 1. ``transform`` is RobustScaler's.
    """

    def fit(self, X, y=None, sample_weight=None):
        """Compute the weighted median and quantile range of each column.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data; NaN is ignored.

        y : None
            Ignored.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows; None weighs each by 1.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan"
        )
        sample_weight = _check_sample_weight(sample_weight, X)
        low, high = self.quantile_range
        low, median, high = (
            weighted_percentile(X, sample_weight, q) for q in (low, 50, high)
        )
        spread = np.nanmax(X, axis=0) - np.nanmin(X, axis=0) if len(X) else 0
        scale = np.where(high > low, high - low, spread / 2)
        self.center_ = np.nan_to_num(median)
        self.scale_ = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return self


def weighted_percentile(X, sample_weight, q):
    """Return the weighted ``q``-th percentile of each column of ``X``, NaN ignored.

    The averaged inverted CDF: with unit weights, numpy's
    ``method='averaged_inverted_cdf'`` (the usual median for ``q=50``), and
    an integer weight counts as that many repeated rows. scikit-learn 1.9
    has it as the private ``_weighted_percentile(..., average=True)``, whose
    signature differs in the versions skmlp supports. Column by column,
    through the one helper the piecewise linear embedding's bins use too
    (``skmlp._embeddings.weighted_quantiles``).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data.

    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights; rows of weight 0 do not count.

    q : float
        The percentile, in [0, 100].

    Returns
    -------
    percentiles : ndarray of shape (n_features,)
        NaN for a column without a weighted value.
    """
    percentiles = np.full(X.shape[1], np.nan)
    for j, column in enumerate(X.T):
        keep = ~np.isnan(column) & (sample_weight > 0)
        if keep.any():
            percentiles[j] = weighted_quantiles(
                column[keep], sample_weight[keep], q / 100
            )
    return percentiles


def smooth_clip(x):
    """Clip ``x`` smoothly to (-3, 3): x / sqrt(1 + (x / 3)^2).

    The identity near 0 and a bound of 3 far out, so that an outlier of a
    robustly scaled feature cannot dominate a first layer's products
    (Holzmüller et al., 2024). NaN stays NaN.
    """
    return x / np.sqrt(1.0 + (x / 3.0) ** 2)


def _robust_clip():
    return make_pipeline(
        WeightedRobustScaler().set_fit_request(sample_weight=True),
        FunctionTransformer(smooth_clip, feature_names_out="one-to-one"),
    )


#: The transforms of numeric columns, by the name of ``numeric_transform``.
#: Each keeps NaN for the imputer after it.
NUMERIC_TRANSFORMS = {
    "robust_clip": _robust_clip,
    "quantile": lambda: QuantileTransformer(
        output_distribution="normal", n_quantiles=1000, subsample=100_000
    ),
    "standard": lambda: StandardScaler().set_fit_request(sample_weight=True),
}


def column_kinds(X):
    """Return the numeric and the categorical columns of a DataFrame.

    By dtype, as ``HistGradientBoostingRegressor(categorical_features=
    'from_dtype')`` reads them: integers and floats (nullable ones too) are
    numeric; pandas category, object, string and bool are categorical.
    Names for a DataFrame with string column names, else positions.
    """
    numeric, categorical, other = [], [], []
    for position, (name, dtype) in enumerate(X.dtypes.items()):
        key = name if isinstance(name, str) else position
        kind = getattr(dtype, "kind", "O")
        if kind in "iuf":
            numeric.append(key)
        elif kind in "Ob":
            categorical.append(key)
        else:
            other.append(f"{name!r} ({dtype})")
    if other:
        raise ValueError(
            f"TabularMLPRegressor takes numeric, categorical (category, object, "
            f"string) and bool columns; column(s) {', '.join(other)} are neither. "
            "Convert them first, e.g. a date to numbers such as its year and day "
            "of the year."
        )
    return numeric, categorical


def categories_as_strings(X):
    """Return the categorical columns ``X`` as strings, missing values as NaN.

    scikit-learn's encoders take a column of strings or of numbers, with
    ``None`` or NaN missing; pandas gives them more: a 'string' column's
    missing values are ``pd.NA``, which the encoders refuse, and an object
    column may mix strings and numbers. Every present value becomes its
    ``str`` (so ``True`` is "True" and ``1`` is "1", the names the one-hot
    columns had anyway), every missing one NaN: the same categories in `fit`
    and `predict`, whatever the dtype.
    """
    # Categorical columns only ever come from a DataFrame, and pandas knows
    # every kind of missing value (None, NaN, pd.NA, NaT).
    missing = X.isna().to_numpy()
    out = np.asarray(X, dtype=object).astype(str).astype(object)
    out[missing] = np.nan
    return out


def _is_dataframe(X):
    # Duck-typed so that pandas stays an optional dependency.
    return hasattr(X, "dtypes") and hasattr(X, "columns") and hasattr(X, "iloc")


def _forwarded(name):
    """Return a read-only property: the inner regressor's fitted ``name``."""

    def get(self):
        check_is_fitted(self)
        return getattr(self.regressor_, name)

    return property(get, doc=f"The inner regressor's ``{name}``.")


class TabularMLPRegressor(CallbackSupportMixin, RegressorMixin, BaseEstimator):
    """Multi-layer perceptron regressor for raw tabular data.

    Takes a pandas DataFrame as it is, as
    :class:`~sklearn.ensemble.HistGradientBoostingRegressor` does: numeric,
    categorical (pandas ``category``, object, string) and bool columns, with
    missing values, and no preprocessing by the user. Numeric numpy arrays
    work too (every column numeric). Inside, scikit-learn's transformers
    prepare the columns and a :class:`BackpropRegressor` with defaults for
    tabular data learns from them:

    - numeric columns: robust scaling with smooth clipping (median and
      interquartile range, then x / sqrt(1 + (x / 3)^2)), missing values
      set to the median with a 0/1 indicator column for each feature that
      had missing values in `fit`;
    - categorical and bool columns: one-hot encoding, missing values a
      category of their own; categories seen fewer than ``min_frequency``
      times, or beyond the ``max_categories`` most frequent, share one
      "infrequent" column, and so do categories unseen in `fit`;
    - the target: standardised, and predictions put back on its scale;
    - the network's inputs: the piecewise linear encoding of every
      prepared column on 8 quantile bins (``numeric_embedding='auto'``;
      0/1 columns pass as they are);
    - the network: Adam with ``beta_2=0.95``, a cosine learning-rate
      schedule with a short warmup over ``max_iter`` epochs, and decoupled
      weight decay; on more than 10,000 rows (``early_stopping='auto'``,
      HGB's rule) an internal validation split, with the epoch of the best
      validation loss restored at the end (training stops after
      ``n_iter_no_change`` epochs without improvement). On fewer rows every
      row trains, for the whole schedule unless the training loss stops
      improving.

    See the user guide's "Tabular data" page for the measurements behind
    these defaults, and for when gradient boosting is the better choice.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), \
            default=(512,)
        The number of units of each hidden layer.

    activation : str or list of str, default='relu'
        Activation of the hidden layers: any name
        :class:`BackpropRegressor` takes, or one per hidden layer.

    loss : {'squared_error', 'quantile'}, default='squared_error'
        The loss to minimize, on the standardised target. 'quantile' is the
        pinball loss: the model predicts the ``quantile`` of ``y`` given
        ``X`` (see :class:`BackpropRegressor`).

    quantile : float, default=0.5
        The quantile to predict, in (0, 1). Only used when loss='quantile'.

    alpha : float, default=0.0
        Strength of the L2 term of the loss (as in MLPRegressor).

    weight_decay : float, default=1.0
        Decoupled (AdamW) weight decay: each step shrinks every weight (not
        the biases) by the factor 1 - eta * weight_decay, eta the step's
        learning rate.

    batch_size : int or 'auto', default='auto'
        Rows per minibatch. 'auto' takes 256 rows, or fewer on small data
        so that an epoch has at least 16 minibatches (never fewer than 32
        rows): with few rows, ``max_iter`` epochs of 256 would be too few
        steps.

    learning_rate : {'cosine', 'constant'}, default='cosine'
        The schedule of Adam's step size: 'cosine' decays it along a half
        cosine over `max_iter` epochs after a linear warmup; 'constant'
        keeps it at `learning_rate_init`.

    learning_rate_init : float, default=0.001
        The peak learning rate.

    warmup_fraction : float, default=0.05
        The fraction of the cosine schedule spent in its linear warmup.

    max_iter : int, default=40
        The most epochs; the cosine schedule spans them.

    beta_1 : float, default=0.9
        Adam's decay rate of the first moment.

    beta_2 : float, default=0.95
        Adam's decay rate of the second moment (0.999 in Adam's paper; 0.95
        adapts faster to the changing gradient scale of short schedules).

    early_stopping : 'auto' or bool, default='auto'
        Whether to hold out ``validation_fraction`` of the rows, stop when
        their loss stops improving, and restore the best epoch's weights.
        'auto' does so on more than 10,000 rows, as
        :class:`~sklearn.ensemble.HistGradientBoostingRegressor`'s
        ``early_stopping='auto'``: on fewer, training on every row for the
        whole schedule measured more accurate (see the user guide). With
        fewer than 20 validation rows there is no split, whatever the
        setting.

    validation_fraction : float, default=0.1
        The share of the training rows held out to choose the best epoch
        and to stop. Only used with early stopping.

    n_iter_no_change : int, default=15
        Epochs without an improvement of the validation loss by ``tol``
        after which training stops; the best epoch's weights are kept.
        Without early stopping, the training loss's (MLPRegressor's rule),
        and the last epoch's weights are kept.

    tol : float, default=1e-4
        The improvement of the validation loss (on the standardised
        target), or of the training loss without early stopping, that
        counts.

    numeric_transform : {'robust_clip', 'quantile', 'standard'}, \
            default='robust_clip'
        The transform of numeric columns: 'robust_clip' as above,
        'quantile' a :class:`~sklearn.preprocessing.QuantileTransformer` to
        normal scores, 'standard' a
        :class:`~sklearn.preprocessing.StandardScaler`.

    max_categories : int or None, default=100
        The most one-hot columns of a categorical column (the last one
        for its infrequent categories). None for no limit.

    min_frequency : int or float, default=5
        Categories seen fewer times (an int) or in a smaller share of the
        rows (a float in (0, 1)) are infrequent.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the minibatches and the validation
        split. Pass an int for reproducible fits.

    verbose : bool or int, default=False
        Progress messages of the inner regressor (2: one row per epoch).

    n_ensemble : int, default=1
        The number of networks trained together in one pass, whose mean
        `predict` returns; ``predict(X, return_std=True)`` also returns
        their spread. See :class:`BackpropRegressor`.

    numeric_embedding : {'auto', 'periodic', 'piecewise_linear'}, \
            PeriodicEmbedding, PiecewiseLinearEmbedding or None, default='auto'
        An embedding of every input column of the network: the prepared
        numeric columns; one-hot and indicator columns, which take the values
        0 and 1, get a single bin under the piecewise linear encoding and are
        passed on as they are. 'auto' is
        ``PiecewiseLinearEmbedding(n_bins=8)``, the piecewise linear encoding
        on 8 quantile bins per column, measured better than none and than
        more bins on the development sets. None feeds the prepared columns
        to the first layer as they are. See :class:`BackpropRegressor` and
        the user guide's "Numeric embeddings".

    Attributes
    ----------
    preprocessor_ : ColumnTransformer
        The fitted transformer of the columns into the network's inputs.

    regressor_ : BackpropRegressor
        The fitted network, trained on ``preprocessor_``'s output.

    numeric_features_ : list of str or int
        The columns taken as numeric: names (DataFrame with string column
        names) or positions.

    categorical_features_ : list of str or int
        The columns taken as categorical.

    n_iter_ : int
        The number of epochs run.

    loss_curve_ : list of float
        The training loss of each epoch, on the standardised target.

    validation_scores_ : list of float or None
        Minus the validation loss of each epoch; None without early
        stopping.

    best_validation_score_ : float or None
        The best of ``validation_scores_``: the restored epoch's; None
        without early stopping.

    history_ : list of dict
        One record per epoch (see :class:`BackpropRegressor`).

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    BackpropRegressor : The network inside, for any preprocessing of yours.
    sklearn.ensemble.HistGradientBoostingRegressor : Gradient boosting, which
        takes the same raw tables.

    Notes
    -----
    Why a meta-estimator rather than a subclass of ``BaseBackprop``: the
    base validates ``X`` as a numeric array, while this estimator takes
    the raw table, which only a fitted ``ColumnTransformer`` turns into
    one. Keeping the transformer and a plain :class:`BackpropRegressor`
    side by side reuses every line of the regressor (validation of ``y``
    and ``sample_weight``, training, the early-stopping split, the best
    epoch, errors on divergence) and of scikit-learn's transformers, and
    the network's options (numeric embeddings, ensembles) are parameters
    passed through ``NETWORK_PARAMS``.

    ``sample_weight`` weights the training loss and the validation loss;
    the preprocessing (medians, quantiles, category frequencies) is fitted
    unweighted.

    References
    ----------
    :arxiv:`Holzmüller, D., Grinsztajn, L., and Steinwart, I. (2024) "Better by
    Default: Strong Pre-Tuned MLPs and Boosted Trees on Tabular Data."
    <2407.04491>`

    :arxiv:`Loshchilov, I., and Hutter, F. (2019) "Decoupled Weight Decay
    Regularization." <1711.05101>`

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skmlp import TabularMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame({
    ...     "size": rng.uniform(20, 200, 600),
    ...     "rooms": rng.randint(1, 6, 600).astype(float),
    ...     "city": pd.Categorical(rng.choice(["A", "B", "C"], 600)),
    ... })
    >>> X.loc[::10, "rooms"] = np.nan
    >>> y = 3 * X["size"] + 50 * X["city"].cat.codes + rng.normal(0, 10, 600)
    >>> model = TabularMLPRegressor(random_state=0).fit(X[:500], y[:500])
    >>> model.score(X[500:], y[500:]) > 0.95
    True
    >>> model.categorical_features_
    ['city']
    >>> model.predict(X[500:503]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **{
            name: BackpropRegressor._parameter_constraints[name]
            for name in NETWORK_PARAMS
        },
        "loss": [StrOptions({"squared_error", "quantile"})],
        "learning_rate": [StrOptions({"cosine", "constant"})],
        "numeric_embedding": [
            None,
            StrOptions({"auto", *EMBEDDINGS}),
            NumericEmbedding,
        ],
        "numeric_transform": [StrOptions(set(NUMERIC_TRANSFORMS))],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "max_categories": [None, Interval(Integral, 2, None, closed="left")],
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
        ],
    }

    def __init__(
        self,
        hidden_layer_sizes=(512,),
        activation="relu",
        *,
        loss="squared_error",
        quantile=0.5,
        alpha=0.0,
        weight_decay=1.0,
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.001,
        warmup_fraction=0.05,
        max_iter=40,
        beta_1=0.9,
        beta_2=0.95,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=15,
        tol=1e-4,
        numeric_transform="robust_clip",
        max_categories=100,
        min_frequency=5,
        random_state=None,
        verbose=False,
        n_ensemble=1,
        numeric_embedding="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.quantile = quantile
        self.alpha = alpha
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.warmup_fraction = warmup_fraction
        self.max_iter = max_iter
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.numeric_transform = numeric_transform
        self.max_categories = max_categories
        self.min_frequency = min_frequency
        self.random_state = random_state
        self.verbose = verbose
        self.n_ensemble = n_ensemble
        self.numeric_embedding = numeric_embedding

    n_iter_ = _forwarded("n_iter_")
    loss_curve_ = _forwarded("loss_curve_")
    validation_scores_ = _forwarded("validation_scores_")
    best_validation_score_ = _forwarded("best_validation_score_")
    history_ = _forwarded("history_")

    # -- the parts -----------------------------------------------------------

    def _preprocessor(self, numeric, categorical):
        """Return the unfitted ColumnTransformer for these columns."""
        numeric_steps = make_pipeline(
            NUMERIC_TRANSFORMS[self.numeric_transform](),
            # After centring, 0 is the median (the mean for 'standard').
            SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True),
        )
        categorical_steps = make_pipeline(
            FunctionTransformer(categories_as_strings, feature_names_out="one-to-one"),
            OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=self.min_frequency,
                max_categories=self.max_categories,
                sparse_output=False,
            ),
        )
        return ColumnTransformer(
            [
                ("numeric", numeric_steps, numeric),
                ("categorical", categorical_steps, categorical),
            ],
            sparse_threshold=0,
        )

    def _regressor(self, n_samples):
        """Return the unfitted network for these parameters and rows."""
        params = {name: getattr(self, name) for name in NETWORK_PARAMS}
        n_val = np.ceil(self.validation_fraction * n_samples)
        if self.early_stopping == "auto":
            wanted = n_samples > AUTO_EARLY_STOPPING_ROWS
        else:
            wanted = self.early_stopping
        early_stopping = bool(wanted and MIN_VALIDATION_ROWS <= n_val < n_samples)
        n_train = int(n_samples - n_val if early_stopping else n_samples)
        params["batch_size"] = self._batch_size(n_train)
        if self.numeric_embedding == "auto":
            params["numeric_embedding"] = PiecewiseLinearEmbedding(n_bins=AUTO_BINS)
        return BackpropRegressor(
            **params, **FIXED_NETWORK_PARAMS, early_stopping=early_stopping
        )

    def _batch_size(self, n_train):
        """Rows per minibatch: ``batch_size``, or 'auto's rule, at most ``n_train``."""
        if self.batch_size == "auto":
            size = int(np.clip(n_train // AUTO_BATCHES, *AUTO_BATCH_RANGE))
        else:
            size = self.batch_size
        # Fewer rows than a batch are one batch, without the regressor's warning.
        return min(size, n_train)

    # -- input ---------------------------------------------------------------

    def _validate_X(self, X, reset, y="no_validation"):
        """Validate ``X``: a DataFrame as it is, anything else as numbers.

        ``y`` is only checked to be given (``validate_data``'s message).
        """
        if y is None:
            validate_data(self, X, y, skip_check_array=True)
        if namespace_and_device(X) is not None:
            raise TypeError(
                "TabularMLPRegressor preprocesses its columns with numpy, so it "
                f"takes numpy arrays and DataFrames, not {type(X).__module__} "
                "arrays (array_api_dispatch is on). Convert X to numpy, or use "
                "BackpropRegressor, which trains on the array's device."
            )
        if reset:
            self._frame = _is_dataframe(X)
        if self._frame:
            if not _is_dataframe(X):
                raise TypeError(
                    "This TabularMLPRegressor was fitted on a DataFrame, so it "
                    f"predicts from one with the same columns; got {type(X).__name__}."
                )
            validate_data(self, X, skip_check_array=True, reset=reset)
            if reset and X.shape[1] == 0:
                raise ValueError("X has no columns: at least one is required.")
            return X
        try:
            return validate_data(
                self,
                X,
                dtype=(np.float64, np.float32),
                ensure_all_finite="allow-nan",
                reset=reset,
            )
        except ValueError as error:
            if "could not convert string" not in str(error):
                raise
            raise ValueError(
                f"{error}. A numpy array is read as numbers; for categorical "
                "columns pass a pandas DataFrame with them as 'category', object "
                "or bool columns."
            ) from error

    # -- fitting and prediction ----------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the preprocessing and the network to a raw table.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The input table: a pandas DataFrame with numeric, categorical
            and bool columns, missing values allowed; or a numeric array.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the training (and validation) loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = self._validate_X(X, reset=True, y=y)
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        check_consistent_length(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, ensure_non_negative=True
            )
        if self._frame:
            self.numeric_features_, self.categorical_features_ = column_kinds(X)
        else:
            self.numeric_features_, self.categorical_features_ = (
                list(range(X.shape[1])),
                [],
            )
        # Routing takes sample_weight to the scaler of numeric columns.
        with config_context(enable_metadata_routing=True):
            self.preprocessor_ = self._preprocessor(
                self.numeric_features_, self.categorical_features_
            )
            weights = {} if sample_weight is None else {"sample_weight": sample_weight}
            Xt = self.preprocessor_.fit_transform(X, **weights)
        self.regressor_ = self._regressor(Xt.shape[0])
        with sub_estimator_task(self, self.regressor_, X, y, Xt):
            self.regressor_.fit(Xt, y, sample_weight=sample_weight)
        return self

    def predict(self, X, return_std=False):
        """Predict from a raw table like the one `fit` saw.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The input table, with the columns `fit` saw.

        return_std : bool, default=False
            Whether to return the standard deviation of the ensemble
            members' predictions too. Only with ``n_ensemble > 1``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.

        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The members' standard deviation; only when ``return_std`` is
            True.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        Xt = self.preprocessor_.transform(X)
        return self.regressor_.predict(Xt, return_std=return_std)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.target_tags.multi_output = True
        return tags
