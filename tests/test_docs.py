"""Docstrings document every parameter, in signature order, and every fitted attribute."""

import inspect
import re

import numpy as np
import pytest

from skdeep import DeepNetClassifier, DeepNetRegressor, TabularNetClassifier, TabularNetRegressor

ESTIMATORS = [DeepNetClassifier, DeepNetRegressor, TabularNetClassifier, TabularNetRegressor]


def _section(doc, title):
    body = doc.split(f"\n{title}\n{'-' * len(title)}\n", 1)[1]
    body = re.split(r"\n\w[\w ]*\n-{3,}\n", body, maxsplit=1)[0]
    return re.findall(r"^(\w+) :", body, re.M)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_constructor_parameter_is_documented_in_order(Estimator):
    assert _section(Estimator.__doc__, "Parameters") == list(inspect.signature(Estimator).parameters)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_fitted_attribute_is_documented(Estimator):
    X = np.random.RandomState(0).normal(size=(30, 3))
    y = np.arange(30) % 2
    estimator = Estimator(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    fitted = {name for name in dir(estimator) if name.endswith("_") and not name.startswith("_")}
    fitted.discard("feature_names_in_")  # present only for input with column names
    documented = set(_section(Estimator.__doc__, "Attributes"))
    assert fitted <= documented
    assert "feature_names_in_" in documented


@pytest.mark.parametrize("module_name", ["skdeep.deepnet.estimators", "skdeep.utils.gradcheck", "skdeep.io.onnx",
                                         "skdeep.tabular.estimators", "skdeep.tabular.preprocessing",
                                         "skdeep.display"])
def test_docstring_examples_run(module_name):
    import doctest
    import importlib
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    if module_name == "skdeep.io.onnx":
        pytest.importorskip("onnxruntime", reason='the ONNX example needs the onnx extra: pip install ".[onnx]"')

    module = importlib.import_module(module_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
