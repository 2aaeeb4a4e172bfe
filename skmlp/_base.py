"""BaseBackprop: what every skmlp estimator shares.

The hyperparameters and their constraints, input validation, the
orchestration of ``fit`` and ``partial_fit`` over the pieces of
:mod:`skmlp._training`, one explicit record of the fitted state for rollback,
the ``coefs_``/``intercepts_`` views and the public seams (``network_``,
``theta_``, ``get_objective``). A task (regression, classification) adds its
target validation, output layer, default validation score and prediction
through a few hooks; see ``docs/developers.rst``.

The estimator does no array math of its own: that is in the network, the
losses, the activations and the optimizers.
"""

import contextlib
import functools
import warnings
from numbers import Integral, Real
from types import MethodType

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from . import _array_api
from ._activations import HIDDEN_ACTIVATIONS
from ._backend import ArraySpace, all_finite, array_space, copy
from ._callbacks import CallbackSupportMixin, FitTasks
from ._consistency import off_scale_columns
from ._embeddings import EMBEDDINGS, NumericEmbedding
from ._ensemble import EnsembleNetwork
from ._init import INIT_SCHEMES, initial_theta
from ._lbfgs import fit_lbfgs
from ._network import Network
from ._optimizers import (
    OPTIMIZERS,
    SCHEDULES,
)
from ._state import (
    ParameterList,
    converted_state,
    copy_state,
    layer_values,
    lend_state,
    put_back,
)
from ._stochastic import EPOCH_STATE, READ_ONLY_STATE, fit_stochastic

#: What to do about an ``X_val`` that does not match ``X``.
_X_VAL_ADVICE = (
    "Inside a Pipeline, X_val reaches this last step as it was passed: the "
    "earlier steps do not transform it. Transform it as they transform X, "
    "e.g. pass X_val=pipe[:-1].fit(X, y).transform(X_val) (the Pipeline fits "
    "the same steps on the same X again), or use early_stopping=True to "
    "validate on a split of the transformed training data."
)

#: The dtypes ``validate_data`` keeps as they are (native byte order).
_PLAIN_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))

#: ``stacklevel`` that points a warning raised in a solver method at the
#: caller of fit or partial_fit: solver <- _run_solver <- _fit <- fit <-
#: _fit_context's wrapper <- caller.
_USER = 6

#: Everything a fit sets besides hyperparameters: the one record of fitted
#: state, snapshotted before a call and put back if the call fails.
FITTED_STATE = (
    "n_features_in_",
    "feature_names_in_",
    "n_outputs_",
    "n_layers_",
    "out_activation_",
    "_layer_units",
    "_activations",
    "_embedding",
    "_n_members",
    *EPOCH_STATE,
)


class stochastic_only:
    """Make a method exist only for the minibatch solvers.

    Unlike MLPRegressor 1.9, whose check is never called (it tests the bound
    method's truth value), ``partial_fit`` is hidden for L-BFGS:
    ``hasattr(est, "partial_fit")`` is False, and the AttributeError says
    why. (scikit-learn's ``available_if`` would give that reason only as the
    cause of a generic "has no attribute" error.)
    """

    def __init__(self, method):
        self.method = method
        functools.update_wrapper(self, method)

    def __get__(self, estimator, owner=None):
        if estimator is None:
            return self.method
        if estimator.solver not in OPTIMIZERS:
            raise AttributeError(
                f"{self.method.__name__} is only available for stochastic "
                f"optimizers. {estimator.solver!r} is not stochastic: use "
                "solver='sgd' or solver='adam', or call fit."
            )
        return MethodType(self.method, estimator)


