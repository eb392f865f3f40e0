"""Tests for skdeep/train/optimizers.py: flat-vector steps against scikit-learn's
list-of-arrays optimizers, the registry and factory, and state save/restore."""

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skdeep import DeepNetClassifier
from skdeep.train.config import TrainConfig
from skdeep.train.optimizers import OPTIMIZERS, SGD, Adam, AdamW, Nadam, RMSprop, make_optimizer
from skdeep.train.schedules import InvScaling

# Parameter shapes of a small network, as scikit-learn holds them: coefs then intercepts.
SHAPES = [(3, 4), (4, 2), (4,), (2,)]
N_WEIGHTS = 20  # the coefficients of SHAPES; the 6 intercepts follow
N_STEPS = 6
SOLVERS = sorted(OPTIMIZERS)


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


def _problem(seed=0, n_steps=N_STEPS):
    rng = np.random.RandomState(seed)
    n = sum(int(np.prod(shape)) for shape in SHAPES)
    return rng.normal(size=n), [rng.normal(size=n) for _ in range(n_steps)]


def _run_both(ours, theirs, params, grads, learning_rate):
    """Step our optimizer on the flat vector and scikit-learn's on the split copies.

    ``step`` may use the gradient as its workspace, so ours gets a copy.
    """
    their_params = _split(params)
    for grad in grads:
        ours.step(params, grad.copy(), learning_rate)
        theirs.update_params(their_params, _split(grad))
        np.testing.assert_allclose(params, _join(their_params), rtol=1e-12, atol=1e-15)


def _estimator_hyperparameters(**overrides):
    """Values for every optimizer hyperparameter, none of them the default."""
    values = dict(momentum=0.8, nesterovs_momentum=False, beta_1=0.85, beta_2=0.99, epsilon=1e-7,
                  rho=0.95, weight_decay=0.02)
    values.update(overrides)
    return values


def _build(solver, params, **overrides):
    return make_optimizer(solver, params, _estimator_hyperparameters(**overrides), N_WEIGHTS)


# --- the rules, step by step --------------------------------------------------------------------

@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_sgd_steps_equal_scikit_learn_sgd_optimizer(nesterov):
    params, grads = _problem()
    start = params.copy()
    ours = SGD(params, momentum=0.9, nesterovs_momentum=nesterov)
    theirs = SGDOptimizer(_split(params), 0.05, "constant", momentum=0.9, nesterov=nesterov, power_t=0.5)
    _run_both(ours, theirs, params, grads, 0.05)
    assert not np.allclose(params, start)
    assert ours.t == N_STEPS


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_sgd_at_invscaling_rates_equals_scikit_learn_epoch_by_epoch(nesterov):
    """The trainer's composition: the schedule's rate for each epoch, handed to every step."""
    batches_per_epoch, batch_size, n_epochs = 3, 7, 4
    params, grads = _problem(n_steps=batches_per_epoch * n_epochs)
    their_params = _split(params)
    schedule = InvScaling(0.2, power_t=0.3)
    ours = SGD(params, momentum=0.9, nesterovs_momentum=nesterov)
    theirs = SGDOptimizer(their_params, 0.2, "invscaling", momentum=0.9, nesterov=nesterov, power_t=0.3)
    samples_seen, rates = 0, []
    for epoch in range(n_epochs):
        rate = schedule.rate(epoch, samples_seen)
        assert rate == theirs.learning_rate
        rates.append(rate)
        for grad in grads[epoch * batches_per_epoch : (epoch + 1) * batches_per_epoch]:
            ours.step(params, grad.copy(), rate)
            theirs.update_params(their_params, _split(grad))
            samples_seen += batch_size
            np.testing.assert_allclose(params, _join(their_params), rtol=1e-12, atol=1e-15)
        theirs.iteration_ends(samples_seen)
    assert len(set(rates)) == n_epochs  # the rate did change every epoch


def test_nesterov_and_plain_momentum_take_different_steps():
    params, grads = _problem()
    plain, nesterov = params.copy(), params.copy()
    SGD(plain, momentum=0.9, nesterovs_momentum=False).step(plain, grads[0].copy(), 0.1)
    SGD(nesterov, momentum=0.9, nesterovs_momentum=True).step(nesterov, grads[0].copy(), 0.1)
    # From rest, momentum moves by -lr g and Nesterov looks ahead to -(1 + momentum) lr g.
    np.testing.assert_allclose(plain, params - 0.1 * grads[0], rtol=1e-15)
    np.testing.assert_allclose(nesterov, params - 1.9 * 0.1 * grads[0], rtol=1e-14)


