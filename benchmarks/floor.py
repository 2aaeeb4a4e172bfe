"""What the two missed speed targets leave per minibatch, against numpy's floor.

Usage (from the repository root, with the ``benchmarks`` extra)::

    python benchmarks/floor.py [--rounds 7]

Two targets of the issues are not met: C1 (BackpropClassifier at least 2.5
times as fast as MLPClassifier per epoch) and E (``n_ensemble=8`` at most 3
times the time of ``n_ensemble=1`` per epoch on W1). Both workloads are
small minibatches (200 rows) of a small network, so a batch is a few dozen
numpy calls, none of them large. This script asks whether any numpy
implementation of the same float64 math could meet them:

- the **budget**: the time per minibatch the target allows, from the
  reference measured here (MLPClassifier's epoch / 2.5 / batches for C1;
  three times ``n_ensemble=1``'s epoch / batches for E);
- the **floor**: the sum of the array operations that the math of one
  minibatch cannot do without, each timed alone on preallocated buffers of
  the workload's shapes (no Python of ours around them): the matrix
  products, the activation and its derivative, the output and loss terms,
  the bias sums, the L2 term and the division by the batch, and Adam's
  elementwise update (its nine vector operations, as in
  ``skmlp._optimizers.Adam``), plus the batch's share of the epoch's row
  shuffle;
- what is left of the budget for everything else: the minibatch loop, the
  calls' own overhead, the loss's bookkeeping.

CPU time of this thread, BLAS limited to one thread (threadpoolctl), best
of ``--rounds`` rounds; print the machine's load with the figures.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import cpu_time

from skmlp import BackpropRegressor

N_SAMPLES, N_FEATURES, HIDDEN, BATCH = 20_000, 20, 100, 200
N_CLASSES, N_MEMBERS = 10, 8
BETA_1, BETA_2, EPSILON, ALPHA = 0.9, 0.999, 1e-8, 1e-4


def adam(theta, grad, m, v, work, step):
    """Adam's nine vector operations (``Adam._update``), for their time."""
    np.multiply(m, BETA_1, out=m)
    m += np.multiply(grad, 1 - BETA_1, out=work)
    np.multiply(v, BETA_2, out=v)
    np.multiply(grad, grad, out=work)
    v += np.multiply(work, 1 - BETA_2, out=work)
    np.sqrt(v, out=work)
    work += EPSILON
    np.multiply(m, 1e-3, out=step)
    theta -= np.divide(step, work, out=step)


def update_parts(rng, n_params, n):
    """Return the L2 term with the division by ``n``, and Adam's update."""
    theta, grad = rng.standard_normal(n_params), rng.standard_normal(n_params)
    m, v, work, step = (np.zeros(n_params) for _ in range(4))
    return {
        "L2 term and / n": lambda: (
            np.add(grad, np.multiply(theta, ALPHA, out=work), out=grad),
            np.divide(grad, n, out=grad),
        ),
        "Adam update": lambda: adam(theta, grad, m, v, work, step),
    }


def shuffle_share(rng, n_targets):
    """Return an epoch's shuffle and row gather, and the batches it serves."""
    X = rng.standard_normal((N_SAMPLES, N_FEATURES))
    Y = rng.standard_normal((N_SAMPLES, n_targets))
    outs = np.empty_like(X), np.empty_like(Y)
    state = np.random.RandomState(0)

    def epoch():
        order = np.arange(N_SAMPLES)
        state.shuffle(order)
        np.take(X, order, axis=0, out=outs[0], mode="clip")
        np.take(Y, order, axis=0, out=outs[1], mode="clip")

    return epoch, N_SAMPLES // BATCH


def c1_floor(rng, rounds):
    """Time the floor of one C1 minibatch: (100,) relu, softmax on 10 classes."""
    n, d, h, c = BATCH, N_FEATURES, HIDDEN, N_CLASSES
    X, W1, b1 = rng.standard_normal((n, d)), rng.standard_normal((d, h)), np.ones(h)
    W2, b2 = rng.standard_normal((h, c)) * 0.1, np.ones(c)
    Y = np.eye(c)[rng.integers(0, c, n)]
    z1, z2, p = np.empty((n, h)), np.empty((n, c)), np.empty((n, c))
    dz2, delta, dW1 = np.empty((n, c)), np.empty((n, h)), np.empty((d, h))
    dW2, db1, db2 = np.empty((h, c)), np.empty(h), np.empty(c)
    keep = np.empty((n, h), bool)
    n_params = d * h + h * c + h + c
    rows = np.arange(n)
    labels = rng.integers(0, c, n)
    epoch, batches = shuffle_share(rng, c)
    parts = {
        "matrix products (5)": lambda: (
            np.matmul(X, W1, out=z1),
            np.matmul(z1, W2, out=z2),
            np.matmul(z1.T, dz2, out=dW2),
            np.matmul(dz2, W2.T, out=delta),
            np.matmul(X.T, delta, out=dW1),
        ),
        "bias adds (2)": lambda: (np.add(z1, b1, out=z1), np.add(z2, b2, out=z2)),
        "relu": lambda: np.maximum(z1, 0, out=z1),
        "softmax": lambda: (
            np.subtract(z2, z2.max(axis=1)[:, None], out=p),
            np.exp(p, out=p),
            np.divide(p, p.sum(axis=1)[:, None], out=p),
        ),
        "loss and dL/dz (p - y)": lambda: (
            np.log(p[rows, labels]).sum(),
            np.subtract(p, Y, out=dz2),
        ),
        "relu derivative": lambda: np.multiply(
            delta, np.greater(z1, 0, out=keep), out=delta
        ),
        "bias sums (2)": lambda: (
            np.add.reduce(dz2, axis=0, out=db2),
            np.add.reduce(delta, axis=0, out=db1),
        ),
        **update_parts(rng, n_params, n),
    }
    times = {name: cpu_time(f, 2000, rounds) for name, f in parts.items()}
    times["shuffle, per batch"] = cpu_time(epoch, 20, rounds) / batches
    return times


