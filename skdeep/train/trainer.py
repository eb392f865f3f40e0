"""The mini-batch training loop of the stochastic solvers.

:func:`train_stochastic` runs up to ``max_iter`` epochs (one for
``partial_fit``) over a network's flat ``params``/``grad`` vectors. It reads a
:class:`~skdeep.train.config.TrainConfig`, updates a
:class:`~skdeep.train.state.TrainState`, and never sees the estimator. The loop
itself is short; around it:

* the learning-rate and dropout schedules set the epoch's rates
  (:mod:`skdeep.train.schedules`);
* the :class:`StoppingRule` keeps the patience counter, best loss or
  validation score and best weights in the state, and stops on a plateau
  (MLPClassifier's rule: no improvement by ``tol`` for ``n_iter_no_change``
  epochs), asking the schedule first (the 'adaptive' schedule lowers the rate
  instead of stopping);
* the time budget, ``max_time``, stops after the first epoch that ends past it;
* the progress display, the user's callbacks and scikit-learn's callbacks are
  hooks called after every epoch with its record: they observe, and any may
  stop training, nothing more;
* Ctrl-C stops after the current batch (:mod:`skdeep.train.interrupt`);
* a non-finite loss or weight raises ``ValueError`` at once (the estimator
  then rolls the whole call back).

With early stopping the validation rows are one split all members share, or
with ``config.member_folds`` each ensemble member's own part
(:func:`~skdeep.train.data.split_member_validation`): every row is training
data, each member's loss ignores its part's rows, and the epoch is scored on
each validation row's prediction by the members that held it out.
"""

import math
import time

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._warn import warn
from .callbacks import FitInfo
from .data import (batches, member_weights, normalized_weights, resolve_batch_size, split_member_validation,
                   split_validation, take_rows)
from .interrupt import StopAfterBatch
from .optimizers import make_optimizer
from .progress import Progress
from .schedules import continued_schedule, dropout_schedule, make_schedule


# Steps between two flushes of the optimizer's subnormal values (config.flush_subnormals): a
# moment decaying by 0.9 or 0.95 a step stays subnormal for up to 150 or 300 steps unflushed.
FLUSH_EVERY = 8


