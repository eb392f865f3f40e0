"""Schedules: how a hyperparameter changes from epoch to epoch, looked up by name.

Two hyperparameters follow a schedule, each with a registry of named
schedules, as the solvers have ``OPTIMIZERS``: the learning rate
(``LEARNING_RATE_SCHEDULES``, chosen by ``TrainConfig.learning_rate``) and the
dropout rate (``DROPOUT_SCHEDULES``, chosen by ``TrainConfig.dropout_schedule``).
The trainer applies both before every epoch; nothing else changes them.

Learning rate
-------------
A learning-rate schedule is an object that owns the rate. The trainer asks
it for each epoch's rate, ``rate(epoch, samples_seen)``, and hands it to the
optimizer's step. The epoch counts from the start of each ``fit`` call
(``partial_fit`` continues from where the previous call left off) and
``samples_seen`` is the model's ``t_``. Schedules (``lr_0`` is
``learning_rate_init``):

* ``Constant``: ``lr_0``.
* ``InvScaling``: ``lr_0 / (samples_seen + 1) ** power_t`` from the second
  epoch on (MLPClassifier's 'invscaling', SGD only).
* ``Adaptive``: ``lr_0 / 5 ** k``, ``k`` growing by one at each plateau;
  training stops once the rate is at or below 1e-6 (MLPClassifier's
  'adaptive', SGD only).
* ``Step``: ``lr_0 * gamma ** (epoch // step_size)``.
* ``Cosine``: ``lr_0 * (1 + cos(pi * e / T)) / 2`` over ``T`` epochs. It is a
  *fixed-length* schedule: a fit runs its ``T`` epochs. Epoch ``T`` would have
  rate 0, so ``partial_fit`` past the end starts a new cycle (a warm restart,
  as in SGDR) instead of training at rate 0.
* ``Warmup(base, n)``: ``base``'s rate times ``(e + 1) / n`` for the first
  ``n`` epochs, then ``base`` from its own epoch 0. It composes with every
  schedule.

A schedule's ``on_plateau()`` answers the stopping rule when training stops
improving: ``(True, note)`` if it lowered the rate and training goes on,
``(False, note)`` to stop.

Dropout rate
------------
A dropout schedule is a function ``factor(progress)`` of the fraction of the
fit done, ``epoch / max_iter`` (the same epoch count as the learning rate's).
The network trains each epoch with its spec's dropout rates times the factor
(:func:`dropout_schedule`), and with the spec's rates again once the call ends.
It has no state: its position is the epoch count the training state already
keeps.

* ``'constant'``: 1, the spec's rates throughout (DeepNet).
* ``'flat_cosine'``: RealMLP's ``flat_cos``, 1 for the first half of the fit,
  then half a cosine towards 0 (TabularNet).
"""

import math
from numbers import Integral

# Epoch-wise schedules that apply to every stochastic solver.
EPOCH_SCHEDULES = ("step", "cosine")


class Constant:
    """``lr_0`` at every epoch."""

    planned_epochs = None  # not a fixed-length schedule

    def __init__(self, learning_rate_init):
        self.learning_rate_init = learning_rate_init

    @classmethod
    def from_config(cls, config):
        """The schedule with its hyperparameters read from a TrainConfig."""
        return cls(config.learning_rate_init)

    def rate(self, epoch, samples_seen):
        return self.learning_rate_init

    def on_plateau(self):
        return False, "Stopping."

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        _expect_keys(self, state, ())


class InvScaling(Constant):
    """``lr_0 / (samples_seen + 1) ** power_t``, the first epoch at ``lr_0``."""

    def __init__(self, learning_rate_init, power_t):
        super().__init__(learning_rate_init)
        self.power_t = power_t

    @classmethod
    def from_config(cls, config):
        return cls(config.learning_rate_init, config.power_t)

    def rate(self, epoch, samples_seen):
        if epoch == 0:
            return self.learning_rate_init
        return self.learning_rate_init / (samples_seen + 1) ** self.power_t


class Adaptive(Constant):
    """``lr_0 / 5 ** k``: divided by 5 at each plateau until at or below 1e-6."""

    def __init__(self, learning_rate_init):
        super().__init__(learning_rate_init)
        self.divisions = 0

    def rate(self, epoch, samples_seen):
        # Divided step by step, as MLPClassifier does: 5.0 ** k would round
        # differently and change when the rate reaches 1e-6.
        rate = self.learning_rate_init
        for _ in range(self.divisions):
            rate /= 5.0
        return rate

    def on_plateau(self):
        if self.rate(0, 0) <= 1e-6:
            return False, "Learning rate too small. Stopping."
        self.divisions += 1
        return True, f"Setting learning rate to {self.rate(0, 0):f}"

    def state_dict(self):
        return {"divisions": self.divisions}

    def load_state_dict(self, state):
        _expect_keys(self, state, ("divisions",))
        divisions = state["divisions"]
        if not isinstance(divisions, Integral) or isinstance(divisions, bool) or divisions < 0:
            raise ValueError(f"Adaptive schedule: divisions must be a non-negative integer, got {divisions!r}.")
        self.divisions = int(divisions)


