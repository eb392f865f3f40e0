"""The demo: ``python -m skdeep``.

Trains a DeepNetClassifier on scikit-learn's bundled digits, printing the loss
every 25 epochs and why it stopped; then compares its 5-fold cross-validated
accuracy with MLPClassifier's on the same folds, timing each as the best of a
few repeats (with a warning when every core was already busy), and says in
words what the comparison shows: with the same ``random_state`` the two draw
the same initial weights and batches, so identical scores are the expected
result and the speed is the difference.
Last comes the fitted network's layer table, in the course's notation and
scikit-learn's. Under half a minute on 2 cores.
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier

from . import DeepNetClassifier, __version__
from .callbacks import Callback
from .deepnet.summary import layer_table

LOSS_EVERY = 25  # epochs between progress lines: a handful of lines for a ~130-epoch fit


class _LossEvery(Callback):
    """Prints the loss at the first epoch, every ``every`` epochs and the last one."""

    def __init__(self, every):
        self.every = every

    def on_fit_begin(self, estimator, info):
        self._last = None

    def _due(self, record):
        return record["epoch"] == 1 or record["epoch"] % self.every == 0

    def on_epoch_end(self, estimator, record):
        self._last = record
        if self._due(record):
            self._print(record)
        return False

    def on_fit_end(self, estimator, info):
        if self._last is not None and not self._due(self._last):
            self._print(self._last)
        if info["stopped_by"] == "plateau":
            why = (f"loss improved by less than tol={estimator.tol:g} "
                   f"for {estimator.n_iter_no_change} epochs")
        elif info["stopped_by"] is None:
            why = f"max_iter={estimator.max_iter} reached"
        else:
            why = f"stopped by {info['stopped_by']}"
        # No seconds here: one fit's time is noise on a shared machine; the
        # timed comparison below is the best of several runs.
        print(f"stopped after {info['n_epochs']} epochs: {why}")

    @staticmethod
    def _print(record):
        print(f"  epoch {record['epoch']:>4}  loss {record['loss']:.4f}")


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _best_of(repeats, estimators, X, y, folds):
    """Each estimator's fold scores and its fastest cross-validation in ``repeats`` runs.

    The runs are interleaved, so that a burst of load on a shared machine slows
    both estimators alike, and the minimum is kept: noise only ever adds time.
    """
    scores, seconds = {}, {name: float("inf") for name in estimators}
    for _ in range(repeats):
        for name, estimator in estimators.items():
            started = time.perf_counter()
            scores[name] = cross_val_score(estimator, X, y, cv=folds)
            seconds[name] = min(seconds[name], time.perf_counter() - started)
    return scores, seconds


def _parity_sentence(ours, theirs, our_seconds, their_seconds):
    speed = their_seconds / our_seconds
    faster = f"{speed:.1f}x faster" if speed >= 1 else f"{1 / speed:.1f}x slower"
    if np.array_equal(ours, theirs):
        return (
            "Identical scores, as designed: with the same random_state, DeepNetClassifier draws\n"
            "the same initial weights and batches as MLPClassifier (and the same validation split\n"
            f"with early_stopping), so it trains to the same weights; it did so {faster}."
        )
    return (
        f"The scores differ ({ours.mean():.4f} against {theirs.mean():.4f}), though the same\n"
        "random_state gives both the same initial weights and batches: floating-point rounding\n"
        f"can flip a prediction near a tie. DeepNetClassifier was {faster}."
    )


def _load_average():
    """The 1-minute load average, or None where the system has none (Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _busy_note(load, cores):
    """A warning when other programs were already using every core, else None.

    The best of a few runs removes short bursts of load, not load that lasts
    the whole demo: then the times (and their ratio) say little, and the reader
    should know.
    """
    if load is None or not cores or load < cores:
        return None
    return (f"(Timings unreliable: the load average was {load:.1f} on {cores} cores when the demo "
            "started,\nso other programs were competing for the CPU.)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skdeep", description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=_positive_int, default=200, help="epochs per fit (default 200)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--repeats", type=_positive_int, default=3,
                        help="cross-validation runs per estimator; the fastest is reported (default 3)")
    args = parser.parse_args(argv)

    load_before = _load_average()  # before our own work raises it
    X, y = load_digits(return_X_y=True)
    print(f"skdeep {__version__}: digits, {X.shape[0]} samples x {X.shape[1]} features, 10 classes\n")

    print(f"Training DeepNetClassifier(hidden_layer_sizes=(100,)) on all samples, "
          f"loss every {LOSS_EVERY} epochs:")
    model = DeepNetClassifier(max_iter=args.max_iter, random_state=args.random_state,
                              callbacks=[_LossEvery(LOSS_EVERY)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        print(f"training accuracy {model.score(X, y):.4f}\n")

        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=args.random_state)
        estimators = {
            "DeepNetClassifier": DeepNetClassifier(max_iter=args.max_iter, random_state=args.random_state),
            "MLPClassifier": MLPClassifier(max_iter=args.max_iter, random_state=args.random_state),
        }
        runs = "1 run" if args.repeats == 1 else f"best of {args.repeats} runs"
        print(f"5-fold cross-validated accuracy, same folds, default parameters (time: {runs}):")
        scores, seconds = _best_of(args.repeats, estimators, X, y, folds)
    for name in estimators:
        print(f"  {name:<18} {scores[name].mean():.4f} +/- {scores[name].std():.4f}   "
              f"{seconds[name]:.1f} s")
    print(_parity_sentence(scores["DeepNetClassifier"], scores["MLPClassifier"],
                           seconds["DeepNetClassifier"], seconds["MLPClassifier"]))
    note = _busy_note(load_before, os.cpu_count())
    if note:
        print(note)

    print("\nThe fitted network, layer by layer (course notation W[l], scikit-learn's coefs_):")
    print(layer_table(model))


if __name__ == "__main__":
    main()
