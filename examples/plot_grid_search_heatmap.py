"""
Searching depth and width with GridSearchCV
===========================================

Depth and width are hyperparameters like any other: a ``Pipeline`` of a
``StandardScaler`` and a ``DeepNetClassifier`` goes into ``GridSearchCV``, and
the cross-validated accuracy of every (depth, width) pair is drawn as a heat
map.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier

X, y = load_digits(return_X_y=True)
depths, widths = (1, 2, 3), (8, 32, 128)
grid = {"deepnetclassifier__hidden_layer_sizes": [(w,) * d for d in depths for w in widths]}
search = GridSearchCV(make_pipeline(StandardScaler(), DeepNetClassifier(max_iter=60, random_state=0)),
                      grid, cv=3, n_jobs=2).fit(X, y)

scores = search.cv_results_["mean_test_score"].reshape(len(depths), len(widths))
fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(scores, cmap="viridis")
ax.set_xticks(range(len(widths)), widths)
ax.set_yticks(range(len(depths)), depths)
ax.set_xlabel("units per hidden layer")
ax.set_ylabel("hidden layers")
for (i, j), score in np.ndenumerate(scores):
    ax.text(j, i, f"{score:.3f}", ha="center", va="center", color="w")
fig.colorbar(image, label="cross-validated accuracy")
fig.tight_layout()
print("best:", search.best_params_)
