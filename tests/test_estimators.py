"""DeepNetClassifier and DeepNetRegressor as scikit-learn estimators.

The reference is scikit-learn's MLPClassifier / MLPRegressor: same parameters,
same fitted attributes, same errors, and the contract every estimator keeps
(inputs untouched, reproducible with an int random_state, picklable, usable
in pipelines and searches).
"""

import copy
import inspect
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.datasets import (
    load_digits,
    load_iris,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdeep import DeepNetClassifier, DeepNetRegressor
from skdeep.train import trainer as _training

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

STOCHASTIC_SOLVERS = ("sgd", "adam")
SOLVERS = ("sgd", "adam", "lbfgs")


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # On problems this small OpenBLAS threads cost far more than they give
    # (SciPy's L-BFGS-B runs ~30x slower with 2 threads here), and pytest -n 2
    # already uses both cores.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def iris(scaled=True):
    X, y = load_iris(return_X_y=True)
    return (StandardScaler().fit_transform(X) if scaled else X), y


def binary_data():
    return make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)


def multilabel_data():
    X, Y = make_multilabel_classification(n_samples=120, n_features=6, n_classes=3, random_state=0)
    return StandardScaler().fit_transform(X), Y


def regression_data(n_targets=1):
    X, y = make_regression(n_samples=120, n_features=5, n_targets=n_targets, noise=0.5, random_state=0)
    return X, y / y.std()


def small_clf(**params):
    defaults = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    return DeepNetClassifier(**{**defaults, **params})


def small_reg(**params):
    defaults = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    return DeepNetRegressor(**{**defaults, **params})


def public_fitted_attributes(estimator):
    return {name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")}


# --------------------------------------------------------------------------- drop-in API


@pytest.mark.parametrize(
    "ours, theirs", [(DeepNetClassifier, MLPClassifier), (DeepNetRegressor, MLPRegressor)]
)
def test_every_mlp_constructor_parameter_exists_with_the_same_default(ours, theirs):
    our_params = ours().get_params()
    for name, default in theirs().get_params().items():
        assert name in our_params, f"{ours.__name__} lacks MLP parameter {name!r}"
        assert our_params[name] == default, name


@pytest.mark.parametrize(
    "ours, theirs", [(DeepNetClassifier, MLPClassifier), (DeepNetRegressor, MLPRegressor)]
)
def test_positional_arguments_are_the_same_as_mlps(ours, theirs):
    def positional(cls):
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD][1:]

    expected = positional(theirs)
    if ours is DeepNetRegressor and "loss" not in expected:
        # scikit-learn < 1.7 took MLPRegressor's loss by keyword only; skdeep follows
        # today's signature, where it comes first.
        expected = ["loss", *expected]
    assert positional(ours) == expected


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "ours, theirs, data",
    [
        (DeepNetClassifier, MLPClassifier, iris),
        (DeepNetClassifier, MLPClassifier, binary_data),
        (DeepNetRegressor, MLPRegressor, regression_data),
    ],
)
def test_every_fitted_attribute_of_mlp_exists_after_fit(ours, theirs, data, solver):
    X, y = data()
    params = dict(hidden_layer_sizes=(5, 4), solver=solver, max_iter=3, random_state=0)
    mlp = theirs(**params).fit(X, y)
    est = ours(**params).fit(X, y)
    missing = {name for name in public_fitted_attributes(mlp) if not hasattr(est, name)}
    assert not missing
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert getattr(est, name) == getattr(mlp, name), name
    if solver != "lbfgs":  # both ran all max_iter epochs over every sample
        assert est.n_iter_ == mlp.n_iter_ and est.t_ == mlp.t_
    if ours is DeepNetClassifier:
        np.testing.assert_array_equal(est.classes_, mlp.classes_)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_scikit_learn_progress_attributes_exist_with_mlps_none_conventions(early_stopping):
    X, y = iris()
    params = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0, early_stopping=early_stopping)
    mlp = MLPClassifier(**params).fit(X, y)
    est = DeepNetClassifier(**params).fit(X, y)
    for name in ("loss_", "best_loss_", "loss_curve_", "validation_scores_", "best_validation_score_",
                 "t_", "coefs_", "intercepts_", "n_features_in_", "n_iter_", "n_layers_",
                 "n_outputs_", "out_activation_", "classes_"):
        assert hasattr(est, name), name
    for name in ("best_loss_", "validation_scores_", "best_validation_score_"):
        assert (getattr(est, name) is None) == (getattr(mlp, name) is None), name
    assert len(est.loss_curve_) == len(mlp.loss_curve_)


def test_feature_names_in_is_set_from_a_dataframe_and_absent_for_arrays():
    pd = pytest.importorskip("pandas")
    X, y = iris()
    columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    est = small_clf().fit(pd.DataFrame(X, columns=columns), y)
    np.testing.assert_array_equal(est.feature_names_in_, columns)
    assert est.n_features_in_ == 4
    assert not hasattr(small_clf().fit(X, y), "feature_names_in_")


@pytest.mark.parametrize("hidden_layer_sizes", [(), (5,), 7, (3, 4, 2)])
@pytest.mark.parametrize("data", [iris, binary_data, multilabel_data])
def test_coefs_and_intercepts_have_mlpclassifiers_shapes(hidden_layer_sizes, data):
    X, y = data()
    params = dict(hidden_layer_sizes=hidden_layer_sizes, max_iter=1, random_state=0)
    mlp = MLPClassifier(**params).fit(X, y)
    est = DeepNetClassifier(**params).fit(X, y)
    assert [W.shape for W in est.coefs_] == [W.shape for W in mlp.coefs_]
    assert [b.shape for b in est.intercepts_] == [b.shape for b in mlp.intercepts_]
    assert est.n_layers_ == len(est.coefs_) + 1


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressor_coefs_have_mlpregressors_shapes(n_targets):
    X, y = regression_data(n_targets)
    params = dict(hidden_layer_sizes=(6, 4), max_iter=1, random_state=0)
    mlp = MLPRegressor(**params).fit(X, y)
    est = DeepNetRegressor(**params).fit(X, y)
    assert [W.shape for W in est.coefs_] == [W.shape for W in mlp.coefs_]
    assert [b.shape for b in est.intercepts_] == [b.shape for b in mlp.intercepts_]
    assert est.n_outputs_ == mlp.n_outputs_ == n_targets


