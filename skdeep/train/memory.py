"""Refusing, before anything is allocated, a fit that could only run by thrashing."""

import os

import scipy

from .optimizers import OPTIMIZERS


_CGROUP_V2 = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current")
_CGROUP_V1 = ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
              "/sys/fs/cgroup/memory/memory.usage_in_bytes")


def available_memory():
    """Bytes this process can still use, or None where the system does not say.

    The smaller of the kernel's estimate of memory available without swapping
    (``MemAvailable``, which counts reclaimable caches, unlike free memory)
    and the room left under the container's cgroup limit, if there is one.
    """
    candidates = [_meminfo_available(), _cgroup_room(*_CGROUP_V2), _cgroup_room(*_CGROUP_V1)]
    known = [value for value in candidates if value is not None]
    return min(known) if known else _free_pages()


def _meminfo_available():
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room(limit_path, usage_path):
    """Limit minus usage of a cgroup, or None without a (finite) limit."""
    try:
        with open(limit_path) as limit_file, open(usage_path) as usage_file:
            limit, usage = limit_file.read().strip(), usage_file.read().strip()
        # v2 writes "max" without a limit; v1 writes a huge number.
        if limit == "max" or int(limit) >= 2**60:
            return None
        return max(int(limit) - int(usage), 0)
    except (OSError, ValueError):
        return None


def _free_pages():
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _scipy_release():
    """SciPy's (major, minor) version, as ints."""
    return tuple(int(part) for part in scipy.__version__.split(".")[:2])


# SciPy's L-BFGS-B works in float64 whatever the network's dtype. With its default 10
# correction pairs it holds parameter-sized float64 vectors (the pairs, its workspace,
# bounds and copies of the point and the gradient), and train_lbfgs adds its float64
# start and gradient: 40 in all under SciPy 1.17 (whose L-BFGS-B is C), 50 under SciPy
# 1.11 (the Fortran original), measured with tracemalloc. Versions between the two are
# budgeted with the larger figure: an estimate too high refuses a fit that would fit,
# one too low lets a fit run out of memory.
LBFGS_FLOAT64_VECTORS = 40 if _scipy_release() >= (1, 17) else 50


def training_memory(spec, batch_size, solver=None, continuing=False):
    """Bytes a training step needs: the per-batch buffers plus the parameter-sized vectors.

    Parameters
    ----------
    spec : NetworkSpec, EnsembleSpec or network
        A :class:`~skdeep.nn.spec.NetworkSpec` or an
        :class:`~skdeep.nn.ensemble.EnsembleSpec` (or a network, which has one);
        it says how many values a training step keeps per batch row
        (``training_values_per_row``) and how many parameters there are.
    batch_size : int
        Rows per batch (all of them for L-BFGS).
    solver : str or None, default=None
        ``'lbfgs'`` or a key of :data:`~skdeep.train.optimizers.OPTIMIZERS`,
        whose class declares the parameter-sized arrays it keeps
        (``STATE_ARRAYS``) and those a step needs (``STEP_TEMPORARIES``).
        None budgets the optimizer that needs the most.
    continuing : bool, default=False
        True for a fit that goes on from a fitted model (``warm_start``,
        ``partial_fit``): until it ends it also holds what it would roll back
        to, the weights, the last call's best weights and optimizer state.

    Returns
    -------
    int
        Per parameter: the vector, its gradient, the solver's vectors and, for a
        stochastic solver, the copies of the best weights early stopping makes;
        per batch row: the values a step keeps.
    """
    spec = getattr(spec, "spec", spec)
    itemsize = 4 if spec.dtype == "float32" else 8
    if solver not in (None, "lbfgs", *OPTIMIZERS):
        raise ValueError(f"Unknown solver {solver!r}; expected 'lbfgs', one of {sorted(OPTIMIZERS)} "
                         "or None.")
    # The parameters and their gradient; a continued fit also keeps the weights a failed call
    # rolls back to.
    vectors = 3 if continuing else 2
    if solver == "lbfgs":
        per_parameter = itemsize * vectors + 8 * LBFGS_FLOAT64_VECTORS
    else:
        # Early stopping's best weights, twice as it copies the new best before it drops the
        # last; a continued fit also keeps the last call's best for a rollback.
        vectors += 3 if continuing else 2
        candidates = OPTIMIZERS.values() if solver is None else [OPTIMIZERS[solver]]
        vectors += max(_optimizer_vectors(optimizer, continuing) for optimizer in candidates)
        per_parameter = itemsize * vectors
    return itemsize * batch_size * spec.training_values_per_row() + per_parameter * spec.n_params


def _optimizer_vectors(optimizer, continuing):
    """Parameter-sized vectors an optimizer class needs: its state and a step's temporaries.

    A continued fit also holds the previous call's state until it ends (it is
    what a failed call rolls back to).
    """
    state = len(optimizer.STATE_ARRAYS)
    return state + optimizer.STEP_TEMPORARIES + (state if continuing else 0)


def check_fits_in_memory(spec, batch_size, solver=None, continuing=False):
    """Raise MemoryError, saying what to lower, if training would not fit in available memory.

    The arguments are those of :func:`training_memory`.
    """
    needed, available = training_memory(spec, batch_size, solver, continuing), available_memory()
    if available is not None and needed > available:
        raise MemoryError(
            f"Training needs about {needed / 2**30:.1f} GiB for batch_size={batch_size} with "
            f"layer sizes {spec.layer_sizes}, but only {available / 2**30:.1f} GiB of memory is "
            "available. Lower batch_size or the layer sizes."
        )


def refuse_if_short(parts, advice):
    """Raise MemoryError if the bytes of ``parts`` together exceed the memory available.

    Parameters
    ----------
    parts : dict of str to int
        What is still to be allocated, by name ("the encoded table": bytes, ...).
    advice : str
        What to change, ending the message.
    """
    needed, available = sum(parts.values()), available_memory()
    if available is not None and needed > available:
        itemized = ", ".join(f"{name} {_size(size)}" for name, size in parts.items() if size)
        raise MemoryError(
            f"This fit needs about {_size(needed)} more memory ({itemized}), but only "
            f"{_size(available)} is available. {advice}"
        )


def _size(n_bytes):
    """Bytes in GiB from 1 GiB on, else in MiB."""
    return f"{n_bytes / 2**30:.1f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:.1f} MiB"
