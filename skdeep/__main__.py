"""The demo: ``python -m skdeep``.

Trains a DeepNetClassifier on scikit-learn's bundled digits with per-epoch
progress, compares its 5-fold cross-validated accuracy with MLPClassifier's on
the same folds, and prints the fitted network's layer table.
"""

import argparse
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier

from . import DeepNetClassifier, __version__
from .deepnet.summary import layer_table


def _cross_validate(estimator, X, y, folds):
    started = time.perf_counter()
    scores = cross_val_score(estimator, X, y, cv=folds)
    return scores, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skdeep", description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=200, help="epochs per fit (default 200)")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    print(f"skdeep {__version__}: digits, {X.shape[0]} samples x {X.shape[1]} features, 10 classes\n")

    print("Training DeepNetClassifier(hidden_layer_sizes=(100,)) on all samples:")
    model = DeepNetClassifier(max_iter=args.max_iter, random_state=args.random_state, verbose=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        print(f"\ntraining accuracy {model.score(X, y):.4f} after {model.n_iter_} epochs\n")

        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=args.random_state)
        print("5-fold cross-validated accuracy, same folds, default parameters:")
        for estimator in (
            DeepNetClassifier(max_iter=args.max_iter, random_state=args.random_state),
            MLPClassifier(max_iter=args.max_iter, random_state=args.random_state),
        ):
            scores, seconds = _cross_validate(estimator, X, y, folds)
            print(
                f"  {type(estimator).__name__:<18} {scores.mean():.4f} +/- {scores.std():.4f}"
                f"   ({seconds:.1f} s)"
            )

    print("\nThe fitted network, layer by layer:")
    print(layer_table(model))


if __name__ == "__main__":
    main()
