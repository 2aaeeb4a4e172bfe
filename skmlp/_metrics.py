"""The validation score of early stopping, without per-epoch input checks."""

import numpy as np

from ._array_api import to_numpy


def r2(y, y_pred, sample_weight=None):
    """Return R², as ``sklearn.metrics.r2_score`` computes it for validated arrays.

    The coefficient of determination of each output, averaged uniformly over
    outputs; an output whose targets are constant scores 1 if predicted
    exactly and 0 otherwise (scikit-learn's ``force_finite=True``).
    scikit-learn's function validates its inputs on every call, which costs
    more than a small network's whole epoch; here ``y`` and ``y_pred`` are
    already 2-D arrays of one dtype, checked once per fit.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        True targets.

    y_pred : ndarray of shape (n_samples, n_outputs)
        Predictions.

    sample_weight : ndarray of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
    """
    if not isinstance(y_pred, np.ndarray):
        # Array API path: scored on the host, with the numpy path's numbers.
        y, y_pred = to_numpy(y), to_numpy(y_pred)
        sample_weight = None if sample_weight is None else to_numpy(sample_weight)
    weight = 1.0 if sample_weight is None else sample_weight[:, np.newaxis]
    numerator = (weight * (y - y_pred) ** 2).sum(axis=0)
    mean = np.average(y, axis=0, weights=sample_weight)
    denominator = (weight * (y - mean) ** 2).sum(axis=0)
    valid = denominator != 0
    scores = np.where(numerator == 0, 1.0, 0.0)
    scores[valid] = 1 - numerator[valid] / denominator[valid]
    return float(np.mean(scores))
