"""Dropout masks keyed by sample content: a counter-based random generator.

Instead of drawing a mask from a sequential random stream, the keep/drop
decision for unit ``u`` of dropout layer ``l`` on a sample is a hash of
``(the sample's row of X, l, u, a per-epoch seed)``. Within an epoch a sample
therefore always gets the same mask, wherever it sits in the data. That is
what makes ``sample_weight`` exact with dropout on: a sample of weight ``k``
and ``k`` copies of it see the same masks, so the two fits are the same, as
scikit-learn's sample-weight checks require. Across epochs the seed changes,
and with it every mask. The hash is SplitMix64 (Steele et al., 2014), in
wrapping uint64 arithmetic, which is exact and independent of summation order.
"""

import numpy as np
import scipy.sparse as sp

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix(z):
    """SplitMix64 finalizer on a uint64 array (a new array)."""
    z = z ^ (z >> np.uint64(30))
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def _value_bits(values):
    values = np.ascontiguousarray(values)
    unsigned = np.uint64 if values.dtype.itemsize == 8 else np.uint32
    return values.view(unsigned).astype(np.uint64, copy=False)


def row_keys(X):
    """One uint64 key per row of ``X``: equal rows get equal keys.

    Zeros do not contribute, so a row has the same key dense or sparse.
    """
    if sp.issparse(X):
        X = X.tocsr()
        terms = mix(_value_bits(X.data) ^ mix(X.indices.astype(np.uint64) + _GAMMA))
        sums = np.concatenate([np.zeros(1, np.uint64), np.cumsum(terms, dtype=np.uint64)])
        return sums[X.indptr[1:]] - sums[X.indptr[:-1]]
    bits = _value_bits(X)
    columns = mix(np.arange(X.shape[1], dtype=np.uint64) + _GAMMA)
    terms = mix(bits ^ columns)
    terms *= bits != 0
    return terms.sum(axis=1, dtype=np.uint64)


def keep_mask(keys, seed, n_units, rate, dtype):
    """Inverted-dropout mask of shape ``(len(keys), n_units)``.

    Entries are ``1 / (1 - rate)`` where kept and 0 where dropped; each is
    dropped with probability ``rate``, as a hash of (key, seed, unit).
    """
    units = mix(np.arange(n_units, dtype=np.uint64) * _GAMMA + np.uint64(seed))
    draws = mix(keys[:, None] ^ units[None, :])
    threshold = np.uint64(min(int(rate * 2.0**64), 2**64 - 1))
    mask = (draws >= threshold).astype(dtype)
    mask *= 1 / (1 - rate)
    return mask
