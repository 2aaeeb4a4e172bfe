"""BackpropClassifier reaches MLPClassifier's weights, step for step.

For equal parameters and an integer ``random_state`` both estimators draw the
same initial weights, minibatches and early-stopping split (stratified for
binary targets only, as in scikit-learn 1.9), and apply the same updates, so
every fitted attribute agrees up to rounding; in float64 they are in practice
bit-identical. The deliberate differences (float32 kept by L-BFGS, the best
weights of a warm-start refit) are tested in ``test_classifier.py``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.neural_network import MLPClassifier

from skmlp import BackpropClassifier

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.mlp_reference,
]

#: Relative tolerance by dtype. float32 Adam rounds its step in float32 here
#: and in float64 in scikit-learn (a NumPy float64 learning rate promotes its
#: arrays), which moves float32 weights by a few ulps per step.
RTOL = {np.float64: 1e-10, np.float32: 1e-4}


def _data(kind, n_samples=80, seed=0, dtype=np.float64):
    if kind == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=n_samples, n_features=5, n_classes=3, random_state=seed
        )
        X = X / X.max()
    else:
        X, y = make_classification(
            n_samples=n_samples,
            n_features=5,
            n_informative=3,
            n_classes=2 if kind == "binary" else 3,
            random_state=seed,
        )
    if kind == "strings":
        y = np.array(["cat", "dog", "emu"], dtype=object)[y]
    sample_weight = np.random.RandomState(seed).uniform(0.5, 2.0, n_samples)
    return X.astype(dtype), y, sample_weight


def _close(actual, desired, rtol, what):
    desired = np.asarray(desired, dtype=np.float64)
    scale = max(np.abs(desired).max(initial=0.0), 1.0)
    assert_allclose(actual, desired, rtol=rtol, atol=rtol * 1e-2 * scale, err_msg=what)


def assert_same_fit(ours, theirs, X, rtol=1e-10):
    """Every fitted attribute MLPClassifier has agrees."""
    assert_array_equal(ours.classes_, theirs.classes_)
    for name in ("n_iter_", "n_outputs_", "n_layers_", "out_activation_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    for i, (a, b) in enumerate(zip(ours.coefs_, theirs.coefs_, strict=True)):
        _close(a, b, rtol, f"coefs_[{i}]")
    for i, (a, b) in enumerate(zip(ours.intercepts_, theirs.intercepts_, strict=True)):
        _close(a, b, rtol, f"intercepts_[{i}]")
    _close(ours.loss_, theirs.loss_, rtol, "loss_")
    if theirs.solver != "lbfgs":  # MLPClassifier keeps no curve for lbfgs
        _close(ours.loss_curve_, theirs.loss_curve_, rtol, "loss_curve_")
        assert ours.t_ == theirs.t_
        if theirs.early_stopping:
            assert ours.best_loss_ is None
            _close(ours.validation_scores_, theirs.validation_scores_, rtol, "val")
            assert ours.best_validation_score_ == theirs.best_validation_score_
        else:
            assert ours.validation_scores_ is theirs.validation_scores_ is None
            _close(ours.best_loss_, theirs.best_loss_, rtol, "best_loss_")
    _close(ours.predict_proba(X), theirs.predict_proba(X), rtol, "predict_proba")
    assert_array_equal(ours.predict(X), theirs.predict(X))


def _pair(**params):
    return BackpropClassifier(**params), MLPClassifier(**params)


BASE = {"hidden_layer_sizes": (6,), "random_state": 1, "learning_rate_init": 0.02}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "strings"])
def test_same_fit_as_mlpclassifier(kind, solver, dtype):
    if solver == "lbfgs" and dtype == np.float32:
        pytest.skip("MLPClassifier upcasts float32 with lbfgs: test_classifier.py")
    X, y, _ = _data(kind, dtype=dtype)
    ours, theirs = _pair(**BASE, solver=solver, activation="tanh", max_iter=20)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.coefs_[0].dtype == theirs.coefs_[0].dtype == dtype
    assert_same_fit(ours, theirs, X, RTOL[dtype])


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_same_fit_with_sample_weights_and_two_hidden_layers(kind, solver):
    X, y, sample_weight = _data(kind)
    params = dict(BASE, hidden_layer_sizes=(6, 4), solver=solver, alpha=0.05)
    ours, theirs = _pair(**params, activation="relu", max_iter=20)
    ours.fit(X, y, sample_weight=sample_weight)
    theirs.fit(X, y, sample_weight=sample_weight)
    assert_same_fit(ours, theirs, X)
    unweighted = BackpropClassifier(**params, max_iter=20).fit(X, y)
    assert not np.allclose(unweighted.coefs_[0], ours.coefs_[0])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "strings"])
def test_same_early_stopping(kind, solver):
    # Binary targets are split with stratification, the others at random: the
    # same validation sets give the same scores, epochs and best weights.
    X, y, sample_weight = _data(kind, n_samples=120)
    params = dict(BASE, solver=solver, early_stopping=True, n_iter_no_change=3)
    ours, theirs = _pair(**params, max_iter=60, validation_fraction=0.25)
    ours.fit(X, y, sample_weight=sample_weight)
    theirs.fit(X, y, sample_weight=sample_weight)
    assert_same_fit(ours, theirs, X)
    assert ours.n_iter_ < 60  # it did stop early


def test_binary_split_is_stratified_as_mlpclassifier():
    # 12 positives of 80: a random split would rarely keep the ratio.
    rng = np.random.RandomState(0)
    X = rng.randn(80, 3)
    y = np.r_[np.ones(12, int), np.zeros(68, int)]
    params = dict(BASE, early_stopping=True, validation_fraction=0.25, max_iter=5)
    ours, theirs = _pair(**params)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings"])
def test_same_partial_fit_sequence(kind, solver):
    X, y, sample_weight = _data(kind)
    classes = np.unique(y)
    ours, theirs = _pair(**BASE, solver=solver, batch_size=16)
    for start in range(0, 80, 20):
        rows = slice(start, start + 20)
        for est in (ours, theirs):
            est.partial_fit(
                X[rows], y[rows], sample_weight=sample_weight[rows], classes=classes
            )
    assert_same_fit(ours, theirs, X)


def test_same_partial_fit_multilabel():
    X, y, _ = _data("multilabel")
    ours, theirs = _pair(**BASE, solver="adam")
    for est in (ours, theirs):
        for _ in range(3):
            est.partial_fit(X, y, classes=[0, 1, 2])
    assert_same_fit(ours, theirs, X)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_same_warm_start(solver):
    X, y, _ = _data("multiclass")
    ours, theirs = _pair(**BASE, solver=solver, warm_start=True, max_iter=8)
    for est in (ours, theirs):
        est.fit(X, y)
        est.set_params(max_iter=5)
        est.fit(X, y)
    assert_same_fit(ours, theirs, X)


def test_same_fit_on_sparse_input():
    X, y, _ = _data("multiclass")
    ours, theirs = _pair(**BASE, solver="adam", max_iter=10)
    ours.fit(sp.csr_matrix(X), y)
    theirs.fit(sp.csr_matrix(X), y)
    assert_same_fit(ours, theirs, X)
