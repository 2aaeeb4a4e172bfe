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
activations need no special case. The canonical pairs are computed more
simply: when the output activation is the loss's *canonical* one (the
exponential for the Poisson deviance, the logistic for the binary
cross-entropy, the softmax for the cross-entropy), the loss gives
:math:`dL/dz^K` of (4) itself, :math:`\hat{y} - y` rather than the product
(for the Poisson deviance :math:`(\hat{y} - y)/\hat{y} \cdot \hat{y}`),
as scikit-learn computes it. The softmax is not elementwise: each
:math:`\hat{y}_j` depends on every :math:`z^K_k`, so its
:math:`\sigma_K'` is a Jacobian, :math:`\operatorname{diag}(\hat{y}) -
\hat{y}\hat{y}^T` per sample, and (4) is the product
:math:`J^T dL/d\hat{y}`, which equals :math:`\hat{y} - y` for the
cross-entropy; the Jacobian is never formed.

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

**Numeric embeddings.** With an ``embedding`` (:mod:`skmlp._embeddings`),
:math:`a^0` is the embedding of :math:`x` rather than :math:`x`, its trained
parameters :math:`\phi` follow the intercepts in ``theta``, and the backward
pass continues one step below layer 1: (8) for :math:`c = 1` gives
:math:`\delta^1 = dL/da^0`, from which the embedding computes
:math:`dL/d\phi`. The L2 term of (3) and ``weight_decay`` cover the layers'
weights only, ``theta[:n_coefs]``, not :math:`\phi`. Without an embedding
nothing of this runs.

**Speed.** A minibatch solver calls :meth:`Network.loss_and_grad` thousands of
times with the same shapes, and for small networks numpy's per-call overhead,
not arithmetic, is most of the time. A :class:`~skmlp._backend.Workspace`
therefore holds every
``z``, ``a`` and ``dz`` array and the per-layer views of ``theta`` and of the
gradient, made once per fit; matrix products write into them with ``out=``,
and the L2 term and the division by :math:`S` of (10) run once over the whole
flat gradient rather than layer by layer. The operations are scikit-learn's, in
its order, so results stay the same to the last bit.

**Other namespaces.** When ``theta`` is a torch, cupy or array-api-strict
array (``array_api_dispatch=True``), :meth:`Network.loss_and_grad` and
:meth:`Network.predict` run :meth:`Network._loss_and_grad_xp` and
:meth:`Network._predict_xp` instead: the same equations, the same operations
in the same order, written with the Array API standard and allocating their
results, with an :class:`~skmlp._backend.ArraySpace` in place of the
workspace. The loss comes back as a 0-d array on the device, never read.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn import get_config

from ._activations import ACTIVATIONS
from ._backend import ArraySpace, Workspace, blas_threads_for, gen_batches, matmul
from ._losses import HalfSquaredError, get_loss

#: Rows per chunk in :meth:`Network.predict`, at most. Its two activation
#: buffers (16 MiB each for 512 float64 units) are allocated once and reused;
#: chunks of ``working_memory`` (1 GiB by default) allocated and paged in that
#: much memory per chunk, and were slower.
PREDICT_CHUNK_ROWS = 4096


