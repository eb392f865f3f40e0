"""Save and load fitted estimators without pickle: plain arrays plus JSON metadata.

Unpickling a file runs whatever code its author put in it, so a model passed
around as a pickle is only as safe as its sender. ``save`` writes one ``.npz``
file (a zip of ``.npy`` arrays) holding numeric arrays and a JSON document
stored as bytes. ``load`` treats every file as hostile. In order, it

1. checks the file's size, the zip's end records (the member count and the
   directory's size, before the directory is parsed), and the zip's
   directory: known member names, and an uncompressed total within the
   limits (read from the directory, so nothing is decompressed yet);
2. reads the JSON metadata, capped at ``MAX_METADATA_BYTES``, and checks every
   field's type and range. It derives from the network's spec the shape and
   dtype of every array, after bounding the parameter count;
3. reads each array's ``.npy`` header (a few hundred bytes) and checks it
   against that expectation, the member's uncompressed size against the
   header, and the arrays' total size against what a network of the
   declared parameter count may take;
4. only then decompresses the arrays, never with pickle, and checks their
   values (finite weights, non-negative variances and second moments, sorted
   labels, ...).

A truncated, corrupted, tampered or oversized file is refused with
:class:`InvalidModelFile`, never half-loaded, within memory and time bounded
by the limits below.

This module is the skdeep model format: the metadata's fields, what the spec
and training state must be, which arrays of which shapes they imply, and how
the estimator is built from them. A file holds one *kind* of model, named by
the metadata's ``kind`` field: ``"deepnet"`` (DeepNetClassifier and
DeepNetRegressor; the field is absent from their files, as in every file
earlier versions wrote) is read here, ``"tabularnet"`` (TabularNetClassifier
and TabularNetRegressor) by :mod:`skdeep.io.tabular_format`, which reuses this
module's checks. The container, which steps 1 and 3 and the reads of steps 2
and 4 go through, and the atomic write are in :mod:`skdeep.io.model_file`;
this module passes it the limits.
"""

import json
import math
import os
from dataclasses import dataclass, replace
from numbers import Integral, Real

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..deepnet.estimators import DeepNetClassifier, DeepNetRegressor
from .._base.targets import ClassLabels, Values
from .._version import __version__
from .._warn import warn
from ..nn.network import Network
from ..nn.spec import NetworkSpec
from ..nn.values import is_count, is_number, is_rate
from ..tabular.estimators import TabularNetClassifier, TabularNetRegressor
from ..train.config import TrainConfig
from ..train.optimizers import OPTIMIZERS, make_optimizer
from ..train.schedules import SCHEDULES, make_schedule
from ..train.state import TrainState
# InvalidModelFile lives with the container, which raises it too; it is imported here so that
# skdeep.io.persistence.InvalidModelFile, where it has always been, still names it.
from .model_file import InvalidModelFile, ModelFileReader, expect, open_for_reading, shorten, write_model_file

FORMAT = "skdeep"
FORMAT_VERSION = 2
#: The kind of model a file holds when its metadata has no ``kind`` field.
DEEPNET = "deepnet"

# ------------------------------------------------------------------ limits of load
#: Default cap on the network's parameter count (weights, biases, batch-norm
#: scales and shifts). A float64 parameter vector of this length takes 80 MB.
MAX_PARAMETERS = 10_000_000
#: Cap on the number of hidden layers, each of which becomes Python objects.
MAX_HIDDEN_LAYERS = 1_000
#: Cap on the JSON metadata, in bytes.
MAX_METADATA_BYTES = 16 * 2**20
#: Cap on the length of one class label or feature name, in characters.
MAX_LABEL_CHARS = 4_096
# The uncompressed arrays may take this many bytes per parameter: room for
# eight float64 vectors, where a model file holds at most four parameter
# vectors (params, best_params, two optimizer moments) and two smaller state
# vectors, plus the labels and feature names. It bounds the members by the
# allowed parameter count as the file is opened, and the arrays by the
# network's own parameter count (plus _BYTES_OF_TEXT) once the metadata and
# headers are read, before any array is decompressed.
_BYTES_PER_PARAMETER = 64
# Room beyond _BYTES_PER_PARAMETER for the labels, feature names and categories
# of a small network; a string array of n items of up to MAX_LABEL_CHARS
# characters takes 4 * MAX_LABEL_CHARS bytes an item, and as much again once
# decoded to Python strings.
_BYTES_OF_TEXT = 16 * 2**20
# Counters are int64-sized in any real training run.
_MAX_COUNT = 2**63 - 1
# The 'adaptive' schedule divides the rate by 5 until it is at most 1e-6; even
# from the largest float that takes fewer than 500 divisions. Its rate()
# loops once per division, so a huge count would hang training.
_MAX_SCHEDULE_COUNT = 1_000

