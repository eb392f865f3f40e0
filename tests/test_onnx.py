"""ONNX export, checked by running the exported graphs in ONNX Runtime.

Every prediction is compared with the estimator's own on held-out rows:
within 1e-5 in float32 (the issue's bound) and 1e-12 in float64.
"""

import sys

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier, DeepNetRegressor, register_onnx_converters, to_onnx
from skdeep.nn.activations import ACTIVATIONS

REASON = 'ONNX export tests need the onnx extra: pip install ".[onnx]"'
onnxruntime = pytest.importorskip("onnxruntime", reason=REASON)
skl2onnx = pytest.importorskip("skl2onnx", reason=REASON)
onnx = pytest.importorskip("onnx", reason=REASON)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}


def run(model_proto, X):
    """Outputs of the exported graph on ``X``, by name."""
    session = onnxruntime.InferenceSession(
        model_proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X}), strict=False))


def split(X, y, dtype):
    X_train, X_test, y_train, y_test = train_test_split(X.astype(dtype), y, random_state=0)
    return X_train, X_test, y_train, y_test


@pytest.fixture(scope="module")
def three_classes():
    return make_classification(
        n_samples=500, n_features=8, n_informative=6, n_classes=3, random_state=0
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_classifier_matches_onnxruntime(three_classes, activation, batch_norm, dtype):
    X_train, X_test, y_train, _ = split(*three_classes, dtype)
    clf = DeepNetClassifier(
        hidden_layer_sizes=(16, 8), activation=activation, batch_norm=batch_norm,
        dropout=0.1, max_iter=20, random_state=0,
    ).fit(X_train, y_train)
    model_proto = to_onnx(clf, X_test)
    onnx.checker.check_model(model_proto, full_check=True)  # valid ONNX for any runtime, not just ORT
    outputs = run(model_proto, X_test)
    assert outputs["probabilities"].dtype == dtype
    np.testing.assert_allclose(
        outputs["probabilities"], clf.predict_proba(X_test), rtol=0, atol=TOLERANCE[dtype]
    )
    np.testing.assert_array_equal(outputs["label"], clf.predict(X_test))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_in_float64_and_float32_over_a_wide_range(dtype):
    # The float64 graph computes erf by a series; check it far into both tails.
    X = np.linspace(-40, 40, 4001, dtype=dtype)[:, None]
    reg = DeepNetRegressor(hidden_layer_sizes=(3,), activation="gelu", max_iter=1, random_state=0)
    reg.fit(X, X.ravel())
    reg.coefs_ = [np.array([[1.0, 0.5, 2.0]], dtype), np.ones((3, 1), dtype)]
    prediction = run(to_onnx(reg, dtype=dtype), X)["variable"].ravel()
    np.testing.assert_allclose(prediction, reg.predict(X), rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_pipeline_with_standard_scaler_float32(three_classes):
    X_train, X_test, y_train, _ = split(*three_classes, np.float32)
    X_train, X_test = 100 * X_train + 50, 100 * X_test + 50  # the scaler has work to do
    pipeline = make_pipeline(
        StandardScaler(), DeepNetClassifier(hidden_layer_sizes=(32,), batch_norm=True, random_state=0)
    ).fit(X_train, y_train)
    outputs = run(to_onnx(pipeline, X_test), X_test)
    np.testing.assert_allclose(outputs["probabilities"], pipeline.predict_proba(X_test), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(outputs["label"], pipeline.predict(X_test))
    assert pipeline.score(X_test, outputs["label"]) == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_registered_converters_serve_skl2onnx_to_onnx_directly(three_classes, dtype):
    X_train, X_test, y_train, _ = split(*three_classes, dtype)
    pipeline = make_pipeline(StandardScaler(), DeepNetClassifier(max_iter=20, random_state=0))
    pipeline.fit(X_train, y_train)
    register_onnx_converters()
    register_onnx_converters()  # twice is harmless
    model_proto = skl2onnx.to_onnx(pipeline, X_train[:1], options={"zipmap": False})
    session = onnxruntime.InferenceSession(
        model_proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    label, probabilities = session.run(None, {session.get_inputs()[0].name: X_test})
    np.testing.assert_allclose(probabilities, pipeline.predict_proba(X_test), rtol=0, atol=TOLERANCE[dtype])
    np.testing.assert_array_equal(label, pipeline.predict(X_test))


def test_sample_input_may_be_a_dataframe_or_sparse(three_classes):
    pandas = pytest.importorskip("pandas")
    import scipy.sparse

    X, y = three_classes
    clf = DeepNetClassifier(max_iter=5, random_state=0).fit(X, y)
    samples = [
        (pandas.DataFrame(X.astype(np.float32)), onnx.TensorProto.FLOAT),
        (scipy.sparse.csr_matrix(X), onnx.TensorProto.DOUBLE),
    ]
    for sample, element_type in samples:
        assert to_onnx(clf, sample).graph.input[0].type.tensor_type.elem_type == element_type


@pytest.mark.parametrize("activation", ["gelu", "selu", "softplus"])
def test_oldest_supported_opset_13(three_classes, activation):
    X_train, X_test, y_train, _ = split(*three_classes, np.float64)
    clf = DeepNetClassifier(hidden_layer_sizes=(8,), activation=activation, max_iter=10, random_state=0)
    clf.fit(X_train, y_train)
    model_proto = to_onnx(clf, X_test, target_opset=13)
    assert max(opset.version for opset in model_proto.opset_import if opset.domain == "") <= 13
    onnx.checker.check_model(model_proto, full_check=True)
    outputs = run(model_proto, X_test)
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X_test), rtol=0, atol=1e-12)


def test_zipmap_option_is_passed_through(three_classes):
    X_train, X_test, y_train, _ = split(*three_classes, np.float32)
    clf = DeepNetClassifier(max_iter=20, random_state=0).fit(X_train, y_train)
    options = {DeepNetClassifier: {"zipmap": True}}
    outputs = run(to_onnx(clf, options=options), X_test)
    assert options == {DeepNetClassifier: {"zipmap": True}}  # the caller's dict is left alone
    as_dicts = outputs["output_probability"]
    proba = clf.predict_proba(X_test)
    assert [sorted(row) for row in as_dicts[:2]] == [clf.classes_.tolist()] * 2
    np.testing.assert_allclose([[row[c] for c in clf.classes_] for row in as_dicts], proba, atol=1e-5)


def test_binary_string_labels():
    X, y = make_classification(n_samples=300, n_features=5, random_state=1)
    labels = np.array(["no", "yes"], dtype=object)[y]
    X_train, X_test, y_train, _ = split(X, labels, np.float32)
    clf = DeepNetClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(X_train, y_train)
    outputs = run(to_onnx(clf), X_test)
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X_test), rtol=0, atol=1e-5)
    assert outputs["label"].tolist() == clf.predict(X_test).tolist()
    assert set(outputs["label"]) == {"no", "yes"}


