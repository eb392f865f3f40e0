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

This module is the registry of the kinds of model file, and ``save`` and
``load`` dispatch over it. A file holds one *kind* of model, named by the
metadata's ``kind`` field (the record's ``kind`` on save): ``"deepnet"``
(DeepNetClassifier and DeepNetRegressor; the field is absent from their
files, as in every file earlier versions wrote) in
:mod:`skdeep.io.deepnet_format`, ``"tabularnet"`` (TabularNetClassifier and
TabularNetRegressor) in :mod:`skdeep.io.tabular_format`. What every kind
shares (the envelope, the limits below and the checks) is in
:mod:`skdeep.io.envelope`. An estimator hands ``save`` a fitted-model record
(:class:`~skdeep._base.record.FittedModel`) and ``load`` rebuilds it from
one: io never reads or writes an estimator's attributes. The container,
which steps 1 and 3 and the reads of steps 2 and 4 go through, and the
atomic write are in :mod:`skdeep.io.model_file`; this module passes it the
limits.
"""

import json
import os
from numbers import Integral

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._base.targets import ClassLabels
from .._warn import warn
from . import deepnet_format, tabular_format
# The limits and InvalidModelFile are imported here so that skdeep.io.persistence names
# them, as it always has (InvalidModelFile lives with the container, which raises it too).
from .envelope import (BYTES_PER_PARAMETER, FORMAT, FORMAT_VERSION, MAX_HIDDEN_LAYERS,  # noqa: F401
                       MAX_LABEL_CHARS, MAX_METADATA_BYTES, MAX_PARAMETERS, check_array_bytes,
                       check_class_weight_labels, checked_params, plain_array)
from .model_file import InvalidModelFile, ModelFileReader, expect, open_for_reading, shorten, write_model_file

#: The kinds of model file, by the name in the metadata's ``kind`` field.
FORMATS = {deepnet_format.KIND: deepnet_format, tabular_format.KIND: tabular_format}
#: The kind of model a file holds when its metadata has no ``kind`` field.
DEEPNET = deepnet_format.KIND
# The classes save writes and load rebuilds, exactly (never a subclass).
_SAVABLE = tuple(Estimator for format_ in FORMATS.values() for Estimator in format_.ESTIMATORS.values())
# Every array a model file of any kind may hold besides the metadata.
_ARRAY_NAMES = set().union(*(format_.ARRAY_NAMES for format_ in FORMATS.values()))


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
    record = estimator._to_record()
    if record.params.get("callbacks"):
        warn("callbacks are code and are not saved; the loaded model has callbacks=None.")
    params = {**record.params, "callbacks": None}
    metadata, arrays, needed, size = FORMATS[record.kind].contents(record, params, include_optimizer)
    _check_loadable_params(record, metadata["params"])
    _check_loadable(metadata, arrays)
    if needed > MAX_PARAMETERS:
        warn(
            f"The model has {size}, more than load's default limit of {MAX_PARAMETERS:,} parameters "
            f"allows: load it with skdeep.load(path, max_parameters={needed})."
        )
    write_model_file(path, metadata, arrays)


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
    uncompressed_limit = BYTES_PER_PARAMETER * max_parameters + MAX_METADATA_BYTES
    # The kind is in the metadata, read after the directory: accept the members of every kind
    # here, and let the kind's header check refuse those it does not have.
    with ModelFileReader(file, array_names=_ARRAY_NAMES, max_uncompressed=uncompressed_limit) as reader:
        metadata = reader.read_metadata(max_bytes=MAX_METADATA_BYTES)
        kind = _format_of(metadata)
        plan = kind.plan(metadata, max_parameters)
        # Member names were checked when the file was opened; each header read is bounded.
        headers = {name: reader.read_header(name) for name in reader.array_names}
        kind.check_headers(headers, plan)
        check_array_bytes(headers, plan.n_params)
        arrays = {name: reader.read_array(name) for name in reader.array_names}
    return kind.assemble(plan, arrays)


def _format_of(metadata):
    """The module of the kind of model ``metadata`` describes (:data:`FORMATS`)."""
    expect(isinstance(metadata, dict) and metadata.get("format") == FORMAT, "not an skdeep model file")
    kind = metadata.get("kind", DEEPNET)
    expect(isinstance(kind, str) and kind in FORMATS, f"unknown model kind {shorten(kind)}; this skdeep "
            f"reads {' and '.join(map(repr, FORMATS))} models")
    return FORMATS[kind]


def _expect_argument(condition, problem):
    if not condition:
        raise ValueError(f"{problem}.")


# ------------------------------------------------------------------ writing
def _check_savable(estimator):
    """Refuse what load could not rebuild: anything but the four estimators themselves."""
    if type(estimator) in _SAVABLE:
        return
    problem = ("skdeep.save writes DeepNetClassifier, DeepNetRegressor, TabularNetClassifier and "
               f"TabularNetRegressor models only; got {type(estimator).__name__}")
    if isinstance(estimator, Pipeline):
        problem += (". To persist a whole pipeline without pickle, use skops.io (skops.io.dump and "
                    "skops.io.load), or save the pipeline's skdeep step with skdeep.save")
    elif isinstance(estimator, _SAVABLE):
        problem += ", a subclass: load rebuilds the skdeep classes only, never code from a file"
    raise TypeError(problem + ".")


def _check_loadable_params(record, params):
    """Refuse hyperparameters that load would refuse: an error now beats an unloadable file.

    They are set with ``set_params`` after training (a fit that then failed
    leaves them in place), e.g. ``class_weight`` naming a class not in
    ``classes_``.
    """
    classes = record.targets.classes if isinstance(record.targets, ClassLabels) else np.array([])
    Estimator = FORMATS[record.kind].ESTIMATORS[record.estimator]
    try:
        checked = checked_params(Estimator, json.loads(json.dumps(params)), len(classes))
        if len(classes):
            check_class_weight_labels(checked["class_weight"], plain_array(classes))
    except InvalidModelFile as error:
        raise ValueError(f"Cannot save this {record.estimator}: load would refuse its "
                         f"hyperparameters: {error} Fix them with set_params first.") from None


def _check_loadable(metadata, arrays):
    """Run load's checks on the model in memory, so that save never writes a file load refuses.

    Catches what changed behind the estimator's back since training: a NaN
    written into a ``coefs_`` view, a label longer than load accepts, ...
    """
    try:
        metadata = json.loads(json.dumps(metadata))
        kind = _format_of(metadata)
        plan = kind.plan(metadata, max_parameters=float("inf"))
        headers = {name: (array.shape, array.dtype) for name, array in arrays.items()}
        kind.check_headers(headers, plan)
        check_array_bytes(headers, plan.n_params)
        kind.assemble(plan, dict(arrays))
    except InvalidModelFile as error:
        reason = str(error).removeprefix("invalid skdeep model file: ")
        raise ValueError(f"Cannot save this model: load would refuse the file: {reason}") from None
