"""Free-text columns: character n-grams, projected to a few numeric features.

A column of reviews, descriptions or comments has nearly one value per row:
as a category it keeps only its most frequent values, and its target
statistics see no value twice. What such a column says lives in its words.
Like skrub's ``StringEncoder``, TabularNet reads it as a bag of character
n-grams and keeps a low-rank projection of it:

* **Which columns:** categorical columns with more than ``max_one_hot``
  values whose distinct values average at least :data:`MIN_WORDS` words
  (measured on at most :data:`MAX_FIT_VALUES` of them). Names, titles, codes
  and labels (a zip code, a job title, an artist) are left to the target
  statistics, which measured better on them; sentences get n-grams.
* **Features:** the character 3- and 4-grams of the value (lower-cased, its
  whitespace collapsed to single spaces, a space added at both ends), each
  hashed to one of :data:`N_BUCKETS` buckets (the hashing trick: no
  vocabulary to store), each bucket counted as ``1 + log(count)`` and
  weighted by its smoothed inverse document frequency, the row scaled to
  unit length (TF-IDF), then projected on the first :data:`N_COMPONENTS`
  right singular vectors of the TF-IDF matrix (a truncated SVD, as in latent
  semantic analysis). The n-grams are hashed with NumPy, whole chunks of
  values at a time, not one string at a time.
* **Fitted on distinct values:** the IDF and the projection are fitted on
  the column's distinct values, at most :data:`MAX_FIT_VALUES` of them (a
  fixed sample beyond), without the target: the features do not leak it.
  Each distinct value is encoded once, whatever its number of rows; a value
  unseen at fit is encoded from its n-grams like any other, and only its
  first :data:`MAX_TEXT_CHARS` characters are read.
* A missing value has no text: its features are missing (NaN), and the
  numeric pipeline gives the column a missing-value indicator.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..nn.dropout_masks import mix

#: The least mean number of words (whitespace-separated) per distinct value of a free-text column.
MIN_WORDS = 5
#: Features kept per free-text column (the projection's rank).
N_COMPONENTS = 16
#: Buckets the n-grams are hashed to.
N_BUCKETS = 2**14
#: The most distinct values the IDF and the projection are fitted on.
MAX_FIT_VALUES = 5000
#: Characters of a value read (a longer value is cut): bounds the cost of very long strings.
MAX_TEXT_CHARS = 2000
#: Length of the character n-grams.
NGRAM_RANGE = (3, 4)
#: Values encoded at a time (bounds the sparse TF-IDF matrix held: at most 4,000 n-grams a value).
_CHUNK = 1024
#: Characters hashed at a time: about 120 bytes each are held while hashing.
_CHUNK_CHARS = 2**20


@dataclass(frozen=True)
class TextProjection:
    """What a free-text column's features are computed with.

    Attributes
    ----------
    idf : ndarray of float64, shape (N_BUCKETS,)
        Each n-gram bucket's inverse document frequency.
    components : ndarray of float64, shape (n_components, N_BUCKETS)
        The projection: each feature is a value's TF-IDF vector times a row of this.
    """

    idf: np.ndarray
    components: np.ndarray

    @property
    def n_components(self):
        return self.components.shape[0]


def _sample(keys):
    """Positions of at most ``MAX_FIT_VALUES`` of ``keys``, in the keys' sorted order (a fixed
    sample beyond): the fit depends only on the distinct values, not on the order of the rows."""
    order = sorted(range(len(keys)), key=keys.__getitem__)
    if len(order) <= MAX_FIT_VALUES:
        return order
    chosen = np.sort(np.random.RandomState(0).choice(len(order), MAX_FIT_VALUES, replace=False))
    return [order[i] for i in chosen]


def is_free_text(keys):
    """Whether a column's distinct values (their string forms) read as free text.

    True when they average at least :data:`MIN_WORDS` words, counted on a
    fixed sample of at most :data:`MAX_FIT_VALUES` of them.
    """
    keys = list(keys)
    sample = _sample(keys)
    if not sample:
        return False
    words = sum(len(keys[i][:MAX_TEXT_CHARS].split()) for i in sample)
    return words >= MIN_WORDS * len(sample)


def may_be_text(values):
    """Whether a column of which ``values`` are a sample (of rows, or categories) may be read as free text.

    An estimate for the memory a fit needs: the sample's strings (bytes
    decoded) average at least half of :data:`MIN_WORDS` words
    (:func:`is_free_text` counts distinct values, which a sample of rows
    may under-represent).
    """
    strings = (value.decode("utf-8", "replace") if isinstance(value, bytes) else value for value in values)
    words = [len(value[:MAX_TEXT_CHARS].split()) for value in strings if isinstance(value, str)]
    return bool(words) and sum(words) >= MIN_WORDS / 2 * len(words)


def _ngram_counts(keys):
    """The n-gram bucket counts of ``keys`` (strings), a CSR matrix of shape (len(keys), N_BUCKETS).

    Hashed for about :data:`_CHUNK_CHARS` characters at a time.
    """
    texts = [" " + " ".join(key[:MAX_TEXT_CHARS].lower().split()) + " " for key in keys]
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    ends = np.cumsum(lengths)
    parts, start = [], 0
    while start < len(texts):
        stop = max(start + 1, int(np.searchsorted(ends, ends[start] - lengths[start] + _CHUNK_CHARS, "right")))
        parts.append(_hashed_counts(texts[start:stop], lengths[start:stop]))
        start = stop
    if not parts:
        return sp.csr_matrix((0, N_BUCKETS))
    return sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]


def _hashed_counts(texts, lengths):
    """:func:`_ngram_counts` of some normalized texts, hashed at once."""
    # One code point per character (UTF-32; "surrogatepass" keeps a lone surrogate a code point).
    characters = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    characters = characters.astype(np.uint64)
    value_of = np.repeat(np.arange(len(texts)), lengths)
    rows, buckets = [], []
    for n in NGRAM_RANGE:
        n_windows = characters.shape[0] - n + 1
        if n_windows <= 0:
            continue
        hashed = np.full(n_windows, n, dtype=np.uint64)
        for offset in range(n):  # each code point of the window mixed in turn (SplitMix64)
            hashed = mix(hashed ^ characters[offset:offset + n_windows])
        within = value_of[:n_windows] == value_of[n - 1:]  # windows inside one value
        rows.append(value_of[:n_windows][within])
        buckets.append((hashed[within] % np.uint64(N_BUCKETS)).astype(np.intp))
    rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.intp)
    buckets = np.concatenate(buckets) if buckets else np.zeros(0, dtype=np.intp)
    counts = sp.csr_matrix((np.ones(rows.shape[0]), (rows, buckets)), shape=(len(texts), N_BUCKETS))
    counts.sum_duplicates()
    return counts


def _tf_idf(counts, idf):
    """Rows of n-gram counts (CSR, summed) as unit-length TF-IDF rows, in place."""
    np.log(counts.data, out=counts.data)
    counts.data += 1.0
    counts.data *= idf[counts.indices]
    row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    lengths = np.sqrt(np.bincount(row_of, weights=counts.data ** 2, minlength=counts.shape[0]))
    counts.data /= lengths[row_of]  # a row without n-grams has no entries to divide
    return counts


def fit_text(keys):
    """The :class:`TextProjection` of a free-text column's distinct values (strings) and their features.

    Returns ``(projection, features)``, ``features`` of shape
    ``(len(keys), n_components)`` as :func:`text_features` gives them, or
    None when fewer than two values hold an n-gram: there is nothing to project.
    """
    from sklearn.utils.extmath import randomized_svd

    keys = list(keys)
    sample = _sample(keys)
    counts = _ngram_counts([keys[i] for i in sample])
    n_values = int((np.diff(counts.indptr) > 0).sum())
    if n_values < 2:
        return None
    document_frequency = np.bincount(counts.indices, minlength=N_BUCKETS)
    idf = np.log((1.0 + counts.shape[0]) / (1.0 + document_frequency)) + 1.0  # scikit-learn's smoothed IDF
    tf_idf = _tf_idf(counts, idf)
    # A fixed random state: the projection depends only on the data. A singular vector's sign is
    # arbitrary: flip_sign fixes it. 4 power iterations instead of 7 measured the same, in 60% of the time.
    _, singular, components = randomized_svd(tf_idf, min(N_COMPONENTS, n_values), n_iter=4, random_state=0,
                                             flip_sign=True)
    # Directions the values do not span (values equal once normalized, or fewer than 16 distinct
    # ones) would be rounding noise, which scaling by its spread would blow up: dropped.
    projection = TextProjection(idf, np.ascontiguousarray(components[singular > 1e-6 * singular[0]]))
    if len(sample) < len(keys):
        return projection, text_features(projection, keys)
    features = np.empty((len(keys), projection.n_components))  # every value in the sample: at hand
    features[sample] = tf_idf @ projection.components.T
    return projection, features


def text_features(projection, keys):
    """The features of each of ``keys`` (strings), shape ``(len(keys), n_components)``, float64.

    Each value's features depend on that value alone.
    """
    keys = list(keys)
    out = np.empty((len(keys), projection.n_components), dtype=np.float64)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        out[start:start + len(chunk)] = _tf_idf(_ngram_counts(chunk), projection.idf) @ projection.components.T
    return out
