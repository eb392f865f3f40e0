"""Tests for skdeep/_losses.py: losses from logits against scikit-learn's losses from probabilities."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp
from scipy.special import softmax as scipy_softmax
from sklearn.metrics import log_loss as metrics_log_loss
import sklearn
from sklearn.neural_network import _base
from sklearn.utils.fixes import parse_version

from skdeep.nn.losses import OUTPUTS, softmax

# The reference losses take sample weights, and include Poisson, from scikit-learn 1.7.
requires_sklearn_1_7 = pytest.mark.skipif(
    parse_version(sklearn.__version__) < parse_version("1.7"),
    reason="scikit-learn's reference losses take sample weights only from 1.7",
)

M, K = 12, 4


def _targets(output, rng, shape=(M, K)):
    """Targets in each output's encoding."""
    if output == "softmax":
        return np.eye(shape[1])[rng.randint(shape[1], size=shape[0])]
    if output == "logistic":
        return rng.randint(2, size=shape).astype(float)
    if output == "identity":
        return rng.normal(size=shape)
    return rng.poisson(2.0, size=shape).astype(float)  # exp: counts, zeros included


def _reference_loss(output, Z, Y, sample_weight):
    """scikit-learn's MLP loss, computed from the probabilities or predictions."""
    if output == "softmax":
        return _base.log_loss(Y, scipy_softmax(Z, axis=1), sample_weight)
    if output == "logistic":
        return _base.binary_log_loss(Y, expit(Z), sample_weight)
    if output == "identity":
        return _base.squared_loss(Y, Z, sample_weight)
    return _base.poisson_loss(Y, np.exp(Z), sample_weight)


def _loss_and_dZ(output, Z, Y, weights):
    loss_function = OUTPUTS[output][0]
    dZ = Z.copy()
    loss = loss_function(dZ, Y, weights)
    return loss, dZ


def _problem(output, weighted, seed=0):
    rng = np.random.RandomState(seed)
    Z = rng.normal(scale=2.0, size=(M, K))
    Y = _targets(output, rng)
    sample_weight = rng.uniform(0.1, 3.0, size=M) if weighted else np.ones(M)
    return Z, Y, sample_weight


@requires_sklearn_1_7
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_loss_from_logits_equals_scikit_learn_loss_from_probabilities(output, weighted):
    Z, Y, sample_weight = _problem(output, weighted)
    loss, _ = _loss_and_dZ(output, Z, Y, sample_weight / sample_weight.sum())
    expected = _reference_loss(output, Z, Y, sample_weight if weighted else None)
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_softmax_log_loss_equals_sklearn_metrics_log_loss(weighted):
    Z, Y, sample_weight = _problem("softmax", weighted)
    loss, _ = _loss_and_dZ("softmax", Z, Y, sample_weight / sample_weight.sum())
    expected = metrics_log_loss(Y.argmax(axis=1), scipy_softmax(Z, axis=1), labels=range(K),
                                sample_weight=sample_weight)
    assert loss == pytest.approx(expected, rel=1e-12)


def test_binary_log_loss_of_one_column_equals_the_two_class_log_loss():
    Z, Y, _ = _problem("logistic", weighted=False)
    z, y = Z[:, :1], Y[:, :1]
    loss, _ = _loss_and_dZ("logistic", z, y, np.full(M, 1.0 / M))
    assert loss == pytest.approx(_base.log_loss(y, expit(z)), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_returned_dz_is_the_finite_difference_gradient_of_the_loss(output, weighted):
    Z, Y, sample_weight = _problem(output, weighted)
    weights = sample_weight / sample_weight.sum()
    _, dZ = _loss_and_dZ(output, Z, Y, weights)
    h = 1e-6
    numeric = np.empty_like(Z)
    for index in np.ndindex(Z.shape):
        step = np.zeros_like(Z)
        step[index] = h
        plus, _ = _loss_and_dZ(output, Z + step, Y, weights)
        minus, _ = _loss_and_dZ(output, Z - step, Y, weights)
        numeric[index] = (plus - minus) / (2 * h)
    np.testing.assert_allclose(dZ, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_dz_is_prediction_minus_target_times_weight(output):
    Z, Y, sample_weight = _problem(output, weighted=True)
    weights = sample_weight / sample_weight.sum()
    _, dZ = _loss_and_dZ(output, Z, Y, weights)
    expected = (OUTPUTS[output][1](Z) - Y) * weights[:, None]
    if output == "identity":
        expected /= K  # the squared error is averaged over the outputs
    np.testing.assert_allclose(dZ, expected, rtol=1e-12, atol=1e-15)


# Logits of +-1000: probabilities round to exactly 0 and 1, so log(p) would be -inf.
EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, -1000.0], [0.0, -1000.0, 1000.0]])


