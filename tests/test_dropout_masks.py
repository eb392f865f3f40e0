import numpy as np
import scipy.sparse as sp

from skdeep.nn.dropout_masks import keep_mask, row_keys


def test_equal_rows_get_equal_keys_wherever_they_are():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 7))
    X[40] = X[3]
    keys = row_keys(X)
    assert keys[40] == keys[3]
    assert len(np.unique(keys)) == 49
    assert np.array_equal(row_keys(X[::-1]), keys[::-1])  # position does not matter


def test_keys_are_the_same_dense_sparse_and_fortran_ordered():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(30, 12))
    X[X < 0.5] = 0
    X[5] = 0  # an empty row
    keys = row_keys(X)
    assert np.array_equal(row_keys(sp.csr_matrix(X)), keys)
    assert np.array_equal(row_keys(np.asfortranarray(X)), keys)


def test_mask_drops_the_requested_fraction_and_rescales_the_rest():
    keys = row_keys(np.random.RandomState(2).normal(size=(1000, 5)))
    mask = keep_mask(keys, seed=3, n_units=400, rate=0.3, dtype=np.float32)
    assert mask.dtype == np.float32 and mask.shape == (1000, 400)
    assert abs((mask == 0).mean() - 0.3) < 0.01
    assert np.allclose(mask[mask > 0], 1 / 0.7)
    assert abs(mask.mean() - 1) < 0.02  # inverted dropout keeps the expectation


def test_mask_is_a_function_of_key_and_seed():
    keys = row_keys(np.random.RandomState(4).normal(size=(20, 3)))
    first = keep_mask(keys, seed=9, n_units=64, rate=0.5, dtype=np.float64)
    assert np.array_equal(keep_mask(keys, seed=9, n_units=64, rate=0.5, dtype=np.float64), first)
    assert not np.array_equal(keep_mask(keys, seed=10, n_units=64, rate=0.5, dtype=np.float64), first)
    rows_again = keep_mask(keys[[3, 3]], seed=9, n_units=64, rate=0.5, dtype=np.float64)
    assert np.array_equal(rows_again[0], first[3]) and np.array_equal(rows_again[1], first[3])
