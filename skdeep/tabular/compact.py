"""The encoded table kept compact: a few bytes per cell, the network's input made batch by batch.

The network's input is wide: each numeric column becomes its scaled value,
maybe a missing-value indicator and up to 16 piecewise-linear bins; each
categorical column a block of one-hot columns. Materialized for a whole
table that is 2,000,000 rows x 850 float32 = 6.3 GiB for a 0.75 GiB
DataFrame. :class:`CompactTable` keeps instead, per row, each numeric
column's value as float64 (NaN for missing: what ``transform`` computes the
scaled value and the bins from, so that the wide rows are exactly
``transform``'s) and each categorical column's position in its block (a small
integer, -1 for none), and makes the wide rows only when asked for some rows
(:meth:`CompactTable.take`, slicing). It quacks like the 2-D array it stands
for where the training loop and the networks read their input: ``shape``,
``dtype``, ``X[rows]``, ``X.take(rows, axis=0)``, and
:meth:`CompactTable.subset`, a view of some rows that copies nothing, for the
validation split.
"""

from dataclasses import dataclass

import numpy as np

# Where the smooth clip x / sqrt(1 + (x / c)^2) levels off: outputs stay in (-3, 3).
CLIP_AT = 3.0


def smooth_clip(z):
    """``z / sqrt(1 + (z / 3)^2)``, written with hypot so that ``(z / 3)^2`` cannot overflow.

    A scaled value that overflowed to +-inf maps to the limit +-3.
    """
    with np.errstate(invalid="ignore"):
        clipped = z / np.hypot(1.0, z / CLIP_AT)
    return np.where(np.isinf(z), np.sign(z) * CLIP_AT, clipped)


@dataclass(frozen=True)
class DenseLayout:
    """Where each compact column goes in the wide rows, as the fitted preprocessor lays them out.

    Attributes
    ----------
    n_out : int
        Width of the wide rows.
    dtype : numpy.dtype
        The wide rows' dtype (they are computed in float64, as ``transform`` does).
    clip : bool
        Whether scaled values go through :func:`smooth_clip`.
    medians, scales : ndarray of float64, shape (n_numeric,)
        What each numeric column's value is centered and divided by (scale 0:
        a constant column, which becomes 0).
    value_out : ndarray of intp, shape (n_numeric,)
        Output column of each numeric column's scaled value.
    indicator_of, indicator_out : ndarray of intp
        Numeric columns with a missing-value indicator, and the indicator's output column.
    binned, bin_lower, bin_width, bin_out : ndarray
        Numeric columns with bins; per such column, its bins' lower edges and
        widths (float64), padded to the most bins (padding never read), and
        the output column of each bin (-1 for padding).
    category_start : ndarray of intp, shape (n_categorical,)
        Output column where each categorical column's block starts.
    code_dtype : numpy.dtype
        The smallest integer type of the positions in the largest block.
    """

    n_out: int
    dtype: np.dtype
    clip: bool
    medians: np.ndarray
    scales: np.ndarray
    value_out: np.ndarray
    indicator_of: np.ndarray
    indicator_out: np.ndarray
    binned: np.ndarray
    bin_lower: np.ndarray
    bin_width: np.ndarray
    bin_out: np.ndarray
    category_start: np.ndarray
    code_dtype: np.dtype

    def encode(self, values, codes):
        """The wide rows of compact rows ``values`` (m, n_numeric) and ``codes`` (m, n_categorical)."""
        m = values.shape[0]
        out = np.zeros((m, self.n_out), dtype=self.dtype)
        if values.shape[1]:
            missing = np.isnan(values)
            # Constant columns (scale 0) stay 0; missing values become 0 (the median).
            scaled = np.zeros_like(values)
            with np.errstate(over="ignore", invalid="ignore"):  # huge values go to +-inf, clipped below
                np.divide(values - self.medians, self.scales, out=scaled, where=(self.scales > 0) & ~missing)
            out[:, self.value_out] = smooth_clip(scaled) if self.clip else scaled
            out[:, self.indicator_out] = missing[:, self.indicator_of]
            if self.binned.size:
                # Missing values are binned as the median, as they are scaled to it: an all-zero
                # encoding would read as "below the minimum", which no row was.
                imputed = np.where(missing[:, self.binned], self.medians[self.binned], values[:, self.binned])
                with np.errstate(over="ignore", invalid="ignore"):  # huge values clip to 0 or 1
                    position = (imputed[:, :, None] - self.bin_lower) / self.bin_width
                np.clip(position, 0.0, 1.0, out=position)
                used = self.bin_out >= 0
                out[:, self.bin_out[used]] = position.reshape(m, -1)[:, used.reshape(-1)]
        if codes.shape[1]:
            rows, columns = np.nonzero(codes >= 0)
            out[rows, self.category_start[columns] + codes[rows, columns]] = 1
        return out


