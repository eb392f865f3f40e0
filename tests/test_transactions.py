"""fit and partial_fit are transactions; set_params takes effect at once.

A call that raises leaves the estimator exactly as it was before the call:
a fitted model keeps every attribute, its weights, its training state and its
predictions (and still saves and loads), and a model whose first fit fails
stays unfitted. Parameters that leave the parameter layout alone
(``activation``, ``loss``, ``batch_norm_momentum``, the learning rate, the
solver) take effect on the next prediction or training call; structural ones
(``hidden_layer_sizes``, ``batch_norm``) are refused on a continued fit with a
ValueError naming them. Nothing the caller passes in is modified.
"""

import copy
import dataclasses
import io
import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import xlogy
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import skdeep
from skdeep import DeepNetClassifier, DeepNetRegressor
from skdeep.nn.network import Network
from skdeep.nn.spec import NetworkSpec

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # the overflows of diverging fits
]

_RNG = np.random.RandomState(0)
X = _RNG.normal(size=(36, 3))
Y = {
    "classifier": np.arange(36) % 3,
    "regressor": X @ np.array([0.5, -1.0, 0.3]) + 0.1 * _RNG.normal(size=36),
}
Y_COUNTS = np.round(np.exp(0.4 * X[:, 0]) * 2.0)  # non-negative targets for loss="poisson"
ESTIMATORS = {"classifier": DeepNetClassifier, "regressor": DeepNetRegressor}
STOCHASTIC = ("sgd", "adam", "rmsprop", "adamw", "nadam")
HUGE_RATE = 1e100  # with batch_size=1, sgd overflows within one epoch


def _make(kind, solver="adam", **params):
    params = {"hidden_layer_sizes": (5,), "max_iter": 4, "random_state": 0, **params}
    return ESTIMATORS[kind](solver=solver, **params)


def _fitted(kind, solver="adam", **params):
    return _make(kind, solver, **params).fit(X, Y[kind])


def _one_hot(y):
    return (y[:, None] == np.unique(y)[None, :]).astype(float)


def _softmax(Z):
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _forward_logits(est, X, hidden):
    """Logits of a one-hidden-layer estimator computed by hand from coefs_ and intercepts_."""
    (W1, W2), (b1, b2) = est.coefs_, est.intercepts_
    return hidden(X @ W1 + b1) @ W2 + b2


def _raise_on_call(n):
    """A plain callback that raises on the n-th epoch it sees."""
    seen = []

    def callback(estimator, record):
        seen.append(record["epoch"])
        if len(seen) == n:
            raise RuntimeError(f"callback failed on its epoch {n}")

    return callback


# ---------------------------------------------------------------- observing a model
def _observe(est):
    """What a caller can see of a fitted estimator, copied (predictions first: they may
    refresh the network to the current parameters, which the call under test must keep)."""
    predictions = {"predict": est.predict(X)}
    if is_classifier(est):
        predictions["predict_proba"] = est.predict_proba(X)
        predictions["predict_log_proba"] = est.predict_log_proba(X)
    params = est.get_params(deep=False)
    return {
        "predictions": predictions,
        "params": params,
        "attributes": {name: copy.deepcopy(value) for name, value in vars(est).items()
                       if name not in params},
        "views": {name: copy.deepcopy(getattr(est, name)) for name in (
            "n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
            "best_validation_score_", "history_", "n_features_in_", "n_outputs_", "n_layers_",
            "out_activation_")},
        "coefs": [W.copy() for W in est.coefs_],
        "intercepts": [b.copy() for b in est.intercepts_],
    }


