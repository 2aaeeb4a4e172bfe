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
