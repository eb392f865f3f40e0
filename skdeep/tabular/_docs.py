"""The docstrings of TabularNetClassifier and TabularNetRegressor, built from shared parts."""

import textwrap

_SUMMARY = {
    "classifier": "Neural network classifier for tables, strong with its default settings.",
    "regressor": "Neural network regressor for tables, strong with its default settings.",
}

_INTRO = """
    Takes a raw table (a pandas DataFrame with numeric, categorical, date and
    missing values, or an array) and trains an ensemble of ``n_ensemble``
    MLPs in one pass with a recipe tuned on a suite of real tables (see the
    user guide, "Tabular data"):

    1. preprocessing inside the estimator: numeric columns are scaled by
       their median and interquartile range and smoothly clipped, encoded
       over ``numeric_bins`` quantile bins (piecewise-linear encoding,
       Gorishniy et al. 2022), and get a missing-value indicator when they had
       missing values; categorical columns are one-hot encoded (the
       ``max_one_hot - 1`` most frequent categories plus "other" when there
       are more); date columns (datetime dtypes, date objects, date strings)
       become numeric parts (days since 1970, year, month, day, day of week,
       day of year and time of day on a circle, hour, minute), each encoded
       as a numeric column;
    2. {targets}
    3. a per-feature input scale (RealMLP's first layer) and ``n_ensemble``
       MLPs of ``hidden_layer_sizes`` trained together with AdamW, a linear
       warmup then a cosine decay of the learning rate, dropout that stays
       constant for half the epochs then decays to 0, and weight decay;
    4. the epoch with the best score on internal validation rows
       (``validation_fraction`` for each member) is kept, and prediction is
       the members' mean.

    The training loop, its history, callbacks (skdeep's and scikit-learn's),
    progress display and the rule that a failed fit changes nothing are those
    of :class:`DeepNetClassifier`. ``partial_fit`` is not offered: the
    preprocessing and the schedule are fitted to the whole table. A Dask
    DataFrame larger than memory is fitted and predicted a partition at a
    time (user guide, "Beyond one machine: Dask").
"""

_TARGETS = {
    "classifier": "classes are one-hot encoded with ``label_smoothing``;",
    "regressor": ("the target is standardized (and predictions brought back to its units), so "
                  "targets in any units work as they are;"),
}

_PARAMETERS_HEAD = """
    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(128, 128)
        Units of each hidden layer of every member.

    n_ensemble : int, default=4
        Members: MLPs trained together on the same batches, each from its own
        random initialization and with its own dropout masks (they share
        only the per-feature input scale); their mean is the prediction.
        Training time grows linearly with it.

    activation : {'relu', 'leaky_relu', 'elu', 'selu', 'gelu', 'tanh', 'logistic', 'softplus'}, default='relu'
        Activation of the hidden layers.

    numeric_bins : int, default=16
        At most this many quantile bins for the piecewise-linear encoding of
        each numeric column; 0 turns the encoding off.

    max_one_hot : int, default=9
        Categorical columns with at most this many categories (missing
        counting as one) are fully one-hot encoded.

    feature_scaling : bool, default=True
        Learn one scale per network input (each encoded feature, bins
        included; with a 6 times larger learning rate), as RealMLP's first
        layer does.

    learning_rate_init : float, default=4e-3
        Peak learning rate of AdamW, reached after ``warmup`` epochs. The
        rate changes once an epoch, or at every batch on a large table that
        plans fewer epochs than ``max_iter``.

    weight_decay : float, default=0.02
        AdamW's decoupled weight decay of the weights (not the biases); it is
        scaled by the learning rate, so it follows the same schedule.

    beta_1 : float, default=0.9
        AdamW's decay of the first moment.

    beta_2 : float, default=0.95
        AdamW's decay of the second moment.

    warmup : int, default=5
        Epochs of linear warmup of the learning rate (a share of them when a
        large table plans fewer than ``max_iter`` epochs).

    max_iter : int, default=100
        Epochs, the length of the cosine schedule. A large table plans fewer:
        a fit trains on about 1,600,000 rows in all, so ``ceil(1.6e6 /
        n_train)`` epochs, but at least 2 (100 up to 16,000 training rows, 20
        at 80,000, 2 at 800,000); fit time then grows at most linearly with
        the rows.

    batch_size : int, default=256
        Rows per mini-batch (fewer if the training part is smaller).

    dropout : float, default=0.15
        Dropout rate after every hidden layer, constant for the first half
        of the planned epochs then decaying to 0 along a half cosine.
"""

_LABEL_SMOOTHING = """
    label_smoothing : float, default=0.1
        Share of each one-hot target spread evenly over the classes (over
        both values of a binary or multilabel target).
"""

