"""How many BLAS threads a fit's matrix products use: the faster of one and BLAS's own choice.

A mini-batch's products are small (256 rows by a few hundred columns). On an
idle machine two OpenBLAS threads share them a little faster than one; on a
busy one the threads spin waiting for each other and the same fit runs 10 to
60 times slower (measured: a 6,433-row table, 1-2 s idle, 20-60 s with the two
cores busy), while one thread just runs at its pace. So a fit times a few
products of its batch's shape both ways before training and keeps the faster
setting for the whole call: a few milliseconds, and the collapse cannot happen.
"""

import functools
import time
from contextlib import contextmanager, nullcontext

import numpy as np
from threadpoolctl import ThreadpoolController

# Products timed per setting; the fastest of them counts (a product is under a millisecond).
PROBE_REPEATS = 5
# Multiply-adds below which a product runs on one thread without timing: too small to share.
SMALL_PRODUCT = 2**20


@functools.cache
def _controller():
    # Finding the loaded BLAS libraries takes milliseconds: once per process.
    return ThreadpoolController()


def _one_thread():
    return _controller().limit(limits=1, user_api="blas")


def _fastest(product, repeats):
    best = np.inf
    for _ in range(repeats):
        started = time.perf_counter()
        product()
        best = min(best, time.perf_counter() - started)
    return best


def single_thread_is_faster(batch_rows, n_in, n_out, dtype, repeats=PROBE_REPEATS):
    """Whether one BLAS thread multiplies a ``(batch_rows, n_in) @ (n_in, n_out)`` product faster.

    Each setting is timed ``repeats`` times, the two interleaved, and its
    fastest time counts.
    """
    rng = np.random.default_rng(0)
    A = rng.standard_normal((batch_rows, n_in)).astype(dtype)
    B = rng.standard_normal((n_in, n_out)).astype(dtype)
    out = np.empty((batch_rows, n_out), dtype=dtype)
    product = lambda: np.matmul(A, B, out=out)  # noqa: E731
    product()  # warm up: the first call may start the thread pool
    single, default = np.inf, np.inf
    for _ in range(repeats):
        with _one_thread():
            single = min(single, _fastest(product, 1))
        default = min(default, _fastest(product, 1))
    return single < default


@contextmanager
def fastest_blas_threads(batch_rows, n_in, n_out, dtype):
    """Run the block with one BLAS thread if that multiplies the batch's products faster.

    Yields the number of threads chosen: 1, or None for BLAS's own setting.
    Products below ``SMALL_PRODUCT`` multiply-adds run on one thread untimed.
    """
    single = (batch_rows * n_in * n_out < SMALL_PRODUCT
              or single_thread_is_faster(batch_rows, n_in, n_out, dtype))
    with _one_thread() if single else nullcontext():
        yield 1 if single else None