def _assert_same(before, after, where):
    """Deep equality: arrays bit for bit (dtype and shape too), NaN equal to NaN."""
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), where
        assert (after.dtype, after.shape) == (before.dtype, before.shape), where
        assert_array_equal(after, before, err_msg=where, strict=True)
    elif isinstance(before, Network):
        assert isinstance(after, Network), where
        assert after.spec == before.spec, where
        _assert_same(before.params, after.params, f"{where}.params")
        _assert_same(before.state, after.state, f"{where}.state")
    elif dataclasses.is_dataclass(before):
        assert type(after) is type(before), where
        for item in dataclasses.fields(before):
            _assert_same(getattr(before, item.name), getattr(after, item.name), f"{where}.{item.name}")
    elif isinstance(before, dict):
        assert isinstance(after, dict) and list(after) == list(before), where
        for key in before:
            _assert_same(before[key], after[key], f"{where}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert type(after) is type(before) and len(after) == len(before), where
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            _assert_same(old, new, f"{where}[{index}]")
    elif isinstance(before, float) and math.isnan(before):
        assert isinstance(after, float) and math.isnan(after), where
    elif hasattr(before, "__dict__") and not callable(before):  # e.g. the LabelBinarizer
        assert type(after) is type(before), where
        _assert_same(vars(before), vars(after), where)
    else:
        assert type(after) is type(before) and after == before, f"{where}: {before!r} -> {after!r}"


def _assert_unchanged(est, before, tmp_path):
    params = est.get_params(deep=False)
    assert set(vars(est)) == set(before["params"]) | set(before["attributes"])
    for name, value in before["params"].items():
        assert params[name] is value, f"parameter {name} was replaced"
    _assert_same(before["attributes"], {name: vars(est)[name] for name in before["attributes"]},
                 "vars(est)")
    after = _observe(est)
    _assert_same(before["views"], after["views"], "fitted attribute")
    _assert_same(before["coefs"], after["coefs"], "coefs_")
    _assert_same(before["intercepts"], after["intercepts"], "intercepts_")
    _assert_same(before["predictions"], after["predictions"], "predictions")
    if is_classifier(est):
        assert_array_equal(est.classes_, before["attributes"]["_targets"].classes, strict=True)

    path = tmp_path / "model.npz"
    if isinstance(getattr(est, "class_weight", None), dict):
        # The weights the failed call refused: save refuses them too (tested below), so
        # that it never writes a file load would refuse.
        with pytest.raises(ValueError, match="class_weight"):
            skdeep.save(est, path)
        est.set_params(class_weight=None)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="callbacks are code")
        skdeep.save(est, path, include_optimizer=True)
    loaded = skdeep.load(path)
    _assert_same(before["predictions"], _observe(loaded)["predictions"], "loaded predictions")
    assert loaded.loss_curve_ == before["views"]["loss_curve_"]


# ------------------------------------------------- failures on a fitted model
@dataclass
class Failure:
    """A call that must fail on a fitted model, and how it is prepared."""

    kind: str
    solver: str
    act: Callable  # est -> None; makes the failing call
    error: type
    match: str
    prepare: Callable = lambda est: None  # est -> None; set_params and earlier calls


def _with(**params):
    return lambda est: est.set_params(**params)


def _kind(est):
    return "classifier" if is_classifier(est) else "regressor"


def _call(method, X_=None, y=None, **kwargs):
    def act(est):
        getattr(est, method)(X if X_ is None else X_, Y[_kind(est)] if y is None else y, **kwargs)
    return act


def _prepare_failing_partial_fit(est):
    # The callback's first epoch is a successful partial_fit; its second raises.
    est.set_params(callbacks=[_raise_on_call(2)])
    est.partial_fit(X, Y[_kind(est)])


X_NAN = X.copy()
X_NAN[3, 1] = np.nan
ZERO_WEIGHTS = np.zeros(len(X))
ZERO_WEIGHT_MESSAGE = "non-zero|sums to zero"  # scikit-learn's check or skdeep's