def train_stochastic(network, state, config, data, *, incremental, random_state, hooks=(),
                     inputs=None, strata=None, score=None, stop_messages=True, reset="carry_over"):
    """Train ``network`` with a stochastic solver, updating ``state``.

    Parameters
    ----------
    network : TrainableNetwork
        Anything with the members :class:`~skdeep.nn.protocol.TrainableNetwork`
        lists: a ``Network`` or an ``EnsembleNetwork``.
    state : TrainState
        Updated in place: counters, curves, history, stopping state, optimizer
        and schedule position.
    config : TrainConfig
    data : tuple ``(X, Y, sample_weight)``
        Inputs and encoded targets in the network's dtype; weights or None.
    incremental : bool
        True for ``partial_fit``: one epoch, the optimizer and schedule continue.
    random_state : numpy.random.RandomState
        Draws the validation split (or the members' parts), dropout seed and
        batch order, in that order.
    hooks : sequence
        Observers: objects with optional ``on_fit_begin(info)``,
        ``on_epoch_end(record) -> bool`` (True stops training) and
        ``on_fit_end(info)``, ``info`` a :class:`~skdeep.train.callbacks.FitInfo`.
    inputs : tuple ``(X, y, sample_weight)``, optional
        The call's inputs as the estimator validated them (``data`` is their
        encoded form), for the hooks' :class:`~skdeep.train.callbacks.FitInfo`.
    strata : ndarray or None
        Labels to stratify the early-stopping split (or the members' parts) on.
    score : callable ``(predictions, Y, sample_weight) -> float``
        The validation score (early stopping), from the network's predictions
        of the validation inputs (:meth:`~skdeep.nn.protocol.TrainableNetwork.evaluate`
        gives them with the validation loss, in one pass).
    stop_messages : bool, default=True
        Whether ``verbose`` prints, as training stops, why (in MLPClassifier's
        words: ``tol``...). False when the caller reports it in its own terms.
    reset : {'carry_over', 'per_fit'}, default='carry_over'
        The family's policy for the stopping state of a continued call (best
        score, best weights, patience): see
        :meth:`~skdeep.train.state.TrainState.begin_call`.

    Returns
    -------
    stopped_by : {None, 'plateau', 'max_time', 'callback', 'interrupt', 'diverged'}
        Why training stopped: None when it ran all its epochs; 'callback'
        for any hook that asked to stop. The first that applies, in the order
        'diverged', 'max_time', 'callback', 'plateau'.
    """
    X, Y, sample_weight = data
    validation, trains = None, None
    if config.early_stopping:
        validation, (X, Y, sample_weight, trains) = _split(network, config, (X, Y, sample_weight),
                                                           strata, random_state)
    batch_size = resolve_batch_size(config.batch_size, X.shape[0])
    state.begin_call(reset, incremental=incremental, validation=validation is not None,
                     snapshot=network.snapshot)
    optimizer, schedule = _resume(network, state, config, incremental, math.ceil(X.shape[0] / batch_size))
    epochs = 1 if incremental else config.max_iter
    progress = Progress(config.verbose, epochs, validation is not None)
    say = progress.say if stop_messages else _say_nothing
    rule = StoppingRule(config, state, schedule, say, network, validation is not None)
    run = _Epochs(network, optimizer, (schedule, dropout_schedule(config)), state, config,
                  (X, Y, sample_weight, trains), batch_size, random_state, validation, score)
    watchers = [_ProgressHook(progress), *hooks]
    info = FitInfo.begin(solver=config.solver, incremental=incremental, max_epochs=epochs,
                         validation=validation is not None, inputs=inputs)
    begun = []  # the hooks whose on_fit_begin ran: each gets its on_fit_end
    stopped_by = None
    out_of_time = _time_budget(config.max_time)
    try:
        begin_hooks(hooks, info, begun)
        with StopAfterBatch() as interrupt:
            for _ in range(epochs):
                record = run.next_epoch(interrupt)
                stopped_by = _stop_reason(record, rule, watchers, say, out_of_time)
                if stopped_by is not None:
                    break
        if interrupt.interrupted:
            stopped_by = "interrupt"
        _warn_if_not_converged(stopped_by, incremental, schedule, config)
    except BaseException:
        stopped_by = "error"
        raise
    finally:
        progress.close()
        network.set_dropout_factor(1.0)  # the spec's rates again, as the network was handed over
        network.release_buffers()
        # After a divergence the moments are not finite: the next call starts afresh. The
        # optimizer ends here, so its arrays are handed over: a copy would hold them twice.
        state.optimizer = (None if stopped_by == "diverged"
                           else {"solver": config.solver, "state": optimizer.state_dict(copy=False)})
        state.schedule_state = schedule.state_dict()
        if rule.best_weights is not None and stopped_by != "error":
            network.restore(rule.best_weights)
        call_hooks(begun, "on_fit_end", info.ended(state.n_iter_, stopped_by))
    return stopped_by


def _split(network, config, data, strata, random_state):
    """The validation data and the training data ``(X, Y, sample_weight, trains)``.

    One split all members share (``trains`` None), or with
    ``config.member_folds`` each member's own part: every row is training
    data, ``trains`` says which rows each member trains on. The validation
    data is ``(X, Y, sample_weight, weights)``, ``weights`` those
    :meth:`~skdeep.nn.protocol.TrainableNetwork.evaluate` scores the epoch
    with: ``(m,)``, or ``(m, k)`` with member ``j``'s over its own part.
    """
    X, Y, sample_weight = data
    if config.member_folds:
        trains, (X_val, Y_val, weight_val, held_out) = split_member_validation(
            X, Y, sample_weight, config.validation_fraction, strata, network.spec.n_members, random_state)
        _check_validation_weights(weight_val, held_out)
        _check_training_weights(sample_weight, trains)
        weights, _ = member_weights(weight_val, held_out, slice(0, X_val.shape[0]), X_val.dtype)
    else:
        trains = None
        (X, Y, sample_weight), (X_val, Y_val, weight_val) = split_validation(
            X, Y, sample_weight, config.validation_fraction, strata, random_state)
        _check_validation_weights(weight_val, None)
        weights, _ = normalized_weights(weight_val, slice(0, X_val.shape[0]), X_val.dtype)
    return (X_val, Y_val, weight_val, weights), (X, Y, sample_weight, trains)


def _check_validation_weights(sample_weight, held_out):
    """Refuse a validation split, or a member's part, whose samples all weigh 0: it scores nothing."""
    if sample_weight is None:
        return
    if not sample_weight.sum() > 0:
        raise ValueError(
            "Every sample of the validation split has weight 0, so it cannot score an epoch: "
            "give more samples a weight above 0, or change validation_fraction or random_state."
        )
    member = None if held_out is None else _member_without_weight(sample_weight, held_out)
    if member is not None:
        raise ValueError(
            f"Every sample of the validation part of ensemble member {member} has "
            "weight 0, so it cannot score that member's epoch: give more samples a weight above "
            "0, or change validation_fraction or random_state."
        )


