"""check_gradients: right gradients pass, wrong ones fail, even at relu kinks."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor, GradientCheck, check_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def relu_optimum():
    """A relu network at a converged L-BFGS optimum (issue 14, bug 5)."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    est = BackpropRegressor(
        (16,), alpha=1.0, solver="lbfgs", max_iter=2000, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y), X, y


def _with_gradient_error(monkeypatch, est, error):
    """Make ``est.get_objective`` return gradients off by ``error(grad)``."""
    get_objective = est.get_objective

    def wrong_get_objective(X, y, sample_weight=None):
        objective, theta = get_objective(X, y, sample_weight)

        def wrong(t):
            loss, grad = objective(t)
            return loss, grad + error(grad)

        return wrong, theta

    monkeypatch.setattr(est, "get_objective", wrong_get_objective)


def test_right_gradient_at_a_relu_optimum_is_reported_right(relu_optimum):
    est, X, y = relu_optimum
    result = check_gradients(est, X, y)
    # Samples sit on relu kinks at the optimum: most stencils cross one, and
    # over every parameter the differences disagree (0.53 before the kinks
    # were detected), though the gradient is right.
    assert 0 < result.n_kinks < result.n_params
    all_error = np.linalg.norm(result.gradient - result.numeric_gradient)
    assert all_error / np.linalg.norm(result.gradient) > 0.1
    assert result < 1e-8
    assert result.absolute_error < 1e-8 * result.loss


@pytest.mark.parametrize(
    "error",
    [
        # 1e-4 on every derivative, about the size of the true gradient here
        lambda grad: np.full_like(grad, 1e-4),
        # a wrong sign on the output bias, which crosses no kink
        lambda grad: np.r_[np.zeros(grad.size - 1), -2 * grad[-1:] + 1e-3],
    ],
)
def test_wrong_gradient_at_a_relu_optimum_is_reported_wrong(
    relu_optimum, monkeypatch, error
):
    est, X, y = relu_optimum
    _with_gradient_error(monkeypatch, est, error)
    assert check_gradients(est, X, y) > 1e-4


def test_smooth_loss_has_no_kinks():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), rng.randn(30)
    est = BackpropRegressor((5,), activation="tanh", alpha=0.1, random_state=0)
    est.fit(X, y)
    result = check_gradients(est, X, y)
    assert result.n_kinks == 0
    assert not result.kinks.any()
    assert result < 1e-8


def test_result_is_a_float_with_details():
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 3), rng.randn(20)
    est = BackpropRegressor((4,), activation="tanh", random_state=0)
    result = check_gradients(est, X, y)
    assert isinstance(result, GradientCheck)
    assert isinstance(result, float)
    assert float(result) == result.relative_error
    assert f"{result:.1e}" == f"{float(result):.1e}"
    assert result.n_params == 3 * 4 + 4 + 4 + 1 == result.gradient.size
    assert repr(result).startswith("GradientCheck(relative_error=")
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result
    assert copy.n_kinks == result.n_kinks
    np.testing.assert_array_equal(copy.numeric_gradient, result.numeric_gradient)


def test_pipeline_checks_its_last_step_on_transformed_x(relu_optimum):
    _, X, y = relu_optimum
    X, y = X[:60] * 10 + 3, y[:60]
    pipe = make_pipeline(
        StandardScaler(), BackpropRegressor((4,), "tanh", max_iter=5, random_state=0)
    )
    # Unfitted: the scaler is fitted on a copy; the pipeline is unchanged.
    unfitted = check_gradients(pipe, X, y)
    assert unfitted < 1e-8
    assert not hasattr(pipe[0], "mean_")
    assert not hasattr(pipe[-1], "coefs_")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    fitted = check_gradients(pipe, X, y)
    assert fitted < 1e-8
    np.testing.assert_array_equal(
        fitted.gradient, check_gradients(pipe[-1], pipe[0].transform(X), y).gradient
    )


@pytest.mark.parametrize(
    "estimator",
    [
        MLPRegressor(hidden_layer_sizes=(4,)),
        make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(4,))),
    ],
)
def test_other_estimators_are_refused_with_what_is_accepted(estimator):
    X, y = np.ones((5, 2)), np.ones(5)
    with pytest.raises(TypeError, match=r"skmlp estimator.*or a Pipeline ending"):
        check_gradients(estimator, X, y)
