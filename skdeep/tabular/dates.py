"""Date columns: recognizing dates, reading them, and the numeric parts a date becomes.

A *date column* is a column of datetime dtype (pandas' ``datetime64``, naive
or with a time zone; a NumPy ``datetime64`` array), an object column whose
values present are all dates (``datetime.date``, ``datetime.datetime``,
``pd.Timestamp``, ``np.datetime64``), or a column of strings whose present
values in a sample all parse as dates (:func:`string_date_format`).

A date becomes numeric *parts* (:func:`part_values`), each then scaled and
binned like any numeric column:

* ``days``: days since 1970-01-01 (fractional), the instant in UTC for a
  column with a time zone, the wall-clock time for a naive one;
* ``year``, ``month`` (1-12), ``day`` (of the month, 1-31), ``dayofweek``
  (Monday 0 to Sunday 6) and the day of the year as a point on a circle
  (``dayofyear_sin``, ``dayofyear_cos``: one turn a year, the year's first
  instant at angle 0);
* only for a column with a time of day at fit (a present value not at
  midnight): ``hour`` (0-23), ``minute`` (0-59) and the time of day on a
  circle (``timeofday_sin``, ``timeofday_cos``: one turn a day).

Calendar parts are read in the column's own time zone (wall-clock time).
Month and day of week have at most 12 distinct values: the piecewise-linear
bins give each value its own slope, so a circle adds nothing there. The day
of the year and the time of day have hundreds of values, which 16 quantile
bins cut coarsely, and their effects are usually smooth across New Year and
midnight, where a linear part jumps: those two get a circle.

Recognizing date strings and reading date objects or strings uses pandas,
imported here when installed; a NumPy ``datetime64`` array needs only NumPy,
and without pandas an object array of naive ``datetime.date`` and
``datetime.datetime`` values is read by NumPy (strings are then never dates).
"""

import datetime
import re
import sys
import warnings
from dataclasses import dataclass

import numpy as np

#: The parts of every date column, in output order.
DATE_PARTS = ("days", "year", "month", "day", "dayofweek", "dayofyear_sin", "dayofyear_cos")
#: The parts a date column with a time of day at fit adds.
TIME_PARTS = ("hour", "minute", "timeofday_sin", "timeofday_cos")
#: Every part, in output order.
ALL_PARTS = DATE_PARTS + TIME_PARTS
#: The most parts a date column gives.
MAX_PARTS = len(ALL_PARTS)

#: How many present values of a string column are tried as dates (evenly spaced over the column).
SAMPLE_SIZE = 1000
# A date string is short: longer strings (text) are not tried.
_MAX_DATE_CHARS = 64
ISO_FORMAT = "ISO8601"

