"""Update rules on the flat parameter vector, in one registry.

An optimizer never knows about layers, nor about the learning rate's schedule:
``step(params, grad, learning_rate)`` updates the one flat vector in place with
a handful of vectorized NumPy calls, at the rate the schedule
(:mod:`skdeep.train.schedules`) chose for the epoch. ``step`` may use ``grad``
as its workspace (it is recomputed for the next batch anyway), which saves a
parameter-sized buffer. The rules follow scikit-learn's
``neural_network/_stochastic_optimizers.py`` so that the same
hyperparameters mean the same thing.

``OPTIMIZERS`` maps each solver name to its class; parameter validation, the
factory :func:`make_optimizer` and persistence all read it. Each class lists
the estimator hyperparameters it takes (``HYPERPARAMETERS``) and its state
arrays (``STATE_ARRAYS``), and can give and take its state with
:meth:`state_dict` and :meth:`load_state_dict`.
"""

import math

import numpy as np

from ..nn.inplace import add_scaled


class _Optimizer:
    """Shared state handling: a step counter ``t`` and named state arrays."""

    HYPERPARAMETERS = ()
    STATE_ARRAYS = ()

    def __init__(self, params):
        self.t = 0
        for name in self.STATE_ARRAYS:
            setattr(self, name, np.zeros_like(params))

    def state_dict(self):
        """The state as ``{"t": int, <array name>: ndarray}`` (arrays are copies)."""
        state = {"t": self.t}
        state.update({name: getattr(self, name).copy() for name in self.STATE_ARRAYS})
        return state

    def load_state_dict(self, state):
        """Take a :meth:`state_dict`; raises ValueError if it does not fit this optimizer."""
        expected = {"t", *self.STATE_ARRAYS}
        if set(state) != expected:
            raise ValueError(f"{type(self).__name__} state needs exactly {sorted(expected)}, "
                             f"got {sorted(state)}.")
        t = state["t"]
        if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or t < 0:
            raise ValueError(f"the optimizer step count must be a non-negative integer, got {t!r}.")
        arrays = {}
        for name in self.STATE_ARRAYS:
            target, value = getattr(self, name), np.asarray(state[name])
            if value.shape != target.shape or value.dtype != target.dtype:
                raise ValueError(f"optimizer array {name!r} has shape {value.shape} and dtype "
                                 f"{value.dtype}; expected {target.shape} and {target.dtype}.")
            if not np.isfinite(value).all():
                raise ValueError(f"optimizer array {name!r} contains NaN or infinity.")
            if name == "second_moment" and (value < 0).any():
                raise ValueError("optimizer array 'second_moment' must be non-negative.")
            arrays[name] = value
        self.t = int(t)
        for name, value in arrays.items():
            getattr(self, name)[...] = value


