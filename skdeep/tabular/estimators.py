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
   the epoch with the best score on an internal validation split.

The training loop, its state, the callbacks and the transactions are the
DeepNet estimators' own (:mod:`skdeep.train`).
"""

import math
from collections.abc import Sequence
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_is_fitted

from .._base.checks import (
    check_effective_weights,
    checked_hidden_layer_sizes,
    class_sample_weight,
    validated_sample_weight,
)
from .._base.estimator import TrainingViews, store_constructor_arguments
from .._base.inputs import checked_X, ravel_column_vector
from .._base.transactions import transactional
from ..nn.activations import ACTIVATIONS
from ..nn.ensemble import EnsembleSpec
from ..train.callbacks import bind, validate_callbacks
from ..train.config import TrainConfig
from ..train.data import MIN_VALIDATION_ROWS
from ..train.memory import check_fits_in_memory
from ..train.sklearn_callbacks import CallbackSupportMixin, SklearnCallbackBridge, with_callbacks
from ..train.state import TrainState
from ..train.trainer import train_stochastic
from ._docs import CLASSIFIER_DOC, REGRESSOR_DOC
from .preprocessing import TabularPreprocessor, check_frame_not_empty, is_dataframe
from .schedules import DropoutSchedule, TimeBudget
from .stopping import fit_report, stop_reason

# Learning-rate factor of the per-feature input scale, as in RealMLP.
FEATURE_SCALE_FACTOR = 6.0


class _BaseTabularNet(CallbackSupportMixin, TrainingViews, BaseEstimator):
    """Shared fit logic of the two tabular estimators; use one of the subclasses."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS) - {"identity"})],
        "numeric_bins": [Interval(Integral, 0, None, closed="left")],
        "max_one_hot": [Interval(Integral, 2, None, closed="left")],
        "feature_scaling": ["boolean"],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "warmup": [Interval(Integral, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "dtype": [StrOptions({"float32", "float64"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [None, Sequence],
    }

    # ----------------------------------------------------------------- fitted views
    @property
    def best_epoch_(self):
        """int or None: epoch (counted from 1 in the last fit) whose weights were kept.

        None without a validation split, where the last epoch's weights are kept.
        """
        scores = [record["validation_score"] for record in self._last_fit_records()]
        if not scores or any(score is None for score in scores) or not np.isfinite(scores).any():
            return None
        return int(np.nanargmax(scores)) + 1

    def _last_fit_records(self):
        """The ``history_`` records of the last fit's epochs."""
        check_is_fitted(self)
        history = self._train_state.history_
        return history[len(history) - self.n_iter_:] if self.n_iter_ else []

    def __sklearn_is_fitted__(self):
        return "_network" in self.__dict__

    # ----------------------------------------------------------------- fitting
    def _hidden_layer_sizes(self):
        return checked_hidden_layer_sizes(self.hidden_layer_sizes, at_least=1)

    def _spec(self, n_features, n_outputs):
        return EnsembleSpec(
            (n_features, *self._hidden_layer_sizes(), n_outputs), self.n_ensemble, self.activation,
            self._output_activation(), self.dtype, dropout=self.dropout,
            scale_factor=FEATURE_SCALE_FACTOR if self.feature_scaling else 0.0,
        )

    def _train_config(self, n_samples):
        early_stopping = self._uses_validation(n_samples)
        n_train = n_samples - math.ceil(self.validation_fraction * n_samples) if early_stopping else n_samples
        return TrainConfig(
            # batch_size is an upper bound here: fewer rows make one batch, without a warning
            solver="adamw", alpha=0.0, batch_size=min(self.batch_size, n_train), learning_rate="cosine",
            learning_rate_init=self.learning_rate_init, max_iter=self.max_iter, shuffle=True,
            tol=0.0, verbose=self.verbose, early_stopping=early_stopping,
            # (TrainConfig wants a number even when no split is made)
            validation_fraction=self.validation_fraction if early_stopping else 0.1,
            beta_1=self.beta_1, beta_2=self.beta_2, epsilon=1e-8,
            n_iter_no_change=self.n_iter_no_change, weight_decay=self.weight_decay,
            warmup=self.warmup,
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

    def _encoded(self, X):
        """``X`` checked (not reset) and encoded by the fitted preprocessor."""
        X = self._checked_table(X, reset=False)
        return self.preprocessor_._encode(X, is_dataframe(X))

    def _preprocess(self, X, continuing):
        """Validate ``X`` (setting ``n_features_in_``) and encode it with a fitted preprocessor."""
        if continuing:
            return self.preprocessor_, self._encoded(X)
        X = self._checked_table(X, reset=True)
        preprocessor = TabularPreprocessor(
            max_one_hot=self.max_one_hot, numeric_bins=self.numeric_bins, dtype=self.dtype)
        return preprocessor, preprocessor.fit_transform(X)

    def _with_class_weights(self, sample_weight, Y):
        """``sample_weight`` times the class weights, in the training dtype, checked; or None."""
        class_weights = self._class_sample_weight(Y)
        if class_weights is not None:
            sample_weight = class_weights if sample_weight is None else sample_weight * class_weights
        if sample_weight is None:
            return None
        sample_weight = sample_weight.astype(self.dtype)
        check_effective_weights(sample_weight)
        return sample_weight

    def _class_sample_weight(self, Y):
        return None

    def _fit(self, X, y, sample_weight):
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        callbacks = validate_callbacks(self.callbacks)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        if _num_samples(X) != _num_samples(y):
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {_num_samples(X)} and {_num_samples(y)}.")
        preprocessor, X_encoded = self._preprocess(X, continuing)
        sample_weight = validated_sample_weight(sample_weight, X_encoded, np.float64)
        Y = self._encode_targets(y, continuing, sample_weight)
        sample_weight = self._with_class_weights(sample_weight, Y)
        spec = self._spec(X_encoded.shape[1], Y.shape[1])
        config = self._train_config(X_encoded.shape[0])
        random_state = check_random_state(self.random_state)
        if continuing:
            network = self._continued_network(spec)
            state = self._train_state.copy()
            # Each fit picks its own best epoch: a warm start must not fall back to the last fit's weights.
            state.best_params = state.best_state = None
            state.best_validation_score_ = -np.inf if config.early_stopping else None
            state.no_improvement_count = 0
        else:
            check_fits_in_memory(spec, min(self.batch_size, X_encoded.shape[0]), config.solver)
            network = spec.build()
            network.initialize(random_state)
            state = TrainState()
        self.preprocessor_ = preprocessor
        self._network, self._train_state = network, state  # live: callbacks see the fit in progress
        hooks = [DropoutSchedule(network, self.dropout, self.max_iter)]
        time_budget = None if self.max_time is None else TimeBudget(self.max_time)
        if time_budget is not None:
            hooks.append(time_budget)
        hooks += bind((*callbacks, SklearnCallbackBridge()), self)
        info = {"solver": "adamw", "incremental": False, "X": X, "y": y, "sample_weight": sample_weight,
                "validation": config.early_stopping}
        stopped_by = train_stochastic(
            network, state, config, (X_encoded, Y.astype(network.dtype), sample_weight),
            incremental=False, random_state=random_state, hooks=hooks, info=info,
            strata=self._validation_strata(Y, config), score=self._validation_score,
            # The trainer's stop messages speak of tol, which TabularNet has not: it reports here.
            stop_messages=False,
        )
        if self.verbose:
            print(fit_report(self, stop_reason(stopped_by, time_budget)))
        return self

    def _continued_network(self, spec):
        """The fitted network, if ``spec`` (the current parameters) matches it; else a ValueError."""
        network = self._network
        fitted = network.spec
        preprocessor = self.preprocessor_
        for name, asked, now in (
            ("numeric_bins", self.numeric_bins, preprocessor.numeric_bins),
            ("max_one_hot", self.max_one_hot, preprocessor.max_one_hot),
            ("hidden_layer_sizes", spec.layer_sizes[1:-1], fitted.layer_sizes[1:-1]),
            ("n_ensemble", spec.n_members, fitted.n_members),
            ("feature_scaling", bool(spec.scale_factor), bool(fitted.scale_factor)),
            ("dtype", spec.dtype, fitted.dtype),
            ("the number of outputs", spec.layer_sizes[-1], fitted.layer_sizes[-1]),
        ):
            if asked != now:
                raise ValueError(
                    f"Cannot continue training (warm_start=True): {name} is {asked!r} but the "
                    f"model was fitted with {now!r}. Set warm_start=False to start anew."
                )
        return network.with_spec(spec)  # activation and dropout may change between fits

    def _validated_encoding(self, X):
        check_is_fitted(self)
        return self._encoded(X)

    def _predict_output(self, X):
        """Mean of the members' probabilities or (standardized) values, 2-D."""
        encoded = self._validated_encoding(X)
        return self._current_network().predict(encoded)

    def _current_network(self):
        """The fitted network under the current ``activation`` (as DeepNet's predictions follow it).

        A view sharing the fitted parameters; the estimator is not changed.
        """
        network = self._network
        if self.activation != network.spec.hidden_activation and self.activation in ACTIVATIONS:
            network = network.with_spec(replace(network.spec, hidden_activation=self.activation))
        return network

    def summary(self, file=None):
        """Print the preprocessing and the network layer by layer, with parameter counts.

        Parameters
        ----------
        file : file-like, default=None
            Where to write; standard output by default.
        """
        from .summary import tabular_summary

        print(tabular_summary(self), file=file)

    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    @transactional
    def fit(self, X, y, sample_weight=None):
        """Preprocess the table, then train the ensemble on it.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The raw table: numeric, boolean, categorical (category, object or
            string) columns; missing values as NaN, None or ``pd.NA``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classification) or real values (regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.non_deterministic = False
        return tags


class TabularNetClassifier(ClassifierMixin, _BaseTabularNet):
    _parameter_constraints: dict = {
        **_BaseTabularNet._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(192, 192),
        *,
        n_ensemble=2,
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
        n_iter_no_change=24,
        max_time=None,
        dtype="float32",
        class_weight=None,
        random_state=None,
        verbose=False,
        warm_start=False,
        callbacks=None,
    ):
        store_constructor_arguments(self, locals())

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _encode_targets(self, y, continuing, sample_weight):
        """One-hot (or 0/1 indicator) targets, smoothed towards uniform by ``label_smoothing``."""
        y = np.asarray(y) if not hasattr(y, "iloc") else y.to_numpy()
        y = ravel_column_vector(y)
        check_classification_targets(y)
        if continuing:
            classes = np.unique(y) if y.ndim == 1 else None
            if classes is not None and not np.array_equal(np.sort(classes), self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the previous "
                    f"call to fit. Previously got {self.classes_}, `y` has {classes}."
                )
        else:
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        Y = self._label_binarizer.transform(y).astype(np.float64)
        n_choices = Y.shape[1] if Y.shape[1] > 1 and self._output_activation() == "softmax" else 2
        return Y * (1.0 - self.label_smoothing) + self.label_smoothing / n_choices

    def _class_sample_weight(self, Y):
        if self.class_weight is None:
            return None
        return class_sample_weight(self.class_weight, self._label_binarizer.y_type_, self.classes_,
                                    self._class_indices(Y))

    @staticmethod
    def _class_indices(Y):
        return (Y[:, 0] > 0.5).astype(np.intp) if Y.shape[1] == 1 else Y.argmax(axis=1)

    def _validation_strata(self, Y, config):
        """Stratify the validation split on the class when every class can be in both parts."""
        if not config.early_stopping or self._label_binarizer.y_type_ == "multilabel-indicator":
            return None
        classes, counts = np.unique(self._class_indices(Y), return_counts=True)
        n_validation = math.ceil(config.validation_fraction * len(Y))
        if counts.min() < 2 or n_validation < len(classes) or len(Y) - n_validation < len(classes):
            return None
        return self._class_indices(Y)

    def _validation_score(self, network, X, Y, sample_weight):
        probabilities = network.predict(X)
        if not np.isfinite(probabilities).all():
            return np.nan
        if Y.shape[1] == 1 or self._label_binarizer.y_type_ == "multilabel-indicator":
            truth, predicted = Y > 0.5, probabilities > 0.5
        else:
            truth, predicted = Y.argmax(axis=1), probabilities.argmax(axis=1)
        return accuracy_score(truth, predicted, sample_weight=sample_weight)

    def predict_proba(self, X):
        """Probability estimates: the members' mean, classes in the order of ``classes_``.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The raw table, with the columns seen in ``fit``.

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

    def predict(self, X):
        """Predict class labels (the most probable under the members' mean).

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        probabilities = self._predict_output(X)
        if probabilities.shape[1] == 1:
            probabilities = probabilities.ravel()
        return self._label_binarizer.inverse_transform(probabilities)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class TabularNetRegressor(RegressorMixin, _BaseTabularNet):
    def __init__(
        self,
        hidden_layer_sizes=(192, 192),
        *,
        n_ensemble=2,
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
        n_iter_no_change=24,
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

    def _encode_targets(self, y, continuing, sample_weight):
        """Targets standardized column by column, weighted (with the first fit's statistics when continuing)."""
        y = np.asarray(y, dtype=np.float64) if not hasattr(y, "iloc") else y.to_numpy(dtype=np.float64)
        y = ravel_column_vector(y)
        if y.ndim not in (1, 2) or y.size == 0:
            raise ValueError(f"y must be 1-D or 2-D with at least one value, got shape {y.shape}.")
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity: regression targets must be finite.")
        Y = y.reshape(len(y), -1)
        constant = np.ptp(Y, axis=0) == 0
        if not continuing:
            self.y_mean_ = np.average(Y, axis=0, weights=sample_weight)
            # 0 for a constant column (not a rounding residue): its prediction is then exactly its mean
            scale = np.sqrt(np.average((Y - self.y_mean_) ** 2, axis=0, weights=sample_weight))
            self.y_scale_ = np.where(constant, 0.0, scale)
            self._y_ndim = y.ndim
        elif Y.shape[1] != len(self.y_mean_):
            raise ValueError(
                f"Cannot continue training (warm_start=True): y has {Y.shape[1]} outputs but the "
                f"model was fitted with {len(self.y_mean_)}. Set warm_start=False to start anew.")
        elif ((self.y_scale_ == 0) & ~constant).any():
            raise ValueError(
                "Cannot continue training (warm_start=True): a target column that was constant in "
                "the first fit varies now, and the model predicts it as that constant. Set "
                "warm_start=False to start anew.")
        return (Y - self.y_mean_) / np.where(self.y_scale_ > 0, self.y_scale_, 1.0)

    def _validation_strata(self, Y, config):
        return None

    def _validation_score(self, network, X, Y, sample_weight):
        prediction = network.predict(X)
        if not np.isfinite(prediction).all():
            return np.nan
        # R² is the same on standardized targets: no need to unscale.
        return r2_score(Y, prediction, sample_weight=sample_weight)

    def predict(self, X):
        """Predict target values: the members' mean, in the units of ``y``.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        prediction = self._predict_output(X) * self.y_scale_ + self.y_mean_
        return prediction.ravel() if self._y_ndim == 1 else prediction


TabularNetClassifier.__doc__ = CLASSIFIER_DOC
TabularNetRegressor.__doc__ = REGRESSOR_DOC
