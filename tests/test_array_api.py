"""The Array API path: torch, array-api-strict (and cupy where present).

Every test runs without a GPU. array-api-strict's ``device1`` is a fake
second device, so "kept on X's device" is tested without hardware; torch's
data-less ``meta`` device proves that the minibatch loop never reads the
device. Comparisons are exact against the numpy path on array-api-strict
(it runs numpy underneath), and to rtol 1e-9 against MLPRegressor on torch.
"""

import os
import pickle
from importlib.util import find_spec

import numpy as np
import pytest
import sklearn
from _helpers import regression_data
from sklearn.base import clone

from skmlp import BackpropClassifier, BackpropRegressor, TabularMLPRegressor
from skmlp import _array_api as compat
from skmlp._backend import ArraySpace

pytestmark = [
    pytest.mark.skipif(
        not compat.SUPPORTED, reason="the Array API path needs scikit-learn >= 1.9"
    ),
    # Short fits on purpose: they compare paths, not converged models.
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

SOLVERS = ("adam", "sgd", "lbfgs")


def test_scipy_array_api_is_set_when_the_checks_can_run():
    # Without SCIPY_ARRAY_API=1 scikit-learn's array-API checks skip
    # silently: fail instead, wherever array-api-strict is installed.
    if find_spec("array_api_strict") is None:
        pytest.skip("array-api-strict is not installed")
    assert os.environ.get("SCIPY_ARRAY_API") == "1", (
        "Set SCIPY_ARRAY_API=1 (scripts/test.sh and .ci/run do): without it "
        "every array-API check is skipped."
    )


@pytest.fixture(scope="module")
def strict():
    xps = pytest.importorskip("array_api_strict")
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        pytest.fail("SCIPY_ARRAY_API=1 is not set")
    return xps


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _strict_on(xps, array, device="device1"):
    return None if array is None else xps.asarray(array, device=xps.Device(device))


def _host(array):
    return compat.to_numpy(array)


def _fit_both(xps, X, y, sample_weight=None, fit_params=None, **params):
    """Fit on numpy and on array-api-strict's device1; return both estimators."""
    fit_params = fit_params or {}
    est = BackpropRegressor(random_state=0, **params)
    est.fit(X, y, sample_weight=sample_weight, **fit_params)
    est_xp = clone(est)
    moved = {key: _strict_on(xps, value) for key, value in fit_params.items()}
    with sklearn.config_context(array_api_dispatch=True):
        est_xp.fit(
            _strict_on(xps, X),
            _strict_on(xps, y),
            sample_weight=_strict_on(xps, sample_weight),
            **moved,
        )
    return est, est_xp


def _assert_same_fit(est, est_xp):
    assert np.array_equal(est.theta_, _host(est_xp.theta_))
    assert est.loss_curve_ == est_xp.loss_curve_
    assert est.n_iter_ == est_xp.n_iter_

    def timeless(history):
        return [{k: v for k, v in row.items() if k != "duration"} for row in history]

    assert timeless(est.history_) == timeless(est_xp.history_)


OPTIONS = {
    "plain": {},
    "early_stopping": {"early_stopping": True, "validation_fraction": 0.2},
    "dropout": {"dropout": 0.3},
    "clipping": {"max_grad_norm": 0.1},
    "alpha": {"alpha": 0.1, "activation": "tanh"},
    "huber_gelu": {"loss": "huber", "activation": "gelu"},
    "standardize_y": {"standardize_y": True, "activation": "logistic"},
    "cosine_weight_decay": {
        "learning_rate": "cosine",
        "warmup_fraction": 0.25,
        "weight_decay": 0.05,
    },
    "quantile_verbose": {"loss": "quantile", "quantile": 0.3, "verbose": 2},
}

#: Options of the minibatch solvers only.
MINIBATCH_OPTIONS = ("early_stopping", "dropout", "clipping", "cosine_weight_decay")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("option", OPTIONS)
def test_bit_identical_to_the_numpy_path(strict, solver, option, dtype, capsys):
    params = OPTIONS[option]
    if solver == "lbfgs" and option in MINIBATCH_OPTIONS:
        pytest.skip("a minibatch option")
    X, y, sample_weight = regression_data(n_samples=50)
    X = X.astype(dtype)
    est, est_xp = _fit_both(
        strict,
        X,
        y,
        sample_weight,
        hidden_layer_sizes=(6,),
        solver=solver,
        max_iter=8,
        **params,
    )
    _assert_same_fit(est, est_xp)
    with sklearn.config_context(array_api_dispatch=True):
        y_pred = est_xp.predict(_strict_on(strict, X))
    assert y_pred.device == strict.Device("device1")
    assert np.array_equal(_host(y_pred), est.predict(X))
    if params.get("verbose"):  # the same table, durations aside
        numpy_out, xp_out = _without_durations(capsys.readouterr().out)
        assert numpy_out == xp_out


def _without_durations(out):
    """Split two fits' verbose output in halves, without the timing column."""
    # Rows: epoch, train loss, valid loss, valid score, lr, dur [s], best star.
    rows = [line.split() for line in out.splitlines() if line.strip()]
    lines = [row[:5] + row[6:] if row[0].isdigit() else row for row in rows]
    half = len(lines) // 2
    return lines[:half], lines[half:]


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_validation_set_poisson_and_best_weights(strict, solver):
    X, y, _ = regression_data(n_samples=60, n_outputs=1)
    y = np.exp(y[:, 0])
    fit_params = {"X_val": X[:20], "y_val": y[:20]}
    est, est_xp = _fit_both(
        strict,
        X[20:],
        y[20:],
        fit_params=fit_params,
        hidden_layer_sizes=(5,),
        solver=solver,
        loss="poisson",
        out_activation="softplus",
        restore_best_weights=True,
        max_iter=6,
    )
    _assert_same_fit(est, est_xp)
    assert est.validation_scores_ == est_xp.validation_scores_
    assert est.validation_loss_curve_ == est_xp.validation_loss_curve_


def test_partial_fit_stream_is_bit_identical(strict):
    X, y, _ = regression_data(n_samples=40)
    est = BackpropRegressor(hidden_layer_sizes=(5,), random_state=0)
    est_xp = clone(est)
    with sklearn.config_context(array_api_dispatch=True):
        for rows in (slice(0, 20), slice(20, 40), slice(0, 40)):
            est.partial_fit(X[rows], y[rows])
            est_xp.partial_fit(_strict_on(strict, X[rows]), _strict_on(strict, y[rows]))
    _assert_same_fit(est, est_xp)


@pytest.mark.mlp_reference
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", SOLVERS)
def test_torch_cpu_matches_mlpregressor(torch, solver):
    from sklearn.neural_network import MLPRegressor

    # One output: with two, MLPRegressor's loss averages over outputs
    # (scikit-learn issue #8349) and the loss curves differ by a factor.
    X, y, _ = regression_data(n_samples=60, n_outputs=1)
    y = y[:, 0]
    params = {
        "hidden_layer_sizes": (8,),
        "solver": solver,
        "max_iter": 50 if solver == "lbfgs" else 10,
        "random_state": 0,
    }
    reference = MLPRegressor(**params).fit(X, y)
    est = BackpropRegressor(**params)
    with sklearn.config_context(array_api_dispatch=True):
        est.fit(torch.asarray(X), torch.asarray(y))
        y_pred = est.predict(torch.asarray(X))
    assert isinstance(y_pred, torch.Tensor)
    for ours, theirs in zip(est.coefs_, reference.coefs_, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-9, atol=1e-12)
    if solver == "lbfgs":
        np.testing.assert_allclose(est.loss_, reference.loss_, rtol=1e-9)
    else:
        np.testing.assert_allclose(est.loss_curve_, reference.loss_curve_, rtol=1e-9)
    # Near-zero predictions: an absolute bound too (50 L-BFGS iterations).
    np.testing.assert_allclose(
        y_pred.numpy(), reference.predict(X), rtol=1e-9, atol=1e-10
    )


def test_minibatch_loop_reads_the_device_once_per_epoch(torch, monkeypatch):
    # torch's meta device has no data: any float(), bool() or .item() of a
    # loss, a norm or a weight inside the loop would raise. The loop's one
    # read per epoch goes through ArraySpace.read, counted here.
    from skmlp._network import Network
    from skmlp._optimizers import Adam, ClipByGlobalNorm
    from skmlp._training import Minibatches, train_epoch

    reads = []

    def read(self, array):
        reads.append(tuple(array.shape))
        return np.zeros(tuple(array.shape))

    monkeypatch.setattr(ArraySpace, "read", read)
    net = Network((3, 8, 2), ("logistic", "identity"), loss="huber")
    meta = {"dtype": torch.float64, "device": "meta"}
    theta = torch.zeros(net.n_params, **meta)
    arrays = (torch.empty((50, 3), **meta), torch.empty((50, 2), **meta))
    batches = Minibatches((*arrays, torch.empty(50, **meta)), 10, True, None)
    batches.random_state = np.random.RandomState(0)
    optimizer = Adam(transforms=(ClipByGlobalNorm(1.0),))
    state = optimizer.init(theta)
    for _ in range(2):
        _, state, _ = train_epoch(
            net,
            theta,
            optimizer,
            state,
            batches.epoch(),
            alpha=1e-4,
            grad=None,
            workspace=ArraySpace.of(theta),
            dropout=(0.5,),
            random_state=np.random.RandomState(1),
        )
    assert reads == [(5,), (5,)]  # five batches an epoch, one read each
    assert theta.device.type == "meta"


def test_divergence_is_caught_at_the_end_of_the_epoch_and_rolled_back(strict):
    X, y, _ = regression_data(n_samples=40)
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), activation="identity", solver="sgd", batch_size=10
    )
    with sklearn.config_context(array_api_dispatch=True):
        est.partial_fit(_strict_on(strict, X), _strict_on(strict, y))
        before, curve = _host(est.theta_), list(est.loss_curve_)
        # The second batch's loss overflows; the epoch runs on, then fails.
        X_big = X.copy()
        X_big[10:] *= 1e200
        with pytest.raises(ValueError, match="diverged"):
            est.partial_fit(_strict_on(strict, X_big), _strict_on(strict, y))
    assert np.array_equal(_host(est.theta_), before)
    assert est.loss_curve_ == curve


