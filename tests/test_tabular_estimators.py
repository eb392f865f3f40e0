"""TabularNetClassifier and TabularNetRegressor: raw tables in, an ensemble of MLPs out.

What is tested: scikit-learn's estimator checks; mixed-type DataFrames (numeric,
category, object, string and bool columns with NaN, None and ``pd.NA``), arrays
and lists; the meta-estimators (Pipeline, GridSearchCV, cross_val_score, clone,
pickling); sample and class weights; every kind of target; reproducibility;
``warm_start``; fits as transactions; callbacks (skdeep's and scikit-learn's);
``max_time``, the internal validation split and the kept epoch; ``verbose`` and
``summary()``; the options; bad input.

Every model is small (``hidden_layer_sizes=(16,)``, ``n_ensemble=2``, a few
epochs on tens of rows): the whole file runs in seconds. Default hyperparameter
values are being tuned, so no test reads them: the settings a test relies on are
passed explicitly (one test only fits and predicts with the defaults).

Tests marked ``xfail(strict=True)`` document known bugs: each reason says what
is wrong. When a bug is fixed the test passes, strict mode makes that an
error, and the mark is to be removed.
"""

import copy
import inspect
import io
import math
import pickle
import re

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from skdeep import TabularNetClassifier, TabularNetRegressor
from skdeep.callbacks import RECORD_KEYS, Callback, StopOnPlateau
from skdeep.nn.activations import ACTIVATIONS
from skdeep.nn.ensemble import EnsembleNetwork
from skdeep.tabular.stopping import kept_epoch
from skdeep.train.config import TrainConfig
from skdeep.train.data import member_validation_parts
from skdeep.train.state import TrainState
from skdeep.train.trainer import StoppingRule
from skdeep.train.schedules import DROPOUT_SCHEDULES

pytestmark = [
    # A DataFrame-fitted model asked to predict an array (on purpose, below).
    pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning"),
]

ESTIMATORS = {"classifier": TabularNetClassifier, "regressor": TabularNetRegressor}
# Small and fast; each test adds the settings it relies on.
SMALL = {"hidden_layer_sizes": (16,), "n_ensemble": 2, "max_iter": 5, "random_state": 0,
         # A validation split of 20%, whose patience never stops these short fits.
         "validation_fraction": 0.2, "n_iter_no_change": 100}
# Enough optimizer steps for a small model to learn tens of rows in a few epochs.
LEARN = {**SMALL, "batch_size": 16, "warmup": 0, "learning_rate_init": 1e-2}
# One full batch, no dropout, no validation split, float64: nothing random after the
# initialization, so equivalent data must give (numerically) the same model.
EXACT = {**LEARN, "batch_size": 10_000, "dropout": 0.0, "validation_fraction": None, "dtype": "float64"}

_RNG = np.random.RandomState(0)
X = _RNG.normal(size=(60, 3))
_SIGNAL = np.sin(2 * X[:, 0]) - X[:, 1] + 0.1 * _RNG.normal(size=60)
Y = {"classifier": np.where(_SIGNAL > 0, "up", "down"), "regressor": _SIGNAL}


def _make(kind, *settings, **params):
    """An estimator of ``kind``: SMALL, then each dict of ``settings``, then ``params``."""
    merged = dict(SMALL)
    for setting in settings:
        merged.update(setting)
    return ESTIMATORS[kind](**{**merged, **params})


def _outputs(est, X_):
    """What the model predicts: probabilities for a classifier, values for a regressor."""
    return est.predict_proba(X_) if is_classifier(est) else est.predict(X_)


def _raise_on_call(n):
    """A plain callback that raises on the n-th epoch it sees."""
    seen = []

    def callback(estimator, record):
        seen.append(record["epoch"])
        if len(seen) == n:
            raise RuntimeError(f"callback failed on its epoch {n}")
        return False

    return callback


class Snapshots(Callback):
    """The parameters at the start of each fit and after each of its epochs; the dropout
    rate at the start of the fit, then the rate each epoch trained with (``dropout_rates[e]``
    for epoch ``e``: the trainer sets it before the epoch, a callback sees it after)."""

    def on_fit_begin(self, estimator, info):
        self.begin = estimator._network.params.copy()
        self.epochs = []
        self.dropout_rates = [estimator._network.dropout_rate]

    def on_epoch_end(self, estimator, record):
        self.epochs.append(estimator._network.params.copy())
        self.dropout_rates.append(estimator._network.dropout_rate)
        return False


# ----------------------------------------------------------------- test data
@pytest.fixture(scope="module")
def pd():
    return pytest.importorskip("pandas")


def _frame(pd, n, seed):
    """A table with every supported kind of column and missing values of every kind."""
    rng = np.random.RandomState(seed)
    num = rng.normal(size=n)
    num[rng.rand(n) < 0.15] = np.nan
    count = pd.array(rng.randint(0, 20, n), dtype="Int64")
    count[rng.rand(n) < 0.15] = pd.NA
    text = rng.choice(["a", "b", "c", "d"], n).astype(object)
    text[rng.rand(n) < 0.15] = None
    code = pd.array(rng.choice(["u", "v", "w"], n), dtype="string")
    code[rng.rand(n) < 0.15] = pd.NA
    maybe = pd.array(rng.rand(n) > 0.5, dtype="boolean")
    maybe[rng.rand(n) < 0.15] = pd.NA
    frame = pd.DataFrame({
        "num": num,
        "count": count,
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n)),  # no missing value
        "text": pd.Series(text, dtype=object),
        "code": code,
        "flag": rng.rand(n) > 0.5,
        "maybe": maybe,
        "level": rng.uniform(0, 10, n),  # no missing value
    })
    assert frame["text"].dtype == object  # not inferred as a string dtype
    return frame


FRAME_NUMERIC = ["num", "count", "level"]
FRAME_CATEGORICAL = ["colour", "text", "code", "flag", "maybe"]


def _frame_targets(frame):
    signal = (np.nan_to_num(frame["num"].to_numpy(dtype=float)) + (frame["text"] == "b").to_numpy()
              - (frame["colour"] == "red").to_numpy() + 0.1 * frame["level"].to_numpy() - 0.5)
    return {"classifier": np.where(signal > 0, "up", "down"), "regressor": signal}


# ------------------------------------------------------ scikit-learn's checks
def _check_name(check):
    return getattr(check, "func", check).__name__


# Failures that are the estimators' design, not bugs (xfail, not strict).
BY_DESIGN = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the preprocessing statistics (medians, interquartile ranges, quantile bins) are "
        "unweighted, as in HistGradientBoosting, and the internal validation split and the "
        "mini-batches draw rows, so repeating a row is not the same as weighting it"),
}
BY_DESIGN_FLOAT32_CLASSIFIER = {
    "check_methods_sample_order_invariance": (
        "float32 (the default dtype) matrix products round a row's result differently with its "
        "position in BLAS's blocks: outputs agree to float32 precision (~1e-7 relative), not "
        "to the check's rtol=1e-7; test_row_order_does_not_change_predictions checks it"),
}
def _expected_failed_checks(estimator):
    if is_classifier(estimator) and estimator.dtype == "float32":
        return {**BY_DESIGN, **BY_DESIGN_FLOAT32_CLASSIFIER}
    return BY_DESIGN


_CHECK_OPTIONS = {"expected_failed_checks": _expected_failed_checks}
if "xfail_strict" in inspect.signature(parametrize_with_checks).parameters:  # scikit-learn >= 1.8
    _CHECK_OPTIONS["xfail_strict"] = False  # the float32 rounding may agree on another machine


@parametrize_with_checks([TabularNetClassifier(**LEARN), TabularNetRegressor(**LEARN)], **_CHECK_OPTIONS)
def test_sklearn_compatible_estimator(estimator, check, request):
    check(estimator)


