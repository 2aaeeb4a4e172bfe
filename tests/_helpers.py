"""Helpers shared by the test files: data, finite differences, comparisons, Ctrl-C.

Import them as ``from _helpers import ...`` (pytest puts ``tests/`` on the
path). Each exists once here; a test file that needs other data says so.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp import _array_api
from skmlp._network import Network

SOLVERS = ["lbfgs", "sgd", "adam"]
STOCHASTIC = ["sgd", "adam"]

#: For tests whose short fits stop at max_iter on purpose.
ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

#: For tests of the Array API path: scikit-learn has its machinery from 1.9.
needs_array_api = pytest.mark.skipif(
    not _array_api.SUPPORTED, reason="the Array API path needs scikit-learn >= 1.9"
)

# -- data --------------------------------------------------------------------------


def regression_data(
    n_samples=40,
    n_features=4,
    n_outputs=2,
    seed=0,
    *,
    link=np.tanh,
    noise=0.1,
    X_scale=1.0,
    X_loc=0.0,
    y_scale=1.0,
    y_loc=0.0,
    counts=False,
):
    """A regression problem ``(X, Y, sample_weight)``; ``Y`` is 2-D.

    ``X`` is standard normal, then scaled by ``X_scale`` and moved by
    ``X_loc``; ``Y = link(X_std @ W) + noise * E`` with ``X_std`` the
    standard-normal features, ``W`` and ``E`` standard normal, then scaled by
    ``y_scale`` and moved by ``y_loc``. ``link=None`` is the identity. The
    draws come in that order (``X``, ``W``, ``E``, then the Poisson counts if
    asked, then the weights), so a smaller request gives the same leading
    arrays.

    With ``counts=True``, return ``(X, Y, counts, sample_weight)`` with
    Poisson counts of mean ``exp(0.5 * tanh(X_std @ W))``, as float64.
    """
    rng = np.random.RandomState(seed)
    X = X_scale * rng.randn(n_samples, n_features) + X_loc
    W = rng.randn(n_features, n_outputs)
    # (X - X_loc) @ W / X_scale is X_std @ W, computed from X as given.
    Z = (X - X_loc) @ W / X_scale
    Y = (Z if link is None else link(Z)) + noise * rng.randn(n_samples, n_outputs)
    Y = y_scale * Y + y_loc
    arrays = [X, Y]
    if counts:
        arrays.append(rng.poisson(np.exp(0.5 * np.tanh(Z))).astype(np.float64))
    return (*arrays, rng.uniform(0.5, 2.0, size=n_samples))


def one_output(Y):
    """``Y`` as MLPRegressor's targets: 1-D when there is one output."""
    return Y[:, 0] if Y.shape[1] == 1 else Y


def estimator_data(n_samples=60, n_features=4, n_outputs=1, seed=0, **options):
    """``(X, y)`` of :func:`regression_data`, ``y`` 1-D for one output.

    With ``counts=True``, ``(X, y, counts, sample_weight)``.
    """
    X, Y, *rest = regression_data(n_samples, n_features, n_outputs, seed, **options)
    if options.get("counts"):
        counts, sample_weight = rest
        return X, one_output(Y), one_output(counts), sample_weight
    return X, one_output(Y)


# -- finite differences ------------------------------------------------------------


def numeric_grad(fun, x, h=1e-6):
    """Central finite differences of a scalar function ``fun`` at ``x``.

    Each entry of ``x`` (any shape) moves by ``+h`` and ``-h`` in turn; the
    error is O(h**2) for smooth ``fun``.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (fun(x + step) - fun(x - step)) / (2 * h)
    return grad


def relative_error(actual, desired):
    """The norm of the difference, relative to the larger of the two norms."""
    scale = max(np.linalg.norm(actual), np.linalg.norm(desired))
    return np.linalg.norm(actual - desired) / scale


# -- comparing fitted estimators ---------------------------------------------------


def weights(est):
    """Copies of ``coefs_`` then ``intercepts_``."""
    return [a.copy() for a in est.coefs_ + est.intercepts_]


def assert_weights_equal(a, b):
    """Two lists of weights (from :func:`weights`) agree bit for bit, dtype too."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype
        assert_array_equal(x, y)


def assert_weights_close(ours, theirs):
    """Our weights against MLPRegressor's (or a list of arrays), to rounding."""
    theirs = theirs if isinstance(theirs, list) else weights(theirs)
    ours = ours if isinstance(ours, list) else weights(ours)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def assert_same(a, b, where="state"):
    """Assert equal values of equal types, recursively; NaN equals NaN."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        assert_array_equal(a, b, err_msg=where, strict=True)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float | np.floating) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


# -- Ctrl-C ------------------------------------------------------------------------


def interrupt_on_call(monkeypatch, n, method="loss_and_grad"):
    """Make the ``n``-th call of ``Network.<method>`` raise KeyboardInterrupt.

    Every call the estimator makes to train (``loss_and_grad``) or to score
    its validation set (``predict``) goes through the ``Network`` seam, so
    this lands Ctrl-C at a chosen minibatch or epoch. Returns the call count
    as ``{"count": int}``.
    """
    original = getattr(Network, method)
    calls = {"count": 0}

    def interrupting(self, *args, **kwargs):
        calls["count"] += 1
        if calls["count"] == n:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, method, interrupting)
    return calls


# -- schedules ---------------------------------------------------------------------


def cosine_rate(count, eta_0, total, warmup):
    """The rate of step ``count`` of ``learning_rate='cosine'``, as documented."""
    s = count - 1
    if s < warmup:
        return eta_0 * (s + 1) / warmup
    p = min(1.0, (s - warmup) / (total - warmup))
    return eta_0 * 0.5 * (1 + math.cos(math.pi * p))


# -- optimizers --------------------------------------------------------------------

#: MLPRegressor's defaults, as the estimator's ``get_params()`` gives them.
OPTIMIZER_PARAMS = {
    "learning_rate_init": 0.001,
    "learning_rate": "constant",
    "power_t": 0.5,
    "momentum": 0.9,
    "nesterovs_momentum": True,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "epsilon": 1e-8,
    "max_grad_norm": None,
    "max_iter": 200,
    "warmup_fraction": 0.0,
    "weight_decay": 0.0,
}


#: The optimizer tests' sizes: parameters, and epochs of minibatches of rows.
N_PARAMS = 50
EPOCHS, STEPS_PER_EPOCH, BATCH = 4, 3, 10


def theta_and_grads(dtype, n_grads=EPOCHS * STEPS_PER_EPOCH, seed=0):
    """A random ``theta`` and ``n_grads`` random gradients for it."""
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(N_PARAMS).astype(dtype)
    grads = [rng.standard_normal(N_PARAMS).astype(dtype) for _ in range(n_grads)]
    return theta, grads


def adam_by_hand(theta, grads, rates, weight_decay=0.0, n_decayed=0):
    """Yield ``(theta, m)`` after each step of Adam (AdamW) written out by hand."""
    theta = theta.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, (grad, eta) in enumerate(zip(grads, rates, strict=True), start=1):
        theta[:n_decayed] *= 1 - eta * weight_decay
        m = 0.9 * m + (1 - 0.9) * grad
        v = 0.999 * v + (1 - 0.999) * (grad**2)
        lr = eta * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        theta += -lr * m / (np.sqrt(v) + 1e-8)
        yield theta, m
