"""Helpers shared by the test files: finite differences and small data sets."""

import math

import numpy as np


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


def regression_data(n_samples=40, n_features=4, n_outputs=2, seed=0):
    """A smooth regression problem ``(X, y, sample_weight)``; ``y`` is 2-D."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    y = np.tanh(X @ rng.randn(n_features, n_outputs)) + 0.1 * rng.randn(
        n_samples, n_outputs
    )
    return X, y, rng.uniform(0.5, 2.0, size=n_samples)


def cosine_rate(count, eta_0, total, warmup):
    """The rate of step ``count`` of ``learning_rate='cosine'``, as documented."""
    s = count - 1
    if s < warmup:
        return eta_0 * (s + 1) / warmup
    p = min(1.0, (s - warmup) / (total - warmup))
    return eta_0 * 0.5 * (1 + math.cos(math.pi * p))
