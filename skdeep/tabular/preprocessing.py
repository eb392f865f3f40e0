"""Turn a raw table into a float matrix for a neural network, following RealMLP.

RealMLP (Holzmüller et al., 2024) scales numeric features robustly (median and
interquartile range), squashes outliers with a smooth clip, one-hot encodes
categorical features with few categories and adds missing-value indicators.
``TabularPreprocessor`` does that with NumPy; pandas is used only when the
caller imported it (it is never imported here): to read a DataFrame, and to
hash a column of strings faster than a dictionary would. Dates are the
exception: parsing date strings and reading date objects needs pandas, which
:mod:`skdeep.tabular.dates` imports when installed.

It reads the table one column at a time (:mod:`skdeep.tabular.columns`) and
keeps its encoding compact (:mod:`skdeep.tabular.compact`). Each numeric
column of the compact table is *derived* from one input column
(:class:`_Source`): a numeric column is its own value, a date column gives
one numeric column per date part (:mod:`skdeep.tabular.dates`), a
categorical column may give its target statistics
(:mod:`skdeep.tabular.target_stats`) and a free-text column its n-gram
features (:mod:`skdeep.tabular.text`).
"""

import heapq
import itertools
import numbers
from contextlib import contextmanager
import warnings
from dataclasses import dataclass, replace

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_feature_names_in, check_array, check_is_fitted, validate_data

from .columns import (CATEGORICAL, DATE, NUMERIC, categories_by_number, column_kind, factorize, is_dataframe,
                      may_hold_dates, number_key, numeric_values, present_kind, read_array_column,
                      read_frame_column)
from .compact import CompactTable, DenseLayout, code_dtype
from .dates import MAX_PARTS, NotDates, describe, part_values, read_dates
from .embeddings import quantile_bin_edges
from .target_stats import (MAX_ALL_CATEGORIES, MAX_CATEGORIES, MAX_CATEGORY_CHARS, category_statistics,
                           cross_fitted_statistics, target_matrix)
from .text import N_COMPONENTS, TextProjection, fit_text, is_free_text, may_be_text, text_features

#: Values of a column :func:`numeric_features_bound` reads to tell whether it may be free text.
_TEXT_SAMPLE = 1000

__all__ = ["TabularPreprocessor", "FittedPreprocessing", "is_dataframe", "check_frame_not_empty",
           "numeric_features_bound"]


def check_frame_not_empty(X, estimator):
    """Refuse a DataFrame without rows or columns (``validate_data`` does not look when told to skip it)."""
    for size, what in ((X.shape[0], "sample"), (X.shape[1], "feature")):
        if size < 1:
            raise ValueError(
                f"Found array with 0 {what}(s) (shape={X.shape}) while a minimum of 1 is "
                f"required by {type(estimator).__name__}."
            )


def _check_array_dtype(X):
    if X.dtype.kind not in "biufOUSM":
        raise ValueError(
            f"Arrays of dtype {X.dtype} are not supported: pass numbers, strings, bools, dates "
            "(datetime64) or an object array."
        )


def numeric_features_bound(X, n_targets=0, max_one_hot=9):
    """The most numeric columns a fit on ``X`` (checked) can give its compact table.

    One per column, :data:`~skdeep.tabular.dates.MAX_PARTS` for a column
    that may hold dates (its dtype says so, or a sample of its values), and
    ``1 + n_targets`` (its target statistics) for a column that may have more
    than ``max_one_hot`` categories (strings and objects; a ``category`` dtype
    with that many), plus :data:`~skdeep.tabular.text.N_COMPONENTS` if a
    sample of it (1,000 rows evenly spaced, or its categories) may be free
    text: a bound for a fit's memory (for free text, an estimate), which
    never reads a whole column.
    """
    is_frame = is_dataframe(X)
    if not is_frame:
        _check_array_dtype(X)

    def bound(j):
        if may_hold_dates(X, j, is_frame):
            return MAX_PARTS
        dtype = X.dtypes.iloc[j] if is_frame else X.dtype
        categories = getattr(dtype, "categories", None)
        if dtype.kind in "iufb" or (categories is not None and len(categories) + 1 <= max_one_hot):
            return 1
        if categories is not None:
            sample = categories[:_TEXT_SAMPLE]
        else:
            rows = np.unique(np.linspace(0, X.shape[0] - 1, min(X.shape[0], _TEXT_SAMPLE)).astype(np.intp))
            sample = X.iloc[rows, j] if is_frame else X[rows, j]
        return 1 + n_targets + N_COMPONENTS * may_be_text(sample.tolist())
    return sum(bound(j) for j in range(X.shape[1]))


@dataclass(frozen=True)
class _Source:
    """An input column and the numeric columns of the compact table derived from it.

    The numeric columns of the compact table are the numeric input columns
    (each its own value: derivation None), then each date column's parts
    (derivation: the part's name), then the target statistics of the
    categorical columns that have them (derivation: ``'target'``,
    ``'target_<class>'``...), then the n-gram features of the free-text
    columns (derivation: ``'text0'``, ``'text1'``...).

    Attributes
    ----------
    column : int
        The input column's position.
    derivations : tuple
        Per numeric column derived: None (the input value itself) or a date part.
    first : int
        The first derived column's index among the numeric columns (the others follow it).
    date_format, timezone : str or None
        For a date column: how its strings are parsed and its time zone.
    """

    column: int
    derivations: tuple
    first: int
    date_format: object = None
    timezone: object = None
    target: object = None  # for target statistics: the column's index in target_columns_
    text: object = None  # for n-gram features: the column's index in text_columns_

    @property
    def is_date(self):
        return self.target is None and self.text is None and self.derivations != (None,)

    @property
    def is_target(self):
        return self.target is not None

    @property
    def is_text(self):
        return self.text is not None

    def suffix(self, derivation):
        """What a derived column's name adds to the input column's: nothing, or ``_<part>``."""
        return "" if derivation is None else f"_{derivation}"


def _text_parts(n_components):
    """The names of a free-text column's features: ``('text0', 'text1', ...)``."""
    return tuple(f"text{i}" for i in range(n_components))


def _sources(numeric_columns, date_columns, date_parts, date_formats, date_timezones, target_columns=(),
             target_parts=(), text_columns=(), text_components=()):
    """The :class:`_Source` of each numeric column of the compact table, in its order."""
    sources = [_Source(j, (None,), i) for i, j in enumerate(numeric_columns)]
    first = len(numeric_columns)
    for j, parts, date_format, timezone in zip(date_columns, date_parts, date_formats, date_timezones,
                                               strict=True):
        sources.append(_Source(j, tuple(parts), first, date_format, timezone))
        first += len(parts)
    for t, j in enumerate(target_columns):
        sources.append(_Source(j, tuple(target_parts), first, target=t))
        first += len(target_parts)
    for t, (j, components) in enumerate(zip(text_columns, text_components, strict=True)):
        parts = _text_parts(len(components))
        sources.append(_Source(j, parts, first, text=t))
        first += len(parts)
    return sources


