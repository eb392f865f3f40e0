"""A trainer hook of the tabular recipe: the time budget.

A hook of :func:`~skdeep.train.trainer.train_stochastic`, called after every
epoch like the user's callbacks.
"""

import time


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