# The time zone names a fit keeps: IANA keys ('Europe/Paris', 'UTC') and fixed offsets ('UTC+01:00').
# Nothing else (no file path: pandas reads 'dateutil/<path>' as a zone file).
_ZONE_NAME = re.compile(r"UTC[+-]\d\d:\d\d|(?!dateutil/)[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
_MAX_ZONE_CHARS = 64
# strftime directives of a time of day or a zone: a format without them reads dates at midnight, naive.
_TIME_DIRECTIVES = re.compile(r"%[HIMSfpzZXcTRrsk-]")

_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000
_US_PER_MINUTE = 60_000_000


class NotDates(ValueError):
    """The values are not dates (the caller names the column)."""


def pandas_or_none():
    """pandas, imported if installed (dates need its parser); None without it."""
    if "pandas" in sys.modules:
        return sys.modules["pandas"]
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def is_date_type(kind):
    """Whether values of type ``kind`` are dates (``datetime.date`` and its subclasses, ``np.datetime64``)."""
    return issubclass(kind, (datetime.date, np.datetime64))


def is_datetime_dtype(dtype):
    """Whether a NumPy or pandas dtype holds dates (``datetime64``, with or without a time zone)."""
    if isinstance(dtype, np.dtype):
        return dtype.kind == "M"
    pd = sys.modules.get("pandas")  # a pandas dtype: pandas is imported
    return pd is not None and isinstance(dtype, pd.DatetimeTZDtype)


def sample(values, missing, size=SAMPLE_SIZE):
    """Up to ``size`` present values of a 1-D array or Series, evenly spaced over the rows present.

    Deterministic: the same column gives the same sample.
    """
    present = np.flatnonzero(~np.asarray(missing, dtype=bool))
    if present.size > size:
        present = present[np.linspace(0, present.size - 1, size).round().astype(np.intp)]
    if hasattr(values, "iloc"):
        return values.iloc[present].to_numpy(dtype=object)
    return np.asarray(values[present], dtype=object)


def _may_be_date_string(value):
    """A quick look: short, with a digit, and not a number (``'2019'`` and ``'1'`` stay what they are)."""
    if not isinstance(value, str) or len(value) > _MAX_DATE_CHARS or not any(c.isdigit() for c in value):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def string_date_format(strings):
    """The format that parses every string of a sample as a date, or None.

    ISO 8601 is tried first, then the format pandas guesses from the first
    string, month first (``'03/04/2021'`` is March 4) and then day first. A
    guessed format must have a 4-digit year (``%Y``). Pure numbers are never
    dates. Without pandas installed, no string is a date.
    """
    if len(strings) == 0 or not all(_may_be_date_string(value) for value in strings):
        return None
    pd = pandas_or_none()
    if pd is None:
        return None
    from pandas.tseries.api import guess_datetime_format

    candidates = [ISO_FORMAT]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns about dayfirst while guessing
        for dayfirst in (False, True):
            guessed = guess_datetime_format(strings[0], dayfirst=dayfirst)
            if guessed is not None and "%Y" in guessed and guessed not in candidates:
                candidates.append(guessed)
    series = pd.Series(strings, dtype=object)
    for candidate in candidates:
        try:
            _parse_strings(pd, series, candidate, errors="raise")
        except (ValueError, TypeError, OverflowError):
            continue
        return candidate
    return None


def _parse_strings(pd, series, date_format, errors):
    """Strings parsed with ``date_format``; values with different UTC offsets go to UTC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(series, format=date_format, errors=errors)
        except ValueError as error:
            if "utc=True" not in str(error):  # pandas: "Mixed timezones detected. Pass utc=True ..."
                raise
            return pd.to_datetime(series, format=date_format, errors=errors, utc=True)
        if parsed.dtype == object:  # pandas < 3 gives mixed offsets as objects (with a warning) instead
            return pd.to_datetime(series, format=date_format, errors=errors, utc=True)
        return parsed


def looks_like_dates(values, missing):
    """Whether a column of strings holds dates: a sample of its present values all parse as dates."""
    return string_date_format(sample(values, missing)) is not None


def may_be_dates(values, missing):
    """Whether an object or string column may be read as dates, from a sample of its present values alone.

    All dates, or all strings that parse (an object column is of dates when
    *all* its values present are: this is a bound, for memory checks).
    """
    present = sample(values, missing)
    types = set(map(type, present))
    if types and all(is_date_type(kind) for kind in types):
        return True
    return types == {str} and string_date_format(present) is not None


@dataclass
class Dates:
    """A date column read.

    Attributes
    ----------
    instants : ndarray of datetime64[us]
        Each value's instant: in UTC for a column with a time zone, the
        wall-clock time for a naive column; NaT for missing.
    local : ndarray of datetime64[us]
        The wall-clock time in the column's zone (``instants`` itself for a naive column).
    missing : ndarray of bool
    timezone : str or None
        The column's time zone, None for naive dates.
    date_format : str or None
        The format strings were parsed with, None if the column held no strings.
    """

    instants: np.ndarray
    local: np.ndarray
    missing: np.ndarray
    timezone: object
    date_format: object

    def has_time_of_day(self):
        """Whether a present value is not at midnight (wall-clock time)."""
        in_day = _microseconds_in_day(self.local)
        in_day[self.missing] = 0
        return bool(in_day.any())

    def parts(self):
        """The parts this column gives at fit: every date part, the time parts with a time of day."""
        return ALL_PARTS if self.has_time_of_day() else DATE_PARTS


def _microseconds_in_day(local):
    # datetime64 has no leap seconds: every day is _US_PER_DAY long, and % floors (before 1970 too).
    return np.remainder(local.view(np.int64), _US_PER_DAY)


def describe(values):
    """``(parts, format, time zone)`` of a column read as dates at fit.

    A column of strings whose format has no time of day nor zone (``'%m/%d/%Y'``)
    is not parsed here, only its sample: its dates are at midnight and naive.
    Other columns are read (:func:`read_dates`).

    Raises
    ------
    NotDates
        As :func:`read_dates`.
    """
    pd = pandas_or_none()
    if pd is not None and not (isinstance(values, np.ndarray) and values.dtype.kind == "M"):
        missing = np.asarray(pd.isna(values), dtype=bool)
        date_format = string_date_format(sample(values, missing))
        if date_format not in (None, ISO_FORMAT) and not _TIME_DIRECTIVES.search(date_format):
            return DATE_PARTS, date_format, None
    dates = read_dates(values)
    return dates.parts(), dates.date_format, dates.timezone


def read_dates(values, date_format=None, timezone=None, fitted=False):
    """A column (a 1-D NumPy array or a pandas Series) read as :class:`Dates`.

    At fit (``fitted=False``) strings are parsed with the format found in a
    sample (:func:`string_date_format`). Once fitted, strings are parsed with
    ``date_format`` (the column's format at fit; found in a sample if the column
    held no strings at fit), values with a time zone are converted to
    ``timezone``, and dates without one where the column had one at fit (or
    the reverse) are refused. A string the format does not parse is missing.

    Raises
    ------
    NotDates
        The values are not dates (numbers, categories, strings that are not
        dates), mix dates with and without a time zone, or have a time zone the
        other kind of dates had not (its message does not name the column).
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        instants = _as_microseconds(values)
        return _checked_zone(Dates(instants, instants, np.isnat(instants), None, None), timezone, fitted)
    pd = pandas_or_none()
    if pd is None:
        return _read_without_pandas(values, timezone, fitted)
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=values.dtype)
    dtype, used_format = series.dtype, None
    if not (isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype)):
        if not (dtype == object or pd.api.types.is_string_dtype(dtype)) or isinstance(dtype, pd.CategoricalDtype):
            raise NotDates(f"holds values of dtype {dtype}, not dates")
        series, used_format = _parsed(pd, series, date_format, fitted)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        zone = _zone_name(pd, series.dtype.tz)
        if fitted and timezone is not None and zone != timezone:
            series, zone = series.dt.tz_convert(timezone), timezone
        local = _as_microseconds(series.dt.tz_localize(None).to_numpy())
        instants = _as_microseconds(series.to_numpy(dtype="datetime64[us]"))  # in UTC
    else:
        zone = None
        local = instants = _as_microseconds(series.to_numpy())
    return _checked_zone(Dates(instants, local, np.isnat(local), zone, used_format), timezone, fitted)


