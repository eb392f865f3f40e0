"""Categorical columns whose type drifts between fit and predict (issue 20).

A categorical column that comes back as numbers (or a bool column as 0/1) is
matched by number, so it encodes and predicts as the column it was at fit; one
whose fitted categories hold no number and that comes back as numbers only is
refused, naming it, instead of encoding every row as an unseen category.
"""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skdeep import TabularNetClassifier, load, save
from skdeep.tabular.columns import number_key
from skdeep.tabular.preprocessing import TabularPreprocessor

pd = pytest.importorskip("pandas")

N = 60
CODES = np.arange(N) % 3           # three categories
FLAGS = (np.arange(N) % 4 == 0)    # two categories, not balanced
HOLES = np.arange(N) % 7 == 3      # rows missing in the columns that have missing values


def _with_holes(values):
    values = np.asarray(values, dtype=object).copy()
    values[HOLES] = None
    return values


def _floats_with_holes(values):
    return np.where(HOLES, np.nan, np.asarray(values, dtype=np.float64))


# (column at fit, the same column drifted) per case.
DRIFTS = {
    "str -> int64": (CODES.astype(str).astype(object), CODES),
    "str -> float64 with NaN": (_with_holes(CODES.astype(str)), _floats_with_holes(CODES)),
    "str -> Int64 with NA": (_with_holes(CODES.astype(str)), pd.array(_with_holes(CODES), dtype="Int64")),
    "str -> object of numpy floats": (CODES.astype(str).astype(object),
                                      np.array([np.float32(c) for c in CODES], dtype=object)),
    "string dtype -> float64": (pd.array(CODES.astype(str), dtype="string"), CODES.astype(np.float64)),
    "bool -> int64": (FLAGS, FLAGS.astype(np.int64)),
    "bool -> float64": (FLAGS, FLAGS.astype(np.float64)),
    "bool -> uint8": (FLAGS, FLAGS.astype(np.uint8)),
    "bool -> object of ints": (FLAGS, FLAGS.astype(np.int64).astype(object)),
    "bool -> object of bools": (FLAGS, FLAGS.astype(object)),
    "bool -> boolean": (FLAGS, pd.array(FLAGS, dtype="boolean")),
    "bool -> category of 0/1": (FLAGS, pd.Categorical(FLAGS.astype(int))),
    "category of ints -> int64": (pd.Categorical(CODES + 1), CODES + 1),
    "category of ints -> float64 with NaN": (pd.Categorical(_with_holes(CODES + 1)), _floats_with_holes(CODES + 1)),
    "category of floats -> int64": (pd.Categorical(CODES + 1.0), CODES + 1),
    "category of floats -> object of str ints": (pd.Categorical(CODES + 1.0), (CODES + 1).astype(str).astype(object)),
    "category of 0/1 -> bool": (pd.Categorical(FLAGS.astype(int)), FLAGS),
}


def _frame(column):
    return pd.DataFrame({"x": np.linspace(-1, 1, N), "c": column})


def _target():
    return (CODES == 1) ^ FLAGS


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.mark.parametrize("case", DRIFTS)
def test_a_drifted_column_encodes_as_at_fit(case):
    at_fit, drifted = DRIFTS[case]
    pre = TabularPreprocessor().fit(_frame(at_fit))
    expected = pre.transform(_frame(at_fit))
    assert expected[:, 1:].any()  # the column's encoding is not all zero to begin with
    assert_array_equal(pre.transform(_frame(drifted)), expected)


@pytest.mark.parametrize("case", DRIFTS)
def test_a_drifted_column_predicts_as_at_fit(case):
    at_fit, drifted = DRIFTS[case]
    model = TabularNetClassifier(hidden_layer_sizes=(8,), n_ensemble=1, max_iter=2, random_state=0)
    model.fit(_frame(at_fit), _target())
    assert_array_equal(model.predict_proba(_frame(drifted)), model.predict_proba(_frame(at_fit)))