_ESTIMATORS = {"DeepNetClassifier": DeepNetClassifier, "DeepNetRegressor": DeepNetRegressor}
_TABULAR_ESTIMATORS = (TabularNetClassifier, TabularNetRegressor)
_METADATA_FIELDS = {"format", "format_version", "skdeep_version", "estimator", "params", "spec",
                    "train_state", "n_features_in_"}
_LABEL_TYPES = ("binary", "multiclass", "multilabel-indicator")
# The arrays besides the metadata; ModelFileReader refuses any other member.
_ARRAY_NAMES = {"params", "state", "best_params", "best_state", "classes",
                "feature_names_in", *(f"optimizer_{name}" for optimizer in OPTIMIZERS.values()
                                      for name in optimizer.STATE_ARRAYS)}


def save(estimator, path, *, include_optimizer=False):
    """Write a fitted estimator to ``path`` as arrays and JSON, atomically.

    The file holds the hyperparameters, the network's spec (its architecture),
    its parameters and running statistics, the training state (counters,
    curves, history, the stopping rule's patience and best weights, the
    schedule's position) and, on request, the optimizer's state.

    A TabularNet model also keeps its fitted preprocessing (the column
    kinds, the numeric statistics and bin edges, the categories) and its
    target encoding (the classes, or the regression targets' mean and
    scale); see :mod:`skdeep.io.tabular_format`.

    Parameters
    ----------
    estimator : DeepNetClassifier, DeepNetRegressor, TabularNetClassifier or TabularNetRegressor
        A fitted estimator. ``random_state`` must be an int or None.
    path : str or os.PathLike
        Destination file (conventionally ending in ``.npz``). It is written to
        a temporary file beside it and renamed into place, so a crash never
        leaves a half-written model under ``path``. If ``path`` is a symbolic
        link, the file it points to is replaced and the link kept. A new file
        gets the mode ``open()`` would give it, ``0o666`` less the umask.
    include_optimizer : bool, default=False
        Also save the optimizer's moments, so that ``partial_fit`` after
        :func:`load` continues exactly where training stopped (bit for bit).
        Without them ``partial_fit`` starts a fresh optimizer. (The
        TabularNet estimators have no ``partial_fit``: their ``fit``, warm
        started or not, always starts a fresh optimizer, so for them the
        moments are kept for inspection only.)

    Raises
    ------
    TypeError
        ``estimator`` is not one of the four skdeep estimators (for instance
        a Pipeline), or a hyperparameter is not plain data, such as a
        ``RandomState`` as ``random_state``.
    ValueError
        A hyperparameter set after training is one :func:`load` would refuse
        (such as a ``class_weight`` naming a class not in ``classes_``).
    OSError
        The file cannot be written; the error names ``path``.

    Notes
    -----
    ``callbacks`` are Python code and are not saved (a warning says so).
    """
    _check_savable(estimator)
    check_is_fitted(estimator)
    params = estimator.get_params()
    if params.get("callbacks"):
        warn("callbacks are code and are not saved; the loaded model has callbacks=None.")
    params["callbacks"] = None
    if isinstance(estimator, _TABULAR_ESTIMATORS):
        metadata, arrays, needed, size = _tabular().contents(estimator, params, include_optimizer)
    else:
        metadata, arrays, needed, size = _contents(estimator, params, include_optimizer)
    _check_loadable_params(estimator, metadata["params"])
    _check_loadable(metadata, arrays)
    if needed > MAX_PARAMETERS:
        warn(
            f"The model has {size}, more than load's default limit of {MAX_PARAMETERS:,} parameters "
            f"allows: load it with skdeep.load(path, max_parameters={needed})."
        )
    write_model_file(path, metadata, arrays)


def _contents(estimator, params, include_optimizer):
    """``(metadata, arrays, max_parameters load needs, size)`` of a fitted DeepNet estimator.

    ``size`` says in words what sets the ``max_parameters`` needed.
    """
    network = estimator._current_network()
    metadata, arrays = envelope(estimator, network, params, include_optimizer, {"state": network.state})
    return metadata, arrays, network.n_params, f"{network.n_params:,} parameters"


