"""The losses of ``skmlp._losses``: values, gradients by finite differences, weights."""

import warnings

import numpy as np
import pytest
from _helpers import numeric_grad, relative_error
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._losses import (
    LOSSES,
    CrossEntropy,
    HalfPoissonDeviance,
    HalfSquaredError,
    Huber,
    PendingLoss,
    Pinball,
    get_loss,
    resolve_losses,
)

LOSS_OBJECTS = [
    HalfSquaredError(),
    HalfPoissonDeviance(),
    Huber(delta=0.3),
    Pinball(quantile=0.3),
]
IDS = [loss.name for loss in LOSS_OBJECTS]


def _problem(loss, seed=0, n_samples=20, n_outputs=2):
    rng = np.random.RandomState(seed)
    y_hat = rng.uniform(0.2, 3.0, size=(n_samples, n_outputs))
    if loss.name == "poisson":
        y = rng.poisson(1.5, size=y_hat.shape).astype(np.float64)
        y[0] = 0.0  # the y == 0 branch
    else:
        y = y_hat + rng.randn(*y_hat.shape)  # residuals on both sides of 0.3
    return y, y_hat, rng.uniform(0.2, 3.0, size=n_samples)


@pytest.mark.parametrize("loss", LOSS_OBJECTS, ids=IDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gradient_is_the_finite_difference_of_the_weighted_sum(loss, weighted):
    y, y_hat, sample_weight = _problem(loss)
    sw = sample_weight if weighted else None
    S = len(y) if sw is None else sw.sum()
    _, dy_hat = loss.value_and_grad(y, y_hat, sw)

    def weighted_sum(y_hat):
        return S * loss.value(y, y_hat, sw)

    assert relative_error(dy_hat, numeric_grad(weighted_sum, y_hat)) < 1e-8


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_poisson_gradient_in_z_is_the_finite_difference_through_exp(weighted):
    loss = HalfPoissonDeviance()
    y, y_hat, sample_weight = _problem(loss)
    sw = sample_weight if weighted else None
    S = len(y) if sw is None else sw.sum()
    z = np.log(y_hat)
    value, dz = loss.value_and_grad_z(y, np.exp(z), sw)

    def weighted_sum(z):
        return S * loss.value(y, np.exp(z), sw)

    assert relative_error(dz, numeric_grad(weighted_sum, z)) < 1e-8
    assert value == loss.value(y, np.exp(z), sw)


def test_poisson_gradient_in_z_is_y_hat_minus_y_exactly():
    # MLPRegressor's expression, bit for bit: no detour through / y_hat * y_hat.
    loss = HalfPoissonDeviance()
    y, y_hat, sample_weight = _problem(loss)
    _, dz = loss.value_and_grad_z(y, y_hat)
    assert_array_equal(dz, y_hat - y)
    _, dz = loss.value_and_grad_z(y, y_hat, sample_weight)
    assert_array_equal(dz, (y_hat - y) * sample_weight[:, None])


def test_poisson_is_finite_where_the_prediction_underflows_for_y_zero():
    loss = HalfPoissonDeviance()
    y = np.array([[0.0], [1.0]])
    y_hat = np.array([[0.0], [2.0]])  # exp(-800) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0 warning either
        value, dy_hat = loss.value_and_grad(y, y_hat)
        value_z, dz = loss.value_and_grad_z(y, y_hat)
    assert np.isfinite(value)
    assert value == value_z
    assert_array_equal(dy_hat, [[1.0], [0.5]])  # dL/dy_hat = 1 - y / y_hat
    assert_array_equal(dz, [[0.0], [1.0]])


@pytest.mark.parametrize("loss", LOSS_OBJECTS, ids=IDS)
def test_weights_equal_repeated_samples(loss):
    y, y_hat, _ = _problem(loss)
    counts = np.random.RandomState(3).randint(1, 4, size=len(y))
    value_w, grad_w = loss.value_and_grad(y, y_hat, counts.astype(np.float64))
    y_r, y_hat_r = np.repeat(y, counts, axis=0), np.repeat(y_hat, counts, axis=0)
    value_r, grad_r = loss.value_and_grad(y_r, y_hat_r)
    assert_allclose(value_w, value_r, rtol=1e-13)
    # Each weighted row is the sum of its repeats.
    assert_allclose(grad_w.sum(axis=0), grad_r.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("loss", LOSS_OBJECTS, ids=IDS)
def test_value_and_grad_writes_into_out_and_agrees_with_value(loss):
    y, y_hat, sample_weight = _problem(loss)
    out = np.full_like(y_hat, np.nan)
    value, grad = loss.value_and_grad(y, y_hat, sample_weight, out=out)
    assert grad is out
    assert value == loss.value(y, y_hat, sample_weight)
    assert isinstance(value, float)


def test_known_values():
    y = np.array([[1.0, 0.0], [2.0, 4.0]])
    y_hat = np.array([[2.0, 1.0], [2.0, 1.0]])
    # Summed over outputs, averaged over samples.
    assert HalfSquaredError().value(y, y_hat) == pytest.approx((1 + 1 + 0 + 9) / 4)
    # Huber with delta 1: quadratic below, 1 * (|r| - 0.5) above.
    assert Huber(delta=1.0).value(y, y_hat) == pytest.approx((0.5 + 0.5 + 0 + 2.5) / 2)
    poisson = (np.log(0.5) - 1 + 2) + (0 + 1) + 0 + (4 * np.log(4) - 4 + 1)
    assert HalfPoissonDeviance().value(y, y_hat) == pytest.approx(poisson / 2)


def test_only_poisson_has_a_canonical_activation():
    assert HalfPoissonDeviance().canonical_activation == "exp"
    for loss in (HalfSquaredError(), Huber(), Pinball()):
        assert loss.canonical_activation is None
        with pytest.raises(NotImplementedError, match="canonical"):
            loss.value_and_grad_z(np.zeros((1, 1)), np.zeros((1, 1)))


def test_get_loss_is_a_table_lookup_with_the_estimators_parameters():
    assert set(LOSSES) == {"squared_error", "poisson", "huber", "quantile"}
    for name, loss_class in LOSSES.items():
        assert isinstance(get_loss(name), loss_class)
        assert get_loss(name).name == name
    assert get_loss("huber", huber_delta=0.25) == Huber(delta=0.25)
    assert get_loss("squared_error", huber_delta=0.25) == HalfSquaredError()
    assert get_loss("quantile", huber_delta=0.25, quantile=0.9) == Pinball(0.9)
    assert get_loss("quantile") == Pinball(quantile=0.5)
    with pytest.raises(KeyError):
        get_loss("absolute_error")


def test_poisson_rejects_negative_targets_only():
    HalfPoissonDeviance().check_target(np.array([[0.0], [3.0]]))
    with pytest.raises(ValueError, match="non-negative"):
        HalfPoissonDeviance().check_target(np.array([[-1.0]]))
    HalfSquaredError().check_target(np.array([[-1.0]]))


# -- the pinball (quantile) loss -----------------------------------------------


def test_pinball_known_values_and_gradient_on_each_side():
    # r = y - y_hat: 2 (y_hat below y), -1 (above), 0 (the kink).
    loss = Pinball(quantile=0.9)
    y = np.array([[3.0], [1.0], [2.0]])
    y_hat = np.array([[1.0], [2.0], [2.0]])
    value, dy_hat = loss.value_and_grad(y, y_hat)
    # max(q r, (q - 1) r): 0.9 * 2, 0.1 * 1, 0.
    assert value == pytest.approx((1.8 + 0.1 + 0.0) / 3)
    assert_array_equal(dy_hat, [[-0.9], [1 - 0.9], [0.0]])


def test_pinball_subgradient_at_the_kink_is_zero_within_the_subdifferential():
    # At y_hat == y the one-sided derivatives are -q (from below) and 1 - q
    # (from above); 0 lies between them and is the one taken.
    y = np.array([[1.5, -2.0]])
    for q in (0.1, 0.5, 0.9):
        loss = Pinball(quantile=q)
        _, dy_hat = loss.value_and_grad(y, y.copy())
        assert_array_equal(dy_hat, 0.0)
        h = 1e-7
        right = (loss.value(y, y + h) - loss.value(y, y)) / h
        left = (loss.value(y, y) - loss.value(y, y - h)) / h
        assert left == pytest.approx(-2 * q)  # two outputs: summed
        assert right == pytest.approx(2 * (1 - q))
        assert left <= 0.0 <= right


def test_pinball_at_one_half_is_half_the_absolute_error():
    y, y_hat, sample_weight = _problem(Pinball())
    value, dy_hat = Pinball(0.5).value_and_grad(y, y_hat, sample_weight)
    assert value == pytest.approx(
        0.5 * np.average(np.abs(y - y_hat), weights=sample_weight, axis=0).sum()
    )
    assert_array_equal(dy_hat, 0.5 * np.sign(y_hat - y) * sample_weight[:, None])


def test_pinball_keeps_float32():
    y = np.array([[1.0], [2.0], [3.0]], dtype=np.float32)
    y_hat = np.array([[2.0], [2.0], [2.0]], dtype=np.float32)
    out = np.empty_like(y)
    _, dy_hat = Pinball(0.25).value_and_grad(y, y_hat, out=out)
    assert dy_hat is out
    assert Pinball(0.25).value_and_grad(y, y_hat)[1].dtype == np.float32
    assert_array_equal(dy_hat, np.array([[0.75], [0.0], [-0.25]], np.float32))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("n_samples", "n_classes"), [(200, 10), (37, 3), (5000, 3), (64, 300)]
)
@pytest.mark.mlp_reference
def test_one_hot_cross_entropy_is_scikit_learns_to_the_bit(dtype, n_samples, n_classes):
    # The true classes' terms alone, summed by np.bincount: the same number
    # as scikit-learn 1.9's log_loss over every entry (the parity reference;
    # 1.6's sums in another order).
    from sklearn.neural_network._base import log_loss

    y, y_hat = _one_hot_case(dtype, n_samples, n_classes)
    expected = log_loss(y.astype(bool), y_hat)
    fast = CrossEntropy(one_hot=True)
    loss, _ = fast.value_and_grad_z(y, y_hat, out=np.empty_like(y_hat))
    assert loss == expected
    assert fast.value(y, y_hat) == expected


def _one_hot_case(dtype, n_samples, n_classes):
    """One-hot targets and softmax outputs, one row saturated."""
    from sklearn.neural_network._base import inplace_softmax

    rng = np.random.RandomState(n_classes)
    y_hat = (rng.randn(n_samples, n_classes) * 4).astype(dtype)
    y_hat[0, 0] = 60  # a saturated row, where the clipping matters
    inplace_softmax(y_hat)
    labels = rng.randint(n_classes, size=n_samples)
    y = (labels[:, np.newaxis] == np.arange(n_classes)).astype(dtype)
    return y, y_hat


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("n_samples", "n_classes"), [(200, 10), (37, 3), (5000, 3), (64, 300)]
)
def test_one_hot_cross_entropy_is_the_general_one_to_the_bit(
    dtype, n_samples, n_classes
):
    # The fast path and the general computation: the same loss and gradient.
    y, y_hat = _one_hot_case(dtype, n_samples, n_classes)
    fast, general = CrossEntropy(one_hot=True), CrossEntropy()
    loss, dz = fast.value_and_grad_z(y, y_hat, out=np.empty_like(y_hat))
    assert type(loss) is np.float64
    rng = np.random.RandomState(n_classes + 1)
    reference_loss, reference_dz = general.value_and_grad_z(y, y_hat)
    assert loss == reference_loss
    assert_array_equal(dz, reference_dz)
    # With sample weights, the general computation.
    weights = rng.uniform(0.5, 2, n_samples)
    assert fast.value(y, y_hat, weights) == general.value(y, y_hat, weights)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [3, 10, 17, 300])
