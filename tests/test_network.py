"""The math seam: ``Network.loss_and_grad``, ``predict``, ``unpack``, dropout.

The gradient is checked against central finite differences of the loss in
float64, and the loss and the forward pass against an independent numpy
implementation of equations (1)-(3) written here from scratch.
"""

import math
import warnings
from itertools import pairwise

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import numeric_grad, regression_data, relative_error
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context

from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._init import initial_theta
from skmlp._losses import LOSSES
from skmlp._network import Network

OUTPUT_ACTIVATION = {"squared_error": "identity", "poisson": "exp", "huber": "identity"}
#: Activations with a kink at 0, which no finite difference may cross.
KINKED = {"relu", "leaky_relu"}


def _reference_activation(name, z):
    return {
        "identity": lambda z: z,
        "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0.0),
        "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
        "elu": lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1),
        "softplus": lambda z: np.log1p(np.exp(z)),
        "gelu": lambda z: 0.5 * z * (1 + np.vectorize(math.erf)(z / np.sqrt(2))),
        "silu": lambda z: z / (1 + np.exp(-z)),
        "exp": np.exp,
    }[name](z)


def _reference_forward(net, theta, X):
    """Equations (1)-(2), with scikit-learn's (fan_in, fan_out) layout of theta."""
    units = net.layer_units
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in pairwise(units):
        coefs.append(theta[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in units[1:]:
        intercepts.append(theta[start : start + fan_out])
        start += fan_out
    assert start == theta.size
    a, zs = np.asarray(X), []
    for W, b, name in zip(coefs, intercepts, net.activations, strict=True):
        z = a @ W + b
        zs.append(z)
        a = _reference_activation(name, z)
    return a, zs, coefs


def _reference_loss(net, theta, X, y, sample_weight, alpha):
    """Equation (3): per-sample loss summed over outputs, weighted mean, + L2."""
    y_hat, _, coefs = _reference_forward(net, theta, X)
    if net.loss.name == "squared_error":
        per_sample = 0.5 * ((y_hat - y) ** 2).sum(axis=1)
    elif net.loss.name == "huber":
        r = np.abs(y_hat - y)
        d = net.loss.delta
        per_sample = np.where(r <= d, 0.5 * r**2, d * (r - 0.5 * d)).sum(axis=1)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            log_term = np.where(y > 0, y * np.log(y / y_hat), 0.0)
        per_sample = (log_term - y + y_hat).sum(axis=1)
    s = np.ones(len(X)) if sample_weight is None else sample_weight
    S = s.sum()
    l2 = sum((W**2).sum() for W in coefs)
    return (s * per_sample).sum() / S + 0.5 * alpha * l2 / S


def _numerical_grad(net, theta, X, y, sample_weight, alpha, h):
    def loss(t):
        return net.loss_and_grad(t, X, y, sample_weight, alpha)[0]

    return numeric_grad(loss, theta, h)


def _problem(
    hidden,
    activation,
    loss,
    n_outputs,
    seed=0,
    n_samples=12,
    n_features=3,
    out_activation=None,
):
    X, y, _ = regression_data(n_samples, n_features, n_outputs, seed)
    rng = np.random.RandomState(seed)
    net = Network(
        layer_units=(n_features, *hidden, n_outputs),
        activations=(activation,) * len(hidden)
        + (out_activation or OUTPUT_ACTIVATION[loss],),
        loss=LOSSES[loss](delta=0.3) if loss == "huber" else loss,
    )
    if loss == "poisson":
        # Non-negative counts, zeros included (the xlogy branch).
        y = rng.poisson(1.5, size=(n_samples, n_outputs)).astype(np.float64)
        y[0, 0] = 0.0
    theta = initial_theta(net, rng, np.float64)
    return net, theta, X, y, rng


def _min_abs_hidden_preactivation(net, theta, X):
    _, zs, _ = _reference_forward(net, theta, X)
    return min(np.abs(z).min() for z in zs[:-1])


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss", sorted(OUTPUT_ACTIVATION))
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("hidden", [(4,), (4, 3)], ids=["1hidden", "2hidden"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gradient_matches_central_finite_differences(
    activation, loss, n_outputs, hidden, weighted
):
    net, theta, X, y, rng = _problem(hidden, activation, loss, n_outputs)
    sample_weight = rng.uniform(0.2, 3.0, size=len(X)) if weighted else None
    alpha = 0.3
    h = 1e-6
    if activation in KINKED:
        # No hidden pre-activation may cross the kink at 0 when one parameter
        # moves by h: each z moves by at most h * max(|a|, 1) per parameter.
        margin = _min_abs_hidden_preactivation(net, theta, X)
        assert margin > 1e3 * h, f"the relu kink is too close ({margin})"

    loss_value, grad = net.loss_and_grad(theta, X, y, sample_weight, alpha)
    g_num = _numerical_grad(net, theta, X, y, sample_weight, alpha, h)

    assert np.isfinite(loss_value)
    assert grad.shape == theta.shape
    assert relative_error(grad, g_num) < 1e-6


@pytest.mark.parametrize("loss", ["squared_error", "huber"])
@pytest.mark.parametrize("out_activation", ["logistic", "tanh", "softplus", "exp"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gradient_with_every_kind_of_output_activation(loss, out_activation, weighted):
    net, theta, X, y, rng = _problem(
        (4,), "tanh", loss, 2, out_activation=out_activation
    )
    sample_weight = rng.uniform(0.2, 3.0, size=len(X)) if weighted else None
    _, grad = net.loss_and_grad(theta, X, y, sample_weight, 0.1)
    g_num = _numerical_grad(net, theta, X, y, sample_weight, 0.1, 1e-6)
    assert relative_error(grad, g_num) < 1e-6


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss", sorted(OUTPUT_ACTIVATION))
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_loss_value_is_equation_3(activation, loss, n_outputs):
    net, theta, X, y, rng = _problem((4, 3), activation, loss, n_outputs)
    sample_weight = rng.uniform(0.2, 3.0, size=len(X))
    for sw, alpha in [(None, 0.0), (sample_weight, 0.0), (sample_weight, 0.7)]:
        loss_value, _ = net.loss_and_grad(theta, X, y, sw, alpha)
        expected = _reference_loss(net, theta, X, y, sw, alpha)
        assert_allclose(loss_value, expected, rtol=1e-12)


def test_gradient_of_relu_network_with_mixed_signs_uses_subgradient_zero():
    # Several relu units are dead on some samples and alive on others: the
    # gradient must be the one of the active pieces only.
    net, theta, X, y, _ = _problem((6,), "relu", "squared_error", 2, seed=3)
    _, zs, _ = _reference_forward(net, theta, X)
    assert (zs[0] < 0).any()
    assert (zs[0] > 0).any()
    h = 1e-7
    assert _min_abs_hidden_preactivation(net, theta, X) > 1e3 * h
    _, grad = net.loss_and_grad(theta, X, y, None, 0.0)
    g_num = _numerical_grad(net, theta, X, y, None, 0.0, h)
    assert relative_error(grad, g_num) < 1e-6


def test_sample_weights_equal_repeated_samples():
    net, theta, X, y, _ = _problem((4,), "tanh", "squared_error", 2)
    sample_weight = np.array([1, 2, 3, 1, 1, 1, 2, 1, 1, 1, 1, 4], dtype=np.float64)
    repeat = sample_weight.astype(int)
    loss_w, grad_w = net.loss_and_grad(theta, X, y, sample_weight, alpha=0.5)
    loss_r, grad_r = net.loss_and_grad(
        theta, np.repeat(X, repeat, axis=0), np.repeat(y, repeat, axis=0), None, 0.5
    )
    assert_allclose(loss_w, loss_r, rtol=1e-12)
    assert_allclose(grad_w, grad_r, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_dense_loss_and_gradient(fmt):
    net, theta, X, y, _ = _problem((4, 3), "relu", "squared_error", 2)
    X[np.abs(X) < 0.7] = 0.0
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    loss_d, grad_d = net.loss_and_grad(theta, X, y, None, 0.1)
    loss_s, grad_s = net.loss_and_grad(theta, X_sparse, y, None, 0.1)
    assert_allclose(loss_s, loss_d, rtol=1e-13)
    assert_allclose(grad_s, grad_d, rtol=1e-12, atol=1e-15)
    assert_allclose(net.predict(theta, X_sparse), net.predict(theta, X), rtol=1e-13)


def test_poisson_gradient_is_finite_when_the_prediction_underflows_for_y_zero():
    # For y = 0 the half Poisson deviance is y_hat and dL/dz = y_hat - y, both
    # ~0 when exp(z) underflows to 0.0. Both must stay finite (the loss is
    # well defined there), as MLPRegressor's gradient y_hat - y does.
    net = Network(layer_units=(1, 1), activations=("exp",), loss="poisson")
    theta = np.array([1.0, 0.0])  # y_hat = exp(x)
    X = np.array([[-800.0], [0.5]])  # exp(-800) == 0.0 in float64
    y = np.array([[0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loss_value, grad = net.loss_and_grad(theta, X, y)
    y_hat = np.exp(X[:, 0])
    expected_dz = (y_hat - y[:, 0]) / 2  # mean over the 2 samples
    assert np.isfinite(grad).all(), grad
    assert_allclose(grad, [expected_dz @ X[:, 0], expected_dz.sum()], rtol=1e-12)
    assert np.isfinite(loss_value), loss_value


def test_unpack_returns_views_into_theta():
    net = Network(layer_units=(3, 4, 2), activations=("tanh", "identity"))
    theta = np.arange(net.n_params, dtype=np.float64)
    Ws, bs = net.unpack(theta)
    assert [W.shape for W in Ws] == [(4, 3), (2, 4)]  # the derivation's W^l
    assert [b.shape for b in bs] == [(4,), (2,)]
    for array in Ws + bs:
        assert np.shares_memory(array, theta)
    # scikit-learn's layout: coefs_ (fan_in, fan_out) in C order, then intercepts.
    assert_array_equal(Ws[0].T.ravel(), np.arange(12))
    assert_array_equal(Ws[1].T.ravel(), np.arange(12, 20))
    assert_array_equal(bs[0], [20, 21, 22, 23])
    assert_array_equal(bs[1], [24, 25])
    assert net.n_params == 26
    assert net.n_coefs == 20

    Ws[1][1, 3] = -1.0  # W^2[1, 3] is coefs_[1][3, 1]
    bs[0][2] = -2.0
    assert theta[12 + 3 * 2 + 1] == -1.0
    assert theta[22] == -2.0
    theta[0] = 100.0
    assert Ws[0][0, 0] == 100.0


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_predict_is_the_forward_pass_and_only_reads_theta(loss):
    net, theta, X, y, _ = _problem((5, 4), "tanh", loss, 3)
    theta.flags.writeable = False
    y_hat = net.predict(theta, X)  # raises if predict writes into theta
    expected, _, _ = _reference_forward(net, theta, X)
    assert y_hat.shape == (len(X), 3)
    assert_allclose(y_hat, expected, rtol=1e-13)
    # predict is the forward part of loss_and_grad: the loss at those outputs.
    loss_value, _ = net.loss_and_grad(theta, X, y)
    if loss == "squared_error":
        assert_allclose(loss_value, 0.5 * ((y_hat - y) ** 2).sum(axis=1).mean())


def test_loss_and_grad_only_reads_theta_and_fills_the_given_buffer():
    net, theta, X, y, _ = _problem((5,), "relu", "squared_error", 2)
    expected_loss, expected_grad = net.loss_and_grad(theta.copy(), X, y, None, 0.2)
    theta.flags.writeable = False
    buffer = np.full_like(theta, np.nan)
    loss_value, grad = net.loss_and_grad(theta, X, y, None, 0.2, grad=buffer)
    assert grad is buffer
    assert loss_value == expected_loss
    assert_array_equal(grad, expected_grad)


@pytest.mark.parametrize("hidden", [(7,), (9, 5)])
def test_predict_chunks_by_working_memory_give_the_same_result(hidden):
    net, theta, _, _, rng = _problem(hidden, "relu", "squared_error", 2)
    X = rng.randn(101, 3)
    full = net.predict(theta, X)
    with config_context(working_memory=1e-6):  # one row per chunk
        one_row = net.predict(theta, X)
    with config_context(working_memory=2 * 9 * 8 * 10 / 2**20):  # ~10 rows
        few_rows = net.predict(theta, X)
    # Same values up to rounding: BLAS may sum a one-row product in another
    # order than a many-row one.
    assert_allclose(one_row, full, rtol=1e-13, atol=1e-14)
    assert_allclose(few_rows, full, rtol=1e-13, atol=1e-14)
    expected, _, _ = _reference_forward(net, theta, X)
    assert_allclose(full, expected, rtol=1e-13)


def test_gradient_with_dropout_masks_matches_finite_differences():
    X, y, sw = regression_data(n_samples=40, n_features=4, n_outputs=2)
    net = Network((4, 6, 5, 2), ("tanh", "silu", "identity"))
    rng = np.random.RandomState(0)
    theta = initial_theta(net, rng, np.float64)
    masks = net.draw_dropout_masks(X.shape[0], (0.3, 0.5), rng, np.float64)
    assert {0.0, 1 / 0.7} == set(np.unique(masks[0]))

    def loss(t):
        return net.loss_and_grad(t, X, y, sw, 0.1, dropout_masks=masks)[0]

    _, grad = net.loss_and_grad(theta, X, y, sw, 0.1, dropout_masks=masks)
    assert relative_error(grad, numeric_grad(loss, theta)) < 1e-6
    # The masks matter: without them the gradient is a different one.
    without = net.loss_and_grad(theta, X, y, sw, 0.1)[1]
    assert relative_error(grad, without) > 1e-2


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_poisson_with_exp_output_starts_backprop_from_y_hat_minus_y(weighted):
    # The canonical pair: dL/dz^K is y_hat - y itself, so the output bias
    # gradient is its (weighted) mean to the last bit, as in MLPRegressor.
    net, theta, X, y, rng = _problem((4,), "tanh", "poisson", 2)
    sample_weight = rng.uniform(0.2, 3.0, size=len(X)) if weighted else None
    _, grad = net.loss_and_grad(theta, X, y, sample_weight)
    y_hat = net.predict(theta, X)
    dz = y_hat - y
    if weighted:
        dz *= sample_weight[:, None]
    S = len(X) if sample_weight is None else sample_weight.sum()
    assert_array_equal(net.unpack(grad)[1][-1], dz.sum(axis=0) / S)


def test_only_the_canonical_output_skips_its_derivative():
    # softplus with Poisson is not canonical: sigma' must be applied, and the
    # finite differences say it is.
    net, theta, X, y, _ = _problem(
        (4,), "tanh", "poisson", 1, out_activation="softplus"
    )
    _, grad = net.loss_and_grad(theta, X, y)
    g_num = _numerical_grad(net, theta, X, y, None, 0.0, 1e-6)
    assert relative_error(grad, g_num) < 1e-6
    assert net.keeps_z == (False, False)
