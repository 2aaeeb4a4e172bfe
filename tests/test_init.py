"""The initialisation schemes of ``skmlp._init``: MLPRegressor's draws and more."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skmlp import BackpropRegressor
from skmlp._init import INIT_SCHEMES, initial_theta
from skmlp._network import Network


def _sklearn_initial_weights(activation, hidden, n_features, seed, dtype):
    """MLPRegressor's initial weights, through the public API only.

    One Adam step with a learning rate of 1e-300 moves no weight (w + 1e-299
    rounds to w), so the weights after partial_fit are the drawn ones.
    """
    rng = np.random.RandomState(99)
    X = rng.randn(10, n_features).astype(dtype)
    y = rng.randn(10).astype(dtype)
    mlp = MLPRegressor(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver="adam",
        learning_rate_init=1e-300,
        random_state=seed,
    ).partial_fit(X, y)
    return mlp.coefs_, mlp.intercepts_


def _assert_weights_equal(net, theta, coefs, intercepts):
    Ws, bs = net.unpack(theta)
    for W, coef in zip(Ws, coefs, strict=True):
        assert_array_equal(W.T, coef)
    for b, intercept in zip(bs, intercepts, strict=True):
        assert_array_equal(b, intercept)


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_glorot_uniform_draws_what_mlpregressor_draws(activation, dtype):
    hidden, n_features, seed = (6, 4), 3, 7
    coefs, intercepts = _sklearn_initial_weights(
        activation, hidden, n_features, seed, dtype
    )
    net = Network(
        layer_units=(n_features, *hidden, 1),
        activations=(activation,) * len(hidden) + ("identity",),
    )
    theta = initial_theta(net, np.random.RandomState(seed), dtype)
    assert theta.dtype == dtype
    _assert_weights_equal(net, theta, coefs, intercepts)


@pytest.mark.parametrize("activation", ["logistic", "relu"])
def test_without_hidden_layers_the_estimators_activation_decides(activation):
    # MLPRegressor narrows the bound for activation='logistic' even when no
    # layer uses it; the network alone cannot know, so the caller says.
    coefs, intercepts = _sklearn_initial_weights(activation, (), 3, 5, np.float64)
    net = Network(layer_units=(3, 1), activations=("identity",))
    theta = initial_theta(
        net, np.random.RandomState(5), np.float64, activation=activation
    )
    _assert_weights_equal(net, theta, coefs, intercepts)


def _max_abs_over_bound(net, theta, factor):
    """Each layer's largest |weight| and |bias| over sqrt(factor / fan sum)."""
    Ws, bs = net.unpack(theta)
    return [
        max(np.abs(W).max(), np.abs(b).max()) / np.sqrt(factor / sum(W.shape))
        for W, b in zip(Ws, bs, strict=True)
    ]


@pytest.mark.parametrize(
    ("activations", "factors"),
    [
        (("logistic", "relu", "identity"), (2, 6, 6)),  # the output: last hidden
        (("relu", "logistic", "identity"), (6, 2, 2)),
        (("tanh", "tanh", "identity"), (6, 6, 6)),
    ],
)
def test_glorot_bound_follows_each_layers_activation(activations, factors):
    net = Network(layer_units=(60, 50, 40, 30), activations=activations)
    theta = initial_theta(net, np.random.RandomState(0), np.float64)
    for ratio, factor in zip(
        _max_abs_over_bound(net, theta, 1.0), factors, strict=True
    ):
        # The whole range U(-r, r) is used, and no more.
        assert 0.95 * np.sqrt(factor) < ratio <= np.sqrt(factor)


@pytest.mark.parametrize(
    ("scheme", "variance"),
    [
        ("glorot_uniform", lambda i, o: 6 / (i + o) / 3),
        ("glorot_normal", lambda i, o: 2 / (i + o)),
        ("he_uniform", lambda i, o: 6 / i / 3),
        ("he_normal", lambda i, o: 2 / i),
    ],
)
def test_every_scheme_has_its_variance(scheme, variance):
    net = Network(layer_units=(300, 400, 1), activations=("relu", "identity"))
    theta = initial_theta(net, np.random.RandomState(0), np.float64, scheme=scheme)
    Ws, bs = net.unpack(theta)
    for W in Ws:
        fan_out, fan_in = W.shape
        assert W.var() == pytest.approx(variance(fan_in, fan_out), rel=0.1)
    if scheme == "glorot_uniform":
        assert all(np.abs(b).min() > 0 for b in bs)  # drawn like the weights
    else:
        assert all(not b.any() for b in bs)


def test_unknown_scheme_is_an_error_naming_the_known_ones():
    net = Network(layer_units=(3, 1), activations=("identity",))
    with pytest.raises(ValueError, match="he_normal"):
        initial_theta(net, np.random.RandomState(0), np.float64, scheme="lecun")


def test_the_estimators_init_options_are_the_table():
    X, y = np.ones((4, 2)), np.ones(4)
    with pytest.raises(ValueError, match="init") as error:
        BackpropRegressor(init="lecun").fit(X, y)
    for scheme in INIT_SCHEMES:
        assert repr(scheme) in str(error.value)


@pytest.mark.parametrize("scheme", sorted(INIT_SCHEMES))
@pytest.mark.parametrize("activation", ["logistic", ["logistic", "relu"]])
def test_the_estimator_starts_from_initial_theta(scheme, activation):
    # get_objective of an unfitted estimator returns its initial weights.
    X, y = np.random.RandomState(0).randn(8, 3), np.zeros(8)
    est = BackpropRegressor((5, 4), activation, init=scheme, random_state=3)
    _, theta = est.get_objective(X, y)
    names = [activation] * 2 if isinstance(activation, str) else activation
    net = Network((3, 5, 4, 1), (*names, "identity"))
    expected = initial_theta(net, np.random.RandomState(3), np.float64, scheme)
    assert_array_equal(theta, expected)


def test_default_init_matches_mlpregressor():
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 3), rng.randn(20)
    for activation in ["relu", "logistic"]:
        ours = BackpropRegressor((7,), activation, solver="lbfgs", max_iter=1)
        theirs = MLPRegressor(hidden_layer_sizes=(7,), activation=activation)
        theirs.set_params(solver="lbfgs", max_iter=1)
        with pytest.warns(ConvergenceWarning):
            ours.set_params(random_state=3).fit(X, y)
        with pytest.warns(ConvergenceWarning):
            theirs.set_params(random_state=3).fit(X, y)
        np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-12)
