"""The deep-learning toolbox on the estimators: each feature shows its effect."""

import math
import os
import signal
import threading
import warnings

import re

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, recall_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier, DeepNetRegressor


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# ---------------------------------------------------------------- batch norm
@pytest.mark.slow
def test_batch_norm_rescues_a_ten_layer_sigmoid_network(digits):
    X, y = digits
    scores = {}
    for batch_norm in (False, True):
        clf = DeepNetClassifier(
            hidden_layer_sizes=(32,) * 10, activation="logistic", batch_norm=batch_norm,
            max_iter=15, n_iter_no_change=1000, random_state=0,
        ).fit(X, y)
        scores[batch_norm] = clf.score(X, y)
    # Without it the deep sigmoid stack barely leaves chance (10%) in 15 epochs.
    assert scores[True] > 0.9 > 0.3 > scores[False]


def test_batch_norm_predictions_do_not_depend_on_the_batch(digits):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(16, 16), batch_norm=True, max_iter=5,
                            random_state=0).fit(X, y)
    batch = clf.predict_proba(X[:50])
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(50)])
    np.testing.assert_allclose(one_by_one, batch, rtol=1e-12, atol=1e-15)


def test_batch_norm_running_statistics_track_the_hidden_activations(digits):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(8,), batch_norm=True, max_iter=30,
                            batch_norm_momentum=0.5, random_state=0).fit(X, y)
    norm = clf._network.layers[1]
    Z = X @ clf.coefs_[0] + clf.intercepts_[0]
    np.testing.assert_allclose(norm.running_mean, Z.mean(axis=0), atol=0.3)
    np.testing.assert_allclose(norm.running_var, Z.var(axis=0), rtol=0.3)


def test_batch_norm_continues_with_partial_fit_and_warm_start(digits):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(16,), batch_norm=True, random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y))
    state_after_one = clf._network.state.copy()
    clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 2 and not np.array_equal(clf._network.state, state_after_one)
    warm = DeepNetClassifier(hidden_layer_sizes=(16,), batch_norm=True, warm_start=True,
                             max_iter=3, random_state=0).fit(X, y)
    first_losses = list(warm.loss_curve_)
    warm.fit(X, y)
    assert warm.loss_curve_[:3] == first_losses and warm.loss_curve_[3] < first_losses[0]
    with pytest.raises(ValueError, match="batch_norm"):
        warm.set_params(batch_norm=False).fit(X, y)


# ---------------------------------------------------------------- dropout
@pytest.mark.slow
def test_dropout_narrows_the_train_test_gap_of_a_wide_network():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    gaps = {0.0: [], 0.5: []}
    for seed in (0, 1):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, train_size=150, stratify=y, random_state=seed
        )
        for rate in gaps:
            # He initialization, under which this wide network overfits 150 samples hard.
            clf = DeepNetClassifier(hidden_layer_sizes=(1024, 1024), dropout=rate, alpha=0, init="auto",
                                    max_iter=60, n_iter_no_change=1000, random_state=seed)
            clf.fit(X_train, y_train)
            gaps[rate].append(
                log_loss(y_test, clf.predict_proba(X_test), labels=clf.classes_)
                - log_loss(y_train, clf.predict_proba(X_train), labels=clf.classes_)
            )
    assert np.mean(gaps[0.5]) < 0.85 * np.mean(gaps[0.0]), gaps


def test_dropout_is_training_only_and_predictions_are_deterministic(digits):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(32, 32), dropout=[0.5, 0.2], max_iter=3,
                            random_state=0).fit(X, y)
    assert np.array_equal(clf.predict_proba(X[:20]), clf.predict_proba(X[:20]))
    # Prediction is the plain network: dropout layers pass activations through.
    A = X[:20]
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1], strict=False):
        A = np.maximum(A @ W + b, 0)
    logits = A @ clf.coefs_[-1] + clf.intercepts_[-1]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X[:20]), expected / expected.sum(1, keepdims=True))


def test_dropout_changes_training_and_random_state_makes_it_reproducible(digits):
    X, y = digits
    def fit(**params):
        return DeepNetClassifier(hidden_layer_sizes=(32,), max_iter=3, random_state=0,
                                 **params).fit(X, y).loss_curve_
    assert fit(dropout=0.3) == fit(dropout=0.3)
    assert fit(dropout=0.3) != fit(dropout=0.0)


