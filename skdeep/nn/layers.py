"""Building blocks of the network: each has ``forward`` and ``backward``.

Samples are in rows. For a batch of ``m`` samples, layer ``l`` maps
``A[l-1]`` of shape ``(m, n[l-1])`` to ``A[l]`` of shape ``(m, n[l])``:

* :class:`Dense`: ``Z[l] = A[l-1] @ W[l] + b[l]`` with ``W[l]`` of shape
  ``(n[l-1], n[l])``, the transpose of the course's column notation
  ``Z = W A + b`` with ``W`` of shape ``(n[l], n[l-1])``.
* :class:`ActivationLayer`: ``A[l] = g(Z[l])``, element-wise.
* :class:`BatchNorm`: normalizes ``Z[l]`` before the activation.
* :class:`Dropout`: zeroes a random share of ``A[l]`` in training.

In training mode ``forward`` keeps in a cache what ``backward`` needs, and
``backward`` takes the gradient of the loss with respect to the layer's output
and returns the one with respect to its input, filling the parameter gradients
on the way. Parameters and gradients are views into the network's flat vectors,
so the layers never own them.
"""

from typing import NamedTuple, Optional

import numpy as np
import scipy.sparse as sp

from .activations import ACTIVATIONS
from .dropout_masks import keep_mask, mix


class Batch(NamedTuple):
    """What a layer may need to know in training beyond its input."""

    weights: np.ndarray  # per-sample weights summing to one (batch norm statistics)
    row_keys: Optional[np.ndarray]  # content keys of the rows (dropout masks)
    seed: int  # the epoch's dropout seed


def _reuse_or_allocate(buffer, shape, dtype):
    """Return ``buffer`` if it fits ``shape``, else a new uninitialized array."""
    if buffer is not None and buffer.shape == shape:
        return buffer
    return np.empty(shape, dtype=dtype)


class Dense:
    """Affine block ``Z = A_prev @ W + b``.

    Parameters
    ----------
    W, b : ndarray
        Views of shape ``(n_in, n_out)`` and ``(n_out,)`` into the flat parameters.
    dW, db : ndarray
        Views of the same shapes into the flat gradient.
    """

    def __init__(self, W, b, dW, db):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self._A_prev = None  # cache: the input, needed for dW
        self._Z = None  # reused output buffer
        self._dA_prev = None  # reused gradient buffer

    def infer(self, A_prev, out=None):
        """Prediction: ``A_prev @ W + b``, into ``out`` if given; nothing cached."""
        if out is None:
            out = A_prev @ self.W
        elif sp.issparse(A_prev):
            out[...] = A_prev @ self.W
        else:
            np.matmul(A_prev, self.W, out=out)
        out += self.b
        return out

    def forward(self, A_prev, training, batch=None):
        if not training:
            return self.infer(A_prev)
        self._A_prev = A_prev
        self._Z = _reuse_or_allocate(self._Z, (A_prev.shape[0], self.W.shape[1]), self.W.dtype)
        if sp.issparse(A_prev):
            self._Z[...] = A_prev @ self.W
        else:
            np.matmul(A_prev, self.W, out=self._Z)
        self._Z += self.b
        return self._Z

    def release(self):
        """Drop the cache and buffers (after training) so they hold no memory."""
        self._A_prev = self._Z = self._dA_prev = None

    def backward(self, dZ, need_input_gradient=True):
        """Fill ``dW = A_prev.T @ dZ`` and ``db = sum(dZ)``; return ``dA_prev = dZ @ W.T``.

        ``dZ`` already carries the ``1 / m`` (or sample-weight) factor of the
        mean loss, so no division happens here.
        """
        A_prev = self._A_prev
        if sp.issparse(A_prev):
            self.dW[...] = A_prev.T @ dZ
        else:
            np.matmul(A_prev.T, dZ, out=self.dW)
        dZ.sum(axis=0, out=self.db)
        if not need_input_gradient:
            return None
        self._dA_prev = _reuse_or_allocate(self._dA_prev, A_prev.shape, dZ.dtype)
        return np.matmul(dZ, self.W.T, out=self._dA_prev)


class ActivationLayer:
    """Element-wise activation ``A = g(Z)``, computed in place on ``Z``."""

    def __init__(self, name):
        self.name = name
        self._activation = ACTIVATIONS[name]
        self._A = None  # cache: the output
        self._Z = None  # cache: the input, only if g' needs it

    def infer(self, Z):
        """Prediction: ``g(Z)`` in place on ``Z``; nothing cached."""
        self._activation.forward(Z)
        return Z

    def forward(self, Z, training, batch=None):
        if not training:
            return self.infer(Z)
        if self._activation.needs_preactivation:
            self._Z = Z.copy()
        self._activation.forward(Z)
        self._A = Z
        return Z

    def release(self):
        self._A = self._Z = None

    def backward(self, dA, need_input_gradient=True):
        """Turn ``dA`` into ``dZ = dA * g'(Z)`` in place and return it."""
        self._activation.derivative(dA, self._A, self._Z)
        return dA


