"""Time skmlp's estimators against scikit-learn's, side by side, in one run.

Usage (from the repository root)::

    python benchmarks/bench.py [--quick] [--workloads W1,W2,...]
                               [--threads 1,default] [--json out.json]

Every workload runs in float64 and float32, with BLAS limited to one thread
(threadpoolctl) and at the default thread count. Each repetition times ours
and MLPRegressor at one thread, then both at the default (A B A' B' A B ...),
so that load from other processes hits all four alike, and ours at the
default can be compared with ours at one thread. Each line also says how many
BLAS threads BackpropRegressor's fit chose (``Network.blas_threads``).

Workloads (synthetic data, fixed seed, one output):

- W1 20,000 x 20, hidden (100,), adam, batch 200: seconds per epoch.
- W2 20,000 x 50, hidden (256, 256), adam, batch 200: seconds per epoch.
- W3 100,000 x 100, hidden (512, 512), adam, batch 1000: seconds per epoch.
- W4 5,000 x 20, hidden (100,), lbfgs: seconds per loss-and-gradient
  evaluation, measured as the time of a whole L-BFGS fit (``max_iter`` fixed,
  ``tol=0``) divided by the number of objective evaluations scipy reports
  (``OptimizeResult.nfev``), so it includes scipy's own work per iteration.
- W5 10,000 x 20, hidden (64, 64), sgd with Nesterov momentum, batch 32:
  seconds per epoch.
- P  2,000,000 x 100 through a (512, 512) network: ``predict`` time and peak
  extra memory, each estimator in its own subprocess.
- S  streaming: one ``partial_fit`` call on one batch of 200 rows, adam, on a
  fitted model, for hidden (512, 512) on 100 features and (100,) on 20
  features: milliseconds per call for both estimators, and our overhead:
  the part of the call that is not one ``loss_and_grad`` and one Adam step
  on the same batch (measured alone, in the same run). Always 1 BLAS thread.
- E  ensembles: W1 with ``n_ensemble=1`` and ``n_ensemble=8``, ours only,
  interleaved (1, 8, 1, 8, ...): milliseconds per epoch and the ratio of
  the two medians (the target is at most 3). Always 1 BLAS thread.

Classifier workloads, BackpropClassifier against MLPClassifier (synthetic
data, fixed seed, integer labels; the softmax output and cross-entropy):

- C1 20,000 x 20, 10 classes, hidden (100,), adam, batch 200: seconds per
  epoch.
- C2 20,000 x 64, 10 classes, hidden (256, 256), adam, batch 200: seconds per
  epoch.
- C3 5,000 x 20, 3 classes, hidden (100,), lbfgs: seconds per evaluation, as
  W4.
- SC streaming, as S: one ``partial_fit`` call on 200 rows of 10 classes,
  for hidden (512, 512) on 100 features and (100,) on 20 features.

With ``--clock cpu``, the fits and calls are timed by the CPU time of the
timing thread (``time.thread_time``) instead of the elapsed time: on a
machine busy with other processes, the elapsed time of each fit grows with
whatever else runs, the CPU time much less. Meant for ``--threads 1``, where
BLAS computes on that thread.

Seconds per epoch: each repetition fits a fresh estimator for ``k`` epochs
(``tol=0``, ``n_iter_no_change`` huge, so no early stop) and divides its wall
time by ``k``; median, min and max are over repetitions.

GFLOP/s counts the matrix products of backpropagation only (forward
``a @ W.T``, backward ``dz.T @ a`` and ``dz @ W``; 2 flops per multiply-add) and
is compared with the matmul peak measured in the same run, same dtype and
thread count: the best of a few large square ``A @ B``.

Peak extra memory of ``predict``: the peak of numpy's allocations traced by
``tracemalloc`` during the call, above what was allocated before it (X and the
model), and the growth of the process's maximum resident set size.
scikit-learn's ``predict`` holds the activations of every row at once
(2 x 8 GB for 2,000,000 rows in float64), so by default it is run on fewer rows
(``--p-sklearn-rows``); ours is then run on those rows too, for the time ratio,
and on all rows.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.optimize
import sklearn
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_info, threadpool_limits

# Time this checkout's skmlp, whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import itertools

from skmlp import BackpropClassifier, BackpropRegressor

DTYPES = (np.float64, np.float32)

#: name: (n_samples, n_features, hidden, solver, batch_size, epochs per fit,
#: repetitions); --quick divides n_samples by ``QUICK_SHRINK``.
WORKLOADS = {
    "W1": (20_000, 20, (100,), "adam", 200, 5, 5),
    "W2": (20_000, 50, (256, 256), "adam", 200, 2, 5),
    "W3": (100_000, 100, (512, 512), "adam", 1000, 1, 3),
    "W4": (5_000, 20, (100,), "lbfgs", None, 30, 5),
    "W5": (10_000, 20, (64, 64), "sgd", 32, 3, 5),
}
#: Classifier workloads: the same fields as WORKLOADS.
CLASSIFIER_WORKLOADS = {
    "C1": (20_000, 20, (100,), "adam", 200, 5, 5),
    "C2": (20_000, 64, (256, 256), "adam", 200, 2, 5),
    "C3": (5_000, 20, (100,), "lbfgs", None, 30, 5),
}
N_CLASSES = {"C1": 10, "C2": 10, "C3": 3, "SC": 10}
QUICK_SHRINK = {"W1": 4, "W2": 4, "W3": 20, "W4": 1, "W5": 4, "C1": 4, "C2": 4, "C3": 1}
P_SHAPE = (2_000_000, 100, (512, 512))
#: Streaming: (n_features, hidden) of each S shape; batches of S_ROWS rows.
S_SHAPES = {"S512": (100, (512, 512)), "S100": (20, (100,))}
S_ROWS = 200
#: Ensembles: the members of workload E, timed on W1's data and network.
E_MEMBERS = (1, 8)
#: The clock of time_fit and time_streaming; ``--clock cpu`` sets
#: ``time.thread_time``.
CLOCK = time.perf_counter


def make_data(n_samples, n_features, dtype, seed=0):
    """Synthetic regression data: a smooth function of X plus noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float64)
    w = rng.standard_normal(n_features) / np.sqrt(n_features)
    y = np.sin(X @ w) + 0.5 * np.tanh(X[:, 0] * X[:, 1 % n_features])
    y += 0.1 * rng.standard_normal(n_samples)
    return X.astype(dtype), y.astype(dtype)


