"""Tests for skdeep/_activations.py: every activation against a plain reference formula."""

import numpy as np
import pytest
from scipy.special import ndtr
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_ACTIVATIONS
from sklearn.neural_network._base import DERIVATIVES as SKLEARN_DERIVATIVES

from skdeep.nn.activations import ACTIVATIONS

# Written out here rather than imported, so a wrong constant in the source shows.
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

# Straightforward, not-in-place formulas: g(z) as the textbooks write it.
REFERENCE = {
    "identity": lambda z: z.copy(),
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1.0),
    "selu": lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1.0)),
    "softplus": lambda z: np.log(1.0 + np.exp(z)),
    "gelu": lambda z: z * ndtr(z),
}


def _points(dtype=np.float64):
    """Points in [-5, 5] on both sides of zero, at least 0.05 from the kinks at 0."""
    rng = np.random.RandomState(0)
    z = rng.uniform(0.05, 5.0, size=(20, 6)) * rng.choice([-1.0, 1.0], size=(20, 6))
    return z.astype(dtype)


def _forward(name, Z):
    """``A = g(Z)`` through the in-place forward, on a copy of ``Z``."""
    A = Z.copy()
    ACTIVATIONS[name].forward(A)
    return A


def _derivative(name, delta, Z):
    """``delta * g'(Z)`` through the in-place derivative, on a copy of ``delta``."""
    A = _forward(name, Z)
    dZ = delta.copy()
    ACTIVATIONS[name].derivative(dZ, A, Z.copy())
    return dZ


def test_reference_table_covers_every_activation():
    assert set(REFERENCE) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_overwrites_z_with_the_reference_formula(name):
    Z = _points()
    expected = REFERENCE[name](Z)
    A = Z.copy()
    assert ACTIVATIONS[name].forward(A) is None  # in place: nothing returned
    np.testing.assert_allclose(A, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_is_exact_at_zero_and_on_both_sides(name):
    Z = np.array([[-2.0, -1e-3, 0.0, 1e-3, 2.0]])
    np.testing.assert_allclose(_forward(name, Z), REFERENCE[name](Z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_difference_of_the_reference_elementwise(name):
    Z = _points()
    h = 1e-6
    numeric = (REFERENCE[name](Z + h) - REFERENCE[name](Z - h)) / (2 * h)
    analytic = _derivative(name, np.ones_like(Z), Z)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_multiplies_the_incoming_gradient(name):
    Z = _points()
    delta = np.random.RandomState(1).normal(size=Z.shape)
    slope = _derivative(name, np.ones_like(Z), Z)
    np.testing.assert_allclose(_derivative(name, delta, Z), delta * slope, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "selu"])
def test_piecewise_derivatives_take_each_branch_on_its_own_side_of_zero(name):
    # Slopes far from 0, written out: they do not depend on any finite difference.
    left = {"relu": 0.0, "leaky_relu": 0.01, "elu": np.exp(-3.0), "selu": SELU_SCALE * SELU_ALPHA * np.exp(-3.0)}
    right = {"relu": 1.0, "leaky_relu": 1.0, "elu": 1.0, "selu": SELU_SCALE}
    slopes = _derivative(name, np.ones((1, 2)), np.array([[-3.0, 3.0]]))
    np.testing.assert_allclose(slopes, [[left[name], right[name]]], rtol=1e-12)


class _DtypeRecorder(np.ndarray):
    """Array that records the dtype of every ufunc result computed from it.

    In-place operations hide a promotion (float64 results are cast back into
    the float32 buffer), so the dtype of the buffer alone proves nothing.
    """

    results = []

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        def plain(x):
            return x.view(np.ndarray) if isinstance(x, _DtypeRecorder) else x

        inputs = tuple(plain(x) for x in inputs)
        if "where" in kwargs:
            kwargs["where"] = plain(kwargs["where"])
        if out is not None:
            kwargs["out"] = tuple(plain(x) for x in out)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        for array in result if isinstance(result, tuple) else (result,):
            _DtypeRecorder.results.append((ufunc.__name__, np.asarray(array).dtype))
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result.view(_DtypeRecorder) if isinstance(result, np.ndarray) else result


def _promotions(function, *arrays):
    _DtypeRecorder.results = []
    function(*(array.view(_DtypeRecorder) for array in arrays))
    return [(name, dtype) for name, dtype in _DtypeRecorder.results if dtype == np.float64]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_float32_forward_and_derivative_never_compute_in_float64(name):
    Z = _points(np.float32)
    A = Z.copy()
    assert _promotions(ACTIVATIONS[name].forward, A) == []
    assert A.dtype == np.float32
    np.testing.assert_allclose(A, REFERENCE[name](Z.astype(np.float64)), rtol=1e-5, atol=1e-6)

    delta = np.ones_like(Z)
    assert _promotions(ACTIVATIONS[name].derivative, delta, A, Z.copy()) == []
    assert delta.dtype == np.float32
    np.testing.assert_allclose(delta, _derivative(name, np.ones_like(Z, np.float64), Z.astype(np.float64)),
                               rtol=1e-4, atol=1e-5)


def test_the_float64_recorder_does_see_a_promotion():
    # Guard for the test above: a float32 array times a float64 array is caught.
    assert _promotions(lambda x: x * np.ones(3), np.ones(3, dtype=np.float32)) == [("multiply", np.float64)]


@pytest.mark.parametrize("name", ["identity", "logistic", "tanh", "relu"])
def test_forward_and_derivative_agree_with_scikit_learn(name):
    Z = _points()
    Z[0, :3] = 0.0  # relu's derivative at 0: both libraries use g'(0) = 0
    ours = _forward(name, Z)
    theirs = Z.copy()
    SKLEARN_ACTIVATIONS[name](theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)

    delta = np.random.RandomState(2).normal(size=Z.shape)
    sklearn_delta = delta.copy()
    SKLEARN_DERIVATIVES[name](theirs, sklearn_delta)
    np.testing.assert_allclose(_derivative(name, delta, Z), sklearn_delta, rtol=1e-15, atol=0)


# g'(z) in the limits z -> -inf and z -> +inf, from the formulas.
LIMIT_SLOPES = {
    "identity": (1.0, 1.0),
    "logistic": (0.0, 0.0),
    "tanh": (0.0, 0.0),
    "relu": (0.0, 1.0),
    "leaky_relu": (0.01, 1.0),
    "elu": (0.0, 1.0),
    "selu": (0.0, SELU_SCALE),
    "softplus": (0.0, 1.0),
    "gelu": (0.0, 1.0),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_extreme_inputs_give_finite_values_and_the_limit_slopes(name, dtype):
    Z = np.array([[-1000.0, 1000.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = _forward(name, Z)
        slopes = _derivative(name, np.ones_like(Z), Z)
    assert np.isfinite(A).all() and np.isfinite(slopes).all()
    np.testing.assert_allclose(slopes[0], LIMIT_SLOPES[name], rtol=1e-6, atol=1e-30)
