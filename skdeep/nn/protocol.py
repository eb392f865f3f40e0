"""What the training loops need of a network, written down.

:func:`~skdeep.train.trainer.train_stochastic` and
:func:`~skdeep.train.lbfgs.train_lbfgs` take any object with the members of
:class:`TrainableNetwork`; :class:`~skdeep.nn.network.Network` and
:class:`~skdeep.nn.ensemble.EnsembleNetwork` are the two there are. The
protocol lists exactly what the two loops use (``tests/test_protocol.py``
reads the loops' source to keep it so): a new network kind implements these
members, and a loop that needs more adds it here first.

Arrays are NumPy arrays in the network's dtype; ``weights`` are per-sample
weights summing to one (with member folds, ``(m, n_members)``: each member's
column sums to one); ``Y`` holds the targets in the output encoding
(one-hot, label indicators or values).
"""

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TrainableSpec(Protocol):
    """What the training loops read of a network's spec."""

    @property
    def has_dropout(self) -> bool:
        """True if training drops units: the loop then draws a dropout seed for the call."""

    @property
    def batch_norm(self) -> bool:
        """True if training normalizes each batch: no batch may then hold a single row."""

    @property
    def n_members(self) -> int:
        """Models trained at once (1 for a Network): with member folds, each holds out its own part."""


@runtime_checkable
class TrainableNetwork(Protocol):
    """What the training loops use of a network: its flat vectors and its passes."""

    @property
    def spec(self) -> TrainableSpec:
        """The frozen description of the network (see :class:`TrainableSpec`)."""

    @property
    def params(self) -> np.ndarray:
        """The one flat parameter vector; the loops and optimizers update it in place."""

    @property
    def grad(self) -> np.ndarray:
        """The flat gradient, laid out as ``params``; :meth:`loss_and_gradient` fills it."""

    @property
    def n_weights(self) -> int:
        """Length of the prefix of ``params`` that weight decay applies to (the weights)."""

    def start_epoch(self, base_seed, epoch):
        """Prepare an epoch: derive its dropout masks from ``base_seed`` and ``epoch``."""

    def set_dropout_factor(self, factor):
        """Train with the spec's dropout rates times ``factor`` (the dropout schedule); 1 restores them."""

    def loss_and_gradient(self, X, Y, weights, l2) -> float:
        """Training-mode loss of one batch plus ``l2 / 2 * sum(W ** 2)``; fills ``grad``."""

    def evaluate(self, X, Y, weights, l2) -> tuple:
        """``(predictions, loss)`` of the prediction-mode network, from one pass.

        ``predictions`` are the network's ``predict(X)``; the loss has no
        gradient (the validation loss). Nothing is kept between calls.
        """

    def snapshot(self) -> tuple:
        """Copies of the parameters and running statistics (the best epoch's weights)."""

    def restore(self, snapshot):
        """Put back the parameters and running statistics of a :meth:`snapshot`."""

    def set_running_statistics(self, X, weights):
        """Make running statistics those of ``X`` at the current weights (after L-BFGS).

        A network without running statistics does nothing.
        """

    def release_buffers(self):
        """Free the training buffers and caches at the end of a call."""
