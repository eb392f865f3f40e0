"""HistoryDisplay draws history_ as it is and marks the epoch whose weights the model holds.

The kept epoch is checked against the weights themselves, not against the
rule the display follows: a callback keeps every epoch's predictions, and the
marked epoch must be the one (the only one) whose predictions the fitted
model still makes.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import ClassifierMixin, is_classifier
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdeep
from skdeep import (
    DeepNetClassifier,
    DeepNetRegressor,
    HistoryDisplay,
    TabularNetClassifier,
    TabularNetRegressor,
)

plt = pytest.importorskip("matplotlib.pyplot")  # the plot extra (the test extra installs it)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, y = make_classification(200, 4, n_informative=3, n_redundant=0, flip_y=0.1, random_state=0)
X_r, y_r = make_regression(200, 4, noise=20, random_state=0)
y_r = y_r / y_r.std()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class Snapshots:
    """A callback keeping the model's predictions on ``X`` after every epoch, by epoch number."""

    def __init__(self, X):
        self.X, self.by_epoch = X, {}

    def __call__(self, estimator, record):
        self.by_epoch[record["epoch"]] = _output(estimator, self.X)

    def epochs_matching(self, estimator):
        """The epochs whose predictions the model makes now: the epoch of the weights it holds."""
        now = _output(estimator, self.X)
        return [epoch for epoch, output in self.by_epoch.items() if np.array_equal(output, now)]


def _output(estimator, X):
    return estimator.predict_proba(X) if is_classifier(estimator) else estimator.predict(X)


def deepnet(Estimator, **params):
    return Estimator(hidden_layer_sizes=(8,), learning_rate_init=0.1, max_iter=20, n_iter_no_change=4,
                     validation_fraction=0.25, random_state=0).set_params(**params)


def tabularnet(Estimator, **params):
    return Estimator(hidden_layer_sizes=(8,), n_ensemble=1, numeric_bins=4, max_iter=12,
                     random_state=0).set_params(**params)


def fit_watched(estimator, X, y):
    snapshots = Snapshots(X)
    estimator.set_params(callbacks=[snapshots]).fit(X, y)
    return estimator, snapshots


def _values(history, key):
    return np.array([np.nan if record[key] is None else record[key] for record in history], dtype=float)


def assert_draws_history(display, estimator):
    """Every curve's points are the history's values; the marker stands at ``kept_epoch`` in every panel."""
    history = estimator.history_
    epochs = [record["epoch"] for record in history]
    for key in ("loss", "validation_loss", "validation_score", "learning_rate"):
        if all(record[key] is None for record in history):
            assert key not in display.lines_
        else:
            assert_array_equal(display.lines_[key].get_xdata(), epochs)
            assert_array_equal(display.lines_[key].get_ydata(), _values(history, key))
    if display.kept_epoch is None:
        assert display.kept_epoch_lines_ == []
    else:
        assert len(display.kept_epoch_lines_) == len(display.ax_)
        for line, ax in zip(display.kept_epoch_lines_, display.ax_, strict=True):
            assert line.axes is ax
            assert_array_equal(line.get_xdata(), [display.kept_epoch] * 2)
    assert display.figure_ is display.ax_[0].figure


CASES = {
    "DeepNetClassifier-adam-validation": lambda: deepnet(DeepNetClassifier, early_stopping=True),
    "DeepNetClassifier-adam": lambda: deepnet(DeepNetClassifier),
    "DeepNetClassifier-sgd-validation": lambda: deepnet(DeepNetClassifier, solver="sgd", early_stopping=True),
    "DeepNetClassifier-sgd": lambda: deepnet(DeepNetClassifier, solver="sgd"),
    # L-BFGS makes no validation split, whatever early_stopping says (as MLPClassifier).
    "DeepNetClassifier-lbfgs": lambda: deepnet(DeepNetClassifier, solver="lbfgs", early_stopping=True),
    "DeepNetRegressor-adam-validation": lambda: deepnet(DeepNetRegressor, early_stopping=True),
    "DeepNetRegressor-sgd": lambda: deepnet(DeepNetRegressor, solver="sgd", learning_rate_init=0.01),
    "DeepNetRegressor-lbfgs": lambda: deepnet(DeepNetRegressor, solver="lbfgs"),
    "TabularNetClassifier-validation": lambda: tabularnet(TabularNetClassifier),
    "TabularNetClassifier": lambda: tabularnet(TabularNetClassifier, validation_fraction=None),
    "TabularNetRegressor-validation": lambda: tabularnet(TabularNetRegressor),
    "TabularNetRegressor": lambda: tabularnet(TabularNetRegressor, validation_fraction=None),
}