def make_classification_data(n_samples, n_features, n_classes, dtype, seed=0):
    """Synthetic labels 0..n_classes-1: the largest of noisy linear scores."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float64)
    W = rng.standard_normal((n_features, n_classes)) / np.sqrt(n_features)
    scores = np.tanh(X @ W) + 0.3 * rng.standard_normal((n_samples, n_classes))
    return X.astype(dtype), scores.argmax(axis=1)


def workload_data(name, dtype, quick):
    """Return the workload's fields, its data, both estimators and its outputs."""
    if name in CLASSIFIER_WORKLOADS:
        n, d, *rest = CLASSIFIER_WORKLOADS[name]
        n //= QUICK_SHRINK[name] if quick else 1
        X, y = make_classification_data(n, d, N_CLASSES[name], dtype)
        contenders = {"ours": BackpropClassifier, "sklearn": MLPClassifier}
        n_outputs = N_CLASSES[name]
    else:
        n, d, *rest = WORKLOADS[name]
        n //= QUICK_SHRINK[name] if quick else 1
        X, y = make_data(n, d, dtype)
        contenders = {"ours": BackpropRegressor, "sklearn": MLPRegressor}
        n_outputs = 1
    return (n, d, *rest), X, y, contenders, n_outputs


def matmul_flops_per_sample(layer_units):
    """Flops of the backprop matmuls for one sample (forward and backward)."""
    fans = [a * b for a, b in itertools.pairwise(layer_units)]
    # forward a @ W.T and backward dz.T @ a for every layer; dz @ W (delta)
    # for every layer but the first.
    return 2 * (3 * sum(fans) - fans[0])


