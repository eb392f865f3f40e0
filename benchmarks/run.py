"""Side-by-side training and prediction speed: skdeep vs MLPClassifier (and PyTorch).

Usage::

    python benchmarks/run.py            # the full suite (several minutes)
    python benchmarks/run.py --quick    # smaller data, fewer repeats: under two minutes

Every case trains the same architecture for the same number of epochs, with
the same batch size and Adam settings, on the same data, for each peer in
turn; the peers are interleaved within each repeat and the median of the
repeats is reported. For each case and peer the table gives seconds, useful
GFLOP/s (``6 * samples * weights`` per epoch: the three matrix products of
forward and backward), that rate as a percentage of this machine's GEMM peak
in the case's dtype (see :func:`gemm_peak` and :func:`ceilings`: never above
100%), the peak memory the fit added, and the final training accuracy, so
that speed is never bought with a wrong result. Then ``predict_proba``
throughput in rows per second, with which peer predicts how many times faster.
Figures depend on the machine; the ratios between peers are what matter.
With the onnx extra installed, the prediction speed of skdeep's ONNX exports
in ONNX Runtime is measured against skdeep's own.
"""

import argparse
import gc
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skdeep import DeepNetClassifier

try:
    import torch
except ImportError:  # PyTorch is an optional peer
    torch = None

try:
    import onnxruntime
except ImportError:  # ONNX Runtime serves skdeep's exports when the onnx extra is installed
    onnxruntime = None

ADAM = {"learning_rate_init": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8, "alpha": 1e-4}


@dataclass
class Case:
    name: str
    X: np.ndarray
    y: np.ndarray
    hidden: tuple
    batch_size: int
    epochs: int

    @property
    def n_weights(self):
        sizes = (self.X.shape[1], *self.hidden, len(np.unique(self.y)))
        return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


def make_cases(quick):
    scale = 4 if quick else 1
    digits_X, digits_y = load_digits(return_X_y=True)
    synthetic_X, synthetic_y = make_classification(
        n_samples=20_000 // scale, n_features=100, n_informative=40, n_classes=10,
        n_clusters_per_class=1, random_state=0,
    )
    synthetic_X = synthetic_X / synthetic_X.std(axis=0)
    cases = []
    for dtype in (np.float64, np.float32):
        suffix = "f64" if dtype == np.float64 else "f32"
        X, Xd = synthetic_X.astype(dtype), (digits_X / 16).astype(dtype)
        cases += [
            Case(f"digits (100,) b200 {suffix}", Xd, digits_y, (100,), 200, 5 if quick else 20),
            Case(f"20k x100 (256,128,64) b256 {suffix}", X, synthetic_y, (256, 128, 64), 256,
                 5 if not quick else 2),
            Case(f"deep (64,)x6 b64 {suffix}", X, synthetic_y, (64,) * 6, 64, 5 if not quick else 2),
            Case(f"wide (1024,1024) b1024 {suffix}", X, synthetic_y, (1024, 1024), 1024,
                 3 if not quick else 1),
        ]
    return cases


# ------------------------------------------------------------------ peers
def fit_skdeep(case):
    model = DeepNetClassifier(hidden_layer_sizes=case.hidden, batch_size=case.batch_size,
                              max_iter=case.epochs, tol=0, n_iter_no_change=10**9,
                              random_state=0, **ADAM)
    model.fit(case.X, case.y)
    return model.score(case.X, case.y)


def fit_mlp(case):
    model = MLPClassifier(hidden_layer_sizes=case.hidden, batch_size=case.batch_size,
                          max_iter=case.epochs, tol=0, n_iter_no_change=10**9,
                          random_state=0, **ADAM)
    model.fit(case.X, case.y)
    return model.score(case.X, case.y)