def _parsed(pd, series, date_format, fitted):
    """An object or string column as a datetime Series, and the format of its strings (None for objects)."""
    missing = series.isna().to_numpy()
    present = sample(series, missing)
    if len(present) and all(is_date_type(type(value)) for value in present):
        # Date objects (checked on a sample; to_datetime refuses what is not a date).
        try:
            return _objects_to_datetime(pd, series), None
        except (ValueError, TypeError, OverflowError) as error:
            raise NotDates(f"holds date objects that cannot be read as one column ({error})") from None
    if not (fitted and date_format is not None):
        date_format = string_date_format(present)
        if date_format is None:
            raise NotDates("holds values that are not dates" + (
                "" if pandas_or_none() is not None else " (reading date strings needs pandas)"))
    if pd.api.types.infer_dtype(series, skipna=True) != "string":
        # Not all strings: anything else is not a date here (to_datetime would read numbers as epochs).
        series = series.astype(object).where(series.map(lambda value: isinstance(value, str), na_action="ignore")
                                             .astype(object).fillna(False).astype(bool))
    parsed = _parse_strings(pd, series, date_format, errors="coerce")
    if len(present) and parsed.isna().all():
        raise NotDates(f"holds no value that parses as a date with its format {date_format!r}")
    return parsed, date_format


def _objects_to_datetime(pd, series):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(series)
        except ValueError as error:
            if "Cannot mix tz-aware with tz-naive" in str(error) or "utc=True" not in str(error):
                raise
            return pd.to_datetime(series, utc=True)  # several time zones: one instant each, in UTC


def _zone_name(pd, tz):
    """A time zone's name, from which pandas rebuilds it (stored with the model)."""
    name = str(tz)
    try:
        check_zone_name(name)
        same = pd.DatetimeTZDtype(tz=name) == pd.DatetimeTZDtype(tz=tz)
    except ValueError:
        same = False
    if not same:
        raise NotDates(f"has time zone {name!r}, which cannot be stored by name: convert the column to a "
                       "named zone first (.dt.tz_convert('UTC') or an 'Area/City' zone)")
    return name


def check_zone_name(name):
    """Raise ValueError unless ``name`` is a time zone name as a fit keeps it, which pandas knows.

    Without pandas only the name's form is checked: a column with a time zone
    cannot be read without pandas anyway.
    """
    if not (isinstance(name, str) and len(name) <= _MAX_ZONE_CHARS and _ZONE_NAME.fullmatch(name)):
        raise ValueError(f"{name!r} is not a time zone name")
    pd = pandas_or_none()
    if pd is None:
        return
    try:
        pd.DatetimeTZDtype(tz=name)
    except Exception as error:  # zoneinfo raises KeyError subclasses, others ValueError or TypeError
        raise ValueError(f"unknown time zone {name!r}") from error


