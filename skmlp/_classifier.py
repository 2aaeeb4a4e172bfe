"""BackpropClassifier: the drop-in MLPClassifier on the shared machinery.

Everything but classification lives in :mod:`skmlp._base`: this module adds
the docstring and the classification hooks. The labels are binarized by a
:class:`~sklearn.preprocessing.LabelBinarizer` fitted on the first pass,
whose type of target chooses the output layer and the loss, as in
MLPClassifier: softmax and cross-entropy for multiclass targets, logistic
and binary cross-entropy for binary and multilabel ones. Both pairs are
canonical, so the network takes dL/dz of the output layer from the loss
(:mod:`skmlp._losses`). Accuracy is the default validation score.

On the Array API path (torch, cupy or array-api-strict ``X`` with
``array_api_dispatch=True``) the labels are handled on the host: ``y`` is
read once per fit, binarized there by the same code as numpy labels, and the
0/1 targets go to ``X``'s device. ``classes_`` stays a numpy array (it may
hold strings; scikit-learn's checks allow it). Predictions are decided on
the device; numeric labels are looked up there too, other labels on the host.
"""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from . import _array_api
from ._backend import array_space, host_dtype
from ._base import BaseBackprop, stochastic_only
from ._docstrings import fill_doc
from ._losses import CrossEntropy, get_loss