def _fitted_on_strict(strict, **params):
    X, y, _ = regression_data(n_samples=30)
    est = BackpropRegressor(hidden_layer_sizes=(4,), max_iter=3, **params)
    with sklearn.config_context(array_api_dispatch=True):
        est.fit(_strict_on(strict, X), _strict_on(strict, y))
    return est, X, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_move_estimator_to_and_back_shares_no_memory(strict, torch):
    est, X, y = _fitted_on_strict(strict, solver="adam", random_state=0)
    on_numpy = compat.move_estimator_to(est, np, "cpu")
    assert isinstance(on_numpy.theta_, np.ndarray)
    assert isinstance(on_numpy._optimizer_state["m"], np.ndarray)
    on_torch = compat.move_estimator_to(on_numpy, compat.namespace_of(torch), "cpu")
    back = compat.move_estimator_to(on_torch, np, "cpu")
    expected = on_numpy.predict(X)
    np.testing.assert_array_equal(back.predict(X), expected)
    # Training one copy leaves the others as they were.
    back.partial_fit(X, y)
    np.testing.assert_array_equal(on_numpy.predict(X), expected)
    with sklearn.config_context(array_api_dispatch=True):
        on_torch.partial_fit(torch.asarray(X), torch.asarray(y))
        again = on_torch.predict(torch.asarray(X)).numpy()
    np.testing.assert_array_equal(on_numpy.predict(X), expected)
    np.testing.assert_allclose(again, back.predict(X), rtol=1e-12)


