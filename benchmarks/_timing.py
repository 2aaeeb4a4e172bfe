"""What the per-batch benchmarks (``profile.py``, ``floor.py``) time with."""

import time

import numpy as np


def cpu_time(f, number, rounds=5):
    """Best CPU seconds per call of ``f`` over ``rounds`` rounds.

    CPU time of this thread (``time.thread_time``), so that time taken by
    other processes on a shared machine counts less than in elapsed time.
    """
    best = np.inf
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(number):
            f()
        best = min(best, (time.thread_time() - start) / number)
    return best