@pytest.mark.parametrize(
    "make_estimators, data, expected",
    [
        (lambda: (small_clf(), MLPClassifier(max_iter=1)), iris, "softmax"),
        (lambda: (small_clf(), MLPClassifier(max_iter=1)), binary_data, "logistic"),
        (lambda: (small_clf(), MLPClassifier(max_iter=1)), multilabel_data, "logistic"),
        (lambda: (small_reg(), MLPRegressor(max_iter=1)), regression_data, "identity"),
        pytest.param(
            lambda: (small_reg(loss="poisson"), MLPRegressor(loss="poisson", max_iter=1)),
            lambda: (regression_data()[0], np.arange(120) % 5),
            "exp",
            marks=pytest.mark.skipif(
                "loss" not in MLPRegressor().get_params(),
                reason="MLPRegressor has a loss parameter (and Poisson) from scikit-learn 1.7",
            ),
        ),
    ],
    ids=["multiclass", "binary", "multilabel", "squared_error", "poisson"],
)
def test_out_activation_is_the_same_as_mlps(make_estimators, data, expected):
    X, y = data()
    ours, theirs = make_estimators()
    assert ours.fit(X, y).out_activation_ == expected == theirs.fit(X, y).out_activation_


# --------------------------------------------------------------------------- parameter views


def test_coefs_and_intercepts_are_views_into_one_flat_vector():
    X, y = iris()
    est = small_clf(hidden_layer_sizes=(5, 4)).fit(X, y)
    arrays = list(est.coefs_) + list(est.intercepts_)
    flat = arrays[0].base
    assert flat is not None and flat.ndim == 1
    assert all(array.base is flat for array in arrays)
    assert flat.size >= sum(array.size for array in arrays)
    # Writing into a view in place is seen by the next prediction.
    before = est.predict_proba(X)
    est.coefs_[0][...] = 0.0
    est.coefs_[1][...] = 0.0
    assert not np.allclose(est.predict_proba(X), before)


def test_assigning_one_coefs_layer_changes_predictions():
    X, y = iris()
    est = small_clf().fit(X, y)
    before = est.predict_proba(X)
    W = np.random.RandomState(1).normal(size=est.coefs_[0].shape)
    est.coefs_[0] = W
    np.testing.assert_array_equal(est.coefs_[0], W)
    assert not np.allclose(est.predict_proba(X), before)


def test_assigning_output_layer_zeros_gives_uniform_probabilities():
    X, y = iris()
    est = small_clf().fit(X, y)
    est.coefs_[-1] = np.zeros_like(est.coefs_[-1])
    est.intercepts_[-1] = np.zeros(3)
    np.testing.assert_allclose(est.predict_proba(X), 1 / 3)


@pytest.mark.parametrize(
    "assign",
    [
        lambda est: est.coefs_.__setitem__(0, np.zeros((3, 3))),
        lambda est: est.intercepts_.__setitem__(1, np.zeros(4)),
        lambda est: setattr(est, "coefs_", [np.zeros((4, 8)), np.zeros((8, 2))]),
        lambda est: setattr(est, "coefs_", [np.zeros((4, 8))]),
        lambda est: setattr(est, "intercepts_", [np.zeros(8), np.zeros(3), np.zeros(3)]),
        lambda est: est.coefs_.__setitem__(0, np.full((4, 8), np.nan)),
    ],
    ids=["item-shape", "intercept-shape", "list-one-bad-shape", "list-too-short",
         "list-too-long", "item-nan"],
)
def test_assigning_a_wrong_shape_raises_and_changes_nothing(assign):
    X, y = iris()
    est = small_clf().fit(X, y)
    coefs = [W.copy() for W in est.coefs_]
    intercepts = [b.copy() for b in est.intercepts_]
    proba = est.predict_proba(X)
    with pytest.raises(ValueError):
        assign(est)
    for W, saved in zip(est.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, saved)
    for b, saved in zip(est.intercepts_, intercepts, strict=True):
        np.testing.assert_array_equal(b, saved)
    np.testing.assert_array_equal(est.predict_proba(X), proba)


def test_assigning_whole_lists_to_coefs_and_intercepts_sets_every_layer():
    X, y = iris()
    source = small_clf(random_state=1, max_iter=50).fit(X, y)
    target = small_clf(random_state=2, max_iter=1).fit(X, y)
    assert not np.allclose(target.predict_proba(X), source.predict_proba(X))
    target.coefs_ = [W.copy() for W in source.coefs_]
    target.intercepts_ = [b.copy() for b in source.intercepts_]
    np.testing.assert_array_equal(target.predict_proba(X), source.predict_proba(X))
    # Still views: a later item assignment reaches the network.
    target.coefs_[1] = np.zeros_like(target.coefs_[1])
    assert not np.allclose(target.predict_proba(X), source.predict_proba(X))


def test_assigned_values_keep_the_models_float32_dtype():
    X, y = iris()
    est = small_clf().fit(X.astype(np.float32), y)
    est.coefs_[0] = np.ones(est.coefs_[0].shape, dtype=np.float64)
    assert est.coefs_[0].dtype == np.float32
    assert est.predict_proba(X.astype(np.float32)).dtype == np.float32


# --------------------------------------------------------------------------- fit and predict


@pytest.mark.parametrize("data", [iris, binary_data])
def test_predict_proba_rows_sum_to_one_and_predict_takes_the_most_probable_class(data):
    X, y = data()
    est = small_clf().fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), len(est.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])


def test_score_is_the_accuracy_of_predict():
    X, y = iris()
    est = small_clf(max_iter=3).fit(X, y)
    assert est.score(X, y) == accuracy_score(y, est.predict(X))


