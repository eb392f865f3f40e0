"""Weight initializers: name -> function drawing W[l] (and b[l]) for one layer.

Each initializer fills a weight matrix of shape ``(fan_in, fan_out)`` =
``(n[l-1], n[l])`` (samples-in-rows notation) so that activations neither
explode nor vanish with depth.

* ``"mlp"``, MLPClassifier's scheme (the estimators' default): W and b both
  uniform in ``±sqrt(6 / (fan_in + fan_out))``, or ``±sqrt(2 / (fan_in +
  fan_out))`` with the logistic activation, drawn layer by layer, W then b,
  exactly as MLPClassifier draws them, so the same ``random_state`` gives the
  same starting weights.
* Glorot (Xavier): Var(W) = 2 / (fan_in + fan_out), for tanh and logistic.
* He (Kaiming):    Var(W) = 2 / fan_in, for the ReLU family.
* LeCun:           Var(W) = 1 / fan_in, for SELU (self-normalizing networks).

With every scheme but ``"mlp"`` the biases start at zero.
"""

import math

_UNIFORM_FROM_VARIANCE = math.sqrt(3.0)  # U(-a, a) has variance a^2 / 3


def _variance(scheme, fan_in, fan_out):
    if scheme == "glorot":
        return 2.0 / (fan_in + fan_out)
    if scheme == "he":
        return 2.0 / fan_in
    return 1.0 / fan_in  # lecun


def initialize_weights(name, fan_in, fan_out, random_state, dtype):
    """Draw a weight matrix with the named initializer.

    Parameters
    ----------
    name : str
        One of :data:`INITIALIZERS`, e.g. ``"he_uniform"``.
    fan_in, fan_out : int
        Units of the layer below, n[l-1], and of this layer, n[l].
    random_state : numpy.random.RandomState
        Source of randomness.
    dtype : numpy dtype
        Dtype of the result.

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)
    """
    scheme, distribution = name.rsplit("_", 1)
    std = math.sqrt(_variance(scheme, fan_in, fan_out))
    if distribution == "uniform":
        bound = std * _UNIFORM_FROM_VARIANCE
        W = random_state.uniform(-bound, bound, (fan_in, fan_out))
    else:
        W = random_state.normal(0.0, std, (fan_in, fan_out))
    return W.astype(dtype, copy=False)


def initialize_mlp_layer(fan_in, fan_out, activation, random_state, dtype):
    """MLPClassifier's draw of one layer: ``(W, b)``, both uniform within the Glorot bound.

    The factor is 6, or 2 for the logistic activation (scikit-learn's
    ``_init_coef``); W is drawn before b, in float64, then cast.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    bound = math.sqrt(factor / (fan_in + fan_out))
    W = random_state.uniform(-bound, bound, (fan_in, fan_out))
    b = random_state.uniform(-bound, bound, fan_out)
    return W.astype(dtype, copy=False), b.astype(dtype, copy=False)


INITIALIZERS = tuple(
    f"{scheme}_{distribution}"
    for scheme in ("glorot", "he", "lecun")
    for distribution in ("uniform", "normal")
)

# init="auto" picks by hidden activation (see layer_initializers for layer 1).
DEFAULT_INITIALIZER = {
    "identity": "glorot_uniform",
    "logistic": "glorot_uniform",
    "tanh": "glorot_uniform",
    "softplus": "glorot_uniform",
    "relu": "he_uniform",
    "leaky_relu": "he_uniform",
    "elu": "he_uniform",
    "gelu": "he_uniform",
    "selu": "lecun_normal",
}


def layer_initializers(init, activation, n_layers):
    """Initializer name for each of the ``n_layers`` weight matrices W[1..L].

    An explicit ``init`` applies to every layer. ``"auto"`` follows the hidden
    activation, with one refinement for the ReLU family: He et al.'s factor 2
    compensates for the ReLU applied to a layer's *input*, and layer 1 reads
    raw features, so it gets gain 1 (LeCun). On unscaled inputs such as the
    digits pixels (0 to 16) this keeps the first layer from saturating.
    """
    if init != "auto":
        return [init] * n_layers
    default = DEFAULT_INITIALIZER[activation]
    if default.startswith("he_"):
        return ["lecun_uniform"] + [default] * (n_layers - 1)
    return [default] * n_layers
