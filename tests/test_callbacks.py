"""scikit-learn's callback API (sklearn.callback, scikit-learn >= 1.9)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

callback = pytest.importorskip("sklearn.callback")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class Recorder:
    """Records the hooks it sees; asks to stop after `stop_after` subtasks."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, X=None, fitted_estimator=None):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        # X is None for a subtask begun but never run (after L-BFGS's last).
        self.events.append(("end", context.task_name, context.task_id, X is not None))
        if isinstance(fitted_estimator, BackpropRegressor):
            self.events.append(("model", fitted_estimator.predict(X[:3])))
        ended = sum(1 for e in self.events if e[0] == "end" and e[1] != "fit")
        return self.stop_after is not None and ended >= self.stop_after


class Propagated(Recorder):
    """The same, propagated from meta-estimators to their sub-estimators."""

    max_propagation_depth = None


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 4)
    return X, X[:, 0] - X[:, 1] ** 2 + 0.1 * rng.randn(120)


@pytest.mark.parametrize(
    ("solver", "task"), [("adam", "epoch"), ("sgd", "epoch"), ("lbfgs", "iteration")]
)
def test_one_task_per_epoch_or_iteration(data, solver, task):
    X, y = data
    recorder = Recorder()
    est = BackpropRegressor((8,), solver=solver, max_iter=4, tol=0, random_state=0)
    est.set_callbacks(recorder).fit(X, y)
    ends = [e for e in recorder.events if e[0] == "end" and e[1] == task and e[3]]
    assert len(ends) == est.n_iter_ == 4
    names = [e[0] for e in recorder.events]
    assert names[:2] == ["setup", "begin"]  # the fit task begins first
    assert names[-1] == "teardown"
    assert [e for e in recorder.events if e[0] == "end"][-1][1] == "fit"
    assert names.count("begin") == names.count("end")
    # Each subtask's fitted estimator predicts with the weights of that point.
    last = [e[1] for e in recorder.events if e[0] == "model"][-1]
    np.testing.assert_allclose(last, est.predict(X[:3]))


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("k", [1, 3])
def test_callback_stop_is_a_clean_max_iter_fit(data, solver, k):
    X, y = data
    params = {"hidden_layer_sizes": (8,), "solver": solver, "random_state": 0}
    stopped = BackpropRegressor(max_iter=50, **params)
    stopped.set_callbacks(Recorder(stop_after=k))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is not failing
        stopped.fit(X, y)
    reference = BackpropRegressor(max_iter=k, **params).fit(X, y)
    assert stopped.n_iter_ == k
    np.testing.assert_array_equal(stopped.theta_, reference.theta_)
    assert stopped.loss_curve_ == reference.loss_curve_


def test_callbacks_propagate_from_pipeline_and_grid_search(data):
    X, y = data
    recorder = Propagated()
    pipe = make_pipeline(StandardScaler(), BackpropRegressor((4,), max_iter=3))
    pipe.set_callbacks(recorder).fit(X, y)
    epochs = [e for e in recorder.events if e[:2] == ("end", "epoch")]
    assert len(epochs) == 3

    recorder = Propagated()
    search = GridSearchCV(
        BackpropRegressor((4,), max_iter=2, random_state=0),
        {"alpha": [1e-4, 1e-2]},
        cv=2,
    )
    search.set_callbacks(recorder).fit(X, y)
    epochs = [e for e in recorder.events if e[:2] == ("end", "epoch")]
    assert len(epochs) == 2 * (2 * 2 + 1)  # 2 epochs in each of 4 folds + refit


def test_progress_bar_and_scoring_monitor(data):
    pytest.importorskip("rich")
    X, y = data
    est = BackpropRegressor((8,), max_iter=5, random_state=0)
    monitor = callback.ScoringMonitor(scoring="r2")
    est.set_callbacks(callback.ProgressBar(), monitor).fit(X, y)
    (log,) = monitor.get_logs(select="all")
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert len(epochs) == 5
    assert all(np.isfinite(row["r2"]) for row in epochs)


def test_callbacks_leave_fitted_state_and_pickling_alone(data):
    import pickle

    X, y = data
    est = BackpropRegressor((8,), max_iter=3, random_state=0)
    est.set_callbacks(Recorder()).fit(X, y)
    # scikit-learn's callback seam: fit's callback context lives in this
    # attribute while callbacks run; a left-over one would be pickled.
    assert not hasattr(est, "_callback_fit_ctx")
    plain = BackpropRegressor((8,), max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.theta_, plain.theta_)
    pickle.loads(pickle.dumps(plain))


class FitLength(Recorder):
    """Records the fit task's announced length and its subtasks when it ends."""

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        if context.task_name == "fit":
            self.at_end = (context.max_subtasks, len(list(context)) - 1)
        return super().on_fit_task_end(estimator, context, X=X)


@pytest.mark.parametrize(
    "params",
    [
        {"early_stopping": True, "tol": 1e-2, "n_iter_no_change": 2},  # validation
        {"tol": 1e-1, "n_iter_no_change": 2},  # stopped by the training loss
    ],
    ids=["early_stopping", "tol"],
)
def test_fit_task_length_is_what_ran_when_training_ends_early(data, params, capsys):
    pytest.importorskip("rich")
    X, y = data
    recorder = FitLength()
    est = BackpropRegressor((8,), max_iter=200, random_state=0, **params)
    est.set_callbacks(callback.ProgressBar(), recorder).fit(X, y)
    assert est.n_iter_ < 200
    # The fit announced 200 epochs; at its end it reports the epochs that ran.
    assert recorder.at_end == (est.n_iter_, est.n_iter_)
    # And the bar ends complete, not at n_iter_ / max_iter.
    out = capsys.readouterr().out
    assert "BackpropRegressor - fit" in out
    assert out.rstrip().splitlines()[-1].split()[-2] == "100%"


def test_fit_task_length_counts_lbfgs_iterations_begun(data):
    X, y = data
    recorder = FitLength()
    est = BackpropRegressor((8,), solver="lbfgs", max_iter=200, tol=1e-2)
    est.set_callbacks(recorder).fit(X, y)
    assert est.n_iter_ < 200
    # L-BFGS begins one iteration more than it runs (ended without data).
    assert recorder.at_end == (est.n_iter_ + 1, est.n_iter_ + 1)