class BatchNorm:
    """Batch normalization of ``Z`` before the activation (Ioffe & Szegedy, 2015).

    Training: ``Z_hat = (Z - mu) / sqrt(var + eps)`` with the batch's mean and
    variance, weighted by the samples' weights so that a weight of ``k`` acts
    like ``k`` copies of a sample; output ``gamma * Z_hat + beta``. The running
    mean and variance, ``running <- momentum * running + (1 - momentum) * batch``,
    replace the batch statistics at prediction, so a row's prediction never
    depends on the other rows of its batch.

    Parameters
    ----------
    gamma, beta : ndarray of shape (n,)
        Views into the flat parameters (scale and shift).
    dgamma, dbeta : ndarray of shape (n,)
        Views into the flat gradient.
    running_mean, running_var : ndarray of shape (n,)
        Views into the network's flat state: statistics, not parameters.
    momentum : float
        Weight of the old running statistics at each update.
    """

    epsilon = 1e-5

    def __init__(self, gamma, beta, dgamma, dbeta, running_mean, running_var, momentum):
        self.gamma, self.beta, self.dgamma, self.dbeta = gamma, beta, dgamma, dbeta
        self.running_mean, self.running_var = running_mean, running_var
        self.momentum = momentum
        self._Z_hat = None  # cache: the normalized input
        self._inv_std = None  # cache: 1 / sqrt(var + eps)
        self._weights = None  # cache: the batch's sample weights, summing to one
        self._out = None  # reused output buffer

    def infer(self, Z):
        """Prediction: normalize with the running statistics, in place on ``Z``."""
        Z -= self.running_mean
        Z *= self.gamma / np.sqrt(self.running_var + self.epsilon)
        Z += self.beta
        return Z

    def forward(self, Z, training, batch=None):
        if not training:
            return self.infer(Z)
        weights = batch.weights
        mean = weights @ Z
        centered = Z - mean
        var = weights @ (centered * centered)
        self._inv_std = 1.0 / np.sqrt(var + self.epsilon)
        self._Z_hat = np.multiply(centered, self._inv_std, out=centered)
        self._weights = weights
        self.running_mean *= self.momentum
        self.running_mean += (1 - self.momentum) * mean
        self.running_var *= self.momentum
        self.running_var += (1 - self.momentum) * var
        self._out = _reuse_or_allocate(self._out, Z.shape, Z.dtype)
        np.multiply(self._Z_hat, self.gamma, out=self._out)
        self._out += self.beta
        return self._out

    def release(self):
        self._Z_hat = self._inv_std = self._weights = self._out = None

    def backward(self, dout, need_input_gradient=True):
        """``dZ_i = s (dZ_hat_i - w_i sum_j dZ_hat_j - w_i Z_hat_i sum_j dZ_hat_j Z_hat_j)``.

        With ``s = 1 / sqrt(var + eps)``, ``dZ_hat = dout * gamma`` and ``w``
        the batch's weights (``1 / m`` each without sample weights).
        """
        Z_hat, weights = self._Z_hat, self._weights
        np.einsum("ij,ij->j", dout, Z_hat, out=self.dgamma)
        dout.sum(axis=0, out=self.dbeta)
        dZ_hat = dout * self.gamma
        total = dZ_hat.sum(axis=0)
        projected = self.dgamma * self.gamma  # sum_j dZ_hat_j * Z_hat_j
        dZ_hat -= weights[:, None] * (total + Z_hat * projected)
        dZ_hat *= self._inv_std
        return dZ_hat


class Dropout:
    """Inverted dropout: in training, zero each unit with probability ``rate``.

    Kept units are scaled by ``1 / (1 - rate)`` so that the expected output is
    the input, and prediction is the identity: deterministic. The mask of a
    sample is a hash of its row of ``X``, this layer and the epoch's ``seed``
    (see :mod:`skdeep.nn.dropout_masks`), so it is fixed within an epoch.
    """

    def __init__(self, rate, layer_index):
        self.rate = rate
        self.layer_index = layer_index
        self._mask = None  # cache: the scaled mask of the last batch

    def infer(self, A):
        """Prediction: the identity."""
        return A

    def forward(self, A, training, batch=None):
        if not training:
            return A
        seed = int(mix(np.array([batch.seed], dtype=np.uint64) + np.uint64(self.layer_index))[0])
        self._mask = keep_mask(batch.row_keys, seed, A.shape[1], self.rate, A.dtype)
        return A * self._mask

    def backward(self, dA, need_input_gradient=True):
        dA *= self._mask
        return dA

    def release(self):
        self._mask = None
