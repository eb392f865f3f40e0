"""scikit-learn's own estimator checks, with default parameters and no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep import DeepNetClassifier, DeepNetRegressor


@parametrize_with_checks([DeepNetClassifier(), DeepNetRegressor()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