def test_numpy_object_arrays_drift_as_dataframes_do():
    at_fit = np.column_stack([np.linspace(-1, 1, N), CODES.astype(str)]).astype(object)
    at_fit[:, 0] = at_fit[:, 0].astype(float)
    drifted = at_fit.copy()
    drifted[:, 1] = CODES.astype(float)
    pre = TabularPreprocessor().fit(at_fit)
    assert pre.categorical_columns_ == [1]
    assert_array_equal(pre.transform(drifted), pre.transform(at_fit))
    # A NumPy array of one dtype: strings at fit, numbers (floats) now.
    strings = np.column_stack([CODES.astype(str), FLAGS.astype(str)])
    pre = TabularPreprocessor().fit(strings)
    assert_array_equal(pre.transform(np.column_stack([CODES, FLAGS]).astype(float)), pre.transform(strings))


def test_high_cardinality_column_drifted_to_floats_keeps_its_kept_categories_and_other():
    ids = np.arange(N) % 12  # 12 categories > max_one_hot: most-frequent with "other"
    pre = TabularPreprocessor(max_one_hot=4).fit(_frame(pd.Categorical(ids)))
    assert pre.encodings_ == ["most-frequent"]
    expected = pre.transform(_frame(pd.Categorical(ids)))
    assert expected[:, -1].any()  # some rows are "other"
    assert_array_equal(pre.transform(_frame(ids.astype(float))), expected)


def test_fit_and_transform_encode_one_number_written_two_ways_alike():
    # An object column holding 1 often and 1.0 rarely: '1.0' is not kept in the
    # most-frequent encoding, and goes to the category '1' in training as in transform.
    values = np.array([1] * 6 + [1.0] + ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2, dtype=object)
    X = values.reshape(-1, 1)
    pre = TabularPreprocessor(max_one_hot=4)
    trained = pre._fit_compact(X).toarray()
    assert pre.categories_[0].tolist() == ["1", "a", "b"]
    assert_array_equal(trained[6], [1, 0, 0, 0])
    assert_array_equal(pre.transform(X), trained)


KIND_CHANGES = {
    "names served as numbers": (["Paris", "Rome", "Paris"], [3, 7], "numbers"),
    "zip codes served as integers": (["02139", "02140", "02139"], [2139, 2140], "numbers"),
    "zip codes served as floats, one row": (["02139", "02140", "02139"], [2139.0], "numbers"),
    "names served as bools": (["yes", "no", "yes"], [True, False], "bools"),
    "names served as an object column of numbers": (["Paris", "Rome", "Paris"],
                                                     np.array([3, 7.5], dtype=object), "numbers"),
    "a category of names served as a category of numbers": (pd.Categorical(["Paris", "Rome", "Paris"]),
                                                             pd.Categorical([3, 7]), "numbers"),
}


@pytest.mark.parametrize("case", KIND_CHANGES)
def test_numbers_where_no_number_was_are_refused_naming_the_column(case):
    at_fit, now, held = KIND_CHANGES[case]
    pre = TabularPreprocessor().fit(pd.DataFrame({"x": [0.0, 1.0, 2.0], "city": at_fit}))
    X = pd.DataFrame({"x": np.zeros(len(now)), "city": now})
    first = str(pre.categories_[0][0])
    message = rf"Column 'city' held categories that are not numbers at fit \('{first}'.* but only {held} now"
    with pytest.raises(ValueError, match=message):
        pre.transform(X)


def test_the_refusal_names_a_numpy_column_by_position_and_reaches_predict():
    X = np.array([[0.0, "Paris"], [1.0, "Rome"], [2.0, "Paris"], [3.0, "Rome"]], dtype=object)
    X[:, 0] = X[:, 0].astype(float)
    model = TabularNetClassifier(hidden_layer_sizes=(8,), n_ensemble=1, max_iter=2, random_state=0)
    model.fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match=re.escape("Column 1 held categories that are not numbers at fit "
                                                   "('Paris', 'Rome') but only numbers now (3)")):
        model.predict_proba(np.array([[0.0, 3]], dtype=object))


