"""
Learning-rate schedules
=======================

The rate of every epoch is recorded in ``history_``: ``'constant'``,
``'step'`` (halved every 10 epochs), ``'cosine'`` over ``max_iter`` epochs,
and the cosine after 10 epochs of linear ``warmup``.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from skdeep import DeepNetClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_iris(return_X_y=True)
settings = {
    "constant": {},
    "step": {"learning_rate": "step", "lr_step_size": 10, "lr_step_gamma": 0.5},
    "cosine": {"learning_rate": "cosine"},
    "cosine + warmup": {"learning_rate": "cosine", "warmup": 10},
}
fig, ax = plt.subplots(figsize=(6, 4))
for name, params in settings.items():
    clf = DeepNetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=60,
                            n_iter_no_change=1000, random_state=0, **params).fit(X, y)
    ax.plot([r["epoch"] for r in clf.history_], [r["learning_rate"] for r in clf.history_], label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.legend()
fig.tight_layout()
print("schedules drawn:", ", ".join(settings))
