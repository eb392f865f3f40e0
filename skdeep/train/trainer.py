"""The training loops: mini-batch epochs for the stochastic solvers, and L-BFGS.

Both loops drive a :class:`~skdeep.nn.network.Network` through its flat
``params``/``grad`` vectors and record progress on the estimator under
scikit-learn's attribute names (``n_iter_``, ``t_``, ``loss_``,
``loss_curve_``, ``best_loss_``, ``validation_scores_``,
``best_validation_score_``), with the same stopping rules as
``MLPClassifier``: stop when the training loss (or, with early stopping, the
validation score) has not improved by ``tol`` for ``n_iter_no_change``
consecutive epochs.

Around that core the stochastic loop applies the epoch-wise learning-rate
schedules, clips gradients, appends a record per epoch to ``history_``, calls
the callbacks (any of which may stop training), stops cleanly after the
current batch on Ctrl-C, restores the epoch's starting weights and raises on
a non-finite loss, and refuses up front a batch too large for free memory.
"""

import os
import signal
import threading
import time
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from .optimizers import make_optimizer
from .progress import Progress
from .schedules import epoch_learning_rate, uses_epoch_schedule


def resolve_batch_size(batch_size, n_samples):
    """``"auto"`` is ``min(200, n_samples)``; larger sizes are clipped with a warning."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"Got batch_size={batch_size} larger than the {n_samples} training "
            "samples; it is clipped to the number of samples."
        )
    return int(np.clip(batch_size, 1, n_samples))


def available_memory():
    """Bytes of physical memory free now, or None where the system does not say."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def training_memory(network, batch_size):
    """Bytes a training step needs: the per-batch buffers plus the optimizer's vectors.

    Per batch row, each hidden layer keeps Z/A and dA (batch norm adds its
    normalized copy and output, dropout its mask); per parameter, the vector,
    its gradient and up to three optimizer vectors.
    """
    per_row = network.layer_sizes[0] + 2 * network.layer_sizes[-1]
    per_row += sum(network.layer_sizes[1:-1]) * (2 + 2 * network.batch_norm + network.has_dropout)
    return network.dtype.itemsize * (batch_size * per_row + 5 * network.n_params)


def check_batch_fits_in_memory(network, batch_size):
    """Refuse, with a clear error, a batch that could only be trained by thrashing."""
    needed, free = training_memory(network, batch_size), available_memory()
    if free is not None and needed > free:
        raise MemoryError(
            f"Training needs about {needed / 2**30:.1f} GiB for batch_size={batch_size} with "
            f"layer sizes {network.layer_sizes}, but only {free / 2**30:.1f} GiB of memory is "
            "free. Lower batch_size or the layer sizes."
        )


def split_validation(X, Y, sample_weight, fraction, strata, random_state):
    """Hold out ``fraction`` of the samples, stratified on ``strata`` unless None."""
    arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
    parts = train_test_split(
        *arrays, test_size=fraction, random_state=random_state, stratify=strata
    )
    if parts[1].shape[0] < 2:
        raise ValueError(
            f"The validation set is too small ({parts[1].shape[0]} sample): increase "
            "'validation_fraction' or the number of samples."
        )
    train, val = parts[0::2], parts[1::2]
    if sample_weight is None:
        train, val = train + [None], val + [None]
    return train, val


def _normalized_weights(sample_weight, rows, dtype):
    """Per-sample weights of a batch, summing to one, and their raw sum."""
    if sample_weight is None:
        m = len(rows) if not isinstance(rows, slice) else rows.stop - rows.start
        return np.full(m, 1.0 / m, dtype=dtype), float(m)
    weights = sample_weight[rows]
    total = float(weights.sum())
    if total <= 0:
        return None, 0.0
    return (weights / total).astype(dtype, copy=False), total


def _diverged(what, epoch):
    return ValueError(
        f"Training diverged: the {what} became non-finite at epoch {epoch}. The "
        "weights from the start of that epoch were restored. Scale the inputs "
        "(e.g. StandardScaler) or lower learning_rate_init."
    )


def _take_rows(X, rows):
    if isinstance(rows, slice) or sp.issparse(X):
        return X[rows]
    return X.take(rows, axis=0)


