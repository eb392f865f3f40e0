"""NetworkSpec: the one frozen description of what a network is.

The network, ``summary()``, persistence and the ONNX export all read this
spec; nothing else describes the architecture. Two networks with equal specs
compute the same function of the same parameters. The parameter layout (and so
the length of ``params`` and ``state``) depends only on the *structure*: layer
sizes, whether batch norm is on, and the dtype. The hidden and output
activations, batch norm's momentum and the dropout rates can change on a fitted
network without touching its parameters (see :meth:`NetworkSpec.structure`).
"""

from dataclasses import asdict, dataclass, fields
from numbers import Integral

import numpy as np

from .activations import ACTIVATIONS
from .losses import OUTPUTS
from .values import is_rate


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
        sizes = self.layer_sizes
        _require(
            isinstance(sizes, (tuple, list)) and len(sizes) >= 2
            and all(isinstance(n, Integral) and not isinstance(n, bool) and n > 0 for n in sizes),
            f"layer_sizes must be at least two positive integers, got {sizes!r}",
        )
        object.__setattr__(self, "layer_sizes", tuple(int(n) for n in sizes))
        _require(self.hidden_activation in ACTIVATIONS,
                 f"unknown hidden activation {self.hidden_activation!r}")
        _require(self.output_activation in OUTPUTS,
                 f"unknown output activation {self.output_activation!r}")
        _require(self.dtype in ("float32", "float64"),
                 f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        _require(isinstance(self.batch_norm, (bool, np.bool_)),
                 f"batch_norm must be a bool, got {self.batch_norm!r}")
        object.__setattr__(self, "batch_norm", bool(self.batch_norm))
        _require(is_rate(self.batch_norm_momentum),
                 f"batch_norm_momentum must be a float in [0, 1), got {self.batch_norm_momentum!r}")
        object.__setattr__(self, "batch_norm_momentum", float(self.batch_norm_momentum))
        n_hidden = len(self.layer_sizes) - 2
        dropout = tuple(self.dropout) if self.dropout else (0.0,) * n_hidden
        _require(len(dropout) == n_hidden and all(is_rate(rate) for rate in dropout),
                 f"dropout must be {n_hidden} rates in [0, 1), one per hidden layer, got {self.dropout!r}")
        object.__setattr__(self, "dropout", tuple(float(rate) for rate in dropout))

    @property
    def has_dropout(self):
        return any(rate > 0 for rate in self.dropout)

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

    def build(self):
        """A new :class:`~skdeep.nn.network.Network` of this spec, parameters zero."""
        from .network import Network

        return Network.from_spec(self)

    def to_dict(self):
        """Plain JSON-able values (tuples as lists)."""
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`to_dict`; raises ValueError on unknown or missing keys."""
        if not isinstance(values, dict):
            raise ValueError(f"a network spec must be a mapping, got {type(values).__name__}")
        names = {field.name for field in fields(cls)}
        _require(set(values) == names, f"a network spec needs exactly the keys {sorted(names)}")
        return cls(**values)


def _require(condition, problem):
    if not condition:
        raise ValueError(problem + ".")
