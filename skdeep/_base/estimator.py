"""The estimator base both families share: the fit, the continuation check, the fitted views.

As in scikit-learn's ``BaseMultilayerPerceptron``, the whole fit lives here
(:meth:`BaseNet._fit`); a family (DeepNet, TabularNet) supplies only what
differs: how ``X`` and ``y`` are checked and encoded, the network spec, the
training configuration and recipe, and its few policies (below, each named
once). :class:`NetClassifier` and :class:`NetRegressor` add what a task
adds: its kind of targets (:mod:`skdeep._base.targets`), which ``predict``
decodes the network's outputs with.

A fit is a transaction (:mod:`skdeep._base.transactions`): everything is
checked first, and a call that raises leaves the estimator as it was.
"""

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..train.callbacks import bind, validate_callbacks
from ..train.sklearn_callbacks import CallbackSupportMixin, SklearnCallbackBridge, with_callbacks
from ..train.state import TrainState
from .checks import cannot_continue, check_effective_weights, validated_sample_weight
from .record import FittedModel
from .targets import ClassLabels, Values
from .transactions import transactional


def store_constructor_arguments(estimator, arguments):
    """Keep each constructor argument, unchanged, under its own name (scikit-learn's rule)."""
    for name, value in arguments.items():
        if name != "self":
            setattr(estimator, name, value)


def state_attribute(name, doc):
    """A fitted attribute read from the training state."""

    def getter(self):
        check_is_fitted(self)
        return getattr(self._train_state, name)

    return property(getter, doc=doc)


class TrainingViews:
    """The fitted attributes both estimator families read from their TrainState."""

    n_iter_ = state_attribute("n_iter_", "int: epochs (L-BFGS iterations) run by the last call.")
    t_ = state_attribute("t_", "int: training samples seen over the model's life.")
    loss_ = state_attribute("loss_", "float: training loss of the last epoch.")
    loss_curve_ = state_attribute("loss_curve_", "list of float: training loss of every epoch.")
    validation_scores_ = state_attribute(
        "validation_scores_", "list of float or None: validation score of every epoch.")
    best_validation_score_ = state_attribute(
        "best_validation_score_", "float or None: best validation score (its weights are kept).")
    history_ = state_attribute("history_", "list of dict: one record per epoch.")


#: The classifiers' ``class_weight`` (both families).
CLASS_WEIGHT_CONSTRAINT = [dict, StrOptions({"balanced"}), None]