class CompactTable:
    """A table encoded for the network, kept compact (see the module docstring).

    Parameters
    ----------
    values : ndarray of float64, shape (n_samples, n_numeric)
        Each numeric column's value, NaN for missing.
    codes : ndarray of signed int, shape (n_samples, n_categorical)
        Each categorical column's position in its output block, -1 for none.
    layout : DenseLayout
        How the wide rows are made.
    rows : ndarray of intp or None, default=None
        The rows of ``values`` and ``codes`` this table is (a view made by
        :meth:`subset`); None for all of them.
    """

    ndim = 2

    def __init__(self, values, codes, layout, rows=None):
        self.values, self.codes, self.layout, self.rows = values, codes, layout, rows

    @property
    def shape(self):
        """``(n_samples, width of the wide rows)``."""
        return (len(self), self.layout.n_out)

    @property
    def dtype(self):
        return self.layout.dtype

    @property
    def nbytes(self):
        """Bytes this table holds (its wide form would hold ``n_samples * n_out * itemsize``).

        A view made by :meth:`subset` holds its row indices only.
        """
        if self.rows is not None:
            return self.rows.nbytes
        return self.values.nbytes + self.codes.nbytes

    def __len__(self):
        return self.values.shape[0] if self.rows is None else self.rows.shape[0]

    def __getitem__(self, rows):
        """The wide rows of a slice of rows."""
        if not isinstance(rows, slice):
            raise TypeError("A CompactTable is sliced by rows only (use take for an index array).")
        if self.rows is not None:
            return self._encode(self.rows[rows])
        return self.layout.encode(self.values[rows], self.codes[rows])

    def take(self, rows, axis=0):
        """The wide rows ``rows`` (an index array), as ``ndarray.take(rows, axis=0)``."""
        if axis != 0:
            raise ValueError("A CompactTable takes rows only (axis=0).")
        return self._encode(self._own_rows(rows))

    def _encode(self, rows):
        return self.layout.encode(self.values.take(rows, axis=0), self.codes.take(rows, axis=0))

    def subset(self, rows):
        """The table of rows ``rows`` (an index array): a view, nothing is copied."""
        return CompactTable(self.values, self.codes, self.layout, self._own_rows(np.asarray(rows)))

    def _own_rows(self, rows):
        # Indices into this table, as indices into the arrays it views.
        return rows if self.rows is None else self.rows.take(rows)

    def astype(self, dtype, copy=True):
        """This table, whose wide rows already have the layout's dtype (no other dtype is offered)."""
        if np.dtype(dtype) != self.dtype:
            raise ValueError(f"A CompactTable makes rows of {self.dtype}, not {np.dtype(dtype)}.")
        return self

    def toarray(self, chunk_rows=65536):
        """The whole wide matrix, made ``chunk_rows`` rows at a time."""
        out = np.empty(self.shape, dtype=self.dtype)
        for start in range(0, len(self), chunk_rows):
            out[start : start + chunk_rows] = self[start : start + chunk_rows]
        return out


def code_dtype(largest_block):
    """The smallest signed integer type holding positions ``-1 .. largest_block - 1``."""
    for dtype in (np.int8, np.int16, np.int32):
        if largest_block <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)
