"""Hidden-layer activations g(z) and their derivatives, as a table of small functions.

Every function works in place, as in scikit-learn's ``neural_network/_base.py``:
``forward(Z)`` overwrites the pre-activation ``Z`` with ``A = g(Z)``, and
``derivative(delta, A, Z)`` multiplies the incoming gradient ``delta = dA`` by
``g'(Z)`` so that it becomes ``dZ = dA * g'(Z)``.

Most derivatives can be written from the output ``A`` alone, which lets the
forward pass reuse the ``Z`` buffer for ``A``. The few that cannot (GELU) set
``needs_preactivation`` and the layer keeps ``Z`` beside ``A``.
"""

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import erf, expit

LEAKY_RELU_SLOPE = 0.01
ELU_ALPHA = 1.0
# Constants from Klambauer et al. (2017), "Self-Normalizing Neural Networks".
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# Python floats, so that float32 arrays are not promoted to float64.
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class Activation:
    """One activation: in-place forward and in-place derivative."""

    forward: Callable
    derivative: Callable
    needs_preactivation: bool = False


def _identity(Z):
    pass


def _identity_derivative(delta, A, Z):
    pass


def _logistic(Z):
    expit(Z, out=Z)


def _logistic_derivative(delta, A, Z):
    delta *= A
    delta *= 1 - A


def _tanh(Z):
    np.tanh(Z, out=Z)


def _tanh_derivative(delta, A, Z):
    delta *= 1 - A * A


def _relu(Z):
    np.maximum(Z, 0, out=Z)


def _relu_derivative(delta, A, Z):
    # Multiplying by the boolean mask is several times faster than delta[A <= 0] = 0.
    np.multiply(delta, A > 0, out=delta)


# Masked ufuncs (where=...) are slow; np.where / np.maximum over the whole array are not.
def _leaky_relu(Z):
    np.maximum(Z, Z * LEAKY_RELU_SLOPE, out=Z)


def _leaky_relu_derivative(delta, A, Z):
    delta *= np.where(A < 0, A.dtype.type(LEAKY_RELU_SLOPE), A.dtype.type(1))


def _elu(Z):
    _elu_with(Z, ELU_ALPHA)


def _elu_derivative(delta, A, Z):
    # For z < 0, g(z) = alpha * (e^z - 1), so g'(z) = alpha * e^z = A + alpha.
    delta *= np.where(A < 0, A + ELU_ALPHA, A.dtype.type(1))


def _selu(Z):
    _elu_with(Z, SELU_ALPHA)
    Z *= SELU_SCALE


def _elu_with(Z, alpha):
    negative_part = np.minimum(Z, 0)
    np.expm1(negative_part, out=negative_part)
    negative_part *= alpha
    np.maximum(Z, 0, out=Z)
    Z += negative_part


def _selu_derivative(delta, A, Z):
    # For z < 0, g(z) = scale * alpha * (e^z - 1), so g'(z) = A + scale * alpha.
    delta *= np.where(A < 0, A + SELU_SCALE * SELU_ALPHA, A.dtype.type(SELU_SCALE))


def _softplus(Z):
    np.logaddexp(Z, 0, out=Z)


def _softplus_derivative(delta, A, Z):
    # g(z) = log(1 + e^z), so g'(z) = sigmoid(z) = 1 - e^(-A).
    delta *= -np.expm1(-A)


def _gelu(Z):
    # Exact GELU, z * Phi(z), with Phi the standard normal CDF.
    Z *= 0.5 * (1 + erf(Z * _SQRT_HALF))


def _gelu_derivative(delta, A, Z):
    cdf = 0.5 * (1 + erf(Z * _SQRT_HALF))
    pdf = np.exp(-0.5 * Z * Z) * _INV_SQRT_2PI
    delta *= cdf + Z * pdf


ACTIVATIONS = {
    "identity": Activation(_identity, _identity_derivative),
    "logistic": Activation(_logistic, _logistic_derivative),
    "tanh": Activation(_tanh, _tanh_derivative),
    "relu": Activation(_relu, _relu_derivative),
    "leaky_relu": Activation(_leaky_relu, _leaky_relu_derivative),
    "elu": Activation(_elu, _elu_derivative),
    "selu": Activation(_selu, _selu_derivative),
    "softplus": Activation(_softplus, _softplus_derivative),
    "gelu": Activation(_gelu, _gelu_derivative, needs_preactivation=True),
}