# ------------------------------------------------------------------ DataFrames
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_fits_a_mixed_type_dataframe_and_predicts_a_new_one(kind, pd):
    frame, new = _frame(pd, 60, seed=0), _frame(pd, 12, seed=1)
    y = _frame_targets(frame)[kind]
    est = _make(kind, LEARN, max_iter=30).fit(frame, y)

    assert_array_equal(est.feature_names_in_, list(frame.columns))
    assert est.n_features_in_ == 8
    columns = list(frame.columns)
    assert est.preprocessor_.numeric_columns_ == [columns.index(c) for c in FRAME_NUMERIC]
    assert est.preprocessor_.categorical_columns_ == [columns.index(c) for c in FRAME_CATEGORICAL]
    assert est._network.spec.layer_sizes[0] == est.preprocessor_.n_features_out_

    predicted = est.predict(new)
    assert predicted.shape == (12,)
    if kind == "classifier":
        assert set(predicted) <= set(est.classes_) and list(est.classes_) == ["down", "up"]
        proba = est.predict_proba(new)
        assert proba.shape == (12, 2)
        assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
        assert_array_equal(predicted, est.classes_[proba.argmax(axis=1)])
        assert est.score(frame, y) >= 0.8  # it learned the table
    else:
        assert np.isfinite(predicted).all()
        assert est.score(frame, y) >= 0.5
    # Rows are predicted independently of the other rows of the table.
    together = _outputs(est, pd.concat([frame.iloc[:7], new], ignore_index=True))
    assert_allclose(together[7:], _outputs(est, new), rtol=1e-5, atol=1e-6)
    # A column's dtype may change between fit and predict: categories are compared as strings.
    as_objects = new.astype({"colour": object, "code": object, "maybe": object})
    assert_allclose(_outputs(est, as_objects), _outputs(est, new), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_unseen_categories_at_predict(kind, pd):
    frame, new = _frame(pd, 60, seed=0), _frame(pd, 10, seed=1)
    y = _frame_targets(frame)[kind]
    est = _make(kind, LEARN, max_one_hot=9).fit(frame, y)

    def outputs(**columns):
        return _outputs(est, new.assign(**columns))

    # "colour" had no missing value at fit: an unseen category and a missing value
    # are both the all-zero one-hot row.
    purple = pd.Categorical(["purple"] * 10)
    missing = pd.Categorical([None] * 10, categories=["red"])
    assert_array_equal(outputs(colour=purple), outputs(colour=missing))
    assert not np.allclose(outputs(colour=purple), outputs(colour=pd.Categorical(["red"] * 10)))
    # "text" had missing values at fit, which have their own column: an unseen category differs.
    assert not np.allclose(outputs(text=pd.Series(["zzz"] * 10, dtype=object)),
                           outputs(text=pd.Series([None] * 10, dtype=object)))

    # With few one-hot columns, rare and unseen categories share the "other" column; the target
    # statistics tell them apart: a rare category seen at fit has its own, an unseen one the prior.
    est = _make(kind, LEARN, max_one_hot=3).fit(frame, y)
    pre = est.preprocessor_
    j = list(frame.columns).index("text")
    k = pre.categorical_columns_.index(j)
    assert pre.encodings_[k] == "most-frequent" and j in pre.target_columns_
    t = pre.target_columns_.index(j)
    rare = sorted({"a", "b", "c", "d"} - set(pre.categories_[k]))[0]
    unseen, seen = (pre.transform(new.assign(text=pd.Series([value] * 10, dtype=object))) for value in ("zzz", rare))
    statistic = np.array([name.startswith("text_target") for name in pre.get_feature_names_out()])
    assert_array_equal(unseen[:, ~statistic], seen[:, ~statistic])
    prior = pre.target_statistics_[t][-1, 0]
    own = pre.target_statistics_[t][list(pre.target_categories_[t]).index(rare), 0]
    assert prior != own
    first = pre.get_feature_names_out().tolist().index("text_target")
    i = next(source.first for source in pre._fitted_sources() if source.is_target and source.column == j)
    assert_allclose(unseen[0, first], _scaled(pre, i, prior), rtol=1e-6)
    assert_allclose(seen[0, first], _scaled(pre, i, own), rtol=1e-6)


def _scaled(pre, i, value):
    """Numeric feature ``i``'s value as transform scales it (median, scale, smooth clip)."""
    x = (value - pre.medians_[i]) / pre.scales_[i]
    return x / np.sqrt(1 + (x / 3) ** 2)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_columns_must_match_those_of_fit(kind, pd):
    frame = _frame(pd, 40, seed=0)
    est = _make(kind).fit(frame, _frame_targets(frame)[kind])
    before = _outputs(est, frame)

    with pytest.raises(ValueError, match="same order"):
        est.predict(frame[frame.columns[::-1]])
    with pytest.raises(ValueError, match=r"unseen at fit time:\n- NUM"):
        est.predict(frame.rename(columns={"num": "NUM"}))
    with pytest.raises(ValueError, match="missing"):
        est.predict(frame.drop(columns="level"))
    with pytest.raises(ValueError, match="7 features"):
        est.predict(frame.to_numpy()[:, :7])
    # A numeric column holding text at predict is named.
    with pytest.raises(ValueError, match="'level' was numeric"):
        est.predict(frame.assign(level="ten"))
    assert_array_equal(_outputs(est, frame), before)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_arrays_lists_and_numeric_frames_give_the_same_model(kind, pd):
    y = Y[kind]
    from_array = _make(kind, LEARN).fit(X, y)
    from_list = _make(kind, LEARN).fit(X.tolist(), y.tolist())
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    from_frame = _make(kind, LEARN).fit(frame, pd.Series(y))

    expected = _outputs(from_array, X)
    assert_array_equal(_outputs(from_list, X), expected)
    assert_array_equal(_outputs(from_frame, frame), expected)
    assert_array_equal(_outputs(from_array, X.tolist()), expected)
    assert_array_equal(from_list.predict(X[:5].tolist()), from_array.predict(X[:5]))
    assert not hasattr(from_array, "feature_names_in_") and not hasattr(from_list, "feature_names_in_")
    assert_array_equal(from_frame.feature_names_in_, ["a", "b", "c"])
    # A frame-fitted model predicts an array of the same columns (with a warning).
    assert_array_equal(_outputs(from_frame, X), expected)


def test_object_array_with_strings_numbers_and_none():
    rng = np.random.RandomState(0)
    X_ = np.empty((40, 3), dtype=object)
    X_[:, 0] = rng.normal(size=40)
    X_[:, 1] = rng.choice(["x", "y", "z"], 40)
    X_[:, 2] = rng.randint(0, 5, 40)
    X_[::7, 0] = None
    X_[::5, 1] = None
    y = np.where((X_[:, 1] == "x") | (X_[:, 2] > 2), 1, 0)
    # no validation split: 8 held-out rows would make the kept epoch a coin toss
    est = _make("classifier", LEARN, max_iter=30, validation_fraction=None).fit(X_, y)
    assert est.preprocessor_.numeric_columns_ == [0, 2]
    assert est.preprocessor_.categorical_columns_ == [1]
    assert est.score(X_, y) >= 0.8


# ------------------------------------------------------------- meta-estimators
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_in_a_pipeline_with_a_column_transformer(kind, pd):
    frame = _frame(pd, 50, seed=0)
    y = _frame_targets(frame)[kind]
    scale_level = ColumnTransformer([("scale", StandardScaler(), ["level"])], remainder="passthrough",
                                    verbose_feature_names_out=False).set_output(transform="pandas")
    pipe = make_pipeline(scale_level, _make(kind, LEARN)).fit(frame, y)

    transformed = clone(scale_level).fit_transform(frame)
    assert transformed["text"].dtype == object and transformed["colour"].dtype == "category"
    alone = _make(kind, LEARN).fit(transformed, y)
    assert_array_equal(_outputs(pipe, frame), _outputs(alone, transformed))
    assert_array_equal(pipe[-1].feature_names_in_, transformed.columns)


def _manual_cv_scores(est, X_, y, cv):
    return [clone(est).fit(X_.iloc[train], y[train]).score(X_.iloc[test], y[test])
            for train, test in cv.split(X_, y)]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_on_a_dataframe(n_jobs, pd):
    frame = _frame(pd, 48, seed=0)
    y = _frame_targets(frame)["regressor"]
    est = _make("regressor", LEARN)
    grid = {"hidden_layer_sizes": [(8,), (16,)], "activation": ["relu", "tanh"]}
    search = GridSearchCV(est, grid, cv=KFold(2), n_jobs=n_jobs).fit(frame, y)

    for index, params in enumerate(search.cv_results_["params"]):
        expected = _manual_cv_scores(clone(est).set_params(**params), frame, y, KFold(2))
        got = [search.cv_results_[f"split{i}_test_score"][index] for i in range(2)]
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-6), params
    refit = clone(est).set_params(**search.best_params_).fit(frame, y)
    assert_allclose(search.predict(frame), refit.predict(frame), rtol=1e-6, atol=1e-6)


def test_cross_val_score_stratifies_string_labels(pd):
    frame = _frame(pd, 48, seed=0)
    y = _frame_targets(frame)["classifier"]
    est = _make("classifier", LEARN)
    scores = cross_val_score(est, frame, y, cv=3)
    assert list(scores) == _manual_cv_scores(est, frame, y, StratifiedKFold(3))
    assert ((0 <= scores) & (scores <= 1)).all()


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_clone_gives_an_unfitted_twin_that_fits_the_same(kind):
    est = _make(kind, LEARN, callbacks=[lambda e, r: False]).fit(X, Y[kind])
    twin = clone(est)
    with pytest.raises(NotFittedError):
        check_is_fitted(twin)
    assert [name for name in vars(twin) if name.endswith("_")] == []
    assert twin.get_params().keys() == est.get_params().keys()
    assert twin.hidden_layer_sizes == (16,) and twin.n_ensemble == 2
    assert_array_equal(_outputs(twin.fit(X, Y[kind]), X), _outputs(est, X))


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_set_params_then_refit_uses_the_new_parameters(kind):
    est = _make(kind, LEARN).fit(X, Y[kind])
    first = _outputs(est, X)
    est.set_params(hidden_layer_sizes=(8, 4), n_ensemble=3, feature_scaling=False, numeric_bins=0)
    est.fit(X, Y[kind])
    spec = est._network.spec
    assert spec.layer_sizes[1:-1] == (8, 4) and spec.n_members == 3 and spec.scale_factor == 0
    assert est.preprocessor_.n_features_out_ == 3  # no bins: the 3 scaled columns
    fresh = _make(kind, LEARN, hidden_layer_sizes=(8, 4), n_ensemble=3, feature_scaling=False,
                  numeric_bins=0).fit(X, Y[kind])
    assert_array_equal(_outputs(est, X), _outputs(fresh, X))
    assert not np.allclose(_outputs(est, X), first)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_joblib_and_pickle_round_trips(kind, pd, tmp_path):
    frame = _frame(pd, 48, seed=0)
    y = _frame_targets(frame)[kind]
    est = _make(kind, LEARN, warm_start=True).fit(frame, y)
    joblib.dump(est, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    unpickled = pickle.loads(pickle.dumps(est))

    for copy_ in (loaded, unpickled):
        assert_array_equal(copy_.predict(frame), est.predict(frame), strict=True)
        assert_array_equal(_outputs(copy_, frame), _outputs(est, frame), strict=True)
        assert copy_.history_ == est.history_ and copy_.best_epoch_ == est.best_epoch_
    # The copy continues training exactly as the original does.
    est.fit(frame, y)
    loaded.fit(frame, y)
    assert_array_equal(loaded._network.params, est._network.params, strict=True)
    assert [r["loss"] for r in loaded.history_] == [r["loss"] for r in est.history_]


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_pickle_holds_the_targets_as_the_attributes_earlier_versions_had(kind):
    """So that the pickles of earlier versions load as they are, and new ones in earlier versions."""
    est = _make(kind, SMALL).fit(X, Y[kind])
    state = est.__getstate__()
    assert "_targets" not in state and "_targets" in vars(est)  # the estimator itself keeps its targets
    if kind == "classifier":
        assert_array_equal(state["_label_binarizer"].classes_, est.classes_, strict=True)
        assert_array_equal(state["classes_"], est.classes_, strict=True)
    else:
        assert_array_equal(state["y_mean_"], est.y_mean_, strict=True)
        assert_array_equal(state["y_scale_"], est.y_scale_, strict=True)
        assert state["_y_ndim"] == 1
    restored = type(est).__new__(type(est))
    restored.__setstate__(state)
    assert_array_equal(restored.predict(X), est.predict(X), strict=True)


# --------------------------------------------------------------------- weights
def _categorical_table(n=40, seed=0):
    """Only categorical columns: their encoding is the same for any repetition of the rows."""
    rng = np.random.RandomState(seed)
    X_ = np.c_[rng.choice(list("abc"), n), rng.choice(list("uv"), n), rng.choice(list("pqrs"), n)]
    X_ = X_.astype(object)
    signal = (X_[:, 0] == "a") * 2.0 - (X_[:, 2] == "q") + 0.1 * rng.normal(size=n)
    return X_, {"classifier": np.where(signal > 0.3, "hi", "lo"), "regressor": signal}


@pytest.mark.parametrize("kind", [
    "classifier", "regressor"])
def test_zero_weights_are_dropped_rows(kind):
    X_, y = _categorical_table()
    corrupted = np.where(y[kind] == "hi", "lo", "hi") if kind == "classifier" else -3 * y[kind] + 5
    X_both, y_both = np.vstack([X_, X_]), np.r_[y[kind], corrupted]
    weights = np.r_[np.ones(len(X_)), np.zeros(len(X_))]

    clean = _make(kind, EXACT).fit(X_, y[kind])
    weighted = _make(kind, EXACT).fit(X_both, y_both, sample_weight=weights)
    unweighted = _make(kind, EXACT).fit(X_both, y_both)
    assert_allclose(_outputs(weighted, X_), _outputs(clean, X_), rtol=1e-9, atol=1e-12)
    assert not np.allclose(_outputs(unweighted, X_), _outputs(clean, X_), atol=1e-3)


@pytest.mark.parametrize("kind", [
    "classifier", "regressor"])
def test_integer_weights_are_repeated_rows(kind):
    X_, y = _categorical_table()
    repeats = np.random.RandomState(1).randint(1, 4, len(X_))
    repeated = _make(kind, EXACT).fit(np.repeat(X_, repeats, axis=0), np.repeat(y[kind], repeats))
    weighted = _make(kind, EXACT).fit(X_, y[kind], sample_weight=repeats)
    plain = _make(kind, EXACT).fit(X_, y[kind])
    assert_allclose(_outputs(weighted, X_), _outputs(repeated, X_), rtol=1e-9, atol=1e-12)
    assert not np.allclose(_outputs(plain, X_), _outputs(repeated, X_), atol=1e-3)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_zero_weight_rows_roughly_drop_out_with_minibatches_and_validation(kind):
    # The whole recipe (numeric columns and bins, mini-batches, dropout, a validation split):
    # twice as many rows again with systematically wrong targets and weight 0 barely change
    # the model; weighted in, they ruin it.
    y = Y[kind]
    if kind == "classifier":
        rows, wrong = np.flatnonzero(y == "down"), "up"
    else:
        rows, wrong = np.arange(60), y + 5
    X_all = np.vstack([X, X[rows], X[rows]])
    y_all = np.r_[y, np.broadcast_to(wrong, len(rows)), np.broadcast_to(wrong, len(rows))]
    weights = np.r_[np.ones(60), np.zeros(2 * len(rows))]
    params = {**LEARN, "max_iter": 15, "dropout": 0.15, "validation_fraction": 0.2}
    clean = _make(kind, params).fit(X, y).score(X, y)
    assert clean > 0.8
    assert _make(kind, params).fit(X_all, y_all, sample_weight=weights).score(X, y) > clean - 0.1
    assert _make(kind, params).fit(X_all, y_all).score(X, y) < clean - 0.3


def test_a_zero_weight_outlier_target_does_not_change_the_regressor():
    params = {**LEARN, "max_iter": 15, "validation_fraction": None}
    clean = _make("regressor", params).fit(X, _SIGNAL).score(X, _SIGNAL)
    with_outlier = _make("regressor", params).fit(
        np.vstack([X, X[:1]]), np.append(_SIGNAL, 1e4), sample_weight=np.append(np.ones(60), 0.0))
    assert with_outlier.score(X, _SIGNAL) == pytest.approx(clean, abs=0.05)


def test_class_weight_is_a_per_class_sample_weight():
    X_, y = X, Y["classifier"]
    sample_weight = np.random.RandomState(2).uniform(0.5, 2.0, len(y))
    params = {**LEARN, "max_iter": 8}
    for class_weight in ({"up": 4.0, "down": 0.5}, "balanced"):
        classes = np.unique(y)
        per_class = dict(zip(classes, compute_class_weight(class_weight, classes=classes, y=y),
                             strict=True))
        by_class = _make("classifier", params, class_weight=class_weight).fit(
            X_, y, sample_weight=sample_weight)
        by_sample = _make("classifier", params).fit(
            X_, y, sample_weight=sample_weight * np.array([per_class[c] for c in y]))
        assert_allclose(by_class.predict_proba(X_), by_sample.predict_proba(X_), rtol=1e-6)
        assert by_class.history_[-1]["loss"] == pytest.approx(by_sample.history_[-1]["loss"], rel=1e-6)


def test_class_weight_shifts_predictions_towards_the_heavy_class():
    params = {**LEARN, "max_iter": 10, "validation_fraction": None}
    plain = _make("classifier", params).fit(X, Y["classifier"])
    heavy = _make("classifier", params, class_weight={"up": 20.0, "down": 1.0}).fit(X, Y["classifier"])
    up = list(plain.classes_).index("up")
    assert (heavy.predict_proba(X)[:, up] > plain.predict_proba(X)[:, up]).mean() > 0.9
    assert (heavy.predict(X) == "up").sum() > (plain.predict(X) == "up").sum()


def test_class_weight_is_refused_for_multilabel_targets_and_unknown_classes():
    Y2 = np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int)
    est = _make("classifier", SMALL, class_weight="balanced")
    with pytest.raises(ValueError, match="multilabel"):
        est.fit(X, Y2)
    with pytest.raises(ValueError, match=r"not in y: \['sideways'\]"):
        est.set_params(class_weight={"up": 1.0, "sideways": 2.0}).fit(X, Y["classifier"])


# ------------------------------------------------------------ kinds of targets
def test_multilabel_targets():
    Y3 = np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0].astype(int)
    est = _make("classifier", LEARN, max_iter=15).fit(X, Y3)
    assert_array_equal(est.classes_, [0, 1, 2])
    assert est._network.spec.output_activation == "logistic"
    predicted, proba = est.predict(X), est.predict_proba(X)
    assert predicted.shape == proba.shape == (60, 3)
    assert set(np.unique(predicted)) <= {0, 1}
    assert ((proba >= 0) & (proba <= 1)).all()
    assert not np.allclose(proba.sum(axis=1), 1.0)  # one probability per label
    assert_array_equal(predicted, (proba > 0.5).astype(int))
    assert ((predicted == Y3).mean(axis=0) >= 0.8).all()


def test_multi_output_regression_scales_each_output_on_its_own():
    Y2 = np.c_[_SIGNAL, X[:, 2] ** 2]
    est = _make("regressor", LEARN, max_iter=15).fit(X, Y2)
    predicted = est.predict(X)
    assert predicted.shape == (60, 2)
    assert r2_score(Y2, predicted, multioutput="raw_values").min() > 0.5
    # Standardized targets are the same, so the model is the same up to each column's units.
    scaled = _make("regressor", LEARN, max_iter=15).fit(X, Y2 * [1e6, 1e-3] + [5.0, -2.0])
    assert_allclose(scaled.predict(X), predicted * [1e6, 1e-3] + [5.0, -2.0], rtol=1e-9)
    with pytest.warns(Warning, match="column-vector y"):
        column = _make("regressor", LEARN).fit(X, _SIGNAL[:, None])
    assert column.predict(X).shape == (60,)