@pytest.mark.parametrize("labels", [[10.0, 11.0, 12.0], [10, 11, 12], [False, True, True]])
def test_integral_labels_of_any_dtype_become_int64(three_classes, labels):
    X, y = three_classes
    clf = DeepNetClassifier(max_iter=10, random_state=0).fit(X, np.asarray(labels)[y])
    label = run(to_onnx(clf, dtype=np.float64), X)["label"]
    assert label.dtype == np.int64
    np.testing.assert_array_equal(label, clf.predict(X))


def test_multilabel_outputs_an_indicator_matrix():
    X, Y = make_multilabel_classification(n_samples=300, n_features=6, n_classes=4, random_state=0)
    X_train, X_test, Y_train, _ = split(X, Y, np.float32)
    clf = DeepNetClassifier(hidden_layer_sizes=(16,), max_iter=50, random_state=0).fit(X_train, Y_train)
    outputs = run(to_onnx(clf), X_test)
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X_test), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(outputs["label"], clf.predict(X_test))
    assert outputs["label"].shape == (len(X_test), 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_matches_onnxruntime(loss, dtype):
    X, Y = make_regression(n_samples=300, n_features=6, n_targets=2, random_state=0)
    Y = np.abs(Y) / 100 if loss == "poisson" else Y
    X_train, X_test, Y_train, _ = split(X, Y, dtype)
    reg = DeepNetRegressor(
        hidden_layer_sizes=(16,), loss=loss, batch_norm=True, max_iter=30, random_state=0
    ).fit(X_train, Y_train)
    prediction = run(to_onnx(reg, X_test), X_test)["variable"]
    assert prediction.shape == (len(X_test), 2)
    np.testing.assert_allclose(prediction, reg.predict(X_test), rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_export_leaves_the_estimator_unchanged(three_classes):
    X, y = three_classes
    clf = DeepNetClassifier(batch_norm=True, max_iter=10, random_state=0).fit(X, y)
    before = joblib.hash(clf)
    to_onnx(clf)
    assert joblib.hash(clf) == before


def test_errors_name_the_problem(three_classes):
    X, y = three_classes
    with pytest.raises(NotFittedError):
        to_onnx(DeepNetClassifier())
    clf = DeepNetClassifier(max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="float32 or float64.*int64"):
        to_onnx(clf, X.astype(np.int64))
    with pytest.raises(TypeError, match="float32 or float64.*float16"):
        to_onnx(clf, dtype=np.float16)
    with pytest.raises(ValueError, match="8 features.*shape \\(500, 3\\)"):
        to_onnx(clf, X[:, :3])
    with pytest.raises(ValueError, match="2-D"):
        to_onnx(clf, X[0])
    clf.classes_ = np.array([0.5, (1, 2), None], dtype=object)  # no ONNX tensor type holds these
    with pytest.raises(ValueError, match="integers or strings"):
        to_onnx(clf)


def test_missing_skl2onnx_gives_the_install_command(monkeypatch, three_classes):
    X, y = three_classes
    clf = DeepNetClassifier(max_iter=5, random_state=0).fit(X, y)
    monkeypatch.setitem(sys.modules, "skl2onnx", None)  # import skl2onnx now fails
    with pytest.raises(ImportError, match=r'pip install "scikit-deepnet\[onnx\]"'):
        to_onnx(clf)
