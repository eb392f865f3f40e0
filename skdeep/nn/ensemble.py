"""EnsembleNetwork: k small MLPs trained in one pass with batched matrix products.

The tabular estimators train ``k`` members at once, as in TabM's plain
ensemble baseline (Gorishniy et al., ICLR 2025): every member is an MLP of the
same shape with its own weights, all members see the same batches, and the
prediction is the mean of the members' predictions (probabilities for
classification). The members differ by their random initialization and their
dropout masks, which is what makes their average better than any one of them.
Per-member weights (``(m, k)``) let each member learn from its own rows: the
tabular estimators hold out a different validation part for each member.

Layout, with samples in rows and ``k`` members:

* an optional per-feature scale ``s = scale_factor * theta`` (RealMLP's first
  layer): the input becomes ``X * s``; the factor makes Adam move ``s``
  ``scale_factor`` times faster than the other parameters;
* the first layer is one Dense layer of ``k * n[1]`` units: member ``i``'s
  ``W[1]`` is columns ``i * n[1] : (i + 1) * n[1]`` of a ``(n[0], k * n[1])``
  matrix, so the shared input costs one matrix product;
* the next layers hold ``W[l]`` of shape ``(k, n[l-1], n[l])`` and work on
  activations of shape ``(k, m, n[l])`` with one batched product each;
* every hidden layer is followed by the activation and (in training) dropout.

All parameters live in one flat vector ``params`` as
``[W[1], ..., W[L], b[1], ..., b[L], theta]``; the first ``n_weights``
entries (the W's) are what AdamW decays. The loss is the mean of the members'
losses: each member gets 1/k of the gradient it would get alone (which Adam's
per-parameter scaling cancels). The input scale is the one parameter the
members share.
"""

import math
from dataclasses import dataclass, fields

import numpy as np

from .activations import ACTIVATIONS
from .initializers import initialize_weights
from .losses import OUTPUTS
from .network import INFERENCE_ROWS, split_views
from .values import (checked_choice, checked_dtype, checked_keys, checked_layer_sizes,
                     checked_positive_int, checked_rate, is_number, plain_fields, require)

# The output activations an ensemble offers: the classifiers' and the regressor's.
ENSEMBLE_OUTPUTS = ("softmax", "logistic", "identity")


