"""save/load of TabularNetClassifier and TabularNetRegressor: the "tabularnet" kind of model file.

Round trips predict bit-identically and keep the fitted preprocessing; a warm
start after load trains exactly like a warm start without saving; every field
of a tampered file is refused with InvalidModelFile naming it; DeepNet files
are unchanged.
"""

import ast
import dataclasses
import io
import os
import pickle
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import skdeep
from skdeep import (DeepNetClassifier, InvalidModelFile, TabularNetClassifier, TabularNetRegressor, load,
                    save)
from skdeep.io import persistence

# tests/model_file_edits.py (tests/ is on sys.path: pytest puts conftest.py's folder there)
from model_equality import assert_same_model
from model_file_edits import (
    arrays_and_metadata,
    assert_load_refuses,
    delete_field,
    replace_array,
    rewrite,
    set_array_item,
    set_fields,
)

pandas = pytest.importorskip("pandas")

SMALL = {"hidden_layer_sizes": (8,), "n_ensemble": 2, "max_iter": 3, "numeric_bins": 4, "max_one_hot": 4,
         "random_state": 0}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _table(n=80, seed=0):
    """Numeric columns (one with missing values, one constant), categorical ones of every encoding."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, n)
    age[::7] = np.nan
    city = rng.choice(["x", "y", "z"], n).astype(object)
    city[::5] = None
    return pandas.DataFrame({
        "age": age,                                                        # numeric, missing indicator
        "income": rng.lognormal(3, 1, n),                                  # numeric
        "city": pandas.Categorical(city),                                  # one-hot with a missing column
        "plan": rng.choice(["basic", "pro"], n).astype(object),            # binary
        "code": rng.choice([f"c{i:02d}" for i in range(12)], n).astype(object),  # most-frequent + other
        "flag": rng.random(n) < 0.5,                                       # binary (bool)
        "const": np.full(n, 3.0),                                          # scale 0, no bins
    })


def _target(X):
    return (np.nan_to_num(X["age"].to_numpy(), nan=40.0) > 40).astype(int) + (X["flag"].to_numpy() * 1)


def _round_trip(estimator, tmp_path, **options):
    path = tmp_path / "model.npz"
    save(estimator, path, **options)
    return load(path)


CASES = {
    "binary": (TabularNetClassifier, lambda X: _target(X) > 0),
    "multiclass": (TabularNetClassifier, _target),
    "string labels": (TabularNetClassifier, lambda X: np.array(["low", "mid", "high"])[_target(X)]),
    "multilabel": (TabularNetClassifier, lambda X: np.c_[_target(X) > 0, _target(X) > 1].astype(int)),
    "single class": (TabularNetClassifier, lambda X: np.full(len(X), "only")),
    "regression, 1-D": (TabularNetRegressor, lambda X: X["income"].to_numpy() * 2.0),
    "regression, 2-D": (TabularNetRegressor, lambda X: np.c_[X["income"], -_target(X)].astype(float)),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("as_frame", [True, False], ids=["DataFrame", "array"])
def test_a_loaded_model_predicts_bit_identically(name, as_frame, tmp_path):
    Estimator, target = CASES[name]
    X = _table()
    y = target(X)
    X_fit = X if as_frame else X.to_numpy()
    model = Estimator(**SMALL).fit(X_fit, y)
    loaded = _round_trip(model, tmp_path)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    X_new = _table(n=50, seed=1)
    X_new = X_new if as_frame else X_new.to_numpy()
    assert np.array_equal(loaded.predict(X_new), model.predict(X_new))
    if hasattr(model, "predict_proba"):
        assert np.array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))
        assert np.array_equal(loaded.classes_, model.classes_) and loaded.classes_.dtype != object
    else:
        assert np.array_equal(loaded.y_mean_, model.y_mean_)
        assert np.array_equal(loaded.y_scale_, model.y_scale_)
    for attribute in ("n_features_in_", "n_iter_", "t_", "loss_", "loss_curve_", "validation_scores_",
                      "best_validation_score_", "history_", "best_epoch_"):
        assert getattr(loaded, attribute) == getattr(model, attribute), attribute
    # Every field of the record and of its training state, the stopping rule's included.
    assert_same_model(loaded, model, X_new, optimizer=False)
    assert hasattr(loaded, "feature_names_in_") == as_frame
    if as_frame:
        assert list(loaded.feature_names_in_) == list(X.columns)
    assert _summary(loaded) == _summary(model)


def _summary(model):
    buffer = io.StringIO()
    model.summary(file=buffer)
    return buffer.getvalue()


def test_feature_names_are_decoded_once_for_the_estimator_and_its_preprocessor(tmp_path):
    """Two arrays, as after fit, sharing one set of strings: names may be the file's largest array."""
    X = _table()
    loaded = _round_trip(TabularNetRegressor(**SMALL).fit(X, X["income"]), tmp_path)
    names, names_seen = loaded.feature_names_in_, loaded.preprocessor_.feature_names_in_
    assert names is not names_seen and list(names) == list(X.columns)
    assert all(name is seen for name, seen in zip(names, names_seen, strict=True))