def _present_keys(codes, keys):
    """``(codes, keys)`` of :func:`~skdeep.tabular.columns.factorize` without the keys no row has
    (a ``category`` dtype lists its unused categories too)."""
    used = np.bincount(codes, minlength=len(keys)) > 0
    if used.all():
        return codes, keys
    return (np.cumsum(used) - 1)[codes], [key for key, is_used in zip(keys, used, strict=True) if is_used]


def _rows_of_keys(key_features, codes, missing):
    """A function giving each row its value's features (NaN where missing), shape (n_rows, n_features).

    ``codes``: each present row's index among the keys (:func:`~skdeep.tabular.columns.factorize`).
    """
    def rows():
        features = np.full((missing.shape[0], key_features.shape[1]), np.nan)
        features[~missing] = key_features[codes]
        return features
    return rows


def _numeric_statistics(values, n_bins):
    """Median, scale and bin edges of one numeric column (float64, NaN for missing)."""
    with warnings.catch_warnings():
        # An all-missing column gives NaN statistics (and a warning); it becomes 0 below.
        warnings.simplefilter("ignore", RuntimeWarning)
        q25, median, q75 = np.nanpercentile(values, [25, 50, 75])
        half_range = 0.5 * (np.nanmax(values) - np.nanmin(values)) if values.size else np.nan
    return (*robust_statistics(q25, median, q75, half_range), quantile_bin_edges(values, n_bins))


def robust_statistics(q25, median, q75, half_range):
    """Median and scale of a numeric column from its quartiles and half range (NaN: no value at all).

    The scale is the interquartile range, else the half range, else 0 (a
    constant column); an all-missing column gets median 0 and scale 0.
    """
    iqr = q75 - q25
    scale = iqr if iqr > 0 else (half_range if half_range > 0 else 0.0)
    return float(np.nan_to_num(median, nan=0.0)), float(np.nan_to_num(scale, nan=0.0))


def _top_categories(counts, n_missing, n_kept):
    """The ``n_kept`` most frequent keys (ties by sorted key, missing last) and whether missing is one."""
    candidates = [(-count, 0, key) for key, count in counts.items()]
    if n_missing:
        candidates.append((-n_missing, 1, ""))
    top = heapq.nsmallest(n_kept, candidates)
    return sorted(key for _, is_missing, key in top if not is_missing), any(m for _, m, _ in top)


def _some(texts, n=2):
    """The first ``n`` of ``texts``, comma-separated, with ``...`` if there are more."""
    texts = list(itertools.islice(texts, n + 1))
    return ", ".join(texts[:n] + ["..."] * (len(texts) > n))