def test_deferred_one_hot_losses_are_the_immediate_ones_to_the_bit(dtype, n_classes):
    # An epoch's pending losses, computed together by resolve_losses: the
    # numbers (and types) of each batch's loss computed at once, with the
    # L2 terms added after, whatever the batch sizes.
    loss = CrossEntropy(one_hot=True)
    rng = np.random.RandomState(n_classes)
    pending, immediate = [], []
    for i, n_rows in enumerate([200, 200, 37, 1, 200, 64]):
        y, y_hat = _one_hot_case(dtype, n_rows, n_classes)
        y_hat = np.roll(y_hat, i, axis=0)  # a different batch each time
        l2 = rng.uniform(0, 0.1)
        value, _ = loss.value_and_grad_z(y, y_hat)
        value += l2
        immediate.append(value)
        deferred, dz = loss.value_and_grad_z(
            y, y_hat, out=np.empty_like(y_hat), defer=True
        )
        assert isinstance(deferred, PendingLoss)
        assert_array_equal(dz, y_hat - y)  # the gradient is computed now
        y_hat[...] = np.nan  # the pending loss keeps what it needs of y_hat
        pending.append(deferred + l2)
    resolved = resolve_losses(pending)
    for a, b in zip(resolved, immediate, strict=True):
        assert a == b
        assert type(a) is type(b) is np.float64


def test_only_the_one_hot_cross_entropy_without_weights_defers():
    y, y_hat = _one_hot_case(np.float64, 20, 4)
    weights = np.linspace(0.5, 2, 20)
    fast = CrossEntropy(one_hot=True)
    assert not isinstance(
        fast.value_and_grad_z(y, y_hat, weights, defer=True)[0], PendingLoss
    )
    assert not isinstance(
        CrossEntropy().value_and_grad_z(y, y_hat, defer=True)[0], PendingLoss
    )
    for loss in LOSS_OBJECTS:
        value, _ = loss.value_and_grad(y[:, :1], y_hat[:, :1], defer=True)
        assert not isinstance(value, PendingLoss)
    assert resolve_losses([]) == []