def test_the_preprocessor_is_restored_attribute_for_attribute(tmp_path):
    X = _table()
    model = TabularNetClassifier(**SMALL).fit(X, _target(X))
    original, loaded = model.preprocessor_, _round_trip(model, tmp_path).preprocessor_
    assert original.encodings_ == ["one-hot", "binary", "most-frequent", "binary"]  # every encoding
    assert loaded.get_params() == original.get_params()
    for name in ("n_features_in_", "numeric_columns_", "categorical_columns_", "encodings_",
                 "missing_categories_", "n_features_out_", "_names_out"):
        assert getattr(loaded, name) == getattr(original, name), name
    for field in dataclasses.fields(original._layout):  # the layout transform derives
        value, loaded_value = getattr(original._layout, field.name), getattr(loaded._layout, field.name)
        assert np.array_equal(value, loaded_value) and np.asarray(value).dtype == np.asarray(loaded_value).dtype
    for name in ("feature_names_in_", "medians_", "scales_", "missing_indicators_"):
        assert np.array_equal(getattr(loaded, name), getattr(original, name)), name
        assert getattr(loaded, name).dtype == getattr(original, name).dtype, name
    for name in ("bin_edges_", "categories_"):
        assert len(getattr(loaded, name)) == len(getattr(original, name))
        for restored, fitted in zip(getattr(loaded, name), getattr(original, name), strict=True):
            assert np.array_equal(restored, fitted) and restored.dtype.kind == fitted.dtype.kind, name
    assert set(vars(loaded)) == set(vars(original))
    assert np.array_equal(loaded.get_feature_names_out(), original.get_feature_names_out())
    X_new = _table(n=50, seed=1)
    assert np.array_equal(loaded.transform(X_new), original.transform(X_new))


def test_feature_names_are_checked_after_load(tmp_path):
    X = _table()
    loaded = _round_trip(TabularNetClassifier(**SMALL).fit(X, _target(X)), tmp_path)
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(X.rename(columns={"age": "years"}))


# ------------------------------------------------------------------ training after load
@pytest.mark.parametrize("include_optimizer", [True, False], ids=["with optimizer", "without optimizer"])
@pytest.mark.parametrize("Estimator, options", [
    (TabularNetClassifier, {}),  # a validation split: the best weights of the first fit count
    (TabularNetRegressor, {"validation_fraction": None}),
], ids=["classifier", "regressor"])
def test_a_warm_start_after_load_trains_as_without_saving(Estimator, options, include_optimizer, tmp_path):
    X = _table()
    y = _target(X) if Estimator is TabularNetClassifier else X["income"].to_numpy()
    original = Estimator(**SMALL, **options).fit(X, y)
    loaded = _round_trip(original, tmp_path, include_optimizer=include_optimizer)
    for model in (original, loaded):
        model.set_params(warm_start=True, max_iter=4).fit(X, y)
    assert np.array_equal(loaded._network.params, original._network.params)
    assert loaded.loss_curve_ == original.loss_curve_ and loaded.t_ == original.t_
    assert loaded.validation_scores_ == original.validation_scores_
    assert np.array_equal(loaded.predict(X), original.predict(X))