def test_sgd_without_momentum_is_params_minus_rate_times_gradient():
    params, grads = _problem()
    expected = params - 0.1 * grads[0]
    SGD(params, momentum=0.0, nesterovs_momentum=False).step(params, grads[0].copy(), 0.1)
    np.testing.assert_allclose(params, expected, rtol=1e-15)


def test_adam_steps_equal_scikit_learn_adam_optimizer():
    params, grads = _problem()
    ours = Adam(params, beta_1=0.8, beta_2=0.95, epsilon=1e-7)
    theirs = AdamOptimizer(_split(params), 0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-7)
    _run_both(ours, theirs, params, grads, 0.01)
    assert ours.t == theirs.t == N_STEPS


def test_rmsprop_steps_follow_the_running_rms_formula():
    params, grads = _problem()
    expected, v = params.copy(), np.zeros_like(params)
    optimizer = RMSprop(params, rho=0.9, epsilon=1e-8)
    for grad in grads:
        v = 0.9 * v + 0.1 * grad**2
        expected = expected - 0.01 * grad / (np.sqrt(v) + 1e-8)
        optimizer.step(params, grad.copy(), 0.01)
        np.testing.assert_allclose(params, expected, rtol=1e-12)


def test_adamw_decays_only_the_weight_prefix_then_takes_the_adam_step():
    params, grads = _problem()
    reference = params.copy()
    reference_adam = AdamOptimizer(_split(reference), 0.01, 0.9, 0.999, 1e-8)
    optimizer = AdamW(params, 0.9, 0.999, 1e-8, weight_decay=0.5, n_decayed=N_WEIGHTS)
    for grad in grads:
        reference[:N_WEIGHTS] -= 0.01 * 0.5 * reference[:N_WEIGHTS]
        reference_arrays = _split(reference)
        reference_adam.update_params(reference_arrays, _split(grad))
        reference = _join(reference_arrays)
        optimizer.step(params, grad.copy(), 0.01)
        np.testing.assert_allclose(params, reference, rtol=1e-12)


def test_adamw_without_weight_decay_is_adam():
    params, grads = _problem()
    adam_params = params.copy()
    adamw = AdamW(params, 0.9, 0.999, 1e-8, weight_decay=0.0, n_decayed=N_WEIGHTS)
    adam = Adam(adam_params, 0.9, 0.999, 1e-8)
    for grad in grads:
        adamw.step(params, grad.copy(), 0.01)
        adam.step(adam_params, grad.copy(), 0.01)
    np.testing.assert_array_equal(params, adam_params)


