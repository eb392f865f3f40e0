"""Export fitted estimators to ONNX, alone or inside scikit-learn pipelines.

skdeep registers a converter for each estimator with skl2onnx, which already
converts scikit-learn's transformers and pipelines; :func:`to_onnx` is a thin
front door that registers them and picks input types. The graph is built from
:meth:`Network.inference_layers`: one ``MatMul`` + ``Add`` per layer with batch
normalization folded into it, then the activation, then the output function.

Every graph computes in the input's precision, float32 or float64. ONNX
Runtime has float32-only kernels for several activations (``Elu``, ``Selu``,
``LeakyRelu``, ``Softplus``, ``Erf``), so those activations are written with
elementary operators that it runs in both precisions. GELU needs ``erf``: the
float32 graph uses the ``Erf`` operator, the float64 graph a Taylor expansion
around the nearest of a grid of points whose coefficients it looks up in
tables (see :func:`_erf`), within 4e-16 of SciPy's ``erf``.

:class:`TabularNetClassifier` and :class:`TabularNetRegressor` export as their
preprocessing (numeric columns only, see :func:`_tabular_preprocessing`),
computed in float64 like :meth:`TabularPreprocessor.transform` and then
rounded to the graph's precision, followed by the ensemble of members and the
mean of their outputs (see :func:`_ensemble_mean`). The fitted
:class:`~skdeep.tabular.preprocessing.TabularPreprocessor` converts alone too.

skl2onnx and onnx are optional (``pip install "scikit-deepnet[onnx]"``) and imported
only here, when an export is asked for.
"""

import math

import numpy as np

from ..nn.activations import ELU_ALPHA, LEAKY_RELU_SLOPE, SELU_ALPHA, SELU_SCALE
from ..deepnet.estimators import DeepNetClassifier, DeepNetRegressor
from ..tabular.estimators import TabularNetClassifier, TabularNetRegressor
from ..tabular.compact import CLIP_AT as _CLIP_AT  # where the smooth clip levels off
from ..tabular.preprocessing import TabularPreprocessor

# float64 erf: erf(6) is 1 in float64; degree-5 Taylor expansions around
# points 1/256 apart are within 4e-16 of SciPy's erf.
_ERF_CLIP = 6.0
_ERF_GRID_STEPS = 256
_ERF_TAYLOR_DEGREE = 5
# The smooth clip squares z / 3; beyond this |z| it is 3 to float64's precision,
# and clipping z there first keeps the square finite (inf becomes +-3, as in NumPy).
_SMOOTH_CLIP_SATURATES = 1e150
# Converter option of the TabularNet estimators: False exports the network alone.
_PREPROCESSING_OPTION = "include_preprocessing"
_INSTALL_HINT = (
    'ONNX export needs the optional packages onnx and skl2onnx: pip install "scikit-deepnet[onnx]" '
    '(".[onnx]" from a checkout)'
)


def _skl2onnx():
    try:
        import skl2onnx
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return skl2onnx


