"""Sphinx configuration: numpydoc, sphinx-gallery and the PyData theme, as scikit-learn uses."""

import warnings

import skdeep

project = "skdeep"
author = "The skdeep developers"
release = version = skdeep.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "download_all_examples": False,
    "show_memory": False,
}
# The examples train for a fixed, small number of epochs on purpose.
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")

html_theme = "pydata_sphinx_theme"
html_title = "skdeep"
html_theme_options = {"navigation_with_keys": False}
templates_path = ["_templates"]
