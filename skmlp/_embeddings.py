r"""Numeric embeddings of the input features: periodic (PLR) and piecewise linear.

After Gorishniy, Rubachev and Babenko (2022), "On Embeddings for Numerical
Features in Tabular Deep Learning" (:arxiv:`2203.05556`), and their package
``rtdl_num_embeddings``; the code here is our own, in the seed's notation
(:mod:`skmlp._network`). An embedding replaces the network's input
:math:`a^0 = x` by :math:`a^0 = \operatorname{concat}_j e_j(x_j)`, one vector
per feature :math:`j = 1, \dots, m`; the layers (1)-(2) then read it as they
read :math:`x`.

**Periodic, "PLR"** (``PeriodicEmbedding``). Per feature, :math:`k` trained
frequencies :math:`c_j \in \mathbb{R}^k`, a linear map
:math:`L_j \in \mathbb{R}^{d \times 2k}` with bias
:math:`\beta_j \in \mathbb{R}^d`, and a ReLU:

.. math::

    p_j = 2\pi c_j x_j, \qquad
    v_j = [\cos p_j, \sin p_j] \in \mathbb{R}^{2k} \tag{E1}

.. math::

    z^0_j = L_j v_j + \beta_j, \qquad e_j = \max(z^0_j, 0) \in \mathbb{R}^d
    \tag{E2}

With ``lite=True`` one :math:`L, \beta` serve every feature (rtdl's
``lite``); the frequencies stay per feature.

Backward. The bottom layer gives :math:`\delta^1 = dL/da^0 = (dL/db^1)\, W^1`,
equation (8) for :math:`c = 1`; its slice for feature :math:`j` is
:math:`\delta^1_j = dL/de_j`. Then, per sample, as (7)-(9) for a layer whose
input is :math:`v_j`:

.. math::

    \frac{dL}{d\beta_j} = \delta^1_j \odot \mathbb{1}[z^0_j > 0] \tag{E3}

.. math::

    \frac{dL}{dL_j} = \operatorname{outer}\left(\frac{dL}{d\beta_j}, v_j\right),
    \qquad
    \frac{dL}{dv_j} = \frac{dL}{d\beta_j}\, L_j \tag{E4}

and through (E1), with :math:`d\cos(2\pi c x)/dc = -2\pi x \sin(2\pi c x)`
and :math:`d\sin(2\pi c x)/dc = 2\pi x \cos(2\pi c x)`, for each frequency
:math:`f = 1, \dots, k`:

.. math::

    \frac{dL}{dc_{jf}} = 2\pi x_j \left(
        -\frac{dL}{dv_{j,f}} \sin p_{jf}
        + \frac{dL}{dv_{j,k+f}} \cos p_{jf} \right) \tag{E5}

Over a batch the per-sample terms are summed with the weights :math:`s_i`
(already in :math:`\delta^1`) and divided by :math:`S` with the rest of the
gradient, as in (10). With ``lite=True`` (E3) and (E4) are also summed over
the features. The outer products summed over samples are matrix products,
and the per-feature maps one batched product with the features as the batch
axis: in code arrays are laid out ``(feature, sample, ...)``.

**Piecewise linear, "PLE"** (``PiecewiseLinearEmbedding``). Quantile bin
edges :math:`b_{j,0} < \dots < b_{j,T_j}` of each feature, fitted on the
training data; bin :math:`t` encodes

.. math::

    e_{jt} = \operatorname{clip}\left(
        \frac{x_j - b_{j,t-1}}{b_{j,t} - b_{j,t-1}}, \ell_t, u_t\right) \tag{E6}

with :math:`[\ell_t, u_t] = [0, 1]`, except that the first bin is open to
the left (:math:`\ell_1 = -\infty`) and the last to the right
(:math:`u_{T_j} = +\infty`), as in the paper; a feature with one bin is
only rescaled. PLE has no trained parameters: the first layer learns on it,
and :math:`\delta^1` is not needed (nothing below :math:`a^0` is trained),
so the network does not compute it.

The parameters of an embedding, :math:`\phi`, sit at the end of ``theta``,
after the layers' weights and biases (see :class:`~skmlp._network.Network`).
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.stats import truncnorm
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

__all__ = ["PeriodicEmbedding", "PiecewiseLinearEmbedding"]

_TWO_PI = 2 * np.pi


def _dense(X, dtype):
    """``X`` as a dense array of ``dtype``: an embedding reads every entry."""
    X = X.toarray() if sp.issparse(X) else X
    return np.asarray(X, dtype=dtype)


class NumericEmbedding(BaseEstimator):
    """Base class of the embedding specifications. Not for direct use.

    A specification holds hyperparameters only, as an estimator does, so
    that it can be a parameter of one (``get_params``, ``clone`` and grid
    searches over ``numeric_embedding__<name>`` work). :meth:`fit_layer`
    returns the fitted layer the network computes with.
    """

    def fit_layer(self, X, sample_weight=None):
        """Return the fitted layer for training data ``X``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The training data; only :class:`PiecewiseLinearEmbedding` reads
            its values (for the bin edges).

        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the rows of ``X``, as for the loss.

        Returns
        -------
        layer : object
            Has ``n_inputs``, ``n_outputs``, ``n_params``,
            ``initial_params(random_state)``, ``forward(phi, X)`` and
            ``backward(phi, cache, delta, dphi)``.
        """
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        return self._fit_layer(X, sample_weight)

    def _description(self):
        """Name and every parameter, e.g. ``'PiecewiseLinearEmbedding(n_bins=48)'``.

        Unlike ``repr``, which leaves defaults out, it tells specifications
        apart by value, for the check that a warm start keeps the embedding.
        """
        params = ", ".join(f"{k}={v!r}" for k, v in sorted(self.get_params().items()))
        return f"{type(self).__name__}({params})"


class PeriodicEmbedding(NumericEmbedding):
    r"""Periodic embedding of each numeric feature ("PLR").

    Each feature :math:`x_j` becomes :math:`\max(0, L_j [\cos(2\pi c_j x_j),
    \sin(2\pi c_j x_j)] + \beta_j)`, with trained frequencies
    :math:`c_j \in \mathbb{R}^k` and a trained linear map per feature
    (Gorishniy et al., 2022). Pass it as ``numeric_embedding`` to
    :class:`~skmlp.BackpropRegressor` or :class:`~skmlp.BackpropClassifier`.

    Parameters
    ----------
    n_frequencies : int, default=48
        Number of frequencies :math:`k` per feature.

    frequency_scale : float, default=0.01
        Standard deviation :math:`\sigma` of the initial frequencies, drawn
        from a normal distribution truncated at :math:`\pm 3\sigma`. The most
        important setting: on standardised features, larger values give
        faster-varying functions of each feature (the paper tunes it between
        0.01 and 100).

    embedding_dim : int, default=24
        Width :math:`d` of each feature's embedding; the first layer reads
        ``n_features * embedding_dim`` inputs.

    lite : bool, default=False
        Whether one linear map (and bias) serves every feature, as rtdl's
        ``lite=True``; the frequencies stay per feature.

    See Also
    --------
    PiecewiseLinearEmbedding : Piecewise linear encoding on quantile bins.

    References
    ----------
    :arxiv:`Gorishniy, Yury, Ivan Rubachev and Artem Babenko (2022) "On
    Embeddings for Numerical Features in Tabular Deep Learning." <2203.05556>`

    Examples
    --------
    >>> from skmlp import BackpropRegressor, PeriodicEmbedding
    >>> est = BackpropRegressor(
    ...     numeric_embedding=PeriodicEmbedding(frequency_scale=0.1, lite=True)
    ... )
    """

    _parameter_constraints: dict = {
        "n_frequencies": [Interval(Integral, 1, None, closed="left")],
        "frequency_scale": [Interval(Real, 0, None, closed="neither")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "lite": ["boolean"],
    }

    def __init__(
        self, n_frequencies=48, frequency_scale=0.01, embedding_dim=24, lite=False
    ):
        self.n_frequencies = n_frequencies
        self.frequency_scale = frequency_scale
        self.embedding_dim = embedding_dim
        self.lite = lite

    def _fit_layer(self, X, sample_weight):
        return PeriodicLayer(
            X.shape[1],
            int(self.n_frequencies),
            float(self.frequency_scale),
            int(self.embedding_dim),
            bool(self.lite),
            self._description(),
        )


class PiecewiseLinearEmbedding(NumericEmbedding):
    r"""Piecewise linear encoding of each numeric feature on quantile bins ("PLE").

    Each feature is cut at its quantiles in the training data; bin :math:`t`
    with edges :math:`b_{t-1} < b_t` encodes :math:`x` as 0 below the bin, 1
    above it and :math:`(x - b_{t-1}) / (b_t - b_{t-1})` inside, the first
    bin open to the left and the last to the right (Gorishniy et al.,
    2022). The encoding has no trained parameters. Pass it as
    ``numeric_embedding`` to :class:`~skmlp.BackpropRegressor` or
    :class:`~skmlp.BackpropClassifier`.

    Parameters
    ----------
    n_bins : int, default=48
        Number of quantile bins per feature, at most. The edges are the
        quantiles of the training data, weighted by ``sample_weight`` (the
        averaged inverted CDF: numpy's ``method='averaged_inverted_cdf'``
        without weights, and an integer weight counts as repeated rows).
        Equal quantiles (a feature with few distinct values) are merged, so
        a feature may get fewer bins; a constant one gets a single bin of
        width 1.

    See Also
    --------
    PeriodicEmbedding : Periodic embedding with trained frequencies.

    References
    ----------
    :arxiv:`Gorishniy, Yury, Ivan Rubachev and Artem Babenko (2022) "On
    Embeddings for Numerical Features in Tabular Deep Learning." <2203.05556>`

    Examples
    --------
    >>> from skmlp import BackpropRegressor, PiecewiseLinearEmbedding
    >>> est = BackpropRegressor(numeric_embedding=PiecewiseLinearEmbedding(16))
    """

    _parameter_constraints: dict = {
        "n_bins": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, n_bins=48):
        self.n_bins = n_bins

    def _fit_layer(self, X, sample_weight):
        if sample_weight is None:
            sample_weight = np.ones(X.shape[0])
        q = np.linspace(0, 1, int(self.n_bins) + 1)
        edges = []
        for j in range(X.shape[1]):
            column = _dense(X[:, [j]], np.float64).ravel()  # dense one at a time
            column = np.unique(weighted_quantiles(column, sample_weight, q))
            # A constant feature: one bin of width 1, so its code is x - b.
            edges.append(column if column.size > 1 else column[0] + np.arange(2.0))
        return PiecewiseLinearLayer(edges, self._description())


def weighted_quantiles(values, weights, q):
    """Return the quantiles ``q`` (in [0, 1]) of ``values``: the averaged inverted CDF.

    numpy's ``method='averaged_inverted_cdf'`` for unit weights, with an
    integer weight counting as that many repeated values (which numpy's
    ``weights`` offer only from numpy 2.0, and only for ``'inverted_cdf'``).
    Where a quantile falls on a step of the weighted CDF, within rounding,
    it is the average of the values on either side.
    """
    keep = weights > 0
    order = np.argsort(values[keep], kind="stable")
    values, cdf = values[keep][order], np.cumsum(weights[keep][order])
    target = q * cdf[-1]
    tolerance = 1e-12 * cdf[-1]
    i = np.minimum(np.searchsorted(cdf, target - tolerance), len(values) - 1)
    on_step = (np.abs(cdf[i] - target) <= tolerance) & (target > 0)
    above = np.minimum(i + 1, len(values) - 1)
    return np.where(on_step, (values[i] + values[above]) / 2, values[i])


#: The specifications named by the estimators' ``numeric_embedding`` strings.
EMBEDDINGS = {
    "periodic": PeriodicEmbedding,
    "piecewise_linear": PiecewiseLinearEmbedding,
}


class PeriodicLayer:
    """A fitted :class:`PeriodicEmbedding`: (E1)-(E5) over a slice ``phi``.

    ``phi`` holds the frequencies ``c`` of shape ``(m, k)``, then the maps
    ``L_j.T`` of shape ``(m, 2k, d)`` (``(2k, d)`` when lite, stored
    transposed like ``coefs_``), then the biases ``beta`` of shape ``(m, d)``
    (``(d,)`` when lite), each in C order. Compared by identity.
    """

    def __init__(self, n_inputs, k, scale, d, lite, description):
        self.n_inputs, self.k, self.scale = n_inputs, k, scale
        self.d, self.lite = d, lite
        self.description = description
        n_maps = 1 if lite else n_inputs
        sizes = (n_inputs * k, n_maps * 2 * k * d, n_maps * d)
        self._stops = np.cumsum(sizes)
        self._map_shape = (2 * k, d) if lite else (n_inputs, 2 * k, d)
        self._bias_shape = (d,) if lite else (n_inputs, 1, d)

    @property
    def n_outputs(self):
        """Width of :math:`a^0`: ``n_features * embedding_dim``."""
        return self.n_inputs * self.d

    @property
    def n_params(self):
        """Length of ``phi``."""
        return int(self._stops[-1])

    @property
    def row_floats(self):
        """Floats per sample that the forward pass holds: ``p``, ``v``, ``z``."""
        return self.n_inputs * (4 * self.k + 2 * self.d)

    def _unpack(self, phi):
        c, maps, beta = np.split(phi, self._stops[:-1])
        return (
            c.reshape(self.n_inputs, self.k),
            maps.reshape(self._map_shape),
            beta.reshape(self._bias_shape),
        )

    def initial_params(self, random_state):
        r"""Draw ``phi``, in float64, as rtdl_num_embeddings does.

        The frequencies from :math:`N(0, \sigma^2)` truncated at
        :math:`\pm 3\sigma`; the maps and biases from :math:`U(-r, r)` with
        :math:`r = 1 / \sqrt{2k}` (PyTorch's ``nn.Linear`` default).
        """
        size = self.n_inputs * self.k
        c = truncnorm.rvs(-3, 3, scale=self.scale, size=size, random_state=random_state)
        bound = 1 / np.sqrt(2 * self.k)
        rest = random_state.uniform(-bound, bound, self.n_params - c.size)
        return np.concatenate([c, rest])

    def forward(self, phi, X):
        """Return ``(a0, cache)``: (E1)-(E2) for every feature, concatenated."""
        c, maps, beta = self._unpack(phi)
        x = _dense(X, phi.dtype).T  # (m, n): features as the batch axis
        p = (_TWO_PI * c)[:, None, :] * x[:, :, None]  # (E1), (m, n, k)
        v = np.empty((*p.shape[:2], 2 * self.k), dtype=p.dtype)
        np.cos(p, out=v[..., : self.k])  # the halves of v, without a concatenate
        np.sin(p, out=v[..., self.k :])
        z = np.matmul(v, maps)  # (E2), one product per feature unless lite
        z += beta
        e = np.maximum(z, 0)
        n = x.shape[1]
        a0 = e.transpose(1, 0, 2).reshape(n, self.n_outputs)
        return a0, (x, v, z)

    def backward(self, phi, cache, delta, dphi):
        r"""Write into ``dphi`` the sum over samples of (E3)-(E5).

        ``delta`` is :math:`\delta^1 = dL/da^0`, rows weighted by
        :math:`s_i`, not divided by :math:`S`.
        """
        x, v, z = cache
        k = self.k
        _, maps, _ = self._unpack(phi)
        dc, dmaps, dbeta = self._unpack(dphi)
        n = x.shape[1]
        # delta^1_j, laid out (feature, sample, d) as z.
        dz = delta.reshape(n, self.n_inputs, self.d).transpose(1, 0, 2)
        dz = dz * (z > 0)  # (E3) per sample
        dv = np.matmul(dz, np.swapaxes(maps, -1, -2))  # (E4), dL/dv_j
        if self.lite:
            dbeta[...] = dz.sum(axis=(0, 1))
            dmaps[...] = v.reshape(-1, 2 * k).T @ dz.reshape(-1, self.d)
        else:
            dbeta[...] = dz.sum(axis=1, keepdims=True)
            np.matmul(v.transpose(0, 2, 1), dz, out=dmaps)  # (E4), summed
        cos, sin = v[..., :k], v[..., k:]
        dp = dv[..., k:] * cos - dv[..., :k] * sin  # dL/dp_j
        # (E5): dL/dc_jf = 2 pi sum_i x_ij dL/dp_ijf.
        dc[...] = _TWO_PI * np.matmul(x[:, None, :], dp)[:, 0, :]


class PiecewiseLinearLayer:
    """A fitted :class:`PiecewiseLinearEmbedding`: (E6), no parameters.

    Each output column ``t`` reads feature ``feature[t]`` and computes
    ``clip(x * scale[t] + offset[t], low[t], high[t])``, the affine form of
    (E6) (rtdl's too). Compared by identity.
    """

    n_params = 0

    def __init__(self, edges, description):
        self.edges = [np.asarray(e, dtype=np.float64) for e in edges]
        self.description = description
        self.n_inputs = len(self.edges)
        feature, scale, offset, low, high = [], [], [], [], []
        for j, b in enumerate(self.edges):
            width = np.diff(b)
            n_bins = width.size
            feature.append(np.full(n_bins, j))
            scale.append(1 / width)
            offset.append(-b[:-1] / width)
            lo, hi = np.zeros(n_bins), np.ones(n_bins)
            lo[0], hi[-1] = -np.inf, np.inf  # open at both ends
            low.append(lo)
            high.append(hi)
        self.feature = np.concatenate(feature)
        self.scale, self.offset = np.concatenate(scale), np.concatenate(offset)
        self.low, self.high = np.concatenate(low), np.concatenate(high)
        self._cast = {}  # the four above, per dtype of theta

    @property
    def n_outputs(self):
        """Width of :math:`a^0`: the number of bins over all features."""
        return self.feature.size

    @property
    def row_floats(self):
        """Floats per sample that the forward pass holds."""
        return self.n_outputs

    def initial_params(self, random_state):
        """Return no parameters; nothing is drawn."""
        return np.empty(0)

    def _constants(self, dtype):
        """Return ``scale``, ``offset``, ``low``, ``high`` in ``dtype``, cast once."""
        cast = self._cast.get(dtype)
        if cast is None:
            cast = self._cast[dtype] = tuple(
                c.astype(dtype) for c in (self.scale, self.offset, self.low, self.high)
            )
        return cast

    def forward(self, phi, X):
        """Return ``(a0, None)``: (E6) for every bin of every feature."""
        scale, offset, low, high = self._constants(phi.dtype)
        # The gather makes a new array: the affine map and the clip work in it.
        a0 = _dense(X, phi.dtype)[:, self.feature]
        a0 *= scale
        a0 += offset
        np.clip(a0, low, high, out=a0)
        return a0, None

    def backward(self, phi, cache, delta, dphi):
        """Do nothing: there are no parameters to differentiate."""
