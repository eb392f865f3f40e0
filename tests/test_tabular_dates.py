"""Date columns: every form of a date becomes the same numeric parts, learnt, saved and checked.

A date column (datetime64 naive or with a time zone, NumPy datetime64, date
objects, date strings) becomes numeric parts (skdeep/tabular/dates.py), each
scaled and binned like a numeric column. The raw parts are read from the
compact table (``_fit_compact(X).values``: float64, NaN for missing), whose
numeric columns are the numeric input columns, then each date column's parts.
"""

import copy
import datetime
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

import skdeep
from skdeep import TabularNetClassifier, TabularNetRegressor
from skdeep.tabular import estimators
from skdeep.tabular.dates import ALL_PARTS, DATE_PARTS, MAX_PARTS
from skdeep.tabular.preprocessing import TabularPreprocessor, numeric_features_bound

from model_file_edits import assert_load_refuses, set_fields

pd = pytest.importorskip("pandas")

SMALL = dict(hidden_layer_sizes=(16,), n_ensemble=1, max_iter=3, batch_size=32, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _days(n=120, seed=0):
    """``n`` distinct days over three years, in random order (a DatetimeIndex, naive)."""
    rng = np.random.default_rng(seed)
    return pd.DatetimeIndex(pd.Timestamp("2019-11-20") + pd.to_timedelta(
        rng.choice(3 * 365, n, replace=False), unit="D"))


def _raw_parts(X, **params):
    """The preprocessor fitted on X, and its compact table's raw numeric columns (float64, NaN missing)."""
    pre = TabularPreprocessor(**params)
    return pre, pre._fit_compact(X).values


def _expected_date_parts(local):
    """The date parts of wall-clock times ``local`` (a naive DatetimeIndex), from pandas' calendar."""
    year_start = local.to_period("Y").to_timestamp()
    year_length = (year_start + pd.offsets.DateOffset(years=1) - year_start).days.to_numpy() * 86400.0
    turns = (local - year_start).total_seconds().to_numpy() / year_length
    return np.column_stack([local.year, local.month, local.day, local.day_of_week,
                            np.sin(2 * np.pi * turns), np.cos(2 * np.pi * turns)]).astype(float)


# ------------------------------------------------------------------ every form, the same parts
def _forms(days):
    """The same dates as a naive datetime64 column, date objects, Timestamps, np.datetime64, and strings."""
    return {
        "datetime64": pd.Series(days),
        "date objects": pd.Series([day.date() for day in days], dtype=object),
        "Timestamps": pd.Series(list(days), dtype=object),
        "np.datetime64 objects": pd.Series([np.datetime64(day.date()) for day in days], dtype=object),
        "ISO strings": pd.Series(days.strftime("%Y-%m-%d"), dtype=object),
        "month/day/year strings": pd.Series(days.strftime("%m/%d/%Y"), dtype=object),
        "day.month.year strings": pd.Series(days.strftime("%d.%m.%Y"), dtype=object),
        "pandas string dtype": pd.Series(days.strftime("%Y-%m-%d"), dtype="string"),
    }


@pytest.mark.parametrize("form", list(_forms(_days(3))))
def test_every_form_of_a_date_gives_the_same_parts(form):
    days = _days()
    X = pd.DataFrame({"x": np.arange(len(days), dtype=float), "when": _forms(days)[form]})
    pre, values = _raw_parts(X, numeric_bins=8)
    assert (pre.numeric_columns_, pre.date_columns_, pre.categorical_columns_) == ([0], [1], [])
    assert pre.date_parts_ == [DATE_PARTS]  # no time of day: no time parts
    assert_allclose(values[:, 1], (days - pd.Timestamp("1970-01-01")).days)  # days since 1970
    assert_allclose(values[:, 2:], _expected_date_parts(days), atol=1e-12)
    # ...and the same encoding as the datetime64 column.
    reference = TabularPreprocessor(numeric_bins=8).fit(X.assign(when=days))
    assert_array_equal(pre.transform(X), reference.transform(X.assign(when=days)))
    assert list(pre.get_feature_names_out()) == list(reference.get_feature_names_out())


def test_parts_are_pandas_calendar_before_1970_and_in_leap_years():
    times = pd.DatetimeIndex(["1900-03-01 23:59:59", "1969-12-31 23:30", "1960-02-29 06:00", "2000-12-31 12:00",
                              "2100-03-01 00:00:01", "1970-01-01 00:00", "2024-12-31 23:59"])
    pre, values = _raw_parts(pd.DataFrame({"when": times}))
    assert pre.date_parts_ == [ALL_PARTS]
    assert_allclose(values[:, 0], (times - pd.Timestamp("1970-01-01")).total_seconds() / 86400)
    assert_allclose(values[:, 1:7], _expected_date_parts(times), atol=1e-12)
    assert_array_equal(values[:, 7:9], np.column_stack([times.hour, times.minute]))
    # The last instant of a year is nearly a full turn, in leap years too.
    assert values[3, 5] == pytest.approx(np.sin(2 * np.pi * (365.5 / 366)))


def test_a_numpy_datetime64_array_gives_the_same_parts():
    days = _days()
    pre, values = _raw_parts(days.to_numpy().astype("datetime64[D]").reshape(-1, 1))
    assert pre.date_columns_ == [0] and pre.date_parts_ == [DATE_PARTS]
    assert_allclose(values[:, 1:], _expected_date_parts(days), atol=1e-12)
    assert list(pre.get_feature_names_out()) == [f"x0_{part}" for part in DATE_PARTS]


def test_a_time_of_day_adds_hour_minute_and_the_time_on_a_circle():
    times = _days() + pd.to_timedelta(np.arange(120) * 37, unit="min")
    pre, values = _raw_parts(pd.DataFrame({"when": times}))
    assert pre.date_parts_ == [ALL_PARTS]
    assert_allclose(values[:, 0], (times - pd.Timestamp("1970-01-01")).total_seconds() / 86400)
    assert_array_equal(values[:, 7], times.hour)
    assert_array_equal(values[:, 8], times.minute)
    fraction = (times.hour * 60 + times.minute).to_numpy() / 1440
    assert_allclose(values[:, 9:], np.column_stack([np.sin(2 * np.pi * fraction), np.cos(2 * np.pi * fraction)]),
                    atol=1e-12)
    # One second past midnight is a time of day.
    assert TabularPreprocessor().fit(pd.DataFrame({"when": _days(5) + pd.Timedelta(seconds=1)})).date_parts_ == [
        ALL_PARTS]


def test_a_column_with_a_time_zone_has_calendar_parts_in_its_zone_and_the_instant_in_utc():
    # 20:30 UTC is 05:30 the next day in Tokyo: the day, the day of week and the hour are Tokyo's.
    utc = _days() + pd.Timedelta(hours=20, minutes=30)
    tokyo = utc.tz_localize("UTC").tz_convert("Asia/Tokyo")
    pre, values = _raw_parts(pd.DataFrame({"when": tokyo}))
    assert pre.date_timezones_ == ["Asia/Tokyo"]
    local = tokyo.tz_localize(None)
    assert_array_equal(local.hour, 5)
    assert_allclose(values[:, 0], (utc - pd.Timestamp("1970-01-01")).total_seconds() / 86400)  # the instant
    assert_allclose(values[:, 1:7], _expected_date_parts(local), atol=1e-12)
    assert_array_equal(values[:, 7:9], np.column_stack([local.hour, local.minute]))
    assert not np.array_equal(local.day_of_week, utc.day_of_week)  # the zone changes the calendar
    # Timestamps with a zone in an object column are read the same way.
    objects = pd.DataFrame({"when": pd.Series(list(tokyo), dtype=object)})
    assert_array_equal(_raw_parts(objects)[1], values)


def test_strings_with_a_utc_offset_keep_it_and_mixed_zones_go_to_utc():
    strings = pd.DataFrame({"when": ["2021-03-15T23:30:00+09:00", "2021-03-16T08:00:00+09:00"] * 3})
    pre, values = _raw_parts(strings)
    assert pre.date_timezones_ == ["UTC+09:00"] and pre.date_formats_ == ["ISO8601"]
    assert_array_equal(values[:2, 7], [23, 8])  # the hour where the offset says
    mixed = pd.DataFrame({"when": ["2021-03-15T23:30:00+09:00", "2021-03-15T23:30:00+01:00"] * 3})
    pre, values = _raw_parts(mixed)
    assert pre.date_timezones_ == ["UTC"]
    assert_array_equal(values[:2, 7], [14, 22])
    zones = pd.DataFrame({"when": pd.Series([pd.Timestamp("2021-03-15 23:30", tz="Asia/Tokyo"),
                                             pd.Timestamp("2021-03-15 23:30", tz="Europe/Paris")], dtype=object)})
    pre, values = _raw_parts(zones)
    assert pre.date_timezones_ == ["UTC"]
    assert_array_equal(values[:, 7], [14, 22])


def test_dates_with_and_without_a_zone_in_one_column_are_refused_by_name():
    X = pd.DataFrame({"when": pd.Series([pd.Timestamp("2021-03-15 10:00", tz="Asia/Tokyo"),
                                         datetime.datetime(2021, 3, 15, 10)], dtype=object)})
    with pytest.raises(ValueError, match="Column 'when' holds date objects that cannot be read as one column"):
        TabularPreprocessor().fit(X)


# ------------------------------------------------------------------ missing dates
def test_missing_dates_get_one_indicator_and_the_median():
    days = pd.Series(_days())
    days[[3, 50]] = pd.NaT
    strings = days.dt.strftime("%Y-%m-%d").astype(object)
    strings[[3, 50]] = None
    for column in (days, strings, pd.Series(days.dt.date, dtype=object).where(days.notna(), None)):
        X = pd.DataFrame({"when": column, "x": np.arange(120.0)})
        pre = TabularPreprocessor(numeric_bins=4).fit(X)
        names = list(pre.get_feature_names_out())
        assert names.count("missingindicator_when") == 1 and names[1] == "missingindicator_when"
        out = pre.transform(X)
        assert_array_equal(np.flatnonzero(out[:, 1]), [3, 50])
        # A missing date is every part at its median: scaled to 0, and binned as the median.
        part_columns = [i for i, name in enumerate(names) if name.startswith("when_") and "_bin" not in name]
        assert_array_equal(out[[3, 50]][:, part_columns], 0.0)
        # The numeric features: the numeric column x, then the date's parts.
        assert pre.missing_indicators_.tolist() == [False, True] + [False] * (len(DATE_PARTS) - 1)


def test_a_string_the_format_does_not_parse_is_a_missing_date():
    days = _days()
    X = pd.DataFrame({"when": pd.Series(days.strftime("%Y-%m-%d"), dtype=object)})
    X.loc[7, "when"] = None
    pre = TabularPreprocessor().fit(X)
    bad = X.copy()
    bad.loc[[7, 9], "when"] = ["not a date", "2021-02-30"]
    assert_array_equal(pre.transform(bad)[9], pre.transform(X)[7])  # like the missing row
    assert pre.transform(bad)[9, 1] == 1.0
    # More rows than the sample (1,000): a row outside it that does not parse is missing at fit too.
    many = pd.DataFrame({"when": pd.Series(np.resize(days.strftime("%Y-%m-%d"), 3001), dtype=object)})
    many.loc[1, "when"] = "soon"
    pre = TabularPreprocessor().fit(many)
    assert pre.date_columns_ == [0] and pre.transform(many)[1, 1] == 1.0


# ------------------------------------------------------------------ what is not a date
@pytest.mark.parametrize("values", [
    ["1", "2", "3", "2"] * 10,  # numbers as strings
    ["2019", "2020", "2021", "2020"] * 10,  # years: pure numbers
    ["20190101", "20200101"] * 20,
    [f"order {i} shipped on time" for i in range(40)],  # one free text per row, with digits
    [f"{i}.{i + 1}.{i + 2}" for i in range(40)],  # versions
    ["12:30", "13:45"] * 20,  # times without a date
    ["2021-03-15", "Paris"] * 20,  # not every value a date
])
def test_strings_that_are_not_all_dates_stay_categorical(values):
    pre = TabularPreprocessor().fit(pd.DataFrame({"c": pd.Series(values, dtype=object)}))
    assert pre.categorical_columns_ == [0] and pre.date_columns_ == []
    pre = TabularPreprocessor().fit(np.array(values).reshape(-1, 1))  # a NumPy string array
    assert pre.categorical_columns_ == [0] and pre.date_columns_ == []


# ------------------------------------------------------------------ transform is the compact table
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_transform_is_the_wide_form_of_the_compact_table(dtype):
    days = pd.Series(_days(300, seed=1))
    times = days + pd.to_timedelta(np.arange(300) * 13, unit="min")
    X = pd.DataFrame({
        "x": np.random.default_rng(0).normal(size=300),
        "when": times.dt.tz_localize("America/New_York", nonexistent="shift_forward", ambiguous="NaT"),
        "city": np.resize(["Paris", "Rome", None], 300),
        "day": days.dt.strftime("%m/%d/%Y").where(np.arange(300) % 11 > 0, None),
    })
    pre = TabularPreprocessor(numeric_bins=8, dtype=dtype)
    compact = pre._fit_compact(X)
    wide = pre.transform(X)
    assert compact.shape == wide.shape == (300, pre.n_features_out_)
    assert_array_equal(compact.toarray(), wide)
    rows = np.array([5, 0, 299, 5])
    assert_array_equal(compact.take(rows, axis=0), wide[rows])
    assert_array_equal(compact.subset(rows).toarray(), wide[rows])
    # The output follows the input columns, each replaced by its encoding.
    names = list(pre.get_feature_names_out())
    firsts = [next(i for i, name in enumerate(names) if name.startswith(prefix))
              for prefix in ("x", "when_", "city_", "day_")]
    assert firsts == sorted(firsts)
    assert pre.date_parts_ == [ALL_PARTS, DATE_PARTS] and pre.date_formats_ == [None, "%m/%d/%Y"]


def test_the_memory_bound_counts_a_date_column_as_its_parts(monkeypatch):
    days = _days()
    X = pd.DataFrame({"x": np.arange(120.0), "when": days, "s": days.strftime("%Y-%m-%d"),
                      "c": np.resize(["a", "b"], 120)})
    assert numeric_features_bound(X) == 2 + 2 * MAX_PARTS
    counted = []
    monkeypatch.setattr(estimators, "refuse_if_short", lambda parts, advice: counted.append(dict(parts)))
    TabularNetRegressor(**SMALL).fit(X, np.arange(120.0))
    # "c" may be categorical with a target statistic (the regressor's one target): one more.
    assert counted[0]["the encoded table"] == 8 * 120 * (2 + 2 * MAX_PARTS + 1)


# ------------------------------------------------------------------ learning
def _weekday_table(n, seed):
    """The target is the day of the week (Monday, Wednesday, Friday or not); the other column is noise."""
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 4 * 365 * 24, n), unit="h")
    X = pd.DataFrame({"noise": rng.normal(size=n), "when": when})
    return X, np.isin(when.day_of_week, [0, 2, 4]).astype(int)


