"""BackpropClassifier: behaviour, errors, deviations from MLPClassifier, gradients.

The tests marked "ported" are scikit-learn's own MLPClassifier tests, from
``sklearn/neural_network/tests/test_mlp.py`` of scikit-learn 1.9.1
(BSD-3-Clause, the scikit-learn developers), run through the public API:
tests that read MLPClassifier's private ``_optimizer`` or
``_no_improvement_count`` check the same behaviour through fitted attributes.
"""

import re
import warnings

import numpy as np
import pytest
from _helpers import numeric_grad, relative_error
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import MinMaxScaler

from skmlp import BackpropClassifier, check_gradients
from skmlp._activations import ACTIVATIONS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ACTIVATION_TYPES = ["identity", "logistic", "tanh", "relu"]

_X, _y = load_digits(n_class=3, return_X_y=True)
X_MULTI, Y_MULTI = MinMaxScaler().fit_transform(_X[:200]), _y[:200]
_X, _y = load_digits(n_class=2, return_X_y=True)
X_BINARY, Y_BINARY = MinMaxScaler().fit_transform(_X[:200]), _y[:200]
CLASSIFICATION = [(X_MULTI, Y_MULTI), (X_BINARY, Y_BINARY)]
X_IRIS, Y_IRIS = load_iris(return_X_y=True)


# -- ported from scikit-learn's test_mlp.py ------------------------------------


def test_alpha():  # ported
    X, y = X_BINARY[:100], Y_BINARY[:100]
    sums = []
    for alpha in (0, 1):
        mlp = BackpropClassifier(hidden_layer_sizes=10, alpha=alpha, random_state=1)
        mlp.fit(X, y)
        sums.append([np.abs(mlp.coefs_[0]).sum(), np.abs(mlp.coefs_[1]).sum()])
    assert (np.array(sums[0]) > np.array(sums[1])).all()


@pytest.mark.parametrize(("X", "y"), CLASSIFICATION)
def test_lbfgs_classification(X, y):  # ported
    for activation in ACTIVATION_TYPES:
        mlp = BackpropClassifier(
            solver="lbfgs",
            hidden_layer_sizes=50,
            max_iter=150,
            random_state=1,
            activation=activation,
        )
        mlp.fit(X[:150], y[:150])
        y_predict = mlp.predict(X[150:])
        assert mlp.score(X[:150], y[:150]) > 0.95
        assert y_predict.shape == (X.shape[0] - 150,)
        assert y_predict.dtype.kind == y.dtype.kind


def test_lbfgs_classification_maxfun():  # ported
    for activation in ACTIVATION_TYPES:
        mlp = BackpropClassifier(
            solver="lbfgs", hidden_layer_sizes=50, max_fun=10, activation=activation
        )
        with pytest.warns(ConvergenceWarning):
            mlp.set_params(random_state=1).fit(X_MULTI, Y_MULTI)
        assert mlp.n_iter_ <= 10


def test_multilabel_classification():  # ported
    X, y = make_multilabel_classification(
        n_samples=50, random_state=0, return_indicator=True
    )
    params = {"hidden_layer_sizes": 50, "alpha": 1e-5, "random_state": 0}
    mlp = BackpropClassifier(
        solver="lbfgs", max_iter=150, activation="logistic", **params
    )
    assert mlp.fit(X, y).score(X, y) > 0.97
    mlp = BackpropClassifier(
        solver="sgd", activation="logistic", learning_rate_init=0.2, **params
    )
    for _ in range(100):
        mlp.partial_fit(X, y, classes=[0, 1, 2, 3, 4])
    assert mlp.score(X, y) > 0.9
    # Early stopping splits multilabel targets without stratification.
    BackpropClassifier(early_stopping=True).fit(X, y).predict(X)


def test_partial_fit_classes_error():  # ported
    clf = BackpropClassifier(solver="sgd")
    clf.partial_fit([[3, 2]], [0], classes=[0, 1])
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit([[3, 2]], [0], classes=[1, 2])


def test_partial_fit_classification():  # ported
    for X, y in CLASSIFICATION:
        params = {
            "solver": "sgd",
            "random_state": 1,
            "alpha": 1e-5,
            "learning_rate_init": 0.2,
        }
        mlp = BackpropClassifier(max_iter=100, tol=0, **params).fit(X, y)
        pred1 = mlp.predict(X)
        mlp = BackpropClassifier(**params)
        for _ in range(100):
            mlp.partial_fit(X, y, classes=np.unique(y))
        assert_array_equal(pred1, mlp.predict(X))
        assert mlp.score(X, y) > 0.95


