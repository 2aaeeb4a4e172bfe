r"""The layer stack: forward pass, loss and backpropagation over one flat vector.

This module is the seed's derivation in code. Layers are numbered
:math:`l = 1, \dots, K` from the input; :math:`a^0 = x` is a sample and
:math:`\hat{y} = a^K` the prediction. Layer :math:`l` has weights
:math:`W^l \in \mathbb{R}^{n_l \times n_{l-1}}`, bias
:math:`b^l \in \mathbb{R}^{n_l}` and activation :math:`\sigma_l`.

Forward pass, for each layer :math:`l = 1, \dots, K`:

.. math::

    z^l = W^l a^{l-1} + b^l \tag{1}

.. math::

    a^l = \sigma_l(z^l) \tag{2}

Loss, over samples :math:`i` with weights :math:`s_i` summing to :math:`S`
(all ones unless ``sample_weight`` is given), plus scikit-learn's L2 term:

.. math::

    L = \frac{1}{S} \sum_i s_i\, \ell(\hat{y}_i, y_i)
        + \frac{\alpha}{2S} \sum_l \lVert W^l \rVert_F^2,
    \qquad \ell(\hat{y}, y) = \frac{\lVert \hat{y} - y \rVert^2}{2} \tag{3}

Backward, top layer :math:`K`, per sample (row vectors, as in the seed):

.. math::

    \frac{dL}{db^K} = \frac{dL}{d\hat{y}} \odot \sigma_K'(z^K) \tag{4}

.. math::

    \delta^K = \frac{dL}{da^{K-1}} = \frac{dL}{db^K}\, W^K \tag{5}

.. math::

    \frac{dL}{dW^K} = \operatorname{outer}\left(\frac{dL}{db^K}, a^{K-1}\right) \tag{6}

Backward, lower layers :math:`c = K-1, \dots, 1`:

.. math::

    \frac{dL}{db^c} = \delta^{c+1} \odot \sigma_c'(z^c) \tag{7}

.. math::

    \delta^c = \frac{dL}{da^{c-1}} = \frac{dL}{db^c}\, W^c \tag{8}

.. math::

    \frac{dL}{dW^c} = \operatorname{outer}\left(\frac{dL}{db^c}, a^{c-1}\right) \tag{9}

Over a batch, the per-sample :math:`dL/db` rows (weighted by :math:`s_i`) are
summed, which turns the outer products into one matrix product, and the L2 term
adds its own gradient:

.. math::

    \frac{\partial L}{\partial W^l} = \frac{1}{S}\left(\sum_i s_i\,
        \operatorname{outer}\left(\frac{dL_i}{db^l}, a_i^{l-1}\right)
        + \alpha W^l\right), \qquad
    \frac{\partial L}{\partial b^l} = \frac{1}{S} \sum_i s_i \frac{dL_i}{db^l}
    \tag{10}

Equations (4) and (7) are one rule if :math:`\delta^{K+1} = dL/d\hat{y}`, so
:func:`Network.loss_and_grad` runs a single loop from :math:`K` down to 1.
With the identity output and the squared error, :math:`\sigma_K' = 1` and (4) is
the familiar :math:`\hat{y} - y`; the general factor stays so that other output
activations need no special case.

In code, a batch holds samples as rows, so (1) reads ``z = a @ W.T + b`` and the
sum of outer products in (10) reads ``dz.T @ a``. Because :math:`dz/db = 1`, the
seed's per-sample :math:`dL/db^l` is :math:`dL/dz^l`; the code calls those rows
``dz``.

**scikit-learn's conventions differ** in two ways. Its ``coefs_[l - 1]`` is
:math:`(W^l)^T`, of shape ``(fan_in, fan_out)``. Its "delta" is
:math:`dL/dz^l` (our ``dz``), while the seed's :math:`\delta^l` is
:math:`dL/da^{l-1}`.

All weights and biases live in one flat vector ``theta``, laid out as
scikit-learn packs them for L-BFGS: every ``coefs_[l]`` in C order, then every
``intercepts_[l]``. :meth:`Network.unpack` returns views into it.

**Speed.** A minibatch solver calls :meth:`Network.loss_and_grad` thousands of
times with the same shapes, and for small networks numpy's per-call overhead,
not arithmetic, is most of the time. A :class:`Workspace` therefore holds every
``z``, ``a`` and ``dz`` array and the per-layer views of ``theta`` and of the
gradient, made once per fit; matrix products write into them with ``out=``,
and the L2 term and the division by :math:`S` of (10) run once over the whole
flat gradient rather than layer by layer. The operations are scikit-learn's, in
its order, so results stay the same to the last bit.
"""

