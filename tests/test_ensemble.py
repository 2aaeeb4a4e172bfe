"""Ensembles trained in one pass (``n_ensemble``): the math and the estimators.

The references are independent: finite differences of the objective, single
networks trained alone, and forward passes written here from ``coefs_``.
"""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import (
    estimator_data,
    ignore_convergence,
    needs_array_api,
    regression_data,
)
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.datasets import make_classification

from skmlp import (
    BackpropClassifier,
    BackpropRegressor,
    PeriodicEmbedding,
    PiecewiseLinearEmbedding,
    TabularMLPRegressor,
    check_gradients,
)
from skmlp._ensemble import EnsembleNetwork
from skmlp._network import Network

pytestmark = ignore_convergence


def _members_forward(est, X):
    """Each member's output ``a^K``, from ``coefs_``: ``(k, n_samples, n_outputs)``."""
    hidden = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}
    out = {"identity": lambda z: z, "softmax": lambda z: softmax(z, axis=-1)}
    out["logistic"] = expit
    a = np.broadcast_to(X, (est.n_ensemble, *X.shape))
    layers = list(zip(est.coefs_, est.intercepts_, strict=True))
    for l, (W, b) in enumerate(layers):
        z = a @ W + b[:, np.newaxis, :]
        last = l == len(layers) - 1
        a = (out[est.out_activation_] if last else hidden[est.activation])(z)
    return a


# -- the math ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "activations", "loss"),
    [
        ((4, 5, 1), ("relu", "identity"), "squared_error"),  # (E3)
        ((4, 5, 1), ("tanh", "identity"), "huber"),  # (E3), another sigma'
        ((4, 5, 2), ("relu", "identity"), "squared_error"),
        ((4, 6, 5, 1), ("logistic", "relu", "identity"), "squared_error"),
        ((4, 3), ("identity",), "squared_error"),  # no hidden layer
        ((4, 5, 3), ("relu", "softmax"), "log_loss"),  # canonical pair
        ((4, 5, 1), ("relu", "logistic"), "binary_log_loss"),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_objective_is_the_sum_of_the_members_objectives(
    units, activations, loss, weighted, sparse
):
    """(E1): the loss and every member's gradient are those of the member alone."""
    k, n = 3, 9
    net = EnsembleNetwork(units, activations, loss, k)
    single = Network(units, activations, loss)
    rng = np.random.RandomState(0)
    theta = net.initial_theta(rng, np.float64, "glorot_uniform", activations[0])
    X = rng.randn(n, units[0])
    X = sp.csr_matrix(X * (rng.rand(*X.shape) < 0.6)) if sparse else X
    y = (rng.rand(n, units[-1]) < 0.5).astype(float)
    if loss == "log_loss":
        y = np.eye(units[-1])[rng.randint(units[-1], size=n)]
    sample_weight = rng.uniform(0.5, 2, n) if weighted else None
    # A workspace for more rows than the batch: its buffers' heads are used.
    workspace = net.workspace(n + 4, np.float64)
    loss_value, grad = net.loss_and_grad(
        theta, X, y, sample_weight, 0.1, workspace=workspace
    )
    alone = [
        single.loss_and_grad(net.member_theta(theta, m), X, y, sample_weight, 0.1)
        for m in range(k)
    ]
    assert_allclose(loss_value, sum(value for value, _ in alone), rtol=1e-13)
    assert_allclose(grad, net.stack([g for _, g in alone]), rtol=1e-12, atol=1e-15)
    members = [single.predict(net.member_theta(theta, m), X) for m in range(k)]
    assert_allclose(net.predict_members(theta, X), members, rtol=1e-13)
    assert_allclose(net.predict(theta, X), np.mean(members, axis=0), rtol=1e-13)


def test_layout_round_trips_and_member_zero_is_the_single_draw():
    net = EnsembleNetwork((3, 4, 2), ("relu", "identity"), "squared_error", 3)
    theta = net.initial_theta(
        np.random.RandomState(7), np.float64, "glorot_uniform", "relu"
    )
    from skmlp._init import initial_theta

    single = initial_theta(
        net.member, np.random.RandomState(7), np.float64, "glorot_uniform"
    )
    assert_array_equal(net.member_theta(theta, 0), single)
    assert_array_equal(net.stack(net.member_theta(theta, m) for m in range(3)), theta)
    assert net.n_params == 3 * net.member.n_params
    assert net.n_coefs == 3 * net.member.n_coefs
    assert_array_equal(
        theta[: net.n_coefs], np.concatenate([c.ravel() for c in net.coefs(theta)])
    )


# -- the estimators: gradients and training -----------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"hidden_layer_sizes": (5,)},
        {"hidden_layer_sizes": (4, 3), "activation": "tanh", "alpha": 0.3},
        {"hidden_layer_sizes": (5,), "standardize_y": True, "loss": "huber"},
    ],
)
def test_check_gradients_of_the_ensemble_objective(params):
    X, y, sample_weight = regression_data(20, 3, 1)
    est = BackpropRegressor(n_ensemble=3, random_state=0, **params)
    result = check_gradients(est, X, y[:, 0], sample_weight=sample_weight)
    assert result < 1e-6
    single = check_gradients(est.set_params(n_ensemble=1), X, y[:, 0])
    assert result.n_params == 3 * single.n_params