class BaseNet(CallbackSupportMixin, TrainingViews, BaseEstimator):
    """The fit and the fitted model of every skdeep estimator; use a family's estimators.

    The fitted model is ``_network`` (its spec and weights), ``_train_state``
    (a :class:`~skdeep.train.state.TrainState`) and ``_targets`` (what the
    outputs mean). A family implements:

    ``_checked_data(X, y, incremental, continuing)``
        ``(X, y)``: ``X`` checked (names and width recorded unless
        ``continuing``) and encoded as the network's input, ``y`` checked.
    ``_network_input(X)``
        ``X`` of a fitted model checked (not recorded) and encoded.
    ``_spec(n_features, n_outputs, dtype)``, ``_current_spec(spec)``
        The spec the parameters ask for; the fitted spec under the current
        parameters (those that leave the parameter layout alone).
    ``_structure(spec)``
        ``(name, asked, fitted)`` of every parameter a continued fit must keep.
    ``_train_config(n_samples)``, ``_check_resources(spec, config, n_samples, continuing)``,
    ``_initialize(network, random_state)``, ``_train(network, state, config, data, **arguments)``
        The training: its configuration, what to refuse before allocating,
        the initial weights, and the training run itself.
    ``_network_type``
        The network class a fresh fit builds from the spec.
    ``_hidden_layer_sizes()``, ``_output_activation()``, ``_summary_text()``
    """

    # The parameters both families have, with the same meaning and range.
    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "warmup": [Interval(Integral, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [None, Sequence],
    }

    #: Policy, the trainer's ``reset`` (:meth:`~skdeep.train.state.TrainState.begin_call`):
    #: ``'carry_over'`` carries the stopping rule's best weights, score and patience over
    #: from the fits before, as MLPClassifier does (DeepNet); ``'per_fit'`` makes a
    #: warm-started fit keep the weights of its own best epoch (TabularNet).
    _reset_policy = "carry_over"

    #: The network class a fresh fit builds from the family's spec (it takes the spec alone).
    _network_type = None

    #: The kind of model file the family's models are saved as (:mod:`skdeep.io`'s registry).
    _model_kind = None

    # ----------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    @transactional
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            The input data. DeepNet takes numbers (float32 input trains in
            float32, anything else in float64); TabularNet takes the raw
            table: numeric, boolean and categorical (category, object or
            string) columns, missing values as NaN, None or ``pd.NA``.
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

    def _fit(self, X, y, sample_weight=None, incremental=False):
        """One call of fit or partial_fit (``incremental``), run by the transactional methods."""
        continuing = self.__sklearn_is_fitted__() and (self.warm_start or incremental)
        callbacks = validate_callbacks(self.callbacks)
        X_train, y_checked = self._checked_data(X, y, incremental, continuing)
        sample_weight = validated_sample_weight(sample_weight, X_train, np.float64)
        # partial_fit's first call has its targets already (from its classes argument).
        keep_targets = "_targets" in self.__dict__ and (self.warm_start or incremental)
        targets = (self._targets.continued(y_checked, incremental) if keep_targets
                   else self._new_targets(y_checked, sample_weight))
        self._targets = targets
        Y = self._encoded_targets(targets, y_checked)
        class_weights = self._class_weights(targets, Y, incremental)
        if class_weights is not None:
            sample_weight = class_weights if sample_weight is None else sample_weight * class_weights
        spec = self._spec(X_train.shape[1], Y.shape[1], self._network.dtype if continuing else X_train.dtype)
        if continuing:
            self._check_structure(spec, incremental)
        config = self._train_config(X_train.shape[0])
        self._check_resources(spec, config, X_train.shape[0], continuing)
        random_state = check_random_state(self.random_state)
        if continuing:
            network = self._network if spec == self._network.spec else self._network.with_spec(spec)
            state = self._train_state
        else:
            network = self._network_type(spec)
            self._initialize(network, random_state)
            state = TrainState()
        self._network, self._train_state = network, state  # live: callbacks see the fit in progress
        data = tuple(None if a is None else a.astype(network.dtype, copy=False)
                     for a in (X_train, Y, sample_weight))
        if data[2] is not None:
            check_effective_weights(data[2], sample_weight)
        self._train(network, state, config, data, incremental=incremental, random_state=random_state,
                    hooks=bind((*callbacks, SklearnCallbackBridge()), self), inputs=(X, y, data[2]),
                    strata=self._validation_strata(targets, Y, config), score=targets.score,
                    reset=self._reset_policy)
        if not np.isfinite(network.params).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )
        return self

    def _encoded_targets(self, targets, y):
        return targets.encode(y)

    def _check_structure(self, spec, incremental):
        """Refuse to continue the fitted model under another structure, naming what changed."""
        for name, asked, fitted in self._structure(spec):
            if asked != fitted:
                raise cannot_continue(f"{name} is {asked!r} but the model was fitted with {fitted!r}",
                                      incremental)

    def _validation_strata(self, targets, Y, config):
        """Policy: the labels to stratify the validation split on, or None.

        Each class on both sides of the split where it can be (the targets'
        rule); DeepNet states MLPClassifier's rule instead.
        """
        return targets.strata(Y, config.validation_fraction) if config.early_stopping else None

    # ----------------------------------------------------------------- the fitted model
    def __sklearn_is_fitted__(self):
        return "_network" in self.__dict__

    def _fitted_network(self):
        check_is_fitted(self)
        return self._network

    def _current_network(self):
        """The fitted network under the current parameters.

        Parameters that leave the parameter layout alone (the activations,
        the dropout rates, ...) take effect at once, as in MLPClassifier,
        whose predict reads ``activation``; the layout is the fitted one until
        the next fit. A view sharing the fitted weights: the estimator is not
        changed.
        """
        network = self._fitted_network()
        asked = self._current_spec(network.spec)
        return network if asked == network.spec else network.with_spec(asked)

    def _predict_output(self, X):
        """The network's outputs for ``X``: probabilities or (encoded) values, 2-D."""
        check_is_fitted(self)
        return self._current_network().predict(self._network_input(X))

    def predict(self, X):
        """Predict class labels (a classifier) or target values (a regressor).

        A classifier predicts the most probable class, or every label whose
        probability is above 1/2 for multilabel targets; a regressor predicts
        values in the units of ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            The input data, as ``fit`` takes it.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted labels (among ``classes_``) or values.
        """
        outputs = self._predict_output(X)  # first: it raises NotFittedError on an unfitted model
        return self._targets.decode(outputs)

    def summary(self, file=None):
        """Print the fitted model: its layers, their shapes and parameter counts.

        TabularNet also prints its preprocessing and how its last fit ended.

        Parameters
        ----------
        file : file-like, default=None
            Where to write; standard output by default.
        """
        print(self._summary_text(), file=file)

    # ----------------------------------------------------------------- model files
    # io reads and writes fitted models through these methods only (skdeep._base.record).
    def _to_record(self):
        """The fitted model as a :class:`~skdeep._base.record.FittedModel`, for io to save."""
        network = self._current_network()  # first: it raises NotFittedError on an unfitted model
        return FittedModel(
            kind=self._model_kind, estimator=type(self).__name__, params=self.get_params(),
            network=network, train_state=self._train_state, targets=self._targets,
            n_features_in=self.n_features_in_, feature_names_in=getattr(self, "feature_names_in_", None),
            **self._record_parts(),
        )

    @classmethod
    def _from_record(cls, record):
        """The fitted estimator a checked :class:`~skdeep._base.record.FittedModel` describes.

        io has checked every part against the others; the record's parts
        become the estimator's (none is copied).
        """
        estimator = cls()
        estimator.set_params(**record.params)
        estimator.n_features_in_ = record.n_features_in
        if record.feature_names_in is not None:
            estimator.feature_names_in_ = record.feature_names_in
        estimator._restore_record_parts(record)
        estimator._targets = record.targets
        estimator._network = record.network
        estimator._train_state = record.train_state
        return estimator

    @classmethod
    def _check_record_params(cls, params, targets=None):
        """Check saved hyperparameters as ``fit`` checks them; the output activation they give.

        Parameters
        ----------
        params : dict
            The hyperparameters, as ``set_params`` takes them.
        targets : ClassLabels, default=None
            A classifier's targets (their label type is enough).

        Returns
        -------
        output_activation : str or None
            What the output layer of a model of these hyperparameters (and
            targets) is; None for a classifier given no targets.

        Raises
        ------
        ValueError or TypeError
            A hyperparameter is of a wrong type or out of range.
        """
        estimator = cls()
        estimator.set_params(**params)
        estimator._validate_params()  # scikit-learn's own checks: types and ranges
        estimator._hidden_layer_sizes()  # "array-like" lets any list through
        if targets is not None:
            estimator._targets = targets
        elif cls._targets_type is ClassLabels:
            return None
        return estimator._output_activation()

    def _record_parts(self):
        """The family's own parts of its record (TabularNet: the preprocessor)."""
        return {}

    def _restore_record_parts(self, record):
        """Take the family's own parts from ``record``."""

    # ----------------------------------------------------------------- pickles
    # A pickle (or a joblib or skops file) holds the targets as the attributes
    # earlier versions had (``_label_binarizer`` and ``classes_``, or ``y_mean_``,
    # ``y_scale_`` and ``_y_ndim``): files of earlier versions load as they are,
    # and skops needs no skdeep type beyond the estimator, its network and state.
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: Python's default state is the live __dict__
        targets = state.pop("_targets", None)
        if targets is not None:
            state.update(targets.as_attributes())
        return state

    def __setstate__(self, state):
        state = dict(state)
        targets = self._targets_type.from_attributes(state)
        super().__setstate__(state)
        if targets is not None:
            self._targets = targets