class _Graph:
    """Adds nodes and constants of one precision to skl2onnx's container."""

    def __init__(self, scope, container, proto_dtype):
        from skl2onnx.proto import onnx_proto

        self.scope, self.container, self.proto_dtype = scope, container, proto_dtype
        self.dtype = np.float64 if proto_dtype == onnx_proto.TensorProto.DOUBLE else np.float32

    def constant(self, value, proto_dtype=None, name="constant"):
        """An initializer holding ``value``, in the graph's precision by default."""
        from onnx import numpy_helper

        if proto_dtype is None:
            proto_dtype, value = self.proto_dtype, np.asarray(value, dtype=self.dtype)
        value = np.asarray(value)
        variable = self.scope.get_unique_variable_name(name)
        # Numbers go in as raw bytes (a list of a million Python floats takes a second).
        content = numpy_helper.from_array(value) if value.dtype.kind in "fi" else value.ravel().tolist()
        self.container.add_initializer(variable, proto_dtype, list(value.shape), content)
        return variable

    def node(self, op_type, *inputs, output=None, **attributes):
        """Add one operator; return the name of its output."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        name = self.scope.get_unique_operator_name(op_type)
        self.container.add_node(op_type, list(inputs), output, name=name, **attributes)
        return output

    def scaled(self, x, factor):
        return self.node("Mul", x, self.constant(factor))

    def integers(self, values):
        """An int64 initializer, for axes, sizes and indices."""
        from skl2onnx.proto import onnx_proto

        return self.constant(np.array(values, dtype=np.int64), proto_dtype=onnx_proto.TensorProto.INT64)

    def split_last_axis(self, x, n_parts):
        """Split ``x`` into ``n_parts`` slices of width one along its last axis."""
        outputs = [self.scope.get_unique_variable_name("part") for _ in range(n_parts)]
        name = self.scope.get_unique_operator_name("Split")
        # Sizes as an input: valid from opset 13 on (18 also accepts num_outputs).
        self.container.add_node("Split", [x, self.integers([1] * n_parts)], outputs, name=name, axis=-1)
        return outputs


# ----------------------------------------------------------- activations
def _exp_minus_one_of_negative_part(graph, x):
    """``e^min(x, 0) - 1``: the negative branch of ELU and SELU."""
    negative_part = graph.node("Min", x, graph.constant(0.0))
    return graph.node("Sub", graph.node("Exp", negative_part), graph.constant(1.0))


def _elu_with(graph, x, alpha):
    negative = graph.scaled(_exp_minus_one_of_negative_part(graph, x), alpha)
    return graph.node("Add", graph.node("Relu", x), negative)


def _softplus(graph, x):
    # max(x, 0) + log(1 + e^-|x|): never overflows, unlike log(1 + e^x).
    decay = graph.node("Exp", graph.node("Neg", graph.node("Abs", x)))
    log_term = graph.node("Log", graph.node("Add", decay, graph.constant(1.0)))
    return graph.node("Add", graph.node("Relu", x), log_term)


def _erf_taylor_tables():
    """Taylor coefficients of erf at every grid point ``c`` of ``[-clip, clip]``.

    Item ``n`` of the list holds ``erf^(n)(c) / n!`` for every ``c``. For ``n >= 1``,
    ``erf^(n)(c) = 2/sqrt(pi) (-1)^(n-1) H[n-1](c) e^(-c^2)`` with the
    (physicists') Hermite polynomials ``H[0] = 1``, ``H[1] = 2c``,
    ``H[n+1] = 2c H[n] - 2n H[n-1]``.
    """
    from scipy.special import erf

    c = np.arange(-_ERF_CLIP * _ERF_GRID_STEPS, _ERF_CLIP * _ERF_GRID_STEPS + 1) / _ERF_GRID_STEPS
    hermite = [np.ones_like(c), 2 * c]
    for n in range(1, _ERF_TAYLOR_DEGREE):
        hermite.append(2 * c * hermite[n] - 2 * n * hermite[n - 1])
    gaussian = 2 / math.sqrt(math.pi) * np.exp(-c * c)
    derivatives = [(-1) ** (n - 1) * hermite[n - 1] * gaussian for n in range(1, _ERF_TAYLOR_DEGREE + 1)]
    return [erf(c)] + [d / math.factorial(n) for n, d in enumerate(derivatives, start=1)]


def _erf(graph, u):
    from skl2onnx.proto import onnx_proto

    if graph.dtype == np.float32:
        return graph.node("Erf", u)
    # ONNX Runtime has no float64 Erf. Expand erf around the nearest grid point
    # c = k / steps: erf(c + h) = sum_n erf^(n)(c) / n! h^n with |h| <= 1 / (2 steps),
    # the coefficients gathered from tables, summed by Horner's scheme.
    u = graph.node("Clip", u, graph.constant(-_ERF_CLIP), graph.constant(_ERF_CLIP))
    k = graph.node("Round", graph.scaled(u, _ERF_GRID_STEPS))
    h = graph.node("Sub", u, graph.scaled(k, 1 / _ERF_GRID_STEPS))  # exact
    row = graph.node("Add", k, graph.constant(_ERF_CLIP * _ERF_GRID_STEPS))
    row = graph.node("Cast", row, to=onnx_proto.TensorProto.INT64)
    # One Gather of whole table rows, then split into columns: the graph runs
    # 1.5x faster than with one Gather per coefficient.
    table = np.stack(_erf_taylor_tables(), axis=1)
    rows = graph.node("Gather", graph.constant(table, name="erf_taylor"), row)
    h = graph.node("Unsqueeze", h, graph.integers([-1]))
    columns = graph.split_last_axis(rows, table.shape[1])
    result = columns[-1]
    for coefficient in columns[-2::-1]:
        result = graph.node("Add", graph.node("Mul", result, h), coefficient)
    return graph.node("Squeeze", result, graph.integers([-1]))


def _gelu(graph, x):
    # x * Phi(x) = x * (1 + erf(x / sqrt(2))) / 2
    one_plus_erf = graph.node("Add", _erf(graph, graph.scaled(x, math.sqrt(0.5))), graph.constant(1.0))
    return graph.scaled(graph.node("Mul", x, one_plus_erf), 0.5)


_ACTIVATIONS = {
    "identity": lambda graph, x: x,
    "logistic": lambda graph, x: graph.node("Sigmoid", x),
    "tanh": lambda graph, x: graph.node("Tanh", x),
    "relu": lambda graph, x: graph.node("Relu", x),
    "leaky_relu": lambda graph, x: graph.node("Max", x, graph.scaled(x, LEAKY_RELU_SLOPE)),
    "elu": lambda graph, x: _elu_with(graph, x, ELU_ALPHA),
    "selu": lambda graph, x: graph.scaled(_elu_with(graph, x, SELU_ALPHA), SELU_SCALE),
    "softplus": _softplus,
    "gelu": _gelu,
}


# ------------------------------------------------------------ converters
def _graph_of(scope, operator, container):
    """A graph in the input's precision: float64 for float64 input, else float32."""
    from skl2onnx.common.data_types import guess_proto_type
    from skl2onnx.proto import onnx_proto

    proto_dtype = guess_proto_type(operator.inputs[0].type)
    if proto_dtype != onnx_proto.TensorProto.DOUBLE:
        proto_dtype = onnx_proto.TensorProto.FLOAT
    return _Graph(scope, container, proto_dtype)


def _graph_and_logits(scope, operator, container):
    """Cast the input to the graph's precision and run every layer to the logits."""
    graph = _graph_of(scope, operator, container)
    A = graph.node("Cast", operator.inputs[0].full_name, to=graph.proto_dtype)
    for W, b, activation in operator.raw_operator._to_record().network.inference_layers():
        product = graph.node("MatMul", A, graph.constant(W, name="W"))
        Z = graph.node("Add", product, graph.constant(b, name="b"))
        A = Z if activation is None else _ACTIVATIONS[activation](graph, Z)
    return graph, A


def _onnx_class_labels(classes):
    """``classes_`` as an ONNX tensor type and content: UTF-8 strings or int64."""
    from skl2onnx.proto import onnx_proto

    if all(isinstance(label, str) for label in classes):
        return onnx_proto.TensorProto.STRING, np.array([label.encode("utf-8") for label in classes])
    try:
        as_integers = classes.astype(np.int64)
        integral = bool(np.all(as_integers == classes))
    except (TypeError, ValueError):
        integral = False
    if not integral:
        raise ValueError(
            f"ONNX labels must be integers or strings; classes_ holds {classes[:5]!r}. "
            "Refit on integer or string labels."
        )
    return onnx_proto.TensorProto.INT64, as_integers


def _is_multilabel(model):
    return model._to_record().targets.label_type == "multilabel-indicator"


def _convert_classifier(scope, operator, container):
    model = operator.raw_operator
    label_output, proba_output = operator.outputs[0].full_name, operator.outputs[1].full_name
    graph, Z = _graph_and_logits(scope, operator, container)
    if model.out_activation_ == "softmax":
        graph.node("Softmax", Z, output=proba_output, axis=1)
    elif model.n_outputs_ == 1:
        # Both columns from the logit, as predict_proba computes them.
        graph.node("Concat", graph.node("Sigmoid", graph.node("Neg", Z)), graph.node("Sigmoid", Z),
                   output=proba_output, axis=1)
    else:
        graph.node("Sigmoid", Z, output=proba_output)
    _labels(graph, model, proba_output, label_output)


def _labels(graph, model, proba_output, label_output):
    """The labels from the probabilities, as ``predict`` picks them."""
    from skl2onnx.proto import onnx_proto

    if _is_multilabel(model):
        above_half = graph.node("Greater", proba_output, graph.constant(0.5))
        graph.node("Cast", above_half, output=label_output, to=onnx_proto.TensorProto.INT64)
        return
    label_type, labels = _onnx_class_labels(model.classes_)
    classes = graph.constant(labels, proto_dtype=label_type, name="classes")
    best = graph.node("ArgMax", proba_output, axis=1, keepdims=0)
    graph.node("Gather", classes, best, output=label_output)


def _convert_regressor(scope, operator, container):
    model = operator.raw_operator
    graph, Z = _graph_and_logits(scope, operator, container)
    output_function = "Exp" if model.out_activation_ == "exp" else "Identity"
    graph.node(output_function, Z, output=operator.outputs[0].full_name)


# ------------------------------------------------- tabular networks
def _listed(preprocessor, columns):
    """The first few of ``columns`` (input positions) by name, or by position without names."""
    names = getattr(preprocessor, "feature_names_in_", None)
    shown = [repr(str(names[j])) if names is not None else str(j) for j in columns[:5]]
    more = len(columns) - len(shown)
    listed = ("" if names is not None else "at position(s) ") + ", ".join(shown)
    return listed + (f" and {more} more" if more > 0 else "")


def _refuse_unexported(preprocessor, alternative):
    """A NotImplementedError naming the date columns, else the categorical ones, if there are any."""
    _refuse_dates(preprocessor, alternative)
    _refuse_categorical(preprocessor, alternative)


def _refuse_dates(preprocessor, alternative):
    """A NotImplementedError naming the date columns (and the categorical ones), if there are any."""
    dates = getattr(preprocessor, "date_columns_", [])
    if not dates:
        return
    categorical = preprocessor.categorical_columns_
    also = (f" (and categorical column(s) {_listed(preprocessor, categorical)}, whose encodings are not "
            "exported either)") if categorical else ""
    raise NotImplementedError(
        "ONNX export of TabularNet preprocessing supports numeric columns only: robust "
        "scaling, the smooth clip, missing-value indicators and piecewise-linear bins, with "
        f"NaN as the missing value. This preprocessor has date column(s) {_listed(preprocessor, dates)}"
        f"{also}, whose parts (days since 1970, year, month, day, day of week, day of year and time of "
        "day on a circle, hour, minute) are not exported: ONNX has no calendar. Turn the dates into "
        "numbers before the model (for instance their parts, as preprocessor_.date_parts_ lists them, "
        "with pandas' .dt accessor) and refit, so that every column it sees is numeric"
        f"{alternative}."
    )


def _refuse_categorical(preprocessor, alternative):
    """A NotImplementedError naming the categorical columns, if there are any."""
    if not preprocessor.categorical_columns_:
        return
    listed = _listed(preprocessor, preprocessor.categorical_columns_)
    raise NotImplementedError(
        "ONNX export of TabularNet preprocessing supports numeric columns only: robust "
        "scaling, the smooth clip, missing-value indicators and piecewise-linear bins, with "
        f"NaN as the missing value. This preprocessor has categorical column(s) {listed}, "
        "whose one-hot, binary and most-frequent encodings are not exported. Encode them as "
        "numbers before the model (one-hot, for instance with sklearn's OneHotEncoder in a "
        "ColumnTransformer ahead of it in a Pipeline) and refit, so that every column it sees "
        f"is numeric{alternative}."
    )


def _smooth_clip(graph, z):
    """``z / sqrt(1 + (z / 3)^2)``, as :meth:`TabularPreprocessor.transform` computes it."""
    z = graph.node("Clip", z, graph.constant(-_SMOOTH_CLIP_SATURATES), graph.constant(_SMOOTH_CLIP_SATURATES))
    u = graph.node("Div", z, graph.constant(_CLIP_AT))
    root = graph.node("Sqrt", graph.node("Add", graph.node("Mul", u, u), graph.constant(1.0)))
    return graph.node("Div", z, root)


def _tabular_preprocessing(graph, X, preprocessor):
    """:meth:`TabularPreprocessor.transform` of numeric columns as a graph.

    ``graph`` is a float64 graph and ``X`` its float64 input, NaN for missing.
    Returns the encoded matrix: the scaled (and clipped) columns, the missing
    indicators and the piecewise-linear bins, computed as three blocks and put
    in the order of ``get_feature_names_out`` by one ``Gather``.
    """
    from skl2onnx.proto import onnx_proto

    numeric, scales = list(preprocessor.numeric_columns_), preprocessor.scales_
    if numeric != list(range(preprocessor.n_features_in_)):  # only categorical and date columns break this
        raise NotImplementedError("ONNX export of TabularNet preprocessing supports numeric columns only.")
    missing = graph.node("IsNaN", X)
    # (x - median) / scale where x is present and the column not constant; else 0.
    centered = graph.node("Sub", X, graph.constant(preprocessor.medians_, name="median"))
    scaled = graph.node("Div", centered, graph.constant(np.where(scales > 0, scales, 1.0), name="scale"))
    nonconstant = graph.constant(scales > 0, proto_dtype=onnx_proto.TensorProto.BOOL, name="nonconstant")
    kept = graph.node("And", graph.node("Not", missing), nonconstant)
    blocks = [graph.node("Where", kept, scaled, graph.constant(0.0))]
    if preprocessor.clip:
        blocks[0] = _smooth_clip(graph, blocks[0])

    with_indicator = np.flatnonzero(preprocessor.missing_indicators_)
    if with_indicator.size:
        indicators = graph.node("Gather", missing, graph.integers(with_indicator), axis=1)
        blocks.append(graph.node("Cast", indicators, to=onnx_proto.TensorProto.DOUBLE))

    # Bins: clip((x - e[t-1]) / (e[t] - e[t-1]), 0, 1) for every bin of every column.
    n_bins = [max(len(edges) - 1, 0) for edges in preprocessor.bin_edges_]
    if sum(n_bins):
        columns = graph.integers(np.repeat(np.arange(len(n_bins)), n_bins))
        lower = np.concatenate([edges[:-1] for edges in preprocessor.bin_edges_ if len(edges) > 1])
        width = np.concatenate([np.diff(edges) for edges in preprocessor.bin_edges_ if len(edges) > 1])
        # Missing values are binned as the median, as the preprocessor does.
        imputed = graph.node("Where", missing, graph.constant(preprocessor.medians_, name="median_for_bins"), X)
        values = graph.node("Gather", imputed, columns, axis=1)
        position = graph.node("Div", graph.node("Sub", values, graph.constant(lower, name="bin_lower")),
                              graph.constant(width, name="bin_width"))
        blocks.append(graph.node("Clip", position, graph.constant(0.0), graph.constant(1.0)))

    # Output order: each column, then its indicator, then its bins.
    n_columns, n_indicators = len(numeric), with_indicator.size
    order, indicator, bin_start = [], n_columns, n_columns + n_indicators
    for j in range(n_columns):
        order.append(j)
        if preprocessor.missing_indicators_[j]:
            order.append(indicator)
            indicator += 1
        order.extend(range(bin_start, bin_start + n_bins[j]))
        bin_start += n_bins[j]
    if len(order) != preprocessor.n_features_out_:
        raise RuntimeError(
            f"ONNX export built {len(order)} columns where the preprocessor makes "
            f"{preprocessor.n_features_out_}: its layout changed; update skdeep/io/onnx.py."
        )
    encoded = blocks[0] if len(blocks) == 1 else graph.node("Concat", *blocks, axis=1)
    if order == list(range(len(order))):
        return encoded
    return graph.node("Gather", encoded, graph.integers(order), axis=1)


def _encoded(graph, X, preprocessor):
    """The input ``X`` encoded by ``preprocessor`` in float64, cast to ``graph``'s precision."""
    from skl2onnx.proto import onnx_proto

    double = _Graph(graph.scope, graph.container, onnx_proto.TensorProto.DOUBLE)
    encoded = _tabular_preprocessing(double, double.node("Cast", X, to=double.proto_dtype), preprocessor)
    return graph.node("Cast", encoded, to=graph.proto_dtype)


def _ensemble_mean(graph, A, network):
    """The mean of the members' probabilities or values on the encoded input ``A``.

    As :class:`~skdeep.nn.ensemble.EnsembleNetwork` computes it: the input
    scale, the shared first layer ``(n[0], k * n[1])``, then members first
    ``(k, m, n)`` for one batched ``MatMul`` per layer, the output function,
    and the sum over the members divided by ``k``.
    """
    spec = network.spec
    k, sizes = spec.n_members, spec.layer_sizes
    activation = _ACTIVATIONS[spec.hidden_activation]
    if network.input_scale is not None:
        A = graph.node("Mul", A, graph.constant(network.input_scale, name="input_scale"))
    last = len(network.coefs) - 1
    for index, (W, b) in enumerate(zip(network.coefs, network.intercepts, strict=True)):
        product = graph.node("MatMul", A, graph.constant(W, name="W"))
        Z = graph.node("Add", product, graph.constant(b if index == 0 else b[:, None, :], name="b"))
        if index == last:
            break
        A = activation(graph, Z)
        if index == 0:
            # (m, k * n[1]) -> (k, m, n[1]); 0 in a Reshape keeps that dimension (m).
            members = graph.node("Reshape", A, graph.integers([0, k, sizes[1]]))
            A = graph.node("Transpose", members, perm=[1, 0, 2])
    if spec.output_activation == "softmax":
        Z = graph.node("Softmax", Z, axis=-1)
    elif spec.output_activation == "logistic":
        # 0.5 * (1 + tanh(0.5 * Z)), NumPy's formula for the sigmoid.
        Z = graph.scaled(graph.node("Add", graph.node("Tanh", graph.scaled(Z, 0.5)), graph.constant(1.0)), 0.5)
    total = graph.node("ReduceSum", Z, graph.integers([0]), keepdims=0)
    return graph.node("Div", total, graph.constant(float(k)))


def _tabular_graph_and_mean(scope, operator, container):
    """The graph of a TabularNet estimator and its members' mean output."""
    model = operator.raw_operator
    graph = _graph_of(scope, operator, container)
    X = operator.inputs[0].full_name
    options = container.get_options(model, {_PREPROCESSING_OPTION: True})
    if options[_PREPROCESSING_OPTION]:
        _refuse_unexported(
            model.preprocessor_,
            ", or export the network alone with to_onnx(model, include_preprocessing=False) "
            "and feed it model.preprocessor_.transform(X)",
        )
        A = _encoded(graph, X, model.preprocessor_)
    else:
        A = graph.node("Cast", X, to=graph.proto_dtype)
    return graph, _ensemble_mean(graph, A, model._to_record().network)


def _convert_tabular_classifier(scope, operator, container):
    model = operator.raw_operator
    label_output, proba_output = operator.outputs[0].full_name, operator.outputs[1].full_name
    graph, P = _tabular_graph_and_mean(scope, operator, container)
    if len(model.classes_) == 1:
        # One class seen at fit: certain, as predict_proba says.
        graph.node("Add", graph.scaled(P, 0.0), graph.constant(1.0), output=proba_output)
    elif model._to_record().network.spec.layer_sizes[-1] == 1 and not _is_multilabel(model):
        # Binary: [1 - p, p], as predict_proba computes it.
        graph.node("Concat", graph.node("Sub", graph.constant(1.0), P), P, output=proba_output, axis=1)
    else:
        graph.node("Identity", P, output=proba_output)
    _labels(graph, model, proba_output, label_output)


def _convert_tabular_regressor(scope, operator, container):
    model = operator.raw_operator
    graph, V = _tabular_graph_and_mean(scope, operator, container)
    scaled = graph.node("Mul", V, graph.constant(model.y_scale_, name="y_scale"))
    graph.node("Add", scaled, graph.constant(model.y_mean_, name="y_mean"), output=operator.outputs[0].full_name)


def _convert_preprocessor(scope, operator, container):
    preprocessor = operator.raw_operator
    _refuse_unexported(preprocessor, "")
    graph = _graph_of(scope, operator, container)
    encoded = _encoded(graph, operator.inputs[0].full_name, preprocessor)
    graph.node("Identity", encoded, output=operator.outputs[0].full_name)


def _check_input(operator):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType
    from skl2onnx.common.utils import check_input_and_output_numbers, check_input_and_output_types

    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=[1, 2])
    check_input_and_output_types(
        operator, good_input_types=[FloatTensorType, DoubleTensorType, Int64TensorType]
    )


