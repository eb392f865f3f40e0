"""How many BLAS threads a fit's matrix products use: one for a mini-batch's small products.

A mini-batch's products are small (256 rows by a few hundred columns). On an
idle machine two OpenBLAS threads share them about 15% faster than one; on a
busy one the threads spin waiting for each other and the same fit runs 5 to
60 times slower (measured: a 256-row first layer took 4.1 ms a batch on two
threads against 0.9 ms on one with another process on a core; a 6,433-row
table's fit 1-2 s idle, 20-60 s busy), while one thread just runs at its pace.

The choice depends on the products' size only, never on the machine's load:
some BLAS builds round a product split over two threads differently from one
(OpenBLAS under NumPy 1.24 does), so a choice that followed the load would
give the same ``random_state`` different weights from one run to the next.
Products of ``LARGE_PRODUCT`` multiply-adds or more (a batch of 1,024 rows and
a wide first layer) keep BLAS's own setting, where threads pay for their
synchronization.
"""

import functools
from contextlib import nullcontext

from threadpoolctl import ThreadpoolController

# Multiply-adds of a batch's first-layer product from which BLAS keeps its own threads.
LARGE_PRODUCT = 2**28


@functools.cache
def _controller():
    # Finding the loaded BLAS libraries takes milliseconds: once per process.
    return ThreadpoolController()


def blas_threads(batch_rows, n_in, n_out):
    """One BLAS thread for a ``(batch_rows, n_in) @ (n_in, n_out)`` product below ``LARGE_PRODUCT``.

    Returns
    -------
    context manager
        Limits BLAS to one thread for the block, or changes nothing for a
        large product.
    """
    if batch_rows * n_in * n_out < LARGE_PRODUCT:
        return _controller().limit(limits=1, user_api="blas")
    return nullcontext()
