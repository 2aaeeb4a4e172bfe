"""The array seam: the only module that knows numpy-specific speed tricks.

:mod:`skmlp._network` writes the equations; this module decides how they run
fast in numpy:

- :func:`matmul` writes a matrix product into a preallocated buffer, taking
  sparse ``X`` and the one-output outer product into account;
- :func:`blas_threads_for` picks the number of BLAS threads for a network's
  batches (one thread for small products, see
  :data:`MIN_FLOPS_FOR_BLAS_THREADS`);
- :class:`Workspace` holds every per-batch buffer and the per-layer views of
  the flat parameter vectors, made once per fit.

A minibatch solver calls the network's ``loss_and_grad`` thousands of times
with the same shapes, and for small networks numpy's per-call overhead, not
arithmetic, is most of the time; these tricks remove that overhead without
changing a single rounding. This module imports nothing of the network: the
network hands over its layout (see :class:`Workspace`).

**The generic path.** With ``sklearn.set_config(array_api_dispatch=True)``
and a torch, cupy or array-api-strict ``X``, the same equations run in that
namespace on that device, through :class:`ArraySpace` instead of a
:class:`Workspace`: no ``out=``, no views cached by ``id()``, no BLAS-thread
limits (torch and cupy manage their own threads and streams). The numpy path
never sees it, so its bits and speed stay as they are. The few helpers below
(:func:`copy`, :func:`copy_into`, :func:`all_finite`, :func:`workspace_for`)
keep the estimator's bookkeeping free of ``isinstance`` tests: each does
today's numpy operation for numpy arrays.
"""

import contextlib
import os
from itertools import pairwise

import numpy as np
from threadpoolctl import ThreadpoolController

from ._array_api import to_numpy

#: Below this many flops in its largest matrix product, a batch is computed
#: with one BLAS thread. Starting and joining threads costs microseconds when
#: the other cores are idle, but a BLAS thread that waits for a core taken by
#: another process stalls every product of the batch: on a busy 2-core machine
#: two threads made products of this size 20 to 100 times slower.
MIN_FLOPS_FOR_BLAS_THREADS = 2e8

_blas_controller = None


def _blas_threads(limit):
    """Return a context limiting BLAS to ``limit`` threads (``None``: no change).

    threadpoolctl inspects the loaded libraries once, and the BLAS ones are
    selected once; later calls reuse that (a fresh ``threadpool_limits``
    takes a quarter of a millisecond, a selection a few microseconds).
    """
    global _blas_controller
    if _blas_controller is None:
        _blas_controller = ThreadpoolController().select(user_api="blas")
    blas = _blas_controller
    # Entering a limit costs a tenth of a millisecond, more than a small
    # network's partial_fit step: skip it when nothing would change.
    if limit is None or all(lib.num_threads <= limit for lib in blas.lib_controllers):
        return contextlib.nullcontext()
    return blas.limit(limits=limit)


def _cores_look_free():
    """Say whether another core seems free for BLAS threads besides this one."""
    try:
        load = os.getloadavg()[0]  # includes this process when it runs
    except (AttributeError, OSError):  # not on Unix
        return True
    return load + 1 <= (os.cpu_count() or 1)


def blas_threads_for(layer_units, n_rows):
    """Return a context that sets the BLAS threads for batches of ``n_rows``.

    The current setting (the machine's default unless the caller limited it)
    only when the largest matrix product of a batch has at least
    :data:`MIN_FLOPS_FOR_BLAS_THREADS` flops and the machine looks idle;
    otherwise one thread. Even large products ran twice as slowly with two
    threads as with one on a 2-core machine busy with another process, so this
    asks the 1-minute load average for a free core; it is a guess made once
    per fit, and where the load is unknown it assumes a free core.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.

    n_rows : int
        Rows in one batch.

    Returns
    -------
    context : context manager
        A threadpoolctl limit, undone on exit.
    """
    largest = max(fan_in * fan_out for fan_in, fan_out in pairwise(layer_units))
    large = 2 * n_rows * largest >= MIN_FLOPS_FOR_BLAS_THREADS
    return _blas_threads(None if large and _cores_look_free() else 1)


