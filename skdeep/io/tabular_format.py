"""The ``"tabularnet"`` kind of model file: TabularNetClassifier and TabularNetRegressor.

A TabularNet model file is the container :mod:`skdeep.io.persistence`
describes (a ``.npz`` of ``.npy`` arrays and JSON metadata, read within the
same limits and checked in the same order), with ``"kind": "tabularnet"`` in
its metadata. This module says what such a file holds and checks it, using
the envelope's checks of the hyperparameters, the training state, the
classes and the arrays' headers (:mod:`skdeep.io.envelope`); persistence
dispatches to :func:`contents`, :func:`plan`, :func:`check_headers` and
:func:`assemble` on the ``kind`` field.

The metadata, besides the envelope's ``format``, ``format_version`` (2),
``skdeep_version``, ``estimator``, ``params``, ``train_state`` and
``n_features_in_``, holds

* ``kind``: ``"tabularnet"``;
* ``spec``: the :class:`~skdeep.nn.ensemble.EnsembleSpec` (layer sizes of
  one member, number of members, activations, dtype, dropout rate, input
  scale factor);
* ``preprocessor``: the fitted
  :class:`~skdeep.tabular.preprocessing.TabularPreprocessor`'s parameters
  and its structure: ``numeric_columns_``, ``categorical_columns_``,
  ``missing_indicators_``, ``encodings_``, ``missing_categories_``, and how
  many bin edges and categories each column has (``n_bin_edges``,
  ``n_categories``); with date columns only, ``date_columns_``,
  ``date_parts_``, ``date_formats_`` and ``date_timezones_`` (a model without
  dates is written as before them, and files without them load as models
  without dates); with target statistics only, ``target_columns_``,
  ``target_parts_`` and ``n_target_categories`` (likewise); with free-text
  columns only, ``text_columns_`` and ``n_text_components`` (likewise);
* ``label_type`` (classifier) or ``y_ndim`` (regressor).

Everything the metadata's sizes imply is known before any array is read: the
preprocessor's output width, checked against the network's input layer, and
so the shape of every array. The arrays are ``params`` (the flat parameter
vector), the training state's ``best_params`` and ``best_state`` and, with
``include_optimizer=True``, AdamW's ``optimizer_first_moment`` and
``optimizer_second_moment``; ``feature_names_in`` when the model was fitted on
named columns; ``preprocessor_medians``, ``preprocessor_scales``,
``preprocessor_bin_edges`` (every numeric feature's edges, one after the other:
the numeric columns', then each date part's)
and ``preprocessor_categories`` (every categorical column's categories, one
after the other); with target statistics, ``preprocessor_target_categories``
and ``preprocessor_target_statistics`` (each column's lines, categories then
missing then prior, one after the other, flattened); with free-text columns,
``preprocessor_text_idf`` (each column's IDF, one after the other) and
``preprocessor_text_components`` (each column's projection, row after row,
flattened), each column taking :data:`~skdeep.tabular.text.N_BUCKETS`
values a row; ``classes`` (classifier) or ``y_mean`` and ``y_scale``
(regressor). The preprocessor's private layout is not stored: load rebuilds it
as ``fit`` does. The preprocessor's parameters and fitted state are read with
its ``get_params`` and ``fitted_state`` and it is rebuilt with
``from_fitted_state``, once every field and array is checked: this module never
reads or sets its attributes.
"""

from dataclasses import dataclass

import numpy as np

from .._base.record import FittedModel
from ..nn.ensemble import EnsembleNetwork, EnsembleSpec
from ..nn.values import is_count
from ..tabular.dates import ALL_PARTS, DATE_PARTS, check_zone_name
from ..tabular.estimators import FEATURE_SCALE_FACTOR, TabularNetClassifier, TabularNetRegressor
from ..tabular.preprocessing import FittedPreprocessing, TabularPreprocessor
from ..tabular.target_stats import MAX_CATEGORIES, MAX_CATEGORY_CHARS, MAX_CLASSES
from ..tabular.text import N_BUCKETS, N_COMPONENTS
from ..train.optimizers import AdamW
from .envelope import (FORMAT, MAX_HIDDEN_LAYERS, MAX_LABEL_CHARS, Expected, check_array_headers, check_fields,
                       check_finite, check_format_version, check_parameter_count, checked, checked_model,
                       checked_targets, checked_train_state, envelope, expected_classes, is_text_dtype,
                       to_json)
from .model_file import expect, shorten

