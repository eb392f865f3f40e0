"""In-place ``y += a * x`` without a temporary the size of ``x``.

NumPy's ``y += a * x`` first allocates ``a * x``; for the flat parameter vector
that is a parameter-sized allocation on every batch. Working in chunks bounds
the temporary to ``CHUNK`` elements. (BLAS axpy would need no temporary at
all, but OpenBLAS threads its level-1 routines in a way that made each call
take milliseconds on small vectors here.)
"""

CHUNK = 1 << 15


def add_scaled(x, y, a):
    """``y += a * x`` in place, for 1-D arrays of the same length."""
    for start in range(0, len(x), CHUNK):
        y[start : start + CHUNK] += a * x[start : start + CHUNK]
