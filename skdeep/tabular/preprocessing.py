"""Turn a raw table into a float matrix for a neural network, following RealMLP.

RealMLP (Holzmüller et al., 2024) scales numeric features robustly (median and
interquartile range), squashes outliers with a smooth clip, one-hot encodes
categorical features with few categories and adds missing-value indicators.
``TabularPreprocessor`` does that with NumPy alone; pandas is used only when the
caller passes a DataFrame (it is never imported here).
"""

import numbers
import sys
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from .embeddings import piecewise_linear_encoding, quantile_bin_edges

_NUMERIC = "numeric"
_CATEGORICAL = "categorical"

# Where the smooth clip x / sqrt(1 + (x / c)^2) levels off: outputs stay in (-3, 3).
_CLIP_AT = 3.0


def _pandas():
    # pandas is optional. If nobody imported it, X cannot be a DataFrame and
    # cannot hold pd.NA, so there is no need to import it here.
    return sys.modules.get("pandas")


def _is_missing_scalar(value):
    return value is None or (isinstance(value, (float, np.floating)) and value != value)


def _object_missing(values):
    """Missing-value mask of a 1-D object array: None, NaN, and pandas' NA and NaT."""
    pd = _pandas()
    if pd is not None:
        return np.asarray(pd.isna(values), dtype=bool)
    return np.frompyfunc(_is_missing_scalar, 1, 1)(values).astype(bool)


def _object_kind(values, missing):
    # An object column is numeric when every value present is a real number.
    # bools are Real in Python, but a boolean column is categorical (binary) here,
    # as it is for bool dtypes.
    types = set(map(type, values[~missing]))
    if all(issubclass(t, numbers.Real) and not issubclass(t, (bool, np.bool_)) for t in types):
        return _NUMERIC
    return _CATEGORICAL


def is_dataframe(X):
    """Whether ``X`` is a pandas DataFrame (without importing pandas)."""
    pd = _pandas()
    return pd is not None and isinstance(X, pd.DataFrame)


def check_frame_not_empty(X, estimator):
    """Refuse a DataFrame without rows or columns (``validate_data`` does not look when told to skip it)."""
    for size, what in ((X.shape[0], "sample"), (X.shape[1], "feature")):
        if size < 1:
            raise ValueError(
                f"Found array with 0 {what}(s) (shape={X.shape}) while a minimum of 1 is "
                f"required by {type(estimator).__name__}."
            )


def _check_array_dtype(X):
    if X.dtype.kind not in "biufOUS":
        raise ValueError(
            f"Arrays of dtype {X.dtype} are not supported: pass numbers, strings, bools or an object array."
        )


