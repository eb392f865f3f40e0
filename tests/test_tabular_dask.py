"""TabularNet on a Dask DataFrame: fitted from Dask's statistics, trained a partition at a time.

The frames are small (``dd.from_pandas``) so that the streamed fit can be
compared with the in-memory fit of the same pandas frame.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import skdeep
from skdeep import TabularNetClassifier, TabularNetRegressor
from skdeep.tabular import streaming
from skdeep.tabular.partitioned import PartitionedTable
from skdeep.tabular.preprocessing import TabularPreprocessor

REASON = 'Dask DataFrame tests need the dask extra: pip install ".[dask]"'
dd = pytest.importorskip("dask.dataframe", reason=REASON)
pd = pytest.importorskip("pandas", reason=REASON)
dask = pytest.importorskip("dask", reason=REASON)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_PARTITIONS = 5
SMALL = dict(hidden_layer_sizes=(32,), n_ensemble=1, batch_size=64, random_state=0)


def _frame(n=3000, seed=0):
    """Numeric (one with missing values, one of few integers), string, bool, category columns."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "skewed": rng.exponential(size=n),
        "gappy": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "count": rng.integers(0, 4, size=n),
        "city": rng.choice(np.array(["Paris", "Rome", "Oslo", None], dtype=object), size=n),
        "grade": rng.choice(list("abcdefghijkl"), size=n),  # 12 categories: the most-frequent encoding
        "flag": rng.random(n) < 0.3,
        "kind": pd.Categorical(rng.choice(["u", "v"], size=n)),
    })
    logit = 2 * X["x"] + (X["city"] == "Paris") - X["skewed"] + X["flag"] + np.nan_to_num(X["gappy"])
    return X, (logit > 0).to_numpy().astype(int)


def _dask(X, npartitions=N_PARTITIONS):
    return dd.from_pandas(X, npartitions=npartitions)


