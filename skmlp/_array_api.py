"""scikit-learn's Array API machinery, wrapped in one place.

Most of what an estimator needs to support ``array_api_dispatch=True`` is
private to scikit-learn 1.9 (``sklearn.utils._array_api``). This module is the
only one that imports it, so that a later scikit-learn that renames a helper
is one edit away, and so that older scikit-learn versions (1.6 to 1.8) import
skmlp fine: there, dispatch with a non-numpy array raises a clear error and
the estimator does not declare ``array_api_support``.

The rest of skmlp asks two questions: is this fit on the numpy path (numpy,
sparse, pandas, lists, or dispatch off), or in which namespace and on which
device does it run (:func:`namespace_and_device`)?
"""

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import get_config

#: Whether this scikit-learn has the Array API machinery skmlp relies on.
SUPPORTED = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 9)

if SUPPORTED:
    from sklearn.utils._array_api import (
        _is_numpy_namespace,
        get_namespace_and_device,
        move_to,
    )
    from sklearn.utils._array_api import (
        check_same_namespace as _check_same_namespace,
    )
    from sklearn.utils._array_api import (
        move_estimator_to as _move_estimator_to,
    )


def dispatching():
    """Say whether ``sklearn.set_config(array_api_dispatch=True)`` is on."""
    return bool(get_config().get("array_api_dispatch", False))


def is_host_array(array):
    """Say whether ``array`` is handled by the numpy path (numpy or sparse)."""
    return isinstance(array, np.ndarray) or sp.issparse(array)


def is_device_array(value):
    """Say whether ``value`` is an array of another namespace (torch, cupy...)."""
    return not isinstance(value, np.ndarray | np.generic) and hasattr(
        value, "__dlpack__"
    )


def namespace_and_device(X):
    """Return ``(xp, device)`` of ``X`` for the generic path, or None for numpy.

    None when dispatch is off, or ``X`` is numpy, sparse, a DataFrame or a
    list: those take the numpy path, unchanged.

    Raises
    ------
    ValueError
        With dispatch on, a non-numpy ``X`` and scikit-learn older than 1.9.
    """
    if not dispatching() or is_host_array(X) or not is_device_array(X):
        return None
    if not SUPPORTED:
        raise ValueError(
            f"array_api_dispatch=True with a {type(X).__module__} array needs "
            f"scikit-learn >= 1.9 (found {sklearn.__version__}). Upgrade "
            "scikit-learn, or pass numpy arrays."
        )
    xp, _, device = get_namespace_and_device(X)
    if _is_numpy_namespace(xp):
        return None
    return xp, device


def move(array, xp, device):
    """Return ``array`` (or None) in namespace ``xp`` on ``device``."""
    if array is None or not SUPPORTED:
        return array
    return move_to(array, xp=xp, device=device)


def to_numpy(array):
    """Return a numpy copy of a device array, on the host; others as they are."""
    if not is_device_array(array):  # numpy, sparse, None
        return array
    return np.asarray(move_to(array, xp=np, device="cpu"))


def check_same_namespace(X, estimator, method):
    """Raise scikit-learn's error if ``X`` is not where ``estimator`` was fitted."""
    if SUPPORTED:
        _check_same_namespace(X, estimator, attribute="_theta", method=method)


def convert_estimator(estimator, converter):
    """Convert a nested estimator's arrays with ``converter``, as 1.9 does."""
    from sklearn.utils._array_api import _estimator_with_converted_arrays

    return _estimator_with_converted_arrays(estimator, converter)


def move_estimator_to(estimator, xp, device):
    """``sklearn.utils._array_api.move_estimator_to``, for tests and examples."""
    return _move_estimator_to(estimator, xp, device)


def namespace_of(module):
    """Return the namespace scikit-learn uses for arrays of ``module`` (e.g. torch)."""
    from sklearn.externals.array_api_compat import array_namespace

    return array_namespace(module.asarray([0.0]))
