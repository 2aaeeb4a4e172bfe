"""Test session setup.

BLAS is limited to one thread for the whole session: these machines are
shared, and two BLAS threads on a busy 2-core machine make small matrix
products 20-100x slower (and timings meaningless).
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def pytest_runtest_setup(item):
    """Skip scikit-learn's torch-cuda array-API checks where CUDA is missing.

    scikit-learn skips them only when torch was built without CUDA; PyPI's
    default torch wheel is a CUDA build, which runs them on machines without
    a GPU, where they fail.
    """
    if "torch" in item.name and "cuda" in item.name:
        torch = pytest.importorskip("torch")
        if not torch.cuda.is_available():
            pytest.skip("torch.cuda.is_available() is False")
