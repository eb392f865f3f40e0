"""The training data of one call: validation split, batch size and mini-batches."""

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split

from .._warn import warn as warn_at_caller  # this module has a parameter named warn


def resolve_batch_size(batch_size, n_samples, warn=True):
    """``"auto"`` is ``min(200, n_samples)``; larger sizes are clipped, with a warning if ``warn``."""
    if batch_size == "auto":
        return min(200, n_samples)
    if warn and batch_size > n_samples:
        warn_at_caller(
            f"Got batch_size={batch_size} larger than the {n_samples} training "
            "samples; it is clipped to the number of samples."
        )
    return int(np.clip(batch_size, 1, n_samples))


# The fewest rows a validation split may have.
MIN_VALIDATION_ROWS = 2


def split_validation(X, Y, sample_weight, fraction, strata, random_state):
    """Hold out ``fraction`` of the samples, stratified on ``strata`` unless None.

    Returns ``(X, Y, sample_weight)`` for training and the same for validation
    (``sample_weight`` None in both when it is None).
    """
    # The split of the row indices is the split of the arrays (train_test_split draws the same),
    # and lets X be anything rows can be selected from: a compact table stays compact.
    train_rows, validation_rows = train_test_split(
        np.arange(X.shape[0]), test_size=fraction, random_state=random_state, stratify=strata)
    if validation_rows.shape[0] < MIN_VALIDATION_ROWS:
        raise ValueError(
            f"The validation set is too small ({validation_rows.shape[0]} sample): increase "
            "'validation_fraction' or the number of samples."
        )
    # The validation rows are read at every epoch: held in memory (see select_rows).
    return tuple(tuple(None if a is None else select_rows(a, rows, held) for a in (X, Y, sample_weight))
                 for rows, held in ((train_rows, False), (validation_rows, True)))


def select_rows(X, rows, held=False):
    """The rows ``rows`` (an index array) of ``X``, in the same form: a compact table's ``subset``.

    With ``held`` (rows read again and again), a table read from storage a
    part at a time returns them read into memory (its ``held_subset``).
    """
    if held and hasattr(X, "held_subset"):
        return X.held_subset(rows)
    subset = getattr(X, "subset", None)
    if subset is not None:
        return subset(rows)
    return X[rows] if sp.issparse(X) else X.take(rows, axis=0)


def normalized_weights(sample_weight, rows, dtype):
    """Per-sample weights of a batch, summing to one, and their raw sum.

    ``(None, 0.0)`` when every sample of the batch weighs zero.
    """
    if sample_weight is None:
        m = len(rows) if not isinstance(rows, slice) else rows.stop - rows.start
        return np.full(m, 1.0 / m, dtype=dtype), float(m)
    weights = sample_weight[rows]
    total = float(weights.sum())
    if total <= 0:
        return None, 0.0
    return (weights / total).astype(dtype, copy=False), total


def batches(n_samples, batch_size, order, no_single_row=False):
    """Row selections of each mini-batch: slices, or index arrays from ``order``.

    With ``no_single_row`` a last batch of one row joins the batch before it:
    batch normalization cannot normalize one row (its variance is 0), and such
    a batch would drag the running variance towards 0.
    """
    starts = list(range(0, n_samples, batch_size))
    if no_single_row and len(starts) > 1 and n_samples - starts[-1] == 1:
        starts.pop()
    for start, stop in zip(starts, starts[1:] + [n_samples], strict=True):
        rows = slice(start, stop)
        yield rows if order is None else order[rows]


def take_rows(X, rows):
    """``X[rows]`` for dense or sparse X, without a copy for slices of dense X."""
    if isinstance(rows, slice) or sp.issparse(X):
        return X[rows]
    return X.take(rows, axis=0)