def test_regressor_score_is_r2_of_predict():
    from sklearn.metrics import r2_score

    X, y = regression_data()
    est = small_reg(max_iter=5).fit(X, y)
    assert est.score(X, y) == pytest.approx(r2_score(y, est.predict(X)))


@pytest.mark.parametrize("data", [iris, binary_data, multilabel_data])
def test_predict_log_proba_is_the_log_of_predict_proba(data):
    X, y = data()
    est = small_clf().fit(X, y)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(est.predict_proba(X)), rtol=1e-10)


@pytest.mark.parametrize("data", [iris, binary_data])
def test_predict_log_proba_stays_finite_where_predict_proba_underflows(data):
    X, y = data()
    est = small_clf(solver="lbfgs", max_iter=100).fit(X, y)
    X_far = X * 1e4  # far from the data: logits of thousands
    proba = est.predict_proba(X_far)
    assert (proba == 0).any(), "the test needs probabilities that underflow to zero"
    log_proba = est.predict_log_proba(X_far)
    assert np.isfinite(log_proba).all()
    # Where the probability rounds to zero, its log is below that of machine epsilon.
    assert (log_proba[proba == 0] < np.log(np.finfo(np.float64).eps)).all()
    # Elsewhere it is the log of the probability (which, for binary targets, is
    # computed as 1 - p and exact only down to about 1e-16 absolute).
    accurate = proba > 1e-6
    np.testing.assert_allclose(log_proba[accurate], np.log(proba[accurate]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(logsumexp(log_proba, axis=1), 0.0, atol=1e-10)


def test_multilabel_indicator_targets_give_indicator_predictions():
    X, Y = multilabel_data()
    est = small_clf(solver="lbfgs", max_iter=200, hidden_layer_sizes=(16,)).fit(X, Y)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    prediction = est.predict(X)
    assert prediction.shape == Y.shape
    assert set(np.unique(prediction)) <= {0, 1}
    proba = est.predict_proba(X)
    assert proba.shape == Y.shape and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(prediction, (proba > 0.5).astype(int))
    assert est.score(X, Y) == accuracy_score(Y, prediction)  # subset accuracy
    assert est.score(X, Y) > 0.6


def test_string_labels_are_predicted_as_the_same_strings():
    X, y = iris()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    est = small_clf(solver="lbfgs", max_iter=100).fit(X, names)
    np.testing.assert_array_equal(est.classes_, ["setosa", "versicolor", "virginica"])
    prediction = est.predict(X)
    assert prediction.dtype.kind == "U" and set(prediction) <= set(names)
    assert est.score(X, names) > 0.9


def test_dataframe_input_trains_the_same_model_as_the_array():
    pd = pytest.importorskip("pandas")
    X, y = iris()
    frame = pd.DataFrame(X, columns=list("abcd"))
    labels = pd.Series(np.array(["x", "y", "z"])[y])
    from_frame = small_clf().fit(frame, labels)
    from_array = small_clf().fit(X, labels.to_numpy())
    np.testing.assert_array_equal(from_frame.predict_proba(frame), from_array.predict_proba(X))
    np.testing.assert_array_equal(from_frame.predict(frame), from_array.predict(X))
    with pytest.raises(ValueError, match="feature names"):
        from_frame.predict(frame[list("dcba")])


@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_csr_input_gives_the_same_model_as_dense(solver):
    X, y = iris(scaled=False)
    X = np.where(X > 3.0, X, 0.0)  # about half the entries zero: a truly sparse matrix
    dense = small_clf(solver=solver).fit(X, y)
    sparse = small_clf(solver=solver).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dense.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(sparse.predict(sp.csr_matrix(X)), dense.predict(X))


def test_sparse_csr_input_gives_the_same_regressor_and_partial_fit_as_dense():
    X, y = regression_data()
    X = np.where(np.abs(X) > 0.5, X, 0.0)
    dense = small_reg().fit(X, y)
    sparse = small_reg().fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X)), dense.predict(X), rtol=1e-9, atol=1e-12)
    dense_incremental = small_reg().partial_fit(X, y).partial_fit(X, y)
    sparse_incremental = small_reg().partial_fit(sp.csr_matrix(X), y).partial_fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse_incremental.predict(X), dense_incremental.predict(X),
                               rtol=1e-9, atol=1e-12)


def test_multi_output_regression_predicts_one_column_per_target():
    X, Y = regression_data(n_targets=3)
    est = small_reg(solver="lbfgs", max_iter=200, hidden_layer_sizes=(16,)).fit(X, Y)
    prediction = est.predict(X)
    assert prediction.shape == Y.shape
    assert est.score(X, Y) > 0.9
    single = small_reg(max_iter=2).fit(X, Y[:, 0])
    assert single.predict(X).shape == (len(X),)


def test_poisson_regressor_learns_counts_and_predicts_positive_values():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(300, 3))
    rate = np.exp(1.0 + X @ np.array([1.0, -0.5, 0.5]))
    y = rng.poisson(rate)
    est = small_reg(loss="poisson", solver="lbfgs", max_iter=200).fit(X, y)
    prediction = est.predict(X)
    assert (prediction > 0).all()
    # Closer to the true rate than the best constant is.
    assert np.mean((prediction - rate) ** 2) < 0.2 * np.mean((y.mean() - rate) ** 2)
    # Far out, the exp output stays positive instead of going negative.
    assert (est.predict(X * 50) > 0).all()


@pytest.mark.parametrize("fit", ["fit", "partial_fit"])
def test_poisson_regressor_rejects_negative_targets(fit):
    X, y = regression_data()
    est = small_reg(loss="poisson")
    with pytest.raises(ValueError, match="non-negative"):
        getattr(est, fit)(X, y)  # regression_data has negative targets


def test_partial_fit_with_classes_accepts_batches_missing_some_classes():
    X, y = iris()
    est = small_clf(learning_rate_init=0.01)
    est.partial_fit(X[y == 0], y[y == 0], classes=[0, 1, 2])
    est.partial_fit(X[y > 0], y[y > 0])
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.predict_proba(X).shape == (150, 3)


