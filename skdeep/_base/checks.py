"""Checks of hyperparameters and weights that both estimator families make."""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import _check_sample_weight


def checked_hidden_layer_sizes(value, at_least=0):
    """``hidden_layer_sizes`` as a list of ints (one int is one layer); ValueError if invalid."""
    sizes = list(value) if np.iterable(value) else [value]
    if len(sizes) < at_least or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n > 0 for n in sizes
    ):
        count = "one or more " if at_least else ""
        raise ValueError(f"hidden_layer_sizes must be {count}positive integers, got {value!r}.")
    return [int(n) for n in sizes]


def validated_sample_weight(sample_weight, X, dtype):
    """``sample_weight`` checked (non-negative, finite, not all zero) as a new array, or None."""
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(sample_weight, X, dtype=dtype, ensure_non_negative=True, copy=True)
    if not np.isfinite(sample_weight).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if sample_weight.sum() <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample must weigh > 0.")
    return sample_weight


def check_effective_weights(sample_weight, before_cast=None):
    """The product of sample_weight and class_weight, as training will use it.

    ``before_cast`` is the same weights in float64, before their cast to the
    training dtype: positive weights that the cast made 0 are told apart from
    weights that are 0.
    """
    # Summed in the training dtype, as each batch's weights will be.
    total = float(np.sum(sample_weight))
    if not np.isfinite(sample_weight).all() or not np.isfinite(total):
        raise ValueError(
            "The sample weights (sample_weight times class_weight) are too large: they or "
            "their sum overflow the training dtype. Scale them down; only their ratios matter."
        )
    if total <= 0 and before_cast is not None and np.max(before_cast) > 0:
        raise ValueError(
            f"The sample weights (sample_weight times class_weight) are too small for "
            f"{sample_weight.dtype}: the largest, {np.max(before_cast):.3g}, became 0 in the training "
            "dtype. Scale them up; only their ratios matter."
        )
    if total <= 0:
        raise ValueError(
            "The sample weights (sample_weight times class_weight) sum to zero: at least one "
            "sample must weigh more than 0."
        )


def cannot_continue(problem, incremental):
    """The ValueError of a fit that cannot continue the fitted model, in one wording.

    ``problem`` says what differs (naming the parameter); ``incremental`` is
    True for ``partial_fit``, False for a warm-started ``fit``.
    """
    how, remedy = ("partial_fit", "Call fit with warm_start=False") if incremental else (
        "warm_start=True", "Set warm_start=False")
    return ValueError(f"Cannot continue training ({how}): {problem}. {remedy} to start anew.")
