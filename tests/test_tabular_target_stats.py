"""Target statistics of categorical columns (skdeep/tabular/target_stats.py)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdeep.tabular.target_stats import N_FOLDS, category_statistics, cross_fitted_statistics, fold_of_rows

_RNG = np.random.RandomState(0)
N, CATEGORIES = 4000, 200
CODES = _RNG.randint(0, CATEGORIES, N)
TRUE_MEANS = _RNG.normal(size=CATEGORIES)
T = (TRUE_MEANS[CODES] + _RNG.normal(size=N))[:, None]


def test_a_category_with_many_rows_keeps_about_its_mean_and_a_rare_one_is_shrunk():
    codes = np.r_[np.zeros(1000, int), np.ones(1000, int), [2]]
    T_ = np.r_[np.full(500, 1.0), np.zeros(500), np.zeros(1000), [1.0]][:, None]  # means 0.5, 0, 1
    statistics = category_statistics(codes, 3, T_)
    prior = T_.mean()
    assert statistics[-1, 0] == pytest.approx(prior)
    assert statistics[0, 0] == pytest.approx(0.5, abs=0.01)
    assert statistics[1, 0] == pytest.approx(0.0, abs=0.01)
    assert prior < statistics[2, 0] < 1.0  # one row: pulled towards the prior
    assert statistics[2, 0] - prior < 0.5 * (1.0 - prior)


def test_categories_that_do_not_differ_get_the_prior():
    codes = np.arange(3000) % 30
    T_ = _RNG.normal(size=(3000, 1))  # the same distribution in every category
    statistics = category_statistics(codes, 30, T_)
    assert np.abs(statistics[:-1, 0] - T_.mean()).max() < 0.05


def test_statistics_follow_the_true_means_and_unseen_categories_get_the_prior():
    statistics = category_statistics(CODES, CATEGORIES + 1, T)  # the last category has no row
    assert np.corrcoef(statistics[:CATEGORIES, 0], TRUE_MEANS)[0, 1] > 0.9
    assert statistics[CATEGORIES, 0] == statistics[-1, 0] == pytest.approx(T.mean())


def test_a_rows_own_target_never_enters_its_cross_fitted_statistic():
    out = cross_fitted_statistics(CODES, CATEGORIES, T, np.empty((N, 1)))
    changed = T.copy()
    changed[7] += 100.0
    again = cross_fitted_statistics(CODES, CATEGORIES, changed, np.empty((N, 1)))
    assert again[7, 0] == out[7, 0]
    others = (CODES == CODES[7]) & (fold_of_rows(N) != fold_of_rows(N)[7])
    assert np.all(again[others, 0] > out[others, 0])  # the rows of its category in other folds see it


def test_cross_fitted_statistics_are_each_fold_fitted_on_the_others():
    out = cross_fitted_statistics(CODES, CATEGORIES, T, np.empty((N, 1)))
    folds = fold_of_rows(N)
    assert_array_equal(np.bincount(folds), [N // N_FOLDS] * N_FOLDS)
    for fold in range(N_FOLDS):
        held = folds == fold
        expected = category_statistics(CODES[~held], CATEGORIES, T[~held])
        assert_allclose(out[held, 0], expected[CODES[held], 0])


def test_several_targets_are_independent_columns():
    two = np.c_[T, -2 * T]
    statistics = category_statistics(CODES, CATEGORIES, two)
    assert_allclose(statistics[:, 1], -2 * statistics[:, 0])


# ------------------------------------------------------------------ in the preprocessor and the estimators
pd = pytest.importorskip("pandas")

from skdeep import TabularNetClassifier, TabularNetRegressor  # noqa: E402
from skdeep.tabular.preprocessing import TabularPreprocessor  # noqa: E402


def _cities(n, seed, n_cities=300):
    """A city column of many categories whose hidden class is the target, and a noise column."""
    rng = np.random.default_rng(seed)
    city = rng.integers(0, n_cities, n)
    X = pd.DataFrame({"noise": rng.normal(size=n), "city": pd.Series([f"city{c:03d}" for c in city])})
    return X, (city * 7919 % 3 == 0).astype(int)


def _statistic_columns(pre):
    return np.array([name.startswith("city_target") for name in pre.get_feature_names_out()])


def test_fit_transform_cross_fits_and_transform_uses_every_row():
    X, y = _cities(1000, seed=0)
    pre = TabularPreprocessor()
    crossed = pre.fit_transform(X, y)
    assert pre.target_columns_ == [1] and pre.target_parts_ == ("target",)
    full = pre.transform(X)
    columns = _statistic_columns(pre)
    assert_array_equal(crossed[:, ~columns], full[:, ~columns])
    assert not np.allclose(crossed[:, columns], full[:, columns])
    # Each row's statistic is its category's over the other folds (before scaling).
    i = next(source.first for source in pre._fitted_sources() if source.is_target)
    raw = crossed[:, columns][:, 0]
    unscaled = 3 * raw / np.sqrt(9 - raw ** 2) * pre.scales_[i] + pre.medians_[i]  # the smooth clip undone
    line = {category: i for i, category in enumerate(pre.target_categories_[0])}
    codes = np.array([line.get(city, -1) for city in X["city"]])  # -1: seen once, no statistic
    expected = cross_fitted_statistics(codes, len(pre.target_categories_[0]) + 1, y[:, None].astype(float),
                                       np.empty((len(y), 1)))
    assert_allclose(unscaled, expected[:, 0], rtol=1e-9, atol=1e-9)


def test_without_y_there_are_no_target_statistics():
    X, y = _cities(500, seed=0)
    without = TabularPreprocessor().fit(X)
    assert without.target_columns_ == [] and without.target_parts_ == ()
    with_y = TabularPreprocessor().fit(X, y)
    assert_array_equal(with_y.transform(X)[:, ~_statistic_columns(with_y)], without.transform(X))


def test_categories_seen_once_and_unseen_ones_get_the_prior():
    X, y = _cities(40, seed=0, n_cities=30)  # many categories seen once
    pre = TabularPreprocessor().fit(X, y)
    counts = X["city"].value_counts()
    assert set(pre.target_categories_[0]) == set(counts.index[counts > 1])
    prior = pre.target_statistics_[0][-1]
    once = counts.index[counts == 1][0]
    new = X.iloc[:2].assign(city=[once, "nowhere"])
    outputs = pre.transform(new)[:, _statistic_columns(pre)]
    i = next(source.first for source in pre._fitted_sources() if source.is_target)
    scaled = (prior[0] - pre.medians_[i]) / pre.scales_[i]
    assert_allclose(outputs[:, 0], scaled / np.sqrt(1 + (scaled / 3) ** 2))


def test_a_column_of_many_categories_is_learnt_from_its_statistics():
    X, y = _cities(4000, seed=0)
    X_test, y_test = _cities(1000, seed=1)
    model = TabularNetClassifier(random_state=0, max_iter=30).fit(X, y)
    assert model.preprocessor_.encodings_[0] == "most-frequent"  # 8 of 300 cities kept as columns
    assert model.score(X_test, y_test) > 0.9
    # The network cannot learn it without the statistics (8 cities one-hot, the rest "other").
    blind = TabularNetClassifier(random_state=0, max_iter=30).fit(X.astype({"city": "category"}).assign(
        city=lambda frame: frame["city"].cat.codes.astype(float)), y)  # a number: no categories at all
    assert blind.score(X_test.assign(city=X_test["city"].map(
        dict(zip(X["city"].astype("category").cat.categories, range(300), strict=True)))), y_test) < 0.8


@pytest.mark.parametrize("y_kind", ["multiclass", "regression", "multioutput"])
def test_every_kind_of_target_gives_its_statistics(y_kind):
    X, y = _cities(600, seed=0)
    if y_kind == "multiclass":
        model = TabularNetClassifier(max_iter=2, random_state=0).fit(X, np.array(["a", "b", "c"])[np.arange(600) % 3])
        assert model.preprocessor_.target_parts_ == ("target_a", "target_b", "target_c")
    elif y_kind == "regression":
        model = TabularNetRegressor(max_iter=2, random_state=0).fit(X, y * 1e300)  # huge targets: finite
        assert model.preprocessor_.target_parts_ == ("target",)
        assert np.isfinite(model.preprocessor_.target_statistics_[0]).all()
    else:
        model = TabularNetRegressor(max_iter=2, random_state=0).fit(X, np.c_[y, -y])
        assert model.preprocessor_.target_parts_ == ("target0", "target1")
    assert model.preprocessor_.target_statistics_[0].shape[1] == len(model.preprocessor_.target_parts_)
    assert np.isfinite(model.predict_proba(X) if y_kind == "multiclass" else model.predict(X)).all()


def test_categories_of_a_few_rows_that_do_not_differ_are_shrunk_to_the_prior():
    # 1,000 categories of 3 rows of pure noise: each category's own mean varies by about 0.58,
    # the statistics must stay close to the prior (dividing the within variance by n, not by
    # n - categories, let them spread by 0.14).
    rng = np.random.RandomState(1)
    codes = rng.randint(0, 1000, 3000)
    statistics = category_statistics(codes, 1000, rng.normal(size=(3000, 1)))
    assert statistics[:-1, 0].std() < 0.08


def test_a_warm_started_fit_trains_on_cross_fitted_statistics_of_its_own_rows():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"noise": rng.normal(size=3000), "id": [f"id{i}" for i in rng.integers(0, 1000, 3000)]})
    y = rng.integers(0, 2, 3000)  # noise: the ids say nothing
    model = TabularNetClassifier(max_iter=2, random_state=0, warm_start=True).fit(X, y)
    columns = _statistic_columns_of(model.preprocessor_, "id")

    def correlation(table):
        return abs(np.corrcoef(table.toarray()[:, columns][:, 0], y)[0, 1])
    assert correlation(model._network_input(X)) > 0.3  # the statistics of all rows hold each row's own target
    assert correlation(model._network_input(X, y)) < 0.1  # what a continued fit trains on
    model.fit(X, y)  # continues
    assert model.n_iter_ == 2


def _statistic_columns_of(pre, name):
    return np.array([output.startswith(f"{name}_target") for output in pre.get_feature_names_out()])


def test_all_columns_share_a_budget_of_categories_with_statistics(monkeypatch):
    from skdeep.tabular import preprocessing

    monkeypatch.setattr(preprocessing, "MAX_CATEGORIES", 30)
    monkeypatch.setattr(preprocessing, "MAX_ALL_CATEGORIES", 50)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({name: [f"{name}{i}" for i in rng.integers(0, 40, 2000)] for name in "abc"})
    pre = TabularPreprocessor().fit(X, rng.integers(0, 2, 2000))
    assert [len(c) for c in pre.target_categories_] == [30, 20]  # the first columns first
    assert pre.target_columns_ == [0, 1]


def test_bool_and_few_category_columns_count_once_in_the_memory_bound():
    from skdeep.tabular.preprocessing import numeric_features_bound

    X = pd.DataFrame({"flag": [True, False] * 5, "colour": pd.Categorical(list("ab") * 5),
                      "name": list("abcdefghij"), "x": np.arange(10.0)})
    assert numeric_features_bound(X, n_targets=16) == 1 + 1 + 17 + 1


def test_y_is_read_only_when_a_column_can_have_statistics():
    X = pd.DataFrame({"x": np.arange(10.0), "colour": list("ab") * 5})
    pre = TabularPreprocessor().fit(X, np.full(10, np.nan))  # no column of many categories: y unread
    assert pre.target_columns_ == []
    with pytest.raises(ValueError, match="NaN"):
        TabularPreprocessor(max_one_hot=2).fit(X.assign(colour=list("abcde") * 2), np.full(10, np.nan))
