"""Tests for skdeep/_layers.py: the Dense block and the activation layer."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import ndtr

from skdeep.nn.layers import ActivationLayer, Dense

N_IN, N_OUT, M = 5, 3, 8


def _dense(dtype=np.float64, seed=0):
    """A Dense layer over views of flat parameter and gradient vectors, as the network builds it."""
    rng = np.random.RandomState(seed)
    params = rng.normal(size=N_IN * N_OUT + N_OUT).astype(dtype)
    grad = np.full_like(params, np.nan)  # so an entry that backward forgets to fill shows
    W, b = params[: N_IN * N_OUT].reshape(N_IN, N_OUT), params[N_IN * N_OUT :]
    dW, db = grad[: N_IN * N_OUT].reshape(N_IN, N_OUT), grad[N_IN * N_OUT :]
    return Dense(W, b, dW, db), params, grad


def _batch(m=M, seed=1):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(m, N_IN)), rng.normal(size=(m, N_OUT))


@pytest.mark.parametrize("training", [True, False])
def test_dense_forward_is_a_times_w_plus_b(training):
    layer, _, _ = _dense()
    A, _ = _batch()
    expected = A @ layer.W.copy() + layer.b.copy()
    np.testing.assert_allclose(layer.forward(A, training), expected, rtol=1e-13)


def test_dense_backward_fills_dw_and_db_and_returns_dz_times_w_transposed():
    layer, params, grad = _dense()
    A, dZ = _batch()
    W = layer.W.copy()
    layer.forward(A, training=True)
    dA = layer.backward(dZ.copy())
    np.testing.assert_allclose(layer.dW, A.T @ dZ, rtol=1e-13)
    np.testing.assert_allclose(layer.db, dZ.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(dA, dZ @ W.T, rtol=1e-13)
    assert layer.dW.shape == layer.W.shape and layer.db.shape == layer.b.shape and dA.shape == A.shape
    # The gradients land in the flat gradient vector, every entry of it.
    np.testing.assert_array_equal(grad, np.concatenate([layer.dW.ravel(), layer.db]))
    assert np.isfinite(grad).all()


def test_dense_backward_leaves_parameters_and_incoming_gradient_unchanged():
    layer, params, _ = _dense()
    A, dZ = _batch()
    before, dZ_before = params.copy(), dZ.copy()
    layer.forward(A, training=True)
    layer.backward(dZ)
    np.testing.assert_array_equal(params, before)
    np.testing.assert_array_equal(dZ, dZ_before)


def test_dense_backward_without_input_gradient_returns_none_but_fills_parameter_gradients():
    layer, _, grad = _dense()
    A, dZ = _batch()
    layer.forward(A, training=True)
    assert layer.backward(dZ, need_input_gradient=False) is None
    np.testing.assert_allclose(layer.dW, A.T @ dZ, rtol=1e-13)
    np.testing.assert_allclose(layer.db, dZ.sum(axis=0), rtol=1e-13)


@pytest.mark.parametrize("need_input_gradient", [True, False])
def test_dense_on_sparse_csr_input_matches_dense_input(need_input_gradient):
    A, dZ = _batch()
    A[np.abs(A) < 0.8] = 0  # about half the entries
    dense_layer, _, dense_grad = _dense()
    sparse_layer, _, sparse_grad = _dense()
    Z_dense = dense_layer.forward(A, training=True).copy()
    Z_sparse = sparse_layer.forward(sp.csr_matrix(A), training=True).copy()
    assert isinstance(Z_sparse, np.ndarray)
    np.testing.assert_allclose(Z_sparse, Z_dense, rtol=1e-13)
    dA_dense = dense_layer.backward(dZ.copy(), need_input_gradient)
    dA_sparse = sparse_layer.backward(dZ.copy(), need_input_gradient)
    np.testing.assert_allclose(sparse_grad, dense_grad, rtol=1e-13)
    if need_input_gradient:
        np.testing.assert_allclose(dA_sparse, dA_dense, rtol=1e-13)
    np.testing.assert_allclose(
        sparse_layer.forward(sp.csr_matrix(A), training=False), Z_dense, rtol=1e-13
    )


def test_dense_reuses_its_buffers_across_batches_of_the_same_size():
    layer, _, _ = _dense()
    A1, dZ1 = _batch(seed=1)
    A2, dZ2 = _batch(seed=2)
    Z1 = layer.forward(A1, training=True)
    dA1 = layer.backward(dZ1)
    Z2 = layer.forward(A2, training=True)
    dA2 = layer.backward(dZ2)
    assert Z2 is Z1 and dA2 is dA1
    # Reused, and yet the values are those of the second batch.
    np.testing.assert_allclose(Z2, A2 @ layer.W + layer.b, rtol=1e-13)
    np.testing.assert_allclose(dA2, dZ2 @ layer.W.T, rtol=1e-13)


def test_dense_allocates_new_buffers_when_the_batch_size_changes():
    layer, _, _ = _dense()
    A1, dZ1 = _batch(m=M)
    A2, dZ2 = _batch(m=M - 3)
    Z1 = layer.forward(A1, training=True).copy()
    layer.backward(dZ1)
    Z2 = layer.forward(A2, training=True)
    dA2 = layer.backward(dZ2)
    assert Z2.shape == (M - 3, N_OUT) and dA2.shape == (M - 3, N_IN)
    np.testing.assert_allclose(Z2, A2 @ layer.W + layer.b, rtol=1e-13)
    assert Z1.shape == (M, N_OUT)


def test_dense_prediction_forward_does_not_touch_the_training_cache():
    # The thread-safety property: a prediction between a training forward and
    # its backward (say, from another thread) changes nothing the backward needs.
    layer, _, _ = _dense()
    A_train, dZ = _batch(seed=1)
    A_other, _ = _batch(seed=2)
    Z_train = layer.forward(A_train, training=True)
    Z_saved = Z_train.copy()
    Z_predict = layer.forward(A_other, training=False)
    assert not np.shares_memory(Z_predict, Z_train)
    np.testing.assert_array_equal(Z_train, Z_saved)
    assert layer._A_prev is A_train
    layer.backward(dZ)
    np.testing.assert_allclose(layer.dW, A_train.T @ dZ, rtol=1e-13)
    # Two predictions return independent arrays.
    assert not np.shares_memory(layer.forward(A_other, training=False), Z_predict)


def test_dense_computes_in_float32_for_float32_parameters():
    layer, _, grad = _dense(np.float32)
    A, dZ = (x.astype(np.float32) for x in _batch())
    assert layer.forward(A, training=True).dtype == np.float32
    assert layer.forward(A, training=False).dtype == np.float32
    assert layer.backward(dZ).dtype == np.float32
    assert grad.dtype == np.float32


# Reference derivatives g'(z), written from the formulas.
REFERENCE_SLOPE = {
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "gelu": lambda z: ndtr(z) + z * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
}


@pytest.mark.parametrize("name", sorted(REFERENCE_SLOPE))
def test_activation_layer_backward_is_da_times_slope_at_the_training_input(name):
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(M, N_OUT))
    dA = rng.normal(size=(M, N_OUT))
    layer = ActivationLayer(name)
    layer.forward(Z.copy(), training=True)
    np.testing.assert_allclose(layer.backward(dA.copy()), dA * REFERENCE_SLOPE[name](Z), rtol=1e-12)


def test_activation_layer_keeps_the_preactivation_only_when_the_derivative_needs_it():
    Z = np.random.RandomState(0).normal(size=(M, N_OUT))
    gelu, tanh = ActivationLayer("gelu"), ActivationLayer("tanh")
    gelu.forward(Z.copy(), training=True)
    tanh.forward(Z.copy(), training=True)
    np.testing.assert_array_equal(gelu._Z, Z)  # a copy taken before g overwrote Z
    assert tanh._Z is None


@pytest.mark.parametrize("name", sorted(REFERENCE_SLOPE))
def test_activation_layer_prediction_forward_does_not_touch_the_training_cache(name):
    rng = np.random.RandomState(0)
    Z, Z_other, dA = (rng.normal(size=(M, N_OUT)) for _ in range(3))
    layer = ActivationLayer(name)
    layer.forward(Z.copy(), training=True)
    cached_A = layer._A.copy()
    layer.forward(Z_other.copy(), training=False)
    np.testing.assert_array_equal(layer._A, cached_A)
    np.testing.assert_allclose(layer.backward(dA.copy()), dA * REFERENCE_SLOPE[name](Z), rtol=1e-12)
