"""numpydoc docstrings of the two estimators, written once for both.

The parameters and attributes the classifier and the regressor share are
documented here a single time and assembled into each class docstring.
"""

_SHARED_PARAMETERS = """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    ``hidden_layer_sizes[i]`` is the number of units ``n[i+1]`` of hidden
    layer ``i+1``; the input layer has ``n[0] = n_features_in_`` units and the
    output layer ``n[L] = n_outputs_``.

activation : {'relu', 'identity', 'logistic', 'tanh', 'leaky_relu', 'elu', \
'selu', 'gelu', 'softplus'}, default='relu'
    Activation ``g`` of every hidden layer. The first four are
    MLPClassifier's; ``leaky_relu`` uses slope 0.01, ``elu`` alpha 1, ``selu``
    the self-normalizing constants, ``gelu`` the exact ``z * Phi(z)``.

solver : {'adam', 'sgd', 'lbfgs', 'rmsprop', 'adamw', 'nadam'}, default='adam'
    ``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adamw'`` (Adam with decoupled
    ``weight_decay``) and ``'nadam'`` (Adam with Nesterov momentum) train on
    mini-batches for ``max_iter`` epochs; ``'lbfgs'`` runs SciPy's L-BFGS-B
    on the full batch, which suits small datasets.

alpha : float, default=0.0001
    Strength of the L2 penalty ``alpha / (2 m) * sum ||W[l]||^2``, with ``m``
    the (weighted) number of samples in the batch. Biases are not penalized.

batch_size : int or 'auto', default='auto'
    Mini-batch size for the stochastic solvers; ``'auto'`` is
    ``min(200, n_samples)``. Larger values are clipped with a warning.

learning_rate : {'constant', 'invscaling', 'adaptive', 'step', 'cosine'}, \
default='constant'
    Schedule of the step size. As in MLPClassifier, ``'invscaling'``
    (``learning_rate_init / (t + 1) ** power_t`` with ``t`` the samples seen)
    and ``'adaptive'`` (divide by 5 when training stops improving) act under
    ``solver='sgd'`` only. ``'step'`` (multiply by ``lr_step_gamma`` every
    ``lr_step_size`` epochs) and ``'cosine'`` (``learning_rate_init * (1 +
    cos(pi * e / T)) / 2`` over ``T = max_iter - warmup`` epochs) apply to
    every stochastic solver. Epochs count from the start of each ``fit``
    call; ``partial_fit`` continues the count, and past the cosine's end it
    starts a new cycle instead of training at rate 0. A cosine fit runs all
    its epochs: the plateau rule (``tol``, ``n_iter_no_change``) stops it
    only with ``early_stopping=True`` (or use
    :class:`skdeep.callbacks.StopOnPlateau`), and completing it raises no
    ``ConvergenceWarning``. The rate of each epoch is recorded in
    ``history_``.

learning_rate_init : float, default=0.001
    Initial step size of ``'sgd'`` and ``'adam'``.

power_t : float, default=0.5
    Exponent of the ``'invscaling'`` schedule.

max_iter : int, default=200
    Maximum number of epochs (stochastic solvers) or iterations ('lbfgs').

shuffle : bool, default=True
    Shuffle the samples before every epoch.

random_state : int, RandomState instance or None, default=None
    Seed for initialization, shuffling and the early-stopping split. An int
    gives bit-identical models from fit to fit.

tol : float, default=1e-4
    Training stops when the loss (or validation score) has not improved by
    at least ``tol`` for ``n_iter_no_change`` consecutive epochs.

verbose : bool or int, default=False
    Print one line per epoch, ``Iteration N, loss = ...`` as in
    MLPClassifier, followed by the validation score and loss, the learning
    rate and the epoch's seconds.

warm_start : bool, default=False
    Start ``fit`` from the previous fit's weights instead of initializing
    anew (the optimizer's moments and the schedule start afresh, as in
    MLPClassifier). Parameters changed with ``set_params`` since the last
    fit apply; changing the architecture (``hidden_layer_sizes``,
    ``batch_norm``) raises a ``ValueError`` naming it. A fit that raises
    (bad input, divergence, a failing callback) leaves the model exactly as
    it was before the call.

momentum : float, default=0.9
    Momentum of ``'sgd'``, in [0, 1].

nesterovs_momentum : bool, default=True
    Use Nesterov's momentum with ``'sgd'``.

early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (stratified for
    binary targets, as in MLPClassifier), stop when its score stops
    improving, and restore the weights of the best epoch. A fit that
    diverges then ends with a warning and the best weights, not an error.

validation_fraction : float, default=0.1
    Share of the training data held out for early stopping.

beta_1 : float, default=0.9
    Decay rate of Adam's first-moment estimate, in [0, 1).

beta_2 : float, default=0.999
    Decay rate of Adam's second-moment estimate, in [0, 1).

epsilon : float, default=1e-8
    Numerical-stability term of Adam.

n_iter_no_change : int, default=10
    Epochs without an improvement of ``tol`` before stopping.

max_fun : int, default=15000
    Maximum number of loss evaluations of ``'lbfgs'``.

init : {'mlp', 'auto', 'glorot_uniform', 'glorot_normal', 'he_uniform', \
'he_normal', 'lecun_uniform', 'lecun_normal'}, default='mlp'
    Weight initialization. ``'mlp'`` is MLPClassifier's: weights and biases
    uniform in ``±sqrt(6 / (fan_in + fan_out))`` (``2`` instead of ``6``
    for the logistic activation), drawn in MLPClassifier's order, so the
    same ``random_state`` starts from the same weights. ``'auto'`` picks He
    for the ReLU family (with gain 1, LeCun, for the first layer, whose
    input has seen no ReLU), LeCun normal for SELU and Glorot for the
    others, with zero biases; so do the named schemes.

dropout : float or array-like of shape (n_layers - 2,), default=0.0
    Inverted dropout after each hidden activation, in training only: one
    rate for every hidden layer or one per hidden layer, each in [0, 1).
    Predictions are deterministic. A sample's mask is a hash of its features
    and the epoch, so a ``sample_weight`` of ``k`` equals ``k`` copies of it.
    Needs a stochastic solver.

batch_norm : bool, default=False
    Batch normalization of each hidden layer's ``Z`` before its activation,
    with learned scale ``gamma`` and shift ``beta``. Training normalizes with
    the batch's (sample-weighted) statistics, prediction with their running
    averages, so a row's prediction does not depend on its batch.

batch_norm_momentum : float, default=0.9
    ``running = momentum * running + (1 - momentum) * batch`` after every
    training batch.

rho : float, default=0.9
    Decay rate of the squared-gradient average of ``solver='rmsprop'``.

weight_decay : float, default=0.01
    Decoupled weight decay of ``solver='adamw'``: each step shrinks the
    weights by ``learning_rate * weight_decay`` times themselves, besides any
    L2 penalty ``alpha``. Biases and batch-norm parameters are not decayed.

warmup : int, default=0
    Epochs of linear warmup in front of any schedule: the schedule's first
    rate times ``(epoch + 1) / warmup``, then the schedule from its start;
    any stochastic solver.

lr_step_size : int, default=10
    With ``learning_rate='step'``: epochs between two decays.

lr_step_gamma : float, default=0.5
    With ``learning_rate='step'``: the factor of each decay.

clip_grad_norm : float, default=None
    Rescale each batch's gradient so that its global L2 norm (over all
    parameters at once) is at most this value.

callbacks : list or tuple, default=None
    Plain callables ``callback(estimator, record) -> bool``, called after
    every epoch with the epoch's ``history_`` record (returning True stops
    training cleanly after that epoch), or objects with any of the
    lifecycle methods ``on_fit_begin(estimator, info)``,
    ``on_epoch_end(estimator, record)`` and ``on_fit_end(estimator, info)``
    (see :mod:`skdeep.callbacks`). Checked before any training. scikit-learn's
    own callbacks (``set_callbacks``, scikit-learn >= 1.9) work as well.
"""