def test_string_labels_give_the_model_of_their_codes():
    labels = np.array(["cat", "dog", "eel"])
    codes = (X[:, 0] > -0.5).astype(int) + (X[:, 1] > 0.5)
    by_label = _make("classifier", LEARN).fit(X, labels[codes])
    by_code = _make("classifier", LEARN).fit(X, codes)
    assert_array_equal(by_label.classes_, labels)
    assert_array_equal(by_label.predict_proba(X), by_code.predict_proba(X))
    assert_array_equal(by_label.predict(X), labels[by_code.predict(X)])
    assert by_label._network.spec.output_activation == "softmax"
    assert_allclose(np.exp(by_label.predict_log_proba(X)), by_label.predict_proba(X), rtol=1e-6)


def test_a_single_class_is_always_predicted():
    est = _make("classifier", SMALL).fit(X, np.full(60, "only"))
    assert_array_equal(est.classes_, ["only"])
    assert_array_equal(est.predict(X[:5]), ["only"] * 5)


def test_a_single_class_has_one_probability_column():
    est = _make("classifier", SMALL).fit(X, np.full(60, "only"))
    assert_array_equal(est.predict_proba(X[:5]), np.ones((5, 1)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_huge_scale_target_fits_as_well_as_the_target_itself(dtype):
    params = {**LEARN, "max_iter": 15, "dtype": dtype}
    plain = _make("regressor", params).fit(X, _SIGNAL)
    huge = _make("regressor", params).fit(X, _SIGNAL * 1e6 + 1e9)
    assert plain.score(X, _SIGNAL) > 0.8
    assert huge.score(X, _SIGNAL * 1e6 + 1e9) == pytest.approx(plain.score(X, _SIGNAL), abs=1e-6)
    assert_allclose(huge.predict(X), plain.predict(X) * 1e6 + 1e9, rtol=1e-12)


@pytest.mark.parametrize("constant", [0.0, 3.5])
@pytest.mark.parametrize("validation_fraction", [None, 0.2])
def test_a_constant_target_is_predicted(constant, validation_fraction):
    est = _make("regressor", LEARN, max_iter=20, validation_fraction=validation_fraction)
    est.fit(X, np.full(60, constant))
    assert_allclose(est.predict(X), constant, rtol=1e-6, atol=1e-9)


# ----------------------------------------------------------- reproducibility
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_same_random_state_same_model_other_random_state_other_model(kind, pd):
    frame = _frame(pd, 48, seed=0)
    y = _frame_targets(frame)[kind]
    params = {**LEARN, "dropout": 0.3, "validation_fraction": 0.25}  # every random draw in play

    def fit(seed):
        return _make(kind, params, random_state=seed).fit(frame, y)

    first, second, other = fit(7), fit(7), fit(8)
    assert_array_equal(_outputs(first, frame), _outputs(second, frame), strict=True)
    assert_array_equal(first._network.params, second._network.params, strict=True)
    assert ([{k: v for k, v in r.items() if k != "seconds"} for r in first.history_]
            == [{k: v for k, v in r.items() if k != "seconds"} for r in second.history_])
    assert not np.allclose(_outputs(other, frame), _outputs(first, frame))


def test_row_order_does_not_change_predictions():
    est = _make("classifier", LEARN).fit(X, Y["classifier"])
    order = np.random.RandomState(3).permutation(len(X))
    assert_allclose(est.predict_proba(X[order]), est.predict_proba(X)[order], rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------ warm_start
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_warm_start_continues_from_the_fitted_weights_and_keeps_the_preprocessing(kind):
    est = _make(kind, LEARN, validation_fraction=None, warm_start=True).fit(X, Y[kind])
    fitted, preprocessor = est._network.params.copy(), est.preprocessor_
    medians = preprocessor.medians_.copy()
    snapshots = Snapshots()
    shifted = X * 3 + 10  # refitting the preprocessing would give other medians
    est.set_params(callbacks=[snapshots]).fit(shifted, Y[kind])

    assert_array_equal(snapshots.begin, fitted)
    assert est.preprocessor_ is preprocessor
    assert_array_equal(est.preprocessor_.medians_, medians)
    assert not np.allclose(clone(preprocessor).fit(shifted).medians_, medians)
    assert len(est.loss_curve_) == len(est.history_) == 10 and est.n_iter_ == 5
    assert [r["epoch"] for r in est.history_] == list(range(1, 11))
    assert est.t_ == 2 * 5 * len(X)
    assert_array_equal(est._network.params, snapshots.epochs[-1])
    # Without warm_start a fit starts anew and refits the preprocessing.
    est.set_params(warm_start=False, callbacks=None).fit(shifted, Y[kind])
    assert len(est.loss_curve_) == 5 and est.preprocessor_ is not preprocessor
    assert_allclose(est.preprocessor_.medians_, np.median(shifted, axis=0))


def test_warm_start_continuation_starts_from_a_lower_loss():
    est = _make("regressor", LEARN, warm_start=True, validation_fraction=None).fit(X, _SIGNAL)
    est.fit(X, _SIGNAL)
    assert est.loss_curve_[5] < est.loss_curve_[0]
    assert min(est.loss_curve_[5:]) < min(est.loss_curve_[:5])


@pytest.mark.parametrize("name, value, message", [
    ("hidden_layer_sizes", (8,), r"hidden_layer_sizes is \(8,\) but .* \(16,\)"),
    ("n_ensemble", 3, "n_ensemble is 3 but .* 2"),
    ("feature_scaling", False, "feature_scaling is False but .* True"),
    ("dtype", "float64", "dtype is 'float64' but .* 'float32'"),
    # The preprocessing is not refit on a warm start: its parameters are structural too.
    ("numeric_bins", 0, "numeric_bins is 0 but .* 8"),
    ("max_one_hot", 2, "max_one_hot is 2 but .* 5"),
])
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_warm_start_refuses_a_structural_change_naming_it(kind, name, value, message):
    est = _make(kind, warm_start=True, feature_scaling=True, dtype="float32", numeric_bins=8,
                max_one_hot=5).fit(X, Y[kind])
    before = _observe(est)
    with pytest.raises(ValueError, match=message + ".*warm_start=False"):
        est.set_params(**{name: value}).fit(X, Y[kind])
    _assert_unchanged(est, before)
    est.set_params(warm_start=False).fit(X, Y[kind])  # starts anew under the new structure
    assert len(est.loss_curve_) == 5


def test_warm_start_refuses_other_classes_or_outputs():
    clf = _make("classifier", SMALL, warm_start=True).fit(X, Y["classifier"])
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X, np.where(Y["classifier"] == "up", "up", "left"))
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X, np.full(60, "up"))
    reg = _make("regressor", SMALL, warm_start=True).fit(X, _SIGNAL)
    with pytest.raises(ValueError, match="y has 2 outputs but the model was fitted with 1"):
        reg.fit(X, np.c_[_SIGNAL, _SIGNAL])
    assert len(clf.loss_curve_) == len(reg.loss_curve_) == 5


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_warm_started_fit_keeps_weights_of_its_own_best_epoch(kind):
    est = _make(kind, LEARN, max_iter=15, warm_start=True).fit(X, Y[kind])
    snapshots = Snapshots()
    # A rate too large for this fit to beat the first one's best validation score.
    est.set_params(callbacks=[snapshots], learning_rate_init=0.5, max_iter=5).fit(X, Y[kind])
    scores = est.validation_scores_[-est.n_iter_:]
    assert est.best_validation_score_ == max(scores)
    assert_array_equal(est._network.params, snapshots.epochs[est.best_epoch_ - 1])
    assert est.best_validation_score_ < max(est.validation_scores_[:-est.n_iter_])  # the earlier best


def test_a_warm_started_fit_without_a_split_after_one_with_it_keeps_its_last_epoch():
    est = _make("regressor", LEARN, warm_start=True).fit(X, _SIGNAL)
    snapshots = Snapshots()
    est.set_params(validation_fraction=None, callbacks=[snapshots]).fit(X, _SIGNAL)
    assert_array_equal(est._network.params, snapshots.epochs[-1])
    assert est.best_epoch_ is None and est.best_validation_score_ is None


def _expected_dropout_rates(rate, epochs):
    """RealMLP's flat-then-cosine schedule over one fit: the rate of epochs 1..epochs."""
    def factor(progress):
        return 1.0 if progress <= 0.5 else 0.5 * (1 + math.cos(math.pi * (2 * progress - 1)))
    return [rate * factor((epoch - 1) / epochs) for epoch in range(1, epochs + 1)]


def test_dropout_follows_the_flat_cosine_schedule():
    snapshots = Snapshots()
    est = _make("regressor", LEARN, max_iter=6, dropout=0.3, callbacks=[snapshots]).fit(X, _SIGNAL)
    rates = snapshots.dropout_rates[1:]  # of epochs 1..6
    assert rates == pytest.approx(_expected_dropout_rates(0.3, 6))
    # The same floats as the registry's schedule gives (what the recipe trained with before the
    # schedule moved into the trainer: 0.3 * flat_cosine(epochs done / max_iter)).
    assert rates == [0.3 * DROPOUT_SCHEDULES["flat_cosine"](e / 6) for e in range(6)]
    assert rates[2] == 0.3 and 0 < rates[4] < 0.3
    assert snapshots.dropout_rates[0] == 0.3 and est._network.dropout_rate == 0.3  # the spec's rate outside epochs


def test_a_warm_started_fit_restarts_the_dropout_schedule():
    snapshots = Snapshots()
    est = _make("regressor", LEARN, max_iter=6, dropout=0.3, warm_start=True).fit(X, _SIGNAL)
    est.set_params(callbacks=[snapshots]).fit(X, _SIGNAL)
    assert snapshots.dropout_rates[1:] == pytest.approx(_expected_dropout_rates(0.3, 6))


# ---------------------------------------------------------------- transactions
def _observe(est):
    """What a caller can see of a fitted model, copied."""
    return {
        "outputs": _outputs(est, X).copy(),
        "predict": est.predict(X).copy(),
        "vars": set(vars(est)),
        "network": est._network,
        "params": est._network.params.copy(),
        "preprocessor": est.preprocessor_,
        "history": copy.deepcopy(est.history_),
        "views": {name: copy.deepcopy(getattr(est, name)) for name in (
            "n_iter_", "t_", "loss_", "loss_curve_", "validation_scores_", "best_validation_score_",
            "best_epoch_", "n_features_in_")},
        "targets": copy.deepcopy({name: getattr(est, name) for name in
                                  ("classes_", "y_mean_", "y_scale_") if hasattr(est, name)}),
    }


def _assert_unchanged(est, before):
    assert set(vars(est)) == before["vars"]
    assert est._network is before["network"] and est.preprocessor_ is before["preprocessor"]
    assert_array_equal(est._network.params, before["params"], strict=True)
    assert est.history_ == before["history"]
    for name, value in before["views"].items():
        assert getattr(est, name) == value, name
    for name, value in before["targets"].items():
        assert_array_equal(getattr(est, name), value, strict=True)
    assert_array_equal(_outputs(est, X), before["outputs"], strict=True)
    assert_array_equal(est.predict(X), before["predict"], strict=True)


def _settings(prepare):
    return prepare() if callable(prepare) else prepare


def _fit_call(X_=None, y=None, **kwargs):
    def act(est):
        kind = "classifier" if is_classifier(est) else "regressor"
        est.fit(X if X_ is None else X_, Y[kind] if y is None else y, **kwargs)
    return act


X_INF = X.copy()
X_INF[4, 2] = np.inf
# (kind,) set_params before the call (a function: callbacks keep state), the call, the error.
FAILURES = {
    "negative-sample_weight": ({}, _fit_call(sample_weight=-np.ones(60)), ValueError, "Negative"),
    "short-sample_weight": ({}, _fit_call(sample_weight=np.ones(59)), ValueError, "shape"),
    "NaN-sample_weight": ({}, _fit_call(sample_weight=np.where(np.arange(60) == 1, np.nan, 1.0)),
                          ValueError, "NaN"),
    "zero-sample_weight": ({}, _fit_call(sample_weight=np.zeros(60)), ValueError, "non-zero|sums? to zero"),
    "inf-in-X": ({}, _fit_call(X_INF), ValueError, "infinity in numeric column"),
    "callback-raises-on-epoch-2": (lambda: {"callbacks": [_raise_on_call(2)]}, _fit_call(), RuntimeError,
                                   "callback failed"),
    "warm_start-callback-raises-on-epoch-2": (
        lambda: {"callbacks": [_raise_on_call(2)], "warm_start": True}, _fit_call(), RuntimeError,
        "callback failed"),
    "warm_start-wrong-n_features": ({"warm_start": True}, _fit_call(X[:, :2]), ValueError,
                                    "2 features, but .* is expecting 3"),
    "warm_start-hidden_layer_sizes-changed": ({"warm_start": True, "hidden_layer_sizes": (7,)},
                                              _fit_call(), ValueError, "hidden_layer_sizes"),
}
CLASSIFIER_FAILURES = {
    "warm_start-new-classes": ({"warm_start": True}, _fit_call(y=np.where(X[:, 0] > 0, "a", "b")),
                               ValueError, "same classes"),
    "class_weight-unknown-class": ({"class_weight": {"up": 1.0, "north": 2.0}}, _fit_call(),
                                   ValueError, "not in y"),
}
REGRESSOR_FAILURES = {
    "nan-in-y": ({}, _fit_call(y=np.where(np.arange(60) == 5, np.nan, _SIGNAL)), ValueError, "NaN"),
    "warm_start-more-outputs": ({"warm_start": True}, _fit_call(y=np.c_[_SIGNAL, _SIGNAL]), ValueError,
                                "outputs"),
}
_CASES = ([pytest.param(kind, *case, id=f"{kind}-{name}") for kind in ESTIMATORS
           for name, case in FAILURES.items()]
          + [pytest.param("classifier", *case, id=f"classifier-{name}")
             for name, case in CLASSIFIER_FAILURES.items()]
          + [pytest.param("regressor", *case, id=f"regressor-{name}")
             for name, case in REGRESSOR_FAILURES.items()])


@pytest.mark.parametrize("kind, prepare, act, error, match", _CASES)
def test_a_failed_fit_leaves_a_fitted_model_exactly_as_it_was(kind, prepare, act, error, match):
    est = _make(kind, LEARN, max_iter=3).fit(X, Y[kind])
    twin = copy.deepcopy(est)
    est.set_params(**_settings(prepare))
    before = _observe(est)
    with pytest.raises(error, match=match):
        act(est)
    _assert_unchanged(est, before)
    # ... down to the training state: both continue exactly alike.
    reset = {"callbacks": None, "warm_start": True, "hidden_layer_sizes": (16,)}
    if kind == "classifier":
        reset["class_weight"] = None
    for model in (est, twin):
        model.set_params(**reset).fit(X, Y[kind])
    assert_array_equal(est._network.params, twin._network.params, strict=True)
    assert est.loss_curve_ == twin.loss_curve_


def _assert_unfitted(est):
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.summary()
    assert [name for name in vars(est) if name.endswith("_")] == []
    assert set(vars(est)) == set(est.get_params(deep=False))


@pytest.mark.parametrize("kind, prepare, act, error, match", [
    case for case in _CASES if "warm_start" not in case.id])
def test_a_failed_first_fit_leaves_the_estimator_unfitted(kind, prepare, act, error, match):
    est = _make(kind, LEARN, {"max_iter": 3}, _settings(prepare))
    params = est.get_params(deep=False)
    with pytest.raises(error, match=match):
        act(est)
    _assert_unfitted(est)
    assert all(est.get_params(deep=False)[name] is value for name, value in params.items())
    # And it then fits like a fresh estimator.
    est.set_params(callbacks=None, **({"class_weight": None} if kind == "classifier" else {}))
    est.fit(X, Y[kind])
    fresh = _make(kind, LEARN, max_iter=3).fit(X, Y[kind])
    assert_array_equal(_outputs(est, X), _outputs(fresh, X), strict=True)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "score"])