def test_the_optimizer_state_is_kept_on_request(tmp_path):
    X = _table()
    model = TabularNetClassifier(**SMALL).fit(X, _target(X))
    saved = model._train_state.optimizer
    with_optimizer = _round_trip(model, tmp_path, include_optimizer=True)._train_state.optimizer
    assert with_optimizer["solver"] == "adamw" and with_optimizer["state"]["t"] == saved["state"]["t"]
    for name in ("first_moment", "second_moment"):
        assert np.array_equal(with_optimizer["state"][name], saved["state"][name])
    assert _round_trip(model, tmp_path)._train_state.optimizer is None


def test_callbacks_are_not_saved_and_a_warning_says_so(tmp_path):
    X = _table()
    model = TabularNetClassifier(**SMALL, callbacks=[lambda estimator, record: None]).fit(X, _target(X))
    with pytest.warns(UserWarning, match="callbacks"):
        save(model, tmp_path / "model.npz")
    assert load(tmp_path / "model.npz").callbacks is None


# ------------------------------------------------------------------ the file
def _saved(model, tmp_path, **options):
    path = tmp_path / "model.npz"
    save(model, path, **options)
    return path.read_bytes()






def test_the_file_is_a_plain_zip_of_npy_arrays_of_kind_tabularnet(tmp_path):
    X = _table()
    content = _saved(TabularNetClassifier(**SMALL).fit(X, _target(X)), tmp_path, include_optimizer=True)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(f"{name}.npy" for name in (
        "metadata", "params", "best_params", "best_state", "optimizer_first_moment",
        "optimizer_second_moment", "feature_names_in", "classes", "preprocessor_medians",
        "preprocessor_scales", "preprocessor_bin_edges", "preprocessor_categories",
        "preprocessor_target_categories", "preprocessor_target_statistics"))  # "code" has target statistics
    arrays, metadata = arrays_and_metadata(content)
    assert metadata["kind"] == "tabularnet" and metadata["format_version"] == 2
    assert all(array.dtype != object for array in arrays.values())


_SAVE_PICKLED = "import pickle, sys; from skdeep import save; save(pickle.load(open(sys.argv[1], 'rb')), sys.argv[2])"


def test_saving_the_same_model_gives_the_same_bytes_whatever_the_hash_seed(tmp_path):
    """The metadata's key order follows no set: a model file is reproducible from run to run."""
    X = _table()
    model = TabularNetClassifier(**SMALL).fit(X, _target(X))
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(model))
    # The children import the skdeep these tests run.
    root = os.path.dirname(os.path.dirname(skdeep.__file__))
    contents = []
    for seed in ("1", "3", "5"):  # three orders of a set of the four preprocessor parameters
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
        path = tmp_path / f"seed{seed}.npz"
        child = subprocess.run([sys.executable, "-c", _SAVE_PICKLED, str(pickled), str(path)], env=env,
                               capture_output=True, text=True, timeout=120)
        assert child.returncode == 0, child.stderr[-3000:]
        contents.append(path.read_bytes())
    assert contents[0] == contents[1] == contents[2]
    assert contents[0] == _saved(model, tmp_path)


def test_deepnet_files_keep_their_layout_and_an_explicit_kind_loads(tmp_path):
    X, y = _table().select_dtypes("number").fillna(0).to_numpy(), _target(_table())
    model = DeepNetClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    content = _saved(model, tmp_path)
    _, metadata = arrays_and_metadata(content)
    assert "kind" not in metadata  # files earlier skdeep versions read, as before
    path = tmp_path / "explicit.npz"
    path.write_bytes(rewrite(content, lambda arrays, metadata: metadata.update(kind="deepnet")))
    assert np.array_equal(load(path).predict_proba(X), model.predict_proba(X))
    path.write_bytes(rewrite(content, lambda arrays, metadata: metadata.update(kind="tabularnet")))
    with pytest.raises(InvalidModelFile, match="TabularNet"):
        load(path)


