"""
Watching a fit: the training history with ``HistoryDisplay``
============================================================

Every skdeep estimator records one entry per epoch in ``history_``: the
training loss, the validation loss and score when part of the data is held
out, and the learning rate. :class:`~skdeep.HistoryDisplay` draws them in
scikit-learn's Display style, one panel each over a shared epoch axis, with a
dashed line at the epoch whose weights the model kept.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes, load_digits
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier, HistoryDisplay, TabularNetRegressor

# %%
# Early stopping
# --------------
# With ``early_stopping=True`` a tenth of the training data is held out.
# Training stops once the validation accuracy has not improved for
# ``n_iter_no_change`` epochs, and the weights of the best epoch are put back:
# the dashed line marks that epoch, not the last one. The learning rate
# warms up for three epochs, then a cosine schedule lowers it.
X_digits, y_digits = load_digits(return_X_y=True)
X_digits = StandardScaler().fit_transform(X_digits)
clf = DeepNetClassifier(hidden_layer_sizes=(64,), solver="adamw", learning_rate="cosine", warmup=3,
                        learning_rate_init=0.01, max_iter=30, early_stopping=True, n_iter_no_change=8,
                        random_state=0).fit(X_digits, y_digits)
display = HistoryDisplay.from_estimator(clf)
print(f"DeepNetClassifier: {clf.n_iter_} epochs, kept epoch {display.kept_epoch} "
      f"(validation accuracy {clf.best_validation_score_:.3f})")

# %%
# A tabular network
# -----------------
# :class:`~skdeep.TabularNetRegressor` holds out ``validation_fraction`` of the
# rows (a fifth by default), trains with a warmup then a cosine decay, and
# keeps its best epoch (``best_epoch_``). Here the score panel shows R², and the figure is
# laid out side by side by passing one Axes per panel.
X, y = load_diabetes(return_X_y=True)
reg = TabularNetRegressor(hidden_layer_sizes=(32, 32), max_iter=40, random_state=0).fit(X, y)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), layout="constrained")
display = HistoryDisplay.from_estimator(reg, ax=axes)
print(f"TabularNetRegressor: kept epoch {display.kept_epoch} of {reg.n_iter_} "
      f"(validation R² {reg.best_validation_score_:.3f})")

# %%
# One panel in your own figure
# ----------------------------
# ``panels`` picks what to draw, so two models' validation curves can share
# one Axes; ``line_kw`` and ``kept_epoch_kw`` style them.
fig, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
for width, color in [(16, "C0"), (64, "C3")]:
    model = DeepNetClassifier(hidden_layer_sizes=(width,), learning_rate_init=0.003, max_iter=30,
                              early_stopping=True, n_iter_no_change=5, random_state=0).fit(X_digits, y_digits)
    HistoryDisplay.from_estimator(model, ax=ax, panels=["score"], name="Validation accuracy by width",
                                  line_kw={"color": color, "label": f"{width} hidden units"},
                                  kept_epoch_kw={"color": color})
    print(f"{width:>2} hidden units: best validation accuracy {model.best_validation_score_:.3f}")
ax.legend()
