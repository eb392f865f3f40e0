"""TabularPreprocessor: RealMLP's robust scaling, smooth clipping, indicators and encodings."""

import doctest
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep.tabular import preprocessing
from skdeep.tabular.preprocessing import TabularPreprocessor


def _clip(x):
    return x / np.sqrt(1 + (x / 3) ** 2)


@parametrize_with_checks([TabularPreprocessor(), TabularPreprocessor(dtype="float32", clip=False)])
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_docstring_example_runs():
    pytest.importorskip("pandas")
    result = doctest.testmod(preprocessing, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_numeric_scaling_and_smooth_clip_by_hand():
    # median 3, q25 2, q75 4 (linear interpolation) -> IQR 2
    X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    pre = TabularPreprocessor().fit(X)
    assert_array_equal(pre.medians_, [3.0])
    assert_array_equal(pre.scales_, [2.0])
    scaled = np.array([-1.0, -0.5, 0.0, 0.5, 48.5])
    expected = [-3 / np.sqrt(10), -3 / np.sqrt(37), 0.0, 3 / np.sqrt(37), 48.5 / np.sqrt(1 + (48.5 / 3) ** 2)]
    assert_allclose(pre.transform(X)[:, 0], expected, rtol=1e-14)
    assert_allclose(TabularPreprocessor(clip=False).fit_transform(X)[:, 0], scaled, rtol=1e-14)
    # The clip levels off below 3, whatever the value.
    assert_allclose(pre.transform([[1e300]]), [[3.0]])
    assert_allclose(pre.transform([[-1e300]]), [[-3.0]])


def test_zero_iqr_falls_back_to_half_range_then_to_zero():
    X = np.array([[0.0, 7.0], [0.0, 7.0], [0.0, 7.0], [0.0, 7.0], [10.0, 7.0]])
    pre = TabularPreprocessor().fit(X)
    assert_array_equal(pre.scales_, [5.0, 0.0])  # 0.5 * (10 - 0); constant column
    Xt = pre.transform(X)
    assert_allclose(Xt[:, 0], [0, 0, 0, 0, _clip(2.0)], rtol=1e-14)
    assert_array_equal(Xt[:, 1], 0.0)
    assert_array_equal(pre.transform([[5.0, 100.0]]), [[_clip(1.0), 0.0]])


def test_missing_values_and_indicators():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(
        {
            "a": [1.0, np.nan, 3.0, 5.0],  # NaN
            "b": pd.array([1, None, 2, 3], dtype="Int64"),  # pd.NA in a nullable dtype
            "c": [1.0, 2.0, 3.0, 4.0],  # no missing value at fit
        }
    )
    pre = TabularPreprocessor(clip=False).fit(X)
    assert_array_equal(pre.missing_indicators_, [True, True, False])
    assert list(pre.get_feature_names_out()) == [
        "a", "missingindicator_a", "b", "missingindicator_b", "c",
    ]  # fmt: skip
    Xt = pre.transform(X)
    assert_allclose(Xt[:, 0], [-1.0, 0.0, 0.0, 1.0])  # median 3, IQR 2; missing -> 0
    assert_array_equal(Xt[:, 1], [0, 1, 0, 0])
    assert_array_equal(Xt[:, 3], [0, 1, 0, 0])
    # Missing at transform in a column that had none at fit: 0 and no indicator.
    X2 = pd.DataFrame({"a": [3.0], "b": pd.array([2], dtype="Int64"), "c": [None]})
    assert_array_equal(pre.transform(X2), [[0, 0, 0, 0, 0]])


def test_all_missing_numeric_column():
    X = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    pre = TabularPreprocessor().fit(X)
    assert_array_equal(pre.medians_, [0.0, 1.5])
    assert_array_equal(pre.scales_[0], 0.0)
    assert_array_equal(pre.transform(X)[:, :2], [[0, 1], [0, 1]])


def test_one_hot_binary_and_bool_encodings():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(
        {
            "color": ["red", "green", "blue", "green", None],
            "yes": ["y", "n", "n", "y", "y"],
            "flag": [True, False, True, True, False],
            "grade": pd.Categorical(["b", "a", "a", "b", "c"]),
        }
    )
    pre = TabularPreprocessor().fit(X)
    assert pre.encodings_ == ["one-hot", "binary", "binary", "one-hot"]
    assert pre.missing_categories_ == [True, False, False, False]
    assert list(pre.get_feature_names_out()) == [
        "color_blue", "color_green", "color_red", "color_nan",
        "yes_y", "flag_True", "grade_a", "grade_b", "grade_c",
    ]  # fmt: skip
    expected = [
        [0, 0, 1, 0, 1, 1, 0, 1, 0],
        [0, 1, 0, 0, 0, 0, 1, 0, 0],
        [1, 0, 0, 0, 0, 1, 1, 0, 0],
        [0, 1, 0, 0, 1, 1, 0, 1, 0],
        [0, 0, 0, 1, 1, 0, 0, 0, 1],
    ]
    assert_array_equal(pre.transform(X), expected)


def test_two_values_with_missing_is_one_hot_not_binary():
    X = np.array([["a"], ["b"], [None]], dtype=object)
    pre = TabularPreprocessor().fit(X)
    assert pre.encodings_ == ["one-hot"]
    assert_array_equal(pre.transform(X), np.eye(3))


def test_unseen_categories_give_zero_rows():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"color": ["red", "green", "blue"], "yes": ["y", "n", "y"]})
    pre = TabularPreprocessor().fit(X)
    Xt = pre.transform(pd.DataFrame({"color": ["purple", "red", None], "yes": ["maybe", "y", None]}))
    assert_array_equal(Xt, [[0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0]])


