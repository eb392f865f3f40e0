"""The estimator base both families share: constructor arguments and the fitted views."""

from sklearn.utils.validation import check_is_fitted


def store_constructor_arguments(estimator, arguments):
    """Keep each constructor argument, unchanged, under its own name (scikit-learn's rule)."""
    for name, value in arguments.items():
        if name != "self":
            setattr(estimator, name, value)


def state_attribute(name, doc):
    """A fitted attribute read from the training state."""

    def getter(self):
        check_is_fitted(self)
        return getattr(self._train_state, name)

    return property(getter, doc=doc)


class TrainingViews:
    """The fitted attributes both estimator families read from their TrainState."""

    n_iter_ = state_attribute("n_iter_", "int: epochs (L-BFGS iterations) run by the last call.")
    t_ = state_attribute("t_", "int: training samples seen over the model's life.")
    loss_ = state_attribute("loss_", "float: training loss of the last epoch.")
    loss_curve_ = state_attribute("loss_curve_", "list of float: training loss of every epoch.")
    validation_scores_ = state_attribute(
        "validation_scores_", "list of float or None: validation score of every epoch.")
    best_validation_score_ = state_attribute(
        "best_validation_score_", "float or None: best validation score (its weights are kept).")
    history_ = state_attribute("history_", "list of dict: one record per epoch.")
