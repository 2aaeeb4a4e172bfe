r"""Ensembles trained in one pass: ``k`` networks of one architecture, stacked.

Member :math:`m = 1, \dots, k` is a network of its own, with weights
:math:`W^l_m`, biases :math:`b^l_m` and the equations (1)-(10) of
:mod:`skmlp._network`. The members see the same minibatches; what they share
is the arithmetic: each layer's ``k`` matrix products are one stacked
(batched) product over arrays of shape ``(k, n_samples, n_units)``.

The objective is the **sum** of the members' losses (3), each with its own
L2 term,

.. math::

    L_{\text{ens}} = \sum_{m=1}^{k} L_m, \qquad
    \frac{\partial L_{\text{ens}}}{\partial \theta_m}
        = \frac{\partial L_m}{\partial \theta_m}, \tag{E1}

so each member's gradient is exactly the gradient it would have alone, and
an elementwise optimizer (SGD, Adam) moves every member as it would move it
alone on the same minibatches. The estimators report the members' *mean*
loss, :math:`L_{\text{ens}} / k` (:func:`mean_member_loss`), so that
``loss_curve_`` is comparable with a single network's. The prediction is the
members' mean, and their spread is the standard deviation:

.. math::

    \hat{y} = \frac{1}{k} \sum_m \hat{y}_m, \qquad
    s = \sqrt{\frac{1}{k} \sum_m (\hat{y}_m - \hat{y})^2}. \tag{E2}

**Layout.** ``theta`` holds, per layer, the members' ``coefs_`` stacked as
``(k, fan_in, fan_out)`` in C order, then per layer the intercepts as
``(k, fan_out)``: every weight comes before every bias, as in a single
network, so the L2 term and weight decay read the same leading
``n_coefs`` entries.

**Speed.** With one hidden layer the batch's work is a few passes over
``(k, n_samples, n_hidden)`` arrays, and a pass costs about as much as a
matrix product of the same size (memory, not arithmetic, bounds it). Two
passes are saved by folding the bias into the first product (a column of
ones beside ``X``, the biases as an extra row of the weights): one product
then gives ``z^1`` without the broadcast add, and the backward product gives
:math:`dL/dW^1` and :math:`dL/db^1` together. With one hidden layer and
one output, a third is saved: the output layer's :math:`\delta` is the rank
one ``dz^2 (W^2)^T``, so by (7) and (10)

.. math::

    \frac{\partial L}{\partial W^1_{jk}} = \sum_i dz^2_i\, x_{ij}\,
        \sigma'(z^1_{ik})\, W^2_k, \tag{E3}

a product of ``(dz^2 \odot x)^T`` with the matrix of :math:`\sigma'`,
columns scaled by :math:`W^2`; :math:`\delta` itself is never formed.

With a numeric embedding (:mod:`skmlp._embeddings`), the members share it:
every member reads the same :math:`a^0 = e(x)`, so the embedding receives
the sum over members of their :math:`\delta^1 = dL/da^0`, by the chain
rule through a shared input (as in TabM, whose members share the
embedding too). ``_bottom_layer`` forms that sum; (E3) does not form
:math:`\delta^1`, so it is used only when the embedding has no trained
parameters.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches

from ._backend import blas_threads_for, matmul
from ._init import initial_theta
from ._network import PREDICT_CHUNK_ROWS, LayerStack, Network


def n_members(network):
    """Return the number of members of ``network``: 1 for a single network."""
    return getattr(network, "n_members", 1)


def mean_member_loss(network, loss):
    """Return the members' mean loss from the objective (E1), their sum."""
    return loss / n_members(network)


def _is_dense(X):
    return isinstance(X, np.ndarray)