def test_partial_fit_unseen_classes():  # ported
    clf = BackpropClassifier(random_state=0)
    clf.partial_fit([[1], [2], [3]], ["a", "b", "c"], classes=["a", "b", "c", "d"])
    clf.partial_fit([[4]], ["d"])
    assert clf.score([[1], [2], [3], [4]], ["a", "b", "c", "d"]) > 0


@pytest.mark.parametrize(
    ("classes", "unknown"),
    [([2, 5, 9], [1, 3, 10]), (["b", "d", "f"], ["a", "c", "g"]), ([1.0, 4.0], [3.0])],
    ids=["int", "str", "float"],
)
def test_labels_between_and_beyond_the_classes_are_unknown(classes, unknown):
    # Labels are encoded by their sorted position among classes_: a label
    # before, between or after the classes must still be refused.
    X = np.arange(len(classes), dtype=float)[:, np.newaxis]
    clf = BackpropClassifier((3,), random_state=0).partial_fit(
        X, classes, classes=classes
    )
    for label in unknown:
        with pytest.raises(ValueError, match=r"has classes not in `self\.classes_`"):
            clf.partial_fit(X[:1], np.array([label]))
    fitted = BackpropClassifier((3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(X, classes).set_params(warm_start=True).fit(X, classes[::-1])
    with pytest.raises(ValueError, match=r"has classes not in `self\.classes_`"):
        fitted.fit(X[:2], np.array(unknown[:1] * 2))


def test_partial_fit_errors():  # ported
    with pytest.raises(ValueError, match="only one class"):
        BackpropClassifier(solver="sgd").partial_fit(
            [[3, 2], [1, 6]], [1, 0], classes=[2]
        )
    assert not hasattr(BackpropClassifier(solver="lbfgs"), "partial_fit")


@pytest.mark.parametrize(
    ("X", "y", "n_classes"),
    [(X_BINARY[:50], Y_BINARY[:50], 2), (X_MULTI[:10], Y_MULTI[:10], 3)],
)
def test_predict_proba(X, y, n_classes):  # ported, binary and multiclass
    clf = BackpropClassifier(hidden_layer_sizes=5, activation="logistic")
    clf.set_params(random_state=1).fit(X, y)
    y_proba, y_log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert y_proba.shape == (X.shape[0], n_classes)
    assert_allclose(y_proba.sum(axis=1), 1)
    assert_array_equal(y_proba.argmax(axis=1), y_log_proba.argmax(axis=1))
    assert_allclose(y_log_proba, np.log(y_proba))
    if n_classes == 2:
        assert roc_auc_score(y, y_proba[:, 1]) == 1.0


def test_predict_proba_multilabel():  # ported
    X, Y = make_multilabel_classification(
        n_samples=50, random_state=0, return_indicator=True
    )
    clf = BackpropClassifier(solver="lbfgs", hidden_layer_sizes=30, random_state=0)
    y_proba = clf.fit(X, Y).predict_proba(X)
    assert y_proba.shape == Y.shape
    assert_array_equal(y_proba > 0.5, Y)
    assert (y_proba.sum(1) - 1).dot(y_proba.sum(1) - 1) > 1e-10  # not a softmax
    assert_allclose(clf.predict_log_proba(X), np.log(y_proba))
    assert clf.out_activation_ == "logistic"


def test_sparse_matrices():  # ported
    import scipy.sparse as sp

    X, y = X_BINARY[:50], Y_BINARY[:50]
    mlp = BackpropClassifier(solver="lbfgs", hidden_layer_sizes=15, random_state=1)
    pred1 = mlp.fit(X, y).predict(X)
    pred2 = mlp.fit(sp.csr_matrix(X), y).predict(sp.csr_matrix(X))
    assert_array_equal(pred1, pred2)


def test_tolerance_and_adaptive_learning_rate():  # ported
    X, y = [[3, 2], [1, 6]], [1, 0]
    clf = BackpropClassifier(tol=0.5, max_iter=3000, solver="sgd").fit(X, y)
    assert clf.max_iter > clf.n_iter_
    clf = BackpropClassifier(
        tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive"
    ).fit(X, y)
    assert clf.max_iter > clf.n_iter_


def test_verbose_sgd(capsys):  # ported
    X, y = [[3, 2], [1, 6]], [1, 0]
    # scikit-learn's test passes verbose=10; here verbose >= 2 prints the
    # per-epoch table instead (documented on the migrating page).
    clf = BackpropClassifier(
        solver="sgd", max_iter=2, verbose=True, hidden_layer_sizes=2
    )
    clf.fit(X, y)
    clf.partial_fit(X, y)
    assert "Iteration" in capsys.readouterr().out


def test_early_stopping():  # ported
    X, y, tol = X_BINARY[:100], Y_BINARY[:100], 0.2
    clf = BackpropClassifier(tol=tol, max_iter=3000, solver="sgd", early_stopping=True)
    clf.fit(X, y)
    assert clf.max_iter > clf.n_iter_
    assert clf.best_loss_ is None
    scores, best = clf.validation_scores_, clf.best_validation_score_
    assert max(scores) == best
    assert best + tol > scores[-2]
    assert best + tol > scores[-1]
    clf = BackpropClassifier(tol=tol, max_iter=3000, solver="sgd").fit(X, y)
    assert clf.validation_scores_ is None
    assert clf.best_validation_score_ is None
    assert clf.best_loss_ is not None


def test_warm_start():  # ported; a subset of the classes is allowed here
    y_3classes = np.array([0] * 40 + [1] * 40 + [2] * 70)
    params = {
        "hidden_layer_sizes": 2,
        "solver": "lbfgs",
        "warm_start": True,
        "tol": 1e-2,
    }
    clf = BackpropClassifier(random_state=42, **params).fit(X_IRIS, Y_IRIS)
    clf.fit(X_IRIS, Y_IRIS)
    clf.fit(X_IRIS, y_3classes)
    clf.fit(X_IRIS, np.array([0] * 75 + [1] * 75))  # MLPClassifier raises
    for y_i in (np.array([0] * 50 + [1] * 50 + [3] * 50), np.arange(150) % 5):
        clf = BackpropClassifier(random_state=42, **params).fit(X_IRIS, Y_IRIS)
        with pytest.raises(ValueError, match=re.escape("not in `self.classes_`")):
            clf.fit(X_IRIS, y_i)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_warm_start_full_iteration_and_no_convergence(solver):  # ported
    model = BackpropClassifier(
        solver=solver, warm_start=True, max_iter=10, n_iter_no_change=np.inf
    )
    with pytest.warns(ConvergenceWarning):
        model.set_params(random_state=0).fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 10
    model.set_params(max_iter=20)
    with pytest.warns(ConvergenceWarning):
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 20


def test_n_iter_no_change():  # ported
    X, y = X_BINARY[:100], Y_BINARY[:100]
    for n_iter_no_change in [2, 5, 10]:
        clf = BackpropClassifier(
            tol=0.01, max_iter=3000, solver="sgd", n_iter_no_change=n_iter_no_change
        ).fit(X, y)
        assert clf.n_iter_ < 3000
        # Each of the last n_iter_no_change + 1 epochs missed the best by tol.
        window = clf.loss_curve_[-(n_iter_no_change + 1) :]
        assert all(loss > clf.best_loss_ - 0.01 for loss in window)


def test_early_stopping_stratified():  # ported
    # 20 samples, not scikit-learn's 4: our size check comes first for 4.
    mlp = BackpropClassifier(early_stopping=True)
    with pytest.raises(ValueError, match="least populated class"):
        mlp.fit(np.arange(40.0).reshape(20, 2), [0] * 19 + [1])


def test_early_stopping_string_labels():  # ported
    rng = np.random.RandomState(42)
    X = rng.randn(200, 10)
    y = np.array(["class_a", "class_b", "class_c"], dtype=object)[
        rng.randint(3, size=200)
    ]
    mlp = BackpropClassifier(early_stopping=True, max_iter=50, random_state=42)
    mlp.fit(X, y)
    assert len(mlp.validation_scores_) == mlp.n_iter_
    assert np.isfinite(mlp.validation_scores_).all()


def test_dtypes_casting():  # ported
    X, y = load_digits(return_X_y=True)
    params = {"alpha": 1e-5, "hidden_layer_sizes": (5, 3), "max_iter": 100, "tol": 1e-1}
    mlp_64 = BackpropClassifier(random_state=1, **params).fit(X[:300], y[:300])
    mlp_32 = BackpropClassifier(random_state=1, **params)
    mlp_32.fit(X[:300].astype(np.float32), y[:300])
    X_test = X[300:].astype(np.float32)
    assert_array_equal(mlp_64.predict(X[300:]), mlp_32.predict(X_test))
    assert_allclose(mlp_64.predict_proba(X[300:]), mlp_32.predict_proba(X_test), 1e-2)
    assert mlp_32.predict_proba(X_test).dtype == np.float32


def test_partial_fit_after_fit_with_early_stopping():  # ported
    mlp = BackpropClassifier(early_stopping=True, random_state=0).fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        mlp.partial_fit(X_IRIS, Y_IRIS)


def test_preserve_feature_names():  # ported
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(10, 2), columns=["colname_a", "colname_b"])
    y = pd.Series(np.arange(10) % 2, name="colname_y")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        BackpropClassifier(early_stopping=True, validation_fraction=0.2).fit(X, y)


# -- targets and errors --------------------------------------------------------


def test_targets_choose_the_output_layer():
    X = X_IRIS
    for y, n_outputs, activation in [
        (Y_IRIS == 0, 1, "logistic"),
        (Y_IRIS, 3, "softmax"),
        (np.c_[Y_IRIS == 0, Y_IRIS == 1], 2, "logistic"),
    ]:
        clf = BackpropClassifier((4,), solver="lbfgs", max_iter=5).fit(X, y)
        assert (clf.n_outputs_, clf.out_activation_) == (n_outputs, activation)
        assert clf.predict(X).shape == np.shape(y)
        assert clf.predict_proba(X).shape == (150, max(2, n_outputs))


def test_string_labels_round_trip():
    y = np.array(["setosa", "versicolor", "virginica"])[Y_IRIS]
    clf = BackpropClassifier((8,), solver="lbfgs", random_state=0).fit(X_IRIS, y)
    assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert clf.score(X_IRIS, y) > 0.9
    assert set(clf.predict(X_IRIS)) <= set(clf.classes_)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_single_class_is_a_clear_error(solver):
    with pytest.raises(ValueError, match=r"at least 2 classes.*only one class: 'a'"):
        BackpropClassifier(solver=solver).fit(X_IRIS[:5], ["a"] * 5)


def test_regression_target_is_an_error():
    # scikit-learn's words for what is wrong, not LabelBinarizer's list of
    # the target's values.
    with pytest.raises(ValueError, match=r"Unknown label type: continuous\. Maybe"):
        BackpropClassifier().fit(X_IRIS, X_IRIS[:, 0])


def test_many_classes_warn_as_little_as_mlpclassifier():
    # MLPClassifier 1.9 does not warn of a target with more classes than
    # half the samples (check_classification_targets' warning); neither do we.
    X, y = X_IRIS[:40], np.arange(40) % 30
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        BackpropClassifier((4,), solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
        MLPClassifier((4,), solver="lbfgs", max_iter=5, random_state=0).fit(X, y)


def test_partial_fit_needs_classes_first():
    clf = BackpropClassifier(solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X_IRIS, Y_IRIS)
    assert not hasattr(clf, "classes_")
    with pytest.raises(ValueError, match=r"not in `self\.classes_`"):
        clf.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1])
    assert not hasattr(clf, "classes_")  # the failed first call left nothing
    clf.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    theta = clf.theta_.copy()
    with pytest.raises(ValueError, match=r"'y' has \[0 1 2 7\], of which \[7\]"):
        clf.partial_fit(X_IRIS[:4], [0, 1, 2, 7])
    assert_array_equal(clf.theta_, theta)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_an_error(bad):
    X = X_IRIS.copy()
    X[3, 1] = bad
    with pytest.raises(ValueError, match="Input X contains"):
        BackpropClassifier().fit(X, Y_IRIS)
    clf = BackpropClassifier(solver="lbfgs", max_iter=5).fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="Input X contains"):
        clf.predict_proba(X)


