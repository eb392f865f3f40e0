"""Reading one column of a raw table: its kind, its numbers or its categories.

The preprocessor reads a table one column at a time, so that what it holds
beside the caller's table is one column's worth of values, never a copy of
the whole table.

Categories are compared by their string form ``str(value)`` (``1`` and ``'1'``
are one category); a value whose string form is no fitted category but a
number's is matched by number (:func:`number_key`: ``1.0``, ``True`` and
``'1'`` are the number 1). A column is *factorized* into the distinct values
present and, per row, the index of its value: hashing (pandas' ``factorize``, a
dictionary, or the codes of a ``category`` column) rather than a NumPy string
array, whose width is the longest value's: one 100 kB value in 100,000 rows
would ask for 37 GiB. ``bytes`` are decoded as UTF-8, any byte that is not
UTF-8 written as ``\\xNN``.

A column of dates (a datetime dtype, date objects, or strings that parse as
dates: :mod:`skdeep.tabular.dates`) is of kind ``'date'``; this module only
tells it, :mod:`~skdeep.tabular.dates` reads it.
"""

import math
import numbers
import re
import sys
from dataclasses import dataclass, replace

import numpy as np

from .dates import is_date_type, is_datetime_dtype, looks_like_dates, may_be_dates

NUMERIC = "numeric"
CATEGORICAL = "categorical"
DATE = "date"


def pandas_module():
    """pandas if it was imported, else None.

    pandas is optional. If nobody imported it, X cannot be a DataFrame and
    cannot hold ``pd.NA``, so there is no need to import it here.
    """
    return sys.modules.get("pandas")


def is_dataframe(X):
    """Whether ``X`` is a pandas DataFrame (without importing pandas)."""
    pd = pandas_module()
    return pd is not None and isinstance(X, pd.DataFrame)


def _is_missing_scalar(value):
    return value is None or (isinstance(value, (float, np.floating)) and value != value)


def _object_missing(values):
    """Missing-value mask of a 1-D object array: None, NaN, and pandas' NA and NaT."""
    pd = pandas_module()
    if pd is not None:
        return np.asarray(pd.isna(values), dtype=bool)
    return np.frompyfunc(_is_missing_scalar, 1, 1)(values).astype(bool)


def _is_real_number_type(kind):
    # bools are Real in Python, but a boolean column is categorical (binary) here, as it is
    # for bool dtypes.
    return issubclass(kind, numbers.Real) and not issubclass(kind, (bool, np.bool_))


@dataclass
class Column:
    """One column as read: its kind, missing mask and values.

    Attributes
    ----------
    kind : {'numeric', 'categorical', 'date'}
        What the values are, read from the dtype (and, for an object or
        string column, from the values present).
    missing : ndarray of bool, shape (n_samples,)
    values : ndarray or pandas Series
        float64 with NaN for missing (numeric dtypes), or the column itself
        (anything else), kept as it is until :func:`factorize` (or, for dates,
        :func:`~skdeep.tabular.dates.read_dates`) reads it.
    value_types : set of type or None
        The types of an object column's values present (None for other dtypes).
    """

    kind: str
    missing: np.ndarray
    values: object
    value_types: object = None


def read_frame_column(X, j, as_category=False):
    """Column ``j`` of a DataFrame as a :class:`Column`, or None for an unsupported dtype.

    With ``as_category`` (a column that was categorical at fit) the values of a
    numeric dtype are kept as they are, to be factorized, and strings are not
    tried as dates; a datetime dtype is still of kind ``'date'``.
    """
    pd = pandas_module()
    column = X.iloc[:, j]
    dtype = column.dtype
    missing = column.isna().to_numpy()
    if dtype == object:
        column = _object_column(column.to_numpy(dtype=object), missing, as_category)
        return replace(column, kind=CATEGORICAL) if as_category else column
    if is_datetime_dtype(dtype):
        return Column(DATE, missing, column)
    if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        dates = not as_category and looks_like_dates(column, missing)
        return Column(DATE if dates else CATEGORICAL, missing, column)
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return Column(CATEGORICAL, missing, column)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        if as_category:  # numbers where categories were: matched by string form, else by number
            return Column(CATEGORICAL, missing, column)
        return Column(NUMERIC, missing, column.to_numpy(dtype=np.float64, na_value=np.nan))
    return None  # durations, periods, complex, binary...: refused, at fit as at predict


