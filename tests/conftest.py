"""Test configuration shared by the whole suite."""

import os

# scikit-learn runs its array-API estimator check only when SciPy's array API
# support is switched on, and SciPy reads this variable once, at import. Set it
# before anything imports SciPy so that check is run instead of skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# The examples draw figures: render them off-screen, in tests and CI alike.
os.environ.setdefault("MPLBACKEND", "Agg")