def test_predicting_before_fit_raises_not_fitted_error(method):
    est = _make("classifier", SMALL)
    with pytest.raises(NotFittedError):
        getattr(est, method)(X, *([Y["classifier"]] if method == "score" else []))


# ------------------------------------------------------------------- callbacks
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_plain_callable_sees_each_epoch_and_can_stop_training(kind):
    seen = []

    def stop_after_three(estimator, record):
        seen.append((dict(record), _outputs(estimator, X).copy()))  # the live model predicts
        return record["epoch"] == 3

    est = _make(kind, LEARN, max_iter=50, validation_fraction=None, callbacks=[stop_after_three])
    est.fit(X, Y[kind])
    assert est.n_iter_ == len(est.history_) == len(seen) == 3
    assert all(tuple(record) == RECORD_KEYS for record, _ in seen)
    assert [record["epoch"] for record, _ in seen] == [1, 2, 3]
    assert [record["loss"] for record, _ in seen] == est.loss_curve_
    assert all(record["validation_score"] is None for record, _ in seen)
    assert_array_equal(seen[-1][1], _outputs(est, X))  # the last epoch's weights were kept
    assert not np.allclose(seen[0][1], seen[-1][1])


def test_stop_on_plateau_of_the_loss_and_of_the_validation_score():
    est = _make("regressor", LEARN, max_iter=100, callbacks=[StopOnPlateau(patience=2, tol=1e9)])
    assert est.fit(X, _SIGNAL).n_iter_ == 3
    est.set_params(callbacks=[StopOnPlateau(monitor="validation_score", patience=3, tol=1e9)])
    est.fit(X, _SIGNAL)
    assert est.n_iter_ == 4 and est.best_epoch_ in (1, 2, 3, 4)
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_stop_on_plateau_of_validation_values_without_a_split_is_refused_before_training():
    epochs = []
    est = _make("regressor", SMALL, validation_fraction=None, callbacks=[
        lambda e, r: epochs.append(r["epoch"]), StopOnPlateau(monitor="validation_score")])
    with pytest.raises(ValueError, match="validation_fraction"):
        est.fit(X, _SIGNAL)
    assert epochs == []


def _sklearn_callback():
    return pytest.importorskip(
        "sklearn.callback", reason="scikit-learn < 1.9 has no callback API (sklearn.callback)")


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_sklearn_progress_bar(kind, capsys):
    _sklearn_callback()
    pytest.importorskip("rich", reason="scikit-learn's ProgressBar draws with rich")
    from sklearn.callback import ProgressBar

    est = _make(kind, LEARN).set_callbacks(ProgressBar())
    est.fit(X, Y[kind])
    out = capsys.readouterr().out
    assert f"{type(est).__name__} - fit" in out and "100%" in out