KIND = "tabularnet"

# Limits of load besides the envelope's, tied to its max_parameters. Every input column and
# every feature the preprocessor encodes becomes Python objects (arrays, the names of the
# output columns), some hundred bytes each, where a parameter takes 8: without these bounds a
# small file could make load build gigabytes of them. A fitted model has at least one
# parameter per encoded feature, and in practice dozens.
#: Allowed parameters per encoded feature (network input): 1 million at the default limit.
PARAMETERS_PER_INPUT = 10
#: Allowed parameters per input column: 100,000 columns at the default limit.
PARAMETERS_PER_COLUMN = 100

ESTIMATORS = {"TabularNetClassifier": TabularNetClassifier, "TabularNetRegressor": TabularNetRegressor}
_METADATA_FIELDS = {"format", "format_version", "kind", "skdeep_version", "estimator", "params", "spec",
                    "train_state", "n_features_in_", "preprocessor"}
_CLASSIFIER_FIELDS = {"label_type"}
_REGRESSOR_FIELDS = {"y_ndim"}
_PREPROCESSOR_FIELDS = {"params", "numeric_columns_", "categorical_columns_", "missing_indicators_",
                        "n_bin_edges", "encodings_", "missing_categories_", "n_categories"}
# Written only for a model with date columns, all four or none.
_DATE_FIELDS = {"date_columns_", "date_parts_", "date_formats_", "date_timezones_"}
# The parts a date column has: as fit gives them, with or without a time of day.
_DATE_PART_LISTS = (list(DATE_PARTS), list(ALL_PARTS))
# Written only for a model with target statistics, all three or none.
_TARGET_FIELDS = {"target_columns_", "target_parts_", "n_target_categories"}
_TARGET_ARRAYS = {"preprocessor_target_categories", "preprocessor_target_statistics"}
# Written only for a model with free-text columns, both or none.
_TEXT_FIELDS = {"text_columns_", "n_text_components"}
_TEXT_ARRAYS = {"preprocessor_text_idf", "preprocessor_text_components"}
# The optional groups of preprocessor fields, each present whole or not at all.
_OPTIONAL_FIELDS = (_DATE_FIELDS, _TARGET_FIELDS, _TEXT_FIELDS)
# A date format is a strftime format or "ISO8601" (pandas guesses formats of a few fields).
_MAX_DATE_FORMAT_CHARS = 256
# A tuple, not a set: the writer follows its order, so that the file's bytes do not depend on the
# hash seed.
_PREPROCESSOR_PARAMS = ("max_one_hot", "clip", "numeric_bins", "dtype")
_ENCODINGS = ("binary", "one-hot", "most-frequent")
# The only solver TabularNet trains with.
_SOLVER = "adamw"
_OPTIMIZER_ARRAYS = {f"optimizer_{name}" for name in AdamW.STATE_ARRAYS}
_PREPROCESSOR_ARRAYS = {"preprocessor_medians", "preprocessor_scales", "preprocessor_bin_edges",
                        "preprocessor_categories"}
#: Every array a TabularNet model file may hold besides the metadata.
ARRAY_NAMES = {"params", "best_params", "best_state", "classes", "feature_names_in", "y_mean", "y_scale",
               *_OPTIMIZER_ARRAYS, *_PREPROCESSOR_ARRAYS, *_TARGET_ARRAYS, *_TEXT_ARRAYS}


# ------------------------------------------------------------------ writing
def contents(record, params, include_optimizer):
    """``(metadata, arrays, max_parameters load needs, size)`` of a fitted TabularNet model's record.

    ``params`` are its hyperparameters, ``callbacks`` already set to None;
    ``size`` says in words what sets the ``max_parameters`` needed. Raises
    ValueError if the model's parts contradict each other (its input
    columns and its preprocessor's), which no fit leaves behind.
    """
    network, preprocessor, n_features = record.network, record.preprocessor, record.n_features_in
    state = preprocessor.fitted_state()
    _check_same_columns(record, state)
    preprocessor_values, preprocessor_arrays = _preprocessor_contents(preprocessor.get_params(), state)
    metadata, arrays = envelope(record, params, include_optimizer, preprocessor_arrays)
    metadata.update(kind=KIND, preprocessor=preprocessor_values)
    n_params, n_inputs = network.spec.n_params, network.spec.layer_sizes[0]
    n_text = _text_values(len(state.text_columns), [len(c) for c in state.text_components])
    needed = max(n_params, PARAMETERS_PER_INPUT * n_inputs, PARAMETERS_PER_COLUMN * n_features, n_text)
    size = f"{n_params:,} parameters"
    if needed > n_params:
        size += f", {n_inputs:,} encoded features and {n_features:,} columns"
        if n_text:
            size += f" and {n_text:,} values of text projections"
    return metadata, arrays, needed, size


