"""The opt-in features beyond MLPRegressor: each is gradient-checked and behaves."""

import numpy as np
import pytest
import sklearn
from _helpers import regression_data
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor, check_gradients
from skmlp._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from skmlp._network import Network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def data():
    return regression_data(n_samples=40, n_features=4, n_outputs=2)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_gradient_every_hidden_activation(data, activation, n_outputs):
    X, y, sw = data
    est = BackpropRegressor((6, 5), activation=activation, alpha=0.2, random_state=0)
    assert check_gradients(est, X, y[:, :n_outputs], sample_weight=sw) < 1e-6


@pytest.mark.parametrize("out_activation", OUTPUT_ACTIVATIONS)
@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_gradient_every_output_activation(data, out_activation, loss):
    X, y, sw = data
    est = BackpropRegressor(
        (5,),
        activation="tanh",
        out_activation=out_activation,
        loss=loss,
        huber_delta=0.3,
        alpha=0.1,
        random_state=1,
    )
    assert check_gradients(est, X, y, sample_weight=sw) < 1e-6


@pytest.mark.parametrize("out_activation", ["exp", "softplus"])
def test_gradient_poisson(data, out_activation):
    X, y, sw = data
    est = BackpropRegressor(
        (5,), loss="poisson", out_activation=out_activation, random_state=0
    )
    assert check_gradients(est, X, np.abs(y), sample_weight=sw) < 1e-6


def test_gradient_huber_uses_both_branches(data):
    # With delta 0.3 and targets of unit scale, residuals fall on both sides.
    X, y, _ = data
    est = BackpropRegressor((5,), loss="huber", huber_delta=0.3, random_state=0)
    residuals = np.abs(y - y.mean(axis=0))
    assert (residuals < 0.3).any()
    assert (residuals > 0.3).any()
    assert check_gradients(est, X, y) < 1e-6


def test_gradient_activation_list(data):
    X, y, sw = data
    est = BackpropRegressor(
        (6, 5, 4), activation=["gelu", "elu", "logistic"], alpha=0.1, random_state=0
    )
    assert check_gradients(est, X, y, sample_weight=sw) < 1e-6
    est.set_params(max_iter=3).fit(X, y)
    assert est.network_.activations == ("gelu", "elu", "logistic", "identity")
    assert check_gradients(est, X, y) < 1e-6


def test_check_gradients_detects_a_wrong_gradient(data, monkeypatch):
    X, y, _ = data
    est = BackpropRegressor((5,), activation="tanh", random_state=0)
    original = Network.loss_and_grad

    def broken(self, *args, **kwargs):
        loss, grad = original(self, *args, **kwargs)
        grad[0] *= 1.5
        return loss, grad

    monkeypatch.setattr(Network, "loss_and_grad", broken)
    assert check_gradients(est, X, y) > 1e-4


def test_check_gradients_leaves_estimator_unchanged(data):
    X, y, _ = data
    est = BackpropRegressor((5,), random_state=0)
    check_gradients(est, X, y)
    assert not hasattr(est, "coefs_")
    est.fit(X, y)
    before = [c.copy() for c in est.coefs_]
    assert check_gradients(est, X, y) < 1e-6
    for b, c in zip(before, est.coefs_, strict=True):
        np.testing.assert_array_equal(b, c)


def test_huber_is_robust_to_outliers():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(400, 2))
    y_clean = X[:, 0] - 0.5 * X[:, 1] ** 2
    y = y_clean + 0.05 * rng.randn(400)
    outliers = rng.choice(300, size=30, replace=False)  # 10 % of training rows
    y[outliers] += rng.choice([-1, 1], size=30) * 30
    params = {"hidden_layer_sizes": (32,), "max_iter": 150, "random_state": 0}
    mse = BackpropRegressor(**params).fit(X[:300], y[:300])
    huber = BackpropRegressor(loss="huber", huber_delta=0.5, **params).fit(
        X[:300], y[:300]
    )
    err_mse = mean_absolute_error(y_clean[300:], mse.predict(X[300:]))
    err_huber = mean_absolute_error(y_clean[300:], huber.predict(X[300:]))
    assert err_huber < 0.5 * err_mse