@pytest.mark.parametrize("case", CASES)
def test_draws_the_history_and_marks_the_epoch_whose_weights_are_kept(case):
    estimator = CASES[case]()
    data = (X, y) if is_classifier(estimator) else (X_r, y_r)
    estimator, snapshots = fit_watched(estimator, *data)
    display = HistoryDisplay.from_estimator(estimator)

    assert_draws_history(display, estimator)
    assert snapshots.epochs_matching(estimator) == [display.kept_epoch]
    validated = "validation" in case
    assert ("validation_score" in display.lines_) == validated
    if not validated:  # the weights of the last epoch
        assert display.kept_epoch == estimator.history_[-1]["epoch"]
    elif "TabularNet" in case:
        assert display.kept_epoch == estimator.best_epoch_
    else:
        assert display.kept_epoch == estimator.history_[estimator.validation_scores_.index(
            estimator.best_validation_score_)]["epoch"]
    assert ("learning_rate" in display.lines_) == ("lbfgs" not in case)
    labels = [ax.get_ylabel() for ax in display.ax_]
    score = "validation accuracy" if is_classifier(estimator) else "validation R²"
    assert labels == ["loss", *([score] if validated else []), *(["learning rate"] if "lbfgs" not in case else [])]
    assert display.ax_[-1].get_xlabel() == "epoch"
    assert display.ax_[0].get_title() == type(estimator).__name__


def test_the_cases_include_a_best_epoch_before_the_last():
    # Else the kept-epoch test could not tell "the best epoch" from "the last epoch".
    for case in ("DeepNetClassifier-adam-validation", "DeepNetRegressor-adam-validation",
                 "TabularNetClassifier-validation"):
        estimator = CASES[case]()
        estimator.fit(*((X, y) if is_classifier(estimator) else (X_r, y_r)))
        assert HistoryDisplay.from_estimator(estimator).kept_epoch < estimator.history_[-1]["epoch"], case


def test_deepnet_warm_start_may_keep_the_best_epoch_of_an_earlier_fit():
    # Like MLPClassifier, a warm start continues the best validation score and its weights:
    # a later fit that never beats it, even after a fit without validation, ends with them.
    clf, snapshots = fit_watched(deepnet(DeepNetClassifier, early_stopping=True, learning_rate_init=0.03), X, y)
    first_best = HistoryDisplay.from_estimator(clf).kept_epoch
    clf.set_params(warm_start=True, solver="sgd", momentum=0.0, learning_rate_init=1.0, max_iter=3).fit(X, y)
    clf.set_params(early_stopping=False, learning_rate_init=0.01).fit(X, y)
    clf.set_params(early_stopping=True, learning_rate_init=1.0, max_iter=2).fit(X, y)
    display = HistoryDisplay.from_estimator(clf)

    assert_draws_history(display, clf)
    assert len(clf.history_) > clf.n_iter_  # several fits, all drawn
    assert display.kept_epoch < clf.history_[-clf.n_iter_]["epoch"]  # before the last fit began
    assert display.kept_epoch != first_best  # ... yet not in the first fit either
    assert snapshots.epochs_matching(clf) == [display.kept_epoch]
    # The fit without a validation split has no validation values: a gap in those curves.
    assert np.isnan(display.lines_["validation_score"].get_ydata()).sum() == 3


def test_deepnet_warm_start_without_validation_keeps_the_last_epoch():
    clf, snapshots = fit_watched(deepnet(DeepNetClassifier, max_iter=5), X, y)
    clf.set_params(warm_start=True, max_iter=4).fit(X, y)
    display = HistoryDisplay.from_estimator(clf)
    assert_draws_history(display, clf)
    assert_array_equal(display.lines_["loss"].get_xdata(), np.arange(1, 10))
    assert display.kept_epoch == 9
    assert snapshots.epochs_matching(clf) == [9]


