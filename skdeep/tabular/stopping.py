"""How a TabularNet fit ended, in TabularNet's own terms.

Two sentences: why training stopped, and which epoch's weights the model
kept. ``verbose`` prints them at the end of a fit, from what the trainer
reports; ``summary()`` prints them from the fitted state alone (which is what
``skdeep.save`` keeps), where an early stop by the time budget, a callback or
Ctrl-C cannot be told apart.

Reasons: ``'max_iter'``, ``'plateau'`` (patience ran out), ``'diverged'``,
``'max_time'``, ``'callback'``, ``'interrupt'`` (Ctrl-C), and, from the
fitted state, ``'early'`` for any of the last three.
"""

import math

from ..train.trainer import beats_on_score_then_loss
from .budget import planned_epochs


def kept_epoch(records):
    """The epoch (from 1) whose weights a fit with a validation split kept, or None.

    The trainer's rule (``TrainConfig.tie_break_on_loss``) replayed on the
    fit's records: the best validation score wins; among epochs tied on it,
    the lowest validation loss; the first of any still tied. None without
    validation scores, or when no epoch scored a finite value.
    """
    best, best_score, best_loss = None, -math.inf, math.inf
    for epoch, record in enumerate(records, start=1):
        score, loss = record["validation_score"], record["validation_loss"]
        if score is None:
            return None
        if beats_on_score_then_loss(score, loss, best_score, best_loss):
            best, best_score, best_loss = epoch, score, loss
    return best


def stop_reason(stopped_by):
    """The reason for the trainer's ``stopped_by``: the same word, or 'max_iter' for None."""
    return "max_iter" if stopped_by is None else stopped_by


def fitted_stop_reason(estimator):
    """The reason the last fit stopped, as far as the fitted state tells."""
    records = estimator._last_fit_records()
    if records and math.isnan(records[-1]["loss"]):  # a diverged epoch is recorded with a NaN loss
        return "diverged"
    if _validated(estimator) and estimator._train_state.no_improvement_count > estimator.n_iter_no_change:
        return "plateau"
    if estimator.n_iter_ >= _planned(estimator)[0]:
        return "max_iter"
    return "early"


def _planned(estimator):
    """``(epochs, training rows)`` the last fit planned: ``max_iter``, or fewer on a large table.

    The training rows are the state's rows per epoch (exact unless warm-started
    fits trained on tables of different sizes).
    """
    history = estimator.history_
    n_train = round(estimator.t_ / len(history)) if history else 0
    return (planned_epochs(estimator.max_iter, n_train) if n_train else estimator.max_iter), n_train


def fit_report(estimator, reason):
    """Why the last fit of ``estimator`` stopped and which weights it kept, as two sentences."""
    return f"{_why_stopped(estimator, reason)} {_kept_weights(estimator, reason)}"


def _validated(estimator):
    """Whether the last fit held out a validation split (it then starts the best score at -inf)."""
    return estimator._train_state.best_validation_score_ is not None


def _seconds(value):
    return f"{value:g} s"


def _why_stopped(estimator, reason):
    n_iter = estimator.n_iter_
    of_this_fit = " of this fit" if len(estimator.history_) > n_iter else ""  # a warm start
    if reason == "max_iter":
        planned, n_train = _planned(estimator)
        if planned < estimator.max_iter:
            return (f"Training ran all {planned} epochs{of_this_fit} planned for {n_train:,} training rows "
                    f"(a large table runs fewer than max_iter={estimator.max_iter}).")
        return f"Training ran all max_iter={estimator.max_iter} epochs{of_this_fit}."
    if reason == "plateau":
        why = (f"the validation score did not improve for more than "
               f"n_iter_no_change={estimator.n_iter_no_change} epochs")
    elif reason == "diverged":
        why = "the loss became non-finite (training diverged)"
    elif reason == "max_time":
        why = f"the time budget max_time={_seconds(estimator.max_time)} was used up"
    elif reason == "callback":
        why = "a callback stopped it"
    elif reason == "interrupt":
        why = "interrupted by the user (Ctrl-C)"
    else:  # "early": what stopped it is not recorded
        budget = "" if estimator.max_time is None else f"the time budget max_time={_seconds(estimator.max_time)}, "
        why = f"{budget}a callback or Ctrl-C ended it before max_iter={estimator.max_iter}"
    if n_iter == 0:
        return f"Training stopped before its first epoch ended: {why}."
    return f"Training stopped after epoch {n_iter}{of_this_fit}: {why}."


def _kept_weights(estimator, reason):
    if not _validated(estimator):
        split = ("validation_fraction=None" if estimator.validation_fraction is None
                 else f"too few rows for validation_fraction={estimator.validation_fraction}")
        # Ctrl-C stops in the middle of an epoch.
        weights = ("the weights it had when it stopped" if reason in ("interrupt", "early")
                   else "the last epoch's weights")
        return f"Kept {weights} (no validation split: {split})."
    best = estimator.best_epoch_
    if best is None:
        return "Kept the weights training started from: no epoch ended with a finite validation score."
    of_this_fit = " of this fit" if len(estimator.history_) > estimator.n_iter_ else ""
    score = estimator._last_fit_records()[best - 1]["validation_score"]
    return f"Kept the weights of epoch {best}{of_this_fit} (best validation score {score:.4f})."
