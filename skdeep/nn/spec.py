"""NetworkSpec: the one frozen description of what a network is.

The network, ``summary()``, persistence and the ONNX export all read this
spec; nothing else describes the architecture. Two networks with equal specs
compute the same function of the same parameters. The parameter layout (and so
the length of ``params`` and ``state``) depends only on the *structure*: layer
sizes, whether batch norm is on, and the dtype. The hidden and output
activations, batch norm's momentum and the dropout rates can change on a fitted
network without touching its parameters (see :meth:`NetworkSpec.structure`).
"""

from dataclasses import dataclass, fields

import numpy as np

from .activations import ACTIVATIONS
from .losses import OUTPUTS
from .values import (checked_choice, checked_dtype, checked_keys, checked_layer_sizes,
                     checked_rate, is_rate, plain_fields, require)


@dataclass(frozen=True)
class NetworkSpec:
    """Architecture of a feed-forward network, validated on construction.

    Parameters
    ----------
    layer_sizes : tuple of int
        ``(n[0], n[1], ..., n[L])``: input features, hidden units, outputs.
    hidden_activation : str
        Activation of every hidden layer, a key of ``ACTIVATIONS``.
    output_activation : str
        ``"softmax"``, ``"logistic"``, ``"identity"`` or ``"exp"``; it fixes the loss.
    dtype : str
        ``"float32"`` or ``"float64"``, for parameters and every computation.
    batch_norm : bool, default=False
        Normalize each hidden layer's ``Z`` before its activation.
    batch_norm_momentum : float, default=0.9
        Weight of the old running statistics at each batch, in ``[0, 1)``.
    dropout : tuple of float, default=()
        One rate in ``[0, 1)`` per hidden layer; empty means no dropout.
    """

    layer_sizes: tuple
    hidden_activation: str
    output_activation: str
    dtype: str
    batch_norm: bool = False
    batch_norm_momentum: float = 0.9
    dropout: tuple = ()

    def __post_init__(self):
        # The checks of nn/values.py, shared with EnsembleSpec, in field order; each
        # returns the normalized value, set once below (the dataclass is frozen).
        sizes = checked_layer_sizes(self.layer_sizes, at_least=2)
        checked = {
            "layer_sizes": sizes,
            "hidden_activation": checked_choice("hidden activation", self.hidden_activation, ACTIVATIONS),
            "output_activation": checked_choice("output activation", self.output_activation, OUTPUTS),
            "dtype": checked_dtype(self.dtype),
            "batch_norm": _checked_bool("batch_norm", self.batch_norm),
            "batch_norm_momentum": checked_rate("batch_norm_momentum", self.batch_norm_momentum),
            "dropout": _checked_dropout(self.dropout, n_hidden=len(sizes) - 2),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def has_dropout(self):
        """True if any hidden layer drops units in training."""
        return any(rate > 0 for rate in self.dropout)

    @property
    def n_members(self):
        """1: a Network is one model (an ensemble trains several at once)."""
        return 1

    @property
    def n_params(self):
        """Length of the flat parameter vector: every W and b, and batch norm's gamma and beta."""
        sizes = self.layer_sizes
        weights = sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
        normalized = sum(sizes[1:-1]) if self.batch_norm else 0
        return weights + sum(sizes[1:]) + 2 * normalized

    def training_values_per_row(self):
        """Values a training step keeps per batch row: the input, the output and its
        gradient, and per hidden unit Z/A and dA (batch norm adds its normalized copy
        and output, dropout its mask)."""
        sizes = self.layer_sizes
        per_hidden_unit = 2 + 2 * self.batch_norm + self.has_dropout
        return sizes[0] + 2 * sizes[-1] + per_hidden_unit * sum(sizes[1:-1])

    def structure(self):
        """What fixes the parameter layout: layer sizes, batch norm and dtype."""
        return self.layer_sizes, self.batch_norm, self.dtype

    def to_dict(self):
        """Plain JSON-able values (tuples as lists)."""
        return plain_fields(self)

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`to_dict`; raises ValueError on unknown or missing keys."""
        return cls(**checked_keys(values, [field.name for field in fields(cls)], "a network spec"))


def _checked_bool(name, value):
    require(isinstance(value, (bool, np.bool_)), f"{name} must be a bool, got {value!r}")
    return bool(value)


def _checked_dropout(rates, n_hidden):
    """One rate in [0, 1) per hidden layer, as a tuple of floats; empty means no dropout."""
    rates_tuple = tuple(rates) if rates else (0.0,) * n_hidden
    require(len(rates_tuple) == n_hidden and all(is_rate(rate) for rate in rates_tuple),
            f"dropout must be {n_hidden} rates in [0, 1), one per hidden layer, got {rates!r}")
    return tuple(float(rate) for rate in rates_tuple)
