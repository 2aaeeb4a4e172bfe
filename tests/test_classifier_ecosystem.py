"""BackpropClassifier inside scikit-learn's tooling and skmlp's integrations."""

import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropClassifier, LossCurveDisplay, check_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, _y = load_iris(return_X_y=True)
Y = np.array(["setosa", "versicolor", "virginica"])[_y]


def _model(**params):
    params = {"hidden_layer_sizes": (5,), "random_state": 0, **params}
    return make_pipeline(StandardScaler(), BackpropClassifier(**params))


def test_grid_search_in_parallel_gives_the_serial_scores():
    grid = {"backpropclassifier__alpha": [1e-4, 1.0]}
    model = _model(solver="lbfgs", max_iter=50)
    serial = GridSearchCV(model, grid, cv=3, n_jobs=1).fit(X, Y)
    parallel = GridSearchCV(model, grid, cv=3, n_jobs=2).fit(X, Y)
    assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert serial.best_score_ > 0.8
    assert_array_equal(parallel.predict(X), serial.predict(X))


def test_cross_val_score_is_the_score_of_each_fold():
    model = _model(solver="lbfgs", max_iter=50)
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, Y, cv=cv)
    expected = [
        clone(model).fit(X[train], Y[train]).score(X[test], Y[test])
        for train, test in cv.split(X, Y)
    ]
    assert_allclose(scores, expected)


def test_calibrated_classifier_cv():
    calibrated = CalibratedClassifierCV(_model(solver="lbfgs", max_iter=50), cv=3)
    proba = calibrated.fit(X, Y).predict_proba(X)
    assert proba.shape == (150, 3)
    assert_allclose(proba.sum(axis=1), 1)
    assert_array_equal(calibrated.classes_, ["setosa", "versicolor", "virginica"])


def test_clone_and_pickle():
    est = _model(solver="adam", max_iter=5).fit(X, Y)
    unfitted = clone(est)
    assert not hasattr(unfitted[-1], "classes_")
    loaded = pickle.loads(pickle.dumps(est))
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    loaded[-1].partial_fit(X, Y)  # continues with the stored classes
    est[-1].partial_fit(X, Y)
    assert_array_equal(loaded[-1].theta_, est[-1].theta_)


def test_skops_lists_only_the_estimator_class():
    sio = pytest.importorskip("skops.io")
    est = BackpropClassifier((5,), max_iter=5, random_state=0).fit(X, Y)
    data = sio.dumps(est)
    trusted = ["skmlp._classifier.BackpropClassifier"]
    assert sio.get_untrusted_types(data=data) == trusted
    loaded = sio.loads(data, trusted=trusted)
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert_array_equal(loaded.predict(X), est.predict(X))


def test_metadata_routing_of_sample_weight_and_validation_set():
    weights = np.where(_y == 0, 0.0, 1.0)  # setosa weighs nothing
    X_val, y_val = StandardScaler().fit_transform(X)[::5], Y[::5]
    with sklearn.config_context(enable_metadata_routing=True):
        est = BackpropClassifier((5,), max_iter=4, random_state=0).set_fit_request(
            sample_weight=True, X_val=True, y_val=True
        )
        est.set_score_request(sample_weight=True)
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        # scikit-learn 1.6's scorers ask the Pipeline itself for the request.
        pipe = make_pipeline(scaler, est).set_score_request(sample_weight=True)
        pipe.fit(X, Y, sample_weight=weights, X_val=X_val, y_val=y_val)
        routed = pipe[-1]
        unweighted = BackpropClassifier((5,), max_iter=4, random_state=0)
        unweighted.fit(StandardScaler().fit_transform(X), Y)
        assert not np.allclose(routed.theta_, unweighted.theta_)
        assert len(routed.validation_scores_) == 4
        cross_val_score(
            pipe,
            X,
            Y,
            cv=3,
            params={"sample_weight": weights, "X_val": X_val, "y_val": y_val},
        )


def test_scoring_names_and_loss():
    X_val, y_val = X[::3], Y[::3]
    est = BackpropClassifier((5,), max_iter=3, random_state=0, scoring="neg_log_loss")
    est.fit(X, Y, X_val=X_val, y_val=y_val)
    assert np.all(np.array(est.validation_scores_) < 0)
    assert est.validation_scores_[-1] == pytest.approx(
        -est.validation_loss_curve_[-1], rel=1e-6
    )
    est.set_params(scoring=None).fit(X, Y, X_val=X_val, y_val=y_val)
    assert est.validation_scores_[-1] == pytest.approx(est.score(X_val, y_val))


def test_loss_curve_display():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    est = BackpropClassifier((5,), max_iter=6, random_state=0, early_stopping=True)
    display = LossCurveDisplay.from_estimator(est.fit(X, Y))
    assert_allclose(display.loss_line_.get_ydata(), est.loss_curve_)


def test_check_gradients_on_a_pipeline():
    for y in (Y, Y == "setosa"):
        result = check_gradients(_model(activation="tanh"), X, y)
        assert result < 1e-6


def test_callbacks_see_every_epoch():
    callback = pytest.importorskip("sklearn.callback")
    pytest.importorskip("rich")
    est = BackpropClassifier((5,), max_iter=4, random_state=0)
    monitor = callback.ScoringMonitor(scoring="accuracy")
    est.set_callbacks(callback.ProgressBar(), monitor).fit(X, Y)
    (log,) = monitor.get_logs(select="all")
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert len(epochs) == 4
    # The monitor scored the labels as given (decoded lazily, for the hooks
    # that take them): its last epoch's accuracy is the fitted model's.
    assert epochs[-1]["accuracy"] == est.score(X, Y)