def test_divergence_raises_and_rolls_back():
    clf = BackpropClassifier((8,), solver="sgd", random_state=0, max_iter=3)
    clf.fit(X_IRIS, Y_IRIS)
    before = clf.theta_.copy()
    clf.set_params(learning_rate_init=1e6, warm_start=True, max_iter=50)
    with pytest.raises(ValueError, match="learning_rate_init"):
        clf.fit(1e3 * X_IRIS, Y_IRIS)
    assert_array_equal(clf.theta_, before)
    assert len(clf.loss_curve_) == 3


def test_lbfgs_keeps_float32():  # MLPClassifier returns float64 weights
    X = X_IRIS.astype(np.float32)
    ours = BackpropClassifier((5,), solver="lbfgs", random_state=0, max_iter=20)
    theirs = MLPClassifier((5,), solver="lbfgs", random_state=0, max_iter=20)
    ours.fit(X, Y_IRIS)
    theirs.fit(X, Y_IRIS)
    assert ours.coefs_[0].dtype == np.float32
    assert theirs.coefs_[0].dtype == np.float64
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-3)


def test_warm_start_early_stopping_keeps_the_best_weights():
    # MLPClassifier keeps the final weights when the refit never improves.
    params = {"early_stopping": True, "warm_start": True, "n_iter_no_change": 2}
    clf = BackpropClassifier((8,), random_state=0, max_iter=30, **params)
    clf.fit(X_IRIS, Y_IRIS)
    first_best = clf.best_validation_score_
    clf.set_params(learning_rate_init=0.5, max_iter=5)  # too large: no progress
    clf.fit(X_IRIS, Y_IRIS)
    assert clf.best_validation_score_ >= first_best


