"""What both estimator families (DeepNet and TabularNet) share.

The estimator base (the fit as a transaction, validation, the continuation
check, the fitted views over the training state), the targets (class labels
or real values: encode, decode, strata, score) and the input and weight
checks. The package is private; the names in its modules are public to the
rest of skdeep, so that the families import them without reaching for
another package's private names.
"""