_SHARED_ATTRIBUTES = """\
loss_ : float
    Loss at the end of the last epoch (or L-BFGS iteration), including the
    L2 penalty.

best_loss_ : float or None
    Lowest training loss reached; None while early stopping is on.

loss_curve_ : list of float
    Loss after each epoch (or L-BFGS iteration).

validation_scores_ : list of float or None
    Score on the held-out set after each epoch, with ``early_stopping=True``.

best_validation_score_ : float or None
    Best of ``validation_scores_``; its weights are the ones kept.

t_ : int
    Number of training samples seen by the stochastic solver.

coefs_ : list of ndarray
    ``coefs_[i]`` is ``W[i+1]`` of shape ``(n[i], n[i+1])`` (samples in rows;
    the course's column notation stores its transpose, ``(n[i+1], n[i])``).
    Each is a view into one flat parameter vector; assigning
    ``coefs_[i] = W`` copies ``W`` into it.

intercepts_ : list of ndarray
    ``intercepts_[i]`` is ``b[i+1]``, of shape ``(n[i+1],)``.

n_features_in_ : int
    Number of features seen during fit, ``n[0]``.

feature_names_in_ : ndarray of shape (n_features,)
    Names of the features seen during fit, when ``X`` has string column
    names.

n_iter_ : int
    Number of epochs (or L-BFGS iterations) run.

n_layers_ : int
    Number of layers, input and output included: ``L + 1``.

n_outputs_ : int
    Number of output units ``n[L]``.

history_ : list of dict
    One record per epoch (per iteration for L-BFGS) with the same keys under
    every solver: ``epoch``, ``loss``, ``validation_loss``,
    ``validation_score``, ``learning_rate`` and ``seconds``. A value that
    does not apply is None: the validation values without early stopping,
    the learning rate under L-BFGS.
"""


