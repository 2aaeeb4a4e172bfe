"""TabM-mini against plain members: a measured prototype, not a shipped option.

Usage (from the repository root)::

    python benchmarks/tabm_mini.py [--datasets concrete,slid,wage,diabetes]
                                   [--json benchmarks/tabm-mini.json]

``n_ensemble=8`` trains plain members: each a whole network of its own
(``skmlp._ensemble``). TabM-mini (Gorishniy et al., 2025, arXiv 2410.24210)
shares the hidden layers among the members instead and gives member ``m``
only a multiplicative adapter ``r_m`` on the input, drawn as random signs,
and its own output layer:

    z^1_m = (x * r_m) W^1 + b^1,   a^1_m = relu(z^1_m),
    y_hat_m = a^1_m W^2_m + b^2_m.

This script writes that network's forward and backward pass by hand (one
hidden layer), checks its gradient against finite differences, plugs it
into a :class:`~skmlp.BackpropRegressor` (the same Adam, minibatches and
stopping), and compares both designs with ``benchmarks/accuracy.py``'s
loaders, standard pipeline and 5-fold cross-validation, 1 BLAS thread: mean
R² and seconds per epoch on W1's shape. Its objective is the sum of the
members' losses, as for plain members: the shared weights get the sum of
the members' gradients.
"""

import argparse
import json
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import accuracy

from skmlp import BackpropRegressor
from skmlp._backend import blas_threads_for
from skmlp._losses import get_loss


@dataclass(frozen=True)
class TabMMini:
    """One hidden relu layer shared by ``n_members``, an input adapter each.

    ``theta``: ``W1 (f, h)``, ``W2 (k, h, o)``, then ``b1 (h)``,
    ``b2 (k, o)``, then the adapters ``R (k, f)``. ``n_coefs`` covers the
    weights (the adapters are not decayed).
    """

    layer_units: tuple
    activations: tuple
    loss: object
    n_members: int

    def __post_init__(self):
        if isinstance(self.loss, str):
            object.__setattr__(self, "loss", get_loss(self.loss))

    @property
    def sizes(self):
        f, h, o = self.layer_units
        k = self.n_members
        return {"W1": (f, h), "W2": (k, h, o), "b1": (h,), "b2": (k, o), "R": (k, f)}

    @property
    def n_params(self):
        return sum(int(np.prod(s)) for s in self.sizes.values())

    @property
    def n_coefs(self):
        return int(np.prod(self.sizes["W1"]) + np.prod(self.sizes["W2"]))

    @property
    def n_layers(self):
        return 2

    @property
    def keeps_z(self):
        return (False, False)

    def unpack(self, theta):
        views, start = {}, 0
        for name, shape in self.sizes.items():
            size = int(np.prod(shape))
            views[name] = theta[start : start + size].reshape(shape)
            start += size
        return views

    def initial_theta(self, random_state, dtype, scheme, activation):
        f, h, o = self.layer_units
        theta = np.empty(self.n_params, dtype)
        p = self.unpack(theta)
        bound = np.sqrt(6 / (f + h))
        p["W1"][...] = random_state.uniform(-bound, bound, (f, h))
        p["b1"][...] = random_state.uniform(-bound, bound, h)
        bound = np.sqrt(6 / (h + o))
        p["W2"][...] = random_state.uniform(-bound, bound, p["W2"].shape)
        p["b2"][...] = random_state.uniform(-bound, bound, p["b2"].shape)
        p["R"][...] = random_state.choice([-1.0, 1.0], p["R"].shape)  # TabM-mini
        return theta

    def workspace(self, n_rows, dtype):
        return None

    def blas_threads(self, n_rows):
        return blas_threads_for(self.layer_units, n_rows * self.n_members)

    def _forward(self, p, X):
        Xm = X[np.newaxis] * p["R"][:, np.newaxis, :]  # (k, n, f)
        z = Xm @ p["W1"] + p["b1"]
        a = np.maximum(z, 0)
        return Xm, a, a @ p["W2"] + p["b2"][:, np.newaxis, :]

    def predict_members(self, theta, X):
        X = np.asarray(X.todense()) if hasattr(X, "todense") else X
        return self._forward(self.unpack(theta), X)[2]

    def predict(self, theta, X):
        return self.predict_members(theta, X).mean(axis=0)

    def loss_and_grad(self, theta, X, y, sample_weight=None, alpha=0.0, grad=None, **_):
        X = np.asarray(X.todense()) if hasattr(X, "todense") else X
        k, n = self.n_members, X.shape[0]
        p = self.unpack(theta)
        grad = np.empty_like(theta) if grad is None else grad
        g = self.unpack(grad)
        Xm, a, y_hat = self._forward(p, X)
        weights = None if sample_weight is None else np.tile(sample_weight, k)
        rows = np.tile(y, (k, 1))
        mean, dz = self.loss.value_and_grad(rows, y_hat.reshape(k * n, -1), weights)
        dz = dz.reshape(k, n, -1)  # s_i dl/dy_hat of every member
        S = n if sample_weight is None else sample_weight.sum()
        coefs = np.concatenate([p["W1"].ravel(), p["W2"].ravel()])
        loss = k * mean + 0.5 * alpha * coefs @ coefs / S
        g["W2"][...] = a.transpose(0, 2, 1) @ dz
        g["b2"][...] = dz.sum(axis=1)
        dz1 = (dz @ p["W2"].transpose(0, 2, 1)) * (a > 0)
        g["W1"][...] = Xm.reshape(k * n, -1).T @ dz1.reshape(k * n, -1)
        g["b1"][...] = dz1.sum(axis=(0, 1))
        g["R"][...] = np.einsum("knf,nf->kf", dz1 @ p["W1"].T, X)
        g["W1"][...] += alpha * p["W1"]
        g["W2"][...] += alpha * p["W2"]
        grad /= S
        return loss, grad


