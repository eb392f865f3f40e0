"""BatchNorm and Dropout layers, and the network that chains them: exact gradients."""

import pickle

import numpy as np
import pytest

from skdeep.nn.activations import ACTIVATIONS
from skdeep.nn.layers import Batch, BatchNorm, Dropout
from skdeep.nn.losses import OUTPUTS
from skdeep.nn.network import Network
from skdeep.nn.spec import NetworkSpec
from skdeep.utils import check_gradient


def _targets(output, rng, m, k):
    if output == "softmax":
        return np.eye(k)[rng.randint(0, k, m)]
    if output == "logistic":
        return rng.randint(0, 2, (m, k)).astype(float)
    if output == "exp":
        return rng.poisson(2.0, (m, k)).astype(float)
    return rng.normal(size=(m, k))


def _network(activation, output, rng, **options):
    net = Network(NetworkSpec((4, 6, 5, 3), activation, output, "float64", **options))
    net.initialize("glorot_normal", rng)
    # Move gamma and beta away from 1 and 0 so that their gradients are exercised.
    net.params += rng.normal(scale=0.1, size=net.params.shape)
    net.start_epoch(base_seed=11, epoch=2)
    return net


@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_backprop_matches_finite_differences_with_batch_norm_and_dropout(activation, output):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(9, 4))
    Y = _targets(output, rng, 9, 3)
    net = _network(activation, output, rng, batch_norm=True, dropout=[0.3, 0.2])
    # Within an epoch the dropout masks are fixed, so the loss is a function of params.
    assert check_gradient(net, X, Y) < 1e-6
    assert check_gradient(net, X, Y, sample_weight=rng.uniform(0, 2, 9), l2=0.3) < 1e-6


def test_batch_norm_normalizes_with_weighted_statistics_in_training():
    rng = np.random.RandomState(1)
    n = 5
    gamma, beta = rng.uniform(0.5, 2, n), rng.normal(size=n)
    norm = BatchNorm(gamma, beta, np.zeros(n), np.zeros(n), np.zeros(n), np.ones(n), momentum=0.9)
    Z = rng.normal(loc=3, scale=2, size=(40, n))
    weights = rng.uniform(0, 1, 40)
    weights /= weights.sum()
    out = norm.forward(Z.copy(), training=True, batch=Batch(weights, None, 0))
    mean = np.average(Z, axis=0, weights=weights)
    var = np.average((Z - mean) ** 2, axis=0, weights=weights)
    np.testing.assert_allclose(out, gamma * (Z - mean) / np.sqrt(var + BatchNorm.epsilon) + beta)
    np.testing.assert_allclose(norm.running_mean, 0.1 * mean)
    np.testing.assert_allclose(norm.running_var, 0.9 + 0.1 * var)


def test_integer_weights_in_batch_norm_equal_repeated_rows():
    rng = np.random.RandomState(2)
    n = 3
    Z = rng.normal(size=(6, n))
    counts = np.array([1, 3, 0, 2, 1, 1])

    def normalize(rows, weights):
        norm = BatchNorm(np.ones(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),
                         np.ones(n), momentum=0.0)
        norm.forward(rows, training=True, batch=Batch(weights / weights.sum(), None, 0))
        return norm.running_mean, norm.running_var

    weighted = normalize(Z.copy(), counts.astype(float))
    repeated = normalize(np.repeat(Z, counts, axis=0), np.ones(counts.sum()))
    np.testing.assert_allclose(weighted, repeated)


def test_batch_norm_prediction_uses_running_statistics_and_changes_nothing():
    n = 4
    norm = BatchNorm(np.full(n, 2.0), np.full(n, 1.0), np.zeros(n), np.zeros(n),
                     np.full(n, 3.0), np.full(n, 4.0), momentum=0.9)
    Z = np.arange(8.0).reshape(2, n)
    out = norm.forward(Z.copy(), training=False)  # works in place on its input
    np.testing.assert_allclose(out, 2 * (Z - 3) / np.sqrt(4 + BatchNorm.epsilon) + 1)
    np.testing.assert_array_equal(norm.running_mean, 3.0)
    np.testing.assert_array_equal(norm.running_var, 4.0)


def test_dropout_masks_in_training_and_passes_through_in_prediction():
    layer = Dropout(0.5, layer_index=0)
    A = np.ones((200, 50))
    keys = np.arange(200, dtype=np.uint64)
    out = layer.forward(A, training=True, batch=Batch(np.full(200, 1 / 200), keys, 7))
    assert set(np.unique(out)) == {0.0, 2.0}
    assert 0.4 < (out == 0).mean() < 0.6
    assert layer.forward(A, training=False) is A
    dA = np.ones_like(A)
    np.testing.assert_array_equal(layer.backward(dA), out)  # gradient flows through kept units


def test_dropout_layers_and_epochs_draw_different_masks():
    rng = np.random.RandomState(3)
    X = rng.normal(size=(50, 4))
    net = Network(NetworkSpec((4, 30, 30, 2), "relu", "softmax", "float64", dropout=[0.5, 0.5]))
    net.initialize("he_uniform", rng)

    def masks(epoch):
        net.start_epoch(base_seed=1, epoch=epoch)
        net.forward(X, training=True)
        return [layer._mask for layer in net.layers if isinstance(layer, Dropout)]

    first, second = masks(0)
    assert not np.array_equal(first != 0, second != 0)
    assert not np.array_equal(masks(1)[0] != 0, first != 0)
    assert np.array_equal(masks(0)[0], first)


def test_the_dropout_factor_scales_each_layers_rate_and_1_restores_the_spec_rates():
    net = Network(NetworkSpec((4, 6, 6, 5, 2), "relu", "softmax", "float64", dropout=[0.5, 0.0, 0.2]))
    rates = lambda: [(layer.layer_index, layer.rate) for layer in net.layers if isinstance(layer, Dropout)]  # noqa: E731
    assert rates() == [(0, 0.5), (2, 0.2)]
    net.set_dropout_factor(0.5)
    assert rates() == [(0, 0.25), (2, 0.1)] and net.spec.dropout == (0.5, 0.0, 0.2)
    net.set_dropout_factor(1.0)
    assert rates() == [(0, 0.5), (2, 0.2)]


def test_network_with_batch_norm_keeps_gamma_beta_in_the_flat_vector_and_pickles():
    rng = np.random.RandomState(4)
    net = Network(NetworkSpec((3, 4, 2), "tanh", "softmax", "float64", batch_norm=True, dropout=[0.1]))
    net.initialize("glorot_uniform", rng)
    norm = net.layers[1]
    assert isinstance(norm, BatchNorm)
    assert np.shares_memory(norm.gamma, net.params) and np.shares_memory(norm.beta, net.params)
    assert np.shares_memory(norm.running_mean, net.state)
    assert net.n_params == 3 * 4 + 4 * 2 + 4 + 2 + 2 * 4
    np.testing.assert_array_equal(norm.gamma, 1.0)
    np.testing.assert_array_equal(norm.running_var, 1.0)
    X = rng.normal(size=(10, 3))
    net.forward(X, training=True)  # moves the running statistics
    clone = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(clone.state, net.state)
    np.testing.assert_array_equal(clone.predict(X), net.predict(X))
    assert np.shares_memory(clone.layers[1].running_mean, clone.state)
