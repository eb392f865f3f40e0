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
import zipfile

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from .._version import __version__
from .._estimators import DeepNetClassifier, DeepNetRegressor
from ..nn.losses import OUTPUTS
from ..nn.network import Network

FORMAT = "skdeep"
FORMAT_VERSION = 1
_FITTED_FIELDS = (
    "n_features_in_", "n_outputs_", "n_layers_", "out_activation_", "n_iter_", "t_", "loss_",
    "best_loss_", "loss_curve_", "validation_scores_", "best_validation_score_", "history_",
)
_OPTIMIZER_ARRAYS = ("velocity", "first_moment", "second_moment")


class InvalidModelFile(ValueError):
    """A file given to :func:`load` is not a valid skdeep model file."""


def save(estimator, path, *, include_optimizer=False):
    """Write a fitted estimator to ``path`` as arrays and JSON, atomically.

    Parameters
    ----------
    estimator : DeepNetClassifier or DeepNetRegressor
        A fitted estimator.
    path : str or os.PathLike
        Destination file (conventionally ending in ``.npz``). It is written to
        a temporary file beside it and renamed into place, so a crash never
        leaves a half-written model under ``path``.
    include_optimizer : bool, default=False
        Also save the optimizer's moments, so that ``partial_fit`` or a warm
        start after :func:`load` continues exactly where training stopped.

    Notes
    -----
    ``callbacks`` are Python code and are not saved (a warning says so).
    """
    check_is_fitted(estimator)
    params = estimator.get_params()
    if params.get("callbacks"):
        warnings.warn("callbacks are code and are not saved; the loaded model has callbacks=None.")
    params["callbacks"] = None
    network = estimator._network
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skdeep_version": __version__,
        "estimator": type(estimator).__name__,
        "params": _to_json(params),
        "fitted": {name: _to_json(getattr(estimator, name)) for name in _FITTED_FIELDS},
        "network": {
            "layer_sizes": list(network.layer_sizes),
            "dtype": network.dtype.name,
            "batch_norm": network.batch_norm,
            "batch_norm_momentum": network.batch_norm_momentum,
            "dropout": list(network.dropout),
        },
    }
    arrays = {"params": network.params, "state": network.state}
    if hasattr(estimator, "feature_names_in_"):
        arrays["feature_names_in"] = np.asarray(estimator.feature_names_in_, dtype=str)
    if hasattr(estimator, "classes_"):
        metadata["label_type"] = estimator._label_binarizer.y_type_
        arrays["classes"] = _plain_array(estimator.classes_)
    optimizer = getattr(estimator, "_optimizer", None)
    if include_optimizer and optimizer is not None:
        metadata["optimizer"] = {"class": type(optimizer).__name__, "t": getattr(optimizer, "t", 0),
                                 "learning_rate": optimizer.learning_rate}
        for name in _OPTIMIZER_ARRAYS:
            if hasattr(optimizer, name):
                arrays[f"optimizer_{name}"] = getattr(optimizer, name)
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    _write_atomically(path, arrays)