def test_repeated_partial_fit_learns():
    X, y = iris()
    est = small_clf(learning_rate_init=0.01, batch_size=30)
    est.partial_fit(X, y, classes=np.unique(y))
    first_loss = est.loss_
    for _ in range(30):
        est.partial_fit(X, y)
    assert est.loss_ < first_loss
    assert est.score(X, y) > 0.9


# --------------------------------------------------------------------------- solvers


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", learning_rate_init=0.1, max_iter=150),
        dict(solver="adam", learning_rate_init=0.01, max_iter=150),
        dict(solver="lbfgs", max_iter=150),
    ],
    ids=lambda params: params["solver"],
)
def test_every_solver_learns_iris(params):
    X, y = iris()
    est = DeepNetClassifier(hidden_layer_sizes=(16,), random_state=0, **params).fit(X, y)
    assert est.score(X, y) > 0.9


def test_sgd_invscaling_schedule_lowers_the_rate_with_samples_seen():
    X, y = iris()
    est = small_clf(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1,
                    power_t=0.5, max_iter=5).fit(X, y)
    rates = [record["learning_rate"] for record in est.history_]
    seen = len(X) * np.arange(len(rates))
    expected = [0.1] + [0.1 / (t + 1) ** 0.5 for t in seen[1:]]
    np.testing.assert_allclose(rates, expected)
    assert np.isfinite(est.loss_curve_).all()


def test_sgd_adaptive_schedule_divides_the_rate_instead_of_stopping_like_mlp():
    X, y = iris()
    params = dict(solver="sgd", learning_rate="adaptive", tol=1e6, n_iter_no_change=2,
                  max_iter=100, random_state=0)
    est = DeepNetClassifier(hidden_layer_sizes=(8,), **params).fit(X, y)
    rates = np.array([record["learning_rate"] for record in est.history_])
    drops = rates[1:][rates[1:] != rates[:-1]] / rates[:-1][rates[1:] != rates[:-1]]
    assert len(drops) >= 2
    np.testing.assert_allclose(drops, 1 / 5)
    # A constant rate stops at the first plateau; adaptive goes on until the rate is tiny.
    constant = DeepNetClassifier(hidden_layer_sizes=(8,), **{**params, "learning_rate": "constant"})
    assert est.n_iter_ > constant.fit(X, y).n_iter_
    assert est.n_iter_ == MLPClassifier(hidden_layer_sizes=(8,), **params).fit(X, y).n_iter_


@pytest.mark.parametrize("max_iter", [1, 3])
def test_lbfgs_stops_at_max_iter_with_a_convergence_warning(max_iter):
    X, y = iris()
    est = small_clf(solver="lbfgs", max_iter=max_iter, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.n_iter_ == max_iter


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_stochastic_solver_warns_when_max_iter_is_reached(solver):
    X, y = iris()
    est = small_clf(solver=solver, max_iter=4)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        est.fit(X, y)
    assert est.n_iter_ == 4


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_no_convergence_warning_when_training_stops_before_max_iter(solver):
    X, y = iris()
    est = small_clf(solver=solver, tol=1e6, n_iter_no_change=2, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ < 50


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_partial_fit_never_warns_about_convergence(solver):
    X, y = iris()
    est = small_clf(solver=solver, max_iter=1)  # one epoch per call is the design
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.partial_fit(X, y, classes=[0, 1, 2])
        est.partial_fit(X, y)


# --------------------------------------------------------------------------- reproducibility, dtype


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_same_random_state_gives_bit_identical_models(solver, early_stopping):
    X, y = iris()
    first = small_clf(solver=solver, early_stopping=early_stopping, batch_size=32).fit(X, y)
    second = small_clf(solver=solver, early_stopping=early_stopping, batch_size=32).fit(X, y)
    for W1, W2 in zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_, strict=False):
        assert np.array_equal(W1, W2)
    assert np.array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.loss_curve_ == second.loss_curve_


def test_refit_without_warm_start_starts_anew():
    X, y = iris()
    fresh = small_clf(batch_size=32).fit(X, y)
    reused = small_clf(batch_size=32).fit(X[:60], y[:60] % 2)
    reused.partial_fit(X[:60], y[:60] % 2)
    reused.fit(X, y)
    assert np.array_equal(reused.predict_proba(X), fresh.predict_proba(X))
    assert reused.n_iter_ == fresh.n_iter_ and reused.loss_curve_ == fresh.loss_curve_


def test_different_random_states_give_different_models():
    X, y = iris()
    first = small_clf(random_state=0).fit(X, y)
    second = small_clf(random_state=1).fit(X, y)
    assert not np.array_equal(first.coefs_[0], second.coefs_[0])


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_input_trains_and_predicts_in_float32(solver):
    X, y = iris()
    X32 = X.astype(np.float32)
    est = small_clf(solver=solver).fit(X32, y)
    assert all(W.dtype == np.float32 for W in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X32).dtype == np.float32
    assert est.predict_log_proba(X32).dtype == np.float32
    assert np.isfinite(est.loss_)
    assert est.score(X32, y) == accuracy_score(y, est.predict(X32))
    reg = small_reg(solver=solver).fit(X32, X32[:, 0])
    assert reg.coefs_[0].dtype == np.float32 and reg.predict(X32).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.int32])
def test_float64_and_integer_input_train_in_float64(dtype):
    X, y = iris(scaled=False)
    est = small_clf().fit((X * 10).astype(dtype), y)
    assert all(W.dtype == np.float64 for W in est.coefs_ + est.intercepts_)
    assert est.predict_proba((X * 10).astype(dtype)).dtype == np.float64


# --------------------------------------------------------------------------- early stopping


@pytest.fixture
def captured_validation(monkeypatch):
    """Record the validation part of every early-stopping split."""
    captured = {}
    split = _training.split_validation

    def recording_split(X, Y, sample_weight, fraction, strata, random_state):
        train, validation = split(X, Y, sample_weight, fraction, strata, random_state)
        captured.update(train=train, validation=validation, strata=strata)
        return train, validation

    monkeypatch.setattr(_training, "split_validation", recording_split)
    return captured


