"""The activations of ``skmlp._activations``, checked by finite differences."""

import warnings

import numpy as np
import pytest
from _helpers import relative_error
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS

#: The elementwise activations. The softmax is row-wise and has no
#: elementwise derivative; it is only used with its canonical loss, which
#: gives dL/dz directly (tests at the end of this file).
NAMES = sorted(set(ACTIVATIONS) - {"softmax"})


def _z(seed=0):
    # Away from 0, where relu and leaky_relu have their kink.
    z = np.random.RandomState(seed).uniform(-3, 3, size=(50, 3))
    return np.where(np.abs(z) < 0.05, 0.5, z)


def _forward(sigma, z):
    return sigma.forward(z, out=np.empty_like(z))


@pytest.mark.parametrize("name", NAMES)
def test_backward_is_da_times_the_finite_difference_derivative(name):
    sigma = ACTIVATIONS[name]
    z = _z()
    a = _forward(sigma, z)
    da = np.random.RandomState(1).randn(*z.shape)
    h = 1e-6
    derivative = (_forward(sigma, z + h) - _forward(sigma, z - h)) / (2 * h)
    dz = sigma.backward(da.copy(), z if sigma.needs_z else None, a)
    assert relative_error(dz, da * derivative) < 1e-8


@pytest.mark.parametrize("name", NAMES)
def test_backward_works_in_place_on_da(name):
    sigma = ACTIVATIONS[name]
    z = _z()
    a = _forward(sigma, z)
    da = np.ones_like(z)
    dz = sigma.backward(da, z.copy() if sigma.needs_z else None, a)
    assert np.shares_memory(dz, da)


@pytest.mark.parametrize("name", NAMES)
def test_forward_in_place_over_z_gives_the_same_values(name):
    sigma = ACTIVATIONS[name]
    z = _z()
    expected = _forward(sigma, z)
    a = sigma.forward(z, out=z)
    assert a is z
    assert_array_equal(a, expected)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(name, dtype):
    sigma = ACTIVATIONS[name]
    z = _z().astype(dtype)
    a = _forward(sigma, z)
    assert a.dtype == dtype
    assert sigma.backward(np.ones_like(z), z, a).dtype == dtype


@pytest.mark.parametrize("name", ["logistic", "tanh", "softplus", "elu", "silu"])
def test_extreme_inputs_give_finite_values_without_warnings(name):
    sigma = ACTIVATIONS[name]
    z = np.array([[-800.0, -40.0, 0.0, 40.0, 800.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = _forward(sigma, z)
        dz = sigma.backward(np.ones_like(z), z, a)
    assert np.isfinite(a).all()
    assert np.isfinite(dz).all()


def test_known_values():
    z = np.array([[-1.0, 0.0, 2.0]])
    expected = {
        "identity": [-1.0, 0.0, 2.0],
        "logistic": 1 / (1 + np.exp(-z[0])),
        "tanh": np.tanh(z[0]),
        "relu": [0.0, 0.0, 2.0],
        "leaky_relu": [-0.01, 0.0, 2.0],
        "elu": [np.exp(-1) - 1, 0.0, 2.0],
        "softplus": np.log1p(np.exp(z[0])),
        "exp": np.exp(z[0]),
        "gelu": [-0.15865525393145707, 0.0, 1.9544997361036416],
        "silu": z[0] / (1 + np.exp(-z[0])),
        "softmax": np.exp(z[0]) / np.exp(z[0]).sum(),
    }
    assert set(expected) == set(ACTIVATIONS)
    for name, values in expected.items():
        assert_allclose(_forward(ACTIVATIONS[name], z)[0], values, rtol=1e-12)


def test_names_offered_to_users_are_in_the_registry():
    assert set(HIDDEN_ACTIVATIONS) <= set(OUTPUT_ACTIVATIONS) <= set(ACTIVATIONS)
    assert "exp" in OUTPUT_ACTIVATIONS
    assert "exp" not in HIDDEN_ACTIVATIONS


def test_softmax_rows_are_probabilities_even_for_large_z():
    softmax = ACTIVATIONS["softmax"]
    z = np.array([[1000.0, 1000.0, -1000.0], [-5.0, 0.0, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = _forward(softmax, z)
    assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    assert_allclose(a[0], [0.5, 0.5, 0.0])
    # Shifting a row by a constant changes nothing: softmax(z) = softmax(z + c).
    assert_allclose(_forward(softmax, z + 7.0), a, rtol=1e-12)