class _LargestResult(dask.callbacks.Callback):
    """The most rows any task of a local Dask computation returned (a frame or a series)."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def _posttask(self, key, result, dsk, state, worker_id):
        if isinstance(result, (pd.DataFrame, pd.Series)):
            self.largest = max(self.largest, len(result))


def _record_tables(monkeypatch):
    """The PartitionedTables streamed fits make, as they make them."""
    tables = []
    make = streaming.streamed_table
    monkeypatch.setattr(streaming, "streamed_table",
                        lambda *args: tables.append(make(*args)) or tables[-1])
    return tables


def test_the_streamed_preprocessing_has_the_categories_of_the_in_memory_one_and_close_quantiles():
    X, y = _frame()
    streamed = TabularNetClassifier(max_iter=1, **SMALL).fit(_dask(X), y).preprocessor_
    exact = TabularPreprocessor(max_one_hot=9, numeric_bins=16, dtype="float32").fit(X)
    assert streamed.numeric_columns_ == exact.numeric_columns_ == [0, 1, 2, 3]
    assert streamed.categorical_columns_ == exact.categorical_columns_
    for name in ("categories_", "encodings_", "missing_categories_"):
        assert [np.asarray(v).tolist() for v in getattr(streamed, name)] == \
            [np.asarray(v).tolist() for v in getattr(exact, name)], name
    assert streamed.encodings_ == ["one-hot", "most-frequent", "binary", "binary"]
    assert_array_equal(streamed.missing_indicators_, [False, False, True, False])
    assert_array_equal(streamed.feature_names_in_, X.columns)
    # Dask's quantiles are estimates (measured: medians and scales within 0.5% of the scale, edges
    # within 2.5%).
    assert np.all(np.abs(streamed.medians_ - exact.medians_) <= 0.01 * exact.scales_)
    assert_allclose(streamed.scales_, exact.scales_, rtol=0.01)
    for column in range(3):  # the continuous columns: 16 bins each, edges close, extremes exact
        streamed_edges, exact_edges = streamed.bin_edges_[column], exact.bin_edges_[column]
        assert len(streamed_edges) == len(exact_edges) == 17
        assert streamed_edges[0] == exact_edges[0] and streamed_edges[-1] == exact_edges[-1]
        assert_allclose(streamed_edges, exact_edges, atol=0.04 * exact.scales_[column])
    assert_array_equal(streamed.bin_edges_[3], [0, 1, 2, 3])  # the integer column's values


def test_a_frame_of_one_numeric_column_fits_and_its_infinity_is_refused():
    # Dask (2026.8) failed on the quantiles of a one-column frame masked lazily ("Must specify
    # axis=0 or 1"): the streamed fit masks the infinite values partition by partition.
    X = pd.DataFrame({"x": np.linspace(-1, 1, 300)})
    y = (X["x"] > 0).to_numpy().astype(int)
    streamed = TabularNetClassifier(max_iter=1, **SMALL).fit(_dask(X), y)
    exact = TabularPreprocessor(numeric_bins=16).fit(X)
    assert streamed.preprocessor_.numeric_columns_ == exact.numeric_columns_ == [0]
    assert streamed.predict(X).shape == (300,)
    with pytest.raises(ValueError, match="infinity in numeric column.*'x'"):
        TabularNetClassifier(max_iter=1, **SMALL).fit(_dask(X.assign(x=X["x"].replace(X["x"].iloc[7], np.inf))), y)


def test_a_point_mass_keeps_the_collapsed_edges_in_a_streamed_fit_as_documented():
    # 90% zeros: an in-memory fit cuts the bins the zeros take again over the spread values; a
    # streamed fit would need a second pass for that, and keeps the quantiles' few edges.
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"gain": np.where(rng.random(3000) < 0.9, 0.0, rng.lognormal(8, 1, 3000))})
    y = (X["gain"] > 3000).to_numpy().astype(int)
    streamed = TabularNetClassifier(max_iter=1, **SMALL).fit(_dask(X), y).preprocessor_
    exact = TabularPreprocessor(numeric_bins=16).fit(X)
    assert len(streamed.bin_edges_[0]) <= 4
    assert len(exact.bin_edges_[0]) - 1 == 15
    assert streamed.bin_edges_[0][0] == exact.bin_edges_[0][0] == 0.0


def test_a_streamed_fit_never_computes_the_whole_frame_and_reads_each_partition_about_once_an_epoch(
        monkeypatch):
    X, y = _frame()
    frame = _dask(X)
    largest_partition = int(frame.map_partitions(len).compute().max())
    tables = _record_tables(monkeypatch)
    with _LargestResult() as watch:
        model = TabularNetClassifier(max_iter=4, **SMALL).fit(frame, y)
        model.predict(frame)
    assert watch.largest == largest_partition  # no computation returned more than a partition
    with _LargestResult() as control:  # what the check sees when a frame is computed whole
        frame.compute()
    assert control.largest == len(X)
    (table,) = tables
    # One pass for the validation rows, then each partition once an epoch (the last two read
    # may still be held when the next epoch starts).
    assert N_PARTITIONS * model.n_iter_ <= table.partitions.reads <= N_PARTITIONS * (1 + model.n_iter_)


def test_each_batch_comes_from_one_partition_but_at_a_seam_and_the_validation_rows_are_held(monkeypatch):
    X, y = _frame()
    spans, held = [], []
    take, held_subset = PartitionedTable.take, PartitionedTable.held_subset
    monkeypatch.setattr(PartitionedTable, "take", lambda self, rows, axis=0: (
        spans.append(len(set(self.partitions.of_rows(self.rows[rows]).tolist()))), take(self, rows, axis))[1])
    monkeypatch.setattr(PartitionedTable, "held_subset", lambda self, rows: (
        held.append(len(rows)), held_subset(self, rows))[1])
    model = TabularNetClassifier(max_iter=3, **SMALL).fit(_dask(X), y)
    assert held == [600]  # validation_fraction=0.2 of 3,000 rows, read into memory once
    batches_per_epoch = -(-2400 // 64)
    assert len(spans) == model.n_iter_ * batches_per_epoch
    assert max(spans) == 2 and sum(span == 2 for span in spans) <= model.n_iter_ * (N_PARTITIONS - 1)


def test_a_streamed_fit_holds_at_most_max_validation_rows_for_validation(monkeypatch):
    X, y = _frame()
    monkeypatch.setattr(skdeep.tabular.estimators, "MAX_VALIDATION_ROWS", 250)
    held = []
    held_subset = PartitionedTable.held_subset
    monkeypatch.setattr(PartitionedTable, "held_subset", lambda self, rows: (
        held.append(len(rows)), held_subset(self, rows))[1])
    model = TabularNetClassifier(max_iter=2, **SMALL).fit(_dask(X), y)
    assert held == [250] and model.best_epoch_ is not None  # the rest trains


def test_the_memory_check_of_a_streamed_fit_counts_its_partitions_and_validation_rows_not_the_table(
        monkeypatch):
    X, y = _frame()
    checked = []
    refuse = skdeep.tabular.estimators.refuse_if_short
    monkeypatch.setattr(skdeep.tabular.estimators, "refuse_if_short",
                        lambda parts, advice: (checked.append(parts), refuse(parts, advice))[1])
    frame = _dask(X)
    model = TabularNetClassifier(max_iter=1, **SMALL).fit(frame, y)
    (parts,) = checked  # the in-memory check of the whole encoded table is not made
    row_bytes = model.preprocessor_._compact_row_bytes()
    assert parts["the validation rows"] == 600 * row_bytes
    largest = max(int(frame.partitions[p].compute().memory_usage(deep=True).sum()) for p in range(5))
    assert parts["the partitions read, raw and encoded"] == 2 * (largest + 600 * row_bytes)


def test_a_streamed_fit_scores_close_to_the_in_memory_fit_and_predicts_dask_as_pandas():
    X, y = _frame(4000)
    X_test, y_test = _frame(2000, seed=1)
    settings = dict(max_iter=15, **SMALL)
    in_memory = TabularNetClassifier(**settings).fit(X, y)
    streamed = TabularNetClassifier(**settings).fit(_dask(X), y)
    in_memory_accuracy, accuracy = in_memory.score(X_test, y_test), streamed.score(X_test, y_test)
    assert accuracy >= in_memory_accuracy - 0.03, (accuracy, in_memory_accuracy)

    test_frame = _dask(X_test, npartitions=3)
    proba = streamed.predict_proba(test_frame)
    assert isinstance(proba, np.ndarray)
    assert_allclose(proba, streamed.predict_proba(X_test), rtol=1e-6, atol=1e-7)
    assert_array_equal(streamed.predict(test_frame), streamed.predict(X_test))
    assert streamed.score(test_frame, y_test) == streamed.score(X_test, y_test)
    assert streamed.score(test_frame, dd.from_array(y_test, chunksize=700)) == streamed.score(X_test, y_test)


def test_y_as_a_dask_series_trains_the_model_a_numpy_y_trains():
    X, y = _frame(1500)
    X["target"] = X["x"] * 2 - X["skewed"]
    frame = _dask(X)
    features = frame.drop(columns="target")
    settings = dict(max_iter=3, **SMALL)
    from_dask = TabularNetRegressor(**settings).fit(features, frame["target"])
    from_numpy = TabularNetRegressor(**settings).fit(features, X["target"].to_numpy())
    assert_array_equal(from_dask.predict(features), from_numpy.predict(features))
    assert from_dask.score(features, frame["target"]) > 0.5


def test_warm_start_and_save_load_after_a_streamed_fit(tmp_path):
    X, y = _frame(1500)
    frame = _dask(X)
    model = TabularNetClassifier(max_iter=2, **SMALL).fit(frame, y)
    preprocessor = model.preprocessor_
    model.set_params(warm_start=True, max_iter=2).fit(frame, y)
    assert model.preprocessor_ is preprocessor and model.n_iter_ == 2 and len(model.history_) == 4
    assert "_streaming" not in model.__dict__  # nothing of the fit stays on the estimator

    skdeep.save(model, tmp_path / "model.skdeep")
    loaded = skdeep.load(tmp_path / "model.skdeep")
    assert_array_equal(loaded.predict_proba(frame), model.predict_proba(X))


def test_bad_inputs_get_clear_errors():
    X, y = _frame(500)
    frame = _dask(X)
    model = TabularNetClassifier(max_iter=1, **SMALL)
    with pytest.raises(ValueError, match="inconsistent numbers of samples: 500 and 499"):
        model.fit(frame, y[:-1])
    with pytest.raises(TypeError, match="streams a Dask DataFrame, not a Series.*to_frame"):
        model.fit(frame["x"], y)
    with pytest.raises(ValueError, match="requires y"):
        model.fit(frame, None)
    lasted = frame.assign(took=dd.to_timedelta(frame["count"], unit="D"))  # dates are read, durations not
    with pytest.raises(ValueError, match="Column 'took' has dtype timedelta64"):
        model.fit(lasted, y)
    with pytest.raises(ValueError, match="infinity in numeric column.*'skewed'"):
        model.fit(_dask(X.assign(skewed=X["skewed"].replace(X["skewed"].iloc[7], np.inf))), y)
    assert not hasattr(model, "preprocessor_")  # a refused fit leaves nothing

    model.fit(frame, y)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"x": "unknown"}))
    with pytest.raises(TypeError, match="streams a Dask DataFrame"):
        model.predict(frame["x"].to_dask_array(lengths=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(frame)  # no warning about names for the frame it was fitted on


@pytest.mark.slow
def test_a_grid_search_over_tabularnet_on_a_cluster_equals_the_local_run():
    distributed = pytest.importorskip("distributed", reason=REASON)
    joblib = pytest.importorskip("joblib")
    from sklearn.model_selection import GridSearchCV

    X, y = _frame(600)
    grid = {"hidden_layer_sizes": [(8,), (16,)], "dropout": [0.0, 0.2]}
    search = GridSearchCV(TabularNetClassifier(max_iter=5, n_ensemble=1, random_state=0), grid, cv=3)
    local = search.set_params(n_jobs=1).fit(X, y)
    local_results = {key: local.cv_results_[key] for key in ("split0_test_score", "split1_test_score")}
    local_best, local_proba = local.best_params_, local.best_estimator_.predict_proba(X)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
            remote = GridSearchCV(TabularNetClassifier(max_iter=5, n_ensemble=1, random_state=0), grid,
                                  cv=3, n_jobs=-1).fit(X, y)
    assert len({task["worker"] for task in tasks.data}) == 2  # both worker processes fitted candidates
    assert remote.best_params_ == local_best
    for key, scores in local_results.items():
        assert_array_equal(remote.cv_results_[key], scores)
    assert_array_equal(remote.best_estimator_.predict_proba(X), local_proba)