def gen_batches(n, batch_size):
    """Yield slices of ``batch_size`` of ``n`` rows, the last one shorter.

    The slices of scikit-learn's ``gen_batches``, without its parameter
    validation: that inspects the signature on every call, 0.1 ms, more than
    a small network's ``partial_fit`` step (and its one-row last-step check).
    """
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def matmul(a, b, out):
    """Write ``a @ b`` into ``out`` and return it; ``a`` may be a scipy.sparse matrix.

    An inner dimension of 1 (one output: ``dz @ W`` in (5) of
    :mod:`skmlp._network`) is an outer product, which numpy's matmul computes
    without BLAS and about twice as slowly as a broadcast multiply; both round
    each entry once, alike.
    """
    if not isinstance(a, np.ndarray):  # sparse X; cheaper than sp.issparse
        out[...] = a @ b
        return out
    if b.shape[0] == 1:
        return np.multiply(a, b, out=out)
    return np.matmul(a, b, out=out)


class Workspace:
    """The arrays a network's ``loss_and_grad`` computes in, made once per fit.

    It holds ``z^l``, ``a^l`` (only where sigma' needs ``z^l``, so ``a^l``
    cannot overwrite it) and ``dz^l`` for batches of up to ``n_rows`` rows, and
    remembers the per-layer views of the last few flat vectors it unpacked,
    so that the minibatch loop builds none of them per batch. A batch of
    ``n < n_rows`` rows uses the first ``n`` rows of each buffer.

    It is scratch space, never part of a fitted estimator's state.

    Parameters
    ----------
    network : Network
        Read for its layout only: ``layer_units``, ``keeps_z`` (one bool a
        layer: does sigma' need ``z^l``), ``n_coefs`` and ``views(array)``.

    n_rows : int
        The largest batch.

    dtype : numpy dtype
        The dtype of ``theta`` (and of the batches).
    """

    def __init__(self, network, n_rows, dtype):
        self.network = network
        self.n_rows = n_rows
        self.dtype = np.dtype(dtype)
        widths = network.layer_units[1:]
        self._zs = [np.empty((n_rows, width), self.dtype) for width in widths]
        self._outs = [
            np.empty((n_rows, width), self.dtype) if keep else None
            for width, keep in zip(widths, network.keeps_z, strict=True)
        ]
        self._dzs = [np.empty((n_rows, width), self.dtype) for width in widths]
        self.scratch = np.empty(network.n_coefs, self.dtype)
        self._last_rows = None
        self._unpacked = {}

    def fits(self, n_rows, dtype):
        """Say whether a batch of ``n_rows`` rows of ``dtype`` fits."""
        return n_rows <= self.n_rows and dtype == self.dtype

    def rows(self, n):
        """Return the first ``n`` rows of the ``z``, ``a`` and ``dz`` buffers."""
        if self._last_rows is None or self._last_rows[0] != n:
            self._last_rows = (
                n,
                [z[:n] for z in self._zs],
                [None if a is None else a[:n] for a in self._outs],
                [dz[:n] for dz in self._dzs],
            )
        return self._last_rows[1:]

    def _views(self, array):
        # Keyed by identity; the cache holds the array, so its id stays unique.
        views = self._unpacked.get(id(array))
        if views is None:
            if len(self._unpacked) >= 4:  # L-BFGS hands over new vectors
                self._unpacked.clear()
            views = self._unpacked[id(array)] = (array, *self.network.views(array))
        return views

    def unpack(self, array):
        """Return ``network.unpack(array)``, remembered for the arrays seen last."""
        return self._views(array)[1:3]

    def coefs(self, array):
        """Return the flat ``coefs_`` of each layer in ``array``, remembered too."""
        return self._views(array)[3]

    def all_coefs(self, array):
        """Return all the weights in ``array`` as one flat view, remembered likewise."""
        return self._views(array)[4]


