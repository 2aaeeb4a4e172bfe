"""Time this checkout's BackpropRegressor (or Classifier) against another commit's.

Usage (from the repository root)::

    python benchmarks/compare.py REV [--workloads W1,W2,W4,W5,C1,C2,S512,S100,
                                                  SC512,SC100]
                                     [--repeats 5] [--quick]

``REV`` is checked out into a temporary git worktree. Each repetition runs
every workload once with each version, alternating (A B A B ...), each in a
fresh subprocess with BLAS limited to one thread, so that load from other
processes hits both alike. It prints the median milliseconds per epoch (per
L-BFGS iteration for W4, per call for the streaming workloads S* and SC*)
and the ratio REV / this checkout: above 1 means this checkout is faster.

The workloads are those of ``bench.py`` (float64): W1-W5 fit a fresh
estimator for a few epochs; S512 and S100 time one-batch ``partial_fit``
calls on a fitted model (hidden (512, 512) on 100 features, and (100,) on 20
features; 200 rows); SC512 and SC100 are the same with BackpropClassifier on
10 classes, and C1 and C2 fit it on W1's and W2's shapes (64 features for
C2), 10 classes.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Run in the child: time one workload with the skmlp found on sys.path[0].
CHILD = r"""
import json, sys, time, warnings
sys.path.insert(0, sys.argv[1])
import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.exceptions import ConvergenceWarning
from skmlp import BackpropClassifier, BackpropRegressor
warnings.simplefilter("ignore", ConvergenceWarning)
name, quick = sys.argv[2], sys.argv[3] == "1"
shapes = {
    "W1": (20_000, 20, (100,), "adam", 200, 3),
    "W2": (20_000, 50, (256, 256), "adam", 200, 1),
    "W3": (100_000, 100, (512, 512), "adam", 1000, 1),
    "W4": (5_000, 20, (100,), "lbfgs", "auto", 30),
    "W5": (10_000, 20, (64, 64), "sgd", 32, 2),
    "S512": (200, 100, (512, 512), "adam", 200, 50),
    "S100": (200, 20, (100,), "adam", 200, 300),
}
shapes["SC512"], shapes["SC100"] = shapes["S512"], shapes["S100"]
shapes["C1"], shapes["C2"] = shapes["W1"], (20_000, 64, (256, 256), "adam", 200, 1)
n, d, hidden, solver, batch, epochs = shapes[name]
if quick and not name.startswith("S"):
    n //= 4
rng = np.random.default_rng(0)
X = rng.standard_normal((n, d))
y = np.sin(X @ rng.standard_normal(d) / np.sqrt(d))
Estimator, first = BackpropRegressor, {}
if name.startswith(("SC", "C")):  # 10 classes, by the deciles of y
    y = np.searchsorted(np.quantile(y, np.linspace(0.1, 0.9, 9)), y)
    Estimator, first = BackpropClassifier, {"classes": np.arange(10)}
params = dict(hidden_layer_sizes=hidden, solver=solver, batch_size=batch,
              tol=0.0, n_iter_no_change=10**9, random_state=0)
with threadpool_limits(1, user_api="blas"):
    if name.startswith("S"):
        est = Estimator(**params).partial_fit(X, y, **first)
        start = time.perf_counter()
        for _ in range(epochs):
            est.partial_fit(X, y)
        per = (time.perf_counter() - start) / epochs
    else:
        est = Estimator(max_iter=epochs, **params)
        start = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - start
        per = elapsed / (est.n_iter_ if solver != "lbfgs" else max(1, est.n_iter_))
print(json.dumps(per))
"""


def run(checkout, name, quick):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(checkout), name, "1" if quick else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the commit to compare with")
    parser.add_argument("--workloads", default="W1,W2,W4,W5,S512,S100")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="W data / 4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        add = ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach"]
        subprocess.run([*add, str(other), args.rev], check=True)
        try:
            print(f"ms per epoch/iteration/call, 1 BLAS thread, {args.rev} vs HEAD")
            for name in args.workloads.split(","):
                times = {"rev": [], "head": []}
                for _ in range(args.repeats):
                    times["rev"].append(run(other, name, args.quick))
                    times["head"].append(run(ROOT, name, args.quick))
                rev, head = (statistics.median(times[k]) for k in ("rev", "head"))
                print(
                    f"{name:5s} {args.rev[:10]:>10s} {rev * 1e3:9.3f}   HEAD "
                    f"{head * 1e3:9.3f}   ratio {rev / head:5.2f}x",
                    flush=True,
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)],
                check=True,
            )


if __name__ == "__main__":
    main()
