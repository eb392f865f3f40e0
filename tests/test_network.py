"""Tests for skdeep/_network.py: the flat parameter vector, backprop and pickling."""

import pickle

import numpy as np
import pytest

from skdeep.nn.activations import ACTIVATIONS
from skdeep.nn.initializers import DEFAULT_INITIALIZER
from skdeep.nn.losses import OUTPUTS
from skdeep.nn.network import Network
from skdeep.nn.spec import NetworkSpec
from skdeep.utils import check_gradient

LAYER_SIZES = (4, 6, 5, 3)
M = 7


def _network(activation="tanh", output="softmax", dtype=np.float64, seed=0, layer_sizes=LAYER_SIZES):
    network = Network(NetworkSpec(layer_sizes, activation, output, np.dtype(dtype).name))
    network.initialize(DEFAULT_INITIALIZER[activation], np.random.RandomState(seed))
    # Non-zero biases, so that a bias misplaced in the layout changes the output.
    for b in network.intercepts:
        b[...] = np.random.RandomState(seed + 1).normal(scale=0.1, size=b.shape)
    return network


def _data(output, n_outputs=LAYER_SIZES[-1], seed=0):
    """Inputs and targets in the output's encoding."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(M, LAYER_SIZES[0]))
    if output == "softmax":
        Y = np.eye(n_outputs)[rng.randint(n_outputs, size=M)]
    elif output == "logistic":
        Y = rng.randint(2, size=(M, n_outputs)).astype(float)
    elif output == "identity":
        Y = rng.normal(size=(M, n_outputs))
    else:
        Y = rng.poisson(1.5, size=(M, n_outputs)).astype(float)
    return X, Y


def _reference_forward(network, X):
    """Logits from copies of the coefficients, by the textbook loop."""
    activation = ACTIVATIONS[network.spec.hidden_activation].forward
    A = X
    for l, (W, b) in enumerate(zip(network.coefs, network.intercepts, strict=False)):
        Z = A @ W.copy() + b.copy()
        if l < len(network.coefs) - 1:
            activation(Z)
        A = Z
    return A


# ------------------------------------------------------------ the flat vector
def test_n_params_counts_every_weight_and_bias():
    network = Network(NetworkSpec(LAYER_SIZES, "relu", "softmax", "float64"))
    expected = sum(n_in * n_out + n_out for n_in, n_out in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=False))
    assert network.n_params == expected == network.params.size == network.grad.size
    assert network.n_weights == sum(n_in * n_out for n_in, n_out in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=False))


@pytest.mark.parametrize("vector", ["params", "grad"])
def test_flat_vector_is_one_contiguous_array_and_every_layer_is_a_view_into_it(vector):
    network = Network(NetworkSpec(LAYER_SIZES, "relu", "softmax", "float64"))
    flat = getattr(network, vector)
    assert flat.ndim == 1 and flat.flags.c_contiguous and flat.flags.owndata
    dense_layers = network.layers[::2]
    if vector == "params":
        views = [layer.W for layer in dense_layers] + [layer.b for layer in dense_layers]
        assert all(a is b for a, b in zip(views, network.coefs + network.intercepts, strict=False))
    else:
        views = [layer.dW for layer in dense_layers] + [layer.db for layer in dense_layers]
    for view in views:
        assert np.shares_memory(view, flat)
        assert view.base is flat
    flat[...] = np.arange(flat.size)  # writing the flat vector changes every view
    assert sum(float(view.sum()) for view in views) == pytest.approx(flat.sum())


@pytest.mark.parametrize("vector", ["params", "grad"])
def test_flat_layout_is_all_weights_row_major_then_all_biases(vector):
    network = Network(NetworkSpec(LAYER_SIZES, "relu", "softmax", "float64"))
    flat = getattr(network, vector)
    flat[...] = np.arange(flat.size)
    dense_layers = network.layers[::2]
    weights = [layer.W if vector == "params" else layer.dW for layer in dense_layers]
    biases = [layer.b if vector == "params" else layer.db for layer in dense_layers]
    start = 0
    for (n_in, n_out), W in zip(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=False), weights, strict=False):
        np.testing.assert_array_equal(W, np.arange(start, start + n_in * n_out).reshape(n_in, n_out))
        start += n_in * n_out
    assert start == network.n_weights
    for n_out, b in zip(LAYER_SIZES[1:], biases, strict=False):
        np.testing.assert_array_equal(b, np.arange(start, start + n_out))
        start += n_out
    assert start == flat.size


def test_writing_a_coefficient_view_writes_the_flat_vector():
    network = Network(NetworkSpec(LAYER_SIZES, "relu", "softmax", "float64"))
    network.coefs[1][2, 3] = 7.0
    network.intercepts[2][1] = -5.0
    offset_W = LAYER_SIZES[0] * LAYER_SIZES[1] + 2 * LAYER_SIZES[2] + 3
    offset_b = network.n_weights + LAYER_SIZES[1] + LAYER_SIZES[2] + 1
    assert network.params[offset_W] == 7.0 and network.params[offset_b] == -5.0
    assert np.count_nonzero(network.params) == 2


def test_hidden_layers_are_dense_then_activation_and_the_output_layer_is_dense_alone():
    network = Network(NetworkSpec(LAYER_SIZES, "gelu", "softmax", "float64"))
    kinds = [type(layer).__name__ for layer in network.layers]
    assert kinds == ["Dense", "ActivationLayer", "Dense", "ActivationLayer", "Dense"]
    assert all(layer.name == "gelu" for layer in network.layers[1::2])


def test_initialize_draws_weights_with_zero_biases_and_is_deterministic():
    first, second = (Network(NetworkSpec(LAYER_SIZES, "relu", "softmax", "float64")) for _ in range(2))
    first.params[...] = 1.0
    first.initialize("he_uniform", np.random.RandomState(3))
    second.initialize("he_uniform", np.random.RandomState(3))
    np.testing.assert_array_equal(first.params, second.params)
    assert np.all(first.params[first.n_weights :] == 0)
    assert np.all(first.params[: first.n_weights] != 0)


# --------------------------------------------------------------- the passes
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_forward_equals_the_textbook_loop_in_training_and_prediction(activation):
    network = _network(activation)
    X, _ = _data("softmax")
    expected = _reference_forward(network, X)
    np.testing.assert_allclose(network.forward(X, training=False), expected, rtol=1e-12)
    np.testing.assert_allclose(network.forward(X, training=True), expected, rtol=1e-12)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_predict_applies_the_output_function_to_the_logits(output):
    network = _network("relu", output)
    X, _ = _data(output)
    np.testing.assert_allclose(network.predict(X), OUTPUTS[output][1](_reference_forward(network, X)), rtol=1e-12)


def test_forward_and_backward_leave_the_input_and_targets_unchanged():
    network = _network("relu", "softmax")
    X, Y = _data("softmax")
    X_before, Y_before = X.copy(), Y.copy()
    network.predict(X)
    network.loss_and_gradient(X, Y, np.full(M, 1 / M), l2=0.1)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_loss_and_gradient_returns_the_penalized_loss_of_the_prediction(output):
    network = _network("tanh", output)
    X, Y = _data(output)
    weights = np.random.RandomState(5).uniform(0.5, 2, size=M)
    weights /= weights.sum()
    l2 = 0.3
    data_loss = OUTPUTS[output][0](_reference_forward(network, X), Y, weights)
    penalty = l2 / 2 * sum(float((W**2).sum()) for W in network.coefs)
    assert network.loss_and_gradient(X, Y, weights, l2) == pytest.approx(data_loss + penalty, rel=1e-12)
    assert network.evaluate(X, Y, weights, l2)[1] == pytest.approx(data_loss + penalty, rel=1e-12)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_evaluate_returns_the_prediction_and_the_loss_of_one_forward_pass(output, monkeypatch):
    network = _network("tanh", output)
    X, Y = _data(output)
    weights = np.full(M, 1 / M)
    passes = []
    forward = network.forward
    monkeypatch.setattr(network, "forward", lambda *args, **kw: passes.append(1) or forward(*args, **kw))
    predictions, loss = network.evaluate(X, Y, weights, 0.2)
    assert len(passes) == 1
    # The loss overwrites the logits with its gradient: the predictions must not be a view of them.
    np.testing.assert_array_equal(predictions, network.predict(X))
    logits = _reference_forward(network, X)
    penalty = 0.1 * sum(float((W**2).sum()) for W in network.coefs)
    assert loss == pytest.approx(OUTPUTS[output][0](logits, Y, weights) + penalty, rel=1e-12)


def test_l2_penalty_adds_l2_times_weights_to_the_weight_gradient_only():
    network = _network("tanh", "identity")
    X, Y = _data("identity")
    weights = np.full(M, 1 / M)
    network.loss_and_gradient(X, Y, weights, 0.0)
    plain = network.grad.copy()
    network.loss_and_gradient(X, Y, weights, 0.5)
    expected = plain.copy()
    expected[: network.n_weights] += 0.5 * network.params[: network.n_weights]
    np.testing.assert_allclose(network.grad, expected, rtol=1e-12)


# -------------------------------------------------------- the gradient check
def _targets_for(output, n_outputs, rng):
    if output == "softmax":
        return np.eye(n_outputs)[rng.randint(n_outputs, size=M)]  # one-hot
    if output == "logistic":
        return rng.randint(2, size=(M, n_outputs)).astype(float)  # 0/1, several columns
    if output == "identity":
        return rng.normal(size=(M, n_outputs))  # real values
    return rng.poisson(1.5, size=(M, n_outputs)).astype(float)  # non-negative counts


@pytest.mark.parametrize("weighted_l2", [False, True], ids=["plain", "sample_weight_and_l2"])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_backprop_gradient_matches_finite_differences(activation, output, weighted_l2):
    rng = np.random.RandomState(0)
    network = _network(activation, output, layer_sizes=(4, 5, 4, 3))
    X = rng.normal(size=(M, 4))
    Y = _targets_for(output, 3, rng)
    if weighted_l2:
        sample_weight, l2 = rng.uniform(0.2, 3.0, size=M), 0.1
    else:
        sample_weight, l2 = None, 0.0
    error = check_gradient(network, X, Y, sample_weight=sample_weight, l2=l2)
    assert error < 1e-6
    # A check that passes because the gradient is all zero would prove nothing.
    assert np.count_nonzero(network.grad) > network.n_params // 2


# ------------------------------------------------------------- pickling
def test_pickle_round_trip_keeps_views_into_the_flat_vectors_and_the_predictions():
    network = _network("gelu", "softmax")
    X, Y = _data("softmax")
    restored = pickle.loads(pickle.dumps(network))
    np.testing.assert_array_equal(restored.params, network.params)
    np.testing.assert_array_equal(restored.predict(X), network.predict(X))
    assert not np.shares_memory(restored.params, network.params)
    for W, b in zip(restored.coefs, restored.intercepts, strict=False):
        assert np.shares_memory(W, restored.params) and np.shares_memory(b, restored.params)
    for layer in restored.layers[::2]:
        assert layer.W.base is restored.params and layer.dW.base is restored.grad
    # The views are live: changing the flat vector changes the prediction.
    restored.params[restored.n_weights :] += 1.0
    assert not np.allclose(restored.predict(X), network.predict(X))


def test_unpickled_network_computes_the_same_gradient():
    network = _network("relu", "logistic")
    X, Y = _data("logistic")
    weights = np.full(M, 1 / M)
    restored = pickle.loads(pickle.dumps(network))
    assert restored.loss_and_gradient(X, Y, weights, 0.1) == network.loss_and_gradient(X, Y, weights, 0.1)
    np.testing.assert_array_equal(restored.grad, network.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pickle_round_trip_keeps_the_dtype(dtype):
    restored = pickle.loads(pickle.dumps(_network(dtype=dtype)))
    assert restored.dtype == dtype and restored.params.dtype == dtype and restored.grad.dtype == dtype


# ------------------------------------------------------------- float32
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_float32_network_computes_in_float32(output):
    network64 = _network("gelu", output)
    network32 = Network(NetworkSpec(LAYER_SIZES, "gelu", output, "float32"))
    network32.params[...] = network64.params
    X, Y = _data(output)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    weights32 = np.full(M, 1 / M, dtype=np.float32)

    assert network32.params.dtype == network32.grad.dtype == np.float32
    assert network32.forward(X32).dtype == np.float32
    assert network32.predict(X32).dtype == np.float32
    loss32 = network32.loss_and_gradient(X32, Y32, weights32, 0.1)
    assert network32.grad.dtype == np.float32
    # Every buffer the training pass left behind is float32 as well.
    for layer in network32.layers:
        for cached in vars(layer).values():
            if isinstance(cached, np.ndarray):
                assert cached.dtype == np.float32, type(layer).__name__
    loss64 = network64.loss_and_gradient(X, Y, np.full(M, 1 / M), 0.1)
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(network32.grad, network64.grad, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_inference_layers_fold_batch_norm_and_drop_dropout(activation):
    network = Network(NetworkSpec(LAYER_SIZES, activation, "softmax", "float64", batch_norm=True, dropout=[0.5, 0.3]))
    network.initialize(DEFAULT_INITIALIZER[activation], np.random.RandomState(0))
    # Trained-looking normalization: scales, shifts and running statistics away from 1 and 0.
    rng = np.random.RandomState(1)
    network.params[network.n_weights :] = rng.normal(size=network.n_params - network.n_weights)
    network.state[...] = np.abs(rng.normal(size=network.state.size)) + 0.1
    X = _data("softmax")[0]

    steps = network.inference_layers()
    A = X
    for W, b, activation_name in steps:
        A = A @ W + b
        if activation_name is not None:
            ACTIVATIONS[activation_name].forward(A)
    assert [step[2] for step in steps] == [activation, activation, None]
    assert [step[0].shape for step in steps] == network.weight_shapes
    np.testing.assert_allclose(A, network.forward(X), rtol=1e-12, atol=1e-12)


def test_with_spec_shares_the_flat_vectors_and_changes_only_what_the_spec_says():
    from dataclasses import replace

    network = Network(NetworkSpec((4, 6, 3), "relu", "softmax", "float64", batch_norm=True))
    network.initialize("he_uniform", np.random.RandomState(0))
    tanh = network.with_spec(replace(network.spec, hidden_activation="tanh"))
    assert tanh.params is network.params and tanh.state is network.state
    assert tanh.spec.hidden_activation == "tanh" and tanh.coefs[0].base is not None
    tanh.coefs[0][0, 0] = 42.0  # the views write into the one shared vector
    assert network.coefs[0][0, 0] == 42.0
    with pytest.raises(ValueError, match="layer sizes, batch_norm, dtype"):
        network.with_spec(replace(network.spec, layer_sizes=(4, 7, 3)))


# ------------------------------------------------------------- the spec
def test_a_network_is_built_from_a_spec_only():
    spec = NetworkSpec((4, 6, 3), "relu", "softmax", "float32", dropout=[0.2])
    network = Network(spec)
    assert network.spec is spec and network.dtype == np.float32
    assert network.layer_sizes == spec.layer_sizes and network.dropout == spec.dropout
    with pytest.raises(TypeError, match="takes a NetworkSpec"):
        Network((4, 6, 3))
    with pytest.raises(TypeError, match="takes a NetworkSpec"):
        Network(spec.to_dict())


@pytest.mark.parametrize("bad, match", [
    (dict(layer_sizes=(4,)), "at least two positive integers"),
    (dict(layer_sizes=(4, 0, 3)), "at least two positive integers"),
    (dict(layer_sizes=(4, True, 3)), "at least two positive integers"),
    (dict(hidden_activation="swish"), "unknown hidden activation"),
    (dict(hidden_activation=["relu"]), "unknown hidden activation"),
    (dict(output_activation="sigmoid"), "unknown output activation"),
    (dict(dtype="float16"), "dtype"),
    (dict(batch_norm=1), "batch_norm must be a bool"),
    (dict(batch_norm_momentum=1.0), "batch_norm_momentum"),
    (dict(batch_norm_momentum=float("nan")), "batch_norm_momentum"),
    (dict(dropout=(0.5,)), "dropout must be 2 rates"),
    (dict(dropout=(0.5, 1.0)), "dropout must be 2 rates"),
])
def test_an_invalid_spec_is_refused_naming_the_field(bad, match):
    fields = dict(layer_sizes=(4, 5, 6, 3), hidden_activation="relu", output_activation="softmax",
                  dtype="float64")
    with pytest.raises(ValueError, match=match):
        NetworkSpec(**{**fields, **bad})


def test_a_pickle_of_the_older_layout_still_loads():
    # Older versions pickled the fields one by one, the dtype as a NumPy type string.
    network = _network("relu", "softmax")
    older = {"layer_sizes": LAYER_SIZES, "hidden_activation": "relu", "output_activation": "softmax",
             "dtype": "<f8", "params": network.params.copy(), "state": network.state.copy()}
    restored = Network.__new__(Network)
    restored.__setstate__(older)
    assert restored.spec == network.spec
    X, _ = _data("softmax")
    np.testing.assert_array_equal(restored.predict(X), network.predict(X))
