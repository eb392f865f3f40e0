"""
What batch normalization and dropout do
=======================================

Left: a ten-layer sigmoid network barely learns in 30 epochs; the same network
with ``batch_norm=True`` does. Right: a wide network trained on 150 digits
overfits; ``dropout=0.5`` narrows the gap between training and test loss.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

fig, (norm_ax, drop_ax) = plt.subplots(1, 2, figsize=(11, 4))
for batch_norm in (False, True):
    clf = DeepNetClassifier(hidden_layer_sizes=(32,) * 10, activation="logistic", batch_norm=batch_norm,
                            max_iter=30, n_iter_no_change=1000, random_state=0).fit(X, y)
    norm_ax.plot(clf.loss_curve_, label=f"batch_norm={batch_norm}")
norm_ax.set_xlabel("epoch")
norm_ax.set_ylabel("training loss")
norm_ax.set_title("10 sigmoid layers")
norm_ax.legend()

X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=150, stratify=y, random_state=0)
rates = (0.0, 0.25, 0.5)
gaps = []
for rate in rates:
    clf = DeepNetClassifier(hidden_layer_sizes=(1024, 1024), dropout=rate, alpha=0, max_iter=60,
                            n_iter_no_change=1000, random_state=0).fit(X_train, y_train)
    gaps.append(log_loss(y_test, clf.predict_proba(X_test), labels=clf.classes_)
                - log_loss(y_train, clf.predict_proba(X_train), labels=clf.classes_))
drop_ax.bar([str(rate) for rate in rates], gaps)
drop_ax.set_xlabel("dropout")
drop_ax.set_ylabel("test loss - training loss")
drop_ax.set_title("(1024, 1024) on 150 samples")
fig.tight_layout()
print("loss gaps:", [round(gap, 3) for gap in gaps])
