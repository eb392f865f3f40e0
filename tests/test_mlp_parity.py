"""A default DeepNetClassifier/DeepNetRegressor trains as MLPClassifier/MLPRegressor does.

MLPClassifier's initialization (init='mlp'), its batch shuffling and its
early-stopping split are reproduced draw for draw, so with the same
random_state the two reach the same weights up to floating-point rounding,
on real tables, seed for seed.
"""


import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier, DeepNetRegressor


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _tables():
    cancer_X, cancer_y = load_breast_cancer(return_X_y=True)
    digits_X, digits_y = load_digits(return_X_y=True)
    return {
        "breast_cancer": (StandardScaler().fit_transform(cancer_X), cancer_y),
        "digits": (digits_X[:600] / 16, digits_y[:600]),
    }


def _max_difference(ours, theirs):
    return max(np.abs(a - b).max() for a, b in zip(ours.coefs_ + ours.intercepts_,
                                                   theirs.coefs_ + theirs.intercepts_, strict=True))


@pytest.mark.parametrize("params", [
    {}, {"solver": "sgd"}, {"solver": "sgd", "learning_rate": "invscaling"},
    {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.05, "n_iter_no_change": 2},
    {"solver": "lbfgs"}, {"early_stopping": True}, {"activation": "logistic"}, {"activation": "tanh"},
    {"batch_size": 64, "alpha": 1e-2}, {"hidden_layer_sizes": (20, 10)},
], ids=lambda params: ",".join(f"{k}={v}" for k, v in params.items()) or "defaults")
@pytest.mark.parametrize("table", ["breast_cancer", "digits"])
def test_same_seed_same_weights_as_mlpclassifier(table, params):
    X, y = _tables()[table]
    for seed in (0, 1):
        ours = DeepNetClassifier(max_iter=15, random_state=seed, **params).fit(X, y)
        theirs = MLPClassifier(max_iter=15, random_state=seed, **params).fit(X, y)
        assert ours.n_iter_ == theirs.n_iter_
        assert _max_difference(ours, theirs) < 1e-10
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        if hasattr(theirs, "loss_curve_"):  # MLPClassifier records none under L-BFGS
            np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


def test_same_seed_same_weights_as_mlpregressor():
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    for params in ({}, {"early_stopping": True}, {"solver": "lbfgs"}):
        for seed in (0, 1):
            ours = DeepNetRegressor(max_iter=20, random_state=seed, **params).fit(X, y)
            theirs = MLPRegressor(max_iter=20, random_state=seed, **params).fit(X, y)
            assert _max_difference(ours, theirs) < 1e-10
            np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_default_digits_cross_validated_accuracy_equals_mlpclassifiers_seed_for_seed():
    X, y = load_digits(return_X_y=True)
    folds = StratifiedKFold(n_splits=5)
    for seed in (0, 1):
        ours = cross_val_score(DeepNetClassifier(random_state=seed), X, y, cv=folds)
        theirs = cross_val_score(MLPClassifier(random_state=seed), X, y, cv=folds)
        np.testing.assert_allclose(ours, theirs, atol=1.5 / len(y))  # at most a sample per fold apart