def test_logistic_output_stays_in_unit_interval():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 3) * 5
    y = (X[:, 0] > 0).astype(float) * 0.98 + 0.01
    est = BackpropRegressor(
        (16,), out_activation="logistic", max_iter=50, random_state=0
    ).fit(X, y)
    assert est.out_activation_ == "logistic"
    pred = est.predict(rng.randn(1000, 3) * 5)
    assert np.all((pred > 0) & (pred < 1))
    # Far outside the data the sigmoid saturates, in floating point, to the
    # closed interval's ends, never beyond.
    pred = est.predict(rng.randn(1000, 3) * 1e6)
    assert np.all((pred >= 0) & (pred <= 1))


def test_positive_outputs():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    y = np.exp(X[:, 0])
    for out in ["softplus", "exp"]:
        est = BackpropRegressor(
            (8,), out_activation=out, max_iter=30, random_state=0
        ).fit(X, y)
        assert np.all(est.predict(rng.randn(500, 3) * 10) > 0)


def test_default_out_activation_follows_loss():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 2), rng.rand(30)
    assert BackpropRegressor(max_iter=2).fit(X, y).out_activation_ == "identity"
    est = BackpropRegressor(loss="poisson", max_iter=2).fit(X, y)
    assert est.out_activation_ == "exp"
    with pytest.raises(ValueError, match="strictly positive output"):
        BackpropRegressor(loss="poisson", out_activation="tanh").fit(X, y)


def test_dropout_changes_training_not_prediction(data):
    X, y, _ = data
    plain = BackpropRegressor((16,), max_iter=10, random_state=0).fit(X, y)
    dropped = clone(plain).set_params(dropout=0.3).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    np.testing.assert_array_equal(dropped.predict(X), dropped.predict(X))
    # The same random_state gives the same masks: training is reproducible.
    again = clone(dropped).fit(X, y)
    np.testing.assert_array_equal(again.coefs_[0], dropped.coefs_[0])
    # One rate per hidden layer; a zero rate means no mask for that layer.
    per_layer = BackpropRegressor((8, 8), dropout=[0.0, 0.5], max_iter=3)
    per_layer.fit(X, y)
    with pytest.raises(ValueError, match="one rate per hidden layer"):
        BackpropRegressor((8, 8), dropout=[0.1, 0.2, 0.3]).fit(X, y)
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        BackpropRegressor(dropout=0.2, solver="lbfgs").fit(X, y)


def test_dropout_partial_fit(data):
    X, y, _ = data
    est = BackpropRegressor((8,), dropout=0.5, random_state=0)
    est.partial_fit(X, y).partial_fit(X, y)
    assert est.n_iter_ == 1
    assert np.isfinite(est.predict(X)).all()


def test_x_val_is_the_scored_set(data):
    X, y, _ = data
    rng = np.random.RandomState(1)
    X_val, y_val = rng.randn(15, 4), rng.randn(15, 2)
    est = BackpropRegressor((8,), max_iter=6, random_state=0)
    est.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(est.validation_scores_) == len(est.validation_loss_curve_) == 6
    # The last epoch's record is the score and loss of the final weights on X_val.
    assert est.validation_scores_[-1] == pytest.approx(est.score(X_val, y_val))
    half_mse = 0.5 * ((est.predict(X_val) - y_val) ** 2).sum(axis=1).mean()
    assert est.validation_loss_curve_[-1] == pytest.approx(half_mse)
    # Without early stopping it only monitors: training is unchanged.
    plain = BackpropRegressor((8,), max_iter=6, random_state=0).fit(X, y)
    np.testing.assert_array_equal(plain.coefs_[0], est.coefs_[0])
    assert plain.validation_scores_ is None
    assert plain.validation_loss_curve_ is None


