"""Callbacks: the lifecycle, validation, the record schema, stopping, and scikit-learn's own.

skdeep's ``callbacks`` parameter takes plain callables ``(estimator, record) ->
bool`` and objects with ``on_fit_begin`` / ``on_epoch_end`` / ``on_fit_end``;
every solver, L-BFGS included, hands them records of one schema and lets them
stop training. scikit-learn's callbacks (``set_callbacks``, scikit-learn >= 1.9)
see one ``"epoch"`` task per epoch, also inside a pipeline in a grid search.
"""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import log_loss
from sklearn.utils.validation import check_is_fitted

from skdeep import DeepNetClassifier, DeepNetRegressor
from skdeep.train.callbacks import RECORD_KEYS, Callback, StopOnPlateau

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_RNG = np.random.RandomState(0)
X = _RNG.normal(size=(40, 3))
Y = {
    "classifier": np.arange(40) % 3,
    "regressor": X @ np.array([0.5, -1.0, 0.3]) + 0.1 * _RNG.normal(size=40),
}
ESTIMATORS = {"classifier": DeepNetClassifier, "regressor": DeepNetRegressor}
STOCHASTIC = ("sgd", "adam", "rmsprop", "adamw", "nadam")
SOLVERS = (*STOCHASTIC, "lbfgs")
STOPPED_BY = (None, "callback", "plateau", "max_time", "diverged", "interrupt", "error")  # the documented values


def _make(kind="classifier", solver="adam", **params):
    params = {"hidden_layer_sizes": (5,), "max_iter": 3, "random_state": 0, **params}
    return ESTIMATORS[kind](solver=solver, **params)


def _first_partial_fit(est, kind="classifier"):
    return est.partial_fit(X, Y[kind], **({"classes": [0, 1, 2]} if kind == "classifier" else {}))


class Recorder(Callback):
    """Keeps every hook call; stops after epoch ``stop_at``; raises ``error`` at epoch ``raise_at``."""

    def __init__(self, stop_at=None, raise_at=None, error=RuntimeError):
        self.stop_at, self.raise_at, self.error = stop_at, raise_at, error
        self.events = []

    def on_fit_begin(self, estimator, info):
        self.events.append(("begin", dict(info)))

    def on_epoch_end(self, estimator, record):
        self.events.append(("epoch", record))
        if record["epoch"] == self.raise_at:
            raise self.error("raised by the callback")
        return record["epoch"] == self.stop_at

    def on_fit_end(self, estimator, info):
        self.events.append(("end", dict(info)))

    def kinds(self):
        return [event[0] for event in self.events]

    def records(self):
        return [payload for kind, payload in self.events if kind == "epoch"]

    def ends(self):
        return [payload for kind, payload in self.events if kind == "end"]


# ------------------------------------------------------------------- lifecycle
@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_hooks_run_begin_once_then_once_per_epoch_then_end_once(kind, solver):
    recorder = Recorder()
    est = _make(kind, solver, callbacks=[recorder]).fit(X, Y[kind])

    assert est.n_iter_ == 3
    assert recorder.kinds() == ["begin", "epoch", "epoch", "epoch", "end"]
    begin, end = recorder.events[0][1], recorder.events[-1][1]
    assert {"max_epochs", "solver", "incremental", "X", "y"} <= set(begin)
    assert (begin["max_epochs"], begin["solver"], begin["incremental"]) == (3, solver, False)
    assert_array_equal(begin["X"], X)
    assert_array_equal(begin["y"], Y[kind])
    assert (end["n_epochs"], end["stopped_by"]) == (3, None)
    assert [record["epoch"] for record in recorder.records()] == [1, 2, 3]


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_each_partial_fit_is_one_call_of_one_epoch(kind, solver):
    recorder = Recorder()
    est = _make(kind, solver, callbacks=[recorder])
    _first_partial_fit(est, kind)
    est.partial_fit(X, Y[kind])

    assert recorder.kinds() == ["begin", "epoch", "end"] * 2
    begins = [payload for kind_, payload in recorder.events if kind_ == "begin"]
    assert all(info["incremental"] is True and info["max_epochs"] == 1 for info in begins)
    assert all(info["solver"] == solver for info in begins)
    assert [(info["n_epochs"], info["stopped_by"]) for info in recorder.ends()] == [(1, None)] * 2
    assert [record["epoch"] for record in recorder.records()] == [1, 2]  # over the model's life