_PARAMETERS_TAIL = """
    validation_fraction : float or None, default=0.2
        Share of the rows each member holds out (stratified by class when
        possible) to pick the best epoch; its weights are kept. The members
        hold out different rows (as far as there are rows) and train on all
        the others, so every row trains some members; each held-out row is
        predicted by the members that did not train on it, and the epoch is
        chosen on these predictions of ``n_ensemble * validation_fraction``
        of the rows (every row once that reaches 1). With ``n_ensemble=1``,
        or a Dask DataFrame, one split is shared by all members, and its rows
        train none. The best epoch has the highest validation score; epochs tied on it are told apart by the
        validation loss (lower is better), so that on a small split the
        first epoch to reach a coarse score is not kept when later ones
        predict the same rows with more confidence. None, or a fraction that
        would hold out fewer than 2 rows, trains on every row and keeps the
        last epoch.

    n_iter_no_change : int, default=16
        Stop once more than this many epochs in a row have not beaten the
        best epoch (a higher validation score, or the same score with a
        lower validation loss).
        Without a validation split, every planned epoch runs.

    max_time : float or None, default=None
        Time budget in seconds: stop after the first epoch that ends past it.

    dtype : {'float32', 'float64'}, default='float32'
        Precision of training and prediction.
{class_weight}
    random_state : int, RandomState instance or None, default=None
        Draws the initial weights, the validation split, the batches and the
        dropout masks. An int gives identical fits.

    verbose : bool or int, default=False
        Print one line per epoch and, at the end of the fit, why training
        stopped and which epoch's weights were kept (``summary()`` says it too).

    warm_start : bool, default=False
        Continue training the fitted network (its preprocessing is kept, not
        refitted) at the next ``fit``, with the schedule started anew.

    callbacks : list or None, default=None
        Callables ``callback(estimator, record) -> bool`` or objects with
        ``on_fit_begin``, ``on_epoch_end`` and ``on_fit_end``, as for
        :class:`DeepNetClassifier`.
"""

_CLASS_WEIGHT = """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss, multiplying ``sample_weight``.
"""

_ATTRIBUTES = """
    Attributes
    ----------
{specific}
    preprocessor_ : TabularPreprocessor
        The fitted preprocessing (``get_feature_names_out()`` names the
        network's inputs).

    n_features_in_ : int
        Number of columns seen during fit.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of the columns seen during fit, when they are all strings.

    n_iter_ : int
        Epochs run by the last fit.

    t_ : int
        Training rows seen over the model's life.

    loss_ : float
        Training loss of the last epoch.

    loss_curve_ : list of float
        Training loss of every epoch.

    validation_scores_ : list of float or None
        Validation {metric} of every epoch (None without a validation split).

    best_validation_score_ : float or None
        The best validation score of the last fit: its weights are kept.

    best_epoch_ : int or None
        The epoch of the last fit whose weights are kept (None without a
        validation split: the last epoch's).

    history_ : list of dict
        One record per epoch: ``epoch``, ``loss``, ``validation_loss``,
        ``validation_score``, ``learning_rate``, ``seconds``.
"""

_SPECIFIC = {
    "classifier": """    classes_ : ndarray of shape (n_classes,)
        Class labels.
""",
    "regressor": """    y_mean_ : ndarray of shape (n_outputs,)
        Mean of each target column (weighted by ``sample_weight``),
        subtracted before training.

    y_scale_ : ndarray of shape (n_outputs,)
        Standard deviation of each target column, divided by before
        training; 0 for a constant column, predicted as its mean.
""",
}

_SEE_ALSO = """
    See Also
    --------
    DeepNetClassifier : The MLPClassifier drop-in, for matrices you prepare yourself.
    sklearn.ensemble.HistGradientBoostingClassifier : Gradient boosting, the usual baseline on tables.

    References
    ----------
    D. Holzmüller, L. Grinsztajn and I. Steinwart, "Better by default: Strong
    pre-tuned MLPs and boosted trees on tabular data", NeurIPS 2024.
    Y. Gorishniy, I. Rubachev and A. Babenko, "On Embeddings for Numerical
    Features in Tabular Deep Learning", NeurIPS 2022.
    Y. Gorishniy, A. Kotelnikov and A. Babenko, "TabM: Advancing Tabular Deep
    Learning with Parameter-Efficient Ensembling", ICLR 2025.
"""

_EXAMPLES = {
    "classifier": """
    Examples
    --------
    >>> import pandas as pd
    >>> from skdeep import TabularNetClassifier
    >>> X = pd.DataFrame({"age": [22, 35, 58, 41, None, 30] * 10,
    ...                   "city": ["Oslo", "Rome", "Oslo", "Lima", "Rome", None] * 10})
    >>> y = [0, 1, 1, 0, 1, 0] * 10
    >>> clf = TabularNetClassifier(max_iter=20, random_state=0).fit(X, y)
    >>> clf.predict(X.head(3)).tolist()
    [0, 1, 1]
    >>> clf.preprocessor_.get_feature_names_out()[:3].tolist()
    ['age', 'missingindicator_age', 'age_bin0']
""",
    "regressor": """
    Examples
    --------
    >>> import numpy as np
    >>> from skdeep import TabularNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(300, 3))
    >>> y = 1e4 * (np.sin(2 * X[:, 0]) + X[:, 1] ** 2)  # any units: the target is scaled inside
    >>> reg = TabularNetRegressor(max_iter=30, random_state=0).fit(X[:200], y[:200])
    >>> bool(reg.score(X[200:], y[200:]) > 0.8)
    True
""",
}


def _build(kind):
    parameters = _PARAMETERS_HEAD
    if kind == "classifier":
        parameters += _LABEL_SMOOTHING
    parameters += _PARAMETERS_TAIL.replace("{class_weight}", _CLASS_WEIGHT if kind == "classifier" else "")
    metric = "accuracy" if kind == "classifier" else "R²"
    attributes = _ATTRIBUTES.replace("{specific}", _SPECIFIC[kind]).replace("{metric}", metric)
    see_also = _SEE_ALSO if kind == "classifier" else _SEE_ALSO.replace("Classifier", "Regressor")
    intro = _INTRO.replace("{targets}", _TARGETS[kind])
    return _SUMMARY[kind] + "\n" + textwrap.dedent(intro + parameters + attributes + see_also + _EXAMPLES[kind])


CLASSIFIER_DOC = _build("classifier")
REGRESSOR_DOC = _build("regressor")
