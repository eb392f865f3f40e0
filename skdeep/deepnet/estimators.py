"""The scikit-learn face: DeepNetClassifier and DeepNetRegressor.

This module owns the scikit-learn contract (parameter validation, input
checks, label encoding, fitted attributes). Per call it builds a
:class:`~skdeep.nn.spec.NetworkSpec` and a
:class:`~skdeep.train.config.TrainConfig` from the parameters and hands them,
with the network and the :class:`~skdeep.train.state.TrainState`, to the
training code. A fit is a transaction: everything is validated first, and a
call that raises leaves the estimator exactly as it was.
"""

from collections.abc import Sequence
from dataclasses import replace
from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base.checks import (
    check_effective_weights,
    checked_hidden_layer_sizes,
    class_sample_weight,
    validated_sample_weight,
)
from .._base.estimator import TrainingViews, state_attribute, store_constructor_arguments
from .._base.inputs import checked_X, ravel_column_vector
from .._base.transactions import transactional
from ..nn.activations import ACTIVATIONS
from ..nn.initializers import INITIALIZERS, layer_initializers
from ..nn.spec import NetworkSpec
from ..train.callbacks import bind, validate_callbacks
from ..train.config import TrainConfig
from ..train.data import resolve_batch_size
from ..train.lbfgs import train_lbfgs
from ..train.memory import check_fits_in_memory
from ..train.optimizers import OPTIMIZERS
from ..train.schedules import SCHEDULES, continued_schedule
from ..train.sklearn_callbacks import CallbackSupportMixin, SklearnCallbackBridge, with_callbacks
from ..train.state import TrainState
from ..train.trainer import train_stochastic
from ._docs import CLASSIFIER_DOC, REGRESSOR_DOC
from ._parameter_list import ParameterList
from .summary import layer_table

_STOCHASTIC_SOLVERS = tuple(OPTIMIZERS)


def _class_indices(Y):
    """Index into ``classes_`` of each row of single-label encoded targets ``Y``."""
    return Y[:, 0].astype(np.intp) if Y.shape[1] == 1 else Y.argmax(axis=1)