class SGD(_Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v <- momentum * v - lr * grad``; ``params <- params + v``, or with
    Nesterov's momentum ``params <- params + momentum * v - lr * grad``.
    """

    HYPERPARAMETERS = ("momentum", "nesterovs_momentum")
    STATE_ARRAYS = ("velocity",)

    def __init__(self, params, momentum=0.9, nesterovs_momentum=True):
        super().__init__(params)
        self.momentum = momentum
        self.nesterov = nesterovs_momentum

    def step(self, params, grad, learning_rate):
        self.t += 1
        scaled_grad = np.multiply(grad, learning_rate, out=grad)
        self.velocity *= self.momentum
        self.velocity -= scaled_grad
        if self.nesterov:
            add_scaled(self.velocity, params, self.momentum)
            params -= scaled_grad
        else:
            params += self.velocity


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2014) with bias correction folded into the rate.

    ``m <- beta_1 m + (1 - beta_1) g``; ``v <- beta_2 v + (1 - beta_2) g^2``;
    ``params <- params - lr_t m / (sqrt(v) + epsilon)`` with
    ``lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)``.
    """

    HYPERPARAMETERS = ("beta_1", "beta_2", "epsilon")
    STATE_ARRAYS = ("first_moment", "second_moment")

    def __init__(self, params, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(params)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def step(self, params, grad, learning_rate):
        self.t += 1
        beta_1, beta_2 = self.beta_1, self.beta_2
        # grad is the workspace: (1 - b1) g for m, then (1 - b1)^2 g^2 rescaled for v.
        scratch = grad
        scratch *= 1 - beta_1
        self.first_moment *= beta_1
        self.first_moment += scratch
        scratch *= scratch
        scratch *= (1 - beta_2) / (1 - beta_1) ** 2
        self.second_moment *= beta_2
        self.second_moment += scratch
        rate = learning_rate * math.sqrt(1 - beta_2**self.t) / (1 - beta_1**self.t)
        np.sqrt(self.second_moment, out=scratch)
        scratch += self.epsilon
        np.divide(self.first_moment, scratch, out=scratch)
        scratch *= rate
        params -= scratch


class RMSprop(_Optimizer):
    """RMSprop (Tieleman & Hinton, 2012): scale each step by a running RMS of the gradient.

    ``v <- rho v + (1 - rho) g^2``; ``params <- params - lr g / (sqrt(v) + epsilon)``.
    """

    HYPERPARAMETERS = ("rho", "epsilon")
    STATE_ARRAYS = ("second_moment",)

    def __init__(self, params, rho=0.9, epsilon=1e-8):
        super().__init__(params)
        self.rho, self.epsilon = rho, epsilon
        self._scratch = np.empty_like(params)

    def step(self, params, grad, learning_rate):
        self.t += 1
        scratch = self._scratch
        self.second_moment *= self.rho
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.rho
        self.second_moment += scratch
        np.sqrt(self.second_moment, out=scratch)
        scratch += self.epsilon
        np.divide(grad, scratch, out=scratch)
        scratch *= learning_rate
        params -= scratch


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before the Adam step, ``W <- W - lr * weight_decay * W`` on the weights
    only (the first ``n_decayed`` entries of the flat vector: biases and batch
    normalization parameters are not decayed). Unlike the L2 penalty
    ``alpha``, the decay does not pass through Adam's per-parameter scaling.
    """

    HYPERPARAMETERS = Adam.HYPERPARAMETERS + ("weight_decay",)

    def __init__(self, params, beta_1=0.9, beta_2=0.999, epsilon=1e-8, weight_decay=0.01,
                 n_decayed=None):
        super().__init__(params, beta_1, beta_2, epsilon)
        self.weight_decay = weight_decay
        self.n_decayed = len(params) if n_decayed is None else n_decayed

    def step(self, params, grad, learning_rate):
        params[: self.n_decayed] *= 1 - learning_rate * self.weight_decay
        super().step(params, grad, learning_rate)


class Nadam(Adam):
    """Adam with Nesterov momentum (Dozat, 2016).

    The first moment is looked ahead by one step:
    ``m_hat = beta_1 m / (1 - beta_1^(t+1)) + (1 - beta_1) g / (1 - beta_1^t)``,
    ``params <- params - lr m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)``.
    """

    def __init__(self, params, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(params, beta_1, beta_2, epsilon)
        self._scratch = np.empty_like(params)

    def step(self, params, grad, learning_rate):
        self.t += 1
        t, beta_1, beta_2 = self.t, self.beta_1, self.beta_2
        scratch = self._scratch
        self.first_moment *= beta_1
        self.first_moment += np.multiply(grad, 1 - beta_1, out=scratch)
        self.second_moment *= beta_2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - beta_2
        self.second_moment += scratch
        # scratch <- sqrt(v_hat) + epsilon
        np.divide(self.second_moment, 1 - beta_2**t, out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += self.epsilon
        m_hat = self.first_moment * (beta_1 / (1 - beta_1 ** (t + 1)))
        m_hat += grad * ((1 - beta_1) / (1 - beta_1**t))
        m_hat /= scratch
        m_hat *= learning_rate
        params -= m_hat


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adamw": AdamW, "nadam": Nadam}


def make_optimizer(solver, params, hyperparameters, n_weights):
    """Build the optimizer registered as ``solver`` for the flat vector ``params``.

    Parameters
    ----------
    solver : str
        A key of ``OPTIMIZERS``; any other name raises ValueError.
    params : ndarray
        The flat parameter vector (its shape and dtype size the state arrays).
    hyperparameters : mapping
        Values of at least the class's ``HYPERPARAMETERS`` (extra keys are ignored).
    n_weights : int
        Length of the weight prefix of ``params`` (the part AdamW decays).
    """
    if solver not in OPTIMIZERS:
        raise ValueError(f"Unknown solver {solver!r}; the stochastic solvers are {sorted(OPTIMIZERS)}.")
    optimizer_class = OPTIMIZERS[solver]
    arguments = {name: hyperparameters[name] for name in optimizer_class.HYPERPARAMETERS}
    if optimizer_class is AdamW:
        arguments["n_decayed"] = n_weights
    return optimizer_class(params, **arguments)
