"""Networks for tables: strong defaults on raw mixed-type data.

:class:`TabularNetClassifier` and :class:`TabularNetRegressor` take a pandas
DataFrame (or an array) with numeric, categorical and missing values as it is,
and train an ensemble of MLPs with the recipe described in ``docs/tabular.rst``.
The pieces live in submodules: ``preprocessing`` (the table to floats),
``embeddings`` (piecewise-linear encoding of numbers), ``schedules`` (the
dropout schedule and time budget) and ``estimators``.
"""

from .estimators import TabularNetClassifier, TabularNetRegressor

__all__ = ["TabularNetClassifier", "TabularNetRegressor"]
