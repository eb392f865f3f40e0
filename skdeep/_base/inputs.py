"""Input checks that warn, with their warnings at the user's line.

scikit-learn's ``validate_data`` and ``column_or_1d`` warn about a mismatch
of feature names and about a column-vector ``y`` from inside scikit-learn (or
one level up, inside skdeep). These checks give the same warnings, in the
same words and categories, through :func:`skdeep._warn.warn`.
"""

from sklearn.exceptions import DataConversionWarning
from sklearn.utils import column_or_1d
from sklearn.utils.validation import _check_n_features, _get_feature_names, check_array, validate_data

from .._warn import warn


def feature_names_warning(estimator, X):
    """scikit-learn's warning about ``X``'s column names against the fitted ones, or None."""
    fitted = getattr(estimator, "feature_names_in_", None)
    given = _get_feature_names(X)
    name = type(estimator).__name__
    if given is not None and fitted is None:
        return f"X has feature names, but {name} was fitted without feature names"
    if given is None and fitted is not None:
        return f"X does not have valid feature names, but {name} was fitted with feature names"
    return None


def checked_X(estimator, X, *, reset, skip_check_array=False, **check_params):
    """``validate_data(estimator, X, reset=reset, ...)``, its feature-name warning at the user's line.

    With ``reset`` (a first fit) names are recorded, never compared, and
    ``validate_data`` does it all.
    """
    message = None if reset else feature_names_warning(estimator, X)
    if message is None:
        return validate_data(estimator, X, reset=reset, skip_check_array=skip_check_array, **check_params)
    warn(message, UserWarning)
    # The rest of validate_data, whose feature-name check would give the warning a second time.
    if not skip_check_array:
        X = check_array(X, input_name="X", estimator=estimator, **check_params)
    if check_params.get("ensure_2d", True):
        _check_n_features(estimator, X, reset=False)
    return X


def ravel_column_vector(y):
    """``y`` of shape ``(n, 1)`` as shape ``(n,)``, with scikit-learn's DataConversionWarning; else ``y``."""
    if y.ndim == 2 and y.shape[1] == 1:
        warn("A column-vector y was passed when a 1d array was expected. Please change the shape of y "
             "to (n_samples, ), for example using ravel().", DataConversionWarning)
        return column_or_1d(y)
    return y
