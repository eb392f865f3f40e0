"""Piecewise-linear encoding of numeric features (Gorishniy et al., 2022).

"On Embeddings for Numerical Features in Tabular Deep Learning" (NeurIPS 2022)
shows that an MLP fed a numeric feature ``x`` through an *encoding* learns the
step-like functions of tabular data (where gradient-boosted trees shine) far
better than from ``x`` alone. The piecewise-linear encoding (PLE) with quantile
bins needs no training: for bin edges ``e_0 < e_1 < ... < e_T`` (quantiles of
the training column), component ``t`` is

    ``clip((x - e_{t-1}) / (e_t - e_{t-1}), 0, 1)``,

so ``x`` is encoded as "how far it has gone through each bin": 1 for the bins
below it, its relative position in its own bin, 0 above. The network's first
layer then learns, per feature, a linear function of these components: a
piecewise-linear function of ``x`` with a free slope in every bin. That first
layer *is* the paper's per-feature linear embedding (Q-L) fused with the
network's first Dense layer.

The encoding is never stored for a whole table: :mod:`skdeep.tabular.compact`
computes it for each batch from the raw values, with the edges in the raw
column's units (as ``bin_edges_`` and model files hold them).
"""

import numpy as np


def quantile_bin_edges(values, n_bins):
    """Distinct quantile edges of ``values`` (NaN ignored) for at most ``n_bins`` bins.

    Returns an array of ``T + 1`` increasing edges (``T <= n_bins`` bins), or
    an empty array when ``n_bins`` is 0 or the column has fewer than two
    distinct values (nothing to encode beyond the value itself).

    A value many rows share (a *point mass*: the zeros of a capital gain or
    of a pool area) takes several quantiles, which collapse into one edge:
    with 92% zeros, 16 quantiles leave two bins from 0 to the maximum, and
    the thresholds that matter (trees split capital gain near 7,000) fall
    inside them. When the values that are not an edge are spread (at least
    two distinct values for each bin lost), the lost bins are cut again at
    their quantiles, so the spread part keeps its resolution. A column of a
    few repeated values (letter's 16 integers) keeps its edges: what is left
    off them is a few rare values, whose own bins measurably overfit.
    """
    present = values[~np.isnan(values)]
    if n_bins == 0 or present.size == 0:
        return np.empty(0)
    edges = distinct_edges(np.quantile(present, np.linspace(0.0, 1.0, n_bins + 1)))
    n_lost = n_bins - (edges.size - 1)
    if edges.size and n_lost > 1:
        off_edges = present[~np.isin(present, edges)]
        if np.unique(off_edges).size >= 2 * n_lost:
            # n_lost - 1 inner cuts: at most n_bins edges (n_bins - 1 bins) in all.
            with np.errstate(over="ignore", invalid="ignore"):
                inner = np.quantile(off_edges, np.linspace(0.0, 1.0, n_lost + 1)[1:-1])
            # Neighbours of the mass more than the float64 maximum apart (-1e308 | 0 | 1e308)
            # interpolate to +-inf or NaN: such a cut is left out.
            edges = np.unique(np.concatenate([edges, inner[np.isfinite(inner)]]))
    return edges


def distinct_edges(quantiles):
    """The bin edges of a column's quantiles (increasing): the distinct ones, or none if fewer than two.

    What :func:`quantile_bin_edges` keeps of exact quantiles, and a streamed
    fit (:mod:`skdeep.tabular.streaming`) of the quantiles Dask estimates.
    """
    edges = np.unique(quantiles)
    return edges if edges.size >= 2 else np.empty(0)

