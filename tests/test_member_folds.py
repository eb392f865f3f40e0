"""Member folds: each ensemble member holds out its own validation part and trains on every other row.

What is tested: the parts (sizes, disjoint as far as the rows allow, wrapping
around, stratified in proportion, drawn from the random state); the validation
data and training masks the split returns; the per-member batch weights; and,
through TabularNet, which fits use member folds and the refusals of parts
whose samples all weigh 0. The network's side ((m, k) weights) is in
``tests/test_ensemble.py``; that a member learns nothing from its own part and
that the validation scores are those of the out-of-part predictions, in
``tests/test_tabular_estimators.py``.
"""

import math

import numpy as np
import pytest

from skdeep import TabularNetClassifier, TabularNetRegressor
from skdeep.nn.ensemble import EnsembleNetwork
from skdeep.train.config import TrainConfig
from skdeep.train.data import member_validation_parts, member_weights, split_member_validation


def _parts(n, k, fraction, strata=None, seed=0):
    return member_validation_parts(n, k, fraction, strata, np.random.RandomState(seed))


# ------------------------------------------------------------------------- the parts
@pytest.mark.parametrize("n, k, fraction", [(100, 3, 0.2), (61, 2, 0.3), (100, 5, 0.2), (10, 2, 0.5)])
def test_each_member_holds_out_its_fraction_and_the_parts_are_disjoint(n, k, fraction):
    held_out = _parts(n, k, fraction)
    assert held_out.shape == (n, k) and held_out.dtype == bool
    assert held_out.sum(axis=0).tolist() == [math.ceil(fraction * n)] * k
    assert held_out.sum(axis=1).max() == 1  # no row in two parts
    assert held_out.any(axis=1).sum() == k * math.ceil(fraction * n)


def test_parts_that_need_more_rows_than_there_are_wrap_around():
    # 3 parts of 4 rows out of 10: the third part ends with the first part's first 2 rows.
    held_out = _parts(10, 3, 0.4)
    assert held_out.sum(axis=0).tolist() == [4, 4, 4]
    assert held_out.any(axis=1).all()  # every row is held out by some member
    assert sorted(held_out.sum(axis=1).tolist()) == [1] * 8 + [2] * 2
    assert (held_out[:, 0] & held_out[:, 2]).sum() == 2 and not (held_out[:, 0] & held_out[:, 1]).any()
    # Many members: each part is still its own 4 rows, and each member trains on the others.
    many = _parts(10, 7, 0.4)
    assert many.sum(axis=0).tolist() == [4] * 7 and (~many).any(axis=0).all()


def test_stratified_parts_hold_the_classes_in_proportion():
    strata = np.repeat([0, 1, 2], [500, 300, 200])
    for seed in range(5):
        held_out = _parts(1000, 5, 0.2, strata, seed)
        for j in range(5):
            assert np.bincount(strata[held_out[:, j]]).tolist() == [100, 60, 40]


@pytest.mark.parametrize("seed", range(10))
def test_stratified_parts_of_uneven_classes_are_within_two_rows_of_proportion(seed):
    rng = np.random.RandomState(seed)
    sizes = rng.randint(5, 300, size=7)
    strata = rng.permutation(np.repeat(np.arange(7), sizes))
    held_out = _parts(len(strata), 4, 0.15, strata, seed)
    plain = _parts(len(strata), 4, 0.15, None, seed)
    stratified_error, plain_error = [], []
    for j in range(4):
        expected = held_out[:, j].sum() * sizes / len(strata)
        stratified_error.append(np.abs(np.bincount(strata[held_out[:, j]], minlength=7) - expected).max())
        plain_error.append(np.abs(np.bincount(strata[plain[:, j]], minlength=7) - expected).max())
    assert max(stratified_error) <= 2.5 < max(plain_error)  # a plain random order is not as even


def test_stratified_parts_wrap_around_in_proportion_too():
    strata = np.repeat([0, 1], [40, 20])
    held_out = _parts(60, 3, 0.4, strata)  # 3 parts of 24 rows out of 60
    for j in range(3):
        assert abs(np.bincount(strata[held_out[:, j]])[0] - 16) <= 1


def test_the_parts_are_drawn_from_the_random_state():
    first, same, other = _parts(100, 2, 0.2, seed=0), _parts(100, 2, 0.2, seed=0), _parts(100, 2, 0.2, seed=1)
    np.testing.assert_array_equal(first, same)
    assert not np.array_equal(first, other)
    # Random rows, not a block of the table.
    assert np.flatnonzero(first[:, 0]).max() - np.flatnonzero(first[:, 0]).min() > 20


def test_a_part_under_two_rows_or_of_every_row_is_refused():
    with pytest.raises(ValueError, match="validation set is too small"):
        _parts(20, 2, 0.05)
    with pytest.raises(ValueError, match="would take all 4 samples"):
        _parts(4, 2, 0.9)


def test_the_split_keeps_every_row_for_training_and_the_union_of_the_parts_for_validation():
    n = 50
    X = np.c_[np.arange(n), -np.arange(n)].astype(float)
    Y = 2.0 * np.arange(n)[:, None]
    weights = 3.0 * np.arange(n)
    trains, (X_val, Y_val, w_val, held_out) = split_member_validation(
        X, Y, weights, 0.2, None, 3, np.random.RandomState(4))
    expected = _parts(n, 3, 0.2, seed=4)
    np.testing.assert_array_equal(trains, ~expected)
    rows = np.flatnonzero(expected.any(axis=1))
    assert len(rows) == 30
    np.testing.assert_array_equal(X_val[:, 0], rows)
    np.testing.assert_array_equal(Y_val[:, 0], 2 * rows)
    np.testing.assert_array_equal(w_val, 3 * rows)
    np.testing.assert_array_equal(held_out, expected[rows])
    _, (*_, no_weights, _) = split_member_validation(X, Y, None, 0.2, None, 3, np.random.RandomState(4))
    assert no_weights is None


