"""Networks for tables: strong defaults on raw mixed-type data.

:class:`TabularNetClassifier` and :class:`TabularNetRegressor` take a pandas
DataFrame (or an array) with numeric, categorical and missing values as it is,
and train an ensemble of MLPs with the recipe described in ``docs/tabular.rst``.
The pieces live in submodules: ``preprocessing`` (the table to floats),
``embeddings`` (piecewise-linear encoding of numbers), ``estimators``, and
``stopping`` and ``summary`` (how a fit ended). The recipe's dropout schedule
and time budget are the trainer's (``'flat_cosine'``, ``max_time``).
"""

from .estimators import TabularNetClassifier, TabularNetRegressor

__all__ = ["TabularNetClassifier", "TabularNetRegressor"]