def test_save_refuses_a_subclass_and_a_model_changed_behind_its_back(tmp_path):
    X = _table()
    subclass = type("MyTabularNet", (TabularNetClassifier,), {})(**SMALL).fit(X, _target(X))
    with pytest.raises(TypeError, match="MyTabularNet"):
        save(subclass, tmp_path / "model.npz")
    model = TabularNetClassifier(**SMALL).fit(X, _target(X))
    model.preprocessor_.medians_[0] = np.nan
    with pytest.raises(ValueError, match="Cannot save this model.*medians contains NaN"):
        save(model, tmp_path / "model.npz")
    model = TabularNetClassifier(**SMALL).fit(X, _target(X))
    model.preprocessor_.feature_names_in_ = model.preprocessor_.feature_names_in_[::-1].copy()
    with pytest.raises(ValueError, match="preprocessor_ was fitted on other columns"):
        save(model, tmp_path / "model.npz")
    model = TabularNetClassifier(**{**SMALL, "random_state": np.random.RandomState(0)}).fit(X, _target(X))
    with pytest.raises(TypeError, match="RandomState"):
        save(model, tmp_path / "model.npz")
    assert not list(tmp_path.iterdir())


def test_max_parameters_bounds_the_parameters_the_inputs_and_the_columns(tmp_path, monkeypatch):
    X = _table()
    # One hidden unit and one member: about one parameter per encoded feature.
    model = TabularNetRegressor(**{**SMALL, "hidden_layer_sizes": (1,), "n_ensemble": 1}).fit(X, X["income"])
    n_params, n_inputs = model._network.spec.n_params, model._network.spec.layer_sizes[0]
    needed = max(n_params, 10 * n_inputs, 100 * X.shape[1])
    assert needed > n_params
    monkeypatch.setattr(persistence, "MAX_PARAMETERS", needed - 1)
    with pytest.warns(UserWarning, match=f"max_parameters={needed}"):
        save(model, tmp_path / "model.npz")
    with pytest.raises(InvalidModelFile, match=f"{n_params} parameters"):
        load(tmp_path / "model.npz", max_parameters=n_params - 1)
    with pytest.raises(InvalidModelFile, match="encoded features|input columns"):
        load(tmp_path / "model.npz", max_parameters=needed - 1)
    assert load(tmp_path / "model.npz", max_parameters=needed).n_features_in_ == X.shape[1]


# ------------------------------------------------------------------ hostile files
@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    """A classifier file with every array: feature names, every encoding, best weights, the optimizer."""
    X = _table()
    model = TabularNetClassifier(**SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, _target(X))
    return _saved(model, tmp_path_factory.mktemp("genuine"), include_optimizer=True)


@pytest.fixture(scope="module")
def genuine_regressor(tmp_path_factory):
    X = _table()
    model = TabularNetRegressor(**SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, np.c_[X["income"], -X["income"]])
    return _saved(model, tmp_path_factory.mktemp("genuine"))










def _swap(name, i, j):
    def change(arrays, metadata):
        arrays[name][[i, j]] = arrays[name][[j, i]]
    return change


def _both(*changes):
    def change(arrays, metadata):
        for each in changes:
            each(arrays, metadata)
    return change


def _first_input_width(arrays, metadata):
    metadata["spec"]["layer_sizes"][0] += 1


def _many_categories(max_one_hot):
    """10**8 categories in the first (one-hot) column, by the metadata alone (the array is unchanged)."""
    def change(arrays, metadata):
        metadata["preprocessor"]["n_categories"][0] = 10**8
        metadata["preprocessor"]["params"]["max_one_hot"] = max_one_hot
    return change


def _spec_overflowing_int64(arrays, metadata):
    """Layer sizes whose parameter count, 2**64 + ..., is a small number in int64 arithmetic."""
    metadata["spec"].update(layer_sizes=[2**32, 2**32, 1], n_members=1, scale_factor=0.0)


