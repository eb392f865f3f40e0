"""TabularNet on large tables: fewer epochs, the schedule batch by batch, BLAS threads, memory checks.

The sizes where this matters (hundreds of thousands of rows) are measured by
``benchmarks/scale.py``; here the sample budget is lowered so that small
tables take the large-table path.
"""

import numpy as np
import pytest

from skdeep import TabularNetRegressor
from skdeep.tabular import budget
from skdeep.tabular.preprocessing import TabularPreprocessor
from skdeep.tabular.budget import planned_epochs
from skdeep.train import optimizers
from traced_memory import traced_peak

pd = pytest.importorskip("pandas")


def test_planned_epochs_fall_with_the_rows_within_max_iter_and_the_minimum():
    assert planned_epochs(100, 16_000) == 100
    assert planned_epochs(100, 80_000) == 20
    assert planned_epochs(100, 800_000) == 2
    assert planned_epochs(100, 50_000_000) == budget.MIN_EPOCHS
    assert planned_epochs(1, 50_000_000) == 1  # never more than max_iter
    epochs = [planned_epochs(100, n) for n in (10**3, 10**4, 10**5, 10**6, 10**7)]
    assert epochs == sorted(epochs, reverse=True)
    # Rows trained on in all stop growing with the table until the minimum applies.
    assert planned_epochs(100, 10**5) * 10**5 <= budget.SAMPLE_BUDGET + 10**5


def _table(n=2_000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"))
    return X, X["a"].to_numpy() * 2 + np.sin(X["b"].to_numpy())


def _recorded_rates(monkeypatch):
    rates = []
    step = optimizers.AdamW.step
    monkeypatch.setattr(optimizers.AdamW, "step",
                        lambda self, params, grad, learning_rate: (rates.append(learning_rate),
                                                                   step(self, params, grad, learning_rate)))
    return rates


def test_a_large_table_plans_fewer_epochs_and_follows_the_schedule_batch_by_batch(monkeypatch):
    X, y = _table()
    # 2,000 training rows (each member trains on all but its validation part): 3 epochs.
    monkeypatch.setattr(budget, "SAMPLE_BUDGET", 6_000)
    rates = _recorded_rates(monkeypatch)
    model = TabularNetRegressor(hidden_layer_sizes=(16,), batch_size=128, random_state=0,
                                learning_rate_init=1e-2).fit(X, y)
    assert model.n_iter_ == 3 and len(rates) == 3 * 16
    # Warmup (5 epochs of 100 shrink to 0.15 of an epoch: 3 batches), then the cosine decay,
    # changing at every batch.
    peak = int(np.argmax(rates))
    assert 1 <= peak <= 3 and rates[peak] == pytest.approx(1e-2, rel=0.01)
    assert np.all(np.diff(rates[:peak + 1]) > 0) and np.all(np.diff(rates[peak:]) < 0)
    assert rates[-1] < 1e-2 * 0.01
    # The report says why it ran 3 epochs.
    assert "ran all 3 epochs planned for 2,000 training rows" in _report(model)


def test_a_small_table_keeps_max_iter_and_one_rate_per_epoch(monkeypatch):
    X, y = _table(n=300)
    rates = _recorded_rates(monkeypatch)
    model = TabularNetRegressor(hidden_layer_sizes=(16,), batch_size=100, max_iter=4, warmup=1,
                                validation_fraction=None, random_state=0).fit(X, y)
    assert model.n_iter_ == 4
    per_epoch = np.reshape(rates, (4, 3))  # 3 batches an epoch
    assert np.all(per_epoch == per_epoch[:, :1]) and len(set(per_epoch[:, 0])) == 3  # epochs 1 and 2 at the peak
    assert "ran all max_iter=4 epochs" in _report(model)


def _report(model):
    import io

    out = io.StringIO()
    model.summary(file=out)
    return out.getvalue()


def test_a_warm_start_of_a_large_table_plans_its_epochs_again(monkeypatch):
    X, y = _table()
    monkeypatch.setattr(budget, "SAMPLE_BUDGET", 6_000)
    model = TabularNetRegressor(hidden_layer_sizes=(16,), batch_size=100, random_state=0, warm_start=True)
    model.fit(X, y).fit(X, y)
    assert model.n_iter_ == 3 and len(model.history_) == 6
    assert "ran all 3 epochs of this fit planned for 2,000 training rows" in _report(model)


def test_a_batch_trains_on_one_blas_thread_unless_its_product_is_large(monkeypatch):
    from skdeep.tabular import estimators as tabular_estimators
    from skdeep.train import threads

    chosen = []
    monkeypatch.setattr(tabular_estimators, "blas_threads",
                        lambda *shape: (chosen.append(shape), threads.blas_threads(*shape))[1])
    X, y = _table(n=400)
    TabularNetRegressor(hidden_layer_sizes=(64,), n_ensemble=2, max_iter=1, random_state=0).fit(X, y)
    (shape,) = chosen
    assert shape[2] == 2 * 64  # the first layer's units of both members
    with threads.blas_threads(*shape):
        from threadpoolctl import threadpool_info

        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    large = (1024, threads.LARGE_PRODUCT // (1024 * 384) + 1, 384)
    assert type(threads.blas_threads(*large)).__name__ == "nullcontext"


def _numeric_frame(n, columns=10, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, columns)), columns=[f"x{i}" for i in range(columns)])