def test_get_objective_does_not_change_the_estimator():
    clf = BackpropClassifier((4,), random_state=0)
    clf.get_objective(X_IRIS, Y_IRIS)
    assert "classes_" not in vars(clf)
    assert "_label_binarizer" not in vars(clf)
    clf.set_params(solver="lbfgs", max_iter=5).fit(X_IRIS, Y_IRIS)
    classes = clf.classes_
    clf.get_objective(X_IRIS, Y_IRIS == 0)
    assert clf.classes_ is classes


# -- gradients -------------------------------------------------------------------


def _targets(kind, rng):
    labels = rng.randint(3, size=30)
    return {
        "binary": labels == 0,
        "multiclass": labels,
        "multilabel": rng.randint(2, size=(30, 4)),
    }[kind]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_gradient_matches_finite_differences(kind, weighted):
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4)
    y = _targets(kind, rng)
    sample_weight = rng.uniform(0.5, 2.0, 30) if weighted else None
    clf = BackpropClassifier((5, 3), "tanh", alpha=0.1, random_state=0)
    objective, theta = clf.get_objective(X, y, sample_weight)
    _loss, grad = objective(theta)
    numeric = numeric_grad(lambda t: objective(t)[0], theta)
    assert relative_error(grad, numeric) < 1e-7
    assert check_gradients(clf, X, y, sample_weight) < 1e-6