FAILURES = {}
for kind in ESTIMATORS:
    for solver in ("adam", "lbfgs"):
        FAILURES[f"{kind}-{solver}-fit-wrong-n_features-warm_start"] = Failure(
            kind, solver, _call("fit", X[:, :2]), ValueError, "features",
            _with(warm_start=True))
        FAILURES[f"{kind}-{solver}-fit-NaN-in-X"] = Failure(
            kind, solver, _call("fit", X_NAN), ValueError, "NaN")
        FAILURES[f"{kind}-{solver}-fit-all-zero-sample_weight"] = Failure(
            kind, solver, _call("fit", sample_weight=ZERO_WEIGHTS), ValueError, ZERO_WEIGHT_MESSAGE)
        FAILURES[f"{kind}-{solver}-fit-callback-raises-on-epoch-2"] = Failure(
            kind, solver, _call("fit"), RuntimeError, "callback failed",
            _with(callbacks=[_raise_on_call(2)]))
        FAILURES[f"{kind}-{solver}-warm_start-fit-hidden_layer_sizes-changed"] = Failure(
            kind, solver, _call("fit"), ValueError, "hidden_layer_sizes",
            _with(hidden_layer_sizes=(7,), warm_start=True))
        if solver != "lbfgs":
            FAILURES[f"{kind}-{solver}-warm_start-fit-batch_norm-changed"] = Failure(
                kind, solver, _call("fit"), ValueError, "batch_norm",
                _with(batch_norm=True, warm_start=True))
    FAILURES[f"{kind}-sgd-warm_start-fit-callback-raises-on-epoch-2"] = Failure(
        kind, "sgd", _call("fit"), RuntimeError, "callback failed",
        _with(callbacks=[_raise_on_call(2)], warm_start=True))
    FAILURES[f"{kind}-sgd-warm_start-fit-diverges"] = Failure(
        kind, "sgd", _call("fit"), ValueError, "diverged",
        _with(learning_rate_init=HUGE_RATE, batch_size=1, warm_start=True))
    FAILURES[f"{kind}-sgd-partial_fit-diverges"] = Failure(
        kind, "sgd", _call("partial_fit"), ValueError, "diverged",
        _with(learning_rate_init=HUGE_RATE, batch_size=1))
    for solver in STOCHASTIC:
        FAILURES[f"{kind}-{solver}-partial_fit-callback-raises-on-epoch-2"] = Failure(
            kind, solver, _call("partial_fit"), RuntimeError, "callback failed",
            _prepare_failing_partial_fit)
    FAILURES[f"{kind}-adam-partial_fit-wrong-n_features"] = Failure(
        kind, "adam", _call("partial_fit", X[:, :2]), ValueError, "features")
    FAILURES[f"{kind}-adam-partial_fit-NaN-in-X"] = Failure(
        kind, "adam", _call("partial_fit", X_NAN), ValueError, "NaN")
    FAILURES[f"{kind}-adam-partial_fit-all-zero-sample_weight"] = Failure(
        kind, "adam", _call("partial_fit", sample_weight=ZERO_WEIGHTS), ValueError, ZERO_WEIGHT_MESSAGE)
    FAILURES[f"{kind}-adam-partial_fit-early_stopping"] = Failure(
        kind, "adam", _call("partial_fit"), ValueError, "early_stopping",
        _with(early_stopping=True))
    FAILURES[f"{kind}-adam-partial_fit-hidden_layer_sizes-changed"] = Failure(
        kind, "adam", _call("partial_fit"), ValueError, "hidden_layer_sizes",
        _with(hidden_layer_sizes=(7,)))
    FAILURES[f"{kind}-adam-partial_fit-batch_norm-changed"] = Failure(
        kind, "adam", _call("partial_fit"), ValueError, "batch_norm", _with(batch_norm=True))

for solver in ("adam", "lbfgs"):
    FAILURES[f"classifier-{solver}-refit-with-a-negative-class-weight"] = Failure(
        "classifier", solver, _call("fit"), ValueError, "finite non-negative",
        _with(class_weight={0: -1.0, 1: 2.0}))
    FAILURES[f"classifier-{solver}-fit-class_weight-names-a-class-absent-from-y"] = Failure(
        "classifier", solver, _call("fit"), ValueError, r"not in y: \[7\]",
        _with(class_weight={0: 1.0, 1: 2.0, 2: 1.0, 7: 3.0}))
    FAILURES[f"classifier-{solver}-warm_start-fit-with-other-classes"] = Failure(
        "classifier", solver, _call("fit", y=np.arange(len(X)) % 2), ValueError,
        "same classes", _with(warm_start=True))
FAILURES["classifier-adam-partial_fit-class_weight-names-a-class-absent-from-y"] = Failure(
    "classifier", "adam", _call("partial_fit"), ValueError, r"not in y: \[7\]",
    _with(class_weight={0: 1.0, 7: 3.0}))
FAILURES["classifier-adam-partial_fit-unseen-class"] = Failure(
    "classifier", "adam", _call("partial_fit", y=np.where(Y["classifier"] == 2, 5, Y["classifier"])),
    ValueError, "classes not in")
FAILURES["classifier-adam-partial_fit-other-classes-argument"] = Failure(
    "classifier", "adam", _call("partial_fit", classes=[0, 1, 2, 5]), ValueError, "classes")