def test_check_gradients_of_the_classifier_ensemble():
    X, y = make_classification(
        30, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    est = BackpropClassifier((5,), n_ensemble=2, random_state=0)
    assert check_gradients(est, X, y) < 1e-6


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("hidden", [(8,), (6, 5)])
def test_member_zero_trains_as_the_single_network(solver, hidden):
    """Same initial weights, same minibatches: the same weights, to rounding."""
    X, y = estimator_data(80, 4)
    params = {
        "hidden_layer_sizes": hidden,
        "solver": solver,
        "shuffle": False,
        "max_iter": 4,
        "batch_size": 16,
        "random_state": 0,
        "alpha": 1e-3,
    }
    ensemble = BackpropRegressor(n_ensemble=3, **params).fit(X, y)
    single = BackpropRegressor(**params).fit(X, y)
    for got, want in zip(
        ensemble.coefs_ + ensemble.intercepts_,
        single.coefs_ + single.intercepts_,
        strict=True,
    ):
        assert_allclose(got[0], want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_every_member_trains_as_it_would_alone(solver):
    """Member m continued from its weights moves as a network started there."""
    X, y = estimator_data(60, 4)
    params = {
        "hidden_layer_sizes": (7,),
        "solver": solver,
        "shuffle": False,
        "batch_size": 20,
        "random_state": 0,
        "warm_start": True,
        "weight_decay": 1e-2,
    }
    ensemble = BackpropRegressor(n_ensemble=4, max_iter=1, **params).fit(X, y)
    single = BackpropRegressor(max_iter=1, **params).fit(X, y)
    single.coefs_ = [W[2] for W in ensemble.coefs_]
    single.intercepts_ = [b[2] for b in ensemble.intercepts_]
    ensemble.set_params(max_iter=5).fit(X, y)
    single.set_params(max_iter=5).fit(X, y)
    for got, want in zip(
        ensemble.coefs_ + ensemble.intercepts_,
        single.coefs_ + single.intercepts_,
        strict=True,
    ):
        assert_allclose(got[2], want, rtol=1e-10, atol=1e-13)
    # The reported loss is the members' mean: its scale is one network's.
    assert ensemble.loss_curve_[-1] < 2 * single.loss_curve_[0]


def test_lbfgs_reports_the_members_mean_loss():
    X, y = estimator_data(50, 3)
    est = BackpropRegressor(
        (5,), solver="lbfgs", n_ensemble=3, max_iter=30, random_state=0, alpha=0.01
    ).fit(X, y)
    objective, theta = est.get_objective(X, y)
    assert_allclose(est.loss_, objective(theta)[0] / 3, rtol=1e-10)
    assert_allclose(est.loss_curve_[-1], est.loss_, rtol=1e-10)


# -- prediction -----------------------------------------------------------------------


@pytest.mark.parametrize("standardize_y", [False, True])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_return_std_is_the_spread_of_the_members(standardize_y, n_outputs):
    X, y = estimator_data(60, 4, n_outputs=n_outputs, y_scale=30.0, y_loc=5.0)
    est = BackpropRegressor(
        (6,), n_ensemble=4, max_iter=20, random_state=0, standardize_y=standardize_y
    ).fit(X, y)
    mean, std = est.predict(X, return_std=True)
    members = _members_forward(est, X)
    if standardize_y:
        scaler = est.target_scaler_
        members = members * scaler.scale_ + scaler.mean_
    members = members[..., 0] if n_outputs == 1 else members
    assert mean.shape == std.shape == y.shape
    assert_allclose(std, np.std(members, axis=0), rtol=1e-9, atol=1e-12)
    assert_allclose(mean, np.mean(members, axis=0), rtol=1e-9, atol=1e-12)
    assert_array_equal(mean, est.predict(X))
    assert np.all(std > 0)


def test_classifier_probabilities_are_the_members_mean():
    X, y = make_classification(60, 5, n_informative=3, n_classes=3, random_state=0)
    clf = BackpropClassifier((6,), n_ensemble=3, max_iter=30, random_state=0)
    clf.fit(X, y)
    proba = np.mean(_members_forward(clf, X), axis=0)
    assert_allclose(clf.predict_proba(X), proba, rtol=1e-10)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    binary = clf.fit(X, y == 1)
    p1 = np.mean(_members_forward(binary, X), axis=0)[:, 0]
    assert_allclose(binary.predict_proba(X)[:, 1], p1, rtol=1e-10)


# -- the options ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"early_stopping": True, "dropout": 0.2},
        {"max_grad_norm": 0.5, "learning_rate": "cosine", "solver": "sgd"},
        {"restore_best_weights": True},
    ],
)
def test_options_train_and_validate_the_ensemble(params):
    X, y, sample_weight = regression_data(120, 4, 1)
    fit_params = {"sample_weight": sample_weight}
    if not params.get("early_stopping"):
        fit_params.update(X_val=X[:30], y_val=y[:30, 0])
    est = BackpropRegressor(
        (8,), n_ensemble=3, max_iter=15, random_state=0, **params
    ).fit(X, y[:, 0], **fit_params)
    assert len(est.validation_scores_) == est.n_iter_
    if params.get("restore_best_weights"):
        # The validation score is the ensemble's: R² of its mean prediction.
        score = est.score(X[:30], y[:30, 0])
        assert_allclose(score, est.best_validation_score_, rtol=1e-10)
    assert np.isfinite(est.predict(X)).all()


