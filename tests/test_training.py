"""The training loops of skdeep.train.trainer: batches, validation split, stopping rules."""

import os
import signal
import sys
import threading
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdeep import DeepNetClassifier, DeepNetRegressor
from skdeep.nn.network import Network
from skdeep.train.trainer import resolve_batch_size, split_validation

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # Tiny problems: BLAS threads only add overhead, and pytest -n 2 fills both cores.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def small_clf(**params):
    defaults = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    return DeepNetClassifier(**{**defaults, **params})


@pytest.fixture
def recorded_batches(monkeypatch):
    """Every batch X passed to Network.loss_and_gradient, in call order."""
    batches = []
    original = Network.loss_and_gradient

    def recording(self, X, Y, weights, l2):
        batches.append(np.array(X, copy=True))
        return original(self, X, Y, weights, l2)

    monkeypatch.setattr(Network, "loss_and_gradient", recording)
    return batches


# --------------------------------------------------------------------------- batch size


@pytest.mark.parametrize("n_samples, expected", [(1, 1), (50, 50), (200, 200), (201, 200), (5000, 200)])
def test_auto_batch_size_is_min_of_200_and_n_samples(n_samples, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_batch_size("auto", n_samples) == expected


@pytest.mark.parametrize("batch_size", [1, 32, 100])
def test_batch_size_up_to_n_samples_is_kept_without_warning(batch_size):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_batch_size(batch_size, 100) == batch_size


def test_batch_size_above_n_samples_is_clipped_with_a_warning():
    with pytest.warns(UserWarning, match="batch_size=500.*clipped"):
        assert resolve_batch_size(500, 120) == 120


def test_fit_warns_when_batch_size_exceeds_the_training_samples():
    X, y = iris()
    with pytest.warns(UserWarning, match="clipped"):
        small_clf(batch_size=1000, max_iter=2).fit(X, y)


def sorted_rows(A):
    return A[np.lexsort(A.T[::-1])]


@pytest.mark.parametrize(
    "batch_size, expected_sizes", [(40, [40, 40, 40, 30]), ("auto", [150]), (150, [150])]
)
def test_each_epoch_visits_every_sample_once_in_batches_of_batch_size(
    recorded_batches, batch_size, expected_sizes
):
    X, y = iris()
    small_clf(batch_size=batch_size, max_iter=3).fit(X, y)
    per_epoch = len(expected_sizes)
    assert len(recorded_batches) == 3 * per_epoch
    for epoch in range(3):
        batches = recorded_batches[epoch * per_epoch : (epoch + 1) * per_epoch]
        assert [len(batch) for batch in batches] == expected_sizes
        # The same multiset of rows as X: every sample once, none twice.
        np.testing.assert_array_equal(sorted_rows(np.concatenate(batches)), sorted_rows(X))


def test_shuffle_reorders_the_batches_each_epoch_and_shuffle_false_keeps_the_order(recorded_batches):
    X, y = iris()
    small_clf(batch_size=50, max_iter=2, shuffle=False).fit(X, y)
    unshuffled = recorded_batches[:]
    assert len(unshuffled) == 6
    for batch, start in zip(unshuffled, [0, 50, 100, 0, 50, 100], strict=False):
        np.testing.assert_array_equal(batch, X[start : start + 50])
    recorded_batches.clear()
    small_clf(batch_size=50, max_iter=2, shuffle=True).fit(X, y)
    assert not np.array_equal(recorded_batches[0], X[:50])
    assert not np.array_equal(recorded_batches[0], recorded_batches[3])


# --------------------------------------------------------------------------- validation split


def test_split_validation_sizes_follow_the_fraction():
    X = np.arange(200.0).reshape(100, 2)
    Y = np.arange(100.0).reshape(100, 1)
    (X_train, Y_train, w_train), (X_val, Y_val, w_val) = split_validation(
        X, Y, None, 0.2, None, np.random.RandomState(0)
    )
    assert X_val.shape == (20, 2) and Y_val.shape == (20, 1)
    assert X_train.shape == (80, 2) and Y_train.shape == (80, 1)
    assert w_train is None and w_val is None
    # A partition of the samples.
    np.testing.assert_array_equal(np.sort(np.r_[Y_train.ravel(), Y_val.ravel()]), np.arange(100.0))


def test_split_validation_keeps_rows_of_x_y_and_weights_together():
    n = 60
    X = np.c_[np.arange(n), -np.arange(n)].astype(float)
    Y = 2.0 * np.arange(n)[:, None]
    weights = 3.0 * np.arange(n)
    (X_train, Y_train, w_train), (X_val, Y_val, w_val) = split_validation(
        X, Y, weights, 0.25, None, np.random.RandomState(1)
    )
    for X_part, Y_part, w_part in ((X_train, Y_train, w_train), (X_val, Y_val, w_val)):
        np.testing.assert_array_equal(Y_part[:, 0], 2 * X_part[:, 0])
        np.testing.assert_array_equal(w_part, 3 * X_part[:, 0])
        np.testing.assert_array_equal(X_part[:, 1], -X_part[:, 0])
    assert len(w_val) == 15


@pytest.mark.parametrize("seed", range(5))
def test_split_validation_is_stratified_on_the_strata(seed):
    strata = np.r_[np.zeros(90), np.ones(10)]
    X = np.arange(100.0)[:, None]
    Y = strata[:, None]
    _, (_, Y_val, _) = split_validation(X, Y, None, 0.2, strata, np.random.RandomState(seed))
    assert np.bincount(Y_val[:, 0].astype(int)).tolist() == [18, 2]


def test_split_validation_without_strata_is_random():
    strata = np.r_[np.zeros(90), np.ones(10)]
    X, Y = np.arange(100.0)[:, None], strata[:, None]
    minority = [
        int(split_validation(X, Y, None, 0.2, None, np.random.RandomState(seed))[1][1].sum())
        for seed in range(20)
    ]
    assert len(set(minority)) > 1  # stratifying would give 2 every time


def test_split_validation_uses_the_random_state():
    X, Y = np.arange(100.0)[:, None], np.zeros((100, 1))
    first = split_validation(X, Y, None, 0.2, None, np.random.RandomState(0))[1][0]
    same = split_validation(X, Y, None, 0.2, None, np.random.RandomState(0))[1][0]
    other = split_validation(X, Y, None, 0.2, None, np.random.RandomState(1))[1][0]
    np.testing.assert_array_equal(first, same)
    assert not np.array_equal(first, other)


def test_split_validation_rejects_a_validation_set_under_two_samples():
    X, Y = np.arange(20.0)[:, None], np.zeros((20, 1))
    with pytest.raises(ValueError, match="validation set is too small"):
        split_validation(X, Y, None, 0.05, None, np.random.RandomState(0))


def test_early_stopping_on_too_few_samples_raises():
    X, y = iris()
    with pytest.raises(ValueError, match="too small"):
        small_clf(early_stopping=True, validation_fraction=0.01).fit(X[::5], y[::5])
    with pytest.raises(ValueError, match="too small"):
        DeepNetRegressor(early_stopping=True, validation_fraction=0.01).fit(X[::5], y[::5])


def test_early_stopping_with_a_one_member_binary_class_lets_train_test_splits_error_through():
    # Binary targets are stratified as MLPClassifier stratifies them, so the message is
    # its own, word for word.
    X, y = [[1, 2], [2, 3], [3, 4], [4, 5]], [0, 0, 0, 1]
    messages = []
    for estimator in (DeepNetClassifier(early_stopping=True), MLPClassifier(early_stopping=True)):
        with pytest.raises(ValueError, match="The least populated class") as error:
            estimator.fit(X, y)
        messages.append(str(error.value))
    assert messages[0] == messages[1]  # (recent scikit-learn names the class: ['True'])


def test_early_stopping_scores_the_same_held_out_samples_as_mlpclassifier():
    # Same weights and same validation scores epoch by epoch: the same samples were held out.
    X, y = iris()
    for target in (y, y == 0):  # multiclass (not stratified) and binary (stratified)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = small_clf(hidden_layer_sizes=(5,), early_stopping=True, max_iter=8,
                             random_state=3).fit(X, target)
            theirs = MLPClassifier(hidden_layer_sizes=(5,), early_stopping=True, max_iter=8,
                                   random_state=3).fit(X, target)
        assert ours.validation_scores_ == theirs.validation_scores_


