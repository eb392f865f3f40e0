"""The ``"deepnet"`` kind of model file: DeepNetClassifier and DeepNetRegressor.

Their files have no ``kind`` field (as every file earlier versions wrote),
or ``"kind": "deepnet"``. Besides the envelope (:mod:`skdeep.io.envelope`:
``format``, ``format_version``, ``skdeep_version``, ``estimator``,
``params``, ``spec``, ``train_state``, ``n_features_in_`` and a
classifier's ``label_type``), the ``spec`` is a
:class:`~skdeep.nn.spec.NetworkSpec`, and the arrays are ``params`` and
``state`` (the batch-norm running statistics), the training state's
``best_params`` and ``best_state``, one ``optimizer_<name>`` per state array
of the optimizer (with ``include_optimizer=True``), ``classes`` and
``feature_names_in`` where they apply. Version-1 files are upgraded to
version 2's layout as they are read.

Like every kind, this module gives :mod:`skdeep.io.persistence`
:data:`KIND`, :data:`ARRAY_NAMES`, :func:`contents` (writing),
:func:`plan`, :func:`check_headers` and :func:`assemble` (reading).
"""

from dataclasses import dataclass

import numpy as np

from .._base.record import FittedModel
from ..deepnet.estimators import DeepNetClassifier, DeepNetRegressor
from ..nn.network import Network
from ..nn.spec import NetworkSpec
from ..nn.values import is_count
from ..train.optimizers import OPTIMIZERS
from .envelope import (FORMAT, MAX_HIDDEN_LAYERS, MAX_LABEL_CHARS, Expected, check_array_headers,
                       check_fields, check_finite, check_format_version, check_parameter_count,
                       check_variances, checked, checked_model, checked_targets, checked_train_state,
                       envelope, expected_classes, is_text_dtype)
from .model_file import expect, shorten

KIND = "deepnet"

ESTIMATORS = {"DeepNetClassifier": DeepNetClassifier, "DeepNetRegressor": DeepNetRegressor}
_METADATA_FIELDS = {"format", "format_version", "skdeep_version", "estimator", "params", "spec",
                    "train_state", "n_features_in_"}
#: Every array a DeepNet model file may hold besides the metadata.
ARRAY_NAMES = {"params", "state", "best_params", "best_state", "classes",
               "feature_names_in", *(f"optimizer_{name}" for optimizer in OPTIMIZERS.values()
                                     for name in optimizer.STATE_ARRAYS)}


# ------------------------------------------------------------------ writing
def contents(record, params, include_optimizer):
    """``(metadata, arrays, max_parameters load needs, size)`` of a fitted DeepNet model's record.

    ``params`` are its hyperparameters, ``callbacks`` already set to None;
    ``size`` says in words what sets the ``max_parameters`` needed.
    """
    network = record.network
    metadata, arrays = envelope(record, params, include_optimizer, {"state": network.state})
    return metadata, arrays, network.n_params, f"{network.n_params:,} parameters"


# ------------------------------------------------------------------ reading: the metadata
@dataclass
class _Plan:
    """The model the metadata describes, every JSON field checked and nothing allocated."""

    model: object  # the envelope's parts, checked (envelope.Model)
    spec: NetworkSpec
    n_params: int
    n_state: int


def plan(metadata, max_parameters):
    """Check every field of the metadata; no array has been read or allocated yet."""
    metadata, Estimator = _checked_envelope(metadata)
    spec = _checked_spec(metadata["spec"])
    n_params, n_state = _layout_sizes(spec)
    check_parameter_count(n_params, max_parameters)
    n_features = metadata["n_features_in_"]
    expect(is_count(n_features) and n_features == spec.layer_sizes[0],
           "n_features_in_ contradicts the layer sizes")
    return _Plan(checked_model(Estimator, metadata, spec), spec, n_params, n_state)


def _checked_envelope(metadata):
    """``(metadata in version 2's layout, estimator class)``, format and fields checked."""
    expect(isinstance(metadata, dict) and metadata.get("format") == FORMAT, "not an skdeep model file")
    # The kind was checked to be KIND (or absent, as save leaves it) before this is called.
    metadata = {key: value for key, value in metadata.items() if key != "kind"}
    check_format_version(metadata.get("format_version"))
    if metadata["format_version"] == 1:
        metadata = _upgrade_from_version_1(metadata)
    Estimator = ESTIMATORS.get(metadata.get("estimator"))
    expect(Estimator is not None, f"unknown estimator {shorten(metadata.get('estimator'))}")
    check_fields(metadata, _METADATA_FIELDS | ({"label_type"} if Estimator is DeepNetClassifier else set()))
    return metadata, Estimator


