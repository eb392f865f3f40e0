"""The first layer over piecewise-linear bins: dense products of wide rows, or gathers of weights?

Usage::

    python benchmarks/first_layer.py

TabularNet's first layer multiplies each batch's wide rows (a numeric column's
value and its 16 bins, one-hot categories) by the weights. The bins of a
value ``x`` in bin ``t`` at position ``p`` are 1 for the bins below, ``p`` for
bin ``t`` and 0 above, so the same product can be computed per column from two
rows of weights, the cumulative sum ``C[t]`` of the bins below and ``W[t]``:
``C[t] + p W[t]``, without making the wide rows; the weights' gradient is then
a scatter of the batch's gradient into the bins (two sparse products). This
script times both for a batch of 256 rows, 20 numeric columns of 16 bins and
384 first-layer units (two members of 192), forward product and weight
gradient, on one BLAS thread and on two. skdeep keeps the dense products
(docs/tabular.rst, "Large tables"): they run near the machine's peak, and the
gathers and scatters do not.
"""

import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

ROWS, COLUMNS, BINS, UNITS, REPEATS = 256, 20, 16, 384, 50


def main():
    rng = np.random.default_rng(0)
    width = COLUMNS * (BINS + 1) + 30  # values and bins, and 30 one-hot columns
    X = rng.random((ROWS, width), dtype=np.float32)
    W = rng.random((width, UNITS), dtype=np.float32)
    cumulative = rng.random((COLUMNS * BINS, UNITS), dtype=np.float32)
    bin_weights = rng.random((COLUMNS * BINS, UNITS), dtype=np.float32)
    bins = (np.arange(COLUMNS) * BINS + rng.integers(0, BINS, (ROWS, COLUMNS))).astype(np.intp)
    position = rng.random((ROWS, COLUMNS), dtype=np.float32)
    dZ = rng.random((ROWS, UNITS), dtype=np.float32)
    rows = np.repeat(np.arange(ROWS), COLUMNS)

    def dense():
        X @ W
        X.T @ dZ

    def gathered():
        cumulative.take(bins, axis=0).sum(axis=1) + np.einsum(
            "mc,mch->mh", position, bin_weights.take(bins, axis=0))
        shape = (COLUMNS * BINS, ROWS)
        below = sp.csr_matrix((np.ones(ROWS * COLUMNS, np.float32), (bins.ravel(), rows)), shape=shape)
        within = sp.csr_matrix((position.ravel(), (bins.ravel(), rows)), shape=shape)
        below @ dZ
        within @ dZ

    for name, product in (("dense products of wide rows", dense), ("gathers and scatters", gathered)):
        for threads in (1, 2):
            with threadpool_limits(threads, user_api="blas"):
                product()
                started = time.perf_counter()
                for _ in range(REPEATS):
                    product()
                milliseconds = (time.perf_counter() - started) / REPEATS * 1e3
            print(f"{name}, {threads} BLAS thread(s): {milliseconds:.2f} ms per batch")


if __name__ == "__main__":
    main()
