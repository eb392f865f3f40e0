"""Training: the state of a fit, the trainer loop and its hooks, optimizers, schedules.

The trainer never reads an estimator: the estimator builds a ``TrainConfig``
once per call and hands it, a network and the ``TrainState`` to the loop.
"""