def test_high_cardinality_falls_back_to_most_frequent_plus_other():
    X = np.array(list("aaaaabbbccd") + [None, None], dtype=object).reshape(-1, 1)
    # 5 levels (a, b, c, d, missing) > 4: keep the 3 most frequent (a 5, b 3, c 2 = missing 2:
    # the tie goes to the real category), and the rest goes to "other".
    pre = TabularPreprocessor(max_one_hot=4).fit(X)
    assert pre.encodings_ == ["most-frequent"]
    assert_array_equal(pre.categories_[0], ["a", "b", "c"])
    assert pre.missing_categories_ == [False]
    assert list(pre.get_feature_names_out()) == ["x0_a", "x0_b", "x0_c", "x0_other"]
    Xt = pre.transform(np.array([["a"], ["c"], ["d"], [None], ["never seen"]], dtype=object))
    assert_array_equal(Xt, [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1]])
    # With room for it, a frequent missing value gets its own column.
    pre = TabularPreprocessor(max_one_hot=5).fit(
        np.array(list("aabbcdeff") + [None] * 3, dtype=object)[:, None]
    )
    assert list(pre.get_feature_names_out()) == ["x0_a", "x0_b", "x0_f", "x0_nan", "x0_other"]
    assert_array_equal(
        pre.transform(np.array([[None], ["e"]], dtype=object)), [[0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
    )


def test_exactly_max_one_hot_levels_is_one_hot():
    X = np.array([[c] for c in "abcdefghi"])  # 9 categories, the default max_one_hot
    pre = TabularPreprocessor().fit(X)
    assert pre.encodings_ == ["one-hot"]
    assert_array_equal(pre.transform(X), np.eye(9))


@pytest.mark.parametrize(
    "columns, message",
    [
        (["b", "a", "c"], "Feature names must be in the same order as they were in fit."),
        (["a", "b", "z"], "Feature names unseen at fit time:\n- z"),
        (["a", "b"], "Feature names seen at fit time, yet now missing:\n- c"),
    ],
)
def test_column_names_and_order_must_match_fit(columns, message):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [3.0, 4.0]})
    pre = TabularPreprocessor().fit(X)
    X_bad = X.rename(columns={"c": "z"}) if "z" in columns else X
    with pytest.raises(ValueError, match=re.escape(message)):
        pre.transform(X_bad[columns])


def test_number_of_columns_must_match_fit():
    pre = TabularPreprocessor().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="X has 3 features, but TabularPreprocessor is expecting 2"):
        pre.transform(np.ones((3, 3)))


def test_numeric_column_with_text_at_transform_is_refused():
    pd = pytest.importorskip("pandas")
    pre = TabularPreprocessor().fit(pd.DataFrame({"age": [1.0, 2.0], "city": ["a", "b"]}))
    with pytest.raises(ValueError, match="Column 'age' was numeric at fit"):
        pre.transform(pd.DataFrame({"age": ["old", "young"], "city": ["a", "b"]}))


