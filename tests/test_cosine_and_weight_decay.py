"""The cosine schedule and decoupled weight decay of skmlp._optimizers.

Checked against the documented formulas, written out by hand
(``tests/_helpers.cosine_rate`` and the updates below).
"""

import math

import numpy as np
import pytest
from _helpers import OPTIMIZER_PARAMS, adam_by_hand, cosine_rate, theta_and_grads
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._optimizers import (
    OPTIMIZERS,
    SCHEDULES,
    SGD,
    Adam,
    Cosine,
    DecoupledWeightDecay,
    make_optimizer,
)

# -- cosine schedule ------------------------------------------------------------


def test_cosine_rates_follow_the_formula():
    schedule = Cosine(total_steps=20, warmup_steps=5)
    rates = [schedule.step(None, 0.1, count) for count in range(1, 26)]
    assert rates == [cosine_rate(c, 0.1, 20, 5) for c in range(1, 26)]
    # The warmup rises linearly from eta_0 / W to eta_0 ...
    assert rates[:5] == pytest.approx([0.02, 0.04, 0.06, 0.08, 0.1], rel=1e-15)
    # ... the decay starts at eta_0, passes eta_0 / 2 halfway, ends above 0 ...
    assert rates[5] == 0.1
    assert rates[5 + 15 // 2] == pytest.approx(0.05 * (1 + math.cos(math.pi * 7 / 15)))
    assert np.all(np.diff(rates[5:20]) < 0)
    assert 0 < rates[19] < 0.1 * 0.02
    # ... and is 0 once the schedule is over.
    assert rates[20:] == [0.0] * 5
    assert not schedule.is_over(19)
    assert schedule.is_over(20)


def test_cosine_without_warmup_starts_at_the_full_rate():
    schedule = Cosine(total_steps=4)
    rates = [schedule.step(None, 1.0, count) for count in range(1, 5)]
    expected = [0.5 * (1 + math.cos(math.pi * k / 4)) for k in range(4)]
    assert rates == pytest.approx(expected, rel=1e-15, abs=0)
    assert rates[0] == 1.0


@pytest.mark.parametrize(
    ("max_iter", "steps", "fraction", "total", "warmup"),
    [(10, 3, 0.0, 30, 0), (10, 3, 0.1, 30, 3), (2, 1, 0.9, 2, 1), (1, 1, 0.5, 1, 0)],
)
def test_cosine_from_params(max_iter, steps, fraction, total, warmup):
    params = {**OPTIMIZER_PARAMS, "max_iter": max_iter, "warmup_fraction": fraction}
    schedule = Cosine.from_params({**params, "steps_per_epoch": steps})
    assert schedule == Cosine(total_steps=total, warmup_steps=warmup)


def test_cosine_needs_the_steps_per_epoch_and_a_warmup_shorter_than_it():
    params = {**OPTIMIZER_PARAMS, "learning_rate": "cosine"}
    with pytest.raises(ValueError, match="steps_per_epoch"):
        make_optimizer("adam", params)
    with pytest.raises(ValueError, match="warmup_steps < total_steps"):
        Cosine(total_steps=3, warmup_steps=3)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_both_optimizers_follow_the_cosine_schedule(solver):
    params = {
        **OPTIMIZER_PARAMS,
        "learning_rate": "cosine",
        "max_iter": 4,
        "warmup_fraction": 0.25,
    }
    optimizer = make_optimizer(solver, params, steps_per_epoch=3)
    assert optimizer.schedule == Cosine(total_steps=12, warmup_steps=3)
    assert "cosine" in SCHEDULES
    theta, grads = theta_and_grads(np.float64)
    state = optimizer.init(theta)
    for count, grad in enumerate(grads, start=1):
        state = optimizer.step(theta, grad, state)
        assert state.learning_rate == cosine_rate(count, 0.001, 12, 3)


def test_adam_with_a_cosine_rate_is_adam_with_that_rate_at_each_step():
    # The schedule sets eta; the bias correction multiplies it as usual.
    schedule = Cosine(total_steps=12, warmup_steps=2)
    scheduled = Adam(learning_rate_init=0.01, schedule=schedule)
    theta, grads = theta_and_grads(np.float64)
    reference = theta.copy()
    state = scheduled.init(theta)
    reference_state = scheduled.init(reference)
    for count, grad in enumerate(grads, start=1):
        state = scheduled.step(theta, grad.copy(), state)
        constant = Adam(learning_rate_init=schedule.step(None, 0.01, count))
        reference_state = constant.step(reference, grad.copy(), reference_state)
        assert_array_equal(theta, reference)


# -- decoupled weight decay ------------------------------------------------------


def test_no_weight_decay_builds_no_decay_and_changes_no_number():
    for solver in OPTIMIZERS:
        assert make_optimizer(solver, OPTIMIZER_PARAMS).decay is None
        decayed = make_optimizer(
            solver, {**OPTIMIZER_PARAMS, "weight_decay": 0.1}, n_coefs=3
        )
        assert decayed.decay == DecoupledWeightDecay(0.1, 3)
    with pytest.raises(ValueError, match="n_coefs"):
        make_optimizer("sgd", {**OPTIMIZER_PARAMS, "weight_decay": 0.1})


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_weight_decay_by_hand(nesterov):
    # SGDW: theta <- (1 - eta lambda) theta on the weights, then the momentum
    # step, whose velocity never sees the decay.
    eta, mu, lam, n_w = 0.05, 0.8, 0.3, 30
    sgd = SGD(
        learning_rate_init=eta,
        momentum=mu,
        nesterovs_momentum=nesterov,
        decay=DecoupledWeightDecay(lam, n_w),
    )
    theta, grads = theta_and_grads(np.float64)
    reference, v = theta.copy(), np.zeros_like(theta)
    state = sgd.init(theta)
    for grad in grads:
        state = sgd.step(theta, grad.copy(), state)
        reference[:n_w] *= 1 - eta * lam
        v = mu * v - eta * grad
        reference += mu * v - eta * grad if nesterov else v
        assert_allclose(theta, reference, rtol=1e-13, atol=1e-15)
    assert_array_equal(state.velocity, v)


def test_adam_weight_decay_by_hand_uses_the_scheduled_rate():
    # AdamW as PyTorch's: the decay is eta * lambda with eta the scheduled
    # rate, not the bias-corrected step size; the moments never see it.
    eta_0, lam, n_w = 0.01, 0.5, 30
    schedule = Cosine(total_steps=12, warmup_steps=3)
    adam = Adam(
        learning_rate_init=eta_0,
        schedule=schedule,
        decay=DecoupledWeightDecay(lam, n_w),
    )
    theta, grads = theta_and_grads(np.float64)
    rates = [schedule.step(None, eta_0, t) for t in range(1, len(grads) + 1)]
    references = adam_by_hand(theta, grads, rates, lam, n_w)
    state = adam.init(theta)
    for grad, (reference, m) in zip(grads, references, strict=True):
        state = adam.step(theta, grad.copy(), state)
        assert_allclose(theta, reference, rtol=1e-12, atol=1e-15)
        assert_allclose(state.m, m, rtol=1e-13)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_weight_decay_spares_the_biases_and_keeps_float32(cls):
    # With a zero gradient only the decay moves theta.
    theta = np.ones(10, dtype=np.float32)
    optimizer = cls(learning_rate_init=0.1, decay=DecoupledWeightDecay(0.5, 6))
    state = optimizer.init(theta)
    for _ in range(3):
        state = optimizer.step(theta, np.zeros_like(theta), state)
    assert theta.dtype == np.float32
    assert_allclose(theta[:6], (1 - 0.1 * 0.5) ** 3, rtol=1e-6)
    assert_array_equal(theta[6:], 1.0)