class ArraySpace:
    """The namespace, device and dtype of a fit on the generic path.

    It stands where the numpy path has a :class:`Workspace`: the network's
    generic code asks it for constants (0-d arrays, since Python scalars in
    ``maximum`` or ``where`` are not portable), for host-to-device moves and
    for device reads. Every device read of a fit goes through :meth:`read`,
    so a test can count them.

    Parameters
    ----------
    xp : namespace
        As scikit-learn's ``get_namespace`` returns it.

    device : device
        Where the arrays live.

    dtype : dtype of ``xp``
        The model's floating dtype.
    """

    def __init__(self, xp, device, dtype):
        self.xp, self.device, self.dtype = xp, device, dtype
        self.numpy_dtype = np.dtype("float32" if dtype == xp.float32 else "float64")
        self._constants = {}
        # scipy.special dispatches to torch, cupy and jax itself; for other
        # namespaces it would call np.asarray, which array-api-strict refuses.
        name = xp.__name__
        self.native_special = any(lib in name for lib in ("torch", "cupy", "jax"))

    @classmethod
    def of(cls, array):
        """Return the space of a device array."""
        from sklearn.externals.array_api_compat import array_namespace, device

        xp = array_namespace(array)
        return cls(xp, device(array), array.dtype)

    def constant(self, value):
        """Return ``value`` as a 0-d array of the model's dtype, on the device."""
        array = self._constants.get(value)
        if array is None:
            array = self._constants[value] = self.xp.asarray(
                value, dtype=self.dtype, device=self.device
            )
        return array

    def from_host(self, array, dtype=None):
        """Cast a host array on the host (to the model's dtype), then move it."""
        array = np.asarray(array, dtype=self.numpy_dtype if dtype is None else dtype)
        return self.xp.asarray(array, device=self.device)

    def read(self, array):
        """Return a numpy copy of ``array``: a device read."""
        return to_numpy(array)

    def special(self, function, *args):
        """Apply a ``scipy.special`` function, on the host if scipy needs it."""
        if self.native_special:
            return function(*args)
        result = function(*(self.read(a) for a in args))
        return self.from_host(result, dtype=result.dtype)  # the dtype scipy chose

    def mask(self, keep, scale):
        """Return a dropout mask from the host's boolean draws.

        They travel as booleans, one byte per unit (an eighth of float64),
        and become ``0`` or ``scale`` on the device: the values the numpy
        path's ``np.multiply(keep, scale, dtype=dtype)`` makes.
        """
        keep = self.xp.asarray(keep, device=self.device)
        return self.xp.where(keep, self.constant(scale), self.constant(0.0))


def workspace_for(network, n_rows, theta):
    """Return the network's :class:`Workspace`, or an :class:`ArraySpace`."""
    if isinstance(theta, np.ndarray):
        return network.workspace(n_rows, theta.dtype)
    return ArraySpace.of(theta)


def array_space(array):
    """Return the :class:`ArraySpace` of a device array; None for numpy."""
    return None if isinstance(array, np.ndarray) else ArraySpace.of(array)


def host_dtype(dtype):
    """Return the numpy dtype of a floating ``dtype`` of any namespace."""
    try:
        return np.dtype(dtype)
    except TypeError:  # torch.float32 -> float32
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


def empty_like(theta):
    """Return a gradient buffer for the numpy path; None on the generic one."""
    return np.empty_like(theta) if isinstance(theta, np.ndarray) else None


def copy(array):
    """Return a copy of ``array``, in its namespace and on its device."""
    if isinstance(array, np.ndarray):
        return array.copy()
    return ArraySpace.of(array).xp.asarray(array, copy=True)


def copy_into(out, array):
    """Copy ``array`` into ``out``, of the same namespace, shape and dtype."""
    if isinstance(out, np.ndarray):
        np.copyto(out, array)
    else:
        out[...] = array


def all_finite(array):
    """Say whether every entry of ``array`` is finite: one device read."""
    if isinstance(array, np.ndarray):
        return bool(np.isfinite(array).all())
    xp = ArraySpace.of(array).xp
    return bool(xp.all(xp.isfinite(array)))
