"""
Swap MLPClassifier for DeepNetClassifier in a grid search
=========================================================

The same Pipeline and GridSearchCV code runs with either estimator: only the
class name changes. The search tunes depth, width and the L2 penalty on
scikit-learn's bundled digits and reports the best settings of each.
"""

import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

grid = {
    "net__hidden_layer_sizes": [(64,), (64, 64)],
    "net__alpha": [1e-4, 1e-2],
}

for Estimator in (MLPClassifier, DeepNetClassifier):
    pipeline = Pipeline([("scale", StandardScaler()), ("net", Estimator(max_iter=100, random_state=0))])
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=2)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    print(
        f"{Estimator.__name__:<18} best {search.best_params_}  "
        f"cv {search.best_score_:.3f}  test {search.score(X_test, y_test):.3f}  ({seconds:.1f} s)"
    )