# ------------------------------------------------------------------- batch weights
def test_member_weights_normalize_each_members_training_rows():
    trains = np.array([[1, 0], [1, 1], [0, 1], [1, 1]], dtype=bool)
    sample_weight = np.array([1.0, 3.0, 2.0, 0.0])
    weights, total = member_weights(sample_weight, trains, slice(0, 4), np.float32)
    np.testing.assert_allclose(weights, [[0.25, 0], [0.75, 0.6], [0, 0.4], [0, 0]])
    assert weights.dtype == np.float32 and total == pytest.approx((4 + 5) / 2)
    unweighted, total = member_weights(None, trains, np.array([0, 2]), np.float64)
    np.testing.assert_array_equal(unweighted, [[1, 0], [0, 1]])
    assert total == 1.0


def test_a_member_without_a_weighted_row_in_the_batch_gets_zeros_and_a_batch_of_none_is_skipped():
    trains = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
    weights, _ = member_weights(None, trains, slice(0, 2), np.float64)
    np.testing.assert_array_equal(weights, [[0.5, 0], [0.5, 0]])
    weights, _ = member_weights(np.array([1.0, 1.0, 0.0]), trains, slice(0, 3), np.float64)
    np.testing.assert_array_equal(weights[:, 1], 0)
    assert member_weights(np.array([0.0, 0.0, 5.0]), trains, slice(0, 2), np.float64) == (None, 0.0)


def test_member_folds_need_a_validation_split():
    with pytest.raises(ValueError, match="member_folds holds out validation parts: it needs early_stopping"):
        TrainConfig(member_folds=True)
    assert TrainConfig(member_folds=True, early_stopping=True, validation_fraction=0.2).member_folds


# --------------------------------------------------------------------- the estimators
SMALL = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0, "batch_size": 16,
         "validation_fraction": 0.2, "n_iter_no_change": 100}
_RNG = np.random.RandomState(0)
X = _RNG.normal(size=(60, 3))
y = X[:, 0] - X[:, 1] + 0.1 * _RNG.normal(size=60)


def _fit_parts(est, n_samples):
    """The parts a regressor's fit drew: the random state draws the initial weights, then the parts."""
    random_state = np.random.RandomState(est.random_state)
    EnsembleNetwork(est._network.spec).initialize(random_state)
    return member_validation_parts(n_samples, est.n_ensemble, est.validation_fraction, None, random_state)


@pytest.mark.parametrize("Estimator", [TabularNetClassifier, TabularNetRegressor])
def test_tabularnet_uses_member_folds_for_an_ensemble_with_a_validation_split(Estimator):
    est = Estimator(**SMALL)
    assert est.set_params(n_ensemble=2)._train_config(60).member_folds
    assert not est.set_params(n_ensemble=1)._train_config(60).member_folds  # one member: one split
    assert not est.set_params(n_ensemble=2, validation_fraction=None)._train_config(60).member_folds
    assert not est.set_params(validation_fraction=0.2)._train_config(5).member_folds  # too few rows


def test_a_member_folds_fit_trains_on_every_row_and_one_member_on_80_percent():
    folds = TabularNetRegressor(**SMALL, n_ensemble=2).fit(X, y)
    single = TabularNetRegressor(**SMALL, n_ensemble=1).fit(X, y)
    assert folds.t_ == 3 * 60 and single.t_ == 3 * 48


def test_a_member_part_of_zero_weight_is_refused():
    est = TabularNetRegressor(**SMALL, n_ensemble=2).fit(X, y)
    held_out = _fit_parts(est, 60)
    weights = np.ones(60)
    weights[held_out[:, 1]] = 0
    with pytest.raises(ValueError, match="validation part of ensemble member 1 has weight 0"):
        TabularNetRegressor(**SMALL, n_ensemble=2).fit(X, y, sample_weight=weights)
    weights[held_out[:, 0]] = 0
    with pytest.raises(ValueError, match="Every sample of the validation split has weight 0"):
        TabularNetRegressor(**SMALL, n_ensemble=2).fit(X, y, sample_weight=weights)
    # Weight in each part is enough.
    weights[np.flatnonzero(held_out[:, 0])[0]] = weights[np.flatnonzero(held_out[:, 1])[0]] = 1
    TabularNetRegressor(**SMALL, n_ensemble=2).fit(X, y, sample_weight=weights)


def test_a_member_whose_training_rows_all_weigh_zero_is_refused():
    # Parts of 9 rows out of 10: member 0 trains on one row, which member 1 holds out with 8 others.
    params = {**SMALL, "n_ensemble": 2, "validation_fraction": 0.9}
    held_out = _fit_parts(TabularNetRegressor(**params).fit(X[:10], y[:10]), 10)
    assert held_out.sum(axis=0).tolist() == [9, 9] and (~held_out[:, 0]).sum() == 1
    weights = held_out[:, 0].astype(float)
    with pytest.raises(ValueError, match="Every sample ensemble member 0 trains on has weight 0"):
        TabularNetRegressor(**params).fit(X[:10], y[:10], sample_weight=weights)
