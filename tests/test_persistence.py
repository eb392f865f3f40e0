"""save/load without pickle: exact round trips, strict validation, atomic writes."""

import io
import os
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from skdeep import DeepNetClassifier, DeepNetRegressor, InvalidModelFile, load, save

# tests/model_file_edits.py (tests/ is on sys.path: pytest puts conftest.py's folder there)
from model_equality import assert_same_model
from model_file_edits import assert_load_refuses, rewrite


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def _round_trip(estimator, tmp_path, **options):
    path = tmp_path / "model.npz"
    save(estimator, path, **options)
    return load(path)


CASES = {
    "multiclass, batch norm, dropout, class weights": (
        lambda: DeepNetClassifier(hidden_layer_sizes=(8, 4), batch_norm=True, dropout=0.1,
                                  class_weight={0: 2.0}, max_iter=5, random_state=0),
        lambda y: y),
    "string labels, float32": (lambda: DeepNetClassifier(max_iter=5, random_state=0),
                               lambda y: np.array(["setosa", "versicolor", "virginica"])[y]),
    "binary, early stopping": (lambda: DeepNetClassifier(max_iter=5, early_stopping=True, random_state=0),
                               lambda y: y == 0),
    "multilabel": (lambda: DeepNetClassifier(max_iter=5, random_state=0),
                   lambda y: np.c_[y == 0, y == 1]),
    "poisson regression": (lambda: DeepNetRegressor(loss="poisson", max_iter=5, random_state=0),
                           lambda y: y.astype(float)),
    "multi-output regression, lbfgs": (lambda: DeepNetRegressor(solver="lbfgs", max_iter=20, random_state=0),
                                       lambda y: np.c_[y, -y].astype(float)),
}


@pytest.mark.parametrize("name", CASES)
def test_a_loaded_model_predicts_bit_identically(name, iris, tmp_path):
    make, target = CASES[name]
    X, y = iris
    X = X.astype(np.float32) if "float32" in name else X
    estimator = make().fit(X, target(y))
    loaded = _round_trip(estimator, tmp_path)
    assert type(loaded) is type(estimator)
    assert loaded.get_params() == estimator.get_params()
    method = "predict_proba" if hasattr(estimator, "predict_proba") else "predict"
    assert np.array_equal(getattr(loaded, method)(X), getattr(estimator, method)(X))
    assert np.array_equal(loaded.predict(X), estimator.predict(X))
    assert_same_model(loaded, estimator, X, optimizer=False)
    for attribute in ("n_layers_", "out_activation_"):
        assert getattr(loaded, attribute) == getattr(estimator, attribute)
    if hasattr(estimator, "classes_"):
        assert np.array_equal(loaded.classes_, estimator.classes_)
        assert loaded.classes_.dtype != object


def test_feature_names_survive_and_are_checked(iris, tmp_path):
    pandas = pytest.importorskip("pandas")
    X, y = iris
    frame = pandas.DataFrame(X, columns=["a", "b", "c", "d"])
    loaded = _round_trip(DeepNetClassifier(max_iter=3).fit(frame, y), tmp_path)
    assert list(loaded.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"a": "z"}))


def test_optimizer_state_makes_training_continue_exactly(iris, tmp_path):
    X, y = iris
    original = DeepNetClassifier(max_iter=3, random_state=0).fit(X, y)
    loaded = _round_trip(original, tmp_path, include_optimizer=True)
    original.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert np.array_equal(loaded.predict_proba(X), original.predict_proba(X))


def test_callbacks_are_not_saved_and_a_warning_says_so(iris, tmp_path):
    X, y = iris
    estimator = DeepNetClassifier(max_iter=2, callbacks=[lambda est, record: None]).fit(X, y)
    with pytest.warns(UserWarning, match="callbacks"):
        save(estimator, tmp_path / "m.npz")
    assert load(tmp_path / "m.npz").callbacks is None


