"""DeepNetClassifier and DeepNetRegressor: MLPClassifier's parameters and behaviour, and more.

The pieces live in submodules: ``estimators`` (the two estimators over the
shared base of :mod:`skdeep._base`), ``summary`` (the layer table of
``summary()`` and the demo), ``_docs`` (their docstrings) and
``_parameter_list`` (the ``coefs_``/``intercepts_`` lists that write through).
"""

from .estimators import DeepNetClassifier, DeepNetRegressor

__all__ = ["DeepNetClassifier", "DeepNetRegressor"]