def test_unsupported_dtype_is_refused_by_name():
    pd = pytest.importorskip("pandas")
    # Dates are read (tests/test_tabular_dates.py); durations are not.
    X = pd.DataFrame({"a": [1.0, 2.0], "took": pd.to_timedelta(["1 day", "2 days"])})
    with pytest.raises(ValueError, match="Column 'took' has dtype timedelta64"):
        TabularPreprocessor().fit(X)


def test_inf_is_refused_naming_the_column():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"ok": [1.0, 2.0], "bad": [1.0, np.inf], "worse": [-np.inf, 0.0]})
    with pytest.raises(ValueError, match="infinity in numeric column\\(s\\) 'bad', 'worse'"):
        TabularPreprocessor().fit(X)
    pre = TabularPreprocessor().fit(X.assign(bad=[1.0, 2.0], worse=[0.0, 1.0]))
    with pytest.raises(ValueError, match="infinity in numeric column\\(s\\) 'worse'"):
        pre.transform(X.assign(bad=[1.0, 2.0]))
    with pytest.raises(ValueError, match="column\\(s\\) 1"):
        TabularPreprocessor().fit(np.array([[1.0, 2.0], [3.0, np.inf]]))


def test_object_numpy_array_mixes_numeric_and_categorical_columns():
    X = np.array(
        [
            [1, "red", 2.5, True],
            [2, "blue", None, False],
            [3, None, np.float64(4.5), True],
            [np.nan, "red", 1, False],
        ],
        dtype=object,
    )
    pre = TabularPreprocessor(clip=False).fit(X)
    assert pre.numeric_columns_ == [0, 2]
    assert pre.categorical_columns_ == [1, 3]  # text, and bools (binary)
    assert list(pre.get_feature_names_out()) == [
        "x0", "missingindicator_x0", "x1_blue", "x1_red", "x1_nan", "x2", "missingindicator_x2", "x3_True",
    ]  # fmt: skip
    Xt = pre.transform(X)
    assert_allclose(Xt[:, 0], [-1, 0, 1, 0])  # median 2, IQR 1
    assert_array_equal(Xt[:, 1], [0, 0, 0, 1])
    assert_array_equal(Xt[:, 2:5], [[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    # [2.5, None, 4.5, 1]: median 2.5, q25 1.75, q75 3.5 -> IQR 1.75
    assert_allclose(Xt[:, 5], [0, 0, 2 / 1.75, -1.5 / 1.75])
    assert_array_equal(Xt[:, 6:], [[0, 1], [1, 0], [0, 1], [0, 0]])


def test_categories_compare_by_string_form():
    X = np.array([[1], ["1"], ["a"]], dtype=object)
    pre = TabularPreprocessor().fit(X)
    assert_array_equal(pre.categories_[0], ["1", "a"])
    assert_array_equal(pre.transform(X), [[0], [0], [1]])


def test_string_numpy_array_is_categorical():
    X = np.array([["a", "x"], ["b", "y"], ["c", "x"]])
    pre = TabularPreprocessor().fit(X)
    assert pre.numeric_columns_ == []
    assert list(pre.get_feature_names_out()) == ["x0_a", "x0_b", "x0_c", "x1_y"]


def test_input_is_never_modified():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(
        {
            "a": [1.0, np.nan, 3.0],
            "b": pd.array([1, None, 2], dtype="Int64"),
            "c": ["x", None, "y"],
            "d": np.array([1.0, None, 2.0], dtype=object),
        }
    )
    before = X.copy(deep=True)
    TabularPreprocessor().fit(X).transform(X)
    pd.testing.assert_frame_equal(X, before)
    arr = np.array([[1.0, "x"], [None, "y"], [np.nan, None]], dtype=object)
    arr_before = arr.copy()
    TabularPreprocessor().fit(arr).transform(arr)
    assert arr[1, 0] is None and arr[2, 1] is None  # None stays None, not NaN
    assert_array_equal(arr[[0, 0, 1], [0, 1, 1]], arr_before[[0, 0, 1], [0, 1, 1]])


def test_float32_output():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [1.0, 2.0, 10.0], "b": ["x", "y", "x"]})
    for dtype in ("float32", np.float32):
        Xt = TabularPreprocessor(dtype=dtype).fit_transform(X)
        assert Xt.dtype == np.float32
        assert_allclose(Xt, TabularPreprocessor().fit_transform(X), rtol=1e-6)
    assert TabularPreprocessor().fit_transform(X).dtype == np.float64


def test_feature_names_out_with_numpy_input_and_input_features():
    X = np.array([[1.0, 2.0], [np.nan, 3.0]])
    pre = TabularPreprocessor().fit(X)
    assert list(pre.get_feature_names_out()) == ["x0", "missingindicator_x0", "x1"]
    assert list(pre.get_feature_names_out(["p", "q"])) == ["p", "missingindicator_p", "q"]
    assert pre.get_feature_names_out().dtype == object
    with pytest.raises(ValueError):
        pre.get_feature_names_out(["only_one"])


def test_set_output_pandas_uses_the_feature_names():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [1.0, np.nan], "b": ["x", "y"]})
    out = TabularPreprocessor().set_output(transform="pandas").fit_transform(X)
    assert list(out.columns) == ["a", "missingindicator_a", "b_y"]