# --------------------------------------------------------------------------- stopping rules


@pytest.mark.parametrize("n_iter_no_change", [1, 3, 6])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_training_stops_after_n_iter_no_change_plus_one_epochs_without_improvement(solver, n_iter_no_change):
    X, y = iris()
    # With tol this large no epoch counts as an improvement; the first epoch
    # only sets the best loss.
    params = dict(solver=solver, tol=1e6, n_iter_no_change=n_iter_no_change, max_iter=100, random_state=0)
    est = DeepNetClassifier(hidden_layer_sizes=(8,), **params).fit(X, y)
    assert est.n_iter_ == 1 + (n_iter_no_change + 1) < 100
    assert est.n_iter_ == MLPClassifier(hidden_layer_sizes=(8,), **params).fit(X, y).n_iter_


@pytest.mark.parametrize("n_iter_no_change", [2, 5])
def test_early_stopping_stops_after_n_iter_no_change_plus_one_epochs_without_a_better_score(n_iter_no_change):
    X, y = iris()
    params = dict(early_stopping=True, tol=1e6, n_iter_no_change=n_iter_no_change, max_iter=100,
                  random_state=0)
    est = DeepNetClassifier(hidden_layer_sizes=(8,), **params).fit(X, y)
    assert est.n_iter_ == n_iter_no_change + 2
    assert len(est.validation_scores_) == est.n_iter_
    assert est.n_iter_ == MLPClassifier(hidden_layer_sizes=(8,), **params).fit(X, y).n_iter_


