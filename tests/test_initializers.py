"""Tests for skdeep/_initializers.py: variances, shapes, dtypes and the defaults."""

import numpy as np
import pytest

from skdeep.nn.activations import ACTIVATIONS
from skdeep.nn.initializers import (
    DEFAULT_INITIALIZER,
    INITIALIZERS,
    initialize_weights,
    layer_initializers,
)

# Different fan_in and fan_out, so that the three schemes have different variances.
FAN_IN, FAN_OUT = 300, 900
EXPECTED_VARIANCE = {
    "glorot": 2 / (FAN_IN + FAN_OUT),
    "he": 2 / FAN_IN,
    "lecun": 1 / FAN_IN,
}


def test_initializers_are_the_three_schemes_in_both_distributions():
    assert set(INITIALIZERS) == {
        f"{scheme}_{distribution}"
        for scheme in ("glorot", "he", "lecun")
        for distribution in ("uniform", "normal")
    }


@pytest.mark.parametrize("name", INITIALIZERS)
def test_weights_have_the_scheme_variance_and_zero_mean(name):
    W = initialize_weights(name, FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    variance = EXPECTED_VARIANCE[name.split("_")[0]]
    # 270,000 draws: the sample variance has a relative standard error under 0.3%.
    assert W.var() == pytest.approx(variance, rel=0.02)
    assert abs(W.mean()) < 5 * np.sqrt(variance / W.size)


@pytest.mark.parametrize("name", INITIALIZERS)
def test_uniform_is_bounded_at_sqrt_3_std_and_normal_has_gaussian_tails(name):
    W = initialize_weights(name, FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    std = np.sqrt(EXPECTED_VARIANCE[name.split("_")[0]])
    if name.endswith("_uniform"):
        bound = np.sqrt(3) * std
        assert np.abs(W).max() <= bound
        assert np.abs(W).max() > 0.999 * bound
    else:
        # A normal has about 0.27% of its mass beyond 3 std; a uniform of that variance none.
        assert np.mean(np.abs(W) > 3 * std) == pytest.approx(0.0027, rel=0.2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", INITIALIZERS)
def test_weights_have_shape_fan_in_by_fan_out_and_the_requested_dtype(name, dtype):
    W = initialize_weights(name, 7, 3, np.random.RandomState(0), dtype)
    assert W.shape == (7, 3)
    assert W.dtype == dtype


@pytest.mark.parametrize("name", INITIALIZERS)
def test_same_random_state_seed_draws_the_same_weights(name):
    first = initialize_weights(name, 20, 10, np.random.RandomState(42), np.float64)
    second = initialize_weights(name, 20, 10, np.random.RandomState(42), np.float64)
    other = initialize_weights(name, 20, 10, np.random.RandomState(43), np.float64)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_float32_weights_are_the_float64_draw_rounded():
    W64 = initialize_weights("he_normal", 20, 10, np.random.RandomState(0), np.float64)
    W32 = initialize_weights("he_normal", 20, 10, np.random.RandomState(0), np.float32)
    np.testing.assert_array_equal(W32, W64.astype(np.float32))


def test_default_initializer_covers_every_activation_with_a_known_initializer():
    assert set(DEFAULT_INITIALIZER) == set(ACTIVATIONS)
    assert set(DEFAULT_INITIALIZER.values()) <= set(INITIALIZERS)


@pytest.mark.parametrize(
    "activation, scheme",
    [("tanh", "glorot"), ("logistic", "glorot"), ("relu", "he"), ("leaky_relu", "he"), ("selu", "lecun")],
)
def test_default_initializer_follows_the_activation_family(activation, scheme):
    assert DEFAULT_INITIALIZER[activation].split("_")[0] == scheme


def test_explicit_init_applies_to_every_layer():
    assert layer_initializers("he_normal", "tanh", 3) == ["he_normal"] * 3


def test_auto_init_gives_relu_family_a_lecun_first_layer_then_he():
    assert layer_initializers("auto", "relu", 3) == ["lecun_uniform", "he_uniform", "he_uniform"]


@pytest.mark.parametrize("activation", ["tanh", "selu"])
def test_auto_init_uses_the_activation_default_on_every_layer_outside_the_relu_family(activation):
    assert layer_initializers("auto", activation, 3) == [DEFAULT_INITIALIZER[activation]] * 3


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mlp_init_draws_weights_and_biases_exactly_as_mlpclassifier(activation, dtype):
    from sklearn.neural_network import MLPClassifier

    from skdeep.nn.network import Network
    from skdeep.nn.spec import NetworkSpec

    sizes = (7, 5, 4, 3)
    network = Network(NetworkSpec(sizes, activation, "softmax", np.dtype(dtype).name))
    network.initialize("mlp", np.random.RandomState(42))
    mlp = MLPClassifier(activation=activation)
    mlp._random_state = np.random.RandomState(42)
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        W, b = mlp._init_coef(fan_in, fan_out, dtype)
        np.testing.assert_array_equal(network.coefs[index], W)
        np.testing.assert_array_equal(network.intercepts[index], b)
        assert network.coefs[index].dtype == dtype
    bound = np.sqrt((2.0 if activation == "logistic" else 6.0) / (7 + 5))
    assert np.abs(network.coefs[0]).max() <= bound and np.abs(network.intercepts[0]).max() <= bound
