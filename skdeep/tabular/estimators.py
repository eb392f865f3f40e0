"""TabularNetClassifier and TabularNetRegressor: strong-by-default networks for tables.

A fit runs the whole recipe (see ``docs/tabular.rst``):

1. :class:`~skdeep.tabular.preprocessing.TabularPreprocessor` turns the raw
   table (a DataFrame with numeric, categorical and missing values, or an
   array) into floats: robust scaling with a smooth clip, missing-value
   indicators, one-hot categories, and the piecewise-linear encoding of every
   numeric column over quantile bins.
2. Regression targets are standardized (and predictions unstandardized);
   classification targets are one-hot with label smoothing.
3. An :class:`~skdeep.nn.ensemble.EnsembleNetwork` of ``n_ensemble`` MLPs,
   with a per-feature input scale, trains in one pass with AdamW, a linear
   warmup then a cosine decay, a flat-then-cosine dropout schedule, and keeps
   the epoch with the best score on internal validation rows: each member
   holds out its own part and trains on the other rows.

A Dask DataFrame is fitted from Dask's statistics and trained a partition at
a time (:mod:`skdeep.tabular.streaming`), and predicted partition by partition.

The fit, the targets, the callbacks and the transactions are those of the
base both families share (:mod:`skdeep._base.estimator`); this module
supplies the preprocessing, the spec and the recipe.
"""

import math
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _num_samples, check_is_fitted

from .._base.checks import checked_hidden_layer_sizes
from .._base.estimator import (
    CLASS_WEIGHT_CONSTRAINT,
    BaseNet,
    NetClassifier,
    NetRegressor,
    store_constructor_arguments,
)
from .._base.inputs import checked_X, ravel_column_vector
from ..nn.activations import ACTIVATIONS
from ..nn.ensemble import EnsembleNetwork, EnsembleSpec
from ..nn.network import INFERENCE_ROWS
from ..train.config import TrainConfig
from ..train.data import MIN_VALIDATION_ROWS
from ..train.memory import check_fits_in_memory, refuse_if_short, training_memory
from ..train.threads import blas_threads
from ..train.trainer import train_stochastic
from ._docs import CLASSIFIER_DOC, REGRESSOR_DOC
from .preprocessing import TabularPreprocessor, check_frame_not_empty, is_dataframe, numeric_features_bound
from .budget import planned_epochs
from .partitioned import CACHED_PARTITIONS
from .stopping import fit_report, kept_epoch, stop_reason
from .target_stats import target_width
from .streaming import (MAX_VALIDATION_ROWS, check_not_other_dask, computed_partitions, empty_frame,
                        fit_streamed, is_dask_frame, stream_fitted)

# Learning-rate factor of the per-feature input scale, as in RealMLP.
FEATURE_SCALE_FACTOR = 6.0

# Rows of the raw table a prediction reads and encodes at a time.
PREDICT_ROWS = 65536


def _chunk_bytes(spec, n_samples):
    """Bytes of the wide rows of one prediction chunk (validation scoring, ``predict``).

    A chunk is ``INFERENCE_ROWS`` rows, or all of them if fewer. The rows are
    computed in float64 and kept in the network's dtype, then scaled by the
    input scale: about four float64 arrays of the chunk's wide rows.
    """
    return 4 * 8 * min(INFERENCE_ROWS, n_samples) * spec.layer_sizes[0]