def test_regressor_stops_at_the_same_epoch_as_mlpregressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y = X[:, 0] - 2 * X[:, 1]
    params = dict(hidden_layer_sizes=(8,), tol=1e6, n_iter_no_change=4, max_iter=100, random_state=0)
    assert DeepNetRegressor(**params).fit(X, y).n_iter_ == MLPRegressor(**params).fit(X, y).n_iter_


def test_training_runs_on_while_the_loss_improves():
    X, y = iris()
    est = small_clf(solver="adam", learning_rate_init=0.01, tol=0.0, n_iter_no_change=5, max_iter=30)
    est.fit(X, y)
    assert est.n_iter_ == 30  # the loss keeps falling: never stopped early
    assert all(later < earlier for earlier, later in zip(est.loss_curve_, est.loss_curve_[1:], strict=False))


def test_infinite_n_iter_no_change_never_stops_early():
    X, y = iris()
    est = small_clf(tol=1e6, n_iter_no_change=np.inf, max_iter=15).fit(X, y)
    assert est.n_iter_ == 15


# --------------------------------------------------------------------------- progress attributes


@pytest.mark.parametrize("batch_size", [32, "auto"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_t_counts_samples_seen_and_loss_curve_has_one_entry_per_epoch(solver, batch_size):
    X, y = iris()
    est = small_clf(solver=solver, batch_size=batch_size, max_iter=7).fit(X, y)
    assert est.n_iter_ == 7
    assert est.t_ == est.n_iter_ * len(X)
    assert len(est.loss_curve_) == est.n_iter_ == len(est.history_)
    assert est.loss_ == est.loss_curve_[-1]
    assert est.best_loss_ == min(est.loss_curve_)
    assert [record["loss"] for record in est.history_] == est.loss_curve_


def test_t_counts_only_the_training_part_with_early_stopping():
    X, y = iris()
    est = small_clf(early_stopping=True, validation_fraction=0.2, max_iter=5).fit(X, y)
    assert est.t_ == est.n_iter_ * (len(X) - 30)


def test_partial_fit_runs_one_epoch_per_call():
    X, y = iris()
    est = small_clf(batch_size=50)
    for calls in range(1, 4):
        est.partial_fit(X, y, classes=[0, 1, 2])
        assert est.t_ == calls * len(X)
        assert len(est.loss_curve_) == calls


def test_epoch_loss_is_the_mean_of_the_batch_losses_weighted_by_batch_size(monkeypatch):
    X, y = iris()
    losses = []
    original = Network.loss_and_gradient

    def recording(self, X_batch, Y, weights, l2):
        loss = original(self, X_batch, Y, weights, l2)
        losses.append((loss, X_batch.shape[0]))
        return loss

    monkeypatch.setattr(Network, "loss_and_gradient", recording)
    est = small_clf(batch_size=40, max_iter=1).fit(X, y)
    expected = sum(loss * size for loss, size in losses) / len(X)
    assert est.loss_curve_ == pytest.approx([expected], rel=1e-12)


def test_lbfgs_loss_curve_has_one_entry_per_iteration():
    X, y = iris()
    est = small_clf(solver="lbfgs", max_iter=15).fit(X, y)
    assert len(est.loss_curve_) == est.n_iter_ <= 15
    assert est.loss_ == pytest.approx(est.loss_curve_[-1])
    assert est.best_loss_ == min(est.loss_curve_)


def test_lbfgs_respects_max_fun_with_a_convergence_warning():
    X, y = iris()
    est = small_clf(solver="lbfgs", max_iter=1000, max_fun=10, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.n_iter_ < 10


# --------------------------------------------------------------------------- callbacks


def test_a_callback_returning_true_stops_training_after_that_epoch():
    X, y = iris()
    seen = []

    def stop_at_three(est, record):
        seen.append(record["epoch"])
        return record["epoch"] == 3

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = small_clf(max_iter=50, callbacks=[stop_at_three]).fit(X, y)
    assert seen == [1, 2, 3]
    assert est.n_iter_ == 3 == len(est.loss_curve_)


def test_every_callback_sees_every_epoch_even_when_an_earlier_one_stops():
    X, y = iris()
    calls = []
    small_clf(max_iter=10, callbacks=[
        lambda est, record: calls.append(("first", record["epoch"])) or True,
        lambda est, record: calls.append(("second", record["epoch"])),
    ]).fit(X, y)
    assert calls == [("first", 1), ("second", 1)]


def test_a_callback_stops_lbfgs():
    X, y = iris()
    est = small_clf(solver="lbfgs", max_iter=100,
                    callbacks=[lambda est, record: record["epoch"] >= 4]).fit(X, y)
    assert len(est.loss_curve_) == 4
    assert np.isfinite(est.predict_proba(X)).all()


# --------------------------------------------------------------------------- sample weights in batches


def test_batches_whose_samples_all_weigh_zero_are_skipped():
    X, y = iris()
    order = np.random.RandomState(0).permutation(len(X))
    X, y = X[order], y[order]
    weights = np.r_[np.zeros(50), np.ones(100)]
    params = dict(batch_size=50, shuffle=False, solver="sgd", max_iter=5)
    weighted = small_clf(**params).fit(X, y, sample_weight=weights)
    trimmed = small_clf(**params).fit(X[50:], y[50:])
    assert np.isfinite(weighted.loss_curve_).all()
    np.testing.assert_allclose(weighted.predict_proba(X), trimmed.predict_proba(X), rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- divergence


def test_a_diverging_partial_fit_rolls_back_weights_and_optimizer_state():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 5))
    y = X @ rng.normal(size=5)
    est = DeepNetRegressor(hidden_layer_sizes=(8,), activation="identity", solver="sgd",
                           learning_rate_init=1e-3, batch_size=20, random_state=0)
    for _ in range(3):
        est.partial_fit(X, y)
    weights = est._network.params.copy()
    optimizer = {name: np.copy(value) for name, value in est._train_state.optimizer["state"].items()}
    curve, history = list(est.loss_curve_), list(est.history_)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="diverged"):
        est.partial_fit(X * 1e100, y)
    np.testing.assert_array_equal(est._network.params, weights)
    restored = est._train_state.optimizer["state"]
    assert restored["t"] == optimizer["t"]
    np.testing.assert_array_equal(restored["velocity"], optimizer["velocity"])
    assert est.loss_curve_ == curve and est.history_ == history and est.t_ == 300
    # Nothing of the failed call lingers: the next call trains as if it never happened.
    twin = DeepNetRegressor(**est.get_params())
    for _ in range(4):
        twin.partial_fit(X, y)
    est.partial_fit(X, y)
    np.testing.assert_array_equal(est._network.params, twin._network.params)


def test_divergence_message_names_the_epoch_and_the_remedy():
    X, y = iris()
    est = small_clf(solver="sgd", learning_rate_init=1e10, activation="identity")
    message = r"diverged.*epoch \d+.*learning_rate_init"
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=message):
        est.fit(X * 1e150, y)


