"""The fitted state of an estimator: snapshots, and views of the parameters.

A call to ``fit`` or ``partial_fit`` changes a known set of attributes
(``FITTED_STATE`` in :mod:`skmlp._base`). It snapshots them first (copying
all but the optimizer state, whose arrays a call only reads, see
``READ_ONLY_STATE`` in :mod:`skmlp._stochastic`) and puts them back if the
call fails, and Ctrl-C goes back to a snapshot of the last
epoch. ``coefs_`` and ``intercepts_`` are lists of views into the flat
parameter vector that write through.

On the Array API path (weights on a torch, cupy or array-api-strict device)
arrays are copied in their namespace and on their device
(:func:`skmlp._backend.copy`), and :func:`converted_state` moves fitted state
for ``__sklearn_array_api_convert__``.
"""

from numbers import Integral
from typing import NamedTuple

import numpy as np

from . import _array_api
from ._backend import ArraySpace, copy


class Appended(NamedTuple):
    """A list in a snapshot: the list itself and its length then.

    Fit only appends to its curves, so truncating puts a list back exactly,
    without copying a curve that grows by one value per ``partial_fit``.
    """

    items: list
    length: int


def copy_state(value, into=None):
    """Copy fitted state for a snapshot, into ``into``'s arrays where they fit.

    Arrays are copied (into a previous snapshot's array of the same shape and
    dtype, when there is one, so a ``partial_fit`` stream allocates nothing),
    lists are remembered by length, dicts copied item by item; numbers and
    strings are immutable.
    """
    if isinstance(value, np.ndarray):
        if (
            isinstance(into, np.ndarray)
            and into.shape == value.shape
            and into.dtype == value.dtype
        ):
            np.copyto(into, value)
            return into
        return value.copy()
    if _array_api.is_device_array(value):
        return copy(value)
    if isinstance(value, list):
        return Appended(value, len(value))
    if isinstance(value, dict):
        into = into if isinstance(into, dict) else {}
        return {key: copy_state(item, into.get(key)) for key, item in value.items()}
    return value


def lend_state(value):
    """Keep fitted state in a snapshot without copying its arrays.

    For state that a call replaces but never writes into: a dict is copied
    (the call may change its items), its arrays are shared. Putting it back
    copies them, as for any snapshot.
    """
    return dict(value) if isinstance(value, dict) else value


def put_back(value):
    """Return the state a snapshot's entry holds, for the estimator to own."""
    if isinstance(value, Appended):
        del value.items[value.length :]
        return value.items
    if isinstance(value, np.ndarray) or _array_api.is_device_array(value):
        return copy(value)
    if isinstance(value, dict):
        return {key: put_back(item) for key, item in value.items()}
    return value


def converted_state(value, converter):
    """Return fitted state moved by ``converter``, sharing no memory with it.

    For ``__sklearn_array_api_convert__``: arrays are converted and copied
    (DLPack would share torch's and numpy's CPU memory, and a later
    ``partial_fit`` of one copy would change the other), dicts item by item,
    lists copied; a fitted estimator (``standardize_y``'s scaler, the
    classifier's label binarizer) as scikit-learn converts it; numbers,
    strings and numpy scalars are kept.
    """
    if isinstance(value, np.ndarray) or _array_api.is_device_array(value):
        return copy(converter(value))
    if isinstance(value, dict):
        return {key: converted_state(item, converter) for key, item in value.items()}
    if isinstance(value, list):
        return list(value)
    if hasattr(value, "get_params") and not isinstance(value, type):
        return _array_api.convert_estimator(value, lambda a: copy(converter(a)))
    return value


class ParameterList(list):
    """``coefs_`` or ``intercepts_``: views into ``theta`` that write through.

    ``est.coefs_[0] = W`` copies ``W`` into the model's parameter vector, as
    replacing a list item does for MLPRegressor, instead of changing a list
    that is thrown away.
    """

    def __setitem__(self, index, value):
        if not isinstance(index, Integral):
            raise TypeError("Assign one layer at a time, e.g. est.coefs_[0] = W.")
        self[index][...] = layer_values(index, self[index], value)


def layer_values(index, view, value):
    """Return ``value`` as an array for layer ``index``, if it has the view's shape."""
    if isinstance(view, np.ndarray):
        value = np.asarray(value)
    else:
        space = ArraySpace.of(view)
        value = _array_api.move(value, space.xp, space.device)
    if value.shape != view.shape:
        raise ValueError(
            f"Layer {index} has shape {view.shape}, got an array of shape "
            f"{value.shape}. Refit with the architecture you need instead."
        )
    return value