def test_deterministic_and_row_independent():
    rng = np.random.RandomState(0)
    X = np.empty((200, 3), dtype=object)
    X[:, 0] = rng.normal(size=200)
    X[:, 1] = rng.choice(list("abcdefghijklmnop"), size=200)
    X[:, 2] = rng.choice(["u", "v", None], size=200)
    a = TabularPreprocessor().fit_transform(X)
    b = TabularPreprocessor().fit_transform(X.copy())
    assert_array_equal(a, b)
    pre = TabularPreprocessor().fit(X)
    assert_array_equal(pre.transform(X[::-1]), a[::-1])
    assert_array_equal(pre.transform(X[:7]), a[:7])


@pytest.mark.parametrize("params", [{"max_one_hot": 1}, {"clip": "yes"}, {"dtype": "int32"}])
def test_invalid_parameters(params):
    with pytest.raises(InvalidParameterError):
        TabularPreprocessor(**params).fit(np.ones((2, 2)))


def _mixed_frame(pd, n=60, seed=0):
    rng = np.random.RandomState(seed)
    age = rng.normal(40, 10, n)
    age[::7] = np.nan
    return pd.DataFrame({
        "age": age,                                                        # numeric with an indicator
        "city": rng.choice(["x", "y", "z", None], n),                      # one-hot with missing
        "plan": rng.choice(["basic", "pro"], n),                           # binary
        "code": rng.choice([f"c{i:02d}" for i in range(12)], n),           # most-frequent + other
    })


@pytest.mark.parametrize("named", [True, False])
def test_from_fitted_state_rebuilds_the_fitted_preprocessor(named):
    pd = pytest.importorskip("pandas")
    X = _mixed_frame(pd)
    X = X if named else X.to_numpy()
    original = TabularPreprocessor(max_one_hot=4, numeric_bins=3, dtype="float32").fit(X)
    state = original.fitted_state()
    assert state.medians is original.medians_  # the arrays are shared, not copied
    rebuilt = TabularPreprocessor.from_fitted_state(original.get_params(), state)
    assert rebuilt.get_params() == original.get_params()
    assert set(vars(rebuilt)) == set(vars(original))  # no feature_names_in_ without names
    assert rebuilt.encodings_ == ["one-hot", "binary", "most-frequent"]
    assert rebuilt.missing_indicators_.dtype == bool and rebuilt.n_features_out_ == original.n_features_out_
    assert_array_equal(rebuilt.get_feature_names_out(), original.get_feature_names_out())
    X_new = _mixed_frame(pd, n=30, seed=1)
    X_new = X_new if named else X_new.to_numpy()
    assert_array_equal(rebuilt.transform(X_new), original.transform(X_new))


def test_fitted_state_needs_a_fitted_preprocessor():
    with pytest.raises(NotFittedError):
        TabularPreprocessor().fitted_state()


@pytest.mark.parametrize("params", [{"max_one_hot": 1}, {"clip": "yes"}, {"dtype": "int32"}])
def test_check_params_and_from_fitted_state_refuse_invalid_parameters(params):
    TabularPreprocessor.check_params({"max_one_hot": 2})
    state = TabularPreprocessor().fit(np.ones((3, 2))).fitted_state()
    with pytest.raises(InvalidParameterError):
        TabularPreprocessor.check_params(params)
    with pytest.raises(InvalidParameterError):
        TabularPreprocessor.from_fitted_state(params, state)
    with pytest.raises(TypeError):
        TabularPreprocessor.check_params({"bins": 3})