def read_array_column(X, j, as_category=False):
    """Column ``j`` of a 2-D NumPy array (of a supported dtype) as a :class:`Column`.

    With ``as_category`` the values are kept as they are, to be factorized,
    and strings are not tried as dates.
    """
    values = X[:, j]
    kind = X.dtype.kind
    if as_category and kind in "iuf":
        return Column(CATEGORICAL, np.isnan(values) if kind == "f" else np.zeros(len(values), bool), values)
    if as_category and kind == "O":
        return replace(_object_column(values, _object_missing(values), as_category), kind=CATEGORICAL)
    if kind == "M":
        return Column(DATE, np.isnat(values), values)
    if kind == "b" or kind in "US":
        missing = np.zeros(values.shape[0], dtype=bool)
        dates = kind == "U" and not as_category and looks_like_dates(values, missing)
        return Column(DATE if dates else CATEGORICAL, missing, values)
    if kind in "iuf":
        values = values.astype(np.float64)
        return Column(NUMERIC, np.isnan(values), values)
    return _object_column(values, _object_missing(values))


def _object_column(values, missing, as_category=False):
    # An object column is numeric when every value present is a real number (so also
    # when no value is present at all); of dates when every one is a date, or a string
    # and a sample of them parses as dates.
    types = set(map(type, values[~missing]))
    if all(_is_real_number_type(t) for t in types):
        kind = NUMERIC
    elif all(is_date_type(t) for t in types):
        kind = DATE
    elif not as_category and types == {str} and looks_like_dates(values, missing):
        kind = DATE
    else:
        kind = CATEGORICAL
    return Column(kind, missing, values, value_types=types)


def numeric_values(column):
    """The column's values as float64, NaN for missing (a new array, or the column's own float64)."""
    values = column.values
    if isinstance(values, np.ndarray) and values.dtype == np.float64:
        return values
    values = np.asarray(values, dtype=object).copy()  # never write into the caller's array
    values[column.missing] = np.nan
    return values.astype(np.float64)


def factorize(column):
    """The distinct string forms of the values present, and each present row's index among them.

    Returns
    -------
    codes : ndarray of intp, shape (n_present,)
        For each row whose value is present (in order), the index of its value in ``keys``.
    keys : list of str
        ``str`` of each distinct value; two values with the same string form
        (``1`` and ``'1'``) may appear twice, and callers look keys up by value.
    """
    pd = pandas_module()
    values, missing = column.values, column.missing
    if pd is not None and isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy()
            return codes[codes >= 0].astype(np.intp), [category_key(level) for level in values.cat.categories]
        if values.dtype.kind == "f":  # hashing merges -0.0 and 0.0, whose string forms differ
            return _factorize_by_dictionary(values[~missing].tolist())
        if not _hashes_nul_safely(pd) and values.dtype.kind not in "biu":
            return _factorize_by_dictionary(values[~missing].tolist())
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return codes[codes >= 0].astype(np.intp), [category_key(value) for value in uniques]
    present = values[~missing] if missing.any() else values
    if present.dtype.kind == "f":  # as above, -0.0 and 0.0
        return _factorize_by_dictionary(present.tolist())
    if present.dtype == object and pd is not None and _hashes_nul_safely(pd) \
            and column.value_types is not None and column.value_types <= {str}:
        # All str: pandas hashes them in C, and no two distinct str share a string form.
        codes, uniques = pd.factorize(present)
        return codes.astype(np.intp), [category_key(value) for value in uniques]
    if present.dtype != object:  # bool, integers, or a NumPy string array
        uniques, codes = np.unique(present, return_inverse=True)
        return codes.reshape(-1).astype(np.intp), [category_key(value) for value in uniques.tolist()]
    return _factorize_by_dictionary(present)


def _hashes_nul_safely(pd):
    """Whether pandas' hashing keeps ``'A\\x00'`` and ``'A'`` apart (pandas 2 compares C strings)."""
    return int(pd.__version__.split(".")[0]) >= 3


def _factorize_by_dictionary(values):
    index = {}
    codes = np.fromiter((index.setdefault(category_key(value), len(index)) for value in values),
                        dtype=np.intp, count=len(values))
    return codes, list(index)


def category_key(value):
    """A category's string form: ``str(value)``, ``bytes`` decoded, NUL written ``\\x00``.

    NumPy's string arrays (which keep the fitted categories) drop trailing NUL
    characters: escaping them keeps ``'A\\x00'`` and ``'A'`` two categories.
    """
    key = _decoded(value) if isinstance(value, (bytes, np.bytes_)) else str(value)
    return key.replace("\x00", "\\x00") if "\x00" in key else key


def _decoded(value):
    """A ``bytes`` category as text: UTF-8, any other byte written as ``\\xNN``."""
    return bytes(value).decode("utf-8", errors="backslashreplace")


# A number as Python and NumPy write one: an integer without leading zeros, or a
# decimal or exponent form ('1.0', '1e+20', '6.55e+04'). '02139' is a code, not a number.
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|-?inf")
_LONGEST_DECIMAL = 40  # str() of any float is shorter (24 characters for a float64)


