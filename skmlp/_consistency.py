"""Checks that a validation set is on the scale of the training data.

Inside a Pipeline, ``X_val`` and ``y_val`` reach the estimator as they were
passed: the Pipeline's earlier steps do not transform ``X_val``, and a
``TransformedTargetRegressor`` does not transform ``y_val``. The estimator
then scores a scaled model on unscaled data, and early stopping follows a
meaningless score without any error. These checks catch the plain cases.

The rule is robust, so that consistent data never triggers it: a column is
off scale when its median lies more than :data:`MAX_SHIFT` training
interquartile ranges from the training median, or when its interquartile
range is more than :data:`MAX_RATIO` times larger or smaller than the
training one (where both are positive). A random split of one data set
moves a median by a fraction of an interquartile range; a forgotten
``StandardScaler`` moves it by the raw data's mean over its standard
deviation and changes the spread by its standard deviation, usually far
more.
"""

import numpy as np
import scipy.sparse as sp

#: How many training interquartile ranges a median may move.
MAX_SHIFT = 10.0

#: How much larger or smaller a validation interquartile range may be.
MAX_RATIO = 10.0

#: Fewer validation rows than this are not compared (their spread is noise).
MIN_ROWS = 20


def _median_and_iqr(a):
    q1, median, q3 = np.nanpercentile(a, [25, 50, 75], axis=0)
    return median, q3 - q1


def off_scale_columns(reference, other):
    """Return the indices of the columns of ``other`` off the scale of ``reference``.

    Parameters
    ----------
    reference : ndarray of shape (n_samples, n_columns)
        Training data, as the estimator trains on it.

    other : ndarray of shape (n_other, n_columns)
        Validation data.

    Returns
    -------
    columns : ndarray of int
        Empty when the two look consistent, or when they cannot be compared
        (sparse data, fewer than :data:`MIN_ROWS` rows of ``other``, or a
        column whose training values are constant).
    """
    if sp.issparse(reference) or sp.issparse(other) or len(other) < MIN_ROWS:
        return np.empty(0, dtype=int)
    median, iqr = _median_and_iqr(reference)
    other_median, other_iqr = _median_and_iqr(other)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.abs(other_median - median) / iqr
        ratio = np.maximum(other_iqr / iqr, iqr / other_iqr)
    # A column with no spread in either set (constant, or mostly one value
    # of a discrete feature) has no scale to compare.
    shifted = (iqr > 0) & (shift > MAX_SHIFT)
    spread = (iqr > 0) & (other_iqr > 0) & (ratio > MAX_RATIO)
    off = shifted | spread
    return np.flatnonzero(off)
