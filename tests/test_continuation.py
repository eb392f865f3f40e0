"""Training continued after save/load is bit-identical to training never saved.

The requirement: continuing after :func:`skdeep.load` gives exactly the model
that continuing without saving gives, for every solver, learning-rate
schedule (with and without warmup), early stopping, batch normalization,
dropout, ``partial_fit`` and ``warm_start``.

Each case trains three models with the same settings and the same calls:

* ``A``, saved with ``include_optimizer=True`` after its first phase;
* ``B``, loaded from that file;
* ``C``, never saved (so saving cannot have perturbed the reference).

All three are then continued the same way and must agree bit for bit:
predictions, parameters, running statistics, curves, history (except its
wall-clock ``seconds``), counters and the resumable training state.

The settings are sampled with a deterministic greedy pairwise design
(:data:`MATRIX`): every valid pair of settings (solver x schedule, dropout x
batch norm, early stopping x warm start, ...) appears in at least one case.
"""

import collections
import itertools
import random
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier, DeepNetRegressor, load, save
from skdeep.train.optimizers import OPTIMIZERS

from model_equality import assert_same_model

STOCHASTIC = tuple(OPTIMIZERS)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ---------------------------------------------------------------------- data
def _shuffled(X, y, seed=0):
    order = np.random.RandomState(seed).permutation(len(y))
    return X[order], y[order]


def _data(task, dtype="float64"):
    """``(X, y)`` for a task: tiny, scaled, rows in random order."""
    if task == "multiclass":
        X, y = load_iris(return_X_y=True)
    elif task == "binary":
        X, y = make_classification(n_samples=200, n_features=6, n_informative=4, random_state=0)
    elif task == "squared_error":
        X, y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
        y = (y - y.mean()) / y.std()
    elif task == "poisson":
        rng = np.random.RandomState(0)
        X = rng.normal(size=(150, 5))
        y = rng.poisson(np.exp(0.4 * X @ rng.normal(size=5))).astype(float)
    else:
        raise ValueError(task)
    X, y = _shuffled(StandardScaler().fit_transform(X), y)
    return X.astype(dtype), y