FAILURES["regressor-adam-fit-poisson-with-negative-y"] = Failure(
    "regressor", "adam", _call("fit"), ValueError, "non-negative", _with(loss="poisson"))


@pytest.mark.parametrize("failure", list(FAILURES.values()), ids=list(FAILURES))
def test_a_failed_call_leaves_a_fitted_model_exactly_as_it_was(failure, tmp_path):
    est = _fitted(failure.kind, failure.solver)
    failure.prepare(est)
    before = _observe(est)
    with pytest.raises(failure.error, match=failure.match):
        failure.act(est)
    _assert_unchanged(est, before, tmp_path)


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_a_failed_refit_after_a_successful_continued_fit_keeps_the_continued_model(
        kind, solver, tmp_path):
    # The rollback goes back to the state just before the failing call, not to some
    # earlier one: the epochs of the successful warm start are kept.
    est = _fitted(kind, solver, warm_start=True)
    est.fit(X, Y[kind])
    assert len(est.loss_curve_) > est.n_iter_
    before = _observe(est)
    with pytest.raises(ValueError, match="NaN"):
        est.fit(X_NAN, Y[kind])
    _assert_unchanged(est, before, tmp_path)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_structural_change_on_a_continued_fit_names_the_parameter(kind):
    est = _fitted(kind, "adam", warm_start=True)
    est.set_params(hidden_layer_sizes=(5, 5))
    with pytest.raises(ValueError, match=r"\(warm_start=True\): hidden_layer_sizes is \(5, 5\) but the model "
                                         r"was fitted with \(5,\)\. Set warm_start=False"):
        est.fit(X, Y[kind])
    with pytest.raises(ValueError, match=r"\(partial_fit\): hidden_layer_sizes .*Call fit with warm_start=False"):
        est.partial_fit(X, Y[kind])
    est.set_params(hidden_layer_sizes=(5,), batch_norm=True)
    with pytest.raises(ValueError, match=r"batch_norm is True but the model was fitted with False"):
        est.fit(X, Y[kind])
    # Without warm_start, fit starts anew under the new structure.
    est.set_params(warm_start=False).fit(X, Y[kind])
    assert est._network.spec.batch_norm


# ------------------------------------------------------ failures on a first fit
def _assert_unfitted(est):
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    methods = ["predict"] + (["predict_proba", "predict_log_proba"] if is_classifier(est) else [])
    for method in methods:
        with pytest.raises(NotFittedError):  # not a bare AttributeError on a half-set model
            getattr(est, method)(X)
    assert [name for name in vars(est) if name.endswith("_")] == []
    assert set(vars(est)) == set(est.get_params(deep=False))


FIRST_FAILURES = {}
for kind in ESTIMATORS:
    for solver in ("sgd", "lbfgs"):
        FIRST_FAILURES[f"{kind}-{solver}-fit-NaN-in-X"] = Failure(
            kind, solver, _call("fit", X_NAN), ValueError, "NaN")
        FIRST_FAILURES[f"{kind}-{solver}-fit-all-zero-sample_weight"] = Failure(
            kind, solver, _call("fit", sample_weight=ZERO_WEIGHTS), ValueError, ZERO_WEIGHT_MESSAGE)
        FIRST_FAILURES[f"{kind}-{solver}-fit-callback-raises-on-epoch-2"] = Failure(
            kind, solver, _call("fit"), RuntimeError, "callback failed",
            _with(callbacks=[_raise_on_call(2)]))
    FIRST_FAILURES[f"{kind}-sgd-fit-diverges"] = Failure(
        kind, "sgd", _call("fit"), ValueError, "diverged",
        _with(learning_rate_init=HUGE_RATE, batch_size=1))
    partial = _call("partial_fit", classes=[0, 1, 2]) if kind == "classifier" else _call("partial_fit")
    FIRST_FAILURES[f"{kind}-sgd-partial_fit-diverges"] = Failure(
        kind, "sgd", partial, ValueError, "diverged",
        _with(learning_rate_init=HUGE_RATE, batch_size=1))
    FIRST_FAILURES[f"{kind}-sgd-partial_fit-callback-raises-on-epoch-1"] = Failure(
        kind, "sgd", partial, RuntimeError, "callback failed", _with(callbacks=[_raise_on_call(1)]))
    FIRST_FAILURES[f"{kind}-sgd-partial_fit-early_stopping"] = Failure(
        kind, "sgd", partial, ValueError, "early_stopping", _with(early_stopping=True))
    FIRST_FAILURES[f"{kind}-sgd-partial_fit-NaN-in-X"] = Failure(
        kind, "sgd", (_call("partial_fit", X_NAN, classes=[0, 1, 2]) if kind == "classifier"
                      else _call("partial_fit", X_NAN)), ValueError, "NaN")
