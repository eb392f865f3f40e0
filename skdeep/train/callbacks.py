"""Callbacks: code that watches a fit and may stop it.

Callbacks observe. They read the estimator, the epoch's record and the fit's
:class:`FitInfo`, and their one say in training is to stop it (True from
``on_epoch_end``). Whatever changes how training runs is the trainer's, set
by the estimator through its :class:`~skdeep.train.config.TrainConfig`: the
learning-rate and dropout schedules (:mod:`skdeep.train.schedules`), the
stopping rule and the time budget.

A callback is either a plain callable ``callback(estimator, record) -> bool``
(called after every epoch; True stops training) or an object with any of
these lifecycle methods:

``on_fit_begin(estimator, info)``
    At the start of each ``fit`` or ``partial_fit`` call, before the first
    epoch: reset per-fit state here. ``info`` is a :class:`FitInfo`:
    ``max_epochs`` (epochs planned for the call), ``solver``, ``incremental``
    (True for ``partial_fit``), ``validation`` (whether the call holds out a
    validation split) and the call's validated ``X``, ``y`` and
    ``sample_weight``.
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

from .state import RECORD_KEYS

__all__ = ["Callback", "FitInfo", "StopOnPlateau", "RECORD_KEYS", "validate_callbacks"]

_HOOKS = ("on_fit_begin", "on_epoch_end", "on_fit_end")


@dataclass(frozen=True, eq=False)
class FitInfo(Mapping):
    """What one ``fit`` or ``partial_fit`` call is: the ``info`` callbacks receive.

    The trainer makes it; callbacks read its fields as attributes
    (``info.stopped_by``) or by key (``info["stopped_by"]``, a read-only
    mapping of the fields, as the ``info`` dict of earlier versions was).

    Attributes
    ----------
    solver : str
        The solver of the call (``'adamw'`` for the tabular estimators).
    incremental : bool
        True for ``partial_fit``.
    max_epochs : int
        Epochs (L-BFGS iterations) planned for the call.
    validation : bool
        Whether the call holds out a validation split, so that records have
        ``validation_loss`` and ``validation_score``.
    X, y : array-like
        The call's inputs and targets, as validated by the estimator.
    sample_weight : ndarray or None
        The call's sample weights (times the class weights), or None.
    n_epochs : int or None
        Epochs (iterations) the call ran; None until it ends.
    stopped_by : str or None
        Why the call stopped (see the module's docstring); None until it
        ends, and at the end when the planned epochs all ran.
    """

    solver: str
    incremental: bool
    max_epochs: int
    validation: bool
    X: object = None
    y: object = None
    sample_weight: object = None
    n_epochs: int = None
    stopped_by: str = None

    @classmethod
    def begin(cls, *, solver, incremental, max_epochs, validation, inputs=None):
        """The record of a call about to start; ``inputs`` is ``(X, y, sample_weight)`` or None."""
        X, y, sample_weight = (None, None, None) if inputs is None else inputs
        return cls(solver, incremental, max_epochs, validation, X, y, sample_weight)

    def ended(self, n_epochs, stopped_by):
        """This record with the call's outcome filled in, for ``on_fit_end``."""
        return replace(self, n_epochs=n_epochs, stopped_by=stopped_by)

    def __getitem__(self, key):
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    def _keys(self):
        return tuple(item.name for item in fields(self))


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
        if self.monitor.startswith("validation") and not info.validation:
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
