import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skdeep import DeepNetClassifier, DeepNetRegressor
from skdeep.deepnet.summary import layer_table


def test_layer_table_lists_every_layer_in_both_notations_with_parameter_counts():
    X = np.random.RandomState(0).normal(size=(30, 5))
    y = np.arange(30) % 3
    clf = DeepNetClassifier(hidden_layer_sizes=(7, 4), max_iter=2).fit(X, y)
    rows = layer_table(clf).splitlines()
    hidden_1 = next(row for row in rows if row.startswith("1 (hidden)"))
    assert "(7, 5)" in hidden_1 and "(5, 7)" in hidden_1 and "relu" in hidden_1
    assert " 42" in hidden_1  # 5 * 7 weights + 7 biases
    output = next(row for row in rows if row.startswith("3 (output)"))
    assert "softmax" in output and "(3, 4)" in output and "(4, 3)" in output
    expected_total = sum(W.size + b.size for W, b in zip(clf.coefs_, clf.intercepts_, strict=False))
    assert rows[-1].split()[-1] == f"{expected_total:,}"


def test_layer_table_names_the_regression_output_activation():
    X = np.random.RandomState(0).normal(size=(20, 3))
    reg = DeepNetRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, X.sum(axis=1))
    assert "identity" in layer_table(reg)


def test_layer_table_needs_a_fitted_estimator():
    with pytest.raises(NotFittedError):
        layer_table(DeepNetClassifier())