def _check_same_columns(record, state):
    """The model and its preprocessor (its fitted ``state``) saw the same columns (one copy is stored)."""
    names, names_seen = record.feature_names_in, state.feature_names_in
    same_names = (names is None) == (names_seen is None) and (
        names is None or (len(names) == len(names_seen)
                          and all(a == b for a, b in zip(names, names_seen, strict=True))))
    if record.n_features_in != state.n_features_in or not same_names:
        raise ValueError("Cannot save this model: its preprocessor_ was fitted on other columns than the "
                         "model (n_features_in_ or feature_names_in_ differ).")


def _preprocessor_contents(all_params, state):
    """The JSON fields and arrays of a fitted preprocessor, from its parameters and fitted state.

    Its private layout is rebuilt by load.
    """
    params = {name: all_params[name] for name in _PREPROCESSOR_PARAMS}
    if isinstance(params["dtype"], type):  # np.float32 and np.float64 are valid too
        params["dtype"] = np.dtype(params["dtype"]).name
    values = {
        "params": params,
        "numeric_columns_": list(state.numeric_columns),
        "categorical_columns_": list(state.categorical_columns),
        "missing_indicators_": list(state.missing_indicators),
        "n_bin_edges": [len(edges) for edges in state.bin_edges],
        "encodings_": list(state.encodings),
        "missing_categories_": list(state.missing_categories),
        "n_categories": [len(categories) for categories in state.categories],
    }
    if state.date_columns:  # else the fields of files written before dates were read
        values.update(date_columns_=list(state.date_columns), date_parts_=[list(p) for p in state.date_parts],
                      date_formats_=list(state.date_formats), date_timezones_=list(state.date_timezones))
    if state.target_columns:  # else the fields of files written before target statistics
        values.update(target_columns_=list(state.target_columns), target_parts_=list(state.target_parts),
                      n_target_categories=[len(c) for c in state.target_categories])
    if state.text_columns:  # else the fields of files written before free text was read
        values.update(text_columns_=list(state.text_columns),
                      n_text_components=[len(c) for c in state.text_components])
    arrays = {
        "preprocessor_medians": np.asarray(state.medians),
        "preprocessor_scales": np.asarray(state.scales),
        "preprocessor_bin_edges": _joined(state.bin_edges, np.float64),
        # Categories are strings (fit takes their str()); an empty list is an empty string array.
        "preprocessor_categories": _joined([np.asarray(c, dtype=str) for c in state.categories], np.str_),
    }
    if state.target_columns:
        arrays.update(
            preprocessor_target_categories=_joined([np.asarray(c, dtype=str) for c in state.target_categories],
                                                   np.str_),
            preprocessor_target_statistics=_joined([s.ravel() for s in state.target_statistics], np.float64))
    if state.text_columns:
        arrays.update(preprocessor_text_idf=_joined(state.text_idf, np.float64),
                      preprocessor_text_components=_joined([c.ravel() for c in state.text_components], np.float64))
    return to_json(values), arrays


def _joined(parts, dtype):
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _text_values(n_columns, n_components):
    """Values the text projections of ``n_columns`` free-text columns hold: each column's IDF and rows."""
    return (n_columns + sum(n_components)) * N_BUCKETS


# ------------------------------------------------------------------ reading: the metadata
@dataclass
class _PreprocessorPlan:
    """The preprocessor's JSON part, checked: its parameters, its structure and the sizes of its arrays."""

    params: dict
    numeric_columns: list
    categorical_columns: list
    missing_indicators: list
    encodings: list
    missing_categories: list
    n_bin_edges: list
    n_categories: list
    date_columns: list
    date_parts: list
    date_formats: list
    date_timezones: list
    target_columns: list
    target_parts: tuple
    n_target_categories: list
    text_columns: list
    n_text_components: list


@dataclass
class _Plan:
    """The model the metadata describes, every JSON field checked and nothing allocated."""

    model: object  # the envelope's parts, checked (envelope.Model)
    spec: EnsembleSpec
    n_params: int
    n_features: int
    preprocessor: _PreprocessorPlan


