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
    assert compact.nbytes * 4 < wide.nbytes


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
    # Equal to float32 rounding: BLAS may round a row by its position in the product's blocks.
    assert_allclose(model.predict(X), whole, rtol=1e-6, atol=1e-6)


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



def test_a_huge_outlier_leaves_the_bins_finite_and_training_finite():
    # A "no reading" marker at float32's largest value: its bins must be 1, not NaN.
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(2_000, 3))
    X[rng.choice(2_000, 5, replace=False), 1] = np.finfo(np.float32).max
    pre = TabularPreprocessor(numeric_bins=16, dtype="float32")
    wide = pre.fit_transform(X)
    assert np.isfinite(wide).all()
    y = (X[:, 0] > 0.5).astype(int)
    model = TabularNetClassifier(hidden_layer_sizes=(32,), max_iter=3, random_state=0).fit(X, y)
    assert model.n_iter_ == 3 and np.isfinite(model.predict_proba(X)).all()


def test_bins_keep_the_resolution_of_the_raw_values_in_float32():
    # Two tight clusters far apart: scaled to float32 first, their bins would collapse.
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1e-3, 1_000), rng.normal(1e4, 1e-3, 1_000)]
    float32 = TabularPreprocessor(numeric_bins=16, dtype="float32").fit_transform(x[:, None])
    float64 = TabularPreprocessor(numeric_bins=16, dtype="float64").fit_transform(x[:, None])
    assert_allclose(float32, float64, atol=1e-6)
    assert len(np.unique(float32[:, 1:], axis=0)) > 1_500


def test_a_category_with_a_nul_character_is_its_own_category_and_saves(tmp_path):
    import skdeep

    X = pd.DataFrame({"code": ["A\x00", "A", "B"] * 20})
    model = TabularNetClassifier(**SMALL).fit(X, np.tile([0, 1, 0], 20))
    assert list(model.preprocessor_.categories_[0]) == ["A", "A\\x00", "B"]
    assert_array_equal(model.preprocessor_.transform(X[:3]), np.eye(3)[[1, 0, 2]])
    skdeep.save(model, tmp_path / "model.skdeep")
    assert_array_equal(skdeep.load(tmp_path / "model.skdeep").predict(X), model.predict(X))


def test_bytes_are_decoded_as_category_levels_too():
    as_objects = pd.DataFrame({"c": np.array([b"a", b"b", b"c"], dtype=object)})
    as_levels = pd.DataFrame({"c": pd.Categorical([b"a", b"b", b"c"])})
    pre = TabularPreprocessor().fit(as_objects)
    assert list(TabularPreprocessor().fit(as_levels).get_feature_names_out()) == ["c_a", "c_b", "c_c"]
    assert_array_equal(pre.transform(as_levels), np.eye(3))


def test_minus_zero_and_zero_stay_two_categories_when_floats_meet_string_categories():
    pre = TabularPreprocessor().fit(np.array([["0.0"], ["-0.0"], ["x"]], dtype=object))
    assert_array_equal(pre.transform(np.array([[-0.0], [0.0]])), [[1, 0, 0], [0, 1, 0]])
    assert_array_equal(pre.transform(pd.DataFrame({"x0": [-0.0, 0.0]})), [[1, 0, 0], [0, 1, 0]])


def test_a_column_type_refused_at_fit_is_refused_at_predict():
    X = pd.DataFrame({"day": ["one", "two"] * 20, "v": np.arange(40.0)})
    model = TabularNetClassifier(**SMALL).fit(X, [0, 1] * 20)
    with pytest.raises(ValueError, match=r"Column 'day' has dtype timedelta64.*not supported"):
        model.predict(X.assign(day=pd.to_timedelta(np.arange(40), unit="D")))
    # Dates are a kind of their own (tests/test_tabular_dates.py), never matched to categories.
    with pytest.raises(ValueError, match=r"Column 'day' was categorical at fit but holds dates now"):
        model.predict(X.assign(day=pd.date_range("2020-01-01", periods=40)))


def test_parameters_changed_after_fit_do_not_break_transform():
    values = np.array([[f"c{i}"] for i in range(150)], dtype=object)
    pre = TabularPreprocessor(max_one_hot=200).fit(values)
    expected = pre.transform(values)
    pre.set_params(max_one_hot=2)  # takes effect at the next fit
    assert_array_equal(pre.transform(values), expected)
    assert pre.set_params(dtype="float32").transform(values).dtype == np.float32  # as it always did


def test_a_failed_refit_leaves_the_preprocessor_as_it_was():
    pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}))
    with pytest.raises(ValueError, match="infinity"):
        pre.fit(pd.DataFrame({"c": [1.0, np.inf], "d": [1.0, 2.0], "e": [0.0, 1.0]}))
    assert list(pre.feature_names_in_) == ["a", "b"] and pre.n_features_in_ == 2


def test_a_python_int_beyond_float64_is_refused_naming_its_column():
    X = pd.DataFrame({"big": np.array([1, 10**400], dtype=object)})
    with pytest.raises(ValueError, match="Column 'big' holds a number too large"):
        TabularPreprocessor().fit(X)


@pytest.mark.parametrize("nul_safe_hashing", [True, False])
def test_categories_are_the_same_whether_pandas_hashes_them_or_a_dictionary_does(nul_safe_hashing, monkeypatch):
    # pandas 2 hashes str as C strings ('A\x00' == 'A'): there, a dictionary groups them.
    from skdeep.tabular import columns

    if nul_safe_hashing and not columns._hashes_nul_safely(pd):
        pytest.skip("pandas < 3 hashes str as C strings, which is why skdeep does not hash with it there")
    monkeypatch.setattr(columns, "_hashes_nul_safely", lambda pd: nul_safe_hashing)
    X = pd.DataFrame({"as_objects": np.array(["A\x00", "A", "B", None] * 5, dtype=object),
                      "as_strings": pd.array(["A\x00", "A", "B", None] * 5, dtype="string")})
    pre = TabularPreprocessor().fit(X)
    assert [list(categories) for categories in pre.categories_] == [["A", "A\\x00", "B"]] * 2
    assert_array_equal(pre.transform(X[:4])[:, :4], np.eye(4)[[1, 0, 2, 3]])