def _check_training_weights(sample_weight, trains):
    """Refuse member parts that leave a member only rows of weight 0 to train on."""
    member = None if sample_weight is None else _member_without_weight(sample_weight, trains)
    if member is not None:
        raise ValueError(
            f"Every sample ensemble member {member} trains on has weight 0 (the others "
            "are its validation part): give more samples a weight above 0, or change "
            "validation_fraction or random_state."
        )


def _member_without_weight(sample_weight, rows_of_members):
    """The first member none of whose rows (``rows_of_members[:, j]``) weighs above 0, or None."""
    weighed = (rows_of_members & (sample_weight > 0)[:, None]).any(axis=0)
    return None if weighed.all() else int(np.argmin(weighed))


def _say_nothing(message):
    pass


def _time_budget(max_time):
    """A function telling whether ``max_time`` seconds have passed since this call (never if None)."""
    if max_time is None:
        return lambda: False
    started = time.perf_counter()
    return lambda: time.perf_counter() - started >= max_time


def _stop_reason(record, rule, watchers, say, out_of_time):
    """Why training stops after this epoch's ``record`` (None if it goes on)."""
    if record is None:
        return "interrupt"
    rule.track(record)
    stoppers = [hook for hook in watchers if hook.on_epoch_end(record)]  # every hook sees every epoch
    if record["loss"] != record["loss"]:  # NaN: diverged, with early stopping (see _Epochs)
        return "diverged"  # whatever a callback said: the optimizer state must be dropped
    if out_of_time():
        say(f"The time budget max_time was used up after epoch {record['epoch']}.")
        return "max_time"
    if stoppers:
        say(f"A callback stopped training after epoch {record['epoch']}.")
        return "callback"
    return "plateau" if rule.should_stop() else None


class _Epochs:
    """One epoch after another: the scheduled rates, the batch order, the batches, the record."""

    def __init__(self, network, optimizer, schedules, state, config, data, batch_size,
                 random_state, validation, score):
        self.network, self.optimizer = network, optimizer
        self.schedule, self.dropout_schedule = schedules  # learning rate, dropout factor
        self.state, self.config, self.data, self.batch_size = state, config, data, batch_size
        self.random_state, self.validation, self.score = random_state, validation, score
        # Drawn only with dropout, so that without it the random stream is unchanged.
        self.dropout_seed = random_state.randint(2**31) if network.spec.has_dropout else 0
        # One batch over all samples needs no shuffling: the sum is the same.
        # Each epoch shuffles the previous epoch's order, as MLPClassifier does
        # (so the same random_state gives the same batches).
        n_samples = data[0].shape[0]
        self.order = np.arange(n_samples) if config.shuffle and batch_size < n_samples else None

    def next_epoch(self, interrupt):
        """Train one epoch; its record, or None if Ctrl-C stopped it.

        With early stopping a divergence is not an error, as in MLPClassifier:
        the epoch is recorded with a NaN loss and score, a warning is given,
        and training stops with the best weights restored.
        """
        state, network = self.state, self.network
        started = time.perf_counter()
        learning_rate = self.schedule.rate(state.schedule_epoch, state.t_)
        rate_of_batch = _rate_of_batch(self.schedule, self.config, state, learning_rate,
                                       math.ceil(self.data[0].shape[0] / self.batch_size))
        network.set_dropout_factor(self.dropout_schedule(state.schedule_epoch))
        network.start_epoch(self.dropout_seed, state.epochs)
        n_samples = self.data[0].shape[0]
        if self.order is not None:
            self.order = self._next_order(n_samples)
        try:
            loss = _run_epoch(network, self.optimizer, self.config, self.data, self.batch_size,
                              self.order, rate_of_batch, interrupt, state.epochs + 1)
        except Diverged as error:
            if self.validation is None:
                raise
            warn(f"{error.summary} Training stopped; the weights with the best "
                 "validation score were restored.", UserWarning)
            loss = np.nan
        if loss is None:
            return None
        record = _end_epoch(state, network, loss, n_samples, learning_rate, self.validation, self.score)
        record["seconds"] = time.perf_counter() - started
        return record

    def _next_order(self, n_samples):
        """The epoch's row order: the previous one shuffled, or the table's own ``epoch_order``.

        A table read a partition at a time from storage (a streamed TabularNet
        fit) orders the rows partition after partition, so that each is read
        about once an epoch rather than once a batch.
        """
        epoch_order = getattr(self.data[0], "epoch_order", None)
        if epoch_order is not None:
            return epoch_order(self.random_state)
        return self.order[self.random_state.permutation(n_samples)]


