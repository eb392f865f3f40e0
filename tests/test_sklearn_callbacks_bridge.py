"""scikit-learn's callbacks (ProgressBar, ScoringMonitor, ...) through SklearnCallbackBridge.

The estimator here is a stand-in that drives the bridge the way skdeep's
trainer does (on_fit_begin, on_epoch_end per epoch, on_fit_end in a finally),
with a real least-squares gradient-descent loop so that scores move per epoch.
"""

import importlib
import pickle
import re
import sys

import numpy as np
import pytest

pytest.importorskip(
    "sklearn.callback", reason="scikit-learn < 1.9 has no sklearn.callback to bridge to"
)

from joblib import parallel_backend  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone  # noqa: E402
from sklearn.callback import ProgressBar, ScoringMonitor  # noqa: E402
from sklearn.callback import _progressbar  # noqa: E402
from sklearn.datasets import make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.validation import check_is_fitted, validate_data  # noqa: E402

from skdeep.train import sklearn_callbacks  # noqa: E402
from skdeep.train.sklearn_callbacks import (  # noqa: E402
    SKLEARN_HAS_CALLBACKS,
    CallbackSupportMixin,
    SklearnCallbackBridge,
    with_callbacks,
)

# One bridge for every estimator, as a trainer holding a single hook would:
# it must keep concurrent fits apart.
BRIDGE = SklearnCallbackBridge()


class FakeNet(CallbackSupportMixin, RegressorMixin, BaseEstimator):
    """Linear regression trained by full-batch gradient descent, one step per epoch."""

    _parameter_constraints: dict = {}

    def __init__(self, max_iter=5, learning_rate=0.3, fail_at_epoch=None):
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.fail_at_epoch = fail_at_epoch

    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, y_numeric=True)
        self.coef_, self.intercept_, self.n_epochs_ = np.zeros(X.shape[1]), 0.0, 0
        return self._train(X, y, sample_weight, self.max_iter, incremental=False)

    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        first_call = not hasattr(self, "coef_")
        X, y = validate_data(self, X, y, y_numeric=True, reset=first_call)
        if first_call:
            self.coef_, self.intercept_, self.n_epochs_ = np.zeros(X.shape[1]), 0.0, 0
        return self._train(X, y, sample_weight, 1, incremental=True)

    def _train(self, X, y, sample_weight, max_epochs, incremental):
        info = {
            "max_epochs": max_epochs,
            "solver": "gd",
            "incremental": incremental,
            "X": X,
            "y": y,
            "sample_weight": sample_weight,
        }
        BRIDGE.on_fit_begin(self, info)
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        n_epochs, stopped_by = 0, None
        try:
            for _ in range(max_epochs):
                if self.fail_at_epoch == self.n_epochs_ + 1:
                    raise RuntimeError("diverged")
                residual = weights * (self.predict(X) - y) / weights.sum()
                # Rebind, not update in place: a fitted_estimator kept by a callback
                # must not see later epochs.
                self.coef_ = self.coef_ - self.learning_rate * (X.T @ residual)
                self.intercept_ = self.intercept_ - self.learning_rate * residual.sum()
                self.n_epochs_ += 1
                n_epochs += 1
                record = {"epoch": self.n_epochs_, "loss": float(residual @ residual)}
                if BRIDGE.on_epoch_end(self, record):
                    stopped_by = "callback"
                    break
        except Exception:
            stopped_by = "error"
            raise
        finally:
            self.stopped_by_ = stopped_by
            BRIDGE.on_fit_end(self, {**info, "n_epochs": n_epochs, "stopped_by": stopped_by})
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return X @ self.coef_ + self.intercept_


class Recorder:
    """A scikit-learn callback keeping every hook call it receives."""

    def __init__(self, stop_after_epoch=None):
        self.stop_after_epoch = stop_after_epoch
        self.calls = []

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, X=None, fitted_estimator=None):
        self.calls.append(("begin", context.task_name, context.task_id, X is not None))

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        if context.parent is None:
            self.tree = [(ctx.estimator_name, ctx.task_name) for ctx in context]
        has_estimator = fitted_estimator is not None
        self.calls.append(("end", context.task_name, context.task_id, has_estimator))
        return context.task_name == "epoch" and context.task_id + 1 == self.stop_after_epoch

    def hooks(self, name):
        return [call for call in self.calls if call[0] == name]


