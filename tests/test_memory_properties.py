"""The properties the speed work relies on: no per-batch allocation growth, no
more memory in an optimizer step than the optimizer declares, a memory guard
whose estimate holds for every solver, no buffers kept after fit.

Measured with tracemalloc, which sees NumPy's allocations; no test is timed.
"""

import tracemalloc
import warnings

import numpy as np
import pytest

from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skdeep import DeepNetClassifier
from skdeep.nn.network import Network
from skdeep.nn.spec import NetworkSpec
from skdeep.train.memory import training_memory
from skdeep.train.optimizers import OPTIMIZERS, SGD, Nadam, make_optimizer

# Every registered optimizer, and SGD also down its plain-momentum and no-momentum paths.
OPTIMIZER_CASES = [(solver, {}) for solver in sorted(OPTIMIZERS)] + [
    ("sgd", {"nesterovs_momentum": False}),
    ("sgd", {"momentum": 0.0, "nesterovs_momentum": False}),
]


def _peak_allocation(function):
    """Largest amount of memory allocated at once while ``function`` runs, in bytes."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _declared_vectors(optimizer_class):
    """Parameter-sized arrays an optimizer declares: those it keeps and those a step needs."""
    return len(optimizer_class.STATE_ARRAYS) + optimizer_class.STEP_TEMPORARIES


@pytest.mark.parametrize("solver, options", OPTIMIZER_CASES,
                         ids=[solver + "".join(f"-{k}={v}" for k, v in options.items())
                              for solver, options in OPTIMIZER_CASES])
def test_an_optimizer_step_needs_exactly_the_memory_the_optimizer_declares(solver, options):
    params = np.random.RandomState(0).normal(size=1_000_000)
    grad = np.ones_like(params)
    hyperparameters = {**DeepNetClassifier().get_params(), **options}
    tracemalloc.start()
    try:
        optimizer = make_optimizer(solver, params, hyperparameters, n_weights=len(params) // 2)
        optimizer.step(params, grad, 1e-3)  # anything allocated on first use is allocated now
        kept = tracemalloc.get_traced_memory()[0]
        grad[...] = 1.0
        tracemalloc.reset_peak()
        optimizer.step(params, grad, 1e-3)
        peak = tracemalloc.get_traced_memory()[1]  # what it keeps plus what the step allocated
    finally:
        tracemalloc.stop()
    declared = type(optimizer)
    n_state, slack = len(declared.STATE_ARRAYS), params.nbytes / 10
    declared_bytes = _declared_vectors(declared) * params.nbytes
    # It keeps its state arrays (and any buffer it counts as a temporary), and they are
    # the state it gives away.
    assert n_state * params.nbytes <= kept < declared_bytes + slack
    state_arrays = [value for value in optimizer.state_dict().values()
                    if isinstance(value, np.ndarray) and value.shape == params.shape]
    assert len(state_arrays) == n_state
    # At its peak a step needs what the class declares: no more (the guard would be wrong)
    # and no less (the guard would refuse fits that fit).
    assert declared_bytes <= peak < declared_bytes + slack


def test_the_memory_estimate_reads_each_optimizers_declaration(monkeypatch):
    spec = NetworkSpec((20, 300, 300, 3), "relu", "softmax", "float64")
    vector = 8 * spec.n_params
    estimate = {solver: training_memory(spec, 64, solver) for solver in OPTIMIZERS}
    # Nadam keeps two moments where SGD keeps one velocity; neither needs temporaries.
    assert estimate["nadam"] - estimate["sgd"] == vector
    assert estimate["nadam"] == estimate["adam"] == estimate["adamw"]
    assert estimate["rmsprop"] == estimate["sgd"]
    # A continued fit also holds what it would roll back to: the weights, the last call's
    # best weights and its optimizer state.
    assert training_memory(spec, 64, "nadam", continuing=True) == estimate["nadam"] + 4 * vector
    assert training_memory(spec, 64, "sgd", continuing=True) == estimate["sgd"] + 3 * vector
    # The estimate follows the declaration, and without a solver budgets the largest one.
    monkeypatch.setattr(Nadam, "STEP_TEMPORARIES", 2)
    assert training_memory(spec, 64, "nadam") == estimate["nadam"] + 2 * vector
    assert training_memory(spec, 64) == training_memory(spec, 64, "nadam")
    monkeypatch.setattr(SGD, "STATE_ARRAYS", ("velocity", "a", "b", "c"))
    assert training_memory(spec, 64, "sgd") == estimate["sgd"] + 3 * vector
    assert training_memory(spec, 64) == training_memory(spec, 64, "sgd")


@pytest.mark.parametrize("solver", [None, "", "Adam", "bogus"])
def test_the_memory_estimate_refuses_an_unknown_solver(solver):
    spec = NetworkSpec((4, 3, 2), "relu", "softmax", "float64")
    if solver is None:
        assert training_memory(spec, 8, solver) > 0
    else:
        with pytest.raises(ValueError, match="Unknown solver"):
            training_memory(spec, 8, solver)


# A network of a quarter of a million parameters on a few narrow rows: the parameter-sized
# vectors dominate a fit's memory, as they do where the guard matters.
_WIDE = (500, 500)


def _wide_problem():
    rng = np.random.RandomState(0)
    return rng.normal(size=(40, 50)), rng.randint(0, 2, 40)


@pytest.mark.parametrize("solver", [*sorted(OPTIMIZERS), "lbfgs"])
@pytest.mark.parametrize("continuing", [False, True], ids=["fit", "warm-start"])
def test_the_memory_estimate_bounds_a_fits_measured_peak(solver, continuing):
    """The guard's figure holds for every solver, with early stopping's best-weight copies."""
    X, y = _wide_problem()
    clf = DeepNetClassifier(hidden_layer_sizes=_WIDE, solver=solver, batch_size=10, max_iter=2,
                            early_stopping=solver != "lbfgs", validation_fraction=0.25,
                            n_iter_no_change=10, warm_start=continuing, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs do not converge
        # A tiny fit first: what the first fit in a process imports and caches is not training memory.
        clone(clf).set_params(hidden_layer_sizes=(2,)).fit(X, y)
        tracemalloc.start()
        try:
            if continuing:
                clf.fit(X, y)
                tracemalloc.reset_peak()  # from here the peak counts what the first fit left too
            clf.fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    network = clf._network
    batch_size = X.shape[0] if solver == "lbfgs" else 10
    estimate = training_memory(network.spec, batch_size, solver, continuing)
    # Slack for what the guard leaves out: the data's copies and Python's own objects.
    assert peak < estimate + network.params.nbytes / 20
    # And the estimate is not far above the truth.
    assert estimate < peak + 3 * network.params.nbytes


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