class _StopAfterBatch:
    """While active, Ctrl-C (SIGINT) asks training to stop after the current batch.

    Python delivers signals to the main thread only; elsewhere this does
    nothing and Ctrl-C cannot reach the fit anyway. A KeyboardInterrupt that
    is raised all the same (by a callback, or by a SIGINT handler installed
    during the fit) ends training with a warning and keeps the model trained
    so far, as in MLPClassifier.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _request(self, signum, frame):
        self.requested = True

    def __enter__(self):
        # getsignal is None when the handler was not set from Python (an
        # embedding host owns it): leave it alone, it could not be restored.
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is not None
        ):
            self._previous = signal.signal(signal.SIGINT, self._request)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            warnings.warn("Training interrupted by user.")
            return True
        return False


def _callbacks_ask_to_stop(est, record):
    """Call every callback with the epoch's record; True if any asks to stop."""
    # A list, not a generator: every callback sees every epoch.
    return any([bool(callback(est, record)) for callback in est.callbacks or ()])


def _clip_by_global_norm(grad, max_norm):
    norm = float(np.sqrt(np.dot(grad, grad)))
    if norm > max_norm:
        grad *= max_norm / norm


def fit_stochastic(est, network, X, Y, sample_weight, incremental, validation_score):
    """Run up to ``max_iter`` epochs (one for ``partial_fit``) of mini-batch training.

    Parameters
    ----------
    est : DeepNetClassifier or DeepNetRegressor
        Supplies the hyperparameters and receives the progress attributes.
    network : Network
    X, Y : training inputs and encoded targets, in the network's dtype.
    sample_weight : ndarray of shape (n_samples,) or None
    incremental : bool
        True for ``partial_fit``: one epoch, optimizer state kept.
    validation_score : callable ``(X_val, Y_val, sample_weight_val) -> float``
        Scores the current network on a held-out set (early stopping).
    """
    params, grad = network.params, network.grad
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = make_optimizer(est.solver, params, est, network.n_weights)
    optimizer = est._optimizer

    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True.")
    validation = None
    if est.early_stopping:
        (X, Y, sample_weight), validation = split_validation(
            X, Y, sample_weight, est.validation_fraction, est._validation_strata(Y),
            est._random_state,
        )
    n_samples = X.shape[0]
    batch_size = resolve_batch_size(est.batch_size, n_samples)
    check_batch_fits_in_memory(network, batch_size)
    full_batch = batch_size >= n_samples
    epochs = 1 if incremental else est.max_iter
    progress = Progress(est.verbose, epochs, validation is not None)
    # Drawn only with dropout, so that without it the random stream is unchanged.
    dropout_base_seed = est._random_state.randint(2**31) if network.has_dropout else 0

    est.n_iter_ = 0  # epochs of this call, as in MLPClassifier
    with _StopAfterBatch() as stop:
        for _ in range(epochs):
            started = time.perf_counter()
            # Epochs trained so far, across warm starts and partial_fit calls.
            epoch = len(est.loss_curve_)
            if uses_epoch_schedule(est.learning_rate, est.warmup):
                optimizer.learning_rate = epoch_learning_rate(
                    est.learning_rate, est.learning_rate_init, epoch,
                    max_iter=est.max_iter, warmup=est.warmup,
                    step_size=est.lr_step_size, gamma=est.lr_step_gamma,
                )
            learning_rate = optimizer.learning_rate
            network.start_epoch(dropout_base_seed, epoch)
            epoch_start = network.snapshot()
            # One batch over all samples needs no shuffling: the sum is the same.
            order = est._random_state.permutation(n_samples) if est.shuffle and not full_batch else None
            accumulated_loss = 0.0
            for start in range(0, n_samples, batch_size):
                rows = slice(start, min(start + batch_size, n_samples))
                if order is not None:
                    rows = order[rows]
                weights, weight_sum = _normalized_weights(sample_weight, rows, X.dtype)
                if weights is None:  # every sample of this batch has weight zero
                    continue
                batch_loss = network.loss_and_gradient(
                    _take_rows(X, rows), Y[rows], weights, est.alpha / weight_sum
                )
                if not np.isfinite(batch_loss):
                    network.restore(epoch_start)
                    raise _diverged("loss", epoch + 1)
                if est.clip_grad_norm is not None:
                    _clip_by_global_norm(grad, est.clip_grad_norm)
                optimizer.step(params, grad)
                accumulated_loss += batch_loss * len(weights)
                if stop.requested:
                    break
            if stop.requested:
                warnings.warn(
                    f"Training interrupted by user during epoch {epoch + 1}; stopped "
                    "after the current batch. That epoch is not counted in n_iter_."
                )
                break
            if not np.isfinite(params).all():
                network.restore(epoch_start)
                raise _diverged("weights", epoch + 1)

            record = _end_epoch(
                est, network, accumulated_loss / n_samples, n_samples, learning_rate,
                validation, validation_score,
            )
            record["seconds"] = time.perf_counter() - started
            est.history_.append(record)
            progress.epoch_ended(record)
            callback_says_stop = _callbacks_ask_to_stop(est, record)

            optimizer.epoch_ended(est.t_)
            if callback_says_stop:
                progress.say(f"A callback stopped training after epoch {epoch + 1}.")
                break
            if est._no_improvement_count > est.n_iter_no_change:
                what = "Validation score" if est.early_stopping else "Training loss"
                message = (
                    f"{what} did not improve more than tol={est.tol:f} for "
                    f"{est.n_iter_no_change} consecutive epochs."
                )
                if optimizer.should_stop(message, progress.say):
                    break
                est._no_improvement_count = 0
        else:
            if not incremental:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    progress.close()
    network.release_buffers()
    if est.early_stopping:
        network.restore(est._best_snapshot)