def envelope(estimator, network, params, include_optimizer, network_arrays):
    """What every kind of model file holds: ``(metadata, arrays)`` to add the kind's own to.

    The format and versions, the estimator's class and hyperparameters, the
    network's spec, parameters (and ``network_arrays``), the training state,
    the input columns, and a classifier's classes.
    """
    state_values, state_arrays = estimator._train_state.to_dict(include_optimizer=include_optimizer)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skdeep_version": __version__,
        "estimator": type(estimator).__name__,
        "params": _plain_params(params),
        "spec": network.spec.to_dict(),
        "train_state": state_values,
        "n_features_in_": int(estimator.n_features_in_),
    }
    arrays = {"params": network.params, **network_arrays, **state_arrays}
    if hasattr(estimator, "feature_names_in_"):
        arrays["feature_names_in"] = np.asarray(estimator.feature_names_in_, dtype=str)
    target_fields, target_arrays = _target_contents(estimator._targets)
    metadata.update(target_fields)
    arrays.update(target_arrays)
    return metadata, arrays


def _target_contents(targets):
    """``(metadata fields, arrays)`` of the targets, the one place they are written.

    Class labels: their ``label_type`` and ``classes``. Standardized values
    (TabularNet): ``y_ndim`` (1 for one output, which predict ravels), the
    ``y_mean`` and the ``y_scale``. Values learned as they are: nothing.
    """
    if isinstance(targets, ClassLabels):
        return {"label_type": targets.label_type}, {"classes": _plain_array(targets.classes)}
    if not targets.standardized:
        return {}, {}
    return ({"y_ndim": 1 if targets.n_outputs == 1 else 2},
            {"y_mean": np.asarray(targets.mean), "y_scale": np.asarray(targets.scale)})


def load(path, *, max_parameters=MAX_PARAMETERS):
    """Read a model written by :func:`save`, treating the file as untrusted.

    Loading never runs code from the file, and its memory and time are
    bounded by the limits below whatever the file holds. Every field is
    checked before the estimator is built.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save` (this version's format, or version 1).
    max_parameters : int, default=MAX_PARAMETERS
        Refuse a network with more parameters than this (10 million by
        default), before allocating anything for it. The uncompressed arrays
        may take at most 64 bytes per allowed parameter, and the file about as
        much; once the network's own parameter count is known, at most 64
        bytes per parameter it has, plus 16 MiB. Raise it to load a larger
        model you expect.

    Returns
    -------
    estimator : DeepNetClassifier, DeepNetRegressor, TabularNetClassifier or TabularNetRegressor
        The fitted estimator; it predicts bit-identically to the saved one,
        and training it further continues as the saved one would have.

    Raises
    ------
    InvalidModelFile
        The file is not a complete, consistent skdeep model of a format this
        version reads, or it exceeds the limits: not a zip, truncated,
        corrupted, tampered, unknown fields, object arrays, non-finite
        weights, a future format version, too many parameters, a compression
        bomb, ...

    Notes
    -----
    Limits besides ``max_parameters``: ``MAX_HIDDEN_LAYERS`` hidden layers,
    ``MAX_METADATA_BYTES`` (16 MiB) of JSON, ``MAX_LABEL_CHARS`` characters
    per class label, feature name or category. A TabularNet model may also
    have at most one encoded feature (network input) per 10 allowed
    parameters and one input column per 100
    (:mod:`skdeep.io.tabular_format`).
    """
    _expect_argument(isinstance(max_parameters, Integral) and not isinstance(max_parameters, bool)
                     and max_parameters > 0, f"max_parameters must be a positive int, got {max_parameters!r}")
    with open_for_reading(path) as file:
        try:
            return _read_model(file, int(max_parameters))
        except MemoryError:  # within the limits: a machine too small for a model of legitimate size
            raise
        except Exception as error:  # any other failure means the file is not a valid model
            raise InvalidModelFile(
                f"{os.fspath(path)!r} is not a valid skdeep model file: {shorten(error, 1000)}"
            ) from error


# ------------------------------------------------------------------ reading
def _read_model(file, max_parameters):
    """The estimator in an open model file; everything is checked before it is decompressed."""
    uncompressed_limit = _BYTES_PER_PARAMETER * max_parameters + MAX_METADATA_BYTES
    # The kind is in the metadata, read after the directory: accept the members of every kind
    # here, and let the kind's header check refuse those it does not have.
    array_names = _ARRAY_NAMES | _tabular().ARRAY_NAMES
    with ModelFileReader(file, array_names=array_names, max_uncompressed=uncompressed_limit) as reader:
        metadata = reader.read_metadata(max_bytes=MAX_METADATA_BYTES)
        plan_of, check_headers, assemble = _reader_of_kind(metadata)
        plan = plan_of(metadata, max_parameters)
        # Member names were checked when the file was opened; each header read is bounded.
        headers = {name: reader.read_header(name) for name in reader.array_names}
        check_headers(headers, plan)
        _check_array_bytes(headers, plan.n_params)
        arrays = {name: reader.read_array(name) for name in reader.array_names}
    return assemble(plan, arrays)