FIRST_FAILURES["classifier-adam-fit-NaN-class-weight"] = Failure(
    "classifier", "adam", _call("fit"), ValueError, "finite non-negative",
    _with(class_weight={0: float("nan")}))
FIRST_FAILURES["classifier-adam-fit-class_weight-names-a-class-absent-from-y"] = Failure(
    "classifier", "adam", _call("fit"), ValueError, "not in y", _with(class_weight={0: 1.0, 7: 2.0}))
FIRST_FAILURES["classifier-adam-partial_fit-without-classes"] = Failure(
    "classifier", "adam", _call("partial_fit"), ValueError, "classes")
FIRST_FAILURES["classifier-adam-partial_fit-y-outside-classes"] = Failure(
    "classifier", "adam", _call("partial_fit", classes=[0, 1]), ValueError, "classes not in")
FIRST_FAILURES["classifier-adam-partial_fit-all-zero-class-weights"] = Failure(
    "classifier", "adam", _call("partial_fit", classes=[0, 1, 2]), ValueError, "sum to zero",
    _with(class_weight={0: 0.0, 1: 0.0, 2: 0.0}))
FIRST_FAILURES["regressor-adam-fit-poisson-with-negative-y"] = Failure(
    "regressor", "adam", _call("fit"), ValueError, "non-negative", _with(loss="poisson"))


@pytest.mark.parametrize("failure", list(FIRST_FAILURES.values()), ids=list(FIRST_FAILURES))
def test_a_failed_first_call_leaves_the_estimator_unfitted(failure):
    est = _make(failure.kind, failure.solver)
    failure.prepare(est)
    params = est.get_params(deep=False)
    with pytest.raises(failure.error, match=failure.match):
        failure.act(est)
    _assert_unfitted(est)
    assert all(est.get_params(deep=False)[name] is value for name, value in params.items())


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_an_estimator_whose_first_fit_failed_fits_like_a_fresh_one(kind):
    est = _make(kind, "sgd", callbacks=[_raise_on_call(2)])
    with pytest.raises(RuntimeError):
        est.fit(X, Y[kind])
    est.set_params(callbacks=None).fit(X, Y[kind])
    fresh = _make(kind, "sgd").fit(X, Y[kind])
    assert_array_equal(est.predict(X), fresh.predict(X), strict=True)
    assert est.loss_curve_ == fresh.loss_curve_


# ---------------------------------------------------- set_params after a fit
def test_predictions_follow_a_new_activation_at_once(tmp_path):
    est = _fitted("classifier", "adam")
    relu_proba = est.predict_proba(X)
    assert_allclose(relu_proba, _softmax(_forward_logits(est, X, lambda Z: np.maximum(Z, 0))),
                    rtol=1e-12)

    est.set_params(activation="tanh")
    tanh_proba = est.predict_proba(X)
    assert_allclose(tanh_proba, _softmax(_forward_logits(est, X, np.tanh)), rtol=1e-12)
    assert not np.allclose(tanh_proba, relu_proba)
    assert_array_equal(est.predict(X), est.classes_[tanh_proba.argmax(axis=1)])
    assert_allclose(np.exp(est.predict_log_proba(X)), tanh_proba, rtol=1e-12)

    # A fresh Network of the same spec and parameters agrees bit for bit.
    network = Network(NetworkSpec((3, 5, 3), "tanh", "softmax", "float64"))
    network.params[...] = est._network.params
    assert_array_equal(network.predict(X), tanh_proba)

    table = io.StringIO()
    est.summary(file=table)
    rows = table.getvalue().splitlines()
    assert any(row.startswith("1 (hidden)") and " tanh " in row for row in rows)
    assert any(row.startswith("2 (output)") and " softmax " in row for row in rows)
    assert "relu" not in table.getvalue()

    skdeep.save(est, tmp_path / "tanh.npz")
    loaded = skdeep.load(tmp_path / "tanh.npz")
    assert loaded.activation == "tanh"
    assert loaded._network.spec.hidden_activation == "tanh"
    assert_array_equal(loaded.predict_proba(X), tanh_proba, strict=True)
    assert_array_equal(loaded.predict(X), est.predict(X), strict=True)


