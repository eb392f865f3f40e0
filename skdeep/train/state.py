"""TrainState: everything a fit leaves behind besides the network's parameters.

One object owns the progress counters and curves scikit-learn users read
(``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``, ``best_loss_``,
``validation_scores_``, ``best_validation_score_``, ``history_``), the
patience counter and best weights of the stopping rules, the optimizer's state
and the schedule's position. The trainer updates it; the estimator exposes its
fields as fitted attributes; persistence writes and reads it as a unit
(:meth:`TrainState.to_dict` / :meth:`TrainState.from_dict`), so that training
after ``load`` continues exactly as it would have without saving.
"""

from dataclasses import dataclass, field, fields

import numpy as np

from ..nn.values import is_count, is_number

# The keys of every history record, for every solver; a missing value is None.
RECORD_KEYS = ("epoch", "loss", "validation_loss", "validation_score", "learning_rate", "seconds")

# What a call does with the stopping state the calls before it left: see TrainState.begin_call.
RESET_POLICIES = ("carry_over", "per_fit")


@dataclass
class TrainState:
    """Progress and resumable state of training.

    Attributes
    ----------
    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last call, as in MLPClassifier.
    t_ : int
        Training samples seen over the model's life.
    loss_ : float or None
        Training loss of the last epoch.
    loss_curve_ : list of float
        Training loss of every epoch over the model's life.
    best_loss_ : float or None
        Lowest training loss (None with early stopping, as in MLPClassifier).
    validation_scores_ : list of float or None
        Validation score of every epoch with early stopping, else None.
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
    history_ : list of dict
        One record per epoch with the keys ``RECORD_KEYS``.
    no_improvement_count : int
        Consecutive epochs without improvement by ``tol`` (the patience counter).
    best_params, best_state : ndarray or None
        The network's parameters and running statistics at the best validation
        score (early stopping), restored at the end of each fit.
    optimizer : dict or None
        ``{"solver": name, "state": optimizer.state_dict()}`` after a stochastic fit.
    schedule_epoch : int
        Epochs into the schedules (learning rate and dropout); ``fit`` starts it at 0,
        ``partial_fit`` continues it.
    schedule_state : dict
        The schedule's own state (``Schedule.state_dict()``).
    """

    n_iter_: int = 0
    t_: int = 0
    loss_: float = None
    loss_curve_: list = field(default_factory=list)
    best_loss_: float = None
    validation_scores_: list = None
    best_validation_score_: float = None
    history_: list = field(default_factory=list)
    no_improvement_count: int = 0
    best_params: np.ndarray = None
    best_state: np.ndarray = None
    optimizer: dict = None
    schedule_epoch: int = 0
    schedule_state: dict = field(default_factory=dict)

    def begin_call(self, reset, *, incremental, validation, snapshot):
        """Start a stochastic training call: the one place that resets the state for it.

        Every call counts its own epochs: ``n_iter_`` starts at 0, as in
        MLPClassifier. A fit starts the schedules at epoch 0
        (``schedule_epoch``); ``partial_fit`` (``incremental``) continues them.

        The stopping state (best validation score, best weights, patience
        counter) follows the estimator family's ``reset`` policy:

        ``'carry_over'`` (DeepNet: MLPClassifier's rule)
            A warm-start fit or ``partial_fit`` continues the stopping state
            the calls before it left. A warm-start fit with early stopping
            that never beats the earlier best score therefore ends with the
            earlier best weights, as MLPClassifier's ``_best_coefs`` does.
        ``'per_fit'`` (TabularNet)
            Each call picks its own best epoch: the best weights, the best
            validation score and the patience counter start afresh. The
            curves and ``history_`` still grow over the model's life.

        Then what is still unset starts: with a validation split,
        ``validation_scores_`` as ``[]``, the best score at ``-inf`` and the
        best weights as the ones the call starts from (``snapshot()``, called
        only then); without, ``best_loss_`` at ``+inf``. A fresh state gives
        the same start under both policies.

        Nothing is copied here: a call that fails is undone by the
        estimator's transaction (``skdeep/_base/transactions.py``), which keeps a
        copy of the state from before it. L-BFGS does not call this: it has
        neither schedule nor patience, and sets ``n_iter_`` and ``best_loss_``
        when it ends.

        Parameters
        ----------
        reset : {'carry_over', 'per_fit'}
        incremental : bool
            True for ``partial_fit``.
        validation : bool
            Whether the call holds out a validation split.
        snapshot : callable
            The network's ``snapshot``: copies of its parameters and running statistics.
        """
        if reset not in RESET_POLICIES:
            raise ValueError(f"Unknown reset policy {reset!r}; expected one of {RESET_POLICIES}.")
        self.n_iter_ = 0
        if not incremental:
            self.schedule_epoch = 0
        if reset == "per_fit":
            self.best_params = self.best_state = None
            self.best_validation_score_ = -np.inf if validation else None
            self.no_improvement_count = 0
        if validation:
            if self.validation_scores_ is None:
                self.validation_scores_, self.best_validation_score_ = [], -np.inf
            if self.best_params is None:
                self.best_params, self.best_state = snapshot()
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf

    @property
    def epochs(self):
        """Epochs trained over the model's life."""
        return len(self.loss_curve_)

    def record_epoch(self, loss, **values):
        """Append an epoch: its loss to ``loss_curve_``, its record to ``history_``.

        The record has every key of ``RECORD_KEYS``: ``epoch`` and ``loss``,
        the given ``values``, None for the rest. Returns it.
        """
        self.loss_curve_.append(loss)
        record = dict.fromkeys(RECORD_KEYS)
        record.update(epoch=self.epochs, loss=loss, **values)
        self.history_.append(record)
        return record

    def copy(self):
        """A copy whose lists are independent, for rolling a failed call back.

        Records and arrays are shared, not copied: training appends new
        records and replaces the arrays, it never changes them in place. So
        the copy costs a few pointer copies however long the history.
        """
        copied = TrainState(**{item.name: getattr(self, item.name) for item in fields(self)})
        copied.loss_curve_ = list(self.loss_curve_)
        copied.history_ = list(self.history_)
        if self.validation_scores_ is not None:
            copied.validation_scores_ = list(self.validation_scores_)
        copied.schedule_state = dict(self.schedule_state)
        return copied

    # ------------------------------------------------------------- persistence
    _ARRAYS = ("best_params", "best_state")

    def to_dict(self, include_optimizer=True):
        """``(values, arrays)``: JSON-able values and the arrays, by name.

        Without ``include_optimizer`` the optimizer's state is left out (a
        later ``partial_fit`` then starts a fresh optimizer).
        """
        values = {item.name: getattr(self, item.name) for item in fields(self)
                  if item.name not in self._ARRAYS and item.name != "optimizer"}
        values = _plain(values)
        arrays = {name: getattr(self, name) for name in self._ARRAYS if getattr(self, name) is not None}
        if include_optimizer and self.optimizer is not None:
            state = self.optimizer["state"]
            values["optimizer"] = {"solver": self.optimizer["solver"], "t": int(state["t"])}
            arrays.update({f"optimizer_{name}": value for name, value in state.items() if name != "t"})
        return values, arrays

    @classmethod
    def from_dict(cls, values, arrays):
        """Inverse of :meth:`to_dict`, checking the type and range of every field.

        Raises ValueError naming the first invalid field. Array shapes are
        checked by the caller, which knows the network.
        """
        expected = {item.name for item in fields(cls)} - set(cls._ARRAYS) - {"optimizer"}
        _check(isinstance(values, dict) and expected <= set(values) <= expected | {"optimizer"},
               "the training state fields are incomplete or unknown")
        state = cls(**{name: values[name] for name in expected})
        _check(is_count(state.n_iter_) and is_count(state.t_) and is_count(state.no_improvement_count)
               and is_count(state.schedule_epoch), "the training counters must be non-negative integers")
        # NaN and infinity are numbers a diverged epoch records (with early stopping).
        _check(isinstance(state.loss_curve_, list)
               and all(is_number(x, allow_inf=True, allow_nan=True) for x in state.loss_curve_),
               "loss_curve_ must be a list of numbers")
        _check(state.loss_ is None or is_number(state.loss_, allow_inf=True, allow_nan=True),
               "loss_ must be a number or None")
        _check(state.best_loss_ is None or is_number(state.best_loss_, allow_inf=True, allow_nan=True),
               "best_loss_ must be a number or None")
        _check(state.validation_scores_ is None or (isinstance(state.validation_scores_, list)
               and all(is_number(x, allow_nan=True) for x in state.validation_scores_)),
               "validation_scores_ must be a list of numbers or None")
        _check(state.best_validation_score_ is None
               or is_number(state.best_validation_score_, allow_inf=True),
               "best_validation_score_ must be a number or None")
        _check(isinstance(state.history_, list) and all(_is_record(r) for r in state.history_),
               f"history_ must be a list of records with the keys {list(RECORD_KEYS)}")
        _check(len(state.history_) == len(state.loss_curve_), "history_ and loss_curve_ differ in length")
        _check(isinstance(state.schedule_state, dict)
               and all(isinstance(k, str) and is_number(v) for k, v in state.schedule_state.items()),
               "schedule_state must map names to numbers")
        state.best_params, state.best_state = arrays.get("best_params"), arrays.get("best_state")
        _check((state.best_params is None) == (state.best_state is None),
               "best_params and best_state come together")
        optimizer = values.get("optimizer")
        if optimizer is not None:
            _check(isinstance(optimizer, dict) and set(optimizer) == {"solver", "t"},
                   "the optimizer description must have exactly 'solver' and 't'")
            state.optimizer = {"solver": optimizer["solver"], "state": {"t": optimizer["t"]}}
            state.optimizer["state"].update({name[len("optimizer_"):]: value for name, value in arrays.items()
                                             if name.startswith("optimizer_")})
        return state


def _plain(value):
    """NumPy scalars unwrapped, tuples as lists: values ``json`` can write."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_record(record):
    if not isinstance(record, dict) or tuple(record) != RECORD_KEYS:
        return False
    return is_count(record["epoch"]) and all(
        record[key] is None or is_number(record[key], allow_nan=True) for key in RECORD_KEYS[1:]
    )


def _check(condition, problem):
    if not condition:
        raise ValueError(problem + ".")