def _reader_of_kind(metadata):
    """``(plan, check_headers, assemble)`` of the kind of model ``metadata`` describes."""
    expect(isinstance(metadata, dict) and metadata.get("format") == FORMAT, "not an skdeep model file")
    kind = metadata.get("kind", DEEPNET)
    if kind == DEEPNET:
        return _plan, _check_headers, _assemble
    tabular = _tabular()
    expect(kind == tabular.KIND, f"unknown model kind {shorten(kind)}; this skdeep reads "
           f"{DEEPNET!r} and {tabular.KIND!r} models")
    return tabular.plan, tabular.check_headers, tabular.assemble


def _tabular():
    """:mod:`skdeep.io.tabular_format`, imported when first needed: it imports this module."""
    from . import tabular_format

    return tabular_format


# ------------------------------------------------------------------ reading: the metadata
@dataclass
class _Plan:
    """The model the metadata describes, every JSON field checked and nothing allocated."""

    estimator: object  # a new estimator with the saved hyperparameters
    spec: NetworkSpec
    n_params: int
    n_state: int
    n_classes: int  # 0 for a regressor
    label_type: str
    train_state: dict


def _plan(metadata, max_parameters):
    """Check every field of the metadata; no array has been read or allocated yet."""
    metadata, Estimator = _checked_envelope(metadata)
    spec = _checked_spec(metadata["spec"])
    n_params, n_state = _layout_sizes(spec)
    _check_parameter_count(n_params, max_parameters)
    n_features = metadata["n_features_in_"]
    expect(is_count(n_features) and n_features == spec.layer_sizes[0],
           "n_features_in_ contradicts the layer sizes")
    estimator, label_type, n_classes = _estimator_of(Estimator, DeepNetClassifier, metadata, spec)
    expect(spec.output_activation == estimator._output_activation(),
           "the output activation contradicts the estimator")
    _check_train_state(metadata["train_state"], estimator)
    return _Plan(estimator, spec, n_params, n_state, n_classes, label_type, metadata["train_state"])


def _checked_envelope(metadata):
    """``(metadata in version 2's layout, estimator class)``, format and fields checked."""
    expect(isinstance(metadata, dict) and metadata.get("format") == FORMAT, "not an skdeep model file")
    # The kind was checked to be DEEPNET (or absent, as save leaves it) before this is called.
    metadata = {key: value for key, value in metadata.items() if key != "kind"}
    _check_format_version(metadata.get("format_version"))
    if metadata["format_version"] == 1:
        metadata = _upgrade_from_version_1(metadata)
    Estimator = _ESTIMATORS.get(metadata.get("estimator"))
    expect(Estimator is not None, f"unknown estimator {shorten(metadata.get('estimator'))}")
    fields = _METADATA_FIELDS | ({"label_type"} if Estimator is DeepNetClassifier else set())
    expect(set(metadata) <= fields, f"unknown metadata fields {shorten(sorted(set(metadata) - fields))}")
    expect(set(metadata) >= fields, f"missing metadata fields {sorted(fields - set(metadata))}")
    expect(isinstance(metadata["skdeep_version"], str) and len(metadata["skdeep_version"]) <= 100,
           "skdeep_version must be a short string")
    return metadata, Estimator


def _check_format_version(version):
    expect(is_count(version) and 1 <= version <= FORMAT_VERSION,
           f"format version {shorten(version)}; this skdeep reads versions 1 to {FORMAT_VERSION}")


def _check_parameter_count(n_params, max_parameters):
    expect(n_params <= max_parameters, f"the network has {n_params} parameters, more than the limit "
           f"of {max_parameters} (pass a larger max_parameters to load a model you expect)")


def _checked_spec(values):
    # Bound the lists before NetworkSpec walks them: the JSON may hold millions of entries.
    expect(isinstance(values, dict) and isinstance(values.get("layer_sizes"), list)
           and 2 <= len(values["layer_sizes"]) <= MAX_HIDDEN_LAYERS + 2,
           f"the spec must have between 2 and {MAX_HIDDEN_LAYERS + 2} layer sizes")
    expect(not isinstance(values.get("dropout"), list) or len(values["dropout"]) <= MAX_HIDDEN_LAYERS,
           "the spec has more dropout rates than hidden layers")
    return _checked(NetworkSpec.from_dict, values)


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


