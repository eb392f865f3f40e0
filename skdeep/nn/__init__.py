"""The NumPy-only core: layers, activations, losses, initializers and the network.

Nothing here imports scikit-learn: it knows arrays, not estimators, labels
or pandas. The training code (:mod:`skdeep.train`) drives it through the
network's flat ``params``/``grad`` vectors.
"""
