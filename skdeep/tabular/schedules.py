"""Trainer hooks of the tabular recipe: the dropout schedule and the time budget.

Both are hooks of :func:`~skdeep.train.trainer.train_stochastic`, called
after every epoch like the user's callbacks.
"""

import math
import time


def flat_cosine(progress):
    """RealMLP's "flat_cos" factor: 1 for the first half of training, then a half cosine to 0."""
    if progress <= 0.5:
        return 1.0
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, 2.0 * progress - 1.0)))


class DropoutSchedule:
    """Set the network's dropout rate to ``rate * flat_cosine(epoch / epochs)`` before each epoch."""

    def __init__(self, network, rate, epochs):
        self.network, self.rate, self.epochs = network, rate, epochs
        self.done = 0  # epochs of this fit (a warm start restarts the schedule)

    def on_fit_begin(self, info):
        self.network.dropout_rate, self.done = self.rate, 0

    def on_epoch_end(self, record):
        self.done += 1
        self.network.dropout_rate = self.rate * flat_cosine(self.done / self.epochs)
        return False

    def on_fit_end(self, info):
        self.network.dropout_rate = self.rate


class TimeBudget:
    """Stop training after the first epoch that ends ``seconds`` or more after the fit began.

    ``ran_out`` says, after the fit, whether it did.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.started = None
        self.ran_out = False

    def on_fit_begin(self, info):
        self.started, self.ran_out = time.perf_counter(), False

    def on_epoch_end(self, record):
        self.ran_out = time.perf_counter() - self.started >= self.seconds
        return self.ran_out
