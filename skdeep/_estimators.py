"""Where DeepNetClassifier and DeepNetRegressor lived before :mod:`skdeep.deepnet`.

Pickles, joblib files and skops files written by earlier versions name the
classes ``skdeep._estimators.DeepNetClassifier`` and
``skdeep._estimators.DeepNetRegressor``; this module keeps those names
importable so that such files still load. New code imports from ``skdeep``.
"""

from .deepnet.estimators import DeepNetClassifier, DeepNetRegressor

__all__ = ["DeepNetClassifier", "DeepNetRegressor"]
