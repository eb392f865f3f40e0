"""skdeep: deep neural networks in plain NumPy with the scikit-learn API."""

from .deepnet import DeepNetClassifier, DeepNetRegressor
from .display import HistoryDisplay
from .io.onnx import register_onnx_converters, to_onnx
from .io.persistence import InvalidModelFile, load, save
from ._version import __version__
from .tabular import TabularNetClassifier, TabularNetRegressor


__all__ = [
    "DeepNetClassifier",
    "DeepNetRegressor",
    "HistoryDisplay",
    "InvalidModelFile",
    "TabularNetClassifier",
    "TabularNetRegressor",
    "load",
    "register_onnx_converters",
    "save",
    "to_onnx",
    "__version__",
]