def _rate_of_batch(schedule, config, state, learning_rate, n_batches):
    """The learning rate of each batch of the epoch: the epoch's, or with ``config.step_schedule``
    the schedule's at the batch's fraction of the epoch (the first batch's is the epoch's)."""
    if not config.step_schedule:
        return lambda index: learning_rate
    epoch, samples_seen = state.schedule_epoch, state.t_
    return lambda index: schedule.rate(epoch + index / n_batches, samples_seen) if index else learning_rate


def _resume(network, state, config, incremental, batches_per_epoch):
    """The optimizer and schedule of this call: continued for partial_fit, else new.

    A fit starts both afresh (and ``TrainState.begin_call`` the schedule at
    epoch 0). ``partial_fit`` continues the saved state when the solver is
    unchanged; hyperparameters changed with ``set_params`` (the rate,
    momentum, ...) take effect.
    """
    optimizer = make_optimizer(config.solver, network.params, _hyperparameters(config),
                               network.n_weights)
    if not incremental:
        return optimizer, make_schedule(config, batches_per_epoch)
    saved = state.optimizer
    if saved is not None and saved["solver"] == config.solver:
        optimizer.load_state_dict(saved["state"])
    return optimizer, continued_schedule(config, state.schedule_state, batches_per_epoch)


def _hyperparameters(config):
    return {name: getattr(config, name) for name in config.__dataclass_fields__}


def _run_epoch(network, optimizer, config, data, batch_size, order, rate_of_batch, interrupt, epoch):
    """One pass over the batches; the mean training loss, or None if interrupted.

    ``data`` is ``(X, Y, sample_weight, trains)``, ``trains`` None or which
    rows each member trains on (see :func:`_split`). ``rate_of_batch(index)``
    is the learning rate of the epoch's batch ``index``.
    """
    X, Y, sample_weight, trains = data
    params, grad = network.params, network.grad
    accumulated_loss = 0.0
    for index, rows in enumerate(batches(X.shape[0], batch_size, order, no_single_row=network.spec.batch_norm)):
        weights, weight_sum = (normalized_weights(sample_weight, rows, X.dtype) if trains is None
                               else member_weights(sample_weight, trains, rows, X.dtype))
        if weights is None:  # every sample of this batch has weight zero
            continue
        batch_loss = network.loss_and_gradient(take_rows(X, rows), Y[rows], weights,
                                               config.alpha / weight_sum)
        if not np.isfinite(batch_loss):
            raise Diverged("loss", epoch)
        if config.clip_grad_norm is not None:
            _clip_by_global_norm(grad, config.clip_grad_norm)
        optimizer.step(params, grad, rate_of_batch(index))
        if config.flush_subnormals and optimizer.t % FLUSH_EVERY == 0:
            optimizer.flush_subnormals()
        accumulated_loss += batch_loss * len(weights)
        if interrupt.requested:
            warn(
                f"Training interrupted by user during epoch {epoch}; stopped after the current "
                "batch. That epoch is not counted in n_iter_."
            )
            return None
    if not np.isfinite(params).all():
        raise Diverged("weights", epoch)
    return accumulated_loss / X.shape[0]


def _end_epoch(state, network, loss, n_samples, learning_rate, validation, score):
    """Count the epoch in ``state`` and return its record (``seconds`` still None)."""
    state.n_iter_ += 1
    state.t_ += n_samples
    state.schedule_epoch += 1
    state.loss_ = loss
    values = {"learning_rate": learning_rate}
    if validation is not None:
        X_val, Y_val, sample_weight_val, weights = validation
        predictions, values["validation_loss"] = network.evaluate(X_val, Y_val, weights, 0.0)
        values["validation_score"] = score(predictions, Y_val, sample_weight_val)
    return state.record_epoch(loss, **values)


def beats_on_score_then_loss(score, loss, best_score, best_loss):
    """Whether an epoch beats the best one: a higher validation score, or the same with a lower loss."""
    return score > best_score or (score == best_score and loss < best_loss)


