"""Numerics at the corners: batch norm with L-BFGS and one-row batches, weights that
overflow, divergence under early stopping, thread-count independence."""


import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPRegressor

from skdeep import DeepNetClassifier, DeepNetRegressor


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def test_lbfgs_with_batch_norm_predicts_with_the_statistics_of_its_final_weights(digits):
    X, y = digits
    clf = DeepNetClassifier((32, 32), solver="lbfgs", batch_norm=True, max_iter=200, random_state=0)
    clf.fit(X, y)
    # Prediction mode reproduces the training loss (alpha's penalty aside), which the
    # line search's trial points used to pull far apart (1e-4 against 0.25).
    prediction_loss = log_loss(y, clf.predict_proba(X))
    assert prediction_loss == pytest.approx(clf.loss_, abs=0.01 + clf.alpha)
    # The running statistics are the weighted statistics of the training data.
    network = clf._network
    norm = next(layer for layer in network.layers if hasattr(layer, "running_var"))
    Z = X @ network.coefs[0] + network.intercepts[0]
    np.testing.assert_allclose(norm.running_mean, Z.mean(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(norm.running_var, Z.var(axis=0), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_samples, batch_size", [(1401, 200), (1000, 999), (201, 100)])
def test_a_last_batch_of_one_row_joins_the_batch_before_it_under_batch_norm(
    digits, n_samples, batch_size, monkeypatch
):
    from skdeep.nn.network import Network

    X, y = digits
    X, y = X[:n_samples], y[:n_samples]
    seen = []
    loss_and_gradient = Network.loss_and_gradient

    def spy(self, X_batch, *args):
        seen.append(X_batch.shape[0])
        return loss_and_gradient(self, X_batch, *args)

    monkeypatch.setattr(Network, "loss_and_gradient", spy)
    clf = DeepNetClassifier((32,), batch_norm=True, batch_size=batch_size, max_iter=30, random_state=0)
    clf.fit(X, y)
    assert min(seen) >= 2
    batches_per_epoch = len(seen) // clf.n_iter_
    assert sum(seen[:batches_per_epoch]) == n_samples
    # The running variances stay at the scale of the batch variances, not near 0.
    network = clf._network
    norm = next(layer for layer in network.layers if hasattr(layer, "running_var"))
    Z = X @ network.coefs[0] + network.intercepts[0]
    assert np.median(norm.running_var / Z.var(axis=0)) > 0.5


def test_batch_norm_with_a_one_row_tail_scores_as_well_as_without(digits):
    X, y = digits
    scores = [
        DeepNetClassifier((64,), batch_norm=True, max_iter=40, random_state=0)
        .fit(X[:n], y[:n]).score(X[1500:], y[1500:])
        for n in (1400, 1401)
    ]
    assert abs(scores[0] - scores[1]) < 0.01


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_batch_norm_refuses_batches_of_one_sample_before_training(solver):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="batch_norm needs at least 2 samples per batch"):
        DeepNetClassifier(batch_norm=True, batch_size=1, solver=solver).fit(X[:1], y[:1])
    if solver == "adam":
        clf = DeepNetClassifier(batch_norm=True, batch_size=1)
        with pytest.raises(ValueError, match="1 sample"):
            clf.fit(X, y)
        assert not hasattr(clf, "n_features_in_")


@pytest.mark.parametrize("class_weight, message", [
    ({0: -1.0, 1: 2.0}, "finite non-negative"),
    ({0: float("nan")}, "finite non-negative"),
    ({0: float("inf")}, "finite non-negative"),
    ({0: "heavy"}, "finite non-negative"),
    ({0: 0.0, 1: 0.0, 2: 0.0}, "sum to zero"),
    ({0: 1e308, 1: 1e308, 2: 1e308}, "too large"),
])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_class_weight_is_validated_like_sample_weight(class_weight, message, solver):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=message):
        DeepNetClassifier(class_weight=class_weight, solver=solver, max_iter=5).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sample_weights_whose_sum_overflows_are_refused(dtype):
    X, y = load_iris(return_X_y=True)
    weights = np.full(len(y), 1e308 if dtype == np.float64 else 1e38)
    with pytest.raises(ValueError, match="too large"):
        DeepNetClassifier(max_iter=5).fit(X.astype(dtype), y, sample_weight=weights)


def test_a_diverging_fit_with_early_stopping_warns_and_keeps_the_best_weights():
    # scikit-learn's own test_mlp_diverging_loss, and what it implies.
    X, y = load_iris(return_X_y=True)
    params = dict(hidden_layer_sizes=100, activation="identity", solver="sgd", learning_rate_init=1,
                  max_iter=20, early_stopping=True, random_state=0)
    with np.errstate(all="ignore"), pytest.warns(UserWarning, match="diverged.*best validation score"):
        ours = DeepNetRegressor(**params).fit(X, y)
    assert str(ours.validation_scores_[-1]) == str(np.nan)
    assert isinstance(ours.validation_scores_[-1], float)
    assert np.isfinite(ours.predict(X)).all()
    assert ours._train_state.optimizer is None  # NaN moments are dropped, not kept
    # Also when a callback asks to stop at that very epoch.
    def stop_on_nan(estimator, record):
        return record["loss"] != record["loss"]

    with np.errstate(all="ignore"), pytest.warns(UserWarning, match="diverged"):
        stopped = DeepNetRegressor(**params, callbacks=[stop_on_nan]).fit(X, y)
    assert np.isnan(stopped.loss_curve_[-1]) and stopped._train_state.optimizer is None
    with np.errstate(all="ignore"):
        theirs = MLPRegressor(**params).fit(X, y)
    assert str(theirs.validation_scores_[-1]) == str(np.nan)
    # The model trains on from its (poor but finite) best weights, with a fresh optimizer.
    ours.set_params(learning_rate_init=1e-12, warm_start=True).fit(X, y)
    assert np.isfinite(ours.loss_curve_[-1]) and ours._train_state.optimizer is not None


def test_lbfgs_stopping_at_max_fun_warns_convergence_warning(digits):
    X, y = digits
    for activation in ("identity", "logistic", "tanh", "relu"):
        with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
            clf = DeepNetClassifier(50, solver="lbfgs", max_iter=150, max_fun=10, activation=activation,
                                    random_state=1).fit(X[:200], y[:200])
        assert clf.n_iter_ <= 10


def test_clip_grad_norm_computes_the_norm_the_same_with_one_or_two_blas_threads():
    # The matrix products themselves depend on the thread count (docs/dask.rst says
    # so); the global norm must not add to it, so it is summed outside BLAS.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from skdeep.train.trainer import _clip_by_global_norm

    grad = np.random.default_rng(0).normal(size=1_000_003)
    clipped = []
    for threads in (1, 2):
        with threadpoolctl.threadpool_limits(threads, user_api="blas"):
            copy = grad.copy()
            _clip_by_global_norm(copy, 1.0)
            clipped.append(copy)
    np.testing.assert_array_equal(clipped[0], clipped[1])
    assert np.sqrt(np.sum(clipped[0] ** 2)) == pytest.approx(1.0, rel=1e-12)
