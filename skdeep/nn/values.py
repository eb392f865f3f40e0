"""Predicates on plain values, shared by everything that checks one.

The network specs, the training state and the model-file reader all check
values that may come from a stranger's JSON: a bool is an int to Python, and
NaN compares false to everything, so these predicates say exactly what counts.
"""

import math
from dataclasses import asdict
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


def is_positive_int(value):
    """An integer above zero, not a bool (a layer size, a number of members)."""
    return is_count(value) and value > 0


# --------------------------------------------------------------- spec fields
# The checks both network specs (NetworkSpec, EnsembleSpec) make of their
# fields, with one wording: each returns the normalized value or raises
# ValueError naming the field.


def require(condition, problem):
    """Raise ``ValueError(problem + ".")`` unless ``condition`` holds."""
    if not condition:
        raise ValueError(problem + ".")


def checked_layer_sizes(sizes, at_least):
    """``sizes`` as a tuple of ints: at least ``at_least`` positive integers."""
    words = {2: "two", 3: "three"}.get(at_least, str(at_least))
    require(isinstance(sizes, (tuple, list)) and len(sizes) >= at_least
            and all(is_positive_int(n) for n in sizes),
            f"layer_sizes must be at least {words} positive integers, got {sizes!r}")
    return tuple(int(n) for n in sizes)


def checked_positive_int(name, value):
    """``value`` as an int, if it is an integer above zero."""
    require(is_positive_int(value), f"{name} must be a positive integer, got {value!r}")
    return int(value)


def checked_choice(name, value, choices):
    """``value`` if it is one of ``choices`` (a registry's keys)."""
    require(isinstance(value, str) and value in choices, f"unknown {name} {value!r}")
    return value


def checked_dtype(value):
    """``"float32"`` or ``"float64"``: the dtypes a network computes in."""
    require(value in ("float32", "float64"), f"dtype must be 'float32' or 'float64', got {value!r}")
    return value


def checked_rate(name, value):
    """``value`` as a float, if it is a number in [0, 1)."""
    require(is_rate(value), f"{name} must be a float in [0, 1), got {value!r}")
    return float(value)


def checked_keys(values, names, what):
    """``values`` if it is a mapping with exactly the keys ``names`` (a spec's ``from_dict``)."""
    if not isinstance(values, dict):
        raise ValueError(f"{what} must be a mapping, got {type(values).__name__}.")
    require(set(values) == set(names), f"{what} needs exactly the keys {sorted(names)}")
    return values


def plain_fields(spec):
    """A spec's fields as plain JSON-able values (tuples as lists): its ``to_dict``."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(spec).items()}
