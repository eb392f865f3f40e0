"""The contract every skdeep estimator keeps, tested once for all four.

A fitted model survives ``save``/``load`` (and pickle) as the same model,
continues after ``load`` as it would have without saving, clones to an
unfitted twin that fits the same, and takes hyperparameters set after ``fit``
into the file. Each comparison is :func:`model_equality.assert_same_model`.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris

from skdeep import DeepNetClassifier, DeepNetRegressor, TabularNetClassifier, TabularNetRegressor, load, save

from model_equality import assert_same_model

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = {
    "DeepNetClassifier": lambda: DeepNetClassifier((5,), max_iter=5, random_state=0),
    "DeepNetRegressor": lambda: DeepNetRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0),
    "TabularNetClassifier": lambda: TabularNetClassifier((6,), n_ensemble=2, max_iter=4, batch_size=32,
                                                         random_state=0),
    "TabularNetRegressor": lambda: TabularNetRegressor((6,), n_ensemble=1, max_iter=4, batch_size=32,
                                                       random_state=0),
}


def _data(name):
    X, y = load_iris(return_X_y=True)
    X, y = X[::2], y[::2]  # 75 rows
    return (X, y) if "Classifier" in name else (X[:, :3], X[:, 3])


def _fitted(name):
    X, y = _data(name)
    return ESTIMATORS[name]().fit(X, y), X, y


def _round_trip(model, tmp_path, include_optimizer=True):
    path = tmp_path / "model.npz"
    save(model, path, include_optimizer=include_optimizer)
    return load(path)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_save_then_load_gives_the_same_model(name, tmp_path):
    model, X, _ = _fitted(name)
    loaded = _round_trip(model, tmp_path)
    assert_same_model(loaded, model, X, ignore_seconds=False)
    without_optimizer = _round_trip(model, tmp_path, include_optimizer=False)
    assert without_optimizer._to_record().train_state.optimizer is None
    assert_same_model(without_optimizer, model, X, ignore_seconds=False, optimizer=False)


# Every estimator continues with a warm-started fit; DeepNet with partial_fit too (TabularNet has none).
CONTINUATIONS = [(name, "warm_start") for name in ESTIMATORS] + [
    (name, "partial_fit") for name in ESTIMATORS if name.startswith("DeepNet")]


@pytest.mark.parametrize("name, how", CONTINUATIONS)
def test_continuing_after_load_equals_continuing_without_saving(name, how, tmp_path):
    model, X, y = _fitted(name)
    loaded = _round_trip(model, tmp_path)
    for twin in (model, loaded):
        if how == "warm_start":
            twin.set_params(warm_start=True, max_iter=3).fit(X, y)
        else:
            twin.partial_fit(X, y)
    assert_same_model(loaded, model, X)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_clone_is_unfitted_and_fits_the_same_model(name):
    model, X, y = _fitted(name)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not twin.__sklearn_is_fitted__()
    assert_same_model(twin.fit(X, y), model, X)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_pickle_gives_the_same_model(name):
    model, X, _ = _fitted(name)
    assert_same_model(pickle.loads(pickle.dumps(model)), model, X, ignore_seconds=False)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_parameters_set_after_fit_are_saved_and_take_effect_after_load(name, tmp_path):
    model, X, _ = _fitted(name)
    outputs = model.predict_proba if hasattr(model, "predict_proba") else model.predict
    before = outputs(X)
    # activation changes what predict computes at once; max_iter only the next fit.
    model.set_params(activation="tanh", max_iter=11)
    assert not np.array_equal(outputs(X), before)
    loaded = _round_trip(model, tmp_path)
    assert loaded.get_params()["activation"] == "tanh" and loaded.get_params()["max_iter"] == 11
    assert_same_model(loaded, model, X, ignore_seconds=False)