def _checked_spec(values):
    # Bound the lists before NetworkSpec walks them: the JSON may hold millions of entries.
    expect(isinstance(values, dict) and isinstance(values.get("layer_sizes"), list)
           and 2 <= len(values["layer_sizes"]) <= MAX_HIDDEN_LAYERS + 2,
           f"the spec must have between 2 and {MAX_HIDDEN_LAYERS + 2} layer sizes")
    expect(not isinstance(values.get("dropout"), list) or len(values["dropout"]) <= MAX_HIDDEN_LAYERS,
           "the spec has more dropout rates than hidden layers")
    return checked(NetworkSpec.from_dict, values)


def _layout_sizes(spec):
    """``(len(params), len(state))`` of a network of ``spec``, computed without building it.

    The layout is Network's: every ``W`` and ``b``, then with batch norm a
    ``gamma`` and a ``beta`` per hidden unit; the state holds a running mean
    and variance per hidden unit.
    """
    sizes = spec.layer_sizes
    n_weights = sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
    n_normalized = sum(sizes[1:-1]) if spec.batch_norm else 0
    return n_weights + sum(sizes[1:]) + 2 * n_normalized, 2 * n_normalized


def _upgrade_from_version_1(metadata):
    """Version-1 metadata in version 2's layout (the arrays are the same)."""
    fitted, network, params = metadata["fitted"], metadata["network"], metadata["params"]
    upgraded = {key: metadata[key] for key in ("format", "skdeep_version", "estimator", "params",
                                               "label_type") if key in metadata}
    upgraded["format_version"] = 2
    upgraded["spec"] = {**network, "hidden_activation": params.get("activation"),
                        "output_activation": fitted["out_activation_"]}
    upgraded["n_features_in_"] = fitted["n_features_in_"]
    history = [{key: record.get(key) for key in
                ("epoch", "loss", "validation_loss", "validation_score", "learning_rate", "seconds")}
               for record in fitted["history_"]]
    upgraded["train_state"] = {
        "n_iter_": fitted["n_iter_"], "t_": fitted["t_"], "loss_": fitted["loss_"],
        "loss_curve_": fitted["loss_curve_"], "best_loss_": fitted["best_loss_"],
        "validation_scores_": fitted["validation_scores_"],
        "best_validation_score_": fitted["best_validation_score_"], "history_": history,
        "no_improvement_count": 0, "schedule_epoch": len(fitted["loss_curve_"]), "schedule_state": {},
    }
    optimizer = metadata.get("optimizer")
    if optimizer is not None:
        solver = {cls.__name__: name for name, cls in OPTIMIZERS.items()}.get(optimizer["class"])
        upgraded["train_state"]["optimizer"] = {"solver": solver, "t": optimizer["t"]}
    return upgraded


# ------------------------------------------------------------------ reading: the arrays
def _expected_arrays(plan):
    """``(required, optional)``: array name -> Expected, from the metadata alone."""
    dtype = np.dtype(plan.spec.dtype)

    def vector(length):
        return Expected(((length,),), lambda found: found == dtype, dtype.name)

    required = {"params": vector(plan.n_params), "state": vector(plan.n_state)}
    optional = {"best_params": vector(plan.n_params), "best_state": vector(plan.n_state),
                "feature_names_in": Expected(((plan.spec.layer_sizes[0],),), is_text_dtype,
                                             f"strings of at most {MAX_LABEL_CHARS} characters")}
    optimizer = plan.model.train_state.get("optimizer")
    if optimizer is not None:
        required.update({f"optimizer_{name}": vector(plan.n_params)
                         for name in OPTIMIZERS[optimizer["solver"]].STATE_ARRAYS})
    if plan.model.n_classes:
        required["classes"] = expected_classes(plan.model.label_type, plan.model.n_classes)
    return required, optional


def check_headers(headers, plan):
    """Every array's shape and dtype against the metadata, before any array is decompressed.

    ``headers`` maps each array's name to its ``(shape, dtype)``.
    """
    check_array_headers(headers, *_expected_arrays(plan))


def assemble(plan, arrays):
    """The estimator, from the checked plan and the arrays (shapes and dtypes already checked)."""
    model, spec = plan.model, plan.spec
    network = Network(spec)
    for name in ("params", "state"):
        check_finite(name, arrays[name])
        getattr(network, name)[...] = arrays.pop(name)
    check_variances("state", spec, network.state)
    names = arrays.pop("feature_names_in", None)
    record = FittedModel(
        kind=KIND, estimator=model.Estimator.__name__, params=model.params, network=network,
        targets=checked_targets(model, arrays),
        train_state=checked_train_state(model.train_state, arrays, network, model.params),
        n_features_in=spec.layer_sizes[0], feature_names_in=None if names is None else names.astype(object),
    )
    return model.Estimator._from_record(record)
