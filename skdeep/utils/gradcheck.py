"""Finite-difference gradient checking on the flat parameter vector.

Backpropagation is easy to get subtly wrong; central differences are slow but
obviously right. For each parameter ``theta_i``::

    d loss / d theta_i  ~=  (loss(theta + eps e_i) - loss(theta - eps e_i)) / (2 eps)

and the check reports the relative error
``||g_numeric - g_backprop|| / (||g_numeric|| + ||g_backprop||)``, which is
around 1e-9 in float64 for a correct gradient and near 1 for a wrong one.
"""

import numpy as np


def numerical_gradient(loss, params, eps=1e-6):
    """Central-difference gradient of ``loss()`` with respect to ``params``.

    Parameters
    ----------
    loss : callable
        Takes no argument and returns the loss at the current ``params``.
    params : ndarray of shape (n_params,)
        The flat parameter vector ``loss`` reads; perturbed in place one entry
        at a time and restored exactly afterwards.
    eps : float, default=1e-6
        Half-width of the difference.

    Returns
    -------
    gradient : ndarray of shape (n_params,), float64
    """
    gradient = np.empty(params.shape, dtype=np.float64)
    for i in range(params.size):
        original = params[i]
        params[i] = original + eps
        loss_plus = loss()
        params[i] = original - eps
        loss_minus = loss()
        params[i] = original
        gradient[i] = (loss_plus - loss_minus) / (2 * eps)
    return gradient


def check_gradient(network, X, Y, sample_weight=None, l2=0.0, eps=1e-6):
    """Relative error between backprop's gradient and central differences.

    Parameters
    ----------
    network : skdeep.nn.network.Network
        A network in float64 (``estimator._network`` of a fitted estimator).
    X : ndarray of shape (m, n[0])
        Inputs.
    Y : ndarray of shape (m, n[L])
        Targets in the output encoding: one-hot, label indicators or values.
    sample_weight : ndarray of shape (m,), default=None
        Per-sample weights; the loss is their weighted mean.
    l2 : float, default=0.0
        Coefficient of the penalty ``l2 / 2 * sum(W ** 2)``.
    eps : float, default=1e-6
        Half-width of the central difference.

    Returns
    -------
    relative_error : float
        ``||g_numeric - g_backprop|| / (||g_numeric|| + ||g_backprop||)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.network import Network
    >>> from skdeep.nn.spec import NetworkSpec
    >>> from skdeep.utils import check_gradient
    >>> rng = np.random.RandomState(0)
    >>> net = Network(NetworkSpec((3, 5, 2), "tanh", "softmax", "float64"))
    >>> net.initialize("glorot_uniform", rng)
    >>> X = rng.normal(size=(4, 3)); Y = np.eye(2)[[0, 1, 1, 0]]
    >>> check_gradient(net, X, Y) < 1e-7
    True
    """
    m = X.shape[0]
    weights = np.full(m, 1.0 / m) if sample_weight is None else sample_weight / sample_weight.sum()

    def loss():
        return network.loss_and_gradient(X, Y, weights, l2)

    loss()
    backprop = network.grad.astype(np.float64)
    numeric = numerical_gradient(loss, network.params, eps)
    denominator = np.linalg.norm(numeric) + np.linalg.norm(backprop)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(numeric - backprop) / denominator)
