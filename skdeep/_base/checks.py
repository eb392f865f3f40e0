"""Checks of hyperparameters and weights that both estimator families make."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
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


def check_effective_weights(sample_weight):
    """The product of sample_weight and class_weight, as training will use it."""
    # Summed in the training dtype, as each batch's weights will be.
    total = float(np.sum(sample_weight))
    if not np.isfinite(sample_weight).all() or not np.isfinite(total):
        raise ValueError(
            "The sample weights (sample_weight times class_weight) are too large: they or "
            "their sum overflow the training dtype. Scale them down; only their ratios matter."
        )
    if total <= 0:
        raise ValueError(
            "The sample weights (sample_weight times class_weight) sum to zero: at least one "
            "sample must weigh more than 0."
        )


def check_class_weight_dict(class_weight, classes):
    """Refuse a class_weight naming unknown classes or with weights that are not finite and >= 0."""
    known = set(classes.tolist())
    unknown = [key for key in class_weight if key not in known]
    if unknown:
        raise ValueError(f"class_weight names classes not in y: {unknown}.")
    for label, weight in class_weight.items():
        if not isinstance(weight, Real) or isinstance(weight, bool) or not np.isfinite(weight) or weight < 0:
            raise ValueError(
                f"class_weight must map classes to finite non-negative numbers; class {label!r} "
                f"has weight {weight!r}."
            )


def class_sample_weight(class_weight, y_type, classes, class_indices, incremental=False):
    """Per-sample weights ``class_weight[y_i]`` for the samples of classes ``classes[class_indices]``."""
    if y_type == "multilabel-indicator":
        raise ValueError("class_weight is not supported for multilabel targets.")
    if class_weight == "balanced" and incremental:
        raise ValueError(
            "class_weight='balanced' is not supported for partial_fit: one batch "
            "cannot tell the class frequencies. Pass a dict of weights instead."
        )
    labels = classes[class_indices]
    if isinstance(class_weight, dict):
        check_class_weight_dict(class_weight, classes)
    present = np.unique(labels)  # a partial_fit batch may lack some classes
    weights = compute_class_weight(class_weight, classes=present, y=labels)
    return weights[np.searchsorted(present, labels)]
