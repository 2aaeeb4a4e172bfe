"""to_onnx: onnxruntime's predictions match predict, in shape and value."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from _helpers import regression_data
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, QuantileTransformer, StandardScaler

from skmlp import BackpropRegressor, to_onnx
from skmlp._activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from skmlp._onnx import ONNX_ACTIVATIONS

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

# The tolerances, relative to the largest prediction.
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def _data(dtype, n_outputs=1):
    """The shared features (spread 2); as targets, three fixed functions of X.

    A square, a sine and a product, so that each ONNX output column has a
    shape of its own.
    """
    X = regression_data(120, 4, X_scale=2.0)[0]
    Y = np.c_[X[:, 0] ** 2, np.sin(2 * X[:, 1]), X[:, 2] * X[:, 3]][:, :n_outputs]
    return X.astype(dtype), Y.astype(dtype).squeeze()


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _onnx_predict(model, X):
    return _run(to_onnx(model, X), {"X": X})


def _run(onnx_model, inputs):
    session = ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (y,) = session.run(None, inputs)
    return y


def _assert_matches(y_onnx, y_pred, dtype):
    assert y_onnx.shape == y_pred.shape
    assert y_onnx.dtype == dtype
    error = np.max(np.abs(y_onnx.astype(np.float64) - y_pred))
    assert error <= RTOL[dtype] * np.max(np.abs(y_pred))


def test_every_activation_is_tested():
    # The softmax is BackpropClassifier's output (tests/test_classifier_onnx.py).
    assert set(HIDDEN_ACTIVATIONS) | {"exp", "softmax"} == set(ACTIVATIONS)
    # ... and every activation converts: a new one needs its ONNX graph too.
    assert set(ONNX_ACTIVATIONS) == set(ACTIVATIONS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_hidden_activation(activation, dtype):
    X, y = _data(dtype, n_outputs=3)
    # The same activation as hidden and output layer: both code paths.
    est = _fit(
        BackpropRegressor(
            (16, 8),
            activation,
            out_activation=activation,
            solver="lbfgs",
            max_iter=60,
            random_state=0,
        ),
        X,
        y,
    )
    assert est.network_.activations == (activation,) * 3
    assert est.theta_.dtype == dtype
    _assert_matches(_onnx_predict(est, X), est.predict(X), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_output_activation(dtype):
    X, y = _data(dtype)
    est = _fit(
        BackpropRegressor((8,), "tanh", loss="poisson", max_iter=30, random_state=0),
        X,
        np.abs(y),
    )
    assert est.network_.activations[-1] == "exp"
    _assert_matches(_onnx_predict(est, X), est.predict(X), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_far_from_zero(dtype):
    # Inputs that push hidden units well beyond float64 GELU's cutoff |z| = 9.
    X, y = _data(dtype)
    est = _fit(
        BackpropRegressor((8,), "gelu", solver="lbfgs", max_iter=30, random_state=0),
        X,
        y,
    )
    X_far = (X * 20).astype(dtype)
    _assert_matches(_onnx_predict(est, X_far), est.predict(X_far), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_output_shape_is_predict_shape(n_outputs, dtype):
    X, y = _data(dtype, n_outputs)
    est = _fit(BackpropRegressor((8,), max_iter=20, random_state=0), X, y)
    y_onnx = _onnx_predict(est, X)
    assert y_onnx.shape == ((120,) if n_outputs == 1 else (120, n_outputs))
    _assert_matches(y_onnx, est.predict(X), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_pipeline_with_standard_scaler(n_outputs, dtype):
    X, y = _data(dtype, n_outputs)
    X = (X * 30 + 5).astype(dtype)
    pipe = _fit(
        make_pipeline(
            StandardScaler(),
            BackpropRegressor((16,), "silu", max_iter=30, random_state=0),
        ),
        X,
        y,
    )
    _assert_matches(_onnx_predict(pipe, X), pipe.predict(X), dtype)


def test_float64_model_exported_for_float32_input():
    X, y = _data(np.float64)
    est = _fit(BackpropRegressor((8,), "tanh", max_iter=20, random_state=0), X, y)
    X32 = X.astype(np.float32)
    _assert_matches(_onnx_predict(est, X32), est.predict(X32), np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_older_target_opset(dtype):
    X, y = _data(dtype)
    est = _fit(
        BackpropRegressor(
            (8, 8),
            ["gelu", "softplus"],
            out_activation="elu",
            max_iter=5,
            random_state=0,
        ),
        X,
        y,
    )
    onx = to_onnx(est, X, target_opset=13)
    assert {op.version for op in onx.opset_import if op.domain == ""} == {13}
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    _assert_matches(session.run(None, {"X": X})[0], est.predict(X), dtype)


def test_unfitted_model_is_refused():
    X, _ = _data(np.float64)
    with pytest.raises(Exception, match="not fitted"):
        to_onnx(BackpropRegressor(), X)


def test_importing_skmlp_does_not_import_the_extras():
    code = (
        "import sys, skmlp; "
        "print(sorted(m for m in ('skl2onnx', 'onnx', 'onnxruntime', 'matplotlib') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_column_transformer_on_a_dataframe_with_initial_types():
    pd = pytest.importorskip("pandas")
    from skl2onnx.common.data_types import DoubleTensorType

    X, y = _data(np.float64)
    df = pd.DataFrame(X * [1, 10, 100, 1000], columns=["a", "b", "c", "d"])
    pipe = _fit(
        make_pipeline(
            ColumnTransformer(
                [("scale", StandardScaler(), ["a", "b", "c"])], remainder="drop"
            ),
            BackpropRegressor((8,), "tanh", max_iter=20, random_state=0),
        ),
        df,
        y,
    )
    initial_types = [(name, DoubleTensorType([None, 1])) for name in df.columns]
    onx = to_onnx(pipe, initial_types=initial_types)
    inputs = {name: df[[name]].to_numpy() for name in df.columns}
    _assert_matches(_run(onx, inputs), pipe.predict(df), np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize(
    "transformer",
    [StandardScaler(), StandardScaler(with_mean=False), MinMaxScaler((-1, 2)), None],
)
def test_transformed_target_regressor_in_a_pipeline(transformer, n_outputs, dtype):
    X, y = _data(dtype, n_outputs)
    ttr = TransformedTargetRegressor(
        BackpropRegressor((8,), "tanh", max_iter=20, random_state=0),
        transformer=transformer,
    )
    pipe = _fit(make_pipeline(StandardScaler(), ttr), X, y * 50 + 300)
    y_onnx = _onnx_predict(pipe, X)
    y_pred = pipe.predict(X)
    _assert_matches(y_onnx, y_pred, dtype)
    if dtype == np.float64:
        # The inverse transform is numpy's operations in numpy's order.
        raw = _onnx_predict(make_pipeline(pipe[0], ttr.regressor_), X)
        expected = ttr.transformer_.inverse_transform(raw.reshape(len(X), -1))
        np.testing.assert_array_equal(y_onnx, expected.reshape(y_onnx.shape))


def test_transformed_target_regressor_alone():
    X, y = _data(np.float64)
    ttr = _fit(
        TransformedTargetRegressor(
            BackpropRegressor((8,), max_iter=20, random_state=0),
            transformer=MinMaxScaler(),
        ),
        X,
        y,
    )
    _assert_matches(_onnx_predict(ttr, X), ttr.predict(X), np.float64)


@pytest.mark.parametrize(
    "ttr",
    [
        TransformedTargetRegressor(
            BackpropRegressor((4,), max_iter=5, random_state=0),
            transformer=QuantileTransformer(n_quantiles=10),
        ),
        TransformedTargetRegressor(
            BackpropRegressor((4,), max_iter=5, random_state=0),
            func=np.log1p,
            inverse_func=np.expm1,
        ),
    ],
)
def test_nonlinear_target_transformer_is_refused_clearly(ttr):
    X, y = _data(np.float64)
    pipe = _fit(make_pipeline(StandardScaler(), ttr), X, np.abs(y))
    with pytest.raises(NotImplementedError, match="only with a linear target"):
        to_onnx(pipe, X)


def test_x_sample_or_initial_types():
    X, y = _data(np.float64)
    est = _fit(BackpropRegressor((4,), max_iter=5, random_state=0), X, y)
    with pytest.raises(ValueError, match="either X_sample or initial_types"):
        to_onnx(est)


@pytest.mark.parametrize("missing", ["skl2onnx", "onnx"])
def test_missing_extra_names_it(monkeypatch, missing):
    X, y = _data(np.float64)
    est = _fit(BackpropRegressor((4,), max_iter=5, random_state=0), X, y)
    # None in sys.modules makes "import <missing>" raise ImportError.
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(ImportError, match=r"'onnx' extra.*\.\[onnx\]") as info:
        to_onnx(est, X)
    assert f"requires {missing}" in str(info.value)
    assert not isinstance(info.value, ModuleNotFoundError)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_standardize_y(n_outputs, dtype):
    X, y = _data(dtype, n_outputs)
    y = (y * 50 + 300).astype(dtype)  # far from unit scale: the scaler matters
    est = BackpropRegressor(
        (8,), standardize_y=True, learning_rate_init=0.01, max_iter=200, random_state=0
    )
    est = _fit(est, X, y)
    y_pred = est.predict(X)
    assert y_pred.dtype == dtype
    # On the wrong scale R² would be far below 0 (-2.3 unscaled, 1 output).
    assert est.score(X, y) > 0.25
    _assert_matches(_onnx_predict(est, X), y_pred, dtype)