@pytest.fixture
def data():
    X, y = make_regression(n_samples=60, n_features=3, noise=5.0, random_state=0)
    return X, y


@pytest.fixture
def progress_messages(monkeypatch):
    """The messages ProgressBar sends to its display thread, in order."""
    sent = []
    send = _progressbar.send

    def spy(handle, message):
        sent.append(dict(message))
        return send(handle, message)

    monkeypatch.setattr(_progressbar, "send", spy)
    return sent


def _ended_paths(messages):
    return [tuple(m["path"]) for m in messages if m["event"] == "end"]


def _epoch_rows(log):
    return [row for row in log.data if row["task_name"] == "epoch"]


def test_the_real_api_is_exported():
    import sklearn.callback

    assert SKLEARN_HAS_CALLBACKS
    assert CallbackSupportMixin is sklearn.callback.CallbackSupportMixin
    assert with_callbacks is sklearn.callback.with_callbacks


def test_stand_ins_without_sklearn_callback(monkeypatch):
    # What scikit-learn 1.6 to 1.8 sees: the import fails, stand-ins are exported.
    monkeypatch.setitem(sys.modules, "sklearn.callback", None)
    monkeypatch.delitem(sys.modules, sklearn_callbacks.__name__)
    # Importing rebinds the package attribute too: have it put back afterwards.
    monkeypatch.setattr(sys.modules["skdeep.train"], "sklearn_callbacks", sklearn_callbacks)
    old = importlib.import_module(sklearn_callbacks.__name__)

    assert old.SKLEARN_HAS_CALLBACKS is False
    assert not hasattr(old.CallbackSupportMixin, "set_callbacks")

    def method(self):
        return 42

    assert old.with_callbacks(method) is method