@dataclass(frozen=True)
class EnsembleNetwork(LayerStack):
    """``n_members`` networks of one architecture over one flat ``theta``.

    The interface of :class:`~skmlp._network.Network`, for the stacked
    layout of the module's docstring: the solvers and the estimators train
    and predict through it unchanged. numpy arrays only.

    Parameters
    ----------
    layer_units : tuple of int
        ``(n_features, n_hidden_1, ..., n_outputs)``, of every member.

    activations : tuple of str
        The activation of each layer, of every member.

    loss : object or str
        As for :class:`~skmlp._network.Network`.

    n_members : int
        The number of members ``k``, at least 2.

    embedding : object, default=None
        A fitted numeric embedding from :mod:`skmlp._embeddings`, shared by
        the members; its parameters follow the members' in ``theta``.
    """

    layer_units: tuple
    activations: tuple
    loss: object
    n_members: int
    embedding: object = None
    member: Network = field(init=False, repr=False, compare=False)
    _coef_slices: tuple = field(init=False, repr=False, compare=False)
    _intercept_slices: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        member = Network(self.layer_units, self.activations, self.loss)
        object.__setattr__(self, "member", member)
        object.__setattr__(self, "loss", member.loss)
        k = self.n_members
        fans = list(zip(self.layer_units[:-1], self.layer_units[1:], strict=True))
        coef_slices, intercept_slices, start = [], [], 0
        for fan_in, fan_out in fans:
            coef_slices.append(
                (slice(start, start + k * fan_in * fan_out), fan_in, fan_out)
            )
            start += k * fan_in * fan_out
        for _, fan_out in fans:
            intercept_slices.append((slice(start, start + k * fan_out), fan_out))
            start += k * fan_out
        object.__setattr__(self, "_coef_slices", tuple(coef_slices))
        object.__setattr__(self, "_intercept_slices", tuple(intercept_slices))

    # -- layout ------------------------------------------------------------------

    @property
    def n_layers(self):
        """Number of weight layers ``K`` of each member."""
        return len(self.layer_units) - 1

    @property
    def _n_layer_params(self):
        """``n_members`` times a member's layers' parameters."""
        return self._intercept_slices[-1][0].stop

    @property
    def n_coefs(self):
        """Number of weights of all members; they come first in ``theta``."""
        return self._intercept_slices[0][0].start

    def coefs(self, theta):
        """Return the views ``coefs_[l]`` of shape ``(k, fan_in, fan_out)``."""
        k = self.n_members
        return [
            theta[s].reshape(k, fan_in, fan_out)
            for s, fan_in, fan_out in self._coef_slices
        ]

    def intercepts(self, theta):
        """Return the views ``intercepts_[l]`` of shape ``(k, fan_out)``."""
        return [
            theta[s].reshape(self.n_members, fan_out)
            for s, fan_out in self._intercept_slices
        ]

    def unpack(self, theta):
        """Return views ``(Ws, bs)``: ``W^l`` of shape ``(k, n_l, n_{l-1})``, ``b^l``.

        The seed's ``W^l`` of every member; ``coefs_[l - 1]`` is its
        transpose over the last two axes. Writing into them writes into
        ``theta``.
        """
        return [c.transpose(0, 2, 1) for c in self.coefs(theta)], self.intercepts(theta)

    def member_theta(self, theta, m):
        """Return a copy of member ``m``'s parameters in a single network's layout."""
        return np.concatenate(
            [c[m].ravel() for c in self.coefs(theta)]
            + [b[m] for b in self.intercepts(theta)]
        )

    def stack(self, thetas):
        """Return the ensemble's ``theta`` of the members' single-network vectors."""
        thetas = list(thetas)
        theta = np.empty(self.n_params, dtype=thetas[0].dtype)
        coefs, intercepts = self.coefs(theta), self.intercepts(theta)
        for m, single in enumerate(thetas):
            Ws, bs = self.member.unpack(single)
            for l, (W, b) in enumerate(zip(Ws, bs, strict=True)):
                coefs[l][m], intercepts[l][m] = W.T, b
        return theta

    def initial_theta(self, random_state, dtype, scheme, activation):
        """Draw every member as :func:`~skmlp._init.initial_theta` draws a network.

        One after another from ``random_state``: member 0 gets the weights
        a single network would get from the same generator. The shared
        embedding's parameters are drawn last, by its own scheme.
        """
        theta = self.stack(
            initial_theta(self.member, random_state, dtype, scheme, activation)
            for _ in range(self.n_members)
        )
        if self.embedding is not None:
            self.embedding_params(theta)[...] = self.embedding.initial_params(
                random_state
            )
        return theta

    @property
    def keeps_z(self):
        """Whether the backward pass reads ``z^l``, one bool a layer."""
        return self.member.keeps_z

    def workspace(self, n_rows, dtype):
        """Return an :class:`EnsembleWorkspace` for up to ``n_rows`` rows."""
        return EnsembleWorkspace(self, n_rows, dtype)

    def blas_threads(self, n_rows):
        """Return a context that sets the BLAS threads for batches of ``n_rows``.

        As for a single network whose batches were ``n_members`` times
        larger: every product is that many products of a member's size.
        """
        return blas_threads_for(self.layer_units, n_rows * self.n_members)

    # -- forward -----------------------------------------------------------------

    def _first_layer(self, X, W, b, z, work):
        """Write ``z^1 = X W^1 + b^1`` of every member into ``z``, ``(k, n, n_1)``."""
        if _is_dense(X) and work is not None:
            # The bias folded into the product: [X, 1] @ [[coefs], [b]].
            X1 = work.X1[: X.shape[0]]
            X1[:, :-1] = X
            Wb = work.Wb
            Wb[:, :-1] = W
            Wb[:, -1] = b
            return np.matmul(X1, Wb, out=z)
        for m in range(self.n_members):  # sparse X: one product per member
            matmul(X, W[m], out=z[m])
        z += b[:, np.newaxis, :]
        return z

    def _forward(self, theta, X, zs, outs, masks=None, work=None):
        """Run (1)-(2) for every member; return ``activations`` and ``inputs``.

        As :meth:`Network._forward <skmlp._network.Network._forward>`, with
        ``(k, n, n_l)`` arrays from layer 1 on; ``a^0 = X`` is shared.
        """
        coefs, bs = self.coefs(theta), self.intercepts(theta)
        activations, inputs = [X], [X]
        for l, (W, b, z, out) in enumerate(zip(coefs, bs, zs, outs, strict=True)):
            if l == 0:
                self._first_layer(X, W, b, z, work)
            else:
                np.matmul(inputs[-1], W, out=z)  # (1), k products at once
                z += b[:, np.newaxis, :]
            sigma = self.member.sigmas[l]
            a = z if out is None else out
            # Activations work on rows: (k, n, units) as (k n, units).
            sigma.forward(_rows(z), out=_rows(a))  # (2)
            activations.append(a)
            mask = masks[l] if masks is not None and l < len(masks) else None
            inputs.append(a if mask is None else a * mask)
        return activations, inputs

    def predict_members(self, theta, X):
        """Return every member's ``y_hat``, of shape ``(k, n_samples, n_outputs)``.

        Rows go through in chunks, as in :meth:`Network.predict
        <skmlp._network.Network.predict>`, ``n_members`` times fewer.
        """
        k, n_samples = self.n_members, X.shape[0]
        dtype = np.result_type(X.dtype, theta.dtype)
        y_hat = np.empty((k, n_samples, self.layer_units[-1]), dtype=dtype)
        widths = self.layer_units[1:-1]
        row_bytes = 2 * k * max(widths, default=1) * dtype.itemsize
        if self.embedding is not None:  # its arrays are made per chunk
            row_bytes += self.embedding.row_floats * dtype.itemsize
            theta = theta.astype(dtype, copy=False)
        budget = int(get_config()["working_memory"] * 2**20 // row_bytes)
        chunk = max(1, min(budget, PREDICT_CHUNK_ROWS // k, n_samples))
        with self.blas_threads(chunk):
            for rows in gen_batches(n_samples, chunk):
                n = rows.stop - rows.start
                zs = [np.empty((k, n, width), dtype) for width in widths]
                zs.append(np.empty((k, n, self.layer_units[-1]), dtype))
                a0, _ = self._embed(theta, X[rows])
                activations, _ = self._forward(theta, a0, zs, [None] * self.n_layers)
                y_hat[:, rows] = activations[-1]
        return y_hat

    def predict(self, theta, X):
        """Return the members' mean prediction (E2), ``(n_samples, n_outputs)``."""
        return self.predict_members(theta, X).mean(axis=0)

    def draw_dropout_masks(self, n_samples, rates, random_state, dtype, workspace=None):
        """Draw inverted-dropout masks of shape ``(k, n_samples, n_units)``.

        Each member drops its own units; see :meth:`Network.draw_dropout_masks
        <skmlp._network.Network.draw_dropout_masks>`.
        """
        batch_shape = (self.n_members, n_samples)
        return self._draw_masks(batch_shape, rates, random_state, dtype, workspace)

    # -- backward ----------------------------------------------------------------

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
        """Return the objective (E1), the sum of the members' losses, and its gradient.

        Parameters and returns are those of :meth:`Network.loss_and_grad
        <skmlp._network.Network.loss_and_grad>`, with ``theta`` and ``grad``
        in the ensemble's layout and ``workspace`` an
        :class:`EnsembleWorkspace`. The loss is always computed at once
        (``defer_loss`` is accepted and ignored).
        """
        if not isinstance(theta, np.ndarray):
            raise TypeError("An ensemble computes on numpy arrays only.")
        n_samples, k = X.shape[0], self.n_members
        if grad is None:
            grad = np.empty_like(theta)
        if workspace is None or not workspace.fits(n_samples, theta.dtype):
            workspace = self.workspace(n_samples, theta.dtype)
        zs, outs, dzs = workspace.rows(n_samples)
        S = n_samples if sample_weight is None else sample_weight.sum()
        X, cache = self._embed(theta, X)  # a^0, shared by the members
        activations, inputs = self._forward(
            theta, X, zs, outs, dropout_masks, workspace
        )
        # Every member's rows against the same targets: the loss's mean over
        # the k n rows is the members' mean loss, and its rows are each
        # member's own s_i dl/dy_hat (see _losses).
        y_rows, weight_rows = workspace.targets(y, sample_weight)
        output_grad = (
            self.loss.value_and_grad_z
            if self.member.canonical
            else self.loss.value_and_grad
        )
        mean, _ = output_grad(
            y_rows, _rows(activations[-1]), weight_rows, out=_rows(dzs[-1])
        )
        loss = k * mean  # (E1)
        if alpha:
            coefs = theta[: self.n_coefs]
            loss += 0.5 * alpha * np.dot(coefs, coefs) / S  # (3), every member's
        delta = dzs[-1]
        dWs, dbs = self.coefs(grad), self.intercepts(grad)
        Ws = self.coefs(theta)
        for l in reversed(range(1, self.n_layers)):
            dz = self._backward_layer(l, delta, zs, activations, dropout_masks)
            np.matmul(inputs[l].transpose(0, 2, 1), dz, out=dWs[l])  # (6), (9)
            np.add.reduce(dz, axis=1, out=dbs[l])
            if l > 1 or not self._low_rank(X, workspace):
                delta = np.matmul(
                    dz, Ws[l].transpose(0, 2, 1), out=dzs[l - 1]
                )  # (5), (8)
        delta = self._bottom_layer(
            X, delta, zs, activations, dropout_masks, workspace, dWs[0], dbs[0], Ws
        )
        if delta is not None:  # the members' summed delta^1 = dL/da^0
            self.embedding.backward(
                self.embedding_params(theta), cache, delta, self.embedding_params(grad)
            )
        if alpha:  # (10)
            l2 = np.multiply(theta[: self.n_coefs], alpha, out=workspace.scratch)
            grad[: self.n_coefs] += l2
        grad /= S
        return loss, grad

    def _backward_layer(self, l, delta, zs, activations, masks):
        """Return ``dz^l``, (4) or (7), over ``delta = dL/da^l`` in place."""
        if masks is not None and l < len(masks) and masks[l] is not None:
            delta *= masks[l]
        sigma = self.member.backward_sigmas[l]
        z = _rows(zs[l]) if sigma.needs_z else None
        dz = sigma.backward(_rows(delta), z, _rows(activations[l + 1]))
        return dz.reshape(delta.shape)

    def _low_rank(self, X, work):
        """Say whether (E3) computes the bottom layer: one hidden layer, one output."""
        return (
            self.n_layers == 2
            and not self._trains_embedding
            and self.layer_units[-1] == 1
            and work.X1 is not None
            and _is_dense(X)
        )

    @property
    def _trains_embedding(self):
        """Whether the shared embedding has parameters, and so needs delta^1."""
        return self.embedding is not None and self.embedding.n_params > 0

    def _bottom_layer(self, X, delta, zs, activations, masks, work, dW, db, Ws):
        r"""Write ``dL/dW^1`` and ``dL/db^1`` of every member (7), (9), (10).

        ``delta`` is ``dL/dz^2`` when (E3) applies, else ``dL/da^1``. Returns
        the members' summed :math:`\delta^1 = dL/da^0` (8) when the shared
        embedding trains parameters, else ``None``.
        """
        n = X.shape[0]
        if self._low_rank(X, work):
            # (E3): sigma'(z^1) (times the dropout mask), then one product.
            derivative = _derivative(self.member, zs[0], activations[1], work)
            if masks is not None and masks[0] is not None:
                derivative *= masks[0]
            # (dz^2 x)^T, written transposed: BLAS then reads it contiguously.
            k = self.n_members
            scaled = np.multiply(
                delta.reshape(k, 1, n), work.X1[:n].T, out=_tail(work.scaled, n)
            )
            np.matmul(scaled, derivative, out=work.dWb)
            work.dWb *= Ws[1].transpose(0, 2, 1)
            dW[...], db[...] = work.dWb[:, :-1], work.dWb[:, -1]
            return None
        dz = self._backward_layer(0, delta, zs, activations, masks)
        # (8) for c = 1, every member's, summed: they all read the same a^0.
        # Ws holds coefs_, so W^1 is its transpose over the last two axes.
        delta_0 = None
        if self._trains_embedding:
            delta_0 = np.matmul(dz, Ws[0].transpose(0, 2, 1)).sum(axis=0)
        if _is_dense(X) and work.X1 is not None:
            # One product gives both: [X, 1]^T dz = [X^T dz; sum of rows].
            np.matmul(work.X1[:n].T, dz, out=work.dWb)
            dW[...], db[...] = work.dWb[:, :-1], work.dWb[:, -1]
            return delta_0
        for m in range(self.n_members):
            matmul(X.T, dz[m], out=dW[m])
        np.add.reduce(dz, axis=1, out=db)
        return delta_0


def _rows(array):
    """View ``(k, n, units)`` as ``(k n, units)``: what activations and losses take."""
    return array.reshape(-1, array.shape[-1])


def _derivative(member, z, a, work):
    """Return sigma'(z^1) of every member, in the workspace."""
    sigma = member.backward_sigmas[0]
    n = a.shape[1]
    out = _head(work.derivative, n)
    if member.activations[0] == "relu":
        # a > 0 as a boolean, then cast: twice as fast as bool times float.
        keep = np.greater(a, 0, out=_head(work.keep, n))
        np.copyto(out, keep)
        return out
    out[...] = 1.0
    sigma.backward(_rows(out), _rows(z) if sigma.needs_z else None, _rows(a))
    return out


class EnsembleWorkspace:
    """The per-batch buffers of an :class:`EnsembleNetwork`, made once per fit.

    ``z^l``, ``a^l`` (where sigma' needs ``z^l``) and ``dz^l`` of every
    member, ``(k, n_rows, n_l)``; ``X1`` (``X`` with a column of ones) and
    ``Wb`` (``coefs_[0]`` with the biases as a last row) for the folded
    first layer; the targets and weights repeated once per member.

    Parameters
    ----------
    network : EnsembleNetwork

    n_rows : int
        The largest batch.

    dtype : numpy dtype
    """

    def __init__(self, network, n_rows, dtype):
        self.n_rows = n_rows
        self.dtype = np.dtype(dtype)
        k = network.n_members
        widths = network.layer_units[1:]
        n_features, n_outputs = network.layer_units[0], network.layer_units[-1]
        self._zs = [np.empty((k, n_rows, w), self.dtype) for w in widths]
        self._outs = [
            np.empty((k, n_rows, w), self.dtype) if keep else None
            for w, keep in zip(widths, network.keeps_z, strict=True)
        ]
        self._dzs = [np.empty((k, n_rows, w), self.dtype) for w in widths]
        self.X1 = np.ones((n_rows, n_features + 1), self.dtype)
        self.Wb = np.empty((k, n_features + 1, widths[0]), self.dtype)
        self.dWb = np.empty_like(self.Wb)
        self.y = np.empty((k, n_rows, n_outputs), self.dtype)
        self.weights = np.empty((k, n_rows), self.dtype)
        low_rank = network.n_layers == 2 and n_outputs == 1
        hidden = (k, n_rows, widths[0]) if low_rank else (0, 0, 0)
        self.derivative = np.empty(hidden, self.dtype)
        self.keep = np.empty(hidden, bool)
        self.scaled = np.empty(
            (k, n_features + 1, n_rows) if low_rank else (0, 0, 0), self.dtype
        )
        self.scratch = np.empty(network.n_coefs, self.dtype)
        self._last = None

    def fits(self, n_rows, dtype):
        """Say whether a batch of ``n_rows`` rows of ``dtype`` fits."""
        return n_rows <= self.n_rows and dtype == self.dtype

    def rows(self, n):
        """Return ``zs``, ``outs`` and ``dzs`` for a batch of ``n`` rows."""
        if self._last is None or self._last[0] != n:
            self._last = (
                n,
                [_head(z, n) for z in self._zs],
                [None if a is None else _head(a, n) for a in self._outs],
                [_head(dz, n) for dz in self._dzs],
            )
        return self._last[1:]

    def targets(self, y, sample_weight):
        """Return ``y`` and ``sample_weight`` repeated once per member, as rows."""
        n = y.shape[0]
        y_rows = _head(self.y, n)
        y_rows[...] = y
        if sample_weight is None:
            return _rows(y_rows), None
        weights = _head(self.weights[..., np.newaxis], n)
        weights[...] = sample_weight[:, np.newaxis]
        return _rows(y_rows), weights.reshape(-1)


def _tail(buffer, n):
    """Return the contiguous ``(k, units, n)`` head of a ``(k, units, n_rows)`` one."""
    k, units, _ = buffer.shape
    return buffer.reshape(-1)[: k * units * n].reshape(k, units, n)


def _head(buffer, n):
    """Return the contiguous ``(k, n, units)`` head of a ``(k, n_rows, units)`` buffer.

    Not ``buffer[:, :n]``, which is strided: activations and losses take
    ``(k n, units)`` views of it, and reshaping a strided array copies.
    """
    k, _, units = buffer.shape
    return buffer.reshape(-1)[: k * n * units].reshape(k, n, units)