import os
from dataclasses import dataclass, field

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches
from threadpoolctl import ThreadpoolController

from ._activations import ACTIVATIONS
from ._losses import LOSSES, HalfSquaredError

#: Below this many flops in its largest matrix product, a batch is computed
#: with one BLAS thread. Starting and joining threads costs microseconds when
#: the other cores are idle, but a BLAS thread that waits for a core taken by
#: another process stalls every product of the batch: on a busy 2-core machine
#: two threads made products of this size 20 to 100 times slower.
MIN_FLOPS_FOR_BLAS_THREADS = 2e8

#: Rows per chunk in :meth:`Network.predict`, at most. Its two activation
#: buffers (16 MiB each for 512 float64 units) are allocated once and reused;
#: chunks of ``working_memory`` (1 GiB by default) allocated and paged in that
#: much memory per chunk, and were slower.
PREDICT_CHUNK_ROWS = 4096

_threadpool_controller = None


def _blas_threads(limit):
    """Return a context limiting BLAS to ``limit`` threads (``None``: no change).

    threadpoolctl inspects the loaded libraries once; later calls reuse that
    (a fresh ``threadpool_limits`` takes a quarter of a millisecond).
    """
    global _threadpool_controller
    if _threadpool_controller is None:
        _threadpool_controller = ThreadpoolController()
    return _threadpool_controller.limit(limits=limit, user_api="blas")


def _cores_look_free():
    """Say whether another core seems free for BLAS threads besides this one."""
    try:
        load = os.getloadavg()[0]  # includes this process when it runs
    except (AttributeError, OSError):  # not on Unix
        return True
    return load + 1 <= (os.cpu_count() or 1)


def _matmul(a, b, out):
    """Write ``a @ b`` into ``out``; ``a`` may be a scipy.sparse matrix.

    An inner dimension of 1 (one output: ``dz @ W`` in (5)) is an outer
    product, which numpy's matmul computes without BLAS and about twice as
    slowly as a broadcast multiply; both round each entry once, alike.
    """
    if not isinstance(a, np.ndarray):  # sparse X; cheaper than sp.issparse
        out[...] = a @ b
        return out
    if b.shape[0] == 1:
        return np.multiply(a, b, out=out)
    return np.matmul(a, b, out=out)


