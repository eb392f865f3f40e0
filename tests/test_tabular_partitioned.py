"""PartitionedTable: an encoded table read a partition at a time gives the rows a CompactTable gives.

No Dask here: a partition is read by a function over an in-memory CompactTable.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdeep.tabular.compact import CompactTable
from skdeep.tabular.partitioned import CACHED_PARTITIONS, PartitionedTable
from skdeep.tabular.preprocessing import TabularPreprocessor

LENGTHS = [30, 0, 45, 25]  # an empty partition too


def _tables():
    rng = np.random.default_rng(0)
    n = sum(LENGTHS)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = rng.choice(["a", "b", "c"], size=n)
    X[:, 2] = rng.integers(0, 5, size=n).astype(float)
    whole = TabularPreprocessor(numeric_bins=4, dtype="float32")._fit_compact(X)
    offsets = np.concatenate([[0], np.cumsum(LENGTHS)])
    read_log = []

    def read(p):
        read_log.append(p)
        rows = slice(offsets[p], offsets[p + 1])
        return CompactTable(whole.values[rows], whole.codes[rows], whole.layout)

    return whole, PartitionedTable(LENGTHS, read, whole.layout), read_log


def test_rows_taken_sliced_and_subset_are_those_of_the_compact_table():
    whole, table, _ = _tables()
    assert table.shape == whole.shape and table.dtype == whole.dtype and len(table) == len(whole)
    rows = np.array([99, 0, 31, 30, 74, 75, 5])  # across partitions, out of order
    assert_array_equal(table.take(rows, axis=0), whole.take(rows, axis=0))
    assert_array_equal(table[10:60], whole[10:60])
    view = table.subset(rows)
    assert view.shape == (len(rows), whole.shape[1])
    assert_array_equal(view.take(np.array([2, 0])), whole.take(rows[[2, 0]]))
    held = table.subset(np.arange(20, 90)).held_subset(np.array([5, 1, 60]))
    assert isinstance(held, CompactTable)
    assert_array_equal(held.toarray(), whole.take(np.array([25, 21, 80])))
    assert table.astype("float32") is table
    with pytest.raises(ValueError, match="float32"):
        table.astype("float64")
    with pytest.raises(TypeError, match="take"):
        table[[1, 2]]


def test_only_the_last_partitions_are_kept_and_a_partition_is_read_once_while_its_rows_are_taken():
    _, table, read_log = _tables()
    for start in range(0, 30, 5):  # batches within partition 0
        table.take(np.arange(start, start + 5))
    assert read_log == [0]
    table.take(np.array([29, 30]))  # a seam: partition 0 (cached) and partition 2
    table.take(np.array([0]))  # partition 0 is one of the last two used
    assert read_log == [0, 2] and CACHED_PARTITIONS == 2
    table.take(np.array([80]))  # partition 3 takes the place of 2, the least recently used
    table.take(np.array([1]))
    assert read_log == [0, 2, 3]
    table.take(np.array([31]))
    assert read_log == [0, 2, 3, 2]


def test_an_epoch_order_goes_partition_after_partition_with_rows_shuffled_within():
    _, table, _ = _tables()
    view = table.subset(np.random.default_rng(1).permutation(len(table))[:80])
    random_state = np.random.RandomState(0)
    orders = [view.epoch_order(random_state) for _ in range(10)]
    partition_of = table.partitions.of_rows
    for order in orders:
        assert np.sort(order).tolist() == list(range(len(view)))  # every row once
        partitions = partition_of(view.rows[order])
        changes = np.flatnonzero(np.diff(partitions)) + 1
        assert len(changes) == len(set(partitions)) - 1  # each partition in one run
    assert not all(np.array_equal(orders[0], order) for order in orders[1:])  # drawn anew each epoch
    runs = [tuple(dict.fromkeys(partition_of(view.rows[order]))) for order in orders]
    assert len(set(runs)) > 1  # the partitions' order is drawn too


def test_a_partition_that_changed_length_since_the_fit_began_is_refused():
    whole, _, _ = _tables()
    nine_rows = CompactTable(whole.values[:9], whole.codes[:9], whole.layout)
    table = PartitionedTable([10, 10], lambda p: nine_rows, whole.layout)
    with pytest.raises(ValueError, match="Partition 0 has 9 rows now but had 10"):
        table.take(np.array([0]))


def test_telling_a_dask_frame_never_imports_dask():
    pytest.importorskip("pandas")
    # A subprocess: this test session may have imported Dask already.
    code = ("import sys, numpy as np, pandas as pd; from skdeep import TabularNetRegressor; "
            "X = pd.DataFrame({'a': np.arange(40.0), 'b': ['u', 'v'] * 20}); "
            "TabularNetRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, X['a']).predict(X); "
            "print(sorted(name for name in sys.modules if name.split('.')[0] == 'dask'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.stdout.strip() == "[]"