def _checked_zone(dates, timezone, fitted):
    if fitted and (dates.timezone is None) != (timezone is None):
        # A naive time is no instant: converting it would guess its zone.
        if timezone is None:
            raise NotDates(f"holds dates in time zone {dates.timezone}, where it held dates without a time "
                           "zone: remove the zone (.dt.tz_localize(None), after .dt.tz_convert to the zone "
                           "of the dates at fit)")
        raise NotDates(f"holds dates without a time zone, where it held dates in time zone {timezone}: "
                       f"localize them (.dt.tz_localize({timezone!r}))")
    return dates


def _as_microseconds(values):
    values = np.asarray(values)
    if values.dtype.kind != "M":
        raise NotDates(f"holds values of dtype {values.dtype}, not dates")
    return values.astype("datetime64[us]", copy=False)


def _read_without_pandas(values, timezone, fitted):
    """A NumPy object array of naive ``datetime.date``/``datetime.datetime``/``np.datetime64``, by NumPy."""
    values = np.asarray(values)
    if values.dtype != object:
        raise NotDates(f"holds values of dtype {values.dtype}, not dates" + (
            " (reading date strings needs pandas)" if values.dtype.kind in "US" else ""))
    for value in values:
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            raise NotDates("holds dates with a time zone, which need pandas to be read")
        if value is not None and not (is_date_type(type(value)) or value != value):
            raise NotDates("holds values that are not dates" + (
                " (reading date strings needs pandas)" if isinstance(value, str) else ""))
    present = np.array([None if value is None or value != value else value for value in values])
    instants = present.astype("datetime64[us]")
    return _checked_zone(Dates(instants, instants, np.isnat(instants), None, None), timezone, fitted)


def part_values(dates, part):
    """One part of every date, as float64 (NaN where the date is missing).

    Parts are listed in the module docstring; calendar parts are in the
    column's own time zone. Computed in place where NumPy allows: a part
    holds about three arrays of the column's length at once.
    """
    # Missing dates (NaT, the smallest int64) compute garbage here, replaced by NaN below.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if part == "days":
            values = dates.instants.view(np.int64) / _US_PER_DAY
        else:
            values = _calendar_part(dates.local, part)
    values[dates.missing] = np.nan
    return values


def _calendar_part(local, part):
    """A calendar part of wall-clock times (datetime64[us]), as a new float64 array."""
    if part == "year":
        values = local.astype("datetime64[Y]").view(np.int64).astype(np.float64)
        values += 1970
        return values
    if part == "month":
        months = local.astype("datetime64[M]").view(np.int64)  # since January 1970
        np.remainder(months, 12, out=months)
        months += 1
        return months.astype(np.float64)
    if part == "day":
        days = local.astype("datetime64[D]").view(np.int64)
        days -= local.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
        days += 1
        return days.astype(np.float64)
    if part == "dayofweek":
        days = np.floor_divide(local.view(np.int64), _US_PER_DAY)
        days += 3  # 1970-01-01 was a Thursday (3, Monday being 0)
        np.remainder(days, 7, out=days)
        return days.astype(np.float64)
    if part in ("hour", "minute"):
        units = _microseconds_in_day(local)
        np.floor_divide(units, _US_PER_HOUR if part == "hour" else _US_PER_MINUTE, out=units)
        if part == "minute":
            np.remainder(units, 60, out=units)
        return units.astype(np.float64)
    if part.startswith("timeofday_"):
        turns = _microseconds_in_day(local).astype(np.float64)
        turns /= _US_PER_DAY
        return _on_circle(turns, part)
    if part.startswith("dayofyear_"):
        years = local.astype("datetime64[Y]")
        turns = local.view(np.int64) - years.astype("datetime64[us]").view(np.int64)  # into the year
        turns = turns.astype(np.float64)
        turns /= 365.0 * _US_PER_DAY
        year = years.view(np.int64)
        year += 1970  # in place: years is not read again
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        turns[leap] *= 365.0 / 366.0
        return _on_circle(turns, part)
    raise ValueError(f"Unknown date part {part!r}.")


def _on_circle(turns, part):
    """``sin`` or ``cos`` of ``2 pi turns``, computed in ``turns``."""
    turns *= 2 * np.pi
    return (np.sin if part.endswith("_sin") else np.cos)(turns, out=turns)
