"""Tests for skdeep/_optimizers.py: flat-vector steps against scikit-learn's list-of-arrays optimizers."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skdeep.train.optimizers import SGD, Adam, AdamW, Nadam, RMSprop, make_optimizer

# Parameter shapes of a small network, as scikit-learn holds them: coefs then intercepts.
SHAPES = [(3, 4), (4, 2), (4,), (2,)]
N_STEPS = 6


def _split(flat):
    """Copies of ``flat`` cut into arrays of ``SHAPES``."""
    arrays, start = [], 0
    for shape in SHAPES:
        size = int(np.prod(shape))
        arrays.append(flat[start : start + size].reshape(shape).copy())
        start += size
    return arrays


def _join(arrays):
    return np.concatenate([array.ravel() for array in arrays])


def _problem(seed=0):
    rng = np.random.RandomState(seed)
    n = sum(int(np.prod(shape)) for shape in SHAPES)
    return rng.normal(size=n), [rng.normal(size=n) for _ in range(N_STEPS)]


def _run_both(ours, theirs, params, grads):
    """Step our optimizer on the flat vector and scikit-learn's on the split copies.

    ``step`` may use the gradient as its workspace, so ours gets a copy.
    """
    their_params = _split(params)
    for grad in grads:
        ours.step(params, grad.copy())
        theirs.update_params(their_params, _split(grad))
        np.testing.assert_allclose(params, _join(their_params), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_sgd_steps_equal_scikit_learn_sgd_optimizer(nesterov):
    params, grads = _problem()
    start = params.copy()
    ours = SGD(params, 0.05, "constant", momentum=0.9, nesterov=nesterov, power_t=0.5)
    theirs = SGDOptimizer(_split(params), 0.05, "constant", momentum=0.9, nesterov=nesterov, power_t=0.5)
    _run_both(ours, theirs, params, grads)
    assert not np.allclose(params, start)


def test_nesterov_and_plain_momentum_take_different_steps():
    params, grads = _problem()
    plain, nesterov = params.copy(), params.copy()
    plain_sgd = SGD(plain, 0.1, "constant", 0.9, False, 0.5)
    nesterov_sgd = SGD(nesterov, 0.1, "constant", 0.9, True, 0.5)
    plain_sgd.step(plain, grads[0].copy())
    nesterov_sgd.step(nesterov, grads[0].copy())
    # From rest, momentum moves by -lr g and Nesterov looks ahead to -(1 + momentum) lr g.
    np.testing.assert_allclose(plain, params - 0.1 * grads[0], rtol=1e-15)
    np.testing.assert_allclose(nesterov, params - 1.9 * 0.1 * grads[0], rtol=1e-14)


def test_sgd_without_momentum_is_params_minus_rate_times_gradient():
    params, grads = _problem()
    expected = params - 0.1 * grads[0]
    SGD(params, 0.1, "constant", 0.0, False, 0.5).step(params, grads[0].copy())
    np.testing.assert_allclose(params, expected, rtol=1e-15)


def test_adam_steps_equal_scikit_learn_adam_optimizer():
    params, grads = _problem()
    ours = Adam(params, 0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-7)
    theirs = AdamOptimizer(_split(params), 0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-7)
    _run_both(ours, theirs, params, grads)
    assert ours.t == theirs.t == N_STEPS


def test_optimizers_keep_float32_parameters_in_float32():
    params, grads = _problem()
    for optimizer_class, arguments in [
        (SGD, (0.1, "constant", 0.9, True, 0.5)),
        (Adam, (0.01, 0.9, 0.999, 1e-8)),
        (RMSprop, (0.01, 0.9, 1e-8)),
        (Nadam, (0.01, 0.9, 0.999, 1e-8)),
    ]:
        params32 = params.astype(np.float32)
        optimizer = optimizer_class(params32, *arguments)
        optimizer.step(params32, grads[0].astype(np.float32))
        assert params32.dtype == np.float32
        assert not np.allclose(params32, params.astype(np.float32))


@pytest.mark.parametrize("samples_seen", [0, 1, 200, 12345])
def test_invscaling_rate_is_initial_rate_over_samples_seen_plus_one_to_the_power_t(samples_seen):
    params, _ = _problem()
    ours = SGD(params, 0.1, "invscaling", 0.9, True, power_t=0.25)
    theirs = SGDOptimizer(_split(params), 0.1, "invscaling", 0.9, True, power_t=0.25)
    ours.epoch_ended(samples_seen)
    theirs.iteration_ends(samples_seen)
    assert ours.learning_rate == pytest.approx(0.1 / (samples_seen + 1) ** 0.25, rel=1e-15)
    assert ours.learning_rate == pytest.approx(theirs.learning_rate, rel=1e-15)


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_other_schedules_keep_the_rate_at_the_end_of_an_epoch(schedule):
    optimizer = SGD(np.zeros(3), 0.1, schedule, 0.9, True, 0.5)
    optimizer.epoch_ended(1000)
    assert optimizer.learning_rate == 0.1


def test_adaptive_schedule_divides_the_rate_by_5_until_it_falls_below_1e_6():
    ours = SGD(np.zeros(3), 0.1, "adaptive", 0.9, True, 0.5)
    theirs = SGDOptimizer([np.zeros(3)], 0.1, "adaptive", 0.9, True, 0.5)
    messages, rates = [], [ours.learning_rate]
    while not ours.should_stop("No improvement.", messages.append):
        assert not theirs.trigger_stopping("No improvement.", verbose=False)
        assert ours.learning_rate == pytest.approx(rates[-1] / 5, rel=1e-15)
        assert ours.learning_rate == pytest.approx(theirs.learning_rate, rel=1e-15)
        rates.append(ours.learning_rate)
        assert len(rates) < 20
    assert theirs.trigger_stopping("No improvement.", verbose=False)
    # 0.1 / 5**8 = 2.56e-7 is the first rate at or below 1e-6.
    assert len(rates) == 9
    assert rates[-2] > 1e-6 >= rates[-1]
    assert messages[0] == "No improvement. Setting learning rate to 0.020000"
    assert messages[-1] == "No improvement. Learning rate too small. Stopping."


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_non_adaptive_sgd_stops_at_once_and_keeps_its_rate(schedule):
    optimizer = SGD(np.zeros(3), 0.1, schedule, 0.9, True, 0.5)
    messages = []
    assert optimizer.should_stop("No improvement.", messages.append) is True
    assert messages == ["No improvement. Stopping."]
    assert optimizer.learning_rate == 0.1


@pytest.mark.parametrize("optimizer_class", [Adam, Nadam])
def test_adam_family_should_stop_returns_true(optimizer_class):
    optimizer = optimizer_class(np.zeros(3), 0.001, 0.9, 0.999, 1e-8)
    messages = []
    assert optimizer.should_stop("No improvement.", messages.append) is True
    assert messages == ["No improvement. Stopping."]


def test_rmsprop_steps_follow_the_running_rms_formula():
    params, grads = _problem()
    expected, v = params.copy(), np.zeros_like(params)
    optimizer = RMSprop(params, 0.01, rho=0.9, epsilon=1e-8)
    for grad in grads:
        v = 0.9 * v + 0.1 * grad**2
        expected = expected - 0.01 * grad / (np.sqrt(v) + 1e-8)
        optimizer.step(params, grad.copy())
        np.testing.assert_allclose(params, expected, rtol=1e-12)
    assert optimizer.should_stop("No improvement.", lambda message: None) is True


def test_adamw_decays_only_the_weight_prefix_then_takes_the_adam_step():
    params, grads = _problem()
    n_decayed = 20  # the weights of SHAPES; the 6 biases follow
    reference = params.copy()
    reference_adam = AdamOptimizer(_split(reference), 0.01, 0.9, 0.999, 1e-8)
    optimizer = AdamW(params, 0.01, 0.9, 0.999, 1e-8, weight_decay=0.5, n_decayed=n_decayed)
    for grad in grads:
        reference[:n_decayed] -= 0.01 * 0.5 * reference[:n_decayed]
        reference_arrays = _split(reference)
        reference_adam.update_params(reference_arrays, _split(grad))
        reference = _join(reference_arrays)
        optimizer.step(params, grad.copy())
        np.testing.assert_allclose(params, reference, rtol=1e-12)


def test_adamw_without_weight_decay_is_adam():
    params, grads = _problem()
    adam_params = params.copy()
    adamw = AdamW(params, 0.01, 0.9, 0.999, 1e-8, weight_decay=0.0, n_decayed=20)
    adam = Adam(adam_params, 0.01, 0.9, 0.999, 1e-8)
    for grad in grads:
        adamw.step(params, grad.copy())
        adam.step(adam_params, grad.copy())
    np.testing.assert_array_equal(params, adam_params)


def test_nadam_steps_follow_dozats_lookahead_formula():
    params, grads = _problem()
    lr, beta_1, beta_2, epsilon = 0.01, 0.9, 0.999, 1e-8
    expected, m, v = params.copy(), np.zeros_like(params), np.zeros_like(params)
    optimizer = Nadam(params, lr, beta_1, beta_2, epsilon)
    for t, grad in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad**2
        m_hat = beta_1 * m / (1 - beta_1 ** (t + 1)) + (1 - beta_1) * grad / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + epsilon)
        optimizer.step(params, grad.copy())
        np.testing.assert_allclose(params, expected, rtol=1e-12)


def _hyperparameters(**overrides):
    values = dict(
        learning_rate_init=0.01, learning_rate="invscaling", momentum=0.8, nesterovs_momentum=False,
        power_t=0.3, beta_1=0.85, beta_2=0.99, epsilon=1e-7, rho=0.95, weight_decay=0.02,
    )
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    "solver, optimizer_class",
    [("sgd", SGD), ("adam", Adam), ("rmsprop", RMSprop), ("adamw", AdamW), ("nadam", Nadam)],
)
def test_make_optimizer_builds_the_named_solver_from_the_estimator_hyperparameters(solver, optimizer_class):
    optimizer = make_optimizer(solver, np.zeros(26), _hyperparameters(), n_weights=20)
    assert type(optimizer) is optimizer_class
    assert optimizer.learning_rate == 0.01
    if solver == "sgd":
        assert (optimizer.schedule, optimizer.momentum, optimizer.nesterov, optimizer.power_t) == (
            "invscaling", 0.8, False, 0.3)
    elif solver == "rmsprop":
        assert (optimizer.rho, optimizer.epsilon) == (0.95, 1e-7)
    else:
        assert (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon) == (0.85, 0.99, 1e-7)
    if solver == "adamw":
        assert (optimizer.weight_decay, optimizer.n_decayed) == (0.02, 20)
