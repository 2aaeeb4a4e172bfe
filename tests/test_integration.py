"""BackpropRegressor inside scikit-learn's tooling: search, CV, meta-estimators,
cloning, pickling."""

import copy
import pickle
import warnings
from functools import partial

import numpy as np
import pytest
from _helpers import assert_weights_equal, estimator_data, weights
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skmlp import BackpropRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


#: Unscaled on purpose (X around 5 with spread 3, y around 50 with spread
#: 10), so that the pipelines' scalers matter.
_data = partial(
    estimator_data, n_samples=80, X_scale=3.0, X_loc=5.0, y_scale=10.0, y_loc=50.0
)


def test_grid_search_in_parallel_gives_the_serial_scores():
    X, y = _data()
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "mlp",
                BackpropRegressor(
                    hidden_layer_sizes=(5,), solver="lbfgs", max_iter=40, random_state=0
                ),
            ),
        ]
    )
    grid = {"mlp__alpha": [1e-4, 1.0], "mlp__activation": ["tanh", "relu"]}
    serial = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
    parallel = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    for key in ["split0_test_score", "split1_test_score", "split2_test_score"]:
        assert np.isfinite(serial.cv_results_[key]).all()
        assert_allclose(parallel.cv_results_[key], serial.cv_results_[key], rtol=1e-10)
    assert_array_equal(
        parallel.cv_results_["rank_test_score"], serial.cv_results_["rank_test_score"]
    )
    assert parallel.best_params_ == serial.best_params_
    assert_allclose(parallel.predict(X), serial.predict(X), rtol=1e-10)
    assert serial.best_score_ > 0.5  # the pipeline really learns


def test_cross_val_score_is_the_score_of_each_fold():
    X, y = _data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=40, random_state=0
    )
    model = Pipeline([("scale", StandardScaler()), ("mlp", est)])
    cv = KFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=cv)
    expected = [
        clone(model).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in cv.split(X)
    ]
    assert_allclose(scores, expected, rtol=1e-12)


def test_transformed_target_regressor():
    X, y = _data()
    X = StandardScaler().fit_transform(X)
    est = BackpropRegressor(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=40, random_state=0
    )
    model = TransformedTargetRegressor(regressor=est, transformer=StandardScaler())
    model.fit(X, y)
    scaler = StandardScaler().fit(y[:, None])
    manual = clone(est).fit(X, scaler.transform(y[:, None]).ravel())
    expected = scaler.inverse_transform(manual.predict(X)[:, None]).ravel()
    assert_allclose(model.predict(X), expected, rtol=1e-12)
    assert model.score(X, y) > 0.5


def test_clone_gives_an_unfitted_copy_with_the_same_parameters():
    X, y = _data()
    X = StandardScaler().fit_transform(X)
    est = BackpropRegressor(
        (6, 3), "tanh", solver="sgd", alpha=0.01, max_iter=5, random_state=2
    )
    est.fit(X, y)
    cloned = clone(est)
    assert cloned is not est
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "coefs_")
    assert not hasattr(cloned, "n_iter_")
    cloned.fit(X, y)
    assert_weights_equal(weights(cloned), weights(est))
    # Fitting the clone did not touch the original.
    est_weights = weights(est)
    cloned.partial_fit(X, y)
    assert_weights_equal(weights(est), est_weights)


def _fitted(solver):
    X, y = _data()
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    est = BackpropRegressor(
        hidden_layer_sizes=(6,),
        solver=solver,
        batch_size=20,
        learning_rate_init=0.01,
        max_iter=5,
        random_state=0,
    )
    est.fit(X, y)
    if solver != "lbfgs":
        est.partial_fit(X, y)
    return est, X, y


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize(
    "roundtrip",
    [lambda est: pickle.loads(pickle.dumps(est)), copy.deepcopy],
    ids=["pickle", "deepcopy"],
)
def test_roundtrip_predicts_bit_identically(solver, roundtrip):
    est, X, _ = _fitted(solver)
    restored = roundtrip(est)
    check_is_fitted(restored)
    assert_array_equal(restored.predict(X), est.predict(X))
    assert_weights_equal(weights(restored), weights(est))
    for attr in ["n_iter_", "loss_", "loss_curve_", "n_layers_", "n_outputs_"]:
        assert getattr(restored, attr) == getattr(est, attr)
    # The copy owns its weights.
    restored.coefs_[0][...] = 0.0
    assert not np.array_equal(restored.predict(X), est.predict(X))


@pytest.mark.parametrize(
    ("solver", "learning_rate"),
    [
        ("sgd", "constant"),
        ("sgd", "invscaling"),
        ("sgd", "adaptive"),
        ("adam", "constant"),
    ],
)
@pytest.mark.parametrize(
    "roundtrip",
    [lambda est: pickle.loads(pickle.dumps(est)), copy.deepcopy],
    ids=["pickle", "deepcopy"],
)
def test_partial_fit_after_roundtrip_continues_exactly(
    solver, learning_rate, roundtrip
):
    est, X, y = _fitted(solver)
    est.set_params(learning_rate=learning_rate, n_iter_no_change=1, tol=0.5)
    est.partial_fit(X, y)
    restored = roundtrip(est)
    for _ in range(3):
        est.partial_fit(X, y)
        restored.partial_fit(X, y)
        # Momentum, Adam's moments, the step count and the learning rate all
        # survived: the trajectories are identical.
        assert_weights_equal(weights(restored), weights(est))
        assert restored.loss_curve_ == est.loss_curve_
        assert restored.t_ == est.t_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_optimizer_state_matters_for_the_roundtrip_test(solver):
    # The test above would be vacuous if a fresh optimizer state gave the same
    # trajectory: it does not.
    est, X, y = _fitted(solver)
    reset = BackpropRegressor(**{**est.get_params(), "warm_start": True, "max_iter": 1})
    reset.fit(X, y)  # the same architecture, and data seen through fit
    reset.coefs_ = [c.copy() for c in est.coefs_]
    reset.intercepts_ = [b.copy() for b in est.intercepts_]
    reset.fit(X, y)  # warm start: continues from est's weights, fresh optimizer
    est.partial_fit(X, y)
    assert not np.allclose(reset.coefs_[0], est.coefs_[0], rtol=1e-6, atol=0)


def test_pipeline_with_the_estimator_pickles():
    X, y = _data()
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("mlp", BackpropRegressor(hidden_layer_sizes=(4,), max_iter=5)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X), model.predict(X))
