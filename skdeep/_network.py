"""The L-layer network: layers built from layer sizes over ONE flat parameter vector.

Notation (the course's, with samples in rows): ``L`` layers with weights,
``n[0]`` input features, ``n[l]`` units in layer ``l``, ``n[L]`` outputs.
Layer ``l`` holds ``W[l]`` of shape ``(n[l-1], n[l])`` and ``b[l]`` of shape
``(n[l],)``: the transpose of the column notation's ``(n[l], n[l-1])``. These
are exactly scikit-learn's ``coefs_[l-1]`` and ``intercepts_[l-1]``.

All parameters live in one contiguous vector ``params`` laid out as
``[W[1], ..., W[L], b[1], ..., b[L]]`` (each ``W`` row-major); every ``W`` and
``b`` is a view into it, and ``grad`` mirrors it. Optimizers, L-BFGS, gradient
checks and warm starts therefore work on a single array, and the L2 penalty is
one dot product over the weight prefix ``params[:n_weights]``.
"""

import numpy as np

from ._initializers import initialize_weights
from ._layers import ActivationLayer, Dense
from ._losses import OUTPUTS


class Network:
    """A feed-forward network of Dense and activation layers.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n[0], n[1], ..., n[L])``: input features, hidden units, outputs.
    hidden_activation : str
        Activation of every hidden layer, a key of ``ACTIVATIONS``.
    output_activation : str
        ``"softmax"``, ``"logistic"``, ``"identity"`` or ``"exp"``; it fixes
        the loss (see :mod:`skdeep._losses`).
    dtype : numpy dtype
        float32 or float64, for parameters and every computation.
    """

    def __init__(self, layer_sizes, hidden_activation, output_activation, dtype):
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.dtype = np.dtype(dtype)
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.grad = np.zeros_like(self.params)
        self._build_layers()

    @property
    def weight_shapes(self):
        """Shapes ``(n[l-1], n[l])`` of ``W[1], ..., W[L]``."""
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))

    @property
    def n_weights(self):
        """Number of entries of all ``W`` (the L2-penalized prefix of ``params``)."""
        return sum(n_in * n_out for n_in, n_out in self.weight_shapes)

    @property
    def n_params(self):
        return self.n_weights + sum(self.layer_sizes[1:])

    def _split(self, flat):
        """Views of ``flat`` as the lists ``[W[1], ...]`` and ``[b[1], ...]``."""
        weights, biases = [], []
        start = 0
        for shape in self.weight_shapes:
            stop = start + shape[0] * shape[1]
            weights.append(flat[start:stop].reshape(shape))
            start = stop
        for n_out in self.layer_sizes[1:]:
            biases.append(flat[start : start + n_out])
            start += n_out
        return weights, biases

    def _build_layers(self):
        self.coefs, self.intercepts = self._split(self.params)
        coef_grads, intercept_grads = self._split(self.grad)
        self.layers = []
        n_dense = len(self.coefs)
        for l, parts in enumerate(zip(self.coefs, self.intercepts, coef_grads, intercept_grads)):
            self.layers.append(Dense(*parts))
            if l < n_dense - 1:
                self.layers.append(ActivationLayer(self.hidden_activation))
        self._loss, self._output_function = OUTPUTS[self.output_activation]

    def initialize(self, init, random_state):
        """Draw each ``W`` with the named initializer; set every ``b`` to zero.

        ``init`` is one name for all layers or a list of names, one per layer.
        """
        names = [init] * len(self.coefs) if isinstance(init, str) else init
        for name, W in zip(names, self.coefs, strict=True):
            W[...] = initialize_weights(name, *W.shape, random_state, self.dtype)
        for b in self.intercepts:
            b[...] = 0

    def forward(self, X, training=False):
        """Logits ``Z[L]`` of the output layer, shape ``(m, n[L])``.

        With ``training=False`` nothing is cached and no buffer is shared, so
        concurrent predictions on one network are safe.
        """
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def predict(self, X):
        """Output-layer activations: probabilities or regression values."""
        return self._output_function(self.forward(X, training=False))

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
        dA = self.forward(X, training=True)
        loss = self._loss(dA, Y, weights)  # dA now holds dZ[L]
        for index in range(len(self.layers) - 1, -1, -1):
            # The input X needs no gradient: skip that last matrix product.
            dA = self.layers[index].backward(dA, need_input_gradient=index > 0)
        if l2:
            weights_flat = self.params[: self.n_weights]
            loss += 0.5 * l2 * float(np.dot(weights_flat, weights_flat))
            self.grad[: self.n_weights] += l2 * weights_flat
        return loss

    def __getstate__(self):
        # Views and buffers would be pickled as independent copies: keep only
        # the flat vector and rebuild the views on load.
        return {
            "layer_sizes": self.layer_sizes,
            "hidden_activation": self.hidden_activation,
            "output_activation": self.output_activation,
            "dtype": self.dtype.str,
            "params": self.params,
        }

    def __setstate__(self, state):
        self.layer_sizes = tuple(state["layer_sizes"])
        self.hidden_activation = state["hidden_activation"]
        self.output_activation = state["output_activation"]
        self.dtype = np.dtype(state["dtype"])
        self.params = np.array(state["params"], dtype=self.dtype, copy=True)
        self.grad = np.zeros_like(self.params)
        self._build_layers()
