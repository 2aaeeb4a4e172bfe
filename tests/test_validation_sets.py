"""Validation sets in pipelines: standardize_y, off-scale warnings, best weights.

What a new user hits when ``X_val``/``y_val`` are routed to the last step of a
Pipeline: the earlier steps do not transform ``X_val``, and a
TransformedTargetRegressor does not transform ``y_val``.
"""

import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor, to_onnx

OFF_SCALE = "on another scale than the training data"


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


def _quiet_fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


# -- standardize_y ------------------------------------------------------------------


def test_standardize_y_equals_training_on_the_standardised_target():
    X, y = make_regression(n_samples=80, n_features=4, noise=1.0, random_state=0)
    y = 1000 + 50 * y
    params = {"hidden_layer_sizes": (8,), "max_iter": 20, "random_state": 0}
    ours = _quiet_fit(BackpropRegressor(standardize_y=True, **params), X, y)
    scaler = StandardScaler().fit(y[:, None])
    by_hand = _quiet_fit(
        BackpropRegressor(**params), X, scaler.transform(y[:, None]).ravel()
    )
    np.testing.assert_array_equal(ours.theta_, by_hand.theta_)
    assert ours.loss_curve_ == by_hand.loss_curve_
    expected = scaler.inverse_transform(by_hand.predict(X)[:, None]).ravel()
    np.testing.assert_array_equal(ours.predict(X), expected)
    np.testing.assert_array_equal(ours.target_scaler_.mean_, scaler.mean_)


def test_standardize_y_scales_y_val_too_where_ttr_does_not():
    X_train, X_test, y_train, y_test = _diabetes()
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_train, y_train, test_size=0.2, random_state=0
    )
    scaler = StandardScaler().fit(X_fit)
    X_fit, X_val, X_test = (scaler.transform(a) for a in (X_fit, X_val, X_test))
    params = {"early_stopping": True, "max_iter": 500, "random_state": 0}
    ours = _quiet_fit(
        BackpropRegressor(standardize_y=True, **params),
        X_fit,
        y_fit,
        X_val=X_val,
        y_val=y_val,
    )
    # The validation score is R² on the same scale, so as meaningful as the
    # test score; TransformedTargetRegressor with the raw y_val scores -194 in
    # the pipeline and stops early.
    assert ours.best_validation_score_ > 0.3
    assert ours.score(X_test, y_test) > 0.3
    ttr = TransformedTargetRegressor(
        regressor=BackpropRegressor(**params), transformer=StandardScaler()
    )
    with pytest.warns(UserWarning, match=f"y_val is {OFF_SCALE}"):
        _quiet_fit(ttr, X_fit, y_fit, X_val=X_val, y_val=y_val)
    assert ttr.regressor_.best_validation_score_ < 0


def test_standardize_y_with_several_outputs_weights_and_partial_fit():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    Y = np.c_[X[:, 0] * 100 + 7, X[:, 1] - 40]
    sw = rng.uniform(0.5, 2, 60)
    est = BackpropRegressor((6,), standardize_y=True, random_state=0)
    est.partial_fit(X, Y, sample_weight=sw)
    mean = np.average(Y, axis=0, weights=sw)
    np.testing.assert_allclose(est.target_scaler_.mean_, mean)
    est.partial_fit(X[:30], Y[:30])  # the scaler of the first call is kept
    np.testing.assert_allclose(est.target_scaler_.mean_, mean)
    assert est.predict(X).shape == (60, 2)


def test_standardize_y_needs_an_identity_output():
    X, y = np.ones((10, 2)), np.arange(10.0)
    est = BackpropRegressor(loss="poisson", standardize_y=True)
    with pytest.raises(ValueError, match="standardize_y=True centres y"):
        est.fit(X, y)


def test_switching_standardize_y_when_continuing_is_refused():
    X, y = np.random.RandomState(0).randn(30, 2), np.arange(30.0)
    est = BackpropRegressor((4,), random_state=0).partial_fit(X, y)
    est.set_params(standardize_y=True)
    with pytest.raises(ValueError, match="needs the same setting"):
        est.partial_fit(X, y)
    est.set_params(warm_start=True)
    with pytest.raises(ValueError, match="needs the same setting"):
        est.fit(X, y)
    est.set_params(warm_start=False)
    _quiet_fit(est, X, y)  # a fresh fit may switch
    assert est.target_scaler_ is not None


