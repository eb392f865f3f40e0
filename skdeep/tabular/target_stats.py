"""Target statistics of a categorical column: each category's shrunk mean target.

A column with more categories than ``max_one_hot`` keeps its most frequent
ones and puts the rest in one "other" column: a zip code, a job title or a
product name loses what its rarer values carry. Its *target statistics* keep
it: for each category, the mean of the target over the rows of that category,
shrunk towards the mean over all rows the fewer rows the category has.

* The targets are a float matrix ``T`` of shape (n_samples, n_targets): the
  indicator of the positive class (binary), one indicator per class
  (multiclass), the standardized target (regression).
* Shrinkage is empirical Bayes (the normal-normal model): a category with
  ``n`` rows and mean ``m`` gets ``lam * m + (1 - lam) * prior`` with
  ``lam = n * tau2 / (n * tau2 + sigma2)``, ``prior`` the mean over all rows,
  ``sigma2`` the variance within categories (pooled over all of them,
  unbiased) and ``tau2`` the variance of the categories' true means (the
  variance between the categories' means, less what ``sigma2`` adds to it).
  A category of a few rows is pulled towards the prior as much as the
  column's noise calls for; scikit-learn's ``TargetEncoder(smooth="auto")``,
  which uses each category's own variance, keeps a category whose few rows
  agree whole (its variance is 0). A category unseen at fit is the prior; a
  column whose categories do not differ (``tau2`` estimated 0) is the prior
  everywhere.
* **Cross-fitting:** a row's own target must not leak into its statistic, or
  the network learns that the statistic *is* the target (a category seen once
  would give its row's label away). At fit, each row gets the statistics of
  the other :data:`N_FOLDS` - 1 folds; at predict, the statistics of all rows.

Missing values are one more category. A row whose category has no statistic
of its own gets the prior (code -1): a category seen once at fit, which
cross-fitting could never have shown the network, and, to bound what a model
file stores, categories beyond the :data:`MAX_CATEGORIES` most frequent (and
:data:`MAX_ALL_CATEGORIES` over all columns) or longer than
:data:`MAX_CATEGORY_CHARS` characters (long strings are text, whose exact
repeats carry little).
"""

import numpy as np

#: Folds of the cross-fitting at fit.
N_FOLDS = 5
#: The most classes (or outputs, or labels) a target may have to give target statistics (one column each).
MAX_CLASSES = 16
#: The most categories with a statistic of their own (the most frequent ones), in one column and in
#: all columns together (the first columns first), and their longest string: a model file stores
#: them as fixed-width strings, within its limit for text (16 MiB; these take at most 5 MiB).
MAX_CATEGORIES = 10_000
MAX_ALL_CATEGORIES = 20_000
MAX_CATEGORY_CHARS = 64


def fold_of_rows(n_samples):
    """Each row's fold, 0 to ``N_FOLDS - 1``: a fixed shuffle, so that the result depends only on the data."""
    return np.random.RandomState(0).permutation(n_samples) % N_FOLDS


def target_matrix(y, target_type):
    """The targets the statistics average, and each column's name; ``(None, ())`` if there are none.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The target, finite.
    target_type : str
        :func:`sklearn.utils.multiclass.type_of_target`'s word for ``y``.

    Returns
    -------
    T : ndarray of float64, shape (n_samples, n_targets), or None
        The standardized target (regression), the indicator of the second of
        two classes in sorted order (binary), one indicator per class
        (multiclass), the labels (multilabel); at most :data:`MAX_CLASSES`
        columns. None for any other target, or one of more columns.
    names : tuple of str
        The suffix of each column's output name: ``'target'``,
        ``'target_<class>'`` or ``'target<i>'``.
    """
    y = np.asarray(y)
    if target_type in _COLUMN_TARGETS and _n_columns(y) > MAX_CLASSES:
        return None, ()
    if target_type in ("continuous", "continuous-multioutput"):
        T = y.reshape(len(y), -1).astype(np.float64)
        largest = np.abs(T).max(axis=0, initial=0.0)
        T = T / np.where(largest > 0, largest, 1.0)  # targets near float64's limits: sums must not overflow
        deviation = T.std(axis=0)
        T = (T - T.mean(axis=0)) / np.where(deviation > 0, deviation, 1.0)
        return T, _names(T.shape[1])
    if target_type == "multilabel-indicator":
        T = y.astype(np.float64)
        return T, _names(T.shape[1])
    if target_type in ("binary", "multiclass"):
        classes, labels = np.unique(y.ravel(), return_inverse=True)
        if len(classes) == 2:
            return (labels == 1).astype(np.float64)[:, None], ("target",)
        if len(classes) <= MAX_CLASSES:
            return np.eye(len(classes))[labels], tuple(f"target_{label}" for label in classes)
    return None, ()