def _n_classes(label_type, spec):
    """How many classes the output layer encodes for ``label_type``."""
    expect(label_type in _LABEL_TYPES, f"invalid label type {shorten(label_type)}")
    n_outputs = spec.layer_sizes[-1]
    if label_type == "binary":
        expect(n_outputs == 1, "a binary classifier has one output unit")
        return 2
    expect(n_outputs >= 2, f"a {label_type} classifier has at least two output units")
    return n_outputs


def _estimator_of(Estimator, classifier_class, metadata, spec):
    """``(estimator, label_type, n_classes)``: the estimator with the saved hyperparameters.

    For a classifier (``Estimator is classifier_class``) the label type is
    checked against the spec and the label binarizer is ready for the classes,
    which come with the arrays; a regressor has ``n_classes`` 0.
    """
    label_type = metadata.get("label_type")
    n_classes = _n_classes(label_type, spec) if Estimator is classifier_class else 0
    estimator = _estimator_with_params(Estimator, metadata["params"], n_classes)
    if n_classes:
        estimator._targets = ClassLabels(label_type)  # its classes come with the arrays
    return estimator, label_type, n_classes


def _estimator_with_params(Estimator, params, n_classes):
    """A new estimator with the saved hyperparameters, each checked for type and range."""
    estimator = Estimator()
    expect(isinstance(params, dict) and set(params) == set(estimator.get_params()),
           "the hyperparameters do not match the estimator's")
    estimator.set_params(**_params_from_json(params, n_classes))
    _checked(estimator._validate_params)  # scikit-learn's own checks: types and ranges
    _checked(estimator._hidden_layer_sizes)  # "array-like" lets any list through
    return estimator