@dataclass(frozen=True)
class Network:
    """A fully connected network and its loss, over a flat parameter vector.

    A ``Network`` holds no weights: it describes the architecture and computes
    with any ``theta`` it is given. It is cheap to build and never stored on a
    fitted estimator.

    Parameters
    ----------
    layer_units : tuple of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.

    activations : tuple of str
        The activation of each layer ``l = 1, ..., K``: the hidden ones, then
        the output one.

    loss : object or str, default=HalfSquaredError()
        A loss from :mod:`skmlp._losses`, with ``value_and_grad``, or the name
        of one in :data:`skmlp._losses.LOSSES`.
    """

    layer_units: tuple
    activations: tuple
    loss: object = HalfSquaredError()
    _coef_slices: tuple = field(init=False, repr=False, compare=False)
    _intercept_slices: tuple = field(init=False, repr=False, compare=False)
    _sigmas: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if isinstance(self.loss, str):
            object.__setattr__(self, "loss", LOSSES[self.loss])
        if len(self.activations) != len(self.layer_units) - 1:
            raise ValueError("Need one activation per layer.")
        fans = list(zip(self.layer_units[:-1], self.layer_units[1:], strict=True))
        coef_slices, intercept_slices, start = [], [], 0
        for fan_in, fan_out in fans:
            coef_slices.append(
                (slice(start, start + fan_in * fan_out), fan_in, fan_out)
            )
            start += fan_in * fan_out
        for _, fan_out in fans:
            intercept_slices.append(slice(start, start + fan_out))
            start += fan_out
        object.__setattr__(self, "_coef_slices", tuple(coef_slices))
        object.__setattr__(self, "_intercept_slices", tuple(intercept_slices))
        sigmas = tuple(ACTIVATIONS[name] for name in self.activations)
        object.__setattr__(self, "_sigmas", sigmas)

    @property
    def n_layers(self):
        """Number of weight layers ``K``."""
        return len(self.layer_units) - 1

    @property
    def n_params(self):
        """Length of ``theta``."""
        return self._intercept_slices[-1].stop

    @property
    def n_coefs(self):
        """Number of weights; they come first in ``theta``."""
        return self._intercept_slices[0].start

    def unpack(self, theta):
        """Return views ``(Ws, bs)`` into ``theta``, one ``W^l`` and ``b^l`` a layer.

        ``W^l`` has the seed's shape ``(n_l, n_{l-1})``; its transpose
        ``W^l.T`` is scikit-learn's C-contiguous ``coefs_[l - 1]``. Writing
        into the views writes into ``theta``.
        """
        Ws = [
            theta[s].reshape(fan_in, fan_out).T
            for s, fan_in, fan_out in self._coef_slices
        ]
        bs = [theta[s] for s in self._intercept_slices]
        return Ws, bs

    def init_theta(self, random_state, dtype, factor=6.0, scheme="glorot_uniform"):
        """Draw initial weights and biases.

        With the default ``scheme='glorot_uniform'``, for each layer in turn,
        ``coefs_`` then ``intercepts_`` are drawn from ``U(-r, r)`` with
        ``r = sqrt(factor / (fan_in + fan_out))``, in float64, in exactly
        scikit-learn's order, so that a given ``random_state`` gives
        MLPRegressor's initial weights. scikit-learn uses ``factor=2`` when the
        hidden activation is the logistic and 6 otherwise (Glorot and Bengio).

        The other schemes draw the weights and set the biases to zero:

        - ``'glorot_normal'``: ``N(0, s^2)``, ``s = sqrt(2 / (fan_in + fan_out))``;
        - ``'he_uniform'``: ``U(-r, r)``, ``r = sqrt(6 / fan_in)``;
        - ``'he_normal'``: ``N(0, s^2)``, ``s = sqrt(2 / fan_in)``.

        Parameters
        ----------
        random_state : numpy.random.RandomState
            The generator to draw from.

        dtype : numpy dtype
            The dtype of the returned vector.

        factor : float or sequence of float, default=6.0
            Numerator of the Glorot-uniform bound, for all layers or one per
            layer. Only used when ``scheme='glorot_uniform'``.

        scheme : {'glorot_uniform', 'glorot_normal', 'he_uniform', \
                'he_normal'}, default='glorot_uniform'
            The initialization scheme.

        Returns
        -------
        theta : ndarray of shape (n_params,)
        """
        factors = np.broadcast_to(factor, (self.n_layers,))
        theta = np.empty(self.n_params, dtype=dtype)
        Ws, bs = self.unpack(theta)
        for W, b, layer_factor in zip(Ws, bs, factors, strict=True):
            fan_out, fan_in = W.shape
            shape = (fan_in, fan_out)  # drawn as coefs_, i.e. W.T, like sklearn
            if scheme == "glorot_uniform":
                bound = np.sqrt(layer_factor / (fan_in + fan_out))
                W.T[...] = random_state.uniform(-bound, bound, shape)
                b[...] = random_state.uniform(-bound, bound, fan_out)
                continue
            if scheme == "glorot_normal":
                W.T[...] = random_state.normal(
                    0, np.sqrt(2 / (fan_in + fan_out)), shape
                )
            elif scheme == "he_uniform":
                bound = np.sqrt(6 / fan_in)
                W.T[...] = random_state.uniform(-bound, bound, shape)
            elif scheme == "he_normal":
                W.T[...] = random_state.normal(0, np.sqrt(2 / fan_in), shape)
            else:
                raise ValueError(f"Unknown init scheme {scheme!r}.")
            b[...] = 0
        return theta

    def workspace(self, n_rows, dtype):
        """Return a :class:`Workspace` for batches of up to ``n_rows`` rows."""
        return Workspace(self, n_rows, dtype)

    def blas_threads(self, n_rows):
        """Return a context that sets the BLAS threads for batches of ``n_rows``.

        The current setting (the machine's default unless the caller limited
        it) only when the largest matrix product of a batch has at least
        :data:`MIN_FLOPS_FOR_BLAS_THREADS` flops and the machine looks idle;
        otherwise one thread. Even large products ran twice as slowly with two
        threads as with one on a 2-core machine busy with another process, so
        this asks the 1-minute load average for a free core; it is a guess made
        once per fit, and where the load is unknown it assumes a free core.
        """
        largest = max(fan_in * fan_out for _, fan_in, fan_out in self._coef_slices)
        large = 2 * n_rows * largest >= MIN_FLOPS_FOR_BLAS_THREADS
        return _blas_threads(None if large and _cores_look_free() else 1)

    def _forward(self, Ws, bs, X, zs, outs, masks=None):
        """Run the forward pass (1)-(2).

        ``z^l`` is written into ``zs[l - 1]``, and ``a^l`` into ``outs[l - 1]``,
        or over ``z^l`` in place where that is ``None`` (when sigma' does not
        need ``z``, or when nothing does, as in ``predict``). With dropout,
        layer ``l + 1`` reads ``a^l * masks[l - 1]`` instead of ``a^l``.

        Returns
        -------
        activations : list of ndarray
            ``[a^0, ..., a^K]``.

        inputs : list of ndarray
            What each layer read: ``inputs[l]`` is ``a^l``, or ``a^l`` times
            its dropout mask. The same list as ``activations`` without dropout.
        """
        activations = [X]
        inputs = activations if masks is None else [X]
        for l, (W, b, sigma, z, out) in enumerate(
            zip(Ws, bs, self._sigmas, zs, outs, strict=True)
        ):
            _matmul(inputs[-1], W.T, out=z)
            z += b  # (1)
            activations.append(sigma.forward(z, out=z if out is None else out))  # (2)
            if inputs is not activations:
                mask = masks[l] if l < len(masks) else None
                inputs.append(
                    activations[-1] if mask is None else activations[-1] * mask
                )
        return activations, inputs

    def predict(self, theta, X):
        """Run the forward pass (1)-(2) and return ``y_hat``.

        Rows go through in chunks of at most :data:`PREDICT_CHUNK_ROWS`, and
        fewer if scikit-learn's ``working_memory`` asks, so the extra memory
        is two activation buffers of the widest hidden layer plus ``y_hat``,
        however many rows ``X`` has. ``theta`` is only read.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)

        X : {ndarray, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_hat : ndarray of shape (n_samples, n_outputs)
        """
        Ws, bs = self.unpack(theta)
        n_samples = X.shape[0]
        dtype = np.result_type(X.dtype, theta.dtype)
        y_hat = np.empty((n_samples, self.layer_units[-1]), dtype=dtype)
        widths = self.layer_units[1:-1]
        # Hidden layer l writes into buffer l % 2 while reading the other one;
        # the output layer writes straight into y_hat.
        row_bytes = 2 * max(widths, default=1) * dtype.itemsize
        budget = int(get_config()["working_memory"] * 2**20 // row_bytes)
        chunk = max(1, min(budget, PREDICT_CHUNK_ROWS, n_samples))
        buffers = [np.empty(chunk * max(widths, default=0), dtype) for _ in "ab"]
        with self.blas_threads(chunk):
            for rows in gen_batches(n_samples, chunk):
                n = rows.stop - rows.start
                zs = [
                    buffers[l % 2][: n * width].reshape(n, width)
                    for l, width in enumerate(widths)
                ]
                zs.append(y_hat[rows])
                self._forward(Ws, bs, X[rows], zs, [None] * self.n_layers)
        return y_hat

    def draw_dropout_masks(self, n_samples, rates, random_state, dtype):
        """Draw inverted-dropout masks for the hidden layers of one batch.

        Parameters
        ----------
        n_samples : int
            Rows in the batch.

        rates : sequence of float
            The dropout rate ``p`` of each hidden layer, in ``[0, 1)``.

        random_state : numpy.random.RandomState
            The generator to draw from.

        dtype : numpy dtype
            The dtype of the masks.

        Returns
        -------
        masks : list of (ndarray of shape (n_samples, n_units) or None)
            One per hidden layer: 0 where a unit is dropped and ``1 / (1 - p)``
            where it is kept, so that the expected activation is unchanged and
            prediction needs no rescaling; ``None`` where ``p = 0``.
        """
        masks = []
        for units, p in zip(self.layer_units[1:-1], rates, strict=True):
            if p == 0:
                masks.append(None)
                continue
            keep = random_state.random_sample((n_samples, units)) >= p
            masks.append(np.multiply(keep, 1 / (1 - p), dtype=dtype))
        return masks

    def loss_and_grad(
        self,
        theta,
        X,
        y,
        sample_weight=None,
        alpha=0.0,
        grad=None,
        *,
        dropout_masks=None,
        workspace=None,
    ):
        r"""Return the loss (3) and its gradient (10) with respect to ``theta``.

        This is the one seam between the math and the estimator: L-BFGS and
        the minibatch solvers both train through it.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            All weights and biases. Only read.

        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The input batch, :math:`a^0`.

        y : ndarray of shape (n_samples, n_outputs)
            Targets.

        sample_weight : ndarray of shape (n_samples,), default=None
            Sample weights; ``None`` means all ones.

        alpha : float, default=0.0
            Strength of the L2 term.

        grad : ndarray of shape (n_params,), default=None
            Where to write the gradient. A new array if ``None``.

        dropout_masks : list of (ndarray or None), default=None
            From :meth:`draw_dropout_masks`: the hidden activations are
            multiplied by them, :math:`\tilde{a}^l = a^l \odot m^l`, which
            the next layer reads in (1). ``None`` means no dropout.

        workspace : Workspace, default=None
            Buffers from :meth:`workspace` to compute in, for at least
            ``n_samples`` rows of ``theta``'s dtype. Temporary ones if
            ``None``. The returned gradient never lives in it.

        Returns
        -------
        loss : float
            The loss (3).

        grad : ndarray of shape (n_params,)
            ``dL/dtheta``, laid out as ``theta``.
        """
        n_samples = X.shape[0]
        if grad is None:
            grad = np.empty_like(theta)
        if workspace is None or not workspace.fits(n_samples, theta.dtype):
            workspace = self.workspace(n_samples, theta.dtype)
        Ws, bs = workspace.unpack(theta)
        dWs, dbs = workspace.unpack(grad)
        zs, outs, dzs = workspace.rows(n_samples)
        S = n_samples if sample_weight is None else sample_weight.sum()

        masks = dropout_masks

        # Forward, keeping every a^l, and z^l only where sigma' needs it.
        # inputs[l] is what layer l + 1 reads: a^l, or a^l * m^l with dropout.
        activations, inputs = self._forward(Ws, bs, X, zs, outs, masks)
        # delta starts as dL/dy_hat, the seed's delta^{K+1}.
        loss, delta = self.loss.value_and_grad(
            y, activations[-1], sample_weight, out=dzs[-1]
        )
        if alpha:
            # (3), the L2 term summed layer by layer as scikit-learn does.
            coefs = workspace.coefs(theta)
            loss += 0.5 * alpha * sum(np.dot(w, w) for w in coefs) / S

        # Backward.
        for l in reversed(range(self.n_layers)):
            sigma = self._sigmas[l]
            if masks is not None and l < len(masks) and masks[l] is not None:
                delta *= masks[l]  # dL/da^(l+1) from dL/d(a^(l+1) * m^(l+1))
            z = zs[l] if sigma.needs_z else None
            dz = sigma.backward(delta, z, activations[l + 1])  # (4), (7): dL/db^l
            # (6), (9), (10): the sum over samples of outer(dL/db^l, a^{l-1}),
            # written straight into theta's layout, where coefs_ is W^l.T.
            _matmul(inputs[l].T, dz, out=dWs[l].T)
            np.add.reduce(dz, axis=0, out=dbs[l])  # np.sum, minus its wrapper
            if l > 0:
                delta = _matmul(dz, Ws[l], out=dzs[l - 1])  # (5), (8)
        # (10) for all layers at once: the L2 term, then the division by S.
        # Elementwise, so the same numbers as scikit-learn's per-layer loop.
        l2 = np.multiply(workspace.all_coefs(theta), alpha, out=workspace.scratch)
        workspace.all_coefs(grad)[...] += l2
        grad /= S
        return loss, grad


class Workspace:
    """The arrays :meth:`Network.loss_and_grad` computes in, made once per fit.

    It holds ``z^l``, ``a^l`` (only where sigma' needs ``z^l``, so ``a^l``
    cannot overwrite it) and ``dz^l`` for batches of up to ``n_rows`` rows, and
    remembers the per-layer views of the last few flat vectors it unpacked,
    so that the minibatch loop builds none of them per batch. A batch of
    ``n < n_rows`` rows uses the first ``n`` rows of each buffer.

    It is scratch space, never part of a fitted estimator's state.

    Parameters
    ----------
    network : Network

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
            np.empty((n_rows, width), self.dtype) if sigma.needs_z else None
            for width, sigma in zip(widths, network._sigmas, strict=True)
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
            Ws, bs = self.network.unpack(array)
            coefs = [array[s] for s, _, _ in self.network._coef_slices]
            all_coefs = array[: self.network.n_coefs]
            views = self._unpacked[id(array)] = (array, Ws, bs, coefs, all_coefs)
        return views

    def unpack(self, array):
        """:meth:`Network.unpack`, remembered for the arrays seen last."""
        return self._views(array)[1:3]

    def coefs(self, array):
        """Return the flat ``coefs_`` of each layer in ``array``, remembered too."""
        return self._views(array)[3]

    def all_coefs(self, array):
        """Return all the weights in ``array`` as one flat view, remembered likewise."""
        return self._views(array)[4]
