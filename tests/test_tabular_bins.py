"""The piecewise-linear bins' edges: quantiles, with the bins a point mass takes cut again."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdeep import TabularNetRegressor
from skdeep.tabular.embeddings import quantile_bin_edges


def _zero_inflated(n=5000, share_zero=0.92, seed=0):
    """A capital-gain-like column: mostly 0, the rest spread over a wide range."""
    rng = np.random.RandomState(seed)
    return np.where(rng.rand(n) < share_zero, 0.0, rng.lognormal(8.0, 1.0, n))


def test_a_point_mass_does_not_swallow_the_bins_of_the_spread_values():
    values = _zero_inflated()
    plain = np.unique(np.quantile(values, np.linspace(0, 1, 17)))
    assert len(plain) == 3  # plain quantiles: 0, then two bins over the spread values

    edges = quantile_bin_edges(values, 16)
    assert edges[0] == 0.0 and edges[-1] == values.max()
    assert np.all(np.diff(edges) > 0)
    assert len(edges) - 1 == 15  # the 15 lost bins, less one: never more than 16 in all
    # The new edges are the spread part's quantiles: no bin holds more than its share, none is empty.
    counts = np.histogram(values[values > 0], edges)[0]
    assert counts.min() > 0 and counts.max() <= 1.2 * counts.mean()


def test_a_column_of_a_few_repeated_values_keeps_its_quantile_edges():
    # 16 integers, common in the middle and rare at the ends (letter's features): the values
    # left off the collapsed quantiles are a few rare ones, which get no bins of their own.
    rng = np.random.RandomState(0)
    values = np.clip(np.round(rng.normal(7.5, 2.5, 5000)), 0, 15)
    plain = np.unique(np.quantile(values, np.linspace(0, 1, 17)))
    assert len(plain) < 17
    assert_array_equal(quantile_bin_edges(values, 16), plain)


@pytest.mark.parametrize("n_bins", [1, 2, 4, 16])
@pytest.mark.parametrize("seed", range(5))
def test_edges_are_increasing_span_the_values_and_never_exceed_the_bins_asked(n_bins, seed):
    rng = np.random.RandomState(seed)
    n = int(rng.randint(2, 400))
    masses = rng.choice([0.0, 1.0, -3.0, 1e6], size=n, p=[0.5, 0.2, 0.2, 0.1])
    values = np.where(rng.rand(n) < rng.rand(), masses, rng.standard_cauchy(n))
    values[rng.rand(n) < 0.1] = np.nan
    before = values.copy()
    edges = quantile_bin_edges(values, n_bins)
    assert_array_equal(values, before)  # the caller's column is not modified
    present = values[~np.isnan(values)]
    if np.unique(present).size < 2:
        assert edges.size == 0
        return
    assert 2 <= edges.size <= n_bins + 1
    assert np.all(np.diff(edges) > 0)
    assert edges[0] == present.min() and edges[-1] == present.max()


def test_values_near_the_float64_maximum_on_both_sides_of_a_mass_give_finite_edges():
    # Neighbours once the mass is left out, -1.7e308 and 1e308 interpolate to -inf: no such cut.
    big = np.linspace(1e308, 1.7e308, 8)
    values = np.r_[np.zeros(100), -big, big]
    edges = quantile_bin_edges(values, 4)
    assert np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)
    assert edges[0] == -big.max() and edges[-1] == big.max()


def test_no_bins_asked_or_no_values_give_no_edges():
    assert quantile_bin_edges(_zero_inflated(), 0).size == 0
    assert quantile_bin_edges(np.full(10, np.nan), 16).size == 0
    assert quantile_bin_edges(np.zeros(10), 16).size == 0


def test_a_fitted_model_bins_the_spread_part_of_a_zero_inflated_column():
    pd = pytest.importorskip("pandas")
    gain = _zero_inflated(n=600, share_zero=0.9)
    rng = np.random.RandomState(1)
    X = pd.DataFrame({"gain": gain, "age": rng.uniform(20, 60, 600)})
    y = (gain > 3000).astype(float) + 0.1 * rng.randn(600)
    est = TabularNetRegressor(hidden_layer_sizes=(8,), n_ensemble=1, max_iter=2, random_state=0).fit(X, y)
    gain_edges = est.preprocessor_.bin_edges_[0]
    # In the column's own units; the edges above the mass at 0 are the spread part's.
    assert len(gain_edges) - 1 > 8
    names = est.preprocessor_.get_feature_names_out()
    assert sum(name.startswith("gain_bin") for name in names) == len(gain_edges) - 1
