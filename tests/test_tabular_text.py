"""Free-text columns: character n-gram TF-IDF projected to a few features (skdeep.tabular.text).

Which columns are read as text, what their features are (unsupervised,
deterministic, unseen values encoded from their n-grams, missing values
missing), that a network learns from the words, and that the features
survive pickling, save/load (every field of a tampered file refused), warm
starts and ``set_params``.
"""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skdeep.tabular.text import MAX_TEXT_CHARS, MIN_WORDS, N_BUCKETS, N_COMPONENTS, fit_text, is_free_text, text_features

# tests/model_file_edits.py (tests/ is on sys.path: pytest puts conftest.py's folder there)
from model_file_edits import assert_load_refuses, delete_field, replace_array, set_array_item, set_fields

GOOD = ["great", "tasty", "lovely", "excellent", "delicious", "perfect"]
BAD = ["awful", "stale", "bland", "terrible", "broken", "rotten"]
FILLER = ["the", "box", "arrived", "today", "and", "it", "was", "quite", "my", "dog", "coffee", "bag", "of",
          "this", "one", "again", "would", "buy", "price", "taste"]


def _reviews(n, seed):
    """Reviews of 8 to 14 words, one of them telling the label; every review a distinct string."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    texts = []
    for i, label in enumerate(labels):
        words = list(rng.choice(FILLER, rng.integers(7, 13)))
        words.insert(rng.integers(0, len(words)), rng.choice(GOOD if label else BAD))
        texts.append(" ".join(words) + f" #{i}")
    return np.array(texts, dtype=object), labels


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ---------------------------------------------------------------- the encoder alone
def test_free_text_is_told_by_its_words_per_value():
    assert is_free_text(["one two three four five", "a b c d e f"])
    assert not is_free_text(["global config engineer", "nurse", "software developer"])  # titles
    assert not is_free_text(["02139", "10001"])  # codes
    assert not is_free_text([])
    # MIN_WORDS on average, not in every value
    assert is_free_text(["w " * (2 * MIN_WORDS - 1), "w"])


def test_the_features_are_deterministic_and_those_of_a_known_value_do_not_depend_on_the_others():
    texts, _ = _reviews(300, 0)
    projection, features = fit_text(list(texts))
    again, features_again = fit_text(list(texts))
    assert_array_equal(features, features_again)
    assert projection.components.shape == (N_COMPONENTS, N_BUCKETS)
    assert projection.idf.shape == (N_BUCKETS,)
    # What fit gives a value is what text_features gives it, alone or among others.
    assert_allclose(text_features(projection, [texts[5]]), features[5:6], atol=1e-12)
    assert_allclose(text_features(projection, list(texts[::-1]))[::-1], features, atol=1e-12)


def test_an_unseen_value_is_encoded_from_its_ngrams():
    texts, _ = _reviews(300, 0)
    projection, features = fit_text(list(texts))
    unseen = texts[3].replace("#3", "#99999")  # the same words, another string
    new = text_features(projection, [unseen, "zzzz qqqq xxxx"])
    cosine = new[0] @ features[3] / np.linalg.norm(new[0]) / np.linalg.norm(features[3])
    assert cosine > 0.95
    assert np.abs(new[1]).max() < np.abs(features).max()  # n-grams never seen project near 0


def test_case_and_spacing_do_not_matter_and_long_values_are_cut():
    texts, _ = _reviews(100, 0)
    projection, _ = fit_text(list(texts))
    a, b = text_features(projection, ["The box ARRIVED   today", "the box arrived today"])
    assert_array_equal(a, b)
    long = "great taste " * (MAX_TEXT_CHARS // 4)
    assert_array_equal(*text_features(projection, [long, long[:MAX_TEXT_CHARS]]))


def test_values_without_ngrams_give_no_projection():
    assert fit_text(["", " ", "\t"]) is None  # no 3-gram in any value
    assert fit_text(["", "x"]) is None  # one value with an n-gram (" x ")
    assert fit_text(["only one value with words"]) is None
    projection, features = fit_text(["a b", "c d e f g h i", "some words here ok", "and more words"])
    assert features.shape == (4, projection.n_components) and projection.n_components <= 4


# ---------------------------------------------------------------- in the preprocessor and the estimators
pandas = pytest.importorskip("pandas")
from skdeep import TabularNetClassifier, TabularNetRegressor, load, save  # noqa: E402
from skdeep.tabular.preprocessing import TabularPreprocessor  # noqa: E402
from skdeep.tabular.summary import tabular_summary  # noqa: E402

SMALL = {"hidden_layer_sizes": (32,), "max_iter": 60, "random_state": 0}


def _table(n=400, seed=0):
    texts, labels = _reviews(n, seed)
    rng = np.random.default_rng(seed + 1)
    texts = texts.copy()
    texts[::17] = None  # missing reviews
    frame = pandas.DataFrame({"review": texts, "noise": rng.normal(size=n),
                              "title": rng.choice(["nurse", "chef", "pilot engineer"], n).astype(object)})
    return frame, labels


def _text_outputs(pre):
    return [i for i, name in enumerate(pre.get_feature_names_out()) if name.startswith("review_text")]


def test_a_free_text_column_gets_unbinned_features_after_its_block():
    X, y = _table()
    pre = TabularPreprocessor(numeric_bins=8).fit(X, y)
    assert pre.text_columns_ == [0]
    names = list(pre.get_feature_names_out())
    first = names.index("review_text0")
    assert names.index("review_other") < first  # after the column's block
    assert names[first + 1] == "missingindicator_review"  # the column's indicator, after its first feature
    text = _text_outputs(pre)
    assert len(text) == N_COMPONENTS
    assert not any("review_text" in name and "_bin" in name for name in names)  # not binned
    assert "noise_bin0" in names  # numeric columns still are
    # a missing review has missing features: the indicator, the features at the median (0)
    Z = pre.transform(X)
    missing = X["review"].isna().to_numpy()
    assert_array_equal(Z[missing][:, names.index("missingindicator_review")], 1.0)
    assert_array_equal(Z[missing][:, text], 0.0)
    assert np.abs(Z[~missing][:, text]).max() > 0.5


def test_short_strings_and_numbers_are_not_text():
    X, y = _table()
    pre = TabularPreprocessor(max_one_hot=2).fit(X[["title", "noise"]], y)  # titles: most-frequent, not text
    assert pre.text_columns_ == []
    X_codes = pandas.DataFrame({"zip": np.random.default_rng(0).integers(10000, 99999, 200).astype(str)})
    assert TabularPreprocessor().fit(X_codes).text_columns_ == []


def test_text_features_ignore_the_target_so_fit_transform_equals_transform():
    X, y = _table()
    pre = TabularPreprocessor()
    fitted = pre.fit_transform(X, y)
    text = _text_outputs(pre)
    assert_allclose(fitted[:, text], pre.transform(X)[:, text])
    other = TabularPreprocessor().fit(X, 1 - y)  # another target: the same features
    assert_array_equal(other.transform(X)[:, _text_outputs(other)], pre.transform(X)[:, text])
    assert_array_equal(TabularPreprocessor().fit(X).text_columns_, [0])  # without y too


def test_a_network_learns_from_the_words_of_distinct_reviews():
    X, y = _table(600, 0)
    X_test, y_test = _table(300, 1)
    model = TabularNetClassifier(**SMALL).fit(X, y)
    present = X_test["review"].notna().to_numpy()
    assert model.score(X_test[present], y_test[present]) > 0.85
    # the same network without the text features: every review is a category seen once
    blind = TabularNetClassifier(**SMALL).fit(X.assign(review=X["review"].str.replace(" ", "_")), y)
    assert blind.preprocessor_.text_columns_ == []
    assert blind.score(X_test[present].assign(review=X_test["review"][present].str.replace(" ", "_")),
                       y_test[present]) < 0.7
    assert "1 free-text column read as n-grams" in tabular_summary(model)


def test_a_regressor_reads_text_too_and_a_category_dtype_is_read_as_text():
    X, y = _table(500, 0)
    X = X.assign(review=X["review"].astype("category"))
    model = TabularNetRegressor(**SMALL).fit(X, 3.0 * y + 1.0)
    assert model.preprocessor_.text_columns_ == [0]
    X_test, y_test = _table(200, 1)
    present = X_test["review"].notna().to_numpy()
    assert model.score(X_test[present], 3.0 * y_test[present] + 1.0) > 0.5


def test_text_models_pickle_save_and_load_and_continue_alike(tmp_path):
    X, y = _table()
    model = TabularNetClassifier(**{**SMALL, "max_iter": 4}).fit(X, y)
    expected = model.predict_proba(X)
    assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), expected)
    path = tmp_path / "text.npz"
    save(model, path, include_optimizer=True)
    loaded = load(path)
    assert_array_equal(loaded.predict_proba(X), expected)
    for fitted in (loaded, model):  # a warm start after load trains as one without saving
        fitted.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # set_params after fit, then refit from scratch: the text is read again
    refit = clone(model).set_params(warm_start=False, max_one_hot=4).fit(X, y)
    assert refit.preprocessor_.text_columns_ == [0]


def test_nothing_the_caller_passed_is_modified():
    X, y = _table()
    before = X.copy()
    TabularNetClassifier(**{**SMALL, "max_iter": 2}).fit(X, y)
    pandas.testing.assert_frame_equal(X, before)


# ---------------------------------------------------------------- tampered files
@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    X, y = _table(120, 0)
    model = TabularNetClassifier(hidden_layer_sizes=(8,), max_iter=2, numeric_bins=4, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("text") / "model.npz"
    save(model, path)
    return path.read_bytes()


PRE = "preprocessor"
NAN, INF = float("nan"), float("inf")
# Columns of _table(): 0 review (free text, most-frequent), 1 noise (numeric), 2 title (one-hot).
TAMPERED = {
    "text of a numeric column": (set_fields(PRE, text_columns_=[1]), "text_columns_"),
    "text of a one-hot column": (set_fields(PRE, text_columns_=[2]), "most-frequent column is read as free text"),
    "text columns repeated": (set_fields(PRE, text_columns_=[0, 0]), "text_columns_"),
    "no text components": (set_fields(PRE, n_text_components=[0]), "n_text_components"),
    "more components than fit gives": (set_fields(PRE, n_text_components=[N_COMPONENTS + 1]),
                                       "n_text_components"),
    "a million components": (set_fields(PRE, n_text_components=[10**6]), "n_text_components"),
    "text fields without columns": (delete_field(PRE, "text_columns_"), "exactly the fields"),
    "NaN IDF": (set_array_item("preprocessor_text_idf", 0, NAN), "IDF"),
    "IDF below 1": (set_array_item("preprocessor_text_idf", 3, 0.5), "IDF"),
    "infinite projection": (set_array_item("preprocessor_text_components", 5, INF), "text projections"),
    "projection of the wrong size": (replace_array("preprocessor_text_components", np.zeros(3)),
                                     "preprocessor_text_components has"),
    "IDF as float32": (replace_array("preprocessor_text_idf", lambda: np.ones(N_BUCKETS, dtype=np.float32)),
                       "dtype"),
    "missing projection": (lambda arrays, metadata: arrays.pop("preprocessor_text_components"), "missing"),
}


@pytest.mark.parametrize("name", TAMPERED)
def test_a_tampered_text_field_is_refused_and_named(name, genuine, tmp_path):
    change, message = TAMPERED[name]
    assert_load_refuses(genuine, change, message, tmp_path)


def test_bins_or_indicators_on_text_features_are_refused(genuine, tmp_path):
    def binned(arrays, metadata):
        metadata[PRE]["n_bin_edges"][-1] = 3

    def indicator(arrays, metadata):
        metadata[PRE]["missing_indicators_"][-1] = True

    assert_load_refuses(genuine, binned, "no bins", tmp_path)
    assert_load_refuses(genuine, indicator, "first feature", tmp_path)


def test_the_memory_bound_counts_text_features_only_for_columns_that_may_be_text():
    from skdeep.tabular.preprocessing import numeric_features_bound

    X, _ = _table(200)
    # review: its statistics and its text features; noise: itself; title: its statistics only
    assert numeric_features_bound(X, n_targets=1) == (1 + 1 + N_COMPONENTS) + 1 + (1 + 1)
    as_category = X.assign(review=X["review"].astype("category"))
    assert numeric_features_bound(as_category, n_targets=1) == numeric_features_bound(X, n_targets=1)
    # an object array: any column may be categorical, only the review may be text
    assert numeric_features_bound(X.to_numpy(), n_targets=1) == (1 + 1 + N_COMPONENTS) + (1 + 1) + (1 + 1)


# ---------------------------------------------------------------- a hostile review's findings
def test_a_lone_surrogate_is_read_like_any_character():
    X, y = _table(200)
    X = X.assign(review=pandas.Series([text if not isinstance(text, str) else text + " \ud800"
                                       for text in X["review"]], dtype=object))  # pandas 3 str: no surrogates
    pre = TabularPreprocessor().fit(X, y)
    assert pre.text_columns_ == [0]
    assert np.isfinite(pre.transform(X)).all()


def test_unused_categories_neither_shape_the_projection_nor_make_codes_text():
    X, y = _table(200)
    texts = X["review"].dropna().unique().tolist()
    unseen = [f"a long unused category with many words number {i}" for i in range(300)]
    plain = TabularPreprocessor().fit(X.assign(review=pandas.Categorical(X["review"])), y)
    padded = TabularPreprocessor().fit(
        X.assign(review=pandas.Categorical(X["review"], categories=texts + unseen)), y)
    assert_array_equal(padded.text_components_[0], plain.text_components_[0])
    codes = np.resize([f"c{i}" for i in range(30)], 200)
    short = TabularPreprocessor().fit(pandas.DataFrame({"code": pandas.Categorical(codes, categories=[
        f"c{i}" for i in range(30)] + unseen)}))
    assert short.text_columns_ == []


def test_values_equal_once_normalized_give_no_noise_features():
    texts, _ = _reviews(10, 0)
    keys = list(texts) + [text.upper() for text in texts]  # 20 strings, 10 texts
    pre = TabularPreprocessor().fit(pandas.DataFrame({"review": keys * 10}))
    text = _text_outputs(pre)
    assert 1 <= len(text) <= 10
    new, _ = _reviews(50, 1)
    assert np.abs(pre.transform(pandas.DataFrame({"review": new}))[:, text]).max() < 3


def test_the_features_do_not_depend_on_the_order_of_the_rows():
    X, y = _table(300)
    shuffled = np.random.default_rng(0).permutation(len(X))
    a = TabularPreprocessor().fit(X, y)
    b = TabularPreprocessor().fit(X.iloc[shuffled], y[shuffled])
    assert_array_equal(a.transform(X)[:, _text_outputs(a)], b.transform(X)[:, _text_outputs(b)])


def test_hashing_in_chunks_of_characters_counts_the_same(monkeypatch):
    from skdeep.tabular import text

    texts, _ = _reviews(200, 0)
    whole = text._ngram_counts(list(texts))
    monkeypatch.setattr(text, "_CHUNK_CHARS", 500)  # about 8 values a chunk, one long value alone
    chunked = text._ngram_counts(list(texts) + ["w" * 2000])
    assert_array_equal(chunked[:200].toarray(), whole.toarray())
    assert chunked[200].sum() == 2 * (MAX_TEXT_CHARS + 2) - 5  # " www...w ": its 3- and 4-grams


def test_the_memory_bound_samples_the_whole_column():
    from skdeep.tabular.preprocessing import numeric_features_bound

    review = np.array([None] * 3000, dtype=object)
    review[1000:] = [f"this is a long review number {i}" for i in range(2000)]
    assert numeric_features_bound(pandas.DataFrame({"review": review})) == 1 + N_COMPONENTS


def test_loading_a_text_model_under_a_small_limit_names_the_text_projections(genuine, tmp_path):
    from skdeep import InvalidModelFile

    path = tmp_path / "model.npz"
    path.write_bytes(genuine)
    with pytest.raises(InvalidModelFile, match="free-text projections hold"):
        load(path, max_parameters=100_000)


def test_no_values_give_no_counts_and_no_features():
    from skdeep.tabular import text

    assert text._ngram_counts([]).shape == (0, N_BUCKETS)
    texts, _ = _reviews(50, 0)
    projection, _ = fit_text(list(texts))
    assert text_features(projection, []).shape == (0, projection.n_components)
    X, y = _table(200)
    model = TabularNetClassifier(**{**SMALL, "max_iter": 2}).fit(X, y)
    assert model.predict(X.assign(review=None).iloc[:5]).shape == (5,)  # every review missing