def _params_from_json(params, n_classes):
    """The hyperparameters as the estimator takes them, after the checks scikit-learn lacks."""
    params = dict(params)
    expect(params["callbacks"] is None, "callbacks are code and never saved: 'callbacks' must be None")
    expect(params["random_state"] is None or is_count(params["random_state"]),
           "random_state must be an int or None")
    for name in ("hidden_layer_sizes", "dropout"):
        # A number or a list in JSON (scikit-learn's "array-like" would let a dict through).
        expect(isinstance(params[name], (Real, list)) and not isinstance(params[name], bool),
               f"{name} must be a number or a list")
        expect(not isinstance(params[name], list) or len(params[name]) <= MAX_HIDDEN_LAYERS,
               f"{name} lists more than {MAX_HIDDEN_LAYERS} hidden layers")
    rates = params["dropout"] if isinstance(params["dropout"], list) else [params["dropout"]]
    expect(all(is_rate(rate) for rate in rates),
           f"dropout rates must be numbers in [0, 1), got {shorten(params['dropout'])}")
    if isinstance(params["hidden_layer_sizes"], list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    if "class_weight" in params:
        params["class_weight"] = _class_weight_from_json(params["class_weight"], n_classes)
    return params


def _class_weight_from_json(value, n_classes):
    """None, 'balanced' or a dict; dicts with non-string labels are saved as [label, weight] pairs.

    Weights are checked here; that the labels are classes is checked once
    the classes are read (:func:`_check_class_weight_labels`).
    """
    if value is None or isinstance(value, str):
        return value  # scikit-learn's validation accepts only None and 'balanced'
    if isinstance(value, dict):
        value = list(value.items())
    expect(isinstance(value, list) and len(value) <= n_classes
           and all(isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in value),
           "class_weight must be None, 'balanced' or a mapping of classes to weights")
    weights = {}
    for label, weight in value:
        expect(isinstance(label, (str, Real)) and label not in weights,
               f"class_weight has an invalid or repeated label {shorten(label)}")
        expect(is_number(weight) and weight >= 0,
               f"class_weight must map labels to finite non-negative numbers, got {shorten(weight)}")
        weights[label] = weight
    return weights


def _check_train_state(values, estimator):
    """Check the training state's JSON fields; its arrays are checked once read."""
    # Bound the lists before TrainState walks them: each history record takes
    # ~100 bytes of JSON, so equal lengths keep the walks short.
    expect(isinstance(values, dict), "the training state must be a mapping")
    curve, history, scores = (values.get(name) for name in ("loss_curve_", "history_", "validation_scores_"))
    expect(isinstance(curve, list) and isinstance(history, list) and len(curve) == len(history)
           and (not isinstance(scores, list) or len(scores) <= len(curve)),
           "loss_curve_, history_ and validation_scores_ must be lists of one entry per epoch")
    state = _checked(TrainState.from_dict, values, {})
    counts = [state.n_iter_, state.t_, state.no_improvement_count, state.schedule_epoch]
    if state.optimizer is not None:
        solver, t = state.optimizer["solver"], state.optimizer["state"]["t"]
        expect(solver in OPTIMIZERS, f"unknown optimizer {shorten(solver)}")
        expect(is_count(t), f"the optimizer step count must be a non-negative integer, got {shorten(t)}")
        counts.append(t)
    expect(all(count <= _MAX_COUNT for count in counts), "a training counter exceeds int64")
    expect(all(abs(value) <= _MAX_SCHEDULE_COUNT for value in state.schedule_state.values()),
           "the schedule state is out of range")
    if state.schedule_state:
        _check_schedule_state(state.schedule_state, TrainConfig.from_params(estimator.get_params()))


def _check_schedule_state(schedule_state, config):
    """The schedule state must be one that some schedule writes.

    Not necessarily the configured schedule's: ``learning_rate`` or ``solver``
    may have changed with ``set_params`` after training, and ``partial_fit``
    then starts the new schedule afresh, ignoring the saved state.
    """
    for name in SCHEDULES:
        # 'invscaling' and 'adaptive' exist under 'sgd' only (make_schedule's rule).
        schedule = make_schedule(replace(config, learning_rate=name, solver="sgd"))
        try:
            schedule.load_state_dict(schedule_state)
            return
        except ValueError:
            continue
    raise InvalidModelFile(f"no learning-rate schedule has the state {shorten(schedule_state)}")


# ------------------------------------------------------------------ reading: the arrays
@dataclass(frozen=True)
class _Expected:
    """What an array must be: its shape and a test of its dtype, described in words."""

    shapes: tuple  # the shapes it may have
    accepts: object  # dtype -> bool
    dtype: str


def _expected_arrays(plan):
    """``(required, optional)``: array name -> _Expected, from the metadata alone."""
    dtype = np.dtype(plan.spec.dtype)

    def vector(length):
        return _Expected(((length,),), lambda found: found == dtype, dtype.name)

    required = {"params": vector(plan.n_params), "state": vector(plan.n_state)}
    optional = {"best_params": vector(plan.n_params), "best_state": vector(plan.n_state),
                "feature_names_in": _Expected(((plan.spec.layer_sizes[0],),), _is_text_dtype,
                                                  f"strings of at most {MAX_LABEL_CHARS} characters")}
    optimizer = plan.train_state.get("optimizer")
    if optimizer is not None:
        required.update({f"optimizer_{name}": vector(plan.n_params)
                         for name in OPTIMIZERS[optimizer["solver"]].STATE_ARRAYS})
    if plan.n_classes:
        required["classes"] = _expected_classes(plan.label_type, plan.n_classes)
    return required, optional


def _expected_classes(label_type, n_classes):
    """What the ``classes`` array of a classifier with ``n_classes`` output classes must be."""
    # A binary output unit encodes two classes, or the one class of a single-class fit.
    lengths = (1, 2) if label_type == "binary" else (n_classes,)
    return _Expected(tuple((n,) for n in lengths), _is_label_dtype,
                     f"numbers, booleans or strings of at most {MAX_LABEL_CHARS} characters")


def _check_headers(headers, plan):
    """Every array's shape and dtype against the metadata, before any array is decompressed.

    ``headers`` maps each array's name to its ``(shape, dtype)``: read from the
    ``.npy`` headers by load, taken from the arrays in memory by save.
    """
    _check_array_headers(headers, *_expected_arrays(plan))


def _check_array_headers(headers, required, optional):
    """Every array's ``(shape, dtype)`` in ``headers`` against ``required`` and ``optional``.

    Both map array names to :class:`_Expected`; an array in neither is refused,
    as is a required one that is missing.
    """
    missing = set(required) - set(headers)
    expect(not missing, f"the arrays {sorted(missing)} are missing")
    unknown = set(headers) - set(required) - set(optional)
    expect(not unknown, f"unknown arrays {sorted(unknown)}")
    for name, (shape, dtype) in headers.items():
        expected = required.get(name) or optional[name]
        wanted = " or ".join(map(str, expected.shapes))
        expect(shape in expected.shapes and expected.accepts(dtype),
               f"{name} has dtype {dtype} and shape {shape}; the model needs {expected.dtype} and "
               f"{wanted}")


def _check_array_bytes(headers, n_params):
    """The arrays' total size against what a network of ``n_params`` parameters may take.

    The limit checked as the file was opened is per *allowed* parameter; this
    one is per parameter of the network the metadata describes. The strings
    (labels, feature names, categories) are the arrays whose size the
    metadata leaves open, and they take as much again once decoded.
    """
    total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in headers.values())
    limit = _BYTES_PER_PARAMETER * n_params + _BYTES_OF_TEXT
    expect(total <= limit, f"the arrays take {total} bytes, more than the {limit} a network of {n_params} "
           f"parameters may take ({_BYTES_PER_PARAMETER} bytes a parameter and {_BYTES_OF_TEXT} for its "
           "labels, feature names and categories)")


