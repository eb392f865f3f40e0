"""Report skdeep's epochs to scikit-learn's callbacks (:mod:`sklearn.callback`).

scikit-learn 1.9 added callbacks (``ProgressBar``, ``ScoringMonitor``, ...)
that estimators report to through a tree of :class:`~sklearn.callback.CallbackContext`
tasks. :class:`SklearnCallbackBridge` is one of the trainer's hooks: it maps a
fit onto that tree (one root task, one ``"epoch"`` subtask per epoch or L-BFGS
iteration), so the callbacks work on skdeep's estimators alone and inside
meta-estimators (``Pipeline``, ``GridSearchCV``) that propagate them.

On scikit-learn without :mod:`sklearn.callback` (1.6 to 1.8) the names exported
here are no-op stand-ins and the bridge never does anything.
"""

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    SKLEARN_HAS_CALLBACKS = True
except ImportError:  # scikit-learn < 1.9
    SKLEARN_HAS_CALLBACKS = False

    class CallbackSupportMixin:
        """Stand-in for :class:`sklearn.callback.CallbackSupportMixin`: adds nothing."""

    def with_callbacks(method):
        """Stand-in for :func:`sklearn.callback.with_callbacks`: return ``method`` as is."""
        return method


__all__ = [
    "SKLEARN_HAS_CALLBACKS",
    "CallbackSupportMixin",
    "SklearnCallbackBridge",
    "with_callbacks",
]


class _Run:
    """What the bridge needs between the hooks of one fit call."""

    __slots__ = ("context", "X", "y", "metadata", "n_epochs")

    def __init__(self, context, X, y, metadata):
        self.context = context
        self.X = X
        self.y = y
        self.metadata = metadata
        self.n_epochs = 0


class SklearnCallbackBridge:
    """Trainer hook forwarding a fit's epochs to scikit-learn's callbacks.

    It does something only when the estimator has scikit-learn callbacks
    (``estimator.set_callbacks(...)``) or is fitted by a meta-estimator that
    propagates its callback context; otherwise every hook returns at once.

    Task tree reported: a root task (``"fit"``, or ``"partial_fit"`` for an
    incremental call) with ``info["max_epochs"]`` planned subtasks, and one leaf
    ``"epoch"`` task per finished epoch, whose ``on_fit_task_end`` receives a
    ``fitted_estimator`` predicting with the weights of that epoch (a shallow
    copy of the live estimator: a callback that keeps it past the hook sees the
    weights move on if the trainer updates them in place).

    One instance may serve any number of estimators, also from several threads:
    the state of a fit is keyed by the estimator and dropped at ``on_fit_end``.

    Notes
    -----
    The estimator must inherit :class:`CallbackSupportMixin`, and its ``fit`` and
    ``partial_fit`` must be decorated with :func:`with_callbacks` (or with
    scikit-learn's ``_fit_context``, which also does it): the callbacks'
    ``teardown`` is run by that decorator, after ``on_fit_end``.
    """

    def __init__(self):
        self._runs = {}

    def on_fit_begin(self, estimator, info):
        """Open the fit's root task, set up the callbacks and begin the task.

        Parameters
        ----------
        estimator : estimator instance
            The estimator being fitted.
        info : FitInfo or mapping
            The trainer's fit information, read by key (so that any training
            loop can pass a dict): ``"max_epochs"``, ``"incremental"``,
            ``"X"``, ``"y"`` and, optionally, ``"sample_weight"``.
        """
        # A propagated parent context alone is enough to open a task: the meta-
        # estimator's callbacks need the sub-estimator's tree merged into theirs.
        if not (
            hasattr(estimator, "_skl_callbacks") or hasattr(estimator, "_parent_callback_ctx")
        ):
            return
        if not hasattr(estimator, "_init_callback_context"):
            # A meta-estimator sets _parent_callback_ctx on any sub-estimator, even
            # one without CallbackSupportMixin; it has already warned the user.
            return
        context = estimator._init_callback_context(
            task_name="partial_fit" if info.get("incremental") else "fit",
            max_subtasks=info["max_epochs"],
        )
        sample_weight = info.get("sample_weight")
        # Metadata is passed to scorers as keyword arguments, so it holds only
        # what a scorer accepts.
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        run = _Run(context, info["X"], info["y"], metadata)
        self._runs[id(estimator)] = run
        context.call_on_fit_task_begin(estimator=estimator, X=run.X, y=run.y, metadata=metadata)

    def on_epoch_end(self, estimator, record):
        """Report a finished epoch as one ``"epoch"`` subtask.

        Parameters
        ----------
        estimator : estimator instance
            The estimator being fitted, predicting with the current weights.
        record : dict
            The epoch's record (unused: scikit-learn's tasks carry no losses).

        Returns
        -------
        bool
            True if a callback asked to stop training.
        """
        run = self._runs.get(id(estimator))
        # The identity check drops a run left over by a fit that never reached
        # on_fit_end, should a new estimator reuse that id.
        if run is None or getattr(estimator, "_callback_fit_ctx", None) is not run.context:
            return False
        max_epochs = run.context.max_subtasks
        if max_epochs is not None and run.n_epochs >= max_epochs:
            # The trainer ran more epochs than it announced: the context would
            # refuse another child, and a progress report must not break a fit.
            return False
        run.n_epochs += 1
        epoch = run.context.subcontext(task_name="epoch")
        # Begin and end together: the trainer has no epoch-begin hook, and the
        # weights at the epoch's start are gone, so begin gets no fitted_estimator.
        epoch.call_on_fit_task_begin(estimator=estimator, X=run.X, y=run.y, metadata=run.metadata)
        return epoch.call_on_fit_task_end(
            estimator=estimator,
            X=run.X,
            y=run.y,
            metadata=run.metadata,
            # No attribute to replace: the fitted_estimator is a shallow copy of
            # the live estimator, made only if a callback asks for it.
            reconstruction_attributes={},
        )

    def on_fit_end(self, estimator, info):
        """End the fit's root task, unless the fit failed.

        Parameters
        ----------
        estimator : estimator instance
            The fitted estimator.
        info : FitInfo or mapping
            The trainer's fit information, with ``"stopped_by"``.
        """
        run = self._runs.pop(id(estimator), None)
        if run is None or getattr(estimator, "_callback_fit_ctx", None) is not run.context:
            return
        if info.get("stopped_by") == "error":
            # Like scikit-learn's own estimators, a failed fit ends no task; the
            # callbacks are still torn down by with_callbacks.
            return
        run.context.call_on_fit_task_end(
            estimator=estimator,
            X=run.X,
            y=run.y,
            metadata=run.metadata,
            reconstruction_attributes={},
        )