def _plateau_rule_params():
    # A plateau by MLPClassifier's rule: nothing improves by tol=1e3.
    return {"tol": 1e3, "n_iter_no_change": 1, "max_iter": 50}


@pytest.mark.parametrize("solver, params, recorder_args, expected", [
    pytest.param("sgd", {}, {}, (3, None), id="sgd-max_iter-reached"),
    pytest.param("lbfgs", {}, {}, (3, None), id="lbfgs-max_iter-reached"),
    pytest.param("sgd", {}, {"stop_at": 2}, (2, "callback"), id="sgd-callback"),
    pytest.param("lbfgs", {}, {"stop_at": 2}, (2, "callback"), id="lbfgs-callback"),
    pytest.param("sgd", _plateau_rule_params(), {}, (3, "plateau"), id="sgd-plateau"),
    pytest.param("sgd", {}, {"raise_at": 2, "error": KeyboardInterrupt}, (2, "interrupt"),
                 id="sgd-interrupt"),
    pytest.param("lbfgs", {}, {"raise_at": 2, "error": KeyboardInterrupt}, (2, "interrupt"),
                 id="lbfgs-interrupt"),
])
def test_on_fit_end_reports_how_a_fit_stopped(solver, params, recorder_args, expected):
    recorder = Recorder(**recorder_args)
    est = _make("classifier", solver, callbacks=[recorder], **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, Y["classifier"])
        except KeyboardInterrupt:  # must not reach pytest, which would end the session
            pytest.fail("a KeyboardInterrupt raised by a callback escaped fit")

    assert expected[1] in STOPPED_BY
    assert [(info["n_epochs"], info["stopped_by"]) for info in recorder.ends()] == [expected]
    assert est.n_iter_ == expected[0] == len(est.history_)
    interrupted = [w for w in caught if "interrupted" in str(w.message)]
    assert bool(interrupted) == (expected[1] == "interrupt")