def test_a_warm_start_after_a_new_activation_trains_that_activation():
    # One full-batch sgd step without momentum or penalty: the new weights are
    # W - lr * grad, the gradient being that of the tanh network.
    est = _make("classifier", "sgd", momentum=0.0, alpha=0.0, batch_size=36, shuffle=False,
                learning_rate_init=0.1).fit(X, Y["classifier"])
    start = est._network.params.copy()
    targets = _one_hot(Y["classifier"])
    tanh_logits = _forward_logits(est, X, np.tanh)
    tanh_loss = np.mean(-np.log(_softmax(tanh_logits)[targets == 1]))

    est.set_params(activation="tanh", warm_start=True, max_iter=1).fit(X, Y["classifier"])

    assert est._network.spec.hidden_activation == "tanh"
    assert est.loss_ == pytest.approx(tanh_loss, rel=1e-12)  # the epoch's forward pass used tanh
    reference = Network(NetworkSpec((3, 5, 3), "tanh", "softmax", "float64"))
    reference.params[...] = start
    reference.loss_and_gradient(X, targets, np.full(36, 1 / 36), 0.0)
    assert_allclose(est._network.params, start - 0.1 * reference.grad, rtol=1e-12, atol=1e-15)
    assert len(est.loss_curve_) == 5


def test_a_regressor_warm_started_with_poisson_loss_trains_poisson_and_saves(tmp_path):
    est = _make("regressor", "sgd", momentum=0.0, alpha=0.0, batch_size=36, shuffle=False,
                learning_rate_init=0.01).fit(X, Y_COUNTS)
    assert est.out_activation_ == "identity"
    logits = est.predict(X)  # identity output: the logits
    poisson_loss = np.mean(np.exp(logits) - Y_COUNTS * logits + xlogy(Y_COUNTS, Y_COUNTS) - Y_COUNTS)

    est.set_params(loss="poisson", warm_start=True, max_iter=2).fit(X, Y_COUNTS)

    assert est.out_activation_ == "exp"
    assert est._network.spec.output_activation == "exp"
    assert est.loss_curve_[4] == pytest.approx(poisson_loss, rel=1e-12)
    assert (est.predict(X) > 0).all()
    table = io.StringIO()
    est.summary(file=table)
    assert any(row.startswith("2 (output)") and " exp " in row for row in table.getvalue().splitlines())

    skdeep.save(est, tmp_path / "poisson.npz")
    loaded = skdeep.load(tmp_path / "poisson.npz")
    assert loaded.loss == "poisson" and loaded.out_activation_ == "exp"
    assert_array_equal(loaded.predict(X), est.predict(X), strict=True)


