"""Unit tests of skmlp._optimizers against scikit-learn's own optimizers.

scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer`` update a list of
arrays; given the one flat ``theta`` as a list of one array, they must follow
the same trajectory as ours bit for bit.
"""

import math
import tracemalloc
from dataclasses import dataclass

import numpy as np
import pytest
from _helpers import (
    BATCH,
    EPOCHS,
    OPTIMIZER_PARAMS,
    STEPS_PER_EPOCH,
    adam_by_hand,
    theta_and_grads,
)
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skmlp import BackpropRegressor, _optimizers
from skmlp._optimizers import (
    HYPERPARAMETERS,
    OPTIMIZERS,
    SGD,
    Adam,
    AdamState,
    Adaptive,
    ClipByGlobalNorm,
    Constant,
    Cosine,
    DecoupledWeightDecay,
    InvScaling,
    Schedule,
    SGDState,
    make_optimizer,
)

#: The schedules MLPRegressor has, which ours must match bit for bit.
SKLEARN_SCHEDULES = ["constant", "invscaling", "adaptive"]


def _run_both(ours, theirs, dtype, *, on_plateau=False):
    """Train ours and scikit-learn's on the same gradients; check every step."""
    theta, grads = theta_and_grads(dtype)
    reference = theta.copy()
    state = ours.init(theta)
    for epoch in range(EPOCHS):
        for i in range(STEPS_PER_EPOCH):
            grad = grads[epoch * STEPS_PER_EPOCH + i]
            state = ours.step(theta, grad.copy(), state)
            theirs.update_params([reference], [grad.copy()])
            assert_array_equal(theta, reference)
        n_seen = (epoch + 1) * STEPS_PER_EPOCH * BATCH
        state = ours.end_epoch(state, n_seen)
        theirs.iteration_ends(n_seen)
        if on_plateau:
            state, reduced = ours.on_plateau(state)
            assert reduced is not theirs.trigger_stopping("", verbose=False)
    assert theta.dtype == dtype
    return state


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("schedule", SKLEARN_SCHEDULES)
def test_sgd_matches_scikit_learn_bit_for_bit(schedule, nesterov, dtype):
    params = {
        **OPTIMIZER_PARAMS,
        "learning_rate_init": 0.05,
        "learning_rate": schedule,
        "power_t": 0.25,
        "momentum": 0.8,
        "nesterovs_momentum": nesterov,
    }
    ours = make_optimizer("sgd", params)
    theta, _ = theta_and_grads(dtype)
    theirs = SGDOptimizer(
        [theta],
        0.05,
        lr_schedule=schedule,
        momentum=0.8,
        nesterov=nesterov,
        power_t=0.25,
    )
    state = _run_both(ours, theirs, dtype, on_plateau=True)
    assert state.learning_rate == theirs.learning_rate
    assert_array_equal(state.velocity, theirs.velocities[0])
    if schedule != "constant":  # the schedule did change the rate
        assert state.learning_rate < 0.05


