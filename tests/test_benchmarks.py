"""The benchmark script keeps running (its figures are not checked here: no timed tests)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.mark.slow
def test_benchmark_measures_the_peak_memory_of_a_skdeep_fit_in_a_fresh_process():
    # skdeep from this checkout, whether or not it is installed
    environment = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--memory-of", "0", "skdeep", "--quick"],
        capture_output=True, text=True, timeout=300, check=True, env=environment,
    )
    assert int(result.stdout) >= 0


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2-epoch models on purpose
def test_onnx_section_times_skdeep_and_onnx_runtime_for_each_dtype_and_activation():
    import runpy

    pytest.importorskip("onnxruntime", reason='the ONNX section needs the onnx extra: pip install ".[onnx]"')
    benchmark = runpy.run_path(str(SCRIPT))  # defines the functions; main() is guarded
    rates = benchmark["onnx_throughput"](n_rows=300, repeats=1)
    expected = {(dtype, activation) for dtype in ("float32", "float64") for activation in ("relu", "gelu")}
    assert set(rates) == expected
    assert all(set(peers) == {"skdeep", "ONNX Runtime"} for peers in rates.values())
    assert all(rate > 0 for peers in rates.values() for rate in peers.values())


TABULAR = SCRIPT.parent / "tabular.py"


@pytest.mark.slow
def test_tabular_benchmark_prints_a_markdown_table_for_bundled_data():
    # scikit-learn's bundled tables only: no benchmark-only dataset package needed
    environment = {**os.environ, "PYTHONPATH": str(TABULAR.parents[1])}
    result = subprocess.run(
        [sys.executable, str(TABULAR), "--datasets", "breast_cancer,diabetes", "--folds", "2",
         "--max-iter", "2", "--peers", "hgb,mlp,skdeep,tabular"],
        capture_output=True, text=True, timeout=300, check=True, env=environment,
    )
    assert "| breast_cancer | 569 | accuracy | skdeep TabularNet |" in result.stdout
    assert "| diabetes | 442 | R² |" in result.stdout
    assert "| skdeep TabularNet |" in result.stdout.split("| peer | mean rank")[1]
