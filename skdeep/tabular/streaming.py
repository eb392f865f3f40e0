"""TabularNet on a Dask DataFrame larger than memory: statistics by Dask, rows read a partition at a time.

``TabularNetClassifier.fit(X, y)`` with ``X`` a ``dask.dataframe.DataFrame``
never computes the whole frame, nor its encoding:

* :func:`fit_streamed` learns the preprocessing from statistics Dask
  computes in one pass (one ``dask.compute``): each numeric column's
  quantiles, minimum, maximum and missing count, each categorical column's
  category counts and missing count, and each partition's length. The
  :class:`~skdeep.tabular.preprocessing.TabularPreprocessor` is then built
  from them (``from_fitted_state``), choosing categories and bin edges with
  its own rules, so the categories, the encodings and the minimum and maximum
  are exactly those of an in-memory fit. The quantiles (median, quartiles,
  bin edges) are Dask's estimates, merged from each partition's quantiles
  (close to the exact ones, not equal: ``docs/dask.rst`` shows how close).
  The bins a point mass takes are not cut again (that needs the quantiles
  of the values off the edges, a second pass): a zero-inflated column gets
  the collapsed edges of its quantiles.
* the training rows are a :class:`~skdeep.tabular.partitioned.PartitionedTable`:
  each batch comes from one partition, computed (``X.to_delayed()[p]``) and
  encoded when the epoch gets to it, about once an epoch; the validation
  rows (``MAX_VALIDATION_ROWS`` at most) are read once and held, compact;
* ``y`` is computed into memory, in a pass of its own;
* predictions compute one partition at a time (:func:`computed_partitions`).

A column's kind is read from its dtype alone, without looking at values:
numeric dtypes (pandas' nullable ones included) are numeric; datetime dtypes
(naive or with a time zone) are dates; bool, category, string *and object*
columns are categorical. (An in-memory fit calls an object column numeric
when its values are all numbers, and of dates when they are all dates or
date strings: convert such a column with ``astype(float)`` or
``dd.to_datetime`` for the same model.)

A date column's parts are computed partition by partition (``map_partitions``)
in the same pass, and summarized as numeric columns are; whether it has a
time of day is that pass's too.

Telling a Dask frame never imports Dask (a frame can only be a Dask one if
the caller imported ``dask.dataframe``); Dask is imported to fit one.
"""

import sys
from typing import NamedTuple

import numpy as np

from .columns import CATEGORICAL, DATE, NUMERIC, category_key
from .dates import ALL_PARTS, DATE_PARTS, part_values, read_dates
from .embeddings import distinct_edges
from .partitioned import PartitionedTable
from .preprocessing import FittedPreprocessing, TabularPreprocessor, robust_statistics

# The validation rows a streamed fit holds in memory (read at every epoch), at most: a smaller
# validation_fraction is used on a table whose fraction would give more.
MAX_VALIDATION_ROWS = 100_000

# Each partition summarizes a numeric column by its quantiles at these many evenly spaced levels
# (and the levels asked for); Dask merges the summaries. Denser summaries give closer estimates.
SUMMARY_LEVELS = 201


def is_dask_frame(X):
    """Whether ``X`` is a Dask DataFrame (without importing Dask)."""
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(X, dd.DataFrame)


def is_dask_collection(X):
    """Whether ``X`` is any Dask collection (a DataFrame, a Series, an array, ...), without importing Dask."""
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(X)


def check_not_other_dask(X, estimator):
    """Refuse a Dask collection that is not a DataFrame as ``X`` (it would be computed whole)."""
    if is_dask_collection(X) and not is_dask_frame(X):
        raise TypeError(
            f"{type(estimator).__name__} streams a Dask DataFrame, not a {type(X).__name__}: make it one "
            "(series.to_frame(), or dask.dataframe.from_dask_array(array, columns=...)).")


def empty_frame(X):
    """An empty pandas DataFrame with ``X``'s columns and dtypes (Dask's ``_meta``): nothing computed."""
    return X._meta


def _column_kinds(X, preprocessor):
    """The kind of each column, from the dtypes alone (object columns are categorical)."""
    meta = empty_frame(X)
    return [CATEGORICAL if meta.dtypes.iloc[j] == object else preprocessor._kind(meta, j, True)
            for j in range(meta.shape[1])]


def _levels(n_bins):
    """The quantile levels a fit asks Dask for, sorted and distinct; where the quartiles and edges are."""
    asked = np.concatenate([[0.25, 0.5, 0.75], np.linspace(0.0, 1.0, n_bins + 1)])
    levels = np.unique(np.round(np.concatenate([np.linspace(0.0, 1.0, SUMMARY_LEVELS), asked]), 12))
    return levels, np.searchsorted(levels, np.round(asked, 12))