def test_save_needs_a_fitted_estimator(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save(DeepNetClassifier(), tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_save_is_atomic_and_leaves_no_temporary_file(iris, tmp_path, monkeypatch):
    X, y = iris
    estimator = DeepNetClassifier(max_iter=2).fit(X, y)
    path = tmp_path / "model.npz"
    save(estimator, path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError, match="disk full"):
        save(DeepNetClassifier(max_iter=3).fit(X, y), path)
    assert path.read_bytes() == before  # the old model is intact
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


# ------------------------------------------------------------------ hostile files
def _saved_bytes(iris, tmp_path):
    X, y = iris
    path = tmp_path / "model.npz"
    save(DeepNetClassifier(hidden_layer_sizes=(6,), max_iter=2, random_state=0).fit(X, y), path)
    return path.read_bytes()



TAMPERING = {
    "wrong parameter count": (lambda a, m: a.update(params=a["params"][:-1]), "shape"),
    "NaN weights": (lambda a, m: a["params"].__setitem__(0, np.nan), "NaN"),
    "unknown array": (lambda a, m: a.update(extra=np.zeros(3)), "unknown arrays"),
    "unknown metadata": (lambda a, m: m.update(surprise=1), "unknown metadata"),
    "future format": (lambda a, m: m.update(format_version=99), "format version 99"),
    "object labels": (lambda a, m: a.update(classes=np.array([0, 1, 2], dtype=object)), "not a valid"),
    "labels of the wrong count": (lambda a, m: a.update(classes=np.array([0, 1])), "classes"),
    "invalid hyperparameter": (lambda a, m: m["params"].update(alpha=-1.0), "alpha"),
    "layer sizes contradicting the weights": (
        lambda a, m: m["spec"].update(layer_sizes=[4, 7, 3]), "shape"),
    "unknown activation in the spec": (
        lambda a, m: m["spec"].update(hidden_activation="os.system"), "unknown hidden activation"),
    "negative optimizer step count": (
        lambda a, m: m["train_state"].update(optimizer={"solver": "adam", "t": -1}), "t"),
    "junk loss curve": (lambda a, m: m["train_state"].update(loss_curve_=["evil", 1]), "loss_curve_"),
    "junk history": (lambda a, m: m["train_state"].update(history_=[{"evil": 1}]), "history_"),
    "unknown estimator": (lambda a, m: m.update(estimator="os.system"), "unknown estimator"),
    "wrong dtype": (lambda a, m: a.update(params=a["params"].astype(np.float32)), "dtype"),
}


@pytest.mark.parametrize("name", TAMPERING)
def test_a_tampered_file_is_refused_with_a_clear_error(name, iris, tmp_path):
    change, message = TAMPERING[name]
    assert_load_refuses(_saved_bytes(iris, tmp_path), change, message, tmp_path)


@pytest.mark.parametrize("cut", [0, 10, 100, -100, -1])
def test_a_truncated_file_is_refused(cut, iris, tmp_path):
    content = _saved_bytes(iris, tmp_path)
    path = tmp_path / "truncated.npz"
    path.write_bytes(content[:cut])
    with pytest.raises(InvalidModelFile):
        load(path)


def test_a_pickle_is_never_unpickled(tmp_path):
    import pickle

    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps(DeepNetClassifier()))
    with pytest.raises(InvalidModelFile):
        load(path)


@pytest.mark.slow
def test_random_byte_mutations_give_a_correct_model_or_a_clear_error(iris, tmp_path):
    X, _ = iris
    content = _saved_bytes(iris, tmp_path)
    reference = load(tmp_path / "model.npz").predict_proba(X)
    rng = np.random.default_rng(0)
    outcomes = {"loaded": 0, "refused": 0}
    for trial in range(300):
        mutated = bytearray(content)
        for position in rng.integers(0, len(mutated), size=rng.integers(1, 4)):
            mutated[position] = rng.integers(0, 256)
        path = tmp_path / f"mutated-{trial}.npz"
        path.write_bytes(bytes(mutated))
        try:
            model = load(path)
        except InvalidModelFile:
            outcomes["refused"] += 1
            continue
        # Accepted (a change the zip's checksums and our checks let through, e.g. in
        # a header field nothing reads): it must be the very same model.
        assert np.array_equal(model.predict_proba(X), reference)
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 200, outcomes


def _as_version_1(arrays, metadata):
    """Rewrite a version-2 file's metadata in the layout format version 1 used."""
    from skdeep.train.optimizers import OPTIMIZERS

    spec, state = metadata.pop("spec"), metadata.pop("train_state")
    metadata["format_version"] = 1
    metadata["network"] = {key: spec[key] for key in
                           ("layer_sizes", "dtype", "batch_norm", "batch_norm_momentum", "dropout")}
    metadata["fitted"] = {
        "n_features_in_": metadata.pop("n_features_in_"), "n_outputs_": spec["layer_sizes"][-1],
        "n_layers_": len(spec["layer_sizes"]), "out_activation_": spec["output_activation"],
        **{key: state[key] for key in ("n_iter_", "t_", "loss_", "best_loss_", "loss_curve_",
                                       "validation_scores_", "best_validation_score_", "history_")},
    }
    optimizer = state["optimizer"]
    metadata["optimizer"] = {"class": OPTIMIZERS[optimizer["solver"]].__name__, "t": optimizer["t"],
                             "learning_rate": 0.001}


def test_a_version_1_file_still_loads(iris, tmp_path):
    X, y = iris
    model = DeepNetClassifier(hidden_layer_sizes=(6,), batch_norm=True, max_iter=3, random_state=0).fit(X, y)
    path = tmp_path / "model.npz"
    save(model, path, include_optimizer=True)
    path.write_bytes(rewrite(path.read_bytes(), _as_version_1))
    loaded = load(path)
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.loss_curve_ == model.loss_curve_
    assert loaded._train_state.optimizer["state"]["t"] == model._train_state.optimizer["state"]["t"]


def test_the_file_is_a_plain_zip_of_npy_arrays(iris, tmp_path):
    content = _saved_bytes(iris, tmp_path)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = sorted(archive.namelist())
    assert names == ["classes.npy", "metadata.npy", "params.npy", "state.npy"]
    assert os.path.getsize(tmp_path / "model.npz") == len(content)


# ------------------------------------------------------------------ save never writes what load refuses
def test_a_single_class_classifier_round_trips(iris, tmp_path):
    X, _ = iris
    model = DeepNetClassifier(max_iter=3).fit(X, np.full(len(X), "only"))
    loaded = _round_trip(model, tmp_path)
    assert list(loaded.classes_) == ["only"] and (loaded.predict(X) == "only").all()
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_model_whose_early_stopping_fit_diverged_round_trips(iris, tmp_path):
    X, y = iris
    with np.errstate(all="ignore"), pytest.warns(UserWarning, match="diverged"):
        model = DeepNetClassifier(solver="sgd", learning_rate_init=1e3, activation="identity",
                                  early_stopping=True, random_state=0, max_iter=20).fit(X * 1e150, y)
    assert np.isnan(model.loss_curve_[-1])
    loaded = _round_trip(model, tmp_path)
    assert np.isnan(loaded.loss_curve_[-1]) and loaded.loss_curve_[:-1] == model.loss_curve_[:-1]


@pytest.mark.parametrize("tamper, message", [
    (lambda m: m.coefs_[0].__setitem__((0, 0), np.nan), "params contains NaN"),
    (lambda m: setattr(m, "classes_", m.classes_[::-1]), "sorted"),
])
def test_save_refuses_a_model_changed_behind_its_back_and_writes_nothing(iris, tmp_path, tamper, message):
    X, y = iris
    model = DeepNetClassifier(max_iter=2).fit(X, y)
    tamper(model)
    with pytest.raises(ValueError, match=f"Cannot save this model.*{message}"):
        save(model, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_save_refuses_labels_longer_than_load_accepts(iris, tmp_path):
    X, y = iris
    model = DeepNetClassifier(max_iter=2).fit(X, np.array(["x" * 5000, "b", "c"])[y])
    with pytest.raises(ValueError, match="at most 4096 characters"):
        save(model, tmp_path / "m.npz")


def test_saving_over_a_file_keeps_its_permissions(iris, tmp_path):
    X, y = iris
    model, path = DeepNetClassifier(max_iter=2).fit(X, y), tmp_path / "m.npz"
    save(model, path)
    os.chmod(path, 0o600)
    save(model, path)
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_saving_onto_a_loop_of_symbolic_links_raises_like_open(iris, tmp_path):
    X, y = iris
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match="symbolic links"):
        save(DeepNetClassifier(max_iter=2).fit(X, y), tmp_path / "a")
    assert (tmp_path / "a").is_symlink()