@fill_doc
class BackpropClassifier(ClassifierMixin, BaseBackprop):
    """Multi-layer perceptron classifier trained by hand-written backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, defaults, fitted attributes, errors and warnings, and
    for a given integer ``random_state`` the same initial weights, minibatch
    order and early-stopping split (stratified for binary targets, as in
    MLPClassifier 1.9), so both reach the same weights up to rounding.
    Multiclass targets get a softmax output and the cross-entropy loss;
    binary and multilabel targets a logistic output and the binary
    cross-entropy. The gradients are those derived in :mod:`skmlp._network`
    (see the user guide).

    Where MLPClassifier 1.9 has a confirmed bug this estimator differs; see
    Notes.

    Parameters
    ----------
    {{hidden_layer_sizes}}

    {{activation}}

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

    {{dropout}}

    {{init}}

    {{numeric_embedding}}

    {{max_grad_norm}}

    scoring : str, callable or None, default=None
        The validation score recorded in ``validation_scores_`` and used for
        early stopping. ``None`` is the accuracy (subset accuracy for
        multilabel targets), as in MLPClassifier. ``'loss'`` is minus the
        validation loss (the cross-entropy, without the L2 term), so that
        higher is better. Any other value is a scikit-learn scorer name,
        such as ``'neg_log_loss'`` or ``'balanced_accuracy'``, or a callable
        ``scorer(estimator, X, y)``.

    {{restore_best_weights}}

    {{n_ensemble}}

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels for each output.

    {{loss_}}

    {{best_loss_}}

    {{loss_curve_}}

    validation_scores_ : list of shape (`n_iter_`,) or None
        The score (see ``scoring``; the accuracy by default) at each epoch
        on the validation set: ``X_val`` if given to `fit`, else the
        internal split of early stopping. `None` when there is no
        validation set. Only accessible when solver='sgd' or 'adam'.

    {{validation_loss_curve_}}

    {{best_validation_score_}}

    {{t_}}

    {{coefs_}}

    {{intercepts_}}

    {{n_features_in_}}

    {{feature_names_in_}}

    {{n_iter_}}

    {{n_layers_}}

    n_outputs_ : int
        Number of outputs: 1 for a binary problem, the number of classes
        for a multiclass one, the number of labels for multilabel targets.

    out_activation_ : str
        Name of the output activation function: 'softmax' for multiclass
        targets, 'logistic' for binary and multilabel ones.

    {{history_}}

    See Also
    --------
    BackpropRegressor : The regressor on the same machinery.
    check_gradients : Finite-difference check of the backpropagated gradient.
    sklearn.neural_network.MLPClassifier : The scikit-learn estimator this
        one replaces.
    sklearn.linear_model.SGDClassifier : Linear classifiers fitted by
        minimizing a regularized empirical loss with SGD.

    Notes
    -----
    Differences from MLPClassifier 1.9, each a fix of a confirmed bug or a
    clearer failure:

    1. ``partial_fit`` with ``solver='lbfgs'`` is not available, as in
       MLPClassifier, and here ``hasattr(est, "partial_fit")`` says so too.
    2. L-BFGS with float32 input returns float64 weights in MLPClassifier.
       Here float32 input keeps float32 weights with every solver.
    3. A warm-start refit with early stopping that never beats the previous
       best validation score keeps its final weights in MLPClassifier,
       because the restored arrays alias the trained ones. Here the best
       weights are restored.
    4. A fit that diverges raises a ValueError naming a remedy, and leaves
       the estimator as it was; MLPClassifier fails only after the last
       epoch, if at all.
    5. Targets with a single class raise a ValueError; MLPClassifier fits
       them and then returns two columns of probabilities for one class.
    6. A warm start or ``partial_fit`` accepts any subset of ``classes_``;
       MLPClassifier asks a warm start for exactly the same classes.

    Also, ``hidden_layer_sizes`` and ``activation`` are the only positional
    parameters, as in MLPClassifier.

    With ``sklearn.set_config(array_api_dispatch=True)`` (scikit-learn 1.9 or
    later, ``SCIPY_ARRAY_API=1``), torch, cupy and array-api-strict ``X``
    train and predict in their namespace and on their device, a GPU included;
    ``sample_weight`` and ``X_val`` follow ``X``. The labels are encoded on
    the host and ``classes_`` stays a numpy array; ``predict_proba`` and
    numeric ``predict`` results come back on ``X``'s device. Random draws and
    L-BFGS run on the host. See the user guide, "GPUs and the Array API".

    References
    ----------
    Hinton, Geoffrey E. "Connectionist learning procedures."
    Artificial intelligence 40.1 (1989): 185-234.

    Glorot, Xavier, and Yoshua Bengio.
    "Understanding the difficulty of training deep feedforward neural networks."
    International Conference on Artificial Intelligence and Statistics. 2010.

    :arxiv:`He, Kaiming, et al (2015). "Delving deep into rectifiers:
    Surpassing human-level performance on imagenet classification."
    <1502.01852>`

    :arxiv:`Kingma, Diederik, and Jimmy Ba (2014)
    "Adam: A method for stochastic optimization." <1412.6980>`

    :arxiv:`Gorishniy, Yury, Ivan Rubachev and Artem Babenko (2022) "On
    Embeddings for Numerical Features in Tabular Deep Learning."
    <2203.05556>` (``numeric_embedding``)

    Examples
    --------
    >>> from skmlp import BackpropClassifier
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = make_classification(n_samples=100, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y,
    ...                                                     random_state=1)
    >>> clf = BackpropClassifier(random_state=1, max_iter=300).fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:1]).round(3)
    array([[0.038, 0.962]])
    >>> clf.predict(X_test[:5, :])
    array([1, 0, 1, 0, 1])
    >>> round(clf.score(X_test, y_test), 2)
    0.88
    """

    _parameter_constraints: dict = {**BaseBackprop._parameter_constraints}

    _y_numeric = False
    _extra_fitted_state = ("classes_", "_label_binarizer")
    #: Fitted state that stays on the host when the model moves (labels).
    _host_state = ("classes_", "_label_binarizer")

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
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
        dropout=0.0,
        init="glorot_uniform",
        max_grad_norm=None,
        scoring=None,
        restore_best_weights=False,
        numeric_embedding=None,
        n_ensemble=1,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
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
        self.dropout = dropout
        self.init = init
        self.max_grad_norm = max_grad_norm
        self.scoring = scoring
        self.restore_best_weights = restore_best_weights
        self.numeric_embedding = numeric_embedding
        self.n_ensemble = n_ensemble

    # -- the task hooks ----------------------------------------------------------

    def _loss(self):
        # MLPClassifier's choice: its log_loss becomes binary_log_loss with
        # the logistic output of binary and multilabel targets.
        # Multiclass targets are one-hot rows (see _validate_target), which
        # the cross-entropy computes with less work.
        if self._label_binarizer.y_type_ == "multiclass":
            return CrossEntropy(one_hot=True)
        return get_loss("binary_log_loss")

    def _out_activation(self):
        return self._loss().canonical_activation

    def _validate_target(self, y, dtype, warn=True, reset=True, classes=None):
        """Return the binarized ``y``, 2-D, of ``dtype``.

        On the first pass (``reset``) the label binarizer is fitted, on
        ``classes`` if given (``partial_fit``), and stored; later, ``y`` may
        hold only labels of ``classes_``.
        """
        # On the Array API path the labels are handled on the host (one read
        # per fit), in X's dtype there; the estimator moves the 0/1 targets
        # to X's device.
        if _array_api.is_device_array(y):
            y = _array_api.to_numpy(y)
        dtype = host_dtype(dtype)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=warn)
        if reset:
            self._label_binarizer = self._fit_binarizer(y, classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None or not self._encodes_quickly(y):
            self._check_known_classes(y, classes)
        if self._encodes_quickly(y):
            # Also on the first pass: LabelBinarizer.transform would check the
            # targets' type twice more (type_of_target, a few ms on 20,000
            # labels, as much as an epoch of a small network's partial_fit).
            return self._one_hot(y, dtype)
        # MLPClassifier casts to bool, so as not to upcast float32 data: here
        # the targets are 0 and 1 in the data's dtype.
        return self._label_binarizer.transform(y).astype(dtype)

    def _encodes_quickly(self, y):
        """Whether :meth:`_one_hot` can encode ``y`` (labels of a plain dtype)."""
        return (
            y.ndim == 1
            and y.dtype.kind in "biufU"
            and self._label_binarizer.y_type_ != "multilabel-indicator"
            and self.classes_.dtype.kind == y.dtype.kind
        )

    def _one_hot(self, y, dtype):
        """Encode labels of ``classes_`` as ``LabelBinarizer.transform`` does.

        The same 0/1 matrix without its per-call checks, which cost more than
        a small network's ``partial_fit`` step; an unknown label still raises.
        ``classes_`` is sorted, so each label's index is its ``searchsorted``
        position, if the class there is the label.
        """
        index = np.searchsorted(self.classes_, y)
        found = self.classes_[np.minimum(index, len(self.classes_) - 1)]
        if not np.all(found == y):
            self._check_known_classes(y, None)  # raises, naming the labels
        if len(self.classes_) == 2:
            return (index == 1).astype(dtype)[:, np.newaxis]
        encoded = np.zeros((len(y), len(self.classes_)), dtype=dtype)
        encoded[np.arange(len(y)), index] = 1
        return encoded

    def _fit_binarizer(self, y, classes):
        given = classes is not None and not type_of_target(y).startswith("multilabel")
        binarizer = LabelBinarizer()
        try:
            binarizer.fit(classes if given else y)
        except ValueError:
            # LabelBinarizer lists the values of a target it cannot encode;
            # scikit-learn's check says what is wrong ("Unknown label type:
            # continuous. Maybe you are trying to fit a classifier ..."). Only
            # on failure: MLPClassifier checks nothing more (nor warns of
            # many classes), and the check costs 1 to 2 ms on 20,000 labels.
            check_classification_targets(y)
            raise
        if len(binarizer.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, but "
                "the data contains only one class: "
                f"{binarizer.classes_.tolist()[0]!r}. Check the labels (and, in "
                "partial_fit, pass every class in `classes`)."
            )
        if given:
            self._check_known_classes(y, None, binarizer.classes_)
        return binarizer

    def _check_known_classes(self, y, classes, known=None):
        known = self.classes_ if known is None else known
        if classes is not None and not np.array_equal(known, unique_labels(classes)):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on the first call to "
                f"partial_fit or fit, which gave classes_={known!r}. Leave "
                "`classes` out after the first call, or fit a new estimator."
            )
        check_classification_targets(y)
        labels = unique_labels(y)
        unknown = np.setdiff1d(labels, known)
        if len(unknown):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{known}. 'y' has {labels}, of which {unknown} are unknown. "
                "A warm start or partial_fit continues with the classes of the "
                "first fit: set warm_start=False, or pass every class to the "
                "first partial_fit call in `classes`."
            )

    def _stratify(self, y):
        """Stratify by the binary target only, as MLPClassifier 1.9 does.

        MLPClassifier stratifies when it has one output; with several
        (multiclass and multilabel targets) it splits at random.
        """
        # On the host, as every random draw of the split.
        return _array_api.to_numpy(y[:, 0]) if y.shape[1] == 1 else None

    def _default_score(self, y, y_pred, sample_weight):
        """Return the accuracy, which MLPClassifier's early stopping scores."""
        host = _array_api.to_numpy  # on the Array API path: one read per epoch
        return float(
            accuracy_score(
                host(self._label_indices(y)),
                host(self._label_indices(y_pred)),
                sample_weight=None if sample_weight is None else host(sample_weight),
            )
        )

    def _label_indices(self, y_out):
        """Return the class indices, or the label indicators, that ``y_out`` predicts.

        The decisions of ``LabelBinarizer.inverse_transform``: the largest
        output of a softmax, the outputs above 0.5 of a logistic.
        """
        space = array_space(y_out)
        if space is not None:
            return self._label_indices_xp(y_out, space.xp)
        if self.out_activation_ == "softmax":
            return y_out.argmax(axis=1)
        indicators = (y_out > 0.5).astype(int)
        return indicators.ravel() if indicators.shape[1] == 1 else indicators

    def _label_indices_xp(self, y_out, xp):
        """:meth:`_label_indices` in any namespace, on ``y_out``'s device."""
        if self.out_activation_ == "softmax":
            return xp.argmax(y_out, axis=1)
        indicators = xp.astype(y_out > 0.5, xp.int64)
        return indicators[:, 0] if indicators.shape[1] == 1 else indicators

    def _scorer_targets(self, y):
        return self._decode(y)

    def _decode(self, y_out):
        """Return the labels that the outputs ``y_out`` (or a binarized ``y``) mean.

        ``LabelBinarizer.inverse_transform``'s result, for a 2-D ``y_out``:
        the labels, or the 0/1 indicator matrix of multilabel targets.
        """
        indices = self._label_indices(y_out)
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return indices
        space = array_space(indices)
        if space is None:
            return self.classes_[indices]
        if self.classes_.dtype.kind not in "biuf":
            # Strings and objects have no place on a device: labels on the host.
            return self.classes_[_array_api.to_numpy(indices)]
        classes = space.xp.asarray(self.classes_, device=space.device)
        return space.xp.take(classes, indices, axis=0)

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
            The target values: class labels (strings or integers), or a
            label indicator matrix for multilabel classification.

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
            The labels of ``X_val``, among those of ``y``.

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
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single epoch over the given data.

        Only available for ``solver='sgd'`` and ``solver='adam'``. The
        optimizer's state (momentum, Adam's moments, the learning rate) is
        kept between calls. Each call is one epoch: it appends one value to
        ``loss_curve_`` and sets ``n_iter_`` to 1, as MLPClassifier does.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, non-negative.

        classes : array of shape (n_classes,), default=None
            Classes across all calls to partial_fit.
            Can be obtained via `np.unique(y_all)`, where y_all is the
            target vector of the entire dataset.
            This argument is required for the first call to partial_fit
            and can be omitted in the subsequent calls.
            Note that y doesn't need to contain all labels in `classes`.
            Not needed for multilabel targets, whose labels are the columns.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        if classes is None and "classes_" not in self.__dict__:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every "
                "label that any call may see, e.g. classes=np.unique(y_all)."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray, shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        return self._decode(self._forward(X))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The predicted probability of the sample for each class in the
            model, where classes are ordered as they are in `self.classes_`.
            For multilabel targets, the probability of each label.
        """
        return self._proba(X, "predict_proba")

    def _proba(self, X, method):
        y_pred = self._forward(X, method)
        if y_pred.shape[1] != 1:
            return y_pred
        space = array_space(y_pred)
        if space is not None:
            return space.xp.concat([1 - y_pred, y_pred], axis=1)
        y_pred = y_pred.ravel()
        return np.vstack([1 - y_pred, y_pred]).T

    def predict_log_proba(self, X):
        """Return the log of probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The predicted log-probability of the sample for each class
            in the model, where classes are ordered as they are in
            `self.classes_`. Equivalent to `log(predict_proba(X))`.
        """
        y_prob = self._proba(X, "predict_log_proba")
        space = array_space(y_prob)
        if space is not None:
            return space.xp.log(y_prob)
        with np.errstate(divide="ignore"):
            return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
