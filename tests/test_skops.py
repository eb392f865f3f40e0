"""skops.io, the ecosystem's secure format, saves whole pipelines with skdeep's nets in them.

skops reconstructs only types it trusts: NumPy arrays and scalars, builtins and
scikit-learn's own estimators by default, anything else only when the caller
names it in ``trusted=``. A fitted skdeep estimator brings exactly three types
of its own (the estimator, its :class:`~skdeep.nn.network.Network` and its
:class:`~skdeep.train.state.TrainState`) and nothing from NumPy or
scikit-learn that skops does not already trust. ``SKDEEP_TRUSTED_TYPES`` below
is the list docs/persistence.rst gives; keep the two equal.
"""

import io
import pickle
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdeep import DeepNetClassifier, DeepNetRegressor
from skdeep.nn.network import Network
from skdeep.train.state import TrainState

sio = pytest.importorskip("skops.io", reason="skops is optional: pip install '.[skops]'")
from skops.io.exceptions import UntrustedTypesFoundException

pd = pytest.importorskip("pandas", reason="the pipeline test fits a DataFrame")

from model_equality import assert_same_model  # noqa: E402

# What get_untrusted_types reports for a file holding a fitted classifier / regressor
# (alone or in a Pipeline of scikit-learn transformers skops trusts), and the list the
# documentation tells users to pass as ``trusted=`` (it may name types a file lacks).
CLASSIFIER_UNTRUSTED = [
    "skdeep.deepnet.estimators.DeepNetClassifier",
    "skdeep.nn.network.Network",
    "skdeep.train.state.TrainState",
]
REGRESSOR_UNTRUSTED = [
    "skdeep.deepnet.estimators.DeepNetRegressor",
    "skdeep.nn.network.Network",
    "skdeep.train.state.TrainState",
]
SKDEEP_TRUSTED_TYPES = [
    "skdeep.deepnet.estimators.DeepNetClassifier",
    "skdeep.deepnet.estimators.DeepNetRegressor",
    "skdeep.nn.network.Network",
    "skdeep.train.state.TrainState",
]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    return X, rng


CASES = {
    "binary": lambda X, rng: (DeepNetClassifier((6,), max_iter=5, random_state=0), (X[:, 0] > 0).astype(int)),
    "string labels, batch norm, dropout": lambda X, rng: (
        DeepNetClassifier((6, 5), batch_norm=True, dropout=0.2, max_iter=5, random_state=0),
        np.array(["cat", "dog", "emu"])[rng.randint(0, 3, len(X))]),
    "early stopping, class weights": lambda X, rng: (
        DeepNetClassifier((6,), early_stopping=True, class_weight={"a": 2.0}, max_iter=8, random_state=0),
        np.where(X[:, 1] > 0, "a", "b")),
    "multilabel": lambda X, rng: (DeepNetClassifier((6,), max_iter=5, random_state=0), (X[:, :3] > 0).astype(int)),
    "lbfgs": lambda X, rng: (DeepNetClassifier((6,), solver="lbfgs", max_iter=5, random_state=0),
                             (X[:, 0] > 0).astype(int)),
    "regression": lambda X, rng: (DeepNetRegressor(hidden_layer_sizes=(6,), max_iter=5, random_state=0),
                                  X @ [1.0, -2.0, 0.5, 0.0]),
    "float32 multi-output, batch norm, dropout": lambda X, rng: (
        DeepNetRegressor(hidden_layer_sizes=(6, 4), batch_norm=True, dropout=[0.1, 0.0], solver="sgd",
                         learning_rate="adaptive", max_iter=5, random_state=0),
        np.c_[X[:, 0], -X[:, 1]]),
    "poisson, early stopping": lambda X, rng: (
        DeepNetRegressor(loss="poisson", hidden_layer_sizes=(6,), early_stopping=True, max_iter=8,
                         random_state=0),
        np.exp(0.3 * X[:, 0])),
}


def _fitted(name):
    X, rng = _data()
    estimator, y = CASES[name](X, rng)
    if "float32" in name:
        X = X.astype(np.float32)
    return estimator.fit(X, y), X, y


def _expected_untrusted(estimator):
    return CLASSIFIER_UNTRUSTED if isinstance(estimator, DeepNetClassifier) else REGRESSOR_UNTRUSTED


def _assert_same_predictions(original, loaded, X):
    for method in ("predict", "predict_proba", "predict_log_proba"):
        if hasattr(original, method):
            expected, got = getattr(original, method)(X), getattr(loaded, method)(X)
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected, err_msg=method)  # bit for bit


