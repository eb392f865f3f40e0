"""Fits as transactions: a call that raises leaves the estimator exactly as it was.

Both estimator families (DeepNet and TabularNet) keep their fitted model in
``_network`` (a network with ``snapshot``/``restore``) and ``_train_state`` (a
:class:`~skdeep.train.state.TrainState`), which a fit changes in place;
everything else, the targets (``_targets``) included, is replaced rather than
changed, so putting the attributes back restores it.
"""

import functools
from contextlib import contextmanager

# What scikit-learn's callback machinery sets on an estimator during a fit.
_CALLBACK_CONTEXT = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def transactional(method):
    """Run a fitting method as a transaction: if it raises, nothing on the estimator changed."""

    @functools.wraps(method)
    def transaction(self, *args, **kwargs):
        with rollback_on_error(self):
            return method(self, *args, **kwargs)

    return transaction


@contextmanager
def rollback_on_error(estimator):
    """Put every attribute, the weights and the training state back if the body raises."""
    attributes = dict(estimator.__dict__)
    network = attributes.get("_network")
    weights = network.snapshot() if network is not None else None
    state = attributes.get("_train_state")
    state_copy = state.copy() if state is not None else None
    try:
        yield
    except BaseException:
        # scikit-learn's callback context stays: with_callbacks tears it down after us.
        kept = {name: estimator.__dict__[name] for name in _CALLBACK_CONTEXT if name in estimator.__dict__}
        estimator.__dict__.clear()
        estimator.__dict__.update(attributes, **kept)
        if network is not None:
            network.restore(weights)
            estimator._train_state = state_copy
        raise