@pytest.mark.parametrize("output", ["softmax", "logistic", "identity"])
def test_extreme_logits_give_finite_loss_and_gradient(output):
    Y = np.eye(3)[[1, 0, 2]]  # softmax: wrong, wrong and right class, losses 2000, 2000 and 0
    weights = np.full(3, 1 / 3)
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        loss, dZ = _loss_and_dZ(output, EXTREME, Y, weights)
    assert np.isfinite(loss) and np.isfinite(dZ).all()
    if output == "softmax":
        expected = np.mean(logsumexp(EXTREME, axis=1) - (Y * EXTREME).sum(axis=1))
        assert loss == pytest.approx(expected, rel=1e-12)
        assert loss == pytest.approx(4000 / 3, rel=1e-12)
    if output == "logistic":
        # Per entry: 1000 for a confident miss, 0 for a confident hit, log 2 at z = 0.
        assert loss == pytest.approx((4000 + 2 * np.log(2)) / 3, rel=1e-12)
    prediction = {"softmax": scipy_softmax(EXTREME, axis=1), "logistic": expit(EXTREME), "identity": EXTREME / 3}
    target = Y / 3 if output == "identity" else Y  # squared error: averaged over the 3 outputs
    np.testing.assert_allclose(dZ, (prediction[output] - target) / 3, rtol=1e-12, atol=1e-300)


def test_poisson_loss_is_finite_for_very_negative_logits():
    # exp(+1000) overflows by nature (it is the prediction); exp(-1000) must not break the loss.
    Z = np.full((2, 2), -1000.0)
    Y = np.array([[0.0, 3.0], [1.0, 0.0]])
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        loss, dZ = _loss_and_dZ("exp", Z, Y, np.full(2, 0.5))
    # Per sample, sum_k e^z - y z + y log y - y with e^z = 0: 3000 + 3 log 3 - 3 and 1000 - 1.
    assert loss == pytest.approx((3000 + 3 * np.log(3) - 3 + 1000 - 1) / 2, rel=1e-12)
    np.testing.assert_allclose(dZ, -Y * 0.5)


@requires_sklearn_1_7
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_losses_keep_float32_logits_in_float32(output):
    Z, Y, _ = _problem(output, weighted=False)
    dZ = Z.astype(np.float32)
    loss = OUTPUTS[output][0](dZ, Y.astype(np.float32), np.full(M, 1.0 / M, dtype=np.float32))
    assert dZ.dtype == np.float32
    assert loss == pytest.approx(_reference_loss(output, Z, Y, None), rel=1e-5)


def test_softmax_rows_sum_to_one_and_equal_the_normalized_exponential():
    Z = np.random.RandomState(0).normal(scale=3.0, size=(M, K))
    P = softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(P, np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), rtol=1e-13)


def test_softmax_of_extreme_logits_is_finite_and_leaves_its_input_alone():
    Z = EXTREME.copy()
    with np.errstate(over="raise", invalid="raise"):
        P = softmax(Z)
    np.testing.assert_array_equal(Z, EXTREME)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(P, scipy_softmax(EXTREME, axis=1), rtol=1e-15)


@pytest.mark.parametrize(
    "output, reference",
    [("logistic", lambda z: 1 / (1 + np.exp(-z))), ("identity", lambda z: z), ("exp", np.exp)],
)
def test_output_functions_map_logits_to_predictions(output, reference):
    Z = np.random.RandomState(0).normal(size=(M, K))
    np.testing.assert_allclose(OUTPUTS[output][1](Z), reference(Z), rtol=1e-14)
