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
factory :func:`make_optimizer`, persistence and the memory guard
(:mod:`skdeep.train.memory`) all read it. Each class lists the estimator
hyperparameters it takes (``HYPERPARAMETERS``), its state arrays
(``STATE_ARRAYS``, the parameter-sized arrays it keeps between steps) and how
many parameter-sized temporaries a step needs at its peak
(``STEP_TEMPORARIES``), and can give and take its state with
:meth:`state_dict` and :meth:`load_state_dict`.

A step that needs more than the gradient as workspace runs in chunks of
:data:`~skdeep.nn.inplace.CHUNK` elements, so that its temporaries are
chunk-sized rather than parameter-sized.
"""

import math

import numpy as np

from ..nn.inplace import CHUNK, add_scaled


def _chunks(size):
    """Slices cutting ``range(size)`` into pieces of at most ``CHUNK`` elements."""
    return [slice(start, start + CHUNK) for start in range(0, size, CHUNK)]


class _Optimizer:
    """Shared state handling: a step counter ``t`` and named state arrays.

    A subclass declares its memory, which the memory guard budgets a fit with
    (:func:`~skdeep.train.memory.training_memory`): ``STATE_ARRAYS`` are the
    parameter-sized arrays it keeps, and ``STEP_TEMPORARIES`` (no default:
    each optimizer states it) counts the parameter-sized arrays a step needs
    beyond those and the gradient, at its peak, whether allocated during the
    step or kept as a buffer.
    """

    HYPERPARAMETERS = ()
    STATE_ARRAYS = ()

    def __init__(self, params):
        self.t = 0
        for name in self.STATE_ARRAYS:
            setattr(self, name, np.zeros_like(params))

    def flush_subnormals(self):
        """Set the state's subnormal values to 0.

        A moment whose gradient stays 0 (a unit that no longer fires, a bin
        no row reaches) decays geometrically into the subnormal range, where
        every arithmetic operation on it is about a hundred times slower: in
        float32 a third of Adam's moments got there within ten epochs and an
        epoch took 2.5 times longer. At that size a value changes no step, so
        zeroing it changes nothing but the speed.
        """
        for name in self.STATE_ARRAYS:
            array = getattr(self, name)
            array[np.abs(array) < np.finfo(array.dtype).tiny] = 0

    def state_dict(self, copy=True):
        """The state as ``{"t": int, <array name>: ndarray}``.

        The arrays are copies unless ``copy=False``, which hands over the
        optimizer's own arrays: for a caller that is done with the optimizer
        and need not hold its state twice.
        """
        state = {"t": self.t}
        state.update({name: getattr(self, name).copy() if copy else getattr(self, name)
                      for name in self.STATE_ARRAYS})
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
    STEP_TEMPORARIES = 0  # grad is the workspace; add_scaled's temporaries are chunk-sized

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
    STEP_TEMPORARIES = 0  # grad is the workspace

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
    STEP_TEMPORARIES = 0  # grad is the workspace; the rest is chunk-sized

    def __init__(self, params, rho=0.9, epsilon=1e-8):
        super().__init__(params)
        self.rho, self.epsilon = rho, epsilon

    def step(self, params, grad, learning_rate):
        self.t += 1
        rho, epsilon = self.rho, self.epsilon
        # g is needed after v is updated, so g^2 and sqrt(v) + epsilon are made a chunk at a time.
        for part in _chunks(len(params)):
            g, v, p = grad[part], self.second_moment[part], params[part]
            v *= rho
            square = np.multiply(g, g)
            square *= 1 - rho
            v += square
            denominator = np.sqrt(v, out=square)
            denominator += epsilon
            g /= denominator
            g *= learning_rate
            p -= g


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

    STEP_TEMPORARIES = 0  # grad becomes the step; the rest is chunk-sized

    def step(self, params, grad, learning_rate):
        self.t += 1
        t, beta_1, beta_2, epsilon = self.t, self.beta_1, self.beta_2, self.epsilon
        lookahead, current = beta_1 / (1 - beta_1 ** (t + 1)), (1 - beta_1) / (1 - beta_1**t)
        second_correction = 1 - beta_2**t
        # g is needed three times and m and v must survive the step, so what the formula
        # makes beyond them is made a chunk at a time; g is overwritten with m_hat, then
        # with the step itself.
        for part in _chunks(len(params)):
            g, m, v, p = grad[part], self.first_moment[part], self.second_moment[part], params[part]
            m *= beta_1
            work = np.multiply(g, 1 - beta_1)
            m += work
            v *= beta_2
            np.multiply(g, g, out=work)
            work *= 1 - beta_2
            v += work
            g *= current
            g += np.multiply(m, lookahead, out=work)  # g <- m_hat
            denominator = np.divide(v, second_correction, out=work)  # sqrt(v_hat) + epsilon
            np.sqrt(denominator, out=denominator)
            denominator += epsilon
            g /= denominator
            g *= learning_rate
            p -= g


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