def test_early_stopping_records_a_validation_score_per_epoch():
    X, y = iris()
    est = small_clf(early_stopping=True, max_iter=15).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ == len(est.loss_curve_)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_loss_ is None
    assert all(0 <= score <= 1 for score in est.validation_scores_)


def test_early_stopping_restores_the_weights_of_the_best_validation_epoch(captured_validation):
    X, y = make_classification(n_samples=300, n_features=10, n_informative=5, weights=[0.8],
                               random_state=0)
    est = DeepNetClassifier(hidden_layer_sizes=(16,), early_stopping=True, validation_fraction=0.2,
                            max_iter=200, random_state=0).fit(X, y)
    assert est.n_iter_ < 200
    best_epoch = est.validation_scores_.index(est.best_validation_score_)  # the first best one
    assert best_epoch < len(est.validation_scores_) - 1, "the test needs epochs after the best one"
    X_val, Y_val, _ = captured_validation["validation"]
    y_val = est.classes_[Y_val[:, 0].astype(int)]
    assert est.score(X_val, y_val) == est.best_validation_score_


def test_regressor_early_stopping_restores_the_best_r2(captured_validation):
    X, y = regression_data()
    est = small_reg(early_stopping=True, max_iter=300, learning_rate_init=0.05,
                    hidden_layer_sizes=(32,), n_iter_no_change=5).fit(X, y)
    X_val, Y_val, _ = captured_validation["validation"]
    assert est.score(X_val, Y_val.ravel()) == pytest.approx(est.best_validation_score_, rel=1e-12)
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_early_stopping_split_is_stratified(captured_validation):
    X, y = make_classification(n_samples=200, n_features=5, weights=[0.85], random_state=0)
    est = small_clf(early_stopping=True, validation_fraction=0.2, max_iter=2).fit(X, y)
    X_val, Y_val, _ = captured_validation["validation"]
    val_counts = np.bincount(Y_val[:, 0].astype(int), minlength=2)
    expected = 0.2 * np.bincount(y)
    assert np.all(np.abs(val_counts - expected) <= 1)
    assert captured_validation["strata"] is not None
    assert est.t_ == est.n_iter_ * (len(y) - len(X_val))


def test_multilabel_early_stopping_splits_without_stratifying(captured_validation):
    X, Y = multilabel_data()
    small_clf(early_stopping=True, max_iter=2).fit(X, Y)
    assert captured_validation["strata"] is None


@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_partial_fit_with_early_stopping_raises(make):
    X, y = iris()
    est = make(early_stopping=True)
    kwargs = {"classes": [0, 1, 2]} if make is small_clf else {}
    with pytest.raises(ValueError, match="early_stopping"):
        est.partial_fit(X, y, **kwargs)


# --------------------------------------------------------------------------- warm start, partial_fit


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_warm_start_continues_from_the_previous_weights(solver):
    X, y = iris()
    est = small_clf(solver=solver, warm_start=True, max_iter=10, learning_rate_init=0.01)
    est.fit(X, y)
    first_curve = list(est.loss_curve_)
    est.fit(X, y)
    assert len(est.loss_curve_) == 2 * len(first_curve)
    assert est.loss_curve_[: len(first_curve)] == first_curve
    assert est.loss_curve_[len(first_curve)] < first_curve[0]
    # Without warm start the second fit starts again from the same initial loss.
    cold = small_clf(solver=solver, max_iter=10, learning_rate_init=0.01).fit(X, y).fit(X, y)
    assert cold.loss_curve_ == first_curve


def test_lbfgs_warm_start_continues_from_the_previous_weights():
    X, y = iris()
    est = small_clf(solver="lbfgs", warm_start=True, max_iter=10).fit(X, y)
    first_loss, first_iterations = est.loss_, len(est.loss_curve_)
    est.fit(X, y)
    # The curve goes on across warm starts; the second call starts where the first ended.
    assert len(est.loss_curve_) == first_iterations + est.n_iter_
    assert est.loss_curve_[first_iterations] <= first_loss + 1e-12
    assert est.loss_ < first_loss


def test_warm_start_with_different_classes_raises():
    X, y = iris()
    est = small_clf(warm_start=True, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="classes"):
        est.fit(X[y < 2], y[y < 2])


def test_warm_start_with_different_hidden_layer_sizes_raises_a_clear_error():
    X, y = iris()
    est = small_clf(warm_start=True, max_iter=2).fit(X, y)
    coefs = [W.copy() for W in est.coefs_]
    est.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="warm_start") as error:
        est.fit(X, y)
    assert "hidden_layer_sizes is (7,)" in str(error.value)  # names the parameter that changed
    est.set_params(hidden_layer_sizes=(8,))  # back to the fitted shape: usable as before
    for W, saved in zip(est.coefs_, coefs, strict=False):
        np.testing.assert_array_equal(W, saved)


def test_partial_fit_requires_classes_on_the_first_call():
    X, y = iris()
    with pytest.raises(ValueError, match="classes must be passed"):
        small_clf().partial_fit(X, y)


def test_partial_fit_rejects_classes_unseen_on_the_first_call():
    X, y = iris()
    est = small_clf().partial_fit(X[y < 2], y[y < 2], classes=[0, 1])
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y)
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_partial_fit_is_unavailable_for_lbfgs(make):
    est = make(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        getattr(est, "partial_fit")  # noqa: B009 - the attribute access itself must raise
    assert hasattr(est.set_params(solver="adam"), "partial_fit")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda X: np.where(X > 2, np.nan, X), "NaN"),
        (lambda X: np.where(X > 2, np.inf, X), "infinity"),
        (lambda X: np.where(X > 2, -np.inf, X), "infinity"),
    ],
    ids=["nan", "inf", "-inf"],
)
@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_non_finite_x_is_rejected(make, corrupt, message):
    X, y = iris()
    with pytest.raises(ValueError, match=message):
        make().fit(corrupt(X), y)
    fitted = make().fit(X, y)
    with pytest.raises(ValueError, match=message):
        fitted.predict(corrupt(X))