def _classifier_shapes(operator):
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType
    from skl2onnx.proto import onnx_proto

    _check_input(operator)
    model, n_rows = operator.raw_operator, operator.inputs[0].get_first_dimension()
    if _is_multilabel(model):
        label_type = Int64TensorType([n_rows, len(model.classes_)])
    elif _onnx_class_labels(model.classes_)[0] == onnx_proto.TensorProto.STRING:
        label_type = StringTensorType([n_rows])
    else:
        label_type = Int64TensorType([n_rows])
    operator.outputs[0].set_type(label_type)
    operator.outputs[1].type.shape = [n_rows, len(model.classes_)]


def _regressor_shapes(operator):
    _check_input(operator)
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type.shape = [n_rows, operator.raw_operator.n_outputs_]


def _tabular_regressor_shapes(operator):
    _check_input(operator)
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type.shape = [n_rows, len(operator.raw_operator.y_mean_)]


def _preprocessor_shapes(operator):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    _check_input(operator)
    n_rows = operator.inputs[0].get_first_dimension()
    output_type = DoubleTensorType if isinstance(operator.inputs[0].type, DoubleTensorType) else FloatTensorType
    operator.outputs[0].set_type(output_type([n_rows, operator.raw_operator.n_features_out_]))


def register_onnx_converters():
    """Register skdeep's estimators with skl2onnx.

    After this call, ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn``
    convert :class:`DeepNetClassifier`, :class:`DeepNetRegressor`,
    :class:`TabularNetClassifier`, :class:`TabularNetRegressor` and a fitted
    :class:`~skdeep.tabular.preprocessing.TabularPreprocessor` (numeric columns
    only), also as steps of a :class:`~sklearn.pipeline.Pipeline`.
    :func:`to_onnx` calls it for you. Calling it again is harmless.

    The classifiers accept skl2onnx's usual classifier options ``zipmap``
    (``True``, ``False`` or ``'columns'``), ``nocl`` and ``output_class_labels``.
    The TabularNet estimators also accept ``include_preprocessing``
    (``True`` by default; ``False`` exports the network alone, whose input is
    ``preprocessor_.transform(X)``).

    Raises
    ------
    ImportError
        If skl2onnx is not installed.
    """
    skl2onnx = _skl2onnx()
    classifier_options = {
        "zipmap": [True, False, "columns"],
        "nocl": [True, False],
        "output_class_labels": [False, True],
    }
    skl2onnx.update_registered_converter(
        DeepNetClassifier, "SkdeepDeepNetClassifier", _classifier_shapes, _convert_classifier,
        options=classifier_options,
    )
    skl2onnx.update_registered_converter(
        DeepNetRegressor, "SkdeepDeepNetRegressor", _regressor_shapes, _convert_regressor
    )
    preprocessing = {_PREPROCESSING_OPTION: [True, False]}
    skl2onnx.update_registered_converter(
        TabularNetClassifier, "SkdeepTabularNetClassifier", _classifier_shapes,
        _convert_tabular_classifier, options={**classifier_options, **preprocessing},
    )
    skl2onnx.update_registered_converter(
        TabularNetRegressor, "SkdeepTabularNetRegressor", _tabular_regressor_shapes,
        _convert_tabular_regressor, options=preprocessing,
    )
    skl2onnx.update_registered_converter(
        TabularPreprocessor, "SkdeepTabularPreprocessor", _preprocessor_shapes, _convert_preprocessor
    )


