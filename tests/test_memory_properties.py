"""The properties the speed work relies on: no per-batch allocation growth, no
parameter-sized temporaries in an optimizer step, no buffers kept after fit.

Measured with tracemalloc, which sees NumPy's allocations; no test is timed.
"""

import tracemalloc

import numpy as np
import pytest

from skdeep import DeepNetClassifier
from skdeep.nn.network import Network
from skdeep.nn.spec import NetworkSpec
from skdeep.train.optimizers import SGD, Adam


def _peak_allocation(function):
    """Largest amount of memory allocated at once while ``function`` runs, in bytes."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _at_rate(optimizer, learning_rate):
    """``optimizer`` whose ``step(params, grad)`` steps at ``learning_rate``."""
    step = optimizer.step
    optimizer.step = lambda params, grad: step(params, grad, learning_rate)
    return optimizer


@pytest.mark.parametrize("make_optimizer", [
    lambda params: _at_rate(Adam(params, 0.9, 0.999, 1e-8), 1e-3),
    lambda params: _at_rate(SGD(params, momentum=0.9, nesterovs_momentum=False), 0.1),
    lambda params: _at_rate(SGD(params, momentum=0.9, nesterovs_momentum=True), 0.1),
], ids=["adam", "sgd", "nesterov"])
def test_an_optimizer_step_allocates_nothing_the_size_of_the_parameters(make_optimizer):
    params = np.random.RandomState(0).normal(size=1_000_000)
    optimizer = make_optimizer(params)
    grad = np.ones_like(params)
    optimizer.step(params, grad)
    grad[...] = 1.0
    assert _peak_allocation(lambda: optimizer.step(params, grad)) < params.nbytes / 10


def test_training_batches_reuse_their_buffers():
    rng = np.random.RandomState(0)
    m, hidden = 256, 512
    net = Network(NetworkSpec((50, hidden, hidden, 10), "relu", "softmax", "float64"))
    net.initialize("he_uniform", rng)
    X = rng.normal(size=(m, 50))
    Y = np.eye(10)[rng.randint(0, 10, m)]
    weights = np.full(m, 1 / m)
    net.loss_and_gradient(X, Y, weights, 1e-4)  # first batch: buffers are allocated
    buffers = [id(layer._Z) for layer in net.layers if hasattr(layer, "_Z") and layer._Z is not None]
    one_activation = m * hidden * 8
    # Later batches of the same size allocate only small temporaries (masks, the loss).
    assert _peak_allocation(lambda: net.loss_and_gradient(X, Y, weights, 1e-4)) < one_activation / 2
    assert buffers == [id(layer._Z) for layer in net.layers
                       if hasattr(layer, "_Z") and layer._Z is not None]


def test_fit_keeps_no_training_buffers_afterwards():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(600, 20)), rng.randint(0, 3, 600)
    clf = DeepNetClassifier(hidden_layer_sizes=(64, 64), batch_norm=True, dropout=0.1,
                            max_iter=2).fit(X, y)
    for layer in clf._network.layers:
        cached = [value for name, value in vars(layer).items()
                  if name.startswith("_") and isinstance(value, np.ndarray)]
        assert cached == [], type(layer).__name__


def test_prediction_memory_is_bounded_by_the_output_not_the_hidden_layers():
    rng = np.random.RandomState(0)
    net = Network(NetworkSpec((20, 512, 512, 3), "relu", "softmax", "float64"))
    net.initialize("he_uniform", rng)
    X = rng.normal(size=(40_000, 20))
    one_hidden_layer = X.shape[0] * 512 * 8  # what an unchunked pass would allocate, twice
    peak = _peak_allocation(lambda: net.predict(X))
    assert peak < one_hidden_layer / 4


@pytest.mark.parametrize("n_rows", [1, 1024, 2500])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_chunked_prediction_equals_the_textbook_forward_pass(n_rows, batch_norm):
    rng = np.random.RandomState(1)
    net = Network(NetworkSpec((6, 9, 7, 4), "tanh", "softmax", "float32", batch_norm=batch_norm))
    net.initialize("glorot_uniform", rng)
    net.params += rng.normal(scale=0.1, size=net.params.shape).astype(np.float32)
    if batch_norm:
        net.state[...] = rng.uniform(0.5, 2, size=net.state.shape)
    X = rng.normal(size=(n_rows, 6))  # float64 rows into a float32 network
    A = X
    for index, (W, b) in enumerate(zip(net.coefs, net.intercepts, strict=True)):
        A = A @ W + b
        if index < len(net.coefs) - 1:
            if batch_norm:
                norm = net.layers[3 * index + 1]
                A = (A - norm.running_mean) / np.sqrt(norm.running_var + norm.epsilon)
                A = A * norm.gamma + norm.beta
            A = np.tanh(A)
    logits = net.forward(X)
    assert logits.dtype == np.float64  # as NumPy would promote float64 @ float32
    np.testing.assert_allclose(logits, A, rtol=1e-5, atol=1e-6)
