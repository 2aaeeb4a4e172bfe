"""W1-W3 on a device (torch or cupy) against the numpy path on one CPU thread.

Usage::

    SCIPY_ARRAY_API=1 python benchmarks/device.py [--quick] [--dtype float32]

Runs unchanged on a machine with a GPU: it takes torch's CUDA (or MPS)
device when there is one, else cupy's GPU, else torch on the CPU. For each of
the workloads W1-W3 of ``benchmarks/bench.py`` it fits two epochs on both
paths from the same initial weights and minibatches, and prints the seconds
per epoch (the second epoch: the first one warms up kernels and caches), the
speed-up, and the largest difference of the weights after the two epochs,
relative to the largest weight (cuBLAS and MKL round differently from
OpenBLAS; TF32 more so).
``--quick`` shrinks the data as ``bench.py --quick`` does; the whole run takes
under five minutes either way on a GPU, and with ``--quick`` on a CPU.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import sklearn
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from bench import QUICK_SHRINK, WORKLOADS, make_data

from skmlp import BackpropRegressor
from skmlp._array_api import namespace_of, to_numpy


def find_device():
    """Return ``(module, xp, device, name)`` of the best device found."""
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and torch.cuda.is_available():
        return torch, namespace_of(torch), "cuda", torch.cuda.get_device_name()
    if torch is not None and torch.backends.mps.is_available():
        return torch, namespace_of(torch), "mps", "Apple MPS"
    try:
        import cupy

        return cupy, namespace_of(cupy), cupy.cuda.Device(0), "cupy GPU 0"
    except Exception:  # no cupy, or no GPU for it
        pass
    if torch is None:
        sys.exit("Neither torch nor cupy is installed: pip install 'skmlp[torch]'.")
    torch.set_num_threads(1)
    return torch, namespace_of(torch), "cpu", "torch CPU (1 thread)"


def synchronize(module):
    """Wait for the device's queue, so that the clock measures its work."""
    if module.__name__ == "torch" and module.cuda.is_available():
        module.cuda.synchronize()
    elif module.__name__ == "cupy":
        module.cuda.Device().synchronize()


class EpochClock:
    """Times each epoch, one ``partial_fit`` call each."""

    def __init__(self, module):
        self.module, self.times = module, []

    def epoch(self, est, X, y):
        synchronize(self.module)
        start = time.perf_counter()
        est.partial_fit(X, y)
        synchronize(self.module)
        self.times.append(time.perf_counter() - start)


def run(name, dtype, quick, found):
    module, xp, device, _ = found
    n, d, hidden, solver, batch_size, _, _ = WORKLOADS[name]
    if quick:
        n //= QUICK_SHRINK[name]
    X, y = make_data(n, d, dtype)
    params = {
        "hidden_layer_sizes": hidden,
        "solver": solver,
        "batch_size": batch_size,
        "random_state": 0,
    }
    host = BackpropRegressor(**params)
    host_clock = EpochClock(np)
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(2):
            host_clock.epoch(host, X, y)
    on_device = BackpropRegressor(**params)
    device_clock = EpochClock(module)
    X_dev, y_dev = xp.asarray(X, device=device), xp.asarray(y, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        for _ in range(2):
            device_clock.epoch(on_device, X_dev, y_dev)
    ours = to_numpy(on_device.theta_).astype(np.float64)
    difference = np.max(np.abs(ours - host.theta_)) / np.max(np.abs(host.theta_))
    cpu, dev = host_clock.times[-1], device_clock.times[-1]
    return (
        f"{name:4} {n:>8} {cpu:>10.3f} {dev:>11.3f} {cpu / dev:>8.2f} "
        f"{difference:>12.2e}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bench.py's small data")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--workloads", default="W1,W2,W3")
    args = parser.parse_args()
    found = find_device()
    print(f"device: {found[3]}; numpy path: 1 BLAS thread; dtype {args.dtype}")
    print("max rel diff: max |w_device - w_numpy| / max |w_numpy| after 2 epochs")
    print(
        f"{'':4} {'samples':>8} {'numpy s/ep':>10} {'device s/ep':>10} "
        f"{'speed-up':>8} {'max rel diff':>12}"
    )
    for name in args.workloads.split(","):
        print(run(name, np.dtype(args.dtype), args.quick, found), flush=True)


if __name__ == "__main__":
    main()
