"""The L-layer network: layers built from layer sizes over ONE flat parameter vector.

Notation (the course's, with samples in rows): ``L`` layers with weights,
``n[0]`` input features, ``n[l]`` units in layer ``l``, ``n[L]`` outputs.
Layer ``l`` holds ``W[l]`` of shape ``(n[l-1], n[l])`` and ``b[l]`` of shape
``(n[l],)``: the transpose of the column notation's ``(n[l], n[l-1])``. These
are exactly scikit-learn's ``coefs_[l-1]`` and ``intercepts_[l-1]``.

All parameters live in one contiguous vector ``params`` laid out as
``[W[1], ..., W[L], b[1], ..., b[L], gamma[1], beta[1], ..., gamma[L-1], beta[L-1]]``
(each ``W`` row-major; the batch-normalization scales and shifts only with
``batch_norm=True``); every ``W``, ``b``, ``gamma`` and ``beta`` is a view into
it, and ``grad`` mirrors it. Optimizers, L-BFGS, gradient checks and warm
starts therefore work on a single array, and the L2 penalty is one dot product
over the weight prefix ``params[:n_weights]``. Batch normalization's running
statistics are state, not parameters: they live in a second flat vector,
``state``.

A hidden layer is ``Dense -> [BatchNorm] -> activation -> [Dropout]``; the
output layer is ``Dense`` alone, its activation being part of the loss.
"""

import dataclasses

import numpy as np

from .initializers import initialize_mlp_layer, initialize_weights
from .inplace import add_scaled
from .dropout_masks import mix, row_keys
from .layers import ActivationLayer, Batch, BatchNorm, Dense, Dropout
from .losses import OUTPUTS
from .spec import NetworkSpec

# Rows per chunk of a prediction: large enough for efficient matrix products,
# small enough that a chunk's activations stay in cache.
INFERENCE_ROWS = 1024


