"""An encoded table read partition by partition, never held whole: what a streamed fit trains on.

A table larger than memory comes in partitions (a Dask DataFrame's, see
:mod:`skdeep.tabular.streaming`). :class:`PartitionedTable` stands for its
encoding where the training loop reads its input, as
:class:`~skdeep.tabular.compact.CompactTable` does for a table in memory
(``shape``, ``dtype``, ``X[rows]``, ``X.take(rows, axis=0)``, ``subset``),
but holds only the partitions last read: asked for some rows, it reads and
encodes (compact) the partitions they are in, keeps the last two, and makes
the wide rows of the rows asked for.

Reading a partition is the expensive step, so the training loop is told how
to ask: :meth:`PartitionedTable.epoch_order` draws an epoch's row order
partition after partition (the partitions in a random order, the rows
shuffled within each), so that consecutive batches come from one partition
and each partition is read about once an epoch. The rows read again at every
epoch, the validation split, are held in memory instead
(:meth:`PartitionedTable.held_subset`, read in one pass).

This module knows nothing of Dask: a partition is whatever ``read(p)``
returns, a CompactTable of the partition's rows.
"""

from collections import OrderedDict

import numpy as np

from .compact import CompactTable

# Partitions kept encoded: a batch that ends one partition and starts the next reads each once.
CACHED_PARTITIONS = 2


class _Partitions:
    """The partitions' row offsets, and the last ``CACHED_PARTITIONS`` read (shared by every view)."""

    def __init__(self, lengths, read):
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        self.read_partition = read
        self.cache = OrderedDict()
        self.reads = 0  # partitions read so far, cached reads not counted

    def __getitem__(self, p):
        """Partition ``p``'s CompactTable, read unless among the last ones read."""
        table = self.cache.get(p)
        if table is not None:
            self.cache.move_to_end(p)
            return table
        table = self.read_partition(p)
        if len(table) != self.lengths[p]:
            raise ValueError(
                f"Partition {p} has {len(table)} rows now but had {self.lengths[p]} when the fit began: "
                "a streamed table must give the same rows every time a partition is computed "
                "(read it from storage, or persist it first).")
        self.reads += 1
        self.cache[p] = table
        while len(self.cache) > CACHED_PARTITIONS:
            self.cache.popitem(last=False)
        return table

    def of_rows(self, rows):
        """The partition of each row (global row numbers)."""
        return np.searchsorted(self.offsets, rows, side="right") - 1


class PartitionedTable:
    """The encoding of a partitioned table, or of some of its rows, read a partition at a time.

    Parameters
    ----------
    lengths : sequence of int
        Rows of each partition, in order.
    read : callable ``read(p) -> CompactTable``
        Reads and encodes partition ``p`` (all its rows, in order).
    layout : DenseLayout
        How the wide rows are made (the preprocessor's).
    rows : ndarray of int, optional
        The rows of this view, as row numbers of the whole table (all rows, in
        order, if None). Views made by :meth:`subset` share the partitions read.
    """

    ndim = 2

    def __init__(self, lengths, read, layout, rows=None, *, _partitions=None):
        self.partitions = _partitions if _partitions is not None else _Partitions(lengths, read)
        self.layout = layout
        n_rows = int(self.partitions.offsets[-1])
        self.rows = np.arange(n_rows) if rows is None else np.asarray(rows, dtype=np.intp)
        self._by_partition = None  # this view's positions grouped by partition, made at the first epoch

    @property
    def shape(self):
        """``(n_rows, width of the wide rows)``."""
        return (len(self.rows), self.layout.n_out)

    @property
    def dtype(self):
        return self.layout.dtype

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, rows):
        """The wide rows of a slice of this view's rows."""
        if not isinstance(rows, slice):
            raise TypeError("A PartitionedTable is sliced by rows only (use take for an index array).")
        return self.take(np.arange(len(self))[rows])

    def take(self, rows, axis=0):
        """The wide rows ``rows`` (positions in this view), as ``ndarray.take(rows, axis=0)``."""
        if axis != 0:
            raise ValueError("A PartitionedTable takes rows only (axis=0).")
        values, codes = self._compact_rows(self.rows[rows])
        return self.layout.encode(values, codes)

    def subset(self, rows):
        """The view of rows ``rows`` (positions in this view): still read a partition at a time."""
        return PartitionedTable(None, None, self.layout, self.rows[rows], _partitions=self.partitions)

    def held_subset(self, rows):
        """The rows ``rows`` (positions in this view) read into a CompactTable, in one pass.

        For rows read again and again (the validation split): they must fit
        in memory.
        """
        values, codes = self._compact_rows(self.rows[rows])
        return CompactTable(values, codes, self.layout)

    def astype(self, dtype, copy=True):
        """This table, whose wide rows already have the layout's dtype (no other dtype is offered)."""
        if np.dtype(dtype) != self.dtype:
            raise ValueError(f"A PartitionedTable makes rows of {self.dtype}, not {np.dtype(dtype)}.")
        return self

    def epoch_order(self, random_state):
        """An epoch's order of this view's positions: partition after partition.

        The partitions in a random order, the rows shuffled within each, so
        that consecutive batches come from one partition (a batch at the seam
        from two) and each partition is read about once an epoch.

        Parameters
        ----------
        random_state : numpy.random.RandomState

        Returns
        -------
        order : ndarray of intp, shape (n_rows,)
        """
        if self._by_partition is None:
            partition = self.partitions.of_rows(self.rows)
            counts = np.bincount(partition, minlength=len(self.partitions.lengths))
            self._by_partition = np.argsort(partition, kind="stable")
            self._bounds = np.concatenate([[0], np.cumsum(counts)])
        groups = [self._by_partition[self._bounds[p]:self._bounds[p + 1]]
                  for p in random_state.permutation(len(self._bounds) - 1)]
        return np.concatenate([group[random_state.permutation(len(group))] for group in groups])

    def _compact_rows(self, rows):
        """Numeric values and category positions of ``rows`` (row numbers of the whole table), in order."""
        parts, layout = self.partitions, self.layout
        partition = parts.of_rows(rows)
        if len(rows) and partition[0] == partition[-1] and (partition == partition[0]).all():
            # A batch within one partition, as most are: no grouping.
            table = parts[partition[0]]
            local = rows - parts.offsets[partition[0]]
            return table.values.take(local, axis=0), table.codes.take(local, axis=0)
        values = np.empty((len(rows), len(layout.value_out)), dtype=np.float64)
        codes = None  # of the partitions' code dtype, known once one is read
        by_partition = np.argsort(partition, kind="stable")
        starts = np.flatnonzero(np.diff(partition[by_partition], prepend=-1))
        groups = np.split(by_partition, starts[1:])
        # The partitions in the order their rows come: a batch at a seam reads the cached one first.
        for mine in sorted(groups, key=lambda group: group[0]) if len(rows) else ():
            p = partition[mine[0]]
            table = parts[p]
            if codes is None:
                codes = np.empty((len(rows), table.codes.shape[1]), dtype=table.codes.dtype)
            local = rows[mine] - parts.offsets[p]
            values[mine] = table.values.take(local, axis=0)
            codes[mine] = table.codes.take(local, axis=0)
        if codes is None:  # no rows: no partition read
            codes = np.empty((0, len(layout.category_start)), dtype=layout.code_dtype)
        return values, codes