@pytest.mark.parametrize("dropout, message", [
    ((0.1,), "1 rates but the network has 2 hidden layers"),
    (1.5, "dropout"),
    ([0.1, 1.0], r"\[0, 1\)"),
])
def test_invalid_dropout_is_refused_with_a_clear_message(digits, dropout, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        DeepNetClassifier(hidden_layer_sizes=(4, 4), dropout=dropout, max_iter=1).fit(X, y)


def test_dropout_with_lbfgs_is_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match="stochastic solver"):
        DeepNetClassifier(solver="lbfgs", dropout=0.2).fit(X, y)


# ---------------------------------------------------------------- optimizers
@pytest.mark.parametrize("solver", ["rmsprop", "adamw", "nadam"])
def test_new_solvers_learn_digits(digits, solver):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(32,), solver=solver, max_iter=20,
                            random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]


def test_adamw_weight_decay_shrinks_weights_but_not_biases(digits):
    X, y = digits
    def fit(weight_decay):
        return DeepNetClassifier(hidden_layer_sizes=(32,), solver="adamw", alpha=0, max_iter=20,
                                 weight_decay=weight_decay, random_state=0).fit(X, y)
    plain, decayed = fit(0.0), fit(5.0)
    assert np.linalg.norm(decayed.coefs_[0]) < 0.7 * np.linalg.norm(plain.coefs_[0])
    assert plain.predict(X[:5]).shape == (5,)


def test_clip_grad_norm_bounds_every_update(digits):
    X, y = digits

    def one_full_batch_sgd_step(learning_rate_init):
        return DeepNetClassifier(
            hidden_layer_sizes=(16,), solver="sgd", momentum=0, learning_rate_init=learning_rate_init,
            clip_grad_norm=1e-3, max_iter=1, batch_size=len(X), random_state=0,
        ).fit(X, y)._network.params

    start = one_full_batch_sgd_step(1e-300)  # a step too small to move any parameter
    step = one_full_batch_sgd_step(1.0) - start
    # Rate 1 moves the parameters by exactly the clipped gradient.
    assert np.linalg.norm(step) == pytest.approx(1e-3, rel=1e-6)


# ---------------------------------------------------------------- schedules
def test_cosine_schedule_records_the_formula_rates_in_history(digits):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(16,), learning_rate="cosine", max_iter=12,
                            learning_rate_init=0.01, n_iter_no_change=1000, random_state=0).fit(X, y)
    rates = [record["learning_rate"] for record in clf.history_]
    expected = [0.005 * (1 + math.cos(math.pi * e / 12)) for e in range(12)]
    np.testing.assert_allclose(rates, expected)


def test_warmup_then_step_schedule_rates(digits):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(8,), solver="sgd", learning_rate="step",
                            warmup=2, lr_step_size=3, lr_step_gamma=0.1, learning_rate_init=0.1,
                            max_iter=8, n_iter_no_change=1000, random_state=0).fit(X, y)
    rates = [record["learning_rate"] for record in clf.history_]
    np.testing.assert_allclose(rates, [0.05, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01])


# ---------------------------------------------------------------- class weight
def test_balanced_class_weight_raises_minority_recall():
    X, y = make_classification(n_samples=1000, n_features=10, weights=[0.95, 0.05], flip_y=0,
                               class_sep=0.5, random_state=0)
    recalls = {}
    for class_weight in (None, "balanced"):
        clf = DeepNetClassifier(hidden_layer_sizes=(16,), class_weight=class_weight, max_iter=100,
                                random_state=0).fit(X, y)
        recalls[class_weight] = recall_score(y, clf.predict(X))
    assert recalls["balanced"] > recalls[None] + 0.3


def test_class_weight_multiplies_sample_weight():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    weighted = DeepNetClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=50,
                                 class_weight={0: 3.0}, random_state=0)
    weighted.fit(X, y, sample_weight=np.where(y == 1, 2.0, 1.0))
    explicit = DeepNetClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=50,
                                 random_state=0)
    explicit.fit(X, y, sample_weight=np.where(y == 1, 2.0, 3.0))
    np.testing.assert_allclose(weighted.predict_proba(X), explicit.predict_proba(X))


def test_class_weight_errors_name_the_problem():
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    with pytest.raises(ValueError, match=r"not in y: \[7\]"):
        DeepNetClassifier(class_weight={7: 2.0}, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="partial_fit"):
        DeepNetClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="multilabel"):
        DeepNetClassifier(class_weight="balanced", max_iter=1).fit(X, np.c_[y, 1 - y])