def test_non_finite_y_is_rejected_by_the_regressor():
    X, y = regression_data()
    with pytest.raises(ValueError, match="NaN"):
        small_reg().fit(X, np.where(y > 1, np.nan, y))


@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_empty_x_is_rejected(make):
    with pytest.raises(ValueError, match="0 sample"):
        make().fit(np.empty((0, 4)), np.array([]))


@pytest.mark.parametrize("fit", ["fit", "partial_fit"])
def test_a_single_class_is_learned_and_predicted_as_mlpclassifier_does(fit):
    X, _ = iris()
    y = np.full(len(X), "only")
    kwargs = {"classes": ["only"]} if fit == "partial_fit" else {}
    ours = getattr(small_clf(), fit)(X, y, **kwargs)
    theirs = getattr(MLPClassifier(hidden_layer_sizes=(5,), max_iter=5), fit)(X, y, **kwargs)
    assert list(ours.classes_) == list(theirs.classes_) == ["only"]
    assert (ours.predict(X) == "only").all() and (theirs.predict(X) == "only").all()
    assert ours.predict_proba(X).shape == theirs.predict_proba(X).shape
    assert ours.score(X, y) == 1.0


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "score", "partial_fit"])
def test_wrong_number_of_features_after_fit_is_rejected(method):
    X, y = iris()
    est = small_clf().fit(X, y)
    args = (X[:, :3], y) if method in ("score", "partial_fit") else (X[:, :3],)
    with pytest.raises(ValueError, match="3 features.*expecting 4"):
        getattr(est, method)(*args)


def test_regressor_rejects_the_wrong_number_of_features_at_predict():
    X, y = regression_data()
    est = small_reg().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, 1:])


@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_mismatched_x_and_y_lengths_are_rejected(make):
    X, y = iris()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        make().fit(X, y[:-1])


@pytest.mark.parametrize(
    "weights, message",
    [
        (lambda n: -np.ones(n), "[Nn]egative"),
        (lambda n: np.r_[-1.0, np.ones(n - 1)], "[Nn]egative"),
        (lambda n: np.zeros(n), "zero"),
        (lambda n: np.ones(n - 1), "shape"),
        (lambda n: np.r_[np.nan, np.ones(n - 1)], "NaN"),
    ],
    ids=["all-negative", "one-negative", "all-zero", "wrong-length", "nan"],
)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_invalid_sample_weights_are_rejected(weights, message, solver):
    X, y = iris()
    with pytest.raises(ValueError, match=message):
        small_clf(solver=solver).fit(X, y, sample_weight=weights(len(y)))


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=(3, -1)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=(3.5,)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=0), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes="abc"), "hidden_layer_sizes"),
        (dict(activation="bogus"), "activation"),
        (dict(init="bogus"), "init"),
        (dict(solver="bogus"), "solver"),
        (dict(alpha=-1), "alpha"),
        (dict(learning_rate="bogus"), "learning_rate"),
        (dict(learning_rate_init=0.0), "learning_rate_init"),
        (dict(batch_size=0), "batch_size"),
        (dict(max_iter=0), "max_iter"),
        (dict(momentum=1.5), "momentum"),
        (dict(validation_fraction=1.0), "validation_fraction"),
        (dict(beta_1=1.0), "beta_1"),
        (dict(epsilon=0.0), "epsilon"),
        (dict(n_iter_no_change=0), "n_iter_no_change"),
        (dict(tol=-1.0), "tol"),
        (dict(max_fun=0), "max_fun"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else "",
)
@pytest.mark.parametrize("make", [DeepNetClassifier, DeepNetRegressor])
def test_invalid_hyperparameters_are_rejected_naming_the_parameter(make, params, message):
    X, y = iris()
    with pytest.raises(ValueError, match=message):
        make(**params).fit(X, y)


def test_invalid_regression_loss_is_rejected():
    X, y = regression_data()
    with pytest.raises(ValueError, match="'loss'"):
        DeepNetRegressor(loss="absolute_error").fit(X, y)


@pytest.mark.parametrize(
    "use",
    [
        lambda est, X: est.predict(X),
        lambda est, X: est.predict_proba(X),
        lambda est, X: est.predict_log_proba(X),
        lambda est, X: est.coefs_,
        lambda est, X: est.intercepts_,
        lambda est, X: setattr(est, "coefs_", []),
    ],
    ids=["predict", "predict_proba", "predict_log_proba", "coefs_", "intercepts_", "set-coefs_"],
)
def test_use_before_fit_raises_not_fitted_error(use):
    X, _ = iris()
    with pytest.raises(NotFittedError):
        use(DeepNetClassifier(), X)


def test_regressor_predict_before_fit_raises_not_fitted_error():
    with pytest.raises(NotFittedError):
        DeepNetRegressor().predict(np.ones((2, 3)))


# --------------------------------------------------------------------------- inputs untouched


ESTIMATORS_FOR_INPUT_CHECKS = [
    pytest.param(lambda: small_clf(solver="adam", batch_size=40), "clf", id="clf-adam"),
    pytest.param(lambda: small_clf(solver="sgd", batch_size=40), "clf", id="clf-sgd"),
    pytest.param(lambda: small_clf(solver="lbfgs"), "clf", id="clf-lbfgs"),
    pytest.param(lambda: small_clf(early_stopping=True), "clf", id="clf-early-stopping"),
    pytest.param(lambda: small_reg(solver="adam", batch_size=40), "reg", id="reg-adam"),
    pytest.param(lambda: small_reg(solver="lbfgs"), "reg", id="reg-lbfgs"),
]