def _halves(X, y, call):
    """The rows of the ``call``-th ``partial_fit`` call: alternating halves of the data."""
    rows = slice(0, len(y) // 2) if call % 2 == 0 else slice(len(y) // 2, None)
    return X[rows], y[rows]


# ---------------------------------------------------------------- the matrix
FACTORS = {
    "solver": ("sgd", "sgd_nesterov", "adam", "rmsprop", "adamw", "nadam", "lbfgs"),
    "schedule": ("constant", "invscaling", "adaptive", "step", "cosine"),
    "warmup": (0, 2),
    "early_stopping": (False, True),
    "batch_norm": (False, True),
    "dropout": (0.0, 0.2),
    "mode": ("partial_fit", "fit_then_partial_fit", "warm_start"),
    "tol": ("normal", "plateau"),
    "task": ("multiclass", "binary"),
    "dtype": ("float64", "float32"),
}
NAMES = tuple(FACTORS)


def _is_valid(case):
    """Combinations the estimators accept and in which every setting has an effect."""
    sgd = case["solver"].startswith("sgd")
    if case["solver"] == "lbfgs":
        # No partial_fit, no dropout, no learning-rate schedule with L-BFGS.
        if case["mode"] != "warm_start" or case["dropout"] or case["warmup"]:
            return False
        if case["schedule"] != "constant":
            return False
    if case["schedule"] in ("invscaling", "adaptive") and not sgd:
        return False  # as in MLPClassifier, these act under solver='sgd' only
    if case["mode"] != "warm_start" and case["early_stopping"]:
        return False  # partial_fit raises with early_stopping=True
    return True


def _pairs(case):
    return [((a, case[a]), (b, case[b])) for a, b in itertools.combinations(NAMES, 2)]


def _all_valid_cases():
    combinations = itertools.product(*FACTORS.values())
    cases = (dict(zip(NAMES, values, strict=True)) for values in combinations)
    return [case for case in cases if _is_valid(case)]


def _pairwise_matrix(strength=2, seed=0, sample=40):
    """A small list of valid cases covering every valid pair of settings ``strength`` times.

    Greedy: take the first pair still short of ``strength`` cases, and among
    (a sample of) the unused valid cases holding it keep the one that
    advances the most pairs. Deterministic (ordered containers and a seeded
    generator), so every pytest-xdist worker collects the same list.
    """
    cases = _all_valid_cases()
    missing = {}
    for case in cases:
        for pair in _pairs(case):
            missing[pair] = strength
    rng = random.Random(seed)
    matrix = []
    while missing:
        (a, va), (b, vb) = next(iter(missing))
        holding = [case for case in cases if case[a] == va and case[b] == vb and case not in matrix]
        if not holding:  # fewer valid cases hold this pair than ``strength``
            del missing[(a, va), (b, vb)]
            continue
        candidates = rng.sample(holding, min(sample, len(holding)))
        best = max(candidates, key=lambda case: sum(pair in missing for pair in _pairs(case)))
        matrix.append(best)
        for pair in _pairs(best):
            if pair in missing:
                missing[pair] -= 1
                if not missing[pair]:
                    del missing[pair]
    return matrix


def _case_id(case):
    parts = [case["solver"], case["schedule"]]
    parts += [f"warmup{case['warmup']}"] if case["warmup"] else []
    parts += ["es"] if case["early_stopping"] else []
    parts += ["bn"] if case["batch_norm"] else []
    parts += ["dropout"] if case["dropout"] else []
    parts += [case["mode"], case["tol"], case["task"], case["dtype"]]
    return "-".join(parts)


MATRIX = _pairwise_matrix()


def _params(case, **overrides):
    """Estimator parameters of a case: tiny network, a few epochs."""
    solver = case["solver"]
    params = dict(
        hidden_layer_sizes=(8,), random_state=0, max_iter=4, batch_size=32,
        solver="sgd" if solver.startswith("sgd") else solver,
        learning_rate_init=0.05 if solver.startswith("sgd") else 0.01,
        momentum=0.9, nesterovs_momentum=solver == "sgd_nesterov",
        learning_rate=case["schedule"], warmup=case["warmup"], lr_step_size=2, lr_step_gamma=0.5,
        early_stopping=case["early_stopping"], validation_fraction=0.2,
        batch_norm=case["batch_norm"], dropout=case["dropout"],
        warm_start=case["mode"] == "warm_start",
    )
    if case["tol"] == "plateau":
        # No epoch improves by tol: the patience counter runs out after 2 epochs
        # (the adaptive schedule then divides the rate, the others stop).
        params.update(tol=1e9, n_iter_no_change=1)
    params.update(overrides)
    return params


# ------------------------------------------------------------- the protocol
def _first_phase(model, mode, X, y):
    """Train a fresh model: two ``partial_fit`` calls, or one ``fit``."""
    if mode == "partial_fit":
        extra = {"classes": np.unique(y)} if hasattr(model, "predict_proba") else {}
        model.partial_fit(*_halves(X, y, 0), **extra)
        model.partial_fit(*_halves(X, y, 1))
    else:
        model.fit(X, y)
    return model


def _continue(model, mode, X, y):
    """Continue training: three ``partial_fit`` calls, or two more ``fit`` calls (warm start)."""
    if mode == "warm_start":
        model.fit(X, y)
        model.fit(X, y)
    else:
        for call in range(3):
            model.partial_fit(*_halves(X, y, call))
    return model


def _round_trip(model, path, include_optimizer=True):
    save(model, path, include_optimizer=include_optimizer)
    return load(path)


# ------------------------------------------------------------------- tests
def test_the_matrix_covers_every_valid_pair_of_settings_twice():
    covered = collections.Counter(pair for case in MATRIX for pair in _pairs(case))
    valid = {pair for case in _all_valid_cases() for pair in _pairs(case)}
    assert set(covered) == valid
    assert min(covered.values()) >= 2
    assert all(_is_valid(case) for case in MATRIX)
    # Every setting appears several times.
    for name, values in FACTORS.items():
        for value in values:
            assert sum(case[name] == value for case in MATRIX) >= 3, (name, value)


@pytest.mark.parametrize("case", MATRIX, ids=[_case_id(case) for case in MATRIX])
def test_continuing_after_load_is_bit_identical_to_continuing_without_saving(case, tmp_path):
    X, y = _data(case["task"], case["dtype"])
    mode = case["mode"]
    saved = _first_phase(DeepNetClassifier(**_params(case)), mode, X, y)
    loaded = _round_trip(saved, tmp_path / "model.npz")
    assert_same_model(saved, loaded, X)
    never_saved = _first_phase(DeepNetClassifier(**_params(case)), mode, X, y)
    epochs_before = len(saved.loss_curve_)
    for model in (saved, loaded, never_saved):
        _continue(model, mode, X, y)
    assert_same_model(loaded, never_saved, X)
    assert_same_model(saved, never_saved, X)
    # The continuation did train (L-BFGS with tol=1e9 may converge at once).
    assert len(loaded.loss_curve_) > epochs_before or case["solver"] == "lbfgs"


REGRESSOR_CASES = [
    dict(solver="adam", schedule="constant", warmup=0, early_stopping=False, batch_norm=True,
         dropout=0.2, mode="partial_fit", tol="normal"),
    dict(solver="sgd_nesterov", schedule="adaptive", warmup=0, early_stopping=False, batch_norm=False,
         dropout=0.0, mode="fit_then_partial_fit", tol="plateau"),
    dict(solver="rmsprop", schedule="cosine", warmup=2, early_stopping=True, batch_norm=True,
         dropout=0.0, mode="warm_start", tol="normal"),
    dict(solver="nadam", schedule="step", warmup=2, early_stopping=False, batch_norm=False,
         dropout=0.2, mode="fit_then_partial_fit", tol="normal"),
    dict(solver="adamw", schedule="step", warmup=0, early_stopping=True, batch_norm=False,
         dropout=0.2, mode="warm_start", tol="plateau"),
    dict(solver="sgd", schedule="invscaling", warmup=2, early_stopping=False, batch_norm=True,
         dropout=0.0, mode="partial_fit", tol="normal"),
    dict(solver="lbfgs", schedule="constant", warmup=0, early_stopping=False, batch_norm=True,
         dropout=0.0, mode="warm_start", tol="normal"),
]


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("case", REGRESSOR_CASES,
                         ids=["-".join([c["solver"], c["schedule"], c["mode"]]) for c in REGRESSOR_CASES])
def test_a_regressor_continues_after_load_bit_identically(case, loss, tmp_path):
    X, y = _data(loss)
    mode = case["mode"]
    params = _params(dict(case, task=loss), loss=loss)
    if loss == "poisson" and case["solver"].startswith("sgd"):
        params["learning_rate_init"] = 0.01  # exp output: a gentler rate keeps SGD finite
    saved = _first_phase(DeepNetRegressor(**params), mode, X, y)
    loaded = _round_trip(saved, tmp_path / "model.npz")
    assert_same_model(saved, loaded, X)
    never_saved = _first_phase(DeepNetRegressor(**params), mode, X, y)
    for model in (saved, loaded, never_saved):
        _continue(model, mode, X, y)
    assert_same_model(loaded, never_saved, X)
    assert_same_model(saved, never_saved, X)


# Epoch-by-epoch equivalence: fit(max_iter=4) is four partial_fit calls when
# nothing random differs between calls (no shuffling, no dropout, no
# validation split) and nothing stops early; the save/load in the middle of the
# partial_fit calls must not change that.
ONE_GO_SCHEDULES = [  # (learning_rate, warmup, batch_norm)
    ("constant", 0, False), ("step", 0, True), ("step", 2, True), ("cosine", 0, False),
    ("cosine", 2, True), ("invscaling", 0, True), ("invscaling", 2, False),
]
ONE_GO_CASES = [(solver, *schedule) for solver in ("sgd", "sgd_nesterov", *STOCHASTIC[1:])
                for schedule in ONE_GO_SCHEDULES
                if schedule[0] != "invscaling" or solver.startswith("sgd")]


@pytest.mark.parametrize("solver, schedule, warmup, batch_norm", ONE_GO_CASES)
def test_partial_fits_split_by_save_and_load_equal_one_fit(solver, schedule, warmup, batch_norm,
                                                           tmp_path):
    X, y = _data("multiclass")
    case = dict(solver=solver, schedule=schedule, warmup=warmup, early_stopping=False,
                batch_norm=batch_norm, dropout=0.0, mode="partial_fit", tol="normal")
    params = _params(case, shuffle=False, tol=0.0, n_iter_no_change=10)
    one_go = DeepNetClassifier(**params).fit(X, y)
    split = DeepNetClassifier(**params)
    split.partial_fit(X, y, classes=np.unique(y))
    split.partial_fit(X, y)
    split = _round_trip(split, tmp_path / "model.npz")
    split.partial_fit(X, y)
    split.partial_fit(X, y)
    assert (one_go.n_iter_, split.n_iter_) == (4, 1)
    assert np.array_equal(split.predict_proba(X), one_go.predict_proba(X))
    for part in ("params", "state"):  # weights and batch-norm running statistics
        saved, kept = getattr(split._network, part), getattr(one_go._network, part)
        assert saved.dtype == kept.dtype and np.array_equal(saved, kept)
    assert split.loss_curve_ == one_go.loss_curve_
    assert split.t_ == one_go.t_
    # Learning rates included; the wall-clock seconds differ.
    assert ([{**record, "seconds": None} for record in split.history_]
            == [{**record, "seconds": None} for record in one_go.history_])


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_saving_without_the_optimizer_continues_with_a_fresh_one(solver, tmp_path):
    X, y = _data("multiclass")
    model = DeepNetClassifier((8,), solver=solver, max_iter=4, batch_size=32, random_state=0,
                              learning_rate_init=0.01).fit(X, y)
    with_optimizer = _round_trip(model, tmp_path / "with.npz", include_optimizer=True)
    without = _round_trip(model, tmp_path / "without.npz", include_optimizer=False)
    assert without._train_state.optimizer is None
    # Loaded again without the optimizer: the fresh optimizer is deterministic.
    fresh = _round_trip(model, tmp_path / "without.npz", include_optimizer=False)
    for _ in range(2):
        with_optimizer.partial_fit(X, y)
        without.partial_fit(X, y)
        fresh.partial_fit(X, y)
    assert_same_model(without, fresh, X)
    n_batches = -(-len(y) // 32)
    assert without._train_state.optimizer["state"]["t"] == 2 * n_batches
    assert with_optimizer._train_state.optimizer["state"]["t"] == (4 + 2) * n_batches
    # The moments matter: the continuations differ.
    assert not np.array_equal(without.predict_proba(X), with_optimizer.predict_proba(X))
    assert without.loss_curve_[:4] == with_optimizer.loss_curve_[:4]
    assert without.loss_curve_[4:] != with_optimizer.loss_curve_[4:]
    assert without.t_ == with_optimizer.t_ and without.n_iter_ == with_optimizer.n_iter_ == 1


def test_saving_without_the_optimizer_still_keeps_the_schedule_position(tmp_path):
    """The learning-rate schedule is not optimizer state: the file holds it either way."""
    X, y = _data("multiclass")
    model = DeepNetClassifier((8,), solver="sgd", learning_rate="adaptive", learning_rate_init=0.1,
                              tol=1e9, n_iter_no_change=1, max_iter=6, batch_size=32,
                              random_state=0).fit(X, y)
    assert model._train_state.schedule_state == {"divisions": 2}
    without = _round_trip(model, tmp_path / "model.npz", include_optimizer=False)
    assert without._train_state.schedule_state == {"divisions": 2}
    model.partial_fit(X, y)
    without.partial_fit(X, y)
    # Unsaved, the rate continues at 0.1 / 5 ** 2; after load without the
    # optimizer it must continue there too, not jump back to 0.1.
    assert model.history_[-1]["learning_rate"] == pytest.approx(0.1 / 25)
    assert without.history_[-1]["learning_rate"] == model.history_[-1]["learning_rate"]


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_repeated_load_and_partial_fit_through_a_plateau_works(schedule, tmp_path):
    """The bug report: save, load, partial_fit, again and again, until an epoch fails to improve."""
    X, y = _data("multiclass")
    params = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate=schedule, tol=1e9,
                  n_iter_no_change=1, max_iter=3, batch_size=32, random_state=0)
    never_saved = DeepNetClassifier(**params).fit(X, y)
    model = DeepNetClassifier(**params).fit(X, y)
    path = tmp_path / "model.npz"
    for _ in range(5):
        save(model, path, include_optimizer=True)
        model = load(path)
        model.partial_fit(X, y)
        never_saved.partial_fit(X, y)
        assert_same_model(model, never_saved, X)
    # Every continued epoch failed to improve by tol: the patience ran out.
    assert model._train_state.no_improvement_count >= 2 or schedule == "adaptive"
    if schedule == "adaptive":
        assert model._train_state.schedule_state["divisions"] >= 2


@pytest.mark.parametrize("batch_norm", [False, True])
def test_repeated_load_and_warm_start_fit_with_early_stopping_works(batch_norm, tmp_path):
    X, y = _data("binary")
    params = dict(hidden_layer_sizes=(8,), early_stopping=True, warm_start=True, tol=1e9,
                  n_iter_no_change=1, max_iter=4, batch_size=32, random_state=0,
                  batch_norm=batch_norm, validation_fraction=0.2)
    never_saved = DeepNetClassifier(**params).fit(X, y)
    model = DeepNetClassifier(**params).fit(X, y)
    path = tmp_path / "model.npz"
    for _ in range(4):
        save(model, path, include_optimizer=True)
        model = load(path)
        model.fit(X, y)
        never_saved.fit(X, y)
        assert_same_model(model, never_saved, X)
    assert model._train_state.best_params is not None
    assert len(model.validation_scores_) == len(model.loss_curve_)


def test_partial_fit_after_an_early_stopping_fit_continues_identically_after_load(tmp_path):
    X, y = _data("multiclass")
    params = dict(hidden_layer_sizes=(8,), early_stopping=True, max_iter=4, batch_size=32,
                  random_state=0, batch_norm=True, dropout=0.2)
    saved = DeepNetClassifier(**params).fit(X, y)
    never_saved = DeepNetClassifier(**params).fit(X, y)
    loaded = _round_trip(saved, tmp_path / "model.npz")
    before = loaded._network.params.copy()
    with pytest.raises(ValueError, match="early_stopping"):
        loaded.partial_fit(X, y)
    assert np.array_equal(loaded._network.params, before)  # the failed call changed nothing
    assert_same_model(saved, loaded, X)
    for model in (saved, loaded, never_saved):
        model.set_params(early_stopping=False)
        model.partial_fit(X, y)
        model.partial_fit(X, y)
    assert_same_model(loaded, never_saved, X)
    assert_same_model(saved, never_saved, X)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_chained_save_load_cycles_equal_one_uninterrupted_run(solver, tmp_path):
    """Saving and loading after every call, for many calls, never drifts."""
    X, y = _data("binary")
    params = dict(hidden_layer_sizes=(8,), solver=solver, learning_rate="step", lr_step_size=1,
                  warmup=1, max_iter=3, batch_size=32, random_state=0, batch_norm=True, dropout=0.2)
    model = DeepNetClassifier(**params).fit(X, y)
    never_saved = DeepNetClassifier(**params).fit(X, y)
    for call in range(6):
        model = _round_trip(model, tmp_path / f"model{call % 2}.npz")
        model.partial_fit(*_halves(X, y, call))
        never_saved.partial_fit(*_halves(X, y, call))
    assert_same_model(model, never_saved, X)