def test_pickle_keeps_the_namespace_and_device(strict):
    est, X, _ = _fitted_on_strict(strict, random_state=0)
    loaded = pickle.loads(pickle.dumps(est))
    with sklearn.config_context(array_api_dispatch=True):
        y_pred = loaded.predict(_strict_on(strict, X))
        expected = est.predict(_strict_on(strict, X))
    assert y_pred.device == strict.Device("device1")
    assert np.array_equal(_host(y_pred), _host(expected))


def test_predict_elsewhere_gives_scikit_learns_error(strict):
    est, X, _ = _fitted_on_strict(strict, random_state=0)
    with (
        sklearn.config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match="must use the same namespace"),
    ):
        est.predict(X)
    with pytest.raises(ValueError, match="array_api_dispatch=True"):
        est.predict(X)  # dispatch off


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_continuing_elsewhere_is_a_clear_error(strict, how):
    est, X, y = _fitted_on_strict(strict, random_state=0)
    est.set_params(warm_start=True)
    continue_ = est.partial_fit if how == "partial_fit" else est.fit
    with (
        sklearn.config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match="fitted on array_api_strict"),
    ):
        continue_(_strict_on(strict, X, "CPU_DEVICE"), _strict_on(strict, y))
    numpy_fit = BackpropRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    with (
        sklearn.config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match="fitted on numpy"),
    ):
        numpy_fit.partial_fit(_strict_on(strict, X), _strict_on(strict, y))


