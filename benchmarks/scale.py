"""How TabularNet scales with rows, beside HistGradientBoosting and LightGBM (issue 19).

Usage::

    python benchmarks/scale.py                       # 10k, 100k and 1M rows: run it on a quiet machine
    python benchmarks/scale.py --quick               # 5k and 20k rows, 5-epoch TabularNet: a smoke run
    python benchmarks/scale.py --rows 10000,100000 --peers tabular,hgb --plot scale.png
    python benchmarks/scale.py --memory-only --rows 10000000   # TabularNet's fit peak at 10M rows

The table is synthetic (:func:`make_table`, fixed seeds): 20 float64 numeric
columns (15 normal, 5 log-normal), 3 pandas ``category`` columns with 5, 50
and 500 string levels, 5% of the values of every column missing (NaN), and a
nonlinear target: sines, products, thresholds and a tanh of numeric columns,
an effect per level of each categorical column and a level-dependent slope,
plus noise. A term whose input is missing contributes 0, so the best possible
test R² is 0.70 exactly. The test set is a separate draw from the same
generator, 20% of the training rows (at most 50,000).

The peers, each with its library's defaults and ``--threads`` threads
(OMP/OpenBLAS/MKL variables, ``threadpoolctl`` and LightGBM's ``n_jobs``):

* ``tabular``: ``skdeep.tabular.TabularNetRegressor`` on the DataFrame;
* ``hgb``: scikit-learn's ``HistGradientBoostingRegressor`` on the DataFrame
  (its categorical support reads the ``category`` dtype). Its default
  ``max_bins=255`` refuses a categorical column with more levels, so the
  500-level column is given to it as its integer codes (NaN when missing):
  the only change to a peer's input;
* ``lightgbm``: ``lightgbm.LGBMRegressor`` on the DataFrame, a benchmark-only
  peer (``pip install lightgbm``), skipped with a message when it does not import.

Each (peer, rows) pair runs in a fresh process (``--child``), so that no peak
and no allocator cache carries over from one fit to the next. The process
generates the tables, warms up with a fit on 500 rows (imports, thread pools),
then measures:

* **fit s** and **predict s**: wall clock around ``fit`` on the training
  table and ``predict`` on the test table;
* **fit peak MiB**: the peak resident size during ``fit`` minus the resident
  size just before it, so the input DataFrame is not counted; **peak / input**
  is that over the DataFrame's own size (``memory_usage(deep=True)``);
* **predict peak MiB**: the same around ``predict``, in the same process;
* **R²** on the test table.

How memory is measured: before each of ``fit`` and ``predict`` the process
returns the memory it has freed to the system (glibc's ``malloc_trim``: freed
pages the allocator kept would be reused without showing in the resident
size) and resets its peak resident size to the current one (writing ``5`` to
``/proc/self/clear_refs``); after the call the peak (``VmHWM`` in
``/proc/self/status``) minus the size before is the figure. The reset is what
lets predict be measured after the fit in the same process (on 5,000 and
20,000 rows this agreed within 2 MiB with a predict in a process of its own
that loaded the pickled model). ``getrusage(RUSAGE_SELF).ru_maxrss`` cannot
be used: the reset does not touch it, and on Linux a process started by
``subprocess`` begins with its parent's peak (that of the address space
``exec`` replaced). The reset needs Linux; elsewhere the memory columns are
left empty.

``--memory-only`` fits TabularNet alone for one epoch (``max_iter=1``): it
measures memory at sizes too large to train fully, not accuracy, and its R²
says nothing about the model. Figures depend on the machine, and a second
busy process distorts the timings badly (the run prints the load average and
warns above 1); the ratios between peers of one run are what matter.
"""

import argparse
import ctypes
import functools
import gc
import importlib
import json
import math
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

N_NUMERIC = 20
LOGNORMAL = range(15, 20)  # numeric columns with a heavy right tail (price-like)
LEVELS = (5, 50, 500)
MISSING = 0.05
BEST_R2 = 0.70  # the noise is set so that no model can do better on the test set
WORLD_SEED, TRAIN_SEED, TEST_SEED = 19, 0, 1
MAX_TEST_ROWS = 50_000
WARM_UP_ROWS = 500
HGB_MAX_CATEGORIES = 255  # HistGradientBoosting's default max_bins
QUICK_ROWS, QUICK_MAX_ITER = (5_000, 20_000), 5
DEFAULT_ROWS, MEMORY_ONLY_ROWS = (10_000, 100_000, 1_000_000), (10_000_000,)