class _BaseDeepNet(CallbackSupportMixin, TrainingViews, BaseEstimator):
    """Shared fit logic of the two estimators; use one of the subclasses."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", *_STOCHASTIC_SOLVERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"mlp", "auto", *INITIALIZERS})],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "batch_norm": ["boolean"],
        "batch_norm_momentum": [Interval(Real, 0, 1, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "warmup": [Interval(Integral, 0, None, closed="left")],
        "lr_step_size": [Interval(Integral, 1, None, closed="left")],
        "lr_step_gamma": [Interval(Real, 0, 1, closed="right")],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "callbacks": [None, Sequence],
    }

    # ----------------------------------------------------------------- fitted views
    best_loss_ = state_attribute("best_loss_", "float or None: lowest training loss.")

    @property
    def n_outputs_(self):
        """int: units of the output layer, ``n[L]``."""
        return self._fitted_network().layer_sizes[-1]

    @property
    def n_layers_(self):
        """int: layers, input and output included (``L + 1``)."""
        return len(self._fitted_network().layer_sizes)

    @property
    def out_activation_(self):
        """str: the output activation (it fixes the loss)."""
        return self._current_network().spec.output_activation

    @property
    def coefs_(self):
        """list of ndarray: ``coefs_[i]`` is ``W[i+1]``, of shape ``(n[i], n[i+1])``."""
        return ParameterList(self._fitted_network().coefs)

    @coefs_.setter
    def coefs_(self, values):
        ParameterList(self._fitted_network().coefs).assign(values)

    @property
    def intercepts_(self):
        """list of ndarray: ``intercepts_[i]`` is ``b[i+1]``, of shape ``(n[i+1],)``."""
        return ParameterList(self._fitted_network().intercepts)

    @intercepts_.setter
    def intercepts_(self, values):
        ParameterList(self._fitted_network().intercepts).assign(values)

    # MLPClassifier's private names for two pieces of training state, read by
    # code (and scikit-learn's own MLP tests) that inspects a fitted MLP.
    @property
    def _no_improvement_count(self):
        """int: consecutive epochs without improvement (the patience counter)."""
        check_is_fitted(self)
        return self._train_state.no_improvement_count

    @property
    def _optimizer(self):
        """A read-only view of the stochastic optimizer: ``learning_rate`` of the next epoch."""
        check_is_fitted(self)
        state = self._train_state
        if state.optimizer is None:
            raise AttributeError("No stochastic optimizer: the model was fitted with L-BFGS.")
        config = TrainConfig.from_params(self.get_params(deep=False))
        schedule = continued_schedule(config, state.schedule_state)
        return SimpleNamespace(learning_rate=schedule.rate(state.schedule_epoch, state.t_),
                               t=state.optimizer["state"]["t"])

    def __sklearn_is_fitted__(self):
        return "_network" in self.__dict__

    def _fitted_network(self):
        check_is_fitted(self)
        return self._network

    def _current_network(self):
        """The fitted network under the current parameters.

        Parameters that leave the parameter layout alone (``activation``,
        ``loss``, ``batch_norm_momentum``, the dropout rates) take effect at
        once, as in MLPClassifier, whose predict reads ``activation``; the
        layout (layer sizes, batch norm, dtype) is the fitted one until the
        next fit.
        """
        network = self._fitted_network()
        spec = network.spec
        asked = replace(
            spec,
            hidden_activation=self.activation,
            output_activation=self._output_activation(),
            batch_norm_momentum=self.batch_norm_momentum,
            dropout=self._dropout_rates(len(spec.layer_sizes) - 2, strict=False) or spec.dropout,
        )
        if asked != spec:
            self._network = network = network.with_spec(asked)
        return network

    # ----------------------------------------------------------------- fitting
    def _hidden_layer_sizes(self):
        return checked_hidden_layer_sizes(self.hidden_layer_sizes)

    def _dropout_rates(self, n_hidden, strict=True):
        """One dropout rate per hidden layer, each in [0, 1).

        With ``strict=False`` a ``dropout`` that does not fit ``n_hidden``
        layers gives None instead of raising.
        """
        rates = self.dropout
        rates = list(rates) if np.iterable(rates) else [rates] * n_hidden
        valid_count = len(rates) == n_hidden
        valid_rates = all(isinstance(rate, Real) and 0 <= rate < 1 for rate in rates)
        if not strict:
            return tuple(float(rate) for rate in rates) if valid_count and valid_rates else None
        if not valid_count:
            raise ValueError(
                f"dropout has {len(rates)} rates but the network has {n_hidden} hidden "
                "layers: give one float, or one rate per hidden layer."
            )
        if not valid_rates:
            raise ValueError(f"dropout rates must be floats in [0, 1), got {self.dropout!r}.")
        if self.solver == "lbfgs" and any(rates):
            raise ValueError(
                f"dropout needs a stochastic solver {_STOCHASTIC_SOLVERS}: L-BFGS needs the "
                "same loss at every evaluation."
            )
        return tuple(float(rate) for rate in rates)

    def _spec(self, n_features, n_outputs, dtype):
        """The NetworkSpec the current parameters ask for."""
        hidden = self._hidden_layer_sizes()
        return NetworkSpec(
            (n_features, *hidden, n_outputs), self.activation, self._output_activation(),
            np.dtype(dtype).name, batch_norm=bool(self.batch_norm),
            batch_norm_momentum=self.batch_norm_momentum, dropout=self._dropout_rates(len(hidden)),
        )

    def _fit(self, X, y, sample_weight=None, incremental=False):
        continuing = self.__sklearn_is_fitted__() and (self.warm_start or incremental)
        callbacks = validate_callbacks(self.callbacks)
        config = TrainConfig.from_params(self.get_params(deep=False))
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        X, Y = self._validate_input(X, y, incremental, reset=not continuing)
        sample_weight = validated_sample_weight(sample_weight, X, X.dtype)
        class_weights = self._class_sample_weight(Y, incremental)
        if class_weights is not None:
            sample_weight = class_weights if sample_weight is None else sample_weight * class_weights
        random_state = check_random_state(self.random_state)
        spec = (self._continued_spec(X.shape[1], Y.shape[1]) if continuing
                else self._spec(X.shape[1], Y.shape[1], X.dtype))
        self._check_batches(spec, X.shape[0], continuing)
        if continuing:
            network = self._network if spec == self._network.spec else self._network.with_spec(spec)
            state = self._train_state
        else:
            network = spec.build()
            initializers = layer_initializers(self.init, self.activation, len(network.layer_sizes) - 1)
            network.initialize(initializers, random_state)
            state = TrainState()
        self._network, self._train_state = network, state  # live: callbacks see the fit in progress
        data = tuple(None if a is None else a.astype(network.dtype, copy=False)
                     for a in (X, Y, sample_weight))
        if data[2] is not None:
            check_effective_weights(data[2])
        hooks = bind((*callbacks, SklearnCallbackBridge()), self)
        info = {"solver": self.solver, "incremental": incremental, "X": X, "y": y,
                "sample_weight": sample_weight}
        if self.solver == "lbfgs":
            train_lbfgs(network, state, config, data, hooks=hooks, info=info)
        else:
            train_stochastic(network, state, config, data, incremental=incremental,
                             random_state=random_state, hooks=hooks, info=info,
                             strata=self._validation_strata(Y), score=self._validation_score)
        if not np.isfinite(network.params).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )
        return self

    def _continued_spec(self, n_features, n_outputs):
        """The fitted network's spec under the current parameters, or a ValueError naming what changed."""
        network = self._network
        asked = self._spec(n_features, n_outputs, network.dtype)
        if asked.structure() != network.spec.structure():
            now_sizes, asked_sizes = network.layer_sizes, asked.layer_sizes
            if now_sizes[1:-1] != asked_sizes[1:-1]:
                problem = (f"hidden_layer_sizes is {asked_sizes[1:-1]} but the fitted network has "
                           f"hidden layers {now_sizes[1:-1]}")
            elif now_sizes[-1] != asked_sizes[-1]:
                problem = f"y has {asked_sizes[-1]} outputs but the network has {now_sizes[-1]}"
            else:
                problem = f"batch_norm is {asked.batch_norm} but the network was fitted with {network.batch_norm}"
            raise ValueError(
                f"Cannot continue training: {problem}. Set warm_start=False (or call fit "
                "instead of partial_fit) to start anew."
            )
        return asked

    def _check_batches(self, spec, n_samples, continuing):
        """Refuse, before anything is allocated, batches batch norm cannot use or memory cannot hold."""
        # L-BFGS runs one full batch; the trainer warns about a clipped batch_size itself.
        batch_size = (n_samples if self.solver == "lbfgs"
                      else resolve_batch_size(self.batch_size, n_samples, warn=False))
        if spec.batch_norm and batch_size < 2:
            raise ValueError(
                "batch_norm needs at least 2 samples per batch to normalize them, got "
                f"batch_size={self.batch_size!r} and {n_samples} sample(s): the variance of "
                "1 sample is 0. Use a larger batch_size or batch_norm=False."
            )
        check_fits_in_memory(spec, batch_size, self.solver, continuing)

    def _class_sample_weight(self, Y, incremental):
        """Per-sample weights from ``class_weight`` (classifier only)."""
        return None

    def summary(self, file=None):
        """Print the layer table: shapes in both notations, activations, parameter counts.

        Parameters
        ----------
        file : file-like, default=None
            Where to write; standard output by default.
        """
        print(layer_table(self), file=file)

    def _validated_input(self, X):
        check_is_fitted(self)
        return checked_X(self, X, reset=False, accept_sparse="csr", dtype=(np.float64, np.float32))

    def _decision_logits(self, X):
        """Validated forward pass up to the output logits ``Z[L]``, 2-D."""
        X = self._validated_input(X)
        return self._current_network().forward(X)

    def _predict_output(self, X):
        """Validated forward pass: probabilities or regression values, 2-D."""
        X = self._validated_input(X)
        return self._current_network().predict(X)

    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    @transactional
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains in float32, anything else in
            float64.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classification) or real values (regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _is_stochastic(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers; {self.solver!r} "
                "is not stochastic."
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class DeepNetClassifier(ClassifierMixin, _BaseDeepNet):
    _parameter_constraints: dict = {
        **_BaseDeepNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        init="mlp",
        dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.9,
        rho=0.9,
        weight_decay=0.01,
        warmup=0,
        lr_step_size=10,
        lr_step_gamma=0.5,
        clip_grad_norm=None,
        callbacks=None,
        class_weight=None,
    ):
        store_constructor_arguments(self, locals())

    def _output_activation(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"  # binary, or multilabel: one sigmoid per label

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        y = ravel_column_vector(y)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as "
                        f"in the previous call to fit. Previously got {self.classes_}, "
                        f"`y` has {classes}."
                    )
            elif len(np.setdiff1d(classes, self.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y)

    def _class_sample_weight(self, Y, incremental):
        """Per-sample weights ``class_weight[y_i]``, or None without class weights."""
        if self.class_weight is None:
            return None
        return class_sample_weight(self.class_weight, self._label_binarizer.y_type_, self.classes_,
                                    _class_indices(Y), incremental)

    def _validation_strata(self, Y):
        """Labels to stratify the early-stopping split on, exactly as MLPClassifier.

        MLPClassifier stratifies binary targets only (on the encoded column,
        which scikit-learn's splitter reads as the strings 'True'/'False'), so
        the same ``random_state`` holds out the same samples here. A class too
        small to stratify is an error from ``train_test_split`` itself.
        """
        return Y.astype(bool) if Y.shape[1] == 1 else None

    def _validation_score(self, network, X, Y, sample_weight):
        probabilities = network.predict(X)
        if not np.isfinite(probabilities).all():
            return np.nan
        decode = self._label_binarizer.inverse_transform
        return accuracy_score(decode(Y), decode(probabilities), sample_weight=sample_weight)

    @available_if(lambda est: est._is_stochastic())
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    @transactional
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch over ``X``, ``y``, keeping the optimizer state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every class that can appear in any call. Required on the first
            call, optional (and checked) afterwards.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self.classes_ = self._label_binarizer.classes_
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels, among ``classes_``.
        """
        probabilities = self._predict_output(X)
        if self.n_outputs_ == 1:
            probabilities = probabilities.ravel()
        return self._label_binarizer.inverse_transform(probabilities)

    def predict_proba(self, X):
        """Probability estimates, classes in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one, except in the multilabel case where each column
            is the probability of its own label.
        """
        check_is_fitted(self)
        if self.n_outputs_ == 1:
            # Both columns from the logit, so that neither rounds to 0 as 1 - p would.
            Z = self._decision_logits(X)
            return np.hstack([expit(-Z), expit(Z)])
        return self._predict_output(X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))`` without underflow to ``-inf``.
        """
        Z = self._decision_logits(X)
        if self.out_activation_ == "softmax":
            return Z - np.logaddexp.reduce(Z, axis=1, keepdims=True)
        if self.n_outputs_ == 1:
            Z = np.hstack([-Z, Z])
        return -np.logaddexp(0, -Z)  # log(sigmoid(z))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class DeepNetRegressor(RegressorMixin, _BaseDeepNet):
    _parameter_constraints: dict = {
        **_BaseDeepNet._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        init="mlp",
        dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.9,
        rho=0.9,
        weight_decay=0.01,
        warmup=0,
        lr_step_size=10,
        lr_step_gamma=0.5,
        clip_grad_norm=None,
        callbacks=None,
    ):
        store_constructor_arguments(self, locals())

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        y = ravel_column_vector(y)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' requires non-negative targets y; some are negative.")
        return X, y.reshape(len(y), -1)

    def _validation_strata(self, Y):
        return None

    def _validation_score(self, network, X, Y, sample_weight):
        prediction = network.predict(X)
        if not np.isfinite(prediction).all():
            return np.nan
        return r2_score(Y, prediction, sample_weight=sample_weight)

    @available_if(lambda est: est._is_stochastic())
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    @transactional
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over ``X``, ``y``, keeping the optimizer state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict target values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        """
        prediction = self._predict_output(X)
        return prediction.ravel() if prediction.shape[1] == 1 else prediction


DeepNetClassifier.__doc__ = CLASSIFIER_DOC
DeepNetRegressor.__doc__ = REGRESSOR_DOC