def test_partial_fit_warm_start_pickle_and_clone():
    X, y = estimator_data(60, 4)
    est = BackpropRegressor((5,), n_ensemble=3, random_state=0)
    for _ in range(3):
        est.partial_fit(X, y)
    assert len(est.loss_curve_) == 3
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(
        restored.predict(X, return_std=True)[1], est.predict(X, return_std=True)[1]
    )
    restored.partial_fit(X, y)
    est.partial_fit(X, y)
    assert_array_equal(restored.predict(X), est.predict(X))
    assert clone(est).get_params()["n_ensemble"] == 3
    with pytest.raises(ValueError, match="ensemble of 3 member"):
        est.set_params(n_ensemble=2).partial_fit(X, y)


def test_coefs_are_stacked_write_through_views():
    X, y = estimator_data(40, 3)
    est = BackpropRegressor((5,), n_ensemble=4, max_iter=3, random_state=0)
    est.fit(X, y)
    assert [W.shape for W in est.coefs_] == [(4, 3, 5), (4, 5, 1)]
    assert [b.shape for b in est.intercepts_] == [(4, 5), (4, 1)]
    est.coefs_[1] = np.zeros((4, 5, 1))
    est.intercepts_[1] = np.full((4, 1), 2.5)
    assert_allclose(est.predict(X, return_std=True), [np.full(40, 2.5), np.zeros(40)])


def test_tabular_regressor_passes_n_ensemble_through():
    X, y = estimator_data(80, 3)
    model = TabularMLPRegressor((8,), n_ensemble=3, max_iter=3, random_state=0)
    model.fit(X, y)
    assert model.regressor_.n_ensemble == 3
    mean, std = model.predict(X, return_std=True)
    assert_array_equal(mean, model.predict(X))
    assert std.shape == y.shape
    assert np.all(std > 0)


# -- errors ---------------------------------------------------------------------------