class StoppingRule:
    """MLPClassifier's plateau rule, with the best weights kept for early stopping.

    On the training loss, or with early stopping on the validation score: an
    epoch that does not improve on the best by ``tol`` adds one to the
    patience counter; past ``n_iter_no_change`` the schedule is asked whether
    to lower the rate (and go on) or stop. A fixed-length schedule ('cosine')
    runs all its epochs: the rule then stops only with early stopping.

    With ``config.tie_break_on_loss`` (TabularNet, ``tol=0``) an epoch is
    better when its validation score is higher, or equal with a lower
    validation loss; only a better epoch becomes the best and resets the
    patience. The best loss is this call's: the rule is meant for the
    ``'per_fit'`` reset policy.
    """

    def __init__(self, config, state, schedule, say, network, with_validation):
        # The state's starting values are TrainState.begin_call's.
        self.config, self.state, self.schedule, self.say = config, state, schedule, say
        self.network, self.with_validation = network, with_validation
        self.best_weights = (state.best_params, state.best_state) if with_validation else None
        self.best_validation_loss = math.inf

    def track(self, record):
        """Update the best value, patience counter and best weights after an epoch."""
        state, tol = self.state, self.config.tol
        if self.with_validation:
            score = record["validation_score"]
            state.validation_scores_.append(score)
            if self.config.tie_break_on_loss:
                better = improved = beats_on_score_then_loss(
                    score, record["validation_loss"], state.best_validation_score_, self.best_validation_loss)
            else:
                better = score > state.best_validation_score_
                improved = not score < state.best_validation_score_ + tol
            if better:
                state.best_validation_score_ = score
                self.best_validation_loss = record["validation_loss"]
                state.best_params, state.best_state = self.network.snapshot()
                self.best_weights = (state.best_params, state.best_state)
        else:
            improved = not state.loss_ > state.best_loss_ - tol
            state.best_loss_ = min(state.best_loss_, state.loss_)
        state.no_improvement_count = 0 if improved else state.no_improvement_count + 1

    def should_stop(self):
        """True to stop: patience ran out and the schedule does not lower the rate."""
        state, config = self.state, self.config
        if state.no_improvement_count <= config.n_iter_no_change:
            return False
        if self.schedule.planned_epochs is not None and not self.with_validation:
            return False
        what = "Validation score" if self.with_validation else "Training loss"
        message = (f"{what} did not improve more than tol={config.tol:f} for "
                   f"{config.n_iter_no_change} consecutive epochs.")
        keep_going, note = self.schedule.on_plateau()
        self.say(f"{message} {note}")
        if keep_going:
            state.no_improvement_count = 0
        return not keep_going


class _ProgressHook:
    def __init__(self, progress):
        self.progress = progress

    def on_epoch_end(self, record):
        self.progress.epoch_ended(record)
        return False


def _warn_if_not_converged(stopped_by, incremental, schedule, config):
    # Running out of epochs is a convergence failure, unless the schedule was
    # planned to last exactly that long.
    if stopped_by is None and not incremental and schedule.planned_epochs is None:
        warn(
            f"Stochastic Optimizer: Maximum iterations ({config.max_iter}) reached and the "
            "optimization hasn't converged yet.",
            ConvergenceWarning,
        )


class Diverged(ValueError):
    """Training diverged: a loss or weight became non-finite.

    The message starts with MLPClassifier's, so that code matching it keeps
    working, and says what to do.
    """

    def __init__(self, what, epoch):
        self.summary = f"Training diverged: the {what} became non-finite at epoch {epoch}."
        super().__init__(
            "Solver produced non-finite parameter weights. The input data may contain large "
            f"values and need to be preprocessed. {self.summary} The model was left as it was "
            "before this call (weights and optimizer state). Scale the inputs (e.g. "
            "StandardScaler) or lower learning_rate_init."
        )


def _clip_by_global_norm(grad, max_norm):
    # einsum sums in NumPy's own loop; np.dot would go to BLAS, whose result
    # depends on the number of threads in the last bits.
    norm = float(np.sqrt(np.einsum("i,i->", grad, grad)))
    if norm > max_norm:
        grad *= max_norm / norm


def begin_hooks(hooks, info, begun):
    """Call every hook's ``on_fit_begin(info)`` in turn, appending each to ``begun`` once it ran."""
    for hook in hooks:
        function = getattr(hook, "on_fit_begin", None)
        if function is not None:
            function(info)
        begun.append(hook)


def call_hooks(hooks, method, info):
    for hook in hooks:
        function = getattr(hook, method, None)
        if function is not None:
            function(info)
