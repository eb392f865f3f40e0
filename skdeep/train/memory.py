"""Refusing, before anything is allocated, a fit that could only run by thrashing."""

import os

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


def training_memory(spec, batch_size):
    """Bytes a training step needs: the per-batch buffers plus the parameter-sized vectors.

    ``spec`` is a :class:`~skdeep.nn.spec.NetworkSpec` or an
    :class:`~skdeep.nn.ensemble.EnsembleSpec` (or a network, which has one);
    it says how many values a training step keeps per batch row
    (``training_values_per_row``). Per parameter: the vector, its gradient and
    up to three optimizer vectors.
    """
    spec = getattr(spec, "spec", spec)
    itemsize = 4 if spec.dtype == "float32" else 8
    return itemsize * (batch_size * spec.training_values_per_row() + 5 * spec.n_params)


def check_fits_in_memory(spec, batch_size):
    """Raise MemoryError, saying what to lower, if training would not fit in available memory."""
    needed, available = training_memory(spec, batch_size), available_memory()
    if available is not None and needed > available:
        raise MemoryError(
            f"Training needs about {needed / 2**30:.1f} GiB for batch_size={batch_size} with "
            f"layer sizes {spec.layer_sizes}, but only {available / 2**30:.1f} GiB of memory is "
            "available. Lower batch_size or the layer sizes."
        )