def test_predictions_follow_a_new_loss_at_once():
    est = _fitted("regressor", "adam")
    logits = est.predict(X)
    est.set_params(loss="poisson")
    assert est.out_activation_ == "exp"
    assert_allclose(est.predict(X), np.exp(logits), rtol=1e-12)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_new_batch_norm_momentum_takes_effect_in_the_next_training(kind):
    est = _make(kind, "sgd", batch_norm=True, batch_size=36, shuffle=False).fit(X, Y[kind])
    W1, b1 = est.coefs_[0].copy(), est.intercepts_[0].copy()
    running_mean = est._network.state[:5].copy()
    Z = X @ W1 + b1  # the hidden pre-activations the next (only) batch normalizes

    # With momentum 0 the running statistics become this batch's.
    est.set_params(batch_norm_momentum=0.0, warm_start=True, max_iter=1).fit(X, Y[kind])

    assert est._network.spec.batch_norm_momentum == 0.0
    assert not np.allclose(running_mean, Z.mean(axis=0))
    assert_allclose(est._network.state[:5], Z.mean(axis=0), rtol=1e-10)
    assert_allclose(est._network.state[5:], Z.var(axis=0), rtol=1e-10)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_solver_changed_between_partial_fits_starts_a_fresh_optimizer(kind, tmp_path):
    est = _make(kind, "adam", batch_size=12)
    first = {"classes": [0, 1, 2]} if kind == "classifier" else {}
    est.partial_fit(X, Y[kind], **first).partial_fit(X, Y[kind])
    assert est._train_state.optimizer["solver"] == "adam"
    assert est._train_state.optimizer["state"]["t"] == 6

    est.set_params(solver="sgd").partial_fit(X, Y[kind])
    optimizer = est._train_state.optimizer
    assert optimizer["solver"] == "sgd"
    assert set(optimizer["state"]) == {"t", "velocity"}
    assert optimizer["state"]["t"] == 3  # this call's 3 batches only
    assert len(est.loss_curve_) == 3

    # With include_optimizer, a loaded copy continues bit for bit; without, it does not.
    skdeep.save(est, tmp_path / "with.npz", include_optimizer=True)
    skdeep.save(est, tmp_path / "without.npz")
    with_optimizer = skdeep.load(tmp_path / "with.npz")
    without_optimizer = skdeep.load(tmp_path / "without.npz")
    for model in (est, with_optimizer, without_optimizer):
        model.partial_fit(X, Y[kind])
    assert_array_equal(with_optimizer._network.params, est._network.params, strict=True)
    assert with_optimizer.loss_curve_ == est.loss_curve_
    assert with_optimizer._train_state.optimizer["state"]["t"] == 6
    assert not np.array_equal(without_optimizer._network.params, est._network.params)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_learning_rate_changed_between_partial_fits_takes_effect(kind):
    est = _make(kind, "sgd", momentum=0.0, batch_size=36, shuffle=False, learning_rate_init=0.01)
    first = {"classes": [0, 1, 2]} if kind == "classifier" else {}
    est.partial_fit(X, Y[kind], **first)
    start = est._network.params.copy()
    same_rate, double_rate = copy.deepcopy(est), copy.deepcopy(est)

    same_rate.partial_fit(X, Y[kind])
    double_rate.set_params(learning_rate_init=0.02).partial_fit(X, Y[kind])

    assert same_rate.history_[-1]["learning_rate"] == 0.01
    assert double_rate.history_[-1]["learning_rate"] == 0.02
    # Full batch, no momentum: the step is proportional to the rate.
    assert_allclose(double_rate._network.params - start, 2 * (same_rate._network.params - start),
                    rtol=1e-9, atol=1e-15)


# ------------------------------------------------- the caller's data is left alone
def _inputs(dtype):
    rng = np.random.RandomState(1)
    X_ = rng.normal(size=(36, 3)).astype(dtype)
    return {"X": X_, "y_classifier": np.arange(36) % 3, "y_regressor": X_[:, 0] - X_[:, 1],
            "sample_weight": rng.uniform(0.5, 2.0, size=36)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_nothing_the_caller_passed_is_modified(dtype, kind, solver):
    inputs = _inputs(dtype)
    originals = copy.deepcopy(inputs)
    X_, y, w = inputs["X"], inputs[f"y_{kind}"], inputs["sample_weight"]
    extras = {} if solver == "lbfgs" else {"dropout": 0.2}

    def assert_untouched():
        for name, value in originals.items():
            assert_array_equal(inputs[name], value, strict=True, err_msg=name)

    est = _make(kind, solver, batch_norm=True, batch_size=10, **extras)
    est.fit(X_, y, sample_weight=w)
    assert_untouched()
    est.set_params(warm_start=True).fit(X_, y, sample_weight=w)
    assert_untouched()
    if solver != "lbfgs":
        est.partial_fit(X_, y, sample_weight=w)
        assert_untouched()
    with pytest.raises(RuntimeError):  # a fit that fails after training started
        est.set_params(callbacks=[_raise_on_call(2)]).fit(X_, y, sample_weight=w)
    assert_untouched()
    if solver != "lbfgs":
        with pytest.raises(ValueError, match="diverged"):
            est.set_params(callbacks=None, learning_rate_init=HUGE_RATE, batch_size=2).fit(
                X_, y, sample_weight=w)
        assert_untouched()


def test_coefs_views_stay_live_when_a_parameter_change_rebuilds_the_network():
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.arange(40) % 2
    est = DeepNetClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    W = est.coefs_[0]
    est.set_params(activation="tanh").predict(X)  # the network now runs tanh
    W[...] = 0.0
    assert np.array_equal(est.coefs_[0], np.zeros_like(W))
