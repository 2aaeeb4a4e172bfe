"""Where one minibatch's time goes, for W1, W2, C1 and C2 (see bench.py).

Usage::

    python benchmarks/profile.py [--workloads W1,W2,C1,C2] [--dtypes float64,float32]

With BLAS limited to one thread, it times (CPU time of this thread, best of
several rounds, so that other processes on the machine matter less):

- a whole epoch of ``BackpropRegressor.fit`` (``BackpropClassifier.fit``
  for C1 and C2), divided by its batches;
- ``Network.loss_and_grad`` and ``Adam.step`` on one batch, as the fit calls
  them (with a workspace);
- each kind of array operation inside them, called alone on the same
  buffers: the matrix products, the bias add, the activation and its
  derivative, the bias-gradient sums, and the loss.

The rest of an epoch (shuffling, the Python of the minibatch loop, per-fit
setup) is the difference between the epoch and the two calls.
"""

import argparse
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import cpu_time

from skmlp import BackpropClassifier, BackpropRegressor
from skmlp._backend import matmul as _matmul
from skmlp._optimizers import Adam

#: name: (n_samples, n_features, hidden, batch_size, n_classes or None).
WORKLOADS = {
    "W1": (20_000, 20, (100,), 200, None),
    "W2": (20_000, 50, (256, 256), 200, None),
    "C1": (20_000, 20, (100,), 200, 10),
    "C2": (20_000, 64, (256, 256), 200, 10),
}


def products(acts, Ws, zs, dWs, dzs):
    """Every matrix product of one batch: forward, weight gradient, delta."""
    for l, W in enumerate(Ws):
        _matmul(acts[l], W.T, out=zs[l])
        _matmul(acts[l].T, dzs[l], out=dWs[l].T)
        if l > 0:
            _matmul(dzs[l], W, out=dzs[l - 1])


def bias_add(zs, bs):
    for z, b in zip(zs, bs, strict=True):
        z += b


def activation(zs, sigmas):
    for z, sigma in zip(zs, sigmas, strict=True):
        sigma.forward(z, out=z)


def derivative(das, activations, sigmas):
    for da, a, sigma in zip(das, activations, sigmas, strict=True):
        sigma.backward(da, None, a)


def bias_grad(dzs, dbs):
    for dz, db in zip(dzs, dbs, strict=True):
        np.add.reduce(dz, axis=0, out=db)


def network_parts(net, ws, theta, grad, Xb, yb):
    """Return the pieces of one ``loss_and_grad`` call, as functions to time."""
    Ws, bs = ws.unpack(theta)
    dWs, dbs = ws.unpack(grad)
    zs, _, dzs = ws.rows(Xb.shape[0])
    acts, _ = net._forward(Ws, bs, Xb, zs, [None] * net.n_layers)
    # The top layer's backward step is the identity's after a canonical loss.
    sigmas, backward_sigmas = net._sigmas, net._backward_sigmas
    output_grad = (
        net.loss.value_and_grad_z if net._canonical else net.loss.value_and_grad
    )
    return {
        "  matrix products (1), (5)-(10)": partial(products, acts, Ws, zs, dWs, dzs),
        "  bias add z += b (1)": partial(bias_add, zs, bs),
        "  activation sigma (2)": partial(activation, zs, sigmas),
        "  derivative sigma' (4), (7)": partial(derivative, dzs, zs, backward_sigmas),
        "  bias gradient sums (10)": partial(bias_grad, dzs, dbs),
        "  loss and dL/dy_hat (3)": partial(output_grad, yb, zs[-1], None, out=dzs[-1]),
    }


def profile(name, dtype):
    n, d, hidden, batch, n_classes = WORKLOADS[name]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)).astype(dtype)
    if n_classes is None:
        y = np.sin(X[:, 0] + X[:, 1]).astype(dtype)
        cls = BackpropRegressor
    else:
        scores = X @ rng.standard_normal((d, n_classes))
        y = (scores + rng.standard_normal(scores.shape)).argmax(axis=1)
        cls = BackpropClassifier
    params = {
        "hidden_layer_sizes": hidden,
        "batch_size": batch,
        "max_iter": 3,
        "tol": 0.0,
        "n_iter_no_change": 10**9,
        "random_state": 0,
    }
    n_batches = n // batch

    def fit():
        cls(**params).fit(X, y)

    epoch = cpu_time(fit, 1, rounds=3) / 3
    est = cls(**dict(params, max_iter=1)).fit(X, y)
    net = est.network_
    theta = est.theta_.copy()
    grad = np.empty_like(theta)
    ws = net.workspace(batch, theta.dtype)
    Xb, yb = X[:batch], y[:batch, None]
    if n_classes is not None:  # one-hot, as the classifier trains on
        yb = (yb == est.classes_).astype(dtype)
    number = max(20, int(2e5 / (theta.size + batch * max(hidden))))

    rows = {}
    rows["loss_and_grad"] = cpu_time(
        lambda: net.loss_and_grad(theta, Xb, yb, None, 1e-4, grad, workspace=ws),
        number,
    )
    adam = Adam()
    state = adam.init(theta)
    rows["Adam.step"] = cpu_time(lambda: adam.step(theta, grad, state), number)
    # (The state returned by each step is dropped: the timing is the same.)

    parts = network_parts(net, ws, theta, grad, Xb, yb)
    inner = {key: cpu_time(f, number) for key, f in parts.items()}
    inner["  rest: L2 term, scaling, Python"] = rows["loss_and_grad"] - sum(
        inner.values()
    )
    per_batch = epoch / n_batches
    table = {"epoch / batches": per_batch, **rows}
    table = {**table, **inner}
    table["minibatch loop, shuffling, setup"] = (
        per_batch - rows["loss_and_grad"] - rows["Adam.step"]
    )
    print(f"\n{name} {np.dtype(dtype).name}: microseconds per batch of {batch}")
    for key, seconds in table.items():
        print(f"{key:36s} {seconds * 1e6:9.1f} {100 * seconds / per_batch:6.1f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="W1,W2")
    parser.add_argument("--dtypes", default="float64,float32")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(1, user_api="blas"):
        for name in args.workloads.split(","):
            for dtype in args.dtypes.split(","):
                profile(name, np.dtype(dtype).type)


if __name__ == "__main__":
    main()
