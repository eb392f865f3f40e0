"""Epoch-wise learning-rate schedules: 'step', 'cosine' and a linear warmup.

scikit-learn's own schedules ('constant', 'invscaling', 'adaptive') stay in
the SGD optimizer, with MLPClassifier's meaning (they change nothing for
Adam). The schedules here set the rate of every stochastic solver at the
start of each epoch ``e`` (counted from 0):

* warmup: for ``e < warmup``, ``lr = lr_0 * (e + 1) / warmup``;
* 'step': ``lr = lr_0 * gamma ** floor(e' / step_size)``;
* 'cosine': ``lr = lr_0 * (1 + cos(pi * e' / T)) / 2`` over ``T = max_iter - warmup``
  epochs, reaching 0 at the end;

with ``e' = e - warmup`` the epochs since the warmup ended.
"""

import math

EPOCH_SCHEDULES = ("step", "cosine")


def uses_epoch_schedule(schedule, warmup):
    """Whether the training loop sets the rate each epoch."""
    return schedule in EPOCH_SCHEDULES or warmup > 0


def epoch_learning_rate(
    schedule, learning_rate_init, epoch, *, max_iter, warmup=0, step_size=10, gamma=0.5
):
    """Learning rate of epoch ``epoch`` (0-based) under ``schedule`` and ``warmup``."""
    if epoch < warmup:
        return learning_rate_init * (epoch + 1) / warmup
    since_warmup = epoch - warmup
    if schedule == "step":
        return learning_rate_init * gamma ** (since_warmup // step_size)
    if schedule == "cosine":
        length = max(max_iter - warmup, 1)
        progress = min(since_warmup / length, 1.0)
        return learning_rate_init * 0.5 * (1 + math.cos(math.pi * progress))
    return learning_rate_init