def _numeric_and_date_parts(frame, numeric, dated, zones):
    """A partition's numeric columns as float64, every part of each date column, and whether each
    date column has a time of day there (a column of 0 or 1)."""
    import pandas as pd

    columns = {}
    for j in numeric:
        columns[f"n{j}"] = frame.iloc[:, j].astype("float64").to_numpy()
    for k, (j, zone) in enumerate(zip(dated, zones, strict=True)):
        dates = read_dates(frame.iloc[:, j], None, zone, fitted=True)
        for part in ALL_PARTS:
            columns[_part_name(k, part)] = part_values(dates, part)
        columns[_time_name(k)] = np.full(len(frame), float(dates.has_time_of_day()))
    return pd.DataFrame(columns, index=frame.index)


def _part_name(k, part):
    return f"d{k}:{part}"


def _time_name(k):
    return f"d{k}:time"


def _numeric_values(X, numeric, dated, zones):
    """The numeric columns as float64 and, with date columns, their parts and time flags, lazily."""
    if not dated:
        return X.iloc[:, numeric].astype("float64")  # nullable dtypes: pd.NA becomes NaN
    import pandas as pd

    # One frame, made partition by partition: Dask (2025) fails to compute the quantiles of a
    # masked frame together with those of another frame.
    names = [f"n{j}" for j in numeric] + [name for k in range(len(dated)) for name in
                                          [*(_part_name(k, part) for part in ALL_PARTS), _time_name(k)]]
    meta = pd.DataFrame({name: pd.Series(dtype=np.float64) for name in names})
    return X.map_partitions(_numeric_and_date_parts, numeric, dated, zones, meta=meta)


def _without_infinity(frame):
    """A float frame with its infinite values made NaN."""
    return frame.mask(np.isinf(frame))


def _lazy_statistics(X, numeric, categorical, levels, dated=(), zones=()):
    """What the preprocessing needs, as Dask collections (nothing computed).

    The numeric statistics are of the numeric columns, then of every part of
    each date column; ``time`` says which date columns have a time of day.
    """
    lazy = {
        "missing": X.isna().sum(),
        # One reduction tree, not a shuffle: a column's counts are gathered in memory anyway.
        "counts": [X.iloc[:, j].value_counts(dropna=True, split_out=1) for j in categorical],
        "quantiles": [],
    }
    if numeric or dated:
        values = _numeric_values(X, numeric, dated, zones)
        infinite = values.isin([np.inf, -np.inf])
        # Refused once computed; meanwhile the quantiles ignore them. Masked partition by partition:
        # Dask (2026.8) fails on the quantile of a column of a one-column frame masked lazily.
        finite = values.map_partitions(_without_infinity, meta=values._meta)
        summarized = [name for name in finite.columns if not name.endswith(":time")]
        lazy.update(
            minimum=finite[summarized].min(), maximum=finite[summarized].max(),
            infinite=infinite.iloc[:, :len(numeric)].any(),
            quantiles=[finite[name].quantile(levels) for name in summarized],
        )
        if dated:
            lazy["time"] = values[[_time_name(k) for k in range(len(dated))]].max()
    return lazy


class PartitionSizes(NamedTuple):
    """The largest partition of a streamed table: what a fit holds of it, twice (the cache)."""

    rows: int
    bytes: int  # as pandas holds it (memory_usage(deep=True))


def _lazy_sizes(X):
    return X.map_partitions(len), X.map_partitions(lambda frame: int(frame.memory_usage(deep=True).sum()))


def _sizes(lengths, nbytes):
    return PartitionSizes(int(np.max(lengths)), int(np.max(nbytes)))


