"""ONNX export of the TabularNet estimators, checked by running the graphs in ONNX Runtime.

The graph is the numeric preprocessing (scaling, smooth clip, missing values
and their indicators, piecewise-linear bins), the ensemble and the mean of its
members; every test compares it with the estimator's own predictions on rows
with missing values and values outside the training range.
"""

import joblib
import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skdeep import DeepNetClassifier, TabularNetClassifier, TabularNetRegressor, to_onnx
from skdeep.nn.activations import ACTIVATIONS
from skdeep.tabular.preprocessing import TabularPreprocessor

REASON = 'ONNX export tests need the onnx extra: pip install ".[onnx]"'
onnxruntime = pytest.importorskip("onnxruntime", reason=REASON)
skl2onnx = pytest.importorskip("skl2onnx", reason=REASON)
onnx = pytest.importorskip("onnx", reason=REASON)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}
# Every hidden activation the exporter writes that TabularNet accepts (not "identity").
HIDDEN_ACTIVATIONS = sorted(set(ACTIVATIONS) - {"identity"})
SMALL = dict(hidden_layer_sizes=(8,), n_ensemble=2, max_iter=3, random_state=0)


def run(model_proto, X):
    """Outputs of the exported graph on ``X``, by name."""
    session = onnxruntime.InferenceSession(
        model_proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X}), strict=False))


def table(X, dtype=np.float32, seed=0):
    """``X`` made tabular: uneven scales, a column of few values, a constant one, 10% missing.

    Returns the training rows and test rows that add values outside the
    training range and a row with every value missing.
    """
    rng = np.random.default_rng(seed)
    X = X * np.geomspace(0.01, 1000, X.shape[1]) + 50
    X[:, 1] = np.round(X[:, 1] / 500)  # few distinct values: few bins
    X[:, 2] = 7.0  # constant: encodes as 0
    X[rng.random(X.shape) < 0.1] = np.nan
    X_train, X_test = X[:200], X[200:]
    extreme = np.vstack([np.nanmax(X_train, axis=0) * 3, np.nanmin(X_train, axis=0) - 100, np.full(X.shape[1], np.nan)])
    return X_train.astype(dtype), np.vstack([X_test, extreme]).astype(dtype)


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0)
    return table(X), y[:200]


def check_classifier(clf, X_test, dtype=np.float32, **export):
    model_proto = to_onnx(clf, X_test, **export)
    onnx.checker.check_model(model_proto, full_check=True)
    outputs = run(model_proto, X_test)
    assert outputs["probabilities"].dtype == dtype
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X_test), rtol=0, atol=TOLERANCE[dtype])
    assert outputs["label"].tolist() == clf.predict(X_test).tolist()
    return outputs


