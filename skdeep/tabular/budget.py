"""How many epochs a TabularNet fit plans: ``max_iter``, or fewer on a large table.

An epoch of a large table is long, and a network needs fewer of them: on
800,000 training rows, 2 epochs are 6,250 steps of 256 rows. (On
``benchmarks/scale.py``'s table, 20 epochs on 100,000 rows scored as well as
the 35 that patience used to run, and 2 epochs on 1,000,000 rows 0.616 R²
against HistGradientBoosting's 0.590.) Capping the rows
a fit trains on in all keeps fit time growing at most linearly with rows. The
learning rate then warms up and decays step by step (``step_schedule``), so
a few epochs still follow the whole schedule.
"""

import math

# A fit trains on about this many rows in all, at most: a large table runs fewer epochs (at least
# MIN_EPOCHS), so that the epochs fall as rows grow and fit time grows at most linearly with them.
SAMPLE_BUDGET = 1_600_000
MIN_EPOCHS = 2


def planned_epochs(max_iter, n_train):
    """Epochs a fit plans (the cosine schedule's length) on ``n_train`` training rows.

    ``max_iter``, or fewer on a large table: ``ceil(SAMPLE_BUDGET / n_train)``,
    but at least ``MIN_EPOCHS`` (or ``max_iter`` if smaller). 100 epochs up to
    16,000 training rows, 20 at 80,000, 2 at 800,000.
    """
    return min(max_iter, max(MIN_EPOCHS, math.ceil(SAMPLE_BUDGET / n_train)))
