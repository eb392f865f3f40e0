"""Full-batch training with SciPy's L-BFGS-B on the flat parameter vector.

The same state, hooks and record schema as the stochastic loop: each L-BFGS
iteration is one record (``learning_rate`` and the validation values None),
appended to ``loss_curve_`` and ``history_``, shown by the progress display and
passed to the callbacks, any of which may stop the minimization.
"""

import time

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from .._warn import warn
from .callbacks import FitInfo
from .data import normalized_weights
from .interrupt import StopAfterBatch
from .progress import Progress
from .trainer import begin_hooks, call_hooks


def train_lbfgs(network, state, config, data, *, hooks=(), inputs=None):
    """Minimize the full-batch loss of ``network``, updating ``state``.

    At most ``max_iter`` iterations and ``max_fun`` loss evaluations; ``tol``
    is the projected-gradient tolerance. SciPy works in float64, so a float32
    network is evaluated in float32 and its gradient handed back as float64.
    Parameters are those of :func:`~skdeep.train.trainer.train_stochastic`.
    """
    X, Y, sample_weight = data
    weights, weight_sum = normalized_weights(sample_weight, slice(0, X.shape[0]), X.dtype)
    l2 = config.alpha / weight_sum
    progress = Progress(config.verbose, config.max_iter, with_validation=False)
    info = FitInfo.begin(solver=config.solver, incremental=False, max_epochs=config.max_iter,
                         validation=False, inputs=inputs)
    clock = [time.perf_counter()]
    start = network.params.astype(np.float64)
    accepted = [start]  # the last iterate L-BFGS accepted (line-search trials are not)
    stop_reason = []
    interrupt = StopAfterBatch()

    def loss_and_gradient(theta):
        network.params[...] = theta
        loss = network.loss_and_gradient(X, Y, weights, l2)
        return loss, network.grad.astype(np.float64)

    def end_iteration(intermediate_result):
        accepted[0] = intermediate_result.x.copy()
        record = _record_iteration(state, float(intermediate_result.fun), clock)
        progress.epoch_ended(record)
        if any([bool(hook.on_epoch_end(record)) for hook in hooks]):
            progress.say(f"A callback stopped training after iteration {record['epoch']}.")
            stop_reason.append("callback")
        elif interrupt.requested:  # Ctrl-C: stop after this iteration (_finish warns, outside SciPy)
            stop_reason.append("interrupt")
        if stop_reason:
            raise StopIteration  # SciPy ends the minimization cleanly

    iterations_before = state.epochs
    stopped_by = "error"
    begun = []  # the hooks whose on_fit_begin ran: each gets its on_fit_end
    try:
        begin_hooks(hooks, info, begun)
        with interrupt:
            result = scipy.optimize.minimize(
                loss_and_gradient, start, method="L-BFGS-B", jac=True, callback=end_iteration,
                options={"maxfun": config.max_fun, "maxiter": config.max_iter, "gtol": config.tol},
            )
        state.n_iter_ = state.epochs - iterations_before
        if interrupt.interrupted:  # a KeyboardInterrupt raised inside the minimization
            network.params[...] = accepted[0]
            state.loss_ = state.loss_curve_[-1] if state.n_iter_ else state.loss_
            stopped_by = "interrupt"
        else:
            stopped_by = _finish(network, state, result, stop_reason)
        state.best_loss_ = min(state.loss_curve_[iterations_before:], default=state.loss_)
        # Batch norm's statistics of the final weights, not an average over line-search trials.
        network.set_running_statistics(X, weights)
    finally:
        progress.close()
        network.release_buffers()
        call_hooks(begun, "on_fit_end", info.ended(state.epochs - iterations_before, stopped_by))


def _record_iteration(state, loss, clock):
    now = time.perf_counter()
    record = state.record_epoch(loss, seconds=now - clock[0])
    clock[0] = now
    return record


def _finish(network, state, result, stop_reason):
    """Keep the minimizer's weights; how training stopped (None: it converged or hit a limit)."""
    if not np.isfinite(result.fun):
        raise ValueError(
            "L-BFGS could not evaluate a finite loss (it is NaN or infinite at the "
            "starting weights). Scale the inputs (e.g. StandardScaler)."
        )
    network.params[...] = result.x
    state.loss_ = float(result.fun)
    if stop_reason:
        # Warned here, not in the callback: from inside SciPy's frames the
        # warning could not find the user's line (skdeep._warn).
        if stop_reason[0] == "interrupt":
            warn(f"Training interrupted by user after iteration {state.epochs}.")
        return stop_reason[0]
    if result.status != 0:  # a limit on iterations or evaluations, or an abnormal stop
        warn(
            f"lbfgs failed to converge after {result.nit} iterations ({result.message}). "
            "Increase max_iter or max_fun, or scale the data.",
            ConvergenceWarning,
        )
    return None