class LayerStack:
    r"""What :class:`Network` and the ensemble's network share.

    The input of the first layer (``X``, or a numeric embedding of it whose
    parameters :math:`\phi` follow the layers' in ``theta``) and the
    dropout masks. A subclass has ``layer_units``, ``embedding`` and
    ``_n_layer_params``, the length of the layers' part of ``theta``.
    """

    @property
    def n_params(self):
        """Length of ``theta``: the layers' parameters, then the embedding's."""
        extra = 0 if self.embedding is None else self.embedding.n_params
        return self._n_layer_params + extra

    @property
    def n_features(self):
        """Number of input features: columns of ``X``."""
        if self.embedding is None:
            return self.layer_units[0]
        return self.embedding.n_inputs

    def embedding_params(self, theta):
        r"""Return the view of ``theta`` that holds the embedding's :math:`\phi`."""
        return theta[self._n_layer_params :]

    def _embed(self, theta, X):
        """Return ``(a^0, cache)``: ``X`` itself without an embedding."""
        if self.embedding is None:
            return X, None
        return self.embedding.forward(self.embedding_params(theta), X)

    def _draw_masks(self, batch_shape, rates, random_state, dtype, workspace):
        """Draw the masks of :meth:`Network.draw_dropout_masks`, of ``batch_shape``."""
        masks = []
        for units, p in zip(self.layer_units[1:-1], rates, strict=True):
            if p == 0:
                masks.append(None)
                continue
            keep = random_state.random_sample((*batch_shape, units)) >= p
            if isinstance(workspace, ArraySpace):
                masks.append(workspace.mask(keep, 1 / (1 - p)))
            else:
                masks.append(np.multiply(keep, 1 / (1 - p), dtype=dtype))
        return masks