def test_standardize_y_keeps_to_onnx_exact():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    import onnxruntime as ort

    X_train, X_test, y_train, _ = _diabetes()
    pipe = make_pipeline(
        StandardScaler(), BackpropRegressor((8,), standardize_y=True, random_state=0)
    )
    _quiet_fit(pipe, X_train, y_train)
    model = to_onnx(pipe, X_test[:1])
    session = ort.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (y_onnx,) = session.run(None, {"X": X_test})
    np.testing.assert_allclose(y_onnx, pipe.predict(X_test), rtol=1e-12)


# -- the off-scale warnings -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("kind", ["diabetes", "lognormal", "counts", "binary"])
def test_consistent_validation_data_never_warns(kind, seed):
    rng = np.random.RandomState(seed)
    if kind == "diabetes":
        X, y = load_diabetes(return_X_y=True)
    elif kind == "lognormal":  # heavy tails in X and y
        X = rng.lognormal(sigma=2.0, size=(400, 3))
        y = rng.lognormal(sigma=2.0, size=400)
    elif kind == "counts":  # mostly zeros
        X = rng.poisson(0.3, size=(400, 3)).astype(float)
        y = rng.poisson(0.5, size=400).astype(float)
    else:  # a binary feature and a binary-valued target
        X = (rng.rand(400, 2) < 0.3).astype(float)
        y = (rng.rand(400) < 0.2).astype(float)
    X_fit, X_val, y_fit, y_val = train_test_split(
        X, y, test_size=0.25, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _quiet_fit(
            BackpropRegressor((4,), max_iter=2, random_state=0),
            X_fit,
            y_fit,
            X_val=X_val,
            y_val=y_val,
        )


def test_untransformed_x_val_in_a_pipeline_warns():
    X_train, _, y_train, _ = _diabetes()
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, random_state=0)
    pipe = make_pipeline(
        StandardScaler(), BackpropRegressor((4,), max_iter=2, random_state=0)
    )
    with config_context(enable_metadata_routing=True):
        pipe[-1].set_fit_request(X_val=True, y_val=True)
        with pytest.warns(UserWarning, match=f"X_val is {OFF_SCALE}.*earlier steps"):
            _quiet_fit(pipe, X_fit, y_fit, X_val=X_val, y_val=y_val)


def test_x_val_the_pipeline_cannot_take_gets_a_clear_error():
    pd = pytest.importorskip("pandas")
    X_train, _, y_train, _ = _diabetes()
    frame = pd.DataFrame(X_train, columns=[f"f{i}" for i in range(10)])
    est = BackpropRegressor((4,), max_iter=2, random_state=0)
    with pytest.raises(ValueError, match=r"(?s)X_val does not match.*earlier steps"):
        _quiet_fit(est, frame, y_train, X_val=frame.iloc[:, :5], y_val=y_train)


# -- restore_best_weights -------------------------------------------------------------


def test_restore_best_weights_keeps_the_best_monitored_epoch():
    X_train, _, y_train, _ = _diabetes()
    X_train = StandardScaler().fit_transform(X_train)
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, random_state=0)
    params = {
        "hidden_layer_sizes": (64,),
        "standardize_y": True,
        "learning_rate_init": 0.01,
        "max_iter": 60,
        "random_state": 0,
    }
    monitored = _quiet_fit(
        BackpropRegressor(restore_best_weights=True, **params),
        X_fit,
        y_fit,
        X_val=X_val,
        y_val=y_val,
    )
    scores = monitored.validation_scores_
    best_epoch = int(np.argmax(scores)) + 1
    assert best_epoch < len(scores)  # it overfits: the best is not the last
    # The kept weights are those of a fit stopped at the best epoch.
    stopped = _quiet_fit(
        BackpropRegressor(**{**params, "max_iter": best_epoch}), X_fit, y_fit
    )
    np.testing.assert_array_equal(monitored.theta_, stopped.theta_)
    assert monitored.score(X_val, y_val) == pytest.approx(max(scores), rel=1e-12)


def test_restore_best_weights_is_not_used_by_partial_fit():
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 3), rng.randn(40)
    a = BackpropRegressor((4,), restore_best_weights=True, random_state=0)
    b = BackpropRegressor((4,), random_state=0)
    for est in (a, b):
        for _ in range(3):
            est.partial_fit(X, y)
    np.testing.assert_array_equal(a.theta_, b.theta_)
