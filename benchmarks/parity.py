"""Check that BackpropRegressor still matches MLPRegressor, case by case.

Not a benchmark and not a unit test: run it after every speed change::

    python benchmarks/parity.py [--epochs 30]

For each case both estimators are fitted with the same parameters and
``random_state`` and the script prints the largest relative difference of the
weights, of ``loss_curve_`` and of the predictions (0 means bit-identical).
It exits with status 1 if a difference exceeds the tolerance of its dtype.

Known, deliberate differences (README, "How BackpropRegressor differs") are
taken into account: with several outputs our loss is summed over outputs, so
our ``loss_curve_`` is ``n_outputs`` times scikit-learn's and L-BFGS, which
follows the loss, is compared for one output only; L-BFGS with float32 input
runs in float32 here and in float64 in scikit-learn, so it gets float32's
tolerance.
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from threadpoolctl import threadpool_limits

# Import this checkout's skmlp, whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from skmlp import BackpropRegressor

TOL = {np.float64: 1e-8, np.float32: 2e-3}


def max_rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    scale = np.maximum(scale, 1e-3 * (scale.max() if scale.size else 1.0))
    return float(np.max(np.abs(a - b) / np.where(scale > 0, scale, 1.0), initial=0))


def data(n=600, n_features=12, n_outputs=1, dtype=np.float64, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, n_features))
    w = rng.standard_normal((n_features, n_outputs))
    y = np.tanh(X @ w) + 0.1 * rng.standard_normal((n, n_outputs))
    y = y.ravel() if n_outputs == 1 else y
    return X.astype(dtype), y.astype(dtype), rng.uniform(0.5, 2.0, n)


def cases(epochs):
    base = {
        "max_iter": epochs,
        "random_state": 1,
        "tol": 0.0,
        "n_iter_no_change": 10**6,
    }
    for solver in ("lbfgs", "sgd", "adam"):
        for activation in ("relu", "tanh", "logistic", "identity"):
            p = dict(base, solver=solver, activation=activation)
            p["hidden_layer_sizes"] = (16, 8)
            if solver == "sgd":
                p["learning_rate_init"] = 0.01
            yield f"{solver:5s} {activation:8s}", p, {}
    sgd = dict(base, solver="sgd", learning_rate_init=0.01, hidden_layer_sizes=(16,))
    adam = dict(base, solver="adam", hidden_layer_sizes=(16, 8))
    lbfgs = dict(base, solver="lbfgs", hidden_layer_sizes=(16, 8))
    yield "sgd   plain momentum", dict(sgd, nesterovs_momentum=False), {}
    yield "sgd   invscaling", dict(sgd, learning_rate="invscaling"), {}
    yield "sgd   batch 32", dict(sgd, batch_size=32), {}
    yield "adam  sample_weight", adam, {"sample_weight": True}
    yield "sgd   sample_weight", sgd, {"sample_weight": True}
    yield "lbfgs sample_weight", lbfgs, {"sample_weight": True}
    yield "adam  early_stopping", dict(adam, early_stopping=True), {}
    yield (
        "sgd   early_stopping+sw",
        dict(sgd, early_stopping=True),
        {"sample_weight": True},
    )
    yield "adam  3 outputs", adam, {"n_outputs": 3}
    yield "sgd   3 outputs", sgd, {"n_outputs": 3}
    yield "adam  sparse CSR", adam, {"sparse": "csr"}
    yield "lbfgs sparse CSC", lbfgs, {"sparse": "csc"}
    yield "adam  no shuffle", dict(adam, shuffle=False), {}
    yield "adam  alpha=1", dict(adam, alpha=1.0), {}
    yield "adam  poisson", dict(adam, loss="poisson"), {"poisson": True}
    yield "lbfgs poisson", dict(lbfgs, loss="poisson"), {"poisson": True}


def run(epochs, dtypes, baseline=None):
    worst = 0.0
    failed = False
    columns = ("coefs", "loss", "predict", "baseline")
    print(f"{'case':28s} {'dtype':8s} " + " ".join(f"{c:>9s}" for c in columns))
    for name, params, opts in cases(epochs):
        for dtype in dtypes:
            n_outputs = opts.get("n_outputs", 1)
            X, y, sw = data(n_outputs=n_outputs, dtype=dtype)
            sw = sw.astype(dtype) if opts.get("sample_weight") else None
            if opts.get("poisson"):
                y = np.exp(y)
            if opts.get("sparse"):
                X = sp.random(
                    X.shape[0], 40, density=0.2, format=opts["sparse"], random_state=0
                ).astype(dtype)
            ours = BackpropRegressor(**params).fit(X, y, sample_weight=sw)
            theirs = MLPRegressor(**params).fit(X, y, sample_weight=sw)
            d_coef = max(
                max_rel(a, b)
                for a, b in zip(
                    ours.coefs_ + ours.intercepts_,
                    theirs.coefs_ + theirs.intercepts_,
                    strict=True,
                )
            )
            if n_outputs > 1:
                # Our loss is summed over outputs, scikit-learn's averaged
                # (its L2 term is not), so compare only against our baseline.
                d_loss = 0.0
            elif params["solver"] == "lbfgs":
                d_loss = max_rel(ours.loss_, theirs.loss_)
            else:
                d_loss = max_rel(ours.loss_curve_, theirs.loss_curve_)
            d_base = np.nan
            if baseline is not None:
                base = baseline(**params).fit(X, y, sample_weight=sw)
                d_base = max(
                    max_rel(ours.loss_curve_, base.loss_curve_),
                    max_rel(ours.predict(X), base.predict(X)),
                    max_rel(ours.theta_, base.theta_),
                )
            d_pred = max_rel(ours.predict(X), theirs.predict(X))
            assert ours.n_iter_ == theirs.n_iter_, (ours.n_iter_, theirs.n_iter_)
            same_dtype = ours.predict(X).dtype == np.dtype(dtype)
            d = max(d_coef, d_loss, d_pred, np.nan_to_num(d_base))
            tol = TOL[dtype]
            if params["solver"] == "lbfgs" and dtype == np.float32:
                tol = 0.05  # float32 objective vs scikit-learn's float64 one
            bad = d > tol or not same_dtype
            failed |= bad
            if dtype == np.float64:
                worst = max(worst, d)
            print(
                f"{name:28s} {np.dtype(dtype).name:8s} {d_coef:9.1e} {d_loss:9.1e} "
                f"{d_pred:9.1e} {d_base:9.1e}{'  FAIL' if bad else ''}"
            )
    print(f"max relative difference, float64: {worst:.2e}")
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--float64-only", action="store_true")
    parser.add_argument(
        "--baseline",
        help="a directory holding an older copy of the package as 'skmlp_base', "
        "e.g. from `git archive <commit> skmlp`; adds a column comparing "
        "weights, loss_curve_ and predictions against it",
    )
    args = parser.parse_args()
    baseline = None
    if args.baseline:
        sys.path.insert(0, args.baseline)
        from skmlp_base import BackpropRegressor as baseline
    dtypes = [np.float64] if args.float64_only else [np.float64, np.float32]
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(1, user_api="blas"):
        failed = run(args.epochs, dtypes, baseline)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
