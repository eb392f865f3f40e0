"""The fitted-model record: what an estimator hands to io, and is rebuilt from.

A model file holds a fitted estimator's hyperparameters, network, training
state, targets and input columns (and a TabularNet's fitted preprocessing).
The estimator gathers them into one :class:`FittedModel` (its
``_to_record()``) and is rebuilt from one (``_from_record(record)``): those
two methods are the only place that reads and writes the estimator's private
attributes for persistence, so that io (:mod:`skdeep.io`) never touches
them. The record lives here, below both the estimators and io, so that each
imports it without importing the other.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FittedModel:
    """One fitted model, as a model file holds it.

    Attributes
    ----------
    kind : str
        The kind of model file: ``"deepnet"`` or ``"tabularnet"``.
    estimator : str
        The estimator's class name, e.g. ``"DeepNetClassifier"``.
    params : dict
        The hyperparameters, as ``get_params()`` gives them.
    network : Network or EnsembleNetwork
        The network as ``predict`` computes with it: the fitted weights under
        the current hyperparameters (those that leave the parameter layout
        alone, such as ``activation``, take effect at once).
    train_state : TrainState
        Counters, curves, the stopping rule's state, the schedule's position
        and the optimizer's state.
    targets : ClassLabels or Values
        What the network's outputs mean (:mod:`skdeep._base.targets`).
    n_features_in : int
        Input columns seen by ``fit``.
    feature_names_in : ndarray of str objects or None
        Their names, when ``fit`` saw named columns.
    preprocessor : TabularPreprocessor or None
        A TabularNet's fitted preprocessing; None for DeepNet.
    """

    kind: str
    estimator: str
    params: dict
    network: object
    train_state: object
    targets: object
    n_features_in: int
    feature_names_in: object = None
    preprocessor: object = None