def to_onnx(estimator, X=None, *, dtype=np.float32, target_opset=None, options=None,
            include_preprocessing=True):
    """Convert a fitted estimator or pipeline containing skdeep models to ONNX.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted :class:`DeepNetClassifier`, :class:`DeepNetRegressor`,
        :class:`TabularNetClassifier` or :class:`TabularNetRegressor`, or any
        model skl2onnx converts that contains them (a ``Pipeline`` of a
        ``StandardScaler`` and a ``DeepNetClassifier``, for instance). A
        TabularNet exports with its preprocessing when every column of its
        table is numeric (NaN in the input means missing); a table with
        categorical or date columns raises ``NotImplementedError``.
    X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
        Sample input: only its number of columns and its dtype (float32 or
        float64) are used, and they override ``dtype``. Without it the input
        has ``estimator.n_features_in_`` columns of ``dtype``
        (``estimator.preprocessor_.n_features_out_`` with
        ``include_preprocessing=False``).
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Precision of the graph's input and of every computation in it, except
        a TabularNet's preprocessing: computed in float64, then rounded to it.
    target_opset : int, default=None
        ONNX opset to target, 13 or newer; skl2onnx's latest tested opset by
        default.
    options : dict, default=None
        skl2onnx converter options, keyed by model class or ``id(model)``.
        Classifiers get ``{"zipmap": False}`` unless these options say
        otherwise, so that probabilities come out as a plain tensor.
    include_preprocessing : bool, default=True
        For a :class:`TabularNetClassifier` or :class:`TabularNetRegressor`
        only: with False, the graph is the network alone and its input
        ``"X"`` is the encoded matrix ``estimator.preprocessor_.transform(X)``
        (any table, categorical and date columns included).

    Returns
    -------
    onnx.ModelProto
        A graph with one input ``"X"`` of shape ``(None, n_features)``.
        Classifiers output ``"label"`` (int64 or strings; an int64 indicator
        matrix for multilabel targets) and ``"probabilities"``
        (``n_samples, n_classes``); regressors output ``"variable"``
        (``n_samples, n_outputs``).

    Raises
    ------
    ImportError
        If onnx or skl2onnx is not installed.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If ``X`` or ``dtype`` is not float32 or float64.
    ValueError
        If ``X`` is not 2-D with ``n_features_in_`` columns, or if
        ``include_preprocessing=False`` is asked of another estimator.
    NotImplementedError
        If a TabularNet (or a ``TabularPreprocessor``) to export with its
        preprocessing has categorical or date columns.

    Examples
    --------
    >>> import numpy as np, onnxruntime
    >>> from sklearn.datasets import load_iris
    >>> from skdeep import DeepNetClassifier, to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> X = X.astype(np.float32)
    >>> clf = DeepNetClassifier(max_iter=30, random_state=0).fit(X, y)
    >>> session = onnxruntime.InferenceSession(to_onnx(clf).SerializeToString())
    >>> label, proba = session.run(None, {"X": X[:3]})
    >>> bool(np.allclose(proba, clf.predict_proba(X[:3]), atol=1e-5))
    True
    """
    from sklearn.utils.validation import check_is_fitted

    skl2onnx = _skl2onnx()
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    check_is_fitted(estimator)
    n_features = getattr(estimator, "n_features_in_", None)
    features = "features the estimator was fitted on"
    if not include_preprocessing:
        if not isinstance(estimator, (TabularNetClassifier, TabularNetRegressor)):
            raise ValueError(
                "include_preprocessing=False exports the network of a TabularNetClassifier or "
                f"TabularNetRegressor without its preprocessor_; got a {type(estimator).__name__}."
            )
        n_features = estimator.preprocessor_.n_features_out_
        features = "encoded columns of preprocessor_.transform(X)"
    if X is not None:
        # Arrays and sparse matrices have a dtype; a DataFrame becomes its common dtype.
        sample = X if hasattr(X, "dtype") and hasattr(X, "shape") else np.asarray(X)
        if sample.ndim != 2 or (n_features is not None and sample.shape[1] != n_features):
            raise ValueError(
                f"X must be 2-D with the {n_features} {features}; got shape {sample.shape}."
            )
        dtype, n_features = sample.dtype, sample.shape[1]
    elif n_features is None:
        raise ValueError("Pass X: this estimator does not record n_features_in_.")
    tensor_types = {np.dtype(np.float32): FloatTensorType, np.dtype(np.float64): DoubleTensorType}
    if np.dtype(dtype) not in tensor_types:
        raise TypeError(f"ONNX export takes float32 or float64 input, got dtype {np.dtype(dtype)}.")
    register_onnx_converters()
    merged_options = {DeepNetClassifier: {"zipmap": False}, TabularNetClassifier: {"zipmap": False}}
    for key, value in (options or {}).items():
        merged_options[key] = {**merged_options.get(key, {}), **value}
    if not include_preprocessing:
        merged_options[id(estimator)] = {**merged_options.get(id(estimator), {}), _PREPROCESSING_OPTION: False}
    return skl2onnx.convert_sklearn(
        estimator,
        initial_types=[("X", tensor_types[np.dtype(dtype)]([None, n_features]))],
        target_opset=target_opset,
        options=merged_options,
    )