def test_no_callbacks_costs_nothing(data, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a callback context was opened without callbacks")

    monkeypatch.setattr(FakeNet, "_init_callback_context", forbidden)
    est = FakeNet().fit(*data)

    assert est.n_epochs_ == 5
    assert BRIDGE._runs == {}
    assert not hasattr(est, "_callback_fit_ctx")
    assert not hasattr(est, "_skl_callbacks_to_teardown")


def test_progressbar_reports_every_epoch(data, capsys, progress_messages):
    pytest.importorskip("rich")
    FakeNet(max_iter=5).set_callbacks(ProgressBar()).fit(*data)

    out = capsys.readouterr().out
    assert re.search(r"FakeNet - fit", out)
    assert re.search(r"100%", out)
    # The root task (path (0,)) began with 5 planned epochs, each epoch ended,
    # then the root ended.
    assert progress_messages[0]["event"] == "begin"
    assert progress_messages[0]["max_subtasks"] == 5
    assert _ended_paths(progress_messages) == [(0, i) for i in range(5)] + [(0,)]


def test_hooks_pair_up_and_end_gets_a_fitted_estimator(data):
    recorder = Recorder()
    FakeNet(max_iter=3).set_callbacks(recorder).fit(*data)

    assert recorder.hooks("setup") == [("setup", "fit")]
    assert recorder.hooks("teardown") == [("teardown", "fit")]
    assert recorder.hooks("begin") == [("begin", "fit", 0, True)] + [
        ("begin", "epoch", i, True) for i in range(3)
    ]
    assert recorder.hooks("end") == [("end", "epoch", i, True) for i in range(3)] + [
        ("end", "fit", 0, True)
    ]


def test_scoring_monitor_scores_each_epoch(data):
    X, y = data
    monitor = ScoringMonitor(scoring="r2")
    FakeNet(max_iter=5).set_callbacks(monitor).fit(X, y)

    rows = _epoch_rows(monitor.get_logs())
    assert [row["task_id"] for row in rows] == list(range(5))
    # Each epoch's score is the score of a model whose fit stopped there.
    expected = [FakeNet(max_iter=i + 1).fit(X, y).score(X, y) for i in range(5)]
    assert_allclose([row["r2"] for row in rows], expected)
    assert np.all(np.diff(expected) > 0)


def test_scoring_monitor_gets_the_sample_weight(data):
    X, y = data
    sample_weight = np.random.RandomState(0).randint(1, 5, size=len(y))
    monitor = ScoringMonitor(scoring="r2")
    est = FakeNet(max_iter=2).set_callbacks(monitor).fit(X, y, sample_weight=sample_weight)

    last = _epoch_rows(monitor.get_logs())[-1]["r2"]
    assert_allclose(last, est.score(X, y, sample_weight=sample_weight))
    assert not np.isclose(last, est.score(X, y))


def test_partial_fit_is_a_run_of_one_epoch(data):
    monitor = ScoringMonitor(scoring="r2")
    est = FakeNet().set_callbacks(monitor)
    est.partial_fit(*data)
    est.partial_fit(*data)

    runs = monitor.get_logs(select="all")
    assert len(runs) == 2
    for run in runs:
        assert [row["task_name"] for row in run.data] == ["partial_fit", "epoch"]
    assert est.n_epochs_ == 2


def test_a_callback_stops_training(data):
    recorder = Recorder(stop_after_epoch=2)
    est = FakeNet(max_iter=5).set_callbacks(recorder).fit(*data)

    assert est.n_epochs_ == 2
    assert est.stopped_by_ == "callback"
    assert recorder.hooks("end")[-1] == ("end", "fit", 0, True)
    assert recorder.hooks("teardown") == [("teardown", "fit")]


def test_failed_fit_tears_down_without_ending(data):
    recorder = Recorder()
    est = FakeNet(max_iter=5, fail_at_epoch=3).set_callbacks(recorder)
    with pytest.raises(RuntimeError, match="diverged"):
        est.fit(*data)

    assert [c[1] for c in recorder.hooks("end")] == ["epoch", "epoch"]
    assert recorder.hooks("teardown") == [("teardown", "fit")]
    assert BRIDGE._runs == {}
    assert not hasattr(est, "_callback_fit_ctx")


def test_fit_context_and_with_callbacks_tear_down_once(data, capsys):
    # skdeep's fit is wrapped in scikit-learn's _fit_context, which already
    # tears callbacks down; with_callbacks around it must not do it twice.
    class ValidatedFakeNet(FakeNet):
        @_fit_context(prefer_skip_nested_validation=True)
        @with_callbacks
        def fit(self, X, y, sample_weight=None):
            return FakeNet.fit.__wrapped__(self, X, y, sample_weight)

    recorder = Recorder()
    ValidatedFakeNet().set_callbacks(recorder).fit(*data)
    assert recorder.hooks("setup") == [("setup", "fit")]
    assert recorder.hooks("teardown") == [("teardown", "fit")]

    pytest.importorskip("rich")
    ValidatedFakeNet().set_callbacks(ProgressBar()).fit(*data)  # a 2nd teardown would raise
    assert "100%" in capsys.readouterr().out


def test_more_epochs_than_announced_are_dropped(data):
    monitor = ScoringMonitor(scoring="r2")
    est = FakeNet().set_callbacks(monitor).fit(*data)
    X, y = data

    @with_callbacks
    def overrunning_fit(estimator):
        info = {"max_epochs": 2, "incremental": False, "X": X, "y": y}
        BRIDGE.on_fit_begin(estimator, info)
        assert not any([BRIDGE.on_epoch_end(estimator, {}) for _ in range(3)])
        BRIDGE.on_fit_end(estimator, {**info, "n_epochs": 3, "stopped_by": None})

    overrunning_fit(est)
    assert len(_epoch_rows(monitor.get_logs())) == 2


# Threads: concurrent fits through the one BRIDGE; loky: fits in worker processes,
# which get the estimator, its callbacks and its parent context pickled.
@pytest.mark.parametrize("n_jobs, backend", [(1, "threading"), (2, "threading"), (2, "loky")])
def test_grid_search_propagates_progressbar(data, capsys, progress_messages, n_jobs, backend):
    pytest.importorskip("rich")
    search = GridSearchCV(FakeNet(), {"learning_rate": [0.1, 0.3]}, cv=2, n_jobs=n_jobs)
    with parallel_backend(backend):
        search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(*data)

    out = capsys.readouterr().out
    assert re.search(r"candidate-split-evaluation \| FakeNet - fit", out)
    assert re.search(r"refit-with-best-params \| FakeNet - fit", out)
    assert re.search(r"100%", out)
    assert not re.search(r"\b[0-9]{1,2}%", out)
    # 4 evaluations and the refit, 5 epochs each, all under the search's tree.
    if backend != "loky":  # workers report over a socket, past the spy
        epoch_ends = [p for p in _ended_paths(progress_messages) if len(p) == 4]
        assert len(epoch_ends) == 4 * 5
    refit_epochs = [p for p in _ended_paths(progress_messages) if p[:2] == (0, 1)]
    assert refit_epochs == [(0, 1, i) for i in range(5)] + [(0, 1)]
    assert BRIDGE._runs == {}


def test_grid_search_merges_inner_scoring_monitor(data):
    monitor = ScoringMonitor(scoring="r2")
    inner = FakeNet().set_callbacks(monitor)
    assert clone(inner)._skl_callbacks == [monitor]  # what lets the search reach it
    GridSearchCV(inner, {"learning_rate": [0.1, 0.3]}, cv=2).fit(*data)

    log = monitor.get_logs()
    assert log.estimator_name == "GridSearchCV"
    assert len(_epoch_rows(log)) == (4 + 1) * 5


def test_pipeline_propagates_progressbar(data, capsys, progress_messages):
    pytest.importorskip("rich")
    pipe = make_pipeline(StandardScaler(), FakeNet())
    pipe.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(*data)

    out = capsys.readouterr().out
    assert re.search(r"Pipeline - fit-final-estimator \| FakeNet - fit", out)
    assert re.search(r"100%", out)
    # The final step is task 1 of the pipeline; its epochs hang below it.
    assert _ended_paths(progress_messages)[-7:] == [(0, 1, i) for i in range(5)] + [
        (0, 1),
        (0,),
    ]
    # The propagated callback and context are taken back after the fit.
    assert not hasattr(pipe[-1], "_skl_callbacks")
    assert not hasattr(pipe[-1], "_parent_callback_ctx")


def test_parent_context_alone_merges_the_tree(data):
    # The pipeline's own (not propagated) callback sees the step's epochs.
    recorder = Recorder()
    make_pipeline(StandardScaler(), FakeNet(max_iter=2)).set_callbacks(recorder).fit(*data)
    assert recorder.tree[-3:] == [("FakeNet", "fit"), ("FakeNet", "epoch"), ("FakeNet", "epoch")]


def test_estimator_without_callback_support_in_a_pipeline(data):
    # A meta-estimator sets _parent_callback_ctx on any step, even one that does
    # not inherit CallbackSupportMixin: the bridge must then stay out.
    class PlainNet(FakeNet):
        _init_callback_context = property()  # hides the mixin's method

    pipe = make_pipeline(StandardScaler(), PlainNet()).set_callbacks(Recorder())
    pipe.fit(*data)
    assert pipe[-1].n_epochs_ == 5
    assert BRIDGE._runs == {}


def test_fitted_estimator_with_callbacks_pickles(data):
    est = FakeNet().set_callbacks(ScoringMonitor(scoring="r2")).fit(*data)
    restored = pickle.loads(pickle.dumps(est))

    assert len(restored._skl_callbacks) == 1
    assert not hasattr(restored, "_callback_fit_ctx")
    assert_allclose(restored.predict(data[0]), est.predict(data[0]))