def test_sklearn_scoring_monitor_scores_each_epoch_and_the_kept_one():
    _sklearn_callback()
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="r2")
    est = _make("regressor", LEARN, max_iter=8).set_callbacks(monitor).fit(X, _SIGNAL)
    rows = monitor.get_logs().data
    epochs = [row["r2"] for row in rows if row["task_name"] == "epoch"]
    (fit,) = [row["r2"] for row in rows if row["task_name"] == "fit"]
    assert len(epochs) == est.n_iter_ == 8 and len(set(epochs)) == 8
    assert fit == pytest.approx(est.score(X, _SIGNAL), rel=1e-12)
    # The model keeps the weights of its best validation epoch: that epoch's score.
    assert epochs[est.best_epoch_ - 1] == pytest.approx(est.score(X, _SIGNAL), rel=1e-12)


# ------------------------------------------- max_time, validation, the kept epoch
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_tiny_max_time_stops_after_the_first_epoch_and_says_so(kind, capsys):
    est = _make(kind, LEARN, max_iter=1000, max_time=1e-9, verbose=True).fit(X, Y[kind])
    assert est.n_iter_ == len(est.history_) == 1
    assert est.best_epoch_ == 1 and est.validation_scores_ == [est.best_validation_score_]
    assert _outputs(est, X).shape[0] == 60
    score = est.best_validation_score_
    assert (f"Training stopped after epoch 1: the time budget max_time=1e-09 s was used up. "
            f"Kept the weights of epoch 1 (best validation score {score:.4f}).") in capsys.readouterr().out


def test_the_time_budget_is_the_trainers_stopping_rule_not_a_callback():
    # Callbacks see why: 'max_time', even when one of them asked to stop at the same epoch.
    ends = []

    class End(Callback):
        def on_epoch_end(self, estimator, record):
            return True

        def on_fit_end(self, estimator, info):
            ends.append(info["stopped_by"])

    _make("regressor", LEARN, max_iter=50, max_time=1e-9, callbacks=[End()]).fit(X, _SIGNAL)
    _make("regressor", LEARN, max_iter=50, callbacks=[End()]).fit(X, _SIGNAL)
    assert ends == ["max_time", "callback"]


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_without_a_validation_split_the_last_epoch_is_kept(kind):
    snapshots = Snapshots()
    est = _make(kind, LEARN, validation_fraction=None, callbacks=[snapshots]).fit(X, Y[kind])
    assert est.best_epoch_ is None and est.validation_scores_ is None
    assert est.best_validation_score_ is None
    assert all(record["validation_score"] is None for record in est.history_)
    assert_array_equal(est._network.params, snapshots.epochs[-1], strict=True)


def _internal_validation_parts(est, X_, y):
    """Redo the fit's validation parts: the random state draws the initial weights, then the parts.

    Returns the validation rows (the union of the members' parts), encoded, their encoded
    targets, which members hold each one out, and their row numbers.
    """
    X_encoded = est.preprocessor_.transform(X_)
    Y_ = est._encoded_targets(est._targets, y).astype(est._network.dtype)
    config = est._train_config(len(y))
    assert config.member_folds
    random_state = np.random.RandomState(est.random_state)
    EnsembleNetwork(est._network.spec).initialize(random_state)
    held_out = member_validation_parts(len(y), est.n_ensemble, config.validation_fraction,
                                       est._validation_strata(est._targets, Y_, config), random_state)
    rows = np.flatnonzero(held_out.any(axis=1))
    return X_encoded[rows], Y_[rows], held_out[rows], rows


def _out_of_part(members, held_out):
    """Each validation row's mean prediction over the members that hold it out."""
    held = held_out.T[:, :, None]
    return np.where(held, members, 0).sum(axis=0) / held.sum(axis=0)


