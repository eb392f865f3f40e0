"""Dask: searches on a real dask.distributed cluster, out-of-core training with dask-ml.

The cluster is a LocalCluster of two worker processes, started once for the
module; every test checks that its work ran on those workers.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier

REASON = 'Dask tests need the dask extra: pip install ".[dask]"'
distributed = pytest.importorskip("distributed", reason=REASON)
da = pytest.importorskip("dask.array", reason=REASON)
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers", reason=REASON)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def _workers_that_ran(task_stream):
    return {task["worker"] for task in task_stream.data}


@pytest.fixture(scope="module")
def search_data():
    return make_classification(n_samples=600, n_features=10, n_informative=6, n_classes=3, random_state=0)


SEARCHES = {
    "grid": lambda estimator: GridSearchCV(
        estimator,
        {
            "deepnetclassifier__hidden_layer_sizes": [(16,), (32, 16)],
            "deepnetclassifier__alpha": [1e-4, 1e-1],
        },
        cv=3,
    ),
    "randomized": lambda estimator: RandomizedSearchCV(
        estimator,
        {
            "deepnetclassifier__hidden_layer_sizes": [(8,), (16,), (32, 16)],
            "deepnetclassifier__learning_rate_init": np.logspace(-3, -1, 10),
            "deepnetclassifier__dropout": [0.0, 0.2],
        },
        n_iter=5,
        cv=3,
        random_state=0,
    ),
}


@pytest.mark.parametrize("kind", sorted(SEARCHES))
def test_search_on_the_cluster_equals_the_local_run(client, search_data, kind):
    X, y = search_data
    pipeline = make_pipeline(StandardScaler(), DeepNetClassifier(max_iter=30, random_state=0))
    local = SEARCHES[kind](pipeline).set_params(n_jobs=1).fit(X, y)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        remote = SEARCHES[kind](pipeline).set_params(n_jobs=-1).fit(X, y)

    assert len(_workers_that_ran(tasks)) == 2  # both worker processes fitted candidates
    assert remote.best_params_ == local.best_params_
    assert [str(p) for p in remote.cv_results_["params"]] == [str(p) for p in local.cv_results_["params"]]
    for split in range(3):
        key = f"split{split}_test_score"
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    np.testing.assert_array_equal(
        remote.best_estimator_.predict_proba(X), local.best_estimator_.predict_proba(X)
    )


def test_incremental_out_of_core_training_reaches_in_memory_accuracy(client):
    X, y = make_classification(
        n_samples=8000, n_features=20, n_informative=10, n_classes=3, class_sep=1.5, random_state=0
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    in_memory = DeepNetClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X_train, y_train)
    in_memory_accuracy = in_memory.score(X_test, y_test)

    X_chunks = da.from_array(X_train, chunks=(300, X.shape[1]))  # 20 blocks
    y_chunks = da.from_array(y_train, chunks=300)
    assert X_chunks.numblocks[0] == 20
    model = dask_ml_wrappers.Incremental(
        DeepNetClassifier(hidden_layer_sizes=(64,), random_state=0), scoring="accuracy", random_state=0
    )
    with distributed.get_task_stream(client) as tasks:
        for _ in range(30):  # 30 passes over the blocks, one partial_fit per block
            model.partial_fit(X_chunks, y_chunks, classes=np.unique(y))
    assert _workers_that_ran(tasks)  # the blocks were trained on the workers
    assert isinstance(model.estimator_, DeepNetClassifier)
    assert model.estimator_.n_iter_ == 1  # each partial_fit call is one epoch over one block

    accuracy = model.score(da.from_array(X_test, chunks=500), da.from_array(y_test, chunks=500))
    assert accuracy >= in_memory_accuracy - 0.01, (accuracy, in_memory_accuracy)


def test_incremental_on_the_cluster_equals_a_local_partial_fit_loop(client):
    # The model travels between worker processes from block to block: Adam's
    # moments, the step count and the batch-norm statistics must travel with it.
    X, y = make_classification(
        n_samples=2000, n_features=10, n_informative=6, n_classes=3, random_state=0
    )
    settings = dict(hidden_layer_sizes=(16,), batch_norm=True, dropout=0.1, random_state=0)
    model = dask_ml_wrappers.Incremental(DeepNetClassifier(**settings), shuffle_blocks=False)
    local = DeepNetClassifier(**settings)
    X_chunks, y_chunks = da.from_array(X, chunks=(250, 10)), da.from_array(y, chunks=250)
    with distributed.get_task_stream(client) as tasks:
        for _ in range(3):
            model.partial_fit(X_chunks, y_chunks, classes=[0, 1, 2])
    for _ in range(3):
        for start in range(0, len(X), 250):
            local.partial_fit(X[start : start + 250], y[start : start + 250], classes=[0, 1, 2])

    assert _workers_that_ran(tasks)
    assert model.estimator_.t_ == local.t_ == 3 * len(X)
    assert model.estimator_.loss_curve_ == local.loss_curve_
    np.testing.assert_array_equal(model.estimator_.predict_proba(X), local.predict_proba(X))


def test_incremental_fit_is_one_pass_and_predicts_lazily(client):
    X, y = make_classification(n_samples=2000, n_features=8, random_state=1)
    X_chunks, y_chunks = da.from_array(X, chunks=(250, 8)), da.from_array(y, chunks=250)
    model = dask_ml_wrappers.Incremental(DeepNetClassifier(hidden_layer_sizes=(16,), random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # partial_fit never warns about convergence
        model.fit(X_chunks, y_chunks, classes=[0, 1])
    prediction = model.predict(X_chunks)
    assert isinstance(prediction, da.Array)  # computed block by block, on demand
    np.testing.assert_array_equal(prediction.compute(), model.estimator_.predict(X))
