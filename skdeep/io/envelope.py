"""What every kind of model file shares: the envelope, the limits and the checks.

Every model file is the container of :mod:`skdeep.io.model_file` (a ``.npz``
of ``.npy`` arrays and a JSON document) and holds the same *envelope*: the
``format`` (``"skdeep"``) and its version, the skdeep version that wrote it,
the estimator's class and hyperparameters, the network's spec and
parameters, the training state, the input columns and the targets (a
classifier's classes, or standardized regression targets' mean and scale).
This module writes the envelope from a
:class:`~skdeep._base.record.FittedModel` and checks it on load; each kind of
model file (:mod:`skdeep.io.deepnet_format`,
:mod:`skdeep.io.tabular_format`) adds its own fields and arrays and uses
these checks. It imports no kind's module, and no kind's module imports
another: :mod:`skdeep.io.persistence` dispatches over them.
"""

import json
import math
from dataclasses import dataclass, replace
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin

from .._base.targets import ClassLabels, Values
from .._version import __version__
from ..nn.values import is_count, is_number, is_rate
from ..train.config import TrainConfig
from ..train.optimizers import OPTIMIZERS, make_optimizer
from ..train.schedules import SCHEDULES, make_schedule
from ..train.state import TrainState
from .model_file import InvalidModelFile, expect, shorten

FORMAT = "skdeep"
FORMAT_VERSION = 2

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
#: The uncompressed arrays may take this many bytes per parameter: room for
#: eight float64 vectors, where a model file holds at most four parameter
#: vectors (params, best_params, two optimizer moments) and two smaller state
#: vectors, plus the labels and feature names. It bounds the members by the
#: allowed parameter count as the file is opened, and the arrays by the
#: network's own parameter count (plus BYTES_OF_TEXT) once the metadata and
#: headers are read, before any array is decompressed.
BYTES_PER_PARAMETER = 64
#: Room beyond BYTES_PER_PARAMETER for the labels, feature names and categories
#: of a small network; a string array of n items of up to MAX_LABEL_CHARS
#: characters takes 4 * MAX_LABEL_CHARS bytes an item, and as much again once
#: decoded to Python strings.
BYTES_OF_TEXT = 16 * 2**20
# Counters are int64-sized in any real training run.
_MAX_COUNT = 2**63 - 1
# The 'adaptive' schedule divides the rate by 5 until it is at most 1e-6; even
# from the largest float that takes fewer than 500 divisions. Its rate()
# loops once per division, so a huge count would hang training.
_MAX_SCHEDULE_COUNT = 1_000

_LABEL_TYPES = ("binary", "multiclass", "multilabel-indicator")


# ------------------------------------------------------------------ writing
def envelope(record, params, include_optimizer, network_arrays):
    """What every kind of model file holds: ``(metadata, arrays)`` to add the kind's own to.

    The format and versions, the estimator's class and hyperparameters
    (``params``, the record's with ``callbacks`` set to None), the network's
    spec, parameters (and ``network_arrays``), the training state, the input
    columns, and the targets.
    """
    network = record.network
    state_values, state_arrays = record.train_state.to_dict(include_optimizer=include_optimizer)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skdeep_version": __version__,
        "estimator": record.estimator,
        "params": plain_params(params),
        "spec": network.spec.to_dict(),
        "train_state": state_values,
        "n_features_in_": int(record.n_features_in),
    }
    arrays = {"params": network.params, **network_arrays, **state_arrays}
    if record.feature_names_in is not None:
        arrays["feature_names_in"] = np.asarray(record.feature_names_in, dtype=str)
    target_fields, target_arrays = _target_contents(record.targets)
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
        return {"label_type": targets.label_type}, {"classes": plain_array(targets.classes)}
    if not targets.standardized:
        return {}, {}
    return ({"y_ndim": 1 if targets.n_outputs == 1 else 2},
            {"y_mean": np.asarray(targets.mean), "y_scale": np.asarray(targets.scale)})


def plain_params(params):
    """The hyperparameters as JSON values, or a TypeError naming the first that is not data."""
    if isinstance(params["random_state"], np.random.RandomState):
        raise TypeError("random_state is a RandomState instance, whose state a model file cannot hold; "
                        "set an int or None before saving (estimator.set_params(random_state=0)).")
    plain = to_json(params)
    for name, value in plain.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"the hyperparameter {name!r} is not plain data ({error}); set it to "
                            "numbers, strings, lists or dicts before saving.") from error
    return plain


def plain_array(values):
    """Labels as numbers, booleans or fixed-width strings, never objects."""
    values = np.asarray(values)
    if values.dtype == object:
        values = values.astype(str)
    return values