@pytest.mark.parametrize("Estimator", [TabularNetClassifier, TabularNetRegressor])
def test_tabularnet_warm_start_keeps_the_best_epoch_of_the_last_fit(Estimator):
    data = (X, y) if issubclass(Estimator, ClassifierMixin) else (X_r, y_r)
    estimator, snapshots = fit_watched(tabularnet(Estimator), *data)
    first_fit = len(estimator.history_)
    estimator.set_params(warm_start=True, max_iter=6).fit(*data)
    display = HistoryDisplay.from_estimator(estimator)

    assert_draws_history(display, estimator)
    assert display.kept_epoch == first_fit + estimator.best_epoch_  # best_epoch_ counts in the last fit
    assert snapshots.epochs_matching(estimator) == [display.kept_epoch]


@pytest.mark.parametrize("Estimator", [DeepNetClassifier, DeepNetRegressor])
def test_partial_fit_history_spans_the_calls_and_keeps_the_last_epoch(Estimator):
    estimator = deepnet(Estimator, learning_rate_init=0.01)
    snapshots = Snapshots(X)
    estimator.set_params(callbacks=[snapshots])
    extra = {"classes": [0, 1]} if issubclass(Estimator, ClassifierMixin) else {}
    estimator.partial_fit(X, y if extra else y_r, **extra)
    one = HistoryDisplay.from_estimator(estimator)
    assert one.lines_["loss"].get_marker() == "o"  # one point: visible only as a marker
    for _ in range(2):
        estimator.partial_fit(X, y if extra else y_r)
    display = HistoryDisplay.from_estimator(estimator)

    assert_draws_history(display, estimator)
    assert_array_equal(display.lines_["loss"].get_xdata(), [1, 2, 3])
    assert display.kept_epoch == 3
    assert snapshots.epochs_matching(estimator) == [3]
    assert sorted(display.lines_) == ["learning_rate", "loss"]


@pytest.mark.parametrize("make", [lambda: deepnet(DeepNetClassifier, early_stopping=True),
                                  lambda: tabularnet(TabularNetRegressor)], ids=["DeepNet", "TabularNet"])
def test_a_loaded_model_draws_the_same_history(make, tmp_path):
    estimator = make()
    estimator.fit(*((X, y) if is_classifier(estimator) else (X_r, y_r)))
    skdeep.save(estimator, tmp_path / "model.npz")
    loaded = skdeep.load(tmp_path / "model.npz")
    before, after = HistoryDisplay.from_estimator(estimator), HistoryDisplay.from_estimator(loaded)

    assert after.kept_epoch == before.kept_epoch is not None
    assert sorted(after.lines_) == sorted(before.lines_)
    for name, line in before.lines_.items():
        assert_array_equal(after.lines_[name].get_ydata(), line.get_ydata())
    assert_draws_history(after, loaded)


def test_draws_into_the_axes_given():
    clf = deepnet(DeepNetClassifier, early_stopping=True).fit(X, y)
    fig, axes = plt.subplots(1, 3)
    display = HistoryDisplay.from_estimator(clf, ax=axes)
    assert list(display.ax_) == list(axes) and display.figure_ is fig
    assert display.lines_["loss"].axes is axes[0] and display.lines_["validation_loss"].axes is axes[0]
    assert display.lines_["validation_score"].axes is axes[1]
    assert display.lines_["learning_rate"].axes is axes[2]

    fig, ax = plt.subplots()
    display = HistoryDisplay.from_estimator(clf, ax=ax, panels=["score"], name="mine")
    assert list(display.ax_) == [ax] and display.figure_ is fig
    assert list(display.lines_) == ["validation_score"]
    assert ax.get_title() == "mine"
    assert [line.axes for line in display.kept_epoch_lines_] == [ax]

    # plot() again on other axes draws there: the display keeps data, not artists.
    fig2, axes2 = plt.subplots(2, 1)
    display.plot(ax=axes2, panels=("learning_rate", "loss"))
    assert display.figure_ is fig2
    assert display.lines_["learning_rate"].axes is axes2[0] and display.lines_["loss"].axes is axes2[1]