def plan(metadata, max_parameters):
    """Check every field of the metadata; no array has been read or allocated yet."""
    Estimator = _checked_envelope(metadata)
    spec = _checked_spec(metadata["spec"])
    n_params = spec.n_params  # Python integers (math.prod): no overflow for a hostile spec
    check_parameter_count(n_params, max_parameters)
    n_features = metadata["n_features_in_"]
    # Every input column becomes at least one of the network's inputs.
    expect(is_count(n_features) and 1 <= n_features <= spec.layer_sizes[0],
           "n_features_in_ contradicts the layer sizes")
    for count, what, per in ((spec.layer_sizes[0], "encoded features", PARAMETERS_PER_INPUT),
                             (n_features, "input columns", PARAMETERS_PER_COLUMN)):
        if count * per > max_parameters:
            expect(False, f"the model has {count} {what}; a limit of {max_parameters} parameters allows "
                   f"{max_parameters // per} (one per {per} parameters; pass a larger max_parameters to "
                   "load a model you expect)")
    if Estimator is TabularNetRegressor:
        _check_y_ndim(metadata["y_ndim"], spec.layer_sizes[-1])
    model = checked_model(Estimator, metadata, spec)
    optimizer = metadata["train_state"].get("optimizer")
    expect(optimizer is None or optimizer["solver"] == _SOLVER,
           f"a TabularNet model trains with {_SOLVER!r}, not {shorten(optimizer and optimizer['solver'])}")
    expect(metadata["train_state"]["schedule_state"] == {},
           "a TabularNet model's learning-rate schedule keeps no state")
    preprocessor = _checked_preprocessor(metadata["preprocessor"], n_features, spec)
    n_text = _text_values(len(preprocessor.text_columns), preprocessor.n_text_components)
    expect(n_text <= max_parameters, f"the free-text projections hold {n_text} values, more than the limit of "
           f"{max_parameters} parameters (pass a larger max_parameters to load a model you expect)")
    return _Plan(model, spec, n_params, n_features, preprocessor)


def _checked_envelope(metadata):
    """The estimator class, the format, kind and fields checked."""
    expect(isinstance(metadata, dict) and metadata.get("format") == FORMAT and metadata.get("kind") == KIND,
           "not an skdeep TabularNet model file")
    check_format_version(metadata.get("format_version"))
    expect(metadata["format_version"] >= 2, "TabularNet models exist from format version 2 on")
    Estimator = ESTIMATORS.get(metadata.get("estimator"))
    expect(Estimator is not None, f"unknown TabularNet estimator {shorten(metadata.get('estimator'))}")
    own = _CLASSIFIER_FIELDS if Estimator is TabularNetClassifier else _REGRESSOR_FIELDS
    check_fields(metadata, _METADATA_FIELDS | own)
    return Estimator


def _checked_spec(values):
    # Bound the list before EnsembleSpec walks it: the JSON may hold millions of entries.
    expect(isinstance(values, dict) and isinstance(values.get("layer_sizes"), list)
           and 3 <= len(values["layer_sizes"]) <= MAX_HIDDEN_LAYERS + 2,
           f"the spec must have between 3 and {MAX_HIDDEN_LAYERS + 2} layer sizes")
    spec = checked(EnsembleSpec.from_dict, values)
    # What the estimator builds: a hidden activation it accepts, the input scale on or off.
    expect(spec.hidden_activation != "identity", "a TabularNet model has no 'identity' hidden activation")
    expect(spec.scale_factor in (0.0, FEATURE_SCALE_FACTOR),
           f"the spec's scale_factor must be 0 or {FEATURE_SCALE_FACTOR}, got {shorten(spec.scale_factor)}")
    return spec


def _check_y_ndim(y_ndim, n_outputs):
    # A 2-D y of one column is raveled by fit: y_ndim 2 means two outputs or more.
    expect(y_ndim in (1, 2) and is_count(y_ndim), f"y_ndim must be 1 or 2, got {shorten(y_ndim)}")
    expect((y_ndim == 1) == (n_outputs == 1), f"y_ndim {y_ndim} contradicts the {n_outputs} output units")