class TabMMiniRegressor(BackpropRegressor):
    """A BackpropRegressor whose network is :class:`TabMMini` (adam only)."""

    def _network(self, n_features, n_outputs):
        (hidden,) = self._hidden_layer_sizes()
        return TabMMini(
            (n_features, hidden, n_outputs),
            ("relu", "identity"),
            self._loss(),
            self.n_ensemble,
        )

    def _fitted_network(self):
        return TabMMini(
            self._layer_units, self._activations, self._loss(), self._n_members
        )

    def _initial_theta(self, net, random_state, X):
        return net.initial_theta(random_state, X.dtype, None, None)


def check_gradient():
    """Return the relative error of TabMMini's gradient against differences."""
    rng = np.random.RandomState(0)
    net = TabMMini((4, 6, 1), ("relu", "identity"), "squared_error", 3)
    theta = net.initial_theta(rng, np.float64, None, None)
    X, y, sw = rng.randn(9, 4), rng.randn(9, 1), rng.uniform(0.5, 2, 9)
    _, grad = net.loss_and_grad(theta, X, y, sw, 0.1)
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        up = net.loss_and_grad(theta + step, X, y, sw, 0.1)[0]
        down = net.loss_and_grad(theta - step, X, y, sw, 0.1)[0]
        numeric[i] = (up - down) / 2e-6
    return np.linalg.norm(grad - numeric) / np.linalg.norm(numeric)


def epoch_seconds(cls, repeats=5):
    """Median seconds per epoch on W1's data: 20,000 x 20, (100,), batch 200."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 20))
    y = np.sin(X @ rng.standard_normal(20) / np.sqrt(20))
    times = []
    for _ in range(repeats):
        est = cls((100,), n_ensemble=8, max_iter=3, tol=0, random_state=0)
        start = time.perf_counter()
        est.fit(X, y)
        times.append((time.perf_counter() - start) / est.n_iter_)
    return float(np.median(times))


def cross_validate(cls, name):
    X, y, _ = accuracy.load(name, accuracy.DATASETS[name], 10_000)
    folds = KFold(accuracy.N_FOLDS, shuffle=True, random_state=accuracy.SEED)
    scores = []
    for train, test in folds.split(X):
        model = accuracy._standard_pipeline(
            cls(n_ensemble=8, random_state=accuracy.SEED)
        )
        model.fit(X.iloc[train], y.iloc[train])
        scores.append(model.score(X.iloc[test], y.iloc[test]))
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="concrete,slid,wage,diabetes")
    parser.add_argument("--json")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    error = check_gradient()
    print(f"TabM-mini gradient against finite differences: {error:.2e}")
    assert error < 1e-6
    results = {"gradient_error": error, "datasets": {}}
    with threadpool_limits(1):
        for cls in (BackpropRegressor, TabMMiniRegressor, BackpropRegressor):
            seconds = epoch_seconds(cls)
            results.setdefault("epoch_seconds", {}).setdefault(cls.__name__, [])
            results["epoch_seconds"][cls.__name__].append(seconds)
            print(f"W1 epoch, n_ensemble=8, {cls.__name__}: {seconds * 1e3:.1f} ms")
        for name in args.datasets.split(","):
            row = {}
            for label, cls in (
                ("plain", BackpropRegressor),
                ("tabm_mini", TabMMiniRegressor),
            ):
                row[label] = cross_validate(cls, name)
            results["datasets"][name] = row
            print(
                f"{name:10s} R² plain {np.mean(row['plain']):.4f} "
                f"± {np.std(row['plain']):.4f}   TabM-mini "
                f"{np.mean(row['tabm_mini']):.4f} ± {np.std(row['tabm_mini']):.4f}",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
