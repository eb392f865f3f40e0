"""
Loss and validation curves from ``loss_curve_`` and ``history_``
================================================================

With ``early_stopping=True`` a stratified tenth of the training data is held
out; ``history_`` records, per epoch, the training loss, the validation score
and loss, the learning rate and the time. Training stops once the validation
score has not improved for ``n_iter_no_change`` epochs, and the best epoch's
weights are kept.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
clf = DeepNetClassifier(hidden_layer_sizes=(128, 64), early_stopping=True, n_iter_no_change=15,
                        max_iter=300, random_state=0).fit(X, y)

epochs = [record["epoch"] for record in clf.history_]
fig, (loss_ax, score_ax) = plt.subplots(1, 2, figsize=(10, 4))
loss_ax.plot(epochs, clf.loss_curve_, label="training loss")
loss_ax.plot(epochs, [r["validation_loss"] for r in clf.history_], label="validation loss")
loss_ax.set_xlabel("epoch")
loss_ax.set_yscale("log")
loss_ax.legend()
score_ax.plot(epochs, clf.validation_scores_, color="C2")
score_ax.axhline(clf.best_validation_score_, color="k", linestyle=":", label="best (weights kept)")
score_ax.set_xlabel("epoch")
score_ax.set_ylabel("validation accuracy")
score_ax.legend()
fig.tight_layout()
print(f"stopped after {clf.n_iter_} epochs; best validation accuracy {clf.best_validation_score_:.3f}")
