"""LossCurveDisplay: rendered with the Agg backend, checked through its artists."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor, LossCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    X, y = make_friedman1(n_samples=160, n_features=5, noise=0.5, random_state=0)
    return X[:120], y[:120], X[120:], y[120:]


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _x(line):
    return np.asarray(line.get_xdata(), dtype=float)


def _y(line):
    return np.asarray(line.get_ydata(), dtype=float)


@pytest.fixture(scope="module")
def monitored(data):
    """Fifteen adam epochs with a validation set that only monitors."""
    X, y, X_val, y_val = data
    return _fit(
        BackpropRegressor((8,), max_iter=15, random_state=0),
        X,
        y,
        X_val=X_val,
        y_val=y_val,
    )


def test_adam_with_validation_set(monitored):
    est = monitored
    display = LossCurveDisplay.from_estimator(est)

    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_ylabel() == "Loss"
    assert display.ax_.get_yscale() == "linear"
    assert display.figure_ is display.ax_.figure
    assert display.score_ax_ is None

    np.testing.assert_array_equal(_x(display.loss_line_), np.arange(1, 16))
    np.testing.assert_array_equal(_y(display.loss_line_), est.loss_curve_)
    assert display.loss_line_.get_label() == "BackpropRegressor: training loss"

    # 'auto' draws the validation loss, on the loss axes.
    assert display.validation_line_.axes is display.ax_
    np.testing.assert_array_equal(
        _y(display.validation_line_), est.validation_loss_curve_
    )
    assert display.validation_line_.get_label() == (
        "BackpropRegressor: validation loss"
    )

    # X_val only monitors: the marker is at the best validation score.
    best = int(np.argmax(est.validation_scores_)) + 1
    assert display.best_epoch == best
    np.testing.assert_array_equal(_x(display.best_epoch_line_), [best, best])
    assert display.best_epoch_line_.get_label() == (
        f"Best validation score (epoch {best})"
    )

    assert display.lines_ == [
        display.loss_line_,
        display.validation_line_,
        display.best_epoch_line_,
    ]
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == [line.get_label() for line in display.lines_]


def test_early_stopping_marks_best_validation_epoch(data):
    X, y, _, _ = data
    est = _fit(
        BackpropRegressor(
            (8,),
            learning_rate_init=0.05,
            early_stopping=True,
            n_iter_no_change=3,
            max_iter=100,
            random_state=0,
        ),
        X,
        y,
    )
    scores = est.validation_scores_
    best = scores.index(est.best_validation_score_) + 1
    assert best < est.n_iter_, "the test needs a fit that stopped after its best"

    display = LossCurveDisplay.from_estimator(est, validation="score")
    assert display.best_epoch == best
    assert display.best_epoch_line_.get_label() == (
        f"Best validation score (epoch {best})"
    )
    np.testing.assert_array_equal(_x(display.best_epoch_line_), [best, best])
    # The score has its own y-axis, sharing the epochs.
    assert display.score_ax_ is not None
    assert display.validation_line_.axes is display.score_ax_
    assert display.score_ax_.get_ylabel() == "Validation score"
    np.testing.assert_array_equal(_y(display.validation_line_), scores)
    np.testing.assert_array_equal(
        _x(display.validation_line_), np.arange(1, est.n_iter_ + 1)
    )
    # One legend for the lines of both axes, on the twin axes drawn on top.
    assert display.ax_.get_legend() is None
    legend = [t.get_text() for t in display.score_ax_.get_legend().get_texts()]
    assert legend == [line.get_label() for line in display.lines_]


def test_lbfgs_records_one_loss_per_iteration(data):
    X, y, _, _ = data
    est = _fit(
        BackpropRegressor((8,), solver="lbfgs", max_iter=40, random_state=0), X, y
    )
    assert len(est.loss_curve_) == est.n_iter_ > 0
    fig, ax = plt.subplots()
    display = LossCurveDisplay.from_estimator(est, ax=ax, name="L-BFGS")
    assert display.ax_ is ax
    assert display.figure_ is fig
    np.testing.assert_array_equal(_y(display.loss_line_), est.loss_curve_)
    assert display.validation_line_ is None
    assert display.lines_ == [display.loss_line_, display.best_epoch_line_]
    assert display.loss_line_.get_label() == "L-BFGS: training loss"
    best = int(np.argmin(est.loss_curve_)) + 1
    assert display.best_epoch == best
    # Each point is an L-BFGS iteration, and the display says so.
    assert display.ax_.get_xlabel() == "Iteration"
    assert display.best_epoch_line_.get_label() == (
        f"Lowest training loss (iteration {best})"
    )


def test_monitor_only_validation_marks_best_validation_score(data):
    X, y, X_val, y_val = data
    # 30 training rows: the fit overfits, so the best validation score comes
    # before the lowest training loss.
    est = _fit(
        BackpropRegressor((32,), learning_rate_init=0.01, max_iter=60, random_state=0),
        X[:30],
        y[:30],
        X_val=X_val,
        y_val=y_val,
    )
    assert not est.early_stopping
    best = est.validation_scores_.index(est.best_validation_score_) + 1
    assert best < int(np.argmin(est.loss_curve_)) + 1
    for validation in ["loss", "score"]:
        display = LossCurveDisplay.from_estimator(est, validation=validation)
        assert display.best_epoch == best
        assert display.best_epoch_line_.get_label() == (
            f"Best validation score (epoch {best})"
        )


def test_no_validation_marks_lowest_training_loss(data):
    X, y, _, _ = data
    est = _fit(BackpropRegressor((8,), max_iter=10, random_state=0), X, y)
    display = LossCurveDisplay.from_estimator(est)
    best = int(np.argmin(est.loss_curve_)) + 1
    assert display.best_epoch == best
    assert display.best_epoch_line_.get_label() == (
        f"Lowest training loss (epoch {best})"
    )
    assert display.ax_.get_xlabel() == "Epoch"


@pytest.mark.parametrize("pipeline", [False, True])
def test_unfitted_estimator_raises_not_fitted_error(pipeline):
    est = BackpropRegressor()
    if pipeline:
        est = make_pipeline(StandardScaler(), est)
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(est)


def test_log_scale(monitored):
    display = LossCurveDisplay.from_estimator(
        monitored, yscale="log", validation="score"
    )
    assert display.ax_.get_yscale() == "log"
    # Scores may be negative: their axis stays linear.
    assert display.score_ax_.get_yscale() == "linear"
    display.plot(yscale="linear")
    assert display.ax_.get_yscale() == "linear"


def test_pipeline_and_style_kwargs(data):
    X, y, _, _ = data
    pipe = _fit(
        make_pipeline(
            StandardScaler(), BackpropRegressor((8,), max_iter=5, random_state=0)
        ),
        X,
        y,
    )
    display = LossCurveDisplay.from_estimator(
        pipe,
        loss_kwargs={"c": "red", "lw": 3},
        best_epoch_kwargs={"color": "green", "label": "best"},
    )
    assert display.loss_line_.get_color() == "red"
    assert display.loss_line_.get_linewidth() == 3
    assert display.best_epoch_line_.get_color() == "green"
    assert display.best_epoch_line_.get_label() == "best"


def test_plot_from_values_and_validation_choices():
    display = LossCurveDisplay(
        loss_curve=[3.0, 2.0, 1.5, 1.4],
        validation_scores=[0.1, 0.3],
        best_epoch=None,
    )
    # Only scores: 'auto' draws them; shorter curves cover the last epochs.
    display.plot()
    assert display.score_ax_ is not None
    np.testing.assert_array_equal(_x(display.validation_line_), [3, 4])
    assert display.best_epoch_line_ is None
    assert display.loss_line_.get_label() == "Training loss"

    display.plot(validation=None)
    assert display.validation_line_ is None
    with pytest.raises(ValueError, match="no validation loss"):
        display.plot(validation="loss")
    with pytest.raises(ValueError, match="validation must be one of"):
        display.plot(validation="r2")
    with pytest.raises(ValueError, match="x_unit must be one of"):
        LossCurveDisplay(loss_curve=[1.0], x_unit="step").plot()


def test_works_for_mlpregressor_and_requires_loss_curve(data):
    X, y, _, _ = data
    mlp = _fit(MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X, y)
    display = LossCurveDisplay.from_estimator(mlp)
    np.testing.assert_array_equal(_y(display.loss_line_), mlp.loss_curve_)

    lbfgs = _fit(
        MLPRegressor(
            hidden_layer_sizes=(8,), solver="lbfgs", max_iter=5, random_state=0
        ),
        X,
        y,
    )
    with pytest.raises(ValueError, match="has no loss_curve_"):
        LossCurveDisplay.from_estimator(lbfgs)


def test_renders_with_agg(data, tmp_path):
    X, y, X_val, y_val = data
    est = _fit(
        BackpropRegressor((8,), max_iter=5, random_state=0),
        X,
        y,
        X_val=X_val,
        y_val=y_val,
    )
    display = LossCurveDisplay.from_estimator(est)
    path = tmp_path / "loss.png"
    display.figure_.savefig(path)
    assert path.stat().st_size > 1000


def test_missing_matplotlib_names_the_extra(monkeypatch):
    # None in sys.modules makes "import matplotlib" raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"requires matplotlib.*'plot' extra"):
        LossCurveDisplay(loss_curve=[1.0]).plot()