def test_loss_is_mlpclassifiers():
    from sklearn.neural_network._base import binary_log_loss, log_loss

    rng = np.random.RandomState(0)
    X = rng.randn(30, 4)
    for kind, reference in [("multiclass", log_loss), ("multilabel", binary_log_loss)]:
        y = _targets(kind, rng)
        clf = BackpropClassifier((5,), solver="lbfgs", alpha=0, max_iter=3).fit(X, y)
        y_prob = clf.predict_proba(X)
        y_bin = clf._label_binarizer.transform(y).astype(bool)
        objective, theta = clf.get_objective(X, y)
        assert objective(theta)[0] == pytest.approx(reference(y_bin, y_prob), 1e-12)


def test_softmax_backward_refuses():
    softmax = ACTIVATIONS["softmax"]
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    a = softmax.forward(z, np.empty_like(z))
    assert_allclose(a.sum(axis=1), 1)
    assert np.isfinite(a).all()
    with pytest.raises(ValueError, match=r"only used .* with its canonical"):
        softmax.backward(np.ones_like(a), z, a)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_is_scikit_learns_to_the_bit(dtype):
    from sklearn.neural_network._base import inplace_softmax

    rng = np.random.RandomState(0)
    for n_classes in (3, 10, 257):
        z = (rng.randn(50, n_classes) * 30).astype(dtype)
        z[0, :] = 0.0  # ties, and a maximum of zero
        expected = z.copy()
        inplace_softmax(expected)
        softmax = ACTIVATIONS["softmax"].forward
        assert_array_equal(softmax(z, np.empty_like(z)), expected)
        assert_array_equal(softmax(z, z), expected)  # in place