class BaseBackprop(CallbackSupportMixin, BaseEstimator):
    """Base class of the skmlp estimators. Not for direct use.

    Subclasses set ``_parameter_constraints`` (this class's plus their own),
    an ``__init__`` listing every hyperparameter, and the task hooks:
    ``_loss``, ``_out_activation``, ``_validate_target``, ``_y_numeric``,
    ``_stratify``, ``_default_score``, ``_scorer_targets``,
    ``_target_scaling_hint`` and ``_extra_fitted_state``.

    ``_validate_target(y, dtype, warn=True, reset=True, **target_options)``
    may store fitted state when ``reset`` is true (the classifier stores its
    label binarizer); ``target_options`` are what the subclass's public
    method passed to :meth:`_fit` (the classifier's ``classes``).
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), list, tuple],
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
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "init": [StrOptions(set(INIT_SCHEMES))],
        "max_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "scoring": [None, str, callable],
        "restore_best_weights": ["boolean"],
        "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "numeric_embedding": [None, StrOptions(set(EMBEDDINGS)), NumericEmbedding],
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
    }

    #: Fitted attributes a task adds to :data:`FITTED_STATE`.
    _extra_fitted_state = ()

    #: Fitted attributes that stay on the host when the model is moved to
    #: another namespace (``__sklearn_array_api_convert__``).
    _host_state = ()

    #: Appended to "StandardScaler" in the advice of overflow errors.
    _target_scaling_hint = ""

    # -- the network these hyperparameters describe -------------------------

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        # bool is an Integral, and a float would be truncated silently.
        if not all(
            isinstance(size, Integral) and not isinstance(size, bool) for size in sizes
        ):
            raise TypeError(
                "hidden_layer_sizes must hold integers, one number of units per "
                f"hidden layer, e.g. (100,) or (64, 32); got {sizes}."
            )
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
        if np.ndim(self.dropout) == 0 and self.dropout == 0:
            return None
        if np.ndim(self.dropout) and len(self.dropout) != n_hidden:
            raise ValueError(
                f"dropout has {len(self.dropout)} rates but there are {n_hidden} "
                "hidden layers: give one rate per hidden layer, or a single float."
            )
        rates = np.broadcast_to(np.asarray(self.dropout, dtype=float), (n_hidden,))
        if np.any((rates < 0) | (rates >= 1)):
            raise ValueError(f"dropout rates must be in [0, 1); got {self.dropout}.")
        return tuple(float(p) for p in rates) if np.any(rates > 0) else None

    def _network(self, n_features, n_outputs, embedding=None):
        """Build the network for these hyperparameters and data shapes.

        ``embedding`` is a fitted layer from :meth:`_fit_embedding`, or ``None``.
        """
        hidden = self._hidden_layer_sizes()
        n_inputs = n_features if embedding is None else embedding.n_outputs
        layers = {
            "layer_units": (n_inputs, *hidden, n_outputs),
            "activations": (
                *self._hidden_activations(len(hidden)),
                self._out_activation(),
            ),
            "loss": self._loss(),
        }
        if self.n_ensemble > 1:
            return EnsembleNetwork(
                **layers, n_members=self.n_ensemble, embedding=embedding
            )
        return Network(**layers, embedding=embedding)

    def _embedding_spec(self):
        """Return ``numeric_embedding`` as a specification, or ``None``."""
        spec = self.numeric_embedding
        return EMBEDDINGS[spec]() if isinstance(spec, str) else spec

    def _fit_embedding(self, X, sample_weight=None):
        """Return the numeric embedding fitted on ``X``, or ``None`` without one."""
        spec = self._embedding_spec()
        if spec is None:
            return None
        if _array_api.is_device_array(X):
            raise ValueError(
                "numeric_embedding works on numpy arrays only, and X is a "
                f"{type(X).__module__} array. Fit on numpy arrays, or leave "
                "numeric_embedding=None on other namespaces."
            )
        return spec.fit_layer(X, sample_weight)

    def _fitted_network(self):
        """Return the network that ``_theta`` was trained for.

        Kept in scratch space while its layers, loss and embedding stay the
        same: a ``partial_fit`` stream would otherwise build it again on every
        call. (Fitted embeddings compare by identity.)
        """
        loss = self._loss()
        # Estimators fitted before ensembles or numeric embeddings existed
        # have no _n_members or _embedding.
        members = self.__dict__.get("_n_members", 1)
        embedding = self.__dict__.get("_embedding")

        def build():
            if members > 1:
                return EnsembleNetwork(
                    self._layer_units, self._activations, loss, members, embedding
                )
            return Network(self._layer_units, self._activations, loss, embedding)

        return self._buffer(
            "network",
            (self._layer_units, self._activations, loss, members, embedding),
            build,
        )

    def _initial_theta(self, net, random_state, X):
        """Draw the initial weights on the host, cast there, moved to ``X``'s device.

        The same draws on every namespace (scikit-learn's randomized PCA and
        ``train_test_split`` do the same).
        """
        space = ArraySpace.of(X) if _array_api.is_device_array(X) else None
        if isinstance(net, EnsembleNetwork):  # numpy only (_check_ensemble)
            return net.initial_theta(random_state, X.dtype, self.init, self.activation)
        theta = initial_theta(
            net,
            random_state,
            X.dtype if space is None else space.numpy_dtype,
            scheme=self.init,
            activation=self.activation,
        )
        return theta if space is None else space.from_host(theta)

    # -- public seams ----------------------------------------------------------

    @property
    def network_(self):
        """The fitted :class:`~skmlp._network.Network`: architecture and loss.

        Built on demand from the fitted layer sizes, activations and loss; it
        holds no weights (see ``theta_``). With ``n_ensemble > 1``, an
        :class:`~skmlp._ensemble.EnsembleNetwork` of that many members.
        """
        check_is_fitted(self)
        return self._fitted_network()

    @property
    def theta_(self):
        """All weights and biases as one flat, read-only vector.

        Laid out as ``network_.unpack`` reads it: every ``coefs_[l]`` in C
        order, then every ``intercepts_[l]`` (with ``n_ensemble > 1``, each
        stacked over the members). Assign ``coefs_`` or
        ``intercepts_`` to change the weights.
        """
        check_is_fitted(self)
        if not isinstance(self._theta, np.ndarray):
            return copy(self._theta)  # the standard has no read-only arrays
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
            both in float64. With ``n_ensemble > 1``, the sum of the
            members' losses (whose mean ``loss_`` reports).

        theta : ndarray of shape (n_params,)
            A float64 copy of the current weights, or of the initial ones
            that ``random_state`` gives if the estimator is not fitted.
        """
        if _array_api.is_device_array(self.__dict__.get("_theta")):
            raise ValueError(
                "get_objective works on numpy arrays only; this estimator was "
                "fitted on another array namespace. Move it first: "
                "move_estimator_to(est, numpy, 'cpu') (see the user guide, "
                "'GPUs and the Array API')."
            )
        # Validating y may set fitted attributes (the classifier's classes
        # when it is not fitted): put back the ones there were, whatever the
        # task does. Nothing is changed in place, so references suffice.
        names = self._fitted_state_names()
        before = {name: self.__dict__[name] for name in names if name in self.__dict__}
        try:
            return self._objective(X, y, sample_weight)
        finally:
            for name in names:
                if name in before:
                    self.__dict__[name] = before[name]
                else:
                    self.__dict__.pop(name, None)

    def _objective(self, X, y, sample_weight):
        """Return ``get_objective``'s pair; see there."""
        X = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64)
        y = self._check_raw_target(y, "y")
        y = self._validate_target(
            y, np.float64, warn=False, reset="_theta" not in self.__dict__
        )
        check_consistent_length(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        y = self._objective_target(y, sample_weight)
        if "_theta" in self.__dict__:
            net, theta = self._fitted_network(), self._theta.astype(np.float64)
        else:
            self._validate_params()
            embedding = self._fit_embedding(X, sample_weight)
            net = self._network(X.shape[1], y.shape[1], embedding)
            random_state = check_random_state(self.random_state)
            theta = self._initial_theta(net, random_state, X)
        if net.n_features != X.shape[1] or net.layer_units[-1] != y.shape[1]:
            raise ValueError(
                f"The network takes {net.n_features} features and "
                f"{net.layer_units[-1]} outputs; X and y have {X.shape[1]} and "
                f"{y.shape[1]}."
            )

        def objective(theta):
            return net.loss_and_grad(theta, X, y, sample_weight, self.alpha)

        return objective, theta

    # -- the parameter vector and its views ---------------------------------

    def _views(self, which):
        if "_theta" not in self.__dict__:
            raise AttributeError(
                f"This {type(self).__name__} instance is not fitted yet: it has no "
                f"{which}."
            )
        net = self._fitted_network()
        if isinstance(net, EnsembleNetwork):
            views = (net.coefs if which == "coefs_" else net.intercepts)(self._theta)
            return ParameterList(views)
        Ws, bs = net.unpack(self._theta)
        return ParameterList([W.T for W in Ws] if which == "coefs_" else bs)

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
            layer_values(i, view, array)
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

    # -- the fitted state ----------------------------------------------------

    def _fitted_state_names(self):
        return (*FITTED_STATE, *self._extra_fitted_state)

    def _snapshot(self, names, reuse=None, read_only=()):
        """Copy the named fitted attributes that exist.

        ``reuse`` is an earlier snapshot whose arrays may be overwritten.
        Attributes named in ``read_only`` are kept without copying their
        arrays, which the caller promises not to write into.
        """
        reuse = reuse or {}
        state = self.__dict__
        return {
            name: lend_state(state[name])
            if name in read_only
            else copy_state(state[name], reuse.get(name))
            for name in names
            if name in state
        }

    def _restore(self, snapshot, names):
        """Put back a snapshot: what it lacks did not exist, and is removed."""
        for name in names:
            if name in snapshot:
                self.__dict__[name] = put_back(snapshot[name])
            else:
                self.__dict__.pop(name, None)

    @property
    def _buffers(self):
        """Scratch space kept between calls, by name.

        Work arrays (the network's workspace, the gradient, the optimizer's
        scratch vectors, the snapshot of the last call) cost more to allocate
        and fault in than a small network's whole ``partial_fit`` step. They
        are not fitted state: pickling, copying and cloning leave them out.
        """
        return self.__dict__.setdefault("_scratch", {})

    def _buffer(self, name, key, make):
        """Return the scratch ``name`` made for ``key``, making it if needed."""
        key_and_value = self._buffers.get(name)
        if key_and_value is None or key_and_value[0] != key:
            key_and_value = self._buffers[name] = (key, make())
        return key_and_value[1]

    def __getstate__(self):
        # A copy: object.__getstate__ returns the instance's own __dict__,
        # and pickling must not take the scratch space from the estimator.
        state = dict(super().__getstate__())
        state.pop("_scratch", None)
        return state

    # -- fitting ----------------------------------------------------------------

    def _fit(
        self,
        X,
        y,
        sample_weight,
        incremental,
        validation=(None, None, None),
        **target_options,
    ):
        self._check_solver_options(validation)
        self._check_ensemble(X)
        hidden = self._hidden_layer_sizes()
        first_pass = "_theta" not in self.__dict__ or not (
            self.warm_start or incremental
        )
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        # What this call started from: a failed call puts it back, so the
        # estimator is never left half-updated.
        names = self._fitted_state_names()
        # The previous call's snapshot lends its arrays to this one.
        previous = self._buffers.pop("before", None)
        before = self._snapshot(names, reuse=previous, read_only=READ_ONLY_STATE)
        try:
            if not first_pass:
                self._check_same_space(X)
            X, y, sample_weight = self._validate_fit_data(
                X, y, sample_weight, first_pass, target_options
            )
            random_state = self._call_random_state()
            if first_pass:
                self._initialize(X, y, random_state, sample_weight)
            else:
                self._check_architecture(hidden, y)
            self._run_solver(
                X, y, sample_weight, random_state, incremental, validation, before
            )
        except BaseException:
            self._restore(before, names)
            # Scratch space is remade at will; a failed call leaves none.
            self.__dict__.pop("_scratch", None)
            raise
        self._buffers["before"] = before
        return self

    def _call_random_state(self):
        """Return ``check_random_state(self.random_state)`` for one call.

        For an int seed, a generator kept between calls and seeded again:
        the same draws as a new ``RandomState(seed)``, without the 0.2 ms of
        making one (most of it numpy's ``SeedSequence``, which the legacy
        seeding then replaces), a noticeable part of a small ``partial_fit``.
        """
        seed = self.random_state
        if not isinstance(seed, Integral):
            return check_random_state(seed)
        generator = self._buffer("random_state", None, np.random.RandomState)
        generator.seed(seed)
        return generator

    def _run_solver(
        self, X, y, sample_weight, random_state, incremental, validation, before
    ):
        stochastic = self.solver in OPTIMIZERS
        tasks = FitTasks(
            self,
            # L-BFGS begins one iteration more than it runs.
            max_subtasks=(1 if incremental else self.max_iter) + (not stochastic),
            X=X,
            y=y,
            sample_weight=sample_weight,
        )
        rows = self._batch_size(X.shape[0], warn=False) if stochastic else X.shape[0]
        # Overflow is detected where it matters (a non-finite loss or
        # weights) and reported with a remedy; numpy's RuntimeWarnings from
        # deep inside a matmul would only be noise.
        # threadpoolctl limits numpy's BLAS only; torch and cupy keep their
        # own thread settings (torch.set_num_threads) and streams.
        threads = (
            self._fitted_network().blas_threads(rows)
            if isinstance(self._theta, np.ndarray)
            else contextlib.nullcontext()
        )
        with (
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            threads,
        ):
            if stochastic:
                validation = self._validation_set(validation, X, y)
                fit_stochastic(
                    self,
                    X,
                    y,
                    sample_weight,
                    random_state,
                    incremental,
                    validation,
                    tasks,
                    before,
                    stacklevel=_USER,
                )
            else:
                fit_lbfgs(self, X, y, sample_weight, tasks, stacklevel=_USER)
        # The minibatch solvers checked their last step (check_last_step).
        if not stochastic and not all_finite(self._theta):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data "
                "may contain large values and need to be preprocessed: scale X "
                f"(e.g. with StandardScaler{self._target_scaling_hint}), or lower "
                "learning_rate_init."
            )
        tasks.finish()

    def _check_solver_options(self, validation):
        """Reject options that L-BFGS cannot honour, before any work."""
        if self.solver in OPTIMIZERS:
            return
        for name, is_set in [
            ("dropout", np.any(np.asarray(self.dropout, dtype=float) > 0)),
            ("max_grad_norm", self.max_grad_norm is not None),
            ("weight_decay", self.weight_decay > 0),
            ("X_val", validation[0] is not None),
        ]:
            if is_set:
                raise ValueError(
                    f"{name} is only used by the minibatch solvers, not by "
                    "solver='lbfgs'. Use solver='adam' or 'sgd', or leave "
                    f"{name} unset."
                )

    def _check_ensemble(self, X):
        """Refuse what ``n_ensemble > 1`` does not support, before any work."""
        if self.n_ensemble == 1:
            return
        if _array_api.is_device_array(X):
            raise ValueError(
                f"n_ensemble={self.n_ensemble} computes on numpy arrays only, and X "
                f"is a {type(X).__module__} array. Pass numpy X, or use "
                "n_ensemble=1 on this namespace."
            )

    def _check_same_space(self, X):
        """Refuse to continue a fit with ``X`` of another namespace or device."""
        theta = self._theta
        where = _array_api.namespace_and_device(X)
        fitted = None if isinstance(theta, np.ndarray) else ArraySpace.of(theta)
        same = (where is None and fitted is None) or (
            where is not None
            and fitted is not None
            and where[0] == fitted.xp
            and where[1] == fitted.device
        )
        if not same:
            was = "numpy" if fitted is None else f"{fitted.xp.__name__} {fitted.device}"
            now = "numpy" if where is None else f"{where[0].__name__} {where[1]}"
            raise ValueError(
                f"This {type(self).__name__} was fitted on {was} arrays, but X is "
                f"on {now} (array_api_dispatch={_array_api.dispatching()}). A warm "
                "start or partial_fit continues where the model lives: move it "
                "first with move_estimator_to, or pass X there, or fit anew with "
                "warm_start=False."
            )

    def _follow_X(self, where, y, *arrays):
        """Move ``y`` and ``arrays`` to ``where``, X's (namespace, device).

        Everything follows X. A classifier's labels (``_y_numeric`` false)
        stay where they are: they may be strings, and are encoded on the host.
        """
        if where is None:
            return (y, *arrays)
        if self._y_numeric:
            y = _array_api.move(y, *where)
        return (y, *(_array_api.move(array, *where) for array in arrays))

    def _validate_fit_data(self, X, y, sample_weight, first_pass, target_options):
        where = _array_api.namespace_and_device(X)
        y, sample_weight = self._follow_X(where, y, sample_weight)
        xp = np if where is None else where[0]
        if first_pass or not self._passes_as_is(X, y):
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                y_numeric=self._y_numeric,
                dtype=(xp.float64, xp.float32),
                reset=first_pass,
            )
        if not first_pass:
            # Keep training in the model's dtype.
            X = (
                X.astype(self._theta.dtype, copy=False)
                if where is None
                else xp.astype(X, self._theta.dtype)
            )
        y = self._validate_target(y, X.dtype, reset=first_pass, **target_options)
        if where is not None:  # a classifier's targets, encoded on the host
            y = _array_api.move(y, *where)
        sample_weight = self._check_sample_weight(sample_weight, X)
        y = self._transform_target(y, sample_weight, reset=first_pass)
        return X, y, sample_weight

    def _passes_as_is(self, X, y):
        """Say whether ``validate_data`` would return a continued fit's data as is.

        It would, silently, for finite float numpy arrays of the fitted width
        and a finite numeric ``y`` of as many rows, when the model was fitted
        without feature names; this says so in microseconds, where
        ``validate_data`` takes about 0.4 ms, much of a small ``partial_fit``
        call. Anything else (another type, dtype, width or length, a value
        that is not finite, feature names, Array API dispatch) goes through
        ``validate_data``, which raises or warns as always.
        """
        return (
            type(X) is np.ndarray
            and type(y) is np.ndarray
            and X.ndim == 2
            and y.ndim in (1, 2)
            and X.dtype in _PLAIN_FLOATS
            and 0 < X.shape[0] == y.shape[0]
            and X.shape[1] == self.n_features_in_
            and y.shape[-1] > 0
            and y.dtype.kind in "iuf"
            and "feature_names_in_" not in self.__dict__
            and not _array_api.dispatching()
            # A sum is finite only if every value is (and may overflow when
            # all are: then validate_data decides).
            and bool(np.isfinite(X.sum()))
            and (y.dtype.kind != "f" or bool(np.isfinite(y.sum())))
        )

    def _transform_target(self, y, sample_weight, reset):
        """Return the target the network trains on; the identity by default."""
        return y

    def _objective_target(self, y, sample_weight):
        """Return the target of :meth:`get_objective`, changing nothing."""
        return y

    def _inverse_transform_target(self, y):
        """Undo :meth:`_transform_target` on network outputs or targets."""
        return y

    def _check_raw_target(self, y, input_name):
        """Check a target that ``validate_data`` has not seen, as it would."""
        return check_array(
            y,
            ensure_2d=False,
            dtype="numeric" if self._y_numeric else None,
            input_name=input_name,
        )

    @staticmethod
    def _check_sample_weight(sample_weight, X, name="sample_weight"):
        """Validate sample weights; negative ones would make the loss unbounded."""
        if sample_weight is None:
            return None
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        device = _array_api.is_device_array(sample_weight)
        xp = ArraySpace.of(sample_weight).xp if device else np
        if xp.any(sample_weight < 0):
            smallest = float(xp.min(sample_weight))
            raise ValueError(
                f"{name} has negative values (min {smallest:.6g}): a "
                "negative weight rewards a larger loss, so the objective has no "
                "minimum. Use non-negative weights (0 drops a sample)."
            )
        return sample_weight

    def _validation_set(self, validation, X, y):
        """Return ``(X_val, y_val, sample_weight_val)``, or ``None`` if there is none.

        A given ``X_val`` is validated like ``X`` and compared with the
        training data ``X``, ``y``. Otherwise, with early stopping, the
        internal split is made later, by :meth:`_split`.
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
        space = array_space(X)
        where = None if space is None else (space.xp, space.device)
        y_val, X_val, sample_weight_val = self._follow_X(
            where, y_val, X_val, sample_weight_val
        )
        X_val = self._validate_X_val(X_val)
        y_val = self._check_raw_target(y_val, "y_val")
        y_val = self._validate_target(y_val, X_val.dtype, reset=False)
        if where is not None:
            y_val = _array_api.move(y_val, *where)
        check_consistent_length(X_val, y_val)
        if y_val.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y_val has {y_val.shape[1]} outputs but y has {self.n_outputs_}."
            )
        sample_weight_val = self._check_sample_weight(
            sample_weight_val, X_val, name="sample_weight_val"
        )
        y_val = self._transform_target(y_val, sample_weight_val, reset=False)
        # On the Array API path, compared on the host: once per fit.
        host = _array_api.to_numpy
        self._warn_if_off_scale(host(X), host(X_val), "X_val", _X_VAL_ADVICE)
        if self._y_numeric:
            self._warn_if_off_scale(host(y), host(y_val), "y_val", self._y_val_advice)
        return X_val, y_val, sample_weight_val

    def _validate_X_val(self, X_val):
        """Validate ``X_val`` like ``X``, saying what went wrong in a Pipeline."""
        try:
            X_val = validate_data(
                self,
                X_val,
                accept_sparse=["csr", "csc"],
                dtype=None if _array_api.is_device_array(X_val) else self._theta.dtype,
                reset=False,
            )
        except ValueError as error:
            raise ValueError(
                f"X_val does not match the data this estimator trains on: {error}"
                f"\n{_X_VAL_ADVICE}"
            ) from error
        if not isinstance(X_val, np.ndarray) and _array_api.is_device_array(X_val):
            X_val = ArraySpace.of(X_val).xp.astype(X_val, self._theta.dtype)
        return X_val

    @staticmethod
    def _warn_if_off_scale(reference, other, name, advice):
        columns = off_scale_columns(reference, other)
        if len(columns):
            warnings.warn(
                f"{name} is on another scale than the training data in "
                f"column(s) {columns[:10].tolist()}: its median or spread is far "
                f"from theirs, so the validation scores are not meaningful. "
                f"{advice}",
                UserWarning,
                stacklevel=_USER + 1,
            )

    def _check_architecture(self, hidden, y):
        members = self.__dict__.get("_n_members", 1)
        if members != self.n_ensemble:
            raise ValueError(
                f"The fitted model is an ensemble of {members} member(s), but "
                f"n_ensemble={self.n_ensemble}. Continuing (warm_start=True or "
                "partial_fit) needs the same n_ensemble: set it back, or set "
                "warm_start=False, or fit a new estimator."
            )
        self._check_embedding()
        embedding = self.__dict__.get("_embedding")
        n_inputs = self.n_features_in_ if embedding is None else embedding.n_outputs
        expected = (n_inputs, *hidden, y.shape[1])
        if tuple(expected) != tuple(self._layer_units):
            raise ValueError(
                f"The fitted network has layer sizes {self._layer_units}, but "
                f"hidden_layer_sizes and y ask for {expected}. Continuing "
                "(warm_start=True or partial_fit) needs the same architecture: "
                "set warm_start=False, or fit a new estimator."
            )
        activations = (
            *self._hidden_activations(len(hidden)),
            self._out_activation(),
        )
        if activations != self._activations:
            raise ValueError(
                f"The fitted network uses activations {self._activations}, but "
                f"the parameters ask for {activations}. Continuing needs the same "
                "activations: set warm_start=False, or fit a new estimator."
            )

    def _check_embedding(self):
        """Refuse to continue a fit whose ``numeric_embedding`` changed."""
        spec = self._embedding_spec()
        embedding = self.__dict__.get("_embedding")
        now = None if spec is None else spec._description()
        fitted = None if embedding is None else embedding.description
        if now != fitted:
            raise ValueError(
                f"The fitted network uses the numeric embedding {fitted}, but "
                f"numeric_embedding asks for {now}. Continuing (warm_start=True "
                "or partial_fit) needs the same embedding: set warm_start=False, "
                "or fit a new estimator."
            )

    def _initialize(self, X, y, random_state, sample_weight=None):
        self._embedding = self._fit_embedding(X, sample_weight)
        net = self._network(X.shape[1], y.shape[1], self._embedding)
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(net.layer_units)
        self.out_activation_ = net.activations[-1]
        self._layer_units = net.layer_units
        self._activations = net.activations
        self._n_members = self.n_ensemble
        self._theta = self._initial_theta(net, random_state, X)
        self._optimizer_state = None
        self.loss_curve_ = []
        self.history_ = []
        # A previous fit's stopping state; the solver starts it anew.
        for name in (
            "_no_improvement_count",
            "best_loss_",
            "validation_scores_",
            "validation_loss_curve_",
            "best_validation_score_",
        ):
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
            *arrays,
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=self._stratify(y),
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

    def _validation_score(self, scorer, X_val, y_val, y_pred, sample_weight, loss):
        """Return the validation score: see ``scoring``."""
        if self.scoring is None:
            return self._default_score(y_val, y_pred, sample_weight)
        if self.scoring == "loss":
            return -loss
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        with warnings.catch_warnings():
            # X_val is already validated; its column names were dropped.
            warnings.filterwarnings("ignore", "X does not have valid feature names")
            return scorer(self, X_val, self._scorer_targets(y_val), **kwargs)

    def _divergence(self, loss):
        return ValueError(
            f"The training loss became {loss} in epoch {self.n_iter_ + 1}: the "
            "fit diverged. Use a smaller learning_rate_init (now "
            f"{self.learning_rate_init}), or scale the data (StandardScaler for "
            f"X{self._target_scaling_hint})."
        )

    # -- prediction ----------------------------------------------------------------

    def _forward(self, X, method="predict", members=False):
        """Validate ``X`` and return the network's output, refusing non-finite rows.

        ``method`` is the public method's name, for scikit-learn's error when
        ``X`` is not where the estimator was fitted. With ``members``, an
        ensemble's members' outputs, ``(n_ensemble, n_samples, n_outputs)``;
        otherwise their mean.
        """
        check_is_fitted(self)
        _array_api.check_same_namespace(X, self, method)
        space = array_space(self._theta)
        if space is not None and not _array_api.dispatching():
            raise ValueError(
                f"This {type(self).__name__} was fitted on {space.xp.__name__} "
                "arrays: predict with sklearn.set_config(array_api_dispatch=True) "
                "and X there, or move the estimator to numpy first with "
                "move_estimator_to(est, numpy, 'cpu')."
            )
        xp = np if space is None else space.xp
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(xp.float64, xp.float32),
            reset=False,
        )
        net = self._fitted_network()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if members:
                y_pred = net.predict_members(self._theta, X)
            else:
                y_pred = net.predict(self._theta, X)
        # One device read on the Array API path.
        finite = _array_api.to_numpy(xp.all(xp.isfinite(y_pred), axis=-1))
        if members:
            finite = finite.all(axis=0)
        if not finite.all():
            raise ValueError(
                f"The network overflows on {np.count_nonzero(~finite)} of "
                f"{X.shape[0]} rows of X (first: row {np.argmin(finite)}), so their "
                "predictions would not be finite. Those rows are far outside the "
                "scale of the training data: scale X as it was scaled for fit "
                "(e.g. with the same StandardScaler in a Pipeline)."
            )
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # torch, cupy and array-api-strict with array_api_dispatch=True;
        # scikit-learn 1.6 to 1.8 lack the machinery (see _array_api.py).
        # An ensemble (_check_ensemble) and the numeric embeddings compute on
        # numpy only.
        tags.array_api_support = (
            _array_api.SUPPORTED
            and self.n_ensemble == 1
            and self.numeric_embedding is None
        )
        return tags

    def __sklearn_array_api_convert__(self, converter):
        """Return a copy whose fitted arrays ``converter`` moved.

        scikit-learn's ``move_estimator_to`` calls this. The copy shares no
        memory with ``self`` (see ``converted_state``); the optimizer's state and
        a ``standardize_y`` scaler move too; ``_host_state`` (the classifier's
        labels) stays on the host; scratch space is left behind.
        """
        new = clone(self)
        for name, value in self.__dict__.items():
            if name in self._host_state:
                new.__dict__[name] = copy_state(value)
            elif name != "_scratch":
                new.__dict__[name] = converted_state(value, converter)
        return new