def test_the_day_of_the_week_is_learnt():
    X, y = _weekday_table(2000, seed=0)
    X_test, y_test = _weekday_table(1000, seed=1)
    model = TabularNetClassifier(random_state=0, max_iter=40).fit(X, y)
    assert model.score(X_test, y_test) > 0.9
    # Without the dates the target is a coin toss.
    blind = TabularNetClassifier(random_state=0, max_iter=40).fit(X[["noise"]], y)
    assert blind.score(X_test[["noise"]], y_test) < 0.6


# ------------------------------------------------------------------ predict
@pytest.fixture(scope="module")
def fitted():
    """A classifier fitted on a naive date, a date with a zone, date strings and a number."""
    days = _days()
    X = pd.DataFrame({
        "naive": days,
        "zoned": (days + pd.Timedelta(hours=9)).tz_localize("Europe/Paris"),
        "text": days.strftime("%m/%d/%Y"),
        "x": np.arange(120.0),
    })
    y = np.isin(days.day_of_week, [5, 6]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return TabularNetClassifier(**SMALL).fit(X, y), X, y


def test_dates_at_predict_may_come_in_another_form(fitted):
    model, X, _ = fitted
    expected = model.predict_proba(X)
    again = X.assign(naive=X["naive"].dt.strftime("%Y-%m-%dT%H:%M:%S"),  # strings for a datetime64 column
                     zoned=X["zoned"].dt.tz_convert("America/New_York"),  # another zone: converted
                     text=pd.Series(X["naive"].dt.date, dtype=object))  # date objects for strings
    assert_array_equal(model.predict_proba(again), expected)


@pytest.mark.parametrize("column, values, message", [
    ("naive", lambda X: np.arange(120.0), "Column 'naive' was a date column at fit, but now it holds values of "
                                          "dtype float64, not dates"),
    ("text", lambda X: ["soon"] * 120, "Column 'text' was a date column at fit, but now it holds no value "
                                       "that parses as a date with its format '%m/%d/%Y'"),
    ("naive", lambda X: X["naive"].dt.tz_localize("UTC"), "Column 'naive' was a date column at fit, but now it "
                                                         r"holds dates in time zone UTC.*tz_localize\(None\)"),
    ("zoned", lambda X: X["zoned"].dt.tz_localize(None), "Column 'zoned' was a date column at fit, but now it "
                                                        r"holds dates without a time zone.*Europe/Paris"),
    ("x", lambda X: X["naive"], "Column 'x' was numeric at fit but holds dates now"),
    ("x", lambda X: X["text"], "Column 'x' was numeric at fit but holds dates now"),
])
def test_a_column_of_the_wrong_kind_at_predict_is_refused_by_name(fitted, column, values, message):
    model, X, _ = fitted
    with pytest.raises(ValueError, match=message):
        model.predict(X.assign(**{column: values(X)}))


def test_a_categorical_column_given_dates_is_refused_by_name():
    X = pd.DataFrame({"c": ["a", "b"] * 20})
    pre = TabularPreprocessor().fit(X)
    with pytest.raises(ValueError, match="Column 'c' was categorical at fit but holds dates now"):
        pre.transform(pd.DataFrame({"c": pd.date_range("2021-01-01", periods=40)}))


def test_save_load_predicts_the_same(fitted, tmp_path):
    model, X, _ = fitted
    skdeep.save(model, tmp_path / "model.skdeep")
    loaded = skdeep.load(tmp_path / "model.skdeep")
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    for name in ("date_columns_", "date_parts_", "date_formats_", "date_timezones_"):
        assert getattr(loaded.preprocessor_, name) == getattr(model.preprocessor_, name)
    assert list(loaded.preprocessor_.get_feature_names_out()) == list(model.preprocessor_.get_feature_names_out())


def test_a_model_without_dates_is_written_as_before_and_a_bad_zone_is_refused(fitted, tmp_path):
    from model_file_edits import arrays_and_metadata

    model, X, y = fitted
    skdeep.save(TabularNetClassifier(**SMALL).fit(X[["x"]], y), tmp_path / "plain.skdeep")
    _, metadata = arrays_and_metadata((tmp_path / "plain.skdeep").read_bytes())
    assert not {"date_columns_", "date_parts_"} & set(metadata["preprocessor"])
    skdeep.save(model, tmp_path / "model.skdeep")
    content = (tmp_path / "model.skdeep").read_bytes()
    for zones, match in ((["dateutil//etc/passwd", None, None], "not a time zone name"),
                         (["Nowhere/Special", None, None], "unknown time zone")):
        assert_load_refuses(content, set_fields("preprocessor", date_timezones_=zones), match, tmp_path)
    assert_load_refuses(content, set_fields("preprocessor", date_parts_=[["days"], list(ALL_PARTS), ["year"]]),
                        "date_parts_", tmp_path)

    def indicator_on_second_part(arrays, metadata):  # a date column's parts are missing together
        pre = metadata["preprocessor"]
        pre["missing_indicators_"][len(pre["numeric_columns_"]) + 1] = True

    assert_load_refuses(content, indicator_on_second_part, "first part", tmp_path)


def test_a_pickle_from_before_dates_loads():
    pre = TabularPreprocessor().fit(pd.DataFrame({"x": np.arange(10.0), "c": ["a", "b"] * 5}))
    state = pre.__getstate__()
    for name in ("date_columns_", "date_parts_", "date_formats_", "date_timezones_"):
        del state[name]
    old = TabularPreprocessor.__new__(TabularPreprocessor)
    old.__setstate__(state)
    assert old.date_columns_ == [] and old.n_features_out_ == pre.n_features_out_
    assert_array_equal(old.transform(pd.DataFrame({"x": [1.0], "c": ["b"]})),
                       pre.transform(pd.DataFrame({"x": [1.0], "c": ["b"]})))


def test_warm_start_and_set_params_keep_the_fitted_encoding(fitted):
    model, X, y = fitted
    model = copy.deepcopy(model)  # the fixture is shared
    before = model.preprocessor_.transform(X)
    model.set_params(max_iter=2)  # a training parameter, after fit
    assert_array_equal(model.preprocessor_.transform(X), before)
    later = X.assign(naive=X["naive"] + pd.Timedelta(days=3 * 365))  # dates the fit never saw
    model.set_params(warm_start=True).fit(later, y)
    assert model.n_iter_ == 2
    assert_array_equal(model.preprocessor_.transform(X), before)  # the same encoding, continued
    pre = TabularPreprocessor(numeric_bins=4).fit(X)
    encoded = pre.transform(X)
    pre.set_params(numeric_bins=0)  # takes effect at the next fit
    assert_array_equal(pre.transform(X), encoded)


def test_onnx_export_refuses_date_columns_by_name(fitted):
    pytest.importorskip("onnx", reason='ONNX export needs the onnx extra: pip install ".[onnx]"')
    pytest.importorskip("skl2onnx", reason='ONNX export needs the onnx extra: pip install ".[onnx]"')
    from skdeep import to_onnx

    model, X, y = fitted
    with pytest.raises(NotImplementedError, match="date column\\(s\\) 'naive', 'zoned', 'text'.*include_preprocessing"):
        to_onnx(model)
    with pytest.raises(NotImplementedError, match="date column\\(s\\) 'when'"):
        to_onnx(TabularPreprocessor().fit(pd.DataFrame({"when": _days(10)})))
    # The network alone exports: its input is the encoded table.
    assert to_onnx(model, include_preprocessing=False) is not None


# ------------------------------------------------------------------ Dask
def test_a_dask_frame_with_dates_is_fitted_as_in_memory():
    dd = pytest.importorskip("dask.dataframe", reason='Dask DataFrame tests need the dask extra: pip install ".[dask]"')
    X, y = _weekday_table(1500, seed=0)
    X["zoned"] = X["when"].dt.normalize().dt.tz_localize("Asia/Tokyo")
    X.loc[3, "zoned"] = pd.NaT
    frame = dd.from_pandas(X, npartitions=4)
    streamed = TabularNetClassifier(**SMALL).fit(frame, y)
    in_memory = TabularPreprocessor(numeric_bins=16).fit(X)
    pre = streamed.preprocessor_
    for name in ("date_columns_", "date_parts_", "date_timezones_", "date_formats_"):
        assert getattr(pre, name) == getattr(in_memory, name)
    assert_array_equal(pre.missing_indicators_, in_memory.missing_indicators_)
    # The same features; their bins are cut at Dask's estimated quantiles, which may merge two edges.
    unbinned = [name for name in in_memory.get_feature_names_out() if "_bin" not in name]
    assert [name for name in pre.get_feature_names_out() if "_bin" not in name] == unbinned
    # Minimum and maximum are exact; the quartiles Dask's estimates.
    extremes = [edges[[0, -1]] if len(edges) else np.zeros(2) for edges in in_memory.bin_edges_]
    assert_array_equal([edges[[0, -1]] if len(edges) else np.zeros(2) for edges in pre.bin_edges_], extremes)
    ranges = np.ptp(extremes, axis=1)
    assert (np.abs(pre.medians_ - in_memory.medians_) <= 0.02 * ranges).all()
    assert_array_equal(streamed.predict(frame), streamed.predict(X))


# ------------------------------------------------------------------ without pandas
def test_numpy_dates_work_without_pandas():
    code = """
import sys


class NoPandas:  # import pandas raises ImportError; sys.modules has no "pandas" (scikit-learn 1.6 reads it)
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pandas":
            raise ImportError("pandas is not installed here")


sys.meta_path.insert(0, NoPandas())
import datetime
import numpy as np
from skdeep.tabular.preprocessing import TabularPreprocessor
X = np.array([["2021-03-15T10:00", "2020-01-01"], ["NaT", "2021-12-31"]], dtype="datetime64[s]")
pre = TabularPreprocessor().fit(X)
values = pre._fit_compact(X).values
print(pre.date_parts_[0][-1], pre.date_parts_[1][-1], values[0, 1], values[1, 12], values[0, 7])
O = np.array([[datetime.date(2021, 3, 15), "2021-03-15"], [None, "2021-03-16"]], dtype=object)
pre = TabularPreprocessor().fit(O)
print(pre.date_columns_, pre.categorical_columns_, pre._fit_compact(O).values[0, 1])
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pandas" not in result.stderr
    # Hour 10 of 2021-03-15; strings stay categorical without pandas to parse them.
    assert result.stdout.split() == ["timeofday_cos", "dayofyear_cos", "2021.0", "2021.0", "10.0",
                                     "[0]", "[1]", "2021.0"]