# --------------------------------------------------------------------------- interruption


def interrupt_on_call(monkeypatch, call_number, interrupt):
    """Make the ``call_number``-th batch run ``interrupt`` (before computing)."""
    calls = {"count": 0}
    original = Network.loss_and_gradient

    def interrupted(self, *args):
        calls["count"] += 1
        if calls["count"] == call_number:
            interrupt()
        return original(self, *args)

    monkeypatch.setattr(Network, "loss_and_gradient", interrupted)


def ctrl_c_presser(handler_before_fit):
    """A function that sends this process SIGINT, as Ctrl-C does, once skdeep handles it."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    if handler_before_fit is signal.SIG_IGN:
        pytest.skip("this process ignores SIGINT (started under nohup or as a background job): "
                    "skdeep leaves that alone, so Ctrl-C cannot be simulated")

    def press_ctrl_c():
        # Only with skdeep's handler in place: the default one would raise
        # KeyboardInterrupt, which would end the whole test session.
        if signal.getsignal(signal.SIGINT) is handler_before_fit:
            pytest.fail("fit did not install a SIGINT handler")
        os.kill(os.getpid(), signal.SIGINT)

    return press_ctrl_c


def raise_keyboard_interrupt():
    raise KeyboardInterrupt


@pytest.mark.parametrize("early_stopping", [False, True])
def test_keyboard_interrupt_inside_a_batch_stops_with_a_warning_and_keeps_a_usable_model(
    monkeypatch, early_stopping
):
    X, y = iris()
    # Three batches per epoch (150 samples, or 135 after the validation split):
    # the 8th call is the 2nd batch of epoch 3.
    interrupt_on_call(monkeypatch, 8, raise_keyboard_interrupt)
    est = small_clf(batch_size=45 if early_stopping else 50, max_iter=20, early_stopping=early_stopping)
    with pytest.warns(UserWarning, match="[Ii]nterrupted"):
        est.fit(X, y)
    assert est.n_iter_ == 2 == len(est.loss_curve_)
    proba = est.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert all(np.isfinite(W).all() for W in est.coefs_ + est.intercepts_)
    if not early_stopping:  # and training can go on
        est.partial_fit(X, y)
        assert est.n_iter_ == 1 and len(est.loss_curve_) == 3  # n_iter_ counts this call, as in MLP


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_an_interrupt_in_the_first_epoch_leaves_a_usable_saveable_model(monkeypatch, tmp_path, solver):
    import skdeep

    X, y = iris()
    interrupt_on_call(monkeypatch, 2, raise_keyboard_interrupt)
    est = small_clf(solver=solver, batch_size=50)
    with pytest.warns(UserWarning, match="[Ii]nterrupted"):
        est.fit(X, y)
    assert est.n_iter_ == 0 and est.loss_curve_ == [] and est.loss_ is None
    assert np.isfinite(est.predict_proba(X)).all()
    skdeep.save(est, tmp_path / "m.npz", include_optimizer=True)
    loaded = skdeep.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    if solver == "adam":  # and training goes on
        monkeypatch.undo()
        loaded.partial_fit(X, y)
        assert loaded.n_iter_ == 1


def test_keyboard_interrupt_leaves_the_sigint_handler_as_it_was(monkeypatch):
    X, y = iris()
    before = signal.getsignal(signal.SIGINT)
    interrupt_on_call(monkeypatch, 2, raise_keyboard_interrupt)
    with pytest.warns(UserWarning, match="[Ii]nterrupted"):
        small_clf(batch_size=50).fit(X, y)
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(pid, SIGINT) is POSIX")
def test_ctrl_c_stops_training_after_the_current_batch(monkeypatch):
    X, y = iris()
    before = signal.getsignal(signal.SIGINT)
    interrupt_on_call(monkeypatch, 8, ctrl_c_presser(before))
    est = small_clf(batch_size=50, max_iter=20)
    with pytest.warns(UserWarning, match="interrupted by user during epoch 3"):
        est.fit(X, y)
    assert est.n_iter_ == 2
    assert signal.getsignal(signal.SIGINT) is before
    assert np.isfinite(est.predict_proba(X)).all()


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(pid, SIGINT) is POSIX")
def test_ctrl_c_stops_lbfgs_after_the_current_iteration_and_keeps_an_accepted_iterate(monkeypatch, tmp_path):
    import skdeep

    X, y = iris()
    before = signal.getsignal(signal.SIGINT)
    interrupt_on_call(monkeypatch, 6, ctrl_c_presser(before))
    est = small_clf(solver="lbfgs", max_iter=200)
    with pytest.warns(UserWarning, match="interrupted by user after iteration"):
        est.fit(X, y)
    assert 1 <= est.n_iter_ < 20 and est.n_iter_ == len(est.loss_curve_)
    assert signal.getsignal(signal.SIGINT) is before
    # The weights are the iterate whose loss was recorded last, not a line-search trial.
    network = est._network
    weights = np.full(len(y), 1 / len(y))
    Y = est._targets.encode(y).astype(float)
    assert network.evaluate(X, Y, weights, est.alpha / len(y))[1] == pytest.approx(est.loss_, rel=1e-9)
    skdeep.save(est, tmp_path / "m.npz")
    assert np.array_equal(skdeep.load(tmp_path / "m.npz").predict_proba(X), est.predict_proba(X))


def test_keyboard_interrupt_inside_lbfgs_keeps_the_last_accepted_iterate(monkeypatch):
    X, y = iris()
    interrupt_on_call(monkeypatch, 6, raise_keyboard_interrupt)
    est = small_clf(solver="lbfgs", max_iter=200)
    with pytest.warns(UserWarning, match="[Ii]nterrupted"):
        est.fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) >= 1
    assert np.isfinite(est.predict_proba(X)).all()


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(pid, SIGINT) is POSIX")
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_process_that_ignores_sigint_keeps_ignoring_it_during_fit(monkeypatch, solver):
    X, y = iris()
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    seen = []

    def press_ctrl_c():
        seen.append(signal.getsignal(signal.SIGINT))
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        interrupt_on_call(monkeypatch, 4, press_ctrl_c)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # no "interrupted" warning
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = small_clf(solver=solver, batch_size=50, max_iter=5).fit(X, y)
        assert seen == [signal.SIG_IGN] and est.n_iter_ == 5
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_sigint_handler_is_restored_after_a_fit_that_raises():
    X, y = iris()
    before = signal.getsignal(signal.SIGINT)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="diverged"):
        small_clf(solver="sgd", learning_rate_init=1e10, activation="identity").fit(X * 1e150, y)
    assert signal.getsignal(signal.SIGINT) is before

