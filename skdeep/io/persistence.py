"""Save and load fitted estimators without pickle: plain arrays plus JSON metadata.

Unpickling a file runs whatever code its author put in it, so a model passed
around as a pickle is only as safe as its sender. ``save`` writes one ``.npz``
file holding numeric arrays and a JSON document (stored as bytes), and
``load`` reads it with ``allow_pickle=False`` and checks every field before
building the estimator: a truncated, corrupted or tampered file is refused
with :class:`InvalidModelFile`, never half-loaded.
"""

import io
import json
import os
import tempfile
import warnings

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from .._estimators import DeepNetClassifier, DeepNetRegressor
from .._version import __version__
from ..nn.spec import NetworkSpec
from ..train.config import TrainConfig
from ..train.optimizers import OPTIMIZERS, make_optimizer
from ..train.schedules import make_schedule
from ..train.state import TrainState

FORMAT = "skdeep"
FORMAT_VERSION = 2
_ESTIMATORS = {"DeepNetClassifier": DeepNetClassifier, "DeepNetRegressor": DeepNetRegressor}
_METADATA_FIELDS = {"format", "format_version", "skdeep_version", "estimator", "params", "spec",
                    "train_state", "n_features_in_", "label_type"}


class InvalidModelFile(ValueError):
    """A file given to :func:`load` is not a valid skdeep model file."""


def save(estimator, path, *, include_optimizer=False):
    """Write a fitted estimator to ``path`` as arrays and JSON, atomically.

    The file holds the hyperparameters, the network's spec (its architecture),
    its parameters and running statistics, the training state (counters,
    curves, history, the stopping rule's patience and best weights, the
    schedule's position) and, on request, the optimizer's state.

    Parameters
    ----------
    estimator : DeepNetClassifier or DeepNetRegressor
        A fitted estimator.
    path : str or os.PathLike
        Destination file (conventionally ending in ``.npz``). It is written to
        a temporary file beside it and renamed into place, so a crash never
        leaves a half-written model under ``path``.
    include_optimizer : bool, default=False
        Also save the optimizer's moments, so that ``partial_fit`` after
        :func:`load` continues exactly where training stopped (bit for bit).
        Without them ``partial_fit`` starts a fresh optimizer.

    Notes
    -----
    ``callbacks`` are Python code and are not saved (a warning says so).
    """
    check_is_fitted(estimator)
    params = estimator.get_params()
    if params.get("callbacks"):
        warnings.warn("callbacks are code and are not saved; the loaded model has callbacks=None.",
                      stacklevel=2)
    params["callbacks"] = None
    network = estimator._current_network()
    state_values, state_arrays = estimator._train_state.to_dict(include_optimizer=include_optimizer)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skdeep_version": __version__,
        "estimator": type(estimator).__name__,
        "params": _to_json(params),
        "spec": network.spec.to_dict(),
        "train_state": state_values,
        "n_features_in_": int(estimator.n_features_in_),
    }
    arrays = {"params": network.params, "state": network.state, **state_arrays}
    if hasattr(estimator, "feature_names_in_"):
        arrays["feature_names_in"] = np.asarray(estimator.feature_names_in_, dtype=str)
    if hasattr(estimator, "classes_"):
        metadata["label_type"] = estimator._label_binarizer.y_type_
        arrays["classes"] = _plain_array(estimator.classes_)
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    _write_atomically(path, arrays)


def load(path):
    """Read a model written by :func:`save`, checking everything it reads.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save` (this version's format, or version 1).

    Returns
    -------
    estimator : DeepNetClassifier or DeepNetRegressor
        The fitted estimator; it predicts bit-identically to the saved one,
        and training it further continues as the saved one would have.

    Raises
    ------
    InvalidModelFile
        The file is not a complete, consistent skdeep model of a format this
        version reads (truncated, corrupted, tampered, unknown fields, object
        arrays, non-finite weights, a future format version, ...).
    """
    with open(path, "rb") as file:
        content = file.read()
    try:
        arrays = _read_arrays(content)
        metadata = json.loads(bytes(arrays.pop("metadata")).decode())
        return _build(metadata, arrays)
    except InvalidModelFile:
        raise
    except Exception as error:  # any other failure means the file is not a valid model
        raise InvalidModelFile(f"{os.fspath(path)!r} is not a valid skdeep model file: {error}") from error