def number_key(key):
    """The number a category key writes, in one form per number, or None if it writes none.

    A key is a number if it is written as Python or NumPy write numbers and
    bools: an integer without leading zeros (``'1'``, ``'-3'``), a decimal or
    exponent form (``'1.0'``, ``'2.5'``, ``'1e+20'``), ``'inf'``, or ``'True'``
    and ``'False'`` (1 and 0). Two keys are the same number if their float64
    values are equal (integers are compared exactly): ``'1'``, ``'1.0'``,
    ``'True'`` give ``'1'``, and ``'-0.0'`` gives ``'0'``. ``'02139'``, ``'1_000'``
    and ``' 1'`` are not numbers: they are codes or text.

    Parameters
    ----------
    key : str
        A category's string form, as :func:`category_key` gives it.

    Returns
    -------
    number : str or None
        The number's own form: the integer's digits for an integral value,
        else Python's ``repr`` of the float.
    """
    if _INTEGER.fullmatch(key):  # already in its own form, but for '-0'
        return "0" if key == "-0" else key
    if key.endswith(".0") and _INTEGER.fullmatch(key, 0, len(key) - 2):  # an integral float: no parsing
        return "0" if key == "-0.0" else key[:-2]
    if key in ("True", "False"):
        return "1" if key == "True" else "0"
    if len(key) > _LONGEST_DECIMAL or not _DECIMAL.fullmatch(key):
        return None
    value = float(key)
    if math.isinf(value) and "inf" not in key:  # a decimal beyond float64's range: no float writes it
        return None
    return str(int(value)) if value.is_integer() else repr(value)


def categories_by_number(categories):
    """The fitted categories that are numbers, by :func:`number_key`.

    Of two categories that are one number (``'1'`` and ``'1.0'``, fitted from
    an object column holding both), the one written in the number's own form
    wins, else the first.
    """
    by_number = {}
    for category in categories:
        number = number_key(category)
        if number is not None and (number not in by_number or category == number):
            by_number[number] = category
    return by_number


def _is_number_or_bool_type(kind):
    return issubclass(kind, (numbers.Real, np.bool_))


def present_kind(column):
    """``'numbers'`` or ``'bools'`` if every value present is one (and one is), else None.

    Read from the dtype, or from the types of the values present (object
    columns) or of the categories (``category`` dtype).
    """
    if column.missing.all():
        return None
    values = column.values
    if column.value_types is not None:  # an object column
        if not all(_is_number_or_bool_type(kind) for kind in column.value_types):
            return None
        return "bools" if all(issubclass(kind, (bool, np.bool_)) for kind in column.value_types) else "numbers"
    pd = pandas_module()
    dtype = values.dtype
    if pd is not None and isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
        if dtype == object:
            types = set(map(type, values.cat.categories))
            if not all(_is_number_or_bool_type(kind) for kind in types):
                return None
            return "bools" if all(issubclass(kind, (bool, np.bool_)) for kind in types) else "numbers"
    if pd is not None and not isinstance(dtype, np.dtype):  # pandas' own dtypes: nullable, string
        if pd.api.types.is_bool_dtype(dtype):
            return "bools"
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
        return "numbers" if numeric else None
    return {"b": "bools", "i": "numbers", "u": "numbers", "f": "numbers"}.get(np.dtype(dtype).kind)


def column_kind(X, j, is_frame):
    """The kind of column ``j`` (None for an unsupported DataFrame dtype), reading values only if
    the dtype does not tell (object columns; a sample of a string column, which may hold dates)."""
    if is_frame:
        pd = pandas_module()
        dtype = X.dtypes.iloc[j]
        if dtype != object:
            if is_datetime_dtype(dtype):
                return DATE
            if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
                return read_frame_column(X, j).kind
            if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
                return CATEGORICAL
            if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
                return NUMERIC
            return None
        column = read_frame_column(X, j)
    else:
        if X.dtype.kind == "M":
            return DATE
        if X.dtype.kind not in "OU":
            return CATEGORICAL if X.dtype.kind in "bS" else NUMERIC
        column = read_array_column(X, j)
    return column.kind


def may_hold_dates(X, j, is_frame):
    """Whether column ``j`` may be read as dates, from its dtype and a sample of its values.

    A bound for the memory a fit needs, cheaper than :func:`column_kind`: it
    never reads a whole column's values.
    """
    if is_frame:
        pd = pandas_module()
        dtype = X.dtypes.iloc[j]
        if is_datetime_dtype(dtype):
            return True
        if dtype != object and not (pd.api.types.is_string_dtype(dtype)
                                    and not isinstance(dtype, pd.CategoricalDtype)):
            return False
        column = X.iloc[:, j]
        missing = column.isna().to_numpy()
    else:
        if X.dtype.kind == "M":
            return True
        if X.dtype.kind not in "OU":
            return False
        column = X[:, j]
        missing = _object_missing(column) if X.dtype.kind == "O" else np.zeros(column.shape[0], dtype=bool)
    return may_be_dates(column, missing)