class _BaseTabularNet(BaseNet):
    """What TabularNetClassifier and TabularNetRegressor share; use one of them."""

    # A warm start picks its own best epoch: it must not fall back to the last fit's weights.
    _reset_policy = "per_fit"
    _network_type = EnsembleNetwork
    _model_kind = "tabularnet"

    _parameter_constraints: dict = {
        **BaseNet._parameter_constraints,
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS) - {"identity"})],
        "numeric_bins": [Interval(Integral, 0, None, closed="left")],
        "max_one_hot": [Interval(Integral, 2, None, closed="left")],
        "feature_scaling": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "dtype": [StrOptions({"float32", "float64"})],
    }

    # ----------------------------------------------------------------- fitted views
    @property
    def best_epoch_(self):
        """int or None: epoch (counted from 1 in the last fit) whose weights were kept.

        None without a validation split, where the last epoch's weights are kept.
        The kept epoch has the best validation score; among epochs tied on it,
        the lowest validation loss (the first of any still tied).
        """
        return kept_epoch(self._last_fit_records())

    def _last_fit_records(self):
        """The ``history_`` records of the last fit's epochs."""
        check_is_fitted(self)
        history = self._train_state.history_
        return history[len(history) - self.n_iter_:] if self.n_iter_ else []

    # ----------------------------------------------------------------- fitting
    def _hidden_layer_sizes(self):
        return checked_hidden_layer_sizes(self.hidden_layer_sizes, at_least=1)

    def _spec(self, n_features, n_outputs, dtype):
        # The dtype is the dtype parameter's (a continued fit checks it is the fitted one).
        return EnsembleSpec(
            (n_features, *self._hidden_layer_sizes(), n_outputs), self.n_ensemble, self.activation,
            self._output_activation(), self.dtype, dropout=self.dropout,
            scale_factor=FEATURE_SCALE_FACTOR if self.feature_scaling else 0.0,
        )

    def _train_config(self, n_samples):
        early_stopping = self._uses_validation(n_samples)
        fraction = self.validation_fraction
        streaming = self.__dict__.get("_streaming") is not None
        if early_stopping and streaming:
            # A streamed fit holds its validation rows in memory, read at every epoch.
            fraction = min(fraction, MAX_VALIDATION_ROWS / n_samples)
        # Each member holds out its own part and trains on every other row: every row trains
        # some members. One member's part is the one split of a single network (the same fit as
        # without member folds); a streamed fit keeps one split, whose rows it holds in memory.
        member_folds = early_stopping and not streaming and self.n_ensemble > 1
        n_train = (n_samples - math.ceil(fraction * n_samples) if early_stopping and not member_folds
                   else n_samples)
        epochs = planned_epochs(self.max_iter, n_train)
        return TrainConfig(
            # batch_size is an upper bound here: fewer rows make one batch, without a warning
            solver="adamw", alpha=0.0, batch_size=min(self.batch_size, n_train), learning_rate="cosine",
            learning_rate_init=self.learning_rate_init, max_iter=epochs, shuffle=True,
            tol=0.0, verbose=self.verbose, early_stopping=early_stopping,
            validation_fraction=fraction if early_stopping else None,
            beta_1=self.beta_1, beta_2=self.beta_2, epsilon=1e-8,
            n_iter_no_change=self.n_iter_no_change, weight_decay=self.weight_decay,
            # The warmup keeps its share of the schedule when a large table shortens it.
            warmup=self.warmup if epochs == self.max_iter else self.warmup * epochs / self.max_iter,
            # A shortened schedule is followed batch by batch: a few long epochs still warm up and
            # decay smoothly. (Epoch by epoch otherwise: step by step measured no better there.)
            dropout_schedule="flat_cosine", max_time=self.max_time, step_schedule=epochs < self.max_iter,
            flush_subnormals=True, tie_break_on_loss=True, member_folds=member_folds,
        )

    def _uses_validation(self, n_samples):
        """Whether this fit holds out a validation split: a fraction is set and gives 2 rows or more."""
        fraction = self.validation_fraction
        if fraction is None:
            return False
        n_validation = math.ceil(fraction * n_samples)
        return n_validation >= MIN_VALIDATION_ROWS and n_samples - n_validation >= 1

    def _checked_table(self, X, reset):
        """``X`` checked for names and width (setting them with ``reset``); arrays made 2-D arrays.

        The only check of a fitted model's input: warnings and errors name
        this estimator, not its preprocessor.
        """
        if is_dataframe(X):  # a DataFrame keeps its columns' own dtypes
            checked_X(self, X, reset=reset, skip_check_array=True)
            check_frame_not_empty(X, self)
            return X
        return checked_X(self, X, reset=reset, dtype=None, ensure_all_finite=False)

    def _checked_data(self, X, y, incremental, continuing):
        """The table encoded by the preprocessor (fitted here unless ``continuing``), and ``y`` checked."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        check_not_other_dask(X, self)
        if is_dask_frame(X):
            return self._streamed_data(X, y, continuing)
        if _num_samples(X) != _num_samples(y):
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {_num_samples(X)} and {_num_samples(y)}.")
        if continuing:
            y = self._checked_y(y)
            return self._network_input(X, y), y
        X = self._checked_table(X, reset=True)
        y = self._checked_y(y)
        target_type = self._target_type(y)
        self._check_memory_before_encoding(X, target_type, y)
        preprocessor = TabularPreprocessor(**self._preprocessor_params())
        encoded = preprocessor._fit_compact(X, y, target_type)
        self.preprocessor_ = preprocessor
        return encoded, y

    def _streamed_data(self, X, y, continuing):
        """A Dask DataFrame's rows, encoded a partition at a time, and ``y`` in memory.

        The preprocessing is fitted from Dask's statistics unless
        ``continuing`` (:mod:`skdeep.tabular.streaming`); the frame is never
        computed whole.
        """
        # Dask's empty frame of X's columns and dtypes: names and width are checked as a DataFrame's.
        checked_X(self, empty_frame(X), reset=not continuing, skip_check_array=True)
        if continuing:
            preprocessor = self.preprocessor_
            table, y, sizes = stream_fitted(X, y, preprocessor)
        else:
            preprocessor, table, y, sizes = fit_streamed(X, y, self._preprocessor_params(),
                                                         getattr(self, "feature_names_in_", None))
        y = self._checked_y(y)
        if len(table) != _num_samples(y):
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {len(table)} and {_num_samples(y)}.")
        self.preprocessor_ = preprocessor
        self._streaming = sizes  # for this fit's plan and memory checks; dropped by _fit
        return table, y

    def _preprocessor_params(self):
        return {"max_one_hot": self.max_one_hot, "numeric_bins": self.numeric_bins, "dtype": self.dtype}

    def _fit(self, X, y, sample_weight=None, incremental=False):
        """The base's fit; what a streamed fit noted for its plan never outlives it."""
        try:
            return super()._fit(X, y, sample_weight, incremental)
        finally:
            self.__dict__.pop("_streaming", None)

    def _network_input(self, X, y=None):
        """``X`` checked (not reset) and encoded by the fitted preprocessor, compact.

        With ``y`` (a continued fit), the target statistics of ``X``'s rows
        are cross-fitted on ``(X, y)``, as a fit makes them.
        """
        X = self._checked_table(X, reset=False)
        preprocessor = self.preprocessor_
        targets = None
        if y is not None and preprocessor.target_columns_:
            targets = preprocessor._targets_of(y, _num_samples(X), self._target_type(y))
        return preprocessor._compact(X, is_dataframe(X), targets)

    def _predict_output(self, X):
        """The network's outputs for ``X``, ``PREDICT_ROWS`` rows of the raw table at a time.

        What a prediction holds beside ``X`` and its result is one chunk's
        columns and encoding, whatever the number of rows. A Dask DataFrame
        is computed one partition at a time; the outputs are a NumPy array.
        """
        check_is_fitted(self)
        check_not_other_dask(X, self)
        if not is_dask_frame(X):
            X = self._checked_table(X, reset=False)
            return self._chunked_output(self._current_network(), X, is_dataframe(X))
        checked_X(self, empty_frame(X), reset=False, skip_check_array=True)
        network = self._current_network()
        outputs = [self._chunked_output(network, part, True) for part in computed_partitions(X)]
        outputs = [part for part in outputs if part is not None]
        if not outputs:
            raise ValueError(f"Found a Dask DataFrame with 0 sample(s) while a minimum of 1 is required by "
                             f"{type(self).__name__}.")
        return np.concatenate(outputs)

    def _chunked_output(self, network, X, is_frame):
        """The outputs for checked ``X``, ``PREDICT_ROWS`` rows at a time; None for no rows."""
        n_samples = X.shape[0]
        outputs = None
        for start in range(0, n_samples, PREDICT_ROWS):
            rows = slice(start, min(start + PREDICT_ROWS, n_samples))
            chunk = network.predict(self.preprocessor_._compact(X.iloc[rows] if is_frame else X[rows], is_frame))
            if outputs is None:
                outputs = np.empty((n_samples, chunk.shape[1]), dtype=chunk.dtype)
            outputs[rows] = chunk
        return outputs

    def _structure(self, spec):
        fitted, preprocessor = self._network.spec, self.preprocessor_
        return [
            ("numeric_bins", self.numeric_bins, preprocessor.numeric_bins),
            ("max_one_hot", self.max_one_hot, preprocessor.max_one_hot),
            ("hidden_layer_sizes", spec.layer_sizes[1:-1], fitted.layer_sizes[1:-1]),
            ("n_ensemble", spec.n_members, fitted.n_members),
            ("feature_scaling", bool(spec.scale_factor), bool(fitted.scale_factor)),
            ("dtype", spec.dtype, fitted.dtype),
        ]

    # ----------------------------------------------------------------- memory
    # A fit holds the caller's table, its compact encoding (a float64 per numeric
    # cell, a small integer per categorical one; the training and validation parts
    # are views), and what training allocates. Each check counts what is still to
    # come and refuses before it is allocated: the encoding before encoding (at
    # most), training once the network's input width is known (exactly).
    _ADVICE = ("Fit on fewer rows or columns (a sample of the rows trains well), or lower "
               "hidden_layer_sizes, n_ensemble or batch_size.")

    def _check_memory_before_encoding(self, X, target_type, y):
        """Refuse a table whose encoding cannot fit, before encoding it.

        Every column is counted as numeric (a float64 a cell, more than a
        category position), a column that may hold dates as its most parts
        and one that may be categorical with its target statistics
        (:func:`~skdeep.tabular.preprocessing.numeric_features_bound`); then
        one column being read (a date column: the parsed dates, their
        wall-clock times and a part's temporaries), and the targets and row
        indices training keeps, with the targets the statistics average and
        a column's cross-fitted statistics.
        """
        n_samples, n_columns = X.shape
        n_targets = target_width(y, target_type)
        n_numeric = numeric_features_bound(X, n_targets, self.max_one_hot)
        refuse_if_short({
            "the encoded table": 8 * n_samples * n_numeric,
            "reading one column": (4 if n_numeric == n_columns else 8) * 8 * n_samples,
            "targets and row order": (5 + 2 * n_targets) * 8 * n_samples,
        }, self._ADVICE)

    def _check_resources(self, spec, config, n_samples, continuing):
        """Refuse, before training allocates it, what training needs beyond the encoded table.

        A warm start keeps its check for the parameters
        (:func:`~skdeep.train.memory.training_memory` with ``continuing``).
        """
        batch_size = min(self.batch_size, n_samples)
        if continuing:
            check_fits_in_memory(spec, batch_size, config.solver, continuing)
            return
        parts = {"training": training_memory(spec, batch_size, config.solver),
                 "the wide rows of a chunk": _chunk_bytes(spec, n_samples)}
        streaming, row_bytes = self.__dict__.get("_streaming"), self.preprocessor_._compact_row_bytes()
        if streaming is not None:  # the frame is read a partition at a time: what of it is held
            parts["the partitions read, raw and encoded"] = CACHED_PARTITIONS * (
                streaming.bytes + streaming.rows * row_bytes)
            parts["targets, row order and each row's partition"] = 6 * 8 * n_samples
        if config.early_stopping:
            n_validation, itemsize = math.ceil(config.validation_fraction * n_samples), np.dtype(spec.dtype).itemsize
            predictions = spec.n_members * spec.layer_sizes[-1] * itemsize  # of a row, at every epoch
            if streaming is not None:  # held in memory (in memory, the split is a view)
                parts["the validation rows"] = n_validation * row_bytes
            if config.member_folds:
                # The validation rows are the union of the members' parts. Each row's training mask
                # (a bool per member), the union's row indices and per-member weights, and the
                # predictions twice (the members', then those of the members holding each row out).
                n_validation = min(n_samples, spec.n_members * n_validation)
                parts["the members' validation parts"] = (
                    spec.n_members * n_samples + (8 + spec.n_members * itemsize) * n_validation)
                parts["drawing the parts (a random order of the rows and its keys)"] = 6 * 8 * n_samples
                predictions *= 2
            parts["validation predictions"] = predictions * n_validation
        refuse_if_short(parts, self._ADVICE)

    def _initialize(self, network, random_state):
        network.initialize(random_state)

    def _train(self, network, state, config, data, **arguments):
        """Train (the config carries the dropout schedule and the time budget), then report.

        The batch products run on one BLAS thread unless they are large
        (:mod:`skdeep.train.threads`): on a busy machine two threads collapse.
        """
        sizes = network.spec.layer_sizes
        with blas_threads(config.batch_size, sizes[0], network.spec.n_members * sizes[1]):
            stopped_by = train_stochastic(
                network, state, config, data,
                # The trainer's stop messages speak of tol, which TabularNet has not: it reports here.
                stop_messages=False, **arguments,
            )
        if self.verbose:
            print(fit_report(self, stop_reason(stopped_by)))

    def _record_parts(self):
        return {"preprocessor": self.preprocessor_}

    def _restore_record_parts(self, record):
        self.preprocessor_ = record.preprocessor

    def _current_spec(self, spec):
        """The fitted spec under the current ``activation`` (as DeepNet's predictions follow it)."""
        if self.activation != spec.hidden_activation and self.activation in ACTIVATIONS:
            return replace(spec, hidden_activation=self.activation)
        return spec

    def _summary_text(self):
        from .summary import tabular_summary

        return tabular_summary(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.non_deterministic = False
        return tags


class TabularNetClassifier(NetClassifier, _BaseTabularNet):
    _parameter_constraints: dict = {
        **_BaseTabularNet._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": CLASS_WEIGHT_CONSTRAINT,
    }

    def __init__(
        self,
        hidden_layer_sizes=(128, 128),
        *,
        n_ensemble=4,
        activation="relu",
        numeric_bins=16,
        max_one_hot=9,
        feature_scaling=True,
        learning_rate_init=4e-3,
        weight_decay=0.02,
        beta_1=0.9,
        beta_2=0.95,
        warmup=5,
        max_iter=100,
        batch_size=256,
        dropout=0.15,
        label_smoothing=0.1,
        validation_fraction=0.2,
        n_iter_no_change=16,
        max_time=None,
        dtype="float32",
        class_weight=None,
        random_state=None,
        verbose=False,
        warm_start=False,
        callbacks=None,
    ):
        store_constructor_arguments(self, locals())

    def _checked_y(self, y):
        y = ravel_column_vector(np.asarray(y) if not hasattr(y, "iloc") else y.to_numpy())
        check_classification_targets(y)
        return y

    @staticmethod
    def _target_type(y):
        """What the target statistics average: the classes (``type_of_target``'s word)."""
        return type_of_target(y)

    def _encoded_targets(self, targets, y):
        """One-hot (or 0/1 indicator) targets, smoothed towards uniform by ``label_smoothing``."""
        return targets.encode(y, smoothing=self.label_smoothing)

    def predict_proba(self, X):
        """Probability estimates: the members' mean, classes in the order of ``classes_``.

        Parameters
        ----------
        X : {DataFrame, array-like, Dask DataFrame} of shape (n_samples, n_features)
            The raw table, with the columns seen in ``fit``; a Dask
            DataFrame is computed one partition at a time.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one, except for multilabel targets, where each column
            is the probability of its own label.
        """
        probabilities = self._predict_output(X)
        if len(self.classes_) == 1:  # a single class seen at fit: it is certain
            return np.ones_like(probabilities)
        if probabilities.shape[1] == 1:
            return np.hstack([1.0 - probabilities, probabilities])
        return probabilities

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (``-inf`` never: probabilities are floored at the tiniest float).

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        probabilities = self.predict_proba(X)
        return np.log(np.maximum(probabilities, np.finfo(probabilities.dtype).tiny))


class TabularNetRegressor(NetRegressor, _BaseTabularNet):
    _standardize_targets = True

    def __init__(
        self,
        hidden_layer_sizes=(128, 128),
        *,
        n_ensemble=4,
        activation="relu",
        numeric_bins=16,
        max_one_hot=9,
        feature_scaling=True,
        learning_rate_init=4e-3,
        weight_decay=0.02,
        beta_1=0.9,
        beta_2=0.95,
        warmup=5,
        max_iter=100,
        batch_size=256,
        dropout=0.15,
        validation_fraction=0.2,
        n_iter_no_change=16,
        max_time=None,
        dtype="float32",
        random_state=None,
        verbose=False,
        warm_start=False,
        callbacks=None,
    ):
        store_constructor_arguments(self, locals())

    def _output_activation(self):
        return "identity"

    def _checked_y(self, y):
        y = np.asarray(y, dtype=np.float64) if not hasattr(y, "iloc") else y.to_numpy(dtype=np.float64)
        y = ravel_column_vector(y)
        if y.ndim not in (1, 2) or y.size == 0:
            raise ValueError(f"y must be 1-D or 2-D with at least one value, got shape {y.shape}.")
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity: regression targets must be finite.")
        return y

    @staticmethod
    def _target_type(y):
        """What the target statistics average: the values (an integer target is not classes here)."""
        return "continuous" if y.ndim == 1 else "continuous-multioutput"

    @property
    def y_mean_(self):
        """ndarray of shape (n_outputs,): the (weighted) mean of each target column."""
        check_is_fitted(self)
        return self._targets.mean

    @property
    def y_scale_(self):
        """ndarray of shape (n_outputs,): the (weighted) standard deviation of each target column."""
        check_is_fitted(self)
        return self._targets.scale


TabularNetClassifier.__doc__ = CLASSIFIER_DOC
TabularNetRegressor.__doc__ = REGRESSOR_DOC