def matmul_peak(dtype, n=2048, repeats=10):
    """Best GFLOP/s of a large square matmul in this dtype and thread setting."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((n, n)).astype(dtype)
    B = rng.standard_normal((n, n)).astype(dtype)
    C = np.empty_like(A)
    np.matmul(A, B, out=C)
    best = np.inf
    for _ in range(repeats):
        start = CLOCK()
        np.matmul(A, B, out=C)
        best = min(best, CLOCK() - start)
    return 2 * n**3 / best / 1e9


class CountEvaluations:
    """Record ``nfev`` of every ``scipy.optimize.minimize`` call meanwhile."""

    def __enter__(self):
        self.nfev = []
        self._minimize = scipy.optimize.minimize

        def minimize(*args, **kwargs):
            result = self._minimize(*args, **kwargs)
            self.nfev.append(result.nfev)
            return result

        scipy.optimize.minimize = minimize
        return self

    def __exit__(self, *exc):
        scipy.optimize.minimize = self._minimize


def estimator_params(hidden, solver, batch_size, epochs):
    params = {
        "hidden_layer_sizes": hidden,
        "solver": solver,
        "max_iter": epochs,
        "random_state": 0,
        "tol": 0.0,
        "n_iter_no_change": 10**9,
    }
    if batch_size is not None:
        params["batch_size"] = batch_size
    if solver == "sgd":
        params.update(momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.01)
    return params


def time_fit(cls, params, X, y, per):
    """Fit once; return seconds per epoch or per objective evaluation."""
    est = cls(**params)
    with CountEvaluations() as counter:
        start = CLOCK()
        est.fit(X, y)
        elapsed = CLOCK() - start
    if per == "evaluation":
        return elapsed / counter.nfev[-1]
    return elapsed / est.n_iter_


def chosen_blas_threads(n_features, hidden, batch_rows, n_outputs=1):
    """Return the BLAS thread count BackpropRegressor's fit picks here and now.

    ``Network.blas_threads`` is the context each fit enters (threadpoolctl);
    this enters it for the workload's network and batch and reads the count.
    """
    net = BackpropRegressor(hidden_layer_sizes=hidden)._network(n_features, n_outputs)
    with net.blas_threads(batch_rows):
        return blas_threads()


def blas_threads():
    """Return the current BLAS thread count (the largest, if several BLAS)."""
    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


def summary(values):
    return {
        "median": float(np.median(values)),
        "min": float(np.min(values)),
        "max": float(np.max(values)),
        "samples": [float(v) for v in values],
    }


def thread_setting(threads):
    """Return a context for a thread setting: '1' limits BLAS, 'default' not."""
    return threadpool_limits(1 if threads == "1" else None, user_api="blas")


def bench_workload(name, dtype, quick, settings, peaks):
    """Time one workload in every thread setting, all interleaved.

    Each repetition runs ours then MLPRegressor at the first setting, then
    both at the next, and so on: A B A' B' A B ..., so that load from other
    processes spreads over all four, and ours at the default thread count
    can be compared with ours at one thread.
    """
    spec, X, y, contenders, n_outputs = workload_data(name, dtype, quick)
    n, d, hidden, solver, batch_size, epochs, repeats = spec
    if quick:
        repeats = min(repeats, 3)
    params = estimator_params(hidden, solver, batch_size, epochs)
    per = "evaluation" if solver == "lbfgs" else "epoch"
    # Warm up both (imports, first-touch of memory), untimed.
    for cls in contenders.values():
        cls(**dict(params, max_iter=1)).fit(X[:2000], y[:2000])
    times = {(t, key): [] for t in settings for key in contenders}
    chosen = {}
    for _ in range(repeats):
        for threads in settings:
            with thread_setting(threads):
                chosen[threads] = chosen_blas_threads(
                    d, hidden, batch_size or n, n_outputs
                )
                for key, cls in contenders.items():
                    times[threads, key].append(time_fit(cls, params, X, y, per))
    results = []
    for threads in settings:
        result = {
            "workload": name,
            "dtype": np.dtype(dtype).name,
            "threads": threads,
            "n_samples": n,
            "per": per,
            "ours": summary(times[threads, "ours"]),
            "sklearn": summary(times[threads, "sklearn"]),
            "ours_blas_threads": chosen[threads],
        }
        result["ratio"] = result["sklearn"]["median"] / result["ours"]["median"]
        units = (d, *hidden, n_outputs)
        # An epoch and an L-BFGS evaluation both take every sample through once.
        flops = matmul_flops_per_sample(units) * n
        result["ours_gflops"] = flops / result["ours"]["median"] / 1e9
        result["peak_gflops"] = peaks[threads]
        result["fraction_of_peak"] = result["ours_gflops"] / peaks[threads]
        results.append(result)
    return results


# -- P: predict memory and time, in a subprocess -------------------------------


def predict_child(which, n_rows, dtype_name, threads):
    """Run in a fresh process: fit briefly, then time predict on n_rows."""
    dtype = np.dtype(dtype_name).type
    _n, d, hidden = P_SHAPE
    limit = threadpool_limits(1, user_api="blas") if threads == "1" else None
    cls = BackpropRegressor if which == "ours" else MLPRegressor
    X_fit, y_fit = make_data(2000, d, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = cls(hidden_layer_sizes=hidden, max_iter=2, random_state=0)
        est.fit(X_fit, y_fit)
    est.predict(X_fit)  # warm up
    rng = np.random.default_rng(2)
    X = np.empty((n_rows, d), dtype=dtype)
    for start in range(0, n_rows, 100_000):  # no float64 temporary of all X
        stop = min(start + 100_000, n_rows)
        X[start:stop] = rng.standard_normal((stop - start, d))
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    y_pred = est.predict(X)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.stop()
    assert y_pred.shape == (n_rows,)
    if limit is not None:
        limit.restore_original_limits()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_extra_bytes": peak - before,
                "maxrss_growth_bytes": (rss_after - rss_before) * 1024,
                "output_bytes": y_pred.nbytes,
            }
        )
    )


def bench_predict(dtype, threads, quick, sklearn_rows):
    n_rows = P_SHAPE[0] // (40 if quick else 1)
    sklearn_rows = min(sklearn_rows, n_rows)
    runs = [("ours", n_rows), ("ours", sklearn_rows), ("sklearn", sklearn_rows)]
    if sklearn_rows == n_rows:
        runs = runs[1:]
    out = {"workload": "P", "dtype": np.dtype(dtype).name, "threads": threads}
    for which, rows in runs:
        cmd = [
            sys.executable,
            __file__,
            "--predict-child",
            which,
            str(rows),
            np.dtype(dtype).name,
            threads,
        ]
        res = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)
        res["n_rows"] = rows
        out[f"{which}_{rows}"] = res
    ours, theirs = out[f"ours_{sklearn_rows}"], out[f"sklearn_{sklearn_rows}"]
    out["ours"], out["sklearn"] = out[f"ours_{n_rows}"], theirs
    out["ratio"] = theirs["seconds"] / ours["seconds"]
    out["ratio_rows"] = sklearn_rows
    return out


def bench_ensemble(dtype, quick):
    """Time W1 with ``n_ensemble=1`` and ``n_ensemble=8``, interleaved, 1 thread."""
    (n, _, hidden, solver, batch_size, epochs, repeats), X, y, _, _ = workload_data(
        "W1", dtype, quick
    )
    params = estimator_params(hidden, solver, batch_size, epochs)
    if not quick:
        repeats *= 2  # two estimators of the same code: the ratio needs samples
    for k in E_MEMBERS:  # warm up, untimed
        BackpropRegressor(**dict(params, max_iter=1, n_ensemble=k)).fit(
            X[:2000], y[:2000]
        )
    times = {k: [] for k in E_MEMBERS}
    for _ in range(repeats):
        for k in E_MEMBERS:
            times[k].append(
                time_fit(BackpropRegressor, dict(params, n_ensemble=k), X, y, "epoch")
            )
    single, ensemble = (summary(times[k]) for k in E_MEMBERS)
    return [
        {
            "workload": "E",
            "dtype": np.dtype(dtype).name,
            "threads": "1",
            "per": "epoch",
            "n_samples": n,
            "members": E_MEMBERS[1],
            "single": single,
            "ensemble": ensemble,
            "ratio": ensemble["median"] / single["median"],
            "loadavg": os.getloadavg()[0],
        }
    ]


# -- reporting -------------------------------------------------------------------


def bench_streaming(dtype, quick, n_classes=None):
    """Time one-batch ``partial_fit`` calls: ours, scikit-learn's, our overhead.

    Regressors, or with ``n_classes`` classifiers (workloads "SC512", "SC100").
    """
    calls = 20 if quick else 100
    prefix = "S" if n_classes is None else "SC"
    return [
        time_streaming(prefix + name[1:], n_features, hidden, dtype, calls, n_classes)
        for name, (n_features, hidden) in S_SHAPES.items()
    ]


def gradient_and_step(est, X, y):
    """Return a function running one gradient and one Adam step, as a call does.

    The same network, batch and buffers that ``partial_fit`` uses; the time of
    this function is the arithmetic of a call, the rest is overhead. For a
    classifier, ``y`` is the labels, one-hot encoded here (outside the timing).
    """
    from skmlp._optimizers import make_optimizer

    net, theta = est.network_, est.theta_.copy()
    optimizer = make_optimizer("adam", est.get_params())
    state = optimizer.init(theta)
    grad = np.empty_like(theta)
    workspace = net.workspace(X.shape[0], theta.dtype)
    if is_classifier(est):
        y = (y[:, np.newaxis] == est.classes_).astype(theta.dtype)
    else:
        y = y.reshape(-1, 1)

    def step():
        nonlocal state
        net.loss_and_grad(theta, X, y, None, est.alpha, grad, workspace=workspace)
        state = optimizer.step(theta, grad, state)

    return step


def time_streaming(name, n_features, hidden, dtype, calls, n_classes=None):
    params = {"hidden_layer_sizes": hidden, "random_state": 0}
    if n_classes is None:
        X, y = make_data(S_ROWS * 4, n_features, dtype, seed=1)
        ours, theirs = BackpropRegressor(**params), MLPRegressor(**params)
        first = {}
    else:
        X, y = make_classification_data(S_ROWS * 4, n_features, n_classes, dtype, 1)
        ours, theirs = BackpropClassifier(**params), MLPClassifier(**params)
        first = {"classes": np.arange(n_classes)}
    batches = [(X[i::4], y[i::4]) for i in range(4)]
    for est in (ours, theirs):
        est.partial_fit(*batches[0], **first)
    step = gradient_and_step(ours, *batches[1])
    times = {"ours": [], "sklearn": [], "step": []}
    for i in range(calls):
        batch = batches[i % 4]
        for key, call in (
            ("ours", ours.partial_fit),
            ("sklearn", theirs.partial_fit),
            ("step", None),
        ):
            start = CLOCK()
            if call is None:
                step()
            else:
                call(*batch)
            times[key].append(CLOCK() - start)
    ours_s, sklearn_s, step_s = (summary(times[k]) for k in ("ours", "sklearn", "step"))
    return {
        "workload": name,
        "dtype": np.dtype(dtype).name,
        "threads": "1",
        "per": "call",
        "ours": ours_s,
        "sklearn": sklearn_s,
        "step": step_s,
        "ratio": sklearn_s["median"] / ours_s["median"],
        "overhead": 1 - step_s["median"] / ours_s["median"],
    }


def machine_info():
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture")}
        | {"default_threads": info.get("num_threads")}
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "blas": blas,
        "env": {
            k: os.environ[k]
            for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")
            if k in os.environ
        },
        "loadavg_start": os.getloadavg(),
    }


def fmt(s):
    return f"{s['median'] * 1e3:8.2f} [{s['min'] * 1e3:7.2f}, {s['max'] * 1e3:7.2f}]"


def print_row(r):
    if r["workload"] == "E":
        print(
            f"E   {r['dtype']:8s} t=1       ms/epoch: n_ensemble=1 "
            f"{fmt(r['single'])}  n_ensemble={r['members']} {fmt(r['ensemble'])}  "
            f"ensemble/single {r['ratio']:5.2f}x (load {r['loadavg']:.2f})",
            flush=True,
        )
        return
    if r["workload"].startswith("S"):  # S512, S100, SC512, SC100
        print(
            f"{r['workload']:4s} {r['dtype']:8s} t=1       ms/call: ours "
            f"{fmt(r['ours'])}  sklearn {fmt(r['sklearn'])}  ratio "
            f"{r['ratio']:5.2f}x  gradient+step {fmt(r['step'])}  overhead "
            f"{100 * r['overhead']:4.1f}% of our call",
            flush=True,
        )
        return
    if r["workload"] == "P":
        o, s = r["ours"], r["sklearn"]
        print(
            f"P   {r['dtype']:8s} t={r['threads']:7s} ours {o['n_rows']:>9,d} rows "
            f"{o['seconds']:7.2f} s "
            f"{o['peak_extra_bytes'] / 2**30:5.2f} GiB (maxrss +"
            f"{o['maxrss_growth_bytes'] / 2**30:5.2f}) | sklearn {s['n_rows']:>9,d} "
            f"rows {s['seconds']:7.2f} s {s['peak_extra_bytes'] / 2**30:5.2f} GiB | "
            f"ratio at {r['ratio_rows']:,d} rows {r['ratio']:5.2f}x",
            flush=True,
        )
        return
    print(
        f"{r['workload']:3s} {r['dtype']:8s} t={r['threads']:7s} "
        # The same units as the tables of benchmarks/plot.py: ms/epoch, ms/eval.
        f"{'ms/eval' if r['per'] == 'evaluation' else 'ms/' + r['per']:8s}: "
        f"ours {fmt(r['ours'])}"
        f"  sklearn {fmt(r['sklearn'])}  ratio {r['ratio']:5.2f}x  "
        f"{r['ours_gflops']:6.1f} GFLOP/s = {100 * r['fraction_of_peak']:5.1f}% "
        f"of {r['peak_gflops']:.0f}; ours ran with {r['ours_blas_threads']} BLAS "
        "thread(s)",
        flush=True,
    )


def run_workload(name, dtype, args, settings, peaks):
    """Run one workload by name; return its result rows."""
    if name == "P":
        return [
            bench_predict(dtype, threads, args.quick, args.p_sklearn_rows)
            for threads in settings
        ]
    if name in ("S", "SC", "E"):
        with thread_setting("1"):
            if name == "E":
                return bench_ensemble(dtype, args.quick)
            return bench_streaming(dtype, args.quick, N_CLASSES.get(name))
    return bench_workload(name, dtype, args.quick, settings, peaks)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small data, about 3 min")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5,P,S,C1,C2,C3,SC,E")
    parser.add_argument(
        "--threads",
        default="1,default",
        help="comma-separated BLAS thread settings: '1' and/or 'default'",
    )
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--p-sklearn-rows", type=int, default=500_000)
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall: elapsed time (time.perf_counter); cpu: CPU time of the timing "
        "thread (time.thread_time), which other processes on a busy machine do "
        "not inflate; meant for --threads 1, where BLAS runs on that thread",
    )
    parser.add_argument("--json", help="write all results to this file")
    parser.add_argument("--predict-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.predict_child:
        which, rows, dtype, threads = args.predict_child
        predict_child(which, int(rows), dtype, threads)
        return
    warnings.simplefilter("ignore", ConvergenceWarning)
    global CLOCK
    CLOCK = {"wall": time.perf_counter, "cpu": time.thread_time}[args.clock]
    info = machine_info()
    info["clock"] = args.clock
    print(json.dumps(info))
    results = []
    dtypes = [np.dtype(name).type for name in args.dtypes.split(",")]
    settings = args.threads.split(",")
    for threads in settings:
        with thread_setting(threads):
            info[f"blas_threads_{threads}"] = blas_threads()
    for dtype in dtypes:
        peaks = {}
        for threads in settings:
            with thread_setting(threads):
                peaks[threads] = matmul_peak(dtype)
            print(
                f"-- {np.dtype(dtype).name}, BLAS threads {threads} "
                f"({info[f'blas_threads_{threads}']}): matmul peak "
                f"{peaks[threads]:.1f} GFLOP/s",
                flush=True,
            )
        for name in args.workloads.split(","):
            for r in run_workload(name, dtype, args, settings, peaks):
                r["blas_threads"] = info.get(f"blas_threads_{r['threads']}")
                results.append(r)
                print_row(r)
    info["loadavg_end"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "quick": args.quick, "results": results})
        )


if __name__ == "__main__":
    main()