@dataclass(frozen=True)
class FittedPreprocessing:
    """What ``fit`` learned, as :meth:`TabularPreprocessor.fitted_state` gives it.

    The fitted attributes without their trailing underscore; the private
    layout ``transform`` uses is not part of it (it follows from these). The
    arrays are the preprocessor's own, not copies.

    Attributes
    ----------
    n_features_in : int
        Number of columns seen during fit.
    feature_names_in : ndarray of str objects or None
        Their names, when fit saw named columns.
    numeric_columns, categorical_columns : list of int
        Positions of the numeric and the categorical columns, each increasing.
    missing_indicators : ndarray of bool, shape (n_numeric_features,)
        Which numeric features have a missing-value indicator. The numeric
        features are the numeric columns, then each date column's parts.
    medians, scales : ndarray of float64, shape (n_numeric_features,)
        Each numeric feature's median and scale.
    bin_edges : list of ndarray of float64
        Each numeric feature's piecewise-linear bin edges (empty without bins).
    categories : list of ndarray of str
        Each categorical column's kept categories, sorted and unique.
    encodings : list of str
        Each categorical column's ``'binary'``, ``'one-hot'`` or ``'most-frequent'``.
    missing_categories : list of bool
        Whether each categorical column gives missing values their own column.
    date_columns : list of int, default=()
        Positions of the date columns, increasing (a state made before dates
        were read has none).
    date_parts : list of tuple of str, default=()
        Each date column's parts.
    date_formats, date_timezones : list of (str or None), default=()
        Each date column's string format and time zone.
    target_columns : list of int, default=()
        Positions of the categorical columns with target statistics, increasing.
    target_parts : tuple of str, default=()
        The names of each such column's statistics (``'target'``, ...).
    target_categories : list of ndarray of str, default=()
        Each such column's categories with a statistic of their own, sorted and unique.
    target_statistics : list of ndarray of float64, default=()
        Each such column's statistics, shape (n_categories + 2, len(target_parts)):
        its categories', then missing values', then the prior's.
    text_columns : list of int, default=()
        Positions of the free-text columns, increasing.
    text_idf : list of ndarray of float64, default=()
        Each free-text column's inverse document frequencies, one per n-gram bucket.
    text_components : list of ndarray of float64, default=()
        Each free-text column's projection, shape (n_components, n_buckets).
    """

    n_features_in: int
    feature_names_in: object
    numeric_columns: list
    categorical_columns: list
    missing_indicators: object
    medians: object
    scales: object
    bin_edges: list
    categories: list
    encodings: list
    missing_categories: list
    date_columns: list = ()
    date_parts: list = ()
    date_formats: list = ()
    date_timezones: list = ()
    target_columns: list = ()
    target_parts: tuple = ()
    target_categories: list = ()
    target_statistics: list = ()
    text_columns: list = ()
    text_idf: list = ()
    text_components: list = ()


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Turn a raw table into a float matrix for a neural network (RealMLP's recipe).

    Each column is numeric, categorical or a date column, decided at ``fit``:

    * **numeric** (int, float and pandas' nullable numeric dtypes; an object
      column whose values present are all real numbers other than bools, which
      includes an object column with no value at all): the
      median is subtracted and the result divided by the interquartile range
      ``q75 - q25``; if that is 0, by ``0.5 * (max - min)``; if that is 0 too,
      the column becomes 0. Then, with ``clip=True``, the smooth clip
      ``x / sqrt(1 + (x / 3)**2)`` maps it into (-3, 3). Missing values (NaN,
      None, ``pd.NA``) become 0 after scaling, and each numeric column that had
      missing values at fit gets one extra 0/1 indicator column right after it.
      A column without missing values at fit has no indicator: a missing value
      there at ``transform`` becomes 0 (the median) and nothing records it.
      Infinite values are refused with a ``ValueError`` naming the column.
    * **categorical** (bool, pandas ``category`` and string dtypes, NumPy string
      arrays, and object columns holding anything but real numbers): categories
      are compared by their string form ``str(value)``, so ``1`` and ``'1'`` are
      the same category; ``bytes`` are decoded as UTF-8, any other byte written
      ``\\xNN``. A value whose string form is not in ``categories_`` is matched
      by number: ``1``, ``1.0``, ``'1.0'`` and ``True`` are the number 1 (so a
      bool column may come back as 0/1, integer categories as floats), but
      ``'02139'`` is a code, not 2139. A column whose ``categories_`` include no
      number and that holds only numbers or bools at ``transform`` (zip codes
      read as integers) is refused with a ``ValueError`` naming it: its rows
      would all be unseen categories. Missing values count as one more
      category. Categories are hashed, never held as a fixed-width string
      array: a long value costs its length once. With at
      most ``max_one_hot`` categories the column is one-hot encoded, except that
      exactly two categories and no missing values give a single 0/1 column
      (1 for the second category in sorted order). With more categories, the
      ``max_one_hot - 1`` most frequent ones (ties broken by sorted order, missing
      last) are one-hot encoded and all others share one "other" column (the
      network's first layer is then a learned embedding of the kept
      categories). A category not seen at fit
      gives an all-zero row in a one-hot or binary encoding (in a binary column,
      0 is also the first category) and goes to "other" in the most-frequent
      encoding.
    * **target statistics** (only when ``fit`` receives ``y``): a
      most-frequent column also gets each category's mean target (the
      standardized target, or one indicator per class up to 16 classes),
      shrunk towards the mean over all rows by empirical Bayes, as numeric
      features ``<name>_target...`` right after its block, scaled and binned
      like numeric columns. ``fit_transform`` gives each row the statistics of
      the other 4 of 5 folds (its own target never enters them); ``transform``
      those of all rows. Categories seen once, unseen ones, those beyond the
      10,000 most frequent and those longer than 64 characters get the prior.
      See :mod:`skdeep.tabular.target_stats`.
    * **free text:** a most-frequent column whose distinct values average at
      least 5 words (reviews, descriptions, comments) also gets up to 16
      numeric features ``<name>_text0``... after its block (and its target
      statistics): its values' character 3- and 4-gram TF-IDF, projected on
      its first singular vectors, fitted on its distinct values without the
      target. A value unseen at fit is encoded from its n-grams; a missing
      one gives missing features. These are scaled like numeric columns, not
      binned. See :mod:`skdeep.tabular.text`.
    * **date** (pandas ``datetime64``, naive or with a time zone; NumPy
      ``datetime64`` arrays; object columns whose values present are all
      ``datetime.date``, ``datetime.datetime``, ``pd.Timestamp`` or
      ``np.datetime64``; string or object columns of strings whose present
      values, in a sample of up to 1,000 evenly spaced over the rows, all
      parse as dates): each date column becomes numeric *parts*, each then
      scaled, clipped and binned exactly like a numeric column:
      ``<name>_days`` (days since 1970-01-01, the instant in UTC for a column
      with a time zone), ``<name>_year``, ``<name>_month``, ``<name>_day``,
      ``<name>_dayofweek`` (Monday 0) and the day of the year on a circle
      (``<name>_dayofyear_sin``, ``<name>_dayofyear_cos``); a column with a
      time of day at fit (a present value not at midnight) also gives
      ``<name>_hour``, ``<name>_minute`` and the time of day on a circle
      (``<name>_timeofday_sin``, ``<name>_timeofday_cos``). Calendar parts are
      taken in the column's own time zone. A date column with missing values
      (NaT, None, NaN) at fit gets one indicator, ``missingindicator_<name>``,
      after its first part. Strings are parsed as ISO 8601 if every sampled
      one is, else with the format pandas guesses from the first (with a
      4-digit year; month first, then day first: ``'03/04/2021'`` is March 4
      when every sampled value allows it); a pure number such as ``'2019'``
      is never a date. The format found at fit is kept: a string it does not
      parse, at fit or at ``transform``, is a missing date. Date strings need
      pandas installed; NumPy ``datetime64`` arrays do not.

    At ``transform`` a date column must hold dates: a datetime dtype, date
    objects or strings (parsed with the fit's format, or, for a column that
    held no strings at fit, as at fit); a column where no present value is a
    date is a ``ValueError`` naming it, as is a numeric or categorical column
    that holds dates. Dates with a time zone are converted to the column's
    zone at fit; dates without a zone where the column had one at fit, or the
    reverse, are a ``ValueError`` naming the column (localize or convert them
    first: a naive time is no instant).

    ``transform`` requires the columns of ``fit``: same number, and for a
    DataFrame the same names in the same order (a ``ValueError`` says which
    names are new, missing or out of order). A numeric column that holds
    non-numeric values at ``transform`` is a ``ValueError`` naming it. The
    output columns follow the input columns, each replaced by its encoding.

    The caller's data is never modified, and the result depends only on the data.

    Parameters
    ----------
    max_one_hot : int, default=9
        The most categories (missing counting as one) a categorical column may
        have to be fully one-hot encoded. At least 2.

    clip : bool, default=True
        Whether to apply the smooth clip ``x / sqrt(1 + (x / 3)**2)`` to the
        scaled numeric columns.

    numeric_bins : int, default=0
        With ``numeric_bins > 0``, each numeric column is also given its
        piecewise-linear encoding over (at most) that many quantile bins
        (Gorishniy et al., 2022; see :mod:`skdeep.tabular.embeddings`), as
        extra columns ``<name>_bin<t>`` right after the column (and its
        indicator). Missing values are encoded as the median. A column with fewer
        than two distinct values gets no bins.

    dtype : {'float64', 'float32'}, default='float64'
        The dtype of the output matrix (``np.float64`` and ``np.float32`` work too).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the columns seen during fit. Defined only when ``X`` has
        column names that are all strings.

    numeric_columns_ : list of int
        Positions of the numeric columns in the input.

    categorical_columns_ : list of int
        Positions of the categorical columns in the input.

    date_columns_ : list of int
        Positions of the date columns in the input.

    date_parts_ : list of tuple of str
        For each date column, its parts, in output order (``'days'``,
        ``'year'``, ``'month'``, ``'day'``, ``'dayofweek'``,
        ``'dayofyear_sin'``, ``'dayofyear_cos'``, then, with a time of day,
        ``'hour'``, ``'minute'``, ``'timeofday_sin'``, ``'timeofday_cos'``).

    date_formats_ : list of str or None
        For each date column of strings at fit, the format they were parsed
        with (``'ISO8601'`` or a ``strftime`` format); None for a column of
        datetime dtype or date objects.

    date_timezones_ : list of str or None
        For each date column, its time zone (``'Europe/Paris'``,
        ``'UTC+01:00'``, ...), or None for dates without one.

    target_columns_ : list of int
        Positions of the categorical columns with target statistics (empty
        when ``fit`` had no ``y``).

    target_parts_ : tuple of str
        The names of each such column's statistics: ``('target',)``,
        ``('target_<class>', ...)`` or ``('target0', ...)``.

    target_categories_ : list of ndarray of str
        For each column with target statistics, the categories with a
        statistic of their own, sorted.

    target_statistics_ : list of ndarray of shape (n_categories + 2, n_parts)
        For each column with target statistics, its categories' statistics,
        then that of missing values, then the prior (for any other category).

    text_columns_ : list of int
        Positions of the free-text columns (see :mod:`skdeep.tabular.text`).

    text_idf_ : list of ndarray of float64
        For each free-text column, the inverse document frequency of each
        bucket its character n-grams are hashed to.

    text_components_ : list of ndarray of shape (n_components, n_buckets)
        For each free-text column, the projection of its TF-IDF vectors on
        its features ``text0``, ``text1``...

    medians_ : ndarray of shape (n_numeric_features,)
        Median of each *numeric feature*: the numeric columns, in the order of
        ``numeric_columns_``, then the parts of each date column, in the order
        of ``date_columns_`` and ``date_parts_``, then the target statistics
        of each column of ``target_columns_``, then the n-gram features of
        each column of ``text_columns_`` (0 for a feature with no values at
        fit).

    scales_ : ndarray of shape (n_numeric_features,)
        What each numeric feature is divided by after subtracting the median: the
        interquartile range, or half the range; 0 marks a constant feature, which
        becomes 0.

    missing_indicators_ : ndarray of bool, shape (n_numeric_features,)
        Which numeric features have a missing-value indicator: a numeric column
        with missing values at fit, and the first part of a date column with
        missing values at fit (its parts are missing together).

    bin_edges_ : list of ndarray
        For each numeric feature, the edges of its piecewise-linear bins (one
        more than the bins; empty without bins).

    categories_ : list of ndarray of str
        For each categorical column, the categories that have their own output
        column (for ``'binary'``: both categories, the second one is 1), sorted.

    encodings_ : list of str
        For each categorical column, ``'binary'``, ``'one-hot'`` or
        ``'most-frequent'`` (the high-cardinality fallback with an "other" column).

    missing_categories_ : list of bool
        For each categorical column, whether missing values have their own column.

    n_features_out_ : int
        Number of output columns.

    See Also
    --------
    sklearn.preprocessing.RobustScaler : Median and IQR scaling, without clipping.
    sklearn.preprocessing.OneHotEncoder : One-hot encoding of categorical columns.

    References
    ----------
    D. Holzmüller, L. Grinsztajn and I. Steinwart, "Better by default: Strong
    pre-tuned MLPs and boosted trees on tabular data", NeurIPS 2024.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skdeep.tabular.preprocessing import TabularPreprocessor
    >>> X = pd.DataFrame({
    ...     "age": [20.0, 30.0, np.nan, 40.0, 100.0],
    ...     "city": ["Paris", "Rome", "Paris", None, "Oslo"],
    ...     "smoker": [True, False, False, True, False],
    ... })
    >>> pre = TabularPreprocessor().fit(X)
    >>> pre.medians_, pre.scales_  # age: median 35, IQR 55 - 27.5
    (array([35.]), array([27.5]))
    >>> pre.get_feature_names_out()
    array(['age', 'missingindicator_age', 'city_Oslo', 'city_Paris',
           'city_Rome', 'city_nan', 'smoker_True'], dtype=object)
    >>> pre.transform(X).round(3)
    array([[-0.537,  0.   ,  0.   ,  1.   ,  0.   ,  0.   ,  1.   ],
           [-0.181,  0.   ,  0.   ,  0.   ,  1.   ,  0.   ,  0.   ],
           [ 0.   ,  1.   ,  0.   ,  1.   ,  0.   ,  0.   ,  0.   ],
           [ 0.181,  0.   ,  0.   ,  0.   ,  0.   ,  1.   ,  1.   ],
           [ 1.857,  0.   ,  1.   ,  0.   ,  0.   ,  0.   ,  0.   ]])
    """

    _parameter_constraints: dict = {
        "max_one_hot": [Interval(numbers.Integral, 2, None, closed="left")],
        "clip": ["boolean"],
        "numeric_bins": [Interval(numbers.Integral, 0, None, closed="left")],
        "dtype": [StrOptions({"float64", "float32"}), Options(type, {np.float64, np.float32})],
    }

    def __init__(self, max_one_hot=9, clip=True, numeric_bins=0, dtype="float64"):
        self.max_one_hot = max_one_hot
        self.clip = clip
        self.numeric_bins = numeric_bins
        self.dtype = dtype

    # -- reading the input -------------------------------------------------

    def _validate(self, X, reset):
        """Check X (names, width, dimensions) and return it with whether it is a DataFrame."""
        if is_dataframe(X):
            # Keep the columns' own dtypes: check_array would force one dtype on all.
            validate_data(self, X, skip_check_array=True, reset=reset)
            check_frame_not_empty(X, self)
            return X, True
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=reset)
        _check_array_dtype(X)
        return X, False

    def _column_name(self, j):
        names = getattr(self, "feature_names_in_", None)
        return repr(str(names[j])) if names is not None else str(j)

    def _read_column(self, X, j, is_frame, as_category=False):
        """Column ``j`` as a :class:`~skdeep.tabular.columns.Column`, refusing unsupported dtypes."""
        column = read_frame_column(X, j, as_category) if is_frame else read_array_column(X, j, as_category)
        if column is None:
            raise ValueError(
                f"Column {self._column_name(j)} has dtype {X.dtypes.iloc[j]}, which is not supported: "
                "convert it to numbers or to a categorical or string dtype."
            )
        if as_category and column.kind == DATE:
            raise ValueError(f"Column {self._column_name(j)} was categorical at fit but holds dates now.")
        return column

    def _read_dates(self, X, j, is_frame, source=None, reader=read_dates):
        """Column ``j`` as :class:`~skdeep.tabular.dates.Dates`: at fit (no ``source``), or as the
        date column ``source`` was fitted (its format and time zone); ``reader`` at fit may be
        :func:`~skdeep.tabular.dates.describe` instead."""
        values = X.iloc[:, j] if is_frame else X[:, j]
        try:
            if source is None:
                return reader(values)
            return read_dates(values, source.date_format, source.timezone, fitted=True)
        except NotDates as error:
            was = "" if source is None else "was a date column at fit, but now it "
            raise ValueError(f"Column {self._column_name(j)} {was}{error}.") from None

    def _derived_values(self, X, is_frame, source, infinite):
        """``(index, values)`` of each numeric column derived from ``source``'s input column.

        The values are float64, NaN for missing. The input column is read once,
        the derived columns made one at a time.
        """
        if source.is_target:
            statistics = self.target_statistics_[source.target]
            rows = self._target_rows(X, source, is_frame)
            for offset in range(len(source.derivations)):
                yield source.first + offset, statistics[rows, offset]
            return
        if source.is_text:
            features = self._text_features(X, source, is_frame)
            for offset in range(len(source.derivations)):
                yield source.first + offset, features[:, offset]
            return
        if not source.is_date:
            yield source.first, self._numeric_values(X, source.column, is_frame, infinite)
            return
        dates = self._read_dates(X, source.column, is_frame, source)
        for offset, part in enumerate(source.derivations):
            yield source.first + offset, part_values(dates, part)

    def _target_rows(self, X, source, is_frame):
        """Each row's line in its column's ``target_statistics_``: its category's, missing's, or -1.

        -1 (a category without a statistic of its own) is the last line, the prior.
        """
        column = self._read_column(X, source.column, is_frame, as_category=True)
        codes, keys = factorize(column)
        categories = self.target_categories_[source.target]
        return self._positions(categories, "one-hot", True, codes, keys, column.missing, np.intp)

    def _text_features(self, X, source, is_frame):
        """The n-gram features of ``source``'s free-text column, shape (n_samples, n_components); NaN where missing."""
        column = self._read_column(X, source.column, is_frame, as_category=True)
        codes, keys = _present_keys(*factorize(column))
        projection = TextProjection(self.text_idf_[source.text], self.text_components_[source.text])
        return _rows_of_keys(text_features(projection, keys), codes, column.missing)()

    def _fitted_sources(self):
        return _sources(self.numeric_columns_, self.date_columns_, self.date_parts_, self.date_formats_,
                        self.date_timezones_, self.target_columns_, self.target_parts_, self.text_columns_,
                        self.text_components_)

    def _kind(self, X, j, is_frame):
        kind = column_kind(X, j, is_frame)
        if kind is None:
            self._read_column(X, j, is_frame)  # raises, naming the column and its dtype
        return kind

    def _numeric_values(self, X, j, is_frame, infinite):
        """Column ``j``'s values as float64 (NaN for missing); its name joins ``infinite`` if it has inf."""
        column = self._read_column(X, j, is_frame)
        if column.kind != NUMERIC:
            now = "dates" if column.kind == DATE else "non-numeric values"
            raise ValueError(f"Column {self._column_name(j)} was numeric at fit but holds {now} now.")
        try:
            values = numeric_values(column)
        except OverflowError:  # a Python int beyond float64's range
            raise ValueError(f"Column {self._column_name(j)} holds a number too large for a float64.") from None
        if np.isinf(values).any():
            infinite.append(self._column_name(j))
        return values

    @staticmethod
    def _refuse_infinity(infinite):
        if infinite:
            raise ValueError(
                f"Input contains infinity in numeric column(s) {', '.join(infinite)}. NaN and None are "
                "missing values, but infinity is refused: replace it first."
            )

    def _choose_categories(self, codes, keys, n_missing):
        """Kept categories (sorted), encoding and whether missing has its own column, from a factorization."""
        return self._categories_of_counts(zip(keys, np.bincount(codes, minlength=len(keys)).tolist(),
                                              strict=True), n_missing)

    def _categories_of_counts(self, key_counts, n_missing):
        """Kept categories (sorted), encoding and whether missing has its own column.

        From ``(key, count)`` pairs, a key being a category's string form (one
        key may come twice: ``1`` and ``'1'``), and the count of missing values.
        A streamed fit gives the pairs Dask counted.
        """
        counts = {}
        for key, count in key_counts:
            if count:  # a category dtype may list categories no row has
                counts[key] = counts.get(key, 0) + count
        if len(counts) + (n_missing > 0) <= self.max_one_hot:
            encoding = "binary" if len(counts) == 2 and n_missing == 0 else "one-hot"
            kept, keep_missing = sorted(counts), n_missing > 0
        else:
            encoding = "most-frequent"
            kept, keep_missing = _top_categories(counts, n_missing, self.max_one_hot - 1)
        return np.array(kept, dtype=str), encoding, bool(keep_missing)

    @staticmethod
    def _positions(categories, encoding, keep_missing, codes, keys, missing, dtype):
        """Each row's position in a categorical column's output block (-1 for none).

        A key that is no fitted category takes the position of the fitted
        category that is the same number (``'1.0'`` or ``'True'`` for a fitted
        ``'1'``), if any: at fit as at transform, so that both encode a table alike.
        """
        n_kept = len(categories)
        other = n_kept + keep_missing if encoding == "most-frequent" else -1
        if encoding == "binary":  # one column, 1 for the second category; the first is all-zero
            kept = {str(categories[0]): -1, str(categories[1]): 0}
        else:
            kept = {category: position for position, category in enumerate(categories.tolist())}
        of_key = np.fromiter((kept.get(key, other) for key in keys), dtype=dtype, count=len(keys))
        unmatched = [i for i, key in enumerate(keys) if key not in kept]
        by_number = categories_by_number(kept) if unmatched else None
        for i in unmatched if by_number else ():  # distinct values, not rows
            number = number_key(keys[i])
            if number in by_number:
                of_key[i] = kept[by_number[number]]
        positions = np.full(missing.shape[0], n_kept if keep_missing else other, dtype=dtype)
        positions[~missing] = of_key[codes]
        return positions

    def _refuse_kind_change(self, k, j, column, codes, keys):
        """Refuse numbers (or bools) in categorical column ``j`` (the ``k``-th) whose fitted categories
        hold no number: every row would be an unseen category, silently.

        Numbers where numbers were (new codes) and strings where strings were
        (new names) stay unseen categories, as documented.
        """
        held = present_kind(column)
        categories = self.categories_[k].tolist()
        if held is None or not categories or categories_by_number(categories):
            return
        fitted = set(categories)
        matched = np.fromiter((key in fitted for key in keys), dtype=bool, count=len(keys))
        used = np.bincount(codes, minlength=len(keys)) > 0  # a category dtype may list values no row has
        if (matched & used).any():
            return
        now = _some(keys[i] for i in np.flatnonzero(used))
        raise ValueError(
            f"Column {self._column_name(j)} held categories that are not numbers at fit "
            f"({_some(map(repr, categories))}) but only {held} now ({now}): "
            "none is a category seen at fit, so every row would be encoded as unseen. Pass the column as "
            "at fit (its strings, leading zeros included); to encode these values as unseen categories "
            "on purpose, pass them as strings."
        )

    # -- fit and transform ---------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the column kinds, the numeric statistics and the categories.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The table. Missing values may be NaN, None or ``pd.NA``.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            The target. With it, the most-frequent columns also get target
            statistics (see the class description); without it, none.

        Returns
        -------
        self : object
            The fitted preprocessor.
        """
        with self._rolled_back_on_error():
            X, is_frame = self._validate(X, reset=True)
            self._fit(X, is_frame, compact=False, targets=lambda: self._targets_of(y, X.shape[0]))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then encode ``X``, with each row's target statistics cross-fitted.

        The same as ``fit(X, y).transform(X)`` except for target statistics:
        ``transform`` gives every row its category's statistics over all the
        rows of ``fit``, its own target included, while here each row gets
        those of the other folds (as the network trains on them).

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The table. Missing values may be NaN, None or ``pd.NA``.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            The target, as in :meth:`fit`.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out_)
            The encoded table, of dtype ``dtype``.
        """
        return self._fit_compact(X, y).toarray()

    @staticmethod
    def _targets_of(y, n_samples, target_type=None):
        """``(T, names)`` of :func:`~skdeep.tabular.target_stats.target_matrix` for ``y`` (None: none)."""
        if y is None:
            return None, ()
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.shape[0] != n_samples:
            raise ValueError(f"X and y have inconsistent numbers of samples: {n_samples} and {y.shape[0]}.")
        return target_matrix(y, target_type or type_of_target(y, input_name="y"))

    @contextmanager
    def _rolled_back_on_error(self):
        """A fit that raises leaves the preprocessor as it was (validation sets the names first)."""
        before = dict(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit_compact(self, X, y=None, target_type=None):
        """``fit`` on ``X``, returning its :class:`~skdeep.tabular.compact.CompactTable`.

        ``fit_transform`` made compact: the estimators train on this. They
        say what their target is (``target_type``, as ``type_of_target`` words
        it): a regressor's integer target is not classes.
        """
        with self._rolled_back_on_error():
            X, is_frame = self._validate(X, reset=True)
            return self._fit(X, is_frame, compact=True,
                             targets=lambda: self._targets_of(y, X.shape[0], target_type))

    def _fit(self, X, is_frame, compact, targets=None):
        """Fit on ``X`` (validated), one column at a time; with ``compact``, return its CompactTable.

        ``targets()`` (None: no target) gives
        :func:`~skdeep.tabular.target_stats.target_matrix`'s ``(T, names)``,
        asked for (and ``y`` checked) only once a most-frequent column is
        found: with a ``T``, such columns get target statistics.
        Fitting and encoding read each column once; nothing is set on ``self``
        unless the whole table is accepted.
        """
        T, target_parts, budget = None, (), MAX_ALL_CATEGORIES
        kinds = [self._kind(X, j, is_frame) for j in range(X.shape[1])]
        numeric = [j for j, kind in enumerate(kinds) if kind == NUMERIC]
        categorical = [j for j, kind in enumerate(kinds) if kind == CATEGORICAL]
        dated = [j for j, kind in enumerate(kinds) if kind == DATE]
        n_samples = X.shape[0]

        # The categorical columns first: which get target statistics sets the compact table's width.
        fitted = {"categories_": [], "encodings_": [], "missing_categories_": []}
        targeted = {"target_columns_": [], "target_categories_": [], "target_statistics_": []}
        texts = {"text_columns_": [], "text_idf_": [], "text_components_": []}
        target_rows = []  # per column with statistics: each row's category among its own (-1: none)
        text_rows = []  # per free-text column: a function giving its rows' features
        # At fit, a block has at most max_one_hot + 1 columns (kept categories, missing, other).
        codes = np.empty((n_samples, len(categorical)), dtype=code_dtype(self.max_one_hot + 1)) if compact else None
        for k, j in enumerate(categorical):
            column = self._read_column(X, j, is_frame)
            column_codes, keys = factorize(column)
            chosen = self._choose_categories(column_codes, keys, int(column.missing.sum()))
            for name, value in zip(fitted, chosen, strict=True):
                fitted[name].append(value)
            if compact:  # now: a column's codes are not kept beyond its turn
                codes[:, k] = self._positions(*chosen, column_codes, keys, column.missing, codes.dtype)
            if chosen[1] == "most-frequent" and targets is not None:
                T, target_parts = targets()
                targets = None  # asked once
            if T is not None and chosen[1] == "most-frequent" and budget:
                found = self._target_categories(column, column_codes, keys, T, min(budget, MAX_CATEGORIES))
                if found is not None:
                    budget -= len(found[0])
                    for name, value in zip(targeted, (j, *found[:2]), strict=True):
                        targeted[name].append(value)
                    target_rows.append(found[2])
            if chosen[1] == "most-frequent":
                text_codes, text_keys = _present_keys(column_codes, keys)
                found = fit_text(text_keys) if is_free_text(text_keys) else None
                if found is not None:
                    projection, key_features = found
                    for name, value in zip(texts, (j, projection.idf, projection.components), strict=True):
                        texts[name].append(value)
                    text_rows.append(_rows_of_keys(key_features, text_codes, column.missing))
        if not targeted["target_columns_"]:
            target_parts = ()

        # A date column's parts (with a time of day or not), format and zone, before the compact
        # table is allocated: each date column is read here, and once more for its values.
        date_found = [self._date_column(X, j, is_frame) for j in dated]
        date_parts, date_formats, date_timezones = (list(found) for found in zip(*date_found, strict=True)) \
            if dated else ([], [], [])
        sources = _sources(numeric, dated, date_parts, date_formats, date_timezones,
                           targeted["target_columns_"], target_parts, texts["text_columns_"],
                           texts["text_components_"])
        n_features = len(numeric) + sum(map(len, date_parts)) + len(target_rows) * len(target_parts) \
            + sum(len(components) for components in texts["text_components_"])
        values = np.empty((n_samples, n_features), dtype=np.float64) if compact else None
        medians, scales, indicators, edges, infinite = [], [], [], [], []
        for source in sources:
            if source.is_target:
                derived = self._cross_fitted(source, target_rows[source.target],
                                             len(targeted["target_categories_"][source.target]) + 1, T)
            elif source.is_text:  # from the features of its distinct values, found with the projection
                features = text_rows[source.text]()
                text_rows[source.text] = None  # released once read
                derived = ((source.first + offset, features[:, offset]) for offset in range(features.shape[1]))
            else:
                derived = self._derived_values(X, is_frame, source, infinite)
            for i, column in derived:
                if infinite:
                    continue  # refused below, once every column is checked
                # n-gram features are not binned: a column's 16 would take 16 bins each
                n_bins = 0 if source.is_text else self.numeric_bins
                median, scale, column_edges = _numeric_statistics(column, n_bins)
                medians.append(median)
                scales.append(scale)
                edges.append(column_edges)
                # A date's parts are missing together: one indicator, after the first.
                indicators.append(i == source.first and bool(np.isnan(column).any()))
                if compact:
                    values[:, i] = column
        self._refuse_infinity(infinite)

        self.medians_ = np.array(medians, dtype=np.float64)
        self.scales_ = np.array(scales, dtype=np.float64)
        self.missing_indicators_ = np.array(indicators, dtype=bool)
        self.bin_edges_ = edges
        for name, value in (*fitted.items(), *targeted.items(), *texts.items()):
            setattr(self, name, value)
        self.target_parts_ = tuple(target_parts)
        self.numeric_columns_ = numeric
        self.categorical_columns_ = categorical
        self.date_columns_ = dated
        self.date_parts_ = date_parts
        self.date_formats_ = date_formats
        self.date_timezones_ = date_timezones
        self._build_layout()
        return CompactTable(values, codes, self._current_layout()) if compact else None

    @classmethod
    def _target_categories(cls, column, codes, keys, T, most):
        """``(categories, statistics, rows)`` of a column's target statistics, or None if no category repeats.

        A category seen once gets no statistic of its own: cross-fitting
        could never show the network one (its row's folds never see it), so
        at ``transform`` it is unseen, the prior, as at fit; nor do those
        beyond the ``most`` most frequent (at most ``MAX_CATEGORIES``, and
        ``MAX_ALL_CATEGORIES`` over all columns) or longer than
        ``MAX_CATEGORY_CHARS`` (:mod:`~skdeep.tabular.target_stats`). Rows are
        matched to categories as ``transform`` matches them (by number too);
        missing values are a category (the line after the categories')
        unless seen once.
        """
        counts = {}
        for key, count in zip(keys, np.bincount(codes, minlength=len(keys)).tolist(), strict=True):
            counts[key] = counts.get(key, 0) + count  # one key may come twice: 1 and '1'
        eligible = [(-count, key) for key, count in counts.items() if count > 1 and len(key) <= MAX_CATEGORY_CHARS]
        categories = np.array(sorted(key for _, key in heapq.nsmallest(most, eligible)), dtype=str)
        if not len(categories):
            return None
        # int32: held for every column with statistics until the numeric columns are filled
        rows = cls._positions(categories, "one-hot", True, codes, keys, column.missing, np.int32)
        if column.missing.sum() == 1:
            rows[column.missing] = -1
        statistics = category_statistics(rows, len(categories) + 1, T)
        return categories, statistics, rows

    @staticmethod
    def _cross_fitted(source, rows, n_lines, T):
        """``(index, values)`` of a column's target statistics at fit, each row's from the other folds.

        ``n_lines``: the column's categories with a statistic, and missing values.
        """
        values = cross_fitted_statistics(rows, n_lines, T, np.empty((rows.shape[0], T.shape[1])))
        for offset in range(T.shape[1]):
            yield source.first + offset, values[:, offset]

    def _date_column(self, X, j, is_frame):
        """``(parts, format, time zone)`` of date column ``j`` at fit."""
        return self._read_dates(X, j, is_frame, reader=describe)

    def _current_layout(self):
        """The layout, with the ``dtype`` parameter's dtype (it may have changed since fit, as in
        earlier versions, whose ``transform`` read it)."""
        dtype = np.dtype(self.dtype)
        return self._layout if self._layout.dtype == dtype else replace(self._layout, dtype=dtype)

    def _compact_row_bytes(self):
        """Bytes a row of this preprocessor's compact tables takes."""
        return 8 * len(self.medians_) + len(self.categorical_columns_) * self._layout.code_dtype.itemsize

    def _compact(self, X, is_frame, targets=None):
        """The :class:`~skdeep.tabular.compact.CompactTable` of ``X`` (validated), one column at a time.

        An estimator checks ``X`` against its own ``feature_names_in_`` and
        ``n_features_in_`` (the same as these) and warns under its own name:
        validating again here would warn a second time, naming this class.
        """
        if not is_frame:
            _check_array_dtype(X)
        layout, n_samples = self._current_layout(), X.shape[0]
        values = self._numeric_block(X, is_frame, n_samples, targets)
        codes = np.empty((n_samples, len(self.categorical_columns_)), dtype=layout.code_dtype)
        for k, j in enumerate(self.categorical_columns_):
            column = self._read_column(X, j, is_frame, as_category=True)
            column_codes, keys = factorize(column)
            self._refuse_kind_change(k, j, column, column_codes, keys)
            codes[:, k] = self._positions(self.categories_[k], self.encodings_[k], self.missing_categories_[k],
                                          column_codes, keys, column.missing, codes.dtype)
        return CompactTable(values, codes, layout)

    def _numeric_block(self, X, is_frame, n_samples, targets=None):
        """The numeric columns of ``X``'s compact table, each derived from its input column in turn.

        With ``targets`` (``(T, names)`` of ``X``'s own target, as a fit
        would make them), the target statistics are cross-fitted on ``X``
        over the fitted categories, as at fit: a continued fit trains on
        these, not on statistics that hold each row's own target.
        """
        values = np.empty((n_samples, len(self.medians_)), dtype=np.float64)
        T = targets[0] if targets is not None and tuple(targets[1]) == self.target_parts_ else None
        infinite = []
        for source in self._fitted_sources():
            if source.is_target and T is not None:
                rows = self._target_rows(X, source, is_frame)
                derived = self._cross_fitted(source, rows, len(self.target_categories_[source.target]) + 1, T)
            else:
                derived = self._derived_values(X, is_frame, source, infinite)
            for i, column in derived:
                if not infinite:
                    values[:, i] = column
        self._refuse_infinity(infinite)
        return values

    def _build_layout(self):
        """Where each input column's encoding goes, and how its output columns are named."""
        # Output names as (prefix, input position, suffix), so that
        # get_feature_names_out can rebuild them from any valid input names.
        names = []
        fitted_sources = self._fitted_sources()
        sources = {source.column: source for source in fitted_sources if not (source.is_target or source.is_text)}
        targets = {source.column: source for source in fitted_sources if source.is_target}
        texts = {source.column: source for source in fitted_sources if source.is_text}
        n_numeric = len(self.medians_)
        # Per numeric feature (indexed as the compact table's columns), where its outputs start.
        numeric_out, bins_out = [0] * n_numeric, [0] * n_numeric
        indicator_out, categorical_out = {}, []
        categorical_index = {j: k for k, j in enumerate(self.categorical_columns_)}
        def derived_features(j, source):  # each derived feature, its indicator, its bins
            for i, derivation in enumerate(source.derivations, start=source.first):
                suffix = source.suffix(derivation)
                numeric_out[i] = len(names)
                names.append(("", j, suffix))
                if self.missing_indicators_[i]:  # a date column's is for the column
                    indicator_out[i] = len(names)
                    names.append(("missingindicator_", j, ""))
                bins_out[i] = len(names)
                names.extend(("", j, f"{suffix}_bin{t}") for t in range(len(self.bin_edges_[i]) - 1))

        for j in range(self.n_features_in_):
            if j in sources:  # numeric or date
                derived_features(j, sources[j])
                continue
            k = categorical_index[j]
            categorical_out.append(len(names))
            categories = self.categories_[k]
            if self.encodings_[k] == "binary":
                names.append(("", j, f"_{categories[1]}"))
                continue
            names.extend(("", j, f"_{category}") for category in categories)
            if self.missing_categories_[k]:
                names.append(("", j, "_nan"))
            if self.encodings_[k] == "most-frequent":
                names.append(("", j, "_other"))
            if j in targets:  # after the column's block
                derived_features(j, targets[j])
            if j in texts:  # after its target statistics
                derived_features(j, texts[j])
        self._names_out = names
        self.n_features_out_ = len(names)
        self._layout = self._dense_layout(numeric_out, [indicator_out[i] for i in sorted(indicator_out)], bins_out,
                                          categorical_out)

    def _dense_layout(self, value_out, indicator_out, bins_out, category_start):
        """The :class:`~skdeep.tabular.compact.DenseLayout` of the output columns found by ``_build_layout``."""
        intp = lambda values: np.asarray(values, dtype=np.intp).reshape(-1)  # noqa: E731
        binned = [i for i, edges in enumerate(self.bin_edges_) if len(edges) > 1]
        most_bins = max((len(self.bin_edges_[i]) - 1 for i in binned), default=0)
        # Padding (lower 0, width 1) is computed and never read.
        lower = np.zeros((len(binned), most_bins))
        width = np.ones((len(binned), most_bins))
        bin_out = np.full((len(binned), most_bins), -1, dtype=np.intp)
        for row, i in enumerate(binned):
            n_bins = len(self.bin_edges_[i]) - 1
            lower[row, :n_bins] = self.bin_edges_[i][:-1]
            width[row, :n_bins] = np.diff(self.bin_edges_[i])
            bin_out[row, :n_bins] = bins_out[i] + np.arange(n_bins)
        # A block holds the kept categories, and maybe missing and "other".
        largest_block = max((len(categories) + 2 for categories in self.categories_), default=1)
        return DenseLayout(
            n_out=len(self._names_out), dtype=np.dtype(self.dtype), clip=self.clip,
            medians=np.asarray(self.medians_, dtype=np.float64), scales=np.asarray(self.scales_, dtype=np.float64),
            value_out=intp(value_out), indicator_of=np.flatnonzero(self.missing_indicators_),
            indicator_out=intp(indicator_out), binned=intp(binned), bin_lower=lower, bin_width=width,
            bin_out=bin_out, category_start=intp(category_start), code_dtype=code_dtype(largest_block),
        )

    # -- the fitted state, for persistence ----------------------------------
    # A model file stores the preprocessor's parameters and fitted state; these
    # methods are the only way io reads and rebuilds them, so that io never
    # touches the attributes.

    def fitted_state(self):
        """What ``fit`` learned, without the private layout ``transform`` derives from it.

        Returns
        -------
        state : FittedPreprocessing
            The fitted attributes; its arrays are this preprocessor's own.
        """
        check_is_fitted(self)
        return FittedPreprocessing(
            n_features_in=self.n_features_in_, feature_names_in=getattr(self, "feature_names_in_", None),
            numeric_columns=self.numeric_columns_, categorical_columns=self.categorical_columns_,
            missing_indicators=self.missing_indicators_, medians=self.medians_, scales=self.scales_,
            bin_edges=self.bin_edges_, categories=self.categories_, encodings=self.encodings_,
            missing_categories=self.missing_categories_, date_columns=self.date_columns_,
            date_parts=self.date_parts_, date_formats=self.date_formats_, date_timezones=self.date_timezones_,
            target_columns=self.target_columns_, target_parts=self.target_parts_,
            target_categories=self.target_categories_, target_statistics=self.target_statistics_,
            text_columns=self.text_columns_, text_idf=self.text_idf_, text_components=self.text_components_,
        )

    @classmethod
    def check_params(cls, params):
        """Check parameters as ``fit`` does, without fitting anything.

        Parameters
        ----------
        params : dict
            Parameters, as ``get_params`` gives them.

        Raises
        ------
        ValueError or TypeError
            An unknown parameter, or one of a wrong type or out of range.
        """
        cls(**params)._validate_params()  # scikit-learn's checks of types and ranges

    @classmethod
    def from_fitted_state(cls, params, state):
        """The fitted preprocessor of these parameters and this state, as ``fit`` leaves it.

        The state is taken as it is: it must be consistent (lengths, sorted
        categories, finite statistics), as a fit makes it, which the caller
        checks (:mod:`skdeep.io.tabular_format` checks a model file's before
        calling this). Its arrays are kept, not copied.

        Parameters
        ----------
        params : dict
            Parameters, as ``get_params`` gives them; checked as ``fit`` checks them.
        state : FittedPreprocessing
            What ``fit`` learned, as :meth:`fitted_state` gives it.

        Returns
        -------
        preprocessor : TabularPreprocessor
            Fitted, its layout built.

        Raises
        ------
        ValueError or TypeError
            A parameter is unknown, of a wrong type or out of range.
        """
        preprocessor = cls(**params)
        preprocessor._validate_params()
        preprocessor.n_features_in_ = state.n_features_in
        if state.feature_names_in is not None:
            preprocessor.feature_names_in_ = state.feature_names_in
        preprocessor.numeric_columns_ = list(state.numeric_columns)
        preprocessor.categorical_columns_ = list(state.categorical_columns)
        preprocessor.missing_indicators_ = np.asarray(state.missing_indicators, dtype=bool)
        preprocessor.medians_, preprocessor.scales_ = state.medians, state.scales
        preprocessor.bin_edges_, preprocessor.categories_ = list(state.bin_edges), list(state.categories)
        preprocessor.encodings_ = list(state.encodings)
        preprocessor.missing_categories_ = list(state.missing_categories)
        preprocessor.date_columns_ = list(state.date_columns)
        preprocessor.date_parts_ = [tuple(parts) for parts in state.date_parts]
        preprocessor.date_formats_ = list(state.date_formats)
        preprocessor.date_timezones_ = list(state.date_timezones)
        preprocessor.target_columns_ = list(state.target_columns)
        preprocessor.target_parts_ = tuple(state.target_parts)
        preprocessor.target_categories_ = list(state.target_categories)
        preprocessor.target_statistics_ = list(state.target_statistics)
        preprocessor.text_columns_ = list(state.text_columns)
        preprocessor.text_idf_ = list(state.text_idf)
        preprocessor.text_components_ = list(state.text_components)
        preprocessor._build_layout()
        return preprocessor

    def transform(self, X):
        """Encode a table with the statistics and categories learned by ``fit``.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            A table with the columns seen by ``fit``, in the same order.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out_)
            The encoded table, of dtype ``dtype``.
        """
        check_is_fitted(self)
        X, is_frame = self._validate(X, reset=False)
        return self._compact(X, is_frame).toarray()

    # A pickle (or a joblib or skops file) holds the fitted attributes only: the
    # layout is derived from them on load, so files need no skdeep type beyond this
    # class, and files of versions with another private layout load as they are.
    _DERIVED = ("_layout", "_names_out", "_numeric_out", "_indicator_out", "_categorical_out", "_bins_out")

    def __getstate__(self):
        state = dict(super().__getstate__())
        for name in self._DERIVED:
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        super().__setstate__({name: value for name, value in state.items() if name not in self._DERIVED})
        if "n_features_in_" in self.__dict__:
            for name in ("date_columns_", "date_parts_", "date_formats_", "date_timezones_", "target_columns_",
                         "target_categories_", "target_statistics_", "text_columns_", "text_idf_",
                         "text_components_"):
                self.__dict__.setdefault(name, [])  # pickled before dates, target statistics or text: none
            self.__dict__.setdefault("target_parts_", ())
            self._build_layout()

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        A numeric column keeps its name and its indicator is
        ``missingindicator_<name>``; a date column's parts are
        ``<name>_<part>`` (``<name>_year``, ...) and its indicator
        ``missingindicator_<name>``; bins add ``_bin<t>`` to their feature's
        name; a categorical column's outputs are
        ``<name>_<category>``, ``<name>_nan`` for missing values and
        ``<name>_other`` in the most-frequent encoding.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input column names. If None, ``feature_names_in_`` is used, or
            ``x0, x1, ...`` when the preprocessor was fitted without names. If
            given, it must match ``feature_names_in_`` when that is defined.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The output column names.
        """
        check_is_fitted(self)
        input_features = _check_feature_names_in(self, input_features)
        return np.asarray(
            [f"{prefix}{input_features[j]}{suffix}" for prefix, j, suffix in self._names_out], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        # The output dtype is the `dtype` parameter: only input already of that
        # dtype keeps its dtype.
        tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags
