import numpy as np
import pytest
from sklearn.metrics import r2_score

from skmlp._metrics import r2


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", ["noisy", "constant_target", "exact_on_constant"])
def test_r2_is_sklearns_r2_score(n_outputs, weighted, case):
    rng = np.random.RandomState(0)
    y = rng.randn(30, n_outputs)
    y_pred = y + 0.5 * rng.randn(30, n_outputs)
    if case != "noisy":
        y[:, 0] = 2.0
    if case == "exact_on_constant":
        y_pred[:, 0] = 2.0
    sw = rng.uniform(0.1, 2, 30) if weighted else None
    assert r2(y, y_pred, sw) == r2_score(y, y_pred, sample_weight=sw)