def e_floor(rng, rounds):
    """Time the floor of one E minibatch: 8 members of (100,) relu, one output."""
    k, n, d, h = N_MEMBERS, BATCH, N_FEATURES, HIDDEN
    X1 = np.ones((n, d + 1))
    X1[:, :-1] = rng.standard_normal((n, d))
    Wb = rng.standard_normal((k, d + 1, h)) * 0.1
    W2, b2 = rng.standard_normal((k, h, 1)) * 0.1, np.ones((k, 1, 1))
    z1, z2 = np.empty((k, n, h)), np.empty((k, n, 1))
    y = rng.standard_normal((n, 1))
    dz2, dW2 = np.empty((k, n, 1)), np.empty((k, h, 1))
    mask, keep = np.empty((k, n, h)), np.empty((k, n, h), bool)
    scaled, dWb = np.empty((k, d + 1, n)), np.empty((k, d + 1, h))
    n_params = k * (d * h + 2 * h + 1)
    epoch, batches = shuffle_share(rng, 1)
    parts = {
        # The bias of layer 1 folded into its product, as _ensemble does.
        "matrix products (3)": lambda: (
            np.matmul(X1, Wb, out=z1),
            np.matmul(z1, W2, out=z2),
            np.matmul(z1.transpose(0, 2, 1), dz2, out=dW2),
        ),
        "weight gradient of layer 1 (E3)": lambda: (
            np.multiply(dz2.reshape(k, 1, n), X1.T, out=scaled),
            np.matmul(scaled, mask, out=dWb),
            np.multiply(dWb, W2.reshape(k, 1, h), out=dWb),
        ),
        "output bias add": lambda: np.add(z2, b2, out=z2),
        "relu": lambda: np.maximum(z1, 0, out=z1),
        "relu derivative": lambda: (
            np.greater(z1, 0, out=keep),
            np.copyto(mask, keep),
        ),
        "loss and dL/dz": lambda: np.subtract(z2, y, out=dz2),
        **update_parts(rng, n_params, n),
    }
    times = {name: cpu_time(f, 500, rounds) for name, f in parts.items()}
    times["shuffle, per batch"] = cpu_time(epoch, 20, rounds) / batches
    return times


def fit_batch_time(make, X, y, rounds):
    """CPU seconds per minibatch of a whole ``make().fit(X, y)``, best of rounds."""
    per_epoch = -(-X.shape[0] // BATCH)
    best = np.inf
    for _ in range(rounds):
        est = make()
        start = time.thread_time()
        est.fit(X, y)
        best = min(best, (time.thread_time() - start) / (est.n_iter_ * per_epoch))
    return best


def report(name, target, budget, times):
    floor = sum(times.values())
    print(f"\n{name}: {target}")
    for part, seconds in times.items():
        print(f"  {part:34s} {seconds * 1e6:8.1f} us")
    print(f"  {'floor: the sum':34s} {floor * 1e6:8.1f} us")
    print(f"  {'budget the target allows':34s} {budget * 1e6:8.1f} us")
    print(
        f"  {'left for all the rest':34s} {(budget - floor) * 1e6:8.1f} us "
        f"({(budget - floor) / budget:.0%} of the budget)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.default_rng(0)
    print(f"load average {os.getloadavg()[0]:.2f}; BLAS threads 1; float64")
    with threadpool_limits(1):
        X = rng.standard_normal((N_SAMPLES, N_FEATURES))
        classes = rng.integers(0, N_CLASSES, N_SAMPLES)
        y = X[:, 0] + 0.1 * rng.standard_normal(N_SAMPLES)
        common = {"batch_size": BATCH, "random_state": 0}
        reference = fit_batch_time(
            lambda: MLPClassifier((HIDDEN,), max_iter=2, **common),
            X,
            classes,
            3,
        )
        report(
            "C1",
            "BackpropClassifier >= 2.5x MLPClassifier per epoch",
            reference / 2.5,
            c1_floor(rng, args.rounds),
        )
        print(f"  (MLPClassifier: {reference * 1e6:.1f} us per batch)")
        single = fit_batch_time(
            lambda: BackpropRegressor((HIDDEN,), max_iter=2, **common), X, y, 3
        )
        report(
            "E",
            "n_ensemble=8 <= 3x n_ensemble=1 per epoch (W1)",
            3 * single,
            e_floor(rng, args.rounds),
        )
        print(f"  (n_ensemble=1: {single * 1e6:.1f} us per batch)")


if __name__ == "__main__":
    main()