@pytest.mark.parametrize("name", CASES)
def test_bare_estimator_round_trip(name):
    estimator, X, _ = _fitted(name)
    data = sio.dumps(estimator)
    assert sio.get_untrusted_types(data=data) == _expected_untrusted(estimator)
    loaded = sio.loads(data, trusted=SKDEEP_TRUSTED_TYPES)
    assert type(loaded) is type(estimator)
    assert loaded.get_params() == estimator.get_params()
    _assert_same_predictions(estimator, loaded, X)
    assert_same_model(estimator, loaded)
    if hasattr(estimator, "classes_"):
        np.testing.assert_array_equal(loaded.classes_, estimator.classes_)
        assert loaded.classes_.dtype == estimator.classes_.dtype


def _frame(n=80, seed=0):
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame({
        "age": rng.uniform(18, 80, n),
        "income": rng.lognormal(10, 1, n),
        "color": rng.choice(["red", "green", "blue"], n),
        "size": rng.choice(["S", "M", "L"], n),
    })
    y = np.where((frame["age"] > 45) ^ (frame["color"] == "red"), "churn", "stay")
    return frame, y


def _pipeline(**net_params):
    prep = ColumnTransformer([
        ("num", StandardScaler(), ["age", "income"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "size"]),
    ])
    net = DeepNetClassifier(**{"hidden_layer_sizes": (8,), "max_iter": 10, "random_state": 0, **net_params})
    return Pipeline([("prep", prep), ("net", net)])


def test_pipeline_round_trip_through_a_file(tmp_path):
    frame, y = _frame()
    pipe = _pipeline(batch_norm=True, dropout=0.1).fit(frame, y)
    path = tmp_path / "pipeline.skops"
    sio.dump(pipe, path)
    # Only skdeep's own types: skops trusts the Pipeline, the ColumnTransformer, the
    # scaler, the encoder and the LabelBinarizer inside the net by default.
    assert sio.get_untrusted_types(file=path) == CLASSIFIER_UNTRUSTED
    loaded = sio.load(path, trusted=SKDEEP_TRUSTED_TYPES)
    assert [name for name, _ in loaded.steps] == ["prep", "net"]
    _assert_same_predictions(pipe, loaded, frame)
    unseen = frame.assign(color="purple")  # handle_unknown="ignore" survives too
    _assert_same_predictions(pipe, loaded, unseen)
    np.testing.assert_array_equal(loaded.feature_names_in_, pipe.feature_names_in_)


def test_a_file_naming_the_old_module_loads_with_the_old_names():
    """Files of earlier versions name skdeep._estimators.DeepNet*; that module still gives them."""
    estimator, X, _ = _fitted("string labels, batch norm, dropout")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sio.dumps(estimator))) as new, zipfile.ZipFile(buffer, "w") as old:
        for item in new.infolist():
            data = new.read(item)
            if item.filename == "schema.json":
                assert data.count(b'"skdeep.deepnet.estimators"') == 1
                data = data.replace(b'"skdeep.deepnet.estimators"', b'"skdeep._estimators"')
            old.writestr(item, data)
    old_names = ["skdeep._estimators.DeepNetClassifier", *CLASSIFIER_UNTRUSTED[1:]]
    assert sio.get_untrusted_types(data=buffer.getvalue()) == old_names
    loaded = sio.loads(buffer.getvalue(), trusted=old_names)
    assert type(loaded) is DeepNetClassifier
    _assert_same_predictions(estimator, loaded, X)


def test_trusted_types_may_be_given_as_types():
    frame, y = _frame()
    pipe = _pipeline().fit(frame, y)
    loaded = sio.loads(sio.dumps(pipe), trusted=[DeepNetClassifier, DeepNetRegressor, Network, TrainState])
    _assert_same_predictions(pipe, loaded, frame)


def test_regressor_pipeline_round_trip():
    frame, _ = _frame()
    y = frame["age"].to_numpy() / 10
    pipe = make_pipeline(
        ColumnTransformer([("num", StandardScaler(), ["income"]), ("cat", OneHotEncoder(), ["color"])]),
        DeepNetRegressor(hidden_layer_sizes=(6,), max_iter=5, random_state=0),
    ).fit(frame, y)
    data = sio.dumps(pipe)
    assert sio.get_untrusted_types(data=data) == REGRESSOR_UNTRUSTED
    _assert_same_predictions(pipe, sio.loads(data, trusted=SKDEEP_TRUSTED_TYPES), frame)


