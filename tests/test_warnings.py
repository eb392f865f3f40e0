"""Every warning skdeep gives points at the line that called skdeep, once per cause.

A warning is reported at the first frame outside skdeep (``skdeep._warn``):
here, the line of this file that called ``fit``, ``partial_fit``,
``predict`` or ``skdeep.save``, whatever the depth of skdeep's own call chain
and scikit-learn's decorators around its methods. Called by scikit-learn
(``GridSearchCV``, ``cross_val_score``, ``Pipeline``), that line is
scikit-learn's. Each test checks the warning's file and that it is given
once; ``pytest.warns`` shows every warning, so a repeat would be seen.
"""

import inspect
import os
import re
import signal
import threading
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdeep
from skdeep import DeepNetClassifier, DeepNetRegressor, TabularNetClassifier, TabularNetRegressor
from skdeep.io import persistence
from skdeep.nn.network import Network

SKDEEP = os.path.dirname(skdeep.__file__) + os.sep
SKLEARN = os.path.dirname(sklearn.__file__) + os.sep

X, y = make_classification(n_samples=60, n_features=4, random_state=0)
SMALL = {"hidden_layer_sizes": (4,), "random_state": 0}
TABULAR = {"hidden_layer_sizes": (8,), "n_ensemble": 1, "max_iter": 3, "random_state": 0}
# Stops on a plateau after 3 epochs: a fitted model, without a ConvergenceWarning.
FITTED = {**SMALL, "tol": 1e9, "n_iter_no_change": 1}


def the_one(record, category, match):
    """The warning of ``category`` whose message matches ``match``; fails unless there is exactly one."""
    found = [w for w in record if issubclass(w.category, category) and re.search(match, str(w.message))]
    assert len(found) == 1, [f"{w.filename}:{w.lineno}: {w.message}" for w in record]
    return found[0]


def assert_here(record, category, match):
    """Exactly one such warning, and it names this file: the caller, not skdeep."""
    warning = the_one(record, category, match)
    assert warning.filename == __file__, f"{warning.filename}:{warning.lineno}"
    return warning


def on_batch(monkeypatch, call_number, action):
    """Make the ``call_number``-th call of Network.loss_and_gradient run ``action`` first."""
    calls = []
    original = Network.loss_and_gradient

    def patched(self, *args):
        calls.append(None)
        if len(calls) == call_number:
            return action(original, self, *args)
        return original(self, *args)

    monkeypatch.setattr(Network, "loss_and_gradient", patched)


def press_ctrl_c(original, network, *args):
    """Send this process SIGINT, as Ctrl-C does, while skdeep's handler is in place."""
    if signal.getsignal(signal.SIGINT) in (signal.default_int_handler, signal.SIG_IGN, None):
        pytest.fail("fit did not install its SIGINT handler")  # raising would end the session
    signal.raise_signal(signal.SIGINT)
    return original(network, *args)


def non_finite_loss(original, network, *args):
    original(network, *args)
    return np.nan


def needs_ctrl_c():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        pytest.skip("this process ignores SIGINT: skdeep leaves that alone")


# ---------------------------------------------------------------- the rule itself
def test_skdeep_gives_every_warning_through_the_helper():
    # A warnings.warn with a hand-counted stacklevel breaks when calls are added
    # or removed between the public method and the warning.
    offenders = [
        f"{path.relative_to(SKDEEP)}:{number}"
        for path in Path(SKDEEP).rglob("*.py") if path.name != "_warn.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bwarnings\.warn\(|column_or_1d\(.*warn=True", line)
    ]
    assert offenders == []


# ---------------------------------------------------------------- training
def test_fit_that_runs_out_of_epochs_warns_at_the_fit_line():
    with pytest.warns(ConvergenceWarning) as record:
        DeepNetClassifier(**SMALL, max_iter=2).fit(X, y)
    assert_here(record, ConvergenceWarning, "Maximum iterations \\(2\\)")


def test_lbfgs_that_runs_out_of_iterations_warns_at_the_fit_line():
    with pytest.warns(ConvergenceWarning) as record:
        DeepNetRegressor(**SMALL, solver="lbfgs", max_iter=2).fit(X, y)
    assert_here(record, ConvergenceWarning, "lbfgs failed to converge")


def test_partial_fit_with_a_clipped_batch_size_warns_at_the_partial_fit_line():
    est = DeepNetClassifier(**SMALL, batch_size=1000)
    with pytest.warns(UserWarning) as record:
        est.partial_fit(X, y, classes=[0, 1])
    assert_here(record, UserWarning, "batch_size=1000 larger than the 60")
    with pytest.warns(UserWarning) as record:  # looked up on the class: one more wrapper of scikit-learn's
        DeepNetClassifier.partial_fit(est, X, y)
    assert_here(record, UserWarning, "batch_size=1000 larger than the 60")


def test_one_fit_gives_each_warning_once():
    # Three causes in one fit (a column-vector y, a clipped batch size, too few
    # epochs), each warned once, at this line.
    with pytest.warns(UserWarning) as record:
        DeepNetRegressor(**SMALL, max_iter=2, batch_size=1000).fit(X, y[:, None])
    assert_here(record, DataConversionWarning, "A column-vector y was passed")
    assert_here(record, UserWarning, "batch_size=1000")
    assert_here(record, ConvergenceWarning, "Maximum iterations")
    assert len(record) == 3