def test_return_std_needs_an_ensemble():
    X, y = estimator_data(30, 3)
    est = BackpropRegressor((4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="return_std=True needs an ensemble"):
        est.predict(X, return_std=True)


def test_n_ensemble_is_validated():
    X, y = estimator_data(30, 3)
    with pytest.raises(ValueError, match="n_ensemble"):
        BackpropRegressor(n_ensemble=0).fit(X, y)


@pytest.mark.parametrize("kind", ["regressor", "binary", "multiclass"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_onnx_exports_the_mean_of_the_members(kind, dtype):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from skmlp import to_onnx

    X, y = estimator_data(60, 3)
    X = X.astype(dtype)
    if kind == "regressor":
        est = BackpropRegressor((5,), n_ensemble=3, standardize_y=True)
        est.fit(X, 10 * y + 3)
        expected, options = est.predict(X), None
    else:
        est = BackpropClassifier((5,), n_ensemble=3)
        est.fit(X, y > 0 if kind == "binary" else np.digitize(y, [-0.5, 0.5]))
        expected, options = est.predict_proba(X), {"zipmap": False}
    session = ort.InferenceSession(
        to_onnx(est, X, options=options).SerializeToString(),
        providers=["CPUExecutionProvider"],
    )
    got = session.run(None, {"X": X})[-1]
    assert got.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert np.max(np.abs(got - expected)) <= rtol * np.max(np.abs(expected))


@needs_array_api
def test_array_api_input_is_refused_clearly():
    xp = pytest.importorskip("array_api_strict")
    import sklearn

    X, y = estimator_data(30, 3)
    est = BackpropRegressor((4,), n_ensemble=2, max_iter=2)
    assert not est.__sklearn_tags__().array_api_support
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="numpy arrays only"):
            est.fit(xp.asarray(X), xp.asarray(y))


# -- with a numeric embedding, shared by the members ---------------------------------


EMBEDDINGS = {
    "periodic": PeriodicEmbedding(n_frequencies=3, embedding_dim=2),
    "periodic_lite": PeriodicEmbedding(n_frequencies=3, embedding_dim=2, lite=True),
    "piecewise_linear": PiecewiseLinearEmbedding(n_bins=4),
}


@pytest.mark.parametrize("embedding", list(EMBEDDINGS))
@pytest.mark.parametrize(
    ("units", "activations", "loss"),
    [
        ((5, 1), ("relu", "identity"), "squared_error"),  # (E3) without delta^1
        ((5, 2), ("tanh", "identity"), "squared_error"),
        ((4, 3, 3), ("relu", "relu", "softmax"), "log_loss"),
    ],
)
def test_shared_embedding_gets_the_sum_of_the_members_gradients(
    embedding, units, activations, loss
):
    # The ensemble's objective is the sum of single networks' objectives,
    # each with its member's layers and the one embedding, so its gradient
    # for phi is the sum of theirs.
    X, y, sample_weight = regression_data(25, 3, units[-1])
    if loss == "log_loss":
        y = np.eye(units[-1])[np.argmax(y, axis=1)]
    layer = EMBEDDINGS[embedding].fit_layer(X)
    layers = ((layer.n_outputs, *units), activations, loss)
    net = EnsembleNetwork(*layers, n_members=3, embedding=layer)
    single = Network(*layers, embedding=layer)
    theta = net.initial_theta(
        np.random.RandomState(0), np.float64, "glorot_uniform", "relu"
    )
    phi = net.embedding_params(theta)
    assert phi.size == layer.n_params
    loss_value, grad = net.loss_and_grad(theta, X, y, sample_weight, alpha=0.1)
    total, phi_grad = 0.0, np.zeros_like(phi)
    for m in range(3):
        theta_m = np.concatenate([net.member_theta(theta, m), phi])
        value, grad_m = single.loss_and_grad(theta_m, X, y, sample_weight, alpha=0.1)
        total += value
        body = net.member_theta(grad, m)
        assert_allclose(body, grad_m[: body.size], rtol=1e-10, atol=1e-13)
        phi_grad += grad_m[body.size :]
    assert_allclose(loss_value, total, rtol=1e-12)
    assert_allclose(net.embedding_params(grad), phi_grad, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("embedding", list(EMBEDDINGS))
def test_check_gradients_of_an_ensemble_with_an_embedding(embedding):
    X, y, sample_weight = regression_data(20, 3, 1)
    est = BackpropRegressor(
        (4,), n_ensemble=2, numeric_embedding=EMBEDDINGS[embedding], random_state=0
    )
    assert check_gradients(est, X, y[:, 0], sample_weight=sample_weight) < 1e-6
    X, y = make_classification(
        30, 3, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    est = BackpropClassifier(
        (4,), n_ensemble=2, numeric_embedding=EMBEDDINGS[embedding], random_state=0
    )
    assert check_gradients(est, X, y) < 1e-6


def test_ensemble_with_an_embedding_fits_predicts_and_exports():
    X, y = estimator_data(80, 3)
    est = BackpropRegressor(
        (6,), n_ensemble=3, numeric_embedding="periodic", max_iter=20, random_state=0
    ).fit(X, y)
    mean, std = est.predict(X, return_std=True)
    assert mean.shape == std.shape == (80,)
    assert np.all(np.isfinite(mean))
    assert np.all(std > 0)
    assert est.network_.embedding is not None
    tabular = TabularMLPRegressor(
        (8,), n_ensemble=2, numeric_embedding="piecewise_linear", max_iter=5
    ).fit(X, y)
    assert tabular.predict(X).shape == (80,)
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from skmlp import to_onnx

    session = ort.InferenceSession(
        to_onnx(est, X).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    got = session.run(None, {"X": X})[0]
    assert_allclose(got, mean, rtol=1e-10, atol=1e-12)