CLASSIFIER_DOC = f"""Deep neural network classifier, a drop-in for MLPClassifier.

An L-layer network in plain NumPy trained with log-loss: softmax outputs for
multiclass targets, one sigmoid per output for binary and multilabel targets.
Every parameter of :class:`sklearn.neural_network.MLPClassifier` exists here
with the same name, meaning and default, and so does every fitted attribute.

Parameters
----------
{_SHARED_PARAMETERS}
class_weight : dict, 'balanced' or None, default=None
    Weights of the classes, multiplied into ``sample_weight``: a dict
    ``{{label: weight}}`` (missing labels weigh 1), or ``'balanced'`` for
    ``n_samples / (n_classes * count(label))``. Not for multilabel targets;
    ``'balanced'`` is refused by ``partial_fit``, which sees one batch only.

Attributes
----------
classes_ : ndarray of shape (n_classes,)
    Class labels, in the order of the columns of :meth:`predict_proba`.

{_SHARED_ATTRIBUTES}
out_activation_ : str
    ``'softmax'`` for multiclass targets, ``'logistic'`` otherwise.

See Also
--------
DeepNetRegressor : The same network for regression.
sklearn.neural_network.MLPClassifier : scikit-learn's multi-layer perceptron.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from sklearn.model_selection import train_test_split
>>> from skdeep import DeepNetClassifier
>>> X, y = load_iris(return_X_y=True)
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
>>> clf = DeepNetClassifier(hidden_layer_sizes=(32, 16), solver="lbfgs",
...                         random_state=0).fit(X_train, y_train)
>>> [W.shape for W in clf.coefs_]
[(4, 32), (32, 16), (16, 3)]
>>> clf.score(X_test, y_test) > 0.9
True
"""

REGRESSOR_DOC = f"""Deep neural network regressor, a drop-in for MLPRegressor.

An L-layer network in plain NumPy with an identity output trained on the half
squared error, or an exponential output trained on the half Poisson deviance.
Every parameter of :class:`sklearn.neural_network.MLPRegressor` exists here
with the same name, meaning and default, and so does every fitted attribute.

Parameters
----------
loss : {{'squared_error', 'poisson'}}, default='squared_error'
    ``'squared_error'`` minimizes half the squared error averaged over
    outputs; ``'poisson'`` half the Poisson deviance with a log link (targets
    must be non-negative).

{_SHARED_PARAMETERS}
Attributes
----------
{_SHARED_ATTRIBUTES}
out_activation_ : str
    ``'identity'``, or ``'exp'`` with ``loss='poisson'``.

See Also
--------
DeepNetClassifier : The same network for classification.
sklearn.neural_network.MLPRegressor : scikit-learn's multi-layer perceptron.

Examples
--------
>>> from sklearn.datasets import make_regression
>>> from sklearn.model_selection import train_test_split
>>> from skdeep import DeepNetRegressor
>>> X, y = make_regression(n_samples=200, n_features=10, noise=1.0, random_state=0)
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
>>> reg = DeepNetRegressor(hidden_layer_sizes=(64,), solver="lbfgs", max_iter=500,
...                        random_state=0).fit(X_train, y_train)
>>> reg.score(X_test, y_test) > 0.9
True
"""