class Step(Constant):
    """``lr_0 * gamma ** (epoch // step_size)``."""

    def __init__(self, learning_rate_init, step_size, gamma):
        super().__init__(learning_rate_init)
        self.step_size, self.gamma = step_size, gamma

    @classmethod
    def from_config(cls, config):
        return cls(config.learning_rate_init, config.lr_step_size, config.lr_step_gamma)

    def rate(self, epoch, samples_seen):
        return self.learning_rate_init * self.gamma ** (epoch // self.step_size)


class Cosine(Constant):
    """Half a cosine from ``lr_0`` towards 0 over ``length`` epochs, restarting after."""

    def __init__(self, learning_rate_init, length):
        super().__init__(learning_rate_init)
        # A fraction of an epoch is a length too (a step-wise schedule of a large table).
        self.planned_epochs = max(length if isinstance(length, float) else int(length), 1)

    @classmethod
    def from_config(cls, config):
        return cls(config.learning_rate_init, config.max_iter - config.warmup)  # warmup comes first

    def rate(self, epoch, samples_seen):
        progress = (epoch % self.planned_epochs) / self.planned_epochs
        return self.learning_rate_init * 0.5 * (1 + math.cos(math.pi * progress))


class Warmup:
    """Linear warmup over ``epochs`` epochs in front of any ``base`` schedule.

    ``resolution`` is how far apart the positions the rate is asked for are:
    1 (an epoch) by default, ``1 / batches`` for a step-wise schedule, whose
    positions are fractions of epochs. The rate at position ``e`` in the
    warmup is ``(e + resolution) / epochs`` of the base's first rate, so that
    the first step already trains and the last reaches the full rate.
    """

    def __init__(self, base, epochs, resolution=1):
        self.base, self.epochs, self.resolution = base, epochs, resolution
        self.planned_epochs = None if base.planned_epochs is None else base.planned_epochs + epochs

    def rate(self, epoch, samples_seen):
        if epoch < self.epochs:
            return self.base.rate(0, samples_seen) * min(1.0, (epoch + self.resolution) / self.epochs)
        return self.base.rate(epoch - self.epochs, samples_seen)

    def on_plateau(self):
        return self.base.on_plateau()

    def state_dict(self):
        return self.base.state_dict()

    def load_state_dict(self, state):
        self.base.load_state_dict(state)


LEARNING_RATE_SCHEDULES = {"constant": Constant, "invscaling": InvScaling, "adaptive": Adaptive,
                           "step": Step, "cosine": Cosine}
# The names ``learning_rate`` accepts.
SCHEDULES = tuple(LEARNING_RATE_SCHEDULES)


def make_schedule(config, batches_per_epoch=1):
    """The learning-rate schedule a :class:`~skdeep.train.config.TrainConfig` asks for.

    'invscaling' and 'adaptive' keep MLPClassifier's meaning: they act under
    ``solver='sgd'`` only, and the other solvers run at a constant rate.
    With ``config.step_schedule`` the trainer asks for a rate before every
    batch, at fractions of epochs ``batches_per_epoch`` apart.
    """
    name = config.learning_rate
    if name in ("invscaling", "adaptive") and config.solver != "sgd":
        name = "constant"
    if name not in LEARNING_RATE_SCHEDULES:
        raise ValueError(f"Unknown learning_rate schedule {name!r}; expected one of {SCHEDULES}.")
    schedule = LEARNING_RATE_SCHEDULES[name].from_config(config)
    if config.warmup <= 0:
        return schedule
    return Warmup(schedule, config.warmup, 1 / batches_per_epoch if config.step_schedule else 1)


def continued_schedule(config, saved_state, batches_per_epoch=1):
    """The configured schedule, continuing from ``saved_state`` where that is its state.

    A state written by another schedule (``learning_rate`` or ``solver``
    changed with ``set_params`` since) is ignored: the new schedule starts
    afresh.
    """
    schedule = make_schedule(config, batches_per_epoch)
    try:
        schedule.load_state_dict(saved_state)
    except ValueError:
        pass
    return schedule


def _expect_keys(schedule, state, keys):
    if not isinstance(state, dict) or set(state) != set(keys):
        raise ValueError(f"{type(schedule).__name__} schedule state needs exactly the keys {list(keys)}, "
                         f"got {state!r}.")


# ------------------------------------------------------------------ dropout
def constant(progress):
    """1 throughout: the spec's dropout rates at every epoch."""
    return 1.0


def flat_cosine(progress):
    """RealMLP's "flat_cos" factor: 1 for the first half of training, then a half cosine to 0."""
    if progress <= 0.5:
        return 1.0
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, 2.0 * progress - 1.0)))


DROPOUT_SCHEDULES = {"constant": constant, "flat_cosine": flat_cosine}


def dropout_schedule(config):
    """The dropout schedule a :class:`~skdeep.train.config.TrainConfig` asks for.

    Returns
    -------
    callable ``epoch -> factor``
        The factor of the spec's dropout rates in an epoch counted from 0 at
        the start of the fit (``TrainState.schedule_epoch``), over
        ``max_iter`` epochs.
    """
    name = config.dropout_schedule
    if name not in DROPOUT_SCHEDULES:
        raise ValueError(f"Unknown dropout_schedule {name!r}; expected one of {tuple(DROPOUT_SCHEDULES)}.")
    factor, epochs = DROPOUT_SCHEDULES[name], config.max_iter
    return lambda epoch: factor(epoch / epochs)