# --------------------------------------------------------------------------- data


@functools.cache
def _world():
    """The generator's fixed coefficients: the same for every table, train or test."""
    rng = np.random.default_rng(WORLD_SEED)
    return {
        # a per-level effect for each categorical column, smaller for the many-level ones
        "effects": [rng.normal(0, sd, levels) for sd, levels in zip((1.0, 0.6, 0.5), LEVELS, strict=True)],
        "slopes": rng.normal(0, 0.7, LEVELS[0]),  # cat5's level sets the slope of x10
        # skewed level frequencies: a few common levels, a long tail of rare ones
        "level_p": [_zipf(levels) for levels in LEVELS],
    }


def _zipf(levels):
    weights = 1 / (np.arange(levels) + 5.0)
    return weights / weights.sum()


def _draw(n_rows, seed):
    """Numeric columns and category codes with their missing values, and the noise-free signal."""
    world, rng = _world(), np.random.default_rng(seed)
    x = []
    for j in range(N_NUMERIC):
        column = rng.standard_normal(n_rows)
        if j in LOGNORMAL:
            column = 100 * np.exp(column)
        column[rng.random(n_rows) < MISSING] = np.nan
        x.append(column)
    codes = []
    for levels, p in zip(LEVELS, world["level_p"], strict=True):
        code = rng.choice(levels, size=n_rows, p=p).astype(np.int16)
        code[rng.random(n_rows) < MISSING] = -1  # pandas' code for a missing value
        codes.append(code)

    def term(values):  # a term whose input is missing contributes 0
        return np.nan_to_num(values, nan=0.0)

    def effect(table, code):
        return np.where(code >= 0, table[np.maximum(code, 0)], 0.0)

    signal = term(np.sin(2 * x[0]))
    signal += term(0.7 * x[1] * x[2])
    signal += x[3] > 0.5  # NaN > 0.5 is False
    signal += term(0.6 * np.abs(x[4]))
    signal += term(0.8 * np.maximum(x[5], 0) * (x[6] > 0))
    signal += term(0.4 * x[7]) + term(0.3 * x[8]) - term(0.3 * x[9])
    signal += term(0.8 * np.tanh(np.log(x[15] / 100)))
    signal += term(effect(world["slopes"], codes[0]) * x[10])
    for table, code in zip(world["effects"], codes, strict=True):
        signal += effect(table, code)
    return x, codes, signal


@functools.cache
def _signal_moments():
    """Mean and standard deviation of the signal, from a large reference draw."""
    _, _, signal = _draw(200_000, WORLD_SEED + 1)
    return signal.mean(), signal.std()


def make_table(n_rows, seed):
    """A synthetic regression table: ``(X, y)``, a DataFrame and a Series of ``n_rows`` rows.

    Parameters
    ----------
    n_rows : int
        Rows of the table.
    seed : int
        Seed of the rows; the generator's coefficients are fixed, so tables of
        different seeds are train and test draws of one problem.

    Returns
    -------
    X : DataFrame
        ``x00`` ... ``x19`` (float64) and ``cat5``, ``cat50``, ``cat500``
        (``category`` with string levels), 5% missing in every column.
    y : Series
        Standardized signal and noise, such that the best test R² is ``BEST_R2``.
    """
    x, codes, signal = _draw(n_rows, seed)
    mean, sd = _signal_moments()
    noise = np.random.default_rng([seed, 1]).standard_normal(n_rows)
    y = (signal - mean) / sd * math.sqrt(BEST_R2) + noise * math.sqrt(1 - BEST_R2)
    columns = {f"x{j:02d}": column for j, column in enumerate(x)}
    for levels, code in zip(LEVELS, codes, strict=True):
        names = [f"L{level:03d}" for level in range(levels)]
        columns[f"cat{levels}"] = pd.Categorical.from_codes(code, categories=names)
    return pd.DataFrame(columns), pd.Series(y, name="y")