def test_adam_matches_scikit_learn_bit_for_bit():
    params = {
        **OPTIMIZER_PARAMS,
        "learning_rate_init": 0.01,
        "beta_1": 0.8,
        "beta_2": 0.99,
    }
    ours = make_optimizer("adam", params)
    theta, _ = theta_and_grads(np.float64)
    theirs = AdamOptimizer([theta], 0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-8)
    state = _run_both(ours, theirs, np.float64, on_plateau=True)
    assert state.count == theirs.t == EPOCHS * STEPS_PER_EPOCH
    assert_array_equal(state.m, theirs.ms[0])
    assert_array_equal(state.v, theirs.vs[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_in_blocks_gives_the_same_numbers(monkeypatch, dtype):
    # A theta longer than ADAM_BLOCK is updated block by block, the last
    # block shorter: the same elementwise operations, so the same bits.
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(103).astype(dtype)
    grads = [rng.standard_normal(103).astype(dtype) for _ in range(4)]
    results = []
    for block in (10**9, 10):
        monkeypatch.setattr(_optimizers, "ADAM_BLOCK", block)
        adam, ours = Adam(learning_rate_init=0.01), theta.copy()
        state = adam.init(ours)
        for grad in grads:
            state = adam.step(ours, grad, state)
        results.append((ours, state.m, state.v))
    for whole, blocked in zip(*results, strict=True):
        assert_array_equal(blocked, whole)
    assert not np.array_equal(results[0][0], theta)  # it did step


def test_adam_float32_is_scikit_learns_arithmetic_in_float32():
    # scikit-learn's Adam computes its rate with np.sqrt, a float64 scalar that
    # promotes the update to float64 (NEP 50); ours keeps it a Python float, so
    # the same expressions run in float32. Compare with those expressions.
    adam = Adam(learning_rate_init=0.01)
    theta, grads = theta_and_grads(np.float32)
    references = adam_by_hand(theta, grads, [0.01] * len(grads))
    state = adam.init(theta)
    for grad, (reference, _) in zip(grads, references, strict=True):
        state = adam.step(theta, grad.copy(), state)
        assert_array_equal(theta, reference)
    assert theta.dtype == state.m.dtype == state.v.dtype == np.float32

    theirs_theta, _ = theta_and_grads(np.float32)
    theirs = AdamOptimizer([theirs_theta], 0.01)
    for grad in grads:
        theirs.update_params([theirs_theta], [grad])
    assert_allclose(theta, theirs_theta, rtol=1e-6)


def test_make_optimizer_reads_the_estimators_hyperparameters():
    params = {
        **OPTIMIZER_PARAMS,
        "learning_rate": "invscaling",
        "power_t": 0.3,
        "momentum": 0.5,
        "max_grad_norm": 2,
    }
    sgd = make_optimizer("sgd", params)
    assert sgd == SGD(
        learning_rate_init=0.001,
        schedule=InvScaling(power_t=0.3),
        transforms=(ClipByGlobalNorm(2.0),),
        momentum=0.5,
        nesterovs_momentum=True,
    )
    # MLPRegressor's adam ignores learning_rate: it is always constant.
    adam = make_optimizer("adam", {**params, "learning_rate": "adaptive"})
    assert adam.schedule == Constant()
    assert adam.transforms == (ClipByGlobalNorm(2.0),)
    assert set(OPTIMIZERS) == {"sgd", "adam"}


def test_make_optimizer_needs_only_the_listed_hyperparameters():
    params = {name: OPTIMIZER_PARAMS[name] for name in HYPERPARAMETERS}
    for solver in OPTIMIZERS:
        make_optimizer(solver, params)  # no KeyError
    assert set(HYPERPARAMETERS) <= set(BackpropRegressor().get_params())


def test_hyperparameters_are_python_floats():
    # A numpy float64 hyperparameter would promote float32 parameters.
    sgd = SGD(learning_rate_init=np.float64(0.1), momentum=np.float64(0.9))
    assert type(sgd.learning_rate_init) is float
    assert type(sgd.momentum) is float
    assert type(InvScaling(np.float64(0.5)).power_t) is float
    assert type(ClipByGlobalNorm(np.int64(1)).max_norm) is float


# -- schedules ------------------------------------------------------------------


def test_constant_schedule_uses_the_current_learning_rate_init():
    sgd = SGD(learning_rate_init=0.1, momentum=0.0)
    theta = np.zeros(3)
    state = sgd.init(theta)
    state = SGD(learning_rate_init=0.5, momentum=0.0).step(theta, np.ones(3), state)
    assert state.learning_rate == 0.5
    assert_array_equal(theta, -0.5)


def test_invscaling_sets_the_rate_at_the_end_of_each_epoch():
    sgd = SGD(learning_rate_init=0.1, schedule=InvScaling(power_t=0.5))
    theta = np.zeros(3)
    state = sgd.step(theta, np.ones(3), sgd.init(theta))
    assert state.learning_rate == 0.1  # unchanged within the epoch
    state = sgd.end_epoch(state, 99)
    assert state.learning_rate == 0.1 / 100**0.5
    state, reduced = sgd.on_plateau(state)
    assert not reduced


def test_adaptive_divides_by_five_until_the_rate_is_at_most_1e_6():
    sgd = SGD(learning_rate_init=1e-4, schedule=Adaptive())
    state = sgd.end_epoch(sgd.init(np.zeros(3)), 1000)
    assert state.learning_rate == 1e-4  # no change per epoch
    rates = []
    while True:
        state, reduced = sgd.on_plateau(state)
        if not reduced:
            break
        rates.append(state.learning_rate)
    assert rates == [1e-4 / 5, 1e-4 / 5 / 5, 1e-4 / 5 / 5 / 5]
    assert state.learning_rate == rates[-1]  # not reduced when training stops


@pytest.mark.parametrize("optimizer", [SGD(), Adam()], ids=["sgd", "adam"])
def test_constant_rate_is_not_reduced_on_a_plateau(optimizer):
    state = optimizer.init(np.zeros(3))
    assert optimizer.on_plateau(state) == (state, False)


@dataclass(frozen=True)
class _Halving(Schedule):
    """A per-step schedule, as Cosine is: eta_0 / 2^(count-1)."""

    def step(self, learning_rate, learning_rate_init, count):
        return learning_rate_init / 2 ** (count - 1)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_a_per_step_schedule_needs_no_change_to_the_optimizers(cls):
    optimizer = cls(learning_rate_init=0.8, schedule=_Halving())
    state = optimizer.init(np.zeros(3))
    for count in range(1, 4):
        state = optimizer.step(np.zeros(3), np.ones(3), state)
        assert state.count == count
        assert state.learning_rate == 0.8 / 2 ** (count - 1)


# -- gradient clipping ----------------------------------------------------------


def test_clipping_bounds_the_norm_and_keeps_the_direction():
    grad = np.random.default_rng(0).standard_normal(100) * 10
    original = grad.copy()
    ClipByGlobalNorm(1.5)(grad)
    assert math.isclose(np.linalg.norm(grad), 1.5, rel_tol=1e-12)
    # The same numbers as before clipping was a transform: g * (c / ||g||).
    assert_array_equal(grad, original * (1.5 / float(np.linalg.norm(original))))


def test_clipping_leaves_small_gradients_untouched():
    grad = np.full(4, 0.1)
    ClipByGlobalNorm(1.0)(grad)
    assert_array_equal(grad, 0.1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clipping_in_sgd_bounds_each_step(dtype):
    # Without momentum, ||step|| = eta ||clipped g|| <= eta c.
    sgd = SGD(learning_rate_init=0.1, momentum=0.0, transforms=(ClipByGlobalNorm(2),))
    theta, grads = theta_and_grads(dtype)
    state = sgd.init(theta)
    for grad in grads:
        before = theta.copy()
        state = sgd.step(theta, grad * 100, state)
        assert np.linalg.norm(theta - before) <= 0.1 * 2 * (1 + 1e-5)
        assert np.linalg.norm(theta - before) >= 0.1 * 2 * (1 - 1e-5)
    assert theta.dtype == dtype


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_clipping_composes_with_either_optimizer(cls):
    theta, grads = theta_and_grads(np.float64)
    clipped_theta, plain_theta = theta.copy(), theta.copy()
    clipped = cls(transforms=(ClipByGlobalNorm(0.5),))
    plain = cls()
    clipped_state, plain_state = clipped.init(theta), plain.init(theta)
    for grad in grads:
        clipped_state = clipped.step(clipped_theta, grad.copy(), clipped_state)
        ClipByGlobalNorm(0.5)(grad)
        plain_state = plain.step(plain_theta, grad, plain_state)
    assert_array_equal(clipped_theta, plain_theta)


# -- state ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("optimizer", "state_type"),
    [(SGD(), SGDState), (Adam(), AdamState)],
    ids=["sgd", "adam"],
)
def test_state_dict_round_trip_continues_exactly(optimizer, state_type):
    theta, grads = theta_and_grads(np.float64)
    state = optimizer.init(theta)
    for grad in grads[:3]:
        state = optimizer.step(theta, grad, state)
    stored = optimizer.state_to_dict(state)
    assert stored["kind"] == optimizer.kind
    assert all(
        isinstance(value, str | int | float | np.ndarray) for value in stored.values()
    )
    restored = optimizer.state_from_dict(stored)
    assert type(restored) is state_type
    assert restored._asdict().keys() == state._asdict().keys()
    for name, value in state._asdict().items():
        assert getattr(restored, name) is value  # arrays shared, not copied

    copy_theta = theta.copy()
    copy_state = optimizer.state_from_dict(
        {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in stored.items()}
    )
    for grad in grads[3:]:
        state = optimizer.step(theta, grad.copy(), state)
        copy_state = optimizer.step(copy_theta, grad.copy(), copy_state)
    assert_array_equal(copy_theta, theta)


def test_a_stored_state_is_recognised_only_by_its_own_optimizer():
    theta = np.zeros(3)
    sgd_stored = SGD().state_to_dict(SGD().init(theta))
    adam_stored = Adam().state_to_dict(Adam().init(theta))
    assert SGD(momentum=0.5).owns_state(sgd_stored)
    assert not SGD().owns_state(adam_stored)
    assert not Adam().owns_state(sgd_stored)
    assert not Adam().owns_state(None)


def test_stored_state_needs_no_trusted_types_in_skops():
    sio = pytest.importorskip("skops.io")
    adam = Adam()
    stored = adam.state_to_dict(
        adam.step(np.zeros(3), np.ones(3), adam.init(np.zeros(3)))
    )
    assert sio.get_untrusted_types(data=sio.dumps({"state": stored})) == []


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_float32_stays_float32(cls):
    optimizer = cls()
    theta, grads = theta_and_grads(np.float32)
    state = optimizer.init(theta)
    for grad in grads:
        state = optimizer.step(theta, grad, state)
    state = optimizer.end_epoch(state, 100)
    assert theta.dtype == np.float32
    for value in state:
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32
        else:
            assert type(value) in (int, float)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_step_updates_the_state_arrays_in_place_and_allocates_nothing(cls):
    optimizer = cls(
        transforms=(ClipByGlobalNorm(1.0),),
        schedule=Cosine(total_steps=10, warmup_steps=2),
        decay=DecoupledWeightDecay(0.1, n_decayed=150_000),
    )
    theta = np.zeros(200_000)
    grad = np.ones_like(theta)
    state = optimizer.init(theta)
    arrays = [id(value) for value in state if isinstance(value, np.ndarray)]
    state = optimizer.step(theta, grad, state)  # makes the scratch vectors
    tracemalloc.start()
    try:
        for _ in range(3):
            state = optimizer.step(theta, grad, state)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < theta.nbytes / 10  # no temporary the size of theta
    assert [id(value) for value in state if isinstance(value, np.ndarray)] == arrays


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_a_step_into_another_state_only_reads_the_given_one(cls):
    # partial_fit keeps the stored moments to roll back to, without copying
    # them: the first step writes the new ones into spare arrays.
    optimizer = cls(
        transforms=(ClipByGlobalNorm(1.0),),
        decay=DecoupledWeightDecay(0.1, n_decayed=100),
    )
    theta, grads = theta_and_grads(np.float64)
    state = optimizer.init(theta)
    for grad in grads[:3]:
        state = optimizer.step(theta, grad.copy(), state)
    before = {k: v.copy() for k, v in state._asdict().items() if hasattr(v, "copy")}
    in_place_theta = theta.copy()
    in_place = optimizer.step(
        in_place_theta,
        grads[3].copy(),
        optimizer.state_from_dict(
            {
                k: v.copy() if isinstance(v, np.ndarray) else v
                for k, v in optimizer.state_to_dict(state).items()
            }
        ),
    )
    spare = optimizer.init(theta)
    spare_arrays = [id(v) for v in spare if isinstance(v, np.ndarray)]
    after = optimizer.step(theta, grads[3].copy(), state, into=spare)
    for name, value in before.items():
        assert_array_equal(getattr(state, name), value)  # only read
    assert [id(v) for v in after if isinstance(v, np.ndarray)] == spare_arrays
    assert_array_equal(theta, in_place_theta)  # the same numbers
    for name in before:
        assert_array_equal(getattr(after, name), getattr(in_place, name))
    assert (after.learning_rate, after.count) == (
        in_place.learning_rate,
        in_place.count,
    )


def test_adam_into_spare_arrays_in_blocks_gives_the_in_place_numbers():
    # Past ADAM_BLOCK entries the step runs block by block; writing the new
    # moments into spare arrays (partial_fit) must still give the in-place
    # step's numbers and leave the given state as it was.
    rng = np.random.default_rng(0)
    n = 2 * _optimizers.ADAM_BLOCK + 123
    theta, grad = rng.standard_normal(n), rng.standard_normal(n)
    optimizer = Adam(learning_rate_init=0.01)
    state = optimizer.init(theta)
    state = optimizer.step(theta, grad, state)
    m_before, v_before = state.m.copy(), state.v.copy()
    in_place_theta = theta.copy()
    in_place = optimizer.step(
        in_place_theta,
        grad,
        AdamState(state[0], state[1], m_before.copy(), v_before.copy()),
    )
    after = optimizer.step(theta, grad, state, into=optimizer.init(theta))
    assert_array_equal(state.m, m_before)
    assert_array_equal(state.v, v_before)
    assert_array_equal(theta, in_place_theta)
    assert_array_equal(after.m, in_place.m)
    assert_array_equal(after.v, in_place.v)