def test_get_objective_is_numpy_only(strict):
    est, X, y = _fitted_on_strict(strict, random_state=0)
    with pytest.raises(ValueError, match="numpy arrays only"):
        est.get_objective(X, y)


# -- the classifier ---------------------------------------------------------------


def _classification_data(kind, n_samples=60):
    from sklearn.datasets import make_classification, make_multilabel_classification

    if kind == "multilabel":
        return make_multilabel_classification(
            n_samples=n_samples, n_features=5, n_classes=3, random_state=0
        )
    return make_classification(
        n_samples=n_samples,
        n_features=5,
        n_informative=3,
        n_classes=2 if kind == "binary" else 3,
        random_state=0,
    )


def _fit_classifier_both(xps, X, y, **params):
    """Fit a classifier on numpy and on array-api-strict's device1."""
    est = BackpropClassifier(hidden_layer_sizes=(6,), random_state=0, **params)
    est.fit(X, y)
    est_xp = clone(est)
    with sklearn.config_context(array_api_dispatch=True):
        est_xp.fit(_strict_on(xps, X), _strict_on(xps, y))
    return est, est_xp


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_classifier_bit_identical_to_the_numpy_path(strict, kind, solver, dtype):
    X, y = _classification_data(kind)
    X = X.astype(dtype)
    est, est_xp = _fit_classifier_both(
        strict, X, y, solver=solver, max_iter=6, alpha=0.01
    )
    _assert_same_fit(est, est_xp)
    assert isinstance(est_xp.classes_, np.ndarray)
    X_xp = _strict_on(strict, X)
    with sklearn.config_context(array_api_dispatch=True):
        for method in ("predict", "predict_proba", "predict_log_proba"):
            result = getattr(est_xp, method)(X_xp)
            assert result.device == strict.Device("device1"), method
            assert np.array_equal(_host(result), getattr(est, method)(X)), method
        assert est_xp.score(X_xp, _strict_on(strict, y)) == est.score(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"early_stopping": True},
        {"restore_best_weights": True, "dropout": 0.2, "max_grad_norm": 0.5},
        {"learning_rate": "cosine", "warmup_fraction": 0.2, "weight_decay": 0.01},
    ],
    ids=["early_stopping", "best_weights_dropout_clipping", "cosine_weight_decay"],
)
def test_classifier_string_labels_stay_on_the_host(strict, params):
    # Labels cannot live on a device: y (and y_val) stay numpy strings; the
    # 0/1 targets go to X's device, the predicted labels come back on the host.
    X, y = _classification_data("multiclass", n_samples=80)
    labels = np.array(["ant", "bee", "cat"])[y]
    fit_params = (
        {} if "early_stopping" in params else {"X_val": X[:20], "y_val": labels[:20]}
    )
    est = BackpropClassifier(
        hidden_layer_sizes=(6,), max_iter=5, random_state=0, **params
    )
    est.fit(X[20:], labels[20:], **fit_params)
    est_xp = clone(est)
    moved = {
        k: v if k == "y_val" else _strict_on(strict, v) for k, v in fit_params.items()
    }
    with sklearn.config_context(array_api_dispatch=True):
        est_xp.fit(_strict_on(strict, X[20:]), labels[20:], **moved)
        predicted = est_xp.predict(_strict_on(strict, X))
    _assert_same_fit(est, est_xp)
    assert est.validation_scores_ == est_xp.validation_scores_
    assert isinstance(predicted, np.ndarray)
    np.testing.assert_array_equal(predicted, est.predict(X))