@pytest.mark.parametrize("n_ensemble", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_the_best_validation_epoch_is_kept(kind, weighted, n_ensemble):
    snapshots = Snapshots()
    sample_weight = np.random.RandomState(3).uniform(0.2, 2.0, 60) if weighted else None
    est = _make(kind, LEARN, max_iter=10, callbacks=[snapshots])
    if n_ensemble != 2:  # a changed ensemble size draws its own parts
        est.fit(X, Y[kind]).set_params(n_ensemble=n_ensemble)
    est.fit(X, Y[kind], sample_weight=sample_weight)
    assert 1 <= est.best_epoch_ <= est.n_iter_ == 10
    scores = est.validation_scores_[-est.n_iter_:]
    assert est.best_validation_score_ == max(scores) == scores[est.best_epoch_ - 1]
    assert [r["validation_score"] for r in est.history_] == scores
    assert_array_equal(est._network.params, snapshots.epochs[est.best_epoch_ - 1], strict=True)
    # Each member held out its own 12 rows: the epoch was chosen on the 12 * n_ensemble rows,
    # each predicted by the member that did not train on it.
    X_val, Y_val, held_out, rows = _internal_validation_parts(est, X, Y[kind])
    assert held_out.sum(axis=0).tolist() == [math.ceil(0.2 * 60)] * n_ensemble
    assert len(rows) == 12 * n_ensemble and held_out.sum(axis=1).max() == 1
    members = est._network.member_predictions(X_val)
    weights = None if sample_weight is None else sample_weight[rows].astype(np.float32)
    out_of_part = _out_of_part(members, held_out)
    assert est._targets.score(out_of_part, Y_val, weights) == pytest.approx(est.best_validation_score_,
                                                                             rel=1e-6, abs=1e-12)
    # The validation loss is the members' mean of each one's loss on its own part.
    if kind == "regressor":
        per_row = 0.5 * ((members - Y_val) ** 2).mean(axis=2)
    else:
        per_row = -(Y_val * np.log(members) + (1 - Y_val) * np.log1p(-members)).sum(axis=2)
    row_weights = held_out * (1.0 if weights is None else weights[:, None])
    losses = [per_row[j] @ row_weights[:, j] / row_weights[:, j].sum() for j in range(n_ensemble)]
    assert est.history_[-est.n_iter_ + est.best_epoch_ - 1]["validation_loss"] == pytest.approx(
        np.mean(losses), rel=1e-5)


def test_a_member_learns_nothing_from_the_rows_of_its_own_part():
    # Member 0's validation rows trade targets among themselves: a permutation, so the targets'
    # mean and deviation (and their standardization) are the same to the last bit (multiples of
    # 1/8 summing to 0). Without dropout or the shared input scale, members share nothing: member
    # 0's weights are the same after every epoch, member 1's (which trains on those rows) are not.
    y = np.round(8 * _SIGNAL) / 8
    y[-1] -= y.sum()
    params = {**LEARN, "dropout": 0.0, "feature_scaling": False, "dtype": "float64", "max_iter": 4}
    first, second = Snapshots(), Snapshots()
    est = _make("regressor", params, callbacks=[first]).fit(X, y)
    _, _, held_out, rows = _internal_validation_parts(est, X, y)
    part = rows[held_out[:, 0]]  # the row numbers of member 0's part
    changed = y.copy()
    changed[part] = y[np.roll(part, 1)]
    assert (changed != y).sum() > 6
    _make("regressor", params, callbacks=[second]).fit(X, changed)
    network = EnsembleNetwork(est._network.spec)

    def member(params, j):
        network.params[...] = params
        n1 = network.layer_sizes[1]
        return np.concatenate([network.coefs[0][:, j * n1:(j + 1) * n1].ravel(),
                               network.intercepts[0][j * n1:(j + 1) * n1], network.coefs[1][j].ravel(),
                               network.intercepts[1][j]])

    for before, after in zip(first.epochs, second.epochs, strict=True):
        assert_array_equal(member(before, 0), member(after, 0), strict=True)
        assert not np.allclose(member(before, 1), member(after, 1))


def test_ties_of_the_validation_score_keep_the_epoch_with_the_lower_validation_loss():
    # Separable classes and 12 validation rows: the accuracy reaches 1.0 early and stays
    # there, while the loss keeps falling. The first epoch at 1.0 was undertrained (issue 20).
    y = np.where(X[:, 0] > 0, "up", "down")
    snapshots = Snapshots()
    est = _make("classifier", LEARN, max_iter=12, callbacks=[snapshots]).fit(X, y)
    records = est._last_fit_records()
    scores = [r["validation_score"] for r in records]
    losses = [r["validation_loss"] for r in records]
    first_best = scores.index(max(scores)) + 1
    tied = [epoch for epoch in range(1, 13) if scores[epoch - 1] == max(scores)]
    assert len(tied) > 1 and est.best_epoch_ != first_best  # the case this test is about
    assert est.best_epoch_ == min(tied, key=lambda epoch: losses[epoch - 1])
    assert_array_equal(est._network.params, snapshots.epochs[est.best_epoch_ - 1], strict=True)


def test_an_epoch_tied_on_score_and_loss_neither_becomes_best_nor_resets_the_patience():
    state = TrainState()
    state.begin_call("per_fit", incremental=False, validation=True, snapshot=lambda: ("params", "state"))
    network = type("Network", (), {"snapshot": lambda self: (len(state.validation_scores_), None)})()
    rule = StoppingRule(TrainConfig(tol=0.0, tie_break_on_loss=True, n_iter_no_change=5), state,
                        schedule=None, say=print, network=network, with_validation=True)
    patience, kept = [], []
    for score, loss in [(0.9, 0.5), (1.0, 0.4), (1.0, 0.3), (1.0, 0.3), (0.9, 0.1), (1.0, 0.35)]:
        rule.track({"validation_score": score, "validation_loss": loss})
        patience.append(state.no_improvement_count)
        kept.append(state.best_params)
    assert kept == [1, 2, 3, 3, 3, 3]  # a higher score, then a lower loss at the same score
    assert patience == [0, 0, 0, 1, 2, 3]
    assert kept_epoch([{"validation_score": s, "validation_loss": v} for s, v in
                       [(0.9, 0.5), (1.0, 0.4), (1.0, 0.3), (1.0, 0.3), (0.9, 0.1), (1.0, 0.35)]]) == 3


def test_too_few_rows_for_a_validation_split_train_on_all_of_them():
    snapshots = Snapshots()
    est = _make("regressor", SMALL, validation_fraction=0.2, callbacks=[snapshots]).fit(X[:5], _SIGNAL[:5])
    assert est.validation_scores_ is None and est.best_epoch_ is None
    assert est.t_ == 5 * 5  # every row, every epoch
    assert_array_equal(est._network.params, snapshots.epochs[-1])


# -------------------------------------------------------- verbose and summary()
@pytest.mark.parametrize("validation_fraction", [0.2, None])
def test_verbose_prints_one_line_per_epoch(validation_fraction, capsys):
    est = _make("classifier", LEARN, verbose=True, validation_fraction=validation_fraction)
    est.fit(X, Y["classifier"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Iteration")]
    assert len(lines) == est.n_iter_ == 5
    for epoch, (line, loss) in enumerate(zip(lines, est.loss_curve_, strict=True), start=1):
        assert line.startswith(f"Iteration {epoch}, loss = {loss:.8f}")
        assert ("val_score = " in line) == (validation_fraction is not None)
    est.set_params(verbose=False).fit(X, Y["classifier"])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("feature_scaling", [True, False])
@pytest.mark.parametrize("hidden_layer_sizes", [(16,), (16, 8)])
def test_summary_prints_the_layers_and_the_parameter_total(feature_scaling, hidden_layer_sizes, pd):
    frame = _frame(pd, 40, seed=0)
    est = _make("classifier", SMALL, feature_scaling=feature_scaling, hidden_layer_sizes=hidden_layer_sizes)
    est.fit(frame, _frame_targets(frame)["classifier"])
    out = io.StringIO()
    est.summary(file=out)
    text = out.getvalue()

    total = est._network.params.size
    assert total >= 1000 and f"Total parameters: {total:,} " in text  # with thousands separators
    counts = [int(line.split()[-1].replace(",", "")) for line in text.splitlines()
              if line.startswith(("dense ", "feature scale"))]
    assert sum(counts) == total
    assert len(counts) == len(hidden_layer_sizes) + 1 + feature_scaling
    n_in = est.preprocessor_.n_features_out_
    assert f"2 x ({n_in}, {hidden_layer_sizes[0]})" in text
    assert "8 columns (3 numeric, 5 categorical)" in text
    assert ("feature scale" in text) == feature_scaling
    assert re.search(rf"dense {len(hidden_layer_sizes) + 1} .*logistic", text)


def _summary_text(est):
    out = io.StringIO()
    est.summary(file=out)
    return out.getvalue()


def _kept_best(est):
    return (f"Kept the weights of epoch {est.best_epoch_} "
            f"(best validation score {est.best_validation_score_:.4f}).")


def _reports(est, capsys):
    """The last line verbose printed and the last line of summary(): how the fit ended."""
    return capsys.readouterr().out.splitlines()[-1], _summary_text(est).splitlines()[-1]


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_verbose_and_summary_say_the_patience_ran_out_and_which_epoch_was_kept(kind, capsys):
    est = _make(kind, LEARN, max_iter=200, n_iter_no_change=2, verbose=True).fit(X, Y[kind])
    # Stopped when more than 2 epochs in a row did not reach the best score (a tie counts as reaching it).
    assert est.n_iter_ < 200 and est.n_iter_ - est.best_epoch_ >= 3
    report = (f"Training stopped after epoch {est.n_iter_}: the validation score did not improve for "
              f"more than n_iter_no_change=2 epochs. {_kept_best(est)}")
    assert _reports(est, capsys) == (report, report)
    assert "tol" not in report  # a parameter TabularNet does not have


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_verbose_and_summary_say_max_iter_was_reached(kind, capsys):
    est = _make(kind, LEARN, verbose=True).fit(X, Y[kind])
    report = f"Training ran all max_iter=5 epochs. {_kept_best(est)}"
    assert _reports(est, capsys) == (report, report)


@pytest.mark.parametrize("validation_fraction, why", [
    (None, "validation_fraction=None"),
    (0.01, "too few rows for validation_fraction=0.01"),  # 1 row of 60: no split
])
def test_without_a_validation_split_verbose_and_summary_say_the_last_epoch_was_kept(
        validation_fraction, why, capsys):
    est = _make("regressor", LEARN, validation_fraction=validation_fraction, verbose=True).fit(X, _SIGNAL)
    report = f"Training ran all max_iter=5 epochs. Kept the last epoch's weights (no validation split: {why})."
    assert _reports(est, capsys) == (report, report)


def _stop_at_epoch_2(estimator, record):
    return record["epoch"] == 2


def _ctrl_c_at_epoch_2(estimator, record):
    if record["epoch"] == 2:
        raise KeyboardInterrupt
    return False


@pytest.mark.filterwarnings("ignore:Training interrupted by user")
@pytest.mark.parametrize("params, why", [
    ({"callbacks": [_stop_at_epoch_2]}, "a callback stopped it"),
    ({"callbacks": [_ctrl_c_at_epoch_2]}, "interrupted by the user (Ctrl-C)"),
    ({"max_time": 1e-9, "max_iter": 2}, None),  # the budget runs out as epoch 2 is the last anyway
])
def test_an_early_stop_is_named_by_verbose_and_left_open_by_summary(params, why, capsys):
    est = _make("classifier", LEARN, **{"max_iter": 50, **params}, verbose=True).fit(X, Y["classifier"])
    verbose, summary = _reports(est, capsys)
    if why is None:  # the time budget: from epoch 1 on
        assert est.n_iter_ == 1
        assert verbose == (f"Training stopped after epoch 1: the time budget max_time=1e-09 s was used up. "
                           f"{_kept_best(est)}")
        assert summary == (f"Training stopped after epoch 1: the time budget max_time=1e-09 s, a callback or "
                           f"Ctrl-C ended it before max_iter=2. {_kept_best(est)}")
        return
    assert est.n_iter_ == 2
    assert verbose == f"Training stopped after epoch 2: {why}. {_kept_best(est)}"
    # The fitted state (what save keeps) does not record which of them it was.
    assert summary == (f"Training stopped after epoch 2: a callback or Ctrl-C ended it before max_iter=50. "
                       f"{_kept_best(est)}")


def test_a_divergence_is_reported_with_the_best_epoch_before_it(monkeypatch, capsys):
    calls = []
    original = EnsembleNetwork.loss_and_gradient

    def diverging(self, *args):
        calls.append(None)
        loss = original(self, *args)
        if len(calls) < 9:  # 60 training rows, batches of 16: the 9th batch is in epoch 3
            return loss
        self.params[...] = np.nan  # as a real divergence leaves them
        return np.nan

    monkeypatch.setattr(EnsembleNetwork, "loss_and_gradient", diverging)
    est = _make("regressor", LEARN, max_iter=10, verbose=True)
    with pytest.warns(UserWarning, match="Training diverged"):
        est.fit(X, _SIGNAL)
    assert est.n_iter_ == 3 and est.best_epoch_ in (1, 2)
    report = (f"Training stopped after epoch 3: the loss became non-finite (training diverged). "
              f"{_kept_best(est)}")
    assert _reports(est, capsys) == (report, report)


def test_after_a_warm_start_the_report_counts_the_epochs_of_the_last_fit(capsys):
    est = _make("regressor", LEARN, validation_fraction=None).fit(X, _SIGNAL)
    est.set_params(warm_start=True, max_iter=3, verbose=True).fit(X, _SIGNAL)
    report = ("Training ran all max_iter=3 epochs of this fit. Kept the last epoch's weights "
              "(no validation split: validation_fraction=None).")
    assert _reports(est, capsys) == (report, report)


# --------------------------------------------------------------------- options
@pytest.mark.parametrize("kind", ESTIMATORS)
def test_the_dtype_option(kind):
    models = {dtype: _make(kind, LEARN, dtype=dtype).fit(X, Y[kind]) for dtype in ("float32", "float64")}
    for dtype, est in models.items():
        assert est._network.params.dtype == dtype
        assert est.preprocessor_.transform(X).dtype == dtype
        if kind == "classifier":
            assert est.predict_proba(X).dtype == dtype
    # The same model up to rounding.
    assert_allclose(_outputs(models["float32"], X), _outputs(models["float64"], X), rtol=1e-3, atol=1e-4)


def test_dropout_zero_trains_the_network_that_predicts():
    # With one full batch, an epoch's training loss is the loss at the weights the epoch starts
    # from: computed in prediction mode, it is the same without dropout and not with it.
    for dropout in (0.0, 0.5):
        snapshots = Snapshots()
        est = _make("regressor", EXACT, dropout=dropout, callbacks=[snapshots]).fit(X, _SIGNAL)
        start = EnsembleNetwork(est._network.spec)
        start.params[...] = snapshots.begin
        Y_ = ((_SIGNAL - est.y_mean_) / est.y_scale_)[:, None]
        _, loss = start.evaluate(est.preprocessor_.transform(X), Y_, np.full(60, 1 / 60), 0.0)
        assert (loss == pytest.approx(est.loss_curve_[0], rel=1e-12)) == (dropout == 0.0)
        assert est._network.spec.dropout == dropout
        assert snapshots.dropout_rates[0] == dropout


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_feature_scaling_false_has_no_input_scale(kind):
    scaled = _make(kind, LEARN, feature_scaling=True).fit(X, Y[kind])
    unscaled = _make(kind, LEARN, feature_scaling=False).fit(X, Y[kind])
    assert scaled._network.scale_theta is not None and unscaled._network.scale_theta is None
    n_in = unscaled.preprocessor_.n_features_out_
    assert scaled._network.params.size - unscaled._network.params.size == n_in
    assert not np.allclose(_outputs(scaled, X), _outputs(unscaled, X))
    # The input scale learns: it no longer is its initial value of 1.
    assert not np.allclose(scaled._network.input_scale, 1.0)


@pytest.mark.parametrize("numeric_bins", [0, 4])
def test_numeric_bins(numeric_bins, pd):
    frame = _frame(pd, 40, seed=0)
    est = _make("regressor", SMALL, numeric_bins=numeric_bins).fit(frame, _frame_targets(frame)["regressor"])
    bins = [len(edges) - 1 for edges in est.preprocessor_.bin_edges_ if len(edges)]
    names = est.preprocessor_.get_feature_names_out()
    n_bin_features = sum(1 for name in names if "_bin" in name)
    if numeric_bins == 0:
        assert bins == [] and n_bin_features == 0
    else:
        assert len(bins) == 3 and all(1 <= b <= numeric_bins for b in bins)
        assert n_bin_features == sum(bins)
    assert est._network.spec.layer_sizes[0] == len(names)


@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) - {"identity"}))
def test_each_hidden_activation_trains(activation):
    est = _make("regressor", LEARN, max_iter=10, activation=activation).fit(X, _SIGNAL)
    assert est._network.spec.hidden_activation == activation
    assert est.score(X, _SIGNAL) > 0.6


