"""The peak of what NumPy and Python allocate during a call, as tracemalloc sees it."""

import tracemalloc


def traced_peak(function):
    """Bytes allocated at the peak of ``function()`` (tracemalloc's peak), and its result."""
    tracemalloc.start()
    try:
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result
