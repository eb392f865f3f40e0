"""The training data of one call: validation split, batch size and mini-batches.

The validation split is either one split all members share
(:func:`split_validation`) or, for an ensemble, each member's own part
(:func:`split_member_validation`): every row trains, and member ``j``'s loss
ignores the rows of its part (:func:`member_weights`).
"""

import math

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
    _check_validation_size(validation_rows.shape[0])
    # The validation rows are read at every epoch: held in memory (see select_rows).
    return tuple(tuple(None if a is None else select_rows(a, rows, held) for a in (X, Y, sample_weight))
                 for rows, held in ((train_rows, False), (validation_rows, True)))


def member_validation_parts(n_samples, n_members, fraction, strata, random_state):
    """Each member's validation part, as a boolean ``(n_samples, n_members)`` array.

    Member ``j`` holds out ``ceil(fraction * n_samples)`` rows: the ``j``-th
    consecutive chunk of one random order of the rows, wrapping around to its
    start when the parts need more rows than there are. The parts are thus
    disjoint as far as the rows allow, and cover every row once
    ``n_members * fraction >= 1``. With ``strata`` (labels, or None) the order
    is stratified: each stretch of it holds the classes in proportion, so each
    part does.

    Raises ValueError when a part would have fewer than ``MIN_VALIDATION_ROWS``
    rows or leave a member no row to train on.
    """
    n_part = math.ceil(fraction * n_samples)
    _check_validation_size(n_part)
    if n_part >= n_samples:
        raise ValueError(
            f"The validation set would take all {n_samples} samples: lower 'validation_fraction'.")
    order = (random_state.permutation(n_samples) if strata is None
             else _stratified_order(np.asarray(strata), random_state))
    positions = (np.arange(n_members)[:, None] * n_part + np.arange(n_part)) % n_samples
    held_out = np.zeros((n_samples, n_members), dtype=bool)
    held_out[order[positions], np.arange(n_members)[:, None]] = True
    return held_out


def _stratified_order(strata, random_state):
    """A random order of the rows in which every stretch holds the classes in proportion.

    Each row's key is its random rank within its class plus a uniform jitter,
    over the class's size: a class of ``n_c`` rows has one row in each
    ``1 / n_c`` of the keys, so the first ``p`` rows by key hold about
    ``p * n_c / n`` of it (within a row or two), and the jitter mixes the
    classes within a stretch.
    """
    # Rows of 2-D labels (multioutput) are classes too.
    axis = 0 if strata.ndim > 1 else None
    _, classes, counts = np.unique(strata, axis=axis, return_inverse=True, return_counts=True)
    classes = classes.reshape(-1)
    n_samples = classes.shape[0]
    shuffled = random_state.permutation(n_samples)
    grouped = shuffled[np.argsort(classes[shuffled], kind="stable")]  # by class, random within
    rank = np.empty(n_samples)
    rank[grouped] = np.arange(n_samples) - np.repeat(np.cumsum(counts) - counts, counts)
    keys = (rank + random_state.random_sample(n_samples)) / counts[classes]
    return np.argsort(keys, kind="stable")


def split_member_validation(X, Y, sample_weight, fraction, strata, n_members, random_state):
    """Each member's validation part (:func:`member_validation_parts`); every row still trains.

    Returns ``(trains, validation)``: ``trains``, a boolean ``(n_samples,
    n_members)`` array, says which rows each member trains on (all but its
    part); ``validation`` is ``(X, Y, sample_weight, held_out)`` of the
    validation rows, the union of the parts (``sample_weight`` None when it is
    None), ``held_out`` their rows of the parts' array: which members hold
    each one out.
    """
    held_out = member_validation_parts(X.shape[0], n_members, fraction, strata, random_state)
    validation_rows = np.flatnonzero(held_out.any(axis=1))
    # The validation rows are read at every epoch: held in memory (see select_rows).
    validation = tuple(None if a is None else select_rows(a, validation_rows, held=True)
                       for a in (X, Y, sample_weight))
    validation_held_out = held_out[validation_rows]
    np.logical_not(held_out, out=held_out)  # in place: the mask of 10M rows is not held twice
    return held_out, (*validation, validation_held_out)


def _check_validation_size(n_validation):
    if n_validation < MIN_VALIDATION_ROWS:
        raise ValueError(
            f"The validation set is too small ({n_validation} sample): increase "
            "'validation_fraction' or the number of samples."
        )


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


def member_weights(sample_weight, trains, rows, dtype):
    """Per-sample weights of a batch for each member, shape ``(m, n_members)``, and their raw sum.

    Member ``j``'s column is the sample weight (or 1) of the rows it trains
    on (``trains[rows, j]``), 0 on the others, normalized to sum to one; all
    zeros for a member none of whose rows in the batch weighs anything. The
    raw sum is the members' mean of their columns' sums before normalizing.
    ``(None, 0.0)`` when no member has a weighted row in the batch.
    """
    mask = trains[rows]
    weights = mask.astype(dtype) if sample_weight is None else sample_weight[rows][:, None] * mask
    totals = weights.sum(axis=0, dtype=np.float64)
    if not (totals > 0).any():
        return None, 0.0
    weights = weights / np.where(totals > 0, totals, 1.0).astype(weights.dtype)
    return weights.astype(dtype, copy=False), float(totals.mean())


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
