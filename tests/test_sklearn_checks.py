"""scikit-learn's own estimator checks, with default parameters and no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep import DeepNetClassifier, DeepNetRegressor


@parametrize_with_checks(
    [
        DeepNetClassifier(),
        DeepNetRegressor(),
        DeepNetClassifier(batch_norm=True, dropout=0.2),
        DeepNetRegressor(batch_norm=True, dropout=0.2),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    # scikit-learn itself skips check_decision_proba_consistency for the
    # classifier: it compares decision_function with predict_proba, and, like
    # MLPClassifier, DeepNetClassifier has no decision_function.
    check(estimator)
