"""Numeric feature embeddings: gradients, encodings, fitted state, errors, ONNX.

The periodic (PLR) and piecewise linear (PLE) embeddings of
:mod:`skmlp._embeddings`, through both estimators' ``numeric_embedding``.
Their defaults' parity with MLPRegressor is tested by the parity suites.
"""

import functools
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import estimator_data, ignore_convergence, needs_array_api
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import (
    BackpropClassifier,
    BackpropRegressor,
    PeriodicEmbedding,
    PiecewiseLinearEmbedding,
    check_gradients,
)
from skmlp._embeddings import PeriodicLayer

pytestmark = ignore_convergence

#: Small embeddings, so a finite-difference check over every parameter is quick.
EMBEDDINGS = {
    "periodic": PeriodicEmbedding(
        n_frequencies=3, frequency_scale=0.5, embedding_dim=2
    ),
    "periodic_lite": PeriodicEmbedding(
        n_frequencies=3, frequency_scale=0.5, embedding_dim=2, lite=True
    ),
    "piecewise_linear": PiecewiseLinearEmbedding(n_bins=4),
}


def _task(kind, n_samples=20):
    """``(estimator class, X, y, sample_weight)`` of a small problem."""
    X, y = estimator_data(n_samples, n_features=3)
    sample_weight = np.random.RandomState(1).uniform(0.5, 2.0, n_samples)
    if kind == "regressor":
        return BackpropRegressor, X, y, sample_weight
    n_classes = 2 if kind == "binary" else 3
    labels = np.digitize(y, np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return BackpropClassifier, X, labels, sample_weight


def _estimator(cls, embedding, **params):
    params = {"hidden_layer_sizes": (4,), "activation": "tanh", "alpha": 0.1, **params}
    embedding = embedding if isinstance(embedding, str) else clone(embedding)
    return cls(numeric_embedding=embedding, random_state=0, **params)


# -- gradients ----------------------------------------------------------------------


@pytest.mark.parametrize("name", EMBEDDINGS)
@pytest.mark.parametrize("kind", ["regressor", "binary", "multiclass"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(name, kind, weighted):
    cls, X, y, sample_weight = _task(kind)
    est = _estimator(cls, EMBEDDINGS[name])
    sample_weight = sample_weight if weighted else None
    assert check_gradients(est, X, y, sample_weight) < 1e-7  # initial weights
    est.set_params(max_iter=30, solver="lbfgs").fit(X, y, sample_weight)
    result = check_gradients(est, X, y, sample_weight)
    assert result < 1e-7
    # The embedding's parameters, the tail of theta, are among those checked.
    n_phi = est.network_.embedding.n_params
    if n_phi:
        assert not result.kinks[-n_phi:].all()
        assert np.abs(result.gradient[-n_phi:]).max() > 1e-6


def test_a_wrong_frequency_gradient_is_caught(monkeypatch):
    cls, X, y, _ = _task("regressor")
    est = _estimator(cls, EMBEDDINGS["periodic"])
    assert check_gradients(est, X, y) < 1e-7
    backward = PeriodicLayer.backward

    def wrong(self, phi, cache, delta, dphi):
        backward(self, phi, cache, delta, dphi)
        dphi[: self.n_inputs * self.k] *= 1.05  # dL/dc off by 5 %

    monkeypatch.setattr(PeriodicLayer, "backward", wrong)
    assert check_gradients(est, X, y) > 1e-5


def test_regularization_leaves_the_embedding_alone():
    """alpha's L2 term covers coefs_ only: dL/dphi does not depend on it."""
    _, X, y, _ = _task("regressor")
    grads = []
    for alpha in (0.0, 10.0):
        est = _estimator(BackpropRegressor, EMBEDDINGS["periodic"], alpha=alpha)
        objective, theta = est.get_objective(X, y)
        grads.append(objective(theta)[1])
    n_phi = (3 * 3) + 3 * (6 * 2) + 3 * 2
    assert_array_equal(grads[0][-n_phi:], grads[1][-n_phi:])
    assert not np.array_equal(grads[0][:-n_phi], grads[1][:-n_phi])


# -- the encodings --------------------------------------------------------------------


def _ple_reference(x, edges):
    """(E6), bin by bin, as the paper states it."""
    codes = []
    for t in range(1, len(edges)):
        r = (x - edges[t - 1]) / (edges[t] - edges[t - 1])
        if t > 1:
            r = np.maximum(r, 0)
        if t < len(edges) - 1:
            r = np.minimum(r, 1)
        codes.append(r)
    return np.column_stack(codes)


def test_piecewise_linear_codes_and_bins():
    rng = np.random.RandomState(0)
    # 49 rows: no quantile falls on a step of the CDF, where numpy's rounding
    # of q * n decides between averaging two values or taking the upper one.
    X = np.column_stack([rng.randn(49), rng.randint(0, 3, 49), np.full(49, 2.0)])
    layer = PiecewiseLinearEmbedding(n_bins=5).fit_layer(X)
    # Quantile edges of the training data, equal ones merged; a constant
    # feature gets one bin of width 1.
    q = np.linspace(0, 1, 6)
    quantile = functools.partial(np.quantile, q=q, method="averaged_inverted_cdf")
    assert_array_equal(layer.edges[0], quantile(X[:, 0]))
    assert_array_equal(layer.edges[1], np.unique(quantile(X[:, 1])))
    # Weighted: an integer weight counts as repeated rows.
    weights = rng.randint(0, 3, 49)
    weighted = PiecewiseLinearEmbedding(n_bins=5).fit_layer(X, weights)
    assert_array_equal(weighted.edges[0], quantile(np.repeat(X[:, 0], weights)))
    assert_array_equal(layer.edges[2], [2.0, 3.0])
    X_new = np.column_stack([np.linspace(-4, 4, 9), np.arange(-3.0, 6.0), np.ones(9)])
    codes, _ = layer.forward(np.empty(0), X_new)
    expected = np.column_stack(
        [_ple_reference(X_new[:, j], layer.edges[j]) for j in range(3)]
    )
    assert_allclose(codes, expected, rtol=1e-15, atol=1e-15)
    assert codes.shape[1] == layer.n_outputs == 5 + 2 + 1
    # Below the first edge the first code goes negative, above the last the
    # last code exceeds 1: the outer bins are open.
    assert codes[0, 0] < 0
    assert codes[-1, 4] > 1


def test_periodic_forward_matches_the_formula():
    X = np.random.RandomState(0).randn(5, 2)
    for lite in (False, True):
        spec = PeriodicEmbedding(n_frequencies=3, embedding_dim=4, lite=lite)
        layer = spec.fit_layer(X)
        phi = layer.initial_params(np.random.RandomState(0))
        a0, _ = layer.forward(phi, X)
        c, maps, beta = layer._unpack(phi)
        for j in range(2):
            p = 2 * np.pi * c[j] * X[:, j : j + 1]
            v = np.hstack([np.cos(p), np.sin(p)])
            L, b = (maps, beta) if lite else (maps[j], beta[j, 0])
            assert_allclose(a0[:, 4 * j : 4 * j + 4], np.maximum(v @ L + b, 0))
        # Truncated normal frequencies of scale 0.01.
        assert np.all(np.abs(c) <= 0.03)


@pytest.mark.parametrize("name", EMBEDDINGS)
def test_fitted_shapes_training_and_predict(name):
    cls, X, y, _ = _task("regressor", 60)
    est = _estimator(cls, EMBEDDINGS[name], max_iter=20).fit(X, y)
    layer = est.network_.embedding
    assert est.coefs_[0].shape == (layer.n_outputs, 4)
    assert est.theta_.size == est.network_.n_params
    assert est.predict(X).shape == (60,)
    # Sparse X is made dense: the same predictions.
    assert_allclose(est.predict(sp.csr_matrix(X)), est.predict(X), rtol=1e-12)
    if layer.n_params:  # the frequencies are trained
        initial = _estimator(cls, EMBEDDINGS[name]).get_objective(X, y)[1]
        n_c = 3 * 3
        start = est.theta_.size - layer.n_params
        assert not np.allclose(initial[start : start + n_c], est.theta_[start:][:n_c])


def test_float32_keeps_float32():
    cls, X, y, _ = _task("regressor", 40)
    est = _estimator(cls, EMBEDDINGS["periodic"], max_iter=5, solver="adam")
    est.fit(X.astype(np.float32), y)
    assert est.theta_.dtype == np.float32
    assert est.predict(X.astype(np.float32)).dtype == np.float32


def test_classifier_with_embedding_predicts_labels():
    cls, X, y, _ = _task("multiclass", 60)
    est = _estimator(cls, "periodic", max_iter=30).fit(X, y)
    assert est.predict_proba(X).shape == (60, 3)
    assert set(est.predict(X)) <= {0, 1, 2}


# -- fitted state, continuing, persistence --------------------------------------------


def test_partial_fit_fits_the_bins_on_the_first_batch():
    _, X, y, _ = _task("regressor", 60)
    est = BackpropRegressor((4,), numeric_embedding="piecewise_linear", random_state=0)
    est.partial_fit(X[:29], y[:29])  # 29 rows: no quantile on a CDF step
    layer = est.network_.embedding
    est.partial_fit(X[29:] * 3, y[29:])
    assert est.network_.embedding is layer
    q = np.linspace(0, 1, 49)
    expected = np.quantile(X[:29, 0], q, method="averaged_inverted_cdf")
    assert_array_equal(layer.edges[0], np.unique(expected))


def test_changed_embedding_refuses_to_continue():
    _, X, y, _ = _task("regressor", 30)
    est = BackpropRegressor((4,), max_iter=5, warm_start=True, random_state=0)
    est.set_params(numeric_embedding=PiecewiseLinearEmbedding(4)).fit(X, y)
    est.fit(X, y)  # the same embedding continues
    for other in (PiecewiseLinearEmbedding(5), "periodic", None):
        with pytest.raises(ValueError, match="needs the same embedding"):
            est.set_params(numeric_embedding=other).fit(X, y)
    est.set_params(warm_start=False).fit(X, y)  # a new fit starts anew
    assert est.network_.embedding is None


def test_spec_is_a_nested_parameter():
    _, X, y, _ = _task("regressor", 40)
    est = BackpropRegressor(numeric_embedding=PeriodicEmbedding(embedding_dim=3))
    assert est.get_params()["numeric_embedding__embedding_dim"] == 3
    copy = clone(est)
    assert copy.numeric_embedding is not est.numeric_embedding
    assert copy.numeric_embedding.get_params() == est.numeric_embedding.get_params()
    search = GridSearchCV(
        _estimator(BackpropRegressor, EMBEDDINGS["periodic"], max_iter=5),
        {"numeric_embedding__frequency_scale": [0.1, 1.0]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["numeric_embedding__frequency_scale"] in (0.1, 1.0)


@pytest.mark.parametrize("name", EMBEDDINGS)
def test_pickle_round_trip(name):
    _, X, y, _ = _task("regressor", 40)
    est = _estimator(BackpropRegressor, EMBEDDINGS[name], max_iter=5).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    assert_array_equal(again.predict(X), est.predict(X))
    again.set_params(warm_start=True).fit(X, y)  # and it continues


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (PeriodicEmbedding(n_frequencies=0), "n_frequencies"),
        (PeriodicEmbedding(frequency_scale=0.0), "frequency_scale"),
        (PeriodicEmbedding(embedding_dim=2.5), "embedding_dim"),
        (PiecewiseLinearEmbedding(n_bins=1), "n_bins"),
        ("fourier", "numeric_embedding"),
    ],
)
def test_bad_embedding_parameters(spec, match):
    _, X, y, _ = _task("regressor")
    with pytest.raises(InvalidParameterError, match=match):
        BackpropRegressor(numeric_embedding=spec).fit(X, y)


@needs_array_api
def test_array_api_input_is_refused():
    xp = pytest.importorskip("array_api_strict")
    _, X, y, _ = _task("regressor")
    est = BackpropRegressor(numeric_embedding="periodic")
    assert not est.__sklearn_tags__().array_api_support
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="numeric_embedding works on numpy"):
            est.fit(xp.asarray(X), xp.asarray(y))


# -- ONNX -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", EMBEDDINGS)
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_onnx_matches_predict(name, dtype, rtol):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from skmlp import to_onnx

    for kind in ("regressor", "multiclass"):
        cls, X, y, _ = _task(kind, 40)
        X = X.astype(dtype)
        est = _estimator(cls, EMBEDDINGS[name], max_iter=20).fit(X, y)
        options = {"zipmap": False} if kind != "regressor" else None
        onx = to_onnx(est, X, options=options)
        session = ort.InferenceSession(
            onx.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        outputs = session.run(None, {"X": X})
        expected = est.predict(X) if kind == "regressor" else est.predict_proba(X)
        got = outputs[0] if kind == "regressor" else outputs[1]
        assert_allclose(got, expected, rtol=0, atol=rtol * np.abs(expected).max())


def test_sparse_x_gives_the_dense_bins_and_fit():
    _, X, y, _ = _task("regressor", 40)
    X[X < 0] = 0  # sparse-ish
    for spec in (EMBEDDINGS["piecewise_linear"], EMBEDDINGS["periodic"]):
        dense = _estimator(BackpropRegressor, spec, max_iter=5).fit(X, y)
        sparse = _estimator(BackpropRegressor, spec, max_iter=5)
        sparse.fit(sp.csr_matrix(X), y)
        assert_allclose(sparse.theta_, dense.theta_, rtol=1e-12, atol=1e-15)


def test_network_checks_the_embedding_width():
    from skmlp._network import Network

    layer = EMBEDDINGS["periodic"].fit_layer(np.zeros((5, 3)))
    Network((6, 4, 1), ("relu", "identity"), embedding=layer)
    with pytest.raises(ValueError, match="gives 6 inputs"):
        Network((3, 4, 1), ("relu", "identity"), embedding=layer)
