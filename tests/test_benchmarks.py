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