def _assemble(plan, arrays):
    """The estimator, from the checked plan and the arrays (shapes and dtypes already checked)."""
    estimator, spec = plan.estimator, plan.spec
    network = Network(spec)
    for name in ("params", "state"):
        _check_finite(name, arrays[name])
        getattr(network, name)[...] = arrays.pop(name)
    _check_variances("state", spec, network.state)
    estimator.n_features_in_ = spec.layer_sizes[0]
    if "feature_names_in" in arrays:
        estimator.feature_names_in_ = arrays.pop("feature_names_in").astype(object)
    restore_targets(estimator, plan, arrays)
    estimator._network = network
    estimator._train_state = _train_state(plan.train_state, arrays, network, estimator)
    return estimator


def _train_state(values, arrays, network, estimator):
    """The TrainState, its arrays checked against the network and solver.

    ``values`` are the training state's JSON fields, already checked by
    :func:`_check_train_state`; the arrays' shapes and dtypes are checked too.
    ``estimator`` has the saved hyperparameters.
    """
    state = _checked(TrainState.from_dict, values, arrays)
    if state.best_params is not None:
        _check_finite("best_params", state.best_params)
        _check_finite("best_state", state.best_state)
        if network.spec.batch_norm:
            _check_variances("best_state", network.spec, state.best_state)
    if state.optimizer is not None:
        config = TrainConfig.from_params(estimator.get_params())
        optimizer = make_optimizer(state.optimizer["solver"], network.params, {**config.__dict__},
                                   network.n_weights)
        saved = state.optimizer["state"]
        _checked(optimizer.load_state_dict, saved)  # shapes, dtypes, finite, second moments >= 0
        # The arrays just read are checked and owned: keep them rather than copy them again.
        saved["t"] = optimizer.t
    return state


def restore_targets(estimator, plan, arrays):
    """Set the estimator's targets from the arrays :func:`_target_contents` wrote, each checked.

    The arrays' shapes and dtypes were checked against the plan: a
    classifier's file has ``classes``, standardized values' ``y_mean`` and
    ``y_scale``, and other values' neither.
    """
    if plan.n_classes:
        classes = arrays.pop("classes")
        _check_classes(classes)
        estimator._targets = ClassLabels(plan.label_type, classes)
        _check_class_weight_labels(estimator.class_weight, classes)
    elif "y_mean" in arrays:
        y_mean, y_scale = arrays.pop("y_mean"), arrays.pop("y_scale")
        _check_finite("y_mean", y_mean)
        expect(np.isfinite(y_scale).all() and (y_scale >= 0).all(), "y_scale must be finite and >= 0")
        estimator._targets = Values(len(y_mean), y_mean, y_scale)
    else:
        estimator._targets = Values(plan.spec.layer_sizes[-1])


def _check_classes(classes):
    # LabelBinarizer looks labels up by binary search: they must be as np.unique gives them.
    expect(classes.dtype.kind != "f" or np.isfinite(classes).all(), "classes contain NaN or infinity")
    expect(np.array_equal(classes, np.unique(classes)), "classes must be sorted and unique")


def _check_class_weight_labels(class_weight, classes):
    if not isinstance(class_weight, dict):
        return
    labels = set(classes.tolist())
    wrong = [label for label in class_weight
             if label not in labels or isinstance(label, bool) != (classes.dtype.kind == "b")]
    expect(not wrong, f"class_weight names labels that are not classes: {shorten(wrong)}")


def _check_variances(name, spec, state):
    """Running variances in ``state`` (a mean then a variance vector per hidden layer) are >= 0."""
    if not spec.batch_norm:
        return
    start = 0
    for n_units in spec.layer_sizes[1:-1]:
        expect((state[start + n_units : start + 2 * n_units] >= 0).all(),
               f"batch-norm running variances in {name} must be non-negative")
        start += 2 * n_units