class NetClassifier(ClassifierMixin):
    """What a classifier of either family adds to :class:`BaseNet`: class labels."""

    _targets_type = ClassLabels

    @property
    def classes_(self):
        """ndarray of shape (n_classes,): the class labels (label indices for multilabel ``y``)."""
        return self._targets.classes

    @classes_.setter
    def classes_(self, classes):
        # Relabels the fitted classes: predict, save and the ONNX export all follow (earlier
        # versions, like MLPClassifier, changed classes_ alone and kept predicting the old labels).
        self._targets = self._targets.with_classes(classes)

    def _new_targets(self, y, sample_weight):
        return ClassLabels.fit(y)

    def _class_weights(self, targets, Y, incremental):
        return targets.sample_weights(self.class_weight, Y, incremental)

    def _output_activation(self):
        return self._targets.output_activation

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class NetRegressor(RegressorMixin):
    """What a regressor of either family adds to :class:`BaseNet`: real-valued targets."""

    _targets_type = Values
    #: Policy: whether the targets are learned standardized (TabularNet) or as they are (DeepNet).
    _standardize_targets = False

    def _new_targets(self, y, sample_weight):
        return Values.fit(y, sample_weight, standardize=self._standardize_targets)

    def _class_weights(self, targets, Y, incremental):
        return None
