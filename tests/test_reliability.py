"""Failure behaviour: memory limits, concurrent predictions."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from skdeep import DeepNetClassifier, DeepNetRegressor
from skdeep.train import memory as _memory


def test_a_batch_that_cannot_fit_in_memory_is_refused_before_training(monkeypatch):
    X = np.random.RandomState(0).normal(size=(100, 5))
    y = np.arange(100) % 2
    clf = DeepNetClassifier(hidden_layer_sizes=(4096, 4096), batch_size=100, max_iter=1)
    monkeypatch.setattr(_memory, "available_memory", lambda: 10 * 2**20)  # 10 MiB free
    with pytest.raises(MemoryError, match=r"batch_size=100.*Lower batch_size"):
        clf.fit(X, y)
    monkeypatch.setattr(_memory, "available_memory", lambda: None)  # unknown: no refusal
    DeepNetClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X, y)


def test_the_memory_estimate_grows_with_batch_and_width():
    from skdeep.nn.network import Network
    from skdeep.nn.spec import NetworkSpec

    small = Network(NetworkSpec((10, 32, 2), "relu", "softmax", "float64"))
    wide = Network(NetworkSpec((10, 512, 2), "relu", "softmax", "float64"))
    assert _memory.training_memory(small, 256) < _memory.training_memory(small, 1024)
    assert _memory.training_memory(small, 256) < _memory.training_memory(wide, 256)
    # At least the parameters, their gradient and Adam's two moments.
    assert _memory.training_memory(wide, 1) >= 4 * wide.params.nbytes
    # The spec alone gives the same figure: the check runs before anything is allocated.
    assert _memory.training_memory(wide.spec, 256) == _memory.training_memory(wide, 256)
    assert wide.spec.n_params == wide.n_params


def test_the_memory_check_budgets_the_solver_the_estimator_trains_with(monkeypatch):
    estimates = []

    def recording_training_memory(spec, batch_size, solver=None, continuing=False):
        estimates.append((solver, continuing, estimate(spec, batch_size, solver, continuing)))
        return estimates[-1][2]

    estimate = _memory.training_memory
    monkeypatch.setattr(_memory, "training_memory", recording_training_memory)
    X, y = np.random.RandomState(0).normal(size=(60, 5)), np.arange(60) % 2
    for solver in ("sgd", "nadam", "lbfgs"):
        DeepNetClassifier(hidden_layer_sizes=(64,), solver=solver, max_iter=1).fit(X, y)
    DeepNetClassifier(hidden_layer_sizes=(64,), solver="nadam").partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert [(solver, continuing) for solver, continuing, _ in estimates] == [
        ("sgd", False), ("nadam", False), ("lbfgs", False), ("nadam", False), ("nadam", True)]
    sgd, nadam, lbfgs, first, continued = (needed for _, _, needed in estimates)
    assert sgd < nadam < continued and first == nadam and lbfgs > nadam


def test_the_memory_check_runs_before_the_network_is_allocated(monkeypatch):
    from skdeep.nn.network import Network

    built = []
    monkeypatch.setattr(Network, "__init__", lambda self, spec: built.append(spec))
    monkeypatch.setattr(_memory, "available_memory", lambda: 10 * 2**20)
    X, y = np.zeros((10, 5)), np.arange(10) % 2
    with pytest.raises(MemoryError, match="available"):
        DeepNetClassifier(hidden_layer_sizes=(60_000, 60_000)).fit(X, y)
    assert built == []


def test_available_memory_takes_the_cgroup_limit_into_account(monkeypatch, tmp_path):
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    limit.write_text("1073741824\n")
    usage.write_text("536870912\n")
    monkeypatch.setattr(_memory, "_CGROUP_V2", (str(limit), str(usage)))
    monkeypatch.setattr(_memory, "_CGROUP_V1", (str(tmp_path / "absent"), str(tmp_path / "absent")))
    monkeypatch.setattr(_memory, "_meminfo_available", lambda: 64 * 2**30)
    assert _memory.available_memory() == 512 * 2**20
    limit.write_text("max\n")  # no limit: the machine's available memory counts
    assert _memory.available_memory() == 64 * 2**30


def test_available_memory_reads_memavailable_not_memfree():
    import os

    if not os.path.exists("/proc/meminfo"):
        pytest.skip("no /proc/meminfo on this system")
    with open("/proc/meminfo") as meminfo:
        fields = dict(line.split(":", 1) for line in meminfo)
    expected = int(fields["MemAvailable"].split()[0]) * 1024
    # Within what other processes may allocate or free between the two reads.
    assert abs(_memory._meminfo_available() - expected) < 256 * 2**20


@pytest.mark.parametrize("Estimator, method", [
    (DeepNetClassifier, "predict_proba"), (DeepNetRegressor, "predict"),
])
def test_predictions_from_many_threads_equal_the_serial_ones(Estimator, method):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 10))
    y = (X[:, 0] > 0).astype(int) if Estimator is DeepNetClassifier else X[:, 0]
    model = Estimator(hidden_layer_sizes=(32, 32), batch_norm=True, max_iter=3,
                      random_state=0).fit(X, y)
    chunks = np.array_split(X, 24)
    serial = [getattr(model, method)(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            parallel = list(pool.map(getattr(model, method), chunks))
            for expected, got in zip(serial, parallel, strict=False):
                assert np.array_equal(expected, got)