def to_json(value):
    """Hyperparameters and fitted attributes as JSON values (NumPy scalars unwrapped)."""
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: to_json(item) for key, item in value.items()}
        # e.g. class_weight={0: 2.0}: JSON keys would become strings, pairs keep their type
        return [[to_json(key), to_json(item)] for key, item in value.items()]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_json(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


# ------------------------------------------------------------------ reading: the metadata
def check_fields(metadata, fields):
    """The metadata has exactly ``fields``, and a short ``skdeep_version``."""
    expect(set(metadata) <= fields, f"unknown metadata fields {shorten(sorted(set(metadata) - fields))}")
    expect(set(metadata) >= fields, f"missing metadata fields {sorted(fields - set(metadata))}")
    expect(isinstance(metadata["skdeep_version"], str) and len(metadata["skdeep_version"]) <= 100,
           "skdeep_version must be a short string")


def check_format_version(version):
    expect(is_count(version) and 1 <= version <= FORMAT_VERSION,
           f"format version {shorten(version)}; this skdeep reads versions 1 to {FORMAT_VERSION}")


def check_parameter_count(n_params, max_parameters):
    expect(n_params <= max_parameters, f"the network has {n_params} parameters, more than the limit "
           f"of {max_parameters} (pass a larger max_parameters to load a model you expect)")


def _n_classes(label_type, spec):
    """How many classes the output layer encodes for ``label_type``."""
    expect(label_type in _LABEL_TYPES, f"invalid label type {shorten(label_type)}")
    n_outputs = spec.layer_sizes[-1]
    if label_type == "binary":
        expect(n_outputs == 1, "a binary classifier has one output unit")
        return 2
    expect(n_outputs >= 2, f"a {label_type} classifier has at least two output units")
    return n_outputs


@dataclass(frozen=True)
class Model:
    """What the envelope's metadata says of the model, checked: the parts every kind's plan has."""

    Estimator: type  # the estimator's class
    params: dict  # the hyperparameters, checked, as set_params takes them
    spec: object
    label_type: str  # None for a regressor
    n_classes: int  # 0 for a regressor
    train_state: dict  # the training state's JSON fields, checked


def checked_model(Estimator, metadata, spec):
    """The hyperparameters, label type and training state of the envelope, checked against ``spec``.

    For a classifier the label type is checked against the spec; the classes
    come with the arrays. The output activation the hyperparameters (and
    label type) give must be the spec's.
    """
    is_classifier = issubclass(Estimator, ClassifierMixin)
    label_type = metadata.get("label_type") if is_classifier else None
    n_classes = _n_classes(label_type, spec) if is_classifier else 0
    params = checked_params(Estimator, metadata["params"], n_classes)
    targets = ClassLabels(label_type) if is_classifier else None
    output_activation = checked(Estimator._check_record_params, params, targets)
    expect(spec.output_activation == output_activation, "the output activation contradicts the estimator")
    check_train_state(metadata["train_state"], params)
    return Model(Estimator, params, spec, label_type, n_classes, metadata["train_state"])


def checked_params(Estimator, params, n_classes):
    """The saved hyperparameters as ``set_params`` takes them, each checked for type and range."""
    expect(isinstance(params, dict) and set(params) == set(Estimator().get_params()),
           "the hyperparameters do not match the estimator's")
    params = _params_from_json(params, n_classes)
    checked(Estimator._check_record_params, params)
    return params


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
    the classes are read (:func:`check_class_weight_labels`).
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


def check_train_state(values, params):
    """Check the training state's JSON fields; its arrays are checked once read."""
    # Bound the lists before TrainState walks them: each history record takes
    # ~100 bytes of JSON, so equal lengths keep the walks short.
    expect(isinstance(values, dict), "the training state must be a mapping")
    curve, history, scores = (values.get(name) for name in ("loss_curve_", "history_", "validation_scores_"))
    expect(isinstance(curve, list) and isinstance(history, list) and len(curve) == len(history)
           and (not isinstance(scores, list) or len(scores) <= len(curve)),
           "loss_curve_, history_ and validation_scores_ must be lists of one entry per epoch")
    state = checked(TrainState.from_dict, values, {})
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
        _check_schedule_state(state.schedule_state, TrainConfig.from_params(params))


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
class Expected:
    """What an array must be: its shape and a test of its dtype, described in words."""

    shapes: tuple  # the shapes it may have
    accepts: object  # dtype -> bool
    dtype: str


def expected_classes(label_type, n_classes):
    """What the ``classes`` array of a classifier with ``n_classes`` output classes must be."""
    # A binary output unit encodes two classes, or the one class of a single-class fit.
    lengths = (1, 2) if label_type == "binary" else (n_classes,)
    return Expected(tuple((n,) for n in lengths), _is_label_dtype,
                    f"numbers, booleans or strings of at most {MAX_LABEL_CHARS} characters")


def check_array_headers(headers, required, optional):
    """Every array's ``(shape, dtype)`` in ``headers`` against ``required`` and ``optional``.

    ``headers`` maps each array's name to its ``(shape, dtype)``: read from the
    ``.npy`` headers by load, taken from the arrays in memory by save. Both
    ``required`` and ``optional`` map array names to :class:`Expected`; an
    array in neither is refused, as is a required one that is missing.
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


def check_array_bytes(headers, n_params):
    """The arrays' total size against what a network of ``n_params`` parameters may take.

    The limit checked as the file was opened is per *allowed* parameter; this
    one is per parameter of the network the metadata describes. The strings
    (labels, feature names, categories) are the arrays whose size the
    metadata leaves open, and they take as much again once decoded.
    """
    total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in headers.values())
    limit = BYTES_PER_PARAMETER * n_params + BYTES_OF_TEXT
    expect(total <= limit, f"the arrays take {total} bytes, more than the {limit} a network of {n_params} "
           f"parameters may take ({BYTES_PER_PARAMETER} bytes a parameter and {BYTES_OF_TEXT} for its "
           "labels, feature names and categories)")


# ------------------------------------------------------------------ reading: the values
def checked_train_state(values, arrays, network, params):
    """The TrainState, its arrays checked against the network and solver.

    ``values`` are the training state's JSON fields, already checked by
    :func:`check_train_state`; the arrays' shapes and dtypes are checked too.
    ``params`` are the saved hyperparameters.
    """
    state = checked(TrainState.from_dict, values, arrays)
    if state.best_params is not None:
        check_finite("best_params", state.best_params)
        check_finite("best_state", state.best_state)
        if network.spec.batch_norm:
            check_variances("best_state", network.spec, state.best_state)
    if state.optimizer is not None:
        config = TrainConfig.from_params(params)
        optimizer = make_optimizer(state.optimizer["solver"], network.params, {**config.__dict__},
                                   network.n_weights)
        saved = state.optimizer["state"]
        checked(optimizer.load_state_dict, saved)  # shapes, dtypes, finite, second moments >= 0
        # The arrays just read are checked and owned: keep them rather than copy them again.
        saved["t"] = optimizer.t
    return state


def checked_targets(model, arrays):
    """The targets, from the arrays :func:`envelope` wrote, each checked.

    The arrays' shapes and dtypes were checked against the model: a
    classifier's file has ``classes``, standardized values' ``y_mean`` and
    ``y_scale``, and other values' neither.
    """
    if model.n_classes:
        classes = arrays.pop("classes")
        _check_classes(classes)
        check_class_weight_labels(model.params["class_weight"], classes)
        return ClassLabels(model.label_type, classes)
    if "y_mean" in arrays:
        y_mean, y_scale = arrays.pop("y_mean"), arrays.pop("y_scale")
        check_finite("y_mean", y_mean)
        expect(np.isfinite(y_scale).all() and (y_scale >= 0).all(), "y_scale must be finite and >= 0")
        return Values(len(y_mean), y_mean, y_scale)
    return Values(model.spec.layer_sizes[-1])


def _check_classes(classes):
    # LabelBinarizer looks labels up by binary search: they must be as np.unique gives them.
    expect(classes.dtype.kind != "f" or np.isfinite(classes).all(), "classes contain NaN or infinity")
    expect(np.array_equal(classes, np.unique(classes)), "classes must be sorted and unique")


def check_class_weight_labels(class_weight, classes):
    """A ``class_weight`` mapping names only classes in ``classes`` (a bool label only bool classes)."""
    if not isinstance(class_weight, dict):
        return
    labels = set(classes.tolist())
    wrong = [label for label in class_weight
             if label not in labels or isinstance(label, bool) != (classes.dtype.kind == "b")]
    expect(not wrong, f"class_weight names labels that are not classes: {shorten(wrong)}")


def check_variances(name, spec, state):
    """Running variances in ``state`` (a mean then a variance vector per hidden layer) are >= 0."""
    if not spec.batch_norm:
        return
    start = 0
    for n_units in spec.layer_sizes[1:-1]:
        expect((state[start + n_units : start + 2 * n_units] >= 0).all(),
               f"batch-norm running variances in {name} must be non-negative")
        start += 2 * n_units


def check_finite(name, array):
    expect(np.isfinite(array).all(), f"{name} contains NaN or infinity")


# ------------------------------------------------------------------ small checks
def is_text_dtype(dtype):
    return dtype.kind == "U" and dtype.isnative and dtype.itemsize <= 4 * MAX_LABEL_CHARS


def _is_label_dtype(dtype):
    plain_number = dtype.kind in "biuf" and dtype.isnative and dtype.fields is None and not dtype.subdtype
    return plain_number or is_text_dtype(dtype)


def checked(function, *args):
    """``function(*args)``, its ValueError or TypeError turned into InvalidModelFile."""
    try:
        return function(*args)
    except (ValueError, TypeError) as error:
        raise InvalidModelFile(shorten(error, 1000)) from error