def test_a_table_too_large_to_encode_is_refused_before_encoding(monkeypatch):
    from skdeep.train import memory

    X = _numeric_frame(2_000)
    encoded = []
    monkeypatch.setattr(TabularPreprocessor, "_fit", lambda *args, **kwargs: encoded.append(args))
    monkeypatch.setattr(memory, "available_memory", lambda: 100 * 2**10)  # 0.1 MiB
    model = TabularNetRegressor(max_iter=1)
    # 2,000 rows x 10 columns x 8 bytes: 0.15 MiB.
    with pytest.raises(MemoryError, match=r"needs about .* MiB more memory \(the encoded table 0\.2 MiB, "
                                          r".*only 0\.1 MiB is available\. Fit on fewer rows"):
        model.fit(X, X["x0"])
    assert encoded == [] and not hasattr(model, "preprocessor_")
    monkeypatch.setattr(memory, "available_memory", lambda: None)  # unknown: no refusal


def test_what_the_memory_checks_count_bounds_what_a_fit_allocates(monkeypatch):
    # tracemalloc sees NumPy's allocations: the fit's peak beyond the input must stay under
    # the first check's estimate, which counts the encoding, its split and training.
    from skdeep.tabular import estimators as tabular_estimators

    X = _numeric_frame(30_000)
    y = X["x0"].to_numpy()
    estimates = []
    real_refuse = tabular_estimators.refuse_if_short
    monkeypatch.setattr(tabular_estimators, "refuse_if_short",
                        lambda parts, advice: (estimates.append(dict(parts)), real_refuse(parts, advice)))
    model = TabularNetRegressor(hidden_layer_sizes=(32,), max_iter=1, random_state=0)
    peak, _ = traced_peak(lambda: model.fit(X, y))
    before_encoding, before_training = estimates
    assert peak < sum(before_encoding.values()) + sum(before_training.values())
    assert set(before_encoding) == {"the encoded table", "reading one column", "targets and row order"}
    assert set(before_training) == {"training", "the wide rows of a chunk", "validation predictions",
                                    "the members' validation parts",
                                    "drawing the parts (a random order of the rows and its keys)"}
    # The encoded table is what the first check counted: a float64 per numeric cell.
    assert before_encoding["the encoded table"] == X.size * 8


def test_tabularnet_flushes_subnormal_moments_every_few_steps_and_deepnet_never(monkeypatch):
    from skdeep import DeepNetRegressor
    from skdeep.train import trainer

    calls = []
    monkeypatch.setattr(optimizers.AdamW, "flush_subnormals", lambda self: calls.append(self.t))
    monkeypatch.setattr(optimizers.Adam, "flush_subnormals", lambda self: calls.append(self.t))
    X, y = _table(n=1_000)
    TabularNetRegressor(hidden_layer_sizes=(8,), batch_size=50, max_iter=3, validation_fraction=None,
                        random_state=0).fit(X, y)
    assert calls == list(range(trainer.FLUSH_EVERY, 3 * 20 + 1, trainer.FLUSH_EVERY))
    calls.clear()
    DeepNetRegressor(hidden_layer_sizes=(8,), batch_size=50, max_iter=3).fit(X.to_numpy(), y)
    assert calls == []


def test_an_ordinary_wide_fit_is_not_refused_for_memory_it_will_not_use(monkeypatch):
    # 200 rows x 1,000 numeric columns: the fit's peak is about 260 MiB (4 members of 128
    # units on 17,000 inputs); the checks must not count a 1,024-row prediction chunk or
    # every column at its widest.
    from skdeep.train import memory

    X = np.random.default_rng(0).normal(size=(200, 1_000))
    y = np.arange(200) % 2
    monkeypatch.setattr(memory, "available_memory", lambda: 400 * 2**20)
    peak, model = traced_peak(lambda: TabularNetRegressor(max_iter=1, random_state=0).fit(X, y))
    assert model.n_iter_ == 1 and peak < 400 * 2**20


@pytest.mark.parametrize("magnitude", [1e200, 1e307])
def test_targets_beyond_1e154_train_and_predict_finite_values(magnitude, tmp_path):
    # Their squares overflow: the standard deviation was inf, and every prediction with it.
    import skdeep

    X, y = _table(n=600)
    y = y / np.abs(y).max()
    model = TabularNetRegressor(hidden_layer_sizes=(32,), max_iter=20, random_state=0).fit(X, y * magnitude)
    assert np.isfinite(model.y_scale_).all() and np.isfinite(model.y_mean_).all()
    predictions = model.predict(X)
    assert np.isfinite(predictions).all()  # (r2_score itself squares them: it would overflow)
    reference = TabularNetRegressor(hidden_layer_sizes=(32,), max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_allclose(predictions / magnitude, reference.predict(X), rtol=1e-3, atol=1e-3)
    skdeep.save(model, tmp_path / "model.skdeep")
    np.testing.assert_array_equal(skdeep.load(tmp_path / "model.skdeep").predict(X), predictions)


def test_positive_weights_too_small_for_float32_are_named_as_such():
    X, y = _table(n=100)
    with pytest.raises(ValueError, match=r"too small for float32: the largest, 1e-50, became 0"):
        TabularNetRegressor(max_iter=1).fit(X, y, sample_weight=np.full(100, 1e-50))
    with pytest.raises(ValueError, match="non-zero|sums? to zero"):  # weights that are 0: as before
        TabularNetRegressor(max_iter=1).fit(X, y, sample_weight=np.zeros(100))