def _checked_preprocessor(values, n_features, spec):
    """The preprocessor's parameters and JSON fields, checked, and the sizes of its arrays.

    Its output width, computed from the JSON alone, must be the network's
    input layer: that bounds every list and array of the preprocessor by the
    parameter count.
    """
    extra = set(values) - _PREPROCESSOR_FIELDS if isinstance(values, dict) else set()
    expect(isinstance(values, dict) and _PREPROCESSOR_FIELDS <= set(values)
           and all(group <= extra or not group & extra for group in _OPTIONAL_FIELDS)
           and extra <= set().union(*_OPTIONAL_FIELDS),
           f"the preprocessor needs exactly the fields {sorted(_PREPROCESSOR_FIELDS)}, with date columns "
           f"{sorted(_DATE_FIELDS)} too, with target statistics {sorted(_TARGET_FIELDS)} too and with "
           f"free-text columns {sorted(_TEXT_FIELDS)} too")
    params = values["params"]
    expect(isinstance(params, dict) and set(params) == set(_PREPROCESSOR_PARAMS),
           f"the preprocessor's params need exactly the keys {sorted(_PREPROCESSOR_PARAMS)}")
    checked(TabularPreprocessor.check_params, params)  # scikit-learn's checks of types and ranges
    # (scikit-learn takes a bool for an int: True bins would be one bin.)
    expect(is_count(params["numeric_bins"]) and is_count(params["max_one_hot"]),
           "the preprocessor's numeric_bins and max_one_hot must be integers")
    expect(params["dtype"] == spec.dtype, "the preprocessor's dtype contradicts the network's")
    numeric, categorical = values["numeric_columns_"], values["categorical_columns_"]
    dates = values.get("date_columns_", [])
    expect(isinstance(numeric, list) and isinstance(categorical, list) and isinstance(dates, list)
           and len(numeric) + len(categorical) + len(dates) == n_features
           and all(is_count(j) for j in numeric + categorical + dates)
           and sorted(numeric) == numeric and sorted(categorical) == categorical and sorted(dates) == dates
           and sorted(numeric + categorical + dates) == list(range(n_features)),
           "numeric_columns_, categorical_columns_ and date_columns_ must split the columns 0 to "
           "n_features_in_ - 1, each list in increasing order")
    date_parts, date_formats, date_timezones = _checked_dates(values, len(dates))
    targets, target_parts, n_target_categories = _checked_targets(values, categorical, spec)
    texts, n_text_components = _checked_texts(values, categorical)
    # The numeric features: the numeric columns, then each date column's parts, then each
    # categorical column's target statistics, then each free-text column's features.
    n_dated = len(numeric) + sum(map(len, date_parts))
    n_targeted = n_dated + len(targets) * len(target_parts)
    n_numeric = n_targeted + sum(n_text_components)
    indicators, n_bin_edges = values["missing_indicators_"], values["n_bin_edges"]
    expect(_is_list_of(indicators, n_numeric, lambda value: isinstance(value, bool)),
           "missing_indicators_ must be one bool per numeric feature (numeric column or date part)")
    expect(_indicators_on_first_parts(indicators, len(numeric), [len(parts) for parts in date_parts]),
           "a date column's missing-value indicator is its first part's")
    expect(not any(indicators[n_dated:n_targeted]), "target statistics have no missing-value indicator")
    expect(_indicators_on_first_parts(indicators, n_targeted, n_text_components),
           "a free-text column's missing-value indicator is its first feature's")
    # quantile_bin_edges gives no edges, or from 2 to numeric_bins + 1 of them.
    expect(_is_list_of(n_bin_edges, n_numeric,
                       lambda n: is_count(n) and (n == 0 or 2 <= n <= params["numeric_bins"] + 1)),
           f"n_bin_edges must be, per numeric feature, 0 or from 2 to numeric_bins + 1 = "
           f"{params['numeric_bins'] + 1}")
    expect(not any(n_bin_edges[n_targeted:]), "a free-text column's features have no bins")
    encodings, missing, n_categories = (values[name] for name in ("encodings_", "missing_categories_",
                                                                  "n_categories"))
    expect(_is_list_of(encodings, len(categorical), lambda encoding: encoding in _ENCODINGS),
           f"encodings_ must be one of {list(_ENCODINGS)} per categorical column")
    expect(_is_list_of(missing, len(categorical), lambda value: isinstance(value, bool)),
           "missing_categories_ must be one bool per categorical column")
    expect(_is_list_of(n_categories, len(categorical), is_count),
           "n_categories must be a count per categorical column")
    width = sum(1 + indicator + max(n - 1, 0) for indicator, n in zip(indicators, n_bin_edges, strict=True))
    for encoding, n, has_missing in zip(encodings, n_categories, missing, strict=True):
        width += _categorical_width(encoding, n, has_missing, params["max_one_hot"])
    expect(width == spec.layer_sizes[0], f"the preprocessor encodes {width} features but the network "
           f"takes {spec.layer_sizes[0]}")
    expect(all(encodings[categorical.index(j)] == "most-frequent" for j in targets),
           "only a most-frequent column has target statistics")
    expect(all(encodings[categorical.index(j)] == "most-frequent" for j in texts),
           "only a most-frequent column is read as free text")
    return _PreprocessorPlan(params, numeric, categorical, indicators, encodings, missing, n_bin_edges,
                             n_categories, dates, date_parts, date_formats, date_timezones, targets, target_parts,
                             n_target_categories, texts, n_text_components)


