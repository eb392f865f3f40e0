"""EnsembleNetwork: gradients by finite differences, buffers, evaluation, the spec's checks."""

import numpy as np
import pytest

from skdeep.nn.activations import ACTIVATIONS
from skdeep.nn.ensemble import EnsembleNetwork, EnsembleSpec
from skdeep.utils import numerical_gradient

OUTPUTS = {"softmax": 3, "logistic": 2, "identity": 2}


def _problem(output, n_rows=9, n_inputs=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, n_inputs))
    n_out = OUTPUTS[output]
    if output == "softmax":
        Y = np.eye(n_out)[rng.randint(n_out, size=n_rows)]
    elif output == "logistic":
        Y = rng.randint(2, size=(n_rows, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n_rows, n_out))
    weights = rng.uniform(0.5, 2, n_rows)
    return X, Y, weights / weights.sum()


def _network(output, activation="relu", dropout=0.0, scale_factor=2.0, hidden=(5, 6), members=3, seed=0):
    spec = EnsembleSpec((4, *hidden, OUTPUTS[output]), members, activation, output, "float64",
                        dropout=dropout, scale_factor=scale_factor)
    network = EnsembleNetwork(spec)
    rng = np.random.RandomState(seed)
    network.initialize(rng)
    network.params += rng.normal(0, 0.1, network.params.shape)  # non-zero biases, scale away from 1
    return network