@pytest.mark.parametrize("readonly", [False, True], ids=["writeable", "readonly"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make, kind", ESTIMATORS_FOR_INPUT_CHECKS)
def test_inputs_are_never_modified(make, kind, dtype, readonly):
    X, labels = iris()
    X = X.astype(dtype)
    y = labels if kind == "clf" else (X[:, 0] * 2 - X[:, 1]).astype(dtype)
    sample_weight = np.random.RandomState(0).uniform(0.5, 2.0, len(y)).astype(dtype)
    originals = [X.copy(), y.copy(), sample_weight.copy()]
    if readonly:
        for array in (X, y, sample_weight):
            array.setflags(write=False)

    est = make()
    est.fit(X, y, sample_weight=sample_weight)
    if hasattr(est, "partial_fit") and not est.early_stopping:
        est.partial_fit(X, y, sample_weight=sample_weight)
    est.predict(X)
    est.score(X, y, sample_weight=sample_weight)
    if kind == "clf":
        est.predict_proba(X)
        est.predict_log_proba(X)
    for array, original in zip((X, y, sample_weight), originals, strict=False):
        assert array.dtype == original.dtype
        np.testing.assert_array_equal(array, original)


def test_sparse_input_is_never_modified():
    X, y = iris()
    X_sparse = sp.csr_matrix(np.where(X > 0, X, 0.0))
    original = X_sparse.copy()
    est = small_clf(batch_size=40).fit(X_sparse, y)
    est.partial_fit(X_sparse, y)
    est.predict_proba(X_sparse)
    assert (X_sparse != original).nnz == 0
    np.testing.assert_array_equal(X_sparse.indices, original.indices)


# --------------------------------------------------------------------------- sample_weight


@pytest.fixture
def random_integer_weights():
    return np.random.RandomState(0).randint(0, 4, size=150)


@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_integer_sample_weights_equal_repeated_samples_with_lbfgs(make, random_integer_weights):
    X, y = iris()
    if make is small_reg:
        y = X[:, 0] - X[:, 2] ** 2
    weights = random_integer_weights
    weighted = make(solver="lbfgs").fit(X, y, sample_weight=weights)
    repeated = make(solver="lbfgs").fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    method = "predict_proba" if make is small_clf else "predict"
    np.testing.assert_allclose(getattr(weighted, method)(X), getattr(repeated, method)(X),
                               rtol=1e-7, atol=1e-9)


@pytest.mark.filterwarnings("ignore:Got batch_size")
@pytest.mark.parametrize(
    "params",
    [dict(solver="lbfgs"), dict(solver="sgd", batch_size=1000), dict(solver="adam", batch_size=1000)],
    ids=["lbfgs", "sgd-full-batch", "adam-full-batch"],
)
def test_zero_sample_weight_equals_removing_the_sample(params, random_integer_weights):
    X, y = iris()
    keep = random_integer_weights > 0
    weighted = small_clf(**params).fit(X, y, sample_weight=keep.astype(float))
    removed = small_clf(**params).fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.predict_proba(X), removed.predict_proba(X), rtol=1e-7, atol=1e-9)


def test_sample_weight_changes_the_model():
    X, y = iris()
    weights = np.where(y == 2, 10.0, 1.0)
    plain = small_clf(solver="lbfgs").fit(X, y)
    weighted = small_clf(solver="lbfgs").fit(X, y, sample_weight=weights)
    assert weighted.predict_proba(X)[:, 2].mean() > plain.predict_proba(X)[:, 2].mean()


# --------------------------------------------------------------------------- divergence


@pytest.mark.parametrize(
    "scale, learning_rate_init",
    [(1e150, 1e10), (1.0, 1e10), (1e100, 1.0)],
)
@pytest.mark.parametrize("random_state", [0, 1])
def test_a_diverging_first_fit_raises_and_leaves_the_model_unfitted(scale, learning_rate_init, random_state):
    X, y = regression_data()
    est = DeepNetRegressor(hidden_layer_sizes=(8,), activation="identity", solver="sgd",
                           learning_rate_init=learning_rate_init, max_iter=50,
                           random_state=random_state)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="diverged|non-finite"):
        est.fit(X * scale, y)
    with pytest.raises(NotFittedError):
        est.predict(X)
    assert not hasattr(est, "n_features_in_") and not hasattr(est, "loss_curve_")


def test_a_diverging_refit_leaves_the_fitted_classifier_exactly_as_it_was():
    X, y = iris(scaled=False)
    est = small_clf(solver="sgd", max_iter=50, activation="identity").fit(X, y)
    before = est.predict_proba(X)
    attributes = dict(vars(est))
    est.set_params(learning_rate_init=1e10)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="diverged|non-finite"):
        est.fit(X * 1e150, y)
    assert np.array_equal(est.predict_proba(X), before)
    assert vars(est).keys() == attributes.keys()


@pytest.mark.parametrize("solver", SOLVERS)
def test_predictions_after_fit_on_unscaled_data_are_finite(solver):
    X, y = iris(scaled=False)
    X = X * 1e3
    est = small_clf(solver=solver).fit(X, y)
    proba = est.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(est.predict_log_proba(X)).all()
    reg = small_reg(solver=solver).fit(X, X[:, 0] / 1e3)
    assert np.isfinite(reg.predict(X)).all()


# --------------------------------------------------------------------------- persistence, clone


def pickle_round_trip(est, tmp_path):
    return pickle.loads(pickle.dumps(est))


