"""Property tests over hostile input: whatever comes in, either a clear typed error
or a model whose outputs are sane, with the caller's data untouched."""

import warnings

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from skdeep import DeepNetClassifier, DeepNetRegressor

# The errors a caller can act on; anything else (IndexError, ZeroDivisionError, ...) is a bug.
CLEAR_ERRORS = (ValueError, TypeError)


def _features(data, n_samples):
    n_features = data.draw(st.integers(1, 6), label="n_features")
    dtype = data.draw(st.sampled_from(["int64", "bool", "float16", "float32", "float64"]), label="dtype")
    scale = data.draw(st.sampled_from([1e-8, 1.0, 1e8]), label="scale")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    values = np.random.RandomState(seed).normal(size=(n_samples, n_features)) * scale
    X = (values > 0) if dtype == "bool" else values.astype(dtype)
    if dtype != "float16" and data.draw(st.booleans(), label="sparse"):  # SciPy has no float16
        X = sp.csr_matrix(X)
    return X, seed


def _sample_weight(data, n_samples, seed):
    if not data.draw(st.booleans(), label="weighted"):
        return None
    return np.random.RandomState(seed + 1).randint(0, 3, size=n_samples).astype(float)  # zeros too


def _copy(value):
    return None if value is None else value.copy()


def _same(a, b):
    if a is None:
        return b is None
    if sp.issparse(a):
        return (a != b).nnz == 0 and a.dtype == b.dtype
    return np.array_equal(a, b) and a.dtype == b.dtype


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_classifier_gives_a_sane_model_or_a_clear_error(data):
    n_samples = data.draw(st.integers(1, 40), label="n_samples")
    X, seed = _features(data, n_samples)
    n_classes = data.draw(st.integers(1, 4), label="n_classes")
    kind = data.draw(st.sampled_from(["int", "str", "bool"]), label="labels")
    codes = np.random.RandomState(seed + 2).randint(0, n_classes, size=n_samples)
    y = {"int": codes, "str": np.array(["ant", "bee", "cat", "dog"])[codes], "bool": codes % 2 == 1}[kind]
    sample_weight = _sample_weight(data, n_samples, seed)
    originals = (_copy(X), y.copy(), _copy(sample_weight))
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0,
                  batch_norm=data.draw(st.booleans(), label="batch_norm"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model = DeepNetClassifier(**params).fit(X, y, sample_weight=sample_weight)
        except CLEAR_ERRORS as error:
            assert str(error)  # says what is wrong
            return
        proba = model.predict_proba(X)
        again = DeepNetClassifier(**params).fit(X, y, sample_weight=sample_weight).predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(np.unique(model.predict(X))) <= set(model.classes_)
    assert np.array_equal(proba, again)  # same random_state, same model
    for before, after in zip(originals, (X, y, sample_weight), strict=False):
        assert _same(before, after)  # the caller's data is untouched


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_regressor_gives_finite_predictions_or_a_clear_error(data):
    n_samples = data.draw(st.integers(1, 40), label="n_samples")
    X, seed = _features(data, n_samples)
    y_scale = data.draw(st.sampled_from([1e-8, 1.0, 1e8]), label="y_scale")
    y = np.random.RandomState(seed + 3).normal(size=n_samples) * y_scale
    sample_weight = _sample_weight(data, n_samples, seed)
    originals = (_copy(X), y.copy(), _copy(sample_weight))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model = DeepNetRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(
                X, y, sample_weight=sample_weight
            )
        except CLEAR_ERRORS as error:
            assert str(error)
            return
    assert np.isfinite(model.predict(X)).all()
    for before, after in zip(originals, (X, y, sample_weight), strict=False):
        assert _same(before, after)
