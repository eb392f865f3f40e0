"""Refusing, up front, a batch that could only be trained by thrashing."""

import os


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
    """Raise MemoryError, with what to lower, if training would not fit in free memory."""
    needed, free = training_memory(network, batch_size), available_memory()
    if free is not None and needed > free:
        raise MemoryError(
            f"Training needs about {needed / 2**30:.1f} GiB for batch_size={batch_size} with "
            f"layer sizes {network.layer_sizes}, but only {free / 2**30:.1f} GiB of memory is "
            "free. Lower batch_size or the layer sizes."
        )