def test_classifier_partial_fit_stream_and_moves(strict, torch):
    X, y = _classification_data("binary")
    est = BackpropClassifier(hidden_layer_sizes=(5,), random_state=0)
    est_xp = clone(est)
    with sklearn.config_context(array_api_dispatch=True):
        for rows in (slice(0, 30), slice(30, 60)):
            est.partial_fit(X[rows], y[rows], classes=[0, 1])
            est_xp.partial_fit(
                _strict_on(strict, X[rows]), _strict_on(strict, y[rows]), classes=[0, 1]
            )
    _assert_same_fit(est, est_xp)
    on_numpy = compat.move_estimator_to(est_xp, np, "cpu")
    on_torch = compat.move_estimator_to(on_numpy, compat.namespace_of(torch), "cpu")
    # The labels stay on the host wherever the weights go.
    assert isinstance(on_torch.classes_, np.ndarray)
    np.testing.assert_array_equal(on_numpy.predict(X), est.predict(X))
    with sklearn.config_context(array_api_dispatch=True):
        predicted = on_torch.predict(torch.asarray(X))
    assert isinstance(predicted, torch.Tensor)
    np.testing.assert_array_equal(predicted.numpy(), est.predict(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_classifier_on_torch_cpu_matches_the_numpy_path(torch, kind, solver):
    X, y = _classification_data(kind)
    est = BackpropClassifier(
        hidden_layer_sizes=(8,), solver=solver, max_iter=20, random_state=0
    )
    est.fit(X, y)
    est_torch = clone(est)
    with sklearn.config_context(array_api_dispatch=True):
        est_torch.fit(torch.asarray(X), torch.asarray(y))
        proba = est_torch.predict_proba(torch.asarray(X))
        predicted = est_torch.predict(torch.asarray(X))
    assert isinstance(proba, torch.Tensor)
    assert isinstance(predicted, torch.Tensor)
    np.testing.assert_allclose(
        est_torch.theta_.numpy(), est.theta_, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(
        proba.numpy(), est.predict_proba(X), rtol=1e-9, atol=1e-12
    )
    np.testing.assert_array_equal(predicted.numpy(), est.predict(X))


def test_tabular_regressor_refuses_device_arrays_clearly():
    xp = pytest.importorskip("array_api_strict")
    X = xp.asarray(np.random.RandomState(0).randn(30, 2))
    y = xp.asarray(np.random.RandomState(1).randn(30))
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match="takes numpy arrays and DataFrames"):
            TabularMLPRegressor(max_iter=2).fit(X, y)