NAN, INF = float("nan"), float("inf")
PRE = "preprocessor"
# Columns of _table(): numeric 0 (age: bins, indicator), 1 (income: bins), 6 (const: no bins);
# categorical 2 (city: one-hot + missing), 3 (plan: binary), 4 (code: most-frequent), 5 (flag: binary).
FIELDS = {
    # the envelope
    "unknown kind": (set_fields(kind="pickle"), "unknown model kind"),
    "no kind": (delete_field("kind"), "unknown estimator"),
    "a DeepNet estimator as a tabularnet": (set_fields(estimator="DeepNetClassifier"),
                                            "unknown TabularNet estimator"),
    "format version 1": (set_fields(format_version=1), "from format version 2"),
    "future format version": (set_fields(format_version=3), "format version 3"),
    "unknown field": (set_fields(surprise=1), "unknown metadata fields"),
    "no label type": (delete_field("label_type"), "missing metadata fields"),
    "a regressor's field": (set_fields(y_ndim=1), "unknown metadata fields"),
    "junk label type": (set_fields(label_type="evil"), "label type"),
    "n_features_in_ 0": (set_fields(n_features_in_=0), "n_features_in_"),
    "n_features_in_ True": (set_fields(n_features_in_=True), "n_features_in_"),
    "n_features_in_ beyond the inputs": (set_fields(n_features_in_=10**6), "n_features_in_"),
    # the hyperparameters
    "callbacks": (set_fields("params", callbacks=["os.system"]), "callbacks"),
    "random_state True": (set_fields("params", random_state=True), "random_state"),
    "n_ensemble 0": (set_fields("params", n_ensemble=0), "n_ensemble"),
    "NaN learning rate": (set_fields("params", learning_rate_init=NAN), "learning_rate_init"),
    "dropout 5.0": (set_fields("params", dropout=5.0), "dropout"),
    "hidden_layer_sizes [0]": (set_fields("params", hidden_layer_sizes=[0]), "hidden_layer_sizes"),
    "class_weight for a missing class": (set_fields("params", class_weight=[[7, 1.0]]), "class_weight"),
    "unknown hyperparameter": (set_fields("params", batch_norm=True), "hyperparameters do not match"),
    # the spec
    "spec without n_members": (lambda a, m: m["spec"].pop("n_members"), "ensemble spec needs"),
    "spec n_members 0": (set_fields("spec", n_members=0), "n_members"),
    "spec hidden activation 'identity'": (set_fields("spec", hidden_activation="identity"), "identity"),
    "spec hidden activation unknown": (set_fields("spec", hidden_activation="os.system"), "hidden activation"),
    "spec scale factor 3": (set_fields("spec", scale_factor=3.0), "scale_factor"),
    "spec scale factor infinite": (set_fields("spec", scale_factor=INF), "scale_factor"),
    "spec dropout NaN": (set_fields("spec", dropout=NAN), "dropout"),
    "spec output activation of a regressor": (set_fields("spec", output_activation="identity"),
                                              "output activation"),
    "spec dtype float16": (set_fields("spec", dtype="float16"), "dtype"),
    "spec of 2000 hidden layers": (set_fields("spec", layer_sizes=[58] + [1] * 2000 + [3]), "layer sizes"),
    "spec with a huge layer": (set_fields("spec", layer_sizes=[58, 60_000_000, 3]), "parameters"),
    "spec overflowing int64": (_spec_overflowing_int64, "parameters"),
    "network input wider than the preprocessor's output": (_first_input_width, "encodes"),
    # the training state
    "optimizer 'adam'": (set_fields("train_state", optimizer={"solver": "adam", "t": 3}), "adamw"),
    "optimizer step count -1": (set_fields("train_state", "optimizer", t=-1), "step count"),
    "schedule state": (set_fields("train_state", schedule_state={"divisions": 1}), "schedule"),
    "junk history": (set_fields("train_state", history_=[{"evil": 1}]), "history_"),
    "t_ beyond int64": (set_fields("train_state", t_=2**70), "int64"),
    "negative Adam second moment": (set_array_item("optimizer_second_moment", 0, -1.0), "second_moment"),
    "NaN in the best weights": (set_array_item("best_params", 0, NAN), "best_params contains NaN"),
    "optimizer arrays without an optimizer": (set_fields("train_state", optimizer=None), "unknown arrays"),
    # the preprocessor's JSON
    "preprocessor field missing": (lambda a, m: m[PRE].pop("encodings_"), "preprocessor needs exactly"),
    "preprocessor field unknown": (set_fields(PRE, _names_out=[]), "preprocessor needs exactly"),
    "preprocessor param unknown": (set_fields(PRE, "params", surprise=1), "params need exactly the keys"),
    "preprocessor max_one_hot 1": (set_fields(PRE, "params", max_one_hot=1), "max_one_hot"),
    "preprocessor numeric_bins True": (set_fields(PRE, "params", numeric_bins=True), "numeric_bins"),
    "preprocessor clip 'yes'": (set_fields(PRE, "params", clip="yes"), "clip"),
    "preprocessor dtype float64 under a float32 network": (set_fields(PRE, "params", dtype="float64"), "dtype"),
    "preprocessor dtype 'object'": (set_fields(PRE, "params", dtype="object"), "dtype"),
    "a column both numeric and categorical": (set_fields(PRE, numeric_columns_=[0, 1, 2],
                                                   categorical_columns_=[2, 3, 4, 5]), "split the columns"),
    "a column neither": (set_fields(PRE, numeric_columns_=[0, 1], categorical_columns_=[2, 3, 4, 5]),
                         "split the columns"),
    "columns out of order": (set_fields(PRE, numeric_columns_=[1, 0, 6]), "split the columns"),
    "a column index as a string": (set_fields(PRE, numeric_columns_=["0", 1, 6]), "split the columns"),
    "a million column indices": (set_fields(PRE, numeric_columns_=list(range(10**6))), "split the columns"),
    "missing indicator 1": (set_fields(PRE, missing_indicators_=[1, False, False]), "missing_indicators_"),
    "missing indicator flipped": (set_fields(PRE, missing_indicators_=[True, True] + [False] * 4), "encodes"),
    "one bin edge": (set_fields(PRE, n_bin_edges=[1, 5, 0]), "n_bin_edges"),
    "more bin edges than numeric_bins allows": (set_fields(PRE, n_bin_edges=[6, 5, 0]), "n_bin_edges"),
    "unknown encoding": (set_fields(PRE, encodings_=["one-hot", "binary", "evil", "binary"]), "encodings_"),
    "encodings missing one": (set_fields(PRE, encodings_=["one-hot", "binary", "most-frequent"]), "encodings_"),
    "binary column with a missing category": (set_fields(PRE, missing_categories_=[True, True, False, False]),
                                              "binary column"),
    "binary column of three categories": (set_fields(PRE, n_categories=[3, 3, 3, 1]), "binary column"),
    "one-hot beyond max_one_hot": (set_fields(PRE, "params", max_one_hot=3), "one-hot column"),
    "most-frequent keeping max_one_hot": (set_fields(PRE, encodings_=["one-hot", "binary", "one-hot", "binary"],
                                               n_categories=[3, 2, 3, 2]), "encodes"),
    "missing_categories_ 0": (set_fields(PRE, missing_categories_=[True, 0, False, False]), "missing_categories_"),
    "n_categories -1": (set_fields(PRE, n_categories=[3, 2, -1, 2]), "n_categories"),
    "10**8 categories": (_many_categories(4), "one-hot column"),
    "10**8 categories under a huge max_one_hot": (_many_categories(10**9), "encodes"),
    # target statistics (of column 4, "code": categories c00 to c11, a statistic for each of 3 classes)
    "target statistics of a numeric column": (set_fields(PRE, target_columns_=[1]), "target_columns_"),
    "target statistics of a binary column": (set_fields(PRE, target_columns_=[3]), "most-frequent"),
    "target columns out of order": (set_fields(PRE, target_columns_=[4, 4]), "target_columns_"),
    "no target parts": (set_fields(PRE, target_parts_=[]), "target_parts_"),
    "a thousand target parts": (set_fields(PRE, target_parts_=[f"t{i}" for i in range(1000)]), "target_parts_"),
    "target part as a number": (set_fields(PRE, target_parts_=[1]), "target_parts_"),
    "no target category": (set_fields(PRE, n_target_categories=[0]), "n_target_categories"),
    "a million target categories": (set_fields(PRE, n_target_categories=[10**6]), "n_target_categories"),
    "target fields without columns": (delete_field(PRE, "target_columns_"), "exactly the fields"),
    "an indicator on a target statistic": (set_fields(PRE, missing_indicators_=[True] + [False] * 4 + [True]),
                                           "no missing-value indicator"),
    "NaN target statistic": (set_array_item("preprocessor_target_statistics", 0, NAN), "target statistics"),
    "infinite target statistic": (set_array_item("preprocessor_target_statistics", -1, INF), "target statistics"),
    "target categories out of order": (_swap("preprocessor_target_categories", 0, 1), "sorted and unique"),
    "target statistics of the wrong count": (replace_array("preprocessor_target_statistics", np.zeros(3)),
                                             "preprocessor_target_statistics has"),
    "target categories of 100 characters": (replace_array("preprocessor_target_categories",
                                                          lambda: np.array([f"c{i:02d}" + "x" * 97 for i in range(12)])),
                                            "at most 64 characters"),
    # the preprocessor's arrays
    "NaN median": (set_array_item("preprocessor_medians", 0, NAN), "medians contains NaN"),
    "infinite median": (set_array_item("preprocessor_medians", 1, -INF), "medians contains NaN or infinity"),
    "negative scale": (set_array_item("preprocessor_scales", 0, -1.0), "scales must be finite and non-negative"),
    "infinite scale": (set_array_item("preprocessor_scales", 0, INF), "scales must be finite"),
    "bin edges out of order": (_swap("preprocessor_bin_edges", 1, 2), "strictly increasing"),
    "repeated bin edge": (set_array_item("preprocessor_bin_edges", 1, 0.0), "strictly increasing"),
    "NaN bin edge": (set_array_item("preprocessor_bin_edges", 3, NAN), "bin edges contains NaN"),
    "infinite bin edge": (set_array_item("preprocessor_bin_edges", -1, INF), "bin edges contains NaN"),
    "bin edges of the wrong count": (replace_array("preprocessor_bin_edges", np.arange(3.0)),
                                     "preprocessor_bin_edges has"),
    "bin edges as float32": (replace_array("preprocessor_bin_edges",
                                            lambda: np.arange(10, dtype=np.float32)), "dtype"),
    "medians of the wrong count": (replace_array("preprocessor_medians", np.zeros(2)),
                                   "preprocessor_medians"),
    "categories out of order": (_swap("preprocessor_categories", 0, 1), "sorted and unique"),
    "repeated category": (set_array_item("preprocessor_categories", 1, "x"), "sorted and unique"),
    "categories as numbers": (replace_array("preprocessor_categories", np.arange(10.0)), "dtype"),
    "categories as objects": (replace_array("preprocessor_categories", np.array(["a"] * 10, dtype=object)),
                              "Python objects"),
    "categories of 5000 characters": (
        replace_array("preprocessor_categories", lambda: np.array([f"{i}" + "a" * 5000 for i in range(10)])),
        "at most 4096 characters"),
    "a million categories": (replace_array("preprocessor_categories", lambda: np.full(10**6, "a")),
                             "preprocessor_categories has"),
    "missing categories array": (lambda a, m: a.pop("preprocessor_categories"), "missing"),
    # the rest of the arrays
    "NaN weights": (set_array_item("params", 0, NAN), "params contains NaN"),
    "wrong parameter count": (lambda a, m: a.update(params=a["params"][:-1]), "params has"),
    "a DeepNet's state array": (replace_array("state", np.zeros(0, dtype=np.float32)), "unknown arrays"),
    "regression targets in a classifier": (replace_array("y_mean", np.zeros(1)), "unknown arrays"),
    "feature names of the wrong count": (replace_array("feature_names_in", np.array(["a"])),
                                         "feature_names_in"),
    "unsorted classes": (replace_array("classes", np.array([2, 1, 0])), "sorted"),
    "classes of the wrong count": (replace_array("classes", np.array([0, 1])), "classes"),
}