@pytest.mark.parametrize("feature_scaling", [True, False])
@pytest.mark.parametrize("numeric_bins", [0, 8])
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_classifier_matches_onnxruntime(classification, task, numeric_bins, feature_scaling):
    (X_train, X_test), y = classification
    # Binary with string labels: the label output holds the strings.
    y = np.array(["no", "yes"], dtype=object)[y % 2] if task == "binary" else y
    clf = TabularNetClassifier(numeric_bins=numeric_bins, feature_scaling=feature_scaling, **SMALL)
    clf.fit(X_train, y)
    outputs = check_classifier(clf, X_test)
    assert outputs["probabilities"].shape == (len(X_test), 2 if task == "binary" else 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_every_hidden_activation_in_both_precisions(classification, activation, dtype):
    (X_train, X_test), y = classification
    clf = TabularNetClassifier(
        **{**SMALL, "hidden_layer_sizes": (8, 8)}, activation=activation, numeric_bins=8, dtype=dtype.__name__,
    ).fit(X_train.astype(dtype), y)
    check_classifier(clf, X_test.astype(dtype), dtype)


def test_multilabel_outputs_an_indicator_matrix():
    X, Y = make_multilabel_classification(n_samples=300, n_features=6, n_classes=3, random_state=0)
    X_train, X_test = table(X.astype(np.float64))
    clf = TabularNetClassifier(numeric_bins=4, **SMALL).fit(X_train, Y[:200])
    outputs = check_classifier(clf, X_test)
    assert outputs["label"].shape == (len(X_test), 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("feature_scaling", [True, False])
@pytest.mark.parametrize("numeric_bins", [0, 8])
@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor_matches_onnxruntime(n_targets, numeric_bins, feature_scaling, dtype):
    X, y = make_regression(n_samples=300, n_features=6, n_targets=n_targets, noise=1.0, random_state=0)
    X_train, X_test = table(X, dtype)
    y = 100 * y[:200] + 1000  # unstandardizing has work to do
    reg = TabularNetRegressor(
        numeric_bins=numeric_bins, feature_scaling=feature_scaling, dtype=dtype.__name__, **SMALL
    ).fit(X_train, y)
    model_proto = to_onnx(reg, X_test)
    onnx.checker.check_model(model_proto, full_check=True)
    variable = run(model_proto, X_test)["variable"]
    assert variable.shape == (len(X_test), n_targets) and variable.dtype == dtype
    prediction = reg.predict(X_test)
    assert prediction.shape == ((len(X_test),) if n_targets == 1 else (len(X_test), n_targets))
    # Relative to the targets' spread: the graph unstandardizes in its own precision.
    np.testing.assert_allclose(
        variable.reshape(prediction.shape), prediction, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * y.std()
    )


def test_two_hidden_layers_regressor():
    X, y = make_regression(n_samples=300, n_features=5, random_state=1)
    X_train, X_test = table(X)
    reg = TabularNetRegressor(**{**SMALL, "hidden_layer_sizes": (8, 8, 8), "n_ensemble": 3}, activation="gelu")
    reg.fit(X_train, y[:200])
    variable = run(to_onnx(reg), X_test)["variable"].ravel()
    np.testing.assert_allclose(variable, reg.predict(X_test), rtol=1e-5, atol=1e-5 * y.std())


def test_oldest_supported_opset_13(classification):
    (X_train, X_test), y = classification
    clf = TabularNetClassifier(numeric_bins=8, **SMALL).fit(X_train, y)
    model_proto = to_onnx(clf, target_opset=13)
    assert max(opset.version for opset in model_proto.opset_import if opset.domain == "") <= 13
    onnx.checker.check_model(model_proto, full_check=True)
    np.testing.assert_allclose(run(model_proto, X_test)["probabilities"], clf.predict_proba(X_test), atol=1e-5)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # NumPy's, on the huge values
@pytest.mark.parametrize("clip", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_preprocessor_alone_matches_transform(clip, dtype):
    X_train, X_test = table(np.random.default_rng(0).normal(size=(300, 5)), np.float64)
    X_train[:, 4] = np.nan  # no value at fit: median 0, scale 0, an indicator, no bins
    # Far beyond the smooth clip's knee; in float64, scaled values overflow to +-inf (then +-3).
    huge = np.finfo(dtype).max / 2
    X_test = np.vstack([X_test, [huge, -huge, 7.0, 1e-30, 1.0]])
    preprocessor = TabularPreprocessor(clip=clip, numeric_bins=8, dtype=dtype.__name__).fit(X_train)
    encoded = run(to_onnx(preprocessor, dtype=dtype), X_test.astype(dtype))["variable"]
    assert encoded.dtype == dtype and encoded.shape == (len(X_test), preprocessor.n_features_out_)
    expected = preprocessor.transform(X_test.astype(dtype))
    if clip:
        np.testing.assert_allclose(encoded, expected, rtol=0, atol=TOLERANCE[dtype])
    else:  # unbounded scaled values
        np.testing.assert_allclose(encoded, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_pipeline_of_the_preprocessor_and_a_deep_net(classification):
    (X_train, X_test), y = classification
    pipeline = make_pipeline(
        TabularPreprocessor(numeric_bins=4, dtype="float32"), DeepNetClassifier(max_iter=5, random_state=0)
    ).fit(X_train, y)
    check_classifier(pipeline, X_test)


def test_network_alone_takes_the_encoded_matrix_of_any_table():
    pandas = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pandas.DataFrame({
        "age": rng.normal(40, 10, 200),
        "city": rng.choice(["Oslo", "Paris", "Rome", None], 200),
        "smoker": rng.random(200) < 0.3,
    })
    y = rng.integers(0, 3, 200)
    clf = TabularNetClassifier(numeric_bins=4, **SMALL).fit(X, y)
    encoded = clf.preprocessor_.transform(X)
    model_proto = to_onnx(clf, encoded, include_preprocessing=False)
    outputs = run(model_proto, encoded)
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(outputs["label"], clf.predict(X))
    with pytest.raises(ValueError, match=rf"{encoded.shape[1]} encoded columns of preprocessor_\.transform"):
        to_onnx(clf, np.zeros((2, 3), np.float32), include_preprocessing=False)  # the raw width
    # With its preprocessing, the same model is refused, the categorical columns named.
    message = r"numeric columns only.*categorical column\(s\) 'city', 'smoker'.*include_preprocessing=False"
    with pytest.raises(NotImplementedError, match=message):
        to_onnx(clf, dtype=np.float32)


def test_categorical_table_is_refused_with_what_is_supported():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=100), rng.choice(["a", "b", "c"], 100)]).astype(object)
    X[:, 0] = X[:, 0].astype(float)
    reg = TabularNetRegressor(**SMALL).fit(X, rng.normal(size=100))
    with pytest.raises(NotImplementedError, match=r"numeric columns only.*at position\(s\) 1\b.*OneHotEncoder"):
        to_onnx(reg)
    with pytest.raises(NotImplementedError, match="numeric columns only"):
        to_onnx(reg.preprocessor_)


def test_one_hot_encoding_ahead_of_the_model_exports(classification):
    # What the refusal suggests: categories as numeric codes, one-hot encoded in a pipeline.
    (X_train, X_test), y = classification
    codes = np.random.default_rng(0).integers(0, 3, size=(len(X_train) + len(X_test), 1)).astype(np.float32)
    X_train, X_test = np.hstack([codes[: len(X_train)], X_train]), np.hstack([codes[len(X_train):], X_test])
    encoder = ColumnTransformer(
        [("categories", OneHotEncoder(handle_unknown="ignore", sparse_output=False), [0])], remainder="passthrough"
    )
    pipeline = make_pipeline(encoder, TabularNetClassifier(numeric_bins=4, **SMALL)).fit(X_train, y)
    outputs = run(to_onnx(pipeline, X_test), X_test)
    np.testing.assert_allclose(outputs["probabilities"], pipeline.predict_proba(X_test), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(outputs["label"], pipeline.predict(X_test))


def test_include_preprocessing_false_is_for_tabular_nets_only(classification):
    (X_train, _), y = classification
    clf = DeepNetClassifier(max_iter=2, random_state=0).fit(np.nan_to_num(X_train), y)
    with pytest.raises(ValueError, match="include_preprocessing=False.*got a DeepNetClassifier"):
        to_onnx(clf, include_preprocessing=False)


def test_export_leaves_the_estimator_unchanged(classification):
    (X_train, _), y = classification
    clf = TabularNetClassifier(numeric_bins=8, **SMALL).fit(X_train, y)
    before = joblib.hash(clf)
    to_onnx(clf)
    to_onnx(clf, include_preprocessing=False)
    assert joblib.hash(clf) == before


def test_a_single_class_classifier_exports_certain_probabilities_and_its_label():
    X = np.random.RandomState(0).normal(size=(30, 3))
    model = TabularNetClassifier(**SMALL).fit(X, np.full(30, "only"))
    outputs = run(to_onnx(model, X[:1].astype(np.float32)), X.astype(np.float32))
    labels, probabilities = outputs["label"], outputs["probabilities"]
    assert probabilities.shape == (30, 1)
    np.testing.assert_array_equal(probabilities, 1.0)
    assert list(labels) == ["only"] * 30


def test_the_export_follows_an_activation_set_after_fitting():
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = TabularNetClassifier(**SMALL).fit(X, y).set_params(activation="tanh")
    probabilities = run(to_onnx(model, X[:1].astype(np.float32)), X.astype(np.float32))["probabilities"]
    np.testing.assert_allclose(probabilities, model.predict_proba(X), atol=1e-5)