def test_refuses_axes_and_panels_that_do_not_fit():
    lbfgs = deepnet(DeepNetRegressor, solver="lbfgs").fit(X_r, y_r)
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match=r"one matplotlib Axes per panel drawn \(1: loss\)"):
        HistoryDisplay.from_estimator(lbfgs, ax=axes)
    with pytest.raises(ValueError, match="'learning_rate' panel has nothing to draw"):
        HistoryDisplay.from_estimator(lbfgs, panels=["loss", "learning_rate"])
    with pytest.raises(ValueError, match="'score' panel has nothing to draw"):
        HistoryDisplay.from_estimator(lbfgs, panels="score")
    with pytest.raises(ValueError, match="Unknown panel 'accuracy'"):
        HistoryDisplay.from_estimator(lbfgs, panels=["accuracy"])
    with pytest.raises(ValueError, match="each panel to draw once"):
        HistoryDisplay.from_estimator(lbfgs, panels=["loss", "loss"])
    with pytest.raises(ValueError, match="one matplotlib Axes per panel"):
        HistoryDisplay.from_estimator(lbfgs, ax="not an Axes")


@pytest.mark.parametrize("Estimator", [DeepNetClassifier, DeepNetRegressor, TabularNetClassifier,
                                       TabularNetRegressor])
def test_an_unfitted_estimator_is_not_fitted_error(Estimator):
    with pytest.raises(NotFittedError):
        HistoryDisplay.from_estimator(Estimator())


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(max_iter=5).fit(X, y),
    lambda: make_pipeline(StandardScaler(), deepnet(DeepNetClassifier, max_iter=2)).fit(X, y),
    lambda: "DeepNetClassifier",
], ids=["MLPClassifier", "Pipeline", "str"])
def test_not_a_skdeep_estimator_is_type_error(make):
    estimator = make()
    with pytest.raises(TypeError, match=r"history_ of skdeep's estimators .*got \w+\. For a Pipeline pass "
                                        r"its last step \(pipeline\[-1\]\)"):
        HistoryDisplay.from_estimator(estimator)


def test_without_matplotlib_the_error_says_how_to_install_it(monkeypatch):
    clf = deepnet(DeepNetClassifier, max_iter=2).fit(X, y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(ImportError, match=r"HistoryDisplay.from_estimator requires matplotlib.*"
                                          r'pip install "scikit-deepnet\[plot\]"'):
        HistoryDisplay.from_estimator(clf)
    with pytest.raises(ImportError, match=r"HistoryDisplay.plot requires matplotlib"):
        HistoryDisplay(epoch=[1], loss=[0.5]).plot()


def test_importing_skdeep_does_not_import_matplotlib():
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    code = "import sys, skdeep; print(skdeep.HistoryDisplay, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip().endswith("False")


def test_the_constructor_takes_plain_per_epoch_data():
    display = HistoryDisplay(epoch=[1, 2, 3], loss=[1.0, 0.5, 0.4], learning_rate=[0.1, 0.05, np.nan],
                             kept_epoch=2).plot()
    assert [ax.get_ylabel() for ax in display.ax_] == ["loss", "learning rate"]
    assert_array_equal(display.lines_["learning_rate"].get_ydata(), [0.1, 0.05, np.nan])
    assert display.ax_[0].get_title() == ""  # no name, no title
    assert display.ax_[0].get_legend().get_texts()[-1].get_text() == "kept: epoch 2"
    assert HistoryDisplay(epoch=[1, 2], loss=[1.0, 0.5]).plot().kept_epoch_lines_ == []
    with pytest.raises(ValueError, match=r"validation_score must have one value per epoch \(3\)"):
        HistoryDisplay(epoch=[1, 2, 3], loss=[1.0, 0.5, 0.4], validation_score=[0.5, 0.6]).plot()


def test_line_and_marker_keywords_reach_matplotlib():
    clf = deepnet(DeepNetClassifier, early_stopping=True).fit(X, y)
    display = HistoryDisplay.from_estimator(clf, line_kw={"linewidth": 3},
                                            kept_epoch_kw={"color": "red"}, score_name="held-out accuracy")
    assert {line.get_linewidth() for line in display.lines_.values()} == {3}
    assert {line.get_color() for line in display.kept_epoch_lines_} == {"red"}
    assert display.ax_[1].get_ylabel() == "held-out accuracy"
