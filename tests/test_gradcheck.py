"""Tests for skdeep/utils/gradcheck.py: finite differences and the relative-error check."""

import dataclasses

import numpy as np
import pytest

from skdeep.nn.activations import ACTIVATIONS
from skdeep.nn.layers import ActivationLayer
from skdeep.nn.network import Network
from skdeep.nn.spec import NetworkSpec
from skdeep.utils import check_gradient, numerical_gradient


def _quadratic(seed=0, n=6):
    """``f(theta) = 1/2 theta' A theta + b' theta`` with gradient ``A theta + b``."""
    rng = np.random.RandomState(seed)
    B = rng.normal(size=(n, n))
    A, b = B @ B.T, rng.normal(size=n)
    theta = rng.normal(size=n)
    return A, b, theta


def test_numerical_gradient_of_a_quadratic_equals_its_analytic_gradient():
    A, b, theta = _quadratic()
    gradient = numerical_gradient(lambda: 0.5 * theta @ A @ theta + b @ theta, theta)
    np.testing.assert_allclose(gradient, A @ theta + b, rtol=1e-7, atol=1e-8)


def test_numerical_gradient_restores_every_parameter_exactly():
    A, b, theta = _quadratic()
    before = theta.copy()
    seen = []

    def loss():
        seen.append(theta.copy())
        return 0.5 * theta @ A @ theta + b @ theta

    numerical_gradient(loss, theta, eps=1e-3)
    np.testing.assert_array_equal(theta, before)
    # Each evaluation moves exactly one entry by +-eps, the others at their original value.
    assert len(seen) == 2 * theta.size
    for k, perturbed in enumerate(seen):
        difference = perturbed - before
        i, sign = divmod(k, 2)
        expected = np.zeros_like(theta)
        expected[i] = 1e-3 if sign == 0 else -1e-3
        np.testing.assert_allclose(difference, expected, atol=1e-15)


def test_numerical_gradient_is_float64_even_for_float32_parameters():
    theta = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    gradient = numerical_gradient(lambda: float(np.sum(theta.astype(np.float64) ** 2)), theta, eps=1e-2)
    assert gradient.dtype == np.float64
    np.testing.assert_allclose(gradient, 2 * theta.astype(np.float64), rtol=1e-5)


def _network_and_data(activation="tanh", output="softmax"):
    rng = np.random.RandomState(0)
    network = Network(NetworkSpec((3, 5, 4, 2), activation, output, "float64"))
    network.initialize("glorot_uniform", rng)
    X = rng.normal(size=(6, 3))
    Y = np.eye(2)[rng.randint(2, size=6)]
    return network, X, Y


def test_check_gradient_passes_a_correct_network_and_leaves_its_parameters_alone():
    network, X, Y = _network_and_data()
    before = network.params.copy()
    assert check_gradient(network, X, Y) < 1e-7
    np.testing.assert_array_equal(network.params, before)


def _wrong_tanh_derivative(delta, A, Z):
    # tanh'(z) = 1 - A^2; 1 - A looks plausible and is wrong.
    delta *= 1 - A


def test_check_gradient_detects_a_wrong_activation_derivative():
    network, X, Y = _network_and_data("tanh")
    correct = ACTIVATIONS["tanh"]
    wrong = dataclasses.replace(correct, derivative=_wrong_tanh_derivative)
    hidden = [layer for layer in network.layers if isinstance(layer, ActivationLayer)]
    for layer in hidden:
        layer._activation = wrong
    assert check_gradient(network, X, Y) > 1e-2
    for layer in hidden:
        layer._activation = correct
    assert check_gradient(network, X, Y) < 1e-7


class _ScaledGradientNetwork:
    """A network whose backprop gradient is off by a known factor."""

    def __init__(self, network, factor):
        self._network, self._factor = network, factor
        self.params, self.grad = network.params, network.grad

    def loss_and_gradient(self, X, Y, weights, l2):
        loss = self._network.loss_and_gradient(X, Y, weights, l2)
        self.grad *= self._factor
        return loss


@pytest.mark.parametrize("factor", [1.5, 0.5, -1.0])
def test_check_gradient_reports_the_relative_error_of_a_scaled_gradient(factor):
    # ||g - c g|| / (||g|| + ||c g||) = |1 - c| / (1 + |c|): 0.2, 1/3 and 1.
    network, X, Y = _network_and_data()
    error = check_gradient(_ScaledGradientNetwork(network, factor), X, Y)
    assert error == pytest.approx(abs(1 - factor) / (1 + abs(factor)), rel=1e-5)


class _UnweightedNetwork:
    """Returns the weighted, penalized loss but the gradient of the plain mean loss."""

    def __init__(self, network):
        self._network = network
        self.params, self.grad = network.params, network.grad

    def loss_and_gradient(self, X, Y, weights, l2):
        loss = self._network.loss_and_gradient(X, Y, weights, l2)
        self._network.loss_and_gradient(X, Y, np.full(len(X), 1 / len(X)), 0.0)  # overwrites grad
        return loss


def test_check_gradient_uses_normalized_sample_weights_and_the_l2_penalty():
    network, X, Y = _network_and_data()
    sample_weight = np.random.RandomState(1).uniform(0.5, 2.0, size=6)
    # A gradient computed with uniform weights and no penalty fails the weighted, penalized check.
    wrong = check_gradient(_UnweightedNetwork(network), X, Y, sample_weight=sample_weight, l2=0.5)
    assert wrong > 1e-3
    assert check_gradient(network, X, Y, sample_weight=sample_weight, l2=0.5) < 1e-7


class _RecordingNetwork:
    """Passes every call through and records the weights and l2 it was given."""

    def __init__(self, network):
        self._network, self.calls = network, []
        self.params, self.grad = network.params, network.grad

    def loss_and_gradient(self, X, Y, weights, l2):
        self.calls.append((weights.copy(), l2))
        return self._network.loss_and_gradient(X, Y, weights, l2)


@pytest.mark.parametrize("sample_weight", [None, np.array([1.0, 2.0, 3.0, 4.0, 5.0, 15.0])])
def test_check_gradient_passes_weights_summing_to_one_to_the_network(sample_weight):
    network, X, Y = _network_and_data()
    recorder = _RecordingNetwork(network)
    check_gradient(recorder, X, Y, sample_weight=sample_weight, l2=0.25)
    expected = np.full(6, 1 / 6) if sample_weight is None else sample_weight / 30.0
    assert len(recorder.calls) == 1 + 2 * network.n_params
    for weights, l2 in recorder.calls:
        np.testing.assert_allclose(weights, expected, rtol=1e-15)
        assert l2 == 0.25


def test_check_gradient_of_a_zero_gradient_is_zero_not_nan():
    # All-zero parameters, tanh(0) = 0 and targets 0: the loss is flat in every direction.
    network = Network(NetworkSpec((3, 4, 2), "tanh", "identity", "float64"))
    X = np.random.RandomState(0).normal(size=(5, 3))
    assert check_gradient(network, X, np.zeros((5, 2))) == 0.0
