"""
DeepNetClassifier beside MLPClassifier on bundled datasets
==========================================================

Default parameters for both, the same 5 folds, scaled features: accuracy and
fit time side by side.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier

datasets = {"iris": load_iris, "wine": load_wine, "breast cancer": load_breast_cancer, "digits": load_digits}
results = {name: {} for name in ("DeepNetClassifier", "MLPClassifier")}
warnings.simplefilter("ignore", ConvergenceWarning)
for data_name, loader in datasets.items():
    X, y = loader(return_X_y=True)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for Estimator in (DeepNetClassifier, MLPClassifier):
        started = time.perf_counter()
        scores = cross_val_score(make_pipeline(StandardScaler(), Estimator(random_state=0)), X, y, cv=folds)
        results[Estimator.__name__][data_name] = (scores.mean(), time.perf_counter() - started)

fig, (accuracy_ax, time_ax) = plt.subplots(1, 2, figsize=(11, 4))
positions = np.arange(len(datasets))
for offset, (name, by_data) in zip((-0.2, 0.2), results.items(), strict=False):
    accuracy_ax.bar(positions + offset, [by_data[d][0] for d in datasets], width=0.4, label=name)
    time_ax.bar(positions + offset, [by_data[d][1] for d in datasets], width=0.4, label=name)
for ax, label in ((accuracy_ax, "5-fold accuracy"), (time_ax, "seconds for 5 fits")):
    ax.set_xticks(positions, list(datasets))
    ax.set_ylabel(label)
    ax.legend()
accuracy_ax.set_ylim(0.8, 1.0)
fig.tight_layout()
for name, by_data in results.items():
    print(name, {d: round(v[0], 3) for d, v in by_data.items()})