def train_and_test(n_rows):
    """The training table of ``n_rows`` rows and its test table (20% as many rows, at most 50,000)."""
    X_train, y_train = make_table(n_rows, TRAIN_SEED)
    X_test, y_test = make_table(max(min(n_rows // 5, MAX_TEST_ROWS), 1), TEST_SEED)
    return X_train, y_train, X_test, y_test


# --------------------------------------------------------------------------- peers


def _tabular(threads, max_iter):
    from skdeep.tabular import TabularNetRegressor

    cap = {} if max_iter is None else {"max_iter": max_iter, "warmup": min(5, max_iter - 1)}
    return TabularNetRegressor(random_state=0, **cap)


def _hgb(threads, max_iter):
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=0)


def _lightgbm(threads, max_iter):
    from lightgbm import LGBMRegressor

    # verbose=-1 only silences its log lines; the model keeps every default
    return LGBMRegressor(n_jobs=threads, random_state=0, verbose=-1)


def hgb_frame(X):
    """``X`` with every categorical column of more than 255 levels as its codes (NaN when missing).

    HistGradientBoosting's default ``max_bins=255`` refuses such a column
    as a category; its codes are the plain way to give it anyway.
    """
    too_many = [c for c in X.select_dtypes("category")
                if len(X[c].cat.categories) > HGB_MAX_CATEGORIES]
    return X.assign(**{c: X[c].cat.codes.astype("float64").where(X[c].notna()) for c in too_many})


PEERS = {  # name -> (label, build(threads, max_iter), the input it is given)
    "tabular": ("TabularNet", _tabular, lambda X: X),
    "hgb": ("HGB", _hgb, hgb_frame),
    "lightgbm": ("LightGBM", _lightgbm, lambda X: X),
}


def iterations(model):
    """Epochs (TabularNet), boosting iterations (HGB) or trees (LightGBM) the fit ran."""
    for attribute in ("n_iter_", "n_estimators_"):
        if hasattr(model, attribute):
            return int(getattr(model, attribute))
    return None


# --------------------------------------------------------------------------- one measurement


def _status(field):
    """A size from /proc/self/status in bytes (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"{field} not in /proc/self/status")


def _reset_peak():
    """Restart the peak resident size from the current one; False where that is impossible (not Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _release_freed_memory():
    """Return memory freed by earlier work to the system (glibc's ``malloc_trim``).

    Freed memory that the allocator keeps resident would be reused by the next
    call without raising the resident size, hiding part of that call's peak.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim with
        pass


def timed_with_peak(function):
    """``function()``'s result, its seconds, and the bytes its peak resident size added (or None)."""
    gc.collect()
    _release_freed_memory()
    can_measure = _reset_peak()
    before = _status("VmRSS") if can_measure else 0
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    peak = _status("VmHWM") - before if can_measure else None
    return result, seconds, peak


def measure_in_this_process(peer, n_rows, threads, max_iter):
    """Fit and predict one peer on fresh tables; the measurements as a dict (see the module docstring)."""
    from sklearn.metrics import r2_score
    from threadpoolctl import threadpool_limits

    warnings.filterwarnings("ignore", category=UserWarning)
    _, build, given = PEERS[peer]
    X_train, y_train, X_test, y_test = train_and_test(n_rows)
    X_train, X_test = given(X_train), given(X_test)
    with threadpool_limits(limits=threads):
        # imports, thread start-up and first-call costs are the process's, not the fit's
        X_warm, y_warm = make_table(WARM_UP_ROWS, TRAIN_SEED + 2)
        build(threads, 1).fit(given(X_warm), y_warm)
        del X_warm, y_warm
        model = build(threads, max_iter)
        _, fit_seconds, fit_peak = timed_with_peak(lambda: model.fit(X_train, y_train))
        predicted, predict_seconds, predict_peak = timed_with_peak(lambda: model.predict(X_test))
    return {
        "peer": peer, "rows": n_rows, "test_rows": len(X_test),
        "input_bytes": int(X_train.memory_usage(deep=True).sum()),
        "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
        "fit_peak_bytes": fit_peak, "predict_peak_bytes": predict_peak,
        "r2": float(r2_score(y_test, np.ravel(predicted))), "iterations": iterations(model),
    }


def measure(peer, n_rows, threads, max_iter):
    """:func:`measure_in_this_process` in a fresh process; its dict, or one with an ``error``."""
    command = [sys.executable, __file__, "--child", peer, str(n_rows), "--threads", str(threads)]
    if max_iter is not None:
        command += ["--max-iter", str(max_iter)]
    # thread pools sized at start-up, before threadpoolctl gets a say
    environment = {**os.environ, **{name: str(threads) for name in
                                    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    lines = result.stdout.strip().splitlines()
    if result.returncode == 0 and lines:
        return json.loads(lines[-1])  # the last line: a library may print before it
    if result.returncode < 0:  # SIGKILL is most often the kernel's out-of-memory killer
        return {"peer": peer, "rows": n_rows, "error": f"killed by signal {-result.returncode}"
                + (" (out of memory?)" if result.returncode == -9 else "")}
    tail = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
    return {"peer": peer, "rows": n_rows, "error": tail[:160]}


# --------------------------------------------------------------------------- report


def _mib(size):
    return "–" if size is None else f"{size / 2**20:.1f}"


def markdown(results, memory_only=False):
    """The results as a Markdown table, one row per (rows, peer)."""
    lines = ["| rows | peer | iterations | fit s | predict s | input MiB | fit peak MiB | peak / input "
             "| predict peak MiB | R² |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        label = PEERS[r["peer"]][0]
        if "error" in r:
            lines.append(f"| {r['rows']:,} | {label} | failed: {r['error']} |  |  |  |  |  |  |  |")
            continue
        peak = r["fit_peak_bytes"]
        ratio = "–" if peak is None else f"{peak / r['input_bytes']:.1f}x"
        r2 = f"{r['r2']:.3f}" + (" (1 epoch)" if memory_only else "")
        lines.append(f"| {r['rows']:,} | {label} | {r['iterations'] or '–'} | {r['fit_seconds']:.2f} | "
                     f"{r['predict_seconds']:.3f} | {_mib(r['input_bytes'])} | {_mib(peak)} | {ratio} | "
                     f"{_mib(r['predict_peak_bytes'])} | {r2} |")
    return "\n".join(lines)


def _times(mine, theirs, key):
    if mine[key] is None or theirs[key] is None or theirs[key] <= 0:
        return "–"
    ratio = mine[key] / theirs[key]
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def comparisons(results):
    """Per size, TabularNet's fit time, predict time and fit peak over each other peer's.

    >>> comparisons([{"peer": "tabular", "rows": 10, "fit_seconds": 6.0, "predict_seconds": 0.2,
    ...               "fit_peak_bytes": 30, "r2": 0.68},
    ...              {"peer": "hgb", "rows": 10, "fit_seconds": 2.0, "predict_seconds": 0.1,
    ...               "fit_peak_bytes": 10, "r2": 0.66}])
    ["10 rows: TabularNet fit 3.0x HGB's time, predict 2.0x, fit peak 3.0x; R² 0.680 vs 0.660"]
    """
    done = {(r["rows"], r["peer"]): r for r in results if "error" not in r}
    lines = []
    for rows in dict.fromkeys(r["rows"] for r in results):
        mine = done.get((rows, "tabular"))
        for peer in PEERS:
            theirs = done.get((rows, peer))
            if mine is None or theirs is None or peer == "tabular":
                continue
            lines.append(f"{rows:,} rows: TabularNet fit {_times(mine, theirs, 'fit_seconds')} "
                         f"{PEERS[peer][0]}'s time, predict {_times(mine, theirs, 'predict_seconds')}, "
                         f"fit peak {_times(mine, theirs, 'fit_peak_bytes')}; "
                         f"R² {mine['r2']:.3f} vs {theirs['r2']:.3f}")
    return lines


def growth(results):
    """Per peer, the exponent ``a`` of fit time (and fit peak) ~ rows^a from its smallest size to its largest."""
    lines = []
    for peer, (label, _, _) in PEERS.items():
        mine = sorted((r for r in results if r["peer"] == peer and "error" not in r), key=lambda r: r["rows"])
        if len(mine) < 2:
            continue
        first, last = mine[0], mine[-1]
        span = math.log(last["rows"] / first["rows"])
        parts = []
        for key, what in (("fit_seconds", "fit time"), ("fit_peak_bytes", "fit peak")):
            if first[key] and last[key] and first[key] > 0 and last[key] > 0:
                parts.append(f"{what} ~ rows^{math.log(last[key] / first[key]) / span:.2f}")
        if parts:
            lines.append(f"{label}, {first['rows']:,} to {last['rows']:,} rows: {', '.join(parts)}")
    return lines


def plot(results, path):
    """Fit time and fit peak against rows, log-log, one line per peer, saved to ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"not plotting to {path}: matplotlib is not installed")
        return
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for peer, (label, _, _) in PEERS.items():
        mine = sorted((r for r in results if r["peer"] == peer and "error" not in r), key=lambda r: r["rows"])
        if not mine:
            continue
        rows = [r["rows"] for r in mine]
        axes[0].plot(rows, [r["fit_seconds"] for r in mine], "o-", label=label)
        peaks = [(n, r["fit_peak_bytes"] / 2**20) for n, r in zip(rows, mine, strict=True)
                 if r["fit_peak_bytes"]]
        if peaks:
            axes[1].plot(*zip(*peaks, strict=True), "o-", label=label)
    for axis, what in zip(axes, ("fit seconds", "fit peak MiB"), strict=True):
        axis.set(xscale="log", yscale="log", xlabel="training rows", ylabel=what)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"plot saved to {path}")


def _missing_reason(module):
    """Why ``import module`` fails, or None when it works."""
    try:
        importlib.import_module(module)
    except Exception as error:  # any failure to import means no peer
        return f"{type(error).__name__}: {error}"
    return None


def _versions(peers):
    import sklearn

    names = {"numpy": np, "pandas": pd, "scikit-learn": sklearn}
    if "lightgbm" in peers:
        names["lightgbm"] = importlib.import_module("lightgbm")
    return ", ".join(f"{name} {module.__version__}" for name, module in names.items())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", help="comma-separated training sizes (default 10000,100000,1000000; "
                        "5000,20000 with --quick; 10000000 with --memory-only)")
    parser.add_argument("--peers", default=",".join(PEERS),
                        help=f"comma-separated peers, from {','.join(PEERS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run: small sizes, TabularNet capped at {QUICK_MAX_ITER} epochs")
    parser.add_argument("--max-iter", type=int, help="cap TabularNet's epochs (default: its own)")
    parser.add_argument("--memory-only", action="store_true",
                        help="TabularNet alone, one epoch: its fit peak at large sizes (not its accuracy)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    parser.add_argument("--plot", metavar="PATH", help="save fit time and peak vs rows (log-log) to PATH")
    parser.add_argument("--child", nargs=2, metavar=("PEER", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        peer, n_rows = args.child[0], int(args.child[1])
        print(json.dumps(measure_in_this_process(peer, n_rows, args.threads, args.max_iter)))
        return

    defaults = MEMORY_ONLY_ROWS if args.memory_only else QUICK_ROWS if args.quick else DEFAULT_ROWS
    try:
        sizes = [int(n) for n in args.rows.split(",")] if args.rows else list(defaults)
    except ValueError:
        parser.error(f"--rows takes comma-separated integers, got {args.rows!r}")
    if min(sizes) < 10:
        parser.error("every size in --rows must be at least 10")
    peers = ["tabular"] if args.memory_only else args.peers.split(",")
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peers {unknown}; known: {', '.join(PEERS)}")
    max_iter = 1 if args.memory_only else args.max_iter or (QUICK_MAX_ITER if args.quick else None)
    if max_iter is not None and max_iter < 1:
        parser.error("--max-iter must be at least 1")
    if "lightgbm" in peers and (reason := _missing_reason("lightgbm")):
        print(f"skipping LightGBM: import lightgbm failed ({reason}); it is a benchmark-only peer: "
              "pip install lightgbm")
        peers.remove("lightgbm")

    load = os.getloadavg()[0]
    print(f"load average (1 min): {load:.2f}")
    if load >= 1:
        print("warning: another process is using a core; the timings will be distorted")
    print(f"{_versions(peers)}; {args.threads} threads; peers: {', '.join(peers)}; "
          f"TabularNet max_iter: {max_iter or 'default'}")
    if args.memory_only:
        print("memory-only: TabularNet trains one epoch; its R² is not an accuracy figure")

    results = []
    for n_rows in sizes:
        for peer in peers:
            print(f"  {PEERS[peer][0]} on {n_rows:,} rows ...", file=sys.stderr, flush=True)
            results.append(measure(peer, n_rows, args.threads, max_iter))
            if "error" in results[-1]:
                print(f"  {peer} failed on {n_rows:,} rows: {results[-1]['error']}", file=sys.stderr)
    print()
    print(markdown(results, memory_only=args.memory_only))
    for line in ["", *comparisons(results), "", *growth(results)]:
        print(line)
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
