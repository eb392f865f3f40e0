"""
A raw mixed-type table: TabularNetClassifier on census data
===========================================================

The "Adult" census table (a 6,000-row sample shipped in ``examples/data``)
has numeric columns (age, hours per week, capital gain, ...), categorical
ones stored as text (workclass, occupation, native country, ...) and missing
values. :class:`~skdeep.TabularNetClassifier` takes the DataFrame as it is:
its preprocessing scales the numbers robustly, encodes them over quantile
bins, one-hot encodes the categories and adds missing-value indicators, and
it trains an ensemble of MLPs whose best epoch on an internal validation split
is kept. No ``ColumnTransformer``, no imputer, no scaler.

We compare it with :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
on the same folds, then look at one fit's validation curve.
"""

import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate

from skdeep import TabularNetClassifier

try:
    here = Path(__file__).resolve().parent
except NameError:  # run by sphinx-gallery, from the examples directory
    here = Path.cwd()
table = pd.read_csv(here / "data" / "adult_sample.csv.gz")
y = table.pop("income")
X = table.astype({column: "category" for column in table.select_dtypes("object").columns})
print(f"{X.shape[0]} rows, {X.shape[1]} columns ({X.select_dtypes('category').shape[1]} categorical), "
      f"{int(X.isna().sum().sum())} missing values")

# %%
# Both models with their default settings, on the same 3 folds.
folds = StratifiedKFold(3, shuffle=True, random_state=0)
models = {
    "TabularNetClassifier": TabularNetClassifier(random_state=0),
    "HistGradientBoosting": HistGradientBoostingClassifier(categorical_features="from_dtype",
                                                           random_state=0),
}
scores = {}
for name, model in models.items():
    result = cross_validate(model, X, y, cv=folds)
    scores[name] = result["test_score"]
    print(f"{name:22s} accuracy {result['test_score'].mean():.4f} ± {result['test_score'].std():.4f}, "
          f"fit {result['fit_time'].mean():.2f} s")

# %%
# One fit on the first fold's training part: the validation curve shows the
# epoch whose weights are kept (``best_epoch_``), and ``summary()`` the
# preprocessing and the network.
train, test = next(folds.split(X, y))
start = time.perf_counter()
clf = TabularNetClassifier(random_state=0).fit(X.iloc[train], y.iloc[train])
print(f"fitted in {time.perf_counter() - start:.2f} s: {clf.n_iter_} epochs, best epoch {clf.best_epoch_}, "
      f"test accuracy {clf.score(X.iloc[test], y.iloc[test]):.4f}")
clf.summary()

fig, (curve_ax, bar_ax) = plt.subplots(1, 2, figsize=(10, 4))
epochs = np.arange(1, clf.n_iter_ + 1)
curve_ax.plot(epochs, clf.validation_scores_[-clf.n_iter_:], label="validation accuracy")
curve_ax.axvline(clf.best_epoch_, color="k", linestyle=":", label="best epoch (kept)")
curve_ax.set_xlabel("epoch")
curve_ax.legend()
names = list(scores)
bar_ax.bar(names, [scores[name].mean() for name in names],
           yerr=[scores[name].std() for name in names], color=["C0", "C1"])
bar_ax.set_ylim(0.8, 0.9)
bar_ax.set_ylabel("3-fold accuracy")
fig.tight_layout()