def fit_torch(case):
    torch.manual_seed(0)
    dtype = torch.float64 if case.X.dtype == np.float64 else torch.float32
    sizes = (case.X.shape[1], *case.hidden, len(np.unique(case.y)))
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dtype)
    # MLPClassifier's penalty alpha/(2m)||W||^2 has gradient (alpha/m) W: weight decay alpha/m.
    optimizer = torch.optim.Adam(model.parameters(), lr=ADAM["learning_rate_init"],
                                 eps=ADAM["epsilon"], weight_decay=ADAM["alpha"] / case.batch_size)
    X, y = torch.from_numpy(case.X), torch.from_numpy(case.y.astype(np.int64))
    loss_function = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)
    for _ in range(case.epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), case.batch_size):
            rows = order[start : start + case.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss_function(model(X[rows]), y[rows]).backward()
            optimizer.step()
    with torch.no_grad():
        return float((model(X).argmax(dim=1) == y).double().mean())


# ------------------------------------------------------------------ measuring
def _status(field):
    """A size from /proc/self/status, in bytes (VmRSS: resident now, VmHWM: peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"{field} not in /proc/self/status")


def measure(fit, case):
    """Seconds and training accuracy of one fit."""
    gc.collect()
    started = time.perf_counter()
    accuracy = fit(case)
    return time.perf_counter() - started, accuracy


def peak_memory(case_index, peer, quick):
    """Bytes the fit adds to the peak resident size, measured in a fresh process.

    A fresh process, because freed memory that the allocator keeps would hide
    a fit's peak in a process that has run other fits. Linux only (None elsewhere).
    """
    command = [sys.executable, __file__, "--memory-of", str(case_index), peer]
    if quick:
        command.append("--quick")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return int(result.stdout) if result.returncode == 0 and result.stdout.strip() else None


def _report_memory_of(case_index, peer, quick):
    case = make_cases(quick)[case_index]
    fit = _peers()[peer]
    # A small fit first: lazy imports and BLAS thread buffers are one-time costs
    # of the process, not of the fit being measured.
    fit(Case(case.name, case.X[:256], case.y[:256], case.hidden, 64, 1))
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # restart the peak (VmHWM) from the current size
    baseline = _status("VmRSS")
    fit(case)
    print(_status("VmHWM") - baseline)


GEMM_SIZES = (512, 1024, 2048)


def gemm_peak(dtype, sizes=GEMM_SIZES, repeats=5):
    """GFLOP/s of NumPy's fastest square matrix product in ``dtype``: the machine's ceiling.

    The fastest of ``repeats`` products at each size, the fastest over the
    sizes. Fastest, because load from other processes on a shared machine only
    ever slows a product down; several sizes, because 2048 keeps every BLAS
    thread busy for long enough to saturate it while a smaller product can run
    faster out of cache, and the ceiling is whichever is higher.
    """
    rng = np.random.default_rng(0)
    best = 0.0
    for size in sizes:
        a, b = rng.random((size, size)).astype(dtype), rng.random((size, size)).astype(dtype)
        out = np.empty_like(a)
        np.matmul(a, b, out=out)  # first call: BLAS thread start-up, page faults on out
        seconds = min(_timed(lambda a=a, b=b, out=out: np.matmul(a, b, out=out)) for _ in range(repeats))
        best = max(best, 2 * size**3 / seconds / 1e9)
    return best


def ceilings(gemm_peaks, case_rates):
    """Per dtype, the GEMM peak, raised to any case's rate that beat it.

    A case cannot really run above the machine's ceiling; when one appears to,
    the peak was measured during a burst of load from other processes. A rate
    that was reached is a lower bound on the ceiling, so the ceiling is raised
    to it, and every "% of GEMM peak" stays at most 100%.

    Parameters
    ----------
    gemm_peaks : dict
        dtype -> GFLOP/s from :func:`gemm_peak` (the best of its measurements).
    case_rates : iterable of (dtype, GFLOP/s)
        Every case's rate, for every peer.

    Returns
    -------
    ceilings : dict
        dtype -> GFLOP/s, at least the GEMM peak and every case's rate.
    """
    result = dict(gemm_peaks)
    for dtype, rate in case_rates:
        result[dtype] = max(result[dtype], rate)
    return result


def faster(name, rate, other, other_rate, verb):
    """Which of two rates (higher is better) is the faster, in words.

    >>> faster("skdeep", 2.0, "MLPClassifier", 1.0, "predicts")
    'skdeep predicts 2.00x faster than MLPClassifier'
    """
    if rate >= other_rate:
        return f"{name} {verb} {rate / other_rate:.2f}x faster than {other}"
    return f"{other} {verb} {other_rate / rate:.2f}x faster than {name}"


def _timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def predict_throughput(peers, n_rows, repeats):
    """Rows per second of predict_proba on n_rows, for fitted models of each peer."""
    X, y = make_classification(n_samples=2_000, n_features=100, n_classes=10,
                               n_informative=40, random_state=0)
    big = np.random.default_rng(0).normal(size=(n_rows, 100))
    models = {
        "skdeep": DeepNetClassifier(hidden_layer_sizes=(256, 128), max_iter=2).fit(X, y),
        "MLPClassifier": MLPClassifier(hidden_layer_sizes=(256, 128), max_iter=2).fit(X, y),
    }
    predictors = {name: model.predict_proba for name, model in models.items()}
    if "torch" in peers:
        net = torch.nn.Sequential(torch.nn.Linear(100, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                  torch.nn.ReLU(), torch.nn.Linear(128, 10)).double()

        def torch_proba(data):
            with torch.no_grad():
                return torch.softmax(net(torch.from_numpy(data)), dim=1).numpy()

        predictors["torch"] = torch_proba
    times = {name: [] for name in predictors}
    for _ in range(repeats):
        for name, predict in predictors.items():
            times[name].append(_timed(lambda predict=predict: predict(big)))
    return {name: n_rows / statistics.median(values) for name, values in times.items()}


def onnx_throughput(n_rows, repeats):
    """Rows per second of skdeep's predict_proba and of its ONNX export in ONNX Runtime.

    One (256, 128) network with batch norm per dtype and activation; relu and
    gelu, because ONNX Runtime has no float64 Erf and skdeep's export builds
    float64 GELU from elementary operators.
    """
    from skdeep import to_onnx

    X, y = make_classification(n_samples=2_000, n_features=100, n_classes=10,
                               n_informative=40, random_state=0)
    results = {}
    for dtype in (np.float32, np.float64):
        big = np.random.default_rng(0).normal(size=(n_rows, 100)).astype(dtype)
        for activation in ("relu", "gelu"):
            model = DeepNetClassifier(hidden_layer_sizes=(256, 128), activation=activation,
                                      batch_norm=True, max_iter=2).fit(X.astype(dtype), y)
            session = onnxruntime.InferenceSession(to_onnx(model, big).SerializeToString(),
                                                   providers=["CPUExecutionProvider"])
            predictors = {"skdeep": model.predict_proba,
                          "ONNX Runtime": lambda data, s=session: s.run(None, {"X": data})}
            rates = {}
            # Each peer alone, not interleaved: both thread pools (OpenBLAS's and
            # ORT's) busy-wait after a call and would slow whichever runs next.
            for name, predict in predictors.items():
                for _ in range(2):  # ORT's first runs size its memory arena
                    predict(big)
                rates[name] = n_rows / statistics.median(
                    _timed(lambda predict=predict, big=big: predict(big)) for _ in range(repeats))
            results[dtype.__name__, activation] = rates
    return results


# ------------------------------------------------------------------ report
def _peers():
    peers = {"skdeep": fit_skdeep, "MLPClassifier": fit_mlp}
    if torch is not None:
        torch.set_num_threads(2)
        peers["torch"] = fit_torch
    return peers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true", help="small data, few repeats (< 2 min)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per case (median)")
    parser.add_argument("--memory-of", nargs=2, metavar=("CASE", "PEER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.memory_of:
        return _report_memory_of(int(args.memory_of[0]), args.memory_of[1], args.quick)
    repeats = args.repeats or (1 if args.quick else 3)

    peers = _peers()
    dtypes = (np.float64, np.float32)
    # The peak is measured before and after the cases and the better kept, so
    # that a burst of load at one moment does not set it.
    peaks = {dtype: gemm_peak(dtype) for dtype in dtypes}
    print(f"peers: {', '.join(peers)}; repeats: {repeats} (median)\n")

    rows = []
    speedups = {name: [] for name in peers if name != "skdeep"}
    memory_ratios = {name: [] for name in peers if name != "skdeep"}
    warm_up = make_cases(quick=True)[0]
    for fit in peers.values():  # first calls pay for imports and thread start-up
        measure(fit, warm_up)
    for index, case in enumerate(make_cases(args.quick)):
        print(f"  timing {case.name} ...", file=sys.stderr, flush=True)
        runs = {name: [] for name in peers}
        for _ in range(repeats):
            for name, fit in peers.items():  # interleaved: drift hits every peer alike
                runs[name].append(measure(fit, case))
        memory = {name: peak_memory(index, name, args.quick) for name in peers}
        ours = statistics.median(seconds for seconds, _ in runs["skdeep"])
        flop = 6 * case.X.shape[0] * case.n_weights * case.epochs
        for name, results in runs.items():
            seconds = statistics.median(seconds for seconds, _ in results)
            gflops = flop / seconds / 1e9
            ratio = seconds / ours
            if name != "skdeep":
                speedups[name].append(ratio)
                if memory[name] and memory["skdeep"]:
                    memory_ratios[name].append(memory["skdeep"] / memory[name])
            mib = f"{memory[name] / 2**20:.1f}" if memory[name] is not None else "n/a"
            rows.append((case, name, seconds, ratio, gflops, mib, results[-1][1]))

    measured = {dtype: max(peaks[dtype], gemm_peak(dtype)) for dtype in dtypes}
    peaks = ceilings(measured, [(case.X.dtype.type, gflops) for case, _, _, _, gflops, _, _ in rows])
    print("GEMM peak (fastest square product, sizes "
          f"{'/'.join(map(str, GEMM_SIZES))}, before and after the cases): "
          + ", ".join(f"{dtype.__name__} {peaks[dtype]:.0f} GFLOP/s" for dtype in dtypes))
    for dtype in dtypes:
        if peaks[dtype] > measured[dtype]:
            print(f"  ({dtype.__name__}: raised from {measured[dtype]:.0f} to the fastest case's rate; "
                  "the machine was busy while the peak was measured)")
    print()
    print("| case | peer | seconds | vs skdeep | GFLOP/s | % of GEMM peak | peak MiB | train acc |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for case, name, seconds, ratio, gflops, mib, accuracy in rows:
        print(f"| {case.name} | {name} | {seconds:.3f} | {ratio:.2f}x | {gflops:.1f} | "
              f"{100 * gflops / peaks[case.X.dtype.type]:.0f}% | {mib} | {accuracy:.3f} |")

    print()
    for name, ratios in speedups.items():
        geometric_mean = float(np.exp(np.mean(np.log(ratios))))
        # The mean over cases, then the case least favourable to skdeep, each in words.
        print(f"{faster('skdeep', geometric_mean, name, 1.0, 'trains')} (geometric mean over the cases); "
              f"in the case least favourable to skdeep, "
              f"{faster('skdeep', min(ratios), name, 1.0, 'trains')}; skdeep's peak memory is at most "
              f"{max(memory_ratios[name], default=float('nan')):.2f}x {name}'s")

    n_rows = 25_000 if args.quick else 100_000
    throughput = predict_throughput(peers, n_rows, max(repeats, 3))
    print(f"\npredict_proba on {n_rows:,} rows, (256,128) network, float64 "
          f"(median of {max(repeats, 3)}):")
    print("  " + ", ".join(f"{name} {rate / 1e6:.2f} M rows/s" for name, rate in throughput.items()))
    for name, rate in throughput.items():
        if name != "skdeep":
            print(f"  {faster('skdeep', throughput['skdeep'], name, rate, 'predicts')}")

    if onnxruntime is not None:
        print(f"\nONNX export on {n_rows:,} rows (256,128) with batch norm, rows per second:")
        print("| dtype | activation | skdeep predict_proba | ONNX Runtime | which is faster |")
        print("|---|---|---:|---:|---|")
        for (dtype, activation), rates in onnx_throughput(n_rows, max(repeats, 3)).items():
            ours, theirs = rates["skdeep"], rates["ONNX Runtime"]
            print(f"| {dtype} | {activation} | {ours / 1e6:.2f} M | {theirs / 1e6:.2f} M | "
                  f"{faster('ONNX Runtime', theirs, 'skdeep', ours, 'predicts')} |")


if __name__ == "__main__":
    main()