# ---------------------------------------------------------------- history and callbacks
def test_history_has_one_record_per_epoch_with_validation_figures(digits):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(16,), early_stopping=True, max_iter=6,
                            n_iter_no_change=1000, random_state=0).fit(X, y)
    assert [r["epoch"] for r in clf.history_] == list(range(1, 7))
    assert [r["loss"] for r in clf.history_] == clf.loss_curve_
    assert [r["validation_score"] for r in clf.history_] == clf.validation_scores_
    assert all(r["validation_loss"] > 0 and r["seconds"] >= 0 for r in clf.history_)
    assert clf.history_[-1]["learning_rate"] == 0.001


def test_callback_stop_leaves_a_consistent_usable_model(digits):
    X, y = digits
    seen = []

    def stop_at_three(estimator, record):
        seen.append(record["epoch"])
        return record["epoch"] == 3

    clf = DeepNetClassifier(hidden_layer_sizes=(16,), max_iter=50, callbacks=[stop_at_three],
                            learning_rate_init=0.01, random_state=0).fit(X, y)
    assert seen == [1, 2, 3]
    assert clf.n_iter_ == 3 == len(clf.loss_curve_) == len(clf.history_)
    assert clf.t_ == 3 * len(X)
    assert clf.score(X, y) > 0.8


def test_every_callback_sees_every_epoch_and_lbfgs_honours_a_stop(digits):
    X, y = digits
    calls = {"a": 0, "b": 0}

    def a(estimator, record):
        calls["a"] += 1
        return True

    def b(estimator, record):
        calls["b"] += 1

    DeepNetClassifier(hidden_layer_sizes=(8,), max_iter=5, callbacks=[a, b], random_state=0).fit(X, y)
    assert calls == {"a": 1, "b": 1}
    clf = DeepNetClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=100,
                            callbacks=[lambda est, rec: rec["epoch"] == 4], random_state=0).fit(X, y)
    assert clf.n_iter_ == 4 == len(clf.history_) == len(clf.loss_curve_)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signals reach the main thread only")
def test_ctrl_c_stops_after_the_current_batch_with_a_warning(digits):
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        pytest.skip("this process ignores SIGINT (started under nohup or as a background job): "
                    "skdeep leaves that alone, so Ctrl-C cannot be simulated")
    X, y = digits

    def interrupt_during_third_epoch(estimator, record):
        if record["epoch"] == 2:
            os.kill(os.getpid(), signal.SIGINT)  # arrives while epoch 3 runs

    clf = DeepNetClassifier(hidden_layer_sizes=(16,), max_iter=50, batch_size=100,
                            learning_rate_init=0.01, callbacks=[interrupt_during_third_epoch],
                            random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    assert clf.n_iter_ == 2 == len(clf.loss_curve_) == len(clf.history_)
    assert clf.score(X, y) > 0.8
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ---------------------------------------------------------------- verbose and summary
def test_verbose_prints_one_line_per_epoch(digits, capsys):
    X, y = digits
    DeepNetClassifier(hidden_layer_sizes=(8,), max_iter=4, verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [re.match(r"Iteration (\d+), loss = \d+\.\d{8}, lr = ", line)[1] for line in lines[:4]] == [
        "1", "2", "3", "4"]


def test_summary_prints_the_layer_table_with_batch_norm_and_dropout(digits, capsys):
    X, y = digits
    clf = DeepNetClassifier(hidden_layer_sizes=(10, 6), batch_norm=True, dropout=[0.25, 0.0],
                            max_iter=1, random_state=0).fit(X, y)
    clf.summary()
    out = capsys.readouterr().out
    assert "(10, 64)" in out and "(64, 10)" in out and "dropout 0.25" in out
    assert out.count("batch_norm") == 2
    total = int(out.strip().splitlines()[-1].split()[-1].replace(",", ""))
    assert total == clf._network.n_params == 64 * 10 + 10 + 20 + 10 * 6 + 6 + 12 + 6 * 10 + 10


def test_regressor_supports_the_toolbox_too():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5))
    y = X @ rng.normal(size=5) + 0.1 * rng.normal(size=300)
    reg = DeepNetRegressor(hidden_layer_sizes=(32, 32), batch_norm=True, dropout=0.1,
                           solver="nadam", learning_rate="cosine", max_iter=60,
                           random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.8