@dataclass(frozen=True)
class Network(LayerStack):
    r"""A fully connected network and its loss, over a flat parameter vector.

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

    embedding : object, default=None
        A fitted numeric embedding from :mod:`skmlp._embeddings`, which
        computes :math:`a^0` from ``X``; ``layer_units[0]`` is then its
        ``n_outputs``. Its parameters :math:`\phi` follow the layers' in
        ``theta``. ``None`` means :math:`a^0 = x`.
    """

    layer_units: tuple
    activations: tuple
    loss: object = HalfSquaredError()
    embedding: object = None
    _coef_slices: tuple = field(init=False, repr=False, compare=False)
    _intercept_slices: tuple = field(init=False, repr=False, compare=False)
    _sigmas: tuple = field(init=False, repr=False, compare=False)
    _backward_sigmas: tuple = field(init=False, repr=False, compare=False)
    _canonical: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if isinstance(self.loss, str):
            object.__setattr__(self, "loss", get_loss(self.loss))
        if len(self.activations) != len(self.layer_units) - 1:
            raise ValueError("Need one activation per layer.")
        if self.embedding is not None and (
            self.embedding.n_outputs != self.layer_units[0]
        ):
            raise ValueError(
                f"The embedding gives {self.embedding.n_outputs} inputs to the "
                f"first layer, which takes {self.layer_units[0]}."
            )
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
        # With its canonical output activation (the exponential for the
        # Poisson deviance, the logistic and the softmax for the two
        # cross-entropies) the loss gives dL/dz^K itself, y_hat - y as
        # scikit-learn computes it, instead of dL/dy_hat to be multiplied by
        # sigma_K'(z^K): the top layer's backward step is then the
        # identity's, both estimators round alike, and the softmax's
        # Jacobian is never needed.
        canonical = self.activations[-1] == getattr(
            self.loss, "canonical_activation", None
        )
        top = ACTIVATIONS["identity"] if canonical else sigmas[-1]
        object.__setattr__(self, "_backward_sigmas", (*sigmas[:-1], top))
        object.__setattr__(self, "_canonical", canonical)

    @property
    def n_layers(self):
        """Number of weight layers ``K``."""
        return len(self.layer_units) - 1

    @property
    def _n_layer_params(self):
        return self._intercept_slices[-1].stop

    def _refuse_embedding_xp(self):
        if self.embedding is not None:
            raise ValueError(
                "numeric_embedding works on numpy arrays only; this network's "
                "weights are on another array namespace. Move the estimator to "
                "numpy (move_estimator_to(est, numpy, 'cpu')) or fit without "
                "numeric_embedding."
            )

    @property
    def n_coefs(self):
        """Number of weights; they come first in ``theta``."""
        return self._intercept_slices[0].start

    @property
    def sigmas(self):
        """The activation of each layer ``l = 1, ..., K``, for the forward pass."""
        return self._sigmas

    @property
    def backward_sigmas(self):
        """The activations whose derivative the backward pass applies.

        The output layer's is the identity's when the loss gives
        :math:`dL/dz^K` itself (``canonical``).
        """
        return self._backward_sigmas

    @property
    def canonical(self):
        """Whether the output activation is the loss's canonical one."""
        return self._canonical

    @property
    def keeps_z(self):
        """Whether the backward pass reads ``z^l``, one bool a layer.

        Where it does not, the forward pass writes ``a^l`` over ``z^l``.
        """
        return tuple(sigma.needs_z for sigma in self._backward_sigmas)

    def unpack(self, theta):
        """Return views ``(Ws, bs)`` into ``theta``, one ``W^l`` and ``b^l`` a layer.

        ``W^l`` has the seed's shape ``(n_l, n_{l-1})``; its transpose
        ``W^l.T`` is scikit-learn's C-contiguous ``coefs_[l - 1]``. Writing
        into the views writes into ``theta``.
        """
        if isinstance(theta, np.ndarray):
            Ws = [
                theta[s].reshape(fan_in, fan_out).T
                for s, fan_in, fan_out in self._coef_slices
            ]
        else:  # the standard has no reshape method; xp.reshape gives views too
            xp = ArraySpace.of(theta).xp
            Ws = [
                xp.reshape(theta[s], (fan_in, fan_out)).T
                for s, fan_in, fan_out in self._coef_slices
            ]
        bs = [theta[s] for s in self._intercept_slices]
        return Ws, bs

    def views(self, theta):
        """Return every view of ``theta`` that :meth:`loss_and_grad` reads.

        Returns
        -------
        Ws, bs : list of ndarray
            As :meth:`unpack`.

        coefs : list of ndarray
            The flat ``coefs_[l]`` of each layer, in C order.

        all_coefs : ndarray of shape (n_coefs,)
            Every weight, the head of ``theta``.
        """
        Ws, bs = self.unpack(theta)
        coefs = [theta[s] for s, _, _ in self._coef_slices]
        return Ws, bs, coefs, theta[: self.n_coefs]

    def workspace(self, n_rows, dtype):
        """Return a :class:`~skmlp._backend.Workspace` for up to ``n_rows`` rows."""
        return Workspace(self, n_rows, dtype)

    def blas_threads(self, n_rows):
        """Return a context that sets the BLAS threads for batches of ``n_rows``.

        One thread unless the batches' matrix products are large and the
        machine looks idle; see :func:`skmlp._backend.blas_threads_for`.
        """
        return blas_threads_for(self.layer_units, n_rows)

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
            matmul(inputs[-1], W.T, out=z)
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
        if not isinstance(theta, np.ndarray):
            return self._predict_xp(theta, X)
        Ws, bs = self.unpack(theta)
        n_samples = X.shape[0]
        dtype = np.result_type(X.dtype, theta.dtype)
        y_hat = np.empty((n_samples, self.layer_units[-1]), dtype=dtype)
        widths = self.layer_units[1:-1]
        # Hidden layer l writes into buffer l % 2 while reading the other one;
        # the output layer writes straight into y_hat.
        row_bytes = 2 * max(widths, default=1) * dtype.itemsize
        phi = None
        if self.embedding is not None:  # its arrays are made per chunk
            row_bytes += self.embedding.row_floats * dtype.itemsize
            phi = self.embedding_params(theta).astype(dtype, copy=False)
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
                a0 = X[rows] if phi is None else self.embedding.forward(phi, X[rows])[0]
                self._forward(Ws, bs, a0, zs, [None] * self.n_layers)
        return y_hat

    def _predict_xp(self, theta, X):
        """:meth:`predict` for any namespace: (1)-(2) by chunks, concatenated."""
        self._refuse_embedding_xp()
        space = ArraySpace.of(theta)
        xp = space.xp
        dtype = xp.result_type(X.dtype, theta.dtype)
        X, theta = xp.astype(X, dtype), xp.astype(theta, dtype)
        space = ArraySpace(xp, space.device, dtype)
        Ws, bs = self.unpack(theta)
        widths = self.layer_units[1:-1]
        row_bytes = 2 * max(widths, default=1) * space.numpy_dtype.itemsize
        budget = int(get_config()["working_memory"] * 2**20 // row_bytes)
        chunk = max(1, min(budget, PREDICT_CHUNK_ROWS, X.shape[0]))
        chunks = []
        for rows in gen_batches(X.shape[0], chunk):
            a = X[rows, ...]
            for W, b, sigma in zip(Ws, bs, self._sigmas, strict=True):
                a = sigma.forward_xp(a @ W.T + b, space)  # (1), (2)
            chunks.append(a)
        return chunks[0] if len(chunks) == 1 else xp.concat(chunks, axis=0)

    def draw_dropout_masks(self, n_samples, rates, random_state, dtype, workspace=None):
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

        workspace : ArraySpace, default=None
            On the generic path, the space to move the masks to. They are
            drawn on the host all the same, from ``random_state`` in the
            numpy path's order, so every namespace sees the same masks.

        Returns
        -------
        masks : list of (ndarray of shape (n_samples, n_units) or None)
            One per hidden layer: 0 where a unit is dropped and ``1 / (1 - p)``
            where it is kept, so that the expected activation is unchanged and
            prediction needs no rescaling; ``None`` where ``p = 0``.
        """
        return self._draw_masks((n_samples,), rates, random_state, dtype, workspace)

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
        defer_loss=False,
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

        defer_loss : bool, default=False
            Whether the loss may come back as a
            :class:`~skmlp._losses.PendingLoss`, computed later with the rest
            of the epoch's by :func:`~skmlp._losses.resolve_losses` (the
            minibatch loop's choice: a dozen array operations fewer per
            batch); ``y`` must stay unchanged until then. The gradient is
            computed now all the same.

        Returns
        -------
        loss : float or PendingLoss
            The loss (3); a 0-d array on the device on the generic path.

        grad : ndarray of shape (n_params,)
            ``dL/dtheta``, laid out as ``theta``. On the generic path a new
            array: ``grad`` is not used.
        """
        if not isinstance(theta, np.ndarray):
            return self._loss_and_grad_xp(
                theta, X, y, sample_weight, alpha, dropout_masks, workspace
            )
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
        a0, cache = self._embed(theta, X)
        activations, inputs = self._forward(Ws, bs, a0, zs, outs, masks)
        # delta starts as dL/dy_hat, the seed's delta^{K+1}, or as dL/dz^K
        # when the output activation is the loss's canonical one (then the
        # top layer's sigma' is the identity's; see __post_init__).
        output_grad = (
            self.loss.value_and_grad_z if self._canonical else self.loss.value_and_grad
        )
        loss, delta = output_grad(
            y, activations[-1], sample_weight, out=dzs[-1], defer=defer_loss
        )
        if alpha:
            # (3), the L2 term summed layer by layer as scikit-learn does (a
            # PendingLoss records it, to be added after the data term).
            coefs = workspace.coefs(theta)
            loss += 0.5 * alpha * sum(np.dot(w, w) for w in coefs) / S

        # Backward.
        for l in reversed(range(self.n_layers)):
            sigma = self._backward_sigmas[l]
            if masks is not None and l < len(masks) and masks[l] is not None:
                delta *= masks[l]  # dL/da^(l+1) from dL/d(a^(l+1) * m^(l+1))
            z = zs[l] if sigma.needs_z else None
            dz = sigma.backward(delta, z, activations[l + 1])  # (4), (7): dL/db^l
            # (6), (9), (10): the sum over samples of outer(dL/db^l, a^{l-1}),
            # written straight into theta's layout, where coefs_ is W^l.T.
            matmul(inputs[l].T, dz, out=dWs[l].T)
            np.add.reduce(dz, axis=0, out=dbs[l])  # np.sum, minus its wrapper
            if l > 0:
                delta = matmul(dz, Ws[l], out=dzs[l - 1])  # (5), (8)
        if self.embedding is not None and self.embedding.n_params:
            # delta^1, (8) for c = 1: only an embedding with parameters reads it.
            self._embedding_backward(theta, cache, dz @ Ws[0], grad)
        # (10) for all layers at once: the L2 term, then the division by S.
        # Elementwise, so the same numbers as scikit-learn's per-layer loop.
        l2 = np.multiply(workspace.all_coefs(theta), alpha, out=workspace.scratch)
        coef_grad = workspace.all_coefs(grad)
        np.add(coef_grad, l2, out=coef_grad)
        grad /= S
        return loss, grad

    def _embedding_backward(self, theta, cache, delta, grad):
        r"""Write the embedding's gradient into ``grad``'s tail; see (E3)-(E5).

        ``delta`` is :math:`\delta^1 = dL/da^0`, (8) for :math:`c = 1`,
        weighted by :math:`s_i` and not yet divided by :math:`S`, which
        happens to the whole gradient afterwards. Without parameters to train
        (the piecewise linear encoding) :math:`\delta^1` is not needed, and
        :meth:`loss_and_grad` does not compute it.
        """
        self.embedding.backward(
            self.embedding_params(theta), cache, delta, self.embedding_params(grad)
        )

    def _loss_and_grad_xp(self, theta, X, y, sample_weight, alpha, masks, space):
        """:meth:`loss_and_grad` for any namespace: the same equations, in order.

        Nothing is read back from the device: the loss stays a 0-d array.
        """
        self._refuse_embedding_xp()
        if not isinstance(space, ArraySpace):
            space = ArraySpace.of(theta)
        xp = space.xp
        Ws, bs = self.unpack(theta)
        S = X.shape[0] if sample_weight is None else xp.sum(sample_weight)
        activations, inputs, zs = [X], [X], []
        for l, (W, b, sigma) in enumerate(zip(Ws, bs, self._sigmas, strict=True)):
            zs.append(inputs[-1] @ W.T + b)  # (1)
            activations.append(sigma.forward_xp(zs[-1], space))  # (2)
            mask = masks[l] if masks is not None and l < len(masks) else None
            inputs.append(activations[-1] if mask is None else activations[-1] * mask)
        output_grad = (
            self.loss.value_and_grad_z_xp
            if self._canonical
            else self.loss.value_and_grad_xp
        )
        loss, delta = output_grad(y, activations[-1], sample_weight, space)
        n_coefs = self.n_coefs
        if alpha:
            coefs = [theta[s] for s, _, _ in self._coef_slices]
            loss = loss + 0.5 * alpha * sum(w @ w for w in coefs) / S  # (3)
        dWs, dbs = [None] * self.n_layers, [None] * self.n_layers
        for l in reversed(range(self.n_layers)):
            if masks is not None and l < len(masks) and masks[l] is not None:
                delta = delta * masks[l]
            sigma = self._backward_sigmas[l]
            dz = sigma.backward_xp(delta, zs[l], activations[l + 1], space)  # (4), (7)
            dWs[l] = xp.reshape(inputs[l].T @ dz, (-1,))  # (6), (9), (10)
            dbs[l] = xp.sum(dz, axis=0)
            if l > 0:
                delta = dz @ Ws[l]  # (5), (8)
        grad = xp.concat([*dWs, *dbs])
        # (10): the L2 term, then the division by S, as the numpy path.
        coef_grad = grad[:n_coefs] + theta[:n_coefs] * alpha
        return loss, xp.concat([coef_grad, grad[n_coefs:]]) / S