def test_x_val_drives_early_stopping(data):
    X, y, _ = data
    # Targets of the opposite sign: the better the fit, the worse the score.
    X_val, y_val = X[:15], -y[:15]
    est = BackpropRegressor(
        (8,),
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=100,
        learning_rate_init=0.05,
        scoring="loss",
        random_state=0,
    )
    est.fit(X, y, X_val=X_val, y_val=y_val)
    scores = est.validation_scores_
    assert scores == pytest.approx([-v for v in est.validation_loss_curve_])
    assert est.best_validation_score_ == max(scores)
    # Stopped on the plateau, with the best-scoring weights restored.
    assert est.n_iter_ < 100
    assert -est.best_validation_score_ == pytest.approx(
        0.5 * ((est.predict(X_val) - y_val) ** 2).sum(axis=1).mean()
    )


def test_internal_split_fills_validation_loss_curve(data):
    X, y, _ = data
    est = BackpropRegressor((8,), early_stopping=True, max_iter=5, random_state=0)
    est.fit(X, y)
    assert len(est.validation_loss_curve_) == len(est.validation_scores_) == 5


def test_scorer_names_and_callables(data):
    X, y, _ = data
    X_val, y_val = X[:10], y[:10]
    est = BackpropRegressor(
        (8,), max_iter=3, scoring="neg_mean_absolute_error", random_state=0
    ).fit(X, y, X_val=X_val, y_val=y_val)
    expected = -mean_absolute_error(y_val, est.predict(X_val))
    assert est.validation_scores_[-1] == pytest.approx(expected)

    def scorer(estimator, X, y):
        return -np.max(np.abs(estimator.predict(X) - y))

    est.set_params(scoring=scorer).fit(X, y, X_val=X_val, y_val=y_val)
    assert est.validation_scores_[-1] == pytest.approx(scorer(est, X_val, y_val))


def test_validation_argument_errors(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="y_val"):
        BackpropRegressor(max_iter=2).fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="need X_val"):
        BackpropRegressor(max_iter=2).fit(X, y, y_val=y)
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        BackpropRegressor(solver="lbfgs").fit(X, y, X_val=X, y_val=y)
    with pytest.raises(ValueError, match="features"):
        BackpropRegressor(max_iter=2).fit(X, y, X_val=X[:, :2], y_val=y)
    with pytest.raises(ValueError, match="outputs"):
        BackpropRegressor(max_iter=2).fit(X, y, X_val=X, y_val=y[:, 0])


def test_x_val_routed_through_pipeline(data):
    X, y, _ = data
    X_val, y_val = X[:10], y[:10]
    with sklearn.config_context(enable_metadata_routing=True):
        est = BackpropRegressor((8,), max_iter=4, random_state=0).set_fit_request(
            X_val=True, y_val=True
        )
        pipe = make_pipeline(StandardScaler(), est)
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(pipe[-1].validation_scores_) == 4


def test_gradient_clipping_bounds_the_step(data):
    X, y, _ = data
    y = 1000 * y  # huge gradients
    lr, max_norm = 0.1, 0.01
    est = BackpropRegressor(
        (8,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=lr,
        max_grad_norm=max_norm,
        batch_size=10,
        shuffle=False,
        random_state=0,
    )
    est.partial_fit(X[:10], y[:10])
    theta = est.theta_.copy()
    for start in range(10, 40, 10):
        est.partial_fit(X[start : start + 10], y[start : start + 10])
        step = np.linalg.norm(est.theta_ - theta)
        assert step <= lr * max_norm * (1 + 1e-6)
        assert step == pytest.approx(lr * max_norm, rel=1e-6)  # it was clipped
        theta = est.theta_.copy()
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        BackpropRegressor(solver="lbfgs", max_grad_norm=1.0).fit(X, y)