def _checked_texts(values, categorical):
    """The free-text columns and each one's number of features."""
    if "text_columns_" not in values:
        return [], []
    columns, counts = values["text_columns_"], values["n_text_components"]
    expect(isinstance(columns, list) and 0 < len(columns) and all(is_count(j) and j in categorical for j in columns)
           and sorted(set(columns)) == columns,
           "text_columns_ must be categorical columns, in increasing order")
    expect(_is_list_of(counts, len(columns), lambda n: is_count(n) and 1 <= n <= N_COMPONENTS),
           f"n_text_components must be, per free-text column, from 1 to {N_COMPONENTS}")
    return columns, counts


def _checked_targets(values, categorical, spec):
    """The columns with target statistics, the statistics' names and each column's count of categories."""
    if "target_columns_" not in values:
        return [], (), []
    columns, parts, counts = (values[name] for name in ("target_columns_", "target_parts_", "n_target_categories"))
    expect(isinstance(columns, list) and 0 < len(columns) and all(is_count(j) and j in categorical for j in columns)
           and sorted(set(columns)) == columns,
           "target_columns_ must be categorical columns, in increasing order")
    # A statistic per class (at most MAX_CLASSES), per output, or one.
    most = max(MAX_CLASSES, spec.layer_sizes[-1])
    expect(isinstance(parts, list) and 0 < len(parts) <= most and len(set(parts)) == len(parts)
           and all(isinstance(part, str) and 0 < len(part) <= MAX_LABEL_CHARS + 7 for part in parts),
           f"target_parts_ must be from 1 to {most} distinct names")
    expect(_is_list_of(counts, len(columns), lambda n: is_count(n) and 1 <= n <= MAX_CATEGORIES),
           f"n_target_categories must be, per column with target statistics, from 1 to {MAX_CATEGORIES}")
    return columns, tuple(parts), counts


def _checked_dates(values, n_dates):
    """Each date column's parts (as fit lists them), string format and time zone, checked."""
    if n_dates == 0:
        expect(not (set(values) & _DATE_FIELDS), "date fields without date columns")
        return [], [], []
    parts, formats, zones = values["date_parts_"], values["date_formats_"], values["date_timezones_"]
    expect(_is_list_of(parts, n_dates, lambda value: value in _DATE_PART_LISTS),
           f"date_parts_ must be, per date column, {_DATE_PART_LISTS[0]} or {_DATE_PART_LISTS[1]}")
    expect(_is_list_of(formats, n_dates, lambda value: value is None or (
        isinstance(value, str) and 0 < len(value) <= _MAX_DATE_FORMAT_CHARS)),
           f"date_formats_ must be, per date column, None or a format of at most {_MAX_DATE_FORMAT_CHARS} "
           "characters")
    expect(_is_list_of(zones, n_dates, lambda value: value is None or isinstance(value, str)),
           "date_timezones_ must be, per date column, None or a time zone name")
    for zone in zones:
        if zone is not None:
            checked(check_zone_name, zone)
    return [tuple(p) for p in parts], formats, zones


def _indicators_on_first_parts(indicators, start, part_lengths):
    """Whether, of the features from ``start`` on (columns of ``part_lengths`` parts each, one after the
    other), only a column's first part has a missing-value indicator: a column's parts are missing together."""
    firsts = set((start + np.cumsum([0, *part_lengths[:-1]])).tolist()) if part_lengths else set()
    return not any(indicators[i] for i in range(start, start + sum(part_lengths)) if i not in firsts)


def _is_list_of(values, length, accepts):
    return isinstance(values, list) and len(values) == length and all(accepts(value) for value in values)


