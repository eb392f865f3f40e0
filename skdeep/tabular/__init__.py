"""Tabular data for neural networks (work in progress).

``skdeep.tabular.preprocessing.TabularPreprocessor`` turns a raw table (a pandas
DataFrame or a NumPy array with numeric, boolean, categorical and missing
values) into a float matrix following RealMLP's recipe. Nothing is exported
from this package yet: import from the submodule.
"""
