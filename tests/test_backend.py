"""The array seam ``skmlp._backend``: matmul into buffers, BLAS threads, Workspace."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils import gen_batches as sklearn_gen_batches
from threadpoolctl import threadpool_info, threadpool_limits

from skmlp import _backend
from skmlp._backend import (
    MIN_FLOPS_FOR_BLAS_THREADS,
    blas_threads_for,
    gen_batches,
    matmul,
)
from skmlp._network import Network


def _blas_threads():
    return max(
        (p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"),
        default=1,
    )


@pytest.mark.parametrize("shape", [(7, 5, 3), (7, 1, 3), (1, 4, 6)])
def test_matmul_writes_the_product_into_out(shape):
    n, k, m = shape
    rng = np.random.RandomState(0)
    a, b = rng.randn(n, k), rng.randn(k, m)
    out = np.full((n, m), np.nan)
    result = matmul(a, b, out)
    assert result is out
    # The inner dimension 1 is a broadcast multiply: each entry rounded once,
    # as matmul rounds it, so the results are equal.
    assert_array_equal(out, a @ b)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_matmul_takes_a_sparse_left_factor(fmt):
    rng = np.random.RandomState(0)
    a = sp.random(9, 6, density=0.3, format=fmt, random_state=0)
    b = rng.randn(6, 4)
    out = np.empty((9, 4))
    assert matmul(a, b, out) is out
    assert_allclose(out, a.toarray() @ b, rtol=1e-14, atol=1e-15)


def test_small_products_run_on_one_blas_thread(monkeypatch):
    monkeypatch.setattr(_backend, "_cores_look_free", lambda: True)
    with threadpool_limits(limits=2, user_api="blas"):
        if _blas_threads() < 2:
            pytest.skip("BLAS cannot use two threads here")
        with blas_threads_for((20, 100, 1), 200):
            assert _blas_threads() == 1
        # Large enough: the caller's setting stands, unless the cores are busy.
        rows = int(MIN_FLOPS_FOR_BLAS_THREADS / (2 * 512 * 512)) + 1
        with blas_threads_for((512, 512, 1), rows):
            assert _blas_threads() == 2
        monkeypatch.setattr(_backend, "_cores_look_free", lambda: False)
        with blas_threads_for((512, 512, 1), rows):
            assert _blas_threads() == 1
        assert _blas_threads() == 2  # restored on exit


def test_network_blas_threads_uses_its_layer_sizes(monkeypatch):
    monkeypatch.setattr(_backend, "_cores_look_free", lambda: True)
    seen = []
    monkeypatch.setattr(
        _backend, "_blas_threads", lambda limit: seen.append(limit) or limit
    )
    net = Network((512, 512, 1), ("relu", "identity"))
    net.blas_threads(10)
    net.blas_threads(10**6)
    assert seen == [1, None]


def test_workspace_holds_z_only_where_the_backward_pass_reads_it():
    net = Network((3, 4, 5, 2), ("gelu", "relu", "identity"))
    ws = net.workspace(10, np.float32)
    zs, outs, dzs = ws.rows(6)
    assert [z.shape for z in zs] == [(6, 4), (6, 5), (6, 2)]
    assert [None if a is None else a.shape for a in outs] == [(6, 4), None, None]
    assert [dz.shape for dz in dzs] == [(6, 4), (6, 5), (6, 2)]
    assert all(z.dtype == np.float32 for z in zs)
    assert ws.rows(6)[0] is zs  # remembered
    assert ws.fits(10, np.float32)
    assert not ws.fits(11, np.float32)
    assert not ws.fits(10, np.float64)


def test_workspace_remembers_views_of_the_last_vectors():
    net = Network((3, 4, 2), ("tanh", "identity"))
    ws = net.workspace(5, np.float64)
    theta = np.arange(net.n_params, dtype=np.float64)
    Ws, _ = ws.unpack(theta)
    assert ws.unpack(theta)[0] is Ws
    for W, expected in zip(Ws, net.unpack(theta)[0], strict=True):
        assert np.shares_memory(W, theta)
        assert_array_equal(W, expected)
    assert_array_equal(ws.all_coefs(theta), theta[: net.n_coefs])
    assert_array_equal(np.concatenate(ws.coefs(theta)), theta[: net.n_coefs])
    others = [theta.copy() for _ in range(4)]
    for other in others:  # L-BFGS hands over new vectors: the cache stays small
        ws.unpack(other)
    assert ws.unpack(theta)[0] is not Ws  # forgotten, made anew


def test_gen_batches_gives_scikit_learns_slices():
    for n in range(1, 30):
        for batch_size in range(1, 12):
            assert list(gen_batches(n, batch_size)) == list(
                sklearn_gen_batches(n, batch_size)
            )