def _end_epoch(est, network, loss, n_samples, learning_rate, validation, validation_score):
    """Update the progress attributes after an epoch; return its history record."""
    est.n_iter_ += 1
    est.t_ += n_samples
    est.loss_ = loss
    est.loss_curve_.append(loss)
    record = {"epoch": len(est.loss_curve_), "loss": loss, "learning_rate": learning_rate}
    if validation is None:
        _track_training_loss(est)
        return record
    X_val, Y_val, sample_weight_val = validation
    weights = (
        np.full(len(Y_val), 1.0 / len(Y_val), dtype=X_val.dtype)
        if sample_weight_val is None
        else sample_weight_val / sample_weight_val.sum()
    )
    record["validation_loss"] = network.loss(X_val, Y_val, weights, 0.0)
    record["validation_score"] = validation_score(X_val, Y_val, sample_weight_val)
    _track_validation_score(est, network, record["validation_score"])
    return record


def _track_validation_score(est, network, score):
    est.validation_scores_.append(score)
    if score < est.best_validation_score_ + est.tol:
        est._no_improvement_count += 1
    else:
        est._no_improvement_count = 0
    if score > est.best_validation_score_:
        est.best_validation_score_ = score
        est._best_snapshot = network.snapshot()


def _track_training_loss(est):
    if est.loss_ > est.best_loss_ - est.tol:
        est._no_improvement_count += 1
    else:
        est._no_improvement_count = 0
    est.best_loss_ = min(est.best_loss_, est.loss_)


def fit_lbfgs(est, network, X, Y, sample_weight):
    """Minimize the full-batch loss with SciPy's L-BFGS-B on the flat vector.

    At most ``max_iter`` iterations and ``max_fun`` loss evaluations; ``tol``
    is the projected-gradient tolerance. SciPy works in float64, so a float32
    network is evaluated in float32 and its gradient handed back as float64.
    """
    weights, weight_sum = _normalized_weights(sample_weight, slice(0, X.shape[0]), X.dtype)
    l2 = est.alpha / weight_sum
    est.loss_curve_ = []
    est.history_ = []

    def loss_and_gradient(theta):
        network.params[...] = theta
        loss = network.loss_and_gradient(X, Y, weights, l2)
        return loss, network.grad.astype(np.float64)

    def record_iteration(intermediate_result):
        loss = float(intermediate_result.fun)
        est.loss_curve_.append(loss)
        record = {"epoch": len(est.loss_curve_), "loss": loss}
        est.history_.append(record)
        if est.verbose:
            print(f"Iteration {record['epoch']}, loss = {loss:.8f}")
        if _callbacks_ask_to_stop(est, record):
            raise StopIteration  # SciPy ends the minimization cleanly

    start = network.params.astype(np.float64)
    result = scipy.optimize.minimize(
        loss_and_gradient,
        start,
        method="L-BFGS-B",
        jac=True,
        callback=record_iteration,
        options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
    )
    network.release_buffers()
    if result.status == 1:  # a limit on iterations or evaluations was reached
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"({result.message}). Increase max_iter or max_fun, or scale the data.",
            ConvergenceWarning,
        )
    if not np.isfinite(result.fun):
        network.params[...] = start
        raise ValueError(
            "L-BFGS could not evaluate a finite loss (it is NaN or infinite at the "
            "starting weights, which were kept). Scale the inputs (e.g. StandardScaler)."
        )
    network.params[...] = result.x
    est.n_iter_ = int(result.nit)
    est.loss_ = float(result.fun)
    est.best_loss_ = min(est.loss_curve_, default=est.loss_)