def test_a_divergence_with_early_stopping_warns_at_the_fit_line(monkeypatch):
    on_batch(monkeypatch, 5, non_finite_loss)  # 54 training rows: 3 batches per epoch
    with pytest.warns(UserWarning) as record:
        DeepNetRegressor(**SMALL, early_stopping=True, batch_size=20, max_iter=5).fit(X, y)
    assert_here(record, UserWarning, "Training diverged: the loss became non-finite at epoch 2")


@pytest.mark.parametrize("solver, match", [
    ("adam", "interrupted by user during epoch 2"),
    ("lbfgs", "interrupted by user after iteration 2"),
])
def test_ctrl_c_warns_at_the_fit_line(monkeypatch, solver, match):
    needs_ctrl_c()
    # adam: 3 batches of 20 per epoch, the 5th is in epoch 2; lbfgs: call 3 is an iteration's
    # evaluation, after which it stops.
    on_batch(monkeypatch, 5 if solver == "adam" else 3, press_ctrl_c)
    with pytest.warns(UserWarning) as record:
        DeepNetClassifier(**SMALL, solver=solver, batch_size=20, max_iter=50).fit(X, y)
    assert_here(record, UserWarning, match)


def test_a_keyboard_interrupt_from_a_callback_warns_at_the_fit_line():
    def stop(estimator, record):
        raise KeyboardInterrupt

    with pytest.warns(UserWarning) as record:
        DeepNetClassifier(**SMALL, callbacks=[stop]).fit(X, y)
    assert_here(record, UserWarning, "^Training interrupted by user\\.$")


# ---------------------------------------------------------------- scikit-learn calls skdeep
def test_under_cross_val_score_and_grid_search_the_warning_is_at_scikit_learns_line():
    est = DeepNetClassifier(**SMALL, max_iter=2)
    with pytest.warns(ConvergenceWarning) as record:
        cross_val_score(est, X, y, cv=2)
        GridSearchCV(est, {"alpha": [1e-4, 1e-2]}, cv=2).fit(X, y)
        make_pipeline(StandardScaler(), est).fit(X, y)
    # 2 folds, 2 x 2 candidate folds and a refit, the pipeline: one warning per fit.
    assert len(record) == 2 + 5 + 1
    for warning in record:
        assert warning.category is ConvergenceWarning
        assert warning.filename.startswith(SKLEARN) and not warning.filename.startswith(SKDEEP)


# ---------------------------------------------------------------- input checks
def test_deepnet_feature_name_warnings_are_at_the_predict_line():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    named = DeepNetClassifier(**FITTED).fit(frame, y)
    unnamed = DeepNetClassifier(**FITTED).fit(X, y)
    with pytest.warns(UserWarning) as record:
        named.predict(X)
    assert_here(record, UserWarning,
                "^X does not have valid feature names, but DeepNetClassifier was fitted with feature names$")
    with pytest.warns(UserWarning) as record:
        unnamed.predict_proba(frame)
    assert_here(record, UserWarning,
                "^X has feature names, but DeepNetClassifier was fitted without feature names$")


@pytest.mark.parametrize("Estimator", [TabularNetClassifier, TabularNetRegressor])
def test_tabularnet_feature_name_warning_is_given_once_naming_the_estimator(Estimator):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": X[:, 0], "b": np.where(X[:, 1] > 0, "x", "y")})
    est = Estimator(**TABULAR).fit(frame, y)
    expected = f"^X does not have valid feature names, but {Estimator.__name__} was fitted with feature names$"
    with pytest.warns(UserWarning) as record:
        est.predict(frame.to_numpy())
    assert_here(record, UserWarning, expected)
    assert len(record) == 1  # the preprocessor inside does not warn again, under its own name
    with pytest.warns(UserWarning) as record:
        est.set_params(warm_start=True).fit(frame.to_numpy(), y)
    assert_here(record, UserWarning, expected)
    assert len(record) == 1


@pytest.mark.parametrize("Estimator", [DeepNetClassifier, TabularNetRegressor])
def test_a_column_vector_y_warns_at_the_fit_line(Estimator):
    est = Estimator(**(TABULAR if Estimator is TabularNetRegressor else FITTED))
    with pytest.warns(DataConversionWarning) as record:
        est.fit(X, y[:, None])
    assert_here(record, DataConversionWarning, "A column-vector y was passed when a 1d array was expected")


def test_a_callback_calling_skdeep_gets_the_warning_at_its_own_line():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    lines = []

    def score_on_an_array(estimator, record):
        lines.append(inspect.currentframe().f_lineno + 1)
        estimator.predict(X)
        return False

    with pytest.warns(UserWarning) as record:
        TabularNetClassifier(**{**TABULAR, "max_iter": 1}, callbacks=[score_on_an_array]).fit(frame, y)
    warning = assert_here(record, UserWarning, "X does not have valid feature names")
    assert warning.lineno == lines[0]


# ---------------------------------------------------------------- saving
def test_saving_a_model_with_callbacks_warns_at_the_save_line(tmp_path):
    est = DeepNetClassifier(**FITTED, callbacks=[lambda estimator, record: False]).fit(X, y)
    with pytest.warns(UserWarning) as record:
        skdeep.save(est, tmp_path / "model.npz")
    assert_here(record, UserWarning, "callbacks are code and are not saved")


def test_saving_a_model_over_the_load_limit_warns_at_the_save_line(tmp_path, monkeypatch):
    est = DeepNetClassifier(**FITTED).fit(X, y)
    monkeypatch.setattr(persistence, "MAX_PARAMETERS", 10)
    with pytest.warns(UserWarning) as record:
        skdeep.save(est, tmp_path / "model.npz")
    assert_here(record, UserWarning, "more than load's default limit")
