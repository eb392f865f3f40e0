"""TabularNet's compact encoding: the wide input is made batch by batch, categories are hashed.

The preprocessor keeps, per row, the scaled numeric values and each category's
position in its block (:class:`skdeep.tabular.compact.CompactTable`); the
wide rows (values, indicators, piecewise-linear bins, one-hot blocks) are made
only for the rows asked for. These tests check that the wide rows are the
ones ``transform`` gives, that memory no longer grows with the longest
category or the number of bins, and that predictions do not depend on the
chunking.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdeep import TabularNetClassifier, TabularNetRegressor
from skdeep.tabular import estimators
from skdeep.tabular.compact import CompactTable
from skdeep.tabular.preprocessing import TabularPreprocessor
from traced_memory import traced_peak

pd = pytest.importorskip("pandas")

SMALL = dict(hidden_layer_sizes=(16,), max_iter=3, batch_size=32, random_state=0)


def _table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "skewed": rng.lognormal(size=n),
        "steps": rng.integers(0, 4, n).astype(float),
        "constant": np.full(n, 7.0),
        "city": rng.choice(["Paris", "Rome", "Oslo"], n),
        "many": pd.Categorical(rng.integers(0, 40, n).astype(str)),
        "flag": rng.random(n) < 0.3,
    })
    X.loc[rng.random(n) < 0.1, "x"] = np.nan
    X.loc[rng.random(n) < 0.1, "city"] = None
    return X


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_wide_rows_of_the_compact_table_are_transforms(dtype):
    X = _table()
    pre = TabularPreprocessor(numeric_bins=8, max_one_hot=9, dtype=dtype)
    compact = pre._fit_compact(X)
    assert isinstance(compact, CompactTable) and compact.shape == (len(X), pre.n_features_out_)
    wide = pre.transform(X)
    assert compact.dtype == wide.dtype == np.dtype(dtype)
    assert_array_equal(compact.toarray(), wide)
    rows = np.array([5, 0, 299, 5])
    assert_array_equal(compact.take(rows, axis=0), wide[rows])
    assert_array_equal(compact[10:20], wide[10:20])
    assert_array_equal(compact.subset(rows).toarray(), wide[rows])
    # Compact: a few bytes a cell, where the wide matrix has one float per output column.
    assert compact.nbytes * 5 < wide.nbytes


def test_bins_match_the_piecewise_linear_encoding_of_the_raw_values():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(size=500), [np.nan, 1e300, -1e300]])
    pre = TabularPreprocessor(numeric_bins=6).fit(values[:, None])
    edges = pre.bin_edges_[0]
    imputed = np.where(np.isnan(values), pre.medians_[0], values)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = np.clip((imputed[:, None] - edges[:-1]) / np.diff(edges), 0, 1)
    assert_allclose(pre.transform(values[:, None])[:, 2:], expected, rtol=1e-12, atol=1e-12)


def test_a_long_category_value_costs_its_length_once_not_once_per_row():
    # A NumPy string array of these keys would be rows x 100,000 x 4 bytes: 8 GB here.
    n = 20_000
    values = np.array(["short"] * n, dtype=object)
    values[7] = "x" * 100_000
    X = np.column_stack([np.arange(n, dtype=float), values])
    pre = TabularPreprocessor().fit(X)
    peak, _ = traced_peak(lambda: pre.transform(X))
    output_bytes = n * pre.n_features_out_ * 8
    assert peak < output_bytes + 20 * 2**20


def test_bytes_categories_are_decoded_the_same_in_any_array_and_never_fail():
    raw = [b"caf\xc3\xa9", b"\xff\xfe", b"plain", b"plain"]
    as_bytes_array = np.array(raw, dtype="S")[:, None]
    as_objects = np.array(raw, dtype=object)[:, None]
    pre_bytes, pre_objects = TabularPreprocessor().fit(as_bytes_array), TabularPreprocessor().fit(as_objects)
    assert list(pre_bytes.categories_[0]) == list(pre_objects.categories_[0]) == ["\\xff\\xfe", "café", "plain"]
    assert_array_equal(pre_bytes.transform(as_objects), pre_objects.transform(as_bytes_array))
    # A str with the same text is the same category.
    assert_array_equal(pre_bytes.transform(np.array([["café"]], dtype=object)), [[0, 1, 0]])


def test_categories_compare_by_string_form_whatever_the_column_holds_at_predict():
    train = pd.DataFrame({"code": ["1", "2", "3"] * 20, "x": np.arange(60.0)})
    y = np.tile([0, 1, 1], 20)
    model = TabularNetClassifier(**SMALL).fit(train, y)
    as_ints = train.assign(code=np.tile([1, 2, 3], 20))
    assert_array_equal(model.preprocessor_.transform(as_ints), model.preprocessor_.transform(train))
    assert_allclose(model.predict_proba(as_ints), model.predict_proba(train))


def test_unused_levels_of_a_category_dtype_are_not_categories():
    X = pd.DataFrame({"c": pd.Categorical(["a", "b", "a"], categories=["a", "b", "never"])})
    pre = TabularPreprocessor().fit(X)
    assert list(pre.categories_[0]) == ["a", "b"] and pre.encodings_ == ["binary"]


def test_most_frequent_categories_break_ties_by_sorted_key_and_put_missing_last():
    values = np.array(["d", "d", "c", "c", "b", "b", "a", None, None, "e"], dtype=object)[:, None]
    pre = TabularPreprocessor(max_one_hot=4).fit(values)
    # Counts: d 2, c 2, b 2, a 1, missing 2, e 1; three kept: ties of 2 by sorted key, missing last.
    assert pre.encodings_ == ["most-frequent"]
    assert list(pre.categories_[0]) == ["b", "c", "d"] and pre.missing_categories_ == [False]
    pre = TabularPreprocessor(max_one_hot=5).fit(values)
    assert list(pre.categories_[0]) == ["b", "c", "d"] and pre.missing_categories_ == [True]


def test_the_same_category_written_two_ways_is_counted_once():
    values = np.array([1, "1", "1", "x", "y", "z", "w"], dtype=object)[:, None]
    pre = TabularPreprocessor(max_one_hot=2).fit(values)
    assert list(pre.categories_[0]) == ["1"]  # 3 rows, though 1 and '1' are two distinct values


@pytest.mark.parametrize("Estimator", [TabularNetClassifier, TabularNetRegressor])
def test_predictions_do_not_depend_on_the_chunk_size(Estimator, monkeypatch):
    X = _table(n=500)
    y = (X["skewed"] > 1).to_numpy() if Estimator is TabularNetClassifier else X["skewed"].to_numpy()
    model = Estimator(**SMALL).fit(X, y)
    whole = model.predict(X)
    monkeypatch.setattr(estimators, "PREDICT_ROWS", 64)
    assert_array_equal(model.predict(X), whole)


def test_training_never_holds_the_wide_matrix():
    # 40,000 rows x 10 numeric columns x 17 outputs in float32 would be 27 MB; the compact
    # table is 1.6 MB and a batch's wide rows are 256 x 170.
    n = 40_000
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 10)), columns=[f"x{i}" for i in range(10)])
    y = X["x0"].to_numpy()
    model = TabularNetRegressor(hidden_layer_sizes=(8,), n_ensemble=1, max_iter=1, random_state=0)
    peak, _ = traced_peak(lambda: model.fit(X, y))
    wide_bytes = n * model.preprocessor_.n_features_out_ * 4
    assert peak < wide_bytes / 2

