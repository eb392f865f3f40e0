"""HistoryDisplay: a fitted estimator's training history as a figure.

scikit-learn's Display convention: the constructor takes plain per-epoch
arrays, :meth:`HistoryDisplay.from_estimator` reads them (and the epoch whose
weights were kept) from a fitted estimator's ``history_``, and
:meth:`HistoryDisplay.plot` draws them, leaving ``figure_``, ``ax_`` and the
drawn artists as attributes. matplotlib is imported only when something is
drawn, so it stays an optional dependency (the ``plot`` extra).
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

from ._base.estimator import TrainingViews

# The panels plot() can draw, top to bottom, and the curves of each.
PANELS = {
    "loss": ("loss", "validation_loss"),
    "score": ("validation_score",),
    "learning_rate": ("learning_rate",),
}
_CURVE_STYLE = {  # validation curves share a colour across panels
    "loss": {"color": "C0", "label": "training loss"},
    "validation_loss": {"color": "C1", "label": "validation loss"},
    "validation_score": {"color": "C1"},
    "learning_rate": {"color": "C2"},
}


def _require_matplotlib(caller):
    """scikit-learn's ImportError for a missing matplotlib, with skdeep's extra named too."""
    try:
        check_matplotlib_support(caller)
    except ImportError as error:
        raise ImportError(
            f'{error}, or with skdeep\'s plot extra: `pip install "scikit-deepnet[plot]"`'
        ) from error


class HistoryDisplay:
    """Training history: loss, validation loss and score, learning rate per epoch.

    Use :meth:`from_estimator` to make one from a fitted
    :class:`DeepNetClassifier`, :class:`DeepNetRegressor`,
    :class:`TabularNetClassifier` or :class:`TabularNetRegressor`. All
    parameters are stored as attributes. Drawing needs matplotlib
    (``pip install "scikit-deepnet[plot]"``).

    :meth:`plot` draws up to three panels, by default one above the other
    sharing the epoch axis: ``"loss"`` (training loss, and validation loss
    when there is one), ``"score"`` (the validation score) and ``"learning_rate"``; a
    dashed vertical line in every panel marks ``kept_epoch``. Losses that
    are all positive and span more than a factor 10 are drawn on a log
    scale.

    Parameters
    ----------
    epoch : array-like of shape (n_epochs,)
        Epoch numbers (under L-BFGS, iteration numbers), counted over the
        model's life as in ``history_``.

    loss : array-like of shape (n_epochs,)
        Training loss of each epoch.

    validation_loss : array-like of shape (n_epochs,) or None, default=None
        Validation loss of each epoch, NaN for an epoch without one; None
        when no epoch has one.

    validation_score : array-like of shape (n_epochs,) or None, default=None
        Validation score of each epoch, NaN for an epoch without one; None
        when no epoch has one.

    learning_rate : array-like of shape (n_epochs,) or None, default=None
        Learning rate of each epoch, NaN for an epoch without one; None
        when no epoch has one (L-BFGS).

    kept_epoch : int or None, default=None
        The epoch (a value of ``epoch``) whose weights the model holds; None
        marks none.

    score_name : str or None, default=None
        Label of the score panel; None means ``"validation score"``.

    name : str or None, default=None
        Title of the top panel; None draws no title.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes of shape (n_panels,)
        The panels, in the order drawn (top to bottom in a figure
        :meth:`plot` made).

    figure_ : matplotlib Figure
        The figure of the panels.

    lines_ : dict of str to matplotlib Line2D
        The drawn curves by name: ``"loss"``, ``"validation_loss"``,
        ``"validation_score"``, ``"learning_rate"`` (only those drawn). A
        curve's panel is ``lines_[name].axes``.

    kept_epoch_lines_ : list of matplotlib Line2D
        The vertical line marking ``kept_epoch`` in each panel; empty when
        ``kept_epoch`` is None.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Scores against training set size.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_iris
    >>> from skdeep import DeepNetClassifier, HistoryDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DeepNetClassifier(early_stopping=True, max_iter=20, random_state=0).fit(X, y)
    >>> display = HistoryDisplay.from_estimator(clf)
    >>> sorted(display.lines_)
    ['learning_rate', 'loss', 'validation_loss', 'validation_score']
    >>> best = max(clf.history_, key=lambda record: record["validation_score"])
    >>> display.kept_epoch == best["epoch"]  # the best epoch's weights were restored
    True
    >>> plt.close(display.figure_)
    """

    def __init__(self, *, epoch, loss, validation_loss=None, validation_score=None, learning_rate=None,
                 kept_epoch=None, score_name=None, name=None):
        self.epoch = epoch
        self.loss = loss
        self.validation_loss = validation_loss
        self.validation_score = validation_score
        self.learning_rate = learning_rate
        self.kept_epoch = kept_epoch
        self.score_name = score_name
        self.name = name

    def plot(self, ax=None, *, panels=None, line_kw=None, kept_epoch_kw=None):
        """Draw the history.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per panel, in the order of ``panels``. None makes a new
            figure with the panels stacked and sharing the epoch axis. A
            single Axes is accepted when one panel is drawn.

        panels : sequence of {"loss", "score", "learning_rate"}, default=None
            The panels to draw, in this order. None draws every panel that
            has data: ``"loss"`` always, ``"score"`` when there is a
            validation score, ``"learning_rate"`` when there is a learning
            rate.

        line_kw : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of every curve.

        kept_epoch_kw : dict, default=None
            Keyword arguments for matplotlib's ``axvline`` that marks
            ``kept_epoch``.

        Returns
        -------
        display : HistoryDisplay
            This display, with ``figure_``, ``ax_``, ``lines_`` and
            ``kept_epoch_lines_`` set.
        """
        _require_matplotlib(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt
        from matplotlib.axes import Axes
        from matplotlib.ticker import MaxNLocator

        curves = self._curves()
        panels = self._panels(panels, curves)
        stacked = ax is None  # panels made here share one epoch axis, labelled once at the bottom
        if ax is None:
            _, ax = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                                 figsize=(6.4, 1.0 + 1.9 * len(panels)), layout="constrained")
        axes = np.array([ax], dtype=object) if isinstance(ax, Axes) else np.asarray(ax, dtype=object).ravel()
        if len(axes) != len(panels) or not all(isinstance(item, Axes) for item in axes):
            raise ValueError(
                f"ax must be one matplotlib Axes per panel drawn ({len(panels)}: {', '.join(panels)}), "
                f"got {ax!r}. Pass panels= to draw fewer."
            )

        epoch = curves["epoch"]
        # A one-epoch curve is a single point, invisible without a marker.
        defaults = {"marker": "o"} if len(epoch) == 1 else {}
        labels = {"loss": "loss", "score": self.score_name or "validation score",
                  "learning_rate": "learning rate"}
        self.lines_ = {}
        for panel, panel_ax in zip(panels, axes, strict=True):
            panel_ax.set_ylabel(labels[panel])
            panel_ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 2.5
            for curve in PANELS[panel]:
                if curves[curve] is not None:
                    style = {**defaults, **_CURVE_STYLE[curve], **(line_kw or {})}
                    (self.lines_[curve],) = panel_ax.plot(epoch, curves[curve], **style)
        self.kept_epoch_lines_ = []
        if self.kept_epoch is not None:
            style = {"color": "k", "linestyle": "--", "linewidth": 1, "alpha": 0.6, **(kept_epoch_kw or {})}
            for index, panel_ax in enumerate(axes):
                label = f"kept: epoch {self.kept_epoch}" if index == 0 else None
                self.kept_epoch_lines_.append(panel_ax.axvline(self.kept_epoch, label=label, **style))

        for panel_ax in axes[-1:] if stacked else axes:
            panel_ax.set_xlabel("epoch")
        if "loss" in panels and _spans_decades(curves["loss"], curves["validation_loss"]):
            axes[panels.index("loss")].set_yscale("log")
        if axes[0].get_legend_handles_labels()[0]:
            axes[0].legend()
        if self.name is not None:
            axes[0].set_title(self.name)
        self.ax_ = axes
        self.figure_ = axes[0].figure
        return self

    def _curves(self):
        """The data as float arrays (None where absent), checked to have one value per epoch."""
        curves = {"epoch": np.asarray(self.epoch), "loss": np.asarray(self.loss, dtype=float)}
        for name in ("validation_loss", "validation_score", "learning_rate"):
            value = getattr(self, name)
            curves[name] = None if value is None else np.asarray(value, dtype=float)
        for name, value in curves.items():
            if value is not None and value.shape != (len(curves["epoch"]),):
                raise ValueError(
                    f"{name} must have one value per epoch ({len(curves['epoch'])}), "
                    f"got shape {value.shape}."
                )
        return curves

    @staticmethod
    def _panels(panels, curves):
        """The panels to draw, checked to be known and to have data."""
        if panels is None:
            return [panel for panel, names in PANELS.items() if any(curves[n] is not None for n in names)]
        if isinstance(panels, str):
            panels = [panels]
        panels = list(panels)
        for panel in panels:
            if panel not in PANELS:
                raise ValueError(f"Unknown panel {panel!r}; choose among {list(PANELS)}.")
            if all(curves[name] is None for name in PANELS[panel]):
                raise ValueError(
                    f"The {panel!r} panel has nothing to draw: {' and '.join(PANELS[panel])} is None "
                    "(no validation split, or a solver without a learning rate)."
                )
        if not panels or len(set(panels)) != len(panels):
            raise ValueError(f"panels must name each panel to draw once, got {panels!r}.")
        return panels

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, panels=None, name=None, score_name=None,
                       line_kw=None, kept_epoch_kw=None):
        """Draw the ``history_`` of a fitted skdeep estimator.

        Every epoch of the model's life is drawn, over all ``fit`` calls
        with ``warm_start=True`` and all ``partial_fit`` calls, numbered as
        in ``history_``. The marked ``kept_epoch`` is the epoch whose
        weights the model holds:

        - with a validation split in the last fit (``early_stopping=True``
          for DeepNet, ``validation_fraction`` for TabularNet), the epoch of
          the best validation score, whose weights the fit restored. For
          TabularNet that is ``best_epoch_``, within the last fit. DeepNet,
          like MLPClassifier, keeps its best score and weights across
          ``warm_start`` fits, so its kept epoch may be from an earlier fit;
        - without one (``partial_fit``, L-BFGS, ``early_stopping=False``),
          the last epoch, whose weights the model ends with;
        - nothing is marked when no epoch's weights are held: when the last
          call ran no epoch (L-BFGS already converged, or Ctrl-C in the
          first epoch), or every validation score was NaN.

        Parameters
        ----------
        estimator : DeepNetClassifier, DeepNetRegressor, TabularNetClassifier or TabularNetRegressor
            A fitted estimator. For a :class:`~sklearn.pipeline.Pipeline`
            pass its last step (``pipeline[-1]``).

        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per panel; see :meth:`plot`.

        panels : sequence of {"loss", "score", "learning_rate"}, default=None
            The panels to draw; see :meth:`plot`.

        name : str or None, default=None
            Title of the top panel; None means the estimator's class name.

        score_name : str or None, default=None
            Label of the score panel; None means ``"validation accuracy"``
            for a classifier and ``"validation R²"`` for a regressor.

        line_kw : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of every curve.

        kept_epoch_kw : dict, default=None
            Keyword arguments for matplotlib's ``axvline`` that marks
            ``kept_epoch``.

        Returns
        -------
        display : HistoryDisplay
            The drawn display.

        Raises
        ------
        TypeError
            If ``estimator`` is not one of skdeep's estimators.
        sklearn.exceptions.NotFittedError
            If it is not fitted.
        """
        _require_matplotlib(f"{cls.__name__}.from_estimator")
        if not isinstance(estimator, TrainingViews):
            raise TypeError(
                "HistoryDisplay.from_estimator draws the history_ of skdeep's estimators "
                "(DeepNetClassifier, DeepNetRegressor, TabularNetClassifier, TabularNetRegressor); "
                f"got {type(estimator).__name__}. For a Pipeline pass its last step (pipeline[-1]), "
                "for a search its best_estimator_."
            )
        check_is_fitted(estimator)
        history = estimator.history_

        def column(key):
            if all(record[key] is None for record in history):
                return None
            return np.array([np.nan if record[key] is None else record[key] for record in history], dtype=float)

        if score_name is None:
            score_name = "validation accuracy" if is_classifier(estimator) else "validation R²"
        display = cls(
            epoch=np.array([record["epoch"] for record in history], dtype=int),
            loss=np.array([record["loss"] for record in history], dtype=float),
            validation_loss=column("validation_loss"),
            validation_score=column("validation_score"),
            learning_rate=column("learning_rate"),
            kept_epoch=_kept_epoch(estimator, history),
            score_name=score_name,
            name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, panels=panels, line_kw=line_kw, kept_epoch_kw=kept_epoch_kw)


def _spans_decades(*curves):
    """Whether the values are all positive and span more than a factor 10: a loss to draw on a log scale."""
    values = np.concatenate([curve for curve in curves if curve is not None])
    values = values[np.isfinite(values)]
    return values.size > 0 and values.min() > 0 and values.max() > 10 * values.min()


def _kept_epoch(estimator, history):
    """The epoch (as numbered in ``history``) whose weights ``estimator`` holds, or None.

    Follows the training code's rule rather than guessing from the curves:
    see :meth:`HistoryDisplay.from_estimator`.
    """
    n_last = estimator.n_iter_  # epochs of the last call; its records end the history
    if n_last == 0:
        return None
    last_fit = history[len(history) - n_last:]
    if last_fit[-1]["validation_score"] is None:  # no validation split: the weights trained last
        return last_fit[-1]["epoch"]
    if hasattr(type(estimator), "best_epoch_"):  # TabularNet: each fit keeps its own best epoch
        best = estimator.best_epoch_
        return None if best is None else last_fit[best - 1]["epoch"]
    # DeepNet: the stopping rule snapshots the weights at each strictly better score,
    # starting from -inf at the first epoch with a validation score since the model was
    # created, and a warm start continues that (as MLPClassifier does).
    best_score, kept = -np.inf, None
    for record in history:
        score = record["validation_score"]
        if score is not None and score > best_score:  # NaN is never better
            best_score, kept = score, record["epoch"]
    return kept
