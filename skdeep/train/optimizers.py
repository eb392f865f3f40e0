"""Update rules on the flat parameter vector, and learning-rate schedules.

An optimizer never knows about layers: ``step(params, grad)`` updates the one
flat vector in place with a handful of vectorized NumPy calls, however deep the
network. ``step`` may use ``grad`` as its workspace (it is recomputed for the
next batch anyway), which saves a parameter-sized buffer. The rules and schedules follow scikit-learn's
``neural_network/_stochastic_optimizers.py`` so that the same hyperparameters
mean the same thing.
"""

import math

import numpy as np

from ..nn.inplace import add_scaled


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v <- momentum * v - lr * grad``; ``params <- params + v``, or with
    Nesterov's momentum ``params <- params + momentum * v - lr * grad``.

    Learning-rate schedules: ``"constant"``; ``"invscaling"``,
    ``lr = learning_rate_init / (t + 1) ** power_t`` with ``t`` the number of
    samples seen; ``"adaptive"``, divide by 5 each time training stops
    improving, and stop once the rate falls below 1e-6.
    """

    def __init__(self, params, learning_rate_init, schedule, momentum, nesterov, power_t):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros_like(params)

    def step(self, params, grad):
        scaled_grad = np.multiply(grad, self.learning_rate, out=grad)
        self.velocity *= self.momentum
        self.velocity -= scaled_grad
        if self.nesterov:
            add_scaled(self.velocity, params, self.momentum)
            params -= scaled_grad
        else:
            params += self.velocity

    def epoch_ended(self, samples_seen):
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (samples_seen + 1) ** self.power_t

    def should_stop(self, message, report):
        """Called when training stopped improving: stop, or lower the rate.

        ``report`` is called with a message saying which.
        """
        if self.schedule != "adaptive":
            report(message + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            report(message + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        report(message + f" Setting learning rate to {self.learning_rate:f}")
        return False


class _ConstantRate:
    """For the adaptive-rate optimizers: no per-epoch schedule of their own, and
    training stops as soon as it stops improving (as MLPClassifier's Adam does)."""

    def epoch_ended(self, samples_seen):
        pass

    def should_stop(self, message, report):
        report(message + " Stopping.")
        return True


class Adam(_ConstantRate):
    """Adam (Kingma & Ba, 2014) with bias correction folded into the rate.

    ``m <- beta_1 m + (1 - beta_1) g``; ``v <- beta_2 v + (1 - beta_2) g^2``;
    ``params <- params - lr_t m / (sqrt(v) + epsilon)`` with
    ``lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)``.
    """

    def __init__(self, params, learning_rate_init, beta_1, beta_2, epsilon):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.first_moment = np.zeros_like(params)
        self.second_moment = np.zeros_like(params)

    def step(self, params, grad):
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
        rate = (
            self.learning_rate
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        np.sqrt(self.second_moment, out=scratch)
        scratch += self.epsilon
        np.divide(self.first_moment, scratch, out=scratch)
        scratch *= rate
        params -= scratch



class RMSprop(_ConstantRate):
    """RMSprop (Tieleman & Hinton, 2012): scale each step by a running RMS of the gradient.

    ``v <- rho v + (1 - rho) g^2``; ``params <- params - lr g / (sqrt(v) + epsilon)``.
    """

    def __init__(self, params, learning_rate_init, rho, epsilon):
        self.learning_rate = float(learning_rate_init)
        self.rho, self.epsilon = rho, epsilon
        self.second_moment = np.zeros_like(params)
        self._scratch = np.empty_like(params)

    def step(self, params, grad):
        scratch = self._scratch
        self.second_moment *= self.rho
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.rho
        self.second_moment += scratch
        np.sqrt(self.second_moment, out=scratch)
        scratch += self.epsilon
        np.divide(grad, scratch, out=scratch)
        scratch *= self.learning_rate
        params -= scratch



class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before the Adam step, ``W <- W - lr * weight_decay * W`` on the weights
    only (the first ``n_decayed`` entries of the flat vector: biases and batch
    normalization parameters are not decayed). Unlike the L2 penalty
    ``alpha``, the decay does not pass through Adam's per-parameter scaling.
    """

    def __init__(self, params, learning_rate_init, beta_1, beta_2, epsilon, weight_decay, n_decayed):
        super().__init__(params, learning_rate_init, beta_1, beta_2, epsilon)
        self.weight_decay = weight_decay
        self.n_decayed = n_decayed

    def step(self, params, grad):
        params[: self.n_decayed] *= 1 - self.learning_rate * self.weight_decay
        super().step(params, grad)


class Nadam(Adam):
    """Adam with Nesterov momentum (Dozat, 2016).

    The first moment is looked ahead by one step:
    ``m_hat = beta_1 m / (1 - beta_1^(t+1)) + (1 - beta_1) g / (1 - beta_1^t)``,
    ``params <- params - lr m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)``.
    """

    def __init__(self, params, learning_rate_init, beta_1, beta_2, epsilon):
        super().__init__(params, learning_rate_init, beta_1, beta_2, epsilon)
        self._scratch = np.empty_like(params)

    def step(self, params, grad):
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
        m_hat *= self.learning_rate
        params -= m_hat


def make_optimizer(solver, params, estimator, n_weights):
    """Build the optimizer named by ``solver`` from an estimator's hyperparameters.

    ``n_weights`` is the length of the weight prefix of ``params`` (the part
    AdamW decays).
    """
    if solver == "sgd":
        return SGD(
            params,
            estimator.learning_rate_init,
            estimator.learning_rate,
            estimator.momentum,
            estimator.nesterovs_momentum,
            estimator.power_t,
        )
    if solver == "rmsprop":
        return RMSprop(params, estimator.learning_rate_init, estimator.rho, estimator.epsilon)
    adam_arguments = (
        params,
        estimator.learning_rate_init,
        estimator.beta_1,
        estimator.beta_2,
        estimator.epsilon,
    )
    if solver == "adamw":
        return AdamW(*adam_arguments, estimator.weight_decay, n_weights)
    if solver == "nadam":
        return Nadam(*adam_arguments)
    return Adam(*adam_arguments)