def test_new_values_of_the_fitted_kind_are_still_unseen_categories():
    pre = TabularPreprocessor().fit(pd.DataFrame({"city": ["Paris", "Rome", "Oslo"], "code": [1, 2, 3]}
                                                 ).astype({"code": "category"}))
    rows = pre.transform(pd.DataFrame({"city": ["Lyon"], "code": pd.Categorical([9])}))
    assert_array_equal(rows, [[0, 0, 0, 0, 0, 0]])  # a new name, a new code: all zero, no error
    # Numbers as a category-of-ints column had: new codes, served as floats.
    assert_array_equal(pre.transform(pd.DataFrame({"city": ["Rome"], "code": [9.0]})), [[0, 0, 1, 0, 0, 0]])
    # Strings: a kind seen at fit, so never refused, even when they are digits.
    assert_array_equal(pre.transform(pd.DataFrame({"city": ["3"], "code": [1]})), [[0, 0, 0, 1, 0, 0]])
    # A mixed column is not "only numbers": its numbers are unseen categories.
    mixed = pre.transform(pd.DataFrame({"city": np.array(["Lyon", 3], dtype=object), "code": [1, 2]}))
    assert_array_equal(mixed[:, :3], np.zeros((2, 3)))
    # Missing values only (a one-row prediction read as float64 NaN): nothing to refuse.
    assert_array_equal(pre.transform(pd.DataFrame({"city": [np.nan], "code": [np.nan]})), [[0, 0, 0, 0, 0, 0]])


def test_bool_categories_accept_numbers_beyond_0_and_1_as_unseen():
    pre = TabularPreprocessor().fit(pd.DataFrame({"flag": [True, False, True]}))
    assert_array_equal(pre.transform(pd.DataFrame({"flag": [1, 0, 2]})), [[1], [0], [0]])


@pytest.mark.parametrize("key, number", [
    ("1", "1"), ("1.0", "1"), ("True", "1"), ("False", "0"), ("-0.0", "0"), ("-0", "0"), ("0.0", "0"),
    ("2.5", "2.5"), ("1e+20", str(10**20)), ("6.55e+04", "65500"), ("1e-08", "1e-08"), ("inf", "inf"),
    ("-inf", "-inf"), ("-3", "-3"), (str(10**30), str(10**30)), (str(np.float32(0.1)), "0.1"),
    ("02139", None), ("1_000", None), (" 1", None), ("+1", None), ("1.", None), (".5", None),
    ("nan", None), ("Paris", None), ("1e999", None), ("\u0661", None), ("true", None),
])
def test_number_key(key, number):
    assert number_key(key) == number


def test_a_loaded_model_matches_drifted_columns_and_refuses_kind_changes(tmp_path):
    at_fit = pd.DataFrame({"x": np.linspace(-1, 1, N), "flag": FLAGS, "code": pd.Categorical(CODES + 1),
                           "city": np.array(["Paris", "Rome", "Oslo"], dtype=object)[CODES]})
    model = TabularNetClassifier(hidden_layer_sizes=(8,), n_ensemble=2, max_iter=2, random_state=0)
    model.fit(at_fit, _target())
    save(model, tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")
    drifted = at_fit.assign(flag=FLAGS.astype(float), code=_floats_with_holes(CODES + 1))
    undrifted = at_fit.assign(code=pd.Categorical(_with_holes(CODES + 1)))
    assert_array_equal(loaded.predict_proba(drifted), model.predict_proba(undrifted))
    with pytest.raises(ValueError, match="Column 'city' held categories that are not numbers"):
        loaded.predict(at_fit.assign(city=CODES))