@pytest.mark.parametrize("solver, params, method", [
    pytest.param("sgd", {}, "fit", id="sgd-fit-callback-raises"),
    pytest.param("adam", {}, "fit", id="adam-fit-callback-raises"),
    pytest.param("lbfgs", {}, "fit", id="lbfgs-fit-callback-raises"),
    pytest.param("sgd", {}, "partial_fit", id="sgd-partial_fit-callback-raises"),
    pytest.param("sgd", {"learning_rate_init": 1e100, "batch_size": 1}, "fit", id="sgd-fit-diverges"),
])
def test_on_fit_end_reports_an_error_once_and_the_error_propagates(solver, params, method):
    diverging = "learning_rate_init" in params
    recorder = Recorder(raise_at=None if diverging else (1 if method == "partial_fit" else 2))
    est = _make("classifier", solver, callbacks=[recorder], **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the overflows of a divergence
        with pytest.raises(ValueError if diverging else RuntimeError):
            if method == "fit":
                est.fit(X, Y["classifier"])
            else:
                _first_partial_fit(est)

    assert recorder.kinds()[0] == "begin" and recorder.kinds()[-1] == "end"
    assert recorder.kinds().count("begin") == recorder.kinds().count("end") == 1
    assert [info["stopped_by"] for info in recorder.ends()] == ["error"]


def test_a_call_refused_before_training_calls_no_hook():
    recorder = Recorder()
    est = _make(callbacks=[recorder]).fit(X, Y["classifier"])
    recorder.events.clear()
    with pytest.raises(ValueError, match="features"):
        est.set_params(warm_start=True).fit(X[:, :2], Y["classifier"])
    with pytest.raises(ValueError, match="early_stopping"):
        est.set_params(early_stopping=True).partial_fit(X, Y["classifier"])
    assert recorder.events == []


# ------------------------------------------------------------ stateful callbacks
def test_stop_on_plateau_is_reset_by_each_fit():
    plateau = StopOnPlateau(patience=2, tol=1e-2)
    est = _make(solver="sgd", learning_rate_init=1e-4, max_iter=30, callbacks=[plateau])
    first = est.fit(X, Y["classifier"]).loss_curve_
    assert len(first) == 3  # the best at epoch 1, then two epochs without a 1e-2 gain
    second = est.fit(X, Y["classifier"]).loss_curve_
    assert second == first


class EpochCounter(Callback):
    def on_fit_begin(self, estimator, info):
        self.count = 0

    def on_epoch_end(self, estimator, record):
        self.count += 1
        return self.count == 2  # stops the second epoch of each call


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_custom_stateful_callback_is_reset_by_each_fit(solver):
    counter = EpochCounter()
    est = _make(solver=solver, max_iter=10, callbacks=[counter])
    assert est.fit(X, Y["classifier"]).n_iter_ == 2
    assert est.fit(X, Y["classifier"]).n_iter_ == 2
    assert est.set_params(warm_start=True).fit(X, Y["classifier"]).n_iter_ == 2
    assert len(est.loss_curve_) == 4


# ------------------------------------------------------------- accepted callbacks
def test_plain_callables_and_objects_mix_in_a_tuple():
    seen = []

    def plain(estimator, record):
        seen.append(record["epoch"])  # returns None: keep going

    recorder = Recorder()
    est = _make(callbacks=(plain, recorder)).fit(X, Y["classifier"])
    assert seen == [1, 2, 3]
    assert recorder.kinds() == ["begin", "epoch", "epoch", "epoch", "end"]
    assert est.n_iter_ == 3


def test_a_plain_callable_returning_true_stops_training():
    est = _make(max_iter=10, callbacks=[lambda estimator, record: record["epoch"] == 2])
    assert est.fit(X, Y["classifier"]).n_iter_ == 2


@pytest.mark.parametrize("callbacks, message", [
    pytest.param([1], r"callbacks\[2\] is 1 \(int\)", id="an-int"),
    pytest.param("abc", "list or tuple", id="a-string"),
    pytest.param([StopOnPlateau], r"callbacks\[2\] is the class StopOnPlateau", id="a-class"),
    pytest.param([Recorder], r"callbacks\[2\] is the class Recorder", id="a-callable-class"),
    pytest.param([object()], r"callbacks\[2\] is <object", id="a-plain-object"),
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_invalid_callbacks_raise_typeerror_before_any_training(callbacks, message, method):
    # A valid object and a valid plain callable come first: neither may be called.
    sibling, plain_calls = Recorder(), []
    siblings = [sibling, lambda estimator, record: plain_calls.append(record)]
    bad = callbacks if isinstance(callbacks, str) else [*siblings, *callbacks]
    est = _make(callbacks=bad)
    with pytest.raises(TypeError, match=message):
        if method == "fit":
            est.fit(X, Y["classifier"])
        else:
            _first_partial_fit(est)
    assert sibling.events == [] and plain_calls == []
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert [name for name in vars(est) if name.endswith("_")] == []


def test_invalid_callbacks_leave_a_fitted_model_untouched():
    est = _make().fit(X, Y["classifier"])
    weights, curve = est._network.params.copy(), list(est.loss_curve_)
    calls = []
    est.set_params(callbacks=[lambda e, r: calls.append(r), 1], warm_start=True)
    with pytest.raises(TypeError):
        est.fit(X, Y["classifier"])
    with pytest.raises(TypeError):
        est.partial_fit(X, Y["classifier"])
    assert calls == []
    assert_array_equal(est._network.params, weights)
    assert est.loss_curve_ == curve


# ------------------------------------------------------------------ the records
@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_gives_records_of_one_schema(kind, solver):
    recorder = Recorder()
    est = _make(kind, solver, callbacks=[recorder]).fit(X, Y[kind])
    if solver != "lbfgs":
        est.partial_fit(X, Y[kind])

    records = recorder.records()
    assert records == est.history_
    assert len(records) == len(est.loss_curve_) == (3 if solver == "lbfgs" else 4)
    for index, record in enumerate(records):
        assert tuple(record) == RECORD_KEYS
        assert record["epoch"] == index + 1
        assert record["loss"] == est.loss_curve_[index]
        assert record["validation_loss"] is None and record["validation_score"] is None
        assert isinstance(record["seconds"], float) and record["seconds"] >= 0
        if solver == "lbfgs":
            assert record["learning_rate"] is None
        else:
            assert record["learning_rate"] == est.learning_rate_init


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_fills_the_validation_values(kind, solver):
    recorder = Recorder()
    est = _make(kind, solver, early_stopping=True, validation_fraction=0.25, callbacks=[recorder])
    est.fit(X, Y[kind])
    for record in recorder.records():
        assert tuple(record) == RECORD_KEYS
        assert isinstance(record["validation_loss"], float)
        assert isinstance(record["validation_score"], float)
        assert isinstance(record["learning_rate"], float)
    assert [r["validation_score"] for r in recorder.records()] == est.validation_scores_


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_callback_returning_true_stops_every_solver(solver):
    recorder = Recorder(stop_at=2)
    est = _make("classifier", solver, max_iter=20, callbacks=[recorder])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is not a failure to converge
        est.fit(X, Y["classifier"])
    assert est.n_iter_ == 2 == len(est.history_) == len(recorder.records())
    assert recorder.ends()[0]["stopped_by"] == "callback"


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_the_record_a_callback_gets_is_a_copy(solver):
    def vandal(estimator, record):
        record["loss"] = -1.0
        record["epoch"] = 0
        record["extra"] = "added"

    recorder = Recorder()
    est = _make("classifier", solver, callbacks=[vandal, recorder]).fit(X, Y["classifier"])
    assert [record["epoch"] for record in est.history_] == [1, 2, 3]
    assert all(tuple(record) == RECORD_KEYS for record in est.history_)
    assert [record["loss"] for record in est.history_] == est.loss_curve_
    assert recorder.records() == est.history_  # the next callback saw the original


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_during_a_first_fit_the_estimator_predicts_with_the_current_weights(kind, solver):
    predictions = []

    def predict(estimator, record):
        predictions.append(estimator.predict(X))
        assert estimator.loss_curve_[-1] == record["loss"]
        assert estimator.history_[-1] == record

    est = _make(kind, solver, max_iter=4, callbacks=[predict], **(
        {"learning_rate_init": 0.05} if solver != "lbfgs" else {}))
    est.fit(X, Y[kind])
    assert len(predictions) == 4
    assert_array_equal(predictions[-1], est.predict(X), strict=True)
    if kind == "regressor":
        assert not np.array_equal(predictions[0], predictions[1])  # the weights moved between epochs


def test_during_a_first_fit_predict_proba_follows_each_epoch():
    probabilities, weights = [], []

    def watch(estimator, record):
        probabilities.append(estimator.predict_proba(X))
        weights.append([W.copy() for W in estimator.coefs_])

    est = _make("classifier", "sgd", max_iter=3, learning_rate_init=0.05, callbacks=[watch])
    est.fit(X, Y["classifier"])
    assert not np.array_equal(probabilities[0], probabilities[1])
    assert not np.array_equal(weights[0][0], weights[1][0])
    assert_array_equal(probabilities[-1], est.predict_proba(X), strict=True)


# ------------------------------------------------- schedules, plateaus, warnings
def _convergence_warnings(est, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_stop_on_plateau_stops_a_cosine_fit_early():
    plateau = StopOnPlateau(patience=2, tol=1e-2)
    recorder = Recorder()
    est = _make(solver="sgd", learning_rate="cosine", learning_rate_init=1e-4, max_iter=20,
                callbacks=[plateau, recorder])
    assert _convergence_warnings(est, Y["classifier"]) == []
    assert est.n_iter_ == 3 < est.max_iter
    assert recorder.ends()[0]["stopped_by"] == "callback"


def test_a_cosine_fit_runs_exactly_max_iter_epochs_without_a_convergence_warning():
    plateau_rule = {"tol": 10.0, "n_iter_no_change": 2}  # would stop a constant rate early
    cosine = _make(solver="sgd", learning_rate="cosine", max_iter=12, **plateau_rule)
    assert _convergence_warnings(cosine, Y["classifier"]) == []
    assert cosine.n_iter_ == 12

    constant = _make(solver="sgd", learning_rate="constant", max_iter=12, **plateau_rule)
    assert _convergence_warnings(constant, Y["classifier"]) == []
    assert constant.n_iter_ == 4


def test_a_constant_rate_fit_that_hits_max_iter_warns():
    est = _make(solver="sgd", learning_rate="constant", max_iter=5, tol=0.0, n_iter_no_change=np.inf)
    caught = _convergence_warnings(est, Y["classifier"])
    assert len(caught) == 1 and "Maximum iterations (5)" in str(caught[0].message)
    assert est.n_iter_ == 5


# ------------------------------------------------- scikit-learn's callback API
def _sklearn_callback():
    return pytest.importorskip(
        "sklearn.callback", reason="scikit-learn < 1.9 has no callback API (sklearn.callback)")


@pytest.fixture
def progress_messages(monkeypatch):
    """The messages ProgressBar sends to its display thread, in order."""
    _sklearn_callback()
    from sklearn.callback import _progressbar

    sent, send = [], _progressbar.send

    def spy(handle, message):
        sent.append(dict(message))
        return send(handle, message)

    monkeypatch.setattr(_progressbar, "send", spy)
    return sent


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_progressbar_in_a_grid_search_shows_every_deepnet_epoch(solver, capsys, progress_messages):
    pytest.importorskip("rich", reason="scikit-learn's ProgressBar draws with rich")
    from sklearn.callback import ProgressBar
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.arange(40) % 2
    pipe = make_pipeline(StandardScaler(), DeepNetClassifier((4,), solver=solver, max_iter=3,
                                                             random_state=0))
    search = GridSearchCV(pipe, {"deepnetclassifier__alpha": [1e-4, 1e-2]}, cv=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)

    out = capsys.readouterr().out
    assert len(re.findall(r"fit-final-estimator \| DeepNetClassifier - fit", out)) == 5
    assert "100%" in out and not re.search(r"\b[0-9]{1,2}%", out)
    # 4 evaluations and the refit: each DeepNet fit announces 3 epochs and ends 3.
    fits = [m for m in progress_messages
            if m["event"] == "begin" and m["estimator_name"] == "DeepNetClassifier"]
    assert len(fits) == 5 and all(m["max_subtasks"] == 3 for m in fits)
    ended = [tuple(m["path"]) for m in progress_messages if m["event"] == "end"]
    for fit in fits:
        path = tuple(fit["path"])
        assert [p for p in ended if p[:-1] == path] == [(*path, i) for i in range(3)]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_scoring_monitor_logs_one_score_per_epoch(solver):
    _sklearn_callback()
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="neg_log_loss")
    est = _make("classifier", solver, max_iter=4).set_callbacks(monitor)
    est.fit(X, Y["classifier"])

    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(rows) == est.n_iter_ == 4
    assert [row["task_id"] for row in rows] == [0, 1, 2, 3]
    scores = [row["neg_log_loss"] for row in rows]
    assert len(set(scores)) == 4  # each scored with its epoch's weights
    final = -log_loss(Y["classifier"], est.predict_proba(X))
    assert scores[-1] == pytest.approx(final, rel=1e-12)


def test_scoring_monitor_and_a_skdeep_callback_agree_on_where_training_stopped():
    _sklearn_callback()
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    est = _make("classifier", "adam", max_iter=10, callbacks=[Recorder(stop_at=2)])
    est.set_callbacks(monitor).fit(X, Y["classifier"])
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(rows) == est.n_iter_ == 2


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_a_failed_fit_ends_no_scikit_learn_task(solver):
    # Like scikit-learn's own estimators: the epochs that finished are reported,
    # the fit itself is not ended (so not scored) when it raises.
    _sklearn_callback()
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    est = _make("classifier", solver, max_iter=5, callbacks=[Recorder(raise_at=2)])
    with pytest.raises(RuntimeError):
        est.set_callbacks(monitor).fit(X, Y["classifier"])
    assert [(row["task_name"], row["task_id"]) for row in monitor.get_logs().data] == [("epoch", 0)]


def test_a_callback_whose_on_fit_begin_fails_still_ends_the_ones_begun_before_it():
    from skdeep.callbacks import Callback

    X, y = np.random.RandomState(0).normal(size=(30, 3)), np.arange(30) % 3
    events = []

    class Recorder(Callback):
        def on_fit_begin(self, estimator, info):
            events.append("begin")

        def on_fit_end(self, estimator, info):
            events.append(("end", info["stopped_by"]))

    class Failing(Callback):
        def on_fit_begin(self, estimator, info):
            raise RuntimeError("cannot begin")

    for solver in ("adam", "lbfgs"):
        events.clear()
        with pytest.raises(RuntimeError, match="cannot begin"):
            DeepNetClassifier((4,), solver=solver, max_iter=3, callbacks=[Recorder(), Failing()]).fit(X, y)
        assert events == ["begin", ("end", "error")]


def test_stop_on_plateau_on_validation_values_without_early_stopping_is_refused_before_training():
    from skdeep.callbacks import StopOnPlateau

    X, y = np.random.RandomState(0).normal(size=(30, 3)), np.arange(30) % 3
    trained = []
    clf = DeepNetClassifier((4,), max_iter=3, callbacks=[StopOnPlateau(monitor="validation_loss"),
                                                         lambda est, record: trained.append(1)])
    with pytest.raises(ValueError, match="early_stopping=True"):
        clf.fit(X, y)
    assert trained == [] and not hasattr(clf, "n_features_in_")


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_stop_on_plateau_asks_the_fit_info_whether_there_is_a_validation_split(solver):
    # L-BFGS ignores early_stopping (as MLPClassifier does): no split, whatever the estimator says.
    clf = _make(solver=solver, early_stopping=True, callbacks=[StopOnPlateau(monitor="validation_score")])
    if solver == "lbfgs":
        with pytest.raises(ValueError, match="only a fit with a validation split records"):
            clf.fit(X, Y["classifier"])
    else:
        assert clf.fit(X, Y["classifier"]).n_iter_ == 3


# ------------------------------------------------------------------- FitInfo
class InfoKeeper(Callback):
    def on_fit_begin(self, estimator, info):
        self.begin = info

    def on_fit_end(self, estimator, info):
        self.end = info


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_the_fit_info_is_a_typed_read_only_record_also_read_by_key(solver, early_stopping):
    from dataclasses import FrozenInstanceError

    from skdeep.callbacks import FitInfo

    keeper = InfoKeeper()
    _make(solver=solver, early_stopping=early_stopping, callbacks=[keeper]).fit(X, Y["classifier"])
    begin, end = keeper.begin, keeper.end
    assert isinstance(begin, FitInfo) and isinstance(end, FitInfo)
    validation = early_stopping and solver != "lbfgs"
    assert (begin.solver, begin.incremental, begin.max_epochs, begin.validation) == (solver, False, 3, validation)
    assert (begin.n_epochs, begin.stopped_by) == (None, None)
    assert (end.n_epochs, end.stopped_by, end.validation) == (3, None, validation)
    assert_array_equal(begin.X, X) and begin.sample_weight is None
    # As the dict of earlier versions: keys, get, dict(info).
    assert begin["solver"] == solver and end.get("stopped_by", "absent") is None
    assert list(begin) == ["solver", "incremental", "max_epochs", "validation", "X", "y", "sample_weight",
                           "n_epochs", "stopped_by"]
    assert dict(end)["n_epochs"] == 3 and "stopped_by" in end and "nothing" not in end
    with pytest.raises(KeyError):
        begin["nothing"]
    with pytest.raises(FrozenInstanceError):
        begin.solver = "sgd"