def test_simple_imputer_brings_skops_own_numpy_dtype():
    # Not skdeep's doing: SimpleImputer keeps numpy.dtype instances (_fit_dtype), a type
    # skops does not trust by default. The documentation says so next to the list.
    frame, y = _frame()
    frame.loc[0, "age"] = np.nan
    pipe = _pipeline()
    pipe.steps[0][1].transformers[0] = ("num", make_pipeline(SimpleImputer(), StandardScaler()),
                                        ["age", "income"])
    pipe.fit(frame, y)
    data = sio.dumps(pipe)
    assert sio.get_untrusted_types(data=data) == sorted(["numpy.dtype", *CLASSIFIER_UNTRUSTED])
    with pytest.raises(UntrustedTypesFoundException, match="numpy.dtype"):
        sio.loads(data, trusted=SKDEEP_TRUSTED_TYPES)
    loaded = sio.loads(data, trusted=[*SKDEEP_TRUSTED_TYPES, "numpy.dtype"])
    _assert_same_predictions(pipe, loaded, frame)


@pytest.mark.parametrize("trusted", [None, [], CLASSIFIER_UNTRUSTED[:1], REGRESSOR_UNTRUSTED])
def test_loading_without_trusting_skdeep_raises(trusted):
    frame, y = _frame()
    data = sio.dumps(_pipeline().fit(frame, y))
    missing = sorted(set(CLASSIFIER_UNTRUSTED) - set(trusted or []))
    with pytest.raises(UntrustedTypesFoundException) as raised:
        sio.loads(data, trusted=trusted)
    for name in missing:
        assert name in str(raised.value)


@pytest.mark.parametrize("name", [name for name in CASES if "lbfgs" not in name and "early" not in name])
def test_partial_fit_after_load_continues_as_the_original(name):
    estimator, X, y = _fitted(name)
    loaded = sio.loads(sio.dumps(estimator), trusted=SKDEEP_TRUSTED_TYPES)
    for model in (estimator, loaded):
        for _ in range(2):
            model.partial_fit(X, y)
    assert_same_model(estimator, loaded)
    _assert_same_predictions(estimator, loaded, X)


@pytest.mark.parametrize("name", CASES)
def test_warm_start_fit_after_load_continues_as_the_original(name):
    estimator, X, y = _fitted(name)
    loaded = sio.loads(sio.dumps(estimator), trusted=SKDEEP_TRUSTED_TYPES)
    for model in (estimator, loaded):
        model.set_params(warm_start=True, max_iter=3).fit(X, y)
    assert_same_model(estimator, loaded)
    _assert_same_predictions(estimator, loaded, X)


def test_pipeline_warm_start_after_load_continues_as_the_original():
    frame, y = _frame()
    pipe = _pipeline(dropout=0.1).fit(frame, y)
    loaded = sio.loads(sio.dumps(pipe), trusted=SKDEEP_TRUSTED_TYPES)
    for model in (pipe, loaded):
        model.set_params(net__warm_start=True, net__max_iter=4).fit(frame, y)
    assert_same_model(pipe.named_steps["net"], loaded.named_steps["net"])
    _assert_same_predictions(pipe, loaded, frame)


def test_skops_and_pickle_load_the_same_model():
    estimator, X, _ = _fitted("string labels, batch norm, dropout")
    from_skops = sio.loads(sio.dumps(estimator), trusted=SKDEEP_TRUSTED_TYPES)
    from_pickle = pickle.load(io.BytesIO(pickle.dumps(estimator)))
    _assert_same_predictions(from_pickle, from_skops, X)
    assert_same_model(from_pickle, from_skops)


TABULAR_TRUSTED_TYPES = [
    "skdeep.tabular.estimators.TabularNetClassifier",
    "skdeep.tabular.estimators.TabularNetRegressor",
    "skdeep.tabular.preprocessing.TabularPreprocessor",
    "skdeep.nn.ensemble.EnsembleNetwork",
    "skdeep.train.state.TrainState",
]


@pytest.mark.parametrize("name", ["TabularNetClassifier", "TabularNetRegressor"])
def test_tabular_estimators_need_only_the_documented_types_and_round_trip(name):
    import skdeep

    frame = pd.DataFrame({"a": np.arange(60.0), "c": ["x", "y", None] * 20})
    y = np.arange(60) % 2 if name.endswith("Classifier") else np.arange(60.0) ** 0.5
    model = getattr(skdeep, name)(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(frame, y)
    data = sio.dumps(model)
    assert set(sio.get_untrusted_types(data=data)) <= set(TABULAR_TRUSTED_TYPES)
    loaded = sio.loads(data, trusted=TABULAR_TRUSTED_TYPES)
    method = "predict_proba" if name.endswith("Classifier") else "predict"
    np.testing.assert_array_equal(getattr(loaded, method)(frame), getattr(model, method)(frame))
    loaded.set_params(warm_start=True).fit(frame, y)  # the loaded network trains on
    assert loaded.n_iter_ == 3