def split_views(flat, shapes):
    """Consecutive views of ``flat`` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


class Network:
    """A feed-forward network of Dense, batch-norm, activation and dropout layers.

    It offers what the training loop needs of a network, listed by
    :class:`~skdeep.nn.protocol.TrainableNetwork`.

    Parameters
    ----------
    spec : NetworkSpec
        The architecture (validated by the spec itself); the network reads it
        and keeps it as ``spec``. Parameters start at zero (see :meth:`initialize`).
    """

    def __init__(self, spec):
        if not isinstance(spec, NetworkSpec):
            raise TypeError(f"Network takes a NetworkSpec, got {type(spec).__name__}.")
        self.spec = spec
        self.dtype = np.dtype(spec.dtype)
        # Number of entries of all W: the L2-penalized prefix of params.
        self.n_weights = sum(n_in * n_out for n_in, n_out in self.weight_shapes)
        self.params = np.zeros(spec.n_params, dtype=self.dtype)
        self.grad = np.zeros_like(self.params)
        self.state = np.zeros(2 * self._n_normalized, dtype=self.dtype)  # means, variances
        self.dropout_seed = 0  # set each epoch by the training loop
        self._build_layers()

    def with_spec(self, spec):
        """This network under ``spec``, sharing its parameters, gradient and statistics.

        ``spec`` must have this network's structure (layer sizes, batch norm,
        dtype): only what leaves the parameter layout alone may differ, such
        as the activations, batch norm's momentum or the dropout rates. The
        flat vectors are shared, not copied, so views handed out before
        (``coefs_``) keep reading and writing the weights in use.
        """
        if spec.structure() != self.spec.structure():
            raise ValueError(
                f"Cannot carry parameters from {self.spec.structure()} to {spec.structure()}: "
                "(layer sizes, batch_norm, dtype) differ."
            )
        network = Network(spec)
        network.params, network.grad, network.state = self.params, self.grad, self.state
        network._build_layers()  # the layers' views now point into the shared vectors
        return network

    # ------------------------------------------------------------------ sizes
    # Shortcuts to the spec's fields, which other modules read off the network.
    @property
    def layer_sizes(self):
        """``spec.layer_sizes``: ``(n[0], ..., n[L])``."""
        return self.spec.layer_sizes

    @property
    def batch_norm(self):
        """``spec.batch_norm``."""
        return self.spec.batch_norm

    @property
    def dropout(self):
        """``spec.dropout``: one rate per hidden layer."""
        return self.spec.dropout

    @property
    def weight_shapes(self):
        """Shapes ``(n[l-1], n[l])`` of ``W[1], ..., W[L]``."""
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))

    @property
    def _hidden_sizes(self):
        return self.layer_sizes[1:-1]

    @property
    def _n_normalized(self):
        """Units normalized by batch norm: every hidden unit, or none."""
        return sum(self._hidden_sizes) if self.batch_norm else 0

    @property
    def n_params(self):
        """``spec.n_params``: the length of ``params``."""
        return self.spec.n_params

    def _parameter_shapes(self):
        shapes = self.weight_shapes + [(n,) for n in self.layer_sizes[1:]]
        if self.batch_norm:
            shapes += [(n,) for n in self._hidden_sizes for _ in ("gamma", "beta")]
        return shapes

    # ----------------------------------------------------------------- layers
    def _build_layers(self):
        shapes = self._parameter_shapes()
        params, grads = split_views(self.params, shapes), split_views(self.grad, shapes)
        n_dense = len(self.layer_sizes) - 1
        self.coefs, self.intercepts = params[:n_dense], params[n_dense : 2 * n_dense]
        coef_grads, intercept_grads = grads[:n_dense], grads[n_dense : 2 * n_dense]
        norm_params, norm_grads = params[2 * n_dense :], grads[2 * n_dense :]
        if self.batch_norm:
            norm_state = split_views(self.state, [(n,) for n in self._hidden_sizes for _ in "mv"])

        self.layers = []
        for l in range(n_dense):
            self.layers.append(
                Dense(self.coefs[l], self.intercepts[l], coef_grads[l], intercept_grads[l])
            )
            if l == n_dense - 1:
                break
            if self.batch_norm:
                gamma, beta = norm_params[2 * l : 2 * l + 2]
                dgamma, dbeta = norm_grads[2 * l : 2 * l + 2]
                running_mean, running_var = norm_state[2 * l : 2 * l + 2]
                self.layers.append(
                    BatchNorm(gamma, beta, dgamma, dbeta, running_mean, running_var,
                              self.spec.batch_norm_momentum)
                )
            self.layers.append(ActivationLayer(self.spec.hidden_activation))
            if self.dropout[l] > 0:
                self.layers.append(Dropout(self.dropout[l], layer_index=l))
        self._loss, self._output_function = OUTPUTS[self.spec.output_activation]

    def initialize(self, init, random_state):
        """Draw each ``W`` (and, with ``"mlp"``, each ``b``); ``gamma = 1``, ``beta = 0``.

        ``init`` is one name for all layers or a list of names, one per layer.
        Biases are zero except under ``"mlp"``, MLPClassifier's scheme, which
        draws them too. Running statistics restart at mean 0 and variance 1.
        """
        names = [init] * len(self.coefs) if isinstance(init, str) else init
        self.params[self.n_weights :] = 0
        for name, W, b in zip(names, self.coefs, self.intercepts, strict=True):
            if name == "mlp":
                W[...], b[...] = initialize_mlp_layer(*W.shape, self.spec.hidden_activation,
                                                      random_state, self.dtype)
            else:
                W[...] = initialize_weights(name, *W.shape, random_state, self.dtype)
        self.state[...] = 0
        for layer in self.layers:
            if isinstance(layer, BatchNorm):
                layer.gamma[...] = 1
                layer.running_var[...] = 1

    def set_running_statistics(self, X, weights):
        """Make batch norm's running statistics the (weighted) statistics of ``X``.

        One training-mode pass at the current weights with momentum 0: what a
        full-batch solver (L-BFGS) needs, whose loss evaluations include line-
        search trial points that must not leave a trace in the statistics.
        Without batch norm there is nothing to do.
        """
        norms = [layer for layer in self.layers if isinstance(layer, BatchNorm)]
        momenta = [layer.momentum for layer in norms]
        try:
            for layer in norms:
                layer.momentum = 0.0
            if norms:
                self.forward(X, training=True, weights=weights)
        finally:
            for layer, momentum in zip(norms, momenta, strict=True):
                layer.momentum = momentum
            self.release_buffers()

    def start_epoch(self, base_seed, epoch):
        """Derive this epoch's dropout seed: every epoch draws new masks."""
        seeds = mix(np.array([base_seed, epoch], dtype=np.uint64))
        self.dropout_seed = int(mix(seeds[:1] ^ seeds[1:])[0])

    def set_dropout_factor(self, factor):
        """Train with the spec's dropout rates times ``factor`` (1 gives the spec's rates)."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.rate = self.dropout[layer.layer_index] * factor

    def release_buffers(self):
        """Free every layer's training cache and buffers; training reallocates them."""
        for layer in self.layers:
            layer.release()

    def snapshot(self):
        """Copies of the parameters and running statistics, for :meth:`restore`."""
        return self.params.copy(), self.state.copy()

    def restore(self, snapshot):
        """Put back the parameters and running statistics of a :meth:`snapshot`."""
        self.params[...], self.state[...] = snapshot

    # ------------------------------------------------------------- passes
    def forward(self, X, training=False, weights=None):
        """Logits ``Z[L]`` of the output layer, shape ``(m, n[L])``.

        With ``training=False`` nothing is cached, no buffer is shared and no
        running statistic changes, so concurrent predictions on one network
        are safe. In training, ``weights`` (summing to one; uniform if None)
        weight the batch-norm statistics.
        """
        if not training:
            return self._infer(X)
        if weights is None:
            weights = np.full(X.shape[0], 1.0 / X.shape[0], dtype=self.dtype)
        keys = row_keys(X) if self.spec.has_dropout else None
        batch = Batch(weights, keys, self.dropout_seed)
        A = X
        for layer in self.layers:
            A = layer.forward(A, True, batch)
        return A

    def _infer(self, X):
        """Prediction-mode pass over ``INFERENCE_ROWS`` rows at a time.

        Each Dense layer writes into a buffer reused from chunk to chunk (the
        other layers work in place on it), and the last one straight into the
        result: memory stays bounded however many rows come in, the
        activations of a chunk stay in cache, and no page of a huge
        temporary has to be faulted in. The buffers belong to this call only.
        """
        dtype = np.result_type(X.dtype, self.dtype)
        n_rows = X.shape[0]
        logits = np.empty((n_rows, self.layer_sizes[-1]), dtype=dtype)
        buffers = {}
        for start in range(0, n_rows, INFERENCE_ROWS):
            stop = min(start + INFERENCE_ROWS, n_rows)
            A = X[start:stop]
            for index, layer in enumerate(self.layers[:-1]):
                if isinstance(layer, Dense):
                    buffer = buffers.get(index)
                    if buffer is None:
                        buffer = buffers[index] = np.empty(
                            (min(INFERENCE_ROWS, n_rows), layer.W.shape[1]), dtype=dtype
                        )
                    A = layer.infer(A, out=buffer[: stop - start])
                else:
                    A = layer.infer(A)
            self.layers[-1].infer(A, out=logits[start:stop])
        return logits

    def inference_layers(self):
        """The prediction-mode network as ``(W, b, activation)`` steps, in float64.

        Each step computes ``g(A @ W + b)``; ``activation`` is the hidden
        activation's name, or None for the output layer (its activation
        belongs to the loss). Batch normalization is folded into the Dense
        layer before it: with ``s = gamma / sqrt(running_var + eps)``,
        ``(A @ W + b - mean) * s + beta = A @ (W * s) + ((b - mean) * s + beta)``.
        Dropout is the identity at prediction and disappears. Exporters (ONNX)
        build their graph from these steps.
        """
        steps = []
        for layer in self.layers:
            if isinstance(layer, Dense):
                W, b = layer.W.astype(np.float64), layer.b.astype(np.float64)
                steps.append([W, b, None])
            elif isinstance(layer, BatchNorm):
                W, b, _ = steps[-1]
                scale = layer.gamma / np.sqrt(layer.running_var.astype(np.float64) + layer.epsilon)
                steps[-1][:2] = W * scale, (b - layer.running_mean) * scale + layer.beta
            elif isinstance(layer, ActivationLayer):
                steps[-1][2] = layer.name
        return [tuple(step) for step in steps]

    def predict(self, X):
        """Output-layer activations: probabilities or regression values."""
        return self._output_function(self.forward(X, training=False))

    def evaluate(self, X, Y, weights, l2):
        """Predictions and loss of the prediction-mode network, from one forward pass.

        Parameters are those of :meth:`loss_and_gradient`. Returns
        ``(predictions, loss)``: what :meth:`predict` gives, and the loss
        without gradient (the validation loss). Nothing is kept between calls.
        """
        logits = self.forward(X, training=False)
        predictions = self._output_function(logits)
        if np.may_share_memory(predictions, logits):  # the identity: the loss overwrites logits
            predictions = predictions.copy()
        return predictions, self._loss(logits, Y, weights) + self._penalty(l2)

    def _penalty(self, l2):
        weights_flat = self.params[: self.n_weights]
        return 0.5 * l2 * float(np.dot(weights_flat, weights_flat)) if l2 else 0.0

    def loss_and_gradient(self, X, Y, weights, l2):
        """Forward and backward pass over one batch.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (m, n[0])
        Y : ndarray of shape (m, n[L])
            Targets in the output encoding (one-hot, indicator or values).
        weights : ndarray of shape (m,)
            Per-sample weights summing to one (``1 / m`` for a plain mean).
        l2 : float
            Coefficient of the penalty ``l2 / 2 * sum(W ** 2)``.

        Returns
        -------
        loss : float
            Weighted mean loss plus the L2 penalty. ``self.grad`` holds its
            gradient with respect to ``self.params``.
        """
        dA = self.forward(X, training=True, weights=weights)
        loss = self._loss(dA, Y, weights)  # dA now holds dZ[L]
        for index in range(len(self.layers) - 1, -1, -1):
            # The input X needs no gradient: skip that last matrix product.
            dA = self.layers[index].backward(dA, need_input_gradient=index > 0)
        if l2:
            add_scaled(self.params[: self.n_weights], self.grad[: self.n_weights], l2)
        return loss + self._penalty(l2)

    # ------------------------------------------------------------ pickling
    def __getstate__(self):
        # Views and buffers would be pickled as independent copies: keep only
        # the spec's fields and the flat vectors, and rebuild the views on load.
        return {**self.spec.to_dict(), "params": self.params, "state": self.state}

    def __setstate__(self, state):
        # Pickles of older versions may lack the batch-norm and dropout fields
        # and give the dtype as a NumPy type string ("<f8").
        fields = {"batch_norm": False, "batch_norm_momentum": 0.9, "dropout": ()}
        fields.update((name, state[name]) for name in _SPEC_FIELDS if name in state)
        fields["dtype"] = np.dtype(fields["dtype"]).name
        self.__init__(NetworkSpec(**{**fields, "dropout": fields["dropout"] or ()}))
        # Unpickled (or skops-loaded) arrays must fit exactly: no silent broadcasting.
        params, stats = np.asarray(state["params"]), np.asarray(state.get("state", self.state))
        if params.shape != self.params.shape or stats.shape != self.state.shape:
            raise ValueError("params/state do not fit the network's layer sizes.")
        self.params[...] = params
        self.state[...] = stats


_SPEC_FIELDS = [field.name for field in dataclasses.fields(NetworkSpec)]
