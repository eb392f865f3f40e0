"""skdeep: deep neural networks in plain NumPy with the scikit-learn API."""

from ._estimators import DeepNetClassifier, DeepNetRegressor
from ._onnx import register_onnx_converters, to_onnx
from ._persistence import InvalidModelFile, load, save

__version__ = "0.1.0"

__all__ = [
    "DeepNetClassifier",
    "DeepNetRegressor",
    "InvalidModelFile",
    "load",
    "register_onnx_converters",
    "save",
    "to_onnx",
    "__version__",
]