def load(path):
    """Read a model written by :func:`save`, checking everything it reads.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    estimator : DeepNetClassifier or DeepNetRegressor
        The fitted estimator; it predicts bit-identically to the saved one.

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
    known = {"format", "format_version", "skdeep_version", "estimator", "params", "fitted",
             "network", "label_type", "optimizer"}
    _expect(set(metadata) <= known, f"unknown metadata fields {sorted(set(metadata) - known)}")
    classes = {"DeepNetClassifier": DeepNetClassifier, "DeepNetRegressor": DeepNetRegressor}
    Estimator = classes.get(metadata.get("estimator"))
    _expect(Estimator is not None, f"unknown estimator {metadata.get('estimator')!r}")

    estimator = Estimator()
    params = dict(metadata["params"])
    _expect(set(params) == set(estimator.get_params()), "the hyperparameters do not match the estimator's")
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    if isinstance(params.get("class_weight"), list):
        params["class_weight"] = {key: value for key, value in params["class_weight"]}
    estimator.set_params(**params)
    estimator._validate_params()  # scikit-learn's own checks: types and ranges

    fitted = metadata["fitted"]
    _expect(set(fitted) == set(_FITTED_FIELDS), "the fitted attributes are incomplete or unknown")
    _expect(all(isinstance(fitted[name], int) and fitted[name] >= 0 for name in
                ("n_features_in_", "n_outputs_", "n_layers_", "n_iter_", "t_")), "invalid counts")
    _expect(isinstance(fitted["loss_curve_"], list) and isinstance(fitted["history_"], list)
            and all(isinstance(record, dict) for record in fitted["history_"]), "invalid history")
    _expect(fitted["out_activation_"] in OUTPUTS, "unknown output activation")
    for name in _FITTED_FIELDS:
        setattr(estimator, name, fitted[name])
    network = _build_network(metadata["network"], arrays, estimator)
    sizes = network.layer_sizes
    _expect(estimator.n_features_in_ == sizes[0] and estimator.n_outputs_ == sizes[-1]
            and estimator.n_layers_ == len(sizes), "the layer sizes contradict the fitted attributes")
    estimator._network = network
    expected_arrays = {"params", "state"}
    if "feature_names_in" in arrays:
        names = arrays.pop("feature_names_in")
        _expect(names.dtype.kind == "U" and names.shape == (sizes[0],), "invalid feature names")
        estimator.feature_names_in_ = names.astype(object)
    if isinstance(estimator, DeepNetClassifier):
        _restore_labels(estimator, metadata.get("label_type"), arrays)
        expected_arrays.add("classes")
    _expect(estimator.out_activation_ == estimator._output_activation(), "wrong output activation")
    _restore_optimizer(estimator, metadata.get("optimizer"), arrays, network)
    unknown = set(arrays) - expected_arrays - {f"optimizer_{name}" for name in _OPTIMIZER_ARRAYS}
    _expect(not unknown, f"unknown arrays {sorted(unknown)}")
    return estimator


def _build_network(description, arrays, estimator):
    sizes = description["layer_sizes"]
    _expect(isinstance(sizes, list) and len(sizes) >= 2
            and all(isinstance(n, int) and n > 0 for n in sizes), "invalid layer sizes")
    _expect(list(sizes[1:-1]) == list(estimator._hidden_layer_sizes()),
            "the layer sizes contradict hidden_layer_sizes")
    _expect(description["dtype"] in ("float32", "float64"), "parameters must be float32 or float64")
    network = Network(
        sizes, estimator.activation, estimator.out_activation_,
        description["dtype"], batch_norm=description["batch_norm"],
        batch_norm_momentum=description["batch_norm_momentum"], dropout=description["dropout"],
    )
    for name, target in (("params", network.params), ("state", network.state)):
        array = arrays[name]
        _expect(array.dtype == target.dtype and array.shape == target.shape,
                f"{name} has dtype {array.dtype} and shape {array.shape}; the layers need "
                f"{target.dtype} and {target.shape}")
        _expect(np.isfinite(array).all(), f"{name} contains NaN or infinity")
        target[...] = array
    if network.batch_norm:
        variances = np.concatenate([layer.running_var for layer in network.layers
                                    if hasattr(layer, "running_var")])
        _expect((variances >= 0).all(), "batch-norm running variances must be non-negative")
    return network


def _restore_labels(estimator, label_type, arrays):
    classes = arrays["classes"]
    _expect(classes.ndim == 1 and classes.dtype.kind in "biufU", "classes must be a 1-D array of "
            "numbers, booleans or strings")
    _expect(label_type in ("binary", "multiclass", "multilabel-indicator"), "invalid label type")
    n_outputs = estimator.n_outputs_
    expected_outputs = 1 if label_type == "binary" else len(classes)
    _expect(len(classes) >= 2 and n_outputs == expected_outputs
            and len(np.unique(classes)) == len(classes), "classes contradict the output layer")
    binarizer = LabelBinarizer()
    binarizer.classes_ = classes
    binarizer.y_type_ = label_type
    binarizer.sparse_input_ = False
    estimator._label_binarizer = binarizer
    estimator.classes_ = classes


def _restore_optimizer(estimator, description, arrays, network):
    if description is None:
        return
    from ..train.optimizers import make_optimizer

    optimizer = make_optimizer(estimator.solver, network.params, estimator, network.n_weights)
    _expect(type(optimizer).__name__ == description["class"], "the optimizer does not match the solver")
    optimizer.learning_rate = float(description["learning_rate"])
    if hasattr(optimizer, "t"):
        optimizer.t = int(description["t"])
    for name in _OPTIMIZER_ARRAYS:
        if hasattr(optimizer, name):
            array = arrays[f"optimizer_{name}"]
            target = getattr(optimizer, name)
            _expect(array.dtype == target.dtype and array.shape == target.shape
                    and np.isfinite(array).all(), f"invalid optimizer array {name}")
            target[...] = array
    estimator._optimizer = optimizer


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