@pytest.mark.parametrize("name", FIELDS)
def test_an_invalid_field_is_refused_and_named(name, genuine, tmp_path):
    change, message = FIELDS[name]
    assert_load_refuses(genuine, change, message, tmp_path)


REGRESSOR_FIELDS = {
    "y_ndim 3": (set_fields(y_ndim=3), "y_ndim"),
    "y_ndim True": (set_fields(y_ndim=True), "y_ndim"),
    "y_ndim 1 with two outputs": (set_fields(y_ndim=1), "contradicts"),
    "no y_ndim": (delete_field("y_ndim"), "missing metadata fields"),
    "a classifier's field": (set_fields(label_type="binary"), "unknown metadata fields"),
    "y_scale negative": (set_array_item("y_scale", 1, -2.0), "y_scale must be finite and >= 0"),
    "y_scale NaN": (set_array_item("y_scale", 0, NAN), "y_scale must be finite and >= 0"),
    "y_mean infinite": (set_array_item("y_mean", 0, INF), "y_mean contains NaN or infinity"),
    "y_mean of the wrong count": (replace_array("y_mean", np.zeros(3)), "y_mean has"),
    "y_scale as float32": (replace_array("y_scale", np.ones(2, dtype=np.float32)), "y_scale has dtype"),
    "no y_scale": (lambda a, m: a.pop("y_scale"), "missing"),
    "classes in a regressor": (replace_array("classes", np.array([0, 1])), "unknown arrays"),
    "output activation of a classifier": (set_fields("spec", output_activation="logistic"), "output activation"),
    "a classifier's hyperparameter": (set_fields("params", label_smoothing=0.1), "hyperparameters do not match"),
}


