"""
Decision boundaries of networks of growing depth
================================================

The same 16-unit hidden layer stacked once, twice and four times, trained on
scikit-learn's two interleaving half-moons. Each extra layer lets the
boundary bend more; the training accuracy is in each title.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier

X, y = make_moons(n_samples=300, noise=0.25, random_state=0)
X = StandardScaler().fit_transform(X)
grid_x, grid_y = np.meshgrid(np.linspace(-2.5, 2.5, 200), np.linspace(-2.5, 2.5, 200))
grid = np.c_[grid_x.ravel(), grid_y.ravel()]

fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
for ax, depth in zip(axes, (1, 2, 4), strict=False):
    clf = DeepNetClassifier(hidden_layer_sizes=(16,) * depth, max_iter=400, random_state=0).fit(X, y)
    proba = clf.predict_proba(grid)[:, 1].reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, proba, levels=20, cmap="RdBu_r", alpha=0.8)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=15)
    ax.set_title(f"{depth} hidden layer(s): accuracy {clf.score(X, y):.2f}")
fig.tight_layout()
print("depths 1, 2 and 4 trained")