def joblib_round_trip(est, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    return joblib.load(path)


def joblib_compressed_round_trip(est, tmp_path):
    buffer = io.BytesIO()
    joblib.dump(est, buffer, compress=3)
    buffer.seek(0)
    return joblib.load(buffer)


def deepcopy_round_trip(est, tmp_path):
    return copy.deepcopy(est)


ROUND_TRIPS = [pickle_round_trip, joblib_round_trip, joblib_compressed_round_trip, deepcopy_round_trip]


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_gives_bit_identical_predictions(round_trip, dtype, tmp_path):
    X, y = iris()
    X = X.astype(dtype)
    est = small_clf(hidden_layer_sizes=(6, 5)).fit(X, y)
    loaded = round_trip(est, tmp_path)
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert loaded.predict_proba(X).dtype == dtype
    assert loaded.get_params() == est.get_params()
    assert loaded.loss_curve_ == est.loss_curve_


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_coefs_of_a_loaded_model_are_still_views(round_trip, tmp_path):
    X, y = iris()
    est = small_clf().fit(X, y)
    loaded = round_trip(est, tmp_path)
    loaded.coefs_[-1] = np.zeros_like(loaded.coefs_[-1])
    loaded.intercepts_[-1] = np.zeros_like(loaded.intercepts_[-1])
    np.testing.assert_allclose(loaded.predict_proba(X), 1 / 3)
    # The original does not share memory with its copy.
    assert not np.allclose(est.predict_proba(X), 1 / 3)
    flat = loaded.coefs_[0].base
    assert all(array.base is flat for array in loaded.coefs_ + loaded.intercepts_)


@pytest.mark.parametrize("round_trip", [pickle_round_trip, joblib_round_trip])
def test_a_loaded_model_continues_training_like_the_original(round_trip, tmp_path):
    X, y = iris()
    est = small_clf(batch_size=50).fit(X, y)
    loaded = round_trip(est, tmp_path)
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_the_classes_are_importable_from_their_old_module():
    from skdeep._estimators import DeepNetClassifier as OldClassifier
    from skdeep._estimators import DeepNetRegressor as OldRegressor

    assert OldClassifier is DeepNetClassifier and OldRegressor is DeepNetRegressor
    assert DeepNetClassifier.__module__ == DeepNetRegressor.__module__ == "skdeep.deepnet.estimators"


@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_a_pickle_naming_the_old_module_loads(make):
    """Pickles written by earlier versions name the classes in skdeep._estimators."""
    X, y = iris()
    est = make().fit(X, y)
    # Protocol 2 names a class as "module\nname\n": rewrite it as an earlier version wrote it.
    name = type(est).__name__
    new_path, old_path = (f"{module}\n{name}\n".encode() for module in ("skdeep.deepnet.estimators",
                                                                        "skdeep._estimators"))
    data = pickle.dumps(est, protocol=2)
    assert data.count(new_path) == 1
    loaded = pickle.loads(data.replace(new_path, old_path))
    assert type(loaded) is type(est)
    assert np.array_equal(loaded.predict(X), est.predict(X))
    assert loaded.loss_curve_ == est.loss_curve_


def test_a_pickle_holds_the_labels_as_the_attributes_earlier_versions_had():
    """So that the pickles of earlier versions load as they are (and skops trusts the LabelBinarizer)."""
    X, y = iris()
    est = small_clf().fit(X, y)
    state = est.__getstate__()
    assert "_targets" not in state and "_targets" in vars(est)  # the estimator itself keeps its targets
    np.testing.assert_array_equal(state["_label_binarizer"].classes_, est.classes_)
    np.testing.assert_array_equal(state["classes_"], est.classes_)
    assert not {"_targets", "y_mean_", "_label_binarizer"} & set(small_reg().fit(X, y).__getstate__())


@pytest.mark.parametrize("make", [small_clf, small_reg])
def test_clone_gives_an_unfitted_estimator_with_equal_params(make):
    X, y = iris()
    est = make(hidden_layer_sizes=(7, 3), alpha=0.01, solver="sgd", learning_rate="adaptive")
    est.fit(X, y)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "coefs_") and not hasattr(cloned, "n_iter_")
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    # Fitting the clone gives the original model back (int random_state).
    assert np.array_equal(cloned.fit(X, y).predict(X), est.predict(X))


# --------------------------------------------------------------------------- model selection


def test_grid_search_over_a_pipeline_finds_good_parameters():
    X, y = load_digits(return_X_y=True)
    X, y = X[:450], y[:450]
    pipeline = Pipeline([
        ("standardscaler", StandardScaler()),
        ("deepnetclassifier", DeepNetClassifier(max_iter=50, learning_rate_init=0.01, random_state=0)),
    ])
    grid = {
        "deepnetclassifier__hidden_layer_sizes": [(16,), (16, 16)],
        "deepnetclassifier__alpha": [1e-4, 1e-2],
    }
    search = GridSearchCV(pipeline, grid, n_jobs=2, cv=3).fit(X, y)
    for name, values in grid.items():
        assert search.best_params_[name] in values
    assert search.best_score_ == max(search.cv_results_["mean_test_score"])
    assert search.best_score_ > 0.85
    assert search.best_estimator_.score(X, y) > 0.9
    assert search.best_estimator_[-1].coefs_[0].shape == (64, 16)


def test_cross_val_score_works_for_both_estimators():
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    classifier = DeepNetClassifier((16,), solver="lbfgs", max_iter=100, random_state=0)
    scores = cross_val_score(classifier, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    X, y = regression_data()
    folds = KFold(3, shuffle=True, random_state=0)
    regressor = DeepNetRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=200, random_state=0)
    scores = cross_val_score(regressor, X, y, cv=folds)
    assert scores.shape == (3,) and scores.mean() > 0.9


def test_n_iter_counts_the_epochs_of_the_last_call_like_mlp():
    X, y = iris()
    ours, theirs = small_clf(max_iter=3), MLPClassifier(hidden_layer_sizes=(8,), max_iter=3)
    for estimator in (ours, theirs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.partial_fit(X, y, classes=np.unique(y))
            estimator.partial_fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 1
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 2
    assert ours.t_ == theirs.t_ == 2 * len(X)


def test_binary_predict_proba_keeps_tiny_probabilities_in_both_columns():
    X, y = binary_data()
    clf = small_clf(solver="lbfgs", max_iter=200).fit(X, y)
    far = X[:1] * 1e3  # far from the boundary: one class has a probability below 1e-16
    proba = clf.predict_proba(far)
    assert 0 < proba.min() < 1e-16  # 1 - p would have rounded it to 0
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(far), rtol=1e-6, atol=1e-12)


def test_lbfgs_refuses_a_loss_that_is_not_finite_from_the_start():
    X, y = regression_data()
    with pytest.raises(ValueError, match="finite loss"):
        small_reg(solver="lbfgs", activation="identity").fit(X * 1e200, y * 1e200)