@pytest.mark.parametrize("name", REGRESSOR_FIELDS)
def test_an_invalid_regressor_field_is_refused_and_named(name, genuine_regressor, tmp_path):
    change, message = REGRESSOR_FIELDS[name]
    assert_load_refuses(genuine_regressor, change, message, tmp_path)


@pytest.mark.parametrize("content", ["genuine", "genuine_regressor"])
def test_the_genuine_files_load(content, request, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(request.getfixturevalue(content))
    assert load(path).predict(_table()).shape[0] == 80


def test_a_file_wider_than_the_limit_is_refused_before_its_arrays_are_read(genuine, tmp_path):
    """Two million bin edges claimed by the metadata; the arrays stay small."""
    def change(arrays, metadata):
        n_edges = 2_000_000
        metadata[PRE]["params"]["numeric_bins"] = n_edges
        metadata[PRE]["n_bin_edges"][1] = n_edges
        metadata["spec"]["layer_sizes"][0] += n_edges - 5
        metadata["params"]["hidden_layer_sizes"] = [1]
        metadata["spec"]["layer_sizes"][1] = 1
        metadata["spec"]["n_members"] = 1
    assert_load_refuses(genuine, change, "encoded features", tmp_path)


@pytest.mark.parametrize("cut", [0, 100, -100, -1])
def test_a_truncated_file_is_refused(cut, genuine, tmp_path):
    path = tmp_path / "truncated.npz"
    path.write_bytes(genuine[:cut])
    with pytest.raises(InvalidModelFile):
        load(path)


@pytest.mark.slow
def test_random_byte_mutations_give_the_same_model_or_a_clear_error(genuine, tmp_path):
    X = _table()
    path = tmp_path / "model.npz"
    path.write_bytes(genuine)
    reference = load(path).predict_proba(X)
    rng = np.random.default_rng(0)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(300):
        mutated = bytearray(genuine)
        for position in rng.integers(0, len(mutated), size=rng.integers(1, 4)):
            mutated[position] = rng.integers(0, 256)
        path.write_bytes(bytes(mutated))
        try:
            model = load(path)
        except InvalidModelFile:
            outcomes["refused"] += 1
            continue
        # A change the zip's checksums and the checks let through must leave the very same model.
        assert np.array_equal(model.predict_proba(X), reference)
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 250, outcomes


# ------------------------------------------------------------------ io's reach
# The fitted-model record's protocol: the only private names io may use on an estimator.
_RECORD_PROTOCOL = {"_to_record", "_from_record", "_check_record_params"}


@pytest.mark.parametrize("module", ["tabular_format", "deepnet_format", "envelope", "persistence"])
def test_io_sets_no_attribute_and_calls_no_private_method_but_the_records(module):
    """io reads and rebuilds estimators (and the preprocessor) through their methods, never their attributes."""
    path = os.path.join(os.path.dirname(persistence.__file__), f"{module}.py")
    with open(path, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    stored = [(node.attr, node.lineno) for node in ast.walk(tree)
              if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del))]
    private = {node.attr for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")}
    assert stored == [] and private <= _RECORD_PROTOCOL, (stored, private - _RECORD_PROTOCOL)