# ------------------------------------------------------------------ reading
def _read_arrays(content):
    with np.load(io.BytesIO(content), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _build(metadata, arrays):
    _expect(isinstance(metadata, dict) and metadata.get("format") == FORMAT, "not an skdeep model file")
    version = metadata.get("format_version")
    _expect(isinstance(version, int) and 1 <= version <= FORMAT_VERSION,
            f"format version {version!r}; this skdeep reads versions 1 to {FORMAT_VERSION}")
    if version == 1:
        metadata, arrays = _upgrade_from_version_1(metadata, arrays)
    _expect(set(metadata) <= _METADATA_FIELDS,
            f"unknown metadata fields {sorted(set(metadata) - _METADATA_FIELDS)}")
    Estimator = _ESTIMATORS.get(metadata.get("estimator"))
    _expect(Estimator is not None, f"unknown estimator {metadata.get('estimator')!r}")

    estimator = _estimator_with_params(Estimator, metadata["params"])
    spec = _checked(NetworkSpec.from_dict, metadata["spec"])
    network = spec.build()
    for name, target in (("params", network.params), ("state", network.state)):
        _copy_checked(name, arrays.pop(name, None), target)
    variances = [layer.running_var for layer in network.layers if hasattr(layer, "running_var")]
    _expect(all((variance >= 0).all() for variance in variances),
            "batch-norm running variances must be non-negative")
    n_features = metadata["n_features_in_"]
    _expect(n_features == spec.layer_sizes[0], "n_features_in_ contradicts the layer sizes")
    estimator.n_features_in_ = n_features
    if "feature_names_in" in arrays:
        names = arrays.pop("feature_names_in")
        _expect(names.dtype.kind == "U" and names.shape == (n_features,), "invalid feature names")
        estimator.feature_names_in_ = names.astype(object)
    if isinstance(estimator, DeepNetClassifier):
        _restore_labels(estimator, metadata.get("label_type"), arrays.pop("classes", None), spec)
    _expect(spec.output_activation == estimator._output_activation(),
            "the output activation contradicts the estimator")
    estimator._network = network
    estimator._train_state = _train_state(metadata["train_state"], arrays, network, estimator)
    _expect(not arrays, f"unknown arrays {sorted(arrays)}")
    return estimator


def _estimator_with_params(Estimator, params):
    estimator = Estimator()
    _expect(isinstance(params, dict) and set(params) == set(estimator.get_params()),
            "the hyperparameters do not match the estimator's")
    params = dict(params)
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    if isinstance(params.get("class_weight"), list):
        params["class_weight"] = {key: value for key, value in params["class_weight"]}
    estimator.set_params(**params)
    _checked(estimator._validate_params)  # scikit-learn's own checks: types and ranges
    return estimator


def _train_state(values, arrays, network, estimator):
    """The TrainState, every field and array checked against the network and solver."""
    state_arrays = {name: arrays.pop(name) for name in list(arrays)
                    if name in ("best_params", "best_state") or name.startswith("optimizer_")}
    state = _checked(TrainState.from_dict, values, state_arrays)
    if state.best_params is not None:
        _copy_checked("best_params", state.best_params, network.params.copy())
        _copy_checked("best_state", state.best_state, network.state.copy())
    config = TrainConfig.from_params(estimator.get_params())
    if state.optimizer is not None:
        solver = state.optimizer["solver"]
        _expect(solver in OPTIMIZERS, f"unknown optimizer {solver!r}")
        optimizer = make_optimizer(solver, network.params, {**config.__dict__}, network.n_weights)
        _checked(optimizer.load_state_dict, state.optimizer["state"])
        state.optimizer["state"] = optimizer.state_dict()
    if state.schedule_state:
        _checked(make_schedule(config).load_state_dict, state.schedule_state)
    return state


def _restore_labels(estimator, label_type, classes, spec):
    _expect(classes is not None, "a classifier needs its classes")
    _expect(classes.ndim == 1 and classes.dtype.kind in "biufU", "classes must be a 1-D array of "
            "numbers, booleans or strings")
    _expect(label_type in ("binary", "multiclass", "multilabel-indicator"), "invalid label type")
    expected_outputs = 1 if label_type == "binary" else len(classes)
    _expect(len(classes) >= 2 and spec.layer_sizes[-1] == expected_outputs
            and len(np.unique(classes)) == len(classes), "classes contradict the output layer")
    binarizer = LabelBinarizer()
    binarizer.classes_ = classes
    binarizer.y_type_ = label_type
    binarizer.sparse_input_ = False
    estimator._label_binarizer = binarizer
    estimator.classes_ = classes


def _upgrade_from_version_1(metadata, arrays):
    """Version-1 metadata and arrays in version 2's layout (the content is the same)."""
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
        for name in ("velocity", "first_moment", "second_moment"):
            if f"optimizer_{name}" in arrays:
                arrays[f"optimizer_{name}"] = arrays.pop(f"optimizer_{name}")
    return upgraded, arrays


def _copy_checked(name, array, target):
    _expect(array is not None, f"the array {name!r} is missing")
    _expect(array.dtype == target.dtype and array.shape == target.shape,
            f"{name} has dtype {array.dtype} and shape {array.shape}; the layers need "
            f"{target.dtype} and {target.shape}")
    _expect(np.isfinite(array).all(), f"{name} contains NaN or infinity")
    target[...] = array


def _checked(function, *args):
    """``function(*args)``, its ValueError or TypeError turned into InvalidModelFile."""
    try:
        return function(*args)
    except (ValueError, TypeError) as error:
        raise InvalidModelFile(f"invalid skdeep model file: {error}") from error


def _expect(condition, problem):
    if not condition:
        raise InvalidModelFile(f"invalid skdeep model file: {problem}.")


# ------------------------------------------------------------------ writing
def _write_atomically(path, arrays):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".skdeep-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


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


