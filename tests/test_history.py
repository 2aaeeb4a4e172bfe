"""``history_`` and ``verbose=2``: the per-epoch records skorch users expect."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skmlp import BackpropRegressor

KEYS = {
    "epoch",
    "loss",
    "validation_loss",
    "validation_score",
    "learning_rate",
    "duration",
    "best",
}


def _data(n_samples=60, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 3)
    return X, np.sin(X[:, 0]) + 0.1 * rng.randn(n_samples)


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def test_history_holds_the_curves_epoch_by_epoch():
    X, y = _data()
    est = _fit(
        BackpropRegressor((5,), max_iter=8, random_state=0),
        X[:40],
        y[:40],
        X_val=X[40:],
        y_val=y[40:],
    )
    assert len(est.history_) == len(est.loss_curve_) == 8
    for i, record in enumerate(est.history_):
        assert set(record) == KEYS
        assert record["epoch"] == i + 1
        assert record["loss"] == est.loss_curve_[i]
        assert record["validation_loss"] == est.validation_loss_curve_[i]
        assert record["validation_score"] == est.validation_scores_[i]
        assert record["learning_rate"] == est.learning_rate_init
        assert record["duration"] > 0
    best = [r["epoch"] for r in est.history_ if r["best"]]
    # A new best is marked whenever the validation score beats all before.
    running = np.maximum.accumulate(est.validation_scores_)
    expected = [1] + [
        i + 1 for i in range(1, 8) if est.validation_scores_[i] > running[i - 1]
    ]
    assert best == expected


def test_history_follows_the_learning_rate_schedule():
    X, y = _data()
    est = _fit(
        BackpropRegressor(
            (5,),
            solver="sgd",
            learning_rate="invscaling",
            learning_rate_init=0.1,
            max_iter=3,
            random_state=0,
        ),
        X,
        y,
    )
    rates = [r["learning_rate"] for r in est.history_]
    # The first epoch runs at the initial rate; invscaling updates it after
    # each epoch from the samples seen, as MLPRegressor's optimizer does.
    assert rates == [0.1, 0.1 / (60 + 1) ** 0.5, 0.1 / (120 + 1) ** 0.5]


def test_history_continues_over_partial_fit_and_warm_start():
    X, y = _data()
    est = BackpropRegressor((5,), random_state=0)
    for _ in range(3):
        est.partial_fit(X, y)
    assert [r["epoch"] for r in est.history_] == [1, 2, 3]
    assert est.n_iter_ == 1  # one epoch per call, as in MLPRegressor
    est.set_params(warm_start=True, max_iter=2)
    _fit(est, X, y)
    assert [r["epoch"] for r in est.history_] == [1, 2, 3, 4, 5]
    est.set_params(warm_start=False)
    _fit(est, X, y)
    assert [r["epoch"] for r in est.history_] == [1, 2]


def test_lbfgs_history_has_one_record_per_iteration():
    X, y = _data()
    est = _fit(
        BackpropRegressor((5,), solver="lbfgs", max_iter=5, random_state=0), X, y
    )
    assert [r["loss"] for r in est.history_] == est.loss_curve_
    assert all(r["best"] for r in est.history_)  # L-BFGS decreases the loss


def test_verbose_2_prints_the_table(capsys):
    X, y = _data()
    est = BackpropRegressor(
        (5,), verbose=2, early_stopping=True, max_iter=4, random_state=0
    )
    _fit(est, X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "epoch",
        "train",
        "loss",
        "valid",
        "loss",
        "valid",
        "score",
        "lr",
        "dur",
        "[s]",
    ]
    rows = [line for line in lines[1:] if line.strip()[0].isdigit()]
    assert len(rows) == 4
    for row, record in zip(rows, est.history_, strict=True):
        cells = row.split()
        assert int(cells[0]) == record["epoch"]
        assert float(cells[1]) == pytest.approx(record["loss"], rel=1e-5)
        assert float(cells[3]) == pytest.approx(record["validation_score"], rel=1e-5)
        assert (cells[-1] == "*") == record["best"]
    assert "Iteration" not in "\n".join(lines)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_verbose_true_keeps_mlpregressors_lines(capsys, solver):
    X, y = _data()
    params = {"hidden_layer_sizes": (5,), "solver": solver, "max_iter": 3}
    _fit(BackpropRegressor(verbose=True, random_state=0, **params), X, y)
    ours = capsys.readouterr().out
    assert ours.splitlines()[0].startswith("Iteration 1, loss = ")
    if solver == "adam":  # MLPRegressor prints nothing for L-BFGS
        _fit(MLPRegressor(verbose=True, random_state=0, **params), X, y)
        assert ours == capsys.readouterr().out