def _categorical_width(encoding, n_categories, has_missing, max_one_hot):
    """Output columns of one categorical column, after checking its counts as fit makes them."""
    n_kept = n_categories + has_missing
    if encoding == "binary":
        expect(n_categories == 2 and not has_missing,
               "a binary column has exactly two categories and no missing-value column")
        return 1
    if encoding == "one-hot":
        expect(1 <= n_kept <= max_one_hot, f"a one-hot column has from 1 to max_one_hot = {max_one_hot} "
               "categories, missing values counting as one")
        return n_kept
    expect(n_kept <= max_one_hot - 1, f"a most-frequent column keeps at most max_one_hot - 1 = "
           f"{max_one_hot - 1} categories, missing values counting as one")
    return n_kept + 1  # the "other" column


# ------------------------------------------------------------------ reading: the arrays
def _expected_arrays(plan):
    """``(required, optional)``: array name -> Expected, from the metadata alone."""
    dtype = np.dtype(plan.spec.dtype)

    def vector(length, wanted=dtype):
        return Expected(((length,),), lambda found: found == wanted, wanted.name)

    text = f"strings of at most {MAX_LABEL_CHARS} characters"
    n_bin_edges, n_categories = plan.preprocessor.n_bin_edges, plan.preprocessor.n_categories
    n_numeric = len(n_bin_edges)
    required = {
        "params": vector(plan.n_params),
        "preprocessor_medians": vector(n_numeric, np.dtype(np.float64)),
        "preprocessor_scales": vector(n_numeric, np.dtype(np.float64)),
        "preprocessor_bin_edges": vector(sum(n_bin_edges), np.dtype(np.float64)),
        "preprocessor_categories": Expected(((sum(n_categories),),), is_text_dtype, text),
    }
    n_target_categories = plan.preprocessor.n_target_categories
    if n_target_categories:
        n_lines = sum(n_target_categories) + 2 * len(n_target_categories)
        required.update(
            # fit keeps no category longer than MAX_CATEGORY_CHARS for target statistics
            preprocessor_target_categories=Expected(
                ((sum(n_target_categories),),),
                lambda found: is_text_dtype(found) and found.itemsize <= 4 * MAX_CATEGORY_CHARS,
                f"strings of at most {MAX_CATEGORY_CHARS} characters"),
            preprocessor_target_statistics=vector(n_lines * len(plan.preprocessor.target_parts),
                                                  np.dtype(np.float64)))
    texts = plan.preprocessor.text_columns
    if texts:
        required.update(
            preprocessor_text_idf=vector(len(texts) * N_BUCKETS, np.dtype(np.float64)),
            preprocessor_text_components=vector(sum(plan.preprocessor.n_text_components) * N_BUCKETS,
                                                np.dtype(np.float64)))
    optional = {"best_params": vector(plan.n_params), "best_state": vector(0),
                "feature_names_in": Expected(((plan.n_features,),), is_text_dtype, text)}
    if plan.model.train_state.get("optimizer") is not None:
        required.update({name: vector(plan.n_params) for name in _OPTIMIZER_ARRAYS})
    if plan.model.n_classes:
        required["classes"] = expected_classes(plan.model.label_type, plan.model.n_classes)
    else:
        n_outputs = plan.spec.layer_sizes[-1]
        required.update(y_mean=vector(n_outputs, np.dtype(np.float64)),
                        y_scale=vector(n_outputs, np.dtype(np.float64)))
    return required, optional


def check_headers(headers, plan):
    """Every array's shape and dtype against the metadata, before any array is decompressed."""
    check_array_headers(headers, *_expected_arrays(plan))


def assemble(plan, arrays):
    """The estimator, from the checked plan and the arrays (shapes and dtypes already checked)."""
    model, spec = plan.model, plan.spec
    network = EnsembleNetwork(spec)
    check_finite("params", arrays["params"])
    network.params[...] = arrays.pop("params")
    names = arrays.pop("feature_names_in", None)
    if names is not None:
        # Decoded once: the estimator's and the preprocessor's arrays share the strings, as after fit.
        names = names.astype(object)
    preprocessor = _assembled_preprocessor(plan, arrays, names)
    expect(preprocessor.n_features_out_ == spec.layer_sizes[0],
           "the preprocessor's layout contradicts the network's inputs")
    record = FittedModel(
        kind=KIND, estimator=model.Estimator.__name__, params=model.params, network=network,
        targets=checked_targets(model, arrays),
        train_state=checked_train_state(model.train_state, arrays, network, model.params),
        n_features_in=plan.n_features, feature_names_in=None if names is None else names.copy(),
        preprocessor=preprocessor,
    )
    return model.Estimator._from_record(record)