def test_identity_is_not_a_hidden_activation():
    with pytest.raises(InvalidParameterError, match="activation"):
        _make("regressor", SMALL, activation="identity").fit(X, _SIGNAL)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_the_defaults_fit_and_predict_a_small_dataframe(kind, pd):
    frame, new = _frame(pd, 60, seed=0), _frame(pd, 10, seed=1)
    y = _frame_targets(frame)[kind]
    est = ESTIMATORS[kind](random_state=0).fit(frame, y)
    predicted = est.predict(new)
    assert predicted.shape == (10,)
    assert 1 <= est.n_iter_ <= est.max_iter
    if kind == "classifier":
        assert set(predicted) <= {"down", "up"}
        assert_allclose(est.predict_proba(new).sum(axis=1), 1.0, rtol=1e-6)
        assert est.score(frame, y) > max(np.mean(y == "up"), np.mean(y == "down"))
    else:
        assert np.isfinite(predicted).all() and est.score(frame, y) > 0


# ------------------------------------------------------------------- bad input
BAD_FITS = {
    "X-1d": (lambda: X[:, 0], None, ValueError, "2D array"),
    "X-3d": (lambda: X[:, :, None], None, ValueError, "dim 3"),
    "X-no-rows": (lambda: X[:0], lambda y: y[:0], ValueError, "0 sample"),
    "X-no-columns": (lambda: X[:, :0], None, ValueError, "0 feature"),
    "X-inf": (lambda: X_INF, None, ValueError, "infinity"),
    "X-minus-inf-in-a-frame-column": ("frame-inf", None, ValueError, "'num'"),
    "X-frame-no-rows": ("frame-no-rows", lambda y: y[:0], ValueError, "0 sample.*required by TabularNet"),
    "X-frame-duration-column": ("frame-duration", None, ValueError, "Column 'took' has dtype timedelta64"),
    "X-complex": (lambda: X.astype(complex), None, ValueError, "[Cc]omplex"),
    "y-wrong-length": (None, lambda y: y[:-1], ValueError, "inconsistent numbers of samples"),
    "y-3d": (None, lambda y: y[:, None, None], ValueError, "1-D or 2-D|Unknown label type"),
    "y-None": (None, lambda y: None, ValueError, "requires y"),
}
REGRESSOR_BAD_FITS = {
    "y-NaN": (None, lambda y: np.where(np.arange(60) == 2, np.nan, y), ValueError, "NaN or infinity"),
    "y-inf": (None, lambda y: np.where(np.arange(60) == 2, np.inf, y), ValueError, "NaN or infinity"),
}
CLASSIFIER_BAD_FITS = {
    "y-continuous": (None, lambda y: _SIGNAL, ValueError, "Unknown label type: continuous"),
}


def _bad_fit_cases():
    for kind in ESTIMATORS:
        extra = CLASSIFIER_BAD_FITS if kind == "classifier" else REGRESSOR_BAD_FITS
        for name, case in {**BAD_FITS, **extra}.items():
            yield pytest.param(kind, *case, id=f"{kind}-{name}")


@pytest.mark.parametrize("kind, make_X, make_y, error, match", list(_bad_fit_cases()))
def test_bad_input_gives_a_clear_error_and_no_model(kind, make_X, make_y, error, match, pd):
    if make_X == "frame-inf":
        X_ = _frame(pd, 60, seed=0)
        X_.loc[3, "num"] = -np.inf
    elif make_X == "frame-no-rows":
        X_ = _frame(pd, 60, seed=0).iloc[:0]
    elif make_X == "frame-duration":  # dates are read (test_tabular_dates.py), durations are not
        X_ = _frame(pd, 60, seed=0).assign(took=pd.Timedelta("1 day"))
    else:
        X_ = X if make_X is None else make_X()
    y = Y[kind] if make_y is None else make_y(Y[kind])
    est = _make(kind)
    with pytest.raises(error, match=match) as raised:
        est.fit(X_, y)
    _assert_unfitted(est)
    # The user called the estimator: its preprocessor, an inner part, goes unnamed.
    assert "TabularPreprocessor" not in str(raised.value)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_bad_input_at_predict_gives_a_clear_error(kind):
    est = _make(kind, numeric_bins=0).fit(X, Y[kind])
    before = _outputs(est, X)
    for X_, match in ((X_INF, "infinity"), (X[:, :2], "2 features"), (X[:, :, None], "dim 3"),
                      (X[:0], "0 sample"), (X[0], "Expected 2D array"), (X.astype("m8[s]"), "dtype")):
        with pytest.raises(ValueError, match=match) as raised:
            est.predict(X_)
        assert "TabularPreprocessor" not in str(raised.value)
    # NaN is a missing value, also where fit saw none (the median then stands in).
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    assert np.isfinite(_outputs(est, X_nan)).all()
    X_median = X.copy()
    X_median[0, 0] = est.preprocessor_.medians_[0]
    assert_allclose(_outputs(est, X_nan)[0], _outputs(est, X_median)[0], rtol=1e-6)
    assert_array_equal(_outputs(est, X), before)


def test_a_missing_value_unseen_at_fit_encodes_as_the_median_with_bins():
    est = _make("regressor", numeric_bins=4).fit(X, _SIGNAL)
    X_nan, X_median = X[:1].copy(), X[:1].copy()
    X_nan[0, 0], X_median[0, 0] = np.nan, est.preprocessor_.medians_[0]
    assert_allclose(est.predict(X_nan), est.predict(X_median), rtol=1e-6)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_one_row_fits(kind):
    est = _make(kind, validation_fraction=0.2).fit(X[:1], Y[kind][:1])
    assert est.n_iter_ == 5 and est.validation_scores_ is None  # no rows to spare for validation
    predicted = est.predict(X[:4])
    if kind == "classifier":
        assert_array_equal(predicted, [Y[kind][0]] * 4)
    else:
        assert predicted.shape == (4,) and np.isfinite(predicted).all()
    # Two rows, two classes (or two values): the smallest real problem.
    two = _make(kind).fit(X[[0, 2]], Y[kind][[0, 2]])
    assert two.validation_scores_ is None
    if kind == "classifier":
        assert_array_equal(two.classes_, ["down", "up"])
        assert two.predict_proba(X).shape == (60, 2)
    else:
        assert two.predict(X).shape == (60,) and np.isfinite(two.predict(X)).all()


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_the_callers_data_is_never_modified(kind, pd):
    frame = _frame(pd, 48, seed=0)
    y = pd.Series(_frame_targets(frame)[kind])
    weights = np.random.RandomState(4).uniform(0.5, 2.0, 48)
    X_obj = frame.to_numpy(dtype=object)
    X_obj[pd.isna(X_obj)] = None
    originals = (frame.copy(deep=True), y.copy(deep=True), weights.copy(), X_obj.copy())

    def assert_untouched():
        pd.testing.assert_frame_equal(frame, originals[0])
        pd.testing.assert_series_equal(y, originals[1])
        assert_array_equal(weights, originals[2], strict=True)
        assert X_obj.tolist() == originals[3].tolist()

    est = _make(kind, LEARN, dropout=0.2, **({"class_weight": "balanced"} if kind == "classifier" else {}))
    est.fit(frame, y, sample_weight=weights)
    est.predict(frame)
    assert_untouched()
    est.set_params(warm_start=True).fit(frame, y, sample_weight=weights)
    assert_untouched()
    with pytest.raises(RuntimeError):
        est.set_params(callbacks=[_raise_on_call(2)]).fit(frame, y, sample_weight=weights)
    assert_untouched()
    est.set_params(callbacks=None, warm_start=False).fit(X_obj, y.to_numpy(), sample_weight=weights)
    est.predict(X_obj)
    assert_untouched()