def test_nadam_steps_follow_dozats_lookahead_formula():
    params, grads = _problem()
    lr, beta_1, beta_2, epsilon = 0.01, 0.9, 0.999, 1e-8
    expected, m, v = params.copy(), np.zeros_like(params), np.zeros_like(params)
    optimizer = Nadam(params, beta_1, beta_2, epsilon)
    for t, grad in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad**2
        m_hat = beta_1 * m / (1 - beta_1 ** (t + 1)) + (1 - beta_1) * grad / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + epsilon)
        optimizer.step(params, grad.copy(), lr)
        np.testing.assert_allclose(params, expected, rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_step_moves_the_parameters_in_proportion_to_the_learning_rate_it_is_given(solver):
    """Optimizers own no rate: the same first step at rates r and 3r moves 3 times as far."""
    start, grads = _problem()
    moved = []
    for rate in (0.01, 0.03):
        params = start.copy()
        _build(solver, params).step(params, grads[0].copy(), rate)
        moved.append(params - start)
    assert np.abs(moved[0]).min() > 0
    np.testing.assert_allclose(moved[1], 3 * moved[0], rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_optimizers_keep_float32_parameters_and_state_in_float32(solver):
    start, grads = _problem()
    params32 = start.astype(np.float32)
    optimizer = _build(solver, params32)
    optimizer.step(params32, grads[0].astype(np.float32), np.float64(0.01))
    assert params32.dtype == np.float32
    assert not np.allclose(params32, start.astype(np.float32))
    assert all(getattr(optimizer, name).dtype == np.float32 for name in type(optimizer).STATE_ARRAYS)


# --- registry and factory -----------------------------------------------------------------------

def test_the_registry_holds_the_five_stochastic_solvers():
    assert OPTIMIZERS == {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adamw": AdamW, "nadam": Nadam}


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_optimizer_hyperparameter_is_an_estimator_parameter_and_a_config_field(solver):
    hyperparameters = OPTIMIZERS[solver].HYPERPARAMETERS
    assert hyperparameters
    assert set(hyperparameters) <= set(DeepNetClassifier().get_params())
    assert set(hyperparameters) <= set(TrainConfig.__dataclass_fields__)


@pytest.mark.parametrize("solver", SOLVERS)
def test_make_optimizer_builds_the_named_solver_from_the_estimator_hyperparameters(solver):
    # Extra keys (the rest of get_params()) are ignored.
    values = {**DeepNetClassifier().get_params(), **_estimator_hyperparameters()}
    optimizer = make_optimizer(solver, np.zeros(26), values, n_weights=N_WEIGHTS)
    assert type(optimizer) is OPTIMIZERS[solver]
    assert optimizer.t == 0
    if solver == "sgd":
        assert (optimizer.momentum, optimizer.nesterov) == (0.8, False)
    elif solver == "rmsprop":
        assert (optimizer.rho, optimizer.epsilon) == (0.95, 1e-7)
    else:
        assert (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon) == (0.85, 0.99, 1e-7)
    if solver == "adamw":
        assert (optimizer.weight_decay, optimizer.n_decayed) == (0.02, N_WEIGHTS)


def test_make_optimizer_reads_the_hyperparameters_from_a_train_config():
    config = TrainConfig(solver="sgd", momentum=0.5, nesterovs_momentum=False)
    optimizer = make_optimizer(config.solver, np.zeros(26), {**config.__dict__}, N_WEIGHTS)
    assert (type(optimizer), optimizer.momentum, optimizer.nesterov) == (SGD, 0.5, False)


@pytest.mark.parametrize("solver", ["bogus", "lbfgs", "Adam", "", None])
def test_make_optimizer_refuses_an_unknown_solver_instead_of_falling_back(solver):
    with pytest.raises(ValueError, match="Unknown solver"):
        make_optimizer(solver, np.zeros(26), _estimator_hyperparameters(), N_WEIGHTS)


@pytest.mark.parametrize("solver", SOLVERS)
def test_make_optimizer_needs_every_hyperparameter_of_the_solver(solver):
    for missing in OPTIMIZERS[solver].HYPERPARAMETERS:
        values = _estimator_hyperparameters()
        del values[missing]
        with pytest.raises(KeyError):
            make_optimizer(solver, np.zeros(26), values, N_WEIGHTS)


# --- state_dict / load_state_dict ---------------------------------------------------------------

@pytest.mark.parametrize("solver", SOLVERS)
def test_state_dict_names_the_step_count_and_every_state_array(solver):
    params, grads = _problem()
    optimizer = _build(solver, params)
    for grad in grads[:2]:
        optimizer.step(params, grad.copy(), 0.01)
    state = optimizer.state_dict()
    assert set(state) == {"t", *OPTIMIZERS[solver].STATE_ARRAYS}
    assert state["t"] == 2
    for name in OPTIMIZERS[solver].STATE_ARRAYS:
        np.testing.assert_array_equal(state[name], getattr(optimizer, name))
        assert not np.shares_memory(state[name], getattr(optimizer, name))


@pytest.mark.parametrize("solver", SOLVERS)
def test_state_dict_without_copy_hands_over_the_optimizers_own_arrays(solver):
    """For the trainer, which is done with the optimizer: its state is not held twice."""
    params, grads = _problem()
    optimizer = _build(solver, params)
    optimizer.step(params, grads[0].copy(), 0.01)
    copied, handed_over = optimizer.state_dict(), optimizer.state_dict(copy=False)
    assert set(handed_over) == set(copied) and handed_over["t"] == copied["t"] == 1
    for name in OPTIMIZERS[solver].STATE_ARRAYS:
        assert handed_over[name] is getattr(optimizer, name)
        np.testing.assert_array_equal(handed_over[name], copied[name])


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_restored_optimizer_takes_bit_identical_steps(solver):
    params, grads = _problem(n_steps=8)
    original = _build(solver, params)
    for grad in grads[:4]:
        original.step(params, grad.copy(), 0.01)
    saved_state, saved_params = original.state_dict(), params.copy()
    restored_params, fresh_params = params.copy(), params.copy()
    restored = _build(solver, restored_params)
    fresh = _build(solver, fresh_params)
    # The original goes on after its state was taken: the saved state must not follow it.
    for grad in grads[4:]:
        original.step(params, grad.copy(), 0.01)
    restored.load_state_dict(saved_state)
    for grad in grads[4:]:
        restored.step(restored_params, grad.copy(), 0.01)
        fresh.step(fresh_params, grad.copy(), 0.01)
    np.testing.assert_array_equal(restored_params, params)
    assert restored.t == original.t == 8
    # Control: without the saved state the same steps end elsewhere.
    assert not np.array_equal(fresh_params, params)
    assert not np.array_equal(saved_params, params)


JUNK = ["missing array", "missing t", "extra key", "wrong shape", "wrong dtype", "NaN", "infinity",
        "negative t", "fractional t", "boolean t"]


def _junk_state(solver, junk):
    """A state that does not fit a ``solver`` optimizer for _problem(), in the way ``junk`` says."""
    params, grads = _problem()
    optimizer = _build(solver, params)
    optimizer.step(params, grads[0].copy(), 0.01)
    good = optimizer.state_dict()
    name = OPTIMIZERS[solver].STATE_ARRAYS[0]
    array = good[name]
    with_nan = array.copy()
    with_nan[3] = np.nan
    states = {
        "missing array": {key: value for key, value in good.items() if key != name},
        "missing t": {key: value for key, value in good.items() if key != "t"},
        "extra key": {**good, "extra": array},
        "wrong shape": {**good, name: array[:-1]},
        "wrong dtype": {**good, name: array.astype(np.float32)},
        "NaN": {**good, name: with_nan},
        "infinity": {**good, name: np.full_like(array, np.inf)},
        "negative t": {**good, "t": -1},
        "fractional t": {**good, "t": 1.5},
        "boolean t": {**good, "t": True},
    }
    return states[junk]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("junk", JUNK)
def test_load_state_dict_refuses_a_state_that_does_not_fit_and_keeps_its_own(solver, junk):
    state = _junk_state(solver, junk)
    params, grads = _problem()
    optimizer = _build(solver, params)
    for grad in grads[:3]:
        optimizer.step(params, grad.copy(), 0.01)
    before = optimizer.state_dict()
    with pytest.raises(ValueError):
        optimizer.load_state_dict(state)
    after = optimizer.state_dict()
    assert after["t"] == before["t"] == 3
    for name in OPTIMIZERS[solver].STATE_ARRAYS:
        np.testing.assert_array_equal(after[name], before[name])


@pytest.mark.parametrize("solver", SOLVERS)
def test_load_state_dict_refuses_the_state_of_another_solver(solver):
    params = np.zeros(26)
    others = [other for other in SOLVERS
              if set(OPTIMIZERS[other].STATE_ARRAYS) != set(OPTIMIZERS[solver].STATE_ARRAYS)]
    assert others
    for other in others:
        with pytest.raises(ValueError):
            _build(solver, params).load_state_dict(_build(other, params).state_dict())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flush_subnormals_zeroes_exactly_the_subnormal_moments(dtype):
    from skdeep.train.optimizers import AdamW

    tiny = np.finfo(dtype).tiny
    optimizer = AdamW(np.zeros(6, dtype=dtype))
    values = np.array([tiny / 4, -tiny / 2, tiny, -tiny, 0.5, 0.0], dtype=dtype)
    optimizer.first_moment[...] = values
    optimizer.second_moment[...] = np.abs(values)
    optimizer.flush_subnormals()
    expected = np.array([0, 0, tiny, -tiny, 0.5, 0], dtype=dtype)
    np.testing.assert_array_equal(optimizer.first_moment, expected)
    np.testing.assert_array_equal(optimizer.second_moment, np.abs(expected))
