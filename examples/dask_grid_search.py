"""
Hyperparameter search on a Dask cluster
=======================================

``GridSearchCV`` hands its fits to joblib; under joblib's ``"dask"`` backend
they run on the workers of a ``dask.distributed`` cluster instead of local
processes, and the results are the same as a local run with the same seeds.
The cluster here is a ``LocalCluster`` of two worker processes on this
machine: to use a real cluster, give ``Client`` the scheduler's address
instead (``Client("tcp://scheduler:8786")``). Needs the dask extra,
``pip install ".[dask]"`` from a checkout.
"""

import collections
import warnings

import joblib
from distributed import Client, LocalCluster, get_task_stream
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    pipeline = Pipeline(
        [("scale", StandardScaler()), ("net", DeepNetClassifier(max_iter=50, random_state=0))]
    )
    grid = {
        "net__hidden_layer_sizes": [(64,), (128, 64)],
        "net__dropout": [0.0, 0.2],
        "net__batch_norm": [False, True],
    }
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=-1)

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            n_workers = len(client.scheduler_info()["workers"])
            print(f"cluster: {n_workers} workers at {cluster.scheduler_address}")
            with get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    search.fit(X_train, y_train)

    # joblib batches several fits into one task; the refit of the best candidate runs locally.
    tasks_per_worker = collections.Counter(task["worker"] for task in tasks.data)
    n_fits = len(search.cv_results_["params"]) * search.n_splits_
    print(f"{n_fits} fits in {len(tasks.data)} tasks, per worker: {dict(tasks_per_worker)}")
    print(f"best {search.best_params_}")
    print(f"cv accuracy {search.best_score_:.3f}, test accuracy {search.score(X_test, y_test):.3f}")


if __name__ == "__main__":
    main()
