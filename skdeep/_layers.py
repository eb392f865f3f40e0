"""Building blocks of the network: each has ``forward`` and ``backward``.

Samples are in rows. For a batch of ``m`` samples, layer ``l`` maps
``A[l-1]`` of shape ``(m, n[l-1])`` to ``A[l]`` of shape ``(m, n[l])``:

* :class:`Dense`: ``Z[l] = A[l-1] @ W[l] + b[l]`` with ``W[l]`` of shape
  ``(n[l-1], n[l])``, the transpose of the course's column notation
  ``Z = W A + b`` with ``W`` of shape ``(n[l], n[l-1])``.
* :class:`ActivationLayer`: ``A[l] = g(Z[l])``, element-wise.

In training mode ``forward`` keeps in a cache what ``backward`` needs, and
``backward`` takes the gradient of the loss with respect to the layer's output
and returns the one with respect to its input, filling the parameter gradients
on the way. Parameters and gradients are views into the network's flat vectors,
so the layers never own them.
"""

import numpy as np
import scipy.sparse as sp

from ._activations import ACTIVATIONS


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

    def forward(self, A_prev, training):
        if not training:
            Z = A_prev @ self.W
            Z += self.b
            return Z
        self._A_prev = A_prev
        self._Z = _reuse_or_allocate(self._Z, (A_prev.shape[0], self.W.shape[1]), self.W.dtype)
        if sp.issparse(A_prev):
            self._Z[...] = A_prev @ self.W
        else:
            np.matmul(A_prev, self.W, out=self._Z)
        self._Z += self.b
        return self._Z

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

    def forward(self, Z, training):
        if training and self._activation.needs_preactivation:
            self._Z = Z.copy()
        self._activation.forward(Z)
        if training:
            self._A = Z
        return Z

    def backward(self, dA, need_input_gradient=True):
        """Turn ``dA`` into ``dZ = dA * g'(Z)`` in place and return it."""
        self._activation.derivative(dA, self._A, self._Z)
        return dA