def target_width(y, target_type):
    """How many columns :func:`target_matrix` gives for ``y``, without making them."""
    y = np.asarray(y)
    if target_type in _COLUMN_TARGETS:
        return _n_columns(y) if _n_columns(y) <= MAX_CLASSES else 0
    if target_type in ("binary", "multiclass"):
        n_classes = len(np.unique(y.ravel()))
        return 1 if n_classes == 2 else (n_classes if n_classes <= MAX_CLASSES else 0)
    return 0


# Targets whose statistics are one per column of y (not one per class).
_COLUMN_TARGETS = ("continuous", "continuous-multioutput", "multilabel-indicator")


def _n_columns(y):
    return 1 if y.ndim == 1 else y.shape[1]


def _names(n_targets):
    return ("target",) if n_targets == 1 else tuple(f"target{i}" for i in range(n_targets))


def _shrunk_means(codes, n_categories, T):
    """Each category's shrunk mean of ``T``, shape (n_categories, n_targets), and the prior.

    Rows of code -1 count in the prior only.
    """
    own = codes >= 0
    own_codes = codes[own]
    counts = np.bincount(own_codes, minlength=n_categories).astype(np.float64)
    present = counts > 0
    n_own, n_present = int(own.sum()), int(present.sum())
    prior = T.mean(axis=0)
    statistics = np.empty((n_categories, T.shape[1]))
    for t in range(T.shape[1]):
        values = T[own, t]
        sums = np.bincount(own_codes, weights=values, minlength=n_categories)
        means = np.divide(sums, counts, out=np.full(n_categories, prior[t]), where=present)
        # sigma2: the variance within categories, pooled and unbiased (each category's mean costs a
        # degree of freedom: with 3 rows a category, dividing by n would find categories differ).
        within = float(np.sum((values - means[own_codes]) ** 2)) / max(n_own - n_present, 1)
        # tau2: the spread of the categories' means around theirs, less what the noise puts in it.
        center = values.mean() if n_own else prior[t]
        between = float(np.dot(counts, (means - center) ** 2)) / max(n_own, 1)
        tau2 = max(between - within * (n_present - 1) / max(n_own, 1), 0.0)
        denominator = counts * tau2 + within
        weight = np.divide(counts * tau2, denominator, out=np.zeros(n_categories), where=denominator > 0)
        statistics[:, t] = weight * means + (1 - weight) * prior[t]
    return statistics, prior


def category_statistics(codes, n_categories, T):
    """The statistics predictions use: each category's over all rows, shape (n_categories + 1, n_targets).

    Row ``n_categories`` (the last) is the prior: what a category without a
    statistic of its own gets.

    Parameters
    ----------
    codes : ndarray of int, shape (n_samples,)
        Each row's category, ``0 <= code < n_categories``, or -1 for none of its own.
    n_categories : int
    T : ndarray of float64, shape (n_samples, n_targets)
    """
    statistics, prior = _shrunk_means(codes, n_categories, T)
    return np.vstack([statistics, prior])


def cross_fitted_statistics(codes, n_categories, T, out):
    """Each row's statistics from the rows of the other folds, written into ``out`` (n_samples, n_targets)."""
    folds = fold_of_rows(codes.shape[0])
    for fold in range(N_FOLDS):
        held = folds == fold
        if not held.any():
            continue
        statistics = category_statistics(codes[~held], n_categories, T[~held])
        out[held] = statistics[codes[held]]  # code -1: the last row, the prior
    return out
