"""to_onnx for BackpropClassifier: skl2onnx's classifier outputs, run by onnxruntime.

The labels must equal ``predict``'s and the probabilities ``predict_proba``'s
within the tolerances of tests/test_onnx.py, for binary, multiclass and
multilabel targets, integer, boolean and string labels, alone and in a
Pipeline. The multiclass cases test the ONNX ``softmax`` activation.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropClassifier, to_onnx

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

# The regressor's tolerances (tests/test_onnx.py); probabilities are at most 1.
ATOL = {np.float32: 1e-5, np.float64: 1e-12}
NO_ZIPMAP = {"zipmap": False}


def _classes(n_classes):
    X, y = make_classification(
        150, 6, n_informative=4, n_classes=n_classes, random_state=0
    )
    return X * 3 + 1, y  # off unit scale, for the Pipeline's scaler


def _targets():
    """(id, X, y): every target type and label dtype the converter handles."""
    X, y2 = _classes(2)
    X3, y3 = _classes(3)
    Xm, Ym = make_multilabel_classification(150, 6, n_classes=3, random_state=0)
    return {
        "binary-int": (X, y2),
        "binary-str": (X, np.array(["no", "yes"])[y2]),
        "binary-bool": (X, y2 == 1),
        "multiclass-int": (X3, np.array([5, -7, 9])[y3]),
        "multiclass-str": (X3, np.array(["a", "bb", "ccc"])[y3]),
        "multiclass-whole-floats": (X3, y3 * 2.0),
        "multilabel-3": (Xm, Ym),
        # skl2onnx's MLPClassifier converter gives 4 columns for 2 labels.
        "multilabel-2": (Xm, Ym[:, :2]),
    }


TARGETS = _targets()


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _session(onnx_model):
    return ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def _run(model, X, options=NO_ZIPMAP):
    session = _session(to_onnx(model, X, options=options))
    return session, session.run(None, {"X": X})


def _assert_matches(model, X, label, proba):
    dtype = X.dtype.type
    np.testing.assert_array_equal(label, model.predict(X))
    expected = model.predict_proba(X)
    assert proba.shape == expected.shape
    assert proba.dtype == dtype
    np.testing.assert_allclose(proba, expected, rtol=0, atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("target", TARGETS, ids=list(TARGETS))
def test_labels_and_probabilities(target, dtype):
    X, y = TARGETS[target]
    X = X.astype(dtype)
    est = _fit(
        BackpropClassifier((8, 6), ["tanh", "gelu"], max_iter=60, random_state=0),
        X,
        y,
    )
    assert est.theta_.dtype == dtype
    session, (label, proba) = _run(est, X)
    outputs = session.get_outputs()
    assert [o.name for o in outputs] == ["label", "probabilities"]
    multilabel = target.startswith("multilabel")
    assert label.shape == ((len(X), y.shape[1]) if multilabel else (len(X),))
    string_labels = target.endswith("str")
    assert outputs[0].type == ("tensor(string)" if string_labels else "tensor(int64)")
    # The declared shapes are the returned ones.
    assert len(outputs[0].shape) == label.ndim
    assert outputs[1].shape[1] == proba.shape[1]
    _assert_matches(est, X, label, proba)


@pytest.mark.parametrize("target", ["binary-str", "multiclass-int", "multilabel-3"])
def test_softmax_and_logistic_outputs(target):
    X, y = TARGETS[target]
    est = _fit(BackpropClassifier((8,), max_iter=30, random_state=0), X, y)
    expected = "softmax" if target.startswith("multiclass") else "logistic"
    assert est.network_.activations[-1] == expected
    _assert_matches(est, X, *_run(est, X)[1])


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_sharp_probabilities(solver):
    # Large weights: probabilities at 0 and 1, where 1 - p and the softmax's
    # exponentials lose the most.
    X, y = TARGETS["multiclass-int"]
    est = _fit(
        BackpropClassifier((16,), solver=solver, alpha=0, max_iter=400, random_state=0),
        X,
        y,
    )
    for X_typed in (X, X.astype(np.float32)):
        _assert_matches(est, X_typed, *_run(est, X_typed)[1])


@pytest.mark.parametrize("target", ["binary-bool", "multiclass-str", "multilabel-3"])
def test_default_zipmap(target):
    X, y = TARGETS[target]
    X = X.astype(np.float32)
    est = _fit(BackpropClassifier((8,), max_iter=30, random_state=0), X, y)
    session, (label, rows) = _run(est, X, options=None)
    assert [o.name for o in session.get_outputs()] == [
        "output_label",
        "output_probability",
    ]
    np.testing.assert_array_equal(label, est.predict(X))
    # One {label: probability} dict per row, keyed by classes_ (the label
    # indices of a multilabel target).
    keys = est.classes_.astype(int) if est.classes_.dtype == bool else est.classes_
    assert all(list(row) == list(keys) for row in rows)
    proba = np.array([list(row.values()) for row in rows])
    np.testing.assert_allclose(proba, est.predict_proba(X), atol=ATOL[np.float32])


def test_zipmap_of_float64_is_refused_clearly():
    X, y = TARGETS["multiclass-int"]
    est = _fit(BackpropClassifier((4,), max_iter=5, random_state=0), X, y)
    # skl2onnx would write a model that onnxruntime refuses to load.
    with pytest.raises(ValueError, match=r"float32.*options=\{'zipmap': False\}"):
        to_onnx(est, X)


@pytest.mark.parametrize(
    "options",
    [
        {BackpropClassifier: NO_ZIPMAP},
        {"backpropclassifier__zipmap": False},
    ],
    ids=["by-class", "by-step-name"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("target", ["binary-str", "multiclass-int", "multilabel-2"])
def test_pipeline_with_standard_scaler(target, dtype, options):
    X, y = TARGETS[target]
    X = X.astype(dtype)
    pipe = _fit(
        make_pipeline(
            StandardScaler(), BackpropClassifier((8,), max_iter=40, random_state=0)
        ),
        X,
        y,
    )
    _assert_matches(pipe, X, *_run(pipe, X, options=options)[1])


def test_float64_model_with_float32_input():
    X, y = TARGETS["multiclass-str"]
    est = _fit(BackpropClassifier((8,), max_iter=30, random_state=0), X, y)
    X32 = X.astype(np.float32)
    _assert_matches(est, X32, *_run(est, X32)[1])


def test_nocl_outputs_class_indices():
    X, y = TARGETS["multiclass-str"]
    est = _fit(BackpropClassifier((8,), max_iter=30, random_state=0), X, y)
    _, (label, proba) = _run(est, X, options={"zipmap": False, "nocl": True})
    np.testing.assert_array_equal(est.classes_[label], est.predict(X))
    np.testing.assert_allclose(proba, est.predict_proba(X), atol=ATOL[np.float64])


def test_output_class_labels():
    X, y = TARGETS["binary-str"]
    est = _fit(BackpropClassifier((8,), max_iter=30, random_state=0), X, y)
    options = {"zipmap": False, "output_class_labels": True}
    _, (label, _, class_labels) = _run(est, X, options=options)
    np.testing.assert_array_equal(label, est.predict(X))
    np.testing.assert_array_equal(class_labels, est.classes_)


def test_unfitted_classifier_is_refused():
    X, _ = TARGETS["binary-int"]
    with pytest.raises(Exception, match="not fitted"):
        to_onnx(BackpropClassifier(), X, options=NO_ZIPMAP)
