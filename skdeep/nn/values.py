"""Predicates on plain values, shared by everything that checks one.

The network spec, the training state and the model-file reader all check
values that may come from a stranger's JSON: a bool is an int to Python, and
NaN compares false to everything, so these predicates say exactly what counts.
"""

import math
from numbers import Integral, Real


def is_count(value):
    """A non-negative integer, not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 0


def is_number(value, allow_inf=False, allow_nan=False):
    """A real number, not a bool; finite unless ``allow_inf`` / ``allow_nan`` say otherwise."""
    if not isinstance(value, Real) or isinstance(value, bool):
        return False
    if math.isnan(value):
        return allow_nan
    return allow_inf or math.isfinite(value)


def is_rate(value):
    """A real number in [0, 1), not a bool (a dropout rate, a momentum)."""
    return is_number(value) and 0 <= value < 1