def _check_finite(name, array):
    expect(np.isfinite(array).all(), f"{name} contains NaN or infinity")


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


# ------------------------------------------------------------------ small checks
def _is_text_dtype(dtype):
    return dtype.kind == "U" and dtype.isnative and dtype.itemsize <= 4 * MAX_LABEL_CHARS


def _is_label_dtype(dtype):
    plain_number = dtype.kind in "biuf" and dtype.isnative and dtype.fields is None and not dtype.subdtype
    return plain_number or _is_text_dtype(dtype)


def _checked(function, *args):
    """``function(*args)``, its ValueError or TypeError turned into InvalidModelFile."""
    try:
        return function(*args)
    except (ValueError, TypeError) as error:
        raise InvalidModelFile(shorten(error, 1000)) from error


def _expect_argument(condition, problem):
    if not condition:
        raise ValueError(f"{problem}.")



# ------------------------------------------------------------------ writing
def _check_savable(estimator):
    """Refuse what load could not rebuild: anything but the four estimators themselves."""
    savable = (DeepNetClassifier, DeepNetRegressor, *_TABULAR_ESTIMATORS)
    if type(estimator) in savable:
        return
    problem = ("skdeep.save writes DeepNetClassifier, DeepNetRegressor, TabularNetClassifier and "
               f"TabularNetRegressor models only; got {type(estimator).__name__}")
    if isinstance(estimator, Pipeline):
        problem += (". To persist a whole pipeline without pickle, use skops.io (skops.io.dump and "
                    "skops.io.load), or save the pipeline's skdeep step with skdeep.save")
    elif isinstance(estimator, savable):
        problem += ", a subclass: load rebuilds the skdeep classes only, never code from a file"
    raise TypeError(problem + ".")


def _plain_params(params):
    """The hyperparameters as JSON values, or a TypeError naming the first that is not data."""
    if isinstance(params["random_state"], np.random.RandomState):
        raise TypeError("random_state is a RandomState instance, whose state a model file cannot hold; "
                        "set an int or None before saving (estimator.set_params(random_state=0)).")
    plain = _to_json(params)
    for name, value in plain.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"the hyperparameter {name!r} is not plain data ({error}); set it to "
                            "numbers, strings, lists or dicts before saving.") from error
    return plain


def _check_loadable_params(estimator, params):
    """Refuse hyperparameters that load would refuse: an error now beats an unloadable file.

    They are set with ``set_params`` after training (a fit that then failed
    leaves them in place), e.g. ``class_weight`` naming a class not in
    ``classes_``.
    """
    classes = getattr(estimator, "classes_", np.array([]))
    try:
        checked = _estimator_with_params(type(estimator), json.loads(json.dumps(params)), len(classes))
        if len(classes):
            _check_class_weight_labels(checked.class_weight, _plain_array(classes))
    except InvalidModelFile as error:
        raise ValueError(f"Cannot save this {type(estimator).__name__}: load would refuse its "
                         f"hyperparameters: {error} Fix them with set_params first.") from None


def _check_loadable(metadata, arrays):
    """Run load's checks on the model in memory, so that save never writes a file load refuses.

    Catches what changed behind the estimator's back since training: a NaN
    written into a ``coefs_`` view, a label longer than load accepts, ...
    """
    try:
        metadata = json.loads(json.dumps(metadata))
        plan_of, check_headers, assemble = _reader_of_kind(metadata)
        plan = plan_of(metadata, max_parameters=float("inf"))
        headers = {name: (array.shape, array.dtype) for name, array in arrays.items()}
        check_headers(headers, plan)
        _check_array_bytes(headers, plan.n_params)
        assemble(plan, dict(arrays))
    except InvalidModelFile as error:
        reason = str(error).removeprefix("invalid skdeep model file: ")
        raise ValueError(f"Cannot save this model: load would refuse the file: {reason}") from None


def _plain_array(values):
    """Labels as numbers, booleans or fixed-width strings, never objects."""
    values = np.asarray(values)
    if values.dtype == object:
        values = values.astype(str)
    return values


def _to_json(value):
    """Hyperparameters and fitted attributes as JSON values (NumPy scalars unwrapped)."""
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _to_json(item) for key, item in value.items()}
        # e.g. class_weight={0: 2.0}: JSON keys would become strings, pairs keep their type
        return [[_to_json(key), _to_json(item)] for key, item in value.items()]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_to_json(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
