"""Callbacks: code that watches a fit and may stop it.

A callback is either a plain callable ``callback(estimator, record) -> bool``
(called after every epoch; True stops training) or an object with any of
these lifecycle methods:

``on_fit_begin(estimator, info)``
    At the start of each ``fit`` or ``partial_fit`` call, before the first
    epoch: reset per-fit state here. ``info`` has ``max_epochs`` (epochs
    planned for the call), ``solver``, ``incremental`` (True for
    ``partial_fit``) and the call's validated ``X`` and ``y``.
``on_epoch_end(estimator, record) -> bool``
    After every epoch (every iteration under L-BFGS), with the epoch's
    record; returning True stops training after that epoch.
``on_fit_end(estimator, info)``
    When the call ends, also when it is stopped early or interrupted; ``info``
    then also has ``n_epochs`` (epochs run) and ``stopped_by`` (None when the
    planned epochs all ran, else ``"callback"``, ``"plateau"``,
    ``"max_time"`` (the tabular estimators' time budget), ``"diverged"``
    (with a validation split), ``"interrupt"`` or ``"error"``).

Every solver gives records of one schema, :data:`RECORD_KEYS`: ``epoch``
(1-based over the model's life), ``loss``, ``validation_loss``,
``validation_score``, ``learning_rate`` and ``seconds``; a value that does not
apply (no validation set, no learning rate under L-BFGS) is None, never absent.
During the fit the estimator predicts with the current weights.
"""

from collections.abc import Sequence

from .state import RECORD_KEYS

__all__ = ["Callback", "StopOnPlateau", "RECORD_KEYS", "validate_callbacks"]

_HOOKS = ("on_fit_begin", "on_epoch_end", "on_fit_end")


class Callback:
    """Optional base class: every lifecycle method, doing nothing."""

    def on_fit_begin(self, estimator, info):
        """Called before the first epoch of each fit or partial_fit call."""

    def on_epoch_end(self, estimator, record):
        """Called after each epoch; return True to stop training."""
        return False

    def on_fit_end(self, estimator, info):
        """Called when each fit or partial_fit call ends."""


class StopOnPlateau(Callback):
    """Stop when a record value has not improved by ``tol`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="loss"
        A key of the records: ``"loss"``, ``"validation_loss"`` or
        ``"validation_score"`` (the latter two need ``early_stopping=True``).
    patience : int, default=10
        Epochs without improvement tolerated before stopping.
    tol : float, default=1e-4
        The improvement that counts.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better; "auto" maximizes scores and
        minimizes losses.

    Examples
    --------
    With the 'cosine' schedule a fit runs all its epochs by default; this
    stops it on a training-loss plateau all the same:

    >>> from skdeep import DeepNetClassifier
    >>> from skdeep.callbacks import StopOnPlateau
    >>> clf = DeepNetClassifier(learning_rate="cosine", callbacks=[StopOnPlateau(patience=5)])
    """

    def __init__(self, monitor="loss", patience=10, tol=1e-4, mode="auto"):
        if monitor not in RECORD_KEYS[1:]:
            raise ValueError(f"monitor must be one of {list(RECORD_KEYS[1:])}, got {monitor!r}.")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}.")
        self.monitor, self.patience, self.tol, self.mode = monitor, patience, tol, mode

    def on_fit_begin(self, estimator, info):
        with_validation = info.get("validation", getattr(estimator, "early_stopping", True))
        if self.monitor.startswith("validation") and not with_validation:
            raise ValueError(f"StopOnPlateau monitors {self.monitor!r}, which only a fit with a "
                             "validation split records (early_stopping=True; validation_fraction "
                             "for the tabular estimators).")
        self.best_, self.wait_ = None, 0

    def on_epoch_end(self, estimator, record):
        value = record[self.monitor]
        if value is None:
            raise ValueError(f"StopOnPlateau monitors {self.monitor!r}, which this fit does not "
                             "record (validation values need a validation split: early_stopping=True, "
                             "or validation_fraction for the tabular estimators).")
        sign = 1 if self.mode == "max" or (self.mode == "auto" and "score" in self.monitor) else -1
        if self.best_ is None or sign * (value - self.best_) > self.tol:
            self.best_, self.wait_ = value, 0
        else:
            self.wait_ += 1
        return self.wait_ >= self.patience


class _FunctionCallback(Callback):
    """A plain callable ``(estimator, record) -> bool`` as an epoch-end callback."""

    def __init__(self, function):
        self.function = function

    def on_epoch_end(self, estimator, record):
        return self.function(estimator, record)


def validate_callbacks(callbacks):
    """The callbacks as lifecycle objects, checked before any training.

    Parameters
    ----------
    callbacks : sequence or None
        Plain callables and objects with at least one lifecycle method.

    Returns
    -------
    tuple of callback objects

    Raises
    ------
    TypeError
        ``callbacks`` is not a sequence, or an item is neither callable nor
        has a lifecycle method (the message names its position).
    """
    if callbacks is None:
        return ()
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Sequence):
        raise TypeError(f"callbacks must be a list or tuple of callbacks, got {type(callbacks).__name__}.")
    checked = []
    for index, callback in enumerate(callbacks):
        if isinstance(callback, type):
            raise TypeError(f"callbacks[{index}] is the class {callback.__name__}; pass an instance.")
        if any(callable(getattr(callback, hook, None)) for hook in _HOOKS):
            checked.append(callback)
        elif callable(callback):
            checked.append(_FunctionCallback(callback))
        else:
            raise TypeError(
                f"callbacks[{index}] is {callback!r} ({type(callback).__name__}): expected a callable "
                "(estimator, record) -> bool or an object with on_fit_begin, on_epoch_end or on_fit_end."
            )
    return tuple(checked)


def bind(callbacks, estimator):
    """Trainer hooks calling each callback's lifecycle methods with ``estimator``."""
    return [_Bound(callback, estimator) for callback in callbacks]


class _Bound:
    """One callback seen by the trainer: its hooks take no estimator argument."""

    def __init__(self, callback, estimator):
        self.callback, self.estimator = callback, estimator

    def on_fit_begin(self, info):
        hook = getattr(self.callback, "on_fit_begin", None)
        if hook is not None:
            hook(self.estimator, info)

    def on_epoch_end(self, record):
        hook = getattr(self.callback, "on_epoch_end", None)
        # A copy: one callback cannot change what the next one or history_ sees.
        return bool(hook(self.estimator, dict(record))) if hook is not None else False

    def on_fit_end(self, info):
        hook = getattr(self.callback, "on_fit_end", None)
        if hook is not None:
            hook(self.estimator, info)