def _smooth_clip(z):
    # z / sqrt(1 + (z/3)^2), written with hypot so that (z/3)^2 cannot overflow;
    # a scaled value that overflowed to +-inf maps to the limit +-3.
    with np.errstate(invalid="ignore"):
        clipped = z / np.hypot(1.0, z / _CLIP_AT)
    return np.where(np.isinf(z), np.sign(z) * _CLIP_AT, clipped)


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
    missing_indicators : ndarray of bool, shape (n_numeric,)
        Which numeric columns have a missing-value indicator.
    medians, scales : ndarray of float64, shape (n_numeric,)
        Each numeric column's median and scale.
    bin_edges : list of ndarray of float64
        Each numeric column's piecewise-linear bin edges (empty without bins).
    categories : list of ndarray of str
        Each categorical column's kept categories, sorted and unique.
    encodings : list of str
        Each categorical column's ``'binary'``, ``'one-hot'`` or ``'most-frequent'``.
    missing_categories : list of bool
        Whether each categorical column gives missing values their own column.
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


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Turn a raw table into a float matrix for a neural network (RealMLP's recipe).

    Each column is numeric or categorical, decided at ``fit``:

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
      the same category, and missing values count as one more category. With at
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

    medians_ : ndarray of shape (n_numeric,)
        Median of each numeric column (0 for a column with no values at fit).

    scales_ : ndarray of shape (n_numeric,)
        What each numeric column is divided by after subtracting the median: the
        interquartile range, or half the range; 0 marks a constant column, which
        becomes 0.

    missing_indicators_ : ndarray of bool, shape (n_numeric,)
        Which numeric columns had missing values at fit and so have an indicator.

    bin_edges_ : list of ndarray
        For each numeric column, the edges of its piecewise-linear bins (one
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

    def _read_column(self, X, j, is_frame):
        """Return (kind, values, missing) of column j; values are float64 for numeric dtypes."""
        if is_frame:
            pd = _pandas()
            column = X.iloc[:, j]
            dtype = column.dtype
            missing = column.isna().to_numpy()
            if dtype == object:
                values = column.to_numpy(dtype=object)
                return _object_kind(values, missing), values, missing
            if (
                pd.api.types.is_bool_dtype(dtype)
                or isinstance(dtype, pd.CategoricalDtype)
                or pd.api.types.is_string_dtype(dtype)
            ):
                return _CATEGORICAL, column.to_numpy(dtype=object), missing
            if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
                values = column.to_numpy(dtype=np.float64, na_value=np.nan)
                return _NUMERIC, values, missing
            raise ValueError(
                f"Column {self._column_name(j)} has dtype {dtype}, which is not supported: convert "
                "it to numbers or to a categorical or string dtype."
            )
        values = X[:, j]
        kind = X.dtype.kind
        if kind == "b" or kind in "US":
            return _CATEGORICAL, values, np.zeros(values.shape[0], dtype=bool)
        if kind in "iuf":
            values = values.astype(np.float64)
            return _NUMERIC, values, np.isnan(values)
        missing = _object_missing(values)
        return _object_kind(values, missing), values, missing

    def _numeric_matrix(self, columns, positions):
        """Stack the numeric columns into a float64 matrix (NaN for missing), refusing inf."""
        n_samples = columns[0][1].shape[0] if columns else 0
        matrix = np.empty((n_samples, len(positions)), dtype=np.float64)
        for i, j in enumerate(positions):
            _, values, missing = columns[j]
            if values.dtype == object:
                values = values.copy()  # never write into the caller's array
                values[missing] = np.nan
            matrix[:, i] = values
        infinite = np.isinf(matrix).any(axis=0)
        if infinite.any():
            names = ", ".join(self._column_name(positions[i]) for i in np.flatnonzero(infinite))
            raise ValueError(
                f"Input contains infinity in numeric column(s) {names}. NaN and None are missing "
                "values, but infinity is refused: replace it first."
            )
        return matrix

    @staticmethod
    def _keys(values, missing):
        # Categories are compared by their string form, which sorts and searches
        # as a NumPy string array whatever the mix of Python types in the column.
        return values[~missing].astype(str)

    # -- fit and transform ---------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the column kinds, the numeric statistics and the categories.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The table. Missing values may be NaN, None or ``pd.NA``.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted preprocessor.
        """
        X, is_frame = self._validate(X, reset=True)
        columns = [self._read_column(X, j, is_frame) for j in range(X.shape[1])]
        numeric = [j for j, (kind, _, _) in enumerate(columns) if kind == _NUMERIC]
        categorical = [j for j, (kind, _, _) in enumerate(columns) if kind == _CATEGORICAL]

        matrix = self._numeric_matrix(columns, numeric)
        with warnings.catch_warnings():
            # An all-missing column gives NaN statistics (and a warning); it is
            # handled below, so the warning would only be noise.
            warnings.simplefilter("ignore", RuntimeWarning)
            # (reshape: with no numeric column, NumPy returns shape (0,) instead of (3, 0))
            q25, median, q75 = np.nanpercentile(matrix, [25, 50, 75], axis=0).reshape(3, len(numeric))
            half_range = 0.5 * (np.nanmax(matrix, axis=0) - np.nanmin(matrix, axis=0))
        iqr = q75 - q25
        scale = np.where(iqr > 0, iqr, np.where(half_range > 0, half_range, 0.0))
        self.medians_ = np.nan_to_num(median, nan=0.0)
        self.scales_ = np.nan_to_num(scale, nan=0.0)
        self.missing_indicators_ = np.isnan(matrix).any(axis=0)
        self.bin_edges_ = [quantile_bin_edges(matrix[:, i], self.numeric_bins) for i in range(len(numeric))]

        self.categories_, self.encodings_, self.missing_categories_ = [], [], []
        for j in categorical:
            _, values, missing = columns[j]
            categories, counts = np.unique(self._keys(values, missing), return_counts=True)
            n_missing = int(missing.sum())
            if len(categories) + (n_missing > 0) <= self.max_one_hot:
                encoding = "binary" if len(categories) == 2 and n_missing == 0 else "one-hot"
                keep_missing = n_missing > 0
            else:
                encoding = "most-frequent"
                # Missing is the last candidate, so it loses ties to real categories.
                counts = np.append(counts, n_missing)
                top = np.argsort(-counts, kind="stable")[: self.max_one_hot - 1]
                keep_missing = bool(len(categories) in top)
                categories = categories[np.sort(top[top < len(categories)])]
            self.categories_.append(categories)
            self.encodings_.append(encoding)
            self.missing_categories_.append(bool(keep_missing))

        self.numeric_columns_ = numeric
        self.categorical_columns_ = categorical
        self._build_layout()
        return self

    def _build_layout(self):
        """Where each input column's encoding goes, and how its output columns are named."""
        # Output names as (prefix, input position, suffix), so that
        # get_feature_names_out can rebuild them from any valid input names.
        names = []
        numeric_out, indicator_out, categorical_out, bins_out = [], [], [], []
        numeric_index = {j: i for i, j in enumerate(self.numeric_columns_)}
        categorical_index = {j: k for k, j in enumerate(self.categorical_columns_)}
        for j in range(self.n_features_in_):
            if j in numeric_index:
                numeric_out.append(len(names))
                names.append(("", j, ""))
                if self.missing_indicators_[numeric_index[j]]:
                    indicator_out.append(len(names))
                    names.append(("missingindicator_", j, ""))
                bins_out.append(len(names))
                names.extend(("", j, f"_bin{t}") for t in range(len(self.bin_edges_[numeric_index[j]]) - 1))
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
        self._names_out = names
        self._numeric_out = np.asarray(numeric_out, dtype=np.intp)
        self._indicator_out = np.asarray(indicator_out, dtype=np.intp)
        self._categorical_out = categorical_out
        self._bins_out = bins_out
        self.n_features_out_ = len(names)

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
            missing_categories=self.missing_categories_,
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
        return self._encode(X, is_frame)

    def _encode(self, X, is_frame):
        """``transform`` of an ``X`` already validated, by ``_validate`` or by the estimator that owns this.

        An estimator checks ``X`` against its own ``feature_names_in_`` and
        ``n_features_in_`` (the same as these) and warns under its own name:
        validating again here would warn a second time, naming this class.
        """
        if not is_frame:
            _check_array_dtype(X)
        n_samples = X.shape[0]
        columns = [self._read_column(X, j, is_frame) for j in range(X.shape[1])]
        for j in self.numeric_columns_:
            if columns[j][0] != _NUMERIC:
                raise ValueError(
                    f"Column {self._column_name(j)} was numeric at fit but holds non-numeric values now."
                )
        out = np.zeros((n_samples, self.n_features_out_), dtype=np.dtype(self.dtype))

        if self.numeric_columns_:
            matrix = self._numeric_matrix(columns, self.numeric_columns_)
            missing = np.isnan(matrix)
            scaled = np.zeros_like(matrix)
            # Constant columns (scale 0) stay 0; missing values become 0 (the median).
            with np.errstate(over="ignore", invalid="ignore"):  # huge values go to +-inf, clipped below
                np.divide(matrix - self.medians_, self.scales_, out=scaled, where=(self.scales_ > 0) & ~missing)
            out[:, self._numeric_out] = _smooth_clip(scaled) if self.clip else scaled
            out[:, self._indicator_out] = missing[:, self.missing_indicators_]
            # Missing values are binned as the median, as they are scaled to it: an
            # all-zero encoding would read as "below the minimum", which no row was.
            imputed = np.where(missing, self.medians_, matrix)
            for i, (edges, start) in enumerate(zip(self.bin_edges_, self._bins_out, strict=True)):
                if len(edges) > 1:
                    out[:, start : start + len(edges) - 1] = piecewise_linear_encoding(imputed[:, i], edges)

        for k, j in enumerate(self.categorical_columns_):
            _, values, missing = columns[j]
            categories = self.categories_[k]
            codes = np.full(n_samples, -1, dtype=np.intp)  # -1: not a kept category
            if categories.size:
                keys = self._keys(values, missing)
                found = np.minimum(np.searchsorted(categories, keys), categories.size - 1)
                hit = categories[found] == keys
                codes[np.flatnonzero(~missing)[hit]] = found[hit]
            start = self._categorical_out[k]
            if self.encodings_[k] == "binary":
                out[:, start] = codes == 1
                continue
            rows = np.flatnonzero(codes >= 0)
            out[rows, start + codes[rows]] = 1
            after = start + categories.size
            if self.missing_categories_[k]:
                out[missing, after] = 1
                after += 1
            if self.encodings_[k] == "most-frequent":
                # Rare and unseen categories, and missing values without their own column.
                out[(codes < 0) & ~(missing & self.missing_categories_[k]), after] = 1
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        A numeric column keeps its name and its indicator is
        ``missingindicator_<name>``; a categorical column's outputs are
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