def _assembled_preprocessor(plan, arrays, names):
    """The fitted preprocessor: the plan's JSON part and its arrays, each checked.

    ``names`` are the input columns' names as an object array, or None.
    """
    planned = plan.preprocessor
    medians, scales = arrays.pop("preprocessor_medians"), arrays.pop("preprocessor_scales")
    check_finite("the preprocessor's medians", medians)
    expect(np.isfinite(scales).all() and (scales >= 0).all(),
           "the preprocessor's scales must be finite and non-negative")
    edges = arrays.pop("preprocessor_bin_edges")
    check_finite("the preprocessor's bin edges", edges)
    expect(_increasing_within(edges, planned.n_bin_edges),
           "the preprocessor's bin edges must be strictly increasing within each column")
    categories = arrays.pop("preprocessor_categories")
    # transform looks categories up by binary search: they must be as np.unique gives them.
    expect(_increasing_within(categories, planned.n_categories),
           "the preprocessor's categories must be sorted and unique within each column")
    target_categories, target_statistics = _target_statistics(planned, arrays)
    text_idf, text_components = _text_projections(planned, arrays)
    state = FittedPreprocessing(
        n_features_in=plan.n_features, feature_names_in=names,
        numeric_columns=planned.numeric_columns, categorical_columns=planned.categorical_columns,
        missing_indicators=np.array(planned.missing_indicators, dtype=bool), medians=medians, scales=scales,
        # Views into the arrays just read: the categories may be the largest array of the file.
        # (A column's categories keep the string width of the longest category of any column,
        # which changes nothing that transform or get_feature_names_out computes.)
        bin_edges=_split(edges, planned.n_bin_edges), categories=_split(categories, planned.n_categories),
        encodings=planned.encodings, missing_categories=planned.missing_categories,
        date_columns=planned.date_columns, date_parts=planned.date_parts, date_formats=planned.date_formats,
        date_timezones=planned.date_timezones, target_columns=planned.target_columns,
        target_parts=planned.target_parts, target_categories=target_categories,
        target_statistics=target_statistics, text_columns=planned.text_columns, text_idf=text_idf,
        text_components=text_components,
    )
    # The parameters were checked by plan: from_fitted_state's own check of them cannot fail here.
    return TabularPreprocessor.from_fitted_state(planned.params, state)


def _target_statistics(planned, arrays):
    """Each column's categories with target statistics and its lines of statistics, checked."""
    if not planned.target_columns:
        return [], []
    categories = arrays.pop("preprocessor_target_categories")
    expect(_increasing_within(categories, planned.n_target_categories),
           "the target statistics' categories must be sorted and unique within each column")
    statistics = arrays.pop("preprocessor_target_statistics")
    check_finite("the target statistics", statistics)
    n_parts = len(planned.target_parts)
    lines = [(n + 2) * n_parts for n in planned.n_target_categories]
    return (_split(categories, planned.n_target_categories),
            [part.reshape(-1, n_parts) for part in _split(statistics, lines)])


def _text_projections(planned, arrays):
    """Each free-text column's IDF and projection, checked."""
    if not planned.text_columns:
        return [], []
    idf, components = arrays.pop("preprocessor_text_idf"), arrays.pop("preprocessor_text_components")
    # fit's IDF is 1 + log((1 + n) / (1 + df)), at least 1
    expect(np.isfinite(idf).all() and (idf >= 1).all(), "the text IDF must be finite and at least 1")
    check_finite("the text projections", components)
    n_columns = len(planned.text_columns)
    return (_split(idf, [N_BUCKETS] * n_columns),
            [part.reshape(-1, N_BUCKETS) for part in _split(components, [n * N_BUCKETS for n in
                                                                         planned.n_text_components])])


def _split(values, lengths):
    """``values`` cut into consecutive views of ``lengths``."""
    return np.split(values, np.cumsum(lengths[:-1], dtype=np.intp)) if lengths else []


def _increasing_within(values, lengths):
    """Whether ``values``, cut into consecutive parts of ``lengths``, is strictly increasing in each part."""
    if len(values) < 2:
        return True
    increasing = values[1:] > values[:-1]
    # A part starting at position p (p > 0) need not exceed the value before it, the previous part's last.
    starts = np.cumsum(lengths[:-1], dtype=np.intp)
    starts = starts[(starts > 0) & (starts < len(values))]
    increasing[starts - 1] = True
    return bool(increasing.all())
