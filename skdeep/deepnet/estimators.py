"""DeepNetClassifier and DeepNetRegressor: MLPClassifier's parameters and behaviour, and more.

The fit, the targets and the continuation check are the shared base's
(:mod:`skdeep._base.estimator`). This module supplies what DeepNet does its
own way: MLPClassifier's parameters, input checks (scikit-learn's
``validate_data``, sparse input), the :class:`~skdeep.nn.spec.NetworkSpec`
(batch norm, dropout, initializers), the
:class:`~skdeep.train.config.TrainConfig` read from the parameters,
L-BFGS or a stochastic solver, MLPClassifier's early-stopping strata,
``partial_fit`` and the fitted attributes MLPClassifier has (``coefs_``,
``intercepts_``, ``out_activation_``...).
"""

from dataclasses import replace
from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
from scipy.special import expit
from sklearn.base import _fit_context, is_classifier
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base.checks import checked_hidden_layer_sizes
from .._base.estimator import (
    CLASS_WEIGHT_CONSTRAINT,
    BaseNet,
    NetClassifier,
    NetRegressor,
    state_attribute,
    store_constructor_arguments,
)
from .._base.inputs import checked_X, ravel_column_vector
from .._base.targets import ClassLabels
from .._base.transactions import transactional
from ..nn.activations import ACTIVATIONS
from ..nn.initializers import INITIALIZERS, layer_initializers
from ..nn.network import Network
from ..nn.spec import NetworkSpec
from ..train.config import TrainConfig
from ..train.data import resolve_batch_size
from ..train.lbfgs import train_lbfgs
from ..train.memory import check_fits_in_memory
from ..train.optimizers import OPTIMIZERS
from ..train.schedules import SCHEDULES, continued_schedule
from ..train.sklearn_callbacks import with_callbacks
from ..train.trainer import train_stochastic
from ._docs import CLASSIFIER_DOC, REGRESSOR_DOC
from ._parameter_list import ParameterList
from .summary import layer_table

_STOCHASTIC_SOLVERS = tuple(OPTIMIZERS)


class _BaseDeepNet(BaseNet):
    """What DeepNetClassifier and DeepNetRegressor share; use one of them."""

    _network_type = Network
    _model_kind = "deepnet"
    _parameter_constraints: dict = {
        **BaseNet._parameter_constraints,
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", *_STOCHASTIC_SOLVERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"mlp", "auto", *INITIALIZERS})],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "batch_norm": ["boolean"],
        "batch_norm_momentum": [Interval(Real, 0, 1, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "lr_step_size": [Interval(Integral, 1, None, closed="left")],
        "lr_step_gamma": [Interval(Real, 0, 1, closed="right")],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
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

    def _current_spec(self, spec):
        """The fitted spec under ``activation``, ``loss``, ``batch_norm_momentum`` and the dropout rates."""
        return replace(
            spec,
            hidden_activation=self.activation,
            output_activation=self._output_activation(),
            batch_norm_momentum=self.batch_norm_momentum,
            dropout=self._dropout_rates(len(spec.layer_sizes) - 2, strict=False) or spec.dropout,
        )

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

    def _checked_data(self, X, y, incremental, continuing):
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True, y_numeric=not is_classifier(self),
                             dtype=(np.float64, np.float32), reset=not continuing)
        y = ravel_column_vector(y)
        self._check_targets(y)
        return X, y

    def _spec(self, n_features, n_outputs, dtype):
        """The NetworkSpec the current parameters ask for."""
        hidden = self._hidden_layer_sizes()
        return NetworkSpec(
            (n_features, *hidden, n_outputs), self.activation, self._output_activation(),
            np.dtype(dtype).name, batch_norm=bool(self.batch_norm),
            batch_norm_momentum=self.batch_norm_momentum, dropout=self._dropout_rates(len(hidden)),
        )

    def _structure(self, spec):
        # The inputs were checked with n_features_in_, the outputs with the targets, the dtype is kept.
        fitted = self._network.spec
        return [("hidden_layer_sizes", spec.layer_sizes[1:-1], fitted.layer_sizes[1:-1]),
                ("batch_norm", spec.batch_norm, fitted.batch_norm)]

    def _train_config(self, n_samples):
        return TrainConfig.from_params(self.get_params(deep=False))

    def _check_resources(self, spec, config, n_samples, continuing):
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

    def _initialize(self, network, random_state):
        network.initialize(layer_initializers(self.init, self.activation, len(network.layer_sizes) - 1),
                           random_state)

    def _validation_strata(self, targets, Y, config):
        """MLPClassifier's rule, so that the same ``random_state`` holds out the same samples.

        MLPClassifier stratifies binary targets only (on the encoded column,
        which scikit-learn's splitter reads as the strings 'True'/'False'). A
        class too small to stratify is an error from ``train_test_split``
        itself.
        """
        return Y.astype(bool) if is_classifier(self) and Y.shape[1] == 1 else None

    def _train(self, network, state, config, data, *, hooks, inputs, **stochastic):
        if self.solver == "lbfgs":
            train_lbfgs(network, state, config, data, hooks=hooks, inputs=inputs)
        else:
            train_stochastic(network, state, config, data, hooks=hooks, inputs=inputs, **stochastic)

    def _summary_text(self):
        return layer_table(self)

    def _network_input(self, X):
        return checked_X(self, X, reset=False, accept_sparse="csr", dtype=(np.float64, np.float32))

    def _decision_logits(self, X):
        """Validated forward pass up to the output logits ``Z[L]``, 2-D."""
        check_is_fitted(self)
        return self._current_network().forward(self._network_input(X))

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


class DeepNetClassifier(NetClassifier, _BaseDeepNet):
    _parameter_constraints: dict = {**_BaseDeepNet._parameter_constraints, "class_weight": CLASS_WEIGHT_CONSTRAINT}

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

    def _check_targets(self, y):
        check_classification_targets(y)

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
        known = getattr(self, "classes_", None)
        # MLPClassifier's rule and words: classes are required on the first call, checked afterwards.
        if known is None and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None and known is not None and not np.array_equal(known, unique_labels(classes)):
            raise ValueError(f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                             f"was: {known!r}")
        if known is None:
            self._targets = ClassLabels.fit(y if type_of_target(y).startswith("multilabel") else classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

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


class DeepNetRegressor(NetRegressor, _BaseDeepNet):
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

    def _check_targets(self, y):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' requires non-negative targets y; some are negative.")

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


DeepNetClassifier.__doc__ = CLASSIFIER_DOC
DeepNetRegressor.__doc__ = REGRESSOR_DOC