@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) - {"identity"}))
def test_the_gradient_matches_finite_differences(output, activation):
    network = _network(output, activation)
    X, Y, weights = _problem(output)

    def loss():
        return network.loss_and_gradient(X, Y, weights, 0.01)

    loss()
    analytic = network.grad.copy()
    np.testing.assert_allclose(analytic, numerical_gradient(loss, network.params), atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("hidden", [(5,), (5, 6, 3)])
def test_the_gradient_with_dropout_matches_finite_differences_for_fixed_masks(hidden):
    network = _network("softmax", "elu", dropout=0.4, hidden=hidden)
    X, Y, weights = _problem("softmax")

    def loss():
        network.start_epoch(7, 2)  # the same masks at every evaluation
        return network.loss_and_gradient(X, Y, weights, 0.0)

    loss()
    analytic = network.grad.copy()
    np.testing.assert_allclose(analytic, numerical_gradient(loss, network.params), atol=1e-7, rtol=1e-5)


def test_without_dropout_the_training_loss_is_the_prediction_loss():
    network = _network("logistic", "gelu")
    X, Y, weights = _problem("logistic")
    assert network.loss_and_gradient(X, Y, weights, 0.0) == pytest.approx(network.evaluate(X, Y, weights, 0.0)[1])


def test_dropout_drops_about_its_rate_and_keeps_the_expected_activation():
    network = _network("identity", dropout=0.25, members=2, hidden=(64,))
    network.start_epoch(0, 0)
    mask = network._keep_mask((2, 500, 64), 0.25, 0)
    assert abs((mask == 0).mean() - 0.25) < 0.01
    assert mask.mean() == pytest.approx(1.0, abs=0.02)


def test_the_dropout_factor_scales_the_training_rate_and_1_restores_the_spec_rate():
    network = _network("logistic", dropout=0.4)
    X, Y, weights = _problem("logistic")
    network.set_dropout_factor(0.5)
    assert network.dropout_rate == 0.2 and network.spec.dropout == 0.4
    network.set_dropout_factor(0.0)  # no dropout: training is prediction
    assert network.loss_and_gradient(X, Y, weights, 0.0) == pytest.approx(network.evaluate(X, Y, weights, 0.0)[1])
    network.set_dropout_factor(1.0)
    assert network.dropout_rate == 0.4


def test_a_smaller_last_batch_does_not_disturb_the_full_batches():
    network = _network("softmax")
    X, Y, weights = _problem("softmax", n_rows=9)
    full = network.loss_and_gradient(X, Y, weights, 0.0), network.grad.copy()
    small_weights = weights[:4] / weights[:4].sum()
    network.loss_and_gradient(X[:4], Y[:4], small_weights, 0.0)
    again = network.loss_and_gradient(X, Y, weights, 0.0), network.grad.copy()
    assert full[0] == again[0]
    np.testing.assert_array_equal(full[1], again[1])


def test_predictions_never_share_memory_with_training_buffers():
    network = _network("identity")
    X, Y, weights = _problem("identity")
    before = network.predict(X)
    kept = before.copy()
    network.loss_and_gradient(X, Y, weights, 0.0)
    network.loss_and_gradient(X[::-1].copy(), Y, weights, 0.0)
    np.testing.assert_array_equal(before, kept)
    np.testing.assert_array_equal(network.predict(X), kept)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_evaluate_gives_the_prediction_and_the_members_mean_loss_of_one_pass(output, monkeypatch):
    network = _network(output, "tanh")
    X, Y, weights = _problem(output, n_rows=11)
    monkeypatch.setattr("skdeep.nn.ensemble.INFERENCE_ROWS", 4)  # several chunks, the last one short
    predictions, loss = network.evaluate(X, Y, weights, 0.1)
    np.testing.assert_array_equal(predictions, network.predict(X))
    # The mean of the members' losses, each computed alone on its own logits.
    members = network.member_predictions(X)
    penalty = 0.05 * float(network.params[: network.n_weights] @ network.params[: network.n_weights])
    if output == "identity":
        per_member = [0.5 * weights @ ((P - Y) ** 2).mean(axis=1) for P in members]
    elif output == "softmax":
        per_member = [-(weights @ (Y * np.log(P)).sum(axis=1)) for P in members]
    else:
        per_member = [-(weights @ (Y * np.log(P) + (1 - Y) * np.log1p(-P)).sum(axis=1)) for P in members]
    assert loss == pytest.approx(np.mean(per_member) + penalty, rel=1e-10)


def _member_weights(n_rows, members, seed=1):
    """Weights of shape (n_rows, members): each member skips a few rows, each column sums to one."""
    rng = np.random.RandomState(seed)
    weights = rng.uniform(0.5, 2, (n_rows, members)) * (rng.uniform(size=(n_rows, members)) > 0.3)
    weights[0] = 0  # a row no member weighs
    weights[1, 0] = 1.0  # and every member some row
    return weights / weights.sum(axis=0)


def _owners(network):
    """The member each parameter belongs to (-1 for the shared input scale)."""
    k, n1 = network.spec.n_members, network.layer_sizes[1]
    owners = EnsembleNetwork(network.spec)
    owners.params[...] = -1
    for member in range(k):
        owners.coefs[0][:, member * n1 : (member + 1) * n1] = member
        owners.intercepts[0][member * n1 : (member + 1) * n1] = member
        for array in (*owners.coefs[1:], *owners.intercepts[1:]):
            array[member] = member
    return owners.params.astype(int)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_per_member_weights_give_a_gradient_that_matches_finite_differences(output):
    network = _network(output, "gelu")
    X, Y, _ = _problem(output)
    weights = _member_weights(len(X), 3)

    def loss():
        return network.loss_and_gradient(X, Y, weights, 0.01)

    loss()
    analytic = network.grad.copy()
    np.testing.assert_allclose(analytic, numerical_gradient(loss, network.params), atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_per_member_weights_give_each_member_the_gradient_of_its_own_weights(output):
    network = _network(output, "relu", hidden=(5, 6))
    X, Y, _ = _problem(output)
    weights = _member_weights(len(X), 3)
    loss = network.loss_and_gradient(X, Y, weights, 0.0)
    per_member = network.grad.copy()
    owners = _owners(network)
    assert set(owners) == {-1, 0, 1, 2}
    for member in range(3):
        # With the same 1-D weights for every member, member j's parameters get the gradient
        # they get when j alone is weighed by them.
        network.loss_and_gradient(X, Y, weights[:, member], 0.0)
        mine = owners == member
        np.testing.assert_allclose(per_member[mine], network.grad[mine], rtol=1e-12, atol=1e-15)
    # The loss is the members' mean, each under its own weights.
    members = network.member_predictions(X)
    if output == "identity":
        losses = [0.5 * weights[:, j] @ ((members[j] - Y) ** 2).mean(axis=1) for j in range(3)]
    elif output == "softmax":
        losses = [-(weights[:, j] @ (Y * np.log(members[j])).sum(axis=1)) for j in range(3)]
    else:
        losses = [-(weights[:, j] @ (Y * np.log(members[j]) + (1 - Y) * np.log1p(-members[j])).sum(axis=1))
                  for j in range(3)]
    assert loss == pytest.approx(np.mean(losses), rel=1e-10)


def test_equal_per_member_weights_are_the_shared_weights():
    network = _network("softmax")
    X, Y, weights = _problem("softmax")
    shared = network.loss_and_gradient(X, Y, weights, 0.01), network.grad.copy()
    per_member = network.loss_and_gradient(X, Y, np.repeat(weights[:, None], 3, axis=1), 0.01)
    assert per_member == shared[0]
    np.testing.assert_array_equal(network.grad, shared[1])


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_evaluate_with_per_member_weights_predicts_each_row_by_the_members_that_weigh_it(output, monkeypatch):
    network = _network(output, "tanh")
    X, Y, _ = _problem(output, n_rows=11)
    weights = _member_weights(len(X), 3)
    monkeypatch.setattr("skdeep.nn.ensemble.INFERENCE_ROWS", 4)  # several chunks, the last one short
    predictions, loss = network.evaluate(X, Y, weights, 0.0)
    members = network.member_predictions(X)
    for row in range(len(X)):
        weighing = weights[row] > 0 if weights[row].any() else np.ones(3, dtype=bool)
        np.testing.assert_allclose(predictions[row], members[weighing, row].mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(predictions[0], members[:, 0].mean(axis=0))  # row 0: no member weighs it
    assert not np.allclose(predictions, members.mean(axis=0))
    # The loss is the members' mean, each on the rows it weighs: the training loss without dropout.
    assert loss == pytest.approx(network.loss_and_gradient(X, Y, weights, 0.0), rel=1e-12)
    shared = network.evaluate(X, Y, weights.mean(axis=1), 0.0)
    assert loss != pytest.approx(shared[1], rel=1e-6)


def test_evaluate_keeps_nothing_between_calls():
    network = _network("softmax")
    X, Y, weights = _problem("softmax")
    before, _ = network.evaluate(X, Y, weights, 0.0)
    network.params[0] += 1.0  # new weights: the next prediction is computed anew
    after = network.predict(X)
    assert not np.allclose(before, after)
    np.testing.assert_array_equal(network.evaluate(X, Y, weights, 0.0)[0], after)


def test_with_spec_shares_the_parameters_and_refuses_another_layout():
    network = _network("softmax", "relu")
    X, _, _ = _problem("softmax")
    tanh = network.with_spec(EnsembleSpec(network.spec.layer_sizes, 3, "tanh", "softmax", "float64",
                                          scale_factor=2.0))
    assert tanh.params is network.params
    assert not np.allclose(tanh.predict(X), network.predict(X))
    with pytest.raises(ValueError, match="Cannot carry parameters"):
        network.with_spec(EnsembleSpec((4, 5, 3), 3, "relu", "softmax", "float64", scale_factor=2.0))


@pytest.mark.parametrize("bad, match", [
    (dict(layer_sizes=(4, 3)), "at least three"),
    (dict(n_members=0), "n_members"),
    (dict(hidden_activation="swish"), "unknown hidden activation"),
    (dict(output_activation="exp"), "unknown output activation"),
    (dict(dtype="float16"), "dtype"),
    (dict(dropout=1.0), "dropout"),
    (dict(scale_factor=-1.0), "scale_factor"),
])
def test_an_invalid_spec_is_refused_naming_the_field(bad, match):
    fields = dict(layer_sizes=(4, 5, 3), n_members=2, hidden_activation="relu", output_activation="softmax",
                  dtype="float32")
    with pytest.raises(ValueError, match=match):
        EnsembleSpec(**{**fields, **bad})


def test_the_parameter_count_cannot_overflow():
    spec = EnsembleSpec((2**32, 2**32, 1), 1, "relu", "identity", "float32")
    assert spec.n_params == 2**64 + 2**32 + 2**32 + 1


def test_pickling_keeps_the_architecture_and_parameters_only():
    import pickle

    network = _network("softmax", "gelu", dropout=0.2)
    X, Y, weights = _problem("softmax")
    network.loss_and_gradient(X, Y, weights, 0.0)  # leaves buffers behind
    copy = pickle.loads(pickle.dumps(network))
    assert copy.spec == network.spec and copy._buffers == {}
    np.testing.assert_array_equal(copy.predict(X), network.predict(X))
    state = network.__getstate__()
    state["params"] = state["params"][:-1]
    with pytest.raises(ValueError, match="do not fit"):
        copy.__setstate__(state)