@dataclass(frozen=True)
class EnsembleSpec:
    """Architecture of an :class:`EnsembleNetwork`, validated on construction.

    Parameters
    ----------
    layer_sizes : tuple of int
        ``(n[0], n[1], ..., n[L])`` of one member: inputs, hidden units, outputs.
    n_members : int
        Number of members ``k``.
    hidden_activation : str
        A key of ``ACTIVATIONS``.
    output_activation : str
        ``"softmax"``, ``"logistic"`` or ``"identity"``; it fixes the loss.
    dtype : str
        ``"float32"`` or ``"float64"``.
    dropout : float, default=0.0
        Dropout rate after every hidden activation, in ``[0, 1)``.
    scale_factor : float, default=0.0
        Learning-rate factor of the per-feature input scale; 0 means no scale.
    """

    layer_sizes: tuple
    n_members: int
    hidden_activation: str
    output_activation: str
    dtype: str
    dropout: float = 0.0
    scale_factor: float = 0.0

    def __post_init__(self):
        # The checks of nn/values.py, shared with NetworkSpec, in field order; each
        # returns the normalized value, set once below (the dataclass is frozen).
        checked = {
            "layer_sizes": checked_layer_sizes(self.layer_sizes, at_least=3),
            "n_members": checked_positive_int("n_members", self.n_members),
            "hidden_activation": checked_choice("hidden activation", self.hidden_activation, ACTIVATIONS),
            "output_activation": checked_choice("output activation", self.output_activation,
                                                ENSEMBLE_OUTPUTS),
            "dtype": checked_dtype(self.dtype),
            "dropout": checked_rate("dropout", self.dropout),
            "scale_factor": _checked_scale_factor(self.scale_factor),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def has_dropout(self):
        """True if the hidden layers drop units in training."""
        return self.dropout > 0

    @property
    def batch_norm(self):
        """Always False: the ensemble has no batch normalization."""
        return False

    def weight_shapes(self):
        """Shapes of ``W[1], ..., W[L]`` (the first one shared by the members)."""
        sizes, k = self.layer_sizes, self.n_members
        return [(sizes[0], k * sizes[1])] + [(k, n_in, n_out) for n_in, n_out
                                              in zip(sizes[1:-1], sizes[2:], strict=True)]

    def bias_shapes(self):
        sizes, k = self.layer_sizes, self.n_members
        return [(k * sizes[1],)] + [(k, n) for n in sizes[2:]]

    @property
    def n_weights(self):
        # math.prod on Python ints: NumPy's int64 products could wrap for absurd sizes.
        return sum(math.prod(shape) for shape in self.weight_shapes())

    @property
    def n_params(self):
        n_scale = self.layer_sizes[0] if self.scale_factor else 0
        return self.n_weights + sum(math.prod(shape) for shape in self.bias_shapes()) + n_scale

    def training_values_per_row(self):
        """Values a training step keeps per batch row: the input, its scaled copy and
        gradient, each member's output and its gradient, and per hidden unit and member
        up to six arrays (output, pre-activation copy, dropout mask, dropped output,
        gradient, transposed gradient)."""
        sizes, k = self.layer_sizes, self.n_members
        return 3 * sizes[0] + 2 * k * sizes[-1] + 6 * k * sum(sizes[1:-1])

    def to_dict(self):
        """Plain JSON-able values (tuples as lists)."""
        return plain_fields(self)

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`to_dict`; raises ValueError on unknown or missing keys."""
        return cls(**checked_keys(values, [field.name for field in fields(cls)], "an ensemble spec"))


def _checked_scale_factor(value):
    require(is_number(value) and value >= 0, f"scale_factor must be a finite number >= 0, got {value!r}")
    return float(value)


class EnsembleNetwork:
    """``k`` MLPs of one shape over one flat parameter vector (see the module docstring).

    It offers what the training loop needs of a network, listed by
    :class:`~skdeep.nn.protocol.TrainableNetwork`.

    Parameters
    ----------
    spec : EnsembleSpec
        The architecture; the parameters start at zero (see :meth:`initialize`).
    """

    def __init__(self, spec):
        if not isinstance(spec, EnsembleSpec):
            raise TypeError(f"EnsembleNetwork takes an EnsembleSpec, got {type(spec).__name__}.")
        self.spec = spec
        self.dtype = np.dtype(spec.dtype)
        self.layer_sizes = spec.layer_sizes
        self.n_weights = spec.n_weights
        self.params = np.zeros(spec.n_params, dtype=self.dtype)
        self.grad = np.zeros_like(self.params)
        self.state = np.zeros(0, dtype=self.dtype)  # no running statistics
        self.dropout_rate = spec.dropout  # of training: set_dropout_factor changes it between epochs
        self._activation = ACTIVATIONS[spec.hidden_activation]
        self._loss, self._output_function = OUTPUTS[spec.output_activation]
        self._rng = np.random.default_rng(0)
        self._cache = None  # what the backward pass needs of the last training forward pass
        self._buffers = {}  # training buffers reused from batch to batch
        self._build_views()

    def _build_views(self):
        spec = self.spec
        weight_shapes, bias_shapes = spec.weight_shapes(), spec.bias_shapes()
        n_scale = [(spec.layer_sizes[0],)] if spec.scale_factor else []
        shapes = weight_shapes + bias_shapes + n_scale
        params, grads = split_views(self.params, shapes), split_views(self.grad, shapes)
        n = len(weight_shapes)
        self.coefs, self.intercepts = params[:n], params[n : 2 * n]
        self._dcoefs, self._dintercepts = grads[:n], grads[n : 2 * n]
        self.scale_theta = params[2 * n] if n_scale else None
        self._dscale_theta = grads[2 * n] if n_scale else None

    def with_spec(self, spec):
        """This network under ``spec``, sharing its parameters and gradient.

        ``spec`` may differ only in what leaves the parameter layout alone
        (the hidden activation, the dropout rate).
        """
        layout = lambda s: (s.layer_sizes, s.n_members, bool(s.scale_factor), s.dtype)  # noqa: E731
        if layout(spec) != layout(self.spec):
            raise ValueError(f"Cannot carry parameters from {layout(self.spec)} to {layout(spec)}.")
        network = EnsembleNetwork(spec)
        network.params, network.grad = self.params, self.grad
        network._build_views()
        return network

    def __getstate__(self):
        # The architecture and the flat parameters; views, buffers and caches are rebuilt on load.
        return {"spec": self.spec.to_dict(), "params": self.params}

    def __setstate__(self, state):
        self.__init__(EnsembleSpec.from_dict(state["spec"]))
        params = np.asarray(state["params"])
        if params.shape != self.params.shape:
            raise ValueError("params do not fit the ensemble's layer sizes.")
        self.params[...] = params

    @property
    def input_scale(self):
        """The per-feature input scale ``s``, or None without one."""
        if self.scale_theta is None:
            return None
        return self.scale_theta * self.dtype.type(self.spec.scale_factor)

    # ----------------------------------------------------------- setting up
    def initialize(self, random_state):
        """Draw every member's weights (He-uniform for ReLU-like units, else LeCun); biases 0.

        The input scale starts at 1.
        """
        scheme = "he_uniform" if self.spec.hidden_activation in ("relu", "leaky_relu") else "lecun_uniform"
        sizes, k = self.layer_sizes, self.spec.n_members
        self.params[...] = 0
        first = self.coefs[0]
        for member in range(k):
            columns = slice(member * sizes[1], (member + 1) * sizes[1])
            first[:, columns] = initialize_weights(scheme, sizes[0], sizes[1], random_state, self.dtype)
        for W in self.coefs[1:]:
            for member in range(k):
                W[member] = initialize_weights(scheme, *W.shape[1:], random_state, self.dtype)
        if self.scale_theta is not None:
            self.scale_theta[...] = 1.0 / self.spec.scale_factor

    def start_epoch(self, base_seed, epoch):
        """New dropout masks every epoch, reproducible from the seed and epoch."""
        self._rng = np.random.default_rng([int(base_seed), int(epoch)])

    def set_dropout_factor(self, factor):
        """Train with the spec's dropout rate times ``factor`` (1 gives the spec's rate)."""
        self.dropout_rate = self.spec.dropout * factor

    def set_running_statistics(self, X, weights):
        """Nothing to do: the ensemble keeps no running statistics."""

    def release_buffers(self):
        """Free the training buffers and cache; training reallocates them."""
        self._cache = None
        self._buffers = {}

    def snapshot(self):
        """Copies of the parameters and running statistics (none), for :meth:`restore`."""
        return self.params.copy(), self.state.copy()

    def restore(self, snapshot):
        """Put back the parameters of a :meth:`snapshot`."""
        self.params[...] = snapshot[0]

    # ------------------------------------------------------------- passes
    def _first_input(self, X):
        scale = self.input_scale
        return X if scale is None else X * scale

    def _hidden(self, X, training):
        """Hidden activations of every member, shape ``(k, m, n[L-1])``; caches in training.

        In training, the layers' outputs, dropout masks and gradients are
        written into buffers reused from batch to batch (see :meth:`_buffer`);
        a prediction allocates its own.
        """
        k, sizes, m = self.spec.n_members, self.layer_sizes, X.shape[0]
        activation, rate = self._activation, self.dropout_rate if training else 0.0
        buffer = self._buffer if training else _new_array(self.dtype)
        A_first = self._first_input(X)
        Z = np.matmul(A_first, self.coefs[0], out=buffer("first", (m, k * sizes[1])))
        Z += self.intercepts[0]
        # (m, k * n1) -> (k, m, n1): members first, for the batched products.
        Z = _copy_into(Z.reshape(m, k, sizes[1]).transpose(1, 0, 2), buffer(("Z", 0), (k, m, sizes[1])))
        layers = []  # per hidden layer: (input, pre-activation copy or None, activation, mask)
        A_prev = None
        for index in range(len(sizes) - 2):
            if index > 0:
                Z = np.matmul(A_prev, self.coefs[index], out=buffer(("Z", index), (k, m, sizes[index + 1])))
                Z += self.intercepts[index][:, None, :]
            Z_copy = Z.copy() if training and activation.needs_preactivation else None
            activation.forward(Z)
            mask, A_out = None, Z
            if rate > 0:
                mask = self._keep_mask(Z.shape, rate, index)
                A_out = np.multiply(Z, mask, out=buffer(("dropped", index), Z.shape))
            if training:
                layers.append((A_prev, Z_copy, Z, mask))
            A_prev = A_out
        if training:
            self._cache = (X, A_first, layers, A_prev)
        return A_prev

    def _buffer(self, key, shape):
        """A training buffer reused from batch to batch (a fresh array per batch costs page faults)."""
        # Keyed by shape too: an epoch's smaller last batch gets its own buffers.
        buffer = self._buffers.get((key, shape))
        if buffer is None:
            buffer = self._buffers[(key, shape)] = np.empty(shape, dtype=self.dtype)
        return buffer

    def _keep_mask(self, shape, rate, index):
        """Dropout's scaled mask: ``1 / (1 - rate)`` for each kept unit, 0 for a dropped one.

        Each unit draws one random byte, dropped below ``round(256 * rate)``:
        a byte is about three times cheaper to draw than a float, and a rate
        to the nearest 1/256 regularizes as well. A 256-entry table turns the
        bytes into the scaled mask in one pass.
        """
        dropped = min(255, round(rate * 256))
        table = np.zeros(256, dtype=self.dtype)
        table[dropped:] = 256.0 / (256 - dropped)
        draws = np.frombuffer(self._rng.bytes(math.prod(shape)), dtype=np.uint8).reshape(shape)
        return table.take(draws, out=self._buffer(("mask", index), shape))

    def _member_logits(self, X, training=False):
        A = self._hidden(X, training)
        Z = np.matmul(A, self.coefs[-1])
        Z += self.intercepts[-1][:, None, :]
        return Z

    def _stack(self, Y, weights):
        """Targets and weights of the ``k`` members, member after member, weights divided by ``k``.

        ``weights`` of shape ``(m,)`` are every member's; of shape ``(m, k)``,
        column ``j`` is member ``j``'s.
        """
        k = self.spec.n_members
        Y_all = np.broadcast_to(Y, (k, *Y.shape)).reshape(k * Y.shape[0], Y.shape[1])
        weights_all = np.tile(weights / k, k) if weights.ndim == 1 else (weights.T / k).reshape(-1)
        return Y_all, weights_all

    def loss_and_gradient(self, X, Y, weights, l2):
        """Mean loss of the members over one batch (plus ``l2 / 2 * sum(W ** 2)``); fills ``grad``.

        ``weights`` of shape ``(m,)`` weigh the rows for every member; of
        shape ``(m, k)``, column ``j`` weighs them for member ``j`` (each
        column summing to one, or all zeros for a member that skips the
        batch), so that member ``j`` learns from its own rows only.
        """
        k, m = self.spec.n_members, X.shape[0]
        Z = self._member_logits(X, training=True)
        Y_all, weights_all = self._stack(Y, weights)
        dZ = Z.reshape(k * m, -1)
        loss = self._loss(dZ, Y_all, weights_all)  # dZ now holds the gradient
        dZ = dZ.reshape(k, m, -1)
        X_in, A_first, layers, A_last = self._cache
        np.matmul(A_last.transpose(0, 2, 1), dZ, out=self._dcoefs[-1])
        dZ.sum(axis=1, out=self._dintercepts[-1])
        dA = np.matmul(dZ, self.coefs[-1].transpose(0, 2, 1), out=self._buffer(("dA", len(layers)), A_last.shape))
        for index in range(len(layers) - 1, -1, -1):
            A_prev, Z_copy, A_activated, mask = layers[index]
            if mask is not None:
                dA *= mask
            self._activation.derivative(dA, A_activated, Z_copy)
            if index > 0:
                np.matmul(A_prev.transpose(0, 2, 1), dA, out=self._dcoefs[index])
                dA.sum(axis=1, out=self._dintercepts[index])
                dA = np.matmul(dA, self.coefs[index].transpose(0, 2, 1),
                               out=self._buffer(("dA", index), A_prev.shape))
        # (k, m, n1) -> (m, k * n1)
        dZ_first = _copy_into(dA.transpose(1, 0, 2), self._buffer("dfirst", (m, k, dA.shape[2]))).reshape(m, -1)
        np.matmul(A_first.T, dZ_first, out=self._dcoefs[0])
        dZ_first.sum(axis=0, out=self._dintercepts[0])
        if self.scale_theta is not None:
            dX = dZ_first @ self.coefs[0].T
            np.einsum("ij,ij->j", X_in, dX, out=self._dscale_theta)
            self._dscale_theta *= self.spec.scale_factor
        self._cache = None
        if l2:
            self.grad[: self.n_weights] += l2 * self.params[: self.n_weights]
        return loss + self._penalty(l2)

    def _penalty(self, l2):
        weights = self.params[: self.n_weights]
        return 0.5 * l2 * float(np.dot(weights, weights)) if l2 else 0.0

    def evaluate(self, X, Y, weights, l2):
        """The members' mean prediction of ``X`` and their mean loss, from one pass.

        Parameters are those of :meth:`loss_and_gradient`. Returns
        ``(predictions, loss)``: what :meth:`predict` gives, and the loss in
        prediction mode (the validation loss). Nothing is kept between calls.

        With weights of shape ``(m, k)`` (each member scored on its own
        validation part), the loss is the mean of the members' losses under
        their own weights, and each row's prediction is the mean of the
        members that weigh it: its out-of-part prediction (the mean of all
        members for a row none weighs).
        """
        m = X.shape[0]
        total = 0.0
        members = self._empty_predictions(X)
        for start in range(0, m, INFERENCE_ROWS):
            rows = slice(start, min(start + INFERENCE_ROWS, m))
            Z = self._member_logits(X[rows])
            members[:, rows] = self._outputs(Z)  # copied before the loss overwrites Z with dZ
            Y_all, weights_all = self._stack(Y[rows], weights[rows])
            total += self._loss(Z.reshape(-1, Y.shape[1]), Y_all, weights_all)
        predictions = members.mean(axis=0) if weights.ndim == 1 else _mean_of_weighing(members, weights)
        return predictions, total + self._penalty(l2)

    def _outputs(self, Z):
        """The output activation of the registry applied to logits of shape ``(k, m, n[L])``."""
        return self._output_function(Z.reshape(-1, Z.shape[-1])).reshape(Z.shape)

    def _empty_predictions(self, X):
        shape = (self.spec.n_members, X.shape[0], self.layer_sizes[-1])
        return np.empty(shape, dtype=np.result_type(X.dtype, self.dtype))

    def member_predictions(self, X):
        """Each member's probabilities or values, shape ``(k, m, n[L])``."""
        out = self._empty_predictions(X)
        for start in range(0, X.shape[0], INFERENCE_ROWS):
            rows = slice(start, min(start + INFERENCE_ROWS, X.shape[0]))
            out[:, rows] = self._outputs(self._member_logits(X[rows]))
        return out

    def predict(self, X):
        """The members' mean probabilities (classification) or values (regression)."""
        return self.member_predictions(X).mean(axis=0)


def _mean_of_weighing(members, weights):
    """Each row's mean of the members' predictions ``(k, m, n)`` whose weight ``(m, k)`` is above 0.

    A row no member weighs gets the mean of all of them.
    """
    weighing = weights.T > 0
    weighing[:, ~weighing.any(axis=0)] = True
    total = np.where(weighing[:, :, None], members, 0).sum(axis=0)
    return total / weighing.sum(axis=0).astype(total.dtype)[:, None]


def _new_array(dtype):
    """A stand-in for :meth:`EnsembleNetwork._buffer` that allocates a new array each time."""
    return lambda key, shape: np.empty(shape, dtype=dtype)


def _copy_into(source, destination):
    destination[...] = source
    return destination