def fit_streamed(X, y, params, feature_names):
    """Fit a TabularPreprocessor on a Dask DataFrame from Dask's statistics, and stream its rows.

    Parameters
    ----------
    X : dask.dataframe.DataFrame
        The table, its names and width already checked by the estimator.
    y : array-like, pandas Series or Dask collection
        Computed after the statistics if a Dask collection: it must fit in memory.
    params : dict
        The preprocessor's parameters.
    feature_names : ndarray or None
        The names the estimator recorded.

    Returns
    -------
    preprocessor : TabularPreprocessor
        Fitted.
    table : PartitionedTable
        The encoded rows of ``X``, read a partition at a time.
    y : array-like
        In memory.
    sizes : PartitionSizes
        The largest partition's rows and bytes, for the memory checks.
    """
    import dask

    probe = TabularPreprocessor(**params)
    if feature_names is not None:
        probe.feature_names_in_ = feature_names  # to name a column of an unsupported dtype
    kinds = _column_kinds(X, probe)
    numeric = [j for j, kind in enumerate(kinds) if kind == NUMERIC]
    categorical = [j for j, kind in enumerate(kinds) if kind == CATEGORICAL]
    dated = [j for j, kind in enumerate(kinds) if kind == DATE]
    # A datetime dtype tells the zone (or none); the format is for strings, never dates here.
    zones = [probe._read_dates(empty_frame(X), j, True).timezone for j in dated]
    levels, asked = _levels(probe.numeric_bins)
    # One pass: Dask shares the reading of each partition between the statistics. Not y: computed
    # in the same pass, its partitions wait for the others to be read, with the whole rows they
    # were read with (measured: 4M rows, 13 columns: 600 MB more at the peak, against 110 MB).
    lazy = _lazy_statistics(X, numeric, categorical, levels, dated, zones)
    stats, lengths, nbytes = dask.compute(lazy, *_lazy_sizes(X))
    (y,) = dask.compute(y)
    missing = stats["missing"].to_numpy()
    if numeric:
        probe._refuse_infinity([probe._column_name(j) for j, flag in zip(
            numeric, stats["infinite"].to_numpy(), strict=True) if flag])
    medians, scales, edges = [], [], []
    # The numeric columns, then the parts each date column has (no time parts without a time of day).
    summarized = list(range(len(numeric)))
    indicators = list(missing[numeric] > 0)
    date_parts = []
    for k, j in enumerate(dated):
        parts = ALL_PARTS if stats["time"].iloc[k] > 0 else DATE_PARTS
        date_parts.append(parts)
        first = len(numeric) + k * len(ALL_PARTS)
        summarized += range(first, first + len(parts))
        indicators += [bool(missing[j] > 0)] + [False] * (len(parts) - 1)  # one indicator, on the first part
    summaries = [(stats["quantiles"][i], stats["minimum"].iloc[i], stats["maximum"].iloc[i]) for i in summarized]
    for quantiles, low, high in summaries:
        quantiles = quantiles.to_numpy(dtype=np.float64)[asked]
        low, high = float(low), float(high)
        median, scale = robust_statistics(*quantiles[:3], 0.5 * (high - low))
        medians.append(median)
        scales.append(scale)
        if probe.numeric_bins and np.isfinite(low):
            # The extreme edges are the exact minimum and maximum, not estimates.
            column_edges = np.clip(quantiles[3:], low, high)
            column_edges[0], column_edges[-1] = low, high
            edges.append(distinct_edges(column_edges))
        else:
            edges.append(np.empty(0))
    chosen = [probe._categories_of_counts(((category_key(key), int(count)) for key, count in counts.items()),
                                          int(missing[j]))
              for counts, j in zip(stats["counts"], categorical, strict=True)]
    state = FittedPreprocessing(
        n_features_in=len(kinds), feature_names_in=feature_names, numeric_columns=numeric,
        categorical_columns=categorical, missing_indicators=np.array(indicators, dtype=bool),
        medians=np.array(medians, dtype=np.float64), scales=np.array(scales, dtype=np.float64),
        bin_edges=edges, categories=[c[0] for c in chosen], encodings=[c[1] for c in chosen],
        missing_categories=[c[2] for c in chosen], date_columns=dated, date_parts=date_parts,
        date_formats=[None] * len(dated), date_timezones=zones,
    )
    preprocessor = TabularPreprocessor.from_fitted_state(params, state)
    return preprocessor, streamed_table(X, preprocessor, lengths), y, _sizes(lengths, nbytes)


def stream_fitted(X, y, preprocessor):
    """The rows of ``X`` encoded by a fitted preprocessor, a partition at a time (a continued fit).

    Returns ``(table, y, sizes)`` as :func:`fit_streamed` does; one pass of
    Dask over ``X`` (for the partitions' sizes), one over ``y``.
    """
    import dask

    lengths, nbytes = dask.compute(*_lazy_sizes(X))
    (y,) = dask.compute(y)  # apart, as in fit_streamed
    return streamed_table(X, preprocessor, lengths), y, _sizes(lengths, nbytes)


def streamed_table(X, preprocessor, lengths):
    """A :class:`~skdeep.tabular.partitioned.PartitionedTable` of ``X``'s rows encoded by ``preprocessor``."""
    partitions = X.to_delayed()  # one graph, optimized once: X.partitions[p] would build one a read

    def read(p):
        return preprocessor._compact(partitions[p].compute(), True)

    return PartitionedTable(np.asarray(lengths), read, preprocessor._layout)


def computed_partitions(X):
    """``X``'s partitions, computed one after the other as pandas DataFrames (for predictions)."""
    for partition in X.to_delayed():
        yield partition.compute()
