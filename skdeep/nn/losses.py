"""Losses computed from the output layer's logits, and the output activations.

Each loss takes the logits ``Z`` of the last layer (shape ``(m, n[L])``), the
targets ``Y`` of the same shape and per-sample weights ``w`` (already divided by
their sum, so that the loss is a weighted mean over samples). It returns the
loss and overwrites ``Z`` with ``dZ``, the gradient of that loss with respect to
the logits. Working from logits keeps every loss finite: softmax and sigmoid
losses go through log-sum-exp, never through ``log(p)`` of a rounded ``p``.

For each output activation paired with its canonical loss, ``dZ`` has the same
simple form, ``(g(Z) - Y) * w``, scaled by ``1 / n[L]`` for the squared error,
which is averaged over outputs as scikit-learn's ``MLPRegressor`` does.

=================  ===========  =============================================
output activation  loss         per-sample loss from logits z
=================  ===========  =============================================
softmax            log_loss     logsumexp(z) - sum_k y_k z_k
logistic           binary_log   sum_k log(1 + e^{z_k}) - y_k z_k
identity           squared      1/(2 n[L]) sum_k (z_k - y_k)^2
exp                poisson      sum_k e^{z_k} - y_k z_k + y_k log y_k - y_k
=================  ===========  =============================================
"""

import numpy as np
from scipy.special import expit, xlogy


def _weighted_mean(per_sample, weights):
    return float(np.dot(weights, per_sample))


def softmax_log_loss(Z, Y, weights):
    """Multiclass cross-entropy of ``softmax(Z)``; ``Z`` becomes ``dZ``."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    np.exp(shifted, out=Z)
    normalizer = Z.sum(axis=1, keepdims=True)
    per_sample = np.log(normalizer[:, 0]) - np.einsum("ij,ij->i", Y, shifted)
    Z /= normalizer
    Z -= Y
    Z *= weights[:, None]
    return _weighted_mean(per_sample, weights)


def binary_log_loss(Z, Y, weights):
    """Cross-entropy of ``sigmoid(Z)`` summed over outputs; ``Z`` becomes ``dZ``."""
    per_sample = (np.logaddexp(0, Z) - Y * Z).sum(axis=1)
    expit(Z, out=Z)
    Z -= Y
    Z *= weights[:, None]
    return _weighted_mean(per_sample, weights)


def squared_loss(Z, Y, weights):
    """Half squared error averaged over outputs; ``Z`` becomes ``dZ``."""
    Z -= Y
    per_sample = np.einsum("ij,ij->i", Z, Z) / (2 * Z.shape[1])
    Z *= weights[:, None] / Z.shape[1]
    return _weighted_mean(per_sample, weights)


def poisson_loss(Z, Y, weights):
    """Half Poisson deviance with a log link, summed over outputs; ``Z`` becomes ``dZ``."""
    prediction = np.exp(Z)
    per_sample = (prediction - Y * Z + xlogy(Y, Y) - Y).sum(axis=1)
    np.subtract(prediction, Y, out=Z)
    Z *= weights[:, None]
    return _weighted_mean(per_sample, weights)


def softmax(Z):
    """Row-wise softmax, computed stably; returns a new array."""
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    exp /= exp.sum(axis=1, keepdims=True)
    return exp


# Output activation -> (loss from logits, function from logits to predictions).
OUTPUTS = {
    "softmax": (softmax_log_loss, softmax),
    "logistic": (binary_log_loss, expit),
    "identity": (squared_loss, lambda Z: Z),
    "exp": (poisson_loss, np.exp),
}
